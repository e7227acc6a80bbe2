//! SSDA903 import speed and memory: the public synthetic return (2,675 children), and a
//! 50,000-child return made by repeating it with fresh child ids.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p carecheck-tests --bench import`).
//! Each figure is the median of `CARECHECK_BENCH_REPS` (default 3) runs into a fresh SQLite store.

use std::time::Instant;

use carecheck::imports;
use carecheck::store::Store;
use carecheck_sdk::calendar_file::england_and_wales;
use carecheck_ssda903::{ImportOptions, InputFile, read_folder};
use chrono::NaiveDate;

use carecheck_tests::{median, peak_rss_mib};

/// The allocator the `carecheck` binary ships with (`host/src/main.rs`), so the figures are the
/// product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The return repeated `copies` times; copy k prefixes every CHILD value with `k`.
fn repeated(files: &[InputFile], copies: usize) -> Vec<InputFile> {
    files
        .iter()
        .map(|file| {
            let text = String::from_utf8_lossy(&file.bytes);
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let child_column = header.split(',').position(|c| c.trim() == "CHILD");
            let body: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
            let mut out = String::from(header);
            out.push('\n');
            for k in 0..copies {
                for line in &body {
                    let cells: Vec<String> = line
                        .split(',')
                        .enumerate()
                        .map(|(i, cell)| {
                            if Some(i) == child_column {
                                format!("{k}{cell}")
                            } else {
                                cell.to_string()
                            }
                        })
                        .collect();
                    out.push_str(&cells.join(","));
                    out.push('\n');
                }
            }
            InputFile {
                name: file.name.clone(),
                bytes: out.into_bytes(),
            }
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let reps: usize = std::env::var("CARECHECK_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let tmp = tempfile::tempdir()?;
    let due_dates = carecheck::records::DueDates {
        calendar: england_and_wales().calendar(),
        intervals: Default::default(),
    };
    let fake = carecheck_tests::root()
        .parent()
        .unwrap()
        .join("shared/data/ssda903-fake");
    let files = read_folder(&fake)?;
    let options = ImportOptions {
        authority: "E10000001".into(),
        collection_year: 2018,
        import_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        max_rows: carecheck_ssda903::DEFAULT_MAX_ROWS,
    };
    println!(
        "SSDA903 import benchmark ({}), medians of {reps}",
        carecheck_tests::processor()
    );
    for (label, input) in [
        ("2,675-child synthetic return", files.clone()),
        (
            "50,000-child return (synthetic set x19, fresh ids)",
            repeated(&files, 19),
        ),
    ] {
        let mut parse_s = Vec::new();
        let mut total_s = Vec::new();
        let mut created = 0;
        for rep in 0..reps {
            let t = Instant::now();
            let parsed = carecheck_ssda903::parse(&input, &options);
            parse_s.push(t.elapsed().as_secs_f64());
            drop(parsed);
            let db = tmp
                .path()
                .join(format!("import-{}-{rep}.db", input[0].bytes.len()));
            let store = rt.block_on(Store::open(&format!("sqlite://{}", db.display()), 4))?;
            let t = Instant::now();
            let summary = rt.block_on(imports::import_ssda903(
                &store,
                &due_dates,
                input.clone(),
                &options,
                &carecheck::access::Actor::operator("bench"),
                None,
                |_, _| {},
            ))?;
            total_s.push(t.elapsed().as_secs_f64());
            created = summary.created;
        }
        println!(
            "{label}: parse {:.3} s; parse + merge + validate + store {:.2} s ({created} children created); peak resident memory so far {:.0} MiB",
            median(parse_s),
            median(total_s),
            peak_rss_mib()
        );
    }
    Ok(())
}
