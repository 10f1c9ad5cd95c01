//! Rule 12, a coordinator's hand: a visit moved by hand is re-timed and
//! re-checked, or refused with the rule it would break; what has begun
//! stays; pinned visits go back to their engineer after a re-plan.

use crate::day;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{
    ManualDay, MoveRefusal, MoveRequest, Moved, PlanOptions, keep_pins, move_visit, plan,
};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, EngineerProfile, GeoPoint, Region, Roster,
    Severity, ShiftPattern, Skill, SlaPolicy, Ticket, TicketId, TicketReport, VisitKind,
};
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// Monday 08:00 China time.
fn eight() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
}

fn engineer(id: &str, skill: Skill, certification: Certification) -> Engineer {
    Engineer::new(EngineerProfile {
        id: EngineerId::parse(id).unwrap(),
        name: format!("Engineer {id}"),
        base: EngineerBase::Hub(Region::East),
        region: Region::East,
        home: GeoPoint::new(30.274, 120.155).unwrap(),
        skills: vec![skill],
        certification,
        shift: ShiftPattern::office_hours(),
    })
    .unwrap()
}

/// E1 senior and E2 intermediate repair servers; E3 repairs printers.
fn engineers() -> Vec<Engineer> {
    vec![
        engineer("E1", Skill::Server, Certification::Senior),
        engineer("E2", Skill::Server, Certification::Intermediate),
        engineer("E3", Skill::Printer, Certification::Senior),
    ]
}

/// Six server faults around Hangzhou reported at 06:00, the first a
/// severity 1.
fn tickets() -> Vec<Ticket> {
    (0..6)
        .map(|i| {
            let angle = i as f64 * 1.1;
            Ticket::new(TicketReport {
                id: TicketId::parse(format!("T{i}")).unwrap(),
                customer: format!("Customer {i}"),
                site: GeoPoint::new(30.274 + 0.1 * angle.sin(), 120.155 + 0.1 * angle.cos())
                    .unwrap(),
                city_adcode: 330100,
                region: Region::East,
                severity: if i == 0 {
                    Severity::CRITICAL
                } else {
                    Severity::MINOR
                },
                skill: Skill::Server,
                reported_at: eight() - chrono::Duration::hours(2),
                service_minutes: 60,
                sla: SlaPolicy::default(),
            })
            .unwrap()
        })
        .collect()
}

fn planned() -> Roster {
    let day = day(Region::East, monday(), &tickets(), &engineers()).with_now(eight());
    let options = PlanOptions {
        seed: 3,
        time_limit: Duration::from_millis(200),
        ..PlanOptions::default()
    };
    plan(&day, &GreatCircle::default(), &options).unwrap()
}

fn hand<'a>(
    roster: &'a Roster,
    tickets: &'a [Ticket],
    engineers: &'a [Engineer],
    pinned: &'a [(TicketId, EngineerId)],
    now: DateTime<Utc>,
) -> ManualDay<'a> {
    ManualDay {
        roster,
        tickets,
        engineers,
        key_customers: &[],
        pinned,
        now,
        // Nobody has reported anything: each day continues as stored.
        states: Box::leak(Box::default()),
    }
}

fn holder(roster: &Roster, ticket: &str) -> Option<String> {
    roster
        .routes
        .iter()
        .find(|r| r.visits.iter().any(|v| v.ticket_id.as_str() == ticket))
        .map(|r| r.engineer_id.to_string())
}

/// A minor fault on a route, and an engineer who repairs servers but does
/// not hold it.
fn a_minor_visit_and_another_server_engineer(roster: &Roster) -> (TicketId, EngineerId) {
    let (route, visit) = roster
        .routes
        .iter()
        .flat_map(|r| r.visits.iter().map(move |v| (r, v)))
        .find(|(_, v)| v.kind == VisitKind::Fault && v.ticket_id.as_str() != "T0")
        .expect("a minor visit");
    let other = if route.engineer_id.as_str() == "E1" {
        "E2"
    } else {
        "E1"
    };
    (visit.ticket_id.clone(), EngineerId::parse(other).unwrap())
}

/// `ticket` moved by hand to `to` at 08:00, nothing pinned.
fn moved_at_eight(roster: &Roster, ticket: &TicketId, to: &EngineerId) -> Moved {
    let (tickets, engineers) = (tickets(), engineers());
    let day = hand(roster, &tickets, &engineers, &[], eight());
    let request = MoveRequest {
        ticket,
        to,
        position: None,
    };
    move_visit(&day, &request, &GreatCircle::default()).unwrap()
}

#[test]
fn a_visit_moved_to_another_engineer_is_re_timed_and_checked() {
    let roster = planned();
    let (ticket, to) = a_minor_visit_and_another_server_engineer(&roster);
    let moved = moved_at_eight(&roster, &ticket, &to);
    assert_eq!(holder(&moved.roster, ticket.as_str()), Some(to.to_string()));
    assert!(moved.affected.contains(&to));
    assert!(moved.arrival >= eight(), "nothing starts before now");
    // Every ticket still once.
    let mut visited: Vec<&str> = moved
        .roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .map(|v| v.ticket_id.as_str())
        .collect();
    let before = visited.len();
    visited.sort();
    visited.dedup();
    assert_eq!(visited.len(), before);
}

/// A visit moved by hand stays the visit it was planned as: a diagnosis
/// (45 minutes on the roster, its part ordered by an earlier revision, so
/// the roster in force has no part record for it) is not re-timed as the
/// full repair.
#[test]
fn a_moved_visit_keeps_the_length_it_was_planned_with() {
    let mut roster = planned();
    let (ticket, to) = a_minor_visit_and_another_server_engineer(&roster);
    let visit = roster
        .routes
        .iter_mut()
        .flat_map(|r| &mut r.visits)
        .find(|v| v.ticket_id == ticket)
        .unwrap();
    visit.departure = visit.start + chrono::Duration::minutes(45);
    let moved = moved_at_eight(&roster, &ticket, &to);
    let visit = moved
        .roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.ticket_id == ticket)
        .unwrap();
    assert_eq!((visit.departure - visit.start).num_minutes(), 45);
}

#[test]
fn a_move_that_breaks_a_rule_is_refused_with_the_rule_and_the_field() {
    let roster = planned();
    let (tickets, engineers) = (tickets(), engineers());
    let day = hand(&roster, &tickets, &engineers, &[], eight());
    let travel = GreatCircle::default();
    let (minor, _) = a_minor_visit_and_another_server_engineer(&roster);
    let printer = EngineerId::parse("E3").unwrap();
    let refusal = move_visit(
        &day,
        &MoveRequest {
            ticket: &minor,
            to: &printer,
            position: None,
        },
        &travel,
    )
    .unwrap_err();
    assert!(
        matches!(refusal, MoveRefusal::MissingSkill { .. }),
        "{refusal}"
    );
    assert_eq!(refusal.field(), Some("engineer_id"));
    let critical = TicketId::parse("T0").unwrap();
    let intermediate = EngineerId::parse("E2").unwrap();
    let refusal = move_visit(
        &day,
        &MoveRequest {
            ticket: &critical,
            to: &intermediate,
            position: None,
        },
        &travel,
    )
    .unwrap_err();
    assert!(
        matches!(refusal, MoveRefusal::NotSenior { .. }),
        "{refusal}"
    );
}

#[test]
fn a_visit_begun_by_now_is_not_moved() {
    let roster = planned();
    let (tickets, engineers) = (tickets(), engineers());
    let (ticket, to) = a_minor_visit_and_another_server_engineer(&roster);
    let started = roster
        .routes
        .iter()
        .flat_map(|r| &r.visits)
        .find(|v| v.ticket_id == ticket)
        .unwrap()
        .start;
    let day = hand(&roster, &tickets, &engineers, &[], started);
    let refusal = move_visit(
        &day,
        &MoveRequest {
            ticket: &ticket,
            to: &to,
            position: None,
        },
        &GreatCircle::default(),
    )
    .unwrap_err();
    assert!(matches!(refusal, MoveRefusal::Begun { .. }), "{refusal}");
    assert_eq!(refusal.field(), Some("ticket_id"));
}

#[test]
fn a_re_planned_day_puts_a_pinned_visit_back_with_its_engineer() {
    let roster = planned();
    let (tickets, engineers) = (tickets(), engineers());
    let (ticket, to) = a_minor_visit_and_another_server_engineer(&roster);
    // The re-plan (here: the same plan) has the visit elsewhere.
    let pinned = [(ticket.clone(), to.clone())];
    let day = hand(&roster, &tickets, &engineers, &pinned, eight());
    let (kept, broken) = keep_pins(&day, &GreatCircle::default()).unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    assert_eq!(holder(&kept, ticket.as_str()), Some(to.to_string()));
}
