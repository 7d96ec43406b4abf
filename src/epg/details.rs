// SPDX-License-Identifier: GPL-3.0-or-later
//! The details file on disk: records appended while the ingest parses (so a description is
//! never held longer than its element), read back with two positioned reads, so an info screen
//! costs microseconds and no memory for the rest of the guide. Records are length-checked when
//! read: a damaged file gives an error, never a panic or a wild allocation.
//!
//! The record format and [`Details`] are the guide model's (`crate::guide::details`); this is
//! the adapter that puts them in files.

use crate::guide::details::{MAX_RECORD_BYTES, NO_DETAILS};
use crate::guide::{Details, DetailsSource, ProgrammeId};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;

/// Appends records to a details file; offsets are what the index stores.
pub struct DetailsWriter {
    out: BufWriter<File>,
    offset: u64,
}

impl DetailsWriter {
    /// Writes into `file` from its start.
    pub fn new(file: File) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 20, file),
            offset: 0,
        }
    }

    /// Appends a record; returns its offset, or [`NO_DETAILS`] when it is empty.
    pub fn append(&mut self, record: &[u8]) -> io::Result<u64> {
        if record.is_empty() {
            return Ok(NO_DETAILS);
        }
        let at = self.offset;
        self.out.write_all(&(record.len() as u32).to_le_bytes())?;
        self.out.write_all(record)?;
        self.offset += 4 + record.len() as u64;
        Ok(at)
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.offset
    }

    /// True before the first record.
    pub fn is_empty(&self) -> bool {
        self.offset == 0
    }

    /// Flushes and returns the file.
    pub fn finish(self) -> io::Result<File> {
        self.out.into_inner().map_err(io::IntoInnerError::into_error)
    }
}

/// Reads one record at `offset` of a details file.
pub fn read_record(file: &File, offset: u64) -> io::Result<Option<Details>> {
    if offset == NO_DETAILS {
        return Ok(None);
    }
    let mut len = [0u8; 4];
    file.read_exact_at(&mut len, offset)?;
    let len = u32::from_le_bytes(len);
    if len > MAX_RECORD_BYTES {
        return Err(damaged());
    }
    let mut record = vec![0u8; len as usize];
    file.read_exact_at(&mut record, offset + 4)?;
    Details::decode(&record).map(Some).ok_or_else(damaged)
}

fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "damaged guide details record")
}

/// The open details file and its offset table (one `u64` per programme, in grid order).
#[derive(Debug)]
pub struct DetailsFiles {
    pub records: File,
    pub offsets: File,
}

impl DetailsSource for DetailsFiles {
    fn details(&self, id: ProgrammeId) -> io::Result<Option<Details>> {
        let mut offset = [0u8; 8];
        self.offsets.read_exact_at(&mut offset, u64::from(id.0) * 8)?;
        read_record(&self.records, u64::from_le_bytes(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::Rating;

    #[test]
    fn records_round_trip_through_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = DetailsWriter::new(File::create(dir.path().join("d.bin")).unwrap());
        let details = Details {
            description: Some("Long text".into()),
            rating: vec![Rating {
                system: "FSK".into(),
                value: "12".into(),
            }],
            ..Details::default()
        };
        let first = writer.append(details.parts().encode().as_bytes()).unwrap();
        let empty = writer.append(&[]).unwrap();
        writer.finish().unwrap();
        let offsets: Vec<u8> = [first, empty].iter().flat_map(|o| o.to_le_bytes()).collect();
        std::fs::write(dir.path().join("d.off"), offsets).unwrap();
        let files = DetailsFiles {
            records: File::open(dir.path().join("d.bin")).unwrap(),
            offsets: File::open(dir.path().join("d.off")).unwrap(),
        };
        assert_eq!(files.details(ProgrammeId(0)).unwrap(), Some(details));
        assert_eq!(files.details(ProgrammeId(1)).unwrap(), None);
        assert!(files.details(ProgrammeId(2)).is_err(), "past the table");
    }
}
