// SPDX-License-Identifier: GPL-3.0-or-later
//! Catch-up end to end: `zapbox catchup` as an integrator runs it (the real binary, a playlist
//! file, the process's `TZ`). Run: `cargo test --test catchup`.

use std::process::{Command, Output};

type Case = fn() -> Result<(), String>;

fn main() {
    let cases: Vec<(&str, Case)> = vec![
        (
            "catchup prints the xc archive URL in the TZ zone",
            cli_text_in_local_time,
        ),
        ("catchup --json gives the url and the template's facts", cli_json),
        (
            "catchup applies tvg-shift and catchup-correction",
            cli_shift_and_correction,
        ),
        ("catchup refuses with a reason and exit status 1", cli_refusals),
        ("catchup rejects a bad time with exit status 2", cli_bad_usage),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = 0;
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match case() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

const PLAYLIST: &str = r#"#EXTM3U
#EXTINF:-1 tvg-id="one.xc" tvg-chno="1" catchup="xc",One
http://xc.example:8080/live/user/pass/1477.m3u8
#EXTINF:-1 tvg-id="two" tvg-chno="2" tvg-shift="1" catchup="default" catchup-days="3" catchup-correction="-0.5" catchup-source="https://arc.example/two?start={utc}&end={utcend}&day={utc:Ymd}",Two
https://live.example/two.m3u8
#EXTINF:-1 tvg-id="three" tvg-chno="3",Three
udp://@239.1.1.3:5000
"#;

/// Central European time as a POSIX rule, so the test needs no zone files.
const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

fn catchup(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let list = dir.path().join("list.m3u");
    std::fs::write(&list, PLAYLIST).expect("the playlist is written");
    Command::new(env!("CARGO_BIN_EXE_zapbox"))
        .arg("catchup")
        .arg(&list)
        .args(args)
        .env("TZ", BERLIN)
        .output()
        .expect("zapbox runs")
}

fn expect(out: &Output, code: i32, stdout: &str, stderr_has: &str) -> Result<(), String> {
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if out.status.code() != Some(code) || o != stdout || !e.contains(stderr_has) {
        return Err(format!(
            "exit {:?}, stdout {o:?}, stderr {e:?}",
            out.status.code()
        ));
    }
    Ok(())
}

const NOW: &str = "2026-12-06T23:00:00Z";
const XC_URL: &str = "http://xc.example:8080/timeshift/user/pass/90/2026-12-06:21-15/1477.m3u8\n";

fn cli_text_in_local_time() -> Result<(), String> {
    // 20:15 UTC is 21:15 in Berlin; {duration:60} of 5400 s is 90 minutes.
    let at = ["--channel", "1", "--duration", "5400", "--now", NOW];
    expect(
        &catchup(&[&at[..], &["--start", "2026-12-06T20:15:00Z"]].concat()),
        0,
        XC_URL,
        "",
    )?;
    // The same start given as local time, and the channel by its tvg-id.
    let local = [
        "--channel",
        "one.xc",
        "--duration",
        "5400",
        "--now",
        NOW,
        "--start",
        "2026-12-06T21:15:00",
    ];
    expect(&catchup(&local), 0, XC_URL, "")
}

fn cli_json() -> Result<(), String> {
    let out = catchup(&[
        "--channel",
        "1",
        "--start",
        "2026-12-06T20:15:00Z",
        "--duration",
        "5400",
        "--now",
        NOW,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {out:?}"))?;
    let want = serde_json::json!({
        "url": XC_URL.trim_end(), "channel": 1, "mode": "xc", "granularity_s": 60, "terminates": true
    });
    if v != want || out.status.code() != Some(0) {
        return Err(format!("{v} ({:?})", out.status.code()));
    }
    Ok(())
}

fn cli_shift_and_correction() -> Result<(), String> {
    // The guide shows 21:00+01:00 (20:00Z) with tvg-shift +1 h: the provider's clock says 19:00Z,
    // and catchup-correction -0.5 h moves it to 19:30Z. The day is local (Berlin).
    let out = catchup(&[
        "--channel",
        "TWO",
        "--start",
        "2026-12-06T21:00:00+01:00",
        "--duration",
        "3600",
        "--now",
        NOW,
    ]);
    expect(
        &out,
        0,
        "https://arc.example/two?start=1796585400&end=1796589000&day=20261206\n",
        "",
    )
}

fn cli_refusals() -> Result<(), String> {
    let base = ["--duration", "600", "--now", NOW];
    let no_catchup = catchup(&[&base[..], &["--channel", "3", "--start", "2026-12-06T20:00:00Z"]].concat());
    expect(&no_catchup, 1, "", "channel 3 (Three) has no catch-up")?;
    let old = catchup(&[&base[..], &["--channel", "2", "--start", "2026-12-02T00:00:00Z"]].concat());
    expect(
        &old,
        1,
        "",
        "outside its 3-day archive (the oldest start is 2026-12-03T23:00:00Z)",
    )?;
    let future = catchup(&[&base[..], &["--channel", "2", "--start", "2026-12-07T20:00:00Z"]].concat());
    expect(&future, 1, "", "not in the past yet")?;
    let unknown = catchup(&[&base[..], &["--channel", "99", "--start", "2026-12-06T20:00:00Z"]].concat());
    expect(&unknown, 1, "", "no channel '99'")?;
    let json = catchup(
        &[
            &base[..],
            &["--channel", "3", "--start", "2026-12-06T20:00:00Z", "--json"],
        ]
        .concat(),
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).map_err(|e| e.to_string())?;
    if v["url"] != serde_json::Value::Null || !v["error"].as_str().is_some_and(|e| e.contains("no catch-up"))
    {
        return Err(format!("{v}"));
    }
    Ok(())
}

fn cli_bad_usage() -> Result<(), String> {
    let out = catchup(&["--channel", "1", "--start", "yesterday", "--duration", "60"]);
    expect(&out, 2, "", "--start 'yesterday' is not an ISO 8601 time")?;
    let out = catchup(&[
        "--channel",
        "1",
        "--start",
        "2026-12-06T20:15:00Z",
        "--duration",
        "0",
    ]);
    expect(&out, 2, "", "--duration")
}
