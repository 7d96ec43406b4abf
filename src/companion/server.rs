// SPDX-License-Identifier: GPL-3.0-or-later
//! The server thread and the routes. One short-lived thread per connection (at most
//! [`MAX_CONNECTIONS`] at once, 5 s to send a request), one request per connection.
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /pair/TOKEN` | anyone local with the token | spends it, sets the session cookie, redirects to `/` |
//! | `GET /`, `/app.js` | session | the page and its script |
//! | `GET /api/state` | session | the box's state as JSON |
//! | `POST /api/source`, `/api/type`, `/api/key`, `/api/watch` | session + CSRF | events to the core |

use super::http::{self, Request, Response};
use super::{Session, Shared, access, page};
use crate::core::{CompanionEvent, Event, PhoneRequest, SourceKind, check_source};
use crate::lineup::ChannelKey;
use serde_json::json;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MAX_CONNECTIONS: usize = 8;
const COOKIE: &str = "zapbox_session";

pub(super) fn serve(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    if let Err(e) = listener.set_nonblocking(true) {
        log::error!("phone companion: {e}");
        return;
    }
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                if !super::is_local_network(peer.ip()) {
                    // Said once per connection: a device outside the home network should never get here.
                    log::warn!("phone companion: refused {peer}, not on a local network");
                    let _ = refuse(stream);
                    continue;
                }
                if active.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    continue; // dropped: the phone retries
                }
                active.fetch_add(1, Ordering::Relaxed);
                let (shared, active) = (shared.clone(), active.clone());
                let spawned = std::thread::Builder::new()
                    .name("companion-conn".into())
                    .spawn(move || {
                        handle(stream, &shared);
                        active.fetch_sub(1, Ordering::Relaxed);
                    });
                if spawned.is_err() {
                    log::warn!("phone companion: cannot start a connection thread");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(100));
                if expire(&shared) {
                    break;
                }
            }
            Err(e) => {
                log::warn!("phone companion: accept: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    // The port closes before anyone hears `Closed`: a phone trying after that is refused, not
    // taken into the backlog and reset.
    drop(listener);
    if let Ok(mut state) = shared.state.lock() {
        state.listening = None;
        state.token = None;
    }
    log::info!("phone companion stopped");
    shared.inbox.post(Event::Companion(CompanionEvent::Closed));
}

fn refuse(stream: TcpStream) -> std::io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    http::write_response(
        &stream,
        &Response::text(403, "Only devices on the box's home network may connect."),
    )
}

/// Drops an expired token and expired sessions; `true` when nothing is left to serve.
fn expire(shared: &Shared) -> bool {
    let Ok(mut state) = shared.state.lock() else {
        return true;
    };
    let now = Instant::now();
    if state.token.as_ref().is_some_and(|(_, until)| *until <= now) {
        log::info!("phone companion: the pairing code expired");
        state.token = None;
    }
    state.sessions.retain(|s| s.expires.is_none_or(|t| t > now));
    state.token.is_none() && state.sessions.is_empty()
}

fn handle(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let response = match http::read_request(&stream) {
        Ok(request) => route(&request, shared),
        Err(e) => Response::text(e.status(), "Bad request"),
    };
    if let Err(e) = http::write_response(&stream, &response) {
        log::debug!("phone companion: writing a response: {e}");
    }
}

fn route(request: &Request, shared: &Shared) -> Response {
    if !host_is_ours(request, shared) {
        return Response::text(403, "Wrong host");
    }
    let path = request.path.as_str();
    if let Some(token) = path.strip_prefix("/pair/") {
        return pair(request, token, shared);
    }
    let Some(csrf) = session_csrf(request, shared) else {
        return Response::new(403, "text/html; charset=utf-8", page::not_paired());
    };
    match (request.method.as_str(), path) {
        ("GET", "/") => Response::new(200, "text/html; charset=utf-8", page::html(&csrf)),
        ("GET", "/app.js") => Response::new(200, "text/javascript; charset=utf-8", page::SCRIPT),
        ("GET", "/api/state") => state(shared),
        ("POST", _) => {
            let form = request.form();
            let sent = form.get("csrf").map_or("", String::as_str);
            if !access::same_secret(sent, &csrf) || !same_origin(request, shared) {
                log::warn!("phone companion: a form without a valid CSRF token was refused");
                return Response::json(403, &json!({"error": "forbidden"}));
            }
            post(path, &form, shared)
        }
        (_, "/" | "/app.js" | "/api/state") => Response::text(405, "Method not allowed"),
        _ => Response::text(404, "Not found"),
    }
}

/// The Host header must be the address the server listens on: a page on another origin that
/// rebinds its name to the box cannot read anything.
fn host_is_ours(request: &Request, shared: &Shared) -> bool {
    let listening = shared.state.lock().ok().and_then(|s| s.listening);
    listening.is_some_and(|addr| request.header("host") == Some(addr.to_string().as_str()))
}

/// Browsers send Origin with every POST; when present it must be ours.
fn same_origin(request: &Request, shared: &Shared) -> bool {
    let Some(origin) = request.header("origin") else {
        return true;
    };
    let listening = shared.state.lock().ok().and_then(|s| s.listening);
    listening.is_some_and(|addr| origin == format!("http://{addr}"))
}

fn pair(request: &Request, token: &str, shared: &Shared) -> Response {
    if request.method != "GET" {
        return Response::text(405, "Method not allowed");
    }
    let Ok(mut state) = shared.state.lock() else {
        return Response::text(503, "Busy");
    };
    let now = Instant::now();
    let valid = state
        .token
        .as_ref()
        .is_some_and(|(expected, until)| *until > now && access::same_secret(token, expected));
    if !valid {
        return Response::new(410, "text/html; charset=utf-8", page::expired());
    }
    let (Ok(id), Ok(csrf)) = (access::random_hex(16), access::random_hex(16)) else {
        return Response::text(503, "No random numbers");
    };
    state.token = None; // single use
    let expires = shared.config.session.map(|d| now + d);
    state.sessions.push(Session {
        id: id.clone(),
        csrf,
        expires,
    });
    drop(state);
    shared.inbox.post(Event::Companion(CompanionEvent::Paired));
    log::info!("phone companion: a phone paired");
    Response::text(303, "Paired")
        .with_header("Location", "/".into())
        .with_header(
            "Set-Cookie",
            format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/"),
        )
}

/// The session's CSRF token, if the request carries a live session cookie.
fn session_csrf(request: &Request, shared: &Shared) -> Option<String> {
    let cookie = request.cookie(COOKIE)?;
    let state = shared.state.lock().ok()?;
    let now = Instant::now();
    state
        .sessions
        .iter()
        .filter(|s| s.expires.is_none_or(|t| t > now))
        .find(|s| access::same_secret(cookie, &s.id))
        .map(|s| s.csrf.clone())
}

/// Asks the core for a fresh view and waits (up to 2 s) until the shell published it.
fn state(shared: &Shared) -> Response {
    let before = shared.snapshot.lock().map_or(0, |s| s.0);
    shared.inbox.post(Event::Phone(PhoneRequest::Snapshot));
    let Ok(guard) = shared.snapshot.lock() else {
        return Response::text(503, "Busy");
    };
    let waited = shared
        .published
        .wait_timeout_while(guard, Duration::from_secs(2), |s| s.0 == before);
    let Ok((snapshot, _)) = waited else {
        return Response::text(503, "Busy");
    };
    match &snapshot.1 {
        Some(view) => Response::json(200, &page::state_json(view)),
        None => Response::text(503, "The box is starting"),
    }
}

fn post(path: &str, form: &std::collections::HashMap<String, String>, shared: &Shared) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let language = shared
        .snapshot
        .lock()
        .ok()
        .and_then(|s| s.1.as_ref().map(|v| v.language.clone()))
        .unwrap_or_else(|| "en".into());
    let event = match path {
        "/api/source" => {
            let kind = match field("kind") {
                "guide" => SourceKind::Guide,
                _ => SourceKind::Playlist,
            };
            let url = field("url").to_string();
            let request = match field("op") {
                "remove" => PhoneRequest::RemoveSource { kind, url },
                op => {
                    if let Err(notice) = check_source(&url) {
                        let message = page::notice_text(&notice, &language);
                        return Response::json(400, &json!({ "error": message }));
                    }
                    if op == "edit" {
                        let old = field("old").to_string();
                        PhoneRequest::EditSource { kind, old, new: url }
                    } else {
                        PhoneRequest::AddSource { kind, url }
                    }
                }
            };
            Event::Phone(request)
        }
        "/api/type" => Event::Phone(PhoneRequest::TypeText {
            text: field("text").to_string(),
            submit: field("submit") == "1",
        }),
        "/api/key" => match page::action(field("key")) {
            Some(action) => Event::Action(action),
            None => return Response::json(400, &json!({"error": "unknown key"})),
        },
        "/api/watch" => Event::Phone(PhoneRequest::Watch(ChannelKey(field("channel").to_string()))),
        _ => return Response::text(404, "Not found"),
    };
    shared.inbox.post(event);
    Response::json(200, &json!({"ok": true}))
}
