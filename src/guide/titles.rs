// SPDX-License-Identifier: GPL-3.0-or-later
//! Programme titles, each stored once: a guide repeats "News" thousands of times, so the grid
//! keeps a 4-byte title number per programme and one string table.
//!
//! Pure data; the hash is FxHash-style because SipHash would be a visible share of ingest time
//! and the input cannot choose collisions that matter (at worst a slower ingest).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Titles by number: `get(n)` is a slice of one string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Titles {
    /// `offsets[n]..offsets[n + 1]` is title `n` in `text`.
    offsets: Vec<u32>,
    text: String,
}

impl Titles {
    /// Builds the table from titles in number order.
    pub fn from_ordered<'a>(titles: impl IntoIterator<Item = &'a str>) -> Self {
        let mut t = Self {
            offsets: vec![0],
            text: String::new(),
        };
        for title in titles {
            t.text.push_str(title);
            t.offsets.push(t.text.len() as u32);
        }
        t
    }

    /// Rebuilds from stored parts; `None` unless the offsets are ascending, in range and on
    /// character boundaries.
    pub fn from_parts(offsets: Vec<u32>, text: String) -> Option<Self> {
        let ok = offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last().is_some_and(|&end| end as usize == text.len())
            && offsets.iter().all(|&o| text.is_char_boundary(o as usize));
        ok.then_some(Self { offsets, text })
    }

    /// Title `n`, or "" for an unknown number.
    pub fn get(&self, n: u32) -> &str {
        let n = n as usize;
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// Number of titles.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// No title at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offsets and text, for writing.
    pub fn parts(&self) -> (&[u32], &str) {
        (&self.offsets, &self.text)
    }
}

/// Hands out one number per distinct title while ingesting.
#[derive(Debug, Default)]
pub struct Interner {
    numbers: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
}

impl Interner {
    /// The number of `title`, adding it when new; `None` past 2^32 distinct titles.
    pub fn intern(&mut self, title: &str) -> Option<u32> {
        if let Some(&n) = self.numbers.get(title) {
            return Some(n);
        }
        let n = u32::try_from(self.numbers.len()).ok()?;
        self.numbers.insert(title.into(), n);
        Some(n)
    }

    /// The table, titles in number order.
    pub fn into_titles(self) -> Titles {
        let mut ordered: Vec<(u32, Box<str>)> = self.numbers.into_iter().map(|(t, n)| (n, t)).collect();
        ordered.sort_unstable_by_key(|(n, _)| *n);
        Titles::from_ordered(ordered.iter().map(|(_, t)| &**t))
    }
}

/// Rustc's Fx hash: a multiply and rotate per word.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_and_table() {
        let mut i = Interner::default();
        assert_eq!(i.intern("News"), Some(0));
        assert_eq!(i.intern("Film"), Some(1));
        assert_eq!(i.intern("News"), Some(0));
        let t = i.into_titles();
        assert_eq!((t.get(0), t.get(1), t.get(2)), ("News", "Film", ""));
        let (offsets, text) = t.parts();
        assert_eq!(
            Titles::from_parts(offsets.to_vec(), text.to_owned()),
            Some(t.clone())
        );
        assert_eq!(Titles::from_parts(vec![0, 9], "News".into()), None);
        assert_eq!(Titles::from_parts(vec![0, 1], "é".into()), None);
    }
}
