// SPDX-License-Identifier: GPL-3.0-or-later
//! The decoder against the independent encoder: regions, colours, positions, HD canvas,
//! clearing, and hostile segments.

use super::encode::{Entry, IndexedRegion, display_set};
use super::*;

const PAGE: u16 = 1;

fn pes(data: &[u8], pts: Option<u64>) -> Pes<'_> {
    Pes {
        stream_id: 0xbd,
        pts,
        data,
    }
}

fn decode(decoder: &mut DvbSubDecoder, data: &[u8], pts: Option<u64>) -> Vec<DisplaySet> {
    let mut sets = Vec::new();
    decoder.push_pes(&pes(data, pts), &mut |s| sets.push(s.clone()));
    sets
}

/// A 40×6 region: a transparent border, a white bar with a yellow middle on a grey box.
fn region() -> IndexedRegion {
    let (width, height) = (40u16, 6u16);
    let mut codes = vec![1u8; usize::from(width) * usize::from(height)];
    for (i, c) in codes.iter_mut().enumerate() {
        let (x, y) = (i % 40, i / 40);
        *c = match (x, y) {
            (0, _) | (39, _) => 0,
            (10..=29, 2..=3) => 3,
            (5..=34, 1..=4) => 2,
            _ => 1,
        };
    }
    IndexedRegion {
        x: 100,
        y: 500,
        width,
        height,
        codes,
    }
}

fn clut() -> Vec<Entry> {
    vec![
        Entry {
            code: 1,
            rgb: [40, 40, 40],
            transparency: 100,
        },
        Entry {
            code: 2,
            rgb: [255, 255, 255],
            transparency: 0,
        },
        Entry {
            code: 3,
            rgb: [255, 255, 0],
            transparency: 0,
        },
    ]
}

fn close(a: [u8; 4], b: [u8; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 3)
}

#[test]
fn an_encoded_display_set_comes_back_pixel_for_pixel() {
    let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
    let data = display_set(PAGE, 1, None, 5, &clut(), &[region()]);
    let sets = decode(&mut decoder, &data, Some(9000));
    assert_eq!(sets.len(), 1);
    let set = &sets[0];
    assert_eq!((set.pts, set.timeout_s), (Some(9000), 5));
    assert_eq!((set.display_width, set.display_height), (720, 576));
    let bitmap = &set.regions[0];
    assert_eq!(
        (bitmap.x, bitmap.y, bitmap.width, bitmap.height),
        (100, 500, 40, 6)
    );
    let pixel = |x: usize, y: usize| -> [u8; 4] {
        let i = (y * 40 + x) * 4;
        bitmap.rgba[i..i + 4].try_into().unwrap()
    };
    assert_eq!(pixel(0, 0)[3], 0, "code 0 of the default CLUT is transparent");
    assert!(close(pixel(1, 0), [40, 40, 40, 155]), "{:?}", pixel(1, 0));
    assert!(close(pixel(6, 1), [255, 255, 255, 255]), "{:?}", pixel(6, 1));
    assert!(close(pixel(12, 3), [255, 255, 0, 255]), "{:?}", pixel(12, 3));
    assert!(close(pixel(36, 5), [40, 40, 40, 155]));
    assert_eq!(bitmap.visible_pixels(), 38 * 6);
}

#[test]
fn an_hd_canvas_and_an_empty_page_clear() {
    let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
    let data = display_set(PAGE, 3, Some((1920, 1080)), 0, &clut(), &[region()]);
    let sets = decode(&mut decoder, &data, None);
    assert_eq!((sets[0].display_width, sets[0].display_height), (1920, 1080));
    assert_eq!(sets[0].pts, None);
    let clear = display_set(PAGE, 4, Some((1920, 1080)), 0, &clut(), &[]);
    let sets = decode(&mut decoder, &clear, Some(1));
    assert_eq!(sets.len(), 1);
    assert!(sets[0].regions.is_empty());
}

#[test]
fn other_pages_and_data_before_an_acquisition_point_are_ignored() {
    let mut decoder = DvbSubDecoder::new(7, 8);
    let data = display_set(PAGE, 1, None, 5, &clut(), &[region()]);
    assert!(decode(&mut decoder, &data, None).is_empty());
    assert_eq!(decoder.stats().segments, 0);
}

#[test]
fn long_runs_and_wide_regions_round_trip() {
    let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
    let width = 700u16;
    let codes: Vec<u8> = (0..usize::from(width) * 3)
        .map(|i| match i % 700 {
            0..=299 => 2,
            300..=307 => 3,
            308..=310 => 0,
            _ => 1,
        })
        .collect();
    let region = IndexedRegion {
        x: 0,
        y: 0,
        width,
        height: 3,
        codes: codes.clone(),
    };
    let sets = decode(
        &mut decoder,
        &display_set(PAGE, 0, None, 0, &clut(), &[region]),
        None,
    );
    let bitmap = &sets[0].regions[0];
    let expected = |code: u8| match code {
        0 => 0,
        1 => 155,
        _ => 255,
    };
    for (i, &code) in codes.iter().enumerate() {
        assert_eq!(bitmap.rgba[i * 4 + 3], expected(code), "pixel {i}");
    }
}

#[test]
fn truncated_and_oversized_segments_do_not_panic() {
    let data = display_set(PAGE, 1, None, 5, &clut(), &[region()]);
    for cut in 0..data.len() {
        let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
        decode(&mut decoder, &data[..cut], None);
    }
    // A region of 4096×4096 twice over is refused (the pixel cap), never allocated.
    let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
    let mut huge = vec![DATA_IDENTIFIER, 0];
    let seg = |kind: u8, body: &[u8]| {
        let mut s = vec![0x0f, kind, 0, 1];
        s.extend_from_slice(&(body.len() as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    huge.extend(seg(
        PAGE_COMPOSITION,
        &[0, 0x08, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    ));
    huge.extend(seg(
        REGION_COMPOSITION,
        &[0, 0x08, 0x10, 0, 0x10, 0, 0x48, 0, 0, 0],
    ));
    huge.extend(seg(
        REGION_COMPOSITION,
        &[1, 0x08, 0x10, 0, 0x10, 0, 0x48, 0, 0, 0],
    ));
    decode(&mut decoder, &huge, None);
    assert!(decoder.regions.values().map(|r| r.pixels.len()).sum::<usize>() <= MAX_PIXELS);
    assert!(decoder.stats().malformed >= 1);
}

/// A full-HD region redrawn by a CLUT change in every tiny PES: each of 2,000 PES of 20 bytes
/// asks for a 1920×1080 drawing (4 billion pixels in all). The decoder draws only what the
/// bytes pay for, the sets it cannot pay wait rather than vanish, and a real page costs far less
/// than it earns.
#[test]
fn redraws_are_paid_for_by_the_bytes_fed() {
    let mut decoder = DvbSubDecoder::new(PAGE, PAGE);
    let page = IndexedRegion {
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
        codes: vec![2; 1920 * 1080],
    };
    let first = display_set(PAGE, 1, Some((1920, 1080)), 5, &clut(), &[page]);
    let mut fed = first.len() as u64;
    let mut drawn: u64 = 0;
    let count = |sets: Vec<DisplaySet>| -> u64 {
        sets.iter()
            .flat_map(|s| &s.regions)
            .map(|r| u64::from(r.width) * u64::from(r.height))
            .sum()
    };
    drawn += count(decode(&mut decoder, &first, Some(0)));
    assert_eq!(drawn, 1920 * 1080, "the real page is drawn at once");
    for n in 0..2000u32 {
        // One CLUT entry with a new colour, then the end of the display set.
        let mut pes = vec![DATA_IDENTIFIER, 0];
        let body = [
            0,
            ((n % 16) as u8) << 4,
            2,
            0x40 | 0x01,
            (n % 200) as u8 + 16,
            128,
            128,
            0,
        ];
        pes.extend_from_slice(&[0x0f, CLUT_DEFINITION, 0, PAGE as u8, 0, body.len() as u8]);
        pes.extend_from_slice(&body);
        pes.extend_from_slice(&[0x0f, END_OF_DISPLAY_SET, 0, PAGE as u8, 0, 0]);
        fed += pes.len() as u64;
        drawn += count(decode(&mut decoder, &pes, Some(u64::from(n) * 90)));
    }
    let stats = decoder.stats();
    assert!(
        drawn <= WORK_BURST + fed * WORK_PER_BYTE,
        "{drawn} pixels drawn for {fed} bytes"
    );
    assert!(stats.deferred > 1000, "most redraws waited: {stats:?}");
    assert!(stats.sets > 1, "some were paid for: {stats:?}");
    // The bytes of a large enough PES pay for the waiting set: the latest colour shows.
    let mut padding = vec![DATA_IDENTIFIER, 0];
    padding.extend_from_slice(&[0x0f, END_OF_DISPLAY_SET, 0, PAGE as u8, 0, 0]);
    padding.extend(std::iter::repeat_n(0xff, 4096));
    let sets = decode(&mut decoder, &padding, None);
    assert_eq!(sets.len(), 1, "the waiting set is drawn once paid for");
}
