//! Rule: parts and return visits. A part swap needs the part in stock where
//! the engineer starts (DOMAIN.md: "needs the part in stock where the
//! engineer starts"). Before routing, the most urgent swaps (severity, then
//! on-site deadline) each take one unit from the nearest stock point whose
//! engineers may serve them — a candidate station, then the hub's own
//! warehouse — and are then routed only to that point's engineers. A swap
//! with no part in reach gets the part ordered (from the hub's warehouse,
//! next morning; otherwise from the maker, in [`MAKER_DAYS`] days) and
//! today's visit only diagnoses; the repair visit is planned once the part
//! has arrived. Storage takes reserved units out of stock in the same
//! transaction that stores the roster.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{
    MissingPart, PartAction, PartCode, PartPlan, PartSource, PendingOrder, Region, Stock,
    StockPoint, Ticket, TicketId, service_offset,
};

/// Days a part ordered from the maker takes to reach a station.
pub const MAKER_DAYS: i64 = 3;
/// A diagnosis visit (part on order) takes at most this long on site.
pub const DIAGNOSIS_MINUTES: u32 = 45;
/// An ordered part reaches the station by this hour, local time, so the
/// repair visit can be planned that morning.
const DELIVERY_HOUR: i64 = 8;

/// What the router must respect for one part swap.
#[derive(Debug, Clone, PartialEq)]
pub enum PartNeed {
    /// Only engineers starting at this point carry the part.
    From(StockPoint),
    /// The part is on order: today's visit is a diagnosis.
    Diagnosis,
    /// Ordered earlier and not yet arrived: no visit today.
    Awaiting(DateTime<Utc>),
}

/// The outcome of [`allocate`]: per ticket (same order as given) what the
/// router must respect, and the plans to record in the roster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Allocation {
    pub needs: Vec<Option<PartNeed>>,
    pub plans: Vec<PartPlan>,
}

/// Allocates parts to the swaps among `tickets`.
///
/// `reach(ticket)` lists the stock points whose working engineers may
/// serve the ticket, nearest first (its candidate stations, then the hub).
/// `orders` are parts ordered by earlier plans: an arrived one is used where
/// it was delivered, without touching stock. `day_start` is local midnight
/// of the planned day. Pure: the same input gives the same allocation.
pub fn allocate(
    tickets: &[Ticket],
    reach: &dyn Fn(&Ticket) -> Vec<StockPoint>,
    stock: &Stock,
    orders: &[PendingOrder],
    day_start: DateTime<Utc>,
) -> Allocation {
    let mut stock = stock.clone();
    let mut needs = vec![None; tickets.len()];
    let mut plans = Vec::new();
    let mut urgent: Vec<usize> = (0..tickets.len())
        .filter(|&i| tickets[i].part().is_some())
        .collect();
    urgent.sort_by_key(|&i| {
        let t = &tickets[i];
        (
            t.severity().level(),
            t.deadlines().on_site_by,
            t.id().clone(),
        )
    });
    let delivery = day_start + Duration::hours(DELIVERY_HOUR);
    for index in urgent {
        let ticket = &tickets[index];
        let part = ticket.part().expect("only swaps are allocated").clone();
        if let Some(order) = orders.iter().find(|o| &o.ticket_id == ticket.id()) {
            needs[index] = Some(if order.arrives_at <= delivery {
                PartNeed::From(order.base.clone())
            } else if order.visited
                || order
                    .ordered_for
                    .is_none_or(|day| day < day_start.with_timezone(&service_offset()).date_naive())
            {
                PartNeed::Awaiting(order.arrives_at)
            } else {
                // Ordered by an earlier revision whose diagnosis visit has
                // not happened (a re-plan moved it): it still goes first.
                PartNeed::Diagnosis
            });
            continue;
        }
        let points = reach(ticket);
        let Some(plan) = part_plan(
            (ticket.id(), &part, ticket.region()),
            &points,
            &mut stock,
            delivery,
        ) else {
            continue;
        };
        needs[index] = Some(match plan.action {
            PartAction::Reserved => PartNeed::From(plan.base.clone()),
            PartAction::Ordered => PartNeed::Diagnosis,
        });
        plans.push(plan);
    }
    Allocation { needs, plans }
}

/// One swap's part: a unit from the first of `points` that holds one
/// (reserved there), or, with none in reach, ordered to the nearest point —
/// from the region hub's warehouse, arriving the morning after
/// `delivery`, else from the maker, [`MAKER_DAYS`] later. The unit leaves
/// `stock` either way. `None` when no point may serve the ticket at all.
fn part_plan(
    (ticket_id, part, region): (&TicketId, &PartCode, Region),
    points: &[StockPoint],
    stock: &mut Stock,
    delivery: DateTime<Utc>,
) -> Option<PartPlan> {
    if let Some(at) = points.iter().find(|at| stock.take(at, part)) {
        return Some(PartPlan {
            ticket_id: ticket_id.clone(),
            part: part.clone(),
            action: PartAction::Reserved,
            base: at.clone(),
            source: PartSource::Stock(at.clone()),
            arrives_at: None,
            detail: format!("{part} taken from the stock at {}", at.code()),
        });
    }
    // Nothing in reach: deliver to the nearest point that may serve it.
    let deliver_to = points.first()?;
    let hub = StockPoint::Hub(region);
    let (arrives_at, source, words) = if stock.take(&hub, part) {
        (
            delivery + Duration::days(1),
            PartSource::Stock(hub),
            format!("the {region} hub's warehouse"),
        )
    } else {
        (
            delivery + Duration::days(MAKER_DAYS),
            PartSource::Maker,
            "the maker".to_string(),
        )
    };
    Some(PartPlan {
        ticket_id: ticket_id.clone(),
        part: part.clone(),
        action: PartAction::Ordered,
        base: deliver_to.clone(),
        source,
        arrives_at: Some(arrives_at),
        detail: format!(
            "no {part} in reach: ordered from {words} to {}; today's visit diagnoses, the repair visit follows once it arrives",
            deliver_to.code()
        ),
    })
}

/// The part a finished visit found missing (`needs_part`): a unit on the
/// engineer's own shelf is reserved there for the return visit; otherwise
/// it is ordered to that shelf, from the hub's warehouse (the morning
/// after) or the maker — the same rule as a planned swap's, with the
/// engineer's stock point as the only one in reach. Storage applies the
/// plan inside the event's transaction.
pub fn order_missing_part(missing: &MissingPart, stock: &Stock) -> PartPlan {
    let mut stock = stock.clone();
    let local = missing.at.with_timezone(&service_offset()).date_naive();
    let delivery = super::day_origin(local) + Duration::hours(DELIVERY_HOUR);
    part_plan(
        (&missing.ticket_id, &missing.part, missing.region),
        std::slice::from_ref(&missing.at_base),
        &mut stock,
        delivery,
    )
    .expect("one stock point in reach always gives a plan")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        GeoPoint, PartCode, Region, Severity, Skill, SlaPolicy, StationId, TicketId,
    };
    use chrono::TimeZone;

    fn swap(id: &str, severity: u8, hour: u32, part: &str) -> Ticket {
        Ticket::new(crate::domain::TicketReport {
            id: TicketId::parse(id).unwrap(),
            customer: "Acme".to_string(),
            site: GeoPoint::new(30.27, 120.15).unwrap(),
            city_adcode: 330100,
            region: Region::East,
            severity: Severity::new(severity).unwrap(),
            skill: Skill::Server,
            reported_at: Utc.with_ymd_and_hms(2026, 11, 29, hour, 0, 0).unwrap(),
            service_minutes: 60,
            sla: SlaPolicy::default(),
        })
        .unwrap()
        .with_part(Some(PartCode::parse(part).unwrap()))
    }

    fn station(id: &str) -> StockPoint {
        StockPoint::Station(StationId::parse(id).unwrap())
    }

    fn day() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap()
    }

    #[test]
    fn the_most_urgent_swap_gets_the_nearest_unit_and_the_rest_are_ordered() {
        let part = PartCode::parse("SRV-PSU").unwrap();
        let stock = Stock::new([
            (station("S001"), part.clone(), 1),
            (StockPoint::Hub(Region::East), part.clone(), 1),
        ]);
        // Reported in this order, but the severity-1 swap goes first.
        let tickets = [
            swap("T1", 3, 1, "SRV-PSU"),
            swap("T2", 1, 2, "SRV-PSU"),
            swap("T3", 3, 3, "SRV-PSU"),
        ];
        let reach = |_: &Ticket| vec![station("S002"), station("S001")];
        let allocation = allocate(&tickets, &reach, &stock, &[], day());
        assert_eq!(allocation.needs[1], Some(PartNeed::From(station("S001"))));
        // T1 and T3: none in reach; T1 (earlier deadline) gets the hub's unit.
        assert_eq!(allocation.needs[0], Some(PartNeed::Diagnosis));
        assert_eq!(allocation.needs[2], Some(PartNeed::Diagnosis));
        let t1 = allocation
            .plans
            .iter()
            .find(|p| p.ticket_id.as_str() == "T1")
            .unwrap();
        let t3 = allocation
            .plans
            .iter()
            .find(|p| p.ticket_id.as_str() == "T3")
            .unwrap();
        assert_eq!(t1.action, PartAction::Ordered);
        assert_eq!(t1.base.code(), "S002");
        assert!(t1.detail.contains("hub's warehouse"), "{}", t1.detail);
        assert!(t3.detail.contains("the maker"), "{}", t3.detail);
        assert!(t3.arrives_at > t1.arrives_at);
    }

    #[test]
    fn an_arrived_order_is_used_where_it_was_delivered_and_a_late_one_waits() {
        let tickets = [swap("T1", 2, 1, "NET-SFP"), swap("T2", 2, 1, "NET-SFP")];
        let orders = [
            PendingOrder {
                ticket_id: TicketId::parse("T1").unwrap(),
                base: station("S009"),
                arrives_at: day() + Duration::hours(DELIVERY_HOUR),
                visited: true,
                ordered_for: None,
            },
            PendingOrder {
                ticket_id: TicketId::parse("T2").unwrap(),
                base: station("S009"),
                arrives_at: day() + Duration::days(2),
                visited: true,
                ordered_for: None,
            },
        ];
        let allocation = allocate(&tickets, &|_| vec![], &Stock::default(), &orders, day());
        assert_eq!(allocation.needs[0], Some(PartNeed::From(station("S009"))));
        assert!(matches!(allocation.needs[1], Some(PartNeed::Awaiting(_))));
        assert!(
            allocation.plans.is_empty(),
            "nothing new is taken or ordered"
        );
    }

    #[test]
    fn an_order_whose_ticket_nobody_has_visited_yet_still_gets_its_diagnosis() {
        let tickets = [swap("T2", 2, 1, "NET-SFP")];
        let orders = [PendingOrder {
            ticket_id: TicketId::parse("T2").unwrap(),
            base: station("S009"),
            arrives_at: day() + Duration::days(2),
            visited: false,
            ordered_for: Some(day().with_timezone(&service_offset()).date_naive()),
        }];
        let allocation = allocate(&tickets, &|_| vec![], &Stock::default(), &orders, day());
        assert_eq!(allocation.needs[0], Some(PartNeed::Diagnosis));
        assert!(
            allocation.plans.is_empty(),
            "nothing new is taken or ordered"
        );
    }
}
