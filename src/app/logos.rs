// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos (`tvg-logo`) for `Effect::LoadLogo`, on a thread of their own: fetched once with
//! the same limits as every download, kept in the cache directory so the next start needs no
//! network, decoded (PNG or JPEG, within size limits) and scaled down to badge size, then posted
//! back as `Event::LogoLoaded`. A logo that cannot be had is posted as `None`: the badge keeps the
//! channel's initials.
//!
//! A logo URL comes from a playlist, that is from a stranger, so the rules are enforced here and
//! not by the caller: `http(s)://` only (never a local path: `/dev/zero` would fill memory, a FIFO
//! or an evdev node would block), a size cap on the download and on the cached file read back,
//! short timeouts, one thread with one HTTP client whatever the number of URLs, and a bounded
//! queue: beyond [`MAX_WAITING`] requests the oldest is answered `None` at once (the viewer has
//! zapped past it), the newest is fetched first.

use super::Inbox;
use crate::core::{Event, Picture};
use crate::lineup::is_http_url;
use crate::net::http::{HttpClient, HttpLimits, HttpResponse};
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Largest logo file accepted.
pub const MAX_LOGO_BYTES: u64 = 1 << 20;
/// Requests waiting for the fetcher; the oldest is answered `None` beyond this.
pub const MAX_WAITING: usize = 32;
/// Largest logo picture decoded (a small PNG can claim a huge size).
const MAX_LOGO_SIDE: u32 = 1024;
/// Logos are kept at most this large: the banner's badge is smaller.
const BADGE_SIDE: u32 = 256;

#[derive(Default)]
struct Queue {
    waiting: VecDeque<String>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// Handle to the logo thread; it ends after its current download when this is dropped.
pub struct LogoFetcher {
    shared: Arc<Shared>,
    inbox: Inbox,
}

impl LogoFetcher {
    /// A fetcher that caches downloads under `dir`.
    pub fn start(inbox: Inbox, dir: PathBuf) -> std::io::Result<Self> {
        // Downloads cut short by a power cut left their temporary files there.
        crate::system::atomic::remove_stale_temps(&dir);
        let shared = Arc::new(Shared::default());
        let (queue, answers) = (shared.clone(), inbox.clone());
        std::thread::Builder::new().name("logos".into()).spawn(move || {
            let client = HttpClient::new(HttpLimits {
                connect_timeout: Duration::from_secs(5),
                timeout: Duration::from_secs(15),
                max_bytes: MAX_LOGO_BYTES,
                ..HttpLimits::default()
            })
            .map_err(|e| log::warn!("no logo downloads: {e}"))
            .ok();
            while let Some(url) = next(&queue) {
                let picture = fetch(&url, &dir, client.as_ref()).map_err(|e| {
                    log::info!("no logo from {}: {e}", crate::net::http::redact(&url));
                });
                answers.post(Event::LogoLoaded {
                    url,
                    picture: picture.ok(),
                });
            }
        })?;
        Ok(Self { shared, inbox })
    }

    /// Queues `url`; the answer comes as `Event::LogoLoaded`. Anything but `http(s)://` is
    /// answered `None` at once, without touching the disk or the network.
    pub fn request(&self, url: String) {
        if !is_http_url(&url) {
            log::info!(
                "logo '{}' is not http(s); not fetched",
                crate::net::http::redact(&url)
            );
            return self.inbox.post(Event::LogoLoaded { url, picture: None });
        }
        let dropped = {
            let mut queue = self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if queue.waiting.contains(&url) {
                return;
            }
            queue.waiting.push_back(url);
            (queue.waiting.len() > MAX_WAITING)
                .then(|| queue.waiting.pop_front())
                .flatten()
        };
        self.shared.wake.notify_one();
        if let Some(url) = dropped {
            self.inbox.post(Event::LogoLoaded { url, picture: None });
        }
    }
}

impl Drop for LogoFetcher {
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.shared.wake.notify_all();
    }
}

/// The next URL to fetch, newest first (the logo on screen now matters more than one zapped
/// past); `None` once the fetcher is dropped.
fn next(shared: &Shared) -> Option<String> {
    let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if queue.closed {
            return None;
        }
        if let Some(url) = queue.waiting.pop_back() {
            return Some(url);
        }
        queue = shared.wake.wait(queue).unwrap_or_else(PoisonError::into_inner);
    }
}

/// The cached copy, else a download; then the decoded picture.
fn fetch(url: &str, dir: &Path, client: Option<&HttpClient>) -> Result<Picture, String> {
    if !is_http_url(url) {
        return Err("only http(s) logos are fetched".into());
    }
    let file = dir.join(format!(
        "{:016x}.logo",
        crate::net::resource::fnv1a(url.as_bytes())
    ));
    if !file.is_file() {
        download(url, &file, client.ok_or("no HTTP client")?)?;
    }
    decode(&file)
}

/// PNG or JPEG into RGBA within the size limits, scaled down to badge size.
fn decode(file: &Path) -> Result<Picture, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_LOGO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_LOGO_BYTES {
        return Err(format!("logo larger than {MAX_LOGO_BYTES} bytes"));
    }
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

fn download(url: &str, file: &Path, client: &HttpClient) -> Result<(), String> {
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
        assert!(fetch(&file.to_string_lossy(), dir.path(), None).is_err());
        std::fs::write(dir.path().join("junk.png"), b"not a picture").expect("written");
        assert!(decode(&dir.path().join("junk.png")).is_err());
    }

    /// A cached file larger than the cap (put there by anything but the fetcher) is not read
    /// whole: `take` stops at the cap.
    #[test]
    fn an_oversized_cached_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("huge.logo");
        std::fs::write(&file, vec![0u8; (MAX_LOGO_BYTES + 10) as usize]).expect("written");
        assert!(decode(&file).unwrap_err().contains("larger than"));
    }
}
