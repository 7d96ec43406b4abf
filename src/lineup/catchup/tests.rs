// SPDX-License-Identifier: GPL-3.0-or-later
//! Table tests of the catch-up engine: every example of Kodi's IPTV Simple README (the
//! "Catchup format specifiers" examples and the catch-up channels A–K of its M3U example),
//! the URL shapes from the comments of its `Channel.cpp`, and zapbox's own rules.

use super::template::build;
use super::*;
use crate::lineup::{Channel, LineupReport};
use jiff::tz::{Offset, TimeZone};

/// 2019-11-26T22:00:32Z, the time of the README's `&cutv=2019-11-26T22:00:32` example.
const S: i64 = 1_574_805_632;

fn catchup(mode: CatchupMode, template: &str, days: CatchupDays) -> Catchup {
    Catchup {
        mode,
        source: None,
        days,
        correction_s: 0,
        template: template.to_owned(),
    }
}

fn request(start: i64, duration_s: u32, now: i64) -> ArchiveRequest<'static> {
    ArchiveRequest {
        start,
        duration_s,
        now,
        guide_shift_s: 0,
        catchup_id: None,
    }
}

/// `template` expanded for a programme at `S`, 2 h long, watched 2 h after its start, in UTC.
fn two_hours_ago(template: &str) -> Result<String, CatchupError> {
    let c = catchup(CatchupMode::Default, template, CatchupDays::Days(5));
    c.archive_url(&request(S, 7200, S + 7200), &TimeZone::UTC)
}

#[test]
fn every_specifier_of_the_readme() {
    let table = [
        // The README's examples of format strings.
        ("?utc={utc}&lutc={lutc}", "?utc=1574805632&lutc=1574812832"),
        ("&t={Y}-{m}-{d}-{H}-{M}-{S}", "&t=2019-11-26-22-00-32"),
        ("?offset={offset:60}", "?offset=120"),
        (
            "?start={utc:YmdHM}&end=${end:YmdHM}",
            "?start=201911262200&end=201911270000",
        ),
        (
            "?start={utc:Ymd-H-M}&end=${end:Ymd-H-M}",
            "?start=20191126-22-00&end=20191127-00-00",
        ),
        // The "Query format string" setting's example.
        ("&cutv={Y}-{m}-{d}T{H}:{M}:{S}", "&cutv=2019-11-26T22:00:32"),
        // The README's divider examples: 7200 s in hours and minutes; 2 h ago in tens of seconds.
        ("?h={duration:3600}&m={duration:60}", "?h=2&m=120"),
        ("?o={offset:10}&m={offset:60}", "?o=720&m=120"),
        // The other names of the list.
        (
            "?s=${start}&e={utcend}&e2=${end}",
            "?s=1574805632&e=1574812832&e2=1574812832",
        ),
        ("?n=${now}&t=${timestamp}", "?n=1574812832&t=1574812832"),
        (
            "?d={duration}&d2=${duration}&o=${offset}",
            "?d=7200&d2=7200&o=7200",
        ),
        (
            "?a={lutc:YmdHMS}&b=${now:H.M}&c=${timestamp:d/m/Y}",
            "?a=20191127000032&b=00.00&c=27/11/2019",
        ),
        ("?a=${start:Ymd}&b={utcend:HMS}", "?a=20191126&b=000032"),
    ];
    for (template, want) in table {
        let url = format!("http://archive.example/p{template}");
        assert_eq!(
            two_hours_ago(&url).as_deref(),
            Ok(format!("http://archive.example/p{want}").as_str()),
            "{template}"
        );
    }
}

#[test]
fn zapbox_replaces_every_occurrence_in_one_pass() {
    let table = [
        // Kodi replaces only the first {utc} and the first {utc:FMT}; zapbox all of them.
        (
            "/{utc}/{utc}/${start}/${start}",
            "/1574805632/1574805632/1574805632/1574805632",
        ),
        ("/{utc:Y}/{utc:Y}/{Y}{Y}", "/2019/2019/20192019"),
        // A `$` before a name that has no `$` form stays, as in Kodi.
        ("/${Y}/${utc}/${lutc}", "/$2019/$1574805632/$1574812832"),
        // Not specifiers: unknown names, missing `$`, empty or unclosed arguments, non-digit dividers.
        (
            "/{foo}/{start}/{now}/{offset}/{utc:}/{duration:x}",
            "/{foo}/{start}/{now}/{offset}/{utc:}/{duration:x}",
        ),
        ("/{{Y}}/{utc", "/{2019}/{utc"),
    ];
    for (template, want) in table {
        let url = format!("http://a.example{template}");
        assert_eq!(
            two_hours_ago(&url).as_deref(),
            Ok(format!("http://a.example{want}").as_str()),
            "{template}"
        );
    }
}

#[test]
fn bad_dividers_and_missing_ids_are_refused_with_a_reason() {
    assert_eq!(
        two_hours_ago("http://a/{duration:0}"),
        Err(CatchupError::BadDivider("{duration:0}".into()))
    );
    assert!(matches!(
        two_hours_ago("http://a/{offset:99999999999999999999999}"),
        Err(CatchupError::BadDivider(_))
    ));
    assert_eq!(
        two_hours_ago("http://a/{catchup-id}"),
        Err(CatchupError::NoCatchupId)
    );
}

#[test]
fn local_time_specifiers_use_the_zone_given() {
    let at = |zone: &TimeZone, template: &str| {
        catchup(CatchupMode::Default, template, CatchupDays::Days(5))
            .archive_url(&request(S, 3600, S + 7200), zone)
            .unwrap()
    };
    let t = "http://a/{Y}{m}{d}T{H}{M}{S}?u={utc}&l={utc:H}";
    // Berlin in November is UTC+1; Unix seconds never change with the zone.
    let berlin = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
    assert_eq!(at(&berlin, t), "http://a/20191126T230032?u=1574805632&l=23");
    let kolkata = TimeZone::fixed(Offset::from_seconds(5 * 3600 + 1800).unwrap());
    assert_eq!(at(&kolkata, t), "http://a/20191127T033032?u=1574805632&l=03");
    // Summer time: 2019-07-01T12:00:00Z is 14:00 in Berlin.
    let july = 1_561_982_400;
    let c = catchup(CatchupMode::Default, "http://a/{H}", CatchupDays::Unlimited);
    assert_eq!(
        c.archive_url(&request(july, 60, july + 60), &berlin).unwrap(),
        "http://a/14"
    );
}

#[test]
fn the_window_is_catchup_days_back_to_five_seconds_ago() {
    let c = catchup(CatchupMode::Default, "http://a/{utc}", CatchupDays::Days(3));
    let now = S + 3 * 86_400;
    let url = |start| c.archive_url(&request(start, 60, now), &TimeZone::UTC);
    assert_eq!(url(S).as_deref(), Ok("http://a/1574805632"));
    assert_eq!(url(S - 1), Err(CatchupError::BeforeWindow { days: 3, oldest: S }));
    assert!(url(now - 6).is_ok());
    assert_eq!(url(now - 5), Err(CatchupError::NotAired));
    assert_eq!(url(now + 600), Err(CatchupError::NotAired));
    let unlimited = catchup(CatchupMode::Default, "http://a/{utc}", CatchupDays::Unlimited);
    assert!(
        unlimited
            .archive_url(&request(0, 60, now), &TimeZone::UTC)
            .is_ok()
    );
    assert_eq!(unlimited.oldest_start(now), None);
    assert_eq!(c.oldest_start(now), Some(S));
}

#[test]
fn guide_shift_and_correction_are_taken_off_the_start_once() {
    let mut c = catchup(
        CatchupMode::Default,
        "http://a/{utc}/{H}:{M}",
        CatchupDays::Days(5),
    );
    c.correction_s = -4 * 3600; // catchup-correction="-4.0"
    let req = ArchiveRequest {
        guide_shift_s: -90 * 60, // tvg-shift="-1.5": the guide shows times 1.5 h earlier
        ..request(S, 3600, S + 7200)
    };
    assert_eq!(
        c.archive_url(&req, &TimeZone::UTC).as_deref(),
        Ok("http://a/1574825432/03:30") // 22:00 + 1.5 h + 4 h
    );
}

#[test]
fn vod_without_days_plays_any_programme_with_an_id() {
    let c = catchup(CatchupMode::Vod, "{catchup-id}", CatchupDays::Unlimited);
    let future = ArchiveRequest {
        catchup_id: Some("https://vod.example/episode1.m3u8"),
        ..request(S + 86_400, 3600, S)
    };
    assert_eq!(
        c.archive_url(&future, &TimeZone::UTC).as_deref(),
        Ok("https://vod.example/episode1.m3u8")
    );
    // The README's plugin example: Kodi opens an add-on; zapbox never opens anything but http(s).
    let plugin = ArchiveRequest {
        catchup_id: Some("plugin://plugin.video.footv/?mode=vod&&catchupid=episode1"),
        ..future
    };
    assert!(matches!(
        c.archive_url(&plugin, &TimeZone::UTC),
        Err(CatchupError::NotHttp(_))
    ));
    assert_eq!(
        c.archive_url(&request(S - 60, 60, S), &TimeZone::UTC),
        Err(CatchupError::NoCatchupId)
    );
}

#[test]
fn templates_from_modes_and_live_urls() {
    use CatchupMode::*;
    let fs_live = "http://list.tv:8888/325/live?token=my_token";
    let table: [(CatchupMode, Option<&str>, &str, &str); 17] = [
        // Channel.cpp's Flussonic examples.
        (
            Flussonic,
            None,
            "http://ch01.spr24.net/151/mpegts?token=my_token",
            "http://ch01.spr24.net/151/timeshift_abs-${start}.ts?token=my_token",
        ),
        (
            FlussonicHls,
            None,
            "http://list.tv:8888/325/index.m3u8?token=secret",
            "http://list.tv:8888/325/timeshift_rel-{offset:1}.m3u8?token=secret",
        ),
        (
            Flussonic,
            None,
            "http://list.tv:8888/325/mono.m3u8?token=secret",
            "http://list.tv:8888/325/mono-timeshift_rel-{offset:1}.m3u8?token=secret",
        ),
        (
            FlussonicTs,
            None,
            fs_live,
            "http://list.tv:8888/325/timeshift_abs-${start}.ts?token=my_token",
        ),
        (
            Fs,
            None,
            fs_live,
            "http://list.tv:8888/325/timeshift_abs-${start}.ts?token=my_token",
        ),
        (
            Flussonic,
            None,
            fs_live,
            "http://list.tv:8888/325/timeshift_rel-{offset:1}.m3u8?token=my_token",
        ),
        // The URL's type wins over the mode's for the well-formed names (Kodi does the same).
        (
            Fs,
            None,
            "http://f/7/index.m3u8",
            "http://f/7/timeshift_rel-{offset:1}.m3u8",
        ),
        // Channel.cpp's Xtream Codes examples (`{duration:60}`: minutes).
        (
            Xc,
            None,
            "http://list.tv:8080/my@account.xc/my_password/1477",
            "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.ts",
        ),
        (
            Xc,
            None,
            "http://list.tv:8080/live/my@account.xc/my_password/1477.m3u8",
            "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.m3u8",
        ),
        (
            Xc,
            None,
            "http://x/live/p/9",
            "http://x/timeshift/live/p/{duration:60}/{Y}-{m}-{d}:{H}-{M}/9.ts",
        ),
        // SIPTV shift: `?` or `&` as the URL needs.
        (
            Shift,
            None,
            "http://a/b.ts",
            "http://a/b.ts?utc={utc}&lutc={lutc}",
        ),
        (
            Shift,
            None,
            "https://a/play?id=42",
            "https://a/play?id=42&utc={utc}&lutc={lutc}",
        ),
        (
            Append,
            Some("&cutv={Y}"),
            "http://a/c.ts",
            "http://a/c.ts&cutv={Y}",
        ),
        (
            Default,
            Some("http://arc/{utc}"),
            "udp://@239.1.1.1:5000",
            "http://arc/{utc}",
        ),
        // A header suffix in catchup-source is dropped: the live source's headers apply.
        (
            Default,
            Some("http://arc/{utc}|User-Agent=X"),
            "http://a/b",
            "http://arc/{utc}",
        ),
        (Vod, None, "http://a/b", "{catchup-id}"),
        (Vod, Some("http://v/{utc}"), "http://a/b", "http://v/{utc}"),
    ];
    for (mode, source, live, want) in table {
        assert_eq!(build(mode, source, live).as_deref(), Ok(want), "{mode} {live}");
    }
}

#[test]
fn templates_that_cannot_be_made_say_why() {
    use CatchupMode::*;
    let table: [(CatchupMode, Option<&str>, &str, &str); 9] = [
        (Default, None, "http://a/b", "needs a catchup-source"),
        (Append, None, "http://a/b", "needs a catchup-source"),
        (Xc, None, "http://x/live/u/p/1477.ts", "not an Xtream Codes"),
        (Xc, None, "http://x/a/b/c/d", "not an Xtream Codes"),
        (Flussonic, None, "http://x/only", "not a Flussonic"),
        (
            Flussonic,
            None,
            "http://x/1/index.m3u8?novalue",
            "not a Flussonic",
        ),
        (Shift, None, "udp://@239.1.1.1:5000", "not http(s)"),
        (Append, Some("?utc={utc}"), "rtp://@239.1.1.1:5000", "not http(s)"),
        (
            Default,
            Some("file:///etc/passwd?{utc}"),
            "http://a/b",
            "not http(s)",
        ),
    ];
    for (mode, source, live, why) in table {
        let err = build(mode, source, live).unwrap_err();
        assert!(err.contains(why), "{mode} {live}: {err}");
    }
}

#[test]
fn granularity_ending_and_seeking_follow_the_template() {
    use CatchupMode::*;
    let table = [
        (
            Xc,
            "http://x/timeshift/u/p/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1.ts",
            60,
            true,
            true,
        ),
        (Shift, "http://a/b?utc={utc}&lutc={lutc}", 1, true, true),
        (
            Flussonic,
            "http://f/1/timeshift_rel-{offset:1}.m3u8",
            1,
            false,
            true,
        ),
        (Fs, "http://f/1/timeshift_abs-${start}.ts", 1, false, true),
        (Default, "http://a/b&cutv={Y}-{m}-{d}T{H}:{M}:{S}", 1, false, true),
        (
            Default,
            "http://a/b?from={utc:YmdHM}&to=${end:YmdHM}",
            1,
            true,
            true,
        ),
        (Default, "http://a/b?day={Y}{m}{d}&h={H}{M}", 60, false, true),
        (Vod, "{catchup-id}", 60, false, false),
        (Default, "http://a/{catchup-id}", 60, false, false),
    ];
    for (mode, template, granularity, terminates, seekable) in table {
        let c = catchup(mode, template, CatchupDays::Days(5));
        assert_eq!(
            (c.granularity_s(), c.terminates(), c.seekable()),
            (granularity, terminates, seekable),
            "{template}"
        );
    }
}

#[test]
fn live_urls_get_only_the_now_specifiers() {
    let url = live_url(
        "http://a/live.ts?t={lutc}&d=${now:Ymd}&s={utc}&x={Y}",
        S,
        &TimeZone::UTC,
    );
    assert_eq!(
        url.as_deref(),
        Ok("http://a/live.ts?t=1574805632&d=20191126&s={utc}&x={Y}")
    );
}

/// The M3U example of Kodi's IPTV Simple README, as printed there (the `#EXTM3U` line's
/// missing quote included), with its catch-up channels A–K.
const README_M3U: &str = r#"#EXTM3U tvg-shift="-4.5" x-tvg-url="http://path-to-xmltv/guide.xml catchup-correction="-2.5"
#EXTINF:0 tvg-id="channel-x" tvg-name="Channel_X" group-title="Entertainment" tvg-chno="10" tvg-logo="http://path-to-icons/channel-x.png" radio="true" tvg-shift="-3.5",Channel X
#EXTVLCOPT:program=745
#KODIPROP:key=val
http://path-to-stream/live/channel-x.ts
#EXTINF:0 tvg-id="channel-x" tvg-name="Channel-X-HD" group-title="Entertainment;HD Channels",Channel X HD
http://path-to-stream/live/channel-x-hd.ts
#EXTINF:0 tvg-id="channel-y" tvg-name="Channel_Y",Channel Y
#EXTGRP:Entertainment
http://path-to-stream/live/channel-y.ts
#EXTINF:0,Channel Z
http://path-to-stream/live/channel-z.ts
#EXTINF:0 catchup="default",Channel A
http://path-to-stream/live/channel-a.ts
#EXTINF:0 catchup="default" catchup-source="http://path-to-stream/live/catchup-b.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}" catchup-days="3",Channel B
http://path-to-stream/live/channel-b.ts
#EXTINF:0 catchup="append" catchup-source="&cutv={Y}-{m}-{d}T{H}:{M}:{S}" catchup-days="3" catchup-correction="-4.0",Channel C
http://path-to-stream/live/channel-c.ts
#EXTINF:0 tvg-id="channel-d" tvg-name="Channel-D" catchup="shift" catchup-days="3",Channel D
http://path-to-stream/live/channel-d.ts
#EXTINF:0 tvg-id="channel-e" tvg-name="Channel-E" timeshift="3",Channel E
http://path-to-stream/live/channel-e.ts
#EXTINF:0 tvg-id="channel-f" tvg-name="Channel-F" catchup="default" catchup-days="1" catchup-source="http://yoururl/channeld/video-{utc}-{duration}.m3u8",Channel F
http://yoururl/channeld/video.m3u8
#EXTINF:-1 catchup="fs",Channel G
http://list.tv:8888/325/mono.m3u8?token=secret
#EXTINF:-1 catchup="xc",Channel H
http://list.tv:8080/my@account.xc/my_password/1477
#EXTINF:-1 catchup="xc",Channel I
http://list.tv:8080/live/my@account.xc/my_password/1477.m3u8
#EXTINF:-1 catchup="vod" catchup-source="http://path-to-stream/live/catchup-j.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}" catchup-days="3",Channel J
http://path-to-stream/live/channel-j.ts
#EXTINF:-1 catchup="vod",Channel K
plugin://plugin.video.my-vod-addon/play/catalog/channels/d8659669-b964-414c-aa9c-e31d8d15696b
#EXTINF:-1,Channel L
#EXT-X-PLAYLIST-TYPE:VOD
http://path-to-stream/live/channel-l.mkv
#EXTINF:-1 media="true",Channel M
http://path-to-stream/live/channel-m.mkv
#EXTINF:-1 radio="true" media="true" media-size="102400000",Channel N
http://path-to-stream/live/channel-n.mkv
#EXTINF:-1 media-dir="/movies/scifi",Channel O
http://path-to-stream/live/channel-o.mkv
"#;

fn readme_lineup() -> LineupReport {
    crate::lineup::build(&[("readme.m3u".to_owned(), README_M3U.as_bytes().to_vec())])
}

fn named<'a>(r: &'a LineupReport, name: &str) -> &'a Channel {
    r.lineup.channels.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn the_readme_playlist_reads_as_kodi_reads_it() {
    let r = readme_lineup();
    assert_eq!(r.lineup.guide_urls, ["http://path-to-xmltv/guide.xml"]);
    assert_eq!(named(&r, "Channel X").guide_shift_minutes, -210);
    assert_eq!(named(&r, "Channel Y").guide_shift_minutes, -270); // the header's -4.5 h
    let without: Vec<&str> = r
        .lineup
        .channels
        .iter()
        .filter(|c| c.catchup.is_none())
        .map(|c| c.name.as_str())
        .collect();
    // Channel X HD shares channel X's tvg-id, so it is channel X's second source.
    assert_eq!(
        without,
        [
            "Channel X",
            "Channel Y",
            "Channel Z",
            "Channel A",
            "Channel L",
            "Channel M",
            "Channel N",
            "Channel O"
        ]
    );
    assert!(
        r.lineup.channels.iter().all(|c| c.name != "Channel K"),
        "plugin:// is never played"
    );
    let warnings: Vec<&str> = r.warnings.iter().map(|p| p.message.as_str()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("catchup=\"default\" needs a catchup-source")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("scheme 'plugin' is not allowed")),
        "{warnings:?}"
    );
    use CatchupDays::Days;
    use CatchupMode::*;
    let table = [
        (
            "Channel B",
            Default,
            Days(3),
            -9000,
            "http://path-to-stream/live/catchup-b.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}",
        ),
        (
            "Channel C",
            Append,
            Days(3),
            -14400,
            "http://path-to-stream/live/channel-c.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}",
        ),
        (
            "Channel D",
            Shift,
            Days(3),
            -9000,
            "http://path-to-stream/live/channel-d.ts?utc={utc}&lutc={lutc}",
        ),
        (
            "Channel E",
            Shift,
            Days(3),
            -9000,
            "http://path-to-stream/live/channel-e.ts?utc={utc}&lutc={lutc}",
        ),
        (
            "Channel F",
            Default,
            Days(1),
            -9000,
            "http://yoururl/channeld/video-{utc}-{duration}.m3u8",
        ),
        (
            "Channel G",
            Fs,
            Days(5),
            -9000,
            "http://list.tv:8888/325/mono-timeshift_rel-{offset:1}.m3u8?token=secret",
        ),
        (
            "Channel H",
            Xc,
            Days(5),
            -9000,
            "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.ts",
        ),
        (
            "Channel I",
            Xc,
            Days(5),
            -9000,
            "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.m3u8",
        ),
        (
            "Channel J",
            Vod,
            Days(3),
            -9000,
            "http://path-to-stream/live/catchup-j.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}",
        ),
    ];
    for (name, mode, days, correction_s, template) in table {
        let c = named(&r, name).catchup.as_ref().unwrap();
        assert_eq!(
            (c.mode, c.days, c.correction_s, c.template.as_str()),
            (mode, days, correction_s, template),
            "{name}"
        );
    }
}

#[test]
fn the_readme_channels_give_these_urls() {
    // A programme shown in the guide at 22:00:32 UTC, one hour long, asked for two hours later.
    // Every channel here has tvg-shift -4.5 h and catchup-correction -2.5 h from the header
    // (channel C its own -4 h), so the archive start is 7 h (8.5 h) after the guide's.
    let r = readme_lineup();
    let table = [
        (
            "Channel B",
            "http://path-to-stream/live/catchup-b.ts&cutv=2019-11-27T05:00:32",
        ),
        (
            "Channel C",
            "http://path-to-stream/live/channel-c.ts&cutv=2019-11-27T06:30:32",
        ),
        (
            "Channel D",
            "http://path-to-stream/live/channel-d.ts?utc=1574830832&lutc=1574812832",
        ),
        (
            "Channel E",
            "http://path-to-stream/live/channel-e.ts?utc=1574830832&lutc=1574812832",
        ),
        ("Channel F", "http://yoururl/channeld/video-1574830832-3600.m3u8"),
        // now − start is negative after the corrections: clamped to 0.
        (
            "Channel G",
            "http://list.tv:8888/325/mono-timeshift_rel-0.m3u8?token=secret",
        ),
        (
            "Channel H",
            "http://list.tv:8080/timeshift/my@account.xc/my_password/60/2019-11-27:05-00/1477.ts",
        ),
        (
            "Channel I",
            "http://list.tv:8080/timeshift/my@account.xc/my_password/60/2019-11-27:05-00/1477.m3u8",
        ),
        (
            "Channel J",
            "http://path-to-stream/live/catchup-j.ts&cutv=2019-11-27T05:00:32",
        ),
    ];
    for (name, want) in table {
        let ch = named(&r, name);
        let req = ArchiveRequest {
            guide_shift_s: i64::from(ch.guide_shift_minutes) * 60,
            ..request(S, 3600, S + 7200)
        };
        let url = ch.catchup.as_ref().unwrap().archive_url(&req, &TimeZone::UTC);
        assert_eq!(url.as_deref(), Ok(want), "{name}");
    }
}

#[test]
fn legacy_days_header_defaults_and_bad_values() {
    let text = "#EXTM3U catchup=\"shift\" catchup-days=\"7\" catchup-correction=\"1\"\n\
        #EXTINF:-1 tvg-id=\"a\",A\nhttp://a/a.ts\n\
        #EXTINF:-1 tvg-id=\"b\" catchup=\"\" tvg-rec=\"2\",B\nhttp://a/b.ts\n\
        #EXTINF:-1 tvg-id=\"c\" catchup=\"nonsense\" catchup-days=\"-1\",C\nhttp://a/c.ts\n\
        #EXTINF:-1 tvg-id=\"d\" catchup-days=\"0\" catchup-correction=\"x\",D\nudp://@239.1.1.1:5000\n";
    let r = crate::lineup::build(&[("t.m3u".to_owned(), text.as_bytes().to_vec())]);
    let c = |key: &str| {
        r.lineup
            .channels
            .iter()
            .find(|c| c.key.0 == key)
            .unwrap()
            .catchup
            .clone()
    };
    let a = c("a").unwrap();
    assert_eq!(
        (a.mode, a.days, a.correction_s),
        (CatchupMode::Shift, CatchupDays::Days(7), 3600)
    );
    assert_eq!(
        c("b").unwrap().days,
        CatchupDays::Days(2),
        "the channel's tvg-rec wins over the header"
    );
    assert_eq!(c("c").unwrap().days, CatchupDays::Unlimited);
    assert_eq!(
        c("d"),
        None,
        "a header mode that does not fit a multicast URL stays quiet"
    );
    let w: Vec<&str> = r.warnings.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains("unknown catchup mode 'nonsense'"));
    assert!(w[1].contains("catchup-days '0'"));
    assert!(w[2].contains("catchup-correction 'x'"));
    // Legacy timeshift without a mode anywhere: shift with those days; zero days is no catch-up.
    let legacy = "#EXTINF:-1 timeshift=\"4\",L\nhttp://a/l.ts\n#EXTINF:-1 timeshift=\"0\",Z\nhttp://a/z.ts\n";
    let r = crate::lineup::build(&[("l.m3u".to_owned(), legacy.as_bytes().to_vec())]);
    let l = r.lineup.channels[0].catchup.as_ref().unwrap();
    assert_eq!((l.mode, l.days), (CatchupMode::Shift, CatchupDays::Days(4)));
    assert_eq!(r.lineup.channels[1].catchup, None);
}

#[test]
fn hostile_templates_stay_bounded_and_never_panic() {
    // Unclosed arguments do not make the scan look further than one specifier's length.
    let open = format!("http://a/{}", "{utc:".repeat(3_000));
    assert!(
        two_hours_ago(&open).as_deref() == Ok(open.as_str()),
        "left as written"
    );
    // Growth is capped.
    let many = format!(
        "http://a/{}",
        "{utc:YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY}".repeat(200)
    );
    assert!(two_hours_ago(&many) == Err(CatchupError::TooLong), "capped");
    // Random bytes around specifiers: an answer every time.
    let pieces = [
        "{",
        "}",
        "$",
        ":",
        "utc",
        "Y",
        "offset",
        "duration",
        "0",
        "1",
        "é",
        "catchup-id",
        "/",
        "?",
    ];
    let mut rng = fastrand::Rng::with_seed(14);
    for _ in 0..5_000 {
        let mut t = String::from("http://a/");
        for _ in 0..rng.usize(0..24) {
            t.push_str(pieces[rng.usize(0..pieces.len())]);
        }
        let _ = two_hours_ago(&t);
        let _ = build(CatchupMode::Flussonic, None, &t);
        let _ = build(CatchupMode::Xc, None, &t);
    }
    // Times outside the calendar are an error, not a panic.
    let c = catchup(CatchupMode::Default, "http://a/{Y}", CatchupDays::Unlimited);
    let far = request(i64::MIN / 2, 60, i64::MIN / 2 + 600);
    assert!(matches!(
        c.archive_url(&far, &TimeZone::UTC),
        Err(CatchupError::TimeOutOfRange(_))
    ));
}
