//! Image reading at the scale of a busy office: seeds a year of screened episodes on
//! PostgreSQL (100,000 by default: cases, reads, results, image records), then measures
//! what readers and the office wait for, through the real service on a loopback port:
//! the reader dashboard page, "next case" in a session, the case page, and the
//! performance pages (a reader's own and the whole office's, over 28 and 365 days); then
//! the office's follow-up lists (technical recalls, assessment referrals, the failsafe
//! list) and participants' pages with their whole episode timeline (issue 12).
//!
//!   cargo run --release -p bench --bin reading-bench -- --database-url postgres://...
//!
//! The seed is bulk SQL (generate_series) into a fresh schema, so it takes seconds; the
//! schema is dropped afterwards.

use anyhow::{Context, bail};
use clap::Parser;
use domain::{LocationKind, Role};
use sqlx::Executor;
use sqlx::postgres::PgPoolOptions;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use store::{Actor, NewLocation, NewUser, Scope, Store};
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// postgres://... (a fresh schema is created for the run and dropped after it).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Screened episodes to seed.
    #[arg(long, default_value_t = 100_000)]
    episodes: i64,
    /// Readers at the provider.
    #[arg(long, default_value_t = 20)]
    readers: usize,
    /// Readers working at once during the measurement.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Requests of each kind per reader.
    #[arg(long, default_value_t = 60)]
    requests: usize,
    /// Keep the schema afterwards (to look at query plans); its name is printed.
    #[arg(long)]
    keep_schema: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.database_url.starts_with("postgres") {
        bail!("reading-bench measures PostgreSQL: pass --database-url postgres://...");
    }
    let schema = format!("bench_reading_{}", Uuid::now_v7().simple());
    let store = Store::open_in_schema(&args.database_url, Some(&schema)).await?;
    let result = run(&args, &store, &schema).await;
    store.close().await;
    if args.keep_schema {
        println!("Kept schema {schema}");
    } else {
        // A plain connection: opening a Store here would run migrations on the default
        // schema, which is not this benchmark's business.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&args.database_url)
            .await?;
        pool.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await?;
        pool.close().await;
    }
    result
}

struct Reader {
    id: Uuid,
    actor: Actor,
    cookie: String,
    /// The session's CSRF token, for the pages' POSTs.
    csrf: String,
    token: String,
}

async fn run(args: &Args, store: &Store, schema: &str) -> anyhow::Result<()> {
    let system = Actor::system("reading-bench");
    let provider = store
        .create_provider(&system, "BEN1", "Benchmark Breast Screening Service")
        .await?;
    let scope = Scope {
        provider_id: provider.id,
    };
    let location = store
        .create_location(
            scope,
            &system,
            NewLocation {
                name: "Benchmark Breast Unit",
                kind: LocationKind::StaticSite,
                address: "1 Hospital Road",
                postcode: "LS1 4AP",
            },
        )
        .await?;
    let mut readers = Vec::new();
    for n in 0..args.readers {
        let user = store
            .create_user(
                &system,
                NewUser {
                    email: &format!("reader{n}@bench.example.nhs.uk"),
                    name: &format!("Reader {n:02}"),
                    oidc_subject: None,
                    is_system_admin: false,
                },
            )
            .await?;
        store
            .grant_role(&system, user.id, provider.id, Role::Reader)
            .await?;
        let (cookie, session) = store
            .create_session(user.id, Some(provider.id), "bench")
            .await?;
        let token = store
            .create_api_token(&system, provider.id, Some(user.id), &user.name, &[])
            .await?;
        readers.push(Reader {
            id: user.id,
            actor: Actor {
                user_id: Some(user.id),
                name: user.name.clone(),
                provider_id: Some(provider.id),
            },
            cookie,
            csrf: session.csrf_token,
            token,
        });
    }
    let office = {
        let user = store
            .create_user(
                &system,
                NewUser {
                    email: "office@bench.example.nhs.uk",
                    name: "Office Administrator",
                    oidc_subject: None,
                    is_system_admin: false,
                },
            )
            .await?;
        store
            .grant_role(&system, user.id, provider.id, Role::Administrative)
            .await?;
        let (cookie, _) = store
            .create_session(user.id, Some(provider.id), "bench")
            .await?;
        let token = store
            .create_api_token(&system, provider.id, Some(user.id), &user.name, &[])
            .await?;
        (cookie, token)
    };
    let today = time::OffsetDateTime::now_utc().date();
    let started = Instant::now();
    let participants = seed(
        args,
        schema,
        provider.id.uuid(),
        location.id,
        &readers,
        today,
    )
    .await?;
    // As autovacuum would have done on a database that grew to this size over a year.
    vacuum(&args.database_url, schema).await?;
    store.refresh_statistics().await?;
    println!(
        "Seeded {} screened episodes ({} readers) in {:.1} s",
        args.episodes,
        args.readers,
        started.elapsed().as_secs_f64()
    );
    let counts = store.reading_counts(scope, readers[0].id, today).await?;
    println!(
        "Open cases: {} awaiting 1st read, {} awaiting 2nd read, {} awaiting arbitration",
        counts.awaiting_first_read, counts.awaiting_second_read, counts.awaiting_arbitration
    );

    // The service, in this process, on a loopback port.
    let mut config = web::Config::local(args.database_url.clone());
    config.database_schema = Some(schema.to_owned());
    let state = web::AppState::with_store(config, store.clone()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
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
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()?;

    let mut samples: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    for warm_up in [true, false] {
        let mut tasks = Vec::new();
        for reader in readers.iter().take(args.concurrency) {
            let client = client.clone();
            let base = base.clone();
            let cookie = format!("screening_session={}", reader.cookie);
            let csrf = reader.csrf.clone();
            let token = reader.token.clone();
            let store = store.clone();
            let actor = reader.actor.clone();
            let requests = if warm_up { 5 } else { args.requests };
            tasks.push(tokio::spawn(async move {
                reader_loop(
                    &client, &base, &cookie, &csrf, &token, &store, scope, &actor, requests,
                )
                .await
            }));
        }
        for t in tasks.drain(..) {
            let timings = t.await??;
            if !warm_up {
                for (what, d) in timings {
                    samples.entry(what).or_default().push(d);
                }
            }
        }
        // Then two people look at performance: a reader at their own, a manager at the
        // office's (apart from the readers: these are the heaviest queries, and a page
        // someone opens now and then, not in a tight loop beside them).
        for (n, who) in ["me", "office"].into_iter().enumerate() {
            let client = client.clone();
            let base = base.clone();
            let reader = &readers[readers.len() - 1 - n];
            let cookie = format!("screening_session={}", reader.cookie);
            let requests = if warm_up { 2 } else { args.requests / 2 };
            tasks.push(tokio::spawn(async move {
                performance_loop(&client, &base, &cookie, who, requests).await
            }));
        }
        for t in tasks {
            let timings = t.await??;
            if !warm_up {
                for (what, d) in timings {
                    samples.entry(what).or_default().push(d);
                }
            }
        }
    }
    // The office at work: 4 people on the follow-up lists and participants' timelines.
    for warm_up in [true, false] {
        let mut tasks = Vec::new();
        for n in 0..4 {
            let client = client.clone();
            let base = base.clone();
            let cookie = format!("screening_session={}", office.0);
            let token = office.1.clone();
            let participants = participants.clone();
            let requests = if warm_up { 3 } else { args.requests };
            tasks.push(tokio::spawn(async move {
                office_loop(&client, &base, &cookie, &token, &participants, n, requests).await
            }));
        }
        for t in tasks {
            let timings = t.await??;
            if !warm_up {
                for (what, d) in timings {
                    samples.entry(what).or_default().push(d);
                }
            }
        }
    }
    println!(
        "| Request ({} readers at once, {} episodes) | Requests | p50 | p99 | max |",
        args.concurrency, args.episodes
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (what, mut ds) in samples {
        ds.sort();
        let pct = |p: f64| {
            ds[((ds.len() as f64 * p).ceil() as usize)
                .saturating_sub(1)
                .min(ds.len() - 1)]
        };
        println!(
            "| {what} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            ds.len(),
            ms(pct(0.50)),
            ms(pct(0.99)),
            ms(ds[ds.len() - 1])
        );
    }
    Ok(())
}

async fn vacuum(url: &str, schema: &str) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    pool.execute(format!("SET search_path TO {schema}").as_str())
        .await?;
    for table in [
        "reading_cases",
        "reads",
        "image_records",
        "episodes",
        "appointments",
        "follow_up_requests",
        "episode_history",
        "assessments",
    ] {
        pool.execute(format!("VACUUM ANALYZE {table}").as_str())
            .await?;
    }
    pool.close().await;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One reader: dashboard, then a session in which they take the next case, open it and
/// skip it (so the queue is not used up), then the performance pages.
#[allow(clippy::too_many_arguments)]
async fn reader_loop(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    csrf: &str,
    token: &str,
    store: &Store,
    scope: Scope,
    actor: &Actor,
    requests: usize,
) -> anyhow::Result<Vec<(&'static str, Duration)>> {
    let mut out = Vec::new();
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .send()
    };
    let session = store
        .start_session(scope, actor, domain::reading::SessionKind::Custom, None, 50)
        .await?;
    for _ in 0..requests {
        let t = Instant::now();
        let res = get("/reading".to_owned()).await?;
        let ok = res.status().is_success();
        res.bytes().await?;
        out.push(("Reader dashboard page (/reading)", t.elapsed()));
        if !ok {
            bail!("the dashboard failed");
        }

        let t = Instant::now();
        // Claiming the next case is a POST (it settles reads and takes a case).
        let res = client
            .post(format!("{base}/reading/sessions/{session}/next"))
            .header("cookie", cookie)
            .header("x-csrf-token", csrf)
            .send()
            .await?;
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned)
            .context("next case should redirect")?;
        out.push(("Next case (/reading/sessions/{id}/next)", t.elapsed()));
        if let Some(case) = location.split("/cases/").nth(1) {
            let t = Instant::now();
            let res = get(location.clone()).await?;
            let ok = res.status().is_success();
            res.bytes().await?;
            out.push(("Case page", t.elapsed()));
            if !ok {
                bail!("the case page failed: {location}");
            }
            let res = client
                .post(format!("{base}/api/v1/reading/cases/{case}/skip"))
                .bearer_auth(token)
                .json(&serde_json::json!({ "session_id": session }))
                .send()
                .await?;
            if !res.status().is_success() {
                bail!("skip failed: {}", res.status());
            }
        }
    }
    Ok(out)
}

/// One person in the office: the follow-up lists (page and API), the failsafe list, and
/// participants' pages with their episode timeline (page and API), in turn.
async fn office_loop(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    token: &str,
    participants: &[String],
    offset: usize,
    requests: usize,
) -> anyhow::Result<Vec<(&'static str, Duration)>> {
    let mut out = Vec::new();
    for n in 0..requests {
        let participant = &participants[(n * 7 + offset * 13) % participants.len()];
        let pages: [(&'static str, String, bool); 6] = [
            (
                "Office: technical recalls list page",
                "/follow-ups?kind=technical_recall".to_owned(),
                false,
            ),
            (
                "Office: assessment referrals (API)",
                "/api/v1/follow-ups?kind=assessment_referral".to_owned(),
                true,
            ),
            (
                "Office: failsafe list page",
                "/follow-ups/failsafe".to_owned(),
                false,
            ),
            (
                "Office: awaiting pathology list page",
                "/assessment/awaiting-pathology".to_owned(),
                false,
            ),
            (
                "Participant page with episode timeline",
                format!("/participants/{participant}"),
                false,
            ),
            (
                "Participant timeline (API)",
                format!("/api/v1/participants/{participant}/timeline"),
                true,
            ),
        ];
        for (what, path, api) in pages {
            let t = Instant::now();
            let req = client.get(format!("{base}{path}"));
            let req = if api {
                req.bearer_auth(token)
            } else {
                req.header("cookie", cookie)
            };
            let res = req.send().await?;
            let ok = res.status().is_success();
            res.bytes().await?;
            out.push((what, t.elapsed()));
            if !ok {
                bail!("{path} failed");
            }
        }
    }
    Ok(out)
}

/// One person looking at performance pages, 7, 28 and 365 days in turn.
async fn performance_loop(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    who: &'static str,
    requests: usize,
) -> anyhow::Result<Vec<(&'static str, Duration)>> {
    let mut out = Vec::new();
    let pages: [(&'static str, &'static str); 3] = if who == "me" {
        [
            ("Performance page, own, 7 days", "7"),
            ("Performance page, own, 28 days", "28"),
            ("Performance page, own, 365 days", "365"),
        ]
    } else {
        [
            ("Performance page, office, 7 days", "7"),
            ("Performance page, office, 28 days", "28"),
            ("Performance page, office, 365 days", "365"),
        ]
    };
    for _ in 0..requests {
        for (what, period) in pages {
            let path = format!("/reading/performance?period={period}&who={who}");
            let t = Instant::now();
            let res = client
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await?;
            let ok = res.status().is_success();
            res.bytes().await?;
            out.push((what, t.elapsed()));
            if !ok {
                bail!("{path} failed");
            }
        }
    }
    Ok(out)
}

/// Bulk-loads `args.episodes` screened episodes over the last year: participants,
/// episodes, clinics of 40, slots, appointments, reading cases, reads, results and image
/// records. Cases screened in the last two weeks are still being read; older ones are
/// concluded, about 4% recalled for assessment and 3% for technical recall.
async fn seed(
    args: &Args,
    schema: &str,
    provider: Uuid,
    location: Uuid,
    readers: &[Reader],
    today: time::Date,
) -> anyhow::Result<Vec<String>> {
    let schema = schema.to_owned();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let schema = schema.clone();
            Box::pin(async move {
                conn.execute(format!("SET search_path TO {schema}").as_str())
                    .await?;
                Ok(())
            })
        })
        .connect(&args.database_url)
        .await?;
    let readers_sql = readers
        .iter()
        .map(|r| format!("'{}'", r.id))
        .collect::<Vec<_>>()
        .join(", ");
    let names_sql = readers
        .iter()
        .map(|r| format!("'{}'", r.actor.name.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let today = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let n = args.episodes;
    let statements = [
        // Day of screening per episode: spread over the last 365 days, newest last.
        format!(
            "CREATE TEMP TABLE seed AS SELECT i, \
             (DATE '{today}' - ((({n} - i) * 365) / {n})::int) AS day, \
             md5('p' || i)::uuid::text AS participant, md5('e' || i)::uuid::text AS episode, \
             md5('c' || (i / 40))::uuid::text AS clinic, md5('s' || i)::uuid::text AS slot, \
             md5('a' || i)::uuid::text AS appointment, md5('r' || i)::uuid::text AS rcase, \
             (ARRAY[{readers_sql}])[1 + i % {r}] AS first_reader, (ARRAY[{names_sql}])[1 + i % {r}] AS first_name, \
             (ARRAY[{readers_sql}])[1 + (i + 7) % {r}] AS second_reader, (ARRAY[{names_sql}])[1 + (i + 7) % {r}] AS second_name, \
             CASE WHEN i % 100 < 4 THEN 'recall_for_assessment' WHEN i % 100 < 7 THEN 'technical_recall' \
                  WHEN i % 100 < 10 THEN 'normal_with_details' ELSE 'normal' END AS kind \
             FROM generate_series(1, {n}) AS i",
            r = readers.len()
        ),
        // Open cases: screened in the last 14 days.
        "ALTER TABLE seed ADD COLUMN state TEXT".to_owned(),
        format!(
            "UPDATE seed SET state = CASE WHEN day < DATE '{today}' - 14 THEN 'concluded' \
             WHEN i % 20 < 10 THEN 'awaiting_first_read' WHEN i % 20 < 18 THEN 'awaiting_second_read' \
             WHEN i % 20 = 18 THEN 'awaiting_arbitration' ELSE 'concluded' END"
        ),
        format!(
            "INSERT INTO participants (id, provider_id, nhs_number, first_name, last_name, date_of_birth, sex, \
             address_line_1, address_line_2, town, postcode, phone, email, gp_practice_code, ethnicity, \
             communication_preferences, communication_notes, access_needs, access_notes, support_reasons, \
             support_temporary, created_at, updated_at) \
             SELECT participant, '{provider}', (9000000000 + i)::text, 'Bench', 'Participant ' || i, '1966-04-01', 'female', \
             '1 Benchmark Road', '', 'Leeds', 'LS1 4AP', '', '', 'B82001', NULL, '[]', '', '[]', '', '[]', 0, \
             day || 'T08:00:00.000000Z', day || 'T08:00:00.000000Z' FROM seed"
        ),
        format!(
            "INSERT INTO episodes (id, provider_id, participant_id, episode_type, stage, outcome, opened_on, closed_on, created_at, next_test_due) \
             SELECT episode, '{provider}', participant, 'routine', \
             CASE WHEN state <> 'concluded' THEN 'waiting_for_reading' WHEN kind = 'recall_for_assessment' THEN 'at_assessment' \
                  WHEN kind = 'technical_recall' THEN 'mammograms' ELSE 'closed' END, \
             CASE WHEN state <> 'concluded' THEN NULL WHEN kind IN ('normal', 'normal_with_details') THEN 'routine_recall' ELSE kind END, \
             day::text, NULL, day || 'T08:00:00.000000Z', \
             CASE WHEN state = 'concluded' AND kind IN ('normal', 'normal_with_details') THEN (day + 1095)::text END FROM seed"
        ),
        format!(
            "INSERT INTO clinics (id, provider_id, location_id, clinic_date, session, clinic_type, risk_type, status, starts_at, ends_at, created_at) \
             SELECT DISTINCT ON (clinic) clinic, '{provider}', '{location}', day::text, 'morning', 'screening', 'routine', 'closed', \
             '09:00', '16:00', day || 'T07:00:00.000000Z' FROM seed ORDER BY clinic, i"
        ),
        format!(
            "INSERT INTO slots (id, provider_id, clinic_id, starts_at, duration_minutes) \
             SELECT slot, '{provider}', clinic, to_char(TIME '09:00' + ((i % 40) * 10) * INTERVAL '1 minute', 'HH24:MI'), 10 FROM seed"
        ),
        format!(
            "INSERT INTO appointments (id, provider_id, clinic_id, slot_id, participant_id, episode_id, status, status_changed_at, \
             version, created_at, last_changed_by_name, last_changed_at, images_taken) \
             SELECT appointment, '{provider}', clinic, slot, participant, episode, 'screened', day || 'T10:00:00.000000Z', 4, \
             day || 'T08:00:00.000000Z', 'Bench Mammographer', day || 'T10:00:00.000000Z', 4 FROM seed"
        ),
        format!(
            "INSERT INTO reading_cases (id, provider_id, appointment_id, episode_id, participant_id, screened_on, state, created_at, \
             clinic_id, completeness, first_reader_id, second_reader_id, outcome, concluded_at, final_opinion_kind) \
             SELECT rcase, '{provider}', appointment, episode, participant, day::text, state, day || 'T10:00:00.000000Z', clinic, 'complete', \
             CASE WHEN state <> 'awaiting_first_read' THEN first_reader END, \
             CASE WHEN state IN ('concluded', 'awaiting_arbitration') THEN second_reader END, \
             CASE WHEN state = 'concluded' THEN (CASE WHEN kind IN ('normal', 'normal_with_details') THEN 'routine_recall' ELSE kind END) END, \
             CASE WHEN state = 'concluded' THEN (day + 3) || 'T12:00:00.000000Z' END, \
             CASE WHEN state = 'concluded' THEN kind END FROM seed"
        ),
        // 1st reads of every case past awaiting 1st read; 2nd reads of concluded and
        // arbitration cases (an arbitration case's 2nd read disagrees).
        format!(
            "INSERT INTO reads (id, provider_id, case_id, slot, reader_id, reader_name, opinion_kind, opinion, given_at, finalised_early, \
             arbitrated, case_final_kind) \
             SELECT md5('f' || i)::uuid::text, '{provider}', rcase, 'first', first_reader, first_name, kind, {opinion}, \
             (day + 1) || 'T11:00:00.000000Z', 0, CASE WHEN state = 'awaiting_arbitration' THEN 1 ELSE 0 END, \
             CASE WHEN state = 'concluded' THEN kind END FROM seed WHERE state <> 'awaiting_first_read'",
            opinion = OPINION_SQL
        ),
        format!(
            "INSERT INTO reads (id, provider_id, case_id, slot, reader_id, reader_name, opinion_kind, opinion, given_at, finalised_early, \
             arbitrated, case_final_kind) \
             SELECT md5('g' || i)::uuid::text, '{provider}', rcase, 'second', second_reader, second_name, \
             CASE WHEN state = 'awaiting_arbitration' THEN 'recall_for_assessment' ELSE kind END, \
             CASE WHEN state = 'awaiting_arbitration' THEN '{rfa}' ELSE {opinion} END, \
             (day + 2) || 'T11:00:00.000000Z', 0, CASE WHEN state = 'awaiting_arbitration' THEN 1 ELSE 0 END, \
             CASE WHEN state = 'concluded' THEN kind END FROM seed WHERE state IN ('concluded', 'awaiting_arbitration')",
            opinion = OPINION_SQL,
            rfa = RFA_JSON
        ),
        format!(
            "INSERT INTO image_records (appointment_id, provider_id, user_id, user_name, screened_on, images, repeats, repeat_reasons, completeness, recorded_at, \
             technical_recall) \
             SELECT appointment, '{provider}', NULL, 'Mammographer ' || (i % 6), day::text, CASE WHEN i % 10 = 0 THEN 5 ELSE 4 END, \
             CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END, CASE WHEN i % 10 = 0 THEN '[\"participant_movement\"]' ELSE '[]' END, 'complete', \
             day || 'T10:00:00.000000Z', CASE WHEN state = 'concluded' AND kind = 'technical_recall' THEN 1 ELSE 0 END FROM seed"
        ),
    ];
    for sql in statements.iter().chain(&follow_ups(provider, &today)) {
        pool.execute(sql.as_str())
            .await
            .with_context(|| format!("seeding: {}", &sql[..sql.len().min(120)]))?;
    }
    // Participants whose timeline the office opens: with a recall or a referral, and not.
    let participants: Vec<String> = sqlx::query_scalar(
        "SELECT participant FROM seed WHERE i % 97 = 0 OR (i % 100 < 7 AND i % 11 = 0) ORDER BY i",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    Ok(participants)
}

/// The office's follow-up requests for the concluded recalls and referrals (done when
/// older than 60 days, booked when older than 30, open after that; a tenth of the booked
/// ones not attended, so on the failsafe list), each concluded episode's history row
/// with its end code, and assessments awaiting pathology.
fn follow_ups(provider: Uuid, today: &str) -> Vec<String> {
    vec![
        format!(
            "INSERT INTO follow_up_requests (id, provider_id, participant_id, episode_id, appointment_id, kind, timescale, note, \
             status, created_by_name, created_at, details, reading_case_id, views, booked_appointment_id) \
             SELECT md5('u' || i)::uuid::text, '{provider}', participant, episode, appointment, \
             CASE kind WHEN 'technical_recall' THEN 'technical_recall' ELSE 'assessment_referral' END, '', '', \
             CASE WHEN day < DATE '{today}' - 60 THEN 'done' WHEN day < DATE '{today}' - 30 AND i % 10 <> 0 THEN 'booked' ELSE 'open' END, \
             first_name, (day + 3) || 'T12:00:00.000000Z', \
             CASE kind WHEN 'technical_recall' THEN 'RMLO: Breast positioning' ELSE 'Right breast: Normal, but symptoms need assessment' END, \
             rcase, CASE kind WHEN 'technical_recall' THEN 'rmlo' ELSE '' END, \
             CASE WHEN day < DATE '{today}' - 30 THEN appointment END \
             FROM seed WHERE state = 'concluded' AND kind IN ('technical_recall', 'recall_for_assessment')"
        ),
        // The missed ones: their booked appointment (here, the screen itself) not attended.
        format!(
            "UPDATE appointments SET status = 'did_not_attend' WHERE provider_id = '{provider}' AND id IN \
             (SELECT booked_appointment_id FROM follow_up_requests WHERE provider_id = '{provider}' AND status = 'open' \
              AND booked_appointment_id IS NOT NULL)"
        ),
        format!(
            "INSERT INTO episode_history (id, provider_id, episode_id, stage, outcome, next_test_due, end_code, reason, changed_by_name, changed_at) \
             SELECT md5('h' || i)::uuid::text, '{provider}', episode, \
             CASE WHEN kind = 'recall_for_assessment' THEN 'at_assessment' WHEN kind = 'technical_recall' THEN 'mammograms' ELSE 'closed' END, \
             CASE WHEN kind IN ('normal', 'normal_with_details') THEN 'routine_recall' ELSE kind END, \
             CASE WHEN kind IN ('normal', 'normal_with_details') THEN (day + 1095)::text END, \
             CASE WHEN kind IN ('normal', 'normal_with_details') THEN 'routine_recall' END, \
             'Image reading result', second_name, (day + 3) || 'T12:00:00.000000Z' \
             FROM seed WHERE state = 'concluded'"
        ),
        format!(
            "UPDATE episodes SET end_code = 'routine_recall', closed_on = opened_on WHERE provider_id = '{provider}' AND stage = 'closed'"
        ),
        // A fifth of the assessment referrals of the last 60 days were assessed with a
        // biopsy and await pathology (the assessment recorded against the screen here).
        format!(
            "INSERT INTO assessments (id, provider_id, appointment_id, episode_id, participant_id, assessed_on, work, outcome, \
             recorded_by_name, recorded_at, created_at, version) \
             SELECT md5('x' || i)::uuid::text, '{provider}', appointment, episode, participant, (day + 20)::text, \
             '{ASSESSMENT_WORK}', 'awaiting_pathology', second_name, (day + 20) || 'T12:00:00.000000Z', \
             (day + 20) || 'T12:00:00.000000Z', 1 \
             FROM seed WHERE state = 'concluded' AND kind = 'recall_for_assessment' AND day >= DATE '{today}' - 60 AND i % 5 = 0"
        ),
    ]
}

const ASSESSMENT_WORK: &str = r#"{"right":{"clinical_examination":true,"further_views":false,"ultrasound":true,"needle_biopsy":true,"biopsy_type":"core"},"left":{"clinical_examination":true,"further_views":false,"ultrasound":false,"needle_biopsy":false,"biopsy_type":null}}"#;
const RFA_JSON: &str = r#"{"opinion":"recall_for_assessment","right":{"assessment":"normal_symptoms_need_assessment"},"left":{"assessment":"normal"}}"#;

/// A stored opinion of each kind, as SQL.
const OPINION_SQL: &str = r#"CASE kind
  WHEN 'normal' THEN '{"opinion":"normal"}'
  WHEN 'normal_with_details' THEN '{"opinion":"normal_with_details","details":"Benign calcification","symptoms_acknowledged":false}'
  WHEN 'technical_recall' THEN '{"opinion":"technical_recall","views":[{"view":"rmlo","reason":"breast_positioning","details":""}]}'
  ELSE '{"opinion":"recall_for_assessment","right":{"assessment":"normal_symptoms_need_assessment"},"left":{"assessment":"normal"}}' END"#;
