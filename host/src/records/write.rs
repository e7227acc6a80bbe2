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
use std::collections::HashMap;

use crate::parallel::{cores, parallel_map};
use crate::store::{ChildKey, ROWS_PER_STATEMENT, Store, now, values_placeholders};

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

/// Submissions a write checks on the calling task; a larger batch goes to the cores.
const PREPARED_INLINE: usize = 16;

/// What checking a submission needs from its writer, owned so the check can run on any thread.
struct Rules {
    due_dates: DueDates,
    today: NaiveDate,
    /// Authorities the writer may write for (`None`: every authority).
    scope: Option<Vec<String>>,
}

impl Rules {
    /// Validates a submission in full and checks the writer may write it, then prepares it.
    fn prepare(&self, submission: &Submission) -> Result<NewVersion, Vec<Problem>> {
        let expected = submission
            .expected
            .as_ref()
            .map(|k| (k.authority.as_str(), k.child_id.as_str()));
        let record = validate(&submission.value, expected)?;
        let authority = &record.child.responsible_authority;
        if self
            .scope
            .as_ref()
            .is_some_and(|scope| !scope.contains(authority))
        {
            return Err(vec![Problem::new(
                "/child/responsible_authority",
                "this token may not write records for this authority",
            )]);
        }
        let mut version = NewVersion::prepare(&record, &self.due_dates, self.today);
        version.if_version = submission.if_version;
        Ok(version)
    }
}

/// A batch of submissions checked and made ready to store ([`Writer::prepare`]), one entry
/// per submission, in order: what [`Writer::commit`] stores.
pub struct PreparedBatch(Vec<Result<NewVersion, Vec<Problem>>>);

impl Writer<'_> {
    /// Validates every submission and writes the valid ones in one transaction with their audit
    /// rows. The answer has one entry per submission, in order.
    pub async fn write(&self, batch: Vec<Submission>) -> Result<Vec<Checked>, RecordError> {
        self.commit(self.prepare(batch).await).await
    }

    /// The first half of [`Writer::write`]: checks each submission and prepares what storing
    /// it needs, touching no table, so a caller with many batches (an import) can prepare the
    /// next while this one is committed. A large batch (an import's, a bulk upload's) is spread
    /// over the cores, off the async runtime: checking is most of the CPU a write costs.
    pub async fn prepare(&self, batch: Vec<Submission>) -> PreparedBatch {
        let rules = Rules {
            due_dates: self.due_dates.clone(),
            today: self.today,
            scope: self.scope.map(<[String]>::to_vec),
        };
        if batch.len() <= PREPARED_INLINE {
            return PreparedBatch(batch.iter().map(|s| rules.prepare(s)).collect());
        }
        let prepared = tokio::task::spawn_blocking(move || {
            parallel_map(&batch, cores(), |s| rules.prepare(s))
        })
        .await;
        match prepared {
            Ok(prepared) => PreparedBatch(prepared),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The second half of [`Writer::write`]: stores the valid versions of a prepared batch in
    /// one transaction with their audit rows; one answer per submission, in order.
    pub async fn commit(&self, batch: PreparedBatch) -> Result<Vec<Checked>, RecordError> {
        let mut answers: Vec<Option<Checked>> = Vec::with_capacity(batch.0.len());
        let mut versions = Vec::new();
        for prepared in batch.0 {
            match prepared {
                Ok(version) => {
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

    /// Appends each version (unless identical to the current one) and its audit row. A batch
    /// is written with a handful of statements per hundred records, not several per record:
    /// on SQLite each statement is a round trip to the connection's thread, and those round
    /// trips were most of an import's time.
    async fn append(
        &self,
        versions: Vec<(usize, NewVersion)>,
    ) -> Result<Vec<(usize, Written)>, RecordError> {
        if versions.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.store.begin_write().await?;
        let at = now();
        let mut current = current_versions(&mut tx, versions.iter().map(|(_, v)| &v.key)).await?;
        let mut written = Vec::with_capacity(versions.len());
        let mut new_rows: Vec<(&NewVersion, i64)> = Vec::new();
        for (slot, v) in &versions {
            let known = current.get(&v.key);
            if let Some(wanted) = v.if_version
                && known.map(|(version, _)| *version) != Some(wanted)
            {
                return Err(RecordError::Stale {
                    wanted,
                    current: known.map(|(version, _)| *version),
                });
            }
            let (version, outcome) = match known {
                Some((version, sha)) if *sha == v.body_sha256 => {
                    written.push((
                        *slot,
                        self.written(&v.key, *version, WriteOutcome::Unchanged),
                    ));
                    continue;
                }
                Some((version, _)) => (version + 1, WriteOutcome::Updated),
                None => (1, WriteOutcome::Created),
            };
            // A later submission for the same child in this batch builds on this one.
            current.insert(v.key.clone(), (version, v.body_sha256.clone()));
            new_rows.push((v, version));
            written.push((*slot, self.written(&v.key, version, outcome)));
        }
        insert_versions(&mut tx, &new_rows, &at, self.actor, self.source).await?;
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

/// The current version and body digest of each child in `keys` that has a record.
async fn current_versions(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    keys: impl Iterator<Item = &ChildKey>,
) -> Result<HashMap<ChildKey, (i64, String)>, RecordError> {
    let keys: Vec<&ChildKey> = keys.collect();
    let mut current = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT authority, child_id, current_version, current_sha256 FROM children \
             WHERE (authority, child_id) IN (VALUES {})",
            values_placeholders(tx, chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for key in chunk {
            query = query.bind(&key.authority).bind(&key.child_id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            current.insert(
                ChildKey::new(row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?),
                (row.try_get(2)?, row.try_get(3)?),
            );
        }
    }
    Ok(current)
}

/// Appends versions and points each child's row (and its IRO assignments) at its new version.
async fn insert_versions(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[(&NewVersion, i64)],
    at: &str,
    actor: &Actor,
    source: &str,
) -> Result<(), RecordError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO record_versions (authority, child_id, version, body, body_sha256, written_at, written_by, source) \
             VALUES {} ON CONFLICT DO NOTHING",
            values_placeholders(tx, chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for (v, version) in chunk {
            query = query
                .bind(&v.key.authority)
                .bind(&v.key.child_id)
                .bind(*version)
                .bind(&v.body)
                .bind(&v.body_sha256)
                .bind(at)
                .bind(&actor.id)
                .bind(source);
        }
        let inserted = query.execute(&mut **tx).await?;
        if inserted.rows_affected() < chunk.len() as u64 {
            let names: Vec<String> = chunk
                .iter()
                .map(|(v, _)| format!("{}/{}", v.key.authority, v.key.child_id))
                .collect();
            return Err(RecordError::Conflict(format!(
                "a record among {} was changed by another writer at the same time; send it again",
                names.join(", ")
            )));
        }
    }
    // Each child's row and IRO assignments follow its last version in this batch (a batch may
    // hold several versions of one child; a statement may touch a row only once).
    let mut last: HashMap<&ChildKey, usize> = HashMap::new();
    for (i, (v, _)) in rows.iter().enumerate() {
        last.insert(&v.key, i);
    }
    let latest: Vec<&(&NewVersion, i64)> = rows
        .iter()
        .enumerate()
        .filter(|(i, (v, _))| last[&v.key] == *i)
        .map(|(_, row)| row)
        .collect();
    for chunk in latest.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO children (authority, child_id, current_version, current_sha256, next_review_due, updated_at) \
             VALUES {} \
             ON CONFLICT (authority, child_id) DO UPDATE SET current_version = excluded.current_version, \
             current_sha256 = excluded.current_sha256, next_review_due = excluded.next_review_due, \
             updated_at = excluded.updated_at",
            values_placeholders(tx, chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for (v, version) in chunk {
            query = query
                .bind(&v.key.authority)
                .bind(&v.key.child_id)
                .bind(*version)
                .bind(&v.body_sha256)
                .bind(v.next_review_due.map(|d| d.to_string()))
                .bind(at);
        }
        query.execute(&mut **tx).await?;
        let sql = format!(
            "DELETE FROM child_iros WHERE (authority, child_id) IN (VALUES {})",
            values_placeholders(tx, chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for (v, _) in chunk {
            query = query.bind(&v.key.authority).bind(&v.key.child_id);
        }
        query.execute(&mut **tx).await?;
        let iros: Vec<_> = chunk
            .iter()
            .flat_map(|(v, _)| v.iros.iter().map(move |iro| (&v.key, iro)))
            .collect();
        for part in iros.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO child_iros (authority, child_id, iro_id, from_date, to_date) VALUES {}",
                values_placeholders(tx, part.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (key, (iro, from, to)) in part {
                query = query
                    .bind(&key.authority)
                    .bind(&key.child_id)
                    .bind(iro)
                    .bind(from.to_string())
                    .bind(to.map(|d| d.to_string()));
            }
            query.execute(&mut **tx).await?;
        }
    }
    Ok(())
}
