//! Dispatch scenarios across the tiers: one test binary (each links the
//! whole crate, HiGHS and both database drivers, so fewer binaries keep the
//! build small), one module per rule.

#[macro_use]
#[path = "../api/fixtures.rs"]
mod fixtures;

mod assignment;
mod balance;
mod candidates;
mod clock;
mod horizon;
mod insertion;
mod live;
mod loaners;
mod manual;
mod parts;
mod plan;
mod preventive;
mod simulation;

use chrono::NaiveDate;
use ruyi::dispatch::HubDay;
use ruyi::domain::{Engineer, Region, Ticket};

/// A hub's day of these tickets and engineers, checked (the scenarios give
/// valid selections; the one that does not calls `HubDay::new` itself).
pub fn day(hub: Region, date: NaiveDate, tickets: &[Ticket], engineers: &[Engineer]) -> HubDay {
    HubDay::new(hub, date, tickets.to_vec(), engineers.to_vec()).expect("a valid hub day")
}
