// SPDX-License-Identifier: GPL-3.0-or-later
//! Subtitle tracks and the viewer's choice among them: which track to show when a channel is
//! tuned (the choice remembered for that channel, else the preferred language with the
//! hard-of-hearing preference, DVB before teletext before captions), and the SUBTITLE key
//! cycling off → each track → off, remembered per channel across restarts.
//!
//! How text subtitles look is the viewer's too ([`SubtitleStyle`], the menu's subtitles page):
//! size, a background box (or none, the text shadowed), position (bottom, raised above the
//! lower third where burnt-in names and tickers sit, or top) and a delay of up to ±5 s the
//! player applies when it holds subtitles back to their PTS, for streams whose subtitles are
//! timed badly. Bitmap (DVB) subtitles are pictures the broadcaster placed: they keep their
//! size, place and box, and follow the delay.
//!
//! Tracks arrive from the player (from the PMT's descriptors or the caption data it found);
//! the choice is remembered by kind, language and hard-of-hearing, never by the player's id,
//! which means nothing after a restart.

use serde::{Deserialize, Serialize};

use super::audio::canonical_language;
use super::{Core, Effect, PlayerCommand, RequestId};
use crate::lineup::ChannelKey;
use crate::mpegts::captions::{CaptionRow, Screen};
use crate::mpegts::subtitles::{SubtitleCarriage, SubtitleTrack as StreamTrack};
pub use crate::mpegts::teletext::Colour;
use crate::mpegts::teletext::{Page, Row};

/// How a subtitle track is carried (what the banner calls it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleKind {
    /// DVB bitmap subtitles.
    Dvb,
    /// A teletext subtitle page.
    Teletext,
    /// Closed captions (CEA-608/708).
    Captions,
    /// A WebVTT rendition of an HLS stream (fetched only while shown).
    WebVtt,
    /// A TTML AdaptationSet of a DASH stream (fetched only while shown).
    Ttml,
}

/// One subtitle track the player found in the stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubtitleTrack {
    /// The player's id for it (opaque to the core).
    pub id: String,
    pub kind: SubtitleKind,
    /// Language code as the stream declares it, if any.
    pub language: Option<String>,
    /// For the deaf and hard of hearing.
    pub hard_of_hearing: bool,
}

impl SubtitleTrack {
    /// The core's view of a track the PMT declares; the id names PID and page, which is what
    /// the player needs to find it again.
    pub fn from_stream(track: &StreamTrack) -> Self {
        let (kind, id) = match track.carriage {
            SubtitleCarriage::Dvb {
                composition_page,
                ancillary_page,
                ..
            } => (
                SubtitleKind::Dvb,
                format!("dvb:{}:{composition_page}:{ancillary_page}", track.pid),
            ),
            SubtitleCarriage::Teletext { page } => (
                SubtitleKind::Teletext,
                format!("teletext:{}:{}{:02x}", track.pid, page.magazine(), page.page()),
            ),
            SubtitleCarriage::Cea608 { channel } => (SubtitleKind::Captions, format!("cc:{channel}")),
            SubtitleCarriage::Cea708 { service } => (SubtitleKind::Captions, format!("service:{service}")),
        };
        Self {
            id,
            kind,
            language: track.language_str().map(str::to_owned),
            hard_of_hearing: track.hard_of_hearing,
        }
    }

    /// The CEA-708 service (1–6) of a captions track.
    pub fn caption_service(&self) -> Option<u8> {
        let number = self.id.strip_prefix("service:")?;
        (self.kind == SubtitleKind::Captions).then(|| number.parse().ok())?
    }

    /// The caption channel (1 for CC1) of a captions track.
    pub fn caption_channel(&self) -> Option<u8> {
        let number = self.id.strip_prefix("cc:")?;
        (self.kind == SubtitleKind::Captions).then(|| number.parse().ok())?
    }

    fn remembered(&self) -> SavedSubtitle {
        SavedSubtitle::Track {
            kind: self.kind,
            language: self.language.as_deref().map(canonical_language),
            hard_of_hearing: self.hard_of_hearing,
        }
    }

    fn speaks(&self, language: &str) -> bool {
        self.language.as_deref().map(canonical_language).as_deref() == Some(language)
    }
}

/// One line of subtitle text as the viewer sees it: runs of one colour each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleLine {
    pub runs: Vec<SubtitleRun>,
    /// Drawn at twice the height (teletext double height).
    pub double_height: bool,
}

/// Characters of one colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleRun {
    pub text: String,
    pub colour: Colour,
}

impl SubtitleLine {
    /// The boxed lines of a teletext subtitle page (spacing attributes already spaces).
    pub fn from_teletext(page: &Page) -> Vec<Self> {
        let lines = page.subtitle_lines();
        let line = |row: &Row| Self {
            double_height: row.double_height(),
            runs: row
                .spans
                .iter()
                .map(|s| SubtitleRun {
                    text: s.text.clone(),
                    colour: s.style.foreground,
                })
                .collect(),
        };
        lines.iter().map(line).collect()
    }

    /// The rows of a caption screen, top to bottom (CEA-608 has no double height).
    pub fn from_captions(screen: &Screen) -> Vec<Self> {
        let line = |row: &CaptionRow| Self {
            double_height: false,
            runs: row
                .runs
                .iter()
                .map(|r| SubtitleRun {
                    text: r.text.clone(),
                    colour: r.colour,
                })
                .collect(),
        };
        screen.rows.iter().map(line).collect()
    }

    /// The line's characters without colours.
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// A bitmap subtitle (DVB) as the viewer sees it: regions placed on the canvas the stream
/// composes for (720×576, or the HD size its display definition gives); the UI scales the
/// canvas to the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleImage {
    pub canvas_width: u32,
    pub canvas_height: u32,
    pub regions: Vec<SubtitleRegion>,
}

/// One region of a bitmap subtitle: straight RGBA, `width * 4` bytes a row, shared so that
/// views and events copy a pointer, not the pixels.
#[derive(Clone, PartialEq, Eq)]
pub struct SubtitleRegion {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub rgba: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for SubtitleRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}@{},{}", self.width, self.height, self.x, self.y)
    }
}

impl SubtitleImage {
    /// The display set of a DVB subtitle stream; `None` when it shows nothing.
    pub fn from_dvb(set: &crate::mpegts::dvbsub::DisplaySet) -> Option<Self> {
        let regions: Vec<SubtitleRegion> = set
            .regions
            .iter()
            .map(|r| SubtitleRegion {
                x: r.x,
                y: r.y,
                width: r.width,
                height: r.height,
                rgba: r.rgba.as_slice().into(),
            })
            .collect();
        (!regions.is_empty()).then_some(Self {
            canvas_width: set.display_width,
            canvas_height: set.display_height,
            regions,
        })
    }
}

/// The viewer's subtitle choice for one channel, as the state file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "choice")]
pub enum SavedSubtitle {
    /// The viewer turned subtitles off on this channel.
    Off,
    /// The viewer chose a track like this one.
    Track {
        kind: SubtitleKind,
        language: Option<String>,
        hard_of_hearing: bool,
    },
}

/// How many channels' choices the state file keeps (the oldest by key go first).
pub const REMEMBERED_CHANNELS: usize = 2_000;

/// How big subtitle text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleSize {
    Small,
    #[default]
    Medium,
    Large,
}

impl SubtitleSize {
    pub const ALL: [Self; 3] = [Self::Small, Self::Medium, Self::Large];

    /// The text's height against the medium size.
    pub fn scale(self) -> f32 {
        match self {
            Self::Small => 0.75,
            Self::Medium => 1.0,
            Self::Large => 1.4,
        }
    }
}

/// Where subtitle text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtitlePosition {
    /// At the bottom of the picture (above the banner when it is up).
    #[default]
    Bottom,
    /// Above the lower third, clear of burnt-in names and news tickers.
    Raised,
    /// At the top of the picture.
    Top,
}

impl SubtitlePosition {
    pub const ALL: [Self; 3] = [Self::Bottom, Self::Raised, Self::Top];
}

/// The furthest the delay goes either way, and its step on the menu.
pub const MAX_SUBTITLE_DELAY_MS: i32 = 5_000;
pub const SUBTITLE_DELAY_STEP_MS: i32 = 250;

/// How subtitles look and when they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtitleStyle {
    pub size: SubtitleSize,
    /// Text on a dark box (else shadowed, straight on the picture).
    pub background: bool,
    pub position: SubtitlePosition,
    /// Shown this much later than their PTS says (negative: earlier), within
    /// ±[`MAX_SUBTITLE_DELAY_MS`].
    pub delay_ms: i32,
}

impl Default for SubtitleStyle {
    fn default() -> Self {
        Self {
            size: SubtitleSize::Medium,
            background: true,
            position: SubtitlePosition::Bottom,
            delay_ms: 0,
        }
    }
}

impl SubtitleStyle {
    /// The same style with the delay inside its bounds (a hand-edited state file may say more).
    pub fn bounded(self) -> Self {
        Self {
            delay_ms: self.delay_ms.clamp(-MAX_SUBTITLE_DELAY_MS, MAX_SUBTITLE_DELAY_MS),
            ..self
        }
    }
}

/// The viewer's standing subtitle preferences (menu and configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitlePreferences {
    /// Show subtitles at tune when a track in `language` exists.
    pub enabled: bool,
    /// Preferred subtitle language (ISO 639-1 or 639-2).
    pub language: String,
    /// Prefer tracks for the hard of hearing (else prefer the others).
    pub hard_of_hearing: bool,
    /// How they look and when they show.
    pub style: SubtitleStyle,
}

impl Default for SubtitlePreferences {
    fn default() -> Self {
        Self {
            enabled: false,
            language: "eng".into(),
            hard_of_hearing: false,
            style: SubtitleStyle::default(),
        }
    }
}

/// The track to show at tune: the channel's remembered choice when one of the tracks matches
/// it (or `None` when it was "off"), else by preference.
pub fn pick<'a>(
    tracks: &'a [SubtitleTrack],
    remembered: Option<&SavedSubtitle>,
    prefs: &SubtitlePreferences,
) -> Option<&'a SubtitleTrack> {
    match remembered {
        Some(SavedSubtitle::Off) => return None,
        Some(choice) => {
            if let Some(track) = tracks.iter().find(|t| t.remembered() == *choice) {
                return Some(track);
            }
        }
        None => {}
    }
    if !prefs.enabled {
        return None;
    }
    let language = canonical_language(&prefs.language);
    let rank = |t: &SubtitleTrack| (t.hard_of_hearing != prefs.hard_of_hearing, t.kind);
    tracks
        .iter()
        .filter(|t| t.speaks(&language))
        .min_by_key(|t| rank(t))
}

/// The track after `current` for the SUBTITLE key: off → first → … → last → off.
pub fn next<'a>(tracks: &'a [SubtitleTrack], current: Option<&str>) -> Option<&'a SubtitleTrack> {
    match current.and_then(|id| tracks.iter().position(|t| t.id == id)) {
        Some(i) => tracks.get(i + 1),
        None => tracks.first(),
    }
}

impl Core {
    /// Records the subtitle tracks the player found; on the first report of a tune, picks one.
    pub(super) fn subtitle_tracks(
        &mut self,
        request: RequestId,
        tracks: Vec<SubtitleTrack>,
        fx: &mut Vec<Effect>,
    ) {
        let prefs = self.settings.subtitles.clone();
        let Some(channel) = self.current(request).map(|t| t.channel.clone()) else {
            return;
        };
        let remembered = self.saved.subtitles.get(&channel).cloned();
        let Some(tune) = self.current(request) else {
            return;
        };
        tune.subtitles = tracks;
        // A new report keeps the current choice while the track is still there; with none,
        // it picks again: captions are reported once their first control code arrives, after
        // the PMT's tracks (the viewer's "off" is remembered, so it stays off).
        let current = tune.subtitle_selected.clone();
        let kept = tune
            .subtitles
            .iter()
            .find(|t| tune.subtitle_applied && Some(&t.id) == current.as_ref())
            .cloned();
        tune.subtitle_applied = true;
        let chosen = kept.or_else(|| pick(&tune.subtitles, remembered.as_ref(), &prefs).cloned());
        self.select_subtitle(request, chosen, fx);
    }

    /// SUBTITLE: the next track (or off), remembered for this channel; the banner shows it.
    pub(super) fn next_subtitle(&mut self, fx: &mut Vec<Effect>) {
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        tune.subtitle_applied = true;
        let chosen = next(&tune.subtitles, tune.subtitle_selected.as_deref()).cloned();
        let (request, channel) = (tune.request, tune.channel.clone());
        let remembered = chosen
            .as_ref()
            .map_or(SavedSubtitle::Off, SubtitleTrack::remembered);
        self.remember_subtitle(channel, remembered);
        self.select_subtitle(request, chosen, fx);
        self.save_soon(fx);
        self.show_banner(fx);
    }

    fn remember_subtitle(&mut self, channel: ChannelKey, choice: SavedSubtitle) {
        let kept = &mut self.saved.subtitles;
        kept.insert(channel, choice);
        while kept.len() > REMEMBERED_CHANNELS {
            kept.pop_first();
        }
    }

    /// Subtitle text from the player for the track shown: replaces what is on screen (empty
    /// clears it). Text for a request moved on from, or while subtitles are off, is dropped.
    pub(super) fn subtitle_text(&mut self, request: RequestId, lines: Vec<SubtitleLine>) {
        if let Some(tune) = self.current(request).filter(|t| t.subtitle_selected.is_some()) {
            tune.subtitle_lines = lines;
        }
    }

    /// A bitmap subtitle from the player for the track shown (`None` clears it); dropped like
    /// text when it is for another request or subtitles are off.
    pub(super) fn subtitle_image(&mut self, request: RequestId, image: Option<SubtitleImage>) {
        if let Some(tune) = self.current(request).filter(|t| t.subtitle_selected.is_some()) {
            tune.subtitle_image = image;
        }
    }

    /// Tells the player what to show, when it changes.
    fn select_subtitle(&mut self, request: RequestId, track: Option<SubtitleTrack>, fx: &mut Vec<Effect>) {
        let Some(tune) = self.current(request) else {
            return;
        };
        let id = track.as_ref().map(|t| t.id.clone());
        if tune.subtitle_selected == id && tune.subtitle_announced {
            return;
        }
        if tune.subtitle_selected != id {
            tune.subtitle_lines.clear();
            tune.subtitle_image = None;
        }
        tune.subtitle_selected = id;
        tune.subtitle_announced = true;
        let delay_ms = self.settings.subtitles.style.delay_ms;
        fx.push(Effect::Player(PlayerCommand::SelectSubtitle {
            request,
            track,
            delay_ms,
        }));
    }

    /// Tells the player the new delay for the track shown (it keeps what it holds).
    pub(super) fn announce_subtitle_delay(&mut self, fx: &mut Vec<Effect>) {
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        if !tune.subtitle_announced {
            return;
        }
        tune.subtitle_announced = false;
        let (request, selected) = (tune.request, tune.subtitle_selected.clone());
        let track = tune
            .subtitles
            .iter()
            .find(|t| Some(&t.id) == selected.as_ref())
            .cloned();
        self.select_subtitle(request, track, fx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: &str, kind: SubtitleKind, language: &str, hoh: bool) -> SubtitleTrack {
        SubtitleTrack {
            id: id.into(),
            kind,
            language: Some(language.into()),
            hard_of_hearing: hoh,
        }
    }

    fn tracks() -> Vec<SubtitleTrack> {
        vec![
            track("t-fra-hoh", SubtitleKind::Teletext, "fra", true),
            track("t-fra", SubtitleKind::Teletext, "fra", false),
            track("d-fre", SubtitleKind::Dvb, "fre", false),
            track("d-deu", SubtitleKind::Dvb, "deu", false),
        ]
    }

    fn prefs(language: &str, hoh: bool) -> SubtitlePreferences {
        SubtitlePreferences {
            enabled: true,
            language: language.into(),
            hard_of_hearing: hoh,
            style: SubtitleStyle::default(),
        }
    }

    #[test]
    fn preference_picks_language_then_hearing_then_dvb() {
        let tracks = tracks();
        let id = |t: Option<&SubtitleTrack>| t.map(|t| t.id.clone());
        assert_eq!(id(pick(&tracks, None, &prefs("fr", false))), Some("d-fre".into()));
        assert_eq!(
            id(pick(&tracks, None, &prefs("fre", true))),
            Some("t-fra-hoh".into())
        );
        assert_eq!(id(pick(&tracks, None, &prefs("ger", true))), Some("d-deu".into()));
        assert_eq!(pick(&tracks, None, &prefs("ita", false)), None);
        let off = SubtitlePreferences::default();
        assert_eq!(pick(&tracks, None, &off), None);
    }

    /// A DASH channel's TTML tracks (the MPD's `lang`; `Role` `caption` for the hard of
    /// hearing): the preference picks by language, then by hearing.
    #[test]
    fn preference_picks_among_ttml_tracks() {
        let tracks = vec![
            track("ttml:0", SubtitleKind::Ttml, "en", false),
            track("ttml:1", SubtitleKind::Ttml, "en", true),
            track("ttml:2", SubtitleKind::Ttml, "de", false),
        ];
        let id = |t: Option<&SubtitleTrack>| t.map(|t| t.id.clone());
        assert_eq!(
            id(pick(&tracks, None, &prefs("eng", false))),
            Some("ttml:0".into())
        );
        assert_eq!(
            id(pick(&tracks, None, &prefs("eng", true))),
            Some("ttml:1".into())
        );
        assert_eq!(
            id(pick(&tracks, None, &prefs("ger", true))),
            Some("ttml:2".into())
        );
        // Remembered by kind, language and hearing, as the other kinds are.
        let chosen = tracks[1].remembered();
        assert_eq!(
            pick(&tracks, Some(&chosen), &SubtitlePreferences::default()).map(|t| t.id.as_str()),
            Some("ttml:1")
        );
    }

    #[test]
    fn the_remembered_choice_wins_when_it_is_there() {
        let tracks = tracks();
        let chosen = tracks[1].remembered();
        let off = SubtitlePreferences::default();
        assert_eq!(
            pick(&tracks, Some(&chosen), &off).map(|t| t.id.as_str()),
            Some("t-fra")
        );
        assert_eq!(
            pick(&tracks, Some(&SavedSubtitle::Off), &prefs("fr", false)),
            None
        );
        let gone = SavedSubtitle::Track {
            kind: SubtitleKind::Captions,
            language: None,
            hard_of_hearing: false,
        };
        let picked = pick(&tracks, Some(&gone), &prefs("de", false));
        assert_eq!(
            picked.map(|t| t.id.as_str()),
            Some("d-deu"),
            "falls back to the preference"
        );
    }

    #[test]
    fn the_key_cycles_through_off() {
        let tracks = tracks();
        let mut current: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..6 {
            current = next(&tracks, current.as_deref()).map(|t| t.id.clone());
            seen.push(current.clone().unwrap_or_else(|| "off".into()));
        }
        assert_eq!(seen, ["t-fra-hoh", "t-fra", "d-fre", "d-deu", "off", "t-fra-hoh"]);
        assert_eq!(next(&[], None), None);
    }
}
