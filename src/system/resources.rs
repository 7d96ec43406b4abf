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

/// Sets the allocator up; call once at start, before other threads exist. An integrator's
/// `MALLOC_ARENA_MAX` in the environment wins (glibc has read it already).
pub fn configure() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before threads are spawned.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
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
