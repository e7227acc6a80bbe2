//! CSV files: one table per file, recognised by the header row.

use csv::{ByteRecord, StringRecord};

use crate::table::{Recognised, Table, expected_headers, recognise};
use crate::{ERR, Input, ProblemKind, Row, Severity, Sink};

fn is_blank(rec: &ByteRecord) -> bool {
    rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

fn line_of(rec: &ByteRecord) -> u64 {
    rec.position().map_or(0, csv::Position::line)
}

/// Reads one CSV file (BOM already stripped) into `input`.
pub(crate) fn read(src: usize, body: &[u8], input: &mut Input, sink: &mut Sink<'_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut rec = ByteRecord::new();

    // The header row: the first line that is not blank.
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) if is_blank(&rec) => continue,
            Ok(true) => break,
            Ok(false) => {
                let reason = "the file is empty: no header row".to_owned();
                sink.file(
                    src,
                    1,
                    None,
                    Severity::Error,
                    ProblemKind::UnreadableFile,
                    reason,
                );
                return;
            }
            Err(e) => {
                let line = e.position().map_or(1, csv::Position::line);
                let reason = format!("cannot read the file as CSV: {e}");
                sink.file(
                    src,
                    line,
                    None,
                    Severity::Error,
                    ProblemKind::UnreadableFile,
                    reason,
                );
                return;
            }
        }
    }
    let header_line = line_of(&rec);
    let header: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_ascii_uppercase())
        .collect();

    let (table, positions) = match recognise(&header) {
        Recognised::Table(table, positions) => (table, positions),
        Recognised::MissingColumns(table, missing) => {
            let rows = count_rows(&mut reader, &mut rec);
            input.rejected_file_rows += rows;
            for column in missing {
                let reason = format!(
                    "required column {column} is missing: the file looks like the {} table ({}), \
                     so none of its {rows} rows is imported",
                    table.name(),
                    table.columns().join(",")
                );
                sink.file(
                    src,
                    header_line,
                    Some(column),
                    Severity::Error,
                    ProblemKind::MissingColumn,
                    reason,
                );
            }
            return;
        }
        Recognised::Unknown => {
            let rows = count_rows(&mut reader, &mut rec);
            input.rejected_file_rows += rows;
            let reason = format!(
                "unrecognised file: its header row ({}) matches no SSDA903 table, so none of its \
                 {rows} rows is imported; expected the columns of one of: {}",
                header.join(","),
                expected_headers()
            );
            sink.file(
                src,
                header_line,
                None,
                Severity::Error,
                ProblemKind::UnrecognisedFile,
                reason,
            );
            return;
        }
    };
    input.tables.push((src, table));
    for (i, name) in table.columns().iter().enumerate() {
        if header.iter().filter(|h| h == name).count() > 1 {
            let reason = format!(
                "column {name} appears more than once; the first (column {}) is used",
                positions[i] + 1
            );
            sink.file(
                src,
                header_line,
                Some(name),
                Severity::Warning,
                ProblemKind::DuplicateColumn,
                reason,
            );
        }
    }

    let mut left = input.rows_left();
    let rows = &mut input.rows[table.index()];
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) if is_blank(&rec) => continue,
            Ok(true) if left == 0 => {
                let line = rec.position().map_or(header_line, csv::Position::line);
                let reason = format!(
                    "the return has more than {} data rows, more than any authority's: the rest of this file was not read",
                    input.max_rows
                );
                sink.file(
                    src,
                    line,
                    None,
                    Severity::Error,
                    ProblemKind::TooLarge,
                    reason,
                );
                break;
            }
            Ok(true) => {
                left -= 1;
                rows.push(to_row(src, table, &positions, header.len(), &rec, sink));
            }
            Err(e) => {
                // csv recovers after most errors; count the unreadable record as rejected.
                input.rejected_file_rows += 1;
                let line = e.position().map_or(header_line, csv::Position::line);
                let reason = format!("cannot read this row as CSV: {e}");
                sink.file(
                    src,
                    line,
                    None,
                    Severity::Error,
                    ProblemKind::MalformedRow,
                    reason,
                );
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
}

fn count_rows(reader: &mut csv::Reader<&[u8]>, rec: &mut ByteRecord) -> usize {
    let mut n = 0;
    loop {
        match reader.read_byte_record(rec) {
            Ok(false) => return n,
            Ok(true) if is_blank(rec) => {}
            Ok(true) => n += 1,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => return n,
            Err(_) => n += 1,
        }
    }
}

fn to_row(
    src: usize,
    table: Table,
    positions: &[usize],
    width: usize,
    rec: &ByteRecord,
    sink: &mut Sink<'_>,
) -> Row {
    let mut cells = StringRecord::with_capacity(rec.as_slice().len(), positions.len());
    let mut bad_utf8 = Vec::new();
    for (col, &pos) in positions.iter().enumerate() {
        let raw = rec.get(pos).unwrap_or(b"");
        match std::str::from_utf8(raw) {
            Ok(s) => cells.push_field(s.trim()),
            Err(_) => {
                cells.push_field("");
                bad_utf8.push(col);
            }
        }
    }
    let mut row = Row {
        src,
        line: line_of(rec),
        cells,
        cell_lines: None,
        status: 0,
    };
    let mut status = 0;
    if rec.len() != width {
        let reason = format!(
            "the row has {} fields but the header row has {width}",
            rec.len()
        );
        status |= sink.row(
            &row,
            table,
            None,
            Severity::Error,
            ProblemKind::MalformedRow,
            reason,
        );
    }
    for col in bad_utf8 {
        let reason = "not valid UTF-8 text (save the file as UTF-8)".to_owned();
        status |= sink.row(
            &row,
            table,
            Some(col),
            Severity::Error,
            ProblemKind::MalformedRow,
            reason,
        );
    }
    debug_assert!(status == 0 || status == ERR);
    row.status = status;
    row
}
