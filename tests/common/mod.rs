// SPDX-License-Identifier: GPL-3.0-or-later
//! Scenario harness for the pure core: a lineup builder and a simulated shell that keeps the
//! timers the core asks for and fires them as test time advances.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use zapbox::core::{
    Action, Core, Effect, Event, Now, PlayerCommand, PlayerEvent, RequestId, SavedState, Settings, TimerId,
    ViewModel,
};
use zapbox::lineup::{Channel, ChannelKey, Lineup, MulticastGroup, Origin, Source, SourceKind};

pub fn key(s: &str) -> ChannelKey {
    ChannelKey(s.to_string())
}

pub fn udp_source(n: u32) -> Source {
    let group = IpAddr::V4(Ipv4Addr::new(239, 1, (n / 250) as u8, (n % 250) as u8 + 1));
    Source {
        url: format!("udp://@{group}:5000"),
        kind: SourceKind::Multicast,
        multicast: Some(MulticastGroup {
            group,
            port: 5000,
            source: None,
        }),
        user_agent: None,
        referrer: None,
        headers: Vec::new(),
        program: None,
        properties: Vec::new(),
        origin: Origin {
            file: "test.m3u".into(),
            line: n as usize,
        },
    }
}

pub fn channel(number: u32, name: &str, group: &str) -> Channel {
    Channel {
        number,
        key: key(&name.to_lowercase()),
        name: name.to_string(),
        tvg_id: None,
        tvg_name: None,
        logo: None,
        groups: vec![group.to_string()],
        radio: false,
        guide_shift_minutes: 0,
        catchup: None,
        sources: vec![udp_source(number)],
    }
}

/// Channels numbered as given, named `ch<number>`, in group "News" when even, "Sport" when odd.
pub fn lineup(numbers: &[u32]) -> Lineup {
    let channels = numbers
        .iter()
        .map(|&n| channel(n, &format!("ch{n}"), if n % 2 == 0 { "News" } else { "Sport" }))
        .collect();
    Lineup {
        channels,
        guide_urls: Vec::new(),
    }
}

/// The core plus a fake clock and the timers it has asked for.
pub struct Shell {
    pub core: Core,
    pub now_ms: u64,
    /// How far the wall clock is from the monotonic one (a clock step changes it).
    pub utc_offset_ms: i64,
    pub timers: BTreeMap<TimerId, u64>,
    /// Every effect so far, in order (timers excluded).
    pub log: Vec<Effect>,
    /// The request id of the latest `Play` command.
    last_play: Option<RequestId>,
}

impl Shell {
    pub fn with_settings(lineup: Lineup, settings: Settings) -> Self {
        let mut shell = Self::new(lineup, SavedState::default());
        shell.core = Core::new(shell.core.lineup().clone(), SavedState::default(), settings);
        shell
    }

    /// A shell whose core starts from `saved` (as after a restart) with `settings`.
    pub fn with_settings_and_state(lineup: Lineup, settings: Settings, saved: SavedState) -> Self {
        let mut shell = Self::new(lineup, SavedState::default());
        shell.core = Core::new(shell.core.lineup().clone(), saved, settings);
        shell
    }

    pub fn new(lineup: Lineup, saved: SavedState) -> Self {
        Self {
            core: Core::new(lineup, saved, Settings::default()),
            now_ms: 0,
            utc_offset_ms: 0,
            timers: BTreeMap::new(),
            log: Vec::new(),
            last_play: None,
        }
    }

    /// A started shell (last channel tuned) with the start-up effects cleared.
    pub fn started(lineup: Lineup) -> Self {
        let mut shell = Self::new(lineup, SavedState::default());
        shell.send(Event::Started);
        shell.log.clear();
        shell
    }

    pub fn now(&self) -> Now {
        Now {
            monotonic_ms: self.now_ms,
            utc_ms: self.now_ms as i64 + self.utc_offset_ms,
        }
    }

    /// The wall clock is set `by_ms` forward (or back), and the shell's clock watch reports it.
    pub fn step_clock(&mut self, by_ms: i64) -> Vec<Effect> {
        self.utc_offset_ms += by_ms;
        self.send(Event::ClockStepped { by_ms })
    }

    /// Handles one event; returns its non-timer effects.
    pub fn send(&mut self, event: Event) -> Vec<Effect> {
        let effects = self.core.handle(event, self.now());
        let mut visible = Vec::new();
        for effect in effects {
            match effect {
                Effect::StartTimer { timer, after_ms } => {
                    self.timers.insert(timer, self.now_ms + after_ms);
                }
                Effect::CancelTimer(timer) => {
                    self.timers.remove(&timer);
                }
                Effect::Player(PlayerCommand::Play { request, .. }) => {
                    self.last_play = Some(request);
                    visible.push(effect);
                }
                other => visible.push(other),
            }
        }
        self.log.extend(visible.iter().cloned());
        visible
    }

    pub fn press(&mut self, action: Action) -> Vec<Effect> {
        self.send(Event::Action(action))
    }

    pub fn type_digits(&mut self, digits: &str) -> Vec<Effect> {
        digits
            .bytes()
            .flat_map(|b| self.press(Action::Digit(b - b'0')))
            .collect()
    }

    /// Advances test time, firing due timers in time order; returns their non-timer effects.
    pub fn advance(&mut self, ms: u64) -> Vec<Effect> {
        let until = self.now_ms + ms;
        let mut out = Vec::new();
        while let Some((&timer, &due)) = self.timers.iter().min_by_key(|(_, due)| **due) {
            if due > until {
                break;
            }
            self.timers.remove(&timer);
            self.now_ms = due;
            out.extend(self.send(Event::Timer(timer)));
        }
        self.now_ms = until;
        out
    }

    pub fn view(&self) -> ViewModel {
        self.core.view(self.now())
    }

    /// The key of the channel the view says was requested.
    pub fn requested(&self) -> Option<String> {
        self.view().requested.map(|c| c.key.0)
    }

    /// The request id of the latest `Play` command.
    pub fn last_request(&self) -> RequestId {
        self.last_play.expect("a Play command was issued")
    }

    /// The player reports the first frame of the latest request.
    pub fn first_frame(&mut self) {
        let request = self.last_request();
        self.send(Event::Player(PlayerEvent::FirstFrame {
            request,
            decoder: Some("avdec_h264".into()),
        }));
    }
}

/// The channels of the `Play` commands among `effects`.
pub fn played(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player(PlayerCommand::Play { channel, .. }) => Some(channel.0.clone()),
            _ => None,
        })
        .collect()
}
