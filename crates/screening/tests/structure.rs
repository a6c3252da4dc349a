//! Structure rules that fail the build when the architecture's boundaries are crossed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Store feature modules (ADR 18): each may use the neutral modules below, never another
/// feature's module. Reactions from one feature to another go through domain events.
const STORE_FEATURES: &[&str] = &[
    "appointments",
    "clinics",
    "closing",
    "follow_ups",
    "gateway",
    "participants",
    "providers",
    "reading",
    "sessions",
    "stats",
    "users",
    "workflow",
];

/// Store modules every feature may use. They use no feature module themselves, except the
/// crate root (`lib.rs`), which lists the event subscribers and re-exports the public types.
const STORE_NEUTRAL: &[&str] = &[
    "audit", "dates", "error", "outbox", "rounds", "shared", "sql",
];

fn store_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src")
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn store_files(dir: &Path, module: Option<&str>, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let owner = module.map(str::to_owned).unwrap_or_else(|| stem.clone());
        if path.is_dir() {
            store_files(&path, Some(&owner), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((owner, path));
        }
    }
}

/// The store modules a source file names through `crate::` (`crate::gateway::x`,
/// `use crate::{gateway::x, sql}`), ignoring comments.
fn store_references(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // A use group: every `name::` at its top level names a module.
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start && depth == 0 => {
                        item_start = false;
                        let name = ident(&group[j..]);
                        if group[j + name.len()..].starts_with("::") {
                            found.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if rest[name.len()..].starts_with("::") {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn store_feature_modules_do_not_import_each_other() {
    let root = store_src();
    let lib = std::fs::read_to_string(root.join("lib.rs")).expect("store lib.rs");
    // Every module of the store is classified, so a new one cannot slip past the rule.
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("mod ")
                .or_else(|| l.strip_prefix("pub mod "))
                .or_else(|| l.strip_prefix("pub(crate) mod "))
                .map(|m| m.trim_end_matches(';').trim().to_owned())
        })
        .collect();
    for m in &declared {
        assert!(
            STORE_FEATURES.contains(&m.as_str()) || STORE_NEUTRAL.contains(&m.as_str()),
            "store module `{m}` is neither a feature nor a neutral module: classify it in this test"
        );
    }
    for m in STORE_FEATURES.iter().chain(STORE_NEUTRAL) {
        assert!(
            declared.contains(*m),
            "store module `{m}` is listed here but not declared in lib.rs"
        );
    }

    let mut files = Vec::new();
    store_files(&root, None, &mut files);
    let mut problems = Vec::new();
    for (owner, path) in &files {
        if owner == "lib" {
            continue;
        }
        let source = std::fs::read_to_string(path).expect("store source");
        for referenced in store_references(&source) {
            if referenced == *owner || !STORE_FEATURES.contains(&referenced.as_str()) {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap_or(path).display();
            if STORE_FEATURES.contains(&owner.as_str()) {
                problems.push(format!(
                    "store feature module `{owner}` ({rel}) uses feature module `{referenced}`: \
                     move the shared part to `shared`, or react to a domain event"
                ));
            } else {
                problems.push(format!(
                    "neutral store module `{owner}` ({rel}) uses feature module `{referenced}`"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The rule itself notices what it should.
    let sample = "use crate::{audit, gateway::sync_item};\nlet x = crate::reading::open_case();\n// crate::workflow::x\n";
    assert_eq!(
        store_references(sample),
        BTreeSet::from(["gateway".to_owned(), "reading".to_owned()])
    );
}
