// SPDX-License-Identifier: GPL-3.0-or-later
//! Guide integration tests: fixtures from `tests/fixtures/epg/` through ingest → index on disk →
//! reload → now/next, window and search; bad input; several sources; a lineup; HTTP against a
//! real local server; the CLI's JSON; EIT from a TS sample; property tests on hostile bytes.

#[path = "epg/cli.rs"]
mod cli;
#[path = "epg/eit.rs"]
mod eit;
#[path = "epg/fuzz.rs"]
mod fuzz;
#[path = "epg/http.rs"]
mod http;
#[path = "support/http_server.rs"]
mod http_server;

use std::io::Write;
use std::path::{Path, PathBuf};
use zapbox::epg::{GuideSource, IngestError, IngestOptions, IngestReport, KeepGoing, index, ingest};
use zapbox::guide::{Guide, GuideIndex, GuideOverrides, ListingOrigin, MatchMethod, UtcSeconds};
use zapbox::lineup::{self, ChannelKey, Lineup};

/// 2026-11-22 18:00:00 UTC.
pub const SIX_PM: UtcSeconds = 1_795_370_400;

pub fn fixture(name: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/epg", name]
        .iter()
        .collect()
}

pub fn source(name: &str) -> GuideSource {
    GuideSource::new(fixture(name).to_string_lossy())
}

/// Ingests `sources` (no expiry, no filter) into `dir`.
pub fn ingest_into(dir: &Path, sources: &[GuideSource]) -> IngestReport {
    ingest(sources, dir, &IngestOptions::default()).expect("ingest succeeds")
}

pub fn load(dir: &Path) -> GuideIndex {
    index::load(dir).expect("index loads")
}

fn key(s: &str) -> ChannelKey {
    ChannelKey(s.to_owned())
}

fn titles(guide: &Guide, k: &str, from: UtcSeconds, to: UtcSeconds) -> Vec<String> {
    guide
        .window(&key(k), from, to)
        .iter()
        .map(|l| l.title.to_owned())
        .collect()
}

fn messages(report: &IngestReport) -> String {
    report.warnings.iter().map(|w| format!("{w}\n")).collect()
}

#[test]
fn ingest_reload_and_query() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("basic.xml")]);
    assert_eq!(
        (report.channels, report.programmes),
        (3, 10),
        "{}",
        messages(&report)
    );
    assert_eq!(report.first_start, Some(SIX_PM));
    // The open-ended film runs until the next programme (22:00).
    assert!(report.warnings.is_empty(), "{}", messages(&report));

    let guide = Guide::all_channels(load(dir.path()));
    let nn = guide.now_next(&key("bbcone.uk"), SIX_PM + 45 * 60);
    let now = nn.now.unwrap();
    assert_eq!(
        (now.title, now.start, now.stop),
        ("The One Show", SIX_PM + 1800, SIX_PM + 3600)
    );
    assert_eq!(nn.next.unwrap().title, "EastEnders");
    // Times with offsets: 19:00 +0100 is 18:00 UTC; 13:00 -0500 is 18:00 UTC.
    assert_eq!(
        titles(&guide, "arte.fr", SIX_PM, SIX_PM + 1),
        vec!["Arte Journal"]
    );
    assert_eq!(
        titles(&guide, "kika.de", SIX_PM, SIX_PM + 1),
        vec!["Die Sendung mit der Maus"]
    );
    assert_eq!(
        titles(&guide, "bbcone.uk", SIX_PM + 3600, SIX_PM + 4 * 3600 + 1),
        vec!["EastEnders", "Film: Night Train", "BBC News at Ten"]
    );
    let film = guide.window(&key("bbcone.uk"), SIX_PM + 2 * 3600, SIX_PM + 2 * 3600 + 1)[0];
    assert_eq!(film.stop, SIX_PM + 4 * 3600);

    let details = guide.details(&now).unwrap().unwrap();
    assert_eq!(details.sub_title.as_deref(), Some("Friday & Friends"));
    assert_eq!(
        details.description.as_deref(),
        Some("Live magazine show – with <guests> <>.")
    );
    assert_eq!(details.categories, vec!["Magazine", "Entertainment"]);
    assert_eq!(details.episode.len(), 2);
    assert_eq!(details.icon.as_deref(), Some("http://img.example/oneshow.jpg"));
    let news = guide.now_next(&key("bbcone.uk"), SIX_PM).now.unwrap();
    let news_details = guide.details(&news).unwrap().unwrap();
    assert_eq!(news_details.catchup_id.as_deref(), Some("bbc-1800"));
    // The id is also in the index in memory (for `vod` catch-up URLs), and only where given.
    assert_eq!(guide.catchup_id(&news), Some("bbc-1800"));
    assert_eq!(guide.catchup_id(&now), None);
    assert_eq!(guide.index().catchup_ids().len(), 1);
    assert_eq!(news_details.rating[0].value, "TV-G");
    let eastenders = guide.now_next(&key("bbcone.uk"), SIX_PM + 3700).now.unwrap();
    assert_eq!(eastenders.title, "EastEnders", "the first title wins");
    assert!(
        guide.details(&eastenders).unwrap().is_none(),
        "credits and star-rating are not kept"
    );

    let hits = guide.search("news", SIX_PM, 10);
    let found: Vec<&str> = hits.iter().map(|h| h.listing.title).collect();
    assert_eq!(found, vec!["BBC News at Six", "BBC News at Ten"]);
    let hits = guide.search("MISERABLES", SIX_PM, 10);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].key, &key("arte.fr"));
    assert!(
        guide.search("news", SIX_PM + 5 * 3600, 10).is_empty(),
        "ended programmes are not found"
    );
}

#[test]
fn compressed_inputs_stream_like_plain() {
    let xml = std::fs::read(fixture("basic.xml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz_path = dir.path().join("guide.xml.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&xml).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    // An .xz file named like plain XML: the magic number decides, not the name.
    let xz_path = dir.path().join("guide.xml");
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&xml).unwrap();
    std::fs::write(&xz_path, xz.finish().unwrap()).unwrap();
    for path in [&gz_path, &xz_path] {
        let out = dir
            .path()
            .join(format!("index-{}", path.extension().unwrap().to_string_lossy()));
        let report = ingest_into(&out, &[GuideSource::new(path.to_string_lossy())]);
        assert_eq!(report.programmes, 10, "{}", path.display());
        assert_eq!(report.bytes, xml.len() as u64);
    }
}

#[test]
fn reingest_replaces_index_and_old_details() {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), &[source("basic.xml")]);
    ingest_into(dir.path(), &[source("second.xml")]);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("details-"))
        .collect();
    assert_eq!(names.len(), 2, "one .bin and one .off: {names:?}");
    let guide = Guide::all_channels(load(dir.path()));
    assert_eq!(
        titles(&guide, "itv1.uk", SIX_PM, SIX_PM + 1),
        vec!["ITV Evening News"]
    );
    assert!(titles(&guide, "arte.fr", SIX_PM, SIX_PM + 1).is_empty());
}

/// An ingest told to stop mid-way (a service stopping, a newer load) returns `Cancelled`,
/// leaves the previous index as it was and no temporary file behind.
#[test]
fn a_stopped_ingest_leaves_the_old_index_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), &[source("basic.xml")]);
    let before = files(dir.path());
    // A guide of a few MB read in 64 KiB steps: the check flips after a few reads.
    let big = dir.path().join("big.xml");
    let mut xml = String::from("<tv><channel id=\"a\"><display-name>A</display-name></channel>");
    for i in 0..40_000 {
        let start = 20_261_122_000_000u64 + i;
        xml += &format!(
            "<programme channel=\"a\" start=\"{start} +0000\" stop=\"{} +0000\"><title>P{i}</title><desc>{}</desc></programme>",
            start + 1,
            "x".repeat(80)
        );
    }
    xml += "</tv>";
    std::fs::write(&big, xml).unwrap();
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = reads.clone();
    let options = IngestOptions {
        keep_going: KeepGoing::new(move || counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 4),
        ..IngestOptions::default()
    };
    let index_dir = dir.path().join("index");
    std::fs::create_dir(&index_dir).unwrap();
    for (name, to) in [("old", dir.path()), ("fresh", index_dir.as_path())] {
        reads.store(0, std::sync::atomic::Ordering::SeqCst);
        let result = ingest(&[GuideSource::new(big.to_string_lossy())], to, &options);
        assert!(
            matches!(result, Err(IngestError::Cancelled)),
            "{name}: {result:?}"
        );
        assert!(
            reads.load(std::sync::atomic::Ordering::SeqCst) > 4,
            "{name}: the check was asked"
        );
    }
    std::fs::remove_file(&big).unwrap();
    assert_eq!(files(dir.path()), before, "the previous index is untouched");
    assert_eq!(
        files(&index_dir),
        Vec::<String>::new(),
        "nothing left of a first ingest"
    );
    let guide = Guide::all_channels(load(dir.path()));
    assert_eq!(
        titles(&guide, "arte.fr", SIX_PM, SIX_PM + 1),
        vec!["Arte Journal"]
    );
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index")
        .collect();
    names.sort();
    names
}

#[test]
fn priorities_merge_sources() {
    let dir = tempfile::tempdir().unwrap();
    let mut second = source("second.xml");
    second.priority = -1;
    let report = ingest_into(dir.path(), &[second, source("basic.xml")]);
    assert_eq!(report.channels, 4);
    let guide = Guide::all_channels(load(dir.path()));
    // basic.xml wins where both cover bbcone.uk; second.xml fills the 22:30 gap.
    assert_eq!(
        titles(&guide, "bbcone.uk", SIX_PM, SIX_PM + 5 * 3600),
        vec![
            "BBC News at Six",
            "The One Show",
            "EastEnders",
            "Film: Night Train",
            "BBC News at Ten",
            "Newsnight"
        ]
    );
    assert_eq!(
        titles(&guide, "itv1.uk", SIX_PM, SIX_PM + 7200),
        vec!["ITV Evening News", "Emmerdale"]
    );
}

#[test]
fn expiry_drops_old_programmes() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = IngestOptions::default();
    options.build.expire_before = Some(SIX_PM + 3600);
    let report = ingest(&[source("basic.xml")], dir.path(), &options).unwrap();
    assert_eq!((report.programmes, report.expired), (6, 4));
    let mut index = load(dir.path());
    assert_eq!(index.programme_count(), 6);
    index.expire(SIX_PM + 4 * 3600);
    assert_eq!(
        index.programme_count(),
        1,
        "only the news at ten ends after 22:00"
    );
}

fn lineup() -> Lineup {
    let bytes = std::fs::read(fixture("lineup.m3u")).unwrap();
    let report = lineup::build(&[("lineup.m3u".to_owned(), bytes)]);
    assert!(report.is_usable(), "{:?}", report.errors);
    report.lineup
}

#[test]
fn lineup_filters_matches_and_shifts() {
    let lineup = lineup();
    let dir = tempfile::tempdir().unwrap();
    let mut options = IngestOptions::default();
    options.build.filter = Some(zapbox::epg::LineupFilter::new(&lineup, &GuideOverrides::new()));
    let report = ingest(&[source("basic.xml"), source("second.xml")], dir.path(), &options).unwrap();
    assert_eq!(
        report.channels,
        2,
        "bbcone.uk and arte.fr only: {}",
        messages(&report)
    );
    assert_eq!(report.skipped, 4, "kika.de and itv1.uk programmes are skipped");

    let guide = Guide::new(load(dir.path()), &lineup, &GuideOverrides::new());
    let by_number = |n: u32| lineup.by_number(n).unwrap().key.clone();
    let (bbc, bbc_plus1, arte, none) = (by_number(1), by_number(2), by_number(3), by_number(4));
    assert_eq!(
        guide.link(&bbc).unwrap().matched.as_ref().unwrap().method,
        MatchMethod::TvgId
    );
    let plus1 = guide.link(&bbc_plus1).unwrap();
    assert_eq!(
        (plus1.matched.as_ref().unwrap().method, plus1.shift_s),
        (MatchMethod::Timeshift, 3600)
    );
    assert_eq!(guide.link(&arte).unwrap().shift_s, -3600, "tvg-shift=-1");
    assert!(guide.link(&none).unwrap().channel.is_none());

    // BBC One +1 shows the 18:00 news at 19:00; ARTE's 18:00 UTC journal shows at 17:00.
    assert_eq!(
        guide.now_next(&bbc_plus1, SIX_PM + 3600).now.unwrap().title,
        "BBC News at Six"
    );
    assert_eq!(
        guide.now_next(&arte, SIX_PM - 3600).now.unwrap().title,
        "Arte Journal"
    );
    assert!(guide.now_next(&none, SIX_PM).now.is_none());
    let hits = guide.search("news at six", SIX_PM, 10);
    let keys: Vec<&ChannelKey> = hits.iter().map(|h| h.key).collect();
    assert_eq!(
        keys,
        vec![&bbc, &bbc_plus1],
        "search shows each channel with its own times"
    );

    let mut overrides = GuideOverrides::new();
    overrides.insert(none.clone(), "arte.fr".to_owned());
    overrides.insert(bbc_plus1.clone(), String::new());
    let guide = Guide::new(load(dir.path()), &lineup, &overrides);
    assert_eq!(guide.now_next(&none, SIX_PM).now.unwrap().title, "Arte Journal");
    assert!(guide.now_next(&bbc_plus1, SIX_PM + 3600).now.is_none());
}

#[test]
fn latin1_declaration_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("latin1.xml")]);
    assert!(report.warnings.is_empty(), "{}", messages(&report));
    let index = load(dir.path());
    assert_eq!(index.channels()[0].names, vec!["Télé Loire"]);
    let guide = Guide::all_channels(index);
    let now = guide.now_next(&key("tele.fr"), SIX_PM).now.unwrap();
    assert_eq!(now.title, "Météo & région");
    let d = guide.details(&now).unwrap().unwrap();
    assert_eq!(d.description.as_deref(), Some("Café crème à la française."));
}

#[test]
fn bad_text_is_repaired_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("bad_text.xml")]);
    assert_eq!(report.programmes, 3);
    let text = messages(&report);
    assert!(text.contains("bad_text.xml:4: text is not valid UTF-8"), "{text}");
    assert!(
        text.contains("bad_text.xml:7: control characters in text were removed"),
        "{text}"
    );
    let guide = Guide::all_channels(load(dir.path()));
    assert_eq!(
        titles(&guide, "a", SIX_PM, SIX_PM + 1),
        vec!["Bad \u{fffd}\u{fffd} bytes"]
    );
    assert_eq!(
        titles(&guide, "a", SIX_PM + 3600, SIX_PM + 3601),
        vec!["Bell and escape"]
    );
}

#[test]
fn bad_times_are_warned_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("bad_times.xml")]);
    let text = messages(&report);
    for expected in [
        "bad_times.xml:4: stop 2026-11-22T17:00:00Z is not after start 2026-11-22T18:00:00Z; skipped",
        "bad_times.xml:7: start 'not a time' is not an XMLTV time",
        "bad_times.xml:10: <programme> without a channel; skipped",
        "bad_times.xml:22: stop '20261122203000 +9900' has an offset",
        "channel 'x': the programme at 2026-11-22T18:00:00Z overlaps the next one",
        "channel 'x': two programmes start at 2026-11-22T19:00:00Z; the second is dropped",
    ] {
        assert!(text.contains(expected), "missing '{expected}' in:\n{text}");
    }
    // 'Bad stop offset' lost its stop, so it runs until 'Last' starts at 21:00.
    let guide = Guide::all_channels(load(dir.path()));
    let windows = guide.window(&key("x"), 0, i64::MAX / 2);
    let got: Vec<(&str, i64, i64)> = windows
        .iter()
        .map(|l| (l.title, l.start - SIX_PM, l.stop - SIX_PM))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Overlaps the next", 0, 3600),
            ("Kept", 3600, 7200),
            ("Bad stop offset", 7200, 10800),
            ("Last", 10800, 14400)
        ]
    );
}

/// Named zones, offsets like `+0:00`, no zone and an unknown name: no programme is lost, each
/// is where it belongs, and the file gets one warning about its zones.
#[test]
fn named_and_missing_zones_lose_no_programme() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("named_zones.xml")]);
    assert_eq!(report.programmes, 7, "{}", messages(&report));
    let text = messages(&report);
    assert_eq!(
        text,
        "named_zones.xml:16: times without a zone in 1 programme(s) and a zone name that is not known \
         in 1 programme(s) (first: 'XYZ'): read as UTC time (set the guide's time zone if that is wrong)\n"
            .replace("named_zones.xml", &fixture("named_zones.xml").to_string_lossy())
    );
    let guide = Guide::all_channels(load(dir.path()));
    let got: Vec<(i64, i64)> = guide
        .window(&key("x"), 0, i64::MAX / 2)
        .iter()
        .map(|l| (l.start - SIX_PM, l.stop - SIX_PM))
        .collect();
    let hours: Vec<(i64, i64)> = (0..7).map(|h| (h * 3600, (h + 1) * 3600)).collect();
    assert_eq!(got, hours);
}

/// Times without a zone are the source's configured zone, daylight saving included.
#[test]
fn times_without_a_zone_follow_the_configured_zone() {
    let times = |zone: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        let mut s = source("no_zone.xml");
        s.time_zone = zone.map(str::to_owned);
        let report = ingest_into(dir.path(), &[s]);
        assert_eq!(report.warnings.len(), 1, "{}", messages(&report));
        let guide = Guide::all_channels(load(dir.path()));
        let starts: Vec<i64> = guide
            .window(&key("x"), 0, i64::MAX / 2)
            .iter()
            .map(|l| l.start)
            .collect();
        (starts, messages(&report))
    };
    let july = |h: i64| 1_784_073_600 + h * 3600; // 2026-07-15 00:00 UTC
    let (utc, message) = times(None);
    assert_eq!(utc, [july(20), SIX_PM + 3600]);
    assert!(
        message.contains("times without a zone in 2 programme(s)"),
        "{message}"
    );
    assert!(message.contains("read as UTC time"), "{message}");
    let (berlin, message) = times(Some("Europe/Berlin"));
    assert_eq!(berlin, [july(18), SIX_PM]);
    assert!(message.contains("read as Europe/Berlin time"), "{message}");
    let (fixed, _) = times(Some("-05:00"));
    assert_eq!(fixed, [july(25), SIX_PM + 6 * 3600]);
    // A zone nobody knows is told, and the times are read as UTC.
    let dir = tempfile::tempdir().unwrap();
    let mut s = source("no_zone.xml");
    s.time_zone = Some("Mars/Olympus_Mons".into());
    let report = ingest_into(dir.path(), &[s]);
    assert!(messages(&report).contains("time zone 'Mars/Olympus_Mons' is not known"));
    assert_eq!(report.programmes, 2);
}

#[test]
fn entities_are_never_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("entities.xml")]);
    let text = messages(&report);
    assert!(
        text.contains("the DOCTYPE declares entities; they are never expanded"),
        "{text}"
    );
    assert!(
        text.contains("unknown entity reference &lol9; kept as text"),
        "{text}"
    );
    let guide = Guide::all_channels(load(dir.path()));
    let listings = guide.window(&key("e"), SIX_PM, SIX_PM + 3 * 3600);
    let got: Vec<&str> = listings.iter().map(|l| l.title).collect();
    assert_eq!(
        got,
        vec![
            "Laughs &lol9;",
            "Tom & Jerry \"Classic\" été 's",
            "Bare & ampersand"
        ]
    );
    let d = guide.details(&listings[0]).unwrap().unwrap();
    assert_eq!(d.description.as_deref(), Some("Secret: &xxe; &remote;"));
    let d = guide.details(&listings[2]).unwrap().unwrap();
    assert_eq!(d.catchup_id.as_deref(), Some("&xxe;"));
    assert_eq!(load(dir.path()).channels()[0].names, vec!["Entity & Co"]);
}

#[test]
fn truncated_file_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let report = ingest_into(dir.path(), &[source("truncated.xml")]);
    assert_eq!(report.programmes, 1, "{}", messages(&report));
    let text = messages(&report);
    assert!(
        text.contains("truncated.xml:22: the file ends inside this <programme>"),
        "{text}"
    );
}

#[test]
fn a_failing_source_is_a_warning_and_nothing_usable_keeps_the_old_index() {
    let dir = tempfile::tempdir().unwrap();
    let missing = GuideSource::new("/nonexistent/guide.xml");
    let report = ingest_into(dir.path(), &[missing.clone(), source("basic.xml")]);
    assert_eq!(report.programmes, 10);
    assert!(
        messages(&report).contains("/nonexistent/guide.xml: cannot open it"),
        "{}",
        messages(&report)
    );
    let not_xml = dir.path().join("list.m3u");
    std::fs::write(&not_xml, "#EXTM3U\n#EXTINF:-1,A\nudp://@239.0.0.1:5000\n").unwrap();
    let err = ingest(
        &[missing, GuideSource::new(not_xml.to_string_lossy())],
        dir.path(),
        &IngestOptions::default(),
    )
    .unwrap_err();
    let IngestError::NothingUsable { warnings } = err else {
        panic!("{err}")
    };
    assert_eq!(warnings.len(), 2);
    assert_eq!(
        load(dir.path()).programme_count(),
        10,
        "the previous index is still there"
    );
    let leftovers = std::fs::read_dir(dir.path()).unwrap().filter(|e| {
        e.as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")
    });
    assert_eq!(leftovers.count(), 0);
}

#[test]
fn damaged_index_is_refused_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        index::load(dir.path()),
        Err(index::IndexError::Missing { .. })
    ));
    ingest_into(dir.path(), &[source("basic.xml")]);
    let path = dir.path().join(index::INDEX_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let err = index::load(dir.path()).unwrap_err();
    assert!(err.to_string().contains("run `zapbox epg ingest` again"), "{err}");
    std::fs::write(&path, &bytes[..10]).unwrap();
    assert!(index::load(dir.path()).is_err());
}

#[test]
fn missing_details_file_still_loads_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), &[source("basic.xml")]);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(3)
                .unwrap();
        }
    }
    let guide = Guide::all_channels(load(dir.path()));
    let now = guide.now_next(&key("bbcone.uk"), SIX_PM).now.unwrap();
    assert_eq!(now.title, "BBC News at Six");
    assert!(matches!(now.origin, ListingOrigin::Index(_)));
    assert!(guide.details(&now).unwrap().is_none());
}

/// A `catchup-id` longer than the index keeps is dropped with a warning (a cut id would name
/// another programme); the programme stays, and a normal id beside it is kept.
#[test]
fn an_overlong_catchup_id_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(zapbox::guide::catchup_ids::MAX_CATCHUP_ID_LEN + 1);
    let xml = format!(
        "<tv><channel id=\"a\"><display-name>A</display-name></channel>\
         <programme start=\"20261122180000 +0000\" stop=\"20261122190000 +0000\" channel=\"a\" catchup-id=\"{long}\"><title>Long</title></programme>\
         <programme start=\"20261122190000 +0000\" stop=\"20261122200000 +0000\" channel=\"a\" catchup-id=\" ep-19 \"><title>Short</title></programme></tv>"
    );
    let file = dir.path().join("guide.xml");
    std::fs::write(&file, xml).unwrap();
    let report = ingest_into(
        &dir.path().join("index"),
        &[GuideSource::new(file.to_string_lossy())],
    );
    assert_eq!(report.programmes, 2, "{}", messages(&report));
    assert!(
        messages(&report).contains("catchup-id longer than"),
        "{}",
        messages(&report)
    );
    let guide = Guide::all_channels(load(&dir.path().join("index")));
    let [first, second] = guide.window(&key("a"), SIX_PM, SIX_PM + 7200)[..] else {
        panic!("two programmes")
    };
    assert_eq!(
        (guide.catchup_id(&first), guide.catchup_id(&second)),
        (None, Some("ep-19"))
    );
}
