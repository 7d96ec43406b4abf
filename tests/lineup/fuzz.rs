// SPDX-License-Identifier: GPL-3.0-or-later
//! Hostile input: random bytes and random soups of M3U lines through parse + merge must never
//! panic, and the lineup must keep its invariants.

use proptest::prelude::*;
use std::collections::HashSet;
use zapbox::lineup::{self, LineupReport};

fn check_invariants(r: &LineupReport) {
    let channels = &r.lineup.channels;
    assert!(
        channels.windows(2).all(|w| w[0].number < w[1].number),
        "numbers unique and sorted"
    );
    assert!(channels.iter().all(|c| c.number >= 1));
    let keys: HashSet<_> = channels.iter().map(|c| &c.key).collect();
    assert_eq!(keys.len(), channels.len(), "keys unique");
    for c in channels {
        assert!(!c.sources.is_empty(), "channel {} without source", c.number);
        for s in &c.sources {
            let scheme = s.url.split(':').next().unwrap_or("").to_ascii_lowercase();
            assert!(
                ["udp", "rtp", "http", "https"].contains(&scheme.as_str()),
                "{}",
                s.url
            );
            if let Some(m) = s.multicast {
                assert!(m.group.is_multicast() && m.port != 0);
            }
        }
    }
    assert_eq!(r.is_usable(), !channels.is_empty() && r.errors.is_empty());
}

fn line() -> impl Strategy<Value = String> {
    let fixed = prop_oneof![
        Just("#EXTM3U".to_owned()),
        Just(
            "#EXTM3U url-tvg=\"http://g/a.xml,http://g/b.xml\" tvg-shift=\"1.5\" catchup=\"append\""
                .to_owned()
        ),
        Just("#EXTINF:-1".to_owned()),
        Just("#EXTINF:-1 tvg-chno=\"".to_owned()),
        Just("#EXTINF:-1 tvg-name='unterminated,Name".to_owned()),
        Just("#EXTGRP:Group".to_owned()),
        Just("#EXTGRP:".to_owned()),
        Just("#EXTVLCOPT:program=7".to_owned()),
        Just("#EXTVLCOPT--http-user-agent=UA".to_owned()),
        Just("#KODIPROP:inputstream.adaptive.manifest_type=mpd".to_owned()),
        Just("#KODIPROP:".to_owned()),
        Just("udp://@239.1.1.1:5000".to_owned()),
        Just("udp://10.0.0.1@232.1.1.1:5000".to_owned()),
        Just("udp://@10.1.1.1:5000".to_owned()),
        Just("rtp://@[ff15::1]:5004".to_owned()),
        Just("http://x.example/a.m3u8".to_owned()),
        Just("https://x.example/b.mpd|User-Agent=a%20b&!X=%zz".to_owned()),
        Just("file:///etc/passwd".to_owned()),
        Just("pipe://cat".to_owned()),
        Just("\u{feff}é€".to_owned()),
        Just(String::new()),
    ];
    let extinf = (0u32..15, 0usize..4, 0usize..4).prop_map(|(n, id, name)| {
        let id = ["", "a", "A", "b"][id];
        let name = ["One", "one ", "Two", ""][name];
        format!("#EXTINF:-1 tvg-id=\"{id}\" tvg-chno=\"{n}\" group-title=\"G;H\",{name}")
    });
    let url = (0u32..6).prop_map(|n| format!("http://x.example/{n}.ts"));
    prop_oneof![4 => fixed, 3 => extinf, 3 => url, 1 => "[ -~]{0,30}", 1 => any::<String>()]
}

fn soup() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(line(), 0..60),
        prop::collection::vec(0usize..3, 60),
    )
        .prop_map(|(lines, seps)| {
            let mut out = String::new();
            for (l, s) in lines.iter().zip(seps) {
                out.push_str(l);
                out.push_str(["\n", "\r\n", "\r"][s]);
            }
            out.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_invariants(&lineup::build(&[("r".into(), bytes)]));
    }

    #[test]
    fn line_soups_keep_invariants(files in prop::collection::vec(soup(), 1..4)) {
        let inputs: Vec<_> = files.into_iter().enumerate().map(|(i, b)| (format!("f{i}"), b)).collect();
        check_invariants(&lineup::build(&inputs));
    }
}

#[test]
fn a_100_mb_line_is_skipped_with_a_warning() {
    let mut bytes = b"#EXTM3U\n#EXTINF:-1,Huge\nhttp://x.example/".to_vec();
    bytes.resize(100 << 20, b'a');
    bytes.extend_from_slice(b"\n#EXTINF:-1,Fine\nhttp://x.example/fine.ts\n");
    let r = lineup::build(&[("huge.m3u".into(), bytes)]);
    assert_eq!(r.lineup.channels.len(), 1);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.line == 3 && w.message.contains("longer than"))
    );
}

#[test]
fn truncated_files_do_not_panic() {
    let full =
        b"#EXTM3U url-tvg=\"http://g/x\"\n#EXTINF:-1 tvg-id=\"a\" tvg-chno=\"1\",A\nudp://@239.1.1.1:5000\n";
    for end in 0..full.len() {
        check_invariants(&lineup::build(&[("t".into(), full[..end].to_vec())]));
    }
}
