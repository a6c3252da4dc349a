//! Special appointments: why a participant needs additional support.

use super::*;

/// "Are any of these reasons temporary?"
pub const SUPPORT_TEMPORARY_QUESTION: &str = "Are any of these reasons temporary?";

/// "Why does {name} need additional support?"
pub fn support_question(name: &str) -> String {
    format!("Why does {name} need additional support?")
}

/// Checks a special appointment: at least one reason, each once, each with details of the
/// support required (field `"{reason value}_details"`), and an answer to
/// [`SUPPORT_TEMPORARY_QUESTION`].
pub fn validate_support(
    needs: &[(SupportReason, String)],
    temporary: Option<bool>,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if needs.is_empty() {
        e.add("reasons", "Select why they need additional support");
    }
    for (i, (reason, _)) in needs.iter().enumerate() {
        if needs[..i].iter().any(|(r, _)| r == reason) {
            e.add("reasons", "Select each reason only once");
            break;
        }
    }
    for (reason, details) in needs {
        if is_blank(details) {
            e.add(
                format!("{}_details", reason.as_str()),
                format!(
                    "Describe the support required for {}",
                    reason.label().to_lowercase()
                ),
            );
        }
    }
    if temporary.is_none() {
        e.add(
            "temporary",
            "Select whether any of these reasons are temporary",
        );
    }
    e.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medical::test_support::{fields, messages};

    #[test]
    fn support_validation_table() {
        use SupportReason as R;
        let s = |r: R, d: &str| (r, d.to_owned());
        type Case = (Vec<(R, String)>, Option<bool>, Vec<&'static str>);
        let table: Vec<Case> = vec![
            (
                vec![s(R::BreastImplants, "Eklund technique")],
                Some(false),
                vec![],
            ),
            (vec![], None, vec!["reasons", "temporary"]),
            (
                vec![
                    s(R::Vision, "Partially sighted"),
                    s(R::PhysicalRestriction, " "),
                ],
                Some(true),
                vec!["physical_restriction_details"],
            ),
            (
                vec![s(R::Other, ""), s(R::Language, "")],
                Some(false),
                vec!["other_details", "language_details"],
            ),
            (
                vec![s(R::Hearing, "BSL"), s(R::Hearing, "BSL")],
                Some(false),
                vec!["reasons"],
            ),
            (
                vec![s(R::GenderIdentity, "End of day")],
                None,
                vec!["temporary"],
            ),
        ];
        for (needs, temporary, expected) in table {
            assert_eq!(
                fields(validate_support(&needs, temporary)),
                expected,
                "{needs:?} {temporary:?}"
            );
        }
        assert_eq!(
            messages(validate_support(
                &[s(R::SocialEmotionalMentalHealth, "")],
                Some(false)
            )),
            ["Describe the support required for social, emotional, and mental health"]
        );
        assert_eq!(
            support_question("Janet"),
            "Why does Janet need additional support?"
        );
    }
}
