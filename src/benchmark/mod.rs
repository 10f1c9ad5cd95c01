//! Adapters for the standard routing benchmarks, outside the optimization
//! core: the Solomon / Gehring & Homberger VRPTW text format, the best-known
//! solution tables, and the usual `Route 1: …` solution text; and the
//! national-day dispatch benchmark with its greedy baseline.

pub mod dispatch;
pub mod solomon;

pub use solomon::{BenchmarkError, BestKnown, Instance, read_best_known, write_solution};
