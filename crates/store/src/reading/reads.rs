//! Reads and arbitration: the case page, opinion drafts, recording and finalising reads,
//! arbitration, and an episode's history.

use super::*;
use domain::Role;
use domain::episode::EpisodeOutcome;
use domain::ids::{CaseId, EpisodeId};
use sqlx::FromRow;

/// The label of a stored episode outcome, if any.
fn outcome_label(outcome: Option<String>) -> Result<Option<String>> {
    outcome
        .map(|o| parse_enum::<EpisodeOutcome>(&o).map(|o| o.label().to_owned()))
        .transpose()
}

/// The case's episode, as stored.
#[derive(FromRow)]
struct EpisodeRow {
    id: String,
    episode_type: String,
}

/// An earlier episode of the participant, as stored.
#[derive(FromRow)]
struct PreviousEpisodeRow {
    opened_on: String,
    episode_type: String,
    outcome: Option<String>,
}

impl TryFrom<PreviousEpisodeRow> for PreviousEpisode {
    type Error = StoreError;
    fn try_from(r: PreviousEpisodeRow) -> Result<Self> {
        Ok(PreviousEpisode {
            opened_on: parse_date(&r.opened_on)?,
            episode_type: parse_enum(&r.episode_type)?,
            outcome: outcome_label(r.outcome)?,
        })
    }
}

/// Another case of the same episode, as stored.
#[derive(FromRow)]
struct LinkedCaseRow {
    id: String,
    appointment_id: String,
    screened_on: String,
    outcome: Option<String>,
}

impl TryFrom<LinkedCaseRow> for LinkedCase {
    type Error = StoreError;
    fn try_from(r: LinkedCaseRow) -> Result<Self> {
        Ok(LinkedCase {
            id: parse_id(&r.id)?,
            appointment_id: parse_id(&r.appointment_id)?,
            screened_on: parse_date(&r.screened_on)?,
            outcome: outcome_label(r.outcome)?,
        })
    }
}

/// A clinic with cases still to be read, as stored.
#[derive(FromRow)]
struct ClinicToReadRow {
    id: String,
    clinic_date: String,
    name: String,
    n: i64,
}

/// A user by id and name, as stored.
#[derive(FromRow)]
struct NamedUserRow {
    id: String,
    name: String,
}

/// One row of an episode's history, as stored.
#[derive(FromRow)]
struct EpisodeChangeRow {
    stage: String,
    outcome: Option<String>,
    next_test_due: Option<String>,
    end_code: Option<String>,
    reason: String,
    changed_by_name: String,
    changed_at: String,
}

impl TryFrom<EpisodeChangeRow> for EpisodeChange {
    type Error = StoreError;
    fn try_from(r: EpisodeChangeRow) -> Result<Self> {
        Ok(EpisodeChange {
            stage: parse_enum(&r.stage)?,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            next_test_due: r.next_test_due.as_deref().map(parse_date).transpose()?,
            end_code: r.end_code.as_deref().map(parse_enum).transpose()?,
            reason: r.reason,
            changed_by_name: r.changed_by_name,
            changed_at: parse_ts(&r.changed_at)?,
        })
    }
}

impl Store {
    /// Everything the case page needs from reading, as `viewer` may see it.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, viewer = %viewer, case_id = %case_id))]
    pub async fn case_detail(
        &self,
        scope: Scope,
        viewer: Uuid,
        case_id: CaseId,
    ) -> Result<CaseDetail> {
        let now = sql::now();
        let case = self.reading_case(scope, case_id).await?;
        let settings = self.reading_settings(scope).await?;
        let rules = settings.rules();
        let (reads, names, arbitrator_names) = load_reads(self.pool(), scope, case_id).await?;
        let me = reader(viewer);
        let visible = |slot| domain::reading::read_visible(&reads, slot, me, &rules, now);
        let mut views = Vec::new();
        for (slot, name) in &names {
            let read = match slot {
                ReadSlot::First => reads.first.as_ref(),
                ReadSlot::Second => reads.second.as_ref(),
            };
            let Some(read) = read else { continue };
            if !visible(*slot) {
                continue;
            }
            views.push(ReadView {
                slot: *slot,
                reader_id: reader_uuid(read.reader_id),
                reader_name: name.clone(),
                opinion: read.opinion.clone(),
                given_at: read.at,
                is_final: rules.finalisation.is_final(read, now),
            });
        }
        views.sort_by_key(|v| v.slot);
        let first_read_hidden = reads.first.is_some() && !visible(ReadSlot::First);
        let can_read =
            domain::reading::can_read(&reads, me, &rules, now).map_err(|r| r.label().to_owned());
        let can_change = domain::reading::can_change(&reads, me, &rules, now);
        let arbitrator_warning = domain::reading::arbitrator_warning(&reads, me).map(str::to_owned);
        let arbitration = match (&reads.arbitration, arbitrator_names) {
            (Some(a), Some(names)) => Some(ArbitrationView {
                arbitrator_names: names,
                decision: a.decision.clone(),
                recorded_at: a.at,
            }),
            _ => None,
        };
        let holds = sqlx::query(&format!(
            "{HOLD_SELECT} WHERE h.provider_id = $1 AND h.case_id = $2 ORDER BY h.requested_at"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(hold_from)
        .collect::<Result<Vec<_>>>()?;
        let episode = sqlx::query_as::<_, EpisodeRow>(
            "SELECT e.id, e.episode_type FROM reading_cases r JOIN episodes e ON e.id = r.episode_id AND e.provider_id = r.provider_id \
             WHERE r.id = $1 AND r.provider_id = $2",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .fetch_one(self.pool())
        .await?;
        let episode_id = parse_id(&episode.id)?;
        let previous_episodes = sqlx::query_as::<_, PreviousEpisodeRow>(
            "SELECT opened_on, episode_type, outcome FROM episodes WHERE provider_id = $1 AND participant_id = $2 AND id <> $3 \
             ORDER BY opened_on DESC LIMIT 10",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case.participant_id))
        .bind(sql::id(episode_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(PreviousEpisode::try_from)
        .collect::<Result<Vec<_>>>()?;
        let episode_cases = sqlx::query_as::<_, LinkedCaseRow>(
            "SELECT id, appointment_id, screened_on, outcome FROM reading_cases \
             WHERE provider_id = $1 AND participant_id = $2 AND episode_id = $3 AND id <> $4 \
             ORDER BY screened_on, created_at",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case.participant_id))
        .bind(sql::id(episode_id))
        .bind(sql::id(case_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(LinkedCase::try_from)
        .collect::<Result<Vec<_>>>()?;
        Ok(CaseDetail {
            case,
            episode_id,
            episode_cases,
            episode_type: parse_enum(&episode.episode_type)?,
            reads: views,
            first_read_hidden,
            arbitration,
            can_read,
            can_change,
            arbitrator_warning,
            holds,
            previous_episodes,
            settings,
        })
    }

    /// Saves a reader's opinion in progress (before "Confirm your opinion").
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn save_opinion_draft(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: CaseId,
        purpose: &str,
        opinion: &Opinion,
    ) -> Result<()> {
        let me = user_of(actor)?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        case_row(&mut **tx, scope, case_id).await?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $3 AND provider_id = $4",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(purpose)
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO opinion_drafts (provider_id, case_id, user_id, purpose, opinion, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(purpose)
        .bind(sql::json(opinion))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        write.commit().await?;
        Ok(())
    }

    /// The reader's opinion in progress, if any.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user_id = %user_id, case_id = %case_id))]
    pub async fn opinion_draft(
        &self,
        scope: Scope,
        user_id: Uuid,
        case_id: CaseId,
        purpose: &str,
    ) -> Result<Option<Opinion>> {
        let opinion = sqlx::query_scalar::<_, String>(
            "SELECT opinion FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $3 AND provider_id = $4",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(user_id))
        .bind(purpose)
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?;
        opinion.as_deref().map(parse_json).transpose()
    }

    /// Records the signed-in reader's opinion of a case: a new 1st or 2nd read, or a change
    /// to their own read while it is not yet final. Validates it, refuses a reader who
    /// cannot read the case (and one who gave the other read), and, when this concludes the
    /// case, writes the result onto the episode.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = session_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn record_read(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        opinion: &Opinion,
        context: &ReadingContext,
    ) -> Result<ReadRecorded> {
        let me = user_of(actor)?;
        opinion.validate(context).map_err(StoreError::Invalid)?;
        let now = sql::now();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let case = case_row(&mut **tx, scope, case_id).await?;
        if case.held.is_some() {
            return Err(StoreError::Refused(
                "This case is held back from reading (deferred or awaiting priors)".to_owned(),
            ));
        }
        let settings = settings_in(&mut **tx, scope).await?;
        let rules = settings.rules();
        let (reads, _, _) = load_reads(&mut **tx, scope, case_id).await?;
        let p = sql::id(scope.provider_id);
        // A reader who gave a read may change it only while the domain allows (not final;
        // a blind read is never shown the other opinion before it is final).
        let change = domain::reading::change_allowed(&reads, reader(me), &rules, now);
        let slot = if let Some(change) = change {
            let slot = change.map_err(|why| StoreError::Refused(why.label().to_owned()))?;
            sqlx::query(
                "UPDATE reads SET opinion = $1, opinion_kind = $2, given_at = $3 WHERE case_id = $4 AND reader_id = $5 AND provider_id = $6",
            )
            .bind(sql::json(opinion))
            .bind(opinion.kind().as_str())
            .bind(sql::ts(now))
            .bind(sql::id(case_id))
            .bind(sql::id(me))
            .bind(&p)
            .execute(&mut **tx)
            .await?;
            slot
        } else {
            let slot = domain::reading::can_read(&reads, reader(me), &rules, now)
                .map_err(|r| StoreError::Refused(r.label().to_owned()))?;
            sqlx::query(
                "INSERT INTO reads (id, provider_id, case_id, slot, reader_id, reader_name, opinion_kind, opinion, given_at, session_id, given_blind) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(sql::id(new_id()))
            .bind(&p)
            .bind(sql::id(case_id))
            .bind(slot.as_str())
            .bind(sql::id(me))
            .bind(&actor.name)
            .bind(opinion.kind().as_str())
            .bind(sql::json(opinion))
            .bind(sql::ts(now))
            .bind(session_id.map(sql::id))
            .bind(i64::from(rules.blinded))
            .execute(&mut **tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Duplicate(_) => StoreError::Refused(
                    "Another reader has just read this case".to_owned(),
                ),
                other => other,
            })?;
            let column = match slot {
                ReadSlot::First => "first_reader_id",
                ReadSlot::Second => "second_reader_id",
            };
            sqlx::query(&format!(
                "UPDATE reading_cases SET {column} = $1 WHERE id = $2 AND provider_id = $3"
            ))
            .bind(sql::id(me))
            .bind(sql::id(case_id))
            .bind(&p)
            .execute(&mut **tx)
            .await?;
            slot
        };
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $4 AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(&p)
        .bind(DraftPurpose::Read.as_str())
        .execute(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Create,
            "read",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "slot": slot, "opinion": opinion }),
        )
        .await?;
        mark_session(tx, scope, actor, session_id, case_id, SessionResult::Read).await?;
        let (state, outcome) = settle(tx, scope, actor, &settings, case_id, now).await?;
        write.commit().await?;
        Ok(ReadRecorded {
            slot,
            state,
            outcome,
        })
    }

    /// Makes every pending read of the reader's final now ("Finalise opinions").
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn finalise_reads(&self, scope: Scope, actor: &Actor) -> Result<usize> {
        let me = user_of(actor)?;
        let now = sql::now();
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let rows = sqlx::query_scalar::<_, String>(
            "SELECT d.case_id FROM reads d JOIN reading_cases r ON r.id = d.case_id AND r.provider_id = d.provider_id \
             WHERE d.provider_id = $1 AND d.reader_id = $2 AND d.finalised_early = 0 AND r.state = $3",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(me))
        .bind(ReadingState::AwaitingFinalisation.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let settings = settings_in(&mut **tx, scope).await?;
        for case_id in &rows {
            let case_id = parse_id(case_id)?;
            sqlx::query(
                "UPDATE reads SET finalised_early = 1 WHERE case_id = $1 AND reader_id = $2 AND provider_id = $3",
            )
            .bind(sql::id(case_id))
            .bind(sql::id(me))
            .bind(sql::id(scope.provider_id))
            .execute(&mut **tx)
            .await?;
            settle(tx, scope, actor, &settings, case_id, now).await?;
        }
        write.commit().await?;
        Ok(rows.len())
    }

    /// Records the arbitration of a case awaiting it, and concludes the case.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), session_id = session_id.map(tracing::field::display), case_id = %case_id))]
    pub async fn record_arbitration(
        &self,
        scope: Scope,
        actor: &Actor,
        session_id: Option<Uuid>,
        case_id: CaseId,
        arbitration: &NewArbitration,
        context: &ReadingContext,
    ) -> Result<ReadRecorded> {
        let me = user_of(actor)?;
        let now = sql::now();
        let mut arbitrators = vec![me];
        for a in &arbitration.arbitrators {
            if !arbitrators.contains(a) {
                arbitrators.push(*a);
            }
        }
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let case = case_row(&mut **tx, scope, case_id).await?;
        if case.state != ReadingState::AwaitingArbitration {
            return Err(StoreError::Refused(
                "This case is not awaiting arbitration".to_owned(),
            ));
        }
        // Every arbitrator must be a reader at this provider.
        let mut names = Vec::new();
        for a in &arbitrators {
            let name = sqlx::query_scalar::<_, String>(
                "SELECT u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id \
                 WHERE u.id = $1 AND ur.provider_id = $2 AND ur.role = $3",
            )
            .bind(sql::id(*a))
            .bind(sql::id(scope.provider_id))
            .bind(Role::Reader.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                StoreError::invalid(
                    "arbitrators",
                    "Select arbitrators who are image readers here",
                )
            })?;
            names.push(name);
        }
        let (reads, _, _) = load_reads(&mut **tx, scope, case_id).await?;
        let domain_arbitration = domain::reading::Arbitration {
            arbitrators: arbitrators.iter().map(|a| reader(*a)).collect(),
            decision: arbitration.decision.clone(),
            at: now,
        };
        domain_arbitration
            .validate(&reads, context)
            .map_err(StoreError::Invalid)?;
        sqlx::query(
            "INSERT INTO arbitrations (id, provider_id, case_id, arbitrators, arbitrator_names, decision, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(sql::id(new_id()))
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::json(&arbitrators))
        .bind(sql::json(&names))
        .bind(sql::json(&arbitration.decision))
        .bind(sql::id(me))
        .bind(sql::ts(now))
        .execute(&mut **tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => {
                StoreError::Refused("This case has already been arbitrated".to_owned())
            }
            other => other,
        })?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $4 AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(sql::id(scope.provider_id))
        .bind(DraftPurpose::Arbitration.as_str())
        .execute(&mut **tx)
        .await?;
        audit::record(
            &mut **tx,
            actor,
            AuditAction::Create,
            "arbitration",
            case_id,
            Some(case.participant_id),
            &serde_json::json!({ "arbitrators": names, "decision": arbitration.decision }),
        )
        .await?;
        mark_session(
            tx,
            scope,
            actor,
            session_id,
            case_id,
            SessionResult::Arbitrated,
        )
        .await?;
        let settings = settings_in(&mut **tx, scope).await?;
        let (state, outcome) = settle(tx, scope, actor, &settings, case_id, now).await?;
        write.commit().await?;
        Ok(ReadRecorded {
            slot: ReadSlot::Second,
            state,
            outcome,
        })
    }

    /// Clinics with cases still to be read (1st or 2nd), oldest first: (clinic id, date,
    /// location, cases waiting).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn clinics_to_read(&self, scope: Scope) -> Result<Vec<(Uuid, Date, String, i64)>> {
        // Count per clinic on the cases' own index first, then name the clinics.
        // The states a clinic session offers: 1st and 2nd reads.
        let states = SessionKind::Clinic.states();
        let query = format!(
            "SELECT c.id, c.clinic_date, l.name, g.n FROM \
             (SELECT clinic_id, COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 \
              AND state IN ({}) AND held IS NULL GROUP BY clinic_id) g \
             JOIN clinics c ON c.id = g.clinic_id AND c.provider_id = $1 \
             JOIN locations l ON l.id = c.location_id AND l.provider_id = c.provider_id \
             ORDER BY c.clinic_date, c.id LIMIT 50",
            sql::placeholders(2, states)
        );
        let mut q = sqlx::query_as::<_, ClinicToReadRow>(&query).bind(sql::id(scope.provider_id));
        for s in states {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.into_iter()
            .map(|r| Ok((parse_id(&r.id)?, parse_date(&r.clinic_date)?, r.name, r.n)))
            .collect()
    }

    /// Keeps who is arbitrating with the signed-in reader while they give another outcome.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display), case_id = %case_id, panel_count = panel.len()))]
    pub async fn save_arbitration_panel(
        &self,
        scope: Scope,
        actor: &Actor,
        case_id: CaseId,
        panel: &[Uuid],
    ) -> Result<()> {
        let me = user_of(actor)?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        case_row(&mut **tx, scope, case_id).await?;
        sqlx::query(
            "DELETE FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $4 AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(sql::id(scope.provider_id))
        .bind(DraftPurpose::Panel.as_str())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO opinion_drafts (provider_id, case_id, user_id, purpose, opinion, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(case_id))
        .bind(sql::id(me))
        .bind(DraftPurpose::Panel.as_str())
        .bind(sql::json(&panel))
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        write.commit().await?;
        Ok(())
    }

    /// The panel kept by [`Store::save_arbitration_panel`] (empty when solo).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user_id = %user_id, case_id = %case_id))]
    pub async fn arbitration_panel(
        &self,
        scope: Scope,
        user_id: Uuid,
        case_id: CaseId,
    ) -> Result<Vec<Uuid>> {
        let panel = sqlx::query_scalar::<_, String>(
            "SELECT opinion FROM opinion_drafts WHERE case_id = $1 AND user_id = $2 AND purpose = $4 AND provider_id = $3",
        )
        .bind(sql::id(case_id))
        .bind(sql::id(user_id))
        .bind(sql::id(scope.provider_id))
        .bind(DraftPurpose::Panel.as_str())
        .fetch_optional(self.pool())
        .await?;
        match panel {
            Some(panel) => parse_json(&panel),
            None => Ok(Vec::new()),
        }
    }

    /// The readers at this provider (for choosing a panel).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn readers(&self, scope: Scope) -> Result<Vec<(Uuid, String)>> {
        let rows = sqlx::query_as::<_, NamedUserRow>(
            "SELECT u.id, u.name FROM users u JOIN user_roles ur ON ur.user_id = u.id \
             WHERE ur.provider_id = $1 AND ur.role = $2 ORDER BY u.name",
        )
        .bind(sql::id(scope.provider_id))
        .bind(Role::Reader.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| Ok((parse_id(&r.id)?, r.name)))
            .collect()
    }

    /// The episode's stage and outcome history, oldest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, episode_id = %episode_id))]
    pub async fn episode_history(
        &self,
        scope: Scope,
        episode_id: EpisodeId,
    ) -> Result<Vec<EpisodeChange>> {
        sqlx::query_as::<_, EpisodeChangeRow>(
            "SELECT stage, outcome, next_test_due, end_code, reason, changed_by_name, changed_at FROM episode_history \
             WHERE provider_id = $1 AND episode_id = $2 ORDER BY changed_at",
        )
        .bind(sql::id(scope.provider_id))
        .bind(sql::id(episode_id))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(EpisodeChange::try_from)
        .collect()
    }
}
