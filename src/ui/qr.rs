// SPDX-License-Identifier: GPL-3.0-or-later
//! The phone companion's pairing address as a QR code image for the TV: one pixel per module
//! with a four-module quiet zone (Slint scales it up with `image-rendering: pixelated`, so edges
//! stay sharp at any screen size). The screen encodes an address once: the `Tv` global keeps the
//! text of the code it shows (`phone-qr-text`), and the renderer compares before encoding.

use qrcode::{Color, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

const QUIET_ZONE: usize = 4;

/// The QR code of `text`; an empty image for empty text (or text too long for a QR code).
pub fn image(text: &str) -> Image {
    render(text).unwrap_or_default()
}

/// The modules of `text`'s QR code as rows of booleans (dark = `true`), quiet zone included.
pub fn modules(text: &str) -> Option<Vec<Vec<bool>>> {
    if text.is_empty() {
        return None;
    }
    let code = QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    Some(
        (0..size)
            .map(|y| {
                (0..size)
                    .map(|x| {
                        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
                            && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
                        inside && colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Dark
                    })
                    .collect()
            })
            .collect(),
    )
}

fn render(text: &str) -> Option<Image> {
    let rows = modules(text)?;
    let size = rows.len() as u32;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(size, size);
    for (pixel, dark) in buffer.make_mut_slice().iter_mut().zip(rows.iter().flatten()) {
        let v = if *dark { 0 } else { 255 };
        *pixel = Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(Image::from_rgb8(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_url_fits_with_a_quiet_zone() {
        let rows = modules("http://192.168.178.20:8099/pair/0123456789abcdef0123456789abcdef").unwrap();
        assert!(rows.len() >= 21 + 8);
        assert!(rows[0].iter().all(|d| !d), "quiet zone");
        assert!(rows[QUIET_ZONE][QUIET_ZONE], "finder pattern corner");
        assert!(modules("").is_none());
    }
}
