//! The dates the store derives from its records, by the rules in `domain::dates`
//! (ADR 0014): the screening date of an appointment, and the next test due of an episode.

use crate::sql::{self, parse_date, parse_ts};
use crate::{Result, Scope};
use domain::dates::ImagesTaken;
use domain::episode::EpisodeType;
use sqlx::Row;
use time::Date;
use uuid::Uuid;

/// The day the images of `appointment_id` were taken, in England
/// ([`domain::dates::screening_date`]): the earliest acquisition time (or, without one, the
/// earliest receipt) of the gateway images attached to it, else the time its images step
/// was recorded; the clinic's date only when nothing at all is known about its images.
pub(crate) async fn screening_date(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    appointment_id: Uuid,
) -> Result<Date> {
    // One round trip inside the completion's transaction (it runs twice per screen).
    let row = sqlx::query(
        "SELECT c.clinic_date, \
         (SELECT MIN(g.acquired_at) FROM gateway_images g WHERE g.provider_id = a.provider_id AND g.appointment_id = a.id) AS acquired_at, \
         (SELECT MIN(g.received_at) FROM gateway_images g WHERE g.provider_id = a.provider_id AND g.appointment_id = a.id) AS received_at, \
         (SELECT s.updated_at FROM appointment_sections s WHERE s.provider_id = a.provider_id AND s.appointment_id = a.id \
          AND s.section = 'images') AS recorded_at \
         FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .fetch_one(&mut **tx)
    .await?;
    let ts = |s: Option<String>| {
        s.filter(|s| !s.is_empty())
            .as_deref()
            .map(parse_ts)
            .transpose()
    };
    let taken = ImagesTaken {
        acquired_at: ts(row.try_get("acquired_at")?)?,
        received_at: ts(row.try_get("received_at")?)?,
        recorded_at: ts(row.try_get("recorded_at")?)?,
    };
    let clinic_date = parse_date(&row.try_get::<String, _>("clinic_date")?)?;
    Ok(domain::dates::screening_date(taken, clinic_date))
}

/// When the participant of `episode_id` is next due for a test after a normal result, by
/// the national rule ([`domain::dates::next_test_due`]): from the first appointment
/// offered in the episode (its earliest clinic date, whatever became of it), and none for
/// routine screening on or past the 71st birthday. `fallback` (the screening date) is used
/// only for an episode without an appointment, which completion never leaves.
pub(crate) async fn next_test_due(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    episode_id: Uuid,
    episode_type: EpisodeType,
    fallback: Date,
) -> Result<Option<Date>> {
    let p = sql::id(scope.provider_id);
    let row = sqlx::query(
        "SELECT p.date_of_birth, \
         (SELECT MIN(c.clinic_date) FROM appointments a \
          JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
          WHERE a.episode_id = e.id AND a.provider_id = e.provider_id) AS first_offered \
         FROM episodes e JOIN participants p ON p.id = e.participant_id AND p.provider_id = e.provider_id \
         WHERE e.id = $1 AND e.provider_id = $2",
    )
    .bind(sql::id(episode_id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let date_of_birth = parse_date(&row.try_get::<String, _>("date_of_birth")?)?;
    let first_offered = match row.try_get::<Option<String>, _>("first_offered")? {
        Some(d) => parse_date(&d)?,
        None => fallback,
    };
    Ok(domain::dates::next_test_due(
        first_offered,
        episode_type,
        date_of_birth,
    ))
}
