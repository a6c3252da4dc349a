//! The gateway's local SQLite database: the outbound event queue (and its dead letters),
//! the images and MPPS instances received, the local copy of the worklist, and the
//! worklist cursor. WAL with `synchronous=FULL`: a commit is on disk when it returns.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- The stored file whose thumbnail is still to be added to the body (compressed images:
    -- made after the C-STORE is answered). The event is not delivered until it is NULL.
    pending_thumbnail TEXT
);
CREATE TABLE IF NOT EXISTS dead_letter (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    http_status INTEGER,
    response TEXT,
    failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
    sop_instance_uid TEXT PRIMARY KEY,
    study_instance_uid TEXT NOT NULL,
    path TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mpps (
    uid TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    study_instance_uid TEXT,
    accession_number TEXT,
    patient_id TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS worklist_items (
    id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    item TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Opens connections to the gateway database (one per thread or task).
#[derive(Debug, Clone)]
pub struct Db {
    path: PathBuf,
}

/// One queued event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    pub pending_thumbnail: bool,
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub body: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
}

/// A worklist item as the central service sends it (ADR 11): the protocol crate's type.
pub use gateway_protocol::WorklistItem;

/// An MPPS instance's record, kept to answer N-SET and to fill its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MppsRecord {
    pub uid: String,
    pub status: String,
    pub study_instance_uid: Option<String>,
    pub accession_number: Option<String>,
    pub patient_id: Option<String>,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl Db {
    /// Creates the database and its tables if needed.
    pub fn create(path: impl AsRef<Path>) -> rusqlite::Result<Db> {
        let db = Db {
            path: path.as_ref().to_path_buf(),
        };
        if let Some(dir) = db.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let c = db.connect()?;
        c.execute_batch(SCHEMA)?;
        // Databases made before deferred thumbnails.
        let has: i64 = c.query_row(
            "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'pending_thumbnail'",
            [],
            |r| r.get(0),
        )?;
        if has == 0 {
            c.execute_batch("ALTER TABLE outbox ADD COLUMN pending_thumbnail TEXT")?;
        }
        Ok(db)
    }

    pub fn connect(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open(&self.path)?;
        c.busy_timeout(Duration::from_secs(30))?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        c.pragma_update(None, "synchronous", "FULL")?;
        Ok(c)
    }
}

pub fn enqueue(tx: &Connection, id: &str, kind: &str, body: &str) -> rusqlite::Result<()> {
    enqueue_pending(tx, id, kind, body, None)
}

/// Enqueues an event whose thumbnail is still to be made from `pending_thumbnail`.
pub fn enqueue_pending(
    tx: &Connection,
    id: &str,
    kind: &str,
    body: &str,
    pending_thumbnail: Option<&str>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO outbox (id, kind, body, created_at, pending_thumbnail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, kind, body, crate::ingest::now_rfc3339(), pending_thumbnail],
    )?;
    Ok(())
}

/// Events waiting for their thumbnail, oldest first: (seq, file path, body).
pub fn pending_thumbnails(
    c: &Connection,
    limit: i64,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut st = c.prepare(
        "SELECT seq, pending_thumbnail, body FROM outbox WHERE pending_thumbnail IS NOT NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = st.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Completes an event's body with its thumbnail.
pub fn thumbnail_done(c: &Connection, seq: i64, body: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET body = ?2, pending_thumbnail = NULL WHERE seq = ?1",
        params![seq, body],
    )?;
    Ok(())
}

pub fn queue_depth(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
}

pub fn dead_letter_count(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row("SELECT count(*) FROM dead_letter", [], |r| r.get(0))
}

/// The oldest queued event: delivery is strictly in queue order.
pub fn head(c: &Connection) -> rusqlite::Result<Option<QueuedEvent>> {
    c.query_row(
        "SELECT seq, id, kind, body, attempts, next_attempt_ms, pending_thumbnail IS NOT NULL FROM outbox ORDER BY seq LIMIT 1",
        [],
        |r| {
            Ok(QueuedEvent {
                pending_thumbnail: r.get(6)?,
                seq: r.get(0)?,
                id: r.get(1)?,
                kind: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
                next_attempt_ms: r.get(5)?,
            })
        },
    )
    .optional()
}

pub fn delivered(c: &Connection, seq: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
    Ok(())
}

pub fn retry_later(
    c: &Connection,
    seq: i64,
    next_attempt_ms: i64,
    error: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3 WHERE seq = ?1",
        params![seq, next_attempt_ms, error],
    )?;
    Ok(())
}

pub fn dead_letter(
    c: &mut Connection,
    e: &QueuedEvent,
    http_status: Option<u16>,
    response: &str,
) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT OR REPLACE INTO dead_letter (id, kind, body, http_status, response, failed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.id, e.kind, e.body, http_status, response, crate::ingest::now_rfc3339()],
    )?;
    tx.execute("DELETE FROM outbox WHERE seq = ?1", [e.seq])?;
    tx.commit()
}

pub fn image_known(c: &Connection, sop_instance_uid: &str) -> rusqlite::Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM images WHERE sop_instance_uid = ?1",
        [sop_instance_uid],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

pub fn get_state(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    c.query_row("SELECT value FROM state WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_state(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Keeps the newer revision of each item.
pub fn upsert_worklist_item(c: &Connection, item: &WorklistItem) -> rusqlite::Result<()> {
    let json = serde_json::to_string(item)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    c.execute(
        "INSERT INTO worklist_items (id, revision, status, item) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET revision = excluded.revision, status = excluded.status, item = excluded.item
         WHERE excluded.revision > worklist_items.revision",
        params![item.id, item.revision, item.status.as_str(), json],
    )?;
    Ok(())
}

/// Items that answer C-FIND.
pub fn live_worklist(c: &Connection) -> rusqlite::Result<Vec<WorklistItem>> {
    let mut st = c.prepare(
        "SELECT item FROM worklist_items WHERE status IN ('scheduled', 'in_progress') ORDER BY id",
    )?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for json in rows {
        if let Ok(item) = serde_json::from_str::<WorklistItem>(&json?) {
            out.push(item);
        }
    }
    Ok(out)
}

pub fn mpps_get(c: &Connection, uid: &str) -> rusqlite::Result<Option<MppsRecord>> {
    c.query_row(
        "SELECT uid, status, study_instance_uid, accession_number, patient_id FROM mpps WHERE uid = ?1",
        [uid],
        |r| {
            Ok(MppsRecord {
                uid: r.get(0)?,
                status: r.get(1)?,
                study_instance_uid: r.get(2)?,
                accession_number: r.get(3)?,
                patient_id: r.get(4)?,
            })
        },
    )
    .optional()
}

pub fn mpps_put(c: &Connection, m: &MppsRecord) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO mpps (uid, status, study_instance_uid, accession_number, patient_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(uid) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
        params![
            m.uid,
            m.status,
            m.study_instance_uid,
            m.accession_number,
            m.patient_id,
            crate::ingest::now_rfc3339()
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_ordered_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::create(dir.path().join("g.db")).unwrap();
        let c = db.connect().unwrap();
        enqueue(&c, "a", "echo", "{}").unwrap();
        enqueue(&c, "b", "echo", "{}").unwrap();
        drop(c);
        let db = Db::create(dir.path().join("g.db")).unwrap();
        let mut c = db.connect().unwrap();
        assert_eq!(queue_depth(&c).unwrap(), 2);
        let h = head(&c).unwrap().unwrap();
        assert_eq!(h.id, "a");
        retry_later(&c, h.seq, 5, "boom").unwrap();
        assert_eq!(head(&c).unwrap().unwrap().attempts, 1);
        dead_letter(&mut c, &h, Some(422), "bad").unwrap();
        assert_eq!(head(&c).unwrap().unwrap().id, "b");
        assert_eq!(dead_letter_count(&c).unwrap(), 1);
        // The same id is never queued twice.
        assert!(enqueue(&c, "b", "echo", "{}").is_err());
    }

    #[test]
    fn reads_the_adr_11_worklist_item() {
        let json = r#"{"id": "0192f0c4-0000-7000-8000-000000000001",
            "appointment_id": "0192f0c4-0000-7000-8000-000000000002", "revision": 3,
            "status": "scheduled", "accession_number": "ACC0001",
            "study_instance_uid": "2.25.1234", "requested_procedure_id": "RP1",
            "requested_procedure_description": "Screening mammography",
            "scheduled_step_id": "SPS1", "scheduled_step_description": "Screening mammography",
            "station_ae_title": "MAMMO1", "modality": "MG",
            "scheduled_start": "2026-11-25T09:00:00", "patient_id": "9990001234",
            "patient_name": "LAST^FIRST", "birth_date": "19700131", "sex": "F"}"#;
        let item: WorklistItem = serde_json::from_str(json).unwrap();
        assert!(item.is_live());
        assert_eq!(item.revision, 3);
        assert_eq!(item.station_ae_title.as_deref(), Some("MAMMO1"));
    }

    #[test]
    fn worklist_keeps_the_newest_revision() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::create(dir.path().join("g.db")).unwrap();
        let c = db.connect().unwrap();
        let mut item = WorklistItem {
            id: "w1".into(),
            revision: 2,
            status: "scheduled".into(),
            ..Default::default()
        };
        upsert_worklist_item(&c, &item).unwrap();
        item.revision = 1;
        item.status = "cancelled".into();
        upsert_worklist_item(&c, &item).unwrap();
        assert_eq!(live_worklist(&c).unwrap().len(), 1);
        item.revision = 3;
        item.status = "completed".into();
        upsert_worklist_item(&c, &item).unwrap();
        assert!(live_worklist(&c).unwrap().is_empty());
    }
}
