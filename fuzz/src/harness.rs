// SPDX-License-Identifier: GPL-3.0-or-later
//! What every target checks besides "no panic": resource abuse. A counting global allocator
//! records the peak of live heap bytes while one input runs; an input whose peak exceeds
//! `32 × its size + 16 MiB` fails, and so does one that takes longer than the time budget
//! (`ZAPBOX_FUZZ_BUDGET_MS`, default 2000 ms: generous, as the fuzzers run niced on a busy
//! machine). Both turn into a panic, which libFuzzer reports as a crash with the input saved.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Bytes allowed per input byte.
pub const BYTES_PER_INPUT_BYTE: usize = 32;
/// Bytes allowed whatever the input.
pub const BASE_BYTES: usize = 16 << 20;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn budget() -> Duration {
    static BUDGET: OnceLock<Duration> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        let ms = std::env::var("ZAPBOX_FUZZ_BUDGET_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        Duration::from_millis(ms)
    })
}

/// CPU time of the whole process (every thread: the XMLTV reader and parsers run on their own).
/// The budget is on work, not on the wall clock: a fuzzer at `nice 19` on a busy machine waits
/// for the CPU, and a wall-clock budget flagged an input that needs milliseconds of CPU (the
/// campaign of 2026-12-06: 2.1 s of waiting on a machine at load 15).
fn cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the struct passed.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec.max(0) as u64, now.tv_nsec.clamp(0, 999_999_999) as u32)
}

/// Runs `target` on `data` and fails (panics) on too much memory or CPU time.
pub fn run(data: &[u8], target: fn(&[u8])) {
    let elapsed = run_untimed(data, target);
    assert!(
        elapsed <= budget(),
        "resource abuse: {elapsed:?} for an input of {} bytes (budget {:?})",
        data.len(),
        budget()
    );
}

/// Runs `target` on `data`, fails (panics) on too much memory and returns the time it took.
/// The regression tests use this: they run unoptimised on a busy machine, where a wall-clock
/// limit would only measure the machine; the fuzzers (optimised) check the time too.
pub fn run_untimed(data: &[u8], target: fn(&[u8])) -> Duration {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let started = cpu_time();
    target(data);
    let elapsed = cpu_time().saturating_sub(started);
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(base);
    let limit = BYTES_PER_INPUT_BYTE * data.len() + BASE_BYTES;
    assert!(
        peak <= limit,
        "resource abuse: peak allocation {peak} bytes for an input of {} bytes (limit {limit})",
        data.len()
    );
    elapsed
}
