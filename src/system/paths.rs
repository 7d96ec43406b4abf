// SPDX-License-Identifier: GPL-3.0-or-later
//! Where zapbox's files live: config file lookup, state file and cache directory defaults.
//!
//! Every decision is a pure function of an explicit [`Environment`] (and, for the config lookup,
//! an existence check passed in), so the rules are table-tested without touching the real process
//! environment. Only [`Environment::from_process`] reads the real one. No file I/O, no parsing.
//!
//! A *desktop* run is a non-root user with `$HOME` set; anything else (root, or a service without
//! a home) is a *system* run that uses the FHS locations under `/etc`, `/var/lib` and `/var/cache`.

use std::path::{Path, PathBuf};

/// The system-wide config file (installed by the board image or the operator).
pub const SYSTEM_CONFIG: &str = "/etc/zapbox/config.json";
/// State file of a system run when systemd gave no `StateDirectory=`.
pub const SYSTEM_STATE_FILE: &str = "/var/lib/zapbox/state.json";
/// Cache directory of a system run when systemd gave no `CacheDirectory=`.
pub const SYSTEM_CACHE_DIR: &str = "/var/cache/zapbox";
/// File name of the state file inside a state directory.
const STATE_FILE_NAME: &str = "state.json";
/// Directory name used under the XDG base directories.
const APP_DIR: &str = "zapbox";

/// The parts of the process environment that decide file locations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Effective user is root (root ignores `$HOME`: a box runs as root or as a service).
    pub is_root: bool,
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// `$XDG_STATE_HOME`.
    pub xdg_state_home: Option<PathBuf>,
    /// `$XDG_CACHE_HOME`.
    pub xdg_cache_home: Option<PathBuf>,
    /// `$STATE_DIRECTORY`, set by systemd's `StateDirectory=` (colon-separated list).
    pub state_directory: Option<String>,
    /// `$CACHE_DIRECTORY`, set by systemd's `CacheDirectory=` (colon-separated list).
    pub cache_directory: Option<String>,
}

impl Environment {
    /// Reads the real process environment and effective user id.
    pub fn from_process() -> Self {
        let path = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let text = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        Self {
            is_root: nix::unistd::geteuid().is_root(),
            home: path("HOME"),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_state_home: path("XDG_STATE_HOME"),
            xdg_cache_home: path("XDG_CACHE_HOME"),
            state_directory: text("STATE_DIRECTORY"),
            cache_directory: text("CACHE_DIRECTORY"),
        }
    }

    /// The home directory of a desktop run; `None` for a system run. A process that systemd
    /// gave a `StateDirectory=` is a service, whatever its `$HOME`: under the unit, `$HOME` is
    /// the writable state directory, and a config there must never win over `/etc`.
    fn desktop_home(&self) -> Option<&Path> {
        if self.is_root || self.state_directory.is_some() {
            return None;
        }
        usable(self.home.as_deref())
    }

    /// `$XDG_<kind>_HOME/zapbox`, or `~/<fallback>/zapbox`, on a desktop run.
    fn xdg_dir(&self, xdg: Option<&Path>, fallback: &str) -> Option<PathBuf> {
        let home = self.desktop_home()?;
        let base = usable(xdg).map_or_else(|| home.join(fallback), Path::to_path_buf);
        Some(base.join(APP_DIR))
    }
}

/// Which config file to load, as decided by [`find_config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigLocation {
    /// Given with `--config`: used even if missing (then that is worth a warning).
    Explicit(PathBuf),
    /// Found at one of the default places.
    Found(PathBuf),
    /// No file anywhere: defaults apply. `searched` lists the places looked at, for the message.
    Absent {
        /// The default locations that were checked, in order.
        searched: Vec<PathBuf>,
    },
}

/// The default config locations in lookup order: the user's file (desktop runs only), then the
/// system one.
pub fn config_candidates(env: &Environment) -> Vec<PathBuf> {
    let user = env.xdg_dir(env.xdg_config_home.as_deref(), ".config");
    user.map(|dir| dir.join("config.json"))
        .into_iter()
        .chain(std::iter::once(PathBuf::from(SYSTEM_CONFIG)))
        .collect()
}

/// Decides which config file to load: `--config` wins, else the first existing candidate.
pub fn find_config(env: &Environment, cli: Option<&Path>, exists: impl Fn(&Path) -> bool) -> ConfigLocation {
    if let Some(path) = cli {
        return ConfigLocation::Explicit(path.to_path_buf());
    }
    let searched = config_candidates(env);
    match searched.iter().find(|p| exists(p)) {
        Some(found) => ConfigLocation::Found(found.clone()),
        None => ConfigLocation::Absent { searched },
    }
}

/// [`find_config`] against the real environment and file system.
pub fn find_config_in_process(cli: Option<&Path>) -> ConfigLocation {
    find_config(&Environment::from_process(), cli, Path::exists)
}

/// The state file: the config's `paths.state_file` if set, else `$STATE_DIRECTORY/state.json`,
/// else `/var/lib/zapbox/state.json` for a system run, else the XDG state directory.
pub fn state_file(env: &Environment, configured: Option<&Path>) -> PathBuf {
    if let Some(path) = configured {
        return path.to_path_buf();
    }
    if let Some(dir) = first_systemd_dir(env.state_directory.as_deref()) {
        return dir.join(STATE_FILE_NAME);
    }
    env.xdg_dir(env.xdg_state_home.as_deref(), ".local/state")
        .map_or_else(|| PathBuf::from(SYSTEM_STATE_FILE), |d| d.join(STATE_FILE_NAME))
}

/// The cache directory: the config's `paths.cache_dir` if set, else `$CACHE_DIRECTORY`, else
/// `/var/cache/zapbox` for a system run, else the XDG cache directory.
pub fn cache_dir(env: &Environment, configured: Option<&Path>) -> PathBuf {
    if let Some(path) = configured {
        return path.to_path_buf();
    }
    if let Some(dir) = first_systemd_dir(env.cache_directory.as_deref()) {
        return dir;
    }
    env.xdg_dir(env.xdg_cache_home.as_deref(), ".cache")
        .unwrap_or_else(|| PathBuf::from(SYSTEM_CACHE_DIR))
}

/// First entry of a systemd `*_DIRECTORY` list (several are colon-separated when the unit names
/// several directories); empty or relative entries are ignored as systemd never sets them.
fn first_systemd_dir(list: Option<&str>) -> Option<PathBuf> {
    let first = list?.split(':').next()?;
    usable(Some(Path::new(first))).map(Path::to_path_buf)
}

/// The XDG base directory spec says empty or relative values are invalid and must be ignored;
/// the same goes for `$HOME` here, as a relative home would scatter files by working directory.
fn usable(path: Option<&Path>) -> Option<&Path> {
    path.filter(|p| p.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_empty_values_are_ignored() {
        assert_eq!(usable(Some(Path::new(""))), None);
        assert_eq!(usable(Some(Path::new("rel/dir"))), None);
        assert_eq!(first_systemd_dir(Some("")), None);
        assert_eq!(first_systemd_dir(Some("/a:/b")), Some(PathBuf::from("/a")));
    }

    #[test]
    fn root_never_uses_home() {
        let env = Environment {
            is_root: true,
            home: Some("/root".into()),
            ..Default::default()
        };
        assert_eq!(config_candidates(&env), vec![PathBuf::from(SYSTEM_CONFIG)]);
    }

    /// Under the unit (`User=zapbox`, `HOME=/var/lib/zapbox`, `StateDirectory=zapbox`), a file
    /// the app itself could write (`/var/lib/zapbox/.config/zapbox/config.json`) is never read:
    /// only `/etc/zapbox/config.json`.
    #[test]
    fn a_service_reads_only_the_system_config() {
        let env = Environment {
            is_root: false,
            home: Some("/var/lib/zapbox".into()),
            state_directory: Some("/var/lib/zapbox".into()),
            cache_directory: Some("/var/cache/zapbox".into()),
            ..Default::default()
        };
        assert_eq!(config_candidates(&env), vec![PathBuf::from(SYSTEM_CONFIG)]);
        let found = find_config(&env, None, |_| true);
        assert_eq!(found, ConfigLocation::Found(SYSTEM_CONFIG.into()));
        assert_eq!(
            state_file(&env, None),
            PathBuf::from("/var/lib/zapbox/state.json")
        );
        let desktop = Environment {
            home: Some("/home/a".into()),
            ..Default::default()
        };
        assert_eq!(
            config_candidates(&desktop).len(),
            2,
            "a desktop run has its own config"
        );
    }
}
