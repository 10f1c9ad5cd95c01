//! The service calendar a 5x8 contract's clocks run on: weekdays, office
//! hours, China time. A 7x24 contract's clocks run around the clock.
//!
//! DOMAIN.md: "a 5x8 contract's 2 h / 12 h / 48 h clocks run in service
//! hours only (Mon–Fri 08:00–17:00 China time, configurable)". A limit of
//! N minutes is met at the moment the N-th service minute after the report
//! ends; a report outside service hours starts its clock at the next
//! opening. With 9-hour service days a 12 h limit spans two service days:
//! reported Friday 16:30, a 5x8 ticket's response is due Monday 09:30 and
//! its on-site limit falls on Tuesday 10:30 (half an hour on Friday, nine
//! on Monday, two and a half on Tuesday), never over the weekend.
//!
//! The calendar is read once at start-up ([`ServiceCalendar::install`]) and
//! is the same for the whole process, because every ticket's deadlines are
//! derived from it wherever they are read.

use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};

use super::{DomainError, service_offset};

/// Open hours on open weekdays, in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCalendar {
    /// Minutes after local midnight the service opens and closes.
    opens: u32,
    closes: u32,
    /// Open weekdays, Monday first.
    days: [bool; 7],
}

static INSTALLED: OnceLock<ServiceCalendar> = OnceLock::new();

impl Default for ServiceCalendar {
    /// Monday to Friday, 08:00–17:00.
    fn default() -> Self {
        Self {
            opens: 8 * 60,
            closes: 17 * 60,
            days: [true, true, true, true, true, false, false],
        }
    }
}

impl ServiceCalendar {
    /// Parses `08:00-17:00` and `mon-fri` (or a comma list `mon,tue,sat`).
    pub fn parse(hours: &str, days: &str) -> Result<Self, DomainError> {
        let bad_hours = || {
            DomainError::new(
                "service_hours",
                format!("{hours:?} is not HH:MM-HH:MM with the opening first"),
            )
        };
        let (open, close) = hours.trim().split_once('-').ok_or_else(bad_hours)?;
        let minutes = |raw: &str| {
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .map(|t| t.signed_duration_since(NaiveTime::MIN).num_minutes() as u32)
                .map_err(|_| bad_hours())
        };
        let (opens, closes) = (minutes(open)?, minutes(close)?);
        if opens >= closes {
            return Err(bad_hours());
        }
        let day = |raw: &str| -> Result<usize, DomainError> {
            raw.trim()
                .parse::<Weekday>()
                .map(|d| d.num_days_from_monday() as usize)
                .map_err(|_| DomainError::new("service_days", format!("{raw:?} is not a weekday")))
        };
        let mut open_days = [false; 7];
        match days.trim().split_once('-') {
            Some((first, last)) => {
                let (first, last) = (day(first)?, day(last)?);
                if first > last {
                    return Err(DomainError::new(
                        "service_days",
                        format!("{days:?}: the first day comes after the last"),
                    ));
                }
                open_days[first..=last].iter_mut().for_each(|d| *d = true);
            }
            None => {
                for raw in days.split(',') {
                    open_days[day(raw)?] = true;
                }
            }
        }
        Ok(Self {
            opens,
            closes,
            days: open_days,
        })
    }

    /// Makes `calendar` the one every 5x8 deadline is counted on, once, at
    /// start-up; a second, different calendar is refused.
    pub fn install(calendar: ServiceCalendar) -> Result<(), DomainError> {
        let installed = *INSTALLED.get_or_init(|| calendar);
        if installed == calendar {
            Ok(())
        } else {
            Err(DomainError::new(
                "service_hours",
                "the service calendar was already set to another value",
            ))
        }
    }

    /// The calendar in force: the installed one, or the default.
    pub fn current() -> ServiceCalendar {
        INSTALLED.get().copied().unwrap_or_default()
    }

    fn is_open_day(&self, weekday: Weekday) -> bool {
        self.days[weekday.num_days_from_monday() as usize]
    }

    /// The open stretch `[start, end)` that contains `at` or comes next.
    fn open_stretch(&self, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let local = at.with_timezone(&service_offset());
        let mut date = local.date_naive();
        for _ in 0..15 {
            if self.is_open_day(date.weekday()) {
                let at_minute = |minutes: u32| {
                    service_offset()
                        .from_local_datetime(&date.and_time(NaiveTime::MIN))
                        .single()
                        .expect("a fixed offset has no gaps")
                        .with_timezone(&Utc)
                        + Duration::minutes(i64::from(minutes))
                };
                let (open, close) = (at_minute(self.opens), at_minute(self.closes));
                if at < close {
                    return (open.max(at), close);
                }
            }
            date = date.succ_opt().expect("dates far from the end of time");
        }
        // No open day at all: the clock never runs, so it never ends.
        (DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MAX_UTC)
    }

    /// The moment `minutes` service minutes after `from` have elapsed.
    pub fn add(&self, from: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
        let mut left = Duration::minutes(i64::from(minutes));
        let mut at = from;
        loop {
            let (start, end) = self.open_stretch(at);
            if end == DateTime::<Utc>::MAX_UTC {
                return end;
            }
            if start + left <= end {
                return start + left;
            }
            left -= end - start;
            at = end;
        }
    }

    /// Service minutes between `from` and `to` (0 when `to` is earlier).
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut total = Duration::zero();
        let mut at = from;
        while at < to {
            let (start, end) = self.open_stretch(at);
            if start >= to {
                break;
            }
            total += end.min(to) - start;
            at = end;
        }
        total.num_minutes()
    }

    /// Whether the service is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.open_stretch(at).0 == at
    }

    /// The opening and closing minutes after local midnight.
    pub fn hours(&self) -> (u32, u32) {
        (self.opens, self.closes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `month`/`day` 2026 at `hour:minute` China time; 2026-11-27 is a
    /// Friday, 2026-11-30 a Monday, 2026-12-01 a Tuesday.
    fn local(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        service_offset()
            .with_ymd_and_hms(2026, month, day, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_friday_afternoon_report_is_not_due_over_the_weekend() {
        let calendar = ServiceCalendar::default();
        let friday = local(11, 27, 16, 30);
        // 2 h response: 30 minutes on Friday, 90 on Monday.
        assert_eq!(calendar.add(friday, 120), local(11, 30, 9, 30));
        // 12 h on site: 0.5 on Friday, 9 on Monday, 2.5 on Tuesday.
        assert_eq!(calendar.add(friday, 720), local(12, 1, 10, 30));
    }

    #[test]
    fn with_longer_service_days_the_friday_report_is_due_on_monday() {
        // Twelve service hours fit in Friday's rest and Monday only when a
        // service day is long enough: 08:00–20:00 gives 3.5 h on Friday
        // and 8.5 h on Monday.
        let calendar = ServiceCalendar::parse("08:00-20:00", "mon-fri").unwrap();
        assert_eq!(
            calendar.add(local(11, 27, 16, 30), 720),
            local(11, 30, 16, 30)
        );
    }

    #[test]
    fn a_night_report_starts_its_clock_at_the_opening() {
        let calendar = ServiceCalendar::default();
        // Monday 22:30: the response is due Tuesday 10:00, not 00:30.
        assert_eq!(
            calendar.add(local(11, 30, 22, 30), 120),
            local(12, 1, 10, 0)
        );
        assert!(!calendar.is_open(local(11, 30, 22, 30)));
        assert!(calendar.is_open(local(11, 30, 9, 0)));
        assert!(!calendar.is_open(local(11, 28, 9, 0)), "Saturday is closed");
    }

    #[test]
    fn service_minutes_are_counted_only_while_open() {
        let calendar = ServiceCalendar::default();
        assert_eq!(
            calendar.minutes_between(local(11, 27, 16, 30), local(11, 30, 9, 30)),
            120
        );
        assert_eq!(
            calendar.minutes_between(local(11, 28, 9, 0), local(11, 28, 18, 0)),
            0
        );
        let friday = local(11, 27, 10, 0);
        for minutes in [0, 1, 419, 420, 540, 541, 2880] {
            assert_eq!(
                calendar.minutes_between(friday, calendar.add(friday, minutes)),
                i64::from(minutes)
            );
        }
    }

    #[test]
    fn calendars_parse_from_settings() {
        let calendar = ServiceCalendar::parse("09:00-18:30", "mon-sat").unwrap();
        assert_eq!(calendar.hours(), (540, 1110));
        assert!(calendar.is_open(local(11, 28, 10, 0)), "Saturday is open");
        let listed = ServiceCalendar::parse("08:00-17:00", "mon,wed").unwrap();
        assert!(!listed.is_open(local(12, 1, 9, 0)), "Tuesday is closed");
        assert!(listed.is_open(local(12, 2, 9, 0)), "Wednesday is open");
        let reversed = ServiceCalendar::parse("17:00-08:00", "mon-fri").unwrap_err();
        assert_eq!(reversed.field, "service_hours");
        let funday = ServiceCalendar::parse("08:00-17:00", "mon-funday").unwrap_err();
        assert_eq!(funday.field, "service_days");
    }
}
