//! The API's error type: every failure a client can cause maps to a precise status and a JSON
//! body saying what, where and why; everything else is a 500 whose details go to the log only,
//! tagged with the request id, never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// One problem with a request, located by JSON pointer (or line number for NDJSON).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Problem {
    /// JSON pointer to the offending value (`""` for the whole document).
    pub path: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

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
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the {0}-byte limit")]
    TooLarge(usize),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
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
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let problems = match self {
            ApiError::Invalid(ref p) => p.clone(),
            _ => Vec::new(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
                problems,
            }),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
