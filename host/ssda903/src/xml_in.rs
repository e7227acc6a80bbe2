//! The DfE XML layout, read leniently:
//!
//! ```xml
//! <Message>
//!   <Header>...</Header>                      <!-- message header: ignored -->
//!   <Children>
//!     <Child>                                 <!-- one child; also <CHILD> as in the DfE schema -->
//!       <Header><CHILD>1</CHILD><SEX>M</SEX><DOB>01/02/2010</DOB>...</Header>
//!       <Episodes><Episode><DECOM>..</DECOM>...</Episode></Episodes>
//!       <Reviews><Review><REVIEW>..</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></Review></Reviews>
//!       <OC2><SDQ_SCORE>12</SDQ_SCORE><SDQ_REASON/></OC2>
//!     </Child>
//!   </Children>
//! </Message>
//! ```
//!
//! The first element named `Child` (any case) outside a child starts one. Inside it, elements
//! named `Episode`/`EPISODE`, `Review`/`AREVIEW`, `OC2`, `AMISSING`, `PERMANENCE`, `AD_PLACED`
//! are rows of their table; every other element is a transparent wrapper, and every leaf
//! element outside a row is a child-level field (CHILD, SEX, DOB, UPN...; `CHILDID` is read as
//! CHILD and `PL` as PLACE). Rows take CHILD, DOB and SEX from the child when they lack them.
//! Child-level DUC, IN_TOUCH or DATE_INT make a UASC, OC3 or AD1 row. Dates may be dd/mm/yyyy or
//! yyyy-mm-dd. A file that is not well-formed is rejected as a whole.

use csv::StringRecord;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::table::Table;
use crate::{Input, ProblemKind, Row, Severity, Sink};

/// A leaf element: upper-cased name (after renaming), trimmed text, line.
struct Field {
    name: String,
    value: String,
    line: u64,
}

struct Pending {
    table: Table,
    line: u64,
    fields: Vec<Field>,
}

#[derive(Default)]
struct ChildBuf {
    line: u64,
    fields: Vec<Field>,
    rows: Vec<Pending>,
}

enum Kind {
    Child,
    Row,
    Other,
}

struct Open {
    kind: Kind,
    name: String,
    line: u64,
    has_children: bool,
    text: String,
}

fn row_table(name: &str) -> Option<Table> {
    Some(match name {
        "EPISODE" => Table::Episodes,
        "REVIEW" | "AREVIEW" => Table::Reviews,
        "OC2" => Table::Oc2,
        "AMISSING" => Table::Missing,
        "PERMANENCE" => Table::PrevPerm,
        "AD_PLACED" => Table::PlacedAdoption,
        _ => return None,
    })
}

/// Maps byte offsets to 1-based lines.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &[u8]) -> Self {
        Lines(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line(&self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.0.partition_point(|&nl| nl < offset) as u64 + 1
    }
}

/// Reads one XML file (BOM already stripped) into `input`.
pub(crate) fn read(src: usize, body: &[u8], input: &mut Input, sink: &mut Sink<'_>) {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let line = Lines::new(body).line(e.valid_up_to() as u64);
            let reason =
                "the XML is not valid UTF-8: nothing was imported from this file".to_owned();
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
    };
    let lines = Lines::new(body);
    let mut children = Vec::new();
    if let Err((offset, message)) = scan(text, &lines, input.rows_left(), &mut children) {
        let reason =
            format!("the XML is not well-formed ({message}): nothing was imported from this file");
        sink.file(
            src,
            lines.line(offset),
            None,
            Severity::Error,
            ProblemKind::UnreadableFile,
            reason,
        );
        return;
    }
    if children.is_empty() {
        let reason = "no <Child> element found: the file is not an SSDA903 XML return".to_owned();
        sink.file(
            src,
            1,
            None,
            Severity::Error,
            ProblemKind::UnrecognisedFile,
            reason,
        );
        return;
    }
    let mut counts = [0usize; 11];
    for child in children {
        let ChildBuf { line, fields, rows } = child;
        let mut push =
            |table: Table, line: u64, own: &[Field], input: &mut Input, sink: &mut Sink<'_>| {
                input.rows[table.index()].push(make_row(src, table, line, own, &fields, sink));
                counts[table.index()] += 1;
            };
        push(Table::Header, line, &[], input, sink);
        for (table, trigger) in [
            (Table::Uasc, "DUC"),
            (Table::Oc3, "IN_TOUCH"),
            (Table::Ad1, "DATE_INT"),
        ] {
            if fields.iter().any(|f| f.name == trigger) {
                push(table, line, &[], input, sink);
            }
        }
        for row in rows {
            push(row.table, row.line, &row.fields, input, sink);
        }
    }
    for table in Table::ALL {
        if table == Table::Header || counts[table.index()] > 0 {
            input.tables.push((src, table));
        }
    }
}

/// Builds a row from the row's own fields, falling back to the child's.
fn make_row(
    src: usize,
    table: Table,
    line: u64,
    own: &[Field],
    child: &[Field],
    sink: &mut Sink<'_>,
) -> Row {
    let columns = table.columns();
    let mut cells = StringRecord::with_capacity(64, columns.len());
    let mut cell_lines = vec![0u64; columns.len()].into_boxed_slice();
    let mut duplicates = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        let source = if own.iter().any(|f| f.name == *name) {
            own
        } else {
            child
        };
        let mut found = source.iter().filter(|f| f.name == *name);
        match found.next() {
            Some(f) => {
                cells.push_field(&f.value);
                cell_lines[i] = f.line;
                if let Some(other) = found.find(|o| o.value != f.value) {
                    duplicates.push((i, other.line));
                }
            }
            None => cells.push_field(""),
        }
    }
    let mut row = Row {
        src,
        line,
        cells,
        cell_lines: Some(cell_lines),
        status: 0,
    };
    for (col, other_line) in duplicates {
        let reason = format!(
            "<{}> is given more than once with different values (again on line {other_line}); the first is used",
            columns[col]
        );
        row.status |= sink.row(
            &row,
            table,
            Some(col),
            Severity::Warning,
            ProblemKind::Inconsistent,
            reason,
        );
    }
    row
}

fn element_name(raw: &[u8]) -> String {
    // Ignore any namespace prefix.
    let local = raw.rsplit(|b| *b == b':').next().unwrap_or(raw);
    let name = String::from_utf8_lossy(local).to_ascii_uppercase();
    match name.as_str() {
        "CHILDID" => "CHILD".to_owned(),
        "PL" => "PLACE".to_owned(),
        _ => name,
    }
}

/// Walks the document, collecting children. Errors: (byte offset, message).
fn scan(
    text: &str,
    lines: &Lines,
    max_rows: usize,
    out: &mut Vec<ChildBuf>,
) -> Result<(), (u64, String)> {
    let mut rows = 0usize;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Open> = Vec::new();
    let mut child: Option<ChildBuf> = None;
    let mut row: Option<Pending> = None;
    loop {
        let offset = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        let (start, empty) = match event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => (None, false),
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.decode().map_err(|e| (offset, e.to_string()))?;
                    top.text.push_str(&s);
                }
                continue;
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.decode().map_err(|e| (offset, e.to_string()))?;
                    top.text.push_str(&s);
                }
                continue;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| (offset, e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| (offset, e.to_string()))?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_owned(),
                            None => return Err((offset, format!("unknown entity &{name};"))),
                        }
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
                continue;
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err((offset, format!("<{}> is never closed", open.name)));
                }
                return Ok(());
            }
            _ => continue,
        };
        if let Some(e) = start {
            if stack.len() >= crate::MAX_XML_DEPTH {
                return Err((
                    offset,
                    format!(
                        "elements are nested more than {} deep; a return nests four deep",
                        crate::MAX_XML_DEPTH
                    ),
                ));
            }
            let name = element_name(e.name().as_ref());
            let line = lines.line(offset);
            if let Some(parent) = stack.last_mut() {
                parent.has_children = true;
            }
            let kind = if child.is_none() && name == "CHILD" {
                child = Some(ChildBuf {
                    line,
                    ..ChildBuf::default()
                });
                Kind::Child
            } else if let (Some(_), None, Some(table)) = (&child, &row, row_table(&name)) {
                row = Some(Pending {
                    table,
                    line,
                    fields: Vec::new(),
                });
                Kind::Row
            } else {
                Kind::Other
            };
            stack.push(Open {
                kind,
                name,
                line,
                has_children: false,
                text: String::new(),
            });
            if !empty {
                continue;
            }
        }
        // An end tag (or the end of an empty element).
        let Some(open) = stack.pop() else {
            return Err((offset, "unexpected end tag".to_owned()));
        };
        match open.kind {
            Kind::Child => {
                if let Some(c) = child.take() {
                    // A child is its Header row plus its own rows.
                    rows += 1 + c.rows.len();
                    if rows > max_rows {
                        return Err((
                            offset,
                            format!("the return has more than {max_rows} data rows"),
                        ));
                    }
                    out.push(c);
                }
            }
            Kind::Row => {
                if let (Some(r), Some(c)) = (row.take(), child.as_mut()) {
                    c.rows.push(r);
                }
            }
            Kind::Other if !open.has_children => {
                let field = Field {
                    name: open.name,
                    value: open.text.trim().to_owned(),
                    line: open.line,
                };
                if let Some(r) = row.as_mut() {
                    r.fields.push(field);
                } else if let Some(c) = child.as_mut() {
                    c.fields.push(field);
                }
            }
            Kind::Other => {}
        }
    }
}
