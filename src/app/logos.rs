// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos (`tvg-logo`) for `Effect::LoadLogo`, on a thread of their own: fetched once with
//! the same limits as every download (`http(s)://` only, timeouts, a size cap), kept in the cache
//! directory so the next start needs no network, decoded (PNG or JPEG, within size limits) and
//! scaled down to badge size, then posted back as `Event::LogoLoaded`. A logo that cannot be had
//! is posted as `None`: the badge keeps the channel's initials.

use super::Inbox;
use crate::core::{Event, Picture};
use crate::net::http::{HttpClient, HttpLimits, HttpResponse};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Largest logo file accepted.
const MAX_LOGO_BYTES: u64 = 1 << 20;
/// Largest logo picture decoded (a small PNG can claim a huge size).
const MAX_LOGO_SIDE: u32 = 1024;
/// Logos are kept at most this large: the banner's badge is smaller.
const BADGE_SIDE: u32 = 256;

/// Handle to the logo thread; it ends when this is dropped.
pub struct LogoFetcher {
    tx: mpsc::Sender<String>,
}

impl LogoFetcher {
    /// A fetcher that caches downloads under `dir`.
    pub fn start(inbox: Inbox, dir: PathBuf) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::Builder::new().name("logos".into()).spawn(move || {
            while let Ok(url) = rx.recv() {
                let picture = fetch(&url, &dir).map_err(|e| {
                    log::info!("no logo from {}: {e}", crate::net::http::redact(&url));
                });
                inbox.post(Event::LogoLoaded {
                    url,
                    picture: picture.ok(),
                });
            }
        })?;
        Ok(Self { tx })
    }

    pub fn request(&self, url: String) {
        let _ = self.tx.send(url);
    }
}

/// The cached copy, else a download; then the decoded picture.
fn fetch(url: &str, dir: &Path) -> Result<Picture, String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err("only http(s) logos are fetched".into());
    }
    let file = dir.join(format!(
        "{:016x}.logo",
        crate::net::resource::fnv1a(url.as_bytes())
    ));
    if !file.exists() {
        download(url, &file)?;
    }
    decode(&file)
}

/// PNG or JPEG into RGBA within the size limits, scaled down to badge size.
fn decode(file: &Path) -> Result<Picture, String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    limits.max_alloc = Some(16 << 20);
    reader.limits(limits);
    let mut decoded = reader
        .decode()
        .map_err(|e| format!("not a PNG or JPEG logo ({e})"))?;
    if decoded.width() > BADGE_SIDE || decoded.height() > BADGE_SIDE {
        decoded = decoded.thumbnail(BADGE_SIDE, BADGE_SIDE);
    }
    let rgba = decoded.to_rgba8();
    Ok(Picture {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw().into(),
    })
}

fn download(url: &str, file: &Path) -> Result<(), String> {
    let limits = HttpLimits {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(15),
        max_bytes: MAX_LOGO_BYTES,
        ..HttpLimits::default()
    };
    let client = HttpClient::new(limits).map_err(|e| e.to_string())?;
    let HttpResponse::Body { bytes, .. } = client.get(url, None).map_err(|e| e.to_string())? else {
        return Err("the server sent no body".into());
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    crate::system::atomic::write_atomic(file, &bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_logo_is_scaled_down_and_a_local_path_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("big.png");
        image::RgbaImage::from_pixel(800, 400, image::Rgba([200, 10, 10, 255]))
            .save(&file)
            .expect("png written");
        let picture = decode(&file).expect("decodes");
        assert_eq!((picture.width, picture.height), (256, 128));
        assert_eq!(picture.rgba.len(), 256 * 128 * 4);
        assert!(fetch(&file.to_string_lossy(), dir.path()).is_err());
        std::fs::write(dir.path().join("junk.png"), b"not a picture").expect("written");
        assert!(decode(&dir.path().join("junk.png")).is_err());
    }
}
