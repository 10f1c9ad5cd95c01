use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{EngineerId, GeoPoint, PartCode, PartSource, Region, StockPoint, TicketId};

/// Why an engineer goes to a site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// A ticket's fault repair.
    #[default]
    Fault,
    /// A key customer's two-monthly system analysis, fitted into slack; its
    /// `ticket_id` names the key customer's visit (`PM-…`), not a ticket.
    Preventive,
}

impl VisitKind {
    pub fn code(self) -> &'static str {
        match self {
            VisitKind::Fault => "fault",
            VisitKind::Preventive => "preventive",
        }
    }
}

/// One planned visit on an engineer's route, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// 1-based position in the route.
    pub sequence: u32,
    #[serde(default)]
    pub kind: VisitKind,
    pub ticket_id: TicketId,
    pub location: GeoPoint,
    pub arrival: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub departure: DateTime<Utc>,
    /// The ticket's SLA clocks, copied so a route can be read on its own.
    pub on_site_by: DateTime<Utc>,
    pub repaired_by: DateTime<Utc>,
    /// Minutes past `on_site_by` at arrival (0 when on time).
    pub late_minutes: i64,
    /// Kilometres driven from the previous stop (or the base).
    pub km_from_previous: f64,
    /// Why a late visit is late, found by trying it: `unreachable_in_time`
    /// (no qualified engineer could be there by the deadline even leaving
    /// at the start of their shift) or `engineers_busy` (one could, with a
    /// lighter day), with the engineer and the earliest arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_reason: Option<String>,
}

/// An engineer's day: leave the base, make the visits, come back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineerRoute {
    pub engineer_id: EngineerId,
    pub base: GeoPoint,
    pub leave_at: DateTime<Utc>,
    pub return_at: DateTime<Utc>,
    pub km: f64,
    pub visits: Vec<Visit>,
    /// The lunch break, if the day runs through lunch.
    pub lunch: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Why a ticket is not on the day's routes: a stable code, the same on
/// the wire (snake_case) and in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// No working engineer of the region may serve it (skill, seniority,
    /// or no station within reach).
    NoEngineerWithSkill,
    /// No qualified engineer can reach it within their shift.
    Unreachable,
    /// Every qualified engineer's day is full.
    NoRoom,
    /// No qualified engineer can carry what it needs.
    ExceedsCapacity,
    /// Its part is on order; the repair visit waits for it.
    AwaitingPart,
    /// Not served today; tentatively on tomorrow's plan.
    PlannedTomorrow,
    /// An emergency could be placed only by changing more visits than
    /// allowed.
    TooManyChanges,
    /// Gave way to a severity-1 fault inserted into the day.
    DeferredForEmergency,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 8] = [
        ReasonCode::NoEngineerWithSkill,
        ReasonCode::Unreachable,
        ReasonCode::NoRoom,
        ReasonCode::ExceedsCapacity,
        ReasonCode::AwaitingPart,
        ReasonCode::PlannedTomorrow,
        ReasonCode::TooManyChanges,
        ReasonCode::DeferredForEmergency,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReasonCode::NoEngineerWithSkill => "no_engineer_with_skill",
            ReasonCode::Unreachable => "unreachable",
            ReasonCode::NoRoom => "no_room",
            ReasonCode::ExceedsCapacity => "exceeds_capacity",
            ReasonCode::AwaitingPart => "awaiting_part",
            ReasonCode::PlannedTomorrow => "planned_tomorrow",
            ReasonCode::TooManyChanges => "too_many_changes",
            ReasonCode::DeferredForEmergency => "deferred_for_emergency",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, super::DomainError> {
        Self::ALL
            .into_iter()
            .find(|code| code.code() == raw)
            .ok_or_else(|| {
                super::DomainError::new("reason", format!("{raw:?} is not a reason code"))
            })
    }
}

/// Compares with the wire code, so a reason reads as it is documented.
impl PartialEq<&str> for ReasonCode {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A ticket the plan could not place, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnassignedTicket {
    pub ticket_id: TicketId,
    pub reason: ReasonCode,
    /// The same in words, with what would fix it where known.
    pub detail: String,
}

/// Backup equipment for a customer whose repair cannot be finished within
/// the 48 h limit: the service plan's answer to a repair that runs late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loaner {
    pub ticket_id: TicketId,
    /// The repair deadline the loaner covers for.
    pub repaired_by: DateTime<Utc>,
    /// Where the equipment comes from: the nearest station, or the hub
    /// (`station S014`, `east hub` on the wire).
    #[serde(with = "loaner_source")]
    pub source: StockPoint,
    /// Why it is needed and how it goes, in words.
    pub detail: String,
}

/// What planning did about a part swap's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartAction {
    /// Taken from the stock where the serving engineer starts.
    Reserved,
    /// None in reach: ordered to `base`; today's visit only diagnoses, the
    /// repair visit is planned once the part has arrived.
    Ordered,
}

impl PartAction {
    pub fn code(self) -> &'static str {
        match self {
            PartAction::Reserved => "reserved",
            PartAction::Ordered => "ordered",
        }
    }
}

/// A part a roster takes from stock or orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartPlan {
    pub ticket_id: TicketId,
    pub part: PartCode,
    pub action: PartAction,
    /// The stock point (`S042`, or `hub:east` for a hub's warehouse) the
    /// part is taken from, or, when ordered, the one it is delivered to.
    pub base: StockPoint,
    /// Where the unit comes from: `base` itself when reserved; for an
    /// order, a hub's warehouse (`hub:east`) or `maker`.
    pub source: PartSource,
    /// When an ordered part arrives at `base`.
    pub arrives_at: Option<DateTime<Utc>>,
    pub detail: String,
}

impl PartPlan {
    /// The stock point whose count drops by one when this plan is stored:
    /// the shelf a reserved unit is taken from, or the hub warehouse an
    /// ordered unit leaves; none for a unit the maker sends.
    pub fn unit_taken_from(&self) -> Option<&StockPoint> {
        self.source.stock_point()
    }
}

/// A loaner's source in words (`station S014`, `east hub`), as the wire
/// format has always had it.
mod loaner_source {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::StockPoint;

    pub fn serialize<S: Serializer>(point: &StockPoint, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&point.words())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StockPoint, D::Error> {
        let raw = String::deserialize(deserializer)?;
        StockPoint::parse_words(&raw).map_err(serde::de::Error::custom)
    }
}

/// How a call-center remote attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteOutcome {
    /// Solved by phone or remote control: no visit needed.
    Resolved,
    /// Not solvable remotely: the ticket goes to the routes.
    Dispatched,
}

impl RemoteOutcome {
    pub fn code(self) -> &'static str {
        match self {
            RemoteOutcome::Resolved => "resolved",
            RemoteOutcome::Dispatched => "dispatched",
        }
    }
}

/// One remote attempt by the call center (tier 1) before dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteAttempt {
    pub ticket_id: TicketId,
    /// The agent (0-based) who handled it.
    pub agent: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub outcome: RemoteOutcome,
    /// Whether the attempt began within the contract's response limit.
    pub responded_in_time: bool,
}

/// How the assignment MIP ended: its objective (estimated cost, in
/// kilometre-equivalents), the lower bound HiGHS proved, and the gap
/// between them — how far from the best assignment under the same
/// estimates the one used can be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentReport {
    pub objective: f64,
    pub bound: f64,
    /// `100 · (objective − bound) / objective`.
    pub gap_percent: f64,
    /// HiGHS's model status (`Optimal`, `ReachedIterationLimit`, …).
    pub status: String,
    pub variables: u32,
    pub seconds: f64,
    /// Days whose routes were built from the MIP's assignment: today is
    /// routed from it and from scratch and the cheaper plan kept; a later,
    /// tentative day is always routed from it.
    #[serde(default)]
    pub seeded_days: u32,
}

/// The working minutes (leaving the base to coming back, lunch excluded)
/// of one station's engineers on the published day, engineers without
/// visits counted as 0: how evenly the station's work is spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationWorkload {
    /// `station S001`, or `the east hub` for hub engineers.
    pub base: String,
    pub engineers: u32,
    pub min_minutes: f64,
    pub max_minutes: f64,
    pub mean_minutes: f64,
    pub std_minutes: f64,
}

impl StationWorkload {
    /// The group's working minutes summed up; `None` for an empty group.
    pub fn of(base: String, minutes: &[f64]) -> Option<Self> {
        if minutes.is_empty() {
            return None;
        }
        let n = minutes.len() as f64;
        let mean = minutes.iter().sum::<f64>() / n;
        let variance = minutes.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / n;
        Some(Self {
            base,
            engineers: minutes.len() as u32,
            min_minutes: minutes.iter().copied().fold(f64::INFINITY, f64::min),
            max_minutes: minutes.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            mean_minutes: mean,
            std_minutes: variance.sqrt(),
        })
    }

    pub fn spread_minutes(&self) -> f64 {
        self.max_minutes - self.min_minutes
    }
}

/// Figures a coordinator reads first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterSummary {
    /// Every ticket the roster considered, remote ones included.
    pub tickets: u32,
    /// Tickets the call center resolved remotely.
    #[serde(default)]
    pub resolved_remotely: u32,
    pub assigned: u32,
    pub engineers_available: u32,
    pub engineers_used: u32,
    /// Assigned visits that arrive by their 12 h on-site deadline.
    pub on_time: u32,
    /// Tickets whose on-site deadline a qualified engineer of the day could
    /// still meet at the plan's "now" (leaving at once): the ones a plan
    /// can be judged on.
    #[serde(default)]
    pub reachable: u32,
    /// Of those, the ones the routes reach in time.
    #[serde(default)]
    pub on_time_reachable: u32,
    /// Tickets already past their on-site deadline at "now": no plan made
    /// then can be on time for them (the live dispatcher's job).
    #[serde(default)]
    pub overdue_at_now: u32,
    pub km: f64,
    pub objective: i64,
    pub solve_seconds: f64,
    /// Preventive visits placed in slack (not counted in `assigned`).
    #[serde(default)]
    pub preventive_placed: u32,
    /// Key customers' analyses that were due and found no slack.
    #[serde(default)]
    pub preventive_due: u32,
    /// The assignment MIP's objective, bound and gap, when one was solved.
    #[serde(default)]
    pub assignment: Option<AssignmentReport>,
    /// Tickets tentatively planned for the next day (still open: only the
    /// published day's visits mark tickets planned).
    #[serde(default)]
    pub tomorrow_planned: u32,
    /// Of those, the tickets whose 48 h repair limit falls by the end of
    /// the next day: the ones tomorrow's plan must not slip.
    #[serde(default)]
    pub tomorrow_repair_due: u32,
    /// Mean over stations (with two engineers or more) of the max − min of
    /// their engineers' working minutes on the published day.
    #[serde(default)]
    pub workload_spread_minutes: f64,
    /// Mean over the same stations of the standard deviation.
    #[serde(default)]
    pub workload_std_minutes: f64,
}

/// A hub's plan for one day, as stored and published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    /// Set by storage when the roster is saved.
    pub id: Option<i64>,
    pub hub: Region,
    pub date: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// The plan's "now": no visit on it starts earlier, and visits begun by
    /// then on the revision it replaces are kept as they were.
    pub now: DateTime<Utc>,
    /// The revision of the same hub and day this one replaces, if any: the
    /// newest revision is the one in force.
    #[serde(default)]
    pub replaces: Option<i64>,
    pub routes: Vec<EngineerRoute>,
    pub unassigned: Vec<UnassignedTicket>,
    /// Loaners to deliver because a repair will miss its 48 h limit.
    #[serde(default)]
    pub loaners: Vec<Loaner>,
    /// The call center's remote attempts on the hub's tickets; those it
    /// resolved need no visit and are in no route.
    #[serde(default)]
    pub remote: Vec<RemoteAttempt>,
    /// Parts taken from stock for today's swaps, and parts ordered.
    #[serde(default)]
    pub parts: Vec<PartPlan>,
    /// Working minutes per station on the published day.
    #[serde(default)]
    pub workloads: Vec<StationWorkload>,
    pub summary: RosterSummary,
}

impl Roster {
    /// The roster as a GeoJSON FeatureCollection, for any map viewer: one
    /// LineString per engineer (base → visits → base, `[lon, lat]` as
    /// GeoJSON wants) and one Point per visit with its times and deadlines.
    pub fn to_geojson(&self) -> serde_json::Value {
        use serde_json::json;
        let position = |point: &GeoPoint| json!([point.lon(), point.lat()]);
        let mut features = Vec::new();
        for route in &self.routes {
            let mut line = vec![position(&route.base)];
            line.extend(route.visits.iter().map(|visit| position(&visit.location)));
            line.push(position(&route.base));
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "hub": self.hub,
                    "date": self.date,
                    "engineer_id": route.engineer_id,
                    "leave_at": route.leave_at,
                    "return_at": route.return_at,
                    "km": route.km,
                    "visits": route.visits.len(),
                },
            }));
            features.extend(route.visits.iter().map(|visit| {
                json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": position(&visit.location)},
                    "properties": {
                        "engineer_id": route.engineer_id,
                        "sequence": visit.sequence,
                        "ticket_id": visit.ticket_id,
                        "arrival": visit.arrival,
                        "on_site_by": visit.on_site_by,
                        "repaired_by": visit.repaired_by,
                        "late_minutes": visit.late_minutes,
                    },
                })
            }));
        }
        json!({"type": "FeatureCollection", "features": features})
    }
}
