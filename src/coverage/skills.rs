//! Coverage that counts what dispatch counts. A city is covered for a
//! skill only where an engineer who holds the skill may be sent there by
//! the dispatcher's rules and can make the trip within the shift:
//!
//! - the engineer works for the city's own hub region (each hub plans its
//!   region's tickets with its region's engineers);
//! - from a station that serves the site (within 120 km, or one of the two
//!   nearest where none is — [`crate::dispatch::candidate_stations`]) or
//!   from the hub's own team, everyone's fallback;
//! - lead time plus the drive is within the limit (12 h, or 2 h for key
//!   customers), and the day trip — out, the skill's typical time on
//!   site, back — fits the engineer's working limit (9 h on office hours,
//!   10 h on call).
//!
//! The plain report ([`super::CoverageReport`]) asks only whether any base
//! of any region is near; this one says which skills a region cannot
//! bring where, the gaps a dispatcher meets as `unreachable` and
//! `no_engineer_with_skill` tickets.

use serde::Serialize;

use crate::dispatch::candidate_stations;
use crate::domain::{City, GeoPoint, Region, Skill};
use crate::network::{BASE_MINUTES, SKILL_WEIGHTS};
use crate::travel::TravelModel;

use super::fleet::{BaseKind, Fleet};
use super::{CoverageError, Demand, Settings};

/// One skill's share of an area's demand covered within each limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillShare {
    pub skill: Skill,
    pub standard_share: f64,
    pub urgent_share: f64,
    /// Cities of the area no qualified engineer reaches within 12 h.
    pub cities_uncovered: usize,
}

/// An area (a region, or the country) skill by skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaSkills {
    pub name: String,
    pub region: Option<Region>,
    pub demand: f64,
    pub skills: Vec<SkillShare>,
    /// The skills weighted by how often each fails (the ticket mix):
    /// the share of tickets a qualified engineer can reach within 12 h.
    pub weighted_standard_share: f64,
    pub weighted_urgent_share: f64,
}

/// A city a skill does not reach within 12 h.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillGap {
    pub adcode: u32,
    pub name: String,
    pub name_zh: String,
    pub province: String,
    pub region: Region,
    pub skill: Skill,
    /// The city's demand times the skill's share of tickets.
    pub demand: f64,
    /// Lead time plus the drive of the nearest qualified engineer the
    /// rules allow, if there is one (too far for a day trip, then).
    pub nearest_minutes: Option<f64>,
    pub nearest_base: Option<String>,
    /// `no_qualified_engineer` or `beyond_a_day_trip`.
    pub reason: &'static str,
}

/// Per city: the minutes to the nearest qualified engineer per skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitySkills {
    pub adcode: u32,
    pub region: Region,
    /// In `Skill::ALL` order; `None` where no qualified engineer can make
    /// the day trip.
    pub minutes: Vec<Option<f64>>,
    pub uncovered_standard: Vec<Skill>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillCoverage {
    pub settings: Settings,
    pub national: AreaSkills,
    pub regions: Vec<AreaSkills>,
    /// Most demand first.
    pub gaps: Vec<SkillGap>,
    pub cities: Vec<CitySkills>,
}

/// The skill-aware coverage of `fleet` (see the module docs).
pub fn skill_coverage(
    cities: &[City],
    fleet: &Fleet,
    demand: &Demand,
    travel: &dyn TravelModel,
    settings: Settings,
) -> Result<SkillCoverage, CoverageError> {
    settings.check()?;
    let lead = settings.lead_time.as_minutes();
    let standard = settings.standard.as_minutes() + 1e-9;
    let urgent = settings.urgent.as_minutes() + 1e-9;
    // Per region, the staffed stations in dispatch's team order.
    let stations_of = |region: Region| -> Vec<usize> {
        fleet
            .bases
            .iter()
            .enumerate()
            .filter(|(_, b)| b.region == region && b.kind != BaseKind::Hub && b.is_staffed())
            .map(|(i, _)| i)
            .collect()
    };
    let mut rows = Vec::with_capacity(cities.len());
    let mut gaps = Vec::new();
    for (index, city) in cities.iter().enumerate() {
        let stations = stations_of(city.region);
        let positions: Vec<GeoPoint> = stations.iter().map(|&b| fleet.bases[b].location).collect();
        let mut allowed: Vec<usize> = candidate_stations(city.location, &positions)
            .into_iter()
            .map(|team| stations[team as usize])
            .collect();
        allowed.extend(
            fleet
                .bases
                .iter()
                .enumerate()
                .filter(|(_, b)| b.kind == BaseKind::Hub && b.region == city.region)
                .map(|(i, _)| i),
        );
        let mut minutes = Vec::with_capacity(Skill::ALL.len());
        let mut uncovered = Vec::new();
        for (skill_index, skill) in Skill::ALL.into_iter().enumerate() {
            let on_site = BASE_MINUTES[skill_index];
            let mut best: Option<(f64, usize)> = None;
            let mut nearest_any: Option<(f64, usize)> = None;
            for &base in &allowed {
                let b = &fleet.bases[base];
                let drive = travel.leg(b.location, city.location).seconds / 60.0;
                for engineer in b.engineers.iter().filter(|e| e.region() == city.region) {
                    if !engineer.skills().contains(&skill) {
                        continue;
                    }
                    let arrive = lead + drive;
                    if nearest_any.is_none_or(|(m, _)| arrive < m) {
                        nearest_any = Some((arrive, base));
                    }
                    let day_trip = 2.0 * drive + on_site;
                    if day_trip <= f64::from(engineer.shift().max_work_minutes())
                        && best.is_none_or(|(m, _)| arrive < m)
                    {
                        best = Some((arrive, base));
                    }
                }
            }
            let covered = best.filter(|(m, _)| *m <= standard);
            minutes.push(covered.map(|(m, _)| m));
            if covered.is_none() {
                uncovered.push(skill);
                let weight = demand.weights[index] * SKILL_WEIGHTS[skill_index]
                    / SKILL_WEIGHTS.iter().sum::<f64>();
                gaps.push(SkillGap {
                    adcode: city.adcode,
                    name: city.name_en.clone(),
                    name_zh: city.name_zh.clone(),
                    province: city.province_en.clone(),
                    region: city.region,
                    skill,
                    demand: weight,
                    nearest_minutes: nearest_any.map(|(m, _)| m),
                    nearest_base: nearest_any.map(|(_, b)| fleet.bases[b].id.clone()),
                    reason: if nearest_any.is_some() {
                        "beyond_a_day_trip"
                    } else {
                        "no_qualified_engineer"
                    },
                });
            }
        }
        rows.push(CitySkills {
            adcode: city.adcode,
            region: city.region,
            minutes,
            uncovered_standard: uncovered,
        });
    }
    gaps.sort_by(|a, b| b.demand.total_cmp(&a.demand).then(a.adcode.cmp(&b.adcode)));
    let area = |name: &str, region: Option<Region>| {
        let members: Vec<usize> = (0..cities.len())
            .filter(|&i| region.is_none_or(|r| cities[i].region == r))
            .collect();
        let total: f64 = members.iter().map(|&i| demand.weights[i]).sum();
        let share = |skill_index: usize, limit: f64| {
            let covered: f64 = members
                .iter()
                .filter(|&&i| rows[i].minutes[skill_index].is_some_and(|m| m <= limit))
                .map(|&i| demand.weights[i])
                .sum();
            if total > 0.0 { covered / total } else { 0.0 }
        };
        let skills: Vec<SkillShare> = Skill::ALL
            .into_iter()
            .enumerate()
            .map(|(s, skill)| SkillShare {
                skill,
                standard_share: share(s, standard),
                urgent_share: share(s, urgent),
                cities_uncovered: members
                    .iter()
                    .filter(|&&i| rows[i].minutes[s].is_none())
                    .count(),
            })
            .collect();
        let weight_sum: f64 = SKILL_WEIGHTS.iter().sum();
        let weighted = |pick: fn(&SkillShare) -> f64| {
            skills
                .iter()
                .zip(SKILL_WEIGHTS)
                .map(|(s, w)| pick(s) * w)
                .sum::<f64>()
                / weight_sum
        };
        AreaSkills {
            name: name.to_string(),
            region,
            demand: total,
            weighted_standard_share: weighted(|s| s.standard_share),
            weighted_urgent_share: weighted(|s| s.urgent_share),
            skills,
        }
    };
    Ok(SkillCoverage {
        settings,
        national: area("China", None),
        regions: Region::ALL
            .into_iter()
            .map(|region| area(region.name(), Some(region)))
            .collect(),
        gaps,
        cities: rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::travel::GreatCircle;

    #[test]
    fn a_skill_nobody_in_the_region_holds_leaves_a_gap_the_plain_report_does_not_see() {
        // The shipped network is staffed so every station holds every
        // skill; take the east's storage engineers away.
        let mut network = Network::shipped().unwrap();
        network
            .engineers
            .retain(|e| e.region() != Region::East || !e.skills().contains(&Skill::Storage));
        let fleet = Fleet::from_network(&network);
        let demand = Demand::population(&network.cities);
        let travel = GreatCircle::default();
        let coverage = skill_coverage(
            &network.cities,
            &fleet,
            &demand,
            &travel,
            Settings::default(),
        )
        .unwrap();
        let plain = super::super::CoverageReport::build(
            &network.cities,
            &fleet,
            &demand,
            &travel,
            Settings::default(),
        )
        .unwrap();
        let east = coverage
            .regions
            .iter()
            .find(|r| r.region == Some(Region::East))
            .unwrap();
        let plain_east = plain
            .regions
            .iter()
            .find(|r| r.region == Some(Region::East))
            .unwrap();
        // Skill by skill, never more than the plain figure, and the mix is
        // below it: east cities lack storage within a day trip.
        for share in &east.skills {
            assert!(share.standard_share <= plain_east.standard_share + 1e-9);
        }
        assert!(east.weighted_standard_share < plain_east.standard_share);
        assert!(coverage.gaps.iter().any(|g| g.region == Region::East));
        // Gaps come most demand first.
        assert!(coverage.gaps.windows(2).all(|w| w[0].demand >= w[1].demand));
    }
}
