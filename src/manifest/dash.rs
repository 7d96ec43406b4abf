// SPDX-License-Identifier: GPL-3.0-or-later
//! DASH MPDs (ISO/IEC 23009-1) as far as a recorder needs them: the tracks to record and, for
//! each, its initialization segment and the media segments available at a given time.
//!
//! Supported are the live and on-demand profiles most origins use: `SegmentTemplate` with
//! `$Number$` and a fixed `@duration`, and `SegmentTemplate` with a `SegmentTimeline` (`$Time$`
//! or `$Number$`), the template inherited from Period to AdaptationSet to Representation, and
//! `BaseURL` at every level. `SegmentBase`, `SegmentList` and MPEG-TS segments are refused by
//! name. One video track (its highest bandwidth) and the highest-bandwidth representation of
//! each audio adaptation set are taken, at most [`MAX_TRACKS`] in all. A dynamic MPD is read in
//! its last Period, a static one in its first.
//!
//! Text AdaptationSets are not recorded; those in a form the player reads itself (TTML as
//! `stpp` in fragmented MP4, or whole `application/ttml+xml` documents) are listed apart
//! ([`Mpd::texts`], at most [`MAX_TEXT_TRACKS`], one the parse cannot read left out alone),
//! with their Role and accessibility descriptors; [`without_text`] takes every text set out of
//! an MPD for a demuxer that would fetch them.
//!
//! When a live segment is available follows from the clock: segment `i` of a `$Number$` template
//! is complete `availabilityStartTime + Period@start + (i + 1) × duration`; a timeline lists
//! what is there (an open `r="-1"` runs up to the time asked). Timeline repeats are counted
//! before they are expanded, so a hostile `r` costs nothing but a refusal.

use super::{
    MAX_ADDRESSES_BYTES, MAX_DEPTH, MAX_ELEMENTS, MAX_SEGMENTS, MAX_TRACKS, ManifestError, TrackKind, charge,
    resolve,
};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// A parsed MPD.
#[derive(Debug, Clone, PartialEq)]
pub struct Mpd {
    /// `type="dynamic"`: a live presentation.
    pub dynamic: bool,
    /// `minimumUpdatePeriod` in seconds: how often a live MPD is fetched again.
    pub minimum_update_period: Option<f64>,
    pub tracks: Vec<Track>,
    /// The text AdaptationSets in a form the app reads (not recorded; shown while chosen).
    pub texts: Vec<TextTrack>,
}

/// One track to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub kind: TrackKind,
    pub language: Option<String>,
    /// The initialization segment's address.
    pub init: Option<String>,
    /// The segments available when the MPD was read (for a `$Number$` template: computed for
    /// the time [`parse`] was given; [`Track::available`] computes them for another time).
    pub segments: Vec<SegmentRef>,
    /// Units of the segments' times per second.
    pub timescale: u64,
    /// `presentationTimeOffset`: the media time (in the timescale) at the Period's start.
    pub presentation_time_offset: u64,
    numbering: Option<Numbering>,
}

/// One media segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRef {
    /// Orders the segments of a track: the number, or the start time in the timescale.
    pub key: u64,
    pub url: String,
    pub seconds: f64,
    /// When its first sample aired (Unix seconds), when the manifest says: a live MPD's
    /// `availabilityStartTime`, an HLS playlist's `EXT-X-PROGRAM-DATE-TIME`.
    pub aired: Option<f64>,
}

/// A `$Number$` template with a fixed duration, computed from the clock.
#[derive(Debug, Clone, PartialEq)]
struct Numbering {
    template: Template,
    start_number: u64,
    duration: u64,
    timescale: u64,
    pto: u64,
    /// `availabilityStartTime + Period@start` in Unix seconds (live), or `None` (on demand).
    live_origin: Option<f64>,
    /// The Period's (or presentation's) length, for on demand.
    length: Option<f64>,
    /// How far back a live window reaches (`timeShiftBufferDepth`).
    depth: f64,
}

/// A media or initialization template with what it is resolved against.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    text: String,
    base: String,
    representation: String,
    bandwidth: u64,
}

impl Template {
    fn url(&self, number: u64, time: u64) -> Result<String, ManifestError> {
        let mut out = String::with_capacity(self.text.len() + 16);
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let Some(end) = after.find('$') else {
                return Err(ManifestError::Malformed(format!("template {}", self.text)));
            };
            let token = &after[..end];
            let (name, format) = token.split_once('%').unwrap_or((token, ""));
            let width: usize = format
                .strip_prefix('0')
                .and_then(|f| f.strip_suffix('d'))
                .and_then(|w| w.parse().ok())
                .unwrap_or(0)
                .min(32);
            match name {
                "" => out.push('$'),
                "RepresentationID" => out.push_str(&self.representation),
                "Number" => out.push_str(&format!("{number:0width$}")),
                "Time" => out.push_str(&format!("{time:0width$}")),
                "Bandwidth" => out.push_str(&format!("{:0width$}", self.bandwidth)),
                other => {
                    return Err(ManifestError::Unsupported(format!(
                        "template identifier ${other}$"
                    )));
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        resolve(&self.base, &out)
    }
}

impl Track {
    /// Whether [`Track::available`] follows the clock (a `$Number$` template); else only a
    /// newer MPD lists newer segments.
    pub fn follows_the_clock(&self) -> bool {
        self.numbering.is_some()
    }

    /// The segments available at `now` (Unix seconds): for a `$Number$` template computed from
    /// the clock (a live MPD need not be fetched again), else those the MPD listed.
    pub fn available(&self, now: f64) -> Result<Vec<SegmentRef>, ManifestError> {
        match &self.numbering {
            Some(n) => {
                let mut budget = MAX_ADDRESSES_BYTES;
                n.available(now, &mut budget)
            }
            None => Ok(self.segments.clone()),
        }
    }
}

/// Numbers and times past 64 bits come only from a hostile manifest: refused, not wrapped.
fn beyond_64_bits() -> ManifestError {
    ManifestError::Malformed("segment numbers or times beyond 64 bits".into())
}

impl Numbering {
    fn seconds(&self) -> f64 {
        self.duration as f64 / self.timescale as f64
    }

    /// The segments available at `now`, their addresses counted against `budget`.
    fn available(&self, now: f64, budget: &mut usize) -> Result<Vec<SegmentRef>, ManifestError> {
        let each = self.seconds();
        let (first, count) = match self.live_origin {
            Some(origin) => {
                let complete = ((now - origin) / each).floor().max(0.0) as u64;
                let window = ((self.depth / each).ceil() as u64).clamp(1, 8);
                (complete.saturating_sub(window), complete)
            }
            None => {
                let length = self.length.ok_or_else(|| {
                    ManifestError::Unsupported("an on-demand template without a duration".into())
                })?;
                (0, (length / each).ceil() as u64)
            }
        };
        if count - first > MAX_SEGMENTS as u64 {
            return Err(ManifestError::TooManySegments);
        }
        (first..count)
            .map(|i| {
                let number = self.start_number.checked_add(i).ok_or_else(beyond_64_bits)?;
                let time = i
                    .checked_mul(self.duration)
                    .and_then(|t| t.checked_add(self.pto))
                    .ok_or_else(beyond_64_bits)?;
                let url = self.template.url(number, time)?;
                charge(budget, &url)?;
                Ok(SegmentRef {
                    key: number,
                    url,
                    seconds: each,
                    aired: self.live_origin.map(|o| o + i as f64 * each),
                })
            })
            .collect()
    }
}

/// An element of the MPD: name, attributes, children and text (only `BaseURL` has text).
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// `base` moved by this element's first `BaseURL`.
    fn base(&self, base: &str) -> Result<String, ManifestError> {
        match self
            .child("BaseURL")
            .map(|b| b.text.trim())
            .filter(|t| !t.is_empty())
        {
            Some(text) => resolve(base, text),
            None => Ok(base.to_string()),
        }
    }
}

/// The element tree of `text`, bounded in depth and size.
fn tree(text: &str) -> Result<Node, ManifestError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut elements = 0usize;
    let malformed = |e: quick_xml::Error| ManifestError::Malformed(e.to_string());
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(e) | Event::Empty(e) if stack.len() > MAX_DEPTH => {
                let _ = e;
                return Err(ManifestError::TooLarge);
            }
            Event::Start(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(ManifestError::TooLarge);
                }
                stack.push(node(&e));
            }
            Event::Empty(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(ManifestError::TooLarge);
                }
                let n = node(&e);
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(ManifestError::Malformed("an end tag without a start".into()));
                }
                if let Some(done) = stack.pop()
                    && let Some(top) = stack.last_mut()
                {
                    top.children.push(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut()
                    && top.text.len() < 4096
                {
                    top.text.push_str(&unescape(&String::from_utf8_lossy(&t)));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&unescape(&format!("&{};", String::from_utf8_lossy(&r))));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(ManifestError::Malformed("unclosed elements".into()));
    }
    stack
        .pop()
        .and_then(|root| root.children.into_iter().find(|c| c.name == "MPD"))
        .ok_or_else(|| ManifestError::Malformed("no MPD element".into()))
}

/// Attributes kept per element (real MPD elements have fewer than twenty): the inheritance of
/// `SegmentTemplate` attributes compares each with those in force, so their number must not
/// grow with the input.
const MAX_ATTRIBUTES: usize = 64;

fn node(e: &BytesStart<'_>) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let attrs = e
        .attributes()
        .flatten()
        .take(MAX_ATTRIBUTES)
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
            (key, unescape(&String::from_utf8_lossy(&a.value)))
        })
        .collect();
    Node {
        name,
        attrs,
        ..Node::default()
    }
}

/// XML's predefined entities and character references (enough for URLs and attributes).
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => out.push(c),
            None => out.push_str(&rest[at..at + end + 2]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// An ISO 8601 duration (`PT2S`, `PT1H30M`, `P1DT0.5S`) in seconds.
pub fn duration(text: &str) -> Option<f64> {
    let rest = text.trim().strip_prefix('P')?;
    let mut seconds = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                seconds += n * match (unit, in_time) {
                    ('Y', false) => 365.0 * 86400.0,
                    ('M', false) => 30.0 * 86400.0,
                    ('W', false) => 7.0 * 86400.0,
                    ('D', false) => 86400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    number.is_empty().then_some(seconds)
}

/// An `xs:dateTime` in Unix seconds (UTC when no offset is written).
fn date_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let stamp: jiff::Timestamp = text.parse().or_else(|_| format!("{text}Z").parse()).ok()?;
    Some(stamp.as_millisecond() as f64 / 1000.0)
}

/// The `SegmentTemplate` attributes in force at a level (inherited, then overridden).
#[derive(Debug, Clone, Default)]
struct Inherited<'a> {
    attrs: Vec<(&'a str, &'a str)>,
    timeline: Option<&'a Node>,
}

impl<'a> Inherited<'a> {
    fn over(&self, level: &'a Node) -> Self {
        let mut next = self.clone();
        if let Some(template) = level.child("SegmentTemplate") {
            for (k, v) in &template.attrs {
                next.attrs.retain(|(key, _)| key != k);
                next.attrs.push((k.as_str(), v.as_str()));
            }
            if let Some(timeline) = template.child("SegmentTimeline") {
                next.timeline = Some(timeline);
            }
        }
        next
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.attrs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn number(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }
}

/// Parses `text` fetched from `base_url`; `now` (Unix seconds) decides which live segments are
/// available.
pub fn parse(text: &str, base_url: &str, now: f64) -> Result<Mpd, ManifestError> {
    let mpd = tree(text)?;
    let dynamic = mpd.attr("type") == Some("dynamic");
    let ast = mpd.attr("availabilityStartTime").and_then(date_time);
    if dynamic && ast.is_none() {
        return Err(ManifestError::Malformed(
            "a dynamic MPD without availabilityStartTime".into(),
        ));
    }
    let depth = mpd
        .attr("timeShiftBufferDepth")
        .and_then(duration)
        .unwrap_or(30.0);
    let presentation = mpd.attr("mediaPresentationDuration").and_then(duration);
    let base = mpd.base(base_url)?;
    let mut periods = mpd.all("Period");
    let period = if dynamic { periods.last() } else { periods.next() }
        .ok_or_else(|| ManifestError::Malformed("no Period".into()))?;
    let period_start = period.attr("start").and_then(duration).unwrap_or(0.0);
    let period_length = period.attr("duration").and_then(duration).or(presentation);
    let base = period.base(&base)?;
    let inherited = Inherited::default().over(period);
    let context = Context {
        now,
        dynamic,
        live_origin: ast.filter(|_| dynamic).map(|a| a + period_start),
        period_length,
        depth,
    };
    let mut video: Option<Track> = None;
    let mut audio: Vec<Track> = Vec::new();
    let mut texts: Vec<TextTrack> = Vec::new();
    let mut budget = MAX_ADDRESSES_BYTES;
    // The text sets have their own budget: one a stranger inflated is left out alone, and cannot
    // use up what the picture's tracks are allowed.
    let mut text_budget = MAX_ADDRESSES_BYTES;
    for set in period.all("AdaptationSet") {
        let set_kind = kind_of(set);
        let set_base = set.base(&base)?;
        let set_inherited = inherited.over(set);
        if is_text(set) || set.all("Representation").any(is_text) {
            // A text set the app reads itself; one it cannot read is left out, never an error
            // (the picture and sound do not depend on it).
            if texts.len() < MAX_TEXT_TRACKS
                && let Some(text) = text_track(&context, set, &set_base, &set_inherited, &mut text_budget)
            {
                texts.push(text);
            }
            continue;
        }
        // The representation with the highest bandwidth of the set.
        let Some(rep) = set
            .all("Representation")
            .filter(|r| kind_of(r).or(set_kind).is_some())
            .max_by_key(|r| {
                r.attr("bandwidth")
                    .and_then(|b| b.parse::<u64>().ok())
                    .unwrap_or(0)
            })
        else {
            continue;
        };
        let Some(kind) = kind_of(rep).or(set_kind) else {
            continue;
        };
        let track = track_of(&context, kind, (set, &set_base, &set_inherited), rep, &mut budget)?;
        match kind {
            TrackKind::Video if video.is_none() => video = Some(track),
            TrackKind::Video | TrackKind::Text => {}
            TrackKind::Audio => audio.push(track),
        }
    }
    let tracks: Vec<Track> = video.into_iter().chain(audio).take(MAX_TRACKS).collect();
    if tracks.is_empty() {
        return Err(ManifestError::NoTracks);
    }
    Ok(Mpd {
        dynamic,
        minimum_update_period: mpd.attr("minimumUpdatePeriod").and_then(duration),
        tracks,
        texts,
    })
}

/// What every track of the Period is computed with.
struct Context {
    now: f64,
    dynamic: bool,
    /// `availabilityStartTime + Period@start` in Unix seconds (live).
    live_origin: Option<f64>,
    period_length: Option<f64>,
    depth: f64,
}

/// The track of representation `rep` in `set` (with its resolved base and the template
/// attributes in force there), its addresses counted against `budget`.
fn track_of(
    context: &Context,
    kind: TrackKind,
    (set, set_base, set_inherited): (&Node, &str, &Inherited<'_>),
    rep: &Node,
    budget: &mut usize,
) -> Result<Track, ManifestError> {
    let mime = rep.attr("mimeType").or(set.attr("mimeType")).unwrap_or("");
    if mime.contains("mp2t") {
        return Err(ManifestError::Unsupported("MPEG-TS segments in DASH".into()));
    }
    if rep.child("SegmentBase").is_some() || set.child("SegmentBase").is_some() {
        return Err(ManifestError::Unsupported("SegmentBase addressing".into()));
    }
    if rep.child("SegmentList").is_some() || set.child("SegmentList").is_some() {
        return Err(ManifestError::Unsupported("SegmentList addressing".into()));
    }
    let rep_base = rep.base(set_base)?;
    let template = set_inherited.over(rep);
    let representation = rep.attr("id").unwrap_or("").to_string();
    let bandwidth = rep.attr("bandwidth").and_then(|b| b.parse().ok()).unwrap_or(0);
    let make = |text: &str| Template {
        text: text.to_string(),
        base: rep_base.clone(),
        representation: representation.clone(),
        bandwidth,
    };
    let media = template
        .get("media")
        .map(make)
        .ok_or_else(|| ManifestError::Unsupported("a representation without a SegmentTemplate".into()))?;
    let init = template
        .get("initialization")
        .map(make)
        .map(|t| t.url(0, 0))
        .transpose()?;
    let timescale = template.number("timescale").unwrap_or(1).max(1);
    let start_number = template.number("startNumber").unwrap_or(1);
    let pto = template.number("presentationTimeOffset").unwrap_or(0);
    let live_origin = context.live_origin.filter(|_| context.dynamic);
    let (segments, numbering) = match template.timeline {
        Some(timeline) => {
            let end = live_origin.map(|o| pto as f64 + (context.now - o).max(0.0) * timescale as f64);
            let segments = expand(
                timeline,
                &media,
                (timescale, start_number, pto),
                live_origin,
                end.map(|e| e as u64),
                budget,
            )?;
            (segments, None)
        }
        None => {
            let duration = template
                .number("duration")
                .filter(|d| *d > 0)
                .ok_or_else(|| ManifestError::Unsupported("a SegmentTemplate without duration".into()))?;
            let numbering = Numbering {
                template: media.clone(),
                start_number,
                duration,
                timescale,
                pto,
                live_origin,
                length: context.period_length,
                depth: context.depth,
            };
            (numbering.available(context.now, budget)?, Some(numbering))
        }
    };
    Ok(Track {
        kind,
        language: set.attr("lang").or(rep.attr("lang")).map(str::to_string),
        init,
        segments,
        timescale,
        presentation_time_offset: pto,
        numbering,
    })
}

/// How a text track's segments carry TTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextForm {
    /// Fragmented MP4 with the `stpp` sample entry (`application/mp4`, `codecs="stpp…"`),
    /// each sample a TTML document (ISO/IEC 14496-30).
    Stpp,
    /// Each segment a whole TTML document (`application/ttml+xml`).
    Ttml,
}

/// A text AdaptationSet the app reads itself (subtitles, fetched only while shown).
#[derive(Debug, Clone, PartialEq)]
pub struct TextTrack {
    pub form: TextForm,
    /// `Role` `caption`, or an accessibility descriptor saying so: for the deaf and hard of
    /// hearing (DASH-IF IOP §10.2; TV-Anytime AudioPurposeCS 2 as DVB uses it).
    pub hard_of_hearing: bool,
    /// Its segments (`kind` [`TrackKind::Text`]).
    pub track: Track,
}

/// Text tracks taken from one MPD at most.
pub const MAX_TEXT_TRACKS: usize = 8;

/// Whether an AdaptationSet or Representation carries text (any text, read by the app or not).
fn is_text(node: &Node) -> bool {
    let mime = node.attr("mimeType").unwrap_or("");
    let codecs = node.attr("codecs").unwrap_or("");
    node.attr("contentType") == Some("text")
        || mime.starts_with("text/")
        || mime == "application/ttml+xml"
        || codecs.starts_with("stpp")
        || codecs.starts_with("wvtt")
}

/// The TTML form of representation `rep` of `set`, if it is one the app reads.
fn text_form(set: &Node, rep: &Node) -> Option<TextForm> {
    let mime = rep.attr("mimeType").or(set.attr("mimeType")).unwrap_or("");
    let codecs = rep.attr("codecs").or(set.attr("codecs")).unwrap_or("");
    match mime {
        "application/ttml+xml" => Some(TextForm::Ttml),
        "application/mp4" if codecs.starts_with("stpp") => Some(TextForm::Stpp),
        _ => None,
    }
}

/// The text track of `set`: its first representation in a form the app reads.
fn text_track(
    context: &Context,
    set: &Node,
    set_base: &str,
    set_inherited: &Inherited<'_>,
    budget: &mut usize,
) -> Option<TextTrack> {
    let (rep, form) = set
        .all("Representation")
        .find_map(|r| text_form(set, r).map(|f| (r, f)))?;
    let track = track_of(
        context,
        TrackKind::Text,
        (set, set_base, set_inherited),
        rep,
        budget,
    )
    .ok()?;
    let says = |node: &Node, element: &str| {
        node.all(element).any(|d| {
            let scheme = d.attr("schemeIdUri").unwrap_or("");
            let value = d.attr("value").unwrap_or("");
            (scheme == "urn:mpeg:dash:role:2011" && value == "caption")
                || (scheme == "urn:tva:metadata:cs:AudioPurposeCS:2007" && value == "2")
        })
    };
    let hard_of_hearing = [set, rep]
        .iter()
        .any(|n| says(n, "Role") || says(n, "Accessibility"));
    Some(TextTrack {
        form,
        hard_of_hearing,
        track,
    })
}

/// `mpd` without its text AdaptationSets, for a demuxer that would fetch every text set it is
/// told of (the app fetches subtitles itself, only while they are shown). Everything else is
/// kept byte for byte. An MPD that cannot be read is handed back as it is.
pub fn without_text(mpd: &str) -> String {
    let mut reader = Reader::from_str(mpd);
    let mut cut: Vec<(usize, usize)> = Vec::new();
    // The set being read: its start, depth, and whether it is text so far.
    let mut open: Option<(usize, usize, bool)> = None;
    let mut depth = 0usize;
    let mut elements = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => return mpd.to_string(),
        };
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS || depth > MAX_DEPTH {
                    return mpd.to_string();
                }
                let node = node(e);
                let empty = matches!(event, Event::Empty(_));
                let after = reader.buffer_position() as usize;
                match (&mut open, node.name.as_str()) {
                    // An empty set has no end tag: it is cut (or not) here, never left open.
                    (None, "AdaptationSet") if empty => cut.extend(is_text(&node).then_some((before, after))),
                    (None, "AdaptationSet") => open = Some((before, depth, is_text(&node))),
                    (Some((_, _, text)), "Representation") => *text |= is_text(&node),
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some((start, at, text)) = open
                    && depth == at
                {
                    if text {
                        cut.push((start, reader.buffer_position() as usize));
                    }
                    open = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut out = String::with_capacity(mpd.len());
    let mut at = 0;
    for (start, end) in cut {
        out.push_str(mpd.get(at..start).unwrap_or(""));
        at = end;
    }
    out.push_str(mpd.get(at..).unwrap_or(""));
    out
}

/// Video or audio, from `contentType` or `mimeType`; `None` for text (see [`is_text`]) and
/// anything else.
fn kind_of(node: &Node) -> Option<TrackKind> {
    let kind = node
        .attr("contentType")
        .or_else(|| node.attr("mimeType").and_then(|m| m.split('/').next()))?;
    match kind {
        "video" => Some(TrackKind::Video),
        "audio" => Some(TrackKind::Audio),
        _ => None,
    }
}

/// The segments of a `SegmentTimeline`; an open repeat (`r="-1"`) runs up to `end` (the live
/// edge in the timescale) or the next entry's `t`. Counted before expanded.
fn expand(
    timeline: &Node,
    media: &Template,
    (timescale, start_number, pto): (u64, u64, u64),
    origin: Option<f64>,
    end: Option<u64>,
    budget: &mut usize,
) -> Result<Vec<SegmentRef>, ManifestError> {
    let entries: Vec<&Node> = timeline.all("S").collect();
    let mut segments = Vec::new();
    let mut time = 0u64;
    let mut number = start_number;
    for (i, s) in entries.iter().enumerate() {
        let d: u64 = s
            .attr("d")
            .and_then(|d| d.parse().ok())
            .filter(|d| *d > 0)
            .ok_or_else(|| ManifestError::Malformed("an S without d".into()))?;
        if let Some(t) = s.attr("t").and_then(|t| t.parse().ok()) {
            time = t;
        }
        let r: i64 = s.attr("r").and_then(|r| r.parse().ok()).unwrap_or(0);
        let count = if r >= 0 {
            r as u64 + 1
        } else {
            // Open: up to the next entry's start, or the live edge.
            let until = entries
                .get(i + 1)
                .and_then(|n| n.attr("t"))
                .and_then(|t| t.parse::<u64>().ok())
                .or(end)
                .ok_or_else(|| ManifestError::Unsupported("an open repeat in a static timeline".into()))?;
            until.saturating_sub(time) / d
        };
        if segments.len() as u64 + count > MAX_SEGMENTS as u64 {
            return Err(ManifestError::TooManySegments);
        }
        for _ in 0..count {
            let next = time.checked_add(d).ok_or_else(beyond_64_bits)?;
            // A live timeline may list a segment still being written: it is not complete yet.
            if end.is_some_and(|e| next > e) {
                break;
            }
            let url = media.url(number, time)?;
            charge(budget, &url)?;
            segments.push(SegmentRef {
                key: time,
                url,
                seconds: d as f64 / timescale as f64,
                aired: origin.map(|o| o + (time as f64 - pto as f64) / timescale as f64),
            });
            time = next;
            number = number.checked_add(1).ok_or_else(beyond_64_bits)?;
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://origin.example/live/ch9/manifest.mpd";

    fn timeline_mpd() -> &'static str {
        r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2026-12-07T00:00:00Z"
     minimumUpdatePeriod="PT2S" timeShiftBufferDepth="PT10S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0" start="PT0S">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <SegmentTemplate timescale="1000" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/$Time$.m4s?a=1&amp;b=2">
        <SegmentTimeline><S t="0" d="2000" r="2"/><S d="1000"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="v1" bandwidth="500000" codecs="avc1.42c01f" width="640" height="360"/>
      <Representation id="v2" bandwidth="3000000" codecs="avc1.42c01f" width="1280" height="720"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="en">
      <SegmentTemplate timescale="48000" initialization="a/init.mp4" media="a/$Number%05d$.m4s" startNumber="7">
        <SegmentTimeline><S t="0" d="96000" r="-1"/></SegmentTimeline>
      </SegmentTemplate>
      <Representation id="a1" bandwidth="128000"/>
    </AdaptationSet>
    <AdaptationSet contentType="text" mimeType="application/mp4"><Representation id="t"/></AdaptationSet>
  </Period>
</MPD>"#
    }

    #[test]
    fn timeline_template_gives_the_best_video_and_the_audio() {
        let ast = date_time("2026-12-07T00:00:00Z").unwrap();
        let mpd = parse(timeline_mpd(), BASE, ast + 9.0).unwrap();
        assert!(mpd.dynamic);
        assert_eq!(mpd.minimum_update_period, Some(2.0));
        assert_eq!(mpd.tracks.len(), 2, "text is not recorded");
        let video = &mpd.tracks[0];
        assert_eq!(video.kind, TrackKind::Video);
        assert_eq!(
            video.init.as_deref(),
            Some("http://origin.example/live/ch9/v2/init.mp4")
        );
        let keys: Vec<_> = video.segments.iter().map(|s| (s.key, s.seconds)).collect();
        assert_eq!(keys, [(0, 2.0), (2000, 2.0), (4000, 2.0), (6000, 1.0)]);
        assert_eq!(
            video.segments[1].url,
            "http://origin.example/live/ch9/v2/2000.m4s?a=1&b=2"
        );
        let audio = &mpd.tracks[1];
        assert_eq!(audio.language.as_deref(), Some("en"));
        assert_eq!(
            audio.segments[1].aired,
            Some(ast + 2.0),
            "aired from availabilityStartTime"
        );
        // r=-1 runs to the live edge (9 s): four complete 2 s segments, numbered from 7.
        let urls: Vec<_> = audio.segments.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://origin.example/live/ch9/a/00007.m4s",
                "http://origin.example/live/ch9/a/00008.m4s",
                "http://origin.example/live/ch9/a/00009.m4s",
                "http://origin.example/live/ch9/a/00010.m4s"
            ]
        );
    }

    #[test]
    fn number_template_follows_the_clock() {
        let text = r#"<MPD type="dynamic" availabilityStartTime="2026-12-07T00:00:00Z" timeShiftBufferDepth="PT6S">
  <BaseURL>https://cdn.example/x/</BaseURL>
  <Period start="PT10S"><AdaptationSet mimeType="video/mp4">
    <SegmentTemplate timescale="90000" duration="180000" startNumber="1" media="seg-$Number$.m4s" initialization="init-$RepresentationID$.mp4"/>
    <Representation id="hd" bandwidth="1"><BaseURL>hd/</BaseURL></Representation>
  </AdaptationSet></Period></MPD>"#;
        let ast = date_time("2026-12-07T00:00:00Z").unwrap();
        // 10 s of period start, then 7 s: three complete 2 s segments (1, 2, 3).
        let mpd = parse(text, BASE, ast + 17.0).unwrap();
        let track = &mpd.tracks[0];
        assert_eq!(
            track.init.as_deref(),
            Some("https://cdn.example/x/hd/init-hd.mp4")
        );
        let keys: Vec<_> = track.segments.iter().map(|s| s.key).collect();
        assert_eq!(keys, [1, 2, 3]);
        assert_eq!(track.segments[2].url, "https://cdn.example/x/hd/seg-3.m4s");
        assert_eq!(
            track.segments[2].aired,
            Some(ast + 14.0),
            "10 s of period, two segments"
        );
        // Later, without fetching the MPD again: the window moves (6 s deep: three segments).
        let later: Vec<_> = track
            .available(ast + 31.5)
            .unwrap()
            .iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(later, [8, 9, 10]);
        // Before the period starts nothing is available.
        assert!(track.available(ast + 5.0).unwrap().is_empty());
    }

    #[test]
    fn static_number_template_lists_the_whole_presentation() {
        let text = r#"<MPD type="static" mediaPresentationDuration="PT9S"><Period>
  <AdaptationSet contentType="audio"><SegmentTemplate duration="2" media="$Number$.m4s"/>
  <Representation id="a" bandwidth="1"/></AdaptationSet></Period></MPD>"#;
        let mpd = parse(text, BASE, 0.0).unwrap();
        assert_eq!(mpd.tracks[0].segments.len(), 5, "9 s in 2 s segments");
        assert_eq!(mpd.tracks[0].init, None);
    }

    #[test]
    fn hostile_mpds_are_refused_without_work() {
        let huge_repeat = timeline_mpd().replace(r#"r="2""#, r#"r="4000000000""#);
        assert_eq!(
            parse(&huge_repeat, BASE, 0.0),
            Err(ManifestError::TooManySegments)
        );
        let local = timeline_mpd().replace("$RepresentationID$/init.mp4", "file:///etc/passwd");
        assert!(matches!(parse(&local, BASE, 0.0), Err(ManifestError::NotHttp(_))));
        let base = timeline_mpd().replace(
            "<Period id=\"0\" start=\"PT0S\">",
            "<Period><BaseURL>file:///tmp/</BaseURL>",
        );
        assert!(matches!(parse(&base, BASE, 0.0), Err(ManifestError::NotHttp(_))));
        let deep = format!("<MPD>{}{}</MPD>", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse(&deep, BASE, 0.0), Err(ManifestError::TooLarge));
        let many = format!("<MPD type=\"static\">{}</MPD>", "<x/>".repeat(MAX_ELEMENTS + 1));
        assert_eq!(parse(&many, BASE, 0.0), Err(ManifestError::TooLarge));
        let clock_window = r#"<MPD type="static" mediaPresentationDuration="P100Y"><Period>
  <AdaptationSet contentType="video"><SegmentTemplate duration="1" media="$Number$.m4s"/>
  <Representation id="v"/></AdaptationSet></Period></MPD>"#;
        assert_eq!(
            parse(clock_window, BASE, 0.0),
            Err(ManifestError::TooManySegments)
        );
        let ts = r#"<MPD type="static" mediaPresentationDuration="PT4S"><Period>
  <AdaptationSet mimeType="video/mp2t"><SegmentTemplate duration="2" media="$Number$.ts"/>
  <Representation id="v"/></AdaptationSet></Period></MPD>"#;
        assert!(matches!(parse(ts, BASE, 0.0), Err(ManifestError::Unsupported(_))));
        assert!(matches!(
            parse("<MPD><Period>", BASE, 0.0),
            Err(ManifestError::Malformed(_))
        ));
        assert!(matches!(
            parse("#EXTM3U", BASE, 0.0),
            Err(ManifestError::Malformed(_))
        ));
        let no_tracks = r#"<MPD type="static"><Period/></MPD>"#;
        assert_eq!(parse(no_tracks, BASE, 0.0), Err(ManifestError::NoTracks));
    }

    /// Text sets in both forms the player reads, with Role and accessibility descriptors; one
    /// in a form it does not read (WebVTT in MP4) is left out; none is recorded.
    #[test]
    fn text_tracks_and_their_roles() {
        let text = r#"<MPD type="dynamic" availabilityStartTime="2026-12-07T00:00:00Z" timeShiftBufferDepth="PT6S"><Period>
  <AdaptationSet contentType="video" mimeType="video/mp4"><SegmentTemplate timescale="90000" duration="180000" presentationTimeOffset="900" media="v/$Number$.m4s"/>
    <Representation id="v" bandwidth="1"/></AdaptationSet>
  <AdaptationSet contentType="text" mimeType="application/mp4" codecs="stpp" lang="en">
    <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>
    <SegmentTemplate timescale="1000" duration="2000" startNumber="0" presentationTimeOffset="500" initialization="t/init.mp4" media="t/$Number$.m4s"/>
    <Representation id="t" bandwidth="1"/></AdaptationSet>
  <AdaptationSet mimeType="application/ttml+xml" lang="de">
    <Accessibility schemeIdUri="urn:tva:metadata:cs:AudioPurposeCS:2007" value="2"/>
    <SegmentTemplate timescale="1" duration="2" media="ttml/$Number$.xml"/>
    <Representation id="d" bandwidth="1"><Role schemeIdUri="urn:mpeg:dash:role:2011" value="caption"/></Representation></AdaptationSet>
  <AdaptationSet contentType="text" mimeType="application/mp4" codecs="wvtt" lang="fr">
    <SegmentTemplate timescale="1000" duration="2000" media="w/$Number$.m4s"/><Representation id="w"/></AdaptationSet>
</Period></MPD>"#;
        let ast = date_time("2026-12-07T00:00:00Z").unwrap();
        let mpd = parse(text, BASE, ast + 7.0).unwrap();
        assert_eq!(mpd.tracks.len(), 1, "text is not recorded");
        assert_eq!(mpd.tracks[0].presentation_time_offset, 900);
        let summary: Vec<_> = mpd
            .texts
            .iter()
            .map(|t| {
                (
                    t.form,
                    t.track.language.as_deref(),
                    t.hard_of_hearing,
                    t.track.kind,
                    t.track.timescale,
                    t.track.presentation_time_offset,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (TextForm::Stpp, Some("en"), false, TrackKind::Text, 1000, 500),
                (TextForm::Ttml, Some("de"), true, TrackKind::Text, 1, 0),
            ]
        );
        let stpp = &mpd.texts[0].track;
        assert_eq!(
            stpp.init.as_deref(),
            Some("http://origin.example/live/ch9/t/init.mp4")
        );
        let keys: Vec<_> = stpp.available(ast + 9.0).unwrap().iter().map(|s| s.key).collect();
        assert_eq!(keys, [1, 2, 3], "4 s behind 9 s: the window follows the clock");
        assert_eq!(
            mpd.texts[1].track.segments.last().map(|s| s.url.as_str()),
            Some("http://origin.example/live/ch9/ttml/3.xml")
        );
        // A hostile text set is left out alone; the picture's tracks are unchanged.
        let hostile = text.replace("t/$Number$.m4s", "file:///etc/$Number$");
        let mpd = parse(&hostile, BASE, ast + 7.0).unwrap();
        assert_eq!(mpd.texts.len(), 1);
        assert_eq!(mpd.texts[0].form, TextForm::Ttml);
        // So is one whose addresses are past the caps; it takes nothing from the picture's.
        let long = "x".repeat(super::super::MAX_ADDRESS_BYTES);
        let inflated = text.replace("t/$Number$.m4s", &format!("{long}$Number$"));
        let mpd = parse(&inflated, BASE, ast + 7.0).unwrap();
        assert_eq!((mpd.tracks.len(), mpd.texts.len()), (1, 1));
        assert_eq!(mpd.texts[0].form, TextForm::Ttml);
    }

    /// Every text set goes, byte ranges cut; the rest is byte for byte the same.
    #[test]
    fn text_sets_taken_out() {
        let mpd = "<?xml version=\"1.0\"?>\n<MPD><Period>\n\
            <AdaptationSet contentType=\"video\"><Representation id=\"v\"/></AdaptationSet>\n\
            <AdaptationSet contentType=\"text\" lang=\"en\"><Role value=\"caption\"/><Representation id=\"t\"/></AdaptationSet>\n\
            <AdaptationSet mimeType=\"audio/mp4\"><Representation id=\"a\"/></AdaptationSet>\n\
            <AdaptationSet><Representation id=\"s\" mimeType=\"application/mp4\" codecs=\"stpp\"/></AdaptationSet>\n\
            <AdaptationSet mimeType=\"application/ttml+xml\"/>\n\
            </Period></MPD>\n";
        let stripped = without_text(mpd);
        assert_eq!(
            stripped,
            "<?xml version=\"1.0\"?>\n<MPD><Period>\n\
            <AdaptationSet contentType=\"video\"><Representation id=\"v\"/></AdaptationSet>\n\
            \n\
            <AdaptationSet mimeType=\"audio/mp4\"><Representation id=\"a\"/></AdaptationSet>\n\
            \n\
            \n\
            </Period></MPD>\n"
        );
        assert_eq!(without_text("<MPD><Period>"), "<MPD><Period>");
        assert_eq!(without_text("not xml <"), "not xml <");
    }

    /// Numbers past 64 bits and addresses that multiply: refused, never wrapped, never held.
    #[test]
    fn hostile_numbers_and_long_addresses_are_refused() {
        let wrap = timeline_mpd().replace(
            r#"<S t="0" d="2000" r="2"/>"#,
            r#"<S t="18446744073709551610" d="2000" r="2"/>"#,
        );
        assert!(matches!(
            parse(&wrap, BASE, 0.0),
            Err(ManifestError::Malformed(_))
        ));
        let numbers = r#"<MPD type="dynamic" availabilityStartTime="1970-01-01T00:00:00Z"><Period>
  <AdaptationSet contentType="video"><SegmentTemplate duration="1" timescale="1000000" startNumber="18446744073709551615" media="$Number$.m4s"/>
  <Representation id="v"/></AdaptationSet></Period></MPD>"#;
        assert!(matches!(
            parse(numbers, BASE, 1.0e9),
            Err(ManifestError::Malformed(_))
        ));
        let long = "x".repeat(super::super::MAX_ADDRESS_BYTES);
        let too_long = timeline_mpd().replace("a/$Number%05d$.m4s", &format!("{long}$Number$"));
        // Late enough for the live edge to have passed segments (the addresses are made then), and
        // early enough for the audio's endless timeline (2 s segments) to stay within MAX_SEGMENTS.
        let late = date_time("2026-12-07T00:00:00Z").unwrap() + 10_000.0;
        assert_eq!(parse(&too_long, BASE, late), Err(ManifestError::TooLarge));
        // 3,000-byte addresses, 10,000 times: 30 MB of addresses from a 3 KB manifest.
        let repeated = timeline_mpd()
            .replace(
                "$RepresentationID$/$Time$.m4s?a=1&amp;b=2",
                &format!("{}$Time$", &long[..3000]),
            )
            .replace(r#"r="2""#, r#"r="9990""#);
        assert_eq!(parse(&repeated, BASE, late), Err(ManifestError::TooLarge));
        let fewer = repeated.replace(r#"r="9990""#, r#"r="900""#);
        assert_eq!(parse(&fewer, BASE, late).unwrap().tracks[0].segments.len(), 902);
    }

    #[test]
    fn attributes_beyond_the_cap_are_not_kept() {
        let mpd = |junk: usize| {
            let many: String = (0..junk).map(|i| format!(" x{i}=\"1\"")).collect();
            format!(
                r#"<MPD type="static" mediaPresentationDuration="PT4S"><Period><AdaptationSet contentType="video">
  <SegmentTemplate{many} duration="2" media="$Number$.m4s"/><Representation id="v"/></AdaptationSet></Period></MPD>"#
            )
        };
        assert_eq!(parse(&mpd(10), BASE, 0.0).unwrap().tracks[0].segments.len(), 2);
        assert!(
            matches!(parse(&mpd(10_000), BASE, 0.0), Err(ManifestError::Unsupported(_))),
            "the template's attributes after the first {MAX_ATTRIBUTES} are not read"
        );
    }

    #[test]
    fn durations_and_entities() {
        assert_eq!(duration("PT2S"), Some(2.0));
        assert_eq!(duration("PT1H30M0.5S"), Some(5400.5));
        assert_eq!(duration("P1DT1S"), Some(86401.0));
        assert_eq!(duration("2S"), None);
        assert_eq!(duration("PT2"), None);
        assert_eq!(unescape("a&amp;b&#x41;&#66;&bogus;&"), "a&bAB&bogus;&");
    }
}
