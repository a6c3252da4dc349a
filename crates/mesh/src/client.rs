//! The client: one method per MESH API call, over a shared `reqwest::Client`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use crate::MeshError;
use crate::auth::{fresh_auth_header, hex};
use crate::chunk::chunk_ranges;
use crate::types::{IncomingMessage, OutgoingMessage, Report, Tracking};

/// The media type that asks MESH for its v2 answers.
const ACCEPT_V2: &str = "application/vnd.mesh.v2+json";
const OCTET_STREAM: &str = "application/octet-stream";
/// Our checksums go in `mex-Content-Checksum` as `sha256:{hex}`. MESH passes the header
/// through to the recipient untouched; [`MeshClient::download`] checks any it recognises.
const CHECKSUM_PREFIX: &str = "sha256:";
/// 20 MiB: the largest request MESH takes over the internet (100 MB over HSCN).
pub const DEFAULT_CHUNK_SIZE: usize = 20 * 1024 * 1024;
/// Long enough for a 20 MiB chunk on a slow link.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const CLIENT_NAME: &str = concat!("breast-screening-mesh/", env!("CARGO_PKG_VERSION"));

/// Where and who we are in MESH.
#[derive(Clone)]
pub struct MeshConfig {
    /// The service's base URL, e.g. `https://mesh-sync.spineservices.nhs.uk` or, for
    /// tests, `http://127.0.0.1:8700`. Routes go under `{url}/messageexchange/`.
    pub url: String,
    /// Our mailbox id (upper-cased by [`MeshClient::new`], as MESH wants).
    pub mailbox_id: String,
    pub password: String,
    /// The environment's shared secret (the HMAC key of the Authorization header).
    pub shared_key: String,
    /// Bodies larger than this go in chunks; [`DEFAULT_CHUNK_SIZE`] normally.
    pub chunk_size: usize,
    /// The longest any one HTTP request may take, upload included.
    pub timeout: Duration,
    /// Accept any server certificate. For a test server with a self-signed certificate
    /// only; never against MESH itself.
    pub accept_invalid_certs: bool,
}

impl MeshConfig {
    /// A configuration with the default chunk size and timeout, verifying certificates.
    pub fn new(
        url: impl Into<String>,
        mailbox_id: impl Into<String>,
        password: impl Into<String>,
        shared_key: impl Into<String>,
    ) -> Self {
        MeshConfig {
            url: url.into(),
            mailbox_id: mailbox_id.into(),
            password: password.into(),
            shared_key: shared_key.into(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            timeout: DEFAULT_TIMEOUT,
            accept_invalid_certs: false,
        }
    }
}

/// Secrets stay out of logs.
impl std::fmt::Debug for MeshConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeshConfig")
            .field("url", &self.url)
            .field("mailbox_id", &self.mailbox_id)
            .field("password", &"<redacted>")
            .field("shared_key", &"<redacted>")
            .field("chunk_size", &self.chunk_size)
            .field("timeout", &self.timeout)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish()
    }
}

/// The TLS client certificate MESH itself demands (the sandbox does not).
pub struct ClientTls<'a> {
    /// Our certificate and its private key, PEM, in one buffer.
    pub identity_pem: &'a [u8],
    /// The CA that signed MESH's server certificate (NHS England's), PEM; `None` to trust
    /// the usual public roots only.
    pub ca_pem: Option<&'a [u8]>,
}

/// A MESH mailbox, ready to talk. Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct MeshClient {
    http: reqwest::Client,
    config: Arc<MeshConfig>,
    base: Url,
}

impl MeshClient {
    pub fn new(config: MeshConfig) -> Result<Self, MeshError> {
        Self::build(config, None)
    }

    /// As [`MeshClient::new`], presenting a TLS client certificate, as MESH requires.
    pub fn with_client_tls(config: MeshConfig, tls: ClientTls<'_>) -> Result<Self, MeshError> {
        Self::build(config, Some(tls))
    }

    fn build(mut config: MeshConfig, tls: Option<ClientTls<'_>>) -> Result<Self, MeshError> {
        let base = Url::parse(config.url.trim())
            .map_err(|e| MeshError::Config(format!("MESH url {:?}: {e}", config.url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(MeshError::Config(format!(
                "MESH url {:?} is not an http(s) base URL",
                config.url
            )));
        }
        config.mailbox_id = config.mailbox_id.trim().to_ascii_uppercase();
        if config.mailbox_id.is_empty()
            || !config.mailbox_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(MeshError::Config(format!(
                "mailbox id {:?} must be letters and digits",
                config.mailbox_id
            )));
        }
        if config.chunk_size == 0 {
            return Err(MeshError::Config("chunk size must be positive".into()));
        }
        if config.timeout.is_zero() {
            return Err(MeshError::Config("timeout must be positive".into()));
        }
        let mut default_headers = HeaderMap::new();
        default_headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static(ACCEPT_V2));
        let mut builder = reqwest::Client::builder()
            .user_agent(CLIENT_NAME)
            .default_headers(default_headers)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // MESH does not redirect; following one could send a body twice.
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(config.accept_invalid_certs);
        if let Some(tls) = tls {
            let identity = reqwest::Identity::from_pem(tls.identity_pem)
                .map_err(|e| MeshError::Config(format!("client certificate: {e}")))?;
            builder = builder.identity(identity);
            if let Some(ca) = tls.ca_pem {
                let ca = reqwest::Certificate::from_pem(ca)
                    .map_err(|e| MeshError::Config(format!("CA certificate: {e}")))?;
                builder = builder.add_root_certificate(ca);
            }
        }
        let http = builder
            .build()
            .map_err(|e| MeshError::Config(format!("HTTP client: {e}")))?;
        Ok(MeshClient {
            http,
            config: Arc::new(config),
            base,
        })
    }

    /// Our mailbox id, upper case.
    pub fn mailbox_id(&self) -> &str {
        &self.config.mailbox_id
    }

    /// Checks that MESH answers and accepts our credentials ("validate a mailbox"). MESH
    /// asks for this at least once a day.
    #[tracing::instrument(skip_all, fields(mailbox = %self.config.mailbox_id))]
    pub async fn handshake(&self) -> Result<(), MeshError> {
        let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let req = self
            .request(Method::GET, self.mailbox_url(&[])?)
            .header("mex-ClientVersion", CLIENT_NAME)
            .header("mex-OSName", std::env::consts::OS)
            .header(
                "mex-OSVersion",
                header_value("mex-OSVersion", &os_version)
                    .unwrap_or(HeaderValue::from_static("unknown")),
            )
            .header("mex-OSArchitecture", std::env::consts::ARCH)
            .header("mex-JavaVersion", "N/A");
        let res = success(send(req).await?).await?;
        drain(res).await;
        Ok(())
    }

    /// The mailbox of organisation `ods_code` for `workflow_id`. `Ok(None)` when there is
    /// none. When several mailboxes match, an error naming them (choosing one is a
    /// decision for a person): see [`MeshClient::lookup_all`].
    pub async fn lookup(
        &self,
        ods_code: &str,
        workflow_id: &str,
    ) -> Result<Option<String>, MeshError> {
        let mut found = self.lookup_all(ods_code, workflow_id).await?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(MeshError::Protocol(format!(
                "{} mailboxes ({}) receive {workflow_id} for {ods_code}; choose one with lookup_all",
                found.len(),
                found.join(", ")
            ))),
        }
    }

    /// Every mailbox of organisation `ods_code` that receives `workflow_id`.
    #[tracing::instrument(skip(self))]
    pub async fn lookup_all(
        &self,
        ods_code: &str,
        workflow_id: &str,
    ) -> Result<Vec<String>, MeshError> {
        let ods = ods_code.trim().to_ascii_uppercase();
        let workflow = workflow_id.trim();
        if ods.is_empty() || workflow.is_empty() {
            return Err(MeshError::Config(
                "lookup needs an ODS code and a workflow id".into(),
            ));
        }
        let url = self.url(&["messageexchange", "endpointlookup", &ods, workflow])?;
        let res = send(self.request(Method::GET, url)).await?;
        if res.status() == StatusCode::NOT_FOUND {
            drain(res).await;
            return Ok(Vec::new());
        }
        let doc = json(success(res).await?).await?;
        let results = doc
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                MeshError::Protocol(format!("endpoint lookup without results: {doc}"))
            })?;
        results
            .iter()
            .map(|r| {
                // v2: mailbox_id; v1: address.
                r.get("mailbox_id")
                    .or_else(|| r.get("address"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        MeshError::Protocol(format!(
                            "endpoint lookup result without a mailbox: {r}"
                        ))
                    })
            })
            .collect()
    }

    /// Sends one message and returns MESH's id for it. A body larger than the chunk size
    /// goes in chunks. `mex-Content-Checksum` carries the body's SHA-256.
    ///
    /// On error: [`MeshError::Unreachable`] means nothing was delivered; if
    /// [`MeshError::may_have_been_sent`], ask [`MeshClient::find_by_local_id`] before
    /// sending again. A chunked send that fails part-way leaves an incomplete message in
    /// MESH that is never delivered (tracking says `Uploading`).
    #[tracing::instrument(skip_all, fields(to = %msg.to, workflow = %msg.workflow_id, local_id = %msg.local_id, bytes = msg.body.len()))]
    pub async fn send(&self, msg: &OutgoingMessage<'_>) -> Result<String, MeshError> {
        if msg.body.is_empty() {
            return Err(MeshError::Config(
                "MESH does not carry an empty message".into(),
            ));
        }
        if msg.to.trim().is_empty() || msg.workflow_id.trim().is_empty() {
            return Err(MeshError::Config(
                "a message needs a recipient and a workflow id".into(),
            ));
        }
        let ranges = chunk_ranges(msg.body.len(), self.config.chunk_size);
        let total = ranges.len();
        let checksum = format!("{CHECKSUM_PREFIX}{}", hex(&Sha256::digest(msg.body)));

        let mut headers = HeaderMap::new();
        put(&mut headers, "mex-From", &self.config.mailbox_id)?;
        put(&mut headers, "mex-To", msg.to.trim())?;
        put(&mut headers, "mex-WorkflowID", msg.workflow_id.trim())?;
        put(&mut headers, "mex-Chunk-Range", &format!("1:{total}"))?;
        put(&mut headers, "mex-Content-Checksum", &checksum)?;
        for (name, value) in [
            ("mex-Subject", msg.subject),
            ("mex-LocalID", msg.local_id),
            ("mex-FileName", msg.file_name),
            ("mex-Content-Type", msg.content_type),
        ] {
            if !value.is_empty() {
                put(&mut headers, name, value)?;
            }
        }
        // A chunked message's parts are bytes; a single part can say what it is.
        let content_type = if total == 1 && !msg.content_type.is_empty() {
            msg.content_type
        } else {
            OCTET_STREAM
        };
        put(&mut headers, CONTENT_TYPE.as_str(), content_type)?;

        let first = ranges.first().cloned().unwrap_or(0..0);
        let req = self
            .request(Method::POST, self.mailbox_url(&["outbox"])?)
            .headers(headers)
            .body(msg.body[first].to_vec());
        let res = success(send(req).await?).await?;
        // MESH has taken the message (or its first chunk): from here on a failure to read
        // the answer leaves us not knowing its id, which is the ambiguous case.
        let bytes = res
            .bytes()
            .await
            .map_err(|e| MeshError::Ambiguous(format!("reading the send answer: {e}")))?;
        let message_id = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|doc| {
                doc.get("message_id")
                    .or_else(|| doc.get("messageID"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                MeshError::Ambiguous(format!(
                    "MESH accepted the message but its answer has no message id: {}",
                    String::from_utf8_lossy(&bytes)
                ))
            })?;

        for (index, range) in ranges.iter().enumerate().skip(1) {
            let n = index + 1;
            let req = self
                .request(
                    Method::POST,
                    self.mailbox_url(&["outbox", &message_id, &n.to_string()])?,
                )
                .header("mex-Chunk-Range", format!("{n}:{total}"))
                .header(CONTENT_TYPE, OCTET_STREAM)
                .body(msg.body[range.clone()].to_vec());
            let sent = match send(req).await {
                Ok(res) => success(res).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(res) => drain(res).await,
                Err(e) => {
                    // The message stays in MESH as `Uploading` and is never delivered.
                    warn!(%message_id, chunk = n, total, error = %e, "chunk upload failed");
                    return Err(e);
                }
            }
        }
        info!(%message_id, chunks = total, "sent");
        Ok(message_id)
    }

    /// Where a message we sent is.
    #[tracing::instrument(skip(self))]
    pub async fn track(&self, message_id: &str) -> Result<Tracking, MeshError> {
        let mut url = self.mailbox_url(&["outbox", "tracking"])?;
        url.query_pairs_mut().append_pair("messageID", message_id);
        let doc = json(success(send(self.request(Method::GET, url)).await?).await?).await?;
        Tracking::from_json(&doc)
    }

    /// The id of the message we sent with local id `local_id`, if MESH has one.
    ///
    /// Uses `GET outbox/tracking/{local_id}`, which the published API still lists but
    /// marks deprecated. `Ok(None)` when MESH has no such message, or no longer offers
    /// the route (404, 405, 410, 501). More than one message with that local id (HTTP
    /// 300) is an error: a person has to look.
    #[tracing::instrument(skip(self))]
    pub async fn find_by_local_id(&self, local_id: &str) -> Result<Option<String>, MeshError> {
        if local_id.is_empty() {
            return Ok(None);
        }
        let url = self.mailbox_url(&["outbox", "tracking", local_id])?;
        let res = send(self.request(Method::GET, url)).await?;
        match res.status().as_u16() {
            404 | 405 | 410 | 501 => {
                drain(res).await;
                Ok(None)
            }
            300 => {
                drain(res).await;
                Err(MeshError::Protocol(format!(
                    "more than one sent message has local id {local_id:?}"
                )))
            }
            _ => {
                let doc = json(success(res).await?).await?;
                Ok(Some(Tracking::from_json(&doc)?.message_id))
            }
        }
    }

    /// The ids of messages waiting in our inbox, oldest first: at most 500 (MESH's page).
    /// Download and acknowledge them, then ask again until fewer than 500 come back.
    #[tracing::instrument(skip_all, fields(mailbox = %self.config.mailbox_id))]
    pub async fn inbox(&self) -> Result<Vec<String>, MeshError> {
        let doc = json(
            success(send(self.request(Method::GET, self.mailbox_url(&["inbox"])?)).await?).await?,
        )
        .await?;
        let ids = doc
            .get("messages")
            .and_then(Value::as_array)
            .ok_or_else(|| MeshError::Protocol(format!("inbox without messages: {doc}")))?;
        ids.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| MeshError::Protocol(format!("inbox entry is not an id: {v}")))
            })
            .collect()
    }

    /// Downloads a message from our inbox, every chunk, and checks a `sha256:` checksum
    /// if the sender gave one. It stays in the inbox until acknowledged.
    #[tracing::instrument(skip(self))]
    pub async fn download(&self, message_id: &str) -> Result<IncomingMessage, MeshError> {
        let res = success(
            send(self.request(Method::GET, self.mailbox_url(&["inbox", message_id])?)).await?,
        )
        .await?;
        let headers = res.headers().clone();
        let (_, total) = chunk_range(&headers)?;
        let mut body = chunk_body(res).await?;
        for n in 2..=total {
            let url = self.mailbox_url(&["inbox", message_id, &n.to_string()])?;
            let res = success(send(self.request(Method::GET, url)).await?).await?;
            let (got, _) = chunk_range(res.headers())?;
            if got != n {
                return Err(MeshError::Protocol(format!(
                    "asked for chunk {n}, got chunk {got}"
                )));
            }
            body.extend_from_slice(&chunk_body(res).await?);
        }

        let get = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let is_report = get("mex-MessageType").is_some_and(|t| t.eq_ignore_ascii_case("REPORT"));
        let report = is_report.then(|| Report {
            linked_message_id: get("mex-LinkedMsgID"),
            status_code: get("mex-StatusCode"),
            status_event: get("mex-StatusEvent"),
            status_description: get("mex-StatusDescription"),
            status_success: get("mex-StatusSuccess"),
        });
        let from = get("mex-From").unwrap_or_default();
        if from.is_empty() && !is_report {
            return Err(MeshError::Protocol(format!(
                "message {message_id} has no mex-From"
            )));
        }
        if let Some(sum) = get("mex-Content-Checksum")
            && sum.len() > CHECKSUM_PREFIX.len()
            && sum[..CHECKSUM_PREFIX.len()].eq_ignore_ascii_case(CHECKSUM_PREFIX)
        {
            let actual = hex(&Sha256::digest(&body));
            if !sum[CHECKSUM_PREFIX.len()..].eq_ignore_ascii_case(&actual) {
                return Err(MeshError::Protocol(format!(
                    "message {message_id}: body does not match its checksum {sum}"
                )));
            }
        }
        debug!(
            chunks = total,
            bytes = body.len(),
            report = is_report,
            "downloaded"
        );
        Ok(IncomingMessage {
            message_id: get("mex-MessageID").unwrap_or_else(|| message_id.to_string()),
            from,
            workflow_id: get("mex-WorkflowID").unwrap_or_default(),
            subject: get("mex-Subject"),
            local_id: get("mex-LocalID"),
            file_name: get("mex-FileName"),
            content_type: get("mex-Content-Type").or_else(|| get(CONTENT_TYPE.as_str())),
            body,
            report,
        })
    }

    /// Tells MESH we have the message: it leaves our inbox, and the sender's tracking
    /// says `Acknowledged`. Acknowledging twice is harmless.
    #[tracing::instrument(skip(self))]
    pub async fn acknowledge(&self, message_id: &str) -> Result<(), MeshError> {
        let url = self.mailbox_url(&["inbox", message_id, "status", "acknowledged"])?;
        let res = success(send(self.request(Method::PUT, url).body(Vec::new())).await?).await?;
        drain(res).await;
        Ok(())
    }

    /// A request with a fresh Authorization header (MESH accepts each token once).
    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let c = &self.config;
        self.http.request(method, url).header(
            reqwest::header::AUTHORIZATION,
            fresh_auth_header(&c.mailbox_id, &c.password, &c.shared_key),
        )
    }

    /// `{base}/messageexchange/{mailbox}/{segments...}`.
    fn mailbox_url(&self, segments: &[&str]) -> Result<Url, MeshError> {
        let mut all = vec!["messageexchange", self.config.mailbox_id.as_str()];
        all.extend_from_slice(segments);
        self.url(&all)
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    fn url(&self, segments: &[&str]) -> Result<Url, MeshError> {
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(MeshError::Config(format!(
                "empty or dot path segment in {segments:?}"
            )));
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| MeshError::Config("MESH url cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, MeshError> {
    // Visible ASCII only: MESH refuses control characters, and HTTP headers have no
    // agreed encoding beyond ASCII.
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(MeshError::Config(format!("{name} must be printable ASCII")));
    }
    HeaderValue::from_str(value).map_err(|e| MeshError::Config(format!("{name}: {e}")))
}

fn put(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), MeshError> {
    let name_owned = HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| MeshError::Config(format!("{name}: {e}")))?;
    headers.insert(name_owned, header_value(name, value)?);
    Ok(())
}

async fn send(req: RequestBuilder) -> Result<Response, MeshError> {
    req.send().await.map_err(MeshError::from_transport)
}

/// A 2xx response, or the error its status means.
async fn success(res: Response) -> Result<Response, MeshError> {
    let status = res.status();
    if status.is_success() {
        return Ok(res);
    }
    let body = res.text().await.unwrap_or_default();
    let message = error_message(&body);
    if status.is_server_error() {
        warn!(status = status.as_u16(), %message, "MESH server error");
        return Err(MeshError::Server {
            status: status.as_u16(),
        });
    }
    if status.is_client_error() {
        return Err(MeshError::Rejected {
            status: status.as_u16(),
            message,
        });
    }
    Err(MeshError::Protocol(format!(
        "unexpected HTTP {status}: {message}"
    )))
}

/// MESH's error text: v2 `{"detail": [{"msg": ..}]}`, v1 `{"errorDescription": ..}`,
/// FastAPI's `{"detail": ".."}`, or the body itself (cut short).
fn error_message(body: &str) -> String {
    let doc: Value = match serde_json::from_str(body) {
        Ok(doc) => doc,
        Err(_) => return body.chars().take(300).collect(),
    };
    let from_detail = match doc.get("detail") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => {
            let msgs: Vec<String> = items
                .iter()
                .filter_map(|i| i.get("msg").and_then(Value::as_str).map(str::to_string))
                .collect();
            (!msgs.is_empty()).then(|| msgs.join("; "))
        }
        _ => None,
    };
    from_detail
        .or_else(|| {
            doc.get("errorDescription")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| {
            doc.get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(300).collect())
}

async fn json(res: Response) -> Result<Value, MeshError> {
    let bytes = res
        .bytes()
        .await
        .map_err(|e| MeshError::Ambiguous(format!("reading the answer: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        MeshError::Protocol(format!(
            "answer is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(300)
                .collect::<String>()
        ))
    })
}

/// Reads and drops a body so the connection can go back to the pool.
async fn drain(res: Response) {
    let _ = res.bytes().await;
}

/// A downloaded chunk's bytes. We never ask for compression, so a compressed answer is
/// one we cannot read correctly.
async fn chunk_body(res: Response) -> Result<Vec<u8>, MeshError> {
    if let Some(enc) = res.headers().get(CONTENT_ENCODING)
        && !enc.as_bytes().is_empty()
        && !enc.as_bytes().eq_ignore_ascii_case(b"identity")
    {
        return Err(MeshError::Protocol(format!(
            "unrequested Content-Encoding {:?}",
            String::from_utf8_lossy(enc.as_bytes())
        )));
    }
    res.bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| MeshError::Ambiguous(format!("reading a message body: {e}")))
}

/// `mex-Chunk-Range: n:total` (absent: a single chunk). A report says `1:0`.
fn chunk_range(headers: &HeaderMap) -> Result<(usize, usize), MeshError> {
    let Some(value) = headers.get("mex-Chunk-Range") else {
        return Ok((1, 1));
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    parse_chunk_range(&text)
        .ok_or_else(|| MeshError::Protocol(format!("bad mex-Chunk-Range {text:?}")))
}

fn parse_chunk_range(text: &str) -> Option<(usize, usize)> {
    let (n, total) = text.trim().split_once(':')?;
    let n: usize = n.trim().parse().ok()?;
    let total: usize = total.trim().parse().ok()?;
    let total = total.max(1);
    (1..=total).contains(&n).then_some((n, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> MeshConfig {
        MeshConfig::new(url, "x26abc1", "password", "Banana")
    }

    #[test]
    fn chunk_range_header() {
        let table = [
            ("1:1", Some((1, 1))),
            ("1:3", Some((1, 3))),
            (" 2 : 3 ", Some((2, 3))),
            ("3:3", Some((3, 3))),
            ("1:0", Some((1, 1))),
            ("0:3", None),
            ("4:3", None),
            ("1", None),
            ("a:b", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_chunk_range(text), expected, "{text}");
        }
    }

    #[test]
    fn urls_are_built_from_encoded_segments() {
        let client = MeshClient::new(config("http://127.0.0.1:8700")).expect("client");
        assert_eq!(client.mailbox_id(), "X26ABC1");
        let url = client
            .mailbox_url(&["outbox", "tracking", "local id/1?x"])
            .expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8700/messageexchange/X26ABC1/outbox/tracking/local%20id%2F1%3Fx"
        );
        // A base with a path and a trailing slash.
        let client = MeshClient::new(config("https://example.test/mesh/")).expect("client");
        let url = client
            .url(&["messageexchange", "endpointlookup", "X26", "W"])
            .expect("url");
        assert_eq!(
            url.as_str(),
            "https://example.test/mesh/messageexchange/endpointlookup/X26/W"
        );
        assert!(matches!(
            client.mailbox_url(&["inbox", ".."]),
            Err(MeshError::Config(_))
        ));
        assert!(matches!(
            client.mailbox_url(&["inbox", ""]),
            Err(MeshError::Config(_))
        ));
    }

    #[test]
    fn bad_configuration_is_refused() {
        let bad = [
            MeshConfig {
                url: "not a url".into(),
                ..config("")
            },
            MeshConfig {
                url: "ftp://example.test".into(),
                ..config("")
            },
            MeshConfig {
                mailbox_id: "".into(),
                ..config("http://h")
            },
            MeshConfig {
                mailbox_id: "X26:ABC".into(),
                ..config("http://h")
            },
            MeshConfig {
                chunk_size: 0,
                ..config("http://h")
            },
            MeshConfig {
                timeout: Duration::ZERO,
                ..config("http://h")
            },
        ];
        for c in bad {
            let shown = format!("{c:?}");
            assert!(
                matches!(MeshClient::new(c), Err(MeshError::Config(_))),
                "{shown}"
            );
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!(
            "{:?}",
            MeshConfig::new("http://h", "MB", "hunter2", "sekrit")
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("sekrit"),
            "{shown}"
        );
    }

    #[test]
    fn bad_client_certificate_is_a_config_error() {
        let tls = ClientTls {
            identity_pem: b"not a pem",
            ca_pem: None,
        };
        assert!(matches!(
            MeshClient::with_client_tls(config("https://h"), tls),
            Err(MeshError::Config(_))
        ));
    }

    #[test]
    fn header_values_must_be_printable_ascii() {
        assert!(header_value("mex-Subject", "Results for practice A81001").is_ok());
        for bad in ["line\nbreak", "tab\there", "caf\u{e9}", "bell\u{7}"] {
            assert!(
                matches!(header_value("mex-Subject", bad), Err(MeshError::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn error_messages_from_each_shape() {
        let table = [
            (
                r#"{"message_id":null,"detail":[{"event":"SEND","code":"12","msg":"Unregistered to address"}]}"#,
                "Unregistered to address",
            ),
            (
                r#"{"errorEvent":"SEND","errorCode":"12","errorDescription":"Unregistered recipient"}"#,
                "Unregistered recipient",
            ),
            (r#"{"detail":"Not Found"}"#, "Not Found"),
            (
                r#"{"internal_id":"x","message":"An internal error occurred."}"#,
                "An internal error occurred.",
            ),
            ("plain text", "plain text"),
        ];
        for (body, expected) in table {
            assert_eq!(error_message(body), expected);
        }
    }
}
