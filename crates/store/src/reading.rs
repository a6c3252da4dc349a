//! Image reading cases: opened when an appointment ends Screened or Partially screened.
//! (Reads, sessions and arbitration build on these.)

use crate::audit::{self, AuditAction};
use crate::sql::{self, parse_date, parse_enum, parse_id};
use crate::{Actor, Result, Scope, Store, new_id};
use domain::reading::ReadingState;
use serde::Serialize;
use sqlx::Row;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

/// A reading case with who it is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingCase {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub participant_id: Uuid,
    pub participant_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub screened_on: Date,
    #[schema(value_type = String)]
    pub state: ReadingState,
}

/// Opens the reading case for a screened appointment, inside the caller's transaction.
pub(crate) async fn open_case(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    actor: &Actor,
    appointment_id: Uuid,
) -> Result<()> {
    let row = sqlx::query(
        "SELECT a.episode_id, a.participant_id, c.clinic_date FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    let id = new_id();
    let participant_id: String = row.try_get("participant_id")?;
    let screened_on: String = row.try_get("clinic_date")?;
    sqlx::query(
        "INSERT INTO reading_cases (id, provider_id, appointment_id, episode_id, participant_id, screened_on, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sql::id(id))
    .bind(sql::id(scope.provider_id))
    .bind(sql::id(appointment_id))
    .bind(row.try_get::<String, _>("episode_id")?)
    .bind(&participant_id)
    .bind(&screened_on)
    .bind(ReadingState::AwaitingFirstRead.as_str())
    .bind(sql::ts(sql::now()))
    .execute(&mut **tx)
    .await?;
    let snapshot = serde_json::json!({ "appointment_id": appointment_id, "screened_on": screened_on, "state": ReadingState::AwaitingFirstRead });
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Create,
        "reading_case",
        id,
        Some(parse_id(&participant_id)?),
        &snapshot,
    )
    .await
}

impl Store {
    /// The provider's reading cases in a state, oldest screening first (the reading order).
    pub async fn reading_cases(
        &self,
        scope: Scope,
        state: ReadingState,
        limit: i64,
    ) -> Result<Vec<ReadingCase>> {
        let rows = sqlx::query(
            "SELECT r.id, r.appointment_id, r.participant_id, p.first_name, p.last_name, p.nhs_number, r.screened_on, r.state \
             FROM reading_cases r JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id \
             WHERE r.provider_id = $1 AND r.state = $2 ORDER BY r.screened_on, r.created_at LIMIT $3",
        )
        .bind(sql::id(scope.provider_id))
        .bind(state.as_str())
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReadingCase {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    appointment_id: parse_id(&r.try_get::<String, _>("appointment_id")?)?,
                    participant_id: parse_id(&r.try_get::<String, _>("participant_id")?)?,
                    participant_name: format!(
                        "{} {}",
                        r.try_get::<String, _>("first_name")?,
                        r.try_get::<String, _>("last_name")?
                    ),
                    nhs_number: r.try_get("nhs_number")?,
                    screened_on: parse_date(&r.try_get::<String, _>("screened_on")?)?,
                    state: parse_enum(&r.try_get::<String, _>("state")?)?,
                })
            })
            .collect()
    }
}
