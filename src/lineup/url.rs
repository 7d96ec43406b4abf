// SPDX-License-Identifier: GPL-3.0-or-later
//! Stream URL checking and classification: the security gate between a playlist and the player.
//!
//! Only network streams pass: `udp://` and `rtp://` multicast, `http(s)://` (progressive, HLS,
//! DASH), `rtsp(s)://` and `rtmp(s)://`. Everything else (`file://`, `pipe://`, `mms://`, bare
//! paths…) is refused with a message, because a playlist from the internet must never make the
//! box open local files or run commands. Header values are checked here too: a CR, LF or NUL
//! smuggled in through `%0D%0A` must never reach a protocol stack. Pure: no I/O, no DNS, no
//! parser state.

use super::attrs::{LowerKey, ends_with_ignore_case};
use super::model::{MulticastGroup, SourceKind};
use std::net::IpAddr;

/// A stream URL that passed the gate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StreamUrl {
    /// The URL without the `|Header=value` suffix.
    pub url: String,
    pub kind: SourceKind,
    pub multicast: Option<MulticastGroup>,
    /// Decoded `|Header=value&...` pairs, `!` markers stripped, in order.
    pub headers: Vec<(String, String)>,
}

/// Longest URL quoted back in a message.
const QUOTE_MAX: usize = 80;

/// `s` cut to [`QUOTE_MAX`] characters for messages.
pub(crate) fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE_MAX) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s.to_owned(),
    }
}

/// The URL scheme (`udp` in `udp://…`), when `s` starts with a syntactically valid one.
/// One-letter "schemes" are Windows drive letters, not schemes.
pub(crate) fn scheme(s: &str) -> Option<&str> {
    let (head, _) = s.split_once(':')?;
    let mut chars = head.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok && head.len() > 1).then_some(head)
}

/// Whether `s` is an absolute `http://` or `https://` URL (scheme case-insensitive): the only
/// kind of address a playlist or guide may name for anything but a stream (guides, logos). A
/// local path never is, so a playlist from the internet cannot make the box read its own files.
pub fn is_http_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, rest)| {
        (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) && !rest.is_empty()
    })
}

/// Checks and classifies one stream line. `hint` comes from `#KODIPROP` mimetype/manifest
/// type and wins over the file extension. The error is a complete user-facing message.
pub(crate) fn classify(line: &str, hint: Option<SourceKind>) -> Result<StreamUrl, String> {
    let (url, suffix) = match line.split_once('|') {
        Some((u, s)) => (u.trim(), Some(s)),
        None => (line.trim(), None),
    };
    if has_control(url) {
        return Err(format!(
            "stream URL '{}' contains control characters; entry skipped",
            quote(url)
        ));
    }
    let Some(scheme) = scheme(url) else {
        return Err(format!(
            "'{}' is not a stream URL (local files and devices are never played); entry skipped",
            quote(url)
        ));
    };
    let rest = strip_slashes(url, scheme);
    let (kind, multicast) = match LowerKey::new(scheme).as_ref().map_or("", LowerKey::as_str) {
        s @ ("udp" | "rtp") => {
            let rest =
                rest.ok_or_else(|| format!("'{}' lacks '//' after '{s}:'; entry skipped", quote(url)))?;
            let group =
                parse_group(rest).map_err(|why| format!("{why} in '{}'; entry skipped", quote(url)))?;
            let kind = if s == "udp" {
                SourceKind::Multicast
            } else {
                SourceKind::Rtp
            };
            (kind, Some(group))
        }
        s @ ("http" | "https" | "rtsp" | "rtsps" | "rtmp" | "rtmps") => {
            let rest = rest.filter(|r| !host_part(r).is_empty());
            let rest = rest.ok_or_else(|| format!("'{}' has no host name; entry skipped", quote(url)))?;
            let kind = match s {
                "rtsp" | "rtsps" => SourceKind::Rtsp,
                "rtmp" | "rtmps" => SourceKind::Rtmp,
                _ => hint.unwrap_or_else(|| http_kind(rest)),
            };
            (kind, None)
        }
        _ => {
            return Err(format!(
                "scheme '{scheme}' is not allowed (only udp, rtp, http(s), rtsp(s) and rtmp(s) streams are played); entry skipped"
            ));
        }
    };
    Ok(StreamUrl {
        url: url.to_owned(),
        kind,
        multicast,
        headers: suffix.map(header_suffix).unwrap_or_default(),
    })
}

/// Position of the first of the ASCII `stops` in `s`, or its length. Byte search: this runs for
/// every stream URL, and char-pattern `find` costs several times more.
fn end_of(s: &str, stops: &[u8]) -> usize {
    s.bytes().position(|b| stops.contains(&b)).unwrap_or(s.len())
}

/// Control characters (C0, DEL, C1) anywhere in `s`; the ASCII case without char decoding.
fn has_control(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        s.chars().any(char::is_control)
    }
}

/// What follows `scheme://`, or `None` without the `//`.
fn strip_slashes<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    url.get(scheme.len() + 1..)?.strip_prefix("//")
}

/// `[user@]host[:port]` part of what follows `//`, without the user info.
fn host_part(rest: &str) -> &str {
    let authority = rest.get(..end_of(rest, b"/?#")).unwrap_or("");
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// HLS/DASH by path extension (query and fragment ignored), otherwise progressive HTTP.
fn http_kind(rest: &str) -> SourceKind {
    let end = end_of(rest, b"?#");
    let path = rest.get(..end).unwrap_or("");
    if ends_with_ignore_case(path, ".m3u8") {
        SourceKind::Hls
    } else if ends_with_ignore_case(path, ".mpd") {
        SourceKind::Dash
    } else {
        SourceKind::Http
    }
}

/// Parses `[source]@group:port` (the `@` and source optional); IPv6 in brackets.
fn parse_group(rest: &str) -> Result<MulticastGroup, String> {
    let authority = rest.get(..end_of(rest, b"/?#")).unwrap_or("");
    let (source, hostport) = match authority.rsplit_once('@') {
        Some((s, h)) => (Some(s).filter(|s| !s.is_empty()), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(hostport)?;
    let group = parse_ip(host).ok_or_else(|| format!("multicast group '{host}' is not an IP address"))?;
    if !group.is_multicast() {
        return Err(format!("'{group}' is not a multicast address"));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| format!("port '{port}' is not in 1..65535"))?;
    let source = source.map(|s| ssm_source(s, group)).transpose()?;
    Ok(MulticastGroup { group, port, source })
}

/// A source-specific multicast sender: unicast, same address family as the group.
fn ssm_source(s: &str, group: IpAddr) -> Result<IpAddr, String> {
    let ip = parse_ip(s).ok_or_else(|| format!("multicast source '{s}' is not an IP address"))?;
    if ip.is_multicast() || ip.is_unspecified() || ip.is_ipv4() != group.is_ipv4() {
        return Err(format!("'{ip}' cannot be the sender of group {group}"));
    }
    Ok(ip)
}

fn split_host_port(hostport: &str) -> Result<(&str, &str), String> {
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' around the IPv6 group")?;
        let port = after.strip_prefix(':').ok_or("missing ':port' after the group")?;
        return Ok((host, port));
    }
    match hostport.split_once(':') {
        Some((h, p)) if !p.contains(':') => Ok((h, p)),
        Some(_) => Err("IPv6 groups must be written in brackets, e.g. [ff15::1]:5000".into()),
        None => Err("missing ':port' after the group".into()),
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
    s.parse().ok()
}

/// Why a request header cannot be sent as given: the name is not an HTTP token, or the value
/// holds a control character (CR and LF would start a new header or end the request, NUL
/// truncates it in C stacks). Tab is allowed in values, as HTTP allows it.
pub(crate) fn header_problem(name: &str, value: &str) -> Option<String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Some(format!(
            "header name '{}' is not a valid HTTP header name",
            quote(name)
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        let shown: String = value
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        return Some(format!(
            "header {name} has a control character (CR, LF, NUL…) in its value '{}'",
            quote(&shown)
        ));
    }
    None
}

/// Decodes Kodi's `User-Agent=a%20b&Referer=…&!X-Custom=…` header suffix.
pub(crate) fn header_suffix(suffix: &str) -> Vec<(String, String)> {
    suffix
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let name = percent_decode(name.trim());
            let name = name.strip_prefix('!').unwrap_or(&name).trim();
            (!name.is_empty()).then(|| (name.to_owned(), percent_decode(value.trim())))
        })
        .collect()
}

/// `%XX` decoding; invalid escapes are kept literally, invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = (c == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(hex_byte);
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn group(url: &str) -> MulticastGroup {
        classify(url, None).unwrap().multicast.unwrap()
    }

    #[test]
    fn multicast_forms() {
        let g = group("udp://@239.1.1.1:5000");
        assert_eq!(
            (g.group, g.port, g.source),
            (IpAddr::V4(Ipv4Addr::new(239, 1, 1, 1)), 5000, None)
        );
        assert_eq!(group("udp://239.1.1.1:5000?pkt_size=1316").port, 5000);
        let ssm = group("udp://10.0.0.1@232.1.1.1:5000");
        assert_eq!(ssm.source, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        assert_eq!(
            classify("rtp://@239.0.0.2:1234", None).unwrap().kind,
            SourceKind::Rtp
        );
        let v6 = group("udp://@[ff15::1]:5000");
        assert_eq!(v6.group, IpAddr::V6("ff15::1".parse::<Ipv6Addr>().unwrap()));
        assert!(group("udp://[2001:db8::1]@[ff3e::1234]:5000").source.is_some());
    }

    #[test]
    fn bad_multicast_is_refused() {
        for url in [
            "udp://@10.0.0.1:5000",
            "udp://@239.1.1.1:0",
            "udp://@239.1.1.1",
            "udp://@239.1.1.1:99999",
            "udp://@ff15::1:5000",
            "udp://@[ff15::1:5000",
            "udp://239.9.9.9@232.1.1.1:5000",
            "udp://[2001:db8::1]@232.1.1.1:5000",
            "udp://@mcast.example:5000",
            "udp:239.1.1.1:5000",
        ] {
            assert!(classify(url, None).is_err(), "{url}");
        }
    }

    #[test]
    fn http_kinds() {
        let kind = |u| classify(u, None).unwrap().kind;
        assert_eq!(
            kind("https://cdn.example/live/index.M3U8?token=a.mpd"),
            SourceKind::Hls
        );
        assert_eq!(kind("http://cdn.example/a/manifest.mpd"), SourceKind::Dash);
        assert_eq!(kind("http://cdn.example/stream.ts"), SourceKind::Http);
        assert_eq!(
            classify("http://x/play", Some(SourceKind::Dash)).unwrap().kind,
            SourceKind::Dash
        );
        assert!(classify("http:///path", None).is_err());
    }

    #[test]
    fn other_schemes_and_paths_are_refused() {
        for (url, needle) in [
            ("file:///etc/passwd", "'file'"),
            ("pipe:///usr/bin/evil", "'pipe'"),
            ("mms://media.example/live", "'mms'"),
            ("rtsp:///live", "no host"),
            ("javascript:alert(1)", "'javascript'"),
            ("/var/media/x.ts", "not a stream URL"),
            ("C:\\media\\x.ts", "not a stream URL"),
            ("http://x/\u{7}", "control"),
        ] {
            let err = classify(url, None).unwrap_err();
            assert!(err.contains(needle), "{url}: {err}");
        }
    }

    #[test]
    fn rtsp_and_rtmp_are_network_streams() {
        let kind = |u| classify(u, None).unwrap().kind;
        assert_eq!(kind("rtsp://cam.example:554/live/ch1"), SourceKind::Rtsp);
        assert_eq!(kind("RTSP://user:pw@10.0.0.2/stream"), SourceKind::Rtsp);
        assert_eq!(kind("rtsps://cam.example/live"), SourceKind::Rtsp);
        assert_eq!(kind("rtmp://live.example/app/stream"), SourceKind::Rtmp);
        assert_eq!(kind("rtmps://live.example:443/app/key"), SourceKind::Rtmp);
        assert!(classify("rtmp:live.example/app", None).is_err());
    }

    #[test]
    fn headers_with_control_characters_are_caught() {
        assert_eq!(header_problem("User-Agent", "Box/1.0 (tab\tok)"), None);
        for (name, value) in [
            ("User-Agent", "a\r\nX-Evil: 1"),
            ("Referer", "http://r/\0"),
            ("X-Token", "\n"),
            ("Bad Name", "v"),
            ("X:Y", "v"),
            ("", "v"),
        ] {
            assert!(header_problem(name, value).is_some(), "{name:?}: {value:?}");
        }
        let s = classify("http://x/a.ts|User-Agent=a%0D%0AHost:%20evil&Referer=%00", None).unwrap();
        assert!(s.headers.iter().all(|(k, v)| header_problem(k, v).is_some()));
    }

    #[test]
    fn header_suffix_is_decoded() {
        let s = classify(
            "http://x/a.ts|User-Agent=My%20Box&Referer=http://r/&!X-Token=a%3Db&bad",
            None,
        )
        .unwrap();
        assert_eq!(s.url, "http://x/a.ts");
        let h: Vec<_> = s.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            h,
            vec![
                ("User-Agent", "My Box"),
                ("Referer", "http://r/"),
                ("X-Token", "a=b")
            ]
        );
    }

    #[test]
    fn percent_decode_edge_cases() {
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9%"), "é%");
        assert_eq!(quote(&"é".repeat(200)).chars().count(), QUOTE_MAX + 1);
    }
}
