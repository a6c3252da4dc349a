//! Typed ids: one type per kind of record, so an episode's id cannot be passed where an
//! appointment's is meant. Each is a time-ordered UUID (ADR 5) underneath, and is exactly a
//! UUID string in JSON, in the OpenAPI document and in the database.
//!
//! An appointment's id reaches what acts on an appointment:
//!
//! ```
//! use domain::ids::AppointmentId;
//! fn check_in(_: AppointmentId) {}
//! check_in(AppointmentId::from_uuid(Default::default()));
//! ```
//!
//! and an episode's id does not (hazard H-74; the doctest fails to build, with E0308):
//!
//! ```compile_fail,E0308
//! use domain::ids::{AppointmentId, EpisodeId};
//! fn check_in(_: AppointmentId) {}
//! check_in(EpisodeId::from_uuid(Default::default()));
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id of an existing record, from its UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                $name(id)
            }

            /// The UUID underneath.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }

        /// A UUID string, as every id is on the wire.
        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                use ::utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ::utoipa::openapi::RefOr::T(::utoipa::openapi::schema::Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                        .build(),
                ))
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {}
    )+};
}

typed_id! {
    /// A breast screening provider (an office).
    ProviderId,
    /// A person invited for screening.
    ParticipantId,
    /// One screening episode of a participant.
    EpisodeId,
    /// One appointment in a clinic.
    AppointmentId,
    /// A clinic (a session of appointments at a location).
    ClinicId,
    /// A reading case: the images of one screen, read twice.
    CaseId,
    /// A request for the office to act (a recall, a referral, more images).
    FollowUpId,
    /// An assessment appointment's record.
    AssessmentId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_in_text_and_json() {
        let uuid = Uuid::parse_str("01890a5d-ac96-774b-bcce-b302099a8057").expect("uuid");
        let id = AppointmentId::from_uuid(uuid);
        assert_eq!(id.to_string(), "01890a5d-ac96-774b-bcce-b302099a8057");
        assert_eq!(id.uuid(), uuid);
        assert_eq!(
            serde_json::to_value(id).ok(),
            Some(serde_json::json!("01890a5d-ac96-774b-bcce-b302099a8057"))
        );
        let back: Result<AppointmentId, _> =
            serde_json::from_value(serde_json::json!("01890a5d-ac96-774b-bcce-b302099a8057"));
        assert_eq!(back.ok(), Some(id));
        assert_eq!(
            "01890a5d-ac96-774b-bcce-b302099a8057"
                .parse::<AppointmentId>()
                .ok(),
            Some(id)
        );
    }

    #[test]
    fn text_that_is_not_a_uuid_is_not_an_id() {
        for bad in ["", "42", "01890a5d-ac96-774b-bcce", "not-an-id"] {
            assert!(bad.parse::<EpisodeId>().is_err(), "{bad:?}");
            assert!(
                serde_json::from_value::<EpisodeId>(serde_json::json!(bad)).is_err(),
                "{bad:?}"
            );
        }
    }
}
