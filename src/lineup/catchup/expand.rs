// SPDX-License-Identifier: GPL-3.0-or-later
//! Replacing the format specifiers of a catch-up template in one left-to-right pass.
//!
//! Every occurrence is replaced (Kodi replaces only the first of the Unix-second and `:FMT`
//! specifiers), replaced text is never scanned again, and an unknown `{...}` stays as written.
//! Work is linear in the template: a specifier's name and argument are looked for at most
//! [`MAX_SPECIFIER`] bytes ahead of its `{`. Pure: times and the zone are parameters.

use super::CatchupError;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::fmt::Write;

/// Longest `{name:argument}` considered a specifier; longer brace runs are literal text.
const MAX_SPECIFIER: usize = 64;

/// Longest archive URL produced: far beyond any real one, and a bound on a hostile template.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// The instants and values specifiers stand for, all in Unix seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Values<'a> {
    /// Archive start (already corrected by tvg-shift and catchup-correction).
    pub start: i64,
    pub duration: i64,
    pub now: i64,
    pub catchup_id: Option<&'a str>,
    /// Only the "now" specifiers (`{lutc}`, `${now}`, `${timestamp}`, with or without `:FMT`),
    /// as in a live URL.
    pub now_only: bool,
}

/// What one specifier stands for.
enum Value {
    Seconds(i64),
    /// Local date and time fields of an instant, laid out by a `YmdHMS` pattern.
    Local(i64, Pattern),
    CatchupId,
}

#[derive(Clone, Copy)]
enum Pattern {
    /// One field letter (`{Y}`).
    Field(u8),
    /// The argument of `{utc:FMT}`: the `Range` of it in the template.
    Format(usize, usize),
}

/// Replaces every specifier of `template`.
pub(super) fn expand(template: &str, v: &Values<'_>, zone: &TimeZone) -> Result<String, CatchupError> {
    let bytes = template.as_bytes();
    let mut out = String::with_capacity(template.len() + 32);
    let (mut pos, mut literal) = (0, 0);
    while let Some(off) = memchr::memchr(b'{', bytes.get(pos..).unwrap_or(&[])) {
        let open = pos + off;
        let Some((value, len, dollar)) = specifier(template, open, v)? else {
            pos = open + 1;
            continue;
        };
        let begin = if dollar { open - 1 } else { open };
        out.push_str(&template[literal..begin]);
        render(&mut out, template, value, v, zone)?;
        pos = open + len;
        literal = pos;
        if out.len() > MAX_URL_BYTES {
            return Err(CatchupError::TooLong);
        }
    }
    out.push_str(&template[literal..]);
    if out.len() > MAX_URL_BYTES {
        return Err(CatchupError::TooLong);
    }
    Ok(out)
}

/// The specifier whose `{` is at `open`: its value, its length from `{` and whether the `$`
/// before it belongs to it. `None` when it is not one (left as written).
fn specifier(t: &str, open: usize, v: &Values<'_>) -> Result<Option<(Value, usize, bool)>, CatchupError> {
    let window = &t.as_bytes()[open..t.len().min(open + MAX_SPECIFIER)];
    let Some(close) = window.iter().position(|&b| b == b'}') else {
        return Ok(None);
    };
    let inner = &t[open + 1..open + close];
    let len = close + 1;
    let dollar = open > 0 && t.as_bytes()[open - 1] == b'$';
    let (name, arg) = match inner.split_once(':') {
        Some((n, a)) => (n, Some((a, open + 1 + n.len() + 1))),
        None => (inner, None),
    };
    let (start, end) = (v.start, v.start.saturating_add(v.duration));
    // `${…}` names need their `$`; the others leave a `$` before them as text (as Kodi does).
    let instant = match (dollar, name) {
        (_, "lutc") | (true, "now" | "timestamp") => Some((v.now, dollar && name != "lutc")),
        _ if v.now_only => None,
        (_, "utc") | (true, "start") => Some((start, dollar && name == "start")),
        (_, "utcend") | (true, "end") => Some((end, dollar && name == "end")),
        _ => None,
    };
    if let Some((at, own_dollar)) = instant {
        return Ok(match arg {
            None => Some((Value::Seconds(at), len, own_dollar)),
            Some(("", _)) => None,
            Some((f, from)) => Some((
                Value::Local(at, Pattern::Format(from, from + f.len())),
                len,
                own_dollar,
            )),
        });
    }
    if v.now_only {
        return Ok(None);
    }
    let value = match (name, arg) {
        ("Y" | "m" | "d" | "H" | "M" | "S", None) => Value::Local(start, Pattern::Field(name.as_bytes()[0])),
        ("duration", None) => return Ok(Some((Value::Seconds(v.duration), len, dollar))),
        ("offset", None) if dollar => return Ok(Some((Value::Seconds((v.now - start).max(0)), len, true))),
        ("duration" | "offset", Some((n, _))) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let divider = n.parse::<i64>().ok().filter(|&d| d > 0);
            let Some(divider) = divider else {
                return Err(CatchupError::BadDivider(format!("{{{inner}}}")));
            };
            let amount = if name == "duration" {
                v.duration
            } else {
                v.now - start
            };
            Value::Seconds(amount.max(0) / divider)
        }
        ("catchup-id", None) => Value::CatchupId,
        _ => return Ok(None),
    };
    Ok(Some((value, len, false)))
}

fn render(
    out: &mut String,
    t: &str,
    value: Value,
    v: &Values<'_>,
    zone: &TimeZone,
) -> Result<(), CatchupError> {
    match value {
        Value::Seconds(s) => {
            let _ = write!(out, "{s}");
        }
        Value::CatchupId => out.push_str(v.catchup_id.ok_or(CatchupError::NoCatchupId)?),
        Value::Local(at, pattern) => {
            let ts = Timestamp::from_second(at).map_err(|_| CatchupError::TimeOutOfRange(at))?;
            let local = zone.to_datetime(ts);
            let field = |out: &mut String, c: u8| {
                let _ = match c {
                    b'Y' => write!(out, "{}", local.year()),
                    b'm' => write!(out, "{:02}", local.month()),
                    b'd' => write!(out, "{:02}", local.day()),
                    b'H' => write!(out, "{:02}", local.hour()),
                    b'M' => write!(out, "{:02}", local.minute()),
                    b'S' => write!(out, "{:02}", local.second()),
                    _ => Ok(()),
                };
            };
            match pattern {
                Pattern::Field(c) => field(out, c),
                Pattern::Format(from, to) => {
                    for c in t[from..to].chars() {
                        if matches!(c, 'Y' | 'm' | 'd' | 'H' | 'M' | 'S') {
                            field(out, c as u8);
                        } else {
                            out.push(c);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
