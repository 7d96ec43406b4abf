// SPDX-License-Identifier: GPL-3.0-or-later
//! Small blocking HTTP(S) GET for playlists and guides, with hard limits.
//!
//! Owns the reqwest client setup (rustls on ring), timeouts, the redirect cap, the response size
//! cap (counted while streaming, never trusting `Content-Length`), gzip (transfer encoding and
//! `.gz` bodies) and conditional requests. Knows nothing about playlists or caches; must not be
//! used from the UI thread (it blocks).

use flate2::read::MultiGzDecoder;
use reqwest::blocking::{Client, Response};
use reqwest::header::{CONTENT_LENGTH, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{StatusCode, redirect};
use serde::{Deserialize, Serialize};
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// Limits applied to every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
    pub max_redirects: usize,
    /// Largest body accepted, after decompression (so a gzip bomb is cut off too).
    pub max_bytes: u64,
    pub user_agent: String,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_redirects: 5,
            max_bytes: 64 << 20,
            user_agent: concat!("zapbox/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// Cache validators from a previous response, sent back to get `304 Not Modified`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpResponse {
    /// A new body (already decompressed) and its validators.
    Body { bytes: Vec<u8>, validators: Validators },
    /// The server says the copy matching the validators sent is still current.
    NotModified,
}

/// Why a request failed; every message ends with what to check or do.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum HttpError {
    #[error("'{url}' is not a usable http(s) URL ({reason}); check the address")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot set up the HTTP client ({0}); check the TLS setup of this build")]
    Client(String),
    #[error("cannot connect to {url} ({reason}); check the network, DNS and the address")]
    Connect { url: String, reason: String },
    #[error("{url} did not answer completely within {seconds} s; check the network or try again later")]
    Timeout { url: String, seconds: u64 },
    #[error("{url} redirected more than {max} times; the address is probably outdated, ask the provider")]
    TooManyRedirects { url: String, max: usize },
    #[error("{url} answered HTTP {status}; check the address and any credentials in it")]
    Status { url: String, status: u16 },
    #[error("{url} sent more than {limit} bytes; refusing it (wrong address, or raise the size limit)")]
    TooLarge { url: String, limit: u64 },
    #[error("reading {url} failed ({reason}); try again later")]
    Read { url: String, reason: String },
    #[error("{url} sent gzip data that cannot be unpacked ({reason}); the file is damaged, ask the provider")]
    Gzip { url: String, reason: String },
}

/// A reusable client; create one per batch of downloads.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client,
    limits: HttpLimits,
    /// Sent with every request (a playlist's referrer and `|Header=value` pairs).
    headers: Vec<(String, String)>,
}

impl HttpClient {
    /// Builds a client with `limits`; installs the ring TLS provider on first use.
    pub fn new(limits: HttpLimits) -> Result<Self, HttpError> {
        // Fails only when a provider is already installed, which is what we want anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(redirect::Policy::limited(limits.max_redirects))
            .gzip(true)
            .user_agent(limits.user_agent.clone())
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Self {
            client,
            limits,
            headers: Vec::new(),
        })
    }

    /// The same client sending `headers` with every request.
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }

    /// The limits this client enforces.
    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }

    /// GETs `url`, sending `validators` as `If-None-Match`/`If-Modified-Since` when given.
    pub fn get(&self, url: &str, validators: Option<&Validators>) -> Result<HttpResponse, HttpError> {
        let mut bytes = Vec::new();
        let Some(validators) = self.get_into(url, validators, &mut bytes)? else {
            return Ok(HttpResponse::NotModified);
        };
        let shown = redact(url);
        let bytes = gunzip_if_gzip(bytes, self.limits.max_bytes).map_err(|e| match e {
            GunzipError::TooLarge => HttpError::TooLarge {
                url: shown.clone(),
                limit: self.limits.max_bytes,
            },
            GunzipError::Corrupt(reason) => HttpError::Gzip {
                url: shown.clone(),
                reason,
            },
        })?;
        Ok(HttpResponse::Body { bytes, validators })
    }

    /// GETs `url` and streams the body (after any `Content-Encoding`, at most `max_bytes`) into
    /// `out`, so a large guide never sits in memory; the body is not unpacked further (a `.gz`
    /// or `.xz` stays as sent). Returns the new validators, or `None` for `304 Not Modified`.
    pub fn get_into(
        &self,
        url: &str,
        validators: Option<&Validators>,
        out: &mut dyn io::Write,
    ) -> Result<Option<Validators>, HttpError> {
        let shown = redact(url);
        let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&shown, e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid(
                &shown,
                format!("scheme '{}' is not http or https", parsed.scheme()),
            ));
        }
        let deadline = Instant::now() + self.limits.timeout;
        let mut request = self.client.get(parsed);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag.as_str());
            }
            if let Some(date) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date.as_str());
            }
        }
        let mut response = request.send().map_err(|e| self.classify(&shown, &e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(HttpError::Status {
                url: shown,
                status: status.as_u16(),
            });
        }
        let validators = validators_of(response.headers());
        self.read_body(&mut response, &shown, deadline, out)?;
        Ok(Some(validators))
    }

    /// Copies the body into `out`, stopping as soon as it passes the size cap or the overall
    /// deadline.
    fn read_body(
        &self,
        response: &mut Response,
        url: &str,
        deadline: Instant,
        out: &mut dyn io::Write,
    ) -> Result<(), HttpError> {
        let limit = self.limits.max_bytes;
        let too_large = || HttpError::TooLarge {
            url: url.to_owned(),
            limit,
        };
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large()); // early refusal only; the real check is while reading
        }
        let mut written = 0u64;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if Instant::now() > deadline {
                return Err(self.timeout(url));
            }
            let n = match response.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(url, e)),
            };
            written += n as u64;
            if written > limit {
                return Err(too_large());
            }
            out.write_all(chunk.get(..n).unwrap_or(&[]))
                .map_err(|e| HttpError::Read {
                    url: url.to_owned(),
                    reason: format!("cannot store the body: {e}"),
                })?;
        }
    }

    fn timeout(&self, url: &str) -> HttpError {
        HttpError::Timeout {
            url: url.to_owned(),
            seconds: self.limits.timeout.as_secs(),
        }
    }

    fn read_error(&self, url: &str, e: io::Error) -> HttpError {
        let inner_timeout = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<reqwest::Error>())
            .is_some_and(|r| r.is_timeout());
        if e.kind() == io::ErrorKind::TimedOut || inner_timeout {
            return self.timeout(url);
        }
        HttpError::Read {
            url: url.to_owned(),
            reason: e.to_string(),
        }
    }

    fn classify(&self, url: &str, e: &reqwest::Error) -> HttpError {
        if e.is_timeout() {
            self.timeout(url)
        } else if e.is_redirect() {
            HttpError::TooManyRedirects {
                url: url.to_owned(),
                max: self.limits.max_redirects,
            }
        } else if e.is_connect() {
            HttpError::Connect {
                url: url.to_owned(),
                reason: root_cause(e),
            }
        } else {
            HttpError::Read {
                url: url.to_owned(),
                reason: root_cause(e),
            }
        }
    }
}

fn invalid(url: &str, reason: String) -> HttpError {
    HttpError::InvalidUrl {
        url: url.to_owned(),
        reason,
    }
}

/// The innermost error message (reqwest's own says only "error sending request").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn validators_of(headers: &HeaderMap) -> Validators {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    Validators {
        etag: text(ETAG),
        last_modified: text(LAST_MODIFIED),
    }
}

/// `url` without user info, query and fragment: provider URLs often carry credentials there
/// (`get.php?username=…&password=…`), and messages end up in logs and bug reports.
pub fn redact(url: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(url) else {
        let cut = url.find(['?', '#']).unwrap_or(url.len());
        return url.get(..cut).unwrap_or("").to_owned();
    };
    let hidden = u.query().is_some() || !u.username().is_empty() || u.password().is_some();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let mut s = u.to_string();
    if hidden {
        s.push_str("?…");
    }
    s
}

/// Why a gzip body could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GunzipError {
    /// Unpacked, it would exceed the size cap.
    TooLarge,
    Corrupt(String),
}

/// Unpacks `bytes` when they start with the gzip magic (a `.m3u.gz` or `.xml.gz` file served
/// as-is), at most `limit` bytes of output; other bytes are returned unchanged.
pub fn gunzip_if_gzip(bytes: Vec<u8>, limit: u64) -> Result<Vec<u8>, GunzipError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes.as_slice())
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| GunzipError::Corrupt(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(GunzipError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gunzip_passes_plain_bytes_and_caps_output() {
        assert_eq!(gunzip_if_gzip(b"#EXTM3U".to_vec(), 10).unwrap(), b"#EXTM3U");
        assert_eq!(gunzip_if_gzip(gz(b"#EXTM3U\n"), 100).unwrap(), b"#EXTM3U\n");
        assert_eq!(gunzip_if_gzip(gz(&[b'a'; 1000]), 999), Err(GunzipError::TooLarge));
        assert!(matches!(
            gunzip_if_gzip(vec![0x1f, 0x8b, 1, 2], 100),
            Err(GunzipError::Corrupt(_))
        ));
    }

    #[test]
    fn redact_hides_credentials() {
        assert_eq!(
            redact("http://u:p@h.example/get.php?username=a&password=b"),
            "http://h.example/get.php?…"
        );
        assert_eq!(redact("https://h.example/list.m3u"), "https://h.example/list.m3u");
        assert_eq!(redact("not a url?secret"), "not a url");
    }

    #[test]
    fn non_http_urls_are_refused_before_any_io() {
        let client = HttpClient::new(HttpLimits::default()).unwrap();
        assert!(matches!(
            client.get("file:///etc/passwd", None),
            Err(HttpError::InvalidUrl { .. })
        ));
        assert!(matches!(
            client.get("::", None),
            Err(HttpError::InvalidUrl { .. })
        ));
    }
}
