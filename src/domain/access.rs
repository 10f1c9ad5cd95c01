//! Who may use the API: the six roles an API token is issued for, two of
//! them scoped (a coordinator to one hub, an engineer to themself).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DomainError, EngineerId, Region};

/// A role without its scope: what an endpoint admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// Everything, every hub.
    Admin,
    /// Plans and reads every hub's days; runs the larger simulations.
    Planner,
    /// Plans and reads one hub's days and takes its tickets.
    Coordinator,
    /// Reads their own route and reports their own status events.
    Engineer,
    /// Takes tickets and makes the follow-up calls, for every hub.
    CallCenter,
    /// A machine client of the VROOM-compatible endpoint.
    Integration,
}

impl RoleKind {
    pub const ALL: [RoleKind; 6] = [
        RoleKind::Admin,
        RoleKind::Planner,
        RoleKind::Coordinator,
        RoleKind::Engineer,
        RoleKind::CallCenter,
        RoleKind::Integration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RoleKind::Admin => "admin",
            RoleKind::Planner => "planner",
            RoleKind::Coordinator => "coordinator",
            RoleKind::Engineer => "engineer",
            RoleKind::CallCenter => "call_center",
            RoleKind::Integration => "integration",
        }
    }

    /// One bit per role, so a set of admitted roles is a `u8` (see
    /// [`RoleKind::in_set`]).
    pub const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Whether `set` (an OR of [`RoleKind::bit`]s) holds this role.
    pub const fn in_set(self, set: u8) -> bool {
        set & self.bit() != 0
    }

    /// The roles of a set, in the order of [`RoleKind::ALL`].
    pub fn of_set(set: u8) -> Vec<RoleKind> {
        RoleKind::ALL
            .into_iter()
            .filter(|kind| kind.in_set(set))
            .collect()
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        RoleKind::ALL
            .into_iter()
            .find(|kind| kind.code() == raw.trim())
            .ok_or_else(|| {
                DomainError::new(
                    "role",
                    format!(
                        "{raw:?} is not a role; expected one of admin, planner, coordinator, \
                         engineer, call_center, integration"
                    ),
                )
            })
    }
}

impl fmt::Display for RoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A role with its scope, as a token carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Planner,
    Coordinator(Region),
    Engineer(EngineerId),
    CallCenter,
    Integration,
}

impl Role {
    /// Builds a role from its parts: a coordinator needs a hub, an
    /// engineer an engineer id, and no other role takes either.
    pub fn new(
        kind: RoleKind,
        hub: Option<Region>,
        engineer: Option<EngineerId>,
    ) -> Result<Self, DomainError> {
        match (kind, hub, engineer) {
            (RoleKind::Coordinator, Some(hub), None) => Ok(Role::Coordinator(hub)),
            (RoleKind::Coordinator, None, _) => Err(DomainError::new(
                "hub",
                "a coordinator is scoped to one hub: give the hub",
            )),
            (RoleKind::Engineer, None, Some(engineer)) => Ok(Role::Engineer(engineer)),
            (RoleKind::Engineer, _, None) => Err(DomainError::new(
                "engineer",
                "an engineer's role is scoped to that engineer: give the engineer id",
            )),
            (_, Some(_), _) => Err(DomainError::new(
                "hub",
                format!("only a coordinator is scoped to a hub, not a {kind}"),
            )),
            (_, _, Some(_)) => Err(DomainError::new(
                "engineer",
                format!("only an engineer's role names an engineer, not a {kind}"),
            )),
            (RoleKind::Admin, None, None) => Ok(Role::Admin),
            (RoleKind::Planner, None, None) => Ok(Role::Planner),
            (RoleKind::CallCenter, None, None) => Ok(Role::CallCenter),
            (RoleKind::Integration, None, None) => Ok(Role::Integration),
        }
    }

    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Admin => RoleKind::Admin,
            Role::Planner => RoleKind::Planner,
            Role::Coordinator(_) => RoleKind::Coordinator,
            Role::Engineer(_) => RoleKind::Engineer,
            Role::CallCenter => RoleKind::CallCenter,
            Role::Integration => RoleKind::Integration,
        }
    }

    /// The hub a coordinator is scoped to.
    pub fn hub(&self) -> Option<Region> {
        match self {
            Role::Coordinator(hub) => Some(*hub),
            _ => None,
        }
    }

    /// The engineer an engineer's role is scoped to.
    pub fn engineer(&self) -> Option<&EngineerId> {
        match self {
            Role::Engineer(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Coordinator(hub) => write!(f, "coordinator of {hub}"),
            Role::Engineer(id) => write!(f, "engineer {id}"),
            other => f.write_str(other.kind().code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_roles_need_their_scope_and_others_refuse_one() {
        assert_eq!(
            Role::new(RoleKind::Coordinator, Some(Region::East), None).unwrap(),
            Role::Coordinator(Region::East)
        );
        assert_eq!(
            Role::new(RoleKind::Coordinator, None, None)
                .unwrap_err()
                .field,
            "hub"
        );
        let engineer = EngineerId::parse("E001").unwrap();
        assert_eq!(
            Role::new(RoleKind::Engineer, None, Some(engineer.clone())).unwrap(),
            Role::Engineer(engineer.clone())
        );
        assert_eq!(
            Role::new(RoleKind::Engineer, None, None).unwrap_err().field,
            "engineer"
        );
        assert_eq!(
            Role::new(RoleKind::Planner, Some(Region::North), None)
                .unwrap_err()
                .field,
            "hub"
        );
        assert_eq!(
            Role::new(RoleKind::Admin, None, Some(engineer))
                .unwrap_err()
                .field,
            "engineer"
        );
    }

    #[test]
    fn role_sets_are_bits() {
        let set = RoleKind::Admin.bit() | RoleKind::Engineer.bit();
        assert!(RoleKind::Engineer.in_set(set));
        assert!(!RoleKind::Planner.in_set(set));
        assert_eq!(
            RoleKind::of_set(set),
            vec![RoleKind::Admin, RoleKind::Engineer]
        );
        for kind in RoleKind::ALL {
            assert_eq!(RoleKind::parse(kind.code()).unwrap(), kind);
        }
        assert_eq!(RoleKind::parse("root").unwrap_err().field, "role");
    }
}
