//! How `carecheck check` prints results: NDJSON, CSV or an aligned table.

use std::io::Write;

use clap::ValueEnum;

use crate::runs::ResultRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
    Table,
}

/// Prints result rows as NDJSON, CSV or an aligned table.
pub struct ResultWriter {
    format: Format,
    csv: Option<csv::Writer<std::io::Stdout>>,
    table: Vec<ResultRow>,
}

impl ResultWriter {
    pub fn new(format: Format) -> Self {
        let csv = (format == Format::Csv).then(|| {
            let mut w = csv::Writer::from_writer(std::io::stdout());
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
            w
        });
        Self {
            format,
            csv,
            table: Vec::new(),
        }
    }

    pub fn write(&mut self, rows: &[ResultRow]) {
        match self.format {
            Format::Ndjson => {
                let mut out = std::io::stdout().lock();
                for r in rows {
                    let line = serde_json::json!({
                        "child_id": r.child_id, "policy": r.policy, "regulator": r.regulator, "check": r.check, "status": r.status,
                        "basis": r.basis, "due": r.due, "subject": r.subject, "message": r.message, "citation": r.citation,
                    });
                    let _ = writeln!(out, "{line}");
                }
            }
            Format::Csv => {
                if let Some(w) = &mut self.csv {
                    for r in rows {
                        let _ = w.write_record([
                            &r.child_id,
                            &r.policy,
                            r.regulator.as_deref().unwrap_or(""),
                            &r.check,
                            &r.status,
                            &r.basis,
                            r.due.as_deref().unwrap_or(""),
                            &r.subject,
                            &r.message,
                            &r.citation,
                        ]);
                    }
                }
            }
            Format::Table => self.table.extend_from_slice(rows),
        }
    }

    pub fn finish(&mut self) {
        if let Some(w) = &mut self.csv {
            let _ = w.flush();
        }
        if self.format == Format::Table {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{:<10} {:<28} {:<26} {:<17} {:<9} {:<10} MESSAGE",
                "CHILD", "POLICY", "CHECK", "STATUS", "BASIS", "DUE"
            );
            for r in &self.table {
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
        }
    }
}
