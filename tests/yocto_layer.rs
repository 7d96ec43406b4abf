// SPDX-License-Identifier: GPL-3.0-or-later
//! The Yocto layer's crate list (`yocto-layer/recipes-multimedia/zapbox/zapbox-crates.inc`) must be
//! exactly the crates.io packages of `Cargo.lock` with their checksums: bitbake builds offline
//! (`cargo build --frozen`) from that list, so a crate missing or with another version breaks the
//! image build long after the change. Also checks the layer's basic shape (layer.conf, recipe).

use std::collections::BTreeSet;
use std::path::Path;

const REGENERATE: &str = "yocto-layer/scripts/update-crates-inc";

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// `(name, version, checksum)` of every crates.io package in a Cargo.lock (its TOML is flat enough
/// to read line by line: `[[package]]` blocks of `key = "value"` lines).
fn lock_crates(lock: &str) -> BTreeSet<(String, String, String)> {
    let mut found = BTreeSet::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once(" = ")?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        if field("source").is_some_and(|s| s.contains("crates.io")) {
            let name = field("name").unwrap_or_default();
            let version = field("version").unwrap_or_default();
            found.insert((name, version, field("checksum").unwrap_or_default()));
        }
    }
    found
}

/// The same triples from the `.inc`: `crate://crates.io/NAME/VERSION` entries and
/// `SRC_URI[NAME-VERSION.sha256sum] = "..."` lines.
fn inc_crates(inc: &str) -> BTreeSet<(String, String, String)> {
    let mut uris = Vec::new();
    let mut sums = std::collections::BTreeMap::new();
    for line in inc.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("crate://crates.io/") {
            let path = rest.split([';', ' ']).next().unwrap_or("");
            if let Some((name, version)) = path.split_once('/') {
                uris.push((name.to_string(), version.to_string()));
            }
        } else if let Some(rest) = line.strip_prefix("SRC_URI[")
            && let Some((key, value)) = rest.split_once(".sha256sum] = ")
        {
            sums.insert(key.to_string(), value.trim_matches('"').to_string());
        }
    }
    uris.into_iter()
        .map(|(name, version)| {
            let sum = sums
                .get(&format!("{name}-{version}"))
                .cloned()
                .unwrap_or_default();
            (name, version, sum)
        })
        .collect()
}

#[test]
fn the_crates_inc_matches_cargo_lock() {
    let lock = lock_crates(&read("Cargo.lock"));
    let inc = inc_crates(&read("yocto-layer/recipes-multimedia/zapbox/zapbox-crates.inc"));
    assert!(lock.len() > 100, "Cargo.lock read wrongly: {} crates", lock.len());
    let missing: Vec<_> = lock.difference(&inc).collect();
    let extra: Vec<_> = inc.difference(&lock).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "zapbox-crates.inc disagrees with Cargo.lock; run {REGENERATE}\n\
         in Cargo.lock, not in the .inc (name, version, sha256): {missing:#?}\n\
         in the .inc, not in Cargo.lock: {extra:#?}"
    );
}

/// `(name, commit)` of every crate that Cargo.lock takes from git.
fn lock_git_crates(lock: &str) -> BTreeSet<(String, String)> {
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|block| {
            let field = |key: &str| {
                block.lines().find_map(|l| {
                    let (k, v) = l.split_once(" = ")?;
                    (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
                })
            };
            let source = field("source").filter(|s| s.starts_with("git+"))?;
            let commit = source.rsplit_once('#')?.1.to_string();
            Some((field("name")?, commit))
        })
        .collect()
}

#[test]
fn git_dependencies_are_fetched_by_the_recipe() {
    let inc = read("yocto-layer/recipes-multimedia/zapbox/zapbox-crates.inc");
    for (name, commit) in lock_git_crates(&read("Cargo.lock")) {
        let key = name.replace('-', "_");
        assert!(
            inc.contains(&format!("name={key};")) && inc.contains("type=git-dependency"),
            "git crate {name} has no type=git-dependency SRC_URI entry; run {REGENERATE}"
        );
        assert!(
            inc.contains(&format!("SRCREV_{key} = \"{commit}\"")),
            "git crate {name}: SRCREV_{key} is not {commit}; run {REGENERATE}"
        );
    }
    let lock = "[[package]]\nname = \"foo-bar\"\nversion = \"0.1.0\"\nsource = \"git+https://example.org/foo?branch=main#abc123\"\n";
    assert_eq!(
        lock_git_crates(lock),
        BTreeSet::from([("foo-bar".to_string(), "abc123".to_string())])
    );
}

#[test]
fn the_comparison_sees_a_changed_version_and_checksum() {
    let lock = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"11\"\n\n[[package]]\nname = \"zapbox\"\nversion = \"0.1.0\"\n";
    let inc = "SRC_URI += \" \\\n    crate://crates.io/a/1.0.0;name=a-1.0.0 \\\n\"\nSRC_URI[a-1.0.0.sha256sum] = \"11\"\n";
    assert_eq!(lock_crates(lock), inc_crates(inc));
    assert_ne!(lock_crates(lock), inc_crates(&inc.replace("\"11\"", "\"12\"")));
    assert_ne!(lock_crates(&lock.replace("1.0.0", "1.0.1")), inc_crates(inc));
}

#[test]
fn the_layer_declares_wrynose_and_the_recipe_uses_the_cargo_classes() {
    let conf = read("yocto-layer/conf/layer.conf");
    assert!(conf.contains("LAYERSERIES_COMPAT_zapbox = \"wrynose\""));
    assert!(conf.contains("LAYERDEPENDS_zapbox = \"core openembedded-layer\""));
    let recipe = read("yocto-layer/recipes-multimedia/zapbox/zapbox_git.bb");
    assert!(recipe.contains("inherit cargo cargo-update-recipe-crates pkgconfig systemd"));
    assert!(recipe.contains("require ${BPN}-crates.inc"));
    for file in ["README", "SECURITY.md", "recipes-core/images/zapbox-image.bb"] {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("yocto-layer")
                .join(file)
                .is_file(),
            "{file}"
        );
    }
}

/// `(override, board)` of every `ZAPBOX_BOARD:<override> = "<board>"` line, and the default.
fn recipe_boards(recipe: &str) -> (Option<String>, Vec<(String, String)>) {
    let mut default = None;
    let mut mapped = Vec::new();
    for line in recipe.lines().map(str::trim) {
        let Some((key, value)) = line.split_once(" = ").or_else(|| line.split_once(" ?= ")) else {
            continue;
        };
        let value = value.trim_matches('"').to_string();
        match key.strip_prefix("ZAPBOX_BOARD") {
            Some("") => default = Some(value),
            Some(rest) => {
                if let Some(machine) = rest.strip_prefix(':') {
                    mapped.push((machine.to_string(), value));
                }
            }
            None => {}
        }
    }
    (default, mapped)
}

#[test]
fn the_layer_knows_every_supported_board_and_no_other() {
    use zapbox::system::board::Board;
    let recipe = read("yocto-layer/recipes-multimedia/zapbox/zapbox_git.bb");
    let (default, mapped) = recipe_boards(&recipe);
    assert_eq!(default.as_deref(), Some(Board::Pc.name()));
    for (machine, board) in &mapped {
        assert!(
            Board::from_name(board).is_some(),
            "ZAPBOX_BOARD:{machine} = {board}: not a supported board"
        );
    }
    let kas = Path::new(env!("CARGO_MANIFEST_DIR")).join("yocto-layer/kas");
    let readme = read("yocto-layer/README");
    for board in Board::ALL.into_iter().filter(|b| *b != Board::Pc) {
        assert!(
            mapped.iter().any(|(_, b)| b == board.name()),
            "{board}: no MACHINE maps to it in the recipe"
        );
        assert!(
            kas.join(format!("{board}.yml")).is_file(),
            "{board}: no kas/{board}.yml"
        );
        assert!(
            readme
                .lines()
                .any(|l| l.trim_end().ends_with(&format!(" {board}"))),
            "{board}: missing from the README's board table"
        );
    }
    let kas_files: Vec<String> = std::fs::read_dir(&kas)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| !["common.yml", "local-source.yml"].contains(&f.as_str()))
        .collect();
    for file in kas_files {
        let name = file.trim_end_matches(".yml");
        assert!(
            Board::from_name(name).is_some(),
            "kas/{file} is not a supported board"
        );
    }
}

#[test]
fn the_recipe_installs_the_shared_board_files() {
    let recipe = read("yocto-layer/recipes-multimedia/zapbox/zapbox_git.bb");
    for wanted in [
        "${S}/board/udev/70-zapbox-remote.rules",
        "${S}/board/udev/load-rc-keymaps ${D}${libexecdir}/zapbox/load-rc-keymaps",
        "${S}/board/rc_keymaps/$keymap.toml ${D}${sysconfdir}/rc_keymaps/$keymap.toml",
        ".get(\"remote\", {}).get(\"rc_keymaps\", [])",
    ] {
        assert!(recipe.contains(wanted), "the recipe lacks {wanted}");
    }
}

#[test]
fn the_recipe_board_parser_sees_defaults_and_overrides() {
    let recipe = "ZAPBOX_BOARD ?= \"pc\"\nZAPBOX_BOARD:rk3588 = \"rockchip-rk3588\"\nOTHER = \"x\"\n";
    assert_eq!(
        recipe_boards(recipe),
        (
            Some("pc".to_string()),
            vec![("rk3588".to_string(), "rockchip-rk3588".to_string())]
        )
    );
}
