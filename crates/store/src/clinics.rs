//! Clinics, their slots, and the day list of appointments.

use crate::audit::AuditAction;
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::ids::{AppointmentId, ClinicId, ParticipantId};
use domain::{
    AppointmentStatus, ClinicStatus, ClinicTab, ClinicType, LocationKind, RiskType, Session,
};
use serde::Serialize;
use sqlx::FromRow;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct NewClinic {
    pub location_id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub session: Session,
    pub clinic_type: ClinicType,
    pub risk_type: RiskType,
    /// "HH:MM", 24-hour.
    pub starts_at: String,
    pub slot_minutes: u16,
    pub slot_count: u16,
}

/// A free slot in an upcoming clinic, where a follow-up can be booked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookableSlot {
    pub clinic_id: ClinicId,
    #[schema(value_type = String, format = Date)]
    pub clinic_date: Date,
    pub session: domain::Session,
    pub location_name: String,
    pub slot_id: Uuid,
    /// "09:10".
    pub starts_at: String,
}

/// A clinic with its location and how many appointments it holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClinicSummary {
    pub id: ClinicId,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub session: Session,
    pub clinic_type: ClinicType,
    pub risk_type: RiskType,
    pub status: ClinicStatus,
    pub starts_at: String,
    pub ends_at: String,
    pub location_id: Uuid,
    pub location_name: String,
    pub location_kind: LocationKind,
    pub appointment_count: i64,
    pub checked_in_count: i64,
}

/// How many clinics each tab of the clinic list holds.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct TabCounts {
    pub today: i64,
    pub upcoming: i64,
    pub completed: i64,
    pub all: i64,
}

impl TabCounts {
    pub fn get(&self, tab: ClinicTab) -> i64 {
        match tab {
            ClinicTab::Today => self.today,
            ClinicTab::Upcoming => self.upcoming,
            ClinicTab::Completed => self.completed,
            ClinicTab::All => self.all,
        }
    }
}

/// One row of a clinic's day list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClinicAppointmentRow {
    pub id: AppointmentId,
    pub status: AppointmentStatus,
    pub starts_at: String,
    pub duration_minutes: i64,
    pub participant_id: ParticipantId,
    pub first_name: String,
    pub last_name: String,
    pub nhs_number: String,
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: Date,
    pub special_appointment: bool,
    /// Who is running the appointment, while it is in progress or paused.
    pub running_by: Option<String>,
}

/// The statuses of an appointment that no longer holds its slot.
const RELEASED: [AppointmentStatus; 2] = [
    AppointmentStatus::Cancelled,
    AppointmentStatus::RescheduleRequested,
];

/// SQL mirroring [`ClinicTab::includes`]; `$2` is today's date and `$3, $4` are
/// `ClinicStatus::FINISHED`, which every tab binds (All names them too, so that the binds
/// are the same for every tab). The store tests check the two agree on every clinic.
fn tab_condition(tab: ClinicTab) -> String {
    let ended = sql::placeholders(3, &ClinicStatus::FINISHED);
    match tab {
        ClinicTab::Today => format!("c.clinic_date = $2 AND c.status NOT IN ({ended})"),
        ClinicTab::Upcoming => format!("c.clinic_date > $2 AND c.status NOT IN ({ended})"),
        ClinicTab::Completed => format!("(c.clinic_date < $2 OR c.status IN ({ended}))"),
        ClinicTab::All => format!("($2 = $2 OR c.status IN ({ended}))"),
    }
}

/// The appointment statuses [`summary_select`] binds, in order from its first placeholder.
const SUMMARY_STATUSES: [AppointmentStatus; 3] =
    [AppointmentStatus::CheckedIn, RELEASED[0], RELEASED[1]];

/// The clinic summary query up to its `WHERE`, with [`SUMMARY_STATUSES`] bound from
/// placeholder `next`: the checked-in status, then [`RELEASED`].
fn summary_select(next: usize) -> String {
    let released = sql::placeholders(next + 1, &RELEASED);
    format!(
        "SELECT c.id, c.clinic_date, c.session, c.clinic_type, c.risk_type, c.status, \
         c.starts_at, c.ends_at, c.location_id, l.name AS location_name, l.kind AS location_kind, \
         COUNT(a.id) AS appointment_count, \
         COALESCE(SUM(CASE WHEN a.status = ${next} THEN 1 ELSE 0 END), 0) AS checked_in_count \
         FROM clinics c JOIN locations l ON l.id = c.location_id AND l.provider_id = c.provider_id \
         LEFT JOIN appointments a ON a.clinic_id = c.id AND a.provider_id = c.provider_id \
         AND a.status NOT IN ({released})"
    )
}

/// Who is running each appointment of a day list, while it is in progress or paused:
/// `$3, $4` are those two statuses and `$5` in progress again (bind [`RUNNING_BY_STATUSES`]).
const RUNNING_BY: &str = "(CASE WHEN a.status IN ($3, $4) THEN (SELECT h.changed_by_name FROM appointment_status_history h \
    WHERE h.appointment_id = a.id AND h.provider_id = a.provider_id AND h.status = $5 \
    ORDER BY h.changed_at DESC LIMIT 1) END) AS running_by";

/// The values of [`RUNNING_BY`]'s placeholders `$3, $4, $5`.
const RUNNING_BY_STATUSES: [AppointmentStatus; 3] = [
    AppointmentStatus::InProgress,
    AppointmentStatus::Paused,
    AppointmentStatus::InProgress,
];

const SUMMARY_GROUP: &str = "GROUP BY c.id, c.clinic_date, c.session, c.clinic_type, c.risk_type, \
    c.status, c.starts_at, c.ends_at, c.location_id, l.name, l.kind";

/// A clinic and its location, as stored.
#[derive(FromRow)]
struct ClinicRow {
    id: String,
    clinic_date: String,
    session: String,
    clinic_type: String,
    risk_type: String,
    status: String,
    starts_at: String,
    ends_at: String,
    location_id: String,
    location_name: String,
    location_kind: String,
}

impl ClinicRow {
    /// The summary, with the appointment counts given.
    fn summary(self, appointment_count: i64, checked_in_count: i64) -> Result<ClinicSummary> {
        Ok(ClinicSummary {
            id: parse_id(&self.id)?,
            date: parse_date(&self.clinic_date)?,
            session: parse_enum(&self.session)?,
            clinic_type: parse_enum(&self.clinic_type)?,
            risk_type: parse_enum(&self.risk_type)?,
            status: parse_enum(&self.status)?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location_id: parse_id(&self.location_id)?,
            location_name: self.location_name,
            location_kind: parse_enum(&self.location_kind)?,
            appointment_count,
            checked_in_count,
        })
    }
}

/// A clinic with its appointment counts (the [`summary_select`] columns), as stored.
#[derive(FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    clinic: ClinicRow,
    appointment_count: i64,
    checked_in_count: i64,
}

impl TryFrom<SummaryRow> for ClinicSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self> {
        r.clinic.summary(r.appointment_count, r.checked_in_count)
    }
}

/// One appointment row of a clinic's day list (columns `appointment_id`,
/// `appointment_status`, `slot_starts_at`, and the participant's), as stored.
#[derive(FromRow)]
struct DayListRow {
    appointment_id: String,
    appointment_status: String,
    slot_starts_at: String,
    duration_minutes: i64,
    participant_id: String,
    first_name: String,
    last_name: String,
    nhs_number: String,
    date_of_birth: String,
    support_reasons: String,
    running_by: Option<String>,
}

impl TryFrom<DayListRow> for ClinicAppointmentRow {
    type Error = StoreError;
    fn try_from(r: DayListRow) -> Result<Self> {
        let support: Vec<serde_json::Value> = parse_json(&r.support_reasons)?;
        Ok(ClinicAppointmentRow {
            id: parse_id(&r.appointment_id)?,
            status: parse_enum(&r.appointment_status)?,
            starts_at: r.slot_starts_at,
            duration_minutes: r.duration_minutes,
            participant_id: parse_id(&r.participant_id)?,
            first_name: r.first_name,
            last_name: r.last_name,
            nhs_number: r.nhs_number,
            date_of_birth: parse_date(&r.date_of_birth)?,
            special_appointment: !support.is_empty(),
            running_by: r.running_by,
        })
    }
}

/// Whether a row of the clinic page's query holds an appointment (a clinic without
/// appointments still has its one row, with none).
#[derive(FromRow)]
struct HasAppointment {
    appointment_id: Option<String>,
}

/// How many clinics each tab holds, as stored.
#[derive(FromRow)]
struct TabCountsRow {
    today: i64,
    upcoming: i64,
    completed: i64,
    all_count: i64,
}

/// A free slot in an upcoming clinic, as stored.
#[derive(FromRow)]
struct BookableSlotRow {
    clinic_id: String,
    clinic_date: String,
    session: String,
    location_name: String,
    slot_id: String,
    starts_at: String,
}

impl TryFrom<BookableSlotRow> for BookableSlot {
    type Error = StoreError;
    fn try_from(r: BookableSlotRow) -> Result<Self> {
        Ok(BookableSlot {
            clinic_id: parse_id(&r.clinic_id)?,
            clinic_date: parse_date(&r.clinic_date)?,
            session: parse_enum(&r.session)?,
            location_name: r.location_name,
            slot_id: parse_id(&r.slot_id)?,
            starts_at: r.starts_at,
        })
    }
}

/// A slot's id and start time, as stored.
#[derive(FromRow)]
struct SlotRow {
    id: String,
    starts_at: String,
}

/// Parses "HH:MM" into minutes after midnight.
fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && hhmm.len() == 5).then_some(h * 60 + m)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl Store {
    /// Creates a clinic with `slot_count` back-to-back slots.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_clinic(
        &self,
        scope: Scope,
        actor: &Actor,
        new: NewClinic,
    ) -> Result<ClinicSummary> {
        let start = minutes(&new.starts_at)
            .ok_or_else(|| StoreError::invalid("starts_at", "Enter a start time like 09:00"))?;
        if !(5..=60).contains(&new.slot_minutes) {
            return Err(StoreError::invalid(
                "slot_minutes",
                "Slots must be between 5 and 60 minutes",
            ));
        }
        let end = start + new.slot_minutes * new.slot_count;
        if end > 24 * 60 {
            return Err(StoreError::invalid(
                "slot_count",
                "The clinic must end before midnight",
            ));
        }
        let id: ClinicId = new_id().into();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        sqlx::query("SELECT id FROM locations WHERE id = $1 AND provider_id = $2")
            .bind(sql::id(new.location_id))
            .bind(sql::id(scope.provider_id))
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO clinics (id, provider_id, location_id, clinic_date, session, clinic_type, \
             risk_type, status, starts_at, ends_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(new.location_id))
        .bind(sql::date(new.date))
        .bind(new.session.as_str())
        .bind(new.clinic_type.as_str())
        .bind(new.risk_type.as_str())
        .bind(ClinicStatus::Scheduled.as_str())
        .bind(hhmm(start))
        .bind(hhmm(end))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        for i in 0..new.slot_count {
            sqlx::query(
                "INSERT INTO slots (id, provider_id, clinic_id, starts_at, duration_minutes) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(sql::id(new_id()))
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(id))
            .bind(hhmm(start + i * new.slot_minutes))
            .bind(i64::from(new.slot_minutes))
            .execute(&mut **tx)
            .await?;
        }
        let snapshot = serde_json::json!({
            "location_id": new.location_id, "date": sql::date(new.date), "session": new.session,
            "clinic_type": new.clinic_type, "risk_type": new.risk_type, "starts_at": hhmm(start),
            "ends_at": hhmm(end), "slot_minutes": new.slot_minutes, "slot_count": new.slot_count,
        });
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "clinic",
                id,
                None,
                &snapshot,
            ))
            .await?;
        self.clinic(scope, id).await
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn clinic(&self, scope: Scope, id: ClinicId) -> Result<ClinicSummary> {
        let query = format!(
            "{} WHERE c.id = $1 AND c.provider_id = $2 {SUMMARY_GROUP}",
            summary_select(3)
        );
        let mut q = sqlx::query_as::<_, SummaryRow>(&query)
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id));
        for s in SUMMARY_STATUSES {
            q = q.bind(s.as_str());
        }
        q.fetch_one(self.pool()).await?.try_into()
    }

    /// The clinics under one tab of the clinic list: today and upcoming soonest first,
    /// completed and all most recent first (at most 500).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn clinics(
        &self,
        scope: Scope,
        tab: ClinicTab,
        today: Date,
    ) -> Result<Vec<ClinicSummary>> {
        let order = match tab {
            ClinicTab::Today | ClinicTab::Upcoming => "c.clinic_date, c.starts_at",
            ClinicTab::Completed | ClinicTab::All => "c.clinic_date DESC, c.starts_at",
        };
        let query = format!(
            "{} WHERE c.provider_id = $1 AND {} {SUMMARY_GROUP} ORDER BY {order}, l.name LIMIT 500",
            summary_select(3 + ClinicStatus::FINISHED.len()),
            tab_condition(tab)
        );
        let mut q = sqlx::query_as::<_, SummaryRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(sql::date(today));
        for s in ClinicStatus::FINISHED {
            q = q.bind(s.as_str());
        }
        for s in SUMMARY_STATUSES {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn clinic_tab_counts(&self, scope: Scope, today: Date) -> Result<TabCounts> {
        let sum = |tab| {
            format!(
                "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                tab_condition(tab)
            )
        };
        let query = format!(
            "SELECT {} AS today, {} AS upcoming, {} AS completed, COUNT(*) AS all_count \
             FROM clinics c WHERE c.provider_id = $1",
            sum(ClinicTab::Today),
            sum(ClinicTab::Upcoming),
            sum(ClinicTab::Completed),
        );
        let mut q = sqlx::query_as::<_, TabCountsRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(sql::date(today));
        for s in ClinicStatus::FINISHED {
            q = q.bind(s.as_str());
        }
        let row = q.fetch_one(self.pool()).await?;
        Ok(TabCounts {
            today: row.today,
            upcoming: row.upcoming,
            completed: row.completed,
            all: row.all_count,
        })
    }

    /// Every appointment in a clinic, in slot order.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, clinic_id = %clinic_id))]
    pub async fn clinic_appointments(
        &self,
        scope: Scope,
        clinic_id: ClinicId,
    ) -> Result<Vec<ClinicAppointmentRow>> {
        let query = format!(
            "SELECT a.id AS appointment_id, a.status AS appointment_status, s.starts_at AS slot_starts_at, s.duration_minutes, p.id AS participant_id, \
             p.first_name, p.last_name, p.nhs_number, p.date_of_birth, p.support_reasons, \
             {RUNNING_BY} \
             FROM appointments a \
             JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
             JOIN participants p ON p.id = a.participant_id AND p.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.clinic_id = $2 ORDER BY s.starts_at, p.last_name",
        );
        let mut q = sqlx::query_as::<_, DayListRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(clinic_id));
        for s in RUNNING_BY_STATUSES {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// A clinic and every appointment in it, in slot order, in one query (the clinic page,
    /// opened many times an hour by every mammographer). Counts come from the rows.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn clinic_day(
        &self,
        scope: Scope,
        id: ClinicId,
    ) -> Result<(ClinicSummary, Vec<ClinicAppointmentRow>)> {
        let query = format!(
            "SELECT c.id, c.clinic_date, c.session, c.clinic_type, c.risk_type, c.status, c.starts_at, c.ends_at, \
             c.location_id, l.name AS location_name, l.kind AS location_kind, \
             a.id AS appointment_id, a.status AS appointment_status, s.starts_at AS slot_starts_at, s.duration_minutes, \
             p.id AS participant_id, p.first_name, p.last_name, p.nhs_number, p.date_of_birth, p.support_reasons, \
             {RUNNING_BY} \
             FROM clinics c JOIN locations l ON l.id = c.location_id AND l.provider_id = c.provider_id \
             LEFT JOIN appointments a ON a.clinic_id = c.id AND a.provider_id = c.provider_id \
             LEFT JOIN slots s ON s.id = a.slot_id AND s.provider_id = c.provider_id \
             LEFT JOIN participants p ON p.id = a.participant_id AND p.provider_id = c.provider_id \
             WHERE c.id = $1 AND c.provider_id = $2 ORDER BY s.starts_at, p.last_name",
        );
        let mut q = sqlx::query(&query)
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id));
        for s in RUNNING_BY_STATUSES {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let first = rows.first().ok_or(StoreError::NotFound)?;
        let mut appointments = Vec::with_capacity(rows.len());
        for r in &rows {
            if HasAppointment::from_row(r)?.appointment_id.is_some() {
                appointments.push(DayListRow::from_row(r)?.try_into()?);
            }
        }
        let live = |a: &&ClinicAppointmentRow| !RELEASED.contains(&a.status);
        let appointment_count = appointments.iter().filter(live).count() as i64;
        let checked_in_count = appointments
            .iter()
            .filter(|a| a.status == AppointmentStatus::CheckedIn)
            .count() as i64;
        let summary = ClinicRow::from_row(first)?.summary(appointment_count, checked_in_count)?;
        Ok((summary, appointments))
    }

    /// Free slots in upcoming clinics of one type (still scheduled, on or after `from`), in
    /// date and time order, at most `limit`: where the office books a follow-up.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn bookable_slots(
        &self,
        scope: Scope,
        clinic_type: domain::ClinicType,
        from: Date,
        limit: i64,
    ) -> Result<Vec<BookableSlot>> {
        let query = format!(
            "SELECT c.id AS clinic_id, c.clinic_date, c.session, l.name AS location_name, s.id AS slot_id, s.starts_at \
             FROM slots s JOIN clinics c ON c.id = s.clinic_id AND c.provider_id = s.provider_id \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = c.provider_id \
             WHERE s.provider_id = $1 AND c.clinic_type = $2 AND c.clinic_date >= $3 AND c.status = $5 \
             AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.provider_id = s.provider_id \
             AND a.status NOT IN ({})) \
             ORDER BY c.clinic_date, s.starts_at, s.id LIMIT $4",
            sql::placeholders(6, &RELEASED)
        );
        let mut q = sqlx::query_as::<_, BookableSlotRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(clinic_type.as_str())
            .bind(sql::date(from))
            .bind(limit)
            .bind(ClinicStatus::Scheduled.as_str());
        for s in RELEASED {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Free slots of a clinic (no live appointment), in time order.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, clinic_id = %clinic_id))]
    pub async fn free_slots(
        &self,
        scope: Scope,
        clinic_id: ClinicId,
    ) -> Result<Vec<(Uuid, String)>> {
        let query = format!(
            "SELECT s.id, s.starts_at FROM slots s WHERE s.provider_id = $1 AND s.clinic_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.provider_id = s.provider_id \
             AND a.status NOT IN ({})) ORDER BY s.starts_at",
            sql::placeholders(3, &RELEASED)
        );
        let mut q = sqlx::query_as::<_, SlotRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(sql::id(clinic_id));
        for s in RELEASED {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter()
            .map(|r| Ok((parse_id(&r.id)?, r.starts_at)))
            .collect()
    }

    /// Sets a clinic's status directly (demo data and administration).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), id = %id))]
    pub async fn set_clinic_status(
        &self,
        scope: Scope,
        actor: &Actor,
        id: ClinicId,
        status: ClinicStatus,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let done = sqlx::query("UPDATE clinics SET status = $1 WHERE id = $2 AND provider_id = $3")
            .bind(status.as_str())
            .bind(sql::id(id))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "clinic",
                id,
                None,
                serde_json::json!({ "status": status }),
            ))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        for (s, m) in [
            ("00:00", Some(0)),
            ("09:30", Some(570)),
            ("23:59", Some(1439)),
            ("24:00", None),
            ("9:30", None),
            ("ab:cd", None),
        ] {
            assert_eq!(minutes(s), m, "{s}");
        }
        assert_eq!(hhmm(570), "09:30");
    }
}
