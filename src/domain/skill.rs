use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::DomainError;

/// What an engineer is certified to repair; a ticket needs exactly one.
/// The list follows the service plan's staff profile (Cisco network,
/// Microsoft systems, servers, integration, PC hardware, printers, storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skill {
    PcHardware,
    Printer,
    Server,
    Storage,
    Network,
    Systems,
    Integration,
}

impl Skill {
    pub const ALL: [Skill; 7] = [
        Skill::PcHardware,
        Skill::Printer,
        Skill::Server,
        Skill::Storage,
        Skill::Network,
        Skill::Systems,
        Skill::Integration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Skill::PcHardware => "pc_hardware",
            Skill::Printer => "printer",
            Skill::Server => "server",
            Skill::Storage => "storage",
            Skill::Network => "network",
            Skill::Systems => "systems",
            Skill::Integration => "integration",
        }
    }

    /// The spare parts a fault of this kind may need swapped, by catalogue
    /// code. Software (systems, integration) needs none.
    pub fn parts(self) -> &'static [&'static str] {
        match self {
            Skill::PcHardware => &["PC-BOARD", "PC-PSU", "PC-DISK"],
            Skill::Printer => &["PRN-FUSER", "PRN-HEAD"],
            Skill::Server => &["SRV-PSU", "SRV-DISK", "SRV-DIMM"],
            Skill::Storage => &["STO-DISK", "STO-CTRL"],
            Skill::Network => &["NET-SFP", "NET-LINECARD"],
            Skill::Systems | Skill::Integration => &[],
        }
    }

    /// Bit index, stable across releases (stored in the database).
    pub fn bit(self) -> u32 {
        Skill::ALL.iter().position(|s| *s == self).unwrap_or(0) as u32
    }
}

impl FromStr for Skill {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Skill::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or_else(|| {
                DomainError::new(
                    "skill",
                    format!(
                        "{s:?} is not a skill; expected one of pc_hardware, printer, server, storage, network, systems, integration"
                    ),
                )
            })
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of skills as a bit mask, cheap to test in the solver's inner loops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SkillSet(u64);

impl SkillSet {
    pub fn from_skills(skills: &[Skill]) -> Self {
        SkillSet(skills.iter().fold(0, |mask, s| mask | 1 << s.bit()))
    }

    pub fn bits(self) -> u64 {
        self.0
    }

    pub fn contains(self, skill: Skill) -> bool {
        self.0 & (1 << skill.bit()) != 0
    }

    pub fn skills(self) -> Vec<Skill> {
        Skill::ALL
            .into_iter()
            .filter(|s| self.contains(*s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_codes() {
        for skill in Skill::ALL {
            assert_eq!(skill.code().parse::<Skill>().unwrap(), skill);
        }
        assert_eq!("plumbing".parse::<Skill>().unwrap_err().field, "skill");
    }

    #[test]
    fn skill_set_contains() {
        let set = SkillSet::from_skills(&[Skill::Network, Skill::Server]);
        assert!(set.contains(Skill::Network));
        assert!(!set.contains(Skill::Printer));
        assert_eq!(set.skills(), vec![Skill::Server, Skill::Network]);
    }
}
