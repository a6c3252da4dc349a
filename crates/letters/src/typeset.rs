//! The font, and breaking text into lines that fit.
//!
//! krilla's simple text draws one line; we decide where lines break. Words are measured
//! with the shaper krilla uses itself (rustybuzz), so the widths match what is drawn, and
//! each word's width is cached for the run: a batch of letters repeats the same words.
//!
//! Text is made safe for the font first ([`Typesetter::clean`]): PDF/UA-1 forbids the
//! `.notdef` glyph and unmapped glyphs, so a character the font does not have becomes
//! U+FFFD, and invisible format characters (joiners, direction marks, variation
//! selectors) are dropped.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use crate::LetterError;

/// The two faces a letter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular = 0,
    Bold = 1,
}

/// One face: krilla's handle to embed it and the shaper's to measure it, both over the
/// same compiled-in bytes.
pub(crate) struct Face {
    pub(crate) pdf: krilla::text::Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
    /// What stands in for a character the font does not have.
    replacement: char,
}

impl Fonts {
    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

fn load(bytes: &'static [u8]) -> Option<Face> {
    let shaper = rustybuzz::Face::from_slice(bytes, 0)?;
    let units_per_em = shaper.units_per_em() as f32;
    // krilla hashes the font once here; every document shares this handle.
    let pdf = krilla::text::Font::new(krilla::Data::from(bytes), 0)?;
    (units_per_em > 0.0).then_some(Face {
        pdf,
        shaper,
        units_per_em,
    })
}

/// DejaVu Sans, parsed once per process.
static FONTS: LazyLock<Option<Arc<Fonts>>> = LazyLock::new(|| {
    let regular = load(dejavu::sans::regular())?;
    let bold = load(dejavu::sans::bold())?;
    let replacement = if regular.shaper.glyph_index('\u{FFFD}').is_some()
        && bold.shaper.glyph_index('\u{FFFD}').is_some()
    {
        '\u{FFFD}'
    } else {
        '?'
    };
    Some(Arc::new(Fonts {
        regular,
        bold,
        replacement,
    }))
});

pub(crate) fn fonts() -> Result<Arc<Fonts>, LetterError> {
    FONTS.as_ref().cloned().ok_or(LetterError::Font)
}

/// A line of text and its width in points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) text: String,
    pub(crate) width: f32,
}

/// Measures and breaks text; one per document, so its cache lives as long as the run.
pub(crate) struct Typesetter {
    fonts: Arc<Fonts>,
    /// Advance of a word in ems, for the regular and the bold face.
    widths: [HashMap<String, f32>; 2],
    buffer: Option<rustybuzz::UnicodeBuffer>,
}

impl Typesetter {
    pub(crate) fn new(fonts: Arc<Fonts>) -> Self {
        Typesetter {
            fonts,
            widths: [HashMap::new(), HashMap::new()],
            buffer: None,
        }
    }

    pub(crate) fn fonts(&self) -> Arc<Fonts> {
        Arc::clone(&self.fonts)
    }

    /// `text` with every character the font cannot show replaced, invisible format
    /// characters dropped, and any run of whitespace or control characters made one space.
    pub(crate) fn clean(&self, text: &str) -> String {
        let fonts = &self.fonts;
        let mut out = String::with_capacity(text.len());
        let mut space = false;
        for c in text.chars() {
            if c.is_whitespace() || c.is_control() {
                space = !out.is_empty();
                continue;
            }
            if is_invisible_format(c) {
                continue;
            }
            let shown = if is_private_or_noncharacter(c)
                || fonts.regular.shaper.glyph_index(c).is_none()
                || fonts.bold.shaper.glyph_index(c).is_none()
            {
                fonts.replacement
            } else {
                c
            };
            if space {
                out.push(' ');
                space = false;
            }
            out.push(shown);
        }
        out
    }

    /// The advance of `text` in ems, shaped as one run.
    fn shape_width(&mut self, weight: Weight, text: &str) -> f32 {
        let face = self.fonts.face(weight);
        let mut buffer = self.buffer.take().unwrap_or_default();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let glyphs = rustybuzz::shape(&face.shaper, &[], buffer);
        let units: i64 = glyphs
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        self.buffer = Some(glyphs.clear());
        units as f32 / face.units_per_em
    }

    /// The advance of one word (or any run without a break), in ems; cached.
    fn word_width(&mut self, weight: Weight, word: &str) -> f32 {
        let cache = weight as usize;
        if let Some(&w) = self.widths[cache].get(word) {
            return w;
        }
        let w = self.shape_width(weight, word);
        self.widths[cache].insert(word.to_owned(), w);
        w
    }

    /// The width of `text` (already clean) at `size`, in points.
    pub(crate) fn width(&mut self, weight: Weight, size: f32, text: &str) -> f32 {
        let space = self.word_width(weight, " ");
        let mut ems = 0.0;
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                ems += space;
            }
            ems += self.word_width(weight, word);
        }
        ems * size
    }

    /// `text` (already clean) broken into lines no wider than `max` points. A line broken
    /// between words keeps its space at the end, so that the words stay apart when the
    /// text is read out or copied. A word longer than a line is broken between characters.
    pub(crate) fn wrap(&mut self, weight: Weight, size: f32, text: &str, max: f32) -> Vec<Line> {
        let space = self.word_width(weight, " ") * size;
        let mut lines = Vec::new();
        let mut current = Line {
            text: String::new(),
            width: 0.0,
        };
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let w = self.word_width(weight, word) * size;
            if !current.text.is_empty() {
                if current.width + space + w <= max {
                    current.text.push(' ');
                    current.text.push_str(word);
                    current.width += space + w;
                    continue;
                }
                current.text.push(' ');
                lines.push(std::mem::replace(
                    &mut current,
                    Line {
                        text: String::new(),
                        width: 0.0,
                    },
                ));
            }
            if w <= max {
                current.text.push_str(word);
                current.width = w;
            } else {
                let mut pieces = self.break_word(weight, size, word, max);
                if let Some(last) = pieces.pop() {
                    lines.extend(pieces);
                    current = last;
                }
            }
        }
        if !current.text.is_empty() {
            lines.push(current);
        }
        lines
    }

    /// A word too long for a line, in pieces that fit, broken between characters but never
    /// before a combining mark.
    fn break_word(&mut self, weight: Weight, size: f32, word: &str, max: f32) -> Vec<Line> {
        let mut pieces = Vec::new();
        let mut current = Line {
            text: String::new(),
            width: 0.0,
        };
        for cluster in clusters(word) {
            let w = self.word_width(weight, cluster) * size;
            if !current.text.is_empty() && current.width + w > max {
                pieces.push(std::mem::replace(
                    &mut current,
                    Line {
                        text: String::new(),
                        width: 0.0,
                    },
                ));
            }
            current.text.push_str(cluster);
            current.width += w;
        }
        if !current.text.is_empty() {
            pieces.push(current);
        }
        pieces
    }

    /// At most `max_lines` lines of `text`, the last ending in an ellipsis if cut short.
    pub(crate) fn wrap_at_most(
        &mut self,
        weight: Weight,
        size: f32,
        text: &str,
        max: f32,
        max_lines: usize,
    ) -> Vec<Line> {
        let mut lines = self.wrap(weight, size, text, max);
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                let ellipsis = self.word_width(weight, "\u{2026}") * size;
                while !last.text.is_empty() && last.width + ellipsis > max {
                    last.text.pop();
                    last.width = self.width(weight, size, &last.text);
                }
                last.text.push('\u{2026}');
                last.width += ellipsis;
            }
        }
        lines
    }
}

/// `word` split before every character that starts a new cluster (a base character with
/// the combining marks after it).
fn clusters(word: &str) -> impl Iterator<Item = &str> {
    let mut starts: Vec<usize> = word
        .char_indices()
        .filter(|&(i, c)| i == 0 || !is_combining(c))
        .map(|(i, _)| i)
        .collect();
    starts.push(word.len());
    let pieces: Vec<&str> = starts
        .windows(2)
        .filter_map(|w| word.get(w[0]..w[1]))
        .collect();
    pieces.into_iter()
}

/// Combining marks of the scripts a name is likely to be written in (approximate: a
/// break before a mark this misses only looks odd).
fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0900..=0x0903 | 0x093A..=0x094F
        | 0x0951..=0x0957 | 0x0962..=0x0963 | 0x0981..=0x0983 | 0x09BC..=0x09D7
        | 0x0A01..=0x0A03 | 0x0A3C..=0x0A51 | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Characters with no glyph of their own: joiners, direction marks and isolates,
/// variation selectors, the byte order mark, the soft hyphen, tags.
fn is_invisible_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

fn is_private_or_noncharacter(c: char) -> bool {
    let u = c as u32;
    matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF) || u & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setter() -> Typesetter {
        match fonts() {
            Ok(f) => Typesetter::new(f),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn lines_fit_and_keep_every_word() {
        let mut t = setter();
        let text = "Screening does not find every cancer. If you notice a change in your \
                    breasts at any time, please see your GP.";
        let lines = t.wrap(Weight::Regular, 12.0, text, 200.0);
        assert!(lines.len() > 1, "{lines:?}");
        for l in &lines {
            assert!(l.width <= 200.0, "{l:?}");
            let measured = t.width(Weight::Regular, 12.0, l.text.trim_end());
            assert!((measured - l.width).abs() < 0.01, "{l:?} {measured}");
        }
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken() {
        let mut t = setter();
        let word = "Wolfeschlegelsteinhausenbergerdorff".repeat(8);
        let lines = t.wrap(Weight::Bold, 12.0, &word, 150.0);
        assert!(lines.len() > 4, "{lines:?}");
        assert!(lines.iter().all(|l| l.width <= 150.0));
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, word);
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let word = "e\u{301}a\u{308}\u{323}o";
        let got: Vec<&str> = clusters(word).collect();
        assert_eq!(got, ["e\u{301}", "a\u{308}\u{323}", "o"]);
    }

    #[test]
    fn clean_keeps_what_the_font_shows_and_replaces_the_rest() {
        let t = setter();
        assert_eq!(t.clean("  Janet\tWilliams \n"), "Janet Williams");
        assert_eq!(t.clean("Zoë Ní Bhriain-Łukasz"), "Zoë Ní Bhriain-Łukasz");
        assert_eq!(t.clean("Ann\u{200D}a\u{FE0F}\u{0}"), "Anna");
        assert_eq!(t.clean("Jo 山 🦩"), "Jo \u{FFFD} \u{FFFD}");
        assert_eq!(t.clean("\u{E000}"), "\u{FFFD}");
        assert_eq!(t.clean(""), "");
    }

    #[test]
    fn at_most_cuts_with_an_ellipsis() {
        let mut t = setter();
        let text = "word ".repeat(200);
        let lines = t.wrap_at_most(Weight::Regular, 9.0, text.trim(), 100.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].text.ends_with('\u{2026}'));
        assert!(lines.iter().all(|l| l.width <= 100.0 + 0.01), "{lines:?}");
    }
}
