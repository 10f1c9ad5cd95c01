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
        cells(points, |from, to| self.leg(points[from], points[to]))
    }
}

/// The matrix over `points` from a leg function of their indices.
fn cells(points: &[GeoPoint], mut leg: impl FnMut(usize, usize) -> Leg) -> TravelMatrix {
    let size = points.len();
    let mut durations = vec![0; size * size];
    let mut distances = vec![0; size * size];
    for from in 0..size {
        for to in 0..size {
            let leg = leg(from, to);
            durations[from * size + to] = leg.seconds.ceil() as i64;
            distances[from * size + to] = leg.meters.round() as i64;
        }
    }
    TravelMatrix::new(size, durations, distances).expect("a square matrix of non-negative legs")
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
    /// A model with these parameters: all positive and finite, and a
    /// circuity of at least 1.
    pub fn new(
        circuity: f64,
        city_kmh: f64,
        city_km: f64,
        highway_kmh: f64,
    ) -> Result<Self, TravelError> {
        for (parameter, value) in [
            (Parameter::Circuity, circuity),
            (Parameter::CityKmh, city_kmh),
            (Parameter::CityKm, city_km),
            (Parameter::HighwayKmh, highway_kmh),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(TravelError::NotPositive { parameter, value });
            }
        }
        if circuity < 1.0 {
            return Err(TravelError::CircuityBelowOne { value: circuity });
        }
        Ok(Self {
            circuity,
            city_kmh,
            city_km,
            highway_kmh,
        })
    }
}

/// A parameter of [`GreatCircle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    Circuity,
    CityKmh,
    CityKm,
    HighwayKmh,
}

/// Why travel model parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum TravelError {
    #[error("{value} is not a positive number")]
    NotPositive { parameter: Parameter, value: f64 },
    #[error("{value} is below 1 (roads are never shorter than the straight line)")]
    CircuityBelowOne { value: f64 },
}

impl TravelError {
    /// The parameter refused.
    pub fn parameter(&self) -> Parameter {
        match self {
            TravelError::NotPositive { parameter, .. } => *parameter,
            TravelError::CircuityBelowOne { .. } => Parameter::Circuity,
        }
    }
}

impl TravelModel for GreatCircle {
    fn name(&self) -> &str {
        "great-circle"
    }

    /// Each pair once: the haversine distance is symmetric to the last bit
    /// (a sine is odd, a product commutes), and so is a leg; the matrix is
    /// a hub's re-plan's largest cost after the search (7 % of a simulated
    /// greedy month).
    fn matrix(&self, points: &[GeoPoint]) -> TravelMatrix {
        let mut upper: Vec<Leg> = Vec::with_capacity(points.len() * (points.len() + 1) / 2);
        for from in 0..points.len() {
            for to in from..points.len() {
                upper.push(self.leg(points[from], points[to]));
            }
        }
        let size = points.len();
        // Row `a` of the upper triangle starts after the rows before it.
        let at = |a: usize, b: usize| a * size - a * (a + 1) / 2 + b;
        cells(points, |from, to| upper[at(from.min(to), from.max(to))])
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
    fn the_great_circle_matrix_is_every_leg_to_the_last_bit() {
        /// The model's legs through the trait's own all-pairs matrix.
        struct EveryPair(GreatCircle);
        impl TravelModel for EveryPair {
            fn name(&self) -> &str {
                "every pair"
            }
            fn leg(&self, from: GeoPoint, to: GeoPoint) -> Leg {
                self.0.leg(from, to)
            }
        }
        let points: Vec<GeoPoint> = (0..23)
            .map(|i| {
                let i = i as f64;
                point(18.0 + (i * 7.31) % 30.0, 75.0 + (i * 13.7) % 60.0)
            })
            .chain([point(30.0, 120.0), point(30.0, 120.0)])
            .collect();
        let model = GreatCircle::default();
        assert_eq!(model.matrix(&points), EveryPair(model).matrix(&points));
        assert_eq!(model.matrix(&[]).size(), 0);
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
    fn parameters_are_checked_by_name() {
        assert_eq!(
            GreatCircle::new(1.3, 30.0, 20.0, 80.0),
            Ok(GreatCircle::default())
        );
        let error = GreatCircle::new(1.3, 30.0, 0.0, 80.0).unwrap_err();
        assert_eq!(error.parameter(), Parameter::CityKm);
        assert_eq!(error.to_string(), "0 is not a positive number");
        let error = GreatCircle::new(0.9, 30.0, 20.0, 80.0).unwrap_err();
        assert_eq!(error, TravelError::CircuityBelowOne { value: 0.9 });
        assert!(GreatCircle::new(1.3, f64::NAN, 20.0, 80.0).is_err());
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
