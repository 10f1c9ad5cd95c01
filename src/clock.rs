//! Where "now" comes from. The server and the CLI read the system clock;
//! tests hand in a clock they set, so every time-dependent answer (an
//! event "in the future", a running SLA clock, today's state) can be
//! checked against a known moment.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// A cheap-to-clone source of the current instant.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stays at `at` until [`Clock::set`] moves it.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock(Arc::new(Source::Manual(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock (and every clone of it); the system clock
    /// cannot be set and returns `false`.
    pub fn set(&self, to: DateTime<Utc>) -> bool {
        match &*self.0 {
            Source::System => false,
            Source::Manual(at) => {
                *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
                true
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_manual_clock_moves_for_every_clone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap();
        let clock = Clock::manual(at);
        let clone = clock.clone();
        assert_eq!(clone.now(), at);
        assert!(clock.set(at + chrono::Duration::hours(1)));
        assert_eq!(clone.now(), at + chrono::Duration::hours(1));
        assert!(!Clock::system().set(at));
    }
}
