//! The day's print batch: every queued letter of a provider in one PDF, with a manifest
//! (count, pages, SHA-256, and each letter's pages, format and flags for the supplier),
//! written whole to `<print_dir>/<provider code>/` and then recorded.
//!
//! The letters are claimed with a lease first, so two instances never batch one letter
//! twice. A failure before the record leaves them queued: the lease runs out and the next
//! run takes them again (a file written but not recorded is left for the office to
//! discard; its letters appear in the next batch).

use crate::{Error, render, write_whole};
use store::{Actor, PrintBatch, Scope, Store};
use time::OffsetDateTime;

/// Most letters in one batch (a national day is ~12,000; one office's far fewer).
pub const BATCH_LIMIT: i64 = 50_000;

/// Makes the provider's print batch now, if it has letters due. Returns the batch.
pub async fn run(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    print_dir: &std::path::Path,
) -> Result<Option<PrintBatch>, Error> {
    let due = store.claim_due_letters(scope, BATCH_LIMIT).await?;
    let Some(first) = due.first() else {
        return Ok(None);
    };
    let provider_code = first.provider_code.clone();
    let letters: Vec<letters::Letter> = due.iter().map(render::letter).collect();
    // Typesetting is CPU work: keep it off the request threads.
    let batch = tokio::task::spawn_blocking(move || letters::render_batch(&letters))
        .await
        .map_err(|e| Error::Letter(letters::LetterError::Internal(e.to_string())))??;
    let now = OffsetDateTime::now_utc();
    let id = store::new_id();
    let date = domain::dates::london_date(now);
    let file_name = format!("{provider_code}-{date}-{id}.pdf");
    let dir = print_dir.join(&provider_code);
    write_whole(&dir.join(&file_name), &batch.pdf)?;
    let manifest = serde_json::json!({
        "batch": id,
        "provider": provider_code,
        "file": file_name,
        "created_at": now.unix_timestamp(),
        "count": batch.manifest.count,
        "pages": batch.manifest.pages,
        "sha256": batch.manifest.sha256,
        "letters": batch.manifest.letters,
    });
    write_whole(
        &dir.join(format!("{file_name}.manifest.json")),
        manifest.to_string().as_bytes(),
    )?;
    let record = PrintBatch {
        id,
        file_name,
        letter_count: i64::try_from(batch.manifest.count).unwrap_or(i64::MAX),
        page_count: i64::try_from(batch.manifest.pages).unwrap_or(i64::MAX),
        sha256: batch.manifest.sha256.clone(),
        created_by_name: actor.name.clone(),
        created_at: now,
    };
    let members: Vec<_> = due
        .iter()
        .map(|o| (o.delivery_id, batch.manifest.sha256.clone()))
        .collect();
    store
        .record_print_batch(scope, actor, &record, &members)
        .await?;
    tracing::info!(provider = %provider_code, letters = record.letter_count, file = %record.file_name, "results: print batch made");
    Ok(Some(record))
}
