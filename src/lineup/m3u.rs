// SPDX-License-Identifier: GPL-3.0-or-later
//! Extended M3U/M3U8 parsing: bytes in, entries + header + problems out.
//!
//! Owns decoding (see `text.rs`: BOM, UTF-8 repaired per line, detected legacy encodings), line splitting (LF, CRLF, CR, with a
//! per-line length cap) and the tag state machine (`#EXTM3U`, `#EXTINF`, `#EXTGRP`,
//! `#EXTVLCOPT`, `#KODIPROP`). Pure: no I/O, no merging or numbering (see `merge.rs`).
//! Runs in time linear in the input; never panics on any byte sequence.

use super::attrs;
use super::catchup;
use super::entry::{self, CatchupAttrs, Ctx, Header, Info};
use super::model::{Catchup, Origin, Source, SourceKind};
use super::problem::{Problem, Problems};
use super::text::{self, Decoding, LineRepair, Lines};
use super::url::{self, StreamUrl};

/// Longest line considered; longer lines are skipped so a corrupt file cannot make one
/// attribute list or URL eat the memory of a small box.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Most entries of one playlist: far beyond any channel list a remote can browse; a 64 MiB
/// playlist of two-line entries would otherwise become millions of channels (gigabytes).
pub const MAX_ENTRIES: usize = 50_000;

/// Most entries reserved up front (about 100 MB of address space, touched only when used).
const PRESIZE_MAX: usize = 1 << 18;

/// One parsed playlist.
#[derive(Debug, Clone, Default)]
pub struct Playlist {
    /// Name used in problems (the path or URL the user gave).
    pub name: String,
    pub header: Header,
    /// Playable entries in file order (refused sources are not here, only in `problems`).
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// One channel line pair (`#EXTINF` + URL) or a bare URL line, with header defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Line of the `#EXTINF` (or of the URL for a bare entry).
    pub line: usize,
    pub name: String,
    pub tvg_id: Option<String>,
    pub tvg_name: Option<String>,
    pub logo: Option<String>,
    /// Valid `tvg-chno` (or alias) in `1..=9999`.
    pub number: Option<u32>,
    pub groups: Vec<String>,
    pub radio: bool,
    pub guide_shift_minutes: i32,
    pub catchup: Option<Catchup>,
    pub source: Source,
}

/// Parses one playlist. `name` is only used to label problems.
pub fn parse(name: &str, bytes: &[u8]) -> Playlist {
    let mut p = Parser::new(name);
    // Sized once from a cheap SIMD count: growing a vector of large entries copies them
    // repeatedly. Capped, so a file of nothing but "#EXTINF" cannot reserve gigabytes.
    let expected = memchr::memmem::find_iter(bytes, b"#EXTINF")
        .take(PRESIZE_MAX.min(MAX_ENTRIES))
        .count();
    p.entries.reserve(expected);
    let (decoded, decoding) = text::decode(bytes);
    p.decoding(decoding);
    for (line_no, line) in Lines::new(&decoded) {
        p.line(line_no, line);
    }
    p.finish()
}

/// Per-source options collected from `#EXTVLCOPT`/`#KODIPROP` until the next URL line.
#[derive(Debug, Default)]
struct Options {
    user_agent: Option<String>,
    referrer: Option<String>,
    program: Option<u16>,
    properties: Vec<(String, String)>,
}

struct Parser<'a> {
    file: &'a str,
    header: Header,
    entries: Vec<Entry>,
    problems: Problems,
    pending: Option<Info>,
    options: Options,
    /// Current `#EXTGRP` group: applies until an empty `#EXTGRP`.
    group: Option<String>,
    /// [`MAX_ENTRIES`] was reached (warned once).
    over_cap: bool,
}

impl<'a> Parser<'a> {
    fn new(file: &'a str) -> Self {
        Self {
            file,
            header: Header::default(),
            entries: Vec::new(),
            problems: Problems::default(),
            pending: None,
            options: Options::default(),
            group: None,
            over_cap: false,
        }
    }

    /// Tells how the file was decoded when it was not plain UTF-8 (or UTF-16 with a BOM).
    fn decoding(&mut self, decoding: Decoding) {
        match decoding {
            Decoding::Utf8 | Decoding::Bom(_) => {}
            Decoding::Utf16WithoutBom(e) => {
                self.warn(1, format!("no byte-order mark; read as {}", e.name()));
            }
            Decoding::Detected(e) => self.warn(
                1,
                format!(
                    "not UTF-8; read as {} (detected; save the playlist as UTF-8 to be sure)",
                    e.name()
                ),
            ),
            Decoding::Repaired(lines) => {
                for (line, how) in lines {
                    let message = match how {
                        LineRepair::Windows1252 => "not valid UTF-8; this line is read as Windows-1252",
                        LineRepair::Replaced => "invalid UTF-8 bytes on this line replaced with '\u{FFFD}'",
                    };
                    self.warn(line, message);
                }
            }
        }
    }

    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.problems.warn(self.file, line, message);
    }

    fn line(&mut self, line_no: usize, line: &str) {
        if line.len() > MAX_LINE_BYTES {
            self.warn(
                line_no,
                format!("line is longer than {MAX_LINE_BYTES} bytes; skipped"),
            );
            if !line.trim_start().starts_with('#') {
                self.drop_pending(line_no); // it was this entry's URL line
            }
            return;
        }
        match line.trim() {
            "" => {}
            t if t.starts_with('#') => self.tag(line_no, t),
            t => self.url_line(line_no, t),
        }
    }

    fn tag(&mut self, line_no: usize, t: &str) {
        if let Some(rest) = strip_tag(t, "#EXTINF") {
            self.extinf(line_no, rest.strip_prefix(':').unwrap_or(rest));
        } else if let Some(rest) = strip_tag(t, "#EXTM3U") {
            let a = attrs::parse(rest, false);
            let mut ctx = Ctx {
                file: self.file,
                line: line_no,
                problems: &mut self.problems,
            };
            entry::header_attrs(a, &mut self.header, &mut ctx);
        } else if let Some(rest) = strip_tag(t, "#EXTGRP") {
            self.group = rest
                .strip_prefix(':')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned);
        } else if let Some(rest) = strip_tag(t, "#EXTVLCOPT:").or_else(|| strip_tag(t, "#EXTVLCOPT--")) {
            self.vlc_option(line_no, rest);
        } else if let Some(rest) = strip_tag(t, "#KODIPROP:") {
            self.kodi_prop(line_no, rest);
        }
        // Anything else is a comment or a tag we do not use: ignored on purpose.
    }

    fn extinf(&mut self, line_no: usize, rest: &str) {
        let mut a = attrs::parse(rest, true);
        let mut ctx = Ctx {
            file: self.file,
            line: line_no,
            problems: &mut self.problems,
        };
        let info = entry::channel_info(&mut a, &mut ctx);
        if a.unterminated_quote {
            self.warn(
                line_no,
                "#EXTINF has a quote that is never closed; attributes may be wrong",
            );
        }
        if a.name.is_none() {
            self.warn(
                line_no,
                "#EXTINF has no ',' before the channel name; using tvg-name or the URL",
            );
        }
        if let Some(prev) = self.pending.replace(info) {
            self.warn(prev.line, "#EXTINF is not followed by a stream URL; ignored");
        }
    }

    fn vlc_option(&mut self, line_no: usize, rest: &str) {
        let Some((k, v)) = rest.split_once('=') else {
            self.warn(line_no, "#EXTVLCOPT without 'option=value'; ignored");
            return;
        };
        let value = Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_owned);
        match k.trim().to_ascii_lowercase().as_str() {
            "http-user-agent" => self.options.user_agent = value,
            "http-referrer" | "http-referer" => self.options.referrer = value,
            "program" => match v.trim().parse::<u16>() {
                Ok(n) => self.options.program = Some(n),
                Err(_) => self.warn(
                    line_no,
                    format!("program '{}' is not a number in 0..65535; ignored", url::quote(v)),
                ),
            },
            _ => {} // VLC tuning options such as network-caching: not ours to apply
        }
    }

    fn kodi_prop(&mut self, line_no: usize, rest: &str) {
        match rest.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                self.options
                    .properties
                    .push((k.trim().to_owned(), v.trim().to_owned()));
            }
            _ => self.warn(line_no, "#KODIPROP without 'key=value'; ignored"),
        }
    }

    /// A line that is neither empty nor a tag: the stream URL of the pending entry.
    fn url_line(&mut self, line_no: usize, t: &str) {
        let info = self.pending.take();
        let options = std::mem::take(&mut self.options);
        let stream = match url::classify(t, kind_hint(&options.properties)) {
            Ok(s) => s,
            Err(message) => {
                let who = info
                    .as_ref()
                    .and_then(|i| i.name.as_deref())
                    .map(|n| format!(" (channel '{}')", url::quote(n)));
                self.warn(line_no, format!("{message}{}", who.unwrap_or_default()));
                return;
            }
        };
        let info = info.unwrap_or(Info {
            line: line_no,
            ..Info::default()
        });
        if self.entries.len() >= MAX_ENTRIES {
            if !self.over_cap {
                let message =
                    format!("more than {MAX_ENTRIES} channels in one playlist; the rest are ignored");
                self.warn(line_no, message);
                self.over_cap = true;
            }
            return;
        }
        let source = self.source(stream, options, line_no);
        let entry = self.entry(info, source);
        self.entries.push(entry);
    }

    fn source(&mut self, stream: StreamUrl, options: Options, line_no: usize) -> Source {
        let StreamUrl {
            url,
            kind,
            multicast,
            headers: suffix,
        } = stream;
        let mut headers = stream_headers(&options.properties);
        headers.extend(suffix); // the URL suffix is more specific than stream_headers: later wins
        let mut user_agent = None;
        let mut referrer = None;
        let mut extra = Vec::new();
        for (k, v) in headers {
            if let Some(why) = url::header_problem(&k, &v) {
                self.warn(line_no, format!("{why}; header not sent"));
                continue;
            }
            match k.to_ascii_lowercase().as_str() {
                "user-agent" => user_agent = Some(v),
                "referer" | "referrer" => referrer = Some(v),
                _ => extra.push((k, v)),
            }
        }
        let user_agent =
            user_agent.or_else(|| self.checked_header(line_no, "User-Agent", options.user_agent));
        let referrer = referrer.or_else(|| self.checked_header(line_no, "Referer", options.referrer));
        Source {
            url,
            kind,
            multicast,
            user_agent: user_agent.or_else(|| self.header.user_agent.clone()),
            referrer,
            headers: extra,
            program: options.program,
            properties: options.properties,
            origin: Origin {
                file: self.file.to_owned(),
                line: line_no,
            },
        }
    }

    /// `value` when it can be sent as header `name`; otherwise `None` and a warning.
    fn checked_header(&mut self, line_no: usize, name: &str, value: Option<String>) -> Option<String> {
        let value = value?;
        match url::header_problem(name, &value) {
            None => Some(value),
            Some(why) => {
                self.warn(line_no, format!("{why}; header not sent"));
                None
            }
        }
    }

    fn entry(&mut self, info: Info, source: Source) -> Entry {
        let catchup = self.catchup(&info.catchup, info.line, &source);
        let mut groups = info.groups;
        if groups.is_empty() {
            groups.extend(self.group.clone());
        }
        let name = info
            .name
            .or_else(|| info.tvg_name.clone())
            .unwrap_or_else(|| source.url.clone());
        Entry {
            line: info.line,
            name,
            tvg_id: info.tvg_id,
            tvg_name: info.tvg_name,
            logo: info.logo,
            number: info.number,
            groups,
            radio: info.radio,
            guide_shift_minutes: info.shift_minutes.or(self.header.shift_minutes).unwrap_or(0),
            catchup,
            source,
        }
    }

    /// The entry's catch-up with its URL template, or `None` (with a warning when the channel's
    /// own attributes asked for catch-up; a header default that does not fit stays quiet).
    fn catchup(&mut self, attrs: &CatchupAttrs, line: usize, source: &Source) -> Option<Catchup> {
        let r = attrs.resolve(&self.header.catchup)?;
        match catchup::template::build(r.mode, r.source.as_deref(), &source.url) {
            Ok(template) => Some(Catchup {
                mode: r.mode,
                source: r.source,
                days: r.days,
                correction_s: r.correction_s,
                template,
            }),
            Err(why) => {
                if !r.inherited {
                    self.warn(line, why);
                }
                None
            }
        }
    }

    fn drop_pending(&mut self, line_no: usize) {
        self.options = Options::default();
        if let Some(prev) = self.pending.take() {
            self.warn(
                prev.line,
                format!("the stream URL of this #EXTINF (line {line_no}) was skipped; entry ignored"),
            );
        }
    }

    fn finish(mut self) -> Playlist {
        if let Some(prev) = self.pending.take() {
            self.warn(
                prev.line,
                "#EXTINF at the end of the file has no stream URL; ignored",
            );
        }
        Playlist {
            name: self.file.to_owned(),
            header: self.header,
            entries: self.entries,
            problems: self.problems.finish(),
        }
    }
}

/// `line` without `tag` when it starts with it (ASCII case-insensitive).
fn strip_tag<'l>(line: &'l str, tag: &str) -> Option<&'l str> {
    let head = line.get(..tag.len())?;
    head.eq_ignore_ascii_case(tag)
        .then(|| line.get(tag.len()..))
        .flatten()
}

/// HLS/DASH declared by `#KODIPROP` `mimetype` or `*.manifest_type`.
fn kind_hint(properties: &[(String, String)]) -> Option<SourceKind> {
    properties.iter().find_map(|(k, v)| {
        let k = k.to_ascii_lowercase();
        if !(k == "mimetype" || k.ends_with("manifest_type")) {
            return None;
        }
        let v = v.to_ascii_lowercase();
        if v == "hls" || v.contains("mpegurl") {
            Some(SourceKind::Hls)
        } else if v == "mpd" || v == "dash" || v.contains("dash+xml") {
            Some(SourceKind::Dash)
        } else {
            None
        }
    })
}

/// Headers from `#KODIPROP:inputstream.adaptive.stream_headers=User-Agent=…&…`.
fn stream_headers(properties: &[(String, String)]) -> Vec<(String, String)> {
    properties
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().ends_with("stream_headers"))
        .flat_map(|(_, v)| url::header_suffix(v))
        .collect()
}

#[cfg(test)]
mod tests;
