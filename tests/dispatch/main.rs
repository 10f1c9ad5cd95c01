//! Dispatch scenarios across the tiers: one test binary (each links the
//! whole crate, HiGHS and both database drivers, so fewer binaries keep the
//! build small), one module per rule.

#[macro_use]
#[path = "../api/fixtures.rs"]
mod fixtures;

mod assignment;
mod balance;
mod candidates;
mod horizon;
mod insertion;
mod loaners;
mod parts;
mod plan;
mod preventive;
