//! Durations as planners write them: `2h`, `12h`, `90m`, `1h30m`, `1.5h`.
//! A bare number is refused rather than guessed (is `2` hours or minutes?).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A non-negative span of time, kept in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeSpan {
    seconds: u32,
}

/// Longer than any limit a contract sets; a typo like `1200h` is refused.
const MAX_HOURS: u32 = 7 * 24;

impl TimeSpan {
    pub const fn hours(hours: u32) -> Self {
        Self {
            seconds: hours * 3600,
        }
    }

    pub const fn minutes(minutes: u32) -> Self {
        Self {
            seconds: minutes * 60,
        }
    }

    pub fn seconds(self) -> u32 {
        self.seconds
    }

    pub fn as_minutes(self) -> f64 {
        f64::from(self.seconds) / 60.0
    }

    pub fn as_hours(self) -> f64 {
        f64::from(self.seconds) / 3600.0
    }
}

/// Why a span did not parse; the caller adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a duration; write e.g. 2h, 12h, 90m or 1h30m")]
pub struct SpanError(pub String);

impl FromStr for TimeSpan {
    type Err = SpanError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let text = raw.trim().to_ascii_lowercase();
        let error = || SpanError(raw.to_string());
        if text.is_empty() {
            return Err(error());
        }
        let mut seconds = 0.0;
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let number_end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(error)?;
            let number: f64 = rest[..number_end].parse().map_err(|_| error())?;
            rest = &rest[number_end..];
            let unit_end = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let unit = rest[..unit_end].trim();
            seconds += number
                * match unit {
                    "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
                    "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                    _ => return Err(error()),
                };
            rest = &rest[unit_end..];
        }
        if !seconds.is_finite() || seconds > f64::from(MAX_HOURS * 3600) {
            return Err(error());
        }
        Ok(Self {
            seconds: seconds.round() as u32,
        })
    }
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let minutes = self.seconds / 60;
        match (minutes / 60, minutes % 60) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

impl TryFrom<String> for TimeSpan {
    type Error = SpanError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        raw.parse()
    }
}

impl From<TimeSpan> for String {
    fn from(span: TimeSpan) -> String {
        span.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_planners_write() {
        assert_eq!("2h".parse::<TimeSpan>().unwrap(), TimeSpan::hours(2));
        assert_eq!("12h".parse::<TimeSpan>().unwrap(), TimeSpan::hours(12));
        assert_eq!("90m".parse::<TimeSpan>().unwrap(), TimeSpan::minutes(90));
        assert_eq!("1h30m".parse::<TimeSpan>().unwrap(), TimeSpan::minutes(90));
        assert_eq!("1.5h".parse::<TimeSpan>().unwrap(), TimeSpan::minutes(90));
        assert_eq!("0m".parse::<TimeSpan>().unwrap(), TimeSpan::minutes(0));
        assert_eq!(
            " 45 min ".parse::<TimeSpan>().unwrap(),
            TimeSpan::minutes(45)
        );
    }

    #[test]
    fn refuses_bare_numbers_and_nonsense() {
        for raw in ["2", "", "h", "2x", "-1h", "1000h", "2h3"] {
            assert!(raw.parse::<TimeSpan>().is_err(), "{raw}");
        }
    }

    #[test]
    fn displays_as_it_parses() {
        for raw in ["2h", "12h", "90m", "45m", "1h30m"] {
            let span: TimeSpan = raw.parse().unwrap();
            let shown = span.to_string();
            assert_eq!(shown.parse::<TimeSpan>().unwrap(), span, "{raw} -> {shown}");
        }
        assert_eq!(TimeSpan::minutes(90).to_string(), "1h30m");
    }
}
