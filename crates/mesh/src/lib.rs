//! A thin client for NHS England's MESH (Message Exchange for Social Care and Health)
//! REST API, version 2: how screening results reach GP practices. ADR 26 says why it is
//! our own, on `reqwest`.
//!
//! ```no_run
//! # async fn run() -> Result<(), mesh::MeshError> {
//! use mesh::{MeshClient, MeshConfig, OutgoingMessage};
//! let client = MeshClient::new(MeshConfig::new(
//!     "http://127.0.0.1:8700", "X26ABC1", "password", "Banana",
//! ))?;
//! client.handshake().await?;
//! let to = client.lookup("X26", "TEST_WORKFLOW").await?.expect("a mailbox");
//! let id = client
//!     .send(&OutgoingMessage {
//!         to: &to,
//!         workflow_id: "TEST_WORKFLOW",
//!         subject: "results",
//!         local_id: "result-0192f3c4",
//!         file_name: "results.json",
//!         content_type: "application/json",
//!         body: b"{}",
//!     })
//!     .await?;
//! let where_it_is = client.track(&id).await?;
//! # let _ = where_it_is;
//! # Ok(())
//! # }
//! ```
//!
//! # Sending exactly once
//! MESH gives no idempotency key, so exactly-once is the caller's protocol:
//! 1. Give each logical message a `local_id` of your own, stored before the first try
//!    and the same on every try.
//! 2. On [`MeshError::Unreachable`] nothing reached MESH: send again (after [`backoff`]).
//! 3. If [`MeshError::may_have_been_sent`] (an [`MeshError::Ambiguous`] or
//!    [`MeshError::Server`] answer), call [`MeshClient::find_by_local_id`] first: `Some(id)`
//!    means it is there (check [`MeshClient::track`]: `Uploading` is an incomplete chunked
//!    message that will never be delivered, so send again); `None` means send again.
//! 4. Store the returned message id with the message; track it later by that id.
//!
//! Where MESH stops offering the (deprecated) local-id look-up, `find_by_local_id` says
//! `None` and delivery becomes at-least-once: receivers can drop a repeat by `mex-LocalID`.
//!
//! # Verified against mesh-sandbox 1.0.137
//! `tests/sandbox.rs` runs every call against NHS England's `mesh-sandbox` (PyPI), with
//! `AUTH_MODE=full` (it checks the NHSMESH header's HMAC with the shared key `Banana`,
//! but neither the timestamp's age nor nonce reuse, both of which MESH itself checks)
//! and `STORE_MODE=file`. What the tests showed:
//! - handshake: `GET /messageexchange/{mailbox}` needs `mex-ClientVersion`, `mex-OSName`,
//!   `mex-OSVersion` (400 without); a wrong password is 403.
//! - endpoint lookup needs no auth there; `X26/TEST_WORKFLOW` is `X26ABC2`;
//!   `X26/TEST_WORKFLOW2` is two mailboxes (`X26ABC1`, `X26ABC2`); an unknown ODS code
//!   gives an empty list (200). The ODS code is matched case-sensitively (upper case).
//! - send answers 202 `{"message_id": ".."}` (32 hex digits there; real MESH ids look like
//!   `20200529155357895317_3573F8`); chunks go to `outbox/{id}/{n}` with
//!   `mex-Chunk-Range: n:total` and answer 202 with an empty body; an unknown recipient
//!   is 417; the sandbox does not enforce workflow permissions.
//! - the inbox lists only `accepted` messages (not acknowledged, not uploading); download
//!   gives 206 for the first of several chunks and 200 for the last or only one, with
//!   `mex-Chunk-Range`, `mex-From`, `mex-WorkflowID`, `mex-LocalID`, `mex-Subject`,
//!   `mex-FileName`, `mex-Content-Type` and `mex-Content-Checksum` passed through.
//! - tracking by `outbox/tracking?messageID=` answers v2 JSON with a lower-case `status`:
//!   `uploading`, `accepted`, `acknowledged`, `undeliverable`, `error`; an unknown id, or
//!   someone else's message, is 404. `outbox/tracking?localID=` is not supported (400);
//!   the deprecated `outbox/tracking/{local_id}` is: 200 with v1 camelCase JSON, 404
//!   when none, 300 when several messages share the local id.
//! - reports (`mex-MessageType: REPORT`, empty body, no `mex-From`, `mex-Chunk-Range: 1:0`)
//!   arrive in the inbox like messages.
//! - with `STORE_MODE=file` messages survive a restart of the sandbox on the same
//!   `MAILBOXES_DATA_DIR`.

mod auth;
mod chunk;
mod client;
mod error;
mod retry;
mod types;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use auth::auth_header;
pub use chunk::chunk_ranges;
pub use client::{ClientTls, DEFAULT_CHUNK_SIZE, DEFAULT_TIMEOUT, MeshClient, MeshConfig};
pub use error::MeshError;
pub use retry::backoff;
pub use types::{IncomingMessage, OutgoingMessage, Report, Tracking, TrackingStatus};
