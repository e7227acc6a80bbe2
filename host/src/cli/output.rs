//! How `carecheck check` prints results: NDJSON, CSV or an aligned table. Output is buffered:
//! a run prints a line per result (over 100,000 for an authority), and a write call per line
//! cost more than the evaluation itself when standard output is a file.

use std::io::{BufWriter, StdoutLock, Write};

use clap::ValueEnum;

use crate::plugins::PolicyOutcome;
use crate::plugins::sets::PolicySets;
use crate::runs::{ResultRow, each_row, rows};
use crate::store::ChildKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
    Table,
}

/// Prints result rows as NDJSON, CSV or an aligned table.
pub struct ResultWriter {
    sink: Sink,
}

type Out = BufWriter<StdoutLock<'static>>;

enum Sink {
    Ndjson(Out),
    Csv(Box<csv::Writer<Out>>),
    /// The table is aligned, so it is printed at the end.
    Table(Out, Vec<ResultRow>),
}

impl ResultWriter {
    pub fn new(format: Format) -> Self {
        let out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let sink = match format {
            Format::Ndjson => Sink::Ndjson(out),
            Format::Table => Sink::Table(out, Vec::new()),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                let _ = w.write_record([
                    "child_id",
                    "policy",
                    "regulator",
                    "check",
                    "status",
                    "basis",
                    "due",
                    "subject",
                    "message",
                    "citation",
                ]);
                Sink::Csv(Box::new(w))
            }
        };
        Self { sink }
    }

    /// Prints one child's outcomes, a row per result.
    pub fn write(&mut self, policies: &PolicySets, key: &ChildKey, outcomes: &[PolicyOutcome]) {
        match &mut self.sink {
            Sink::Ndjson(out) => each_row(policies, key, outcomes, |r| {
                let _ = serde_json::to_writer(&mut *out, &r);
                let _ = out.write_all(b"\n");
            }),
            Sink::Csv(w) => each_row(policies, key, outcomes, |r| {
                let due = r.due.map(|d| d.to_string());
                let _ = w.write_record([
                    r.child_id,
                    r.policy,
                    r.regulator.unwrap_or(""),
                    r.check,
                    r.status,
                    r.basis,
                    due.as_deref().unwrap_or(""),
                    r.subject,
                    r.message,
                    r.citation,
                ]);
            }),
            Sink::Table(_, table) => table.extend(rows(policies, key, outcomes)),
        }
    }

    pub fn finish(&mut self) {
        match &mut self.sink {
            Sink::Ndjson(out) => {
                let _ = out.flush();
            }
            Sink::Csv(w) => {
                let _ = w.flush();
            }
            Sink::Table(out, table) => {
                let _ = writeln!(
                    out,
                    "{:<10} {:<28} {:<26} {:<17} {:<9} {:<10} MESSAGE",
                    "CHILD", "POLICY", "CHECK", "STATUS", "BASIS", "DUE"
                );
                for r in table.iter() {
                    let _ = writeln!(
                        out,
                        "{:<10} {:<28} {:<26} {:<17} {:<9} {:<10} {}",
                        r.child_id,
                        r.policy,
                        r.check,
                        r.status,
                        r.basis,
                        r.due.as_deref().unwrap_or("-"),
                        r.message
                    );
                }
                let _ = out.flush();
            }
        }
    }
}
