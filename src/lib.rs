//! Ruyi — field-engineer dispatch and route scheduling for a national
//! after-sales service network (call center, seven regional hubs, authorized
//! service stations), under the 12-hour on-site and 48-hour repair limits.
//!
//! # Layout
//!
//! - [`domain`]: checked types — tickets, engineers, stations, hubs, tiers,
//!   severities, skills, positions, time windows, SLA deadlines. Depends on
//!   nothing else in the crate.
//! - [`optimize`]: the routing core. Synchronous, deterministic, no IO: a
//!   problem over a travel matrix in, routes with times and reasons out, and
//!   an independent checker. Never imports storage, api or tokio.
//! - [`travel`]: travel models that turn positions into a matrix
//!   (great-circle distance with a circuity factor and average speeds),
//!   behind a trait so a road-network matrix can replace it.
//! - [`network`]: the shipped national network (cities, hubs, stations,
//!   engineers) read from `data/`, and the seeded ticket generator.
//! - [`dispatch`]: service-network rules that turn tickets and engineers into
//!   an [`optimize::Problem`] and a solution back into a roster.
//! - [`coverage`]: planners' what-if — reachability within 12 h and 2 h,
//!   coverage per region and province, load replay through the dispatcher,
//!   scenario files and new-station siting (a MIP). Depends on `dispatch`,
//!   `network` and `travel`; never on storage or the API.
//! - [`storage`]: sqlx repositories over SQLite (default) or PostgreSQL.
//! - [`api`]: the actix-web HTTP API.
//! - [`service`]: the steps the API and the CLI share (plan a hub's day
//!   from storage and store the roster).
//! - [`cli`]: the `ruyi` command line.
//! - [`clock`]: where "now" comes from (the system clock, or one a test
//!   sets).
//! - [`benchmark`]: readers for the Solomon / Gehring & Homberger VRPTW
//!   instances and best-known tables, kept outside the core.
//! - [`rng`]: the seeded random number generator every seeded part uses.
//! - [`vroom`]: the VROOM adapter — a VROOM problem document in, VROOM's
//!   solution document out, solved by the core; refuses by name what it
//!   cannot model exactly.

pub mod api;
pub mod benchmark;
pub mod cli;
pub mod clock;
pub mod coverage;
pub mod dispatch;
pub mod domain;
pub mod network;
pub mod optimize;
pub mod rng;
pub mod service;
pub mod storage;
pub mod travel;
pub mod vroom;
