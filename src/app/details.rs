// SPDX-License-Identifier: GPL-3.0-or-later
//! Reading programme details (description, episode, categories) from the guide's files on a
//! thread of their own, for `Effect::LoadDetails`. Scrolling the guide asks for many; only the
//! newest request is worth reading, so older ones still queued are skipped.

use super::Inbox;
use crate::core::{Event, GuideHandle};
use crate::guide::ProgrammeId;
use std::sync::mpsc;

/// Handle to the reader thread; it ends when this is dropped.
pub struct DetailsReader {
    tx: mpsc::Sender<(GuideHandle, ProgrammeId)>,
}

impl DetailsReader {
    pub fn start(inbox: Inbox) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<(GuideHandle, ProgrammeId)>();
        std::thread::Builder::new()
            .name("details".into())
            .spawn(move || {
                while let Ok(mut request) = rx.recv() {
                    while let Ok(newer) = rx.try_recv() {
                        request = newer;
                    }
                    let (guide, id) = request;
                    let details = guide.0.index().details(id).unwrap_or_else(|e| {
                        log::warn!("cannot read programme details: {e}");
                        None
                    });
                    inbox.post(Event::DetailsLoaded { id, details });
                }
            })?;
        Ok(Self { tx })
    }

    /// Reads the details of `id` in `guide` and posts them.
    pub fn request(&self, guide: GuideHandle, id: ProgrammeId) {
        let _ = self.tx.send((guide, id));
    }
}
