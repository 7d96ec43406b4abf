// SPDX-License-Identifier: GPL-3.0-or-later
//! The timer service: the core asks for timers as effects; one thread keeps them and posts
//! `Event::Timer` into the inbox when they are due. Works the same with or without a UI loop.

use super::Inbox;
use crate::core::{Event, TimerId};
use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

enum Request {
    Start(TimerId, Instant),
    Cancel(TimerId),
}

/// Handle to the timer thread; the thread ends when this is dropped.
pub struct Timers {
    tx: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Timers {
    pub fn start(inbox: Inbox) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("timers".into())
            .spawn(move || run(&rx, &inbox))?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Fires `timer` after `after`, replacing a pending timer with the same id.
    pub fn schedule(&self, timer: TimerId, after: Duration) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Request::Start(timer, Instant::now() + after));
        }
    }

    pub fn cancel(&self, timer: TimerId) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Request::Cancel(timer));
        }
    }
}

impl Drop for Timers {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(rx: &mpsc::Receiver<Request>, inbox: &Inbox) {
    let mut pending: HashMap<TimerId, Instant> = HashMap::new();
    loop {
        let next = pending.values().min().copied();
        let request = match next {
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match request {
            Ok(Request::Start(id, due)) => {
                pending.insert(id, due);
            }
            Ok(Request::Cancel(id)) => {
                pending.remove(&id);
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                let due: Vec<TimerId> = pending
                    .iter()
                    .filter(|(_, d)| **d <= now)
                    .map(|(id, _)| *id)
                    .collect();
                for id in due {
                    pending.remove(&id);
                    inbox.post(Event::Timer(id));
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
