// SPDX-License-Identifier: GPL-3.0-or-later
//! Table tests of channel ↔ guide matching.

use super::*;

pub(crate) fn channel(number: u32, name: &str, tvg_id: Option<&str>) -> Channel {
    Channel {
        number,
        key: ChannelKey(tvg_id.unwrap_or(name).to_owned()),
        name: name.to_owned(),
        tvg_id: tvg_id.map(str::to_owned),
        tvg_name: None,
        logo: None,
        groups: Vec::new(),
        radio: false,
        guide_shift_minutes: 0,
        catchup: None,
        sources: Vec::new(),
    }
}

fn guide() -> Vec<(String, Vec<String>)> {
    [
        ("BBCOne.uk", vec!["BBC One"]),
        ("CanalPlus.fr", vec!["Canal+"]),
        ("Canal.xx", vec!["Canal"]),
        ("TF1.fr", vec!["TF1"]),
        ("DiscoveryChannel.us", vec!["Discovery Channel"]),
        ("Arte.fr", vec!["ARTE", "Arte HD"]),
    ]
    .into_iter()
    .map(|(id, names)| (id.to_owned(), names.into_iter().map(str::to_owned).collect()))
    .collect()
}

fn run(lineup: &[Channel], overrides: &GuideOverrides) -> BTreeMap<ChannelKey, ChannelMatch> {
    let g = guide();
    let names: Vec<GuideNames<'_>> = g.iter().map(|(id, names)| GuideNames { id, names }).collect();
    match_channels(lineup, &names, overrides)
}

fn summary(m: &BTreeMap<ChannelKey, ChannelMatch>, key: &str) -> Option<(String, MatchMethod, i32)> {
    m.get(&ChannelKey(key.to_owned()))
        .map(|m| (m.guide_id.clone(), m.method, m.extra_shift_minutes))
}

#[test]
fn passes_in_order() {
    let lineup = vec![
        channel(1, "Whatever", Some("bbcone.UK")),
        channel(2, "FR: Canal+ HD", None),
        channel(3, "TF1 FHD", None),
        channel(4, "BBC One +1", None),
        channel(5, "Discovery Chanel", None),
        channel(6, "Unknown Thing", None),
        channel(7, "[FR] Arte", None),
    ];
    let m = run(&lineup, &GuideOverrides::new());
    let s = |k| summary(&m, k);
    assert_eq!(s("bbcone.UK"), Some(("BBCOne.uk".into(), MatchMethod::TvgId, 0)));
    assert_eq!(
        s("FR: Canal+ HD"),
        Some(("CanalPlus.fr".into(), MatchMethod::Name, 0))
    );
    assert_eq!(s("TF1 FHD"), Some(("TF1.fr".into(), MatchMethod::Name, 0)));
    assert_eq!(
        s("BBC One +1"),
        Some(("BBCOne.uk".into(), MatchMethod::Timeshift, 60))
    );
    assert_eq!(
        s("Discovery Chanel"),
        Some(("DiscoveryChannel.us".into(), MatchMethod::Fuzzy, 0))
    );
    assert_eq!(s("Unknown Thing"), None);
    assert_eq!(s("[FR] Arte"), Some(("Arte.fr".into(), MatchMethod::Name, 0)));
}

#[test]
fn overrides_replace_and_remove() {
    let lineup = vec![channel(1, "TF1", None), channel(2, "Canal+", None)];
    let mut overrides = GuideOverrides::new();
    overrides.insert(ChannelKey("TF1".into()), "Arte.fr".into());
    overrides.insert(ChannelKey("Canal+".into()), String::new());
    let m = run(&lineup, &overrides);
    assert_eq!(
        summary(&m, "TF1"),
        Some(("Arte.fr".into(), MatchMethod::Override, 0))
    );
    assert_eq!(summary(&m, "Canal+"), None);
}

#[test]
fn keys_and_prefixes() {
    assert_eq!(name_key("Canal+ HD"), "canalplus");
    assert_eq!(name_key("UK | BBC One HEVC"), "bbcone");
    assert_eq!(name_key("Télé Loire"), "teleloire");
    assert_eq!(name_key("M6: Info"), "m6info"); // "M6" is not an upper-case country code
    assert_eq!(timeshift_of("bbconeplus1"), Some(("bbcone", 1)));
    assert_eq!(timeshift_of("canalplus"), None);
    assert_eq!(id_stem("BBCOne.uk"), "BBCOne");
}

/// Channel names of 60,000 characters (one such pair used to cost 15 s of edit distance) are no
/// channel names: they get no fuzzy match, while names up to the cap still do.
#[test]
fn huge_names_are_not_compared() {
    let long = |c: char, n: usize| -> String { std::iter::repeat_n('a', n).chain([c]).collect() };
    let g: Vec<(String, Vec<String>)> = (0..4)
        .map(|i| (format!("g{i}"), vec![long(char::from(b'b' + i), 60_000)]))
        .chain([("short".to_owned(), vec![long('x', MAX_FUZZY_KEY - 1)])])
        .collect();
    let names: Vec<GuideNames<'_>> = g.iter().map(|(id, names)| GuideNames { id, names }).collect();
    let lineup: Vec<Channel> = (0..4)
        .map(|i| channel(i + 1, &long(char::from(b'q' + i as u8), 60_000), None))
        .chain([channel(9, &long('y', MAX_FUZZY_KEY - 1), None)])
        .collect();
    let m = match_channels(&lineup, &names, &GuideOverrides::new());
    assert_eq!(m.len(), 1, "{m:?}");
    let only = m.values().next().unwrap();
    assert_eq!(
        (only.guide_id.as_str(), only.method),
        ("short", MatchMethod::Fuzzy)
    );
}
