use serde::{Deserialize, Serialize};

use super::DomainError;

/// A WGS84 position. Latitude and longitude are range-checked so that a
/// swapped pair (a common input mistake: lon 116 as a latitude) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint", into = "RawPoint")]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

#[derive(Serialize, Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Result<Self, DomainError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(DomainError::new(
                "lat",
                format!("latitude {lat} is outside -90..90"),
            ));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(DomainError::new(
                "lon",
                format!("longitude {lon} is outside -180..180"),
            ));
        }
        Ok(Self { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres (haversine on the mean earth radius).
    pub fn haversine_meters(&self, other: &GeoPoint) -> f64 {
        use geo::{Distance, Haversine, Point};
        Haversine.distance(
            Point::new(self.lon, self.lat),
            Point::new(other.lon, other.lat),
        )
    }
}

impl TryFrom<RawPoint> for GeoPoint {
    type Error = DomainError;
    fn try_from(raw: RawPoint) -> Result<Self, Self::Error> {
        GeoPoint::new(raw.lat, raw.lon)
    }
}

impl From<GeoPoint> for RawPoint {
    fn from(p: GeoPoint) -> Self {
        RawPoint {
            lat: p.lat,
            lon: p.lon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_out_of_range_latitude() {
        let err = GeoPoint::new(116.4, 39.9).unwrap_err();
        assert_eq!(err.field, "lat");
    }

    #[test]
    fn refuses_nan() {
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert_eq!(GeoPoint::new(0.0, f64::INFINITY).unwrap_err().field, "lon");
    }

    #[test]
    fn beijing_to_shanghai_is_about_1070_km() {
        let beijing = GeoPoint::new(39.90281, 116.40115).unwrap();
        let shanghai = GeoPoint::new(31.23037, 121.4737).unwrap();
        let km = beijing.haversine_meters(&shanghai) / 1000.0;
        assert!((1050.0..1090.0).contains(&km), "{km}");
    }
}
