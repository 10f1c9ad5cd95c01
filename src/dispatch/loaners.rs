//! Rule: loaners. When a repair cannot be finished within the 48 h limit,
//! the service plan sends backup equipment so the customer keeps working;
//! the roster says which tickets need one and where it comes from.

use chrono::{DateTime, Duration, Utc};

use super::HubProblem;
use crate::domain::{Loaner, StockPoint, Ticket, UnassignedTicket, Visit};

/// When tomorrow's office day ends, counted from today's local midnight: a
/// ticket left out today is repaired tomorrow at the earliest, so a repair
/// deadline before this cannot be counted on.
const NEXT_DAY_END: Duration = Duration::minutes((24 + 17) * 60 + 30);

/// The loaners a plan needs: of `visits` (whose tickets are in
/// `hub_problem`; a re-plan covers only the visits not yet begun), those
/// that finish after the repair deadline, and of the tickets left out today
/// those whose deadline falls before tomorrow's office day ends.
pub fn loaners_for(
    hub_problem: &HubProblem,
    visits: &[&Visit],
    unassigned: &[UnassignedTicket],
) -> Vec<Loaner> {
    let ticket = |id: &crate::domain::TicketId| {
        hub_problem
            .tickets
            .iter()
            .find(|t| t.id() == id)
            .expect("roster tickets come from the problem")
    };
    let tomorrow_ends = hub_problem.origin + NEXT_DAY_END;
    let mut loaners = Vec::new();
    for visit in visits {
        if visit.departure > visit.repaired_by {
            let t = ticket(&visit.ticket_id);
            loaners.push(loaner(
                hub_problem,
                t,
                format!(
                    "the repair visit ends {} after the 48 h limit",
                    late_by(visit.departure, visit.repaired_by)
                ),
            ));
        }
    }
    for left_out in unassigned {
        let t = ticket(&left_out.ticket_id);
        let repaired_by = t.deadlines().repaired_by;
        if repaired_by < tomorrow_ends {
            loaners.push(loaner(
                hub_problem,
                t,
                "not visited today, and tomorrow's visit would come too late for the 48 h limit"
                    .to_string(),
            ));
        }
    }
    loaners
}

fn late_by(at: DateTime<Utc>, deadline: DateTime<Utc>) -> String {
    let minutes = (at - deadline).num_minutes().max(1);
    format!("{}h{:02}", minutes / 60, minutes % 60)
}

/// The loaner comes from the nearest base of the region's engineers (a
/// station, or the hub), delivered by courier before the deadline.
fn loaner(hub_problem: &HubProblem, ticket: &Ticket, why: String) -> Loaner {
    let nearest = hub_problem
        .engineers
        .iter()
        .chain(&hub_problem.engineers_off)
        .map(|e| (e.home().haversine_meters(&ticket.site()), e))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let (source, km) = match nearest {
        Some((meters, engineer)) => (StockPoint::of(engineer), meters / 1000.0),
        None => (StockPoint::Hub(ticket.region()), 0.0),
    };
    let repaired_by = ticket.deadlines().repaired_by;
    Loaner {
        ticket_id: ticket.id().clone(),
        repaired_by,
        detail: format!(
            "{why}: send a loaner from {} ({km:.0} km) by courier",
            source.words()
        ),
        source,
    }
}
