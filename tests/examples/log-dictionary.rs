//! Trains the decision log's zstd dictionary (`host/src/runs/outcomes.dict`) on what the log
//! compresses: demo children's outcomes from the statutory pack, encoded as a run logs them.
//!
//! `cargo run --release -p carecheck-tests --example log-dictionary -- FILE [CHILDREN]`
//! (after `cargo xtask plugins`; 1,000 children unless told). Training is deterministic: the
//! same pack and children give the same dictionary, byte for byte, id and all (the shipped one
//! was reproduced so). Train a new one when the policies' sentences change enough that rows
//! grow: write it to a new file, put it first in `DICTIONARIES` (`host/src/runs/log.rs`) and
//! keep every older one there, since rows name the dictionary they were written against.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use carecheck::config::PluginLimits;
use carecheck::demo;
use carecheck::plugins::PolicySet;
use carecheck::plugins::runtime::Runtime;
use carecheck::plugins::sets::PolicySets;
use carecheck::records::DueDates;
use carecheck::runs;
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
    let runtime = Arc::new(Runtime::new(
        tmp.path().join("compiled"),
        PluginLimits::default(),
    )?);
    let policies = Arc::new(PolicySets::single(
        PolicySet::load(&root.join("policies/statutory.toml"), runtime, &store, 28).await?,
    ));
    let due_dates = DueDates {
        calendar,
        intervals: Default::default(),
    };
    // The demo as `carecheck demo` sets it up (children written, then one run logged), with a
    // seed the tests and benchmarks do not use, so they measure the dictionary on children it
    // was not trained on.
    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let demo = demo::set_up(
        &store,
        &policies,
        &due_dates,
        as_of,
        children,
        1,
        parallelism,
    )
    .await?;
    let samples = runs::log::children(&store, &demo.run.run_id, None, None, children as i64)
        .await?
        .iter()
        .map(|child| runs::log::encode(&child.outcomes))
        .collect::<Result<Vec<_>, _>>()
        .context("encoding a child's outcomes")?;
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
