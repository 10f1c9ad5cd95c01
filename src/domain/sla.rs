use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{DomainError, ServiceCalendar};

/// When the customer's contract has the hotline and engineers available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceHours {
    /// Weekdays, office hours (the default contract).
    FiveByEight,
    /// Round the clock, every day.
    SevenByTwentyFour,
}

/// The limits a ticket's contract sets, in minutes after the report. The
/// defaults are the service plan's: response in 2 h, on site in 12 h,
/// repaired in 48 h. Contracts may only tighten them relative to each other
/// (response ≤ on site ≤ repaired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPolicy", into = "RawPolicy")]
pub struct SlaPolicy {
    response_minutes: u32,
    on_site_minutes: u32,
    repair_minutes: u32,
    hours: ServiceHours,
}

#[derive(Serialize, Deserialize)]
struct RawPolicy {
    response_minutes: u32,
    on_site_minutes: u32,
    repair_minutes: u32,
    hours: ServiceHours,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        Self {
            response_minutes: 2 * 60,
            on_site_minutes: 12 * 60,
            repair_minutes: 48 * 60,
            hours: ServiceHours::FiveByEight,
        }
    }
}

impl SlaPolicy {
    /// The longest limit a contract may set: 30 days. Longer ones are
    /// typos (4,294,967,295 minutes is 8,000 years), and deadline
    /// arithmetic on them overflows the calendar.
    pub const MAX_MINUTES: u32 = 30 * 24 * 60;

    pub fn new(
        response_minutes: u32,
        on_site_minutes: u32,
        repair_minutes: u32,
        hours: ServiceHours,
    ) -> Result<Self, DomainError> {
        if response_minutes == 0 {
            return Err(DomainError::new("sla.response_minutes", "must be positive"));
        }
        if on_site_minutes < response_minutes {
            return Err(DomainError::new(
                "sla.on_site_minutes",
                "the on-site limit cannot be shorter than the response limit",
            ));
        }
        if repair_minutes < on_site_minutes {
            return Err(DomainError::new(
                "sla.repair_minutes",
                "the repair limit cannot be shorter than the on-site limit",
            ));
        }
        // The others are no longer than the repair limit.
        if repair_minutes > Self::MAX_MINUTES {
            return Err(DomainError::new(
                "sla.repair_minutes",
                format!(
                    "{repair_minutes} minutes is more than 30 days ({})",
                    Self::MAX_MINUTES
                ),
            ));
        }
        Ok(Self {
            response_minutes,
            on_site_minutes,
            repair_minutes,
            hours,
        })
    }

    /// The service plan's limits (2 h / 12 h / 48 h) on a 7x24 contract,
    /// whose clocks run through nights and weekends.
    pub fn round_the_clock() -> Self {
        Self {
            hours: ServiceHours::SevenByTwentyFour,
            ..Self::default()
        }
    }

    /// The key-customer contract of the service plan: response in 1 h and
    /// on site in 2 h, around the clock.
    pub fn key_customer() -> Self {
        Self {
            response_minutes: 60,
            on_site_minutes: 120,
            repair_minutes: 48 * 60,
            hours: ServiceHours::SevenByTwentyFour,
        }
    }

    pub fn response_minutes(&self) -> u32 {
        self.response_minutes
    }
    pub fn on_site_minutes(&self) -> u32 {
        self.on_site_minutes
    }
    pub fn repair_minutes(&self) -> u32 {
        self.repair_minutes
    }
    pub fn hours(&self) -> ServiceHours {
        self.hours
    }

    /// The three deadlines of a report at `reported_at`: around the clock
    /// for a 7x24 contract, in the service calendar's hours for a 5x8 one
    /// ([`ServiceCalendar`]).
    pub fn deadlines(&self, reported_at: DateTime<Utc>) -> SlaDeadlines {
        let calendar = ServiceCalendar::current();
        let after = |minutes: u32| match self.hours {
            ServiceHours::SevenByTwentyFour => reported_at + Duration::minutes(minutes as i64),
            ServiceHours::FiveByEight => calendar.add(reported_at, minutes),
        };
        SlaDeadlines {
            respond_by: after(self.response_minutes),
            on_site_by: after(self.on_site_minutes),
            repaired_by: after(self.repair_minutes),
            hours: self.hours,
        }
    }
}

impl TryFrom<RawPolicy> for SlaPolicy {
    type Error = DomainError;
    fn try_from(raw: RawPolicy) -> Result<Self, Self::Error> {
        SlaPolicy::new(
            raw.response_minutes,
            raw.on_site_minutes,
            raw.repair_minutes,
            raw.hours,
        )
    }
}

impl From<SlaPolicy> for RawPolicy {
    fn from(p: SlaPolicy) -> Self {
        RawPolicy {
            response_minutes: p.response_minutes,
            on_site_minutes: p.on_site_minutes,
            repair_minutes: p.repair_minutes,
            hours: p.hours,
        }
    }
}

/// A ticket's three clocks, derived from its report time and contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaDeadlines {
    pub respond_by: DateTime<Utc>,
    pub on_site_by: DateTime<Utc>,
    pub repaired_by: DateTime<Utc>,
    /// Which clock they were counted on: around the clock (7x24) or in
    /// service hours (5x8).
    pub hours: ServiceHours,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_round_the_clock_contract_is_due_2_12_48_hours_after_the_report() {
        let reported = Utc.with_ymd_and_hms(2026, 11, 27, 20, 0, 0).unwrap();
        let policy = SlaPolicy::new(120, 720, 2880, ServiceHours::SevenByTwentyFour).unwrap();
        let d = policy.deadlines(reported);
        assert_eq!(d.respond_by, reported + Duration::hours(2));
        assert_eq!(d.on_site_by, reported + Duration::hours(12));
        assert_eq!(d.repaired_by, reported + Duration::hours(48));
        assert_eq!(d.hours, ServiceHours::SevenByTwentyFour);
    }

    #[test]
    fn an_office_hours_contract_counts_in_service_hours() {
        // Friday 16:30 China time (08:30 UTC).
        let reported = Utc.with_ymd_and_hms(2026, 11, 27, 8, 30, 0).unwrap();
        let d = SlaPolicy::default().deadlines(reported);
        assert_eq!(d.hours, ServiceHours::FiveByEight);
        // Monday 09:30 and Tuesday 10:30 China time.
        assert_eq!(
            d.respond_by,
            Utc.with_ymd_and_hms(2026, 11, 30, 1, 30, 0).unwrap()
        );
        assert_eq!(
            d.on_site_by,
            Utc.with_ymd_and_hms(2026, 12, 1, 2, 30, 0).unwrap()
        );
        assert!(d.repaired_by > d.on_site_by);
    }

    #[test]
    fn key_customer_contract_tightens_on_site() {
        let reported = Utc.with_ymd_and_hms(2026, 11, 27, 20, 0, 0).unwrap();
        let d = SlaPolicy::key_customer().deadlines(reported);
        assert_eq!(d.on_site_by, reported + Duration::hours(2));
    }

    #[test]
    fn refuses_inconsistent_overrides() {
        let err = SlaPolicy::new(120, 60, 2880, ServiceHours::FiveByEight).unwrap_err();
        assert_eq!(err.field, "sla.on_site_minutes");
        assert!(SlaPolicy::new(0, 60, 2880, ServiceHours::FiveByEight).is_err());
    }

    #[test]
    fn refuses_limits_beyond_thirty_days() {
        let err = SlaPolicy::new(60, 120, u32::MAX, ServiceHours::FiveByEight).unwrap_err();
        assert_eq!(err.field, "sla.repair_minutes");
        let err =
            SlaPolicy::new(u32::MAX, u32::MAX, u32::MAX, ServiceHours::FiveByEight).unwrap_err();
        assert_eq!(err.field, "sla.repair_minutes");
        assert!(SlaPolicy::new(60, 120, SlaPolicy::MAX_MINUTES, ServiceHours::FiveByEight).is_ok());
    }
}
