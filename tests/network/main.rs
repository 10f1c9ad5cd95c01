//! The service network: generated ticket days, and coverage planning
//! (reach, siting, replay) for new stations.

mod coverage;
mod generate;
