//! Spare-part stock: where parts are kept, how many, and what is on order.
//!
//! Plain facts about the network's shelves, shared by the dispatcher (which
//! decides what a plan takes or orders), storage (which persists it) and
//! the network loader (which reads the shipped stock).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DomainError, Engineer, EngineerBase, PartCode, Region, StationId, TicketId};

/// Where parts are kept: a station's shelf or a hub's warehouse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StockPoint {
    Station(StationId),
    Hub(Region),
}

impl StockPoint {
    /// Where an engineer starts, as a stock point.
    pub fn of(engineer: &Engineer) -> Self {
        match engineer.base() {
            EngineerBase::Station(id) => StockPoint::Station(id.clone()),
            EngineerBase::Hub(region) => StockPoint::Hub(*region),
        }
    }

    /// `S042`, or `hub:east` — the form engineers' bases take in the data.
    pub fn code(&self) -> String {
        match self {
            StockPoint::Station(id) => id.to_string(),
            StockPoint::Hub(region) => format!("hub:{region}"),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().strip_prefix("hub:") {
            Some(region) => region
                .parse::<Region>()
                .map(StockPoint::Hub)
                .map_err(|e| DomainError::new("base", e.message)),
            None => StationId::parse(raw.trim())
                .map(StockPoint::Station)
                .map_err(|e| DomainError::new("base", e.message)),
        }
    }

    /// `station S042`, or `east hub`: the words a loaner's source is given in.
    pub fn words(&self) -> String {
        match self {
            StockPoint::Station(id) => format!("station {id}"),
            StockPoint::Hub(region) => format!("{region} hub"),
        }
    }

    /// The inverse of [`StockPoint::words`].
    pub fn parse_words(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        if let Some(station) = raw.strip_prefix("station ") {
            return StationId::parse(station)
                .map(StockPoint::Station)
                .map_err(|e| DomainError::new("source", e.message));
        }
        match raw.strip_suffix(" hub") {
            Some(region) => region
                .parse::<Region>()
                .map(StockPoint::Hub)
                .map_err(|e| DomainError::new("source", e.message)),
            None => Err(DomainError::new(
                "source",
                format!("{raw:?} is neither \"station <id>\" nor \"<region> hub\""),
            )),
        }
    }
}

impl fmt::Display for StockPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// On the wire and in the database a stock point is its code.
impl Serialize for StockPoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for StockPoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        StockPoint::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Where an ordered or reserved unit comes from: one of the network's
/// stock points, or the maker (whose units are nobody's stock).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PartSource {
    Stock(StockPoint),
    Maker,
}

impl PartSource {
    /// The source of a part no hub holds, as written.
    pub const MAKER: &'static str = "maker";

    pub fn code(&self) -> String {
        match self {
            PartSource::Stock(point) => point.code(),
            PartSource::Maker => Self::MAKER.to_string(),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.trim() == Self::MAKER {
            return Ok(PartSource::Maker);
        }
        StockPoint::parse(raw)
            .map(PartSource::Stock)
            .map_err(|e| DomainError::new("source", e.message))
    }

    /// The stock point that gives up a unit: none when the maker supplies it.
    pub fn stock_point(&self) -> Option<&StockPoint> {
        match self {
            PartSource::Stock(point) => Some(point),
            PartSource::Maker => None,
        }
    }
}

impl fmt::Display for PartSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl Serialize for PartSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for PartSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        PartSource::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Units of each part at each stock point. `None` in a plan's stock means
/// nothing is known about stock, and every part counts as at hand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stock {
    units: BTreeMap<(StockPoint, PartCode), u32>,
}

impl Stock {
    pub fn new(lines: impl IntoIterator<Item = (StockPoint, PartCode, u32)>) -> Self {
        let mut units = BTreeMap::new();
        for (at, part, quantity) in lines {
            *units.entry((at, part)).or_insert(0) += quantity;
        }
        Self { units }
    }

    pub fn quantity(&self, at: &StockPoint, part: &PartCode) -> u32 {
        self.units
            .get(&(at.clone(), part.clone()))
            .copied()
            .unwrap_or(0)
    }

    /// Takes one unit of `part` at `at`; `false` when there is none.
    pub fn take(&mut self, at: &StockPoint, part: &PartCode) -> bool {
        match self.units.get_mut(&(at.clone(), part.clone())) {
            Some(units) if *units > 0 => {
                *units -= 1;
                true
            }
            _ => false,
        }
    }

    pub fn lines(&self) -> impl Iterator<Item = (&StockPoint, &PartCode, u32)> {
        self.units
            .iter()
            .map(|((at, part), units)| (at, part, *units))
    }
}

/// A part that has been ordered for a ticket and where it will be.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingOrder {
    pub ticket_id: TicketId,
    pub base: StockPoint,
    pub arrives_at: DateTime<Utc>,
    /// Whether an engineer has been on site for the ticket (an arrival
    /// reported, or the order came from a finished visit).
    pub visited: bool,
    /// The day whose plan ordered the part with a diagnosis visit, if a
    /// plan did. Until that day is over or someone has been on site,
    /// waiting for the part must not keep the diagnosis (the 12-hour
    /// promise) off the routes: a re-plan of that day plans it again.
    pub ordered_for: Option<chrono::NaiveDate>,
}

/// A part a finished visit found missing: which ticket, which part, the
/// ticket's region (whose hub warehouse may send it), the stock point of
/// the engineer who found it, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingPart {
    pub ticket_id: TicketId,
    pub part: PartCode,
    pub region: Region,
    pub at_base: StockPoint,
    pub at: DateTime<Utc>,
}

/// How a missing part is sourced: the dispatcher's rule, handed to
/// storage so it can apply it inside the event's transaction without
/// deciding anything itself.
pub type MissingPartRule = fn(&MissingPart, &Stock) -> super::PartPlan;

/// The stock a plan draws on and the parts already on order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartsOnHand {
    pub stock: Stock,
    pub orders: Vec<PendingOrder>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_points_read_as_engineers_bases_do() {
        assert_eq!(
            StockPoint::parse("hub:east").unwrap(),
            StockPoint::Hub(Region::East)
        );
        assert_eq!(StockPoint::parse("S042").unwrap().code(), "S042");
        assert_eq!(StockPoint::parse("hub:mars").unwrap_err().field, "base");
    }

    #[test]
    fn a_stock_point_in_words_reads_back() {
        for point in [
            StockPoint::Hub(Region::Northeast),
            StockPoint::Station(StationId::parse("S014").unwrap()),
        ] {
            assert_eq!(StockPoint::parse_words(&point.words()).unwrap(), point);
        }
        assert_eq!(
            StockPoint::Station(StationId::parse("S014").unwrap()).words(),
            "station S014"
        );
        assert!(StockPoint::parse_words("the moon").is_err());
    }

    #[test]
    fn only_the_maker_gives_up_no_unit() {
        assert_eq!(PartSource::parse("maker").unwrap().stock_point(), None);
        let hub = PartSource::parse("hub:east").unwrap();
        assert_eq!(hub.stock_point(), Some(&StockPoint::Hub(Region::East)));
        assert_eq!(hub.code(), "hub:east");
    }
}
