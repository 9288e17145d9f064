//! The two faces the documents use, Helvetica and Helvetica-Bold: PDF standard fonts that every
//! reader has (and one of the faces the QR-bill style guide allows). Text is written in
//! WinAnsiEncoding, which covers French, German and Italian; widths come from Adobe's metrics
//! files so that amounts can be right-aligned and long descriptions wrapped.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    /// The resource name of the face on every page.
    pub fn resource(self) -> &'static [u8] {
        match self {
            Face::Regular => b"F1",
            Face::Bold => b"F2",
        }
    }

    pub fn base_font(self) -> &'static [u8] {
        match self {
            Face::Regular => b"Helvetica",
            Face::Bold => b"Helvetica-Bold",
        }
    }

    fn afm(self) -> &'static str {
        match self {
            Face::Regular => pdf_core_14_font_afms::HELVETICA,
            Face::Bold => pdf_core_14_font_afms::HELVETICA_BOLD,
        }
    }
}

/// WinAnsiEncoding above ASCII: code, character, glyph name (PDF 1.7, annex D).
const HIGH: &[(u8, char, &str)] = &[
    (0x80, '\u{20ac}', "Euro"),
    (0x82, '\u{201a}', "quotesinglbase"),
    (0x83, '\u{0192}', "florin"),
    (0x84, '\u{201e}', "quotedblbase"),
    (0x85, '\u{2026}', "ellipsis"),
    (0x86, '\u{2020}', "dagger"),
    (0x87, '\u{2021}', "daggerdbl"),
    (0x88, '\u{02c6}', "circumflex"),
    (0x89, '\u{2030}', "perthousand"),
    (0x8a, '\u{0160}', "Scaron"),
    (0x8b, '\u{2039}', "guilsinglleft"),
    (0x8c, '\u{0152}', "OE"),
    (0x8e, '\u{017d}', "Zcaron"),
    (0x91, '\u{2018}', "quoteleft"),
    (0x92, '\u{2019}', "quoteright"),
    (0x93, '\u{201c}', "quotedblleft"),
    (0x94, '\u{201d}', "quotedblright"),
    (0x95, '\u{2022}', "bullet"),
    (0x96, '\u{2013}', "endash"),
    (0x97, '\u{2014}', "emdash"),
    (0x98, '\u{02dc}', "tilde"),
    (0x99, '\u{2122}', "trademark"),
    (0x9a, '\u{0161}', "scaron"),
    (0x9b, '\u{203a}', "guilsinglright"),
    (0x9c, '\u{0153}', "oe"),
    (0x9e, '\u{017e}', "zcaron"),
    (0x9f, '\u{0178}', "Ydieresis"),
];

/// Glyph names of Latin-1 0xA0 to 0xFF, which WinAnsiEncoding keeps at their Unicode positions.
const LATIN1: [&str; 96] = [
    "space",
    "exclamdown",
    "cent",
    "sterling",
    "currency",
    "yen",
    "brokenbar",
    "section",
    "dieresis",
    "copyright",
    "ordfeminine",
    "guillemotleft",
    "logicalnot",
    "hyphen",
    "registered",
    "macron",
    "degree",
    "plusminus",
    "twosuperior",
    "threesuperior",
    "acute",
    "mu",
    "paragraph",
    "periodcentered",
    "cedilla",
    "onesuperior",
    "ordmasculine",
    "guillemotright",
    "onequarter",
    "onehalf",
    "threequarters",
    "questiondown",
    "Agrave",
    "Aacute",
    "Acircumflex",
    "Atilde",
    "Adieresis",
    "Aring",
    "AE",
    "Ccedilla",
    "Egrave",
    "Eacute",
    "Ecircumflex",
    "Edieresis",
    "Igrave",
    "Iacute",
    "Icircumflex",
    "Idieresis",
    "Eth",
    "Ntilde",
    "Ograve",
    "Oacute",
    "Ocircumflex",
    "Otilde",
    "Odieresis",
    "multiply",
    "Oslash",
    "Ugrave",
    "Uacute",
    "Ucircumflex",
    "Udieresis",
    "Yacute",
    "Thorn",
    "germandbls",
    "agrave",
    "aacute",
    "acircumflex",
    "atilde",
    "adieresis",
    "aring",
    "ae",
    "ccedilla",
    "egrave",
    "eacute",
    "ecircumflex",
    "edieresis",
    "igrave",
    "iacute",
    "icircumflex",
    "idieresis",
    "eth",
    "ntilde",
    "ograve",
    "oacute",
    "ocircumflex",
    "otilde",
    "odieresis",
    "divide",
    "oslash",
    "ugrave",
    "uacute",
    "ucircumflex",
    "udieresis",
    "yacute",
    "thorn",
    "ydieresis",
];

/// The byte a character is written as; characters WinAnsiEncoding lacks become `?`.
fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        // Thin and narrow no-break spaces (French thousands) print as a no-break space.
        '\u{202f}' | '\u{2009}' => 0xa0,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        _ => HIGH.iter().find(|(_, known, _)| *known == c).map_or(b'?', |(code, _, _)| *code),
    }
}

pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

struct Metrics {
    /// Advance width of each WinAnsi code, in thousandths of the font size.
    widths: [u16; 256],
}

fn glyph_widths(afm: &str) -> (HashMap<&str, u16>, HashMap<u8, &str>) {
    let mut by_name = HashMap::new();
    let mut standard = HashMap::new();
    for line in afm.lines().filter(|line| line.starts_with("C ")) {
        let mut code = None;
        let mut width = None;
        let mut name = None;
        for part in line.split(';') {
            let mut words = part.split_whitespace();
            match (words.next(), words.next()) {
                (Some("C"), Some(value)) => code = value.parse::<i32>().ok(),
                (Some("WX"), Some(value)) => width = value.parse::<u16>().ok(),
                (Some("N"), Some(value)) => name = Some(value),
                _ => {}
            }
        }
        if let (Some(width), Some(name)) = (width, name) {
            by_name.insert(name, width);
            if let Some(code) = code.and_then(|code| u8::try_from(code).ok()) {
                standard.insert(code, name);
            }
        }
    }
    (by_name, standard)
}

fn metrics(face: Face) -> &'static Metrics {
    static REGULAR: OnceLock<Metrics> = OnceLock::new();
    static BOLD: OnceLock<Metrics> = OnceLock::new();
    let cell = match face {
        Face::Regular => &REGULAR,
        Face::Bold => &BOLD,
    };
    cell.get_or_init(|| {
        let (by_name, standard) = glyph_widths(face.afm());
        let fallback = by_name.get("question").copied().unwrap_or(556);
        let mut widths = [fallback; 256];
        for code in 0x20..=0x7eu8 {
            // The metrics files list ASCII in StandardEncoding, which differs from WinAnsi at
            // the two quotes.
            let name = match code {
                b'\'' => Some("quotesingle"),
                b'`' => Some("grave"),
                _ => standard.get(&code).copied(),
            };
            if let Some(width) = name.and_then(|name| by_name.get(name)) {
                widths[usize::from(code)] = *width;
            }
        }
        for (code, _, name) in HIGH {
            if let Some(width) = by_name.get(name) {
                widths[usize::from(*code)] = *width;
            }
        }
        for (offset, name) in LATIN1.iter().enumerate() {
            if let Some(width) = by_name.get(name) {
                widths[0xa0 + offset] = *width;
            }
        }
        Metrics { widths }
    })
}

/// Width of `text` set in `face` at `size` points, in points.
pub fn width(face: Face, size: f32, text: &str) -> f32 {
    let metrics = metrics(face);
    let units: u32 = text.chars().map(|c| u32::from(metrics.widths[usize::from(encode_char(c))])).sum();
    units as f32 * size / 1000.0
}

/// Splits `text` into lines no wider than `max` points, breaking at spaces (and inside a word
/// only when the word alone is too wide).
pub fn wrap(face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if width(face, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                if !line.is_empty() && width(face, size, &format!("{line}{c}")) > max {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_winansi_glyph_has_its_width() {
        for face in [Face::Regular, Face::Bold] {
            let (by_name, _) = glyph_widths(face.afm());
            for name in LATIN1.iter().chain(HIGH.iter().map(|(_, _, name)| name)) {
                assert!(by_name.contains_key(name), "{name} missing from {:?}", face);
            }
        }
        // Helvetica's digits are all 556 units wide; its straight quote 191, bold 238.
        assert_eq!(width(Face::Regular, 10.0, "0123456789"), 55.6);
        assert_eq!(width(Face::Regular, 1000.0, "'"), 191.0);
        assert_eq!(width(Face::Bold, 1000.0, "'"), 238.0);
        assert_eq!(width(Face::Regular, 1000.0, "é"), 556.0);
        assert_eq!(encode("Zürich 1\u{202f}234,50 € «ok» œ"), b"Z\xfcrich 1\xa0234,50 \x80 \xabok\xbb \x9c");
        assert_eq!(encode("漢"), b"?");
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "Remplacement des plaquettes de frein avant et contrôle du disque, main-d'oeuvre comprise";
        let lines = wrap(Face::Regular, 9.0, text, 120.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| width(Face::Regular, 9.0, line) <= 120.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let long = "x".repeat(200);
        let pieces = wrap(Face::Bold, 9.0, &long, 50.0);
        assert_eq!(pieces.concat(), long);
        assert!(pieces.iter().all(|line| width(Face::Bold, 9.0, line) <= 50.0));
    }
}
