//! Coverage benchmarks (issue #5): the siting MIP with every shipped city
//! as demand and as candidate, k = 10, solved to proven optimality (target
//! ≤ 10 s), and a replay of 30 national days through the dispatcher
//! (target ≤ 60 s).
//!
//! `cargo bench --bench coverage`; `RUYI_BENCH_REPLAY_DAYS` shortens the
//! replay (criterion runs it at least ten times).

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use ruyi::coverage::siting::{self, Objective, SitingOptions};
use ruyi::coverage::{Demand, Fleet, ReplayOptions, Settings, TimeSpan, generated_days, replay};
use ruyi::network::Network;
use ruyi::travel::GreatCircle;

fn siting(c: &mut Criterion) {
    let network = Network::shipped().unwrap();
    let today = Fleet::from_network(&network);
    // No base at all: every city must be won by the ten new stations,
    // the hardest form of the covering problem.
    let greenfield = Fleet { bases: Vec::new() };
    let demand = Demand::population(&network.cities);
    let travel = GreatCircle::default();
    let every_city: Vec<u32> = network.cities.iter().map(|city| city.adcode).collect();
    let mut group = c.benchmark_group("coverage_siting");
    group.sample_size(10);
    let two_hours = Objective::MaxCover {
        within: TimeSpan::hours(2),
    };
    let twelve_hours = Objective::MaxCover {
        within: TimeSpan::hours(12),
    };
    for (name, fleet, objective) in [
        ("max_cover_2h_k10_337", &today, two_hours),
        ("max_cover_12h_k10_337", &today, twelve_hours),
        ("p_median_k10_337", &today, Objective::PMedian),
        ("greenfield_max_cover_2h_k10_337", &greenfield, two_hours),
        (
            "greenfield_max_cover_12h_k10_337",
            &greenfield,
            twelve_hours,
        ),
    ] {
        let options = SitingOptions {
            k: 10,
            objective,
            candidates: Some(every_city.clone()),
            new_engineers: 2,
            time_limit: 60.0,
        };
        let report = siting::site(
            &network.cities,
            fleet,
            &demand,
            &travel,
            Settings::default(),
            &options,
        )
        .unwrap();
        let solution = &report.solution;
        eprintln!(
            "{name}: objective {:.1}, bound {:.1}, gap {:.2e}, {}, {:.2} s",
            solution.objective, solution.bound, solution.gap, solution.status, solution.seconds
        );
        assert!(solution.proven_optimal, "{name} not proven optimal");
        group.bench_function(name, |b| {
            b.iter(|| {
                siting::site(
                    &network.cities,
                    fleet,
                    &demand,
                    &travel,
                    Settings::default(),
                    black_box(&options),
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

fn load_replay(c: &mut Criterion) {
    let network = Network::shipped().unwrap();
    let fleet = Fleet::from_network(&network);
    let travel = GreatCircle::default();
    let days: u32 = std::env::var("RUYI_BENCH_REPLAY_DAYS")
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(30);
    let start = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let tickets = generated_days(&network, start, days, 1500, 7);
    let options = ReplayOptions::default();
    let mut group = c.benchmark_group("coverage_replay");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.bench_function(format!("{days}_national_days_1500_tickets"), |b| {
        b.iter(|| {
            replay(
                &fleet,
                black_box(&tickets),
                &travel,
                &options,
                &mut |_, _| {},
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, siting, load_replay);
criterion_main!(benches);
