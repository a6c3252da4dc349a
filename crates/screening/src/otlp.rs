//! Span export over OpenTelemetry's OTLP (HTTP with protobuf), for a tracing back end
//! (Jaeger, Tempo, Honeycomb via a collector). Off unless `OTEL_EXPORTER_OTLP_ENDPOINT`
//! is set, e.g. `http://127.0.0.1:4318` for a collector beside the service; the standard
//! `OTEL_*` variables (service name, headers, timeout) are honoured by the exporter.
//!
//! Spans carry ids only (request id, provider, user, record ids): the rule in
//! `web::telemetry` that names, NHS numbers and query strings never go on spans is what
//! makes sending them off the machine safe.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// The environment variable that turns export on.
pub const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The tracer provider while export is on; flush it with [`Exporting::shutdown`] before
/// the process ends so the last spans are sent.
pub struct Exporting {
    provider: SdkTracerProvider,
}

impl Exporting {
    /// Sends what is still buffered and stops the exporter.
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("OTLP: the last spans could not be sent: {e}");
        }
    }
}

/// The OTLP layer for the subscriber, when the endpoint is configured. A malformed
/// endpoint is a start-up error rather than silently no export.
pub fn layer<S>() -> anyhow::Result<
    Option<(
        tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>,
        Exporting,
    )>,
>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let Some(endpoint) = std::env::var(ENDPOINT)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    // The variable names the collector's base address; traces go to its `/v1/traces`.
    let traces = format!("{}/v1/traces", endpoint.trim().trim_end_matches('/'));
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(traces.clone())
        .build()
        .map_err(|e| anyhow::anyhow!("{ENDPOINT}={endpoint}: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "screening".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer("screening");
    eprintln!("OTLP: exporting spans to {traces}");
    Ok(Some((
        tracing_opentelemetry::layer().with_tracer(tracer),
        Exporting { provider },
    )))
}
