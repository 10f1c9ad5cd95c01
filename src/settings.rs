//! Settings: what Ruyi reads from its flags and environment, parsed and
//! checked once at start-up.
//!
//! The command line ([`crate::cli`]) collects the raw values with clap (a
//! flag wins over its variable) into [`RawSettings`], [`Settings::load`]
//! checks them and names the variable or flag of a bad value
//! (`RUYI_CIRCUITY: "abc" is not a number`), and from then on the settings
//! travel as values: to each subcommand, and to the HTTP handlers as
//! `web::Data<Settings>`. Nothing below the command line reads the
//! environment. Depends on `travel` (the model the travel settings build)
//! and `dispatch` (the plan options they set).

use std::fmt;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::dispatch::Cadence;
use crate::dispatch::PlanOptions;
use crate::domain::ServiceCalendar;
use crate::travel::{GreatCircle, Parameter};

/// Everything a run of Ruyi is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub database: Database,
    /// Where `ruyi serve` listens.
    pub host: String,
    pub port: u16,
    /// Travel times and distances for dispatch, coverage and VROOM
    /// documents without matrices.
    pub travel: GreatCircle,
    /// Search budget per hub (counted as deterministic work).
    pub time_limit: Duration,
    /// The solver's seed: same seed and data, same plan.
    pub seed: u64,
    /// The ticket generator's seed: same date, count and seed, same tickets.
    pub ticket_seed: u64,
    /// A `tracing` filter, e.g. `info,highs=error` or `ruyi=debug`.
    pub log_filter: String,
    /// How far in the future an engineer's event may be dated: phone
    /// clocks run a little ahead.
    pub max_clock_skew: chrono::Duration,
    /// The API's guards against abuse (see [`Limits`]).
    pub limits: Limits,
    /// The weekdays and hours a 5x8 contract's clocks run in.
    pub service_calendar: ServiceCalendar,
    /// `ruyi serve` re-plans each hub by itself on this cadence (see
    /// [`crate::service::live`]); `None`: only when asked.
    pub live_dispatch: Option<Cadence>,
}

/// What the API refuses as too much: requests per token, report ages,
/// solver document sizes, simulation sizes, and which browser origins may
/// call it.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Requests per token; `None` switches the limit off.
    pub rate: Option<RateLimit>,
    /// Browser origins allowed by CORS; empty (the default) sends no CORS
    /// headers, so browsers keep other sites' pages out.
    pub cors_origins: Vec<String>,
    /// How old a ticket's report may be when it is taken in.
    pub max_report_age: chrono::Duration,
    /// VROOM documents: jobs (a shipment counts as two) and vehicles.
    pub vroom_max_jobs: usize,
    pub vroom_max_vehicles: usize,
    /// Tickets one replay simulation may generate (days x tickets per
    /// day) for a planner or admin; a coordinator gets a fifth.
    pub simulation_max_tickets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate: Some(RateLimit {
                per_second: NonZeroU32::new(DEFAULT_RATE_LIMIT).expect("positive"),
                burst: NonZeroU32::new(DEFAULT_RATE_BURST).expect("positive"),
            }),
            cors_origins: Vec::new(),
            max_report_age: chrono::Duration::days(DEFAULT_MAX_REPORT_AGE_DAYS),
            vroom_max_jobs: DEFAULT_VROOM_MAX_JOBS,
            vroom_max_vehicles: DEFAULT_VROOM_MAX_VEHICLES,
            simulation_max_tickets: DEFAULT_SIMULATION_MAX_TICKETS,
        }
    }
}

/// A per-token rate limit: a sustained rate and the burst above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// Requests per second per token, by default.
pub const DEFAULT_RATE_LIMIT: u32 = 100;
/// Requests a token may send at once above its rate, by default.
pub const DEFAULT_RATE_BURST: u32 = 200;
/// Days a report may lie in the past when a ticket is taken in.
pub const DEFAULT_MAX_REPORT_AGE_DAYS: i64 = 30;
/// Jobs in one VROOM document (memory grows with their square).
pub const DEFAULT_VROOM_MAX_JOBS: usize = 1_000;
pub const DEFAULT_VROOM_MAX_VEHICLES: usize = 200;
/// Tickets one replay simulation may generate for a planner.
pub const DEFAULT_SIMULATION_MAX_TICKETS: usize = 50_000;

/// The documented defaults (see the README's Configuration table).
impl Default for Settings {
    fn default() -> Self {
        Settings {
            database: Database::File(PathBuf::from(DEFAULT_DATABASE_FILE)),
            host: "127.0.0.1".to_string(),
            port: 8080,
            travel: GreatCircle::default(),
            time_limit: Duration::from_secs(2),
            seed: 1,
            ticket_seed: DEFAULT_TICKET_SEED,
            log_filter: QUIET_LOG.to_string(),
            max_clock_skew: chrono::Duration::minutes(DEFAULT_CLOCK_SKEW_MINUTES),
            limits: Limits::default(),
            service_calendar: ServiceCalendar::default(),
            live_dispatch: None,
        }
    }
}

impl Settings {
    /// How hard the dispatcher searches, with the other stages at their
    /// defaults.
    pub fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            seed: self.seed,
            time_limit: self.time_limit,
            ..PlanOptions::default()
        }
    }
}

/// How far in the future (minutes) an event's time may be, by default.
pub const DEFAULT_CLOCK_SKEW_MINUTES: i64 = 5;

/// A 5x8 contract's service hours and days, by default (DOMAIN.md).
pub const DEFAULT_SERVICE_HOURS: &str = "08:00-17:00";
pub const DEFAULT_SERVICE_DAYS: &str = "mon-fri";

/// The SQLite file used when no database URL is given.
pub const DEFAULT_DATABASE_FILE: &str = "ruyi.db";

/// The ticket generator's default seed, the same wherever tickets are
/// generated (`ruyi generate`, `demo`, `coverage replay`, `bench
/// dispatch`, the simulations API), so that each reproduces another's day.
pub const DEFAULT_TICKET_SEED: u64 = 7;

/// The log filter of the one-shot commands: they print tables and progress
/// bars, so the log stays quiet unless asked. HiGHS reports a node or time
/// limit as a warning; Ruyi sets those limits on purpose, so only its
/// errors are shown.
pub const QUIET_LOG: &str = "warn,highs=error";
/// The log filter of `ruyi serve`, which logs its requests.
pub const SERVER_LOG: &str = "info,highs=error";

/// Which database to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Given by `DATABASE_URL` / `--database-url`.
    Url(DatabaseUrl),
    /// No URL given: a SQLite file (`RUYI_DB_FILE`, default `ruyi.db`),
    /// which the demo may recreate.
    File(PathBuf),
}

impl Database {
    pub fn url(&self) -> DatabaseUrl {
        match self {
            Database::Url(url) => url.clone(),
            Database::File(file) => DatabaseUrl(format!("sqlite://{}?mode=rwc", file.display())),
        }
    }
}

/// A database URL whose password never reaches a log or a message: `Debug`
/// and `Display` show `postgres://user:***@host/db`; only
/// [`DatabaseUrl::expose`] gives the URL to connect with.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Checks the scheme: `sqlite:…`, `postgres://…` or `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = DatabaseUrl(raw.to_string());
        if ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| raw.starts_with(scheme))
        {
            Ok(url)
        } else {
            Err(format!(
                "{url:?} is not a database URL; expected sqlite://FILE or postgres://…"
            ))
        }
    }

    /// The URL with its password, to connect with.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@'))
            && at > scheme
        {
            let credentials = &url[scheme + 3..at];
            if let Some(colon) = credentials.find(':') {
                return write!(
                    f,
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                );
            }
        }
        f.write_str(url)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

/// One setting: its flag and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    DatabaseUrl,
    DatabaseFile,
    Host,
    Port,
    TimeLimit,
    Seed,
    TicketSeed,
    Circuity,
    CityKmh,
    CityKm,
    HighwayKmh,
    Log,
    ClockSkew,
    RateLimit,
    RateBurst,
    CorsOrigins,
    MaxReportAgeDays,
    VroomMaxJobs,
    VroomMaxVehicles,
    SimulationMaxTickets,
    ServiceHours,
    ServiceDays,
    LiveDispatch,
}

impl Setting {
    /// The clap argument id (the field name in the command line's structs).
    pub fn id(self) -> &'static str {
        match self {
            Setting::DatabaseUrl => "database_url",
            Setting::DatabaseFile => "db_file",
            Setting::Host => "host",
            Setting::Port => "port",
            Setting::TimeLimit => "time_limit",
            Setting::Seed => "seed",
            Setting::TicketSeed => "ticket_seed",
            Setting::Circuity => "circuity",
            Setting::CityKmh => "city_kmh",
            Setting::CityKm => "city_km",
            Setting::HighwayKmh => "highway_kmh",
            Setting::Log => "log",
            Setting::ClockSkew => "clock_skew",
            Setting::RateLimit => "rate_limit",
            Setting::RateBurst => "rate_burst",
            Setting::CorsOrigins => "cors_origins",
            Setting::MaxReportAgeDays => "max_report_age_days",
            Setting::VroomMaxJobs => "vroom_max_jobs",
            Setting::VroomMaxVehicles => "vroom_max_vehicles",
            Setting::SimulationMaxTickets => "simulation_max_tickets",
            Setting::ServiceHours => "service_hours",
            Setting::ServiceDays => "service_days",
            Setting::LiveDispatch => "live_dispatch",
        }
    }

    pub fn flag(self) -> String {
        format!("--{}", self.id().replace('_', "-"))
    }

    pub fn variable(self) -> &'static str {
        match self {
            Setting::DatabaseUrl => "DATABASE_URL",
            Setting::DatabaseFile => "RUYI_DB_FILE",
            Setting::Host => "RUYI_HOST",
            Setting::Port => "RUYI_PORT",
            Setting::TimeLimit => "RUYI_TIME_LIMIT",
            Setting::Seed => "RUYI_SEED",
            Setting::TicketSeed => "RUYI_TICKET_SEED",
            Setting::Circuity => "RUYI_CIRCUITY",
            Setting::CityKmh => "RUYI_CITY_KMH",
            Setting::CityKm => "RUYI_CITY_KM",
            Setting::HighwayKmh => "RUYI_HIGHWAY_KMH",
            Setting::Log => "RUYI_LOG",
            Setting::ClockSkew => "RUYI_CLOCK_SKEW_MINUTES",
            Setting::RateLimit => "RUYI_RATE_LIMIT",
            Setting::RateBurst => "RUYI_RATE_BURST",
            Setting::CorsOrigins => "RUYI_CORS_ORIGINS",
            Setting::MaxReportAgeDays => "RUYI_MAX_REPORT_AGE_DAYS",
            Setting::VroomMaxJobs => "RUYI_VROOM_MAX_JOBS",
            Setting::VroomMaxVehicles => "RUYI_VROOM_MAX_VEHICLES",
            Setting::SimulationMaxTickets => "RUYI_SIMULATION_MAX_TICKETS",
            Setting::ServiceHours => "RUYI_SERVICE_HOURS",
            Setting::ServiceDays => "RUYI_SERVICE_DAYS",
            Setting::LiveDispatch => "RUYI_LIVE_DISPATCH",
        }
    }
}

/// Where a raw value came from, so that an error names what the user set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Environment,
    /// The documented default (never wrong, but named by its flag).
    Default,
}

/// The settings as given, before checking; `None` where the command does
/// not take the setting or nothing was given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSettings {
    pub database_url: Option<String>,
    pub db_file: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub time_limit: Option<String>,
    pub seed: Option<String>,
    pub ticket_seed: Option<String>,
    pub circuity: Option<String>,
    pub city_kmh: Option<String>,
    pub city_km: Option<String>,
    pub highway_kmh: Option<String>,
    pub log: Option<String>,
    pub clock_skew: Option<String>,
    pub rate_limit: Option<String>,
    pub rate_burst: Option<String>,
    pub cors_origins: Option<String>,
    pub max_report_age_days: Option<String>,
    pub vroom_max_jobs: Option<String>,
    pub vroom_max_vehicles: Option<String>,
    pub simulation_max_tickets: Option<String>,
    pub service_hours: Option<String>,
    pub service_days: Option<String>,
    pub live_dispatch: Option<String>,
}

/// A setting that does not parse or is out of range; the message names the
/// variable (or the flag, when the value came from the command line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct SettingsError {
    pub setting: Setting,
    /// `RUYI_CIRCUITY` or `--circuity`.
    pub name: String,
    pub message: String,
}

impl Settings {
    /// Checks every given value; `origin` says where each came from and
    /// `default_log` is the command's log filter when `RUYI_LOG` is unset.
    pub fn load(
        raw: &RawSettings,
        origin: &dyn Fn(Setting) -> Origin,
        default_log: &str,
    ) -> Result<Settings, SettingsError> {
        let refuse = |setting: Setting, message: String| {
            let name = match origin(setting) {
                Origin::Environment => setting.variable().to_string(),
                Origin::Flag | Origin::Default => setting.flag(),
            };
            SettingsError {
                setting,
                name,
                message,
            }
        };
        let defaults = Settings::default();
        let number = |setting: Setting, value: &Option<String>, default: f64| match value {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .map_err(|_| refuse(setting, format!("{raw:?} is not a number"))),
        };
        let positive = |setting: Setting, value: &Option<String>, default: f64| {
            let parsed = number(setting, value, default)?;
            if parsed.is_finite() && parsed > 0.0 {
                Ok(parsed)
            } else {
                Err(refuse(
                    setting,
                    format!("{parsed} is not a positive number"),
                ))
            }
        };
        let travel = GreatCircle::new(
            number(Setting::Circuity, &raw.circuity, defaults.travel.circuity)?,
            number(Setting::CityKmh, &raw.city_kmh, defaults.travel.city_kmh)?,
            number(Setting::CityKm, &raw.city_km, defaults.travel.city_km)?,
            number(
                Setting::HighwayKmh,
                &raw.highway_kmh,
                defaults.travel.highway_kmh,
            )?,
        )
        .map_err(|error| {
            let setting = match error.parameter() {
                Parameter::Circuity => Setting::Circuity,
                Parameter::CityKmh => Setting::CityKmh,
                Parameter::CityKm => Setting::CityKm,
                Parameter::HighwayKmh => Setting::HighwayKmh,
            };
            refuse(setting, error.to_string())
        })?;
        let seconds = positive(
            Setting::TimeLimit,
            &raw.time_limit,
            defaults.time_limit.as_secs_f64(),
        )?;
        let time_limit = Duration::try_from_secs_f64(seconds)
            .map_err(|_| refuse(Setting::TimeLimit, format!("{seconds} is too many seconds")))?;
        let whole = |setting: Setting, value: &Option<String>, default: u64| match value {
            None => Ok(default),
            Some(text) => text.trim().parse::<u64>().map_err(|_| {
                refuse(
                    setting,
                    format!("{text:?} is not a whole number from 0 to {}", u64::MAX),
                )
            }),
        };
        let seed = whole(Setting::Seed, &raw.seed, defaults.seed)?;
        let ticket_seed = whole(Setting::TicketSeed, &raw.ticket_seed, defaults.ticket_seed)?;
        let port = match &raw.port {
            None => defaults.port,
            Some(text) => text.trim().parse::<u16>().map_err(|_| {
                refuse(
                    Setting::Port,
                    format!("{text:?} is not a port number (0 to 65535)"),
                )
            })?,
        };
        let host = match &raw.host {
            None => defaults.host,
            Some(text) if text.trim().is_empty() => {
                return Err(refuse(Setting::Host, "is empty".to_string()));
            }
            Some(text) => text.trim().to_string(),
        };
        let database = match (&raw.database_url, &raw.db_file) {
            (Some(url), _) => Database::Url(
                DatabaseUrl::parse(url.trim())
                    .map_err(|message| refuse(Setting::DatabaseUrl, message))?,
            ),
            (None, Some(file)) if file.trim().is_empty() => {
                return Err(refuse(Setting::DatabaseFile, "is empty".to_string()));
            }
            (None, Some(file)) => Database::File(PathBuf::from(file)),
            (None, None) => defaults.database,
        };
        let log_filter = raw.log.clone().unwrap_or_else(|| default_log.to_string());
        if let Err(error) = tracing_subscriber::EnvFilter::try_new(&log_filter) {
            return Err(refuse(
                Setting::Log,
                format!("{log_filter:?} is not a log filter: {error}"),
            ));
        }
        let skew = whole(
            Setting::ClockSkew,
            &raw.clock_skew,
            DEFAULT_CLOCK_SKEW_MINUTES as u64,
        )?;
        let max_clock_skew = i64::try_from(skew)
            .ok()
            .filter(|minutes| *minutes <= 24 * 60)
            .map(chrono::Duration::minutes)
            .ok_or_else(|| {
                refuse(
                    Setting::ClockSkew,
                    format!("{skew} minutes is more than a day"),
                )
            })?;
        let limits = Limits::load(raw, &refuse)?;
        let service_calendar = match (&raw.service_hours, &raw.service_days) {
            (None, None) => defaults.service_calendar,
            (hours, days) => ServiceCalendar::parse(
                hours.as_deref().unwrap_or(DEFAULT_SERVICE_HOURS),
                days.as_deref().unwrap_or(DEFAULT_SERVICE_DAYS),
            )
            .map_err(|error| {
                let setting = if error.field == "service_days" {
                    Setting::ServiceDays
                } else {
                    Setting::ServiceHours
                };
                refuse(setting, error.message.clone())
            })?,
        };
        let live_dispatch = match raw.live_dispatch.as_deref() {
            None => defaults.live_dispatch,
            Some(raw) => parse_live_dispatch(raw).map_err(|e| refuse(Setting::LiveDispatch, e))?,
        };
        Ok(Settings {
            database,
            host,
            port,
            travel,
            time_limit,
            seed,
            ticket_seed,
            log_filter,
            max_clock_skew,
            limits,
            service_calendar,
            live_dispatch,
        })
    }
}

/// `off`, or the prompt and routine re-plan spacing in minutes
/// (`30,120`), each from 1 minute to a day.
fn parse_live_dispatch(raw: &str) -> Result<Option<Cadence>, String> {
    let raw = raw.trim();
    if raw == "off" {
        return Ok(None);
    }
    let minutes: Vec<i64> = raw
        .split(',')
        .map(|part| part.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            format!("{raw:?} is neither `off` nor PROMPT,ROUTINE minutes (e.g. 30,120)")
        })?;
    match minutes[..] {
        [prompt, routine] if (1..=1440).contains(&prompt) && (1..=1440).contains(&routine) => {
            Ok(Some(Cadence {
                prompt: chrono::Duration::minutes(prompt),
                routine: chrono::Duration::minutes(routine),
            }))
        }
        _ => Err(format!(
            "{raw:?}: give two spacings in minutes, each from 1 to 1440 (e.g. 30,120), or `off`"
        )),
    }
}

impl Limits {
    /// Checks the limits' raw values; `refuse` names the setting.
    fn load(
        raw: &RawSettings,
        refuse: &dyn Fn(Setting, String) -> SettingsError,
    ) -> Result<Limits, SettingsError> {
        let defaults = Limits::default();
        let count =
            |setting: Setting, value: &Option<String>, default: u64, low: u64, high: u64| {
                let Some(text) = value else {
                    return Ok(default);
                };
                match text.trim().parse::<u64>() {
                    Ok(number) if (low..=high).contains(&number) => Ok(number),
                    _ => Err(refuse(
                        setting,
                        format!("{text:?} is not a whole number from {low} to {high}"),
                    )),
                }
            };
        let rate = count(
            Setting::RateLimit,
            &raw.rate_limit,
            u64::from(DEFAULT_RATE_LIMIT),
            0,
            1_000_000,
        )?;
        let burst = count(
            Setting::RateBurst,
            &raw.rate_burst,
            u64::from(DEFAULT_RATE_BURST),
            1,
            1_000_000,
        )?;
        // 0 switches the limit off; the bounds above keep both in u32.
        let rate = NonZeroU32::new(rate as u32).map(|per_second| RateLimit {
            per_second,
            burst: NonZeroU32::new(burst as u32).expect("checked to be at least 1"),
        });
        let cors_origins = match &raw.cors_origins {
            None => Vec::new(),
            Some(list) => {
                let mut origins = Vec::new();
                for origin in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                    let scheme = origin
                        .strip_prefix("https://")
                        .or_else(|| origin.strip_prefix("http://"));
                    if origin != "*"
                        && scheme.is_none_or(|host| host.is_empty() || host.contains('/'))
                    {
                        return Err(refuse(
                            Setting::CorsOrigins,
                            format!(
                                "{origin:?} is not an origin (scheme://host[:port], no path) \
                                 or *"
                            ),
                        ));
                    }
                    origins.push(origin.to_string());
                }
                origins
            }
        };
        let age = count(
            Setting::MaxReportAgeDays,
            &raw.max_report_age_days,
            DEFAULT_MAX_REPORT_AGE_DAYS as u64,
            1,
            366,
        )?;
        let jobs = count(
            Setting::VroomMaxJobs,
            &raw.vroom_max_jobs,
            defaults.vroom_max_jobs as u64,
            1,
            10_000,
        )?;
        let vehicles = count(
            Setting::VroomMaxVehicles,
            &raw.vroom_max_vehicles,
            defaults.vroom_max_vehicles as u64,
            1,
            5_000,
        )?;
        let tickets = count(
            Setting::SimulationMaxTickets,
            &raw.simulation_max_tickets,
            defaults.simulation_max_tickets as u64,
            1,
            155_000,
        )?;
        Ok(Limits {
            rate,
            cors_origins,
            max_report_age: chrono::Duration::days(age as i64),
            vroom_max_jobs: jobs as usize,
            vroom_max_vehicles: vehicles as usize,
            simulation_max_tickets: tickets as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_environment(_: Setting) -> Origin {
        Origin::Environment
    }

    fn load(raw: RawSettings) -> Result<Settings, SettingsError> {
        Settings::load(&raw, &from_environment, QUIET_LOG)
    }

    #[test]
    fn nothing_given_is_the_documented_defaults() {
        assert_eq!(load(RawSettings::default()).unwrap(), Settings::default());
        assert_eq!(
            Settings::default().database.url().expose(),
            "sqlite://ruyi.db?mode=rwc"
        );
    }

    #[test]
    fn a_bad_number_names_its_variable() {
        let error = load(RawSettings {
            circuity: Some("abc".into()),
            ..RawSettings::default()
        })
        .unwrap_err();
        assert_eq!(error.to_string(), r#"RUYI_CIRCUITY: "abc" is not a number"#);
        let error = load(RawSettings {
            city_kmh: Some("-30".into()),
            ..RawSettings::default()
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "RUYI_CITY_KMH: -30 is not a positive number"
        );
    }

    #[test]
    fn the_service_calendar_is_read_and_a_bad_one_named() {
        let settings = load(RawSettings {
            service_hours: Some("09:00-18:00".into()),
            service_days: Some("mon-sat".into()),
            ..RawSettings::default()
        })
        .unwrap();
        assert_eq!(
            settings.service_calendar,
            ServiceCalendar::parse("09:00-18:00", "mon-sat").unwrap()
        );
        let error = load(RawSettings {
            service_hours: Some("17:00-08:00".into()),
            ..RawSettings::default()
        })
        .unwrap_err();
        assert!(
            error.to_string().starts_with("RUYI_SERVICE_HOURS: "),
            "{error}"
        );
        let error = load(RawSettings {
            service_days: Some("mon-funday".into()),
            ..RawSettings::default()
        })
        .unwrap_err();
        assert!(
            error.to_string().starts_with("RUYI_SERVICE_DAYS: "),
            "{error}"
        );
    }

    #[test]
    fn a_bad_flag_is_named_as_a_flag() {
        let error = Settings::load(
            &RawSettings {
                port: Some("80000".into()),
                ..RawSettings::default()
            },
            &|_| Origin::Flag,
            QUIET_LOG,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"--port: "80000" is not a port number (0 to 65535)"#
        );
    }

    #[test]
    fn out_of_range_values_are_refused_by_name() {
        for (raw, variable) in [
            (
                RawSettings {
                    circuity: Some("0.9".into()),
                    ..RawSettings::default()
                },
                "RUYI_CIRCUITY",
            ),
            (
                RawSettings {
                    time_limit: Some("1e300".into()),
                    ..RawSettings::default()
                },
                "RUYI_TIME_LIMIT",
            ),
            (
                RawSettings {
                    seed: Some("-1".into()),
                    ..RawSettings::default()
                },
                "RUYI_SEED",
            ),
            (
                RawSettings {
                    database_url: Some("mysql://localhost/ruyi".into()),
                    ..RawSettings::default()
                },
                "DATABASE_URL",
            ),
            (
                RawSettings {
                    log: Some("ruyi=loud".into()),
                    ..RawSettings::default()
                },
                "RUYI_LOG",
            ),
        ] {
            let error = load(raw).unwrap_err();
            assert!(
                error.to_string().starts_with(&format!("{variable}: ")),
                "{error}"
            );
        }
    }

    #[test]
    fn given_values_are_used() {
        let settings = load(RawSettings {
            database_url: Some("postgres://ruyi:secret@db/ruyi".into()),
            port: Some("0".into()),
            time_limit: Some("0.5".into()),
            seed: Some("7".into()),
            ticket_seed: Some("11".into()),
            circuity: Some("1.2".into()),
            log: Some("ruyi=debug".into()),
            ..RawSettings::default()
        })
        .unwrap();
        assert_eq!(settings.port, 0);
        assert_eq!(settings.time_limit, Duration::from_millis(500));
        assert_eq!(settings.seed, 7);
        assert_eq!(settings.ticket_seed, 11);
        assert_eq!(settings.travel.circuity, 1.2);
        assert_eq!(settings.log_filter, "ruyi=debug");
        assert_eq!(settings.plan_options().seed, 7);
        assert_eq!(
            settings.database.url().expose(),
            "postgres://ruyi:secret@db/ruyi"
        );
    }

    #[test]
    fn limits_are_checked_by_name_and_zero_switches_the_rate_limit_off() {
        let limits = load(RawSettings {
            rate_limit: Some("0".into()),
            cors_origins: Some("https://dispatch.example.com, http://localhost:3000".into()),
            vroom_max_jobs: Some("50".into()),
            ..RawSettings::default()
        })
        .unwrap()
        .limits;
        assert_eq!(limits.rate, None);
        assert_eq!(
            limits.cors_origins,
            vec!["https://dispatch.example.com", "http://localhost:3000"]
        );
        assert_eq!(limits.vroom_max_jobs, 50);
        for (raw, variable) in [
            (
                RawSettings {
                    cors_origins: Some("dispatch.example.com/app".into()),
                    ..RawSettings::default()
                },
                "RUYI_CORS_ORIGINS",
            ),
            (
                RawSettings {
                    rate_burst: Some("0".into()),
                    ..RawSettings::default()
                },
                "RUYI_RATE_BURST",
            ),
            (
                RawSettings {
                    max_report_age_days: Some("-3".into()),
                    ..RawSettings::default()
                },
                "RUYI_MAX_REPORT_AGE_DAYS",
            ),
        ] {
            let error = load(raw).unwrap_err();
            assert!(
                error.to_string().starts_with(&format!("{variable}: ")),
                "{error}"
            );
        }
    }

    #[test]
    fn the_database_password_never_shows() {
        let url = DatabaseUrl::parse("postgres://ruyi:secret@db:5432/ruyi").unwrap();
        assert_eq!(url.to_string(), "postgres://ruyi:***@db:5432/ruyi");
        let settings = Settings {
            database: Database::Url(url),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("ruyi:***@db"), "{shown}");
        // Without a password there is nothing to hide.
        let plain = DatabaseUrl::parse("postgres://postgres@127.0.0.1/ruyi").unwrap();
        assert_eq!(plain.to_string(), "postgres://postgres@127.0.0.1/ruyi");
        let error = DatabaseUrl::parse("mysql://root:secret@db/ruyi").unwrap_err();
        assert!(!error.contains("secret"), "{error}");
    }
}
