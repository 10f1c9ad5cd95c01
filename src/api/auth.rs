//! Who is calling: bearer tokens, the role each carries, the roles each
//! endpoint admits, and the per-token rate limit.
//!
//! A token is `ruyi_` and 64 hex digits (256 random bits from the
//! operating system), shown once when it is issued; the database keeps
//! only its SHA-256. A slow password hash (argon2) would protect guessable
//! secrets, but a token is never guessable, and a fast hash lets every
//! request be checked in microseconds instead of tens of milliseconds of
//! hashing — the route GET serves 2,000 requests a second. A token read
//! from the database is trusted for [`TOKEN_CACHE_TTL`] (a revocation takes
//! effect within it).
//!
//! Every handler takes a [`Caller`] whose const parameter is the set of
//! roles it admits (`Caller<{ ADMIN | PLANNER }>`), so the roles are part
//! of the handler's signature. Extracting it authenticates the token
//! (401), applies the token's rate limit (429 with `Retry-After`) and
//! checks the role (403) before any other input is read. Scopes that
//! depend on what the request names (a coordinator's hub, an engineer's
//! own id) are checked by the handler with [`Caller::hub`],
//! [`Caller::hub_filter`] and [`Caller::engineer`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use super::ApiError;
use crate::clock::Clock;
use crate::domain::{EngineerId, Region, Role, RoleKind};
use crate::settings::RateLimit;
use crate::storage::{NewToken, StorageError, Store, StoredToken};

pub const ADMIN: u8 = RoleKind::Admin.bit();
pub const PLANNER: u8 = RoleKind::Planner.bit();
pub const COORDINATOR: u8 = RoleKind::Coordinator.bit();
pub const ENGINEER: u8 = RoleKind::Engineer.bit();
pub const CALL_CENTER: u8 = RoleKind::CallCenter.bit();
pub const INTEGRATION: u8 = RoleKind::Integration.bit();

/// What every token starts with, so a leaked one is recognisable (secret
/// scanners match on such prefixes).
pub const TOKEN_PREFIX: &str = "ruyi_";

/// A token's secret: printed once, never stored, never logged (`Debug`
/// hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// A new secret: 256 bits from the operating system's generator.
    pub fn mint() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)?;
        Ok(TokenSecret(format!("{TOKEN_PREFIX}{}", hex::encode(bytes))))
    }

    /// The secret, to hand to its holder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        hash_token(&self.0)
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(***)")
    }
}

/// The hex SHA-256 of a presented token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the operating system's random generator failed: {0}")]
    Random(getrandom::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Issues a token for `role`: stores its hash and returns its id and the
/// secret (the only time the secret exists outside its holder).
pub async fn issue_token(
    store: &Store,
    role: Role,
    label: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(i64, TokenSecret), IssueError> {
    let secret = TokenSecret::mint().map_err(IssueError::Random)?;
    let id = store
        .insert_token(&NewToken {
            hash: secret.hash(),
            role,
            label,
            created_at,
            expires_at,
        })
        .await?;
    Ok((id, secret))
}

/// What authenticates a request: the store that knows the tokens, the
/// clock that says whether one has expired, and the rate limiter.
pub struct Gate {
    store: Store,
    clock: Clock,
    limiter: Option<DefaultKeyedRateLimiter<i64>>,
    /// Tokens read in the last [`TOKEN_CACHE_TTL`], by hash.
    recent: Mutex<HashMap<String, (StoredToken, Instant)>>,
}

/// How long a token read from the database is trusted without reading it
/// again. Tokens are revoked from the CLI, another process, so a revoked
/// token is refused at most this long after `ruyi token revoke`; expiry is
/// checked on every request. Without it every request costs a database
/// round trip before any work.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

/// Past this many cached tokens the cache starts over (a bound on memory
/// however many distinct tokens callers present).
const TOKEN_CACHE_CAPACITY: usize = 10_000;

impl Gate {
    pub fn new(store: Store, clock: Clock, limit: Option<RateLimit>) -> Self {
        let limiter = limit.map(|limit| {
            RateLimiter::keyed(Quota::per_second(limit.per_second).allow_burst(limit.burst))
        });
        Gate {
            store,
            clock,
            limiter,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// The token presented in `Authorization: Bearer …`, if live.
    async fn authenticate(&self, header: Option<&str>) -> Result<StoredToken, ApiError> {
        let Some(header) = header else {
            return Err(ApiError::unauthorized(
                "no bearer token: send Authorization: Bearer ruyi_…",
            ));
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header is not Bearer ruyi_…")
            })?;
        let stored = self.lookup(&hash_token(token)).await?;
        let now = self.clock.now();
        if let Some(revoked) = stored.revoked_at {
            return Err(ApiError::unauthorized(format!(
                "token {} was revoked at {}",
                stored.id,
                revoked.to_rfc3339()
            )));
        }
        if !stored.is_live(now) {
            return Err(ApiError::unauthorized(format!(
                "token {} expired at {}",
                stored.id,
                stored
                    .expires_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default()
            )));
        }
        Ok(stored)
    }

    /// The stored token under `hash`, from the cache while it is fresh.
    /// Unknown tokens are not cached, so a token issued a moment ago works
    /// at once.
    async fn lookup(&self, hash: &str) -> Result<StoredToken, ApiError> {
        let cached = self
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .filter(|(_, read)| read.elapsed() < TOKEN_CACHE_TTL)
            .map(|(token, _)| token.clone());
        if let Some(token) = cached {
            return Ok(token);
        }
        let stored = self
            .store
            .token_by_hash(hash)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown token"))?;
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() >= TOKEN_CACHE_CAPACITY {
            recent.clear();
        }
        recent.insert(hash.to_string(), (stored.clone(), Instant::now()));
        Ok(stored)
    }

    /// Charges one request to the token's rate limit.
    fn charge(&self, token: i64) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&token).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            ApiError::TooManyRequests {
                retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// Authenticates, charges and checks the role against `admitted`.
    pub async fn admit(&self, header: Option<&str>, admitted: u8) -> Result<Role, ApiError> {
        let token = self.authenticate(header).await?;
        self.charge(token.id)?;
        if !token.role.kind().in_set(admitted) {
            let roles: Vec<&str> = RoleKind::of_set(admitted)
                .into_iter()
                .map(RoleKind::code)
                .collect();
            return Err(ApiError::forbidden(
                None,
                format!(
                    "a {} token may not do this; it takes one of: {}",
                    token.role.kind(),
                    roles.join(", ")
                ),
            ));
        }
        Ok(token.role)
    }
}

/// An authenticated caller whose role is one of `ROLES` (an OR of the
/// role bits above).
#[derive(Debug, Clone)]
pub struct Caller<const ROLES: u8> {
    role: Role,
}

impl<const ROLES: u8> Caller<ROLES> {
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// A coordinator may act on their own hub only.
    pub fn hub(&self, hub: Region) -> Result<(), ApiError> {
        match self.role.hub() {
            Some(own) if own != hub => Err(ApiError::forbidden(
                Some("hub"),
                format!("a coordinator of {own} may not act on the {hub} hub"),
            )),
            _ => Ok(()),
        }
    }

    /// The hub a listing is limited to: a coordinator's own when none is
    /// asked for, 403 when another is.
    pub fn hub_filter(&self, asked: Option<Region>) -> Result<Option<Region>, ApiError> {
        match (self.role.hub(), asked) {
            (Some(own), None) => Ok(Some(own)),
            (Some(_), Some(hub)) => self.hub(hub).map(|()| Some(hub)),
            (None, asked) => Ok(asked),
        }
    }

    /// An engineer may act as themself only; other roles the endpoint
    /// admits may act for any engineer (a coordinator for their hub's,
    /// which the handler checks with [`Caller::hub`]).
    pub fn engineer(&self, engineer: &EngineerId) -> Result<(), ApiError> {
        match self.role.engineer() {
            Some(own) if own != engineer => Err(ApiError::forbidden(
                Some("id"),
                format!("engineer {own} may not act for engineer {engineer}"),
            )),
            _ => Ok(()),
        }
    }
}

/// The roles a handler admits, read off its first argument, which must
/// be a [`Caller`]: the route table takes only such handlers, so an
/// endpoint cannot be mounted without declaring its roles, and the
/// OpenAPI document lists the same roles.
pub trait Admits {
    const ROLES: u8;
}

macro_rules! admits {
    ($($rest:ident),*) => {
        impl<const R: u8, $($rest),*> Admits for (Caller<R>, $($rest),*) {
            const ROLES: u8 = R;
        }
    };
}

admits!();
admits!(A);
admits!(A, B);
admits!(A, B, C);
admits!(A, B, C, D);
admits!(A, B, C, D, E);
admits!(A, B, C, D, E, F);
admits!(A, B, C, D, E, F, G);

impl<const ROLES: u8> FromRequest for Caller<ROLES> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let gate = request.app_data::<web::Data<Gate>>().cloned();
        let header = request
            .headers()
            .get(AUTHORIZATION)
            .map(|value| value.to_str().map(str::to_string));
        Box::pin(async move {
            let gate = gate.ok_or(ApiError::Internal(super::ServerFault::Misconfigured(
                "the server has no token gate",
            )))?;
            let header = match header {
                None => None,
                Some(Ok(value)) => Some(value),
                Some(Err(_)) => {
                    return Err(ApiError::unauthorized(
                        "the Authorization header is not Bearer ruyi_…",
                    ));
                }
            };
            let role = gate.admit(header.as_deref(), ROLES).await?;
            Ok(Caller { role })
        })
    }
}

/// Who a token is, for a page deciding what to show.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    /// `admin`, `planner`, `coordinator`, `engineer`, `call_center` or `integration`.
    pub role: String,
    /// A coordinator's hub.
    pub hub: Option<String>,
    /// An engineer's own id.
    pub engineer: Option<String>,
}

/// The role and scope of the bearer token: a sign-in page checks a token
/// with it, and the pages open where the role works (a coordinator's hub,
/// an engineer's day).
#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    responses((status = 200, description = "The token's role and scope", body = SessionResponse)),
)]
pub async fn session(
    caller: Caller<{ ADMIN | PLANNER | COORDINATOR | ENGINEER | CALL_CENTER | INTEGRATION }>,
) -> web::Json<SessionResponse> {
    let role = caller.role();
    web::Json(SessionResponse {
        role: role.kind().code().to_string(),
        hub: role.hub().map(|hub| hub.code().to_string()),
        engineer: role.engineer().map(|id| id.as_str().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_256_random_bits_and_hides_in_debug() {
        let one = TokenSecret::mint().unwrap();
        let two = TokenSecret::mint().unwrap();
        assert_ne!(one, two);
        assert!(one.expose().starts_with(TOKEN_PREFIX));
        assert_eq!(one.expose().len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(format!("{one:?}"), "TokenSecret(***)");
        assert_eq!(one.hash().len(), 64);
        assert_ne!(one.hash(), one.expose()[TOKEN_PREFIX.len()..]);
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
