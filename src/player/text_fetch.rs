// SPDX-License-Identifier: GPL-3.0-or-later
//! What the app's own subtitle fetchers share: `hls_subtitles` (WebVTT renditions) and
//! `dash_subtitles` (TTML AdaptationSets) each run a text thread beside the picture's pipeline,
//! and the two differ in what they fetch and how they time it, not in how they are steered.
//!
//! - **The choice** ([`Choice`]): which of the session's text tracks is shown, and a generation
//!   that grows with every change. The session writes it, the thread reads it each tick; a
//!   fetch under way for an older generation is thrown away when it returns, so switching
//!   tracks (or off) never shows a cue of the track left.
//! - **Stopping** ([`StopOnDrop`]): the session's handle sets the thread's stop flag when the
//!   session ends. The thread is not joined: a fetch under way may take its timeout, and the
//!   zap that ended the session must not wait for it.
//! - **The HTTP side** ([`client`], [`fetch`]): a client with the channel's user agent, the
//!   timeouts of a text fetch, and the byte cap of the documents it reads.

use crate::core::SubtitleTrack;
use crate::net::http::{HttpClient, HttpLimits, HttpResponse};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The text track shown (its index among the tracks the thread reported) and how often the
/// choice changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Choice {
    pub chosen: Option<usize>,
    pub generation: u64,
}

impl Choice {
    /// The index `track` names among a fetcher's tracks (their ids are `prefix` and the index);
    /// `None` for no track or another source's.
    pub fn index_of(track: Option<&SubtitleTrack>, prefix: &str) -> Option<usize> {
        track
            .and_then(|t| t.id.strip_prefix(prefix))
            .and_then(|i| i.parse().ok())
    }

    /// Records the viewer's choice; a different one starts a new generation.
    pub fn set(&mut self, chosen: Option<usize>) {
        if chosen != self.chosen {
            self.chosen = chosen;
            self.generation += 1;
        }
    }
}

/// A text thread's stop flag, set when the session's handle is dropped.
#[derive(Debug, Default)]
pub(super) struct StopOnDrop(Arc<AtomicBool>);

impl StopOnDrop {
    /// The flag the thread watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The HTTP client of a text thread: the channel's user agent (else the app's), a text fetch's
/// timeouts, at most `max_bytes` of a document.
pub(super) fn client(user_agent: Option<&str>, max_bytes: u64) -> Result<HttpClient, String> {
    let limits = HttpLimits {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_bytes,
        user_agent: user_agent.map_or_else(|| HttpLimits::default().user_agent, str::to_string),
        ..HttpLimits::default()
    };
    HttpClient::new(limits).map_err(|e| e.to_string())
}

/// The body at `url`.
pub(super) fn fetch(client: &HttpClient, url: &str) -> Result<Vec<u8>, String> {
    match client.get(url, None) {
        Ok(HttpResponse::Body { bytes, .. }) => Ok(bytes),
        Ok(HttpResponse::NotModified) => Err(format!("{url}: not modified")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::SubtitleKind;

    fn track(id: &str) -> SubtitleTrack {
        SubtitleTrack {
            id: id.into(),
            kind: SubtitleKind::WebVtt,
            language: None,
            hard_of_hearing: false,
        }
    }

    #[test]
    fn a_choice_changes_its_generation_only_when_it_changes() {
        let mut choice = Choice::default();
        choice.set(Choice::index_of(Some(&track("webvtt:2")), "webvtt:"));
        assert_eq!(
            choice,
            Choice {
                chosen: Some(2),
                generation: 1
            }
        );
        choice.set(Some(2));
        assert_eq!(choice.generation, 1, "the same track again");
        // Another source's track (captions in the segments) is not one of this fetcher's.
        choice.set(Choice::index_of(Some(&track("cc:1")), "webvtt:"));
        assert_eq!(
            choice,
            Choice {
                chosen: None,
                generation: 2
            }
        );
        choice.set(Choice::index_of(Some(&track("webvtt:x")), "webvtt:"));
        assert_eq!(choice.generation, 2, "an id that names no index is no track");
    }

    #[test]
    fn the_flag_is_set_when_the_handle_goes() {
        let handle = StopOnDrop::default();
        let flag = handle.flag();
        assert!(!flag.load(Ordering::SeqCst));
        drop(handle);
        assert!(flag.load(Ordering::SeqCst));
    }
}
