use serde::{Deserialize, Serialize};

use super::{DomainError, GeoPoint, Region, StationId};

/// The three tiers of the service network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Tier 1: the national hotline, remote fixes only.
    CallCenter,
    /// Tier 2: the seven regional hubs.
    RegionalHub,
    /// Tier 3: authorized service providers (stations).
    AuthorizedProvider,
}

/// A prefecture-level city: a demand point with its population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct City {
    pub adcode: u32,
    pub name_zh: String,
    pub name_en: String,
    pub province_zh: String,
    pub province_en: String,
    pub location: GeoPoint,
    /// Census 2020 permanent residents; unknown for a few prefectures.
    pub population: Option<u64>,
    pub region: Region,
}

/// A regional hub (tier 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hub {
    pub region: Region,
    pub city_adcode: u32,
    pub name: String,
    pub location: GeoPoint,
}

/// An authorized service station (tier 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Station {
    id: StationId,
    name: String,
    city_adcode: u32,
    region: Region,
    location: GeoPoint,
}

impl Station {
    pub fn new(
        id: StationId,
        name: impl Into<String>,
        city_adcode: u32,
        region: Region,
        location: GeoPoint,
    ) -> Result<Self, DomainError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(DomainError::new("name", "must not be empty"));
        }
        Ok(Self {
            id,
            name,
            city_adcode,
            region,
            location,
        })
    }

    pub fn id(&self) -> &StationId {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn city_adcode(&self) -> u32 {
        self.city_adcode
    }
    pub fn region(&self) -> Region {
        self.region
    }
    pub fn location(&self) -> GeoPoint {
        self.location
    }
}
