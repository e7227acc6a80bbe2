//! A problem with something a caller sent, located precisely: the shape every domain reports
//! invalid input in and the API returns (`422` lists them).

use serde::Serialize;

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
