//! Runtime configuration, read by the binary from flags and environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// Keep tables in this PostgreSQL schema (tests and benchmarks).
    pub database_schema: Option<String>,
    /// Demo mode adds the persona sign-in page. Never enable it in production.
    pub demo_mode: bool,
    pub oidc: Option<OidcSettings>,
    /// The address people reach the service at (for OpenID Connect redirects).
    pub public_url: String,
    /// Send cookies only over HTTPS (browsers treat http://localhost as secure too).
    pub secure_cookies: bool,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    pub static_dir: PathBuf,
    /// How often the service settles reads that have become final (results and referrals
    /// written on time without anyone opening a reading page). `READING_SETTLE_SECONDS`.
    pub reading_settle_interval: Duration,
    /// How results go out: MESH or the local GP outbox, the print folder, the failsafe's
    /// days (issue 13).
    pub results: delivery::Settings,
    /// Run the results worker (sending GP messages, reading acknowledgements, the daily
    /// print batch) in this process.
    pub results_worker: bool,
    /// The HTTP server's connection limits (`server::serve`).
    pub limits: crate::server::Limits,
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Extra scopes beyond `openid` (CIS2 uses e.g. `profile email nationalrbacaccess`).
    pub scopes: Vec<String>,
}

impl Config {
    /// Whether people reach the service over HTTPS (its public address says so): then
    /// cookies take the `__Host-` prefix and responses carry HSTS.
    pub fn https(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The origin (`scheme://host[:port]`) of the public address, as browsers send it in
    /// `Origin`.
    pub fn public_origin(&self) -> &str {
        let url = self.public_url.as_str();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        }
    }

    /// Defaults for a local run: SQLite under ./data, demo mode off.
    pub fn local(database_url: impl Into<String>) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            database_url: database_url.into(),
            database_schema: None,
            demo_mode: false,
            oidc: None,
            public_url: "http://localhost:8000".to_owned(),
            secure_cookies: true,
            session_idle_timeout: Duration::from_secs(15 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            static_dir: default_static_dir(),
            reading_settle_interval: Duration::from_secs(20),
            // Tests and scratch runs: a folder of their own, never the repository's.
            results: delivery::Settings::local(
                std::env::temp_dir().join(format!("screening-results-{}", std::process::id())),
            ),
            results_worker: false,
            limits: crate::server::Limits::default(),
        }
    }
}

/// The static assets beside this crate's sources (built by `make assets`), unless
/// `STATIC_DIR` says otherwise.
pub fn default_static_dir() -> PathBuf {
    std::env::var_os("STATIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static")))
}
