//! Storage: sqlx repositories over SQLite (the default, a local file) or
//! PostgreSQL, chosen by the database URL.
//!
//! Queries are runtime `sqlx::query`/`query_as` with `$n` placeholders, which
//! both databases accept, so each repository method is written once and
//! expanded for both pools by [`on_pool!`] / [`in_transaction!`]. Rows turn
//! back into domain types through the domain constructors: a stored row that
//! no longer validates is a [`StorageError::InvalidRow`] naming the table and
//! column, never a panic. Every write that touches more than one row runs in
//! one transaction, so a failed request leaves nothing behind.
//!
//! Depends on `domain` only.

mod events;
mod network;
mod parts;
mod pins;
mod rosters;
mod rows;
mod tickets;
mod tokens;

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use chrono::NaiveDate;

use crate::domain::{DomainError, TicketId};

pub use events::{
    EventRules, FollowUp, NewEvent, PartUsed, Recorded, RosterRevision, StoredHistory,
};
pub use pins::Pin;
pub use rosters::{RouteVersion, StoredRoute};
pub use tickets::TicketFilter;
pub use tokens::{NewToken, StoredToken};

/// How long opening a database may take before it counts as unreachable
/// (sqlx's own default waits 30 s).
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL {0:?}: expected sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database did not answer within [`CONNECT_TIMEOUT`]: a server
    /// that waits longer only hides a wrong URL or a stopped database.
    #[error("the database did not answer within {} s", CONNECT_TIMEOUT.as_secs())]
    Unreachable,
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row that no longer passes the domain checks.
    #[error("invalid stored row in {table}.{column}: {message}")]
    InvalidRow {
        table: &'static str,
        column: &'static str,
        message: String,
    },
    /// A value handed to storage was refused by the domain constructors.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("ticket {0} already exists")]
    DuplicateTicket(TicketId),
    /// A roster takes a part its stock point no longer holds (another plan
    /// took the last unit first); nothing of the roster is stored.
    #[error("no {part} left in stock at {base}")]
    OutOfStock { base: String, part: String },
    /// A revision was asked of a roster that is no longer the day's
    /// newest: building on it would drop what the newer one changed.
    #[error("roster {roster} is superseded by roster {by} for the same hub and day")]
    RosterSuperseded { roster: i64, by: i64 },
    /// A first roster of a hub's day was saved while another already had
    /// been (two plans of one day raced): the later one is not stored.
    #[error("the {hub} hub's {date} was planned meanwhile (roster {by})")]
    DayPlannedMeanwhile {
        hub: crate::domain::Region,
        date: NaiveDate,
        by: i64,
    },
    /// A ticket is already on another day's published route: one published
    /// visit per ticket.
    #[error("ticket {ticket} is already on the published routes of roster {roster}")]
    TicketOnAnotherRoute { ticket: TicketId, roster: i64 },
    /// An event id stored by a concurrent request meanwhile; the caller
    /// reads the stored event and answers with it.
    #[error("event {0} already exists")]
    DuplicateEvent(crate::domain::EventId),
}

impl StorageError {
    pub(crate) fn invalid_row(
        table: &'static str,
        column: &'static str,
        message: impl ToString,
    ) -> Self {
        StorageError::InvalidRow {
            table,
            column,
            message: message.to_string(),
        }
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool to one of the two supported databases. Cloning is
/// cheap (the pools are reference-counted).
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// `$first, $first+1, …` for `count` values: an `IN (…)` list that both
/// databases accept.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the same block against whichever pool the store holds; `$pool` is
/// bound to the concrete pool in each arm, so the SQL is written once.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::storage::Store::Sqlite($pool) => $body,
            $crate::storage::Store::Postgres($pool) => $body,
        }
    };
}

/// Like [`on_pool!`], inside one transaction: `$tx` is the open
/// transaction; it commits when the block finishes and rolls back when the
/// block returns early with `?`.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        $crate::storage::in_transaction!(@begin begin(), $store, |$tx| $body)
    };
    // `$begin` opens the SQLite transaction; PostgreSQL's is always BEGIN.
    (@begin $begin:ident($($how:expr)?), $store:expr, |$tx:ident| $body:expr) => {
        match $store {
            $crate::storage::Store::Sqlite(pool) => {
                let mut $tx = pool.$begin($($how)?).await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
            $crate::storage::Store::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let value = $body;
                $tx.commit().await?;
                value
            }
        }
    };
}

/// [`in_transaction!`] for a transaction that reads, then writes on what it
/// read (a compare-and-swap): on SQLite it takes the write lock first, so
/// a concurrent writer makes it wait rather than fail on a stale snapshot.
macro_rules! in_write_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        $crate::storage::in_transaction!(@begin begin_with("BEGIN IMMEDIATE"), $store, |$tx| $body)
    };
}

pub(crate) use {in_transaction, in_write_transaction, on_pool};

/// Who uses a store: the server and the CLI's commands (records that must
/// last, several readers at once), or a simulation (scratch, one task).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Shared,
    Scratch,
}

impl Store {
    /// Connects to `sqlite:…` (e.g. `sqlite://ruyi.db?mode=rwc`) or
    /// `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, Use::Shared).await
    }

    /// [`Store::connect`] for a simulation's scratch database, used by one
    /// task one statement at a time: on SQLite one connection, whose page
    /// cache stays warm (in WAL mode a write through one connection empties
    /// the others' caches), never synced to disk — a crash loses the run,
    /// not a record. A simulated day re-plans hundreds of times; this
    /// saves about a seventh of it.
    pub async fn connect_sole(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, Use::Scratch).await
    }

    async fn connect_with(url: &str, usage: Use) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                // `sqlite://ruyi.db` should create the file, as `?mode=rwc` does.
                .create_if_missing(true)
                .foreign_keys(true)
                // Concurrent API requests on one file: wait for the writer
                // instead of failing with "database is locked".
                .busy_timeout(std::time::Duration::from_secs(10))
                // Engineers' events arrive hundreds a second, each its own
                // transaction: the write-ahead log lets readers go on while
                // one writes, and NORMAL syncs it at checkpoints rather than
                // at every commit (a power cut may lose the last commits,
                // never corrupt the file).
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match usage {
                    Use::Shared => SqliteSynchronous::Normal,
                    Use::Scratch => SqliteSynchronous::Off,
                })
                // A hub's re-plan reads its day's tickets, events and routes
                // again: 32 MiB of pages per connection (SQLite's default
                // is 2 MiB) keep them in the process rather than re-read
                // from the file through a system call each.
                .pragma("cache_size", "-32768");
            let pool = SqlitePoolOptions::new()
                .max_connections(match usage {
                    Use::Shared => 4,
                    Use::Scratch => 1,
                })
                .connect_with(options)
                .await?;
            tracing::debug!(url, "connected to SQLite");
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(options);
            let pool = tokio::time::timeout(CONNECT_TIMEOUT, pool)
                .await
                .map_err(|_| StorageError::Unreachable)??;
            tracing::debug!("connected to PostgreSQL");
            Ok(Store::Postgres(pool))
        } else {
            Err(StorageError::UnsupportedUrl(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this store's dialect.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_urls_of_other_databases() {
        let error = Store::connect("mysql://localhost/ruyi").await.unwrap_err();
        assert!(
            matches!(error, StorageError::UnsupportedUrl(ref url) if url == "mysql://localhost/ruyi")
        );
    }

    #[tokio::test]
    async fn creates_a_missing_sqlite_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new.db");
        let store = Store::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        assert_eq!(store.backend(), Backend::Sqlite);
        store.migrate().await.unwrap();
        assert!(file.exists());
    }
}
