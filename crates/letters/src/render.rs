//! Laying letters out on A4 pages and writing them as one tagged PDF.
//!
//! Each letter is laid out first (lines placed on pages) and drawn second, because every
//! page's footer says "Page 1 of 2". A letter is a `Sect` in the structure tree: the
//! sender, the date, the address, her NHS number and date of birth, then the heading
//! (`H1`) and the paragraphs (`P`), in reading order, one marked span per line. The
//! footer (page number and our reference) and the continuation header (her name and NHS
//! number on every page after the first, so a page that goes astray in printing can be
//! matched back) are pagination artifacts.
//!
//! The document is checked by krilla as PDF/UA-1: title, language, tagging, no missing
//! glyphs. The font is embedded once for the whole document, subset to what is used.

use std::num::NonZeroU16;
use std::panic::{AssertUnwindSafe, catch_unwind};

use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{Artifact, ArtifactType, ContentTag, Node, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::TextDirection;
use krilla::{Document, SerializeSettings};

use crate::typeset::{Fonts, Line, Typesetter, Weight, fonts};
use crate::wording::long_date;
use crate::{Letter, LetterError, LetterFormat, text};

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm either side, 15 mm top and bottom.
const MARGIN_X: f32 = 56.69;
const MARGIN_TOP: f32 = 42.52;
const MARGIN_BOTTOM: f32 = 42.52;
/// The top of the address: 45 mm down, where a window envelope shows it.
const ADDRESS_TOP: f32 = 127.56;
/// DejaVu Sans's ascender and descender, in ems.
const ASCENT: f32 = 0.928;
const DESCENT: f32 = 0.236;
/// Header and footer lines at most: a silly reference or name cannot fill the page.
const FURNITURE_LINES: usize = 3;
const LANGUAGE: &str = "en-GB";

/// Type sizes and spacing for a format, in points.
struct Style {
    body: f32,
    heading: f32,
    /// The footer and the continuation header.
    small: f32,
    /// Line height as a multiple of the type size.
    leading: f32,
    /// Space between paragraphs, as a multiple of the body size.
    gap: f32,
}

impl Style {
    fn of(format: LetterFormat) -> Style {
        match format {
            LetterFormat::Standard => Style {
                body: 12.0,
                heading: 16.0,
                small: 9.0,
                leading: 1.35,
                gap: 0.6,
            },
            LetterFormat::LargePrint => Style {
                body: 18.0,
                heading: 22.0,
                small: 12.0,
                leading: 1.35,
                gap: 0.7,
            },
            LetterFormat::EasyRead => Style {
                body: 18.0,
                heading: 24.0,
                small: 12.0,
                leading: 1.5,
                gap: 1.0,
            },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Paragraph,
    Heading,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A block of text to place: what it is, how it looks, where it may start.
struct Block {
    role: Role,
    weight: Weight,
    size: f32,
    align: Align,
    lines: Vec<Line>,
    /// Space above, in points (ignored at the top of a page).
    space_before: f32,
    /// On the first page, start no higher than this.
    min_top: f32,
}

/// A line placed on a page of the letter.
struct Placed {
    page: usize,
    block: usize,
    x: f32,
    baseline: f32,
    line: usize,
}

/// A letter laid out: its blocks, where each line goes, and its page furniture.
struct Laid {
    title: String,
    heading: String,
    style: Style,
    blocks: Vec<Block>,
    placed: Vec<Placed>,
    pages: usize,
    header: Vec<Line>,
    /// Our reference, cleaned for the font.
    reference: String,
}

fn line_height(size: f32, style: &Style) -> f32 {
    size * style.leading
}

/// The baseline of a line whose box starts at `top`.
fn baseline(top: f32, size: f32, style: &Style) -> f32 {
    top + (line_height(size, style) - size * (ASCENT + DESCENT)) / 2.0 + size * ASCENT
}

fn footer_text(reference: &str, page: usize, pages: usize) -> String {
    if reference.is_empty() {
        format!("Page {page} of {pages}")
    } else {
        format!("Page {page} of {pages}. Our reference: {reference}")
    }
}

/// How a block looks and where it may go.
#[derive(Clone, Copy)]
struct Spec {
    role: Role,
    weight: Weight,
    size: f32,
    align: Align,
    /// The widest a line may be.
    max: f32,
    space_before: f32,
    min_top: f32,
}

impl Spec {
    fn body(size: f32, max: f32) -> Spec {
        Spec {
            role: Role::Paragraph,
            weight: Weight::Regular,
            size,
            align: Align::Left,
            max,
            space_before: 0.0,
            min_top: 0.0,
        }
    }
}

/// Cleans and wraps `text` into a block; nothing when there is nothing to show.
fn add(blocks: &mut Vec<Block>, ts: &mut Typesetter, text: &str, spec: Spec) {
    let clean = ts.clean(text);
    let lines = ts.wrap(spec.weight, spec.size, &clean, spec.max);
    if !lines.is_empty() {
        blocks.push(Block {
            role: spec.role,
            weight: spec.weight,
            size: spec.size,
            align: spec.align,
            lines,
            space_before: spec.space_before,
            min_top: spec.min_top,
        });
    }
}

fn lay_out(letter: &Letter, ts: &mut Typesetter) -> Laid {
    let style = Style::of(letter.layout.format);
    let words = text(letter);
    let width = PAGE_WIDTH - 2.0 * MARGIN_X;
    let gap = style.body * style.gap;
    let body = Spec::body(style.body, width);
    let mut blocks = Vec::new();

    // The sender, top right: the office, its phone number, the date.
    let sender = Spec {
        align: Align::Right,
        max: width * 0.7,
        ..body
    };
    let provider = Spec {
        weight: Weight::Bold,
        ..sender
    };
    add(&mut blocks, ts, &letter.provider_name, provider);
    if !letter.provider_phone.trim().is_empty() {
        let phone = format!("Phone: {}", letter.provider_phone);
        add(&mut blocks, ts, &phone, sender);
    }
    add(&mut blocks, ts, &long_date(letter.letter_date), sender);

    // The address, where the envelope's window is.
    let mut min_top = ADDRESS_TOP;
    let name = letter.recipient_name.trim();
    for line in std::iter::once(name).chain(letter.address_lines.iter().map(String::as_str)) {
        let before = blocks.len();
        add(&mut blocks, ts, line, Spec { min_top, ..body });
        if blocks.len() > before {
            min_top = 0.0;
        }
    }

    // Who the letter is about, for her and for anyone who handles it.
    let nhs = format!("NHS number: {}", letter.nhs_number);
    let first = Spec {
        space_before: 2.0 * gap,
        min_top,
        ..body
    };
    add(&mut blocks, ts, &nhs, first);
    let born = format!("Date of birth: {}", long_date(letter.date_of_birth));
    add(&mut blocks, ts, &born, body);

    // The heading and the body.
    let heading = Spec {
        role: Role::Heading,
        weight: Weight::Bold,
        size: style.heading,
        space_before: 2.0 * gap,
        ..body
    };
    add(&mut blocks, ts, &words.heading, heading);
    for p in &words.paragraphs {
        add(
            &mut blocks,
            ts,
            p,
            Spec {
                space_before: gap,
                ..body
            },
        );
    }

    // Page furniture: a continuation header from the second page on, and a footer.
    let who = match name {
        "" => format!("NHS number: {}", letter.nhs_number),
        _ => format!("{name}. NHS number: {}", letter.nhs_number),
    };
    let who = ts.clean(&who);
    let header = ts.wrap_at_most(Weight::Regular, style.small, &who, width, FURNITURE_LINES);
    let reference = ts.clean(&letter.reference);
    let widest = footer_text(&reference, 99_999, 99_999);
    let footer_lines = ts
        .wrap_at_most(
            Weight::Regular,
            style.small,
            &widest,
            width,
            FURNITURE_LINES,
        )
        .len();

    let small = line_height(style.small, &style);
    let bottom = PAGE_HEIGHT - MARGIN_BOTTOM - footer_lines as f32 * small - gap;
    let continued_top = MARGIN_TOP + header.len() as f32 * small + gap;
    let placed = paginate(&blocks, &style, continued_top, bottom);
    let pages = placed.last().map_or(0, |p| p.page) + 1;
    Laid {
        title: words.title,
        heading: words.heading,
        style,
        blocks,
        placed,
        pages,
        header,
        reference,
    }
}

/// Places every line, top to bottom, starting a new page when the next line would cross
/// `bottom`. The heading is kept with the first two lines after it.
fn paginate(blocks: &[Block], style: &Style, continued_top: f32, bottom: f32) -> Vec<Placed> {
    let mut placed = Vec::new();
    let mut page = 0;
    let mut y = MARGIN_TOP;
    let mut fresh = true;
    for (b, block) in blocks.iter().enumerate() {
        let h = line_height(block.size, style);
        if !fresh {
            y += block.space_before;
        }
        if page == 0 {
            y = y.max(block.min_top);
        }
        if block.role == Role::Heading && !fresh {
            let next = blocks.get(b + 1).map_or(0.0, |n| {
                n.space_before + n.lines.len().min(2) as f32 * line_height(n.size, style)
            });
            if y + block.lines.len() as f32 * h + next > bottom {
                page += 1;
                y = continued_top;
            }
        }
        for (l, line) in block.lines.iter().enumerate() {
            // A line always goes on a fresh page, even if it is taller than the space.
            if y + h > bottom && !(fresh && y <= continued_top) {
                page += 1;
                y = continued_top;
            }
            let x = match block.align {
                Align::Left => MARGIN_X,
                Align::Right => PAGE_WIDTH - MARGIN_X - line.width,
            };
            placed.push(Placed {
                page,
                block: b,
                x,
                baseline: baseline(y, block.size, style),
                line: l,
            });
            y += h;
            fresh = false;
        }
    }
    placed
}

/// Every letter in one document. Returns the PDF and each letter's page count.
pub(crate) fn document(letters: &[Letter]) -> Result<(Vec<u8>, Vec<usize>), LetterError> {
    let fonts = fonts()?;
    // krilla panics on misuse rather than returning an error; catch it so one letter
    // cannot bring a batch run down.
    catch_unwind(AssertUnwindSafe(|| write(letters, Typesetter::new(fonts)))).unwrap_or_else(
        |panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(LetterError::Internal(message))
        },
    )
}

fn settings() -> Result<SerializeSettings, LetterError> {
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| LetterError::Pdf(format!("{e:?}")))?;
    Ok(SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    })
}

fn write(letters: &[Letter], mut ts: Typesetter) -> Result<(Vec<u8>, Vec<usize>), LetterError> {
    let mut doc = Document::new_with(settings()?);
    let mut tree = TagTree::new().with_lang(Some(LANGUAGE.to_owned()));
    let mut outline = Outline::new();
    let mut page_counts = Vec::with_capacity(letters.len());
    let mut first_page = 0;
    let mut title = String::new();
    for letter in letters {
        let laid = lay_out(letter, &mut ts);
        let heading_top = laid.placed.iter().find(|p| {
            laid.blocks
                .get(p.block)
                .is_some_and(|b| b.role == Role::Heading)
        });
        if let Some(top) = heading_top {
            let y = top.baseline - laid.style.heading * ASCENT;
            let node = OutlineNode::new(
                laid.heading.clone(),
                krilla::destination::XyzDestination::new(
                    first_page + top.page,
                    Point::from_xy(MARGIN_X, y.max(0.0)),
                ),
            );
            outline.push_child(node);
        }
        tree.push(draw(&mut doc, &mut ts, &laid));
        page_counts.push(laid.pages);
        first_page += laid.pages;
        title = laid.title;
    }

    let metadata = match letters {
        [letter] => {
            let mut m = Metadata::new()
                .title(title)
                .keywords(vec![letter.kind.letter().to_owned()]);
            if let Some(date) = creation_date(letter.letter_date) {
                m = m.creation_date(date);
            }
            m
        }
        _ => {
            let mut m = Metadata::new().title(format!(
                "NHS breast screening: result letters, print batch of {}",
                letters.len()
            ));
            let latest = letters.iter().map(|l| l.letter_date).max();
            if let Some(date) = latest.and_then(creation_date) {
                m = m.creation_date(date);
            }
            m
        }
    };
    doc.set_metadata(metadata.language(LANGUAGE.to_owned()));
    doc.set_outline(outline);
    doc.set_tag_tree(tree);
    let pdf = doc.finish().map_err(|e| LetterError::Pdf(describe(&e)))?;
    Ok((pdf, page_counts))
}

fn describe(e: &krilla::error::KrillaError) -> String {
    match e {
        krilla::error::KrillaError::Validation(errors) => {
            let each: Vec<String> = errors.iter().map(|(e, _)| format!("{e:?}")).collect();
            format!("{e}: {}", each.join("; "))
        }
        other => other.to_string(),
    }
}

fn creation_date(date: time::Date) -> Option<DateTime> {
    let year = u16::try_from(date.year()).ok()?;
    Some(
        DateTime::new(year)
            .month(date.month() as u8)
            .day(date.day()),
    )
}

/// Draws one laid-out letter on new pages; returns its part of the structure tree.
fn draw(doc: &mut Document, ts: &mut Typesetter, laid: &Laid) -> TagGroup {
    let fonts = ts.fonts();
    let mut groups: Vec<TagGroup> = laid
        .blocks
        .iter()
        .map(|b| match b.role {
            Role::Heading => TagGroup::new(Tag::Hn(NonZeroU16::MIN, Some(laid.heading.clone()))),
            Role::Paragraph => TagGroup::new(Tag::P),
        })
        .collect();
    let small = laid.style.small;
    let small_height = line_height(small, &laid.style);
    let mut placed = laid.placed.iter().peekable();
    for page in 0..laid.pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT);
        let mut pdf_page = match settings {
            Some(s) => doc.start_page_with(s),
            None => doc.start_page(),
        };
        let mut surface = pdf_page.surface();
        while let Some(p) = placed.next_if(|p| p.page == page) {
            let Some(block) = laid.blocks.get(p.block) else {
                continue;
            };
            let Some(line) = block.lines.get(p.line) else {
                continue;
            };
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            let mut x = p.x;
            let runs = runs(&line.text);
            for (i, &(run, direction)) in runs.iter().enumerate() {
                surface.draw_text(
                    Point::from_xy(x, p.baseline),
                    fonts.face(block.weight).pdf.clone(),
                    block.size,
                    run,
                    false,
                    direction,
                );
                if i + 1 < runs.len() {
                    x += ts.width(block.weight, block.size, run);
                }
            }
            surface.end_tagged();
            if let Some(group) = groups.get_mut(p.block) {
                group.push(id);
            }
        }

        // The continuation header, from the second page.
        if page > 0 {
            furniture(
                &mut surface,
                &fonts,
                ArtifactType::Header,
                &laid.header,
                &laid.style,
                MARGIN_TOP,
            );
        }
        // The footer, its last line on the bottom margin.
        let footer = footer_text(&laid.reference, page + 1, laid.pages);
        let lines = ts.wrap_at_most(
            Weight::Regular,
            small,
            &footer,
            PAGE_WIDTH - 2.0 * MARGIN_X,
            FURNITURE_LINES,
        );
        let top = PAGE_HEIGHT - MARGIN_BOTTOM - lines.len() as f32 * small_height;
        furniture(
            &mut surface,
            &fonts,
            ArtifactType::Footer,
            &lines,
            &laid.style,
            top,
        );
        surface.finish();
        pdf_page.finish();
    }
    let mut section = TagGroup::new(Tag::Section);
    for g in groups {
        section.push(Node::Group(g));
    }
    section
}

/// `text` in runs of one direction, in logical order, which on our left-to-right lines is
/// also the order they are drawn in. krilla's simple text shapes a run in one direction,
/// so a Hebrew or Arabic name in "Dear …," must be a run of its own to read right to left.
/// A right-to-left run starts and ends with a character of those scripts and takes in the
/// spaces and punctuation between; a Latin letter or a digit ends it. (A small part of the
/// Unicode bidirectional algorithm: enough for names and addresses.)
fn runs(text: &str) -> Vec<(&str, TextDirection)> {
    if !text.chars().any(is_rtl) {
        return vec![(text, TextDirection::LeftToRight)];
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut push = |from: usize, to: usize, direction| {
        if let Some(run) = text.get(from..to).filter(|r| !r.is_empty()) {
            out.push((run, direction));
        }
    };
    let mut start = 0;
    let mut k = 0;
    while let Some(&(i, c)) = chars.get(k) {
        k += 1;
        if !is_rtl(c) {
            continue;
        }
        // The run goes on to its last right-to-left character before a Latin letter or
        // a digit (or the end).
        let mut end = i + c.len_utf8();
        let mut last = k;
        while let Some(&(j, d)) = chars.get(k) {
            if is_rtl(d) {
                end = j + d.len_utf8();
                last = k + 1;
            } else if d.is_alphanumeric() {
                break;
            }
            k += 1;
        }
        push(start, i, TextDirection::LeftToRight);
        push(i, end, TextDirection::RightToLeft);
        start = end;
        k = last;
    }
    push(start, text.len(), TextDirection::LeftToRight);
    out
}

/// Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms.
fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFE | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

/// Draws header or footer lines, from `top` down, as pagination artifacts: outside the
/// structure tree, so a screen reader does not read them on every page.
fn furniture(
    surface: &mut Surface,
    fonts: &Fonts,
    kind: ArtifactType,
    lines: &[Line],
    style: &Style,
    top: f32,
) {
    if lines.is_empty() {
        return;
    }
    let size = style.small;
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
    for (i, line) in lines.iter().enumerate() {
        let line_top = top + i as f32 * line_height(size, style);
        surface.draw_text(
            Point::from_xy(MARGIN_X, baseline(line_top, size, style)),
            fonts.face(Weight::Regular).pdf.clone(),
            size,
            &line.text,
            false,
            TextDirection::Auto,
        );
    }
    surface.end_tagged();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_runs() {
        use TextDirection::{LeftToRight as L, RightToLeft as R};
        let table: &[(&str, &[(&str, TextDirection)])] = &[
            ("Dear Janet,", &[("Dear Janet,", L)]),
            ("", &[("", L)]),
            ("Dear שרה כהן,", &[("Dear ", L), ("שרה כהן", R), (",", L)]),
            ("فاطمة", &[("فاطمة", R)]),
            (
                "Flat 12 שרה, 3 Road",
                &[("Flat 12 ", L), ("שרה", R), (", 3 Road", L)],
            ),
            ("שרה Smith כהן", &[("שרה", R), (" Smith ", L), ("כהן", R)]),
        ];
        for (text, expected) in table {
            let got = runs(text);
            assert_eq!(got.len(), expected.len(), "{text:?}: {got:?}");
            for ((run, dir), (want, want_dir)) in got.iter().zip(expected.iter()) {
                assert_eq!(run, want, "{text:?}");
                assert_eq!(
                    matches!(dir, TextDirection::RightToLeft),
                    matches!(want_dir, TextDirection::RightToLeft),
                    "{text:?} {run:?}"
                );
            }
        }
    }
}
