//! Recording the images taken (step 3): the API and the pages apply the domain's rules,
//! save the same "images" section, and save nothing when something is wrong.

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use store::{Actor, SectionUpdate};
use uuid::Uuid;

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn workflow(app: &TestApp, token: &str, id: Uuid) -> Value {
    let (status, wf) = send(
        app,
        token,
        reqwest::Method::GET,
        &format!("/api/v1/appointments/{id}/workflow"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
    wf
}

async fn version(app: &TestApp, token: &str, id: Uuid) -> i64 {
    workflow(app, token, id).await["appointment"]["version"]
        .as_i64()
        .expect("version")
}

/// A scheduled appointment started by Jane through the API, and her token.
async fn started(app: &TestApp) -> (Uuid, String) {
    let scope = app.provider("DMO1").await;
    let (id, _) = app.scheduled_appointment(scope).await;
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let (status, body) = send(
        app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/actions"),
        Some(json!({ "action": "start" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The images step opens once identity is confirmed and the medical information reviewed.
    let v = version(app, &jane, id.uuid()).await;
    let (status, body) = send(
        app,
        &jane,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/identity"),
        Some(json!({ "expected_version": v })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let medical = json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let (status, body) = send(
        app,
        &jane,
        reqwest::Method::PUT,
        &format!("/api/v1/appointments/{id}/medical-information"),
        Some(json!({ "medical": medical, "expected_version": body["version"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (id.uuid(), jane)
}

async fn put_images(
    app: &TestApp,
    token: &str,
    id: Uuid,
    record: Value,
    expected_version: i64,
) -> (StatusCode, Value) {
    send(
        app,
        token,
        reqwest::Method::PUT,
        &format!("/api/v1/appointments/{id}/images"),
        Some(json!({ "record": record, "expected_version": expected_version })),
    )
    .await
}

#[tokio::test]
async fn a_standard_set_saves_a_valid_record_of_four_images() {
    let app = spawn().await;
    let (id, jane) = started(&app).await;
    let v = version(&app, &jane, id).await;

    let (status, body) = put_images(&app, &jane, id, json!({ "standard_set": "yes" }), v).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], v + 1);
    assert_eq!(body["completeness"], "complete");
    assert_eq!(body["final_status"], "screened");
    assert_eq!(body["total_images"], 4);

    let wf = workflow(&app, &jane, id).await;
    let data = &wf["sections"]["images"]["data"];
    assert_eq!(data["valid"], true);
    assert_eq!(data["record"]["standard_set"], "yes");
    assert_eq!(
        data["record"]["counts"],
        json!({ "rcc": 1, "rmlo": 1, "lcc": 1, "lmlo": 1, "rccid": 0, "rmloid": 0, "lccid": 0, "lmloid": 0 })
    );
    assert_eq!(wf["images_taken"], 4);

    // Saving the same record again records once.
    let (status, body) = put_images(&app, &jane, id, json!({ "standard_set": "yes" }), v).await;
    assert_eq!(
        (status, body["version"].as_i64()),
        (StatusCode::OK, Some(v + 1))
    );

    // A save based on an old version is refused.
    let (status, _) = put_images(&app, &jane, id, json!({ "standard_set": "no" }), v).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(version(&app, &jane, id).await, v + 1);

    // The API is described.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(doc["paths"]["/appointments/{id}/images"]["put"].is_object());
}

#[tokio::test]
async fn an_extra_rmlo_recorded_as_a_repeat_needs_a_reason() {
    let app = spawn().await;
    let (id, jane) = started(&app).await;
    let v = version(&app, &jane, id).await;
    let counts = json!({ "rcc": 1, "rmlo": 2, "lcc": 1, "lmlo": 1 });

    // A repeat without a reason is refused, naming the field, and nothing is saved.
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({
            "standard_set": "no",
            "counts": counts,
            "repeats": { "rmlo": { "answer": { "choice": "all_repeats" } } },
        }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "repeats-rmlo-reasons");
    assert_eq!(
        body["errors"][0]["message"],
        "Select why the RMLO image was repeated"
    );
    assert_eq!(version(&app, &jane, id).await, v);

    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({
            "standard_set": "no",
            "counts": counts,
            "repeats": { "rmlo": {
                "answer": { "choice": "all_repeats" },
                "reasons": ["participant_movement"],
            } },
        }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total_images"], 5);
    assert_eq!(body["completeness"], "complete");
    let wf = workflow(&app, &jane, id).await;
    let data = &wf["sections"]["images"]["data"];
    assert_eq!(data["valid"], true);
    assert_eq!(
        data["record"]["repeats"]["rmlo"]["reasons"],
        json!(["participant_movement"])
    );
    assert_eq!(wf["images_taken"], 5);
}

#[tokio::test]
async fn a_missing_lcc_needs_not_all_mammograms_taken_and_nothing_is_saved_until_then() {
    let app = spawn().await;
    let (id, jane) = started(&app).await;
    let v = version(&app, &jane, id).await;
    let counts = json!({ "rcc": 1, "rmlo": 1, "lcc": 0, "lmlo": 1 });

    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({ "standard_set": "no", "counts": counts }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "not_all_taken");
    assert_eq!(
        body["errors"][0]["message"],
        "Select 'Not all mammograms taken' and say why, as no LCC image was recorded"
    );
    let wf = workflow(&app, &jane, id).await;
    assert_eq!(wf["appointment"]["version"], v);
    assert!(wf["sections"]["images"].is_null(), "nothing saved");
    assert_eq!(wf["images_taken"], 0);

    // Not all taken, with a recall: recorded as to be recalled, partially screened.
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({
            "standard_set": "no",
            "counts": counts,
            "not_all_taken": {
                "reasons": ["wheelchair_positioning"],
                "recall": { "decision": "recall", "timescale": "In 6 weeks", "scheduling_note": "Allow the wrist to heal" },
            },
        }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["completeness"], "to_be_recalled");
    assert_eq!(body["final_status"], "partially_screened");
    assert_eq!(body["total_images"], 3);
    let wf = workflow(&app, &jane, id).await;
    assert_eq!(wf["sections"]["images"]["data"]["valid"], true);
    assert_eq!(
        wf["sections"]["images"]["data"]["record"]["not_all_taken"]["recall"]["timescale"],
        "In 6 weeks"
    );

    // A recall needs a timescale.
    let v = body["version"].as_i64().expect("version");
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({
            "standard_set": "no",
            "counts": counts,
            "not_all_taken": { "reasons": ["consent_withdrawn"], "recall": { "decision": "recall", "timescale": " " } },
        }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "not_all_taken_recall_timescale");
    assert_eq!(version(&app, &jane, id).await, v);
}

#[tokio::test]
async fn counts_above_nine_are_refused_on_their_field() {
    let app = spawn().await;
    let (id, jane) = started(&app).await;
    let v = version(&app, &jane, id).await;
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({ "standard_set": "no", "counts": { "rcc": 1, "rmlo": 10, "lcc": 1, "lmlo": -1 } }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert!(
        errors.contains(
            &json!({ "field": "count-rmlo", "message": "Number of RMLO images must be at most 9" })
        ),
        "{body}"
    );
    assert!(
        errors.contains(
            &json!({ "field": "count-lmlo", "message": "Number of LMLO images must be at least 0" })
        ),
        "{body}"
    );
    assert_eq!(version(&app, &jane, id).await, v);

    // No images at all is not a count: "Enter at least one image count".
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({ "standard_set": "no", "counts": { "rcc": 0, "rmlo": 0, "lcc": 0, "lmlo": 0 } }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "counts");
    assert_eq!(
        body["errors"][0]["message"],
        "Enter at least one image count"
    );
    assert_eq!(version(&app, &jane, id).await, v);
}

/// Through the pages: Jane starts an appointment and confirms identity; medical
/// information is marked reviewed (until its pages exist), which opens step 3.
async fn ready_for_images(app: &TestApp) -> (store::Scope, Uuid, Browser) {
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let jane = app.store.user_by_email(CLINICAL_A).await.expect("user");
    let csrf = browser.csrf.clone();

    // Start, confirm identity, and (until its pages exist) mark medical information reviewed.
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/start"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/identity"),
            &[("csrf_token", &csrf), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let v = app.status(scope, appt).await.1;
    let actor = Actor {
        user_id: Some(jane.id),
        name: jane.name.clone(),
        provider_id: Some(scope.provider_id),
    };
    app.store
        .save_section(
            scope,
            &actor,
            appt,
            SectionUpdate {
                document: &domain::workflow::SectionDocument::Medical(
                    domain::medical::MedicalDocument {
                        information: Default::default(),
                        all_reviewed: true,
                    },
                ),
                images_taken: None,
            },
            v,
        )
        .await
        .expect("medical information reviewed");

    (scope, appt.uuid(), browser)
}

/// The pages, without JavaScript: plain forms posted with the session's CSRF token.
#[tokio::test]
async fn the_counts_page_works_without_javascript_and_goes_on_to_the_repeats() {
    let app = spawn().await;
    let (scope, appt, browser) = ready_for_images(&app).await;
    let csrf = browser.csrf.clone();

    // The first page shows the room and the question.
    let page = app
        .get(&browser, &format!("/appointments/{appt}/images"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("Mammogram location:"), "room shown");
    assert!(html.contains("Have you taken a standard set of images?"));
    assert!(html.contains("Yes, 2 CC and 2 MLO"));
    assert!(html.contains("No, add other information"));
    assert!(html.contains("No images taken"));
    let marker = r#"name="room_id" value=""#;
    let start = html.find(marker).expect("the room shown is posted") + marker.len();
    let room_id = html[start..].split('"').next().expect("room id").to_owned();
    assert!(
        Uuid::parse_str(&room_id).is_ok(),
        "a room is shown by default"
    );

    // "No, add other information" goes to the counts.
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images"),
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("room_id", &room_id),
                ("standard_set", "no"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(to, format!("/appointments/{appt}/images/counts"));
    let html = app.get(&browser, &to).await.text().await.expect("body");
    assert!(html.contains("How many images were taken?"));
    assert!(html.contains("Right breast") && html.contains("Left breast"));
    assert!(html.contains(r#"name="count-rcc""#) && html.contains(r#"value="1""#));

    // A count that is out of range is shown with the domain's message; nothing is saved
    // and what was typed is shown again.
    let (_, before, _) = app.status(scope, appt).await;
    let v = before.to_string();
    let mut form = vec![("csrf_token", csrf.as_str()), ("version", v.as_str())];
    let bad = [
        ("count-rcc", "1"),
        ("count-rmlo", "12"),
        ("count-lcc", "1"),
        ("count-lmlo", "1"),
        ("count-rccid", "0"),
        ("count-rmloid", "0"),
        ("count-lccid", "0"),
        ("count-lmloid", "0"),
    ];
    form.extend(bad);
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images/counts"),
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(html.contains("There is a problem"));
    assert!(html.contains(r##"href="#count-rmlo""##));
    assert!(html.contains("Number of RMLO images must be at most 9"));
    assert!(
        html.contains(r#"value="12""#),
        "the typed value is shown again"
    );
    assert_eq!(app.status(scope, appt).await.1, before, "nothing saved");

    // Two RMLO images: saved, then the repeats question.
    let mut form = vec![("csrf_token", csrf.as_str()), ("version", v.as_str())];
    form.extend(bad.map(|(k, n)| (k, if k == "count-rmlo" { "2" } else { n })));
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images/counts"),
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(to, format!("/appointments/{appt}/images/repeats"));
    assert_eq!(app.status(scope, appt).await.1, before + 1);
    let wf = app
        .store
        .workflow(scope, appt.into())
        .await
        .expect("workflow");
    assert_eq!(wf.images_taken, 5);
    let html = app.get(&browser, &to).await.text().await.expect("body");
    assert!(
        html.contains("2 RMLO images were taken. Was the additional image a repeat?"),
        "repeats question shown"
    );
    assert!(html.contains("Yes, it was a repeat"));
    assert!(html.contains("No, an extra image was needed to capture the complete view"));
    assert!(html.contains("Participant movement"));

    // Answer it as a repeat with a reason; then the details, then "Check information".
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images/repeats"),
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("repeats-rmlo", "all_repeats"),
                ("repeats-rmlo-reasons", "participant_movement"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/appointments/{appt}/images/details")
    );
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images/details"),
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("imperfect_but_best_possible", "yes"),
                ("notes_for_reader", "Best possible images"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/appointments/{appt}/check")
    );
    let wf = app
        .store
        .workflow(scope, appt.into())
        .await
        .expect("workflow");
    let sections = serde_json::to_value(&wf.sections).expect("sections");
    let data = &sections["images"]["data"];
    assert_eq!(data["valid"], true);
    assert_eq!(data["record"]["imperfect_but_best_possible"], true);
    assert_eq!(
        data["room_id"],
        room_id.as_str(),
        "the room shown was recorded"
    );
    assert_eq!(wf.room.map(|r| r.id.to_string()), Some(room_id));
}

#[tokio::test]
async fn a_standard_set_offers_the_details_and_no_images_goes_to_cannot_proceed() {
    let app = spawn().await;
    let (scope, appt, browser) = ready_for_images(&app).await;
    let csrf = browser.csrf.clone();

    // Unanswered: an error, nothing saved.
    let before = app.status(scope, appt).await.1;
    let v = before.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images"),
            &[("csrf_token", &csrf), ("version", &v)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Select whether you have taken a standard set of images")
    );
    assert_eq!(app.status(scope, appt).await.1, before);

    // "Yes, 2 CC and 2 MLO": saved as valid, then the additional details.
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images"),
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("standard_set", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(to, format!("/appointments/{appt}/images/details"));
    let wf = app
        .store
        .workflow(scope, appt.into())
        .await
        .expect("workflow");
    assert_eq!(wf.images_taken, 4);
    assert_eq!(
        serde_json::to_value(&wf.sections).expect("sections")["images"]["data"]["valid"],
        true
    );
    let html = app.get(&browser, &to).await.text().await.expect("body");
    assert!(html.contains("Imperfect, but best possible images"));
    assert!(html.contains("Image readers will be advised not to request a technical recall"));
    assert!(html.contains("Notes for reader"));
    assert!(
        !html.contains("Not all mammograms taken"),
        "not offered after a standard set"
    );
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &to,
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("notes_for_reader", "Participant moved slightly"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/appointments/{appt}/check")
    );

    // "No images taken": recorded with no images, then cannot proceed.
    let v = app.status(scope, appt).await.1.to_string();
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{appt}/images"),
            &[
                ("csrf_token", &csrf),
                ("version", &v),
                ("standard_set", "no_images"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/appointments/{appt}/cannot-proceed")
    );
    let wf = app
        .store
        .workflow(scope, appt.into())
        .await
        .expect("workflow");
    assert_eq!(wf.images_taken, 0);
    assert_eq!(
        serde_json::to_value(&wf.sections).expect("sections")["images"]["data"]["valid"],
        false
    );
    assert_eq!(
        serde_json::to_value(&wf.sections).expect("sections")["images"]["data"]["record"]["standard_set"],
        "no_images"
    );
}

#[tokio::test]
async fn partial_mammography_for_technical_issues_needs_the_mammographers_confirmation() {
    let app = spawn().await;
    let (id, jane) = started(&app).await;
    let v = version(&app, &jane, id).await;
    let counts = json!({ "rcc": 1, "rmlo": 1, "lcc": 0, "lmlo": 0 });
    let partial = |confirmed: Option<bool>| {
        let mut not_all = json!({
            "reasons": ["technical_issues"],
            "recall": { "decision": "no_recall" },
        });
        if let Some(c) = confirmed {
            not_all["partial_confirmed"] = json!(c);
        }
        json!({ "standard_set": "no", "counts": counts, "not_all_taken": not_all })
    };

    // Against the guidance without a confirmation: refused, nothing saved.
    for confirmed in [None, Some(false)] {
        let (status, body) = put_images(&app, &jane, id, partial(confirmed), v).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"][0]["field"],
            "not_all_taken_partial_confirmed"
        );
        assert_eq!(
            body["errors"][0]["message"],
            "Confirm that partial mammography should be recorded, or select 'Yes' to recall the participant to take more images"
        );
        let wf = workflow(&app, &jane, id).await;
        assert_eq!(wf["appointment"]["version"], v);
        assert!(wf["sections"]["images"].is_null(), "nothing saved");
    }

    // A recall, as the guidance says, needs no confirmation.
    let (status, body) = put_images(
        &app,
        &jane,
        id,
        json!({ "standard_set": "no", "counts": counts, "not_all_taken": {
            "reasons": ["technical_issues"],
            "recall": { "decision": "recall", "timescale": "When the machine is fixed" },
        } }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["completeness"], "to_be_recalled");
    let v = body["version"].as_i64().expect("version");

    // Confirmed: recorded as partial mammography, and the confirmation is stored.
    let (status, body) = put_images(&app, &jane, id, partial(Some(true)), v).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["completeness"], "partial_mammography");
    let wf = workflow(&app, &jane, id).await;
    assert_eq!(
        wf["sections"]["images"]["data"]["record"]["not_all_taken"]["partial_confirmed"],
        true
    );

    // The check information page says it was confirmed against the guidance.
    let browser = app.sign_in(CLINICAL_A).await;
    let res = app
        .get(&browser, &format!("/appointments/{id}/check"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("page");
    assert!(
        page.contains(
            "Partial mammography confirmed by the mammographer against the guidance for Technical issues"
        ),
        "{page}"
    );
}

/// The page asks the question and warns without JavaScript: the first submit shows them
/// with the error, the confirmed one saves.
#[tokio::test]
async fn the_details_page_warns_and_asks_before_partial_mammography_for_technical_issues() {
    let app = spawn().await;
    let (scope, appt, browser) = ready_for_images(&app).await;
    let csrf = browser.csrf.clone();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let v = app.status(scope, appt).await.1;
    let counts = json!({ "rcc": 1, "rmlo": 1, "lcc": 0, "lmlo": 0 });
    let (status, body) = put_images(
        &app,
        &jane,
        appt,
        json!({ "standard_set": "no", "counts": counts, "not_all_taken": {
            "reasons": ["consent_withdrawn"], "recall": { "decision": "no_recall" } } }),
        v,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let path = format!("/appointments/{appt}/images/details");
    let before = app.status(scope, appt).await.1;
    let v = before.to_string();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("version", v.as_str()),
        ("not_all_taken", "yes"),
        ("not_all_taken_reasons", "technical_issues"),
        ("not_all_taken_recall", "no_recall"),
    ];
    let res = app.post_form(&browser, &path, &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(
        html.contains(r##"href="#not_all_taken_partial_confirmed""##),
        "error summary links to the question"
    );
    assert!(html.contains("Are you sure partial mammography should be recorded?"));
    assert!(html.contains(r#"data-testid="partial-warning""#));
    assert!(html.contains("Partial mammography should not be recorded for a failure of the x-ray"));
    assert_eq!(app.status(scope, appt).await.1, before, "nothing saved");

    let mut confirmed = form.to_vec();
    confirmed.push(("not_all_taken_partial_confirmed", "yes"));
    let res = app.post_form(&browser, &path, &confirmed).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/appointments/{appt}/check")
    );
    let wf = app
        .store
        .workflow(scope, appt.into())
        .await
        .expect("workflow");
    assert_eq!(
        serde_json::to_value(&wf.sections).expect("sections")["images"]["data"]["record"]["not_all_taken"]
            ["partial_confirmed"],
        true
    );
    // Going back shows the answer, with the warning.
    let html = app.get(&browser, &path).await.text().await.expect("body");
    assert!(
        html.contains(
            r#"name="not_all_taken_partial_confirmed" type="checkbox" value="yes" checked"#
        )
    );
}
