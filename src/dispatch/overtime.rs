//! What would fix a "no room" ticket: the least overtime that lets one
//! qualified engineer take it. Found the way the reason itself is — by
//! actually inserting the ticket into each candidate's planned route, at
//! every position, with the shift end and working-time limit lifted, and
//! measuring how far the best schedule runs past them.

/// Engineers tried per ticket, nearest first.
const NEAREST: usize = 5;
use crate::optimize::{Problem, Solution, Window, schedule_as};

/// The overtime that would let an engineer serve `job`: vehicle index and
/// seconds past their shift end or working-time limit, the least over all
/// qualified vehicles and positions; `None` when even unlimited hours do
/// not help (the windows or the deadline-free day rule it out).
pub fn least_overtime(problem: &Problem, solution: &Solution, job: usize) -> Option<(usize, i64)> {
    let target = &problem.jobs()[job];
    let matrix = problem.matrix();
    // The nearest few qualified engineers: overtime far away is no fix.
    let mut nearest: Vec<(i64, usize)> = problem
        .vehicles()
        .iter()
        .enumerate()
        .filter(|(_, vehicle)| vehicle.can_serve(target))
        .map(|(v, vehicle)| (matrix.duration(vehicle.start, target.location), v))
        .collect();
    nearest.sort_unstable();
    nearest.truncate(NEAREST);
    let mut best: Option<(usize, i64)> = None;
    for (_, v) in nearest {
        let vehicle = &problem.vehicles()[v];
        let planned: Vec<usize> = solution
            .routes
            .iter()
            .find(|r| r.vehicle == v)
            .map(|r| r.jobs().collect())
            .unwrap_or_default();
        let mut relaxed = vehicle.clone();
        relaxed.shift = Window {
            start: vehicle.shift.start,
            end: vehicle.shift.end + 12 * 3600,
        };
        relaxed.max_work = vehicle.max_work.map(|m| m + 12 * 3600);
        for position in 0..=planned.len() {
            let mut jobs = planned.clone();
            jobs.insert(position, job);
            let Some(scheduled) = schedule_as(problem, v, &relaxed, &jobs) else {
                continue;
            };
            let route = &scheduled.route;
            let past_end = route.end - vehicle.shift.end;
            let past_work = vehicle
                .max_work
                .map_or(0, |m| (route.end - route.departure) - m);
            let over = past_end.max(past_work).max(0);
            if best.is_none_or(|(_, b)| over < b) {
                best = Some((v, over));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{Job, TravelMatrix, Vehicle, build_solution};

    #[test]
    fn the_least_overtime_is_what_the_longest_day_needs_past_its_end() {
        // A depot and two sites an hour apart; an 8-hour day already holds
        // a 7-hour visit, a second 2-hour visit needs one hour more at least.
        let matrix = TravelMatrix::new(2, vec![0, 1800, 1800, 0], vec![0, 1000, 1000, 0]).unwrap();
        let jobs = vec![Job::at(1, 7 * 3600 - 3600), Job::at(1, 2 * 3600)];
        let vehicle = Vehicle::new(0, Some(0), Window::new(0, 8 * 3600).unwrap());
        let problem = Problem::new(matrix, jobs, vec![vehicle]).unwrap();
        let solution = build_solution(&problem, &vec![vec![0]]);
        // Day: 0.5 h out, 6 h, (2 h), 0.5 h back = 9 h: one hour over.
        assert_eq!(least_overtime(&problem, &solution, 1), Some((0, 3600)));
    }
}
