//! Review sheets: a CSV with a `call_id` column, an optional `reviewer` column, and one column
//! per rubric item that a reviewer filled in. A cell is a verdict (`1`/`0`, `yes`/`no`, `y`/`n`,
//! `true`/`false`, any case) or not judged (blank, `n/a`, `na`, `-`): `VERDICTS` lists them.
//! The delimiter (`,`, tab or `;`) is sniffed from the header as for transcripts, and headers
//! are matched ignoring ASCII case.
//!
//! Columns `agent`, `date`, `notes` (and `comment(s)`) and the tool's own verdicts written by
//! `callaudit sample` (`tool:ITEM`) are carried but not read as verdicts (the `tool:` cells are
//! kept, to be compared with the run's verdicts: `SheetRow::sampled`). Any other column is an
//! error: a misspelt item would otherwise be silently ignored.

use crate::read::line_tracker::LineTracker;
use crate::rubric::Rubric;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One reviewer's verdicts on one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetRow {
    /// The line of the file the row starts on (1-based; the header is line 1 unless blank
    /// lines come before it).
    pub line: u64,
    pub call_id: String,
    /// Empty when the sheet has no reviewer column.
    pub reviewer: String,
    /// Judged cells: (item index in the rubric, happened).
    pub verdicts: Vec<(usize, bool)>,
    /// The tool's verdicts when `sample` wrote the sheet (`tool:ITEM` cells that hold one):
    /// (item index, happened). Not the reviewers': only compared with this run's verdicts, to
    /// tell a sheet sampled with another rubric or other inputs.
    pub sampled: Vec<(usize, bool)>,
}

#[derive(Clone, Debug, Default)]
pub struct ReviewSheet {
    pub rows: Vec<SheetRow>,
    /// The item columns, in sheet order (indices into the rubric).
    pub items: Vec<usize>,
    pub has_reviewer: bool,
}

impl ReviewSheet {
    /// Judged cells in the whole sheet.
    pub fn judged(&self) -> usize {
        self.rows.iter().map(|r| r.verdicts.len()).sum()
    }
}

/// What is wrong with a sheet, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub file: PathBuf,
    /// 1-based line; 0 when the problem is the file as a whole.
    pub line: u64,
    /// 1-based column, when one column is at fault.
    pub column: Option<usize>,
    pub kind: SheetErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetErrorKind {
    Unreadable(String),
    /// The header has no `call_id` column; `others` are its columns that are neither items nor
    /// columns a sheet may carry (one of them may hold the call ids under another name).
    NoCallIdColumn {
        others: Vec<String>,
        /// The delimiter the header was read with.
        delimiter: u8,
    },
    DuplicateColumn(String),
    /// Two headers that differ only by case (`thanks`, `THANKS`): headers are matched ignoring
    /// case, so which one is meant cannot be told.
    SameButCase {
        first: String,
        first_column: usize,
        second: String,
    },
    UnknownColumn {
        name: String,
        suggestion: Option<String>,
    },
    NoItemColumns,
    /// One row per call and item (a column named like `item`) and no item column: the layout
    /// many QA tools export, not this one.
    LongLayout(String),
    NotAVerdict {
        item: String,
        value: String,
    },
    EmptyCallId,
    RepeatedRow {
        call_id: String,
        reviewer: String,
        first_line: u64,
    },
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": ")?;
        match &self.kind {
            SheetErrorKind::Unreadable(e) => write!(f, "cannot read the review sheet: {e}"),
            SheetErrorKind::NoCallIdColumn { others, delimiter } => {
                write!(
                    f,
                    "the sheet has no `call_id` column: a review sheet has a `call_id` column \
                     (the call each row judges) and one column per judged item, named by its id \
                     (`rubric show` lists them); it may also have `reviewer`, `agent`, `date`, \
                     `notes` and `tool:ITEM` columns, as `callaudit sample` writes them"
                )?;
                let quoted = |names: &[String]| {
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                // A header read as one column holding another delimiter: the sheet is not
                // delimited as it was read (a `--delimiter` that does not fit it).
                if let Some(one) = others.iter().find(|n| n.contains([',', ';', '\t'])) {
                    return write!(
                        f,
                        "; the header was read with the delimiter {} and has a column `{}`: is \
                         the sheet delimited otherwise? (the delimiter is sniffed from the \
                         header unless --delimiter is given)",
                        delimiter_name(*delimiter),
                        one.escape_debug()
                    );
                }
                const NAMED: usize = 5;
                match others.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, "; is `{one}` the call id? Name it `call_id`"),
                    many if many.len() <= NAMED => write!(
                        f,
                        "; is one of {} the call id? Name it `call_id`",
                        quoted(many)
                    ),
                    many => write!(
                        f,
                        "; is one of {} (and {} more) the call id? Name it `call_id`",
                        quoted(&many[..NAMED]),
                        many.len() - NAMED
                    ),
                }
            }
            SheetErrorKind::DuplicateColumn(c) => write!(f, "column `{c}` appears twice"),
            SheetErrorKind::SameButCase {
                first,
                first_column,
                second,
            } => write!(
                f,
                "columns `{first}` (column {first_column}) and `{second}` differ only by case: \
                 headers are matched ignoring case, so keep one of them"
            ),
            SheetErrorKind::UnknownColumn { name, suggestion } => {
                write!(f, "column `{name}` is not an item of the rubric")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None => write!(
                        f,
                        " (item columns are the rubric's ids; `rubric show` lists them)"
                    ),
                }
            }
            SheetErrorKind::LongLayout(column) => write!(
                f,
                "column `{column}`: this looks like one row per call and item; a review sheet \
                 has one row per call with one column per item id (call_id,empathy,apology,… holding \
                 1, 0 or blank): pivot the sheet, or start from `callaudit sample … -o \
                 sheet.csv`, which writes that layout"
            ),
            SheetErrorKind::NoItemColumns => write!(
                f,
                "no item column: expected one column per judged item, named by its id"
            ),
            SheetErrorKind::NotAVerdict { item, value } => write!(
                f,
                "`{value}` in column `{item}` is not a verdict: expected {}",
                verdict_forms()
            ),
            SheetErrorKind::EmptyCallId => write!(f, "the call_id cell is empty"),
            SheetErrorKind::RepeatedRow {
                call_id,
                reviewer,
                first_line,
            } => {
                write!(f, "call `{call_id}` ")?;
                if !reviewer.is_empty() {
                    write!(f, "by reviewer `{reviewer}` ")?;
                }
                write!(f, "was already judged on line {first_line}")
            }
        }
    }
}

impl std::error::Error for SheetError {}

/// The column of call ids, which every sheet has.
pub const CALL_ID: &str = crate::columns::SHEET_CALL_ID;
/// The column of reviewer names, which a sheet may have.
pub const REVIEWER: &str = crate::columns::SHEET_REVIEWER;
/// The columns `callaudit sample` writes before the items.
pub const SAMPLE_COLUMNS: [&str; 3] = [CALL_ID, "agent", "date"];

/// Columns a sheet may carry that are not verdicts (`SAMPLE_COLUMNS` past the call id among
/// them).
const CARRIED: &[&str] = &crate::columns::SHEET_CARRIED;

/// Prefix of the tool's verdict columns in a sheet written by `sample`.
pub const TOOL_PREFIX: &str = "tool:";

/// Undoes the formula guard that report CSVs (and `sample`'s sheet) put before a cell starting
/// with `=`, `+`, `-` or `@`, so an id such as `-17` written as `'-17` reads back as itself.
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

/// A cell that is neither a verdict nor "not judged".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAVerdict;

/// Every cell a sheet accepts (besides a blank one), lowercase (cells are read in any case):
/// what it says, `None` for not judged. The parser and its error message both read it.
pub const VERDICTS: &[(&str, Option<bool>)] = &[
    ("1", Some(true)),
    ("yes", Some(true)),
    ("y", Some(true)),
    ("true", Some(true)),
    ("t", Some(true)),
    ("0", Some(false)),
    ("no", Some(false)),
    ("n", Some(false)),
    ("false", Some(false)),
    ("f", Some(false)),
    ("n/a", None),
    ("na", None),
    ("-", None),
    ("not judged", None),
];

/// The accepted cells, for the error: `1, yes, y, true or t for yes; …` from `VERDICTS`.
pub fn verdict_forms() -> String {
    let forms = |v: Option<bool>| -> String {
        let mut names: Vec<&str> = VERDICTS
            .iter()
            .filter(|(_, says)| *says == v)
            .map(|(name, _)| *name)
            .collect();
        if v.is_none() {
            names.insert(0, "blank");
        }
        match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    format!(
        "{} for yes; {} for no; {} for not judged (any case)",
        forms(Some(true)),
        forms(Some(false)),
        forms(None)
    )
}

/// A cell's verdict: `Some(happened)`, or `None` when not judged.
pub fn parse_verdict(cell: &str) -> Result<Option<bool>, NotAVerdict> {
    let c = cell.trim();
    if c.is_empty() {
        return Ok(None);
    }
    let c = c.to_ascii_lowercase();
    VERDICTS
        .iter()
        .find(|(name, _)| *name == c)
        .map(|(_, says)| *says)
        .ok_or(NotAVerdict)
}

/// How a delimiter is named in a message.
fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d => format!("`{}`", char::from(d)),
    }
}

/// What is wrong with a record, in the sheet's words: the csv crate's message for a row of the
/// wrong length counts records from 0 and bytes, and calls the header "the previous record".
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} field(s) where the header has {expected_len} (a comma too many \
             or too few, or a quote left open?)"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "the row is not valid UTF-8 (save the sheet as UTF-8 CSV)".to_string()
        }
        _ => e.to_string(),
    }
}

/// The csv reader of a sheet, over a `LineTracker` that knows each record's real line.
type SheetReader = csv::Reader<LineTracker<BufReader<Box<dyn Read>>>>;

/// The 1-based line a record (or an error in it) at `position` starts on: the csv crate's own
/// line lags behind the line ends in front of a record (a CRLF's `\n`, blank lines), so the
/// line is counted from the record's byte offset (see `LineTracker`). 0 when there is none.
fn line_of(reader: &mut SheetReader, position: Option<&csv::Position>) -> u64 {
    position.map_or(0, |p| reader.get_mut().line_at(p.byte()))
}

/// Reads a review sheet against `rubric` (`-` is stdin), with `delimiter`, or the one sniffed
/// from its header (`,`, tab or `;`, as for transcript CSVs: spreadsheets in many locales save
/// with `;`). Every problem names the line and column.
pub fn read(
    path: &Path,
    rubric: &Rubric,
    delimiter: Option<u8>,
) -> Result<ReviewSheet, SheetError> {
    let err = |line: u64, column: Option<usize>, kind: SheetErrorKind| SheetError {
        file: path.to_path_buf(),
        line,
        column,
        kind,
    };
    // `-` is stdin, as for inputs (the commands refuse it as both the sheet and an input).
    let source: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| err(0, None, SheetErrorKind::Unreadable(e.to_string())))?,
        )
    };
    let mut source = BufReader::new(source);
    let delimiter = delimiter.unwrap_or_else(|| crate::read::csv::sniff_delimiter(&mut source));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(delimiter)
        .from_reader(LineTracker::new(source, delimiter));
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let line = line_of(&mut reader, e.position()).max(1);
            return Err(err(line, None, SheetErrorKind::Unreadable(csv_problem(&e))));
        }
    };
    let header_line = line_of(&mut reader, headers.position()).max(1);
    let cols = sheet_columns(&headers, header_line, rubric, delimiter, &err)?;
    let mut sheet = ReviewSheet {
        items: cols.items.iter().map(|&(_, i)| i).collect(),
        has_reviewer: cols.reviewer.is_some(),
        ..ReviewSheet::default()
    };
    let mut first: HashMap<(String, String), u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = line_of(&mut reader, e.position());
                return Err(err(line, None, SheetErrorKind::Unreadable(csv_problem(&e))));
            }
        }
        let line = line_of(&mut reader, record.position());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        sheet
            .rows
            .push(sheet_row(&record, line, &cols, &mut first, rubric, &err)?);
    }
    Ok(sheet)
}

/// The columns of a review sheet that `read` uses.
struct SheetColumns {
    call: usize,
    reviewer: Option<usize>,
    /// `(column, item index)` of every item column.
    items: Vec<(usize, usize)>,
    /// `(column, item index)` of every `tool:ITEM` column.
    sampled: Vec<(usize, usize)>,
}

/// The item an unknown header looks like a misspelling of.
fn misspelt_item(rubric: &Rubric, name: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    rubric
        .items
        .iter()
        .map(|it| {
            (
                strsim::jaro_winkler(&name, &it.id.to_ascii_lowercase()),
                &it.id,
            )
        })
        .filter(|(s, _)| *s > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id.clone())
}

/// Finds the call id, reviewer and item columns in the header (on `line`, read with
/// `delimiter`), ignoring ASCII case; refuses a column twice (or two that differ only by case),
/// no call id, a column the rubric does not know, or no item.
fn sheet_columns(
    headers: &csv::StringRecord,
    line: u64,
    rubric: &Rubric,
    delimiter: u8,
    err: &dyn Fn(u64, Option<usize>, SheetErrorKind) -> SheetError,
) -> Result<SheetColumns, SheetError> {
    let mut call_col = None;
    let mut reviewer_col = None;
    let mut item_cols: Vec<(usize, usize)> = Vec::new();
    let mut sampled_cols: Vec<(usize, usize)> = Vec::new();
    // Columns that are neither items nor carried: an error, said once the call id is found.
    let mut unknown: Vec<(usize, String)> = Vec::new();
    // Each header lowercased → its column and name as written.
    let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
    for (col, raw) in headers.iter().enumerate() {
        // A spreadsheet may leave a byte-order mark on the first header.
        let name = raw.trim().trim_start_matches('\u{feff}');
        let lower = name.to_ascii_lowercase();
        if let Some((first_col, first)) = seen.insert(lower.clone(), (col, name)) {
            let kind = if first == name {
                SheetErrorKind::DuplicateColumn(name.into())
            } else {
                SheetErrorKind::SameButCase {
                    first: first.into(),
                    first_column: first_col + 1,
                    second: name.into(),
                }
            };
            return Err(err(line, Some(col + 1), kind));
        }
        // Item ids are lower-case (the rubric refuses others), so the lower-cased header is one.
        if lower == CALL_ID {
            call_col = Some(col);
        } else if lower == REVIEWER {
            reviewer_col = Some(col);
        } else if let Some(i) = rubric.item_index(&lower) {
            item_cols.push((col, i));
        } else if let Some(i) = lower
            .strip_prefix(TOOL_PREFIX)
            .and_then(|id| rubric.item_index(id))
        {
            sampled_cols.push((col, i));
        } else if !(name.is_empty() || CARRIED.contains(&lower.as_str())) {
            unknown.push((col, name.to_string()));
        }
    }
    // Without a call id column, that is what is wrong, whatever else the header holds (an `id`
    // column is not a misspelt item). The columns that may hold the call ids are those that
    // are neither items nor look like a misspelt one.
    let Some(call_col) = call_col else {
        let others = unknown
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| misspelt_item(rubric, name).is_none())
            .collect();
        return Err(err(
            line,
            None,
            SheetErrorKind::NoCallIdColumn { others, delimiter },
        ));
    };
    // One row per call and item: said as such, not as an unknown item `item` (tester t24 W5).
    if item_cols.is_empty()
        && let Some((col, name)) = unknown.iter().find(|(_, n)| {
            matches!(
                n.to_ascii_lowercase().as_str(),
                "item" | "item_id" | "items" | "criterion" | "question"
            )
        })
    {
        return Err(err(
            line,
            Some(col + 1),
            SheetErrorKind::LongLayout(name.clone()),
        ));
    }
    if let Some((col, name)) = unknown.into_iter().next() {
        let suggestion = misspelt_item(rubric, &name);
        return Err(err(
            line,
            Some(col + 1),
            SheetErrorKind::UnknownColumn { name, suggestion },
        ));
    }
    if item_cols.is_empty() {
        return Err(err(line, None, SheetErrorKind::NoItemColumns));
    }
    Ok(SheetColumns {
        call: call_col,
        reviewer: reviewer_col,
        items: item_cols,
        sampled: sampled_cols,
    })
}

/// One reviewer's verdicts on one call; `first` holds the line of every (call, reviewer)
/// seen, so that a repeated row is refused.
fn sheet_row(
    record: &csv::StringRecord,
    line: u64,
    cols: &SheetColumns,
    first: &mut HashMap<(String, String), u64>,
    rubric: &Rubric,
    err: &dyn Fn(u64, Option<usize>, SheetErrorKind) -> SheetError,
) -> Result<SheetRow, SheetError> {
    let (call_col, reviewer_col, item_cols) = (cols.call, cols.reviewer, &cols.items);
    // Composed, as the calls' ids are (`model::nfc`).
    let call_id =
        crate::model::nfc(unneutralise(record.get(call_col).unwrap_or("").trim())).into_owned();
    if call_id.is_empty() {
        return Err(err(line, Some(call_col + 1), SheetErrorKind::EmptyCallId));
    }
    let reviewer = reviewer_col
        .and_then(|c| record.get(c))
        .unwrap_or("")
        .trim()
        .to_string();
    if let Some(&first_line) = first.get(&(call_id.clone(), reviewer.clone())) {
        return Err(err(
            line,
            None,
            SheetErrorKind::RepeatedRow {
                call_id,
                reviewer,
                first_line,
            },
        ));
    }
    first.insert((call_id.clone(), reviewer.clone()), line);
    let mut verdicts = Vec::new();
    for &(col, item) in item_cols {
        let cell = record.get(col).unwrap_or("");
        match parse_verdict(cell) {
            Ok(Some(v)) => verdicts.push((item, v)),
            Ok(None) => {}
            Err(NotAVerdict) => {
                return Err(err(
                    line,
                    Some(col + 1),
                    SheetErrorKind::NotAVerdict {
                        item: rubric.items[item].id.clone(),
                        value: cell.to_string(),
                    },
                ));
            }
        }
    }
    // A `tool:` cell that is no verdict is carried, as before.
    let sampled = cols
        .sampled
        .iter()
        .filter_map(|&(col, item)| {
            parse_verdict(record.get(col).unwrap_or(""))
                .ok()
                .flatten()
                .map(|v| (item, v))
        })
        .collect();
    Ok(SheetRow {
        line,
        call_id,
        reviewer,
        verdicts,
        sampled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> Result<ReviewSheet, SheetError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(&p, text).unwrap();
        read(&p, &Rubric::default_rubric(), None)
    }

    #[test]
    fn verdict_spellings() {
        for yes in ["1", "yes", "Y", "TRUE", " true "] {
            assert_eq!(parse_verdict(yes), Ok(Some(true)), "{yes}");
        }
        for no in ["0", "No", "n", "false"] {
            assert_eq!(parse_verdict(no), Ok(Some(false)), "{no}");
        }
        for none in ["", "  ", "n/a", "N/A", "na", "-"] {
            assert_eq!(parse_verdict(none), Ok(None), "{none:?}");
        }
        assert_eq!(parse_verdict("maybe"), Err(NotAVerdict));
        assert_eq!(parse_verdict("2"), Err(NotAVerdict));
    }

    #[test]
    fn reads_verdicts_and_skips_unjudged_cells() {
        let s = sheet("call_id,agent,empathy,apology,tool:empathy\nc1,ann,1,,0\nc2,bob,no,yes,1\n")
            .unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].verdicts.len(), 1);
        assert_eq!(s.rows[0].line, 2);
        assert_eq!(s.judged(), 3);
        let guarded = sheet("call_id,empathy\n'-17,1\n").unwrap();
        assert_eq!(guarded.rows[0].call_id, "-17");
    }

    #[test]
    fn rows_keep_the_line_they_start_on() {
        let s = sheet("call_id,notes,empathy\r\nc1,,1\r\n\r\nc2,\"two\r\nlines\",0\r\nc3,,1\r\n")
            .unwrap();
        let lines: Vec<u64> = s.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
    }

    #[test]
    fn unknown_columns_name_the_column_and_suggest() {
        let e = sheet("call_id,empthy\nc1,1\n").unwrap_err();
        assert_eq!(e.column, Some(2));
        assert!(matches!(
            &e.kind,
            SheetErrorKind::UnknownColumn { suggestion: Some(s), .. } if s == "empathy"
        ));
    }

    #[test]
    fn semicolon_and_tab_sheets_and_headers_in_any_case() {
        for text in [
            "call_id;apology;thanks\r\nc1;1;0\r\n",
            "call_id\tapology\tthanks\nc1\t1\t0\n",
            "\u{feff}Call_ID,Apology,THANKS,Tool:Thanks,Notes\nc1,1,0,1,x\n",
        ] {
            let s = sheet(text).unwrap();
            assert_eq!(s.rows[0].call_id, "c1", "{text:?}");
            assert_eq!(s.rows[0].verdicts.len(), 2, "{text:?}");
        }
        let e = sheet("call_id,thanks,THANKS\nc1,1,0\n").unwrap_err();
        assert_eq!(e.column, Some(3));
        assert!(
            e.to_string()
                .contains("columns `thanks` (column 2) and `THANKS` differ only by case"),
            "{e}"
        );
        // Item columns (and near-misses of one) are not offered as the call id.
        let e = sheet("Call,Apology,thnaks\nc1,1,0\n").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("is `Call` the call id? Name it `call_id`"),
            "{e}"
        );
        // A sheet read with a delimiter it does not use says so.
        let p = tempfile::tempdir().unwrap();
        let path = p.path().join("s.csv");
        std::fs::write(&path, "call_id;apology\nc1;1\n").unwrap();
        let e = read(&path, &Rubric::default_rubric(), Some(b',')).unwrap_err();
        assert!(
            e.to_string()
                .contains("read with the delimiter `,` and has a column `call_id;apology`"),
            "{e}"
        );
    }

    #[test]
    fn the_verdict_error_lists_every_accepted_form() {
        let forms = verdict_forms();
        for (name, _) in VERDICTS {
            assert!(forms.contains(name), "{name}: {forms}");
        }
        assert_eq!(
            forms,
            "1, yes, y, true or t for yes; 0, no, n, false or f for no; \
             blank, n/a, na, - or not judged for not judged (any case)"
        );
    }

    #[test]
    fn bad_cells_name_row_and_column() {
        let e = sheet("call_id,empathy,apology\nc1,1,0\nc2,1,maybe\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, Some(3)));
        assert!(
            e.to_string().contains(":3:3: `maybe` in column `apology`"),
            "{e}"
        );
    }

    #[test]
    fn repeated_rows_and_missing_call_id_column_are_errors() {
        let e = sheet("call_id,empathy\nc1,1\nc1,0\n").unwrap_err();
        assert!(matches!(
            e.kind,
            SheetErrorKind::RepeatedRow { first_line: 2, .. }
        ));
        let ok = sheet("call_id,reviewer,empathy\nc1,ann,1\nc1,bob,0\n").unwrap();
        assert!(ok.has_reviewer);
        let e = sheet("id,empathy\nc1,1\n").unwrap_err();
        assert_eq!(
            e.kind,
            SheetErrorKind::NoCallIdColumn {
                others: vec!["id".into()],
                delimiter: b','
            }
        );
    }
}
