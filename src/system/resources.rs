// SPDX-License-Identifier: GPL-3.0-or-later
//! Process resources for a box that runs for months: the C allocator's arenas and the file
//! descriptor limit.
//!
//! zapbox runs a dozen threads that allocate: the dispatch loop, the player thread, one receive
//! thread per joined multicast group, the janitor that tears old pipelines down, the state writer,
//! fetch workers and GStreamer's own streaming threads, which come and go with every zap. glibc gives
//! each thread that meets a locked arena a new one, up to eight per core, and memory freed into an
//! arena stays with it: after a few hundred zaps the process held several times its working set,
//! spread over arenas that no single thread would ever reuse (`bench memory` measured it; the
//! README has the figures). Two arenas keep contention low on the boards' two to four cores while
//! freed memory is found again by the next pipeline.
//!
//! The threshold above which an allocation gets its own mapping is fixed at 128 KiB. glibc's default
//! moves it up to the size of the largest mapped block freed so far (up to 32 MiB): after one
//! 16 MiB playlist body or a guide's 20 MB entry vector was freed, every video frame, queue and
//! lineup below that size came from the arenas instead, fragmented them, and the resident heap of
//! the two-hour soak stayed 35 MiB higher for the rest of the run with the same channels and guide
//! loaded. With a fixed threshold a large block goes back to the kernel when it is freed.
//!
//! After a pipeline is torn down, [`release_free_memory`] hands the free pages at the top of every
//! arena back to the kernel, so the resident size follows what is in use rather than the peak of
//! the last zap. It runs on the janitor thread, never on the zap's path.
//!
//! Other C libraries (musl on some images) have one allocator without per-thread arenas; there
//! both calls are no-ops.
//!
//! The soft limit on open files is raised to the hard one (systemd's default soft limit of 1024
//! exists for programs that use `select()`; GStreamer, GLib and this program poll). Every joined
//! group, HTTP connection and GStreamer bus holds descriptors, and a leak in a library (GStreamer
//! 1.22's HLS demuxer leaves a socket and an eventfd per HLS zap) must not end the evening at the
//! 1024th.

/// Arenas for the whole process (glibc's default is eight per core).
const ARENAS: i32 = 2;

/// Blocks from this size up are mapped on their own and unmapped when freed (glibc's initial value,
/// kept instead of letting it grow; see the module text).
const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Sets the allocator up; call once at start, before other threads exist. An integrator's
/// `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` in the environment wins (glibc has read them already).
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        // SAFETY: mallopt only changes allocator parameters; called before threads are spawned.
        unsafe {
            if std::env::var_os("MALLOC_ARENA_MAX").is_none() && !tunables.contains("arena_max") {
                libc::mallopt(libc::M_ARENA_MAX, ARENAS);
            }
            if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() && !tunables.contains("mmap_threshold") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
        }
    }
}

/// What the allocator holds, in bytes: in use, free but kept in the arenas, and mapped blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapFigures {
    pub in_use: usize,
    pub free_held: usize,
    pub mapped: usize,
}

/// The allocator's figures now (zeros where the C library has no `mallinfo2`).
pub fn heap_figures() -> HeapFigures {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let info = unsafe { libc::mallinfo2() };
        HeapFigures {
            in_use: info.uordblks,
            free_held: info.fordblks,
            mapped: info.hblkhd,
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    HeapFigures::default()
}

/// Returns free memory at the top of the allocator's arenas to the kernel.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only releases memory that is free.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Raises the soft limit on open files to the hard limit.
pub fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                log::debug!("the open files limit stays at its soft value");
            }
        }
    }
}
