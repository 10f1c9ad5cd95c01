//! The stage order of a hub's day, the one path every caller takes:
//! triage at the call center ([`super::triage`]), the translation
//! ([`HubProblem::build`]), the assignment MIP ([`super::assignment`]), the
//! core's routing of each day of the horizon, the balance descent
//! ([`super::balance`]), the call-ins on overtime for promises the day
//! would break ([`super::call_in`]), the independent check, the preventive
//! visits in the slack ([`super::preventive`]) and the roster
//! ([`roster_from`]).

use std::collections::{HashMap, HashSet};

use crate::domain::{AssignmentReport, EngineerId, Roster, TicketId, Visit};
use crate::optimize::{self, Problem, Solution, SolveParams, SolveStats};
use crate::travel::TravelModel;

use super::day::{HubDay, PlanMethod, PlanOptions};
use super::roster::roster_from;
use super::{DispatchError, HubProblem, assignment, balance, greedy, preventive, triage};

/// Multiple of the time limit HiGHS may take on the assignment, and the
/// least it gets: a safety net only — its node limit must stop it first,
/// or the assignment (and the plan) would depend on the machine's load. As
/// generous as the core's own net ([`optimize::SAFETY_FACTOR`]), so that a
/// machine loaded enough to starve the MIP would starve the search first.
/// The least is a minute: at 10 s the clock could stop a MIP before its
/// nodes did (the simulated month of four policies on 2 cores solved 693,
/// the slowest in 13.5 s), and two runs of the month printed different
/// morning rows; with a minute's floor a rerun printed the same ones.
const ASSIGNMENT_SHARE: f64 = optimize::SAFETY_FACTOR;
const ASSIGNMENT_MIN_SECONDS: f64 = 60.0;

/// What leaving a ticket to the next day's crew costs a day's routing, on
/// top of the unassigned penalty, when that crew could reach it only after
/// its on-site deadline: such a ticket is worth two that can wait. Each day
/// is routed to serve as many tickets as it can, so without it a 7x24
/// fault due tonight lost its place to two 5x8 ones due tomorrow afternoon
/// and was served the next morning, hours late.
const DEFERRAL_PENALTY: i64 = super::UNASSIGNED_PENALTY;

/// What the first day's routing pays for leaving a ticket to the next
/// day's crew when that crew can still be there in time (with
/// [`WAITING_MARGIN`] to spare): 150 km of driving, where leaving any other
/// ticket costs more than a day can add up to. Without it each re-plan
/// served every ticket it could at once, and engineers drove to the next
/// city that evening for a fault due on site the day after tomorrow, which
/// the local engineer does on their way the next morning; they were also
/// out when a key customer's 2 h fault came in. 10 simulated days of live
/// dispatch: 13 % less driving (fewer kilometres than the greedy desk),
/// and 2 h promises kept more often. 50 km waited too much (deferred
/// tickets piled onto the next morning), 300 km hardly at all.
const WAITING_COST: i64 = 150_000;
/// How much earlier than its deadline the next crew must be able to reach a
/// ticket for it to wait: the next crew has its own tickets too.
const WAITING_MARGIN: i64 = 2 * 3600;

/// Plans a hub's day the way the network works: the call center first
/// tries the remote candidates (when the day has one); what it cannot solve
/// is translated once and routed over the horizon; the plan is checked;
/// the due preventive visits fill its slack without making any fault later;
/// the roster lists the remote attempts, the parts taken and ordered, and
/// counts every ticket.
pub fn plan(
    day: &HubDay,
    travel: &dyn TravelModel,
    options: &PlanOptions,
) -> Result<Roster, DispatchError> {
    let triaged = day
        .call_center()
        .map(|call_center| triage::triage(day.tickets(), call_center, options.seed));
    let routed = match &triaged {
        Some(triaged) => day.with_tickets(triaged.dispatch.clone()),
        None => day.clone(),
    };
    let mut hub_problem = HubProblem::build(&routed, options.horizon_days, travel)?;
    let published = day.published().filter(|_| options.warm_start);
    let announced = published.map(|published| announced(&hub_problem, published));
    if let Some(published) = published {
        hub_problem.problem = with_announcements(&hub_problem, published)?;
    }
    // Overtime an earlier revision called an engineer in for stays theirs:
    // searched within the day's limit alone, a re-plan took the visit off
    // them and sent someone from farther away.
    if let Some(announced) = &announced {
        super::call_in::keep_overtime(&mut hub_problem, announced)?;
    }
    let (mut solution, assignment) = solve_hub_from(&hub_problem, options, announced)?;
    // The greedy desk's rule is the baseline as it is: no call-ins.
    let calls = match options.method {
        PlanMethod::Optimize => super::call_in(&mut hub_problem, &mut solution)?,
        PlanMethod::Greedy => Vec::new(),
    };
    if !calls.is_empty() {
        tracing::info!(hub = %day.hub(), calls = calls.len(), "called engineers in on overtime");
    }
    let objective = checked(&hub_problem.problem, &solution)?;
    let mut roster = if hub_problem.due.is_empty() {
        roster_from(
            day.hub(),
            day.date(),
            &hub_problem,
            &solution,
            objective.total(),
        )
    } else {
        let mut filled = preventive::fill_slack(&hub_problem, &solution)?;
        filled.solution.stats = solution.stats.clone();
        roster_from(
            day.hub(),
            day.date(),
            &filled.hub_problem,
            &filled.solution,
            filled.objective,
        )
    };
    roster.summary.assignment = assignment;
    if let Some(triaged) = triaged {
        triaged.complete(&mut roster, day.tickets().len());
    }
    tracing::info!(
        hub = %day.hub(),
        date = %day.date(),
        tickets = roster.summary.tickets,
        assigned = roster.summary.assigned,
        tomorrow = roster.summary.tomorrow_planned,
        engineers_used = roster.summary.engineers_used,
        seconds = roster.summary.solve_seconds,
        preventive_placed = roster.summary.preventive_placed,
        preventive_due = roster.summary.preventive_due,
        "planned a hub's day"
    );
    Ok(roster)
}

/// The independent check as the dispatcher reports it: a plan it rejects
/// is an error, never a roster.
pub fn checked(
    problem: &Problem,
    solution: &Solution,
) -> Result<optimize::Objective, DispatchError> {
    optimize::check(problem, solution).map_err(DispatchError::CheckFailed)
}

/// The planning stages on a built problem. The assignment MIP (if asked)
/// assigns tickets to engineers over every day at once, pricing a day's
/// delay ([`assignment`]); then the days are routed in order, each over
/// the tickets the earlier days left: today is filled first, as the
/// dispatcher wants, and tomorrow is the plan for what remains. Then the
/// balance descent (if asked). The caller checks the result; the
/// solution's seconds count every stage.
pub fn solve_hub(
    hub_problem: &HubProblem,
    options: &PlanOptions,
) -> Result<(Solution, Option<AssignmentReport>), DispatchError> {
    solve_hub_from(hub_problem, options, None)
}

/// Each ticket's job in the hub's problem.
fn job_of(hub_problem: &HubProblem) -> HashMap<&TicketId, usize> {
    (hub_problem.tickets.iter().enumerate())
        .map(|(job, ticket)| (ticket.id(), job))
        .collect()
}

/// Each of the planned day's vehicles' jobs in the order the published
/// revision gave them to its engineer (tickets it did not route, and
/// visits kept as they were, are not jobs to seed).
fn announced(hub_problem: &HubProblem, published: &Roster) -> optimize::Plan {
    let job_of = job_of(hub_problem);
    let routes: HashMap<&EngineerId, &[Visit]> = published
        .routes
        .iter()
        .map(|route| (&route.engineer_id, route.visits.as_slice()))
        .collect();
    hub_problem
        .engineers
        .iter()
        .zip(&hub_problem.days)
        .map(|(engineer, &day)| match routes.get(engineer.id()) {
            Some(visits) if day == 0 => visits
                .iter()
                .filter_map(|visit| job_of.get(&visit.ticket_id).copied())
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// A published visit moved by a re-plan to another engineer (or another
/// day), or to more than [`DISRUPTION_SLACK_MINUTES`] later, costs as much
/// as 10 km of driving, or 42 minutes of lateness on a severity-2 fault: a
/// re-plan moves announced visits for a real gain, not for a few metres.
pub const DISRUPTION_COST: i64 = 10_000;
/// How much later than announced a visit may start before the move counts
/// as a disruption (the simulation counts a change past half an hour too).
pub const DISRUPTION_SLACK_MINUTES: i64 = 30;

/// The hub's problem with each visit the published revision still has
/// ahead announced to its engineer (see [`optimize::Announcement`]).
fn with_announcements(
    hub_problem: &HubProblem,
    published: &Roster,
) -> Result<Problem, DispatchError> {
    let problem = &hub_problem.problem;
    let job_of = job_of(hub_problem);
    let vehicle_of: HashMap<&EngineerId, usize> = hub_problem
        .engineers
        .iter()
        .zip(&hub_problem.days)
        .enumerate()
        .filter(|(_, (_, day))| **day == 0)
        .map(|(v, (engineer, _))| (engineer.id(), v))
        .collect();
    let mut jobs = problem.jobs().to_vec();
    for route in &published.routes {
        let Some(&vehicle) = vehicle_of.get(&route.engineer_id) else {
            continue;
        };
        for visit in &route.visits {
            if let Some(&job) = job_of.get(&visit.ticket_id) {
                jobs[job].announced = Some(optimize::Announcement {
                    vehicle,
                    start: (visit.start - hub_problem.origin).num_seconds(),
                    slack: DISRUPTION_SLACK_MINUTES * 60,
                    cost: DISRUPTION_COST,
                });
            }
        }
    }
    Ok(Problem::new(
        problem.matrix().clone(),
        jobs,
        problem.vehicles().to_vec(),
    )?)
}

/// [`solve_hub`], from the published routes when `announced` is given:
/// no assignment MIP, and today searched from them alone.
fn solve_hub_from(
    hub_problem: &HubProblem,
    options: &PlanOptions,
    announced: Option<optimize::Plan>,
) -> Result<(Solution, Option<AssignmentReport>), DispatchError> {
    let started = std::time::Instant::now();
    let problem = &hub_problem.problem;
    let groups = hub_problem.balance_groups();
    let balance_cost = if options.balance {
        balance::BALANCE_COST_PER_SECOND
    } else {
        0.0
    };
    if options.method == PlanMethod::Greedy {
        let mut solution = optimize::build_solution(problem, &greedy::greedy_plan(hub_problem));
        solution.stats.seconds = started.elapsed().as_secs_f64();
        return Ok((solution, None));
    }
    let mut report = None;
    let warm = announced.is_some();
    let mut seeds = announced;
    if options.assignment && !warm {
        let assignment = assignment::assign(
            problem,
            &groups,
            &hub_problem.days,
            &assignment::AssignmentOptions {
                time_limit: (options.time_limit.as_secs_f64() * ASSIGNMENT_SHARE)
                    .max(ASSIGNMENT_MIN_SECONDS),
                balance_cost_per_second: balance_cost,
            },
        )?;
        seeds = Some(assignment::initial_routes(problem, &assignment));
        report = Some(assignment.report);
    }
    let last_day = hub_problem.days.iter().copied().max().unwrap_or(0);
    // The horizon is routed day by day; when a ticket left to wait for the
    // next crew ends up late (or nowhere) on the later days, the days are
    // routed once more with it due on the first.
    // The second pass searches on half the budget: it starts from the
    // same routes and changes only where the waiting tickets go.
    let mut forced = HashSet::new();
    let mut spent = SolveStats::default();
    let again = PlanOptions {
        time_limit: options.time_limit / 2,
        ..options.clone()
    };
    let mut days = loop {
        let mut days = DayByDay::new(problem.vehicles().len(), problem.jobs().len());
        let pass = if forced.is_empty() { options } else { &again };
        days.forced = forced;
        days.stats = spent;
        for day in 0..=last_day {
            days.route(hub_problem, day, seeds.as_deref(), warm, pass)?;
        }
        let regret = days.regret(problem);
        if regret.is_empty() || !days.forced.is_empty() {
            break days;
        }
        forced = regret;
        spent = days.stats;
    };
    if let Some(report) = &mut report {
        report.seeded_days = days.seeded_days;
    }
    balance::rebalance(problem, &mut days.plan, &groups, balance_cost);
    let mut solution = optimize::build_solution(problem, &days.plan);
    let mut stats = days.stats;
    stats.seconds = started.elapsed().as_secs_f64();
    solution.stats = stats;
    Ok((solution, report))
}

/// Whether leaving job `j` to `next_crew` would make it late, or leave it
/// less than `margin` to spare: the soonest any of them could be there
/// (leaving home at the start of their shift, in one of the job's windows)
/// is past its on-site deadline less the margin. A job none
/// of them can serve is late if its deadline falls within the horizon
/// (a 5x8 fault of a Friday, due on Monday, can wait for the weekend).
fn deferral_breaks_deadline(
    problem: &Problem,
    j: usize,
    next_crew: &[usize],
    horizon_end: i64,
    margin: i64,
) -> bool {
    let job = &problem.jobs()[j];
    let Some(deadline) = job.deadline else {
        return false;
    };
    let soonest = (next_crew.iter())
        .map(|&v| &problem.vehicles()[v])
        .filter(|vehicle| vehicle.can_serve(job))
        .filter_map(|vehicle| {
            let reach =
                vehicle.shift.start + problem.matrix().duration(vehicle.start, job.location);
            (job.windows.iter())
                .find(|window| window.end >= reach)
                .map(|window| reach.max(window.start))
        })
        .min();
    match soonest {
        Some(at) => at + margin > deadline.at,
        None => deadline.at < horizon_end,
    }
}

/// The horizon routed one day after the other, each day over the tickets
/// the earlier days left.
struct DayByDay {
    plan: optimize::Plan,
    open: Vec<usize>,
    /// Jobs the first day left to the next crew at [`WAITING_COST`].
    waited: Vec<usize>,
    /// Jobs that may not wait (they waited once and were then late).
    forced: HashSet<usize>,
    stats: SolveStats,
    seeded_days: u32,
}

impl DayByDay {
    fn new(vehicles: usize, jobs: usize) -> Self {
        Self {
            plan: vec![Vec::new(); vehicles],
            open: (0..jobs).collect(),
            waited: Vec::new(),
            forced: HashSet::new(),
            stats: SolveStats::default(),
            seeded_days: 0,
        }
    }

    /// Routes `day`'s crew over the open tickets. Today is routed by the
    /// core twice — from the MIP's routes and from scratch — and the
    /// cheaper plan by the core's objective is kept, so the MIP's routes
    /// are published only where they help; a later, tentative day is
    /// routed once from them on half the budget.
    fn route(
        &mut self,
        hub_problem: &HubProblem,
        day: u32,
        seeds: Option<&[Vec<usize>]>,
        warm: bool,
        options: &PlanOptions,
    ) -> Result<(), DispatchError> {
        let problem = &hub_problem.problem;
        let crew: Vec<usize> = (0..problem.vehicles().len())
            .filter(|&v| hub_problem.days[v] == day)
            .collect();
        if crew.is_empty() || self.open.is_empty() {
            return Ok(());
        }
        let open = &self.open;
        let next_crew: Vec<usize> = (0..problem.vehicles().len())
            .filter(|&v| hub_problem.days[v] == day + 1)
            .collect();
        let horizon_end = (problem.vehicles().iter())
            .map(|v| v.shift.end)
            .max()
            .unwrap_or(0);
        let today = Problem::new(
            problem.matrix().clone(),
            open.iter()
                .map(|&j| {
                    // An announcement names a vehicle of the hub's problem:
                    // here, of this day's crew (another day's is constant).
                    let mut job = problem.jobs()[j].clone();
                    if !next_crew.is_empty() {
                        if deferral_breaks_deadline(problem, j, &next_crew, horizon_end, 0) {
                            job.unassigned_penalty += DEFERRAL_PENALTY;
                        } else if options.live
                            && day == 0
                            && !self.forced.contains(&j)
                            && !deferral_breaks_deadline(
                                problem,
                                j,
                                &next_crew,
                                horizon_end,
                                WAITING_MARGIN,
                            )
                        {
                            job.unassigned_penalty = WAITING_COST;
                        }
                    }
                    job.announced = job.announced.and_then(|a| {
                        let vehicle = crew.iter().position(|&v| v == a.vehicle)?;
                        Some(optimize::Announcement { vehicle, ..a })
                    });
                    job
                })
                .collect(),
            crew.iter()
                .map(|&v| problem.vehicles()[v].clone())
                .collect(),
        )?;
        // The MIP's routes of this day's crew, over the tickets still open.
        let start: Option<optimize::Plan> = seeds.map(|seeds| {
            crew.iter()
                .map(|&v| {
                    seeds[v]
                        .iter()
                        .filter_map(|job| open.iter().position(|o| o == job))
                        .collect()
                })
                .collect()
        });
        let params = SolveParams {
            seed: options.seed,
            time_limit: options.time_limit,
        };
        let tentative = SolveParams {
            time_limit: options.time_limit / 2,
            ..params.clone()
        };
        let solution = match (day, start) {
            // A warm re-plan: from what was published, nothing else.
            (0, Some(start)) if warm => {
                self.seeded_days += 1;
                optimize::solve_from(&today, &start, &params)
            }
            (0, Some(start)) => {
                let scratch = optimize::solve(&today, &params);
                let seeded = optimize::solve_from(&today, &start, &params);
                let kept = seeded.objective.total() < scratch.objective.total();
                tracing::debug!(
                    from_assignment = seeded.objective.total(),
                    from_scratch = scratch.objective.total(),
                    kept,
                    "routes of the published day"
                );
                if kept {
                    self.seeded_days += 1;
                    seeded
                } else {
                    scratch
                }
            }
            (0, None) => optimize::solve(&today, &params),
            (_, Some(start)) => {
                self.seeded_days += 1;
                optimize::solve_from(&today, &start, &tentative)
            }
            (_, None) => optimize::solve(&today, &tentative),
        };
        self.stats.iterations += solution.stats.iterations;
        self.stats.work_units += solution.stats.work_units;
        self.stats.routes_in_pool += solution.stats.routes_in_pool;
        let mut served = vec![false; open.len()];
        for (v, jobs) in balance::plan_of(&today, &solution).into_iter().enumerate() {
            for &job in &jobs {
                served[job] = true;
            }
            self.plan[crew[v]] = jobs.into_iter().map(|job| open[job]).collect();
        }
        if day == 0 {
            self.waited = (today.jobs().iter().zip(open.iter()).zip(&served))
                .filter(|((job, _), served)| job.unassigned_penalty == WAITING_COST && !**served)
                .map(|((_, &j), _)| j)
                .collect();
        }
        self.open = open
            .iter()
            .zip(&served)
            .filter(|(_, served)| !**served)
            .map(|(job, _)| *job)
            .collect();
        Ok(())
    }

    /// The jobs the first day left to wait that the later days then serve
    /// late, or not at all.
    fn regret(&self, problem: &Problem) -> HashSet<usize> {
        let mut regret: HashSet<usize> = self.waited.iter().copied().collect();
        if regret.is_empty() {
            return regret;
        }
        for (v, jobs) in self.plan.iter().enumerate() {
            if !jobs.iter().any(|j| regret.contains(j)) {
                continue;
            }
            if let Some(scheduled) = optimize::schedule(problem, v, jobs) {
                for stop in &scheduled.route.stops {
                    if let optimize::StopKind::Job(j) = stop.kind
                        && stop.lateness == 0
                    {
                        regret.remove(&j);
                    }
                }
            }
        }
        regret
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::NaiveDate;

    use super::*;
    use crate::dispatch::translate::DAY_SECONDS;
    use crate::dispatch::{LUNCH_MINUTES, day_origin};
    use crate::domain::{
        Certification, Engineer, EngineerBase, EngineerId, GeoPoint, Region, Severity,
        ShiftPattern, Skill, SlaPolicy, Ticket, TicketId,
    };
    use crate::optimize::Window;
    use crate::travel::GreatCircle;

    fn test_day(
        hub: Region,
        date: NaiveDate,
        tickets: &[Ticket],
        engineers: &[Engineer],
    ) -> HubDay {
        HubDay::new(hub, date, tickets.to_vec(), engineers.to_vec()).unwrap()
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn hangzhou() -> GeoPoint {
        GeoPoint::new(30.24934, 120.20524).unwrap()
    }

    fn engineer(
        id: &str,
        skills: Vec<Skill>,
        certification: Certification,
        shift: ShiftPattern,
    ) -> Engineer {
        Engineer::new(crate::domain::EngineerProfile {
            id: EngineerId::parse(id).unwrap(),
            name: "Wang Wei".to_string(),
            base: EngineerBase::Hub(Region::East),
            region: Region::East,
            home: hangzhou(),
            skills,
            certification,
            shift,
        })
        .unwrap()
    }

    fn ticket(id: &str, skill: Skill, severity: Severity, km_north: f64) -> Ticket {
        Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse(id).unwrap(),
            customer: "Hangzhou People's Hospital".to_string(),
            site: GeoPoint::new(30.24934 + km_north / 111.32, 120.20524).unwrap(),
            city_adcode: 330100,
            region: Region::East,
            severity,
            skill,
            reported_at: day_origin(monday()) - chrono::Duration::hours(3),
            service_minutes: 60,
            sla: SlaPolicy::round_the_clock(),
        })
        .unwrap()
    }

    fn options() -> PlanOptions {
        PlanOptions {
            seed: 1,
            time_limit: Duration::from_millis(200),
            ..PlanOptions::default()
        }
    }

    #[test]
    fn a_severity_one_fault_needs_a_senior_engineer() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Intermediate,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![
            ticket("T1", Skill::Server, Severity::CRITICAL, 5.0),
            ticket("T2", Skill::Server, Severity::MINOR, 8.0),
        ];
        let roster = plan(
            &test_day(Region::East, monday(), &tickets, &engineers),
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(roster.summary.assigned, 1);
        assert_eq!(roster.unassigned.len(), 1);
        assert_eq!(roster.unassigned[0].ticket_id.as_str(), "T1");
        assert_eq!(roster.unassigned[0].reason, "no_engineer_with_skill");
        assert!(
            roster.unassigned[0].detail.contains("senior"),
            "{}",
            roster.unassigned[0].detail
        );
    }

    #[test]
    fn a_full_day_names_the_overtime_that_would_take_the_rest() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        // Ten hour-long visits a few km apart: more than one office day.
        let tickets: Vec<Ticket> = (0..10)
            .map(|i| ticket(&format!("T{i}"), Skill::Server, Severity::MINOR, i as f64))
            .collect();
        let roster = plan(
            &test_day(Region::East, monday(), &tickets, &engineers),
            &GreatCircle::default(),
            &PlanOptions {
                horizon_days: 1,
                ..options()
            },
        )
        .unwrap();
        assert!(!roster.unassigned.is_empty());
        for left_out in &roster.unassigned {
            assert_eq!(left_out.reason, "no_room");
            let minutes: i64 = left_out
                .detail
                .split("; ")
                .nth(1)
                .and_then(|fix| fix.strip_suffix(" minutes of overtime for E1 would take it"))
                .unwrap_or_else(|| panic!("no overtime named: {}", left_out.detail))
                .parse()
                .unwrap();
            // What the day lacks for one more hour-long visit a few km
            // away: something, and no more than the visit and its drive.
            assert!(
                (1..=120).contains(&minutes),
                "{minutes}: {}",
                left_out.detail
            );
        }
    }

    #[test]
    fn a_late_visit_says_whether_anyone_could_have_been_on_time() {
        // Due at 09:00 (reported 21:00 the evening before, 12 h limit); the
        // only engineer starts in Hangzhou at the start of office hours.
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Server],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![
            ticket("NEAR1", Skill::Server, Severity::MINOR, 2.0),
            ticket("NEAR2", Skill::Server, Severity::MINOR, 3.0),
            ticket("FAR", Skill::Server, Severity::MINOR, 60.0),
        ];
        let roster = plan(
            &test_day(Region::East, monday(), &tickets, &engineers),
            &GreatCircle::default(),
            &PlanOptions {
                horizon_days: 1,
                ..options()
            },
        )
        .unwrap();
        let visit = |id: &str| {
            roster
                .routes
                .iter()
                .flat_map(|r| &r.visits)
                .find(|v| v.ticket_id.as_str() == id)
                .unwrap_or_else(|| panic!("{id} is visited"))
        };
        let far = visit("FAR");
        assert!(far.late_minutes > 0);
        let reason = far.late_reason.as_deref().unwrap();
        assert!(reason.starts_with("unreachable_in_time"), "{reason}");
        // One of the two near tickets is first and on time if the shift
        // starts early enough; every late one among them could have been
        // on time with a lighter day.
        for id in ["NEAR1", "NEAR2"] {
            let near = visit(id);
            match near.late_reason.as_deref() {
                None => assert_eq!(near.late_minutes, 0),
                Some(reason) => assert!(
                    reason.starts_with("engineers_busy")
                        || reason.starts_with("unreachable_in_time"),
                    "{reason}"
                ),
            }
        }
        let on_site_by = far.on_site_by;
        assert!(far.arrival > on_site_by);
    }

    #[test]
    fn a_missing_skill_is_named() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Printer],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets = vec![ticket("T1", Skill::Storage, Severity::MINOR, 5.0)];
        let roster = plan(
            &test_day(Region::East, monday(), &tickets, &engineers),
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(
            roster.unassigned[0].detail,
            "no engineer in the east region holds the storage skill"
        );
    }

    #[test]
    fn office_hours_engineers_are_off_at_the_weekend() {
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let engineers = vec![
            engineer(
                "E1",
                vec![Skill::Printer],
                Certification::Senior,
                ShiftPattern::office_hours(),
            ),
            engineer(
                "E2",
                vec![Skill::Server],
                Certification::Senior,
                ShiftPattern::OnCall { max_hours: 10 },
            ),
        ];
        let built = HubProblem::build(
            &test_day(Region::East, saturday, &[], &engineers),
            1,
            &GreatCircle::default(),
        )
        .unwrap();
        assert_eq!(built.engineers.len(), 1);
        assert_eq!(built.engineers[0].id().as_str(), "E2");
        assert_eq!(
            built.problem.vehicles()[0].shift,
            Window {
                start: 0,
                end: DAY_SECONDS
            }
        );
        assert_eq!(built.problem.vehicles()[0].max_work, Some(36_000));
        assert!(built.problem.vehicles()[0].lunch.is_none());
    }

    #[test]
    fn an_office_day_has_lunch_and_stays_in_the_shift() {
        let engineers = vec![engineer(
            "E1",
            vec![Skill::Printer],
            Certification::Senior,
            ShiftPattern::office_hours(),
        )];
        let tickets: Vec<Ticket> = (0..5)
            .map(|i| {
                ticket(
                    &format!("T{i}"),
                    Skill::Printer,
                    Severity::MINOR,
                    2.0 * i as f64 + 1.0,
                )
            })
            .collect();
        let roster = plan(
            &test_day(Region::East, monday(), &tickets, &engineers),
            &GreatCircle::default(),
            &options(),
        )
        .unwrap();
        assert_eq!(roster.summary.assigned, 5);
        let route = &roster.routes[0];
        let (lunch_start, lunch_end) = route.lunch.expect("a 5-hour day crosses lunch");
        assert_eq!((lunch_end - lunch_start).num_minutes(), LUNCH_MINUTES);
        let shift = ShiftPattern::office_hours().window_on(monday()).unwrap();
        assert!(shift.contains(route.leave_at) && shift.contains(route.return_at));
        let local_noon = day_origin(monday()) + chrono::Duration::hours(12);
        assert!(lunch_start >= local_noon);
    }

    #[test]
    fn a_ticket_of_another_region_is_refused() {
        let mut tickets = vec![ticket("T1", Skill::Printer, Severity::MINOR, 1.0)];
        tickets[0] = Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse("T9").unwrap(),
            customer: "Beijing Tax Bureau".to_string(),
            site: GeoPoint::new(39.9, 116.4).unwrap(),
            city_adcode: 110000,
            region: Region::North,
            severity: Severity::MINOR,
            skill: Skill::Printer,
            reported_at: day_origin(monday()),
            service_minutes: 60,
            sla: SlaPolicy::round_the_clock(),
        })
        .unwrap();
        let err = HubDay::new(Region::East, monday(), tickets, Vec::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ticket T9 belongs to the north region, not to the east hub"
        );
        let twice = vec![ticket("T1", Skill::Printer, Severity::MINOR, 1.0); 2];
        let err = HubDay::new(Region::East, monday(), twice, Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "ticket T1 is given twice");
    }

    #[test]
    fn a_ticket_the_next_crew_would_reach_too_late_is_due_today() {
        // The next day's engineer starts at 100 at location 0, 50 from the
        // site; a second one (another station's) may not serve it.
        let cells = vec![0, 50, 50, 0];
        let problem = |at: i64| {
            let mut job = optimize::Job::at(1, 10);
            job.teams = vec![1];
            job.deadline = Some(optimize::SoftDeadline {
                at,
                penalty_per_unit: 1,
                miss_cost: 0,
            });
            let mut next = optimize::Vehicle::new(0, Some(0), Window::new(100, 1000).unwrap());
            next.team = Some(1);
            let mut other = next.clone();
            other.team = Some(2);
            Problem::new(
                optimize::TravelMatrix::new(2, cells.clone(), cells.clone()).unwrap(),
                vec![job],
                vec![next, other],
            )
            .unwrap()
        };
        // Reached at 150: due by 120 it cannot wait, by 150 it can.
        assert!(deferral_breaks_deadline(&problem(120), 0, &[0], 1000, 0));
        assert!(!deferral_breaks_deadline(&problem(150), 0, &[0], 1000, 0));
        // With a margin to spare it may wait only if due later still.
        assert!(deferral_breaks_deadline(&problem(150), 0, &[0], 1000, 20));
        assert!(!deferral_breaks_deadline(&problem(170), 0, &[0], 1000, 20));
        // Nobody of the next crew may serve it: it waits only when due
        // past the horizon (a Friday's 5x8 fault due on Monday).
        assert!(deferral_breaks_deadline(&problem(500), 0, &[1], 1000, 0));
        assert!(!deferral_breaks_deadline(&problem(2000), 0, &[1], 1000, 0));
    }
}
