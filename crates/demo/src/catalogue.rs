//! The fixed parts of the demo: providers and their sites, staff, and the word lists that
//! synthetic participants are drawn from. Every name, address and number here is fictional;
//! phone numbers are in Ofcom's ranges reserved for drama, NHS numbers in the 999 range.

use crate::Persona;
use domain::{AccessNeed, CommunicationPreference, Ethnicity, Role, SupportReason};

pub(crate) struct RoomSpec {
    pub name: &'static str,
    pub machine: &'static str,
    /// DICOM application entity title: at most 16 characters, upper case.
    pub ae_title: &'static str,
}

pub(crate) struct SiteSpec {
    pub name: &'static str,
    pub address: &'static str,
    pub postcode: &'static str,
    pub rooms: &'static [RoomSpec],
}

/// A town participants live in: its postcode districts and some localities within it.
pub(crate) struct Town {
    pub name: &'static str,
    pub districts: &'static [&'static str],
    pub localities: &'static [&'static str],
}

pub(crate) struct ProviderSpec {
    pub code: &'static str,
    pub name: &'static str,
    pub static_site: SiteSpec,
    pub van: SiteSpec,
    pub towns: &'static [Town],
    /// The first three characters of local GP practice ODS codes (a letter, two digits).
    pub gp_prefixes: &'static [&'static str],
    /// The local Ofcom drama landline range, followed by four digits ("0113 496 0xxx").
    pub landline_prefix: &'static str,
    pub participants: usize,
}

pub(crate) const WEST_YORKSHIRE: usize = 0;
pub(crate) const GREATER_MANCHESTER: usize = 1;

pub(crate) const PROVIDERS: &[ProviderSpec] = &[
    ProviderSpec {
        code: "DMO1",
        name: "West Yorkshire Breast Screening Service (demo)",
        static_site: SiteSpec {
            name: "Seacroft Hospital breast screening unit",
            address: "York Road, Leeds",
            postcode: "LS14 6UH",
            rooms: &[
                RoomSpec {
                    name: "Room A",
                    machine: "Hologic 3Dimensions",
                    ae_title: "LDS_SEA_MAMMO1",
                },
                RoomSpec {
                    name: "Room B",
                    machine: "GE Senographe Pristina",
                    ae_title: "LDS_SEA_MAMMO2",
                },
            ],
        },
        van: SiteSpec {
            name: "Mobile unit WY1 (Wakefield)",
            address: "Supermarket car park, Dewsbury Road, Wakefield",
            postcode: "WF2 9BP",
            rooms: &[RoomSpec {
                name: "Mobile screening unit",
                machine: "Siemens Mammomat Revelation",
                ae_title: "WY_VAN1_MAMMO",
            }],
        },
        towns: &[
            Town {
                name: "Leeds",
                districts: &["LS6", "LS8", "LS9", "LS11", "LS12", "LS14", "LS17"],
                localities: &["Headingley", "Harehills", "Seacroft", "Beeston", "Armley"],
            },
            Town {
                name: "Bradford",
                districts: &["BD3", "BD7", "BD8", "BD9"],
                localities: &["Manningham", "Great Horton", "Heaton", "Thornbury"],
            },
            Town {
                name: "Wakefield",
                districts: &["WF1", "WF2", "WF4"],
                localities: &["Lupset", "Eastmoor", "Sandal"],
            },
            Town {
                name: "Dewsbury",
                districts: &["WF12", "WF13"],
                localities: &["Savile Town", "Thornhill Lees", "Ravensthorpe"],
            },
            Town {
                name: "Huddersfield",
                districts: &["HD1", "HD2", "HD4"],
                localities: &["Lockwood", "Fartown", "Almondbury"],
            },
            Town {
                name: "Halifax",
                districts: &["HX1", "HX3"],
                localities: &["King Cross", "Southowram"],
            },
        ],
        gp_prefixes: &["B86", "B82", "B85", "B87"],
        landline_prefix: "0113 496 0",
        participants: 106,
    },
    ProviderSpec {
        code: "DMO2",
        name: "Greater Manchester Breast Screening Service (demo)",
        static_site: SiteSpec {
            name: "Withington Community Hospital breast screening unit",
            address: "Nell Lane, Manchester",
            postcode: "M20 2LR",
            rooms: &[
                RoomSpec {
                    name: "Room A",
                    machine: "Hologic Selenia Dimensions",
                    ae_title: "MAN_WCH_MAMMO1",
                },
                RoomSpec {
                    name: "Room B",
                    machine: "Fujifilm Amulet Innovality",
                    ae_title: "MAN_WCH_MAMMO2",
                },
            ],
        },
        van: SiteSpec {
            name: "Mobile unit GM2 (Bury)",
            address: "Leisure centre car park, Market Street, Bury",
            postcode: "BL9 0BN",
            rooms: &[RoomSpec {
                name: "Mobile screening unit",
                machine: "GE Senographe Pristina",
                ae_title: "GM_VAN2_MAMMO",
            }],
        },
        towns: &[
            Town {
                name: "Manchester",
                districts: &["M8", "M13", "M14", "M16", "M19", "M20", "M22"],
                localities: &["Cheetham Hill", "Longsight", "Rusholme", "Levenshulme"],
            },
            Town {
                name: "Salford",
                districts: &["M6", "M7"],
                localities: &["Pendleton", "Broughton"],
            },
            Town {
                name: "Stockport",
                districts: &["SK4", "SK5"],
                localities: &["Heaton Moor", "Reddish"],
            },
            Town {
                name: "Oldham",
                districts: &["OL1", "OL8"],
                localities: &["Werneth", "Glodwick", "Hollinwood"],
            },
            Town {
                name: "Bury",
                districts: &["BL8", "BL9"],
                localities: &["Tottington", "Fishpool"],
            },
        ],
        gp_prefixes: &["P84", "P87", "P86", "P89"],
        landline_prefix: "0161 496 0",
        participants: 52,
    },
];

/// The demo staff, in the order the persona sign-in page lists them.
pub const PERSONAS: &[Persona] = &[
    Persona {
        email: "jane.hargreaves@example.nhs.uk",
        name: "Jane Hargreaves",
        description: "Mammographer (Clinical) at West Yorkshire Breast Screening Service (demo)",
    },
    Persona {
        email: "chloe.bennett@example.nhs.uk",
        name: "Chloe Bennett",
        description: "Assistant practitioner mammographer (Clinical) on the mobile unit at \
                      West Yorkshire Breast Screening Service (demo)",
    },
    Persona {
        email: "olumide.adeyemi@example.nhs.uk",
        name: "Dr Olumide Adeyemi",
        description: "Consultant radiologist and image reader (Reader) at West Yorkshire Breast \
                      Screening Service (demo)",
    },
    Persona {
        email: "priya.shah@example.nhs.uk",
        name: "Dr Priya Shah",
        description: "Consultant radiologist and image reader (Reader) at West Yorkshire Breast \
                      Screening Service (demo)",
    },
    Persona {
        email: "daniel.osei@example.nhs.uk",
        name: "Daniel Osei",
        description: "Advanced practitioner radiographer and image reader (Reader) at West \
                      Yorkshire Breast Screening Service (demo)",
    },
    Persona {
        email: "karen.booth@example.nhs.uk",
        name: "Karen Booth",
        description: "Screening office administrator (Administrative) at West Yorkshire Breast \
                      Screening Service (demo)",
    },
    Persona {
        email: "aisha.rahman@example.nhs.uk",
        name: "Aisha Rahman",
        description: "Mammographer (Clinical) at West Yorkshire Breast Screening Service (demo), \
                      and mammographer and reader (Clinical, Reader) at Greater Manchester \
                      Breast Screening Service (demo)",
    },
    Persona {
        email: "tom.fletcher@example.nhs.uk",
        name: "Tom Fletcher",
        description: "Mammographer (Clinical) at Greater Manchester Breast Screening Service \
                      (demo)",
    },
    Persona {
        email: "grace.okafor@example.nhs.uk",
        name: "Grace Okafor",
        description: "Screening office administrator (Administrative) at Greater Manchester \
                      Breast Screening Service (demo)",
    },
    Persona {
        email: "mark.ellison@example.nhs.uk",
        name: "Mark Ellison",
        description: "System administrator, and administrator (Administrative) at West Yorkshire \
                      Breast Screening Service (demo)",
    },
];

/// Who holds which role where: (email, provider index, role).
pub(crate) const GRANTS: &[(&str, usize, Role)] = &[
    (
        "jane.hargreaves@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Clinical,
    ),
    (
        "chloe.bennett@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Clinical,
    ),
    ("priya.shah@example.nhs.uk", WEST_YORKSHIRE, Role::Reader),
    ("daniel.osei@example.nhs.uk", WEST_YORKSHIRE, Role::Reader),
    (
        "olumide.adeyemi@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Reader,
    ),
    (
        "karen.booth@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Administrative,
    ),
    (
        "aisha.rahman@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Clinical,
    ),
    (
        "aisha.rahman@example.nhs.uk",
        GREATER_MANCHESTER,
        Role::Clinical,
    ),
    (
        "aisha.rahman@example.nhs.uk",
        GREATER_MANCHESTER,
        Role::Reader,
    ),
    (
        "tom.fletcher@example.nhs.uk",
        GREATER_MANCHESTER,
        Role::Clinical,
    ),
    (
        "grace.okafor@example.nhs.uk",
        GREATER_MANCHESTER,
        Role::Administrative,
    ),
    (
        "mark.ellison@example.nhs.uk",
        WEST_YORKSHIRE,
        Role::Administrative,
    ),
];

/// Users who are also system administrators.
pub(crate) const SYSTEM_ADMINS: &[&str] = &["mark.ellison@example.nhs.uk"];

/// Names that go together, with the ethnic groups such a person might record and the
/// language they might prefer.
pub(crate) struct NameGroup {
    pub weight: u32,
    pub first: &'static [&'static str],
    pub last: &'static [&'static str],
    pub ethnicities: &'static [Ethnicity],
    pub language: Option<&'static str>,
}

pub(crate) const NAME_GROUPS: &[NameGroup] = &[
    NameGroup {
        weight: 52,
        first: &[
            "Susan",
            "Karen",
            "Julie",
            "Linda",
            "Deborah",
            "Alison",
            "Helen",
            "Jacqueline",
            "Tracey",
            "Gillian",
            "Elaine",
            "Lesley",
            "Angela",
            "Denise",
            "Carol",
            "Margaret",
            "Janet",
            "Sharon",
            "Joanne",
            "Nicola",
            "Dawn",
            "Wendy",
            "Christine",
            "Pauline",
            "Amanda",
            "Lorraine",
            "Beverley",
            "Sandra",
            "Caroline",
            "Michelle",
        ],
        last: &[
            "Smith",
            "Walker",
            "Hughes",
            "Taylor",
            "Wood",
            "Brown",
            "Thompson",
            "Wilson",
            "Holmes",
            "Barker",
            "Shaw",
            "Jackson",
            "Armitage",
            "Sutcliffe",
            "Robinson",
            "Clarke",
            "Haigh",
            "Kershaw",
            "Lister",
            "Firth",
            "Greenwood",
            "Hirst",
            "Ackroyd",
            "Pickles",
            "Whiteley",
            "Marsden",
            "Lord",
            "Ogden",
            "Bamford",
            "Howarth",
        ],
        ethnicities: &[Ethnicity::WhiteBritish],
        language: None,
    },
    NameGroup {
        weight: 5,
        first: &[
            "Siobhan",
            "Bridget",
            "Mairead",
            "Catherine",
            "Noreen",
            "Theresa",
        ],
        last: &[
            "O'Brien", "Murphy", "Kelly", "Byrne", "Doyle", "McCarthy", "Brennan",
        ],
        ethnicities: &[Ethnicity::WhiteIrish],
        language: None,
    },
    NameGroup {
        weight: 11,
        first: &[
            "Nasreen", "Shazia", "Parveen", "Rukhsana", "Samina", "Farzana", "Nusrat", "Yasmin",
            "Zahida", "Shahnaz",
        ],
        last: &[
            "Hussain", "Khan", "Akhtar", "Iqbal", "Mahmood", "Bibi", "Rashid", "Aslam", "Javed",
        ],
        ethnicities: &[Ethnicity::AsianPakistani],
        language: Some("Urdu"),
    },
    NameGroup {
        weight: 7,
        first: &[
            "Sunita",
            "Meena",
            "Rajinder",
            "Harjit",
            "Kamaljit",
            "Anita",
            "Manjit",
            "Jaswinder",
            "Hansa",
            "Pushpa",
        ],
        last: &[
            "Patel", "Sharma", "Kaur", "Gill", "Sandhu", "Mistry", "Chauhan", "Bains",
        ],
        ethnicities: &[Ethnicity::AsianIndian],
        language: Some("Punjabi"),
    },
    NameGroup {
        weight: 4,
        first: &["Rokeya", "Shirin", "Nazma", "Ruksana", "Hasina", "Jahanara"],
        last: &["Begum", "Uddin", "Miah", "Ahmed", "Choudhury", "Islam"],
        ethnicities: &[Ethnicity::AsianBangladeshi],
        language: Some("Bengali (Sylheti)"),
    },
    NameGroup {
        weight: 5,
        first: &[
            "Marcia",
            "Claudette",
            "Paulette",
            "Sonia",
            "Hyacinth",
            "Merline",
            "Juliet",
        ],
        last: &[
            "Campbell", "Reid", "Francis", "Williams", "Grant", "Powell", "Morgan",
        ],
        ethnicities: &[
            Ethnicity::BlackCaribbean,
            Ethnicity::MixedWhiteBlackCaribbean,
        ],
        language: None,
    },
    NameGroup {
        weight: 5,
        first: &[
            "Ngozi", "Adaeze", "Folasade", "Abena", "Chipo", "Amina", "Yetunde", "Grace",
        ],
        last: &[
            "Okonkwo", "Adebayo", "Mensah", "Osei", "Moyo", "Abdi", "Eze", "Nwosu",
        ],
        ethnicities: &[Ethnicity::BlackAfrican],
        language: None,
    },
    NameGroup {
        weight: 3,
        first: &["Mei", "Xiu Ying", "Wai Ling", "Lai Fong", "Hui"],
        last: &["Chen", "Wong", "Li", "Zhang", "Cheung", "Lam"],
        ethnicities: &[Ethnicity::AsianChinese],
        language: Some("Cantonese"),
    },
    NameGroup {
        weight: 5,
        first: &[
            "Agnieszka",
            "Katarzyna",
            "Ewa",
            "Dorota",
            "Irena",
            "Jolanta",
            "Danuta",
        ],
        last: &[
            "Nowak",
            "Kowalska",
            "Wisniewska",
            "Zielinska",
            "Lewandowska",
            "Kaminska",
        ],
        ethnicities: &[Ethnicity::WhiteOther],
        language: Some("Polish"),
    },
    NameGroup {
        weight: 2,
        first: &["Fatima", "Layla", "Huda", "Samira"],
        last: &["Al-Sayed", "Haddad", "Mansour", "Nasser"],
        ethnicities: &[Ethnicity::OtherArab],
        language: Some("Arabic"),
    },
    NameGroup {
        weight: 1,
        first: &["Vera", "Rosa"],
        last: &["Lee", "Boswell", "Smith"],
        ethnicities: &[Ethnicity::WhiteGypsy],
        language: None,
    },
];

pub(crate) const STREETS: &[&str] = &[
    "Station Road",
    "Church Lane",
    "Victoria Street",
    "Park Avenue",
    "Moorland Road",
    "Mill Lane",
    "Highfield Road",
    "The Crescent",
    "Queens Road",
    "Oak Grove",
    "Beech Avenue",
    "Springfield Terrace",
    "Manor Drive",
    "Albert Road",
    "Westfield Close",
    "Chapel Street",
    "Hall Lane",
    "Woodland View",
    "Ash Tree Court",
    "Kings Road",
];

/// Extra support, with details, and whether the need is temporary.
pub(crate) const SUPPORT_NEEDS: &[(&[(SupportReason, &str)], bool)] = &[
    (
        &[(
            SupportReason::BreastImplants,
            "Bilateral cosmetic implants fitted in 2014",
        )],
        false,
    ),
    (
        &[(
            SupportReason::ImplantedMedicalDevices,
            "Pacemaker fitted in 2021, left side of chest",
        )],
        false,
    ),
    (
        &[(
            SupportReason::PhysicalRestriction,
            "Wheelchair user; cannot stand for positioning. Allow a double appointment",
        )],
        false,
    ),
    (
        &[(
            SupportReason::PhysicalRestriction,
            "Broken right wrist; in a cast for another four weeks",
        )],
        true,
    ),
    (
        &[(
            SupportReason::Vision,
            "Registered blind; her guide dog will come with her",
        )],
        false,
    ),
    (
        &[(
            SupportReason::Hearing,
            "Profoundly deaf; British Sign Language interpreter booked",
        )],
        false,
    ),
    (
        &[(
            SupportReason::SocialEmotionalMentalHealth,
            "Severe anxiety about medical procedures; previous appointment abandoned. \
             Prefers a quiet waiting area",
        )],
        false,
    ),
    (
        &[
            (
                SupportReason::Other,
                "Recovering from shoulder surgery; limited arm movement for six weeks",
            ),
            (
                SupportReason::SocialEmotionalMentalHealth,
                "Worried about pain during compression",
            ),
        ],
        true,
    ),
    (
        &[(
            SupportReason::GenderIdentity,
            "Trans woman; prefers a private changing area and a female mammographer",
        )],
        false,
    ),
    (
        &[
            (
                SupportReason::ImplantedMedicalDevices,
                "Hickman line in place during chemotherapy",
            ),
            (
                SupportReason::PhysicalRestriction,
                "Tires easily; needs to sit down",
            ),
        ],
        true,
    ),
];

/// A communication preference and its note. `{language}` is replaced by the participant's
/// language, and the entry skipped for those without one.
pub(crate) const COMMUNICATION: &[(&[CommunicationPreference], &str)] = &[
    (
        &[CommunicationPreference::LargePrint],
        "Letters in large print (16 point) please",
    ),
    (
        &[CommunicationPreference::EasyRead],
        "Easy read letters; her carer helps with post",
    ),
    (
        &[CommunicationPreference::Braille],
        "Braille letters; confirm appointments by phone",
    ),
    (
        &[CommunicationPreference::Audio],
        "Prefers a phone call to a letter",
    ),
    (
        &[CommunicationPreference::PlainEnglish],
        "Plain English please, no medical jargon",
    ),
    (
        &[
            CommunicationPreference::OtherLanguage,
            CommunicationPreference::Interpreter,
        ],
        "Speaks {language}; book an interpreter for appointments",
    ),
];

pub(crate) const ACCESS: &[(&[AccessNeed], &str)] = &[
    (
        &[AccessNeed::WheelchairAccess],
        "Uses a wheelchair; book at a static site with level access",
    ),
    (
        &[AccessNeed::Hearing],
        "Hard of hearing; face her when speaking",
    ),
    (
        &[AccessNeed::Vision],
        "Partially sighted; guide her from the waiting area",
    ),
    (
        &[AccessNeed::LearningDisability],
        "Learning disability; attends with a support worker",
    ),
    (
        &[AccessNeed::MentalHealth],
        "Claustrophobic; prefers not to wait inside the van",
    ),
    (
        &[AccessNeed::Hearing, AccessNeed::Vision],
        "Deafblind; her daughter usually comes with her",
    ),
];
