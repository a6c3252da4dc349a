//! The results benchmark's data: participants, results and their queued deliveries, written
//! in bulk as the store writes them one by one.

use super::*;

/// Participants made so far (NHS numbers and names go on from one call to the next).
#[derive(Default)]
pub(super) struct People {
    pub(super) made: usize,
    pub(super) next_nhs: u32,
}

pub(super) const FIRST_NAMES: &[&str] = &[
    "Janet",
    "Margaret",
    "Susan",
    "Patricia",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Jennifer",
    "Aisha",
    "Priya",
    "Fatima",
    "Olga",
    "Siobhan",
    "Chloe",
    "Grace",
    "Ngozi",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Williams", "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Khan", "Patel",
    "O'Brien", "Thomas", "Roberts", "Johnson", "Lewis", "Walker",
];

/// How the i-th result of a day reads, with the episode it came from: mostly normal,
/// with recalls, assessment outcomes and referrals in about their national proportions.
pub(super) struct Shape {
    pub(super) kind: ResultKind,
    pub(super) stage: &'static str,
    pub(super) outcome: Option<&'static str>,
    pub(super) end_code: Option<&'static str>,
    pub(super) next_test_due_days: Option<i64>,
    pub(super) reason: &'static str,
}

pub(super) fn shape(i: usize) -> Shape {
    let read = "Image reading result";
    let assessed = "Assessment outcome";
    match i % 200 {
        0..8 => Shape {
            kind: ResultKind::RecallForAssessment,
            stage: "at_assessment",
            outcome: Some("recall_for_assessment"),
            end_code: None,
            next_test_due_days: None,
            reason: read,
        },
        8..14 => Shape {
            kind: ResultKind::TechnicalRecall,
            stage: "mammograms",
            outcome: Some("technical_recall"),
            end_code: None,
            next_test_due_days: None,
            reason: read,
        },
        14..17 => Shape {
            kind: ResultKind::AssessmentNormal,
            stage: "closed",
            outcome: Some("routine_recall"),
            end_code: Some("routine_recall"),
            next_test_due_days: Some(1095),
            reason: assessed,
        },
        17..19 => Shape {
            kind: ResultKind::EarlyRecall,
            stage: "closed",
            outcome: Some("early_recall"),
            end_code: Some("early_recall_12_months"),
            next_test_due_days: Some(365),
            reason: assessed,
        },
        19 => Shape {
            kind: ResultKind::ReferredForTreatment,
            stage: "closed",
            outcome: None,
            end_code: Some("referred_for_treatment"),
            next_test_due_days: None,
            reason: assessed,
        },
        _ => Shape {
            kind: ResultKind::Normal,
            stage: "closed",
            outcome: Some("routine_recall"),
            end_code: Some("routine_recall"),
            next_test_due_days: Some(1095),
            reason: read,
        },
    }
}

/// A SQL literal.
pub(super) fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(super) fn q_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), q)
}

/// As the store stores an instant: RFC 3339 UTC with six fractional digits.
pub(super) fn ts(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

pub(super) fn date(d: Date) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&f).unwrap_or_default()
}

pub(super) fn id() -> String {
    Uuid::now_v7().hyphenated().to_string()
}

/// Rows of one table, inserted 500 at a time.
pub(super) struct Rows {
    pub(super) head: &'static str,
    pub(super) values: Vec<String>,
}

impl Rows {
    pub(super) fn new(head: &'static str) -> Self {
        Rows {
            head,
            values: Vec::new(),
        }
    }

    pub(super) async fn flush(
        &mut self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> anyhow::Result<()> {
        for chunk in self.values.chunks(500) {
            let sql = format!("{} VALUES {}", self.head, chunk.join(", "));
            tx.execute(sql.as_str())
                .await
                .with_context(|| format!("seeding: {}", &self.head[..self.head.len().min(60)]))?;
        }
        self.values.clear();
        Ok(())
    }
}

impl People {
    /// Makes `n` participants with an episode each. With `codings`, each episode has given
    /// its result, with the letter and the GP message queued (as the store issues one);
    /// without, each episode is open and waiting for its outcome. Returns the episodes.
    pub(super) async fn seed(
        &mut self,
        pool: &AnyPool,
        provider: Uuid,
        n: usize,
        practice: Option<&str>,
        codings: Option<&[ResultCoding]>,
        issued_by: &str,
    ) -> anyhow::Result<Vec<Uuid>> {
        let p = provider.hyphenated().to_string();
        let now = OffsetDateTime::now_utc();
        let now_ts = ts(now);
        let today = now.date();
        let mut participants = Rows::new(
            "INSERT INTO participants (id, provider_id, nhs_number, first_name, last_name, date_of_birth, sex, \
             address_line_1, address_line_2, town, postcode, phone, email, gp_practice_code, ethnicity, \
             communication_preferences, communication_notes, access_needs, access_notes, support_reasons, \
             support_temporary, created_at, updated_at)",
        );
        let mut episodes = Rows::new(
            "INSERT INTO episodes (id, provider_id, participant_id, episode_type, stage, outcome, opened_on, closed_on, \
             created_at, next_test_due, end_code, end_reason)",
        );
        let mut results = Rows::new(
            "INSERT INTO results (id, provider_id, episode_id, participant_id, kind, version, supersedes_id, state, \
             outcome, end_code, next_test_due, reason, summary, gp_text, letter_template, finding_code, finding_display, \
             procedure_code, procedure_display, issued_by_name, created_at)",
        );
        let mut deliveries = Rows::new(
            "INSERT INTO result_deliveries (id, provider_id, result_id, participant_id, channel, state, reason, \
             gp_practice_code, hold_clinic_id, reissue_of, attempts, next_attempt_at, queued_at, updated_at)",
        );
        let mut history = Rows::new(
            "INSERT INTO result_delivery_history (id, provider_id, delivery_id, state, detail, actor_name, created_at)",
        );
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let i = self.made;
            self.made += 1;
            let nhs = loop {
                let candidate = 943_000_000 + self.next_nhs;
                self.next_nhs += 1;
                if let Some(nhs) = domain::NhsNumber::from_first_nine(candidate) {
                    break nhs.as_digits();
                }
            };
            let practice =
                practice.map_or_else(|| format!("B8{:04}", 2001 + i % 60), str::to_owned);
            let prefs: Vec<CommunicationPreference> = match i % 100 {
                0 => vec![CommunicationPreference::LargePrint],
                1 => vec![CommunicationPreference::EasyRead],
                2 => vec![CommunicationPreference::Braille],
                3 => vec![
                    CommunicationPreference::OtherLanguage,
                    CommunicationPreference::Interpreter,
                ],
                _ => vec![],
            };
            let dob = Date::from_calendar_date(
                1953 + (i % 23) as i32,
                time::Month::try_from(1 + (i % 12) as u8)?,
                1 + (i % 28) as u8,
            )?;
            let participant = id();
            participants.values.push(format!(
                "({}, {}, {}, {}, {}, {}, 'female', {}, '', 'Leeds', 'LS1 4AP', '', '', {}, NULL, {}, '', '[]', '', '[]', 0, {}, {})",
                q(&participant),
                q(&p),
                q(&nhs),
                q(FIRST_NAMES[i % FIRST_NAMES.len()]),
                q(LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()]),
                q(&date(dob)),
                q(&format!("{} Benchmark Road", 1 + i % 300)),
                q(&practice),
                q(&serde_json::to_string(&prefs)?),
                q(&now_ts),
                q(&now_ts),
            ));
            let episode = Uuid::now_v7();
            out.push(episode);
            let episode_id = episode.hyphenated().to_string();
            let opened = date(today - time::Duration::days(30));
            let Some(codings) = codings else {
                episodes.values.push(format!(
                    "({}, {}, {}, 'routine', 'scheduled', NULL, {}, NULL, {}, NULL, NULL, '')",
                    q(&episode_id),
                    q(&p),
                    q(&participant),
                    q(&opened),
                    q(&now_ts)
                ));
                continue;
            };
            let s = shape(i);
            let next_test_due = s
                .next_test_due_days
                .map(|d| date(today + time::Duration::days(d)));
            let closed = s.stage == "closed";
            episodes.values.push(format!(
                "({}, {}, {}, 'routine', {}, {}, {}, {}, {}, {}, {}, {})",
                q(&episode_id),
                q(&p),
                q(&participant),
                q(s.stage),
                q_opt(s.outcome),
                q(&opened),
                if closed {
                    q(&date(today))
                } else {
                    "NULL".to_owned()
                },
                q(&now_ts),
                q_opt(next_test_due.as_deref()),
                q_opt(s.end_code),
                if closed { q(s.reason) } else { "''".to_owned() },
            ));
            let coding = codings
                .iter()
                .find(|c| c.kind == s.kind)
                .context("every kind has its coding")?;
            let result = id();
            let mut row = String::new();
            write!(
                row,
                "({}, {}, {}, {}, {}, 1, NULL, 'current', {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                q(&result),
                q(&p),
                q(&episode_id),
                q(&participant),
                q(s.kind.as_str()),
                q_opt(s.outcome),
                q_opt(s.end_code),
                q_opt(next_test_due.as_deref()),
                q(s.reason),
                q(s.kind.summary()),
                q(s.kind.gp_text()),
                q(s.kind.letter()),
                q_opt(coding.finding.as_ref().map(|c| c.code.as_str())),
                q_opt(coding.finding.as_ref().map(|c| c.display.as_str())),
                q_opt(coding.procedure.as_ref().map(|c| c.code.as_str())),
                q_opt(coding.procedure.as_ref().map(|c| c.display.as_str())),
                q(issued_by),
                q(&now_ts),
            )?;
            results.values.push(row);
            for channel in ["letter", "gp_message"] {
                let delivery = id();
                deliveries.values.push(format!(
                    "({}, {}, {}, {}, {}, 'queued', '', {}, NULL, NULL, 0, {}, {}, {})",
                    q(&delivery),
                    q(&p),
                    q(&result),
                    q(&participant),
                    q(channel),
                    q(&practice),
                    q(&now_ts),
                    q(&now_ts),
                    q(&now_ts),
                ));
                history.values.push(format!(
                    "({}, {}, {}, 'queued', 'Queued', {}, {})",
                    q(&id()),
                    q(&p),
                    q(&delivery),
                    q(issued_by),
                    q(&now_ts),
                ));
            }
        }
        let mut tx = pool.begin().await?;
        for rows in [
            &mut participants,
            &mut episodes,
            &mut results,
            &mut deliveries,
            &mut history,
        ] {
            rows.flush(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
