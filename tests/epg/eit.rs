// SPDX-License-Identifier: GPL-3.0-or-later
//! DVB EIT: sections built by hand (with real CRCs, packetised with the TS builder), through
//! `EitCollector`, from the recorded sample `tests/fixtures/epg/eit_sample.ts`, and into the
//! guide (filling a channel without XMLTV, correcting now/next).

use super::{SIX_PM, fixture, ingest_into, load, source};
use zapbox::epg::eit::collect_ts_file;
use zapbox::guide::{Guide, GuideOverrides, ListingOrigin, Listings, LiveOverlay, LiveProgramme, UtcSeconds};
use zapbox::lineup::{self, ChannelKey};
use zapbox::mpegts::TS_PACKET_SIZE;
use zapbox::mpegts::build::{StreamWriter, pat_section};
use zapbox::mpegts::eit::{DvbService, EitCollector};
use zapbox::mpegts::packet::PID_EIT;
use zapbox::mpegts::psi::crc32_mpeg2;

const SERVICE: DvbService = DvbService {
    original_network_id: 0x233a,
    transport_stream_id: 0x1004,
    service_id: 0x1044,
};

/// One event to encode.
struct Ev<'a> {
    id: u16,
    start: UtcSeconds,
    duration_s: u32,
    title: &'a [u8],
    text: &'a [u8],
    extended: &'a [&'a [u8]],
    content: Option<u8>,
    age: Option<u8>,
}

fn bcd(v: u32) -> u8 {
    (((v / 10) << 4) | (v % 10)) as u8
}

fn hms(s: u32) -> [u8; 3] {
    [bcd(s / 3600), bcd(s / 60 % 60), bcd(s % 60)]
}

fn descriptor(tag: u8, data: &[u8]) -> Vec<u8> {
    [&[tag, data.len() as u8][..], data].concat()
}

fn event(e: &Ev<'_>) -> Vec<u8> {
    let mut d = descriptor(
        0x4d,
        &[
            b"eng",
            &[e.title.len() as u8][..],
            e.title,
            &[e.text.len() as u8][..],
            e.text,
        ]
        .concat(),
    );
    let last = e.extended.len().saturating_sub(1) as u8;
    for (n, part) in e.extended.iter().enumerate() {
        d.extend(descriptor(
            0x4e,
            &[&[(n as u8) << 4 | last][..], b"eng", &[0, part.len() as u8], part].concat(),
        ));
    }
    if let Some(c) = e.content {
        d.extend(descriptor(0x54, &[c, 0]));
    }
    if let Some(age) = e.age {
        d.extend(descriptor(0x55, &[b"GBR", &[age - 3][..]].concat()));
    }
    let mjd = (e.start.div_euclid(86_400) + 40_587) as u16;
    let mut out = e.id.to_be_bytes().to_vec();
    out.extend(mjd.to_be_bytes());
    out.extend(hms(e.start.rem_euclid(86_400) as u32));
    out.extend(hms(e.duration_s));
    out.extend((0x8000 | d.len() as u16).to_be_bytes()); // running (4), loop length
    out.extend(d);
    out
}

/// A long-form EIT section with its CRC.
fn eit_section(table_id: u8, version: u8, number: u8, last: u8, events: &[Ev<'_>]) -> Vec<u8> {
    let mut body = SERVICE.transport_stream_id.to_be_bytes().to_vec();
    body.extend(SERVICE.original_network_id.to_be_bytes());
    body.extend([last, table_id]);
    events.iter().for_each(|e| body.extend(event(e)));
    let mut s = vec![table_id];
    s.extend((0xf000 | (body.len() + 9) as u16).to_be_bytes());
    s.extend(SERVICE.service_id.to_be_bytes());
    s.extend([0xc1 | version << 1, number, last]);
    s.extend(body);
    let crc = crc32_mpeg2(&s);
    s.extend(crc.to_be_bytes());
    s
}

fn ev<'a>(id: u16, start: UtcSeconds, minutes: u32, title: &'a [u8]) -> Ev<'a> {
    Ev {
        id,
        start,
        duration_s: minutes * 60,
        title,
        text: b"",
        extended: &[],
        content: None,
        age: None,
    }
}

/// The sample stream: PAT, present/following twice (a repeat), a schedule section, a section
/// with a broken CRC, in 188-byte packets.
pub fn sample_stream() -> Vec<u8> {
    let present = Ev {
        text: b"Headlines from \xc2Europe \xa4",
        content: Some(0x20),
        age: Some(12),
        ..ev(1, SIX_PM, 60, b"Breaking News Special")
    };
    let following = ev(2, SIX_PM + 3600, 30, b"\x15Dr\xc3\xa1ma \xe2\x82\xac");
    let schedule = [
        Ev {
            extended: &[b"A long story told in ", b"two descriptors."],
            text: b"Short text",
            content: Some(0x10),
            ..ev(3, SIX_PM + 5400, 90, b"\x05G\xfczel Film")
        },
        ev(4, SIX_PM + 10_800, 60, b"\x10\x00\x02Late \xe8esk\xe1 Show"),
        ev(5, SIX_PM - 3600, 60, b"Earlier"),
    ];
    let mut packets: Vec<[u8; TS_PACKET_SIZE]> = Vec::new();
    StreamWriter::new(0, 0).section(&pat_section(0x1004, 0, &[(0x1044, 0x100)]), &mut packets);
    let mut eit = StreamWriter::new(PID_EIT, 0);
    let pf0 = eit_section(0x4e, 3, 0, 1, &[present]);
    let pf1 = eit_section(0x4e, 3, 1, 1, &[following]);
    for s in [&pf0, &pf1, &pf0, &eit_section(0x50, 1, 0, 0, &schedule)] {
        eit.section(s, &mut packets);
    }
    let mut broken = eit_section(0x50, 2, 0, 0, &[ev(6, SIX_PM, 10, b"Corrupt")]);
    broken[20] ^= 0xff;
    eit.section(&broken, &mut packets);
    packets.concat()
}

#[test]
fn fixture_matches_its_generator() {
    let path = fixture("eit_sample.ts");
    let generated = sample_stream();
    if std::env::var_os("ZAPBOX_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        generated,
        "regenerate with ZAPBOX_WRITE_FIXTURES=1"
    );
}

#[test]
fn collector_yields_new_versions_decoded() {
    let bytes = sample_stream();
    let mut c = EitCollector::new();
    // Odd chunk sizes: the collector must not care how the bytes arrive.
    for chunk in bytes.chunks(1000) {
        c.push_bytes(chunk);
    }
    let sections = c.take();
    let stats = c.stats();
    assert_eq!(
        sections.len(),
        3,
        "p/f 0, p/f 1, schedule; the repeat and the bad CRC are not"
    );
    assert_eq!((stats.sections, stats.repeats), (4, 1));
    assert!(sections.iter().all(|s| s.service == SERVICE));
    let present = &sections[0].events[0];
    assert_eq!(present.title, "Breaking News Special");
    assert_eq!(present.short_text, "Headlines from Éurope €");
    assert_eq!(
        (present.start, present.duration_s, present.running_status),
        (Some(SIX_PM), 3600, 4)
    );
    assert_eq!(present.parental, vec![("GBR".to_owned(), 12)]);
    assert_eq!(sections[1].events[0].title, "Dráma €");
    let film = &sections[2].events[0];
    assert_eq!(film.title, "Güzel Film");
    assert_eq!(film.extended_text, "A long story told in two descriptors.");
    let live = LiveProgramme::from_eit(film).unwrap();
    assert_eq!(live.details.categories, vec!["Movie/Drama"]);
    assert_eq!(live.details.sub_title.as_deref(), Some("Short text"));
    assert_eq!(sections[2].events[1].title, "Late česká Show");
    assert!(c.take().is_empty());
}

#[test]
fn ts_file_runner() {
    let (sections, stats) = collect_ts_file(&fixture("eit_sample.ts")).unwrap();
    assert_eq!(sections.len(), 3);
    assert_eq!(stats.repeats, 1);
    assert_eq!(SERVICE.guide_id(), "dvb:9018.4100.4164");
}

#[test]
fn eit_fills_and_corrects_the_guide() {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), &[source("basic.xml")]);
    let bytes = std::fs::read(fixture("lineup.m3u")).unwrap();
    let lineup = lineup::build(&[("lineup.m3u".to_owned(), bytes)]).lineup;
    let guide = Guide::new(load(dir.path()), &lineup, &GuideOverrides::new());
    let mut live = LiveOverlay::new();
    let bbc = lineup.by_number(1).unwrap().key.clone();
    let no_xmltv = lineup.by_number(4).unwrap().key.clone();
    let (sections, _) = collect_ts_file(&fixture("eit_sample.ts")).unwrap();

    // The channel without XMLTV gets the live schedule.
    sections.iter().for_each(|s| live.apply_eit(&no_xmltv, s));
    let titles = |g: Listings<'_>, k: &ChannelKey| -> Vec<String> {
        g.window(k, SIX_PM - 7200, SIX_PM + 86_400)
            .iter()
            .map(|l| l.title.to_owned())
            .collect()
    };
    assert_eq!(
        titles(guide.with_live(&live), &no_xmltv),
        vec!["Earlier", "Güzel Film", "Late česká Show"]
    );
    assert!(
        guide.window(&no_xmltv, SIX_PM - 7200, SIX_PM + 86_400).is_empty(),
        "the guide itself is untouched"
    );
    let nn = guide.with_live(&live).now_next(&no_xmltv, SIX_PM + 600);
    assert_eq!(nn.now.unwrap().title, "Breaking News Special");
    assert_eq!(nn.next.unwrap().title, "Dráma €");

    // XMLTV says "BBC News at Six" 18:00-18:30; the stream says a special runs 18:00-19:00.
    sections.iter().for_each(|s| live.apply_eit(&bbc, s));
    let nn = guide.with_live(&live).now_next(&bbc, SIX_PM + 2000);
    let now = nn.now.unwrap();
    assert_eq!((now.title, now.stop), ("Breaking News Special", SIX_PM + 3600));
    assert!(matches!(now.origin, ListingOrigin::Live(_)));
    assert_eq!(guide.details(&now).unwrap().unwrap().rating[0].value, "12");
    assert_eq!(nn.next.unwrap().title, "Dráma €");
    // The grid keeps XMLTV where it has programmes.
    assert_eq!(titles(guide.with_live(&live), &bbc)[0], "BBC News at Six");
    // Once the live present event is over, XMLTV answers again.
    assert_eq!(
        guide
            .with_live(&live)
            .now_next(&bbc, SIX_PM + 3700)
            .now
            .unwrap()
            .title,
        "EastEnders"
    );
    assert!(
        guide
            .with_live(&live)
            .search("guzel", SIX_PM, 5)
            .iter()
            .any(|h| h.key == &no_xmltv)
    );
    assert!(guide.search("guzel", SIX_PM, 5).is_empty(), "XMLTV only");
    live.expire(SIX_PM + 86_400);
    assert!(titles(guide.with_live(&live), &no_xmltv).is_empty());
}

/// `../shared/corpus/ts/tsduck/NAME` when the corpus of real captures is beside the checkout.
pub fn corpus(name: &str) -> Option<std::path::PathBuf> {
    let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "../shared/corpus/ts/tsduck", name]
        .iter()
        .collect();
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipped: the capture corpus is not at {} (it sits beside the checkout in CI)",
            path.display()
        );
        None
    }
}

/// The BBC date-edge EIT sections of TSDuck's test suite (2038-01-19, the day before and after
/// the 16-bit MJD wrap of 2038-04-22, and 2090) decode to TSDuck's published dates and titles.
#[test]
fn eit_dates_after_2038_match_the_published_decode() {
    use zapbox::mpegts::Section;
    use zapbox::mpegts::eit::parse_eit;
    for case in ["test-182.2", "test-182.3", "test-182.4", "test-182.6"] {
        let (Some(bin), Some(txt)) = (
            corpus(&format!("{case}.eit.bin")),
            corpus(&format!("{case}.eit.txt")),
        ) else {
            return;
        };
        let bytes = std::fs::read(bin).unwrap();
        let mut got = Vec::new();
        let mut rest = &bytes[..];
        while rest.len() >= 3 {
            let len = 3 + usize::from(u16::from_be_bytes([rest[1], rest[2]]) & 0x0fff);
            let (raw, tail) = rest.split_at(len.min(rest.len()));
            rest = tail;
            let section = Section::parse(raw).expect("a valid section");
            let eit = parse_eit(&section).expect("an EIT section");
            for e in eit.events {
                let start = jiff::Timestamp::from_second(e.start.expect("a start")).unwrap();
                got.push((start.strftime("%Y/%m/%d %H:%M:%S").to_string(), e.title));
            }
        }
        let text = std::fs::read_to_string(txt).unwrap();
        let starts = text.lines().filter_map(|l| l.trim().strip_prefix("Start UTC: "));
        let names = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Event name: \""))
            .map(|n| n.trim_end_matches('"').trim());
        let expected: Vec<(String, String)> = starts
            .zip(names)
            .map(|(s, n)| (s.to_owned(), n.to_owned()))
            .collect();
        assert!(!expected.is_empty(), "{case}: nothing expected");
        assert_eq!(got, expected, "{case}");
    }
}

/// A whole French DVB-T capture (TF1, France 2, M6, Arte… on 2019-01-22): every service's EIT
/// events, named by the SDT, match TSDuck's published EPG summary (`test-184.3.txt`: per
/// service, the date, then `hh:mm, N mn, title`, times in UTC).
#[test]
fn eit_capture_matches_the_published_epg() {
    use std::collections::{BTreeMap, BTreeSet};
    use zapbox::mpegts::Section;
    use zapbox::mpegts::eit::{PID_SDT, parse_eit, parse_sdt};
    use zapbox::mpegts::survey::Survey;
    let (Some(ts), Some(txt)) = (corpus("test-184.ts"), corpus("test-184.3.txt")) else {
        return;
    };
    let mut survey = Survey::new(&[PID_SDT, PID_EIT]);
    survey.push(&std::fs::read(ts).unwrap());
    let mut names = BTreeMap::new();
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut eits = Vec::new();
    for (pid, bytes) in &survey.sections {
        let section = Section::parse(bytes).expect("CRC-checked sections parse");
        if *pid == PID_SDT {
            for s in parse_sdt(&section).unwrap_or_default() {
                names.insert(s.service, s.name);
            }
        } else if let Ok(eit) = parse_eit(&section) {
            eits.push(eit);
        }
    }
    for eit in eits {
        let Some(name) = names.get(&eit.service) else {
            continue;
        };
        for e in eit.events {
            let start = jiff::Timestamp::from_second(e.start.unwrap()).unwrap();
            let title = e.title.replace(['\r', '\n'], " ");
            let line = format!(
                "{} {}, {} mn, {}",
                start.strftime("%Y/%m/%d"),
                start.strftime("%H:%M"),
                e.duration_s / 60,
                title.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            got.entry(name.clone()).or_default().insert(line);
        }
    }
    // The published summary: "N. name", underline, then dates and "  hh:mm, N mn, title"
    // lines (a title with a line break continues on an indented line).
    let text = std::fs::read_to_string(txt).unwrap();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut service, mut date, mut last) = (String::new(), String::new(), None::<String>);
    for line in text.lines() {
        if let Some((n, name)) = line.split_once(". ")
            && n.chars().all(|c| c.is_ascii_digit())
            && !n.is_empty()
        {
            service = name.trim().to_owned();
        } else if line.len() == 10 && line.starts_with("20") {
            date = line.to_owned();
        } else if let Some(entry) = line
            .strip_prefix("  ")
            .filter(|l| l.as_bytes().get(2) == Some(&b':'))
        {
            let full = format!("{date} {entry}");
            if let Some(prev) = last.replace(full.clone()) {
                expected.entry(service.clone()).or_default().insert(prev);
            }
        } else if let Some(more) = line.strip_prefix("    ") {
            if let Some(prev) = &mut last {
                prev.push(' ');
                prev.push_str(more.trim());
            }
        } else if let Some(prev) = last.take() {
            expected.entry(service.clone()).or_default().insert(prev);
        }
    }
    if let Some(prev) = last.take() {
        expected.entry(service).or_default().insert(prev);
    }
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected: BTreeMap<String, BTreeSet<String>> = expected
        .into_iter()
        .map(|(k, v)| (k, v.iter().map(|l| normalise(l)).collect()))
        .collect();
    assert_eq!(expected.len(), 31, "services in the published summary");
    assert_eq!(expected.values().map(BTreeSet::len).sum::<usize>(), 346);
    for (name, events) in &expected {
        let mine = got.get(name).cloned().unwrap_or_default();
        assert_eq!(&mine, events, "service {name}");
    }
}
