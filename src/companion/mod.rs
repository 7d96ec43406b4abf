// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone companion: a small HTTP server in the box, off unless the viewer opens "Set up from
//! your phone". Opening it binds to the box's local-network address, makes a single-use token
//! valid for five minutes and reports `http://ADDRESS:PORT/pair/TOKEN` to the core (the TV shows
//! it as a QR code). The phone that opens the link gets a session cookie; the token is spent. The
//! server stops when the token expires unused and no session is left.
//!
//! Everything the page changes goes through the core as events, like the remote: this module
//! validates nothing on its own beyond what the core's rules say (`core::check_source`), so the
//! phone and the TV answer alike. Security: peers outside the local networks are refused at
//! accept, the Host header must name the server (no DNS rebinding), sessions and CSRF tokens are
//! 128-bit secrets from the OS compared in constant time, bodies are capped, there are no CORS
//! headers, and a configuration switch disables the whole thing.
//!
//! ```text
//!   core ──Effect::Companion(Open)──> Companion::open ──> bind + token ──Listening{url}──> core
//!   phone ──HTTP──> server thread ──Event::Phone / Event::Action──> inbox ──> core
//!   shell ──after Phone(Snapshot)──> Companion::publish(core.phone_view()) ──> /api/state
//! ```

mod access;
pub mod http;
mod page;
mod server;

pub use access::{box_address, is_local_network};

use crate::app::Inbox;
use crate::core::{CompanionEvent, Event, PhoneView};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a pairing token is valid.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The companion's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanionConfig {
    pub enabled: bool,
    /// TCP port; 0 lets the system choose.
    pub port: u16,
    /// How long a phone stays paired; `None`: until the box restarts.
    pub session: Option<Duration>,
    /// The address to listen on; `None`: the first local-network address of the box.
    pub address: Option<IpAddr>,
    /// How long a pairing code works ([`TOKEN_LIFETIME`]; shorter only for tests).
    pub token_lifetime: Duration,
}

impl Default for CompanionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            port: 8099,
            session: None,
            address: None,
            token_lifetime: TOKEN_LIFETIME,
        }
    }
}

/// A paired phone.
struct Session {
    id: String,
    csrf: String,
    expires: Option<Instant>,
}

/// What the server threads share.
struct State {
    token: Option<(String, Instant)>,
    sessions: Vec<Session>,
    listening: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
}

struct Shared {
    config: CompanionConfig,
    inbox: Inbox,
    state: Mutex<State>,
    /// The latest view of the box for the page, with a generation the page waits on.
    snapshot: Mutex<(u64, Option<PhoneView>)>,
    published: Condvar,
}

/// The companion adapter; cheap to clone.
#[derive(Clone)]
pub struct Companion {
    shared: Arc<Shared>,
}

impl Companion {
    pub fn new(config: CompanionConfig, inbox: Inbox) -> Self {
        let state = State {
            token: None,
            sessions: Vec::new(),
            listening: None,
            stop: Arc::new(AtomicBool::new(false)),
        };
        Self {
            shared: Arc::new(Shared {
                config,
                inbox,
                state: Mutex::new(state),
                snapshot: Mutex::new((0, None)),
                published: Condvar::new(),
            }),
        }
    }

    /// Starts pairing: binds if not yet listening, makes a fresh token (the previous one stops
    /// working) and reports the URL. Failures are reported to the core in words.
    pub fn open(&self) {
        let event = match self.try_open() {
            Ok(url) => CompanionEvent::Listening { url },
            Err(why) => {
                log::warn!("phone companion: {why}");
                CompanionEvent::Failed(why)
            }
        };
        self.shared.inbox.post(Event::Companion(event));
    }

    /// The pairing URL once open (for `zapbox demo --pair` and tests).
    pub fn pairing_url(&self) -> Option<String> {
        let state = self.shared.state.lock().ok()?;
        let (token, _) = state.token.as_ref()?;
        Some(url(state.listening?, token))
    }

    fn try_open(&self) -> Result<String, String> {
        let config = &self.shared.config;
        if !config.enabled {
            return Err("switched off in the configuration".into());
        }
        let mut state = self.shared.state.lock().map_err(|_| "internal lock poisoned")?;
        let token = access::random_hex(16).map_err(|e| format!("no random numbers: {e}"))?;
        state.token = Some((token.clone(), Instant::now() + config.token_lifetime));
        let addr = match state.listening {
            Some(addr) => addr,
            None => {
                let ip = config
                    .address
                    .or_else(box_address)
                    .ok_or("no local network address (connect the box to the home network)")?;
                if !is_local_network(ip) {
                    return Err(format!("{ip} is not a local network address"));
                }
                let listener = TcpListener::bind((ip, config.port))
                    .map_err(|e| format!("cannot listen on {ip}: {e}"))?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                state.stop = Arc::new(AtomicBool::new(false));
                state.listening = Some(addr);
                let shared = self.shared.clone();
                let stop = state.stop.clone();
                std::thread::Builder::new()
                    .name("companion".into())
                    .spawn(move || server::serve(listener, shared, stop))
                    .map_err(|e| e.to_string())?;
                log::info!("phone companion listening on {addr}");
                addr
            }
        };
        Ok(url(addr, &token))
    }

    /// Stores the box's state for the page and wakes requests waiting for it.
    pub fn publish(&self, view: PhoneView) {
        if let Ok(mut snapshot) = self.shared.snapshot.lock() {
            snapshot.0 += 1;
            snapshot.1 = Some(view);
            self.shared.published.notify_all();
        }
    }

    /// Whether a server runs (pairing or paired).
    pub fn is_listening(&self) -> bool {
        self.shared.state.lock().is_ok_and(|s| s.listening.is_some())
    }
}

fn url(addr: SocketAddr, token: &str) -> String {
    format!("http://{addr}/pair/{token}")
}
