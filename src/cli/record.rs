// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox record`: record a multicast, RTP or HLS channel for some seconds without the UI (integrators,
//! tests), and `zapbox record --resume`: pick up the recordings a crash or power cut interrupted.
//! Argument handling and output only: loading is `net::lineup_load`, recording
//! `player::record`. Joins the channel's group on this machine's network like the player does.
//!
//! Exit status: 0 when every recording ran to its end; 1 when nothing could be recorded (or a
//! resumed channel sent nothing: it stays in progress for the next `--resume`); 2 on bad usage;
//! 3 when a recording stopped early (disk full, write error), its folder keeping what was written.

use crate::lineup::{Channel, Lineup};
use crate::net::http::HttpLimits;
use crate::net::lineup_load::load_lineup;
use crate::player::record::{Recorded, State, record, resume_all};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `zapbox record URL | --playlist FILE... --channel N  --seconds S --out DIR`.
#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct RecordArgs {
    /// A stream URL to record (udp://@group:port, rtp://…), instead of --channel.
    #[arg(value_name = "URL", conflicts_with = "channel")]
    pub url: Option<String>,
    /// The channel to record: its number or tvg-id in the --playlist lineup.
    #[arg(long, value_name = "NUMBER|TVG-ID", requires = "playlist")]
    pub channel: Option<String>,
    /// Playlist files or http(s) URLs (merged in order) that --channel refers to; may be repeated.
    #[arg(long, value_name = "PLAYLIST")]
    pub playlist: Vec<String>,
    /// How long to record, from the first data received.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400), required_unless_present = "resume")]
    pub seconds: Option<u64>,
    /// Instead of a new recording: record on every recording in --out that a crash or power cut
    /// interrupted (a new segment until its planned end, the time away written as a gap).
    #[arg(long, conflicts_with_all = ["url", "channel", "seconds"])]
    pub resume: bool,
    /// Directory that receives one folder per recording (stream.ts and recording.json).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print the sidecar (recording.json) with the folder instead of the folder only.
    #[arg(long)]
    pub json: bool,
}

/// Records; exit status 0 with the recording's folder, 1 when nothing could be recorded, 2 on
/// bad usage.
pub fn run(args: &RecordArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.resume {
        return resume(args, out, err);
    }
    let Some(seconds) = args.seconds else {
        writeln!(err, "zapbox record: give --seconds")?;
        return Ok(ExitCode::from(2));
    };
    let channel = match pick(args) {
        Ok(c) => c,
        Err(why) => {
            writeln!(err, "zapbox record: {why}")?;
            return Ok(ExitCode::from(2));
        }
    };
    match record(&channel, seconds, &args.out, None) {
        Ok(done) => {
            if args.json {
                writeln!(out, "{}", document(&done))?;
            } else {
                writeln!(out, "{}", done.folder.display())?;
            }
            Ok(status(&done, err)?)
        }
        Err(e) => {
            writeln!(err, "zapbox record: {e}")?;
            Ok(ExitCode::from(1))
        }
    }
}

/// `--resume`: every interrupted recording in --out, one line (or JSON object) each.
fn resume(args: &RecordArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut worst = ExitCode::SUCCESS;
    let mut docs = Vec::new();
    for (folder, result) in resume_all(&args.out, None) {
        match result {
            Ok(done) => {
                if args.json {
                    docs.push(document(&done));
                } else {
                    writeln!(out, "{}", done.folder.display())?;
                }
                let code = status(&done, err)?;
                if code != ExitCode::SUCCESS {
                    worst = code;
                }
            }
            Err(e) => {
                writeln!(err, "zapbox record: {}: {e}", folder.display())?;
                worst = ExitCode::from(1);
            }
        }
    }
    if args.json {
        writeln!(out, "{}", serde_json::Value::Array(docs))?;
    }
    Ok(worst)
}

fn document(done: &Recorded) -> serde_json::Value {
    serde_json::json!({ "folder": done.folder, "recording": done.sidecar })
}

/// 0 for a recording that ran to its end; 3, with the notice, for one the disk stopped.
fn status(done: &Recorded, err: &mut dyn Write) -> std::io::Result<ExitCode> {
    let why = match done.sidecar.state {
        State::Complete | State::Recording => return Ok(ExitCode::SUCCESS),
        State::DiskFull => "the disk is full",
        State::WriteFailed => "a write failed",
    };
    writeln!(
        err,
        "zapbox record: {why}: the recording stopped after {:.0} s; {} keeps the {} bytes written",
        done.sidecar.seconds,
        done.folder.display(),
        done.sidecar.bytes
    )?;
    Ok(ExitCode::from(3))
}

/// The channel named by the arguments: the URL as a one-channel lineup, or --channel in the playlists.
fn pick(args: &RecordArgs) -> Result<Channel, String> {
    let lineup = match (&args.url, &args.channel) {
        (Some(url), _) => {
            let list = format!("#EXTINF:-1,{url}\n{url}\n");
            let report = crate::lineup::build(&[("URL".into(), list.into_bytes())]);
            if let Some(p) = report.warnings.iter().chain(&report.errors).next() {
                return Err(p.message.clone());
            }
            report.lineup
        }
        (None, Some(_)) => load_lineup(&args.playlist, None, &HttpLimits::default()).lineup,
        (None, None) => return Err("give a stream URL or --channel with --playlist".into()),
    };
    let wanted = args.channel.as_deref().unwrap_or("1");
    find(&lineup, wanted)
        .cloned()
        .ok_or_else(|| format!("no channel '{wanted}' in the lineup (give its number or tvg-id)"))
}

fn find<'a>(lineup: &'a Lineup, key: &str) -> Option<&'a Channel> {
    match key.trim().parse::<u32>() {
        Ok(number) => lineup.by_number(number),
        Err(_) => lineup.channels.iter().find(|c| c.tvg_id.as_deref() == Some(key)),
    }
}
