//! `ruyi token create|list|revoke`: the API's bearer tokens. A token is
//! printed once, when it is created; the database keeps only its hash, so
//! a lost token is revoked and replaced, never recovered.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};

use crate::api::issue_token;
use crate::domain::{EngineerId, Region, Role, RoleKind};
use crate::settings::Settings;
use crate::storage::{Store, StoredToken};

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Issue a token for a role and print it (the only time it is shown).
    Create(CreateArgs),
    /// List the tokens: id, role, scope, label, expiry, state (never the
    /// token itself).
    List,
    /// Revoke a token by id: it is refused from the next request on.
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// admin, planner, coordinator, engineer, call_center or integration.
    #[arg(long, value_parser = parse_role)]
    pub role: RoleKind,
    /// The hub a coordinator is scoped to (`east`, …).
    #[arg(long)]
    pub hub: Option<Region>,
    /// The engineer an engineer's token is scoped to (`E0001`, …).
    #[arg(long, value_parser = parse_engineer)]
    pub engineer: Option<EngineerId>,
    /// Lifetime: `90d`, `12h`, `2w` (default: until revoked).
    #[arg(long, value_parser = parse_lifetime)]
    pub expires: Option<Duration>,
    /// A note for `token list`: who holds it, what for.
    #[arg(long)]
    pub label: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The token's id, as `token list` shows it.
    pub id: i64,
}

fn parse_role(raw: &str) -> Result<RoleKind, String> {
    RoleKind::parse(raw).map_err(|error| error.message)
}

fn parse_engineer(raw: &str) -> Result<EngineerId, String> {
    EngineerId::parse(raw).map_err(|error| error.message)
}

/// The longest lifetime a token may be given: ten years is "never" with a
/// date on it.
const MAX_LIFETIME_DAYS: i64 = 3650;

/// `90d`, `12h`, `2w`: a whole number and a unit, from an hour to ten
/// years.
pub fn parse_lifetime(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{raw:?} has no unit: write 90d, 12h or 2w"))?;
    let (number, unit) = raw.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{raw:?} does not start with a whole number"))?;
    let lifetime = match unit {
        "h" => Duration::hours(number),
        "d" => Duration::days(number),
        "w" => Duration::weeks(number),
        _ => return Err(format!("{raw:?}: the unit is h, d or w")),
    };
    if lifetime < Duration::hours(1) || lifetime > Duration::days(MAX_LIFETIME_DAYS) {
        return Err(format!("{raw:?} is outside 1h to {MAX_LIFETIME_DAYS}d"));
    }
    Ok(lifetime)
}

pub fn run(settings: &Settings, command: TokenCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let url = settings.database.url();
        let store = Store::connect(url.expose())
            .await
            .with_context(|| format!("connecting to {url}"))?;
        store.migrate().await.context("applying migrations")?;
        let result = match command {
            TokenCommand::Create(args) => create(&store, args, out).await,
            TokenCommand::List => list(&store, out).await,
            TokenCommand::Revoke(args) => revoke(&store, args.id, out).await,
        };
        store.close().await;
        result
    })
}

async fn create(store: &Store, args: CreateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let role = Role::new(args.role, args.hub, args.engineer)
        .map_err(|error| anyhow::anyhow!("--{}: {}", error.field, error.message))?;
    if let Some(engineer) = role.engineer()
        && store.engineer(engineer).await?.is_none()
    {
        bail!("--engineer: no engineer {engineer} in the database");
    }
    let now = Utc::now();
    let expires_at = args.expires.map(|lifetime| now + lifetime);
    let (id, secret) = issue_token(store, role.clone(), args.label, now, expires_at).await?;
    writeln!(
        out,
        "token {id} for {role}, {}:",
        expires_at.map_or("until revoked".to_string(), |at| format!(
            "expires {}",
            at.to_rfc3339()
        ))
    )?;
    writeln!(out, "{}", secret.expose())?;
    writeln!(
        out,
        "it is shown only now; send it as `Authorization: Bearer <token>`"
    )?;
    Ok(())
}

fn state(token: &StoredToken, now: DateTime<Utc>) -> &'static str {
    if token.revoked_at.is_some() {
        "revoked"
    } else if token.is_live(now) {
        "live"
    } else {
        "expired"
    }
}

async fn list(store: &Store, out: &mut dyn Write) -> anyhow::Result<()> {
    let now = Utc::now();
    let tokens = store.tokens().await?;
    writeln!(
        out,
        "{:>5} {:<12} {:<10} {:<8} {:<26} {:<26} label",
        "id", "role", "scope", "state", "created", "expires"
    )?;
    for token in &tokens {
        let scope = match token.role.hub() {
            Some(hub) => hub.to_string(),
            None => token
                .role
                .engineer()
                .map_or("-".to_string(), ToString::to_string),
        };
        writeln!(
            out,
            "{:>5} {:<12} {:<10} {:<8} {:<26} {:<26} {}",
            token.id,
            token.role.kind().code(),
            scope,
            state(token, now),
            token.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            token.expires_at.map_or("-".to_string(), |at| at
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()),
            token.label.as_deref().unwrap_or("")
        )?;
    }
    writeln!(out, "{} tokens", tokens.len())?;
    Ok(())
}

async fn revoke(store: &Store, id: i64, out: &mut dyn Write) -> anyhow::Result<()> {
    match store.revoke_token(id, Utc::now()).await? {
        Some(at) => writeln!(out, "token {id} revoked (at {})", at.to_rfc3339())?,
        None => bail!("no token {id}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_take_hours_days_and_weeks_within_ten_years() {
        assert_eq!(parse_lifetime("90d").unwrap(), Duration::days(90));
        assert_eq!(parse_lifetime("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_lifetime("2w").unwrap(), Duration::weeks(2));
        for bad in [
            "90",
            "d",
            "0h",
            "90y",
            "4000d",
            "-1d",
            "99999999999999999999d",
        ] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
