//! Who is making a request: sessions (cookies) for people using pages.

pub mod oidc;
pub mod routes;

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Permission, Role};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use store::{Actor, Provider, Scope, SessionRecord};
use time::OffsetDateTime;
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "screening_session";
/// How long a cached session is trusted before it is read again from the database (so a
/// sign-out or a role change on another machine takes effect within this time).
const CACHE_SECONDS: i64 = 30;
/// How often the database copy of "last seen" is refreshed.
const TOUCH_SECONDS: i64 = 60;

/// A signed-in person, as resolved from their session.
#[derive(Debug)]
pub struct SessionUser {
    pub session_id: String,
    pub csrf_token: String,
    pub user_id: Uuid,
    pub name: String,
    pub is_system_admin: bool,
    /// The provider they act for now, if chosen.
    pub provider: Option<Provider>,
    /// Their roles at that provider.
    pub roles: Vec<Role>,
    /// Every provider they hold a role for.
    pub providers: Vec<Provider>,
}

impl SessionUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.provider.is_some() && domain::role::any_grants(&self.roles, permission)
    }
    pub fn role_labels(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The outcome of looking at the session cookie, left in the request for extractors.
#[derive(Clone)]
pub enum Auth {
    Anonymous,
    Expired,
    SignedIn(Arc<SessionUser>),
}

struct CachedSession {
    user: Arc<SessionUser>,
    created_at: i64,
    fetched_at: i64,
    last_seen: AtomicI64,
    last_touched: AtomicI64,
}

/// Sessions recently read from the database, keyed by the hash of the cookie secret.
#[derive(Default)]
pub struct SessionCache {
    map: RwLock<HashMap<String, Arc<CachedSession>>>,
}

impl SessionCache {
    fn get(&self, id: &str) -> Option<Arc<CachedSession>> {
        self.map.read().ok()?.get(id).cloned()
    }
    fn put(&self, id: String, entry: Arc<CachedSession>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() > 100_000 {
                map.clear();
            }
            map.insert(id, entry);
        }
    }
    pub fn forget(&self, id: &str) {
        if let Ok(mut map) = self.map.write() {
            map.remove(id);
        }
    }
}

/// Reads one cookie from the request headers.
pub fn read_cookie<'a>(config: &Config, headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let name = cookie_name(config, name);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The name a cookie goes by: over HTTPS with the `__Host-` prefix, so that the browser
/// keeps it only if it is Secure, for the whole site and from this host alone (no
/// subdomain can set or shadow it).
pub fn cookie_name<'a>(config: &Config, name: &'a str) -> std::borrow::Cow<'a, str> {
    if config.https() {
        format!("__Host-{name}").into()
    } else {
        name.into()
    }
}

/// A Set-Cookie value with the service's standard attributes.
pub fn cookie_header(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let secure = if state.config.secure_cookies || state.config.https() {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let name = cookie_name(&state.config, name);
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn load_user(
    state: &AppState,
    record: &SessionRecord,
) -> Result<SessionUser, store::StoreError> {
    let u = state.store.user_with_roles(record.user_id).await?;
    let provider = record
        .provider_id
        .and_then(|pid| u.providers().into_iter().find(|p| p.id == pid));
    let roles = provider
        .as_ref()
        .map(|p| u.roles_for(p.id))
        .unwrap_or_default();
    Ok(SessionUser {
        session_id: record.id.clone(),
        csrf_token: record.csrf_token.clone(),
        user_id: u.user.id,
        name: u.user.name.clone(),
        is_system_admin: u.user.is_system_admin,
        providers: u.providers(),
        provider,
        roles,
    })
}

/// Middleware: resolves the session cookie into an [`Auth`], enforcing the idle and
/// absolute timeouts.
pub async fn load_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let auth = match read_cookie(&state.config, req.headers(), SESSION_COOKIE) {
        None => Auth::Anonymous,
        Some(secret) => resolve(&state, secret).await,
    };
    let expired = matches!(auth, Auth::Expired);
    req.extensions_mut().insert(auth);
    let mut res = next.run(req).await;
    if expired {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie_header(&state, SESSION_COOKIE, "", Some(0)),
        );
    }
    res
}

async fn resolve(state: &AppState, secret: &str) -> Auth {
    let id = store::hash_secret(secret);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let cached = state
        .sessions
        .get(&id)
        .filter(|c| now - c.fetched_at < CACHE_SECONDS);
    let entry = match cached {
        Some(c) => c,
        None => {
            let record = match state.store.session(&id).await {
                Ok(Some(r)) if r.ended_at.is_none() => r,
                Ok(_) => return Auth::Anonymous,
                Err(e) => {
                    tracing::error!(error = %e, "session lookup failed");
                    return Auth::Anonymous;
                }
            };
            let user = match load_user(state, &record).await {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!(error = %e, "session user lookup failed");
                    return Auth::Anonymous;
                }
            };
            let previous_seen = state
                .sessions
                .get(&id)
                .map(|c| c.last_seen.load(Ordering::Relaxed))
                .unwrap_or(0);
            let last_seen = record.last_seen_at.unix_timestamp().max(previous_seen);
            let entry = Arc::new(CachedSession {
                user: Arc::new(user),
                created_at: record.created_at.unix_timestamp(),
                fetched_at: now,
                last_seen: AtomicI64::new(last_seen),
                last_touched: AtomicI64::new(record.last_seen_at.unix_timestamp()),
            });
            state.sessions.put(id.clone(), entry.clone());
            entry
        }
    };
    let idle = state.config.session_idle_timeout.as_secs() as i64;
    let absolute = state.config.session_absolute_timeout.as_secs() as i64;
    let last_seen = entry.last_seen.load(Ordering::Relaxed);
    if now - last_seen >= idle || now - entry.created_at >= absolute {
        state.sessions.forget(&id);
        if let Err(e) = state.store.end_session(&id).await {
            tracing::error!(error = %e, "ending an expired session failed");
        }
        return Auth::Expired;
    }
    entry.last_seen.store(now, Ordering::Relaxed);
    if now - entry.last_touched.load(Ordering::Relaxed) >= TOUCH_SECONDS {
        entry.last_touched.store(now, Ordering::Relaxed);
        if let Err(e) = state
            .store
            .touch_session(&id, OffsetDateTime::now_utc())
            .await
        {
            tracing::warn!(error = %e, "could not record session activity");
        }
    }
    crate::telemetry::record_caller(
        entry.user.provider.as_ref().map(|p| p.id),
        Some(entry.user.user_id),
    );
    Auth::SignedIn(entry.user.clone())
}

/// Why a page needing a signed-in user cannot be shown.
pub enum NotSignedIn {
    SignIn { expired: bool },
    ChooseProvider,
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::SignIn { expired: true } => {
                Redirect::to("/sign-in?expired=1").into_response()
            }
            NotSignedIn::SignIn { expired: false } => Redirect::to("/sign-in").into_response(),
            NotSignedIn::ChooseProvider => Redirect::to("/select-provider").into_response(),
        }
    }
}

/// A signed-in person (who may not have chosen a provider yet).
pub struct SignedIn(pub Arc<SessionUser>);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = NotSignedIn;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::SignedIn(u)) => Ok(SignedIn(u.clone())),
            Some(Auth::Expired) => Err(NotSignedIn::SignIn { expired: true }),
            _ => Err(NotSignedIn::SignIn { expired: false }),
        }
    }
}

/// A signed-in person acting for a provider: everything they see is scoped to it.
pub struct Staff(pub Arc<SessionUser>);

impl Staff {
    pub fn scope(&self) -> Scope {
        Scope {
            // No provider chosen yet: a scope that matches no record.
            provider_id: self
                .0
                .provider
                .as_ref()
                .map_or(domain::ids::ProviderId::from_uuid(uuid::Uuid::nil()), |p| {
                    p.id
                }),
        }
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.0.user_id),
            name: self.0.name.clone(),
            provider_id: self.0.provider.as_ref().map(|p| p.id),
        }
    }
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.0.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    /// The caller of a use case.
    pub fn caller(&self) -> crate::application::Caller {
        crate::application::Caller {
            scope: self.scope(),
            actor: self.actor(),
            roles: if self.0.provider.is_some() {
                self.0.roles.clone()
            } else {
                Vec::new()
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = NotSignedIn;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        if user.provider.is_none() {
            return Err(NotSignedIn::ChooseProvider);
        }
        Ok(Staff(user))
    }
}
