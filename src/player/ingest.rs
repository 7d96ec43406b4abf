// SPDX-License-Identifier: GPL-3.0-or-later
//! Taps: one per joined multicast/RTP group, owned by the [`Ingest`] manager and independent of any
//! pipeline. A tap is the group's socket, RTP reorder, TS ring (last keyframe, PAT/PMT, bitrate, CC
//! errors), the stream's EIT and a receive thread. Pipelines are consumers: a consumer reads the
//! tap's ring from a position (the last keyframe, with PAT/PMT in front) and the receive thread
//! pushes what follows into its `appsrc`. A group is joined once, whoever asks for it.
//!
//! ```text
//!  socket ─> RTP strip/reorder ─> TsRing ─┬─> consumer (live pipeline's appsrc, from its cursor)
//!                                         ├─> recorders (TS chunks to a writer thread, see `record`)
//!                                         └─> EIT sections, bitrate, stall watch
//! ```
//! Leaving is synchronous on the player thread (the IGMP leave is sent before the next join); the
//! receive thread then notices its stop flag within [`POLL`] and ends by itself, so a zap never waits
//! for a thread to finish.
//!
//! An HLS channel has a tap too, for its timeshift window only: its input is the playlist's TS
//! segments fetched and paced by their PCR (`hls_input`) instead of a socket. The live HLS
//! picture plays through its own pipeline; the tap is *watched* meanwhile (its window grows and
//! spills to disk as a consumed tap's does, and it reports how far back it reaches to the live
//! request), and a request behind live or in trick play attaches to it as to a multicast tap.
//!
//! Silence rules: a tap with a consumer reports `Stalled` after [`STALL_AFTER`] without data (and
//! `Resumed` when data comes back); a tap without a consumer that receives nothing for
//! [`HOT_SILENCE`] (a join the network refused, or a sender that stopped) is reported to the player
//! thread, which leaves it.

use super::EventSink;
use super::spill::{OpenSegment, Spill};
use super::timeshift::{self, TimeshiftSettings};
use crate::core::{ErrorKind, HotLoss, PlayerError, PlayerEvent, RequestId, StartAt, Trick, WindowEdge};
use crate::lineup::{ChannelKey, MulticastGroup, Source, SourceKind};
use crate::mpegts::{Arrivals, Cursor, Datagram, RtpReorder, TsRing, rtp};
use crate::net::multicast::Membership;
use gstreamer as gst;
use gstreamer_app as gst_app;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Silence after which the live channel counts as stalled.
pub const STALL_AFTER: Duration = Duration::from_secs(2);
/// Silence after which a tap without consumer is given up: nothing since the join means the
/// network probably refused it (IGMP stream limits), nothing for this long later means the sender stopped.
pub const HOT_SILENCE: Duration = Duration::from_millis(300);
/// Ring size: about 3 s of a 20 Mbit/s channel, enough for a full GOP of any sane stream. Readers
/// start at the last keyframe, so what a start needs is always the newest part of it.
const RING_PACKETS: usize = 40_000;
/// RTP reorder window in datagrams.
const REORDER_WINDOW: usize = 32;
/// How often a receive thread wakes without data (stall checks, stop requests).
const POLL: Duration = Duration::from_millis(25);
/// Chunks a recorder may have queued for its writer before new ones are dropped (and counted):
/// at the usual seven packets per datagram, seconds of a 20 Mbit/s channel.
const RECORD_QUEUE: usize = 8192;
/// How often a tap looks at its measured bitrate.
const BITRATE_EVERY: Duration = Duration::from_secs(1);

/// Identifies a tap: what it reads and the program followed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TapKey {
    pub input: TapInput,
    pub program: Option<u16>,
}

/// What a tap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TapInput {
    /// A multicast group (UDP or RTP).
    Group(MulticastGroup),
    /// An HLS playlist (a hash of its URL): the timeshift window of an OTT channel.
    Hls(u64),
}

impl TapKey {
    /// The tap a source needs, if it is multicast or RTP.
    pub fn of(source: &Source) -> Option<Self> {
        source.multicast.map(|group| Self {
            input: TapInput::Group(group),
            program: source.program,
        })
    }

    /// The timeshift window's tap of an HLS source.
    pub fn hls_window(source: &Source) -> Option<Self> {
        use std::hash::{Hash, Hasher};
        if source.kind != SourceKind::Hls || source.multicast.is_some() {
            return None;
        }
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        source.url.hash(&mut hash);
        Some(Self {
            input: TapInput::Hls(hash.finish()),
            program: source.program,
        })
    }
}

/// What a tap's receive thread reads from.
enum Input {
    Group(Membership),
    Hls(Box<HlsTapInput>),
}

/// An HLS window's input, and where a new live picture's download waits to be handed to it: the
/// input is locked by the receive thread for up to [`POLL`] at a time, the offer only for a
/// moment, so the player thread never waits on a receive.
struct HlsTapInput {
    input: Mutex<super::hls_input::HlsInput>,
    offer: Mutex<Option<super::hls_input::Feed>>,
}

impl Input {
    fn receive(&self, buf: &mut [u8], timeout: Duration) -> std::io::Result<Option<usize>> {
        match self {
            Self::Group(m) => m.receive(buf, timeout).map_err(std::io::Error::other),
            Self::Hls(h) => {
                let offered = h.offer.lock().ok().and_then(|mut o| o.take());
                Ok(h.input.lock().ok().and_then(|mut input| {
                    if let Some(feed) = offered {
                        input.offer(feed);
                    }
                    input.receive(buf, timeout)
                }))
            }
        }
    }

    /// Refreshes a group's membership (a stall's first recovery step).
    fn rejoin(&self) -> std::io::Result<()> {
        match self {
            Self::Group(m) => m.rejoin().map_err(std::io::Error::other),
            Self::Hls(_) => Ok(()),
        }
    }

    fn leave(&self) {
        if let Self::Group(m) = self {
            m.leave();
        }
    }

    fn is_hls(&self) -> bool {
        matches!(self, Self::Hls(_))
    }
}

/// Something a receive thread tells the player thread.
#[derive(Debug, Clone, Copy)]
pub enum TapNotice {
    /// A tap without consumer went silent (see [`HOT_SILENCE`]).
    Silent { key: TapKey, reason: HotLoss },
}

/// Where receive threads send their [`TapNotice`]s (the player thread's queue).
pub type Notify = Arc<dyn Fn(TapNotice) + Send + Sync>;

/// What a consumer of a tap gets when it attaches.
#[derive(Debug, Clone, Copy)]
pub struct Attached {
    /// Whether the tap held a keyframe: the picture starts from the cache at once.
    pub cached: bool,
    /// Age of that keyframe: how far behind live the picture runs.
    pub behind_live: Option<Duration>,
}

impl Attached {
    const NOTHING: Self = Self {
        cached: false,
        behind_live: None,
    };
}

/// The taps of the player; lives on the player thread.
pub struct Ingest {
    taps: HashMap<TapKey, Tap>,
    interface: Option<Ipv4Addr>,
    timeshift: TimeshiftSettings,
    events: EventSink,
    notices: Notify,
    /// Stops the fetches of HLS windows, off the taps' receive threads.
    janitor: super::janitor::Janitor,
}

impl Ingest {
    pub fn new(
        interface: Option<Ipv4Addr>,
        timeshift: TimeshiftSettings,
        events: EventSink,
        notices: Notify,
        janitor: super::janitor::Janitor,
    ) -> Self {
        if let Some(disk) = timeshift.disk.as_ref() {
            super::spill::clean_stale(&disk.dir);
        }
        Self {
            taps: HashMap::new(),
            interface,
            timeshift,
            events,
            notices,
            janitor,
        }
    }

    /// The tap for `key`, joining the group when no tap has it yet. `channel` names the tap in events.
    pub fn open(&mut self, key: TapKey, channel: &ChannelKey) -> Result<&Tap, PlayerError> {
        self.open_input(key, channel, None)
    }

    /// The timeshift window's tap of the HLS `source` (`key` from [`TapKey::hls_window`]),
    /// starting it when no tap has it yet. With `feed` (the live picture's download) a new
    /// window takes its segments from there until that ends, else it fetches them itself.
    pub fn open_hls(
        &mut self,
        key: TapKey,
        channel: &ChannelKey,
        source: &Source,
        feed: Option<super::hls_input::Feed>,
    ) -> Result<&Tap, PlayerError> {
        self.open_input(key, channel, Some((source, feed)))
    }

    /// [`Ingest::open`] for a group's key, [`Ingest::open_hls`] for an HLS window's.
    pub fn open_hls_or_group(
        &mut self,
        key: TapKey,
        channel: &ChannelKey,
        source: &Source,
    ) -> Result<&Tap, PlayerError> {
        match key.input {
            TapInput::Group(_) => self.open(key, channel),
            TapInput::Hls(_) => self.open_hls(key, channel, source, None),
        }
    }

    fn open_input(
        &mut self,
        key: TapKey,
        channel: &ChannelKey,
        hls: Option<(&Source, Option<super::hls_input::Feed>)>,
    ) -> Result<&Tap, PlayerError> {
        if !self.taps.contains_key(&key) {
            let input = match (key.input, hls) {
                (TapInput::Group(group), _) => {
                    Input::Group(Membership::join(&group, self.interface).map_err(network)?)
                }
                (TapInput::Hls(_), Some((source, feed))) => Input::Hls(Box::new(HlsTapInput {
                    input: Mutex::new(
                        super::hls_input::HlsInput::start(source, feed, self.janitor.clone())
                            .map_err(network)?,
                    ),
                    offer: Mutex::new(None),
                })),
                (TapInput::Hls(_), None) => return Err(network("an HLS tap needs its source")),
            };
            let tap = Tap::open(
                key,
                channel.clone(),
                input,
                self.timeshift.clone(),
                self.events.clone(),
                &self.notices,
            )?;
            self.taps.insert(key, tap);
        }
        self.taps.get(&key).ok_or_else(|| PlayerError {
            kind: ErrorKind::Network,
            detail: "the tap vanished".into(),
        })
    }

    pub fn get(&self, key: &TapKey) -> Option<&Tap> {
        self.taps.get(key)
    }

    /// Leaves every group not in `keep`.
    pub fn retain(&mut self, keep: &[TapKey]) {
        self.taps.retain(|key, _| keep.contains(key));
    }

    /// Leaves one group.
    pub fn close(&mut self, key: &TapKey) -> Option<ChannelKey> {
        self.taps.remove(key).map(|t| t.channel.clone())
    }
}

/// One joined group. Dropping it leaves the group at once; its thread ends within [`POLL`].
pub struct Tap {
    key: TapKey,
    channel: ChannelKey,
    input: Arc<Input>,
    state: Arc<Mutex<TapState>>,
    stop: Arc<AtomicBool>,
}

/// A pipeline reading a tap.
struct Consumer {
    request: RequestId,
    appsrc: gst_app::AppSrc,
    cursor: Cursor,
    fed_any: bool,
    attached: Instant,
    /// The last datagram before attaching (for the stall watch of a channel that was silent already).
    stalled: bool,
    /// Subtitle tracks reported and the teletext page decoded for this consumer.
    subtitles: super::subtitles::SubtitleFeed,
    /// The DVB service last reported to this consumer.
    service: Option<crate::mpegts::eit::DvbService>,
    /// Behind live or in trick play: what is fed when (`None`: live, everything at once).
    pace: Option<Pace>,
    /// Paused: fed nothing; the cursor waits while the window fills.
    paused: bool,
    /// Reading the disk part of the window (behind the RAM ring's start); `cursor` takes over
    /// where the two meet.
    disk: Option<DiskRead>,
    /// The ring's continuity-error count when last reported (or when attached).
    cc_reported: u64,
}

/// A consumer's place in the disk part of the window.
struct DiskRead {
    position: u64,
    /// PAT/PMT go first (a start at a keyframe on disk).
    psi_pending: bool,
    segment: OpenSegment,
}

/// The clock of a consumer behind live: at tap-clock time `now` it is fed what had arrived at
/// `source_us + rate × (now − since_us)`: `rate` 1 behind live, the trick's rate in trick play.
struct Pace {
    source_us: u64,
    since_us: u64,
    rate: i64,
    /// Trick play: the window rewritten (see `mpegts::trick`).
    trick: Option<TrickFeed>,
}

impl Pace {
    /// The window time fed at `now_us`, never past live.
    fn source_at(&self, now_us: u64) -> u64 {
        let elapsed = i64::try_from(now_us.saturating_sub(self.since_us)).unwrap_or(i64::MAX);
        let t = i64::try_from(self.source_us)
            .unwrap_or(i64::MAX)
            .saturating_add(self.rate.saturating_mul(elapsed));
        u64::try_from(t.max(0)).unwrap_or(0).min(now_us)
    }
}

/// A trick-play consumer's state.
struct TrickFeed {
    trick: Trick,
    stream: crate::mpegts::trick::TrickStream,
    psi_sent: bool,
    /// 27 MHz time the retimed stream starts at (the first keyframe's PTS).
    origin: Option<u64>,
    /// Keyframes only: the last one fed and when (tap clock).
    keyframe: Option<u64>,
    stepped_us: u64,
    reported_us: u64,
    /// The mux delay of the keyframe shown (its PTS ahead of the PCR it arrived with).
    lead_us: u64,
    /// Reads keyframes from the disk part of the window.
    segment: OpenSegment,
    scratch: Vec<u8>,
    /// Rewind every frame: GOP by GOP backwards (see `reverse`).
    reverse: Option<ReverseFeed>,
}

/// Where a rewind that shows every frame is in the window.
struct ReverseFeed {
    /// Where the GOPs fed are noted for the pipeline that reverses them.
    log: Arc<super::reverse::GopLog>,
    /// The next GOP to feed: its keyframe and where it ends (the keyframe fed before it).
    next: Option<(u64, u64)>,
    /// The window time of the oldest keyframe fed.
    fed_us: Option<u64>,
    /// Where the next GOP's first picture goes on the forward timeline fed (27 MHz).
    slot: Option<u64>,
    /// The first GOP's pictures after the start are not shown.
    until_us: Option<u64>,
    /// No older GOP is kept: the run ends at the one fed last.
    at_tail: bool,
}

/// Rewind every frame: GOPs are fed this far (wall clock) before their pictures are due.
const REVERSE_LOOKAHEAD_US: u64 = 600_000;
/// A GOP is read up to this many packets (6 MB: 2 s at 24 Mbit/s).
const GOP_PACKETS: u64 = 32_768;

/// Keyframes only: at most one new picture this often (10 a second; ×32 with 1 s GOPs shows
/// every third keyframe or so).
const KEYFRAME_STEP_US: u64 = 100_000;
/// Trick play reports its position this often.
const TRICK_REPORT_US: u64 = 250_000;
/// A keyframe's access unit is looked for within this many packets (1.5 MB).
const ACCESS_UNIT_PACKETS: usize = 8192;
/// The retimed clock runs this far ahead of a keyframe fed alone (the demuxer's reference).
const KEYFRAME_CLOCK_LEAD: u64 = 27_000_000 / 5;

/// Where a consumer behind live starts.
enum Start {
    Ring(Cursor),
    Disk(u64),
}

/// A recording reading a tap: what follows its cursor goes to its writer as chunks.
struct Recorder {
    cursor: Cursor,
    /// Reading the window's disk part first (a start behind the RAM ring), until the ring holds
    /// the position.
    disk: Option<DiskRead>,
    chunks: mpsc::SyncSender<Vec<u8>>,
    /// Chunks dropped because the writer fell behind (each is a gap in the file).
    dropped: Arc<AtomicU64>,
}

/// The receiving end of [`Tap::record`].
pub struct Recording {
    /// TS chunks in stream order, starting with PAT/PMT and a keyframe; ends when the tap closes.
    pub chunks: mpsc::Receiver<Vec<u8>>,
    /// Chunks the tap had to drop because the writer was behind.
    pub dropped: Arc<AtomicU64>,
}

/// What the receive thread and the player thread share.
struct TapState {
    ring: TsRing,
    /// When each part of the ring arrived (microseconds since `epoch`): timeshift's clock.
    arrivals: Arrivals,
    epoch: Instant,
    timeshift: TimeshiftSettings,
    /// Since when no consumer reads the tap (it gives its window back after a while).
    unwatched_since: Option<Instant>,
    /// The window's disk part while the tap is watched and `timeshift.dir` is set.
    spill: Option<Spill>,
    /// The disk part was given up for this window (it starts again with the next one).
    spill_lost: bool,
    reorder: RtpReorder,
    eit: crate::mpegts::eit::EitCollector,
    consumer: Option<Consumer>,
    recorders: Vec<Recorder>,
    joined: Instant,
    first_data: Option<Instant>,
    last_data: Option<Instant>,
    /// The newest keyframe's position and when it arrived.
    keyframe: Option<(u64, Instant)>,
    first_keyframe_logged: bool,
    /// Set once the player thread was told the tap is silent (told once).
    silence_reported: bool,
    /// The request that watches the tap's channel through a pipeline of its own (an HLS channel's
    /// live picture): the window is kept for it, and its extent reported to it.
    watcher: Option<RequestId>,
}

impl Tap {
    fn open(
        key: TapKey,
        channel: ChannelKey,
        input: Input,
        timeshift: TimeshiftSettings,
        events: EventSink,
        notices: &Notify,
    ) -> Result<Self, PlayerError> {
        let input = Arc::new(input);
        let joined = Instant::now();
        let wake_every = timeshift.wake_every;
        log::debug!("tap {channel:?}: joined {:?}", key.input);
        let state = Arc::new(Mutex::new(TapState {
            ring: TsRing::with_program(RING_PACKETS, key.program),
            arrivals: Arrivals::new(),
            epoch: joined,
            timeshift,
            unwatched_since: Some(joined),
            spill: None,
            spill_lost: false,
            reorder: RtpReorder::new(REORDER_WINDOW),
            eit: crate::mpegts::eit::EitCollector::new(),
            consumer: None,
            recorders: Vec::new(),
            joined,
            first_data: None,
            last_data: None,
            keyframe: None,
            first_keyframe_logged: false,
            silence_reported: false,
            watcher: None,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = Receive {
            wake_every,
            key,
            channel: channel.clone(),
            input: input.clone(),
            state: state.clone(),
            stop: stop.clone(),
            events,
            notices: notices.clone(),
        };
        std::thread::Builder::new()
            .name(if input.is_hls() { "hls-rx" } else { "mcast-rx" }.into())
            .spawn(move || thread.run())
            .map_err(network)?;
        Ok(Self {
            key,
            channel,
            input,
            state,
            stop,
        })
    }

    /// Attaches a pipeline: it gets PAT/PMT and everything from the last keyframe at once (or waits
    /// for the next keyframe), then every packet as it arrives. Replaces an earlier consumer.
    ///
    /// With `start` behind live, it starts at the keyframe at or before that point of the window
    /// (the oldest one kept when the window is shorter) and is fed what follows at the pace it
    /// arrived, that far behind live; `behind_live` is then the age of that keyframe. `clock` is the
    /// time of the frame on screen, which subtitles are timed against; `audio_kinds` learns what
    /// each audio PID of the PMT is for.
    pub fn attach(
        &self,
        request: RequestId,
        appsrc: gst_app::AppSrc,
        start: StartAt,
        clock: Arc<super::subtitles::VideoClock>,
        audio_kinds: Arc<super::bus::AudioKinds>,
        gops: Option<Arc<super::reverse::GopLog>>,
    ) -> Attached {
        let Ok(mut state) = self.state.lock() else {
            return Attached::NOTHING;
        };
        let (behind, trick) = match start {
            StartAt::Live | StartAt::FileOffset { .. } => (None, None),
            StartAt::BehindLive { ms } => (Some(Duration::from_millis(ms)), None),
            StartAt::Trick { ms, trick } => (Some(Duration::from_millis(ms)), Some(trick)),
        };
        let shifted = behind.and_then(|d| state.start_behind_live(d));
        let (cursor, disk, delay) = match shifted {
            Some((Start::Ring(cursor), delay)) => (cursor, None, Some(delay)),
            Some((Start::Disk(position), delay)) => {
                let disk = DiskRead {
                    position,
                    psi_pending: true,
                    segment: OpenSegment::default(),
                };
                (state.ring.reader_from_head(), Some(disk), Some(delay))
            }
            None => (state.ring.reader_from_last_keyframe(), None, None),
        };
        let start_position = disk.as_ref().map_or(cursor.position(), |d| d.position);
        let cached = disk.is_some() || !cursor.is_awaiting_keyframe();
        let behind_live = match (cached, delay) {
            (true, Some(_)) => state.age_of(start_position),
            (true, None) => state.keyframe.map(|(_, at)| at.elapsed()),
            (false, _) => None,
        };
        let silent = state.last_data.is_none_or(|t| t.elapsed() >= STALL_AFTER);
        let cc_reported = state.ring.stats().cc_errors;
        let now_us = timeshift::micros_since(state.epoch);
        let mut trick = trick.and_then(|t| state.trick_feed(t));
        let source_us =
            now_us.saturating_sub(delay.map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)));
        if let (Some(feed), Some(log)) = (trick.as_mut(), gops)
            && feed.trick.direction == crate::core::Direction::Backward
        {
            // Rewind every frame: GOPs backwards from the one the start is in.
            let end = state.keyframe_after(start_position).unwrap_or(state.ring.head());
            feed.reverse = Some(ReverseFeed {
                log,
                next: Some((start_position, end)),
                fed_us: None,
                slot: None,
                until_us: Some(source_us),
                at_tail: false,
            });
        }
        let pace = delay.map(|delay| Pace {
            source_us: now_us.saturating_sub(u64::try_from(delay.as_micros()).unwrap_or(u64::MAX)),
            since_us: now_us,
            rate: trick.as_ref().map_or(1, |t| t.trick.rate()),
            trick,
        });
        state.consumer = Some(Consumer {
            request,
            appsrc,
            cursor,
            fed_any: false,
            attached: Instant::now(),
            stalled: false,
            subtitles: super::subtitles::SubtitleFeed::new(clock, audio_kinds),
            service: None,
            pace,
            paused: false,
            disk,
            cc_reported,
        });
        state.unwatched_since = None;
        if silent {
            // Stall timing starts now for a channel that has been quiet.
            state.last_data = Some(Instant::now()).filter(|_| state.first_data.is_some());
        }
        state.silence_reported = false;
        let mut out = Vec::new();
        state.feed(&mut out);
        Attached { cached, behind_live }
    }

    /// Detaches the consumer of `request` (if it is still the one attached).
    pub fn detach(&self, request: RequestId) {
        if let Ok(mut state) = self.state.lock()
            && state.consumer.as_ref().is_some_and(|c| c.request == request)
        {
            state.consumer = None;
            state.watcher = None;
            state.unwatched_since = Some(Instant::now());
            // Silence counts from now on for a tap kept without consumer.
            if state.last_data.is_some() {
                state.last_data = Some(Instant::now());
            }
        }
    }

    /// Hands an HLS window a new live picture's download (see `hls_input`); `false` for a
    /// multicast tap, which has no use for it.
    pub fn offer_feed(&self, feed: super::hls_input::Feed) -> bool {
        match &*self.input {
            Input::Hls(h) => h.offer.lock().map(|mut o| *o = Some(feed)).is_ok(),
            Input::Group(_) => false,
        }
    }

    /// `request` watches the tap's channel live through a pipeline of its own (an HLS channel):
    /// the window is kept and reported to it as to a consumer.
    pub fn watch(&self, request: RequestId) {
        if let Ok(mut state) = self.state.lock() {
            state.watcher = Some(request);
            if state.consumer.is_none() {
                state.unwatched_since = None;
            }
        }
    }

    /// Pauses the consumer of `request`: nothing more is fed while the window keeps filling.
    pub fn pause(&self, request: RequestId) {
        if let Ok(mut state) = self.state.lock()
            && let Some(consumer) = state.consumer.as_mut().filter(|c| c.request == request)
        {
            consumer.paused = true;
        }
    }

    /// Shows subtitle `track` for `request` (if it is still the consumer), or none, `delay_ms`
    /// later than their PTS.
    pub fn select_subtitle(
        &self,
        request: RequestId,
        track: Option<&crate::core::SubtitleTrack>,
        delay_ms: i32,
    ) {
        if let Ok(mut state) = self.state.lock()
            && let Some(consumer) = state.consumer.as_mut().filter(|c| c.request == request)
        {
            consumer.subtitles.select(track, delay_ms);
        }
    }

    /// Decodes every teletext page of the stream for the viewer, or stops.
    pub fn teletext(&self, request: RequestId, open: bool) {
        if let Ok(mut state) = self.state.lock()
            && let Some(consumer) = state.consumer.as_mut().filter(|c| c.request == request)
        {
            consumer.subtitles.teletext(open);
        }
    }

    /// Starts a recording: PAT/PMT and everything from a keyframe, then every packet, as chunks
    /// on [`Recording::chunks`] until that receiver is dropped. Any number of recordings read
    /// one tap besides the live consumer; none costs another join.
    ///
    /// It starts `behind` live: at the keyframe at or before that point of the window, its RAM
    /// ring or, further back, its disk part (the oldest keyframe kept when the window is
    /// shorter), the backlog handed over as fast as the writer takes it; with zero, at the last
    /// keyframe (or the next one). Returns how far behind live it starts.
    pub fn record_behind(&self, behind: Duration) -> (Recording, Duration) {
        let (chunks, receiver) = mpsc::sync_channel(RECORD_QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let mut age = Duration::ZERO;
        if let Ok(mut state) = self.state.lock() {
            // Before everything kept: from the oldest keyframe.
            let back = (!behind.is_zero())
                .then(|| state.start_behind_live(behind))
                .flatten();
            let (cursor, disk) = match back {
                Some((Start::Ring(cursor), _)) => {
                    age = state.age_of(cursor.position()).unwrap_or_default();
                    (cursor, None)
                }
                Some((Start::Disk(position), _)) => {
                    age = state.age_of(position).unwrap_or_default();
                    let disk = DiskRead {
                        position,
                        psi_pending: true,
                        segment: OpenSegment::default(),
                    };
                    (state.ring.reader_from_head(), Some(disk))
                }
                None => (state.ring.reader_from_last_keyframe(), None),
            };
            state.recorders.push(Recorder {
                cursor,
                disk,
                chunks,
                dropped: dropped.clone(),
            });
        }
        (
            Recording {
                chunks: receiver,
                dropped,
            },
            age,
        )
    }

    /// Whether a consumer reads this tap.
    pub fn has_consumer(&self) -> bool {
        self.state.lock().is_ok_and(|s| s.consumer.is_some())
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The leave goes out now, not when the thread notices the flag; under the lock, so the thread
        // is not in the middle of a re-join.
        let _guard = self.state.lock();
        self.input.leave();
        log::debug!("tap {:?}: left {:?}", self.channel, self.key.input);
    }
}

impl TapState {
    /// Takes a datagram: RTP stripped and reordered, TS into the ring and the EIT collector.
    fn arrived(&mut self, datagram: &[u8]) {
        let (ring, eit) = (&mut self.ring, &mut self.eit);
        match rtp::classify(datagram) {
            Ok(Datagram::RawTs(ts)) => {
                ring.push(ts);
                eit.push_bytes(ts);
            }
            Ok(Datagram::Rtp(_)) => {
                let _ = self.reorder.push(datagram, &mut |payload| {
                    ring.push(payload);
                    eit.push_bytes(payload);
                });
            }
            Err(e) => log::trace!("dropping a datagram that is neither TS nor RTP: {e}"),
        }
        let now = Instant::now();
        let at = now.saturating_duration_since(self.epoch).as_micros();
        self.arrivals
            .note(self.ring.head(), u64::try_from(at).unwrap_or(u64::MAX));
        self.arrivals.prune(self.ring.oldest());
        if let Some(position) = self.ring.last_keyframe()
            && self.keyframe.is_none_or(|(p, _)| p != position)
        {
            self.keyframe = Some((position, now));
        }
        self.first_data.get_or_insert(now);
        self.last_data = Some(now);
    }

    /// The trick-play state for `trick` on this window (`None`: the program is not known yet,
    /// or has no video).
    fn trick_feed(&self, trick: Trick) -> Option<TrickFeed> {
        let stats = self.ring.stats();
        let program = crate::mpegts::trick::Program::of(
            self.ring.pmt()?,
            stats.pmt_pid?,
            stats.video_pid?,
            stats.video_codec?,
        )?;
        Some(TrickFeed {
            trick,
            stream: crate::mpegts::trick::TrickStream::new(program),
            psi_sent: false,
            origin: None,
            keyframe: None,
            stepped_us: 0,
            reported_us: 0,
            lead_us: 0,
            segment: OpenSegment::default(),
            scratch: Vec::new(),
            reverse: None,
        })
    }

    /// The keyframe kept (in the ring, else on disk) right after `position`.
    fn keyframe_after(&self, position: u64) -> Option<u64> {
        let on_disk = self.spill.as_ref().and_then(|s| {
            let index = s.index().lock().ok()?;
            index.keyframes().map(|k| k.position).find(|&k| k > position)
        });
        let in_ring = self.ring.keyframes().filter(|&k| k > position).last();
        match (on_disk, in_ring) {
            (Some(d), Some(r)) => Some(d.min(r)),
            (d, r) => d.or(r),
        }
    }

    /// The keyframe kept (in the ring, else on disk) right before `position`.
    fn keyframe_before(&self, position: u64) -> Option<u64> {
        self.ring.keyframes().find(|&k| k < position).or_else(|| {
            let index = self.spill.as_ref()?.index().lock().ok()?;
            index
                .keyframe_before(position.checked_sub(1)?)
                .map(|k| k.position)
                .filter(|&k| k < position)
        })
    }

    /// When the packet at `position` arrived (the ring's index, else the disk's).
    fn arrival_of(&self, position: u64) -> Option<u64> {
        (position >= self.ring.oldest())
            .then(|| self.arrivals.time_of(position))
            .flatten()
            .or_else(|| self.spill.as_ref()?.index().lock().ok()?.time_of(position))
    }

    /// Appends the packets `from..to` of the window (disk, then ring) to `out`, at most
    /// [`GOP_PACKETS`]; whether they were all there.
    fn read_span(&self, segment: &mut OpenSegment, from: u64, to: u64, out: &mut Vec<u8>) -> bool {
        let to = to.min(from.saturating_add(GOP_PACKETS));
        let mut at = from;
        if at < self.ring.oldest()
            && let Some(index) = self.spill.as_ref().and_then(|s| s.index().lock().ok())
        {
            while at < to && at < self.ring.oldest() {
                match segment.read(&index, at, to, to - at, out) {
                    Ok(0) => break,
                    Ok(n) => at += n,
                    Err(e) => {
                        log::warn!("rewind: reading the disk window: {e}");
                        return false;
                    }
                }
            }
        }
        if at < to {
            let Some(mut cursor) = self.ring.reader_at(at) else {
                return false;
            };
            let bytes = usize::try_from(to - at).unwrap_or(0) * crate::mpegts::TS_PACKET_SIZE;
            if self.ring.read(&mut cursor, out, bytes).is_err() {
                return false;
            }
        }
        true
    }

    /// Rewind every frame: feeds the GOPs (newest first) the reversed picture reaches within
    /// [`REVERSE_LOOKAHEAD_US`], each retimed to follow the one fed before on a forward
    /// timeline and noted in the log the pipeline reverses them by; reports where the run is.
    fn feed_reverse(&mut self, now_us: u64, out: &mut Vec<u8>) -> Option<PlayerEvent> {
        let mut consumer = self.consumer.take()?;
        let report = self.feed_reverse_to(&mut consumer, now_us, out);
        if !out.is_empty() {
            let buffer = gst::Buffer::from_slice(std::mem::take(out));
            if consumer.appsrc.push_buffer(buffer).is_err() {
                return report;
            }
        }
        self.consumer = Some(consumer);
        report
    }

    fn feed_reverse_to(
        &self,
        consumer: &mut Consumer,
        now_us: u64,
        out: &mut Vec<u8>,
    ) -> Option<PlayerEvent> {
        let request = consumer.request;
        let pace = consumer.pace.as_mut()?;
        let source = pace.source_at(now_us);
        let rate = pace.rate.unsigned_abs();
        let trick = pace.trick.as_mut()?;
        let reverse = trick.reverse.as_mut()?;
        let need = source.saturating_sub(rate.saturating_mul(REVERSE_LOOKAHEAD_US));
        for _ in 0..2 {
            if reverse.fed_us.is_some_and(|t| t <= need) {
                break;
            }
            let Some((keyframe, end)) = reverse.next else {
                break;
            };
            trick.scratch.clear();
            let read = self.read_span(&mut trick.segment, keyframe, end, &mut trick.scratch);
            let window_us = self.arrival_of(keyframe);
            reverse.next = self.keyframe_before(keyframe).map(|k| (k, keyframe));
            let (true, Some(window_us)) = (read, window_us) else {
                // The window moved past the GOP: the run ends at the one fed last.
                reverse.next = None;
                reverse.at_tail = true;
                break;
            };
            reverse.at_tail = reverse.next.is_none();
            reverse.fed_us = Some(window_us);
            let Some(shape) = trick.stream.gop_shape(&trick.scratch) else {
                continue;
            };
            let slot = *reverse.slot.get_or_insert(shape.first_pts * 300);
            if !trick.psi_sent {
                trick.psi_sent = true;
                trick.stream.psi(self.ring.psi_packets(), out);
            }
            trick.stream.clock(slot.saturating_sub(KEYFRAME_CLOCK_LEAD), out);
            let retime = crate::mpegts::trick::Retime::moving(shape.first_pts, slot);
            trick.stream.push(&trick.scratch, retime, false, out);
            trick.stream.end_unit(out);
            reverse.log.push(super::reverse::GopStamp {
                slot: slot / 300 % (1 << 33),
                window_us,
                frames: shape.frames,
                until_us: reverse.until_us.take(),
            });
            reverse.slot = Some(slot + shape.span * 300);
        }
        let tail = reverse
            .fed_us
            .filter(|&oldest| reverse.at_tail && source <= oldest);
        if tail.is_none() && now_us.saturating_sub(trick.reported_us) < TRICK_REPORT_US {
            return None;
        }
        trick.reported_us = now_us;
        Some(PlayerEvent::TrickPosition {
            request,
            behind_live_ms: now_us.saturating_sub(tail.unwrap_or(source)) / 1000,
            edge: tail.map(|_| WindowEdge::Tail),
        })
    }

    /// Pushes what the window has beyond the consumer's place (on disk, then in the ring) into
    /// its appsrc; in trick play, where it is (now and then, and at an edge of the window).
    fn feed(&mut self, out: &mut Vec<u8>) -> Option<PlayerEvent> {
        let consumer = self.consumer.as_mut()?;
        if consumer.paused {
            return None;
        }
        out.clear();
        let now_us = timeshift::micros_since(self.epoch);
        if consumer
            .pace
            .as_ref()
            .and_then(|p| p.trick.as_ref())
            .is_some_and(|t| {
                !t.trick.every_frame()
                    || (t.trick.direction == crate::core::Direction::Backward && t.reverse.is_none())
            })
        {
            return self.feed_keyframes(now_us, out);
        }
        if consumer
            .pace
            .as_ref()
            .and_then(|p| p.trick.as_ref())
            .is_some_and(|t| t.reverse.is_some())
        {
            return self.feed_reverse(now_us, out);
        }
        // Behind live: only what had arrived that long ago, so the pipeline sees live timing,
        // shifted (or, fast forward, at the trick's rate).
        let limit = match consumer.pace.as_ref() {
            None => u64::MAX,
            Some(pace) => {
                position_at(&self.arrivals, self.spill.as_ref(), pace.source_at(now_us)).unwrap_or(0)
            }
        };
        if let Some(disk) = consumer.disk.as_mut() {
            match read_disk(disk, &self.ring, self.spill.as_ref(), limit, out) {
                DiskStep::Read => {}
                DiskStep::HandOver(cursor) => {
                    log::debug!("timeshift: the disk reader reached the RAM window");
                    consumer.cursor = cursor;
                    consumer.disk = None;
                }
                DiskStep::Lost => {
                    log::warn!("timeshift: the disk part is gone; going on from the RAM window's start");
                    if let Some(cursor) = self
                        .ring
                        .oldest_keyframe()
                        .and_then(|k| self.ring.reader_from_keyframe_before(k))
                    {
                        consumer.cursor = cursor;
                    }
                    consumer.disk = None;
                }
            }
        }
        if consumer.disk.is_none() {
            let packets = limit.saturating_sub(consumer.cursor.position());
            let budget = usize::try_from(packets)
                .unwrap_or(usize::MAX)
                .saturating_mul(crate::mpegts::TS_PACKET_SIZE)
                .min(4 << 20)
                .saturating_sub(out.len());
            if budget > 0 {
                match self.ring.read(&mut consumer.cursor, out, budget) {
                    Ok(_) => {}
                    Err(behind) if consumer.pace.is_some() => {
                        // The window moved past the picture: go on from the oldest keyframe kept.
                        log::warn!(
                            "the timeshift window moved past the picture ({behind}); going on from its start"
                        );
                        if let Some(cursor) = self
                            .ring
                            .oldest_keyframe()
                            .and_then(|k| self.ring.reader_from_keyframe_before(k))
                        {
                            consumer.cursor = cursor;
                        }
                    }
                    Err(behind) => {
                        log::warn!(
                            "the player fell behind the ring ({behind}); restarting at the last keyframe"
                        );
                        consumer.cursor = self.ring.reader_from_last_keyframe();
                    }
                }
            }
        }
        let ring = &self.ring;
        let report = consumer.pace.as_mut().and_then(|pace| {
            let source = pace.source_at(now_us);
            let trick = pace.trick.as_mut()?;
            retime_every_frame(trick, ring.psi_packets(), out);
            let live = source >= now_us;
            if !live && now_us.saturating_sub(trick.reported_us) < TRICK_REPORT_US {
                return None;
            }
            trick.reported_us = now_us;
            Some((now_us - source, live.then_some(WindowEdge::Live)))
        });
        let report = report.map(|(behind_us, edge)| PlayerEvent::TrickPosition {
            request: consumer.request,
            behind_live_ms: behind_us / 1000,
            edge,
        });
        if out.is_empty() {
            return report;
        }
        if !consumer.fed_any {
            consumer.fed_any = true;
            log::debug!(
                "first keyframe fed {} ms after attaching ({} ms after the join)",
                consumer.attached.elapsed().as_millis(),
                self.joined.elapsed().as_millis()
            );
        }
        consumer.subtitles.learn(self.ring.pmt());
        consumer.subtitles.scan(out);
        consumer.subtitles.strip(out);
        if out.is_empty() {
            return report;
        }
        let buffer = gst::Buffer::from_slice(std::mem::take(out));
        if consumer.appsrc.push_buffer(buffer).is_err() {
            // The pipeline is shutting down.
            self.consumer = None;
        }
        report
    }

    /// Trick play keyframe by keyframe (rewind, fast forward from ×8): at most every
    /// [`KEYFRAME_STEP_US`], the keyframe at or before the window time the trick has reached is
    /// fed alone, moved to its slot on the wall clock. Reports where it is, and the window's
    /// edge when the run reached live or the oldest keyframe kept.
    fn feed_keyframes(&mut self, now_us: u64, out: &mut Vec<u8>) -> Option<PlayerEvent> {
        let consumer = self.consumer.as_mut()?;
        let request = consumer.request;
        let pace = consumer.pace.as_mut()?;
        let source = pace.source_at(now_us);
        let since = pace.since_us;
        let trick = pace.trick.as_mut()?;
        if trick.keyframe.is_some() && now_us.saturating_sub(trick.stepped_us) < KEYFRAME_STEP_US {
            return None;
        }
        trick.stepped_us = now_us;
        let index = self.spill.as_ref().and_then(|s| s.index().lock().ok());
        let ring_start = self.ring.oldest_keyframe();
        let position = position_at(&self.arrivals, self.spill.as_ref(), source);
        let in_ring = |p: u64| ring_start.is_some_and(|start| p >= start);
        // The keyframe at or before the position: in the ring, else on disk, else the oldest kept.
        let oldest = index
            .as_ref()
            .and_then(|i| i.oldest_keyframe())
            .map(|k| k.position)
            .filter(|&k| ring_start.is_none_or(|r| k < r))
            .or(ring_start)?;
        let keyframe = match position {
            Some(p) if in_ring(p) => self.ring.keyframes().find(|&k| k <= p).or(ring_start),
            Some(p) => index
                .as_ref()
                .and_then(|i| i.keyframe_before(p))
                .map(|k| k.position),
            None => None,
        }
        .unwrap_or(oldest);
        let edge = match trick.trick.direction {
            crate::core::Direction::Forward if source >= now_us => Some(WindowEdge::Live),
            crate::core::Direction::Backward if keyframe == oldest => Some(WindowEdge::Tail),
            _ => None,
        };
        if trick.keyframe != Some(keyframe) {
            trick.scratch.clear();
            if in_ring(keyframe) {
                if let Some(mut cursor) = self.ring.reader_at(keyframe) {
                    let _ = self.ring.read(
                        &mut cursor,
                        &mut trick.scratch,
                        ACCESS_UNIT_PACKETS * crate::mpegts::TS_PACKET_SIZE,
                    );
                }
            } else if let Some(index) = index.as_ref() {
                let max = ACCESS_UNIT_PACKETS as u64;
                if let Err(e) = trick
                    .segment
                    .read(index, keyframe, u64::MAX, max, &mut trick.scratch)
                {
                    log::warn!("trick play: reading a keyframe from the disk window: {e}");
                }
            }
            let pts = trick
                .scratch
                .get(..crate::mpegts::TS_PACKET_SIZE)
                .and_then(crate::mpegts::trick::pes_pts);
            if let Some(pts) = pts {
                let origin = *trick.origin.get_or_insert(pts * 300);
                let slot = origin + (now_us.saturating_sub(since)) * 27;
                if !trick.psi_sent {
                    trick.psi_sent = true;
                    trick.stream.psi(self.ring.psi_packets(), out);
                }
                trick.stream.clock(slot.saturating_sub(KEYFRAME_CLOCK_LEAD), out);
                let retime = crate::mpegts::trick::Retime::moving(pts, slot);
                trick.stream.push(&trick.scratch, retime, true, out);
                trick.keyframe = Some(keyframe);
                trick.lead_us = trick.stream.mux_delay_us(&trick.scratch, pts);
            }
        }
        let age_us = index
            .as_ref()
            .filter(|_| !in_ring(keyframe))
            .and_then(|i| i.time_of(keyframe))
            .or_else(|| self.arrivals.time_of(keyframe))
            .map_or(0, |at| now_us.saturating_sub(at))
            // Live shows a picture its mux delay after it arrived: this one is what live showed
            // that much later.
            .saturating_sub(trick.lead_us);
        drop(index);
        let report =
            (edge.is_some() || now_us.saturating_sub(trick.reported_us) >= TRICK_REPORT_US).then(|| {
                trick.reported_us = now_us;
                PlayerEvent::TrickPosition {
                    request,
                    behind_live_ms: age_us / 1000,
                    edge,
                }
            });
        if !out.is_empty() {
            let buffer = gst::Buffer::from_slice(std::mem::take(out));
            if consumer.appsrc.push_buffer(buffer).is_err() {
                self.consumer = None;
            }
        }
        report
    }

    /// Where a consumer `behind` live starts (the keyframe at or before that point, on disk when
    /// the RAM ring no longer holds it; the oldest kept when the window is shorter) and the delay
    /// to feed it with; `None` when the window holds no keyframe yet.
    fn start_behind_live(&self, behind: Duration) -> Option<(Start, Duration)> {
        let now = timeshift::micros_since(self.epoch);
        let target = now.saturating_sub(u64::try_from(behind.as_micros()).unwrap_or(u64::MAX));
        let position = position_at(&self.arrivals, self.spill.as_ref(), target).unwrap_or(0);
        let ring_start = self.ring.oldest_keyframe().unwrap_or(u64::MAX);
        let on_disk = self
            .spill
            .as_ref()
            .filter(|_| position < ring_start)
            .and_then(|spill| {
                let index = spill.index().lock().ok()?;
                index
                    .keyframe_before(position)
                    .or_else(|| index.oldest_keyframe())
            })
            .map(|k| k.position)
            .filter(|&k| k < ring_start);
        let (start, at) = match on_disk {
            Some(position) => (Start::Disk(position), position),
            None => {
                let cursor = self.ring.reader_from_keyframe_before(position)?;
                (Start::Ring(cursor), cursor.position())
            }
        };
        // Behind live by what was asked, or by the window's start when it is shorter.
        let delay = self.age_of(at).map_or(behind, |age| age.min(behind));
        Some((start, delay))
    }

    /// How long ago the packet at `position` arrived (the RAM ring's index, else the disk's).
    fn age_of(&self, position: u64) -> Option<Duration> {
        let ring = (position >= self.ring.oldest())
            .then(|| self.arrivals.time_of(position))
            .flatten();
        let at = ring.or_else(|| self.spill.as_ref()?.index().lock().ok()?.time_of(position))?;
        Some(Duration::from_micros(
            timeshift::micros_since(self.epoch).saturating_sub(at),
        ))
    }

    /// The live consumer's window: how far behind live its oldest keyframe (on disk or in RAM) is.
    fn buffered(&self) -> Option<Duration> {
        let on_disk = self
            .spill
            .as_ref()
            .and_then(|s| s.index().lock().ok()?.oldest_keyframe())
            .map(|k| k.position);
        on_disk
            .or_else(|| self.ring.oldest_keyframe())
            .and_then(|k| self.age_of(k))
    }

    /// Starts the disk part of a watched tap's window (when `timeshift.dir` is set), hands it
    /// what arrived, and drops it with the window; a problem is returned once, when it is given up.
    fn keep_spill(&mut self) -> Option<crate::core::DiskProblem> {
        let watched = self.unwatched_since.is_none();
        let problem = match (self.spill.as_mut(), self.timeshift.disk.as_ref()) {
            (Some(spill), _) => spill.feed(&self.ring, timeshift::micros_since(self.epoch)).err(),
            (None, Some(disk)) if watched && !self.spill_lost => {
                let start = self.ring.oldest_keyframe()?;
                match Spill::start(disk, &self.ring, start) {
                    Ok(spill) => {
                        self.spill = Some(spill);
                        None
                    }
                    Err(e) => {
                        log::warn!("timeshift disk {}: {e}", disk.dir.display());
                        Some(crate::core::DiskProblem::Failed)
                    }
                }
            }
            _ => None,
        };
        if problem.is_some() {
            self.spill = None;
            self.spill_lost = true;
        }
        problem
    }

    /// Grows the ring of a watched tap to its timeshift window once the bitrate is known; gives
    /// the window back when nobody has watched for [`timeshift::SHRINK_AFTER`].
    fn size_window(&mut self) {
        let capacity = self.ring.capacity();
        let unwatched = self
            .unwatched_since
            .is_some_and(|t| t.elapsed() >= timeshift::SHRINK_AFTER);
        if unwatched {
            // The window is given back: its disk part goes with it, and the next one starts afresh.
            self.spill = None;
            self.spill_lost = false;
        }
        let wanted = match (unwatched, self.ring.stats().bitrate_bps) {
            (true, _) => RING_PACKETS,
            (false, Some(bps)) if self.unwatched_since.is_none() => {
                self.timeshift.window_packets(bps, RING_PACKETS)
            }
            _ => capacity,
        };
        // Grow in steps of 10 % at least (the bitrate estimate moves a little all the time), and
        // never shrink a watched window: the estimate of a bursty sender swings by a quarter from
        // one second to the next, and each shrink would throw away the oldest part of the window.
        if (unwatched && wanted < capacity) || wanted > capacity + capacity / 10 {
            let started = Instant::now();
            self.ring.resize(wanted);
            log::debug!(
                "timeshift window: {capacity} -> {wanted} packets ({} MiB) in {} ms",
                (wanted * crate::mpegts::TS_PACKET_SIZE) >> 20,
                started.elapsed().as_millis()
            );
        }
    }
}

impl TapState {
    /// Hands every recorder what the ring has beyond its cursor; forgets recorders whose writer
    /// is gone. Never blocks: a full queue drops the chunk and counts it.
    fn feed_recorders(&mut self) {
        let (ring, spill) = (&self.ring, self.spill.as_ref());
        self.recorders.retain_mut(|r| {
            let mut chunk = Vec::new();
            if let Some(disk) = r.disk.as_mut() {
                // The disk part first, as fast as the writer takes it; then the ring.
                match read_disk(disk, ring, spill, ring.head(), &mut chunk) {
                    DiskStep::Read => {}
                    DiskStep::HandOver(cursor) => {
                        r.cursor = cursor;
                        r.disk = None;
                    }
                    DiskStep::Lost => {
                        log::warn!("a recorder lost the timeshift disk; continuing in the RAM window");
                        r.dropped.fetch_add(1, Ordering::Relaxed);
                        r.cursor = ring
                            .oldest_keyframe()
                            .and_then(|k| ring.reader_from_keyframe_before(k))
                            .unwrap_or_else(|| ring.reader_from_last_keyframe());
                        r.disk = None;
                    }
                }
                if chunk.is_empty() {
                    return true;
                }
                return match r.chunks.try_send(chunk) {
                    Ok(()) => true,
                    Err(mpsc::TrySendError::Full(_)) => {
                        r.dropped.fetch_add(1, Ordering::Relaxed);
                        true
                    }
                    Err(mpsc::TrySendError::Disconnected(_)) => false,
                };
            }
            match ring.read(&mut r.cursor, &mut chunk, 4 << 20) {
                Ok(0) => true,
                Ok(_) => match r.chunks.try_send(chunk) {
                    Ok(()) => true,
                    Err(mpsc::TrySendError::Full(_)) => {
                        r.dropped.fetch_add(1, Ordering::Relaxed);
                        true
                    }
                    Err(mpsc::TrySendError::Disconnected(_)) => false,
                },
                Err(behind) => {
                    log::warn!("a recorder fell behind the ring ({behind}); continuing at the last keyframe");
                    r.dropped.fetch_add(1, Ordering::Relaxed);
                    r.cursor = ring.reader_from_last_keyframe();
                    true
                }
            }
        });
    }
}

/// Datagrams taken in one wake at most (the rest wait for the next).
const BATCH_DATAGRAMS: usize = 512;

/// The receive thread of one tap.
struct Receive {
    wake_every: Duration,
    key: TapKey,
    channel: ChannelKey,
    input: Arc<Input>,
    state: Arc<Mutex<TapState>>,
    stop: Arc<AtomicBool>,
    events: EventSink,
    notices: Notify,
}

impl Receive {
    fn run(self) {
        let mut datagram = vec![0u8; 65_536];
        let mut out = Vec::with_capacity(1 << 16);
        let mut bitrate_checked = Instant::now();
        let mut bitrate_reported: Option<u64> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let received = self.input.receive(&mut datagram, POLL);
            let woke = Instant::now();
            let got_data = matches!(received, Ok(Some(_)));
            let Ok(mut state) = self.state.lock() else { return };
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            match received {
                Ok(Some(n)) => {
                    let first = state.first_data.is_none();
                    state.arrived(&datagram[..n]);
                    if first {
                        log::debug!(
                            "tap {:?}: first datagram {} ms after the join",
                            self.channel,
                            state.joined.elapsed().as_millis()
                        );
                    }
                    // Everything else queued on the socket, in the same wake.
                    for _ in 1..BATCH_DATAGRAMS {
                        match self.input.receive(&mut datagram, Duration::ZERO) {
                            Ok(Some(n)) => state.arrived(&datagram[..n]),
                            _ => break,
                        }
                    }
                    self.after_data(&mut state);
                }
                Ok(None) => {}
                Err(e) => {
                    match state.consumer.as_ref() {
                        Some(c) => (self.events)(PlayerEvent::Failed {
                            request: c.request,
                            error: network(e),
                        }),
                        None => log::warn!("tap {:?}: {e}", self.channel),
                    }
                    return;
                }
            }
            self.watch_silence(&mut state);
            if let Some(event) = state.feed(&mut out) {
                (self.events)(event);
            }
            let request = state.consumer.as_ref().map(|c| c.request);
            let text = state.consumer.as_mut().zip(request);
            for event in text.map(|(c, r)| c.subtitles.due_events(r)).unwrap_or_default() {
                (self.events)(event);
            }
            state.feed_recorders();
            if let Some(problem) = state.keep_spill()
                && let Some(consumer) = state.consumer.as_ref()
            {
                (self.events)(PlayerEvent::TimeshiftDisk {
                    request: consumer.request,
                    problem,
                });
            }
            if bitrate_checked.elapsed() >= BITRATE_EVERY {
                bitrate_checked = Instant::now();
                self.report_bitrate(&state, &mut bitrate_reported);
                state.size_window();
                self.report_buffered(&state);
                report_stream_errors(&mut state, &self.events);
            }
            drop(state);
            // While data flows, wake at most every `wake_every` (see `timeshift::WAKE_EVERY`).
            if got_data && let Some(rest) = self.wake_every.checked_sub(woke.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        log::trace!("tap {:?}: receive thread ends", self.channel);
    }

    /// After a datagram: keyframe diagnostics, the stream's guide and the end of a stall.
    fn after_data(&self, state: &mut TapState) {
        if !state.first_keyframe_logged && state.keyframe.is_some() {
            state.first_keyframe_logged = true;
            log::debug!(
                "tap {:?}: first keyframe {} ms after the join",
                self.channel,
                state.joined.elapsed().as_millis()
            );
        }
        let sections = state.eit.take();
        let pmt = state.ring.pmt();
        let service = state
            .ring
            .pat()
            .zip(pmt)
            .and_then(|(pat, pmt)| state.eit.service_of(pat.transport_stream_id, pmt.program_number));
        let Some(consumer) = state.consumer.as_mut() else {
            return;
        };
        let request = consumer.request;
        if let Some(event) = consumer.subtitles.tracks_event(request, pmt) {
            (self.events)(event);
        }
        if let Some(service) = service.filter(|s| consumer.service != Some(*s)) {
            consumer.service = Some(service);
            (self.events)(PlayerEvent::Service { request, service });
        }
        if !sections.is_empty() {
            (self.events)(PlayerEvent::Eit { request, sections });
        }
        if consumer.stalled {
            consumer.stalled = false;
            (self.events)(PlayerEvent::Resumed { request });
        }
    }

    /// Stalls of the live channel; silence of a tap nobody watches.
    fn watch_silence(&self, state: &mut TapState) {
        let quiet = state.last_data.unwrap_or(state.joined).elapsed();
        match state.consumer.as_mut() {
            Some(consumer) if !consumer.stalled && quiet >= STALL_AFTER => {
                consumer.stalled = true;
                (self.events)(PlayerEvent::Stalled {
                    request: consumer.request,
                });
                // First step of recovery, before the core rebuilds the pipeline: refresh the membership.
                if let Err(e) = self.input.rejoin() {
                    log::warn!("re-joining {:?}: {e}", self.key.input);
                }
            }
            Some(_) => {}
            // An HLS window has no hot-channel silence: its fetch recovers by itself.
            None if self.input.is_hls() => {}
            None if !state.silence_reported && quiet >= HOT_SILENCE => {
                state.silence_reported = true;
                let reason = if state.first_data.is_none() {
                    HotLoss::Refused
                } else {
                    HotLoss::Silent
                };
                log::debug!(
                    "tap {:?}: silent for {} ms ({reason:?})",
                    self.channel,
                    quiet.as_millis()
                );
                (self.notices)(TapNotice::Silent {
                    key: self.key,
                    reason,
                });
            }
            None => {}
        }
    }

    /// Tells the core how far back the live channel's window reaches.
    fn report_buffered(&self, state: &TapState) {
        let request = state.consumer.as_ref().map(|c| c.request).or(state.watcher);
        if let (Some(request), Some(buffered)) = (request, state.buffered()) {
            (self.events)(PlayerEvent::Buffered {
                request,
                buffered_ms: u64::try_from(buffered.as_millis()).unwrap_or(u64::MAX),
            });
        }
    }

    /// Reports the measured bitrate when it is first known and when it moves by more than 10 %.
    fn report_bitrate(&self, state: &TapState, reported: &mut Option<u64>) {
        let Some(bps) = state.ring.stats().bitrate_bps else {
            return;
        };
        let moved = reported.is_none_or(|old| bps.abs_diff(old) * 10 > old);
        if moved {
            *reported = Some(bps);
            (self.events)(PlayerEvent::Bitrate {
                channel: self.channel.clone(),
                bps,
            });
        }
    }
}

/// Reports the continuity errors the ring counted since the consumer's last report (none: nothing).
fn report_stream_errors(state: &mut TapState, events: &EventSink) {
    let total = state.ring.stats().cc_errors;
    let Some(consumer) = state.consumer.as_mut() else {
        return;
    };
    let new = total.saturating_sub(consumer.cc_reported);
    if new > 0 {
        consumer.cc_reported = total;
        events(PlayerEvent::StreamErrors {
            request: consumer.request,
            continuity: new,
        });
    }
}

fn network(e: impl std::fmt::Display) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Network,
        detail: e.to_string(),
    }
}

/// Fast forward ×2 and ×4: what the window gave, with PSI first, the video alone and its times
/// compressed by the factor around the first keyframe's PTS (see `mpegts::trick`).
fn retime_every_frame<'a>(
    trick: &mut TrickFeed,
    psi: impl Iterator<Item = &'a [u8; crate::mpegts::TS_PACKET_SIZE]>,
    out: &mut Vec<u8>,
) {
    if out.is_empty() {
        return;
    }
    let window = std::mem::take(out);
    if trick.origin.is_none() {
        trick.origin = window
            .chunks_exact(crate::mpegts::TS_PACKET_SIZE)
            .find_map(crate::mpegts::trick::pes_pts)
            .map(|pts| pts * 300);
    }
    let Some(origin) = trick.origin else {
        // Nothing to time it by yet (no picture start): wait for one.
        return;
    };
    if !trick.psi_sent {
        trick.psi_sent = true;
        trick.stream.psi(psi, out);
    }
    let factor = u64::from(trick.trick.speed.factor());
    let retime = crate::mpegts::trick::Retime::Compress { origin, factor };
    trick.stream.push(&window, retime, false, out);
}

/// The end of what had arrived by `t_us`: the RAM ring's index, else the disk's.
fn position_at(arrivals: &Arrivals, spill: Option<&Spill>, t_us: u64) -> Option<u64> {
    arrivals
        .position_at(t_us)
        .or_else(|| spill?.index().lock().ok()?.position_at(t_us))
}

/// What a disk read did.
enum DiskStep {
    Read,
    /// The ring holds the reader's position: it reads on from there.
    HandOver(Cursor),
    /// The disk part is gone (given up, or deleted under the reader).
    Lost,
}

/// Reads a consumer's next packets from disk, up to `limit`; hands over to the ring once the ring
/// holds the position with a tenth of its length to spare (so the ring does not overwrite it at once).
fn read_disk(
    disk: &mut DiskRead,
    ring: &crate::mpegts::TsRing,
    spill: Option<&Spill>,
    limit: u64,
    out: &mut Vec<u8>,
) -> DiskStep {
    let margin = (ring.capacity() / 10) as u64;
    let hand_over = |disk: &mut DiskRead, out: &mut Vec<u8>| {
        let cursor = ring.reader_at(disk.position)?;
        if disk.psi_pending {
            ring.psi_packets().for_each(|p| out.extend_from_slice(p));
        }
        Some(DiskStep::HandOver(cursor))
    };
    if disk.position >= ring.oldest().saturating_add(margin)
        && let Some(step) = hand_over(disk, out)
    {
        return step;
    }
    let Some(index) = spill.and_then(|s| s.index().lock().ok()) else {
        return DiskStep::Lost;
    };
    if index.oldest().is_none_or(|oldest| disk.position < oldest) {
        // The disk window's start passed the reader (the core moves the position on its own).
        let Some(keyframe) = index.oldest_keyframe() else {
            return DiskStep::Lost;
        };
        log::warn!("timeshift: the disk window moved past the picture; going on from its start");
        disk.position = keyframe.position;
        disk.psi_pending = true;
    }
    if disk.psi_pending {
        ring.psi_packets().for_each(|p| out.extend_from_slice(p));
        disk.psi_pending = false;
    }
    let max = ((4 << 20) / crate::mpegts::TS_PACKET_SIZE) as u64;
    match disk.segment.read(&index, disk.position, limit, max, out) {
        Ok(0) if disk.position < limit => {
            drop(index);
            hand_over(disk, out).unwrap_or(DiskStep::Read)
        }
        Ok(n) => {
            disk.position += n;
            DiskStep::Read
        }
        Err(e) => {
            log::warn!("timeshift: reading the disk window: {e}");
            DiskStep::Lost
        }
    }
}
