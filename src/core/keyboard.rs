// SPDX-License-Identifier: GPL-3.0-or-later
//! The on-screen keyboard for typing playlist and guide addresses with a remote: arrows move over
//! the keys, OK types the focused one, the number keys type digits directly.

/// Character rows (shown in capitals while SHIFT is on).
pub const CHARACTER_ROWS: [&str; 4] = ["abcdefghijklm", "nopqrstuvwxyz", "0123456789.:/", "-_?=&%~@+#,;!"];
/// The last row: the keys that are not characters.
pub const SPECIAL_KEYS: [SpecialKey; 4] = [
    SpecialKey::Shift,
    SpecialKey::Space,
    SpecialKey::Delete,
    SpecialKey::Done,
];
/// Longest text the keyboard takes (a URL with a long token fits).
pub const MAX_TEXT: usize = 512;

/// A key that is not a character (the UI draws its symbol and translated word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKey {
    Shift,
    Space,
    Delete,
    Done,
}

/// One key as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLabel {
    Character(char),
    Special(SpecialKey),
}

/// The keyboard's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keyboard {
    pub text: String,
    pub row: usize,
    pub col: usize,
    pub shift: bool,
}

/// What pressing OK did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    Typed,
    Done(String),
}

impl Keyboard {
    /// Every row of keys, as shown.
    pub fn rows(&self) -> Vec<Vec<KeyLabel>> {
        let mut rows: Vec<Vec<KeyLabel>> = CHARACTER_ROWS
            .iter()
            .map(|row| {
                row.chars()
                    .map(|c| KeyLabel::Character(self.shifted(c)))
                    .collect()
            })
            .collect();
        rows.push(SPECIAL_KEYS.iter().map(|k| KeyLabel::Special(*k)).collect());
        rows
    }

    fn shifted(&self, c: char) -> char {
        if self.shift { c.to_ascii_uppercase() } else { c }
    }

    fn row_len(row: usize) -> usize {
        CHARACTER_ROWS
            .get(row)
            .map_or(SPECIAL_KEYS.len(), |r| r.chars().count())
    }

    /// Moves the focus; rows wrap, and a shorter row keeps the column in range.
    pub fn step(&mut self, rows: isize, cols: isize) {
        let count = CHARACTER_ROWS.len() + 1;
        self.row = (self.row as isize + rows).rem_euclid(count as isize) as usize;
        let len = Self::row_len(self.row);
        self.col = (self.col.min(len - 1) as isize + cols).rem_euclid(len as isize) as usize;
    }

    /// Types `c` (a digit key of the remote, or a focused character key).
    pub fn type_char(&mut self, c: char) {
        if self.text.len() < MAX_TEXT {
            self.text.push(c);
        }
    }

    /// OK on the focused key.
    pub fn press(&mut self) -> Press {
        match CHARACTER_ROWS.get(self.row) {
            Some(row) => {
                if let Some(c) = row.chars().nth(self.col) {
                    self.type_char(self.shifted(c));
                }
            }
            None => match SPECIAL_KEYS[self.col.min(SPECIAL_KEYS.len() - 1)] {
                SpecialKey::Shift => self.shift = !self.shift,
                SpecialKey::Space => self.type_char(' '),
                SpecialKey::Delete => {
                    self.text.pop();
                }
                SpecialKey::Done => return Press::Done(self.text.trim().to_string()),
            },
        }
        Press::Typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_a_url_with_arrows_and_ok() {
        let mut k = Keyboard::default();
        k.step(0, 7); // h
        assert_eq!(k.press(), Press::Typed);
        k.step(2, 0); // row 2, col 7 -> '7'
        k.press();
        k.step(2, 0); // special row: column clamped to the last key (Done)
        assert_eq!(k.press(), Press::Done("h7".into()));
    }

    #[test]
    fn shift_delete_and_wrapping() {
        let mut k = Keyboard {
            row: 4,
            ..Default::default()
        };
        k.press(); // shift on
        k.step(-4, 0); // 'a' row
        k.press();
        assert_eq!(k.text, "A");
        k.step(0, -1); // wraps to 'm'
        k.press();
        assert_eq!(k.text, "AM");
        k.step(-1, 0); // wraps to the special row
        k.col = 2;
        k.press();
        assert_eq!(k.text, "A");
    }
}
