// SPDX-License-Identifier: GPL-3.0-or-later
//! The player thread: takes [`PlayerCommand`]s from its queue, one at a time, and does all the slow
//! work of a zap there (joining and leaving groups, building and starting pipelines), so the thread
//! that sends commands never waits on GStreamer or the network. Old pipelines go to the janitor.
//!
//! A zap, in order: the old session is detached from its tap; every tap neither live nor hot is
//! left (IGMP leave before any join, so the joined groups never exceed the budget); the live tap is
//! opened (joined cold, or found hot with its last keyframe) and a pipeline attached to it; then the
//! missing hot taps are joined, after the live picture has what it needs.
//!
//! An HLS channel's live picture is its own pipeline (`hlsdemux` behind `playbin3`), and its
//! timeshift window a tap of its own ([`TapKey::hls_window`]), opened with the live request and
//! left with the zap: a request behind live or in trick play on it attaches to that tap.

use super::ingest::{Ingest, Recording, TapKey, TapNotice};
use super::session::{Session, Start};
use super::{EventSink, PlayerConfig, pipeline::Decoder};
use crate::core::{HotChannel, PlayerCommand, PlayerEvent, RequestId, StartAt, ZapPath};
use crate::lineup::{ChannelKey, Source};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

/// What the player thread's queue carries.
pub enum Message {
    Command(PlayerCommand),
    Tap(TapNotice),
    /// Answered once every earlier message is done (tests and benchmarks).
    Sync(mpsc::SyncSender<()>),
    /// A recording reads this channel's tap (joined now unless the picture or a hot channel has
    /// it) from `behind` live; the tap stays joined until `Unrecord` with the same id.
    Record {
        id: u64,
        channel: ChannelKey,
        source: Box<Source>,
        behind: std::time::Duration,
        reply: mpsc::Sender<Result<(Recording, std::time::Duration), crate::core::PlayerError>>,
    },
    /// The recording `id` ended: its tap is left unless something else reads it.
    Unrecord {
        id: u64,
    },
    Quit,
}

/// The player thread's state.
pub struct Engine {
    config: PlayerConfig,
    events: EventSink,
    ingest: Ingest,
    session: Option<Session>,
    /// The taps kept joined besides the live one, with their channels.
    hot: Vec<(TapKey, ChannelKey)>,
    /// The taps recordings read (by recording id): kept joined through zaps and standby.
    recorded: Vec<(u64, TapKey)>,
    /// The timeshift window's tap of the live HLS channel (its picture has no tap).
    window: Option<TapKey>,
    volume: f64,
    muted: bool,
    /// The audio track the next session starts with (`PreferAudio`).
    audio: Arc<crate::core::AudioPreference>,
    decoder: Arc<Mutex<Option<Decoder>>>,
    janitor: super::janitor::Janitor,
}

impl Engine {
    pub fn new(
        config: PlayerConfig,
        events: EventSink,
        decoder: Arc<Mutex<Option<Decoder>>>,
        queue: mpsc::Sender<Message>,
    ) -> std::io::Result<Self> {
        let queue = Mutex::new(queue);
        let notify: super::ingest::Notify = Arc::new(move |notice| {
            if let Ok(queue) = queue.lock() {
                let _ = queue.send(Message::Tap(notice));
            }
        });
        let janitor = super::janitor::Janitor::spawn()?;
        Ok(Self {
            ingest: Ingest::new(
                config.multicast_interface,
                config.timeshift.clone(),
                events.clone(),
                notify,
                janitor.clone(),
            ),
            config,
            events,
            session: None,
            hot: Vec::new(),
            recorded: Vec::new(),
            window: None,
            volume: 1.0,
            muted: false,
            audio: Arc::default(),
            decoder,
            janitor,
        })
    }

    /// Runs until `Quit` or until every sender is gone; leaves every group on the way out.
    pub fn run(mut self, queue: mpsc::Receiver<Message>) {
        for message in queue {
            match message {
                Message::Command(command) => self.execute(command),
                Message::Tap(notice) => self.tap_notice(notice),
                Message::Sync(done) => {
                    let _ = done.send(());
                }
                Message::Record {
                    id,
                    channel,
                    source,
                    behind,
                    reply,
                } => {
                    let _ = reply.send(self.record(id, &channel, &source, behind));
                }
                Message::Unrecord { id } => self.unrecord(id),
                Message::Quit => break,
            }
        }
        self.recorded.clear();
        self.stop();
    }

    /// Starts a recording on `channel`'s tap: the one the picture or a hot channel reads when it
    /// is joined already (no second join), else a new one that zaps leave alone.
    fn record(
        &mut self,
        id: u64,
        channel: &ChannelKey,
        source: &Source,
        behind: std::time::Duration,
    ) -> Result<(Recording, std::time::Duration), crate::core::PlayerError> {
        let key = TapKey::of(source).ok_or_else(|| crate::core::PlayerError {
            kind: crate::core::ErrorKind::Unsupported,
            detail: "only multicast and RTP channels are recorded from a tap".into(),
        })?;
        let tap = self.ingest.open(key, channel)?;
        let started = tap.record_behind(behind);
        self.recorded.retain(|(i, _)| *i != id);
        self.recorded.push((id, key));
        Ok(started)
    }

    /// A recording ended: its tap goes when neither the picture, a hot channel nor another
    /// recording reads it.
    fn unrecord(&mut self, id: u64) {
        self.recorded.retain(|(i, _)| *i != id);
        let keep = self.kept(self.live_key());
        self.ingest.retain(&keep);
    }

    /// The tap of the live channel: the picture's, or the HLS channel's window.
    fn live_key(&self) -> Option<TapKey> {
        self.session.as_ref().and_then(|s| s.tap).or(self.window)
    }

    /// The taps to keep joined: live, hot and recorded.
    fn kept(&self, live: Option<TapKey>) -> Vec<TapKey> {
        live.into_iter()
            .chain(self.hot.iter().map(|(k, _)| *k))
            .chain(self.recorded.iter().map(|(_, k)| *k))
            .collect()
    }

    fn execute(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play {
                request,
                channel,
                source,
                hot,
                start,
            } => self.play(request, &channel, &source, &hot, start),
            PlayerCommand::Pause { request } => self.pause(request),
            PlayerCommand::Resume { request } => {
                if let Some(session) = self.session.as_ref().filter(|s| s.request == request) {
                    session.resume();
                }
            }
            PlayerCommand::Hot { channels } => {
                let live = self.live_key();
                self.set_hot(live, &channels);
            }
            PlayerCommand::PreferAudio { preference } => self.audio = Arc::new(preference),
            PlayerCommand::SelectAudio { request, track } => {
                if let Some(session) = self.session.as_ref().filter(|s| s.request == request) {
                    session.select_audio(&track);
                }
            }
            PlayerCommand::SelectSubtitle {
                request,
                track,
                delay_ms,
            } => {
                let session = self.session.as_ref().filter(|s| s.request == request);
                match session.and_then(|s| s.tap).and_then(|key| self.ingest.get(&key)) {
                    Some(tap) => tap.select_subtitle(request, track.as_ref(), delay_ms),
                    // An HLS channel's subtitles are read beside its pipeline.
                    None if session.is_some_and(|s| s.select_subtitle(track.as_ref(), delay_ms)) => {}
                    None => log::debug!("request {request:?}: subtitles {track:?} not drawn here"),
                }
            }
            PlayerCommand::Teletext { request, open } => {
                let session = self.session.as_ref().filter(|s| s.request == request);
                match session.and_then(|s| s.tap).and_then(|key| self.ingest.get(&key)) {
                    Some(tap) => tap.teletext(request, open),
                    // Only multicast channels are read by the app.
                    None => log::debug!("request {request:?}: no teletext read here"),
                }
            }
            PlayerCommand::Stop => self.stop(),
            PlayerCommand::SetVolume { percent } => {
                self.volume = f64::from(percent.min(100)) / 100.0;
                self.apply_volume();
            }
            PlayerCommand::SetMute { muted } => {
                self.muted = muted;
                self.apply_volume();
            }
        }
    }

    /// Freezes the current request; its tap keeps filling the window.
    fn pause(&mut self, request: RequestId) {
        let Some(session) = self.session.as_ref().filter(|s| s.request == request) else {
            return;
        };
        session.pause();
        if let Some(tap) = session.tap.and_then(|k| self.ingest.get(&k)) {
            tap.pause(request);
        }
    }

    fn play(
        &mut self,
        request: RequestId,
        channel: &ChannelKey,
        source: &Source,
        hot: &[HotChannel],
        at: StartAt,
    ) {
        let asked = Instant::now();
        self.end_session();
        let window = TapKey::hls_window(source).filter(|_| self.config.timeshift.ott);
        self.window = window;
        // A request behind live on an HLS channel reads its window's tap.
        let behind = !matches!(at, StartAt::Live | StartAt::FileOffset { .. });
        let live = TapKey::of(source).or(window.filter(|_| behind));
        // Leave what is neither live nor hot before joining anything.
        self.hot = hot_taps(hot, live.or(window));
        let keep = self.kept(live.or(window));
        self.ingest.retain(&keep);
        if let Ok(mut slot) = self.decoder.lock() {
            *slot = None;
        }
        let start = Start {
            request,
            outputs: &self.config.outputs,
            events: &self.events,
            decoder: self.decoder.clone(),
            janitor: self.janitor.clone(),
            audio: self.audio.clone(),
        };
        // The live HLS picture's downloads feed its window too (one fetch per segment): a new
        // window starts with them, one that exists already (back to live from behind it) is
        // offered them and stops its own fetch once they flow.
        let mut share = window
            .filter(|_| live.is_none() && matches!(at, StartAt::Live))
            .map(|_| super::hls_input::share());
        let started = match live {
            Some(key) => self
                .ingest
                .open_hls_or_group(key, channel, source)
                .and_then(|tap| Session::from_tap(start, key, tap, at))
                .map(|(session, attached)| {
                    let path = if attached.cached {
                        ZapPath::Hot
                    } else {
                        ZapPath::Cold
                    };
                    let behind_live_ms = attached.behind_live.map(|d| d.as_millis() as u64);
                    (session, path, behind_live_ms)
                }),
            None => Session::from_uri(start, source, share.as_ref().map(|(tx, _)| tx.clone())).map(|s| {
                if let StartAt::FileOffset { ms } = at {
                    s.seek_file(ms);
                }
                (s, ZapPath::Ott, None)
            }),
        };
        match started {
            Ok((session, path, behind_live_ms)) => {
                log::debug!(
                    "zap to {channel:?}: {path:?} path, started in {} ms{}",
                    asked.elapsed().as_millis(),
                    behind_live_ms.map_or(String::new(), |ms| format!(", {ms} ms behind live"))
                );
                session.set_volume(self.volume, self.muted);
                if session.tap.is_none()
                    && let Some(key) = window
                {
                    // The live HLS picture: its window's tap fills beside it.
                    let feed = share.take().map(|(_, rx)| rx);
                    let (feed, offer) = match self.ingest.get(&key) {
                        Some(_) => (None, feed),
                        None => (feed, None),
                    };
                    match self.ingest.open_hls(key, channel, source, feed) {
                        Ok(tap) => {
                            if let Some(feed) = offer {
                                tap.offer_feed(feed);
                            }
                            tap.watch(request)
                        }
                        Err(e) => log::warn!("no timeshift window for {channel:?}: {}", e.detail),
                    }
                }
                self.session = Some(session);
                (self.events)(PlayerEvent::Started {
                    request,
                    path,
                    behind_live_ms,
                });
            }
            Err(error) => (self.events)(PlayerEvent::Failed { request, error }),
        }
        self.join_hot();
    }

    /// A new hot set without a zap (expiry, budget, standby).
    fn set_hot(&mut self, live: Option<TapKey>, channels: &[HotChannel]) {
        self.hot = hot_taps(channels, live);
        let keep = self.kept(live);
        self.ingest.retain(&keep);
        self.join_hot();
    }

    /// Joins the hot taps not joined yet; a refused join is reported like a silent one.
    fn join_hot(&mut self) {
        let hot = std::mem::take(&mut self.hot);
        let mut kept = Vec::with_capacity(hot.len());
        for (key, channel) in hot {
            match self.ingest.open(key, &channel) {
                Ok(_) => kept.push((key, channel)),
                Err(error) => {
                    log::info!("hot channel {channel:?} not joined: {}", error.detail);
                    (self.events)(PlayerEvent::HotLost {
                        channel,
                        reason: crate::core::HotLoss::Refused,
                    });
                }
            }
        }
        self.hot = kept;
    }

    /// A tap nobody watches went silent: leave it and tell the core (unless it became live meanwhile).
    fn tap_notice(&mut self, notice: TapNotice) {
        let TapNotice::Silent { key, reason } = notice;
        if self.session.as_ref().is_some_and(|s| s.tap == Some(key))
            || self.window == Some(key)
            || self.recorded.iter().any(|(_, k)| *k == key)
            || self.ingest.get(&key).is_none_or(|t| t.has_consumer())
        {
            return;
        }
        self.hot.retain(|(k, _)| *k != key);
        if let Some(channel) = self.ingest.close(&key) {
            log::info!("hot channel {channel:?} dropped: {reason:?}");
            (self.events)(PlayerEvent::HotLost { channel, reason });
        }
    }

    /// Detaches the current session from its tap and hands its pipeline to the janitor.
    fn end_session(&mut self) {
        if let Some(session) = self.session.take()
            && let Some(tap) = session.tap.and_then(|k| self.ingest.get(&k))
        {
            tap.detach(session.request);
        }
    }

    /// Stops the picture and leaves every group but the recorded ones (a recording goes on in
    /// standby).
    fn stop(&mut self) {
        self.end_session();
        self.hot.clear();
        self.window = None;
        let keep = self.kept(None);
        self.ingest.retain(&keep);
    }

    fn apply_volume(&self) {
        if let Some(session) = &self.session {
            session.set_volume(self.volume, self.muted);
        }
    }
}

/// The taps of `channels` (multicast and RTP sources only), without the live one and duplicates.
fn hot_taps(channels: &[HotChannel], live: Option<TapKey>) -> Vec<(TapKey, ChannelKey)> {
    let mut taps: Vec<(TapKey, ChannelKey)> = Vec::new();
    for hot in channels {
        if let Some(key) = TapKey::of(&hot.source)
            && Some(key) != live
            && !taps.iter().any(|(k, _)| *k == key)
        {
            taps.push((key, hot.channel.clone()));
        }
    }
    taps
}
