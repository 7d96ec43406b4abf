// SPDX-License-Identifier: GPL-3.0-or-later
//! Closed captions for the demo's subtitled channel: CEA-608 pop-on captions on CC1, put
//! into the loop's H.264 access units as A/53 SEI messages, as a broadcaster's caption
//! encoder does. One field-1 byte pair per frame (the line-21 rate), timed so that each
//! caption's end-of-caption code lands on the frame of its cue; the erase code on the frame
//! where it ends.
//!
//! Each video PES gets its SEI before its first slice and is packetised again (same PES
//! header, same PCR and random-access flags in its first packet, continuity counters
//! renumbered); the other PIDs' packets are kept as they are.

use anyhow::{Context, Result};

use crate::mpegts::build::{PacketSpec, ts_packet};
use crate::mpegts::captions::cea608::{erase, pop_on};
use crate::mpegts::captions::sei::{CcPair, CcType, h264_caption_sei};
use crate::mpegts::packet::{TS_PACKET_SIZE, TsPacket};
use crate::mpegts::pes::{PTS_HZ, Pes};

/// One caption of the loop: shown from `from_s` to `to_s` (seconds into the loop).
pub struct CaptionCue {
    pub from_s: f64,
    pub to_s: f64,
    pub lines: &'static [&'static str],
}

/// The loop's captions (English, CC1).
pub const CAPTIONS: [CaptionCue; 2] = [
    CaptionCue {
        from_s: 1.0,
        to_s: 4.0,
        lines: &["These are closed captions"],
    },
    CaptionCue {
        from_s: 5.6,
        to_s: 9.0,
        lines: &["CEA-608 on CC1,", "in the video's SEI"],
    },
];

type Packet = [u8; TS_PACKET_SIZE];

/// The field-1 pair each frame carries (`None`: padding), at `fps` frames a second.
fn schedule(frames: usize, fps: u32) -> Vec<Option<[u8; 2]>> {
    let mut plan = vec![None; frames];
    let last = frames.saturating_sub(1);
    let frame_of = |s: f64| ((s * f64::from(fps)).round() as usize).min(last);
    for cue in &CAPTIONS {
        // The caption's end (EOC, sent twice) from the cue's frame, the rest before it.
        let pairs = pop_on(cue.lines);
        let end = (frame_of(cue.from_s) + 1).min(last);
        let start = end + 1 - pairs.len().min(end + 1);
        for (slot, pair) in plan[start..=end].iter_mut().zip(pairs) {
            *slot = Some(pair);
        }
        let erase_at = frame_of(cue.to_s);
        for (slot, pair) in plan[erase_at..].iter_mut().zip(erase()) {
            *slot = Some(pair);
        }
    }
    plan
}

/// `packets` with CC1 captions in the SEI of the H.264 stream on `video` (25 frames/s).
pub fn add_captions(packets: &[Packet], video: u16, fps: u32) -> Result<Vec<Packet>> {
    // Video PES boundaries: the packet indices where each starts.
    let starts: Vec<usize> = packets
        .iter()
        .enumerate()
        .filter(|(_, p)| TsPacket::from_array(p).is_some_and(|t| t.pid() == video && t.pusi()))
        .map(|(i, _)| i)
        .collect();
    let first_pts = starts
        .first()
        .and_then(|&i| Pes::parse(TsPacket::from_array(&packets[i])?.payload())?.pts)
        .context("the loop's video has no PTS")?;
    let plan = schedule(starts.len(), fps);
    let mut out = Vec::with_capacity(packets.len() + starts.len());
    let mut cc = None::<u8>;
    let mut pes: Vec<u8> = Vec::new();
    let mut first_spec = PacketSpec::default();
    let flush = |pes: &mut Vec<u8>, spec: PacketSpec, cc: &mut Option<u8>, out: &mut Vec<Packet>| {
        if pes.is_empty() {
            return;
        }
        let with_sei = insert_sei(pes, first_pts, fps, &plan).unwrap_or_else(|| pes.clone());
        let mut data = with_sei.as_slice();
        let mut spec = PacketSpec { pusi: true, ..spec };
        while !data.is_empty() {
            let next = cc.map_or(0, |c| (c + 1) & 0x0f);
            *cc = Some(next);
            let (p, used) = ts_packet(&PacketSpec { cc: next, ..spec }, data);
            out.push(p);
            data = &data[used..];
            spec = PacketSpec {
                pid: spec.pid,
                ..PacketSpec::default()
            };
        }
        pes.clear();
    };
    for p in packets {
        let Some(t) = TsPacket::from_array(p).filter(|t| t.pid() == video) else {
            out.push(*p);
            continue;
        };
        if t.pusi() {
            flush(&mut pes, first_spec, &mut cc, &mut out);
            let af = t.adaptation();
            first_spec = PacketSpec {
                pid: video,
                random_access: af.as_ref().is_some_and(|a| a.random_access),
                discontinuity: t.discontinuity(),
                pcr: t.pcr(),
                ..PacketSpec::default()
            };
        }
        if !pes.is_empty() || t.pusi() {
            pes.extend_from_slice(t.payload());
        }
    }
    flush(&mut pes, first_spec, &mut cc, &mut out);
    Ok(out)
}

/// The PES with the SEI of its frame before its first slice; `None` when it has none.
fn insert_sei(pes: &[u8], first_pts: u64, fps: u32, plan: &[Option<[u8; 2]>]) -> Option<Vec<u8>> {
    let parsed = Pes::parse(pes)?;
    let pts = parsed.pts?;
    let ticks = pts.wrapping_sub(first_pts) % (1 << 33);
    let frame = (ticks * u64::from(fps) + PTS_HZ / 2) / PTS_HZ;
    let pair = (*plan.get(usize::try_from(frame).ok()?)?)?;
    let sei = h264_caption_sei(&[CcPair {
        kind: CcType::Field1,
        data: pair,
    }]);
    let es_start = pes.len() - parsed.data.len();
    let es = parsed.data;
    // Before the first slice NAL (types 1 and 5).
    let slice = (0..es.len().saturating_sub(3))
        .find(|&i| es[i..i + 3] == [0, 0, 1] && matches!(es[i + 3] & 0x1f, 1 | 5))?;
    let at = es_start
        + if slice > 0 && es[slice - 1] == 0 {
            slice - 1
        } else {
            slice
        };
    let mut out = Vec::with_capacity(pes.len() + sei.len());
    out.extend_from_slice(&pes[..at]);
    out.extend_from_slice(&sei);
    out.extend_from_slice(&pes[at..]);
    let declared = usize::from(u16::from_be_bytes([out[4], out[5]]));
    if declared != 0 {
        let grown = declared + sei.len();
        let length = u16::try_from(grown).unwrap_or(0);
        out[4..6].copy_from_slice(&length.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{h264_access_unit, pes_with_pts};
    use crate::mpegts::captions::{CaptionDecoder, Channel, VideoSyntax};
    use crate::mpegts::packet::PCR_HZ;

    /// Ten seconds of H.264 at 25 frames/s from PTS 900000, a PCR on each frame's first
    /// packet, with a bounded PES per frame.
    fn video_loop(video: u16) -> Vec<Packet> {
        let mut out = Vec::new();
        let mut cc = 0u8;
        for frame in 0..250u64 {
            let pts = 900_000 + frame * PTS_HZ / 25;
            let pes = pes_with_pts(0xe0, pts, &h264_access_unit(frame % 25 == 0, 1500));
            let mut data = pes.as_slice();
            let mut spec = PacketSpec {
                pid: video,
                pusi: true,
                random_access: frame % 25 == 0,
                pcr: Some(frame * PCR_HZ / 25),
                ..PacketSpec::default()
            };
            while !data.is_empty() {
                let (p, used) = ts_packet(&PacketSpec { cc, ..spec }, data);
                cc = (cc + 1) & 0x0f;
                out.push(p);
                data = &data[used..];
                spec = PacketSpec {
                    pid: video,
                    ..PacketSpec::default()
                };
            }
        }
        out
    }

    /// The loop's video with captions: CC1 decodes to both cues at their times, the counters
    /// run on and the clock is kept.
    #[test]
    fn the_loop_carries_cc1_at_the_cue_times() {
        let video = 0x101;
        let packets = video_loop(video);
        let out = add_captions(&packets, video, 25).expect("captions added");
        let mut decoder = CaptionDecoder::new(VideoSyntax::H264, Channel::new(1));
        let mut screens = Vec::new();
        let mut first_pts = None;
        let mut on_screen =
            |pts: Option<u64>, s: &crate::mpegts::captions::Screen| screens.push((pts.unwrap(), s.text()));
        let mut last_cc = None;
        for p in out.iter().filter_map(TsPacket::from_array) {
            if p.pid() == video {
                if let Some(last) = last_cc {
                    assert_eq!(p.continuity_counter(), (last + 1) & 0x0f, "counters in sequence");
                }
                last_cc = Some(p.continuity_counter());
                if first_pts.is_none() && p.pusi() {
                    first_pts = Pes::parse(p.payload()).and_then(|pes| pes.pts);
                }
                decoder.push_packet(&p, &mut on_screen);
            }
        }
        decoder.flush(&mut on_screen);
        let first = first_pts.unwrap();
        let got: Vec<(f64, &str)> = screens
            .iter()
            .map(|(pts, t)| ((pts - first) as f64 / PTS_HZ as f64, t.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1.0, "These are closed captions"),
                (4.0, ""),
                (5.6, "CEA-608 on CC1,\nin the video's SEI"),
                (9.0, "")
            ]
        );
        assert_eq!(decoder.channels(), [Channel::new(1).unwrap()]);
        let pcrs = |ps: &[Packet]| {
            ps.iter()
                .filter_map(|p| TsPacket::from_array(p)?.pcr())
                .collect::<Vec<_>>()
        };
        assert_eq!(pcrs(&packets), pcrs(&out), "the clock is kept");
    }
}
