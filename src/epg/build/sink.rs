// SPDX-License-Identifier: GPL-3.0-or-later
//! One source's way into the [`IndexBuilder`]: decides which of its channels are kept (all, or
//! those the lineup matches), checks and shifts each programme's times, interns the title and
//! appends the details. Warnings carry the source name and line, capped per source.

use super::resolve::{NO_CATCHUP_ID, OPEN, Rec};
use super::{
    IndexBuilder, MAX_DETAILS_BYTES, MAX_DURATION_S, MAX_GUIDE_CHANNELS, MAX_PROGRAMMES,
    MAX_WARNINGS_PER_SOURCE, rfc3339,
};
use crate::epg::Warning;
use crate::epg::filter::{LineupFilter, Verdicts};
use crate::epg::time::local_to_utc;
use crate::epg::xmltv::{LOCAL_START, LOCAL_STOP, Programme, XmltvChannel, XmltvSink};
use crate::guide::UtcSeconds;
use crate::guide::catchup_ids::{MAX_CATCHUP_ID_BYTES, MAX_CATCHUP_ID_LEN};
use crate::guide::titles::MAX_TITLE_BYTES;

/// Receives one source's channels and programmes (see [`IndexBuilder::source`]).
pub struct SourceSink<'b> {
    builder: &'b mut IndexBuilder,
    source: u16,
    name: String,
    offset_s: i64,
    /// Where times without a (known) zone are placed; `None`: UTC.
    zone: Option<jiff::tz::TimeZone>,
    /// Times without a zone, and with an unknown zone name (the first one kept), told once
    /// per source at [`SourceSink::finish`].
    zoneless: u64,
    unknown_zones: u64,
    first_unknown_zone: Option<(String, u64)>,
    first_zoneless_line: u64,
    /// The lineup filter's verdicts for this source (`None`: no filter, keep every channel).
    verdicts: Option<Verdicts>,
    /// The last programme channel id looked up, and its number (`None`: not kept).
    cache: Option<(String, Option<u32>)>,
    warnings: usize,
    /// Programmes of channels the lineup does not use.
    pub skipped: u64,
    /// Programmes handed to the builder.
    pub kept: u64,
    /// Programmes dropped because the index was full.
    over_cap: u64,
    /// Channels dropped because the index was full.
    channels_over_cap: u64,
    /// Whether the details file reached its cap.
    details_full: bool,
    /// Whether the `catchup-id`s reached their cap.
    catchup_ids_full: bool,
}

impl<'b> SourceSink<'b> {
    pub(super) fn new(
        builder: &'b mut IndexBuilder,
        source: u16,
        name: &str,
        offset_s: i64,
        zone: Option<jiff::tz::TimeZone>,
    ) -> Self {
        let verdicts = builder.options.filter.as_ref().map(LineupFilter::verdicts);
        Self {
            builder,
            source,
            name: name.to_owned(),
            offset_s,
            zone,
            zoneless: 0,
            unknown_zones: 0,
            first_unknown_zone: None,
            first_zoneless_line: 0,
            verdicts,
            cache: None,
            warnings: 0,
            skipped: 0,
            kept: 0,
            over_cap: 0,
            channels_over_cap: 0,
            details_full: false,
            catchup_ids_full: false,
        }
    }

    /// Ends the source: tells how zoneless times were read, and how many warnings were not shown.
    pub fn finish(mut self) {
        if let Some(message) = self.zone_summary() {
            let line = match &self.first_unknown_zone {
                Some((_, line)) if self.zoneless == 0 => *line,
                _ => self.first_zoneless_line,
            };
            self.builder.warn(Warning::new(&self.name, line, message));
        }
        self.finish_caps();
        self.finish_warnings();
    }

    /// The one warning about this source's zones, when some time had none or an unknown one.
    fn zone_summary(&mut self) -> Option<String> {
        let zone = match &self.zone {
            None => "UTC".to_owned(),
            Some(tz) => tz.iana_name().map_or_else(
                || tz.to_offset(jiff::Timestamp::UNIX_EPOCH).to_string(),
                str::to_owned,
            ),
        };
        let mut parts = Vec::new();
        if self.zoneless > 0 {
            parts.push(format!("times without a zone in {} programme(s)", self.zoneless));
        }
        if let Some((name, _)) = &self.first_unknown_zone {
            let shown: String = name.chars().take(12).collect();
            parts.push(format!(
                "a zone name that is not known in {} programme(s) (first: '{shown}')",
                self.unknown_zones
            ));
        }
        if parts.is_empty() {
            return None;
        }
        Some(format!(
            "{}: read as {zone} time (set the guide's time zone if that is wrong)",
            parts.join(" and ")
        ))
    }

    /// Notes the programmes and channels over the index's caps.
    fn finish_caps(&mut self) {
        if self.over_cap > 0 {
            let message = format!(
                "{} programmes dropped: a guide index holds at most {MAX_PROGRAMMES}",
                self.over_cap
            );
            self.builder.warn(Warning::new(&self.name, 0, message));
        }
        if self.channels_over_cap > 0 {
            let message = format!(
                "{} channels dropped: a guide index holds at most {MAX_GUIDE_CHANNELS}",
                self.channels_over_cap
            );
            self.builder.warn(Warning::new(&self.name, 0, message));
        }
        self.over_cap = 0;
    }

    /// Notes how many warnings were not shown.
    fn finish_warnings(self) {
        if self.warnings > MAX_WARNINGS_PER_SOURCE {
            let more = self.warnings - MAX_WARNINGS_PER_SOURCE;
            let w = Warning::new(
                &self.name,
                0,
                format!("{more} more warnings like these were not shown"),
            );
            self.builder.warn(w);
        }
    }

    fn push_warning(&mut self, line: u64, message: String) {
        self.warnings += 1;
        if self.warnings <= MAX_WARNINGS_PER_SOURCE {
            self.builder.warn(Warning::new(&self.name, line, message));
        }
    }

    /// The builder's number for programme channel `id`, `None` when it is not kept.
    fn number_for(&mut self, id: &str) -> Option<u32> {
        if let Some((cached, n)) = &self.cache
            && cached == id
        {
            return *n;
        }
        let n = self.lookup(id);
        let (cached, slot) = self.cache.get_or_insert_with(|| (String::new(), None));
        cached.clear();
        cached.push_str(id);
        *slot = n;
        n
    }

    fn lookup(&mut self, id: &str) -> Option<u32> {
        let Some(verdicts) = &mut self.verdicts else {
            return self.builder.channel_number(id, &[], None);
        };
        // Kept channels are numbered already (declared ones when declared); others are asked
        // once, as channels the guide never declared (or declares after their programmes).
        if let Some(&n) = self.builder.numbers.get(id) {
            return Some(n);
        }
        verdicts
            .undeclared(id)
            .then(|| self.builder.channel_number(id, &[], None))
            .flatten()
    }

    /// Places civil times in the source's zone and counts them for the zone warning.
    fn place(&mut self, p: &Programme) -> (UtcSeconds, Option<UtcSeconds>) {
        if p.local == 0 {
            return (p.start, p.stop);
        }
        if p.unknown_zone.is_empty() {
            if self.zoneless == 0 {
                self.first_zoneless_line = p.line;
            }
            self.zoneless += 1;
        } else {
            self.unknown_zones += 1;
            if self.first_unknown_zone.is_none() {
                self.first_unknown_zone = Some((p.unknown_zone.clone(), p.line));
            }
        }
        let place = |t: UtcSeconds, bit: u8| match &self.zone {
            Some(zone) if p.local & bit != 0 => local_to_utc(t, zone),
            _ => t,
        };
        (place(p.start, LOCAL_START), p.stop.map(|s| place(s, LOCAL_STOP)))
    }

    /// Checks and shifts times: `(start, duration or OPEN)`, or a warning message.
    fn times(&mut self, p: &Programme) -> Result<Option<(u32, u32)>, String> {
        let (start, stop) = self.place(p);
        let start = start + self.offset_s;
        let stop = stop.map(|s| s + self.offset_s);
        if let Some(stop) = stop {
            if stop <= start {
                return Err(format!(
                    "stop {} is not after start {}; skipped",
                    rfc3339(stop),
                    rfc3339(start)
                ));
            }
            if stop - start > MAX_DURATION_S {
                return Err(format!(
                    "programme lasts more than 7 days (start {}); skipped",
                    rfc3339(start)
                ));
            }
            if self.builder.options.expire_before.is_some_and(|b| stop <= b) {
                return Ok(None);
            }
        }
        let start32 = u32::try_from(start).map_err(|_| out_of_range(start))?;
        let duration = match stop {
            Some(stop) => u32::try_from(stop - start).map_err(|_| out_of_range(stop))?,
            None => OPEN,
        };
        if duration != OPEN {
            start32.checked_add(duration).ok_or_else(|| out_of_range(start))?;
        }
        Ok(Some((start32, duration)))
    }
}

impl SourceSink<'_> {
    /// The number of the programme's `catchup-id`, kept in memory for `vod` catch-up URLs;
    /// [`NO_CATCHUP_ID`] without one, or when it is too long or past the cap (with a warning;
    /// the programme stays, and its details still hold the id).
    fn catchup_id(&mut self, p: &Programme) -> u32 {
        if p.catchup_id.is_empty() {
            return NO_CATCHUP_ID;
        }
        if p.catchup_id.len() > MAX_CATCHUP_ID_LEN {
            let message = format!("a catchup-id longer than {MAX_CATCHUP_ID_LEN} bytes; not kept");
            self.push_warning(p.line, message);
            return NO_CATCHUP_ID;
        }
        match self.builder.catchup_ids.intern(&p.catchup_id) {
            Some(n) => n,
            None => {
                if !self.catchup_ids_full {
                    self.catchup_ids_full = true;
                    let message = format!(
                        "more than {MAX_CATCHUP_ID_BYTES} bytes of distinct catchup-ids; later programmes have none"
                    );
                    self.push_warning(p.line, message);
                }
                NO_CATCHUP_ID
            }
        }
    }
}

fn out_of_range(t: UtcSeconds) -> String {
    format!("time {t} is outside 1970–2106; skipped")
}

impl XmltvSink for SourceSink<'_> {
    fn channel(&mut self, channel: XmltvChannel, _line: u64) {
        if let Some(verdicts) = &mut self.verdicts
            && !verdicts.declared(&channel.id, &channel.names)
        {
            return;
        }
        if self
            .builder
            .channel_number(&channel.id, &channel.names, channel.icon.as_deref())
            .is_none()
        {
            self.channels_over_cap += 1;
        }
    }

    fn programme(&mut self, p: &mut Programme) {
        let Some(channel) = self.number_for(&p.channel) else {
            self.skipped += 1;
            return;
        };
        let (start, duration) = match self.times(p) {
            Ok(Some(t)) => t,
            Ok(None) => {
                self.builder.expired += 1;
                return;
            }
            Err(message) => return self.push_warning(p.line, message),
        };
        if self.builder.recs.len() >= MAX_PROGRAMMES {
            self.over_cap += 1;
            return;
        }
        let Some(title) = self.builder.titles.intern(&p.title) else {
            let message = format!("more than {MAX_TITLE_BYTES} bytes of distinct titles; skipped");
            return self.push_warning(p.line, message);
        };
        let full = self
            .builder
            .details
            .as_ref()
            .is_some_and(|d| d.len() >= MAX_DETAILS_BYTES);
        if full && !self.details_full {
            self.details_full = true;
            let message =
                format!("more than {MAX_DETAILS_BYTES} bytes of descriptions; later programmes have none");
            self.push_warning(p.line, message);
        }
        let offset = match self.builder.details.as_mut().filter(|_| !full) {
            Some(d) => match d.append(p.details.as_bytes()) {
                Ok(offset) => offset,
                Err(e) => {
                    self.builder.io_error.get_or_insert(e);
                    return;
                }
            },
            None => crate::guide::details::NO_DETAILS,
        };
        let catchup_id = self.catchup_id(p);
        self.kept += 1;
        self.builder.recs.push(Rec {
            details_source: Rec::pack(offset, self.source),
            start,
            duration,
            channel,
            title,
            catchup_id,
        });
    }

    fn warning(&mut self, line: u64, message: String) {
        self.push_warning(line, message);
    }

    fn warnings_suppressed(&mut self, n: u64) {
        self.warnings = self
            .warnings
            .saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
    }
}
