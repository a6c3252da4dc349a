//! The typed API, proved by a client nobody wrote: `openapi-python-client` (PyPI, in `.venv`,
//! installed by `scripts/install-test-deps.sh`) generates a Python package from the
//! service's own `/api/v1/openapi.json`, and `tests/api-client/drive.py` runs one whole
//! appointment and one double reading through it. Every body goes through the generated
//! models, so a schema the generator cannot type or a response the schema does not
//! describe fails the test.
//!
//! `OPENAPI_PYTHON_CLIENT_BIN` overrides where the generator is found.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const READER_A: &str = "olumide.adeyemi@example.nhs.uk";
const READER_B: &str = "priya.shah@example.nhs.uk";
const PACKAGE: &str = "screening_api_client";

/// The generator. Missing is a failure, never a skip.
fn generator() -> PathBuf {
    let bin = std::env::var_os("OPENAPI_PYTHON_CLIENT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/openapi-python-client"));
    assert!(
        bin.is_file(),
        "the OpenAPI client generator is not installed ({} is missing): \
         run scripts/install-test-deps.sh (or set OPENAPI_PYTHON_CLIENT_BIN)",
        bin.display()
    );
    bin
}

fn generator_dir() -> PathBuf {
    generator()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

// Several threads: the generator and the driver block this test's thread while the
// service answers the driver on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_client_runs_an_appointment_and_a_double_reading() {
    let app = spawn().await;
    let document = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("the OpenAPI document")
        .text()
        .await
        .expect("its text");
    let spec = app.dir.join("openapi.json");
    std::fs::write(&spec, &document).expect("write the document");
    let config = app.dir.join("generator.yaml");
    std::fs::write(
        &config,
        format!(
            "package_name_override: {PACKAGE}\nproject_name_override: {PACKAGE}\n\
             content_type_overrides:\n  image/png: application/octet-stream\n  \
             application/pdf: application/octet-stream\n  application/fhir+json: application/json\n"
        ),
    )
    .expect("write the generator's configuration");
    let out = app.dir.join("client");
    let generated = run(
        Command::new(generator())
            .arg("generate")
            .arg("--path")
            .arg(&spec)
            .arg("--output-path")
            .arg(&out)
            .arg("--config")
            .arg(&config)
            .arg("--meta")
            .arg("none")
            .arg("--fail-on-warning")
            // Its formatting hook (ruff) is installed beside it.
            .env("PATH", path_with(&generator_dir())),
        "openapi-python-client",
    );
    println!("{generated}");

    let scope = app.provider("DMO1").await;
    let (appointment, _) = app.scheduled_appointment(scope).await;
    let mammographer = app.token(CLINICAL_A, "DMO1").await;
    let reader_a = app.token(READER_A, "DMO1").await;
    let reader_b = app.token(READER_B, "DMO1").await;
    let python = repo_root().join(".venv/bin/python");
    let report = run(
        Command::new(python)
            .arg(repo_root().join("tests/api-client/drive.py"))
            .env("PYTHONPATH", &app.dir)
            .env("SCREENING_CLIENT_PACKAGE", "client")
            .env("SCREENING_BASE_URL", app.url("/api/v1"))
            .env("SCREENING_TOKEN_MAMMOGRAPHER", &mammographer)
            .env("SCREENING_TOKEN_READER_A", &reader_a)
            .env("SCREENING_TOKEN_READER_B", &reader_b)
            .env("SCREENING_APPOINTMENT", appointment.to_string()),
        "the generated client's journey",
    );
    let line = report.lines().last().unwrap_or_default();
    let report: serde_json::Value = serde_json::from_str(line).expect("the driver's report");
    assert_eq!(report["appointment_status"], "screened", "{report}");
    assert_eq!(report["first_slot"], "first", "{report}");
    assert_eq!(report["second_slot"], "second", "{report}");
    assert_eq!(report["case_state"], "concluded", "{report}");
    assert_eq!(report["outcome"], "routine_recall", "{report}");
    assert_eq!(report["reads"], 2, "{report}");

    // What the client did is what the service holds.
    let (status, ..) = app.status(scope, appointment).await;
    assert_eq!(status, domain::AppointmentStatus::Screened);
}

/// Free-form objects in the document: a client learns nothing from them. Only these may
/// remain, each for its stated reason.
const FREE_FORM_ALLOWED: &[(&str, &str)] = &[
    // Every DICOM attribute the gateway sent, as it sent it: a map by keyword.
    ("ReceivedImage", "metadata"),
    // A FHIR resource inside the GP message: its shape is the FHIR specification's
    // (validated by fhir.resources in crates/gp-message/tests/validate.rs).
    ("FhirEntry", "resource"),
];

fn free_form(schema: &serde_json::Value, at: &str, found: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            let untyped = map.is_empty()
                || (map.get("type") == Some(&serde_json::json!("object"))
                    && !map.contains_key("properties")
                    && !map.contains_key("additionalProperties")
                    && !map.contains_key("oneOf"));
            if untyped {
                found.push(at.to_owned());
            }
            for (key, value) in map {
                free_form(value, &format!("{at}.{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                free_form(value, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_body_in_the_document_has_a_real_schema() {
    let app = spawn().await;
    let document: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("the OpenAPI document")
        .json()
        .await
        .expect("JSON");
    let mut found = Vec::new();
    if let Some(schemas) = document["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            free_form(schema, name, &mut found);
        }
    }
    free_form(&document["paths"], "paths", &mut found);
    let allowed: Vec<String> = FREE_FORM_ALLOWED
        .iter()
        .map(|(schema, field)| format!("{schema}.properties.{field}"))
        .collect();
    found.retain(|at| !allowed.contains(at));
    assert!(found.is_empty(), "untyped schemas: {found:#?}");
    // The opinions and the arbitration decisions are tagged unions.
    for (name, tag) in [("Opinion", "opinion"), ("ArbitrationDecision", "decision")] {
        let variants = document["components"]["schemas"][name]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is a oneOf"));
        assert!(variants.len() > 1, "{name}");
        for v in variants {
            assert_eq!(
                v["properties"][tag]["enum"].as_array().map(Vec::len),
                Some(1),
                "{name}: {v}"
            );
        }
    }
}
