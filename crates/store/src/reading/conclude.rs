//! Settling a case by its reads, and the result a concluded case writes.

use super::*;
use domain::ids::CaseId;

/// Moves a case to the state its reads put it in, and concludes it (writing the result)
/// when they make a result. Returns the state and, when concluded now, the outcome.
pub(super) async fn settle(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    settings: &ReadingSettings,
    case_id: CaseId,
    now: OffsetDateTime,
) -> Result<(ReadingState, Option<String>)> {
    // Take the case's row lock first (PostgreSQL; SQLite's write transaction is already
    // exclusive), so two settlers (the timer and a reader's request) take turns and the
    // second sees the first's result instead of concluding the case twice.
    sqlx::query("UPDATE reading_cases SET version = version WHERE id = $1 AND provider_id = $2")
        .bind(sql::id(case_id))
        .bind(sql::id(scope.provider_id))
        .execute(&mut **tx)
        .await?;
    let case = case_row(&mut **tx, scope, case_id).await?;
    let rules = settings.rules();
    let (reads, _, _) = load_reads(&mut **tx, scope, case_id).await?;
    let state = domain::reading::next_state(&reads, &rules, now);
    let p = sql::id(scope.provider_id);
    // When a pending read becomes final: the latest read's time plus the delay.
    let finalises_at = [&reads.first, &reads.second]
        .into_iter()
        .flatten()
        .filter(|r| !rules.finalisation.is_final(r, now))
        .map(|r| rules.finalisation.finalises_at(r))
        .max();
    if state != case.state {
        sqlx::query(
            "UPDATE reading_cases SET state = $1, finalises_at = $2, version = version + 1 WHERE id = $3 AND provider_id = $4",
        )
        .bind(state.as_str())
        .bind(finalises_at.map(sql::ts))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    } else if finalises_at.is_some() {
        sqlx::query(
            "UPDATE reading_cases SET finalises_at = $1 WHERE id = $2 AND provider_id = $3",
        )
        .bind(finalises_at.map(sql::ts))
        .bind(sql::id(case_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    }
    if state == ReadingState::AwaitingArbitration && case.state != state {
        sqlx::query("UPDATE reads SET arbitrated = 1 WHERE case_id = $1 AND provider_id = $2")
            .bind(sql::id(case_id))
            .bind(&p)
            .execute(&mut **tx)
            .await?;
    }
    if state != ReadingState::Concluded || case.concluded {
        return Ok((state, None));
    }
    let Some(final_opinion) = domain::reading::final_opinion(&reads, &rules, now) else {
        return Ok((state, None));
    };
    let outcome = conclude(tx, scope, actor, &case, final_opinion, now).await?;
    Ok((state, Some(outcome)))
}

/// Writes a concluded case's result: the episode's outcome, stage and next test due date
/// with a history row, and the follow-up requests the office acts on.
async fn conclude(
    tx: &mut Tx,
    scope: Scope,
    actor: &Actor,
    case: &CaseRow,
    final_opinion: &Opinion,
    now: OffsetDateTime,
) -> Result<String> {
    let p = sql::id(scope.provider_id);
    let episode_type = sqlx::query_scalar::<_, String>(
        "SELECT episode_type FROM episodes WHERE id = $1 AND provider_id = $2",
    )
    .bind(sql::id(case.episode_id))
    .bind(&p)
    .fetch_one(&mut **tx)
    .await?;
    let episode_type: EpisodeType = parse_enum(&episode_type)?;
    let mut result = domain::reading::outcome(
        final_opinion,
        episode_type,
        case.completeness,
        case.screened_on,
    );
    let reason = format!("Image reading result: {}", final_opinion.label());
    let end_code = (result.stage == EpisodeStage::Closed)
        .then(|| domain::end_code::EndCode::for_outcome(result.episode_outcome))
        .flatten();
    if let Some(end_code) = end_code {
        // The one closing path: end code, closing day, next test due by the national rule.
        result.next_test_due = crate::shared::episode::close(
            tx,
            scope,
            actor,
            crate::shared::episode::Closing {
                episode_id: case.episode_id,
                end_code,
                outcome: Some(result.episode_outcome),
                reason: &reason,
                closed_on: domain::dates::london_date(now),
                correction: false,
            },
        )
        .await?;
    } else {
        let ts = sql::ts(now);
        let closed_on = (result.stage == EpisodeStage::Closed)
            .then(|| sql::date(domain::dates::london_date(now)));
        sqlx::query(
            "UPDATE episodes SET outcome = $1, stage = $2, next_test_due = $3, closed_on = COALESCE($4, closed_on) WHERE id = $5 AND provider_id = $6",
        )
        .bind(result.episode_outcome.as_str())
        .bind(result.stage.as_str())
        .bind(result.next_test_due.map(sql::date))
        .bind(closed_on)
        .bind(sql::id(case.episode_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, reason, changed_by_name, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(sql::id(new_id()))
        .bind(&p)
        .bind(sql::id(case.episode_id))
        .bind(result.stage.as_str())
        .bind(result.episode_outcome.as_str())
        .bind(result.next_test_due.map(sql::date))
        .bind(&reason)
        .bind(&actor.name)
        .bind(&ts)
        .execute(&mut **tx)
        .await?;
    }
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::EpisodeOutcomeSet(EpisodeOutcomeSet {
            provider_id: scope.provider_id,
            episode_id: case.episode_id,
            participant_id: case.participant_id,
            outcome: result.episode_outcome,
            stage: result.stage,
            next_test_due: result.next_test_due,
            reason,
        }),
    )
    .await?;
    let follow_ups = result
        .follow_up
        .iter()
        .map(|follow_up| match follow_up {
            FollowUpNeeded::TechnicalRecall { .. } => NeededFollowUp {
                kind: FollowUpKind::TechnicalRecall,
                details: technical_recall_details(final_opinion),
                views: final_opinion.recalled_views().into_iter().collect(),
            },
            FollowUpNeeded::AssessmentReferral { breasts } => NeededFollowUp {
                kind: FollowUpKind::AssessmentReferral,
                details: assessment_details(final_opinion, breasts),
                views: Vec::new(),
            },
            FollowUpNeeded::MoreImages => NeededFollowUp {
                kind: FollowUpKind::MoreImages,
                details: "Images the mammographer could not take".to_owned(),
                views: Vec::new(),
            },
        })
        .collect();
    // The office's follow-up requests are raised by the follow-ups feature, in this
    // transaction.
    outbox::record(
        tx,
        scope,
        actor,
        DomainEvent::CaseConcluded(CaseConcluded {
            provider_id: scope.provider_id,
            case_id: case.id,
            appointment_id: case.appointment_id,
            episode_id: case.episode_id,
            participant_id: case.participant_id,
            outcome: result.episode_outcome,
            final_opinion: final_opinion.kind(),
            follow_ups,
        }),
    )
    .await?;
    sqlx::query(
        "UPDATE reading_cases SET outcome = $1, concluded_at = $2, claimed_by = NULL, claimed_until = NULL, final_opinion_kind = $5 \
         WHERE id = $3 AND provider_id = $4",
    )
    .bind(result.episode_outcome.as_str())
    .bind(sql::ts(now))
    .bind(sql::id(case.id))
    .bind(&p)
    .bind(final_opinion.kind().as_str())
    .execute(&mut **tx)
    .await?;
    // What the statistics read without joining: each read's case result, and whether the
    // screen's images led to a technical recall.
    sqlx::query("UPDATE reads SET case_final_kind = $1 WHERE case_id = $2 AND provider_id = $3")
        .bind(final_opinion.kind().as_str())
        .bind(sql::id(case.id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    if result.episode_outcome == domain::episode::EpisodeOutcome::TechnicalRecall {
        sqlx::query(
            "UPDATE image_records SET technical_recall = 1 WHERE appointment_id = $1 AND provider_id = $2",
        )
        .bind(sql::id(case.appointment_id))
        .bind(&p)
        .execute(&mut **tx)
        .await?;
    }
    audit::record(
        &mut **tx,
        actor,
        AuditAction::Update,
        "episode",
        case.episode_id,
        Some(case.participant_id),
        &serde_json::to_value(&result).unwrap_or_default(),
    )
    .await?;
    Ok(result.episode_outcome.as_str().to_owned())
}

/// "RMLO: Breast positioning; LCC: Other reason (motion)".
fn technical_recall_details(opinion: &Opinion) -> String {
    match opinion {
        Opinion::TechnicalRecall { views } => views
            .iter()
            .map(|v| {
                let details = v.details.trim();
                if details.is_empty() {
                    format!("{}: {}", v.view, v.reason.label())
                } else {
                    format!("{}: {} ({details})", v.view, v.reason.label())
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

/// "Right breast: Abnormal, recall for assessment".
fn assessment_details(opinion: &Opinion, breasts: &[Breast]) -> String {
    breasts
        .iter()
        .filter_map(|&b| {
            opinion
                .assessment(b)
                .map(|a| format!("{} breast: {}", b.label(), a.label()))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
