//! The network repository: cities, hubs, stations and engineers. The
//! network is loaded as a whole (replace-all), because it is reference data
//! shipped or imported as one consistent set.

use super::rows::{CityRow, EngineerRow, HubRow, StationRow, certification_code, time_text};
use super::{StorageError, Store, in_transaction, on_pool};
use crate::domain::{City, Engineer, EngineerBase, EngineerId, Hub, Region, ShiftPattern, Station};

/// How many rows each network table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkCounts {
    pub cities: i64,
    pub hubs: i64,
    pub stations: i64,
    pub engineers: i64,
}

impl NetworkCounts {
    pub fn is_empty(&self) -> bool {
        self.cities == 0 && self.hubs == 0 && self.stations == 0 && self.engineers == 0
    }
}

const CITY_COLUMNS: &str =
    "adcode, name_zh, name_en, province_zh, province_en, lat, lon, population, region";
const ENGINEER_COLUMNS: &str = "id, name, base_kind, base_id, region, home_lat, home_lon, skills, \
     certification, shift_kind, shift_start, shift_end, shift_max_hours";

impl Store {
    /// Replaces the whole network in one transaction: the old cities, hubs,
    /// stations and engineers are gone only if the new ones are all stored.
    pub async fn replace_network(
        &self,
        cities: &[City],
        hubs: &[Hub],
        stations: &[Station],
        engineers: &[Engineer],
    ) -> Result<NetworkCounts, StorageError> {
        in_transaction!(self, |tx| {
            for table in ["engineers", "stations", "hubs", "cities"] {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *tx)
                    .await?;
            }
            for city in cities {
                sqlx::query(&format!(
                    "INSERT INTO cities ({CITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(i64::from(city.adcode))
                .bind(&city.name_zh)
                .bind(&city.name_en)
                .bind(&city.province_zh)
                .bind(&city.province_en)
                .bind(city.location.lat())
                .bind(city.location.lon())
                .bind(city.population.map(|p| p as i64))
                .bind(city.region.code())
                .execute(&mut *tx)
                .await?;
            }
            for hub in hubs {
                sqlx::query(
                    "INSERT INTO hubs (region, city_adcode, name, lat, lon) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hub.region.code())
                .bind(i64::from(hub.city_adcode))
                .bind(&hub.name)
                .bind(hub.location.lat())
                .bind(hub.location.lon())
                .execute(&mut *tx)
                .await?;
            }
            for station in stations {
                sqlx::query(
                    "INSERT INTO stations (id, name, city_adcode, region, lat, lon) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(station.id().as_str())
                .bind(station.name())
                .bind(i64::from(station.city_adcode()))
                .bind(station.region().code())
                .bind(station.location().lat())
                .bind(station.location().lon())
                .execute(&mut *tx)
                .await?;
            }
            for engineer in engineers {
                let (base_kind, base_id) = match engineer.base() {
                    EngineerBase::Station(id) => ("station", id.as_str().to_string()),
                    EngineerBase::Hub(region) => ("hub", region.code().to_string()),
                };
                let (shift_kind, shift_start, shift_end, shift_max_hours) = match engineer.shift() {
                    ShiftPattern::FiveByEight { start, end } => (
                        "five_by_eight",
                        Some(time_text(start)),
                        Some(time_text(end)),
                        None,
                    ),
                    ShiftPattern::OnCall { max_hours } => {
                        ("on_call", None, None, Some(i64::from(max_hours)))
                    }
                };
                let skills = engineer
                    .skills()
                    .iter()
                    .map(|skill| skill.code())
                    .collect::<Vec<_>>()
                    .join(",");
                sqlx::query(&format!(
                    "INSERT INTO engineers ({ENGINEER_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(engineer.id().as_str())
                .bind(engineer.name())
                .bind(base_kind)
                .bind(base_id)
                .bind(engineer.region().code())
                .bind(engineer.home().lat())
                .bind(engineer.home().lon())
                .bind(skills)
                .bind(certification_code(engineer.certification()))
                .bind(shift_kind)
                .bind(shift_start)
                .bind(shift_end)
                .bind(shift_max_hours)
                .execute(&mut *tx)
                .await?;
            }
        });
        tracing::info!(
            cities = cities.len(),
            hubs = hubs.len(),
            stations = stations.len(),
            engineers = engineers.len(),
            "network replaced"
        );
        self.network_counts().await
    }

    pub async fn network_counts(&self) -> Result<NetworkCounts, StorageError> {
        let mut counts = [0i64; 4];
        for (count, table) in counts
            .iter_mut()
            .zip(["cities", "hubs", "stations", "engineers"])
        {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            *count = on_pool!(self, |pool| sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(pool)
                .await?);
        }
        let [cities, hubs, stations, engineers] = counts;
        Ok(NetworkCounts {
            cities,
            hubs,
            stations,
            engineers,
        })
    }

    pub async fn city(&self, adcode: u32) -> Result<Option<City>, StorageError> {
        let sql = format!("SELECT {CITY_COLUMNS} FROM cities WHERE adcode = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, CityRow>(&sql)
            .bind(i64::from(adcode))
            .fetch_optional(pool)
            .await?);
        row.map(CityRow::into_domain).transpose()
    }

    pub async fn cities(&self) -> Result<Vec<City>, StorageError> {
        let sql = format!("SELECT {CITY_COLUMNS} FROM cities ORDER BY adcode");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, CityRow>(&sql)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(CityRow::into_domain).collect()
    }

    pub async fn hubs(&self) -> Result<Vec<Hub>, StorageError> {
        let sql = "SELECT region, city_adcode, name, lat, lon FROM hubs ORDER BY region";
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, HubRow>(sql)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(HubRow::into_domain).collect()
    }

    pub async fn stations_in_region(&self, region: Region) -> Result<Vec<Station>, StorageError> {
        let sql = "SELECT id, name, city_adcode, region, lat, lon FROM stations \
                   WHERE region = $1 ORDER BY id";
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, StationRow>(sql)
            .bind(region.code())
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(StationRow::into_domain).collect()
    }

    /// The engineers a hub plans with: those of its region, by id.
    pub async fn engineers_in_region(&self, region: Region) -> Result<Vec<Engineer>, StorageError> {
        let sql = format!("SELECT {ENGINEER_COLUMNS} FROM engineers WHERE region = $1 ORDER BY id");
        let rows = on_pool!(self, |pool| sqlx::query_as::<_, EngineerRow>(&sql)
            .bind(region.code())
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(EngineerRow::into_domain).collect()
    }

    pub async fn engineer(&self, id: &EngineerId) -> Result<Option<Engineer>, StorageError> {
        let sql = format!("SELECT {ENGINEER_COLUMNS} FROM engineers WHERE id = $1");
        let row = on_pool!(self, |pool| sqlx::query_as::<_, EngineerRow>(&sql)
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?);
        row.map(EngineerRow::into_domain).transpose()
    }
}
