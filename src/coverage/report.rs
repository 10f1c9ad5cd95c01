//! Reachability and the coverage report.
//!
//! A demand point is a city centre. A base reaches it within a limit when
//! `lead time + travel ≤ limit`, travel from the [`TravelModel`] dispatch
//! uses. The lead time is what passes between the report and the engineer
//! driving off: remote diagnosis by the call center, the dispatch decision,
//! packing parts. Its default, 1 h, is the key-customer contract's response
//! limit — by then the phone has either fixed the fault or an engineer is
//! sent — which leaves 1 h of driving for the 2 h limit (about 35 km in a
//! straight line at the default speeds). A longer lead time would make the
//! 2 h figure mostly about which cities have a station at all; a shorter one
//! would promise what the call center cannot do. Both limits are reported:
//! 12 h (every contract's on-site limit) and 2 h (key customers).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{City, Region, Ticket};
use crate::travel::TravelModel;

use super::fleet::Fleet;
use super::{CoverageError, TimeSpan};

/// Cities without a census figure still have customers; the ticket
/// generator assumes the same.
pub const DEFAULT_POPULATION: u64 = 500_000;

/// The lead time and the two limits a report measures against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    pub lead_time: TimeSpan,
    /// The on-site limit of every contract (12 h).
    pub standard: TimeSpan,
    /// The key-customer on-site limit (2 h).
    pub urgent: TimeSpan,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lead_time: TimeSpan::hours(1),
            standard: TimeSpan::hours(12),
            urgent: TimeSpan::hours(2),
        }
    }
}

impl Settings {
    /// A lead time that eats the whole urgent limit would report 0 %
    /// everywhere, which is a mistake in the input, not an answer.
    pub fn check(&self) -> Result<(), CoverageError> {
        if self.urgent > self.standard {
            return Err(CoverageError::invalid(
                "urgent",
                format!(
                    "the urgent limit {} is longer than the standard limit {}",
                    self.urgent, self.standard
                ),
            ));
        }
        if self.lead_time >= self.urgent {
            return Err(CoverageError::invalid(
                "lead_time",
                format!(
                    "a lead time of {} leaves no time to travel within the {} limit",
                    self.lead_time, self.urgent
                ),
            ));
        }
        Ok(())
    }
}

/// Where demand comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DemandSource {
    /// Census population (customers follow people).
    Population,
    /// Counted from a ticket history.
    Tickets { tickets: usize },
}

/// Demand per city, in the order of the cities it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub weights: Vec<f64>,
    pub source: DemandSource,
}

impl Demand {
    pub fn population(cities: &[City]) -> Self {
        Self {
            weights: cities
                .iter()
                .map(|city| city.population.unwrap_or(DEFAULT_POPULATION) as f64)
                .collect(),
            source: DemandSource::Population,
        }
    }

    /// One unit of demand per ticket in the history; a ticket in a city the
    /// network does not know is refused by id.
    pub fn from_tickets(cities: &[City], tickets: &[Ticket]) -> Result<Self, CoverageError> {
        let index: BTreeMap<u32, usize> = cities
            .iter()
            .enumerate()
            .map(|(i, city)| (city.adcode, i))
            .collect();
        let mut weights = vec![0.0; cities.len()];
        for ticket in tickets {
            let city = index.get(&ticket.city_adcode()).ok_or_else(|| {
                CoverageError::invalid(
                    "tickets",
                    format!(
                        "ticket {}: city_adcode {} is not in the network",
                        ticket.id(),
                        ticket.city_adcode()
                    ),
                )
            })?;
            weights[*city] += 1.0;
        }
        if tickets.is_empty() {
            return Err(CoverageError::invalid(
                "tickets",
                "the ticket history is empty",
            ));
        }
        Ok(Self {
            weights,
            source: DemandSource::Tickets {
                tickets: tickets.len(),
            },
        })
    }

    pub fn total(&self) -> f64 {
        self.weights.iter().sum()
    }
}

/// Minutes from each base to each city, lead time included; a base without
/// engineers never arrives.
#[derive(Debug, Clone)]
pub struct Reach {
    bases: usize,
    /// Row-major: `minutes[city * bases + base]`.
    minutes: Vec<f64>,
}

impl Reach {
    pub fn new(cities: &[City], fleet: &Fleet, travel: &dyn TravelModel, lead: TimeSpan) -> Self {
        let bases = fleet.bases.len();
        let mut minutes = Vec::with_capacity(cities.len() * bases);
        for city in cities {
            for base in &fleet.bases {
                minutes.push(if base.is_staffed() {
                    lead.as_minutes() + travel.leg(base.location, city.location).seconds / 60.0
                } else {
                    f64::INFINITY
                });
            }
        }
        Self { bases, minutes }
    }

    pub fn minutes(&self, city: usize, base: usize) -> f64 {
        self.minutes[city * self.bases + base]
    }

    /// The base that arrives first, and when.
    pub fn nearest(&self, city: usize) -> Option<(usize, f64)> {
        let row = &self.minutes[city * self.bases..(city + 1) * self.bases];
        row.iter()
            .copied()
            .enumerate()
            .filter(|(_, minutes)| minutes.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Whether any base arrives within `limit`.
    pub fn within(&self, city: usize, limit: TimeSpan) -> bool {
        self.nearest(city)
            .is_some_and(|(_, minutes)| minutes <= limit.as_minutes() + 1e-9)
    }
}

/// One city in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CityCoverage {
    pub adcode: u32,
    pub name: String,
    pub province: String,
    pub region: Region,
    pub lat: f64,
    pub lon: f64,
    pub demand: f64,
    /// A staffed base in the city itself.
    pub has_base: bool,
    pub nearest_base: Option<String>,
    /// Lead time plus travel from the nearest base.
    pub nearest_minutes: Option<f64>,
    pub within_standard: bool,
    pub within_urgent: bool,
}

/// Shares of an area's demand covered within each limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaShare {
    pub name: String,
    pub region: Option<Region>,
    pub cities: usize,
    pub cities_with_base: usize,
    pub demand: f64,
    /// This area's share of all demand.
    pub demand_share: f64,
    pub standard_share: f64,
    pub urgent_share: f64,
}

/// A city left out, ranked by demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncovered {
    pub adcode: u32,
    pub name: String,
    pub province: String,
    pub demand: f64,
    pub nearest_minutes: Option<f64>,
}

/// What the network covers, nationally, per region, per province and per
/// city, within both limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub settings: Settings,
    pub travel_model: String,
    pub demand_source: DemandSource,
    pub bases: usize,
    pub engineers: usize,
    pub national: AreaShare,
    pub regions: Vec<AreaShare>,
    pub provinces: Vec<AreaShare>,
    /// Cities not reached within the standard limit, most demand first.
    pub uncovered_standard: Vec<Uncovered>,
    /// Cities not reached within the urgent limit, most demand first.
    pub uncovered_urgent: Vec<Uncovered>,
    /// Every city, in the order given.
    pub cities: Vec<CityCoverage>,
}

impl CoverageReport {
    pub fn build(
        cities: &[City],
        fleet: &Fleet,
        demand: &Demand,
        travel: &dyn TravelModel,
        settings: Settings,
    ) -> Result<Self, CoverageError> {
        settings.check()?;
        if demand.weights.len() != cities.len() {
            return Err(CoverageError::invalid(
                "demand",
                format!(
                    "{} demand weights for {} cities",
                    demand.weights.len(),
                    cities.len()
                ),
            ));
        }
        let reach = Reach::new(cities, fleet, travel, settings.lead_time);
        let rows: Vec<CityCoverage> = cities
            .iter()
            .enumerate()
            .map(|(i, city)| {
                let nearest = reach.nearest(i);
                CityCoverage {
                    adcode: city.adcode,
                    name: city.name_en.clone(),
                    province: city.province_en.clone(),
                    region: city.region,
                    lat: city.location.lat(),
                    lon: city.location.lon(),
                    demand: demand.weights[i],
                    has_base: fleet.staffed().any(|base| base.city_adcode == city.adcode),
                    nearest_base: nearest.map(|(b, _)| fleet.bases[b].id.clone()),
                    nearest_minutes: nearest.map(|(_, minutes)| minutes),
                    within_standard: reach.within(i, settings.standard),
                    within_urgent: reach.within(i, settings.urgent),
                }
            })
            .collect();
        let total = demand.total();
        let national = area("China", None, rows.iter(), total);
        let regions = Region::ALL
            .into_iter()
            .map(|region| {
                area(
                    region.name(),
                    Some(region),
                    rows.iter().filter(|row| row.region == region),
                    total,
                )
            })
            .collect();
        let mut provinces: BTreeMap<(Region, &str), Vec<&CityCoverage>> = BTreeMap::new();
        for row in &rows {
            provinces
                .entry((row.region, row.province.as_str()))
                .or_default()
                .push(row);
        }
        let provinces = provinces
            .into_iter()
            .map(|((region, name), rows)| area(name, Some(region), rows.into_iter(), total))
            .collect();
        let uncovered = |covered: fn(&CityCoverage) -> bool| {
            let mut left: Vec<Uncovered> = rows
                .iter()
                .filter(|row| !covered(row) && row.demand > 0.0)
                .map(|row| Uncovered {
                    adcode: row.adcode,
                    name: row.name.clone(),
                    province: row.province.clone(),
                    demand: row.demand,
                    nearest_minutes: row.nearest_minutes,
                })
                .collect();
            left.sort_by(|a, b| b.demand.total_cmp(&a.demand).then(a.adcode.cmp(&b.adcode)));
            left
        };
        Ok(Self {
            settings,
            travel_model: travel.name().to_string(),
            demand_source: demand.source.clone(),
            bases: fleet.staffed().count(),
            engineers: fleet.engineer_count(),
            national,
            regions,
            provinces,
            uncovered_standard: uncovered(|row| row.within_standard),
            uncovered_urgent: uncovered(|row| row.within_urgent),
            cities: rows,
        })
    }
}

fn area<'a>(
    name: &str,
    region: Option<Region>,
    rows: impl Iterator<Item = &'a CityCoverage>,
    total: f64,
) -> AreaShare {
    let (mut cities, mut with_base) = (0, 0);
    let (mut demand, mut standard, mut urgent) = (0.0, 0.0, 0.0);
    for row in rows {
        cities += 1;
        with_base += usize::from(row.has_base);
        demand += row.demand;
        if row.within_standard {
            standard += row.demand;
        }
        if row.within_urgent {
            urgent += row.demand;
        }
    }
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    AreaShare {
        name: name.to_string(),
        region,
        cities,
        cities_with_base: with_base,
        demand,
        demand_share: share(demand, total),
        standard_share: share(standard, demand),
        urgent_share: share(urgent, demand),
    }
}
