// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox epg ingest|now`: argument parsing, exit status and the JSON documents integrators read.

use super::fixture;
use clap::Parser;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::ExitCode;
use zapbox::cli::epg::{EpgArgs, EpgCommand, run};

/// How `main.rs` embeds the subcommand.
#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    epg: EpgCommand,
}

fn parse(args: &[&str]) -> EpgArgs {
    let cli =
        Cli::try_parse_from(std::iter::once("epg").chain(args.iter().copied())).expect("valid arguments");
    EpgArgs { command: cli.epg }
}

fn run_json(args: &[&str]) -> (ExitCode, Value) {
    let mut out = Vec::new();
    let code = run(parse(args), &mut out).expect("runs");
    let json =
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)));
    (code, json)
}

fn path(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

#[test]
fn ingest_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().to_string_lossy().into_owned();
    let (basic, bad) = (path("basic.xml"), path("bad_times.xml"));
    let (code, json) = run_json(&[
        "ingest",
        &basic,
        &bad,
        "--index",
        &index,
        "--at",
        "2026-11-22T18:00:00Z",
        "--json",
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let keys: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = [
        "bytes",
        "channels",
        "expired",
        "first_start",
        "last_stop",
        "programmes",
        "seconds",
        "skipped",
        "warnings",
    ];
    assert_eq!(keys, expected.into_iter().collect());
    assert_eq!(json["channels"], 4);
    assert_eq!(json["programmes"], 14);
    assert_eq!(json["first_start"], "2026-11-22T18:00:00Z");
    assert_eq!(json["last_stop"], "2026-11-22T22:30:00Z");
    let size = |p: &str| std::fs::metadata(p).unwrap().len();
    assert_eq!(json["bytes"].as_u64(), Some(size(&basic) + size(&bad)));
    assert!(json["seconds"].as_f64().is_some_and(|s| s >= 0.0));
    let warnings = json["warnings"].as_array().unwrap();
    for w in warnings {
        let keys: BTreeSet<&str> = w.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["line", "message", "source"].into_iter().collect());
    }
    assert!(
        warnings
            .iter()
            .any(|w| w["source"] == bad.as_str() && w["line"] == 4),
        "{warnings:?}"
    );
}

#[test]
fn now_json_shape_and_times_in_utc() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().to_string_lossy().into_owned();
    let basic = path("basic.xml");
    let (code, _) = run_json(&[
        "ingest",
        &basic,
        "--index",
        &index,
        "--at",
        "2026-11-22T18:00:00Z",
        "--json",
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let (code, json) = run_json(&["now", "--index", &index, "--at", "2026-11-22T18:50:00Z", "--json"]);
    assert_eq!(code, ExitCode::SUCCESS);
    let channels = json["channels"].as_array().unwrap();
    let ids: Vec<&str> = channels.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["bbcone.uk", "arte.fr", "kika.de"]);
    assert_eq!(
        channels[1]["now"],
        serde_json::json!({"title": "28 minutes", "start": "2026-11-22T18:45:00Z", "stop": "2026-11-22T19:15:00Z"})
    );
    assert_eq!(channels[2]["next"]["title"], "Löwenzahn");
    let (_, late) = run_json(&["now", "--index", &index, "--at", "2026-11-23T12:00:00Z", "--json"]);
    assert_eq!(late["channels"][0]["now"], Value::Null);
    assert_eq!(late["channels"][0]["next"], Value::Null);
}

#[test]
fn ingest_with_lineup_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().to_string_lossy().into_owned();
    let (basic, lineup) = (path("basic.xml"), path("lineup.m3u"));
    let args = [
        "ingest",
        &basic,
        "--lineup",
        &lineup,
        "--index",
        &index,
        "--at",
        "2026-11-22T20:00:00Z",
        "--keep-past-hours",
        "1",
        "--json",
    ];
    let (_, json) = run_json(&args);
    assert_eq!(json["channels"], 2);
    assert_eq!(json["skipped"], 2);
    // Ended by 19:00: the two BBC programmes and the Arte Journal.
    assert_eq!(json["expired"], 3);
    assert_eq!(json["programmes"], 5);
}

#[test]
fn failures_exit_1_and_bad_usage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().to_string_lossy().into_owned();
    let (code, json) = run_json(&["ingest", "/nonexistent/guide.xml", "--index", &index, "--json"]);
    assert_eq!(code, ExitCode::from(1));
    assert_eq!(json["programmes"], 0);
    assert_eq!(json["warnings"][0]["source"], "/nonexistent/guide.xml");
    assert!(
        Cli::try_parse_from(["epg", "ingest"]).is_err(),
        "a source is required"
    );
    assert!(Cli::try_parse_from(["epg", "ingest", "a.xml", "--offset-minutes", "-90"]).is_ok());
    let err = run(
        parse(&["now", "--index", &index, "--at", "yesterday"]),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("RFC 3339"), "{err:#}");
    let err = run(parse(&["now", "--index", &index]), &mut Vec::new()).unwrap_err();
    assert!(
        format!("{err:#}").contains("run `zapbox epg ingest` first"),
        "{err:#}"
    );
}

#[test]
fn text_output_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().to_string_lossy().into_owned();
    let basic = path("basic.xml");
    let mut out = Vec::new();
    run(
        parse(&[
            "ingest",
            &basic,
            "--index",
            &index,
            "--at",
            "2026-11-22T18:00:00Z",
        ]),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("3 channels, 10 programmes from 2026-11-22T18:00:00Z"),
        "{text}"
    );
    let mut out = Vec::new();
    run(
        parse(&["now", "--index", &index, "--at", "2026-11-22T18:50:00Z"]),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("18:30-19:00 The One Show"), "{text}");
}
