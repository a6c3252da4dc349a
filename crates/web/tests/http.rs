//! Black-box HTTP tests: the real application on a real socket, with demo data in a fresh
//! SQLite database, driven as a browser or an API client would.

mod common;

use common::*;
use domain::{AppointmentStatus, ClinicTab, Role};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use std::time::Duration;
use store::Actor;
use uuid::Uuid;

#[tokio::test]
async fn another_providers_records_are_not_found_in_pages_or_api() {
    let app = spawn().await;
    let b_scope = app.provider("DMO2").await;
    let (b_appt, b_participant) = app.scheduled_appointment(b_scope).await;
    let today = domain::dates::london_date(time::OffsetDateTime::now_utc());
    let b_clinic = app
        .store
        .clinics(b_scope, ClinicTab::Today, today)
        .await
        .expect("clinics")[0]
        .id;
    let before = app.status(b_scope, b_appt).await;

    let browser = app.sign_in(CLINICAL_A).await;
    for path in [
        format!("/participants/{b_participant}"),
        format!("/appointments/{b_appt}"),
        format!("/clinics/{b_clinic}"),
    ] {
        let res = app.get(&browser, &path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "page {path}");
        let body = res.text().await.expect("body");
        assert!(
            !body.contains(&b_participant.to_string()),
            "404 page leaks nothing"
        );
    }
    let res = app
        .post_form(
            &browser,
            &format!("/appointments/{b_appt}/check-in"),
            &[("csrf_token", &browser.csrf)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "checking in another provider's participant"
    );

    let token = app.token(CLINICAL_A, "DMO1").await;
    let nobody = Uuid::now_v7();
    for path in [
        format!("/api/v1/participants/{b_participant}"),
        format!("/api/v1/participants/{b_participant}/appointments"),
        format!("/api/v1/participants/{b_participant}/episodes"),
        format!("/api/v1/participants/{nobody}/episodes"),
        format!("/api/v1/appointments/{b_appt}"),
        format!("/api/v1/clinics/{b_clinic}"),
        format!("/api/v1/clinics/{b_clinic}/appointments"),
    ] {
        let res = app
            .client
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "API {path}");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");
    }
    let res = app
        .client
        .post(app.url(&format!("/api/v1/appointments/{b_appt}/check-in")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .client
        .get(app.url("/api/v1/participants?q="))
        .bearer_auth(&token)
        .send()
        .await
        .expect("search");
    let found: Vec<serde_json::Value> = res.json().await.expect("json");
    assert!(
        found.iter().all(|p| p["id"] != b_participant.to_string()),
        "search never returns provider B's people"
    );

    assert_eq!(
        app.status(b_scope, b_appt).await,
        before,
        "provider B's appointment is unchanged"
    );
    // A look that found nothing is not recorded as a view of her record.
    let viewed = app
        .store
        .audit_entries(&store::AuditFilter {
            participant_id: Some(b_participant),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == store::AuditAction::View)
        .count();
    assert_eq!(viewed, 0, "no view of provider B's participant is audited");
    // The same records are visible to provider B's own staff.
    let browser_b = app.sign_in(CLINICAL_B).await;
    assert_eq!(
        app.get(&browser_b, &format!("/participants/{b_participant}"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn check_in_needs_the_session_csrf_token_and_a_refusal_changes_nothing() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let before = app.status(scope, appt).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let path = format!("/appointments/{appt}/check-in");

    for (what, form) in [
        ("no token", vec![("filter", "remaining")]),
        (
            "a wrong token",
            vec![("csrf_token", "not-the-token"), ("filter", "remaining")],
        ),
        (
            "an empty token",
            vec![("csrf_token", ""), ("filter", "remaining")],
        ),
    ] {
        let res = app.post_form(&browser, &path, &form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST with {what}");
        assert_eq!(
            app.status(scope, appt).await,
            before,
            "nothing changed after {what}"
        );
    }
    // Another user's token does not work either.
    let other = app.sign_in("chloe.bennett@example.nhs.uk").await;
    let res = app
        .post_form(&browser, &path, &[("csrf_token", &other.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.status(scope, appt).await, before);

    let res = app
        .post_form(
            &browser,
            &path,
            &[("csrf_token", &browser.csrf), ("filter", "remaining")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.contains("done=check_in"), "{to}");
    let page = app.get(&browser, &to).await.text().await.expect("body");
    assert!(page.contains("has been checked in"), "success banner shown");
    let (status, version, history) = app.status(scope, appt).await;
    assert_eq!(status, AppointmentStatus::CheckedIn);
    assert_eq!((version, history), (before.1 + 1, before.2 + 1));

    // Checking in twice is refused with a clear message and changes nothing.
    let res = app
        .post_form(&browser, &path, &[("csrf_token", &browser.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("You cannot check in an appointment that is checked in")
    );
    assert_eq!(app.status(scope, appt).await, (status, version, history));
}

#[tokio::test]
async fn a_form_sent_from_another_site_is_refused_even_with_the_token() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let before = app.status(scope, appt).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let path = format!("/appointments/{appt}/check-in");
    let form = [
        ("csrf_token", browser.csrf.as_str()),
        ("filter", "remaining"),
    ];
    let post = |name: &'static str, value: &'static str| {
        app.client
            .post(app.url(&path))
            .header(COOKIE, &browser.cookie)
            .header(name, value)
            .form(&form)
            .send()
    };
    for (what, name, value) in [
        (
            "another site's origin",
            "origin",
            "https://attacker.example",
        ),
        ("a cross-site fetch", "sec-fetch-site", "cross-site"),
        ("a sibling subdomain", "sec-fetch-site", "same-site"),
    ] {
        let res = post(name, value).await.expect("POST");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST from {what}");
        assert_eq!(
            app.status(scope, appt).await,
            before,
            "nothing changed after {what}"
        );
    }
    // The service's own pages send their own origin, which is the address the browser
    // used: the same form goes through.
    let own = app.url("");
    let own = own.trim_end_matches('/').to_owned();
    let res = app
        .client
        .post(app.url(&path))
        .header(COOKIE, &browser.cookie)
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.status(scope, appt).await.0,
        AppointmentStatus::CheckedIn
    );
}

#[tokio::test]
async fn over_https_cookies_take_the_host_prefix_and_responses_carry_hsts() {
    // Served over plain HTTP (every other test): no HSTS, plain cookie names.
    let app = spawn().await;
    let res = app
        .client
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("GET");
    assert!(res.headers().get("strict-transport-security").is_none());

    let app = spawn_with(|c| {
        c.public_url = "https://screening.example.nhs.uk".to_owned();
        c.demo_mode = true;
    })
    .await;
    let page = app
        .client
        .get(app.url("/sign-in/personas"))
        .send()
        .await
        .expect("personas");
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let anon = set_cookie(&page, "__Host-screening_csrf").expect("prefixed CSRF cookie");
    assert!(set_cookie(&page, "screening_csrf").is_none());
    let token = hidden_csrf(&page.text().await.expect("body"));
    let user = app.store.user_by_email(CLINICAL_A).await.expect("user");
    let res = app
        .client
        .post(app.url("/sign-in/personas"))
        .header(COOKIE, &anon)
        .form(&[("csrf_token", token), ("user_id", user.id.to_string())])
        .send()
        .await
        .expect("POST");
    let raw = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-screening_session="))
        .expect("prefixed session cookie")
        .to_owned();
    for attr in ["Secure", "Path=/", "HttpOnly"] {
        assert!(raw.contains(attr), "session cookie has {attr}: {raw}");
    }
    assert!(
        !raw.contains("Domain"),
        "a __Host- cookie names no domain: {raw}"
    );
    // The prefixed cookie is the one that signs her in.
    let session = raw.split(';').next().expect("name=value").to_owned();
    let home = app
        .client
        .get(app.url("/clinics"))
        .header(COOKIE, session)
        .send()
        .await
        .expect("GET");
    assert_eq!(home.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_and_sign_out_forms_are_csrf_protected() {
    let app = spawn().await;
    let user = app.store.user_by_email(CLINICAL_A).await.expect("user");
    let res = app
        .client
        .post(app.url("/sign-in/personas"))
        .form(&[("user_id", user.id.to_string())])
        .send()
        .await
        .expect("POST");
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "persona sign-in without the double-submit token"
    );
    assert!(set_cookie(&res, "screening_session").is_none());

    let browser = app.sign_in(CLINICAL_A).await;
    let res = app.post_form(&browser, "/sign-out", &[]).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "sign-out without token"
    );
    assert_eq!(
        app.get(&browser, "/clinics").await.status(),
        StatusCode::OK,
        "still signed in"
    );
    let res = app
        .post_form(&browser, "/sign-out", &[("csrf_token", &browser.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app.get(&browser, "/clinics").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sign-in");
}

#[tokio::test]
async fn control_characters_and_oversized_bodies_are_refused_on_both_databases() {
    for backend in BACKENDS {
        let app = spawn_on(backend).await;
        let token = app.token("karen.booth@example.nhs.uk", "DMO1").await;
        let scope = app.provider("DMO1").await;
        let count = || async {
            app.store
                .search_participants(scope, "", 500)
                .await
                .expect("list")
                .len()
        };
        let before = count().await;
        let body = serde_json::json!({
            "nhs_number": "9990000050",
            "first_name": "Ada\u{0}", "last_name": "Love\u{7}lace", "date_of_birth": "1965-12-10",
            "sex": "female", "address_line_1": "1 Test Street\nFlat 2", "town": "Leeds",
            "postcode": "LS1 4AP", "gp_practice_code": "B86044"
        });
        let res = app
            .client
            .post(app.url("/api/v1/participants"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");
        let problem: serde_json::Value = res.json().await.expect("json");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        // A line break is text; a NUL and a bell are not.
        assert_eq!(fields, ["first_name", "last_name"], "{problem}");
        assert_eq!(count().await, before, "nothing was created ({backend:?})");

        // Over the body limit: 413, as problem details.
        let huge = serde_json::json!({ "padding": "x".repeat(3 * 1024 * 1024) });
        let res = app
            .client
            .post(app.url("/api/v1/participants"))
            .bearer_auth(&token)
            .json(&huge)
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{backend:?}");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");

        // A page form with a NUL is refused as a page, and changes nothing.
        let (appt, _) = app.scheduled_appointment(scope).await;
        let status = app.status(scope, appt).await;
        let browser = app.sign_in(CLINICAL_A).await;
        let res = app
            .post_form(
                &browser,
                &format!("/appointments/{appt}/check-in"),
                &[("csrf_token", &browser.csrf), ("filter", "remaining\u{0}")],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html")
        );
        assert_eq!(app.status(scope, appt).await, status);
    }
}

#[tokio::test]
async fn api_refuses_an_invalid_nhs_number_with_a_problem_naming_the_field() {
    let app = spawn().await;
    let token = app.token("karen.booth@example.nhs.uk", "DMO1").await;
    let scope = app.provider("DMO1").await;
    let count_before = app
        .store
        .search_participants(scope, "", 500)
        .await
        .expect("list")
        .len();
    let body = serde_json::json!({
        "nhs_number": "999 123 4579",
        "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1965-12-10", "sex": "female",
        "address_line_1": "1 Test Street", "town": "Leeds", "postcode": "LS1 4AP", "gp_practice_code": "B86044"
    });
    let res = app
        .client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");
    let problem: serde_json::Value = res.json().await.expect("json");
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["errors"][0]["field"], "nhs_number", "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("check digit")
    );
    assert_eq!(
        app.store
            .search_participants(scope, "", 500)
            .await
            .expect("list")
            .len(),
        count_before
    );

    // Every bad field is reported at once.
    let mut bad = body.clone();
    bad["nhs_number"] = "12345".into();
    bad["postcode"] = "nowhere".into();
    bad["gp_practice_code"] = "XX".into();
    let res = app
        .client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .expect("POST");
    let problem: serde_json::Value = res.json().await.expect("json");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["nhs_number", "postcode", "gp_practice_code"]);

    // A valid one is created, and the same NHS number again is refused.
    let mut good = body.clone();
    good["nhs_number"] = "9990000050".into();
    let res = app
        .client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .json(&good)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .json(&good)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A malformed body is a problem too, not a crash.
    let res = app
        .client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/problem+json");
}

#[tokio::test]
async fn api_needs_a_valid_token_and_the_right_role() {
    let app = spawn().await;
    let res = app
        .client
        .get(app.url("/api/v1/clinics"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let res = app
        .client
        .get(app.url("/api/v1/clinics"))
        .bearer_auth("scr_made_up")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A reader may look but not check in.
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let reader = app.token("olumide.adeyemi@example.nhs.uk", "DMO1").await;
    let res = app
        .client
        .get(app.url("/api/v1/clinics?tab=today"))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::OK);
    let list: serde_json::Value = res.json().await.expect("json");
    assert_eq!(list["clinics"][0]["appointment_count"], 40);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/appointments/{appt}/check-in")))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A system token with the Administrative role may.
    let system = app
        .store
        .create_api_token(
            &Actor::system("test"),
            scope.provider_id,
            None,
            "reception kiosk",
            &[Role::Administrative],
        )
        .await
        .expect("token");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/appointments/{appt}/actions")))
        .bearer_auth(&system)
        .json(&serde_json::json!({ "action": "check_in" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::OK);
    let a = app
        .store
        .appointment(scope, appt)
        .await
        .expect("appointment");
    assert_eq!(a.status, AppointmentStatus::CheckedIn);
    assert_eq!(
        a.history.last().map(|h| h.changed_by_name.as_str()),
        Some("API: reception kiosk")
    );

    // A stale version is refused.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/appointments/{appt}/actions")))
        .bearer_auth(&system)
        .json(&serde_json::json!({ "action": "undo_cancel", "expected_version": 1 }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_idle_session_expires_and_redirects_to_sign_in() {
    let app = spawn_with(|c| c.session_idle_timeout = Duration::from_secs(1)).await;
    let browser = app.sign_in(CLINICAL_A).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = app.get(&browser, "/clinics").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sign-in?expired=1");
    assert_eq!(
        set_cookie(&res, "screening_session").as_deref(),
        Some("screening_session="),
        "cookie cleared"
    );
    let page = app
        .client
        .get(app.url("/sign-in?expired=1"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(page.contains("You were signed out because your session ended"));
    // The session stays ended even though the cookie is presented again.
    let res = app.get(&browser, "/clinics").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_ends_after_the_absolute_timeout_even_when_active() {
    let app = spawn_with(|c| c.session_absolute_timeout = Duration::from_secs(2)).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let started = std::time::Instant::now();
    // Keep the session busy (never idle) until it is ended.
    let ended = loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let res = app.get(&browser, "/clinics").await;
        if res.status() != StatusCode::OK {
            break res;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "session outlived its absolute timeout"
        );
    };
    assert_eq!(ended.status(), StatusCode::SEE_OTHER);
    assert_eq!(ended.headers()[LOCATION], "/sign-in?expired=1");
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn persona_sign_in_exists_only_in_demo_mode() {
    let app = spawn_with(|c| c.demo_mode = false).await;
    assert_eq!(
        app.client
            .get(app.url("/sign-in/personas"))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );
    let page = app
        .client
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(!page.contains("/sign-in/personas"));
}

#[tokio::test]
async fn pages_carry_security_headers_and_session_cookies_are_locked_down() {
    let app = spawn().await;
    let res = app
        .client
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("GET");
    let h = res.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("default-src 'self'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    let user = app.store.user_by_email(CLINICAL_A).await.expect("user");
    let page = app
        .client
        .get(app.url("/sign-in/personas"))
        .send()
        .await
        .expect("personas");
    let anon = set_cookie(&page, "screening_csrf").expect("cookie");
    let token = hidden_csrf(&page.text().await.expect("body"));
    let res = app
        .client
        .post(app.url("/sign-in/personas"))
        .header(COOKIE, anon)
        .form(&[("csrf_token", token), ("user_id", user.id.to_string())])
        .send()
        .await
        .expect("POST");
    let raw = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("screening_session="))
        .expect("session cookie")
        .to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(raw.contains(attr), "session cookie has {attr}: {raw}");
    }
}

#[tokio::test]
async fn viewing_a_participant_is_audited_and_admins_can_read_the_log() {
    let app = spawn().await;
    let scope = app.provider("DMO1").await;
    let (_, participant) = app.scheduled_appointment(scope).await;
    let browser = app.sign_in(CLINICAL_A).await;
    assert_eq!(
        app.get(&browser, &format!("/participants/{participant}"))
            .await
            .status(),
        StatusCode::OK
    );
    let entries = app
        .store
        .audit_entries(&store::AuditFilter {
            participant_id: Some(participant),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("audit");
    let view = entries
        .iter()
        .find(|e| e.action == store::AuditAction::View)
        .expect("a view entry");
    assert_eq!(view.actor, "Jane Hargreaves");
    assert_eq!(view.entity_type, "participant");

    // Only system administrators can read the audit log.
    assert_eq!(
        app.get(&browser, "/admin/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = app.sign_in(ADMIN).await;
    let p = app
        .store
        .participant(scope, participant)
        .await
        .expect("participant");
    let res = app
        .get(
            &admin,
            &format!("/admin/audit?participant={}", p.nhs_number),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.expect("body");
    assert!(
        body.contains("Jane Hargreaves") && body.contains(&format!("participant {participant}"))
    );
    let res = app.get(&admin, "/admin/audit?from=not-a-date").await;
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Enter dates as YYYY-MM-DD")
    );
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn().await;
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    for path in [
        "/clinics",
        "/clinics/{id}/appointments",
        "/appointments/{id}/check-in",
        "/participants",
    ] {
        assert!(doc["paths"][path].is_object(), "documents {path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// The document is assembled from the routers (each route declared once with its entry):
/// every operation the API had when the document was a hand-kept list is still described.
#[tokio::test]
async fn openapi_document_keeps_every_operation() {
    let app = spawn().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let expected = [
        ("get", "/appointments/{id}"),
        ("get", "/appointments/{id}/medical-information"),
        ("get", "/appointments/{id}/received-images"),
        ("get", "/appointments/{id}/workflow"),
        ("get", "/clinics"),
        ("get", "/clinics/{id}"),
        ("get", "/clinics/{id}/appointments"),
        ("get", "/follow-ups"),
        ("get", "/follow-ups/{id}"),
        ("get", "/gateway/worklist"),
        ("get", "/gateways"),
        ("get", "/image-discrepancies"),
        ("get", "/office/settings"),
        ("get", "/participants"),
        ("get", "/participants/{id}"),
        ("get", "/participants/{id}/appointments"),
        ("get", "/participants/{id}/episodes"),
        ("get", "/quarantined-images"),
        ("get", "/reading/cases"),
        ("get", "/reading/cases/{id}"),
        ("get", "/reading/dashboard"),
        ("get", "/reading/holds"),
        ("get", "/reading/outcomes"),
        ("get", "/reading/overdue"),
        ("get", "/reading/performance"),
        ("get", "/reading/sessions/{id}"),
        ("get", "/reading/settings"),
        ("get", "/received-images/{id}/thumbnail"),
        ("post", "/appointments"),
        ("post", "/appointments/{id}/actions"),
        ("post", "/appointments/{id}/attended-not-screened"),
        ("post", "/appointments/{id}/cancel"),
        ("post", "/appointments/{id}/cannot-proceed"),
        ("post", "/appointments/{id}/check-in"),
        ("post", "/appointments/{id}/complete"),
        ("post", "/appointments/{id}/discard"),
        ("post", "/appointments/{id}/identity"),
        ("post", "/appointments/{id}/images/confirm-received"),
        ("post", "/appointments/{id}/images/manual-mode"),
        ("post", "/appointments/{id}/notes"),
        ("post", "/clinics/{id}/close"),
        ("post", "/clinics/{id}/close/bulk"),
        ("post", "/follow-ups/{id}/status"),
        ("post", "/gateway/events"),
        ("post", "/image-discrepancies/{id}/resolve"),
        ("post", "/participants"),
        ("post", "/quarantined-images/{id}/attach"),
        ("post", "/quarantined-images/{id}/confirm-attach"),
        ("post", "/quarantined-images/{id}/dismiss"),
        ("post", "/reading/cases/{id}/arbitration"),
        ("post", "/reading/cases/{id}/defer"),
        ("post", "/reading/cases/{id}/priors"),
        ("post", "/reading/cases/{id}/reads"),
        ("post", "/reading/cases/{id}/skip"),
        ("post", "/reading/cases/{id}/unflag"),
        ("post", "/reading/finalise"),
        ("post", "/reading/sessions"),
        ("post", "/reading/sessions/{id}/finish"),
        ("post", "/reading/sessions/{id}/next"),
        ("post", "/received-images/{id}/detach"),
        ("put", "/appointments/{id}/images"),
        ("put", "/appointments/{id}/medical-information"),
        ("put", "/appointments/{id}/room"),
        ("put", "/office/settings"),
        ("put", "/participants/{id}/special-appointment"),
        ("put", "/reading/cases/{id}/priors-status"),
        ("put", "/reading/settings"),
    ];
    for (method, path) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "documents {method} {path}"
        );
    }
    let described: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().map_or(0, |ops| ops.len()))
        .sum();
    assert!(described >= expected.len(), "{described} operations");
}

#[tokio::test]
async fn unknown_ids_and_routes_are_not_found_pages() {
    let app = spawn().await;
    let browser = app.sign_in(CLINICAL_A).await;
    for path in [
        "/participants/not-a-uuid",
        &format!("/appointments/{}", Uuid::now_v7()),
        "/nowhere",
    ] {
        assert_eq!(
            app.get(&browser, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_callers() {
    let app = spawn().await;
    let res = app
        .client
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("GET");
    let made = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a request id is made")
        .to_owned();
    assert!(Uuid::parse_str(&made).is_ok(), "a UUID: {made}");
    let other = app
        .client
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("GET");
    assert_ne!(
        other.headers()["x-request-id"],
        made.as_str(),
        "one per request"
    );

    // The caller's own id comes back, on pages, the API and its refusals alike.
    for path in ["/sign-in", "/api/v1/clinics", "/nowhere"] {
        let res = app
            .client
            .get(app.url(path))
            .header("x-request-id", "trace-4bf92f3577b34da6")
            .send()
            .await
            .expect("GET");
        assert_eq!(
            res.headers()["x-request-id"],
            "trace-4bf92f3577b34da6",
            "{path}"
        );
    }
    // One that could break a log line is replaced.
    let res = app
        .client
        .get(app.url("/sign-in"))
        .header("x-request-id", "a b")
        .send()
        .await
        .expect("GET");
    assert_ne!(res.headers()["x-request-id"], "a b");
}
