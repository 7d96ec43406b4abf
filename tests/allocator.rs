// SPDX-License-Identifier: GPL-3.0-or-later
//! The allocator's set-up for a box that runs for months (`system::resources`).
//!
//! glibc raises its mapping threshold to the size of the largest mapped block freed so far. One
//! freed 16 MiB playlist body was enough for every later block below 16 MiB (video frames, queues,
//! the next lineup) to come from the arenas, which the two-hour soak saw as a heap 35 MiB higher
//! for the rest of the run. `configure` fixes the threshold; this checks the effect, not the call:
//! after a large block is freed, a 1 MiB block must still be mapped on its own.
//!
//! One test in its own binary: the allocator's counters are process-wide, and a second test
//! allocating on another thread would move them.

use std::hint::black_box;
use zapbox::system::resources;

#[test]
fn a_freed_large_block_leaves_later_large_blocks_mapped_on_their_own() {
    resources::configure();
    let big = black_box(vec![1u8; 24 << 20]);
    drop(big);
    let before = resources::heap_figures();
    let block = black_box(vec![1u8; 1 << 20]);
    let after = resources::heap_figures();
    assert!(
        after.mapped >= before.mapped + (1 << 20),
        "a 1 MiB block after a freed 24 MiB one came from the arenas: mapped {} -> {} bytes, in use {} -> {}",
        before.mapped,
        after.mapped,
        before.in_use,
        after.in_use
    );
    drop(block);
}
