// SPDX-License-Identifier: GPL-3.0-or-later
//! Benchmark of the guide pipeline on generated XMLTV: ingest of a ~1 GB guide (900 channels x
//! 14 days, with descriptions) with its peak memory, loading the index after a "restart", a
//! grid window query (50 channels x 3 hours), compared with a naive DOM-style parse that keeps
//! every field as owned strings (on a ~100 MB guide, so it fits).
//!
//! Run: `cargo run --release --example bench_epg [channels] [days]` (default 900 14).
//! Ingest, load and the naive parse each run in a fresh child process of this example, so
//! each peak RSS (VmHWM) is its own and the generator's memory is not counted. The page cache
//! cannot be dropped here, so "after a restart" means a new process with a warm page cache.
//! Writes into one temporary directory, removed at the end.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::fmt::Write as _;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use zapbox::epg::{GuideSource, IngestOptions, index, ingest};
use zapbox::guide::Guide;
use zapbox::lineup::ChannelKey;

/// 2026-11-22 00:00:00 UTC.
const BASE: i64 = 1_795_305_600;
const SLOT_S: i64 = 15 * 60;
const WORDS: &[&str] = &[
    "the",
    "a",
    "journey",
    "across",
    "city",
    "night",
    "old",
    "friends",
    "discover",
    "secret",
    "family",
    "river",
    "mountain",
    "history",
    "science",
    "live",
    "match",
    "final",
    "season",
    "episode",
    "kitchen",
    "garden",
    "detective",
    "mystery",
    "weather",
    "report",
    "world",
    "news",
    "music",
    "concert",
    "stories",
    "wild",
];

/// Peak resident set size of this process in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn xmltv_time(t: i64) -> String {
    // The generated guide is in +01:00, like many European feeds.
    jiff::Timestamp::from_second(t + 3600)
        .map(|local| local.strftime("%Y%m%d%H%M%S +0100").to_string())
        .unwrap_or_default()
}

/// Writes a guide of `channels` x `days` with 15-minute programmes, streaming.
fn generate(path: &Path, channels: usize, days: usize) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        w,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"bench\">"
    )?;
    for c in 0..channels {
        writeln!(
            w,
            "  <channel id=\"ch{c}.example\"><display-name lang=\"en\">Channel {c}</display-name><icon src=\"http://logo.example/{c}.png\"/></channel>"
        )?;
    }
    let mut rng = fastrand::Rng::with_seed(7);
    let mut desc = String::new();
    let per_channel = days as i64 * 86_400 / SLOT_S;
    for c in 0..channels {
        for i in 0..per_channel {
            let start = BASE + i * SLOT_S;
            desc.clear();
            for _ in 0..rng.usize(45..65) {
                let _ = write!(desc, "{} ", WORDS[rng.usize(..WORDS.len())]);
            }
            let title = rng.usize(..3000);
            writeln!(
                w,
                "  <programme start=\"{}\" stop=\"{}\" channel=\"ch{c}.example\" catchup-id=\"{c}-{i}\">\n    <title lang=\"en\">Show number {title} &amp; friends</title>\n    <sub-title lang=\"en\">Part {i}</sub-title>\n    <desc lang=\"en\">{desc}</desc>\n    <category lang=\"en\">Category {}</category>\n    <episode-num system=\"xmltv_ns\">{}.{}.</episode-num>\n    <icon src=\"http://img.example/{title}.jpg\"/>\n    <rating system=\"FSK\"><value>{}</value></rating>\n  </programme>",
                xmltv_time(start),
                xmltv_time(start + SLOT_S),
                title % 12,
                i % 7,
                i % 20,
                [0, 6, 12, 16][title % 4],
            )?;
        }
    }
    writeln!(w, "</tv>")?;
    // On disk before timing starts: write-back of this file would otherwise compete with the
    // ingest's own writes.
    w.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .sync_all()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Child: ingest `xml` into `dir`; prints `seconds programmes vmhwm_kib`.
fn child_ingest(xml: &str, dir: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let report = ingest(
        &[GuideSource::new(xml)],
        Path::new(dir),
        &IngestOptions::default(),
    )?;
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {} {}", report.programmes, vm_hwm_kib());
    Ok(())
}

/// Child: load the index in `dir`, then time grid queries; prints
/// `load_seconds query_micros vmhwm_kib`.
fn child_load(dir: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let index = index::load(Path::new(dir))?;
    let guide = Guide::all_channels(index);
    let keys: Vec<ChannelKey> = (0..50).map(|c| ChannelKey(format!("ch{c}.example"))).collect();
    let (first, last) = guide.index().span().unwrap_or((BASE, BASE));
    let now = first + (last - first) / 3 + 1234;
    let first = guide.now_next(&keys[0], now);
    let load = start.elapsed().as_secs_f64();
    assert!(first.now.is_some(), "the loaded guide answers now/next");
    let runs = 2000;
    let mut times = Vec::with_capacity(runs);
    let mut listings = 0;
    for r in 0..runs {
        let from = now + (r as i64 % 48) * SLOT_S;
        let t = Instant::now();
        let grid = guide.grid(&keys, from, from + 3 * 3600);
        times.push(t.elapsed());
        listings += grid.iter().map(Vec::len).sum::<usize>();
    }
    times.sort();
    let median = times[runs / 2];
    let p99 = times[runs * 99 / 100];
    println!(
        "{load} {} {} {} {}",
        median.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        listings / runs,
        vm_hwm_kib()
    );
    Ok(())
}

/// The naive way: every programme as a struct of owned strings, all in one Vec.
#[derive(Default)]
#[allow(dead_code)] // fields exist to be held in memory, as a DOM-style loader does
struct NaiveProgramme {
    channel: String,
    start: String,
    stop: String,
    title: String,
    sub_title: String,
    desc: String,
    categories: Vec<String>,
    episode: Vec<String>,
    icon: String,
    rating: String,
}

/// Child: naive parse of `xml`; prints `seconds programmes vmhwm_kib`.
fn child_naive(xml: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut reader = Reader::from_reader(BufReader::new(std::fs::File::open(xml)?));
    let mut buf = Vec::new();
    let mut all: Vec<NaiveProgramme> = Vec::new();
    let mut current: Option<NaiveProgramme> = None;
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attr = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .unwrap_or_default()
                };
                if name == "programme" {
                    current = Some(NaiveProgramme {
                        channel: attr(b"channel"),
                        start: attr(b"start"),
                        stop: attr(b"stop"),
                        ..NaiveProgramme::default()
                    });
                } else if name == "icon"
                    && let Some(p) = current.as_mut()
                {
                    p.icon = attr(b"src");
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => text.push_str(&format!("&{};", String::from_utf8_lossy(&r))),
            Event::End(e) => {
                let Some(p) = current.as_mut() else { continue };
                match e.name().as_ref() {
                    b"programme" => all.extend(current.take()),
                    b"title" => p.title = text.clone(),
                    b"sub-title" => p.sub_title = text.clone(),
                    b"desc" => p.desc = text.clone(),
                    b"category" => p.categories.push(text.clone()),
                    b"episode-num" => p.episode.push(text.clone()),
                    b"value" => p.rating = text.clone(),
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {} {}", all.len(), vm_hwm_kib());
    Ok(())
}

/// Runs this example as a child with `args`; returns its stdout numbers.
fn child(args: &[&str]) -> anyhow::Result<Vec<f64>> {
    let out = Command::new(std::env::current_exe()?).args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    Ok(text.split_whitespace().filter_map(|v| v.parse().ok()).collect())
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--child-ingest", xml, dir] => return child_ingest(xml, dir),
        ["--child-load", dir] => return child_load(dir),
        ["--child-naive", xml] => return child_naive(xml),
        _ => {}
    }
    let channels: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(900);
    let days: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(14);
    // ZAPBOX_BENCH_DIR keeps the generated guides between runs (for profiling).
    let kept = std::env::var_os("ZAPBOX_BENCH_DIR").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir()?;
    let work = kept.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&work)?;
    let big = work.join(format!("guide-{channels}x{days}.xml"));
    let small = work.join(format!("slice-{channels}x{days}.xml"));
    let t = Instant::now();
    let reuse = kept.is_some() && big.exists() && small.exists();
    let (big_bytes, small_bytes) = if reuse {
        (std::fs::metadata(&big)?.len(), std::fs::metadata(&small)?.len())
    } else {
        (
            generate(&big, channels, days)?,
            generate(&small, (channels / 10).max(1), days)?,
        )
    };
    println!(
        "generated {:.0} MB ({channels} channels x {days} days) and a {:.0} MB slice in {:.1} s",
        big_bytes as f64 / 1e6,
        small_bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let tmp = tempfile::tempdir_in(&work)?;
    let (big_s, small_s) = (big.to_string_lossy(), small.to_string_lossy());
    let dir = tmp.path().join("index");
    let dir_s = dir.to_string_lossy();
    let ingest = child(&["--child-ingest", &big_s, &dir_s])?;
    let load = child(&["--child-load", &dir_s])?;
    let small_dir = tmp.path().join("small-index");
    let ours_small = child(&["--child-ingest", &small_s, &small_dir.to_string_lossy()])?;
    let naive = child(&["--child-naive", &small_s])?;
    report(big_bytes, &ingest, &load, small_bytes, &ours_small, &naive);
    Ok(())
}

fn report(big_bytes: u64, ingest: &[f64], load: &[f64], small_bytes: u64, ours: &[f64], naive: &[f64]) {
    let get = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(f64::NAN);
    println!(
        "ingest {:.0} MB: {:.2} s ({:.0} MB/s), {} programmes, peak RSS {:.1} MiB   [target: <= 4 s, <= 64 MiB]",
        big_bytes as f64 / 1e6,
        get(ingest, 0),
        big_bytes as f64 / 1e6 / get(ingest, 0),
        get(ingest, 1),
        mib(get(ingest, 2))
    );
    println!(
        "restart: index loaded and first now/next in {:.1} ms, peak RSS {:.1} MiB   [target: <= 200 ms; warm page cache]",
        get(load, 0) * 1000.0,
        mib(get(load, 4))
    );
    println!(
        "grid window 50 channels x 3 h ({:.0} listings): median {:.1} us, p99 {:.1} us   [target: <= 1 ms]",
        get(load, 3),
        get(load, 1),
        get(load, 2)
    );
    println!(
        "{:.0} MB slice: zapbox ingest {:.2} s / {:.1} MiB; naive DOM-style Vec of owned structs {:.2} s / {:.1} MiB",
        small_bytes as f64 / 1e6,
        get(ours, 0),
        mib(get(ours, 2)),
        get(naive, 0),
        mib(get(naive, 2))
    );
    println!(
        "ratios (naive / zapbox) on the slice: time {:.2}x, peak memory {:.1}x; naive re-parse at boot vs index load (full guide, extrapolated): {:.0}x",
        get(naive, 0) / get(ours, 0),
        get(naive, 2) / get(ours, 2),
        get(naive, 0) * (big_bytes as f64 / small_bytes as f64) / get(load, 0)
    );
}
