//! Results going out at a national day's scale (issue 13): N results, each with its
//! participant letter and GP message queued, then
//!
//! (a) the print batch: `delivery::print::run` for the provider (claims the letters,
//!     renders one PDF of them all with its manifest, writes both, records the batch),
//!     run until no letters are left (a batch holds at most `print::BATCH_LIMIT`);
//! (b) the GP messages: `delivery::send::send_due` into the local outbox, 500 at a time
//!     as the worker does, until none are due (each renders the letter and the FHIR
//!     bundle, writes it whole and records it sent);
//! (c) the total, in results per second; (d) the process's peak memory in each phase;
//! (e) with `--mesh`, the send rate over MESH to mesh-sandbox (from `.venv`).
//!
//!   cargo run --release -p bench --bin results-bench -- --results 12000
//!   cargo run --release -p bench --bin results-bench -- --database-url postgres://... --results 12000
//!   cargo run --release -p bench --bin results-bench -- --results 1000 --mesh
//!
//! The results are loaded with bulk SQL shaped as the store writes them when a result is
//! issued (`store::results::apply` and `deliveries::queue`: the result with its wording and
//! coding, a letter and a GP message queued, a history row each), in seconds. With
//! `--issue-through-store` they are issued one by one through the store instead (the
//! office closing each episode as "did not attend": the real transaction with its events,
//! result, deliveries and audit), and that is timed too.
//!
//! The database is a new SQLite file in a temporary directory unless `--database-url`
//! says otherwise; on PostgreSQL a fresh schema is made for the run and dropped after it.

use anyhow::{Context, bail};
use clap::Parser;
use delivery::send::{SendReport, Transport};
use domain::CommunicationPreference;
use domain::delivery::DeliveryEvent;
use domain::results::ResultKind;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::{Executor, Row};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use store::{Actor, Backend, DeliveryChange, EpisodeEnd, ResultCoding, Scope, Store};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

mod results_seed;
use results_seed::*;

#[derive(Parser)]
struct Args {
    /// sqlite://path?mode=rwc or postgres://... (default: a new SQLite file in a temporary
    /// directory). On PostgreSQL a fresh schema is made for the run and dropped after it.
    #[arg(long)]
    database_url: Option<String>,
    /// Results to send out.
    #[arg(long, default_value_t = 12_000)]
    results: usize,
    /// GP messages claimed per `send_due` call (the worker's batch).
    #[arg(long, default_value_t = 500)]
    send_batch: i64,
    /// Also measure the MESH send rate against mesh-sandbox (started from `.venv`).
    #[arg(long)]
    mesh: bool,
    /// GP messages to send over MESH with `--mesh`.
    #[arg(long, default_value_t = 1_000)]
    mesh_messages: usize,
    /// Issue the results through the store, one transaction each (closing each episode
    /// by hand as "did not attend"), instead of bulk SQL, and time it.
    #[arg(long)]
    issue_through_store: bool,
    /// More results, beyond these, on which each step of (a) and (b) is timed alone
    /// ("where the time goes"; 0: none).
    #[arg(long, default_value_t = 1_000)]
    profile: usize,
    /// Keep the working directory (SQLite file, print batches, GP outbox) and schema.
    #[arg(long)]
    keep: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let work = std::env::temp_dir().join(format!("results-bench-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&work)?;
    let url = args.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            work.join("results-bench.db").display()
        )
    });
    let schema = url
        .starts_with("postgres")
        .then(|| format!("bench_results_{}", Uuid::now_v7().simple()));
    let store = Store::open_in_schema(&url, schema.as_deref()).await?;
    let seeder = seed_pool(&url, schema.as_deref()).await?;
    let result = run(&args, &store, &seeder, &work).await;
    seeder.close().await;
    store.close().await;
    if args.keep {
        println!("Kept {}", work.display());
        if let Some(schema) = &schema {
            println!("Kept schema {schema}");
        }
    } else {
        if let Some(schema) = &schema {
            // A plain connection: opening a Store here would migrate the default schema.
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await?;
            pool.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                .await?;
            pool.close().await;
        }
        std::fs::remove_dir_all(&work).ok();
    }
    result
}

/// A connection of our own for the bulk load (the store keeps its pool to itself).
async fn seed_pool(url: &str, schema: Option<&str>) -> anyhow::Result<AnyPool> {
    let schema = schema.map(str::to_owned);
    Ok(AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let schema = schema.clone();
            Box::pin(async move {
                if let Some(schema) = schema {
                    conn.execute(format!("SET search_path TO {schema}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

async fn run(args: &Args, store: &Store, seeder: &AnyPool, work: &Path) -> anyhow::Result<()> {
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let n = args.results;
    if n == 0 {
        bail!("--results must be at least 1");
    }
    let system = Actor::system("results-bench");
    let provider = store
        .create_provider(&system, "BEN1", "Benchmark Breast Screening Service")
        .await?;
    let scope = Scope {
        provider_id: provider.id,
    };
    let codings = store.result_codings().await?;
    let mut people = People::default();
    let mut memory = Vec::new();

    // Set up: N results, each with a letter and a GP message queued.
    reset_peak_memory();
    let started = Instant::now();
    let issued_through_store = if args.issue_through_store {
        let episodes = people
            .seed(seeder, provider.id.uuid(), n, None, None, &system.name)
            .await?;
        analyse(store, seeder).await?;
        let started = Instant::now();
        for episode in episodes {
            store
                .end_episode(
                    scope,
                    &system,
                    episode.into(),
                    EpisodeEnd::Close,
                    domain::end_code::EndCode::DidNotAttend,
                    "Did not attend and did not reply (benchmark)",
                )
                .await?;
        }
        Some(started.elapsed())
    } else {
        people
            .seed(
                seeder,
                provider.id.uuid(),
                n,
                None,
                Some(&codings),
                "Bench Reader",
            )
            .await?;
        None
    };
    analyse(store, seeder).await?;
    let seeded = started.elapsed();
    memory.push(("set up", peak_memory()));
    let queued = count_deliveries(seeder, "queued").await?;
    println!(
        "{backend}: {n} results, {} letters and {} GP messages queued, set up in {:.1} s{}",
        queued.0,
        queued.1,
        seeded.as_secs_f64(),
        match issued_through_store {
            Some(d) => format!(
                " (issued through the store in {:.1} s: {:.0} results/s)",
                d.as_secs_f64(),
                n as f64 / d.as_secs_f64()
            ),
            None => " (bulk SQL)".to_owned(),
        }
    );
    if queued != (n as i64, n as i64) {
        bail!("expected {n} letters and {n} GP messages queued, found {queued:?}");
    }

    // (a) The print batch.
    let print_dir = work.join("print");
    let load_before = load_average();
    reset_peak_memory();
    let cpu = cpu_time();
    let started = Instant::now();
    let mut batches = Vec::new();
    loop {
        let t = Instant::now();
        match delivery::print::run(store, scope, &system, &print_dir).await? {
            Some(batch) => batches.push((batch, t.elapsed())),
            None => break,
        }
    }
    let print_time = started.elapsed();
    let print_cpu = cpu_time().saturating_sub(cpu);
    memory.push(("(a) print batch", peak_memory()));
    let letters: i64 = batches.iter().map(|(b, _)| b.letter_count).sum();
    let pages: i64 = batches.iter().map(|(b, _)| b.page_count).sum();
    let pdf_bytes = dir_bytes(&print_dir, "pdf");
    for (b, d) in &batches {
        println!(
            "  print batch {}: {} letters, {} pages, {:.1} s",
            b.file_name,
            b.letter_count,
            b.page_count,
            d.as_secs_f64()
        );
    }

    // (b) The GP messages, into the local outbox.
    let outbox = work.join("gp-outbox");
    let transport = Transport::Local(outbox.clone());
    reset_peak_memory();
    let cpu = cpu_time();
    let started = Instant::now();
    let (sent, calls) = send_all(store, &transport, args.send_batch).await?;
    let send_time = started.elapsed();
    let send_cpu = cpu_time().saturating_sub(cpu);
    let load_after = load_average();
    memory.push(("(b) GP messages", peak_memory()));
    let outbox_bytes = dir_bytes(&outbox, "json");

    let done = count_deliveries(seeder, "printed").await?.0;
    let gp_sent = count_deliveries(seeder, "sent").await?.1;
    if done != n as i64 || gp_sent != n as i64 || sent.sent != n {
        bail!(
            "expected {n} letters printed and {n} GP messages sent; found {done} printed, {gp_sent} sent ({sent:?})"
        );
    }

    // Where the time goes: the same steps on more results, each timed.
    let profiled = if args.profile > 0 {
        people
            .seed(
                seeder,
                provider.id.uuid(),
                args.profile,
                None,
                Some(&codings),
                "Bench Reader",
            )
            .await?;
        analyse(store, seeder).await?;
        Some(profile(store, scope, &system, args.profile, work).await?)
    } else {
        None
    };

    // (e) MESH.
    let mesh = if args.mesh {
        Some(
            mesh_rate(
                args,
                store,
                seeder,
                &mut people,
                provider.id.uuid(),
                &codings,
                &mut memory,
            )
            .await?,
        )
    } else {
        None
    };

    let total = print_time + send_time;
    let rate = |count: f64, d: Duration| count / d.as_secs_f64();
    println!();
    println!("| {backend}, {n} results | Time | CPU time | Rate |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| (a) print batch: {letters} letters, {pages} pages, {} batch(es), {:.1} MiB PDF | {:.1} s | {:.1} s | {:.0} letters/s |",
        batches.len(),
        mib(pdf_bytes),
        print_time.as_secs_f64(),
        print_cpu.as_secs_f64(),
        rate(letters as f64, print_time)
    );
    println!(
        "| (b) GP messages rendered and put in the local outbox: {}, {} claims of {}, {:.1} MiB | {:.1} s | {:.1} s | {:.0} results/s |",
        sent.sent,
        calls.len(),
        args.send_batch,
        mib(outbox_bytes),
        send_time.as_secs_f64(),
        send_cpu.as_secs_f64(),
        rate(sent.sent as f64, send_time)
    );
    println!(
        "| (c) total, letter and GP message for every result | {:.1} s | {:.1} s | {:.0} results/s |",
        total.as_secs_f64(),
        (print_cpu + send_cpu).as_secs_f64(),
        rate(n as f64, total)
    );
    if let Some(d) = issued_through_store {
        println!(
            "| issuing the results through the store (set up) | {:.1} s | | {:.0} results/s |",
            d.as_secs_f64(),
            rate(n as f64, d)
        );
    }
    if let Some((count, d, cpu)) = mesh {
        println!(
            "| (e) GP messages sent over MESH to mesh-sandbox: {count} | {:.1} s | {:.1} s | {:.1} messages/s |",
            d.as_secs_f64(),
            cpu.as_secs_f64(),
            rate(count as f64, d)
        );
    }
    let per_day = 12_000.0 / rate(n as f64, total);
    println!();
    println!(
        "A national day (12,000 results) at this rate: {per_day:.0} s (target < 120 s): {}",
        if per_day < 120.0 { "met" } else { "MISSED" }
    );
    if let (Some(first), Some(last)) = (calls.first(), calls.last()) {
        let mut sorted = calls.clone();
        sorted.sort();
        println!(
            "(b) each send_due call of {}: first {:.1} s, median {:.1} s, slowest {:.1} s, last {:.1} s.",
            args.send_batch,
            first.as_secs_f64(),
            sorted[sorted.len() / 2].as_secs_f64(),
            sorted[sorted.len() - 1].as_secs_f64(),
            last.as_secs_f64()
        );
    }
    println!(
        "Load average (1 min) before (a): {load_before}, after (b): {load_after} (2 cores, shared)."
    );
    println!();
    println!("Peak memory (VmHWM) per phase:");
    for (phase, kib) in &memory {
        match kib {
            Some(k) => println!("  {phase}: {:.0} MiB", *k as f64 / 1024.0),
            None => println!("  {phase}: unknown"),
        }
    }
    if let Some(p) = profiled {
        println!();
        p.print();
    }
    Ok(())
}

/// Sends until no GP message is due; returns the sum of the reports and how long each
/// `send_due` call that sent something took.
async fn send_all(
    store: &Store,
    transport: &Transport,
    batch: i64,
) -> anyhow::Result<(SendReport, Vec<Duration>)> {
    let mut total = SendReport::default();
    let mut calls = Vec::new();
    loop {
        let t = Instant::now();
        let r = delivery::send::send_due(store, transport, batch).await?;
        let handled = r.sent + r.retrying + r.failed + r.undeliverable;
        if handled == 0 {
            break;
        }
        calls.push(t.elapsed());
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
        total.undeliverable += r.undeliverable;
    }
    Ok((total, calls))
}

/// (e) M more results whose participants' practice is X26 (the sandbox's ODS code, with
/// mailbox X26ABC2 for TEST_WORKFLOW), sent over MESH from X26ABC1.
async fn mesh_rate(
    args: &Args,
    store: &Store,
    seeder: &AnyPool,
    people: &mut People,
    provider: Uuid,
    codings: &[ResultCoding],
    memory: &mut Vec<(&'static str, Option<u64>)>,
) -> anyhow::Result<(usize, Duration, Duration)> {
    let m = args.mesh_messages;
    people
        .seed(
            seeder,
            provider,
            m,
            Some("X26"),
            Some(codings),
            "Bench Reader",
        )
        .await?;
    analyse(store, seeder).await?;
    let sandbox = mesh::sandbox::Sandbox::start().await;
    let client = sandbox.client(mesh::sandbox::SENDER);
    client.handshake().await?;
    let transport = Transport::Mesh {
        client,
        workflow_id: mesh::sandbox::WORKFLOW.to_owned(),
    };
    reset_peak_memory();
    let cpu = cpu_time();
    let started = Instant::now();
    let (report, _) = send_all(store, &transport, args.send_batch).await?;
    let elapsed = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu);
    memory.push(("(e) MESH", peak_memory()));
    // The sandbox keeps each message as `<id>.json` beside a folder of its chunks.
    let arrived = std::fs::read_dir(sandbox.data_dir().join(mesh::sandbox::RECEIVER).join("in"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0);
    println!(
        "MESH: {} sent, {} retrying, {} failed, {} undeliverable; {arrived} in {}'s inbox on the sandbox",
        report.sent,
        report.retrying,
        report.failed,
        report.undeliverable,
        mesh::sandbox::RECEIVER
    );
    if report.sent != m {
        bail!("expected {m} GP messages sent over MESH: {report:?}");
    }
    Ok((report.sent, elapsed, cpu))
}

/// Where the time goes: the same steps as `print::run` and `send_due`'s local outbox, on
/// `k` more results, each step timed (the store calls are the same public ones).
#[derive(Default)]
struct Profile {
    count: usize,
    letters_claim: Duration,
    letters_render: Duration,
    letters_write: Duration,
    letters_record: Duration,
    gp_claim: Duration,
    gp_letter_pdf: Duration,
    gp_bundle: Duration,
    gp_write: Duration,
    gp_record: Duration,
}

impl Profile {
    fn print(&self) {
        let each = |d: Duration| d.as_secs_f64() * 1000.0 / self.count as f64;
        let print_total =
            self.letters_claim + self.letters_render + self.letters_write + self.letters_record;
        let gp_total =
            self.gp_claim + self.gp_letter_pdf + self.gp_bundle + self.gp_write + self.gp_record;
        println!(
            "Where the time goes: the steps of (a) and (b) timed one by one on {} more results (ms per result):",
            self.count
        );
        println!("| Step | ms per result | share |");
        println!("| --- | ---: | ---: |");
        let row = |what: &str, d: Duration, of: Duration| {
            println!(
                "| {what} | {:.2} | {:.0}% |",
                each(d),
                100.0 * d.as_secs_f64() / of.as_secs_f64()
            );
        };
        row(
            "(a) claim the letters and load them",
            self.letters_claim,
            print_total,
        );
        row(
            "(a) typeset them into one PDF with its manifest",
            self.letters_render,
            print_total,
        );
        row(
            "(a) write the PDF and the manifest (fsync)",
            self.letters_write,
            print_total,
        );
        row("(a) record the batch", self.letters_record, print_total);
        row("(a) in all", print_total, print_total);
        row(
            "(b) claim 500 GP messages and load them",
            self.gp_claim,
            gp_total,
        );
        row("(b) render the letter PDF", self.gp_letter_pdf, gp_total);
        row("(b) render the FHIR bundle", self.gp_bundle, gp_total);
        row(
            "(b) write the message whole (fsync, rename)",
            self.gp_write,
            gp_total,
        );
        row(
            "(b) record it sent (one transaction)",
            self.gp_record,
            gp_total,
        );
        row("(b) in all", gp_total, gp_total);
    }
}

async fn profile(
    store: &Store,
    scope: Scope,
    actor: &Actor,
    k: usize,
    work: &Path,
) -> anyhow::Result<Profile> {
    let mut p = Profile {
        count: k,
        ..Profile::default()
    };
    // (a), as print::run does it.
    let t = Instant::now();
    let due = store
        .claim_due_letters(scope, delivery::print::BATCH_LIMIT)
        .await?;
    p.letters_claim = t.elapsed();
    if due.len() != k {
        bail!("expected {k} letters due, found {}", due.len());
    }
    let t = Instant::now();
    let all: Vec<letters::Letter> = due.iter().map(delivery::render::letter).collect();
    let batch = tokio::task::spawn_blocking(move || letters::render_batch(&all)).await??;
    p.letters_render = t.elapsed();
    let dir = work.join("profile");
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    delivery::write_whole(&dir.join("batch.pdf"), &batch.pdf)?;
    let manifest =
        serde_json::json!({ "count": batch.manifest.count, "letters": batch.manifest.letters });
    delivery::write_whole(
        &dir.join("batch.pdf.manifest.json"),
        manifest.to_string().as_bytes(),
    )?;
    p.letters_write = t.elapsed();
    let record = store::PrintBatch {
        id: Uuid::now_v7(),
        file_name: "batch.pdf".to_owned(),
        letter_count: i64::try_from(batch.manifest.count)?,
        page_count: i64::try_from(batch.manifest.pages)?,
        sha256: batch.manifest.sha256.clone(),
        created_by_name: actor.name.clone(),
        created_at: OffsetDateTime::now_utc(),
    };
    let members: Vec<_> = due
        .iter()
        .map(|o| (o.delivery_id, batch.manifest.sha256.clone()))
        .collect();
    let t = Instant::now();
    store
        .record_print_batch(scope, actor, &record, &members)
        .await?;
    p.letters_record = t.elapsed();

    // (b), as send_due does it with the local outbox.
    let mut checked = false;
    loop {
        let t = Instant::now();
        let due = store.claim_due_gp_messages(500).await?;
        p.gp_claim += t.elapsed();
        if due.is_empty() {
            break;
        }
        for o in &due {
            let t = Instant::now();
            let pdf = delivery::render::letter_pdf(o)?;
            p.gp_letter_pdf += t.elapsed();
            let t = Instant::now();
            let body = delivery::render::gp_message(o, &pdf);
            p.gp_bundle += t.elapsed();
            if !checked {
                // What goes out reads back as our result message.
                let summary = gp_message::summarise(&body)?;
                if summary.bundle_id != o.delivery_id {
                    bail!("the GP message's bundle id is not the delivery's");
                }
                checked = true;
            }
            let t = Instant::now();
            let path = dir.join(format!("{}.json", o.delivery_id));
            delivery::write_whole(&path, &body)?;
            p.gp_write += t.elapsed();
            let t = Instant::now();
            store
                .record_delivery(
                    Scope {
                        provider_id: o.provider_id,
                    },
                    actor,
                    o.delivery_id,
                    DeliveryEvent::Accepted,
                    DeliveryChange {
                        detail: format!("Put in the local outbox ({})", path.display()),
                        mesh_mailbox: Some(delivery::send::LOCAL_MAILBOX.to_owned()),
                        mesh_message_id: Some(format!("local-{}", o.delivery_id)),
                        // delivery hashes the body here (~0.1 ms); a fixed one will do.
                        sha256: Some(batch.manifest.sha256.clone()),
                        ..DeliveryChange::default()
                    },
                )
                .await?;
            p.gp_record += t.elapsed();
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(p)
}

/// Letters and GP messages of the run in `state`.
async fn count_deliveries(pool: &AnyPool, state: &str) -> anyhow::Result<(i64, i64)> {
    let rows = sqlx::query(
        "SELECT channel, COUNT(*) AS n FROM result_deliveries WHERE state = $1 GROUP BY channel",
    )
    .bind(state)
    .fetch_all(pool)
    .await?;
    let mut out = (0, 0);
    for r in rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("channel")?.as_str() {
            "letter" => out.0 = n,
            _ => out.1 = n,
        }
    }
    Ok(out)
}

/// Planner statistics after the bulk load, as autovacuum would gather them (the store's
/// own refresh leaves out the delivery tables on PostgreSQL).
async fn analyse(store: &Store, pool: &AnyPool) -> anyhow::Result<()> {
    store.refresh_statistics().await?;
    if store.backend() == Backend::Postgres {
        pool.execute(
            "ANALYZE results, result_deliveries, result_delivery_history, participants, episodes",
        )
        .await?;
    }
    Ok(())
}

/// Sums the sizes of the files ending in `.ext` under `dir`.
fn dir_bytes(dir: &Path, ext: &str) -> u64 {
    let mut total = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == ext) {
                total += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The process's peak resident memory since the last reset, in KiB (Linux: `VmHWM`).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The CPU time this process has used (user and system, all threads).
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which is in parentheses: utime and stime are
            // the 12th and 13th, in clock ticks (100 a second on Linux).
            let rest = stat.rsplit_once(')')?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The 1-minute load average (other work on the machine shares its 2 cores).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Starts the peak over from the current resident memory (Linux: "5" to `clear_refs`), so
/// each phase's peak is its own.
fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}
