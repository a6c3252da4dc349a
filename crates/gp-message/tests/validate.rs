//! The messages, checked by a FHIR validator nobody here wrote: PyPI `fhir.resources`
//! (R4B models, structurally the same as R4 for these resources), run by
//! `scripts/fhir/validate.py` from `.venv` (installed by `scripts/install-test-deps.sh`).
//! A missing `.venv` or package is a failure, never a skip.
//!
//! `GP_MESSAGE_PYTHON` overrides the Python interpreter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use domain::results::{ResultKind, default_coding};
use gp_message::{AckCode, Coding, GpResult, Organisation, business_ack, to_bytes};
use time::macros::{date, datetime};
use uuid::Uuid;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The virtual environment's Python, with fhir.resources importable.
fn python() -> PathBuf {
    let python = std::env::var_os("GP_MESSAGE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    assert!(
        python.is_file(),
        "the test Python is not installed ({} is missing): run scripts/install-test-deps.sh",
        python.display()
    );
    let probe = Command::new(&python)
        .args(["-c", "import fhir.resources.R4B"])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(
        probe.status.success(),
        "fhir.resources is not installed in {} ({}): run scripts/install-test-deps.sh",
        python.display(),
        String::from_utf8_lossy(&probe.stderr).trim()
    );
    python
}

fn validate(files: &[PathBuf]) -> Output {
    Command::new(python())
        .arg(repo_root().join("scripts/fhir/validate.py"))
        .args(files)
        .output()
        .expect("run scripts/fhir/validate.py")
}

/// A fresh folder under Cargo's temporary directory for this test binary.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

fn office() -> Organisation {
    Organisation {
        ods_code: "LAV".to_owned(),
        name: "West of London Breast Screening".to_owned(),
    }
}

fn practice() -> Organisation {
    Organisation {
        ods_code: "A81001".to_owned(),
        name: "The Densham Surgery".to_owned(),
    }
}

const LETTER: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

fn result(kind: ResultKind) -> GpResult<'static> {
    let coding = default_coding(kind);
    GpResult {
        bundle_id: Uuid::now_v7(),
        result_id: Uuid::now_v7(),
        version: 1,
        supersedes: None,
        issued: datetime!(2026-12-07 10:15:00.250 +00:00),
        nhs_number: "9434765919".to_owned(),
        family_name: "O'Brien-Smith".to_owned(),
        given_name: "Zoë".to_owned(),
        date_of_birth: date!(1961 - 02 - 28),
        gp_practice: practice(),
        sender: office(),
        kind,
        text: kind.gp_text().to_owned(),
        finding: coding.finding.map(Coding::from),
        procedure: coding.procedure.map(Coding::from),
        next_test_due: kind.screened().then_some(date!(2029 - 12 - 01)),
        letter_pdf: LETTER,
    }
}

#[test]
fn every_result_kind_a_correction_and_each_acknowledgement_are_valid_fhir() {
    let dir = temp_dir("valid");
    let mut files = Vec::new();
    let mut write = |name: String, bytes: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write a bundle");
        files.push(path);
    };
    for kind in ResultKind::ALL {
        write(
            format!("result-{}.json", kind.as_str()),
            to_bytes(&result(*kind)),
        );
    }
    let original = result(ResultKind::Normal);
    write(
        "correction.json".to_owned(),
        to_bytes(&GpResult {
            bundle_id: Uuid::now_v7(),
            result_id: Uuid::now_v7(),
            version: 2,
            supersedes: Some(original.result_id),
            ..result(ResultKind::ReferredForTreatment)
        }),
    );
    for code in AckCode::ALL {
        let ack = business_ack(
            original.bundle_id,
            &practice(),
            &office(),
            code,
            Uuid::now_v7(),
            datetime!(2026-12-07 11:00 UTC),
        );
        write(
            format!("ack-{}.json", code.as_str()),
            serde_json::to_vec(&ack).expect("JSON"),
        );
    }

    let out = validate(&files);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the validator refused a message ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("valid ")).count(),
        files.len(),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The validator is not a rubber stamp: each of these breakages is refused.
#[test]
fn the_validator_refuses_broken_messages() {
    let dir = temp_dir("broken");
    let good: serde_json::Value =
        serde_json::from_slice(&to_bytes(&result(ResultKind::Normal))).expect("JSON");
    type Break = fn(&mut serde_json::Value);
    let table: [(&str, Break, &str); 6] = [
        (
            "no-source",
            |b| {
                b["entry"][0]["resource"]
                    .as_object_mut()
                    .map(|h| h.remove("source"));
            },
            "source",
        ),
        (
            "unknown-element",
            |b| b["entry"][1]["resource"]["colour"] = "blue".into(),
            "colour",
        ),
        (
            "bad-birth-date",
            |b| b["entry"][3]["resource"]["birthDate"] = "1961-02-30x".into(),
            "birthDate",
        ),
        (
            "bad-status",
            |b| b["entry"][1]["resource"]["status"] = "done".into(),
            "DiagnosticReport.status",
        ),
        (
            "dangling-reference",
            |b| {
                b["entry"][2]["resource"]["subject"]["reference"] =
                    format!("urn:uuid:{}", Uuid::nil()).into()
            },
            "does not resolve",
        ),
        (
            "header-not-first",
            |b| {
                if let Some(entries) = b["entry"].as_array_mut() {
                    entries.swap(0, 1);
                }
            },
            "first entry",
        ),
    ];
    for (name, breakage, expected) in table {
        let mut bundle = good.clone();
        breakage(&mut bundle);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, bundle.to_string()).expect("write");
        let out = validate(std::slice::from_ref(&path));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} was accepted: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
