// SPDX-License-Identifier: GPL-3.0-or-later
//! The XMLTV reader on several threads: one reads and cuts chunks (and decompresses, when the
//! input is compressed), parser threads turn chunks into batches of channels, programmes and
//! warnings, and the calling thread hands the batches to the sink in document order.
//!
//! ```text
//!  reader thread: Chunker ──chunks (bounded)──> parser threads ──batches──> caller: reorder by seq → sink
//!                       ^──────── spare chunk buffers ────────┘      ^──── spare batches ────┘
//! ```
//!
//! The sink sees exactly what the sequential [`parse`](super::parse) would give it. Queues are
//! bounded and at most `WINDOW` chunks are between the reader and the sink (the reader waits,
//! whichever thread lags), so memory is a handful of 1 MiB chunks and their batches whatever
//! the input size. A panic in a parser (a bug, never expected from input) costs its chunk, with
//! a warning, instead of stalling the pipeline.

use super::chunk::{Chunk, Chunker, Stop};
use super::handler::Handler;
use super::{ParseStats, Programme, XmltvChannel, XmltvSink, parse_chunk, read_failure};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

/// Chunks waiting for a parser.
const QUEUE: usize = 2;
/// Most chunks between the reader and the sink at once. Without this bound a parser that gets
/// no CPU for a while would let the others run ahead and their batches pile up unreplayed.
const WINDOW: u64 = 6;

/// How many batches the sink has taken; the reader waits on it to stay within [`WINDOW`].
#[derive(Default)]
struct Progress {
    delivered: Mutex<u64>,
    changed: Condvar,
}

/// Lifts the window for good when the sink's side ends.
struct Release<'a>(&'a Progress);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.delivered(u64::MAX / 2);
    }
}

impl Progress {
    /// Blocks until chunk `seq` may enter the pipeline.
    fn wait_for_room(&self, seq: u64) {
        let Ok(mut delivered) = self.delivered.lock() else {
            return;
        };
        while seq >= delivered.saturating_add(WINDOW) {
            match self.changed.wait(delivered) {
                Ok(d) => delivered = d,
                Err(_) => return,
            }
        }
    }

    fn delivered(&self, count: u64) {
        if let Ok(mut d) = self.delivered.lock() {
            *d = (*d).max(count);
        }
        self.changed.notify_all();
    }
}

/// What a parser found in one chunk, replayed into the sink in order.
#[derive(Debug, Default)]
struct Batch {
    seq: u64,
    items: Vec<Item>,
    /// Programme buffers, reused across chunks; `items` index into the first `used`.
    programmes: Vec<Programme>,
    used: usize,
    /// Line at the end of the chunk. Lines in a batch count from 1 at the chunk's start (the
    /// parser cannot know how many lines earlier chunks had); [`Batch::replay`] shifts them.
    end_line: u64,
    channels: u64,
    programme_count: u64,
    /// Warnings found in the chunk (only the first [`MAX_BATCH_WARNINGS`] are kept).
    warnings: usize,
}

/// Warnings kept per chunk; the rest are only counted.
const MAX_BATCH_WARNINGS: usize = 100;

#[derive(Debug)]
enum Item {
    Channel(XmltvChannel, u64),
    Programme(usize),
    Warning(u64, String),
}

impl XmltvSink for Batch {
    fn channel(&mut self, channel: XmltvChannel, line: u64) {
        self.items.push(Item::Channel(channel, line));
    }

    fn programme(&mut self, p: &mut Programme) {
        // Swapping hands the reader a used buffer with capacity, instead of copying.
        match self.programmes.get_mut(self.used) {
            Some(slot) => std::mem::swap(slot, p),
            None => self.programmes.push(std::mem::take(p)),
        }
        self.items.push(Item::Programme(self.used));
        self.used += 1;
    }

    fn warning(&mut self, line: u64, message: String) {
        // The sink shows only the first few per source anyway; a chunk of 80,000 broken
        // `<programme/>` must not hold 80,000 messages.
        if self.warnings < MAX_BATCH_WARNINGS {
            self.items.push(Item::Warning(line, message));
        }
        self.warnings += 1;
    }

    fn warnings_suppressed(&mut self, n: u64) {
        self.warnings += n as usize;
    }
}

impl Batch {
    /// Hands the items to the sink with lines made absolute (`base`: line of the chunk start).
    fn replay(&mut self, base: u64, sink: &mut impl XmltvSink) {
        let shift = base - 1;
        for item in self.items.drain(..) {
            match item {
                Item::Channel(c, line) => sink.channel(c, line + shift),
                Item::Programme(i) => {
                    let p = &mut self.programmes[i];
                    p.line += shift;
                    sink.programme(p);
                }
                Item::Warning(line, message) => sink.warning(line + shift, message),
            }
        }
        if self.warnings > MAX_BATCH_WARNINGS {
            sink.warnings_suppressed((self.warnings - MAX_BATCH_WARNINGS) as u64);
        }
        self.warnings = 0;
    }
}

/// [`parse`](super::parse) with `parsers` parser threads (at least 1) besides a reader thread.
pub fn parse_parallel<R: Read + Send>(
    input: R,
    max_bytes: u64,
    parsers: usize,
    sink: &mut impl XmltvSink,
) -> ParseStats {
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(QUEUE);
    let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(QUEUE + parsers + 1);
    let (batch_tx, batch_rx) = sync_channel::<Batch>(QUEUE + parsers);
    let chunks = Arc::new(Mutex::new(chunk_rx));
    let pool: Arc<Mutex<Vec<Batch>>> = Arc::default();
    let progress = Progress::default();
    std::thread::scope(|scope| {
        let progress = &progress;
        let reader = scope.spawn(move || read_chunks(input, max_bytes, &chunk_tx, &spare_rx, progress));
        for _ in 0..parsers.max(1) {
            let (chunks, pool) = (Arc::clone(&chunks), Arc::clone(&pool));
            let (batches, spares) = (batch_tx.clone(), spare_tx.clone());
            scope.spawn(move || parse_chunks(&chunks, &batches, &pool, &spares));
        }
        // Only the threads hold the channel ends now, so if one side stops the other sees it.
        drop((batch_tx, spare_tx, chunks));
        let (mut stats, line) = deliver(batch_rx, &pool, progress, sink);
        let (bytes, stop) = reader.join().unwrap_or((0, None));
        stats.bytes = bytes;
        if let Some(stop) = stop {
            sink.warning(line, read_failure(&stop));
            stats.complete = false;
        }
        stats
    })
}

/// Reader thread: chunks out, spare buffers back in.
fn read_chunks<R: Read>(
    input: R,
    max_bytes: u64,
    chunks: &SyncSender<Chunk>,
    spares: &Receiver<Vec<u8>>,
    progress: &Progress,
) -> (u64, Option<Stop>) {
    let mut chunker = Chunker::new(input, max_bytes);
    loop {
        let spare = spares.try_recv().unwrap_or_default();
        let Some(chunk) = chunker.next_chunk(spare) else {
            break;
        };
        progress.wait_for_room(chunk.seq);
        if chunks.send(chunk).is_err() {
            break;
        }
    }
    (chunker.bytes_read(), chunker.stop.take())
}

/// Parser thread: takes chunks until there are none, sends one batch per chunk.
fn parse_chunks(
    chunks: &Mutex<Receiver<Chunk>>,
    batches: &SyncSender<Batch>,
    pool: &Mutex<Vec<Batch>>,
    spares: &SyncSender<Vec<u8>>,
) {
    let mut resyncs = 0;
    loop {
        let next = chunks.lock().map(|rx| rx.recv());
        let Ok(Ok(chunk)) = next else { return };
        let mut batch = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
        // A bug in the parser must cost its chunk, not stall the pipeline waiting for it.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            fill_batch(&mut batch, &chunk, &mut resyncs);
        }));
        if parsed.is_err() {
            batch = Batch {
                seq: chunk.seq,
                end_line: 1,
                items: vec![Item::Warning(
                    1,
                    "internal error in this part of the guide; it is skipped".into(),
                )],
                ..Batch::default()
            };
        }
        let _ = spares.try_send(chunk.buf);
        if batches.send(batch).is_err() {
            return;
        }
    }
}

fn fill_batch(batch: &mut Batch, chunk: &Chunk, resyncs: &mut u32) {
    batch.items.clear();
    batch.used = 0;
    batch.warnings = 0;
    batch.seq = chunk.seq;
    let mut handler = Handler::new(batch);
    let line = parse_chunk(chunk, 1, &mut handler, resyncs);
    handler.end_chunk(chunk.last);
    let (channels, programmes) = (handler.channels, handler.programmes);
    (batch.end_line, batch.channels, batch.programme_count) = (line, channels, programmes);
}

/// Caller's side: replays batches in chunk order; returns the totals and the last line.
fn deliver(
    batches: Receiver<Batch>,
    pool: &Mutex<Vec<Batch>>,
    progress: &Progress,
    sink: &mut impl XmltvSink,
) -> (ParseStats, u64) {
    // Whatever happens here (even a panic in the sink), the reader must not wait forever.
    let _release = Release(progress);
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    let mut next = 0;
    let mut stats = ParseStats {
        complete: true,
        ..ParseStats::default()
    };
    let mut line = 1;
    let mut take = |mut batch: Batch, stats: &mut ParseStats| {
        batch.replay(line, sink);
        stats.channels += batch.channels;
        stats.programmes += batch.programme_count;
        line += batch.end_line - 1;
        if let Ok(mut p) = pool.lock() {
            p.push(batch);
        }
    };
    for batch in batches {
        waiting.insert(batch.seq, batch);
        while let Some(batch) = waiting.remove(&next) {
            take(batch, &mut stats);
            next += 1;
            progress.delivered(next);
        }
    }
    // Batches whose predecessor never came (cannot happen unless a thread died): keep them.
    for (_, batch) in std::mem::take(&mut waiting) {
        take(batch, &mut stats);
    }
    (stats, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a sink is told, as text, in order, and how many warnings it was only told of.
    #[derive(Default)]
    struct Log(Vec<String>, u64);

    impl XmltvSink for Log {
        fn channel(&mut self, c: XmltvChannel, line: u64) {
            self.0.push(format!("channel {line} {c:?}"));
        }
        fn programme(&mut self, p: &mut Programme) {
            self.0.push(format!("programme {p:?}"));
        }
        fn warning(&mut self, line: u64, message: String) {
            self.0.push(format!("warning {line} {message}"));
        }
        fn warnings_suppressed(&mut self, n: u64) {
            self.1 += n;
        }
    }

    #[test]
    fn parallel_equals_sequential_over_many_chunks() {
        let mut doc = String::from(
            "<?xml version=\"1.0\"?>\n<tv>\n<channel id=\"a\"><display-name>A</display-name></channel>\n",
        );
        for i in 0..12_000 {
            let stop = if i % 997 == 0 {
                "garbage"
            } else {
                "20261122190000 +0000"
            };
            doc.push_str(&format!(
                "<programme start=\"20261122180000 +0000\" stop=\"{stop}\" channel=\"a\">\n  <title>T{i} &amp; &x;</title>\n  <desc>{}</desc>\n</programme>\n",
                "d".repeat(i % 300)
            ));
        }
        doc.push_str("<programme start=\"20261122180000\" channel=\"a\"><title>cut");
        let (mut one, mut two) = (Log::default(), Log::default());
        let a = super::super::parse(doc.as_bytes(), u64::MAX, &mut one);
        let b = parse_parallel(doc.as_bytes(), u64::MAX, 2, &mut two);
        assert!(doc.len() > 3 * super::super::chunk::CHUNK);
        assert_eq!(a, b);
        // The same channels and programmes in the same order; every warning told or counted
        // (a chunk keeps its first 100: an entity warning per programme would be thousands).
        let not_warning = |l: &&String| !l.starts_with("warning");
        let (x, y): (Vec<_>, Vec<_>) = (
            one.0.iter().filter(not_warning).collect(),
            two.0.iter().filter(not_warning).collect(),
        );
        assert_eq!(x, y);
        let told = |log: &Log| log.0.iter().filter(|l| l.starts_with("warning")).count() as u64;
        assert_eq!(told(&one), told(&two) + two.1);
        assert!(two.1 > 0, "the per-chunk cap was reached");
        assert!(
            one.0
                .last()
                .unwrap()
                .contains("the file ends inside this <programme>")
        );
    }
}
