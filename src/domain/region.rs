use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::DomainError;

/// One of the seven regional hubs' regions (大区). A hub is identified by its
/// region: `east` is the East China hub in Hangzhou.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    North,
    Northeast,
    East,
    South,
    Southwest,
    Northwest,
    Central,
}

impl Region {
    pub const ALL: [Region; 7] = [
        Region::North,
        Region::Northeast,
        Region::East,
        Region::South,
        Region::Southwest,
        Region::Northwest,
        Region::Central,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Region::North => "north",
            Region::Northeast => "northeast",
            Region::East => "east",
            Region::South => "south",
            Region::Southwest => "southwest",
            Region::Northwest => "northwest",
            Region::Central => "central",
        }
    }

    /// The English name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Region::North => "North China",
            Region::Northeast => "Northeast",
            Region::East => "East China",
            Region::South => "South China",
            Region::Southwest => "Southwest",
            Region::Northwest => "Northwest",
            Region::Central => "Central China",
        }
    }

    /// The adcode of the city that hosts the region's hub (DOMAIN.md).
    pub fn hub_city_adcode(self) -> u32 {
        match self {
            Region::North => 110000,     // Beijing
            Region::Northeast => 210100, // Shenyang
            Region::East => 330100,      // Hangzhou
            Region::South => 440300,     // Shenzhen
            Region::Southwest => 510100, // Chengdu
            Region::Northwest => 610100, // Xi'an
            Region::Central => 420100,   // Wuhan
        }
    }
}

impl FromStr for Region {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                DomainError::new(
                    "hub",
                    format!(
                        "{s:?} is not a hub; expected one of north, northeast, east, south, southwest, northwest, central"
                    ),
                )
            })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_refuses_unknown() {
        assert_eq!("East".parse::<Region>().unwrap(), Region::East);
        assert_eq!("mars".parse::<Region>().unwrap_err().field, "hub");
    }
}
