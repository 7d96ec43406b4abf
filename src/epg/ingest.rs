// SPDX-License-Identifier: GPL-3.0-or-later
//! Ingest: every guide source (file path or http(s) URL) through decompression, the XMLTV
//! reader and the index builder into one index directory.
//!
//! Local files stream from disk, so their size only costs time. URLs go through
//! `crate::net::resource` (timeouts, size cap, gzip, ETag/If-Modified-Since, on-disk cache with
//! a stale copy when the network fails), which hands over the whole body: that body is the
//! largest thing in memory during an HTTP ingest, and the size cap bounds it. A source that
//! fails is a warning; if none gives anything, the previous index is left untouched.

use super::build::{BuildOptions, IndexBuilder};
use super::input::{self, XmlInput};
use super::xmltv;
use super::{UtcSeconds, Warning};
use crate::net::http::{HttpLimits, redact};
use crate::net::resource::{FetchedFrom, Fetcher};
use serde::Serialize;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Largest guide download (as sent: compressed or not); it is streamed to the download cache.
pub const MAX_DOWNLOAD_BYTES: u64 = 512 << 20;
/// Most XML one source may give after decompression (gzip, xz, nested or not): about 20 days
/// of 3,000 channels with descriptions. Reading stops there with a warning.
pub const MAX_XML_BYTES: u64 = 2 << 30;

/// One guide source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideSource {
    /// A local path or an `http(s)://` URL; plain, `.gz` or `.xz`.
    pub location: String,
    /// Higher wins where sources cover the same channel and time.
    pub priority: i32,
    /// Added to every time of this source (a guide published in the wrong zone).
    pub offset_minutes: i32,
    /// The zone of times that give none (or a name not known): an IANA name
    /// (`Europe/Berlin`, daylight saving included), an offset (`+01:00`) or a zone name of
    /// [`super::time::NAMED_ZONES`]. `None`: UTC, as the XMLTV DTD says.
    pub time_zone: Option<String>,
    /// Who named it: only the operator's own configuration may name a local file.
    pub named_by: NamedBy,
}

/// Who named a guide source, which decides whether a local path is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NamedBy {
    /// The operator's configuration or command line: a local path or an http(s) URL.
    #[default]
    Operator,
    /// A playlist (`url-tvg`), that is a stranger: http(s) only.
    Playlist,
}

impl GuideSource {
    /// A source with priority 0 and no offset.
    pub fn new(location: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            priority: 0,
            offset_minutes: 0,
            time_zone: None,
            named_by: NamedBy::Operator,
        }
    }
}

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub build: BuildOptions,
    /// Limits for downloads; `max_bytes` caps a body after gzip decoding.
    pub limits: HttpLimits,
    /// Where downloaded guides are cached (for `304 Not Modified` and offline starts).
    pub download_cache: Option<PathBuf>,
    /// Most XML one source may produce after decompression (files too: a gzip bomb).
    pub max_xml_bytes: u64,
    /// Parser threads (besides a reader thread and the caller's); 2 suits a 2-core box.
    pub parsers: usize,
    /// Asked between sources and before every read of XML: once it says stop, the ingest
    /// abandons its half-written index (temporary files removed) and returns
    /// [`IngestError::Cancelled`]. A service stopping, or a newer load, ends an ingest of
    /// gigabytes within one read instead of leaving it to the process exit.
    pub keep_going: KeepGoing,
}

/// Whether an ingest should go on; always yes by default.
#[derive(Clone, Default)]
pub struct KeepGoing(Option<Arc<dyn Fn() -> bool + Send + Sync>>);

impl KeepGoing {
    pub fn new(check: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(check)))
    }

    pub fn check(&self) -> bool {
        self.0.as_ref().is_none_or(|check| check())
    }
}

impl std::fmt::Debug for KeepGoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "KeepGoing(checked)"
        } else {
            "KeepGoing(always)"
        })
    }
}

/// A reader that ends (with an error the XML reader reports as a read failure) once the ingest
/// is told to stop.
struct Cancellable<R> {
    inner: R,
    keep_going: KeepGoing,
}

impl<R: Read> Read for Cancellable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.keep_going.check() {
            return Err(io::Error::other("ingest cancelled"));
        }
        self.inner.read(buf)
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            build: BuildOptions::default(),
            limits: HttpLimits {
                timeout: Duration::from_secs(600),
                max_bytes: MAX_DOWNLOAD_BYTES,
                ..HttpLimits::default()
            },
            download_cache: None,
            max_xml_bytes: MAX_XML_BYTES,
            parsers: 2,
            keep_going: KeepGoing::default(),
        }
    }
}

/// The result of an ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    pub channels: usize,
    pub programmes: usize,
    pub first_start: Option<UtcSeconds>,
    pub last_stop: Option<UtcSeconds>,
    /// XML bytes read over all sources (after decompression).
    pub bytes: u64,
    /// Programmes dropped because they had ended.
    pub expired: u64,
    /// Programmes of channels the lineup does not use.
    pub skipped: u64,
    pub warnings: Vec<Warning>,
}

/// Why no index was written; the previous one, if any, is untouched.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot write the guide index in {}: {source}; check the directory, its permissions and free space", dir.display())]
    Write { dir: PathBuf, source: io::Error },
    #[error("no guide source could be read ({} warnings); the previous guide is kept — check the paths or URLs", warnings.len())]
    NothingUsable { warnings: Vec<Warning> },
    #[error("the guide ingest was stopped; the previous guide is kept")]
    Cancelled,
}

/// Reads every source into a new index in `index_dir`.
pub fn ingest(
    sources: &[GuideSource],
    index_dir: &Path,
    options: &IngestOptions,
) -> Result<IngestReport, IngestError> {
    let write_error = |source| IngestError::Write {
        dir: index_dir.to_owned(),
        source,
    };
    let mut builder = IndexBuilder::new(index_dir, options.build.clone()).map_err(write_error)?;
    let mut fetcher = Fetcher::new(options.limits.clone(), options.download_cache.as_deref());
    let mut report = IngestReport::default();
    let mut usable = 0;
    for source in sources {
        if !options.keep_going.check() {
            break;
        }
        let name = display_name(&source.location);
        let input = match open(&mut fetcher, source, &name) {
            Ok((input, warnings)) => {
                warnings.into_iter().for_each(|w| builder.warn(w));
                input
            }
            Err(w) => {
                builder.warn(w);
                continue;
            }
        };
        if let Some(label) = &input.unknown_encoding {
            builder.warn(Warning::new(
                &name,
                1,
                format!("unknown encoding '{label}'; read as UTF-8"),
            ));
        }
        let zone = match source.time_zone.as_deref().map(resolve_zone).transpose() {
            Ok(zone) => zone,
            Err(message) => {
                builder.warn(Warning::new(&name, 0, message));
                None
            }
        };
        let mut sink = builder.source(&name, source.priority, source.offset_minutes, zone);
        let reader = Cancellable {
            inner: input.reader,
            keep_going: options.keep_going.clone(),
        };
        let stats = xmltv::parse_parallel(
            Box::new(reader),
            options.max_xml_bytes,
            options.parsers,
            &mut sink,
        );
        report.skipped += sink.skipped;
        sink.finish();
        report.bytes += stats.bytes;
        if stats.channels == 0 && stats.programmes == 0 {
            let message = "no XMLTV channel or programme found; is this an XMLTV guide?";
            builder.warn(Warning::new(&name, 0, message));
        } else {
            usable += 1;
        }
    }
    if !options.keep_going.check() {
        builder.abandon();
        return Err(IngestError::Cancelled);
    }
    if usable == 0 {
        let warnings = builder.abandon();
        return Err(IngestError::NothingUsable { warnings });
    }
    let summary = builder.finish().map_err(write_error)?;
    Ok(IngestReport {
        channels: summary.channels,
        programmes: summary.programmes,
        first_start: summary.first_start,
        last_stop: summary.last_stop,
        expired: summary.expired,
        warnings: summary.warnings,
        ..report
    })
}

/// A configured time zone: an IANA name from the system's time-zone database, an offset or a
/// known zone name.
pub fn resolve_zone(text: &str) -> Result<jiff::tz::TimeZone, String> {
    let text = text.trim();
    // An offset or zone name parses as the zone of a time at the epoch: the result is -offset.
    let probe = format!("19700101000000 {text}");
    if let Ok(seconds) = super::time::parse_xmltv_time(&probe)
        && !text.is_empty()
    {
        let offset = i32::try_from(-seconds)
            .ok()
            .and_then(|s| jiff::tz::Offset::from_seconds(s).ok());
        if let Some(offset) = offset {
            return Ok(jiff::tz::TimeZone::fixed(offset));
        }
    }
    jiff::tz::TimeZone::get(text)
        .map_err(|e| format!("time zone '{text}' is not known ({e}); times without a zone are read as UTC"))
}

/// Opens a location as an XML stream, with any fetch warnings.
fn open(
    fetcher: &mut Fetcher,
    source: &GuideSource,
    name: &str,
) -> Result<(XmlInput, Vec<Warning>), Warning> {
    let location = source.location.as_str();
    if source.named_by == NamedBy::Playlist && !crate::lineup::is_http_url(location) {
        let message = "a playlist may only name http(s) guides; ignored";
        return Err(Warning::new(name, 0, message));
    }
    if !location.contains("://") {
        let input = input::open_file(Path::new(location)).map_err(|e| {
            Warning::new(
                name,
                0,
                format!("cannot open it: {e}; check the path and permissions"),
            )
        })?;
        return Ok((input, Vec::new()));
    }
    // Streamed to the download cache and read from there: a body of hundreds of MB never sits
    // in memory.
    if fetcher.has_cache() {
        let fetched = fetcher
            .fetch_to_file(location)
            .map_err(|e| Warning::new(name, 0, e.to_string()))?;
        if let FetchedFrom::StaleCache { .. } = fetched.from {
            log::info!("guide {name}: using the cached copy");
        }
        let warnings = fetched
            .warnings
            .iter()
            .map(|w| Warning::new(name, 0, w.clone()))
            .collect();
        let input = input::open_file(&fetched.path)
            .map_err(|e| Warning::new(name, 0, format!("cannot open the download: {e}")))?;
        return Ok((input, warnings));
    }
    let fetched = fetcher
        .fetch(location)
        .map_err(|e| Warning::new(name, 0, e.to_string()))?;
    let warnings: Vec<Warning> = fetched
        .warnings
        .iter()
        .map(|w| Warning::new(name, 0, w.clone()))
        .collect();
    if let FetchedFrom::StaleCache { .. } = fetched.from {
        log::info!("guide {name}: using the cached copy");
    }
    let input = input::open_bytes(fetched.bytes)
        .map_err(|e| Warning::new(name, 0, format!("cannot unpack it: {e}")))?;
    Ok((input, warnings))
}

/// URLs without credentials (they end up in logs and JSON), paths as given.
fn display_name(location: &str) -> String {
    if location.contains("://") {
        redact(location)
    } else {
        location.to_owned()
    }
}
