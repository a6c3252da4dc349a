//! The gateway with the real central service (`screening serve` on a temporary SQLite
//! database): the outage test of issue 4 (central stopped, 10 studies of 4 images sent,
//! gateway restarted once, central started: every image delivered exactly once), a replayed
//! event staying a single record, and a thumbnail reaching central within 2 s.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn screening_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SCREENING_BIN") {
        return PathBuf::from(p);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = run(Command::new(cargo)
        .args(["build", "-q", "-p", "screening"])
        .current_dir(root()));
    assert!(o.status.success(), "building screening: {}", text(&o));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("debug/screening")
}

struct Central {
    child: Child,
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_central(bin: &Path, db_url: &str, port: u16, log: &Path) -> Central {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(bin)
        .args([
            "serve",
            "--database-url",
            db_url,
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "warn")
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "central did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Central { child }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn outbox_depth(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open(dir.join("gateway.db")).unwrap();
    c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

/// Image events still queued (echo events come and go every second).
fn queued_images(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open(dir.join("gateway.db")).unwrap();
    c.query_row(
        "SELECT count(*) FROM outbox WHERE kind = 'image'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

fn central_images(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT sop_instance_uid FROM gateway_images ORDER BY sop_instance_uid")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

async fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_and_restart_deliver_every_image_exactly_once() {
    if !need(&["storescu", "python"]) {
        return;
    }
    let bin = screening_binary();
    let tmp = tempfile::tempdir().unwrap();
    let central_db = tmp.path().join("central.db");
    let db_url = format!("sqlite://{}?mode=rwc", central_db.display());
    let o = run(Command::new(&bin)
        .args(["demo", "--database-url", &db_url])
        .current_dir(root()));
    assert!(o.status.success(), "demo data: {}", text(&o));
    let o = run(Command::new(&bin)
        .args([
            "gateway-token",
            "--database-url",
            &db_url,
            "--provider",
            "DMO1",
            "--name",
            "Outage test",
        ])
        .current_dir(root()));
    assert!(o.status.success(), "gateway token: {}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(!token.is_empty());

    let port = free_port();
    let central_url = format!("http://127.0.0.1:{port}");
    let gw_dir = tmp.path().join("gw");
    std::fs::create_dir_all(&gw_dir).unwrap();
    let imgs = make_mammograms(&tmp.path().join("in"), &["--studies", "10"]);
    assert_eq!(imgs.len(), 40);
    let files: Vec<&Path> = imgs.iter().map(|g| g.path.as_path()).collect();

    // Central is down. The first five studies go to the first gateway process...
    let gw = start_gateway(&gw_dir, &central_url, &token, |_| {}).await;
    let o = storescu(gw.port(), "MAMMO1", &[], &files[..20]);
    assert!(
        o.status.success() && !text(&o).contains("Error"),
        "{}",
        text(&o)
    );
    assert_eq!(outbox_depth(&gw_dir), 20);
    // ...which stops (a restart), and the next process takes the other five.
    gw.shutdown().await;
    // The second process also sends its health echo every second.
    let gw = start_gateway(&gw_dir, &central_url, &token, |c| c.echo_seconds = 1).await;
    let o = storescu(gw.port(), "MAMMO1", &[], &files[20..]);
    assert!(
        o.status.success() && !text(&o).contains("Error"),
        "{}",
        text(&o)
    );
    assert_eq!(
        queued_images(&gw_dir),
        40,
        "nothing delivered while central is down"
    );

    // Central comes back: everything arrives, once.
    let central = start_central(&bin, &db_url, port, &tmp.path().join("central.log"));
    wait_until(
        "the images to be delivered",
        Duration::from_secs(150),
        || queued_images(&gw_dir) == 0,
    )
    .await;
    // Central records the echo (with its extra fields) as the gateway's health.
    wait_until("the echo at central", Duration::from_secs(30), || {
        rusqlite::Connection::open(&central_db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM gateways WHERE last_echo_ok = 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    })
    .await;
    let mut expected: Vec<String> = imgs.iter().map(|i| i.sop_uid.clone()).collect();
    expected.sort();
    assert_eq!(
        central_images(&central_db),
        expected,
        "every image exactly once"
    );
    // The worklist puller reached central too: it holds central's cursor.
    wait_until("the worklist cursor", Duration::from_secs(90), || {
        rusqlite::Connection::open(gw_dir.join("gateway.db"))
            .unwrap()
            .query_row(
                "SELECT count(*) FROM state WHERE key = 'worklist_cursor'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    })
    .await;
    let dead: i64 = rusqlite::Connection::open(gw_dir.join("gateway.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM dead_letter", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dead, 0);

    // A replay (as after a crash between delivery and dequeue) stays one record.
    {
        let c = rusqlite::Connection::open(gw_dir.join("gateway.db")).unwrap();
        let events: i64 = rusqlite::Connection::open(&central_db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM gateway_events WHERE kind = 'image'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(events, 40);
        let body = serde_json::json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "occurred_at": "2026-11-25T09:30:00Z",
            "kind": "image",
            "sop_instance_uid": imgs[0].sop_uid,
            "study_instance_uid": imgs[0].study_uid,
            "patient_id": imgs[0].patient_id,
            "received_at": "2026-11-25T09:30:00Z",
        });
        gateway::db::enqueue(&c, body["id"].as_str().unwrap(), "image", &body.to_string()).unwrap();
        gw.shared.wake.notify_one();
    }
    wait_until("the replay", Duration::from_secs(30), || {
        queued_images(&gw_dir) == 0
    })
    .await;
    assert_eq!(central_images(&central_db).len(), 40);

    // An event central refuses for good (422: an image without its SOPInstanceUID) goes to
    // the dead letters at once and holds nothing up.
    {
        let c = rusqlite::Connection::open(gw_dir.join("gateway.db")).unwrap();
        let id = uuid::Uuid::now_v7().to_string();
        let body =
            serde_json::json!({"id": id, "occurred_at": "2026-11-25T09:30:00Z", "kind": "image"});
        gateway::db::enqueue(&c, &id, "image", &body.to_string()).unwrap();
        gw.shared.wake.notify_one();
    }
    wait_until("the dead letter", Duration::from_secs(30), || {
        queued_images(&gw_dir) == 0
    })
    .await;
    let (dead, status): (i64, i64) = rusqlite::Connection::open(gw_dir.join("gateway.db"))
        .unwrap()
        .query_row(
            "SELECT count(*), max(http_status) FROM dead_letter",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((dead, status), (1, 422));
    assert_eq!(central_images(&central_db).len(), 40);

    // With central up, a new image's thumbnail is at central within 2 s of its C-STORE.
    let one = make_mammograms(
        &tmp.path().join("live"),
        &["--images-per-study", "1", "--seed", "7"],
    );
    let start = Instant::now();
    let o = storescu(gw.port(), "MAMMO1", &[], &[one[0].path.as_path()]);
    assert!(o.status.success(), "{}", text(&o));
    let stored = Instant::now();
    let sop = one[0].sop_uid.clone();
    let thumb_at_central = || {
        rusqlite::Connection::open(&central_db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM gateway_images WHERE sop_instance_uid = ?1 AND thumbnail_base64 IS NOT NULL",
                [&sop],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    };
    wait_until(
        "the thumbnail at central",
        Duration::from_secs(10),
        thumb_at_central,
    )
    .await;
    let latency = stored.elapsed();
    eprintln!(
        "C-STORE took {:?}; thumbnail visible at central {:?} after the C-STORE completed",
        stored - start,
        latency
    );
    assert!(
        latency < Duration::from_secs(2),
        "thumbnail took {latency:?}"
    );
    gw.shutdown().await;
    drop(central);
}

/// The whole worklist path: an appointment reaches "Take mammogram images" in a room the
/// gateway serves, the central service issues its worklist item, the gateway pulls it, and
/// a modality's `findscu -W` finds it by the participant's NHS number, with the accession
/// number and StudyInstanceUID central assigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worklist_item_issued_by_central_answers_findscu() {
    if !need(&["findscu"]) {
        return;
    }
    let bin = screening_binary();
    let tmp = tempfile::tempdir().unwrap();
    let central_db = tmp.path().join("central.db");
    let db_url = format!("sqlite://{}?mode=rwc", central_db.display());
    let cli = |args: &[&str]| {
        let o = run(Command::new(&bin).args(args).current_dir(root()));
        assert!(o.status.success(), "screening {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    cli(&["demo", "--database-url", &db_url]);
    let gateway_token = cli(&[
        "gateway-token",
        "--database-url",
        &db_url,
        "--provider",
        "DMO1",
        "--name",
        "Worklist test",
        "--room",
        "Room B",
    ]);
    let api_token = cli(&[
        "token",
        "create",
        "--database-url",
        &db_url,
        "--provider",
        "DMO1",
        "--user",
        "jane.hargreaves@example.nhs.uk",
    ]);
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}/api/v1");
    let _central = start_central(&bin, &db_url, port, &tmp.path().join("central.log"));
    let gw_dir = tmp.path().join("gw");
    std::fs::create_dir_all(&gw_dir).unwrap();
    let gw = start_gateway(
        &gw_dir,
        &format!("http://127.0.0.1:{port}"),
        &gateway_token,
        |_| {},
    )
    .await;

    // A scheduled appointment in today's clinic at Seacroft, where Room B is ("today" in
    // England, as the service reckons it: a later clinic cannot be checked in).
    let now = time::OffsetDateTime::now_utc();
    let today = (now
        + time::Duration::hours(i64::from(gateway::ingest::london_offset_hours(
            now.date(),
            now.time(),
        ))))
    .date()
    .to_string();
    let (appointment, nhs_number, room): (String, String, String) = {
        let c = rusqlite::Connection::open(&central_db).unwrap();
        let room: String = c
            .query_row(
                "SELECT r.id FROM rooms r WHERE r.name = 'Room B'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let (a, n): (String, String) = c
            .query_row(
                "SELECT a.id, p.nhs_number FROM appointments a JOIN participants p ON p.id = a.participant_id \
                 JOIN clinics c ON c.id = a.clinic_id JOIN rooms r ON r.location_id = c.location_id \
                 WHERE r.name = 'Room B' AND a.status = 'scheduled' AND c.clinic_date = ?1 ORDER BY a.id LIMIT 1",
                [&today],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        (a, n, room)
    };
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: serde_json::Value| {
        let req = client
            .request(method, format!("{api}{path}"))
            .bearer_auth(&api_token)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            let v: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
            assert!(status.is_success(), "{status}: {v}");
            v
        }
    };
    let version = |v: &serde_json::Value| v["version"].clone();
    call(
        reqwest::Method::POST,
        format!("/appointments/{appointment}/actions"),
        serde_json::json!({ "action": "start" }),
    )
    .await;
    let wf = call(
        reqwest::Method::GET,
        format!("/appointments/{appointment}/workflow"),
        serde_json::Value::Null,
    )
    .await;
    let v = call(
        reqwest::Method::POST,
        format!("/appointments/{appointment}/identity"),
        serde_json::json!({ "expected_version": version(&wf["appointment"]) }),
    )
    .await;
    let medical = serde_json::json!({
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
    });
    let v = call(
        reqwest::Method::PUT,
        format!("/appointments/{appointment}/medical-information"),
        serde_json::json!({ "medical": medical, "expected_version": version(&v) }),
    )
    .await;
    call(
        reqwest::Method::PUT,
        format!("/appointments/{appointment}/room"),
        serde_json::json!({ "room_id": room, "expected_version": version(&v) }),
    )
    .await;
    let capture = call(
        reqwest::Method::GET,
        format!("/appointments/{appointment}/received-images"),
        serde_json::Value::Null,
    )
    .await;
    let item = &capture["worklist_item"];
    let accession = item["accession_number"]
        .as_str()
        .unwrap_or_else(|| panic!("a worklist item: {capture}"))
        .to_owned();
    let study = item["study_instance_uid"].as_str().unwrap().to_owned();
    assert!(accession.len() <= 16);

    // The gateway pulls it; the modality finds it by NHS number.
    let out_dir = tmp.path().join("findscu");
    let deadline = Instant::now() + Duration::from_secs(30);
    let found = loop {
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        let o = run(Command::new("findscu")
            .args(["-W", "-aet", "MAMMO1", "-aec", "SCREENING", "-X", "-od"])
            .arg(&out_dir)
            .args([
                "-k",
                &format!("PatientID={nhs_number}"),
                "-k",
                "AccessionNumber",
                "-k",
                "StudyInstanceUID",
                "-k",
                "PatientName",
            ])
            .args(["-k", "ScheduledProcedureStepSequence[0].Modality=MG"])
            .arg("127.0.0.1")
            .arg(gw.port().to_string()));
        assert!(o.status.success(), "findscu: {}", text(&o));
        let files: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        if let Some(f) = files.first() {
            break std::fs::read(f).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the worklist item never reached the gateway"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let dump = String::from_utf8_lossy(&found);
    assert!(
        dump.contains(&accession),
        "the response carries central's accession number"
    );
    assert!(
        dump.contains(&study),
        "the response carries central's StudyInstanceUID"
    );
    assert!(dump.contains(&nhs_number));
    gw.shutdown().await;
}
