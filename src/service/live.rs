//! Live dispatch inside `ruyi serve`: one task per hub re-plans the hub's
//! day whenever something happened there — a ticket reported, a visit that
//! ended far from plan, an engineer who cannot work — at the next boundary
//! of the change's [`Urgency`] (see [`Cadence`]), and plans each new day at
//! local midnight so on-call engineers go out at night. A hub's re-plans
//! run one at a time in its task (the solver on the blocking pool, so
//! requests keep being answered); a re-plan that fails leaves the last
//! published plan in force and logs why. Every new revision is announced
//! to subscribers (the route event streams).
//!
//! The simulation (`ruyi simulate`) drives the same cadence and the same
//! [`plan_and_store_knowing`] with warm starts, on a simulated clock.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{broadcast, mpsc};

use super::plan_and_store_knowing;
use crate::clock::Clock;
use crate::dispatch::{Cadence, PlanOptions, Urgency, day_origin};
use crate::domain::{Region, Roster, service_offset};
use crate::storage::Store;
use crate::travel::GreatCircle;

/// A revision of a hub's day that was just published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub hub: Region,
    pub date: NaiveDate,
    pub roster_id: i64,
}

/// The hubs' dispatch tasks (when live dispatch is on) and the channel
/// that announces new revisions (always: a roster planned through the API
/// is announced too).
pub struct LiveDispatch {
    hubs: HashMap<Region, mpsc::UnboundedSender<Urgency>>,
    published: broadcast::Sender<Published>,
}

/// What the hubs' tasks plan with.
#[derive(Clone)]
pub struct LivePlanning {
    pub store: Store,
    pub clock: Clock,
    pub options: PlanOptions,
    pub travel: GreatCircle,
    pub cadence: Cadence,
}

impl LiveDispatch {
    /// Announcements only: no hub is re-planned by itself.
    pub fn off() -> Arc<Self> {
        Arc::new(LiveDispatch {
            hubs: HashMap::new(),
            published: broadcast::channel(256).0,
        })
    }

    /// Starts one task per hub on the current runtime.
    pub fn start(planning: LivePlanning) -> Arc<Self> {
        let published = broadcast::channel(256).0;
        let mut hubs = HashMap::new();
        for hub in Region::ALL {
            let (sender, receiver) = mpsc::unbounded_channel();
            hubs.insert(hub, sender);
            tokio::spawn(run_hub(hub, planning.clone(), receiver, published.clone()));
        }
        tracing::info!(
            prompt_minutes = planning.cadence.prompt.num_minutes(),
            routine_minutes = planning.cadence.routine.num_minutes(),
            "live dispatch on"
        );
        Arc::new(LiveDispatch { hubs, published })
    }

    /// Something happened at `hub` that its plan should take in.
    pub fn nudge(&self, hub: Region, urgency: Urgency) {
        if let Some(hub) = self.hubs.get(&hub) {
            // A hub task only ends with the runtime.
            let _ = hub.send(urgency);
        }
    }

    /// Announces a revision stored by someone else (a roster planned
    /// through the API).
    pub fn announce(&self, published: Published) {
        // Nobody listening is fine.
        let _ = self.published.send(published);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.published.subscribe()
    }
}

/// The first moment of the local day after `now`'s.
fn next_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&service_offset()).date_naive();
    day_origin(today + chrono::Duration::days(1))
}

/// How long until `at` by `clock`, never negative.
fn until(clock: &Clock, at: DateTime<Utc>) -> std::time::Duration {
    (at - clock.now()).to_std().unwrap_or_default()
}

async fn run_hub(
    hub: Region,
    planning: LivePlanning,
    mut changes: mpsc::UnboundedReceiver<Urgency>,
    published: broadcast::Sender<Published>,
) {
    // The revision this task stored last: the next re-plan continues from
    // it without reading it back while nobody else revised the day.
    let mut stored: Option<Roster> = None;
    loop {
        // Wait for the first change, or for the next day to begin.
        let midnight = next_midnight(planning.clock.now());
        let mut due = tokio::select! {
            change = changes.recv() => match change {
                Some(urgency) => planning.cadence.replan_at(planning.clock.now(), urgency),
                None => return,
            },
            () = tokio::time::sleep(until(&planning.clock, midnight)) => planning.clock.now(),
        };
        // Take in whatever else happens before the plan is due.
        loop {
            tokio::select! {
                change = changes.recv() => match change {
                    Some(urgency) => {
                        due = due.min(planning.cadence.replan_at(planning.clock.now(), urgency));
                    }
                    None => return,
                },
                () = tokio::time::sleep(until(&planning.clock, due)) => break,
            }
        }
        if let Some(roster) = replan(hub, &planning, &published, stored.as_ref()).await {
            stored = Some(roster);
        }
    }
}

/// Re-plans the hub now and announces the new revision, which it returns.
async fn replan(
    hub: Region,
    planning: &LivePlanning,
    published: &broadcast::Sender<Published>,
    previous: Option<&Roster>,
) -> Option<Roster> {
    let now = planning.clock.now();
    let date = now.with_timezone(&service_offset()).date_naive();
    let options = PlanOptions {
        warm_start: true,
        live: true,
        ..planning.options.clone()
    };
    let started = std::time::Instant::now();
    let planned = plan_and_store_knowing(
        &planning.store,
        hub,
        date,
        now,
        now,
        &options,
        &planning.travel,
        previous,
    )
    .await;
    match planned {
        Ok(roster) => {
            let roster_id = roster.id.expect("a stored roster has its id");
            tracing::info!(
                %hub,
                %date,
                roster_id,
                seconds = started.elapsed().as_secs_f64(),
                assigned = roster.summary.assigned,
                "live re-plan published"
            );
            let _ = published.send(Published {
                hub,
                date,
                roster_id,
            });
            Some(roster)
        }
        Err(error) => {
            tracing::warn!(
                %hub,
                %date,
                error = %super::error_chain(&error),
                "live re-plan failed; the published plan stays in force"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_next_day_begins_at_local_midnight() {
        // 23:30 China time on the 30th is 15:30 UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 15, 30, 0).unwrap();
        assert_eq!(
            next_midnight(now),
            Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap()
        );
    }
}
