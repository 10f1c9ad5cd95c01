//! A month of the national network, fast-forwarded: tickets arrive at
//! their reported times, engineers follow their published routes (travel
//! per the travel model, service the estimate times a seeded factor, some
//! visits needing a return, a few engineers calling in sick), and a
//! dispatch policy plans the hubs as they go. Every ticket, plan and
//! engineer event goes through the store by the same calls the API makes
//! (`insert_tickets`, [`crate::service::plan_and_store`], `record_event`
//! with the API's event rules, `engineer_route`), so the dispatcher knows
//! only what the real system would know at that moment: the simulation's
//! truth (true service times, outcomes, sickness) reaches it as events.
//!
//! Policies ([`Policy`]):
//! - `live`: re-plans a hub whenever something happened there (a ticket
//!   reported, a visit finished, an engineer unavailable), batched to the
//!   next [`SimulationConfig::batch`] boundary, and plans each new day at
//!   midnight, so on-call engineers go out at night;
//! - `morning`: one plan per hub at 08:00 — Ruyi before live dispatch;
//! - `greedy`: like `live`, but each re-plan is the dispatch desk's rule
//!   ([`crate::dispatch::greedy_plan`]) instead of the optimization;
//! - `hindsight`: at midnight every ticket of the day is known, and each
//!   hub is planned once — a bound no real dispatcher reaches.
//!
//! Depends on `storage`, `service`, `dispatch`, `network` and `travel`.

mod engine;
mod measure;

pub use engine::{SimulationConfig, SimulationError, simulate};
pub use measure::{
    HourShare, PolicyRun, Row, VisitRecord, check_invariants, fates_csv, rows, share_by_hour,
};

/// How the hubs are dispatched in a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    Live,
    Morning,
    Greedy,
    Hindsight,
}

impl Policy {
    pub const ALL: [Policy; 4] = [
        Policy::Live,
        Policy::Morning,
        Policy::Greedy,
        Policy::Hindsight,
    ];

    /// Whether the policy re-plans a hub on every cadence boundary (some
    /// 450 plans a simulated day) rather than once a day: such a run takes
    /// several times as long.
    pub fn replans(self) -> bool {
        matches!(self, Policy::Live | Policy::Greedy)
    }

    pub fn code(self) -> &'static str {
        match self {
            Policy::Live => "live",
            Policy::Morning => "morning",
            Policy::Greedy => "greedy",
            Policy::Hindsight => "hindsight",
        }
    }

    /// A comma-separated list (`live,morning`), each once, in the order
    /// given; the error names the word that is not a policy.
    pub fn parse_list(raw: &str) -> Result<Vec<Policy>, String> {
        let mut policies = Vec::new();
        for word in raw.split(',').map(str::trim) {
            let policy = Policy::ALL
                .into_iter()
                .find(|p| p.code() == word)
                .ok_or_else(|| {
                    format!("{word:?} is not a policy; expected live, morning, greedy or hindsight")
                })?;
            if !policies.contains(&policy) {
                policies.push(policy);
            }
        }
        Ok(policies)
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_read_from_a_comma_separated_list() {
        assert_eq!(
            Policy::parse_list("live, morning,live").unwrap(),
            vec![Policy::Live, Policy::Morning]
        );
        let error = Policy::parse_list("live,nightly").unwrap_err();
        assert!(error.contains("\"nightly\""), "{error}");
    }
}
