// SPDX-License-Identifier: GPL-3.0-or-later
//! The TV window without a display: Slint's software renderer draws into a buffer in memory. Used
//! by `zapbox screenshot` (PNG files) and the UI benchmark (key press to finished frame), as the
//! `app::Ui` of the same dispatch loop the window runs.
//!
//! Slint allows one platform per process, so a process makes one `Headless` and reuses it.

use super::Renderer;
use crate::app::Ui;
use crate::core::ViewModel;
use crate::slint_generated::{AppWindow, Tv};
use anyhow::{Context, Result, anyhow};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter, WindowEvent};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};
use std::path::Path;
use std::rc::Rc;

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

/// A TV window rendered into memory.
pub struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    app: AppWindow,
    renderer: Renderer,
    width: u32,
    height: u32,
    buffer: Vec<Rgb8Pixel>,
}

impl Headless {
    /// Sets up the software-rendering platform (once per process) and the window.
    pub fn new(width: u32, height: u32) -> Result<Self> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
        }))
        .map_err(|e| anyhow!("cannot use the software renderer here: {e}"))?;
        window.dispatch_event(WindowEvent::ScaleFactorChanged { scale_factor: 1.0 });
        window.set_size(PhysicalSize::new(width, height));
        let app = AppWindow::new().context("creating the TV window")?;
        app.show().context("showing the TV window")?;
        Ok(Self {
            window,
            app,
            renderer: Renderer::default(),
            width,
            height,
            buffer: vec![Rgb8Pixel::default(); width as usize * height as usize],
        })
    }

    /// The live picture behind the screens.
    pub fn set_video(&self, image: slint::Image) {
        self.app.global::<Tv>().set_video(image);
    }

    /// Draws the frame if anything changed; returns whether it drew.
    pub fn draw(&mut self) -> bool {
        slint::platform::update_timers_and_animations();
        let stride = self.width as usize;
        let buffer = &mut self.buffer;
        self.window.draw_if_needed(|renderer| {
            renderer.render(buffer, stride);
        })
    }

    /// The last frame, row by row.
    pub fn pixels(&self) -> &[Rgb8Pixel] {
        &self.buffer
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The window, for tests that look at its elements.
    pub fn app(&self) -> &AppWindow {
        &self.app
    }

    /// Saves the last frame as an 8-bit RGB PNG.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().context("writing the PNG header")?;
        let bytes: Vec<u8> = self.buffer.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
        writer.write_image_data(&bytes).context("writing the PNG")?;
        writer.finish().context("finishing the PNG")?;
        Ok(())
    }
}

impl Ui for Headless {
    /// Writes a view into the window (as the window does after each batch of events).
    fn render(&mut self, view: &ViewModel) {
        self.renderer.render(&self.app.global::<Tv>(), view);
    }
}

/// A test-card picture (colour bars over a grey ramp) standing in for live video.
pub fn test_card(width: u32, height: u32) -> slint::Image {
    const BARS: [[u8; 3]; 7] = [
        [192, 192, 192],
        [192, 192, 0],
        [0, 192, 192],
        [0, 192, 0],
        [192, 0, 192],
        [192, 0, 0],
        [0, 0, 192],
    ];
    let mut pixels = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::new(width, height);
    let w = width.max(1) as usize;
    for (i, p) in pixels.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % w, i / w);
        let [r, g, b] = if y < height as usize * 3 / 4 {
            BARS[x * BARS.len() / w]
        } else {
            let v = (x * 255 / w) as u8;
            [v, v, v]
        };
        *p = slint::Rgba8Pixel { r, g, b, a: 255 };
    }
    slint::Image::from_rgba8(pixels)
}
