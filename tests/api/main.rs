//! API tests: one binary, a real server per test on a random port, against
//! SQLite and PostgreSQL.

mod fixtures;
mod helpers;

mod abuse;
mod access;
mod board;
mod engineers;
mod escalations;
mod events;
mod faults;
mod health;
mod insertions;
mod live;
mod rosters;
mod sla_report;
mod tickets;
