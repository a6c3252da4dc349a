//! The gateway protocol (ADR 11), once: the JSON the DICOM gateway at a hospital and the
//! central service exchange over HTTPS. Both sides depend on this crate, so a field cannot
//! mean one thing to the sender and another to the receiver.
//!
//! - [`worklist`]: `GET /api/v1/gateway/worklist`, answered with a [`WorklistPage`] of
//!   [`WorklistItem`]s (cursor and long poll).
//! - [`events`]: `POST /api/v1/gateway/events` with one [`GatewayEvent`] (an
//!   [`ImageEvent`] with its [`Thumbnail`], an [`MppsEvent`] or an [`EchoEvent`]),
//!   acknowledged by an [`EventReceipt`] or refused with a [`Problem`].
//!
//! Serde only: no I/O, no HTTP framework. With the `openapi` feature every type also
//! derives `utoipa::ToSchema` for the central service's OpenAPI document; the gateway
//! binary leaves the feature off.
//!
//! # Compatibility (ADR 11, "One crate")
//! A gateway and the central service are upgraded at different times, so every reader is
//! lenient: fields it does not know are ignored, and optional fields that are missing read
//! as `null` (or `false` for the two flags, an empty list for lists). Only the fields a
//! receiver cannot work without are required: an event's `id`, `occurred_at` and `kind`; a
//! worklist item's `id`, `revision` and `status`; a page's `cursor`; a thumbnail's
//! `media_type` and `data_base64`. A worklist status this side does not know is kept as
//! written ([`WorklistStatus::Other`]) and never answers C-FIND.

pub mod events;
#[cfg(feature = "openapi")]
mod schema;
pub mod worklist;

pub use events::{
    EchoEvent, EventBody, EventReceipt, GatewayEvent, ImageEvent, MppsEvent, PerformedSeries,
    Problem, ProblemField, Thumbnail,
};
pub use worklist::{WorklistItem, WorklistPage, WorklistQuery, WorklistStatus};

/// The worklist path under the API root (`/api/v1`).
pub const WORKLIST_PATH: &str = "/gateway/worklist";

/// The events path under the API root (`/api/v1`).
pub const EVENTS_PATH: &str = "/gateway/events";

/// The header every gateway request carries: events waiting in the gateway's local queue.
pub const QUEUE_DEPTH_HEADER: &str = "x-gateway-queue-depth";

/// The longest long poll the central service holds a worklist request open for (seconds).
pub const MAX_WAIT_SECONDS: u64 = 25;
