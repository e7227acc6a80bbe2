//! Reads the DfE SSDA903 return (children looked after) into care records.
//!
//! The return comes as one CSV file per table (or one XML file). [`parse`] recognises each
//! table by its header row, never by the file name, checks every row and reports what it
//! cannot use as a [`Problem`] naming the file, line, column and value. Rows with an
//! [`Severity::Error`] are rejected; rows with only warnings are imported. [`merge`] then folds
//! one child's imported data into the care record the store already holds.
//!
//! Pure library: no I/O beyond [`read_folder`], no database, no async.

mod build;
mod codes;
mod csv_in;
mod dates;
mod merge;
mod table;
mod xml_in;

use std::fmt;
use std::path::Path;

use carecheck_sdk::record::{Child, PeriodOfCare, Placement, Review, Sdq};
use chrono::NaiveDate;
use serde::Serialize;

pub use merge::merge;
pub use table::Table;

/// What the caller knows about the return being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Code of the responsible local authority; becomes `child.responsible_authority`.
    pub authority: String,
    /// The collection year, named by the year it ends on 31 March (2018 for 2017-18).
    pub collection_year: i32,
    /// Dates after this day are errors (a review cannot have happened in the future).
    pub import_date: NaiveDate,
    /// At most this many data rows are read from all the files together: a bound on the memory
    /// an import can take, far above any authority's return.
    pub max_rows: usize,
}

/// The default for [`ImportOptions::max_rows`]: a large authority's return has under 100,000.
pub const DEFAULT_MAX_ROWS: usize = 500_000;

/// Problems kept in memory and listed; beyond this they are only counted
/// ([`Parsed::problems_omitted`]), so a file that is wrong on every row cannot exhaust memory.
pub const MAX_PROBLEMS: usize = 100_000;

/// XML elements nested deeper than this are refused: an SSDA903 return nests four deep.
pub const MAX_XML_DEPTH: usize = 32;

/// One input file. `name` is used only in problem messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every regular `.csv` or `.xml` file (any letter case) directly in `path`, sorted by name.
/// Other files (a README beside the data, say) are left out.
pub fn read_folder(path: &Path) -> std::io::Result<Vec<InputFile>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let full = entry.path();
        if !std::fs::metadata(&full)?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".csv") || lower.ends_with(".xml")) {
            continue;
        }
        files.push(InputFile {
            name,
            bytes: std::fs::read(&full)?,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row (or file) is rejected: nothing from it is imported.
    Error,
    /// The row is imported; the problem is reported so someone can correct the source.
    Warning,
}

/// What kind of problem, for counting and filtering (the `reason` says it in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The header row matches no SSDA903 table.
    UnrecognisedFile,
    /// The file is like a table but lacks one of its required columns.
    MissingColumn,
    /// A column appears twice in the header row (the first is used).
    DuplicateColumn,
    /// The file cannot be read at all (empty, not UTF-8, XML not well-formed).
    UnreadableFile,
    /// The input has no Header table, so no child can be imported.
    NoHeaderTable,
    /// The row has a different number of fields than the header row, or text that is not UTF-8.
    MalformedRow,
    /// A required value is empty.
    MissingValue,
    /// A date not in the form dd/mm/yyyy.
    BadDate,
    /// A date in the right form that does not exist (31/02/2017).
    NotARealDate,
    /// A date after the import date.
    AfterImportDate,
    /// A code not on the SSDA903 list.
    UnknownCode,
    /// A PLACE code valid in earlier collection years only.
    RetiredCode,
    /// A number outside its range (SDQ score above 40).
    OutOfRange,
    /// The row's CHILD is not in the Header table.
    UnknownChild,
    /// The row's CHILD is in the Header table, but its header row was rejected.
    ChildRejected,
    /// The same child (Header, OC2) or the same review appears twice.
    Duplicate,
    /// An episode ends before it starts.
    EndsBeforeStart,
    /// An episode starts before the previous one ended.
    Overlap,
    /// Values that contradict each other (REC X1 with no DEC, DOB differing between tables...).
    Inconsistent,
    /// The input is larger than a return can be (more rows than the cap, XML nested too deep):
    /// the rest of the file was not read.
    TooLarge,
}

/// Something in the input that could not be used as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Name of the input file.
    pub file: String,
    /// 1-based line; the header row is line 1. For XML, the line of the element.
    pub line: u64,
    /// The column (CSV) or element name (XML), when the problem is about one value.
    pub column: Option<String>,
    /// The value as found (trimmed), when there is one.
    pub value: Option<String>,
    pub severity: Severity,
    pub kind: ProblemKind,
    pub reason: String,
}

impl fmt::Display for Problem {
    /// `episodes.csv line 12, DECOM = "31/02/2017": not a real date`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)?;
        match (&self.column, &self.value) {
            (Some(c), Some(v)) => write!(f, ", {c} = {v:?}")?,
            (Some(c), None) => write!(f, ", {c}")?,
            (None, _) => {}
        }
        write!(f, ": {}", self.reason)
    }
}

/// One child as the return describes them, ready for [`merge`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedChild {
    /// The return's CHILD identifier (also `child.id`).
    pub child_id: String,
    pub child: Child,
    /// Oldest first; each period's episodes in date order.
    pub periods_of_care: Vec<PeriodOfCare>,
    /// One per episode, oldest first, id `"<CHILD>-<DECOM yyyy-mm-dd>"`.
    pub placements: Vec<Placement>,
    /// In input order.
    pub reviews: Vec<Review>,
    /// At most one: the OC2 score or reason, dated 31 March of the collection year (approximate).
    pub sdq: Vec<Sdq>,
    /// 31 March of the collection year: the date the return's SDQ carries. [`merge`] uses it to
    /// replace the SDQ an earlier import of the same year gave, and only that one.
    pub collection_year_end: NaiveDate,
}

/// Everything [`parse`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// Children whose Header row was accepted, sorted by child id.
    pub children: Vec<ImportedChild>,
    /// Ordered by input file, then line.
    pub problems: Vec<Problem>,
    /// Data rows of every input file (header rows and blank lines not counted); rows of a file
    /// rejected as a whole count as read and rejected.
    pub rows_read: usize,
    /// Rows with at least one error: nothing from them was imported.
    pub rows_rejected: usize,
    /// Problems found beyond the first [`MAX_PROBLEMS`]: counted, not listed.
    pub problems_omitted: usize,
    /// Rows imported with at least one warning (and no error). `rows_read - rows_rejected` were accepted.
    pub rows_with_warnings: usize,
    /// Each recognised (file, table); an XML file appears once per table it holds.
    pub tables: Vec<(String, Table)>,
    /// Data rows read per recognised table, in [`Table::ALL`] order (tables with no file left out).
    /// UASC, OC3, Missing, AD1, PlacedAdoption, PrevPerm and SWEpisodes are only counted.
    pub table_rows: Vec<(Table, usize)>,
}

impl Parsed {
    /// Rows read and imported (possibly with warnings).
    pub fn rows_accepted(&self) -> usize {
        self.rows_read - self.rows_rejected
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }
}

/// Reads CSV files (one per table, in any order and under any name) and/or XML files.
/// Never fails: whatever cannot be used is a [`Problem`]. Same input, same output.
pub fn parse(files: &[InputFile], options: &ImportOptions) -> Parsed {
    parse_with(files, options, |_| {})
}

/// [`parse`], showing every problem to `each_problem` as it is found, in the order found. That
/// includes the problems past [`MAX_PROBLEMS`] which [`Parsed`] only counts, so a caller writing
/// an errors file loses none of them while memory stays bounded.
pub fn parse_with(
    files: &[InputFile],
    options: &ImportOptions,
    mut each_problem: impl FnMut(&Problem),
) -> Parsed {
    let mut sink = Sink {
        names: files.iter().map(|f| f.name.as_str()).collect(),
        problems: Vec::new(),
        omitted: 0,
        each_problem: &mut each_problem,
    };
    let mut input = Input {
        max_rows: options.max_rows,
        ..Input::default()
    };
    for (src, file) in files.iter().enumerate() {
        let body = file
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&file.bytes);
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'<') {
            xml_in::read(src, body, &mut input, &mut sink);
        } else {
            csv_in::read(src, body, &mut input, &mut sink);
        }
    }
    build::build(input, options, sink)
}

pub(crate) const ERR: u8 = 1;
pub(crate) const WARN: u8 = 2;

/// One data row of a table, whatever the source format.
#[derive(Debug)]
pub(crate) struct Row {
    /// Index of the input file.
    pub src: usize,
    pub line: u64,
    /// Trimmed cells in [`Table::columns`] order (empty when absent).
    pub cells: csv::StringRecord,
    /// XML only: the line of each cell's element (0 when absent).
    pub cell_lines: Option<Box<[u64]>>,
    /// [`ERR`] / [`WARN`] bits.
    pub status: u8,
}

impl Row {
    pub fn cell(&self, col: usize) -> &str {
        self.cells.get(col).unwrap_or("")
    }

    pub fn is_xml(&self) -> bool {
        self.cell_lines.is_some()
    }
}

/// Rows gathered from all files, by table.
#[derive(Debug, Default)]
pub(crate) struct Input {
    pub rows: [Vec<Row>; 11],
    pub tables: Vec<(usize, Table)>,
    /// Data rows of files rejected as a whole.
    pub rejected_file_rows: usize,
    /// The most data rows to read, from all files together.
    pub max_rows: usize,
}

impl Input {
    /// How many more data rows may be read.
    pub fn rows_left(&self) -> usize {
        let read: usize = self.rows.iter().map(Vec::len).sum();
        self.max_rows.saturating_sub(read)
    }
}

/// Collects problems, remembering the file index for ordering; past [`MAX_PROBLEMS`] it only
/// counts them. Every problem, kept or not, is shown to `each_problem` first.
pub(crate) struct Sink<'a> {
    pub names: Vec<&'a str>,
    pub problems: Vec<(usize, Problem)>,
    /// Problems found beyond [`MAX_PROBLEMS`], counted but not kept.
    pub omitted: usize,
    pub each_problem: &'a mut dyn FnMut(&Problem),
}

impl Sink<'_> {
    fn keep(&mut self, src: usize, problem: Problem) {
        (self.each_problem)(&problem);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push((src, problem));
        } else {
            self.omitted += 1;
        }
    }

    /// A problem about a file (or a line of it) rather than a table row.
    pub fn file(
        &mut self,
        src: usize,
        line: u64,
        column: Option<&str>,
        severity: Severity,
        kind: ProblemKind,
        reason: String,
    ) {
        let problem = Problem {
            file: self.names[src].to_owned(),
            line,
            column: column.map(str::to_owned),
            value: None,
            severity,
            kind,
            reason,
        };
        self.keep(src, problem);
    }

    /// A problem about a row (and one of its cells when `col` is given). Returns the status
    /// bit to set on the row.
    #[must_use]
    pub fn row(
        &mut self,
        row: &Row,
        table: Table,
        col: Option<usize>,
        severity: Severity,
        kind: ProblemKind,
        reason: String,
    ) -> u8 {
        let (column, value, line) = match col {
            Some(c) => {
                let v = row.cell(c);
                let line = row.cell_lines.as_ref().map_or(row.line, |l| match l[c] {
                    0 => row.line,
                    n => n,
                });
                (
                    Some(table.columns()[c].to_owned()),
                    (!v.is_empty()).then(|| v.to_owned()),
                    line,
                )
            }
            None => (None, None, row.line),
        };
        let problem = Problem {
            file: self.names[row.src].to_owned(),
            line,
            column,
            value,
            severity,
            kind,
            reason,
        };
        self.keep(row.src, problem);
        match severity {
            Severity::Error => ERR,
            Severity::Warning => WARN,
        }
    }
}
