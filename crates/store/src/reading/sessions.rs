//! Reading sessions: starting, the next case, progress and finishing; skips, deferrals,
//! priors and their holds.

use super::*;
use crate::write::AuditRow;
use domain::ids::{CaseId, ClinicId};
use sqlx::FromRow;

/// A case of a session as the session page shows it, with this reader's read, as stored.
#[derive(FromRow)]
struct SessionCaseRow {
    case_id: String,
    position: i64,
    result: Option<String>,
    first_name: String,
    last_name: String,
    nhs_number: String,
    opinion_kind: Option<String>,
    given_at: Option<String>,
    finalised_early: Option<i64>,
    state: String,
}

/// A session's settings, as stored.
#[derive(FromRow)]
struct SessionHeaderRow {
    kind: String,
    clinic_id: Option<String>,
    size: i64,
    ended_at: Option<String>,
}

/// A case offered in a session and what became of it (none yet: the current case).
#[derive(FromRow)]
struct OfferedRow {
    case_id: String,
    result: Option<String>,
}

impl Store {
    /// Starts a reading session for the signed-in reader.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), clinic_id = clinic_id.map(tracing::field::display)))]
    pub async fn start_session(
        &self,
        scope: Scope,
        actor: &Actor,
        kind: SessionKind,
        clinic_id: Option<ClinicId>,
        size: u8,
    ) -> Result<Uuid> {
        let me = user_of(actor)?;
        if kind == SessionKind::Clinic && clinic_id.is_none() {
            return Err(StoreError::invalid(
                "clinic_id",
                "Select the clinic to read",
            ));
        }
        let id = new_id();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        if let Some(clinic) = clinic_id {
            sqlx::query("SELECT id FROM clinics WHERE id = $1 AND provider_id = $2")
                .bind(sql::id(clinic))
                .bind(sql::id(scope.provider_id))
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        }
        // One open session per reader: starting another ends the last.
        sqlx::query(
            "UPDATE reading_sessions SET ended_at = $1 WHERE provider_id = $2 AND reader_id = $3 AND ended_at IS NULL",
        )
        .bind(sql::ts(sql::now()))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO reading_sessions (id, provider_id, reader_id, kind, clinic_id, size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sql::id(id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .bind(kind.as_str())
        .bind(clinic_id.map(sql::id))
        .bind(i64::from(size))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Create,
                "reading_session",
                id,
                None,
                serde_json::json!({ "kind": kind, "clinic_id": clinic_id, "size": size }),
            ))
            .await?;
        Ok(id)
    }

    /// The reader's open session, if they have one.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, reader_id = %reader_id))]
    pub async fn open_session(&self, scope: Scope, reader_id: Uuid) -> Result<Option<Uuid>> {
        let id = sqlx::query_scalar::<_, String>(
            "SELECT id FROM reading_sessions WHERE provider_id = $1 AND reader_id = $2 AND ended_at IS NULL \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(reader_id))
        .fetch_optional(self.pool())
        .await?;
        id.as_deref().map(parse_id).transpose()
    }

    /// A session of the reader's, with its cases in order.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, reader_id = %reader_id, session_id = %session_id))]
    pub async fn reading_session(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<ReadingSession> {
        let p = sql::id(scope.provider_id);
        let header = self.session_header(scope, reader_id, session_id).await?;
        let settings = self.reading_settings(scope).await?;
        let now = sql::now();
        let rows = sqlx::query_as::<_, SessionCaseRow>(
            "SELECT s.case_id, s.position, s.result, p.first_name, p.last_name, p.nhs_number, \
             d.opinion_kind, d.given_at, d.finalised_early, r.state \
             FROM reading_session_cases s \
             JOIN reading_cases r ON r.id = s.case_id AND r.provider_id = s.provider_id \
             JOIN participants p ON p.id = r.participant_id AND p.provider_id = r.provider_id \
             LEFT JOIN reads d ON d.case_id = s.case_id AND d.provider_id = s.provider_id AND d.reader_id = $3 \
             WHERE s.session_id = $1 AND s.provider_id = $2 ORDER BY s.position",
        )
        .bind(sql::id(session_id))
        .bind(&p)
        .bind(sql::id(reader_id))
        .fetch_all(self.pool())
        .await?;
        let cases = rows
            .into_iter()
            .map(|r| {
                let changeable = match &r.given_at {
                    Some(at) => {
                        let early = r.finalised_early == Some(1);
                        let state: ReadingState = parse_enum(&r.state)?;
                        !early
                            && state == ReadingState::AwaitingFinalisation
                            && now < parse_ts(at)? + settings.rules().finalisation.delay
                    }
                    None => false,
                };
                Ok(SessionCase {
                    case_id: parse_id(&r.case_id)?,
                    position: r.position,
                    participant_name: format!("{} {}", r.first_name, r.last_name),
                    nhs_number: r.nhs_number,
                    result_label: r
                        .result
                        .as_deref()
                        .map(|v| parse_enum::<SessionResult>(v).map(|v| v.label().to_owned()))
                        .transpose()?,
                    result: r.result,
                    opinion: r
                        .opinion_kind
                        .map(|k| parse_enum::<OpinionKind>(&k).map(|k| k.label().to_owned()))
                        .transpose()?,
                    changeable,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ReadingSession {
            id: session_id,
            reader_id,
            kind: header.kind,
            clinic_id: header.clinic_id,
            size: header.size,
            ended: header.ended,
            cases,
        })
    }

    /// The case the reader should read next in their session: the one they have open, or
    /// the oldest they can read that nobody else has open. `None` when the session is
    /// complete or nothing is left to read (the session then ends).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = %session_id))]
    pub async fn next_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
    ) -> Result<Option<CaseId>> {
        let me = user_of(actor)?;
        let now = sql::now();
        self.settle_due_reads(scope, now).await?;
        let session = self.session_progress(scope, me, session_id).await?;
        if session.ended {
            return Ok(None);
        }
        if let Some(current) = session.current {
            return Ok(Some(current));
        }
        if session.done >= session.size {
            self.end_reading_session(scope, session_id).await?;
            return Ok(None);
        }
        let p = sql::id(scope.provider_id);
        // $1 to $4, then the states the session offers, then its clinic, if any.
        let states = session.kind.states();
        let mut query = format!(
            "SELECT r.id FROM reading_cases r WHERE r.provider_id = $1 AND r.state IN ({}) AND r.held IS NULL \
             AND (r.first_reader_id IS NULL OR r.first_reader_id <> $2) \
             AND (r.claimed_by IS NULL OR r.claimed_by = $2 OR r.claimed_until < $3) \
             AND NOT EXISTS (SELECT 1 FROM reading_session_cases s WHERE s.session_id = $4 AND s.case_id = r.id)",
            sql::placeholders(5, states)
        );
        if session.clinic_id.is_some() {
            query.push_str(&format!(" AND r.clinic_id = ${}", 5 + states.len()));
        }
        query.push_str(" ORDER BY r.screened_on, r.id LIMIT 5");
        // Another reader may claim a candidate between the look-up and the claim: try the
        // next one.
        let mut q = sqlx::query_scalar::<_, String>(&query)
            .bind(&p)
            .bind(sql::id(me))
            .bind(sql::ts(now))
            .bind(sql::id(session_id));
        for s in states {
            q = q.bind(s.as_str());
        }
        if let Some(clinic) = session.clinic_id {
            q = q.bind(sql::id(clinic));
        }
        let candidates = q.fetch_all(self.pool()).await?;
        for c in &candidates {
            let case_id = parse_id(c)?;
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            if self.backend() == crate::Backend::Postgres {
                // A claim is a lease, not a record: if the database server itself crashed
                // and lost the last moment's claims, the cases would simply be offered
                // again. So it does not wait for the WAL flush (as view entries, ADR 9).
                sqlx::query("SET LOCAL synchronous_commit TO OFF")
                    .execute(&mut **tx)
                    .await?;
            }
            let claimed = sqlx::query(
                "UPDATE reading_cases SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND provider_id = $4 \
                 AND held IS NULL AND (claimed_by IS NULL OR claimed_by = $1 OR claimed_until < $5)",
            )
            .bind(sql::id(me))
            .bind(sql::ts(now + CLAIM))
            .bind(sql::id(case_id))
            .bind(&p)
            .bind(sql::ts(now))
            .execute(&mut **tx)
            .await?;
            if claimed.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO reading_session_cases (session_id, provider_id, case_id, position, at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(sql::id(session_id))
                .bind(&p)
                .bind(sql::id(case_id))
                .bind(session.offered + 1)
                .bind(sql::ts(now))
                .execute(&mut **tx)
                .await?;
                write.commit().await?;
                return Ok(Some(case_id));
            }
            write.rollback().await?;
        }
        if candidates.is_empty() {
            self.end_reading_session(scope, session_id).await?;
        }
        Ok(None)
    }

    /// A session of the reader's, without its cases: NotFound for anyone else's.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, reader_id = %reader_id, session_id = %session_id))]
    pub async fn session_header(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<SessionHeader> {
        let s = sqlx::query_as::<_, SessionHeaderRow>(
            "SELECT kind, clinic_id, size, ended_at FROM reading_sessions WHERE id = $1 AND provider_id = $2 AND reader_id = $3",
        )
        .bind(sql::id(session_id))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(reader_id))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(SessionHeader {
            kind: parse_enum(&s.kind)?,
            clinic_id: s.clinic_id.as_deref().map(parse_id).transpose()?,
            size: s.size,
            ended: s.ended_at.is_some(),
        })
    }

    /// Just what "next case" needs to know about a session of the reader's: one query for
    /// the session and one for its cases, without the names and opinions the session page
    /// shows.
    async fn session_progress(
        &self,
        scope: Scope,
        reader_id: Uuid,
        session_id: Uuid,
    ) -> Result<SessionProgress> {
        let p = sql::id(scope.provider_id);
        let header = self.session_header(scope, reader_id, session_id).await?;
        let rows = sqlx::query_as::<_, OfferedRow>(
            "SELECT case_id, result FROM reading_session_cases WHERE session_id = $1 AND provider_id = $2 ORDER BY position",
        )
        .bind(sql::id(session_id))
        .bind(&p)
        .fetch_all(self.pool())
        .await?;
        let mut progress = SessionProgress {
            kind: header.kind,
            clinic_id: header.clinic_id,
            size: header.size,
            ended: header.ended,
            current: None,
            done: 0,
            offered: rows.len() as i64,
        };
        for r in &rows {
            match &r.result {
                None => progress.current = Some(parse_id(&r.case_id)?),
                Some(result) => {
                    if parse_enum::<SessionResult>(result)?.counts_as_done() {
                        progress.done += 1;
                    }
                }
            }
        }
        Ok(progress)
    }

    async fn end_reading_session(&self, scope: Scope, session_id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE reading_sessions SET ended_at = $1 WHERE id = $2 AND provider_id = $3 AND ended_at IS NULL",
        )
        .bind(sql::ts(sql::now()))
        .bind(sql::id(session_id))
        .bind(sql::id(scope.provider_id))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Ends the reader's session now.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = %session_id))]
    pub async fn finish_session(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let session = self.reading_session(scope, me, session_id).await?;
        if let Some(current) = session.current() {
            self.session_result(
                scope,
                actor,
                Some(session_id),
                current,
                SessionResult::Skipped,
            )
            .await?;
        }
        self.end_reading_session(scope, session_id).await
    }

    /// Records what became of a case in a session, and lets others have it.
    async fn session_result(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        result: SessionResult,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        mark_session(tx, scope, actor, session_id, case_id, result).await?;
        write.commit().await?;
        Ok(())
    }

    /// Skips a case: it goes back to the queue for others, and this session offers another.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = %session_id, case_id = %case_id))]
    pub async fn skip_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Uuid,
        case_id: CaseId,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let session = self.reading_session(scope, me, session_id).await?;
        if !session.cases.iter().any(|c| c.case_id == case_id) {
            return Err(StoreError::NotFound);
        }
        self.session_result(
            scope,
            actor,
            Some(session_id),
            case_id,
            SessionResult::Skipped,
        )
        .await
    }

    /// Defers a case with a reason: it leaves every reading list until the office unflags it.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = session_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn defer_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        reason: &str,
    ) -> Result<()> {
        let reason = domain::reading::validate_deferral_reason(reason)
            .map_err(|e| StoreError::Invalid(vec![e]))?;
        self.hold_case(
            scope,
            actor,
            session_id,
            case_id,
            HoldKind::Deferred,
            &reason,
        )
        .await
    }

    /// A reader asks for prior mammograms: the case is held until they are received or
    /// marked not available.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = session_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn request_priors(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        reason: &str,
    ) -> Result<()> {
        let reason = domain::reading::validate_priors_reason(reason)
            .map_err(|e| StoreError::Invalid(vec![e]))?;
        self.hold_case(scope, actor, session_id, case_id, HoldKind::Priors, &reason)
            .await
    }

    /// Holds a case back from reading (a deferral or a request for priors), recording why
    /// and letting go of the reader's claim.
    async fn hold_case(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        kind: HoldKind,
        reason: &str,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let case = case_row(&mut **tx, scope, case_id).await?;
        if case.concluded {
            return Err(StoreError::Refused(
                "This case has already been concluded".to_owned(),
            ));
        }
        let (already, refusal, result) = match kind {
            HoldKind::Deferred => (
                case.held.as_deref() == Some(HoldKind::Deferred.as_str()),
                "This case has already been deferred",
                SessionResult::Deferred,
            ),
            HoldKind::Priors => (
                !case.priors_status.can_request(),
                "Prior mammograms have already been requested for this case",
                SessionResult::PriorsRequested,
            ),
        };
        if already {
            return Err(StoreError::Refused(refusal.to_owned()));
        }
        add_hold(tx, scope, actor, &case, kind, reason).await?;
        // A deferral holds the case whatever else does; priors hold it unless deferred.
        sqlx::query(
            "UPDATE reading_cases SET held = CASE WHEN $1 = $5 THEN $5 ELSE COALESCE(held, $6) END, \
             priors_status = CASE WHEN $1 = $6 THEN $2 ELSE priors_status END, \
             claimed_by = NULL, claimed_until = NULL, version = version + 1 WHERE id = $3 AND provider_id = $4",
        )
        .bind(kind.as_str())
        .bind(PriorsStatus::PriorsRequired.as_str())
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .bind(HoldKind::Deferred.as_str())
        .bind(HoldKind::Priors.as_str())
        .execute(&mut **tx)
        .await?;
        mark_session(tx, scope, actor, session_id, case_id, result).await?;
        write.commit().await?;
        Ok(())
    }

    /// The office moves a case's priors on (requested, received, not available, not
    /// needed). Received, not available and not needed return it to reading.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn set_priors_status(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: CaseId,
        to: PriorsStatus,
    ) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let case = case_row(&mut **tx, scope, case_id).await?;
        if !case.priors_status.next().contains(&to) {
            return Err(StoreError::Refused(format!(
                "Priors that are '{}' cannot be marked '{}'",
                case.priors_status.label(),
                to.label()
            )));
        }
        let p = sql::id(scope.provider_id);
        let now = sql::ts(sql::now());
        if !to.holds_case() {
            sqlx::query(
                "UPDATE case_holds SET released_by_name = $1, released_at = $2, released_how = $3 \
                 WHERE case_id = $4 AND provider_id = $5 AND kind = $6 AND released_at IS NULL",
            )
            .bind(&actor.name)
            .bind(&now)
            .bind(HoldRelease::of_priors(to).map(HoldRelease::as_str))
            .bind(sql::id(case_id))
            .bind(&p)
            .bind(HoldKind::Priors.as_str())
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "UPDATE reading_cases SET priors_status = $1, \
             held = CASE WHEN held = $5 AND $2 = 0 THEN NULL ELSE held END, version = version + 1 \
             WHERE id = $3 AND provider_id = $4",
        )
        .bind(to.as_str())
        .bind(i64::from(to.holds_case()))
        .bind(sql::id(case_id))
        .bind(&p)
        .bind(HoldKind::Priors.as_str())
        .execute(&mut **tx)
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "reading_case_priors",
                case_id,
                Some(case.participant_id),
                serde_json::json!({ "from": case.priors_status, "to": to }),
            ))
            .await?;
        Ok(())
    }

    /// The office returns a deferred case to reading ("Unflag case").
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn unflag_case(&self, scope: Scope, actor: &Actor, case_id: CaseId) -> Result<()> {
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let case = case_row(&mut **tx, scope, case_id).await?;
        if case.held.as_deref() != Some(HoldKind::Deferred.as_str()) {
            return Err(StoreError::Refused("This case is not deferred".to_owned()));
        }
        let p = sql::id(scope.provider_id);
        sqlx::query(
            "UPDATE case_holds SET released_by_name = $1, released_at = $2, released_how = $5 \
             WHERE case_id = $3 AND provider_id = $4 AND kind = $6 AND released_at IS NULL",
        )
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .bind(sql::id(case_id))
        .bind(&p)
        .bind(HoldRelease::Unflagged.as_str())
        .bind(HoldKind::Deferred.as_str())
        .execute(&mut **tx)
        .await?;
        let held = if case.priors_status.holds_case() {
            Some(HoldKind::Priors.as_str())
        } else {
            None
        };
        sqlx::query(
            "UPDATE reading_cases SET held = $1, version = version + 1 WHERE id = $2 AND provider_id = $3",
        )
        .bind(held)
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "reading_case_deferral",
                case_id,
                Some(case.participant_id),
                serde_json::json!({ "released_how": HoldRelease::Unflagged }),
            ))
            .await?;
        Ok(())
    }

    /// Open holds of one kind (deferred or priors), oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn case_holds(&self, scope: Scope, kind: &str) -> Result<Vec<CaseHold>> {
        let rows = sqlx::query(
            &format!("{HOLD_SELECT} WHERE h.provider_id = $1 AND h.kind = $2 AND h.released_at IS NULL ORDER BY h.requested_at"),
        )
        .bind(sql::id(scope.provider_id))
        .bind(kind)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(hold_from).collect()
    }
}
