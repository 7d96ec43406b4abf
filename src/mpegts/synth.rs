// SPDX-License-Identifier: GPL-3.0-or-later
//! A synthetic single-program transport stream (PAT, PMT, H.264 video with PCR and
//! periodic IDR frames, MPEG audio with a language) for tests and benchmarks.
//!
//! Owns stream layout only; must not depend on parsing code (it is the independent
//! reference the parsers are checked against).

use super::build::{PesFlags, StreamSpec, StreamWriter, h264_access_unit, language_descriptor};
use super::build::{pat_section, pmt_section};
use super::packet::{PCR_HZ, PID_PAT, TS_PACKET_SIZE};

/// Frames per second of the synthetic video.
pub const FPS: u64 = 25;

/// Generator of a PAT/PMT/video/audio program with stable PIDs.
#[derive(Clone, Debug)]
pub struct SyntheticProgram {
    pat: StreamWriter,
    pmt: StreamWriter,
    video: StreamWriter,
    audio: StreamWriter,
    frame: u64,
    gop: u64,
    frame_size: usize,
}

impl SyntheticProgram {
    /// program_number.
    pub const PROGRAM: u16 = 1;
    /// PMT PID.
    pub const PMT_PID: u16 = 0x100;
    /// H.264 video PID (also the PCR PID).
    pub const VIDEO_PID: u16 = 0x101;
    /// MPEG audio PID (language "deu").
    pub const AUDIO_PID: u16 = 0x102;

    /// A program with an IDR every `gop` frames of about `frame_size` bytes each.
    pub fn new(gop: u64, frame_size: usize) -> Self {
        Self {
            pat: StreamWriter::new(PID_PAT, 0),
            pmt: StreamWriter::new(Self::PMT_PID, 0),
            video: StreamWriter::new(Self::VIDEO_PID, 0),
            audio: StreamWriter::new(Self::AUDIO_PID, 0),
            frame: 0,
            gop: gop.max(1),
            frame_size,
        }
    }

    /// Frames generated so far.
    pub fn frames(&self) -> u64 {
        self.frame
    }

    /// Appends one PAT and one PMT.
    pub fn psi(&mut self, out: &mut Vec<[u8; TS_PACKET_SIZE]>) {
        let pat = pat_section(1, 0, &[(Self::PROGRAM, Self::PMT_PID)]);
        self.pat.section(&pat, out);
        let streams = [
            StreamSpec::new(0x1b, Self::VIDEO_PID),
            StreamSpec::with(0x03, Self::AUDIO_PID, language_descriptor(&[(*b"deu", 0)])),
        ];
        let pmt = pmt_section(Self::PROGRAM, 0, Self::VIDEO_PID, &streams);
        self.pmt.section(&pmt, out);
    }

    /// Appends one frame: PSI before every IDR, the video PES (PCR on its first
    /// packet) and a small audio PES. Returns true if the frame was an IDR.
    pub fn frame(&mut self, out: &mut Vec<[u8; TS_PACKET_SIZE]>) -> bool {
        let keyframe = self.frame.is_multiple_of(self.gop);
        if keyframe {
            self.psi(out);
        }
        let pcr = Some(self.frame * PCR_HZ / FPS);
        let au = h264_access_unit(keyframe, self.frame_size);
        self.video.pes(
            0xe0,
            &au,
            PesFlags {
                random_access: false,
                pcr,
            },
            out,
        );
        self.audio.pes(
            0xc0,
            &[0xff, 0xfb, 0x90, 0x00, 0x55, 0x55],
            PesFlags::default(),
            out,
        );
        self.frame += 1;
        keyframe
    }

    /// `frames` frames as one byte vector.
    pub fn bytes(&mut self, frames: u64) -> Vec<u8> {
        let mut packets = Vec::new();
        for _ in 0..frames {
            self.frame(&mut packets);
        }
        packets.concat()
    }
}
