//! Row types as the database returns them, and their conversion back into
//! checked domain types. Each conversion names the table and column of a
//! value that fails, so a bad row is diagnosable from the error alone.

use chrono::{DateTime, NaiveTime, Utc};

use super::StorageError;
use crate::domain::{
    Certification, City, Engineer, EngineerBase, EngineerId, GeoPoint, Hub, PartCode, Region,
    ServiceHours, Severity, ShiftPattern, Skill, SlaPolicy, Station, StationId, Ticket,
    TicketContact, TicketId, TicketStatus,
};

fn region(table: &'static str, column: &'static str, raw: &str) -> Result<Region, StorageError> {
    raw.parse::<Region>()
        .map_err(|e| StorageError::invalid_row(table, column, e.message))
}

fn point(table: &'static str, lat: f64, lon: f64) -> Result<GeoPoint, StorageError> {
    GeoPoint::new(lat, lon).map_err(|e| {
        let column = if e.field == "lat" { "lat" } else { "lon" };
        StorageError::invalid_row(table, column, e.message)
    })
}

fn adcode(table: &'static str, raw: i64) -> Result<u32, StorageError> {
    u32::try_from(raw).map_err(|_| {
        StorageError::invalid_row(table, "city_adcode", format!("{raw} is not an adcode"))
    })
}

fn minutes(table: &'static str, column: &'static str, raw: i64) -> Result<u32, StorageError> {
    u32::try_from(raw).map_err(|_| {
        StorageError::invalid_row(table, column, format!("{raw} is not a minute count"))
    })
}

pub(crate) fn certification_code(certification: Certification) -> &'static str {
    match certification {
        Certification::Senior => "senior",
        Certification::Intermediate => "intermediate",
    }
}

pub(crate) fn service_hours_code(hours: ServiceHours) -> &'static str {
    match hours {
        ServiceHours::FiveByEight => "five_by_eight",
        ServiceHours::SevenByTwentyFour => "seven_by_twenty_four",
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CityRow {
    pub adcode: i64,
    pub name_zh: String,
    pub name_en: String,
    pub province_zh: String,
    pub province_en: String,
    pub lat: f64,
    pub lon: f64,
    pub population: Option<i64>,
    pub region: String,
}

impl CityRow {
    pub fn into_domain(self) -> Result<City, StorageError> {
        let population = self
            .population
            .map(|p| {
                u64::try_from(p).map_err(|_| {
                    StorageError::invalid_row("cities", "population", format!("{p} is negative"))
                })
            })
            .transpose()?;
        Ok(City {
            adcode: u32::try_from(self.adcode).map_err(|_| {
                StorageError::invalid_row(
                    "cities",
                    "adcode",
                    format!("{} is not an adcode", self.adcode),
                )
            })?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            province_zh: self.province_zh,
            province_en: self.province_en,
            location: point("cities", self.lat, self.lon)?,
            population,
            region: region("cities", "region", &self.region)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct HubRow {
    pub region: String,
    pub city_adcode: i64,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

impl HubRow {
    pub fn into_domain(self) -> Result<Hub, StorageError> {
        Ok(Hub {
            region: region("hubs", "region", &self.region)?,
            city_adcode: adcode("hubs", self.city_adcode)?,
            name: self.name,
            location: point("hubs", self.lat, self.lon)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StationRow {
    pub id: String,
    pub name: String,
    pub city_adcode: i64,
    pub region: String,
    pub lat: f64,
    pub lon: f64,
}

impl StationRow {
    pub fn into_domain(self) -> Result<Station, StorageError> {
        let id = StationId::parse(self.id)
            .map_err(|e| StorageError::invalid_row("stations", "id", e.message))?;
        Station::new(
            id,
            self.name,
            adcode("stations", self.city_adcode)?,
            region("stations", "region", &self.region)?,
            point("stations", self.lat, self.lon)?,
        )
        .map_err(|e| StorageError::invalid_row("stations", "name", e.message))
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EngineerRow {
    pub id: String,
    pub name: String,
    pub base_kind: String,
    pub base_id: String,
    pub region: String,
    pub home_lat: f64,
    pub home_lon: f64,
    pub skills: String,
    pub certification: String,
    pub shift_kind: String,
    pub shift_start: Option<String>,
    pub shift_end: Option<String>,
    pub shift_max_hours: Option<i64>,
}

/// `08:30` — shifts are stored as local wall-clock times.
pub(crate) fn time_text(time: NaiveTime) -> String {
    time.format("%H:%M:%S").to_string()
}

fn shift_time(column: &'static str, raw: Option<&str>) -> Result<NaiveTime, StorageError> {
    let raw = raw.ok_or_else(|| StorageError::invalid_row("engineers", column, "missing"))?;
    NaiveTime::parse_from_str(raw, "%H:%M:%S")
        .map_err(|e| StorageError::invalid_row("engineers", column, format!("{raw:?}: {e}")))
}

impl EngineerRow {
    pub fn into_domain(self) -> Result<Engineer, StorageError> {
        const TABLE: &str = "engineers";
        let id = EngineerId::parse(&self.id)
            .map_err(|e| StorageError::invalid_row(TABLE, "id", e.message))?;
        let base = match self.base_kind.as_str() {
            "station" => EngineerBase::Station(
                StationId::parse(&self.base_id)
                    .map_err(|e| StorageError::invalid_row(TABLE, "base_id", e.message))?,
            ),
            "hub" => EngineerBase::Hub(region(TABLE, "base_id", &self.base_id)?),
            other => {
                return Err(StorageError::invalid_row(
                    TABLE,
                    "base_kind",
                    format!("{other:?} is not station or hub"),
                ));
            }
        };
        let skills = self
            .skills
            .split(',')
            .filter(|code| !code.is_empty())
            .map(|code| {
                code.parse::<Skill>()
                    .map_err(|e| StorageError::invalid_row(TABLE, "skills", e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let certification = match self.certification.as_str() {
            "senior" => Certification::Senior,
            "intermediate" => Certification::Intermediate,
            other => {
                return Err(StorageError::invalid_row(
                    TABLE,
                    "certification",
                    format!("{other:?} is not senior or intermediate"),
                ));
            }
        };
        let shift = match self.shift_kind.as_str() {
            "five_by_eight" => ShiftPattern::FiveByEight {
                start: shift_time("shift_start", self.shift_start.as_deref())?,
                end: shift_time("shift_end", self.shift_end.as_deref())?,
            },
            "on_call" => {
                let hours = self.shift_max_hours.ok_or_else(|| {
                    StorageError::invalid_row(TABLE, "shift_max_hours", "missing")
                })?;
                ShiftPattern::OnCall {
                    max_hours: u8::try_from(hours).map_err(|_| {
                        StorageError::invalid_row(TABLE, "shift_max_hours", format!("{hours}"))
                    })?,
                }
            }
            other => {
                return Err(StorageError::invalid_row(
                    TABLE,
                    "shift_kind",
                    format!("{other:?} is not five_by_eight or on_call"),
                ));
            }
        };
        Engineer::new(crate::domain::EngineerProfile {
            id,
            name: self.name,
            base,
            region: region(TABLE, "region", &self.region)?,
            home: point(TABLE, self.home_lat, self.home_lon)?,
            skills,
            certification,
            shift,
        })
        .map_err(|e| {
            let column = match e.field.as_str() {
                "name" => "name",
                "skills" => "skills",
                _ => "shift_kind",
            };
            StorageError::invalid_row(TABLE, column, e.message)
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TicketRow {
    pub id: String,
    pub customer: String,
    pub lat: f64,
    pub lon: f64,
    pub city_adcode: i64,
    pub region: String,
    pub severity: i64,
    pub skill: String,
    pub reported_at: DateTime<Utc>,
    pub service_minutes: i64,
    pub sla_response_minutes: i64,
    pub sla_on_site_minutes: i64,
    pub sla_repair_minutes: i64,
    pub sla_hours: String,
    pub status: String,
    pub part: Option<String>,
    pub address: Option<String>,
    pub contact_phone: Option<String>,
    pub fault: Option<String>,
}

impl TicketRow {
    pub fn into_domain(self) -> Result<Ticket, StorageError> {
        const TABLE: &str = "tickets";
        let id = TicketId::parse(&self.id)
            .map_err(|e| StorageError::invalid_row(TABLE, "id", e.message))?;
        let severity = u8::try_from(self.severity)
            .ok()
            .and_then(|level| Severity::new(level).ok())
            .ok_or_else(|| {
                StorageError::invalid_row(
                    TABLE,
                    "severity",
                    format!("{} is not 1-4", self.severity),
                )
            })?;
        let skill = self
            .skill
            .parse::<Skill>()
            .map_err(|e| StorageError::invalid_row(TABLE, "skill", e.message))?;
        let hours = match self.sla_hours.as_str() {
            "five_by_eight" => ServiceHours::FiveByEight,
            "seven_by_twenty_four" => ServiceHours::SevenByTwentyFour,
            other => {
                return Err(StorageError::invalid_row(
                    TABLE,
                    "sla_hours",
                    format!("{other:?} is not five_by_eight or seven_by_twenty_four"),
                ));
            }
        };
        let sla = SlaPolicy::new(
            minutes(TABLE, "sla_response_minutes", self.sla_response_minutes)?,
            minutes(TABLE, "sla_on_site_minutes", self.sla_on_site_minutes)?,
            minutes(TABLE, "sla_repair_minutes", self.sla_repair_minutes)?,
            hours,
        )
        .map_err(|e| {
            let column = match e.field.as_str() {
                "sla.response_minutes" => "sla_response_minutes",
                "sla.on_site_minutes" => "sla_on_site_minutes",
                _ => "sla_repair_minutes",
            };
            StorageError::invalid_row(TABLE, column, e.message)
        })?;
        let status = TicketStatus::parse(&self.status)
            .map_err(|e| StorageError::invalid_row(TABLE, "status", e.message))?;
        let ticket = Ticket::new(crate::domain::TicketReport {
            id,
            customer: self.customer,
            site: point(TABLE, self.lat, self.lon)?,
            city_adcode: adcode(TABLE, self.city_adcode)?,
            region: region(TABLE, "region", &self.region)?,
            severity,
            skill,
            reported_at: self.reported_at,
            service_minutes: minutes(TABLE, "service_minutes", self.service_minutes)?,
            sla,
        })
        .map_err(|e| {
            let column = match e.field.as_str() {
                "customer" => "customer",
                "city_adcode" => "city_adcode",
                _ => "service_minutes",
            };
            StorageError::invalid_row(TABLE, column, e.message)
        })?;
        let part = self
            .part
            .map(PartCode::parse)
            .transpose()
            .map_err(|e| StorageError::invalid_row(TABLE, "part", e.message))?;
        let contact =
            TicketContact::new(self.address, self.contact_phone, self.fault).map_err(|e| {
                let column = match e.field.as_str() {
                    "address" => "address",
                    "contact_phone" => "contact_phone",
                    _ => "fault",
                };
                StorageError::invalid_row(TABLE, column, e.message)
            })?;
        Ok(ticket
            .with_status(status)
            .with_part(part)
            .with_contact(contact))
    }
}
