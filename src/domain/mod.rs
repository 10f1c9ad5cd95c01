//! Checked domain types: every value here was validated when it was built, so
//! the rest of Ruyi (storage, dispatch, the API) never re-checks them.
//!
//! Depends on nothing else in the crate. Construction goes through `new` /
//! `parse` / `TryFrom`, which return a [`DomainError`] naming the bad field.

mod access;
mod calendar;
mod engineer;
mod error;
pub mod event;
mod geo_point;
mod ids;
mod key_customer;
pub mod lifecycle;
mod network;
mod region;
mod roster;
mod severity;
mod skill;
mod sla;
mod stock;
mod ticket;
mod time_window;

pub use access::{Role, RoleKind};
pub use calendar::ServiceCalendar;
pub use engineer::{Certification, Engineer, EngineerBase, EngineerProfile, ShiftPattern};
pub use error::DomainError;
pub use event::{Activity, EngineerEvent, EngineerState, EventKind, EventRefusal, Finish, Outcome};
pub use geo_point::GeoPoint;
pub use ids::{EngineerId, EventId, PartCode, StationId, TicketId};
pub use key_customer::{
    ANALYSIS_EPOCH, ANALYSIS_MONTHS, DueVisit, KeyCustomer, due_on, key_customers,
};
pub use lifecycle::{SlaClocks, Stage, TicketLifecycle};
pub use network::{City, Hub, Station, Tier};
pub use region::Region;
pub use roster::{
    AssignmentReport, EngineerRoute, Loaner, PartAction, PartPlan, ReasonCode, RemoteAttempt,
    RemoteOutcome, Roster, RosterSummary, StationWorkload, UnassignedTicket, Visit, VisitKind,
};
pub use severity::Severity;
pub use skill::{Skill, SkillSet};
pub use sla::{ServiceHours, SlaDeadlines, SlaPolicy};
pub use stock::{
    MissingPart, MissingPartRule, PartSource, PartsOnHand, PendingOrder, Stock, StockPoint,
};
pub use ticket::{Ticket, TicketContact, TicketReport, TicketStatus};
pub use time_window::{TimeWindow, service_offset};
