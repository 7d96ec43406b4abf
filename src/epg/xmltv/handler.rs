// SPDX-License-Identifier: GPL-3.0-or-later
//! The element logic of the XMLTV reader: which tags open a channel or programme, which
//! children fill which field, and how a broken nesting is recovered from.
//!
//! End tags are matched by this handler, not by quick-xml, so a missing `</title>` cannot
//! swallow the rest of the file: `</programme>` always closes the programme and a new
//! `<programme>` closes an unfinished one.

use super::attrs::{Attr, attributes};
use super::{ChunkText, Programme, XmltvChannel, XmltvSink};
use crate::guide::details::{
    TAG_CATCHUP_ID, TAG_CATEGORY, TAG_DESCRIPTION, TAG_EPISODE, TAG_ICON, TAG_RATING, TAG_SUB_TITLE,
};

/// Fields of which only the first occurrence is kept.
const SEEN_SUB_TITLE: u8 = 1;
const SEEN_DESCRIPTION: u8 = 2;
const SEEN_ICON: u8 = 4;
use super::{LOCAL_START, LOCAL_STOP};
use crate::epg::text::{
    TextIssues, push_checked, push_text, push_unescaped, push_unescaped_str, resolve_reference,
};
use crate::epg::time::{Zone, parse_time};
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    Channel,
    Programme,
}

/// Which field the text being read belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    SubTitle,
    Description,
    Category,
    EpisodeNum,
    RatingValue,
    DisplayName,
}

pub(super) struct Handler<'s, S> {
    sink: &'s mut S,
    context: Context,
    /// Elements open inside the current channel or programme.
    depth: u32,
    /// The field being captured and the depth its element opened at.
    field: Option<(Field, u32)>,
    /// Depth of an open `<rating>` whose `<value>` is wanted.
    rating_depth: Option<u32>,
    text: String,
    attr: String,
    /// `system` of the open `episode-num` or `rating`.
    system: String,
    /// `SEEN_*` flags of the open programme.
    seen: u8,
    issues: TextIssues,
    unknown_refs: Vec<String>,
    programme: Programme,
    /// The open programme is unusable (no valid start or channel) and is read only to skip it.
    skip: bool,
    channel: XmltvChannel,
    context_line: u64,
    pub(super) channels: u64,
    pub(super) programmes: u64,
}

impl<'s, S: XmltvSink> Handler<'s, S> {
    pub(super) fn new(sink: &'s mut S) -> Self {
        Self {
            sink,
            context: Context::Top,
            depth: 0,
            field: None,
            rating_depth: None,
            text: String::with_capacity(4096),
            attr: String::with_capacity(64),
            system: String::new(),
            seen: 0,
            issues: TextIssues::default(),
            unknown_refs: Vec::new(),
            programme: Programme::default(),
            skip: false,
            channel: XmltvChannel::default(),
            context_line: 0,
            channels: 0,
            programmes: 0,
        }
    }

    pub(super) fn warn(&mut self, line: u64, message: String) {
        self.sink.warning(line, message);
    }

    /// Handles one event; `line()` is the line the event ends on.
    pub(super) fn event(&mut self, event: Event<'_>, line: &dyn Fn() -> u64, chunk: &ChunkText<'_>) {
        match event {
            Event::Start(e) => self.start(&e, false, line, chunk),
            Event::Empty(e) => self.start(&e, true, line, chunk),
            Event::End(e) => self.end(e.local_name().as_ref(), line),
            Event::Text(t) => self.text(&t, chunk),
            Event::CData(t) => self.text(&t, chunk),
            Event::GeneralRef(r) => self.reference(&r),
            Event::DocType(d) if memchr::memmem::find(&d, b"ENTITY").is_some() => self.warn(
                line(),
                "the DOCTYPE declares entities; they are never expanded (references to them stay as text)"
                    .into(),
            ),
            _ => {}
        }
    }

    /// End of a chunk: an element still open means the file was cut there (`last`), or an
    /// element was longer than the largest chunk. Either way it is dropped.
    /// The warning names the element's own line (messages carry no line numbers of their
    /// own: the parallel reader shifts warning lines, not text).
    pub(super) fn end_chunk(&mut self, last: bool) {
        let open = match std::mem::replace(&mut self.context, Context::Top) {
            Context::Top => return,
            Context::Channel => "channel",
            Context::Programme => "programme",
        };
        let message = if last {
            format!("the file ends inside this <{open}> (truncated download?); it is dropped")
        } else {
            format!("this <{open}> is too long to be a guide entry; it is dropped")
        };
        self.warn(self.context_line, message);
    }

    fn text(&mut self, raw: &[u8], chunk: &ChunkText<'_>) {
        if self.field.is_some() {
            let issues = match chunk.str_of(raw) {
                Some(text) => push_checked(text, &mut self.text),
                None => push_text(raw, &mut self.text),
            };
            self.issues.merge(issues);
        }
    }

    fn reference(&mut self, name: &[u8]) {
        match resolve_reference(name) {
            Some(c) if self.field.is_some() => self.text.push(c),
            Some(_) => {}
            None => {
                let literal = format!("&{};", String::from_utf8_lossy(name));
                if self.field.is_some() {
                    self.text.push_str(&literal);
                }
                // Only the first is reported; storing each would cost memory per occurrence.
                if self.unknown_refs.is_empty() {
                    self.unknown_refs.push(literal);
                }
            }
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool, line: &dyn Fn() -> u64, c: &ChunkText<'_>) {
        let name = e.local_name();
        let name = name.as_ref();
        if self.context != Context::Top && matches!(name, b"programme" | b"channel") {
            let open = if self.context == Context::Channel {
                "channel"
            } else {
                "programme"
            };
            let message = format!("this <{open}> is not closed before the next element starts");
            self.warn(self.context_line, message);
            self.close(line);
        }
        match (self.context, name) {
            (Context::Top, b"programme") => self.open_programme(e, line(), c),
            (Context::Top, b"channel") => self.open_channel(e, line(), c),
            (Context::Top, _) => return,
            _ => {
                let level = self.depth + 1;
                if !empty {
                    self.depth = level;
                }
                self.child(name, e, empty, level, c);
                return;
            }
        }
        if empty {
            self.close(line);
        }
    }

    /// A child element of a channel or programme at nesting `level` (1: direct child).
    fn child(&mut self, name: &[u8], e: &BytesStart<'_>, empty: bool, level: u32, c: &ChunkText<'_>) {
        if self.field.is_some() {
            return;
        }
        if name == b"icon" {
            if level == 1 {
                self.icon(e, c);
            }
            return;
        }
        let field = match (self.context, level, name) {
            (Context::Channel, 1, b"display-name") => Field::DisplayName,
            (Context::Programme, 1, b"title") if self.programme.title.is_empty() => Field::Title,
            (Context::Programme, 1, b"sub-title") if !self.seen(SEEN_SUB_TITLE) => Field::SubTitle,
            (Context::Programme, 1, b"desc") if !self.seen(SEEN_DESCRIPTION) => Field::Description,
            (Context::Programme, 1, b"category") => Field::Category,
            (Context::Programme, 1, b"episode-num") => {
                self.read_system(e, c);
                Field::EpisodeNum
            }
            (Context::Programme, 1, b"rating") => {
                self.read_system(e, c);
                self.rating_depth = (!empty).then_some(1);
                return;
            }
            (Context::Programme, 2, b"value") if self.rating_depth == Some(1) => Field::RatingValue,
            _ => return,
        };
        if !empty {
            self.text.clear();
            self.field = Some((field, self.depth));
        }
    }

    fn end(&mut self, name: &[u8], line: &dyn Fn() -> u64) {
        let closes = match self.context {
            Context::Top => return,
            Context::Channel => name == b"channel",
            Context::Programme => name == b"programme",
        };
        if closes {
            self.close(line);
            return;
        }
        if let Some((field, depth)) = self.field
            && depth == self.depth
        {
            self.field = None;
            self.store(field);
        }
        if self.rating_depth == Some(self.depth) {
            self.rating_depth = None;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// Moves the captured text into its field (details go straight into the record).
    fn store(&mut self, field: Field) {
        let value = self.text.trim();
        let p = &mut self.programme;
        let record = &mut p.details;
        match field {
            Field::Title => {
                p.title.clear();
                p.title.push_str(value);
            }
            Field::SubTitle if !value.is_empty() => {
                self.seen |= SEEN_SUB_TITLE;
                record.push(TAG_SUB_TITLE, value);
            }
            Field::Description if !value.is_empty() => {
                self.seen |= SEEN_DESCRIPTION;
                record.push(TAG_DESCRIPTION, value);
            }
            Field::Category if !value.is_empty() => record.push(TAG_CATEGORY, value),
            Field::EpisodeNum | Field::RatingValue if !value.is_empty() => {
                let tag = if field == Field::EpisodeNum {
                    TAG_EPISODE
                } else {
                    TAG_RATING
                };
                record.push(tag, &self.system);
                record.push(tag, value);
            }
            Field::DisplayName if !value.is_empty() => self.channel.names.push(value.to_owned()),
            _ => {}
        }
    }

    fn seen(&self, flag: u8) -> bool {
        self.seen & flag != 0
    }

    fn icon(&mut self, e: &BytesStart<'_>, c: &ChunkText<'_>) {
        if !self.read_attr(e, b"src", c) || self.attr.is_empty() {
            return;
        }
        match self.context {
            Context::Programme if !self.seen(SEEN_ICON) => {
                self.seen |= SEEN_ICON;
                self.programme.details.push(TAG_ICON, &self.attr);
            }
            Context::Channel if self.channel.icon.is_none() => self.channel.icon = Some(self.attr.clone()),
            _ => {}
        }
    }

    /// Reads the `system` attribute of `episode-num` or `rating` (empty when absent).
    fn read_system(&mut self, e: &BytesStart<'_>, c: &ChunkText<'_>) {
        self.read_attr(e, b"system", c);
        self.system.clear();
        self.system.push_str(self.attr.trim());
    }

    /// Reads attribute `key` of `e` into `self.attr` (cleared first); false when absent.
    fn read_attr(&mut self, e: &BytesStart<'_>, key: &[u8], c: &ChunkText<'_>) -> bool {
        self.attr.clear();
        for attr in attributes(e.attributes_raw()) {
            if let Attr::Pair(name, value) = attr
                && name == key
            {
                self.push_attr(value, c);
                return true;
            }
        }
        false
    }

    /// Appends an attribute value to `self.attr` (cleared by the caller), resolving references.
    fn push_attr(&mut self, raw: &[u8], c: &ChunkText<'_>) {
        let issues = match c.str_of(raw) {
            Some(text) => push_unescaped_str(text, &mut self.attr, &mut self.unknown_refs),
            None => push_unescaped(raw, &mut self.attr, &mut self.unknown_refs),
        };
        self.issues.merge(issues);
    }

    fn open_channel(&mut self, e: &BytesStart<'_>, line: u64, c: &ChunkText<'_>) {
        self.enter(Context::Channel, line);
        self.channel = XmltvChannel::default();
        if self.read_attr(e, b"id", c) && !self.attr.trim().is_empty() {
            self.channel.id = self.attr.trim().to_owned();
        } else {
            self.skip = true;
            self.warn(line, "<channel> without an id; skipped".into());
        }
    }

    fn open_programme(&mut self, e: &BytesStart<'_>, line: u64, c: &ChunkText<'_>) {
        self.enter(Context::Programme, line);
        self.programme.clear();
        self.programme.line = line;
        let mut start = None;
        for attr in attributes(e.attributes_raw()) {
            let Attr::Pair(name, value) = attr else {
                self.warn(
                    line,
                    "a <programme> attribute is malformed; the rest of the tag is ignored".into(),
                );
                continue;
            };
            self.attr.clear();
            self.push_attr(value, c);
            match name {
                b"start" => start = Some(self.time("start", LOCAL_START, line)),
                b"stop" => self.programme.stop = self.time("stop", LOCAL_STOP, line),
                b"channel" => self.programme.channel.push_str(self.attr.trim()),
                b"catchup-id" if !self.attr.trim().is_empty() => {
                    self.programme.details.push(TAG_CATCHUP_ID, self.attr.trim());
                    self.programme.catchup_id.push_str(self.attr.trim());
                }
                _ => {}
            }
        }
        self.check_programme(start.flatten(), line);
    }

    fn check_programme(&mut self, start: Option<i64>, line: u64) {
        match start {
            Some(start) => self.programme.start = start,
            None => {
                self.skip = true;
                self.warn(line, "<programme> without a valid start; skipped".into());
                return;
            }
        }
        if self.programme.channel.is_empty() {
            self.skip = true;
            self.warn(line, "<programme> without a channel; skipped".into());
        }
    }

    /// Parses `self.attr` as a time, warning when it is not one. A time without a known zone
    /// is marked with `local` on the programme, for the source to place.
    fn time(&mut self, what: &str, local: u8, line: u64) -> Option<i64> {
        match parse_time(&self.attr) {
            Ok(t) => {
                if t.zone != Zone::Given {
                    self.programme.local |= local;
                }
                if t.zone == Zone::Unknown && self.programme.unknown_zone.is_empty() {
                    let name = self.attr.trim().trim_start_matches(|c: char| c.is_ascii_digit());
                    self.programme.unknown_zone.push_str(name.trim());
                }
                Some(t.seconds)
            }
            Err(e) => {
                let shown: String = self.attr.chars().take(40).collect();
                self.warn(line, format!("{what} '{shown}' {e}"));
                None
            }
        }
    }

    fn enter(&mut self, context: Context, line: u64) {
        self.context = context;
        self.context_line = line;
        self.depth = 0;
        self.field = None;
        self.rating_depth = None;
        self.skip = false;
        self.seen = 0;
        self.issues = TextIssues::default();
        self.unknown_refs.clear();
    }

    /// Closes the open channel or programme and hands it to the sink.
    fn close(&mut self, line: &dyn Fn() -> u64) {
        let context = std::mem::replace(&mut self.context, Context::Top);
        self.report_text_issues();
        if self.skip {
            return;
        }
        match context {
            Context::Channel => {
                self.channels += 1;
                let channel = std::mem::take(&mut self.channel);
                self.sink.channel(channel, self.context_line);
            }
            Context::Programme => {
                if self.programme.title.is_empty() {
                    self.warn(line(), "<programme> without a title; shown untitled".into());
                }
                self.programmes += 1;
                self.sink.programme(&mut self.programme);
            }
            Context::Top => {}
        }
    }

    fn report_text_issues(&mut self) {
        let line = self.context_line;
        if self.issues.invalid_utf8 {
            self.warn(
                line,
                "text is not valid UTF-8 (replaced by U+FFFD); the file should declare its encoding".into(),
            );
        }
        if self.issues.control_chars {
            self.warn(line, "control characters in text were removed".into());
        }
        let unknown = std::mem::take(&mut self.unknown_refs);
        if let Some(first) = unknown.first() {
            self.warn(
                line,
                format!("unknown entity reference {first} kept as text (entities are never expanded)"),
            );
        }
        self.unknown_refs = unknown;
        self.unknown_refs.clear();
    }
}
