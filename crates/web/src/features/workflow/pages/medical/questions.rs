//! The questions of each kind of medical information: mammogram history, medical history items, symptoms, breast features and density factors: their fields, how answers are read, and how they are summarised.

use super::*;

// ---------------------------------------------------------------------------------------
// Mammogram history
// ---------------------------------------------------------------------------------------

pub(super) const WHEN_EXACT: &str = "exact_date";
pub(super) const WHEN_AT_LEAST: &str = "not_sure_at_least_6_months";
pub(super) const WHEN_LESS_THAN: &str = "not_sure_less_than_6_months";

pub(super) fn mammogram_fields(v: &Answers, full_name: &str, today: Date) -> Vec<Field> {
    let when = [
        (WHEN_EXACT, MammogramWhen::ExactDate(today)),
        (WHEN_AT_LEAST, MammogramWhen::NotSureAtLeast6Months),
        (WHEN_LESS_THAN, MammogramWhen::NotSureLessThan6Months),
    ]
    .iter()
    .map(|(value, w)| (*value, w.label().to_owned()))
    .collect();
    vec![
        Field::radios::<MammogramLocationKind>(
            "location",
            "Where were the breast x-rays taken?",
            v,
        )
        .reveal(
            MammogramLocationKind::AnotherNhsUnit.as_str(),
            vec![Field::text("unit", "Which breast screening unit?", v)],
        )
        .reveal(
            MammogramLocationKind::ElsewhereInUk.as_str(),
            vec![
                Field::textarea("elsewhere_details", "Where in the UK? (optional)", v)
                    .hint("The clinic or hospital, or anything that would help find the images"),
            ],
        )
        .reveal(
            MammogramLocationKind::OutsideUk.as_str(),
            vec![
                Field::textarea("outside_details", "Where outside the UK? (optional)", v)
                    .hint("The country, clinic or hospital"),
            ],
        ),
        Field::options("radios", "when", "When were the x-rays taken?", when, v).reveal(
            WHEN_EXACT,
            vec![Field::date("date", "Date of the mammogram", v).hint("For example, 15 3 2026")],
        ),
        Field::yes_no(
            "same_name",
            &format!("Were the x-rays taken under the name {full_name}?"),
            v,
        )
        .reveal("no", vec![Field::text("previous_name", "Previous name", v)]),
        Field::textarea("details", "Additional information (optional)", v),
    ]
}

/// Reads the mammogram form. Unanswered required questions are reported in `errors` and
/// stand in with answers that raise nothing else, so every problem shows at once.
pub(super) fn read_mammogram(v: &Answers, errors: &mut Errors) -> PreviousMammogram {
    let location = match one::<MammogramLocationKind>(v, "location") {
        Some(MammogramLocationKind::ThisUnit) => MammogramLocation::ThisUnit,
        Some(MammogramLocationKind::AnotherNhsUnit) => MammogramLocation::AnotherNhsUnit {
            unit: text(v, "unit"),
        },
        Some(MammogramLocationKind::ElsewhereInUk) => MammogramLocation::ElsewhereInUk {
            details: text(v, "elsewhere_details"),
        },
        Some(MammogramLocationKind::OutsideUk) => MammogramLocation::OutsideUk {
            details: text(v, "outside_details"),
        },
        Some(MammogramLocationKind::PreferNotToSay) => MammogramLocation::PreferNotToSay,
        None => {
            errors.push((
                "location".to_owned(),
                "Select where the mammogram was taken".to_owned(),
            ));
            MammogramLocation::PreferNotToSay
        }
    };
    let when = match v.get("when") {
        Some(WHEN_EXACT) => read_date(v, "date", "Date of the mammogram", errors).map_or(
            MammogramWhen::NotSureAtLeast6Months,
            MammogramWhen::ExactDate,
        ),
        Some(WHEN_AT_LEAST) => MammogramWhen::NotSureAtLeast6Months,
        Some(WHEN_LESS_THAN) => MammogramWhen::NotSureLessThan6Months,
        _ => {
            errors.push((
                "when".to_owned(),
                "Select when the mammogram was taken".to_owned(),
            ));
            MammogramWhen::NotSureAtLeast6Months
        }
    };
    PreviousMammogram {
        location,
        when,
        previous_name: (v.get("same_name") == Some("no")).then(|| text(v, "previous_name")),
        details: text(v, "details"),
        reason_to_continue: v.get("reason_asked").map(|_| text(v, "reason_to_continue")),
    }
}

pub(super) fn mammogram_answers(m: &PreviousMammogram) -> Answers {
    let mut a = Filled::default();
    a.set("location", m.location.kind().as_str());
    match &m.location {
        MammogramLocation::AnotherNhsUnit { unit } => a.set("unit", unit.as_str()),
        MammogramLocation::ElsewhereInUk { details } => {
            a.set("elsewhere_details", details.as_str())
        }
        MammogramLocation::OutsideUk { details } => a.set("outside_details", details.as_str()),
        MammogramLocation::ThisUnit | MammogramLocation::PreferNotToSay => {}
    }
    match m.when {
        MammogramWhen::ExactDate(date) => {
            a.set("when", WHEN_EXACT);
            a.date("date", date);
        }
        MammogramWhen::NotSureAtLeast6Months => a.set("when", WHEN_AT_LEAST),
        MammogramWhen::NotSureLessThan6Months => a.set("when", WHEN_LESS_THAN),
    }
    match &m.previous_name {
        Some(name) => {
            a.set("same_name", "no");
            a.set("previous_name", name.as_str());
        }
        None => a.set("same_name", "yes"),
    }
    a.set("details", m.details.as_str());
    if let Some(reason) = &m.reason_to_continue {
        a.set("reason_to_continue", reason.as_str());
    }
    a.done()
}

// ---------------------------------------------------------------------------------------
// Medical history
// ---------------------------------------------------------------------------------------

pub(super) const OPTIONAL: &str = " (optional)";

pub(super) fn removal_fields(v: &Answers, what: &str) -> Field {
    Field::tick(
        "removed",
        &format!("Has the {what} been removed?"),
        &format!("Yes, the {what} has been removed"),
        v,
    )
    .reveal(
        "yes",
        vec![Field::year(
            "removal_year",
            &format!("Year of removal{OPTIONAL}"),
            v,
        )],
    )
}

pub(super) fn details_field(v: &Answers) -> Field {
    Field::textarea("details", "Additional details (optional)", v)
}

/// Breast cancer: where, when, the procedures and treatment of each breast.
pub(super) fn breast_cancer_fields(v: &Answers, who: &str) -> Vec<Field> {
    let surgery = [OtherSurgery::NoOtherSurgery, OtherSurgery::NotKnown];
    let radiotherapy = [Radiotherapy::NoRadiotherapy, Radiotherapy::NotKnown];
    vec![
        Field::radios::<CancerLocation>(
            "location",
            &format!("In which breasts has {who} had a cancer diagnosis?"),
            v,
        ),
        Field::year("diagnosis_year", &format!("Year of diagnosis{OPTIONAL}"), v),
        Field::radios::<BreastProcedure>("right_procedure", "Right breast: procedure", v)
            .beside_next(),
        Field::radios::<BreastProcedure>("left_procedure", "Left breast: procedure", v),
        Field::checkboxes(
            "right_other_surgery",
            "Right breast: other surgery",
            &surgery,
            v,
        )
        .beside_next(),
        Field::checkboxes(
            "left_other_surgery",
            "Left breast: other surgery",
            &surgery,
            v,
        ),
        Field::checkboxes(
            "right_radiotherapy",
            "Right breast: radiotherapy",
            &radiotherapy,
            v,
        )
        .beside_next(),
        Field::checkboxes(
            "left_radiotherapy",
            "Left breast: radiotherapy",
            &radiotherapy,
            v,
        ),
        Field::checkboxes(
            "systemic_treatments",
            "Systemic treatments",
            &[
                SystemicTreatment::NoSystemicTreatments,
                SystemicTreatment::NotKnown,
            ],
            v,
        )
        .reveal(
            SystemicTreatment::Other.as_str(),
            vec![Field::text("systemic_other_details", "Other treatment", v)],
        ),
        Field::radios::<TreatmentLocation>(
            "treatment_location",
            "Where did surgery and treatment take place?",
            v,
        ),
        Field::text(
            "treatment_location_details",
            "Hospital or clinic (optional)",
            v,
        ),
        details_field(v),
    ]
}

pub(super) fn history_fields(kind: MedicalHistoryType, v: &Answers, who: &str) -> Vec<Field> {
    match kind {
        MedicalHistoryType::BreastCancer => breast_cancer_fields(v, who),
        MedicalHistoryType::ImplantedMedicalDevice => vec![
            Field::radios::<DeviceType>("device", "What device does the participant have?", v)
                .reveal(
                    DeviceType::Other.as_str(),
                    vec![Field::text("other_description", "Describe the device", v)],
                ),
            removal_fields(v, "device"),
            details_field(v),
        ],
        MedicalHistoryType::BreastImplants => vec![
            Field::radios::<Augmentation>("right", "Right breast", v).beside_next(),
            Field::radios::<Augmentation>("left", "Left breast", v),
            removal_fields(v, "implants"),
            details_field(v),
        ],
        MedicalHistoryType::MastectomyOrLumpectomy => vec![
            Field::radios::<BreastProcedure>("right_procedure", "Right breast: procedure", v)
                .beside_next(),
            Field::radios::<BreastProcedure>("left_procedure", "Left breast: procedure", v),
            Field::year("year", &format!("Year of the surgery{OPTIONAL}"), v),
            Field::radios::<SurgeryReason>("reason", "Why was the surgery done?", v).reveal(
                SurgeryReason::Other.as_str(),
                vec![Field::text("reason_details", "Describe the reason", v)],
            ),
            details_field(v),
        ],
        MedicalHistoryType::Cysts => vec![
            Field::radios::<CystTreatment>(
                "treatment",
                "What treatment has there been for cysts?",
                v,
            ),
            details_field(v),
        ],
        MedicalHistoryType::BenignLumps => vec![
            Field::radios::<BenignLumpTreatment>(
                "treatment",
                "What treatment has there been for benign lumps?",
                v,
            ),
            Field::year("diagnosis_year", &format!("Year of diagnosis{OPTIONAL}"), v),
            details_field(v),
        ],
        MedicalHistoryType::OtherProcedures => vec![
            Field::radios::<OtherProcedureKind>("procedure", "What procedure was it?", v).reveal(
                OtherProcedureKind::Other.as_str(),
                vec![Field::text(
                    "other_description",
                    "Describe the procedure",
                    v,
                )],
            ),
            Field::year("year", &format!("Year of the procedure{OPTIONAL}"), v),
            details_field(v).hint("For example, which breasts"),
        ],
    }
}

pub(super) fn read_history(
    kind: MedicalHistoryType,
    v: &Answers,
    errors: &mut Errors,
) -> MedicalHistoryItem {
    let removed = ticked(v, "removed", "yes");
    match kind {
        MedicalHistoryType::BreastCancer => MedicalHistoryItem::BreastCancer(BreastCancer {
            location: one(v, "location"),
            right_procedure: one(v, "right_procedure"),
            left_procedure: one(v, "left_procedure"),
            right_other_surgery: many(v, "right_other_surgery"),
            left_other_surgery: many(v, "left_other_surgery"),
            right_radiotherapy: many(v, "right_radiotherapy"),
            left_radiotherapy: many(v, "left_radiotherapy"),
            systemic_treatments: many(v, "systemic_treatments"),
            systemic_other_details: text(v, "systemic_other_details"),
            diagnosis_year: read_year(v, "diagnosis_year", "Year of diagnosis", errors),
            treatment_location: one(v, "treatment_location"),
            treatment_location_details: text(v, "treatment_location_details"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::ImplantedMedicalDevice => {
            MedicalHistoryItem::ImplantedMedicalDevice(ImplantedMedicalDevice {
                device: one(v, "device"),
                other_description: text(v, "other_description"),
                removed,
                removal_year: read_year(v, "removal_year", "Year of removal", errors),
                details: text(v, "details"),
            })
        }
        MedicalHistoryType::BreastImplants => MedicalHistoryItem::BreastImplants(BreastImplants {
            right: one(v, "right"),
            left: one(v, "left"),
            removed,
            removal_year: read_year(v, "removal_year", "Year of removal", errors),
            consent: one(v, "consent"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::MastectomyOrLumpectomy => {
            MedicalHistoryItem::MastectomyOrLumpectomy(MastectomyOrLumpectomy {
                right_procedure: one(v, "right_procedure"),
                left_procedure: one(v, "left_procedure"),
                year: read_year(v, "year", "Year of the surgery", errors),
                reason: one(v, "reason"),
                reason_details: text(v, "reason_details"),
                details: text(v, "details"),
            })
        }
        MedicalHistoryType::Cysts => MedicalHistoryItem::Cysts(Cysts {
            treatment: one(v, "treatment"),
            details: text(v, "details"),
        }),
        MedicalHistoryType::BenignLumps => MedicalHistoryItem::BenignLumps(BenignLumps {
            treatment: one(v, "treatment"),
            diagnosis_year: read_year(v, "diagnosis_year", "Year of diagnosis", errors),
            details: text(v, "details"),
        }),
        MedicalHistoryType::OtherProcedures => {
            MedicalHistoryItem::OtherProcedures(OtherProcedures {
                procedure: one(v, "procedure"),
                other_description: text(v, "other_description"),
                year: read_year(v, "year", "Year of the procedure", errors),
                details: text(v, "details"),
            })
        }
    }
}

pub(super) fn history_answers(item: &MedicalHistoryItem) -> Answers {
    let mut a = Filled::default();
    match item {
        MedicalHistoryItem::BreastCancer(c) => {
            a.choice("location", c.location);
            a.choice("right_procedure", c.right_procedure);
            a.choice("left_procedure", c.left_procedure);
            a.choices("right_other_surgery", &c.right_other_surgery);
            a.choices("left_other_surgery", &c.left_other_surgery);
            a.choices("right_radiotherapy", &c.right_radiotherapy);
            a.choices("left_radiotherapy", &c.left_radiotherapy);
            a.choices("systemic_treatments", &c.systemic_treatments);
            a.set("systemic_other_details", c.systemic_other_details.as_str());
            a.year("diagnosis_year", c.diagnosis_year);
            a.choice("treatment_location", c.treatment_location);
            a.set(
                "treatment_location_details",
                c.treatment_location_details.as_str(),
            );
            a.set("details", c.details.as_str());
        }
        MedicalHistoryItem::ImplantedMedicalDevice(d) => {
            a.choice("device", d.device);
            a.set("other_description", d.other_description.as_str());
            a.flag("removed", d.removed);
            a.year("removal_year", d.removal_year);
            a.set("details", d.details.as_str());
        }
        MedicalHistoryItem::BreastImplants(b) => {
            a.choice("right", b.right);
            a.choice("left", b.left);
            a.flag("removed", b.removed);
            a.year("removal_year", b.removal_year);
            a.choice("consent", b.consent);
            a.set("details", b.details.as_str());
        }
        MedicalHistoryItem::MastectomyOrLumpectomy(m) => {
            a.choice("right_procedure", m.right_procedure);
            a.choice("left_procedure", m.left_procedure);
            a.year("year", m.year);
            a.choice("reason", m.reason);
            a.set("reason_details", m.reason_details.as_str());
            a.set("details", m.details.as_str());
        }
        MedicalHistoryItem::Cysts(c) => {
            a.choice("treatment", c.treatment);
            a.set("details", c.details.as_str());
        }
        MedicalHistoryItem::BenignLumps(b) => {
            a.choice("treatment", b.treatment);
            a.year("diagnosis_year", b.diagnosis_year);
            a.set("details", b.details.as_str());
        }
        MedicalHistoryItem::OtherProcedures(o) => {
            a.choice("procedure", o.procedure);
            a.set("other_description", o.other_description.as_str());
            a.year("year", o.year);
            a.set("details", o.details.as_str());
        }
    }
    a.done()
}

/// The implant consent question, offering only the answers the recorded implants allow.
pub(super) fn consent_field(implants: &BreastImplants, v: &Answers, who: &str) -> Field {
    Field::radios_of(
        "consent",
        &format!("Does {who} consent to continuing the mammogram with breast implants?"),
        &implants.consent_options(),
        v,
    )
    .hint("Breast implants can very rarely be damaged during a mammogram.")
}

// ---------------------------------------------------------------------------------------
// Symptoms
// ---------------------------------------------------------------------------------------

/// The stored value of each "When did it start?" answer (the domain gives the labels).
pub(super) fn started_value(s: &SymptomStarted) -> &'static str {
    match s {
        SymptomStarted::LessThan3Months => "less_than_3_months",
        SymptomStarted::ThreeMonthsToAYear => "3_months_to_a_year",
        SymptomStarted::OneToThreeYears => "1_to_3_years",
        SymptomStarted::OverThreeYears => "over_3_years",
        SymptomStarted::SinceDate(_) => "since_date",
        SymptomStarted::NotKnown => "not_known",
    }
}

pub(super) fn started_answers(today: Date) -> [SymptomStarted; 6] {
    [
        SymptomStarted::LessThan3Months,
        SymptomStarted::ThreeMonthsToAYear,
        SymptomStarted::OneToThreeYears,
        SymptomStarted::OverThreeYears,
        SymptomStarted::SinceDate(today),
        SymptomStarted::NotKnown,
    ]
}

pub(super) fn symptom_fields(kind: SymptomType, v: &Answers, today: Date) -> Vec<Field> {
    let mut fields = vec![
        Field::tick(
            "noted_by_mammographer_as_clinical_sign",
            "Mammographer-noted sign",
            "This is a sign the mammographer noticed, not a symptom the participant reported",
            v,
        )
        .hint("For a sign, when it started can be left unanswered"),
    ];
    match kind {
        SymptomType::SkinChange => fields.push(
            Field::radios::<SkinChange>("change", "What kind of skin change?", v).reveal(
                SkinChange::Other.as_str(),
                vec![Field::text("description", "Describe the skin change", v)],
            ),
        ),
        SymptomType::NippleChange => fields.push(
            Field::radios::<NippleChange>("change", "What kind of nipple change?", v).reveal(
                NippleChange::Other.as_str(),
                vec![Field::text("description", "Describe the nipple change", v)],
            ),
        ),
        SymptomType::Other => fields.push(Field::text("description", "Describe the symptom", v)),
        _ => {}
    }
    let started = started_answers(today)
        .iter()
        .map(|s| (started_value(s), s.label().to_owned()))
        .collect();
    fields.extend([
        Field::radios::<SymptomArea>("area", "Where is the symptom?", v).reveal(
            SymptomArea::Other.as_str(),
            vec![Field::text("area_description", "Describe where", v)],
        ),
        Field::options("radios", "started", "When did it start?", started, v).reveal(
            "since_date",
            vec![Field::date("started_date", "Date it started", v).hint("For example, 15 3 2026")],
        ),
        Field::options(
            "checkboxes",
            "about",
            "About the symptom",
            vec![
                ("intermittent", "Intermittent".to_owned()),
                ("recently_resolved", "Recently resolved".to_owned()),
                ("investigated", "Investigated".to_owned()),
            ],
            v,
        )
        .hint("Select all that apply")
        .reveal(
            "investigated",
            vec![Field::textarea(
                "investigation_details",
                "How was it investigated?",
                v,
            )],
        ),
    ]);
    if symptom_kind(kind, None).asks_highlight() {
        fields.push(Field::yes_no("highlight_to_readers", HIGHLIGHT_QUESTION, v));
    }
    fields.push(details_field(v));
    fields
}

/// The symptom kind for a type and (for skin and nipple changes) the kind of change.
pub(super) fn symptom_kind(kind: SymptomType, change: Option<&str>) -> SymptomKind {
    match kind {
        SymptomType::Lump => SymptomKind::Lump,
        SymptomType::SwellingOrShapeChange => SymptomKind::SwellingOrShapeChange,
        SymptomType::SkinChange => SymptomKind::SkinChange(
            change
                .and_then(|c| c.parse().ok())
                .unwrap_or(SkinChange::Rash),
        ),
        SymptomType::NippleChange => SymptomKind::NippleChange(
            change
                .and_then(|c| c.parse().ok())
                .unwrap_or(NippleChange::Inversion),
        ),
        SymptomType::BreastPain => SymptomKind::BreastPain,
        SymptomType::Other => SymptomKind::Other,
    }
}

pub(super) fn read_symptom(
    kind: SymptomType,
    v: &Answers,
    today: Date,
    errors: &mut Errors,
) -> Symptom {
    let change = v.get("change");
    match kind {
        SymptomType::SkinChange if one::<SkinChange>(v, "change").is_none() => errors.push((
            "change".to_owned(),
            "Select the kind of skin change".to_owned(),
        )),
        SymptomType::NippleChange if one::<NippleChange>(v, "change").is_none() => errors.push((
            "change".to_owned(),
            "Select the kind of nipple change".to_owned(),
        )),
        _ => {}
    }
    let kind = symptom_kind(kind, change);
    let started = match v.get("started") {
        Some("since_date") => read_date(v, "started_date", "Date the symptom started", errors)
            .map(SymptomStarted::SinceDate)
            .or(Some(SymptomStarted::NotKnown)),
        Some(given) => started_answers(today)
            .into_iter()
            .find(|s| started_value(s) == given),
        None => None,
    };
    Symptom {
        kind,
        description: if kind.needs_description() {
            text(v, "description")
        } else {
            String::new()
        },
        area: one(v, "area"),
        area_description: text(v, "area_description"),
        started,
        intermittent: ticked(v, "about", "intermittent"),
        recently_resolved: ticked(v, "about", "recently_resolved"),
        investigated: ticked(v, "about", "investigated"),
        investigation_details: text(v, "investigation_details"),
        highlight_to_readers: if kind.asks_highlight() {
            v.get("highlight_to_readers").map(|a| a == "yes")
        } else {
            None
        },
        noted_by_mammographer_as_clinical_sign: ticked(
            v,
            "noted_by_mammographer_as_clinical_sign",
            "yes",
        ),
        details: text(v, "details"),
    }
}

pub(super) fn symptom_answers(s: &Symptom) -> Answers {
    let mut a = Filled::default();
    a.flag(
        "noted_by_mammographer_as_clinical_sign",
        s.noted_by_mammographer_as_clinical_sign,
    );
    match s.kind {
        SymptomKind::SkinChange(c) => a.set("change", c.as_str()),
        SymptomKind::NippleChange(c) => a.set("change", c.as_str()),
        _ => {}
    }
    a.set("description", s.description.as_str());
    a.choice("area", s.area);
    a.set("area_description", s.area_description.as_str());
    if let Some(started) = &s.started {
        a.set("started", started_value(started));
        if let SymptomStarted::SinceDate(date) = started {
            a.date("started_date", *date);
        }
    }
    for (on, value) in [
        (s.intermittent, "intermittent"),
        (s.recently_resolved, "recently_resolved"),
        (s.investigated, "investigated"),
    ] {
        if on {
            a.set("about", value);
        }
    }
    a.set("investigation_details", s.investigation_details.as_str());
    if let Some(h) = s.highlight_to_readers {
        a.set("highlight_to_readers", if h { "yes" } else { "no" });
    }
    a.set("details", s.details.as_str());
    a.done()
}

// ---------------------------------------------------------------------------------------
// Breast features, density factors, other information
// ---------------------------------------------------------------------------------------

pub(super) fn feature_fields(v: &Answers) -> Vec<Field> {
    vec![
        Field::radios::<FeatureKind>("kind", "What is the feature?", v).reveal(
            FeatureKind::Other.as_str(),
            vec![Field::text("description", "Describe the feature", v)],
        ),
        Field::radios::<Side>("side", "Which breast?", v),
        Field::text("location", "Where on the breast is it?", v)
            .hint("For example, upper outer, 2cm above the nipple"),
    ]
}

pub(super) fn read_feature(
    v: &Answers,
    existing: Option<&BreastFeature>,
    errors: &mut Errors,
) -> Option<BreastFeature> {
    let kind = one::<FeatureKind>(v, "kind");
    let side = one::<Side>(v, "side");
    if kind.is_none() {
        errors.push(("kind".to_owned(), "Select the feature".to_owned()));
    }
    if side.is_none() {
        errors.push(("side".to_owned(), "Select which breast".to_owned()));
    }
    let feature = BreastFeature {
        kind: kind.unwrap_or(FeatureKind::Mole),
        description: text(v, "description"),
        side: side.unwrap_or(Side::Right),
        // No diagram here: a mark made elsewhere is kept.
        position: existing.and_then(|f| f.position),
        location: text(v, "location"),
    };
    // The domain names the place "position" (the diagram); here it is described.
    errors.extend(pairs(feature.validate()).into_iter().map(|(f, m)| {
        (
            if f == "position" {
                "location".to_owned()
            } else {
                f
            },
            m,
        )
    }));
    (kind.is_some() && side.is_some()).then_some(feature)
}

pub(super) fn feature_answers(f: &BreastFeature) -> Answers {
    let mut a = Filled::default();
    a.set("kind", f.kind.as_str());
    a.set("description", f.description.as_str());
    a.set("side", f.side.as_str());
    a.set("location", f.location.as_str());
    a.done()
}

pub(super) fn density_fields(v: &Answers, who: &str) -> Vec<Field> {
    vec![
        Field::radios::<Answer3>(
            "hrt_started_since_last_screening",
            &format!("Has {who} started hormone replacement therapy (HRT) since their last breast screening?"),
            v,
        )
        .reveal(
            Answer3::Yes.as_str(),
            vec![Field::textarea("hrt_details", "About the HRT (optional)", v)],
        ),
        Field::radios::<Answer3>(
            "pregnant_or_breastfeeding",
            &format!("Is {who} pregnant or breastfeeding?"),
            v,
        )
        .reveal(
            Answer3::Yes.as_str(),
            vec![Field::textarea("details", "Details (optional)", v)],
        ),
    ]
}

pub(super) fn read_density(v: &Answers) -> DensityFactors {
    DensityFactors {
        hrt_started_since_last_screening: one(v, "hrt_started_since_last_screening"),
        hrt_details: text(v, "hrt_details"),
        pregnant_or_breastfeeding: one(v, "pregnant_or_breastfeeding"),
        details: text(v, "details"),
    }
}

pub(super) fn density_answers(d: &DensityFactors) -> Answers {
    let mut a = Filled::default();
    a.choice(
        "hrt_started_since_last_screening",
        d.hrt_started_since_last_screening,
    );
    a.set("hrt_details", d.hrt_details.as_str());
    a.choice("pregnant_or_breastfeeding", d.pregnant_or_breastfeeding);
    a.set("details", d.details.as_str());
    a.done()
}
