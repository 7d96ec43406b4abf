// SPDX-License-Identifier: GPL-3.0-or-later
//! TTML (W3C Timed Text Markup Language 1, and the EBU-TT-D and IMSC 1 text profiles DASH
//! carries) as far as a subtitle line needs it: each `<p>`'s time interval and its text, line
//! breaks (`<br/>`) and the colour of its runs (`tts:color`, inline or from a referenced
//! `<style>`). Layout (regions, alignment, fonts, `tts:backgroundColor`) is the viewer's: the
//! app draws text subtitles in its own style, so those attributes are read past.
//!
//! Timing follows TTML's `par` time containers: `begin` and `end` of an element count from its
//! parent's begin, `dur` from its own; an element ends at the latest when its parent does; a
//! `<p>` without an end lasts to its container's end, or, when nothing gives one, to the end
//! of the document's own interval, which the caller knows (an MP4 sample's or a segment's end:
//! [`Cue::end_ms`] is `None` then). Time expressions are clock times (`HH:MM:SS`,
//! `HH:MM:SS.fff`, `HH:MM:SS:FF` and `HH:MM:SS:FF.sub` with `ttp:frameRate`,
//! `ttp:frameRateMultiplier` and `ttp:subFrameRate`) and offset times (`1.5s`, `20f`, `900t`
//! with `ttp:tickRate`, `h`, `m`, `ms`). A `<span>` with its own timing splits its `<p>` into
//! consecutive cues, each with the text active during it. Times come out as milliseconds on
//! the document's timeline; what that timeline is (the DASH media timeline) is the caller's.
//!
//! The document comes from a stranger's server. It is read once, front to back, by the
//! streaming XML reader the project uses elsewhere (`quick-xml`; no DOM, entities other than
//! XML's own and character references are never expanded): at most [`MAX_BYTES`], elements
//! nested deeper than [`MAX_DEPTH`] skipped with their content, at most [`MAX_CUES`] cues,
//! [`MAX_CUE_LINES`] lines and [`MAX_CUE_CHARS`] characters a cue, [`MAX_RUNS`] timed or
//! coloured runs a paragraph and [`MAX_STYLES`] styles. A `<p>` (or a `<span>`, `<div>`) whose
//! timing cannot be read is dropped alone, with what it holds; XML that stops being well formed
//! ends the reading there, the cues read so far kept. Everything dropped or cut is counted in
//! [`Ttml::repaired`]. The work is linear in the input: each paragraph's split is bounded by
//! its capped runs. Nothing panics.

use crate::mpegts::teletext::Colour;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Bytes of one document read at most (a live sample is a few KiB; images are not read).
pub const MAX_BYTES: usize = 512 * 1024;
/// Cues kept from one document at most.
pub const MAX_CUES: usize = 500;
/// Characters of one cue's text kept at most.
pub const MAX_CUE_CHARS: usize = 400;
/// Lines of one cue kept at most.
pub const MAX_CUE_LINES: usize = 4;
/// Element nesting read at most (real documents nest six deep).
pub const MAX_DEPTH: usize = 32;
/// Runs of text (pieces with their own time or colour) kept in one paragraph.
pub const MAX_RUNS: usize = 32;
/// Styles remembered from the head.
pub const MAX_STYLES: usize = 64;
/// The largest time accepted, in seconds: 100 years, beyond any media timeline, far below
/// what milliseconds in a `u64` hold.
const MAX_SECONDS: f64 = 100.0 * 365.25 * 86_400.0;

/// One run of text in one colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub colour: Colour,
}

/// One cue: from `start_ms` to `end_ms` (`None`: to the end of the document's interval), its
/// lines of runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: Option<u64>,
    pub lines: Vec<Vec<Run>>,
}

impl Cue {
    /// The cue's lines as plain text.
    pub fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| l.iter().map(|r| r.text.as_str()).collect())
            .collect()
    }
}

/// A parsed document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ttml {
    /// In document order.
    pub cues: Vec<Cue>,
    /// What was dropped or cut: unreadable timing, cues or text beyond the caps, elements
    /// nested too deeply, a document cut at [`MAX_BYTES`] or ending ill-formed.
    pub repaired: usize,
}

/// The document's time parameters (`ttp:*` on the root).
#[derive(Debug, Clone, Copy)]
struct Rates {
    /// Effective frames per second (`frameRate` × `frameRateMultiplier`).
    frame: f64,
    sub_frame: f64,
    tick: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            frame: 30.0,
            sub_frame: 1.0,
            tick: 1.0,
        }
    }
}

/// What an open element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Styling,
    Body,
    Div,
    P,
    Span,
    Other,
}

/// An open element: its interval on the document's timeline (ms; `None` end: open) and colour.
#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: Kind,
    begin: u64,
    end: Option<u64>,
    colour: Option<Colour>,
}

/// A piece of a paragraph's text with its own interval and colour.
#[derive(Debug, Clone)]
struct Piece {
    line: usize,
    text: String,
    colour: Colour,
    begin: u64,
    end: Option<u64>,
}

/// The paragraph being read.
#[derive(Debug, Default)]
struct Paragraph {
    begin: u64,
    end: Option<u64>,
    pieces: Vec<Piece>,
    line: usize,
    chars: usize,
    /// Lines beyond [`MAX_CUE_LINES`] began: no more text is taken.
    full: bool,
    cut: bool,
}

/// Parses `bytes` (see the module's notes on limits and repair).
pub fn parse(bytes: &[u8]) -> Ttml {
    let mut out = Ttml::default();
    let head = match bytes.get(..MAX_BYTES) {
        Some(head) if bytes.len() > MAX_BYTES => {
            out.repaired += 1;
            head
        }
        _ => bytes,
    };
    let text = String::from_utf8_lossy(head);
    let mut reader = Reader::from_str(&text);
    // A mismatched end tag closes the innermost element rather than ending the reading.
    reader.config_mut().check_end_names = false;
    let mut rates = Rates::default();
    let mut styles: Vec<(String, Colour)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Elements being skipped (too deep, or with unreadable timing), counted to their end.
    let mut skipping = 0usize;
    let mut paragraph: Option<Paragraph> = None;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => {
                out.repaired += 1;
                break;
            }
        };
        match event {
            // Inside a skipped element: only its nesting is followed (an empty element has no
            // end to count), its text is left out.
            Event::Start(_) if skipping > 0 => skipping += 1,
            Event::End(_) if skipping > 0 => skipping -= 1,
            Event::Empty(_) | Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if skipping > 0 => {}
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    out.repaired += 1;
                    skipping = 1;
                    continue;
                }
                match open(&e, &stack, &mut rates, &mut styles) {
                    Some(frame) => {
                        if frame.kind == Kind::P {
                            paragraph = Some(Paragraph {
                                begin: frame.begin,
                                end: frame.end,
                                ..Paragraph::default()
                            });
                        }
                        stack.push(frame);
                    }
                    None => {
                        out.repaired += 1;
                        skipping = 1;
                    }
                }
            }
            Event::Empty(e) => {
                let name = e.local_name();
                if name.as_ref() == b"br" {
                    if let Some(p) = paragraph.as_mut() {
                        if p.line + 1 < MAX_CUE_LINES {
                            p.line += 1;
                        } else {
                            // Text after the last line kept is left out.
                            p.full = true;
                            p.cut = true;
                        }
                    }
                } else if name.as_ref() == b"style" {
                    // A style's definition (remembered by `open`).
                    let _ = open(&e, &stack, &mut rates, &mut styles);
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else { continue };
                if frame.kind == Kind::P
                    && let Some(p) = paragraph.take()
                {
                    finish(p, &mut out);
                }
            }
            Event::Text(t) => {
                let text = String::from_utf8_lossy(&t);
                add_text(&mut paragraph, stack.last(), &text);
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t);
                add_text(&mut paragraph, stack.last(), &text);
            }
            Event::GeneralRef(r) => {
                let name: &[u8] = &r;
                let c = match name {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                match c.filter(|c| !c.is_control() || *c == '\n' || *c == '\t') {
                    Some(c) => add_text(&mut paragraph, stack.last(), c.encode_utf8(&mut [0; 4])),
                    // An entity a DTD would define is never expanded: left out.
                    None => out.repaired += 1,
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(p) = paragraph.take() {
        // A document cut inside a paragraph: what was read of it is kept.
        finish(p, &mut out);
    }
    out
}

/// The frame of element `e` opened inside `stack`; reads the root's rates and the head's
/// styles on the way. `None`: its timing cannot be read (the element is skipped).
fn open(
    e: &BytesStart<'_>,
    stack: &[Frame],
    rates: &mut Rates,
    styles: &mut Vec<(String, Colour)>,
) -> Option<Frame> {
    let name = e.local_name();
    let kind = match name.as_ref() {
        b"styling" => Kind::Styling,
        b"body" => Kind::Body,
        b"div" => Kind::Div,
        b"p" => Kind::P,
        b"span" => Kind::Span,
        _ => Kind::Other,
    };
    let attrs: Vec<(Vec<u8>, String)> = e
        .attributes()
        .flatten()
        .take(64)
        .map(|a| {
            let key = a.key.local_name().as_ref().to_vec();
            (key, String::from_utf8_lossy(&a.value).into_owned())
        })
        .collect();
    let get = |key: &[u8]| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    if name.as_ref() == b"tt" {
        *rates = read_rates(&get);
    }
    let parent = stack.last().copied().unwrap_or(Frame {
        kind: Kind::Other,
        begin: 0,
        end: None,
        colour: None,
    });
    // The colour: the parent's, a referenced style's, then the element's own.
    let mut colour = parent.colour;
    if let Some(ids) = get(b"style") {
        for id in ids.split_whitespace() {
            if let Some((_, c)) = styles.iter().find(|(s, _)| s == id) {
                colour = Some(*c);
            }
        }
    }
    if let Some(c) = get(b"color").and_then(parse_colour) {
        colour = Some(c);
    }
    if name.as_ref() == b"style" && stack.iter().any(|f| f.kind == Kind::Styling) {
        if let (Some(id), Some(c)) = (get(b"id"), colour)
            && styles.len() < MAX_STYLES
        {
            styles.push((id.to_string(), c));
        }
        return Some(Frame {
            kind,
            begin: parent.begin,
            end: parent.end,
            colour,
        });
    }
    if !matches!(kind, Kind::Body | Kind::Div | Kind::P | Kind::Span) {
        return Some(Frame {
            kind,
            colour,
            ..parent
        });
    }
    let offset = |key: &[u8]| -> Result<Option<u64>, ()> {
        match get(key) {
            None => Ok(None),
            Some(v) => time(v, rates).map(Some).ok_or(()),
        }
    };
    let begin = parent.begin.checked_add(offset(b"begin").ok()?.unwrap_or(0))?;
    let mut end = match (offset(b"end").ok()?, offset(b"dur").ok()?) {
        (Some(e), _) => Some(parent.begin.checked_add(e)?),
        (None, Some(d)) => Some(begin.checked_add(d)?),
        (None, None) => parent.end,
    };
    if let (Some(e), Some(limit)) = (end, parent.end) {
        end = Some(e.min(limit));
    }
    Some(Frame {
        kind,
        begin,
        end,
        colour,
    })
}

/// `ttp:frameRate`, `ttp:frameRateMultiplier`, `ttp:subFrameRate`, `ttp:tickRate` (TTML1
/// §6.2): the tick rate defaults to the effective frame rate times the sub-frame rate when a
/// frame rate is given, else to 1.
fn read_rates<'a>(get: &impl Fn(&[u8]) -> Option<&'a str>) -> Rates {
    // Rates up to 1 GHz: EBU-TT-D documents count 10 MHz ticks.
    let positive = |v: Option<&str>| {
        v.and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1e9)
    };
    let frame_rate = positive(get(b"frameRate"));
    let multiplier = get(b"frameRateMultiplier")
        .and_then(|m| {
            let mut parts = m.split_whitespace();
            let num = positive(parts.next())?;
            let den = positive(parts.next())?;
            Some(num / den)
        })
        .unwrap_or(1.0);
    let frame = frame_rate.unwrap_or(30.0) * multiplier;
    let sub_frame = positive(get(b"subFrameRate")).unwrap_or(1.0);
    let tick = positive(get(b"tickRate")).unwrap_or(if frame_rate.is_some() {
        frame * sub_frame
    } else {
        1.0
    });
    Rates {
        frame,
        sub_frame,
        tick,
    }
}

/// A time expression in milliseconds (TTML1 §10.3.1).
fn time(text: &str, rates: &Rates) -> Option<u64> {
    let text = text.trim();
    let seconds = if text.contains(':') {
        clock_time(text, rates)?
    } else {
        offset_time(text, rates)?
    };
    (seconds.is_finite() && (0.0..=MAX_SECONDS).contains(&seconds)).then(|| (seconds * 1000.0).round() as u64)
}

/// Digits only, at most `max` of them, as a number.
fn digits(text: &str, max: usize) -> Option<f64> {
    (!text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())?
}

/// `HH:MM:SS`, `HH:MM:SS.fff`, `HH:MM:SS:FF`, `HH:MM:SS:FF.sub`.
fn clock_time(text: &str, rates: &Rates) -> Option<f64> {
    let mut parts = text.split(':');
    let hours = digits(parts.next()?, 7)?;
    let minutes_text = parts.next()?;
    let minutes = digits(minutes_text, 2).filter(|m| *m < 60.0 && minutes_text.len() == 2)?;
    let seconds_text = parts.next()?;
    let (whole, fraction) = match seconds_text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (seconds_text, None),
    };
    if whole.len() != 2 {
        return None;
    }
    let mut seconds = digits(whole, 2).filter(|s| *s <= 60.0)?;
    if let Some(f) = fraction {
        seconds += digits(f, 9)? / 10f64.powi(f.len() as i32);
    }
    if let Some(frames_text) = parts.next() {
        if fraction.is_some() {
            return None;
        }
        let (frames, sub) = match frames_text.split_once('.') {
            Some((f, s)) => (digits(f, 6)?, Some(digits(s, 6)?)),
            None => (digits(frames_text, 6)?, None),
        };
        seconds += frames / rates.frame;
        if let Some(sub) = sub {
            seconds += sub / (rates.frame * rates.sub_frame);
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some(hours * 3600.0 + minutes * 60.0 + seconds)
}

/// `1.5s`, `90m`, `2h`, `250ms`, `20f`, `900t`.
fn offset_time(text: &str, rates: &Rates) -> Option<f64> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, metric) = text.split_at(split);
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (number, None),
    };
    let mut value = digits(whole, 15)?;
    if let Some(f) = fraction {
        value += digits(f, 9)? / 10f64.powi(f.len() as i32);
    }
    Some(match metric {
        "h" => value * 3600.0,
        "m" => value * 60.0,
        "s" => value,
        "ms" => value / 1000.0,
        "f" => value / rates.frame,
        "t" => value / rates.tick,
        _ => return None,
    })
}

/// `tts:color`: a named colour, `#rrggbb`, `#rrggbbaa`, `rgb(r,g,b)` or `rgba(r,g,b,a)`, as the
/// nearest of the eight colours subtitles are drawn in. A fully transparent colour is none.
fn parse_colour(text: &str) -> Option<Colour> {
    let text = text.trim();
    let (r, g, b, a) = if let Some(hex) = text.strip_prefix('#') {
        if !hex.is_ascii() || !(hex.len() == 6 || hex.len() == 8) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        let a = if hex.len() == 8 { byte(6)? } else { 255 };
        (byte(0)?, byte(2)?, byte(4)?, a)
    } else if let Some(inner) = text
        .strip_prefix("rgba(")
        .or_else(|| text.strip_prefix("rgb("))
        .and_then(|t| t.strip_suffix(')'))
    {
        let values: Vec<u8> = inner
            .split(',')
            .map(|v| v.trim().parse::<u8>().ok())
            .collect::<Option<_>>()?;
        match values.as_slice() {
            [r, g, b] => (*r, *g, *b, 255),
            [r, g, b, a] => (*r, *g, *b, *a),
            _ => return None,
        }
    } else {
        let named = match text.to_ascii_lowercase().as_str() {
            "white" | "silver" => Colour::White,
            "yellow" | "olive" => Colour::Yellow,
            "cyan" | "aqua" | "teal" => Colour::Cyan,
            "lime" | "green" => Colour::Green,
            "magenta" | "fuchsia" | "purple" => Colour::Magenta,
            "red" | "maroon" => Colour::Red,
            "blue" | "navy" => Colour::Blue,
            "black" | "gray" => Colour::Black,
            _ => return None,
        };
        return Some(named);
    };
    if a == 0 {
        return None;
    }
    let bits = (u8::from(r >= 128), u8::from(g >= 128), u8::from(b >= 128));
    Some(match bits {
        (0, 0, 0) => Colour::Black,
        (1, 0, 0) => Colour::Red,
        (0, 1, 0) => Colour::Green,
        (1, 1, 0) => Colour::Yellow,
        (0, 0, 1) => Colour::Blue,
        (1, 0, 1) => Colour::Magenta,
        (0, 1, 1) => Colour::Cyan,
        _ => Colour::White,
    })
}

/// Text inside the paragraph being read, in the innermost element's time and colour.
fn add_text(paragraph: &mut Option<Paragraph>, frame: Option<&Frame>, text: &str) {
    let (Some(p), Some(frame)) = (paragraph.as_mut(), frame) else {
        return;
    };
    if p.full {
        return;
    }
    if p.chars >= MAX_CUE_CHARS {
        p.cut |= !text.trim().is_empty();
        return;
    }
    // XML's default white space handling for display: runs of it become one space.
    let mut collapsed = String::with_capacity(text.len().min(MAX_CUE_CHARS * 4));
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if c.is_control() {
            continue;
        }
        if space {
            collapsed.push(' ');
            space = false;
        }
        if p.chars >= MAX_CUE_CHARS {
            p.cut = true;
            break;
        }
        collapsed.push(c);
        p.chars += 1;
    }
    if space {
        collapsed.push(' ');
    }
    // A space that ends the line's text so far makes this one's first space redundant.
    let line_ends_in_space = p
        .pieces
        .iter()
        .rev()
        .find(|piece| piece.line == p.line)
        .is_some_and(|piece| piece.text.ends_with(' '));
    if line_ends_in_space && collapsed.starts_with(' ') {
        collapsed.remove(0);
    }
    if collapsed.is_empty() {
        return;
    }
    let colour = frame.colour.unwrap_or(Colour::White);
    // The same line, time and colour as the last piece: one piece.
    if let Some(last) = p.pieces.last_mut()
        && last.line == p.line
        && last.colour == colour
        && last.begin == frame.begin
        && last.end == frame.end
    {
        last.text.push_str(&collapsed);
        return;
    }
    if p.pieces.len() >= MAX_RUNS {
        p.cut = true;
        return;
    }
    p.pieces.push(Piece {
        line: p.line,
        text: collapsed,
        colour,
        begin: frame.begin,
        end: frame.end,
    });
}

/// The cues of a finished paragraph: one per interval in which the same text is active (one
/// for a paragraph without timed spans).
fn finish(p: Paragraph, out: &mut Ttml) {
    if p.cut {
        out.repaired += 1;
    }
    if p.pieces.is_empty() || p.end.is_some_and(|e| e <= p.begin) {
        return;
    }
    // The moments the text changes: the paragraph's begin and every piece's begin and end
    // inside the paragraph. At most 2 × MAX_RUNS + 1.
    let inside = |t: u64| t > p.begin && p.end.is_none_or(|e| t < e);
    let mut marks: Vec<u64> = std::iter::once(p.begin)
        .chain(p.pieces.iter().map(|piece| piece.begin).filter(|t| inside(*t)))
        .chain(
            p.pieces
                .iter()
                .filter_map(|piece| piece.end)
                .filter(|t| inside(*t)),
        )
        .collect();
    marks.sort_unstable();
    marks.dedup();
    let mut previous: Option<Cue> = None;
    for (i, &from) in marks.iter().enumerate() {
        let to = marks.get(i + 1).copied().or(p.end);
        let mut lines: Vec<Vec<Run>> = Vec::new();
        for piece in p
            .pieces
            .iter()
            .filter(|piece| piece.begin <= from && piece.end.is_none_or(|e| e > from))
        {
            while lines.len() <= piece.line {
                lines.push(Vec::new());
            }
            lines[piece.line].push(Run {
                text: piece.text.clone(),
                colour: piece.colour,
            });
        }
        let lines = tidy(lines);
        let cue = (!lines.is_empty()).then_some(Cue {
            start_ms: from,
            end_ms: to,
            lines,
        });
        match (previous.as_mut(), cue) {
            // The same text goes on: the earlier cue is longer.
            (Some(prev), Some(cue)) if prev.lines == cue.lines => prev.end_ms = cue.end_ms,
            (_, cue) => {
                if let Some(done) = previous.take() {
                    push(out, done);
                }
                previous = cue;
            }
        }
    }
    if let Some(done) = previous {
        push(out, done);
    }
}

fn push(out: &mut Ttml, cue: Cue) {
    if out.cues.len() >= MAX_CUES {
        out.repaired += 1;
        return;
    }
    out.cues.push(cue);
}

/// Lines without the spaces at their ends or doubled between runs; empty lines and runs out.
fn tidy(lines: Vec<Vec<Run>>) -> Vec<Vec<Run>> {
    let mut out = Vec::new();
    for line in lines {
        let mut runs: Vec<Run> = Vec::new();
        for mut run in line {
            let after_space = runs.last().is_none_or(|r: &Run| r.text.ends_with(' '));
            if after_space {
                run.text = run.text.trim_start().to_string();
            }
            if !run.text.is_empty() {
                runs.push(run);
            }
        }
        if let Some(last) = runs.last_mut() {
            last.text.truncate(last.text.trim_end().len());
        }
        runs.retain(|r| !r.text.is_empty());
        if !runs.is_empty() {
            out.push(runs);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cue as start, end and lines of text.
    type Summary = (u64, Option<u64>, Vec<String>);

    fn summary(ttml: &Ttml) -> Vec<Summary> {
        ttml.cues
            .iter()
            .map(|c| (c.start_ms, c.end_ms, c.text()))
            .collect()
    }

    fn lines(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    /// An EBU-TT-D document as live packagers write it: media times on the stream's timeline,
    /// styles from the head, a line break, an entity.
    #[test]
    fn an_ebu_tt_d_sample() {
        let doc = br##"<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
    xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:timeBase="media" xml:lang="en">
  <head>
    <styling>
      <style xml:id="yellow" tts:color="#FFFF00" tts:backgroundColor="#000000"/>
      <style xml:id="plain" tts:color="white"/>
    </styling>
    <layout><region xml:id="bottom" tts:origin="10% 80%" tts:extent="80% 20%"/></layout>
  </head>
  <body style="plain"><div region="bottom">
    <p begin="10:00:02.200" end="10:00:03.800">Hello <span style="yellow">there</span><br/>
       fish &amp; chips</p>
    <p begin="10:00:04.000" dur="1.5s">Second</p>
  </div></body>
</tt>"##;
        let ttml = parse(doc);
        let base = 36_000_000;
        assert_eq!(
            summary(&ttml),
            [
                (
                    base + 2_200,
                    Some(base + 3_800),
                    lines(&["Hello there", "fish & chips"])
                ),
                (base + 4_000, Some(base + 5_500), lines(&["Second"])),
            ]
        );
        assert_eq!(
            ttml.cues[0].lines[0],
            [
                Run {
                    text: "Hello ".into(),
                    colour: Colour::White
                },
                Run {
                    text: "there".into(),
                    colour: Colour::Yellow
                }
            ]
        );
        assert_eq!(ttml.repaired, 0);
    }

    /// Every time expression form, with the root's rates.
    #[test]
    fn time_expressions() {
        let rates = |attrs: &str| {
            let doc = format!("<tt {attrs}><body><p begin=\"0s\" end=\"1s\">x</p></body></tt>");
            let mut reader = Reader::from_str(&doc);
            loop {
                if let Ok(Event::Start(e)) = reader.read_event() {
                    let attrs: Vec<(Vec<u8>, String)> = e
                        .attributes()
                        .flatten()
                        .map(|a| {
                            (
                                a.key.local_name().as_ref().to_vec(),
                                String::from_utf8_lossy(&a.value).into_owned(),
                            )
                        })
                        .collect();
                    let get = |k: &[u8]| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
                    return read_rates(&get);
                }
            }
        };
        let plain = Rates::default();
        let table: [(&str, &Rates, Option<u64>); 16] = [
            ("00:00:01", &plain, Some(1_000)),
            ("01:02:03.5", &plain, Some(3_723_500)),
            ("100:00:00.000", &plain, Some(360_000_000)),
            ("00:00:01:15", &plain, Some(1_500)),
            ("1.25s", &plain, Some(1_250)),
            ("2h", &plain, Some(7_200_000)),
            ("1.5m", &plain, Some(90_000)),
            ("250ms", &plain, Some(250)),
            ("45f", &plain, Some(1_500)),
            ("3t", &plain, Some(3_000)),
            ("00:61:00", &plain, None),
            ("0:00:01", &plain, Some(1_000)),
            ("00:00:01.5:10", &plain, None),
            ("12", &plain, None),
            ("-1s", &plain, None),
            ("1e400s", &plain, None),
        ];
        for (text, rates, ms) in table {
            assert_eq!(time(text, rates), ms, "{text}");
        }
        let pal = rates(r#"ttp:frameRate="25" ttp:tickRate="10000000""#);
        assert_eq!(time("00:00:02:05", &pal), Some(2_200));
        assert_eq!(time("25000000t", &pal), Some(2_500));
        let ntsc = rates(r#"ttp:frameRate="30" ttp:frameRateMultiplier="1000 1001" ttp:subFrameRate="2""#);
        // 30 frames at 29.97 fps: 1.001 s; the tick rate defaults to frames × sub-frames.
        assert_eq!(time("00:00:00:30", &ntsc), Some(1_001));
        assert_eq!(time("00:00:00:00.1", &ntsc), Some(17));
        assert_eq!(time("59.94t", &ntsc), Some(1_000));
    }

    /// Timing inherited down body, div, p and span; a timed span splits its paragraph.
    #[test]
    fn nested_timing_and_timed_spans() {
        let doc = br##"<tt><body begin="10s"><div begin="2s" end="20s">
            <p begin="1s">open to the div's end</p>
            <p begin="3s" end="7s">one <span begin="2s">two</span> <span begin="1s" end="2s">flash</span></p>
            <p begin="30s" end="40s">after the div</p>
        </div><p begin="1s">no end anywhere</p></body></tt>"##;
        let ttml = parse(doc);
        assert_eq!(
            summary(&ttml),
            [
                (13_000, Some(30_000), lines(&["open to the div's end"])),
                (15_000, Some(16_000), lines(&["one"])),
                (16_000, Some(17_000), lines(&["one flash"])),
                (17_000, Some(19_000), lines(&["one two"])),
                (11_000, None, lines(&["no end anywhere"])),
            ]
        );
        assert_eq!(ttml.repaired, 0);
    }

    /// Table: each document, the cues that come out of it and how many repairs were counted.
    #[test]
    fn repairs_one_by_one() {
        let table: Vec<(&[u8], Vec<Summary>, usize)> = vec![
            // A bad begin drops its paragraph alone; an end before the begin shows nothing.
            (
                br##"<tt><body><p begin="xx">bad</p><p begin="2s" end="1s">backwards</p><p begin="1s" end="2s">good</p></body></tt>"##,
                vec![(1_000, Some(2_000), lines(&["good"]))],
                1,
            ),
            // A span with bad timing goes with its text; the paragraph stays.
            (
                br##"<tt><body><p begin="0s" end="1s">a <span end="zz">hidden</span>b</p></body></tt>"##,
                vec![(0, Some(1_000), lines(&["a b"]))],
                1,
            ),
            // Not well formed half way: the cues before are kept.
            (
                br##"<tt><body><p begin="0s" end="1s">kept</p><p begin="1s" end="2s">cut <!-- unclosed"##,
                vec![(0, Some(1_000), lines(&["kept"])), (1_000, Some(2_000), lines(&["cut"]))],
                1,
            ),
            // Character references, an undefined entity (not expanded), invalid UTF-8.
            (
                b"<tt><body><p begin=\"0s\" end=\"1s\">&#65;&#x42; &bogus; caf\xff</p></body></tt>",
                vec![(0, Some(1_000), lines(&["AB caf\u{fffd}"]))],
                1,
            ),
            // Mismatched end tags close the innermost element.
            (
                br##"<tt><body><p begin="0s" end="1s">x</span></body></tt>"##,
                vec![(0, Some(1_000), lines(&["x"]))],
                0,
            ),
            // Colours: rgb(), rgba() transparent (none: the parent's), names, nonsense.
            (
                br##"<tt><body><p begin="0s" end="1s"><span tts:color="rgb(0,255,255)">c</span><span tts:color="rgba(255,0,0,0)">w</span><span tts:color="lime">g</span><span tts:color="#zz">w</span></p></body></tt>"##,
                vec![(0, Some(1_000), lines(&["cwgw"]))],
                0,
            ),
            // Text outside paragraphs is not shown.
            (br##"<tt><body>stray<div>text</div></body></tt>"##, vec![], 0),
        ];
        for (i, (input, cues, repaired)) in table.into_iter().enumerate() {
            let ttml = parse(input);
            assert_eq!(summary(&ttml), cues, "document {i}");
            assert_eq!(ttml.repaired, repaired, "document {i}");
        }
        let colours = parse(
            br##"<tt><body><p begin="0s" end="1s"><span tts:color="rgb(0,255,255)">c</span><span tts:color="rgba(255,0,0,0)">w</span><span tts:color="lime">g</span></p></body></tt>"##,
        );
        let runs: Vec<Colour> = colours.cues[0].lines[0].iter().map(|r| r.colour).collect();
        assert_eq!(runs, [Colour::Cyan, Colour::White, Colour::Green]);
    }

    #[test]
    fn caps_on_bytes_cues_depth_and_length() {
        let mut doc = String::from("<tt><body>");
        for i in 0..MAX_CUES + 7 {
            doc.push_str(&format!("<p begin=\"{i}s\" end=\"{}.5s\">c{i}</p>", i));
        }
        doc.push_str("</body></tt>");
        let ttml = parse(doc.as_bytes());
        assert_eq!(ttml.cues.len(), MAX_CUES);
        assert_eq!(ttml.repaired, 7);
        let long = format!(
            "<tt><body><p begin=\"0s\" end=\"1s\">{}<br/>{}<br/>3<br/>4<br/>5</p></body></tt>",
            "x".repeat(300),
            "y".repeat(300)
        );
        let ttml = parse(long.as_bytes());
        let chars: usize = ttml.cues[0].text().iter().map(|l| l.chars().count()).sum();
        assert_eq!(chars, MAX_CUE_CHARS);
        assert_eq!(ttml.repaired, 1);
        let many_lines = format!(
            "<tt><body><p begin=\"0s\" end=\"1s\">{}</p></body></tt>",
            "l<br/>".repeat(10)
        );
        let ttml = parse(many_lines.as_bytes());
        assert_eq!(ttml.cues[0].lines.len(), MAX_CUE_LINES);
        assert_eq!(ttml.repaired, 1);
        let deep = format!(
            "<tt><body><p begin=\"0s\" end=\"1s\">a{}deep{}</p><p begin=\"1s\" end=\"2s\">b</p></body></tt>",
            "<span>".repeat(100),
            "</span>".repeat(100)
        );
        let ttml = parse(deep.as_bytes());
        assert_eq!(summary(&ttml)[1], (1_000, Some(2_000), lines(&["b"])));
        assert_eq!(
            ttml.cues[0].text(),
            ["a"],
            "the text nested too deeply is left out"
        );
        assert_eq!(ttml.repaired, 1);
        let huge = [
            b"<tt><body><p begin=\"0s\" end=\"1s\">x</p><!--".as_slice(),
            &vec![b'z'; MAX_BYTES],
        ]
        .concat();
        let ttml = parse(&huge);
        assert_eq!(ttml.cues.len(), 1);
        assert_eq!(ttml.repaired, 2, "the cut document and the comment it ends in");
        let runs = format!(
            "<tt><body><p begin=\"0s\" end=\"100s\">{}</p></body></tt>",
            (0..80)
                .map(|i| format!("<span begin=\"{i}s\">{i}</span>"))
                .collect::<String>()
        );
        let ttml = parse(runs.as_bytes());
        assert_eq!(ttml.cues.len(), MAX_RUNS, "one cue per timed run kept");
        assert_eq!(ttml.repaired, 1);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let words: [&[u8]; 16] = [
            b"<tt>",
            b"<body begin=\"1s\">",
            b"<div>",
            b"<p begin=\"00:00:01:02\" end=\"3s\">",
            b"</p>",
            b"<span tts:color=\"#ff0000\" dur=\"5t\">",
            b"</span>",
            b"<br/>",
            b"&amp;",
            b"&#x1F600;",
            b"text ",
            b"<style xml:id=\"s\" tts:color=\"red\"/>",
            b"<![CDATA[x]]>",
            b"\xff",
            b"</div></body></tt>",
            b"<p style=\"s\" begin=\"99999999999h\">",
        ];
        for _ in 0..2_000 {
            let mut doc = Vec::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                doc.extend_from_slice(words[(seed % words.len() as u64) as usize]);
            }
            let ttml = parse(&doc);
            assert!(ttml.cues.len() <= MAX_CUES);
            for cue in &ttml.cues {
                assert!(cue.end_ms.is_none_or(|e| e > cue.start_ms));
                assert!(cue.lines.len() <= MAX_CUE_LINES);
            }
        }
    }
}
