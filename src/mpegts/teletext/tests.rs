// SPDX-License-Identifier: GPL-3.0-or-later
//! Decoder tests on pages built by `encode`: addressing, control bits, national sets,
//! page termination, erase, X/26, PTS handling and hostile bytes.

use super::encode::{header, pes_payload, row};
use super::*;
use crate::mpegts::build::{PesFlags, StreamWriter};

fn subtitle_flags() -> PageFlags {
    PageFlags {
        erase: true,
        subtitle: true,
        ..PageFlags::default()
    }
}

fn decode(decoder: &mut TeletextDecoder, payload: &[u8], pts: Option<u64>) -> Vec<Page> {
    let mut pages = Vec::new();
    let pes = Pes {
        stream_id: 0xbd,
        pts,
        data: payload,
    };
    decoder.push_pes(&pes, &mut |p| pages.push(p.clone()));
    pages
}

const P888: fn() -> PageNumber = || PageNumber::new(8, 0x88);

#[test]
fn subtitle_page_with_french_characters() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    let payload = pes_payload(&[
        header(P888(), subtitle_flags(), 1, "France 2"),
        row(8, 20, b"\x0d\x0b\x0bD{j@ vu !\x0a\x0a"),
        row(8, 22, b"\x0b\x0b\x03d`s ce soir\x0a"),
    ]);
    let pages = decode(&mut d, &payload, Some(90_000));
    assert_eq!(pages.len(), 1, "reported at the end of the PES");
    let page = &pages[0];
    assert_eq!(page.number.decimal(), Some(888));
    assert_eq!(page.national, NationalOption::French);
    assert!(page.flags.subtitle && page.flags.erase && !page.flags.newsflash);
    assert_eq!(page.pts, Some(90_000));
    assert_eq!(page.subtitle_text(), "Dâjà vu !\ndès ce soir");
    let lines = page.subtitle_lines();
    assert!(lines[0].double_height());
    assert_eq!(lines[1].spans[0].style.foreground, Colour::Yellow);
    assert_eq!(page.row(0).unwrap().text().trim(), "France 2");
    assert_eq!(d.stats().packets, 3);
}

#[test]
fn next_header_ends_the_page_and_erase_clears_it() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    let first = pes_payload(&[
        header(P888(), subtitle_flags(), 0, ""),
        row(8, 21, b"\x0b\x0bOne"),
    ]);
    assert_eq!(decode(&mut d, &first, Some(0))[0].subtitle_text(), "One");
    // An erase header with no rows: the page is now empty, reported when it ends.
    let erase = pes_payload(&[header(P888(), subtitle_flags(), 0, "")]);
    assert!(decode(&mut d, &erase, Some(9000)).is_empty());
    let filler = pes_payload(&[header(PageNumber::new(8, 0xff), PageFlags::default(), 0, "")]);
    let ended = decode(&mut d, &filler, Some(18000));
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].subtitle_text(), "");
    assert_eq!(ended[0].pts, Some(9000));
}

#[test]
fn without_erase_rows_are_kept_and_updated() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    let first = pes_payload(&[
        header(P888(), subtitle_flags(), 0, ""),
        row(8, 20, b"\x0b\x0bTop"),
        row(8, 22, b"\x0b\x0bBottom"),
    ]);
    decode(&mut d, &first, None);
    let keep = PageFlags {
        subtitle: true,
        ..PageFlags::default()
    };
    let update = pes_payload(&[header(P888(), keep, 0, ""), row(8, 22, b"\x0b\x0bNew")]);
    let pages = decode(&mut d, &update, None);
    assert_eq!(pages.last().unwrap().subtitle_text(), "Top\nNew");
    assert_eq!(pages.last().unwrap().pts, None, "no PTS: shown at once");
}

#[test]
fn other_pages_and_magazines_are_ignored_but_parallel_magazines_interleave() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    let payload = pes_payload(&[
        header(P888(), subtitle_flags(), 0, ""),
        header(PageNumber::new(1, 0x00), PageFlags::default(), 0, "index"),
        row(1, 21, b"\x0b\x0bmagazine one"),
        row(8, 21, b"\x0b\x0beight"),
        header(PageNumber::new(8, 0x89), subtitle_flags(), 0, ""),
        row(8, 22, b"\x0b\x0bpage 889"),
    ]);
    let pages = decode(&mut d, &payload, Some(1));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].subtitle_text(), "eight");
}

#[test]
fn serial_mode_header_ends_every_magazine() {
    let mut d = TeletextDecoder::new(PageFilter::All);
    let serial = PageFlags {
        serial: true,
        ..subtitle_flags()
    };
    let payload = pes_payload(&[
        header(P888(), serial, 0, ""),
        header(PageNumber::new(1, 0x00), serial, 0, ""),
        row(8, 21, b"\x0b\x0blate row"),
    ]);
    let pages = decode(&mut d, &payload, Some(1));
    let p888: Vec<_> = pages.iter().filter(|p| p.number == P888()).collect();
    assert_eq!(p888.len(), 1);
    assert_eq!(
        p888[0].subtitle_text(),
        "",
        "the row arrived after the page ended"
    );
}

#[test]
fn x26_places_g2_and_accented_characters() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    // Triplets: row address 61 (row 21) mode 0x04; column 2 mode 0x12 (acute) 'E';
    // column 3 mode 0x0F G2 0x7B (ß); termination.
    let triplet = |address: u32, mode: u32, data: u32| address | mode << 6 | data << 11;
    let triplets = [
        triplet(61, 0x04, 0),
        triplet(2, 0x12, u32::from(b'E')),
        triplet(3, 0x0f, 0x7b),
        triplet(63, 0x1f, 0),
    ];
    let mut data = [0u8; 40];
    data[0] = hamming::encode_8_4(0);
    for (i, t) in triplets.iter().enumerate() {
        data[1 + 3 * i..4 + 3 * i].copy_from_slice(&hamming::encode_24_18(*t));
    }
    let mut x26 = [0u8; 42];
    // Address 26 << 3 | magazine 8 (sent as 0) = 0xD0.
    x26[0] = hamming::encode_8_4(0x0);
    x26[1] = hamming::encode_8_4(0xd);
    x26[2..].copy_from_slice(&data);
    let payload = pes_payload(&[
        header(P888(), subtitle_flags(), 0, ""),
        x26,
        row(8, 21, b"\x0b\x0bxxx"),
    ]);
    let pages = decode(&mut d, &payload, None);
    assert_eq!(pages[0].subtitle_text(), "Éßx");
}

#[test]
fn corrupted_address_and_parity_are_counted() {
    let mut d = TeletextDecoder::new(PageFilter::All);
    let mut bad_row = row(8, 21, b"\x0b\x0bok");
    bad_row[4] ^= 0x80; // parity error in the first letter
    let mut bad_address = row(8, 22, b"lost");
    bad_address[0] ^= 0x03; // double error in the address
    let payload = pes_payload(&[header(P888(), subtitle_flags(), 0, ""), bad_row, bad_address]);
    let pages = decode(&mut d, &payload, None);
    assert_eq!(pages[0].subtitle_text(), "k");
    assert_eq!(d.stats().parity_errors, 1);
    assert_eq!(d.stats().hamming_errors, 1);
}

#[test]
fn ts_packets_in_pes_out() {
    let mut d = TeletextDecoder::new(PageFilter::Only(P888()));
    let payload = pes_payload(&[
        header(P888(), subtitle_flags(), 0, ""),
        row(8, 23, b"\x0b\x0bvia TS"),
    ]);
    let mut packets = Vec::new();
    StreamWriter::new(0x45, 3).pes(0xbd, &payload, PesFlags::default(), &mut packets);
    let mut texts = Vec::new();
    for raw in &packets {
        let p = crate::mpegts::TsPacket::new(raw).unwrap();
        d.push_packet(&p, &mut |page| texts.push(page.subtitle_text()));
    }
    assert_eq!(texts, vec!["via TS"]);
}

#[test]
fn hostile_units_do_not_panic() {
    let mut d = TeletextDecoder::new(PageFilter::All);
    let mut seed = 0x1234_5678u32;
    for _ in 0..2000 {
        let mut payload = vec![0x10];
        for _ in 0..(seed % 300) {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            payload.push((seed >> 24) as u8);
        }
        // Half the time make the units well-formed so the deeper paths run.
        if seed & 1 == 0 {
            for chunk in payload[1..].chunks_mut(46) {
                chunk[0] = DATA_UNIT_SUBTITLE;
                if chunk.len() > 3 {
                    chunk[1] = 44;
                    chunk[3] = 0xe4;
                }
            }
        }
        decode(&mut d, &payload, Some(u64::from(seed)));
    }
    assert!(d.stats().packets > 0);
}

/// X/27/0 links in the page's magazine and in others (relative magazine bits), an unused
/// link as FF.
#[test]
fn fastext_links() {
    use super::encode::links;
    let mut d = TeletextDecoder::new(PageFilter::All);
    let p100 = PageNumber::new(1, 0x00);
    let targets = [
        PageNumber::new(1, 0x01),
        PageNumber::new(2, 0x00),
        PageNumber::new(8, 0x88),
        PageNumber::new(7, 0x99),
    ];
    let payload = pes_payload(&[
        header(p100, PageFlags::default(), 0, "Index"),
        row(1, 1, b"Index"),
        links(1, &targets),
    ]);
    let pages = decode(&mut d, &payload, None);
    let page = pages.last().expect("page 100 reported");
    assert_eq!(page.number, p100);
    assert_eq!(&page.links[..4], targets.map(Some).as_slice());
    assert_eq!(page.links[4..], [None, None]);
}
