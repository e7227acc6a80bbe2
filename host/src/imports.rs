//! Imports from the SSDA903 return into the store: parsing and mapping live in the
//! `carecheck-ssda903` crate; this module merges each child into its current record (the return
//! covers only part of a care record, so everything else is kept), validates the result like any
//! other write, and stores it as a new version. Same files twice: the second import changes nothing.

use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::routing::post;
use axum::{Json, Router};
use carecheck_sdk::record::CareRecord;
use carecheck_ssda903::{ImportOptions, InputFile, Severity};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::config::Config;
use crate::error::ApiError;
use crate::records::{DueDates, prepare, validate};
use crate::store::{Actor, Store, WriteOutcome};

/// One problem found in the input, located precisely.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub severity: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub warnings: u64,
    pub children_in_return: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Children whose merged record failed validation (each also has a problem below).
    pub children_rejected: u64,
    pub problems: Vec<ImportProblem>,
}

/// Children merged and written per transaction.
const BATCH: usize = 500;

/// Parses the files, merges each child into its current record and stores the new versions.
/// `progress` is called with (children done, children in the return).
pub async fn import_ssda903(
    store: &Store,
    due_dates: &DueDates,
    files: &[InputFile],
    options: &ImportOptions,
    actor: &Actor,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ImportSummary> {
    let parsed = carecheck_ssda903::parse(files, options);
    let mut summary = ImportSummary {
        rows_read: parsed.rows_read as u64,
        rows_rejected: parsed.rows_rejected as u64,
        children_in_return: parsed.children.len() as u64,
        ..Default::default()
    };
    for p in &parsed.problems {
        if p.severity == Severity::Warning {
            summary.warnings += 1;
        }
        summary.problems.push(ImportProblem {
            file: p.file.clone(),
            line: p.line,
            column: p.column.clone(),
            value: p.value.clone(),
            severity: match p.severity {
                Severity::Error => "error".into(),
                Severity::Warning => "warning".into(),
            },
            reason: p.reason.clone(),
        });
    }
    let total = parsed.children.len() as u64;
    let mut done = 0u64;
    for chunk in parsed.children.chunks(BATCH) {
        let mut versions = Vec::with_capacity(chunk.len());
        for imported in chunk {
            let existing = match store
                .current(&options.authority, &imported.child_id)
                .await?
            {
                Some(v) => Some(serde_json::from_str::<CareRecord>(&v.body)?),
                None => None,
            };
            let merged = carecheck_ssda903::merge(existing, imported);
            match validate::validate(&serde_json::to_value(&merged)?, None) {
                Ok(record) => versions.push(prepare(&record, due_dates, options.import_date)),
                Err(problems) => {
                    summary.children_rejected += 1;
                    for problem in problems {
                        summary.problems.push(ImportProblem {
                            file: "(merged record)".into(),
                            line: 0,
                            column: Some(problem.path),
                            value: Some(imported.child_id.clone()),
                            severity: "error".into(),
                            reason: format!(
                                "child {} was not stored: {}",
                                imported.child_id, problem.message
                            ),
                        });
                    }
                }
            }
        }
        for written in store
            .put_versions(&versions, actor, "import:ssda903")
            .await?
        {
            match written.outcome {
                WriteOutcome::Created => summary.created += 1,
                WriteOutcome::Updated => summary.updated += 1,
                WriteOutcome::Unchanged => summary.unchanged += 1,
            }
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    Ok(summary)
}

/// Writes every problem as CSV (file, line, column, value, severity, reason).
pub fn write_problems_csv(
    path: &std::path::Path,
    problems: &[ImportProblem],
) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    out.write_record(["file", "line", "column", "value", "severity", "reason"])?;
    for p in problems {
        out.write_record([
            p.file.as_str(),
            &p.line.to_string(),
            p.column.as_deref().unwrap_or(""),
            p.value.as_deref().unwrap_or(""),
            &p.severity,
            &p.reason,
        ])?;
    }
    out.flush()?;
    Ok(())
}

pub fn routes(config: &Config) -> Router<AppState> {
    Router::new().route(
        "/imports/ssda903",
        post(import_ssda903_route).layer(DefaultBodyLimit::max(config.max_upload_bytes)),
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The responsible authority the return belongs to.
    pub authority: String,
    /// The collection year, as the year it ends (31 March).
    pub year: i32,
}

/// Imports an SSDA903 return: the CSV files (any names) or one XML file as multipart parts.
#[utoipa::path(post, path = "/api/v1/imports/ssda903", params(ImportQuery),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 200, body = ImportSummary)), security(("bearer" = [])), tag = "imports")]
pub async fn import_ssda903_route(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    mut multipart: Multipart,
) -> Result<Json<ImportSummary>, ApiError> {
    principal.require(&[Role::Admin])?;
    if !principal.in_scope(&q.authority) {
        return Err(ApiError::Forbidden);
    }
    if !(2000..=2100).contains(&q.year) {
        return Err(ApiError::BadRequest(
            "year must be the collection year, e.g. 2026".into(),
        ));
    }
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?
    {
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or("upload")
            .to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::BadRequest(format!("multipart part {name}: {e}")))?;
        files.push(InputFile {
            name,
            bytes: bytes.to_vec(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest("the upload has no files".into()));
    }
    let options = ImportOptions {
        authority: q.authority.clone(),
        collection_year: q.year,
        import_date: state.today(),
    };
    let summary = import_ssda903(
        &state.store,
        &state.due_dates,
        &files,
        &options,
        &principal.actor(),
        |_, _| {},
    )
    .await?;
    state
        .store
        .audit(&[principal.audit("import_ssda903", Some(&q.authority), None, "ok")])
        .await?;
    Ok(Json(summary))
}
