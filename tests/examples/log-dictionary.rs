//! Trains the decision log's zstd dictionary (`host/src/runs/outcomes.dict`) on what the log
//! compresses: demo children's outcomes from the statutory pack, encoded as a run logs them.
//!
//! `cargo run --release -p carecheck-tests --example log-dictionary -- FILE [CHILDREN]`
//! (after `cargo xtask plugins`; 1,000 children unless told). Train a new one when the policies'
//! sentences change enough that rows grow: write it to a new file, put it first in
//! `DICTIONARIES` (`host/src/runs/log.rs`) and keep every older one there, since rows name the
//! dictionary they were written against.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use carecheck::access::Actor;
use carecheck::config::PluginLimits;
use carecheck::demo::Generator;
use carecheck::plugins::PolicySet;
use carecheck::plugins::runtime::Runtime;
use carecheck::plugins::sets::PolicySets;
use carecheck::records::{DueDates, Submission, Writer};
use carecheck::runs::{self, Scope};
use carecheck::store::Store;
use carecheck_sdk::calendar_file::england_and_wales;
use chrono::NaiveDate;

/// Room for the sentences and names every child repeats. Trained on 1,000 demo children and
/// measured on 2,000 others, dictionaries of 16 to 112 KB packed rows within 5 % of each other
/// (ratio 7.8 to 8.3, against 5.1 without one) and 32 KB compressed as fast as any.
const DICTIONARY_BYTES: usize = 32 * 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        bail!("usage: log-dictionary FILE [CHILDREN]");
    };
    let children: u64 = args.next().map_or(Ok(1000), |n| n.parse())?;
    let root = carecheck_tests::root();
    let tmp = tempfile::tempdir()?;
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
    let calendar = england_and_wales().calendar();

    let store = Store::open(
        &format!("sqlite://{}", tmp.path().join("train.db").display()),
        4,
    )
    .await?;
    let actor = Actor::operator("log-dictionary");
    let due_dates = DueDates {
        calendar: calendar.clone(),
        intervals: Default::default(),
    };
    let writer = Writer {
        store: &store,
        due_dates: &due_dates,
        today: as_of,
        actor: &actor,
        source: "demo",
        scope: None,
    };
    // Not the seeds the tests and benchmarks use, so they measure the dictionary on children
    // it was not trained on.
    let mut generator = Generator::new(1, "E10000001", as_of, &calendar, children);
    let batch = (0..children)
        .map(|_| Ok(Submission::new(serde_json::to_value(generator.child())?)))
        .collect::<anyhow::Result<_>>()?;
    for checked in writer.write(batch).await? {
        checked.map_err(|problems| anyhow::anyhow!("invalid demo record: {problems:?}"))?;
    }

    let runtime = Arc::new(Runtime::new(
        tmp.path().join("compiled"),
        PluginLimits::default(),
    )?);
    let policies = Arc::new(PolicySets::single(
        PolicySet::load(&root.join("policies/statutory.toml"), runtime, &store, 28).await?,
    ));
    let mut samples = Vec::new();
    let mut failed = None;
    runs::run(
        &store,
        &policies,
        as_of,
        &Scope::default(),
        &actor,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        |_, outcomes| match runs::log::encode(outcomes) {
            Ok(encoded) => samples.push(encoded),
            Err(e) => failed = Some(e),
        },
    )
    .await?;
    if let Some(e) = failed {
        return Err(e).context("encoding a child's outcomes");
    }
    let dictionary = zstd::dict::from_samples(&samples, DICTIONARY_BYTES)?;
    std::fs::write(&out, &dictionary).with_context(|| format!("writing {out}"))?;
    let id = zstd::zstd_safe::get_dict_id_from_dict(&dictionary).map_or(0, |id| id.get());
    println!(
        "{out}: dictionary {id}, {} bytes, trained on {} children's outcomes ({} bytes)",
        dictionary.len(),
        samples.len(),
        samples.iter().map(Vec::len).sum::<usize>()
    );
    Ok(())
}
