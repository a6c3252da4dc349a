//! Step 2, "Review medical information", through the API and the pages: saving the whole
//! document, the six-month rule, carrying history into the next appointment, and the
//! symptoms form.

mod common;

use common::*;
use domain::ClinicTab;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use time::{Date, Duration};

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

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    send(app, token, reqwest::Method::POST, path, Some(body)).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    send(app, token, reqwest::Method::PUT, path, Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = send(app, token, reqwest::Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

fn today() -> Date {
    domain::dates::london_date(time::OffsetDateTime::now_utc())
}

const ALL_SECTIONS: [&str; 6] = [
    "mammogram_history",
    "medical_history",
    "symptoms",
    "breast_features",
    "breast_density_factors",
    "other_medical_information",
];

/// Starts the appointment and confirms identity as the token's user; returns the version.
async fn start(app: &TestApp, token: &str, id: &str) -> i64 {
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/appointments/{id}/actions"),
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let wf = get(app, token, &format!("/api/v1/appointments/{id}/workflow")).await;
    let v = wf["appointment"]["version"].as_i64().expect("version");
    let (status, body) = post(
        app,
        token,
        &format!("/api/v1/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["version"].as_i64().expect("version")
}

async fn current_version(app: &TestApp, token: &str, id: &str) -> String {
    let wf = get(app, token, &format!("/api/v1/appointments/{id}/workflow")).await;
    wf["appointment"]["version"]
        .as_i64()
        .expect("version")
        .to_string()
}

fn recorded(item: Value) -> Value {
    json!({ "item": item, "recorded_on": today().to_string(), "confirmed": true })
}

#[tokio::test]
async fn saving_every_section_reviewed_completes_the_step_and_a_recent_mammogram_needs_a_reason() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let v = start(&app, &jane, &id).await;
    let path = format!("/api/v1/appointments/{id}/medical-information");

    // Nothing recorded yet: every section to review.
    let view = get(&app, &jane, &path).await;
    assert_eq!(view["all_reviewed"], false);
    assert_eq!(view["six_month_rule"], "clear");
    assert_eq!(view["version"], v);

    // A mammogram a month ago with no reason to continue is refused; nothing is saved.
    let recent = recorded(json!({
        "location": { "kind": "outside_uk", "details": "Paris" },
        "when": { "exact_date": (today() - Duration::days(30)).to_string() },
    }));
    let (status, body) = put(
        &app,
        &jane,
        &path,
        json!({ "medical": { "mammograms": [recent] }, "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["field"],
        "medical.mammograms[0].reason_to_continue"
    );
    assert_eq!(
        body["errors"][0]["message"],
        "Enter a reason for continuing with this appointment"
    );
    assert_eq!(get(&app, &jane, &path).await["version"], v);

    // Other item problems are named where they are.
    let (status, body) = put(
        &app,
        &jane,
        &path,
        json!({
            "medical": {
                "symptoms": [recorded(json!({ "kind": { "type": "breast_pain" }, "area": "left" }))],
                "reviewed": ["not_a_section"],
            },
            "expected_version": v,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "medical", "{body}");
    let (status, body) = put(
        &app,
        &jane,
        &path,
        json!({
            "medical": {
                "symptoms": [recorded(json!({ "kind": { "type": "breast_pain" }, "area": "left" }))],
            },
            "expected_version": v,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "medical.symptoms[0].started",
            "medical.symptoms[0].highlight_to_readers"
        ]
    );

    // With a reason, and every section reviewed, the step is done.
    let with_reason = recent_with_reason();
    let (status, body) = put(
        &app,
        &jane,
        &path,
        json!({
            "medical": {
                "mammograms": [with_reason],
                "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "not_known" },
                "reviewed": ALL_SECTIONS,
            },
            "expected_version": v,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["all_reviewed"], true);
    let v2 = body["version"].as_i64().expect("version");
    assert_eq!(v2, v + 1);

    let wf = get(&app, &jane, &format!("/api/v1/appointments/{id}/workflow")).await;
    let saved = &wf["sections"]["medical"]["data"];
    assert_eq!(saved["all_reviewed"], true);
    assert_eq!(
        saved["mammograms"][0]["item"]["reason_to_continue"],
        "Referred by the breast clinic"
    );
    assert_eq!(saved["reviewed"].as_array().map(Vec::len), Some(6));

    // A stale save is refused.
    let (status, _) = put(
        &app,
        &jane,
        &path,
        json!({ "medical": {}, "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The images step is now open in the pages.
    let browser = app.sign_in(CLINICAL_A).await;
    let res = app
        .get(&browser, &format!("/appointments/{id}/medical-information"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert_eq!(html.matches(">Reviewed</strong>").count(), 12, "{html}");
    assert!(!html.contains(">To review</strong>"));
}

fn recent_with_reason() -> Value {
    recorded(json!({
        "location": { "kind": "outside_uk", "details": "Paris" },
        "when": { "exact_date": (today() - Duration::days(30)).to_string() },
        "reason_to_continue": "Referred by the breast clinic",
    }))
}

#[tokio::test]
async fn history_recorded_at_one_appointment_is_carried_into_the_next_for_confirmation() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, participant) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let v = start(&app, &jane, &id).await;
    let path = format!("/api/v1/appointments/{id}/medical-information");
    let (status, body) = put(
        &app,
        &jane,
        &path,
        json!({
            "medical": {
                "history": [recorded(json!({ "type": "cysts", "treatment": "drainage_or_removal" }))],
                "symptoms": [recorded(json!({
                    "kind": { "type": "lump" }, "area": "right", "started": "over_3_years",
                }))],
                "density": { "hrt_started_since_last_screening": "yes", "pregnant_or_breastfeeding": "no" },
                "other": "Prefers a female interpreter",
                "reviewed": ALL_SECTIONS,
            },
            "expected_version": v,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = body["version"].as_i64().expect("version");

    // The appointment ends; its medical information goes to the participant's record.
    let (status, body) = post(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/cannot-proceed"),
        json!({
            "answer": { "reasons": [["technical_issues", ""]], "reschedule": "within_6_weeks" },
            "expected_version": v,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Book the same participant into a free slot of a future clinic.
    let mut free = None;
    for clinic in app
        .store
        .clinics(scope, ClinicTab::Today, today())
        .await
        .expect("clinics")
    {
        let slots = app.store.free_slots(scope, clinic.id).await.expect("slots");
        if let Some((slot, _)) = slots.first() {
            free = Some((clinic.id, *slot));
            break;
        }
    }
    let (clinic_id, slot_id) = free.expect("a free slot in an upcoming demo clinic");
    let (status, body) = post(
        &app,
        &jane,
        "/api/v1/appointments",
        json!({
            "clinic_id": clinic_id,
            "slot_id": slot_id,
            "participant_id": participant,
            "episode_type": "routine",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let next = body["id"].as_str().expect("id").to_owned();

    let wf = get(
        &app,
        &jane,
        &format!("/api/v1/appointments/{next}/workflow"),
    )
    .await;
    let carried = &wf["carried_medical"];
    assert_eq!(carried["recorded_appointment_id"], id.as_str());
    assert_eq!(carried["recorded_on"], today().to_string());
    assert_eq!(carried["data"]["history"][0]["item"]["type"], "cysts");
    assert_eq!(
        carried["data"]["symptoms"][0]["item"]["kind"]["type"],
        "lump"
    );

    // Offered for confirmation: the history sections unconfirmed, the rest empty.
    let view = get(
        &app,
        &jane,
        &format!("/api/v1/appointments/{next}/medical-information"),
    )
    .await;
    let medical = &view["medical"];
    assert_eq!(view["all_reviewed"], false);
    assert_eq!(medical["history"][0]["confirmed"], false);
    assert_eq!(medical["history"][0]["recorded_on"], today().to_string());
    assert_eq!(medical["symptoms"][0]["confirmed"], false);
    assert_eq!(medical["density"], Value::Null);
    assert_eq!(medical["other"], "");
    assert_eq!(medical["reviewed"], json!([]));

    // Running it: the history cannot be marked reviewed until the item is confirmed.
    let v = start(&app, &jane, &next).await;
    let next_path = format!("/api/v1/appointments/{next}/medical-information");
    let mut medical = medical.clone();
    medical["reviewed"] = json!(["medical_history"]);
    let (status, body) = put(
        &app,
        &jane,
        &next_path,
        json!({ "medical": medical, "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "medical.reviewed");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Medical history: Confirm, update or remove the item carried forward"),
        "{body}"
    );
    medical["history"][0]["confirmed"] = json!(true);
    let (status, body) = put(
        &app,
        &jane,
        &next_path,
        json!({ "medical": medical, "expected_version": v }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["all_reviewed"], false);

    // The pages show the carried symptom with its date, to confirm, change or remove.
    let browser = app.sign_in(CLINICAL_A).await;
    let html = app
        .get(
            &browser,
            &format!("/appointments/{next}/medical-information"),
        )
        .await
        .text()
        .await
        .expect("html");
    let recorded_on = format!(
        "Recorded on {} {} {}",
        today().day(),
        today().month(),
        today().year()
    );
    assert!(html.contains(&recorded_on), "{html}");
    assert!(html.contains(">Confirm<span"), "{html}");

    // "Mark as reviewed" is refused with the domain's reason until the symptom is
    // confirmed; confirming it in the pages keeps its date.
    let base = format!("/appointments/{next}/medical-information");
    let v = current_version(&app, &jane, &next).await;
    let review = [
        ("csrf_token", browser.csrf.as_str()),
        ("version", v.as_str()),
        ("action", "review"),
        ("section", "symptoms"),
    ];
    let res = app.post_form(&browser, &base, &review).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Confirm, update or remove the item carried forward from a previous appointment before marking this section as reviewed"),
        "{html}"
    );
    assert_eq!(
        current_version(&app, &jane, &next).await,
        v,
        "nothing saved"
    );
    let res = app
        .post_form(
            &browser,
            &base,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("action", "confirm"),
                ("section", "symptoms"),
                ("index", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let v = current_version(&app, &jane, &next).await;
    let review = [
        ("csrf_token", browser.csrf.as_str()),
        ("version", v.as_str()),
        ("action", "review"),
        ("section", "symptoms"),
    ];
    let res = app.post_form(&browser, &base, &review).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let wf = get(
        &app,
        &jane,
        &format!("/api/v1/appointments/{next}/workflow"),
    )
    .await;
    let saved = &wf["sections"]["medical"]["data"];
    assert_eq!(saved["symptoms"][0]["confirmed"], true);
    assert_eq!(saved["symptoms"][0]["recorded_on"], today().to_string());
    assert_eq!(saved["reviewed"], json!(["medical_history", "symptoms"]));
}

#[tokio::test]
async fn the_symptoms_form_checks_the_answers_and_saves_with_the_csrf_token() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    let v = start(&app, &jane, &id).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let form_path = format!("/appointments/{id}/medical-information/symptoms/new/breast_pain");

    let res = app.get(&browser, &form_path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains("Should this symptom be highlighted to image readers?"));
    assert!(html.contains("Mammographer-noted sign"));

    let version = v.to_string();
    // Without the CSRF token nothing happens.
    let res = app
        .post_form(
            &browser,
            &form_path,
            &[("version", version.as_str()), ("area", "left")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Missing answers: the form comes back with an error summary and the answers kept.
    let res = app
        .post_form(
            &browser,
            &form_path,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", version.as_str()),
                ("area", "left"),
                ("details", "Worse before periods"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("href=\"#started\""), "{html}");
    assert!(
        html.contains("Select when the symptom started, or &#39;Not known&#39;")
            || html.contains("Select when the symptom started, or &#x27;Not known&#x27;"),
        "{html}"
    );
    assert!(html.contains("Select whether this symptom should be highlighted to image readers"));
    assert!(html.contains("value=\"left\" checked"), "{html}");
    assert!(html.contains("Worse before periods"));
    let wf = get(&app, &jane, &format!("/api/v1/appointments/{id}/workflow")).await;
    assert_eq!(wf["appointment"]["version"], v, "nothing saved");

    // Complete answers are saved and the overview shows the symptom, highlighted.
    let res = app
        .post_form(
            &browser,
            &form_path,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", version.as_str()),
                ("area", "left"),
                ("started", "3_months_to_a_year"),
                ("about", "intermittent"),
                ("highlight_to_readers", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/appointments/{id}/medical-information#section-symptoms").as_str()
    );
    let wf = get(&app, &jane, &format!("/api/v1/appointments/{id}/workflow")).await;
    let symptom = &wf["sections"]["medical"]["data"]["symptoms"][0];
    assert_eq!(symptom["item"]["kind"]["type"], "breast_pain");
    assert_eq!(symptom["item"]["highlight_to_readers"], true);
    assert_eq!(symptom["item"]["intermittent"], true);
    assert_eq!(symptom["confirmed"], true);
    assert_eq!(wf["sections"]["medical"]["data"]["all_reviewed"], false);
    let html = app
        .get(&browser, &format!("/appointments/{id}/medical-information"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("Left; 3 months to a year; intermittent"),
        "{html}"
    );
    assert!(html.contains(">Significant</strong>"), "{html}");
}

/// Every form of the step renders, and the flows with a second question work without
/// JavaScript: the six-month rule, implant consent, and completing the step.
#[tokio::test]
async fn every_medical_form_renders_and_the_step_completes_through_the_pages() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let id = appt.to_string();
    let jane = app.token(CLINICAL_A, "DMO1").await;
    start(&app, &jane, &id).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let base = format!("/appointments/{id}/medical-information");
    let mut pages = vec![
        base.clone(),
        format!("{base}/mammograms/new"),
        format!("{base}/history/new"),
        format!("{base}/symptoms/new"),
        format!("{base}/features/new"),
        format!("{base}/density"),
        format!("{base}/other"),
    ];
    for kind in [
        "breast_cancer",
        "implanted_medical_device",
        "breast_implants",
        "mastectomy_or_lumpectomy",
        "cysts",
        "benign_lumps",
        "other_procedures",
    ] {
        pages.push(format!("{base}/history/new/{kind}"));
    }
    for kind in [
        "lump",
        "swelling_or_shape_change",
        "skin_change",
        "nipple_change",
        "breast_pain",
        "other",
    ] {
        pages.push(format!("{base}/symptoms/new/{kind}"));
    }
    for page in &pages {
        let res = app.get(&browser, page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
    }
    for missing in [
        format!("{base}/mammograms/0"),
        format!("{base}/history/new/nothing"),
        format!("{base}/unknown"),
    ] {
        assert_eq!(
            app.get(&browser, &missing).await.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    // Choosing a type leads to its form.
    let v = current_version(&app, &jane, &id).await;
    let res = app
        .post_form(
            &browser,
            &format!("{base}/history/new"),
            &[
                ("csrf_token", &browser.csrf),
                ("version", &v),
                ("type", "cysts"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        format!("{base}/history/new/cysts").as_str()
    );

    // A mammogram last month: the page says the appointment should not proceed and offers
    // to end it or continue with a reason.
    let last_month = today() - Duration::days(30);
    let (d, m, y) = (
        last_month.day().to_string(),
        (last_month.month() as u8).to_string(),
        last_month.year().to_string(),
    );
    let mammogram = [
        ("csrf_token", browser.csrf.as_str()),
        ("version", v.as_str()),
        ("location", "this_unit"),
        ("when", "exact_date"),
        ("date-day", d.as_str()),
        ("date-month", m.as_str()),
        ("date-year", y.as_str()),
        ("same_name", "yes"),
    ];
    let res = app
        .post_form(&browser, &format!("{base}/mammograms/new"), &mammogram)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("This appointment should not proceed"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/appointments/{id}/cannot-proceed\"")));
    assert!(!html.contains("There is a problem"));
    let mut asked = mammogram.to_vec();
    asked.push(("reason_asked", "1"));
    asked.push(("reason_to_continue", " "));
    let res = app
        .post_form(&browser, &format!("{base}/mammograms/new"), &asked)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("href=\"#reason_to_continue\""), "{html}");
    asked.pop();
    asked.push(("reason_to_continue", "Symptomatic referral"));
    let res = app
        .post_form(&browser, &format!("{base}/mammograms/new"), &asked)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Breast implants in the right breast only: consent is asked with the right answers.
    let v = current_version(&app, &jane, &id).await;
    let implants = [
        ("csrf_token", browser.csrf.as_str()),
        ("version", v.as_str()),
        ("right", "implants"),
        ("left", "no_augmentation"),
    ];
    let res = app
        .post_form(
            &browser,
            &format!("{base}/history/new/breast_implants"),
            &implants,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("No, but left breast (no implant) can be scanned"),
        "{html}"
    );
    assert!(!html.contains("No, but right breast"));
    assert!(html.contains("No, end appointment"));
    assert!(html.contains("name=\"consent_step\" value=\"1\""));
    let mut consent = implants.to_vec();
    consent.push(("consent_step", "1"));
    consent.push(("consent", "no_left_breast_only"));
    let res = app
        .post_form(
            &browser,
            &format!("{base}/history/new/breast_implants"),
            &consent,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Only one breast implants entry: it is no longer offered.
    let html = app
        .get(&browser, &format!("{base}/history/new"))
        .await
        .text()
        .await
        .expect("html");
    assert!(!html.contains("value=\"breast_implants\""));

    // A feature, described rather than drawn.
    let v = current_version(&app, &jane, &id).await;
    let res = app
        .post_form(
            &browser,
            &format!("{base}/features/new"),
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("kind", "mole"),
                ("side", "left"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("href=\"#location\""), "{html}");

    // The overview: the rule is satisfied, the right breast is not expected.
    let html = app.get(&browser, &base).await.text().await.expect("html");
    assert!(
        html.contains("Reason for continuing: Symptomatic referral"),
        "{html}"
    );
    assert!(html.contains("Consent to continue: No, but left breast (no implant) can be scanned"));
    assert!(html.contains("Consent given to scan the left breast (no implant) only."));
    assert!(!html.contains("data-testid=\"should-not-proceed\""));

    // Mark one section reviewed, then complete all and continue to the images.
    let v = current_version(&app, &jane, &id).await;
    let res = app
        .post_form(
            &browser,
            &base,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("action", "review"),
                ("section", "mammogram_history"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        format!("{base}#section-medical_history").as_str()
    );
    let v = current_version(&app, &jane, &id).await;
    let res = app
        .post_form(
            &browser,
            &base,
            &[
                ("csrf_token", browser.csrf.as_str()),
                ("version", v.as_str()),
                ("action", "complete"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/appointments/{id}/images").as_str()
    );
    let wf = get(&app, &jane, &format!("/api/v1/appointments/{id}/workflow")).await;
    assert_eq!(wf["sections"]["medical"]["data"]["all_reviewed"], true);

    // The images step reads what the medical information means for imaging.
    let view = get(
        &app,
        &jane,
        &format!("/api/v1/appointments/{id}/medical-information"),
    )
    .await;
    assert_eq!(view["all_reviewed"], true);
    assert_eq!(view["six_month_rule"], "clear");
}
