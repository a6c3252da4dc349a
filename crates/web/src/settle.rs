//! The reading finalisation timer: every `reading_settle_interval` the service settles the
//! reads that have become final for every provider (`Store::settle_due_reads_everywhere`),
//! so results, assessment referrals and technical recalls reach the office on time whether
//! or not a reader opens a reading page. It starts with the application state and stops
//! when the last copy of the state is dropped.

use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::task::JoinHandle;

/// Aborts the timer task when dropped.
pub(crate) struct Timer(JoinHandle<()>);

impl Drop for Timer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the timer on the current Tokio runtime (none outside one: then only the pages
/// settle reads, as before).
pub(crate) fn start(store: Store, interval: Duration) -> Option<Arc<Timer>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let interval = interval.max(Duration::from_secs(1));
    let task = runtime.spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = time::OffsetDateTime::now_utc();
            if let Err(e) = store.settle_due_reads_everywhere(now).await {
                tracing::error!(error = %e, "reading: the finalisation timer could not list providers");
            }
        }
    });
    tracing::debug!(every = ?interval, "reading: finalisation timer started");
    Some(Arc::new(Timer(task)))
}
