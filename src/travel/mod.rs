//! Travel models: how long and how far from one position to another.
//!
//! Dispatch and coverage ask a [`TravelModel`] for a matrix over the
//! positions they care about and hand it to the optimization core, which
//! never sees coordinates. The shipped model is great-circle distance with a
//! circuity factor and average speeds ([`GreatCircle`]); a road-network
//! matrix (e.g. OSRM's table service) can replace it behind the same trait.

use crate::domain::GeoPoint;
use crate::optimize::TravelMatrix;

/// One leg of travel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    pub meters: f64,
    pub seconds: f64,
}

pub trait TravelModel: Send + Sync {
    /// A short name for reports ("great-circle", "osrm", …).
    fn name(&self) -> &str;

    fn leg(&self, from: GeoPoint, to: GeoPoint) -> Leg;

    /// Durations (whole seconds, rounded up so a plan that fits the matrix
    /// fits the model) and distances (whole metres) between all `points`.
    fn matrix(&self, points: &[GeoPoint]) -> TravelMatrix {
        let size = points.len();
        let mut durations = Vec::with_capacity(size * size);
        let mut distances = Vec::with_capacity(size * size);
        for from in points {
            for to in points {
                let leg = self.leg(*from, *to);
                durations.push(leg.seconds.ceil() as i64);
                distances.push(leg.meters.round() as i64);
            }
        }
        TravelMatrix::new(size, durations, distances).expect("a square matrix of non-negative legs")
    }
}

/// Great-circle distance stretched by a circuity factor, driven at two
/// average speeds: city speed for the first `city_km` of road, highway speed
/// beyond. Road distance in China runs about 1.2–1.4× the straight line
/// (a common planning figure); the defaults below are conservative so that
/// a promised arrival is rarely missed on the road.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GreatCircle {
    /// Road kilometres per straight-line kilometre.
    pub circuity: f64,
    /// Average speed in town, km/h.
    pub city_kmh: f64,
    /// Road kilometres driven at city speed before the highway.
    pub city_km: f64,
    /// Average speed between towns, km/h.
    pub highway_kmh: f64,
}

impl Default for GreatCircle {
    fn default() -> Self {
        Self {
            circuity: 1.3,
            city_kmh: 30.0,
            city_km: 20.0,
            highway_kmh: 80.0,
        }
    }
}

impl GreatCircle {
    /// Reads overrides from `RUYI_CIRCUITY`, `RUYI_CITY_KMH`, `RUYI_CITY_KM`
    /// and `RUYI_HIGHWAY_KMH`; a value that does not parse as a positive
    /// number is an error naming the variable.
    pub fn from_env() -> Result<Self, String> {
        let mut model = Self::default();
        for (name, slot) in [
            ("RUYI_CIRCUITY", &mut model.circuity),
            ("RUYI_CITY_KMH", &mut model.city_kmh),
            ("RUYI_CITY_KM", &mut model.city_km),
            ("RUYI_HIGHWAY_KMH", &mut model.highway_kmh),
        ] {
            if let Ok(raw) = std::env::var(name) {
                match raw.parse::<f64>() {
                    Ok(value) if value > 0.0 && value.is_finite() => *slot = value,
                    _ => return Err(format!("{name}={raw:?} is not a positive number")),
                }
            }
        }
        if model.circuity < 1.0 {
            return Err(
                "RUYI_CIRCUITY must be at least 1 (roads are never shorter than the straight line)"
                    .into(),
            );
        }
        Ok(model)
    }
}

impl TravelModel for GreatCircle {
    fn name(&self) -> &str {
        "great-circle"
    }

    fn leg(&self, from: GeoPoint, to: GeoPoint) -> Leg {
        let road_km = from.haversine_meters(&to) / 1000.0 * self.circuity;
        let city_part = road_km.min(self.city_km);
        let highway_part = road_km - city_part;
        let hours = city_part / self.city_kmh + highway_part / self.highway_kmh;
        Leg {
            meters: road_km * 1000.0,
            seconds: hours * 3600.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).unwrap()
    }

    #[test]
    fn a_short_hop_is_driven_at_city_speed() {
        let model = GreatCircle::default();
        // About 10 km apart in a straight line: 13 road km at 30 km/h.
        let leg = model.leg(point(30.0, 120.0), point(30.09, 120.0));
        assert!((leg.meters - 13_000.0).abs() < 200.0, "{leg:?}");
        assert!((leg.seconds - 13.0 / 30.0 * 3600.0).abs() < 30.0, "{leg:?}");
    }

    #[test]
    fn a_long_leg_is_mostly_highway() {
        let model = GreatCircle::default();
        let beijing = point(39.90281, 116.40115);
        let tianjin = point(39.08314, 117.19468);
        let leg = model.leg(beijing, tianjin);
        let road_km = leg.meters / 1000.0;
        let expected_hours = 20.0 / 30.0 + (road_km - 20.0) / 80.0;
        assert!((leg.seconds / 3600.0 - expected_hours).abs() < 1e-9);
        assert!((140.0..170.0).contains(&road_km), "{road_km}");
    }

    #[test]
    fn matrix_is_square_and_zero_on_the_diagonal() {
        let points = [point(30.0, 120.0), point(31.0, 121.0), point(32.0, 119.0)];
        let matrix = GreatCircle::default().matrix(&points);
        assert_eq!(matrix.size(), 3);
        assert_eq!(matrix.duration(1, 1), 0);
        assert!(matrix.distance(0, 1) > 100_000);
    }
}
