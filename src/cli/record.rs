// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox record`: record a multicast/RTP channel for some seconds without the UI (integrators,
//! tests). Argument handling and output only: loading is `net::lineup_load`, recording
//! `player::record`. Joins the channel's group on this machine's network like the player does.

use crate::lineup::{Channel, Lineup};
use crate::net::http::HttpLimits;
use crate::net::lineup_load::load_lineup;
use crate::player::record::record;
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
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub seconds: u64,
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
    let channel = match pick(args) {
        Ok(c) => c,
        Err(why) => {
            writeln!(err, "zapbox record: {why}")?;
            return Ok(ExitCode::from(2));
        }
    };
    match record(&channel, args.seconds, &args.out, None) {
        Ok(done) if args.json => {
            let doc = serde_json::json!({ "folder": done.folder, "recording": done.sidecar });
            writeln!(out, "{doc}")?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(done) => {
            writeln!(out, "{}", done.folder.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(err, "zapbox record: {e}")?;
            Ok(ExitCode::from(1))
        }
    }
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
