//! The gateway protocol (ADR 11) and the automatic image flow, black box: gateway tokens,
//! provider scoping, idempotent events, matching and quarantine, MPPS in any order, the
//! images step and the reconciliation list.

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use store::Scope;
use uuid::Uuid;

const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("X-Gateway-Queue-Depth", "2");
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_event(app: &TestApp, gw: &str, event: &Value) -> (StatusCode, Value) {
    send(
        app,
        gw,
        reqwest::Method::POST,
        "/api/v1/gateway/events",
        Some(event.clone()),
    )
    .await
}

fn image(sop: &str, study: &str, patient: &str, lat: &str, view: &str) -> Value {
    json!({
        "id": Uuid::now_v7(), "occurred_at": "2026-11-25T10:00:00Z", "kind": "image",
        "sop_instance_uid": sop, "sop_class_uid": "1.2.840.10008.5.1.4.1.1.1.2",
        "study_instance_uid": study, "series_instance_uid": "1.2.826.0.1.9.1",
        "accession_number": null, "patient_id": patient, "patient_name": "TEST^PERSON",
        "laterality": lat, "view_position": view, "implant_displaced": false, "implant_present": null,
        "presentation_intent": "FOR PRESENTATION", "tomosynthesis": false, "operator_name": "HARGREAVES^JANE",
        "acquired_at": "2026-11-25T09:59:00Z", "kvp": 29.0, "exposure_uas": 120000.0,
        "entrance_dose_mgy": 5.1, "organ_dose_mgy": 1.2, "thickness_mm": 52.0, "compression_n": 90.0,
        "anode": "W", "filter": "RH", "manufacturer": "HOLOGIC", "model": "Selenia Dimensions",
        "station_name": "MAMMO2", "device_serial": "123", "rows": 4096, "columns": 3328, "bits_stored": 14,
        "photometric": "MONOCHROME2", "transfer_syntax": "1.2.840.10008.1.2.1", "received_at": "2026-11-25T10:00:01Z",
        "thumbnail": {"media_type": "image/png", "width": 1, "height": 1, "data_base64": PNG}
    })
}

fn mpps(status: &str, accession: &str, patient: &str, sops: &[&str]) -> Value {
    json!({
        "id": Uuid::now_v7(), "occurred_at": "2026-11-25T10:05:00Z", "kind": "mpps",
        "mpps_instance_uid": "1.2.826.0.1.9.77", "status": status, "study_instance_uid": null,
        "accession_number": accession, "patient_id": patient,
        "performed_series": if sops.is_empty() { Value::Null } else { json!([{"series_instance_uid": "1.2.826.0.1.9.1", "sop_instance_uids": sops}]) },
        "discontinuation_reason": null
    })
}

/// Jane's DMO1 appointment at the images step in Room B (which the demo gateway serves),
/// her token, and the NHS number.
async fn at_images_step(app: &TestApp) -> (Uuid, String, String) {
    let scope = app.provider("DMO1").await;
    let (id, participant_id) = app.scheduled_appointment(scope).await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (s, b) = send(
        app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/actions"),
        Some(json!({ "action": "start" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v = version(app, scope, id.uuid()).await;
    let (s, b) = send(
        app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/identity"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let medical = json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let (s, b) = send(
        app,
        &jane,
        reqwest::Method::PUT,
        &format!("/api/v1/appointments/{id}/medical-information"),
        Some(json!({ "medical": medical, "expected_version": b["version"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let room = room_b(app, scope, id.uuid()).await;
    let (s, b) = send(
        app,
        &jane,
        reqwest::Method::PUT,
        &format!("/api/v1/appointments/{id}/room"),
        Some(json!({ "room_id": room, "expected_version": b["version"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let nhs = app
        .store
        .participant(scope, participant_id)
        .await
        .expect("participant")
        .nhs_number;
    (id.uuid(), jane, nhs)
}

async fn version(app: &TestApp, scope: Scope, id: Uuid) -> i64 {
    app.store
        .appointment(scope, id.into())
        .await
        .expect("appointment")
        .version
}

/// "Room B" at the appointment's clinic's location.
async fn room_b(app: &TestApp, scope: Scope, id: Uuid) -> Uuid {
    let a = app
        .store
        .appointment(scope, id.into())
        .await
        .expect("appointment");
    let clinic = app.store.clinic(scope, a.clinic_id).await.expect("clinic");
    app.store
        .rooms(scope)
        .await
        .expect("rooms")
        .into_iter()
        .find(|r| r.location_id == clinic.location_id && r.name == "Room B")
        .expect("Room B")
        .id
}

async fn capture(app: &TestApp, token: &str, id: Uuid) -> Value {
    let (s, body) = send(
        app,
        token,
        reqwest::Method::GET,
        &format!("/api/v1/appointments/{id}/received-images"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn gateways_authenticate_see_only_their_provider_and_deliver_events_once() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let other_gw = app
        .store
        .ensure_demo_gateway("DMO2")
        .await
        .expect("gateway")
        .expect("DMO2");
    let (id, jane, nhs) = at_images_step(&app).await;

    // Without a gateway token: 401, and a person's API token is not a gateway token.
    for token in ["", "nonsense", jane.as_str()] {
        let (s, b) = send(
            &app,
            token,
            reqwest::Method::GET,
            "/api/v1/gateway/worklist",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{token}: {b}");
        let (s, _) = post_event(&app, token, &image("1.2.1", "1.2.3", &nhs, "R", "CC")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }

    // Reaching the images step in Room B issued the worklist item.
    let c = capture(&app, &jane, id).await;
    assert_eq!(c["automatic"], true, "{c}");
    let item = c["worklist_item"].clone();
    assert_eq!(item["status"], "scheduled", "{c}");
    assert_eq!(item["patient_id"], nhs.as_str());
    assert_eq!(item["station_ae_title"], "LDS_SEA_MAMMO2");
    let study = item["study_instance_uid"].as_str().expect("uid").to_owned();
    let accession = item["accession_number"].as_str().expect("accn").to_owned();
    assert!(accession.len() <= 16);

    let (s, page) = send(
        &app,
        &gw,
        reqwest::Method::GET,
        "/api/v1/gateway/worklist",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let items = page["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["appointment_id"] == id.to_string()));
    let cursor = page["cursor"].as_str().expect("cursor").to_owned();
    // The other provider's gateway never sees it.
    let (_, theirs) = send(
        &app,
        &other_gw,
        reqwest::Method::GET,
        "/api/v1/gateway/worklist",
        None,
    )
    .await;
    assert!(
        !theirs["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["appointment_id"] == id.to_string())
    );
    // A long poll with nothing new waits, then answers with no items.
    let started = std::time::Instant::now();
    let (s, none) = send(
        &app,
        &gw,
        reqwest::Method::GET,
        &format!("/api/v1/gateway/worklist?after={cursor}&wait=1"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(none["items"], json!([]));
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let (s, _) = send(
        &app,
        &gw,
        reqwest::Method::GET,
        "/api/v1/gateway/worklist?after=x",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Images before the MPPS N-CREATE: attached. 201 new, 200 the same event again or the
    // same image in another event.
    let first = image("1.2.826.0.1.9.2.1", &study, &nhs, "R", "CC");
    let (s, b) = post_event(&app, &gw, &first).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["outcome"], "attached");
    let (s, _) = post_event(&app, &gw, &first).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.9.2.1", &study, &nhs, "R", "CC"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Wrong PatientID: quarantined, never shown in the appointment.
    let (s, b) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.9.2.2", &study, "9999999999", "L", "CC"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b["outcome"], "quarantined");
    assert_eq!(b["quarantine_reason"], "patient_id_mismatch");
    // Another provider's gateway cannot attach an image to this appointment.
    let (s, b) = post_event(
        &app,
        &other_gw,
        &image("1.2.826.0.1.9.2.3", &study, &nhs, "L", "MLO"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b["quarantine_reason"], "unknown_study");

    // Bad input: 400 / 422 problems, nothing stored.
    let res = app
        .client
        .post(app.url("/api/v1/gateway/events"))
        .bearer_auth(&gw)
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.headers()[CONTENT_TYPE].to_str().expect("type"),
        "application/problem+json"
    );
    let mut bad = image("1.2.826.0.1.9.2.4", &study, &nhs, "L", "CC");
    bad["thumbnail"]["data_base64"] = json!("***");
    bad["entrance_dose_mgy"] = json!(-1);
    let (s, b) = post_event(&app, &gw, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["entrance_dose_mgy", "thumbnail.data_base64"]);
    let (s, _) = post_event(
        &app,
        &gw,
        &json!({"id": Uuid::now_v7(), "occurred_at": "2026-11-25T10:00:00Z", "kind": "teleport"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = post_event(&app, &gw, &mpps("FINISHED", &accession, &nhs, &[])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let c = capture(&app, &jane, id).await;
    let images = c["images"].as_array().expect("images");
    assert_eq!(images.len(), 1, "{c}");
    assert_eq!(images[0]["view"], "RCC");
    let image_id = images[0]["id"].as_str().expect("id").to_owned();

    // The page shows the one image, by the provider-scoped thumbnail route, and nothing
    // of the quarantined one.
    let browser = app.sign_in(CLINICAL_A).await;
    let html = app
        .get(&browser, &format!("/appointments/{id}/images"))
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains(&format!("/received-images/{image_id}/thumbnail")));
    assert!(html.contains("Right breast"));
    assert!(!html.contains("Awaiting images"));
    assert!(html.contains("Confirm all images received"));
    assert!(html.contains(&accession));
    let live = app
        .get(&browser, &format!("/appointments/{id}/images/live"))
        .await
        .text()
        .await
        .expect("live");
    assert!(live.contains("1 image received: 1x RCC"), "{live}");
    let quarantined: Vec<Value> = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await
    .1
    .as_array()
    .expect("list")
    .clone();
    assert_eq!(quarantined.len(), 1);
    let q_id = quarantined[0]["id"].as_str().expect("id");
    assert!(!html.contains(q_id));
    let thumb = app
        .get(&browser, &format!("/received-images/{image_id}/thumbnail"))
        .await;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()[CONTENT_TYPE], "image/png");
    // A patient's image is never kept by the browser or a cache between.
    assert_eq!(thumb.headers()["cache-control"], "no-store");
    let api_thumb = app
        .client
        .get(app.url(&format!("/api/v1/received-images/{image_id}/thumbnail")))
        .bearer_auth(&jane)
        .send()
        .await
        .expect("thumbnail");
    assert_eq!(api_thumb.status(), StatusCode::OK);
    assert_eq!(api_thumb.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(api_thumb.headers()["cache-control"], "no-store");
    let tom_token = app.token(CLINICAL_B, "DMO2").await;
    let theirs = app
        .client
        .get(app.url(&format!("/api/v1/received-images/{image_id}/thumbnail")))
        .bearer_auth(&tom_token)
        .send()
        .await
        .expect("thumbnail");
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let tom = app.sign_in(CLINICAL_B).await;
    let theirs = app
        .get(&tom, &format!("/received-images/{image_id}/thumbnail"))
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // MPPS in any order: COMPLETED, then a late IN PROGRESS; the study is complete.
    let (s, _) = post_event(
        &app,
        &gw,
        &mpps("COMPLETED", &accession, &nhs, &["1.2.826.0.1.9.2.1"]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = post_event(&app, &gw, &mpps("IN PROGRESS", &accession, &nhs, &[])).await;
    assert_eq!(s, StatusCode::CREATED);
    let c = capture(&app, &jane, id).await;
    assert_eq!(c["mpps_status"], "COMPLETED");
    assert_eq!(c["worklist_item"]["status"], "completed");
    let live = app
        .get(&browser, &format!("/appointments/{id}/images/live"))
        .await
        .text()
        .await
        .expect("live");
    assert!(live.contains("marked the study as complete"));

    // Echo and queue depth: the gateway is connected.
    let (s, _) = post_event(
        &app,
        &gw,
        &json!({"id": Uuid::now_v7(), "occurred_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now"), "kind": "echo", "ok": true, "round_trip_ms": 3}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, gws) = send(&app, &jane, reqwest::Method::GET, "/api/v1/gateways", None).await;
    assert_eq!(gws[0]["state"], "connected", "{gws}");
    assert_eq!(gws[0]["queue_depth"], 2);
}

#[tokio::test]
async fn confirming_received_images_records_them_and_differences_go_to_the_office() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let (id, jane, nhs) = at_images_step(&app).await;
    let c = capture(&app, &jane, id).await;
    let study = c["worklist_item"]["study_instance_uid"]
        .as_str()
        .expect("uid")
        .to_owned();

    let browser = app.sign_in(CLINICAL_A).await;
    let html = app
        .get(&browser, &format!("/appointments/{id}/images"))
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("Awaiting images"));
    assert!(html.contains("Sending to the worklist"), "{html}");
    // The gateway collects it, and asks for what comes after: now it is on the worklist.
    let (_, page) = send(
        &app,
        &gw,
        reqwest::Method::GET,
        "/api/v1/gateway/worklist",
        None,
    )
    .await;
    let cursor = page["cursor"].as_str().expect("cursor").to_owned();
    send(
        &app,
        &gw,
        reqwest::Method::GET,
        &format!("/api/v1/gateway/worklist?after={cursor}"),
        None,
    )
    .await;
    let html = app
        .get(&browser, &format!("/appointments/{id}/images"))
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("On worklist"));
    assert!(html.contains("Troubleshoot issues with images"));

    // Nothing to confirm yet.
    let v = version(&app, app.provider("DMO1").await, id).await;
    let (s, _) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/confirm-received"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    for (sop, lat, view) in [
        ("1.2.826.0.1.8.1", "R", "CC"),
        ("1.2.826.0.1.8.2", "R", "MLO"),
        ("1.2.826.0.1.8.3", "L", "CC"),
        ("1.2.826.0.1.8.4", "L", "MLO"),
    ] {
        let (s, _) = post_event(&app, &gw, &image(sop, &study, &nhs, lat, view)).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/confirm-received"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["total_images"], 4);
    assert_eq!(b["views_needing_repeats"], json!([]));

    // Check information: recorded automatically, with the dose per image and in total.
    let html = app
        .get(&browser, &format!("/appointments/{id}/check"))
        .await
        .text()
        .await
        .expect("check");
    assert!(html.contains("Automatic"), "{html}");
    assert!(html.contains("Dose per image"));
    assert!(html.contains("RCC: 1.20 mGy (entrance dose 5.10 mGy)"));
    assert!(html.contains("4.80 mGy (organ dose)"));

    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/complete"),
        Some(json!({ "expected_version": b["version"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, open) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/image-discrepancies",
        None,
    )
    .await;
    assert_eq!(open, json!([]), "everything agreed");
    // The IR(ME)R exposure record holds the dose of each image and the total.
    let (_, wf) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        &format!("/api/v1/appointments/{id}/workflow"),
        None,
    )
    .await;
    let exposure = &wf["sections"]["exposure"]["data"];
    assert_eq!(
        exposure["image_doses"].as_array().map(Vec::len),
        Some(4),
        "{wf}"
    );
    assert_eq!(exposure["operators_on_images"], json!(["HARGREAVES^JANE"]));
    assert!(
        (exposure["total_organ_dose_mgy"]
            .as_f64()
            .unwrap_or_default()
            - 4.8)
            .abs()
            < 1e-9
    );

    // An image after the appointment ended: the office is told.
    let (s, _) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.8.5", &study, &nhs, "R", "MLO"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, open) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/image-discrepancies",
        None,
    )
    .await;
    let kinds: Vec<&str> = open
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["counts_differ", "images_after_end"], "{open}");
    assert_eq!(open[0]["detail"], "RMLO: 1 recorded, 2 received");
    let first = open[0]["id"].as_str().expect("id").to_owned();

    // Another provider cannot see or resolve it.
    let tom = app.token(CLINICAL_B, "DMO2").await;
    let (_, theirs) = send(
        &app,
        &tom,
        reqwest::Method::GET,
        "/api/v1/image-discrepancies?status=all",
        None,
    )
    .await;
    assert_eq!(theirs, json!([]));
    let (s, _) = send(
        &app,
        &tom,
        reqwest::Method::POST,
        &format!("/api/v1/image-discrepancies/{first}/resolve"),
        Some(json!({ "resolution": "not mine" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The office resolves it, saying how: recorded with who and when.
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let (s, b) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/image-discrepancies/{first}/resolve"),
        Some(json!({ "resolution": " " })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/image-discrepancies/{first}/resolve"),
        Some(json!({ "resolution": "Repeat RMLO taken after completion; added to the record" })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, all) = send(
        &app,
        &karen,
        reqwest::Method::GET,
        "/api/v1/image-discrepancies?status=all",
        None,
    )
    .await;
    let resolved = all
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["id"] == first.as_str())
        .expect("resolved")
        .clone();
    assert_eq!(resolved["resolved_by_name"], "Karen Booth");
    assert_eq!(
        resolved["resolution"],
        "Repeat RMLO taken after completion; added to the record"
    );

    // The office page lists what is left, and the gateway's state.
    let office = app.sign_in("karen.booth@example.nhs.uk").await;
    let html = app
        .get(&office, "/image-gateways")
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("Demo gateway"));
    assert!(html.contains("Images received after the appointment ended"));
    assert!(html.contains("Repeat RMLO taken after completion"));
}

#[tokio::test]
async fn switching_to_manual_image_mode_falls_back_to_the_manual_flow() {
    let app = spawn().await;
    app.store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let (id, jane, _) = at_images_step(&app).await;
    let (s, _) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/manual-mode"),
        Some(json!({ "reason": "teleport" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/manual-mode"),
        Some(json!({ "reason": "incorrect_labels" })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let c = capture(&app, &jane, id).await;
    assert_eq!(c["automatic"], false);
    let browser = app.sign_in(CLINICAL_A).await;
    let html = app
        .get(&browser, &format!("/appointments/{id}/images"))
        .await
        .text()
        .await
        .expect("page");
    assert!(html.contains("Have you taken a standard set of images?"));
    assert!(html.contains("Worklist issue, manual mode enabled"));
}

#[tokio::test]
async fn the_openapi_document_describes_every_gateway_and_reconciliation_action() {
    let app = spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    for path in [
        "/gateway/worklist",
        "/gateway/events",
        "/appointments/{id}/received-images",
        "/appointments/{id}/images/confirm-received",
        "/appointments/{id}/images/manual-mode",
        "/gateways",
        "/quarantined-images",
        "/quarantined-images/{id}/attach",
        "/quarantined-images/{id}/dismiss",
        "/quarantined-images/{id}/confirm-attach",
        "/received-images/{id}/detach",
        "/image-discrepancies",
        "/image-discrepancies/{id}/resolve",
        "/received-images/{id}/thumbnail",
    ] {
        assert!(doc["paths"][path].is_object(), "documents {path}");
    }
    assert!(doc["components"]["securitySchemes"]["gateway"].is_object());
}

#[tokio::test]
async fn the_office_may_attach_a_quarantined_image_deliberately_or_keep_it_out() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let (id, jane, _) = at_images_step(&app).await;
    let c = capture(&app, &jane, id).await;
    let study = c["worklist_item"]["study_instance_uid"]
        .as_str()
        .expect("uid")
        .to_owned();
    // The machine had the wrong patient ID typed in; and an image of an unknown study.
    let (_, b) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.7.1", &study, "9999999999", "R", "CC"),
    )
    .await;
    assert_eq!(b["outcome"], "quarantined");
    let (_, b) = post_event(
        &app,
        &gw,
        &image(
            "1.2.826.0.1.7.2",
            "1.2.826.0.1.7.999",
            "9999999999",
            "R",
            "CC",
        ),
    )
    .await;
    assert_eq!(b["quarantine_reason"], "unknown_study");
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    let ids: Vec<String> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);

    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let path = |i: usize, what: &str| format!("/api/v1/quarantined-images/{}/{what}", ids[i]);
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &path(0, "attach"),
        Some(json!({ "reason": "" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let tom = app.token(CLINICAL_B, "DMO2").await;
    let (s, _) = send(
        &app,
        &tom,
        reqwest::Method::POST,
        &path(0, "attach"),
        Some(json!({ "reason": "mine?" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // An image that names no appointment cannot be attached.
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &path(1, "attach"),
        Some(json!({ "reason": "guess" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Its PatientID is not her NHS number: asked for by one person, confirmed by another.
    let (s, b) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &path(0, "attach"),
        Some(json!({ "reason": "Radiographer confirmed the ID was mistyped on the machine" })),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    assert_eq!(b["awaiting_confirmation"], true);
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &path(0, "confirm-attach"),
        Some(json!({ "reason": "Checked the image on PACS: it is hers" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["appointment_id"], id.to_string());
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &path(0, "dismiss"),
        Some(json!({ "reason": "again" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, b) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &path(1, "dismiss"),
        Some(json!({ "reason": "Test image from the engineer" })),
    )
    .await;
    assert_eq!(
        (s, b["appointment_id"].clone()),
        (StatusCode::OK, Value::Null)
    );
    assert_eq!(
        capture(&app, &jane, id).await["images"]
            .as_array()
            .expect("images")
            .len(),
        1
    );
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    assert_eq!(list, json!([]));
}

// ---------------------------------------------------------------------------------------
// Issue 9: images received count as images taken; wrong-participant images; every
// exposure in the IR(ME)R record.
// ---------------------------------------------------------------------------------------

async fn study_of(app: &TestApp, token: &str, id: Uuid) -> String {
    capture(app, token, id).await["worklist_item"]["study_instance_uid"]
        .as_str()
        .expect("uid")
        .to_owned()
}

async fn discrepancies_of(app: &TestApp, token: &str, id: Uuid) -> Vec<Value> {
    let (_, open) = send(
        app,
        token,
        reqwest::Method::GET,
        "/api/v1/image-discrepancies?status=all",
        None,
    )
    .await;
    open.as_array()
        .expect("list")
        .iter()
        .filter(|d| d["appointment_id"] == id.to_string())
        .cloned()
        .collect()
}

#[tokio::test]
async fn images_received_from_the_machine_stop_cannot_proceed_and_discard_like_images_taken() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let scope = app.provider("DMO1").await;
    let (id, jane, nhs) = at_images_step(&app).await;
    let study = study_of(&app, &jane, id).await;
    // The machine delivers one image; nobody has confirmed anything yet.
    let (s, b) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.6.1", &study, &nhs, "R", "CC"),
    )
    .await;
    assert_eq!(
        (s, b["outcome"].as_str()),
        (StatusCode::CREATED, Some("attached"))
    );

    let v = version(&app, scope, id).await;
    let answer =
        json!({ "reasons": [["consent_withdrawn", ""]], "reschedule": "invite_to_next_routine" });
    let (s, problem) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/cannot-proceed"),
        Some(json!({ "answer": answer, "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("received from the x-ray machine")),
        "{problem}"
    );
    let (s, problem) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/discard"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem}");
    for action in ["attended_not_screened", "revert_to_checked_in"] {
        let (s, problem) = send(
            &app,
            &jane,
            reqwest::Method::POST,
            &format!("/api/v1/appointments/{id}/actions"),
            Some(json!({ "action": action, "expected_version": v })),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {problem}");
    }
    // Nothing changed, and the exit page offers only pausing.
    assert_eq!(
        app.store
            .appointment(scope, id.into())
            .await
            .expect("a")
            .status,
        domain::AppointmentStatus::InProgress
    );
    let browser = app.sign_in(CLINICAL_A).await;
    let html = app
        .get(&browser, &format!("/appointments/{id}/exit"))
        .await
        .text()
        .await
        .expect("exit");
    assert!(html.contains("Yes, pause and save changes"), "{html}");
    assert!(!html.contains("No, appointment cannot proceed"), "{html}");
    assert!(!html.contains("Discard changes and revert"), "{html}");
    // Pausing still works.
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/actions"),
        Some(json!({ "action": "pause", "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn images_received_for_an_appointment_ended_without_a_screen_need_a_persons_decision() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let scope = app.provider("DMO1").await;
    let (id, jane, nhs) = at_images_step(&app).await;
    let study = study_of(&app, &jane, id).await;
    // No images yet: the appointment ends as attended not screened.
    let v = version(&app, scope, id).await;
    let answer =
        json!({ "reasons": [["pain_during_screening", ""]], "reschedule": "within_6_weeks" });
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/cannot-proceed"),
        Some(json!({ "answer": answer, "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(discrepancies_of(&app, &jane, id).await.is_empty());
    // Then the machine delivers two exposures it made before the participant stopped.
    for (sop, view) in [("1.2.826.0.1.5.1", "CC"), ("1.2.826.0.1.5.2", "MLO")] {
        let (s, _) = post_event(&app, &gw, &image(sop, &study, &nhs, "R", view)).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let found = discrepancies_of(&app, &jane, id).await;
    let raised = found
        .iter()
        .find(|d| d["kind"] == "images_without_screen")
        .unwrap_or_else(|| panic!("raised: {found:?}"));
    assert_eq!(
        raised["detail"],
        "2 images received; the appointment ended as attended not screened and no reading case was opened"
    );
    assert_eq!(
        raised["kind_label"],
        "Images received for an appointment that ended without a screen"
    );
    // Only a person's recorded decision settles it.
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let rid = raised["id"].as_str().expect("id").to_owned();
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/image-discrepancies/{rid}/resolve"),
        Some(json!({ "resolution": "" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/image-discrepancies/{rid}/resolve"),
        Some(json!({ "resolution": "Reviewed by the lead radiographer: sent for reading as a technical recall" })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let found = discrepancies_of(&app, &jane, id).await;
    let settled = found
        .iter()
        .find(|d| d["id"] == rid.as_str())
        .expect("settled");
    assert_eq!(settled["resolved_by_name"], "Karen Booth");
    let audit = audit_of(&app, scope, id).await;
    assert!(
        audit.iter().any(|e| e.entity_type == "image_discrepancy"
            && e.entity_id == rid
            && e.actor == "Karen Booth"),
        "the decision is audited"
    );
}

/// The audit rows about an appointment's participant.
async fn audit_of(app: &TestApp, scope: Scope, id: Uuid) -> Vec<store::AuditEntry> {
    let participant = app
        .store
        .appointment(scope, id.into())
        .await
        .expect("a")
        .participant
        .id;
    app.store
        .audit_entries(&store::AuditFilter {
            participant_id: Some(participant),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("audit")
}

#[tokio::test]
async fn a_wrong_participants_image_needs_two_people_to_attach_and_can_be_detached_again() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let scope = app.provider("DMO1").await;
    let (id, jane, nhs) = at_images_step(&app).await;
    let study = study_of(&app, &jane, id).await;
    for (sop, lat, view) in [
        ("1.2.826.0.1.4.1", "R", "CC"),
        ("1.2.826.0.1.4.2", "R", "MLO"),
        ("1.2.826.0.1.4.3", "L", "CC"),
        ("1.2.826.0.1.4.4", "L", "MLO"),
    ] {
        let (_, b) = post_event(&app, &gw, &image(sop, &study, &nhs, lat, view)).await;
        assert_eq!(b["outcome"], "attached");
    }
    // An image of her study with another PatientID is quarantined.
    let (_, b) = post_event(
        &app,
        &gw,
        &image("1.2.826.0.1.4.5", &study, "9434765919", "L", "MLO"),
    )
    .await;
    assert_eq!(b["quarantine_reason"], "patient_id_mismatch");
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    let wrong = list[0]["id"].as_str().expect("id").to_owned();

    // Karen asks for it to be attached: nothing is attached yet.
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let (s, b) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{wrong}/attach"),
        Some(json!({ "reason": "Radiographer says the PatientID was typed wrongly" })),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    assert_eq!(
        b,
        json!({ "appointment_id": null, "awaiting_confirmation": true })
    );
    assert_eq!(capture(&app, &jane, id).await["counts"]["total"], 4);
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    assert_eq!(
        list[0]["attach_request"]["requested_by_name"], "Karen Booth",
        "{list}"
    );
    // She cannot confirm it herself, nor ask twice.
    let (s, problem) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{wrong}/confirm-attach"),
        Some(json!({ "reason": "I checked" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["detail"],
        "You asked for this image to be attached, so a different person must check and confirm it."
    );
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{wrong}/attach"),
        Some(json!({ "reason": "again" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(capture(&app, &jane, id).await["counts"]["total"], 4);
    // Another provider's user cannot confirm it; a different person here can.
    let tom = app.token(CLINICAL_B, "DMO2").await;
    let (s, _) = send(
        &app,
        &tom,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{wrong}/confirm-attach"),
        Some(json!({ "reason": "mine" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{wrong}/confirm-attach"),
        Some(json!({ "reason": "Checked on the machine: it is her LMLO repeat" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["appointment_id"], id.to_string());
    let c = capture(&app, &jane, id).await;
    assert_eq!(c["counts"]["total"], 5);
    // Both people are in the audit log.
    let audit = audit_of(&app, scope, id).await;
    let outcomes: Vec<(&str, &str)> = audit
        .iter()
        .filter(|e| e.entity_id == wrong)
        .filter_map(|e| Some((e.actor.as_str(), e.snapshot["outcome"].as_str()?)))
        .collect();
    assert!(
        outcomes.contains(&("Karen Booth", "attachment_requested")),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&("Jane Hargreaves", "attached")),
        "{outcomes:?}"
    );

    // "These are a different participant's images": detached, back to quarantine, and out
    // of the appointment's images and counts.
    let (s, _) = send(
        &app,
        &tom,
        reqwest::Method::POST,
        &format!("/api/v1/received-images/{wrong}/detach"),
        Some(json!({ "reason": "not mine" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/received-images/{wrong}/detach"),
        Some(json!({ "reason": " " })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, b) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/received-images/{wrong}/detach"),
        Some(json!({ "reason": "PACS shows it is another woman's image" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["appointment_id"], id.to_string());
    let c = capture(&app, &jane, id).await;
    assert_eq!(c["counts"]["total"], 4);
    assert!(
        c["capture"]["images"]
            .as_array()
            .or_else(|| c["images"].as_array())
            .expect("images")
            .iter()
            .all(|i| i["id"] != wrong.as_str())
    );
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    assert_eq!(list[0]["id"], wrong.as_str());
    assert_eq!(list[0]["quarantine_reason"], "different_participant");
    assert_eq!(list[0]["detached"]["appointment_id"], id.to_string());
    // Detaching twice is refused; an attached image with her own PatientID, once detached,
    // also needs two people to go back.
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/received-images/{wrong}/detach"),
        Some(json!({ "reason": "again" })),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let own = c["images"]
        .as_array()
        .expect("images")
        .iter()
        .find(|i| i["view"] == "RCC")
        .expect("RCC")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (s, _) = send(
        &app,
        &karen,
        reqwest::Method::POST,
        &format!("/api/v1/received-images/{own}/detach"),
        Some(json!({ "reason": "The machine had the wrong worklist entry selected" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/quarantined-images/{own}/attach"),
        Some(json!({ "reason": "It was hers after all" })),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    assert_eq!(capture(&app, &jane, id).await["counts"]["total"], 3);
}

#[tokio::test]
async fn a_reading_case_warns_when_an_images_patient_id_is_not_the_participants() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let (id, jane, nhs) = at_images_step(&app).await;
    let study = study_of(&app, &jane, id).await;
    for (sop, lat, view, patient) in [
        ("1.2.826.0.1.3.1", "R", "CC", nhs.as_str()),
        ("1.2.826.0.1.3.2", "R", "MLO", nhs.as_str()),
        ("1.2.826.0.1.3.3", "L", "CC", nhs.as_str()),
        ("1.2.826.0.1.3.4", "L", "MLO", "9434765919"),
    ] {
        post_event(&app, &gw, &image(sop, &study, patient, lat, view)).await;
    }
    // The LMLO is attached by two people.
    let (_, list) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/quarantined-images",
        None,
    )
    .await;
    let wrong = list[0]["id"].as_str().expect("id").to_owned();
    let karen = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    for (who, what) in [(&karen, "attach"), (&jane, "confirm-attach")] {
        let (s, b) = send(
            &app,
            who,
            reqwest::Method::POST,
            &format!("/api/v1/quarantined-images/{wrong}/{what}"),
            Some(json!({ "reason": "Mistyped PatientID, checked on PACS" })),
        )
        .await;
        assert!(s.is_success(), "{what}: {b}");
    }
    let scope = app.provider("DMO1").await;
    let v = version(&app, scope, id).await;
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/confirm-received"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/complete"),
        Some(json!({ "expected_version": b["version"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A reader opens the case: the warning is there, above the thumbnails.
    let reader = app.token("olumide.adeyemi@example.nhs.uk", "DMO1").await;
    let (_, cases) = send(
        &app,
        &reader,
        reqwest::Method::GET,
        "/api/v1/reading/cases",
        None,
    )
    .await;
    let case = cases
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["appointment_id"] == id.to_string())
        .unwrap_or_else(|| panic!("a case for the appointment: {cases}"))["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (s, session) = send(
        &app,
        &reader,
        reqwest::Method::POST,
        "/api/v1/reading/sessions",
        Some(json!({ "kind": "first_reads", "size": 10 })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{session}");
    let sid = session["id"].as_str().expect("sid");
    let browser = app.sign_in("olumide.adeyemi@example.nhs.uk").await;
    let res = app
        .get(&browser, &format!("/reading/sessions/{sid}/cases/{case}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("case");
    assert!(
        html.contains("data-testid=\"patient-id-warning\""),
        "{html}"
    );
    assert!(
        html.contains("1 image has a PatientID that is not"),
        "{html}"
    );
    assert!(
        html.contains("4 images received from the x-ray machine"),
        "{html}"
    );
}

#[tokio::test]
async fn the_irmer_record_and_mammographer_statistics_count_every_view_received() {
    let app = spawn().await;
    let gw = app
        .store
        .ensure_demo_gateway("DMO1")
        .await
        .expect("gateway")
        .expect("DMO1");
    let scope = app.provider("DMO1").await;
    let (id, jane, nhs) = at_images_step(&app).await;
    let images_so_far = |perf: &Value| {
        perf["mammographers"]
            .as_array()
            .and_then(|m| m.first())
            .and_then(|m| m["images"].as_i64())
            .unwrap_or(0)
    };
    let (_, before) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/reading/performance?who=me&period=7",
        None,
    )
    .await;
    let study = study_of(&app, &jane, id).await;
    let mut events = vec![
        image("1.2.826.0.1.2.1", &study, &nhs, "R", "CC"),
        image("1.2.826.0.1.2.2", &study, &nhs, "R", "MLO"),
        image("1.2.826.0.1.2.3", &study, &nhs, "L", "CC"),
        image("1.2.826.0.1.2.4", &study, &nhs, "L", "MLO"),
        image("1.2.826.0.1.2.5", &study, &nhs, "R", "ML"),
        image("1.2.826.0.1.2.6", &study, &nhs, "L", "XCCL"),
    ];
    // One with no view at all, and one For Processing (the raw copy of an exposure).
    let mut unlabelled = image("1.2.826.0.1.2.7", &study, &nhs, "L", "CC");
    unlabelled["view_position"] = Value::Null;
    events.push(unlabelled);
    let mut raw = image("1.2.826.0.1.2.8", &study, &nhs, "R", "CC");
    raw["presentation_intent"] = json!("FOR PROCESSING");
    events.push(raw);
    // Taken today: the statistics count a screen on the day its images were taken.
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("now as RFC 3339");
    for e in &mut events {
        e["acquired_at"] = json!(now);
        e["received_at"] = json!(now);
        e["occurred_at"] = json!(now);
    }
    for e in &events {
        let (s, b) = post_event(&app, &gw, e).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let v = version(&app, scope, id).await;
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/images/confirm-received"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = send(
        &app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/complete"),
        Some(json!({ "expected_version": b["version"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, wf) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        &format!("/api/v1/appointments/{id}/workflow"),
        None,
    )
    .await;
    let exposure = &wf["sections"]["exposure"]["data"];
    assert_eq!(exposure["total_exposures"], 7, "{exposure}");
    assert_eq!(
        exposure["other_exposures"],
        json!([
            { "view": "LXCCL", "exposures": 1 },
            { "view": "RML", "exposures": 1 },
            { "view": "Unlabelled view", "exposures": 1 },
        ])
    );
    assert_eq!(exposure["image_doses"].as_array().map(Vec::len), Some(7));
    let (_, after) = send(
        &app,
        &jane,
        reqwest::Method::GET,
        "/api/v1/reading/performance?who=me&period=7",
        None,
    )
    .await;
    assert_eq!(images_so_far(&after) - images_so_far(&before), 7, "{after}");
}
