//! Ruyi — field-engineer dispatch and route scheduling for a national
//! after-sales service network (call center, seven regional hubs, authorized
//! service stations), under the 12-hour on-site and 48-hour repair limits.
//!
//! # Layout
//!
//! - [`domain`]: checked types — tickets, engineers, stations, hubs, tiers,
//!   severities, skills, positions, time windows, SLA deadlines, rosters,
//!   spare-part stock and key customers. Depends on nothing else in the
//!   crate.
//! - [`optimize`]: the routing core behind a small facade (`Problem`,
//!   `Solution`, `solve`, `solve_from`, `check`, route timing and cost).
//!   Synchronous, deterministic, no IO: a problem over a travel matrix in,
//!   routes with times and reasons out, and an independent checker. Never
//!   imports storage, api or tokio.
//! - [`travel`]: travel models that turn positions into a matrix
//!   (great-circle distance with a circuity factor and average speeds),
//!   behind a trait so a road-network matrix can replace it.
//! - [`network`]: the shipped national network (cities, hubs, stations,
//!   engineers, part stock) read from `data/`, and the seeded ticket
//!   generator. Depends on `domain` only.
//! - [`dispatch`]: service-network rules around the core, one path for a
//!   hub's day: a checked [`dispatch::HubDay`] in, [`dispatch::plan`] runs
//!   the stages (triage, translation, assignment MIP, routing, balance,
//!   check, preventive visits), a roster out; emergency insertion and the
//!   escalation matrix beside it. Depends on `domain`, `optimize` and
//!   `travel`.
//! - [`coverage`]: planners' what-if — reachability within 12 h and 2 h,
//!   coverage per region and province, load replay through the dispatcher,
//!   scenario files and new-station siting (a MIP). Depends on `dispatch`,
//!   `network` and `travel`; never on storage or the API.
//! - [`storage`]: sqlx repositories over SQLite (default) or PostgreSQL;
//!   persists what the other layers decide, depends on `domain` only.
//! - [`api`]: the actix-web HTTP API.
//! - [`web`]: the web app `ruyi serve` serves beside the API (hub board,
//!   My day, coverage, ticket page): HTML shells and hand-written scripts
//!   compiled into the binary, drawing what they fetch from the API.
//! - [`service`]: the steps the API and the CLI share (plan a hub's day
//!   from storage and store the roster), blocking work kept in its
//!   request's tracing span, and an error's causes on one line.
//! - [`settings`]: what the flags and environment configure (database,
//!   listen address, travel model, search budget and seed, log filter),
//!   checked once at start-up and handed on as values; nothing else reads
//!   the environment.
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
pub mod settings;
pub mod simulation;
pub mod storage;
pub mod travel;
pub mod vroom;
pub mod web;
