//! What can go wrong talking to MESH, sorted by what the caller should do next.

use std::error::Error as _;

/// A failed MESH call. The variants are retry classes, not causes: each says whether the
/// request can have had an effect and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// No connection was made (refused, DNS, TLS handshake, connect timeout). Nothing
    /// reached MESH, so a send certainly did not happen: safe to retry, no check needed.
    #[error("MESH is unreachable: {0}")]
    Unreachable(String),
    /// The request went out but no (complete) answer came back: a timeout, a dropped
    /// connection, or a success without the message id. A send may have arrived: call
    /// [`crate::MeshClient::find_by_local_id`] before sending again.
    #[error(
        "MESH gave no usable answer after the request was sent (it may have taken effect): {0}"
    )]
    Ambiguous(String),
    /// MESH refused the request (4xx): bad credentials, unknown recipient, a workflow the
    /// mailbox may not use, a message that is gone. Retrying the same request will not
    /// help, except for the throttling answers 408, 425 and 429 (see
    /// [`MeshError::is_retryable`]).
    #[error("MESH rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    /// MESH failed (5xx). Retry later; for a send, check with
    /// [`crate::MeshClient::find_by_local_id`] first, as the server may have kept it.
    #[error("MESH failed (HTTP {status})")]
    Server { status: u16 },
    /// An answer we cannot read (not the JSON or headers the API documents), or an
    /// answer that contradicts itself (a checksum that does not match the body).
    #[error("unexpected answer from MESH: {0}")]
    Protocol(String),
    /// The client was set up wrongly or asked for something MESH cannot carry (an empty
    /// body, a header value that is not printable ASCII). Fix the caller; don't retry.
    #[error("MESH client configuration: {0}")]
    Config(String),
}

impl MeshError {
    /// Whether the same call may succeed later (with [`crate::backoff`] between tries).
    /// For [`crate::MeshClient::send`], see also [`MeshError::may_have_been_sent`].
    pub fn is_retryable(&self) -> bool {
        match self {
            MeshError::Unreachable(_) | MeshError::Ambiguous(_) | MeshError::Server { .. } => true,
            // Request Timeout, Too Early, Too Many Requests: the server did not act on it.
            MeshError::Rejected { status, .. } => matches!(status, 408 | 425 | 429),
            MeshError::Protocol(_) | MeshError::Config(_) => false,
        }
    }

    /// For a failed send: whether the message may nevertheless be in MESH. When true, look
    /// it up with [`crate::MeshClient::find_by_local_id`] before sending it again, or the
    /// recipient may get it twice.
    pub fn may_have_been_sent(&self) -> bool {
        matches!(self, MeshError::Ambiguous(_) | MeshError::Server { .. })
    }

    /// Sorts a transport failure: nothing sent (connect) or sent without an answer.
    pub(crate) fn from_transport(e: reqwest::Error) -> Self {
        let text = describe(&e);
        if e.is_builder() {
            MeshError::Config(text)
        } else if e.is_connect() {
            MeshError::Unreachable(text)
        } else {
            MeshError::Ambiguous(text)
        }
    }
}

/// reqwest's own message is terse ("error sending request"); the causes say why.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classes() {
        let rejected = |status| MeshError::Rejected {
            status,
            message: String::new(),
        };
        let table: Vec<(MeshError, bool, bool)> = vec![
            // (error, is_retryable, may_have_been_sent)
            (MeshError::Unreachable("refused".into()), true, false),
            (MeshError::Ambiguous("timeout".into()), true, true),
            (MeshError::Server { status: 500 }, true, true),
            (MeshError::Server { status: 503 }, true, true),
            (rejected(400), false, false),
            (rejected(403), false, false),
            (rejected(404), false, false),
            (rejected(417), false, false),
            (rejected(408), true, false),
            (rejected(425), true, false),
            (rejected(429), true, false),
            (MeshError::Protocol("bad json".into()), false, false),
            (MeshError::Config("empty body".into()), false, false),
        ];
        for (error, retryable, maybe_sent) in table {
            assert_eq!(error.is_retryable(), retryable, "{error}");
            assert_eq!(error.may_have_been_sent(), maybe_sent, "{error}");
        }
    }
}
