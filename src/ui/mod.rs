// SPDX-License-Identifier: GPL-3.0-or-later
//! The Slint adapter (Rust side): the TV window with its keys, the view model rendered into the
//! `Tv` global, and decoded video frames shown. The `.slint` files live under `ui/`.
//!
//! It holds none of the app's state. The dispatch loop is `app::App`; the window gives it three
//! things: `waker()` (any thread asks the loop to drain its inbox), `screen()` (an `app::Ui` that
//! renders a view model) and key input (`on_key`). `run` drives Slint's event loop and calls the
//! app back on this thread each time it is woken, and once a second for the clock.

mod contract;
pub mod headless;
mod keys;
pub mod qr;
mod render;
mod screens;
mod service;
pub mod text;
mod timeshift;
mod wake;

pub use keys::action_for;
pub use render::Renderer;
pub use service::request_quit;

use crate::app::Ui;
use crate::core::{Action, ViewModel};
use crate::player::{FrameCallback, VideoFrame};
use crate::slint_generated::{AppWindow, Tv};
use anyhow::Result;
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wake::WakeSignal;

/// How often the UI looks for a new video frame (a little faster than 50 fps video).
const VIDEO_POLL: Duration = Duration::from_millis(15);

/// The TV window.
pub struct Window {
    app: AppWindow,
    wake: WakeSignal,
    frames: FrameSlot,
}

impl Window {
    pub fn new() -> Result<Self> {
        Ok(Self {
            app: AppWindow::new()?,
            wake: WakeSignal::default(),
            frames: FrameSlot::default(),
        })
    }

    /// Asks the loop, from any thread, to drain its inbox on the window's thread.
    pub fn waker(&self) -> Arc<dyn Fn() + Send + Sync> {
        let wake = self.wake.clone();
        Arc::new(move || wake.notify())
    }

    /// Where the player puts decoded frames for this window.
    pub fn frames(&self) -> FrameCallback {
        frame_callback(self.frames.clone())
    }

    /// Desktop keys, as remote actions.
    pub fn on_key(&self, post: impl Fn(Action) + 'static) {
        self.app.global::<Tv>().on_key(move |text| {
            if let Some(action) = keys::action_for(&text) {
                post(action);
            }
        });
    }

    /// The screen the loop renders into.
    pub fn screen(&self) -> WindowScreen {
        WindowScreen {
            app: self.app.clone_strong(),
            renderer: Renderer::default(),
        }
    }

    /// Runs the window until it is closed (or SIGTERM), calling `woken` on this thread whenever
    /// the loop was woken, and once a second so the clock on screen moves.
    pub fn run(self, mut woken: impl FnMut() + 'static) -> Result<()> {
        let signal = self.wake.clone();
        let task = slint::spawn_local(async move {
            loop {
                signal.wait().await;
                woken();
            }
        })?;
        let tick = self.wake.clone();
        let clock = slint::Timer::default();
        clock.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
            tick.notify()
        });
        let frames = self.frames.clone();
        let weak = self.app.as_weak();
        let mut shown = 0u64;
        let video = slint::Timer::default();
        video.start(slint::TimerMode::Repeated, VIDEO_POLL, move || {
            let frame = frames.lock().ok().and_then(|mut f| f.take());
            if let (Some(frame), Some(app)) = (frame, weak.upgrade()) {
                shown += 1;
                if shown % 100 == 1 {
                    log::debug!("video frames shown: {shown}");
                }
                app.global::<Tv>().set_video(frame_image(&frame));
            }
        });
        let _service = service::start();
        self.app.run()?;
        task.abort();
        Ok(())
    }
}

/// The window as the loop's screen.
pub struct WindowScreen {
    app: AppWindow,
    renderer: Renderer,
}

impl Ui for WindowScreen {
    fn render(&mut self, view: &ViewModel) {
        self.renderer.render(&self.app.global::<Tv>(), view);
    }
}

/// The newest decoded frame, waiting for the UI thread to show it.
type FrameSlot = Arc<Mutex<Option<VideoFrame>>>;

/// Keeps only the newest frame: a slow UI drops frames instead of queueing them. The UI thread
/// picks it up on its own timer (see `Window::run`) rather than being woken per frame, which would
/// keep winit busy with user events and starve its redraws.
fn frame_callback(slot: FrameSlot) -> FrameCallback {
    Arc::new(move |frame| {
        if let Ok(mut latest) = slot.lock() {
            *latest = Some(frame);
        }
    })
}

/// A decoded frame as a Slint image.
pub fn frame_image(frame: &VideoFrame) -> slint::Image {
    let mut pixels = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::new(frame.width, frame.height);
    let row = frame.width as usize * 4;
    let target = pixels.make_mut_bytes();
    for (y, dst) in target.chunks_exact_mut(row).enumerate() {
        if let Some(src) = frame.data.get(y * frame.stride..y * frame.stride + row) {
            dst.copy_from_slice(src);
        }
    }
    slint::Image::from_rgba8(pixels)
}
