//! Participant result letters (issue 13) as tagged, accessible PDFs (ADR 25).
//!
//! - [`text`] gives a letter's words: one template per [`ResultKind`] (named by
//!   [`ResultKind::letter`]), tailored to the result, in standard or easy-read wording.
//! - [`render`] lays one letter out on A4 pages and writes it as a tagged PDF (PDF/UA-1:
//!   title, language `en-GB`, headings and paragraphs in reading order, page furniture
//!   marked as artifacts).
//! - [`render_batch`] writes a print batch: every letter in one PDF, each starting on a
//!   new page, with a [`Manifest`] that tells the print supplier where each letter starts,
//!   its format and what else it must do for her ([`PrintFlag`]).
//! - [`layout_for`] turns her communication preferences into a [`Layout`].
//!
//! Nothing here does I/O; the font is compiled in.

mod render;
mod typeset;
mod wording;

use domain::CommunicationPreference;
use domain::results::ResultKind;
use serde::Serialize;
use time::Date;

pub use wording::text;

/// How a letter is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterFormat {
    /// 12 point body text, standard wording (already plain English).
    #[default]
    Standard,
    /// 18 point body text, standard wording.
    LargePrint,
    /// Short sentences and simpler words, one to a paragraph, in 18 point text.
    EasyRead,
}

impl LetterFormat {
    /// Every format, in declaration order.
    pub const ALL: &'static [LetterFormat] = &[
        LetterFormat::Standard,
        LetterFormat::LargePrint,
        LetterFormat::EasyRead,
    ];

    /// The stored value, as the manifest writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            LetterFormat::Standard => "standard",
            LetterFormat::LargePrint => "large_print",
            LetterFormat::EasyRead => "easy_read",
        }
    }

    /// The label shown to staff.
    pub const fn label(self) -> &'static str {
        match self {
            LetterFormat::Standard => "Standard",
            LetterFormat::LargePrint => "Large print",
            LetterFormat::EasyRead => "Easy read",
        }
    }
}

/// Something the print supplier must act on for this letter (a Braille transcription, a
/// translation, an audio version, an interpreter's contact). The PDF itself is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintFlag {
    Braille,
    OtherLanguage,
    Audio,
    Interpreter,
}

impl PrintFlag {
    /// Every flag, in declaration order (the order a [`Layout`] lists them in).
    pub const ALL: &'static [PrintFlag] = &[
        PrintFlag::Braille,
        PrintFlag::OtherLanguage,
        PrintFlag::Audio,
        PrintFlag::Interpreter,
    ];

    /// The stored value, as the manifest writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            PrintFlag::Braille => "braille",
            PrintFlag::OtherLanguage => "other_language",
            PrintFlag::Audio => "audio",
            PrintFlag::Interpreter => "interpreter",
        }
    }

    /// The label shown to staff.
    pub const fn label(self) -> &'static str {
        match self {
            PrintFlag::Braille => "Braille",
            PrintFlag::OtherLanguage => "Another language",
            PrintFlag::Audio => "Audio",
            PrintFlag::Interpreter => "Needs an interpreter",
        }
    }
}

/// How one letter is printed and what the print supplier must do besides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub format: LetterFormat,
    /// Each flag once, in [`PrintFlag::ALL`] order.
    pub flags: Vec<PrintFlag>,
}

/// The layout her communication preferences ask for. Easy read wins over large print,
/// and its text is large anyway. Plain English is the standard letter: our standard
/// wording is already plain. Braille, another language, audio and an interpreter are
/// flags for the print supplier.
pub fn layout_for(prefs: &[CommunicationPreference]) -> Layout {
    use CommunicationPreference as C;
    let format = if prefs.contains(&C::EasyRead) {
        LetterFormat::EasyRead
    } else if prefs.contains(&C::LargePrint) {
        LetterFormat::LargePrint
    } else {
        LetterFormat::Standard
    };
    let mut flags: Vec<PrintFlag> = prefs
        .iter()
        .filter_map(|p| match p {
            C::Braille => Some(PrintFlag::Braille),
            C::OtherLanguage => Some(PrintFlag::OtherLanguage),
            C::Audio => Some(PrintFlag::Audio),
            C::Interpreter => Some(PrintFlag::Interpreter),
            C::EasyRead | C::LargePrint | C::PlainEnglish => None,
        })
        .collect();
    flags.sort_unstable();
    flags.dedup();
    Layout { format, flags }
}

/// One participant's result letter: who it is to, who it is from, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The breast screening office, e.g. "West of London Breast Screening Service".
    pub provider_name: String,
    /// The office's phone number; may be empty.
    pub provider_phone: String,
    /// "Janet Williams".
    pub recipient_name: String,
    /// Address lines, town and postcode, already split, the empty ones left out.
    pub address_lines: Vec<String>,
    /// Already formatted: "999 123 4567".
    pub nhs_number: String,
    pub date_of_birth: Date,
    pub letter_date: Date,
    pub kind: ResultKind,
    /// Stated for the routine and early recall kinds when known. When `None` (past the
    /// 71st birthday) the letter makes no promise of another invitation.
    pub next_test_due: Option<Date>,
    /// The date of the earlier letter this one replaces (a corrected result).
    pub correction_of: Option<Date>,
    pub layout: Layout,
    /// Our reference (a result id), printed small on every page for re-issue and tracing.
    pub reference: String,
}

/// A letter's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterText {
    /// The document title (PDF metadata).
    pub title: String,
    /// The heading printed above the body.
    pub heading: String,
    /// The body, from the greeting to the sign-off, one paragraph each.
    pub paragraphs: Vec<String>,
}

/// A print batch: every letter in one PDF, each starting on a new page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub pdf: Vec<u8>,
    pub manifest: Manifest,
}

/// What the print supplier needs to split, check and handle a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The number of letters.
    pub count: usize,
    /// The number of pages in the PDF.
    pub pages: usize,
    /// The SHA-256 of the PDF, lower-case hex.
    pub sha256: String,
    /// One entry per letter, in the order of the PDF.
    pub letters: Vec<ManifestEntry>,
}

/// One letter of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    pub reference: String,
    /// The letter's first page, counting from 1.
    pub first_page: usize,
    pub page_count: usize,
    pub format: LetterFormat,
    pub flags: Vec<PrintFlag>,
}

/// Why a letter or a batch could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LetterError {
    /// A batch needs at least one letter.
    #[error("a print batch needs at least one letter")]
    EmptyBatch,
    /// The compiled-in font could not be read (a build problem, not an input problem).
    #[error("the letter font could not be loaded")]
    Font,
    /// The PDF library refused the document (for example a PDF/UA-1 check failed).
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The PDF library panicked. Caught so that one odd letter cannot take a batch run
    /// down; it is a bug to report.
    #[error("the PDF library failed unexpectedly: {0}")]
    Internal(String),
}

/// One letter as an A4, tagged PDF.
pub fn render(letter: &Letter) -> Result<Vec<u8>, LetterError> {
    render::document(std::slice::from_ref(letter)).map(|(pdf, _)| pdf)
}

/// Every letter in one PDF, each starting on a new page, with its manifest.
pub fn render_batch(letters: &[Letter]) -> Result<Batch, LetterError> {
    if letters.is_empty() {
        return Err(LetterError::EmptyBatch);
    }
    let (pdf, page_counts) = render::document(letters)?;
    let mut entries = Vec::with_capacity(letters.len());
    let mut next_page = 1;
    for (letter, &page_count) in letters.iter().zip(&page_counts) {
        entries.push(ManifestEntry {
            reference: letter.reference.clone(),
            first_page: next_page,
            page_count,
            format: letter.layout.format,
            flags: letter.layout.flags.clone(),
        });
        next_page += page_count;
    }
    let manifest = Manifest {
        count: letters.len(),
        pages: next_page - 1,
        sha256: sha256_hex(&pdf),
        letters: entries,
    };
    Ok(Batch { pdf, manifest })
}

/// Lower-case hex SHA-256, as the manifest gives it (and as deliveries record what was sent).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommunicationPreference as C;

    #[test]
    fn layout_for_table() {
        use LetterFormat::*;
        use PrintFlag::*;
        let table: &[(&[C], LetterFormat, &[PrintFlag])] = &[
            (&[], Standard, &[]),
            (&[C::PlainEnglish], Standard, &[]),
            (&[C::LargePrint], LargePrint, &[]),
            (&[C::EasyRead], EasyRead, &[]),
            (&[C::LargePrint, C::EasyRead], EasyRead, &[]),
            (&[C::EasyRead, C::LargePrint], EasyRead, &[]),
            (&[C::Braille], Standard, &[Braille]),
            (&[C::OtherLanguage], Standard, &[OtherLanguage]),
            (&[C::Audio], Standard, &[Audio]),
            (&[C::Interpreter], Standard, &[Interpreter]),
            (
                &[C::Interpreter, C::LargePrint, C::Braille, C::Braille],
                LargePrint,
                &[Braille, Interpreter],
            ),
            (
                &[C::Audio, C::OtherLanguage, C::PlainEnglish, C::EasyRead],
                EasyRead,
                &[OtherLanguage, Audio],
            ),
        ];
        for (prefs, format, flags) in table {
            let layout = layout_for(prefs);
            assert_eq!(layout.format, *format, "{prefs:?}");
            assert_eq!(layout.flags, *flags, "{prefs:?}");
        }
    }

    #[test]
    fn every_preference_is_a_format_or_a_flag() {
        for &pref in CommunicationPreference::ALL {
            let layout = layout_for(&[pref]);
            let counted = usize::from(layout.format != LetterFormat::Standard) + layout.flags.len();
            let expected = usize::from(pref != C::PlainEnglish);
            assert_eq!(counted, expected, "{pref:?}");
        }
    }

    #[test]
    fn manifest_values_are_the_stored_values() {
        for &format in LetterFormat::ALL {
            let json = serde_json::to_value(format).unwrap_or_default();
            assert_eq!(json, format.as_str(), "{format:?}");
        }
        for &flag in PrintFlag::ALL {
            let json = serde_json::to_value(flag).unwrap_or_default();
            assert_eq!(json, flag.as_str(), "{flag:?}");
        }
    }

    #[test]
    fn an_empty_batch_is_refused() {
        assert_eq!(render_batch(&[]), Err(LetterError::EmptyBatch));
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
