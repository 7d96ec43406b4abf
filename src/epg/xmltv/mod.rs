// SPDX-License-Identifier: GPL-3.0-or-later
//! Streaming XMLTV reader: quick-xml events in, one [`XmltvChannel`] or [`Programme`] at a time
//! out to an [`XmltvSink`]. Never builds a tree; the stream is cut into ~1 MiB chunks between
//! elements (`chunk.rs`), each parsed from its slice with programme buffers that are reused, so
//! memory does not grow with the file. [`parse_parallel`] parses chunks on several threads.
//!
//! Hostile input gives warnings, not failures: invalid UTF-8 and control characters are
//! repaired, unknown entity references stay as text (nothing is ever expanded or fetched),
//! a malformed element is skipped, a syntax error resynchronises at the next tag, and a
//! truncated file keeps everything before the cut. Pure: bytes in, callbacks out.

mod attrs;
mod chunk;
mod handler;
mod parallel;

pub use parallel::parse_parallel;

use super::UtcSeconds;
use crate::guide::details::EncodedDetails;
use chunk::{Chunk, Chunker, Stop};
use handler::Handler;
use quick_xml::Reader;
use quick_xml::errors::Error as XmlError;
use quick_xml::events::Event;
use std::cell::Cell;
use std::io::Read;

/// How many syntax errors one source may resynchronise from before reading stops.
const MAX_RESYNCS: u32 = 1000;

/// A `<channel>`: its id and the names it is known by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmltvChannel {
    pub id: String,
    /// `display-name`s in file order (the first is the main one).
    pub names: Vec<String>,
    pub icon: Option<String>,
}

/// One `<programme>`, in buffers the reader reuses: copy out (or swap out) what you keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programme {
    pub channel: String,
    pub start: UtcSeconds,
    /// XMLTV allows a programme without `stop`: it then ends when the next one starts.
    pub stop: Option<UtcSeconds>,
    /// The first `title`.
    pub title: String,
    /// Sub-title, description, categories, episode numbers, icon, ratings and `catchup-id`,
    /// already in the details file's record format ([`EncodedDetails::decode`] reads it).
    pub details: EncodedDetails,
    /// The `catchup-id` attribute (trimmed; empty: none), also in `details`: the index keeps
    /// it in memory for `vod` catch-up URLs.
    pub catchup_id: String,
    /// Line of the `<programme>` tag, for warnings.
    pub line: u64,
    /// `start` or `stop` had no zone, or a zone name not known ([`LOCAL_START`], [`LOCAL_STOP`]):
    /// it is civil time, which the source places in its own zone.
    pub local: u8,
    /// The first unknown zone name of this programme, for the source's one warning.
    pub unknown_zone: String,
}

/// [`Programme::local`]: `start` is civil time of the source's zone.
pub const LOCAL_START: u8 = 1;
/// [`Programme::local`]: `stop` is civil time of the source's zone.
pub const LOCAL_STOP: u8 = 2;

impl Programme {
    fn clear(&mut self) {
        self.channel.clear();
        self.title.clear();
        self.details.clear();
        self.catchup_id.clear();
        self.start = 0;
        self.stop = None;
        self.local = 0;
        self.unknown_zone.clear();
    }
}

/// Receives what the reader finds, in file order.
pub trait XmltvSink {
    /// A complete `<channel>`; `line` is where it starts.
    fn channel(&mut self, channel: XmltvChannel, line: u64);
    /// A programme with a valid start and a channel; the title may be empty. The sink may
    /// swap the buffers out (the reader clears whatever it gets back before reuse).
    fn programme(&mut self, programme: &mut Programme);
    /// Something was wrong at `line`; reading goes on.
    fn warning(&mut self, line: u64, message: String);
    /// `n` more warnings happened that were dropped before reaching the sink (to bound memory).
    fn warnings_suppressed(&mut self, n: u64) {
        let _ = n;
    }
}

/// What one run of the reader saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// XML bytes read (after decompression and transcoding).
    pub bytes: u64,
    pub channels: u64,
    pub programmes: u64,
    /// False when reading stopped early (I/O error, size cap, too many syntax errors).
    pub complete: bool,
}

/// Reads XMLTV from `input` (UTF-8, see [`super::input`]) into `sink`, at most `max_bytes`.
pub fn parse<R: Read>(input: R, max_bytes: u64, sink: &mut impl XmltvSink) -> ParseStats {
    let mut chunker = Chunker::new(input, max_bytes);
    let mut handler = Handler::new(sink);
    let mut resyncs = 0;
    let mut line = 1;
    let mut spare = Vec::new();
    while let Some(chunk) = chunker.next_chunk(spare) {
        line = parse_chunk(&chunk, line, &mut handler, &mut resyncs);
        handler.end_chunk(chunk.last);
        spare = chunk.buf;
    }
    let complete = match chunker.stop.take() {
        None => resyncs <= MAX_RESYNCS,
        Some(stop) => {
            handler.warn(line, read_failure(&stop));
            false
        }
    };
    ParseStats {
        bytes: chunker.bytes_read(),
        channels: handler.channels,
        programmes: handler.programmes,
        complete,
    }
}

/// Parses one chunk from its slice, numbering lines from `first_line`; returns the line at its
/// end. A syntax error restarts the reader after the bad markup; one that consumed nothing
/// gives up on the rest of the chunk.
fn parse_chunk<S: XmltvSink>(
    chunk: &Chunk,
    first_line: u64,
    handler: &mut Handler<'_, S>,
    resyncs: &mut u32,
) -> u64 {
    let ctx = ChunkText::new(chunk, first_line);
    let mut offset = 0;
    let mut reader = new_reader(chunk.bytes());
    loop {
        let event = reader.read_event();
        let pos = offset + reader.buffer_position() as usize;
        let line = || ctx.line_at(pos);
        match event {
            Ok(Event::Eof) => break,
            Ok(event) => handler.event(event, &line, &ctx),
            Err(XmlError::IllFormed(e)) => handler.warn(line(), format!("malformed XML ({e}); skipped")),
            Err(e) => {
                *resyncs += 1;
                if *resyncs > MAX_RESYNCS {
                    if *resyncs == MAX_RESYNCS + 1 {
                        handler.warn(
                            line(),
                            "too many XML errors; the rest of this guide is ignored".into(),
                        );
                    }
                    break;
                }
                handler.warn(
                    line(),
                    format!("XML syntax error ({e}); reading on from the next tag"),
                );
                if pos <= offset {
                    break; // nothing consumed: the rest of this chunk is lost, the next one is read
                }
                offset = pos;
                reader = new_reader(&chunk.bytes()[pos..]);
            }
        }
    }
    ctx.line_at(chunk.len)
}

/// A reader that leaves end-tag matching and entities to the handler (see module doc).
fn new_reader(input: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.check_comments = false;
    reader
}

/// Line numbers and validated text of the chunk being parsed.
pub(super) struct ChunkText<'c> {
    bytes: &'c [u8],
    /// The whole chunk when it is valid UTF-8 (the usual case): text slices then need no
    /// validation of their own.
    text: Option<&'c str>,
    first_line: u64,
    counted: Cell<usize>,
    newlines: Cell<u64>,
}

impl<'c> ChunkText<'c> {
    fn new(chunk: &'c Chunk, first_line: u64) -> Self {
        Self {
            bytes: chunk.bytes(),
            text: std::str::from_utf8(chunk.bytes()).ok(),
            first_line,
            counted: Cell::new(0),
            newlines: Cell::new(0),
        }
    }

    /// Line of byte `pos`; counts lazily from the last position asked (positions only grow).
    pub(super) fn line_at(&self, pos: usize) -> u64 {
        let from = self.counted.get();
        if pos > from {
            let seen = self.bytes.get(from..pos).unwrap_or(&[]);
            self.newlines
                .set(self.newlines.get() + memchr::memchr_iter(b'\n', seen).count() as u64);
            self.counted.set(pos);
        }
        self.first_line + self.newlines.get()
    }

    /// `raw` as text when it lies inside the validated chunk.
    pub(super) fn str_of(&self, raw: &[u8]) -> Option<&'c str> {
        let text = self.text?;
        let start = (raw.as_ptr() as usize).checked_sub(self.bytes.as_ptr() as usize)?;
        text.get(start..start.checked_add(raw.len())?)
    }
}

fn read_failure(stop: &Stop) -> String {
    match stop {
        Stop::Capped(cap) => format!(
            "stopped reading after {cap} bytes of XML (the size limit for one guide); raise it or use a smaller guide"
        ),
        Stop::Failed(e) => {
            format!("stopped reading: {e}; the file is damaged or incomplete, the part before is used")
        }
    }
}
