//! The gateway pages moved to `features::gateways::pages`; the reading pages still name the
//! PatientID warning here until they move too.

pub use crate::features::gateways::app::patient_id_warning;
