//! Reports. The numbers are computed once into a `Report`; each output format is one file
//! behind the `Renderer` trait and only lays those numbers out, so every format agrees.
//!
//! A report's lines form a tree when it is grouped by several levels (`--group-by team,agent`):
//! each team's subtotal line comes before its agents' lines. `arrange` orders, hides and cuts
//! them; the table and HTML show the tree, CSV and JSON the leaf lines with one column per level.

pub mod arrange;
pub mod baseline;
pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use crate::accounting::Accounting;
use crate::aggregate::{Aggregate, CallInfo, GroupBy, SCORE_BINS, Totals};
use crate::gates::GateVerdict;
use crate::rubric::{Kind, Rubric};
use std::collections::BTreeMap;
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
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ItemRate {
    pub applicable: u64,
    pub occurred: u64,
    pub matches: u64,
    /// Percent of applicable calls where it occurred, rounded to 0.1.
    pub rate: Option<f64>,
}

/// One line of the report: a group, a subtotal of nested groups, or the overall line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The line's own value at its level (an agent id, a team, a call id); `(all)` overall.
    pub key: String,
    /// The line's path: one value per level down to its own (empty for the overall line).
    pub levels: Vec<String>,
    /// A line of the deepest level (not a subtotal): the lines of CSV and JSON.
    pub leaf: bool,
    pub calls: u64,
    pub upset_calls: u64,
    pub passed: u64,
    /// Rounded to 0.1.
    pub mean_score: Option<f64>,
    /// Percent of calls passed, rounded to 0.1.
    pub pass_rate: Option<f64>,
    /// The 95% Wilson interval of the pass rate, percent, rounded to 0.1.
    pub pass_ci: Option<(f64, f64)>,
    /// Per rubric item, in rubric order.
    pub items: Vec<ItemRate>,
    /// Calls with at least one violation, and their percent of calls (rounded to 0.1).
    pub violation_calls: u64,
    pub violation_rate: Option<f64>,
    /// Violation matches, and per 100 calls (rounded to 0.1): in JSON, for the record.
    pub violations: u64,
    pub violations_per_100: Option<f64>,
    /// Percent of upset calls where the customer calmed, rounded to 0.1.
    pub calmed_rate: Option<f64>,
    /// The call, when this line is one call (`--group-by call`).
    pub call: Option<CallInfo>,
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
    pub violation_rate: Option<f64>,
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

/// One day's (or week's) exact counts, for trends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrendPoint {
    /// `2026-11-16`, or `2026-W47` once bucketed by week.
    pub period: String,
    pub calls: u64,
    pub passed: u64,
    pub score_centi: u64,
    pub violation_calls: u64,
}

impl TrendPoint {
    fn from_totals(period: String, t: &Totals) -> TrendPoint {
        TrendPoint {
            period,
            calls: t.calls,
            passed: t.passed,
            score_centi: t.score_centi,
            violation_calls: t.violation_calls,
        }
    }

    pub fn mean_score(&self) -> Option<f64> {
        (self.calls > 0).then(|| round1(self.score_centi as f64 / 100.0 / self.calls as f64))
    }

    pub fn pass_rate(&self) -> Option<f64> {
        percent(self.passed, self.calls)
    }

    pub fn violation_rate(&self) -> Option<f64> {
        percent(self.violation_calls, self.calls)
    }
}

/// Merges daily points into ISO weeks (`2026-W47`); points already named by week pass through.
pub fn by_week(days: &[TrendPoint]) -> Vec<TrendPoint> {
    let mut weeks: BTreeMap<String, TrendPoint> = BTreeMap::new();
    for d in days {
        let week = crate::read::dates::parse_date(&d.period)
            .map_or_else(|| d.period.clone(), crate::aggregate::week_of);
        let w = weeks.entry(week.clone()).or_insert_with(|| TrendPoint {
            period: week,
            ..TrendPoint::default()
        });
        w.calls += d.calls;
        w.passed += d.passed;
        w.score_centi += d.score_centi;
        w.violation_calls += d.violation_calls;
    }
    weeks.into_values().collect()
}

/// A call of the HTML report's call list, with its verdicts and evidence as `explain` shows
/// them (already HTML).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallView {
    pub call_id: String,
    pub agent_id: String,
    pub date: Option<String>,
    pub score_centi: u32,
    pub passed: bool,
    pub upset: Option<bool>,
    pub calmed: Option<bool>,
    /// Ids of expected items missed, and of violations that occurred.
    pub missed: Vec<String>,
    pub violated: Vec<String>,
    /// `explain`'s transcript, verdicts and score arithmetic, as HTML.
    pub explain_html: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub tool_version: &'static str,
    pub rubric_name: String,
    pub pass_mark: f64,
    pub items: Vec<ItemInfo>,
    /// The levels of a line, outermost first: `["team", "agent"]`.
    pub levels: Vec<&'static str>,
    /// The levels joined as `--group-by` takes them: `team,agent`.
    pub group_by: String,
    /// The lines, in display order: a subtotal line before the lines nested in it.
    pub rows: Vec<Row>,
    pub overall: Row,
    /// Per day with dated calls, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Calls per 10-point score bin.
    pub score_bins: [u64; SCORE_BINS],
    /// `--min-calls`, and the lines it hid.
    pub min_calls: u64,
    pub hidden: u64,
    pub accounting: Accounting,
    pub run: RunInfo,
    /// `--baseline`: what the deltas are relative to, and its trend.
    pub baseline: Option<BaselineInfo>,
    pub baseline_trend: Vec<TrendPoint>,
    /// The gates' verdicts (`--fail-under`, `--fail-agent-under`, `--fail-on`).
    pub gates: Vec<GateVerdict>,
    /// `--overrides`: reviewers' verdicts that replaced the tool's.
    pub overrides: Option<OverrideInfo>,
    /// The weakest calls with their verdicts (the HTML report's call list), weakest first, and
    /// how many calls there were to choose from.
    pub call_list: Vec<CallView>,
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

/// The 95% Wilson score interval of `successes` in `n` trials, as percentages rounded to 0.1;
/// `None` when `n` is 0. Unlike the plain ± interval it stays within 0–100 and is honest for
/// small `n` and for rates near 0 or 100.
pub fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z * ((p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt()) / denom;
    let low = (centre - half).max(0.0);
    let high = (centre + half).min(1.0);
    Some((round1(100.0 * low) + 0.0, round1(100.0 * high)))
}

impl Row {
    pub fn from_totals(key: String, t: &Totals) -> Row {
        Row {
            key,
            levels: Vec::new(),
            leaf: false,
            calls: t.calls,
            upset_calls: t.upset_calls,
            passed: t.passed,
            mean_score: t.mean_score().map(round1),
            pass_rate: percent(t.passed, t.calls),
            pass_ci: wilson(t.passed, t.calls),
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
            violation_calls: t.violation_calls,
            violation_rate: percent(t.violation_calls, t.calls),
            violations: t.violations,
            violations_per_100: (t.calls > 0)
                .then(|| round1(100.0 * t.violations as f64 / t.calls as f64)),
            calmed_rate: percent(t.calmed, t.calmed_known),
            call: None,
            delta: None,
        }
    }

    /// How deep the line is nested: 0 for the outermost level.
    pub fn depth(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// Whether this line is one call.
    pub fn is_call(&self) -> bool {
        self.call.is_some()
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
            levels: agg.levels.iter().map(|g| g.name()).collect(),
            group_by: agg.group_by_name(),
            rows: tree_rows(agg),
            overall: Row::from_totals(ALL.to_string(), &agg.overall),
            trend: agg
                .by_date
                .iter()
                .map(|(d, t)| TrendPoint::from_totals(d.to_string(), t))
                .collect(),
            score_bins: agg.score_bins,
            min_calls: 1,
            hidden: 0,
            accounting,
            run: RunInfo {
                inputs,
                first_date: agg.first_date.map(|d| d.to_string()),
                last_date: agg.last_date.map(|d| d.to_string()),
            },
            baseline: None,
            baseline_trend: Vec::new(),
            gates: Vec::new(),
            overrides: None,
            call_list: Vec::new(),
        }
    }

    /// Indices of the expected items: the first per-item columns.
    pub fn expected_items(&self) -> impl Iterator<Item = (usize, &ItemInfo)> {
        self.items_of(Kind::Expected)
    }

    /// Indices of the violation items: a column each after "any violation".
    pub fn violation_items(&self) -> impl Iterator<Item = (usize, &ItemInfo)> {
        self.items_of(Kind::Violation)
    }

    fn items_of(&self, kind: Kind) -> impl Iterator<Item = (usize, &ItemInfo)> {
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, i)| i.kind == kind)
    }

    /// Whether the report has a level of one line per call.
    pub fn has_call_level(&self) -> bool {
        self.levels.last() == Some(&GroupBy::Call.name())
    }

    /// The leaf lines (CSV and JSON lines), in display order.
    pub fn leaf_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.leaf)
    }

    /// The levels' header: `Team / Agent`.
    pub fn key_title(&self) -> String {
        self.levels
            .iter()
            .map(|l| capitalise(l))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// The leaf lines of an aggregate with, for nested levels, a subtotal line for every path
/// prefix before the lines under it (merged from the leaves' exact counts).
fn tree_rows(agg: &Aggregate) -> Vec<Row> {
    let depth = agg.levels.len();
    let mut subtotals: BTreeMap<Vec<String>, Totals> = BTreeMap::new();
    if depth > 1 {
        for (path, t) in &agg.groups {
            for len in 1..depth {
                subtotals.entry(path[..len].to_vec()).or_default().merge(t);
            }
        }
    }
    let mut all: BTreeMap<&[String], Row> = BTreeMap::new();
    for (path, t) in &subtotals {
        let mut row = Row::from_totals(path.last().cloned().unwrap_or_default(), t);
        row.levels = path.clone();
        all.insert(path, row);
    }
    for (path, t) in &agg.groups {
        let mut row = Row::from_totals(path.last().cloned().unwrap_or_default(), t);
        row.levels = path.clone();
        row.leaf = true;
        if agg.levels.last() == Some(&GroupBy::Call) {
            row.call = path.last().and_then(|id| agg.calls.get(id)).cloned();
            // An interval over one call says nothing.
            row.pass_ci = None;
        }
        all.insert(path, row);
    }
    // A path sorts after its prefix: each subtotal comes before the lines under it.
    all.into_values().collect()
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
    /// The line's key (agent, team, date, week, queue, call; nested levels in one column).
    Key,
    Calls,
    UpsetCalls,
    MeanScore,
    PassRate,
    /// The rate of the rubric item at this index (expected items and violations).
    ItemRate(usize),
    /// Percent of calls with at least one violation.
    ViolationRate,
    CalmedRate,
    /// A call line's agent and date (`--group-by call`); empty on other lines.
    CallAgent,
    CallDate,
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
            Metric::ViolationRate => row.violation_rate,
            Metric::CalmedRate => row.calmed_rate,
            Metric::CallAgent | Metric::CallDate => None,
        }
    }

    /// Whether the column holds text rather than a number.
    pub fn is_text(self) -> bool {
        matches!(self, Metric::Key | Metric::CallAgent | Metric::CallDate)
    }

    /// The column's cell text; `none` for a missing number.
    pub fn cell(self, row: &Row, none: &str) -> String {
        match self {
            Metric::Key => row.key.clone(),
            Metric::Calls => row.calls.to_string(),
            Metric::UpsetCalls => row.upset_calls.to_string(),
            Metric::CallAgent => row
                .call
                .as_ref()
                .map_or_else(String::new, |c| c.agent_id.clone()),
            Metric::CallDate => row
                .call
                .as_ref()
                .and_then(|c| c.date)
                .map_or_else(String::new, |d| d.to_string()),
            m => fmt1(m.value(row), none),
        }
    }

    /// Whether the column gets a change against the baseline.
    pub fn has_delta(self) -> bool {
        !matches!(
            self,
            Metric::Key | Metric::Calls | Metric::UpsetCalls | Metric::CallAgent | Metric::CallDate
        )
    }

    /// The column's change since the baseline.
    pub fn delta(self, d: &RowDelta) -> Option<f64> {
        match self {
            Metric::MeanScore => d.mean_score,
            Metric::PassRate => d.pass_rate,
            Metric::ItemRate(i) => d.items.get(i).copied().flatten(),
            Metric::ViolationRate => d.violation_rate,
            Metric::CalmedRate => d.calmed_rate,
            _ => None,
        }
    }

    /// Whether a rise is bad news (violations).
    pub fn lower_is_better(self, report: &Report) -> bool {
        match self {
            Metric::ViolationRate => true,
            Metric::ItemRate(i) => report
                .items
                .get(i)
                .is_some_and(|i| i.kind == Kind::Violation),
            _ => false,
        }
    }
}

/// One column of the table, CSV, Markdown and HTML reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Machine name: the CSV header.
    pub name: String,
    /// Human title: the rubric's label for items (table, Markdown and HTML headers).
    pub title: String,
    /// A shorter title from the id, for a terminal too narrow for the labels.
    pub short: String,
    pub metric: Metric,
}

/// The columns every tabular format shares: the line, its calls beside its score, the pass
/// rate, one column per expected item, calls with any violation and one column per violation,
/// then upset calls and the calmed rate.
pub fn columns(report: &Report) -> Vec<Column> {
    let col = |name: &str, title: &str, metric| Column {
        name: name.into(),
        title: title.into(),
        short: title.into(),
        metric,
    };
    let item_col = |i: usize, item: &ItemInfo| Column {
        name: item.id.clone(),
        title: item_title(item),
        // Spaces let a narrow terminal wrap the heading between words.
        short: format!("{} %", item.id.replace('_', " ")),
        metric: Metric::ItemRate(i),
    };
    let mut cols = vec![col(&report.group_by, &report.key_title(), Metric::Key)];
    if report.has_call_level() {
        for (level, metric) in [("agent", Metric::CallAgent), ("date", Metric::CallDate)] {
            if !report.levels.contains(&level) {
                cols.push(col(level, &capitalise(level), metric));
            }
        }
    }
    cols.extend([
        col("calls", "Calls", Metric::Calls),
        col("mean_score", "Score", Metric::MeanScore),
        col("pass_rate", "Pass %", Metric::PassRate),
    ]);
    cols.extend(report.expected_items().map(|(i, item)| item_col(i, item)));
    cols.push(col(
        "any_violation_rate",
        "Any violation %",
        Metric::ViolationRate,
    ));
    cols.extend(report.violation_items().map(|(i, item)| item_col(i, item)));
    cols.push(col("upset_calls", "Upset", Metric::UpsetCalls));
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

/// A call line's items by verdict: expected items met, expected items missed, violations that
/// occurred (ids, rubric order).
pub fn call_items(report: &Report, row: &Row) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut met, mut missed, mut violated) = (Vec::new(), Vec::new(), Vec::new());
    for (item, r) in report.items.iter().zip(&row.items) {
        if r.applicable == 0 {
            continue;
        }
        match (item.kind, r.occurred > 0) {
            (Kind::Expected, true) => met.push(item.id.clone()),
            (Kind::Expected, false) => missed.push(item.id.clone()),
            (Kind::Violation, true) => violated.push(item.id.clone()),
            _ => {}
        }
    }
    (met, missed, violated)
}

/// The lines of a report in order: the groups, then the overall line.
pub fn all_rows(report: &Report) -> impl Iterator<Item = &Row> {
    report.rows.iter().chain(std::iter::once(&report.overall))
}

/// A call line's cell for an item: `✓` met, `✗` missed or violated (`✗2`: twice), `•` a signal
/// present, `–` not applicable, empty for a clean violation or an absent signal.
pub fn call_item_mark(report: &Report, row: &Row, i: usize) -> String {
    let (Some(item), Some(r)) = (report.items.get(i), row.items.get(i)) else {
        return String::new();
    };
    if r.applicable == 0 {
        return "–".into();
    }
    match (item.kind, r.occurred > 0) {
        (Kind::Expected, true) => "✓".into(),
        (Kind::Expected, false) => "✗".into(),
        (Kind::Violation, true) if r.matches > 1 => format!("✗{}", r.matches),
        (Kind::Violation, true) => "✗".into(),
        (Kind::Signal, true) => "•".into(),
        _ => String::new(),
    }
}

/// The text of a cell for people: a call line's marks (`✓`, `✗`, `pass`), else the number.
pub fn plain_cell(report: &Report, row: &Row, metric: Metric, none: &str) -> String {
    if row.is_call() {
        match metric {
            Metric::ItemRate(i) => return call_item_mark(report, row, i),
            Metric::PassRate => return if row.passed > 0 { "pass" } else { "fail" }.into(),
            Metric::ViolationRate => {
                return if row.violation_calls > 0 { "✗" } else { "" }.into();
            }
            Metric::UpsetCalls => return if row.upset_calls > 0 { "yes" } else { "" }.into(),
            Metric::CalmedRate => {
                return match row.calmed_rate {
                    Some(r) if r > 0.0 => "yes".into(),
                    Some(_) => "no".into(),
                    None => String::new(),
                };
            }
            _ => {}
        }
    }
    metric.cell(row, none)
}

/// A cell as people read it: the number, and with a baseline its change (`90.7 ▲1.2`), or
/// `new` on the score of a line the baseline lacks.
pub fn human_cell(report: &Report, row: &Row, metric: Metric, none: &str) -> String {
    let value = plain_cell(report, row, metric, none);
    match change_note(report, row, metric) {
        Some(a) => format!("{value} {a}"),
        None => value,
    }
}

/// A cell's change since the baseline as people read it (`▲1.2`, `=`, `new`), if any.
pub fn change_note(report: &Report, row: &Row, metric: Metric) -> Option<String> {
    if report.baseline.is_none() || !metric.has_delta() || row.is_call() {
        return None;
    }
    match &row.delta {
        Some(d) => Some(delta_arrow(metric.delta(d))).filter(|a| !a.is_empty()),
        None if metric == Metric::MeanScore => Some("new".into()),
        None => None,
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What `--min-calls` hid: `2 line(s) with fewer than 5 calls hidden (--min-calls 5); their
/// calls still count in (all)`; empty when nothing was hidden.
pub fn hidden_note(report: &Report) -> String {
    if report.hidden == 0 {
        return String::new();
    }
    format!(
        "{} line(s) with fewer than {} calls hidden (--min-calls {}); their calls still count in {ALL}",
        report.hidden, report.min_calls, report.min_calls
    )
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
pub(crate) mod tests {
    use super::*;

    /// A report with no lines, grouped by `levels`.
    pub fn empty_report(levels: &[&'static str]) -> Report {
        Report {
            tool_version: "0",
            rubric_name: "r".into(),
            pass_mark: 80.0,
            items: Vec::new(),
            levels: levels.to_vec(),
            group_by: levels.join(","),
            rows: Vec::new(),
            overall: Row::default(),
            trend: Vec::new(),
            score_bins: [0; SCORE_BINS],
            min_calls: 1,
            hidden: 0,
            accounting: Accounting::default(),
            run: RunInfo::default(),
            baseline: None,
            baseline_trend: Vec::new(),
            gates: Vec::new(),
            overrides: None,
            call_list: Vec::new(),
        }
    }

    #[test]
    fn wilson_intervals_stay_inside_and_narrow_with_n() {
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(0, 1), Some((0.0, 79.3)));
        assert_eq!(wilson(1, 1), Some((20.7, 100.0)));
        assert_eq!(wilson(5, 10), Some((23.7, 76.3)));
        let (lo, hi) = wilson(500, 1000).unwrap();
        assert!(hi - lo < 7.0, "{lo}–{hi}");
    }

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
