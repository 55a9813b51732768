//! How a use case says no. The REST API turns these into problem details, the officers'
//! pages into pages; neither invents refusals of its own.

use crate::domain::parse::FieldError;
use crate::store::StoreError;
use std::fmt;

#[derive(thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong; every bad field is named.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// The caller's role may not do this at all (audited as a refusal).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Unknown, or out of the caller's scope: the two look the same, so that existence
    /// does not leak (an out-of-scope attempt is audited as a refusal).
    #[error("not found")]
    NotFound,
    /// The state of the thing does not allow this (e.g. already decided).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Not yet: the thing is still being worked on (e.g. a verification not finished).
    #[error("not yet: {0}")]
    NotYet(String),
    /// Another request holds what this one needs; retry shortly.
    #[error("retry later: {0}")]
    RetryLater(String),
    /// It existed, and was erased or purged after its retention period.
    #[error("gone: {0}")]
    Gone(String),
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unexpected(error) => write!(f, "{error:?}"),
            other => write!(f, "{other}"),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
