// SPDX-License-Identifier: GPL-3.0-or-later
//! The Slint adapter (Rust side): runs the window, turns keys into actions, renders the view model,
//! and shows decoded frames. The `.slint` files live under `ui/`.
//!
//! Slint's event loop is the dispatch loop: the inbox wakes it with `invoke_from_event_loop`, and
//! the shell lives in a thread-local of the UI thread, the only thread that touches the core.

pub mod headless;
mod keys;
pub mod logos;
pub mod qr;
mod render;
mod screens;
mod service;
pub mod text;

pub use keys::action_for;
pub use render::Renderer;
pub use service::request_quit;
pub use text::{notice_text, phase_text};

use crate::app::{Inbox, Shell};
use crate::core::Event;
use crate::player::{FrameCallback, VideoFrame};
use crate::slint_generated::{AppWindow, Tv};
use anyhow::Result;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, mpsc};

/// How often the UI looks for a new video frame (a little faster than 50 fps video).
const VIDEO_POLL: std::time::Duration = std::time::Duration::from_millis(15);

thread_local! {
    static SHELL: RefCell<Option<(Shell, mpsc::Receiver<Event>)>> = const { RefCell::new(None) };
    static WINDOW: RefCell<Option<slint::Weak<AppWindow>>> = const { RefCell::new(None) };
    static RENDERER: RefCell<Renderer> = RefCell::new(Renderer::with_logos(logo_dir()));
    static LANGUAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs the TV window until it is closed. `make_shell` builds the shell with the inbox and the frame
/// callback this window provides.
pub fn run_window(make_shell: impl FnOnce(Inbox, FrameCallback) -> Result<Shell>) -> Result<()> {
    let window = AppWindow::new()?;
    WINDOW.with(|w| *w.borrow_mut() = Some(window.as_weak()));
    let (inbox, rx) = Inbox::new(Arc::new(|| {
        let _ = slint::invoke_from_event_loop(drain);
    }));
    let frames = FrameSlot::default();
    let shell = make_shell(inbox.clone(), frame_callback(frames.clone()))?;
    SHELL.with(|s| *s.borrow_mut() = Some((shell, rx)));
    let keys = inbox.clone();
    window.global::<Tv>().on_key(move |text| {
        if let Some(action) = keys::action_for(&text) {
            keys.post(Event::Action(action));
        }
    });
    // The clock on screen moves even when nothing happens.
    let clock = slint::Timer::default();
    clock.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_secs(1),
        drain,
    );
    let video = slint::Timer::default();
    video.start(slint::TimerMode::Repeated, VIDEO_POLL, move || {
        if let Some(frame) = frames.lock().ok().and_then(|mut f| f.take()) {
            show_frame(&frame);
        }
    });
    let _service = service::start();
    inbox.post(Event::Started);
    window.run()?;
    SHELL.with(|s| {
        if let Some((shell, _)) = s.borrow_mut().as_mut() {
            shell.handle(Event::Shutdown);
        }
    });
    Ok(())
}

/// Handles every queued event, then renders once.
fn drain() {
    SHELL.with(|s| {
        let mut slot = s.borrow_mut();
        let Some((shell, rx)) = slot.as_mut() else {
            return;
        };
        while let Ok(event) = rx.try_recv() {
            shell.handle(event);
        }
        let view = shell.view();
        select_language(&view.ui_language);
        let guide = shell.core().guide();
        with_window(|w| RENDERER.with(|r| r.borrow_mut().render(&w.global::<Tv>(), &view, guide)));
    });
}

/// Where downloaded channel logos are kept.
fn logo_dir() -> std::path::PathBuf {
    use crate::system::{Environment, paths};
    paths::cache_dir(&Environment::from_process(), None).join("logos")
}

/// Switches the interface language when the viewer chose another one ("en" is the source text).
pub fn select_language(language: &str) {
    LANGUAGE.with(|current| {
        if *current.borrow() == language {
            return;
        }
        if let Err(e) = slint::select_bundled_translation(language) {
            log::warn!("no translation for '{language}': {e:?}");
        }
        *current.borrow_mut() = language.to_string();
    });
}

fn with_window(f: impl FnOnce(&AppWindow)) {
    WINDOW.with(|w| {
        if let Some(window) = w.borrow().as_ref().and_then(|w| w.upgrade()) {
            f(&window);
        }
    });
}

/// The newest decoded frame, waiting for the UI thread to show it.
type FrameSlot = Arc<Mutex<Option<VideoFrame>>>;

/// Keeps only the newest frame: a slow UI drops frames instead of queueing them. The UI thread
/// picks it up on its own timer (see `run_window`) rather than being woken per frame, which would
/// keep winit busy with user events and starve its redraws.
fn frame_callback(slot: FrameSlot) -> FrameCallback {
    Arc::new(move |frame| {
        if let Ok(mut latest) = slot.lock() {
            *latest = Some(frame);
        }
    })
}

fn show_frame(frame: &VideoFrame) {
    thread_local!(static SHOWN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) });
    let shown = SHOWN.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    if shown % 100 == 1 {
        log::debug!("video frames shown: {shown}");
    }
    let mut pixels = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::new(frame.width, frame.height);
    let row = frame.width as usize * 4;
    let target = pixels.make_mut_bytes();
    for (y, dst) in target.chunks_exact_mut(row).enumerate() {
        if let Some(src) = frame.data.get(y * frame.stride..y * frame.stride + row) {
            dst.copy_from_slice(src);
        }
    }
    with_window(|w| w.global::<Tv>().set_video(slint::Image::from_rgba8(pixels)));
}
