// SPDX-License-Identifier: GPL-3.0-or-later
//! Hostile guides and playlists, generated here (never checked in), against the memory bound
//! every input must keep: the heap the ingest adds stays under 64 MiB whatever the input. A
//! counting allocator measures the peak of live heap bytes while one input is processed (the
//! generated input itself is not counted: it is allocated before the measurement starts).
//!
//! Each case is one that took gigabytes before its cap existed: an `.xz` guide bomb and a gzip
//! inside `Content-Encoding: gzip` over HTTP (the body used to sit whole in memory and the
//! programmes were not capped), millions of broken `<programme/>` (warnings buffered per chunk),
//! entity references (stored per occurrence), hundreds of thousands of guide channels and a
//! playlist of hundreds of thousands of channels, and a guide inventing a channel per programme
//! against the largest lineup.

#[path = "support/http_server.rs"]
mod http_server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use zapbox::epg::build::{MAX_GUIDE_CHANNELS, MAX_PROGRAMMES};
use zapbox::epg::{BuildOptions, GuideSource, IndexBuilder, IngestOptions, LineupFilter};
use zapbox::guide::GuideOverrides;

const BOUND: usize = 64 << 20;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
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

/// One measurement at a time (the test harness runs tests on several threads).
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` and returns its result with the peak heap it added.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(base))
}

/// `n` valid programmes on `channels` channels, a day apart per channel so none overlap.
fn programmes(n: usize, channels: usize) -> Vec<u8> {
    let mut xml = Vec::with_capacity(n * 90);
    xml.extend_from_slice(b"<?xml version=\"1.0\"?>\n<tv>\n");
    for i in 0..n {
        let (c, k) = (i % channels, i / channels);
        let start = 1_800_000_000 + k as u64 * 600;
        writeln!(
            xml,
            "<programme start=\"{}\" stop=\"{}\" channel=\"c{c}\"><title>T{}</title></programme>",
            stamp(start),
            stamp(start + 600),
            k % 97
        )
        .unwrap();
    }
    xml.extend_from_slice(b"</tv>\n");
    xml
}

/// XMLTV time of Unix seconds.
fn stamp(t: u64) -> String {
    jiff::Timestamp::from_second(t as i64)
        .unwrap()
        .strftime("%Y%m%d%H%M%S +0000")
        .to_string()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 0);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn ingest_url(url: &str) -> (zapbox::epg::IngestReport, usize) {
    let dir = tempfile::tempdir().unwrap();
    let options = IngestOptions {
        download_cache: Some(dir.path().join("downloads")),
        parsers: 1,
        ..IngestOptions::default()
    };
    let sources = [GuideSource::new(url)];
    let (report, peak) = peak_of(|| zapbox::epg::ingest(&sources, &dir.path().join("index"), &options));
    (report.expect("an index is written"), peak)
}

/// A guide of more programmes than an index holds, as `.xz` and as a `.gz` sent with
/// `Content-Encoding: gzip` (two layers): streamed to disk, decompressed while parsing, capped
/// at `MAX_PROGRAMMES`, and the heap stays under the bound.
#[test]
fn compressed_guide_bombs_over_http_stay_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let xml = programmes(MAX_PROGRAMMES + 50_000, 500);
    let (xz_body, gz_body) = (xz(&xml), gz(&gz(&xml)));
    drop(xml);
    let addr = http_server::serve(move |head, stream| {
        if head.starts_with("GET /guide.xml.xz") {
            http_server::respond(stream, "200 OK", &[], &xz_body);
        } else {
            http_server::respond(stream, "200 OK", &["Content-Encoding: gzip"], &gz_body);
        }
    });
    for path in ["guide.xml.xz", "guide.xml.gz"] {
        let (report, peak) = ingest_url(&format!("http://{addr}/{path}"));
        eprintln!(
            "{path}: {} programmes, peak heap {} MiB",
            report.programmes,
            peak >> 20
        );
        assert_eq!(report.programmes, MAX_PROGRAMMES, "{path}");
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.message.contains("programmes dropped")),
            "{path}: {:?}",
            report.warnings.first()
        );
        assert!(peak < BOUND, "{path}: peak heap {peak} bytes");
    }
}

/// Builds an index from `xml` through the parallel reader, returning the peak heap.
fn build_peak(xml: &[u8]) -> (zapbox::epg::BuildSummary, usize) {
    let dir = tempfile::tempdir().unwrap();
    peak_of(|| {
        let mut builder = IndexBuilder::new(dir.path(), BuildOptions::default()).unwrap();
        let mut sink = builder.source("hostile", 0, 0, None);
        zapbox::epg::xmltv::parse_parallel(xml, u64::MAX, 1, &mut sink);
        sink.finish();
        builder.finish().unwrap()
    })
}

/// Two million `<programme/>` without anything: two million warnings, of which 100 are kept.
#[test]
fn broken_programmes_do_not_buffer_their_warnings() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = b"<tv>".to_vec();
    for _ in 0..2_000_000 {
        xml.extend_from_slice(b"<programme/>");
    }
    xml.extend_from_slice(b"</tv>");
    let (summary, peak) = build_peak(&xml);
    eprintln!(
        "peak heap {} MiB, {} warnings",
        peak >> 20,
        summary.warnings.len()
    );
    assert!(summary.warnings.len() <= 102, "{}", summary.warnings.len());
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("more warnings")),
        "the rest are counted"
    );
    assert!(peak < BOUND, "peak heap {peak} bytes");
}

/// A million programmes, each with its own short title: the title table is capped by what it
/// costs (text and bookkeeping), not by the text alone (7 MB of text took 80 MB of table).
#[test]
fn distinct_titles_are_capped_by_their_cost() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = Vec::with_capacity(100 << 20);
    xml.extend_from_slice(b"<tv>\n");
    for i in 0..1_000_000u64 {
        let (c, k) = (i % 500, i / 500);
        let start = 1_800_000_000 + k * 600;
        writeln!(
            xml,
            "<programme start=\"{}\" stop=\"{}\" channel=\"c{c}\"><title>T{i}</title></programme>",
            stamp(start),
            stamp(start + 600)
        )
        .unwrap();
    }
    xml.extend_from_slice(b"</tv>\n");
    let (summary, peak) = build_peak(&xml);
    eprintln!("{} programmes, peak heap {} MiB", summary.programmes, peak >> 20);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("distinct titles")),
        "the cap was reached and said so"
    );
    assert!(summary.programmes > 100_000, "{} programmes", summary.programmes);
    assert!(peak < BOUND, "peak heap {peak} bytes");
}

/// Unknown entity references by the million: kept as text, reported once, not stored each.
#[test]
fn unknown_entities_are_not_stored_per_occurrence() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = b"<tv><channel id=\"c\"><display-name>C</display-name></channel>".to_vec();
    for p in 0..8 {
        let (start, stop) = (stamp(1_800_000_000 + p * 600), stamp(1_800_000_600 + p * 600));
        write!(
            xml,
            "<programme start=\"{start}\" stop=\"{stop}\" channel=\"c\"><title>T</title><desc>"
        )
        .unwrap();
        for _ in 0..300_000 {
            xml.extend_from_slice(b"&zz;");
        }
        xml.extend_from_slice(b"</desc></programme>");
    }
    xml.extend_from_slice(b"</tv>");
    let (summary, peak) = build_peak(&xml);
    eprintln!("peak heap {} MiB for {} MiB of XML", peak >> 20, xml.len() >> 20);
    assert_eq!(summary.programmes, 8);
    assert!(
        peak < xml.len() * 2,
        "peak heap {peak} bytes for {} bytes",
        xml.len()
    );
}

/// Half a million guide channels: the index keeps `MAX_GUIDE_CHANNELS`.
#[test]
fn guide_channels_are_capped() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = b"<tv>".to_vec();
    for i in 0..500_000 {
        write!(
            xml,
            "<channel id=\"channel-{i}\"><display-name>Channel {i}</display-name></channel>"
        )
        .unwrap();
    }
    xml.extend_from_slice(b"</tv>");
    let (summary, peak) = build_peak(&xml);
    eprintln!("peak heap {} MiB, {} channels", peak >> 20, summary.channels);
    assert_eq!(summary.channels, MAX_GUIDE_CHANNELS);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("channels dropped"))
    );
    assert!(peak < BOUND, "peak heap {peak} bytes");
}

/// A guide whose programmes name a million channels it never declares, against a lineup of
/// the most channels a playlist may hold: each undeclared id is judged once, by lookups in
/// tables of the lineup built once. (The lineup used to be matched whole for every such
/// programme: this input did not finish in 18 CPU-minutes and took the box's memory with it.)
#[test]
fn undeclared_guide_channels_against_a_huge_lineup() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let max = zapbox::lineup::m3u::MAX_ENTRIES;
    let mut m3u = b"#EXTM3U\n".to_vec();
    for i in 0..max {
        write!(
            m3u,
            "#EXTINF:-1 tvg-id=\"c{i}\",Channel number {i}\nhttp://h/{i}\n"
        )
        .unwrap();
    }
    let report = zapbox::lineup::build(&[("huge.m3u".to_owned(), m3u)]);
    assert_eq!(report.lineup.channels.len(), max);
    // One programme in ten is on one of 1,000 channels the lineup names by tvg-id; the others
    // each invent a channel id.
    let n = 1_000_000;
    let mut xml = Vec::with_capacity(n * 100);
    xml.extend_from_slice(b"<tv>\n");
    for i in 0..n {
        let (channel, start) = if i % 10 == 0 {
            let k = i / 10;
            (format!("c{}", k % 1000), 1_800_000_000 + (k / 1000) as u64 * 600)
        } else {
            (format!("invented-{i}"), 1_800_000_000)
        };
        writeln!(
            xml,
            "<programme start=\"{}\" stop=\"{}\" channel=\"{channel}\"><title>T</title></programme>",
            stamp(start),
            stamp(start + 600)
        )
        .unwrap();
    }
    xml.extend_from_slice(b"</tv>\n");
    let dir = tempfile::tempdir().unwrap();
    let ((summary, kept, skipped), peak) = peak_of(|| {
        let options = BuildOptions {
            filter: Some(LineupFilter::new(&report.lineup, &GuideOverrides::new())),
            ..BuildOptions::default()
        };
        let mut builder = IndexBuilder::new(dir.path(), options).unwrap();
        let mut sink = builder.source("undeclared", 0, 0, None);
        zapbox::epg::xmltv::parse_parallel(&xml[..], u64::MAX, 1, &mut sink);
        let (kept, skipped) = (sink.kept, sink.skipped);
        sink.finish();
        (builder.finish().unwrap(), kept, skipped)
    });
    eprintln!(
        "{} channels, {kept} kept, {skipped} skipped, peak heap {} MiB",
        summary.channels,
        peak >> 20
    );
    assert_eq!(summary.channels, 1000, "the lineup's channels only");
    assert_eq!((kept, skipped), (n as u64 / 10, n as u64 / 10 * 9));
    assert_eq!(summary.programmes, n / 10);
    assert!(peak < BOUND, "peak heap {peak} bytes");
}

/// A 16 MiB playlist of 600,000 two-line entries: `MAX_ENTRIES` channels, bounded heap.
#[test]
fn huge_playlists_are_capped() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut m3u = b"#EXTM3U\n".to_vec();
    let mut i = 0;
    while m3u.len() < 16 << 20 {
        write!(m3u, "#EXTINF:-1,C{i}\nhttp://h/{i}\n").unwrap();
        i += 1;
    }
    let inputs = vec![("big.m3u".to_string(), m3u)];
    let (report, peak) = peak_of(|| zapbox::lineup::build(&inputs));
    eprintln!(
        "{i} entries: {} channels, peak heap {} MiB",
        report.lineup.channels.len(),
        peak >> 20
    );
    assert_eq!(report.lineup.channels.len(), zapbox::lineup::m3u::MAX_ENTRIES);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.message.contains("channels in one playlist"))
    );
    assert!(peak < BOUND, "peak heap {peak} bytes");
}

/// A playlist from the internet naming local files as its guide (`url-tvg="/dev/zero"`) gets
/// nothing read: the parser drops every address but `http(s)://` with a warning, and the ingest
/// refuses a local source named by a playlist before opening it, even if one got through. One of
/// them is a valid local guide: had it been opened, the ingest would have succeeded.
#[test]
fn a_playlist_cannot_name_a_local_guide() {
    let dir = tempfile::tempdir().expect("temp dir");
    let local = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/epg/basic.xml");
    let playlist = format!(
        "#EXTM3U url-tvg=\"/dev/zero,file:///etc/passwd;{local}\" x-tvg-url=\"HTTPS://guide.example/a.xml\"\n\
         #EXTINF:-1,One\nudp://239.1.1.1:1234\n"
    );
    let report = zapbox::lineup::build(&[("hostile.m3u".into(), playlist.into_bytes())]);
    assert_eq!(report.lineup.guide_urls, ["HTTPS://guide.example/a.xml"]);
    let refused = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("is not http(s); ignored"))
        .count();
    assert_eq!(refused, 3, "{:?}", report.warnings);

    let sources: Vec<GuideSource> = ["/dev/zero", local, "file:///dev/zero"]
        .into_iter()
        .map(|location| GuideSource {
            named_by: zapbox::epg::NamedBy::Playlist,
            ..GuideSource::new(location)
        })
        .collect();
    let result = zapbox::epg::ingest(&sources, &dir.path().join("index"), &IngestOptions::default());
    let Err(zapbox::epg::IngestError::NothingUsable { warnings }) = result else {
        panic!("a local guide named by a playlist was used: {result:?}");
    };
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.message.contains("a playlist may only name http(s) guides")),
        "{warnings:?}"
    );
    // The same local guide named by the operator is read: the refusal is about who names it.
    let operator = zapbox::epg::ingest(
        &[GuideSource::new(local)],
        &dir.path().join("index"),
        &IngestOptions::default(),
    );
    assert!(operator.is_ok(), "{operator:?}");
}
