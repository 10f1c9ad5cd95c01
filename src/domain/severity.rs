use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// Fault severity, 1 (system down) to 4 (information request), as in the
/// service plan's escalation table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Severity(u8);

impl Severity {
    pub const CRITICAL: Severity = Severity(1);
    pub const MAJOR: Severity = Severity(2);
    pub const MINOR: Severity = Severity(3);
    pub const REQUEST: Severity = Severity(4);

    pub fn new(level: u8) -> Result<Self, DomainError> {
        if (1..=4).contains(&level) {
            Ok(Self(level))
        } else {
            Err(DomainError::new(
                "severity",
                format!("{level} is not a severity (1-4)"),
            ))
        }
    }

    pub fn level(self) -> u8 {
        self.0
    }

    /// How much one hour of lateness on this ticket weighs against the
    /// others: a level-1 fault (system down) is worth eight level-4 requests.
    pub fn lateness_weight(self) -> i64 {
        match self.0 {
            1 => 8,
            2 => 4,
            3 => 2,
            _ => 1,
        }
    }
}

impl TryFrom<u8> for Severity {
    type Error = DomainError;
    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Severity::new(level)
    }
}

impl From<Severity> for u8 {
    fn from(s: Severity) -> u8 {
        s.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_four() {
        assert!(Severity::new(0).is_err());
        assert!(Severity::new(5).is_err());
        assert_eq!(Severity::new(1).unwrap(), Severity::CRITICAL);
    }
}
