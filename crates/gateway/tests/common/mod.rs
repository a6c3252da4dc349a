//! Shared helpers for the gateway's integration tests: real peers (dcmtk, pynetdicom),
//! the project's synthetic mammograms, and an in-process gateway.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The project's Python (in .venv, from scripts/install-test-deps.sh).
pub fn python() -> Option<PathBuf> {
    let p = root().join(".venv/bin/python");
    let ok = Command::new(&p)
        .args(["-c", "import pydicom, pynetdicom, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(p)
}

/// True when every tool is there. Outside CI a missing tool skips the test with a message;
/// in CI (`CI` set) it fails it.
pub fn need(tools: &[&str]) -> bool {
    let mut missing: Vec<String> = tools
        .iter()
        .filter(|t| **t != "python" && !on_path(t))
        .map(|t| t.to_string())
        .collect();
    if tools.contains(&"python") && python().is_none() {
        missing.push(".venv with pydicom, pynetdicom, numpy".into());
    }
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("missing {missing:?}: scripts/install-test-deps.sh installs them");
    }
    eprintln!(
        "SKIPPED: {missing:?} not installed (run scripts/install-test-deps.sh); CI runs this test"
    );
    false
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub path: PathBuf,
    pub patient_id: String,
    pub accession: String,
    pub study_uid: String,
    pub sop_uid: String,
}

/// Runs scripts/dicom/make_mammograms.py into `dir` with `args`.
pub fn make_mammograms(dir: &Path, args: &[&str]) -> Vec<Generated> {
    let py = python().expect("python with pydicom");
    let out = run(Command::new(py)
        .arg(root().join("scripts/dicom/make_mammograms.py"))
        .arg(dir)
        .args(args));
    assert!(
        out.status.success(),
        "make_mammograms failed: {}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 5).then(|| Generated {
                path: PathBuf::from(f[0]),
                patient_id: f[1].into(),
                accession: f[2].into(),
                study_uid: f[3].into(),
                sop_uid: f[4].into(),
            })
        })
        .collect()
}

/// A gateway on a free port, with its database and images under `dir`.
pub async fn start_gateway(
    dir: &Path,
    central: &str,
    token: &str,
    change: impl FnOnce(&mut gateway::Config),
) -> gateway::Gateway {
    let mut config = gateway::Config::local(dir, central, token);
    config.echo_seconds = 0;
    config.worklist_wait = 1;
    change(&mut config);
    gateway::start(config).await.expect("gateway starts")
}

/// Waits (up to 60 s) until no queued event waits for its deferred thumbnail.
pub fn wait_for_thumbnails(dir: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let c = rusqlite::Connection::open(dir.join("gateway.db")).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM outbox WHERE pending_thumbnail IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if n == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "thumbnails still pending"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The queued events of one kind, as JSON.
pub fn queued(dir: &Path, kind: &str) -> Vec<serde_json::Value> {
    let c = rusqlite::Connection::open(dir.join("gateway.db")).unwrap();
    let mut st = c
        .prepare("SELECT body FROM outbox WHERE kind = ?1 ORDER BY seq")
        .unwrap();
    st.query_map([kind], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect()
}

pub fn storescu(port: u16, calling: &str, extra: &[&str], files: &[&Path]) -> Output {
    let mut c = Command::new("storescu");
    c.args(["-v", "-aet", calling, "-aec", "SCREENING"])
        .args(extra)
        .arg("127.0.0.1")
        .arg(port.to_string());
    for f in files {
        c.arg(f);
    }
    run(&mut c)
}
