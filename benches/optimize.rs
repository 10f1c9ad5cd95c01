//! Hot paths of the optimization core on a Solomon instance: the insertion
//! evaluation (cheapest insertion of one job over all routes of a good
//! plan) and a whole ruin-and-recreate move.
//!
//! Reads the instances from the shared benchmark folder beside the project
//! (`../shared/benchmarks/solomon`); instances that are missing are skipped.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ruyi::benchmark::solomon::Instance;
use ruyi::optimize::Problem;
use ruyi::optimize::internals::Search;
use ruyi::rng::Rng;

const INSTANCES: [&str; 2] = ["r101", "rc201"];

fn instance(name: &str) -> Option<Instance> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/benchmarks/solomon")
        .join(format!("{name}.txt"));
    match Instance::read(&path) {
        Ok(instance) => Some(instance),
        Err(error) => {
            eprintln!("skipping {name}: {error}");
            None
        }
    }
}

/// A good plan for `problem`: a short deterministic search.
fn good_plan(problem: &Problem) -> Vec<Vec<usize>> {
    let empty = vec![Vec::new(); problem.vehicles().len()];
    Search::new(problem).run(&empty, 1, 5_000_000, None).plan
}

fn insertion(c: &mut Criterion) {
    for name in INSTANCES {
        let Some(instance) = instance(name) else {
            continue;
        };
        let problem = instance.to_problem();
        let plan = good_plan(&problem);
        let mut search = Search::new(&problem);
        // One snapshot per job: the plan without that job.
        let snapshots: Vec<_> = (0..problem.jobs().len())
            .map(|job| {
                let without: Vec<Vec<usize>> = plan
                    .iter()
                    .map(|route| route.iter().copied().filter(|j| *j != job).collect())
                    .collect();
                (job, search.snapshot(&without))
            })
            .collect();
        let mut rng = Rng::new(7);
        let mut next = 0;
        c.bench_function(&format!("cheapest_insertion/{name}"), |b| {
            b.iter(|| {
                let (job, snapshot) = &snapshots[next % snapshots.len()];
                next += 1;
                black_box(search.cheapest_insertion(snapshot, *job, &mut rng))
            })
        });
    }
}

fn ruin_and_recreate(c: &mut Criterion) {
    for name in INSTANCES {
        let Some(instance) = instance(name) else {
            continue;
        };
        let problem = instance.to_problem();
        let plan = good_plan(&problem);
        let mut search = Search::new(&problem);
        let snapshot = search.snapshot(&plan);
        let mut rng = Rng::new(7);
        c.bench_function(&format!("ruin_and_recreate/{name}"), |b| {
            b.iter_batched_ref(
                || snapshot.clone(),
                |state| black_box(search.ruin_and_recreate(state, &mut rng)),
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, insertion, ruin_and_recreate);
criterion_main!(benches);
