//! How fast a print batch renders: N letters (default 12,000, a large office's week) in one
//! PDF with its manifest, a mix of result kinds and formats.
//!
//!   cargo run --release -p letters --example letters_rate [-- N [OUT.pdf]]
//!
//! Prints the letters, pages, PDF size, total time and letters per second. With OUT, writes
//! the PDF there and the manifest as JSON beside it (OUT.json).

use std::time::Instant;

use domain::results::ResultKind;
use letters::{Layout, Letter, LetterFormat, PrintFlag, render_batch};
use time::{Date, Duration, Month};

fn letter(i: usize) -> Letter {
    let kinds = ResultKind::ALL;
    let kind = kinds[i % kinds.len()];
    // Mostly standard, as in a real batch; one in ten large print, one in twenty easy read.
    let format = match i % 20 {
        0 => LetterFormat::EasyRead,
        1 | 11 => LetterFormat::LargePrint,
        _ => LetterFormat::Standard,
    };
    let flags = match i % 50 {
        0 => vec![PrintFlag::Braille],
        1 => vec![PrintFlag::OtherLanguage, PrintFlag::Interpreter],
        _ => Vec::new(),
    };
    let start = Date::from_calendar_date(1955, Month::January, 1).unwrap_or(Date::MIN);
    let date_of_birth = start + Duration::days((i * 37 % 7_000) as i64);
    let letter_date = Date::from_calendar_date(2026, Month::December, 7).unwrap_or(Date::MIN);
    let returns = matches!(
        kind,
        ResultKind::Normal
            | ResultKind::NormalPartialMammography
            | ResultKind::AssessmentNormal
            | ResultKind::EarlyRecall
    );
    Letter {
        provider_name: "West of London Breast Screening Service".to_owned(),
        provider_phone: "020 3758 2024".to_owned(),
        recipient_name: format!("Participant {i} Williams"),
        address_lines: vec![
            format!("{} Acacia Avenue", i % 300 + 1),
            "Hammersmith".to_owned(),
            "London".to_owned(),
            "W6 9AA".to_owned(),
        ],
        nhs_number: format!("999 {:03} {:04}", i / 10_000 % 1_000, i % 10_000),
        date_of_birth,
        letter_date,
        kind,
        next_test_due: returns.then(|| letter_date + Duration::days(3 * 365)),
        correction_of: i
            .is_multiple_of(97)
            .then(|| letter_date - Duration::days(14)),
        layout: Layout { format, flags },
        reference: format!("0193a1b2-c3d4-7e5f-8a9b-{i:012}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(12_000);
    let out = args.next();

    let letters: Vec<Letter> = (0..n).map(letter).collect();
    let started = Instant::now();
    let batch = match render_batch(&letters) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("letters_rate: {e}");
            std::process::exit(1);
        }
    };
    let seconds = started.elapsed().as_secs_f64();

    println!("letters: {}", batch.manifest.count);
    println!("pages: {}", batch.manifest.pages);
    println!("pdf: {:.1} MB", batch.pdf.len() as f64 / 1e6);
    println!("sha256: {}", batch.manifest.sha256);
    println!("total: {seconds:.2} s");
    println!("rate: {:.0} letters/s", n as f64 / seconds.max(1e-9));

    if let Some(out) = out {
        let manifest = serde_json::to_vec_pretty(&batch.manifest).unwrap_or_default();
        let written = std::fs::write(&out, &batch.pdf)
            .and_then(|()| std::fs::write(format!("{out}.json"), manifest));
        if let Err(e) = written {
            eprintln!("letters_rate: {out}: {e}");
            std::process::exit(1);
        }
        println!("wrote {out} and {out}.json");
    }
}
