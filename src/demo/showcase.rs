// SPDX-License-Identifier: GPL-3.0-or-later
//! Generated lineups and guides of any size, for screenshots and the UI benchmark: channels in
//! groups with a guide of varied programme lengths, ingested through the real XMLTV path.

use crate::core::GuideHandle;
use crate::epg::{BuildOptions, GuideSource, IngestOptions};
use crate::guide::{Guide, GuideOverrides};
use crate::lineup::Lineup;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

const GROUPS: [&str; 6] = ["News", "Sport", "Movies", "Kids", "Music", "Documentary"];
const NAMES: [&str; 12] = [
    "Zap One",
    "Bars News",
    "Pinwheel Kids",
    "Zone Sport",
    "Spokes Music",
    "Circle Cinema",
    "Snow Docs",
    "Gradient 24",
    "Checkers Plus",
    "Blink Live",
    "Smpte World",
    "Ball Action",
];
/// Titles besides the demo guide's own (`guide::SHOWS`).
const MORE_TITLES: [&str; 8] = [
    "The Weather in Colour",
    "Quiz of Lines",
    "Cooking with Gradients",
    "Match of the Pixel",
    "Cartoon Spokes",
    "Cinema: The Zone Plate",
    "Headlines",
    "Music Charts",
];
/// Programme lengths the generator cycles through, in minutes.
const LENGTHS_MIN: [i64; 7] = [30, 60, 45, 90, 30, 120, 15];

/// `n` channels: numbered 1..=n, spread over groups, multicast sources, guide ids `chN.demo`.
pub fn playlist(n: usize) -> String {
    let mut m3u = String::from("#EXTM3U\n");
    for i in 0..n {
        let name = if i < NAMES.len() {
            NAMES[i].to_string()
        } else {
            format!("{} {}", NAMES[i % NAMES.len()], i / NAMES.len() + 1)
        };
        let _ = writeln!(
            m3u,
            "#EXTINF:-1 tvg-id=\"ch{}.demo\" tvg-chno=\"{}\" group-title=\"{}\",{name}\nudp://@239.255.{}.{}:5000",
            i + 1,
            i + 1,
            GROUPS[i % GROUPS.len()],
            (i / 250) % 256,
            i % 250 + 1
        );
    }
    m3u
}

/// The lineup of [`playlist`].
pub fn lineup(n: usize) -> Lineup {
    crate::lineup::build(&[("showcase.m3u".to_string(), playlist(n).into_bytes())]).lineup
}

/// Writes XMLTV for `channels` channels over `days` days from `start_s` (aligned to the hour).
pub fn write_guide(out: &mut dyn Write, channels: usize, start_s: i64, days: i64) -> std::io::Result<()> {
    let start = start_s.div_euclid(3600) * 3600;
    let end = start + days * 86_400;
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"zapbox showcase\">"
    )?;
    for c in 1..=channels {
        writeln!(
            out,
            "<channel id=\"ch{c}.demo\"><display-name>Channel {c}</display-name></channel>"
        )?;
    }
    for c in 0..channels {
        let mut t = start;
        let mut k = c;
        while t < end {
            let length = LENGTHS_MIN[k % LENGTHS_MIN.len()] * 60;
            let title = title((k * 7 + c) % (super::guide::SHOWS.len() + MORE_TITLES.len()));
            // Channel 2's programmes name their episode for a `vod` archive.
            let catchup_id = if c == 1 {
                format!(" catchup-id=\"ep-{t}\"")
            } else {
                String::new()
            };
            writeln!(
                out,
                "<programme start=\"{}\" stop=\"{}\" channel=\"ch{}.demo\"{catchup_id}><title>{title}</title><desc>{title}: episode {} of a generated series, for the guide on channel {}.</desc><category>{}</category></programme>",
                super::guide::xmltv_time(t),
                super::guide::xmltv_time(t + length),
                c + 1,
                k % 40 + 1,
                c + 1,
                GROUPS[c % GROUPS.len()],
            )?;
            t += length;
            k += 1;
        }
    }
    writeln!(out, "</tv>")
}

fn title(n: usize) -> &'static str {
    super::guide::SHOWS
        .iter()
        .chain(&MORE_TITLES)
        .nth(n)
        .copied()
        .unwrap_or("Test Card")
}

/// Generates a guide for `lineup` in `dir` (XMLTV, then the index) and loads it.
pub fn guide(lineup: &Lineup, dir: &Path, start_s: i64, days: i64) -> Result<GuideHandle> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let xml = dir.join("showcase.xml");
    let file = std::fs::File::create(&xml).with_context(|| format!("creating {}", xml.display()))?;
    let mut out = BufWriter::new(file);
    write_guide(&mut out, lineup.channels.len(), start_s - 3 * 3600, days)?;
    out.flush()?;
    drop(out);
    let index_dir = dir.join("index");
    let options = IngestOptions {
        build: BuildOptions {
            built_at: Some(start_s),
            ..BuildOptions::default()
        },
        ..IngestOptions::default()
    };
    let source = GuideSource::new(xml.to_string_lossy());
    crate::epg::ingest(&[source], &index_dir, &options).context("ingesting the generated guide")?;
    let index = crate::epg::index::load(&index_dir).context("loading the generated guide")?;
    Ok(GuideHandle::new(Guide::new(
        index,
        lineup,
        &GuideOverrides::new(),
    )))
}
