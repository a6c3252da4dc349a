//! Reading cases and settings: listing cases, settling due reads, the dashboard counts and
//! the overdue list.

use super::*;
use crate::write::AuditRow;
use domain::ids::{AppointmentId, CaseId};
use sqlx::FromRow;

/// One group of the dashboard's count of unfinished cases, as stored.
#[derive(FromRow)]
struct StateCountRow {
    state: String,
    held: Option<String>,
    n: i64,
}

/// What the overdue list reads beside the case's own columns, as stored.
#[derive(FromRow)]
struct OverdueRow {
    claimed_until: Option<String>,
    claimed_by_name: Option<String>,
    held_by_name: Option<String>,
    last_reader_name: Option<String>,
}

impl Store {
    /// The provider's reading settings (the defaults until someone saves them).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn reading_settings(&self, scope: Scope) -> Result<ReadingSettings> {
        settings_in(self.pool(), scope).await
    }

    /// Saves the provider's reading settings.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = actor.user_id.map(tracing::field::display)))]
    pub async fn save_reading_settings(
        &self,
        scope: Scope,
        actor: &Actor,
        settings: ReadingSettings,
    ) -> Result<()> {
        settings.validate()?;
        let mut write = self.begin_change().await?;
        let tx = write.tx();
        let p = sql::id(scope.provider_id);
        sqlx::query("DELETE FROM reading_settings WHERE provider_id = $1")
            .bind(&p)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO reading_settings (provider_id, blinded, arbitration_policy, finalisation_delay_minutes, window_days, due_soon_days, urgent_days, updated_by_name, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&p)
        .bind(i64::from(settings.blinded))
        .bind(settings.arbitration_policy.as_str())
        .bind(i64::from(settings.finalisation_delay_minutes))
        .bind(i64::from(settings.window_days))
        .bind(i64::from(settings.due_soon_days))
        .bind(i64::from(settings.urgent_days))
        .bind(&actor.name)
        .bind(sql::ts(sql::now()))
        .execute(&mut **tx)
        .await?;
        write
            .commit_audited(AuditRow::new(
                actor,
                AuditAction::Update,
                "reading_settings",
                scope.provider_id,
                None,
                serde_json::to_value(settings).unwrap_or_default(),
            ))
            .await?;
        Ok(())
    }

    /// The provider's reading cases in a state, oldest screening first (the reading order).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn reading_cases(
        &self,
        scope: Scope,
        state: ReadingState,
        limit: i64,
    ) -> Result<Vec<ReadingCase>> {
        let rows = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} \
             WHERE r.provider_id = $1 AND r.state = $2 ORDER BY r.screened_on, r.id LIMIT $3"
        ))
        .bind(sql::id(scope.provider_id))
        .bind(state.as_str())
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(case_from).collect()
    }

    /// One reading case.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, case_id = %case_id))]
    pub async fn reading_case(&self, scope: Scope, case_id: CaseId) -> Result<ReadingCase> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} WHERE r.id = $1 AND r.provider_id = $2"
        ))
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        case_from(&row)
    }

    /// The reading case opened for an appointment, if any.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, appointment_id = %appointment_id))]
    pub async fn reading_case_for_appointment(
        &self,
        scope: Scope,
        appointment_id: AppointmentId,
    ) -> Result<Option<ReadingCase>> {
        let row = sqlx::query(&format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} WHERE r.appointment_id = $1 AND r.provider_id = $2"
        ))
        .bind(sql::id(appointment_id))
        .bind(sql::id(scope.provider_id))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(case_from).transpose()
    }

    /// Moves on every case of the provider whose pending read has become final since it
    /// was given, in batches of up to 200, each in its own transaction. Cheap when there
    /// are none (one indexed look-up). The service's timer calls it for every provider
    /// ([`Store::settle_due_reads_everywhere`]); the dashboard and "next case" call it too,
    /// so a reader never waits for the timer.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn settle_due_reads(&self, scope: Scope, now: OffsetDateTime) -> Result<usize> {
        let mut settled = 0;
        loop {
            let due = sqlx::query_scalar::<_, String>(
                "SELECT id FROM reading_cases WHERE provider_id = $1 AND state = $3 AND finalises_at <= $2 \
                 ORDER BY finalises_at, id LIMIT 200",
            )
            .bind(sql::id(scope.provider_id))
            .bind(sql::ts(now))
            .bind(ReadingState::AwaitingFinalisation.as_str())
            .fetch_all(self.pool())
            .await?;
            if due.is_empty() {
                return Ok(settled);
            }
            let actor = Actor::system("Reading finalisation");
            let mut write = self.begin_change().await?;
            let tx = write.tx();
            let settings = settings_in(&mut **tx, scope).await?;
            let mut moved = 0;
            for id in &due {
                let id = parse_id(id)?;
                let (state, _) = settle(tx, scope, &actor, &settings, id, now).await?;
                if state != ReadingState::AwaitingFinalisation {
                    moved += 1;
                }
            }
            write.commit().await?;
            settled += moved;
            // A batch that moved nothing (its reads were changed since, so they are not
            // due after all) would be found again: stop rather than loop.
            if due.len() < 200 || moved == 0 {
                return Ok(settled);
            }
        }
    }

    /// Settles due reads for every provider, each in its own scope and transactions (the
    /// service's timer, so results are written on time whether or not anyone opens a
    /// reading page). A provider whose settling fails is logged and the others still run.
    /// Returns how many cases moved on, per provider code.
    #[tracing::instrument(skip_all)]
    pub async fn settle_due_reads_everywhere(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<(String, usize)>> {
        let mut out = Vec::new();
        for provider in self.providers().await? {
            let scope = Scope {
                provider_id: provider.id,
            };
            match self.settle_due_reads(scope, now).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(provider = %provider.code, cases = n, "reading: settled reads that became final");
                    out.push((provider.code, n));
                }
                Err(e) => {
                    tracing::error!(provider = %provider.code, error = %e, "reading: settling due reads failed");
                }
            }
        }
        Ok(out)
    }

    /// The reader dashboard's counts, for `reader`, with the cases overdue on `today`.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, reader_id = %reader_id))]
    pub async fn reading_counts(
        &self,
        scope: Scope,
        reader_id: Uuid,
        today: Date,
    ) -> Result<ReadingCounts> {
        let now = sql::now();
        self.settle_due_reads(scope, now).await?;
        let p = sql::id(scope.provider_id);
        let query = format!(
            "SELECT state, held, COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 \
             AND state IN ({}) GROUP BY state, held",
            sql::placeholders(2, &UNFINISHED)
        );
        let mut q = sqlx::query_as::<_, StateCountRow>(&query).bind(&p);
        for s in UNFINISHED {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut counts = ReadingCounts::default();
        for StateCountRow { state, held, n } in rows {
            match held.as_deref().map(str::parse::<HoldKind>) {
                Some(Ok(HoldKind::Deferred)) => counts.deferred += n,
                Some(_) => counts.awaiting_priors += n,
                None => match state.parse::<ReadingState>() {
                    Ok(ReadingState::AwaitingFirstRead) => counts.awaiting_first_read += n,
                    Ok(ReadingState::AwaitingSecondRead) => counts.awaiting_second_read += n,
                    Ok(ReadingState::AwaitingFinalisation) => counts.awaiting_finalisation += n,
                    _ => counts.awaiting_arbitration += n,
                },
            }
        }
        let mine = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 AND state = $3 \
             AND held IS NULL AND first_reader_id = $2",
        )
        .bind(&p)
        .bind(sql::id(reader_id))
        .bind(ReadingState::AwaitingSecondRead.as_str())
        .fetch_one(self.pool())
        .await?;
        counts.available_first_reads = counts.awaiting_first_read;
        counts.available_second_reads = counts.awaiting_second_read - mine;
        let window = settings_in(self.pool(), scope).await?.window();
        let query = format!(
            "SELECT COUNT(*) AS n FROM reading_cases WHERE provider_id = $1 AND state IN ({}) AND screened_on < $2",
            sql::placeholders(3, &UNFINISHED)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&query)
            .bind(&p)
            .bind(sql::date(window.overdue_before(today)));
        for s in UNFINISHED {
            q = q.bind(s.as_str());
        }
        counts.overdue = q.fetch_one(self.pool()).await?;
        Ok(counts)
    }

    /// Every case past its reading window on `today` without a result, oldest screening
    /// first, with who holds it (deferred by, awaiting priors requested by, claimed by, a
    /// read awaiting finalisation by, or nobody). Held cases are included: holding a case
    /// does not stop its window.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id))]
    pub async fn overdue_cases(&self, scope: Scope, today: Date) -> Result<Vec<OverdueCase>> {
        let now = sql::now();
        let window = self.reading_settings(scope).await?.window();
        let p = sql::id(scope.provider_id);
        let query = format!(
            "SELECT {CASE_COLUMNS}, r.claimed_until, cu.name AS claimed_by_name, \
             (SELECT h.requested_by_name FROM case_holds h WHERE h.case_id = r.id AND h.provider_id = r.provider_id \
              AND h.released_at IS NULL AND h.kind = CASE WHEN r.held = $3 THEN $3 ELSE $4 END \
              ORDER BY h.requested_at DESC LIMIT 1) AS held_by_name, \
             (SELECT d.reader_name FROM reads d WHERE d.case_id = r.id AND d.provider_id = r.provider_id \
              ORDER BY d.given_at DESC LIMIT 1) AS last_reader_name \
             {CASE_FROM} LEFT JOIN users cu ON cu.id = r.claimed_by \
             WHERE r.provider_id = $1 AND r.state IN ({}) AND r.screened_on < $2 \
             ORDER BY r.screened_on, r.id LIMIT 1000",
            sql::placeholders(5, &UNFINISHED)
        );
        let mut q = sqlx::query(&query)
            .bind(&p)
            .bind(sql::date(window.overdue_before(today)))
            .bind(HoldKind::Deferred.as_str())
            .bind(HoldKind::Priors.as_str());
        for s in UNFINISHED {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let case = case_from(r)?;
                let extra = OverdueRow::from_row(r)?;
                let claimed_until = extra.claimed_until.as_deref().map(parse_ts).transpose()?;
                let holder = domain::reading::case_holder(
                    case.state,
                    case.held.as_deref(),
                    claimed_until,
                    now,
                );
                let held_by = match holder {
                    CaseHolder::Deferred | CaseHolder::AwaitingPriors => extra.held_by_name,
                    CaseHolder::Claimed => extra.claimed_by_name,
                    CaseHolder::AwaitingFinalisation => extra.last_reader_name,
                    CaseHolder::Queue => None,
                };
                Ok(OverdueCase {
                    days_past_window: (today - case.screened_on).whole_days()
                        - i64::from(window.window_days),
                    holder,
                    holder_label: holder.label().to_owned(),
                    held_by,
                    case,
                })
            })
            .collect()
    }
}
