//! The words of a letter: one template per result kind, named by [`ResultKind::letter`],
//! in standard wording (plain English already) or easy read (one short sentence to a
//! paragraph, everyday words: "pictures" for "images").
//!
//! What every template keeps to:
//! - the kind's plain-language summary ([`ResultKind::summary`]) is said in full, as the
//!   NHS App shows it;
//! - no clinical promises: nothing about what a result means beyond the summary, no
//!   time frames for other teams;
//! - the next test due is stated only for the kinds that return her to screening, and only
//!   when it is known (none past the 71st birthday);
//! - a correction says, first, which letter it replaces.

use domain::results::ResultKind;
use time::Date;

use crate::{LetterFormat, LetterText};

/// The words of `letter`, tailored to its result kind and format.
pub fn text(letter: &crate::Letter) -> LetterText {
    let w = Words::new(letter);
    let (heading, body) = match letter.kind {
        ResultKind::Normal => ("Your breast screening result", w.normal()),
        ResultKind::NormalPartialMammography => {
            ("Your breast screening result", w.partial_mammography())
        }
        ResultKind::TechnicalRecall => (
            "We need to take some of your images again",
            w.technical_recall(),
        ),
        ResultKind::RecallForMoreImages => ("We need to take more images", w.more_images()),
        ResultKind::RecallForAssessment => ("We would like to see you again", w.assessment()),
        ResultKind::DidNotAttend => ("Your breast screening appointment", w.did_not_attend()),
        ResultKind::AttendedNotScreened => (
            "We could not take your mammogram",
            w.attended_not_screened(),
        ),
        ResultKind::AssessmentNormal => ("Your breast assessment result", w.assessment_normal()),
        ResultKind::EarlyRecall => ("Your breast assessment result", w.early_recall()),
        ResultKind::ReferredForTreatment => {
            ("Your breast assessment result", w.referred_for_treatment())
        }
        ResultKind::ReferredToSymptomatic => {
            ("Your breast screening result", w.referred_to_symptomatic())
        }
    };
    let heading = match letter.correction_of {
        Some(_) => format!("Correction: {}", lower_first(heading)),
        None => heading.to_owned(),
    };
    let mut paragraphs = w.correction();
    paragraphs.push(w.greeting());
    paragraphs.extend(body);
    paragraphs.extend(w.sign_off());
    LetterText {
        title: format!("NHS breast screening: {}", lower_first(&heading)),
        heading,
        paragraphs,
    }
}

/// "12 March 2029".
pub(crate) fn long_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// "Your result" -> "your result", for a heading after a prefix.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What the templates share: the format, the letter's facts, and the recurring sentences.
struct Words<'a> {
    letter: &'a crate::Letter,
    easy: bool,
}

impl<'a> Words<'a> {
    fn new(letter: &'a crate::Letter) -> Self {
        Words {
            letter,
            easy: letter.layout.format == LetterFormat::EasyRead,
        }
    }

    /// Pick the standard or the easy-read wording.
    fn pick(&self, standard: &str, easy: &str) -> String {
        if self.easy { easy } else { standard }.to_owned()
    }

    fn provider(&self) -> &str {
        match self.letter.provider_name.trim() {
            "" => "your breast screening service",
            name => name,
        }
    }

    /// "call us on 020 3758 2024", or, without a number, "contact <the office>".
    fn call_us(&self) -> String {
        match self.letter.provider_phone.trim() {
            "" => format!("contact {}", self.provider()),
            phone => format!("call us on {phone}"),
        }
    }

    /// The same, starting a sentence.
    fn call_us_capital(&self) -> String {
        match self.letter.provider_phone.trim() {
            "" => format!("Contact {}", self.provider()),
            phone => format!("Call us on {phone}"),
        }
    }

    fn summary(&self) -> String {
        self.letter.kind.summary().to_owned()
    }

    fn correction(&self) -> Vec<String> {
        let Some(earlier) = self.letter.correction_of else {
            return Vec::new();
        };
        let earlier = long_date(earlier);
        if self.easy {
            vec![
                format!("This letter replaces our letter of {earlier}."),
                "That letter was wrong. Please read this letter instead.".to_owned(),
                "We are sorry.".to_owned(),
            ]
        } else {
            vec![format!(
                "This letter replaces the letter we sent you on {earlier}, which was not \
                 correct. Please read this letter and ignore the earlier one. We are sorry \
                 for any worry this may cause."
            )]
        }
    }

    fn greeting(&self) -> String {
        match self.letter.recipient_name.trim() {
            "" => "Hello,".to_owned(),
            name => format!("Dear {name},"),
        }
    }

    fn sign_off(&self) -> Vec<String> {
        let signature = match self.letter.provider_name.trim() {
            "" => "NHS Breast Screening Programme",
            name => name,
        };
        vec!["Yours sincerely,".to_owned(), signature.to_owned()]
    }

    fn thanks_screening(&self) -> String {
        "Thank you for coming for breast screening.".to_owned()
    }

    fn thanks_assessment(&self) -> String {
        self.pick(
            "Thank you for coming to the assessment clinic.",
            "Thank you for coming to the clinic.",
        )
    }

    /// When she is next due, if known. Only the kinds that return her to screening say it.
    fn next_due(&self) -> Vec<String> {
        let Some(due) = self.letter.next_test_due else {
            return Vec::new();
        };
        let due = long_date(due);
        if self.easy {
            vec![
                format!("Your next breast screening is due by {due}."),
                "We will write to you before then.".to_owned(),
            ]
        } else {
            vec![format!(
                "Your next breast screening is due by {due}. We will write to you before then."
            )]
        }
    }

    /// What to do about a change in her breasts. `screened`: say that screening does not
    /// find every cancer first.
    fn breast_changes(&self, screened: bool) -> Vec<String> {
        if self.easy {
            let mut out = Vec::new();
            if screened {
                out.push("Screening does not find every cancer.".to_owned());
            }
            out.push("Look out for changes in your breasts.".to_owned());
            out.push("If you see or feel a change, go to your GP. Do not wait.".to_owned());
            out
        } else {
            let changes = "If you notice a change in your breasts at any time, such as a \
                           lump, a change in size, shape or skin, or a change in a nipple, \
                           please see your GP.";
            if screened {
                vec![format!(
                    "Screening does not find every cancer. {changes} Do not wait for your \
                     next screening."
                )]
            } else {
                vec![changes.to_owned()]
            }
        }
    }

    fn gp(&self) -> String {
        self.pick(
            "We will also send this result to your GP practice.",
            "We will tell your GP your result.",
        )
    }

    fn questions(&self) -> String {
        if self.easy {
            format!("Any questions? {}.", self.call_us_capital())
        } else {
            format!("If you have any questions, please {}.", self.call_us())
        }
    }

    /// We send the appointment; she can change it.
    fn appointment(&self) -> Vec<String> {
        if self.easy {
            vec![
                "We will send you an appointment.".to_owned(),
                format!("Need a different time? {}.", self.call_us_capital()),
            ]
        } else {
            vec![format!(
                "We will send you an appointment. If the time is not convenient, please {} \
                 to change it.",
                self.call_us()
            )]
        }
    }

    fn normal(&self) -> Vec<String> {
        let mut p = vec![self.thanks_screening(), self.summary()];
        p.extend(self.next_due());
        p.extend(self.breast_changes(true));
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn partial_mammography(&self) -> Vec<String> {
        let mut p = vec![self.thanks_screening(), self.summary()];
        if self.easy {
            p.push("Your result is only about the pictures we took.".to_owned());
            p.push(format!(
                "Want to talk about this? {}.",
                self.call_us_capital()
            ));
        } else {
            p.push(format!(
                "This result is based only on the images we were able to take, so it may \
                 not cover all of your breast tissue. If you would like to talk about this, \
                 please {}.",
                self.call_us()
            ));
        }
        p.extend(self.next_due());
        p.extend(self.breast_changes(true));
        p.push(self.gp());
        p
    }

    fn technical_recall(&self) -> Vec<String> {
        let mut p = vec![self.thanks_screening(), self.summary()];
        p.push(self.pick(
            "This is called a technical recall. It can happen, for example, if an image is \
             blurred. We will take those images again.",
            "This happens sometimes. For example, a picture may be blurred.",
        ));
        p.extend(self.appointment());
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn more_images(&self) -> Vec<String> {
        let mut p = vec![self.thanks_screening(), self.summary()];
        if self.easy {
            p.push("We will take the pictures we could not take last time.".to_owned());
            p.push("We do not need to take the other pictures again.".to_owned());
        } else {
            p.push(
                "At your next appointment we will take the images we could not take last \
                 time. We do not need to take again the images we already have."
                    .to_owned(),
            );
        }
        p.extend(self.appointment());
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn assessment(&self) -> Vec<String> {
        let mut p = vec![self.thanks_screening(), self.summary()];
        if self.easy {
            p.push("You may have more pictures, a scan or a check of your breasts.".to_owned());
            p.extend(self.appointment());
            p.push("You can bring someone with you.".to_owned());
        } else {
            p.push(
                "At the assessment clinic you may have more mammograms, an ultrasound scan \
                 or an examination of your breasts. Some people also have a biopsy, where a \
                 small sample of tissue is taken with a needle."
                    .to_owned(),
            );
            p.extend(self.appointment());
            p.push("You are welcome to bring someone with you.".to_owned());
        }
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn did_not_attend(&self) -> Vec<String> {
        let mut p = vec![self.summary()];
        if self.easy {
            p.push("You can still have breast screening.".to_owned());
            p.push(format!(
                "To book a new appointment, {}.",
                lower_first(&self.call_us_capital())
            ));
            p.push("Tell us if you need any help to come.".to_owned());
            p.push("It is your choice to have screening.".to_owned());
        } else {
            p.push(format!(
                "You can still have breast screening. To book a new appointment, please {}. \
                 If you need any help or changes to come to your appointment, for example \
                 wheelchair access or an interpreter, please tell us when you call.",
                self.call_us()
            ));
            p.push(
                "It is your choice whether to have breast screening. If you have already \
                 booked a new appointment, please ignore this letter."
                    .to_owned(),
            );
        }
        p.extend(self.breast_changes(false));
        p
    }

    fn attended_not_screened(&self) -> Vec<String> {
        let mut p = vec![
            self.pick(
                "Thank you for coming to your breast screening appointment.",
                "Thank you for coming to your appointment.",
            ),
            self.summary(),
        ];
        if self.easy {
            p.push(format!(
                "Do you still want screening? {}.",
                self.call_us_capital()
            ));
            p.push("We can talk about what would help you.".to_owned());
            p.push("It is your choice to have screening.".to_owned());
        } else {
            p.push(format!(
                "If you would still like to have breast screening, please {} to talk about \
                 what would help and to book another appointment. It is your choice whether \
                 to have breast screening.",
                self.call_us()
            ));
        }
        p.extend(self.breast_changes(false));
        p.push(self.gp());
        p
    }

    fn assessment_normal(&self) -> Vec<String> {
        let mut p = vec![self.thanks_assessment(), self.summary()];
        p.push(self.pick(
            "You will now go back to routine breast screening.",
            "You will go back to normal screening.",
        ));
        p.extend(self.next_due());
        p.extend(self.breast_changes(true));
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn early_recall(&self) -> Vec<String> {
        let mut p = vec![self.thanks_assessment(), self.summary()];
        p.extend(self.next_due());
        p.extend(self.breast_changes(true));
        p.push(self.gp());
        p.push(self.questions());
        p
    }

    fn referred_for_treatment(&self) -> Vec<String> {
        let mut p = vec![self.thanks_assessment(), self.summary()];
        if self.easy {
            p.push(format!("Any questions? {}.", self.call_us_capital()));
            p.push("You can bring someone with you to your appointments.".to_owned());
        } else {
            p.push(format!(
                "If you have not heard from them, or you have any questions, please {}.",
                self.call_us()
            ));
            p.push(
                "You may find it helpful to bring someone with you to your appointments."
                    .to_owned(),
            );
        }
        p.push(self.gp());
        p
    }

    fn referred_to_symptomatic(&self) -> Vec<String> {
        let mut p = vec!["Thank you for coming to see us.".to_owned(), self.summary()];
        if self.easy {
            p.push("The breast clinic will send you an appointment.".to_owned());
            p.push(format!("Any questions? {}.", self.call_us_capital()));
        } else {
            p.push(format!(
                "The breast clinic will contact you with an appointment. If you have not \
                 heard from them, or you have any questions, please {}.",
                self.call_us()
            ));
        }
        p.push(self.gp());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Layout, Letter};
    use time::macros::date;

    fn letter(kind: ResultKind, format: LetterFormat) -> Letter {
        Letter {
            provider_name: "West of London Breast Screening Service".to_owned(),
            provider_phone: "020 3758 2024".to_owned(),
            recipient_name: "Janet Williams".to_owned(),
            address_lines: vec!["12 Acacia Avenue".to_owned(), "London".to_owned()],
            nhs_number: "999 123 4567".to_owned(),
            date_of_birth: date!(1960 - 02 - 01),
            letter_date: date!(2026 - 12 - 07),
            kind,
            next_test_due: Some(date!(2029 - 12 - 01)),
            correction_of: None,
            layout: Layout {
                format,
                flags: Vec::new(),
            },
            reference: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned(),
        }
    }

    fn body(t: &LetterText) -> String {
        t.paragraphs.join("\n")
    }

    /// Every template, by its name: its heading and a phrase only it says.
    #[test]
    fn every_kind_has_its_template() {
        let table: &[(&str, &str, &str)] = &[
            (
                "normal",
                "Your breast screening result",
                "no signs of cancer",
            ),
            (
                "normal-partial-mammography",
                "Your breast screening result",
                "based only on the images we were able to take",
            ),
            (
                "technical-recall",
                "We need to take some of your images again",
                "This is called a technical recall",
            ),
            (
                "recall-for-more-images",
                "We need to take more images",
                "the images we could not take last time",
            ),
            (
                "recall-for-assessment",
                "We would like to see you again",
                "ultrasound scan",
            ),
            (
                "did-not-attend",
                "Your breast screening appointment",
                "To book a new appointment, please call us on 020 3758 2024",
            ),
            (
                "attended-not-screened",
                "We could not take your mammogram",
                "to talk about what would help",
            ),
            (
                "assessment-normal",
                "Your breast assessment result",
                "go back to routine breast screening",
            ),
            (
                "early-recall",
                "Your breast assessment result",
                "sooner than usual",
            ),
            (
                "referred-for-treatment",
                "Your breast assessment result",
                "Your breast care team will talk to you",
            ),
            (
                "referred-to-symptomatic",
                "Your breast screening result",
                "The breast clinic will contact you",
            ),
        ];
        assert_eq!(table.len(), ResultKind::ALL.len());
        let mut seen = std::collections::BTreeSet::new();
        for &(template, heading, phrase) in table {
            let kind = ResultKind::ALL
                .iter()
                .copied()
                .find(|k| k.letter() == template);
            let Some(kind) = kind else {
                panic!("no result kind has the template {template}");
            };
            let t = text(&letter(kind, LetterFormat::Standard));
            assert_eq!(t.heading, heading, "{template}");
            assert!(body(&t).contains(phrase), "{template}: {:#?}", t.paragraphs);
            assert!(
                t.paragraphs.iter().any(|p| p == kind.summary()),
                "{template} says its summary as a paragraph: {:#?}",
                t.paragraphs
            );
            assert_eq!(
                t.paragraphs.first().map(String::as_str),
                Some("Dear Janet Williams,")
            );
            assert!(t.title.starts_with("NHS breast screening: "), "{}", t.title);
            assert!(
                seen.insert(body(&t)),
                "{template} has the same words as another"
            );
        }
    }

    /// "More images", "repeat images" and "partial mammography" are told apart.
    #[test]
    fn more_images_repeat_images_and_partial_mammography_differ() {
        let say = |kind| body(&text(&letter(kind, LetterFormat::Standard)));
        let technical = say(ResultKind::TechnicalRecall);
        let more = say(ResultKind::RecallForMoreImages);
        let partial = say(ResultKind::NormalPartialMammography);

        assert!(technical.contains("take some of your images again"));
        assert!(technical.contains("not because of anything we saw"));
        assert!(technical.contains("not clear enough"));
        assert!(!technical.contains("no signs of cancer"));

        assert!(more.contains("could not take all the images we needed"));
        assert!(more.contains("We do not need to take again the images we already have"));
        assert!(!more.contains("not clear enough"));
        assert!(!more.contains("no signs of cancer"));

        assert!(partial.contains("We could not take all the usual images"));
        assert!(partial.contains("The images we took showed no signs of cancer"));
        assert!(partial.contains("may not cover all of your breast tissue"));
        assert!(!partial.contains("We will send you an appointment"));

        assert_ne!(technical, more);
        assert_ne!(more, partial);
    }

    #[test]
    fn did_not_attend_invites_her_to_rebook() {
        for format in LetterFormat::ALL {
            let t = body(&text(&letter(ResultKind::DidNotAttend, *format)));
            assert!(t.contains("book a new appointment"), "{format:?}: {t}");
            assert!(t.contains("call us on 020 3758 2024"), "{format:?}: {t}");
        }
        let mut no_phone = letter(ResultKind::DidNotAttend, LetterFormat::Standard);
        no_phone.provider_phone = "  ".to_owned();
        let t = body(&text(&no_phone));
        assert!(
            t.contains("please contact West of London Breast Screening Service"),
            "{t}"
        );
        assert!(!t.contains("call us on"), "{t}");
    }

    #[test]
    fn a_correction_says_it_replaces_the_earlier_letter() {
        for &kind in ResultKind::ALL {
            for &format in LetterFormat::ALL {
                let mut l = letter(kind, format);
                let plain = text(&l);
                assert!(!plain.heading.starts_with("Correction"));
                assert!(!body(&plain).contains("replaces"));

                l.correction_of = Some(date!(2026 - 11 - 20));
                let t = text(&l);
                assert!(t.heading.starts_with("Correction: "), "{}", t.heading);
                assert!(t.title.contains("correction"), "{}", t.title);
                let first = t.paragraphs.first().cloned().unwrap_or_default();
                assert!(
                    first.contains("This letter replaces") && first.contains("20 November 2026"),
                    "{kind:?} {format:?}: {first}"
                );
            }
        }
    }

    #[test]
    fn next_test_due_is_said_only_when_known_and_only_for_a_return_to_screening() {
        use ResultKind as R;
        let returns = [
            R::Normal,
            R::NormalPartialMammography,
            R::AssessmentNormal,
            R::EarlyRecall,
        ];
        for &kind in R::ALL {
            for &format in LetterFormat::ALL {
                let mut l = letter(kind, format);
                let with = body(&text(&l));
                assert_eq!(
                    with.contains("Your next breast screening is due by 1 December 2029."),
                    returns.contains(&kind),
                    "{kind:?} {format:?}: {with}"
                );
                l.next_test_due = None;
                let without = body(&text(&l));
                assert!(
                    !without.contains("next breast screening is due"),
                    "{without}"
                );
                assert!(!without.contains("2029"), "{without}");
                assert!(
                    !without.contains("We will write to you before then"),
                    "{without}"
                );
            }
        }
    }

    #[test]
    fn easy_read_uses_short_sentences() {
        for &kind in ResultKind::ALL {
            let easy = text(&letter(kind, LetterFormat::EasyRead));
            let standard = text(&letter(kind, LetterFormat::Standard));
            assert_eq!(easy.heading, standard.heading);
            assert_ne!(easy.paragraphs, standard.paragraphs, "{kind:?}");
            for p in &easy.paragraphs {
                // The summary is the shared plain-language sentence, said as it is.
                if p == kind.summary() {
                    continue;
                }
                for sentence in p.split_terminator(['.', '?']) {
                    let words = sentence.split_whitespace().count();
                    assert!(words <= 15, "{kind:?}: {words} words in {sentence:?}");
                }
            }
            let longest = |t: &LetterText| {
                t.paragraphs
                    .iter()
                    .filter(|p| *p != kind.summary())
                    .map(|p| p.split_whitespace().count())
                    .max()
                    .unwrap_or(0)
            };
            assert!(longest(&easy) < longest(&standard), "{kind:?}");
        }
    }

    #[test]
    fn large_print_has_the_standard_words() {
        for &kind in ResultKind::ALL {
            assert_eq!(
                text(&letter(kind, LetterFormat::LargePrint)),
                text(&letter(kind, LetterFormat::Standard))
            );
        }
    }

    #[test]
    fn an_empty_name_and_office_still_read_well() {
        let mut l = letter(ResultKind::Normal, LetterFormat::Standard);
        l.recipient_name = " ".to_owned();
        l.provider_name = String::new();
        l.provider_phone = String::new();
        let t = text(&l);
        assert_eq!(t.paragraphs.first().map(String::as_str), Some("Hello,"));
        assert!(body(&t).contains("please contact your breast screening service"));
        assert_eq!(
            t.paragraphs.last().map(String::as_str),
            Some("NHS Breast Screening Programme")
        );
    }

    #[test]
    fn long_dates() {
        assert_eq!(long_date(date!(2029 - 03 - 02)), "2 March 2029");
        assert_eq!(long_date(date!(2026 - 12 - 31)), "31 December 2026");
    }
}
