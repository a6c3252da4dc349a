//! The versioned JSON API, `/api/v1`: every action a person can take in the pages, for
//! other systems and scripts. Authenticated by bearer tokens (per user or per system),
//! provider-scoped exactly like the pages. Described by `/api/v1/openapi.json`.

mod gateway;
mod office;
mod problem;
mod reading;
mod resources;
mod workflow;

pub use problem::{Problem, ProblemField};

use crate::state::AppState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{get, post};
use domain::{Permission, Role};
use store::{Actor, ApiPrincipal, Scope};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/clinics", get(resources::list_clinics))
        .route("/clinics/{id}", get(resources::get_clinic))
        .route(
            "/clinics/{id}/appointments",
            get(resources::clinic_appointments),
        )
        .route("/appointments", post(resources::book_appointment))
        .route("/appointments/{id}", get(resources::get_appointment))
        .route("/appointments/{id}/check-in", post(resources::check_in))
        .route(
            "/appointments/{id}/actions",
            post(resources::appointment_action),
        )
        .route(
            "/participants",
            get(resources::search_participants).post(resources::create_participant),
        )
        .route("/participants/{id}", get(resources::get_participant))
        .route(
            "/participants/{id}/appointments",
            get(resources::participant_appointments),
        )
        .route("/appointments/{id}/workflow", get(workflow::get_workflow))
        .route(
            "/appointments/{id}/identity",
            post(workflow::confirm_identity),
        )
        .route("/appointments/{id}/notes", post(workflow::add_note))
        .route(
            "/appointments/{id}/room",
            axum::routing::put(workflow::set_room),
        )
        .route(
            "/appointments/{id}/images",
            axum::routing::put(workflow::save_images),
        )
        .route(
            "/appointments/{id}/medical-information",
            get(workflow::get_medical).put(workflow::save_medical),
        )
        .route(
            "/appointments/{id}/cannot-proceed",
            post(office::cannot_proceed),
        )
        .route("/appointments/{id}/cancel", post(office::cancel))
        .route("/appointments/{id}/complete", post(office::complete))
        .route("/appointments/{id}/discard", post(office::discard))
        .route(
            "/appointments/{id}/attended-not-screened",
            post(office::attended_not_screened_details),
        )
        .route("/clinics/{id}/close", post(office::close))
        .route("/clinics/{id}/close/bulk", post(office::bulk))
        .route("/follow-ups", get(office::follow_ups))
        .route("/follow-ups/{id}", get(office::get_follow_up))
        .route(
            "/follow-ups/{id}/status",
            post(office::set_follow_up_status),
        )
        .route(
            "/office/settings",
            get(office::get_office_settings).put(office::put_office_settings),
        )
        .route(
            "/participants/{id}/special-appointment",
            axum::routing::put(resources::set_special_appointment),
        )
        .route("/reading/cases", get(reading::cases))
        .route("/reading/dashboard", get(reading::dashboard))
        .route("/reading/cases/{id}", get(reading::get_case))
        .route("/reading/cases/{id}/reads", post(reading::record_read))
        .route("/reading/cases/{id}/arbitration", post(reading::arbitrate))
        .route("/reading/cases/{id}/skip", post(reading::skip))
        .route("/reading/cases/{id}/defer", post(reading::defer))
        .route("/reading/cases/{id}/priors", post(reading::request_priors))
        .route(
            "/reading/cases/{id}/priors-status",
            axum::routing::put(reading::priors_status),
        )
        .route("/reading/cases/{id}/unflag", post(reading::unflag))
        .route("/reading/sessions", post(reading::start_session))
        .route("/reading/sessions/{id}", get(reading::get_session))
        .route("/reading/sessions/{id}/next", post(reading::next_case))
        .route(
            "/reading/sessions/{id}/finish",
            post(reading::finish_session),
        )
        .route("/reading/finalise", post(reading::finalise))
        .route("/reading/holds", get(reading::holds))
        .route("/reading/outcomes", get(reading::outcomes))
        .route("/reading/overdue", get(reading::overdue))
        .route("/reading/performance", get(reading::performance))
        .route(
            "/reading/settings",
            get(reading::get_settings).put(reading::put_settings),
        )
        .route(
            "/participants/{id}/episodes",
            get(reading::participant_episodes),
        )
        .route("/gateway/worklist", get(gateway::worklist))
        .route(
            "/gateway/events",
            post(gateway::events).layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(
            "/appointments/{id}/received-images",
            get(gateway::received_images),
        )
        .route(
            "/appointments/{id}/images/confirm-received",
            post(gateway::confirm_received),
        )
        .route(
            "/appointments/{id}/images/manual-mode",
            post(gateway::manual_mode),
        )
        .route("/gateways", get(gateway::gateways))
        .route("/quarantined-images", get(gateway::quarantined))
        .route("/received-images/{id}/thumbnail", get(gateway::thumbnail))
        .route(
            "/quarantined-images/{id}/attach",
            post(gateway::attach_quarantined),
        )
        .route(
            "/quarantined-images/{id}/dismiss",
            post(gateway::dismiss_quarantined),
        )
        .route(
            "/quarantined-images/{id}/confirm-attach",
            post(gateway::confirm_attach_quarantined),
        )
        .route("/received-images/{id}/detach", post(gateway::detach))
        .route("/image-discrepancies", get(gateway::discrepancies))
        .route("/image-discrepancies/{id}/resolve", post(gateway::resolve))
        .fallback(|| async { Problem::not_found() })
        .with_state(state)
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
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Problem;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(Problem::unauthorized)?;
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
    paths(
        resources::list_clinics,
        resources::get_clinic,
        resources::clinic_appointments,
        resources::book_appointment,
        resources::get_appointment,
        resources::check_in,
        resources::appointment_action,
        resources::search_participants,
        resources::create_participant,
        resources::get_participant,
        resources::participant_appointments,
        resources::set_special_appointment,
        reading::cases,
        reading::dashboard,
        reading::get_case,
        reading::record_read,
        reading::arbitrate,
        reading::skip,
        reading::defer,
        reading::request_priors,
        reading::priors_status,
        reading::unflag,
        reading::start_session,
        reading::get_session,
        reading::next_case,
        reading::finish_session,
        reading::finalise,
        reading::holds,
        reading::outcomes,
        reading::overdue,
        reading::performance,
        reading::get_settings,
        reading::put_settings,
        reading::participant_episodes,
        gateway::worklist,
        gateway::events,
        gateway::received_images,
        gateway::confirm_received,
        gateway::manual_mode,
        gateway::gateways,
        gateway::quarantined,
        gateway::attach_quarantined,
        gateway::thumbnail,
        gateway::dismiss_quarantined,
        gateway::confirm_attach_quarantined,
        gateway::detach,
        gateway::discrepancies,
        gateway::resolve,
        office::cannot_proceed,
        office::cancel,
        office::complete,
        office::discard,
        office::attended_not_screened_details,
        office::close,
        office::bulk,
        office::follow_ups,
        office::get_follow_up,
        office::set_follow_up_status,
        office::get_office_settings,
        office::put_office_settings,
        workflow::get_workflow,
        workflow::confirm_identity,
        workflow::add_note,
        workflow::set_room,
        workflow::save_images,
        workflow::get_medical,
        workflow::save_medical,
    ),
    components(schemas(
        Problem, ProblemField, store::ClinicSummary, store::TabCounts, store::ClinicAppointmentRow,
        store::AppointmentDetail, store::StatusChange, store::Participant, store::NewParticipant,
        store::SupportNeed, store::ParticipantAppointment, store::NewAppointment,
        resources::SupportRequest,
        resources::ClinicList, resources::StatusResult, resources::ActionRequest, resources::Created,
        store::Workflow, store::SectionRecord, store::Note, store::CarriedMedical, store::Room,
        office::Ended, office::CannotProceedRequest, office::CancelRequest, office::BulkRequest, office::BulkResult,
        store::FollowUp, store::FollowUpDetail, store::FollowUpChange, store::OfficeSettings,
        office::FollowUpItem, office::FollowUpStatusRequest,
        store::ReadingCase, reading::CaseView, store::ReadingCounts, store::OverdueCase, store::CaseDetail, store::ReadView,
        store::ArbitrationView, store::CaseHold, store::PreviousEpisode, store::ReadRecorded,
        store::ReadingSession, store::SessionCase, store::ReadingSettings, store::ReaderStats,
        store::MammographerStats, store::EpisodeSummary, store::EpisodeChange,
        reading::NewSession, reading::Created, reading::NextCase, reading::Finalised, reading::NewRead,
        reading::NewArbitrationBody, reading::SessionRef, reading::HoldBody, reading::PriorsStatusBody,
        reading::Performance,
        store::GatewayStatus, store::WorklistItem, store::ReceivedImage, store::ImageCapture,
        store::DiscrepancyRecord, store::EventReceipt, gateway::WorklistPage, gateway::CaptureView,
        gateway::ConfirmRequest, gateway::Confirmed, gateway::ManualModeRequest, gateway::ResolveRequest,
        gateway::SettleRequest, gateway::Settled, gateway::Detached, store::QuarantineCandidate,
        store::AttachRequest, store::Detachment,
        workflow::Saved, workflow::VersionedRequest, workflow::NoteRequest, workflow::RoomRequest,
        workflow::ImagesRequest, workflow::ImagesSaved,
        workflow::MedicalRequest, workflow::MedicalSaved, workflow::MedicalView,
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

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(crate::outbox::with_api_paths(ApiDoc::openapi()))
}
