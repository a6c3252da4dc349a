//! Clinics and the places they run.

use time::Date;

labelled_enum! {
    pub enum LocationKind ("location kind") {
        StaticSite => ("static_site", "Static site"),
        MobileVan => ("mobile_van", "Mobile screening unit"),
    }
}

labelled_enum! {
    pub enum Session ("clinic session") {
        Morning => ("morning", "Morning"),
        Afternoon => ("afternoon", "Afternoon"),
        AllDay => ("all_day", "All day"),
    }
}

labelled_enum! {
    pub enum ClinicType ("clinic type") {
        Screening => ("screening", "Screening"),
        Assessment => ("assessment", "Assessment"),
    }
}

labelled_enum! {
    pub enum RiskType ("clinic risk type") {
        Routine => ("routine", "Routine risk"),
        Mixed => ("mixed", "Mixed risk"),
        Mobile => ("mobile", "Mobile screening"),
    }
}

labelled_enum! {
    pub enum ClinicStatus ("clinic status") {
        Scheduled => ("scheduled", "Scheduled"),
        InProgress => ("in_progress", "In progress"),
        Closed => ("closed", "Closed"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

labelled_enum! {
    /// The tabs of the clinic list.
    pub enum ClinicTab ("clinic list tab") {
        Today => ("today", "Today"),
        Upcoming => ("upcoming", "Upcoming"),
        Completed => ("completed", "Completed"),
        All => ("all", "All"),
    }
}

impl ClinicStatus {
    /// The statuses of a clinic that is over whatever its date.
    pub const FINISHED: [ClinicStatus; 2] = [ClinicStatus::Closed, ClinicStatus::Cancelled];

    pub const fn tag_class(self) -> &'static str {
        match self {
            ClinicStatus::Scheduled => "nhsuk-tag--grey",
            ClinicStatus::InProgress => "nhsuk-tag--blue",
            ClinicStatus::Closed => "nhsuk-tag--green",
            ClinicStatus::Cancelled => "nhsuk-tag--red",
        }
    }
}

impl ClinicTab {
    /// Whether a clinic on `date` with `status` is listed under this tab on `today`.
    /// A clinic is completed once it is closed or cancelled, or its day has passed; today's
    /// clinics stay under "Today" until they are closed.
    pub fn includes(self, date: Date, status: ClinicStatus, today: Date) -> bool {
        let finished = ClinicStatus::FINISHED.contains(&status);
        match self {
            ClinicTab::Today => date == today && !finished,
            ClinicTab::Upcoming => date > today && !finished,
            ClinicTab::Completed => finished || date < today,
            ClinicTab::All => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tabs_table() {
        let today = date!(2026 - 11 - 25);
        let yesterday = date!(2026 - 11 - 24);
        let tomorrow = date!(2026 - 11 - 26);
        use ClinicStatus::*;
        // Today, Upcoming, Completed, All
        let table = [
            (today, Scheduled, [true, false, false, true]),
            (today, InProgress, [true, false, false, true]),
            (today, Closed, [false, false, true, true]),
            (today, Cancelled, [false, false, true, true]),
            (yesterday, Closed, [false, false, true, true]),
            (yesterday, InProgress, [false, false, true, true]),
            (tomorrow, Scheduled, [false, true, false, true]),
            (tomorrow, Cancelled, [false, false, true, true]),
        ];
        for (date, status, expected) in table {
            for (tab, e) in ClinicTab::ALL.iter().zip(expected) {
                assert_eq!(
                    tab.includes(date, status, today),
                    e,
                    "{date} {status:?} {tab:?}"
                );
            }
        }
    }

    #[test]
    fn labels_are_the_reference_vocabulary() {
        assert_eq!(RiskType::Routine.label(), "Routine risk");
        assert_eq!(RiskType::Mixed.label(), "Mixed risk");
        assert_eq!(RiskType::Mobile.label(), "Mobile screening");
        assert_eq!(LocationKind::MobileVan.label(), "Mobile screening unit");
        assert_eq!("all_day".parse::<Session>(), Ok(Session::AllDay));
    }
}
