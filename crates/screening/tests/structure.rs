//! Structure rules (ADR 19), checked by reading the source tree:
//! - a feature's JSON adapter (`api`) and its HTML adapter (`pages`) never import each
//!   other, nor another feature's: what they share is the feature's application layer;
//! - no production file (the lines before a `#[cfg(test)]` module) over 1,000 lines;
//! - no function in the web crate over 100 lines;
//! - a store feature module never names another feature's module (ADR 18);
//! - store SQL never spells an enumeration's stored value as a literal (`state =
//!   'awaiting_second_read'`): it binds the domain enum's value (issue 11), except for the
//!   comparisons listed in `SQL_LITERALS_ALLOWED`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path relative to the workspace root, with `/` separators.
fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The production part of a source file: everything before its `#[cfg(test)]` module.
fn production(text: &str) -> &str {
    match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The code of a line, without a `//` comment (strings holding `//` are rare enough in
/// paths to ignore).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Whether `line` names the module `segment` in a path (`segment::` or `::segment`).
fn names_module(line: &str, segment: &str) -> bool {
    let bytes = line.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    line.match_indices(segment).any(|(i, _)| {
        let end = i + segment.len();
        let starts_word = i == 0 || !is_ident(bytes[i - 1]);
        let ends_word = end == bytes.len() || !is_ident(bytes[end]);
        starts_word && ends_word && (line[end..].starts_with("::") || line[..i].ends_with("::"))
    })
}

/// The adapters of each feature: (label, api files, pages files). A feature's adapter is
/// `api.rs` or `api/`, and `pages.rs` or `pages/`, in `crates/web/src/features/<feature>/`.
fn adapters() -> Vec<(String, Vec<PathBuf>, Vec<PathBuf>)> {
    let features = root().join("crates/web/src/features");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&features) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let side = |name: &str| {
            let mut files = rust_files(&dir.join(name));
            let file = dir.join(format!("{name}.rs"));
            if file.is_file() {
                files.push(file);
            }
            files
        };
        out.push((relative(&dir), side("api"), side("pages")));
    }
    // The trees the features are moving out of: `api/` and `pages/` until they are gone.
    let web = root().join("crates/web/src");
    if web.join("pages").exists() {
        out.push((
            "crates/web/src (api/, pages/)".to_owned(),
            rust_files(&web.join("api")),
            rust_files(&web.join("pages")),
        ));
    }
    out
}

/// JSON adapters that still call page modules for logic not yet moved into their
/// feature's app layer (ADR 19). Only ever shrinks; empty once every feature is a slice.
const PENDING_MOVE: &[&str] = &[];

#[test]
fn api_and_pages_do_not_import_each_other() {
    let adapters = adapters();
    assert!(
        !adapters.is_empty(),
        "no feature folders under crates/web/src/features"
    );
    let mut broken = Vec::new();
    for (feature, api, pages) in &adapters {
        let api = api
            .iter()
            .filter(|f| !PENDING_MOVE.contains(&relative(f).as_str()));
        let api: Vec<&PathBuf> = api.collect();
        let pages: Vec<&PathBuf> = pages.iter().collect();
        for (files, other) in [(&api, "pages"), (&pages, "api")] {
            for file in files.iter() {
                for (n, line) in production(&read(file)).lines().enumerate() {
                    if names_module(code(line), other) {
                        broken.push(format!(
                            "{}:{} ({feature}) names `{other}`: {}",
                            relative(file),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "a JSON adapter and an HTML adapter import each other (share the logic through the feature's app layer):\n{}",
        broken.join("\n")
    );
}

/// Files being split on other branches (store, domain), and the web pages still to be
/// split into their feature's submodules; the list only shrinks.
const PENDING_SPLIT: &[&str] = &[];

#[test]
fn no_production_file_over_1000_lines() {
    let mut over = Vec::new();
    let crates = root().join("crates");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("crates")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        for file in rust_files(&dir) {
            let name = relative(&file);
            let lines = production(&read(&file)).lines().count();
            if lines > 1000 && !PENDING_SPLIT.contains(&name.as_str()) {
                over.push(format!("{name}: {lines} production lines"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "split these into submodules:\n{}",
        over.join("\n")
    );
}

/// Each function of `text` as (name, first line, number of lines), found by matching
/// braces (outside strings, character literals and comments).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else {
            continue;
        };
        let mut depth = 0i32;
        let mut opened = false;
        let mut end = None;
        'lines: for (offset, l) in lines[start..].iter().enumerate() {
            let chars: Vec<char> = l.chars().collect();
            let mut i = 0;
            let mut in_string = false;
            while i < chars.len() {
                let c = chars[i];
                if in_string {
                    match c {
                        '\\' => i += 1,
                        '"' => in_string = false,
                        _ => {}
                    }
                } else {
                    match c {
                        '/' if chars.get(i + 1) == Some(&'/') => break,
                        '"' => in_string = true,
                        '\'' if chars.get(i + 2) == Some(&'\'') => i += 2,
                        '\'' if chars.get(i + 1) == Some(&'\\') => {
                            while i + 1 < chars.len() && chars[i + 1] != '\'' {
                                i += 1;
                            }
                            i += 1;
                        }
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => {
                            depth -= 1;
                            if opened && depth == 0 {
                                end = Some(start + offset);
                                break 'lines;
                            }
                        }
                        ';' if !opened && depth == 0 => break 'lines,
                        _ => {}
                    }
                }
                i += 1;
            }
        }
        if let Some(end) = end {
            out.push((name, start + 1, end - start + 1));
        }
    }
    out
}

/// The name of the function a line declares, if it declares one.
fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if w == "fn" {
            let rest = words.next()?;
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            return (!name.is_empty()).then_some(name);
        }
        let modifier = w == "pub"
            || w.starts_with("pub(")
            || matches!(w, "async" | "const" | "unsafe" | "extern" | "\"C\"");
        if !modifier {
            return None;
        }
    }
    None
}

/// Web functions still to be split into helpers (`file::function`); the list only shrinks.
const PENDING_LONG: &[&str] = &["crates/web/src/pages/mod.rs::router"];

#[test]
fn no_web_function_over_100_lines() {
    let mut over = Vec::new();
    for file in rust_files(&root().join("crates/web/src")) {
        let text = read(&file);
        for (name, line, count) in functions(production(&text)) {
            let key = format!("{}::{name}", relative(&file));
            if count > 100 && !PENDING_LONG.contains(&key.as_str()) {
                over.push(format!("{}:{line} {name}: {count} lines", relative(&file)));
            }
        }
    }
    assert!(
        over.is_empty(),
        "split these into helpers:\n{}",
        over.join("\n")
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert!(names_module(
        "use crate::features::reading::pages::x;",
        "pages"
    ));
    assert!(names_module("    super::pages::render(x)", "pages"));
    assert!(names_module("use super::api;", "api"));
    assert!(!names_module("let pages = 3;", "pages"));
    assert!(!names_module("href=\"/api/v1\"", "api"));
    assert!(!names_module("use crate::http::api_json;", "api"));
    let f = functions("fn a() {\n    let s = \"}\";\n    let c = '{';\n}\nfn b();\n");
    assert_eq!(f, vec![("a".to_owned(), 1, 4)]);
    assert_eq!(
        fn_name("    pub(crate) async fn go(x: u8) {"),
        Some("go".to_owned())
    );
    assert_eq!(fn_name("    let f = x;"), None);
}

// --- The store: feature modules do not import each other (ADR 18) ---

/// Store feature modules (ADR 18): each may use the neutral modules below, never another
/// feature's module. Reactions from one feature to another go through domain events.
const STORE_FEATURES: &[&str] = &[
    "appointments",
    "assessment",
    "clinics",
    "closing",
    "episodes",
    "follow_ups",
    "gateway",
    "participants",
    "providers",
    "reading",
    "results",
    "screening_status",
    "sessions",
    "stats",
    "timeline",
    "users",
    "workflow",
];

/// Store modules every feature may use. They use no feature module themselves, except the
/// crate root (`lib.rs`), which lists the event subscribers and re-exports the public types.
const STORE_NEUTRAL: &[&str] = &[
    "audit", "dates", "error", "outbox", "rounds", "shared", "sql", "write",
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

// --- The store: enumeration values are bound, never spelled in SQL (issue 11) ---

/// Comparisons with a quoted word still allowed in store SQL, as (file, text of the
/// comparison as the source spells it). A flagged literal is allowed when its file is
/// listed with a text that contains it and appears on its line. Only ever shrinks: remove
/// an entry once its value is bound.
const SQL_LITERALS_ALLOWED: &[(&str, &str)] = &[];

/// The string literals of Rust source, as (offset of the literal's text in `source`, that
/// text as written, escapes and line continuations included). Comments, character
/// literals and lifetimes are skipped.
fn string_literals(source: &str) -> Vec<(usize, &str)> {
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'r' if (i == 0 || !is_ident(bytes[i - 1]))
                && matches!(bytes.get(i + 1), Some(b'"' | b'#')) =>
            {
                // A raw string: r"…", r#"…"#.
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = source[open + 1..]
                    .find(&close)
                    .map_or(bytes.len(), |n| open + 1 + n);
                out.push((open + 1, &source[open + 1..end]));
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                out.push((i + 1, &source[i + 1..end]));
                i = end + 1;
            }
            b'\'' => {
                // A character literal ('x', '\n', '\'', 'é') or a lifetime ('a).
                if bytes.get(i + 1) == Some(&b'\\') {
                    i += source[i + 3..].find('\'').map_or(bytes.len(), |n| n + 4);
                } else {
                    let c = source[i + 1..].chars().next().map_or(1, char::len_utf8);
                    i += if bytes.get(i + 1 + c) == Some(&b'\'') {
                        c + 2
                    } else {
                        1
                    };
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The quoted lowercase words (`'awaiting_second_read'`) an SQL text compares with, sets
/// or lists: after `=`, `<>`, `!=`, `<`, `>`, `(`, `,`, `IN`, `THEN`, `ELSE`, `LIKE` or
/// `IS`. As offsets into `text` with the quoted word. A word selected as a constant
/// (`SELECT 'read' AS what`) is not a comparison.
fn quoted_comparisons(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\'' {
            i += 1;
            continue;
        }
        let word_len = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || **b == b'_' || b.is_ascii_digit())
            .count();
        let close = i + 1 + word_len;
        let is_word = word_len >= 2
            && bytes[i + 1..close].iter().any(u8::is_ascii_lowercase)
            && bytes.get(close) == Some(&b'\'');
        if !is_word {
            i += 1;
            continue;
        }
        // What comes before, past spaces and line continuations.
        let before = text[..i].trim_end_matches(|c: char| c.is_whitespace() || c == '\\');
        let keyword: String = before
            .chars()
            .rev()
            .take_while(char::is_ascii_alphabetic)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let compares = before.ends_with(['=', '<', '>', '(', ','])
            || matches!(
                keyword.to_ascii_uppercase().as_str(),
                "IN" | "THEN" | "ELSE" | "LIKE" | "IS"
            );
        if compares {
            out.push((i, text[i..=close].to_owned()));
        }
        i = close + 1;
    }
    out
}

#[test]
fn store_sql_binds_enumeration_values() {
    let root = store_src();
    let mut files = Vec::new();
    store_files(&root, None, &mut files);
    let mut spelled = Vec::new();
    for (_, path) in &files {
        let name = relative(path);
        let text = read(path);
        let source = production(&text);
        for (start, literal) in string_literals(source) {
            for (at, quoted) in quoted_comparisons(literal) {
                let offset = start + at;
                let line_start = source[..offset].rfind('\n').map_or(0, |n| n + 1);
                let line_end = source[offset..]
                    .find('\n')
                    .map_or(source.len(), |n| offset + n);
                let line = &source[line_start..line_end];
                let allowed = SQL_LITERALS_ALLOWED.iter().any(|(file, comparison)| {
                    *file == name && comparison.contains(&quoted) && line.contains(comparison)
                });
                if !allowed {
                    let number = source[..offset].matches('\n').count() + 1;
                    spelled.push(format!("{name}:{number}: {quoted} in: {}", line.trim()));
                }
            }
        }
    }
    assert!(
        spelled.is_empty(),
        "store SQL spells an enumeration's stored value as a literal. Bind it instead: \
         `status = $3` with `.bind(AppointmentStatus::Scheduled.as_str())`, or for an \
         `IN (…)` list `sql::placeholders(next, &VALUES)` and bind each value in order \
         (the domain crate's labelled enums have the values; add one there if none fits). \
         A quoted word that is not an enumeration value goes in SQL_LITERALS_ALLOWED \
         (crates/screening/tests/structure.rs) with why:\n{}",
        spelled.join("\n")
    );

    // The rule itself notices what it should, and nothing else.
    let words = |sql: &str| -> Vec<String> {
        quoted_comparisons(sql)
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    };
    assert_eq!(
        words("a.status IN ('scheduled', 'paused')"),
        ["'scheduled'", "'paused'"]
    );
    assert_eq!(
        words("state = 'awaiting_second_read'"),
        ["'awaiting_second_read'"]
    );
    assert_eq!(
        words("stage <> 'closed' AND x != 'y_z'"),
        ["'closed'", "'y_z'"]
    );
    assert_eq!(
        words("CASE WHEN held = $1 THEN 'deferred' ELSE COALESCE(held, 'priors') END"),
        ["'deferred'", "'priors'"]
    );
    assert_eq!(
        words("VALUES ($1, 'open', \\\n   'manual')"),
        ["'open'", "'manual'"]
    );
    assert!(words("SELECT 'read' AS what, reason = '' , note = 'Not a word'").is_empty());
    assert!(words("RAISE(ABORT, '{table} is append-only')").is_empty());
    let source = "// c = 'x_y'\nlet c = '\"'; let l: &'a str = \"kind = 'priors'\";\n\
                  let r = r#\"held = 'deferred'\"#; let e = \"\\\"state = 'open'\\\"\";";
    let found: Vec<String> = string_literals(source)
        .into_iter()
        .flat_map(|(_, text)| words(text))
        .collect();
    assert_eq!(found, ["'priors'", "'deferred'", "'open'"]);
}

// --- The store: rows are mapped with FromRow (issue 11) ---

/// Store code that reads a column by name from a raw row: `row.try_get("x")`, or imports
/// sqlx's `Row` trait to do so (ignoring comments). Rows are decoded by `#[derive(FromRow)]` structs,
/// tuples or `query_scalar`, so a renamed column or a changed type fails in one place.
fn column_reads(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let code = code(line);
            // Reading a raw row needs sqlx's `Row` trait in scope.
            let imports_row = code.contains("sqlx::")
                && code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|word| word == "Row");
            (code.contains(".try_get(") || code.contains(".try_get::<") || imports_row)
                .then(|| (n + 1, line.trim().to_owned()))
        })
        .collect()
}

#[test]
fn store_rows_are_mapped_with_from_row() {
    let mut files = Vec::new();
    store_files(&store_src(), None, &mut files);
    let mut found = Vec::new();
    for (_, path) in &files {
        let text = read(path);
        for (line, what) in column_reads(production(&text)) {
            found.push(format!("{}:{line}: {what}", relative(path)));
        }
    }
    assert!(
        found.is_empty(),
        "store code reads columns by name from a raw row. Decode the row with a \
         `#[derive(sqlx::FromRow)]` struct (and `TryFrom` into the domain type), a tuple, or \
         `sqlx::query_scalar`:\n{}",
        found.join("\n")
    );
    // The rule notices what it should, and nothing else.
    assert_eq!(
        column_reads(
            "use sqlx::{Any, Row};\nlet id: String = row.try_get(\"id\")?;\n\
             let n = r.try_get::<i64, _>(\"n\")?;\nuse sqlx::Row;"
        )
        .len(),
        4
    );
    assert!(
        column_reads(
            "// row.try_get(\"id\") was here\nlet x = map.get(&key);\n\
             use sqlx::{FromRow, any::AnyRow};\n#[derive(sqlx::FromRow)]"
        )
        .is_empty()
    );
}
