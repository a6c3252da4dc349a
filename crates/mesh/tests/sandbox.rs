//! The MESH client against NHS England's own local MESH server, `mesh-sandbox` (PyPI),
//! installed into `.venv` by `scripts/install-test-deps.sh`.
//!
//! Each test starts its own sandbox (uvicorn on a free port, `AUTH_MODE=full`, so every
//! request's NHSMESH header is checked, and `STORE_MODE=file` in a temporary directory),
//! so the tests run in parallel without sharing mailboxes. A missing sandbox fails the
//! test: these are the only proof that the client speaks MESH.
//!
//! The sandbox's mailboxes: X26ABC1 and X26ABC2 (ODS X26), X26ABC3 (ODS X27), password
//! `password`, shared key `Banana`; workflow TEST_WORKFLOW goes from X26ABC1 to X26ABC2.

use std::time::Duration;

use mesh::sandbox::{PASSWORD, RECEIVER, SENDER, SHARED_KEY, Sandbox, WORKFLOW, free_port};
use mesh::{MeshClient, MeshConfig, MeshError, OutgoingMessage, TrackingStatus};

fn message<'a>(local_id: &'a str, body: &'a [u8]) -> OutgoingMessage<'a> {
    OutgoingMessage {
        to: RECEIVER,
        workflow_id: WORKFLOW,
        subject: "Breast screening results",
        local_id,
        file_name: "results.json",
        content_type: "application/json",
        body,
    }
}

/// Bytes that are not all the same, so a misplaced chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_accepts_good_credentials_and_rejects_a_wrong_password() {
    let sandbox = Sandbox::start().await;
    sandbox.client(SENDER).handshake().await.expect("handshake");
    // Mailbox ids are upper-cased for MESH.
    sandbox
        .client("x26abc2")
        .handshake()
        .await
        .expect("handshake in lower case");

    let wrong = MeshClient::new(MeshConfig {
        password: "not-the-password".into(),
        ..sandbox.config(SENDER)
    })
    .expect("client");
    match wrong.handshake().await {
        Err(e @ MeshError::Rejected { status: 403, .. }) => assert!(!e.is_retryable()),
        other => panic!("expected 403, got {other:?}"),
    }
    let wrong_key = MeshClient::new(MeshConfig {
        shared_key: "Apple".into(),
        ..sandbox.config(SENDER)
    })
    .expect("client");
    assert!(matches!(
        wrong_key.handshake().await,
        Err(MeshError::Rejected { status: 403, .. })
    ));
    let unknown = sandbox.client("X26ZZZ9");
    assert!(matches!(
        unknown.handshake().await,
        Err(MeshError::Rejected { status: 403, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_finds_the_workflow_mailbox_and_none_for_an_unknown_organisation() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client(SENDER);
    assert_eq!(
        client.lookup("X26", WORKFLOW).await.expect("lookup"),
        Some(RECEIVER.to_string())
    );
    // ODS codes are upper case; we send them so.
    assert_eq!(
        client.lookup("x26", WORKFLOW).await.expect("lookup"),
        Some(RECEIVER.to_string())
    );
    assert_eq!(client.lookup("Y99", WORKFLOW).await.expect("lookup"), None);
    assert_eq!(
        client
            .lookup("X26", "NO_SUCH_WORKFLOW")
            .await
            .expect("lookup"),
        None
    );
    // Two mailboxes of X26 receive TEST_WORKFLOW2: lookup will not choose.
    let mut both = client
        .lookup_all("X26", "TEST_WORKFLOW2")
        .await
        .expect("lookup");
    both.sort();
    assert_eq!(both, ["X26ABC1", "X26ABC2"]);
    assert!(matches!(
        client.lookup("X26", "TEST_WORKFLOW2").await,
        Err(MeshError::Protocol(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_message_goes_from_sender_to_receiver_and_is_acknowledged() {
    let sandbox = Sandbox::start().await;
    let sender = sandbox.client(SENDER);
    let receiver = sandbox.client(RECEIVER);
    let body = br#"{"nhs_number":"9990001234","result":"normal"}"#;

    let id = sender
        .send(&message("local-0001", body))
        .await
        .expect("send");
    let tracking = sender.track(&id).await.expect("track");
    assert_eq!(tracking.status, TrackingStatus::Accepted);
    assert_eq!(tracking.message_id, id);
    assert_eq!(tracking.local_id.as_deref(), Some("local-0001"));
    assert_eq!(tracking.recipient.as_deref(), Some(RECEIVER));
    assert_eq!(tracking.status_success, Some(true));
    assert_eq!(
        sender.find_by_local_id("local-0001").await.expect("find"),
        Some(id.clone())
    );
    assert_eq!(
        sender.find_by_local_id("local-9999").await.expect("find"),
        None
    );

    assert!(sender.inbox().await.expect("sender's inbox").is_empty());
    let waiting = receiver.inbox().await.expect("inbox");
    assert_eq!(waiting, vec![id.clone()]);
    let got = receiver.download(&id).await.expect("download");
    assert_eq!(got.body, body);
    assert_eq!(got.message_id, id);
    assert_eq!(got.from, SENDER);
    assert_eq!(got.workflow_id, WORKFLOW);
    assert_eq!(got.subject.as_deref(), Some("Breast screening results"));
    assert_eq!(got.local_id.as_deref(), Some("local-0001"));
    assert_eq!(got.file_name.as_deref(), Some("results.json"));
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.report, None);

    // Downloading does not remove it; acknowledging does.
    assert_eq!(receiver.inbox().await.expect("inbox"), vec![id.clone()]);
    receiver.acknowledge(&id).await.expect("acknowledge");
    assert!(receiver.inbox().await.expect("inbox").is_empty());
    receiver
        .acknowledge(&id)
        .await
        .expect("acknowledging twice is harmless");
    let tracking = sender.track(&id).await.expect("track");
    assert_eq!(tracking.status, TrackingStatus::Acknowledged);
    assert!(tracking.status.is_final());

    // Only the sender can track it; only the recipient can download it.
    assert!(matches!(
        receiver.track(&id).await,
        Err(MeshError::Rejected { status: 404, .. })
    ));
    assert!(matches!(
        sender.download(&id).await,
        Err(MeshError::Rejected { status: 403, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_message_goes_in_chunks_and_arrives_whole() {
    let sandbox = Sandbox::start().await;
    let sender = MeshClient::new(MeshConfig {
        chunk_size: 64 * 1024,
        ..sandbox.config(SENDER)
    })
    .expect("client");
    let receiver = sandbox.client(RECEIVER);
    let body = pattern(200 * 1024);

    let id = sender
        .send(&message("local-big", &body))
        .await
        .expect("send");
    // 200 KiB in 64 KiB chunks is four; the sandbox keeps one file per chunk.
    let chunks = std::fs::read_dir(sandbox.data_dir().join(RECEIVER).join("in").join(&id))
        .expect("the message's chunks on disk")
        .count();
    assert_eq!(chunks, 4);
    assert_eq!(
        sender.track(&id).await.expect("track").status,
        TrackingStatus::Accepted
    );

    let got = receiver.download(&id).await.expect("download");
    assert_eq!(got.body.len(), body.len());
    assert!(
        got.body == body,
        "the joined chunks differ from what was sent"
    );
    assert_eq!(got.local_id.as_deref(), Some("local-big"));
    receiver.acknowledge(&id).await.expect("acknowledge");
    assert_eq!(
        sender.track(&id).await.expect("track").status,
        TrackingStatus::Acknowledged
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_server_down_send_is_unreachable_and_after_restart_arrives_once() {
    let mut sandbox = Sandbox::start().await;
    let sender = sandbox.client(SENDER);
    let receiver = sandbox.client(RECEIVER);
    let before = sender
        .send(&message("local-before", b"first"))
        .await
        .expect("send");

    sandbox.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let body = b"second";
    let error = sender
        .send(&message("local-retry", body))
        .await
        .expect_err("the sandbox is down");
    assert!(matches!(error, MeshError::Unreachable(_)), "{error:?}");
    assert!(error.is_retryable());
    assert!(!error.may_have_been_sent());

    sandbox.restart().await;
    // The message from before the restart is still there (STORE_MODE=file).
    assert_eq!(
        sender.track(&before).await.expect("track").status,
        TrackingStatus::Accepted
    );
    // What the caller does before resending: the failed one never arrived.
    assert_eq!(
        sender.find_by_local_id("local-retry").await.expect("find"),
        None
    );
    let id = sender
        .send(&message("local-retry", body))
        .await
        .expect("send after restart");

    let mut copies = Vec::new();
    for waiting in receiver.inbox().await.expect("inbox") {
        let got = receiver.download(&waiting).await.expect("download");
        if got.local_id.as_deref() == Some("local-retry") {
            copies.push(got);
        }
    }
    assert_eq!(copies.len(), 1, "exactly one copy");
    assert_eq!(copies[0].message_id, id);
    assert_eq!(copies[0].body, body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_rejected_and_not_retryable() {
    let sandbox = Sandbox::start().await;
    let sender = sandbox.client(SENDER);

    let to_nobody = OutgoingMessage {
        to: "X26NOBODY",
        ..message("local-x", b"x")
    };
    match sender.send(&to_nobody).await {
        Err(e @ MeshError::Rejected { status: 417, .. }) => {
            assert!(!e.is_retryable());
            assert!(e.to_string().contains("Unregistered"), "{e}");
        }
        other => panic!("expected 417, got {other:?}"),
    }
    assert!(matches!(
        sender.send(&message("local-empty", b"")).await,
        Err(MeshError::Config(_))
    ));
    assert!(matches!(
        sender
            .send(&OutgoingMessage {
                subject: "line\nbreak",
                ..message("l", b"x")
            })
            .await,
        Err(MeshError::Config(_))
    ));
    assert!(matches!(
        sender.track("NOSUCHMESSAGE").await,
        Err(MeshError::Rejected { status: 404, .. })
    ));
    assert!(matches!(
        sandbox.client(RECEIVER).download("NOSUCHMESSAGE").await,
        Err(MeshError::Rejected { status: 404, .. })
    ));

    // Two messages with one local id: the look-up cannot say which.
    sender
        .send(&message("local-twice", b"1"))
        .await
        .expect("send");
    sender
        .send(&message("local-twice", b"2"))
        .await
        .expect("send");
    assert!(matches!(
        sender.find_by_local_id("local-twice").await,
        Err(MeshError::Protocol(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeliverable_message_is_tracked_so_and_reported_to_the_sender() {
    let sandbox = Sandbox::start().await;
    let sender = sandbox.client(SENDER);
    let id = sender
        .send(&message("local-lost", b"lost"))
        .await
        .expect("send");

    // What MESH does when the recipient does not collect in time, through the sandbox's
    // testing-only routes.
    sandbox
        .admin(
            &format!("message/{id}/event"),
            serde_json::json!({"status": "undeliverable", "code": "14", "event": "TRANSFER",
                               "description": "Message not collected by recipient after 5 days"}),
        )
        .await;
    assert_eq!(
        sender.track(&id).await.expect("track").status,
        TrackingStatus::Undeliverable
    );
    assert!(
        sandbox
            .client(RECEIVER)
            .inbox()
            .await
            .expect("inbox")
            .is_empty()
    );

    sandbox
        .admin(
            "report",
            serde_json::json!({"mailbox_id": SENDER, "code": "14", "description": "not collected",
                               "workflow_id": WORKFLOW, "linked_message_id": id,
                               "local_id": "local-lost", "status": "error"}),
        )
        .await;
    let waiting = sender.inbox().await.expect("inbox");
    assert_eq!(waiting.len(), 1);
    let report = sender
        .download(&waiting[0])
        .await
        .expect("download the report");
    assert!(report.body.is_empty());
    assert_eq!(report.from, "");
    assert_eq!(report.local_id.as_deref(), Some("local-lost"));
    let details = report.report.expect("a report");
    assert_eq!(details.linked_message_id.as_deref(), Some(id.as_str()));
    assert_eq!(details.status_code.as_deref(), Some("14"));
    assert_eq!(details.status_success.as_deref(), Some("ERROR"));
    sender.acknowledge(&waiting[0]).await.expect("acknowledge");
    assert!(sender.inbox().await.expect("inbox").is_empty());
}

/// Not the sandbox: a socket that takes the connection and never answers, which is what
/// a hung server looks like. The request went out, so the send is ambiguous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_after_sending_is_ambiguous_and_refused_connections_are_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = MeshClient::new(MeshConfig {
        timeout: Duration::from_secs(1),
        ..MeshConfig::new(format!("http://{addr}"), SENDER, PASSWORD, SHARED_KEY)
    })
    .expect("client");
    let error = client
        .send(&message("local-hung", b"x"))
        .await
        .expect_err("no answer");
    assert!(matches!(error, MeshError::Ambiguous(_)), "{error:?}");
    assert!(error.is_retryable() && error.may_have_been_sent());
    hold.abort();

    let closed = free_port();
    let client = MeshClient::new(MeshConfig::new(
        format!("http://127.0.0.1:{closed}"),
        SENDER,
        PASSWORD,
        SHARED_KEY,
    ))
    .expect("client");
    let error = client
        .send(&message("local-refused", b"x"))
        .await
        .expect_err("refused");
    assert!(matches!(error, MeshError::Unreachable(_)), "{error:?}");
}

/// A request made by hand, signed with the public `auth_header`.
fn raw(
    sandbox: &Sandbox,
    method: reqwest::Method,
    mailbox: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    let nonce = format!("{:032x}", rand_nonce());
    let header = mesh::auth_header(mailbox, PASSWORD, SHARED_KEY, &nonce, 0, "202601010000");
    reqwest::Client::new()
        .request(
            method,
            format!("{}/messageexchange/{mailbox}/{path}", sandbox.url()),
        )
        .header("Authorization", header)
        .header("Accept", "application/vnd.mesh.v2+json")
}

fn rand_nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_travels_with_its_checksum_and_a_mismatch_is_refused() {
    let sandbox = Sandbox::start().await;
    let sender = sandbox.client(SENDER);
    let receiver = sandbox.client(RECEIVER);

    // Ours: the SHA-256 of the body, passed through MESH to the recipient.
    let id = sender
        .send(&message("local-sum", b"abc"))
        .await
        .expect("send");
    let res = raw(
        &sandbox,
        reqwest::Method::GET,
        RECEIVER,
        &format!("inbox/{id}"),
    )
    .send()
    .await
    .expect("download by hand");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("mex-Content-Checksum")
            .and_then(|v| v.to_str().ok()),
        Some("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    receiver
        .download(&id)
        .await
        .expect("a matching body downloads");

    // Someone else's, claiming a different body: the download says so.
    let res = raw(&sandbox, reqwest::Method::POST, SENDER, "outbox")
        .header("mex-To", RECEIVER)
        .header("mex-WorkflowID", WORKFLOW)
        .header("mex-Content-Checksum", format!("sha256:{}", "0".repeat(64)))
        .body("abc")
        .send()
        .await
        .expect("send by hand");
    assert_eq!(res.status(), 202);
    let doc: serde_json::Value = res.json().await.expect("json");
    let bad = doc["message_id"].as_str().expect("a message id");
    match receiver.download(bad).await {
        Err(MeshError::Protocol(text)) => assert!(text.contains("checksum"), "{text}"),
        other => panic!("expected a checksum error, got {other:?}"),
    }
}
