//! Reports. The numbers are computed once into a `Report`; each output format is one file
//! behind the `Renderer` trait and only lays those numbers out, so every format agrees.

pub mod baseline;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use crate::accounting::Accounting;
use crate::aggregate::{Aggregate, Totals};
use crate::gates::GateVerdict;
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
    Markdown,
    Html,
}

impl Format {
    /// The format's renderer. `color` and `width` (the terminal's columns, when the report goes
    /// to a terminal) only matter to the table.
    pub fn renderer(self, color: bool, width: Option<u16>) -> Box<dyn Renderer> {
        match self {
            Format::Table => Box::new(table::TableRenderer { color, width }),
            Format::Csv => Box::new(csv::CsvRenderer),
            Format::Json => Box::new(json::JsonRenderer),
            Format::Markdown => Box::new(markdown::MarkdownRenderer),
            Format::Html => Box::new(html::HtmlRenderer),
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
    /// Change since the baseline's line of the same key (`--baseline`); `None` without a
    /// baseline or when the baseline has no such line.
    pub delta: Option<RowDelta>,
}

/// A line's change since the baseline: this run's rounded number minus the baseline's, rounded
/// to 0.1, so the change is exactly the difference of the two printed numbers. `None` where
/// either side has no number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowDelta {
    pub calls: i64,
    pub mean_score: Option<f64>,
    pub pass_rate: Option<f64>,
    /// Per rubric item (rubric order): the change of its rate.
    pub items: Vec<Option<f64>>,
    pub violations_per_100: Option<f64>,
    pub calmed_rate: Option<f64>,
}

/// The earlier run a report is compared with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaselineInfo {
    /// The file as named on the command line.
    pub file: String,
    pub version: String,
    pub group_by: String,
    pub calls: u64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
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
    /// `--baseline`: what the deltas are relative to.
    pub baseline: Option<BaselineInfo>,
    /// The gates' verdicts (`--fail-under`, `--fail-agent-under`, `--fail-on`).
    pub gates: Vec<GateVerdict>,
    /// `--overrides`: reviewers' verdicts that replaced the tool's.
    pub overrides: Option<OverrideInfo>,
}

/// What `audit --overrides` changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OverrideInfo {
    /// The review sheet, as named on the command line.
    pub file: String,
    /// Audited calls with at least one overridden verdict.
    pub calls: u64,
    /// Verdicts replaced by a reviewer's.
    pub verdicts: u64,
    /// Of those, the ones where the reviewer disagreed with the tool.
    pub changed: u64,
    /// Every overridden verdict, in the order calls were audited.
    pub list: Vec<OverrideEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideEntry {
    pub call_id: String,
    pub item: String,
    pub tool: bool,
    pub reviewer: bool,
}

impl OverrideInfo {
    /// One line for report footers and the run summary.
    pub fn summary(&self) -> String {
        format!(
            "{} verdict(s) on {} call(s) overridden by reviewers from {} ({} changed the tool's answer)",
            self.verdicts, self.calls, self.file, self.changed
        )
    }
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
            delta: None,
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
            baseline: None,
            gates: Vec::new(),
            overrides: None,
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

/// A change as people read it: `▲1.2`, `▼0.4`, `=` for no change, empty when unknown.
pub fn delta_arrow(d: Option<f64>) -> String {
    match d {
        None => String::new(),
        Some(v) if v > 0.0 => format!("▲{v:.1}"),
        Some(v) if v < 0.0 => format!("▼{:.1}", -v),
        Some(_) => "=".into(),
    }
}

/// A change as a number for files: `1.2`, `-0.4`, `0.0`, empty when unknown.
pub fn delta_number(d: Option<f64>) -> String {
    // `+ 0.0` turns a negative zero into zero.
    d.map_or_else(String::new, |v| format!("{:.1}", v + 0.0))
}

/// What a report column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The group's key (agent, team, date, week, queue).
    Key,
    Calls,
    UpsetCalls,
    MeanScore,
    PassRate,
    /// The rate of the rubric item at this index.
    ItemRate(usize),
    ViolationsPer100,
    CalmedRate,
}

impl Metric {
    /// The column's number in a row (`None` for the key or a missing number).
    pub fn value(self, row: &Row) -> Option<f64> {
        match self {
            Metric::Key => None,
            Metric::Calls => Some(row.calls as f64),
            Metric::UpsetCalls => Some(row.upset_calls as f64),
            Metric::MeanScore => row.mean_score,
            Metric::PassRate => row.pass_rate,
            Metric::ItemRate(i) => row.items.get(i).and_then(|r| r.rate),
            Metric::ViolationsPer100 => row.violations_per_100,
            Metric::CalmedRate => row.calmed_rate,
        }
    }

    /// The column's cell text; `none` for a missing number.
    pub fn cell(self, row: &Row, none: &str) -> String {
        match self {
            Metric::Key => row.key.clone(),
            Metric::Calls => row.calls.to_string(),
            Metric::UpsetCalls => row.upset_calls.to_string(),
            m => fmt1(m.value(row), none),
        }
    }

    /// Whether the column gets a change against the baseline.
    pub fn has_delta(self) -> bool {
        !matches!(self, Metric::Key | Metric::Calls | Metric::UpsetCalls)
    }

    /// The column's change since the baseline.
    pub fn delta(self, d: &RowDelta) -> Option<f64> {
        match self {
            Metric::MeanScore => d.mean_score,
            Metric::PassRate => d.pass_rate,
            Metric::ItemRate(i) => d.items.get(i).copied().flatten(),
            Metric::ViolationsPer100 => d.violations_per_100,
            Metric::CalmedRate => d.calmed_rate,
            Metric::Key | Metric::Calls | Metric::UpsetCalls => None,
        }
    }

    /// Whether a rise is bad news (violations).
    pub fn lower_is_better(self) -> bool {
        self == Metric::ViolationsPer100
    }
}

/// One column of the table, CSV, Markdown and HTML reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Machine name: the CSV header.
    pub name: String,
    /// Human title: the table, Markdown and HTML header.
    pub title: String,
    pub metric: Metric,
}

/// The columns every tabular format shares: group, counts, scores, one column per expected
/// item, violations and calmed rate.
pub fn columns(report: &Report) -> Vec<Column> {
    let col = |name: &str, title: &str, metric| Column {
        name: name.into(),
        title: title.into(),
        metric,
    };
    let mut cols = vec![
        col(report.group_by, &capitalise(report.group_by), Metric::Key),
        col("calls", "Calls", Metric::Calls),
        col("upset_calls", "Upset", Metric::UpsetCalls),
        col("mean_score", "Score", Metric::MeanScore),
        col("pass_rate", "Pass %", Metric::PassRate),
    ];
    cols.extend(report.expected_items().map(|(i, item)| Column {
        name: item.id.clone(),
        title: item_title(item),
        metric: Metric::ItemRate(i),
    }));
    cols.push(col(
        "violations_per_100_calls",
        "Viol/100",
        Metric::ViolationsPer100,
    ));
    cols.push(col("calmed_rate", "Calmed %", Metric::CalmedRate));
    cols
}

/// Longest label an item column is headed with; a longer one gives way to the item's id.
const LABEL_ROOM: usize = 28;

/// An item column's heading for people: the rubric's label ("Empatía %", "¿Algo más? %")
/// where it is short enough to head a column, else the id with spaces. Spaces let a narrow
/// terminal wrap the heading between words. Machine formats (CSV, JSON) keep the id.
pub fn item_title(item: &ItemInfo) -> String {
    let label = terminal_safe(item.label.trim());
    if !label.is_empty() && label.chars().count() <= LABEL_ROOM {
        format!("{label} %")
    } else {
        format!("{} %", item.id.replace('_', " "))
    }
}

/// The lines of a report in order: the groups, then the overall line.
pub fn all_rows(report: &Report) -> impl Iterator<Item = &Row> {
    report.rows.iter().chain(std::iter::once(&report.overall))
}

/// A cell as people read it: the number, and with a baseline its change (`90.7 ▲1.2`), or
/// `new` on the score of a line the baseline lacks.
pub fn human_cell(report: &Report, row: &Row, metric: Metric, none: &str) -> String {
    let value = metric.cell(row, none);
    if report.baseline.is_none() || !metric.has_delta() {
        return value;
    }
    match &row.delta {
        Some(d) => match delta_arrow(metric.delta(d)) {
            a if a.is_empty() => value,
            a => format!("{value} {a}"),
        },
        None if metric == Metric::MeanScore => format!("{value} new"),
        None => value,
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A one-line description of the run for report headers: calls, rows, files, dates.
pub fn run_summary(report: &Report) -> String {
    let a = &report.accounting;
    let dates = match (&report.run.first_date, &report.run.last_date) {
        (Some(f), Some(l)) if f == l => format!(", dated {f}"),
        (Some(f), Some(l)) => format!(", dated {f} to {l}"),
        _ => String::new(),
    };
    format!(
        "{} calls audited ({} rows) from {} file(s){dates}; {} rows skipped",
        a.calls_audited,
        a.rows_audited,
        a.files_read,
        a.rows_skipped_total()
    )
}

/// Neutralises a CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, CR at the start): transcript text is written by customers.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV cell from transcript data: control and escape sequences removed first (so none can
/// hide a leading `=`), then neutralised.
pub fn csv_cell(s: &str) -> String {
    neutralise(&terminal_safe(s)).into_owned()
}

/// Like `terminal_safe`, but keeps line breaks (for multi-line messages).
pub fn terminal_safe_lines(s: &str) -> String {
    s.lines()
        .map(|l| terminal_safe(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bidirectional-text controls: embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the marks (U+200E, U+200F, U+061C). An override in a call id or a
/// turn reverses what follows it on screen, so `evil.exe\u{202E}txt.csv` reads as another
/// name and one agent's line can pass for another's.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that `terminal_safe` drops or replaces: control characters other than tab,
/// and bidirectional-text controls.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// Text from transcripts made safe for a terminal: escape sequences (CSI, OSC), other control
/// characters and bidirectional-text controls are removed, so a transcript cannot recolour,
/// retitle or clear the screen of whoever reads the report, nor reorder what it shows.
/// Newlines become spaces, tabs stay.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
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
            c if unsafe_char(c) => {}
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
    fn terminal_safe_drops_bidi_controls() {
        assert_eq!(terminal_safe("ann\u{202E}lanigiro"), "annlanigiro");
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(terminal_safe(&format!("a{c}b")), "ab", "U+{:04X}", c as u32);
        }
        // Letters of right-to-left scripts are text, not controls.
        assert_eq!(terminal_safe("שלום مرحبا"), "שלום مرحبا");
        assert_eq!(csv_cell("\u{202E}=1+1"), "'=1+1");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("ann"), "ann");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("+1"), "'+1");
    }

    #[test]
    fn csv_cells_lose_escapes_before_the_formula_check() {
        assert_eq!(csv_cell("\x1b[0m=1+1"), "'=1+1");
        assert_eq!(csv_cell("\u{7}@cmd"), "'@cmd");
        assert_eq!(csv_cell("fine"), "fine");
    }

    #[test]
    fn deltas_read_both_ways() {
        assert_eq!(delta_arrow(Some(1.25)), "▲1.2");
        assert_eq!(delta_arrow(Some(-0.4)), "▼0.4");
        assert_eq!(delta_arrow(Some(0.0)), "=");
        assert_eq!(delta_arrow(None), "");
        assert_eq!(delta_number(Some(-0.0)), "0.0");
        assert_eq!(delta_number(Some(-2.5)), "-2.5");
    }
}
