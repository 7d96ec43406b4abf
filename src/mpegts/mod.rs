// SPDX-License-Identifier: GPL-3.0-or-later
//! MPEG-TS receive path, pure half: RTP depacketising and reordering, packet
//! alignment, PSI (PAT/PMT, generic sections), DVB EIT, random-access detection and
//! the per-channel packet ring that feeds the player and later taps.
//!
//! Bytes in, facts out: nothing here may depend on GStreamer, sockets, clocks or the
//! filesystem, and nothing may panic on network input.

pub mod arrivals;
pub mod build;
pub mod captions;
pub mod dvbsub;
pub mod eit;
pub mod framer;
pub mod keyframe;
pub mod packet;
pub mod pes;
pub mod program;
pub mod psi;
pub mod reorder;
pub mod ring;
pub mod rtp;
pub mod stats;
pub mod subtitles;
pub mod survey;
pub mod synth;
pub mod tables;
pub mod teletext;
pub mod trick;

pub use arrivals::Arrivals;
pub use framer::Framer;
pub use keyframe::KeyframeDetector;
pub use packet::{AdaptationField, TS_PACKET_SIZE, TsPacket};
pub use psi::{Section, SectionAssembler};
pub use reorder::{RtpReorder, RtpStats};
pub use ring::{Cursor, FellBehind, Stats, TsRing};
pub use rtp::{Datagram, RtpHeader, RtpPacket};
pub use tables::{
    AudioCodec, AudioKind, ElementaryStream, Language, Pat, Pmt, StreamKind, SubtitleFormat, SubtitleTrack,
    VideoCodec,
};
