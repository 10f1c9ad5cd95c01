//! The seeded ticket generator and the ticket CSV format.
//!
//! A generated day looks like the call center's log of faults that need an
//! engineer on site: demand follows population, sites scatter around the
//! city centre (wider in big cities), most reports arrive in office hours
//! of the day before, and a share of customers hold key-customer contracts
//! with a 2-hour on-site limit. Same seed, same tickets, byte for byte.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};

use crate::domain::{
    City, GeoPoint, PartCode, Region, ServiceHours, Severity, Skill, SlaPolicy, Ticket, TicketId,
    TicketStatus, service_offset,
};
use crate::rng::Rng;

use super::csv_table::{Row, Table};
use super::{Network, NetworkError};

/// Cities without a census figure still get some demand.
const DEFAULT_POPULATION: u64 = 500_000;
/// Severity 1..4: system down is rare, information requests are common.
const SEVERITY_WEIGHTS: [f64; 4] = [5.0, 20.0, 45.0, 30.0];
/// In `Skill::ALL` order: PCs and printers fail most, storage and
/// integration seldom.
pub const SKILL_WEIGHTS: [f64; 7] = [28.0, 22.0, 12.0, 5.0, 16.0, 12.0, 5.0];
/// Typical minutes on site per skill, in `Skill::ALL` order.
pub const BASE_MINUTES: [f64; 7] = [60.0, 45.0, 120.0, 150.0, 90.0, 90.0, 180.0];
/// Share of tickets under a key-customer contract.
const KEY_CUSTOMER_SHARE: f64 = 0.15;
/// The local hour at which the day's plan is made.
const PLANNING_HOUR: u32 = 8;
/// Reports per local hour of the day: busy in office hours.
const HOUR_WEIGHTS: [f64; 24] = [
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 5.0, 7.0, 7.0, 6.0, 4.0, 5.0, 7.0, 7.0, 6.0, 5.0, 3.0,
    2.0, 2.0, 2.0, 1.0, 1.0,
];

const ORGANISATIONS: [&str; 24] = [
    "People's Hospital",
    "Municipal Tax Bureau",
    "No. 3 Middle School",
    "Power Supply Company",
    "Commercial Bank Branch",
    "Customs Office",
    "Vocational College",
    "Water Supply Group",
    "Public Security Bureau",
    "Natural Resources Bureau",
    "Statistics Bureau",
    "Mobile Branch",
    "Social Insurance Centre",
    "Design Institute",
    "Securities Branch",
    "Municipal Library",
    "Metro Operations Centre",
    "Traditional Chinese Medicine Hospital",
    "Housing Provident Fund Centre",
    "Broadcasting Station",
    "Land Registry",
    "Port Authority",
    "Normal University",
    "Railway Station",
];
const BRANDS: [&str; 16] = [
    "Hengda",
    "Jinlong",
    "Huaxin",
    "Tianrun",
    "Xinghai",
    "Zhongyuan",
    "Hongtai",
    "Ruifeng",
    "Dacheng",
    "Kaixuan",
    "Minsheng",
    "Yongsheng",
    "Baoli",
    "Longteng",
    "Shengda",
    "Haitian",
];
const COMPANIES: [&str; 8] = [
    "Logistics Co. Ltd.",
    "Machinery Works",
    "Textile Co. Ltd.",
    "Pharmaceutical Co. Ltd.",
    "Electronics Co. Ltd.",
    "Trading Co. Ltd.",
    "Steel Works",
    "Hotel",
];

fn customer_name(rng: &mut Rng, city: &City) -> String {
    if rng.unit() < 0.6 {
        format!(
            "{} {}",
            city.name_en,
            ORGANISATIONS[rng.below(ORGANISATIONS.len())]
        )
    } else {
        format!(
            "{} {} {}",
            city.name_en,
            BRANDS[rng.below(BRANDS.len())],
            COMPANIES[rng.below(COMPANIES.len())]
        )
    }
}

fn population(city: &City) -> u64 {
    city.population.unwrap_or(DEFAULT_POPULATION)
}

/// A customer site a few km from the centre; the spread grows with the
/// city (about 2 km for a small prefecture seat, 8–10 km for a metropolis).
fn site_near(rng: &mut Rng, city: &City) -> GeoPoint {
    let millions = population(city) as f64 / 1e6;
    let sigma_km = (2.0 * millions.powf(0.5)).clamp(2.0, 10.0);
    let north_km = rng.normal().clamp(-2.5, 2.5) * sigma_km;
    let east_km = rng.normal().clamp(-2.5, 2.5) * sigma_km;
    let lat = city.location.lat() + north_km / 111.32;
    let lon = city.location.lon() + east_km / (111.32 * city.location.lat().to_radians().cos());
    // Rounded as the CSV writes it, so a ticket survives a round trip.
    let round = |x: f64| (x * 1e5).round() / 1e5;
    GeoPoint::new(
        round(lat).clamp(-90.0, 90.0),
        round(lon).clamp(-180.0, 180.0),
    )
    .expect("a point a few km from a valid city is valid")
}

fn service_minutes(rng: &mut Rng, skill: Skill, severity: Severity) -> u32 {
    let severity_factor = match severity.level() {
        1 => 1.3,
        2 => 1.15,
        3 => 1.0,
        _ => 0.8,
    };
    let minutes =
        BASE_MINUTES[skill.bit() as usize] * severity_factor * (0.25 * rng.normal()).exp();
    ((minutes / 5.0).round() * 5.0).clamp(30.0, 240.0) as u32
}

/// Reports arrive from 08:00 the day before until 08:00 on the planned day,
/// when the hub coordinator plans the day: this is the backlog a morning
/// plan has to serve.
fn reported_at(rng: &mut Rng, date: NaiveDate) -> DateTime<Utc> {
    let hour = rng.weighted(&HOUR_WEIGHTS) as u32;
    let day = if hour >= PLANNING_HOUR {
        date.pred_opt().unwrap_or(date)
    } else {
        date
    };
    let second_of_hour = rng.below(3600) as u32;
    let time = NaiveTime::from_hms_opt(hour, second_of_hour / 60, second_of_hour % 60)
        .expect("hour < 24, minute < 60");
    service_offset()
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// Generates `count` open tickets reported over the 24 hours before 08:00
/// local time on `date`, numbered in report order.
pub fn generate_tickets(
    network: &Network,
    date: NaiveDate,
    count: usize,
    seed: u64,
) -> Vec<Ticket> {
    let mut rng = Rng::new(seed);
    let weights: Vec<f64> = network
        .cities
        .iter()
        .map(|c| population(c) as f64)
        .collect();
    let mut drafts = Vec::with_capacity(count);
    for _ in 0..count {
        let city = &network.cities[rng.weighted(&weights)];
        let site = site_near(&mut rng, city);
        let severity =
            Severity::new(1 + rng.weighted(&SEVERITY_WEIGHTS) as u8).expect("1..=4 is a severity");
        let skill = Skill::ALL[rng.weighted(&SKILL_WEIGHTS)];
        let minutes = service_minutes(&mut rng, skill, severity);
        let reported = reported_at(&mut rng, date);
        let sla = if rng.unit() < KEY_CUSTOMER_SHARE {
            SlaPolicy::key_customer()
        } else {
            SlaPolicy::default()
        };
        let customer = customer_name(&mut rng, city);
        drafts.push((
            reported, customer, site, city, severity, skill, minutes, sla,
        ));
    }
    // Stable sort: ties keep generation order, so ids stay deterministic.
    drafts.sort_by_key(|draft| draft.0);
    // Parts from a stream of their own, so adding them left every other
    // generated value as it was.
    let mut part_rng = Rng::new(seed ^ PART_STREAM);
    drafts
        .into_iter()
        .enumerate()
        .map(
            |(index, (reported, customer, site, city, severity, skill, minutes, sla))| {
                let id = TicketId::parse(id_text(index, date)).expect("a generated id is valid");
                Ticket::new(crate::domain::TicketReport {
                    id,
                    customer,
                    site,
                    city_adcode: city.adcode,
                    region: city.region,
                    severity,
                    skill,
                    reported_at: reported,
                    service_minutes: minutes,
                    sla,
                })
                .expect("generated values are within the domain's limits")
                .with_part(part_needed(&mut part_rng, skill, severity))
                .with_contact(contact_of(&id_text(index, date), city, skill))
            },
        )
        .collect()
}

/// The id a generated ticket gets (as in [`generate_tickets`]).
fn id_text(index: usize, date: NaiveDate) -> String {
    format!("T{}-{:05}", date.format("%Y%m%d"), index + 1)
}

/// FNV-1a of the text: stable across platforms and Rust versions.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

const STREETS: [&str; 8] = [
    "Renmin Road",
    "Jiefang Road",
    "Zhongshan Road",
    "Jianshe Road",
    "Heping Street",
    "Xinhua Road",
    "Changjiang Road",
    "Wenhua Road",
];

/// A generated ticket's address, phone and fault, derived from a hash of
/// its id rather than drawn from the generator's streams, so every value
/// generated before these fields existed stays as it was.
fn contact_of(id: &str, city: &City, skill: Skill) -> crate::domain::TicketContact {
    let hash = stable_hash(id);
    let faults: &[&str] = match skill {
        Skill::PcHardware => &["PC does not boot", "blue screen on start-up", "no display"],
        Skill::Printer => &[
            "paper jam every few pages",
            "prints blank pages",
            "printer offline",
        ],
        Skill::Server => &[
            "server down, power supply alarm",
            "disk failure alarm",
            "memory errors in the log",
        ],
        Skill::Storage => &["disk array degraded", "controller fault, volumes offline"],
        Skill::Network => &["link down on the core switch", "packet loss between floors"],
        Skill::Systems => &[
            "the operating system will not start",
            "service crashes after update",
        ],
        Skill::Integration => &["integrated system stopped exchanging data"],
    };
    crate::domain::TicketContact {
        address: Some(format!(
            "{} {}, {}",
            1 + hash % 399,
            STREETS[((hash >> 12) % STREETS.len() as u64) as usize],
            city.name_en
        )),
        contact_phone: Some(format!(
            "+86 1{}{:09}",
            3 + (hash >> 20) % 7,
            (hash >> 24) % 1_000_000_000
        )),
        fault: Some(faults[((hash >> 40) % faults.len() as u64) as usize].to_string()),
    }
}

/// Seed offset of the part stream (any constant far from small seeds).
const PART_STREAM: u64 = 0x005e_ed0f_9a27;
/// Share of hardware faults (severity 1–3) fixed by swapping a part.
pub const PART_SWAP_SHARE: f64 = 0.3;

/// The part a generated fault needs, if it is a part swap.
fn part_needed(rng: &mut Rng, skill: Skill, severity: Severity) -> Option<PartCode> {
    let draw = rng.unit();
    let pick = rng.unit();
    let parts = skill.parts();
    (severity.level() <= 3 && !parts.is_empty() && draw < PART_SWAP_SHARE).then(|| {
        let index = ((pick * parts.len() as f64) as usize).min(parts.len() - 1);
        PartCode::parse(parts[index]).expect("catalogue codes are valid")
    })
}

/// The ticket CSV's columns, in order (`part`, `address`,
/// `contact_phone` and `fault` columns may follow; files without them are
/// read as having no part swaps and no contact details).
pub const TICKET_COLUMNS: [&str; 15] = [
    "id",
    "customer",
    "city_adcode",
    "region",
    "lat",
    "lon",
    "severity",
    "skill",
    "reported_at",
    "service_minutes",
    "response_minutes",
    "on_site_minutes",
    "repair_minutes",
    "service_hours",
    "status",
];

fn hours_code(hours: ServiceHours) -> &'static str {
    match hours {
        ServiceHours::FiveByEight => "5x8",
        ServiceHours::SevenByTwentyFour => "7x24",
    }
}

/// Writes tickets as CSV (LF line ends, header row).
pub fn write_tickets(out: &mut dyn Write, tickets: &[Ticket]) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(TICKET_COLUMNS.iter().chain(&[
        "part",
        "address",
        "contact_phone",
        "fault",
    ]))?;
    for ticket in tickets {
        let sla = ticket.sla();
        writer.write_record([
            ticket.id().as_str(),
            ticket.customer(),
            &ticket.city_adcode().to_string(),
            ticket.region().code(),
            &format!("{:.5}", ticket.site().lat()),
            &format!("{:.5}", ticket.site().lon()),
            &ticket.severity().to_string(),
            ticket.skill().code(),
            &ticket
                .reported_at()
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            &ticket.service_minutes().to_string(),
            &sla.response_minutes().to_string(),
            &sla.on_site_minutes().to_string(),
            &sla.repair_minutes().to_string(),
            hours_code(sla.hours()),
            ticket.status().code(),
            ticket.part().map_or("", |p| p.as_str()),
            ticket.contact().address.as_deref().unwrap_or(""),
            ticket.contact().contact_phone.as_deref().unwrap_or(""),
            ticket.contact().fault.as_deref().unwrap_or(""),
        ])?;
    }
    writer.flush()
}

fn parse_ticket(row: &Row) -> Result<Ticket, NetworkError> {
    let id = row.domain("id", |raw| TicketId::parse(raw))?;
    let reported_raw = row.get("reported_at")?;
    let reported = DateTime::parse_from_rfc3339(reported_raw)
        .map_err(|e| {
            row.error(
                "reported_at",
                format!("{reported_raw:?} is not an RFC 3339 time ({e})"),
            )
        })?
        .with_timezone(&Utc);
    let hours = match row.get("service_hours")? {
        "5x8" => ServiceHours::FiveByEight,
        "7x24" => ServiceHours::SevenByTwentyFour,
        other => {
            return Err(row.error(
                "service_hours",
                format!("{other:?} is not a service-hours code; expected 5x8 or 7x24"),
            ));
        }
    };
    let sla = SlaPolicy::new(
        row.parse("response_minutes")?,
        row.parse("on_site_minutes")?,
        row.parse("repair_minutes")?,
        hours,
    )
    .map_err(|e| row.error(&e.field, e.message))?;
    let severity = row.domain("severity", |raw| {
        raw.parse::<u8>()
            .map_err(|_| {
                crate::domain::DomainError::new(
                    "severity",
                    format!("{raw:?} is not a severity (1-4)"),
                )
            })
            .and_then(Severity::new)
    })?;
    let status = row.domain("status", TicketStatus::parse)?;
    let ticket = Ticket::new(crate::domain::TicketReport {
        id,
        customer: row.get("customer")?.into(),
        site: row.point("lat", "lon")?,
        city_adcode: row.parse("city_adcode")?,
        region: row.parse::<Region>("region")?,
        severity,
        skill: row.parse::<Skill>("skill")?,
        reported_at: reported,
        service_minutes: row.parse("service_minutes")?,
        sla,
    })
    .map_err(|e| row.error(&e.field, e.message))?;
    let part = match row.get("part").unwrap_or("") {
        "" => None,
        _ => Some(row.domain("part", |raw| PartCode::parse(raw))?),
    };
    let optional = |column: &str| row.get(column).ok().map(str::to_string);
    let contact = crate::domain::TicketContact::new(
        optional("address"),
        optional("contact_phone"),
        optional("fault"),
    )
    .map_err(|e| row.error(&e.field, e.message))?;
    Ok(ticket
        .with_status(status)
        .with_part(part)
        .with_contact(contact))
}

fn read_named(file: &str, mut reader: impl Read) -> Result<Vec<Ticket>, NetworkError> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|source| NetworkError::Io {
            file: file.into(),
            source,
        })?;
    let table = Table::parse(file, &text, &TICKET_COLUMNS)?;
    let mut seen = HashSet::new();
    let mut tickets = Vec::new();
    for row in table.rows() {
        let row = row?;
        let ticket = parse_ticket(&row)?;
        if !seen.insert(ticket.id().clone()) {
            return Err(row.error("id", format!("{} appears twice", ticket.id())));
        }
        tickets.push(ticket);
    }
    Ok(tickets)
}

/// Reads tickets written by [`write_tickets`] (or by hand); errors name the
/// line and the column.
pub fn read_tickets(reader: impl Read) -> Result<Vec<Ticket>, NetworkError> {
    read_named("tickets", reader)
}

/// Reads a ticket CSV file; errors name the file, the line and the column.
pub fn read_tickets_file(path: &Path) -> Result<Vec<Ticket>, NetworkError> {
    let file = path.display().to_string();
    let handle = std::fs::File::open(path).map_err(|source| NetworkError::Io {
        file: file.clone(),
        source,
    })?;
    read_named(&file, handle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn local_midnight(date: NaiveDate) -> DateTime<Utc> {
        service_offset()
            .from_local_datetime(&date.and_time(NaiveTime::MIN))
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn csv_of(tickets: &[Ticket]) -> String {
        let mut out = Vec::new();
        write_tickets(&mut out, tickets).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn same_seed_same_tickets_and_a_different_seed_differs() {
        let network = Network::shipped().unwrap();
        let a = generate_tickets(&network, date(), 200, 7);
        let b = generate_tickets(&network, date(), 200, 7);
        let c = generate_tickets(&network, date(), 200, 8);
        assert_eq!(csv_of(&a), csv_of(&b));
        assert_ne!(csv_of(&a), csv_of(&c));
    }

    #[test]
    fn tickets_are_plausible() {
        let network = Network::shipped().unwrap();
        let tickets = generate_tickets(&network, date(), 2000, 3);
        assert_eq!(tickets.len(), 2000);
        assert_eq!(tickets[0].id().as_str(), "T20261130-00001");
        let start = local_midnight(date()) - Duration::hours(16);
        let end = local_midnight(date()) + Duration::hours(8);
        let mut key = 0;
        let mut critical = 0;
        for ticket in &tickets {
            let city = network.city(ticket.city_adcode()).unwrap();
            assert_eq!(ticket.region(), city.region);
            assert!(ticket.site().haversine_meters(&city.location) < 40_000.0);
            assert!((30..=240).contains(&ticket.service_minutes()));
            assert!(ticket.reported_at() >= start && ticket.reported_at() < end);
            key += usize::from(ticket.sla() == SlaPolicy::key_customer());
            critical += usize::from(ticket.severity() == Severity::CRITICAL);
        }
        assert!((200..=400).contains(&key), "{key}");
        assert!((50..=170).contains(&critical), "{critical}");
        assert!(
            tickets
                .windows(2)
                .all(|w| w[0].reported_at() <= w[1].reported_at())
        );
        // Population drives demand: Chongqing (32 M) sees more than Lhasa.
        let in_city = |adcode| tickets.iter().filter(|t| t.city_adcode() == adcode).count();
        assert!(in_city(500000) > in_city(540100));
    }

    #[test]
    fn the_csv_round_trips() {
        let network = Network::shipped().unwrap();
        let tickets = generate_tickets(&network, date(), 50, 11);
        let text = csv_of(&tickets);
        assert_eq!(read_tickets(text.as_bytes()).unwrap(), tickets);
    }

    #[test]
    fn a_bad_value_names_the_line_and_column() {
        let network = Network::shipped().unwrap();
        let tickets = generate_tickets(&network, date(), 5, 11);
        let text = csv_of(&tickets).replacen(",printer,", ",plumbing,", 1);
        let text = if text.contains("plumbing") {
            text
        } else {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            let mut fields: Vec<String> = lines[3].split(',').map(String::from).collect();
            fields[7] = "plumbing".into();
            lines[3] = fields.join(",");
            lines.join("\n")
        };
        let line = text.lines().position(|l| l.contains("plumbing")).unwrap() + 1;
        let err = read_tickets(text.as_bytes()).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "tickets line {line}: skill: \"plumbing\" is not a skill"
            )),
            "{err}"
        );
    }
}
