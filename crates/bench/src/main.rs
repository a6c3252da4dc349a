//! Runs complete screening appointments through the JSON API (the same calls the workflow
//! pages make) against the real service and reports p50 / p99 per step.
//!
//!   cargo run --release -p bench --bin appointment-bench -- --database-url sqlite://...
//!
//! The service runs in this process on a loopback port, over a fresh database (SQLite file
//! or a new PostgreSQL schema); a clinic of new participants is booked for the run.

use anyhow::{Context, bail};
use clap::Parser;
use domain::{ClinicType, EpisodeType, LocationKind, RiskType, Role, Session};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use store::{
    Actor, NewAppointment, NewClinic, NewLocation, NewParticipant, NewRoom, NewUser, Scope, Store,
};
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// sqlite://path?mode=rwc or postgres://... (a fresh schema is created for the run).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Appointments to run.
    #[arg(long, default_value_t = 40)]
    appointments: usize,
    /// Mammographers working at once (each runs appointments one after another).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Runs of the whole clinic; the first warms up and is not reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// One step of an appointment and how to call it.
struct Call {
    step: &'static str,
    method: reqwest::Method,
    path: String,
    body: Option<Value>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let schema = args
        .database_url
        .starts_with("postgres")
        .then(|| format!("bench_{}", Uuid::now_v7().simple()));
    let store = Store::open_in_schema(&args.database_url, schema.as_deref()).await?;
    let mut config = web::Config::local(args.database_url.clone());
    config.database_schema = schema.clone();
    let state = web::AppState::with_store(config, store.clone()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/v1", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = web::server::serve(
            listener,
            web::app(state),
            web::server::Limits::default(),
            std::future::pending(),
        )
        .await;
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;

    let mut samples: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    for round in 0..args.rounds {
        let setup = set_up(&store, args.appointments, args.concurrency, round).await?;
        let mut tasks = Vec::new();
        for (token, appointments) in setup {
            let client = client.clone();
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let mut timings = Vec::new();
                for (appointment, room) in appointments {
                    run_appointment(&client, &base, &token, appointment, room, &mut timings)
                        .await?;
                }
                anyhow::Ok(timings)
            }));
        }
        for t in tasks {
            let timings = t.await??;
            if round > 0 {
                for (step, d) in timings {
                    samples.entry(step).or_default().push(d);
                }
            }
        }
    }
    let backend = if schema.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    println!("| Backend | Step | Calls | p50 | p99 | max |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for (step, mut ds) in samples {
        ds.sort();
        let pct = |p: f64| {
            ds[((ds.len() as f64 * p).ceil() as usize)
                .saturating_sub(1)
                .min(ds.len() - 1)]
        };
        println!(
            "| {backend} | {step} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            ds.len(),
            ms(pct(0.50)),
            ms(pct(0.99)),
            ms(ds[ds.len() - 1])
        );
    }
    if let (Some(schema), true) = (schema, args.database_url.starts_with("postgres")) {
        store.close().await;
        let admin = Store::open_in_schema(&args.database_url, None).await?;
        admin.drop_schema_for_tests(&schema).await.ok();
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Books a clinic today with `n` new participants and returns, per mammographer, a token
/// and the appointments they will run.
async fn set_up(
    store: &Store,
    n: usize,
    mammographers: usize,
    round: usize,
) -> anyhow::Result<Vec<(String, Vec<(domain::ids::AppointmentId, Uuid)>)>> {
    let system = Actor::system("benchmark");
    let today = time::OffsetDateTime::now_utc().date();
    let provider = store
        .create_provider(
            &system,
            &format!("BEN{round}"),
            &format!("Benchmark provider {round}"),
        )
        .await?;
    let scope = Scope {
        provider_id: provider.id,
    };
    let location = store
        .create_location(
            scope,
            &system,
            NewLocation {
                name: "Benchmark hospital",
                kind: LocationKind::StaticSite,
                address: "1 Test Road, Leeds",
                postcode: "LS1 4AP",
            },
        )
        .await?;
    let room = store
        .create_room(
            scope,
            &system,
            NewRoom {
                location_id: location.id,
                name: "Room A",
                machine: "Hologic 3Dimensions",
                ae_title: "BENCH_A",
            },
        )
        .await?;
    let clinic = store
        .create_clinic(
            scope,
            &system,
            NewClinic {
                location_id: location.id,
                date: today,
                session: Session::AllDay,
                clinic_type: ClinicType::Screening,
                risk_type: RiskType::Routine,
                starts_at: "08:00".to_owned(),
                slot_minutes: 10,
                slot_count: u16::try_from(n).context("too many appointments")?,
            },
        )
        .await?;
    let slots = store.free_slots(scope, clinic.id).await?;
    if slots.len() < n {
        bail!("clinic has {} slots, need {n}", slots.len());
    }
    let mut appointments = Vec::new();
    for (i, (slot_id, _)) in slots.iter().take(n).enumerate() {
        let first_nine = 999_100_000 + (round * 10_000 + i * 7) as u32;
        let nhs = (first_nine..first_nine + 7)
            .find_map(domain::NhsNumber::from_first_nine)
            .context("no valid NHS number")?;
        let p = store
            .create_participant(
                scope,
                &system,
                NewParticipant {
                    nhs_number: nhs.as_digits(),
                    first_name: format!("Bench{i}"),
                    last_name: "Participant".to_owned(),
                    date_of_birth: time::macros::date!(1965 - 05 - 17),
                    sex: domain::Sex::Female,
                    address_line_1: "2 Test Street".to_owned(),
                    address_line_2: String::new(),
                    town: "Leeds".to_owned(),
                    postcode: "LS1 4AP".to_owned(),
                    phone: String::new(),
                    email: String::new(),
                    gp_practice_code: "B86044".to_owned(),
                    ethnicity: None,
                    communication_preferences: vec![],
                    communication_notes: String::new(),
                    access_needs: vec![],
                    access_notes: String::new(),
                    support_reasons: vec![],
                    support_temporary: false,
                },
                today,
            )
            .await?;
        let id = store
            .create_appointment(
                scope,
                &system,
                NewAppointment {
                    clinic_id: clinic.id,
                    slot_id: *slot_id,
                    participant_id: p.id,
                    episode_type: EpisodeType::Routine,
                    follow_up_id: None,
                },
            )
            .await?;
        appointments.push((id, room.id));
    }
    store.refresh_statistics().await?;
    let mut out = Vec::new();
    for m in 0..mammographers.max(1) {
        let user = store
            .create_user(
                &system,
                NewUser {
                    email: &format!("bench{round}-{m}@example.nhs.uk"),
                    name: &format!("Bench Mammographer {m}"),
                    oidc_subject: None,
                    is_system_admin: false,
                },
            )
            .await?;
        store
            .grant_role(&system, user.id, provider.id, Role::Clinical)
            .await?;
        let token = store
            .create_api_token(&system, provider.id, Some(user.id), &user.name, &[])
            .await?;
        let mine = appointments
            .iter()
            .skip(m)
            .step_by(mammographers.max(1))
            .copied()
            .collect();
        out.push((token, mine));
    }
    Ok(out)
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    c: &Call,
) -> anyhow::Result<(Value, Duration)> {
    let started = Instant::now();
    let mut req = client
        .request(c.method.clone(), format!("{base}{}", c.path))
        .bearer_auth(token);
    if let Some(body) = &c.body {
        req = req.json(body);
    }
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let took = started.elapsed();
    if !status.is_success() {
        bail!("{} {} -> {status}: {body}", c.step, c.path);
    }
    Ok((body, took))
}

async fn run_appointment(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: domain::ids::AppointmentId,
    room: Uuid,
    timings: &mut Vec<(&'static str, Duration)>,
) -> anyhow::Result<()> {
    let post = |step: &'static str, path: String, body: Value| Call {
        step,
        method: reqwest::Method::POST,
        path,
        body: Some(body),
    };
    let mut run = async |c: Call| -> anyhow::Result<Value> {
        let (body, took) = call(client, base, token, &c).await?;
        timings.push((c.step, took));
        Ok(body)
    };
    run(post(
        "1 check in",
        format!("/appointments/{id}/check-in"),
        json!({}),
    ))
    .await?;
    run(post(
        "2 start",
        format!("/appointments/{id}/actions"),
        json!({ "action": "start" }),
    ))
    .await?;
    let wf = run(Call {
        step: "3 open workflow",
        method: reqwest::Method::GET,
        path: format!("/appointments/{id}/workflow"),
        body: None,
    })
    .await?;
    let v = wf["appointment"]["version"].as_i64().context("version")?;
    let v = run(post(
        "4 confirm identity",
        format!("/appointments/{id}/identity"),
        json!({ "expected_version": v }),
    ))
    .await?["version"]
        .as_i64()
        .context("version")?;
    let medical = json!({
        "mammograms": [], "history": [], "symptoms": [], "features": [],
        "density": { "hrt_started_since_last_screening": "no", "pregnant_or_breastfeeding": "no" },
        "other": "",
        "reviewed": ["mammogram_history", "medical_history", "symptoms", "breast_features",
                     "breast_density_factors", "other_medical_information"],
    });
    let v = run(Call {
        step: "5 medical information",
        method: reqwest::Method::PUT,
        path: format!("/appointments/{id}/medical-information"),
        body: Some(json!({ "medical": medical, "expected_version": v })),
    })
    .await?["version"]
        .as_i64()
        .context("version")?;
    let v = run(Call {
        step: "6 set room",
        method: reqwest::Method::PUT,
        path: format!("/appointments/{id}/room"),
        body: Some(json!({ "room_id": room, "expected_version": v })),
    })
    .await?["version"]
        .as_i64()
        .context("version")?;
    let v = run(Call {
        step: "7 record images",
        method: reqwest::Method::PUT,
        path: format!("/appointments/{id}/images"),
        body: Some(json!({ "record": { "standard_set": "yes" }, "expected_version": v })),
    })
    .await?["version"]
        .as_i64()
        .context("version")?;
    let done = run(post(
        "8 complete",
        format!("/appointments/{id}/complete"),
        json!({ "expected_version": v }),
    ))
    .await?;
    if done["status"] != "screened" {
        bail!("appointment {id} ended as {}", done["status"]);
    }
    Ok(())
}
