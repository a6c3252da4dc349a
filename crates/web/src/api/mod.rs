//! The versioned JSON API, `/api/v1`: every action a person can take in the pages, for
//! other systems and scripts. Authenticated by bearer tokens (per user or per system),
//! provider-scoped exactly like the pages. Described by `/api/v1/openapi.json`.

mod problem;
mod resources;

pub use problem::{ApiJson, Problem, ProblemField};

use crate::features::workflow::api as workflow;
use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::get;
use domain::{Permission, Role};
use store::{Actor, ApiPrincipal, Scope};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

/// The API's routes. Each feature's router declares its routes once, with their OpenAPI
/// entries (`utoipa_axum::routes!`), so the document served at `/openapi.json` is assembled
/// from the routers and cannot miss a route.
pub fn router(state: AppState) -> Router<AppState> {
    let (router, doc) = api_routes().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/openapi.json",
            get(move || {
                let doc = std::sync::Arc::clone(&doc);
                async move { axum::Json(doc) }
            }),
        )
        .fallback(|| async { Problem::not_found() })
        .with_state(state)
}

/// Every API route with its OpenAPI entry, and the document's title, schemas and security.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(resources::router())
        .merge(crate::outbox::api_routes())
        .merge(crate::features::api_routes())
}

/// The caller of an API request, from its bearer token.
pub struct ApiCaller(pub ApiPrincipal);

impl ApiCaller {
    pub fn scope(&self) -> Scope {
        Scope {
            provider_id: self.0.provider_id,
        }
    }
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.0.user_id,
            name: if self.0.user_id.is_some() {
                self.0.name.clone()
            } else {
                format!("API: {}", self.0.name)
            },
            provider_id: Some(self.0.provider_id),
        }
    }
    pub fn require(&self, permission: Permission) -> Result<(), Problem> {
        if domain::role::any_grants(&self.0.roles, permission) {
            Ok(())
        } else {
            Err(Problem::forbidden())
        }
    }
    pub fn roles(&self) -> &[Role] {
        &self.0.roles
    }
    /// The caller of a use case.
    pub fn caller(&self) -> crate::application::Caller {
        crate::application::Caller {
            scope: self.scope(),
            actor: self.actor(),
            roles: self.0.roles.clone(),
        }
    }
}

/// The bearer token of a request (a person's or system's API token, or a gateway's),
/// or 401 problem details when there is none.
pub fn bearer_token(parts: &Parts) -> Result<&str, Problem> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(Problem::unauthorized)
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Problem;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = crate::api::bearer_token(parts)?;
        let key = store::hash_secret(token);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let cached = state.api_callers.read().ok().and_then(|m| {
            m.get(&key)
                .filter(|(_, at)| now - at < 30)
                .map(|(p, _)| p.clone())
        });
        let principal = match cached {
            Some(p) => p,
            None => match state.store.api_principal(token).await {
                Ok(Some(p)) => {
                    if let Ok(mut m) = state.api_callers.write() {
                        if m.len() > 10_000 {
                            m.clear();
                        }
                        m.insert(key, (p.clone(), now));
                    }
                    p
                }
                Ok(None) => return Err(Problem::unauthorized()),
                Err(e) => return Err(e.into()),
            },
        };
        if principal.roles.is_empty() {
            return Err(Problem::unauthorized());
        }
        crate::telemetry::record_caller(Some(principal.provider_id), principal.user_id);
        Ok(ApiCaller(principal))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Manage breast screening API",
        version = "1.0.0",
        description = "Clinics, appointments and participants of one breast screening provider. \
            Every request acts for the provider of its bearer token and sees only that provider's records. \
            Errors are RFC 9457 problem details."
    ),
    servers((url = "/api/v1")),
    components(schemas(
        Problem, ProblemField, store::ClinicSummary, store::TabCounts, store::ClinicAppointmentRow,
        store::AppointmentDetail, store::StatusChange, store::Participant, store::NewParticipant,
        store::SupportNeed, store::ParticipantAppointment, store::NewAppointment,
        crate::features::participants::api::SupportRequest,
        crate::features::clinics::api::ClinicList, resources::StatusResult, resources::ActionRequest, resources::Created,
        store::Workflow, store::Sections, store::Note, store::CarriedMedical, store::Room,
        crate::features::closing::api::BulkRequest, crate::features::closing::api::BulkResult,
        store::FollowUp, store::FollowUpDetail, store::FollowUpChange, store::OfficeSettings,
        crate::features::follow_ups::api::FollowUpItem, crate::features::follow_ups::api::FollowUpStatusRequest,
        store::ReadingCase, store::ReadingCounts, store::OverdueCase, store::CaseDetail, store::ReadView,
        store::ArbitrationView, store::CaseHold, store::PreviousEpisode, store::ReadRecorded,
        store::ReadingSession, store::SessionCase, store::ReadingSettings, store::ReaderStats,
        store::MammographerStats, store::EpisodeSummary, store::EpisodeChange,
        store::GatewayStatus, store::WorklistItem, store::ReceivedImage, store::ImageCapture,
        store::DiscrepancyRecord, store::EventReceipt, crate::features::gateways::api::WorklistPage,
        crate::features::gateways::api::ResolveRequest, crate::features::gateways::api::SettleRequest,
        crate::features::gateways::api::Settled, crate::features::gateways::api::Detached, store::QuarantineCandidate,
        store::AttachRequest, store::Detachment,
        workflow::Saved, workflow::VersionedRequest, workflow::NoteRequest, workflow::RoomRequest,
        workflow::ImagesRequest, workflow::ImagesSaved,
        workflow::MedicalRequest, workflow::MedicalSaved, workflow::MedicalView,
        workflow::Ended, workflow::CannotProceedRequest, workflow::CancelRequest,
        workflow::CaptureView, workflow::CaptureCounts, workflow::ConfirmRequest, workflow::Confirmed,
        workflow::ManualModeRequest,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "gateway",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
