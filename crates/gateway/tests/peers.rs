//! The gateway against real DICOM peers: dcmtk's echoscu, findscu and storescu, and
//! pynetdicom for MPPS. Images come from scripts/dicom/make_mammograms.py.

mod common;

use common::*;
use gateway::db::{self, WorklistItem};
use std::path::Path;
use std::process::Command;

fn item(
    id: &str,
    patient_id: &str,
    name: &str,
    accession: &str,
    start: &str,
    status: &str,
) -> WorklistItem {
    WorklistItem {
        id: id.into(),
        appointment_id: Some(format!("appt-{id}")),
        revision: 1,
        status: status.into(),
        accession_number: Some(accession.into()),
        study_instance_uid: Some(format!("2.25.{}", 1000 + id.len())),
        requested_procedure_id: Some("RP1".into()),
        requested_procedure_description: Some("Screening mammography".into()),
        scheduled_step_id: Some("SPS1".into()),
        scheduled_step_description: Some("Screening mammography".into()),
        station_ae_title: Some("MAMMO1".into()),
        modality: Some("MG".into()),
        scheduled_start: Some(start.into()),
        patient_id: Some(patient_id.into()),
        patient_name: Some(name.into()),
        birth_date: Some("19700131".into()),
        sex: Some("F".into()),
    }
}

fn seed_worklist(dir: &Path) {
    let db = db::Db::create(dir.join("gateway.db")).unwrap();
    let c = db.connect().unwrap();
    for i in [
        item(
            "a",
            "9990001234",
            "SMITH^JANE",
            "ACC1",
            "2026-11-25T09:00:00",
            "scheduled",
        ),
        item(
            "b",
            "9990005678",
            "SMYTHE^ANNE",
            "ACC2",
            "2026-11-25T09:30:00",
            "in_progress",
        ),
        item(
            "c",
            "9990009999",
            "JONES^MARY",
            "ACC3",
            "2026-11-26T10:00:00",
            "scheduled",
        ),
        item(
            "d",
            "9990001111",
            "SMITH^ALICE",
            "ACC4",
            "2026-11-25T11:00:00",
            "completed",
        ),
        item(
            "e",
            "9990002222",
            "SMITH^CAROL",
            "ACC5",
            "2026-11-25T12:00:00",
            "cancelled",
        ),
    ] {
        db::upsert_worklist_item(&c, &i).unwrap();
    }
}

/// findscu -W with keys; returns the PatientIDs of the responses (in order) and the output.
fn worklist_query(port: u16, keys: &[&str], out_dir: &Path) -> (Vec<String>, String) {
    let _ = std::fs::remove_dir_all(out_dir);
    std::fs::create_dir_all(out_dir).unwrap();
    let mut c = Command::new("findscu");
    c.args([
        "-v",
        "-W",
        "-aet",
        "MAMMO1",
        "-aec",
        "SCREENING",
        "-X",
        "-od",
    ])
    .arg(out_dir)
    .args([
        "-k",
        "PatientName",
        "-k",
        "PatientID",
        "-k",
        "AccessionNumber",
    ])
    .args(["-k", "PatientBirthDate", "-k", "StudyInstanceUID"])
    .args(["-k", "ScheduledProcedureStepSequence[0].Modality"])
    .args([
        "-k",
        "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
    ])
    .args([
        "-k",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate",
    ])
    .args([
        "-k",
        "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime",
    ]);
    for k in keys {
        c.args(["-k", k]);
    }
    c.arg("127.0.0.1").arg(port.to_string());
    let out = run(&mut c);
    let log = text(&out);
    assert!(out.status.success(), "findscu failed: {log}");
    let mut files: Vec<_> = std::fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let ids = files
        .iter()
        .map(|f| {
            let obj = dicom_object::open_file(f).unwrap();
            obj.element(dicom_dictionary_std::tags::PATIENT_ID)
                .unwrap()
                .to_str()
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect();
    (ids, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoscu_and_calling_ae_refusal() {
    if !need(&["echoscu"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |c| {
        c.allowed_calling_ae = vec!["MAMMO1".into()];
    })
    .await;
    let port = gw.port().to_string();
    let ok = run(Command::new("echoscu").args([
        "-aet",
        "MAMMO1",
        "-aec",
        "SCREENING",
        "127.0.0.1",
        &port,
    ]));
    assert!(
        ok.status.success(),
        "echo from an allowed AE: {}",
        text(&ok)
    );
    let refused = run(Command::new("echoscu").args([
        "-aet",
        "INTRUDER",
        "-aec",
        "SCREENING",
        "127.0.0.1",
        &port,
    ]));
    assert!(
        !refused.status.success(),
        "echo from another AE must be refused"
    );
    assert!(
        text(&refused).contains("Association Rejected")
            || text(&refused).contains("Calling AE Title Not Recognized"),
        "{}",
        text(&refused)
    );
    let wrong_called =
        run(Command::new("echoscu").args(["-aet", "MAMMO1", "-aec", "OTHER", "127.0.0.1", &port]));
    assert!(!wrong_called.status.success());
    // The gateway's own health echo.
    let rtt =
        gateway::forward::echo(&format!("127.0.0.1:{port}"), "SCREENING", "SCREENING").unwrap();
    assert!(rtt.as_secs() < 5);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findscu_worklist_matching() {
    if !need(&["findscu"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    seed_worklist(dir.path());
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |_| {}).await;
    let port = gw.port();
    let out = dir.path().join("rsp");

    // Everything live: completed and cancelled items never answer.
    let (ids, _) = worklist_query(port, &[], &out);
    assert_eq!(ids, vec!["9990001234", "9990005678", "9990009999"]);

    // Exact PatientID.
    let (ids, _) = worklist_query(port, &["PatientID=9990005678"], &out);
    assert_eq!(ids, vec!["9990005678"]);

    // Wildcards in the name.
    let (ids, _) = worklist_query(port, &["PatientName=SMI?H*"], &out);
    assert_eq!(ids, vec!["9990001234"]);
    let (ids, _) = worklist_query(port, &["PatientName=SM?TH*"], &out);
    assert_eq!(ids, vec!["9990001234", "9990005678"]);
    let (ids, _) = worklist_query(port, &["PatientName=SM*"], &out);
    assert_eq!(ids, vec!["9990001234", "9990005678"]);

    // Date range, open ranges and a time range.
    let (ids, _) = worklist_query(
        port,
        &["ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20261125-20261125"],
        &out,
    );
    assert_eq!(ids, vec!["9990001234", "9990005678"]);
    let (ids, _) = worklist_query(
        port,
        &["ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20261126-"],
        &out,
    );
    assert_eq!(ids, vec!["9990009999"]);
    let (ids, _) = worklist_query(
        port,
        &[
            "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=-20261125",
            "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime=0915-",
        ],
        &out,
    );
    assert_eq!(ids, vec!["9990005678"]);

    // Accession number, station AE and modality.
    let (ids, _) = worklist_query(
        port,
        &[
            "AccessionNumber=ACC3",
            "ScheduledProcedureStepSequence[0].Modality=MG",
            "ScheduledProcedureStepSequence[0].ScheduledStationAETitle=MAMMO1",
        ],
        &out,
    );
    assert_eq!(ids, vec!["9990009999"]);

    // No match.
    let (ids, log) = worklist_query(port, &["PatientID=0000000000"], &out);
    assert!(ids.is_empty(), "{log}");
    let (ids, _) = worklist_query(
        port,
        &["ScheduledProcedureStepSequence[0].Modality=CT"],
        &out,
    );
    assert!(ids.is_empty());

    // Only the keys asked for come back, with the values and UTF-8 declared.
    let (_, _) = worklist_query(port, &["PatientID=9990001234"], &out);
    let f = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let obj = dicom_object::open_file(&f).unwrap();
    use dicom_dictionary_std::tags;
    let s = |t| obj.element(t).unwrap().to_str().unwrap().trim().to_owned();
    assert_eq!(s(tags::PATIENT_NAME), "SMITH^JANE");
    assert_eq!(s(tags::ACCESSION_NUMBER), "ACC1");
    assert_eq!(s(tags::PATIENT_BIRTH_DATE), "19700131");
    assert_eq!(s(tags::SPECIFIC_CHARACTER_SET), "ISO_IR 192");
    assert!(
        obj.element(tags::PATIENT_SEX).is_err(),
        "PatientSex was not asked for"
    );
    let step = &obj
        .element(tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0];
    let ss = |t| step.element(t).unwrap().to_str().unwrap().trim().to_owned();
    assert_eq!(ss(tags::SCHEDULED_PROCEDURE_STEP_START_DATE), "20261125");
    assert_eq!(ss(tags::SCHEDULED_PROCEDURE_STEP_START_TIME), "090000");
    assert_eq!(ss(tags::SCHEDULED_STATION_AE_TITLE), "MAMMO1");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findscu_cancel_stops_the_responses() {
    if !need(&["findscu"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    {
        let db = db::Db::create(dir.path().join("gateway.db")).unwrap();
        let c = db.connect().unwrap();
        for n in 0..200 {
            let id = format!("item{n:03}");
            db::upsert_worklist_item(
                &c,
                &item(
                    &id,
                    &format!("999{n:07}"),
                    "MANY^PEOPLE",
                    &format!("A{n}"),
                    "2026-11-25T09:00:00",
                    "scheduled",
                ),
            )
            .unwrap();
        }
    }
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |_| {}).await;
    let out = dir.path().join("rsp");
    std::fs::create_dir_all(&out).unwrap();
    let o = run(Command::new("findscu")
        .args([
            "-v",
            "-W",
            "-aet",
            "MAMMO1",
            "-aec",
            "SCREENING",
            "--cancel",
            "1",
            "-X",
            "-od",
        ])
        .arg(&out)
        .args(["-k", "PatientID", "127.0.0.1", &gw.port().to_string()]));
    let log = text(&o);
    assert!(o.status.success(), "{log}");
    let n = std::fs::read_dir(&out).unwrap().count();
    assert!(
        n < 200,
        "C-CANCEL should stop the responses early, got {n}: {log}"
    );
    assert!(log.contains("Cancel") || log.contains("FE00"), "{log}");
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storescu_images_are_stored_once_with_thumbnails_and_queued() {
    if !need(&["storescu", "dcmcjpeg", "python"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("in");
    let mono2 = make_mammograms(&data.join("m2"), &["--bits", "12", "--prefix", "m2-"]);
    let jpeg = make_mammograms(
        &data.join("jp"),
        &[
            "--bits",
            "14",
            "--photometric",
            "MONOCHROME1",
            "--voi",
            "sigmoid",
            "--transfer-syntax",
            "jpeg-lossless-sv1",
            "--seed",
            "2",
            "--prefix",
            "jp-",
        ],
    );
    let implicit = make_mammograms(
        &data.join("im"),
        &[
            "--transfer-syntax",
            "implicit",
            "--sop-class",
            "processing",
            "--seed",
            "3",
            "--images-per-study",
            "1",
            "--prefix",
            "im-",
        ],
    );
    let tomo = make_mammograms(
        &data.join("to"),
        &[
            "--sop-class",
            "tomosynthesis",
            "--seed",
            "4",
            "--images-per-study",
            "1",
            "--prefix",
            "to-",
        ],
    );
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |_| {}).await;
    let port = gw.port();

    let files: Vec<&Path> = mono2.iter().map(|g| g.path.as_path()).collect();
    let o = storescu(port, "MAMMO1", &["-pdu", "131072"], &files);
    assert!(o.status.success(), "{}", text(&o));
    // JPEG Lossless SV1: storescu proposes it with -xs.
    let files: Vec<&Path> = jpeg.iter().map(|g| g.path.as_path()).collect();
    let o = storescu(port, "MAMMO1", &["-xs"], &files);
    assert!(o.status.success(), "{}", text(&o));
    let o = storescu(
        port,
        "MAMMO1",
        &["-R"],
        &[implicit[0].path.as_path(), tomo[0].path.as_path()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("Status: Error"), "{}", text(&o));

    // Compressed images get their thumbnails just after their C-STORE is answered.
    wait_for_thumbnails(dir.path());
    let events = queued(dir.path(), "image");
    assert_eq!(events.len(), 10, "every image queued once");
    for e in &events {
        assert_eq!(e["kind"], "image");
        assert!(
            uuid::Uuid::parse_str(e["id"].as_str().unwrap())
                .unwrap()
                .get_version_num()
                == 7
        );
    }
    let by_sop = |sop: &str| {
        events
            .iter()
            .find(|e| e["sop_instance_uid"] == sop)
            .unwrap()
            .clone()
    };

    let e = by_sop(&mono2[0].sop_uid);
    assert_eq!(e["patient_id"], "9990001234");
    assert_eq!(e["laterality"], "R");
    assert_eq!(e["view_position"], "CC");
    assert_eq!(e["operator_name"], "HARGREAVES^JANE");
    assert_eq!(e["kvp"], 29.0);
    assert_eq!(e["entrance_dose_mgy"], 5.12);
    assert_eq!(e["organ_dose_mgy"], 1.34);
    assert_eq!(e["thickness_mm"], 52.0);
    assert_eq!(e["compression_n"], 110.0);
    assert_eq!(e["anode"], "TUNGSTEN");
    assert_eq!(e["implant_present"], false);
    assert_eq!(e["acquired_at"], "2026-11-25T09:30:00Z");
    assert_eq!(e["bits_stored"], 12);
    assert_eq!(e["thumbnail"]["media_type"], "image/png");
    assert_eq!(e["thumbnail"]["height"], 256);

    let e = by_sop(&jpeg[1].sop_uid);
    assert_eq!(e["transfer_syntax"], "1.2.840.10008.1.2.4.70");
    assert_eq!(e["photometric"], "MONOCHROME1");
    assert!(
        e["thumbnail"].is_object(),
        "JPEG lossless images get thumbnails"
    );

    let e = by_sop(&implicit[0].sop_uid);
    assert_eq!(e["presentation_intent"], "FOR PROCESSING");
    assert!(
        e["thumbnail"].is_null(),
        "For Processing images get no thumbnail"
    );
    let e = by_sop(&tomo[0].sop_uid);
    assert_eq!(e["tomosynthesis"], true);
    assert!(e["thumbnail"].is_null());

    // The files are there, durably, under the study.
    let stored = dir
        .path()
        .join("images")
        .join(&mono2[0].study_uid)
        .join(format!("{}.dcm", mono2[0].sop_uid));
    let obj = dicom_object::open_file(&stored).unwrap();
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.1"
    );

    // The same images again: success, nothing new.
    let files: Vec<&Path> = mono2.iter().map(|g| g.path.as_path()).collect();
    let o = storescu(port, "MAMMO1", &[], &files);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(queued(dir.path(), "image").len(), 10);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_images_are_refused_with_an_error_status() {
    if !need(&["storescu", "dcmodify", "python"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let imgs = make_mammograms(&dir.path().join("in"), &["--images-per-study", "3"]);
    // No PatientID.
    let o = run(Command::new("dcmodify")
        .args(["-nb", "-ea", "(0010,0020)"])
        .arg(&imgs[0].path));
    assert!(o.status.success(), "{}", text(&o));
    // No StudyInstanceUID.
    let o = run(Command::new("dcmodify")
        .args(["-nb", "-ea", "(0020,000d)"])
        .arg(&imgs[1].path));
    assert!(o.status.success(), "{}", text(&o));
    // Pixel data shorter than Rows x Columns says.
    let o = run(Command::new("dcmodify")
        .args(["-nb", "-m", "(0028,0010)=4096"])
        .arg(&imgs[2].path));
    assert!(o.status.success(), "{}", text(&o));
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |_| {}).await;
    for (img, expect, comment) in [
        (&imgs[0], "0xa900", "missing PatientID"),
        (&imgs[1], "0xa900", "missing StudyInstanceUID"),
        (&imgs[2], "0xc000", "pixel data"),
    ] {
        let o = storescu(gw.port(), "MAMMO1", &["-d"], &[img.path.as_path()]);
        let log = text(&o).to_lowercase();
        assert!(
            log.contains(expect),
            "expected {expect} for {}: {log}",
            img.path.display()
        );
        assert!(
            log.contains(&comment.to_lowercase()),
            "expected the error comment {comment:?}: {log}"
        );
    }
    assert!(queued(dir.path(), "image").is_empty());
    // The gateway still works.
    let good = make_mammograms(
        &dir.path().join("ok"),
        &["--images-per-study", "1", "--seed", "9"],
    );
    let o = storescu(gw.port(), "MAMMO1", &[], &[good[0].path.as_path()]);
    assert!(
        o.status.success() && !text(&o).contains("Error"),
        "{}",
        text(&o)
    );
    assert_eq!(queued(dir.path(), "image").len(), 1);
    gw.shutdown().await;
}

fn mpps(port: u16, args: &[&str]) -> String {
    let py = python().unwrap();
    let o = run(Command::new(py)
        .arg(root().join("scripts/dicom/mpps.py"))
        .arg("127.0.0.1")
        .arg(port.to_string())
        .args(args));
    assert!(o.status.success(), "mpps.py: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpps_in_any_order_relative_to_images() {
    if !need(&["storescu", "python"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let imgs = make_mammograms(&dir.path().join("in"), &["--accession", "ACC77"]);
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |_| {}).await;
    let port = gw.port();
    let study = imgs[0].study_uid.clone();

    // Images first (the order the NHS gateway gets wrong)...
    let files: Vec<&Path> = imgs.iter().map(|g| g.path.as_path()).collect();
    let o = storescu(port, "MAMMO1", &[], &files);
    assert!(o.status.success(), "{}", text(&o));

    // ...then N-CREATE, then N-SET COMPLETED listing them.
    let uid = "2.25.4242";
    let r = mpps(
        port,
        &[
            "create",
            "--uid",
            uid,
            "--study-uid",
            &study,
            "--accession",
            "ACC77",
            "--patient-id",
            "9990001234",
        ],
    );
    assert_eq!(r, "0x0000");
    assert_eq!(
        mpps(port, &["create", "--uid", uid, "--study-uid", &study])
            .split(' ')
            .next(),
        Some("0x0111"),
        "a second N-CREATE of the same instance is a duplicate"
    );
    let mut set = vec![
        "set",
        "--uid",
        uid,
        "--status",
        "COMPLETED",
        "--series",
        "2.25.99",
    ];
    for i in &imgs {
        set.push("--sop");
        set.push(&i.sop_uid);
    }
    assert_eq!(mpps(port, &set), "0x0000");
    // After COMPLETED it can no longer change.
    assert!(mpps(port, &["set", "--uid", uid, "--status", "DISCONTINUED"]).starts_with("0x0110"));
    // Unknown instance, bad status, missing status.
    assert!(mpps(port, &["set", "--uid", "2.25.1", "--status", "COMPLETED"]).starts_with("0x0112"));
    assert!(
        mpps(
            port,
            &["create", "--uid", "2.25.5", "--status", "COMPLETED"]
        )
        .starts_with("0x0106")
    );
    assert!(mpps(port, &["create", "--uid", "2.25.6", "--status", ""]).starts_with("0x0120"));

    // Discontinued, with its reason.
    assert_eq!(
        mpps(port, &["create", "--uid", "2.25.7", "--study-uid", &study]),
        "0x0000"
    );
    assert_eq!(
        mpps(
            port,
            &[
                "set",
                "--uid",
                "2.25.7",
                "--status",
                "DISCONTINUED",
                "--reason",
                "Patient refused"
            ]
        ),
        "0x0000"
    );

    let events = queued(dir.path(), "mpps");
    assert_eq!(events.len(), 4);
    assert_eq!(events[0]["status"], "IN PROGRESS");
    assert_eq!(events[0]["study_instance_uid"], study.as_str());
    assert_eq!(events[0]["accession_number"], "ACC77");
    assert_eq!(events[0]["patient_id"], "9990001234");
    assert_eq!(events[1]["status"], "COMPLETED");
    assert_eq!(events[1]["mpps_instance_uid"], uid);
    assert_eq!(
        events[1]["accession_number"], "ACC77",
        "N-SET events carry the N-CREATE's study"
    );
    let sops: Vec<String> = events[1]["performed_series"][0]["sop_instance_uids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sops,
        imgs.iter().map(|i| i.sop_uid.clone()).collect::<Vec<_>>()
    );
    assert_eq!(events[3]["status"], "DISCONTINUED");
    assert_eq!(events[3]["discontinuation_reason"], "Patient refused");
    // All four images are queued before the MPPS events.
    assert_eq!(queued(dir.path(), "image").len(), 4);
    gw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_echo_round_trip_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let gw = start_gateway(dir.path(), "http://127.0.0.1:9", "t", |c| {
        c.echo_seconds = 1;
        c.allowed_calling_ae = vec!["MAMMO1".into()];
    })
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while queued(dir.path(), "echo").is_empty() {
        assert!(std::time::Instant::now() < deadline, "no echo event");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let e = &queued(dir.path(), "echo")[0];
    assert_eq!(e["ok"], true, "{e}");
    assert!(e["round_trip_ms"].as_u64().unwrap() < 5000);
    gw.shutdown().await;
}
