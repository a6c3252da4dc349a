//! The dates the store derives from its records, by the rules in `domain::dates`
//! (ADR 0014): the screening date of an appointment. An episode's next test due is set when it
//! closes (`shared::episode`).

use crate::sql::{self, parse_date, parse_ts};
use crate::{Result, Scope};
use domain::dates::ImagesTaken;
use domain::ids::AppointmentId;
use time::Date;

/// The day the images of `appointment_id` were taken, in England
/// ([`domain::dates::screening_date`]): the earliest acquisition time (or, without one, the
/// earliest receipt) of the gateway images attached to it, else the time its images step
/// was recorded; the clinic's date only when nothing at all is known about its images.
pub(crate) async fn screening_date(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    appointment_id: AppointmentId,
) -> Result<Date> {
    // One round trip inside the completion's transaction (it runs twice per screen).
    let (clinic_date, acquired_at, received_at, recorded_at) = sqlx::query_as::<
        _,
        (String, Option<String>, Option<String>, Option<String>),
    >(
        "SELECT c.clinic_date, \
         (SELECT MIN(g.acquired_at) FROM gateway_images g WHERE g.provider_id = a.provider_id AND g.appointment_id = a.id) AS acquired_at, \
         (SELECT MIN(g.received_at) FROM gateway_images g WHERE g.provider_id = a.provider_id AND g.appointment_id = a.id) AS received_at, \
         (SELECT s.updated_at FROM appointment_sections s WHERE s.provider_id = a.provider_id AND s.appointment_id = a.id \
          AND s.section = $3) AS recorded_at \
         FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.id = $1 AND a.provider_id = $2",
    )
    .bind(sql::id(appointment_id))
    .bind(sql::id(scope.provider_id))
    .bind(domain::workflow::SectionKind::Images.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let ts = |s: Option<String>| {
        s.filter(|s| !s.is_empty())
            .as_deref()
            .map(parse_ts)
            .transpose()
    };
    let taken = ImagesTaken {
        acquired_at: ts(acquired_at)?,
        received_at: ts(received_at)?,
        recorded_at: ts(recorded_at)?,
    };
    let clinic_date = parse_date(&clinic_date)?;
    Ok(domain::dates::screening_date(taken, clinic_date))
}
