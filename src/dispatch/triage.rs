//! Rule: triage at tier 1. The national hotline tries to solve what it can
//! remotely — information requests, software and configuration faults —
//! before anyone drives; a remote attempt that fails turns the ticket into a
//! dispatch with its SLA clocks still running from the report.
//!
//! The queue is simulated deterministically: attempts in report order, each
//! on the first free agent, inside the hotline's hours; whether an attempt
//! succeeds is drawn from the ticket's own seeded stream, so the same day
//! triages the same way on every run.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{RemoteAttempt, RemoteOutcome, Skill, Ticket, TicketId};
use crate::rng::Rng;

/// The call center as the scheduler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallCenter {
    /// Agents taking remote attempts at the same time.
    pub agents: usize,
    /// How long one remote attempt takes.
    pub attempt_minutes: i64,
}

impl Default for CallCenter {
    /// The hotline works 7x24 (the service plan); eight agents on remote
    /// diagnosis, half an hour per attempt.
    fn default() -> Self {
        Self {
            agents: 8,
            attempt_minutes: 30,
        }
    }
}

/// The chance that a remote attempt solves a ticket, or `None` when the
/// fault needs hands on the equipment (hardware, and every level-1 or
/// level-2 fault, which go on site at once).
pub fn remote_chance(ticket: &Ticket) -> Option<f64> {
    match (ticket.severity().level(), ticket.skill()) {
        // Requests for information or help with configuration.
        (4, Skill::Systems | Skill::Network | Skill::Integration) => Some(0.85),
        (4, _) => Some(0.6),
        // Software and configuration faults, with remote access.
        (3, Skill::Systems) => Some(0.5),
        (3, Skill::Network) => Some(0.35),
        _ => None,
    }
}

/// What triage leaves for the routes, and what the call center did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triage {
    /// Tickets to plan on site: never tried remotely, or tried and failed.
    pub dispatch: Vec<Ticket>,
    pub attempts: Vec<RemoteAttempt>,
}

impl Triage {
    /// Records the call center's part in a roster planned from
    /// [`Triage::dispatch`]: every one of the hub's `tickets` counts, those
    /// resolved remotely need no visit, and the attempts are listed.
    pub fn complete(self, roster: &mut crate::domain::Roster, tickets: usize) {
        roster.summary.tickets = tickets as u32;
        roster.summary.resolved_remotely = self
            .attempts
            .iter()
            .filter(|a| a.outcome == crate::domain::RemoteOutcome::Resolved)
            .count() as u32;
        roster.remote = self.attempts;
    }
}

/// Runs the call center's queue over `tickets`.
pub fn triage(tickets: &[Ticket], call_center: &CallCenter, seed: u64) -> Triage {
    let mut order: Vec<&Ticket> = tickets.iter().collect();
    order.sort_by(|a, b| {
        a.reported_at()
            .cmp(&b.reported_at())
            .then(a.id().cmp(b.id()))
    });
    let mut free_at: Vec<Option<DateTime<Utc>>> = vec![None; call_center.agents.max(1)];
    let mut result = Triage::default();
    for ticket in order {
        let Some(chance) = remote_chance(ticket) else {
            result.dispatch.push(ticket.clone());
            continue;
        };
        let reported = ticket.reported_at();
        let (agent, start) = free_at
            .iter()
            .enumerate()
            .map(|(agent, free)| (agent, free.map_or(reported, |f| f.max(reported))))
            .min_by_key(|(agent, start)| (*start, *agent))
            .expect("at least one agent");
        let end = start + Duration::minutes(call_center.attempt_minutes);
        free_at[agent] = Some(end);
        let outcome = if draw(ticket.id(), seed) < chance {
            RemoteOutcome::Resolved
        } else {
            result.dispatch.push(ticket.clone());
            RemoteOutcome::Dispatched
        };
        result.attempts.push(RemoteAttempt {
            ticket_id: ticket.id().clone(),
            agent: agent as u32,
            start,
            end,
            outcome,
            responded_in_time: start <= ticket.deadlines().respond_by,
        });
    }
    result
}

/// A uniform draw in [0, 1) from the ticket's own stream: independent of
/// which other tickets are in the batch.
fn draw(id: &TicketId, seed: u64) -> f64 {
    // FNV-1a over the id, mixed with the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.as_str().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Rng::new(hash ^ seed.rotate_left(17)).unit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GeoPoint, Region, Severity, SlaPolicy};
    use chrono::TimeZone;

    fn ticket(id: &str, level: u8, skill: Skill, minute: i64) -> Ticket {
        Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse(id).unwrap(),
            customer: "Customer".to_string(),
            site: GeoPoint::new(30.27, 120.15).unwrap(),
            city_adcode: 330100,
            region: Region::East,
            severity: Severity::new(level).unwrap(),
            skill,
            reported_at: Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
                + Duration::minutes(minute),
            service_minutes: 60,
            sla: SlaPolicy::default(),
        })
        .unwrap()
    }

    #[test]
    fn hardware_and_severe_faults_go_straight_on_site() {
        let tickets = vec![
            ticket("A", 1, Skill::Systems, 0),
            ticket("B", 2, Skill::Network, 0),
            ticket("C", 3, Skill::Server, 0),
        ];
        let triage = triage(&tickets, &CallCenter::default(), 1);
        assert!(triage.attempts.is_empty());
        assert_eq!(triage.dispatch, tickets);
    }

    #[test]
    fn every_remote_candidate_is_tried_once_and_failures_are_dispatched() {
        let tickets: Vec<Ticket> = (0..200)
            .map(|i| ticket(&format!("T{i}"), 4, Skill::Systems, i))
            .collect();
        let result = triage(&tickets, &CallCenter::default(), 7);
        assert_eq!(result.attempts.len(), 200);
        let resolved = result
            .attempts
            .iter()
            .filter(|a| a.outcome == RemoteOutcome::Resolved)
            .count();
        assert_eq!(resolved + result.dispatch.len(), 200);
        // 85 % expected; a seeded draw stays near it.
        assert!((150..=190).contains(&resolved), "{resolved}");
        for failed in &result.dispatch {
            let attempt = result
                .attempts
                .iter()
                .find(|a| &a.ticket_id == failed.id())
                .unwrap();
            assert_eq!(attempt.outcome, RemoteOutcome::Dispatched);
        }
        assert_eq!(
            result,
            triage(&tickets, &CallCenter::default(), 7),
            "deterministic"
        );
    }

    #[test]
    fn agents_never_overlap_and_a_busy_hotline_answers_late() {
        let tickets: Vec<Ticket> = (0..30)
            .map(|i| ticket(&format!("T{i}"), 4, Skill::Printer, 0))
            .collect();
        let call_center = CallCenter {
            agents: 2,
            attempt_minutes: 30,
        };
        let result = triage(&tickets, &call_center, 1);
        for agent in 0..2 {
            let mut mine: Vec<_> = result
                .attempts
                .iter()
                .filter(|a| a.agent == agent)
                .collect();
            mine.sort_by_key(|a| a.start);
            assert!(mine.windows(2).all(|w| w[0].end <= w[1].start));
        }
        // 30 attempts on 2 agents take 7.5 h: the last start well past 2 h.
        assert!(result.attempts.iter().any(|a| !a.responded_in_time));
        assert!(result.attempts.iter().take(4).all(|a| a.responded_in_time));
    }
}
