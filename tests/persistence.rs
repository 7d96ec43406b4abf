// SPDX-License-Identifier: GPL-3.0-or-later
//! Config and state files on a real file system: damaged files are kept aside, defaults apply,
//! warnings name what was wrong, saving is atomic, and no content makes the loaders panic.
//! Uses only the public API of `zapbox::system`; every test works in its own temporary directory.

use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use zapbox::core::SavedState;
use zapbox::lineup::ChannelKey;
use zapbox::system::config::Aspect;
use zapbox::system::paths::{self, ConfigLocation, Environment};
use zapbox::system::{Config, LoadWarning, PersistError, Severity, load_config, load_config_at};
use zapbox::system::{load_state, save_state};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config");

/// Copies a fixture into `dir` (loading may rename it) and returns its new path.
fn fixture(dir: &Path, name: &str) -> PathBuf {
    let target = dir.join(name);
    fs::copy(Path::new(FIXTURES).join(name), &target).unwrap();
    target
}

fn bad(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.bad", path.display()))
}

fn texts(warnings: &[LoadWarning]) -> String {
    warnings.iter().map(|w| format!("{w}\n")).collect()
}

fn sample_state() -> SavedState {
    let key = |k: &str| ChannelKey(k.to_string());
    SavedState {
        last_channel: Some(key("bbc1.uk")),
        history: vec![key("bbc1.uk"), key("arte.fr")],
        volume_percent: 35,
        muted: true,
        favourites: [("News".to_string(), vec![key("arte.fr")])].into(),
        preferences: zapbox::core::SavedPreferences {
            audio_language: Some("deu".into()),
            subtitles: Some(true),
            subtitle_language: Some("fra".into()),
            hard_of_hearing: Some(false),
            audio_description: Some(true),
            ..Default::default()
        },
        parental: zapbox::core::SavedParental {
            pin_hash: zapbox::core::pin_lock::hash_pin("1234", 7),
            locked_channels: vec![key("arte.fr")],
            failed_pins: 6,
            pin_locked_until_ms: Some(1_795_370_400_000),
            ..Default::default()
        },
        sources: zapbox::core::SavedSources {
            playlists: vec!["http://example.invalid/extra.m3u".into()],
            guides: Vec::new(),
        },
        guide_overrides: [(key("arte.fr"), "Arte.fr".to_string())].into(),
        cec: zapbox::core::SavedCec {
            volume: Some(zapbox::core::VolumeControl::AudioSystem),
            standby_tv: Some(true),
            standby_on_input_switch_s: None,
        },
        subtitles: [
            (key("arte.fr"), zapbox::core::SavedSubtitle::Off),
            (
                key("bbc1.uk"),
                zapbox::core::SavedSubtitle::Track {
                    kind: zapbox::core::SubtitleKind::Teletext,
                    language: Some("en".into()),
                    hard_of_hearing: true,
                },
            ),
        ]
        .into(),
        audio: [(
            key("arte.fr"),
            zapbox::core::SavedAudio {
                language: Some("fr".into()),
                audio_description: true,
            },
        )]
        .into(),
    }
}

#[test]
fn documented_example_loads_without_warnings() {
    let (config, warnings) = load_config(&Path::new(FIXTURES).join("full.json"));
    assert!(warnings.is_empty(), "{}", texts(&warnings));
    assert_eq!(config.guides[0].priority, 10);
    assert_eq!(config.preferences.aspect(), Aspect::Letterbox);
    assert_eq!(config.parental.pin.as_deref(), Some("0042"));
    assert_eq!(
        (config.timeshift.ram_seconds, config.timeshift.ram_mib),
        (120, 96)
    );
    assert_eq!(
        (
            config.timeshift.dir.as_deref(),
            config.timeshift.disk_minutes,
            config.timeshift.disk_floor_mib
        ),
        (Some(Path::new("/media/usb/timeshift")), 90, 2048)
    );
    assert!(!config.timeshift.ott, "HLS windows turned off");
    let r = &config.recordings;
    assert_eq!(
        (r.dir.as_deref(), r.margin_before_s, r.margin_after_s),
        (Some(Path::new("/media/usb/recordings")), 60, 900)
    );
    assert_ne!(
        config,
        Config::default(),
        "the example should show non-default values"
    );
}

#[test]
fn config_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = load_config(&Path::new(FIXTURES).join("full.json"));
    let path = dir.path().join("config.json");
    fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    assert_eq!(load_config(&path), (config, vec![]));
}

#[test]
fn state_round_trips_with_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/dir/state.json");
    save_state(&path, &sample_state()).unwrap();
    let on_disk: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk["version"], 1);
    assert_eq!(load_state(&path), (sample_state(), vec![]));
}

#[test]
fn unknown_keys_are_named_by_full_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "unknown_keys.json");
    let (config, warnings) = load_config(&path);
    let all = texts(&warnings);
    for key in [
        "`playlist`",
        "`guides[0].prio`",
        "`preferences.audio_lang`",
        "`network.igmp`",
    ] {
        assert!(all.contains(key), "{key} not named in:\n{all}");
    }
    assert_eq!(warnings.len(), 4, "{all}");
    assert!(
        warnings
            .iter()
            .all(|w| w.severity == Severity::Warning && w.file == path)
    );
    // Known keys next to unknown ones still apply, and the file stays where it is.
    assert!(config.preferences.subtitles);
    assert_eq!(config.network.multicast_interface.as_deref(), Some("eth1"));
    assert!(path.exists() && !bad(&path).exists());
}

#[test]
fn truncated_config_is_kept_aside_with_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "truncated.json");
    let original = fs::read(&path).unwrap();
    let (config, warnings) = load_config(&path);
    assert_eq!(config, Config::default());
    assert!(!path.exists());
    assert_eq!(fs::read(bad(&path)).unwrap(), original);
    let all = texts(&warnings);
    assert!(all.contains("line 3 column") && all.contains(".bad"), "{all}");
}

#[test]
fn a_value_of_the_wrong_type_costs_that_value_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "wrong_type.json");
    let (config, warnings) = load_config(&path);
    assert_eq!(config, Config::default());
    assert!(
        path.exists() && !bad(&path).exists(),
        "the file is still the config"
    );
    let all = texts(&warnings);
    assert!(
        all.contains("`preferences.digit_timeout_ms` has the wrong type"),
        "{all}"
    );
}

/// A number out of its type's range (`u32`) used to discard the whole file; now only that field
/// falls back, and the rest of the config (playlists, PIN, neighbours) is used.
#[test]
fn an_out_of_range_number_costs_that_field_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    fs::write(
        &path,
        r#"{"playlists": ["http://op.example/a.m3u"], "guide_offset_minutes": 99999999999,
            "preferences": {"digit_timeout_ms": -5, "banner_timeout_ms": 4000}, "parental": {"pin": "1234"}}"#,
    )
    .unwrap();
    let (config, warnings) = load_config(&path);
    assert_eq!(config.playlists, ["http://op.example/a.m3u"]);
    assert_eq!(config.guide_offset_minutes, 0);
    assert_eq!(
        config.preferences.digit_timeout_ms,
        Config::default().preferences.digit_timeout_ms
    );
    assert_eq!(config.preferences.banner_timeout_ms, 4000);
    assert_eq!(config.parental.pin.as_deref(), Some("1234"));
    let all = texts(&warnings);
    assert!(
        all.contains("`guide_offset_minutes`") && all.contains("`preferences.digit_timeout_ms`"),
        "{all}"
    );
    assert!(path.exists(), "a usable config is not set aside");
}

#[test]
fn invalid_values_fall_back_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "invalid_values.json");
    let (config, warnings) = load_config(&path);
    let d = Config::default();
    assert_eq!(config.playlists, ["http://operator.example/ok.m3u"]);
    assert_eq!(config.guides.len(), 1);
    assert_eq!(config.guide_offset_minutes, 0);
    assert_eq!(
        (config.board.clone(), config.network.multicast_interface.clone()),
        (None, None)
    );
    let p = &config.preferences;
    assert_eq!(
        (&p.audio_language, &p.aspect, &p.language),
        (
            &d.preferences.audio_language,
            &d.preferences.aspect,
            &d.preferences.language
        )
    );
    assert_eq!(p.digit_timeout_ms, 2000);
    // Valid neighbours are kept.
    assert!(p.subtitles);
    assert_eq!(p.banner_timeout_ms, 3000);
    assert_eq!(config.parental.pin, None);
    assert_eq!(config.parental.locked_groups, ["Adult"]);
    assert_eq!(config.paths.state_file, None);
    assert_eq!(
        config.paths.cache_dir.as_deref(),
        Some(Path::new("/tmp/zapbox-cache"))
    );
    let all = texts(&warnings);
    assert_eq!(warnings.len(), 12, "{all}");
    assert!(
        all.contains("preferences.digit_timeout_ms = 100") && all.contains("500..=10000"),
        "{all}"
    );
    assert!(
        !all.contains("12345"),
        "the rejected PIN must not be logged:\n{all}"
    );
    assert!(path.exists() && !bad(&path).exists());
}

#[test]
fn empty_or_non_object_files_are_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.json", &b""[..]),
        ("array.json", &b"[\"http://x/a.m3u\"]"[..]),
        ("ws.json", &b" \n"[..]),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let (config, warnings) = load_config(&path);
        assert_eq!(config, Config::default(), "{name}");
        assert_eq!(warnings.len(), 1, "{name}");
        assert_eq!(fs::read(bad(&path)).unwrap(), bytes, "{name}");
        fs::write(&path, bytes).unwrap();
        let (state, warnings) = load_state(&path);
        assert_eq!((state, warnings.len()), (SavedState::default(), 1), "{name}");
    }
}

#[test]
fn binary_garbage_state_is_kept_aside_and_replaces_an_old_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let garbage: Vec<u8> = (0..=255u8).rev().chain([0, 0xff, b'{']).collect();
    fs::write(&path, &garbage).unwrap();
    fs::write(bad(&path), b"an older damaged file").unwrap();
    let (state, warnings) = load_state(&path);
    assert_eq!(state, SavedState::default());
    assert_eq!(fs::read(bad(&path)).unwrap(), garbage);
    assert!(
        texts(&warnings).contains("could not be restored"),
        "{}",
        texts(&warnings)
    );
    // The next start finds no file: defaults, silently.
    assert_eq!(load_state(&path), (SavedState::default(), vec![]));
}

#[test]
fn newer_state_version_is_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, br#"{"version": 7, "volume_percent": 10, "new_thing": []}"#).unwrap();
    let (state, warnings) = load_state(&path);
    assert_eq!(state, SavedState::default());
    assert!(
        texts(&warnings).contains("newer zapbox (format 7"),
        "{}",
        texts(&warnings)
    );
    assert!(bad(&path).exists());
}

#[test]
fn state_unknown_keys_and_bad_volume_warn_but_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(
        &path,
        br#"{"last_channel": "arte.fr", "volume_percent": 250, "colour": 1}"#,
    )
    .unwrap();
    let (state, warnings) = load_state(&path);
    assert_eq!(state.last_channel, Some(ChannelKey("arte.fr".into())));
    assert_eq!(state.volume_percent, SavedState::default().volume_percent);
    let all = texts(&warnings);
    assert!(
        all.contains("`colour`") && all.contains("volume_percent = 250"),
        "{all}"
    );
}

#[test]
fn state_file_that_is_a_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::create_dir_all(path.join("inside")).unwrap();
    let (state, warnings) = load_state(&path);
    assert_eq!(state, SavedState::default());
    assert!(texts(&warnings).contains("directory"), "{}", texts(&warnings));
    assert!(path.is_dir(), "a directory must not be renamed away");
    let err = save_state(&path, &sample_state()).unwrap_err();
    assert!(matches!(err, PersistError::Write { .. }));
    assert!(err.to_string().contains("writable"), "{err}");
    let (config, warnings) = load_config(&path);
    assert_eq!((config, warnings.len()), (Config::default(), 1));
}

#[test]
fn failed_save_leaves_old_state_intact() {
    let dir = tempfile::tempdir().unwrap();
    // The temporary file's name is longer than the target's, so a target name near NAME_MAX
    // makes creating it fail, even for root (who ignores permissions).
    let path = dir.path().join("s".repeat(250));
    let before = br#"{"version": 1, "volume_percent": 12}"#;
    fs::write(&path, before).unwrap();
    assert!(save_state(&path, &sample_state()).is_err());
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );

    let blocker = dir.path().join("file");
    fs::write(&blocker, b"x").unwrap();
    assert!(save_state(&blocker.join("state.json"), &sample_state()).is_err());
    read_only_dir_keeps_old_state(dir.path());
}

/// A read-only directory stops the save; skipped as root, where permissions do not apply.
fn read_only_dir_keeps_old_state(base: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if nix::unistd::geteuid().is_root() {
        return;
    }
    let ro = base.join("ro");
    let path = ro.join("state.json");
    save_state(&path, &SavedState::default()).unwrap();
    let before = fs::read(&path).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    let result = save_state(&path, &sample_state());
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(result.is_err());
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn missing_files_are_normal_except_an_explicit_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.json");
    assert_eq!(load_state(&path), (SavedState::default(), vec![]));
    let (config, warnings) = load_config(&path);
    assert_eq!(
        (config, warnings[0].severity),
        (Config::default(), Severity::Info)
    );
    let (_, warnings) = load_config_at(&ConfigLocation::Explicit(path));
    assert_eq!(warnings[0].severity, Severity::Warning);
    let absent = ConfigLocation::Absent {
        searched: vec!["/a.json".into(), "/b.json".into()],
    };
    let (_, warnings) = load_config_at(&absent);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].severity, Severity::Info);
    assert!(warnings[0].message.contains("/a.json, /b.json"));
}

fn desktop() -> Environment {
    Environment {
        home: Some("/home/ann".into()),
        ..Default::default()
    }
}

#[test]
fn config_lookup_table() {
    let user = PathBuf::from("/home/ann/.config/zapbox/config.json");
    let system = PathBuf::from(paths::SYSTEM_CONFIG);
    let root = Environment {
        is_root: true,
        ..desktop()
    };
    let xdg = Environment {
        xdg_config_home: Some("/x".into()),
        ..desktop()
    };
    let cli = Path::new("/tmp/c.json");
    let all = |_: &Path| true;
    let only_system = |p: &Path| p == Path::new(paths::SYSTEM_CONFIG);
    let none = |_: &Path| false;
    assert_eq!(
        paths::find_config(&desktop(), Some(cli), none),
        ConfigLocation::Explicit(cli.into())
    );
    assert_eq!(
        paths::find_config(&desktop(), None, all),
        ConfigLocation::Found(user.clone())
    );
    assert_eq!(
        paths::find_config(&desktop(), None, only_system),
        ConfigLocation::Found(system.clone())
    );
    assert_eq!(
        paths::find_config(&root, None, all),
        ConfigLocation::Found(system.clone())
    );
    assert_eq!(
        paths::find_config(&xdg, None, all),
        ConfigLocation::Found("/x/zapbox/config.json".into())
    );
    let searched = vec![user, system];
    assert_eq!(
        paths::find_config(&desktop(), None, none),
        ConfigLocation::Absent { searched }
    );
}

#[test]
fn state_and_cache_location_table() {
    let service = Environment {
        is_root: true,
        ..desktop()
    };
    let no_home = Environment::default();
    let systemd = Environment {
        state_directory: Some("/var/lib/zapbox:/var/lib/other".into()),
        cache_directory: Some("/var/cache/zapbox-unit".into()),
        ..desktop()
    };
    let xdg = Environment {
        xdg_state_home: Some("/s".into()),
        xdg_cache_home: Some("relative/ignored".into()),
        ..desktop()
    };
    let cases: [(&Environment, &str, &str); 5] = [
        (
            &desktop(),
            "/home/ann/.local/state/zapbox/state.json",
            "/home/ann/.cache/zapbox",
        ),
        (&service, paths::SYSTEM_STATE_FILE, paths::SYSTEM_CACHE_DIR),
        (&no_home, paths::SYSTEM_STATE_FILE, paths::SYSTEM_CACHE_DIR),
        (&systemd, "/var/lib/zapbox/state.json", "/var/cache/zapbox-unit"),
        (&xdg, "/s/zapbox/state.json", "/home/ann/.cache/zapbox"),
    ];
    for (env, state, cache) in cases {
        assert_eq!(paths::state_file(env, None), Path::new(state), "{env:?}");
        assert_eq!(paths::cache_dir(env, None), Path::new(cache), "{env:?}");
    }
    let configured = Path::new("/data/state.json");
    assert_eq!(paths::state_file(&systemd, Some(configured)), configured);
}

proptest! {
    #[test]
    fn any_bytes_load_to_usable_values(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_any_contents(&bytes);
    }

    #[test]
    fn any_json_like_text_loads_to_usable_values(
        text in r#"\{( ?"(preferences|digit_timeout_ms|pin|version|playlists|volume_percent|[a-z]{1,4})": ?(null|-?[0-9]{1,6}|"[a-z0-9/:]{0,6}"|true|\{|\[|\]|\}),?){0,8}\}?"#
    ) {
        check_any_contents(text.as_bytes());
    }
}

/// Loads `bytes` as config and as state: no panic, and the results pass validation unchanged.
fn check_any_contents(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.json");
    fs::write(&path, bytes).unwrap();
    let (mut config, _) = load_config(&path);
    assert!(
        config.validate().is_empty(),
        "loaded config must already be valid"
    );
    fs::write(&path, bytes).unwrap();
    let (state, _) = load_state(&path);
    assert!(state.volume_percent <= 100);
}

/// A state file of an older version holds the PIN in clear: the first start replaces it by its
/// Argon2id hash on flash at once, and the PIN still works.
#[test]
fn a_clear_pin_is_replaced_by_its_hash_on_flash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.json");
    std::fs::write(
        &path,
        r#"{"version": 1, "parental": {"pin": "4711", "locked_channels": []}}"#,
    )
    .expect("write");
    let (mut state, warnings) = zapbox::system::load_state(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    zapbox::system::state_file::hide_clear_pin(&path, &mut state).expect("saved");
    let on_flash = std::fs::read_to_string(&path).expect("read");
    assert!(!on_flash.contains("4711"), "{on_flash}");
    let (reloaded, _) = zapbox::system::load_state(&path);
    assert_eq!(reloaded.parental.pin, None);
    let hash = reloaded.parental.pin_hash.expect("hashed");
    assert!(zapbox::core::pin_lock::verify_pin("4711", &hash));
}
