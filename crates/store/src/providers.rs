//! Providers (breast screening offices), their locations and rooms.

use crate::audit::AuditAction;
use crate::shared::RoomRow;
use crate::sql::{self, parse_enum, parse_id};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::LocationKind;
use serde::Serialize;
use sqlx::FromRow;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Provider {
    pub id: domain::ids::ProviderId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Location {
    pub id: Uuid,
    pub name: String,
    pub kind: LocationKind,
    pub address: String,
    pub postcode: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Room {
    pub id: Uuid,
    pub location_id: Uuid,
    pub name: String,
    pub machine: String,
    pub ae_title: String,
}

pub struct NewLocation<'a> {
    pub name: &'a str,
    pub kind: LocationKind,
    pub address: &'a str,
    pub postcode: &'a str,
}

pub struct NewRoom<'a> {
    pub location_id: Uuid,
    pub name: &'a str,
    pub machine: &'a str,
    pub ae_title: &'a str,
}

/// A provider, as stored.
#[derive(FromRow)]
struct ProviderRow {
    id: String,
    code: String,
    name: String,
}

impl TryFrom<ProviderRow> for Provider {
    type Error = StoreError;
    fn try_from(r: ProviderRow) -> Result<Self> {
        Ok(Provider {
            id: parse_id(&r.id)?,
            code: r.code,
            name: r.name,
        })
    }
}

/// A location, as stored.
#[derive(FromRow)]
struct LocationRow {
    id: String,
    name: String,
    kind: String,
    address: String,
    postcode: String,
}

impl TryFrom<LocationRow> for Location {
    type Error = StoreError;
    fn try_from(r: LocationRow) -> Result<Self> {
        Ok(Location {
            id: parse_id(&r.id)?,
            name: r.name,
            kind: parse_enum(&r.kind)?,
            address: r.address,
            postcode: r.postcode,
        })
    }
}

impl Store {
    #[tracing::instrument(skip_all, fields(user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_provider(&self, actor: &Actor, code: &str, name: &str) -> Result<Provider> {
        let code = code.trim().to_uppercase();
        if code.is_empty() || code.len() > 10 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(StoreError::invalid(
                "code",
                "Enter a provider code of up to 10 letters and numbers",
            ));
        }
        if name.trim().is_empty() {
            return Err(StoreError::invalid("name", "Enter the provider's name"));
        }
        let p = Provider {
            id: new_id().into(),
            code,
            name: name.trim().to_owned(),
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query("INSERT INTO providers (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(sql::id(p.id))
            .bind(&p.code)
            .bind(&p.name)
            .bind(sql::ts(sql::now()))
            .execute(&mut **tx)
            .await?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "provider",
            p.id,
            None,
            serde_json::json!(p),
        );
        write.commit_audited(audit).await?;
        Ok(p)
    }

    #[tracing::instrument(skip_all)]
    pub async fn providers(&self) -> Result<Vec<Provider>> {
        let rows =
            sqlx::query_as::<_, ProviderRow>("SELECT id, code, name FROM providers ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn provider(&self, id: Uuid) -> Result<Provider> {
        let row =
            sqlx::query_as::<_, ProviderRow>("SELECT id, code, name FROM providers WHERE id = $1")
                .bind(sql::id(id))
                .fetch_one(self.pool())
                .await?;
        row.try_into()
    }

    #[tracing::instrument(skip_all)]
    pub async fn provider_by_code(&self, code: &str) -> Result<Provider> {
        let row = sqlx::query_as::<_, ProviderRow>(
            "SELECT id, code, name FROM providers WHERE code = $1",
        )
        .bind(code.trim().to_uppercase())
        .fetch_one(self.pool())
        .await?;
        row.try_into()
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_location(
        &self,
        scope: Scope,
        actor: &Actor,
        new: NewLocation<'_>,
    ) -> Result<Location> {
        if new.name.trim().is_empty() {
            return Err(StoreError::invalid("name", "Enter the location's name"));
        }
        let loc = Location {
            id: new_id(),
            name: new.name.trim().to_owned(),
            kind: new.kind,
            address: new.address.trim().to_owned(),
            postcode: new.postcode.trim().to_owned(),
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query(
            "INSERT INTO locations (id, provider_id, name, kind, address, postcode, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(loc.id))
        .bind(sql::id(scope.provider_id))
        .bind(&loc.name)
        .bind(loc.kind.as_str())
        .bind(&loc.address)
        .bind(&loc.postcode)
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "location",
            loc.id,
            None,
            serde_json::json!(loc),
        );
        write.commit_audited(audit).await?;
        Ok(loc)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn locations(&self, scope: Scope) -> Result<Vec<Location>> {
        let rows = sqlx::query_as::<_, LocationRow>(
            "SELECT id, name, kind, address, postcode FROM locations WHERE provider_id = $1 ORDER BY name",
        )
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_room(&self, scope: Scope, actor: &Actor, new: NewRoom<'_>) -> Result<Room> {
        let room = Room {
            id: new_id(),
            location_id: new.location_id,
            name: new.name.trim().to_owned(),
            machine: new.machine.trim().to_owned(),
            ae_title: new.ae_title.trim().to_owned(),
        };
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        // The location must belong to the same provider.
        sqlx::query("SELECT id FROM locations WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(room.location_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO rooms (id, provider_id, location_id, name, machine, ae_title, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(room.id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(room.location_id))
        .bind(&room.name)
        .bind(&room.machine)
        .bind(&room.ae_title)
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "room",
            room.id,
            None,
            serde_json::json!(room),
        );
        write.commit_audited(audit).await?;
        Ok(room)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn rooms(&self, scope: Scope) -> Result<Vec<Room>> {
        let rows = sqlx::query_as::<_, RoomRow>(
            "SELECT id AS room_id, location_id, name AS room_name, machine, ae_title FROM rooms \
             WHERE provider_id = $1 ORDER BY name",
        )
        .bind(sql::id(scope.provider_id))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
