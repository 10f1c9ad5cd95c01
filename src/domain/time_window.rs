use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::DomainError;

/// China Standard Time (UTC+8): shifts, report times and the demo date are
/// all read in this zone; instants are stored in UTC.
pub fn service_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A closed interval of instants, `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow", into = "RawWindow")]
pub struct TimeWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct RawWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TimeWindow {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, DomainError> {
        if start > end {
            return Err(DomainError::new(
                "time_window",
                format!("start {start} is after end {end}"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at <= self.end
    }

    pub fn duration(&self) -> chrono::Duration {
        self.end - self.start
    }
}

impl TryFrom<RawWindow> for TimeWindow {
    type Error = DomainError;
    fn try_from(raw: RawWindow) -> Result<Self, Self::Error> {
        TimeWindow::new(raw.start, raw.end)
    }
}

impl From<TimeWindow> for RawWindow {
    fn from(w: TimeWindow) -> Self {
        RawWindow {
            start: w.start,
            end: w.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn refuses_reversed_window() {
        let a = Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap();
        assert!(TimeWindow::new(a, b).is_ok());
        assert_eq!(TimeWindow::new(b, a).unwrap_err().field, "time_window");
    }
}
