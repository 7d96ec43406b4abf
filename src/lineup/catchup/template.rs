// SPDX-License-Identifier: GPL-3.0-or-later
//! The archive URL template of a channel, built once when the playlist is read: from the
//! `catchup` mode, `catchup-source` and the live URL, as Kodi's IPTV Simple builds it
//! (`Channel::ConfigureCatchupMode`). The URL shapes of `flussonic*`/`fs` and `xc` are matched
//! by hand, with the results of Kodi's regular expressions. Pure: strings in, a string out.

use super::super::model::CatchupMode;
use super::super::url;

/// Why a channel's catch-up cannot be used; a complete sentence for the playlist's warnings.
pub type TemplateError = String;

/// The template for `mode` on a channel whose live stream is `live` (without `|headers`).
///
/// A `|Header=value` suffix of `catchup-source` is dropped: archive requests carry the live
/// source's headers. The template must be `http(s)://` (checked here unless it starts with
/// `{catchup-id}`, which the guide fills; the finished URL is always checked).
pub fn build(mode: CatchupMode, source: Option<&str>, live: &str) -> Result<String, TemplateError> {
    let source = source
        .map(|s| s.split('|').next().unwrap_or("").trim())
        .filter(|s| !s.is_empty());
    let template = match mode {
        CatchupMode::Default => match source {
            Some(s) => s.to_owned(),
            None => {
                return Err(
                    "catchup=\"default\" needs a catchup-source (the full archive URL); \
                            catch-up disabled here"
                        .into(),
                );
            }
        },
        CatchupMode::Append => match source {
            Some(s) => format!("{live}{s}"),
            None => {
                return Err(
                    "catchup=\"append\" needs a catchup-source (the query to append to \
                            the stream URL); catch-up disabled here"
                        .into(),
                );
            }
        },
        CatchupMode::Shift => shift(live),
        CatchupMode::Flussonic | CatchupMode::FlussonicHls => flussonic(live, false)?,
        CatchupMode::FlussonicTs | CatchupMode::Fs => flussonic(live, true)?,
        CatchupMode::Xc => xtream_codes(live)?,
        CatchupMode::Vod => source.unwrap_or("{catchup-id}").to_owned(),
    };
    if template.starts_with("{catchup-id}") || is_http(&template) {
        Ok(template)
    } else {
        Err(format!(
            "catch-up URL '{}' is not http(s) (the archive of a {} stream needs a \
             catchup=\"default\" catchup-source); catch-up disabled here",
            url::quote(&template),
            url::scheme(live).unwrap_or("local")
        ))
    }
}

/// `http://` or `https://` with a host, ASCII case-insensitive.
pub(super) fn is_http(s: &str) -> bool {
    split_host(s).is_some()
}

/// `(scheme://host, rest after the '/' that ends the host)`; `rest` is `None` without that '/'.
fn split_host(s: &str) -> Option<(&str, Option<&str>)> {
    let scheme = url::scheme(s)?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let after = s
        .get(scheme.len() + 3..)
        .filter(|_| s.get(scheme.len()..scheme.len() + 3) == Some("://"))?;
    let host_len = after.find('/').unwrap_or(after.len());
    if host_len == 0 {
        return None;
    }
    let head = s.get(..scheme.len() + 3 + host_len)?;
    Some((head, after.get(host_len + 1..)))
}

/// SIPTV: `?utc={utc}&lutc={lutc}`, or `&…` when the URL already has a query.
fn shift(live: &str) -> String {
    let sep = if live.contains('?') { '&' } else { '?' };
    format!("{live}{sep}utc={{utc}}&lutc={{lutc}}")
}

/// Kodi's `\?.+=.+`: a query with an `=` that has something on both sides.
fn is_query(q: &str) -> bool {
    let Some(body) = q.strip_prefix('?') else {
        return false;
    };
    body.char_indices()
        .any(|(i, c)| c == '=' && i > 0 && i + 1 < body.len())
}

/// Flussonic. A live URL `HOST/CHANNEL/[NAME](mpegts|.m3u8)[?QUERY]` gives
/// `HOST/CHANNEL/timeshift_abs-${start}.ts?QUERY` for `mpegts` (whatever the mode said),
/// `HOST/CHANNEL/timeshift_rel-{offset:1}.m3u8?QUERY` for `index.m3u8` and
/// `HOST/CHANNEL/NAME-timeshift_rel-{offset:1}.m3u8?QUERY` for other playlists. Any other
/// `HOST/CHANNEL/ANYTHING[?QUERY]` gives the TS form for `flussonic-ts`/`fs`, else the HLS one.
fn flussonic(live: &str, ts: bool) -> Result<String, TemplateError> {
    let fail = || {
        format!(
            "'{}' is not a Flussonic stream URL (HOST/CHANNEL/NAME[?QUERY]); catch-up disabled here",
            url::quote(live)
        )
    };
    let (host, Some(path)) = split_host(live).ok_or_else(fail)? else {
        return Err(fail());
    };
    let (path, query) = match path.find('?') {
        Some(q) if is_query(&path[q..]) => (&path[..q], &path[q..]),
        _ => (path, ""),
    };
    let (channel, file) = path.rsplit_once('/').ok_or_else(fail)?;
    if let Some(name) = file.strip_suffix("mpegts") {
        let _ = name; // the name before `mpegts` is not part of the archive URL
        return Ok(format!("{host}/{channel}/timeshift_abs-${{start}}.ts{query}"));
    }
    if let Some(name) = file.strip_suffix(".m3u8") {
        return Ok(if name == "index" {
            format!("{host}/{channel}/timeshift_rel-{{offset:1}}.m3u8{query}")
        } else {
            format!("{host}/{channel}/{name}-timeshift_rel-{{offset:1}}.m3u8{query}")
        });
    }
    if file.contains('?') {
        return Err(fail()); // a query without `key=value`: Kodi's expressions match nothing
    }
    Ok(if ts {
        format!("{host}/{channel}/timeshift_abs-${{start}}.ts{query}")
    } else {
        format!("{host}/{channel}/timeshift_rel-{{offset:1}}.m3u8{query}")
    })
}

/// Xtream Codes: `HOST/[live/]USER/PASS/ID[.m3u8|.m3u]` gives
/// `HOST/timeshift/USER/PASS/{duration:60}/{Y}-{m}-{d}:{H}-{M}/ID.ts` (or the live extension).
fn xtream_codes(live: &str) -> Result<String, TemplateError> {
    let fail = || {
        format!(
            "'{}' is not an Xtream Codes stream URL (HOST/[live/]USER/PASS/ID[.m3u8]); \
             catch-up disabled here",
            url::quote(live)
        )
    };
    let (host, Some(path)) = split_host(live).ok_or_else(fail)? else {
        return Err(fail());
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (user, pass, last) = match parts.as_slice() {
        ["live", u, p, id] => (*u, *p, *id),
        [u, p, id] => (*u, *p, *id),
        _ => return Err(fail()),
    };
    let (id, ext) = if let Some(id) = last.strip_suffix(".m3u8") {
        (id, ".m3u8")
    } else if let Some(id) = last.strip_suffix(".m3u") {
        (id, ".m3u")
    } else {
        (last, ".ts")
    };
    if user.is_empty() || pass.is_empty() || id.is_empty() || id.contains('.') {
        return Err(fail());
    }
    Ok(format!(
        "{host}/timeshift/{user}/{pass}/{{duration:60}}/{{Y}}-{{m}}-{{d}}:{{H}}-{{M}}/{id}{ext}"
    ))
}
