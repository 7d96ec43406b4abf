// SPDX-License-Identifier: GPL-3.0-or-later
//! Turning guide bytes into a stream of UTF-8 XML: gzip or xz by magic number (never by file
//! name), and the declared or BOM-signalled encoding transcoded with `encoding_rs`.
//!
//! Everything streams through fixed buffers, so a 10 GB input costs time, not memory (the
//! reader caps how much it takes). Knows nothing about XMLTV elements; the only file it opens
//! is the one it is given.

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

/// Size of the read buffers between stages.
const BUFFER: usize = 256 * 1024;
/// How much of the start is inspected for a BOM and the XML declaration.
const PROLOGUE: usize = 512;

/// A decompressed, UTF-8 stream and what was found out while opening it.
pub struct XmlInput {
    pub reader: Box<dyn Read + Send>,
    /// `gzip`, `xz` or `none`.
    pub compression: &'static str,
    /// The encoding the bytes were transcoded from, when it was not UTF-8.
    pub transcoded_from: Option<&'static str>,
    /// A declared encoding that is not known; the text is read as UTF-8.
    pub unknown_encoding: Option<String>,
}

/// Opens a local file (plain, `.gz` or `.xz`, whatever its name says).
pub fn open_file(path: &Path) -> io::Result<XmlInput> {
    open_reader(Box::new(File::open(path)?))
}

/// Opens bytes already in memory (an HTTP body).
pub fn open_bytes(bytes: Vec<u8>) -> io::Result<XmlInput> {
    open_reader(Box::new(Cursor::new(bytes)))
}

/// Decompresses and transcodes `raw` as needed.
pub fn open_reader(raw: Box<dyn Read + Send>) -> io::Result<XmlInput> {
    let (magic, raw) = peek(raw, 6)?;
    let (decompressed, compression): (Box<dyn Read + Send>, _) = if magic.starts_with(&[0x1f, 0x8b]) {
        (Box::new(flate2::read::MultiGzDecoder::new(raw)), "gzip")
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        (Box::new(liblzma::read::XzDecoder::new_multi_decoder(raw)), "xz")
    } else {
        (raw, "none")
    };
    with_encoding(decompressed, compression)
}

/// Reads up to `n` bytes and returns them with a reader that still yields them first.
fn peek(mut reader: Box<dyn Read + Send>, n: usize) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(n);
    (&mut reader).take(n as u64).read_to_end(&mut head)?;
    Ok((head.clone(), Box::new(Cursor::new(head).chain(reader))))
}

/// Looks at the prologue and wraps the stream in a transcoder when it is not UTF-8.
fn with_encoding(reader: Box<dyn Read + Send>, compression: &'static str) -> io::Result<XmlInput> {
    let (prologue, reader) = peek(reader, PROLOGUE)?;
    let (encoding, unknown) = sniff_encoding(&prologue);
    let mut input = XmlInput {
        reader,
        compression,
        transcoded_from: None,
        unknown_encoding: unknown,
    };
    if encoding != UTF_8 {
        input.transcoded_from = Some(encoding.name());
        let inner = std::mem::replace(&mut input.reader, Box::new(io::empty()));
        input.reader = Box::new(Transcoder::new(BufReader::with_capacity(BUFFER, inner), encoding));
    }
    Ok(input)
}

/// The encoding from a BOM or `<?xml … encoding="…"?>`, and the label when it is unknown.
pub fn sniff_encoding(prologue: &[u8]) -> (&'static Encoding, Option<String>) {
    if let Some((encoding, _)) = Encoding::for_bom(prologue) {
        return (encoding, None);
    }
    let Some(label) = declared_encoding(prologue) else {
        return (UTF_8, None);
    };
    match Encoding::for_label(label) {
        // UTF-16 without a BOM cannot have an ASCII declaration; the label lies.
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => (UTF_8, None),
        Some(e) => (e, None),
        None => (UTF_8, Some(String::from_utf8_lossy(label).into_owned())),
    }
}

/// The value of `encoding=` in a leading XML declaration.
fn declared_encoding(prologue: &[u8]) -> Option<&[u8]> {
    let decl = prologue.strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(decl, b"?>")?;
    let decl = &decl[..end];
    let at = memchr::memmem::find(decl, b"encoding")?;
    let rest = decl[at + 8..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = memchr::memchr(quote, value)?;
    Some(&value[..close])
}

/// Decodes another encoding to UTF-8 on the fly through a fixed output buffer.
struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    finished: bool,
}

impl<R: BufRead> Transcoder<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            finished: false,
        }
    }
}

impl<R: BufRead> Read for Transcoder<R> {
    /// Decodes into `out`; returns 0 only at the end of input. `out` must hold at least 4
    /// bytes (one character), which every buffer here does.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while !self.finished {
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            let (result, read, written, _) = self.decoder.decode_to_utf8(src, out, last);
            self.inner.consume(read);
            if written == 0 && result == CoderResult::OutputFull {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "read buffer under 4 bytes",
                ));
            }
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
            if written > 0 {
                return Ok(written);
            }
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: XmlInput) -> String {
        let mut s = String::new();
        let mut r = input.reader;
        r.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn latin1_declaration_is_transcoded() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xe9</t>".to_vec();
        let input = open_bytes(bytes).unwrap();
        assert_eq!(input.transcoded_from, Some("windows-1252"));
        assert!(read_all(input).ends_with("<t>café</t>"));
    }

    #[test]
    fn gzip_and_xz_by_magic() {
        use std::io::Write;
        let xml = b"<tv/>";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(xml).unwrap();
        let input = open_bytes(gz.finish().unwrap()).unwrap();
        assert_eq!(input.compression, "gzip");
        assert_eq!(read_all(input), "<tv/>");
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(xml).unwrap();
        let input = open_bytes(xz.finish().unwrap()).unwrap();
        assert_eq!(input.compression, "xz");
        assert_eq!(read_all(input), "<tv/>");
    }

    #[test]
    fn unknown_label_and_utf16_bom() {
        let (e, unknown) = sniff_encoding(b"<?xml version='1.0' encoding='klingon'?>");
        assert_eq!((e, unknown.as_deref()), (UTF_8, Some("klingon")));
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("<tv/>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read_all(open_bytes(utf16).unwrap()), "<tv/>");
    }
}
