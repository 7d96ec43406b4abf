// SPDX-License-Identifier: GPL-3.0-or-later
//! Getting the bytes of a playlist or guide: a local file, or an http(s) URL with an on-disk cache.
//!
//! The cache keeps the last good body per URL (atomic writes) plus its ETag/Last-Modified, so a
//! refresh costs a `304` and a box that boots without network still gets its channels. Knows
//! nothing about the M3U format; depends on `net::http` and `system::atomic` only.

use super::http::{
    GunzipError, HttpClient, HttpError, HttpLimits, HttpResponse, Validators, gunzip_if_gzip, redact,
};
use crate::system::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchedFrom {
    File(PathBuf),
    /// A fresh download.
    Network,
    /// The server confirmed (`304`) that the cached copy is current.
    CacheValidated,
    /// The network failed; this is the last good copy, saved at the given time.
    StaleCache {
        saved_at: SystemTime,
    },
}

/// Bytes of one location (decompressed) and anything worth a warning.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub from: FetchedFrom,
    /// Non-fatal trouble, e.g. "using cached copy from … because …" or a cache write failure.
    pub warnings: Vec<String>,
}

/// Why a location gave no bytes at all; messages say what to check.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("'{location}' uses the '{scheme}' scheme; give a local file path or an http(s) URL")]
    UnsupportedScheme { location: String, scheme: String },
    #[error("cannot read {}: {source}; check the path and its permissions", path.display())]
    ReadFile { path: PathBuf, source: io::Error },
    #[error("{} is larger than {limit} bytes; is it really a playlist?", path.display())]
    FileTooLarge { path: PathBuf, limit: u64 },
    #[error("{} looks gzip-compressed but cannot be unpacked ({reason})", path.display())]
    Gzip { path: PathBuf, reason: String },
    #[error(transparent)]
    Http(#[from] HttpError),
}

/// Fetches one location with a throw-away [`Fetcher`].
pub fn fetch(location: &str, cache_dir: Option<&Path>, limits: &HttpLimits) -> Result<Fetched, FetchError> {
    Fetcher::new(limits.clone(), cache_dir).fetch(location)
}

/// Fetches several locations, sharing one HTTP client (built on first URL).
#[derive(Debug)]
pub struct Fetcher {
    limits: HttpLimits,
    cache_dir: Option<PathBuf>,
    client: Option<HttpClient>,
}

impl Fetcher {
    /// A fetcher with these limits; `cache_dir` enables the download cache.
    pub fn new(limits: HttpLimits, cache_dir: Option<&Path>) -> Self {
        // Cache writes cut short by a power cut left their temporary files there.
        if let Some(dir) = cache_dir {
            crate::system::atomic::remove_stale_temps(dir);
        }
        Self {
            limits,
            cache_dir: cache_dir.map(Path::to_path_buf),
            client: None,
        }
    }

    /// Whether downloads are cached on disk (and [`Fetcher::fetch_to_file`] can be used).
    pub fn has_cache(&self) -> bool {
        self.cache_dir.is_some()
    }

    /// The bytes behind `location`: a local path, or an `http(s)://` URL.
    pub fn fetch(&mut self, location: &str) -> Result<Fetched, FetchError> {
        match url_scheme(location) {
            None => self.read_file(Path::new(location)),
            Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
                self.fetch_url(location)
            }
            Some(s) => Err(FetchError::UnsupportedScheme {
                location: redact(location),
                scheme: s.to_owned(),
            }),
        }
    }

    fn read_file(&self, path: &Path) -> Result<Fetched, FetchError> {
        let bytes = read_capped(path, self.limits.max_bytes)?;
        let bytes = gunzip_if_gzip(bytes, self.limits.max_bytes).map_err(|e| match e {
            GunzipError::TooLarge => FetchError::FileTooLarge {
                path: path.to_owned(),
                limit: self.limits.max_bytes,
            },
            GunzipError::Corrupt(reason) => FetchError::Gzip {
                path: path.to_owned(),
                reason,
            },
        })?;
        Ok(Fetched {
            bytes,
            from: FetchedFrom::File(path.to_owned()),
            warnings: Vec::new(),
        })
    }

    fn client(&mut self) -> Result<&HttpClient, HttpError> {
        if self.client.is_none() {
            self.client = Some(HttpClient::new(self.limits.clone())?);
        }
        self.client
            .as_ref()
            .ok_or_else(|| HttpError::Client("client missing".into()))
    }

    fn fetch_url(&mut self, url: &str) -> Result<Fetched, FetchError> {
        let cache = self.cache_dir.as_deref().map(|d| CacheSlot::new(d, url));
        let cached = cache.as_ref().and_then(|c| c.load(url, self.limits.max_bytes));
        let validators = cached.as_ref().map(|(meta, _)| meta.validators.clone());
        let result = self.client().and_then(|c| c.get(url, validators.as_ref()));
        match (result, cached) {
            (Ok(HttpResponse::Body { bytes, validators }), _) => {
                let warnings = cache
                    .map(|c| c.store(url, &bytes, validators))
                    .and_then(Result::err)
                    .into_iter()
                    .collect();
                Ok(Fetched {
                    bytes,
                    from: FetchedFrom::Network,
                    warnings,
                })
            }
            (Ok(HttpResponse::NotModified), Some((_, bytes))) => Ok(Fetched {
                bytes,
                from: FetchedFrom::CacheValidated,
                warnings: Vec::new(),
            }),
            (Ok(HttpResponse::NotModified), None) => Err(HttpError::Read {
                url: redact(url),
                reason: "unexpected 304 Not Modified without a cached copy".into(),
            }
            .into()),
            (Err(e), Some((meta, bytes))) => {
                let saved_at = UNIX_EPOCH + Duration::from_secs(meta.saved_at);
                let warning = format!("using cached copy from {} because {e}", format_utc(meta.saved_at));
                Ok(Fetched {
                    bytes,
                    from: FetchedFrom::StaleCache { saved_at },
                    warnings: vec![warning],
                })
            }
            (Err(e), None) => Err(e.into()),
        }
    }
}

/// A body streamed into the download cache (guides: hundreds of MB never sit in memory).
#[derive(Debug, Clone)]
pub struct FetchedFile {
    /// The cached body, as sent (possibly `.gz` or `.xz`).
    pub path: PathBuf,
    pub from: FetchedFrom,
    pub warnings: Vec<String>,
}

impl Fetcher {
    /// Downloads the `http(s)://` URL `url` into the cache directory, streaming (at most
    /// `max_bytes`), and returns the file; falls back to the cached copy when the network fails.
    /// Needs a cache directory; without one, use [`Fetcher::fetch`].
    pub fn fetch_to_file(&mut self, url: &str) -> Result<FetchedFile, FetchError> {
        let scheme = url_scheme(url).unwrap_or("");
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return Err(FetchError::UnsupportedScheme {
                location: redact(url),
                scheme: scheme.to_owned(),
            });
        }
        let Some(dir) = self.cache_dir.clone() else {
            return Err(FetchError::Http(HttpError::Client(
                "no cache directory to download into".into(),
            )));
        };
        let slot = CacheSlot::new(&dir, url);
        let cached = slot.load_meta(url);
        let validators = cached.as_ref().map(|m| m.validators.clone());
        std::fs::create_dir_all(&dir).map_err(|source| FetchError::ReadFile {
            path: dir.clone(),
            source,
        })?;
        let tmp = crate::system::atomic::temp_path(&slot.body).map_err(|source| FetchError::ReadFile {
            path: slot.body.clone(),
            source,
        })?;
        let result = self.client().and_then(|c| {
            let mut file = File::create_new(&tmp).map_err(|e| HttpError::Read {
                url: redact(url),
                reason: format!("cannot create {}: {e}", tmp.display()),
            })?;
            let store_error = |e: io::Error| HttpError::Read {
                url: redact(url),
                reason: format!("cannot store the body: {e}"),
            };
            let mut writer = io::BufWriter::with_capacity(256 << 10, &mut file);
            let got = c.get_into(url, validators.as_ref(), &mut writer)?;
            io::Write::flush(&mut writer).map_err(store_error)?;
            drop(writer);
            file.sync_all().map_err(store_error)?;
            Ok(got)
        });
        let outcome = match (result, cached) {
            (Ok(Some(validators)), _) => {
                let warnings = slot.commit(url, &tmp, validators).err().into_iter().collect();
                Ok(FetchedFile {
                    path: slot.body.clone(),
                    from: FetchedFrom::Network,
                    warnings,
                })
            }
            (Ok(None), Some(_)) => Ok(FetchedFile {
                path: slot.body.clone(),
                from: FetchedFrom::CacheValidated,
                warnings: Vec::new(),
            }),
            (Ok(None), None) => Err(HttpError::Read {
                url: redact(url),
                reason: "unexpected 304 Not Modified without a cached copy".into(),
            }
            .into()),
            (Err(e), Some(meta)) => Ok(FetchedFile {
                path: slot.body.clone(),
                from: FetchedFrom::StaleCache {
                    saved_at: UNIX_EPOCH + Duration::from_secs(meta.saved_at),
                },
                warnings: vec![format!(
                    "using cached copy from {} because {e}",
                    format_utc(meta.saved_at)
                )],
            }),
            (Err(e), None) => Err(e.into()),
        };
        let _ = std::fs::remove_file(&tmp);
        outcome
    }
}

/// The scheme of `location` when it looks like `scheme://…` (a path never does).
fn url_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once("://")?;
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, FetchError> {
    let read_err = |source| FetchError::ReadFile {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    // Sized from the file length (bounded by the cap) so a large list is not copied while growing.
    let hint = file.metadata().map_or(0, |m| m.len()).min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > limit {
        return Err(FetchError::FileTooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// What is stored next to a cached body.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CacheMeta {
    /// The full URL, to rule out hash collisions.
    url: String,
    #[serde(flatten)]
    validators: Validators,
    /// Seconds since the Unix epoch when the body was downloaded.
    saved_at: u64,
}

/// The two cache files of one URL: `<hash>.body` and `<hash>.json`.
struct CacheSlot {
    body: PathBuf,
    meta: PathBuf,
}

impl CacheSlot {
    fn new(dir: &Path, url: &str) -> Self {
        let name = format!("{:016x}", fnv1a(url.as_bytes()));
        Self {
            body: dir.join(format!("{name}.body")),
            meta: dir.join(format!("{name}.json")),
        }
    }

    /// The cached metadata and body, when both exist, match `url`, and are readable.
    fn load(&self, url: &str, limit: u64) -> Option<(CacheMeta, Vec<u8>)> {
        let meta: CacheMeta = serde_json::from_slice(&std::fs::read(&self.meta).ok()?).ok()?;
        if meta.url != url {
            return None; // hash collision, or a hand-edited cache
        }
        let body = read_capped(&self.body, limit).ok()?;
        Some((meta, body))
    }

    /// The metadata of a cached body that exists and belongs to `url`.
    fn load_meta(&self, url: &str) -> Option<CacheMeta> {
        let meta: CacheMeta = serde_json::from_slice(&read_capped(&self.meta, 64 << 10).ok()?).ok()?;
        (meta.url == url && self.body.is_file()).then_some(meta)
    }

    /// Renames a downloaded (and synced) temporary body into place, then saves the metadata.
    fn commit(&self, url: &str, tmp: &Path, validators: Validators) -> Result<(), String> {
        let json = meta_json(url, validators)?;
        let dir = self.body.parent().unwrap_or(Path::new("."));
        std::fs::rename(tmp, &self.body)
            .and_then(|()| File::open(dir)?.sync_all())
            .and_then(|()| write_atomic(&self.meta, &json))
            .map_err(|e| format!("cannot update the cache in {}: {e}", dir.display()))
    }

    /// Saves body then metadata; the error is a warning message (the download itself is fine).
    fn store(&self, url: &str, bytes: &[u8], validators: Validators) -> Result<(), String> {
        let json = meta_json(url, validators)?;
        write_atomic(&self.body, bytes)
            .and_then(|()| write_atomic(&self.meta, &json))
            .map_err(|e| {
                format!(
                    "cannot update the cache in {}: {e}; the next start without network will have no copy",
                    self.body
                        .parent()
                        .map_or_else(String::new, |p| p.display().to_string())
                )
            })
    }
}

/// FNV-1a, 64 bit: stable across Rust versions (unlike `DefaultHasher`), so cache names survive upgrades.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `YYYY-MM-DD HH:MM UTC`.
pub fn format_utc(unix_secs: u64) -> String {
    i64::try_from(unix_secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(
            || format!("{unix_secs} s after 1970"),
            |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

/// The cache's metadata file for `url`, stamped now.
fn meta_json(url: &str, validators: Validators) -> Result<Vec<u8>, String> {
    let saved_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let meta = CacheMeta {
        url: url.to_owned(),
        validators,
        saved_at,
    };
    serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400 + 3_723), "2000-02-29 01:02 UTC");
        assert_eq!(format_utc(1_767_225_599), "2025-12-31 23:59 UTC");
    }

    #[test]
    fn schemes_and_paths() {
        assert_eq!(url_scheme("http://x/a.m3u"), Some("http"));
        assert_eq!(url_scheme("/srv/a.m3u"), None);
        assert_eq!(url_scheme("lists/a://b"), None);
        let err = fetch("file:///etc/passwd", None, &HttpLimits::default()).unwrap_err();
        assert!(err.to_string().contains("'file' scheme"), "{err}");
        assert!(matches!(
            fetch("ftp://x/a", None, &HttpLimits::default()),
            Err(FetchError::UnsupportedScheme { .. })
        ));
    }

    #[test]
    fn local_files_are_read_capped_and_gunzipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.m3u.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"#EXTM3U\n").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let got = fetch(path.to_str().unwrap(), None, &HttpLimits::default()).unwrap();
        assert_eq!(got.bytes, b"#EXTM3U\n");
        let small = HttpLimits {
            max_bytes: 4,
            ..HttpLimits::default()
        };
        assert!(matches!(
            fetch(path.to_str().unwrap(), None, &small),
            Err(FetchError::FileTooLarge { .. })
        ));
        let missing = fetch("/nonexistent/zapbox.m3u", None, &small).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("cannot read /nonexistent/zapbox.m3u")
        );
    }
}
