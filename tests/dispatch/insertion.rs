//! Rule 10, emergency insertion: a severity-1 fault reported mid-morning
//! goes into a planned Hangzhou day. Begun and pinned visits stay, at most
//! K other visits change, the fault is served, and the whole resulting day
//! passes the independent checker when it is rebuilt from scratch.

use crate::day;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{
    CHANGE_TOLERANCE_SECONDS, HubProblem, Insertion, InsertionRequest, PlanOptions,
    insert_emergency, plan,
};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, GeoPoint, PartCode, Region, Roster,
    Severity, ShiftPattern, Skill, SlaPolicy, Ticket, TicketId, VisitKind,
};
use ruyi::domain::{DueVisit, KeyCustomer, PartsOnHand, ReasonCode, Stock};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::optimize::{self, Objective, Route, Solution, SolveStats, Stop, StopKind, Unassigned};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// Monday at `hour:minute` local time (+08:00).
fn local(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, hour, minute, 0).unwrap() - chrono::Duration::hours(8)
}

fn engineer(id: &str, skills: Vec<Skill>, certification: Certification) -> Engineer {
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base: EngineerBase::Hub(Region::East),
        region: Region::East,
        home: GeoPoint::new(30.274, 120.155).unwrap(),
        skills,
        certification,
        shift: ShiftPattern::office_hours(),
    })
    .unwrap()
}

/// E1 is the only senior server engineer; E2 and E3 repair servers too but
/// may not take a severity-1 fault.
fn engineers() -> Vec<Engineer> {
    vec![
        engineer("E1", vec![Skill::Server], Certification::Senior),
        engineer("E2", vec![Skill::Server], Certification::Intermediate),
        engineer("E3", vec![Skill::Server], Certification::Intermediate),
    ]
}

fn ticket(id: &str, severity: Severity, km_north: f64, km_east: f64) -> Ticket {
    ticket_lasting(id, severity, km_north, km_east, 75)
}

fn ticket_lasting(
    id: &str,
    severity: Severity,
    km_north: f64,
    km_east: f64,
    minutes: u32,
) -> Ticket {
    server_ticket(id, severity, (km_north, km_east), minutes, local(6, 0))
}

/// A server ticket `km` (north, east) of Hangzhou.
fn server_ticket(
    id: &str,
    severity: Severity,
    km: (f64, f64),
    minutes: u32,
    reported_at: DateTime<Utc>,
) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: GeoPoint::new(30.274 + km.0 / 111.32, 120.155 + km.1 / 96.2).unwrap(),
        city_adcode: 330100,
        region: Region::East,
        severity,
        skill: Skill::Server,
        reported_at,
        service_minutes: minutes,
        sla: SlaPolicy::default(),
    })
    .unwrap()
}

/// Twelve server faults around Hangzhou, all but two for the seniors-only
/// reach of E1 as well.
fn day_tickets() -> Vec<Ticket> {
    let mut tickets: Vec<Ticket> = (0..10)
        .map(|i| {
            let angle = i as f64 * 0.63;
            ticket(
                &format!("T{i:02}"),
                Severity::MINOR,
                12.0 * angle.sin(),
                12.0 * angle.cos(),
            )
        })
        .collect();
    // Severity-1 faults already known in the morning: only E1 may take them.
    tickets.push(ticket("C01", Severity::CRITICAL, 6.0, -4.0));
    tickets.push(ticket("C02", Severity::CRITICAL, -5.0, 7.0));
    tickets
}

/// A system down in Hangzhou reported at 10:05.
fn fault(id: &str, skill: Skill, sla: SlaPolicy) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: GeoPoint::new(30.30, 120.21).unwrap(),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::CRITICAL,
        skill,
        reported_at: local(10, 5),
        service_minutes: 60,
        sla,
    })
    .unwrap()
}

/// A severity-1 server fault `km_north` / `km_east` of Hangzhou, reported
/// at `reported_at`.
fn server_down(id: &str, km_north: f64, km_east: f64, reported_at: DateTime<Utc>) -> Ticket {
    server_ticket(id, Severity::CRITICAL, (km_north, km_east), 60, reported_at)
}

/// A key customer's server down: on site within 2 hours.
fn emergency() -> Ticket {
    fault("X1", Skill::Server, SlaPolicy::key_customer())
}

fn options() -> PlanOptions {
    PlanOptions {
        seed: 5,
        time_limit: Duration::from_millis(300),
        ..PlanOptions::default()
    }
}

fn planned_day() -> Roster {
    plan(
        &day(Region::East, monday(), &day_tickets(), &engineers()),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap()
}

/// The day of `tickets` planned for E1 alone, the only (senior) engineer.
fn one_senior_day(tickets: &[Ticket]) -> (Vec<Engineer>, Roster) {
    let team = vec![engineer("E1", vec![Skill::Server], Certification::Senior)];
    let roster = plan(
        &day(Region::East, monday(), tickets, &team),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    (team, roster)
}

fn insert(roster: &Roster, max_changes: usize, pinned: &[TicketId]) -> Insertion {
    insert_into(roster, &day_tickets(), &engineers(), max_changes, pinned)
}

/// The emergency into `roster` at 10:15.
fn insert_into(
    roster: &Roster,
    tickets: &[Ticket],
    team: &[Engineer],
    max_changes: usize,
    pinned: &[TicketId],
) -> Insertion {
    insert_fault(
        roster,
        tickets,
        team,
        &emergency(),
        local(10, 15),
        max_changes,
        pinned,
    )
}

/// `fault` into `roster` at `at`.
fn insert_fault(
    roster: &Roster,
    tickets: &[Ticket],
    team: &[Engineer],
    fault: &Ticket,
    at: DateTime<Utc>,
    max_changes: usize,
    pinned: &[TicketId],
) -> Insertion {
    insert_emergency(
        &InsertionRequest {
            roster,
            tickets,
            emergency: fault,
            engineers: team,
            at,
            max_changes,
            pinned,
        },
        &GreatCircle::default(),
    )
    .unwrap()
}

/// Rebuilds the whole day (every ticket, engineers from home at the shift
/// start) and hands the roster's routes to the independent checker: the
/// begun part and the re-planned part must join up into one feasible day.
fn check_whole_day(roster: &Roster, day_tickets: &[Ticket], team: &[Engineer]) {
    let mut tickets = day_tickets.to_vec();
    tickets.push(emergency());
    let visited: Vec<&TicketId> = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .map(|v| &v.ticket_id)
        .collect();
    let tickets: Vec<Ticket> = tickets
        .into_iter()
        .filter(|t| {
            visited.contains(&t.id()) || roster.unassigned.iter().any(|u| &u.ticket_id == t.id())
        })
        .collect();
    let travel = GreatCircle::default();
    let built =
        HubProblem::build(&day(Region::East, monday(), &tickets, team), 1, &travel).unwrap();
    let problem = &built.problem;
    let job_of: HashMap<&TicketId, usize> = tickets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id(), i))
        .collect();
    let seconds = |at: DateTime<Utc>| (at - built.origin).num_seconds();
    let lunch_stop = |start, end| Stop {
        kind: StopKind::Break,
        arrival: seconds(start),
        start: seconds(start),
        departure: seconds(end),
        lateness: 0,
    };
    let mut objective = Objective::default();
    let mut routes = Vec::new();
    for route in &roster.routes {
        let vehicle = built
            .engineers
            .iter()
            .position(|e| e.id() == &route.engineer_id)
            .unwrap();
        let mut stops = Vec::new();
        let mut location = problem.vehicles()[vehicle].start;
        let (mut distance, mut travel_time) = (0, 0);
        // Preventive visits are no tickets: the day without them must
        // still hold together (legs only get shorter).
        for visit in route.visits.iter().filter(|v| v.kind == VisitKind::Fault) {
            if let Some((start, end)) = route.lunch
                && stops.iter().all(|s: &Stop| s.kind != StopKind::Break)
                && start < visit.start
            {
                stops.push(lunch_stop(start, end));
            }
            let job = job_of[&visit.ticket_id];
            let to = problem.jobs()[job].location;
            distance += problem.matrix().distance(location, to);
            travel_time += problem.matrix().duration(location, to);
            location = to;
            let deadline = problem.jobs()[job].deadline.unwrap();
            let lateness = (seconds(visit.arrival) - deadline.at).max(0);
            objective.lateness += deadline.cost(lateness);
            stops.push(Stop {
                kind: StopKind::Job(job),
                arrival: seconds(visit.arrival),
                start: seconds(visit.start),
                departure: seconds(visit.departure),
                lateness,
            });
        }
        if let Some((start, end)) = route.lunch
            && stops.iter().all(|s| s.kind != StopKind::Break)
        {
            stops.push(lunch_stop(start, end));
        }
        let home = problem.vehicles()[vehicle].end.unwrap();
        distance += problem.matrix().distance(location, home);
        travel_time += problem.matrix().duration(location, home);
        objective.travel += distance;
        routes.push(Route {
            vehicle,
            stops,
            departure: seconds(route.leave_at),
            end: seconds(route.return_at),
            distance,
            travel_time,
        });
    }
    let unassigned: Vec<Unassigned> = roster
        .unassigned
        .iter()
        .map(|u| Unassigned {
            job: job_of[&u.ticket_id],
            reason: optimize::UnassignedReason::NoRoom,
        })
        .collect();
    objective.unassigned = unassigned
        .iter()
        .map(|u| problem.jobs()[u.job].unassigned_penalty)
        .sum();
    let solution = Solution {
        routes,
        unassigned,
        objective,
        bound: None,
        stats: SolveStats::default(),
    };
    if let Err(violations) = optimize::check(problem, &solution) {
        panic!("the day fails the checker: {violations:?}");
    }
}

/// Where each visit is: engineer, position and arrival.
fn placements(roster: &Roster) -> HashMap<TicketId, (EngineerId, usize, DateTime<Utc>)> {
    roster
        .routes
        .iter()
        .flat_map(|r| {
            r.visits
                .iter()
                .enumerate()
                .map(move |(i, v)| (v.ticket_id.clone(), (r.engineer_id.clone(), i, v.arrival)))
        })
        .collect()
}

fn assert_begun_visits_kept(before: &Roster, after: &Roster, at: DateTime<Utc>) {
    let now = placements(after);
    for route in &before.routes {
        for (index, visit) in route.visits.iter().enumerate() {
            if visit.start <= at {
                let kept = after
                    .routes
                    .iter()
                    .find(|r| r.engineer_id == route.engineer_id)
                    .map(|r| &r.visits[index]);
                assert_eq!(kept, Some(visit), "begun visit {} moved", visit.ticket_id);
                assert_eq!(now[&visit.ticket_id].0, route.engineer_id);
            }
        }
    }
}

fn assert_changes_counted(before: &Roster, insertion: &Insertion, max_changes: usize) {
    let old = placements(before);
    let new = placements(&insertion.roster);
    let changed: Vec<&TicketId> = old
        .iter()
        .filter(|(id, (engineer, _, arrival))| match new.get(*id) {
            Some((now_with, _, now_at)) => {
                now_with != engineer
                    || (*now_at - *arrival).num_seconds().abs() > CHANGE_TOLERANCE_SECONDS
            }
            None => true,
        })
        .map(|(id, _)| id)
        .collect();
    assert_eq!(changed.len(), insertion.changes.len(), "{changed:?}");
    assert!(changed.len() <= max_changes);
    for change in &insertion.changes {
        let now = new.get(&change.ticket_id);
        assert_eq!(now.map(|n| &n.0), change.to_engineer.as_ref());
        assert_eq!(now.map(|n| n.2), change.new_arrival);
        assert_eq!(old[&change.ticket_id].0, change.from_engineer);
    }
}

#[test]
fn the_fault_goes_to_the_senior_engineer_and_every_route_passes_the_checker() {
    let before = planned_day();
    check_whole_day(&before, &day_tickets(), &engineers());
    for max_changes in [0, 1, 2, 5] {
        let insertion = insert(&before, max_changes, &[]);
        let placement = insertion.placement.as_ref().expect("the fault is served");
        assert_eq!(placement.engineer_id.as_str(), "E1");
        assert!(placement.arrival >= local(10, 15));
        assert_eq!(insertion.roster.summary.tickets, before.summary.tickets + 1);
        assert_eq!(
            insertion.roster.summary.assigned,
            before.summary.assigned + 1
        );
        assert_begun_visits_kept(&before, &insertion.roster, local(10, 15));
        assert_changes_counted(&before, &insertion, max_changes);
        check_whole_day(&insertion.roster, &day_tickets(), &engineers());
    }
}

/// E1's remaining visits are after the fault; with no change allowed it
/// waits behind them, with two allowed it goes first and is on site sooner.
#[test]
fn allowing_changes_brings_the_engineer_sooner() {
    let before = planned_day();
    let strict = insert(&before, 0, &[]);
    let loose = insert(&before, 2, &[]);
    assert!(strict.changes.is_empty());
    assert!(
        !loose.changes.is_empty(),
        "two changes buy an earlier visit"
    );
    assert!(loose.changes.len() <= 2);
    let (strict_at, loose_at) = (
        strict.placement.as_ref().unwrap(),
        loose.placement.as_ref().unwrap(),
    );
    assert!(
        loose_at.arrival < strict_at.arrival,
        "{loose_at:?} vs {strict_at:?}"
    );
    assert!(loose_at.late_minutes <= strict_at.late_minutes);
    // With no changes the routes of everyone but the fault's engineer are
    // exactly as published.
    for route in &before.routes {
        if route.engineer_id.as_str() != "E1" {
            assert!(
                strict.roster.routes.contains(route),
                "{}",
                route.engineer_id
            );
        }
    }
    assert_eq!(
        strict.affected,
        vec![EngineerId::parse("E1").unwrap()],
        "only E1's day changes"
    );
}

/// Pinned visits stay with their engineer in their order, however many
/// changes are allowed.
#[test]
fn pinned_visits_stay_with_their_engineer_in_order() {
    let before = planned_day();
    let e1 = before
        .routes
        .iter()
        .find(|r| r.engineer_id.as_str() == "E1")
        .unwrap();
    let pinned: Vec<TicketId> = e1
        .visits
        .iter()
        .filter(|v| v.start > local(10, 15))
        .map(|v| v.ticket_id.clone())
        .collect();
    assert!(!pinned.is_empty(), "E1 has visits left after 10:15");
    let insertion = insert(&before, 10, &pinned);
    let after = insertion
        .roster
        .routes
        .iter()
        .find(|r| r.engineer_id.as_str() == "E1")
        .unwrap();
    let order: Vec<&TicketId> = after
        .visits
        .iter()
        .map(|v| &v.ticket_id)
        .filter(|id| pinned.contains(id))
        .collect();
    assert_eq!(order, pinned.iter().collect::<Vec<_>>());
    assert!(
        insertion
            .changes
            .iter()
            .all(|c| !pinned.contains(&c.ticket_id)
                || c.to_engineer.as_ref().is_some_and(|e| e.as_str() == "E1"))
    );
    check_whole_day(&insertion.roster, &day_tickets(), &engineers());
}

/// Nobody in the east repairs storage: the fault is stored on the roster
/// as unassigned with the reason, and nothing else changes.
#[test]
fn a_fault_nobody_may_serve_is_listed_with_its_reason() {
    let before = planned_day();
    let tickets = day_tickets();
    let storage_fault = fault("X3", Skill::Storage, SlaPolicy::default());
    let insertion = insert_fault(
        &before,
        &tickets,
        &engineers(),
        &storage_fault,
        local(10, 15),
        3,
        &[],
    );
    assert!(insertion.placement.is_none());
    let left_out = insertion.unassigned.as_ref().unwrap();
    assert_eq!(left_out.reason, "no_engineer_with_skill");
    assert!(left_out.detail.contains("storage"), "{}", left_out.detail);
    assert!(insertion.changes.is_empty());
    assert!(insertion.affected.is_empty());
    assert_eq!(insertion.roster.routes, before.routes);
    assert!(insertion.roster.unassigned.contains(left_out));
}

#[test]
fn requests_are_refused_naming_the_field() {
    let before = planned_day();
    let tickets = day_tickets();
    let minor = ticket("X2", Severity::MINOR, 1.0, 1.0);
    let unknown = vec![TicketId::parse("NOPE").unwrap()];
    let cases: Vec<(Ticket, DateTime<Utc>, &[TicketId], &str)> = vec![
        (minor, local(10, 15), &[], "ticket.severity"),
        (emergency(), local(10, 0), &[], "ticket.reported_at"),
        (
            emergency(),
            local(10, 15) + chrono::Duration::days(1),
            &[],
            "at",
        ),
        (emergency(), local(10, 15), &unknown, "pinned"),
    ];
    for (fault, at, pinned, field) in cases {
        let error = insert_emergency(
            &InsertionRequest {
                roster: &before,
                tickets: &tickets,
                emergency: &fault,
                engineers: &engineers(),
                at,
                max_changes: 1,
                pinned,
            },
            &GreatCircle::default(),
        )
        .unwrap_err();
        assert_eq!(error.field(), Some(field), "{error}");
    }
}

/// Analyses placed in the morning's slack give way to the emergency when
/// they have not begun, and stay due; begun ones are kept.
#[test]
fn analyses_not_yet_begun_give_way_and_stay_due() {
    // E4 does systems analyses and has no fault to repair today.
    let mut team = engineers();
    team.push(engineer(
        "E4",
        vec![Skill::Systems],
        Certification::Intermediate,
    ));
    let due: Vec<DueVisit> = [("K1", 3.0), ("K2", -4.0)]
        .iter()
        .map(|(name, km_north)| DueVisit {
            customer: KeyCustomer {
                visit_id: TicketId::parse(format!("PM-{name}")).unwrap(),
                name: format!("Key account {name}"),
                site: GeoPoint::new(30.274 + km_north / 111.32, 120.16).unwrap(),
                region: Region::East,
                last_analysis: NaiveDate::from_ymd_opt(2026, 9, 20).unwrap(),
            },
            overdue_days: 10,
        })
        .collect();
    let tickets = day_tickets();
    let travel = GreatCircle::default();
    let before = plan(
        &day(Region::East, monday(), &tickets, &team).with_preventive(due.to_vec()),
        &travel,
        &options(),
    )
    .unwrap();
    let analyses = |roster: &Roster, begun_by: Option<DateTime<Utc>>| -> Vec<TicketId> {
        roster
            .routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| v.kind == VisitKind::Preventive)
            .filter(|v| begun_by.is_none_or(|at| v.start <= at))
            .map(|v| v.ticket_id.clone())
            .collect()
    };
    let placed = analyses(&before, None);
    assert_eq!(placed.len() as u32, before.summary.preventive_placed);
    assert_eq!(placed.len(), 2, "E4's day has room for both");
    let insertion = insert_into(&before, &tickets, &team, 2, &[]);
    let after = &insertion.roster;
    let kept = analyses(after, None);
    assert_eq!(kept, analyses(&before, Some(local(10, 15))));
    let given_up = (placed.len() - kept.len()) as u32;
    assert_eq!(
        given_up, 1,
        "the morning's analysis has begun, the next not"
    );
    assert_eq!(after.summary.preventive_placed, kept.len() as u32);
    assert_eq!(
        after.summary.preventive_due,
        before.summary.preventive_due + given_up
    );
    assert_eq!(after.summary.assigned, before.summary.assigned + 1);
    assert!(
        insertion
            .changes
            .iter()
            .all(|c| !c.ticket_id.as_str().starts_with("PM-"))
    );
    check_whole_day(after, &tickets, &team);
}

/// A full day: nothing fits without a visit giving way. With no change
/// allowed the fault is left out saying why; with one, a severity-3 visit
/// after it waits for another day and is listed so.
#[test]
fn when_the_day_is_full_a_visit_that_can_wait_gives_way_within_the_budget() {
    let tickets: Vec<Ticket> = (0..5)
        .map(|i| ticket_lasting(&format!("F{i}"), Severity::MINOR, i as f64 - 2.0, 3.0, 110))
        .collect();
    let (team, before) = one_senior_day(&tickets);
    assert!(!before.unassigned.is_empty(), "the day is full");
    let strict = insert_into(&before, &tickets, &team, 0, &[]);
    assert!(strict.placement.is_none());
    assert_eq!(strict.unassigned.as_ref().unwrap().reason, "no_room");
    assert!(strict.changes.is_empty());

    let loose = insert_into(&before, &tickets, &team, 1, &[]);
    let placement = loose
        .placement
        .as_ref()
        .expect("served once a visit gives way");
    assert_eq!(placement.engineer_id.as_str(), "E1");
    assert_eq!(loose.changes.len(), 1);
    let deferred = &loose.changes[0];
    assert_eq!(deferred.to_engineer, None);
    assert!(
        loose
            .roster
            .unassigned
            .iter()
            .any(|u| u.ticket_id == deferred.ticket_id
                && u.reason == ReasonCode::DeferredForEmergency)
    );
    assert_eq!(loose.roster.summary.assigned, before.summary.assigned);
    assert_begun_visits_kept(&before, &loose.roster, local(10, 15));
    assert_changes_counted(&before, &loose, 1);
    check_whole_day(&loose.roster, &tickets, &team);
}

/// A day packed with short visits: one giving way frees too little for the
/// hour-long fault. Within a budget of one the refusal says how many
/// changes it would take; with that many allowed, the latest visits after
/// the fault give way, each listed, and the day still passes the checker.
#[test]
fn when_one_visit_is_not_enough_the_latest_ones_give_way_and_the_count_is_told() {
    let tickets: Vec<Ticket> = (0..30)
        .map(|i| {
            let km = i as f64 * 0.3 - 4.5;
            ticket_lasting(&format!("S{i:02}"), Severity::MINOR, km, 2.0, 20)
        })
        .collect();
    let (team, before) = one_senior_day(&tickets);
    assert!(!before.unassigned.is_empty(), "the day is full");

    let tight = insert_into(&before, &tickets, &team, 1, &[]);
    assert!(tight.placement.is_none(), "one visit frees too little");
    let refusal = tight.unassigned.as_ref().unwrap();
    assert_eq!(refusal.reason, "too_many_changes");
    let needed: usize = refusal
        .detail
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .expect("the detail names the count");
    assert!(needed >= 2, "{}", refusal.detail);
    assert!(tight.changes.is_empty());

    let loose = insert_into(&before, &tickets, &team, needed, &[]);
    let placement = loose
        .placement
        .as_ref()
        .expect("served once enough give way");
    assert_eq!(placement.engineer_id.as_str(), "E1");
    let deferred: Vec<&TicketId> = loose
        .changes
        .iter()
        .filter(|c| c.to_engineer.is_none())
        .map(|c| &c.ticket_id)
        .collect();
    assert!(deferred.len() >= 2 && deferred.len() <= needed);
    for ticket in &deferred {
        assert!(
            loose
                .roster
                .unassigned
                .iter()
                .any(|u| &u.ticket_id == *ticket && u.reason == ReasonCode::DeferredForEmergency)
        );
    }
    assert_eq!(
        loose.roster.summary.assigned + deferred.len() as u32,
        before.summary.assigned + 1
    );
    assert_begun_visits_kept(&before, &loose.roster, local(10, 15));
    assert_changes_counted(&before, &loose, needed);
    check_whole_day(&loose.roster, &tickets, &team);
}

/// A fault too far for what is left of the only senior engineer's shift:
/// left out, and the reason says how much overtime would bring them —
/// found by actually timing the trip with the shift end lifted.
#[test]
fn a_fault_beyond_the_shift_names_the_overtime_that_would_take_it() {
    let tickets = vec![ticket("T01", Severity::MINOR, 3.0, 3.0)];
    let (team, before) = one_senior_day(&tickets);
    // 160 km east of Hangzhou, reported at 15:00.
    let far = server_down("X9", 0.0, 160.0, local(15, 0));
    let insertion = insert_fault(&before, &tickets, &team, &far, local(15, 5), 3, &[]);
    assert!(insertion.placement.is_none());
    let left_out = insertion.unassigned.as_ref().unwrap();
    assert_eq!(left_out.reason, "unreachable", "{}", left_out.detail);
    let minutes: i64 = left_out
        .detail
        .rsplit("; ")
        .next()
        .and_then(|fix| fix.strip_suffix(" minutes of overtime for E1 would take it"))
        .unwrap_or_else(|| panic!("no overtime named: {}", left_out.detail))
        .parse()
        .unwrap();
    // Out at 15:05, two long drives and an hour on site end well past
    // 17:30, but within the 12 hours the search lifts the limit by.
    assert!((30..=6 * 60).contains(&minutes), "{}", left_out.detail);
    assert_eq!(insertion.roster.summary.assigned, before.summary.assigned);
}

/// A swap whose part is not in stock is only diagnosed today (the part is
/// ordered): re-planned around a fault, that visit keeps its diagnosis
/// length instead of growing back to the repair's.
#[test]
fn a_diagnosis_visit_keeps_its_length_when_the_day_is_re_planned() {
    let team = vec![engineer("E1", vec![Skill::Server], Certification::Senior)];
    let mut tickets: Vec<Ticket> = (0..3)
        .map(|i| ticket(&format!("T{i}"), Severity::MINOR, 4.0 * i as f64, 2.0))
        .collect();
    tickets.push(
        ticket_lasting("P1", Severity::MAJOR, -3.0, -3.0, 120)
            .with_part(Some(PartCode::parse("SRV-PSU").unwrap())),
    );
    let nothing_in_stock = PartsOnHand {
        stock: Stock::new([]),
        orders: Vec::new(),
    };
    let before = plan(
        &day(Region::East, monday(), &tickets, &team).with_stock(nothing_in_stock.clone()),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    let minutes = |roster: &Roster| {
        roster
            .routes
            .iter()
            .flat_map(|r| &r.visits)
            .find(|v| v.ticket_id.as_str() == "P1")
            .map(|v| (v.departure - v.start).num_minutes())
    };
    assert_eq!(minutes(&before), Some(45), "planned as a diagnosis");

    // Reported at 07:30, inserted before anyone has left: every visit is
    // re-timed.
    let fault = server_down("X2", 1.0, 1.0, local(7, 30));
    let after = insert_fault(&before, &tickets, &team, &fault, local(7, 45), 4, &[]);
    assert!(after.placement.is_some());
    assert_eq!(minutes(&after.roster), Some(45), "still a diagnosis");
    assert_eq!(after.roster.parts, before.parts);

    // A revision planned after the order carries no part record for P1
    // (the order is an earlier revision's): the visit is still the
    // diagnosis the roster has, not the two-hour repair.
    let revised = Roster {
        parts: Vec::new(),
        ..before.clone()
    };
    let after = insert_fault(&revised, &tickets, &team, &fault, local(7, 45), 4, &[]);
    assert!(after.placement.is_some());
    assert_eq!(
        minutes(&after.roster),
        Some(45),
        "a diagnosis from an earlier order"
    );
}
