//! Messages in and out, and where a sent message is.

use serde_json::Value;

use crate::MeshError;

/// One message to send. Borrowed, so a caller can send from its own buffers.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingMessage<'a> {
    /// The recipient's mailbox id (from [`crate::MeshClient::lookup`]).
    pub to: &'a str,
    /// The workflow id agreed for this kind of message.
    pub workflow_id: &'a str,
    /// Free text for the recipient; MESH asks that it carry no patient-identifiable data.
    /// Empty: not sent.
    pub subject: &'a str,
    /// Our own id for the message, unique per logical message and the same on every
    /// attempt to send it: it is how [`crate::MeshClient::find_by_local_id`] finds a
    /// message whose send had no answer. No patient-identifiable data. Empty: not sent.
    pub local_id: &'a str,
    /// The file name the recipient should see. Empty: not sent.
    pub file_name: &'a str,
    /// The body's media type, passed to the recipient as `mex-Content-Type`. Empty: not
    /// sent.
    pub content_type: &'a str,
    /// The message itself; MESH refuses an empty one.
    pub body: &'a [u8],
}

/// A message downloaded from our inbox, all chunks joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    /// MESH's id for it (`mex-MessageID`); acknowledge with this.
    pub message_id: String,
    /// The sender's mailbox (`mex-From`). Empty for a report, which MESH itself sends.
    pub from: String,
    /// `mex-WorkflowID`.
    pub workflow_id: String,
    /// `mex-Subject`.
    pub subject: Option<String>,
    /// `mex-LocalID`: the sender's own id for the message. Senders keep it stable across
    /// retries, so a receiver can drop a second copy by it.
    pub local_id: Option<String>,
    /// `mex-FileName`.
    pub file_name: Option<String>,
    /// `mex-Content-Type`, else the response's `Content-Type`.
    pub content_type: Option<String>,
    /// The whole body (empty for a report).
    pub body: Vec<u8>,
    /// `Some` when this is not a message from another organisation but MESH's report
    /// that one of *our* messages failed (`mex-MessageType: REPORT`), e.g. not collected
    /// within five days.
    pub report: Option<Report>,
}

/// What a MESH report (`mex-MessageType: REPORT`) says about a message we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The message the report is about (`mex-LinkedMsgID`).
    pub linked_message_id: Option<String>,
    /// `mex-StatusCode`, e.g. `14` (undelivered).
    pub status_code: Option<String>,
    /// `mex-StatusEvent`, e.g. `TRANSFER`, `SEND`.
    pub status_event: Option<String>,
    /// `mex-StatusDescription`.
    pub status_description: Option<String>,
    /// `mex-StatusSuccess`: `SUCCESS` or `ERROR` (always `ERROR` in an error report).
    pub status_success: Option<String>,
}

/// Where a message we sent is, from `outbox/tracking`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub message_id: String,
    pub status: TrackingStatus,
    pub local_id: Option<String>,
    /// The recipient mailbox.
    pub recipient: Option<String>,
    pub workflow_id: Option<String>,
    /// Whether MESH counts the transfer a success so far (`status_success`).
    pub status_success: Option<bool>,
    /// Set when something went wrong: the error code and its description.
    pub status_code: Option<String>,
    pub status_description: Option<String>,
}

/// A sent message's state. MESH's words, compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingStatus {
    /// A chunked message still waiting for chunks: not delivered, and never will be if
    /// the sender stops.
    Uploading,
    /// In the recipient's inbox, not yet downloaded.
    Accepted,
    /// The recipient downloaded and acknowledged it.
    Acknowledged,
    /// MESH gave up delivering it (e.g. not collected in time); a report follows.
    Undeliverable,
    /// Failed; a report follows.
    Error,
    /// A status this client does not know, as MESH spelt it.
    Other(String),
}

impl TrackingStatus {
    pub fn parse(status: &str) -> Self {
        match status.trim().to_ascii_lowercase().as_str() {
            "uploading" => TrackingStatus::Uploading,
            "accepted" => TrackingStatus::Accepted,
            "acknowledged" => TrackingStatus::Acknowledged,
            "undeliverable" | "undelivered" => TrackingStatus::Undeliverable,
            "error" | "failed" => TrackingStatus::Error,
            _ => TrackingStatus::Other(status.to_string()),
        }
    }

    /// Whether the message can still change state (reach the recipient or fail).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TrackingStatus::Acknowledged | TrackingStatus::Undeliverable | TrackingStatus::Error
        )
    }
}

/// The first present, non-null string among `keys` (MESH's v2 answers use snake_case,
/// its v1 answers and the deprecated local-id route camelCase).
fn text(doc: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match doc.get(*k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl Tracking {
    /// Reads a tracking answer: v2 (`message_id`, `status_success: true`) or v1
    /// (`messageId`, `statusSuccess: "SUCCESS"`).
    pub(crate) fn from_json(doc: &Value) -> Result<Self, MeshError> {
        let message_id = text(doc, &["message_id", "messageId", "messageID", "dtsId"])
            .ok_or_else(|| MeshError::Protocol(format!("tracking without a message id: {doc}")))?;
        let status = text(doc, &["status"])
            .map(|s| TrackingStatus::parse(&s))
            .ok_or_else(|| MeshError::Protocol(format!("tracking without a status: {doc}")))?;
        let status_success =
            ["status_success", "statusSuccess"]
                .iter()
                .find_map(|k| match doc.get(*k) {
                    Some(Value::Bool(b)) => Some(*b),
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("success") => Some(true),
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("error") => Some(false),
                    _ => None,
                });
        Ok(Tracking {
            message_id,
            status,
            local_id: text(doc, &["local_id", "localId"]),
            recipient: text(doc, &["recipient"]),
            workflow_id: text(doc, &["workflow_id", "workflowId"]),
            status_success,
            status_code: text(doc, &["status_code", "statusCode"]),
            status_description: text(
                doc,
                &[
                    "status_description",
                    "statusDescription",
                    "failureDiagnostic",
                ],
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_words() {
        let table = [
            ("uploading", TrackingStatus::Uploading),
            ("accepted", TrackingStatus::Accepted),
            ("Accepted", TrackingStatus::Accepted),
            ("ACKNOWLEDGED", TrackingStatus::Acknowledged),
            ("undeliverable", TrackingStatus::Undeliverable),
            ("Undelivered", TrackingStatus::Undeliverable),
            ("error", TrackingStatus::Error),
            ("Expired", TrackingStatus::Other("Expired".into())),
        ];
        for (word, expected) in table {
            assert_eq!(TrackingStatus::parse(word), expected, "{word}");
        }
        assert!(TrackingStatus::Acknowledged.is_final());
        assert!(!TrackingStatus::Accepted.is_final());
        assert!(!TrackingStatus::Uploading.is_final());
    }

    #[test]
    fn tracking_v2_as_the_sandbox_answers() {
        let doc = json!({
            "message_id": "ABC", "local_id": "L1", "workflow_id": "TEST_WORKFLOW",
            "filename": "a.txt", "recipient": "X26ABC2", "status": "acknowledged",
            "status_success": true, "status_code": null
        });
        let t = Tracking::from_json(&doc).expect("tracking");
        assert_eq!(t.message_id, "ABC");
        assert_eq!(t.status, TrackingStatus::Acknowledged);
        assert_eq!(t.local_id.as_deref(), Some("L1"));
        assert_eq!(t.recipient.as_deref(), Some("X26ABC2"));
        assert_eq!(t.status_success, Some(true));
        assert_eq!(t.status_code, None);
    }

    #[test]
    fn tracking_v1_as_published() {
        let doc = json!({
            "messageId": "20210311101813838554_1B8F53", "dtsId": "20210311101813838554_1B8F53",
            "localId": "api-docs", "status": "Accepted", "statusSuccess": "ERROR",
            "statusCode": "14", "failureDiagnostic": "not collected", "workflowId": "W"
        });
        let t = Tracking::from_json(&doc).expect("tracking");
        assert_eq!(t.message_id, "20210311101813838554_1B8F53");
        assert_eq!(t.status, TrackingStatus::Accepted);
        assert_eq!(t.status_success, Some(false));
        assert_eq!(t.status_code.as_deref(), Some("14"));
        assert_eq!(t.status_description.as_deref(), Some("not collected"));
        assert_eq!(t.workflow_id.as_deref(), Some("W"));
    }

    #[test]
    fn tracking_without_id_or_status_is_a_protocol_error() {
        for doc in [
            json!({"status": "accepted"}),
            json!({"message_id": "A"}),
            json!([]),
        ] {
            assert!(matches!(
                Tracking::from_json(&doc),
                Err(MeshError::Protocol(_))
            ));
        }
    }
}
