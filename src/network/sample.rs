//! The seeded builder of the sample network's `stations.csv` and
//! `engineers.csv`. It ran once; its output is committed in `data/`, and a
//! test checks that it still reproduces those files byte for byte, so the
//! files cannot drift from the rules written here.
//!
//! Rules: every provincial capital and hub city gets a station; then, in
//! each province, the most populous cities until half of the province's
//! cities (rounded up) have one, skipping cities far from the provincial
//! capital and cities without a census figure (they borrow engineers from
//! neighbours, as the service plan describes). Metropolises get
//! several stations. Engineers per city follow population (at least two per
//! station); each hub has its own senior-heavy team.

use std::fmt::Write;

use crate::domain::{City, Region, Skill};
use crate::rng::Rng;

/// The seed the committed files were built with.
pub const SEED: u64 = 20_261_128;
/// The share of each province's cities (rounded up) that get a station.
pub const PROVINCE_SHARE: f64 = 0.5;
/// A non-capital city farther than this from its provincial capital is
/// "remote" and left to borrow engineers.
const REMOTE_KM: f64 = 450.0;
/// Engineers spread over station cities in proportion to population.
const STATION_ENGINEERS: f64 = 700.0;

/// The two generated files.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFiles {
    pub stations_csv: String,
    pub engineers_csv: String,
}

fn is_capital(city: &City) -> bool {
    // Provincial capitals are the "01" prefecture; municipalities end 0000.
    city.adcode % 10000 == 100 || city.adcode.is_multiple_of(10000)
}

fn stations_for(population: u64) -> usize {
    match population {
        p if p >= 15_000_000 => 4,
        p if p >= 9_000_000 => 3,
        p if p >= 6_000_000 => 2,
        _ => 1,
    }
}

/// The cities that get stations, in adcode order.
pub fn station_cities(cities: &[City]) -> Vec<&City> {
    let capital_of = |city: &City| {
        cities
            .iter()
            .find(|c| is_capital(c) && c.adcode / 10000 == city.adcode / 10000)
    };
    let remote = |city: &City| {
        capital_of(city).is_some_and(|capital| {
            capital.location.haversine_meters(&city.location) > REMOTE_KM * 1000.0
        })
    };
    let is_hub_city = |city: &City| {
        Region::ALL
            .iter()
            .any(|r| r.hub_city_adcode() == city.adcode)
    };
    let mut provinces: Vec<u32> = cities.iter().map(|c| c.adcode / 10000).collect();
    provinces.dedup();
    let mut chosen: Vec<&City> = Vec::new();
    // Per province rather than nationally, so that thinly populated
    // regions (the northeast, the northwest) are not left to their
    // capitals while every 3-million city in the east gets a station.
    for province in provinces {
        let mut members: Vec<&City> = cities
            .iter()
            .filter(|c| c.adcode / 10000 == province)
            .collect();
        let quota = (members.len() as f64 * PROVINCE_SHARE).ceil() as usize;
        members.sort_by_key(|c| {
            (
                !(is_capital(c) || is_hub_city(c)),
                std::cmp::Reverse(c.population),
                c.adcode,
            )
        });
        let mut taken = 0;
        for city in members {
            let must = is_capital(city) || is_hub_city(city);
            if must || (taken < quota && city.population.is_some() && !remote(city)) {
                chosen.push(city);
                taken += 1;
            }
        }
    }
    chosen.sort_by_key(|c| c.adcode);
    chosen
}

const SURNAMES: [&str; 40] = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Zheng", "Liang", "Xie", "Song", "Tang", "Han",
    "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan", "Cai", "Jiang",
    "Yu", "Du",
];
const GIVEN: [&str; 36] = [
    "wei", "fang", "min", "jing", "lei", "jun", "yang", "yong", "yan", "jie", "tao", "ming",
    "chao", "xiu", "hua", "ping", "gang", "hui", "bin", "hao", "kai", "lin", "qiang", "ying",
    "xin", "bo", "lan", "peng", "fei", "ning", "jian", "guo", "hong", "li", "dong", "xia",
];

fn person_name(rng: &mut Rng) -> String {
    let surname = SURNAMES[rng.below(SURNAMES.len())];
    let mut given = String::new();
    let syllables = if rng.unit() < 0.35 { 1 } else { 2 };
    for _ in 0..syllables {
        given.push_str(GIVEN[rng.below(GIVEN.len())]);
    }
    let mut letters = given.chars();
    let first = letters
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or('A');
    format!("{surname} {first}{}", letters.as_str())
}

/// Station engineers mostly fix PCs and printers; storage and integration
/// are specialist work.
const STATION_SKILL_WEIGHTS: [f64; 7] = [30.0, 25.0, 10.0, 4.0, 15.0, 12.0, 4.0];
/// Hub engineers are the technical backup: servers, storage, networks.
const HUB_SKILL_WEIGHTS: [f64; 7] = [8.0, 4.0, 20.0, 16.0, 20.0, 16.0, 16.0];

fn skills(rng: &mut Rng, weights: &[f64; 7]) -> Vec<Skill> {
    let count = 1 + rng.weighted(&[40.0, 40.0, 20.0]);
    let mut weights = *weights;
    let mut skills = Vec::new();
    for _ in 0..count {
        let index = rng.weighted(&weights);
        weights[index] = 0.0;
        skills.push(Skill::ALL[index]);
    }
    skills.sort();
    skills
}

/// One generated engineer, before it is written out.
struct SampleEngineer {
    number: usize,
    name: String,
    base: String,
    region: Region,
    skills: Vec<Skill>,
    senior: bool,
    on_call: bool,
}

impl SampleEngineer {
    fn draw(rng: &mut Rng, number: usize, base: String, region: Region, hub: bool) -> Self {
        let skills = skills(
            rng,
            if hub {
                &HUB_SKILL_WEIGHTS
            } else {
                &STATION_SKILL_WEIGHTS
            },
        );
        let senior_share = if hub { 0.85 } else { 0.3 };
        let senior = rng.unit() < senior_share;
        let on_call = rng.unit() >= 0.7;
        let name = person_name(rng);
        SampleEngineer {
            number,
            name,
            base,
            region,
            skills,
            senior,
            on_call,
        }
    }

    fn write(&self, out: &mut String) {
        let skills: Vec<&str> = self.skills.iter().map(|s| s.code()).collect();
        writeln!(
            out,
            "E{:04},{},{},{},{},{},{}",
            self.number,
            self.name,
            self.base,
            self.region,
            skills.join(";"),
            if self.senior {
                "senior"
            } else {
                "intermediate"
            },
            if self.on_call { "7x24" } else { "5x8" },
        )
        .expect("writing to a String cannot fail");
    }
}

/// Staffs a station's crew for the service promise, as the network would
/// after its first month (the simulation found 12 % of tickets no qualified
/// engineer could reach in time, most for a skill the nearest crew lacked
/// or for want of anyone on call at night):
///
/// - the crew keeps a 7x24 on-call rota: where nobody is on call, the
///   engineer holding most skills joins it;
/// - the crew together holds every skill: each missing skill (in order of
///   demand) is cross-trained into the member holding fewest, the on-call
///   engineer first on a tie, so a station answers every kind of fault.
///
/// Nobody is hired or moved: headcount, bases and certificates stay.
fn staff_for_the_promise(crew: &mut [SampleEngineer]) {
    if !crew.iter().any(|e| e.on_call)
        && let Some(most) = crew.iter_mut().rev().max_by_key(|e| e.skills.len())
    {
        most.on_call = true;
    }
    for skill in DEMAND_ORDER {
        if crew.iter().any(|e| e.skills.contains(&skill)) {
            continue;
        }
        if let Some(fewest) = crew
            .iter_mut()
            .min_by_key(|e| (e.skills.len(), !e.on_call, e.number))
        {
            fewest.skills.push(skill);
            fewest.skills.sort();
        }
    }
}

/// Skills by how often tickets need them (the ticket generator's weights).
const DEMAND_ORDER: [Skill; 7] = [
    Skill::PcHardware,
    Skill::Printer,
    Skill::Network,
    Skill::Server,
    Skill::Systems,
    Skill::Storage,
    Skill::Integration,
];

/// Builds both files from the cities.
pub fn build(cities: &[City]) -> SampleFiles {
    let mut rng = Rng::new(SEED);
    let chosen = station_cities(cities);
    let total_population: f64 = chosen.iter().filter_map(|c| c.population).sum::<u64>() as f64;

    let mut stations_csv = String::from("id,name,city_adcode,region,lat,lon\n");
    let mut engineers_csv = String::from("id,name,base,region,skills,certification,shift\n");
    let mut station_number = 0;
    let mut engineer_number = 0;
    // Hub teams first, so their ids stay put when station rules change.
    for region in Region::ALL {
        let team = 8 + rng.below(8);
        for _ in 0..team {
            engineer_number += 1;
            SampleEngineer::draw(
                &mut rng,
                engineer_number,
                format!("hub:{region}"),
                region,
                true,
            )
            .write(&mut engineers_csv);
        }
    }
    for city in chosen {
        let population = city.population.unwrap_or(0);
        let count = stations_for(population);
        let city_engineers =
            (population as f64 / total_population * STATION_ENGINEERS).round() as usize;
        let per_station = (city_engineers / count).max(2);
        let km_per_lat = 111.32;
        let km_per_lon = 111.32 * city.location.lat().to_radians().cos();
        for index in 0..count {
            station_number += 1;
            // The first station is downtown; others spread a few km out.
            let spread_km = if index == 0 { 1.5 } else { 5.0 };
            let lat = city.location.lat() + rng.normal().clamp(-3.0, 3.0) * spread_km / km_per_lat;
            let lon = city.location.lon() + rng.normal().clamp(-3.0, 3.0) * spread_km / km_per_lon;
            let name = if count == 1 {
                format!("{} Service Station", city.name_en)
            } else {
                format!("{} Service Station No. {}", city.name_en, index + 1)
            };
            let id = format!("S{station_number:03}");
            writeln!(
                stations_csv,
                "{id},{name},{},{},{lat:.5},{lon:.5}",
                city.adcode, city.region
            )
            .expect("writing to a String cannot fail");
            let engineers = per_station + usize::from(index < city_engineers % count);
            let mut crew: Vec<SampleEngineer> = (0..engineers)
                .map(|_| {
                    engineer_number += 1;
                    SampleEngineer::draw(
                        &mut rng,
                        engineer_number,
                        format!("station:{id}"),
                        city.region,
                        false,
                    )
                })
                .collect();
            staff_for_the_promise(&mut crew);
            for engineer in &crew {
                engineer.write(&mut engineers_csv);
            }
        }
    }
    SampleFiles {
        stations_csv,
        engineers_csv,
    }
}

/// The seeded builder of `stock.csv`: each station shelves a few units of
/// the parts its engineers' skills use (one to three of about half of
/// them), each hub's warehouse holds every part, more of each. Stations
/// therefore run out on busy days, which is when ordering from the hub and
/// diagnosis-first visits matter.
pub fn build_stock(engineers: &[crate::domain::Engineer]) -> String {
    use std::collections::BTreeSet;

    use crate::domain::EngineerBase;
    let mut rng = Rng::new(SEED ^ 0x57_0c);
    let mut csv = String::from("base,part,quantity\n");
    for region in Region::ALL {
        for skill in Skill::ALL {
            for part in skill.parts() {
                writeln!(csv, "hub:{region},{part},{}", 4 + rng.below(5))
                    .expect("writing to a String cannot fail");
            }
        }
    }
    let mut stations: Vec<(&crate::domain::StationId, BTreeSet<Skill>)> = Vec::new();
    for engineer in engineers {
        if let EngineerBase::Station(id) = engineer.base() {
            match stations.iter_mut().find(|(known, _)| *known == id) {
                Some((_, skills)) => skills.extend(engineer.skills().iter().copied()),
                None => stations.push((id, engineer.skills().iter().copied().collect())),
            }
        }
    }
    for (id, skills) in stations {
        for skill in skills {
            for part in skill.parts() {
                if rng.unit() < 0.5 {
                    writeln!(csv, "{id},{part},{}", 1 + rng.below(3))
                        .expect("writing to a String cannot fail");
                }
            }
        }
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{SHIPPED_CITIES, SHIPPED_ENGINEERS, SHIPPED_STATIONS, parse_cities};

    fn built() -> SampleFiles {
        build(&parse_cities(SHIPPED_CITIES).unwrap())
    }

    #[test]
    fn the_builder_reproduces_the_committed_files() {
        let files = built();
        assert!(
            files.stations_csv == SHIPPED_STATIONS,
            "data/stations.csv drifted from the builder; rerun write_sample_network"
        );
        assert!(
            files.engineers_csv == SHIPPED_ENGINEERS,
            "data/engineers.csv drifted from the builder; rerun write_sample_network"
        );
    }

    #[test]
    fn capitals_get_stations_and_some_populous_remote_cities_do_not() {
        let cities = parse_cities(SHIPPED_CITIES).unwrap();
        let chosen = station_cities(&cities);
        assert!(
            (150..cities.len()).contains(&chosen.len()),
            "{}",
            chosen.len()
        );
        assert_eq!(chosen.iter().filter(|c| is_capital(c)).count(), 31);
        let has_station = |adcode: u32| chosen.iter().any(|c| c.adcode == adcode);
        for region in Region::ALL {
            assert!(has_station(region.hub_city_adcode()), "{region}");
        }
        // Kashgar (4.5 M people, over 1,000 km from Urumqi) borrows.
        let kashgar = cities.iter().find(|c| c.name_en == "Kashgar").unwrap();
        assert!(kashgar.population.unwrap() > 4_000_000);
        assert!(!has_station(kashgar.adcode));
        // Within a province the bigger city wins: Dalian before Dandong.
        let named = |name: &str| cities.iter().find(|c| c.name_en == name).unwrap().adcode;
        assert!(has_station(named("Dalian")) && !has_station(named("Dandong")));
    }

    /// Writes the files into `data/`. Run once after changing the rules:
    /// `cargo test --lib write_sample_network -- --ignored`.
    #[test]
    #[ignore]
    fn write_sample_network() {
        let files = built();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        std::fs::write(dir.join("stations.csv"), files.stations_csv).unwrap();
        std::fs::write(dir.join("engineers.csv"), files.engineers_csv).unwrap();
        let network = crate::network::Network::shipped().unwrap();
        std::fs::write(dir.join("stock.csv"), build_stock(&network.engineers)).unwrap();
    }

    #[test]
    fn the_stock_builder_reproduces_the_committed_file() {
        let network = crate::network::Network::shipped().unwrap();
        assert!(
            build_stock(&network.engineers) == crate::network::SHIPPED_STOCK,
            "data/stock.csv drifted from the builder; rerun write_sample_network"
        );
        let stock = crate::network::Network::shipped_stock().unwrap();
        assert!(stock.lines().count() > 300);
    }
}
