//! A queued delivery as what goes out: the participant's letter and the GP message, both
//! from the one result record (as issued: its wording and coding do not change later).

use crate::Error;
use domain::dates::london_date;
use store::Outgoing;

/// The letter to the participant, dated the day the result was issued (so a preview or a
/// re-issue prints the same letter). A correction says which letter it replaces.
pub fn letter(o: &Outgoing) -> letters::Letter {
    let r = &o.result;
    letters::Letter {
        provider_name: o.provider_name.clone(),
        provider_phone: String::new(),
        recipient_name: format!("{} {}", o.first_name, o.last_name),
        address_lines: o.address.clone(),
        nhs_number: domain::nhs_number::format_digits(&r.nhs_number),
        date_of_birth: o.date_of_birth,
        letter_date: london_date(r.created_at),
        kind: r.kind,
        next_test_due: r.next_test_due,
        correction_of: o.supersedes_issued_at.map(london_date),
        layout: letters::layout_for(&o.communication_preferences),
        reference: r.id.to_string(),
    }
}

/// The letter as a PDF.
pub fn letter_pdf(o: &Outgoing) -> Result<Vec<u8>, Error> {
    Ok(letters::render(&letter(o))?)
}

/// The GP message: a FHIR message bundle whose id is the delivery's (so the practice's
/// acknowledgement names the delivery), with the letter attached.
pub fn gp_message(o: &Outgoing, letter_pdf: &[u8]) -> Vec<u8> {
    let r = &o.result;
    let coding = |c: &Option<store::ResultCode>| {
        c.as_ref().map(|c| gp_message::Coding {
            code: c.code.clone(),
            display: c.display.clone(),
        })
    };
    gp_message::to_bytes(&gp_message::GpResult {
        bundle_id: o.delivery_id,
        result_id: r.id,
        version: r.version,
        supersedes: r.supersedes_id,
        issued: r.created_at,
        nhs_number: r.nhs_number.clone(),
        family_name: o.last_name.clone(),
        given_name: o.first_name.clone(),
        date_of_birth: o.date_of_birth,
        gp_practice: gp_message::Organisation {
            ods_code: o.gp_practice_code.clone(),
            name: format!("GP practice {}", o.gp_practice_code),
        },
        sender: gp_message::Organisation {
            ods_code: o.provider_code.clone(),
            name: o.provider_name.clone(),
        },
        kind: r.kind,
        text: r.gp_text.clone(),
        finding: coding(&r.finding),
        procedure: coding(&r.procedure),
        next_test_due: r.next_test_due,
        letter_pdf,
    })
}

/// The GP message with its letter, rendered together.
pub fn gp_message_with_letter(o: &Outgoing) -> Result<Vec<u8>, Error> {
    let pdf = letter_pdf(o)?;
    Ok(gp_message(o, &pdf))
}
