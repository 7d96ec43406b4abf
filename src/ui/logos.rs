// SPDX-License-Identifier: GPL-3.0-or-later
//! Channel logos (`tvg-logo`) for the banner: fetched once in the background with the same limits
//! as every download (http(s) only, timeouts, a size cap), kept in the cache directory so the next
//! start needs no network, and decoded on the UI thread. A logo that cannot be had leaves the
//! badge with the channel's initials.

use crate::net::http::{HttpClient, HttpLimits, HttpResponse};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest logo file accepted.
const MAX_LOGO_BYTES: u64 = 1 << 20;
/// Largest logo picture decoded (a small PNG can claim a huge size).
const MAX_LOGO_SIDE: u32 = 1024;

enum Logo {
    Loading,
    Ready(slint::Image),
    Failed,
}

/// Downloads that ended: URL and the file, or why not.
type Finished = Arc<Mutex<Vec<(String, Result<PathBuf, String>)>>>;

/// Logos by URL, for the UI thread.
pub struct Logos {
    dir: PathBuf,
    logos: HashMap<String, Logo>,
    finished: Finished,
}

impl Logos {
    /// Logos cached under `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            logos: HashMap::new(),
            finished: Arc::default(),
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
            let logo = match file.map(|f| decode(&f)) {
                Ok(Ok(image)) => Logo::Ready(image),
                Ok(Err(e)) | Err(e) => {
                    log::info!("no logo from {}: {e}", crate::net::http::redact(&url));
                    Logo::Failed
                }
            };
            self.logos.insert(url, logo);
        }
    }

    fn start(&mut self, url: &str) {
        let file = self.dir.join(format!(
            "{:016x}.logo",
            crate::net::resource::fnv1a(url.as_bytes())
        ));
        let local = url.starts_with('/').then(|| PathBuf::from(url));
        if let Some(path) = local.or_else(|| file.exists().then(|| file.clone())) {
            self.finished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((url.to_string(), Ok(path)));
            self.logos.insert(url.to_string(), Logo::Loading);
            return self.collect();
        }
        self.logos.insert(url.to_string(), Logo::Loading);
        let (url, finished) = (url.to_string(), self.finished.clone());
        let spawned = std::thread::Builder::new().name("logo".into()).spawn(move || {
            let result = download(&url, &file);
            finished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((url, result));
        });
        if let Err(e) = spawned {
            log::warn!("cannot start a logo download: {e}");
        }
    }
}

/// PNG or JPEG into an image for Slint, within the size limits.
fn decode(file: &Path) -> Result<slint::Image, String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
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

fn download(url: &str, file: &Path) -> Result<PathBuf, String> {
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
    crate::system::atomic::write_atomic(file, &bytes).map_err(|e| e.to_string())?;
    Ok(file.to_path_buf())
}
