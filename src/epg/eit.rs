// SPDX-License-Identifier: GPL-3.0-or-later
//! DVB EIT from a recorded TS file, for `zapbox epg` and tests: the file adapter around the pure
//! [`EitCollector`] of `crate::mpegts::eit`.

use crate::mpegts::eit::{EitCollector, EitSection, EitStats};
use std::io::{self, Read};
use std::path::Path;

/// Runs a collector over a TS file and returns every new section version in it.
pub fn collect_ts_file(path: &Path) -> io::Result<(Vec<EitSection>, EitStats)> {
    let mut file = std::fs::File::open(path)?;
    let mut collector = EitCollector::new();
    let mut sections = Vec::new();
    let mut buf = vec![0u8; 188 * 512];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        collector.push_bytes(&buf[..n]);
        sections.append(&mut collector.take());
    }
    Ok((sections, collector.stats()))
}
