// SPDX-License-Identifier: GPL-3.0-or-later
//! Unit tests of merging and numbering.

use super::*;
use crate::lineup::m3u;

fn merged(files: &[(&str, &str)]) -> Merged {
    merge(files.iter().map(|(n, t)| m3u::parse(n, t.as_bytes())).collect())
}

fn summary(m: &Merged) -> Vec<(u32, String, usize)> {
    m.lineup
        .channels
        .iter()
        .map(|c| (c.number, c.key.0.clone(), c.sources.len()))
        .collect()
}

fn s(n: u32, key: &str, sources: usize) -> (u32, String, usize) {
    (n, key.to_owned(), sources)
}

#[test]
fn same_tvg_id_across_playlists_is_one_channel() {
    let m = merged(&[
        (
            "a",
            "#EXTINF:-1 tvg-id=\"One.UK\" tvg-chno=\"1\",One\nhttp://a/1.ts\n",
        ),
        (
            "b",
            "#EXTINF:-1 tvg-id=\"one.uk\" tvg-logo=\"L\",One HD\nhttp://b/1.m3u8\n#EXTINF:-1 tvg-id=\"one.uk\",Dup\nhttp://a/1.ts\n",
        ),
    ]);
    assert_eq!(summary(&m), [s(1, "one.uk", 2)]);
    let c = &m.lineup.channels[0];
    assert_eq!((c.name.as_str(), c.logo.as_deref()), ("One", Some("L")));
    assert!(m.problems.is_empty());
}

#[test]
fn same_name_in_one_playlist_is_distinct_unless_same_url() {
    let m = merged(&[(
        "a",
        "#EXTINF:-1,News\nhttp://x/1.ts\n#EXTINF:-1,  NEWS \nhttp://x/2.ts\n#EXTINF:-1,News\nhttp://x/1.ts\n",
    )]);
    assert_eq!(summary(&m), [s(1, "news", 1), s(2, "news#2", 1)]);
}

#[test]
fn same_name_across_playlists_joins_in_order() {
    let m = merged(&[
        (
            "a",
            "#EXTINF:-1,News\nhttp://a/1.ts\n#EXTINF:-1,News\nhttp://a/2.ts\n",
        ),
        (
            "b",
            "#EXTINF:-1,News\nhttp://b/1.ts\n#EXTINF:-1,News\nhttp://b/2.ts\n#EXTINF:-1,News\nhttp://b/3.ts\n",
        ),
    ]);
    assert_eq!(
        summary(&m),
        [s(1, "news", 2), s(2, "news#2", 2), s(3, "news#3", 1)]
    );
}

#[test]
fn automatic_numbers_follow_the_highest_so_far_and_skip_reserved() {
    let m = merged(&[(
        "a",
        "#EXTINF:-1 tvg-chno=\"10\",A\nhttp://x/a\n#EXTINF:-1,B\nhttp://x/b\n\
         #EXTINF:-1 tvg-chno=\"11\",C\nhttp://x/c\n#EXTINF:-1 tvg-chno=\"3\",D\nhttp://x/d\n#EXTINF:-1,E\nhttp://x/e\n",
    )]);
    let numbers: Vec<_> = m
        .lineup
        .channels
        .iter()
        .map(|c| (c.number, c.name.as_str()))
        .collect();
    assert_eq!(numbers, [(3, "D"), (10, "A"), (11, "C"), (12, "B"), (13, "E")]);
}

#[test]
fn collisions_keep_the_first_and_name_both_lines() {
    let m = merged(&[
        ("a", "#EXTINF:-1 tvg-chno=\"5\",A\nhttp://x/a\n"),
        (
            "b",
            "#EXTINF:-1 tvg-chno=\"5\",B\nhttp://x/b\n#EXTINF:-1 tvg-chno=\"6\",C\nhttp://x/c\n",
        ),
    ]);
    let numbers: Vec<_> = m
        .lineup
        .channels
        .iter()
        .map(|c| (c.number, c.name.as_str()))
        .collect();
    assert_eq!(numbers, [(5, "A"), (6, "C"), (7, "B")]);
    assert_eq!(m.problems.len(), 1);
    let p = &m.problems[0];
    assert_eq!((p.file.as_str(), p.line), ("b", 1));
    assert_eq!(
        p.message,
        "channel number 5 of 'B' is already taken by 'A' (a:1); 'B' gets number 7"
    );
}

#[test]
fn conflicting_numbers_for_one_channel_warn() {
    let m = merged(&[
        ("a", "#EXTINF:-1 tvg-id=\"x\" tvg-chno=\"5\",X\nhttp://x/a\n"),
        ("b", "#EXTINF:-1 tvg-id=\"X\" tvg-chno=\"8\",X\nhttp://x/b\n"),
    ]);
    assert_eq!(summary(&m), [s(5, "x", 2)]);
    assert_eq!(
        m.problems[0].message,
        "'X' is also listed at a:1 with number 5; number 8 here is ignored"
    );
}

#[test]
fn guide_urls_merge_in_order_without_duplicates() {
    let m = merged(&[
        ("a", "#EXTM3U url-tvg=\"http://g/1.xml,http://g/2.xml\"\n"),
        ("b", "#EXTM3U x-tvg-url=\"http://g/2.xml;http://g/3.xml\"\n"),
    ]);
    assert_eq!(
        m.lineup.guide_urls,
        ["http://g/1.xml", "http://g/2.xml", "http://g/3.xml"]
    );
}

#[test]
fn key_clash_between_id_and_name_gets_a_suffix() {
    let m = merged(&[(
        "a",
        "#EXTINF:-1,abc\nhttp://x/1\n#EXTINF:-1 tvg-id=\"ABC\",Other\nhttp://x/2\n",
    )]);
    assert_eq!(summary(&m), [s(1, "abc", 1), s(2, "abc#2", 1)]);
}

#[test]
fn thousands_of_equal_numbers_and_names_get_the_next_free_number_and_key() {
    // Speed on such input is measured by `examples/bench_lineup.rs`, not asserted here.
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("#EXTINF:-1 tvg-chno=\"1\",Same\nhttp://x/{i}\n"));
    }
    let m = merged(&[("a", &text)]);
    assert_eq!(m.lineup.channels.len(), 20_000);
    assert_eq!(m.lineup.channels.last().map(|c| c.number), Some(20_000));
    assert_eq!(
        m.lineup.channels.last().map(|c| c.key.0.as_str()),
        Some("same#20000")
    );
}

#[test]
fn many_sources_for_one_id_are_deduplicated() {
    let mut text = String::new();
    for i in 0..3 * SCAN_LIMIT {
        text.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"x\",X\nhttp://x/{}\n",
            i % (2 * SCAN_LIMIT)
        ));
    }
    let m = merged(&[("a", &text)]);
    assert_eq!(summary(&m), [s(1, "x", 2 * SCAN_LIMIT)]);
}
