// SPDX-License-Identifier: GPL-3.0-or-later
//! One received teletext page and what a viewer sees of it: rows of styled spans after
//! the Level 1 spacing attributes (EN 300 706 §12.2: colours, boxes, double height,
//! flash, conceal, mosaics) and, for subtitle and newsflash pages, only the boxed text.
//!
//! Holds raw codes and X/26 overrides; turning them into text happens here so the
//! decoder stays a packet state machine. Knows nothing of PES or Hamming codes.

use super::charset::{NationalOption, g0_char};

/// Display rows kept: 0 (header) to 24 (the navigation row).
pub const ROWS: usize = 25;
/// Characters per row.
pub const COLUMNS: usize = 40;

/// A page address: magazine 1–8 and a two-digit hexadecimal page number (0x00–0xFF;
/// numbers with a digit above 9 are not for display, 0xFF is time filling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageNumber {
    magazine: u8,
    page: u8,
}

impl PageNumber {
    /// Page `page` (e.g. 0x88) of `magazine`; magazine 0 is 8, as on the wire.
    pub fn new(magazine: u8, page: u8) -> Self {
        let magazine = match magazine & 7 {
            0 => 8,
            m => m,
        };
        Self { magazine, page }
    }

    /// The page as viewers know it, e.g. 888; `None` for the non-decimal pages.
    pub fn decimal(self) -> Option<u16> {
        let (tens, units) = (self.page >> 4, self.page & 0x0f);
        (tens <= 9 && units <= 9)
            .then(|| u16::from(self.magazine) * 100 + u16::from(tens) * 10 + u16::from(units))
    }

    /// From a viewer's number (100–899).
    pub fn from_decimal(number: u16) -> Option<Self> {
        let magazine = u8::try_from(number / 100).ok().filter(|m| (1..=8).contains(m))?;
        let rest = (number % 100) as u8;
        Some(Self::new(magazine, ((rest / 10) << 4) | (rest % 10)))
    }

    /// Magazine 1–8.
    pub fn magazine(self) -> u8 {
        self.magazine
    }

    /// Page number within the magazine (hexadecimal digits).
    pub fn page(self) -> u8 {
        self.page
    }
}

/// The page header's control bits (EN 300 706 §9.3.1.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageFlags {
    /// C4: erase the page before showing this transmission.
    pub erase: bool,
    /// C5: newsflash (boxed text over the picture).
    pub newsflash: bool,
    /// C6: subtitle (boxed text over the picture).
    pub subtitle: bool,
    /// C7: suppress the header row.
    pub suppress_header: bool,
    /// C8: the page content changed.
    pub update: bool,
    /// C9: interrupted sequence.
    pub interrupted: bool,
    /// C10: inhibit display of rows 1–24.
    pub inhibit_display: bool,
    /// C11: magazines are sent one after another (a header ends every page in progress).
    pub serial: bool,
}

/// The eight teletext colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colour {
    /// Black.
    #[default]
    Black,
    /// Red.
    Red,
    /// Green.
    Green,
    /// Yellow.
    Yellow,
    /// Blue.
    Blue,
    /// Magenta.
    Magenta,
    /// Cyan.
    Cyan,
    /// White.
    White,
}

impl Colour {
    fn from_code(code: u8) -> Self {
        match code & 7 {
            0 => Self::Black,
            1 => Self::Red,
            2 => Self::Green,
            3 => Self::Yellow,
            4 => Self::Blue,
            5 => Self::Magenta,
            6 => Self::Cyan,
            _ => Self::White,
        }
    }
}

/// How a run of characters looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Style {
    /// Foreground colour.
    pub foreground: Colour,
    /// Background colour.
    pub background: Colour,
    /// Drawn over two rows.
    pub double_height: bool,
    /// Flashing.
    pub flash: bool,
    /// Hidden until the viewer reveals it.
    pub concealed: bool,
    /// Inside a box (the part of a subtitle or newsflash page that is shown).
    pub boxed: bool,
}

impl Default for Style {
    /// The start-of-row state: white on black, normal size, steady, not boxed.
    fn default() -> Self {
        Self {
            foreground: Colour::White,
            background: Colour::Black,
            double_height: false,
            flash: false,
            concealed: false,
            boxed: false,
        }
    }
}

/// Characters of one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The characters (spacing attributes appear as spaces).
    pub text: String,
    /// Their style.
    pub style: Style,
}

/// One display row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Row number, 0 (header) to 24.
    pub number: u8,
    /// Styled runs covering the 40 columns (or, for subtitles, the boxed part).
    pub spans: Vec<Span>,
}

impl Row {
    /// The row's characters without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Whether any span is double height.
    pub fn double_height(&self) -> bool {
        self.spans.iter().any(|s| s.style.double_height)
    }
}

/// A page as received: raw row codes plus characters placed by X/26 enhancements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Address.
    pub number: PageNumber,
    /// Subcode S1–S4 (13 bits: the subpage of rotating pages, or a time code).
    pub subcode: u16,
    /// Control bits.
    pub flags: PageFlags,
    /// National option subset from C12–C14.
    pub national: NationalOption,
    /// PTS (90 kHz) of the PES that carried the header; `None` means show at once.
    pub pts: Option<u64>,
    /// The editorial links of X/27/0 (red, green, yellow, blue, the index and one spare):
    /// where the colour keys lead (fastext).
    pub links: [Option<PageNumber>; 6],
    pub(super) codes: [[u8; COLUMNS]; ROWS],
    pub(super) received: u32,
    /// Characters placed by X/26, per cell (fixed size: constant work per triplet).
    pub(super) overrides: Box<[[Option<char>; COLUMNS]; ROWS]>,
}

impl Page {
    /// An empty page (every cell a space).
    pub fn blank(number: PageNumber) -> Self {
        Self {
            number,
            subcode: 0,
            flags: PageFlags::default(),
            national: NationalOption::English,
            pts: None,
            links: [None; 6],
            codes: [[b' '; COLUMNS]; ROWS],
            received: 0,
            overrides: Box::new([[None; COLUMNS]; ROWS]),
        }
    }

    /// Whether row `row` has been received.
    pub fn has_row(&self, row: u8) -> bool {
        usize::from(row) < ROWS && self.received & (1 << row) != 0
    }

    /// Sets row `row` from its 7-bit codes (parity errors already replaced).
    pub(super) fn set_row(&mut self, row: u8, codes: [u8; COLUMNS]) {
        if let Some(slot) = self.codes.get_mut(usize::from(row)) {
            *slot = codes;
            self.received |= 1 << row;
        }
    }

    /// Places a character from an X/26 enhancement; cells outside the page are ignored.
    pub(super) fn set_override(&mut self, row: u8, column: u8, ch: char) {
        let cell = self
            .overrides
            .get_mut(usize::from(row))
            .and_then(|r| r.get_mut(usize::from(column)));
        if let Some(cell) = cell {
            *cell = Some(ch);
        }
    }

    fn char_at(&self, row: u8, column: u8, code: u8) -> char {
        self.overrides[usize::from(row)][usize::from(column)].unwrap_or_else(|| g0_char(code, self.national))
    }

    /// Row `row` as a viewer sees it (attributes applied); `None` if never received.
    pub fn row(&self, row: u8) -> Option<Row> {
        self.has_row(row).then(|| self.render_row(row))
    }

    /// Rows 1–24 as displayed: received rows only, and the row under a double-height row
    /// is hidden (it is the lower half of the row above).
    pub fn display_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut skip = false;
        for number in 1..ROWS as u8 {
            if std::mem::take(&mut skip) {
                continue;
            }
            if let Some(row) = self.row(number) {
                skip = row.double_height();
                rows.push(row);
            }
        }
        rows
    }

    /// The subtitle lines: for each displayed row, the boxed text, trimmed, without empty
    /// rows. Subtitle and newsflash pages show nothing outside boxes (EN 300 706 §12.2).
    pub fn subtitle_lines(&self) -> Vec<Row> {
        if self.flags.inhibit_display {
            return Vec::new();
        }
        self.display_rows()
            .into_iter()
            .filter_map(|row| boxed_part(&row))
            .collect()
    }

    /// The subtitle as plain text, one line per row.
    pub fn subtitle_text(&self) -> String {
        let lines: Vec<String> = self.subtitle_lines().iter().map(Row::text).collect();
        lines.join("\n")
    }

    fn render_row(&self, number: u8) -> Row {
        let codes = &self.codes[usize::from(number)];
        let mut spans: Vec<Span> = Vec::new();
        let mut state = AttributeState::default();
        for (column, &code) in codes.iter().enumerate() {
            let (ch, style) = state.cell(code, || self.char_at(number, column as u8, code));
            match spans.last_mut() {
                Some(span) if span.style == style => span.text.push(ch),
                _ => spans.push(Span {
                    text: ch.to_string(),
                    style,
                }),
            }
        }
        Row { number, spans }
    }
}

/// The boxed spans of `row`, trimmed at both ends; `None` when nothing visible remains.
fn boxed_part(row: &Row) -> Option<Row> {
    let mut spans: Vec<Span> = row.spans.iter().filter(|s| s.style.boxed).cloned().collect();
    while spans.first().is_some_and(|s| s.text.trim().is_empty()) {
        spans.remove(0);
    }
    while spans.last().is_some_and(|s| s.text.trim().is_empty()) {
        spans.pop();
    }
    let first = spans.first_mut()?;
    first.text = first.text.trim_start().to_string();
    let last = spans.last_mut()?;
    last.text = last.text.trim_end().to_string();
    Some(Row {
        number: row.number,
        spans,
    })
}

/// Level 1 attribute state across a row (set-at attributes act on their own cell,
/// set-after ones from the next cell).
#[derive(Default)]
struct AttributeState {
    style: Style,
    mosaic: bool,
    separated: bool,
    hold: bool,
    held: char,
}

impl AttributeState {
    /// The character and style of one cell, updating the state.
    fn cell(&mut self, code: u8, text: impl FnOnce() -> char) -> (char, Style) {
        if code >= 0x20 {
            let ch = if self.mosaic && !(0x40..0x60).contains(&code) {
                mosaic_char(code, self.separated)
            } else {
                text()
            };
            if self.mosaic {
                self.held = ch;
            }
            return (ch, self.style);
        }
        // Set-at attributes change this cell.
        match code {
            0x09 => self.style.flash = false,
            0x0c => self.style.double_height = false,
            0x18 => self.style.concealed = true,
            0x19 => self.separated = false,
            0x1a => self.separated = true,
            0x1c => self.style.background = Colour::Black,
            0x1d => self.style.background = self.style.foreground,
            0x1e => self.hold = true,
            _ => {}
        }
        let shown = if self.mosaic && self.hold { self.held } else { ' ' };
        let here = self.style;
        // Set-after attributes change the cells after it.
        match code {
            0x00..=0x07 => {
                self.style.foreground = Colour::from_code(code);
                self.style.concealed = false;
                self.mosaic = false;
            }
            0x08 => self.style.flash = true,
            0x0a => self.style.boxed = false,
            0x0b => self.style.boxed = true,
            0x0d | 0x0f => self.style.double_height = true,
            0x10..=0x17 => {
                self.style.foreground = Colour::from_code(code);
                self.style.concealed = false;
                self.mosaic = true;
            }
            0x1f => self.hold = false,
            _ => {}
        }
        (shown, here)
    }
}

/// A block mosaic cell as the nearest Unicode block: full when most sextants are set.
fn mosaic_char(code: u8, separated: bool) -> char {
    let bits = (code & 0x1f) | (code & 0x40) >> 1;
    match bits.count_ones() {
        0 => ' ',
        1 | 2 => '░',
        3 | 4 => '▒',
        _ if separated => '▓',
        _ => '█',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_codes(text: &[u8]) -> [u8; COLUMNS] {
        let mut codes = [b' '; COLUMNS];
        codes[..text.len()].copy_from_slice(text);
        codes
    }

    #[test]
    fn page_numbers() {
        let p = PageNumber::new(0, 0x88);
        assert_eq!(p.magazine(), 8);
        assert_eq!(p.decimal(), Some(888));
        assert_eq!(PageNumber::from_decimal(150), Some(PageNumber::new(1, 0x50)));
        assert_eq!(PageNumber::from_decimal(950), None);
        assert_eq!(PageNumber::new(1, 0xff).decimal(), None);
    }

    #[test]
    fn boxed_text_colours_and_double_height() {
        let mut page = Page::blank(PageNumber::new(8, 0x88));
        page.national = NationalOption::French;
        page.set_row(20, row_codes(b"\x0d\x03\x0b\x0bD{j@ vu\x0a\x0a"));
        page.set_row(21, row_codes(b"hidden lower half"));
        page.set_row(22, row_codes(b"outside\x0b\x0b\x06Oui\x0a"));
        page.set_row(5, row_codes(b"no box here"));
        let lines = page.subtitle_lines();
        let texts: Vec<String> = lines.iter().map(Row::text).collect();
        assert_eq!(texts, vec!["Dâjà vu", "Oui"]);
        let style = lines[0].spans[0].style;
        assert_eq!(style.foreground, Colour::Yellow);
        assert!(style.double_height && style.boxed);
        assert_eq!(lines[1].spans[0].style.foreground, Colour::Cyan);
        assert!(!lines[1].double_height());
        // The whole page shows the unboxed rows too.
        assert_eq!(page.display_rows().len(), 3);
    }

    #[test]
    fn overrides_win_and_inhibit_hides() {
        let mut page = Page::blank(PageNumber::new(1, 0));
        page.set_row(1, row_codes(b"\x0b\x0bCa va"));
        page.set_override(1, 2, 'Ç');
        page.set_override(30, 2, 'x');
        assert_eq!(page.subtitle_text(), "Ça va");
        page.flags.inhibit_display = true;
        assert_eq!(page.subtitle_text(), "");
    }

    #[test]
    fn mosaics_and_hold() {
        let mut page = Page::blank(PageNumber::new(1, 0));
        page.set_row(2, row_codes(b"\x17\x7f\x1e\x13A"));
        let text = page.row(2).unwrap().text();
        assert!(text.starts_with(" █"), "{text}");
        assert_eq!(text.chars().nth(2), Some('█')); // held mosaic under the hold code
        assert_eq!(text.chars().nth(4), Some('A')); // upper-case letters stay text
    }
}
