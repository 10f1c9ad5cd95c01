//! The national service network shipped in `data/` — cities, the call
//! center, the seven hubs, the authorized stations and their engineers — and
//! the seeded ticket generator that gives planners a realistic day.
//!
//! The files are embedded with `include_str!` so the binary works from any
//! directory ([`Network::shipped`]); [`Network::load`] reads the same files
//! from a directory so a planner can try a different network. Every line is
//! checked when read, and the files are checked against each other (a
//! station's city exists, an engineer's base exists, regions agree), so the
//! rest of Ruyi can trust a [`Network`].
//!
//! Depends on `domain` and `rng` only.

mod csv_table;
mod generate;
pub mod sample;

use std::collections::HashMap;
use std::path::Path;

use crate::domain::{
    Certification, City, Engineer, EngineerBase, EngineerId, GeoPoint, Hub, Region, ShiftPattern,
    Skill, Station, StationId,
};
use csv_table::{Row, Table};

pub use generate::{
    BASE_MINUTES, SKILL_WEIGHTS, TICKET_COLUMNS, generate_tickets, read_tickets, read_tickets_file,
    write_tickets,
};

/// The file names, shared by the embedded copy and [`Network::load`].
pub const CITIES_FILE: &str = "cities.csv";
pub const HUBS_FILE: &str = "hubs.csv";
pub const STATIONS_FILE: &str = "stations.csv";
pub const ENGINEERS_FILE: &str = "engineers.csv";

const SHIPPED_CITIES: &str = include_str!("../../data/cities.csv");
const SHIPPED_HUBS: &str = include_str!("../../data/hubs.csv");
const SHIPPED_STATIONS: &str = include_str!("../../data/stations.csv");
const SHIPPED_ENGINEERS: &str = include_str!("../../data/engineers.csv");
pub(crate) const SHIPPED_STOCK: &str = include_str!("../../data/stock.csv");

/// Why a network (or a ticket file) could not be read. Every variant names
/// the file, and a bad value also names the line and the column, so the
/// person who edited the file can find the mistake.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} line {line}: {field}: {message}")]
    Field {
        file: String,
        line: u64,
        field: String,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

/// Tier 1: the national hotline. It dispatches but sends nobody on site.
#[derive(Debug, Clone, PartialEq)]
pub struct CallCenter {
    pub name: String,
    pub city_adcode: u32,
    pub location: GeoPoint,
}

/// The whole service network, cross-checked.
#[derive(Debug, Clone)]
pub struct Network {
    pub cities: Vec<City>,
    pub call_center: CallCenter,
    pub hubs: Vec<Hub>,
    pub stations: Vec<Station>,
    pub engineers: Vec<Engineer>,
    city_index: HashMap<u32, usize>,
    station_index: HashMap<StationId, usize>,
}

impl Network {
    /// The sample network compiled into the binary.
    pub fn shipped() -> Result<Self, NetworkError> {
        Self::from_texts(
            SHIPPED_CITIES,
            SHIPPED_HUBS,
            SHIPPED_STATIONS,
            SHIPPED_ENGINEERS,
        )
    }

    /// The shipped spare-part stock (`data/stock.csv`): per station and
    /// hub warehouse (`hub:<region>`), units of each part.
    pub fn shipped_stock() -> Result<crate::domain::Stock, NetworkError> {
        parse_stock(STOCK_FILE, SHIPPED_STOCK)
    }

    /// Reads `cities.csv`, `hubs.csv`, `stations.csv` and `engineers.csv`
    /// from `dir`.
    pub fn load(dir: &Path) -> Result<Self, NetworkError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| NetworkError::Io {
                file: path.display().to_string(),
                source,
            })
        };
        Self::from_texts(
            &read(CITIES_FILE)?,
            &read(HUBS_FILE)?,
            &read(STATIONS_FILE)?,
            &read(ENGINEERS_FILE)?,
        )
    }

    /// Parses and cross-checks the four files' contents.
    pub fn from_texts(
        cities: &str,
        hubs: &str,
        stations: &str,
        engineers: &str,
    ) -> Result<Self, NetworkError> {
        let cities = parse_cities(cities)?;
        let city_index = index_cities(&cities)?;
        let (call_center, hubs) = parse_hubs(hubs, &cities, &city_index)?;
        let stations = parse_stations(stations, &cities, &city_index)?;
        let mut station_index = HashMap::new();
        for (index, station) in stations.iter().enumerate() {
            station_index.insert(station.id().clone(), index);
        }
        let engineers = parse_engineers(engineers, &hubs, &stations, &station_index)?;
        Ok(Self {
            cities,
            call_center,
            hubs,
            stations,
            engineers,
            city_index,
            station_index,
        })
    }

    pub fn city(&self, adcode: u32) -> Option<&City> {
        self.city_index.get(&adcode).map(|i| &self.cities[*i])
    }

    pub fn station(&self, id: &StationId) -> Option<&Station> {
        self.station_index.get(id).map(|i| &self.stations[*i])
    }

    pub fn hub(&self, region: Region) -> &Hub {
        self.hubs
            .iter()
            .find(|hub| hub.region == region)
            .expect("a network holds all seven hubs (checked when read)")
    }

    pub fn engineers_of(&self, region: Region) -> Vec<Engineer> {
        self.engineers
            .iter()
            .filter(|e| e.region() == region)
            .cloned()
            .collect()
    }

    pub fn stations_of(&self, region: Region) -> Vec<&Station> {
        self.stations
            .iter()
            .filter(|s| s.region() == region)
            .collect()
    }

    pub fn cities_of(&self, region: Region) -> Vec<&City> {
        self.cities.iter().filter(|c| c.region == region).collect()
    }

    /// How many distinct cities have at least one station.
    pub fn station_city_count(&self) -> usize {
        let mut adcodes: Vec<u32> = self.stations.iter().map(|s| s.city_adcode()).collect();
        adcodes.sort_unstable();
        adcodes.dedup();
        adcodes.len()
    }
}

pub(crate) fn parse_cities(text: &str) -> Result<Vec<City>, NetworkError> {
    let table = Table::parse(
        CITIES_FILE,
        text,
        &[
            "adcode",
            "name_zh",
            "name_en",
            "province_zh",
            "province_en",
            "lat",
            "lon",
            "population",
            "region",
        ],
    )?;
    table
        .rows()
        .map(|row| {
            let row = row?;
            let population = match row.get("population")? {
                "" => None,
                _ => Some(row.parse::<u64>("population")?),
            };
            Ok(City {
                adcode: parse_adcode(&row, "adcode")?,
                name_zh: row.non_empty("name_zh")?.to_string(),
                name_en: row.non_empty("name_en")?.to_string(),
                province_zh: row.non_empty("province_zh")?.to_string(),
                province_en: row.non_empty("province_en")?.to_string(),
                location: row.point("lat", "lon")?,
                population,
                region: row.parse::<Region>("region")?,
            })
        })
        .collect()
}

fn index_cities(cities: &[City]) -> Result<HashMap<u32, usize>, NetworkError> {
    let mut index = HashMap::new();
    for (position, city) in cities.iter().enumerate() {
        if index.insert(city.adcode, position).is_some() {
            return Err(NetworkError::Field {
                file: CITIES_FILE.into(),
                line: position as u64 + 2,
                field: "adcode".into(),
                message: format!("{} appears twice", city.adcode),
            });
        }
    }
    Ok(index)
}

fn parse_adcode(row: &Row, field: &str) -> Result<u32, NetworkError> {
    let adcode = row.parse::<u32>(field)?;
    if !(100000..=999999).contains(&adcode) {
        return Err(row.error(field, format!("{adcode} is not a 6-digit adcode")));
    }
    Ok(adcode)
}

fn city_of<'a>(
    row: &Row,
    field: &str,
    cities: &'a [City],
    index: &HashMap<u32, usize>,
) -> Result<&'a City, NetworkError> {
    let adcode = parse_adcode(row, field)?;
    index
        .get(&adcode)
        .map(|i| &cities[*i])
        .ok_or_else(|| row.error(field, format!("{adcode} is not in {CITIES_FILE}")))
}

fn parse_hubs(
    text: &str,
    cities: &[City],
    index: &HashMap<u32, usize>,
) -> Result<(CallCenter, Vec<Hub>), NetworkError> {
    let table = Table::parse(
        HUBS_FILE,
        text,
        &["code", "tier", "name", "city_adcode", "lat", "lon"],
    )?;
    let mut call_center = None;
    let mut hubs: Vec<Hub> = Vec::new();
    for row in table.rows() {
        let row = row?;
        let city = city_of(&row, "city_adcode", cities, index)?;
        let name = row.non_empty("name")?.to_string();
        let location = row.point("lat", "lon")?;
        match row.get("tier")? {
            "call_center" => {
                if call_center.is_some() {
                    return Err(row.error("tier", "a second call center; there is one hotline"));
                }
                call_center = Some(CallCenter {
                    name,
                    city_adcode: city.adcode,
                    location,
                });
            }
            "regional_hub" => {
                let region = row.parse::<Region>("code")?;
                if hubs.iter().any(|hub| hub.region == region) {
                    return Err(row.error("code", format!("a second hub for {region}")));
                }
                if city.region != region {
                    return Err(row.error(
                        "city_adcode",
                        format!(
                            "{} ({}) lies in the {} region, not {region}",
                            city.name_en, city.adcode, city.region
                        ),
                    ));
                }
                hubs.push(Hub {
                    region,
                    city_adcode: city.adcode,
                    name,
                    location,
                });
            }
            other => {
                return Err(row.error(
                    "tier",
                    format!("{other:?} is not a tier; expected call_center or regional_hub"),
                ));
            }
        }
    }
    let call_center = call_center.ok_or_else(|| NetworkError::File {
        file: HUBS_FILE.into(),
        message: "no call_center row".into(),
    })?;
    if let Some(missing) = Region::ALL
        .into_iter()
        .find(|region| !hubs.iter().any(|hub| hub.region == *region))
    {
        return Err(NetworkError::File {
            file: HUBS_FILE.into(),
            message: format!("no hub for the {missing} region"),
        });
    }
    Ok((call_center, hubs))
}

fn parse_stations(
    text: &str,
    cities: &[City],
    index: &HashMap<u32, usize>,
) -> Result<Vec<Station>, NetworkError> {
    let table = Table::parse(
        STATIONS_FILE,
        text,
        &["id", "name", "city_adcode", "region", "lat", "lon"],
    )?;
    let mut stations: Vec<Station> = Vec::new();
    for row in table.rows() {
        let row = row?;
        let id = row.domain("id", |raw| StationId::parse(raw))?;
        if stations.iter().any(|s| *s.id() == id) {
            return Err(row.error("id", format!("{id} appears twice")));
        }
        let city = city_of(&row, "city_adcode", cities, index)?;
        let region = row.parse::<Region>("region")?;
        if city.region != region {
            return Err(row.error(
                "region",
                format!(
                    "{region} disagrees with {} ({}), which lies in the {} region",
                    city.name_en, city.adcode, city.region
                ),
            ));
        }
        let location = row.point("lat", "lon")?;
        let station = Station::new(id, row.get("name")?, city.adcode, region, location)
            .map_err(|e| row.error("name", e.message))?;
        stations.push(station);
    }
    Ok(stations)
}

fn parse_engineers(
    text: &str,
    hubs: &[Hub],
    stations: &[Station],
    station_index: &HashMap<StationId, usize>,
) -> Result<Vec<Engineer>, NetworkError> {
    let table = Table::parse(
        ENGINEERS_FILE,
        text,
        &[
            "id",
            "name",
            "base",
            "region",
            "skills",
            "certification",
            "shift",
        ],
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut engineers = Vec::new();
    for row in table.rows() {
        let row = row?;
        let id = row.domain("id", |raw| EngineerId::parse(raw))?;
        if !seen.insert(id.clone()) {
            return Err(row.error("id", format!("{id} appears twice")));
        }
        let region = row.parse::<Region>("region")?;
        let raw_base = row.get("base")?;
        let (base, home, base_region) = match raw_base.split_once(':') {
            Some(("station", station)) => {
                let station_id = row.domain("base", |_| StationId::parse(station))?;
                let station = station_index
                    .get(&station_id)
                    .map(|i| &stations[*i])
                    .ok_or_else(|| {
                        row.error(
                            "base",
                            format!("station {station} is not in {STATIONS_FILE}"),
                        )
                    })?;
                (
                    EngineerBase::Station(station_id),
                    station.location(),
                    station.region(),
                )
            }
            Some(("hub", hub)) => {
                let hub_region = row.domain("base", |_| hub.parse::<Region>())?;
                let hub = hubs
                    .iter()
                    .find(|h| h.region == hub_region)
                    .ok_or_else(|| row.error("base", format!("no {hub_region} hub")))?;
                (EngineerBase::Hub(hub_region), hub.location, hub_region)
            }
            _ => {
                return Err(row.error(
                    "base",
                    format!("{raw_base:?} is not a base; expected station:<id> or hub:<region>"),
                ));
            }
        };
        if base_region != region {
            return Err(row.error(
                "region",
                format!("{region} disagrees with the base {raw_base}, which is in {base_region}"),
            ));
        }
        let skills = row
            .get("skills")?
            .split(';')
            .map(|raw| row.domain("skills", |_| raw.parse::<Skill>()))
            .collect::<Result<Vec<_>, _>>()?;
        let certification = match row.get("certification")? {
            "senior" => Certification::Senior,
            "intermediate" => Certification::Intermediate,
            other => {
                return Err(row.error(
                    "certification",
                    format!("{other:?} is not a certification; expected senior or intermediate"),
                ));
            }
        };
        let shift = parse_shift(&row)?;
        let name = row.get("name")?;
        let engineer = Engineer::new(crate::domain::EngineerProfile {
            id,
            name: name.into(),
            base,
            region,
            home,
            skills,
            certification,
            shift,
        })
        .map_err(|e| row.error(&e.field, e.message))?;
        engineers.push(engineer);
    }
    Ok(engineers)
}

/// `5x8` is office hours; `7x24` is on call around the clock for at most
/// ten hours of work a day (the service plan's 7x24 coverage is staffed in
/// turns, not by one person working all day).
pub const ON_CALL_MAX_HOURS: u8 = 10;

fn parse_shift(row: &Row) -> Result<ShiftPattern, NetworkError> {
    match row.get("shift")? {
        "5x8" => Ok(ShiftPattern::office_hours()),
        "7x24" => Ok(ShiftPattern::OnCall {
            max_hours: ON_CALL_MAX_HOURS,
        }),
        other => Err(row.error(
            "shift",
            format!("{other:?} is not a shift; expected 5x8 or 7x24"),
        )),
    }
}

/// The `shift` column's code for a pattern.
pub fn shift_code(shift: ShiftPattern) -> &'static str {
    match shift {
        ShiftPattern::FiveByEight { .. } => "5x8",
        ShiftPattern::OnCall { .. } => "7x24",
    }
}

/// The stock file's name.
pub const STOCK_FILE: &str = "stock.csv";

/// Reads a stock CSV (`base,part,quantity`); errors name the line and the
/// column.
pub fn parse_stock(file: &str, text: &str) -> Result<crate::domain::Stock, NetworkError> {
    use crate::domain::{Stock, StockPoint};
    let table = Table::parse(file, text, &["base", "part", "quantity"])?;
    let mut lines = Vec::new();
    for row in table.rows() {
        let row = row?;
        lines.push((
            row.domain("base", StockPoint::parse)?,
            row.domain("part", |raw| crate::domain::PartCode::parse(raw))?,
            row.parse::<u32>("quantity")?,
        ));
    }
    Ok(Stock::new(lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_engineers(engineers: &str) -> Result<Network, NetworkError> {
        Network::from_texts(SHIPPED_CITIES, SHIPPED_HUBS, SHIPPED_STATIONS, engineers)
    }

    #[test]
    fn the_shipped_network_is_national() {
        let network = Network::shipped().unwrap();
        assert_eq!(network.cities.len(), 337);
        assert_eq!(network.hubs.len(), 7);
        assert_eq!(network.call_center.city_adcode, 110000);
        let station_cities = network.station_city_count();
        assert!(station_cities >= 150, "{station_cities}");
        assert!(station_cities < network.cities.len(), "not every city");
        assert!(
            (700..=900).contains(&network.engineers.len()),
            "{}",
            network.engineers.len()
        );
        for region in Region::ALL {
            assert_eq!(
                network.hub(region).city_adcode,
                region.hub_city_adcode(),
                "{region}"
            );
            assert!(!network.stations_of(region).is_empty(), "{region}");
            let hub_engineers = network
                .engineers_of(region)
                .into_iter()
                .filter(|e| *e.base() == EngineerBase::Hub(region))
                .count();
            assert!((8..=15).contains(&hub_engineers), "{region}");
        }
    }

    #[test]
    fn every_station_has_at_least_two_engineers() {
        let network = Network::shipped().unwrap();
        for station in &network.stations {
            let count = network
                .engineers
                .iter()
                .filter(|e| *e.base() == EngineerBase::Station(station.id().clone()))
                .count();
            assert!(count >= 2, "{}: {count}", station.id());
        }
    }

    #[test]
    fn lookups_find_cities_and_stations() {
        let network = Network::shipped().unwrap();
        assert_eq!(network.city(330100).unwrap().name_en, "Hangzhou");
        assert!(network.city(999999).is_none());
        let first = network.stations[0].id().clone();
        assert_eq!(network.station(&first).unwrap().id(), &first);
        assert!(
            network
                .engineers_of(Region::East)
                .iter()
                .all(|e| e.region() == Region::East)
        );
    }

    #[test]
    fn a_bad_skill_names_the_file_line_and_field() {
        let mut text = SHIPPED_ENGINEERS.lines().take(20).collect::<Vec<_>>();
        let broken = text[16].replacen("pc_hardware", "plumbing", 1);
        let broken = if broken == text[16] {
            // Make sure the line really breaks whatever its skills are.
            let fields: Vec<&str> = text[16].split(',').collect();
            let mut fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
            fields[4] = "plumbing".into();
            fields.join(",")
        } else {
            broken
        };
        text[16] = &broken;
        let err = with_engineers(&text.join("\n")).unwrap_err().to_string();
        assert!(
            err.starts_with("engineers.csv line 17: skills: \"plumbing\" is not a skill"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_station_base_is_refused() {
        let header = SHIPPED_ENGINEERS.lines().next().unwrap();
        let text = format!("{header}\nE9999,Wang Wei,station:S999,east,printer,senior,5x8\n");
        let err = with_engineers(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "engineers.csv line 2: base: station S999 is not in stations.csv"
        );
    }

    #[test]
    fn a_region_that_disagrees_with_the_base_is_refused() {
        let header = SHIPPED_ENGINEERS.lines().next().unwrap();
        let text = format!("{header}\nE9999,Wang Wei,hub:east,north,printer,senior,5x8\n");
        let err = with_engineers(&text).unwrap_err().to_string();
        assert!(err.starts_with("engineers.csv line 2: region:"), "{err}");
    }

    #[test]
    fn a_station_in_an_unknown_city_is_refused() {
        let text = "id,name,city_adcode,region,lat,lon\nS001,Nowhere,999999,east,30.0,120.0\n";
        let err = Network::from_texts(SHIPPED_CITIES, SHIPPED_HUBS, text, "")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "stations.csv line 2: city_adcode: 999999 is not in cities.csv"
        );
    }

    #[test]
    fn a_missing_column_names_the_file() {
        let err = with_engineers("id,name\nE1,Li\n").unwrap_err().to_string();
        assert!(err.starts_with("engineers.csv: missing column"), "{err}");
    }

    #[test]
    fn loads_from_a_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let network = Network::load(&dir).unwrap();
        assert_eq!(
            network.engineers.len(),
            Network::shipped().unwrap().engineers.len()
        );
        let err = Network::load(&dir.join("nowhere")).unwrap_err().to_string();
        assert!(err.contains("cities.csv"), "{err}");
    }
}
