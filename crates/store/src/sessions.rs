//! Signed-in sessions and API bearer tokens. Only a SHA-256 hash of each secret is stored,
//! so a copy of the database cannot be used to sign in.

use crate::audit::AuditAction;
use crate::sql::{self, parse_enum, parse_id, parse_ts};
use crate::write::AuditRow;
use crate::{Actor, Result, Store, StoreError, new_id};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Role;
use domain::ids::ProviderId;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The hash of the cookie's secret.
    pub id: String,
    pub user_id: Uuid,
    pub provider_id: Option<ProviderId>,
    pub csrf_token: String,
    pub auth_method: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

/// Who an API bearer token acts as.
#[derive(Debug, Clone)]
pub struct ApiPrincipal {
    pub token_id: Uuid,
    pub provider_id: ProviderId,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub roles: Vec<Role>,
}

/// A new random secret (256 bits), URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

const SESSION_COLUMNS: &str =
    "id, user_id, provider_id, csrf_token, auth_method, created_at, last_seen_at, ended_at";

/// A session ([`SESSION_COLUMNS`]), as stored.
#[derive(FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
    provider_id: Option<String>,
    csrf_token: String,
    auth_method: String,
    created_at: String,
    last_seen_at: String,
    ended_at: Option<String>,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self> {
        Ok(SessionRecord {
            id: r.id,
            user_id: parse_id(&r.user_id)?,
            provider_id: r.provider_id.as_deref().map(parse_id).transpose()?,
            csrf_token: r.csrf_token,
            auth_method: r.auth_method,
            created_at: parse_ts(&r.created_at)?,
            last_seen_at: parse_ts(&r.last_seen_at)?,
            ended_at: r.ended_at.as_deref().map(parse_ts).transpose()?,
        })
    }
}

/// A bearer token and its user's name, as stored.
#[derive(FromRow)]
struct TokenRow {
    id: String,
    provider_id: String,
    user_id: Option<String>,
    name: String,
    roles: String,
    user_name: Option<String>,
}

impl Store {
    /// Starts a session; returns the secret for the cookie and the stored record.
    #[tracing::instrument(skip_all, fields(user_id = %user_id, provider_id = provider_id.map(tracing::field::display)))]
    pub async fn create_session(
        &self,
        user_id: Uuid,
        provider_id: Option<ProviderId>,
        auth_method: &str,
    ) -> Result<(String, SessionRecord)> {
        let secret = new_secret();
        let now = sql::now();
        let record = SessionRecord {
            id: hash_secret(&secret),
            user_id,
            provider_id,
            csrf_token: new_secret(),
            auth_method: auth_method.to_owned(),
            created_at: now,
            last_seen_at: now,
            ended_at: None,
        };
        sqlx::query(&format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)"
        ))
        .bind(&record.id)
        .bind(sql::id(user_id))
        .bind(provider_id.map(sql::id))
        .bind(&record.csrf_token)
        .bind(auth_method)
        .bind(sql::ts(now))
        .bind(sql::ts(now))
        .execute(self.writer())
        .await?;
        Ok((secret, record))
    }

    /// The session a cookie secret belongs to, if any (ended ones included: the caller
    /// decides what an ended or expired session means).
    #[tracing::instrument(skip_all)]
    pub async fn session_by_secret(&self, secret: &str) -> Result<Option<SessionRecord>> {
        self.session(&hash_secret(secret)).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn session(&self, id: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query_as::<_, SessionRow>(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    #[tracing::instrument(skip_all)]
    pub async fn touch_session(&self, id: &str, at: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(sql::ts(at))
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Switches the provider a session acts for. The caller checks the user holds a role
    /// there.
    #[tracing::instrument(skip_all, fields(provider_id = %provider_id))]
    pub async fn set_session_provider(&self, id: &str, provider_id: ProviderId) -> Result<()> {
        let done =
            sqlx::query("UPDATE sessions SET provider_id = $1 WHERE id = $2 AND ended_at IS NULL")
                .bind(sql::id(provider_id))
                .bind(id)
                .execute(self.writer())
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn end_session(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(sql::ts(sql::now()))
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Issues a bearer token for the API, acting for `provider_id` either as a user (with
    /// that user's roles there) or as a named system with the given roles. Returns the
    /// secret, which is shown once and never stored.
    #[tracing::instrument(skip_all, fields(user = actor.user_id.map(tracing::field::display), provider_id = %provider_id, user_id = user_id.map(tracing::field::display)))]
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        provider_id: ProviderId,
        user_id: Option<Uuid>,
        name: &str,
        roles: &[Role],
    ) -> Result<String> {
        let secret = format!("scr_{}", new_secret());
        let id = new_id();
        let roles_text = roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, provider_id, user_id, name, roles, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(id))
        .bind(hash_secret(&secret))
        .bind(sql::id(provider_id))
        .bind(user_id.map(sql::id))
        .bind(name)
        .bind(&roles_text)
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        write.commit_audited(AuditRow::new(actor, AuditAction::Create, "api_token", id, None, serde_json::json!({ "provider_id": provider_id, "user_id": user_id, "name": name, "roles": roles_text }))).await?;
        Ok(secret)
    }

    /// Who a bearer token acts as; `None` for unknown or revoked tokens. A user's token
    /// carries the roles the user holds for the token's provider now, not when it was made.
    #[tracing::instrument(skip_all)]
    pub async fn api_principal(&self, secret: &str) -> Result<Option<ApiPrincipal>> {
        let Some(row) = sqlx::query_as::<_, TokenRow>(
            "SELECT t.id, t.provider_id, t.user_id, t.name, t.roles, u.name AS user_name \
             FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(hash_secret(secret))
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let provider_id = parse_id(&row.provider_id)?;
        let user_id = row.user_id.as_deref().map(parse_id).transpose()?;
        let (name, roles) = match user_id {
            Some(uid) => {
                let roles = self.user_with_roles(uid).await?.roles_for(provider_id);
                (row.user_name.unwrap_or_default(), roles)
            }
            None => {
                let roles = row
                    .roles
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(parse_enum)
                    .collect::<Result<Vec<Role>>>()?;
                (row.name, roles)
            }
        };
        Ok(Some(ApiPrincipal {
            token_id: parse_id(&row.id)?,
            provider_id,
            user_id,
            name,
            roles,
        }))
    }
}
