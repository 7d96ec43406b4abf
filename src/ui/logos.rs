// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos (`tvg-logo`) for the banner: fetched by `net::logos` (http(s) only, a size
//! cap, a fixed pool of workers), kept in the cache directory so the next start needs no network,
//! and decoded here within size limits; only a few decoded pictures are kept. A logo that cannot be
//! had leaves the badge with the channel's initials.

use crate::net::logos::{LogoError, LogoFetcher, MAX_LOGO_BYTES};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Largest logo picture decoded (a small PNG can claim a huge size).
const MAX_LOGO_SIDE: u32 = 1024;
/// Decoded logos kept (up to 4 MiB each); the oldest is forgotten beyond this.
const MAX_READY: usize = 32;
/// Logos known as failed or loading; beyond this the table is cleared (a playlist with a
/// million logo URLs must not grow it without bound).
const MAX_KNOWN: usize = 4096;

enum Logo {
    Loading,
    Ready(slint::Image),
    Failed,
}

/// Downloads that ended: URL and the file, or why not.
type Finished = Arc<Mutex<Vec<(String, Result<PathBuf, LogoError>)>>>;

/// Logos by URL, for the UI thread.
pub struct Logos {
    fetcher: LogoFetcher,
    logos: HashMap<String, Logo>,
    /// Ready logos, oldest first.
    ready: VecDeque<String>,
    finished: Finished,
}

impl Logos {
    /// Logos cached under `dir`.
    pub fn new(dir: PathBuf) -> Self {
        let finished: Finished = Arc::default();
        let sink = finished.clone();
        let fetcher = LogoFetcher::new(dir, move |url, result| {
            sink.lock().unwrap_or_else(|e| e.into_inner()).push((url, result));
        });
        Self {
            fetcher,
            logos: HashMap::new(),
            ready: VecDeque::new(),
            finished,
        }
    }

    /// The logo of `url` if it is here; otherwise starts getting it and returns `None`.
    pub fn get(&mut self, url: &str) -> Option<slint::Image> {
        self.collect();
        match self.logos.get(url) {
            Some(Logo::Ready(image)) => Some(image.clone()),
            Some(_) => None,
            None => {
                self.start(url);
                // A cached copy is ready at once.
                match self.logos.get(url) {
                    Some(Logo::Ready(image)) => Some(image.clone()),
                    _ => None,
                }
            }
        }
    }

    fn collect(&mut self) {
        let done = std::mem::take(&mut *self.finished.lock().unwrap_or_else(|e| e.into_inner()));
        for (url, file) in done {
            let decoded = match file {
                // Asked for again when it is shown again.
                Err(LogoError::Dropped) => {
                    self.logos.remove(&url);
                    continue;
                }
                Err(e) => Err(e.to_string()),
                Ok(f) => decode(&f),
            };
            match decoded {
                Ok(image) => self.insert_ready(url, image),
                Err(e) => {
                    log::info!("no logo from {}: {e}", crate::net::http::redact(&url));
                    self.logos.insert(url, Logo::Failed);
                }
            }
        }
    }

    fn insert_ready(&mut self, url: String, image: slint::Image) {
        if self.ready.len() >= MAX_READY
            && let Some(old) = self.ready.pop_front()
        {
            self.logos.remove(&old);
        }
        self.ready.push_back(url.clone());
        self.logos.insert(url, Logo::Ready(image));
    }

    fn start(&mut self, url: &str) {
        if self.logos.len() >= MAX_KNOWN {
            self.logos.retain(|_, l| matches!(l, Logo::Ready(_)));
        }
        match self.fetcher.request(url) {
            Ok(Some(file)) => {
                self.finished
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((url.to_string(), Ok(file)));
                self.logos.insert(url.to_string(), Logo::Loading);
                self.collect();
            }
            Ok(None) => {
                self.logos.insert(url.to_string(), Logo::Loading);
            }
            Err(e) => {
                log::info!("no logo from {}: {e}", crate::net::http::redact(url));
                self.logos.insert(url.to_string(), Logo::Failed);
            }
        }
    }
}

/// PNG or JPEG into an image for Slint, within the size limits.
fn decode(file: &Path) -> Result<slint::Image, String> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(file).map_err(|e| e.to_string())?,
            MAX_LOGO_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(|e| e.to_string())?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_LOGO_SIDE);
    limits.max_image_height = Some(MAX_LOGO_SIDE);
    limits.max_alloc = Some(16 << 20);
    reader.limits(limits);
    let rgba = reader
        .decode()
        .map_err(|e| format!("not a PNG or JPEG logo ({e})"))?
        .to_rgba8();
    let buffer = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
        rgba.as_raw(),
        rgba.width(),
        rgba.height(),
    );
    Ok(slint::Image::from_rgba8(buffer))
}
