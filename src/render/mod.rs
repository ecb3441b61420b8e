//! Reports. The numbers are computed once into a `Report`; each output format is one file
//! behind the `Renderer` trait and only lays those numbers out, so every format agrees.

pub mod csv;
pub mod json;
pub mod table;

use crate::accounting::Accounting;
use crate::aggregate::{Aggregate, Totals};
use crate::rubric::{Kind, Rubric};
use std::io::{self, Write};

/// One report format.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

impl Format {
    pub fn renderer(self, color: bool) -> Box<dyn Renderer> {
        match self {
            Format::Table => Box::new(table::TableRenderer { color }),
            Format::Csv => Box::new(csv::CsvRenderer),
            Format::Json => Box::new(json::JsonRenderer),
        }
    }
}

/// An item as the report describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemInfo {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    pub weight: f64,
    pub penalty: f64,
    pub auto_fail: bool,
    pub speaker: &'static str,
}

/// An item's numbers in one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemRate {
    pub applicable: u64,
    pub occurred: u64,
    pub matches: u64,
    /// Percent of applicable calls where it occurred, rounded to 0.1.
    pub rate: Option<f64>,
}

/// One line of the report: a group, or the overall line.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: String,
    pub calls: u64,
    pub upset_calls: u64,
    /// Rounded to 0.1.
    pub mean_score: Option<f64>,
    /// Percent of calls passed, rounded to 0.1.
    pub pass_rate: Option<f64>,
    /// Per rubric item, in rubric order.
    pub items: Vec<ItemRate>,
    /// Violation matches per 100 calls, rounded to 0.1.
    pub violations_per_100: Option<f64>,
    /// Percent of upset calls where the customer calmed, rounded to 0.1.
    pub calmed_rate: Option<f64>,
}

/// What the run was over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    pub inputs: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub tool_version: &'static str,
    pub rubric_name: String,
    pub pass_mark: f64,
    pub items: Vec<ItemInfo>,
    pub group_by: &'static str,
    pub rows: Vec<Row>,
    pub overall: Row,
    pub accounting: Accounting,
    pub run: RunInfo,
}

pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round1(100.0 * part as f64 / whole as f64))
}

impl Row {
    pub fn from_totals(key: String, t: &Totals) -> Row {
        Row {
            key,
            calls: t.calls,
            upset_calls: t.upset_calls,
            mean_score: t.mean_score().map(round1),
            pass_rate: percent(t.passed, t.calls),
            items: t
                .items
                .iter()
                .map(|i| ItemRate {
                    applicable: i.applicable,
                    occurred: i.occurred,
                    matches: i.matches,
                    rate: percent(i.occurred, i.applicable),
                })
                .collect(),
            violations_per_100: (t.calls > 0)
                .then(|| round1(100.0 * t.violations as f64 / t.calls as f64)),
            calmed_rate: percent(t.calmed, t.calmed_known),
        }
    }
}

impl Report {
    pub fn build(
        rubric: &Rubric,
        agg: &Aggregate,
        accounting: Accounting,
        inputs: Vec<String>,
    ) -> Report {
        Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            rubric_name: rubric.name.clone(),
            pass_mark: rubric.pass_mark,
            items: rubric
                .items
                .iter()
                .map(|i| ItemInfo {
                    id: i.id.clone(),
                    label: i.label.clone(),
                    kind: i.kind,
                    weight: i.weight,
                    penalty: i.penalty,
                    auto_fail: i.auto_fail,
                    speaker: i.speaker.as_str(),
                })
                .collect(),
            group_by: agg.group_by.name(),
            rows: agg
                .groups
                .iter()
                .map(|(k, t)| Row::from_totals(k.clone(), t))
                .collect(),
            overall: Row::from_totals(ALL.to_string(), &agg.overall),
            accounting,
            run: RunInfo {
                inputs,
                first_date: agg.first_date.map(|d| d.to_string()),
                last_date: agg.last_date.map(|d| d.to_string()),
            },
        }
    }

    /// Indices of the expected items: the per-item columns of the table and CSV.
    pub fn expected_items(&self) -> impl Iterator<Item = (usize, &ItemInfo)> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == Kind::Expected)
    }
}

/// Key of the overall row.
pub const ALL: &str = "(all)";

/// Formats an optional number with one decimal, `none` when absent.
pub fn fmt1(x: Option<f64>, none: &str) -> String {
    x.map_or_else(|| none.to_string(), |v| format!("{v:.1}"))
}

/// The header cells shared by the table and CSV: group, counts, scores, one column per
/// expected item, violations and calmed rate.
pub fn column_names(report: &Report) -> Vec<String> {
    let mut cols = vec![
        report.group_by.to_string(),
        "calls".into(),
        "upset_calls".into(),
        "mean_score".into(),
        "pass_rate".into(),
    ];
    cols.extend(report.expected_items().map(|(_, i)| i.id.clone()));
    cols.push("violations_per_100_calls".into());
    cols.push("calmed_rate".into());
    cols
}

/// The cells of one row, in `column_names` order; `none` for a missing number.
pub fn row_cells(report: &Report, row: &Row, none: &str) -> Vec<String> {
    let mut cells = vec![
        row.key.clone(),
        row.calls.to_string(),
        row.upset_calls.to_string(),
        fmt1(row.mean_score, none),
        fmt1(row.pass_rate, none),
    ];
    cells.extend(
        report
            .expected_items()
            .map(|(i, _)| fmt1(row.items[i].rate, none)),
    );
    cells.push(fmt1(row.violations_per_100, none));
    cells.push(fmt1(row.calmed_rate, none));
    cells
}

/// Neutralises a CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, CR at the start): transcript text is written by customers.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Text from transcripts made safe for a terminal: escape sequences (CSI, OSC) and other
/// control characters are removed, so a transcript cannot recolour, retitle or clear the
/// screen of whoever reads the report. Newlines become spaces, tabs stay.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(c),
            '\n' | '\r' => out.push(' '),
            '\u{1b}' => match chars.peek() {
                // CSI: parameters and intermediates, up to a final byte @..~
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC, DCS, PM, APC: up to BEL or ESC \
                Some(']' | 'P' | '^' | '_') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_strips_escapes_and_controls() {
        assert_eq!(terminal_safe("plain"), "plain");
        assert_eq!(terminal_safe("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(terminal_safe("t\x1b]0;pwned\x07itle"), "title");
        assert_eq!(terminal_safe("x\x1b]8;;http://e\x1b\\y"), "xy");
        assert_eq!(terminal_safe("bell\x07\x08 line\nnext"), "bell line next");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("ann"), "ann");
    }
}
