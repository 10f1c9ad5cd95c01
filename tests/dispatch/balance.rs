//! Rule "balance": the spread of working minutes across a station's
//! engineers is part of the objective and reported per station; with it
//! on, the spread is lower than without, for a bounded number of extra km,
//! and every plan passes the independent checker.

use crate::day;
use std::time::Duration;

use chrono::NaiveDate;
use ruyi::dispatch::{self, HubProblem, PlanOptions, solve_hub};
use ruyi::domain::{Region, Roster, StationWorkload, Ticket};
use ruyi::network::{Network, generate_tickets};
use ruyi::optimize;
use ruyi::travel::GreatCircle;

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn hub_day(network: &Network, hub: Region, count: usize, seed: u64) -> Vec<Ticket> {
    generate_tickets(network, monday(), count * 8, seed)
        .into_iter()
        .filter(|t| t.region() == hub)
        .take(count)
        .collect()
}

fn plan(network: &Network, hub: Region, tickets: &[Ticket], balance: bool) -> Roster {
    let options = PlanOptions {
        seed: 4,
        time_limit: Duration::from_millis(500),
        balance,
        ..PlanOptions::default()
    };
    let engineers = network.engineers_of(hub);
    let travel = GreatCircle::default();
    let roster =
        dispatch::plan(&day(hub, monday(), tickets, &engineers), &travel, &options).unwrap();
    // The rebuilt plan (the stages, then the call-ins on overtime) is the
    // same and passes the independent checker.
    let mut built =
        HubProblem::build(&day(hub, monday(), tickets, &engineers), 2, &travel).unwrap();
    let (mut solution, _) = solve_hub(&built, &options).unwrap();
    dispatch::call_in(&mut built, &mut solution).unwrap();
    let objective = optimize::check(&built.problem, &solution).unwrap();
    assert_eq!(objective.total(), roster.summary.objective);
    roster
}

#[test]
fn with_balance_the_stations_spread_is_lower_at_bounded_extra_km() {
    let network = Network::shipped().unwrap();
    for (hub, count) in [(Region::East, 140), (Region::Central, 90)] {
        let tickets = hub_day(&network, hub, count, 21);
        let without = plan(&network, hub, &tickets, false);
        let with = plan(&network, hub, &tickets, true);
        eprintln!(
            "{hub}: spread {:.1} -> {:.1} min, std {:.1} -> {:.1} min, km {:.1} -> {:.1}, \
             visits {} -> {}",
            without.summary.workload_spread_minutes,
            with.summary.workload_spread_minutes,
            without.summary.workload_std_minutes,
            with.summary.workload_std_minutes,
            without.summary.km,
            with.summary.km,
            without.summary.assigned,
            with.summary.assigned
        );
        let (spread_without, spread_with) = (
            without.summary.workload_spread_minutes,
            with.summary.workload_spread_minutes,
        );
        assert!(
            spread_with < spread_without,
            "{hub}: spread {spread_with:.1} min with balance, {spread_without:.1} without"
        );
        assert!(
            with.summary.workload_std_minutes < without.summary.workload_std_minutes,
            "{hub}: standard deviation"
        );
        assert!(
            with.summary.km <= without.summary.km * 1.10,
            "{hub}: {:.0} km with balance, {:.0} without",
            with.summary.km,
            without.summary.km
        );
        // Balance does not trade visits away.
        assert!(with.summary.assigned + 2 >= without.summary.assigned);
    }
}

#[test]
fn the_roster_reports_each_stations_working_minutes() {
    let network = Network::shipped().unwrap();
    let tickets = hub_day(&network, Region::Central, 60, 8);
    let roster = plan(&network, Region::Central, &tickets, true);
    let engineers = network.engineers_of(Region::Central);
    let working_today = engineers
        .iter()
        .filter(|e| e.shift().window_on(monday()).is_some())
        .count();
    let counted: u32 = roster.workloads.iter().map(|w| w.engineers).sum();
    assert_eq!(counted as usize, working_today, "idle engineers count too");
    for workload in &roster.workloads {
        assert!(workload.min_minutes <= workload.mean_minutes);
        assert!(workload.mean_minutes <= workload.max_minutes);
        assert!(workload.std_minutes <= workload.spread_minutes() + 1e-9);
    }
    // The summary is the mean over stations of two engineers or more.
    let balanced: Vec<&StationWorkload> = roster
        .workloads
        .iter()
        .filter(|w| w.engineers > 1)
        .collect();
    let mean = balanced.iter().map(|w| w.spread_minutes()).sum::<f64>() / balanced.len() as f64;
    assert!((roster.summary.workload_spread_minutes - mean).abs() < 1e-9);
    // The minutes come from the published routes: leaving the base to
    // coming back, lunch excluded.
    let total_minutes: f64 = roster
        .workloads
        .iter()
        .map(|w| w.mean_minutes * f64::from(w.engineers))
        .sum();
    let route_minutes: f64 = roster
        .routes
        .iter()
        .map(|r| {
            let lunch = r
                .lunch
                .map_or(0, |(start, end)| (end - start).num_seconds());
            ((r.return_at - r.leave_at).num_seconds() - lunch) as f64 / 60.0
        })
        .sum();
    assert!(
        (total_minutes - route_minutes).abs() < 1e-6,
        "{total_minutes} vs {route_minutes}"
    );
}

#[test]
fn a_stations_spread_is_max_minus_min_and_its_deviation_is_the_population_one() {
    let workload = StationWorkload::of("station S001".into(), &[120.0, 300.0, 0.0, 60.0]).unwrap();
    assert_eq!(workload.engineers, 4);
    assert_eq!(workload.spread_minutes(), 300.0);
    assert_eq!(workload.mean_minutes, 120.0);
    // Deviations −0, 180, −120, −60: variance (0 + 32400 + 14400 + 3600) / 4.
    assert!((workload.std_minutes - 12600f64.sqrt()).abs() < 1e-9);
    assert!(StationWorkload::of("nobody".into(), &[]).is_none());
}
