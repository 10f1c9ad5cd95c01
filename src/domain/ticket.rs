use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    DomainError, GeoPoint, PartCode, Region, Severity, Skill, SlaDeadlines, SlaPolicy, TicketId,
};

/// Where a ticket stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Reported, not yet on any roster.
    Open,
    /// On a stored roster.
    Planned,
    /// Service restored.
    Resolved,
    Cancelled,
}

impl TicketStatus {
    pub fn code(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Planned => "planned",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "open" => Ok(TicketStatus::Open),
            "planned" => Ok(TicketStatus::Planned),
            "resolved" => Ok(TicketStatus::Resolved),
            "cancelled" => Ok(TicketStatus::Cancelled),
            other => Err(DomainError::new(
                "status",
                format!("{other:?} is not a status; expected open, planned, resolved or cancelled"),
            )),
        }
    }
}

/// A fault report that needs an engineer on site.
///
/// Fields are private so that a ticket in hand always satisfies the checks
/// in [`Ticket::new`]; deadlines are derived, never stored separately, so
/// they cannot drift from the report time and contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    id: TicketId,
    customer: String,
    site: GeoPoint,
    city_adcode: u32,
    region: Region,
    severity: Severity,
    skill: Skill,
    reported_at: DateTime<Utc>,
    service_minutes: u32,
    sla: SlaPolicy,
    status: TicketStatus,
    /// The spare part a swap needs, when the fault is a broken part.
    #[serde(default)]
    part: Option<PartCode>,
    /// Where and whom the engineer visits, and the fault in the
    /// customer's words (optional: older tickets have none).
    #[serde(default)]
    contact: TicketContact,
}

/// The customer's address, contact phone and the fault as reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketContact {
    pub address: Option<String>,
    pub contact_phone: Option<String>,
    pub fault: Option<String>,
}

impl TicketContact {
    /// Trims each field (empty is none) and checks its length; a phone
    /// holds digits, spaces and `+-()` only.
    pub fn new(
        address: Option<String>,
        contact_phone: Option<String>,
        fault: Option<String>,
    ) -> Result<Self, DomainError> {
        let clean = |field: &str, raw: Option<String>, max: usize| match raw
            .map(|raw| raw.trim().to_string())
        {
            Some(value) if value.chars().count() > max => {
                Err(DomainError::new(field, format!("at most {max} characters")))
            }
            Some(value) if value.is_empty() => Ok(None),
            other => Ok(other),
        };
        let contact_phone = clean("contact_phone", contact_phone, 40)?;
        if let Some(phone) = &contact_phone
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        {
            return Err(DomainError::new(
                "contact_phone",
                format!("{phone:?} is not a phone number (digits, spaces, + - ( ))"),
            ));
        }
        Ok(Self {
            address: clean("address", address, 300)?,
            contact_phone,
            fault: clean("fault", fault, 2000)?,
        })
    }
}

/// A fault report as the call center takes it, before it is checked:
/// [`Ticket::new`] validates it and opens the ticket. Named fields, because
/// ten positional arguments of which four are numbers invite mix-ups.
#[derive(Debug, Clone)]
pub struct TicketReport {
    pub id: TicketId,
    pub customer: String,
    pub site: GeoPoint,
    /// The city's administrative code (six digits).
    pub city_adcode: u32,
    pub region: Region,
    pub severity: Severity,
    pub skill: Skill,
    pub reported_at: DateTime<Utc>,
    /// The estimated time on site.
    pub service_minutes: u32,
    pub sla: SlaPolicy,
}

impl Ticket {
    /// Longest on-site job we accept: a repair that takes more than a
    /// working day is a project, not a visit.
    pub const MAX_SERVICE_MINUTES: u32 = 8 * 60;

    /// Checks a report (customer name, city code, service time) and opens
    /// the ticket.
    pub fn new(report: TicketReport) -> Result<Self, DomainError> {
        let TicketReport {
            id,
            customer,
            site,
            city_adcode,
            region,
            severity,
            skill,
            reported_at,
            service_minutes,
            sla,
        } = report;
        if customer.trim().is_empty() || customer.chars().count() > 200 {
            return Err(DomainError::new("customer", "must be 1-200 characters"));
        }
        if !(100000..=999999).contains(&city_adcode) {
            return Err(DomainError::new(
                "city_adcode",
                format!("{city_adcode} is not a 6-digit adcode"),
            ));
        }
        if service_minutes == 0 || service_minutes > Self::MAX_SERVICE_MINUTES {
            return Err(DomainError::new(
                "service_minutes",
                format!(
                    "{service_minutes} is outside 1..={}",
                    Self::MAX_SERVICE_MINUTES
                ),
            ));
        }
        Ok(Self {
            id,
            customer,
            site,
            city_adcode,
            region,
            severity,
            skill,
            reported_at,
            service_minutes,
            sla,
            status: TicketStatus::Open,
            part: None,
            contact: TicketContact::default(),
        })
    }

    pub fn with_status(mut self, status: TicketStatus) -> Self {
        self.status = status;
        self
    }

    /// A fault fixed by swapping `part`: the engineer must start where the
    /// part is in stock.
    pub fn with_part(mut self, part: Option<PartCode>) -> Self {
        self.part = part;
        self
    }

    pub fn with_contact(mut self, contact: TicketContact) -> Self {
        self.contact = contact;
        self
    }

    pub fn id(&self) -> &TicketId {
        &self.id
    }
    pub fn customer(&self) -> &str {
        &self.customer
    }
    pub fn site(&self) -> GeoPoint {
        self.site
    }
    pub fn city_adcode(&self) -> u32 {
        self.city_adcode
    }
    pub fn region(&self) -> Region {
        self.region
    }
    pub fn severity(&self) -> Severity {
        self.severity
    }
    pub fn skill(&self) -> Skill {
        self.skill
    }
    pub fn reported_at(&self) -> DateTime<Utc> {
        self.reported_at
    }
    pub fn service_minutes(&self) -> u32 {
        self.service_minutes
    }
    pub fn sla(&self) -> SlaPolicy {
        self.sla
    }
    pub fn status(&self) -> TicketStatus {
        self.status
    }
    pub fn part(&self) -> Option<&PartCode> {
        self.part.as_ref()
    }
    pub fn contact(&self) -> &TicketContact {
        &self.contact
    }
    pub fn deadlines(&self) -> SlaDeadlines {
        self.sla.deadlines(self.reported_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ticket(service_minutes: u32, adcode: u32) -> Result<Ticket, DomainError> {
        Ticket::new(TicketReport {
            id: TicketId::parse("T1").unwrap(),
            customer: "Acme".to_string(),
            site: GeoPoint::new(30.27, 120.15).unwrap(),
            city_adcode: adcode,
            region: Region::East,
            severity: Severity::MAJOR,
            skill: Skill::Server,
            reported_at: Utc.with_ymd_and_hms(2026, 11, 27, 22, 0, 0).unwrap(),
            service_minutes,
            sla: SlaPolicy::round_the_clock(),
        })
    }

    #[test]
    fn builds_an_open_ticket_with_deadlines() {
        let t = ticket(90, 330100).unwrap();
        assert_eq!(t.status(), TicketStatus::Open);
        assert_eq!(
            t.deadlines().on_site_by,
            t.reported_at() + chrono::Duration::hours(12)
        );
    }

    #[test]
    fn refuses_bad_service_time_and_adcode() {
        assert_eq!(ticket(0, 330100).unwrap_err().field, "service_minutes");
        assert_eq!(ticket(60, 33).unwrap_err().field, "city_adcode");
    }
}
