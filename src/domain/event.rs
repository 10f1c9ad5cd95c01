//! Engineer status events and the state derived from them.
//!
//! An engineer's phone reports what happens during the day — shift
//! started, driving to a ticket, arrived, finished (with the outcome),
//! a position, a time unavailable, shift ended — as [`EngineerEvent`]s.
//! Events are facts: stored once, never changed. Everything else is
//! folded from them: [`EngineerState::from_events`] says where an engineer
//! is, what they are doing and from when they are free, and
//! [`check_event`] decides whether a new event may follow the ones stored.
//! Pure: no clock is read here, `now` is passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{DomainError, EngineerId, EventId, GeoPoint, PartCode, TicketId};

/// How a visit ended, as the engineer reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Service restored.
    Fixed,
    /// A part is needed that the engineer did not have: it is ordered and
    /// a return visit follows once it has arrived.
    NeedsPart { part: PartCode },
    /// More work on another visit, of about `minutes` on site.
    NeedsReturn { minutes: u32 },
    /// Nobody let the engineer in: the visit must be made again.
    CustomerAbsent,
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Fixed => "fixed",
            Outcome::NeedsPart { .. } => "needs_part",
            Outcome::NeedsReturn { .. } => "needs_return",
            Outcome::CustomerAbsent => "customer_absent",
        }
    }
}

/// What the engineer reports when leaving a site: the outcome and the
/// service record's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finish {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Parts fitted on this visit (taken from the engineer's stock point).
    #[serde(default)]
    pub parts_used: Vec<PartCode>,
    #[serde(default)]
    pub notes: Option<String>,
    /// The name of the customer's person who signed the service record.
    #[serde(default)]
    pub signed_off_by: Option<String>,
}

/// Longest free text accepted in notes, reasons and names.
pub const MAX_TEXT_CHARS: usize = 2000;

impl Finish {
    /// Checks the free-text fields and the return visit's length.
    pub fn new(
        outcome: Outcome,
        parts_used: Vec<PartCode>,
        notes: Option<String>,
        signed_off_by: Option<String>,
    ) -> Result<Self, DomainError> {
        if let Outcome::NeedsReturn { minutes } = outcome
            && (minutes == 0 || minutes > super::Ticket::MAX_SERVICE_MINUTES)
        {
            return Err(DomainError::new(
                "minutes",
                format!(
                    "{minutes} is outside 1..={}",
                    super::Ticket::MAX_SERVICE_MINUTES
                ),
            ));
        }
        let notes = text("notes", notes, MAX_TEXT_CHARS)?;
        let signed_off_by = text("signed_off_by", signed_off_by, 200)?;
        if parts_used.len() > 50 {
            return Err(DomainError::new("parts_used", "at most 50 parts per visit"));
        }
        Ok(Self {
            outcome,
            parts_used,
            notes,
            signed_off_by,
        })
    }
}

/// Trims optional free text; empty is none, too long is refused.
fn text(field: &str, raw: Option<String>, max: usize) -> Result<Option<String>, DomainError> {
    match raw.map(|raw| raw.trim().to_string()) {
        Some(value) if value.chars().count() > max => {
            Err(DomainError::new(field, format!("at most {max} characters")))
        }
        Some(value) if value.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// What happened, with what it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Work begins from `position`.
    ShiftStarted {
        position: GeoPoint,
    },
    /// Driving to a ticket's site.
    EnRoute {
        ticket_id: TicketId,
    },
    /// On site at the ticket. `site` and `service_minutes` are the
    /// ticket's, recorded when the event is stored, so the engineer's
    /// state can be derived from the events alone.
    Arrived {
        ticket_id: TicketId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<GeoPoint>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service_minutes: Option<u32>,
    },
    /// Leaving the site with an outcome.
    Finished {
        ticket_id: TicketId,
        #[serde(flatten)]
        finish: Finish,
    },
    Position {
        position: GeoPoint,
    },
    /// Not available for work from `from` until `until` (sick, car broken).
    Unavailable {
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: String,
    },
    ShiftEnded,
}

impl EventKind {
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::ShiftStarted { .. } => "shift_started",
            EventKind::EnRoute { .. } => "en_route",
            EventKind::Arrived { .. } => "arrived",
            EventKind::Finished { .. } => "finished",
            EventKind::Position { .. } => "position",
            EventKind::Unavailable { .. } => "unavailable",
            EventKind::ShiftEnded => "shift_ended",
        }
    }

    /// The ticket the event is about, if any.
    pub fn ticket_id(&self) -> Option<&TicketId> {
        match self {
            EventKind::EnRoute { ticket_id }
            | EventKind::Arrived { ticket_id, .. }
            | EventKind::Finished { ticket_id, .. } => Some(ticket_id),
            _ => None,
        }
    }

    /// Where the engineer is known to be when the event happens.
    pub fn position(&self) -> Option<GeoPoint> {
        match self {
            EventKind::ShiftStarted { position } | EventKind::Position { position } => {
                Some(*position)
            }
            EventKind::Arrived { site, .. } => *site,
            _ => None,
        }
    }

    /// Builds an unavailable window, checking it is not empty.
    pub fn unavailable(
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        reason: String,
    ) -> Result<Self, DomainError> {
        if until <= from {
            return Err(DomainError::new("until", "must be after from"));
        }
        let reason = text("reason", Some(reason), 500)?
            .ok_or_else(|| DomainError::new("reason", "must not be empty"))?;
        Ok(EventKind::Unavailable {
            from,
            until,
            reason,
        })
    }
}

/// One stored status event of one engineer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineerEvent {
    pub event_id: EventId,
    pub engineer_id: EngineerId,
    /// When it happened, as the phone reports it.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an engineer is doing, as the last events say.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "activity", rename_all = "snake_case")]
pub enum Activity {
    /// No shift started (or the shift ended).
    OffShift,
    /// On shift, between visits.
    Available,
    EnRoute {
        ticket_id: TicketId,
        since: DateTime<Utc>,
    },
    OnSite {
        ticket_id: TicketId,
        since: DateTime<Utc>,
    },
    /// Inside an unavailable window.
    Unavailable {
        until: DateTime<Utc>,
        reason: String,
    },
}

/// A time an engineer reported being unavailable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnavailableWindow {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: String,
}

/// A visit an engineer finished, from their events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinishedVisit {
    pub ticket_id: TicketId,
    pub arrived_at: DateTime<Utc>,
    pub departed_at: DateTime<Utc>,
    pub outcome: Outcome,
}

/// An engineer's state folded from their events: where they are, what
/// they are doing, when they are free for the next visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineerState {
    /// The last known position (a reported one, or the site arrived at).
    pub position: Option<GeoPoint>,
    pub position_at: Option<DateTime<Utc>>,
    /// What the last event left the engineer doing.
    #[serde(flatten)]
    pub activity: Activity,
    /// From when the engineer can take another visit: the last event's
    /// time when free, the expected end of the visit under way (arrival
    /// plus the ticket's service minutes, never before the last event),
    /// pushed past any unavailable window it falls in. `None` off shift.
    /// Driving to a visit it is the time they set off: the event names
    /// no drive or service, so a re-plan reads the visit's end from the
    /// route (`dispatch::Restart::reported`).
    pub free_from: Option<DateTime<Utc>>,
    /// The ticket driven to or worked on.
    pub ticket_under_way: Option<TicketId>,
    pub unavailable: Vec<UnavailableWindow>,
    /// Visits finished, in order.
    pub finished: Vec<FinishedVisit>,
    pub last_event_at: Option<DateTime<Utc>>,
}

impl EngineerState {
    /// Each engineer's state from a mixed list of events in stored order
    /// (a hub's day, say); engineers without events are not in the map.
    pub fn of_each(
        events: Vec<EngineerEvent>,
    ) -> std::collections::HashMap<super::EngineerId, EngineerState> {
        let mut by_engineer: std::collections::HashMap<super::EngineerId, Vec<EngineerEvent>> =
            std::collections::HashMap::new();
        for event in events {
            by_engineer
                .entry(event.engineer_id.clone())
                .or_default()
                .push(event);
        }
        by_engineer
            .into_iter()
            .map(|(engineer, events)| (engineer, EngineerState::from_events(&events)))
            .collect()
    }

    /// Folds an engineer's events, in the order given (stored order: by
    /// time, then arrival). Events that do not fit the state (they were
    /// refused when stored, so only hand-made lists have them) are read
    /// for what they say without failing.
    pub fn from_events(events: &[EngineerEvent]) -> EngineerState {
        let mut state = EngineerState {
            position: None,
            position_at: None,
            activity: Activity::OffShift,
            free_from: None,
            ticket_under_way: None,
            unavailable: Vec::new(),
            finished: Vec::new(),
            last_event_at: None,
        };
        let mut expected_end: Option<DateTime<Utc>> = None;
        for event in events {
            let at = event.at;
            state.last_event_at = Some(at);
            if let Some(position) = event.kind.position() {
                state.position = Some(position);
                state.position_at = Some(at);
            }
            match &event.kind {
                EventKind::ShiftStarted { .. } => {
                    state.activity = Activity::Available;
                    state.ticket_under_way = None;
                    expected_end = None;
                }
                EventKind::EnRoute { ticket_id } => {
                    state.activity = Activity::EnRoute {
                        ticket_id: ticket_id.clone(),
                        since: at,
                    };
                    state.ticket_under_way = Some(ticket_id.clone());
                    expected_end = None;
                }
                EventKind::Arrived {
                    ticket_id,
                    service_minutes,
                    ..
                } => {
                    state.activity = Activity::OnSite {
                        ticket_id: ticket_id.clone(),
                        since: at,
                    };
                    state.ticket_under_way = Some(ticket_id.clone());
                    expected_end =
                        service_minutes.map(|minutes| at + Duration::minutes(i64::from(minutes)));
                }
                EventKind::Finished { ticket_id, finish } => {
                    let arrived_at = match &state.activity {
                        Activity::OnSite {
                            ticket_id: on_site,
                            since,
                        } if on_site == ticket_id => *since,
                        _ => at,
                    };
                    state.finished.push(FinishedVisit {
                        ticket_id: ticket_id.clone(),
                        arrived_at,
                        departed_at: at,
                        outcome: finish.outcome.clone(),
                    });
                    state.activity = Activity::Available;
                    state.ticket_under_way = None;
                    expected_end = None;
                }
                EventKind::Position { .. } => {
                    if state.activity == Activity::OffShift {
                        // A phone reporting a position is at work.
                        state.activity = Activity::Available;
                    }
                }
                EventKind::Unavailable {
                    from,
                    until,
                    reason,
                } => state.unavailable.push(UnavailableWindow {
                    from: *from,
                    until: *until,
                    reason: reason.clone(),
                }),
                EventKind::ShiftEnded => {
                    state.activity = Activity::OffShift;
                    state.ticket_under_way = None;
                    expected_end = None;
                }
            }
        }
        state.free_from = match (&state.activity, state.last_event_at) {
            (Activity::OffShift, _) | (_, None) => None,
            (_, Some(last)) => {
                Some(state.after_unavailable(expected_end.unwrap_or(last).max(last)))
            }
        };
        state
    }

    /// `at`, moved past every unavailable window it falls in.
    pub fn after_unavailable(&self, mut at: DateTime<Utc>) -> DateTime<Utc> {
        let mut windows: Vec<&UnavailableWindow> = self.unavailable.iter().collect();
        windows.sort_by_key(|w| w.from);
        for window in windows {
            if window.from <= at && at < window.until {
                at = window.until;
            }
        }
        at
    }

    /// The activity at `now`: an unavailable window covering `now` wins
    /// over what the last event said.
    pub fn activity_at(&self, now: DateTime<Utc>) -> Activity {
        match self
            .unavailable
            .iter()
            .find(|w| w.from <= now && now < w.until)
        {
            Some(window) => Activity::Unavailable {
                until: window.until,
                reason: window.reason.clone(),
            },
            None => self.activity.clone(),
        }
    }
}

/// Why a new event cannot follow the stored ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRefusal {
    /// The event contradicts the plan or the engineer's state (HTTP 409).
    Conflict {
        field: &'static str,
        message: String,
        /// The tickets on the engineer's route, when the refusal is about
        /// a ticket not on it.
        route: Vec<TicketId>,
    },
    /// The event's time cannot be accepted (HTTP 422).
    Unprocessable {
        field: &'static str,
        message: String,
    },
}

impl EventRefusal {
    pub fn field(&self) -> &'static str {
        match self {
            EventRefusal::Conflict { field, .. } | EventRefusal::Unprocessable { field, .. } => {
                field
            }
        }
    }

    pub fn message(&self) -> &str {
        match self {
            EventRefusal::Conflict { message, .. }
            | EventRefusal::Unprocessable { message, .. } => message,
        }
    }
}

impl std::fmt::Display for EventRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field(), self.message())
    }
}

/// The rules a new event must pass against what is stored.
#[derive(Debug, Clone)]
pub struct EventCheck<'a> {
    /// The moment the event is received.
    pub now: DateTime<Utc>,
    /// How far in the future a phone's clock may run.
    pub max_skew: Duration,
    /// The engineer's stored events before this one, in stored order: at
    /// least the last that changed what they are doing (`shift_started`,
    /// `en_route`, `arrived`, `finished`, `shift_ended`).
    pub previous: &'a [EngineerEvent],
    /// The time of the engineer's latest stored event, when `previous`
    /// does not end with it.
    pub last_at: Option<DateTime<Utc>>,
    /// The tickets on the engineer's published route for the event's day;
    /// `None` when the engineer has no route that day.
    pub route: Option<&'a [TicketId]>,
}

/// Checks that `kind` at `at` may follow the stored events: not in the
/// future beyond the skew, not before the previous event, arriving only at
/// a ticket of the route or the one the engineer set off for (driving to
/// one only on the route), finishing only the visit
/// the engineer is on site at, and arriving only when not on site
/// elsewhere.
pub fn check_event(
    check: &EventCheck<'_>,
    at: DateTime<Utc>,
    kind: &EventKind,
) -> Result<(), EventRefusal> {
    if at > check.now + check.max_skew {
        return Err(EventRefusal::Unprocessable {
            field: "at",
            message: format!(
                "{} is more than {} minutes in the future",
                at.with_timezone(&super::service_offset()).to_rfc3339(),
                check.max_skew.num_minutes()
            ),
        });
    }
    if let Some(last) = check
        .previous
        .iter()
        .map(|e| e.at)
        .chain(check.last_at)
        .max()
        && at < last
    {
        return Err(EventRefusal::Unprocessable {
            field: "at",
            message: format!(
                "{} is before the engineer's previous event at {}",
                at.with_timezone(&super::service_offset()).to_rfc3339(),
                last.with_timezone(&super::service_offset()).to_rfc3339()
            ),
        });
    }
    let state = EngineerState::from_events(check.previous);
    match kind {
        EventKind::EnRoute { ticket_id } | EventKind::Arrived { ticket_id, .. } => {
            let route = check.route.unwrap_or(&[]);
            // Arriving where the engineer said they were driving to: that
            // drive was checked against the route of its day, and a night
            // call that sets off at 23:50 arrives on a day whose route does
            // not hold it.
            let driving_there = matches!(kind, EventKind::Arrived { .. })
                && matches!(&state.activity, Activity::EnRoute { ticket_id: to, .. } if to == ticket_id);
            if !route.contains(ticket_id) && !driving_there {
                let listed = if route.is_empty() {
                    "the engineer has no published route that day".to_string()
                } else {
                    format!(
                        "the route's tickets are {}",
                        route
                            .iter()
                            .map(TicketId::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(EventRefusal::Conflict {
                    field: "ticket_id",
                    message: format!("{ticket_id} is not on the engineer's route: {listed}"),
                    route: route.to_vec(),
                });
            }
            if let Activity::OnSite {
                ticket_id: on_site, ..
            } = &state.activity
                && on_site != ticket_id
            {
                return Err(EventRefusal::Conflict {
                    field: "ticket_id",
                    message: format!(
                        "the engineer is on site at {on_site}: finish it before moving on to {ticket_id}"
                    ),
                    route: Vec::new(),
                });
            }
            if matches!(kind, EventKind::Arrived { .. })
                && matches!(&state.activity, Activity::OnSite { ticket_id: on_site, .. } if on_site == ticket_id)
            {
                return Err(EventRefusal::Conflict {
                    field: "ticket_id",
                    message: format!("the engineer is already on site at {ticket_id}"),
                    route: Vec::new(),
                });
            }
        }
        EventKind::Finished { ticket_id, .. } => match &state.activity {
            Activity::OnSite {
                ticket_id: on_site, ..
            } if on_site == ticket_id => {}
            _ => {
                return Err(EventRefusal::Conflict {
                    field: "ticket_id",
                    message: format!(
                        "the engineer did not arrive at {ticket_id}: report `arrived` before `finished`"
                    ),
                    route: Vec::new(),
                });
            }
        },
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        // Local 2026-11-30 hour:minute (+08:00).
        Utc.with_ymd_and_hms(2026, 11, 30, hour - 8, minute, 0)
            .unwrap()
    }

    fn ticket(id: &str) -> TicketId {
        TicketId::parse(id).unwrap()
    }

    fn site() -> GeoPoint {
        GeoPoint::new(30.3, 120.1).unwrap()
    }

    fn event(n: u32, when: DateTime<Utc>, kind: EventKind) -> EngineerEvent {
        EngineerEvent {
            event_id: EventId::parse(format!("e{n}")).unwrap(),
            engineer_id: EngineerId::parse("E001").unwrap(),
            at: when,
            kind,
        }
    }

    fn arrived(id: &str) -> EventKind {
        EventKind::Arrived {
            ticket_id: ticket(id),
            site: Some(site()),
            service_minutes: Some(90),
        }
    }

    fn finished(id: &str, outcome: Outcome) -> EventKind {
        EventKind::Finished {
            ticket_id: ticket(id),
            finish: Finish::new(outcome, vec![], None, None).unwrap(),
        }
    }

    fn day() -> Vec<EngineerEvent> {
        vec![
            event(
                1,
                at(8, 0),
                EventKind::ShiftStarted {
                    position: GeoPoint::new(29.9, 121.5).unwrap(),
                },
            ),
            event(
                2,
                at(8, 30),
                EventKind::EnRoute {
                    ticket_id: ticket("T1"),
                },
            ),
            event(3, at(9, 40), arrived("T1")),
        ]
    }

    #[test]
    fn an_engineer_on_site_is_at_the_customer_and_free_after_the_service_time() {
        let state = EngineerState::from_events(&day());
        assert_eq!(state.position, Some(site()));
        assert_eq!(
            state.activity,
            Activity::OnSite {
                ticket_id: ticket("T1"),
                since: at(9, 40)
            }
        );
        assert_eq!(state.free_from, Some(at(11, 10)));
        assert_eq!(state.ticket_under_way, Some(ticket("T1")));
    }

    #[test]
    fn a_finished_visit_frees_the_engineer_at_once_and_is_listed() {
        let mut events = day();
        events.push(event(4, at(10, 20), finished("T1", Outcome::Fixed)));
        let state = EngineerState::from_events(&events);
        assert_eq!(state.activity, Activity::Available);
        assert_eq!(state.free_from, Some(at(10, 20)));
        assert_eq!(state.finished.len(), 1);
        assert_eq!(state.finished[0].arrived_at, at(9, 40));
        assert_eq!(state.finished[0].departed_at, at(10, 20));
    }

    #[test]
    fn an_unavailable_window_pushes_free_from_and_shows_at_its_time() {
        let mut events = day();
        events.push(event(4, at(10, 0), finished("T1", Outcome::Fixed)));
        events.push(event(
            5,
            at(10, 5),
            EventKind::unavailable(at(10, 0), at(13, 0), "flat tyre".into()).unwrap(),
        ));
        let state = EngineerState::from_events(&events);
        assert_eq!(state.free_from, Some(at(13, 0)));
        assert!(matches!(
            state.activity_at(at(11, 0)),
            Activity::Unavailable { .. }
        ));
        assert_eq!(state.activity_at(at(14, 0)), Activity::Available);
    }

    #[test]
    fn off_shift_has_no_free_time() {
        let mut events = day();
        events.push(event(4, at(10, 0), finished("T1", Outcome::Fixed)));
        events.push(event(5, at(17, 0), EventKind::ShiftEnded));
        let state = EngineerState::from_events(&events);
        assert_eq!(state.activity, Activity::OffShift);
        assert_eq!(state.free_from, None);
        assert_eq!(EngineerState::from_events(&[]).free_from, None);
    }

    fn check<'a>(previous: &'a [EngineerEvent], route: &'a [TicketId]) -> EventCheck<'a> {
        EventCheck {
            now: at(12, 0),
            max_skew: Duration::minutes(5),
            previous,
            last_at: None,
            route: Some(route),
        }
    }

    #[test]
    fn a_time_in_the_future_or_before_the_previous_event_is_refused_naming_at() {
        let events = day();
        let route = [ticket("T1")];
        let future = check_event(&check(&events, &route), at(12, 6), &EventKind::ShiftEnded);
        assert!(matches!(
            future,
            Err(EventRefusal::Unprocessable { field: "at", .. })
        ));
        assert!(check_event(&check(&events, &route), at(12, 5), &EventKind::ShiftEnded).is_ok());
        let earlier = check_event(&check(&events, &route), at(9, 0), &EventKind::ShiftEnded);
        assert_eq!(earlier.unwrap_err().field(), "at");
    }

    #[test]
    fn arriving_off_the_route_names_the_route_and_finishing_needs_an_arrival() {
        let events = day();
        let route = [ticket("T1"), ticket("T2")];
        let refusal =
            check_event(&check(&events[..2], &route), at(9, 0), &arrived("T9")).unwrap_err();
        match refusal {
            EventRefusal::Conflict {
                field,
                route,
                message,
            } => {
                assert_eq!(field, "ticket_id");
                assert_eq!(route.len(), 2);
                assert!(message.contains("T1, T2"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let not_there = check_event(
            &check(&events[..2], &route),
            at(9, 0),
            &finished("T1", Outcome::Fixed),
        );
        assert!(matches!(
            not_there,
            Err(EventRefusal::Conflict {
                field: "ticket_id",
                ..
            })
        ));
        assert!(
            check_event(
                &check(&events, &route),
                at(10, 0),
                &finished("T1", Outcome::Fixed)
            )
            .is_ok()
        );
        // On site at T1: T2 must wait for T1's finish.
        assert!(check_event(&check(&events, &route), at(10, 0), &arrived("T2")).is_err());
    }

    #[test]
    fn arriving_after_midnight_where_the_engineer_was_driving_is_accepted() {
        // En route to T1 on yesterday's route; the day's route (checked
        // for the arrival's day) holds only T2, or nothing at all.
        let events = day();
        let en_route = &events[..2];
        for route in [&[ticket("T2")][..], &[]] {
            let mut check = check(en_route, route);
            check.route = (!route.is_empty()).then_some(route);
            assert!(check_event(&check, at(9, 0), &arrived("T1")).is_ok());
            // Somewhere else is still off the route, and setting off anew
            // needs the day's route.
            assert!(check_event(&check, at(9, 0), &arrived("T9")).is_err());
            let again = EventKind::EnRoute {
                ticket_id: ticket("T1"),
            };
            assert!(check_event(&check, at(9, 0), &again).is_err());
        }
    }

    #[test]
    fn finish_checks_its_free_text_and_return_length() {
        assert_eq!(
            Finish::new(Outcome::NeedsReturn { minutes: 0 }, vec![], None, None)
                .unwrap_err()
                .field,
            "minutes"
        );
        let finish = Finish::new(
            Outcome::Fixed,
            vec![],
            Some("  ".into()),
            Some(" Ms Chen ".into()),
        )
        .unwrap();
        assert_eq!(finish.notes, None);
        assert_eq!(finish.signed_off_by.as_deref(), Some("Ms Chen"));
        assert_eq!(
            EventKind::unavailable(at(10, 0), at(10, 0), "x".into())
                .unwrap_err()
                .field,
            "until"
        );
    }

    #[test]
    fn events_round_trip_through_json() {
        let event = event(
            9,
            at(10, 0),
            finished(
                "T1",
                Outcome::NeedsPart {
                    part: PartCode::parse("SRV-PSU").unwrap(),
                },
            ),
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], "finished");
        assert_eq!(json["outcome"], "needs_part");
        assert_eq!(json["part"], "SRV-PSU");
        let back: EngineerEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
