// SPDX-License-Identifier: GPL-3.0-or-later
//! Closed captions carried in the video stream (ATSC A/53: CEA-608 line-21 pairs and
//! CEA-708 DTVCC packets in H.264/H.265 SEI or MPEG-2 user data), read from the transport
//! stream in pure Rust: no caption PID and no PMT entry announce them, and Yocto's GStreamer
//! may lack the closed-caption elements' dependencies.
//!
//! ```text
//!  TS packets of the video PID ─▶ head of each PES (PTS, the bytes before the first slice)
//!     ─▶ sei::cc_pairs (SEI / user data, A/53 cc_data) ─▶ triplets of one frame
//!     ─▶ Reorder: decode order to presentation order by PTS (B-frames carry their own
//!        caption bytes, which only read right in display order)
//!     ─▶ channels seen (a control code of CC1–CC4)  and  cea608::Cea608Decoder ─▶ Screen
//!     ─▶ DTVCC packets, services 1–6 seen              and  cea708::Dtvcc           ─▶ Screen
//! ```
//!
//! Work per frame is bounded by [`HEAD_BYTES`]; the reorder queue by [`REORDER_FRAMES`].
//! `tests/captions.rs` checks text, timing and placement against a real capture.

pub mod cea608;
pub mod cea708;
pub mod sei;

pub use cea608::{CaptionRow, CaptionRun, Cea608Decoder, Channel, Screen};
pub use sei::{CcPair, CcType, VideoSyntax};

use super::packet::TsPacket;
use super::pes::Pes;

/// Bytes of each video PES read for caption data: the header, parameter sets and SEI come
/// before the first slice, well within this.
pub const HEAD_BYTES: usize = 8 * 1024;
/// Frames held to put decode order back into presentation order (more than any B-frame
/// pyramid broadcast uses).
pub const REORDER_FRAMES: usize = 8;

const PTS_MODULUS: u64 = 1 << 33;

/// The caption bytes of one frame, in presentation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptionFrame {
    /// PTS of the frame (90 kHz), when its PES had one.
    pub pts: Option<u64>,
    pub pairs: Vec<CcPair>,
}

/// `a` is after `b` on the 33-bit PTS circle.
fn after(a: u64, b: u64) -> bool {
    let d = a.wrapping_sub(b) % PTS_MODULUS;
    d != 0 && d < PTS_MODULUS / 2
}

/// Caption frames of one video PID in presentation order.
#[derive(Debug)]
pub struct CaptionExtractor {
    syntax: VideoSyntax,
    head: Vec<u8>,
    collecting: bool,
    /// Frames waiting, sorted by PTS.
    queue: Vec<CaptionFrame>,
    /// Frames with caption data seen (for statistics and detection).
    frames_with_captions: u64,
}

impl CaptionExtractor {
    /// An extractor for a video stream of `syntax`.
    pub fn new(syntax: VideoSyntax) -> Self {
        Self {
            syntax,
            head: Vec::with_capacity(HEAD_BYTES),
            collecting: false,
            queue: Vec::with_capacity(REORDER_FRAMES + 1),
            frames_with_captions: 0,
        }
    }

    /// Frames that carried caption data so far.
    pub fn frames_with_captions(&self) -> u64 {
        self.frames_with_captions
    }

    /// Feeds one TS packet of the video PID; calls `on_frame` for each frame that leaves the
    /// reorder queue.
    pub fn push_packet(&mut self, packet: &TsPacket<'_>, on_frame: &mut dyn FnMut(&CaptionFrame)) {
        if packet.tei() || !packet.has_payload() || packet.scrambling() != 0 {
            return;
        }
        if packet.pusi() {
            self.finish_pes(on_frame);
            self.collecting = true;
        }
        if self.collecting {
            let room = HEAD_BYTES - self.head.len();
            let payload = packet.payload();
            self.head.extend_from_slice(&payload[..payload.len().min(room)]);
            if self.head.len() == HEAD_BYTES {
                self.finish_pes(on_frame);
            }
        }
    }

    /// Sends what waits (at the end of a file).
    pub fn flush(&mut self, on_frame: &mut dyn FnMut(&CaptionFrame)) {
        self.finish_pes(on_frame);
        for frame in self.queue.drain(..) {
            on_frame(&frame);
        }
    }

    fn finish_pes(&mut self, on_frame: &mut dyn FnMut(&CaptionFrame)) {
        if !self.collecting {
            return;
        }
        self.collecting = false;
        let Some(pes) = Pes::parse(&self.head) else {
            self.head.clear();
            return;
        };
        let mut pairs = Vec::new();
        sei::cc_pairs(self.syntax, pes.data, &mut pairs);
        let pts = pes.pts;
        self.head.clear();
        if !pairs.is_empty() {
            self.frames_with_captions += 1;
        }
        let frame = CaptionFrame { pts, pairs };
        let Some(pts) = pts else {
            // Without a PTS there is no order to restore: it goes now.
            on_frame(&frame);
            return;
        };
        // Frames without captions still count for the order: a later frame may need them
        // to be released. Insertion keeps the queue sorted (it is a few frames long).
        let at = self
            .queue
            .iter()
            .rposition(|f| f.pts.is_some_and(|p| !after(p, pts)))
            .map_or(0, |i| i + 1);
        self.queue.insert(at, frame);
        while self.queue.len() > REORDER_FRAMES {
            let first = self.queue.remove(0);
            on_frame(&first);
        }
    }
}

/// The caption channels a stream carries (a control code of each seen), and the screen of
/// the one chosen. All four channels are decoded all the time (a few bytes a frame each), so
/// a channel chosen in the middle of a caption has it whole: a pop-on caption whose first
/// row was loaded before the choice would otherwise show without it.
#[derive(Debug)]
pub struct CaptionDecoder {
    extractor: CaptionExtractor,
    screens: Screens,
}

/// Every line-21 channel and DTVCC service, fed frame by frame, and the one chosen: the part
/// of [`CaptionDecoder`] that the extractor's frames go to, kept apart so the extractor can
/// call it while both are borrowed.
#[derive(Debug)]
struct Screens {
    seen: [bool; 4],
    decoders: [Cea608Decoder; 4],
    /// Index of the chosen channel in `decoders`.
    chosen: Option<usize>,
    /// The CEA-708 services (all six decoded, as the four channels are) and the chosen one.
    dtvcc: cea708::Dtvcc,
    service: Option<u8>,
}

impl Screens {
    /// One frame to every channel and service; `on_screen` gets the chosen one's screen when
    /// it changed.
    fn frame(&mut self, frame: &CaptionFrame, on_screen: &mut dyn FnMut(Option<u64>, &Screen)) {
        decode(frame, &mut self.seen, &mut self.decoders, self.chosen, on_screen);
        let chosen = self.service;
        self.dtvcc.push_pairs(&frame.pairs, &mut |service, screen| {
            if chosen == Some(service) {
                on_screen(frame.pts, screen);
            }
        });
    }
}

impl CaptionDecoder {
    /// Captions of a video stream of `syntax`; `channel` is decoded into screens.
    pub fn new(syntax: VideoSyntax, channel: Option<Channel>) -> Self {
        Self {
            extractor: CaptionExtractor::new(syntax),
            screens: Screens {
                seen: [false; 4],
                decoders: Channel::ALL.map(Cea608Decoder::new),
                chosen: channel.map(|c| usize::from(c.number() - 1)),
                dtvcc: cea708::Dtvcc::default(),
                service: None,
            },
        }
    }

    /// Reports `channel` from now on, or none; returns its screen now (what it shows at once).
    pub fn choose(&mut self, channel: Option<Channel>) -> Option<Screen> {
        let s = &mut self.screens;
        s.service = None;
        s.chosen = channel.map(|c| usize::from(c.number() - 1));
        s.chosen.map(|i| s.decoders[i].screen())
    }

    /// Reports CEA-708 service `service` (1–6) from now on, or none; returns its screen now.
    pub fn choose_service(&mut self, service: Option<u8>) -> Option<Screen> {
        let s = &mut self.screens;
        s.chosen = None;
        s.service = service.filter(|n| (1..=cea708::SERVICES as u8).contains(n));
        s.service.and_then(|n| s.dtvcc.screen(n))
    }

    /// The CEA-708 services seen so far, in order.
    pub fn services(&self) -> Vec<u8> {
        self.screens.dtvcc.services()
    }

    /// The channels seen so far, in order.
    pub fn channels(&self) -> Vec<Channel> {
        (1..=4)
            .filter(|&n| self.screens.seen[usize::from(n - 1)])
            .filter_map(Channel::new)
            .collect()
    }

    /// Feeds one packet of the video PID; `on_screen` gets the chosen channel's screen each
    /// time it changes, with the PTS of the frame that changed it.
    pub fn push_packet(&mut self, packet: &TsPacket<'_>, on_screen: &mut dyn FnMut(Option<u64>, &Screen)) {
        let screens = &mut self.screens;
        self.extractor
            .push_packet(packet, &mut |frame| screens.frame(frame, on_screen));
    }

    /// Feeds one frame's caption triplets, in presentation order, to every line-21 channel
    /// and DTVCC service: what [`Self::push_packet`] does with each frame the extractor hands
    /// on, for callers (and fuzzers) that have the `cc_data` already.
    pub fn push_frame(&mut self, frame: &CaptionFrame, on_screen: &mut dyn FnMut(Option<u64>, &Screen)) {
        self.screens.frame(frame, on_screen);
    }

    /// Sends what waits in the reorder queue (at the end of a file).
    pub fn flush(&mut self, on_screen: &mut dyn FnMut(Option<u64>, &Screen)) {
        let screens = &mut self.screens;
        self.extractor.flush(&mut |frame| screens.frame(frame, on_screen));
    }
}

fn decode(
    frame: &CaptionFrame,
    seen: &mut [bool; 4],
    decoders: &mut [Cea608Decoder; 4],
    chosen: Option<usize>,
    on_screen: &mut dyn FnMut(Option<u64>, &Screen),
) {
    let line21 = |field2: bool| {
        frame.pairs.iter().filter(move |p| match p.kind {
            CcType::Field1 => !field2,
            CcType::Field2 => field2,
            _ => false,
        })
    };
    for field2 in [false, true] {
        for pair in line21(field2) {
            let [a, b] = [pair.data[0] & 0x7f, pair.data[1] & 0x7f];
            // A caption control code (misc command or preamble) names its channel.
            let command = matches!(a & 0xf7, 0x14 | 0x15) && (0x20..=0x2f).contains(&b);
            let preamble = (0x10..=0x17).contains(&(a & 0xf7)) && b >= 0x40;
            if (command || preamble) && pair.data[0].count_ones() % 2 == 1 {
                let channel = usize::from(field2) * 2 + usize::from(a & 0x08 != 0);
                seen[channel] = true;
            }
        }
    }
    let fields = [false, true].map(|field2| line21(field2).map(|p| p.data).collect::<Vec<[u8; 2]>>());
    for (i, decoder) in decoders.iter_mut().enumerate() {
        let pairs = &fields[usize::from(decoder.channel().second_field())];
        if pairs.is_empty() {
            continue;
        }
        if let Some(screen) = decoder.push_pairs(pairs)
            && chosen == Some(i)
        {
            on_screen(frame.pts, &screen);
        }
    }
}
