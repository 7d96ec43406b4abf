// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitles of a multicast channel, taken from the bytes the tap feeds the pipeline: the
//! subtitle tracks of the PMT (reported when the PMT changes) and, for the track the core
//! chose, the packets of its PID through the pure decoders: teletext pages become lines,
//! DVB display sets become RGBA regions.
//!
//! Both are held back until the picture shows their PTS: the video sink reports the PTS of
//! each frame it shows ([`VideoClock`]), the feed knows the stream PTS of the first video
//! PES it fed (the keyframe the picture starts from), so the stream time on screen is that
//! PTS plus the frames' progress since. Subtitles without a PTS show at once, and so do all
//! while no frame has been shown; one more than 10 s ahead of the picture (broken timing)
//! shows at once too rather than never. A DVB page goes away after its time-out when
//! nothing replaces it. The viewer's delay moves every subtitle's time: later ones wait for
//! the picture to pass their PTS by that much (untimed ones wait that long after they
//! arrived), earlier ones show as soon as the picture is that close to their PTS.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::core::{PlayerEvent, RequestId, SubtitleImage, SubtitleLine, SubtitleTrack};
use crate::mpegts::captions::{CaptionDecoder, Channel, VideoSyntax};
use crate::mpegts::dvbsub::DvbSubDecoder;
use crate::mpegts::pes::{PTS_HZ, Pes};
use crate::mpegts::subtitles::{SubtitleCarriage, SubtitleTrack as StreamTrack};
use crate::mpegts::teletext::{Page, PageFilter, TeletextDecoder};
use crate::mpegts::{Pmt, StreamKind, TS_PACKET_SIZE, TsPacket};

const PTS_MODULUS: u64 = 1 << 33;
/// Subtitles further ahead of the picture than this are shown at once.
const MAX_AHEAD: u64 = 10 * PTS_HZ;
/// Subtitles waiting for their time, at most (the oldest is shown when more arrive): enough
/// for 5 s of delay on roll-up captions, which change with every word.
const MAX_QUEUED: usize = 64;
/// Pixels of queued bitmap subtitles, at most (RGBA bytes; the oldest is shown when more
/// arrive): 64 full-HD pages would be 530 MB, while a real page of two 1920×120 lines is 1.8 MB,
/// so this still holds a few seconds of them.
const MAX_QUEUED_BYTES: usize = 16 << 20;
const NONE: u64 = u64::MAX;
/// Teletext pages waiting to be sent to the viewer, at most.
const MAX_VIEWER_PAGES: usize = 64;

/// The PTS (ns, pipeline time) of the first and the latest frame the video sink showed.
#[derive(Debug)]
pub struct VideoClock {
    first_ns: AtomicU64,
    latest_ns: AtomicU64,
}

impl Default for VideoClock {
    fn default() -> Self {
        Self {
            first_ns: AtomicU64::new(NONE),
            latest_ns: AtomicU64::new(NONE),
        }
    }
}

impl VideoClock {
    /// A frame with this PTS is on screen now.
    pub fn frame(&self, pts_ns: Option<u64>) {
        if let Some(pts) = pts_ns.filter(|&p| p != NONE) {
            let _ = self
                .first_ns
                .compare_exchange(NONE, pts, Ordering::Relaxed, Ordering::Relaxed);
            self.latest_ns.store(pts, Ordering::Relaxed);
        }
    }

    /// The PTS (ns) of the frame on screen, once one was shown.
    pub fn latest_ns(&self) -> Option<u64> {
        let latest = self.latest_ns.load(Ordering::Relaxed);
        (latest != NONE).then_some(latest)
    }

    /// 90 kHz ticks the picture moved on since the first frame, once a frame was shown.
    fn progress_ticks(&self) -> Option<u64> {
        let first = self.first_ns.load(Ordering::Relaxed);
        let latest = self.latest_ns.load(Ordering::Relaxed);
        (first != NONE && latest != NONE).then(|| latest.saturating_sub(first) * 9 / 100_000)
    }
}

/// The decoder of the chosen track.
#[derive(Debug)]
enum Decoder {
    Teletext(Box<TeletextDecoder>),
    Dvb(Box<DvbSubDecoder>),
}

/// What the screen should show from a PTS on.
#[derive(Debug)]
enum Due {
    Text(Vec<SubtitleLine>),
    Image(Option<SubtitleImage>, u8),
}

impl Due {
    /// The bytes it holds that count against [`MAX_QUEUED_BYTES`] (the pixels; text is small
    /// and capped by its decoders).
    fn bytes(&self) -> usize {
        match self {
            Due::Text(_) => 0,
            Due::Image(image, _) => image.iter().flat_map(|i| &i.regions).map(|r| r.rgba.len()).sum(),
        }
    }
}

/// What waits for its time (PTS, arrival, what it shows), with the pixels it holds counted.
#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<(Option<u64>, Instant, Due)>,
    bytes: usize,
}

impl Queue {
    fn push(&mut self, pts: Option<u64>, due: Due) {
        self.bytes += due.bytes();
        self.items.push_back((pts, Instant::now(), due));
    }

    fn pop(&mut self) -> Option<Due> {
        let (_, _, due) = self.items.pop_front()?;
        self.bytes -= due.bytes();
        Some(due)
    }

    fn front(&self) -> Option<&(Option<u64>, Instant, Due)> {
        self.items.front()
    }

    /// More than it may hold: the oldest must go to the screen whether due or not.
    fn overfull(&self) -> bool {
        self.items.len() > MAX_QUEUED || self.bytes > MAX_QUEUED_BYTES
    }

    fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
    }
}

/// Per consumer: the tracks reported, the decoder of the chosen track and what waits for
/// its time.
#[derive(Debug, Default)]
pub struct SubtitleFeed {
    /// (program, version) of the PMT the PIDs were last taken from, and of the one the tracks
    /// were last reported from.
    learned_pmt: Option<(u16, u8)>,
    reported_pmt: Option<(u16, u8)>,
    tracks: Vec<StreamTrack>,
    /// PIDs of the PMT's subtitle and teletext streams: decoded here, never fed to the pipeline.
    text_pids: Vec<u16>,
    /// The PMT's first teletext PID (the viewer's).
    teletext_pid: Option<u16>,
    decoder: Option<(u16, Decoder)>,
    /// The teletext viewer is open: every page of the first teletext PID is decoded.
    viewer_open: bool,
    viewer: Option<(u16, Box<TeletextDecoder>)>,
    /// Pages for the viewer not yet sent (the oldest go when more than [`MAX_VIEWER_PAGES`]).
    viewer_pages: VecDeque<Page>,
    /// The video PID and the PTS of its first PES fed (the picture starts there).
    video_pid: Option<u16>,
    /// Captions in the video's SEI or user data: the channels seen and the chosen one.
    captions: Option<CaptionDecoder>,
    /// Caption channels and CEA-708 services reported with the tracks.
    caption_channels: Vec<Channel>,
    caption_services: Vec<u8>,
    /// Tracks from outside the stream (an HLS master playlist's WebVTT renditions), reported
    /// after the stream's own; and whether they changed since the last report.
    external: Vec<SubtitleTrack>,
    external_changed: bool,
    first_video_pts: Option<u64>,
    clock: Option<Arc<VideoClock>>,
    /// The viewer's delay in 90 kHz ticks (negative: earlier).
    delay_ticks: i64,
    /// The chosen track's id (a repeated choice only changes the delay).
    chosen: Option<String>,
    /// Where the PMT's audio kinds go (the bus reports them with the tracks).
    audio_kinds: Option<Arc<super::bus::AudioKinds>>,
    /// What waits for its time.
    queued: Queue,
    /// When the DVB page on screen times out.
    clear_at: Option<Instant>,
    /// Events to send to the core (the latest of each kind wins).
    pending_text: Option<Vec<SubtitleLine>>,
    pending_image: Option<Option<SubtitleImage>>,
}

impl SubtitleFeed {
    /// A feed timed by the frames `clock` sees, telling `audio_kinds` the PMT's audio kinds.
    pub fn new(clock: Arc<VideoClock>, audio_kinds: Arc<super::bus::AudioKinds>) -> Self {
        Self {
            clock: Some(clock),
            audio_kinds: Some(audio_kinds),
            ..Self::default()
        }
    }

    /// Takes the PIDs from `pmt` when it is new: the subtitle and teletext PIDs to strip, the
    /// viewer's teletext PID, the video PID (and its caption decoder). Called before every
    /// chunk is fed, not only after each datagram: a hot zap's first chunk is the ring's
    /// backlog from its last keyframe, and text packets in it reached `decodebin3` before the
    /// PIDs were known (a `not-negotiated` restart of the channel right after its first frame).
    pub fn learn(&mut self, pmt: Option<&Pmt>) {
        let Some(pmt) = pmt else {
            return;
        };
        let version = (pmt.program_number, pmt.version);
        if self.learned_pmt == Some(version) {
            return;
        }
        self.learned_pmt = Some(version);
        if let Some(kinds) = &self.audio_kinds {
            let audio = pmt
                .streams
                .iter()
                .filter(|s| matches!(s.kind(), StreamKind::Audio(_)));
            kinds.learn(
                audio
                    .map(|s| super::bus::PmtAudio {
                        pid: s.pid,
                        kind: s.audio_kind(),
                        language: s.audio_language(),
                    })
                    .collect(),
            );
        }
        self.tracks = pmt.subtitle_tracks();
        self.text_pids = pmt
            .streams
            .iter()
            .filter(|s| s.stream_type == 0x06)
            .filter(|s| s.descriptors.iter().any(|d| matches!(d.tag, 0x46 | 0x56 | 0x59)))
            .map(|s| s.pid)
            .collect();
        self.teletext_pid = pmt
            .streams
            .iter()
            .filter(|s| s.stream_type == 0x06)
            .find(|s| s.descriptors.iter().any(|d| matches!(d.tag, 0x46 | 0x56)))
            .map(|s| s.pid);
        self.start_viewer();
        let video = pmt
            .streams
            .iter()
            .find(|s| matches!(s.stream_type, 0x01 | 0x02 | 0x10 | 0x1b | 0x24 | 0x33));
        let video_pid = Some(video.map_or(pmt.pcr_pid, |s| s.pid));
        let syntax = video.and_then(|s| VideoSyntax::of_stream_type(s.stream_type));
        if video_pid != self.video_pid || self.captions.is_none() != syntax.is_none() {
            // Captions are looked for in every stream that can carry them (ATSC A/53).
            self.captions = syntax.map(|s| CaptionDecoder::new(s, None));
        }
        self.video_pid = video_pid;
    }

    /// The tracks to report when `pmt` is new (or was learnt and not yet reported), or when
    /// captions were found in its video.
    pub fn tracks_event(&mut self, request: RequestId, pmt: Option<&Pmt>) -> Option<PlayerEvent> {
        self.learn(pmt);
        let captions = self
            .captions
            .as_ref()
            .map(CaptionDecoder::channels)
            .unwrap_or_default();
        let services = self
            .captions
            .as_ref()
            .map(CaptionDecoder::services)
            .unwrap_or_default();
        let reported = self.reported_pmt == self.learned_pmt
            && captions == self.caption_channels
            && services == self.caption_services
            && !self.external_changed;
        if (self.learned_pmt.is_none() && self.external.is_empty()) || reported {
            return None;
        }
        self.external_changed = false;
        self.reported_pmt = self.learned_pmt;
        self.caption_channels = captions;
        self.caption_services = services;
        let video_pid = self.video_pid.unwrap_or_default();
        let caption = |carriage| StreamTrack {
            pid: video_pid,
            language: [0; 3],
            hard_of_hearing: false,
            carriage,
        };
        let captions = self
            .caption_channels
            .iter()
            .map(|c| caption(SubtitleCarriage::Cea608 { channel: c.number() }))
            .chain(
                self.caption_services
                    .iter()
                    .map(|&service| caption(SubtitleCarriage::Cea708 { service })),
            )
            .collect::<Vec<_>>();
        let tracks = self
            .tracks
            .iter()
            .copied()
            .chain(captions)
            .map(|t| SubtitleTrack::from_stream(&t))
            .chain(self.external.iter().cloned())
            .collect();
        Some(PlayerEvent::SubtitleTracks { request, tracks })
    }

    /// Tracks found outside the stream, reported with the next [`Self::tracks_event`].
    pub fn set_external_tracks(&mut self, tracks: Vec<SubtitleTrack>) {
        if tracks != self.external {
            self.external = tracks;
            self.external_changed = true;
        }
    }

    /// The viewer's delay in 90 kHz ticks (positive: later).
    pub fn delay_ticks(&self) -> i64 {
        self.delay_ticks
    }

    /// Shows `track` (an id the core got from `tracks_event`), or nothing, `delay_ms` later
    /// than the stream says; clears the screen. The same track again only changes the delay.
    pub fn select(&mut self, track: Option<&SubtitleTrack>, delay_ms: i32) {
        self.delay_ticks = i64::from(delay_ms) * PTS_HZ as i64 / 1000;
        let id = track.map(|t| t.id.clone());
        if id.is_some() && id == self.chosen {
            return;
        }
        self.chosen = id;
        let chosen = track.and_then(|t| {
            self.tracks
                .iter()
                .find(|s| SubtitleTrack::from_stream(s).id == t.id)
        });
        self.decoder = match chosen.map(|t| (t.pid, t.carriage)) {
            Some((pid, SubtitleCarriage::Teletext { page })) => Some((
                pid,
                Decoder::Teletext(Box::new(TeletextDecoder::new(PageFilter::Only(page)))),
            )),
            Some((
                pid,
                SubtitleCarriage::Dvb {
                    composition_page,
                    ancillary_page,
                    ..
                },
            )) => Some((
                pid,
                Decoder::Dvb(Box::new(DvbSubDecoder::new(composition_page, ancillary_page))),
            )),
            Some((_, SubtitleCarriage::Cea608 { .. } | SubtitleCarriage::Cea708 { .. })) | None => None,
        };
        // Caption tracks come from the video, not from the PMT's tracks.
        let caption_channel = track
            .and_then(SubtitleTrack::caption_channel)
            .and_then(Channel::new);
        let service = track.and_then(SubtitleTrack::caption_service);
        let screen = self.captions.as_mut().and_then(|c| match service {
            Some(n) => c.choose_service(Some(n)),
            None => c.choose(caption_channel),
        });
        self.queued.clear();
        self.clear_at = None;
        // A caption channel shows what is on its screen now (decoded all along).
        self.pending_text = Some(screen.map_or_else(Vec::new, |s| SubtitleLine::from_captions(&s)));
        self.pending_image = Some(None);
    }

    /// Opens or closes the teletext viewer's decoding.
    pub fn teletext(&mut self, open: bool) {
        self.viewer_open = open;
        self.viewer = None;
        self.viewer_pages.clear();
        self.start_viewer();
    }

    /// A decoder of every page on the teletext PID, while the viewer is open.
    fn start_viewer(&mut self) {
        let pid = self.teletext_pid.filter(|_| self.viewer_open);
        if self.viewer.as_ref().map(|(p, _)| *p) != pid {
            self.viewer = pid.map(|p| (p, Box::new(TeletextDecoder::new(PageFilter::All))));
        }
    }

    /// Scans packets on their way to the pipeline: the first video PTS, the chosen PID.
    pub fn scan(&mut self, packets: &[u8]) {
        for raw in packets.chunks_exact(TS_PACKET_SIZE) {
            let Some(packet) = TsPacket::new(raw) else {
                continue;
            };
            if Some(packet.pid()) == self.video_pid {
                if self.first_video_pts.is_none() && packet.pusi() {
                    self.first_video_pts = Pes::parse(packet.payload()).and_then(|p| p.pts);
                }
                if let Some(captions) = self.captions.as_mut() {
                    let queued = &mut self.queued;
                    captions.push_packet(&packet, &mut |pts, screen| {
                        queued.push(pts, Due::Text(SubtitleLine::from_captions(screen)));
                    });
                }
                continue;
            }
            if let Some((pid, decoder)) = self.viewer.as_mut()
                && *pid == packet.pid()
            {
                let pages = &mut self.viewer_pages;
                decoder.push_packet(&packet, &mut |page| {
                    if pages.len() == MAX_VIEWER_PAGES {
                        pages.pop_front();
                    }
                    pages.push_back(page.clone());
                });
            }
            let queued = &mut self.queued;
            match self.decoder.as_mut() {
                Some((pid, Decoder::Teletext(decoder))) if *pid == packet.pid() => {
                    decoder.push_packet(&packet, &mut |page| {
                        queued.push(page.pts, Due::Text(SubtitleLine::from_teletext(page)));
                    });
                }
                Some((pid, Decoder::Dvb(decoder))) if *pid == packet.pid() => {
                    decoder.push_packet(&packet, &mut |set| {
                        queued.push(set.pts, Due::Image(SubtitleImage::from_dvb(set), set.timeout_s));
                    });
                }
                _ => {}
            }
        }
        self.release(Instant::now());
    }

    /// Takes the subtitle and teletext packets out of `packets` (after [`Self::scan`]): they
    /// are drawn from here, and GStreamer 1.22's `decodebin3` fails the whole pipeline
    /// (`not-negotiated` from its text output) when a stream carries both DVB subtitles and
    /// teletext, so the picture restarted every few seconds on such a channel. A PMT that
    /// declares a PID no packet carries plays, as on real channels between subtitles.
    pub fn strip(&self, packets: &mut Vec<u8>) {
        if self.text_pids.is_empty() {
            return;
        }
        let mut kept = 0;
        for start in (0..packets.len() / TS_PACKET_SIZE).map(|i| i * TS_PACKET_SIZE) {
            let pid = u16::from_be_bytes([packets[start + 1] & 0x1f, packets[start + 2]]);
            if self.text_pids.contains(&pid) {
                continue;
            }
            packets.copy_within(start..start + TS_PACKET_SIZE, kept);
            kept += TS_PACKET_SIZE;
        }
        packets.truncate(kept);
    }

    /// The stream PTS of the picture on screen, once known.
    pub fn on_screen(&self) -> Option<u64> {
        let progress = self.clock.as_ref()?.progress_ticks()?;
        Some((self.first_video_pts? + progress) % PTS_MODULUS)
    }

    /// Moves what is due (and what overflows the queue) to the screen; times pages out.
    fn release(&mut self, now: Instant) {
        let on_screen = self.on_screen();
        // Until the picture's time is known (no frame shown yet, or a sink that reports no
        // PTS) subtitles show as they arrive rather than never.
        if let Some((pts, _, _)) = self.queued.front() {
            log::trace!("subtitle at PTS {pts:?}, picture at {on_screen:?}");
        }
        let delay = self.delay_ticks;
        // Untimed ones (no PTS, or the picture's time unknown) wait out a positive delay.
        let wait = Duration::from_micros(u64::try_from(delay.max(0)).unwrap_or(0) * 1_000_000 / PTS_HZ);
        while let Some((pts, arrived, _)) = self.queued.front() {
            let due = match (pts, on_screen) {
                (Some(pts), Some(shown)) => {
                    let pts = (*pts as i64 + delay).rem_euclid(PTS_MODULUS as i64) as u64;
                    let ahead = pts.wrapping_sub(shown) % PTS_MODULUS;
                    ahead == 0 || ahead > PTS_MODULUS / 2 || ahead > MAX_AHEAD
                }
                _ => now.duration_since(*arrived) >= wait,
            };
            if !due && !self.queued.overfull() {
                break;
            }
            let Some(item) = self.queued.pop() else {
                break;
            };
            match item {
                Due::Text(lines) => self.pending_text = Some(lines),
                Due::Image(image, timeout_s) => {
                    self.clear_at = (image.is_some() && timeout_s > 0)
                        .then(|| now + Duration::from_secs(u64::from(timeout_s)));
                    self.pending_image = Some(image);
                }
            }
        }
        if self.clear_at.is_some_and(|at| now >= at) {
            self.clear_at = None;
            self.pending_image = Some(None);
        }
    }

    /// What to send the core now: text or an image that became due since the last call.
    pub fn due_events(&mut self, request: RequestId) -> Vec<PlayerEvent> {
        self.release(Instant::now());
        let text = self
            .pending_text
            .take()
            .map(|lines| PlayerEvent::SubtitleText { request, lines });
        let image = self
            .pending_image
            .take()
            .map(|image| PlayerEvent::SubtitleImage { request, image });
        let pages = self.viewer_pages.drain(..).map(|page| PlayerEvent::TeletextPage {
            request,
            page: Box::new(page),
        });
        text.into_iter().chain(image).chain(pages).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::build::{StreamWriter, pes_with_pts};
    use crate::mpegts::program::ProgramTracker;

    /// test-012.ts as the tap feeds it: the PMT's tracks reported, page 889 chosen, its pages
    /// become text events with the capture's subtitles.
    #[test]
    fn the_real_capture_reports_tracks_and_teletext_text() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/ts/tsduck/test-012.ts"
        );
        let Ok(data) = std::fs::read(path) else {
            eprintln!("SKIPPED: corpus file {path} not available");
            return;
        };
        let request = RequestId(7);
        let mut feed = SubtitleFeed::default();
        let mut tracker = ProgramTracker::new(None);
        let mut texts: Vec<String> = Vec::new();
        let mut reported = None;
        // The tap feeds the pipeline in chunks of several packets.
        for chunk in data.chunks(7 * TS_PACKET_SIZE) {
            for raw in chunk.chunks_exact(TS_PACKET_SIZE) {
                tracker.observe(&TsPacket::new(raw).expect("aligned capture"));
            }
            if let Some(PlayerEvent::SubtitleTracks { tracks, .. }) =
                feed.tracks_event(request, tracker.pmt())
            {
                let chosen = tracks.iter().find(|t| t.id.ends_with("889")).cloned();
                feed.select(chosen.as_ref(), 0);
                reported = Some(tracks);
            }
            feed.scan(chunk);
            for event in feed.due_events(request) {
                let PlayerEvent::SubtitleText { lines, .. } = event else {
                    continue;
                };
                let text: Vec<String> = lines.iter().map(SubtitleLine::text).collect();
                let text = text.join("\n");
                if !text.is_empty() && texts.last() != Some(&text) {
                    texts.push(text);
                }
            }
        }
        let ids: Vec<String> = reported
            .expect("tracks reported")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["teletext:1068:888", "teletext:1068:889"]);
        assert_eq!(texts.len(), 9);
        assert_eq!(
            texts[0],
            "Un train met dix secondes\npour dépasser un point donné."
        );
    }

    /// A PES packet with `pts`, as the TS packets of `writer`'s PID.
    fn pes_packets(writer: &mut StreamWriter, stream_id: u8, pts: u64, es: &[u8]) -> Vec<u8> {
        let mut packets = Vec::new();
        writer.pes_bytes(&pes_with_pts(stream_id, pts, es), &mut packets);
        packets.concat()
    }

    /// A feed told of a PMT with H.264 on PID 0x100 and English DVB subtitles on 0x200, that
    /// track chosen with `delay_ms`; with the track and the events the choice made due.
    fn english_subtitles(
        request: RequestId,
        delay_ms: i32,
    ) -> (Arc<VideoClock>, SubtitleFeed, SubtitleTrack, Vec<PlayerEvent>) {
        use crate::mpegts::build::{StreamSpec, pmt_section};
        use crate::mpegts::{Pmt, Section};
        let subtitling = [&[0x59, 8][..], b"eng", &[0x10, 0, 1, 0, 1]].concat();
        let streams = [
            StreamSpec::new(0x1b, 0x100),
            StreamSpec::with(0x06, 0x200, subtitling),
        ];
        let pmt = Pmt::parse(&Section::parse(&pmt_section(1, 0, 0x100, &streams)).unwrap()).unwrap();
        let clock = Arc::new(VideoClock::default());
        let mut feed = SubtitleFeed::new(clock.clone(), Arc::default());
        let Some(PlayerEvent::SubtitleTracks { tracks, .. }) = feed.tracks_event(request, Some(&pmt)) else {
            panic!("tracks reported");
        };
        let track = tracks.into_iter().next().expect("the English track");
        feed.select(Some(&track), delay_ms);
        let due = feed.due_events(request);
        (clock, feed, track, due)
    }

    /// A DVB subtitle two seconds after the first picture waits for the picture to get
    /// there, then shows; its page times out when nothing replaces it.
    #[test]
    fn dvb_subtitles_wait_for_the_picture_to_reach_their_pts() {
        use crate::mpegts::dvbsub::encode::{Entry, IndexedRegion, display_set};
        let request = RequestId(1);
        let (clock, mut feed, _, cleared) = english_subtitles(request, 0);
        assert_eq!(cleared.len(), 2, "the screen is cleared at the switch");
        let start = 900_000;
        let (mut video, mut subtitles) = (StreamWriter::new(0x100, 0), StreamWriter::new(0x200, 0));
        feed.scan(&pes_packets(&mut video, 0xe0, start, &[0, 0, 0, 1, 0x65]));
        let region = IndexedRegion {
            x: 10,
            y: 500,
            width: 8,
            height: 2,
            codes: vec![1; 16],
        };
        let white = Entry {
            code: 1,
            rgb: [255, 255, 255],
            transparency: 0,
        };
        let set = display_set(1, 0, None, 3, &[white], &[region]);
        clock.frame(Some(5_000_000_000));
        feed.scan(&pes_packets(&mut subtitles, 0xbd, start + 2 * PTS_HZ, &set));
        clock.frame(Some(6_000_000_000));
        assert!(feed.due_events(request).is_empty(), "1 s into the picture: held");
        clock.frame(Some(7_000_000_000));
        let events = feed.due_events(request);
        let [
            PlayerEvent::SubtitleImage {
                image: Some(image), ..
            },
        ] = events.as_slice()
        else {
            panic!("the image is due at 2 s: {events:?}");
        };
        assert_eq!((image.regions[0].x, image.regions[0].y), (10, 500));
        // What goes on to the pipeline: the video, not the subtitle PID.
        let mut fed = [
            pes_packets(&mut video, 0xe0, start, &[0, 0, 0, 1, 0x41]),
            pes_packets(&mut subtitles, 0xbd, start, &set),
        ]
        .concat();
        feed.strip(&mut fed);
        let pids: Vec<u16> = fed
            .chunks_exact(TS_PACKET_SIZE)
            .filter_map(|p| TsPacket::new(p).map(|p| p.pid()))
            .collect();
        assert_eq!(pids, [0x100]);
        feed.release(Instant::now() + Duration::from_secs(4));
        let events = feed.due_events(request);
        assert!(
            matches!(
                events.as_slice(),
                [PlayerEvent::SubtitleImage { image: None, .. }]
            ),
            "timed out after 3 s: {events:?}"
        );
    }

    /// Bitmap pages that wait for a picture far behind them are bounded by their pixels, not
    /// only by their number: 30 pages of 1920×200 (1.5 MB each) waiting 5 s ahead would hold
    /// 46 MB; the queue holds at most its byte cap and shows the oldest early instead.
    #[test]
    fn waiting_bitmaps_are_bounded_by_their_bytes() {
        use crate::mpegts::dvbsub::encode::{Entry, IndexedRegion, display_set};
        let request = RequestId(1);
        let (clock, mut feed, _, _) = english_subtitles(request, 0);
        let start = 900_000;
        let (mut video, mut subtitles) = (StreamWriter::new(0x100, 0), StreamWriter::new(0x200, 0));
        feed.scan(&pes_packets(&mut video, 0xe0, start, &[0, 0, 0, 1, 0x65]));
        clock.frame(Some(5_000_000_000));
        let white = Entry {
            code: 1,
            rgb: [255, 255, 255],
            transparency: 0,
        };
        let (width, height) = (1920, 200);
        let page_bytes = (width * height * 4) as usize;
        let mut shown = 0;
        for n in 0..30u8 {
            let region = IndexedRegion {
                x: 0,
                y: 800,
                width: width as u16,
                height: height as u16,
                codes: vec![1; (width * height) as usize],
            };
            let set = display_set(1, n % 16, Some((1920, 1080)), 10, &[white], &[region]);
            feed.scan(&pes_packets(&mut subtitles, 0xbd, start + 5 * PTS_HZ, &set));
            assert!(
                feed.queued.bytes <= MAX_QUEUED_BYTES,
                "page {n}: {} bytes queued",
                feed.queued.bytes
            );
            shown += feed
                .due_events(request)
                .iter()
                .filter(|e| matches!(e, PlayerEvent::SubtitleImage { image: Some(_), .. }))
                .count();
        }
        let held = feed.queued.items.len();
        assert_eq!(held, MAX_QUEUED_BYTES / page_bytes, "pages held at the cap");
        assert!(shown > 0, "the oldest went to the screen early");
        assert_eq!(
            feed.queued.bytes,
            held * page_bytes,
            "the count follows the queue"
        );
    }

    /// The viewer's delay moves the time a subtitle is due: 1.5 s later waits until the
    /// picture is 3.5 s in for one at 2 s; the same track chosen again with −1.5 s only
    /// changes the delay (nothing is cleared) and one at 6 s shows at 4.5 s; untimed text
    /// waits a positive delay from its arrival.
    #[test]
    fn the_delay_moves_subtitles_later_and_earlier() {
        use crate::mpegts::dvbsub::encode::{Entry, IndexedRegion, display_set};
        let request = RequestId(1);
        let (clock, mut feed, track, _) = english_subtitles(request, 1_500);
        let start = 900_000;
        let (mut video, mut subtitles) = (StreamWriter::new(0x100, 0), StreamWriter::new(0x200, 0));
        feed.scan(&pes_packets(&mut video, 0xe0, start, &[0, 0, 0, 1, 0x65]));
        let set = |version: u8, x: u16| {
            let region = IndexedRegion {
                x,
                y: 500,
                width: 8,
                height: 2,
                codes: vec![1; 16],
            };
            let white = Entry {
                code: 1,
                rgb: [255, 255, 255],
                transparency: 0,
            };
            display_set(1, version, None, 30, &[white], &[region])
        };
        let shown_x = |events: &[PlayerEvent]| match events {
            [
                PlayerEvent::SubtitleImage {
                    image: Some(image), ..
                },
            ] => Some(image.regions[0].x),
            _ => None,
        };
        let ns = |s: f64| (5.0e9 + s * 1.0e9) as u64;
        clock.frame(Some(ns(0.0)));
        feed.scan(&pes_packets(
            &mut subtitles,
            0xbd,
            start + 2 * PTS_HZ,
            &set(0, 10),
        ));
        clock.frame(Some(ns(2.5)));
        assert!(feed.due_events(request).is_empty(), "2.5 s: held for the delay");
        clock.frame(Some(ns(3.4)));
        assert!(feed.due_events(request).is_empty(), "3.4 s: still held");
        clock.frame(Some(ns(3.5)));
        assert_eq!(shown_x(&feed.due_events(request)), Some(10), "3.5 s: shown");
        // Earlier: the same track again only changes the delay.
        feed.select(Some(&track), -1_500);
        assert!(feed.due_events(request).is_empty(), "nothing cleared");
        feed.scan(&pes_packets(
            &mut subtitles,
            0xbd,
            start + 6 * PTS_HZ,
            &set(1, 20),
        ));
        clock.frame(Some(ns(4.4)));
        assert!(feed.due_events(request).is_empty(), "4.4 s: not yet");
        clock.frame(Some(ns(4.5)));
        assert_eq!(shown_x(&feed.due_events(request)), Some(20), "4.5 s: 1.5 s early");
        // Without a PTS: a positive delay counts from the arrival.
        feed.select(Some(&track), 2_000);
        let es = set(2, 30);
        let untimed = [
            &[0, 0, 1, 0xbd][..],
            &((es.len() + 3) as u16).to_be_bytes(),
            &[0x80, 0, 0],
            &es,
        ]
        .concat();
        let arrived = Instant::now();
        let mut packets = Vec::new();
        subtitles.pes_bytes(&untimed, &mut packets);
        feed.scan(&packets.concat());
        feed.release(arrived + Duration::from_millis(1_900));
        assert!(feed.pending_image.is_none(), "1.9 s after arriving: held");
        feed.release(arrived + Duration::from_millis(2_100));
        assert!(matches!(&feed.pending_image, Some(Some(image)) if image.regions[0].x == 30));
    }

    /// Captions no PMT declares: once the video's SEI brings a CC1 control code, the tracks
    /// are reported again with "cc:1"; chosen, its pop-on caption becomes text.
    #[test]
    fn captions_in_the_video_become_a_track_and_text() {
        use crate::mpegts::build::{StreamSpec, h264_access_unit, pmt_section};
        use crate::mpegts::captions::cea608::pop_on;
        use crate::mpegts::captions::sei::{CcPair, CcType, h264_caption_sei};
        use crate::mpegts::{Pmt, Section};
        let pmt =
            Pmt::parse(&Section::parse(&pmt_section(1, 0, 0x100, &[StreamSpec::new(0x1b, 0x100)])).unwrap())
                .unwrap();
        let mut feed = SubtitleFeed::default();
        let request = RequestId(3);
        let ids = |event: Option<PlayerEvent>| match event {
            Some(PlayerEvent::SubtitleTracks { tracks, .. }) => {
                Some(tracks.into_iter().map(|t| t.id).collect::<Vec<_>>())
            }
            _ => None,
        };
        assert_eq!(ids(feed.tracks_event(request, Some(&pmt))), Some(vec![]));
        let mut video = StreamWriter::new(0x100, 0);
        let mut frames = pop_on(&["Hello"]).into_iter().map(Some).collect::<Vec<_>>();
        frames.extend([None; 10]);
        let mut texts = Vec::new();
        for (i, pair) in frames.into_iter().enumerate() {
            let sei = pair
                .map(|data| {
                    h264_caption_sei(&[CcPair {
                        kind: CcType::Field1,
                        data,
                    }])
                })
                .unwrap_or_default();
            let es = [sei, h264_access_unit(i == 0, 200)].concat();
            feed.scan(&pes_packets(&mut video, 0xe0, 900_000 + i as u64 * 3600, &es));
            if let Some(tracks) = ids(feed.tracks_event(request, Some(&pmt))) {
                assert_eq!(tracks, ["cc:1"]);
                let chosen = SubtitleTrack {
                    id: "cc:1".into(),
                    kind: crate::core::SubtitleKind::Captions,
                    language: None,
                    hard_of_hearing: false,
                };
                feed.select(Some(&chosen), 0);
            }
            for event in feed.due_events(request) {
                if let PlayerEvent::SubtitleText { lines, .. } = event {
                    texts.push(
                        lines
                            .iter()
                            .map(SubtitleLine::text)
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
            }
        }
        // The track is reported at the first control code, the caption decoded from there
        // (the reorder queue holds the first frames back until the choice is made).
        assert_eq!(texts.last().map(String::as_str), Some("Hello"), "{texts:?}");
    }
}
