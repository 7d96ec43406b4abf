// SPDX-License-Identifier: GPL-3.0-or-later
//! Just enough HTTP/1.1 for the companion page: one request per connection, a request line and
//! headers of at most 8 KiB, a body only with `Content-Length` and at most [`MAX_BODY`] bytes,
//! `application/x-www-form-urlencoded` forms. Anything else is refused with a status, never a
//! panic: the peer is a phone on the home network, but any device there can send anything.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};

pub const MAX_HEAD: usize = 8 * 1024;
pub const MAX_BODY: usize = 16 * 1024;

/// A parsed request.
#[derive(Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The value of one cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.header("cookie")?
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// The body as a form.
    pub fn form(&self) -> HashMap<String, String> {
        form_decode(&self.body)
    }
}

/// Why a request could not be read; each maps to a status.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Malformed (400).
    Bad,
    /// Head or body over the caps (431 / 413).
    HeadTooLarge,
    BodyTooLarge,
    /// A body without `Content-Length` (411).
    LengthRequired,
    /// The peer went away or was too slow.
    Io,
}

impl ReadError {
    pub fn status(&self) -> u16 {
        match self {
            ReadError::Bad | ReadError::Io => 400,
            ReadError::HeadTooLarge => 431,
            ReadError::BodyTooLarge => 413,
            ReadError::LengthRequired => 411,
        }
    }
}

/// Reads one request from `stream` within the caps.
pub fn read_request(stream: impl Read) -> Result<Request, ReadError> {
    let mut reader = BufReader::new(stream.take((MAX_HEAD + MAX_BODY + 1) as u64));
    let mut head_bytes = 0usize;
    let mut line = String::new();
    let mut next_line = |reader: &mut BufReader<_>, line: &mut String| -> Result<(), ReadError> {
        line.clear();
        let n = read_line_capped(reader, line, MAX_HEAD - head_bytes.min(MAX_HEAD))?;
        head_bytes += n;
        if head_bytes > MAX_HEAD {
            return Err(ReadError::HeadTooLarge);
        }
        Ok(())
    };
    next_line(&mut reader, &mut line)?;
    let mut parts = line.trim_end().split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ReadError::Bad);
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(ReadError::Bad);
    }
    let mut request = Request {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or("/").to_string(),
        ..Request::default()
    };
    loop {
        next_line(&mut reader, &mut line)?;
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        let (name, value) = text.split_once(':').ok_or(ReadError::Bad)?;
        if request.headers.len() >= 64 {
            return Err(ReadError::HeadTooLarge);
        }
        request
            .headers
            .insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::LengthRequired);
    }
    let length = match request.header("content-length") {
        Some(v) => v.parse::<usize>().map_err(|_| ReadError::Bad)?,
        None if request.method == "POST" => return Err(ReadError::LengthRequired),
        None => 0,
    };
    if length > MAX_BODY {
        return Err(ReadError::BodyTooLarge);
    }
    request.body = vec![0; length];
    reader.read_exact(&mut request.body).map_err(|_| ReadError::Io)?;
    Ok(request)
}

/// One line, refusing to buffer more than `cap` bytes of it.
fn read_line_capped(reader: &mut impl BufRead, line: &mut String, cap: usize) -> Result<usize, ReadError> {
    let mut bytes = Vec::new();
    loop {
        let buf = reader.fill_buf().map_err(|_| ReadError::Io)?;
        if buf.is_empty() {
            return Err(ReadError::Io);
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(at) => (at + 1, true),
            None => (buf.len(), false),
        };
        if bytes.len() + take > cap {
            return Err(ReadError::HeadTooLarge);
        }
        bytes.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if done {
            break;
        }
    }
    *line = String::from_utf8(bytes).map_err(|_| ReadError::Bad)?;
    Ok(line.len())
}

/// `a=1&b=x%20y` into a map (the last of repeated keys wins); `+` is a space.
pub fn form_decode(body: &[u8]) -> HashMap<String, String> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let key = percent_decode(it.next().unwrap_or_default());
            let value = percent_decode(it.next().unwrap_or_default());
            (key, value)
        })
        .collect()
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response; headers that every answer carries are added by [`write_response`].
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status, "application/json", value.to_string())
    }

    pub fn text(status: u16, text: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", text)
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Writes `response` with the headers every answer carries: no caching, no sniffing, no framing,
/// no referrer, a strict content policy and no CORS header at all (so no other origin may read).
pub fn write_response(mut stream: impl Write, response: &Response) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n\
         Referrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_post() {
        let raw = b"POST /api/source HTTP/1.1\r\nHost: x\r\nCookie: a=1; zb=xyz\r\nContent-Length: 28\r\n\r\nurl=http%3A%2F%2Fa%2Fb&k=a+b";
        let r = read_request(&raw[..]).unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/api/source"));
        assert_eq!(r.cookie("zb"), Some("xyz"));
        let form = r.form();
        assert_eq!(form["url"], "http://a/b");
        assert_eq!(form["k"], "a b");
    }

    #[test]
    fn caps_and_malformed_requests() {
        let big_head = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(
            read_request(big_head.as_bytes()).unwrap_err(),
            ReadError::HeadTooLarge
        );
        let big_body = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert_eq!(
            read_request(big_body.as_bytes()).unwrap_err(),
            ReadError::BodyTooLarge
        );
        let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(
            read_request(chunked.as_bytes()).unwrap_err(),
            ReadError::LengthRequired
        );
        assert_eq!(
            read_request(&b"POST / HTTP/1.1\r\n\r\n"[..]).unwrap_err(),
            ReadError::LengthRequired
        );
        assert_eq!(
            read_request(&b"GET http://x/ HTTP/1.1\r\n\r\n"[..]).unwrap_err(),
            ReadError::Bad
        );
        assert_eq!(
            read_request(&b"\xff\xfe\r\n\r\n"[..]).unwrap_err(),
            ReadError::Bad
        );
        assert_eq!(
            read_request(&b"GET / HTTP/1.1\r\n"[..]).unwrap_err(),
            ReadError::Io
        );
    }

    #[test]
    fn percent_decoding_never_panics() {
        for input in ["%", "%4", "%zz", "a%2", "%%41", "%41"] {
            let _ = form_decode(format!("k={input}").as_bytes());
        }
        assert_eq!(form_decode(b"k=%41%")["k"], "A%");
    }
}
