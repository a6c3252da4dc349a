//! The office's own episode changes: closing an episode nobody will complete, and
//! correcting a closed episode's end code. Both go through `shared::episode::close`, the
//! one closing path.

use crate::audit::{self, AuditAction};
use crate::shared::appointment::PENDING;
use crate::shared::episode::{self, Closing};
use crate::sql;
use crate::{Actor, Result, Scope, Store, StoreError};
use domain::end_code::{EndCode, check_correction, check_manual_close};
use domain::ids::{EpisodeId, ParticipantId};
use time::Date;

/// Which of the two changes the office is making.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpisodeEnd {
    /// A first closure, by hand (`EndCode::MANUAL`).
    Close,
    /// A new end code for a closed episode, superseding the old one.
    Correct,
}

impl Store {
    /// Closes an open episode by hand, or corrects a closed one's end code, with a reason;
    /// returns the next test due that follows. Refused (nothing changed) when the rules of
    /// `domain::end_code` refuse it.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, episode_id = %episode_id))]
    pub async fn end_episode(
        &self,
        scope: Scope,
        actor: &Actor,
        episode_id: EpisodeId,
        how: EpisodeEnd,
        end_code: EndCode,
        reason: &str,
    ) -> Result<Option<Date>> {
        let reason = reason.trim();
        self.delivering(async {
let mut write = self.begin_change().await?;
let tx = write.tx();
        let facts = episode::facts(tx, scope, episode_id).await?;
        match how {
            EpisodeEnd::Close => {
                let query = format!(
                    "SELECT COUNT(*) AS n FROM appointments WHERE provider_id = $1 AND episode_id = $2 \
                     AND status IN ({})",
                    sql::placeholders(3, &PENDING)
                );
                let mut q = sqlx::query_scalar::<_, i64>(&query)
                    .bind(sql::id(scope.provider_id))
                    .bind(sql::id(episode_id));
                for s in PENDING {
                    q = q.bind(s.as_str());
                }
                let pending = q.fetch_one(&mut **tx).await?;
                check_manual_close(facts.stage, pending > 0, end_code, reason)
                    .map_err(StoreError::Invalid)?;
            }
            EpisodeEnd::Correct => {
                check_correction(facts.stage, facts.end_code, end_code, reason)
                    .map_err(StoreError::Invalid)?;
            }
        }
        let next_test_due = episode::close(
            tx,
            scope,
            actor,
            Closing {
                episode_id,
                end_code,
                outcome: None,
                reason,
                closed_on: crate::shared::appointment::clinic_now().date(),
                correction: how == EpisodeEnd::Correct,
            },
        )
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Update,
            "episode",
            episode_id,
            Some(facts.participant_id),
            &serde_json::json!({
                "end_code": end_code.as_str(),
                "reason": reason,
                "correction": how == EpisodeEnd::Correct,
                "previous_end_code": facts.end_code.map(EndCode::as_str),
                "next_test_due": next_test_due.map(sql::date),
            }),
        )
        .await?;
        write.commit().await?;
Ok(next_test_due)
})
.await
    }
}

/// An episode as the office's closing and correcting pages show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeBrief {
    pub id: EpisodeId,
    pub participant_id: ParticipantId,
    pub participant_name: String,
    pub episode_type: domain::EpisodeType,
    pub stage: domain::EpisodeStage,
    pub outcome: Option<domain::EpisodeOutcome>,
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    pub end_code: Option<EndCode>,
}

/// An episode and its participant's name, as stored.
#[derive(sqlx::FromRow)]
struct BriefRow {
    participant_id: String,
    first_name: String,
    last_name: String,
    episode_type: String,
    stage: String,
    outcome: Option<String>,
    opened_on: String,
    end_code: Option<String>,
}

impl Store {
    /// One episode, briefly. `NotFound` for another provider's.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, episode_id = %episode_id))]
    pub async fn episode_brief(&self, scope: Scope, episode_id: EpisodeId) -> Result<EpisodeBrief> {
        let r = sqlx::query_as::<_, BriefRow>(
            "SELECT e.participant_id, p.first_name, p.last_name, e.episode_type, e.stage, e.outcome, e.opened_on, e.end_code \
             FROM episodes e JOIN participants p ON p.id = e.participant_id AND p.provider_id = e.provider_id \
             WHERE e.id = $1 AND e.provider_id = $2",
        )
        .bind(sql::id(episode_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(EpisodeBrief {
            id: episode_id,
            participant_id: sql::parse_id(&r.participant_id)?,
            participant_name: format!("{} {}", r.first_name, r.last_name),
            episode_type: sql::parse_enum(&r.episode_type)?,
            stage: sql::parse_enum(&r.stage)?,
            outcome: r.outcome.as_deref().map(sql::parse_enum).transpose()?,
            opened_on: sql::parse_date(&r.opened_on)?,
            end_code: r.end_code.as_deref().map(sql::parse_enum).transpose()?,
        })
    }
}
