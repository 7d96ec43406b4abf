// SPDX-License-Identifier: GPL-3.0-or-later
//! Waking the window's thread from any thread: a flag and the waker of the task that waits for it
//! (a task of Slint's event loop, `slint::spawn_local`). Many wakes before the task runs make one
//! run: the loop then drains everything queued at once.

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

#[derive(Clone, Default)]
pub(super) struct WakeSignal(Arc<Mutex<Signal>>);

#[derive(Default)]
struct Signal {
    raised: bool,
    waiting: Option<Waker>,
}

impl WakeSignal {
    /// Raises the flag and wakes the waiting task, if any.
    pub fn notify(&self) {
        let waker = {
            let mut signal = self.0.lock().unwrap_or_else(|e| e.into_inner());
            signal.raised = true;
            signal.waiting.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Resolves once the flag is raised, and lowers it.
    pub async fn wait(&self) {
        poll_fn(|cx| {
            let mut signal = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if std::mem::take(&mut signal.raised) {
                Poll::Ready(())
            } else {
                signal.waiting = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Wake};

    struct Count(std::sync::atomic::AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn wakes_coalesce_into_one_run_and_a_later_wake_wakes_the_waiter() {
        let signal = WakeSignal::default();
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut wait = Box::pin(signal.wait());
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        signal.notify();
        signal.notify();
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(wait.as_mut().poll(&mut cx).is_ready());
        let mut again = Box::pin(signal.wait());
        assert!(
            again.as_mut().poll(&mut cx).is_pending(),
            "both wakes made one run"
        );
    }
}
