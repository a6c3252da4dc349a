//! A participant's screening status as other features need it: read in their transaction,
//! and the booking check (`domain::ceasing::may_offer`) that `create_appointment` makes
//! before it places an appointment. The status itself is changed only by the
//! `screening_status` feature module.

use crate::outbox::Tx;
use crate::sql::{self, parse_date, parse_enum};
use crate::{Result, Scope, StoreError};
use domain::EpisodeType;
use domain::ceasing::{Deferral, ScreeningStatus, Standing, VeryHighRisk, may_offer};
use domain::ids::ParticipantId;
use sqlx::FromRow;

/// The status row's columns, for the readers of `participant_screening_status`.
pub(crate) const COLUMNS: &str = "standing, cease_reason, standing_since, deferral_reason, deferred_until, vhr_basis, vhr_confirmed_on";

/// A status row ([`COLUMNS`]), as stored.
#[derive(FromRow)]
pub(crate) struct StatusRow {
    standing: String,
    cease_reason: Option<String>,
    standing_since: Option<String>,
    deferral_reason: Option<String>,
    deferred_until: Option<String>,
    vhr_basis: Option<String>,
    vhr_confirmed_on: Option<String>,
}

/// Reads a participant's status (the default, invited as her episode type says, when
/// nothing was ever recorded).
pub(crate) async fn load<'e, E>(
    executor: E,
    scope: Scope,
    participant_id: ParticipantId,
) -> Result<ScreeningStatus>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query_as::<_, StatusRow>(&format!(
        "SELECT {COLUMNS} FROM participant_screening_status WHERE participant_id = $1 AND provider_id = $2"
    ))
    .bind(sql::id(participant_id))
    .bind(sql::id(scope.provider_id))
    .fetch_optional(executor)
    .await?;
    match row {
        None => Ok(ScreeningStatus::default()),
        Some(r) => r.try_into(),
    }
}

impl TryFrom<StatusRow> for ScreeningStatus {
    type Error = StoreError;
    fn try_from(r: StatusRow) -> Result<Self> {
        from_row(r)
    }
}

/// A status from a row of [`COLUMNS`].
fn from_row(r: StatusRow) -> Result<ScreeningStatus> {
    let date = |d: Option<String>| -> Result<Option<time::Date>> {
        d.as_deref().map(parse_date).transpose()
    };
    let since = date(r.standing_since)?;
    let standing = match (r.standing.as_str(), since) {
        ("active", _) => Standing::Active,
        ("ceased", Some(on)) => Standing::Ceased {
            reason: parse_enum(&r.cease_reason.unwrap_or_default())?,
            on,
        },
        ("under_treatment", Some(since)) => Standing::UnderTreatment { since },
        (other, _) => {
            return Err(StoreError::Corrupt(format!(
                "screening status standing {other:?} without its day"
            )));
        }
    };
    let deferral = match (r.deferral_reason, date(r.deferred_until)?) {
        (Some(reason), Some(until)) => Some(Deferral {
            reason: parse_enum(&reason)?,
            until,
        }),
        _ => None,
    };
    let very_high_risk = match (r.vhr_basis, date(r.vhr_confirmed_on)?) {
        (Some(basis), Some(confirmed_on)) => Some(VeryHighRisk {
            basis: parse_enum(&basis)?,
            confirmed_on,
        }),
        _ => None,
    };
    Ok(ScreeningStatus {
        standing,
        deferral,
        very_high_risk,
    })
}

/// The booking check, in the booking's transaction: refuses (field `participant_id`, with
/// the reason) a booking her status does not allow today. Nothing is changed.
pub(crate) async fn check_booking(
    tx: &mut Tx,
    scope: Scope,
    participant_id: ParticipantId,
    episode_type: EpisodeType,
    answering_follow_up: bool,
) -> Result<()> {
    let status = load(&mut **tx, scope, participant_id).await?;
    let today = crate::shared::appointment::clinic_now().date();
    may_offer(&status, episode_type, answering_follow_up, today)
        .map_err(|message| StoreError::invalid("participant_id", message))
}
