// SPDX-License-Identifier: GPL-3.0-or-later
//! The Service Description Table (EN 300 468 §5.2.3): each service's name and provider, from
//! the service descriptor (0x48), for the stream it describes (actual, 0x42) or another one of
//! the network (other, 0x46). Names are DVB text (`dvb_text`).
//!
//! Pure; works on a CRC-checked [`Section`]. A lying length ends the loop, never a read past
//! the section.

use super::dvb_text;
use super::section::DvbService;
use crate::mpegts::Section;

/// SDT of this transport stream.
pub const TABLE_SDT_ACTUAL: u8 = 0x42;
/// SDT of another transport stream of the network.
pub const TABLE_SDT_OTHER: u8 = 0x46;
/// The PID that carries SDT (and BAT).
pub const PID_SDT: u16 = 0x11;
const DESC_SERVICE: u8 = 0x48;

/// One service of an SDT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdtService {
    pub service: DvbService,
    /// service_type: 0x01 digital TV, 0x02 radio, 0x16/0x19/0x1F SD/HD/UHD TV…
    pub service_type: u8,
    pub provider: String,
    pub name: String,
    /// free_CA_mode: one or more streams are scrambled.
    pub scrambled: bool,
}

/// Decodes an SDT section; `None` when it is not one or its header is cut.
pub fn parse_sdt(section: &Section<'_>) -> Option<Vec<SdtService>> {
    let table_id = section.table_id();
    if !matches!(table_id, TABLE_SDT_ACTUAL | TABLE_SDT_OTHER) || !section.syntax_indicator() {
        return None;
    }
    let transport_stream_id = section.table_id_extension()?;
    let body = section.body();
    let original_network_id = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
    let mut rest = body.get(3..)?;
    let mut services = Vec::new();
    while let [a, b, _, c, d, tail @ ..] = rest {
        let loop_len = usize::from(u16::from_be_bytes([*c, *d]) & 0x0fff);
        let Some((descriptors, next)) = tail.split_at_checked(loop_len) else {
            break;
        };
        let mut entry = SdtService {
            service: DvbService {
                original_network_id,
                transport_stream_id,
                service_id: u16::from_be_bytes([*a, *b]),
            },
            service_type: 0,
            provider: String::new(),
            name: String::new(),
            scrambled: c & 0x10 != 0,
        };
        let mut ds = descriptors;
        while let [tag, len, more @ ..] = ds {
            let Some((data, after)) = more.split_at_checked(usize::from(*len)) else {
                break;
            };
            if *tag == DESC_SERVICE {
                service_descriptor(data, &mut entry);
            }
            ds = after;
        }
        services.push(entry);
        rest = next;
    }
    Some(services)
}

fn service_descriptor(data: &[u8], entry: &mut SdtService) {
    let Some((&service_type, rest)) = data.split_first() else {
        return;
    };
    entry.service_type = service_type;
    let Some((provider, rest)) = length_prefixed(rest) else {
        return;
    };
    entry.provider = dvb_text::decode(provider).trim().to_owned();
    if let Some((name, _)) = length_prefixed(rest) {
        entry.name = dvb_text::decode(name).trim().to_owned();
    }
}

fn length_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    rest.split_at_checked(usize::from(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mpegts::psi::crc32_mpeg2;

    /// An SDT section with `services` as `(sid, provider, name, scrambled)`.
    fn sdt(table_id: u8, tsid: u16, onid: u16, services: &[(u16, &[u8], &[u8], bool)]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&onid.to_be_bytes());
        body.push(0xff);
        for (sid, provider, name, scrambled) in services {
            let mut d = vec![DESC_SERVICE, 0, 0x01, provider.len() as u8];
            d.extend_from_slice(provider);
            d.push(name.len() as u8);
            d.extend_from_slice(name);
            d[1] = (d.len() - 2) as u8;
            body.extend_from_slice(&sid.to_be_bytes());
            body.push(0xfc);
            let flags: u8 = 0x80 | if *scrambled { 0x10 } else { 0 };
            body.extend_from_slice(&(u16::from(flags) << 8 | d.len() as u16).to_be_bytes());
            body.extend_from_slice(&d);
        }
        let len = 5 + body.len() + 4;
        let mut s = vec![table_id, 0xf0 | (len >> 8) as u8, len as u8];
        s.extend_from_slice(&tsid.to_be_bytes());
        s.extend_from_slice(&[0xc1, 0, 0]);
        s.extend_from_slice(&body);
        let crc = crc32_mpeg2(&s);
        s.extend_from_slice(&crc.to_be_bytes());
        s
    }

    #[test]
    fn services_with_names_and_providers() {
        let raw = sdt(
            TABLE_SDT_ACTUAL,
            0x1044,
            0x233a,
            &[
                (0x1044, b"BBC", b"BBC ONE", false),
                (0x10bf, b"", b"Pay \x86TV\x87", true),
            ],
        );
        let services = parse_sdt(&Section::parse(&raw).unwrap()).unwrap();
        assert_eq!(services.len(), 2);
        assert_eq!(services[0].service.guide_id(), "dvb:9018.4164.4164");
        assert_eq!(
            (services[0].provider.as_str(), services[0].name.as_str()),
            ("BBC", "BBC ONE")
        );
        assert!(!services[0].scrambled && services[1].scrambled);
        assert_eq!(services[1].name, "Pay TV");
        let other = sdt(TABLE_SDT_OTHER, 1, 2, &[(3, b"P", b"N", false)]);
        assert_eq!(
            parse_sdt(&Section::parse(&other).unwrap()).unwrap()[0]
                .service
                .service_id,
            3
        );
    }

    #[test]
    fn cut_loops_end_quietly() {
        let mut raw = sdt(TABLE_SDT_ACTUAL, 1, 2, &[(3, b"Provider", b"Name", false)]);
        // Claim a longer descriptor loop than the section holds, and fix the CRC.
        raw[14] = 0x8f;
        let n = raw.len() - 4;
        let crc = crc32_mpeg2(&raw[..n]);
        raw[n..].copy_from_slice(&crc.to_be_bytes());
        let services = parse_sdt(&Section::parse(&raw).unwrap()).unwrap();
        assert!(services.is_empty());
    }
}
