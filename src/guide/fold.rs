// SPDX-License-Identifier: GPL-3.0-or-later
//! The folded form of a name or title, in which channel names are compared and titles searched:
//! case, accents and punctuation do not count. Pure.

/// Lower case without accents and with every run of non-alphanumerics as one space, trimmed:
/// `"Télé-Loire  HD"` → `"tele loire hd"`. Used for names and title search.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            for lower in c.to_lowercase() {
                push_unaccented(lower, &mut out);
            }
        } else {
            gap = true;
        }
    }
    out
}

/// Latin letters with diacritics as their base letter (ß as "ss", æ as "ae"); others unchanged.
fn push_unaccented(c: char, out: &mut String) {
    let base = match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ț' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'ß' => return out.push_str("ss"),
        'æ' => return out.push_str("ae"),
        'œ' => return out.push_str("oe"),
        other => other,
    };
    out.push(base);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("Télé-Loire  HD"), "tele loire hd");
        assert_eq!(fold("  Das Erste (ÖSTERREICH) "), "das erste osterreich");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("..."), "");
    }
}
