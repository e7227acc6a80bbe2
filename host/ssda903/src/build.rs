//! Checks the rows and assembles children.

use std::collections::HashMap;

use carecheck_sdk::record::{
    Child, Episode, Participation, PeriodOfCare, Placement, Review, Sdq, Sex,
};
use chrono::NaiveDate;

use crate::codes::{self, lookup};
use crate::dates::{self, DateError, fmt};
use crate::table::{Table, expected_headers};
use crate::{
    ERR, ImportOptions, ImportedChild, Input, Parsed, ProblemKind, Row, Severity, Sink, WARN,
};

use ProblemKind as K;
use Severity::{Error as E, Warning as W};

/// An episode that passed the row checks.
struct Ep {
    idx: usize,
    start: NaiveDate,
    end: Option<NaiveDate>,
    rne: Option<String>,
    rec: Option<String>,
    ls: String,
    place: String,
    provider: Option<String>,
    urn: Option<String>,
    postcode: Option<String>,
    reason_change: Option<String>,
}

struct Acc {
    header_line: u64,
    child: Child,
    episodes: Vec<Ep>,
    reviews: Vec<Review>,
    /// Line of each review, parallel to `reviews`.
    review_lines: Vec<u64>,
    sdq: Vec<Sdq>,
    oc2_line: Option<u64>,
}

/// Per-row checking state: the row, its table, and the status bits found so far.
struct Check<'r, 's, 'a> {
    row: &'r Row,
    table: Table,
    sink: &'s mut Sink<'a>,
    status: u8,
}

impl Check<'_, '_, '_> {
    fn report(
        &mut self,
        col: Option<usize>,
        severity: Severity,
        kind: ProblemKind,
        reason: String,
    ) {
        self.status |= self
            .sink
            .row(self.row, self.table, col, severity, kind, reason);
    }

    fn cell(&self, col: usize) -> &str {
        self.row.cell(col)
    }

    fn opt(&self, col: usize) -> Option<String> {
        let v = self.cell(col);
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// A date, if the cell holds a valid one; reports it otherwise (empty is fine here).
    fn date(&mut self, col: usize, severity: Severity) -> Option<NaiveDate> {
        let v = self.cell(col);
        if v.is_empty() {
            return None;
        }
        let parsed = if self.row.is_xml() {
            dates::parse_xml(v)
        } else {
            dates::parse_dmy(v)
        };
        match parsed {
            Ok(d) => Some(d),
            Err(e) => {
                let kind = if e == DateError::NotReal {
                    K::NotARealDate
                } else {
                    K::BadDate
                };
                self.report(Some(col), severity, kind, e.to_string());
                None
            }
        }
    }

    /// A date that must be present, valid and not after the import date.
    fn required_date(
        &mut self,
        col: usize,
        what: &str,
        import_date: NaiveDate,
    ) -> Option<NaiveDate> {
        if self.cell(col).is_empty() {
            self.missing(col);
            return None;
        }
        let d = self.date(col, E)?;
        self.not_after(col, d, what, import_date).then_some(d)
    }

    fn not_after(&mut self, col: usize, d: NaiveDate, what: &str, import_date: NaiveDate) -> bool {
        if d > import_date {
            let reason = format!(
                "{what} {} is after the import date ({})",
                fmt(d),
                fmt(import_date)
            );
            self.report(Some(col), E, K::AfterImportDate, reason);
            return false;
        }
        true
    }

    fn missing(&mut self, col: usize) {
        let reason = format!("{} is required but empty", self.table.columns()[col]);
        self.report(Some(col), E, K::MissingValue, reason);
    }

    /// A code from `list` (canonical form), reporting unknown ones with `severity`.
    fn code(
        &mut self,
        col: usize,
        list: &[&'static str],
        severity: Severity,
    ) -> Option<&'static str> {
        let v = self.cell(col);
        if v.is_empty() {
            return None;
        }
        let found = lookup(list, v);
        if found.is_none() {
            let name = self.table.columns()[col];
            let reason = format!("unknown {name} code (expected one of {})", list.join(", "));
            self.report(Some(col), severity, K::UnknownCode, reason);
        }
        found
    }

    /// The child this row belongs to; reports an unknown or rejected child.
    fn child<'m>(
        &mut self,
        kids: &'m mut HashMap<String, Acc>,
        rejected: &HashMap<String, (usize, u64)>,
        severity: Severity,
    ) -> Option<&'m mut Acc> {
        let id = self.cell(0);
        if id.is_empty() {
            let reason = "CHILD is required but empty".to_owned();
            self.report(Some(0), severity, K::MissingValue, reason);
            return None;
        }
        if let Some(acc) = kids.get_mut(id) {
            return Some(acc);
        }
        let (kind, reason) = match rejected.get(id) {
            Some(&(src, line)) => (
                K::ChildRejected,
                format!(
                    "child {id}'s Header row ({} line {line}) was rejected",
                    self.sink.names[src]
                ),
            ),
            None => (
                K::UnknownChild,
                format!("child {id} is not in the Header table"),
            ),
        };
        self.report(Some(0), severity, kind, reason);
        None
    }

    fn dob_matches(&mut self, col: usize, header_dob: Option<NaiveDate>) {
        if let (Some(d), Some(h)) = (self.date(col, W), header_dob)
            && d != h
        {
            let reason = format!(
                "DOB differs from the Header table's date of birth ({})",
                fmt(h)
            );
            self.report(Some(col), W, K::Inconsistent, reason);
        }
    }
}

pub(crate) fn build(mut input: Input, options: &ImportOptions, mut sink: Sink<'_>) -> Parsed {
    let import_date = options.import_date;
    let collection_year_end =
        NaiveDate::from_ymd_opt(options.collection_year, 3, 31).unwrap_or(NaiveDate::MIN);
    let mut kids: HashMap<String, Acc> = HashMap::new();
    let mut rejected: HashMap<String, (usize, u64)> = HashMap::new();

    let has_header = input.tables.iter().any(|(_, t)| *t == Table::Header);
    if !has_header && let Some(&(src, _)) = input.tables.first() {
        let reason = format!(
            "no Header table in the input ({}): without it no child can be imported",
            expected_headers().split("; ").next().unwrap_or_default()
        );
        sink.file(src, 1, None, E, K::NoHeaderTable, reason);
    }

    // Header.
    {
        let t = Table::Header;
        let (c_sex, c_dob, c_upn) = (t.col("SEX"), t.col("DOB"), t.col("UPN"));
        for row in &mut input.rows[t.index()] {
            let id = row.cell(0).to_owned();
            let id = id.as_str();
            if row.status & ERR != 0 {
                if !id.is_empty() {
                    rejected.entry(id.to_owned()).or_insert((row.src, row.line));
                }
                continue;
            }
            let mut c = Check {
                row,
                table: t,
                sink: &mut sink,
                status: 0,
            };
            if id.is_empty() {
                c.missing(0);
            } else if let Some(acc) = kids.get(id) {
                let reason = format!(
                    "child {id} already appears in the Header table (line {}); this row is ignored",
                    acc.header_line
                );
                c.report(Some(0), E, K::Duplicate, reason);
            }
            let sex = match c.cell(c_sex).to_ascii_uppercase().as_str() {
                "1" | "M" => Some(Sex::Male),
                "2" | "F" => Some(Sex::Female),
                "U" => Some(Sex::Unknown),
                "" => {
                    c.missing(c_sex);
                    None
                }
                _ => {
                    let reason = "unknown SEX code (expected M, F or U, or the old codes 1 = male, 2 = female)".to_owned();
                    c.report(Some(c_sex), E, K::UnknownCode, reason);
                    None
                }
            };
            let dob = c.required_date(c_dob, "date of birth", import_date);
            let upn = c.opt(c_upn);
            let status = c.status;
            row.status |= status;
            if status & ERR != 0 {
                if !id.is_empty() {
                    rejected.entry(id.to_owned()).or_insert((row.src, row.line));
                }
                continue;
            }
            let child = Child {
                id: id.to_owned(),
                responsible_authority: options.authority.clone(),
                name: None,
                date_of_birth: dob,
                date_of_birth_approximate: false,
                sex,
                legal_status: None,
                upn,
            };
            let acc = Acc {
                header_line: row.line,
                child,
                episodes: Vec::new(),
                reviews: Vec::new(),
                review_lines: Vec::new(),
                sdq: Vec::new(),
                oc2_line: None,
            };
            kids.insert(id.to_owned(), acc);
        }
    }

    // Episodes: row checks.
    {
        let t = Table::Episodes;
        let col = |n| t.col(n);
        let (c_decom, c_rne, c_ls, c_place, c_prov, c_dec, c_rec, c_rpc, c_post, c_urn) = (
            col("DECOM"),
            col("RNE"),
            col("LS"),
            col("PLACE"),
            col("PLACE_PROVIDER"),
            col("DEC"),
            col("REC"),
            col("REASON_PLACE_CHANGE"),
            col("PL_POST"),
            col("URN"),
        );
        for (idx, row) in input.rows[t.index()].iter_mut().enumerate() {
            if row.status & ERR != 0 {
                continue;
            }
            let mut c = Check {
                row,
                table: t,
                sink: &mut sink,
                status: 0,
            };
            let start = c.required_date(c_decom, "episode start (DECOM)", import_date);
            let end = match c.date(c_dec, E) {
                Some(d) => c
                    .not_after(c_dec, d, "episode end (DEC)", import_date)
                    .then_some(d),
                None => None,
            };
            if let (Some(s), Some(e)) = (start, end)
                && e < s
            {
                let reason = format!(
                    "the episode ends (DEC {}) before it starts (DECOM {})",
                    fmt(e),
                    fmt(s)
                );
                c.report(Some(c_dec), E, K::EndsBeforeStart, reason);
            }
            let ls = c.code(c_ls, codes::LS, E);
            if c.cell(c_ls).is_empty() {
                c.missing(c_ls);
            }
            let place = match c.cell(c_place) {
                "" => {
                    c.missing(c_place);
                    None
                }
                v => match (lookup(codes::PLACE, v), lookup(codes::PLACE_RETIRED, v)) {
                    (Some(p), _) => Some(p),
                    (None, Some(p)) => {
                        let reason = "retired PLACE code: not valid since the 2022-23 collection; the episode is kept".to_owned();
                        c.report(Some(c_place), W, K::RetiredCode, reason);
                        Some(p)
                    }
                    (None, None) => {
                        let reason = format!(
                            "unknown PLACE code (expected one of {})",
                            codes::PLACE.join(", ")
                        );
                        c.report(Some(c_place), E, K::UnknownCode, reason);
                        None
                    }
                },
            };
            let rne = c
                .code(c_rne, codes::RNE, W)
                .map(str::to_owned)
                .or_else(|| c.opt(c_rne));
            let provider = c
                .code(c_prov, codes::PLACE_PROVIDER, W)
                .map(str::to_owned)
                .or_else(|| c.opt(c_prov));
            let reason_change = c
                .code(c_rpc, codes::REASON_PLACE_CHANGE, W)
                .map(str::to_owned)
                .or_else(|| c.opt(c_rpc));
            let mut rec = c
                .code(c_rec, codes::REC, W)
                .map(str::to_owned)
                .or_else(|| c.opt(c_rec));
            if c.cell(c_dec).is_empty() && rec.is_some() {
                let reason =
                    "REC is given but the episode has no end date (DEC): REC is ignored".to_owned();
                c.report(Some(c_rec), W, K::Inconsistent, reason);
                rec = None;
            } else if end.is_some() && rec.is_none() {
                let reason = "the episode has an end date (DEC) but no reason (REC): the period of care ends there".to_owned();
                c.report(Some(c_rec), W, K::MissingValue, reason);
            }
            let child = c.child(&mut kids, &rejected, E);
            if let (Some(acc), Some(s)) = (&child, start)
                && let Some(dob) = acc.child.date_of_birth.filter(|dob| s < *dob)
            {
                let reason = format!(
                    "the episode starts before the child's date of birth ({})",
                    fmt(dob)
                );
                c.report(Some(c_decom), W, K::Inconsistent, reason);
            }
            let (urn, postcode) = (c.opt(c_urn), c.opt(c_post));
            let status = c.status;
            row.status |= status;
            if status & ERR != 0 {
                continue;
            }
            if let (Some(acc), Some(start), Some(ls), Some(place)) = (child, start, ls, place) {
                acc.episodes.push(Ep {
                    idx,
                    start,
                    end,
                    rne,
                    rec,
                    ls: ls.to_owned(),
                    place: place.to_owned(),
                    provider,
                    urn,
                    postcode,
                    reason_change,
                });
            }
        }
    }

    // Reviews.
    {
        let t = Table::Reviews;
        let (c_dob, c_review, c_code) = (t.col("DOB"), t.col("REVIEW"), t.col("REVIEW_CODE"));
        for row in &mut input.rows[t.index()] {
            if row.status & ERR != 0 {
                continue;
            }
            let mut c = Check {
                row,
                table: t,
                sink: &mut sink,
                status: 0,
            };
            let date = c.required_date(c_review, "review dated", import_date);
            let participation = match c.cell(c_code).to_ascii_uppercase().as_str() {
                "" => {
                    let reason =
                        "REVIEW_CODE is empty: the review is kept without a participation code"
                            .to_owned();
                    c.report(Some(c_code), W, K::MissingValue, reason);
                    None
                }
                "PN0" => Some(Participation::PN0),
                "PN1" => Some(Participation::PN1),
                "PN2" => Some(Participation::PN2),
                "PN3" => Some(Participation::PN3),
                "PN4" => Some(Participation::PN4),
                "PN5" => Some(Participation::PN5),
                "PN6" => Some(Participation::PN6),
                "PN7" => Some(Participation::PN7),
                _ => {
                    let reason = "unknown participation code (expected PN0 to PN7)".to_owned();
                    c.report(Some(c_code), E, K::UnknownCode, reason);
                    None
                }
            };
            let child = c.child(&mut kids, &rejected, E);
            if let Some(acc) = &child {
                c.dob_matches(c_dob, acc.child.date_of_birth);
                if let (Some(d), Some(dob)) = (date, acc.child.date_of_birth)
                    && d < dob
                {
                    let reason = format!(
                        "the review is before the child's date of birth ({})",
                        fmt(dob)
                    );
                    c.report(Some(c_review), W, K::Inconsistent, reason);
                }
                if let Some(d) = date
                    && let Some(i) = acc.reviews.iter().position(|r| r.date == d)
                {
                    let reason = format!(
                        "child {} already has a review on {} (line {}); this row is ignored",
                        acc.child.id,
                        fmt(d),
                        acc.review_lines[i]
                    );
                    c.report(Some(c_review), E, K::Duplicate, reason);
                }
            }
            let status = c.status;
            row.status |= status;
            if status & ERR != 0 {
                continue;
            }
            if let (Some(acc), Some(date)) = (child, date) {
                acc.reviews.push(Review {
                    date,
                    date_approximate: false,
                    chair_iro_id: None,
                    participation,
                    accompaniment: None,
                    mental_health: None,
                    items_discussed: Vec::new(),
                    preparation: None,
                });
                acc.review_lines.push(row.line);
            }
        }
    }

    // OC2: the SDQ.
    {
        let t = Table::Oc2;
        let (c_dob, c_score, c_reason) = (t.col("DOB"), t.col("SDQ_SCORE"), t.col("SDQ_REASON"));
        for row in &mut input.rows[t.index()] {
            if row.status & ERR != 0 {
                continue;
            }
            let mut c = Check {
                row,
                table: t,
                sink: &mut sink,
                status: 0,
            };
            let score = match c.cell(c_score) {
                "" => None,
                v => match v.parse::<u16>() {
                    Ok(n) if n <= 40 && v.bytes().all(|b| b.is_ascii_digit()) => Some(n as u8),
                    Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => {
                        let reason = format!("SDQ score {n} is outside 0-40");
                        c.report(Some(c_score), E, K::OutOfRange, reason);
                        None
                    }
                    _ => {
                        let reason = "SDQ score is not a whole number from 0 to 40".to_owned();
                        c.report(Some(c_score), E, K::OutOfRange, reason);
                        None
                    }
                },
            };
            let reason_code = c.code(c_reason, codes::SDQ_REASON, E);
            if score.is_some() && reason_code.is_some() {
                let reason = "both SDQ_SCORE and SDQ_REASON are given".to_owned();
                c.report(Some(c_reason), W, K::Inconsistent, reason);
            }
            let child = c.child(&mut kids, &rejected, E);
            if let Some(acc) = &child {
                c.dob_matches(c_dob, acc.child.date_of_birth);
                if let Some(line) = acc.oc2_line {
                    let reason = format!(
                        "child {} already has an OC2 row (line {line}); this row is ignored",
                        acc.child.id
                    );
                    c.report(Some(0), E, K::Duplicate, reason);
                }
            }
            let status = c.status;
            row.status |= status;
            if status & ERR != 0 {
                continue;
            }
            if let Some(acc) = child {
                acc.oc2_line = Some(row.line);
                if score.is_some() || reason_code.is_some() {
                    acc.sdq.push(Sdq {
                        date: collection_year_end,
                        date_approximate: true,
                        score,
                        completed_by: None,
                        reason_not_completed: reason_code.map(str::to_owned),
                    });
                }
            }
        }
    }

    // Tables only counted: CHILD should still be a known child.
    for t in [
        Table::Uasc,
        Table::Oc3,
        Table::Missing,
        Table::Ad1,
        Table::PlacedAdoption,
        Table::PrevPerm,
        Table::SwEpisodes,
    ] {
        for row in &mut input.rows[t.index()] {
            if row.status & ERR != 0 {
                continue;
            }
            let mut c = Check {
                row,
                table: t,
                sink: &mut sink,
                status: 0,
            };
            c.child(&mut kids, &rejected, W);
            let status = c.status;
            row.status |= status;
        }
    }

    // Episodes per child: overlaps, periods of care, placements.
    let episode_rows = &mut input.rows[Table::Episodes.index()];
    let t = Table::Episodes;
    let (c_decom, c_rec) = (t.col("DECOM"), t.col("REC"));
    let mut ids: Vec<&String> = kids.keys().collect();
    ids.sort_unstable();
    let ids: Vec<String> = ids.into_iter().cloned().collect();
    let mut children = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(acc) = kids.remove(&id) else {
            continue;
        };
        let Acc {
            mut child,
            mut episodes,
            reviews,
            sdq,
            ..
        } = acc;
        episodes.sort_by(|a, b| a.start.cmp(&b.start).then(a.idx.cmp(&b.idx)));
        let mut kept: Vec<Ep> = Vec::with_capacity(episodes.len());
        for ep in episodes {
            if let Some(prev) = kept.last()
                && prev.end.is_none_or(|end| ep.start < end)
            {
                let prev_line = episode_rows[prev.idx].line;
                let how = match prev.end {
                    Some(end) => format!("ends {}", fmt(end)),
                    None => "has no end date (DEC)".to_owned(),
                };
                let reason = format!(
                    "the episode starting {} overlaps the episode starting {} (line {prev_line}), which {how}",
                    fmt(ep.start),
                    fmt(prev.start)
                );
                let row = &mut episode_rows[ep.idx];
                row.status |= sink.row(row, t, Some(c_decom), E, K::Overlap, reason);
                continue;
            }
            kept.push(ep);
        }
        let mut periods: Vec<PeriodOfCare> = Vec::new();
        let mut placements = Vec::with_capacity(kept.len());
        for (i, ep) in kept.iter().enumerate() {
            let continues = i > 0 && {
                let prev = &kept[i - 1];
                prev.rec.as_deref() == Some("X1") && prev.end == Some(ep.start)
            };
            if i > 0 && !continues {
                let prev = &kept[i - 1];
                if let (Some("X1"), Some(end)) = (prev.rec.as_deref(), prev.end) {
                    let reason = format!(
                        "REC X1 says care continues, but the next episode starts {} rather than on DEC {}: a new period of care starts",
                        fmt(ep.start),
                        fmt(end)
                    );
                    let row = &mut episode_rows[prev.idx];
                    row.status |= sink.row(row, t, Some(c_rec), W, K::Inconsistent, reason);
                }
            }
            let placement_id = format!("{id}-{}", dates::iso(ep.start));
            placements.push(Placement {
                id: placement_id.clone(),
                start: ep.start,
                end: ep.end,
                placement_type: Some(ep.place.clone()),
                provider: ep.provider.clone(),
                urn: ep.urn.clone(),
                postcode: ep.postcode.clone(),
                location_authority: None,
                distant: None,
                emergency: false,
                area_authority_notified: None,
                director_approved: None,
                health_commissioner: None,
                mental_health_service: None,
                reason_changed: ep.reason_change.clone(),
            });
            let episode = Episode {
                start: ep.start,
                end: ep.end,
                reason_new: ep.rne.clone(),
                reason_ended: ep.rec.clone(),
                legal_status: Some(ep.ls.clone()),
                placement_type: Some(ep.place.clone()),
                placement_id: Some(placement_id),
            };
            match periods.last_mut() {
                Some(period) if continues => period.episodes.push(episode),
                _ => periods.push(PeriodOfCare {
                    episodes: vec![episode],
                }),
            }
        }
        if let Some(last) = kept.last() {
            if let (Some("X1"), Some(end)) = (last.rec.as_deref(), last.end) {
                let reason = format!(
                    "REC X1 says care continues after DEC {}, but no episode starts that day: the period of care ends there",
                    fmt(end)
                );
                let row = &mut episode_rows[last.idx];
                row.status |= sink.row(row, t, Some(c_rec), W, K::Inconsistent, reason);
            }
            child.legal_status = Some(last.ls.clone());
        }
        children.push(ImportedChild {
            child_id: id,
            child,
            periods_of_care: periods,
            placements,
            reviews,
            sdq,
            collection_year_end,
        });
    }

    // Counts.
    let mut rows_read = input.rejected_file_rows;
    let mut rows_rejected = input.rejected_file_rows;
    let mut rows_with_warnings = 0;
    let mut table_rows = Vec::new();
    for t in Table::ALL {
        let rows = &input.rows[t.index()];
        rows_read += rows.len();
        for row in rows {
            if row.status & ERR != 0 {
                rows_rejected += 1;
            } else if row.status & WARN != 0 {
                rows_with_warnings += 1;
            }
        }
        if input.tables.iter().any(|(_, seen)| *seen == t) {
            table_rows.push((t, rows.len()));
        }
    }

    let omitted = sink.omitted;
    let mut problems = sink.problems;
    problems.sort_by_key(|(src, p)| (*src, p.line));
    let names = sink.names;
    Parsed {
        children,
        problems: problems.into_iter().map(|(_, p)| p).collect(),
        rows_read,
        rows_rejected,
        rows_with_warnings,
        problems_omitted: omitted,
        tables: input
            .tables
            .into_iter()
            .map(|(src, t)| (names[src].to_owned(), t))
            .collect(),
        table_rows,
    }
}
