//! A participant's screening status (issue 12, items 4 and 5): ceasing and reinstating,
//! deferring, "under treatment", very high risk and MRI referrals.
//!
//! The current status is one row in `participant_screening_status`; every change is also
//! an append-only row in `participant_status_history`, audited, in the change's
//! transaction. The rules are `domain::ceasing`; every booking is checked against them by
//! `shared::screening_status::check_booking`, called by `create_appointment`.
//!
//! Ceasing closes her open episode through the one closing path
//! (`shared::episode::close`, end code "Ceased from routine screening") unless an
//! appointment is still to happen (refused: cancel it first) or a recall or assessment of
//! that episode is still open (the episode stays open so that it can be finished;
//! `may_offer` lets those bookings through). "Under treatment" is set by this module's
//! subscriber to `EpisodeClosed` "Referred for treatment" (in that transaction: see
//! [`SUBSCRIBERS`]).

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Delivery, Handled, Subscriber, Tx};
use crate::shared::appointment::PENDING;
use crate::shared::episode::{self, Closing};
use crate::shared::follow_up::{Move, NewFollowUpRow, insert_follow_up, move_in};
use crate::shared::screening_status::{COLUMNS, StatusRow, load};
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_ts};
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::EpisodeStage;
use domain::ceasing::{
    Cease, CeaseReason, DeferAnswers, ScreeningStatus, Standing, StatusChange, VhrAnswers,
    check_mri_referral, check_reinstate, check_remove_vhr,
};
use domain::end_code::EndCode;
use domain::events::{DomainEvent, ParticipantCeased, ParticipantReinstated, kind};
use domain::follow_up::{FollowUpKind, FollowUpState};
use domain::ids::ParticipantId;
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

/// Ceased from screening, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CeasedStatus {
    pub reason: CeaseReason,
    pub reason_label: String,
    #[schema(value_type = String, format = Date)]
    pub on: Date,
}

/// A deferral still running.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeferredStatus {
    pub reason: domain::ceasing::DeferralReason,
    pub reason_label: String,
    /// Not invited before this day.
    #[schema(value_type = String, format = Date)]
    pub until: Date,
}

/// The very high risk flag: screened every year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VeryHighRiskStatus {
    pub basis: domain::ceasing::VhrBasis,
    pub basis_label: String,
    #[schema(value_type = String, format = Date)]
    pub confirmed_on: Date,
}

/// One change in a participant's status history, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusHistoryEntry {
    pub change: StatusChange,
    pub change_label: String,
    /// The reason's label, or the reason given in words.
    pub reason: String,
    pub details: String,
    /// The day the change is about (ceased on, deferred until, confirmed on, the signed
    /// form received on).
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_on: Option<Date>,
    pub changed_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
}

/// One row of a participant's status history, as stored.
#[derive(FromRow)]
struct HistoryRow {
    change: String,
    reason: String,
    details: String,
    effective_on: Option<String>,
    changed_by_name: String,
    changed_at: String,
}

impl TryFrom<HistoryRow> for StatusHistoryEntry {
    type Error = StoreError;
    fn try_from(r: HistoryRow) -> Result<Self> {
        let change: StatusChange = parse_enum(&r.change)?;
        Ok(StatusHistoryEntry {
            change,
            change_label: change.label().to_owned(),
            reason: reason_label(change, &r.reason),
            details: r.details,
            effective_on: r.effective_on.as_deref().map(parse_date).transpose()?,
            changed_by_name: r.changed_by_name,
            changed_at: parse_ts(&r.changed_at)?,
        })
    }
}

/// A participant's screening status today, with its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningStatusRecord {
    pub participant_id: ParticipantId,
    /// "Routine", "Ceased", "Deferred" or "Under treatment".
    pub summary: String,
    pub ceased: Option<CeasedStatus>,
    #[schema(value_type = Option<String>, format = Date)]
    pub under_treatment_since: Option<Date>,
    pub deferred: Option<DeferredStatus>,
    pub very_high_risk: Option<VeryHighRiskStatus>,
    pub history: Vec<StatusHistoryEntry>,
    /// The rules as stored, for the adapters' own use.
    #[serde(skip)]
    pub status: ScreeningStatus,
}

/// One history row to write.
struct Entry<'a> {
    change: StatusChange,
    reason: &'a str,
    details: &'a str,
    effective_on: Option<Date>,
}

fn today() -> Date {
    crate::shared::appointment::clinic_now().date()
}

/// Refuses (not found) a participant that is not this provider's.
async fn participant_exists(
    tx: &mut Tx,
    scope: Scope,
    participant_id: ParticipantId,
) -> Result<()> {
    sqlx::query("SELECT 1 AS one FROM participants WHERE id = $1 AND provider_id = $2")
        .bind(sql::id(participant_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound)
}

/// Writes the status row (insert or replace) and one history row, in `tx`.
async fn save(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    participant_id: ParticipantId,
    status: &ScreeningStatus,
    entry: Entry<'_>,
) -> Result<()> {
    let (standing, cease_reason, since) = match status.standing {
        Standing::Active => ("active", None, None),
        Standing::Ceased { reason, on } => ("ceased", Some(reason.as_str()), Some(on)),
        Standing::UnderTreatment { since } => ("under_treatment", None, Some(since)),
    };
    let p = sql::id(scope.provider_id);
    let pid = sql::id(participant_id);
    let now = sql::ts(sql::now());
    sqlx::query(
        "DELETE FROM participant_screening_status WHERE participant_id = $1 AND provider_id = $2",
    )
    .bind(&pid)
    .bind(&p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO participant_screening_status (participant_id, provider_id, standing, cease_reason, standing_since, \
         deferral_reason, deferred_until, vhr_basis, vhr_confirmed_on, changed_by_name, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&pid)
    .bind(&p)
    .bind(standing)
    .bind(cease_reason)
    .bind(since.map(sql::date))
    .bind(status.deferral.map(|d| d.reason.as_str()))
    .bind(status.deferral.map(|d| sql::date(d.until)))
    .bind(status.very_high_risk.map(|v| v.basis.as_str()))
    .bind(status.very_high_risk.map(|v| sql::date(v.confirmed_on)))
    .bind(&actor.name)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO participant_status_history (id, provider_id, participant_id, change, reason, details, effective_on, \
         changed_by, changed_by_name, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(sql::id(new_id()))
    .bind(&p)
    .bind(&pid)
    .bind(entry.change.as_str())
    .bind(entry.reason)
    .bind(entry.details)
    .bind(entry.effective_on.map(sql::date))
    .bind(actor.user_id.map(sql::id))
    .bind(&actor.name)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "participant_screening_status",
        participant_id,
        Some(participant_id),
        &serde_json::json!({
            "change": entry.change.as_str(),
            "reason": entry.reason,
            "details": entry.details,
            "effective_on": entry.effective_on.map(sql::date),
        }),
    )
    .await
}

/// The label of a stored reason value, or the text itself (a reason given in words).
fn reason_label(change: StatusChange, reason: &str) -> String {
    let label = match change {
        StatusChange::Ceased => reason.parse::<CeaseReason>().ok().map(|r| r.label()),
        StatusChange::Deferred => reason
            .parse::<domain::ceasing::DeferralReason>()
            .ok()
            .map(|r| r.label()),
        StatusChange::VhrSet => reason
            .parse::<domain::ceasing::VhrBasis>()
            .ok()
            .map(|r| r.label()),
        _ => None,
    };
    label.map_or_else(|| reason.to_owned(), str::to_owned)
}

/// The open episode ceasing would close.
struct OpenEpisode {
    id: domain::ids::EpisodeId,
    /// Open or booked recall and assessment requests of the episode.
    clinical_follow_ups: Vec<(domain::ids::FollowUpId, FollowUpState)>,
}

/// The first day of an appointment of hers still to happen (booked or running), if any.
async fn appointment_pending(
    tx: &mut Tx,
    scope: Scope,
    participant_id: ParticipantId,
) -> Result<Option<Date>> {
    let query = format!(
        "SELECT MIN(c.clinic_date) AS day FROM appointments a \
         JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
         WHERE a.provider_id = $1 AND a.participant_id = $2 \
         AND a.status IN ({})",
        sql::placeholders(3, &PENDING)
    );
    let mut q = sqlx::query_scalar::<_, Option<String>>(&query)
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(participant_id));
    for s in PENDING {
        q = q.bind(s.as_str());
    }
    q.fetch_one(&mut **tx)
        .await?
        .map(|d| parse_date(&d))
        .transpose()
}

async fn open_episode(
    tx: &mut Tx,
    scope: Scope,
    participant_id: ParticipantId,
) -> Result<Option<OpenEpisode>> {
    let p = sql::id(scope.provider_id);
    let Some(id) = sqlx::query_scalar::<_, String>(
        "SELECT id FROM episodes WHERE provider_id = $1 AND participant_id = $2 AND stage <> $3 \
         ORDER BY opened_on DESC LIMIT 1",
    )
    .bind(&p)
    .bind(sql::id(participant_id))
    .bind(EpisodeStage::Closed.as_str())
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let id = parse_id(&id)?;
    let rows = sqlx::query_as::<_, (String, String)>(
        "SELECT id, status FROM follow_up_requests WHERE provider_id = $1 AND episode_id = $2 \
         AND status IN ($3, $4) AND kind IN ($5, $6, $7)",
    )
    .bind(&p)
    .bind(sql::id(id))
    .bind(FollowUpState::Open.as_str())
    .bind(FollowUpState::Booked.as_str())
    .bind(FollowUpKind::MoreImages.as_str())
    .bind(FollowUpKind::TechnicalRecall.as_str())
    .bind(FollowUpKind::AssessmentReferral.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let clinical_follow_ups = rows
        .iter()
        .map(|(id, status)| Ok((parse_id(id)?, parse_enum(status)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(OpenEpisode {
        id,
        clinical_follow_ups,
    }))
}

/// Closes the open episode on ceasing, unless a recall or assessment is still to be
/// finished (and she is not deceased: then those requests are cancelled and the episode
/// closed). Returns the episode closed.
async fn close_on_ceasing(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    participant_id: ParticipantId,
    reason: CeaseReason,
) -> Result<Option<domain::ids::EpisodeId>> {
    if let Some(day) = appointment_pending(tx, scope, participant_id).await? {
        return Err(StoreError::NotAllowed(format!(
            "She has an appointment booked on {}: cancel the appointment first",
            domain::ceasing::long_date(day)
        )));
    }
    let Some(open) = open_episode(tx, scope, participant_id).await? else {
        return Ok(None);
    };
    let deceased = reason == CeaseReason::Deceased;
    if !open.clinical_follow_ups.is_empty() && !deceased {
        return Ok(None);
    }
    for (id, from) in open.clinical_follow_ups {
        let m = Move {
            id,
            participant_id,
            from,
            to: FollowUpState::Cancelled,
        };
        move_in(tx, scope, actor, m, "Participant deceased").await?;
    }
    let why = format!("Ceased from screening: {}", reason.label());
    episode::close(
        tx,
        scope,
        actor,
        Closing {
            episode_id: open.id,
            end_code: EndCode::Ceased,
            outcome: None,
            reason: &why,
            closed_on: today(),
            correction: false,
        },
    )
    .await?;
    Ok(Some(open.id))
}

impl Store {
    /// A participant's screening status today, with its history (oldest first).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn screening_status(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
    ) -> Result<ScreeningStatusRecord> {
        let p = sql::id(scope.provider_id);
        let pid = sql::id(participant_id);
        sqlx::query("SELECT 1 AS one FROM participants WHERE id = $1 AND provider_id = $2")
            .bind(&pid)
            .bind(&p)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let row = sqlx::query_as::<_, StatusRow>(&format!(
            "SELECT {COLUMNS} FROM participant_screening_status WHERE participant_id = $1 AND provider_id = $2"
        ))
        .bind(&pid)
        .bind(&p)
        .fetch_optional(self.pool())
        .await?;
        let status = match row {
            Some(r) => r.try_into()?,
            None => ScreeningStatus::default(),
        };
        let history = sqlx::query_as::<_, HistoryRow>(
            "SELECT change, reason, details, effective_on, changed_by_name, changed_at FROM participant_status_history \
             WHERE provider_id = $1 AND participant_id = $2 ORDER BY changed_at, id",
        )
        .bind(&p)
        .bind(&pid)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<_>>>()?;
        Ok(record(participant_id, status, history))
    }

    /// "Cease from routine screening": closes her open episode (end code "Ceased from
    /// routine screening") and records `ParticipantCeased`. Refused while an appointment of
    /// hers is booked or running.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn cease_participant(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        answers: &Cease,
    ) -> Result<()> {
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            participant_exists(tx, scope, participant_id).await?;
            let mut status = load(&mut **tx, scope, participant_id).await?;
            let today = today();
            answers.check(&status, today).map_err(StoreError::Invalid)?;
            let Some(reason) = answers.reason else {
                return Err(StoreError::invalid(
                    "reason",
                    "Select why she is being ceased from screening",
                ));
            };
            let closed_episode_id =
                close_on_ceasing(tx, scope, actor, participant_id, reason).await?;
            status.standing = Standing::Ceased { reason, on: today };
            status.deferral = None;
            let details = [answers.decided_by.trim(), answers.details.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(". ");
            let entry = Entry {
                change: StatusChange::Ceased,
                reason: reason.as_str(),
                details: &details,
                effective_on: answers.signed_form_received_on.or(Some(today)),
            };
            save(tx, scope, actor, participant_id, &status, entry).await?;
            outbox::record(
                tx,
                scope,
                actor,
                DomainEvent::ParticipantCeased(ParticipantCeased {
                    provider_id: scope.provider_id,
                    participant_id,
                    reason,
                    ceased_on: today,
                    closed_episode_id,
                }),
            )
            .await?;
            write.commit().await?;
            Ok(())
        })
        .await
    }

    /// "Reinstate": lifts a ceasing, "under treatment" or a running deferral, with a
    /// reason (for example "Opt back in"); records `ParticipantReinstated` (a deferral
    /// ended early is a "Deferral ended" entry).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn reinstate_participant(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        reason: &str,
    ) -> Result<()> {
        let reason = reason.trim();
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            participant_exists(tx, scope, participant_id).await?;
            let mut status = load(&mut **tx, scope, participant_id).await?;
            let today = today();
            check_reinstate(&status, reason, today).map_err(StoreError::Invalid)?;
            let change = if status.standing == Standing::Active {
                StatusChange::DeferralEnded
            } else {
                StatusChange::Reinstated
            };
            status.standing = Standing::Active;
            status.deferral = None;
            let entry = Entry {
                change,
                reason,
                details: "",
                effective_on: Some(today),
            };
            save(tx, scope, actor, participant_id, &status, entry).await?;
            if change == StatusChange::Reinstated {
                outbox::record(
                    tx,
                    scope,
                    actor,
                    DomainEvent::ParticipantReinstated(ParticipantReinstated {
                        provider_id: scope.provider_id,
                        participant_id,
                        reason: reason.to_owned(),
                        reinstated_on: today,
                    }),
                )
                .await?;
            }
            write.commit().await?;
            Ok(())
        })
        .await
    }

    /// "Defer": no routine or very high risk booking before the day given.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn defer_participant(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        answers: &DeferAnswers,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        participant_exists(tx, scope, participant_id).await?;
        let mut status = load(&mut **tx, scope, participant_id).await?;
        let deferral = answers
            .check(&status, today())
            .map_err(StoreError::Invalid)?;
        status.deferral = Some(deferral);
        let entry = Entry {
            change: StatusChange::Deferred,
            reason: deferral.reason.as_str(),
            details: answers.details.trim(),
            effective_on: Some(deferral.until),
        };
        save(tx, scope, actor, participant_id, &status, entry).await?;
        write.commit().await?;
        Ok(())
    }

    /// "Mark as very high risk": later bookings must be of type very high risk (annual).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn set_very_high_risk(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        answers: &VhrAnswers,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        participant_exists(tx, scope, participant_id).await?;
        let mut status = load(&mut **tx, scope, participant_id).await?;
        let vhr = answers.check(today()).map_err(StoreError::Invalid)?;
        status.very_high_risk = Some(vhr);
        let entry = Entry {
            change: StatusChange::VhrSet,
            reason: vhr.basis.as_str(),
            details: answers.details.trim(),
            effective_on: Some(vhr.confirmed_on),
        };
        save(tx, scope, actor, participant_id, &status, entry).await?;
        write.commit().await?;
        Ok(())
    }

    /// "Remove very high risk", with a reason.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn remove_very_high_risk(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        reason: &str,
    ) -> Result<()> {
        let reason = reason.trim();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        participant_exists(tx, scope, participant_id).await?;
        let mut status = load(&mut **tx, scope, participant_id).await?;
        check_remove_vhr(&status, reason).map_err(StoreError::Invalid)?;
        status.very_high_risk = None;
        let entry = Entry {
            change: StatusChange::VhrRemoved,
            reason,
            details: "",
            effective_on: Some(today()),
        };
        save(tx, scope, actor, participant_id, &status, entry).await?;
        write.commit().await?;
        Ok(())
    }

    /// "Record MRI referral": an open follow-up request of kind `mri_referral` for the
    /// office, on her latest episode and its latest appointment (a request belongs to
    /// both). Refused (field `details`) unless she is very high risk, still invited, and
    /// has been booked at least once.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn record_mri_referral(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        details: &str,
    ) -> Result<()> {
        let details = details.trim();
        self.delivering(async {
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            participant_exists(tx, scope, participant_id).await?;
            let status = load(&mut **tx, scope, participant_id).await?;
            check_mri_referral(&status, details).map_err(StoreError::Invalid)?;
            let (appointment_id, episode_id) = sqlx::query_as::<_, (String, String)>(
                "SELECT a.id AS appointment_id, a.episode_id FROM appointments a \
             JOIN episodes e ON e.id = a.episode_id AND e.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.participant_id = $2 \
             ORDER BY e.opened_on DESC, a.created_at DESC LIMIT 1",
            )
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(participant_id))
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                StoreError::invalid(
                    "details",
                    "She has no screening episode yet: book her very high risk appointment first",
                )
            })?;
            let row = NewFollowUpRow {
                participant_id,
                episode_id: parse_id(&episode_id)?,
                appointment_id: parse_id(&appointment_id)?,
                kind: FollowUpKind::MriReferral.as_str(),
                timescale: "",
                note: details,
                details,
                reading_case_id: None,
                views: &[],
            };
            insert_follow_up(tx, scope, actor, row).await?;
            write.commit().await?;
            Ok(())
        })
        .await
    }
}

fn record(
    participant_id: ParticipantId,
    status: ScreeningStatus,
    history: Vec<StatusHistoryEntry>,
) -> ScreeningStatusRecord {
    let today = today();
    ScreeningStatusRecord {
        participant_id,
        summary: status.label(today).to_owned(),
        ceased: match status.standing {
            Standing::Ceased { reason, on } => Some(CeasedStatus {
                reason,
                reason_label: reason.label().to_owned(),
                on,
            }),
            _ => None,
        },
        under_treatment_since: match status.standing {
            Standing::UnderTreatment { since } => Some(since),
            _ => None,
        },
        deferred: status.deferred_on(today).map(|d| DeferredStatus {
            reason: d.reason,
            reason_label: d.reason.label().to_owned(),
            until: d.until,
        }),
        very_high_risk: status.very_high_risk.map(|v| VeryHighRiskStatus {
            basis: v.basis,
            basis_label: v.basis.label().to_owned(),
            confirmed_on: v.confirmed_on,
        }),
        history,
        status,
    }
}

/// How a participant's screening status reacts to other features' events.
pub(crate) const SUBSCRIBERS: &[Subscriber] = &[
    // An episode closed "Referred for treatment" stops her invitations at once: in the
    // closing's transaction, so that no booking can slip in between the result and the
    // status, and a failure can never leave her invitable without anyone seeing it (an
    // after-commit delivery could lag or die). One status row and one history row: cheap.
    Subscriber {
        name: "screening_status.under_treatment",
        kinds: &[kind::EPISODE_CLOSED],
        delivery: Delivery::InTransaction,
        handle: mark_under_treatment,
    },
];

/// Marks her "Under treatment" when an episode closes (or is corrected to) "Referred for
/// treatment". Idempotent: nothing changes when she is already under treatment or ceased
/// (ceasing's own closure comes through here too, as "Ceased").
fn mark_under_treatment<'a>(
    tx: &'a mut Tx,
    actor: &'a Actor,
    event: &'a DomainEvent,
) -> Handled<'a> {
    Box::pin(async move {
        let DomainEvent::EpisodeClosed(e) = event else {
            return Ok(());
        };
        // Ceasing records its own status; every other end code that stops invitations
        // (today: "Referred for treatment") means she is in the hospital's care.
        if !e.end_code.stops_routine_invitations() || e.end_code == EndCode::Ceased {
            return Ok(());
        }
        let scope = Scope {
            provider_id: e.provider_id,
        };
        let mut status = load(&mut **tx, scope, e.participant_id).await?;
        if status.standing != Standing::Active {
            return Ok(());
        }
        status.standing = Standing::UnderTreatment { since: e.closed_on };
        status.deferral = None;
        let entry = Entry {
            change: StatusChange::UnderTreatment,
            reason: e.end_code.label(),
            details: &e.reason,
            effective_on: Some(e.closed_on),
        };
        save(tx, scope, actor, e.participant_id, &status, entry).await
    })
}
