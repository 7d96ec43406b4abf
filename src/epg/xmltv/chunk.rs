// SPDX-License-Identifier: GPL-3.0-or-later
//! Cuts the XML stream into chunks of about 1 MiB that end right after a `</programme>` or
//! `</channel>`, so each chunk can be parsed from a slice (no copy per event) and, when there
//! are spare cores, on another thread.
//!
//! A chunk grows when no boundary is found (one enormous programme) up to a hard limit, then
//! is cut anyway: memory stays bounded whatever the input. The literal text `</programme>`
//! inside a comment or CDATA would be taken as a boundary; the reader then reports a syntax
//! error there and resynchronises, which is acceptable for such input.

use std::io::{self, Read};

/// Usual chunk size.
pub(super) const CHUNK: usize = 1 << 20;
/// Largest chunk when no boundary shows up.
const MAX_CHUNK: usize = 16 << 20;

/// A slice of the document that starts and ends between elements.
#[derive(Debug, Default)]
pub(super) struct Chunk {
    /// The buffer; only `..len` is the chunk. It keeps its full length between uses so it is
    /// never zero-filled again (that memset showed in profiles).
    pub buf: Vec<u8>,
    pub len: usize,
    /// Position in the document, from 0.
    pub seq: u64,
    /// Nothing follows (end of input, or reading stopped).
    pub last: bool,
}

impl Chunk {
    /// The chunk's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Why reading stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    /// More than the cap was read.
    Capped(u64),
    Failed(io::Error),
}

/// Produces chunks from a byte stream.
pub(super) struct Chunker<R> {
    inner: R,
    /// Bytes read past the last boundary, waiting for the next chunk.
    pending: Vec<u8>,
    read: u64,
    cap: u64,
    seq: u64,
    done: bool,
    /// Set when reading stopped early; reported once the data before it is parsed.
    pub stop: Option<Stop>,
}

impl<R: Read> Chunker<R> {
    /// Reads from `inner`, at most `cap` bytes.
    pub fn new(inner: R, cap: u64) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            read: 0,
            cap,
            seq: 0,
            done: false,
            stop: None,
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// The next chunk, reusing `spare`'s allocation; `None` at the end.
    pub fn next_chunk(&mut self, mut data: Vec<u8>) -> Option<Chunk> {
        let mut filled = self.pending.len();
        if data.len() < filled {
            data.resize(filled, 0);
        }
        data[..filled].copy_from_slice(&self.pending);
        self.pending.clear();
        let mut want = CHUNK;
        let split = loop {
            self.fill(&mut data, &mut filled, want);
            if self.done {
                break filled;
            }
            if let Some(end) = self.boundary(&data[..filled]) {
                break end;
            }
            if filled >= MAX_CHUNK {
                break filled;
            }
            want = filled + CHUNK;
        };
        if filled == 0 {
            return None;
        }
        self.pending.extend_from_slice(&data[split..filled]);
        let seq = self.seq;
        self.seq += 1;
        Some(Chunk {
            buf: data,
            len: split,
            seq,
            last: self.done && self.pending.is_empty(),
        })
    }

    /// End of the last `</programme>` or `</channel>` in `data`: walks back over `<`s, which
    /// is quick because an element ends within a few hundred bytes of any point.
    fn boundary(&self, data: &[u8]) -> Option<usize> {
        memchr::memrchr_iter(b'<', data).find_map(|at| {
            let rest = &data[at..];
            [&b"</programme>"[..], b"</channel>"]
                .into_iter()
                .find(|tag| rest.starts_with(tag))
                .map(|tag| at + tag.len())
        })
    }

    /// Reads until `filled` reaches `want` or the input ends, fails or passes the cap. `data`
    /// only ever grows (new space is zeroed once).
    fn fill(&mut self, data: &mut Vec<u8>, filled: &mut usize, want: usize) {
        while !self.done && *filled < want {
            if data.len() < want {
                data.resize(want, 0);
            }
            match self.inner.read(&mut data[*filled..want]) {
                Ok(0) => self.done = true,
                Ok(n) => {
                    *filled += n;
                    self.read += n as u64;
                    if self.read > self.cap {
                        self.finish(Stop::Capped(self.cap));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.finish(Stop::Failed(e)),
            }
        }
    }

    fn finish(&mut self, stop: Stop) {
        self.done = true;
        self.stop.get_or_insert(stop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_after_elements_and_keep_everything() {
        let mut doc = b"<tv>".to_vec();
        for i in 0..5000 {
            doc.extend(format!("<programme n=\"{i}\">\n<title>T</title></programme>\n").bytes());
        }
        doc.extend(b"</tv>");
        let mut chunker = Chunker::new(&doc[..], u64::MAX);
        let mut all: Vec<u8> = Vec::new();
        while let Some(c) = chunker.next_chunk(Vec::new()) {
            assert!(c.bytes().ends_with(b"</programme>") || c.bytes().ends_with(b"</tv>"));
            all.extend(c.bytes());
        }
        assert_eq!(all, doc);
        assert!(chunker.stop.is_none());
    }

    #[test]
    fn cap_and_no_boundary() {
        let doc = vec![b'x'; 3 * CHUNK];
        let mut chunker = Chunker::new(&doc[..], CHUNK as u64);
        let first = chunker.next_chunk(Vec::new()).unwrap();
        assert!(first.bytes().len() >= CHUNK);
        assert!(matches!(chunker.stop, Some(Stop::Capped(_))));
        assert!(chunker.next_chunk(Vec::new()).is_none());
    }
}
