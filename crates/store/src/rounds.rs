//! Screening rounds: one open episode per participant when booking, and the participant's
//! screens on the service's record for the six-month rule.

use crate::sql::{self, parse_date, parse_enum, parse_id};
use crate::{Backend, Result, Scope, Store, StoreError};
use domain::AppointmentStatus;
use domain::episode::{EpisodeStage, EpisodeType};
use domain::ids::ParticipantId;
use domain::medical::RecordedScreen;
use domain::round::{BookInto, OpenEpisode, book_into};

/// The episode a new appointment for `participant_id` goes into: `None` to open a new one,
/// or the open episode of this round ([`domain::round::book_into`]). Refuses (on
/// `participant_id`) a booking that would give the participant a second open episode, or a
/// second appointment still to happen. On PostgreSQL the
/// participant row stays locked until commit, so two bookings at once queue up.
pub(crate) async fn episode_for_booking(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    scope: Scope,
    participant_id: ParticipantId,
    episode_type: EpisodeType,
) -> Result<Option<domain::ids::EpisodeId>> {
    let p = sql::id(scope.provider_id);
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    sqlx::query(&format!(
        "SELECT id FROM participants WHERE id = $1 AND provider_id = $2{lock}"
    ))
    .bind(sql::id(participant_id))
    .bind(&p)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::invalid("participant_id", "No such participant"))?;
    let rows = sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT id, episode_type, stage, opened_on FROM episodes \
         WHERE provider_id = $1 AND participant_id = $2 AND closed_on IS NULL AND stage <> $3 \
         ORDER BY opened_on, id",
    )
    .bind(&p)
    .bind(sql::id(participant_id))
    .bind(EpisodeStage::Closed.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let mut open = Vec::with_capacity(rows.len());
    for (id, episode_type, stage, opened_on) in rows {
        let statuses = sqlx::query_scalar::<_, String>(
            "SELECT status FROM appointments WHERE provider_id = $1 AND episode_id = $2",
        )
        .bind(&p)
        .bind(&id)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|status| parse_enum::<AppointmentStatus>(&status))
        .collect::<Result<Vec<_>>>()?;
        open.push(OpenEpisode {
            id: parse_id(&id)?,
            episode_type: parse_enum(&episode_type)?,
            stage: parse_enum::<EpisodeStage>(&stage)?,
            opened_on: parse_date(&opened_on)?,
            appointments: statuses,
        });
    }
    match book_into(&open, episode_type, domain::dates::london_date(sql::now())) {
        Ok(BookInto::NewEpisode) => Ok(None),
        Ok(BookInto::OpenEpisode(id)) => Ok(Some(id)),
        Err(message) => Err(StoreError::invalid("participant_id", message)),
    }
}

impl Store {
    /// The participant's screens on the service's record, at this provider and any other
    /// (matched by NHS number; participants are kept per provider), other than the one of
    /// `except_appointment` and the others of its episode (a technical recall or a recall
    /// for more images is asked for within the round, so the six-month rule does not
    /// stand in its way): only the day the images were taken and the provider's name,
    /// nothing else of another provider's record. For the six-month rule.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id, except_appointment = %except_appointment))]
    pub async fn recorded_screens(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
        except_appointment: domain::ids::AppointmentId,
    ) -> Result<Vec<RecordedScreen>> {
        // Deliberately across providers: the NHS number comes from this provider's record,
        // and only the date and the provider's name come back.
        let rows = sqlx::query_as::<_, (String, String, String)>(
            "SELECT r.screened_on, r.provider_id, pr.name AS provider_name FROM participants me \
             JOIN participants p ON p.nhs_number = me.nhs_number \
             JOIN reading_cases r ON r.participant_id = p.id AND r.provider_id = p.provider_id \
             JOIN providers pr ON pr.id = r.provider_id \
             WHERE me.id = $1 AND me.provider_id = $2 AND r.appointment_id <> $3 \
             AND NOT (r.provider_id = $2 AND r.episode_id = COALESCE( \
               (SELECT a.episode_id FROM appointments a WHERE a.id = $3 AND a.provider_id = $2), '')) \
             ORDER BY r.screened_on DESC",
        )
        .bind(sql::id(participant_id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(except_appointment))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(screened_on, provider_id, provider_name)| {
                Ok(RecordedScreen {
                    screened_on: parse_date(&screened_on)?,
                    this_provider: parse_id::<domain::ids::ProviderId>(&provider_id)?
                        == scope.provider_id,
                    provider_name,
                })
            })
            .collect()
    }
}
