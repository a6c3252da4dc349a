//! Performance data for the people doing the work: image readers and mammographers.
//!
//! The database groups the rows down to a handful per person; the rates are then worked
//! out by `domain::reading` (what counts as agreement, how a percentage is rounded), so the
//! rules are not written a second time in SQL.

use crate::sql::{self, parse_enum, parse_id, parse_json};
use crate::{Result, Scope, Store};
use domain::reading::{OpinionKind, ReaderRates, ReaderTally, agrees_with_outcome, percentage};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

/// One reader's performance over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReaderStats {
    pub reader_id: Uuid,
    pub reader_name: String,
    pub rates: ReaderRates,
}

/// A repeat reason and how many views it was given for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepeatReasonCount {
    /// The reason's stored value.
    pub reason: String,
    pub views: i64,
}

/// One mammographer's performance over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MammographerStats {
    pub user_id: Option<Uuid>,
    pub user_name: String,
    /// Appointments they completed.
    pub screens: i64,
    pub images: i64,
    pub repeats: i64,
    /// Repeats as a percentage of images.
    pub repeat_rate: Option<f64>,
    /// Each repeat reason's value and how many views it was given for.
    pub repeat_reasons: Vec<RepeatReasonCount>,
    /// Screens whose reading result was a technical recall.
    pub technical_recalls: i64,
    /// Screens where they asked for the participant to come back for more images.
    pub self_requested_recalls: i64,
    pub partial_mammographies: i64,
}

/// One group of a reader's reads, as stored.
#[derive(FromRow)]
struct ReadGroupRow {
    reader_id: String,
    reader_name: String,
    slot: String,
    opinion_kind: String,
    case_final_kind: Option<String>,
    arbitrated: i64,
    n: i64,
}

/// One group of a mammographer's image records, as stored.
#[derive(FromRow)]
struct ImageGroupRow {
    user_id: Option<String>,
    user_name: String,
    completeness: String,
    repeat_reasons: String,
    tr: i64,
    screens: i64,
    images: i64,
    repeats: i64,
}

impl Store {
    /// Readers' performance for reads given on or after `since`, one row per reader
    /// (only `reader` when given), busiest first.
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, reader = reader.map(tracing::field::display)))]
    pub async fn reader_stats(
        &self,
        scope: Scope,
        since: Date,
        reader: Option<Uuid>,
    ) -> Result<Vec<ReaderStats>> {
        let mut query = String::from(
            "SELECT d.reader_id, MAX(d.reader_name) AS reader_name, d.slot, d.opinion_kind, d.case_final_kind, d.arbitrated, \
             COUNT(*) AS n FROM reads d WHERE d.provider_id = $1 AND d.given_at >= $2",
        );
        if reader.is_some() {
            query.push_str(" AND d.reader_id = $3");
        }
        query.push_str(
            " GROUP BY d.reader_id, d.slot, d.opinion_kind, d.case_final_kind, d.arbitrated",
        );
        let mut q = sqlx::query_as::<_, ReadGroupRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(format!("{}T00:00:00.000000Z", sql::date(since)));
        if let Some(reader) = reader {
            q = q.bind(sql::id(reader));
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut tallies: BTreeMap<String, (String, ReaderTally)> = BTreeMap::new();
        for r in rows {
            let n = u64::try_from(r.n).unwrap_or(0);
            let kind: OpinionKind = parse_enum(&r.opinion_kind)?;
            let final_kind = r
                .case_final_kind
                .map(|k| parse_enum::<OpinionKind>(&k))
                .transpose()?;
            let entry = tallies
                .entry(r.reader_id)
                .or_insert_with(|| (r.reader_name, ReaderTally::default()));
            let t = &mut entry.1;
            match r.slot.as_str() {
                "first" => t.first_reads += n,
                _ => t.second_reads += n,
            }
            match kind {
                OpinionKind::RecallForAssessment => t.recalls += n,
                OpinionKind::TechnicalRecall => t.technical_recalls += n,
                _ => {}
            }
            if r.arbitrated == 1 {
                t.arbitrated += n;
            }
            if let Some(final_kind) = final_kind {
                t.concluded += n;
                if agrees_with_outcome(kind, final_kind) {
                    t.agreed_with_outcome += n;
                }
            }
        }
        let mut out = tallies
            .into_iter()
            .map(|(id, (name, tally))| {
                Ok(ReaderStats {
                    reader_id: parse_id(&id)?,
                    reader_name: name,
                    rates: tally.rates(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| {
            b.rates
                .cases_read
                .cmp(&a.rates.cases_read)
                .then_with(|| a.reader_name.cmp(&b.reader_name))
        });
        Ok(out)
    }

    /// Mammographers' performance for screens on or after `since` (only `user` when given).
    #[tracing::instrument(skip_all, fields(provider = %scope.provider_id, user = user.map(tracing::field::display)))]
    pub async fn mammographer_stats(
        &self,
        scope: Scope,
        since: Date,
        user: Option<Uuid>,
    ) -> Result<Vec<MammographerStats>> {
        let mut query = String::from(
            "SELECT i.user_id, i.user_name, i.completeness, i.repeat_reasons, i.technical_recall AS tr, \
             COUNT(*) AS screens, CAST(SUM(i.images) AS BIGINT) AS images, CAST(SUM(i.repeats) AS BIGINT) AS repeats \
             FROM image_records i WHERE i.provider_id = $1 AND i.screened_on >= $2",
        );
        if user.is_some() {
            query.push_str(" AND i.user_id = $3");
        }
        query.push_str(
            " GROUP BY i.user_id, i.user_name, i.completeness, i.repeat_reasons, i.technical_recall",
        );
        let mut q = sqlx::query_as::<_, ImageGroupRow>(&query)
            .bind(sql::id(scope.provider_id))
            .bind(sql::date(since));
        if let Some(user) = user {
            q = q.bind(sql::id(user));
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut by_user: BTreeMap<(String, Option<String>), MammographerStats> = BTreeMap::new();
        let mut reasons: BTreeMap<(String, Option<String>), BTreeMap<String, i64>> =
            BTreeMap::new();
        for r in rows {
            let user_id = r.user_id;
            let name = r.user_name;
            let key = (name.clone(), user_id.clone());
            let screens = r.screens;
            let entry = by_user
                .entry(key.clone())
                .or_insert_with(|| MammographerStats {
                    user_id: None,
                    user_name: name,
                    screens: 0,
                    images: 0,
                    repeats: 0,
                    repeat_rate: None,
                    repeat_reasons: Vec::new(),
                    technical_recalls: 0,
                    self_requested_recalls: 0,
                    partial_mammographies: 0,
                });
            entry.user_id = user_id.as_deref().map(parse_id).transpose()?;
            entry.screens += screens;
            entry.images += r.images;
            entry.repeats += r.repeats;
            if r.tr == 1 {
                entry.technical_recalls += screens;
            }
            match r.completeness.as_str() {
                "to_be_recalled" => entry.self_requested_recalls += screens,
                "partial_mammography" => entry.partial_mammographies += screens,
                _ => {}
            }
            let listed: Vec<String> = parse_json(&r.repeat_reasons)?;
            let counts = reasons.entry(key).or_default();
            for reason in listed {
                *counts.entry(reason).or_default() += screens;
            }
        }
        let mut out: Vec<MammographerStats> = by_user
            .into_iter()
            .map(|(key, mut s)| {
                s.repeat_rate = percentage(
                    u64::try_from(s.repeats).unwrap_or(0),
                    u64::try_from(s.images).unwrap_or(0),
                );
                s.repeat_reasons = reasons
                    .remove(&key)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(reason, views)| RepeatReasonCount { reason, views })
                    .collect();
                s.repeat_reasons.sort_by_key(|r| std::cmp::Reverse(r.views));
                s
            })
            .collect();
        out.sort_by(|a, b| {
            b.screens
                .cmp(&a.screens)
                .then_with(|| a.user_name.cmp(&b.user_name))
        });
        Ok(out)
    }
}
