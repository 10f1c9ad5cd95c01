//! The roster repository: a hub's day with its routes, visits and the
//! tickets it could not place.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::rows::service_hours_code;
use super::tickets::{INSERT_TICKET, duplicate_or, insert_ticket, next_ticket_id};
use super::{StorageError, Store, in_transaction, in_write_transaction, on_pool};
use crate::domain::{
    AssignmentReport, EngineerId, EngineerRoute, GeoPoint, Loaner, ReasonCode, Region,
    RemoteAttempt, RemoteOutcome, Roster, RosterSummary, StationWorkload, StockPoint, Ticket,
    TicketId, TicketStatus, UnassignedTicket, Visit, VisitKind,
};

/// An engineer's route as stored, with the roster it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRoute {
    pub roster_id: i64,
    pub hub: Region,
    pub date: NaiveDate,
    pub route: EngineerRoute,
}

#[derive(Debug, sqlx::FromRow)]
struct RosterRow {
    id: i64,
    hub: String,
    date: NaiveDate,
    created_at: DateTime<Utc>,
    tickets: i64,
    assigned: i64,
    engineers_available: i64,
    engineers_used: i64,
    on_time: i64,
    km: f64,
    objective: i64,
    solve_seconds: f64,
    preventive_due: i64,
    mip_objective: Option<f64>,
    mip_bound: Option<f64>,
    mip_gap_percent: Option<f64>,
    mip_status: Option<String>,
    mip_variables: Option<i64>,
    mip_seconds: Option<f64>,
    mip_seeded_days: Option<i64>,
    tomorrow_planned: i64,
    tomorrow_repair_due: i64,
    workload_spread_minutes: f64,
    workload_std_minutes: f64,
    plan_time: Option<DateTime<Utc>>,
    replaces: Option<i64>,
    reachable: i64,
    on_time_reachable: i64,
    overdue_at_now: i64,
}

impl RosterRow {
    /// The MIP's report: every column set, or none (no MIP ran).
    fn assignment(&self) -> Result<Option<AssignmentReport>, StorageError> {
        match (
            self.mip_objective,
            self.mip_bound,
            self.mip_gap_percent,
            &self.mip_status,
            self.mip_variables,
            self.mip_seconds,
            self.mip_seeded_days,
        ) {
            (None, None, None, None, None, None, None) => Ok(None),
            (
                Some(objective),
                Some(bound),
                Some(gap_percent),
                Some(status),
                Some(variables),
                Some(seconds),
                Some(seeded_days),
            ) => Ok(Some(AssignmentReport {
                objective,
                bound,
                gap_percent,
                status: status.clone(),
                variables: count("mip_variables", variables)?,
                seconds,
                seeded_days: count("mip_seeded_days", seeded_days)?,
            })),
            _ => Err(StorageError::invalid_row(
                "rosters",
                "mip_objective",
                "the MIP columns are set together or not at all".to_string(),
            )),
        }
    }
}

#[derive(sqlx::FromRow)]
struct WorkloadRow {
    base: String,
    engineers: i64,
    min_minutes: f64,
    max_minutes: f64,
    mean_minutes: f64,
    std_minutes: f64,
}

#[derive(Debug, sqlx::FromRow)]
struct RouteRow {
    id: i64,
    roster_id: i64,
    engineer_id: String,
    base_lat: f64,
    base_lon: f64,
    leave_at: DateTime<Utc>,
    return_at: DateTime<Utc>,
    km: f64,
    lunch_start: Option<DateTime<Utc>>,
    lunch_end: Option<DateTime<Utc>>,
}

#[derive(Debug, sqlx::FromRow)]
struct VisitRow {
    route_id: i64,
    sequence: i64,
    ticket_id: String,
    lat: f64,
    lon: f64,
    arrival: DateTime<Utc>,
    start: DateTime<Utc>,
    departure: DateTime<Utc>,
    on_site_by: DateTime<Utc>,
    repaired_by: DateTime<Utc>,
    late_minutes: i64,
    km_from_previous: f64,
    kind: String,
    late_reason: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct UnassignedRow {
    ticket_id: String,
    reason: String,
    detail: String,
}

/// A call-center attempt as stored (`roster_remote`).
#[derive(sqlx::FromRow)]
pub(super) struct RemoteRow {
    pub ticket_id: String,
    pub agent: i64,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub outcome: String,
    pub responded_in_time: bool,
}

impl RemoteRow {
    pub(super) fn into_domain(self) -> Result<RemoteAttempt, StorageError> {
        let invalid = |column: &'static str, message: String| {
            StorageError::invalid_row("roster_remote", column, message)
        };
        Ok(RemoteAttempt {
            ticket_id: TicketId::parse(&self.ticket_id)
                .map_err(|e| invalid("ticket_id", e.message))?,
            agent: u32::try_from(self.agent)
                .map_err(|_| invalid("agent", format!("{} is out of range", self.agent)))?,
            start: self.start_at,
            end: self.end_at,
            outcome: match self.outcome.as_str() {
                "resolved" => RemoteOutcome::Resolved,
                "dispatched" => RemoteOutcome::Dispatched,
                other => return Err(invalid("outcome", format!("{other:?} is unknown"))),
            },
            responded_in_time: self.responded_in_time,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LoanerRow {
    ticket_id: String,
    repaired_by: DateTime<Utc>,
    source: String,
    detail: String,
}

/// Which stored route, and which of its tickets' events, an answer about
/// an engineer's day was made from: equal versions, equal answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteVersion {
    pub route_id: i64,
    pub newest_event: i64,
}

/// A route of the revision in force, with the hub of its day.
#[derive(sqlx::FromRow)]
struct HeadRouteRow {
    #[sqlx(flatten)]
    route: RouteRow,
    hub: String,
}

const ROUTE_COLUMNS: &str = "id, roster_id, engineer_id, base_lat, base_lon, leave_at, return_at, \
     km, lunch_start, lunch_end";
const VISIT_COLUMNS: &str = "route_id, sequence, ticket_id, lat, lon, arrival, start, departure, \
     on_site_by, repaired_by, late_minutes, km_from_previous, kind, late_reason";

fn count(column: &'static str, raw: i64) -> Result<u32, StorageError> {
    u32::try_from(raw)
        .map_err(|_| StorageError::invalid_row("rosters", column, format!("{raw} is not a count")))
}

fn point(table: &'static str, lat: f64, lon: f64) -> Result<GeoPoint, StorageError> {
    GeoPoint::new(lat, lon).map_err(|e| StorageError::invalid_row(table, "lat", e.message))
}

impl RouteRow {
    fn into_domain(self, visits: Vec<Visit>) -> Result<EngineerRoute, StorageError> {
        const TABLE: &str = "roster_routes";
        let lunch = match (self.lunch_start, self.lunch_end) {
            (Some(start), Some(end)) => Some((start, end)),
            (None, None) => None,
            _ => {
                return Err(StorageError::invalid_row(
                    TABLE,
                    "lunch_end",
                    "lunch needs both a start and an end",
                ));
            }
        };
        Ok(EngineerRoute {
            engineer_id: EngineerId::parse(&self.engineer_id)
                .map_err(|e| StorageError::invalid_row(TABLE, "engineer_id", e.message))?,
            base: point(TABLE, self.base_lat, self.base_lon)?,
            leave_at: self.leave_at,
            return_at: self.return_at,
            km: self.km,
            visits,
            lunch,
        })
    }
}

impl VisitRow {
    fn into_domain(self) -> Result<Visit, StorageError> {
        const TABLE: &str = "roster_visits";
        Ok(Visit {
            sequence: u32::try_from(self.sequence).map_err(|_| {
                StorageError::invalid_row(TABLE, "sequence", format!("{}", self.sequence))
            })?,
            ticket_id: TicketId::parse(&self.ticket_id)
                .map_err(|e| StorageError::invalid_row(TABLE, "ticket_id", e.message))?,
            location: point(TABLE, self.lat, self.lon)?,
            arrival: self.arrival,
            start: self.start,
            departure: self.departure,
            on_site_by: self.on_site_by,
            repaired_by: self.repaired_by,
            late_minutes: self.late_minutes,
            km_from_previous: self.km_from_previous,
            late_reason: self.late_reason,
            kind: match self.kind.as_str() {
                "fault" => VisitKind::Fault,
                "preventive" => VisitKind::Preventive,
                other => {
                    return Err(StorageError::invalid_row(
                        TABLE,
                        "kind",
                        format!("{other:?} is not a visit kind"),
                    ));
                }
            },
        })
    }
}

/// Groups visit rows (ordered by route, then sequence) under their routes.
fn attach_visits(
    routes: Vec<RouteRow>,
    visits: Vec<VisitRow>,
) -> Result<Vec<EngineerRoute>, StorageError> {
    let mut visits = visits.into_iter().peekable();
    routes
        .into_iter()
        .map(|route| {
            let mut own = Vec::new();
            while let Some(visit) = visits.next_if(|visit| visit.route_id == route.id) {
                own.push(visit.into_domain()?);
            }
            route.into_domain(own)
        })
        .collect()
}

/// Moves the head of the roster's hub and day from the revision it
/// replaces to `$roster_id` (compare-and-swap), or fails the whole save:
/// two re-plans of one day from the same revision cannot both be stored.
macro_rules! move_head {
    ($tx:ident, $roster:expr, $roster_id:expr) => {{
        let roster: &Roster = $roster;
        let moved = match roster.replaces {
            None => sqlx::query(
                "INSERT INTO roster_heads (hub, date, roster_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (hub, date) DO NOTHING",
            )
            .bind(roster.hub.code())
            .bind(roster.date)
            .bind($roster_id)
            .execute(&mut *$tx)
            .await?
            .rows_affected(),
            Some(replaced) => sqlx::query(
                "UPDATE roster_heads SET roster_id = $3 \
                 WHERE hub = $1 AND date = $2 AND roster_id = $4",
            )
            .bind(roster.hub.code())
            .bind(roster.date)
            .bind($roster_id)
            .bind(replaced)
            .execute(&mut *$tx)
            .await?
            .rows_affected(),
        };
        if moved == 0 {
            let by: Option<i64> = sqlx::query_scalar(
                "SELECT roster_id FROM roster_heads WHERE hub = $1 AND date = $2",
            )
            .bind(roster.hub.code())
            .bind(roster.date)
            .fetch_optional(&mut *$tx)
            .await?;
            return Err(match (roster.replaces, by) {
                (Some(replaced), Some(by)) => StorageError::RosterSuperseded {
                    roster: replaced,
                    by,
                },
                (None, Some(by)) => StorageError::DayPlannedMeanwhile {
                    hub: roster.hub,
                    date: roster.date,
                    by,
                },
                (_, None) => StorageError::invalid_row(
                    "roster_heads",
                    "roster_id",
                    format!(
                        "roster {:?} replaces a day that has no head",
                        roster.replaces
                    ),
                ),
            });
        }
    }};
}

/// Appends `$ids` as the bound list of an `IN (` already pushed, and the
/// closing parenthesis.
macro_rules! push_list {
    ($query:ident, $ids:expr) => {{
        let mut list = $query.separated(", ");
        for id in $ids {
            list.push_bind(*id);
        }
        $query.push(")");
    }};
}

/// Makes the roster's visits the published ones of its hub and day (one
/// per ticket across all days: a ticket on another day's head is refused);
/// evaluates to the tickets the replaced revision published and this one
/// does not. A few statements per roster, whatever its size: a month of
/// live dispatch saves tens of thousands of revisions.
macro_rules! publish_visits {
    ($tx:ident, $roster:expr, $roster_id:expr) => {{
        let roster: &Roster = $roster;
        let before: Vec<String> = sqlx::query_scalar(
            "SELECT visit_id FROM published_visits WHERE hub = $1 AND date = $2 AND kind = 'fault'",
        )
        .bind(roster.hub.code())
        .bind(roster.date)
        .fetch_all(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM published_visits WHERE hub = $1 AND date = $2")
            .bind(roster.hub.code())
            .bind(roster.date)
            .execute(&mut *$tx)
            .await?;
        let visits: Vec<(&EngineerId, &Visit)> = roster
            .routes
            .iter()
            .flat_map(|route| route.visits.iter().map(move |v| (&route.engineer_id, v)))
            .collect();
        let faults: Vec<&str> = visits
            .iter()
            .filter(|(_, v)| v.kind == VisitKind::Fault)
            .map(|(_, v)| v.ticket_id.as_str())
            .collect();
        // A later day's route holding the ticket wins; an earlier day's
        // visit is history (a diagnosis before the part came, or a day
        // that is over), and this visit becomes the ticket's published one.
        let mut later: HashMap<String, i64> = HashMap::new();
        for chunk in faults.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT visit_id, roster_id FROM published_visits WHERE kind = 'fault' AND date > ",
            );
            query.push_bind(roster.date).push(" AND visit_id IN (");
            push_list!(query, chunk);
            let rows: Vec<(String, i64)> = query.build_query_as().fetch_all(&mut *$tx).await?;
            later.extend(rows);
        }
        if let Some((_, visit)) = visits.iter().find(|(_, v)| {
            v.kind == VisitKind::Fault && later.contains_key(v.ticket_id.as_str())
        }) {
            return Err(StorageError::TicketOnAnotherRoute {
                ticket: visit.ticket_id.clone(),
                roster: later[visit.ticket_id.as_str()],
            });
        }
        for chunk in faults.chunks(ROWS_PER_STATEMENT) {
            // Found by the visits' key: `kind || ''` keeps SQLite off the
            // (kind, date) index, which walked every past day's fault
            // visits at each revision (a simulated week's second slowest
            // statement by its eighth day).
            let mut query = sqlx::QueryBuilder::new(
                "DELETE FROM published_visits WHERE kind || '' = 'fault' AND date < ",
            );
            query.push_bind(roster.date).push(" AND visit_id IN (");
            push_list!(query, chunk);
            query.build().execute(&mut *$tx).await?;
        }
        let mut inserted = 0;
        for chunk in visits.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO published_visits (visit_id, date, kind, hub, roster_id, engineer_id) ",
            );
            query.push_values(chunk, |mut row, (engineer, visit)| {
                row.push_bind(visit.ticket_id.as_str())
                    .push_bind(roster.date)
                    .push_bind(visit.kind.code())
                    .push_bind(roster.hub.code())
                    .push_bind($roster_id)
                    .push_bind(engineer.as_str());
            });
            query.push(" ON CONFLICT DO NOTHING");
            inserted += query.build().execute(&mut *$tx).await?.rows_affected();
        }
        if inserted < visits.len() as u64 {
            // Published meanwhile by a concurrent save of another day (or
            // given twice by this roster): the first such ticket is named.
            let mut seen = std::collections::HashSet::new();
            let mut holders: HashMap<String, i64> = HashMap::new();
            for chunk in faults.chunks(ROWS_PER_STATEMENT) {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT visit_id, roster_id FROM published_visits WHERE kind = 'fault' AND roster_id <> ",
                );
                query.push_bind($roster_id).push(" AND visit_id IN (");
                push_list!(query, chunk);
                let rows: Vec<(String, i64)> = query.build_query_as().fetch_all(&mut *$tx).await?;
                holders.extend(rows);
            }
            let (ticket, by) = visits
                .iter()
                .map(|(_, v)| &v.ticket_id)
                .find_map(|t| match holders.get(t.as_str()) {
                    Some(&by) => Some((t, by)),
                    None => (!seen.insert(t)).then_some((t, $roster_id)),
                })
                .unwrap_or((&visits[0].1.ticket_id, $roster_id));
            return Err(StorageError::TicketOnAnotherRoute {
                ticket: ticket.clone(),
                roster: by,
            });
        }
        let now: std::collections::HashSet<&str> = visits
            .iter()
            .map(|(_, v)| v.ticket_id.as_str())
            .collect();
        before
            .into_iter()
            .filter(|ticket| !now.contains(ticket.as_str()))
            .collect::<Vec<String>>()
    }};
}

/// Rows per multi-row statement: within SQLite's limit of bound
/// parameters for the widest row (a visit's 14 columns).
pub(super) const ROWS_PER_STATEMENT: usize = 500;

/// `UPDATE tickets SET status = $to WHERE status = $from AND id IN (…)`,
/// with `$extra` SQL after the list, in statements of
/// [`ROWS_PER_STATEMENT`] tickets.
macro_rules! set_status {
    ($tx:ident, $ids:expr, $to:expr, $from:expr, $extra:expr) => {{
        let ids: Vec<&str> = $ids;
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new("UPDATE tickets SET status = ");
            query.push_bind(($to).code());
            if let Some(from) = $from {
                query.push(" WHERE status = ").push_bind(from.code());
            } else {
                query.push(" WHERE 1 = 1");
            }
            query.push(" AND id IN (");
            push_list!(query, chunk);
            query.push($extra);
            query.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Sets planned tickets open again, unless a day's revision in force
/// still publishes a visit to them.
macro_rules! reopen_unless_published {
    ($tx:ident, $tickets:expr) => {{
        set_status!(
            $tx,
            $tickets,
            TicketStatus::Open,
            Some(TicketStatus::Planned),
            " AND NOT EXISTS (SELECT 1 FROM published_visits p \
             WHERE p.visit_id = tickets.id AND p.kind = 'fault')"
        );
    }};
}

/// Writes `$roster` on the open transaction `$tx` and marks its visited
/// tickets planned (and its remotely resolved ones resolved); evaluates to
/// the new roster id.
macro_rules! write_roster {
    ($tx:ident, $roster:expr) => {{
        let roster: &Roster = $roster;
        let summary = &roster.summary;
        let roster_id: i64 = sqlx::query_scalar(
            "INSERT INTO rosters (hub, date, created_at, tickets, assigned, \
             engineers_available, engineers_used, on_time, km, objective, solve_seconds, \
             preventive_due, mip_objective, mip_bound, mip_gap_percent, mip_status, \
             mip_variables, mip_seconds, mip_seeded_days, tomorrow_planned, \
             tomorrow_repair_due, workload_spread_minutes, workload_std_minutes, plan_time, \
             replaces, reachable, on_time_reachable, overdue_at_now) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28) RETURNING id",
        )
        .bind(roster.hub.code())
        .bind(roster.date)
        .bind(roster.created_at)
        .bind(i64::from(summary.tickets))
        .bind(i64::from(summary.assigned))
        .bind(i64::from(summary.engineers_available))
        .bind(i64::from(summary.engineers_used))
        .bind(i64::from(summary.on_time))
        .bind(summary.km)
        .bind(summary.objective)
        .bind(summary.solve_seconds)
        .bind(i64::from(summary.preventive_due))
        .bind(summary.assignment.as_ref().map(|a| a.objective))
        .bind(summary.assignment.as_ref().map(|a| a.bound))
        .bind(summary.assignment.as_ref().map(|a| a.gap_percent))
        .bind(summary.assignment.as_ref().map(|a| a.status.clone()))
        .bind(summary.assignment.as_ref().map(|a| i64::from(a.variables)))
        .bind(summary.assignment.as_ref().map(|a| a.seconds))
        .bind(
            summary
                .assignment
                .as_ref()
                .map(|a| i64::from(a.seeded_days)),
        )
        .bind(i64::from(summary.tomorrow_planned))
        .bind(i64::from(summary.tomorrow_repair_due))
        .bind(summary.workload_spread_minutes)
        .bind(summary.workload_std_minutes)
        .bind(roster.now)
        .bind(roster.replaces)
        .bind(i64::from(summary.reachable))
        .bind(i64::from(summary.on_time_reachable))
        .bind(i64::from(summary.overdue_at_now))
        .fetch_one(&mut *$tx)
        .await?;
        move_head!($tx, roster, roster_id);
        let unpublished = publish_visits!($tx, roster, roster_id);
        let routes: Vec<(usize, &EngineerRoute)> = roster.routes.iter().enumerate().collect();
        let mut route_ids: HashMap<i64, i64> = HashMap::new();
        for chunk in routes.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_routes (roster_id, position, engineer_id, base_lat, \
                 base_lon, leave_at, return_at, km, lunch_start, lunch_end) ",
            );
            query.push_values(chunk, |mut row, (position, route)| {
                row.push_bind(roster_id)
                    .push_bind(*position as i64)
                    .push_bind(route.engineer_id.as_str())
                    .push_bind(route.base.lat())
                    .push_bind(route.base.lon())
                    .push_bind(route.leave_at)
                    .push_bind(route.return_at)
                    .push_bind(route.km)
                    .push_bind(route.lunch.map(|(start, _)| start))
                    .push_bind(route.lunch.map(|(_, end)| end));
            });
            query.push(" RETURNING position, id");
            let ids: Vec<(i64, i64)> = query.build_query_as().fetch_all(&mut *$tx).await?;
            route_ids.extend(ids);
        }
        let visits: Vec<(i64, &Visit)> = routes
            .iter()
            .flat_map(|(position, route)| {
                let route_id = route_ids[&(*position as i64)];
                route.visits.iter().map(move |visit| (route_id, visit))
            })
            .collect();
        for chunk in visits.chunks(ROWS_PER_STATEMENT) {
            let mut query =
                sqlx::QueryBuilder::new(format!("INSERT INTO roster_visits ({VISIT_COLUMNS}) "));
            query.push_values(chunk, |mut row, (route_id, visit)| {
                row.push_bind(*route_id)
                    .push_bind(i64::from(visit.sequence))
                    .push_bind(visit.ticket_id.as_str())
                    .push_bind(visit.location.lat())
                    .push_bind(visit.location.lon())
                    .push_bind(visit.arrival)
                    .push_bind(visit.start)
                    .push_bind(visit.departure)
                    .push_bind(visit.on_site_by)
                    .push_bind(visit.repaired_by)
                    .push_bind(visit.late_minutes)
                    .push_bind(visit.km_from_previous)
                    .push_bind(visit.kind.code())
                    .push_bind(visit.late_reason.as_deref());
            });
            query.build().execute(&mut *$tx).await?;
        }
        set_status!(
            $tx,
            visits.iter().map(|(_, v)| v.ticket_id.as_str()).collect(),
            TicketStatus::Planned,
            Some(TicketStatus::Open),
            ""
        );
        let unassigned: Vec<(usize, &UnassignedTicket)> =
            roster.unassigned.iter().enumerate().collect();
        for chunk in unassigned.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_unassigned (roster_id, position, ticket_id, reason, detail) ",
            );
            query.push_values(chunk, |mut row, (position, unassigned)| {
                row.push_bind(roster_id)
                    .push_bind(*position as i64)
                    .push_bind(unassigned.ticket_id.as_str())
                    .push_bind(unassigned.reason.code())
                    .push_bind(unassigned.detail.as_str());
            });
            query.build().execute(&mut *$tx).await?;
        }
        // Tickets left unplaced, and visits the revision replaced gave and
        // this one does not: open again, unless another day's revision
        // holds them.
        reopen_unless_published!(
            $tx,
            (roster.unassigned.iter().map(|u| u.ticket_id.as_str()))
                .chain(unpublished.iter().map(String::as_str))
                .collect()
        );
        let remote: Vec<(usize, &RemoteAttempt)> = roster.remote.iter().enumerate().collect();
        for chunk in remote.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_remote (roster_id, position, ticket_id, agent, start_at, \
                 end_at, outcome, responded_in_time) ",
            );
            query.push_values(chunk, |mut row, (position, attempt)| {
                row.push_bind(roster_id)
                    .push_bind(*position as i64)
                    .push_bind(attempt.ticket_id.as_str())
                    .push_bind(i64::from(attempt.agent))
                    .push_bind(attempt.start)
                    .push_bind(attempt.end)
                    .push_bind(attempt.outcome.code())
                    .push_bind(attempt.responded_in_time);
            });
            query.build().execute(&mut *$tx).await?;
        }
        set_status!(
            $tx,
            (roster.remote.iter())
                .filter(|a| a.outcome == RemoteOutcome::Resolved)
                .map(|a| a.ticket_id.as_str())
                .collect(),
            TicketStatus::Resolved,
            None::<TicketStatus>,
            ""
        );
        let loaners: Vec<(usize, &Loaner)> = roster.loaners.iter().enumerate().collect();
        for chunk in loaners.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_loaners (roster_id, position, ticket_id, repaired_by, \
                 source, detail) ",
            );
            query.push_values(chunk, |mut row, (position, loaner)| {
                row.push_bind(roster_id)
                    .push_bind(*position as i64)
                    .push_bind(loaner.ticket_id.as_str())
                    .push_bind(loaner.repaired_by)
                    .push_bind(loaner.source.words())
                    .push_bind(loaner.detail.as_str());
            });
            query.build().execute(&mut *$tx).await?;
        }
        let workloads: Vec<(usize, &StationWorkload)> =
            roster.workloads.iter().enumerate().collect();
        for chunk in workloads.chunks(ROWS_PER_STATEMENT) {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO roster_workloads (roster_id, position, base, engineers, \
                 min_minutes, max_minutes, mean_minutes, std_minutes) ",
            );
            query.push_values(chunk, |mut row, (position, workload)| {
                row.push_bind(roster_id)
                    .push_bind(*position as i64)
                    .push_bind(workload.base.as_str())
                    .push_bind(i64::from(workload.engineers))
                    .push_bind(workload.min_minutes)
                    .push_bind(workload.max_minutes)
                    .push_bind(workload.mean_minutes)
                    .push_bind(workload.std_minutes);
            });
            query.build().execute(&mut *$tx).await?;
        }
        super::parts::save_roster_parts!($tx, roster_id, &roster.parts);
        roster_id
    }};
}

impl Store {
    /// Saves a roster with its routes, visits and unassigned tickets, and
    /// marks every visited ticket planned, in one transaction: a stored
    /// roster is the plan, so its tickets must not be planned twice. The
    /// roster becomes the revision in force of its hub and day only if the
    /// one it replaces still is ([`StorageError::RosterSuperseded`], or
    /// [`StorageError::DayPlannedMeanwhile`] for a first plan that lost the
    /// race); its visits become the published ones, and a ticket another
    /// day publishes is refused ([`StorageError::TicketOnAnotherRoute`]).
    /// Returns the new roster id.
    pub async fn save_roster(&self, roster: &Roster) -> Result<i64, StorageError> {
        let roster_id = in_write_transaction!(self, |tx| write_roster!(tx, roster));
        tracing::info!(roster = roster_id, hub = %roster.hub, date = %roster.date, "roster saved");
        Ok(roster_id)
    }

    /// Intake and a new roster revision in one transaction: takes the next
    /// intake id for the local `day` (as [`Store::insert_new_ticket`]
    /// does), lets `revise` build the ticket and the revised roster around
    /// it, then stores both, marking the visited tickets planned. When
    /// `revise` refuses, nothing is written (not even the id counter) and
    /// its error is returned inside `Ok`. Returns the new roster id with
    /// what `revise` gave back.
    ///
    /// `replaces` must still be the newest roster of its hub and day, or
    /// [`StorageError::RosterSuperseded`] names the one to revise instead:
    /// two coordinators inserting into the same published day must not
    /// each drop the other's fault. The check runs after the id counter is
    /// taken, whose row lock orders concurrent intakes of the day.
    pub async fn insert_ticket_with_roster<T, E>(
        &self,
        day: NaiveDate,
        replaces: i64,
        revise: impl FnOnce(TicketId) -> Result<(Ticket, Roster, T), E>,
    ) -> Result<Result<(i64, T), E>, StorageError> {
        let (ticket, roster_id, outcome) = in_write_transaction!(self, |tx| {
            let id = next_ticket_id!(tx, day);
            let newest: Option<i64> = sqlx::query_scalar(
                "SELECT h.roster_id FROM roster_heads h JOIN rosters b \
                 ON h.hub = b.hub AND h.date = b.date WHERE b.id = $1",
            )
            .bind(replaces)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(by) = newest.filter(|&newest| newest != replaces) {
                return Err(StorageError::RosterSuperseded {
                    roster: replaces,
                    by,
                });
            }
            let (ticket, roster, outcome) = match revise(id) {
                Ok(revised) => revised,
                // Dropping the transaction rolls the counter back.
                Err(refusal) => return Ok(Err(refusal)),
            };
            insert_ticket!(&mut *tx, &ticket);
            let roster = Roster {
                replaces: Some(replaces),
                ..roster
            };
            let roster_id = write_roster!(tx, &roster);
            (ticket, roster_id, outcome)
        });
        tracing::info!(ticket = %ticket.id(), roster = roster_id, "ticket inserted into a roster revision");
        Ok(Ok((roster_id, outcome)))
    }

    /// The id of the revision in force of a hub's day, if the day was
    /// planned.
    pub async fn roster_head(
        &self,
        hub: crate::domain::Region,
        date: NaiveDate,
    ) -> Result<Option<i64>, StorageError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT roster_id FROM roster_heads WHERE hub = $1 AND date = $2")
                .bind(hub.code())
                .bind(date)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The revision in force of a hub's day, if the day was planned.
    pub async fn current_roster(
        &self,
        hub: crate::domain::Region,
        date: NaiveDate,
    ) -> Result<Option<Roster>, StorageError> {
        match self.roster_head(hub, date).await? {
            Some(id) => self.roster(id).await,
            None => Ok(None),
        }
    }

    pub async fn roster(&self, id: i64) -> Result<Option<Roster>, StorageError> {
        let roster_sql = "SELECT id, hub, date, created_at, tickets, assigned, engineers_available, \
             engineers_used, on_time, km, objective, solve_seconds, preventive_due, mip_objective, \
             mip_bound, mip_gap_percent, mip_status, mip_variables, mip_seconds, mip_seeded_days, \
             tomorrow_planned, tomorrow_repair_due, workload_spread_minutes, workload_std_minutes, \
             plan_time, replaces, reachable, on_time_reachable, overdue_at_now \
             FROM rosters WHERE id = $1";
        let routes_sql = format!(
            "SELECT {ROUTE_COLUMNS} FROM roster_routes WHERE roster_id = $1 ORDER BY position"
        );
        let visits_sql = format!(
            "SELECT {} FROM roster_visits v JOIN roster_routes r ON r.id = v.route_id \
             WHERE r.roster_id = $1 ORDER BY r.position, v.sequence",
            VISIT_COLUMNS
                .split(", ")
                .map(|column| format!("v.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let unassigned_sql = "SELECT ticket_id, reason, detail FROM roster_unassigned \
             WHERE roster_id = $1 ORDER BY position";
        let remote_sql = "SELECT ticket_id, agent, start_at, end_at, outcome, responded_in_time \
             FROM roster_remote WHERE roster_id = $1 ORDER BY position";
        let loaners_sql = "SELECT ticket_id, repaired_by, source, detail FROM roster_loaners \
             WHERE roster_id = $1 ORDER BY position";
        let workloads_sql = "SELECT base, engineers, min_minutes, max_minutes, mean_minutes, \
             std_minutes FROM roster_workloads WHERE roster_id = $1 ORDER BY position";
        // Read in one transaction so a concurrent save cannot show half a roster.
        let found = in_transaction!(self, |tx| {
            let roster = sqlx::query_as::<_, RosterRow>(roster_sql)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            match roster {
                None => None,
                Some(roster) => {
                    let routes = sqlx::query_as::<_, RouteRow>(&routes_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let visits = sqlx::query_as::<_, VisitRow>(&visits_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let unassigned = sqlx::query_as::<_, UnassignedRow>(unassigned_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let loaners = sqlx::query_as::<_, LoanerRow>(loaners_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let remote = sqlx::query_as::<_, RemoteRow>(remote_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let workloads = sqlx::query_as::<_, WorkloadRow>(workloads_sql)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    Some((
                        roster, routes, visits, unassigned, loaners, remote, workloads,
                    ))
                }
            }
        });
        let Some((row, routes, visits, unassigned, loaners, remote, workloads)) = found else {
            return Ok(None);
        };
        let unassigned = unassigned
            .into_iter()
            .map(|row| {
                Ok(UnassignedTicket {
                    ticket_id: TicketId::parse(&row.ticket_id).map_err(|e| {
                        StorageError::invalid_row("roster_unassigned", "ticket_id", e.message)
                    })?,
                    reason: ReasonCode::parse(&row.reason).map_err(|e| {
                        StorageError::invalid_row("roster_unassigned", "reason", e.message)
                    })?,
                    detail: row.detail,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let loaners = loaners
            .into_iter()
            .map(|row| {
                Ok(Loaner {
                    ticket_id: TicketId::parse(&row.ticket_id).map_err(|e| {
                        StorageError::invalid_row("roster_loaners", "ticket_id", e.message)
                    })?,
                    repaired_by: row.repaired_by,
                    source: StockPoint::parse_words(&row.source).map_err(|e| {
                        StorageError::invalid_row("roster_loaners", "source", e.message)
                    })?,
                    detail: row.detail,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let remote = remote
            .into_iter()
            .map(RemoteRow::into_domain)
            .collect::<Result<Vec<_>, StorageError>>()?;
        let routes = attach_visits(routes, visits)?;
        let preventive_placed = routes
            .iter()
            .flat_map(|r| &r.visits)
            .filter(|v| v.kind == VisitKind::Preventive)
            .count() as u32;
        let resolved_remotely = remote
            .iter()
            .filter(|a| a.outcome == RemoteOutcome::Resolved)
            .count() as u32;
        Ok(Some(Roster {
            id: Some(row.id),
            hub: row.hub.parse().map_err(|e: crate::domain::DomainError| {
                StorageError::invalid_row("rosters", "hub", e.message)
            })?,
            date: row.date,
            created_at: row.created_at,
            // Rosters stored before plans kept time had no "now".
            now: row.plan_time.unwrap_or(row.created_at),
            replaces: row.replaces,
            routes,
            unassigned,
            loaners,
            remote,
            workloads: workloads
                .into_iter()
                .map(|w| {
                    Ok(StationWorkload {
                        base: w.base,
                        engineers: u32::try_from(w.engineers).map_err(|_| {
                            StorageError::invalid_row(
                                "roster_workloads",
                                "engineers",
                                format!("{} is not a count", w.engineers),
                            )
                        })?,
                        min_minutes: w.min_minutes,
                        max_minutes: w.max_minutes,
                        mean_minutes: w.mean_minutes,
                        std_minutes: w.std_minutes,
                    })
                })
                .collect::<Result<Vec<_>, StorageError>>()?,
            parts: self.roster_parts(row.id).await?,
            summary: RosterSummary {
                assignment: row.assignment()?,
                tomorrow_planned: count("tomorrow_planned", row.tomorrow_planned)?,
                tomorrow_repair_due: count("tomorrow_repair_due", row.tomorrow_repair_due)?,
                workload_spread_minutes: row.workload_spread_minutes,
                workload_std_minutes: row.workload_std_minutes,
                tickets: count("tickets", row.tickets)?,
                resolved_remotely,
                assigned: count("assigned", row.assigned)?,
                engineers_available: count("engineers_available", row.engineers_available)?,
                engineers_used: count("engineers_used", row.engineers_used)?,
                on_time: count("on_time", row.on_time)?,
                reachable: count("reachable", row.reachable)?,
                on_time_reachable: count("on_time_reachable", row.on_time_reachable)?,
                overdue_at_now: count("overdue_at_now", row.overdue_at_now)?,
                km: row.km,
                objective: row.objective,
                solve_seconds: row.solve_seconds,
                preventive_placed,
                preventive_due: count("preventive_due", row.preventive_due)?,
            },
        }))
    }

    /// The last day before `date` on which each key customer had a
    /// preventive visit on a stored roster, by visit id.
    pub async fn preventive_visits_before(
        &self,
        date: NaiveDate,
    ) -> Result<HashMap<TicketId, NaiveDate>, StorageError> {
        // Only the revisions in force count: a replaced one's visits were
        // never made.
        let sql = "SELECT visit_id, MAX(date) FROM published_visits \
             WHERE kind = 'preventive' AND date < $1 GROUP BY visit_id";
        let rows: Vec<(String, NaiveDate)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(date)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(id, day)| {
                let id = TicketId::parse(&id).map_err(|e| {
                    StorageError::invalid_row("roster_visits", "ticket_id", e.message)
                })?;
                Ok((id, day))
            })
            .collect()
    }

    /// What an engineer's route on `date` answers depends on: the route
    /// of the revision in force (its row id; a re-plan writes new rows)
    /// and the newest event about any of its tickets (a return visit, a
    /// part ordered). One indexed read, so a cached answer can be checked
    /// for every request; `None` when the engineer has no route that day.
    pub async fn route_version(
        &self,
        engineer: &EngineerId,
        date: NaiveDate,
    ) -> Result<Option<RouteVersion>, StorageError> {
        let sql = "SELECT r.id, (SELECT COALESCE(MAX(e.seq), 0) FROM engineer_events e \
                   WHERE e.ticket_id IN (SELECT v.ticket_id FROM roster_visits v \
                   WHERE v.route_id = r.id)) \
                   FROM roster_routes r JOIN roster_heads h ON h.roster_id = r.roster_id \
                   WHERE r.engineer_id = $1 AND h.date = $2";
        let row: Option<(i64, i64)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(engineer.as_str())
            .bind(date)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(route_id, newest_event)| RouteVersion {
            route_id,
            newest_event,
        }))
    }

    /// An engineer's route on `date`, from the revision in force of the
    /// day: an engineer the newest revision gives no route has none, even
    /// if an earlier one gave them one.
    pub async fn engineer_route(
        &self,
        engineer: &EngineerId,
        date: NaiveDate,
    ) -> Result<Option<StoredRoute>, StorageError> {
        // A stored route and its visits never change (a re-plan writes a
        // new revision), so two plain reads need no transaction: the route
        // found is whole even if a newer revision lands in between.
        let route_sql = format!(
            "SELECT {}, h.hub FROM roster_routes r JOIN roster_heads h ON h.roster_id = r.roster_id \
             WHERE r.engineer_id = $1 AND h.date = $2",
            ROUTE_COLUMNS
                .split(", ")
                .map(|column| format!("r.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let visits_sql = format!(
            "SELECT {VISIT_COLUMNS} FROM roster_visits WHERE route_id = $1 ORDER BY sequence"
        );
        let found = on_pool!(self, |pool| {
            let route = sqlx::query_as::<_, HeadRouteRow>(&route_sql)
                .bind(engineer.as_str())
                .bind(date)
                .fetch_optional(pool)
                .await?;
            match route {
                None => None,
                Some(HeadRouteRow { route, hub }) => {
                    let visits = sqlx::query_as::<_, VisitRow>(&visits_sql)
                        .bind(route.id)
                        .fetch_all(pool)
                        .await?;
                    Some((route, hub, visits))
                }
            }
        });
        let Some((route, hub, visits)) = found else {
            return Ok(None);
        };
        let roster_id = route.roster_id;
        let route = attach_visits(vec![route], visits)?
            .pop()
            .expect("one route in, one route out");
        Ok(Some(StoredRoute {
            roster_id,
            hub: hub.parse().map_err(|e: crate::domain::DomainError| {
                StorageError::invalid_row("rosters", "hub", e.message)
            })?,
            date,
            route,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn route_row(id: i64) -> RouteRow {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap();
        RouteRow {
            id,
            roster_id: 1,
            engineer_id: format!("E{id}"),
            base_lat: 30.0,
            base_lon: 120.0,
            leave_at: at,
            return_at: at,
            km: 0.0,
            lunch_start: None,
            lunch_end: None,
        }
    }

    fn visit_row(route_id: i64, sequence: i64) -> VisitRow {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
        VisitRow {
            route_id,
            sequence,
            ticket_id: format!("T{route_id}-{sequence}"),
            lat: 30.1,
            lon: 120.1,
            arrival: at,
            start: at,
            departure: at,
            on_site_by: at,
            repaired_by: at,
            late_minutes: 0,
            km_from_previous: 1.0,
            kind: "fault".to_string(),
            late_reason: None,
        }
    }

    #[test]
    fn visits_go_to_their_own_routes_including_empty_ones() {
        let routes = attach_visits(
            vec![route_row(1), route_row(2), route_row(3)],
            vec![visit_row(1, 1), visit_row(1, 2), visit_row(3, 1)],
        )
        .unwrap();
        let counts: Vec<usize> = routes.iter().map(|r| r.visits.len()).collect();
        assert_eq!(counts, vec![2, 0, 1]);
        assert_eq!(routes[2].visits[0].ticket_id.as_str(), "T3-1");
    }

    #[test]
    fn half_a_lunch_is_an_invalid_row() {
        let mut row = route_row(1);
        row.lunch_start = Some(row.leave_at);
        match row.into_domain(vec![]) {
            Err(StorageError::InvalidRow { table, column, .. }) => {
                assert_eq!((table, column), ("roster_routes", "lunch_end"));
            }
            other => panic!("expected an invalid row, got {other:?}"),
        }
    }
}
