//! The decision log: each run, what it evaluated with ([`RunSpec`], stored before anything is
//! evaluated), and per child the record version it read and every outcome with the fuel used.
//! Rows are typed on the way out: a stored spec or outcome list that no longer parses is
//! reported as corrupt, never passed on as text.
//!
//! A child's outcomes are compressed with zstd against a dictionary shipped in the binary
//! (`outcomes.dict`, trained on demo children's outcomes by `cargo run --release -p
//! carecheck-tests --example log-dictionary`). Most of a row is the policies' own sentences,
//! citations and check names, the same in every child; on its own a row carries them once
//! each, against the dictionary only where they differ: a 5,000-child demo run's rows take
//! 19.4 MB instead of 31.0 MB, and compress no slower. Each row's frame names its dictionary by
//! id, so a new dictionary comes with a new id and every earlier one stays in
//! [`DICTIONARIES`] for the rows it wrote.

use std::io::Read as _;
use std::sync::LazyLock;

use carecheck_sdk::packed;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use zstd::dict::{DecoderDictionary, EncoderDictionary};

use super::{Run, RunChild, RunSpec};
use crate::access::audit::{self, Actor, Outcome};
use crate::plugins::PolicyOutcome;
use crate::plugins::results::Results;
use crate::store::{
    ChildKey, KeysetQuery, Result, Store, StoreError, date, now, values_placeholders,
};

const RUN_COLUMNS: &str =
    "id, as_of, started_at, finished_at, engine, pack, triggered_by, children, results, errors";

fn run_from_row(r: &sqlx::any::AnyRow) -> Result<Run> {
    Ok(Run {
        id: r.try_get(0)?,
        as_of: date(&r.try_get::<String, _>(1)?)?,
        started_at: r.try_get(2)?,
        finished_at: r.try_get(3)?,
        engine: r.try_get(4)?,
        spec: serde_json::from_str(&r.try_get::<String, _>(5)?)?,
        triggered_by: r.try_get(6)?,
        children: r.try_get(7)?,
        results: r.try_get(8)?,
        errors: r.try_get(9)?,
    })
}

/// Opens a run. A run over every child in scope with every policy is marked `complete`: only
/// such runs stand for an authority in reports. A run with every policy (a checklist too) is
/// marked `all_policies`: only such a run stands for a child's latest evaluation when
/// retention decides what may be pruned (`crate::retention`).
pub async fn create(
    store: &Store,
    id: &str,
    as_of: NaiveDate,
    engine: &str,
    spec: &RunSpec,
    triggered_by: &str,
) -> Result<()> {
    let all_policies = spec.policy.is_none();
    let complete = spec.child.is_none() && all_policies;
    sqlx::query(
        "INSERT INTO runs (id, as_of, started_at, engine, pack, triggered_by, complete, all_policies) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(as_of.to_string())
    .bind(now())
    .bind(engine)
    .bind(serde_json::to_string(spec)?)
    .bind(triggered_by)
    .bind(i64::from(complete))
    .bind(i64::from(all_policies))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// How much effort zstd spends: its fastest level already packs a child's outcomes about
/// eightfold against the dictionary, and the log is written while a run waits for it.
const PACK_LEVEL: i32 = 1;

/// The first byte of a child's outcomes, inside the compression, in the form the log now keeps
/// them: each outcome's [`Head`] then its results as they cross from a plugin (the contract's
/// packed form, `carecheck_sdk::packed`). Rows written before it hold the outcomes as JSON,
/// which opens with `[`, and still read.
const PACKED_OUTCOMES: u8 = 0;

/// An outcome less its results, in postcard's wire form. Errors are rare and their JSON form is
/// the one the API shows, so they are kept as that text.
#[derive(Serialize, Deserialize)]
struct Head<'a> {
    policy: &'a str,
    version: &'a str,
    regulator: Option<&'a str>,
    fuel: u64,
    error: Option<String>,
}

/// A child's outcomes as the log keeps them, before compression (public for the example that
/// trains the log's dictionary on them). Why not JSON: a demo child's outcomes are ~48 KB of
/// JSON, escaped and written out only for zstd to squeeze; packed they are ~33 KB, copied
/// rather than escaped (and ~5 % smaller once compressed).
pub fn encode(outcomes: &[PolicyOutcome]) -> Result<Vec<u8>> {
    let packing =
        |e: postcard::Error| StoreError::Corrupt(format!("packing a child's outcomes: {e}"));
    let mut bytes = postcard::to_allocvec(&(PACKED_OUTCOMES, outcomes.len())).map_err(packing)?;
    for o in outcomes {
        let head = Head {
            policy: &o.policy,
            version: &o.version,
            regulator: o.regulator.as_deref(),
            fuel: o.fuel,
            error: o.error.as_ref().map(serde_json::to_string).transpose()?,
        };
        bytes = postcard::to_extend(&head, bytes).map_err(packing)?;
        // Results kept as the plugin packed them go in as they are.
        match o.results.packed_bytes() {
            Some(packed) => bytes.extend_from_slice(packed),
            None => bytes = packed::pack_onto(&o.results, bytes),
        }
    }
    Ok(bytes)
}

/// The outcomes [`encode`] wrote, or (for a row from before it) the JSON list.
fn decode(bytes: &[u8]) -> Result<Vec<PolicyOutcome>> {
    if bytes.first() != Some(&PACKED_OUTCOMES) {
        return Ok(serde_json::from_slice(bytes)?);
    }
    let corrupt = |why: String| StoreError::Corrupt(format!("a child's packed outcomes: {why}"));
    let (count, mut rest): (usize, &[u8]) =
        postcard::take_from_bytes(&bytes[1..]).map_err(|e| corrupt(e.to_string()))?;
    let mut outcomes = Vec::new();
    for _ in 0..count {
        let (head, after): (Head, _) =
            postcard::take_from_bytes(rest).map_err(|e| corrupt(e.to_string()))?;
        let (results, following) = Results::take_packed(after).map_err(corrupt)?;
        rest = following;
        outcomes.push(PolicyOutcome {
            policy: head.policy.to_owned(),
            version: head.version.to_owned(),
            regulator: head.regulator.map(str::to_owned),
            fuel: head.fuel,
            results,
            error: head
                .error
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
        });
    }
    if !rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes follow the last of {count} outcomes",
            rest.len()
        )));
    }
    Ok(outcomes)
}

/// A page of a run's children with each child's outcomes as the log keeps them ([`encode`]d,
/// zstd-compressed), packed before the write transaction opens so compression never holds the
/// database's write lock.
pub struct Packed<'a> {
    children: &'a [RunChild],
    outcomes: Vec<Vec<u8>>,
}

/// The dictionaries rows may be compressed against, newest first: rows are written against
/// the first, and every one stays for as long as a log may hold rows written with it. A row
/// without one (written before them) needs none.
const DICTIONARIES: [&[u8]; 1] = [include_bytes!("outcomes.dict")];

/// The newest dictionary, prepared once for compression at [`PACK_LEVEL`].
static COMPRESSING: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARIES[0], PACK_LEVEL));

/// Every dictionary prepared for reading, by its id.
static READING: LazyLock<Vec<(u32, DecoderDictionary<'static>)>> = LazyLock::new(|| {
    DICTIONARIES
        .iter()
        .map(|d| (dictionary_id(d), DecoderDictionary::copy(d)))
        .collect()
});

/// The id a dictionary carries (and every frame compressed against it names).
fn dictionary_id(dictionary: &[u8]) -> u32 {
    zstd::zstd_safe::get_dict_id_from_dict(dictionary)
        .expect("a shipped dictionary carries an id")
        .get()
}

/// Packs a page with one compression context for the whole page rather than one per child.
pub fn pack(children: &[RunChild]) -> Result<Packed<'_>> {
    let compressing =
        |e: std::io::Error| StoreError::Corrupt(format!("compressing a child's outcomes: {e}"));
    let mut compressor =
        zstd::bulk::Compressor::with_prepared_dictionary(&COMPRESSING).map_err(compressing)?;
    let outcomes = children
        .iter()
        .map(|c| {
            compressor
                .compress(&encode(&c.outcomes)?)
                .map_err(compressing)
        })
        .collect::<Result<_>>()?;
    Ok(Packed { children, outcomes })
}

/// The outcomes [`pack`] kept, decompressed against the dictionary the row names (or none).
fn unpack(packed: &[u8]) -> Result<Vec<PolicyOutcome>> {
    let corrupt =
        |e: std::io::Error| StoreError::Corrupt(format!("a child's packed outcomes: {e}"));
    let bytes = match zstd::zstd_safe::get_dict_id_from_frame(packed) {
        None => zstd::stream::decode_all(packed).map_err(corrupt)?,
        Some(id) => {
            let Some((_, dictionary)) = READING.iter().find(|(known, _)| *known == id.get()) else {
                return Err(StoreError::Corrupt(format!(
                    "a child's packed outcomes are compressed against dictionary {id}, which this build does not have"
                )));
            };
            let mut bytes = Vec::new();
            zstd::stream::read::Decoder::with_prepared_dictionary(packed, dictionary)
                .and_then(|mut decoder| decoder.read_to_end(&mut bytes))
                .map_err(corrupt)?;
            bytes
        }
    };
    decode(&bytes)
}

/// Stores a page of a run's children, evaluated together as `chunk`, auditing each child's
/// record as read by `actor`, in one transaction.
pub async fn add_children(
    store: &Store,
    run_id: &str,
    chunk: i64,
    children: &[RunChild],
    actor: &Actor,
) -> Result<()> {
    let page = pack(children)?;
    let mut tx = store.begin_write().await?;
    insert_children(&mut tx, run_id, chunk, &page, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// [`add_children`] inside the caller's transaction, for a page already [`pack`]ed.
pub async fn insert_children(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    run_id: &str,
    chunk: i64,
    page: &Packed<'_>,
    actor: &Actor,
) -> Result<()> {
    let children = page.children;
    let entries: Vec<_> = children
        .iter()
        .map(|c| {
            actor.entry(
                "evaluate_record",
                Some(&c.key.authority),
                Some(&c.key.child_id),
                Outcome::Ok,
            )
        })
        .collect();
    audit::insert(tx, &entries).await?;
    // Multi-row inserts keep a 100,000-child run to a few hundred statements.
    for (part, packed) in children.chunks(100).zip(page.outcomes.chunks(100)) {
        let sql = format!(
            "INSERT INTO run_children (run_id, authority, child_id, record_version, outcomes, packed, chunk) VALUES {}",
            values_placeholders(tx, part.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (c, packed) in part.iter().zip(packed) {
            query = query
                .bind(run_id)
                .bind(&c.key.authority)
                .bind(&c.key.child_id)
                .bind(c.record_version)
                .bind("")
                .bind(packed)
                .bind(chunk);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Closes a run with its totals.
pub async fn finish(
    store: &Store,
    id: &str,
    children: i64,
    results: i64,
    errors: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE runs SET finished_at = $1, children = $2, results = $3, errors = $4 WHERE id = $5",
    )
    .bind(now())
    .bind(children)
    .bind(results)
    .bind(errors)
    .bind(id)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// One run.
pub async fn get(store: &Store, id: &str) -> Result<Option<Run>> {
    let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    row.map(|r| run_from_row(&r)).transpose()
}

/// Finished complete runs (every child in scope, every policy), newest first.
pub async fn recent_complete(store: &Store, limit: i64) -> Result<Vec<Run>> {
    let rows = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE finished_at IS NOT NULL AND complete = 1 \
         ORDER BY finished_at DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(run_from_row).collect()
}

/// The children of a run in the given authorities, `limit` at a time in key order after `after`.
pub async fn children(
    store: &Store,
    run_id: &str,
    authorities: Option<&[String]>,
    after: Option<ChildKey>,
    limit: i64,
) -> Result<Vec<RunChild>> {
    let mut q = KeysetQuery::new(
        "SELECT authority, child_id, record_version, outcomes, packed, chunk FROM run_children WHERE 1 = 1",
        "",
    );
    let p_run = q.bind(run_id.to_string());
    q.and(&format!("run_id = {p_run}"));
    if !q.in_authorities(authorities) {
        return Ok(Vec::new());
    }
    let rows = q.fetch_page(store.pool(), after.as_ref(), limit).await?;
    rows.iter()
        .map(|r| {
            let outcomes = match r.try_get::<Option<Vec<u8>>, _>(4)? {
                Some(packed) => unpack(&packed)?,
                None => serde_json::from_str(&r.try_get::<String, _>(3)?)?,
            };
            Ok(RunChild {
                key: ChildKey::new(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?),
                record_version: r.try_get(2)?,
                outcomes,
                chunk: r.try_get(5)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::runtime::EvalError;
    use carecheck_sdk::{CheckResult, Status};

    /// Two outcomes as a run logs them: a pack policy's results (dates, evidence, text that is
    /// not ASCII, one current) and a regulator's plugin that failed.
    fn outcomes() -> Vec<PolicyOutcome> {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        vec![
            PolicyOutcome {
                policy: "statutory-review-timeliness".into(),
                version: "1.4.0".into(),
                regulator: None,
                fuel: 182_345,
                results: vec![
                    CheckResult {
                        check: "second-review".into(),
                        status: Status::Breach,
                        due: Some(day(2024, 2, 29)),
                        done: Some(day(2024, 3, 1)),
                        subject: "review 2024-03-01".into(),
                        message: "Held a day late — on 1 March 2024.".into(),
                        evidence: vec![("review_date".into(), "2024-03-01".into())],
                        citation: "CPPCR 2010 reg 33(2)(a)".into(),
                        current: false,
                    },
                    CheckResult {
                        check: "subsequent-review".into(),
                        status: Status::DueSoon,
                        due: Some(day(2024, 8, 31)),
                        done: None,
                        subject: "next review".into(),
                        message: String::new(),
                        evidence: Vec::new(),
                        citation: "CPPCR 2010 reg 33(2)(b)".into(),
                        current: true,
                    },
                ]
                .into(),
                error: None,
            },
            PolicyOutcome {
                policy: "ofsted-extra".into(),
                version: "0.1.0".into(),
                regulator: Some("ofsted".into()),
                fuel: 0,
                results: Default::default(),
                error: Some(EvalError::OutOfFuel(5_000_000)),
            },
        ]
    }

    #[test]
    fn a_childs_outcomes_read_back_as_they_were_logged() {
        let logged = outcomes();
        let bytes = encode(&logged).unwrap();
        assert_eq!(bytes[0], PACKED_OUTCOMES);
        assert_eq!(decode(&bytes).unwrap(), logged);
        // Through the compression too, as a page is written.
        let child = RunChild {
            key: ChildKey::new("E09000027", "C1"),
            record_version: 3,
            outcomes: logged.clone(),
            chunk: None,
        };
        let children = [child];
        let page = pack(&children).unwrap();
        assert_eq!(unpack(&page.outcomes[0]).unwrap(), logged);
        assert_eq!(
            zstd::zstd_safe::get_dict_id_from_frame(&page.outcomes[0]).map(|id| id.get()),
            Some(dictionary_id(DICTIONARIES[0])),
            "rows are written against the newest dictionary"
        );
        assert!(
            page.outcomes[0].len() < serde_json::to_vec(&logged).unwrap().len(),
            "the packed row is smaller than the JSON it replaces"
        );
        assert_eq!(decode(&encode(&[]).unwrap()).unwrap(), []);
    }

    #[test]
    fn rows_logged_before_the_dictionary_still_read() {
        let logged = outcomes();
        // Packed, compressed without a dictionary.
        let row = zstd::bulk::compress(&encode(&logged).unwrap(), PACK_LEVEL).unwrap();
        assert_eq!(zstd::zstd_safe::get_dict_id_from_frame(&row), None);
        assert_eq!(unpack(&row).unwrap(), logged);
        // And before that, as JSON.
        let json = serde_json::to_vec(&logged).unwrap();
        let row = zstd::bulk::compress(&json, PACK_LEVEL).unwrap();
        assert_eq!(unpack(&row).unwrap(), logged);
    }

    #[test]
    fn a_row_against_a_dictionary_this_build_lacks_is_reported_corrupt() {
        // The shipped dictionary under another id: a valid dictionary, just not one of ours.
        let mut foreign = DICTIONARIES[0].to_vec();
        let id = dictionary_id(&foreign) ^ 0x5a5a;
        foreign[4..8].copy_from_slice(&id.to_le_bytes());
        let mut compressor = zstd::bulk::Compressor::with_dictionary(PACK_LEVEL, &foreign).unwrap();
        let row = compressor.compress(&encode(&outcomes()).unwrap()).unwrap();
        match unpack(&row) {
            Err(StoreError::Corrupt(why)) => assert_eq!(
                why,
                format!(
                    "a child's packed outcomes are compressed against dictionary {id}, which this build does not have"
                )
            ),
            other => panic!("expected a corrupt row, got {other:?}"),
        }
    }

    #[test]
    fn damaged_rows_are_reported_corrupt() {
        let bytes = encode(&outcomes()).unwrap();
        let corrupt = |bytes: &[u8]| match decode(bytes) {
            Err(StoreError::Corrupt(why)) => why,
            other => panic!("expected a corrupt row, got {other:?}"),
        };
        assert!(corrupt(&bytes[..bytes.len() - 3]).starts_with("a child's packed outcomes"));
        let mut trailing = bytes.clone();
        trailing.push(7);
        assert_eq!(
            corrupt(&trailing),
            "a child's packed outcomes: 1 bytes follow the last of 2 outcomes"
        );
        // The first result's status byte set past the seven.
        let mut status = bytes.clone();
        let at = bytes
            .windows(14)
            .position(|w| w == b"second-review\x03")
            .unwrap()
            + 13;
        status[at] = 9;
        assert!(corrupt(&status).contains("not packed results"));
        assert!(matches!(unpack(b"not zstd"), Err(StoreError::Corrupt(_))));
    }
}
