//! The hazard log (`docs/safety/hazard-log.md`) is only worth something if every control it
//! claims is in the code and every test it cites exists. This test reads the log and fails
//! when a hazard names a file, function or test that is not there, or leaves out a field of
//! the DCB0129 shape.

use std::path::{Path, PathBuf};

/// One hazard as the log states it.
#[derive(Debug, Default)]
struct Hazard {
    id: String,
    fields: Vec<(String, String)>,
}

impl Hazard {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Fields every hazard must fill in.
const REQUIRED: &[&str] = &[
    "Cause",
    "Effect",
    "Initial risk",
    "Control",
    "Test",
    "Residual risk",
];

/// Splits the log into hazards: a `### H-nn title` heading, then `- **Field**: text` lines
/// (a field may continue on indented lines).
fn parse(log: &str) -> Vec<Hazard> {
    let mut hazards: Vec<Hazard> = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            let id = rest.split_whitespace().next().unwrap_or_default();
            if id.starts_with("H-") {
                hazards.push(Hazard {
                    id: id.to_owned(),
                    fields: Vec::new(),
                });
                continue;
            }
        }
        if line.starts_with("## ") || line.starts_with("### ") {
            // A heading that is not a hazard ends the current one.
            hazards.push(Hazard::default());
            continue;
        }
        let Some(current) = hazards.last_mut().filter(|h| !h.id.is_empty()) else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("- **") {
            if let Some((name, value)) = rest.split_once("**:") {
                current
                    .fields
                    .push((name.trim().to_owned(), value.trim().to_owned()));
            }
        } else if line.starts_with("  ")
            && !line.trim().is_empty()
            && let Some((_, value)) = current.fields.last_mut()
        {
            value.push(' ');
            value.push_str(line.trim());
        }
    }
    hazards.retain(|h| !h.id.is_empty());
    hazards
}

/// The `path::name` references in backticks within a field.
fn references(text: &str) -> Vec<(String, String)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|r| {
            let (file, name) = r.split_once("::")?;
            Some((file.trim().to_owned(), name.trim().to_owned()))
        })
        .collect()
}

/// Whether `source` defines a test called `name`: a Rust function marked as a test, or a
/// browser journey or test with that title.
fn defines_test(file: &str, source: &str, name: &str) -> bool {
    if file.ends_with(".mjs") || file.ends_with(".js") {
        return ["'", "\"", "`"]
            .iter()
            .any(|q| source.contains(&format!("{q}{name}{q}")));
    }
    let lines: Vec<&str> = source.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        let defined = [
            format!("fn {name}("),
            format!("fn {name}<"),
            format!("async fn {name}("),
        ]
        .iter()
        .any(|d| line.trim_start().starts_with(d) || line.contains(&format!(" {d}")));
        defined
            && lines[i.saturating_sub(4)..i]
                .iter()
                .any(|l| l.trim_start().starts_with("#[") && l.contains("test"))
    })
}

/// Whether `source` defines the function (or type) a control names (its last path segment).
fn defines_function(source: &str, name: &str) -> bool {
    let last = name.rsplit("::").next().unwrap_or(name);
    [
        format!("fn {last}("),
        format!("fn {last}<"),
        format!("struct {last} "),
        format!("struct {last}<"),
        format!("enum {last} "),
        format!("trait {last} "),
    ]
    .iter()
    .any(|d| source.contains(d.as_str()))
}

/// Every problem with the log, as a sentence naming the hazard.
fn problems(log: &str, root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let hazards = parse(log);
    if hazards.is_empty() {
        out.push("the log names no hazards (headings `### H-nn title`)".to_owned());
    }
    let mut seen = std::collections::BTreeSet::new();
    for h in &hazards {
        if !seen.insert(h.id.clone()) {
            out.push(format!("{} appears twice", h.id));
        }
        for f in REQUIRED {
            if h.field(f).is_none_or(|v| v.is_empty()) {
                out.push(format!("{} has no {f}", h.id));
            }
        }
        for (field, check_test) in [("Control", false), ("Test", true)] {
            let Some(text) = h.field(field) else { continue };
            let refs = references(text);
            if refs.is_empty() {
                out.push(format!(
                    "{}: {field} names nothing as `path::name` in backticks",
                    h.id
                ));
            }
            for (file, name) in refs {
                let path: PathBuf = root.join(&file);
                let Ok(source) = std::fs::read_to_string(&path) else {
                    out.push(format!(
                        "{}: {field} names {file}, which does not exist",
                        h.id
                    ));
                    continue;
                };
                let found = if check_test {
                    defines_test(&file, &source, &name)
                } else {
                    defines_function(&source, &name)
                };
                if !found {
                    let what = if check_test { "test" } else { "function" };
                    out.push(format!(
                        "{}: {field} names the {what} `{name}`, which {file} does not define",
                        h.id
                    ));
                }
            }
        }
    }
    out
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_hazard_names_controls_and_tests_that_exist() {
    let root = repo_root();
    let log = std::fs::read_to_string(root.join("docs/safety/hazard-log.md"))
        .expect("docs/safety/hazard-log.md is readable");
    let problems = problems(&log, &root);
    assert!(
        problems.is_empty(),
        "the hazard log is out of step with the code:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn the_log_covers_the_hazards_the_safety_review_found() {
    let root = repo_root();
    let log = std::fs::read_to_string(root.join("docs/safety/hazard-log.md"))
        .expect("docs/safety/hazard-log.md is readable");
    let hazards = parse(&log);
    // 13 from the safety review (issue 9), wrong-provider access and a lost gateway image.
    assert!(
        hazards.len() >= 15,
        "expected at least 15 hazards, found {}",
        hazards.len()
    );
}

#[test]
fn a_hazard_naming_a_missing_test_or_field_is_reported() {
    let root = repo_root();
    let log = "\
## Hazards

### H-01 Example
- **Cause**: something
- **Effect**: harm
- **Initial risk**: severity 4, likelihood 3
- **Control**: `crates/screening/tests/hazard_log.rs::defines_test`
- **Test**: `crates/screening/tests/hazard_log.rs::no_such_test`,
  `tests/browser/journeys.test.mjs::no such journey`
- **Residual risk**: severity 4, likelihood 1

### H-02 Missing its fields
- **Control**: `crates/nowhere.rs::f`
";
    let found = problems(log, &root);
    let expected = [
        "H-01: Test names the test `no_such_test`, which crates/screening/tests/hazard_log.rs does not define",
        "H-01: Test names the test `no such journey`, which tests/browser/journeys.test.mjs does not define",
        "H-02 has no Cause",
        "H-02 has no Test",
        "H-02: Control names crates/nowhere.rs, which does not exist",
    ];
    for e in expected {
        assert!(found.iter().any(|p| p == e), "missing {e:?} in {found:#?}");
    }
    // A real test and a real journey pass.
    let good = log
        .replace(
            "no_such_test",
            "a_hazard_naming_a_missing_test_or_field_is_reported",
        )
        .replace(
            "no such journey",
            "2. checking in works with JavaScript turned off",
        );
    let found = problems(&good, &root);
    assert!(
        !found.iter().any(|p| p.starts_with("H-01")),
        "unexpected: {found:#?}"
    );
}
