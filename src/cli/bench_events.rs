//! `ruyi bench events`: event throughput. Starts the API in this process
//! over the given database (a fresh SQLite file by default), gives a set
//! of the shipped network's engineers a roster for today with synthetic
//! tickets, then drives `POST /api/v1/engineers/{id}/events` from
//! concurrent keep-alive clients at a fixed rate for a fixed time — each
//! engineer's day as a phone reports it: shift started, then per ticket en
//! route, positions, arrived, finished (fixed), then positions. Prints the
//! achieved rate, latency percentiles and the stored row count against the
//! events answered 201 (nothing may be lost). A benchmark, not a test:
//! traffic goes to 127.0.0.1 only and stops by itself.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::api::{Application, issue_token};
use crate::domain::{
    Engineer, EngineerRoute, GeoPoint, Region, Role, Roster, RosterSummary, Severity, Skill,
    SlaPolicy, Ticket, TicketId, Visit, VisitKind, service_offset,
};
use crate::settings::{Database, Settings};

#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// Events per second, all clients together.
    #[arg(long, default_value_t = 500)]
    pub rate: u32,
    /// How long to send, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Concurrent clients (keep-alive connections).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Engineers reporting (taken from the shipped network).
    #[arg(long, default_value_t = 256)]
    pub engineers: usize,
    /// Tickets on each engineer's route today.
    #[arg(long, default_value_t = 6)]
    pub tickets_per_engineer: usize,
}

/// One engineer's phone: the events still to send, in order.
struct Phone {
    engineer: String,
    /// The engineer's own API token, as their phone holds it.
    token: String,
    tickets: Vec<String>,
    home: GeoPoint,
    step: usize,
}

impl Phone {
    /// The next event body of this engineer's day.
    fn next_body(&mut self, run: &str, at: chrono::DateTime<Utc>) -> String {
        let step = self.step;
        self.step += 1;
        let at = at.with_timezone(&service_offset()).to_rfc3339();
        let event_id = format!("{run}-{}-{step}", self.engineer);
        let (lat, lon) = (
            self.home.lat() + (step % 7) as f64 * 0.001,
            self.home.lon() + (step % 5) as f64 * 0.001,
        );
        if step == 0 {
            return format!(
                r#"{{"event_id":"{event_id}","kind":"shift_started","at":"{at}","lat":{lat},"lon":{lon}}}"#
            );
        }
        // Per ticket: en_route, 3 positions, arrived, position, finished.
        let per_ticket = 7;
        let index = (step - 1) / per_ticket;
        let phase = (step - 1) % per_ticket;
        let Some(ticket) = self.tickets.get(index) else {
            return format!(
                r#"{{"event_id":"{event_id}","kind":"position","at":"{at}","lat":{lat},"lon":{lon}}}"#
            );
        };
        match phase {
            0 => format!(
                r#"{{"event_id":"{event_id}","kind":"en_route","at":"{at}","ticket_id":"{ticket}"}}"#
            ),
            4 => format!(
                r#"{{"event_id":"{event_id}","kind":"arrived","at":"{at}","ticket_id":"{ticket}"}}"#
            ),
            6 => format!(
                r#"{{"event_id":"{event_id}","kind":"finished","at":"{at}","ticket_id":"{ticket}","outcome":"fixed","notes":"benchmark","signed_off_by":"Bench"}}"#
            ),
            _ => format!(
                r#"{{"event_id":"{event_id}","kind":"position","at":"{at}","lat":{lat},"lon":{lon}}}"#
            ),
        }
    }
}

/// A keep-alive HTTP/1.1 connection that posts JSON and reads the status.
struct Connection {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Connection {
    async fn open(port: u16) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            reader: BufReader::new(stream),
            port,
        })
    }

    async fn post(&mut self, path: &str, token: &str, body: &str) -> anyhow::Result<u16> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .with_context(|| format!("a bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                bail!("the server closed the connection");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await?;
        Ok(status)
    }
}

/// Synthetic tickets near each engineer's home and today's roster of
/// each hub giving every chosen engineer a route through them.
fn day_of(
    engineers: &[Engineer],
    per_engineer: usize,
    run: &str,
    date: NaiveDate,
) -> (Vec<Ticket>, Vec<Roster>) {
    let now = Utc::now();
    let mut tickets = Vec::new();
    let mut rosters: Vec<Roster> = Vec::new();
    for (number, engineer) in engineers.iter().enumerate() {
        let mut visits = Vec::new();
        for index in 0..per_engineer {
            let site = GeoPoint::new(
                engineer.home().lat() + 0.01 * (index + 1) as f64,
                engineer.home().lon(),
            )
            .expect("a point near a home is valid");
            let id = TicketId::parse(format!("B{run}-{number:04}-{index}"))
                .expect("a benchmark id is valid");
            let ticket = Ticket::new(crate::domain::TicketReport {
                id: id.clone(),
                customer: format!("Benchmark customer {number}-{index}"),
                site,
                city_adcode: engineer.region().hub_city_adcode(),
                region: engineer.region(),
                severity: Severity::MAJOR,
                skill: Skill::Server,
                reported_at: now,
                service_minutes: 60,
                sla: SlaPolicy::default(),
            })
            .expect("benchmark tickets are valid");
            let deadlines = ticket.deadlines();
            visits.push(Visit {
                sequence: index as u32 + 1,
                kind: VisitKind::Fault,
                ticket_id: id,
                location: site,
                arrival: now,
                start: now,
                departure: now,
                on_site_by: deadlines.on_site_by,
                repaired_by: deadlines.repaired_by,
                late_minutes: 0,
                km_from_previous: 1.0,
                late_reason: None,
            });
            tickets.push(ticket);
        }
        let route = EngineerRoute {
            engineer_id: engineer.id().clone(),
            base: engineer.home(),
            leave_at: now,
            return_at: now,
            km: 0.0,
            visits,
            lunch: None,
        };
        match rosters.iter_mut().find(|r| r.hub == engineer.region()) {
            Some(roster) => roster.routes.push(route),
            None => rosters.push(Roster {
                id: None,
                hub: engineer.region(),
                date,
                created_at: now,
                now,
                replaces: None,
                routes: vec![route],
                unassigned: Vec::new(),
                loaners: Vec::new(),
                remote: Vec::new(),
                parts: Vec::new(),
                workloads: Vec::new(),
                summary: RosterSummary::default(),
            }),
        }
    }
    (tickets, rosters)
}

fn percentile(sorted: &[Duration], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

pub fn run(settings: &Settings, args: EventsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.rate == 0 || args.clients == 0 || args.engineers == 0 {
        bail!("--rate, --clients and --engineers must be positive");
    }
    let scratch = tempfile_dir()?;
    // A database given by URL is used as it is; otherwise a scratch file.
    let url = match &settings.database {
        Database::Url(url) => url.clone(),
        Database::File(_) => Database::File(scratch.join("bench-events.db")).url(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let store = super::open_store(&url).await?;
        let run = format!("{}", Utc::now().timestamp_millis() % 100_000_000);
        let date = Utc::now().with_timezone(&service_offset()).date_naive();
        let mut engineers = Vec::new();
        for region in Region::ALL {
            engineers.extend(store.engineers_in_region(region).await?);
        }
        engineers.truncate(args.engineers);
        let (tickets, rosters) = day_of(&engineers, args.tickets_per_engineer, &run, date);
        store.insert_tickets(&tickets).await?;
        for roster in &rosters {
            store.save_roster(roster).await?;
        }
        let before = store.count_events().await?;
        let served = Settings {
            host: "127.0.0.1".to_string(),
            port: 0,
            ..settings.clone()
        };
        let application = Application::with_store(&served, store.clone())?;
        let port = application.port();
        let server = tokio::spawn(application.run_until_stopped());
        writeln!(
            out,
            "{}: {} engineers, {} tickets on today's routes; {} events/s for {} s from {} clients",
            store.backend().name(),
            engineers.len(),
            tickets.len(),
            args.rate,
            args.seconds,
            args.clients
        )?;
        // Each client owns whole engineers, so one engineer's events go
        // out in order.
        let mut phones: Vec<Vec<Phone>> = (0..args.clients).map(|_| Vec::new()).collect();
        for (index, engineer) in engineers.iter().enumerate() {
            let role = Role::Engineer(engineer.id().clone());
            let (_, token) =
                issue_token(&store, role, Some("bench events".into()), Utc::now(), None)
                    .await
                    .context("issuing the engineers' tokens")?;
            phones[index % args.clients].push(Phone {
                engineer: engineer.id().to_string(),
                token: token.expose().to_string(),
                tickets: tickets
                    .iter()
                    .filter(|t| t.id().as_str().starts_with(&format!("B{run}-{index:04}-")))
                    .map(|t| t.id().to_string())
                    .collect(),
                home: engineer.home(),
                step: 0,
            });
        }
        let interval = Duration::from_secs_f64(args.clients as f64 / f64::from(args.rate));
        let total = Duration::from_secs(args.seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        let clients = args.clients as f64;
        for (client, mut own) in phones.into_iter().enumerate() {
            let run = run.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut statuses: std::collections::BTreeMap<u16, u64> = Default::default();
                if own.is_empty() {
                    return Ok::<_, anyhow::Error>((latencies, statuses));
                }
                let mut connection = Connection::open(port).await?;
                // Spread the clients' first sends over one interval.
                let offset = interval.mul_f64(client as f64 / clients);
                let mut next = started + offset;
                let mut turn = 0usize;
                while next < started + total {
                    tokio::time::sleep_until(next.into()).await;
                    let count = own.len();
                    let phone = &mut own[turn % count];
                    turn += 1;
                    let body = phone.next_body(&run, Utc::now());
                    let path = format!("/api/v1/engineers/{}/events", phone.engineer);
                    let sent = Instant::now();
                    let status = connection.post(&path, &phone.token, &body).await?;
                    latencies.push(sent.elapsed());
                    *statuses.entry(status).or_default() += 1;
                    next += interval;
                }
                Ok((latencies, statuses))
            }));
        }
        let mut latencies = Vec::new();
        let mut statuses: std::collections::BTreeMap<u16, u64> = Default::default();
        for task in tasks {
            let (own, counts) = task.await.context("a client failed")??;
            latencies.extend(own);
            for (status, count) in counts {
                *statuses.entry(status).or_default() += count;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        // Every send has been answered: count while the server still runs
        // (stopping it first would close its workers' pooled connections
        // under the count on PostgreSQL).
        let after = store.count_events().await?;
        server.abort();
        latencies.sort();
        let sent = latencies.len();
        let created = statuses.get(&201).copied().unwrap_or(0);
        writeln!(
            out,
            "sent {sent} events in {elapsed:.1} s: {:.1} events/s; statuses {statuses:?}",
            sent as f64 / elapsed
        )?;
        writeln!(
            out,
            "latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.95),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0)
        )?;
        let stored = after - before;
        writeln!(
            out,
            "stored {stored} new rows for {created} answered 201: {}",
            if stored == created as i64 {
                "nothing lost"
            } else {
                "MISMATCH"
            }
        )?;
        store.close().await;
        if stored != created as i64 {
            bail!("{created} events were acknowledged but {stored} rows were stored");
        }
        anyhow::Ok(())
    })?;
    std::fs::remove_dir_all(&scratch).ok();
    Ok(())
}

/// A scratch directory for the default SQLite file.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("ruyi-bench-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
