// SPDX-License-Identifier: GPL-3.0-or-later
//! One function per fuzz target: the input goes through the same entry point the app uses.
//! Targets that read files (the index loader, config, state) get the input as a file in a
//! per-process scratch directory (in `/dev/shm` when there is one).

use crate::epg::build::{BuildOptions, IndexBuilder};
use crate::guide::{LiveOverlay, LiveProgramme, ProgrammeId};
use crate::lineup::ChannelKey;
use crate::mpegts::captions::{CaptionDecoder, CaptionFrame, CcPair, CcType, Channel, Screen, VideoSyntax};
use crate::mpegts::dvbsub::{Bitmap, DisplaySet, DvbSubDecoder};
use crate::mpegts::eit::EitCollector;
use crate::mpegts::teletext::{Page, PageFilter, TeletextDecoder};
use crate::mpegts::{RtpReorder, TS_PACKET_SIZE, TsPacket, TsRing};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// A scratch directory of this process: `$ZAPBOX_FUZZ_SCRATCH` when set (kept, e.g. to make an
/// index seed), else one in `/dev/shm` removed when the process exits.
fn scratch(name: &str) -> PathBuf {
    let root = ROOT.get_or_init(|| {
        if let Some(dir) = std::env::var_os("ZAPBOX_FUZZ_SCRATCH") {
            return PathBuf::from(dir);
        }
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        // libFuzzer ends with exit(): no destructor runs, an atexit handler does.
        unsafe { libc::atexit(remove_scratch) };
        base.join(format!("zapbox-fuzz-{}", std::process::id()))
    });
    let dir = root.join(name);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

extern "C" fn remove_scratch() {
    if let Some(root) = ROOT.get() {
        let _ = std::fs::remove_dir_all(root);
    }
}

/// M3U: up to three playlists (split at 0xFF bytes), parsed and merged.
pub fn m3u(data: &[u8]) {
    let inputs: Vec<(String, Vec<u8>)> = data
        .splitn(3, |&b| b == 0xff)
        .enumerate()
        .map(|(i, part)| (format!("p{i}.m3u"), part.to_vec()))
        .collect();
    let report = crate::lineup::build(&inputs);
    let _ = report.lineup.channels.len();
}

/// XMLTV (plain, gzip or xz) through the reader and the index builder into an index.
pub fn xmltv_index(data: &[u8]) {
    let dir = scratch("index");
    let Ok(mut builder) = IndexBuilder::new(&dir, BuildOptions::default()) else {
        return;
    };
    if let Ok(input) = crate::epg::input::open_bytes(data.to_vec()) {
        let mut sink = builder.source("fuzz", 0, 0, None);
        crate::epg::xmltv::parse_parallel(input.reader, 64 << 20, 1, &mut sink);
        sink.finish();
    }
    let _ = builder.finish();
}

/// XMLTV times (`20261122180000 +0100` and the ways guides get them wrong).
pub fn xmltv_time(data: &[u8]) {
    let _ = crate::epg::time::parse_xmltv_time(&String::from_utf8_lossy(data));
}

/// The index file as stored on flash (damaged, truncated or forged), then read like the guide does.
pub fn index_load(data: &[u8]) {
    let dir = scratch("load");
    if std::fs::write(dir.join("guide.idx"), data).is_err() {
        return;
    }
    let Ok(index) = crate::epg::index::load(&dir) else {
        return;
    };
    for number in 0..index.channels().len().min(64) as u32 {
        let (first, slots) = index.programmes(number);
        for (i, slot) in slots.iter().take(64).enumerate() {
            let _ = index.title(slot);
            let _ = index.details(ProgrammeId(first.0 + i as u32));
            let _ = index.first_ending_after(number, slot.start());
        }
    }
}

/// TS bytes into the receive ring: sync, packets, PSI sections, PAT/PMT, continuity, PCR, keyframes.
pub fn ts_ring(data: &[u8]) {
    let mut ring = TsRing::new(64);
    // Two pushes: the framer must carry a packet split across datagrams.
    let (a, b) = data.split_at(data.len() / 2);
    ring.push(a);
    ring.push(b);
    let _ = (ring.pat(), ring.pmt(), ring.stats(), ring.last_keyframe());
    let _: Vec<u64> = ring.keyframes().collect();
}

/// TS bytes into the EIT collector, its sections into the guide's live overlay. Once with all the
/// bytes in one push (what the collector holds until taken is bounded), then as the player
/// feeds it: a datagram (7 packets) at a time, taking the sections after each.
pub fn eit(data: &[u8]) {
    let key = ChannelKey("fuzz".into());
    let mut overlay = LiveOverlay::new();
    let mut apply = |sections: Vec<crate::mpegts::eit::EitSection>| {
        for section in sections {
            for event in &section.events {
                let _ = LiveProgramme::from_eit(event);
            }
            overlay.apply_eit(&key, &section);
        }
    };
    let mut collector = EitCollector::new();
    collector.push_bytes(data);
    apply(collector.take());
    let mut collector = EitCollector::new();
    for datagram in data.chunks(7 * TS_PACKET_SIZE) {
        collector.push_bytes(datagram);
        apply(collector.take());
    }
}

/// TS packets of one teletext PID (each 188-byte chunk, its sync byte forced) into the teletext
/// decoder with every page wanted: PES assembly, data units, Hamming and parity, page and
/// subtitle text.
pub fn teletext(data: &[u8]) {
    let mut decoder = TeletextDecoder::new(PageFilter::All);
    let mut packet = [0u8; TS_PACKET_SIZE];
    for chunk in data.chunks_exact(TS_PACKET_SIZE) {
        packet.copy_from_slice(chunk);
        packet[0] = 0x47;
        if let Some(p) = TsPacket::from_array(&packet) {
            decoder.push_packet(&p, &mut |page: &Page| {
                let _ = page.subtitle_text();
            });
        }
    }
    let _ = decoder.stats();
}

/// RTP datagrams (each: a 16-bit little-endian length, then that many bytes) through the
/// reorder window (its size from the first byte).
pub fn rtp_reorder(data: &[u8]) {
    let Some((&window, mut rest)) = data.split_first() else {
        return;
    };
    let mut reorder = RtpReorder::new(usize::from(window % 64) + 1);
    let mut out = 0usize;
    while let [lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        let (datagram, next) = tail.split_at(len.min(tail.len()));
        let _ = reorder.push(datagram, &mut |ts| out += ts.len());
        rest = next;
    }
    reorder.flush(&mut |ts| out += ts.len());
}

/// The config file.
pub fn config(data: &[u8]) {
    let path = scratch("config").join("config.json");
    if std::fs::write(&path, data).is_ok() {
        let _ = crate::system::load_config(&path);
    }
}

/// The state file.
pub fn state(data: &[u8]) {
    let path = scratch("state").join("state.json");
    if std::fs::write(&path, data).is_ok() {
        let _ = crate::system::load_state(&path);
    }
}

/// A keymap (without `extends` targets: no board directories).
pub fn keymap(data: &[u8]) {
    let _ = crate::input::Keymap::parse(&String::from_utf8_lossy(data), Path::new("fuzz.json"), &[]);
}

/// Each 188-byte chunk of `data` as a TS packet, its sync byte forced (the fuzzer need not
/// find it; the framer has its own targets).
fn packets(data: &[u8], mut each: impl FnMut(&TsPacket<'_>)) {
    let mut packet = [0u8; TS_PACKET_SIZE];
    for chunk in data.chunks_exact(TS_PACKET_SIZE) {
        packet.copy_from_slice(chunk);
        packet[0] = 0x47;
        if let Some(p) = TsPacket::from_array(&packet) {
            each(&p);
        }
    }
}

/// DVB subtitles: the composition and ancillary page ids (16 bits each, as the PMT's
/// subtitling descriptor gives them), then TS packets of the subtitle PID into the decoder as
/// the player feeds it: PES assembly, segments, display definition, regions, CLUTs, pixel
/// strings, and each display set drawn as RGBA.
pub fn dvbsub(data: &[u8]) {
    let Some((pages, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let composition = u16::from_be_bytes([pages[0], pages[1]]);
    let ancillary = u16::from_be_bytes([pages[2], pages[3]]);
    let mut decoder = DvbSubDecoder::new(composition, ancillary);
    packets(rest, |p| {
        decoder.push_packet(p, &mut |set: &DisplaySet| {
            let _: usize = set.regions.iter().map(Bitmap::visible_pixels).sum();
        });
    });
    let _ = decoder.stats();
}

/// What the viewer shows: nothing, CC1–CC4 or DTVCC service 1–6 (from `n`).
fn choose(decoder: &mut CaptionDecoder, n: u8) {
    let screen = match n % 11 {
        0 => decoder.choose(None),
        c @ 1..=4 => decoder.choose(Channel::new(c)),
        s => decoder.choose_service(Some(s - 4)),
    };
    let _ = screen.map(|s| s.text());
}

fn show(_pts: Option<u64>, screen: &Screen) {
    let _ = screen.text();
}

/// Closed captions as the player finds them: the first byte chooses the video syntax (H.264,
/// H.265, MPEG-2) and what is shown; the rest is TS packets of the video PID, through PES
/// heads, SEI or user data, A/53 `cc_data`, the reorder queue, the four line-21 channels and
/// the DTVCC services. Halfway the viewer chooses again.
pub fn captions(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let syntax = match first % 3 {
        0 => VideoSyntax::H264,
        1 => VideoSyntax::H265,
        _ => VideoSyntax::Mpeg2,
    };
    let mut decoder = CaptionDecoder::new(syntax, None);
    choose(&mut decoder, first / 3);
    let half = rest.len() / TS_PACKET_SIZE / 2 * TS_PACKET_SIZE;
    let (a, b) = rest.split_at(half);
    packets(a, |p| decoder.push_packet(p, &mut show));
    choose(&mut decoder, first / 3 + 1);
    packets(b, |p| decoder.push_packet(p, &mut show));
    decoder.flush(&mut show);
    let _ = (decoder.channels(), decoder.services());
}

/// Frames of A/53 `cc_data`: each a count byte (its low 5 bits: up to 31 triplets, as A/53
/// allows), then that many triplets (`marker | cc_valid | cc_type`, two data bytes). Invalid
/// triplets are padding, as in the stream. `kind` maps `cc_type` to the decoder under test.
fn cc_frames(data: &[u8], kind: fn(u8) -> CcType, mut each: impl FnMut(&CaptionFrame)) {
    let mut rest = data;
    let mut pts = 0u64;
    while let Some((&count, tail)) = rest.split_first() {
        let n = usize::from(count & 0x1f).min(tail.len() / 3);
        let (triplets, next) = tail.split_at(n * 3);
        let pairs = triplets
            .chunks_exact(3)
            .filter(|t| t[0] & 0x04 != 0)
            .map(|t| CcPair {
                kind: kind(t[0] & 0x03),
                data: [t[1], t[2]],
            })
            .collect();
        pts += 3003;
        each(&CaptionFrame {
            pts: Some(pts),
            pairs,
        });
        rest = next;
    }
}

fn cc_decode(data: &[u8], kind: fn(u8) -> CcType) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut decoder = CaptionDecoder::new(VideoSyntax::H264, None);
    choose(&mut decoder, first);
    cc_frames(rest, kind, |frame| decoder.push_frame(frame, &mut show));
    let _ = (decoder.channels(), decoder.services());
}

/// CEA-608: line-21 pairs of both fields (`cc_type` 0 and 1) into the four channels' decoders
/// (pop-on, roll-up, paint-on, text modes, preambles, mid-row codes, special and extended
/// characters), the first byte choosing the channel shown.
pub fn cea608(data: &[u8]) {
    cc_decode(data, |t| {
        if t & 1 == 0 {
            CcType::Field1
        } else {
            CcType::Field2
        }
    });
}

/// CEA-708: DTVCC packet start and data triplets (`cc_type` 3 and 2) into the DTVCC decoder
/// (packets, service blocks, windows, pen, text), the first byte choosing the service shown.
pub fn cea708(data: &[u8]) {
    cc_decode(data, |t| {
        if t & 1 == 0 {
            CcType::DtvccData
        } else {
            CcType::DtvccStart
        }
    });
}

/// A WebVTT segment as the HLS subtitle fetcher gets it: parsed, and its cues placed on the
/// stream's clock by the timestamp map.
pub fn webvtt(data: &[u8]) {
    let file = crate::ott::webvtt::parse(data);
    if let Some(map) = file.map {
        for cue in &file.cues {
            let _ = (map.pts(cue.start_ms), map.pts(cue.end_ms));
        }
    }
}

/// Splits a manifest input: the text (lossy UTF-8, as the fetchers decode it), then after a
/// 0xFF byte the address it was fetched from (default `base`: every URI is resolved against
/// it), then after another the clock.
fn manifest_input<'a>(data: &'a [u8], base: &str) -> (String, String, Option<&'a [u8]>) {
    let mut parts = data.splitn(3, |&b| b == 0xff);
    let text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let base = parts
        .next()
        .map_or_else(|| base.to_string(), |b| String::from_utf8_lossy(b).into_owned());
    (text, base, parts.next())
}

/// HLS playlists as the subtitle fetcher reads them (`manifest::hls::read`, lenient): a master
/// playlist's subtitle renditions and the master without them (what the demuxer is handed), or a
/// rendition's media playlist with its newest segments and the wait before reading it again.
pub fn hls_subtitles(data: &[u8]) {
    use crate::manifest::hls;
    let (text, base, _) = manifest_input(data, "http://origin.example/live/ch1/master.m3u8?token=1");
    let _ = hls::without_subtitle_renditions(text.as_bytes());
    match hls::read(&text, &base).playlist {
        hls::Playlist::Master(master) => {
            assert!(master.subtitles.len() <= hls::MAX_RENDITIONS);
        }
        hls::Playlist::Media(media) => {
            assert!(media.segments.len() <= hls::MAX_SEGMENTS);
            let _ = std::time::Duration::from_secs_f64(media.target_duration.min(3600.0));
        }
    }
}

/// 2026-12-07T00:00:30Z in Unix seconds: the clock of the seeds' live MPDs.
const NOW: f64 = 1_796_601_630.0;

/// A DASH MPD as the recorder reads it: parsed at a time (the clock from the input's third
/// part when it has one, else [`NOW`]), then each track's segments available at later times
/// (a live `$Number$` template is expanded from the clock without fetching the MPD again).
pub fn dash(data: &[u8]) {
    let (text, base, clock) = manifest_input(data, "http://origin.example/live/ch9/manifest.mpd");
    let now = clock
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.trim().parse::<f64>().ok())
        .unwrap_or(NOW);
    // What the demuxer is handed: the MPD without its text sets (the app reads those itself).
    let _ = crate::manifest::dash::without_text(&text);
    let Ok(mpd) = crate::manifest::dash::parse(&text, &base, now) else {
        return;
    };
    let texts = mpd.texts.iter().map(|t| &t.track);
    for track in mpd.tracks.iter().chain(texts) {
        for later in [0.0, 2.0, 3_600.0, 86_400.0 * 366.0 * 100.0] {
            let _ = track.available(now + later);
        }
    }
}

/// A DASH text track's bytes as the subtitle fetcher gets them (`player::dash_subtitles`): read
/// as an `stpp` init segment (`ott::stpp::init`), as a fragment of `stpp` samples
/// (`ott::stpp::samples`) whose every sample is a TTML document, and as a whole TTML document
/// (`ott::ttml::parse`, the `application/ttml+xml` form), each cue's times then put on the
/// presentation timeline as the fetcher does (less an offset, in i64).
pub fn ttml(data: &[u8]) {
    let document = |bytes: &[u8]| {
        let ttml = crate::ott::ttml::parse(bytes);
        for cue in &ttml.cues {
            let start = i64::try_from(cue.start_ms).unwrap_or(i64::MAX);
            let end = cue.end_ms.map(|e| i64::try_from(e).unwrap_or(i64::MAX));
            let _ = (start - 1_000, end.map(|e| e - 1_000), cue.text());
        }
    };
    if let Some(init) = crate::ott::stpp::init(data) {
        let _ = (init.stpp, init.timescale);
    }
    for sample in crate::ott::stpp::samples(data) {
        let _ = sample.time.saturating_add(sample.duration);
        document(sample.bytes);
    }
    document(data);
}

/// An HLS playlist as the recorder reads it (`manifest::hls::parse`, strict): master (variants,
/// audio renditions, the choice) or media (map, sequence, segments, times), with the durations
/// turned into waits as the recorder does (`Duration::from_secs_f64` panics on what is not a
/// finite, non-negative number).
pub fn hls(data: &[u8]) {
    use crate::manifest::hls;
    let (text, base, _) = manifest_input(data, "http://cdn.example/live/master.m3u8");
    match hls::parse(&text, &base) {
        Ok(hls::Playlist::Master(master)) => {
            let _ = master.choose();
        }
        Ok(hls::Playlist::Media(media)) => {
            let _ = std::time::Duration::from_secs_f64((media.target_duration / 4.0).clamp(0.5, 5.0));
            for segment in &media.segments {
                let _ = std::time::Duration::from_secs_f64(segment.seconds.clamp(0.0, 60.0));
                let behind = segment.aired.map_or(segment.seconds, |a| NOW - a);
                let _ = std::time::Duration::from_secs_f64(behind.clamp(0.0, 60.0));
            }
        }
        Err(_) => {}
    }
}
