// SPDX-License-Identifier: GPL-3.0-or-later
//! Unit tests of the M3U parser (line handling, tags, header defaults).

use super::*;
use crate::lineup::{CatchupDays, CatchupMode};

fn warnings(p: &Playlist) -> Vec<(usize, &str)> {
    p.problems.iter().map(|w| (w.line, w.message.as_str())).collect()
}

#[test]
fn empty_and_header_only() {
    assert!(parse("e", b"").entries.is_empty());
    let p = parse("h", b"#EXTM3U url-tvg=\"http://g/x.xml\"\n");
    assert!(p.entries.is_empty() && p.problems.is_empty());
    assert_eq!(p.header.guide_urls, ["http://g/x.xml"]);
}

#[test]
fn bom_crlf_and_extinf() {
    let p = parse(
        "f",
        b"\xEF\xBB\xBF#EXTM3U\r\n#EXTINF:-1 tvg-id=\"a\",A, the channel\r\nudp://@239.0.0.1:1234\r\n",
    );
    assert_eq!(p.entries.len(), 1, "{:?}", p.problems);
    let e = &p.entries[0];
    assert_eq!(
        (e.line, e.name.as_str(), e.source.origin.line),
        (2, "A, the channel", 3)
    );
    assert_eq!(e.source.kind, SourceKind::Multicast);
}

#[test]
fn legacy_encoding_is_detected_and_named() {
    let p = parse("l", b"#EXTM3U\n#EXTINF:-1,T\xE9l\xE9 \x80\nhttp://x/a.ts\n");
    assert_eq!(p.entries[0].name, "Télé €");
    assert_eq!(
        warnings(&p),
        [(
            1,
            "not UTF-8; read as windows-1252 (detected; save the playlist as UTF-8 to be sure)"
        )]
    );
}

#[test]
fn bare_urls_and_extgrp_scope() {
    let p = parse("g", b"#EXTGRP:Music\nhttp://x/a.ts\n#EXTINF:-1 group-title=\"Own\",B\nhttp://x/b.ts\n#EXTGRP:\nhttp://x/c.ts\n");
    let got: Vec<_> = p
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.groups.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("http://x/a.ts", vec!["Music".to_owned()]),
            ("B", vec!["Own".to_owned()]),
            ("http://x/c.ts", vec![]),
        ]
    );
}

#[test]
fn options_headers_and_precedence() {
    let text = "#EXTM3U user-agent=\"Default/1\"\n\
        #EXTINF:-1,A\n#EXTVLCOPT:http-user-agent=Vlc/2\n#EXTVLCOPT--http-referrer=http://ref/\n#EXTVLCOPT:program=101\n\
        http://x/a.ts|User-Agent=Pipe%2F3&Cookie=k%3Dv\n\
        #EXTINF:-1,B\nhttp://x/b.ts\n";
    let p = parse("o", text.as_bytes());
    let (a, b) = (&p.entries[0].source, &p.entries[1].source);
    assert_eq!(a.user_agent.as_deref(), Some("Pipe/3"));
    assert_eq!(a.referrer.as_deref(), Some("http://ref/"));
    assert_eq!(a.program, Some(101));
    assert_eq!(a.headers, [("Cookie".to_owned(), "k=v".to_owned())]);
    assert_eq!((b.user_agent.as_deref(), b.program), (Some("Default/1"), None));
}

#[test]
fn kodiprop_hints_kind_and_headers() {
    let text = "#EXTINF:-1,D\n#KODIPROP:inputstream.adaptive.manifest_type=mpd\n\
        #KODIPROP:inputstream.adaptive.stream_headers=Referer=http%3A%2F%2Fr%2F\nhttp://x/play?id=1\n\
        #KODIPROP:mimetype=application/x-mpegURL\nhttp://x/live\n#KODIPROP:broken\nhttp://x/z.ts\n";
    let p = parse("k", text.as_bytes());
    let kinds: Vec<_> = p.entries.iter().map(|e| e.source.kind).collect();
    assert_eq!(kinds, [SourceKind::Dash, SourceKind::Hls, SourceKind::Http]);
    assert_eq!(p.entries[0].source.referrer.as_deref(), Some("http://r/"));
    assert_eq!(p.entries[0].source.properties.len(), 2);
    assert!(p.entries[1].source.properties.len() == 1 && p.entries[2].source.properties.is_empty());
    assert_eq!(warnings(&p), [(7, "#KODIPROP without 'key=value'; ignored")]);
}

#[test]
fn refused_sources_warn_with_line_and_scheme() {
    let p = parse(
        "s",
        b"#EXTINF:-1,Evil\nfile:///etc/shadow\n#EXTINF:-1,Good\nhttp://x/a.ts\npipe://rm -rf\n",
    );
    assert_eq!(p.entries.len(), 1);
    let w = warnings(&p);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].0, 2);
    assert!(
        w[0].1.contains("scheme 'file'") && w[0].1.contains("'Evil'"),
        "{}",
        w[0].1
    );
    assert!(w[1].0 == 5 && w[1].1.contains("scheme 'pipe'"));
}

#[test]
fn dangling_extinf_and_missing_comma_warn() {
    let p = parse(
        "d",
        b"#EXTINF:-1,Lost\n#EXTINF:-1 tvg-name=\"TN\"\nhttp://x/a.ts\n#EXTINF:-1,End\n",
    );
    assert_eq!(p.entries[0].name, "TN");
    let lines: Vec<_> = warnings(&p).iter().map(|w| w.0).collect();
    assert_eq!(lines, [2, 1, 4]);
}

#[test]
fn overlong_line_is_skipped_with_its_entry() {
    let mut text = b"#EXTINF:-1,Big\nhttp://x/".to_vec();
    text.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES));
    text.extend(b"\n#EXTINF:-1,Ok\nhttp://x/ok.ts\n");
    let p = parse("b", &text);
    assert_eq!(p.entries.len(), 1);
    assert_eq!(p.entries[0].name, "Ok");
    let w = warnings(&p);
    assert_eq!(w.len(), 2);
    assert!(w[0].0 == 2 && w[0].1.contains("longer than"));
    assert!(w[1].0 == 1 && w[1].1.contains("line 2"));
}

#[test]
fn header_defaults_apply_to_entries() {
    let text = "#EXTM3U tvg-shift=2 catchup=\"append\" catchup-source=\"?utc={utc}\" catchup-days=5\n\
        #EXTINF:-1 tvg-shift=\"-0.5\" catchup-days=\"1\",A\nhttp://x/a.ts\n#EXTINF:-1 timeshift=\"3\",B\nhttp://x/b.ts\n";
    let p = parse("c", text.as_bytes());
    let (a, b) = (&p.entries[0], &p.entries[1]);
    assert_eq!((a.guide_shift_minutes, b.guide_shift_minutes), (-30, 120));
    let ca = a.catchup.as_ref().unwrap();
    assert_eq!(
        (ca.mode, ca.source.as_deref(), ca.days, ca.template.as_str()),
        (
            CatchupMode::Append,
            Some("?utc={utc}"),
            CatchupDays::Days(1),
            "http://x/a.ts?utc={utc}"
        )
    );
    assert_eq!(b.catchup.as_ref().unwrap().days, CatchupDays::Days(3));
}

#[test]
fn tags_are_case_insensitive_and_unknown_tags_silent() {
    let p = parse(
        "t",
        b"#extm3u\n#EXTINF:-1 TVG-CHNO=\"4\",A\n#EXT-X-PLAYLIST-TYPE:VOD\n# a comment\nhttp://x/a.ts\n",
    );
    assert_eq!(p.entries[0].number, Some(4));
    assert!(p.problems.is_empty());
}
