//! Every repository test runs on SQLite (a temp file) and on PostgreSQL (a
//! fresh database on `RUYI_TEST_POSTGRES_URL`).

#[path = "api/fixtures.rs"]
mod fixtures;

use chrono::{Duration, NaiveDate};
use fixtures::*;
use ruyi::domain::TicketReport;
use ruyi::domain::{
    DomainError, EngineerEvent, EngineerId, EventId, EventKind, Region, ServiceHours, Severity,
    SlaPolicy, Ticket, TicketContact, TicketId, TicketStatus,
};
use ruyi::domain::{PartAction, PartCode, PartPlan, PartSource, StockPoint};
use ruyi::storage::{EventRules, NewEvent, StorageError, Store, TicketFilter};

async fn setup(backend: TestBackend) -> Option<(Store, TestDatabase)> {
    let database = fresh_database(backend).await?;
    Some((database.store().await, database))
}

async fn raw_execute(store: &Store, sql: &str) {
    match store {
        Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .expect(sql);
}

async fn raw_count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await,
        Store::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await,
    }
    .expect("count")
}

on_both_databases!(setup;
    migrations_can_run_twice,
    network_load_round_trips_and_replaces_everything,
    a_failed_network_load_keeps_the_old_network,
    city_lookup_finds_stored_cities_only,
    ticket_round_trips_with_its_contract_and_status,
    inserting_many_tickets_is_all_or_nothing,
    tickets_are_listed_and_counted_by_status_and_region,
    mark_planned_changes_only_the_given_tickets,
    intake_assigns_the_next_free_id_of_the_day,
    refused_intake_writes_nothing,
    roster_round_trips_and_marks_its_visited_tickets_planned,
    a_failed_roster_save_writes_nothing,
    engineer_route_comes_from_the_newest_roster_of_the_date,
    an_invalid_stored_ticket_is_an_error_naming_table_and_column,
    preventive_visits_round_trip_and_count_as_done_on_later_days,
    a_revision_that_leaves_a_planned_ticket_out_opens_it_again,
    two_revisions_from_the_same_state_are_not_both_stored,
    a_ticket_is_published_on_one_route_at_a_time,
    events_are_read_by_engineer_ticket_and_time_and_the_log_is_append_only,
    a_batch_of_events_is_stored_all_or_nothing,
    ticket_contact_details_round_trip,
    pins_not_kept_are_recorded_and_cleared_by_the_next_re_plan_or_pin,
    a_revision_carrying_a_made_diagnosis_order_leaves_its_fixed_ticket_fixed,
);

async fn migrations_can_run_twice(store: Store) {
    store
        .migrate()
        .await
        .expect("second migration run is a no-op");
    store.ping().await.unwrap();
}

async fn network_load_round_trips_and_replaces_everything(store: Store) {
    assert!(store.network_counts().await.unwrap().is_empty());
    let network = small_network();
    let counts = store
        .replace_network(
            &network.cities,
            &network.hubs,
            &network.stations,
            &network.engineers,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            counts.cities,
            counts.hubs,
            counts.stations,
            counts.engineers
        ),
        (3, 2, 1, 3)
    );
    assert_eq!(store.cities().await.unwrap().len(), 3);
    assert_eq!(store.hubs().await.unwrap(), network.hubs);
    assert_eq!(
        store.stations_in_region(Region::East).await.unwrap(),
        network.stations
    );
    let east = store.engineers_in_region(Region::East).await.unwrap();
    assert_eq!(east, network.engineers[..2].to_vec());
    let north = store.engineers_in_region(Region::North).await.unwrap();
    assert_eq!(north, network.engineers[2..].to_vec());
    let beijing = store.city(BEIJING).await.unwrap().unwrap();
    assert_eq!(beijing, network.cities[2]);

    // Replace with only the north: the east is gone.
    let counts = store
        .replace_network(
            &network.cities[2..],
            &network.hubs[1..],
            &[],
            &network.engineers[2..],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            counts.cities,
            counts.hubs,
            counts.stations,
            counts.engineers
        ),
        (1, 1, 0, 1)
    );
    assert!(
        store
            .engineers_in_region(Region::East)
            .await
            .unwrap()
            .is_empty()
    );
    let e003 = EngineerId::parse("E003").unwrap();
    assert_eq!(
        store.engineer(&e003).await.unwrap().as_ref(),
        Some(&network.engineers[2])
    );
}

async fn a_failed_network_load_keeps_the_old_network(store: Store) {
    load_small_network(&store).await;
    let network = small_network();
    // A hub in a city that is not loaded violates the foreign key.
    let error = store
        .replace_network(&network.cities[..1], &network.hubs, &[], &[])
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Database(_)), "{error:?}");
    let counts = store.network_counts().await.unwrap();
    assert_eq!((counts.cities, counts.engineers), (3, 3));
}

async fn city_lookup_finds_stored_cities_only(store: Store) {
    load_small_network(&store).await;
    assert_eq!(
        store.city(HANGZHOU).await.unwrap().unwrap().name_en,
        "Hangzhou"
    );
    assert!(store.city(999999).await.unwrap().is_none());
}

async fn ticket_round_trips_with_its_contract_and_status(store: Store) {
    let contract = SlaPolicy::new(30, 240, 1440, ServiceHours::SevenByTwentyFour).unwrap();
    let ticket = Ticket::new(TicketReport {
        id: TicketId::parse("T20261130-00007").unwrap(),
        customer: "Zhejiang Provincial Hospital".to_string(),
        site: point(30.2567, 120.1693),
        city_adcode: HANGZHOU,
        region: Region::East,
        severity: Severity::CRITICAL,
        skill: ruyi::domain::Skill::Storage,
        reported_at: monday_morning() + Duration::seconds(17),
        service_minutes: 240,
        sla: contract,
    })
    .unwrap()
    .with_status(TicketStatus::Resolved);
    store.insert_ticket(&ticket).await.unwrap();
    let stored = store.ticket(ticket.id()).await.unwrap().unwrap();
    assert_eq!(stored, ticket);
    assert_eq!(stored.deadlines(), ticket.deadlines());
    assert!(
        store
            .ticket(&TicketId::parse("T-none").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let again = store.insert_ticket(&ticket).await.unwrap_err();
    assert!(
        matches!(again, StorageError::DuplicateTicket(ref id) if id.as_str() == "T20261130-00007")
    );
}

async fn inserting_many_tickets_is_all_or_nothing(store: Store) {
    let first = ticket("T1", Region::East);
    let second = ticket("T2", Region::North);
    assert_eq!(
        store
            .insert_tickets(&[first.clone(), second])
            .await
            .unwrap(),
        2
    );
    let third = ticket("T3", Region::East);
    let error = store
        .insert_tickets(&[third.clone(), first.clone()])
        .await
        .unwrap_err();
    assert!(
        matches!(error, StorageError::DuplicateTicket(ref id) if id.as_str() == "T1"),
        "{error:?}"
    );
    assert!(store.ticket(third.id()).await.unwrap().is_none());
    assert_eq!(
        store.count_tickets(TicketFilter::default()).await.unwrap(),
        2
    );
}

async fn tickets_are_listed_and_counted_by_status_and_region(store: Store) {
    let tickets = vec![
        ticket("T1", Region::East),
        ticket("T2", Region::North),
        ticket("T3", Region::East).with_status(TicketStatus::Planned),
    ];
    store.insert_tickets(&tickets).await.unwrap();
    let ids = |tickets: Vec<Ticket>| -> Vec<String> {
        tickets.iter().map(|t| t.id().to_string()).collect()
    };
    let open_east = TicketFilter {
        status: Some(TicketStatus::Open),
        region: Some(Region::East),
    };
    assert_eq!(ids(store.tickets(open_east).await.unwrap()), vec!["T1"]);
    let east = TicketFilter {
        region: Some(Region::East),
        ..Default::default()
    };
    assert_eq!(ids(store.tickets(east).await.unwrap()), vec!["T1", "T3"]);
    let open = TicketFilter {
        status: Some(TicketStatus::Open),
        ..Default::default()
    };
    assert_eq!(store.count_tickets(open).await.unwrap(), 2);
    assert_eq!(
        store.count_tickets(TicketFilter::default()).await.unwrap(),
        3
    );
    let south = TicketFilter {
        region: Some(Region::South),
        ..Default::default()
    };
    assert_eq!(store.count_tickets(south).await.unwrap(), 0);
}

async fn mark_planned_changes_only_the_given_tickets(store: Store) {
    store
        .insert_tickets(&[ticket("T1", Region::East), ticket("T2", Region::East)])
        .await
        .unwrap();
    let changed = store
        .mark_planned(&[TicketId::parse("T2").unwrap()])
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let t1 = store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let t2 = store
        .ticket(&TicketId::parse("T2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t1.status(), t2.status()),
        (TicketStatus::Open, TicketStatus::Planned)
    );
}

fn build_on(id: TicketId, service_minutes: u32) -> Result<Ticket, DomainError> {
    Ticket::new(TicketReport {
        id,
        customer: "Acme".to_string(),
        site: point(30.3, 120.1),
        city_adcode: HANGZHOU,
        region: Region::East,
        severity: Severity::MINOR,
        skill: ruyi::domain::Skill::Printer,
        reported_at: monday_morning(),
        service_minutes,
        sla: SlaPolicy::default(),
    })
}

async fn intake_assigns_the_next_free_id_of_the_day(store: Store) {
    store
        .insert_ticket(&ticket("T20261130-00001", Region::East))
        .await
        .unwrap();
    let day = monday();
    let first = store
        .insert_new_ticket(day, |id| build_on(id, 60))
        .await
        .unwrap();
    let second = store
        .insert_new_ticket(day, |id| build_on(id, 60))
        .await
        .unwrap();
    assert_eq!(first.id().as_str(), "T20261130-00002");
    assert_eq!(second.id().as_str(), "T20261130-00003");
    let other_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let third = store
        .insert_new_ticket(other_day, |id| build_on(id, 60))
        .await
        .unwrap();
    assert_eq!(third.id().as_str(), "T20261201-00001");
    assert_eq!(store.ticket(second.id()).await.unwrap().unwrap(), second);
}

async fn refused_intake_writes_nothing(store: Store) {
    let error = store
        .insert_new_ticket(monday(), |id| build_on(id, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StorageError::Invalid(ref domain) if domain.field == "service_minutes"),
        "{error:?}"
    );
    assert_eq!(
        store.count_tickets(TicketFilter::default()).await.unwrap(),
        0
    );
    // The counter was rolled back with the ticket.
    let next = store
        .insert_new_ticket(monday(), |id| build_on(id, 30))
        .await
        .unwrap();
    assert_eq!(next.id().as_str(), "T20261130-00001");
}

async fn roster_round_trips_and_marks_its_visited_tickets_planned(store: Store) {
    let (t1, t2, t3) = (
        ticket("T1", Region::East),
        ticket("T2", Region::East),
        ticket("T3", Region::East),
    );
    store
        .insert_tickets(&[t1.clone(), t2.clone(), t3.clone()])
        .await
        .unwrap();
    let mut roster = roster(&[&t2, &t1], &[&t3], monday_morning());
    // What a two-day plan adds: the MIP's figures, tomorrow's counts and
    // the stations' spread of working minutes.
    roster.summary.assignment = Some(ruyi::domain::AssignmentReport {
        objective: 812.5,
        bound: 790.25,
        gap_percent: 2.7384615384615385,
        status: "ReachedIterationLimit".to_string(),
        variables: 42,
        seconds: 0.75,
        seeded_days: 1,
    });
    roster.summary.tomorrow_planned = 3;
    roster.summary.tomorrow_repair_due = 1;
    roster.summary.workload_spread_minutes = 95.5;
    roster.summary.workload_std_minutes = 40.25;
    roster.workloads = vec![
        ruyi::domain::StationWorkload::of("station S001".to_string(), &[300.0, 395.5]).unwrap(),
        ruyi::domain::StationWorkload::of("the east hub".to_string(), &[0.0]).unwrap(),
    ];
    let id = store.save_roster(&roster).await.unwrap();
    let stored = store.roster(id).await.unwrap().expect("saved roster");
    assert_eq!(
        stored,
        ruyi::domain::Roster {
            id: Some(id),
            ..roster
        }
    );
    let open = TicketFilter {
        status: Some(TicketStatus::Open),
        ..Default::default()
    };
    let open_ids: Vec<String> = store
        .tickets(open)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id().to_string())
        .collect();
    assert_eq!(open_ids, vec!["T3"]);
    assert!(store.roster(id + 1000).await.unwrap().is_none());
}

async fn a_failed_roster_save_writes_nothing(store: Store) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    let mut broken = roster(&[&t1, &t2], &[], monday_morning());
    // Two visits at the same position violate the visits' primary key.
    broken.routes[0].visits[1].sequence = 1;
    store.save_roster(&broken).await.unwrap_err();
    for table in [
        "rosters",
        "roster_routes",
        "roster_visits",
        "roster_unassigned",
    ] {
        assert_eq!(raw_count(&store, table).await, 0, "{table}");
    }
    let open = TicketFilter {
        status: Some(TicketStatus::Open),
        ..Default::default()
    };
    assert_eq!(store.count_tickets(open).await.unwrap(), 2);
}

async fn engineer_route_comes_from_the_newest_roster_of_the_date(store: Store) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    let engineer = EngineerId::parse("E001").unwrap();
    let older = roster(&[&t1], &[], monday_morning());
    let mut newer = roster(&[&t2, &t1], &[], monday_morning() + Duration::hours(1));
    newer.replaces = Some(store.save_roster(&older).await.unwrap());
    let newer_id = store.save_roster(&newer).await.unwrap();
    let stored = store
        .engineer_route(&engineer, monday())
        .await
        .unwrap()
        .expect("a route");
    assert_eq!(stored.roster_id, newer_id);
    assert_eq!(stored.hub, Region::East);
    assert_eq!(stored.route, newer.routes[0]);
    let tuesday = monday() + Duration::days(1);
    assert!(
        store
            .engineer_route(&engineer, tuesday)
            .await
            .unwrap()
            .is_none()
    );
    let nobody = EngineerId::parse("E999").unwrap();
    assert!(
        store
            .engineer_route(&nobody, monday())
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_invalid_stored_ticket_is_an_error_naming_table_and_column(store: Store) {
    store
        .insert_ticket(&ticket("T1", Region::East))
        .await
        .unwrap();
    raw_execute(&store, "UPDATE tickets SET severity = 9 WHERE id = 'T1'").await;
    let error = store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap_err();
    match error {
        StorageError::InvalidRow { table, column, .. } => {
            assert_eq!((table, column), ("tickets", "severity"));
        }
        other => panic!("expected an invalid row, got {other:?}"),
    }
    let listing = store.tickets(TicketFilter::default()).await;
    assert!(listing.is_err(), "listing must not hide a bad row");
}

/// A key customer's analysis on a roster is stored as such, and counts as
/// done for the days after it (not for its own day, which may be re-planned).
async fn preventive_visits_round_trip_and_count_as_done_on_later_days(store: Store) {
    let t1 = ticket("T1", Region::East);
    store
        .insert_tickets(std::slice::from_ref(&t1))
        .await
        .unwrap();
    let mut roster = roster(&[&t1, &t1], &[], monday_morning());
    let analysis = &mut roster.routes[0].visits[1];
    analysis.kind = ruyi::domain::VisitKind::Preventive;
    analysis.ticket_id = TicketId::parse("PM-S001").unwrap();
    roster.summary.assigned = 1;
    roster.summary.preventive_placed = 1;
    roster.summary.preventive_due = 4;
    let id = store.save_roster(&roster).await.unwrap();
    let stored = store.roster(id).await.unwrap().expect("saved roster");
    assert_eq!(
        stored,
        ruyi::domain::Roster {
            id: Some(id),
            ..roster
        }
    );
    assert!(
        store
            .preventive_visits_before(monday())
            .await
            .unwrap()
            .is_empty()
    );
    let done = store
        .preventive_visits_before(monday() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        done.into_iter().collect::<Vec<_>>(),
        vec![(TicketId::parse("PM-S001").unwrap(), monday())]
    );
}

/// An emergency revision can defer a planned visit: the ticket is open
/// again, so the next day's plan takes it.
/// Revisions of one hub-day form one chain: a save must name the revision
/// in force, so of two re-plans made from the same state only the first is
/// stored, whatever the planner did.
async fn two_revisions_from_the_same_state_are_not_both_stored(store: Store) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    let first = store
        .save_roster(&roster(&[&t1], &[&t2], monday_morning()))
        .await
        .unwrap();
    // A second first revision of the day: someone planned it meanwhile.
    let again = store
        .save_roster(&roster(&[&t2], &[&t1], monday_morning()))
        .await
        .unwrap_err();
    assert!(
        matches!(again, StorageError::DayPlannedMeanwhile { by, .. } if by == first),
        "{again:?}"
    );
    let mut a = roster(&[&t1, &t2], &[], monday_morning() + Duration::hours(1));
    a.replaces = Some(first);
    let b = a.clone();
    let a_id = store.save_roster(&a).await.unwrap();
    let refused = store.save_roster(&b).await.unwrap_err();
    assert!(
        matches!(refused, StorageError::RosterSuperseded { .. }),
        "{refused:?}"
    );
    assert_eq!(
        store
            .current_roster(Region::East, monday())
            .await
            .unwrap()
            .unwrap()
            .id,
        Some(a_id)
    );
    // Nothing of the refused saves was written.
    assert_eq!(
        store
            .roster_revisions(Region::East, Some(monday()))
            .await
            .unwrap()
            .len(),
        2
    );
}

/// A ticket on a later day's published route cannot be published on an
/// earlier day too; a later day may take a ticket an earlier day visited
/// (a diagnosis before its part came).
async fn a_ticket_is_published_on_one_route_at_a_time(store: Store) {
    let t1 = ticket("T1", Region::East);
    store
        .insert_tickets(std::slice::from_ref(&t1))
        .await
        .unwrap();
    let mut tuesday = roster(&[&t1], &[], monday_morning());
    tuesday.date = monday() + Duration::days(1);
    let tuesday_id = store.save_roster(&tuesday).await.unwrap();
    let refused = store
        .save_roster(&roster(&[&t1], &[], monday_morning()))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::TicketOnAnotherRoute { roster, .. } if roster == tuesday_id),
        "{refused:?}"
    );
    let mut thursday = roster(&[&t1], &[], monday_morning());
    thursday.date = monday() + Duration::days(3);
    store.save_roster(&thursday).await.unwrap();
}

async fn a_revision_that_leaves_a_planned_ticket_out_opens_it_again(store: Store) {
    let (t1, t2) = (ticket("T1", Region::East), ticket("T2", Region::East));
    store
        .insert_tickets(&[t1.clone(), t2.clone()])
        .await
        .unwrap();
    let first = store
        .save_roster(&roster(&[&t1, &t2], &[], monday_morning()))
        .await
        .unwrap();
    let mut revision = roster(&[&t1], &[&t2], monday_morning());
    revision.replaces = Some(first);
    store.save_roster(&revision).await.unwrap();
    let status = |id: &str| {
        let store = store.clone();
        let id = TicketId::parse(id).unwrap();
        async move { store.ticket(&id).await.unwrap().unwrap().status() }
    };
    assert_eq!(status("T1").await, TicketStatus::Planned);
    assert_eq!(status("T2").await, TicketStatus::Open);
}

fn new_event(id: &str, engineer: &str, minutes: i64, kind: EventKind) -> NewEvent {
    NewEvent {
        event: EngineerEvent {
            event_id: EventId::parse(id).unwrap(),
            engineer_id: EngineerId::parse(engineer).unwrap(),
            at: monday_morning() + Duration::minutes(minutes),
            kind,
        },
        request: format!("{{\"event_id\":\"{id}\"}}"),
    }
}

fn rules() -> EventRules {
    EventRules {
        now: monday_morning() + Duration::hours(12),
        max_skew: Duration::minutes(5),
        missing_part: ruyi::dispatch::order_missing_part,
    }
}

async fn events_are_read_by_engineer_ticket_and_time_and_the_log_is_append_only(store: Store) {
    load_small_network(&store).await;
    let t1 = ticket("T1", Region::East);
    store
        .insert_tickets(std::slice::from_ref(&t1))
        .await
        .unwrap();
    store
        .save_roster(&roster(&[&t1], &[], monday_morning()))
        .await
        .unwrap();
    let t1_id = TicketId::parse("T1").unwrap();
    let events = [
        new_event(
            "e1",
            "E001",
            30,
            EventKind::EnRoute {
                ticket_id: t1_id.clone(),
            },
        ),
        new_event(
            "e2",
            "E001",
            90,
            EventKind::Arrived {
                ticket_id: t1_id.clone(),
                site: None,
                service_minutes: None,
            },
        ),
        new_event("e3", "E002", 60, EventKind::ShiftEnded),
    ];
    for event in &events {
        store.record_event(event, &rules()).await.unwrap().unwrap();
    }
    let e001 = EngineerId::parse("E001").unwrap();
    let all = store
        .engineer_events(
            &e001,
            monday_morning(),
            monday_morning() + Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // The arrival was stored with the ticket's site and service time.
    assert!(matches!(
        &all[1].kind,
        EventKind::Arrived {
            site: Some(_),
            service_minutes: Some(90),
            ..
        }
    ));
    let window = store
        .engineer_events(
            &e001,
            monday_morning() + Duration::minutes(60),
            monday_morning() + Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(window.len(), 1);
    assert_eq!(store.ticket_events(&t1_id).await.unwrap().len(), 2);
    let east = store
        .events_between(
            monday_morning(),
            monday_morning() + Duration::days(1),
            Some(Region::East),
        )
        .await
        .unwrap();
    assert_eq!(east.len(), 3, "E001 and E002 are both east");
    let north = store
        .events_between(
            monday_morning(),
            monday_morning() + Duration::days(1),
            Some(Region::North),
        )
        .await
        .unwrap();
    assert!(north.is_empty());
    assert_eq!(
        store.first_arrivals().await.unwrap().get(&t1_id),
        Some(&(monday_morning() + Duration::minutes(90)))
    );
    for sql in [
        "UPDATE engineer_events SET kind = 'position'",
        "DELETE FROM engineer_events",
    ] {
        let refused = match &store {
            Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.is_err(),
            Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.is_err(),
        };
        assert!(refused, "{sql} must be refused");
    }
    assert_eq!(raw_count(&store, "engineer_events").await, 3);
}

async fn a_batch_of_events_is_stored_all_or_nothing(store: Store) {
    load_small_network(&store).await;
    let batch = [
        new_event("e1", "E002", 30, EventKind::ShiftEnded),
        // Before E002's previous event: refused, and the batch with it.
        new_event("e2", "E002", 10, EventKind::ShiftEnded),
    ];
    let refused = store.record_events(&batch, &rules()).await.unwrap();
    let (index, refusal) = refused.unwrap_err();
    assert_eq!((index, refusal.field()), (1, "at"));
    assert_eq!(store.count_events().await.unwrap(), 0);
    let stored = store
        .record_events(&batch[..1], &rules())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(store.count_events().await.unwrap(), 1);
}

async fn ticket_contact_details_round_trip(store: Store) {
    let contact = TicketContact::new(
        Some(" 1 Renmin Road ".into()),
        Some("+86 571 8888 0000".into()),
        Some("no display".into()),
    )
    .unwrap();
    let t1 = ticket("T1", Region::East).with_contact(contact.clone());
    store.insert_tickets(&[t1]).await.unwrap();
    let stored = store
        .ticket(&TicketId::parse("T1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.contact(), &contact);
    assert_eq!(contact.address.as_deref(), Some("1 Renmin Road"));
    assert_eq!(
        TicketContact::new(None, Some("call me".into()), None)
            .unwrap_err()
            .field,
        "contact_phone"
    );
}

async fn pins_not_kept_are_recorded_and_cleared_by_the_next_re_plan_or_pin(store: Store) {
    load_small_network(&store).await;
    store
        .insert_tickets(&[ticket("T1", Region::East), ticket("T2", Region::East)])
        .await
        .unwrap();
    let (t1, t2) = (
        TicketId::parse("T1").unwrap(),
        TicketId::parse("T2").unwrap(),
    );
    let (e1, e2) = (
        EngineerId::parse("E001").unwrap(),
        EngineerId::parse("E002").unwrap(),
    );
    let day = monday();
    store
        .pin_visit(Region::East, day, &t1, &e1, monday_morning())
        .await
        .unwrap();
    store
        .pin_visit(Region::East, day, &t2, &e2, monday_morning())
        .await
        .unwrap();
    let not_kept = |pins: &[ruyi::storage::Pin]| {
        pins.iter()
            .map(|p| (p.ticket_id.to_string(), p.not_kept.clone()))
            .collect::<Vec<_>>()
    };
    // A re-plan that could not keep T1.
    store
        .record_pins_kept(
            Region::East,
            day,
            &[(t1.clone(), "E001's shift has ended".into())],
        )
        .await
        .unwrap();
    assert_eq!(
        not_kept(&store.pins(Region::East, day).await.unwrap()),
        vec![
            ("T1".to_string(), Some("E001's shift has ended".to_string())),
            ("T2".to_string(), None),
        ]
    );
    // Pinned again by hand: the mark is gone.
    store
        .pin_visit(Region::East, day, &t1, &e2, monday_morning())
        .await
        .unwrap();
    let pins = store.pins(Region::East, day).await.unwrap();
    assert_eq!(pins[0].engineer_id, e2);
    assert_eq!(pins[0].not_kept, None);
    // The next re-plan kept every pin: no marks left.
    store
        .record_pins_kept(Region::East, day, &[(t2.clone(), "no room".into())])
        .await
        .unwrap();
    store
        .record_pins_kept(Region::East, day, &[])
        .await
        .unwrap();
    assert!(
        store
            .pins(Region::East, day)
            .await
            .unwrap()
            .iter()
            .all(|p| p.not_kept.is_none())
    );
}

/// The day's first revision sends an engineer to diagnose T1 and orders its
/// part (T1 open again: the repair waits for the part). The visit fixes T1
/// after all; a later revision of the day keeps the visit made, with its
/// order — and must not open T1 again (it did, and the fixed ticket was
/// re-planned and its part re-ordered every day after).
async fn a_revision_carrying_a_made_diagnosis_order_leaves_its_fixed_ticket_fixed(store: Store) {
    let t1 = ticket("T1", Region::East);
    store
        .insert_tickets(std::slice::from_ref(&t1))
        .await
        .unwrap();
    let order = PartPlan {
        ticket_id: t1.id().clone(),
        part: PartCode::parse("SRV-PSU").unwrap(),
        action: PartAction::Ordered,
        base: StockPoint::parse("hub:east").unwrap(),
        source: PartSource::Maker,
        arrives_at: Some(monday_morning() + Duration::days(3)),
        detail: "ordered from the maker".to_string(),
    };
    let mut first = roster(&[&t1], &[], monday_morning());
    first.parts.push(order.clone());
    let first_id = store.save_roster(&first).await.unwrap();
    let status = || {
        let (store, id) = (store.clone(), t1.id().clone());
        async move { store.ticket(&id).await.unwrap().unwrap().status() }
    };
    assert_eq!(status().await, TicketStatus::Open);
    raw_execute(
        &store,
        "UPDATE tickets SET status = 'resolved' WHERE id = 'T1'",
    )
    .await;
    let mut revision = roster(&[&t1], &[], monday_morning());
    revision.replaces = Some(first_id);
    revision.parts.push(order);
    store.save_roster(&revision).await.unwrap();
    assert_eq!(status().await, TicketStatus::Resolved);
}
