//! The API's error type: every failure a client can cause maps to a precise status and a JSON
//! body saying what, where and why; everything else is a 500 whose details go to the log only,
//! tagged with the request id, never to the client. Domain errors are converted by their type,
//! never by their message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::rate_limit::Limited;
use crate::access::Forbidden;
use crate::access::tokens::TokenError;
use crate::catalog::CatalogError;
use crate::checklist::service::ChecklistError;
use crate::imports::ImportError;
use crate::iros::IroError;
use crate::problem::{Problem, bounded};
use crate::records::RecordError;
use crate::runs::RunError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request needs a valid bearer token")]
    Unauthenticated,
    /// Also used for resources the caller may not see, so a 403/404 never reveals that a child exists.
    #[error("this token may not do that")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("the record is not valid")]
    Invalid(Vec<Problem>),
    /// Something other than a record could not be accepted: what, with each problem located.
    #[error("{message}")]
    Unprocessable {
        message: String,
        problems: Vec<Problem>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body is larger than the {0}-byte limit")]
    TooLarge(usize),
    /// A streamed upload broke off (too large, unreadable, disconnected) after some of it was
    /// committed: the body says what was.
    #[error("{message}")]
    PartialUpload {
        status: StatusCode,
        message: String,
        report: serde_json::Value,
    },
    #[error("too many requests: try again in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// For an upload that broke off: what was read, committed and rejected before it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub committed: Option<serde_json::Value>,
}

/// Most problems a `422` lists; past it, one more problem says how many were left out.
pub const MAX_PROBLEMS: usize = 100;

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        ApiError::TooManyRequests {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(_: Forbidden) -> Self {
        ApiError::Forbidden
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound => ApiError::NotFound,
            RecordError::Forbidden => ApiError::Forbidden,
            RecordError::Invalid(problems) => ApiError::Invalid(problems),
            RecordError::Conflict(message) => ApiError::Conflict(message),
            stale @ RecordError::Stale { .. } => ApiError::PreconditionFailed(stale.to_string()),
            RecordError::Store(e) => e.into(),
        }
    }
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::UnknownPolicy(_) => ApiError::BadRequest(e.to_string()),
            RunError::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<ChecklistError> for ApiError {
    fn from(e: ChecklistError) -> Self {
        match e {
            ChecklistError::NotFound => ApiError::NotFound,
            ChecklistError::UnknownPolicy(_) | ChecklistError::BadRequest(_) => {
                ApiError::BadRequest(e.to_string())
            }
            ChecklistError::Store(e) => e.into(),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<IroError> for ApiError {
    fn from(e: IroError) -> Self {
        match e {
            IroError::Invalid(problems) => ApiError::Invalid(problems),
            IroError::NotFound => ApiError::NotFound,
            IroError::Store(e) => e.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Invalid { summary, problems } => ApiError::Unprocessable {
                message: summary,
                problems,
            },
            CatalogError::Conflict(message) => ApiError::Conflict(message),
            no_such @ CatalogError::NoSuchVersion(_) => ApiError::Unprocessable {
                problems: vec![Problem::new("/version", no_such.to_string())],
                message: no_such.to_string(),
            },
            CatalogError::NotEnabled { .. } => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Record(e) => e.into(),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid(message) => ApiError::BadRequest(message),
            TokenError::NoSuchToken(_) => ApiError::NotFound,
            TokenError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) | ApiError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PartialUpload { status, .. } => *status,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let error = bounded(&self.to_string());
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let committed = match &self {
            ApiError::PartialUpload { report, .. } => Some(report.clone()),
            _ => None,
        };
        let problems = match self {
            ApiError::Invalid(mut p)
            | ApiError::Unprocessable {
                problems: mut p, ..
            } => {
                if p.len() > MAX_PROBLEMS {
                    let left_out = p.len() - (MAX_PROBLEMS - 1);
                    p.truncate(MAX_PROBLEMS - 1);
                    p.push(Problem::new(
                        "",
                        format!("{left_out} more problems were left out: correct these first"),
                    ));
                }
                p
            }
            _ => Vec::new(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error,
                problems,
                committed,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}
