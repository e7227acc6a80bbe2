//! The one way a care record is written, whoever writes it (PUT, bulk upload, `carecheck load`,
//! imports, the demo): validate in full, check the writer's authority scope, derive what listing
//! needs, then in one transaction diff against the current version, append, and audit.
//!
//! Versions are append-only: a write is a new version carrying who wrote it and when, and an
//! identical re-submission creates nothing (the attempt is still audited, as `unchanged`).

use carecheck_sdk::record::CareRecord;
use carecheck_sdk::reviews;
use chrono::NaiveDate;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::validate::validate;
use super::{DueDates, RecordError, WriteOutcome, Written};
use crate::access::audit::{self, Actor, Outcome};
use crate::problem::Problem;
use crate::store::{ChildKey, Store, now};

/// One record offered for writing.
#[derive(Debug, Clone)]
pub struct Submission {
    pub value: Value,
    /// The key the record must carry (a PUT's URL), if the writer names one.
    pub expected: Option<ChildKey>,
    /// The version the writer last read (`If-Match`): the write happens only if it is still
    /// the current one, so two editors cannot silently overwrite each other.
    pub if_version: Option<i64>,
}

impl Submission {
    pub fn new(value: Value) -> Self {
        Self {
            value,
            expected: None,
            if_version: None,
        }
    }
}

/// Who writes, from where, under which scope, and what due dates are derived with.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub store: &'a Store,
    pub due_dates: &'a DueDates,
    /// The date "next review due" is derived as of.
    pub today: NaiveDate,
    pub actor: &'a Actor,
    /// Where the record came from (`api`, `bulk`, `load`, `import:ssda903`, `demo`).
    pub source: &'a str,
    /// Authorities the writer may write for (`None`: every authority).
    pub scope: Option<&'a [String]>,
}

/// What became of one submission: written (or unchanged), or every problem found with it.
pub type Checked = Result<Written, Vec<Problem>>;

/// A record ready to store: canonical JSON and what listing needs.
struct NewVersion {
    key: ChildKey,
    body: String,
    body_sha256: String,
    next_review_due: Option<NaiveDate>,
    iros: Vec<(String, NaiveDate, Option<NaiveDate>)>,
    if_version: Option<i64>,
}

impl NewVersion {
    fn prepare(record: &CareRecord, due_dates: &DueDates, today: NaiveDate) -> Self {
        let body = serde_json::to_string(record).expect("care records serialise");
        let body_sha256 = hex::encode(Sha256::digest(body.as_bytes()));
        Self {
            key: ChildKey::new(&record.child.responsible_authority, &record.child.id),
            body,
            body_sha256,
            next_review_due: reviews::next_review_due(
                record,
                today,
                &due_dates.calendar,
                due_dates.intervals,
            ),
            iros: record
                .iro_assignments
                .iter()
                .map(|a| (a.iro_id.clone(), a.from, a.to))
                .collect(),
            if_version: None,
        }
    }
}

impl Writer<'_> {
    /// Validates every submission and writes the valid ones in one transaction with their audit
    /// rows. The answer has one entry per submission, in order.
    pub async fn write(&self, batch: Vec<Submission>) -> Result<Vec<Checked>, RecordError> {
        let mut answers: Vec<Option<Checked>> = Vec::with_capacity(batch.len());
        let mut versions = Vec::new();
        for submission in &batch {
            match self.check(submission) {
                Ok(record) => {
                    let mut version = NewVersion::prepare(&record, self.due_dates, self.today);
                    version.if_version = submission.if_version;
                    versions.push((answers.len(), version));
                    answers.push(None);
                }
                Err(problems) => answers.push(Some(Err(problems))),
            }
        }
        for (slot, written) in self.append(versions).await? {
            answers[slot] = Some(Ok(written));
        }
        Ok(answers
            .into_iter()
            .map(|a| a.expect("every submission answered"))
            .collect())
    }

    fn check(&self, submission: &Submission) -> Result<CareRecord, Vec<Problem>> {
        let expected = submission
            .expected
            .as_ref()
            .map(|k| (k.authority.as_str(), k.child_id.as_str()));
        let record = validate(&submission.value, expected)?;
        let authority = &record.child.responsible_authority;
        if self.scope.is_some_and(|scope| !scope.contains(authority)) {
            return Err(vec![Problem::new(
                "/child/responsible_authority",
                "this token may not write records for this authority",
            )]);
        }
        Ok(record)
    }

    /// Appends each version (unless identical to the current one) and its audit row.
    async fn append(
        &self,
        versions: Vec<(usize, NewVersion)>,
    ) -> Result<Vec<(usize, Written)>, RecordError> {
        if versions.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin_write().await?;
        let at = now();
        let mut written = Vec::with_capacity(versions.len());
        for (slot, v) in &versions {
            let current = sqlx::query(
                "SELECT current_version, current_sha256 FROM children WHERE authority = $1 AND child_id = $2",
            )
            .bind(&v.key.authority)
            .bind(&v.key.child_id)
            .fetch_optional(&mut *tx)
            .await
            ?;
            let current: Option<(i64, String)> = current
                .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
                .transpose()?;
            if let Some(wanted) = v.if_version
                && current.as_ref().map(|(version, _)| *version) != Some(wanted)
            {
                return Err(RecordError::Stale {
                    wanted,
                    current: current.map(|(version, _)| version),
                });
            }
            let (version, outcome) = match current {
                Some((version, sha)) => {
                    if sha == v.body_sha256 {
                        written.push((
                            *slot,
                            self.written(&v.key, version, WriteOutcome::Unchanged),
                        ));
                        continue;
                    }
                    (version + 1, WriteOutcome::Updated)
                }
                None => (1, WriteOutcome::Created),
            };
            insert_version(&mut tx, v, version, &at, self.actor, self.source).await?;
            written.push((*slot, self.written(&v.key, version, outcome)));
        }
        let entries: Vec<_> = written
            .iter()
            .map(|(_, w)| {
                let outcome = match w.outcome {
                    WriteOutcome::Created => Outcome::Created,
                    WriteOutcome::Updated => Outcome::Updated,
                    WriteOutcome::Unchanged => Outcome::Unchanged,
                };
                self.actor.entry(
                    "write_record",
                    Some(&w.authority),
                    Some(&w.child_id),
                    outcome,
                )
            })
            .collect();
        audit::insert(&mut tx, &entries).await?;
        tx.commit().await?;
        Ok(written)
    }

    fn written(&self, key: &ChildKey, version: i64, outcome: WriteOutcome) -> Written {
        Written {
            authority: key.authority.clone(),
            child_id: key.child_id.clone(),
            version,
            outcome,
        }
    }
}

/// Appends one version and points the child's row (and its IRO assignments) at it.
async fn insert_version(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    v: &NewVersion,
    version: i64,
    at: &str,
    actor: &Actor,
    source: &str,
) -> Result<(), RecordError> {
    let inserted = sqlx::query(
        "INSERT INTO record_versions (authority, child_id, version, body, body_sha256, written_at, written_by, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&v.key.authority)
    .bind(&v.key.child_id)
    .bind(version)
    .bind(&v.body)
    .bind(&v.body_sha256)
    .bind(at)
    .bind(&actor.id)
    .bind(source)
    .execute(&mut **tx)
    .await
    ?;
    if inserted.rows_affected() == 0 {
        return Err(RecordError::Conflict(format!(
            "record {}/{} was changed by another writer at the same time; send it again",
            v.key.authority, v.key.child_id
        )));
    }
    sqlx::query(
        "INSERT INTO children (authority, child_id, current_version, current_sha256, next_review_due, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (authority, child_id) DO UPDATE SET current_version = excluded.current_version, \
         current_sha256 = excluded.current_sha256, next_review_due = excluded.next_review_due, \
         updated_at = excluded.updated_at",
    )
    .bind(&v.key.authority)
    .bind(&v.key.child_id)
    .bind(version)
    .bind(&v.body_sha256)
    .bind(v.next_review_due.map(|d| d.to_string()))
    .bind(at)
    .execute(&mut **tx)
    .await
    ?;
    sqlx::query("DELETE FROM child_iros WHERE authority = $1 AND child_id = $2")
        .bind(&v.key.authority)
        .bind(&v.key.child_id)
        .execute(&mut **tx)
        .await?;
    for (iro, from, to) in &v.iros {
        sqlx::query(
            "INSERT INTO child_iros (authority, child_id, iro_id, from_date, to_date) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&v.key.authority)
        .bind(&v.key.child_id)
        .bind(iro)
        .bind(from.to_string())
        .bind(to.map(|d| d.to_string()))
        .execute(&mut **tx)
        .await
        ?;
    }
    Ok(())
}
