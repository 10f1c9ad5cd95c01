//! The simulation's invariants, whatever the seed and the policy: no visit
//! before its report or before the plan that sent the engineer, no ticket
//! served twice at once or after it was fixed, no engineer in two places,
//! every visit inside its engineer's shift or counted as overtime; and the
//! same seed gives the same tables.

use std::collections::HashMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use ruyi::domain::Region;
use ruyi::network::Network;
use ruyi::simulation::{Policy, PolicyRun, SimulationConfig, check_invariants, rows, simulate};
use ruyi::storage::Store;

/// One policy over a fresh SQLite file holding the shipped network.
fn run(policy: Policy, seed: u64, tickets: usize) -> PolicyRun {
    run_hubs(policy, seed, tickets, &Region::ALL)
}

/// [`run`] over some hubs only.
fn run_hubs(policy: Policy, seed: u64, tickets: usize, hubs: &[Region]) -> PolicyRun {
    let network = Network::shipped().unwrap();
    let mut config = SimulationConfig::new(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), 1, seed);
    config.tickets_per_day = tickets;
    config.hubs = hubs.to_vec();
    config.plan.time_limit = std::time::Duration::from_millis(50);
    config.replan_time_limit = std::time::Duration::from_millis(20);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("sim.db").display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            store
                .replace_network(
                    &network.cities,
                    &network.hubs,
                    &network.stations,
                    &network.engineers,
                )
                .await
                .unwrap();
            store
                .set_stock(&Network::shipped_stock().unwrap())
                .await
                .unwrap();
            simulate(&store, &network, &config, policy, |_| {})
                .await
                .unwrap()
        })
}

fn shifts() -> HashMap<ruyi::domain::EngineerId, ruyi::domain::ShiftPattern> {
    Network::shipped()
        .unwrap()
        .engineers
        .iter()
        .map(|e| (e.id().clone(), e.shift()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, .. ProptestConfig::default() })]

    #[test]
    fn every_policy_keeps_the_invariants(seed in 1u64..10_000, greedy in any::<bool>()) {
        let policy = if greedy { Policy::Greedy } else { Policy::Live };
        let run = run(policy, seed, 40);
        prop_assert!(!run.visits.is_empty(), "some tickets are visited");
        prop_assert_eq!(run.failed_plans, 0);
        prop_assert_eq!(run.refused_events, 0);
        if let Err(breach) = check_invariants(&run, &shifts()) {
            return Err(TestCaseError::fail(breach));
        }
    }
}

/// Everything in a run's rows but the wall-clock plan times.
fn tables(run: &PolicyRun) -> Vec<String> {
    rows(run)
        .iter()
        .map(|row| {
            format!(
                "{} {} {} {} {:.3} {:.3} {:.1} {:.3} {}",
                row.hub,
                row.tickets,
                row.attainable,
                row.remote,
                row.on_site_12h_pct,
                row.repaired_48h_pct,
                row.km,
                row.changes_per_engineer_day,
                row.plans
            )
        })
        .collect()
}

#[test]
fn hubs_simulated_apart_give_the_national_run() {
    // `ruyi simulate` runs each hub on its own store, side by side: that is
    // only sound while no hub's dispatch reads or draws anything of
    // another's.
    let national = run(Policy::Live, 5, 120);
    let (some, rest) = Region::ALL.split_at(3);
    let apart = PolicyRun::merge(vec![
        run_hubs(Policy::Live, 5, 120, some),
        run_hubs(Policy::Live, 5, 120, rest),
    ])
    .unwrap();
    assert_eq!(tables(&national), tables(&apart));
    let fates = |run: &PolicyRun| {
        (run.fates.iter())
            .map(|f| {
                (
                    f.ticket_id.clone(),
                    f.first_arrival,
                    f.repaired_at,
                    f.visits,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(fates(&national), fates(&apart));
    assert_eq!(national.visits.len(), apart.visits.len());
    assert_eq!(national.events, apart.events);
}

#[test]
fn the_same_seed_gives_the_same_tables_and_hindsight_keeps_the_invariants_too() {
    let once = run(Policy::Live, 11, 40);
    let again = run(Policy::Live, 11, 40);
    assert_eq!(tables(&once), tables(&again));
    let hindsight = run(Policy::Hindsight, 11, 40);
    check_invariants(&hindsight, &shifts()).unwrap();
    check_invariants(&run(Policy::Morning, 11, 40), &shifts()).unwrap();
}
