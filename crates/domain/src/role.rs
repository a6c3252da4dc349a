//! Roles a user holds for a provider, and what each lets them do.

labelled_enum! {
    /// A role granted to a user for one provider.
    pub enum Role ("role") {
        Clinical => ("clinical", "Clinical"),
        Reader => ("reader", "Reader"),
        Administrative => ("administrative", "Administrative"),
    }
}

/// Things a user may be allowed to do within their current provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See clinics, appointments and participants.
    ViewRecords,
    /// Check a participant in.
    CheckIn,
    /// Start, pause, resume and end an appointment.
    RunAppointment,
    /// Cancel, mark did not attend, request a reschedule, and undo those.
    ManageAppointments,
    /// Record an image reading opinion.
    ReadImages,
    /// Change the provider's settings (for example its reading rules).
    ConfigureProvider,
    /// Record what was done at an assessment clinic and its outcome (which closes the
    /// episode).
    RecordAssessment,
    /// Cease, reinstate or defer a participant, mark her very high risk, record an MRI
    /// referral (the office's decisions about whether and how she is invited).
    ManageScreeningStatus,
    /// Send out results: preview and re-issue letters, run the print batch, send GP
    /// messages again and resolve the failsafe list (the office's work).
    ManageResults,
}

impl Role {
    /// Whether holding this role grants the permission.
    pub const fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Clinical => matches!(
                permission,
                ViewRecords | CheckIn | RunAppointment | ManageAppointments | RecordAssessment
            ),
            Role::Administrative => matches!(
                permission,
                ViewRecords
                    | CheckIn
                    | ManageAppointments
                    | ConfigureProvider
                    | ManageScreeningStatus
                    | ManageResults
            ),
            Role::Reader => matches!(permission, ViewRecords | ReadImages),
        }
    }
}

/// Whether any of `roles` grants the permission.
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn permission_table() {
        // ViewRecords, CheckIn, RunAppointment, ManageAppointments, ReadImages,
        // ConfigureProvider, RecordAssessment, ManageScreeningStatus, ManageResults
        let table: &[(Role, [bool; 9])] = &[
            (
                Role::Clinical,
                [true, true, true, true, false, false, true, false, false],
            ),
            (
                Role::Administrative,
                [true, true, false, true, false, true, false, true, true],
            ),
            (
                Role::Reader,
                [true, false, false, false, true, false, false, false, false],
            ),
        ];
        let perms = [
            ViewRecords,
            CheckIn,
            RunAppointment,
            ManageAppointments,
            ReadImages,
            ConfigureProvider,
            RecordAssessment,
            ManageScreeningStatus,
            ManageResults,
        ];
        for &(role, expected) in table {
            for (p, e) in perms.iter().zip(expected) {
                assert_eq!(role.grants(*p), e, "{role:?} {p:?}");
            }
        }
        assert!(!any_grants(&[], ViewRecords));
        assert!(any_grants(&[Role::Reader, Role::Clinical], RunAppointment));
    }
}
