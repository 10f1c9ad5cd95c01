//! Rule 6, parts and return visits, from intake to stored rosters on SQLite
//! and PostgreSQL: a swap goes to an engineer of the station whose shelf
//! holds the part, and the unit leaves the stock with the roster; a swap
//! with no part in reach gets the part ordered and a diagnosis visit today,
//! waits while the part travels, and gets its repair visit, from the
//! station the part was sent to, once it has arrived; two plans cannot take
//! the same last unit.

use crate::day;
use crate::fixtures::*;
use chrono::{NaiveDate, TimeZone, Utc};
use ruyi::dispatch::{self, CallCenter, PlanOptions};
use ruyi::domain::TicketReport;
use ruyi::domain::{
    EngineerBase, PartAction, PartCode, Region, Roster, Severity, Skill, SlaPolicy, StationId,
    Ticket, TicketId, TicketStatus,
};
use ruyi::domain::{PartsOnHand, Stock, StockPoint};
use ruyi::network::Network;
use ruyi::service::plan_and_store;
use ruyi::storage::{StorageError, Store};
use ruyi::travel::GreatCircle;

const HANGZHOU: u32 = 330100;

async fn setup(backend: TestBackend) -> Option<(Store, TestDatabase)> {
    let database = fresh_database(backend).await?;
    let store = database.store().await;
    let network = Network::shipped().unwrap();
    store
        .replace_network(
            &network.cities,
            &network.hubs,
            &network.stations,
            &network.engineers,
        )
        .await
        .unwrap();
    Some((store, database))
}

on_both_databases!(setup;
    a_swap_is_served_from_the_shelf_that_holds_its_part_and_the_rest_is_ordered,
    two_plans_cannot_take_the_same_last_unit,
);

fn hangzhou_station(network: &Network) -> StationId {
    network
        .stations
        .iter()
        .find(|s| s.city_adcode() == HANGZHOU)
        .expect("Hangzhou has a station")
        .id()
        .clone()
}

fn psu() -> PartCode {
    PartCode::parse("SRV-PSU").unwrap()
}

/// A server swap in Hangzhou reported at 06:00 local on Monday 30 Nov.
fn swap(network: &Network, id: &str, severity: u8) -> Ticket {
    Ticket::new(TicketReport {
        id: TicketId::parse(id).unwrap(),
        customer: format!("Customer {id}"),
        site: network.city(HANGZHOU).unwrap().location,
        city_adcode: HANGZHOU,
        region: Region::East,
        severity: Severity::new(severity).unwrap(),
        skill: Skill::Server,
        reported_at: Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).unwrap(),
        service_minutes: 90,
        sla: SlaPolicy::default(),
    })
    .unwrap()
    .with_part(Some(psu()))
}

fn date(day: u32) -> NaiveDate {
    if day >= 30 {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    } else {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }
}

fn options() -> PlanOptions {
    PlanOptions {
        seed: 1,
        time_limit: std::time::Duration::from_millis(300),
        ..PlanOptions::default()
    }
}

fn visit_of<'a>(
    roster: &'a Roster,
    id: &str,
) -> Option<(&'a ruyi::domain::EngineerRoute, &'a ruyi::domain::Visit)> {
    roster.routes.iter().find_map(|route| {
        route
            .visits
            .iter()
            .find(|v| v.ticket_id.as_str() == id)
            .map(|v| (route, v))
    })
}

fn base_of(network: &Network, route: &ruyi::domain::EngineerRoute) -> EngineerBase {
    network
        .engineers
        .iter()
        .find(|e| e.id() == &route.engineer_id)
        .unwrap()
        .base()
        .clone()
}

async fn a_swap_is_served_from_the_shelf_that_holds_its_part_and_the_rest_is_ordered(store: Store) {
    let network = Network::shipped().unwrap();
    let shelf = hangzhou_station(&network);
    // One unit in Hangzhou, none in the hub's warehouse.
    store
        .set_stock(&Stock::new([
            (StockPoint::Station(shelf.clone()), psu(), 1),
            (StockPoint::Hub(Region::East), psu(), 0),
        ]))
        .await
        .unwrap();
    store
        .insert_tickets(&[
            swap(&network, "T20261130-00001", 3),
            swap(&network, "T20261130-00002", 2),
        ])
        .await
        .unwrap();

    let monday = plan_and_store(
        &store,
        Region::East,
        date(30),
        ruyi::dispatch::morning_of(date(30)),
        &options(),
        &GreatCircle::default(),
    )
    .await
    .unwrap();
    // The severity-2 swap is the more urgent: it gets the unit and an
    // engineer of the station holding it.
    let (route, visit) = visit_of(&monday, "T20261130-00002").expect("the urgent swap is served");
    assert_eq!(
        base_of(&network, route),
        EngineerBase::Station(shelf.clone())
    );
    assert_eq!((visit.departure - visit.start).num_minutes(), 90);
    let reserved = monday
        .parts
        .iter()
        .find(|p| p.ticket_id.as_str() == "T20261130-00002")
        .unwrap();
    assert_eq!(reserved.action, PartAction::Reserved);
    assert_eq!(reserved.base.code(), shelf.to_string());
    // The other is diagnosed today (45 minutes at most) and its part ordered
    // from the maker, arriving Thursday morning.
    let (_, diagnosis) = visit_of(&monday, "T20261130-00001").expect("a diagnosis visit today");
    assert!((diagnosis.departure - diagnosis.start).num_minutes() <= 45);
    let ordered = monday
        .parts
        .iter()
        .find(|p| p.ticket_id.as_str() == "T20261130-00001")
        .unwrap();
    assert_eq!(ordered.action, PartAction::Ordered);
    assert_eq!(ordered.source.code(), "maker");
    assert_eq!(
        ordered.arrives_at.unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap(),
        "08:00 local, three days on"
    );

    // The unit left the shelf with the roster; the stored roster says so.
    let stock = store.stock().await.unwrap().unwrap();
    assert_eq!(
        stock.quantity(&StockPoint::Station(shelf.clone()), &psu()),
        0
    );
    let stored = store.roster(monday.id.unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.parts.len(), 2);
    // Served from stock: planned. Waiting for its part: still open.
    let status = |id: &str| {
        let store = store.clone();
        let id = TicketId::parse(id).unwrap();
        async move { store.ticket(&id).await.unwrap().unwrap().status() }
    };
    assert_eq!(status("T20261130-00002").await, TicketStatus::Planned);
    assert_eq!(status("T20261130-00001").await, TicketStatus::Open);
    assert_eq!(store.pending_orders(None).await.unwrap().len(), 1);

    // Tuesday: the part is still travelling, so no visit, and the reason says so.
    let tuesday = plan_and_store(
        &store,
        Region::East,
        date(1),
        ruyi::dispatch::morning_of(date(1)),
        &options(),
        &GreatCircle::default(),
    )
    .await
    .unwrap();
    assert!(visit_of(&tuesday, "T20261130-00001").is_none());
    let waiting = tuesday
        .unassigned
        .iter()
        .find(|u| u.ticket_id.as_str() == "T20261130-00001")
        .expect("listed as waiting");
    assert_eq!(waiting.reason, "awaiting_part");
    assert!(
        waiting.detail.contains("2026-12-03 08:00"),
        "{}",
        waiting.detail
    );
    assert!(tuesday.parts.is_empty(), "nothing new taken or ordered");

    // Thursday: the part has arrived at the station it was sent to; the
    // repair visit (full length) goes out from there, no stock is touched.
    let thursday = plan_and_store(
        &store,
        Region::East,
        date(3),
        ruyi::dispatch::morning_of(date(3)),
        &options(),
        &GreatCircle::default(),
    )
    .await
    .unwrap();
    let (route, repair) = visit_of(&thursday, "T20261130-00001").expect("the repair visit");
    assert_eq!(
        base_of(&network, route),
        EngineerBase::Station(StationId::parse(ordered.base.code()).unwrap())
    );
    assert_eq!((repair.departure - repair.start).num_minutes(), 90);
    assert!(thursday.parts.is_empty());
    assert_eq!(status("T20261130-00001").await, TicketStatus::Planned);
}

async fn two_plans_cannot_take_the_same_last_unit(store: Store) {
    let network = Network::shipped().unwrap();
    let shelf = StockPoint::Station(hangzhou_station(&network));
    let stock = Stock::new([(shelf.clone(), psu(), 1)]);
    store.set_stock(&stock).await.unwrap();
    let ticket = swap(&network, "T20261130-00003", 2);
    store
        .insert_tickets(std::slice::from_ref(&ticket))
        .await
        .unwrap();
    // A plan made while the unit was there...
    let roster = dispatch::plan(
        &day(
            Region::East,
            date(30),
            &[ticket],
            &store.engineers_in_region(Region::East).await.unwrap(),
        )
        .with_call_center(CallCenter::default().clone())
        .with_stock(
            PartsOnHand {
                stock,
                orders: Vec::new(),
            }
            .clone(),
        ),
        &GreatCircle::default(),
        &options(),
    )
    .unwrap();
    assert_eq!(roster.parts.len(), 1);
    // ...saved after another plan took it: refused whole.
    store
        .set_stock(&Stock::new([(shelf.clone(), psu(), 0)]))
        .await
        .unwrap();
    let error = store.save_roster(&roster).await.unwrap_err();
    assert!(
        matches!(&error, StorageError::OutOfStock { part, .. } if part == "SRV-PSU"),
        "{error}"
    );
    let id = TicketId::parse("T20261130-00003").unwrap();
    assert_eq!(
        store.ticket(&id).await.unwrap().unwrap().status(),
        TicketStatus::Open,
        "nothing of the refused roster was stored"
    );
    assert!(store.pending_orders(None).await.unwrap().is_empty());
}
