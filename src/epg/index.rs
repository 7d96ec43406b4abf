// SPDX-License-Identifier: GPL-3.0-or-later
//! The on-disk index: `guide.idx` (header, channels, 12-byte slots, title table, the
//! programmes' `catchup-id` table, CRC-32),
//! loaded whole at boot in one read into the model's `crate::guide::GuideIndex`, plus
//! `details-<tag>.bin` / `.off`, which are only opened (they become its details source).
//!
//! `guide.idx` is streamed into a temporary file, fsynced and renamed over the old one, so a
//! power cut leaves the old guide or the new one. It names its details files, which are
//! written (under a fresh tag) before it; a details file whose size does not match is ignored,
//! and the grid still loads. Every length read from disk is checked before it is used.

use super::details::DetailsFiles;
use crate::guide::{CatchupIds, GuideIndex, IndexChannel, Slot, Titles, UtcSeconds};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Name of the grid file inside the index directory.
pub const INDEX_FILE: &str = "guide.idx";
/// Version 2 added the `catchup-id` table after the titles.
const MAGIC: &[u8; 8] = b"ZAPEPG\0\x02";
/// Version 1, still read (as an index without `catchup-id`s) so a box keeps its guide over an
/// update until the next ingest.
const MAGIC_V1: &[u8; 8] = b"ZAPEPG\0\x01";
const NO_TIME: i64 = i64::MIN;

/// Why an index could not be loaded; messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no guide index in {} yet; run `zapbox epg ingest` first", dir.display())]
    Missing { dir: PathBuf },
    #[error("cannot read the guide index {}: {source}; check permissions", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("the guide index {} is damaged ({reason}); run `zapbox epg ingest` again to rebuild it", path.display())]
    Damaged { path: PathBuf, reason: &'static str },
}

/// What the header says besides the sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexHeader {
    /// Tag of `details-<tag>.bin` / `.off`; empty when there are no details files.
    pub details_tag: String,
    /// Size of the details records file, to detect a torn one.
    pub details_len: u64,
    pub built_at: Option<UtcSeconds>,
}

/// The details record and offset files of `tag` in `dir`.
pub fn details_paths(dir: &Path, tag: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("details-{tag}.bin")),
        dir.join(format!("details-{tag}.off")),
    )
}

/// Streams `guide.idx` into `dir` atomically.
pub fn write_index(
    dir: &Path,
    header: &IndexHeader,
    channels: &[IndexChannel],
    slots: impl ExactSizeIterator<Item = Slot>,
    titles: &Titles,
    catchup_ids: &CatchupIds,
) -> io::Result<()> {
    let final_path = dir.join(INDEX_FILE);
    let tmp = crate::system::atomic::temp_path(&final_path)?;
    let result = (|| {
        let mut w = CrcWriter::new(BufWriter::with_capacity(1 << 20, File::create(&tmp)?));
        write_header(&mut w, header, channels.len(), slots.len(), titles)?;
        for c in channels {
            write_channel(&mut w, c)?;
        }
        for s in slots {
            let mut b = [0u8; 12];
            b[..4].copy_from_slice(&s.start.to_le_bytes());
            b[4..8].copy_from_slice(&s.duration.to_le_bytes());
            b[8..].copy_from_slice(&s.title.to_le_bytes());
            w.write_all(&b)?;
        }
        let (offsets, text) = titles.parts();
        for o in offsets {
            w.write_all(&o.to_le_bytes())?;
        }
        w.write_all(text.as_bytes())?;
        write_catchup_ids(&mut w, catchup_ids)?;
        let crc = w.crc.sum();
        let mut out = w.inner.into_inner().map_err(io::IntoInnerError::into_error)?;
        out.write_all(&crc.to_le_bytes())?;
        out.sync_all()?;
        fs::rename(&tmp, &final_path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_header(
    w: &mut impl Write,
    h: &IndexHeader,
    channels: usize,
    slots: usize,
    titles: &Titles,
) -> io::Result<()> {
    w.write_all(MAGIC)?;
    write_str(w, &h.details_tag)?;
    w.write_all(&h.details_len.to_le_bytes())?;
    w.write_all(&h.built_at.unwrap_or(NO_TIME).to_le_bytes())?;
    let (_, text) = titles.parts();
    for n in [channels, slots, titles.len(), text.len()] {
        let n = u32::try_from(n).map_err(|_| io::Error::other("guide too large for the index format"))?;
        w.write_all(&n.to_le_bytes())?;
    }
    Ok(())
}

/// The `catchup-id` section: pair count, id count, text length, the (programme, id) pairs,
/// the id offsets and text.
fn write_catchup_ids(w: &mut impl Write, table: &CatchupIds) -> io::Result<()> {
    let (entries, ids) = table.parts();
    let (offsets, text) = ids.parts();
    for n in [entries.len(), ids.len(), text.len()] {
        let n = u32::try_from(n).map_err(|_| io::Error::other("guide too large for the index format"))?;
        w.write_all(&n.to_le_bytes())?;
    }
    for (programme, id) in entries {
        w.write_all(&programme.to_le_bytes())?;
        w.write_all(&id.to_le_bytes())?;
    }
    for o in offsets {
        w.write_all(&o.to_le_bytes())?;
    }
    w.write_all(text.as_bytes())
}

fn write_channel(w: &mut impl Write, c: &IndexChannel) -> io::Result<()> {
    write_str(w, &c.id)?;
    write_str(w, c.icon.as_deref().unwrap_or(""))?;
    let names = &c.names[..c.names.len().min(u8::MAX as usize)];
    w.write_all(&[names.len() as u8])?;
    for n in names {
        write_str(w, n)?;
    }
    w.write_all(&c.first.to_le_bytes())?;
    w.write_all(&c.len.to_le_bytes())
}

/// A string with a u16 length; longer ones are cut at a character boundary.
fn write_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    let mut end = s.len().min(u16::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    w.write_all(&(end as u16).to_le_bytes())?;
    w.write_all(&s.as_bytes()[..end])
}

/// CRC-32 of everything written through it.
struct CrcWriter<W> {
    inner: W,
    crc: flate2::Crc,
}

impl<W: Write> CrcWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            crc: flate2::Crc::new(),
        }
    }
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Loads `dir/guide.idx` and opens its details files.
pub fn load(dir: &Path) -> Result<GuideIndex, IndexError> {
    let path = dir.join(INDEX_FILE);
    let bytes = fs::read(&path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => IndexError::Missing { dir: dir.to_owned() },
        _ => IndexError::Read {
            path: path.clone(),
            source,
        },
    })?;
    let damaged = |reason| IndexError::Damaged {
        path: path.clone(),
        reason,
    };
    let (body, crc) = bytes
        .split_at_checked(bytes.len().saturating_sub(4))
        .ok_or_else(|| damaged("empty"))?;
    let mut check = flate2::Crc::new();
    check.update(body);
    if crc.len() != 4 || check.sum().to_le_bytes() != crc {
        return Err(damaged("checksum mismatch"));
    }
    let (header, channels, slots, titles, catchup_ids) = parse(body).map_err(damaged)?;
    let details = open_details(dir, &header, slots.len());
    Ok(GuideIndex::from_parts(
        channels,
        slots,
        titles,
        details.map(|d| Box::new(d) as Box<dyn crate::guide::DetailsSource>),
        header.built_at,
    )
    .with_catchup_ids(catchup_ids))
}

type Parsed = (IndexHeader, Vec<IndexChannel>, Vec<Slot>, Titles, CatchupIds);

fn parse(body: &[u8]) -> Result<Parsed, &'static str> {
    let mut r = Bytes(body);
    let version = r.take(8)?;
    if version != MAGIC && version != MAGIC_V1 {
        return Err("not a zapbox guide index, or another version");
    }
    let details_tag = r.string()?;
    let details_len = r.u64()?;
    let built_at = Some(r.u64()? as i64).filter(|&t| t != NO_TIME);
    let [channel_count, slot_count, title_count, text_len] = [r.u32()?, r.u32()?, r.u32()?, r.u32()?];
    let mut channels = Vec::with_capacity((channel_count as usize).min(body.len() / 12));
    for _ in 0..channel_count {
        channels.push(read_channel(&mut r, slot_count)?);
    }
    let slot_bytes = r.take(slot_count as usize * 12)?;
    let slots = slot_bytes
        .chunks_exact(12)
        .map(|c| Slot {
            start: u32_at(c, 0),
            duration: u32_at(c, 4),
            title: u32_at(c, 8),
        })
        .collect();
    let offsets = r
        .take((title_count as usize + 1) * 4)?
        .chunks_exact(4)
        .map(|c| u32_at(c, 0))
        .collect();
    let text = String::from_utf8(r.take(text_len as usize)?.to_vec()).map_err(|_| "title text")?;
    let titles = Titles::from_parts(offsets, text).ok_or("title table")?;
    let catchup_ids = if version == MAGIC {
        read_catchup_ids(&mut r, slot_count)?
    } else {
        CatchupIds::default()
    };
    if !r.0.is_empty() {
        return Err("trailing bytes");
    }
    let header = IndexHeader {
        details_tag,
        details_len,
        built_at,
    };
    Ok((header, channels, slots, titles, catchup_ids))
}

fn read_catchup_ids(r: &mut Bytes<'_>, slot_count: u32) -> Result<CatchupIds, &'static str> {
    let [entry_count, id_count, text_len] = [r.u32()?, r.u32()?, r.u32()?];
    let entries: Vec<(u32, u32)> = r
        .take((entry_count as usize).checked_mul(8).ok_or("truncated")?)?
        .chunks_exact(8)
        .map(|c| (u32_at(c, 0), u32_at(c, 4)))
        .collect();
    if entries.last().is_some_and(|&(p, _)| p >= slot_count) {
        return Err("catchup-id programme");
    }
    let offsets = r
        .take((id_count as usize + 1) * 4)?
        .chunks_exact(4)
        .map(|c| u32_at(c, 0))
        .collect();
    let text = String::from_utf8(r.take(text_len as usize)?.to_vec()).map_err(|_| "catchup-id text")?;
    let ids = Titles::from_parts(offsets, text).ok_or("catchup-id table")?;
    CatchupIds::from_parts(entries, ids).ok_or("catchup-id order")
}

fn read_channel(r: &mut Bytes<'_>, slot_count: u32) -> Result<IndexChannel, &'static str> {
    let id = r.string()?;
    let icon = Some(r.string()?).filter(|s| !s.is_empty());
    let names = (0..r.take(1)?[0]).map(|_| r.string()).collect::<Result<_, _>>()?;
    let (first, len) = (r.u32()?, r.u32()?);
    if u64::from(first) + u64::from(len) > u64::from(slot_count) {
        return Err("channel range");
    }
    Ok(IndexChannel {
        id,
        names,
        icon,
        first,
        len,
    })
}

fn open_details(dir: &Path, header: &IndexHeader, slots: usize) -> Option<DetailsFiles> {
    if header.details_tag.is_empty() {
        return None;
    }
    let (records, offsets) = details_paths(dir, &header.details_tag);
    let open = |p: &Path, len: u64| {
        File::open(p)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.len() == len))
    };
    let files = open(&records, header.details_len)
        .zip(open(&offsets, slots as u64 * 8))
        .map(|(records, offsets)| DetailsFiles { records, offsets });
    if files.is_none() {
        log::warn!(
            "guide details in {} are missing or incomplete; descriptions stay empty until the next ingest",
            dir.display()
        );
    }
    files
}

fn u32_at(c: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]])
}

/// A bounds-checked reader over the index bytes.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        let (head, rest) = self.0.split_at_checked(n).ok_or("truncated")?;
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, &'static str> {
        Ok(u32_at(self.take(4)?, 0))
    }

    fn u64(&mut self) -> Result<u64, &'static str> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    fn string(&mut self) -> Result<String, &'static str> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| "text is not UTF-8")
    }
}
