//! The one shape of a change: open the writer's transaction, make the change, write its
//! audit row, commit; and, for a change that records domain events, deliver them after the
//! commit. Changes open a [`Change`] and end it with [`Change::commit_audited`] (or
//! [`Change::commit`]); those that record events run inside [`Store::delivering`].

use crate::audit::{self, AuditAction};
use crate::outbox::{self, Tx};
use crate::{Actor, Result, Store};
use domain::ids::ParticipantId;
use std::borrow::Cow;
use uuid::Uuid;

/// The audit row a change ends with (see [`audit::record`]).
pub(crate) struct AuditRow<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub entity_type: Cow<'a, str>,
    pub entity_id: Uuid,
    pub participant_id: Option<ParticipantId>,
    pub snapshot: Snapshot<'a>,
}

/// The values an audit row keeps: built for the row, or the change's own document.
pub(crate) enum Snapshot<'a> {
    Owned(serde_json::Value),
    Borrowed(&'a serde_json::Value),
}

impl From<serde_json::Value> for Snapshot<'_> {
    fn from(v: serde_json::Value) -> Self {
        Snapshot::Owned(v)
    }
}

impl<'a> From<&'a serde_json::Value> for Snapshot<'a> {
    fn from(v: &'a serde_json::Value) -> Self {
        Snapshot::Borrowed(v)
    }
}

impl std::ops::Deref for Snapshot<'_> {
    type Target = serde_json::Value;
    fn deref(&self) -> &serde_json::Value {
        match self {
            Snapshot::Owned(v) => v,
            Snapshot::Borrowed(v) => v,
        }
    }
}

impl<'a> AuditRow<'a> {
    pub fn new(
        actor: &'a Actor,
        action: AuditAction,
        entity_type: impl Into<Cow<'a, str>>,
        entity_id: impl Into<Uuid>,
        participant_id: Option<ParticipantId>,
        snapshot: impl Into<Snapshot<'a>>,
    ) -> Self {
        AuditRow {
            actor,
            action,
            entity_type: entity_type.into(),
            entity_id: entity_id.into(),
            participant_id,
            snapshot: snapshot.into(),
        }
    }

    /// Writes the row in `tx`, so that it commits or rolls back with the change.
    pub async fn write(&self, tx: &mut Tx) -> Result<()> {
        audit::record(
            &mut **tx,
            self.actor,
            self.action,
            &self.entity_type,
            self.entity_id,
            self.participant_id,
            &self.snapshot,
        )
        .await
    }
}

/// A change in progress: the writer's transaction ([`Store::begin_change`]). It ends with
/// [`Change::commit_audited`] (the audit row, then the commit) or [`Change::commit`] (for a
/// change whose audit rows its steps write); dropped on an error or an early return, it
/// rolls back.
pub(crate) struct Change(Tx);

impl Change {
    /// The transaction, for the change's statements and for helpers taking `&mut Tx`.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.0
    }

    pub async fn commit(self) -> Result<()> {
        self.0.commit().await?;
        Ok(())
    }

    /// Ends the change without writing anything (dropping it does the same, later).
    pub async fn rollback(self) -> Result<()> {
        self.0.rollback().await?;
        Ok(())
    }

    /// Writes the change's audit row, last, and commits.
    pub async fn commit_audited(mut self, row: AuditRow<'_>) -> Result<()> {
        row.write(&mut self.0).await?;
        self.commit().await
    }
}

impl Store {
    /// Opens a change on the writer (see [`Store::begin_write`]).
    pub(crate) async fn begin_change(&self) -> Result<Change> {
        Ok(Change(self.begin_write().await?))
    }

    /// Runs a change that records domain events and commits inside `change`; then delivers
    /// the after-commit deliveries of exactly the events it recorded (see
    /// [`outbox::collecting`]). A failed change delivers nothing.
    pub(crate) async fn delivering<T>(
        &self,
        change: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        outbox::collecting(async {
            let value = change.await?;
            self.deliver_recorded().await;
            Ok(value)
        })
        .await
    }
}
