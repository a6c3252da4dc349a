//! Users and the roles they hold for each provider.

use crate::audit::AuditAction;
use crate::sql::{self, parse_enum, parse_id};
use crate::write::AuditRow;
use crate::{Actor, Provider, Result, Store, StoreError, new_id};
use domain::Role;
use domain::ids::ProviderId;
use serde::Serialize;
use sqlx::FromRow;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub oidc_subject: Option<String>,
    pub is_system_admin: bool,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub oidc_subject: Option<&'a str>,
    pub is_system_admin: bool,
}

/// A user with every (provider, role) they hold.
#[derive(Debug, Clone)]
pub struct UserWithRoles {
    pub user: User,
    pub roles: Vec<(Provider, Role)>,
}

impl UserWithRoles {
    /// The roles held for one provider.
    pub fn roles_for(&self, provider_id: ProviderId) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|(p, _)| p.id == provider_id)
            .map(|(_, r)| *r)
            .collect()
    }

    /// Each provider the user holds any role for, once, in name order.
    pub fn providers(&self) -> Vec<Provider> {
        let mut out: Vec<Provider> = Vec::new();
        for (p, _) in &self.roles {
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p.clone());
            }
        }
        out
    }
}

const USER_COLUMNS: &str = "id, email, name, oidc_subject, is_system_admin";

/// A user ([`USER_COLUMNS`]), as stored.
#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    oidc_subject: Option<String>,
    is_system_admin: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: parse_id(&r.id)?,
            email: r.email,
            name: r.name,
            oidc_subject: r.oidc_subject,
            is_system_admin: r.is_system_admin != 0,
        })
    }
}

impl Store {
    #[tracing::instrument(skip_all, fields(user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_user(&self, actor: &Actor, new: NewUser<'_>) -> Result<User> {
        let email = new.email.trim().to_lowercase();
        if !email.contains('@') || email.len() < 3 {
            return Err(StoreError::invalid(
                "email",
                "Enter an email address in the correct format, like name@example.nhs.uk",
            ));
        }
        if new.name.trim().is_empty() {
            return Err(StoreError::invalid("name", "Enter the user's full name"));
        }
        let user = User {
            id: new_id(),
            email,
            name: new.name.trim().to_owned(),
            oidc_subject: new.oidc_subject.map(str::to_owned),
            is_system_admin: new.is_system_admin,
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query(
            "INSERT INTO users (id, email, name, oidc_subject, is_system_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sql::id(user.id))
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.oidc_subject.clone())
        .bind(i64::from(user.is_system_admin))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => {
                StoreError::Duplicate(format!("A user with email {} already exists", user.email))
            }
            other => other,
        })?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "user",
            user.id,
            None,
            serde_json::json!(user),
        );
        write.commit_audited(audit).await?;
        Ok(user)
    }

    /// Grants a role; granting one already held changes nothing.
    #[tracing::instrument(skip_all, fields(user = actor.user_id.map(tracing::field::display), user_id = %user_id, provider_id = %provider_id))]
    pub async fn grant_role(
        &self,
        actor: &Actor,
        user_id: Uuid,
        provider_id: ProviderId,
        role: Role,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let held = sqlx::query(
            "SELECT 1 FROM user_roles WHERE user_id = $1 AND provider_id = $2 AND role = $3",
        )
        .bind(sql::id(user_id))
        .bind(sql::id(provider_id))
        .bind(role.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if held.is_some() {
            return Ok(());
        }
        sqlx::query("INSERT INTO user_roles (user_id, provider_id, role, granted_at) VALUES ($1, $2, $3, $4)")
            .bind(sql::id(user_id))
            .bind(sql::id(provider_id))
            .bind(role.as_str())
            .bind(sql::ts(sql::now()))
            .execute(&mut **tx)
            .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "user_role",
                user_id,
                None,
                serde_json::json!({ "user_id": user_id, "provider_id": provider_id, "role": role }),
            ))
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn user(&self, id: Uuid) -> Result<User> {
        let row = sqlx::query_as::<_, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
        ))
        .bind(sql::id(id))
        .fetch_one(self.pool())
        .await?;
        row.try_into()
    }

    #[tracing::instrument(skip_all)]
    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        let row = sqlx::query_as::<_, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.trim().to_lowercase())
        .fetch_one(self.pool())
        .await?;
        row.try_into()
    }

    /// Finds the user an OpenID Connect sign-in belongs to: by subject, or else by email,
    /// in which case the subject is linked for next time. Users are never created here.
    #[tracing::instrument(skip_all)]
    pub async fn user_for_sign_in(&self, subject: &str, email: Option<&str>) -> Result<User> {
        if let Some(row) = sqlx::query_as::<_, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE oidc_subject = $1"
        ))
        .bind(subject)
        .fetch_optional(self.pool())
        .await?
        {
            return row.try_into();
        }
        let Some(email) = email else {
            return Err(StoreError::NotFound);
        };
        let user = self.user_by_email(email).await?;
        if user.oidc_subject.is_some() {
            // Already linked to a different identity: do not re-link silently.
            return Err(StoreError::NotFound);
        }
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query("UPDATE users SET oidc_subject = $1 WHERE id = $2 AND oidc_subject IS NULL")
            .bind(subject)
            .bind(sql::id(user.id))
            .execute(&mut **tx)
            .await?;
        let linked = User {
            oidc_subject: Some(subject.to_owned()),
            ..user
        };
        let actor = Actor {
            user_id: Some(linked.id),
            name: linked.name.clone(),
            provider_id: None,
        };
        write
            .commit_audited(AuditRow::new(
                &actor,
                AuditAction::Update,
                "user",
                linked.id,
                None,
                serde_json::json!(linked),
            ))
            .await?;
        Ok(linked)
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn user_with_roles(&self, id: Uuid) -> Result<UserWithRoles> {
        let user = self.user(id).await?;
        let rows = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT p.id, p.code, p.name, r.role FROM user_roles r \
             JOIN providers p ON p.id = r.provider_id WHERE r.user_id = $1 ORDER BY p.name, r.role",
        )
        .bind(sql::id(id))
        .fetch_all(self.pool())
        .await?;
        let roles = rows
            .into_iter()
            .map(|(id, code, name, role)| {
                Ok((
                    Provider {
                        id: parse_id(&id)?,
                        code,
                        name,
                    },
                    parse_enum(&role)?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(UserWithRoles { user, roles })
    }

    /// Every user, in name order (the demo persona page and administration).
    #[tracing::instrument(skip_all)]
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query_as::<_, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY name"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
