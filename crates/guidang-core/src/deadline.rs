//! Archiving and transfer deadlines.
//!
//! - Archiving: at the latest by the end of June of the year after the case
//!   was completed (26号 measures).
//! - Transfer to the comprehensive archive, for records kept permanently or
//!   30 years: within 5 years of formation. We count formation as the year of
//!   completion and set the deadline to 31 December of completion year + 5
//!   (documented in docs/collect-format.md; the rule states years, not days).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::codes::{CaseStatus, Retention};

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 归档期限.
    Archive,
    /// 移交期限 (to the comprehensive archive).
    Transfer,
}

impl DeadlineKind {
    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            DeadlineKind::Archive => "归档期限",
            DeadlineKind::Transfer => "移交期限",
        }
    }
}

/// The last day of a record's retention: D10 and D30 are counted from 1
/// January of the year after completion (a case completed in 2025 with D10
/// is kept to 31 December 2035); permanent records never end.
pub fn retention_end(completion_year: i32, retention: Retention) -> Option<NaiveDate> {
    retention
        .years()
        .map(|y| NaiveDate::from_ymd_opt(completion_year + y, 12, 31).expect("valid date"))
}

/// Years the hall keeps its copy after transfer (留存备份).
pub const RETAINED_COPY_YEARS: i32 = 5;

/// The first day the hall's retained copy may be destroyed, for a record
/// transferred on `transferred`.
pub fn retained_copy_end(transferred: NaiveDate) -> NaiveDate {
    transferred
        .with_year(transferred.year() + RETAINED_COPY_YEARS)
        .unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(transferred.year() + RETAINED_COPY_YEARS, 3, 1).expect("valid")
        })
}

/// The archiving deadline of a case completed on `completed`.
pub fn archive_deadline(completed: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(completed.year() + 1, 6, 30).expect("valid date")
}

/// The transfer deadline, for Y and D30 records only.
pub fn transfer_deadline(completed: NaiveDate, retention: Retention) -> Option<NaiveDate> {
    retention
        .must_transfer_to_archive()
        .then(|| NaiveDate::from_ymd_opt(completed.year() + 5, 12, 31).expect("valid date"))
}

/// A deadline that is overdue or coming up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// The date.
    pub deadline: NaiveDate,
    /// Days from today; negative when overdue.
    pub days_left: i64,
}

/// The deadline that still applies to a case in `status`, if it is overdue or
/// falls within `window_days` of `today`. The archive deadline applies until
/// the case is archived (gd check passed), the transfer deadline until it is
/// transferred.
pub fn due(
    completed: NaiveDate,
    retention: Retention,
    status: CaseStatus,
    today: NaiveDate,
    window_days: i64,
) -> Option<Due> {
    let mut candidates = Vec::new();
    if !status.is_archived() {
        candidates.push((DeadlineKind::Archive, archive_deadline(completed)));
    }
    if !status.is_transferred() {
        if let Some(d) = transfer_deadline(completed, retention) {
            candidates.push((DeadlineKind::Transfer, d));
        }
    }
    candidates
        .into_iter()
        .map(|(kind, deadline)| Due {
            kind,
            deadline,
            days_left: (deadline - today).num_days(),
        })
        .filter(|d| d.days_left <= window_days)
        .min_by_key(|d| d.days_left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_ends_counting_from_the_year_after_completion() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            retention_end(2025, Retention::Years10),
            Some(d(2035, 12, 31))
        );
        assert_eq!(
            retention_end(2025, Retention::Years30),
            Some(d(2055, 12, 31))
        );
        assert_eq!(retention_end(2025, Retention::Permanent), None);
        assert_eq!(retained_copy_end(d(2026, 11, 21)), d(2031, 11, 21));
        assert_eq!(retained_copy_end(d(2028, 2, 29)), d(2033, 3, 1));
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn archive_deadline_is_end_of_june_next_year() {
        assert_eq!(archive_deadline(d(2024, 12, 31)), d(2025, 6, 30));
        assert_eq!(archive_deadline(d(2024, 1, 1)), d(2025, 6, 30));
    }

    #[test]
    fn transfer_deadline_only_for_long_retention() {
        assert_eq!(
            transfer_deadline(d(2021, 3, 1), Retention::Years30),
            Some(d(2026, 12, 31))
        );
        assert_eq!(
            transfer_deadline(d(2021, 3, 1), Retention::Permanent),
            Some(d(2026, 12, 31))
        );
        assert_eq!(transfer_deadline(d(2021, 3, 1), Retention::Years10), None);
    }

    #[test]
    fn due_window_and_status() {
        let today = d(2025, 6, 10);
        let x = due(
            d(2024, 5, 1),
            Retention::Years10,
            CaseStatus::Collected,
            today,
            30,
        )
        .unwrap();
        assert_eq!((x.kind, x.days_left), (DeadlineKind::Archive, 20));
        assert!(due(
            d(2024, 5, 1),
            Retention::Years10,
            CaseStatus::Checked,
            today,
            30
        )
        .is_none());
        assert!(due(
            d(2024, 5, 1),
            Retention::Years10,
            CaseStatus::Collected,
            today,
            10
        )
        .is_none());
        let late = due(
            d(2023, 5, 1),
            Retention::Years10,
            CaseStatus::Sealed,
            today,
            30,
        )
        .unwrap();
        assert!(late.days_left < 0);
        // Archived but not transferred, past the 5-year mark.
        let t = due(
            d(2019, 5, 1),
            Retention::Years30,
            CaseStatus::Checked,
            today,
            30,
        )
        .unwrap();
        assert_eq!(t.kind, DeadlineKind::Transfer);
        assert!(due(
            d(2019, 5, 1),
            Retention::Years30,
            CaseStatus::Accepted,
            today,
            30
        )
        .is_none());
    }
}
