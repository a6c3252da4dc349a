//! Participants: the whole-person record, scoped to a provider.

use crate::audit::AuditAction;
use crate::error::FieldError;
use crate::sql::{self, parse_date, parse_enum, parse_id, parse_json};
use crate::write::AuditRow;
use crate::{Actor, Result, Scope, Store, StoreError, new_id};
use domain::ids::{AppointmentId, ClinicId, ParticipantId};
use domain::participant::{is_gp_practice_code, normalise_postcode};
use domain::{
    AccessNeed, AppointmentStatus, CommunicationPreference, Ethnicity, NhsNumber, Sex,
    SupportReason,
};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::Date;
use utoipa::ToSchema;

/// One reason a participant needs additional support, with details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupportNeed {
    #[schema(value_type = String, example = "physical_restriction")]
    pub reason: SupportReason,
    #[serde(default)]
    pub details: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participant {
    pub id: ParticipantId,
    /// Ten digits, no spaces.
    pub nhs_number: String,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = String, format = Date)]
    pub date_of_birth: Date,
    pub sex: Sex,
    pub address_line_1: String,
    pub address_line_2: String,
    pub town: String,
    pub postcode: String,
    pub phone: String,
    pub email: String,
    /// The registered GP practice's ODS code.
    pub gp_practice_code: String,
    pub ethnicity: Option<Ethnicity>,
    pub communication_preferences: Vec<CommunicationPreference>,
    pub communication_notes: String,
    pub access_needs: Vec<AccessNeed>,
    pub access_notes: String,
    /// Reasons this participant needs a special appointment (empty if none).
    pub support_reasons: Vec<SupportNeed>,
    pub support_temporary: bool,
}

impl Participant {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn is_special_appointment(&self) -> bool {
        !self.support_reasons.is_empty()
    }
}

/// What is needed to add a participant. Validated as a whole: every problem is reported.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewParticipant {
    #[schema(example = "9990000050")]
    pub nhs_number: String,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = String, format = Date, example = "1962-04-17")]
    pub date_of_birth: Date,
    #[schema(value_type = String, example = "female")]
    pub sex: Sex,
    pub address_line_1: String,
    #[serde(default)]
    pub address_line_2: String,
    pub town: String,
    pub postcode: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[schema(example = "A81001")]
    pub gp_practice_code: String,
    #[serde(default)]
    pub ethnicity: Option<Ethnicity>,
    #[serde(default)]
    pub communication_preferences: Vec<CommunicationPreference>,
    #[serde(default)]
    pub communication_notes: String,
    #[serde(default)]
    pub access_needs: Vec<AccessNeed>,
    #[serde(default)]
    pub access_notes: String,
    #[serde(default)]
    pub support_reasons: Vec<SupportNeed>,
    #[serde(default)]
    pub support_temporary: bool,
}

impl NewParticipant {
    /// Checks every field; returns the cleaned participant or every problem found.
    pub fn validate(self, today: Date) -> Result<Participant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &'static str, message: &str| {
            errors.push(FieldError::new(field, message.to_owned()))
        };
        let nhs = NhsNumber::parse(&self.nhs_number);
        if let Err(e) = &nhs {
            fail("nhs_number", &e.to_string());
        }
        if self.first_name.trim().is_empty() {
            fail("first_name", "Enter the participant's first name");
        }
        if self.last_name.trim().is_empty() {
            fail("last_name", "Enter the participant's last name");
        }
        if self.date_of_birth > today {
            fail("date_of_birth", "Date of birth must be in the past");
        }
        if self.address_line_1.trim().is_empty() {
            fail("address_line_1", "Enter the first line of the address");
        }
        if self.town.trim().is_empty() {
            fail("town", "Enter the town or city");
        }
        let postcode = normalise_postcode(&self.postcode);
        if postcode.is_none() {
            fail("postcode", "Enter a real postcode, like LS1 4AP");
        }
        let gp = self.gp_practice_code.trim().to_uppercase();
        if !is_gp_practice_code(&gp) {
            fail(
                "gp_practice_code",
                "Enter the GP practice ODS code: a letter then 5 numbers, like A81001",
            );
        }
        let email = self.email.trim().to_owned();
        if !email.is_empty() && (!email.contains('@') || !email.contains('.')) {
            fail(
                "email",
                "Enter an email address in the correct format, like name@example.com",
            );
        }
        for need in &self.support_reasons {
            if need.reason == SupportReason::Other && need.details.trim().is_empty() {
                fail(
                    "support_reasons",
                    "Give details for the other reason the participant needs support",
                );
            }
        }
        let (Ok(nhs), Some(postcode), true) = (nhs, postcode, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Participant {
            id: new_id().into(),
            nhs_number: nhs.as_digits(),
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            address_line_1: self.address_line_1.trim().to_owned(),
            address_line_2: self.address_line_2.trim().to_owned(),
            town: self.town.trim().to_owned(),
            postcode,
            phone: self.phone.trim().to_owned(),
            email,
            gp_practice_code: gp,
            ethnicity: self.ethnicity,
            communication_preferences: self.communication_preferences,
            communication_notes: self.communication_notes.trim().to_owned(),
            access_needs: self.access_needs,
            access_notes: self.access_notes.trim().to_owned(),
            support_reasons: self.support_reasons,
            support_temporary: self.support_temporary,
        })
    }
}

/// One of a participant's appointments, for their record page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantAppointment {
    pub id: AppointmentId,
    pub clinic_id: ClinicId,
    #[schema(value_type = String, format = Date)]
    pub clinic_date: Date,
    pub starts_at: String,
    pub location_name: String,
    pub status: AppointmentStatus,
}

pub(crate) const PARTICIPANT_COLUMNS: &str = "id, nhs_number, first_name, last_name, date_of_birth, sex, \
    address_line_1, address_line_2, town, postcode, phone, email, gp_practice_code, ethnicity, \
    communication_preferences, communication_notes, access_needs, access_notes, support_reasons, \
    support_temporary";

/// A participant, as stored.
#[derive(FromRow)]
struct ParticipantRow {
    id: String,
    nhs_number: String,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    sex: String,
    address_line_1: String,
    address_line_2: String,
    town: String,
    postcode: String,
    phone: String,
    email: String,
    gp_practice_code: String,
    ethnicity: Option<String>,
    communication_preferences: String,
    communication_notes: String,
    access_needs: String,
    access_notes: String,
    support_reasons: String,
    support_temporary: i64,
}

impl TryFrom<ParticipantRow> for Participant {
    type Error = StoreError;
    fn try_from(r: ParticipantRow) -> Result<Self> {
        Ok(Participant {
            id: parse_id(&r.id)?,
            nhs_number: r.nhs_number,
            first_name: r.first_name,
            last_name: r.last_name,
            date_of_birth: parse_date(&r.date_of_birth)?,
            sex: parse_enum(&r.sex)?,
            address_line_1: r.address_line_1,
            address_line_2: r.address_line_2,
            town: r.town,
            postcode: r.postcode,
            phone: r.phone,
            email: r.email,
            gp_practice_code: r.gp_practice_code,
            ethnicity: r.ethnicity.as_deref().map(parse_enum).transpose()?,
            communication_preferences: parse_json(&r.communication_preferences)?,
            communication_notes: r.communication_notes,
            access_needs: parse_json(&r.access_needs)?,
            access_notes: r.access_notes,
            support_reasons: parse_json(&r.support_reasons)?,
            support_temporary: r.support_temporary != 0,
        })
    }
}

/// One of a participant's appointments, as stored.
#[derive(FromRow)]
struct ParticipantAppointmentRow {
    id: String,
    clinic_id: String,
    clinic_date: String,
    starts_at: String,
    location_name: String,
    status: String,
}

impl TryFrom<ParticipantAppointmentRow> for ParticipantAppointment {
    type Error = StoreError;
    fn try_from(r: ParticipantAppointmentRow) -> Result<Self> {
        Ok(ParticipantAppointment {
            id: parse_id(&r.id)?,
            clinic_id: parse_id(&r.clinic_id)?,
            clinic_date: parse_date(&r.clinic_date)?,
            starts_at: r.starts_at,
            location_name: r.location_name,
            status: parse_enum(&r.status)?,
        })
    }
}

impl Store {
    /// Adds a participant to the provider. An NHS number already registered with this
    /// provider is refused.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn create_participant(
        &self,
        scope: Scope,
        actor: &Actor,
        new: NewParticipant,
        today: Date,
    ) -> Result<Participant> {
        let p = new.validate(today).map_err(StoreError::Invalid)?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let now = sql::ts(sql::now());
        sqlx::query(&format!(
            "INSERT INTO participants (provider_id, created_at, updated_at, {PARTICIPANT_COLUMNS}) VALUES \
             ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(&now)
        .bind(sql::id(p.id))
        .bind(&p.nhs_number)
        .bind(&p.first_name)
        .bind(&p.last_name)
        .bind(sql::date(p.date_of_birth))
        .bind(p.sex.as_str())
        .bind(&p.address_line_1)
        .bind(&p.address_line_2)
        .bind(&p.town)
        .bind(&p.postcode)
        .bind(&p.phone)
        .bind(&p.email)
        .bind(&p.gp_practice_code)
        .bind(p.ethnicity.map(|e| e.as_str()))
        .bind(sql::json(&p.communication_preferences))
        .bind(&p.communication_notes)
        .bind(sql::json(&p.access_needs))
        .bind(&p.access_notes)
        .bind(sql::json(&p.support_reasons))
        .bind(i64::from(p.support_temporary))
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Invalid(vec![FieldError::new(
                "nhs_number",
                "A participant with this NHS number is already registered",
            )]),
            other => other,
        })?;
        let audit = AuditRow::new(
            actor,
            AuditAction::Create,
            "participant",
            p.id,
            Some(p.id),
            serde_json::json!(p),
        );
        write.commit_audited(audit).await?;
        Ok(p)
    }

    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, id = %id))]
    pub async fn participant(&self, scope: Scope, id: ParticipantId) -> Result<Participant> {
        sqlx::query_as::<_, ParticipantRow>(&format!(
            "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = $1 AND provider_id = $2"
        ))
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?
        .try_into()
    }

    /// Participants whose name or NHS number matches `query`, in name order.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn search_participants(
        &self,
        scope: Scope,
        query: &str,
        limit: i64,
    ) -> Result<Vec<Participant>> {
        let q = query.trim();
        let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        let pattern = format!("%{}%", q.to_lowercase());
        sqlx::query_as::<_, ParticipantRow>(&format!(
            "SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE provider_id = $1 \
             AND ($2 = '' OR nhs_number = $3 OR LOWER(first_name || ' ' || last_name) LIKE $4) \
             ORDER BY last_name, first_name LIMIT $5"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(q)
        .bind(digits)
        .bind(pattern)
        .bind(limit.clamp(1, 500))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(Participant::try_from)
        .collect()
    }

    /// Every appointment the participant has with this provider, earliest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, participant_id = %participant_id))]
    pub async fn participant_appointments(
        &self,
        scope: Scope,
        participant_id: ParticipantId,
    ) -> Result<Vec<ParticipantAppointment>> {
        sqlx::query_as::<_, ParticipantAppointmentRow>(
            "SELECT a.id, a.clinic_id, c.clinic_date, s.starts_at, l.name AS location_name, a.status \
             FROM appointments a JOIN clinics c ON c.id = a.clinic_id AND c.provider_id = a.provider_id \
             JOIN slots s ON s.id = a.slot_id AND s.provider_id = a.provider_id \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = a.provider_id \
             WHERE a.provider_id = $1 AND a.participant_id = $2 ORDER BY c.clinic_date, s.starts_at",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(participant_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(ParticipantAppointment::try_from)
        .collect()
    }
}

impl Store {
    /// Records (or, with no reasons, clears) why a participant needs a special appointment.
    /// The caller validates the answers with the domain rules first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), participant_id = %participant_id))]
    pub async fn set_support(
        &self,
        scope: Scope,
        actor: &Actor,
        participant_id: ParticipantId,
        reasons: &[SupportNeed],
        temporary: bool,
    ) -> Result<Participant> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let done = sqlx::query(
            "UPDATE participants SET support_reasons = $1, support_temporary = $2, updated_at = $3 \
             WHERE id = $4 AND provider_id = $5",
        )
        .bind(sql::json(&reasons))
        .bind(i64::from(temporary && !reasons.is_empty()))
        .bind(sql::ts(sql::now()))
        .bind(sql::id(participant_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let snapshot =
            serde_json::json!({ "support_reasons": reasons, "support_temporary": temporary });
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "participant_support",
                participant_id,
                Some(participant_id),
                &snapshot,
            ))
            .await?;
        self.participant(scope, participant_id).await
    }
}
