//! The DICOM listeners: association negotiation (AE titles, services, transfer syntaxes)
//! and the service handlers (C-ECHO, worklist C-FIND with C-CANCEL, C-STORE, MPPS N-CREATE
//! and N-SET). One thread per association; the ingest work of an image (parse, thumbnail,
//! durable file, queue row) finishes before its C-STORE response is sent.

use crate::db::{self, Db, MppsRecord};
use crate::dimse::{self, Assembler, Command, Message, field, status};
use crate::ingest::{self, Refusal};
use crate::worklist;
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::Pdu;
use dicom_ul::association::server::AccessControl;
use dicom_ul::association::{ServerAssociation, ServerAssociationOptions};
use dicom_ul::pdu::{
    AssociationRJServiceUserReason, PresentationContextResultReason, UserIdentity,
};
use gateway_protocol::{EventBody, GatewayEvent, MppsEvent, PerformedSeries};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub const VERIFICATION: &str = "1.2.840.10008.1.1";
pub const MODALITY_WORKLIST_FIND: &str = "1.2.840.10008.5.1.4.31";
pub const MPPS: &str = "1.2.840.10008.3.1.2.3.3";

/// Transfer syntaxes accepted, in order of preference when a peer offers several.
pub const TRANSFER_SYNTAXES: [&str; 7] = [
    "1.2.840.10008.1.2.4.70", // JPEG Lossless SV1
    "1.2.840.10008.1.2.4.57", // JPEG Lossless
    "1.2.840.10008.1.2.1",    // Explicit VR Little Endian
    "1.2.840.10008.1.2",      // Implicit VR Little Endian
    "1.2.840.10008.1.2.5",    // RLE Lossless
    "1.2.840.10008.1.2.4.50", // JPEG Baseline
    "1.2.840.10008.1.2.4.51", // JPEG Extended
];

/// Which services a listener offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Services {
    pub find: bool,
    pub mpps: bool,
    pub store: bool,
}

impl Services {
    pub const ALL: Services = Services {
        find: true,
        mpps: true,
        store: true,
    };
}

#[derive(Debug, Clone)]
pub struct ListenerSpec {
    pub ae_title: String,
    pub bind: SocketAddr,
    pub services: Services,
}

/// What every association shares.
pub struct Shared {
    pub db: Db,
    pub storage_dir: PathBuf,
    pub allowed_calling_ae: Vec<String>,
    pub max_pdu: u32,
    pub thumbnail_side: u32,
    /// Wakes the delivery worker.
    pub wake: Arc<tokio::sync::Notify>,
    /// Thumbnail times in milliseconds (for the benchmark and the status).
    pub thumbnail_ms: Mutex<Vec<f64>>,
    /// Wakes the deferred-thumbnail worker (a counter and its condition variable).
    pub thumbnail_signal: (Mutex<u64>, std::sync::Condvar),
}

impl Shared {
    fn signal_thumbnails(&self) {
        if let Ok(mut n) = self.thumbnail_signal.0.lock() {
            *n += 1;
        }
        self.thumbnail_signal.1.notify_all();
    }
}

/// Runs the calling thread at a lower CPU priority (nice 10) so that deferred thumbnails
/// never slow down receiving images.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority and gettid take plain integers and touch no memory of ours;
    // for PRIO_PROCESS with a thread id, Linux changes only this thread's nice value.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

/// Makes the deferred thumbnails (images in compressed transfer syntaxes), oldest first,
/// completes their queued events and wakes the delivery worker. Also
/// finishes, after a restart, any that were pending when the gateway stopped.
pub fn thumbnail_worker(shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let conn = match shared.db.connect() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "thumbnails: the gateway database cannot be opened");
            return;
        }
    };
    lower_priority();
    let batch_size = 1;
    let mut seen = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let batch = match db::pending_thumbnails(&conn, batch_size) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "thumbnails: cannot read the queue");
                Vec::new()
            }
        };
        if batch.is_empty() {
            let (lock, cv) = &shared.thumbnail_signal;
            if let Ok(n) = lock.lock() {
                if *n == seen {
                    let _ = cv
                        .wait_timeout(n, Duration::from_millis(500))
                        .map(|(n, _)| seen = *n);
                } else {
                    seen = *n;
                }
            }
            continue;
        }
        // One at a time on this low-priority thread: receiving images comes first, and the
        // thumbnails catch up between them.
        let done: Vec<(i64, String)> = batch
            .iter()
            .map(|(seq, path, body)| {
                let mut event = serde_json::from_str::<GatewayEvent>(body);
                match ingest::thumbnail_of_file(std::path::Path::new(path), shared.thumbnail_side) {
                    Ok((t, ms)) => {
                        tracing::info!(seq, thumbnail_ms = ms, "thumbnail made");
                        if let Ok(mut v) = shared.thumbnail_ms.lock() {
                            v.push(ms);
                        }
                        if let Ok(GatewayEvent {
                            body: EventBody::Image(image),
                            ..
                        }) = &mut event
                        {
                            image.thumbnail = Some(t);
                        }
                    }
                    Err(r) => tracing::warn!(seq, refusal = %r, "no thumbnail for a stored image"),
                }
                // An event this gateway cannot read back is sent as it was queued.
                let body = match event.and_then(|e| serde_json::to_string(&e)) {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(seq, error = %e, "thumbnails: a queued event cannot be read");
                        body.clone()
                    }
                };
                (*seq, body)
            })
            .collect();
        for (seq, body) in done {
            if let Err(e) = db::thumbnail_done(&conn, seq, &body) {
                tracing::error!(error = %e, "thumbnails: cannot update the queue");
            }
        }
        shared.wake.notify_one();
    }
}

struct Access {
    ae_title: String,
    allowed: Vec<String>,
}

impl AccessControl for Access {
    fn check_access(
        &self,
        _this: &str,
        calling: &str,
        called: &str,
        _user: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        if called.trim() != self.ae_title {
            return Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized);
        }
        let calling = calling.trim();
        // The gateway's own health check calls with its own AE title.
        if !self.allowed.is_empty()
            && calling != self.ae_title
            && !self.allowed.iter().any(|a| a == calling)
        {
            return Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized);
        }
        Ok(())
    }
}

/// A running listener.
pub struct Listener {
    pub ae_title: String,
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Stops accepting associations (those in progress finish on their own).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds and starts a listener thread.
pub fn listen(spec: ListenerSpec, shared: Arc<Shared>) -> std::io::Result<Listener> {
    let listener = TcpListener::bind(spec.bind)?;
    let mut addr = listener.local_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let ae = spec.ae_title.clone();
    let thread = std::thread::Builder::new()
        .name(format!("dicom-{}", addr.port()))
        .spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let shared = shared.clone();
                let spec = spec.clone();
                let _ = std::thread::Builder::new()
                    .name("dicom-association".into())
                    .spawn(move || serve_association(stream, &spec, &shared));
            }
        })?;
    Ok(Listener {
        ae_title: ae,
        addr,
        stop,
        thread: Some(thread),
    })
}

fn serve_association(stream: TcpStream, spec: &ListenerSpec, shared: &Shared) {
    let peer = stream.peer_addr().ok();
    let _ = stream.set_nodelay(true);
    let mut options = ServerAssociationOptions::new()
        .ae_access_control(Access {
            ae_title: spec.ae_title.clone(),
            allowed: shared.allowed_calling_ae.clone(),
        })
        .ae_title(spec.ae_title.clone())
        .max_pdu_length(shared.max_pdu)
        .strict(false)
        .read_timeout(Duration::from_secs(120))
        .write_timeout(Duration::from_secs(120))
        .with_abstract_syntax(VERIFICATION);
    if spec.services.find {
        options = options.with_abstract_syntax(MODALITY_WORKLIST_FIND);
    }
    if spec.services.mpps {
        options = options.with_abstract_syntax(MPPS);
    }
    if spec.services.store {
        for c in ingest::STORAGE_SOP_CLASSES {
            options = options.with_abstract_syntax(c);
        }
    }
    for ts in TRANSFER_SYNTAXES {
        options = options.with_transfer_syntax(ts);
    }
    let mut assoc = match options.establish(stream) {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(?peer, error = %e, "association refused");
            return;
        }
    };
    let calling = dicom_ul::association::Association::peer_ae_title(&assoc).to_owned();
    tracing::debug!(?peer, calling, "association accepted");
    let mut conn = match shared.db.connect() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the gateway database cannot be opened");
            let _ = assoc.abort();
            return;
        }
    };
    let mut asm = Assembler::new();
    loop {
        match assoc.receive() {
            Ok(Pdu::PData { data }) => {
                for pdv in data {
                    match asm.push(pdv) {
                        Ok(Some(msg)) => {
                            if let Err(e) = handle(&mut assoc, &mut conn, shared, msg) {
                                tracing::warn!(calling, error = %e, "association ended");
                                return;
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(calling, error = %e, "malformed DIMSE message: aborting");
                            let _ = assoc.abort();
                            return;
                        }
                    }
                }
            }
            Ok(Pdu::ReleaseRQ) => {
                let _ = assoc.send(&Pdu::ReleaseRP);
                return;
            }
            Ok(Pdu::AbortRQ { .. }) => return,
            Ok(other) => {
                tracing::warn!(calling, pdu = %other.short_description(), "unexpected PDU: aborting");
                let _ = assoc.abort();
                return;
            }
            Err(e) => {
                tracing::debug!(calling, error = %e, "association closed");
                return;
            }
        }
    }
}

type Assoc = ServerAssociation<TcpStream>;

fn send(
    assoc: &mut Assoc,
    pc_id: u8,
    cmd: &Command,
    data: Option<&[u8]>,
) -> Result<(), dicom_ul::association::Error> {
    let max = dicom_ul::association::Association::peer_max_pdu_length(assoc);
    for pdu in dimse::message_pdus(pc_id, cmd, data, max) {
        assoc.send(&pdu)?;
    }
    Ok(())
}

fn context_of(assoc: &Assoc, pc_id: u8) -> Option<(String, String)> {
    assoc
        .presentation_contexts()
        .iter()
        .find(|pc| pc.id == pc_id && pc.reason == PresentationContextResultReason::Acceptance)
        .map(|pc| (pc.abstract_syntax.clone(), pc.transfer_syntax.clone()))
}

fn handle(
    assoc: &mut Assoc,
    conn: &mut rusqlite::Connection,
    shared: &Shared,
    msg: Message,
) -> Result<(), dicom_ul::association::Error> {
    let pc = msg.presentation_context_id;
    let Some((abstract_syntax, ts)) = context_of(assoc, pc) else {
        tracing::warn!(
            pc,
            "message on a presentation context that was not accepted"
        );
        let rsp = Command::response_to(
            &msg.command,
            msg.command.field | 0x8000,
            status::SOP_CLASS_NOT_SUPPORTED,
        );
        return send(assoc, pc, &rsp, None);
    };
    let cmd = &msg.command;
    match cmd.field {
        field::C_ECHO_RQ => {
            let rsp = Command::response_to(cmd, field::C_ECHO_RSP, status::SUCCESS);
            send(assoc, pc, &rsp, None)
        }
        field::C_FIND_RQ if abstract_syntax == MODALITY_WORKLIST_FIND => {
            find(assoc, conn, pc, &ts, cmd, msg.data.as_deref())
        }
        field::C_CANCEL_RQ => Ok(()), // nothing in progress: ignore
        field::C_STORE_RQ if ingest::STORAGE_SOP_CLASSES.contains(&abstract_syntax.as_str()) => {
            let data = msg.data.unwrap_or_default();
            // A bug in a decoder must cost this image, not the gateway.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                store(conn, shared, &ts, cmd, &data)
            }))
            .unwrap_or_else(|_| {
                Err(Refusal {
                    status: status::CANNOT_UNDERSTAND,
                    comment: "the image could not be processed".into(),
                })
            });
            let rsp = match result {
                Ok(()) => Command::response_to(cmd, field::C_STORE_RSP, status::SUCCESS),
                Err(r) => {
                    tracing::warn!(sop = ?cmd.sop_instance_uid, refusal = %r, "image refused");
                    Command::response_to(cmd, field::C_STORE_RSP, r.status)
                        .with_error_comment(r.comment)
                }
            };
            send(assoc, pc, &rsp, None)
        }
        field::N_CREATE_RQ | field::N_SET_RQ if abstract_syntax == MPPS => {
            let creating = cmd.field == field::N_CREATE_RQ;
            let rsp_field = if creating {
                field::N_CREATE_RSP
            } else {
                field::N_SET_RSP
            };
            let result = if creating {
                mpps_create(conn, shared, &ts, cmd, msg.data.as_deref())
            } else {
                mpps_set(conn, shared, &ts, cmd, msg.data.as_deref())
            };
            let rsp = match result {
                Ok(uid) => {
                    let mut r = Command::response_to(cmd, rsp_field, status::SUCCESS);
                    r.sop_instance_uid = Some(uid);
                    r.sop_class_uid = Some(MPPS.into());
                    r
                }
                Err(r) => {
                    tracing::warn!(refusal = %r, "MPPS refused");
                    let mut rsp = Command::response_to(cmd, rsp_field, r.status)
                        .with_error_comment(r.comment);
                    rsp.sop_class_uid = Some(MPPS.into());
                    rsp
                }
            };
            send(assoc, pc, &rsp, None)
        }
        other => {
            let rsp = Command::response_to(cmd, other | 0x8000, status::UNRECOGNIZED_OPERATION);
            send(assoc, pc, &rsp, None)
        }
    }
}

fn parse_data_set(data: Option<&[u8]>, ts_uid: &str) -> Result<InMemDicomObject, String> {
    let data = data.ok_or_else(|| "no data set".to_owned())?;
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| format!("unknown transfer syntax {ts_uid}"))?;
    crate::bounds::check(data, ts_uid != ingest::IMPLICIT_VR_LE)?;
    InMemDicomObject::read_dataset_with_ts(data, ts).map_err(|e| e.to_string())
}

fn encode_data_set(obj: &InMemDicomObject, ts_uid: &str) -> Option<Vec<u8>> {
    let ts = TransferSyntaxRegistry.get(ts_uid)?;
    let mut out = Vec::new();
    obj.write_dataset_with_ts(&mut out, ts).ok()?;
    Some(out)
}

/// Whether the peer sent a C-CANCEL (checked between pending responses).
fn cancel_requested(assoc: &mut Assoc) -> bool {
    let waiting = {
        let s = assoc.inner_stream();
        let _ = s.set_read_timeout(Some(Duration::from_millis(1)));
        let mut b = [0u8; 1];
        let r = matches!(s.peek(&mut b), Ok(n) if n > 0);
        let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
        r
    };
    if !waiting {
        return false;
    }
    match assoc.receive() {
        Ok(Pdu::PData { data }) => {
            let mut asm = Assembler::new();
            data.into_iter().any(
                |pdv| matches!(asm.push(pdv), Ok(Some(m)) if m.command.field == field::C_CANCEL_RQ),
            )
        }
        _ => true,
    }
}

fn find(
    assoc: &mut Assoc,
    conn: &mut rusqlite::Connection,
    pc: u8,
    ts: &str,
    cmd: &Command,
    data: Option<&[u8]>,
) -> Result<(), dicom_ul::association::Error> {
    let query = match parse_data_set(data, ts) {
        Ok(q) => q,
        Err(e) => {
            let rsp = Command::response_to(cmd, field::C_FIND_RSP, status::CANNOT_UNDERSTAND)
                .with_error_comment(format!("unreadable identifier: {e}"));
            return send(assoc, pc, &rsp, None);
        }
    };
    let items = match db::live_worklist(conn) {
        Ok(i) => i,
        Err(e) => {
            let rsp = Command::response_to(cmd, field::C_FIND_RSP, status::OUT_OF_RESOURCES)
                .with_error_comment(format!("worklist unavailable: {e}"));
            return send(assoc, pc, &rsp, None);
        }
    };
    let mut matched = 0;
    for item in items.iter().filter(|i| worklist::matches(&query, i)) {
        if matched > 0 && cancel_requested(assoc) {
            let rsp = Command::response_to(cmd, field::C_FIND_RSP, status::CANCEL);
            tracing::info!(matched, "worklist query cancelled");
            return send(assoc, pc, &rsp, None);
        }
        let identifier = worklist::response(&query, item);
        let Some(bytes) = encode_data_set(&identifier, ts) else {
            continue;
        };
        let rsp = Command::response_to(cmd, field::C_FIND_RSP, status::PENDING);
        send(assoc, pc, &rsp, Some(&bytes))?;
        matched += 1;
    }
    tracing::info!(matched, "worklist query answered");
    send(
        assoc,
        pc,
        &Command::response_to(cmd, field::C_FIND_RSP, status::SUCCESS),
        None,
    )
}

/// A queued event's body: the event as the central service reads it (ADR 11).
fn event_body(id: uuid::Uuid, body: EventBody) -> Result<String, Refusal> {
    let event = GatewayEvent {
        id,
        occurred_at: time::OffsetDateTime::now_utc(),
        body,
    };
    serde_json::to_string(&event).map_err(|e| out_of_resources("event", e))
}

fn out_of_resources(what: &str, e: impl std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, "{what}");
    Refusal {
        status: status::OUT_OF_RESOURCES,
        comment: format!("{what}: {e}"),
    }
}

/// The C-STORE ingest: refuse bad input; otherwise the file and the queue row are durable
/// before this returns Ok.
pub fn store(
    conn: &mut rusqlite::Connection,
    shared: &Shared,
    ts: &str,
    cmd: &Command,
    data: &[u8],
) -> Result<(), Refusal> {
    let t0 = std::time::Instant::now();
    let mut parsed = ingest::parse(
        data,
        ts,
        cmd.sop_class_uid.as_deref(),
        cmd.sop_instance_uid.as_deref(),
    )?;
    let parse_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let sop = parsed.metadata.sop_instance_uid.clone();
    if db::image_known(conn, &sop).map_err(|e| out_of_resources("database", e))? {
        tracing::info!(sop, "image already stored: acknowledged again");
        return Ok(());
    }
    let path = ingest::file_path(&shared.storage_dir, &parsed.metadata);
    let wants = ingest::wants_thumbnail(&parsed.metadata);
    // Compressed images are decoded for their thumbnail after the C-STORE is answered.
    let deferred = wants && ingest::is_compressed(ts);
    let (thumb, written) = rayon::join(
        || (wants && !deferred).then(|| ingest::make_thumbnail(&parsed, shared.thumbnail_side)),
        || {
            let t = std::time::Instant::now();
            let r = ingest::store_file(&path, &parsed, data);
            (r, t.elapsed().as_secs_f64() * 1000.0)
        },
    );
    let (written, write_ms) = written;
    written.map_err(|e| out_of_resources("the image cannot be stored", e))?;
    if let Some(t) = thumb {
        match t {
            Ok((t, ms)) => {
                tracing::info!(sop, thumbnail_ms = ms, "thumbnail made");
                if let Ok(mut v) = shared.thumbnail_ms.lock() {
                    v.push(ms);
                }
                parsed.metadata.thumbnail = Some(t);
            }
            Err(r) => {
                let _ = std::fs::remove_file(&path);
                return Err(r);
            }
        }
    }
    let event_id = uuid::Uuid::now_v7();
    let id = event_id.to_string();
    let study = parsed.metadata.study_instance_uid.clone();
    let received_at = parsed.metadata.received_at.clone();
    let body = event_body(event_id, EventBody::Image(Box::new(parsed.metadata)))?;
    let tx = conn
        .transaction()
        .map_err(|e| out_of_resources("database", e))?;
    let inserted = tx
        .execute(
            "INSERT OR IGNORE INTO images (sop_instance_uid, study_instance_uid, path, event_id, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                sop,
                study,
                path.to_string_lossy(),
                id,
                received_at
            ],
        )
        .map_err(|e| out_of_resources("database", e))?;
    if inserted == 0 {
        // Another association stored it a moment ago.
        return Ok(());
    }
    let path_text = path.to_string_lossy();
    db::enqueue_pending(&tx, &id, "image", &body, deferred.then_some(&*path_text))
        .map_err(|e| out_of_resources("database", e))?;
    tx.commit().map_err(|e| out_of_resources("database", e))?;
    if deferred {
        shared.signal_thumbnails();
    } else {
        shared.wake.notify_one();
    }
    tracing::info!(
        sop,
        parse_ms,
        write_ms,
        total_ms = t0.elapsed().as_secs_f64() * 1000.0,
        "image stored and queued"
    );
    Ok(())
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj
        .element_opt(tag)
        .ok()
        .flatten()?
        .to_str()
        .ok()?
        .to_string();
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_owned())
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    match obj.element_opt(tag) {
        Ok(Some(e)) => e.items().unwrap_or(&[]),
        _ => &[],
    }
}

fn refuse(status: u16, comment: impl Into<String>) -> Refusal {
    Refusal {
        status,
        comment: comment.into(),
    }
}

const PPS_STATUS: Tag = tags::PERFORMED_PROCEDURE_STEP_STATUS;

fn mpps_event(
    conn: &mut rusqlite::Connection,
    shared: &Shared,
    record: &MppsRecord,
    performed_series: Option<Vec<PerformedSeries>>,
    discontinuation_reason: Option<String>,
) -> Result<(), Refusal> {
    let event_id = uuid::Uuid::now_v7();
    let id = event_id.to_string();
    let mpps = MppsEvent {
        mpps_instance_uid: Some(record.uid.clone()),
        status: Some(record.status.clone()),
        study_instance_uid: record.study_instance_uid.clone(),
        accession_number: record.accession_number.clone(),
        patient_id: record.patient_id.clone(),
        performed_series,
        discontinuation_reason,
    };
    let body = event_body(event_id, EventBody::Mpps(mpps))?;
    let tx = conn
        .transaction()
        .map_err(|e| out_of_resources("database", e))?;
    db::mpps_put(&tx, record).map_err(|e| out_of_resources("database", e))?;
    db::enqueue(&tx, &id, "mpps", &body).map_err(|e| out_of_resources("database", e))?;
    tx.commit().map_err(|e| out_of_resources("database", e))?;
    shared.wake.notify_one();
    Ok(())
}

fn mpps_create(
    conn: &mut rusqlite::Connection,
    shared: &Shared,
    ts: &str,
    cmd: &Command,
    data: Option<&[u8]>,
) -> Result<String, Refusal> {
    let obj = parse_data_set(data, ts).map_err(|e| {
        refuse(
            status::PROCESSING_FAILURE,
            format!("unreadable data set: {e}"),
        )
    })?;
    let uid = match &cmd.sop_instance_uid {
        Some(u) if ingest::valid_uid(u) => u.clone(),
        Some(_) => {
            return Err(refuse(
                status::INVALID_ATTRIBUTE_VALUE,
                "invalid SOP instance UID",
            ));
        }
        None => format!("2.25.{}", uuid::Uuid::now_v7().as_u128()),
    };
    let st = text(&obj, PPS_STATUS).ok_or_else(|| {
        refuse(
            status::MISSING_ATTRIBUTE,
            "missing PerformedProcedureStepStatus",
        )
    })?;
    if st != "IN PROGRESS" {
        return Err(refuse(
            status::INVALID_ATTRIBUTE_VALUE,
            format!("N-CREATE status must be IN PROGRESS, not {st}"),
        ));
    }
    if db::mpps_get(conn, &uid)
        .map_err(|e| out_of_resources("database", e))?
        .is_some()
    {
        return Err(refuse(
            status::DUPLICATE_SOP_INSTANCE,
            "MPPS instance already exists",
        ));
    }
    let step = items(&obj, tags::SCHEDULED_STEP_ATTRIBUTES_SEQUENCE).first();
    let record = MppsRecord {
        uid: uid.clone(),
        status: st,
        study_instance_uid: step.and_then(|s| text(s, tags::STUDY_INSTANCE_UID)),
        accession_number: step.and_then(|s| text(s, tags::ACCESSION_NUMBER)),
        patient_id: text(&obj, tags::PATIENT_ID),
    };
    mpps_event(conn, shared, &record, None, None)?;
    tracing::info!(uid, "MPPS in progress");
    Ok(uid)
}

fn performed_series(obj: &InMemDicomObject) -> Vec<PerformedSeries> {
    items(obj, tags::PERFORMED_SERIES_SEQUENCE)
        .iter()
        .map(|s| PerformedSeries {
            series_instance_uid: text(s, tags::SERIES_INSTANCE_UID),
            sop_instance_uids: items(s, tags::REFERENCED_IMAGE_SEQUENCE)
                .iter()
                .filter_map(|i| text(i, tags::REFERENCED_SOP_INSTANCE_UID))
                .collect(),
        })
        .collect()
}

fn mpps_set(
    conn: &mut rusqlite::Connection,
    shared: &Shared,
    ts: &str,
    cmd: &Command,
    data: Option<&[u8]>,
) -> Result<String, Refusal> {
    let uid = cmd.sop_instance_uid.clone().ok_or_else(|| {
        refuse(
            status::MISSING_ATTRIBUTE,
            "missing Requested SOP Instance UID",
        )
    })?;
    let obj = parse_data_set(data, ts).map_err(|e| {
        refuse(
            status::PROCESSING_FAILURE,
            format!("unreadable data set: {e}"),
        )
    })?;
    let mut record = db::mpps_get(conn, &uid)
        .map_err(|e| out_of_resources("database", e))?
        .ok_or_else(|| refuse(status::NO_SUCH_OBJECT_INSTANCE, "no such MPPS instance"))?;
    if record.status != "IN PROGRESS" {
        return Err(refuse(
            status::PROCESSING_FAILURE,
            format!("MPPS is already {}", record.status),
        ));
    }
    if let Some(st) = text(&obj, PPS_STATUS) {
        if !matches!(st.as_str(), "IN PROGRESS" | "COMPLETED" | "DISCONTINUED") {
            return Err(refuse(
                status::INVALID_ATTRIBUTE_VALUE,
                format!("unknown status {st}"),
            ));
        }
        record.status = st;
    }
    let reason = items(
        &obj,
        tags::PERFORMED_PROCEDURE_STEP_DISCONTINUATION_REASON_CODE_SEQUENCE,
    )
    .first()
    .and_then(|c| text(c, tags::CODE_MEANING).or_else(|| text(c, tags::CODE_VALUE)));
    let series = if obj
        .element_opt(tags::PERFORMED_SERIES_SEQUENCE)
        .ok()
        .flatten()
        .is_some()
    {
        Some(performed_series(&obj))
    } else {
        None
    };
    mpps_event(conn, shared, &record, series, reason)?;
    tracing::info!(uid, status = record.status, "MPPS updated");
    Ok(uid)
}
