// SPDX-License-Identifier: GPL-3.0-or-later
//! Programme titles, each stored once: a guide repeats "News" thousands of times, so the grid
//! keeps a 4-byte title number per programme and one string table.
//!
//! Pure data. The titles come from strangers, so the table uses std's keyed SipHash: with an
//! unkeyed hash such as FxHash a guide can choose millions of titles with one hash value (two
//! 8-byte words cancel out), and every insert then walks all of them, quadratic in the guide.

use std::collections::HashMap;

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

/// Hands out one number per distinct title (or other guide string kept in memory, such as the
/// `catchup-id`s) while ingesting, within a cap on what the distinct strings cost.
#[derive(Debug)]
pub struct Interner {
    numbers: HashMap<Box<str>, u32>,
    /// Cost of all distinct strings so far: their bytes and [`TITLE_COST`] each.
    bytes: usize,
    /// Most that cost may reach.
    cap: usize,
}

impl Default for Interner {
    /// The titles' interner: capped at [`MAX_TITLE_BYTES`].
    fn default() -> Self {
        Self::with_cap(MAX_TITLE_BYTES)
    }
}

/// Most bytes of distinct titles in one index, each title counted with [`TITLE_COST`]: a real
/// guide has a few MB.
pub const MAX_TITLE_BYTES: usize = 16 << 20;

/// What one more distinct title costs besides its text: its table entry (a 16-byte key and a
/// number, with the table's growth slack) and its own allocation. Counting text alone let a
/// million titles of seven bytes pass the cap at 7 MB while the table took 80 MB.
pub const TITLE_COST: usize = 64;

impl Interner {
    /// An interner whose distinct strings may cost at most `cap` bytes (text plus
    /// [`TITLE_COST`] each).
    pub fn with_cap(cap: usize) -> Self {
        Self {
            numbers: HashMap::new(),
            bytes: 0,
            cap,
        }
    }

    /// The number of `title`, adding it when new; `None` when a new title would pass the cap
    /// ([`MAX_TITLE_BYTES`] for titles; text plus [`TITLE_COST`] per title).
    pub fn intern(&mut self, title: &str) -> Option<u32> {
        if let Some(&n) = self.numbers.get(title) {
            return Some(n);
        }
        let cost = title.len() + TITLE_COST;
        if self.bytes + cost > self.cap {
            return None;
        }
        let n = u32::try_from(self.numbers.len()).ok()?;
        self.bytes += cost;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Rustc's Fx hash as the interner used it, for the attack below.
    fn fx(bytes: &[u8]) -> u64 {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let add = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
        let mut h = 0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = add(h, u64::from_le_bytes(c.try_into().unwrap()));
        }
        for &b in chunks.remainder() {
            h = add(h, u64::from(b));
        }
        add(h, 0xff) // `str` hashes a 0xff terminator
    }

    /// `n` distinct 24-byte UTF-8 titles with one Fx hash: the third word cancels the first two.
    fn fx_colliding_titles(n: usize) -> Vec<String> {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let add = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
        let target = 0x1234_5678_9abc_def0u64;
        let mut out = Vec::new();
        let mut counter = 0u64;
        while out.len() < n {
            counter += 1;
            let head = format!("{counter:016}");
            let h2 = head
                .as_bytes()
                .chunks_exact(8)
                .fold(0, |h, c| add(h, u64::from_le_bytes(c.try_into().unwrap())));
            // (rotl(h2, 5) ^ w3) * K == target * K, so w3 = rotl(h2, 5) ^ target.
            let w3 = h2.rotate_left(5) ^ target;
            if let Ok(tail) = std::str::from_utf8(&w3.to_le_bytes()) {
                out.push(format!("{head}{tail}"));
            }
        }
        out
    }

    /// A guide can give thousands of titles that all collide under an unkeyed hash (which made
    /// interning quadratic); the keyed table takes them in linear time.
    #[test]
    fn colliding_titles_are_interned_in_linear_time() {
        let titles = fx_colliding_titles(20_000);
        let first = fx(titles[0].as_bytes());
        assert!(
            titles.iter().all(|t| fx(t.as_bytes()) == first),
            "the attack works on Fx"
        );
        let mut i = Interner::default();
        for (n, t) in titles.iter().enumerate() {
            assert_eq!(i.intern(t), Some(n as u32));
        }
    }

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

    #[test]
    fn the_cap_counts_each_distinct_string_with_its_cost() {
        let mut i = Interner::with_cap(2 * (4 + TITLE_COST));
        assert_eq!(i.intern("ep-1"), Some(0));
        assert_eq!(i.intern("ep-2"), Some(1));
        assert_eq!(i.intern("ep-3"), None, "a third distinct string passes the cap");
        assert_eq!(i.intern("ep-1"), Some(0), "a known one costs nothing more");
    }
}
