//! Step 2: "Review medical information". (Pages to come: this stub only answers what the
//! images step needs from it.)

use domain::imaging::ImagingContext;
use store::Workflow;

/// Which breasts are expected to be imaged and whether there are implants, from the
/// medical information recorded in this appointment.
#[allow(dead_code)] // called by the images step
pub fn imaging_context(_wf: &Workflow) -> ImagingContext {
    ImagingContext::default()
}
