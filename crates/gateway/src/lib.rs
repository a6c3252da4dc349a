//! The DICOM gateway that runs on the hospital network next to the x-ray machines.
//!
//! It offers C-ECHO, Modality Worklist C-FIND, MPPS N-CREATE / N-SET and C-STORE to the
//! modalities, keeps a local copy of the worklist pulled from the central service, and
//! forwards image metadata with thumbnails, MPPS events and health echoes through a durable
//! local queue (ADR 11, ADR 12).
//!
//! - [`dimse`]: DIMSE command sets and P-DATA fragmentation, written once.
//! - [`scp`]: listeners, association negotiation and the service handlers.
//! - [`ingest`] and [`thumbnail`]: one image from bytes to file, metadata and thumbnail.
//! - [`worklist`]: C-FIND matching and responses.
//! - [`db`]: the local SQLite database; [`forward`]: delivery, worklist pull, health.

pub mod bounds;
pub mod db;
pub mod dimse;
pub mod forward;
pub mod ingest;
pub mod scp;
pub mod thumbnail;
pub mod worklist;

use anyhow::Context;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The gateway's settings (flags or environment variables).
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// The AE title modalities call.
    #[arg(long, env = "GATEWAY_AE_TITLE", default_value = "SCREENING")]
    pub ae_title: String,
    /// The DICOM port offering every service (unless split off below).
    #[arg(long, env = "GATEWAY_PORT", default_value_t = 11112)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, env = "GATEWAY_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Calling AE titles allowed to associate (comma-separated); empty allows any.
    #[arg(
        long = "allow-calling-ae",
        env = "GATEWAY_ALLOWED_CALLING_AE",
        value_delimiter = ','
    )]
    pub allowed_calling_ae: Vec<String>,
    /// Offer storage (C-STORE) on this port instead of the main one.
    #[arg(long, env = "GATEWAY_STORAGE_PORT")]
    pub storage_port: Option<u16>,
    /// AE title of the separate storage listener (default: the main AE title).
    #[arg(long, env = "GATEWAY_STORAGE_AE_TITLE")]
    pub storage_ae_title: Option<String>,
    /// Offer worklist and MPPS on this port instead of the main one.
    #[arg(long, env = "GATEWAY_WORKLIST_PORT")]
    pub worklist_port: Option<u16>,
    /// AE title of the separate worklist/MPPS listener (default: the main AE title).
    #[arg(long, env = "GATEWAY_WORKLIST_AE_TITLE")]
    pub worklist_ae_title: Option<String>,
    /// Where received images are kept.
    #[arg(
        long,
        env = "GATEWAY_STORAGE_DIR",
        default_value = "data/gateway/images"
    )]
    pub storage_dir: PathBuf,
    /// The gateway's own SQLite database (queue, worklist copy).
    #[arg(
        long,
        env = "GATEWAY_DATABASE",
        default_value = "data/gateway/gateway.db"
    )]
    pub database: PathBuf,
    /// The central service's base URL.
    #[arg(
        long,
        env = "GATEWAY_CENTRAL_URL",
        default_value = "http://localhost:8000"
    )]
    pub central_url: String,
    /// This gateway's bearer token for the central service.
    #[arg(
        long,
        env = "GATEWAY_TOKEN",
        hide_env_values = true,
        default_value = ""
    )]
    pub token: String,
    /// Seconds between health echoes (0: none).
    #[arg(long, env = "GATEWAY_ECHO_SECONDS", default_value_t = 60)]
    pub echo_seconds: u64,
    /// Seconds the worklist long poll may wait (0-25).
    #[arg(long, env = "GATEWAY_WORKLIST_WAIT", default_value_t = 25)]
    pub worklist_wait: u32,
    /// The largest PDU the gateway accepts (announced at association).
    #[arg(long, env = "GATEWAY_MAX_PDU", default_value_t = 1_048_576)]
    pub max_pdu: u32,
    /// Long side of thumbnails, in pixels.
    #[arg(long, env = "GATEWAY_THUMBNAIL_SIZE", default_value_t = 512)]
    pub thumbnail_size: u32,
}

impl Config {
    /// Settings for tests and the demo: every port chosen by the system.
    pub fn local(dir: &std::path::Path, central_url: &str, token: &str) -> Config {
        Config {
            ae_title: "SCREENING".into(),
            port: 0,
            host: IpAddr::from([127, 0, 0, 1]),
            allowed_calling_ae: Vec::new(),
            storage_port: None,
            storage_ae_title: None,
            worklist_port: None,
            worklist_ae_title: None,
            storage_dir: dir.join("images"),
            database: dir.join("gateway.db"),
            central_url: central_url.into(),
            token: token.into(),
            echo_seconds: 60,
            worklist_wait: 25,
            max_pdu: 1_048_576,
            thumbnail_size: 512,
        }
    }
}

/// A running gateway.
pub struct Gateway {
    pub listeners: Vec<scp::Listener>,
    pub shared: Arc<scp::Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    thumbnails_stop: Arc<std::sync::atomic::AtomicBool>,
    thumbnails: Option<std::thread::JoinHandle<()>>,
}

impl Gateway {
    /// The port of the main listener.
    pub fn port(&self) -> u16 {
        self.listeners.first().map(|l| l.addr.port()).unwrap_or(0)
    }

    /// Stops listening and stops the background tasks (the queue stays on disk).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for l in &mut self.listeners {
            l.stop();
        }
        for t in self.tasks.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        self.thumbnails_stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thumbnails.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

/// Starts the listeners and background tasks. Must run inside a Tokio runtime.
pub async fn start(config: Config) -> anyhow::Result<Gateway> {
    std::fs::create_dir_all(&config.storage_dir)
        .with_context(|| format!("creating {}", config.storage_dir.display()))?;
    let db = db::Db::create(&config.database)
        .with_context(|| format!("opening {}", config.database.display()))?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let shared = Arc::new(scp::Shared {
        db: db.clone(),
        storage_dir: config.storage_dir.clone(),
        allowed_calling_ae: config
            .allowed_calling_ae
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        max_pdu: config.max_pdu.max(16_384),
        thumbnail_side: config.thumbnail_size.clamp(64, 2048),
        wake: wake.clone(),
        thumbnail_ms: Mutex::new(Vec::new()),
        thumbnail_signal: (Mutex::new(0), std::sync::Condvar::new()),
    });
    let thumbnails_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let thumbnails = {
        let (shared, stop) = (shared.clone(), thumbnails_stop.clone());
        std::thread::Builder::new()
            .name("thumbnails".into())
            .spawn(move || scp::thumbnail_worker(shared, stop))?
    };
    let main_services = scp::Services {
        find: config.worklist_port.is_none(),
        mpps: config.worklist_port.is_none(),
        store: config.storage_port.is_none(),
    };
    let mut specs = vec![scp::ListenerSpec {
        ae_title: config.ae_title.clone(),
        bind: SocketAddr::new(config.host, config.port),
        services: main_services,
    }];
    if let Some(p) = config.storage_port {
        specs.push(scp::ListenerSpec {
            ae_title: config
                .storage_ae_title
                .clone()
                .unwrap_or(config.ae_title.clone()),
            bind: SocketAddr::new(config.host, p),
            services: scp::Services {
                find: false,
                mpps: false,
                store: true,
            },
        });
    }
    if let Some(p) = config.worklist_port {
        specs.push(scp::ListenerSpec {
            ae_title: config
                .worklist_ae_title
                .clone()
                .unwrap_or(config.ae_title.clone()),
            bind: SocketAddr::new(config.host, p),
            services: scp::Services {
                find: true,
                mpps: true,
                store: false,
            },
        });
    }
    let mut listeners = Vec::new();
    for spec in specs {
        let bind = spec.bind;
        let l =
            scp::listen(spec, shared.clone()).with_context(|| format!("listening on {bind}"))?;
        tracing::info!(
            ae_title = l.ae_title,
            port = l.addr.port(),
            "DICOM gateway listening"
        );
        listeners.push(l);
    }
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let central = forward::Central::new(&config.central_url, &config.token)?;
    let mut tasks = vec![
        tokio::spawn(forward::deliver(
            db.clone(),
            central.clone(),
            wake.clone(),
            stop_rx.clone(),
        )),
        tokio::spawn(forward::pull_worklist(
            db.clone(),
            central,
            stop_rx.clone(),
            config.worklist_wait.min(25),
        )),
    ];
    if config.echo_seconds > 0
        && let Some(main) = listeners.first()
    {
        tasks.push(tokio::spawn(forward::health(
            db,
            wake,
            main.addr.to_string(),
            main.ae_title.clone(),
            Duration::from_secs(config.echo_seconds),
            stop_rx,
        )));
    }
    Ok(Gateway {
        listeners,
        shared,
        stop,
        tasks,
        thumbnails_stop,
        thumbnails: Some(thumbnails),
    })
}

/// Runs the gateway until Ctrl-C.
pub async fn run(config: Config) -> anyhow::Result<()> {
    if config.token.is_empty() {
        tracing::warn!(
            "no GATEWAY_TOKEN: the central service will refuse deliveries (they stay queued)"
        );
    }
    let gw = start(config).await?;
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("stopping the gateway");
    gw.shutdown().await;
    Ok(())
}
