//! Test support (feature `sandbox`): NHS England's local MESH server, `mesh-sandbox`
//! (PyPI), started from the project's `.venv` (installed by `scripts/install-test-deps.sh`)
//! on a free port with `AUTH_MODE=full` (every request's NHSMESH header is checked) and
//! `STORE_MODE=file` in a temporary directory, so a restart finds its messages again.
//! A missing sandbox fails the test that asked for it: never a silent skip.
//!
//! The sandbox's mailboxes: X26ABC1 and X26ABC2 (ODS X26), X26ABC3 (ODS X27), password
//! `password`, shared key `Banana`; workflow TEST_WORKFLOW goes from X26ABC1 to X26ABC2.
#![allow(clippy::expect_used, clippy::panic)]

use crate::{MeshClient, MeshConfig};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SHARED_KEY: &str = "Banana";
pub const PASSWORD: &str = "password";
pub const SENDER: &str = "X26ABC1";
pub const RECEIVER: &str = "X26ABC2";
pub const WORKFLOW: &str = "TEST_WORKFLOW";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The project's Python, with mesh-sandbox importable. Missing is a failure, not a skip.
fn sandbox_python() -> PathBuf {
    let python = repo_root().join(".venv/bin/python");
    let importable = Command::new(&python)
        .args(["-c", "import mesh_sandbox.api, uvicorn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        importable,
        "mesh-sandbox is not installed in {} (the MESH client's tests run against it): \
         run scripts/install-test-deps.sh",
        python.display()
    );
    python
}

/// A port nobody is listening on (when asked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A running mesh-sandbox, killed when dropped. Its messages live in `data`, so a
/// restart on the same directory finds them again.
pub struct Sandbox {
    child: Option<Child>,
    port: u16,
    data: tempfile::TempDir,
    log: PathBuf,
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        let data = tempfile::tempdir().expect("a temporary directory");
        let log = data.path().join("sandbox.log");
        let mut sandbox = Sandbox {
            child: None,
            port: 0,
            data,
            log,
        };
        // A port free when chosen may be taken before uvicorn binds it: try another.
        for _ in 0..3 {
            sandbox.port = free_port();
            if sandbox.spawn_and_wait().await {
                return sandbox;
            }
        }
        panic!("mesh-sandbox could not find a free port");
    }

    /// Starts uvicorn on `self.port`; false if the port was taken.
    async fn spawn_and_wait(&mut self) -> bool {
        let python = sandbox_python();
        let mailboxes = self.data.path().join("mailboxes");
        std::fs::create_dir_all(&mailboxes).expect("the sandbox's data directory");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the sandbox's log");
        let child = Command::new(python)
            .args([
                "-m",
                "uvicorn",
                "mesh_sandbox.api:app",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", &self.port.to_string(), "--log-level", "warning"])
            .env("AUTH_MODE", "full")
            .env("STORE_MODE", "file")
            .env("MAILBOXES_DATA_DIR", &mailboxes)
            .env("SHARED_KEY", SHARED_KEY)
            .env("PYTHONWARNINGS", "ignore")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the sandbox's log"))
            .stderr(log)
            .spawn()
            .expect("starting mesh-sandbox");
        self.child = Some(child);

        let http = reqwest::Client::new();
        let health = format!("{}/health", self.url());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(res) = http.get(&health).send().await
                && res.status().is_success()
            {
                return true;
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait().expect("the sandbox's status")
            {
                self.child = None;
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                if log.contains("address already in use") {
                    return false;
                }
                panic!("mesh-sandbox exited ({status}) before answering:\n{log}");
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("mesh-sandbox did not answer at {health} within 60 s:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data directory.
    pub async fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn_and_wait().await,
            "port {} was taken while the sandbox was down",
            self.port
        );
    }

    /// The directory its mailboxes are kept in (`<dir>/<mailbox>/in/...`).
    pub fn data_dir(&self) -> PathBuf {
        self.data.path().join("mailboxes")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn config(&self, mailbox: &str) -> MeshConfig {
        MeshConfig {
            timeout: Duration::from_secs(30),
            ..MeshConfig::new(self.url(), mailbox, PASSWORD, SHARED_KEY)
        }
    }

    pub fn client(&self, mailbox: &str) -> MeshClient {
        MeshClient::new(self.config(mailbox)).expect("a MESH client")
    }

    /// The sandbox's testing-only admin routes.
    pub async fn admin(&self, path: &str, body: serde_json::Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/messageexchange/admin/{path}", self.url()))
            .json(&body)
            .send()
            .await
            .expect("the sandbox's admin route");
        assert!(res.status().is_success(), "admin {path}: {}", res.status());
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
