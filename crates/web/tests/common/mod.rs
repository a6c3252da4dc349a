//! Shared harness for the black-box tests: the real application on a real socket, with
//! demo data in a fresh SQLite database, or (`spawn_on(Backend::Postgres)`) in a fresh
//! PostgreSQL schema from `TEST_DATABASE_URL` (run through `scripts/with-postgres.sh`).
#![allow(dead_code)]

pub mod flow;

use domain::{AppointmentStatus, ClinicTab};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use std::path::PathBuf;
use store::{Actor, Scope, Store};
use uuid::Uuid;

pub const CLINICAL_A: &str = "jane.hargreaves@example.nhs.uk";
pub const CLINICAL_B: &str = "tom.fletcher@example.nhs.uk";
pub const ADMIN: &str = "mark.ellison@example.nhs.uk";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub dir: PathBuf,
    /// The PostgreSQL URL and schema, dropped with the app.
    pg: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((url, schema)) = self.pg.take() {
            // Drop's own thread: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    use sqlx::Executor;
                    sqlx::any::install_default_drivers();
                    if let Ok(pool) = sqlx::AnyPool::connect(&url).await {
                        let _ = pool
                            .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                            .await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The database a black-box test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Both backends, for tests that must hold on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The application on `backend` with demo data.
pub async fn spawn_on(backend: Backend) -> TestApp {
    spawn_on_with(backend, |_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut web::Config)) -> TestApp {
    spawn_on_with(Backend::Sqlite, tweak).await
}

pub async fn spawn_on_with(backend: Backend, tweak: impl FnOnce(&mut web::Config)) -> TestApp {
    let dir = std::env::temp_dir().join(format!("screening-http-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (url, pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}/db.sqlite?mode=rwc", dir.display()),
            None,
        ),
        Backend::Postgres => {
            let url = std::env::var("TEST_DATABASE_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .expect("TEST_DATABASE_URL: run through scripts/with-postgres.sh");
            let schema = format!("w_{}", Uuid::now_v7().simple());
            (url.clone(), Some((url, schema)))
        }
    };
    let store = Store::open_in_schema(&url, pg.as_ref().map(|(_, s)| s.as_str()))
        .await
        .expect("open store");
    demo::load(
        &store,
        domain::dates::london_date(time::OffsetDateTime::now_utc()),
    )
    .await
    .expect("demo data");
    let mut config = web::Config::local(url);
    config.demo_mode = true;
    tweak(&mut config);
    let limits = config.limits;
    let state = web::AppState::with_store(config, store.clone())
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = web::server::serve(listener, web::app(state), limits, std::future::pending()).await;
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base,
        store,
        client,
        dir,
        pg,
    }
}

/// The repository's root (where `.venv` and `tests/` are).
pub fn repo_root() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// A signed-in browser: its session cookie and CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// Pulls `name=value` for one cookie out of a response's Set-Cookie headers.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn provider(&self, code: &str) -> Scope {
        Scope {
            provider_id: self
                .store
                .provider_by_code(code)
                .await
                .expect("provider")
                .id,
        }
    }

    /// Signs in through the demo persona page, as a person would.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let user = self.store.user_by_email(email).await.expect("user");
        let page = self
            .client
            .get(self.url("/sign-in/personas"))
            .send()
            .await
            .expect("personas");
        assert_eq!(page.status(), StatusCode::OK);
        let anon = set_cookie(&page, "screening_csrf").expect("anonymous CSRF cookie");
        let token = hidden_csrf(&page.text().await.expect("body"));
        let res = self
            .client
            .post(self.url("/sign-in/personas"))
            .header(COOKIE, &anon)
            .form(&[
                ("csrf_token", token.as_str()),
                ("user_id", &user.id.to_string()),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "persona sign-in redirects"
        );
        let cookie = set_cookie(&res, "screening_session").expect("session cookie");
        let clinics = self
            .client
            .get(self.url("/clinics"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .expect("clinics");
        let csrf = hidden_csrf(&clinics.text().await.expect("body"));
        Browser { cookie, csrf }
    }

    pub async fn get(&self, b: &Browser, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(COOKIE, &b.cookie)
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_form(
        &self,
        b: &Browser,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(COOKIE, &b.cookie)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn token(&self, email: &str, provider: &str) -> String {
        let user = self.store.user_by_email(email).await.expect("user");
        let scope = self.provider(provider).await;
        self.store
            .create_api_token(
                &Actor::system("test"),
                scope.provider_id,
                Some(user.id),
                &user.name,
                &[],
            )
            .await
            .expect("token")
    }

    /// A scheduled appointment in the provider's first clinic today.
    pub async fn scheduled_appointment(
        &self,
        scope: Scope,
    ) -> (domain::ids::AppointmentId, domain::ids::ParticipantId) {
        let today = domain::dates::london_date(time::OffsetDateTime::now_utc());
        let clinic = self
            .store
            .clinics(scope, ClinicTab::Today, today)
            .await
            .expect("clinics")[0]
            .clone();
        let rows = self
            .store
            .clinic_appointments(scope, clinic.id)
            .await
            .expect("rows");
        let row = rows
            .iter()
            .find(|r| r.status == AppointmentStatus::Scheduled)
            .expect("a scheduled appointment");
        (row.id, row.participant_id)
    }

    /// The kinds of the domain events recorded whose payload mentions `fragment` (an id),
    /// oldest first: what a change told the other features, read from the outbox table.
    pub async fn event_kinds_mentioning(&self, fragment: &str) -> Vec<String> {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let (url, table) = match &self.pg {
            Some((url, schema)) => (url.clone(), format!("{schema}.outbox_events")),
            None => (
                format!("sqlite://{}/db.sqlite", self.dir.display()),
                "outbox_events".to_owned(),
            ),
        };
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        let rows = sqlx::query(&format!(
            "SELECT kind FROM {table} WHERE payload LIKE $1 ORDER BY created_at, id"
        ))
        .bind(format!("%{fragment}%"))
        .fetch_all(&pool)
        .await
        .expect("outbox events");
        pool.close().await;
        rows.iter()
            .map(|r| r.try_get::<String, _>("kind").expect("kind"))
            .collect()
    }

    /// Runs one SQL statement on the app's database (its own schema on PostgreSQL): for a
    /// test that needs a state only time would make, such as a request raised weeks ago.
    pub async fn execute(&self, statement: &str) {
        use sqlx::{Acquire, Executor};
        sqlx::any::install_default_drivers();
        let url = match &self.pg {
            Some((url, _)) => url.clone(),
            None => format!("sqlite://{}/db.sqlite", self.dir.display()),
        };
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        {
            let mut pooled = pool.acquire().await.expect("connection");
            let conn = pooled.acquire().await.expect("connection");
            if let Some((_, schema)) = &self.pg {
                conn.execute(format!("SET search_path TO {schema}").as_str())
                    .await
                    .expect("search path");
            }
            conn.execute(statement).await.expect(statement);
        } // Returned to the pool, so closing it does not wait on it.
        pool.close().await;
    }

    pub async fn status(
        &self,
        scope: Scope,
        id: impl Into<domain::ids::AppointmentId>,
    ) -> (AppointmentStatus, i64, usize) {
        let a = self
            .store
            .appointment(scope, id.into())
            .await
            .expect("appointment");
        (a.status, a.version, a.history.len())
    }
}

/// One `/api/v1` call with a bearer token: the status and the JSON body (null when none).
/// [`call`] on a path under `/api/v1`.
pub async fn v1(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    call(app, token, method, &format!("/api/v1{path}"), body).await
}

pub async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}
