//! The PDFs read back with a real reader: poppler's `pdftotext`, `pdfinfo` (Debian's
//! poppler-utils, installed by scripts/install-test-deps.sh). Without them these tests
//! fail, saying so: a letter nobody has read back is not tested.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use domain::results::ResultKind;
use letters::{
    Layout, Letter, LetterError, LetterFormat, PrintFlag, layout_for, render, render_batch, text,
};
use time::macros::date;

fn letter(name: &str, kind: ResultKind, format: LetterFormat) -> Letter {
    Letter {
        provider_name: "West of London Breast Screening Service".to_owned(),
        provider_phone: "020 3758 2024".to_owned(),
        recipient_name: name.to_owned(),
        address_lines: vec![
            "12 Acacia Avenue".to_owned(),
            "Hammersmith".to_owned(),
            "London".to_owned(),
            "W6 9AA".to_owned(),
        ],
        nhs_number: "999 123 4567".to_owned(),
        date_of_birth: date!(1960 - 02 - 01),
        letter_date: date!(2026 - 12 - 07),
        kind,
        next_test_due: Some(date!(2029 - 12 - 01)),
        correction_of: None,
        layout: Layout {
            format,
            flags: Vec::new(),
        },
        reference: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned(),
    }
}

fn pdf(result: Result<Vec<u8>, LetterError>) -> Vec<u8> {
    result.unwrap_or_else(|e| panic!("render failed: {e}"))
}

/// Writes `pdf` to a fresh file in Cargo's temporary directory for this test target.
fn save(pdf: &[u8]) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("letter-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Runs a poppler tool on `pdf`, failing the test clearly if the tool is missing.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let path = save(pdf);
    let mut command = Command::new(tool);
    command.args(args).arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = match command.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` is not installed. The letter tests read the PDFs back with poppler: \
             install Debian's poppler-utils (scripts/install-test-deps.sh does)."
        ),
        Err(e) => panic!("{tool}: {e}"),
    };
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of `pdf` (pages `first` to `last` if given), with every run of whitespace
/// made one space so wrapped sentences read as one.
fn words(pdf: &[u8], pages: Option<(usize, usize)>) -> String {
    let range = pages.map(|(f, l)| (f.to_string(), l.to_string()));
    let mut args = vec!["-enc", "UTF-8"];
    if let Some((f, l)) = &range {
        args.extend(["-f", f.as_str(), "-l", l.as_str()]);
    }
    let text = poppler("pdftotext", &args, pdf);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn info(pdf: &[u8], key: &str) -> String {
    let out = poppler("pdfinfo", &[], pdf);
    out.lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim_start_matches(':').trim())
        })
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_letter_reads_back_with_her_details_and_result() {
    for &kind in ResultKind::ALL {
        let l = letter("Janet Williams", kind, LetterFormat::Standard);
        let bytes = pdf(render(&l));
        let got = words(&bytes, None);
        for expected in [
            "Janet Williams",
            "12 Acacia Avenue",
            "W6 9AA",
            "NHS number: 999 123 4567",
            "Date of birth: 1 February 1960",
            "7 December 2026",
            "West of London Breast Screening Service",
            "Our reference: 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            kind.summary(),
        ] {
            assert!(
                got.contains(expected),
                "{kind:?}: {expected:?} not in {got}"
            );
        }
        // Every paragraph of the template is there, in order.
        let t = text(&l);
        let mut rest = got.as_str();
        for p in std::iter::once(&t.heading).chain(&t.paragraphs) {
            let Some(at) = rest.find(p.as_str()) else {
                panic!("{kind:?}: {p:?} missing or out of order in {got}");
            };
            rest = &rest[at + p.len()..];
        }
    }
}

#[test]
fn a_letter_is_a_tagged_a4_pdf_with_title_and_language() {
    let l = letter("Janet Williams", ResultKind::Normal, LetterFormat::Standard);
    let bytes = pdf(render(&l));
    assert!(bytes.starts_with(b"%PDF-1.7"));
    assert_eq!(info(&bytes, "Tagged"), "yes");
    assert_eq!(info(&bytes, "Pages"), "1");
    assert_eq!(
        info(&bytes, "Title"),
        "NHS breast screening: your breast screening result"
    );
    assert!(info(&bytes, "Page size").starts_with("595.28 x 841.89"));
    let raw = String::from_utf8_lossy(&bytes);
    // The catalogue's language, the structure tree (a section with a heading and
    // paragraphs) and the PDF/UA-1 claim.
    for marker in [
        "/Lang(en-GB)",
        "/StructTreeRoot",
        "/S/Sect",
        "/S/H1",
        "/S/P",
        "<pdfuaid:part>1</pdfuaid:part>",
    ] {
        assert!(raw.contains(marker), "{marker} not in the PDF");
    }
}

#[test]
fn the_same_letter_renders_to_the_same_bytes() {
    let l = letter(
        "Janet Williams",
        ResultKind::TechnicalRecall,
        LetterFormat::LargePrint,
    );
    assert_eq!(pdf(render(&l)), pdf(render(&l)));
}

#[test]
fn a_correction_says_so_at_the_top() {
    let mut l = letter("Janet Williams", ResultKind::Normal, LetterFormat::Standard);
    l.correction_of = Some(date!(2026 - 11 - 20));
    let got = words(&pdf(render(&l)), None);
    let heading = got.find("Correction: your breast screening result");
    let notice = got.find("This letter replaces the letter we sent you on 20 November 2026");
    let greeting = got.find("Dear Janet Williams");
    assert!(
        heading.is_some() && notice.is_some() && greeting.is_some(),
        "{got}"
    );
    assert!(heading < notice && notice < greeting, "{got}");
}

/// Median height of the words of the body (from the greeting on, less the footers), from
/// pdftotext's word boxes: the type size.
fn body_word_height(pdf: &[u8]) -> f64 {
    let html = poppler("pdftotext", &["-bbox"], pdf);
    let mut heights: Vec<f64> = Vec::new();
    let mut in_body = false;
    for line in html.lines().filter(|l| l.contains("<word ")) {
        let attr = |name: &str| -> f64 {
            let key = format!("{name}=\"");
            line.split(&key)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        if line.contains(">Dear<") {
            in_body = true;
        }
        if in_body && !line.contains(">Page<") {
            heights.push(attr("yMax") - attr("yMin"));
        }
    }
    heights.sort_by(f64::total_cmp);
    heights.get(heights.len() / 2).copied().unwrap_or(0.0)
}

#[test]
fn large_print_and_easy_read_use_bigger_text() {
    let standard = letter("Janet Williams", ResultKind::Normal, LetterFormat::Standard);
    let large = Letter {
        layout: layout_for(&[domain::CommunicationPreference::LargePrint]),
        ..standard.clone()
    };
    let easy = Letter {
        layout: layout_for(&[domain::CommunicationPreference::EasyRead]),
        ..standard.clone()
    };
    let standard_pdf = pdf(render(&standard));
    let h_standard = body_word_height(&standard_pdf);
    // pdftotext's word boxes are as high as the type size.
    assert!((11.5..12.5).contains(&h_standard), "{h_standard}");
    for (name, l) in [("large print", large), ("easy read", easy)] {
        let bytes = pdf(render(&l));
        let h = body_word_height(&bytes);
        // At least 16 point text.
        assert!(h >= 16.0, "{name}: {h}");
        assert!(h > h_standard * 1.4, "{name}: {h} vs {h_standard}");
        let pages: usize = info(&bytes, "Pages").parse().unwrap_or(0);
        let standard_pages: usize = info(&standard_pdf, "Pages").parse().unwrap_or(0);
        assert!(pages > standard_pages, "{name}: {pages} pages");
        // Every page after the first says whose letter it is.
        let last = words(&bytes, Some((pages, pages)));
        assert!(
            last.contains("Janet Williams. NHS number: 999 123 4567"),
            "{last}"
        );
        assert!(last.contains(&format!("Page {pages} of {pages}")), "{last}");
    }
}

#[test]
fn a_batch_has_every_letter_from_a_new_page_and_a_true_manifest() {
    let letters = vec![
        letter("Janet Williams", ResultKind::Normal, LetterFormat::Standard),
        letter(
            "Amira Haddad",
            ResultKind::RecallForAssessment,
            LetterFormat::LargePrint,
        ),
        Letter {
            layout: Layout {
                format: LetterFormat::EasyRead,
                flags: vec![PrintFlag::Braille, PrintFlag::Audio],
            },
            ..letter(
                "Mary O'Brien",
                ResultKind::DidNotAttend,
                LetterFormat::EasyRead,
            )
        },
        letter(
            "Grace Okafor",
            ResultKind::TechnicalRecall,
            LetterFormat::Standard,
        ),
    ];
    let letters: Vec<Letter> = letters
        .into_iter()
        .enumerate()
        .map(|(i, l)| Letter {
            reference: format!("ref-{i}"),
            ..l
        })
        .collect();
    let batch = render_batch(&letters).unwrap_or_else(|e| panic!("{e}"));
    let m = &batch.manifest;

    assert_eq!(m.count, 4);
    assert_eq!(m.letters.len(), 4);
    let pages: usize = info(&batch.pdf, "Pages").parse().unwrap_or(0);
    assert_eq!(m.pages, pages);
    {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&batch.pdf);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(m.sha256, hex);
    }
    let mut next = 1;
    for (entry, l) in m.letters.iter().zip(&letters) {
        assert_eq!(entry.reference, l.reference);
        assert_eq!(entry.first_page, next);
        assert!(entry.page_count >= 1);
        assert_eq!(entry.format, l.layout.format);
        assert_eq!(entry.flags, l.layout.flags);
        next += entry.page_count;

        // Her pages have her letter, and nobody else's name.
        let last = entry.first_page + entry.page_count - 1;
        let got = words(&batch.pdf, Some((entry.first_page, last)));
        assert!(
            got.contains(&format!("Dear {},", l.recipient_name)),
            "{got}"
        );
        assert!(got.contains(l.kind.summary()), "{got}");
        assert!(
            got.contains(&format!("Page 1 of {}", entry.page_count)),
            "{got}"
        );
        for other in letters.iter().filter(|o| o.reference != l.reference) {
            assert!(!got.contains(&other.recipient_name), "{got}");
        }
    }
    assert_eq!(next - 1, m.pages);
    assert_eq!(info(&batch.pdf, "Tagged"), "yes");

    let json = serde_json::to_value(m).unwrap_or_default();
    assert_eq!(json["count"], 4);
    assert_eq!(json["letters"][2]["format"], "easy_read");
    assert_eq!(json["letters"][2]["flags"][1], "audio");
    assert_eq!(json["letters"][1]["first_page"], 2);
}

#[test]
fn odd_input_renders_without_panic() {
    let long_name = "Anna-Maria ".repeat(27) + "Xyz"; // 300 characters
    assert_eq!(long_name.chars().count(), 300);
    let unbroken = "W".repeat(300);
    let cases: Vec<Letter> = vec![
        Letter {
            address_lines: Vec::new(),
            ..letter("Janet Williams", ResultKind::Normal, LetterFormat::Standard)
        },
        letter(
            &long_name,
            ResultKind::RecallForMoreImages,
            LetterFormat::LargePrint,
        ),
        letter(&unbroken, ResultKind::EarlyRecall, LetterFormat::EasyRead),
        letter(
            "Zoe\u{308} Ni\u{301}\u{323} Bhriain 😀👩‍👩‍👧 山田 🦩",
            ResultKind::Normal,
            LetterFormat::Standard,
        ),
        letter(
            "שרה כהן",
            ResultKind::AttendedNotScreened,
            LetterFormat::Standard,
        ),
        letter(
            "فاطمة الزهراء",
            ResultKind::ReferredForTreatment,
            LetterFormat::Standard,
        ),
        letter(
            "\u{0}\u{7}\u{FEFF}\u{202E}evil\u{202C}\u{E000}\u{FFFF}",
            ResultKind::DidNotAttend,
            LetterFormat::Standard,
        ),
        letter(
            "\u{301}\u{301}\u{301}",
            ResultKind::TechnicalRecall,
            LetterFormat::Standard,
        ),
        Letter {
            provider_name: String::new(),
            provider_phone: String::new(),
            recipient_name: String::new(),
            address_lines: vec![String::new(), "  ".to_owned()],
            nhs_number: String::new(),
            reference: String::new(),
            ..letter(
                "",
                ResultKind::ReferredToSymptomatic,
                LetterFormat::Standard,
            )
        },
        Letter {
            address_lines: (0..120).map(|i| format!("Line {i}")).collect(),
            reference: "R".repeat(5_000),
            ..letter(&long_name, ResultKind::Normal, LetterFormat::EasyRead)
        },
        Letter {
            date_of_birth: time::Date::MIN,
            letter_date: time::Date::MAX,
            next_test_due: Some(time::Date::MIN),
            correction_of: Some(time::Date::MAX),
            ..letter(
                "Janet Williams",
                ResultKind::AssessmentNormal,
                LetterFormat::Standard,
            )
        },
    ];
    for l in &cases {
        let bytes = pdf(render(l));
        let got = words(&bytes, None);
        assert!(
            got.contains(l.kind.summary()),
            "{:?}: {got}",
            l.recipient_name
        );
    }
    let got = words(&pdf(render(&cases[3])), None);
    assert!(got.contains("Bhriain"), "{got}");
    let got = words(&pdf(render(&cases[1])), None);
    assert!(got.contains("Anna-Maria Anna-Maria"), "{got}");

    let batch = render_batch(&cases).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(batch.manifest.count, cases.len());
}

/// A sweep of the whole of Unicode, a character in every 61, as a name and an address:
/// every character the font lacks is replaced, so the PDF/UA-1 check still passes.
#[test]
fn any_unicode_renders() {
    let chars: Vec<char> = (0..=0x10FFFFu32)
        .step_by(61)
        .filter_map(char::from_u32)
        .collect();
    let mut l = letter("", ResultKind::Normal, LetterFormat::Standard);
    for chunk in chars.chunks(400) {
        let s: String = chunk.iter().collect();
        l.recipient_name = s.clone();
        l.address_lines = vec![s.clone()];
        l.reference = s;
        let _ = pdf(render(&l));
    }
}

/// Names in the scripts of the register read back as written: accents as combining
/// marks, Greek, Cyrillic, and Hebrew and Arabic drawn right to left within an English
/// line. (pdftotext marks right-to-left text with embedding controls; they are dropped.)
#[test]
fn names_in_other_scripts_read_back_as_written() {
    for name in [
        "Zoe\u{308} Nia\u{301}mh O\u{301} Se\u{301}",
        "Ελένη Παπαδοπούλου",
        "Анна Иванова",
        "שרה כהן",
        "فاطمة الزهراء",
    ] {
        let l = letter(name, ResultKind::Normal, LetterFormat::Standard);
        let got = words(&pdf(render(&l)), None).replace(['\u{202A}', '\u{202B}', '\u{202C}'], "");
        assert!(got.contains(&format!("Dear {name},")), "{name}: {got}");
    }
}
