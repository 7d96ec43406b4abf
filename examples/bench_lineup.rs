// SPDX-License-Identifier: GPL-3.0-or-later
//! Benchmark of the `zapbox lineup check --json` path: read + parse + merge + JSON render of a
//! generated 100,000-entry playlist, compared with a naive parser that resolves number
//! collisions with `Vec::contains` (quadratic, so it runs on fewer entries).
//!
//! Run: `cargo run --release --example bench_lineup [entries] [runs]`. Depends only on the
//! public library API; writes one temporary file.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::{Duration, Instant};
use zapbox::cli::lineup_check;
use zapbox::lineup;

/// Writer that only counts bytes, so rendering cost is measured without terminal or disk.
#[derive(Default)]
struct Count(usize);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A realistic mix: 60% multicast, 40% HTTP (HLS and TS), 20 groups. Like an operator list
/// followed by an OTT catalogue: the first 9,000 entries carry `tvg-chno` (every 50th reusing
/// an earlier number, i.e. a collision), the rest are numbered automatically.
fn playlist(entries: usize) -> String {
    let mut s = String::from("#EXTM3U url-tvg=\"http://epg.example/guide.xml.gz\" catchup=\"shift\"\n");
    for i in 0..entries {
        let number = if i >= 9000 {
            String::new()
        } else if i % 50 == 49 {
            format!(" tvg-chno=\"{}\"", i / 2 + 1)
        } else {
            format!(" tvg-chno=\"{}\"", i + 1)
        };
        let _ = writeln!(
            s,
            "#EXTINF:-1 tvg-id=\"ch{i}.example\" tvg-name=\"Channel {i}\" tvg-logo=\"http://logo.example/{i}.png\" group-title=\"Group {}\"{number},Channel {i} HD",
            i % 20
        );
        if i % 5 < 3 {
            let _ = writeln!(
                s,
                "udp://@239.{}.{}.{}:5000",
                (i >> 16) & 0xff,
                (i >> 8) & 0xff,
                i & 0xff
            );
        } else if i % 5 == 3 {
            let _ = writeln!(s, "https://cdn.example/live/{i}/index.m3u8|User-Agent=Box%2F1");
        } else {
            let _ = writeln!(s, "http://iptv.example:8080/live/{i}.ts");
        }
    }
    s
}

/// The naive baseline: line scanning with `find`, numbering with `Vec::contains`.
fn naive(text: &str) -> Vec<(u32, String, String)> {
    let mut out: Vec<(u32, String, String)> = Vec::new();
    let mut used: Vec<u32> = Vec::new();
    let mut pending: Option<(Option<u32>, String)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let name = rest.rsplit(',').next().unwrap_or("").to_owned();
            let number = rest
                .find("tvg-chno=\"")
                .and_then(|p| rest.get(p + 10..)?.split('"').next()?.parse().ok());
            pending = Some((number, name));
        } else if !line.starts_with('#') && !line.is_empty() {
            let (number, name) = pending.take().unwrap_or((None, line.to_owned()));
            let mut n = number.unwrap_or(1);
            while used.contains(&n) {
                n += 1;
            }
            used.push(n);
            out.push((n, name, line.to_owned()));
        }
    }
    out.sort_by_key(|c| c.0);
    out
}

/// Median wall time, and median time actually on a CPU: this box is shared (2 cores, parallel
/// builds), and the on-CPU time shows what the code costs when it is not waiting for a core.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} ms", ms(self.wall))?;
        match self.cpu {
            Some(cpu) => write!(f, " ({:.1} ms on CPU)", ms(cpu)),
            None => Ok(()),
        }
    }
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), when available.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

/// Runs `f` `runs` times (at least once); the previous result is dropped outside the timing.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut once = || {
        let (start, cpu_start) = (Instant::now(), cpu_time());
        let value = f();
        let cpu = cpu_start.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
        (start.elapsed(), cpu, value)
    };
    let (wall, cpu, mut last) = once();
    let (mut walls, mut cpus) = (vec![wall], vec![cpu]);
    for _ in 1..runs {
        drop(last);
        let (wall, cpu, value) = once();
        walls.push(wall);
        cpus.push(cpu);
        last = value;
    }
    let cpu = cpus.into_iter().collect::<Option<Vec<_>>>().map(median);
    (
        Timing {
            wall: median(walls),
            cpu,
        },
        last,
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let entries: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7).max(1);
    let text = playlist(entries);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.m3u");
    std::fs::write(&path, &text)?;
    let location = [path.display().to_string()];
    println!(
        "playlist: {entries} entries, {:.1} MB, {runs} runs each (median)",
        text.len() as f64 / 1e6
    );

    let (full, checked) = time(runs, || {
        let mut out = Count::default();
        lineup_check::run(&location, true, None, &mut out).map(|usable| (usable, out.0))
    });
    let (usable, json_bytes) = checked?;
    let input = [("bench.m3u".to_owned(), text.clone().into_bytes())];
    let (build, report) = time(runs, || lineup::build(&input));
    let (render, _) = time(runs, || lineup_check::render_json(&report, &mut io::sink()));
    println!(
        "lineup check --json (read+parse+merge+JSON+drop): {full}\n  of which parse+merge {build}, JSON {render}"
    );
    println!(
        "  channels {}, warnings {}, errors {}, usable {usable}, JSON {:.1} MB",
        report.lineup.channels.len(),
        report.warnings.len(),
        report.errors.len(),
        json_bytes as f64 / 1e6
    );

    let small = entries.min(10_000);
    let small_text = playlist(small);
    let small_input = [("small.m3u".to_owned(), small_text.clone().into_bytes())];
    let (ours, r) = time(runs, || lineup::build(&small_input));
    let (base, b) = time(runs.min(3), || naive(&small_text));
    println!(
        "naive baseline on {small} entries: {base} ({} channels) vs zapbox parse+merge {ours} ({} channels): \
         zapbox is {:.0}x faster",
        b.len(),
        r.lineup.channels.len(),
        base.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9)
    );
    Ok(())
}
