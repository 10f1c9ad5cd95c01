use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::{
    DomainError, EngineerId, GeoPoint, Region, Skill, SkillSet, StationId, TimeWindow,
    service_offset,
};

/// The certificate an engineer holds; level-1 faults need a senior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certification {
    Senior,
    Intermediate,
}

/// Where an engineer starts and ends the day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum EngineerBase {
    /// An authorized service station (tier 3).
    Station(StationId),
    /// A regional hub's own engineers (tier 2).
    Hub(Region),
}

/// When an engineer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ShiftPattern {
    /// Monday to Friday, from `start` to `end` local time.
    FiveByEight { start: NaiveTime, end: NaiveTime },
    /// On call every day, around the clock, but working at most
    /// `max_hours` in a day.
    OnCall { max_hours: u8 },
}

impl ShiftPattern {
    pub fn office_hours() -> Self {
        ShiftPattern::FiveByEight {
            start: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(17, 30, 0).expect("valid time"),
        }
    }

    /// The working window on a local calendar date, if the engineer works
    /// that day.
    pub fn window_on(&self, date: NaiveDate) -> Option<TimeWindow> {
        let at = |time: NaiveTime| {
            service_offset()
                .from_local_datetime(&date.and_time(time))
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        match *self {
            ShiftPattern::FiveByEight { start, end } => {
                if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    return None;
                }
                TimeWindow::new(at(start)?, at(end)?).ok()
            }
            ShiftPattern::OnCall { .. } => {
                let start = at(NaiveTime::MIN)?;
                TimeWindow::new(start, start + chrono::Duration::hours(24)).ok()
            }
        }
    }

    /// The longest working day, in minutes.
    pub fn max_work_minutes(&self) -> u32 {
        match *self {
            ShiftPattern::FiveByEight { start, end } => ((end - start).num_minutes().max(0)) as u32,
            ShiftPattern::OnCall { max_hours } => max_hours as u32 * 60,
        }
    }
}

/// A field engineer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engineer {
    id: EngineerId,
    name: String,
    base: EngineerBase,
    region: Region,
    home: GeoPoint,
    skills: Vec<Skill>,
    certification: Certification,
    shift: ShiftPattern,
}

/// An engineer as the network lists them, before it is checked:
/// [`Engineer::new`] validates it.
#[derive(Debug, Clone)]
pub struct EngineerProfile {
    pub id: EngineerId,
    pub name: String,
    pub base: EngineerBase,
    pub region: Region,
    /// Where the day starts and ends (the station or hub).
    pub home: GeoPoint,
    pub skills: Vec<Skill>,
    pub certification: Certification,
    pub shift: ShiftPattern,
}

impl Engineer {
    /// Checks a profile (a name, at least one skill, a sensible shift).
    pub fn new(profile: EngineerProfile) -> Result<Self, DomainError> {
        let EngineerProfile {
            id,
            name,
            base,
            region,
            home,
            mut skills,
            certification,
            shift,
        } = profile;
        if name.trim().is_empty() {
            return Err(DomainError::new("name", "must not be empty"));
        }
        skills.sort();
        skills.dedup();
        if skills.is_empty() {
            return Err(DomainError::new(
                "skills",
                "an engineer needs at least one skill",
            ));
        }
        if let ShiftPattern::FiveByEight { start, end } = shift
            && start >= end
        {
            return Err(DomainError::new(
                "shift",
                "office hours must end after they start",
            ));
        }
        if let ShiftPattern::OnCall { max_hours } = shift
            && !(1..=16).contains(&max_hours)
        {
            return Err(DomainError::new("shift.max_hours", "must be 1-16"));
        }
        Ok(Self {
            id,
            name,
            base,
            region,
            home,
            skills,
            certification,
            shift,
        })
    }

    pub fn id(&self) -> &EngineerId {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn base(&self) -> &EngineerBase {
        &self.base
    }
    pub fn region(&self) -> Region {
        self.region
    }
    /// The start and end point of the engineer's day (station or hub).
    pub fn home(&self) -> GeoPoint {
        self.home
    }
    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }
    pub fn skill_set(&self) -> SkillSet {
        SkillSet::from_skills(&self.skills)
    }
    pub fn certification(&self) -> Certification {
        self.certification
    }
    pub fn shift(&self) -> ShiftPattern {
        self.shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_hours_skip_weekends() {
        let shift = ShiftPattern::office_hours();
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert!(shift.window_on(saturday).is_none());
        let w = shift.window_on(monday).unwrap();
        assert_eq!(w.start().to_rfc3339(), "2026-11-30T00:30:00+00:00");
        assert_eq!(shift.max_work_minutes(), 540);
    }

    #[test]
    fn on_call_works_every_day() {
        let shift = ShiftPattern::OnCall { max_hours: 10 };
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(
            shift.window_on(saturday).unwrap().duration(),
            chrono::Duration::hours(24)
        );
    }

    #[test]
    fn needs_a_skill() {
        let err = Engineer::new(EngineerProfile {
            id: EngineerId::parse("E1").unwrap(),
            name: "Li".to_string(),
            base: EngineerBase::Hub(Region::East),
            region: Region::East,
            home: GeoPoint::new(30.0, 120.0).unwrap(),
            skills: vec![],
            certification: Certification::Senior,
            shift: ShiftPattern::office_hours(),
        })
        .unwrap_err();
        assert_eq!(err.field, "skills");
    }
}
