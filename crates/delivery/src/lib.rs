//! Sends results out (issue 13, ADR 28). The store queues a letter and a GP message for
//! every result in the transaction that issues it (`store::deliveries`); this crate makes
//! them:
//!
//! - [`render`]: a queued delivery as a participant letter (PDF, `letters`) and a GP
//!   message (FHIR message bundle with the letter attached, `gp-message`). Both come
//!   from the same result record.
//! - [`print`]: the day's print batch per provider, one PDF and its manifest in the print
//!   folder.
//! - [`send`]: GP messages over MESH (`mesh`), with the practice's mailbox found by
//!   endpoint lookup, retries with backoff, and exactly-once sending by local id; or, with
//!   no MESH set up, into a local outbox folder the office can browse.
//! - [`acks`]: the practice's business acknowledgements from our inbox and MESH's
//!   tracking of what we sent (the infrastructure acknowledgement).
//! - [`worker`]: runs them on a timer inside the service.

pub mod acks;
pub mod print;
pub mod render;
pub mod send;
pub mod worker;

pub(crate) use letters::sha256_hex;

use std::path::PathBuf;
use std::time::Duration;

/// How results go out.
#[derive(Debug, Clone)]
pub struct Settings {
    /// MESH, if set up (`MESH_URL`); otherwise GP messages go to [`Settings::gp_outbox_dir`].
    pub mesh: Option<MeshSettings>,
    /// Letters' print batches go here, a folder per provider.
    pub print_dir: PathBuf,
    /// With no MESH: GP messages are written here, a folder per practice.
    pub gp_outbox_dir: PathBuf,
    /// GP messages not acknowledged after this many days go on the failsafe list.
    pub ack_days: i64,
    /// How often the sender looks for due GP messages and acknowledgements.
    pub send_interval: Duration,
    /// The time of day (London) after which the day's print batch is made, "HH:MM".
    pub print_batch_at: time::Time,
}

/// Where our MESH mailbox is.
#[derive(Clone)]
pub struct MeshSettings {
    pub url: String,
    pub mailbox_id: String,
    pub password: String,
    pub shared_key: String,
    /// The workflow id of GP result messages; the practice's mailbox is looked up for it.
    pub workflow_id: String,
    /// Bodies above this go in chunks (MESH's limit is 20 MiB; tests set it lower).
    pub chunk_size: usize,
}

impl std::fmt::Debug for MeshSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeshSettings")
            .field("url", &self.url)
            .field("mailbox_id", &self.mailbox_id)
            .field("workflow_id", &self.workflow_id)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Local defaults: no MESH, print and GP outbox folders under `dir`.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Settings {
            mesh: None,
            print_dir: dir.join("print"),
            gp_outbox_dir: dir.join("gp-outbox"),
            ack_days: 3,
            send_interval: Duration::from_secs(10),
            print_batch_at: time::macros::time!(17:00),
        }
    }

    /// The MESH client these settings describe, if MESH is set up.
    pub fn mesh_client(&self) -> Result<Option<mesh::MeshClient>, mesh::MeshError> {
        self.mesh
            .as_ref()
            .map(|m| {
                let mut config = mesh::MeshConfig::new(
                    m.url.clone(),
                    m.mailbox_id.clone(),
                    m.password.clone(),
                    m.shared_key.clone(),
                );
                config.chunk_size = m.chunk_size;
                mesh::MeshClient::new(config)
            })
            .transpose()
    }
}

/// Why a delivery could not be made now.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("the letter could not be rendered: {0}")]
    Letter(#[from] letters::LetterError),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Mesh(#[from] mesh::MeshError),
}

/// Writes a file so that it is either whole or absent: to a temporary name beside it,
/// flushed to disk, then renamed.
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("partial");
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}
