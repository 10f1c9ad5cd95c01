//! VROOM's problem document as it arrives on the wire.
//!
//! Every key of VROOM's `docs/API.md` has a field here, including the ones
//! Ruyi cannot model (`shipments`, `steps`, …): they are read as opaque
//! values so that [`super::build`] can refuse them by name.
//!
//! Unknown keys: at the top level VROOM reads `vehicles`, `jobs`,
//! `shipments`, `matrices` and `matrix` and ignores anything else (clients
//! of vroom-express send `options`, others their own metadata), so Ruyi
//! ignores other top-level keys too and lists them in the answer's
//! `x-ruyi.ignored`. Inside a vehicle, job or break an unknown key is
//! refused by serde with its JSON path: there a typo would silently change
//! the problem.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::VroomError;

/// `[start, end]`, both inclusive, in seconds.
pub type TimeWindow = [u64; 2];

/// `[lon, lat]`.
pub type Coordinates = [f64; 2];

/// The top-level keys read; any other is ignored and listed.
pub const TOP_LEVEL_KEYS: [&str; 6] = [
    "vehicles",
    "jobs",
    "shipments",
    "matrices",
    "matrix",
    "x-ruyi",
];

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
    /// Top-level keys that are not read, in document order.
    #[serde(skip)]
    pub ignored: Vec<String>,
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
/// Top-level keys other than [`TOP_LEVEL_KEYS`] are set aside unread and
/// listed in [`Document::ignored`].
pub fn parse(bytes: &[u8]) -> Result<Document, VroomError> {
    let body = |error: serde_json::Error| VroomError::Malformed {
        field: "body".into(),
        message: error.to_string(),
    };
    // The top level first, values unparsed (a scan, no copies).
    let top: Vec<(String, Box<RawValue>)> =
        serde_json::from_slice::<TopLevel>(bytes).map_err(body)?.0;
    let mut known = String::with_capacity(bytes.len());
    let mut ignored = Vec::new();
    known.push('{');
    for (key, value) in &top {
        if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
            ignored.push(key.clone());
            continue;
        }
        if known.len() > 1 {
            known.push(',');
        }
        known.push_str(&serde_json::to_string(key).map_err(body)?);
        known.push(':');
        known.push_str(value.get());
    }
    known.push('}');
    let mut deserializer = serde_json::Deserializer::from_str(&known);
    let mut document: Document =
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
    deserializer.end().map_err(body)?;
    document.ignored = ignored;
    Ok(document)
}

/// A JSON object's entries in document order, values left unparsed.
struct TopLevel(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = TopLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a VROOM problem document (a JSON object)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TopLevel, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push(entry);
                }
                Ok(TopLevel(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
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
    fn sets_unknown_top_level_keys_aside_in_document_order() {
        let document =
            parse(br#"{"options":{"g":true},"vehicles":[{"id":1,"start_index":0}],"meta":[1,2]}"#)
                .unwrap();
        assert_eq!(document.ignored, vec!["options", "meta"]);
        assert_eq!(document.vehicles.len(), 1);
    }

    #[test]
    fn refuses_a_document_that_is_not_an_object() {
        let err = parse(b"[1, 2]").unwrap_err();
        assert_eq!(err.field(), "body", "{err}");
    }

    #[test]
    fn refuses_text_that_is_not_json() {
        let err = parse(b"{vehicles").unwrap_err();
        assert_eq!(err.field(), "body", "{err}");
    }
}
