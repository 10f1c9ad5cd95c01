//! A ticket's life, folded from what is recorded about it: the report,
//! the call center's remote attempt, the visits planned on stored rosters
//! and the engineers' events. Its stages are
//! reported → triaged (remote fix tried) → planned → en route → on site →
//! fixed | awaiting part | return visit → closed, each with its time.
//!
//! From the lifecycle come the ticket's three SLA clocks ([`SlaClocks`]:
//! response in 2 h, on site in 12 h, repaired in 48 h, or the contract's
//! own limits), the service record of each finished visit, and the SLA
//! report's counts ([`SlaReport`]). Pure: `now` is passed in.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::event::{EngineerEvent, EventKind, Finish, Outcome};
use super::{
    EngineerId, EventId, PartCode, Region, RemoteAttempt, RemoteOutcome, Ticket, TicketId,
};

/// A stage of a ticket's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reported,
    /// The call center tried a remote fix.
    Triaged,
    /// On a stored roster.
    Planned,
    EnRoute,
    OnSite,
    Fixed,
    /// A part is on order; a return visit follows once it arrives.
    AwaitingPart,
    /// Another visit is needed (more work, or the customer was absent).
    ReturnVisit,
    /// Fixed and done with: the satisfaction call is scheduled.
    Closed,
}

/// One step of the history: a stage entered at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub stage: Stage,
    pub at: DateTime<Utc>,
    /// What moved it (an event id, a roster, the call center).
    pub by: String,
}

/// A visit on a stored roster (the newest revision of its day).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedVisit {
    pub roster_id: i64,
    pub date: NaiveDate,
    pub engineer_id: EngineerId,
    /// When the roster holding it was stored.
    pub planned_at: DateTime<Utc>,
    pub arrival: DateTime<Utc>,
    pub departure: DateTime<Utc>,
}

/// A finished visit: the service record's facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoneVisit {
    /// The `finished` event that recorded it.
    pub event_id: EventId,
    pub engineer_id: EngineerId,
    pub arrived_at: DateTime<Utc>,
    pub departed_at: DateTime<Utc>,
    #[serde(flatten)]
    pub finish: Finish,
}

/// Everything recorded about one ticket, as the fold reads it.
#[derive(Debug, Clone, Copy)]
pub struct TicketHistory<'a> {
    pub ticket: &'a Ticket,
    /// The call center's attempts on it (from stored rosters).
    pub remote: &'a [RemoteAttempt],
    pub planned: &'a [PlannedVisit],
    /// The engineers' events about this ticket, by time.
    pub events: &'a [EngineerEvent],
}

/// A ticket's lifecycle: the stage it is in, when it entered each stage,
/// and its visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketLifecycle {
    pub ticket_id: TicketId,
    pub stage: Stage,
    pub reported_at: DateTime<Utc>,
    /// The end of the call center's first remote attempt.
    pub triaged_at: Option<DateTime<Utc>>,
    /// When the call center or an engineer first took it up: the remote
    /// attempt's start, or the first engineer setting off or arriving.
    pub responded_at: Option<DateTime<Utc>>,
    pub planned_at: Option<DateTime<Utc>>,
    pub en_route_at: Option<DateTime<Utc>>,
    /// The first arrival on site.
    pub on_site_at: Option<DateTime<Utc>>,
    pub fixed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The part a `needs_part` finish asked for, while awaited.
    pub awaiting_part: Option<PartCode>,
    /// The minutes on site a `needs_return` finish asked for, while the
    /// return visit is to be made.
    pub return_minutes: Option<u32>,
    /// Every stage change, in time order.
    pub history: Vec<StageChange>,
    pub visits_done: Vec<DoneVisit>,
}

impl TicketLifecycle {
    /// Folds a ticket's history. A fixed finish closes the ticket at the
    /// same time (the engineer's finish is the customer's confirmation,
    /// with the sign-off on the service record); a remote fix fixes and
    /// closes it at the attempt's end.
    pub fn fold(history: TicketHistory<'_>) -> TicketLifecycle {
        let ticket = history.ticket;
        let mut life = TicketLifecycle {
            ticket_id: ticket.id().clone(),
            stage: Stage::Reported,
            reported_at: ticket.reported_at(),
            triaged_at: None,
            responded_at: None,
            planned_at: None,
            en_route_at: None,
            on_site_at: None,
            fixed_at: None,
            closed_at: None,
            awaiting_part: None,
            return_minutes: None,
            history: vec![StageChange {
                stage: Stage::Reported,
                at: ticket.reported_at(),
                by: "call center".to_string(),
            }],
            visits_done: Vec::new(),
        };
        // Facts from plans and the call center, merged with the events in
        // time order (plans before events at the same instant).
        enum Fact<'a> {
            Remote(&'a RemoteAttempt),
            Planned(&'a PlannedVisit),
            Event(&'a EngineerEvent),
        }
        let mut facts: Vec<(DateTime<Utc>, u8, Fact<'_>)> = Vec::new();
        for attempt in history.remote {
            facts.push((attempt.end, 0, Fact::Remote(attempt)));
        }
        for visit in history.planned {
            facts.push((visit.planned_at, 1, Fact::Planned(visit)));
        }
        for event in history.events {
            facts.push((event.at, 2, Fact::Event(event)));
        }
        facts.sort_by_key(|(at, order, _)| (*at, *order));
        let mut arrivals: BTreeMap<&EngineerId, DateTime<Utc>> = BTreeMap::new();
        for (at, _, fact) in facts {
            match fact {
                Fact::Remote(attempt) => {
                    life.triaged_at.get_or_insert(attempt.end);
                    life.responded_at = Some(
                        life.responded_at
                            .map_or(attempt.start, |r| r.min(attempt.start)),
                    );
                    if life.closed_at.is_some() {
                        continue;
                    }
                    life.enter(Stage::Triaged, at, "call center");
                    if attempt.outcome == RemoteOutcome::Resolved {
                        life.fixed_at.get_or_insert(at);
                        life.enter(Stage::Fixed, at, "call center (remote fix)");
                        life.closed_at = Some(at);
                        life.enter(Stage::Closed, at, "call center (remote fix)");
                    }
                }
                Fact::Planned(visit) => {
                    life.planned_at.get_or_insert(at);
                    // A new plan matters before the visit and after a
                    // visit that needs another one.
                    if matches!(
                        life.stage,
                        Stage::Reported
                            | Stage::Triaged
                            | Stage::AwaitingPart
                            | Stage::ReturnVisit
                            | Stage::Planned
                    ) {
                        life.enter(Stage::Planned, at, &format!("roster {}", visit.roster_id));
                    }
                }
                Fact::Event(event) => {
                    let by = format!("{} ({})", event.event_id, event.engineer_id);
                    match &event.kind {
                        EventKind::EnRoute { .. } => {
                            life.en_route_at.get_or_insert(at);
                            life.responded_at.get_or_insert(at);
                            life.enter(Stage::EnRoute, at, &by);
                        }
                        EventKind::Arrived { .. } => {
                            life.on_site_at.get_or_insert(at);
                            life.responded_at.get_or_insert(at);
                            arrivals.insert(&event.engineer_id, at);
                            life.enter(Stage::OnSite, at, &by);
                        }
                        EventKind::Finished { finish, .. } => {
                            let arrived_at = arrivals.remove(&event.engineer_id).unwrap_or(at);
                            life.visits_done.push(DoneVisit {
                                event_id: event.event_id.clone(),
                                engineer_id: event.engineer_id.clone(),
                                arrived_at,
                                departed_at: at,
                                finish: finish.clone(),
                            });
                            match &finish.outcome {
                                Outcome::Fixed => {
                                    life.awaiting_part = None;
                                    life.return_minutes = None;
                                    life.fixed_at.get_or_insert(at);
                                    life.enter(Stage::Fixed, at, &by);
                                    life.closed_at.get_or_insert(at);
                                    life.enter(Stage::Closed, at, &by);
                                }
                                Outcome::NeedsPart { part } => {
                                    life.awaiting_part = Some(part.clone());
                                    life.enter(Stage::AwaitingPart, at, &by);
                                }
                                Outcome::NeedsReturn { minutes } => {
                                    life.return_minutes = Some(*minutes);
                                    life.enter(Stage::ReturnVisit, at, &by);
                                }
                                Outcome::CustomerAbsent => {
                                    life.enter(Stage::ReturnVisit, at, &by);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        life
    }

    fn enter(&mut self, stage: Stage, at: DateTime<Utc>, by: &str) {
        if self.stage == stage && stage != Stage::OnSite {
            return;
        }
        self.stage = stage;
        self.history.push(StageChange {
            stage,
            at,
            by: by.to_string(),
        });
    }

    /// Whether the ticket is still being worked on (not fixed or closed).
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Fixed | Stage::Closed)
    }
}

/// Where one SLA clock stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClockState {
    /// Done in time, with minutes to spare.
    Met {
        at: DateTime<Utc>,
        minutes_to_spare: i64,
    },
    /// Done late (`at` set) or not done and past the deadline.
    Missed {
        at: Option<DateTime<Utc>>,
        minutes_late: i64,
    },
    /// Not done yet, deadline ahead.
    Running { minutes_left: i64 },
}

impl ClockState {
    fn of(done: Option<DateTime<Utc>>, due: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let minutes = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_minutes();
        match done {
            Some(at) if at <= due => ClockState::Met {
                at,
                minutes_to_spare: minutes(at, due),
            },
            Some(at) => ClockState::Missed {
                at: Some(at),
                minutes_late: minutes(due, at),
            },
            None if now > due => ClockState::Missed {
                at: None,
                minutes_late: minutes(due, now),
            },
            None => ClockState::Running {
                minutes_left: minutes(now, due),
            },
        }
    }

    pub fn is_met(&self) -> bool {
        matches!(self, ClockState::Met { .. })
    }
}

/// One SLA clock: its deadline and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaClock {
    pub due: DateTime<Utc>,
    #[serde(flatten)]
    pub state: ClockState,
}

/// The ticket's three clocks as seen at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaClocks {
    /// 2 h (or the contract's): the call center or an engineer took it up.
    pub response: SlaClock,
    /// 12 h (or the contract's): an engineer on site.
    pub on_site: SlaClock,
    /// 48 h (or the contract's): fixed.
    pub repair: SlaClock,
}

impl SlaClocks {
    pub fn evaluate(ticket: &Ticket, life: &TicketLifecycle, now: DateTime<Utc>) -> Self {
        let deadlines = ticket.deadlines();
        let clock = |done, due| SlaClock {
            due,
            state: ClockState::of(done, due, now),
        };
        SlaClocks {
            response: clock(life.responded_at, deadlines.respond_by),
            on_site: clock(life.on_site_at, deadlines.on_site_by),
            repair: clock(life.fixed_at, deadlines.repaired_by),
        }
    }
}

/// One line of the SLA report: a hub and a severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SlaLine {
    pub hub: Option<Region>,
    pub severity: u8,
    pub tickets: u32,
    pub response_met: u32,
    pub on_site_met: u32,
    pub repair_met: u32,
    pub loaners_issued: u32,
    /// Escalation notices reached (each rung of the matrix counts once
    /// per ticket), climbing stopped when the engineer got on site.
    pub escalations_reached: u32,
}

/// What the report needs of one ticket.
#[derive(Debug, Clone)]
pub struct SlaInput<'a> {
    pub ticket: &'a Ticket,
    pub lifecycle: &'a TicketLifecycle,
    pub loaner: bool,
    pub escalations: u32,
}

/// The SLA report a hub coordinator sends upward: per hub and severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaReport {
    pub lines: Vec<SlaLine>,
    pub total: SlaLine,
}

impl SlaReport {
    /// Counts `inputs` by hub and severity (hubs in the order of
    /// [`Region::ALL`], severities 1–4), with a total line. A clock counts
    /// as met only when done in time by `now`.
    pub fn count(inputs: &[SlaInput<'_>], now: DateTime<Utc>) -> Self {
        let mut lines: BTreeMap<(usize, u8), SlaLine> = BTreeMap::new();
        let mut total = SlaLine::default();
        for input in inputs {
            let hub = input.ticket.region();
            let severity = input.ticket.severity().level();
            let index = Region::ALL.iter().position(|r| *r == hub).unwrap_or(0);
            let line = lines.entry((index, severity)).or_insert_with(|| SlaLine {
                hub: Some(hub),
                severity,
                ..SlaLine::default()
            });
            let clocks = SlaClocks::evaluate(input.ticket, input.lifecycle, now);
            for line in [&mut *line, &mut total] {
                line.tickets += 1;
                line.response_met += u32::from(clocks.response.state.is_met());
                line.on_site_met += u32::from(clocks.on_site.state.is_met());
                line.repair_met += u32::from(clocks.repair.state.is_met());
                line.loaners_issued += u32::from(input.loaner);
                line.escalations_reached += input.escalations;
            }
        }
        SlaReport {
            lines: lines.into_values().collect(),
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EngineerEvent, EventKind, Finish, Outcome};
    use crate::domain::{GeoPoint, Severity, Skill, SlaPolicy};
    use chrono::{Duration, TimeZone};

    fn reported() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
    }

    fn ticket() -> Ticket {
        Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse("T1").unwrap(),
            customer: "Acme".to_string(),
            site: GeoPoint::new(30.3, 120.1).unwrap(),
            city_adcode: 330100,
            region: Region::East,
            severity: Severity::MAJOR,
            skill: Skill::Server,
            reported_at: reported(),
            service_minutes: 90,
            sla: SlaPolicy::round_the_clock(),
        })
        .unwrap()
    }

    fn event(n: u32, minutes: i64, kind: EventKind) -> EngineerEvent {
        EngineerEvent {
            event_id: EventId::parse(format!("e{n}")).unwrap(),
            engineer_id: EngineerId::parse("E001").unwrap(),
            at: reported() + Duration::minutes(minutes),
            kind,
        }
    }

    fn id() -> TicketId {
        TicketId::parse("T1").unwrap()
    }

    fn visit_events(first: u32, start: i64, outcome: Outcome) -> Vec<EngineerEvent> {
        vec![
            event(first, start, EventKind::EnRoute { ticket_id: id() }),
            event(
                first + 1,
                start + 60,
                EventKind::Arrived {
                    ticket_id: id(),
                    site: Some(GeoPoint::new(30.3, 120.1).unwrap()),
                    service_minutes: Some(90),
                },
            ),
            event(
                first + 2,
                start + 120,
                EventKind::Finished {
                    ticket_id: id(),
                    finish: Finish::new(outcome, vec![], None, Some("Ms Chen".into())).unwrap(),
                },
            ),
        ]
    }

    fn planned(minutes: i64) -> PlannedVisit {
        PlannedVisit {
            roster_id: 1,
            date: reported().date_naive(),
            engineer_id: EngineerId::parse("E001").unwrap(),
            planned_at: reported() + Duration::minutes(minutes),
            arrival: reported() + Duration::minutes(minutes + 100),
            departure: reported() + Duration::minutes(minutes + 190),
        }
    }

    #[test]
    fn a_ticket_goes_from_report_to_close_with_every_stage_timed() {
        let ticket = ticket();
        let events = visit_events(1, 30, Outcome::Fixed);
        let plans = [planned(10)];
        let life = TicketLifecycle::fold(TicketHistory {
            ticket: &ticket,
            remote: &[],
            planned: &plans,
            events: &events,
        });
        let stages: Vec<Stage> = life.history.iter().map(|s| s.stage).collect();
        assert_eq!(
            stages,
            vec![
                Stage::Reported,
                Stage::Planned,
                Stage::EnRoute,
                Stage::OnSite,
                Stage::Fixed,
                Stage::Closed
            ]
        );
        assert_eq!(life.on_site_at, Some(reported() + Duration::minutes(90)));
        assert_eq!(life.closed_at, Some(reported() + Duration::minutes(150)));
        assert_eq!(life.visits_done.len(), 1);
        assert_eq!(
            life.visits_done[0].arrived_at,
            reported() + Duration::minutes(90)
        );
        let clocks = SlaClocks::evaluate(&ticket, &life, reported() + Duration::hours(3));
        assert_eq!(
            clocks.response.state,
            ClockState::Met {
                at: reported() + Duration::minutes(30),
                minutes_to_spare: 90
            }
        );
        assert!(clocks.on_site.state.is_met());
        assert!(clocks.repair.state.is_met());
    }

    #[test]
    fn a_part_awaited_then_a_return_visit_fixes_it_later() {
        let ticket = ticket();
        let mut events = visit_events(
            1,
            30,
            Outcome::NeedsPart {
                part: PartCode::parse("SRV-PSU").unwrap(),
            },
        );
        let life = TicketLifecycle::fold(TicketHistory {
            ticket: &ticket,
            remote: &[],
            planned: &[],
            events: &events,
        });
        assert_eq!(life.stage, Stage::AwaitingPart);
        assert_eq!(life.awaiting_part.as_ref().unwrap().as_str(), "SRV-PSU");
        let clocks = SlaClocks::evaluate(&ticket, &life, reported() + Duration::hours(50));
        assert_eq!(
            clocks.repair.state,
            ClockState::Missed {
                at: None,
                minutes_late: 120
            }
        );
        events.extend(visit_events(4, 24 * 60, Outcome::Fixed));
        let plans = [planned(20 * 60)];
        let life = TicketLifecycle::fold(TicketHistory {
            ticket: &ticket,
            remote: &[],
            planned: &plans,
            events: &events,
        });
        assert_eq!(life.stage, Stage::Closed);
        assert_eq!(life.visits_done.len(), 2);
        assert_eq!(life.on_site_at, Some(reported() + Duration::minutes(90)));
        assert_eq!(
            life.fixed_at,
            Some(reported() + Duration::minutes(24 * 60 + 120))
        );
        let clocks = SlaClocks::evaluate(&ticket, &life, reported() + Duration::hours(50));
        assert!(clocks.repair.state.is_met());
        assert!(
            life.history
                .iter()
                .any(|s| s.stage == Stage::Planned
                    && s.at == reported() + Duration::minutes(20 * 60))
        );
    }

    #[test]
    fn a_remote_fix_triages_fixes_and_closes() {
        let ticket = ticket();
        let attempt = RemoteAttempt {
            ticket_id: id(),
            agent: 0,
            start: reported() + Duration::minutes(10),
            end: reported() + Duration::minutes(40),
            outcome: RemoteOutcome::Resolved,
            responded_in_time: true,
        };
        let life = TicketLifecycle::fold(TicketHistory {
            ticket: &ticket,
            remote: std::slice::from_ref(&attempt),
            planned: &[],
            events: &[],
        });
        assert_eq!(life.stage, Stage::Closed);
        assert_eq!(life.triaged_at, Some(attempt.end));
        assert_eq!(life.responded_at, Some(attempt.start));
        assert!(!life.is_open());
    }

    #[test]
    fn clocks_run_until_the_deadline_then_miss() {
        let ticket = ticket();
        let life = TicketLifecycle::fold(TicketHistory {
            ticket: &ticket,
            remote: &[],
            planned: &[],
            events: &[],
        });
        let clocks = SlaClocks::evaluate(&ticket, &life, reported() + Duration::minutes(100));
        assert_eq!(
            clocks.response.state,
            ClockState::Running { minutes_left: 20 }
        );
        let clocks = SlaClocks::evaluate(&ticket, &life, reported() + Duration::minutes(130));
        assert_eq!(
            clocks.response.state,
            ClockState::Missed {
                at: None,
                minutes_late: 10
            }
        );
    }
}
