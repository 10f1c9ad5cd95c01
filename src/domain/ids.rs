use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Accepts 1–64 characters of ASCII letters, digits, `-` and `_`,
            /// so ids are safe in URLs, file names and SQL alike.
            pub fn parse(raw: impl Into<String>) -> Result<Self, DomainError> {
                let raw = raw.into();
                let ok = !raw.is_empty()
                    && raw.len() <= 64
                    && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if ok {
                    Ok(Self(raw))
                } else {
                    Err(DomainError::new(
                        $field,
                        format!("{raw:?} is not an id (1-64 of A-Z a-z 0-9 - _)"),
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A fault ticket, e.g. `T20261128-00042`.
    TicketId,
    "id"
);
string_id!(
    /// A field engineer, e.g. `E0123`.
    EngineerId,
    "engineer_id"
);
string_id!(
    /// An authorized service station, e.g. `S042`.
    StationId,
    "station_id"
);
string_id!(
    /// A spare part's catalogue code, e.g. `SRV-PSU`.
    PartCode,
    "part"
);
string_id!(
    /// A status event's id, chosen by the engineer's phone so that a
    /// repeated send is recognised (a UUID fits).
    EventId,
    "event_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids_and_refuses_others() {
        assert!(TicketId::parse("T20261128-00042").is_ok());
        assert!(TicketId::parse("").is_err());
        assert!(TicketId::parse("a b").is_err());
        assert!(EngineerId::parse("x".repeat(65)).is_err());
    }
}
