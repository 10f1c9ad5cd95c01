//! Load replay: days of tickets through the dispatcher, and the engineers
//! each base would need to hold an on-time target.
//!
//! Each day is planned the way the hubs plan it: every hub's tickets of the
//! day with its region's engineers, through [`dispatch::plan`]. The
//! seven hubs of a day are planned on parallel threads (each plan is
//! deterministic on its own, so the result does not depend on the thread
//! count). The solver budget per hub-day is small — 0.05 s by default,
//! counted in deterministic work units, so small hubs stop earlier — which
//! keeps 30 national days to seconds; the on-time share it reaches is
//! within a point or two of the 2 s budget `ruyi plan` uses, and a replay
//! compares networks, not solver settings.
//!
//! The dispatcher plans once each morning, so its on-time share mostly
//! measures that cadence: a ticket reported at 15:00 is due at 03:00, before
//! the 08:00 plan that serves it. Sizing therefore asks a different
//! question — how many engineers a base needs to hold the target if tickets
//! are dispatched as they come in — with a model simple enough to ask it for
//! every staff size: each ticket goes to the nearest staffed base of its
//! region; after the lead time it goes to the base's engineer who is free
//! first, who drives out, repairs and drives back; `n` engineers are `n`
//! crews on duty (7x24 cover is staffed in turns). A ticket that even an
//! idle crew cannot reach by its deadline is *unattainable*: more engineers
//! cannot help it, only a nearer station can. The target is measured on the
//! attainable tickets.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::dispatch::{self, PlanOptions, day_origin};
use crate::domain::{Region, Roster, Ticket};
use crate::network::{Network, generate_tickets};
use crate::travel::TravelModel;

use super::fleet::{BaseKind, Fleet};
use super::{CoverageError, TimeSpan};

/// The hour the hubs plan the day (the ticket generator's backlog ends
/// then): a ticket reported after it is served by the next day's plan.
pub const PLAN_HOUR: i64 = 8;
/// Sizing stops looking beyond this many engineers at one base.
pub const MAX_ENGINEERS: usize = 200;

/// One day to replay: the tickets the morning plan has to serve.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayDay {
    pub date: NaiveDate,
    pub tickets: Vec<Ticket>,
}

/// `days` generated days from `start`, `per_day` tickets each; day `d`
/// uses seed `seed + d`, so a longer replay extends a shorter one.
pub fn generated_days(
    network: &Network,
    start: NaiveDate,
    days: u32,
    per_day: usize,
    seed: u64,
) -> Vec<ReplayDay> {
    (0..days)
        .map(|offset| {
            let date = start + chrono::Duration::days(i64::from(offset));
            ReplayDay {
                date,
                tickets: generate_tickets(network, date, per_day, seed + u64::from(offset)),
            }
        })
        .collect()
}

/// Groups a ticket history by the morning plan that serves it: a ticket
/// reported from 08:00 one day to 08:00 the next is planned the next day.
/// Closed tickets are replayed as open: the replay asks how the network
/// would have served them.
pub fn ticket_days(tickets: &[Ticket]) -> Vec<ReplayDay> {
    let mut days: BTreeMap<NaiveDate, Vec<Ticket>> = BTreeMap::new();
    for ticket in tickets {
        let date = plan_date(ticket.reported_at());
        days.entry(date).or_default().push(
            ticket
                .clone()
                .with_status(crate::domain::TicketStatus::Open),
        );
    }
    days.into_iter()
        .map(|(date, tickets)| ReplayDay { date, tickets })
        .collect()
}

fn plan_date(reported: DateTime<Utc>) -> NaiveDate {
    let local = reported.with_timezone(&crate::domain::service_offset());
    (local + chrono::Duration::hours(24 - PLAN_HOUR)).date_naive()
}

/// How the replay plans and what it sizes for.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOptions {
    /// The dispatcher's budget per hub and day.
    pub time_limit: Duration,
    pub seed: u64,
    /// Share of attainable tickets to be on site in time, 0–1.
    pub target: f64,
    /// From the report to a crew driving off, for sizing.
    pub lead_time: TimeSpan,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_millis(50),
            seed: 1,
            target: 0.95,
            lead_time: TimeSpan::hours(1),
        }
    }
}

/// What the dispatcher achieved in one region (or nationally).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegionReplay {
    pub region: Option<Region>,
    pub name: String,
    pub engineers: usize,
    pub tickets: u32,
    pub assigned: u32,
    pub on_time: u32,
    /// On site by the deadline, of all tickets (left out counts as late).
    pub on_time_share: f64,
    /// Tickets an idle crew of the nearest base could reach in time after
    /// the lead time.
    pub attainable: u32,
    /// Attainable tickets the dispatcher got there in time, of all
    /// attainable tickets.
    pub attainable_on_time: u32,
    pub on_time_share_of_attainable: f64,
    /// Tickets under a 2-hour (key-customer) contract, and those on time.
    pub key_tickets: u32,
    pub key_on_time: u32,
    pub solve_seconds: f64,
}

/// The engineers a base would need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseNeed {
    pub id: String,
    pub name: String,
    pub kind: BaseKind,
    pub region: Region,
    pub city_adcode: u32,
    pub lat: f64,
    pub lon: f64,
    pub engineers: usize,
    /// Tickets of the replay nearest to this base.
    pub tickets: usize,
    pub tickets_per_day: f64,
    pub attainable: usize,
    /// Engineers that hold the target in the sizing model; `None` when even
    /// [`MAX_ENGINEERS`] do not.
    pub needed: Option<usize>,
    /// Share of attainable tickets on time with today's engineers.
    pub on_time_share_now: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    pub first_day: Option<NaiveDate>,
    pub days: usize,
    pub tickets: usize,
    pub solver_seconds_per_hub_day: f64,
    pub target: f64,
    pub national: RegionReplay,
    pub regions: Vec<RegionReplay>,
    /// Bases in fleet order (only those with engineers or tickets).
    pub bases: Vec<BaseNeed>,
    /// Wall-clock seconds of the whole replay.
    pub seconds: f64,
}

/// One ticket as the sizing model sees it, in seconds since the first
/// day's midnight.
#[derive(Debug, Clone, Copy)]
struct Job {
    /// Report time plus lead time.
    released: f64,
    travel: f64,
    service: f64,
    deadline: f64,
}

impl Job {
    fn attainable(&self) -> bool {
        self.released + self.travel <= self.deadline
    }
}

/// Replays `days` with the fleet's engineers. `progress(done, total)` is
/// called after each day.
pub fn replay(
    fleet: &Fleet,
    days: &[ReplayDay],
    travel: &dyn TravelModel,
    options: &ReplayOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ReplayReport, CoverageError> {
    if !(options.target > 0.0 && options.target <= 1.0) {
        return Err(CoverageError::invalid(
            "target",
            format!("{} is not a share in (0, 1]", options.target),
        ));
    }
    if options.time_limit.is_zero() {
        return Err(CoverageError::invalid("time_limit", "must be positive"));
    }
    let started = Instant::now();
    // The replay carries each day's unplanned tickets over itself, one day
    // at a time.
    let plan_options = PlanOptions {
        seed: options.seed,
        time_limit: options.time_limit,
        horizon_days: 1,
        ..PlanOptions::default()
    };
    let engineers: Vec<_> = Region::ALL
        .into_iter()
        .map(|region| fleet.engineers_of(region))
        .collect();
    let mut regions: Vec<RegionReplay> = Region::ALL
        .into_iter()
        .zip(&engineers)
        .map(|(region, engineers)| RegionReplay {
            region: Some(region),
            name: region.name().to_string(),
            engineers: engineers.len(),
            ..RegionReplay::default()
        })
        .collect();
    // jobs[base], in report order once sorted.
    let mut jobs: Vec<Vec<Job>> = vec![Vec::new(); fleet.bases.len()];
    let epoch = days.first().map(|day| day_origin(day.date));
    let lead = f64::from(options.lead_time.seconds());
    for (day_index, day) in days.iter().enumerate() {
        let by_region: Vec<Vec<Ticket>> = Region::ALL
            .into_iter()
            .map(|region| {
                day.tickets
                    .iter()
                    .filter(|t| t.region() == region)
                    .cloned()
                    .collect()
            })
            .collect();
        let rosters: Vec<Result<Roster, CoverageError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = Region::ALL
                .into_iter()
                .zip(by_region.iter().zip(&engineers))
                .map(|(region, (tickets, engineers))| {
                    let plan_options = &plan_options;
                    scope.spawn(move || {
                        dispatch::HubDay::new(region, day.date, tickets.clone(), engineers.clone())
                            .and_then(|hub_day| dispatch::plan(&hub_day, travel, plan_options))
                            .map_err(|source| CoverageError::Dispatch {
                                date: day.date,
                                hub: region,
                                source,
                            })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().expect("a planning thread panicked"))
                .collect()
        });
        for ((stats, roster), tickets) in regions.iter_mut().zip(rosters).zip(&by_region) {
            let roster = roster?;
            let key: HashSet<&str> = tickets
                .iter()
                .filter(|t| t.sla().on_site_minutes() <= 120)
                .map(|t| t.id().as_str())
                .collect();
            stats.tickets += roster.summary.tickets;
            stats.assigned += roster.summary.assigned;
            stats.on_time += roster.summary.on_time;
            stats.solve_seconds += roster.summary.solve_seconds;
            stats.key_tickets += key.len() as u32;
            stats.key_on_time += roster
                .routes
                .iter()
                .flat_map(|route| &route.visits)
                .filter(|visit| visit.late_minutes == 0 && key.contains(visit.ticket_id.as_str()))
                .count() as u32;
            let on_time: HashSet<&str> = roster
                .routes
                .iter()
                .flat_map(|route| &route.visits)
                .filter(|visit| visit.late_minutes == 0)
                .map(|visit| visit.ticket_id.as_str())
                .collect();
            for ticket in tickets {
                let nearest = fleet
                    .bases
                    .iter()
                    .enumerate()
                    .filter(|(_, base)| base.is_staffed() && base.region == ticket.region())
                    .map(|(index, base)| (index, travel.leg(base.location, ticket.site()).seconds))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                let since = |at: DateTime<Utc>| {
                    (at - epoch.expect("a day is being replayed")).num_seconds() as f64
                };
                let job = Job {
                    released: since(ticket.reported_at()) + lead,
                    travel: nearest.map_or(f64::INFINITY, |(_, seconds)| seconds),
                    service: f64::from(ticket.service_minutes()) * 60.0,
                    deadline: since(ticket.deadlines().on_site_by),
                };
                if job.attainable() {
                    stats.attainable += 1;
                    stats.attainable_on_time += u32::from(on_time.contains(ticket.id().as_str()));
                }
                if let Some((base, _)) = nearest {
                    jobs[base].push(job);
                }
            }
        }
        progress(day_index + 1, days.len());
    }
    for stats in &mut regions {
        finish(stats);
    }
    let mut national = RegionReplay {
        region: None,
        name: "China".into(),
        ..RegionReplay::default()
    };
    for stats in &regions {
        national.engineers += stats.engineers;
        national.tickets += stats.tickets;
        national.assigned += stats.assigned;
        national.on_time += stats.on_time;
        national.attainable += stats.attainable;
        national.attainable_on_time += stats.attainable_on_time;
        national.key_tickets += stats.key_tickets;
        national.key_on_time += stats.key_on_time;
        national.solve_seconds += stats.solve_seconds;
    }
    finish(&mut national);

    let bases = fleet
        .bases
        .iter()
        .zip(&mut jobs)
        .filter(|(base, jobs)| base.is_staffed() || !jobs.is_empty())
        .map(|(base, jobs)| {
            // Dispatched as reported (stable: ties keep the day's order).
            jobs.sort_by(|a, b| a.released.total_cmp(&b.released));
            let tickets = jobs.len();
            let attainable = jobs.iter().filter(|job| job.attainable()).count();
            let needed_on_time = (options.target * attainable as f64 - 1e-9).ceil() as usize;
            let needed = if attainable == 0 {
                Some(0)
            } else {
                smallest_staff(|n| on_time(jobs, n) >= needed_on_time)
            };
            BaseNeed {
                id: base.id.clone(),
                name: base.name.clone(),
                kind: base.kind,
                region: base.region,
                city_adcode: base.city_adcode,
                lat: base.location.lat(),
                lon: base.location.lon(),
                engineers: base.engineers.len(),
                tickets,
                tickets_per_day: tickets as f64 / days.len().max(1) as f64,
                attainable,
                needed,
                on_time_share_now: if attainable == 0 {
                    1.0
                } else {
                    on_time(jobs, base.engineers.len()) as f64 / attainable as f64
                },
            }
        })
        .collect();
    Ok(ReplayReport {
        first_day: days.first().map(|day| day.date),
        days: days.len(),
        tickets: days.iter().map(|day| day.tickets.len()).sum(),
        solver_seconds_per_hub_day: options.time_limit.as_secs_f64(),
        target: options.target,
        national,
        regions,
        bases,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn finish(stats: &mut RegionReplay) {
    let share = |part: u32, whole: u32| {
        if whole == 0 {
            1.0
        } else {
            (f64::from(part) / f64::from(whole)).min(1.0)
        }
    };
    stats.on_time_share = share(stats.on_time, stats.tickets);
    stats.on_time_share_of_attainable = share(stats.attainable_on_time, stats.attainable);
}

/// The smallest staff in `1..=MAX_ENGINEERS` that passes, by bisection
/// (more engineers never serve fewer tickets on time in this model).
fn smallest_staff(passes: impl Fn(usize) -> bool) -> Option<usize> {
    if !passes(MAX_ENGINEERS) {
        return None;
    }
    let (mut low, mut high) = (1, MAX_ENGINEERS);
    while low < high {
        let middle = (low + high) / 2;
        if passes(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

/// Attainable tickets on time when `staff` crews take the base's tickets
/// in report order, each ticket to the crew free first.
fn on_time(jobs: &[Job], staff: usize) -> usize {
    if staff == 0 {
        return 0;
    }
    let mut count = 0;
    let mut free_at = vec![f64::NEG_INFINITY; staff];
    for job in jobs {
        let (crew, free) = free_at
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("staff > 0");
        let start = job.released.max(free);
        free_at[crew] = start + 2.0 * job.travel + job.service;
        if job.attainable() && start + job.travel <= job.deadline {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(released_minutes: f64, travel_minutes: f64) -> Job {
        Job {
            released: released_minutes * 60.0,
            travel: travel_minutes * 60.0,
            service: 3600.0,
            deadline: (released_minutes + 120.0) * 60.0,
        }
    }

    #[test]
    fn more_crews_serve_more_on_time() {
        // Four tickets at once, 30 min away, due within 2 h: one crew is
        // back after 2 h, too late for the second.
        let jobs = vec![job(0.0, 30.0); 4];
        assert_eq!(on_time(&jobs, 1), 1);
        assert_eq!(on_time(&jobs, 2), 2);
        assert_eq!(on_time(&jobs, 4), 4);
        assert_eq!(smallest_staff(|n| on_time(&jobs, n) >= 4), Some(4));
        // Spread over the day, one crew serves them all.
        let spread: Vec<Job> = (0..4).map(|i| job(150.0 * i as f64, 30.0)).collect();
        assert_eq!(smallest_staff(|n| on_time(&spread, n) >= 4), Some(1));
    }

    #[test]
    fn an_unattainable_ticket_is_never_on_time() {
        let far = vec![job(0.0, 150.0)];
        assert!(!far[0].attainable());
        assert_eq!(on_time(&far, 10), 0);
    }

    #[test]
    fn a_history_is_grouped_by_the_morning_plan() {
        use chrono::TimeZone;
        let at = |d, h| {
            crate::domain::service_offset()
                .with_ymd_and_hms(2026, 11, d, h, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(plan_date(at(29, 8)), day);
        assert_eq!(plan_date(at(30, 7)), day);
        assert_eq!(plan_date(at(30, 8)), day.succ_opt().unwrap());
    }
}
