//! Participants: the people screened, and what they need from the service.

use time::Date;

labelled_enum! {
    pub enum Sex ("sex") {
        Female => ("female", "Female"),
        Male => ("male", "Male"),
        NotKnown => ("not_known", "Not known"),
    }
}

labelled_enum! {
    /// The ONS 2021 ethnic groups used in NHS records.
    pub enum Ethnicity ("ethnicity") {
        WhiteBritish => ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
        WhiteIrish => ("white_irish", "White: Irish"),
        WhiteGypsy => ("white_gypsy", "White: Gypsy or Irish Traveller"),
        WhiteRoma => ("white_roma", "White: Roma"),
        WhiteOther => ("white_other", "White: Any other White background"),
        MixedWhiteBlackCaribbean => ("mixed_white_black_caribbean", "Mixed or multiple ethnic groups: White and Black Caribbean"),
        MixedWhiteBlackAfrican => ("mixed_white_black_african", "Mixed or multiple ethnic groups: White and Black African"),
        MixedWhiteAsian => ("mixed_white_asian", "Mixed or multiple ethnic groups: White and Asian"),
        MixedOther => ("mixed_other", "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background"),
        AsianIndian => ("asian_indian", "Asian or Asian British: Indian"),
        AsianPakistani => ("asian_pakistani", "Asian or Asian British: Pakistani"),
        AsianBangladeshi => ("asian_bangladeshi", "Asian or Asian British: Bangladeshi"),
        AsianChinese => ("asian_chinese", "Asian or Asian British: Chinese"),
        AsianOther => ("asian_other", "Asian or Asian British: Any other Asian background"),
        BlackAfrican => ("black_african", "Black, Black British, Caribbean or African: African"),
        BlackCaribbean => ("black_caribbean", "Black, Black British, Caribbean or African: Caribbean"),
        BlackOther => ("black_other", "Black, Black British, Caribbean or African: Any other Black, Black British, or Caribbean background"),
        OtherArab => ("other_arab", "Other ethnic group: Arab"),
        OtherAny => ("other_any", "Other ethnic group: Any other ethnic group"),
        NotStated => ("not_stated", "Prefer not to say"),
    }
}

labelled_enum! {
    /// How a participant prefers to receive information.
    pub enum CommunicationPreference ("communication preference") {
        EasyRead => ("easy_read", "Easy read"),
        PlainEnglish => ("plain_english", "Plain English"),
        Braille => ("braille", "Braille"),
        LargePrint => ("large_print", "Large print"),
        Audio => ("audio", "Audio"),
        OtherLanguage => ("other_language", "Another language"),
        Interpreter => ("interpreter", "Needs an interpreter"),
    }
}

labelled_enum! {
    /// Reasonable adjustments a participant needs.
    pub enum AccessNeed ("access need") {
        WheelchairAccess => ("wheelchair_access", "Wheelchair-accessible venue"),
        Hearing => ("hearing", "Hearing"),
        Vision => ("vision", "Vision"),
        LearningDisability => ("learning_disability", "Learning disability"),
        MentalHealth => ("mental_health", "Mental health"),
        GenderIdentity => ("gender_identity", "Gender identity"),
    }
}

labelled_enum! {
    /// "Why does {name} need additional support?"
    pub enum SupportReason ("support reason") {
        BreastImplants => ("breast_implants", "Breast implants"),
        ImplantedMedicalDevices => ("implanted_medical_devices", "Implanted medical devices"),
        Vision => ("vision", "Vision"),
        Hearing => ("hearing", "Hearing"),
        PhysicalRestriction => ("physical_restriction", "Physical restriction"),
        SocialEmotionalMentalHealth => ("social_emotional_mental_health", "Social, emotional, and mental health"),
        Language => ("language", "Language"),
        GenderIdentity => ("gender_identity", "Gender identity"),
        Other => ("other", "Other"),
    }
}

/// Age in whole years on `on` for someone born on `date_of_birth` (0 if `on` is earlier).
/// A person born on 29 February has their birthday on 1 March in other years.
pub fn age_on(date_of_birth: Date, on: Date) -> u16 {
    if on < date_of_birth {
        return 0;
    }
    let mut years = on.year() - date_of_birth.year();
    let birthday_passed =
        (on.month() as u8, on.day()) >= (date_of_birth.month() as u8, date_of_birth.day());
    if !birthday_passed {
        years -= 1;
    }
    u16::try_from(years).unwrap_or(0)
}

/// Normalises and checks a UK postcode ("sw1a1aa" -> "SW1A 1AA").
pub fn normalise_postcode(input: &str) -> Option<String> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let len = compact.len();
    if !(5..=7).contains(&len) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(len - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic()
        && outward.bytes().all(|c| c.is_ascii_alphanumeric())
        && outward.bytes().any(|c| c.is_ascii_digit());
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// Checks a GP practice ODS code: a letter followed by five digits ("A81001").
pub fn is_gp_practice_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_table() {
        let cases = [
            (date!(1960 - 06 - 15), date!(2026 - 06 - 14), 65),
            (date!(1960 - 06 - 15), date!(2026 - 06 - 15), 66),
            (date!(1960 - 02 - 29), date!(2026 - 02 - 28), 65),
            (date!(1960 - 02 - 29), date!(2026 - 03 - 01), 66),
            (date!(2030 - 01 - 01), date!(2026 - 01 - 01), 0),
        ];
        for (dob, on, age) in cases {
            assert_eq!(age_on(dob, on), age, "{dob} on {on}");
        }
    }

    #[test]
    fn postcode_table() {
        let cases = [
            ("SW1A 1AA", Some("SW1A 1AA")),
            ("sw1a1aa", Some("SW1A 1AA")),
            ("LS1 4AP", Some("LS1 4AP")),
            ("M1 1AE", Some("M1 1AE")),
            ("12345", None),
            ("SW1A", None),
            ("SW1A 1A1", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise_postcode(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn ods_codes() {
        for (code, ok) in [
            ("A81001", true),
            ("a81001", false),
            ("A8100", false),
            ("AB1001", false),
        ] {
            assert_eq!(is_gp_practice_code(code), ok, "{code}");
        }
    }
}
