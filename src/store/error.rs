//! What can go wrong in the store, as callers need to tell it apart.
//!
//! A broken unique or foreign-key constraint is named (so a use case can turn "this
//! consent id is already on record" into a client error), a stored row that cannot be read
//! back is `Corrupt` and named by table and key (never skipped), and everything else is
//! `Unexpected`: the database is down, a statement failed.

use std::fmt;

#[derive(thiserror::Error)]
pub enum StoreError {
    /// A constraint refused the write; `constraint` is the database's name for it when it
    /// gives one (PostgreSQL), else the table's (SQLite names the columns).
    #[error("constraint {constraint} refused the write")]
    Constraint { constraint: String },
    /// A stored row that cannot be read back into its type.
    #[error("corrupt row in {table} ({key}): {detail}")]
    Corrupt { table: &'static str, key: String, detail: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unexpected(error) => write!(f, "{error:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(database) = &error
            && matches!(
                database.kind(),
                sqlx::error::ErrorKind::UniqueViolation | sqlx::error::ErrorKind::ForeignKeyViolation
            )
        {
            let constraint =
                database.constraint().map(str::to_owned).unwrap_or_else(|| database.message().to_owned());
            return Self::Constraint { constraint };
        }
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl StoreError {
    pub fn corrupt(table: &'static str, key: impl fmt::Display, detail: impl fmt::Display) -> Self {
        Self::Corrupt { table, key: key.to_string(), detail: detail.to_string() }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
