// SPDX-License-Identifier: GPL-3.0-or-later
//! TTML in fragmented MP4 (ISO/IEC 14496-30, sample entry `stpp`), the form DASH-IF's
//! interoperability guidelines prefer for live text: an initialization segment whose track
//! has the `stpp` sample entry and the track's timescale (`mdhd`), then media segments of
//! `moof` + `mdat`, each sample one whole TTML document.
//!
//! Here only the boxes are read: the timescale from the init segment, and from a media
//! segment each sample's decode time (`tfdt` plus the durations before it in its `trun`),
//! duration and bytes. What the document's times mean is the caller's: 14496-30 §5.3 puts them
//! on the track's media timeline, not relative to the sample (see `player::dash_subtitles`).
//!
//! Segments come from strangers: box sizes are checked against what holds them (a box that
//! claims more than is there ends the reading of its level), a `trun`'s sample count against
//! the bytes of its table before anything is read, at most [`MAX_SAMPLES`] samples are taken
//! from one segment and nesting is fixed (moof → traf → boxes). Linear, and nothing panics.

/// Samples taken from one segment at most (live segments carry one or a few).
pub const MAX_SAMPLES: usize = 256;

/// One sample of a media segment: a TTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample<'a> {
    /// Decode time in the track's timescale (`tfdt` plus the durations before it).
    pub time: u64,
    pub duration: u64,
    pub bytes: &'a [u8],
}

/// What the init segment says of the text track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextInit {
    pub timescale: u32,
    /// Whether the sample entry is `stpp` (TTML); anything else is not read as TTML.
    pub stpp: bool,
}

/// A box: its type, where its payload starts and ends.
#[derive(Debug, Clone, Copy)]
struct Box4 {
    kind: [u8; 4],
    start: usize,
    payload: usize,
    end: usize,
}

/// The boxes in `bytes[from..to]`, in order; a box that claims more than is there ends the list.
fn boxes(bytes: &[u8], from: usize, to: usize) -> Vec<Box4> {
    let mut out = Vec::new();
    let to = to.min(bytes.len());
    let mut at = from;
    while at + 8 <= to {
        let size = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as u64;
        let kind = [bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]];
        let (size, header) = match size {
            // To the end of what holds it.
            0 => ((to - at) as u64, 8),
            1 => match bytes.get(at + 8..at + 16) {
                Some(large) => (u64::from_be_bytes(large.try_into().unwrap_or_default()), 16),
                None => break,
            },
            n => (n, 8),
        };
        if size < header as u64 || size > (to - at) as u64 {
            break;
        }
        let end = at + size as usize;
        out.push(Box4 {
            kind,
            start: at,
            payload: at + header,
            end,
        });
        at = end;
    }
    out
}

fn child<'a>(list: &'a [Box4], kind: &[u8; 4]) -> Option<&'a Box4> {
    list.iter().find(|b| &b.kind == kind)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// The text track of an init segment: moov → trak → mdia → mdhd (timescale) and
/// minf → stbl → stsd (the sample entry). The first track is the text track.
pub fn init(bytes: &[u8]) -> Option<TextInit> {
    let top = boxes(bytes, 0, bytes.len());
    let moov = child(&top, b"moov")?;
    let trak = *child(&boxes(bytes, moov.payload, moov.end), b"trak")?;
    let mdia = *child(&boxes(bytes, trak.payload, trak.end), b"mdia")?;
    let in_mdia = boxes(bytes, mdia.payload, mdia.end);
    let mdhd = child(&in_mdia, b"mdhd")?;
    let version = *bytes.get(mdhd.payload)?;
    // version, flags, then creation and modification times (4 or 8 bytes each).
    let field = mdhd.payload + 4 + if version == 1 { 16 } else { 8 };
    let timescale = u32_at(bytes, field).filter(|t| *t > 0)?;
    let stpp = child(&in_mdia, b"minf")
        .and_then(|minf| child(&boxes(bytes, minf.payload, minf.end), b"stbl").copied())
        .and_then(|stbl| child(&boxes(bytes, stbl.payload, stbl.end), b"stsd").copied())
        // full box header (4) and entry count (4), then the entries.
        .map(|stsd| boxes(bytes, stsd.payload + 8, stsd.end))
        .is_some_and(|entries| entries.iter().any(|e| &e.kind == b"stpp"));
    Some(TextInit { timescale, stpp })
}

/// The samples of a media segment, in order (see the module's notes on bounds).
pub fn samples(bytes: &[u8]) -> Vec<Sample<'_>> {
    let mut out = Vec::new();
    let top = boxes(bytes, 0, bytes.len());
    for (i, moof) in top.iter().enumerate().filter(|(_, b)| &b.kind == b"moof") {
        // Without a data offset, a run's data starts in the mdat after its moof.
        let next_mdat = top[i + 1..]
            .iter()
            .find(|b| &b.kind == b"mdat")
            .map(|b| b.payload);
        for traf in boxes(bytes, moof.payload, moof.end)
            .into_iter()
            .filter(|b| &b.kind == b"traf")
        {
            if out.len() >= MAX_SAMPLES {
                return out;
            }
            traf_samples(bytes, moof.start, next_mdat, traf, &mut out);
        }
    }
    out
}

/// The samples one `traf` describes.
fn traf_samples<'a>(
    bytes: &'a [u8],
    moof_start: usize,
    next_mdat: Option<usize>,
    traf: Box4,
    out: &mut Vec<Sample<'a>>,
) -> Option<()> {
    let inside = boxes(bytes, traf.payload, traf.end);
    let tfhd = child(&inside, b"tfhd")?;
    let flags = u32_at(bytes, tfhd.payload)? & 0x00ff_ffff;
    let mut at = tfhd.payload + 8; // version/flags, track id
    let mut base = None;
    if flags & 0x01 != 0 {
        base = Some(u64_at(bytes, at)?);
        at += 8;
    }
    if flags & 0x02 != 0 {
        at += 4; // sample description index
    }
    let default_duration = if flags & 0x08 != 0 {
        let d = u32_at(bytes, at)?;
        at += 4;
        Some(d)
    } else {
        None
    };
    let default_size = if flags & 0x10 != 0 {
        u32_at(bytes, at)
    } else {
        None
    };
    let decode_time = child(&inside, b"tfdt").and_then(|tfdt| {
        if *bytes.get(tfdt.payload)? == 1 {
            u64_at(bytes, tfdt.payload + 4)
        } else {
            u32_at(bytes, tfdt.payload + 4).map(u64::from)
        }
    });
    let mut time = decode_time.unwrap_or(0);
    // The base of data offsets: the tfhd's, else the moof's start (default-base-is-moof, and
    // what a first traf means without it).
    let base = match base {
        Some(b) => usize::try_from(b).ok()?,
        None => moof_start,
    };
    let mut data_end: Option<usize> = None;
    for trun in inside.iter().filter(|b| &b.kind == b"trun") {
        let trun_flags = u32_at(bytes, trun.payload)? & 0x00ff_ffff;
        let count = u32_at(bytes, trun.payload + 4)? as usize;
        let mut at = trun.payload + 8;
        let mut data = if trun_flags & 0x01 != 0 {
            let offset = u32_at(bytes, at)? as i32;
            at += 4;
            base.checked_add_signed(offset as isize)?
        } else {
            data_end.or(next_mdat)?
        };
        if trun_flags & 0x04 != 0 {
            at += 4; // first sample flags
        }
        let per_sample = [0x100, 0x200, 0x400, 0x800]
            .iter()
            .filter(|f| trun_flags & **f != 0)
            .count()
            * 4;
        // The table must be there, whole, before it is read.
        if count.checked_mul(per_sample)? > trun.end.saturating_sub(at) {
            return None;
        }
        for _ in 0..count {
            if out.len() >= MAX_SAMPLES {
                return Some(());
            }
            let mut field = at;
            let mut take = |flag: u32| -> Option<Option<u32>> {
                if trun_flags & flag == 0 {
                    return Some(None);
                }
                let v = u32_at(bytes, field)?;
                field += 4;
                Some(Some(v))
            };
            let duration = take(0x100)?.or(default_duration).unwrap_or(0);
            let size = take(0x200)?.or(default_size)? as usize;
            take(0x400)?;
            take(0x800)?;
            at += per_sample;
            let sample = bytes.get(data..data.checked_add(size)?)?;
            out.push(Sample {
                time,
                duration: u64::from(duration),
                bytes: sample,
            });
            data += size;
            time = time.saturating_add(u64::from(duration));
        }
        data_end = Some(data);
    }
    Some(())
}

/// The boxes of a text track as a packager writes them (the demo headend serves them; tests
/// read them back).
pub mod packager {
    fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        [&((8 + payload.len()) as u32).to_be_bytes()[..], kind, payload].concat()
    }

    fn full(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
        let head = ((u32::from(version) << 24) | flags).to_be_bytes();
        boxed(kind, &[&head[..], payload].concat())
    }

    /// An init segment of one `stpp` track with `timescale`.
    pub fn init(timescale: u32) -> Vec<u8> {
        let mdhd = full(
            b"mdhd",
            0,
            0,
            &[
                &[0u8; 8][..],
                &timescale.to_be_bytes(),
                &[0u8; 4],
                &[0x55, 0xc4, 0, 0],
            ]
            .concat(),
        );
        let hdlr = full(
            b"hdlr",
            0,
            0,
            &[&[0u8; 4][..], b"subt", &[0u8; 12], b"Text\0"].concat(),
        );
        // stpp: reserved, data reference index, then namespace, schema location and MIME
        // types as NUL-terminated strings.
        let stpp = boxed(
            b"stpp",
            &[
                &[0u8; 6][..],
                &1u16.to_be_bytes(),
                b"http://www.w3.org/ns/ttml\0\0\0",
            ]
            .concat(),
        );
        let stsd = full(b"stsd", 0, 0, &[&1u32.to_be_bytes()[..], &stpp].concat());
        let stbl = boxed(b"stbl", &stsd);
        let minf = boxed(b"minf", &[full(b"sthd", 0, 0, &[]), stbl].concat());
        let mdia = boxed(b"mdia", &[mdhd, hdlr, minf].concat());
        let tkhd = full(b"tkhd", 0, 3, &[0u8; 80]);
        let trak = boxed(b"trak", &[tkhd, mdia].concat());
        let trex = full(
            b"trex",
            0,
            0,
            &[&1u32.to_be_bytes()[..], &1u32.to_be_bytes(), &[0u8; 12]].concat(),
        );
        let moov = boxed(
            b"moov",
            &[full(b"mvhd", 0, 0, &[0u8; 96]), trak, boxed(b"mvex", &trex)].concat(),
        );
        let ftyp = boxed(b"ftyp", b"iso6\0\0\0\0iso6dash");
        [ftyp, moov].concat()
    }

    /// A media segment: one `moof` (sequence `sequence`, decode time `time`) whose samples are
    /// `documents` of `duration` each, data offsets from the moof, then their `mdat`.
    pub fn segment(sequence: u32, time: u64, duration: u32, documents: &[&[u8]]) -> Vec<u8> {
        let trun_for = |data_offset: u32| {
            let mut table = Vec::new();
            for doc in documents {
                table.extend_from_slice(&duration.to_be_bytes());
                table.extend_from_slice(&(doc.len() as u32).to_be_bytes());
            }
            full(
                b"trun",
                0,
                0x01 | 0x100 | 0x200,
                &[
                    &(documents.len() as u32).to_be_bytes()[..],
                    &data_offset.to_be_bytes(),
                    &table,
                ]
                .concat(),
            )
        };
        let mfhd = full(b"mfhd", 0, 0, &sequence.to_be_bytes());
        // default-base-is-moof
        let tfhd = full(b"tfhd", 0, 0x02_0000, &1u32.to_be_bytes());
        let tfdt = full(b"tfdt", 1, 0, &time.to_be_bytes());
        let moof_len = |trun: &[u8]| 8 + mfhd.len() + 8 + tfhd.len() + tfdt.len() + trun.len();
        let probe = trun_for(0);
        let offset = (moof_len(&probe) + 8) as u32;
        let traf = boxed(b"traf", &[tfhd.clone(), tfdt.clone(), trun_for(offset)].concat());
        let moof = boxed(b"moof", &[mfhd.clone(), traf].concat());
        let mdat = boxed(b"mdat", &documents.concat());
        let styp = boxed(b"styp", b"msdh\0\0\0\0msdhmsix");
        [styp, moof, mdat].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packaged_segment_reads_back() {
        let init_segment = packager::init(1000);
        assert_eq!(
            init(&init_segment),
            Some(TextInit {
                timescale: 1000,
                stpp: true
            })
        );
        let first: &[u8] = b"<tt>one</tt>";
        let second: &[u8] = b"<tt>two, longer</tt>";
        let segment = packager::segment(7, 86_400_000, 1_000, &[first, second]);
        let found = samples(&segment);
        assert_eq!(
            found,
            [
                Sample {
                    time: 86_400_000,
                    duration: 1_000,
                    bytes: first
                },
                Sample {
                    time: 86_401_000,
                    duration: 1_000,
                    bytes: second
                },
            ]
        );
    }

    /// Without a data offset the samples start in the mdat after the moof; defaults from the
    /// tfhd; a 32-bit tfdt.
    #[test]
    fn defaults_and_the_following_mdat() {
        let doc = b"<tt/>";
        let boxed = |kind: &[u8; 4], payload: &[u8]| -> Vec<u8> {
            [&((8 + payload.len()) as u32).to_be_bytes()[..], kind, payload].concat()
        };
        // tfhd flags: default duration (0x08) and size (0x10).
        let tfhd = boxed(
            b"tfhd",
            &[
                &0x18u32.to_be_bytes()[..],
                &1u32.to_be_bytes(),
                &2_000u32.to_be_bytes(),
                &5u32.to_be_bytes(),
            ]
            .concat(),
        );
        let tfdt = boxed(
            b"tfdt",
            &[&0u32.to_be_bytes()[..], &4_000u32.to_be_bytes()].concat(),
        );
        let trun = boxed(b"trun", &[&0u32.to_be_bytes()[..], &2u32.to_be_bytes()].concat());
        let traf = boxed(b"traf", &[tfhd, tfdt, trun].concat());
        let moof = boxed(b"moof", &traf);
        let mdat = boxed(b"mdat", &[doc.as_slice(), b"<x/> "].concat());
        let segment = [moof, mdat].concat();
        let found = samples(&segment);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].time, found[0].duration, found[0].bytes),
            (4_000, 2_000, &doc[..])
        );
        assert_eq!((found[1].time, found[1].bytes), (6_000, &b"<x/> "[..]));
    }

    #[test]
    fn hostile_boxes_are_refused_without_work() {
        let segment = packager::segment(1, 0, 10, &[b"<tt/>"]);
        // A trun claiming four billion samples: refused before its table is read.
        let at = segment.windows(4).position(|w| w == b"trun").expect("trun") + 8;
        let mut huge = segment.clone();
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(samples(&huge).is_empty());
        // A sample larger than its mdat: dropped.
        let mut long = segment.clone();
        let size_at = at + 4 + 4 + 4;
        long[size_at..size_at + 4].copy_from_slice(&1_000_000u32.to_be_bytes());
        assert!(samples(&long).is_empty());
        // Every prefix and random bytes: never a panic.
        for end in 0..segment.len() {
            let _ = samples(&segment[..end]);
            let _ = init(&segment[..end]);
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            let mut bytes = segment.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % bytes.len() as u64) as usize;
                bytes[i] = (seed >> 32) as u8;
            }
            assert!(samples(&bytes).len() <= MAX_SAMPLES);
        }
        assert_eq!(init(b""), None);
        let not_text = packager::init(1000)
            .windows(4)
            .position(|w| w == b"stpp")
            .map(|i| {
                let mut b = packager::init(1000);
                b[i..i + 4].copy_from_slice(b"wvtt");
                b
            })
            .expect("stpp");
        assert_eq!(init(&not_text).map(|i| i.stpp), Some(false));
    }
}
