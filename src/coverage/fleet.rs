//! The places engineers leave from — authorized stations and the hubs'
//! own teams — with the engineers based there. Coverage, siting and what-if
//! scenarios all work on a [`Fleet`]: a scenario edits a copy, and the
//! dispatcher replays with the edited engineers.

use serde::Serialize;

use crate::domain::{
    Certification, City, Engineer, EngineerBase, EngineerId, GeoPoint, Region, ShiftPattern, Skill,
    StationId,
};
use crate::network::Network;

use super::CoverageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// An authorized service station (tier 3).
    Station,
    /// A regional hub's own team (tier 2): hub engineers go on site too.
    Hub,
    /// A station proposed by siting; not in the network yet.
    Proposed,
}

/// One base: where its engineers start and end their day.
#[derive(Debug, Clone)]
pub struct Base {
    /// The station id (`S042`), `hub:<region>` for a hub's team, or the
    /// proposed id of a new site.
    pub id: String,
    pub kind: BaseKind,
    pub name: String,
    pub city_adcode: u32,
    pub region: Region,
    pub location: GeoPoint,
    pub engineers: Vec<Engineer>,
}

impl Base {
    /// A base without engineers sends nobody, so it covers nothing.
    pub fn is_staffed(&self) -> bool {
        !self.engineers.is_empty()
    }
}

/// All bases, stations first in network order, then the seven hubs.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub bases: Vec<Base>,
}

impl Fleet {
    pub fn from_network(network: &Network) -> Self {
        let mut bases: Vec<Base> = network
            .stations
            .iter()
            .map(|station| Base {
                id: station.id().to_string(),
                kind: BaseKind::Station,
                name: station.name().to_string(),
                city_adcode: station.city_adcode(),
                region: station.region(),
                location: station.location(),
                engineers: Vec::new(),
            })
            .collect();
        bases.extend(network.hubs.iter().map(|hub| Base {
            id: hub_base_id(hub.region),
            kind: BaseKind::Hub,
            name: hub.name.clone(),
            city_adcode: hub.city_adcode,
            region: hub.region,
            location: hub.location,
            engineers: Vec::new(),
        }));
        let mut fleet = Self { bases };
        for engineer in &network.engineers {
            let id = match engineer.base() {
                EngineerBase::Station(station) => station.to_string(),
                EngineerBase::Hub(region) => hub_base_id(*region),
            };
            if let Some(index) = fleet.index_of(&id) {
                fleet.bases[index].engineers.push(engineer.clone());
            }
        }
        fleet
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.bases.iter().position(|base| base.id == id)
    }

    pub fn staffed(&self) -> impl Iterator<Item = &Base> {
        self.bases.iter().filter(|base| base.is_staffed())
    }

    pub fn engineer_count(&self) -> usize {
        self.bases.iter().map(|base| base.engineers.len()).sum()
    }

    /// The engineers of one hub region, as the dispatcher wants them.
    pub fn engineers_of(&self, region: Region) -> Vec<Engineer> {
        self.bases
            .iter()
            .flat_map(|base| &base.engineers)
            .filter(|engineer| engineer.region() == region)
            .cloned()
            .collect()
    }

    /// Adds a new station at a city's centre with `engineers` new
    /// engineers (see [`new_engineers`]).
    pub fn open_station(
        &mut self,
        id: &str,
        name: &str,
        kind: BaseKind,
        city: &City,
        engineers: usize,
    ) -> Result<(), CoverageError> {
        if self.index_of(id).is_some() {
            return Err(CoverageError::invalid("id", format!("{id} already exists")));
        }
        let mut base = Base {
            id: id.to_string(),
            kind,
            name: name.to_string(),
            city_adcode: city.adcode,
            region: city.region,
            location: city.location,
            engineers: Vec::new(),
        };
        base.engineers = new_engineers(&base, 0, engineers)?;
        self.bases.push(base);
        Ok(())
    }
}

pub fn hub_base_id(region: Region) -> String {
    format!("hub:{region}")
}

/// Engineers for a new or grown base. A planner's "one more engineer" has
/// no name or CV yet, so a new engineer holds every skill (a station is
/// staffed for what its area needs) and works office hours; the first of a
/// new base is senior so severity-1 faults can be served.
pub fn new_engineers(
    base: &Base,
    already: usize,
    count: usize,
) -> Result<Vec<Engineer>, CoverageError> {
    (already..already + count)
        .map(|number| {
            let station_part: String = base
                .id
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let id = EngineerId::parse(format!("{station_part}-N{}", number + 1))
                .map_err(|e| CoverageError::invalid("id", e.message))?;
            let engineer_base = match base.kind {
                BaseKind::Hub => EngineerBase::Hub(base.region),
                BaseKind::Station | BaseKind::Proposed => EngineerBase::Station(
                    StationId::parse(station_part.clone())
                        .map_err(|e| CoverageError::invalid("id", e.message))?,
                ),
            };
            let certification = if number == 0 {
                Certification::Senior
            } else {
                Certification::Intermediate
            };
            Engineer::new(crate::domain::EngineerProfile {
                id,
                name: format!("New engineer {} of {}", number + 1, base.name),
                base: engineer_base,
                region: base.region,
                home: base.location,
                skills: Skill::ALL.to_vec(),
                certification,
                shift: ShiftPattern::office_hours(),
            })
            .map_err(|e| CoverageError::invalid(e.field, e.message))
        })
        .collect()
}

/// The same engineer, based somewhere else (a moved station).
pub fn rehome(engineer: &Engineer, base: &Base) -> Result<Engineer, CoverageError> {
    Engineer::new(crate::domain::EngineerProfile {
        id: engineer.id().clone(),
        name: engineer.name().into(),
        base: engineer.base().clone(),
        region: base.region,
        home: base.location,
        skills: engineer.skills().to_vec(),
        certification: engineer.certification(),
        shift: engineer.shift(),
    })
    .map_err(|e| CoverageError::invalid(e.field, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_fleet_holds_every_engineer() {
        let network = Network::shipped().unwrap();
        let fleet = Fleet::from_network(&network);
        assert_eq!(fleet.bases.len(), network.stations.len() + 7);
        assert_eq!(fleet.engineer_count(), network.engineers.len());
        assert!(fleet.bases.iter().all(Base::is_staffed));
        assert_eq!(
            fleet.engineers_of(Region::East).len(),
            network.engineers_of(Region::East).len()
        );
    }

    #[test]
    fn a_new_station_gets_a_senior_first() {
        let network = Network::shipped().unwrap();
        let mut fleet = Fleet::from_network(&network);
        let lhasa = network.city(540100).unwrap();
        fleet
            .open_station("S901", "Lhasa New", BaseKind::Proposed, lhasa, 3)
            .unwrap();
        let base = &fleet.bases[fleet.index_of("S901").unwrap()];
        assert_eq!(base.engineers.len(), 3);
        assert_eq!(base.engineers[0].certification(), Certification::Senior);
        assert_eq!(base.engineers[2].id().as_str(), "S901-N3");
        assert!(
            fleet
                .open_station("S901", "again", BaseKind::Proposed, lhasa, 1)
                .is_err()
        );
    }
}
