//! Imports from the SSDA903 return into the store: parsing and mapping live in the
//! `carecheck-ssda903` crate; this module merges each child into its current record (the return
//! covers only part of a care record, so everything else is kept) and writes the result through
//! the one write path, validated like any other write. Same files twice: the second import
//! changes nothing.

use std::ops::Range;
use std::sync::Arc;

use carecheck_sdk::record::CareRecord;
use carecheck_ssda903::{ImportOptions, ImportedChild, InputFile, Problem, Severity};
use serde::Serialize;

use crate::access::Actor;
use crate::parallel::{cores, parallel_map};
use crate::records::{
    DueDates, PreparedBatch, RecordError, Submission, WriteOutcome, Writer, queries,
};
use crate::store::{ChildKey, Store, StoreError};

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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// The date the return was read as of: rows dated after it are errors. By default the end
    /// of the collection year (31 March), so the same files always give the same result.
    #[schema(value_type = String, format = Date)]
    pub as_of: chrono::NaiveDate,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub warnings: u64,
    pub children_in_return: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Children whose merged record failed validation (each also has a problem below).
    pub children_rejected: u64,
    /// How many problems were found in all.
    pub problems_total: u64,
    /// The problems listed: the parser keeps the first 100,000 it finds (`problems_total`
    /// counts them all, and an errors file holds them all); the API answers with the first
    /// [`PROBLEMS_IN_RESPONSE`].
    pub problems: Vec<ImportProblem>,
}

/// Problems an API answer lists; `problems_total` counts them all.
pub const PROBLEMS_IN_RESPONSE: usize = 1000;

/// Why an import did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("reading the return failed: {0}")]
    Reader(#[from] tokio::task::JoinError),
    #[error("writing the errors file failed: {0}")]
    ProblemsFile(#[from] csv::Error),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Record(e.into())
    }
}

/// The date a return for `collection_year` is read as of unless the caller says otherwise: the
/// end of the collection year, 31 March.
pub fn collection_year_end(collection_year: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(collection_year, 3, 31)
}

/// Children merged and written per transaction.
const BATCH: usize = 500;

/// The children of `children[range]`, each merged into its stored record under `authority`
/// and checked, ready to commit. Merging is spread over the cores, off the async runtime, as
/// checking is.
async fn prepare_batch(
    writer: Writer<'_>,
    authority: &str,
    children: Arc<Vec<ImportedChild>>,
    range: Range<usize>,
) -> Result<PreparedBatch, ImportError> {
    let keys: Vec<ChildKey> = children[range.clone()]
        .iter()
        .map(|imported| ChildKey::new(authority, &imported.child_id))
        .collect();
    let stored = queries::current_bodies(writer.store, &keys).await?;
    let merging = tokio::task::spawn_blocking(move || {
        let pairs: Vec<(&ImportedChild, &ChildKey)> = children[range].iter().zip(&keys).collect();
        parallel_map(&pairs, cores(), |(imported, key)| {
            let existing = stored
                .get(key)
                .map(|body| serde_json::from_str::<CareRecord>(body))
                .transpose()?;
            let merged = carecheck_ssda903::merge(existing, imported);
            Ok(Submission::new(
                serde_json::to_value(&merged).expect("care records serialise"),
            ))
        })
        .into_iter()
        .collect::<Result<Vec<_>, serde_json::Error>>()
    });
    let batch = merging.await?.map_err(StoreError::from)?;
    Ok(writer.prepare(batch).await)
}

/// Parses the files, merges each child into its current record and stores the new versions.
/// `progress` is called with (children done, children in the return). Every problem, including
/// those past the 100,000 the summary lists, goes to `problems_file` when one is given, as it is
/// found; children that could not be stored follow the return's own problems.
pub async fn import_ssda903(
    store: &Store,
    due_dates: &DueDates,
    files: Vec<InputFile>,
    options: &ImportOptions,
    actor: &Actor,
    problems_file: Option<ProblemsFile>,
    mut progress: impl FnMut(u64, u64),
) -> Result<ImportSummary, ImportError> {
    // Every merged record is validated: the validator is built on another core while the
    // files are parsed (whoever needs it first waits for it).
    drop(tokio::task::spawn_blocking(crate::records::validate::warm));
    // Parsing is CPU work on the whole upload: keep it off the async workers.
    let (mut parsed, mut problems_file, found, warnings) = {
        let options = options.clone();
        tokio::task::spawn_blocking(move || {
            let mut problems_file = problems_file;
            let (mut found, mut warnings) = (0u64, 0u64);
            let parsed = carecheck_ssda903::parse_with(&files, &options, |p| {
                found += 1;
                if p.severity == Severity::Warning {
                    warnings += 1;
                }
                if let Some(out) = problems_file.as_mut() {
                    out.write(&ImportProblem::from(p.clone()));
                }
            });
            (parsed, problems_file, found, warnings)
        })
        .await?
    };
    let mut summary = ImportSummary {
        rows_read: parsed.rows_read as u64,
        rows_rejected: parsed.rows_rejected as u64,
        children_in_return: parsed.children.len() as u64,
        problems_total: found,
        as_of: options.import_date,
        warnings,
        created: 0,
        updated: 0,
        unchanged: 0,
        children_rejected: 0,
        // Moved, not copied: the listed problems are held once.
        problems: std::mem::take(&mut parsed.problems)
            .into_iter()
            .map(ImportProblem::from)
            .collect(),
    };
    let total = parsed.children.len() as u64;
    let children = Arc::new(std::mem::take(&mut parsed.children));
    let mut done = 0u64;
    let writer = Writer {
        store,
        due_dates,
        today: options.import_date,
        actor,
        source: "import:ssda903",
        scope: Some(std::slice::from_ref(&options.authority)),
    };
    // Two batches in flight: while one is committed (SQLite's work, on one thread), the next is
    // read, merged and checked on the other cores. A child appears once in a return, so no
    // batch reads what the batch before it is writing.
    let batches: Vec<Range<usize>> = (0..children.len())
        .step_by(BATCH)
        .map(|start| start..(start + BATCH).min(children.len()))
        .collect();
    let prepare =
        |range: Range<usize>| prepare_batch(writer, &options.authority, children.clone(), range);
    let mut prepared = match batches.first() {
        Some(range) => Some(prepare(range.clone()).await?),
        None => None,
    };
    for (i, range) in batches.iter().enumerate() {
        let this = prepared
            .take()
            .expect("each batch is prepared before it is committed");
        let next = async {
            match batches.get(i + 1) {
                Some(range) => prepare(range.clone()).await.map(Some),
                None => Ok(None),
            }
        };
        let (committed, next) = tokio::join!(writer.commit(this), next);
        let committed = committed?;
        prepared = next?;
        let chunk = &children[range.clone()];
        for (imported, checked) in chunk.iter().zip(committed) {
            match checked {
                Ok(written) => match written.outcome {
                    WriteOutcome::Created => summary.created += 1,
                    WriteOutcome::Updated => summary.updated += 1,
                    WriteOutcome::Unchanged => summary.unchanged += 1,
                },
                Err(problems) => {
                    summary.children_rejected += 1;
                    summary.problems_total += problems.len() as u64;
                    for problem in problems {
                        let problem = ImportProblem {
                            file: "(merged record)".into(),
                            line: 0,
                            column: Some(problem.path),
                            value: Some(imported.child_id.clone()),
                            severity: "error".into(),
                            reason: format!(
                                "child {} was not stored: {}",
                                imported.child_id, problem.message
                            ),
                        };
                        if let Some(out) = problems_file.as_mut() {
                            out.write(&problem);
                        }
                        summary.problems.push(problem);
                    }
                }
            }
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    if let Some(out) = problems_file {
        out.finish()?;
    }
    Ok(summary)
}

impl From<Problem> for ImportProblem {
    fn from(p: Problem) -> Self {
        ImportProblem {
            file: p.file,
            line: p.line,
            column: p.column,
            value: p.value,
            severity: match p.severity {
                Severity::Error => "error".into(),
                Severity::Warning => "warning".into(),
            },
            reason: p.reason,
        }
    }
}

/// An import's errors file: CSV (file, line, column, value, severity, reason), one line per
/// problem, written as each is found so that none is lost however many there are. The first
/// write error is kept and reported by [`ProblemsFile::finish`].
pub struct ProblemsFile {
    out: csv::Writer<std::fs::File>,
    failed: Option<csv::Error>,
}

impl ProblemsFile {
    /// Creates (or truncates) the file and writes the header row.
    pub fn create(path: &std::path::Path) -> Result<Self, csv::Error> {
        let mut out = csv::Writer::from_path(path)?;
        out.write_record(["file", "line", "column", "value", "severity", "reason"])?;
        Ok(Self { out, failed: None })
    }

    fn write(&mut self, p: &ImportProblem) {
        if self.failed.is_some() {
            return;
        }
        let line = p.line.to_string();
        let written = self.out.write_record([
            p.file.as_str(),
            &line,
            p.column.as_deref().unwrap_or(""),
            p.value.as_deref().unwrap_or(""),
            &p.severity,
            &p.reason,
        ]);
        self.failed = written.err();
    }

    /// Flushes the file, or says why a line could not be written.
    fn finish(mut self) -> Result<(), csv::Error> {
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(self.out.flush()?),
        }
    }
}
