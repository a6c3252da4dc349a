//! `screening`: the breast screening service's one binary.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use domain::Role;
use std::net::SocketAddr;
use std::time::Duration;
use store::{Actor, NewUser, Store};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

mod otlp;

#[derive(Parser)]
#[command(
    name = "screening",
    version,
    about = "Manage breast screening: the service and its tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// sqlite://path or postgres://user@host/db. The default is an embedded SQLite file.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/screening.db?mode=rwc"
    )]
    database_url: String,
    /// PostgreSQL schema to keep the tables in (default: the connection's search_path).
    #[arg(long, env = "DATABASE_SCHEMA")]
    database_schema: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (pages and /api/v1).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Load demonstration data (dated relative to today) if it is not loaded yet.
    Demo(DbArgs),
    /// Manage users and their roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Issue API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Register a DICOM gateway for a provider and print its token (shown once).
    GatewayToken(GatewayTokenArgs),
    /// Run the DICOM gateway next to the x-ray machines (worklist, MPPS, storage).
    Gateway(gateway::Config),
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000")]
    bind: SocketAddr,
    /// Demo mode: load demo data if missing and offer persona sign-in. Never in production.
    #[arg(long, env = "DEMO_MODE")]
    demo: bool,
    /// The address people use to reach the service (OpenID Connect redirects go here).
    #[arg(long, env = "PUBLIC_URL", default_value = "http://localhost:8000")]
    public_url: String,
    /// OpenID Connect issuer (NHS CIS2 in production). Sign-in through it is off if unset.
    #[arg(long, env = "OIDC_ISSUER_URL")]
    oidc_issuer_url: Option<String>,
    #[arg(
        long,
        env = "OIDC_CLIENT_ID",
        default_value = "manage-breast-screening"
    )]
    oidc_client_id: String,
    #[arg(long, env = "OIDC_CLIENT_SECRET")]
    oidc_client_secret: Option<String>,
    /// Extra scopes, space-separated.
    #[arg(long, env = "OIDC_SCOPES", default_value = "profile email")]
    oidc_scopes: String,
    /// Allow session cookies over plain HTTP on hosts other than localhost. Testing only.
    #[arg(long, env = "INSECURE_COOKIES")]
    insecure_cookies: bool,
    /// Minutes of inactivity before a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 15)]
    session_idle_minutes: u64,
    /// Seconds between the runs that settle image reads which have become final (results
    /// and referrals reach the office within this of falling due).
    #[arg(long, env = "READING_SETTLE_SECONDS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    reading_settle_seconds: u64,
    /// Seconds a client has to send a whole request head (from connecting, or from its
    /// previous response); an idle or half-sent connection is closed after this.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    header_read_timeout_seconds: u64,
    /// Seconds a request body has to arrive (408 after this).
    #[arg(long, env = "BODY_READ_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    body_read_timeout_seconds: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 2048,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections: u64,
    #[command(flatten)]
    results: ResultsArgs,
    /// Tests only: hold every outbox delivery (after the commit and by the dispatcher), to
    /// stop the service between a commit and its deliveries (ADR 18).
    #[arg(long, env = "SCREENING_OUTBOX_HOLD_FOR_TESTS", hide = true)]
    outbox_hold_for_tests: bool,
}

/// How results reach participants and GP practices (issue 13).
#[derive(Args)]
struct ResultsArgs {
    /// The MESH server. Unset: GP messages go to a local outbox folder instead.
    #[arg(long, env = "MESH_URL")]
    mesh_url: Option<String>,
    /// Our MESH mailbox id.
    #[arg(long, env = "MESH_MAILBOX_ID", default_value = "")]
    mesh_mailbox_id: String,
    /// Our MESH mailbox password.
    #[arg(
        long,
        env = "MESH_MAILBOX_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    mesh_mailbox_password: String,
    /// The MESH environment's shared key (the HMAC key of the authorisation header).
    #[arg(
        long,
        env = "MESH_SHARED_KEY",
        default_value = "",
        hide_env_values = true
    )]
    mesh_shared_key: String,
    /// The MESH workflow id of GP result messages (the practice's mailbox is looked up for it).
    #[arg(
        long,
        env = "MESH_WORKFLOW_ID",
        default_value = "BREAST_SCREENING_RESULT"
    )]
    mesh_workflow_id: String,
    /// MESH messages larger than this many bytes are sent in chunks.
    #[arg(long, env = "MESH_CHUNK_BYTES", default_value_t = 20 * 1024 * 1024)]
    mesh_chunk_bytes: usize,
    /// Where letters' print batches and (without MESH) GP messages are written.
    #[arg(long, env = "RESULTS_DIR", default_value = "data")]
    results_dir: std::path::PathBuf,
    /// GP messages not acknowledged after this many days go on the failsafe list.
    #[arg(long, env = "RESULTS_ACK_DAYS", default_value_t = 3,
          value_parser = clap::value_parser!(i64).range(1..=60))]
    results_ack_days: i64,
    /// Seconds between the runs that send GP messages and read acknowledgements.
    #[arg(long, env = "RESULTS_SEND_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    results_send_seconds: u64,
    /// The time of day (London, HH:MM) after which each day's print batch is made.
    #[arg(long, env = "PRINT_BATCH_AT", default_value = "17:00", value_parser = parse_hhmm)]
    print_batch_at: time::Time,
    /// Do not run the results worker in this process (another instance runs it).
    #[arg(long, env = "RESULTS_WORKER_OFF")]
    results_worker_off: bool,
}

fn parse_hhmm(s: &str) -> Result<time::Time, String> {
    time::Time::parse(s, time::macros::format_description!("[hour]:[minute]"))
        .map_err(|_| format!("{s:?} is not a time of day as HH:MM, for example 17:00"))
}

impl ResultsArgs {
    fn settings(&self) -> anyhow::Result<delivery::Settings> {
        let mut s = delivery::Settings::local(&self.results_dir);
        s.ack_days = self.results_ack_days;
        s.send_interval = Duration::from_secs(self.results_send_seconds);
        s.print_batch_at = self.print_batch_at;
        if let Some(url) = self.mesh_url.as_deref().filter(|u| !u.trim().is_empty()) {
            for (name, value) in [
                ("MESH_MAILBOX_ID", &self.mesh_mailbox_id),
                ("MESH_MAILBOX_PASSWORD", &self.mesh_mailbox_password),
                ("MESH_SHARED_KEY", &self.mesh_shared_key),
                ("MESH_WORKFLOW_ID", &self.mesh_workflow_id),
            ] {
                if value.trim().is_empty() {
                    bail!("MESH_URL is set, so {name} must be set too");
                }
            }
            s.mesh = Some(delivery::MeshSettings {
                url: url.to_owned(),
                mailbox_id: self.mesh_mailbox_id.clone(),
                password: self.mesh_mailbox_password.clone(),
                shared_key: self.mesh_shared_key.clone(),
                workflow_id: self.mesh_workflow_id.clone(),
                chunk_size: self.mesh_chunk_bytes.max(1024),
            });
        }
        Ok(s)
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user, optionally granting roles as PROVIDER_CODE:role (clinical, reader, administrative).
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The user's OpenID Connect subject, if known (otherwise linked by email at first sign-in).
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        system_admin: bool,
        #[arg(long = "role", value_name = "PROVIDER:ROLE")]
        roles: Vec<String>,
    },
    /// Grant an existing user a role at a provider.
    Grant {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long = "role", value_name = "PROVIDER:ROLE", required = true)]
        roles: Vec<String>,
    },
    /// List users and their roles.
    List(DbArgs),
}

#[derive(Args)]
struct GatewayTokenArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The provider's code, for example DMO1.
    #[arg(long)]
    provider: String,
    /// A name for the gateway, unique at the provider.
    #[arg(long)]
    name: String,
    /// A room it serves, by name or AE title (repeat for more). Rooms it serves use the
    /// automatic image flow.
    #[arg(long = "room")]
    rooms: Vec<String>,
    /// When the provider issues worklist items: `images` (on reaching "Take mammogram
    /// images", the default) or `checked_in`.
    #[arg(long)]
    issue_worklist_at: Option<String>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token acting as a user (with their roles) or as a named system (with the roles given).
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        provider: String,
        #[arg(long, conflicts_with = "system")]
        user: Option<String>,
        #[arg(long)]
        system: Option<String>,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let (otlp, exporting) = match otlp::layer()? {
        Some((layer, exporting)) => (Some(layer), Some(exporting)),
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer())
        .with(otlp)
        .init();
    let result = run(Cli::parse().command).await;
    if let Some(exporting) = exporting {
        // The batch exporter sends from its own thread with a blocking client.
        tokio::task::spawn_blocking(move || exporting.shutdown()).await?;
    }
    result
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(db) => {
            open(&db).await?;
            println!("Migrations applied.");
            Ok(())
        }
        Command::Demo(db) => {
            let store = open(&db).await?;
            let s = demo::load(&store, today()).await?;
            println!(
                "Demo data: {} providers, {} users, {} participants, {} clinics, {} appointments added.",
                s.providers, s.users, s.participants, s.clinics, s.appointments
            );
            Ok(())
        }
        Command::User { command } => user(command).await,
        Command::Token { command } => token(command).await,
        Command::GatewayToken(args) => gateway_token(args).await,
        Command::Gateway(config) => gateway::run(config).await,
    }
}

fn today() -> time::Date {
    domain::dates::london_date(time::OffsetDateTime::now_utc())
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    if let Some(path) = db.database_url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
        }
    }
    Store::open_in_schema(&db.database_url, db.database_schema.as_deref())
        .await
        .with_context(|| "opening the database")
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = open(&args.db).await?;
    if args.outbox_hold_for_tests {
        tracing::warn!("outbox deliveries are held (a test setting)");
        store.hold_outbox_for_tests(true);
    }
    if args.demo {
        let s = demo::load(&store, today()).await?;
        if s.providers > 0 {
            tracing::info!(
                participants = s.participants,
                clinics = s.clinics,
                "demo data loaded"
            );
        }
    }
    let mut config = web::Config::local(args.db.database_url.clone());
    config.bind = args.bind;
    config.database_schema = args.db.database_schema.clone();
    config.demo_mode = args.demo;
    config.public_url = args.public_url;
    config.secure_cookies = !args.insecure_cookies;
    config.session_idle_timeout = Duration::from_secs(args.session_idle_minutes * 60);
    config.reading_settle_interval = Duration::from_secs(args.reading_settle_seconds);
    config.results = args.results.settings()?;
    config.results_worker = !args.results.results_worker_off;
    config.limits = web::server::Limits {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds),
        body_read_timeout: Duration::from_secs(args.body_read_timeout_seconds),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        ..web::server::Limits::default()
    };
    config.oidc = args.oidc_issuer_url.map(|issuer_url| web::OidcSettings {
        issuer_url,
        client_id: args.oidc_client_id,
        client_secret: args.oidc_client_secret,
        scopes: args
            .oidc_scopes
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    });
    if !config.static_dir.join("vendor").exists() {
        tracing::warn!(dir = %config.static_dir.display(), "front-end assets are missing: run `make assets`");
    }
    let demo_gateway_token = match args.demo {
        true => store.ensure_demo_gateway("DMO1").await?,
        false => None,
    };
    let state = web::AppState::with_store(config.clone(), store).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    tracing::info!("Manage breast screening at {}", config.public_url);
    let demo_gateway = match demo_gateway_token {
        Some(token) => start_demo_gateway(config.bind, &token).await,
        None => None,
    };
    let limits = config.limits;
    web::server::serve(listener, web::app(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    if let Some(g) = demo_gateway {
        g.shutdown().await;
    }
    Ok(())
}

/// Demo mode: a DICOM gateway for the demo provider in this process (data/gateway), so
/// dcmtk can query its worklist and send it images at once. GATEWAY_PORT picks the port.
async fn start_demo_gateway(bind: SocketAddr, token: &str) -> Option<gateway::Gateway> {
    let central = format!("http://{bind}");
    let mut config = gateway::Config::local(std::path::Path::new("data/gateway"), &central, token);
    config.port = std::env::var("GATEWAY_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(11112);
    match gateway::start(config).await {
        Ok(g) => {
            let port = g.port();
            tracing::info!(
                "Demo DICOM gateway: AE title SCREENING on port {port} (try: echoscu -aec SCREENING localhost {port})"
            );
            Some(g)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the demo DICOM gateway did not start");
            None
        }
    }
}

fn parse_grant(s: &str) -> anyhow::Result<(String, Role)> {
    let Some((provider, role)) = s.split_once(':') else {
        bail!("role grants look like PROVIDER_CODE:role, for example DMO1:clinical (got {s:?})");
    };
    let role: Role = role
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}: use clinical, reader or administrative"))?;
    Ok((provider.to_owned(), role))
}

async fn grant_all(
    store: &Store,
    actor: &Actor,
    user_id: uuid::Uuid,
    grants: &[String],
) -> anyhow::Result<()> {
    for g in grants {
        let (code, role) = parse_grant(g)?;
        let provider = store
            .provider_by_code(&code)
            .await
            .with_context(|| format!("no provider with code {code}"))?;
        store.grant_role(actor, user_id, provider.id, role).await?;
        println!(
            "Granted {} at {} ({}).",
            role.label(),
            provider.name,
            provider.code
        );
    }
    Ok(())
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::system("command line");
    match command {
        UserCommand::Create {
            db,
            email,
            name,
            subject,
            system_admin,
            roles,
        } => {
            for g in &roles {
                parse_grant(g)?;
            }
            let store = open(&db).await?;
            let user = store
                .create_user(
                    &actor,
                    NewUser {
                        email: &email,
                        name: &name,
                        oidc_subject: subject.as_deref(),
                        is_system_admin: system_admin,
                    },
                )
                .await?;
            println!("Created user {} <{}> ({}).", user.name, user.email, user.id);
            grant_all(&store, &actor, user.id, &roles).await
        }
        UserCommand::Grant { db, email, roles } => {
            for g in &roles {
                parse_grant(g)?;
            }
            let store = open(&db).await?;
            let user = store
                .user_by_email(&email)
                .await
                .with_context(|| format!("no user with email {email}"))?;
            grant_all(&store, &actor, user.id, &roles).await
        }
        UserCommand::List(db) => {
            let store = open(&db).await?;
            for u in store.users().await? {
                let roles = store.user_with_roles(u.id).await?;
                let list: Vec<String> = roles
                    .roles
                    .iter()
                    .map(|(p, r)| format!("{}:{}", p.code, r.as_str()))
                    .collect();
                println!(
                    "{}\t{}\t{}{}",
                    u.email,
                    u.name,
                    list.join(","),
                    if u.is_system_admin {
                        "\tsystem admin"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        db,
        provider,
        user,
        system,
        roles,
    } = command;
    let store = open(&db).await?;
    let provider = store
        .provider_by_code(&provider)
        .await
        .with_context(|| format!("no provider with code {provider}"))?;
    let actor = Actor::system("command line");
    let secret = match (user, system) {
        (Some(email), None) => {
            let u = store
                .user_by_email(&email)
                .await
                .with_context(|| format!("no user with email {email}"))?;
            store
                .create_api_token(&actor, provider.id, Some(u.id), &u.name, &[])
                .await?
        }
        (None, Some(name)) => {
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>().map_err(|e| anyhow::anyhow!("{e}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if roles.is_empty() {
                bail!("a system token needs at least one --role");
            }
            store
                .create_api_token(&actor, provider.id, None, &name, &roles)
                .await?
        }
        _ => bail!("give either --user EMAIL or --system NAME"),
    };
    println!("{secret}");
    Ok(())
}

async fn gateway_token(args: GatewayTokenArgs) -> anyhow::Result<()> {
    let store = open(&args.db).await?;
    let provider = store
        .provider_by_code(&args.provider)
        .await
        .with_context(|| format!("no provider with code {}", args.provider))?;
    let scope = store::Scope {
        provider_id: provider.id,
    };
    let all = store.rooms(scope).await?;
    let mut rooms = Vec::new();
    for wanted in &args.rooms {
        let found: Vec<_> = all
            .iter()
            .filter(|r| r.name == *wanted || r.ae_title == *wanted)
            .collect();
        match found.as_slice() {
            [one] => rooms.push(one.id),
            [] => bail!(
                "no room named or with AE title {wanted:?} at {}",
                provider.code
            ),
            _ => bail!("several rooms are named {wanted:?}: give the AE title instead"),
        }
    }
    let trigger = args
        .issue_worklist_at
        .as_deref()
        .map(|t| {
            t.parse::<domain::gateway::WorklistTrigger>()
                .map_err(|e| anyhow::anyhow!("{e}: use images or checked_in"))
        })
        .transpose()?;
    let actor = Actor::system("command line");
    let (_, token) = store
        .register_gateway(scope, &actor, &args.name, &rooms)
        .await?;
    if let Some(trigger) = trigger {
        store.set_worklist_trigger(scope, &actor, trigger).await?;
    }
    println!("{token}");
    Ok(())
}
