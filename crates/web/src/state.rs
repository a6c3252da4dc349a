use crate::auth::SessionCache;
use crate::auth::oidc::OidcClient;
use crate::config::Config;
use std::sync::Arc;
use store::Store;
use time::Date;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub(crate) sessions: Arc<SessionCache>,
    pub(crate) oidc: Option<Arc<OidcClient>>,
    /// API callers recently resolved from their bearer tokens, keyed by the token's hash,
    /// with the second they were read (trusted for 30 s, like sessions).
    pub(crate) api_callers:
        Arc<std::sync::RwLock<std::collections::HashMap<String, (store::ApiPrincipal, i64)>>>,
    /// The outbox dispatcher (ADR 18), running while any copy of the state lives.
    pub(crate) outbox: Option<Arc<crate::outbox::Dispatcher>>,
    /// The reading finalisation timer, running while any copy of the state lives.
    _settle_timer: Option<Arc<crate::settle::Timer>>,
    /// The results worker (issue 13), when this process runs it.
    _results_worker: Option<Arc<delivery::worker::Worker>>,
}

impl AppState {
    /// Opens the store (running migrations) and discovers the OpenID Connect provider.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let store =
            Store::open_in_schema(&config.database_url, config.database_schema.as_deref()).await?;
        Self::with_store(config, store).await
    }

    pub async fn with_store(config: Config, store: Store) -> anyhow::Result<Self> {
        let oidc = match &config.oidc {
            Some(settings) => Some(Arc::new(
                OidcClient::discover(settings, &config.public_url).await?,
            )),
            None => None,
        };
        let settle_timer = crate::settle::start(store.clone(), config.reading_settle_interval);
        let outbox = crate::outbox::start(store.clone());
        let results_worker = if config.results_worker {
            delivery::worker::start(store.clone(), config.results.clone())
        } else {
            None
        };
        Ok(AppState {
            _results_worker: results_worker,
            outbox,
            _settle_timer: settle_timer,
            store,
            config: Arc::new(config),
            sessions: Arc::new(SessionCache::default()),
            oidc,
            api_callers: Arc::default(),
        })
    }

    /// Today's date in England (Europe/London, ADR 14), for clinic lists, ages and every
    /// rule that needs "today": the one place the service asks for it.
    pub fn today(&self) -> Date {
        domain::dates::london_date(time::OffsetDateTime::now_utc())
    }
}
