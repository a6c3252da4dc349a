//! OpenID Connect sign-in, end to end, against a real OpenID provider running locally:
//! `oidc-provider-mock` (PyPI), installed into `.venv` by `scripts/install-test-deps.sh`.
//!
//! Each test starts its own provider and its own service (on a temporary SQLite store),
//! then plays the browser with a plain HTTP client: the service's start URL, the
//! provider's authorization form (where the mock lets us choose the subject), the
//! callback, and the first page behind sign-in.
//!
//! `OIDC_MOCK_BIN` overrides where the provider's executable is found.

mod common;

use common::repo_root;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::{Actor, NewUser, Store, User};
use uuid::Uuid;

const SESSION_COOKIE: &str = "screening_session";
const OIDC_COOKIE: &str = "screening_oidc";
const CLIENT_ID: &str = "screening-test";

// ---------------------------------------------------------------------------------------
// The OpenID provider
// ---------------------------------------------------------------------------------------

/// A running `oidc-provider-mock`, stopped when dropped.
struct MockProvider {
    child: Child,
    /// Its issuer URL, e.g. `http://127.0.0.1:41234` (no trailing slash, as it reports it).
    url: String,
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The provider's executable. Missing is a failure, never a skip: these tests are the only
/// check that sign-in works with a real provider.
fn mock_bin() -> PathBuf {
    let bin = std::env::var_os("OIDC_MOCK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/oidc-provider-mock"));
    assert!(
        bin.is_file(),
        "the OpenID provider for these tests is not installed ({} is missing): \
         run scripts/install-test-deps.sh (or set OIDC_MOCK_BIN)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("screening-oidc-test-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Starts the provider on a free port and waits until its discovery document answers.
async fn start_provider(dir: &Path) -> MockProvider {
    let bin = mock_bin();
    let http = reqwest::Client::new();
    // The port is free when chosen but could be taken before the provider binds it: then
    // the provider exits, and we try another.
    for _attempt in 0..3 {
        let port = free_port();
        let log_path = dir.join(format!("oidc-provider-mock-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("the provider's log file");
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            // Our client always sends a nonce: make the provider insist on one.
            .arg("--require-nonce")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the provider's log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
        let mut provider = MockProvider {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let discovery = format!("{}/.well-known/openid-configuration", provider.url);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(res) = http.get(&discovery).send().await
                && res.status() == StatusCode::OK
            {
                let doc: serde_json::Value = res.json().await.expect("a discovery document");
                assert_eq!(doc["issuer"], provider.url.as_str(), "provider issuer");
                return provider;
            }
            if let Some(status) = provider.child.try_wait().expect("the provider's status") {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                if log.contains("address already in use") {
                    break;
                }
                panic!("oidc-provider-mock exited ({status}) before answering:\n{log}");
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("oidc-provider-mock did not answer at {discovery} within 30 s:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("oidc-provider-mock could not find a free port");
}

impl MockProvider {
    /// Sets the claims the provider will vouch for when someone signs in as `sub`.
    async fn set_user(&self, sub: &str, claims: serde_json::Value) {
        let res = reqwest::Client::new()
            .put(format!("{}/users/{sub}", self.url))
            .json(&claims)
            .send()
            .await
            .expect("setting the provider's user");
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "setting user {sub}");
    }
}

// ---------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------

struct Service {
    /// Also the public URL the provider redirects back to.
    base: String,
    store: Store,
    server: tokio::task::JoinHandle<()>,
    dir: PathBuf,
    /// Stopped after the service (fields drop in order).
    provider: MockProvider,
}

impl Drop for Service {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A provider, and the service using it for sign-in on a fresh SQLite store.
async fn start() -> Service {
    mock_bin();
    let dir = temp_dir();
    let provider = start_provider(&dir).await;
    let db_url = format!("sqlite://{}/db.sqlite?mode=rwc", dir.display());
    let store = Store::open(&db_url).await.expect("the store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the service");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut config = web::Config::local(db_url);
    config.public_url = base.clone();
    // Cookies over plain http, as a test client sends them.
    config.secure_cookies = false;
    config.oidc = Some(web::OidcSettings {
        issuer_url: provider.url.clone(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some("not-a-real-secret".to_owned()),
        scopes: vec!["profile".to_owned(), "email".to_owned()],
    });
    let state = web::AppState::with_store(config, store.clone())
        .await
        .expect("the service discovers the provider");
    let server = tokio::spawn(async move {
        let _ = web::server::serve(
            listener,
            web::app(state),
            web::server::Limits::default(),
            std::future::pending(),
        )
        .await;
    });
    Service {
        base,
        store,
        server,
        dir,
        provider,
    }
}

impl Service {
    /// A user, created by an administrator, who works for one breast screening service.
    async fn add_user(&self, email: &str, name: &str) -> User {
        let admin = Actor::system("test");
        let provider = self
            .store
            .create_provider(&admin, "TST", "Test Breast Screening Service")
            .await
            .expect("a provider");
        let user = self
            .store
            .create_user(
                &admin,
                NewUser {
                    email,
                    name,
                    oidc_subject: None,
                    is_system_admin: false,
                },
            )
            .await
            .expect("a user");
        self.store
            .grant_role(&admin, user.id, provider.id, domain::Role::Clinical)
            .await
            .expect("a role");
        user
    }
}

// ---------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------

/// A client that follows no redirects and keeps no cookies: each step is checked by hand.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("a redirect, got {} without Location", res.status()))
        .to_str()
        .expect("an ASCII Location")
        .to_owned()
}

/// The value a response sets for cookie `name` (the last, if set more than once), and its
/// attributes.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<(String, String)> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
            let (k, value) = pair.trim().split_once('=')?;
            (k == name).then(|| (value.to_owned(), attributes.to_owned()))
        })
        .next_back()
}

/// Whether the response starts a session (sets a non-empty session cookie).
fn starts_session(res: &reqwest::Response) -> bool {
    set_cookie(res, SESSION_COOKIE).is_some_and(|(v, _)| !v.is_empty())
}

/// Where a browser has got to after the provider sends it back: the callback URL (with
/// `code` and `state`) and the sign-in cookie the service set when it started.
struct Returned {
    callback: String,
    oidc_cookie: String,
}

/// Starts signing in at the service and, at the provider's authorization page, signs in as
/// `sub`.
async fn sign_in_at_provider(service: &Service, http: &reqwest::Client, sub: &str) -> Returned {
    // The service sends the browser to the provider, remembering state, nonce and PKCE
    // verifier in a cookie.
    let res = http
        .get(format!("{}/auth/oidc/start", service.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "start: {}", res.status());
    let authorize = location(&res);
    let (oidc_cookie, attributes) = set_cookie(&res, OIDC_COOKIE).expect("the sign-in cookie");
    assert!(!oidc_cookie.is_empty());
    assert!(attributes.contains("HttpOnly"), "{attributes}");
    let prefix = format!("{}/oauth2/authorize?", service.provider.url);
    assert!(
        authorize.starts_with(&prefix),
        "redirected to the provider: {authorize}"
    );
    let authorize_url = reqwest::Url::parse(&authorize).unwrap();
    let query: std::collections::HashMap<_, _> = authorize_url.query_pairs().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(
        query["redirect_uri"],
        format!("{}/auth/oidc/callback", service.base)
    );
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["scope"].split(' ').any(|s| s == "openid"));
    assert!(query.contains_key("state") && query.contains_key("nonce"));

    // The provider's authorization page: a form (posted back to the same URL) asking for
    // the subject to sign in as.
    let res = http.get(&authorize).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the provider's authorization page"
    );
    let page = res.text().await.unwrap();
    assert!(
        page.contains(r#"<form method="post""#) && page.contains(r#"name="sub""#),
        "the provider's sign-in form:\n{page}"
    );
    let res = http
        .post(&authorize)
        .form(&[("sub", sub)])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_redirection(),
        "the provider redirects back: {}",
        res.status()
    );
    let callback = location(&res);
    let expected = format!("{}/auth/oidc/callback?", service.base);
    assert!(
        callback.starts_with(&expected),
        "redirected to the callback: {callback}"
    );
    Returned {
        callback,
        oidc_cookie,
    }
}

/// Follows the provider's redirect back to the service, with the sign-in cookie if given.
async fn call_back(
    http: &reqwest::Client,
    callback: &str,
    oidc_cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = http.get(callback);
    if let Some(c) = oidc_cookie {
        req = req.header(COOKIE, format!("{OIDC_COOKIE}={c}"));
    }
    req.send().await.unwrap()
}

/// Signs in as `sub` all the way and checks the service let them in: returns the session
/// cookie's value.
async fn sign_in(service: &Service, sub: &str) -> String {
    let http = browser();
    let back = sign_in_at_provider(service, &http, sub).await;
    let res = call_back(&http, &back.callback, Some(&back.oidc_cookie)).await;
    assert!(
        res.status().is_redirection(),
        "callback: {} {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    assert_eq!(location(&res), "/clinics");
    let (session, attributes) = set_cookie(&res, SESSION_COOKIE).expect("a session cookie");
    assert!(!session.is_empty());
    assert!(attributes.contains("HttpOnly"), "{attributes}");
    let (oidc, _) = set_cookie(&res, OIDC_COOKIE).expect("the sign-in cookie is cleared");
    assert!(oidc.is_empty());
    session
}

/// The clinics page as seen with `session` (or without a session).
async fn clinics_page(service: &Service, session: Option<&str>) -> reqwest::Response {
    let mut req = browser().get(format!("{}/clinics", service.base));
    if let Some(s) = session {
        req = req.header(COOKIE, format!("{SESSION_COOKIE}={s}"));
    }
    req.send().await.unwrap()
}

async fn assert_signed_in_as(service: &Service, session: &str, name: &str) {
    let res = clinics_page(service, Some(session)).await;
    assert_eq!(res.status(), StatusCode::OK, "clinics with the session");
    let page = res.text().await.unwrap();
    assert!(page.contains(name), "the page names {name}:\n{page}");
}

/// Replaces one query parameter of a URL.
fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.into() } else { v };
            (k.into_owned(), v.into_owned())
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn signs_in_a_known_user_by_email_and_links_the_subject() {
    let service = start().await;
    let user = service
        .add_user("jane.example@nhs.test", "Jane Example")
        .await;
    service
        .provider
        .set_user(
            "cis2-0001",
            serde_json::json!({ "email": "Jane.Example@nhs.test", "name": "Jane Example" }),
        )
        .await;

    let session = sign_in(&service, "cis2-0001").await;

    assert_signed_in_as(&service, &session, "Jane Example").await;
    let linked = service.store.user(user.id).await.unwrap();
    assert_eq!(linked.oidc_subject.as_deref(), Some("cis2-0001"));
    let record = service
        .store
        .session_by_secret(&session)
        .await
        .unwrap()
        .expect("the session is stored");
    assert_eq!(record.user_id, user.id);
    assert_eq!(record.auth_method, "oidc");
}

#[tokio::test]
async fn signs_in_again_by_the_linked_subject() {
    let service = start().await;
    let user = service.add_user("sam.jones@nhs.test", "Sam Jones").await;
    service
        .provider
        .set_user(
            "cis2-0002",
            serde_json::json!({ "email": "sam.jones@nhs.test" }),
        )
        .await;
    let first = sign_in(&service, "cis2-0002").await;
    assert_signed_in_as(&service, &first, "Sam Jones").await;

    // The provider now gives an email the service does not know: only the subject linked
    // at the first sign-in can find the user.
    service
        .provider
        .set_user(
            "cis2-0002",
            serde_json::json!({ "email": "s.jones@nhs.test" }),
        )
        .await;
    let second = sign_in(&service, "cis2-0002").await;

    assert_ne!(first, second, "a new session");
    assert_signed_in_as(&service, &second, "Sam Jones").await;
    let record = service
        .store
        .session_by_secret(&second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.user_id, user.id);
}

#[tokio::test]
async fn refuses_a_callback_whose_state_does_not_match() {
    let service = start().await;
    let user = service.add_user("ali.khan@nhs.test", "Ali Khan").await;
    service
        .provider
        .set_user(
            "cis2-0003",
            serde_json::json!({ "email": "ali.khan@nhs.test" }),
        )
        .await;
    let http = browser();
    let back = sign_in_at_provider(&service, &http, "cis2-0003").await;

    // A state this browser did not start with (as when an attacker sends someone their
    // own callback link).
    let forged = with_query_param(&back.callback, "state", "not-the-state-we-sent");
    let res = call_back(&http, &forged, Some(&back.oidc_cookie)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!starts_session(&res), "no session for a wrong state");

    // The right state but no sign-in cookie (a different browser) is refused too.
    let res = call_back(&http, &back.callback, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        !starts_session(&res),
        "no session without the sign-in cookie"
    );

    // Nothing was linked, and the refused attempts did not use up the code: the genuine
    // callback still signs in (so the refusals were for the state and cookie alone).
    assert_eq!(
        service.store.user(user.id).await.unwrap().oidc_subject,
        None
    );
    let res = call_back(&http, &back.callback, Some(&back.oidc_cookie)).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(location(&res), "/clinics");
    assert!(starts_session(&res));
}

#[tokio::test]
async fn refuses_an_id_token_issued_for_another_sign_in() {
    let service = start().await;
    let user = service.add_user("lee.chan@nhs.test", "Lee Chan").await;
    service
        .provider
        .set_user(
            "cis2-0004",
            serde_json::json!({ "email": "lee.chan@nhs.test" }),
        )
        .await;
    let http = browser();
    let back = sign_in_at_provider(&service, &http, "cis2-0004").await;

    // The sign-in cookie holds state, nonce and PKCE verifier. With another nonce, the
    // provider's real, validly signed ID token (carrying the nonce sent at the start) must
    // be rejected.
    let parts: Vec<&str> = back.oidc_cookie.split('.').collect();
    assert_eq!(parts.len(), 3, "state.nonce.verifier: {}", back.oidc_cookie);
    let other_nonce = format!("{}.{}.{}", parts[0], "another-nonce", parts[2]);
    let res = call_back(&http, &back.callback, Some(&other_nonce)).await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!starts_session(&res), "no session for a replayed ID token");
    assert_eq!(
        service.store.user(user.id).await.unwrap().oidc_subject,
        None
    );
}

#[tokio::test]
async fn forbids_an_identity_the_service_does_not_know() {
    let service = start().await;
    let user = service.add_user("known.user@nhs.test", "Known User").await;
    service
        .provider
        .set_user(
            "cis2-9999",
            serde_json::json!({ "email": "stranger@example.org", "name": "A Stranger" }),
        )
        .await;
    let http = browser();
    let back = sign_in_at_provider(&service, &http, "cis2-9999").await;

    let res = call_back(&http, &back.callback, Some(&back.oidc_cookie)).await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!starts_session(&res), "no session for an unknown identity");
    // No user is created for them, and no one else's account is linked to them.
    let users = service.store.users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].id, user.id);
    assert_eq!(users[0].oidc_subject, None);
    // And without a session the service sends them to sign in.
    let res = clinics_page(&service, None).await;
    assert!(res.status().is_redirection());
    assert_eq!(location(&res), "/sign-in");
}
