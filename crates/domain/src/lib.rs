//! Pure breast screening domain rules. No I/O lives here: every rule is a function of its
//! inputs, so it can be tested exhaustively and reused by the store, the web service and
//! the API alike.

#[macro_use]
mod labelled;

pub mod appointment;
pub mod assessment;
pub mod ceasing;
pub mod clinic;
pub mod dates;
pub mod delivery;
pub mod end_code;
pub mod ending;
pub mod episode;
pub mod events;
pub mod follow_up;
pub mod gateway;
pub mod ids;
pub mod imaging;
pub mod medical;
pub mod nhs_number;
pub mod participant;
pub mod reading;
pub mod results;
pub mod role;
pub mod round;
#[cfg(feature = "openapi")]
mod schema;
pub mod validation;
pub mod workflow;

pub use appointment::{
    AppointmentAction, AppointmentStatus, ClinicFilter, ClinicTiming, NotAllowed, RowAction,
    TransitionError,
};
pub use clinic::{ClinicStatus, ClinicTab, ClinicType, LocationKind, RiskType, Session};
pub use episode::{EpisodeOutcome, EpisodeStage, EpisodeType};
pub use labelled::UnknownValue;
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use participant::{AccessNeed, CommunicationPreference, Ethnicity, Sex, SupportReason, age_on};
pub use role::{Permission, Role};
