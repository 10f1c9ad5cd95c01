//! Rule "loaners": when the 48 h repair cannot be met the roster plans a
//! loaner and says why and from where; tickets that can still be repaired
//! in time get none.

use crate::day;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{PlanOptions, plan};
use ruyi::domain::{
    Certification, Engineer, EngineerBase, EngineerId, GeoPoint, Region, Severity, ShiftPattern,
    Skill, StationId, Ticket, TicketId,
};
use ruyi::domain::{EngineerProfile, TicketReport};
use ruyi::travel::GreatCircle;

fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::new(lat, lon).unwrap()
}

/// Reported at `hour`:00 UTC on 2026-11-`day`.
fn ticket(id: &str, skill: Skill, day: u32, hour: u32) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: point(30.28, 120.16),
        city_adcode: 330100,
        region: Region::East,
        severity: Severity::MAJOR,
        skill,
        reported_at: Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap(),
        service_minutes: 60,
        sla: crate::fixtures::round_the_clock(),
    })
    .unwrap()
}

#[test]
fn repairs_that_miss_the_48_hour_limit_get_a_loaner_from_the_nearest_station() {
    let engineers = vec![
        Engineer::new(EngineerProfile {
            id: EngineerId::parse("E1").unwrap(),
            name: "Engineer E1".to_string(),
            base: EngineerBase::Station(StationId::parse("S1").unwrap()),
            region: Region::East,
            home: point(30.274, 120.155),
            skills: vec![Skill::Server],
            certification: Certification::Senior,
            shift: ShiftPattern::office_hours(),
        })
        .unwrap(),
    ];
    let tickets = vec![
        // Reported Saturday 08:00 local: repair due Monday 08:00, before
        // Monday's office day even starts.
        ticket("OLD", Skill::Server, 28, 0),
        // Reported Sunday 10:00 local, and nobody holds the printer skill:
        // repair due Tuesday 10:00, before Tuesday's day is over.
        ticket("PRINTER", Skill::Printer, 29, 2),
        // Reported Monday 08:00 local: repair due Wednesday, a visit
        // tomorrow would still be in time.
        ticket("FRESH", Skill::Storage, 30, 0),
        // Served today well within its limit.
        ticket("TODAY", Skill::Server, 30, 0),
    ];
    let roster = plan(
        &day(
            Region::East,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            &tickets,
            &engineers,
        ),
        &GreatCircle::default(),
        &PlanOptions {
            seed: 1,
            time_limit: Duration::from_millis(200),
            ..PlanOptions::default()
        },
    )
    .unwrap();
    let mut with_loaner: Vec<&str> = roster
        .loaners
        .iter()
        .map(|l| l.ticket_id.as_str())
        .collect();
    with_loaner.sort();
    assert_eq!(with_loaner, vec!["OLD", "PRINTER"], "{:#?}", roster.loaners);
    for loaner in &roster.loaners {
        assert_eq!(loaner.source.words(), "station S1");
        assert!(loaner.detail.contains("loaner"), "{}", loaner.detail);
        let ticket = tickets
            .iter()
            .find(|t| t.id() == &loaner.ticket_id)
            .unwrap();
        assert_eq!(loaner.repaired_by, ticket.deadlines().repaired_by);
    }
    let old = roster
        .loaners
        .iter()
        .find(|l| l.ticket_id.as_str() == "OLD")
        .unwrap();
    assert!(
        old.detail.contains("after the 48 h limit"),
        "{}",
        old.detail
    );
}
