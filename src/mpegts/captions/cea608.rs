// SPDX-License-Identifier: GPL-3.0-or-later
//! CEA-608 (line 21) closed captions: the byte pairs of one field turned into the screen a
//! caption decoder shows, 15 rows of 32 columns.
//!
//! Each field carries two data channels (field 1: CC1 and CC2, field 2: CC3 and CC4); a
//! control code names its channel (bit 3 of its first byte) and the characters after it
//! belong to that channel. Captions come in three styles, chosen by control codes:
//!
//! - pop-on (RCL): text is loaded into a hidden memory and appears at once at EOC, which
//!   swaps the two memories; EDM erases what is shown;
//! - roll-up (RU2–RU4): text is written into the bottom rows of a 2–4 row window and CR
//!   scrolls it up one row;
//! - paint-on (RDC): text is written straight onto the screen.
//!
//! Preamble address codes (PAC) set the row, the indent and the colour; mid-row codes change
//! the colour, italics and underline; the special and extended characters add the Latin
//! letters ASCII lacks (an extended character replaces the basic one sent before it for
//! older decoders). Control codes are sent twice in a row for robustness: the repeat is
//! dropped. Pairs with a parity error are dropped, text mode (TR/RTD) and XDS are skipped.
//!
//! Bytes in, screens out: no clock; memory is the two 15×32 memories whatever arrives.

use crate::mpegts::teletext::Colour;

/// Caption rows.
pub const ROWS: usize = 15;
/// Caption columns.
pub const COLUMNS: usize = 32;

/// A caption channel: CC1 and CC2 on field 1, CC3 and CC4 on field 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Channel(u8);

impl Channel {
    /// CC1–CC4.
    pub const ALL: [Self; 4] = [Self(1), Self(2), Self(3), Self(4)];

    /// CC1–CC4; `None` for other numbers.
    pub fn new(number: u8) -> Option<Self> {
        (1..=4).contains(&number).then_some(Self(number))
    }

    /// 1–4.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Field 2 carries CC3 and CC4.
    pub fn second_field(self) -> bool {
        self.0 > 2
    }

    /// The second data channel of its field (CC2, CC4).
    fn second_data_channel(self) -> bool {
        self.0.is_multiple_of(2)
    }
}

/// One character on the caption screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub colour: Colour,
    pub italic: bool,
    pub underline: bool,
}

/// A caption memory; `None` is a transparent cell.
type Memory = [[Option<Cell>; COLUMNS]; ROWS];

const EMPTY: Memory = [[None; COLUMNS]; ROWS];

/// Characters of one colour on a caption row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptionRun {
    pub text: String,
    pub colour: Colour,
}

/// One row of the caption screen that shows something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptionRow {
    /// 1–15 from the top.
    pub row: u8,
    /// Column of its first character, 0–31.
    pub column: u8,
    pub runs: Vec<CaptionRun>,
}

impl CaptionRow {
    /// The row's characters (transparent cells between characters as spaces).
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// What the caption screen shows: its non-empty rows, top to bottom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    pub rows: Vec<CaptionRow>,
}

impl Screen {
    fn of(memory: &Memory) -> Self {
        let rows = memory.iter().enumerate().filter_map(|(i, cells)| {
            let first = cells.iter().position(Option::is_some)?;
            let last = cells.iter().rposition(Option::is_some)?;
            let mut runs: Vec<CaptionRun> = Vec::new();
            let mut colour = Colour::White;
            for cell in &cells[first..=last] {
                let (ch, c) = cell.map_or((' ', colour), |c| (c.ch, c.colour));
                colour = c;
                match runs.last_mut() {
                    Some(run) if run.colour == c => run.text.push(ch),
                    _ => runs.push(CaptionRun {
                        text: ch.to_string(),
                        colour: c,
                    }),
                }
            }
            Some(CaptionRow {
                row: i as u8 + 1,
                column: first as u8,
                runs,
            })
        });
        Self { rows: rows.collect() }
    }

    /// Nothing shown.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows' text, one line each, without the spaces at their ends.
    pub fn text(&self) -> String {
        let lines: Vec<String> = self.rows.iter().map(|r| r.text().trim().to_owned()).collect();
        lines.join("\n")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    PopOn,
    PaintOn,
    RollUp(usize),
}

/// The decoder of one caption channel.
#[derive(Debug)]
pub struct Cea608Decoder {
    channel: Channel,
    /// The last control code of the field named this channel.
    active: bool,
    /// Text mode (TR/RTD): characters that are not captions, until a caption style code.
    text_mode: bool,
    /// An XDS packet (field 2) runs until its end code or the next control code.
    xds: bool,
    style: Style,
    shown: Box<Memory>,
    loading: Box<Memory>,
    row: usize,
    column: usize,
    pen: Cell,
    last_control: Option<[u8; 2]>,
    changed: bool,
}

fn odd_parity(b: u8) -> bool {
    b.count_ones() % 2 == 1
}

const WHITE: Cell = Cell {
    ch: ' ',
    colour: Colour::White,
    italic: false,
    underline: false,
};

/// The basic character set: ASCII with nine letters and signs in place of others.
fn basic(b: u8) -> char {
    match b {
        0x2a => 'á',
        0x5c => 'é',
        0x5e => 'í',
        0x5f => 'ó',
        0x60 => 'ú',
        0x7b => 'ç',
        0x7c => '÷',
        0x7d => 'Ñ',
        0x7e => 'ñ',
        0x7f => '█',
        b => char::from(b),
    }
}

/// Special characters (0x11/0x19 0x30–0x3F).
const SPECIAL: [char; 16] = [
    '®', '°', '½', '¿', '™', '¢', '£', '♪', 'à', '\u{a0}', 'è', 'â', 'ê', 'î', 'ô', 'û',
];

/// Extended characters (0x12/0x1A and 0x13/0x1B, 0x20–0x3F): Spanish, French, Portuguese,
/// German, Danish and box drawing.
const EXTENDED: [[char; 32]; 2] = [
    [
        'Á', 'É', 'Ó', 'Ú', 'Ü', 'ü', '‘', '¡', '*', '\'', '—', '©', '℠', '•', '“', '”', 'À', 'Â', 'Ç', 'È',
        'Ê', 'Ë', 'ë', 'Î', 'Ï', 'ï', 'Ô', 'Ù', 'ù', 'Û', '«', '»',
    ],
    [
        'Ã', 'ã', 'Í', 'Ì', 'ì', 'Ò', 'ò', 'Õ', 'õ', '{', '}', '\\', '^', '_', '|', '~', 'Ä', 'ä', 'Ö', 'ö',
        'ß', '¥', '¤', '¦', 'Å', 'å', 'Ø', 'ø', '┌', '┐', '└', '┘',
    ],
];

/// Colours of PACs and mid-row codes, in code order (the eighth code is italics).
const COLOURS: [Colour; 7] = [
    Colour::White,
    Colour::Green,
    Colour::Blue,
    Colour::Cyan,
    Colour::Red,
    Colour::Yellow,
    Colour::Magenta,
];

/// The row (0-based) a PAC addresses: first byte (channel bit cleared) and bit 5 of the second.
fn pac_row(first: u8, second: u8) -> Option<usize> {
    let low = second & 0x20 != 0;
    let row = match (first, low) {
        (0x11, false) => 1,
        (0x11, true) => 2,
        (0x12, false) => 3,
        (0x12, true) => 4,
        (0x15, false) => 5,
        (0x15, true) => 6,
        (0x16, false) => 7,
        (0x16, true) => 8,
        (0x17, false) => 9,
        (0x17, true) => 10,
        (0x10, false) => 11,
        (0x13, false) => 12,
        (0x13, true) => 13,
        (0x14, false) => 14,
        (0x14, true) => 15,
        _ => return None,
    };
    Some(row - 1)
}

impl Cea608Decoder {
    /// A decoder of `channel`, showing nothing.
    pub fn new(channel: Channel) -> Self {
        Self {
            channel,
            active: false,
            text_mode: false,
            xds: false,
            style: Style::PopOn,
            shown: Box::new(EMPTY),
            loading: Box::new(EMPTY),
            row: ROWS - 1,
            column: 0,
            pen: WHITE,
            last_control: None,
            changed: false,
        }
    }

    /// The channel decoded.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// What the screen shows now.
    pub fn screen(&self) -> Screen {
        Screen::of(&self.shown)
    }

    /// Feeds the byte pairs of one frame for this channel's field (parity bits included);
    /// returns the screen when it changed.
    pub fn push_pairs(&mut self, pairs: &[[u8; 2]]) -> Option<Screen> {
        for &pair in pairs {
            self.push(pair);
        }
        std::mem::take(&mut self.changed).then(|| self.screen())
    }

    fn push(&mut self, [hi, lo]: [u8; 2]) {
        if !odd_parity(hi) || !odd_parity(lo) {
            self.last_control = None;
            return;
        }
        let (a, b) = (hi & 0x7f, lo & 0x7f);
        match a {
            0x00 => {} // padding
            0x01..=0x0f => {
                // XDS (field 2): its packets run until 0x0F ends them.
                self.xds = a != 0x0f;
                self.last_control = None;
            }
            0x10..=0x1f => {
                self.xds = false;
                if self.last_control == Some([a, b]) {
                    self.last_control = None;
                    return;
                }
                self.last_control = Some([a, b]);
                self.active = (a & 0x08 != 0) == self.channel.second_data_channel();
                if self.active {
                    self.control(a & 0xf7, b);
                }
            }
            _ => {
                self.last_control = None;
                if self.active && !self.text_mode && !self.xds {
                    self.write(basic(a));
                    if b >= 0x20 {
                        self.write(basic(b));
                    }
                }
            }
        }
    }

    fn control(&mut self, a: u8, b: u8) {
        match (a, b) {
            (0x14 | 0x15, 0x20..=0x2f) => self.command(b),
            _ if self.text_mode => {}
            (0x17, 0x21..=0x23) => self.column = (self.column + usize::from(b - 0x20)).min(COLUMNS - 1),
            (0x11, 0x20..=0x2f) => {
                let code = usize::from(b - 0x20);
                if code >> 1 == 7 {
                    self.pen.italic = true;
                } else {
                    self.pen.colour = COLOURS[code >> 1];
                    self.pen.italic = false;
                }
                self.pen.underline = code & 1 != 0;
                self.write(' ');
            }
            (0x11, 0x30..=0x3f) => self.write(SPECIAL[usize::from(b - 0x30)]),
            (0x12 | 0x13, 0x20..=0x3f) => {
                // Replaces the basic character sent before it for older decoders.
                self.backspace();
                self.write(EXTENDED[usize::from(a - 0x12)][usize::from(b - 0x20)]);
            }
            (0x10..=0x17, 0x40..=0x7f) => {
                if let Some(row) = pac_row(a, b) {
                    self.preamble(row, b & 0x1f);
                }
            }
            _ => {}
        }
    }

    fn command(&mut self, b: u8) {
        match b {
            0x20 => self.caption_style(Style::PopOn),
            0x25..=0x27 => self.caption_style(Style::RollUp(usize::from(b - 0x23))),
            0x29 => self.caption_style(Style::PaintOn),
            0x2a | 0x2b => self.text_mode = true, // text restart / resume text display
            _ if self.text_mode => {}
            0x21 => self.backspace(),
            0x24 => {
                let (row, column) = (self.row, self.column);
                self.memory()[row][column..].fill(None);
                self.touch();
            }
            0x2c if *self.shown != EMPTY => {
                *self.shown = EMPTY;
                self.changed = true;
            }
            0x2d => self.carriage_return(),
            0x2e => *self.loading = EMPTY,
            0x2f => {
                std::mem::swap(&mut self.shown, &mut self.loading);
                self.style = Style::PopOn;
                self.changed = true;
            }
            _ => {} // alarm codes, flash on
        }
    }

    fn caption_style(&mut self, style: Style) {
        self.text_mode = false;
        match (self.style, style) {
            (Style::RollUp(_), Style::RollUp(depth)) => {
                self.style = style;
                self.clear_above_window(depth);
            }
            (_, Style::RollUp(_)) => {
                // Into roll-up from another style: the screen starts empty at the bottom row.
                self.style = style;
                *self.loading = EMPTY;
                if *self.shown != EMPTY {
                    *self.shown = EMPTY;
                    self.changed = true;
                }
                self.row = ROWS - 1;
                self.column = 0;
            }
            _ => self.style = style,
        }
    }

    /// Rows above a roll-up window of `depth` rows ending at the cursor's row are cleared.
    fn clear_above_window(&mut self, depth: usize) {
        let top = (self.row + 1).saturating_sub(depth);
        for row in &mut self.shown[..top] {
            if row.iter().any(Option::is_some) {
                *row = [None; COLUMNS];
                self.changed = true;
            }
        }
    }

    fn preamble(&mut self, row: usize, attributes: u8) {
        if let Style::RollUp(depth) = self.style {
            // The window moves to end at the PAC's row, its rows with it.
            let row = row.max(depth - 1);
            if row != self.row {
                let from = self.row + 1 - depth.min(self.row + 1);
                let rows: Vec<_> = self.shown[from..=self.row].to_vec();
                *self.shown = EMPTY;
                let to = row + 1 - rows.len();
                self.shown[to..=row].copy_from_slice(&rows);
                self.changed = true;
            }
            self.row = row;
        } else {
            self.row = row;
        }
        self.pen = WHITE;
        if attributes < 0x10 {
            if attributes >> 1 == 7 {
                self.pen.italic = true;
            } else {
                self.pen.colour = COLOURS[usize::from(attributes >> 1)];
            }
            self.column = 0;
        } else {
            self.column = usize::from((attributes - 0x10) >> 1) * 4;
        }
        self.pen.underline = attributes & 1 != 0;
    }

    fn carriage_return(&mut self) {
        let Style::RollUp(depth) = self.style else {
            return;
        };
        let top = (self.row + 1).saturating_sub(depth);
        if self.shown[top..=self.row].iter().flatten().any(Option::is_some) {
            self.shown.copy_within(top + 1..=self.row, top);
            self.changed = true;
        }
        self.shown[self.row] = [None; COLUMNS];
        self.clear_above_window(depth);
        self.column = 0;
    }

    /// The memory characters go to in the current style.
    fn memory(&mut self) -> &mut Memory {
        match self.style {
            Style::PopOn => &mut self.loading,
            Style::PaintOn | Style::RollUp(_) => &mut self.shown,
        }
    }

    fn touch(&mut self) {
        if self.style != Style::PopOn {
            self.changed = true;
        }
    }

    fn backspace(&mut self) {
        if self.column > 0 {
            self.column -= 1;
            let (row, column) = (self.row, self.column);
            self.memory()[row][column] = None;
            self.touch();
        }
    }

    fn write(&mut self, ch: char) {
        let cell = Cell { ch, ..self.pen };
        let (row, column) = (self.row, self.column);
        self.memory()[row][column] = Some(cell);
        self.column = (column + 1).min(COLUMNS - 1);
        self.touch();
    }
}

/// Sets odd parity on a 7-bit byte, as an encoder sends it.
pub fn with_parity(b: u8) -> u8 {
    let b = b & 0x7f;
    if odd_parity(b) { b } else { b | 0x80 }
}

/// The byte pairs of a pop-on caption for `channel` 1 or 3 (field's first data channel):
/// RCL, ENM, a PAC per row (rows at the bottom, indent 0), the text, EOC. Control codes are
/// sent twice, as encoders do. What a test or the demo sends.
pub fn pop_on(lines: &[&str]) -> Vec<[u8; 2]> {
    let control = |a: u8, b: u8| [[with_parity(a), with_parity(b)]; 2];
    let mut pairs = Vec::new();
    pairs.extend(control(0x14, 0x20));
    pairs.extend(control(0x14, 0x2e));
    let first_row = ROWS + 1 - lines.len().min(4);
    for (i, line) in lines.iter().take(4).enumerate() {
        let row = first_row + i; // 1-based
        let (a, low) = match row {
            12 => (0x13, false),
            13 => (0x13, true),
            14 => (0x14, false),
            _ => (0x14, true),
        };
        pairs.extend(control(a, 0x50 | if low { 0x20 } else { 0 }));
        let bytes: Vec<u8> = line
            .chars()
            .take(COLUMNS)
            .map(|c| if c.is_ascii() && c >= ' ' { c as u8 } else { b'?' })
            .collect();
        for chunk in bytes.chunks(2) {
            let second = chunk.get(1).copied().unwrap_or(0);
            pairs.push([with_parity(chunk[0]), with_parity(second)]);
        }
    }
    pairs.extend(control(0x14, 0x2f));
    pairs
}

/// The pairs that erase the displayed caption (EDM, twice).
pub fn erase() -> Vec<[u8; 2]> {
    vec![[with_parity(0x14), with_parity(0x2c)]; 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc1() -> Cea608Decoder {
        Cea608Decoder::new(Channel::new(1).unwrap())
    }

    #[test]
    fn pop_on_shows_at_the_end_of_caption_and_erases() {
        let mut decoder = cc1();
        let pairs = pop_on(&["Hello,", "world"]);
        let (load, eoc) = pairs.split_at(pairs.len() - 2);
        assert_eq!(decoder.push_pairs(load), None, "loaded out of sight");
        let screen = decoder.push_pairs(eoc).expect("shown at EOC");
        assert_eq!(screen.text(), "Hello,\nworld");
        assert_eq!((screen.rows[0].row, screen.rows[1].row), (14, 15));
        assert_eq!(decoder.push_pairs(&erase()), Some(Screen::default()));
        assert_eq!(decoder.push_pairs(&erase()), None, "nothing left to erase");
    }

    #[test]
    fn the_other_data_channel_is_not_shown() {
        let mut decoder = cc1();
        let cc2: Vec<[u8; 2]> = pop_on(&["second"])
            .into_iter()
            .map(|[a, b]| {
                if a & 0x70 == 0x10 {
                    [with_parity(a | 0x08), b]
                } else {
                    [a, b]
                }
            })
            .collect();
        assert_eq!(decoder.push_pairs(&cc2), None);
        let mut decoder = Cea608Decoder::new(Channel::new(2).unwrap());
        assert_eq!(decoder.push_pairs(&cc2).map(|s| s.text()), Some("second".into()));
    }

    #[test]
    fn roll_up_scrolls_within_its_window() {
        let p = |a: u8, b: u8| [with_parity(a), with_parity(b)];
        let text = |s: &str| -> Vec<[u8; 2]> {
            s.as_bytes()
                .chunks(2)
                .map(|c| p(c[0], *c.get(1).unwrap_or(&0)))
                .collect()
        };
        let mut decoder = cc1();
        let mut shown = Vec::new();
        let frames = [
            vec![p(0x14, 0x25), p(0x14, 0x70)], // RU2, row 15
            text("one"),
            vec![p(0x14, 0x2d)],
            text("two"),
            vec![p(0x14, 0x2d)],
            text("three"),
        ];
        for frame in &frames {
            if let Some(screen) = decoder.push_pairs(frame) {
                shown.push(screen.text());
            }
        }
        assert_eq!(shown, ["one", "one", "one\ntwo", "two", "two\nthree"]);
        assert_eq!(decoder.screen().rows[0].row, 14);
    }

    #[test]
    fn special_extended_and_mid_row_codes() {
        let mut decoder = cc1();
        let p = |a: u8, b: u8| [with_parity(a), with_parity(b)];
        let pairs = [
            p(0x14, 0x29), // paint-on
            p(0x14, 0x70),
            p(b'E', b'l'),
            p(0x11, 0x37), // ♪
            p(b'e', b'e'),
            p(0x12, 0x21), // É replaces the basic 'e'
            p(0x11, 0x28), // mid-row red
            p(b'x', 0),
        ];
        let screen = decoder.push_pairs(&pairs).unwrap();
        assert_eq!(screen.text(), "El♪eÉ x");
        let runs = &screen.rows[0].runs;
        assert_eq!(
            runs.last().map(|r| (r.text.as_str(), r.colour)),
            Some((" x", Colour::Red)),
            "the mid-row code is a space in the new colour"
        );
        // A parity error drops the pair; a repeated control code is taken once.
        let mut decoder = cc1();
        let twice = [
            p(0x14, 0x29),
            p(0x14, 0x29),
            p(0x14, 0x70),
            [0x41, 0x41],
            p(b'o', b'k'),
        ];
        assert_eq!(decoder.push_pairs(&twice).map(|s| s.text()), Some("ok".into()));
    }
}
