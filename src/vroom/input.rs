//! VROOM's problem document as it arrives on the wire.
//!
//! Every key of VROOM's `docs/API.md` has a field here, including the ones
//! Ruyi cannot model (`shipments`, `steps`, `max_distance`, …): they are
//! read as opaque values so that [`super::build`] can refuse them by name.
//! An unknown key is refused by serde with its JSON path, so nothing in a
//! document is ever silently ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::VroomError;

/// `[start, end]`, both inclusive, in seconds.
pub type TimeWindow = [u64; 2];

/// `[lon, lat]`.
pub type Coordinates = [f64; 2];

/// The whole problem document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub vehicles: Vec<VehicleInput>,
    #[serde(default)]
    pub jobs: Vec<JobInput>,
    /// Refused unless empty: Ruyi has no pickup-and-delivery pairs.
    pub shipments: Option<Value>,
    /// Per-profile custom matrices.
    pub matrices: Option<BTreeMap<String, MatrixSet>>,
    /// VROOM's deprecated single matrix: refused, pointing at `matrices`.
    pub matrix: Option<Value>,
    /// Ruyi's own options; VROOM ignores keys it does not know, and the
    /// `x-` prefix keeps ours from ever meaning something to it.
    #[serde(rename = "x-ruyi", default)]
    pub ruyi: RuyiOptions,
}

/// Options beyond VROOM's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuyiOptions {
    /// Search budget in seconds (default 1).
    pub time_limit: Option<f64>,
    /// Seed of the search (default 1): same seed, same document, same plan.
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    pub id: u64,
    pub profile: Option<String>,
    pub description: Option<String>,
    pub start: Option<Coordinates>,
    pub start_index: Option<usize>,
    pub end: Option<Coordinates>,
    pub end_index: Option<usize>,
    pub capacity: Option<Vec<i64>>,
    pub costs: Option<CostsInput>,
    pub skills: Option<Vec<u64>>,
    /// Only meaningful with `*_per_type` keys, which are refused.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub time_window: Option<TimeWindow>,
    pub breaks: Option<Vec<BreakInput>>,
    pub speed_factor: Option<f64>,
    pub max_tasks: Option<u64>,
    pub max_travel_time: Option<u64>,
    pub max_distance: Option<u64>,
    /// Plan mode / warm start: refused unless empty.
    pub steps: Option<Value>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostsInput {
    #[serde(default)]
    pub fixed: u64,
    #[serde(default = "default_per_hour")]
    pub per_hour: u64,
    #[serde(default)]
    pub per_task_hour: u64,
    #[serde(default)]
    pub per_km: u64,
}

fn default_per_hour() -> u64 {
    3600
}

impl Default for CostsInput {
    fn default() -> Self {
        CostsInput {
            fixed: 0,
            per_hour: default_per_hour(),
            per_task_hour: 0,
            per_km: 0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakInput {
    pub id: u64,
    pub time_windows: Option<Vec<TimeWindow>>,
    #[serde(default)]
    pub service: u64,
    pub description: Option<String>,
    pub max_load: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobInput {
    pub id: u64,
    pub description: Option<String>,
    pub location: Option<Coordinates>,
    pub location_index: Option<usize>,
    #[serde(default)]
    pub setup: u64,
    #[serde(default)]
    pub service: u64,
    pub setup_per_type: Option<Value>,
    pub service_per_type: Option<Value>,
    /// Deprecated in VROOM; refused, pointing at `delivery`.
    pub amount: Option<Value>,
    pub delivery: Option<Vec<i64>>,
    pub pickup: Option<Vec<i64>>,
    pub skills: Option<Vec<u64>>,
    #[serde(default)]
    pub priority: u64,
    pub time_windows: Option<Vec<TimeWindow>>,
}

/// One profile's matrices, rows of whole numbers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSet {
    pub durations: Option<Vec<Vec<u64>>>,
    pub distances: Option<Vec<Vec<u64>>>,
    pub costs: Option<Vec<Vec<u64>>>,
}

/// Parses a document, naming the JSON path of the first thing wrong
/// (`vehicles[0].time_window`, `jobs[3].priority`, or the missing key).
pub fn parse(bytes: &[u8]) -> Result<Document, VroomError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let document: Document =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let field = if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                "body".to_string()
            } else if path == "." {
                // serde reports a missing key at its parent: name the key.
                let message = inner.to_string();
                match message.split('`').nth(1) {
                    Some(name) if message.starts_with("missing field") => name.to_string(),
                    _ => "body".to_string(),
                }
            } else {
                path
            };
            VroomError::Malformed {
                field,
                message: inner.to_string(),
            }
        })?;
    deserializer.end().map_err(|error| VroomError::Malformed {
        field: "body".into(),
        message: error.to_string(),
    })?;
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_path_of_a_wrong_type() {
        let err = parse(br#"{"vehicles":[{"id":1,"time_window":[0]}]}"#).unwrap_err();
        assert_eq!(err.field(), "vehicles[0].time_window", "{err}");
    }

    #[test]
    fn names_a_missing_key() {
        let err = parse(br#"{"jobs":[]}"#).unwrap_err();
        assert_eq!(err.field(), "vehicles", "{err}");
    }

    #[test]
    fn names_an_unknown_key() {
        let err = parse(br#"{"vehicles":[{"id":1,"colour":"red"}]}"#).unwrap_err();
        assert_eq!(err.field(), "vehicles[0].colour", "{err}");
    }

    #[test]
    fn refuses_text_that_is_not_json() {
        let err = parse(b"{vehicles").unwrap_err();
        assert_eq!(err.field(), "body", "{err}");
    }
}
