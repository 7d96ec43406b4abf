// SPDX-License-Identifier: GPL-3.0-or-later
//! Lineup integration tests: realistic playlists from `tests/fixtures/m3u/` through parse + merge,
//! the HTTP client and cache against a real local server, and property tests on hostile input.

#[path = "lineup/fuzz.rs"]
mod fuzz;
#[path = "lineup/http.rs"]
mod http;
#[path = "support/http_server.rs"]
mod http_server;

use std::path::PathBuf;
use zapbox::lineup::{self, CatchupDays, CatchupMode, Channel, LineupReport, SourceKind};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/m3u", name]
        .iter()
        .collect();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (name.to_owned(), bytes)
}

fn build(names: &[&str]) -> LineupReport {
    let inputs: Vec<_> = names.iter().map(|n| fixture(n)).collect();
    lineup::build(&inputs)
}

fn numbered(r: &LineupReport) -> Vec<(u32, &str)> {
    r.lineup
        .channels
        .iter()
        .map(|c| (c.number, c.name.as_str()))
        .collect()
}

fn kinds(c: &Channel) -> Vec<SourceKind> {
    c.sources.iter().map(|s| s.kind).collect()
}

fn warnings(r: &LineupReport) -> Vec<(usize, String)> {
    r.warnings.iter().map(|w| (w.line, w.message.clone())).collect()
}

fn channel(r: &LineupReport, number: u32) -> &Channel {
    r.lineup
        .by_number(number)
        .unwrap_or_else(|| panic!("no channel {number}"))
}

#[test]
fn operator_multicast_list() {
    use std::net::IpAddr;
    let r = build(&["operator_multicast.m3u"]);
    assert!(r.is_usable() && r.errors.is_empty());
    assert_eq!(
        numbered(&r),
        [
            (1, "Das Erste HD"),
            (2, "ZDF HD"),
            (3, "arte HD"),
            (10, "SPORT1"),
            (100, "Radio Eins")
        ]
    );
    assert_eq!(channel(&r, 1).groups, ["Public", "HD"]);
    let ssm = channel(&r, 2).sources[0].multicast.unwrap();
    assert_eq!(
        (ssm.group, ssm.port),
        ("232.0.20.35".parse::<IpAddr>().unwrap(), 10000)
    );
    assert_eq!(ssm.source, Some("87.141.215.251".parse().unwrap()));
    assert_eq!(kinds(channel(&r, 3)), [SourceKind::Rtp]);
    assert_eq!(channel(&r, 10).sources[0].program, Some(1001));
    let radio = channel(&r, 100);
    assert!(radio.radio);
    assert_eq!(
        radio.sources[0].multicast.map(|m| m.group),
        Some("ff15::100".parse().unwrap())
    );
    // The header's catchup="shift" cannot append to a multicast URL: no catch-up, no warning.
    assert_eq!(channel(&r, 1).catchup, None);
    let arte = channel(&r, 3).catchup.as_ref().unwrap();
    assert_eq!(
        (arte.mode, arte.days),
        (CatchupMode::Default, CatchupDays::Days(3))
    );
    assert!(arte.template.contains("{utcend}"));
    assert_eq!(r.lineup.guide_urls, ["http://epg.operator.example/guide.xml.gz"]);
    let w = warnings(&r);
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(w[0].0, 14);
    assert!(
        w[0].1.contains("'10.1.2.3' is not a multicast address"),
        "{}",
        w[0].1
    );
    assert_eq!(w[1].0, 16);
    assert!(w[1].1.contains("missing ':port'"), "{}", w[1].1);
}

#[test]
fn ott_list_with_vlc_and_kodi_options() {
    let r = build(&["ott.m3u8"]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        numbered(&r),
        [
            (1, "News One"),
            (2, "Movies DASH"),
            (3, "Music TS"),
            (4, "Kids, Family & Fun"),
            (5, "Hinted HLS"),
            (6, "Legacy Archive")
        ]
    );
    let all: Vec<_> = r.lineup.channels.iter().flat_map(kinds).collect();
    use SourceKind::*;
    assert_eq!(all, [Hls, Dash, Http, Hls, Hls, Http]);
    assert_eq!(
        channel(&r, 1).sources[0].user_agent.as_deref(),
        Some("ZapboxDefault/1.0")
    );
    assert_eq!(channel(&r, 2).sources[0].properties.len(), 3);
    let music = &channel(&r, 3).sources[0];
    assert_eq!(music.user_agent.as_deref(), Some("VLC/3.0.20 LibVLC/3.0.20"));
    assert_eq!(music.referrer.as_deref(), Some("https://portal.example/"));
    let kids = &channel(&r, 4).sources[0];
    assert_eq!(kids.url, "https://cdn.example/kids/playlist.m3u8");
    assert_eq!(kids.user_agent.as_deref(), Some("Mozilla/5.0 (SmartTV)"));
    assert_eq!(kids.referrer.as_deref(), Some("https://portal.example/"));
    let headers: Vec<_> = kids
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        headers,
        [("Cookie", "session=xyz"), ("X-Forwarded-For", "1.2.3.4")]
    );
    let legacy = channel(&r, 6);
    assert_eq!(legacy.sources[0].user_agent.as_deref(), Some("OldBox/2"));
    let c = legacy.catchup.as_ref().unwrap();
    assert_eq!((c.mode, c.days), (CatchupMode::Shift, CatchupDays::Days(2)));
    assert_eq!(
        c.template,
        "http://stream.example:8080/legacy.ts?utc={utc}&lutc={lutc}"
    );
    assert_eq!(
        r.lineup.guide_urls,
        ["https://epg.example/a.xml", "https://epg.example/b.xml"]
    );
}

#[test]
fn latin1_file_is_decoded_with_a_warning() {
    let r = build(&["latin1.m3u"]);
    assert_eq!(numbered(&r), [(1, "Télé Française"), (2, "München TV €")]);
    assert_eq!(channel(&r, 1).groups, ["Télévision"]);
    assert_eq!(
        warnings(&r),
        [(
            1,
            "not UTF-8; read as windows-1252 (detected; save the playlist as UTF-8 to be sure)".to_owned()
        )]
    );
}

/// A Chinese operator's multicast list saved by a Windows tool: UTF-16 with a byte-order mark,
/// CRLF line ends. Every channel must survive, with its name.
#[test]
fn utf16_playlists_with_a_bom_keep_every_channel() {
    for file in ["utf16le_bom.m3u", "utf16be_bom.m3u"] {
        let r = build(&[file]);
        assert!(
            r.warnings.is_empty() && r.errors.is_empty(),
            "{file}: {:?}",
            r.warnings
        );
        assert_eq!(r.lineup.channels.len(), 12, "{file}");
        assert_eq!(
            numbered(&r)[..4],
            [
                (1, "CCTV-1 综合"),
                (2, "CCTV-2 财经"),
                (3, "CCTV-5 体育"),
                (4, "湖南卫视")
            ]
        );
        assert_eq!(channel(&r, 1).groups, ["央视"]);
        assert_eq!(kinds(channel(&r, 12)), [SourceKind::Multicast]);
    }
}

/// Legacy encodings are detected and named in the one warning; every name decodes.
#[test]
fn legacy_encodings_are_detected_and_named() {
    for (file, encoding, count, first, last) in [
        ("gbk.m3u", "GBK", 12, "CCTV-1 综合", "CCTV-14 少儿"),
        ("big5.m3u", "Big5", 10, "台視 新聞台", "緯來體育台"),
        ("shift_jis.m3u", "Shift_JIS", 10, "ＮＨＫ総合・東京", "ＢＳ日テレ"),
        ("windows1251.m3u", "windows-1251", 11, "Первый канал", "Домашний"),
        ("koi8r.m3u", "KOI8-U", 11, "Первый канал", "Домашний"),
        (
            "windows1250.m3u",
            "windows-1250",
            10,
            "ČT1 – Česká televize",
            "JOJ Rodina",
        ),
    ] {
        let r = build(&[file]);
        let expected =
            format!("not UTF-8; read as {encoding} (detected; save the playlist as UTF-8 to be sure)");
        assert_eq!(warnings(&r), [(1, expected)], "{file}");
        let names = numbered(&r);
        assert_eq!(names.len(), count, "{file}");
        assert_eq!((names[0].1, names[count - 1].1), (first, last), "{file}");
        assert!(
            names.iter().all(|(_, n)| !n.contains('\u{FFFD}')),
            "{file}: {names:?}"
        );
    }
}

/// One damaged line in a UTF-8 list is repaired on that line; every other channel keeps its
/// name and key, so favourites, the last channel and parental locks still find it.
#[test]
fn stray_bytes_are_repaired_per_line_and_keys_do_not_change() {
    let clean = build(&["utf8_clean.m3u"]);
    let damaged = build(&["utf8_stray_bytes.m3u"]);
    assert_eq!(
        warnings(&damaged),
        [
            (6, "not valid UTF-8; this line is read as Windows-1252".to_owned()),
            (
                16,
                "invalid UTF-8 bytes on this line replaced with '\u{FFFD}'".to_owned()
            ),
        ]
    );
    let keys = |r: &LineupReport| -> Vec<(String, String)> {
        r.lineup
            .channels
            .iter()
            .map(|c| (c.name.clone(), c.key.0.clone()))
            .collect()
    };
    let (clean, damaged) = (keys(&clean), keys(&damaged));
    assert_eq!(clean.len(), 10);
    for (i, (c, d)) in clean.iter().zip(&damaged).enumerate() {
        match i {
            // The Latin-1 line reads right; the stray byte is the only change on its line.
            2 => assert_eq!(c, d),
            7 => assert_eq!(d.0, "Арсенал\u{FFFD}"),
            _ => assert_eq!(c, d, "channel {}", i + 1),
        }
    }
    // A lock on a channel with a non-ASCII key still holds in the damaged file.
    let locked = &clean[3].1;
    assert!(damaged.iter().any(|(_, k)| k == locked), "{locked} lost");
}

#[test]
fn crlf_and_bom_file() {
    let r = build(&["crlf_bom.m3u"]);
    assert!(r.warnings.is_empty() && r.errors.is_empty(), "{:?}", r.warnings);
    assert_eq!(numbered(&r), [(5, "First"), (6, "Second")]);
    assert_eq!(channel(&r, 6).sources[0].origin.line, 6);
}

#[test]
fn duplicate_numbers_are_resolved_predictably() {
    let r = build(&["duplicate_numbers.m3u"]);
    assert_eq!(
        numbered(&r),
        [
            (1, "Alpha"),
            (2, "Delta"),
            (3, "Beta"),
            (4, "Gamma"),
            (5, "Epsilon"),
            (6, "Zeta")
        ]
    );
    let w = warnings(&r);
    let f = "duplicate_numbers.m3u";
    assert_eq!(
        w,
        [
            (
                4,
                format!(
                    "channel number 1 of 'Beta' is already taken by 'Alpha' ({f}:2); 'Beta' gets number 3"
                )
            ),
            (
                10,
                "channel number 'abc' is not a whole number in 1..9999; numbered automatically".to_owned()
            ),
            (
                12,
                format!(
                    "channel number 2 of 'Zeta' is already taken by 'Delta' ({f}:8); 'Zeta' gets number 6"
                )
            ),
        ]
    );
}

#[test]
fn unsafe_schemes_are_never_played() {
    let r = build(&["unsafe_schemes.m3u"]);
    assert_eq!(numbered(&r), [(1, "Safe")]);
    let w = warnings(&r);
    let lines: Vec<_> = w.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 5, 7, 9, 11]);
    for ((_, message), needle) in
        w.iter()
            .zip(["'file'", "'pipe'", "'mms'", "'javascript'", "not a stream URL"])
    {
        assert!(message.contains(needle), "{message}");
    }
    assert!(
        r.lineup
            .channels
            .iter()
            .flat_map(|c| &c.sources)
            .all(|s| s.url.starts_with("http"))
    );
}

/// An operator's unicast list: rtsp and rtmp play, mms, file and pipe stay refused.
#[test]
fn rtsp_and_rtmp_are_accepted_and_other_schemes_refused() {
    let r = build(&["rtsp_rtmp.m3u"]);
    let got: Vec<_> = r
        .lineup
        .channels
        .iter()
        .map(|c| (c.number, kinds(c)[0]))
        .collect();
    assert_eq!(
        got,
        [
            (1, SourceKind::Rtsp),
            (2, SourceKind::Rtsp),
            (3, SourceKind::Rtmp),
            (4, SourceKind::Rtmp)
        ]
    );
    assert_eq!(
        channel(&r, 1).sources[0].user_agent.as_deref(),
        Some("OperatorBox/1.0")
    );
    let w = warnings(&r);
    assert_eq!(w.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [12, 14, 16]);
    for ((_, message), needle) in w.iter().zip(["'mms'", "'file'", "'pipe'"]) {
        assert!(message.contains(needle), "{message}");
    }
}

/// CR, LF and NUL in `|User-Agent=`, `Referer=`, `#EXTVLCOPT` and `#KODIPROP` headers never
/// reach the player: the header is dropped with a warning, the channel and its clean headers stay.
#[test]
fn header_injection_never_reaches_the_player() {
    let r = build(&["header_injection.m3u"]);
    assert_eq!(r.lineup.channels.len(), 4);
    let sources: Vec<_> = r.lineup.channels.iter().map(|c| &c.sources[0]).collect();
    for s in &sources {
        let values = s
            .user_agent
            .iter()
            .chain(&s.referrer)
            .chain(s.headers.iter().map(|(_, v)| v));
        for v in values {
            assert!(!v.chars().any(char::is_control), "{}: {v:?}", s.url);
        }
    }
    assert_eq!(
        (sources[0].user_agent.as_deref(), sources[0].referrer.as_deref()),
        (None, None)
    );
    assert_eq!(sources[0].headers, [("X-Good".to_owned(), "fine".to_owned())]);
    assert_eq!(
        (sources[1].user_agent.as_deref(), sources[1].referrer.as_deref()),
        (None, Some("http://ok.example/"))
    );
    assert_eq!(
        (sources[2].user_agent.as_deref(), sources[2].referrer.as_deref()),
        (None, Some("http://kodi.example/"))
    );
    assert!(sources[2].headers.is_empty());
    assert_eq!(sources[3].user_agent.as_deref(), Some("Box/4 (Linux)"));
    let lines: Vec<_> = warnings(&r).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 3, 7, 10, 10]);
    assert!(warnings(&r).iter().all(|(_, m)| m.ends_with("; header not sent")));
}

#[test]
fn two_playlists_share_channels_by_tvg_id() {
    let r = build(&["shared_a.m3u", "shared_b.m3u"]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        numbered(&r),
        [(101, "BBC One"), (102, "BBC Two"), (103, "ITV"), (104, "Town TV")]
    );
    let bbc1 = channel(&r, 101);
    assert_eq!(bbc1.key.0, "bbc1.uk");
    assert_eq!(kinds(bbc1), [SourceKind::Multicast, SourceKind::Hls]);
    assert_eq!(bbc1.logo.as_deref(), Some("http://logo.example/bbc1.png"));
    assert_eq!(bbc1.groups, ["UK"]);
    assert_eq!(bbc1.sources[1].origin.file, "shared_b.m3u");
    assert_eq!(channel(&r, 103).sources.len(), 1, "identical URL kept once");
    assert_eq!(
        channel(&r, 104).sources.len(),
        2,
        "same name across playlists joins"
    );
    assert_eq!(
        r.lineup.guide_urls,
        ["http://epg.example/shared.xml", "http://epg.example/extra.xml"]
    );
    assert!(r.lineup.by_key(&lineup::ChannelKey("itv1.uk".into())).is_some());
}

#[test]
fn empty_and_junk_inputs_are_errors_not_panics() {
    let r = lineup::build(&[
        ("empty.m3u".into(), Vec::new()),
        ("junk.bin".into(), vec![0xff, 0x00, 0x1f, 0x8b]),
    ]);
    assert!(!r.is_usable());
    let errors: Vec<_> = r.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors[0], "empty.m3u: the playlist is empty");
    assert!(errors[1].starts_with("junk.bin: no playable channel"));
}

#[test]
fn load_lineup_reads_files_and_reports_missing_ones() {
    use zapbox::net::{http::HttpLimits, lineup_load::load_lineup};
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/m3u"]
        .iter()
        .collect();
    let locations = [
        dir.join("crlf_bom.m3u").display().to_string(),
        "/nonexistent/list.m3u".to_owned(),
    ];
    let r = load_lineup(&locations, None, &HttpLimits::default());
    assert_eq!(r.lineup.channels.len(), 2);
    assert!(!r.is_usable());
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0]
            .to_string()
            .starts_with("/nonexistent/list.m3u: cannot read"),
        "{}",
        r.errors[0]
    );
}
