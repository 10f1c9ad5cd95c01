//! What-if scenarios: a JSON file that adds, removes or moves stations and
//! changes how many engineers a base holds.
//!
//! ```json
//! {
//!   "name": "Open Lhasa and Kashgar, close S012",
//!   "add_stations": [{"id": "S901", "city_adcode": 540100, "engineers": 3,
//!                     "name": "Lhasa Service Station"}],
//!   "remove_stations": ["S012"],
//!   "move_stations": [{"id": "S013", "city_adcode": 653100}],
//!   "engineers": [{"base": "S001", "change": 2}, {"base": "hub:east", "change": -1}]
//! }
//! ```
//!
//! Every key is optional; unknown keys are refused (a misspelt key would
//! otherwise silently do nothing). Changes apply in the order removals,
//! moves, additions, engineer changes. A syntax or type error names the line
//! and column and the JSON path; a value that does not fit the network (an
//! unknown station or city) names its JSON path.

use serde::Deserialize;

use crate::domain::City;

use super::CoverageError;
use super::fleet::{BaseKind, Fleet, new_engineers, rehome};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub add_stations: Vec<NewStation>,
    #[serde(default)]
    pub remove_stations: Vec<String>,
    #[serde(default)]
    pub move_stations: Vec<MovedStation>,
    #[serde(default)]
    pub engineers: Vec<StaffChange>,
    /// Where the scenario came from, for messages.
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    pub id: String,
    pub city_adcode: u32,
    /// New engineers (every skill, office hours, the first senior).
    pub engineers: usize,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedStation {
    pub id: String,
    /// The station moves to this city's centre with its engineers.
    pub city_adcode: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    /// A station id or `hub:<region>`.
    pub base: String,
    /// Engineers to add (positive) or take away (negative, newest first).
    pub change: i64,
}

impl Scenario {
    /// Parses a scenario; `source` names it in errors (a file name, or
    /// `scenario` for an API body).
    pub fn parse(source: &str, text: &str) -> Result<Self, CoverageError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let mut scenario: Scenario =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
                let path = error.path().to_string();
                let inner = error.into_inner();
                let location = format!("line {} column {}", inner.line(), inner.column());
                CoverageError::Scenario {
                    file: source.to_string(),
                    location: if path == "." {
                        location
                    } else {
                        format!("{location} ({path})")
                    },
                    field: if path == "." {
                        source.to_string()
                    } else {
                        path
                    },
                    message: strip_position(&inner.to_string()),
                }
            })?;
        scenario.source = source.to_string();
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    pub fn read(path: &std::path::Path) -> Result<Self, CoverageError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| CoverageError::Scenario {
            file: file.clone(),
            location: "reading".into(),
            field: "scenario".into(),
            message: error.to_string(),
        })?;
        Self::parse(&file, &text)
    }

    /// A short description for report headings.
    pub fn title(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.source.clone())
    }

    /// The fleet after the scenario's changes.
    pub fn apply(&self, cities: &[City], fleet: &Fleet) -> Result<Fleet, CoverageError> {
        let error = |path: String, message: String| CoverageError::Scenario {
            file: self.source.clone(),
            location: path.clone(),
            field: path,
            message,
        };
        let city = |path: String, adcode: u32| {
            cities
                .iter()
                .find(|city| city.adcode == adcode)
                .ok_or_else(|| error(path, format!("{adcode} is not a city of the network")))
        };
        let mut fleet = fleet.clone();
        for (i, id) in self.remove_stations.iter().enumerate() {
            let path = format!("remove_stations[{i}]");
            let index = station_index(&fleet, id).map_err(|m| error(path, m))?;
            fleet.bases.remove(index);
        }
        for (i, moved) in self.move_stations.iter().enumerate() {
            let path = format!("move_stations[{i}]");
            let index =
                station_index(&fleet, &moved.id).map_err(|m| error(format!("{path}.id"), m))?;
            let to = city(format!("{path}.city_adcode"), moved.city_adcode)?;
            let base = &mut fleet.bases[index];
            base.city_adcode = to.adcode;
            base.region = to.region;
            base.location = to.location;
            let moved_base = base.clone();
            for engineer in &mut base.engineers {
                *engineer = rehome(engineer, &moved_base)?;
            }
        }
        for (i, added) in self.add_stations.iter().enumerate() {
            let path = format!("add_stations[{i}]");
            let at = city(format!("{path}.city_adcode"), added.city_adcode)?;
            if added.engineers == 0 {
                return Err(error(
                    format!("{path}.engineers"),
                    "a new station needs at least one engineer".into(),
                ));
            }
            if crate::domain::StationId::parse(added.id.as_str()).is_err() {
                return Err(error(
                    format!("{path}.id"),
                    format!("{:?} is not a station id (A-Z a-z 0-9 - _)", added.id),
                ));
            }
            let name = added
                .name
                .clone()
                .unwrap_or_else(|| format!("{} Service Station {}", at.name_en, added.id));
            fleet
                .open_station(&added.id, &name, BaseKind::Station, at, added.engineers)
                .map_err(|_| error(format!("{path}.id"), format!("{} already exists", added.id)))?;
        }
        for (i, change) in self.engineers.iter().enumerate() {
            let path = format!("engineers[{i}]");
            let index = fleet.index_of(&change.base).ok_or_else(|| {
                error(
                    format!("{path}.base"),
                    format!("{} is neither a station nor hub:<region>", change.base),
                )
            })?;
            let base = &mut fleet.bases[index];
            let now = base.engineers.len();
            if change.change >= 0 {
                let more = new_engineers(base, now, change.change as usize)?;
                base.engineers.extend(more);
            } else {
                let fewer = change.change.unsigned_abs() as usize;
                if fewer > now {
                    return Err(error(
                        format!("{path}.change"),
                        format!(
                            "{} holds {now} engineers, cannot take away {fewer}",
                            base.id
                        ),
                    ));
                }
                base.engineers.truncate(now - fewer);
            }
        }
        Ok(fleet)
    }
}

fn station_index(fleet: &Fleet, id: &str) -> Result<usize, String> {
    match fleet.index_of(id) {
        Some(index) if fleet.bases[index].kind != BaseKind::Hub => Ok(index),
        Some(_) => Err(format!(
            "{id} is a hub; change its engineers under \"engineers\" instead"
        )),
        None => Err(format!("station {id} is not in the network")),
    }
}

/// serde_json appends " at line L column C"; the location is given apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;

    #[test]
    fn a_scenario_edits_a_copy_of_the_fleet() {
        let network = Network::shipped().unwrap();
        let fleet = Fleet::from_network(&network);
        let first = network.stations[0].id().to_string();
        let second = network.stations[1].id().to_string();
        let text = format!(
            r#"{{"name": "test",
                "add_stations": [{{"id": "S901", "city_adcode": 540100, "engineers": 3}}],
                "remove_stations": ["{first}"],
                "move_stations": [{{"id": "{second}", "city_adcode": 653100}}],
                "engineers": [{{"base": "hub:east", "change": -2}}, {{"base": "S901", "change": 1}}]}}"#
        );
        let scenario = Scenario::parse("test.json", &text).unwrap();
        let after = scenario.apply(&network.cities, &fleet).unwrap();
        assert_eq!(after.bases.len(), fleet.bases.len());
        assert!(after.index_of(&first).is_none());
        let new = &after.bases[after.index_of("S901").unwrap()];
        assert_eq!(new.engineers.len(), 4);
        let moved = &after.bases[after.index_of(&second).unwrap()];
        assert_eq!(moved.city_adcode, 653100);
        assert!(moved.engineers.iter().all(|e| e.home() == moved.location));
        let east = |f: &Fleet| f.bases[f.index_of("hub:east").unwrap()].engineers.len();
        assert_eq!(east(&after), east(&fleet) - 2);
    }

    #[test]
    fn a_type_error_names_the_line_and_path() {
        let text = "{\n  \"add_stations\": [\n    {\"id\": \"S901\", \"city_adcode\": \"Lhasa\", \"engineers\": 1}\n  ]\n}";
        let error = Scenario::parse("what-if.json", text).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("what-if.json: line 3 column"),
            "{message}"
        );
        assert!(message.contains("add_stations[0].city_adcode"), "{message}");
        assert_eq!(error.field(), Some("add_stations[0].city_adcode"));
    }

    #[test]
    fn an_unknown_station_names_its_path() {
        let network = Network::shipped().unwrap();
        let fleet = Fleet::from_network(&network);
        let scenario =
            Scenario::parse("s.json", r#"{"remove_stations": ["S001", "S999"]}"#).unwrap();
        let error = scenario.apply(&network.cities, &fleet).unwrap_err();
        assert_eq!(
            error.to_string(),
            "s.json: remove_stations[1]: station S999 is not in the network"
        );
        let misspelt = Scenario::parse("s.json", r#"{"remove_station": []}"#).unwrap_err();
        assert!(misspelt.to_string().contains("unknown field"), "{misspelt}");
    }
}
