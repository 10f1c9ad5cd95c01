//! Key customers and their two-monthly system analyses (DOMAIN.md: "a
//! system engineer visits key customers every 2 months for an on-site
//! system analysis with the customer's administrator").
//!
//! Ruyi keeps no customer register (tickets carry a customer name and a
//! key-customer contract, nothing more), so the key customers are derived
//! from the shipped network, deterministically: every service station holds
//! one key account ([`key_customers`]), sited a few kilometres from the
//! station in a direction and at a distance taken from a hash of the
//! station id, whose last analysis fell in the two months before
//! [`ANALYSIS_EPOCH`] (again from the hash). Visits placed on stored
//! rosters count as done from then on (the caller passes them in).

use std::collections::HashMap;

use chrono::{Months, NaiveDate};

use super::{GeoPoint, Region, Station, TicketId};

/// Months between two analyses of one key customer.
pub const ANALYSIS_MONTHS: u32 = 2;
/// The derived key customers' last analyses fall in the two months before
/// this date (the shipped network's reference day).
pub const ANALYSIS_EPOCH: (i32, u32, u32) = (2026, 11, 1);

/// A key customer and when it was last analysed.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCustomer {
    /// The id its preventive visits carry on a roster (`PM-` and the
    /// station id).
    pub visit_id: TicketId,
    pub name: String,
    pub site: GeoPoint,
    pub region: Region,
    pub last_analysis: NaiveDate,
}

impl KeyCustomer {
    /// When the next analysis is due.
    pub fn due(&self) -> NaiveDate {
        self.last_analysis + Months::new(ANALYSIS_MONTHS)
    }
}

/// A key customer's analysis that is due on the planned day.
#[derive(Debug, Clone, PartialEq)]
pub struct DueVisit {
    pub customer: KeyCustomer,
    /// Days since it fell due (0: due today).
    pub overdue_days: i64,
}

/// FNV-1a: stable across platforms and Rust versions, unlike the standard
/// hasher, so the derived customers never move.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One key account per station (see the module docs).
pub fn key_customers(stations: &[Station]) -> Vec<KeyCustomer> {
    let (year, month, day) = ANALYSIS_EPOCH;
    let epoch = NaiveDate::from_ymd_opt(year, month, day).expect("a valid epoch");
    stations
        .iter()
        .map(|station| {
            let hash = stable_hash(station.id().as_str());
            let bearing = (hash % 360) as f64;
            let km = 2.0 + ((hash >> 16) % 60) as f64 / 10.0;
            let days_before = (hash >> 32) % 61;
            let origin = station.location();
            let north = km * bearing.to_radians().cos() / 111.32;
            let east = km * bearing.to_radians().sin()
                / (111.32 * origin.lat().to_radians().cos().max(0.1));
            KeyCustomer {
                visit_id: TicketId::parse(format!("PM-{}", station.id()))
                    .expect("a station id makes a valid visit id"),
                name: format!("Key account of {}", station.name()),
                site: GeoPoint::new(
                    (origin.lat() + north).clamp(-90.0, 90.0),
                    (origin.lon() + east).clamp(-180.0, 180.0),
                )
                .expect("a point a few km from a station is valid"),
                region: station.region(),
                last_analysis: epoch - chrono::Days::new(days_before),
            }
        })
        .collect()
}

/// The analyses of `region` due on `date`, most overdue first. `done`
/// holds later analyses than the derived ones (from stored rosters), by
/// visit id.
pub fn due_on(
    customers: &[KeyCustomer],
    region: Region,
    date: NaiveDate,
    done: &HashMap<TicketId, NaiveDate>,
) -> Vec<DueVisit> {
    let mut due: Vec<DueVisit> = customers
        .iter()
        .filter(|c| c.region == region)
        .filter_map(|customer| {
            let mut customer = customer.clone();
            if let Some(last) = done.get(&customer.visit_id) {
                customer.last_analysis = customer.last_analysis.max(*last);
            }
            let overdue_days = (date - customer.due()).num_days();
            (overdue_days >= 0).then_some(DueVisit {
                customer,
                overdue_days,
            })
        })
        .collect();
    due.sort_by(|a, b| {
        b.overdue_days
            .cmp(&a.overdue_days)
            .then_with(|| a.customer.visit_id.cmp(&b.customer.visit_id))
    });
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StationId;

    fn station(id: &str, region: Region) -> Station {
        Station::new(
            StationId::parse(id).unwrap(),
            format!("Station {id}"),
            330100,
            region,
            GeoPoint::new(30.27, 120.15).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn key_customers_are_derived_the_same_way_every_time_near_their_station() {
        let stations = vec![station("S001", Region::East), station("S002", Region::East)];
        let once = key_customers(&stations);
        assert_eq!(once, key_customers(&stations));
        assert_eq!(once[0].visit_id.as_str(), "PM-S001");
        for customer in &once {
            let km = customer.site.haversine_meters(&stations[0].location()) / 1000.0;
            assert!((1.9..=8.1).contains(&km), "{km}");
            let epoch = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
            assert!(customer.last_analysis <= epoch);
            assert!(customer.last_analysis >= epoch - chrono::Days::new(60));
        }
        assert_ne!(once[0].site, once[1].site);
    }

    #[test]
    fn due_visits_come_most_overdue_first_and_a_recorded_visit_resets_the_clock() {
        let mut customers = key_customers(&[
            station("S001", Region::East),
            station("S002", Region::East),
            station("S003", Region::North),
        ]);
        customers[0].last_analysis = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        customers[1].last_analysis = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let due = due_on(&customers, Region::East, date, &HashMap::new());
        let order: Vec<(&str, i64)> = due
            .iter()
            .map(|d| (d.customer.visit_id.as_str(), d.overdue_days))
            .collect();
        assert_eq!(order, vec![("PM-S001", 29), ("PM-S002", 10)]);
        let done = HashMap::from([(
            customers[0].visit_id.clone(),
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        )]);
        let due = due_on(&customers, Region::East, date, &done);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].customer.visit_id.as_str(), "PM-S002");
    }
}
