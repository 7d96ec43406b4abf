// SPDX-License-Identifier: GPL-3.0-or-later
//! The demo's subtitled channel: a cached loop with two subtitle tracks added, as a
//! broadcaster's multiplexer would: DVB bitmap subtitles in English (EN 300 743, composition
//! page 1) and German teletext subtitles on page 888 (EN 300 706), both declared in the PMT
//! and timed by PTS against the loop's video, and English closed captions on CC1 in the
//! video's SEI (`captioned`), so `zapbox demo` shows all three kinds.
//!
//! The DVB bitmaps are the text drawn by GStreamer's `textoverlay` (the fonts of the box)
//! in 16 grey levels on a translucent box, encoded by `mpegts::dvbsub::encode`; the
//! teletext pages come from `mpegts::teletext::encode`. The loop's packets are kept as they
//! are, the PMT is replaced, and each subtitle's packets go in where the PCR reaches a
//! little before its time.

use anyhow::{Context, Result, bail};
use gstreamer as gst;
use gstreamer::prelude::*;

use crate::mpegts::build::{StreamSpec, StreamWriter, pes_with_pts, pmt_section};
use crate::mpegts::dvbsub::encode::{Entry, IndexedRegion, display_set};
use crate::mpegts::packet::{PCR_HZ, TS_PACKET_SIZE, TsPacket};
use crate::mpegts::pes::{PTS_HZ, Pes};
use crate::mpegts::program::ProgramTracker;
use crate::mpegts::tables::Pmt;
use crate::mpegts::teletext::encode::{header, links, pes_payload, row, subpage_header};
use crate::mpegts::teletext::{PageFlags, PageNumber};

/// PIDs of the added tracks.
pub const DVB_PID: u16 = 0x0500;
pub const TELETEXT_PID: u16 = 0x0501;
/// The teletext subtitle page.
pub const TELETEXT_PAGE: u16 = 888;

/// One subtitle of the loop: shown from `from_s` to `to_s` (seconds into the loop).
struct Cue {
    from_s: f64,
    to_s: f64,
    english: &'static str,
    german: &'static str,
}

const CUES: [Cue; 2] = [
    Cue {
        from_s: 0.5,
        to_s: 4.5,
        english: "These are DVB subtitles",
        german: "Das sind Videotext-Untertitel",
    },
    Cue {
        from_s: 5.0,
        to_s: 9.5,
        english: "bitmaps drawn over the picture",
        german: "von Seite 888, in Farbe",
    },
];

type Packet = [u8; TS_PACKET_SIZE];

/// The PES data of the demo's first DVB subtitle (what channel 6 sends at 0.5 s).
pub fn first_dvb_subtitle() -> Result<Vec<u8>> {
    Ok(display_set(
        1,
        0,
        None,
        10,
        &palette(),
        &[text_region(CUES[0].english)?],
    ))
}

/// `ts` (a loop with PAT, PMT, video with PCR) with the two subtitle tracks added.
pub fn add_subtitles(ts: &[u8]) -> Result<Vec<u8>> {
    let packets: Vec<Packet> = ts
        .chunks_exact(TS_PACKET_SIZE)
        .filter_map(|c| c.try_into().ok())
        .collect();
    let (pmt_pid, pmt) = find_pmt(&packets).context("the loop has no PAT and PMT")?;
    let video = pmt
        .streams
        .iter()
        .find(|s| matches!(s.stream_type, 0x1b | 0x24 | 0x02))
        .map(|s| s.pid)
        .context("the loop has no video")?;
    let is_h264 = pmt
        .streams
        .iter()
        .any(|s| s.pid == video && s.stream_type == 0x1b);
    let packets = if is_h264 {
        super::captioned::add_captions(&packets, video, super::assets::FPS)?
    } else {
        packets
    };
    let (first_pts, first_pcr) = first_clocks(&packets, video, pmt.pcr_pid).context("no video PTS or PCR")?;
    let mut inserts: Vec<(u64, Vec<u8>, u16)> = Vec::new();
    for (i, cue) in CUES.iter().enumerate() {
        let version = (i * 2) as u8;
        let shown = display_set(1, version, None, 10, &palette(), &[text_region(cue.english)?]);
        let cleared = display_set(1, version + 1, None, 0, &palette(), &[]);
        let page = teletext_page(cue.german);
        let blank = teletext_page("");
        for (at_s, es, pid) in [
            (cue.from_s, shown, DVB_PID),
            (cue.to_s, cleared, DVB_PID),
            (cue.from_s, page, TELETEXT_PID),
            (cue.to_s, blank, TELETEXT_PID),
        ] {
            let ticks = (at_s * PTS_HZ as f64) as u64;
            inserts.push((
                ticks,
                pes_with_pts(0xbd, (first_pts + ticks) % (1 << 33), &es),
                pid,
            ));
        }
    }
    // The teletext service: its pages once a second, the rotating page's subpages in turn.
    for second in 0..10u64 {
        let ticks = second * PTS_HZ + PTS_HZ / 5;
        let es = teletext_service(second as u16 % 2 + 1);
        inserts.push((
            ticks,
            pes_with_pts(0xbd, (first_pts + ticks) % (1 << 33), &es),
            TELETEXT_PID,
        ));
    }
    inserts.sort_by_key(|(t, _, _)| *t);
    let new_pmt = pmt_with_subtitles(&pmt);
    let mut writers = [StreamWriter::new(DVB_PID, 0), StreamWriter::new(TELETEXT_PID, 0)];
    let mut pmt_writer = StreamWriter::new(pmt_pid, 0);
    let mut out: Vec<Packet> = Vec::with_capacity(packets.len() + 64);
    let mut next = inserts.into_iter().peekable();
    for p in &packets {
        let parsed = TsPacket::from_array(p);
        // Sent half a second ahead of their time, as multiplexers do.
        if let Some(pcr) = parsed.as_ref().and_then(TsPacket::pcr) {
            let now_ticks = pcr.saturating_sub(first_pcr) / (PCR_HZ / PTS_HZ);
            while let Some((_, pes, pid)) = next.next_if(|(t, _, _)| *t <= now_ticks + PTS_HZ / 2) {
                writers[usize::from(pid == TELETEXT_PID)].pes_bytes(&pes, &mut out);
            }
        }
        match parsed {
            Some(t) if t.pid() == pmt_pid => {
                if t.pusi() {
                    pmt_writer.section(&new_pmt, &mut out);
                }
            }
            _ => out.push(*p),
        }
    }
    for (_, pes, pid) in next {
        writers[usize::from(pid == TELETEXT_PID)].pes_bytes(&pes, &mut out);
    }
    Ok(out.concat())
}

fn find_pmt(packets: &[Packet]) -> Option<(u16, Pmt)> {
    let mut tracker = ProgramTracker::new(None);
    for p in packets.iter().filter_map(TsPacket::from_array) {
        tracker.observe(&p);
        if let (Some(pid), Some(pmt)) = (tracker.pmt_pid(), tracker.pmt()) {
            return Some((pid, pmt.clone()));
        }
    }
    None
}

/// The PTS of the first video PES and the first PCR.
fn first_clocks(packets: &[Packet], video: u16, pcr_pid: u16) -> Option<(u64, u64)> {
    let mut pts = None;
    let mut pcr = None;
    for p in packets.iter().filter_map(TsPacket::from_array) {
        if pts.is_none() && p.pid() == video && p.pusi() {
            pts = Pes::parse(p.payload()).and_then(|pes| pes.pts);
        }
        if pcr.is_none() && p.pid() == pcr_pid {
            pcr = p.pcr();
        }
        if let (Some(pts), Some(pcr)) = (pts, pcr) {
            return Some((pts, pcr));
        }
    }
    None
}

/// The loop's PMT (a new version) with the DVB subtitle and teletext streams after its own.
fn pmt_with_subtitles(pmt: &Pmt) -> Vec<u8> {
    let raw = |d: &crate::mpegts::tables::Descriptor| {
        let mut out = vec![d.tag, d.data.len() as u8];
        out.extend_from_slice(&d.data);
        out
    };
    let mut streams: Vec<StreamSpec> = pmt
        .streams
        .iter()
        .map(|s| StreamSpec::with(s.stream_type, s.pid, s.descriptors.iter().flat_map(raw).collect()))
        .collect();
    // Subtitling descriptor: English, normal (0x10), composition and ancillary page 1.
    let subtitling = [&[0x59, 8][..], b"eng", &[0x10, 0, 1, 0, 1]].concat();
    // Teletext descriptor: German, type 2 (subtitles), magazine 8 (sent as 0), page 0x88;
    // type 1, the initial page, 100.
    let teletext = [
        &[0x56, 10][..],
        b"deu",
        &[2 << 3, 0x88],
        b"deu",
        &[1 << 3 | 1, 0x00],
    ]
    .concat();
    streams.push(StreamSpec::with(0x06, DVB_PID, subtitling));
    streams.push(StreamSpec::with(0x06, TELETEXT_PID, teletext));
    pmt_section(
        pmt.program_number,
        (pmt.version + 1) & 0x1f,
        pmt.pcr_pid,
        &streams,
    )
}

/// Code 0: a translucent dark box; 1–15: grey levels up to white, opaque.
fn palette() -> Vec<Entry> {
    let mut entries = vec![Entry {
        code: 0,
        rgb: [16, 16, 16],
        transparency: 96,
    }];
    entries.extend((1..16u8).map(|code| Entry {
        code,
        rgb: [code * 17; 3],
        transparency: 0,
    }));
    entries
}

/// `text` as GStreamer draws it on a 720×576 canvas, cut to its box and quantised to 4 bits.
fn text_region(text: &str) -> Result<IndexedRegion> {
    let (width, height) = (720usize, 576usize);
    let luma = draw_text(text, width as u32, height as u32)?;
    let lit = |x: usize, y: usize| luma[y * width + x] > 24;
    let rows: Vec<usize> = (0..height).filter(|&y| (0..width).any(|x| lit(x, y))).collect();
    let columns: Vec<usize> = (0..width).filter(|&x| rows.iter().any(|&y| lit(x, y))).collect();
    let (Some(&top), Some(&bottom), Some(&left), Some(&right)) =
        (rows.first(), rows.last(), columns.first(), columns.last())
    else {
        bail!("textoverlay drew nothing for '{text}'");
    };
    let margin = 8;
    let (x0, y0) = (left.saturating_sub(margin), top.saturating_sub(margin / 2));
    let (x1, y1) = (
        (right + margin).min(width - 1),
        (bottom + margin / 2).min(height - 1),
    );
    let mut codes = Vec::with_capacity((x1 - x0 + 1) * (y1 - y0 + 1));
    for y in y0..=y1 {
        codes.extend((x0..=x1).map(|x| luma[y * width + x] >> 4));
    }
    Ok(IndexedRegion {
        x: x0 as u16,
        y: y0 as u16,
        width: (x1 - x0 + 1) as u16,
        height: (y1 - y0 + 1) as u16,
        codes,
    })
}

/// White text near the bottom of a black frame, as GRAY8.
fn draw_text(text: &str, width: u32, height: u32) -> Result<Vec<u8>> {
    gst::init()?;
    let description = format!(
        "videotestsrc pattern=black num-buffers=1 ! video/x-raw,format=I420,width={width},height={height} \
         ! textoverlay text=\"{text}\" font-desc=\"Sans Bold 24\" valignment=bottom ypad=48 \
         ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false"
    );
    let pipeline = gst::parse::launch(&description)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| anyhow::anyhow!("not a pipeline"))?;
    let sink = pipeline
        .by_name("out")
        .and_then(|e| e.downcast::<gstreamer_app::AppSink>().ok())
        .context("no appsink")?;
    pipeline.set_state(gst::State::Playing)?;
    let sample = sink.pull_sample();
    pipeline.set_state(gst::State::Null)?;
    let sample = sample.map_err(|_| anyhow::anyhow!("textoverlay gave no frame"))?;
    let buffer = sample.buffer().context("no buffer")?.map_readable()?;
    // GRAY8 rows are padded to 4 bytes.
    let stride = (width as usize).div_ceil(4) * 4;
    Ok(buffer
        .chunks(stride)
        .take(height as usize)
        .flat_map(|row| row[..width as usize].to_vec())
        .collect())
}

/// The pages of the teletext service with subpage `subpage` (1 or 2) of the rotating page
/// 101, as one PES payload: 100 (the index, with fastext links), 101, 102 (a concealed
/// answer) and 150 (German national characters).
pub fn teletext_service(subpage: u16) -> Vec<u8> {
    let page = |n| PageNumber::from_decimal(n).expect("a page number");
    let flags = PageFlags {
        erase: true,
        ..PageFlags::default()
    };
    let title = "zapbox TEXT";
    let mut packets = vec![
        header(page(100), flags, 0, title),
        // Blue background (0x04, 0x1d), yellow double-height title.
        row(1, 1, b"\x04\x1d\x03\x0dzapbox teletext                     "),
        row(1, 4, b"\x07 101 \x06Subpages of a rotating page"),
        row(1, 6, b"\x07 102 \x06A quiz: INFO reveals"),
        row(1, 8, b"\x07 150 \x06Deutsch: Umlaute"),
        row(1, 10, b"\x07 888 \x06Subtitles (Untertitel)"),
        row(1, 13, b"\x02 Digits: page   UP/DOWN: next page"),
        row(1, 14, b"\x02 LEFT/RIGHT: subpage   OK: hold"),
        row(1, 15, b"\x02 TEXT: over the picture, BACK: close"),
        row(1, 24, b"\x01Subpages \x02Quiz \x03Deutsch \x06Subtitles"),
        links(1, &[page(101), page(102), page(150), page(888)]),
        subpage_header(page(101), subpage, flags, 0, title),
        row(1, 1, b"\x04\x1d\x07\x0dRotating page                       "),
    ];
    let text = format!("\x03 This is subpage {subpage} of 2");
    packets.push(row(1, 6, text.as_bytes()));
    packets.push(row(1, 24, b"\x01Index    \x02Quiz"));
    packets.push(links(1, &[page(100), page(102)]));
    packets.extend([
        header(page(102), flags, 0, title),
        row(1, 1, b"\x01\x1d\x07\x0dQuiz                                "),
        row(1, 5, b"\x07What does the TEXT key open?"),
        row(1, 8, b"\x03\x18Teletext, with fastext links"),
        row(1, 24, b"\x01Index"),
        links(1, &[page(100)]),
        // C12-C14 = 4: the German subset ([ \\ ] { | } ~ are Ä Ö Ü ä ö ü ß).
        header(page(150), flags, 4, title),
        row(1, 1, b"\x02\x1d\x04\x0dDeutsch                             "),
        row(1, 5, b"\x07Gr}~e aus K|ln, sch|ne Gr}~e!"),
        row(1, 7, b"\x06[rger, \\l und ]bung"),
        row(1, 24, b"\x01Index"),
        links(1, &[page(100)]),
    ]);
    pes_payload(&packets)
}

/// A teletext subtitle page 888 with `text` boxed in yellow on row 22 (empty: a clear page).
fn teletext_page(text: &str) -> Vec<u8> {
    let page = PageNumber::from_decimal(TELETEXT_PAGE).expect("888 is a page number");
    let flags = PageFlags {
        erase: true,
        subtitle: true,
        ..PageFlags::default()
    };
    let mut packets = vec![header(page, flags, 0, "")];
    if !text.is_empty() {
        // 0x03 yellow, 0x0b start box (twice, as broadcasters send it), 0x0a end box.
        let mut codes = b"\x03\x0b\x0b".to_vec();
        codes.extend(text.bytes().filter(u8::is_ascii));
        codes.push(0x0a);
        packets.push(row(page.magazine(), 22, &codes));
    }
    pes_payload(&packets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::dvbsub::{DisplaySet, DvbSubDecoder};
    use crate::mpegts::subtitles::SubtitleCarriage;
    use crate::mpegts::synth::SyntheticProgram;
    use crate::mpegts::teletext::{PageFilter, TeletextDecoder};

    /// Ten seconds of a synthetic program with the subtitles added: the PMT declares both
    /// tracks, the DVB PID decodes to the two cues and their clearing at their times, the
    /// teletext PID to page 888 with the German text.
    #[test]
    fn the_loop_carries_both_kinds_of_subtitles_at_their_times() {
        let ts = SyntheticProgram::new(25, 2000).bytes(250);
        let out = add_subtitles(&ts).expect("subtitles added");
        let packets: Vec<Packet> = out
            .chunks_exact(TS_PACKET_SIZE)
            .map(|c| c.try_into().unwrap())
            .collect();
        let mut tracker = ProgramTracker::new(None);
        let mut dvb = DvbSubDecoder::new(1, 1);
        let mut teletext = TeletextDecoder::new(PageFilter::Only(PageNumber::from_decimal(888).unwrap()));
        let mut sets: Vec<DisplaySet> = Vec::new();
        let mut pages: Vec<(Option<u64>, String)> = Vec::new();
        for p in packets.iter().filter_map(TsPacket::from_array) {
            tracker.observe(&p);
            match p.pid() {
                DVB_PID => dvb.push_packet(&p, &mut |s| sets.push(s.clone())),
                TELETEXT_PID => teletext.push_packet(&p, &mut |page| {
                    let lines = crate::core::SubtitleLine::from_teletext(page);
                    let text: Vec<String> = lines.iter().map(crate::core::SubtitleLine::text).collect();
                    pages.push((page.pts, text.join("\n").trim().to_string()));
                }),
                _ => {}
            }
        }
        let tracks = tracker.pmt().expect("a PMT").subtitle_tracks();
        assert_eq!(tracks.len(), 2);
        assert!(matches!(
            tracks[0].carriage,
            SubtitleCarriage::Dvb {
                composition_page: 1,
                ..
            }
        ));
        assert_eq!(tracks[1].language_str(), Some("deu"));
        let shown: Vec<(Option<u64>, usize)> = sets.iter().map(|s| (s.pts, s.regions.len())).collect();
        assert_eq!(
            shown,
            [
                (Some(45_000), 1),
                (Some(405_000), 0),
                (Some(450_000), 1),
                (Some(855_000), 0)
            ]
        );
        let text = &sets[0].regions[0];
        assert!(
            text.width > 200 && text.height > 20 && text.y > 400,
            "{}x{}@{}",
            text.width,
            text.height,
            text.y
        );
        assert!(text.visible_pixels() > text.rgba.len() / 8);
        let german: Vec<&str> = pages
            .iter()
            .map(|(_, t)| t.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(
            german,
            ["Das sind Videotext-Untertitel", "von Seite 888, in Farbe"]
        );
        assert_eq!(pages[0].0, Some(45_000));
    }

    /// The loop's teletext PID carries the viewer's pages: the index with its fastext links,
    /// both subpages of 101, the concealed answer and the German page in its national set.
    #[test]
    fn the_loop_carries_the_teletext_service() {
        use crate::mpegts::teletext::TeletextStore;
        let ts = SyntheticProgram::new(25, 2000).bytes(250);
        let out = add_subtitles(&ts).expect("subtitles added");
        let mut decoder = TeletextDecoder::new(PageFilter::All);
        let mut store = TeletextStore::new();
        for p in out.chunks_exact(TS_PACKET_SIZE).filter_map(TsPacket::new) {
            if p.pid() == TELETEXT_PID {
                decoder.push_packet(&p, &mut |page| store.insert(page));
            }
        }
        let page = |n| PageNumber::from_decimal(n).unwrap();
        let index = store.latest(page(100)).expect("page 100");
        assert_eq!(index.links[..4], [101, 102, 150, 888].map(|n| Some(page(n))));
        assert!(index.row(4).unwrap().text().contains(" 101  Subpages"));
        let subpages: Vec<u16> = store.subpages(page(101)).iter().map(|p| p.subcode).collect();
        assert_eq!(subpages, [1, 2]);
        let answer = store.latest(page(102)).unwrap().row(8).unwrap();
        assert!(
            answer
                .spans
                .iter()
                .any(|s| s.style.concealed && s.text.contains("Teletext"))
        );
        let german = store.latest(page(150)).unwrap();
        assert!(german.row(5).unwrap().text().contains("Grüße aus Köln"));
        assert!(german.row(7).unwrap().text().contains("Ärger, Öl und Übung"));
        assert!(store.has(page(888)));
    }
}
