//! The API token repository. Tokens are stored as the hex SHA-256 of the
//! secret (the API layer mints and hashes them); this module never sees a
//! token itself.

use chrono::{DateTime, Utc};

use super::{StorageError, Store, on_pool};
use crate::domain::{EngineerId, Region, Role, RoleKind};

/// A token as stored: its role and its life, never the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    pub id: i64,
    pub role: Role,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl StoredToken {
    /// Whether the token lets its holder in at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| expires > now)
    }
}

/// A token to store: the hash of its secret and what it grants.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: String,
    pub role: Role,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    id: i64,
    role: String,
    hub: Option<String>,
    engineer_id: Option<String>,
    label: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for StoredToken {
    type Error = StorageError;

    fn try_from(row: TokenRow) -> Result<Self, Self::Error> {
        let invalid =
            |column, message: String| StorageError::invalid_row("api_tokens", column, message);
        let kind = RoleKind::parse(&row.role).map_err(|e| invalid("role", e.message))?;
        let hub = row
            .hub
            .as_deref()
            .map(str::parse::<Region>)
            .transpose()
            .map_err(|e| invalid("hub", e.message))?;
        let engineer = row
            .engineer_id
            .map(EngineerId::parse)
            .transpose()
            .map_err(|e| invalid("engineer_id", e.message))?;
        let role = Role::new(kind, hub, engineer).map_err(|e| invalid("role", e.message))?;
        Ok(StoredToken {
            id: row.id,
            role,
            label: row.label,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, role, hub, engineer_id, label, created_at, expires_at, revoked_at";

impl Store {
    /// Stores a token and returns its id.
    pub async fn insert_token(&self, token: &NewToken) -> Result<i64, StorageError> {
        let id = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO api_tokens (hash, role, hub, engineer_id, label, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&token.hash)
            .bind(token.role.kind().code())
            .bind(token.role.hub().map(Region::code))
            .bind(token.role.engineer().map(EngineerId::as_str))
            .bind(token.label.as_deref())
            .bind(token.created_at)
            .bind(token.expires_at)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// The token whose secret hashes to `hash`, live or not.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<StoredToken>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1");
        let row: Option<TokenRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(hash).fetch_optional(pool).await?
        });
        row.map(StoredToken::try_from).transpose()
    }

    /// Every token, oldest first.
    pub async fn tokens(&self) -> Result<Vec<StoredToken>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id");
        let rows: Vec<TokenRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(StoredToken::try_from).collect()
    }

    /// Revokes a token at `at`; `None` when there is no such token, the
    /// revocation time (the earlier one, if it was revoked before) otherwise.
    pub async fn revoke_token(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StorageError> {
        let revoked: Option<Option<DateTime<Utc>>> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 \
                 RETURNING revoked_at",
            )
            .bind(id)
            .bind(at)
            .fetch_optional(pool)
            .await?
        });
        Ok(revoked.flatten())
    }
}
