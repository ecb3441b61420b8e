//! Reports. The numbers are computed once into a `Report`; each output format is one file
//! behind the `Renderer` trait and only lays those numbers out, so every format agrees.
//!
//! A report's lines form a tree when it is grouped by several levels (`--group-by team,agent`):
//! each team's subtotal line comes before its agents' lines. `arrange` orders, hides and cuts
//! them; the table and HTML show the tree, CSV and JSON the leaf lines with one column per level.

pub mod arrange;
pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use crate::aggregate::GroupBy;
use crate::report::{
    ALL, CallView, ItemInfo, ItemRate, Report, Row, RowDelta, TrendPoint, by_week, capitalise,
};
use crate::rubric::Kind;
use crate::sanitize::terminal_safe;
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
    /// to a terminal) only matter to the table, `csv` (`--csv-bom`, `--csv-item-n`) only to CSV.
    pub fn renderer(
        self,
        color: bool,
        width: Option<u16>,
        csv: csv::CsvRenderer,
    ) -> Box<dyn Renderer> {
        match self {
            Format::Table => Box::new(table::TableRenderer { color, width }),
            Format::Csv => Box::new(csv),
            Format::Json => Box::new(json::JsonRenderer),
            Format::Markdown => Box::new(markdown::MarkdownRenderer),
            Format::Html => Box::new(html::HtmlRenderer),
        }
    }
}

/// Formats an optional number with one decimal, `none` when absent.
pub fn fmt1(x: Option<f64>, none: &str) -> String {
    x.map_or_else(|| none.to_string(), one_decimal)
}

/// `format!("{v:.1}")`, byte for byte, without the formatter's exact decimal expansion where
/// the answer is plain: a report of one line per call writes a hundred thousand lines of thirty
/// numbers, and the formatter's bignum path (`dragon`) took a fifth of that report's serial
/// end. `v × 10` is rounded to an integer unless it lies within 1e-6 of a half, where rounding
/// the product could differ from rounding `v`'s exact value; those, and anything not a
/// moderate finite number, go to the formatter.
pub fn one_decimal(v: f64) -> String {
    let mut out = String::new();
    push_one_decimal(&mut out, v);
    out
}

/// `one_decimal(v)` written at the end of `out`.
pub fn push_one_decimal(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    let tenths = v.abs() * 10.0;
    let frac = tenths - tenths.floor();
    // Below 1e9 the product is within 1.2e-7 of `v`'s exact tenths (half an ulp), so a
    // fraction 1e-6 or more from a half rounds as the exact one does. NaN and the infinities
    // go to the formatter too.
    if !tenths.is_finite() || tenths >= 1e9 || (frac - 0.5).abs() < 1e-6 {
        let _ = write!(out, "{v:.1}");
        return;
    }
    let n = tenths.round() as u64;
    if v.is_sign_negative() {
        out.push('-');
    }
    let _ = write!(out, "{}", n / 10);
    out.push('.');
    out.push(char::from(b'0' + (n % 10) as u8));
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
    d.map_or_else(String::new, |v| one_decimal(v + 0.0))
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
            Metric::ItemRate(i) => row.items.get(i).and_then(ItemRate::rate),
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
        let mut text = String::new();
        self.push_cell(row, none, &mut text);
        text
    }

    /// `cell(row, none)` written at the end of `out` (a renderer of many lines reuses `out`).
    pub fn push_cell(self, row: &Row, none: &str, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Metric::Key => out.push_str(&row.key),
            Metric::Calls => {
                let _ = write!(out, "{}", row.calls);
            }
            Metric::UpsetCalls => {
                let _ = write!(out, "{}", row.upset_calls);
            }
            Metric::CallAgent => {
                if let Some(c) = &row.call {
                    out.push_str(&c.agent_id);
                }
            }
            Metric::CallDate => {
                if let Some(d) = row.call.as_ref().and_then(|c| c.date) {
                    let _ = write!(out, "{d}");
                }
            }
            m => match m.value(row) {
                Some(v) => push_one_decimal(out, v),
                None => out.push_str(none),
            },
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

/// The report's columns of numbers that are not items, by name (the CSV report's headers): an
/// item id may not be one of them (`columns::REPORT`).
pub const NUMBER_COLUMNS: [(&str, Metric); 6] = [
    ("calls", Metric::Calls),
    ("mean_score", Metric::MeanScore),
    ("pass_rate", Metric::PassRate),
    ("any_violation_rate", Metric::ViolationRate),
    ("upset_calls", Metric::UpsetCalls),
    ("calmed_rate", Metric::CalmedRate),
];

/// The name `NUMBER_COLUMNS` gives a metric.
fn number_column(metric: Metric) -> &'static str {
    NUMBER_COLUMNS
        .iter()
        .find(|(_, m)| *m == metric)
        .map(|(name, _)| *name)
        .expect("a column of numbers")
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
        for (level, metric) in [
            (GroupBy::Agent.name(), Metric::CallAgent),
            (GroupBy::Date.name(), Metric::CallDate),
        ] {
            if !report.levels.contains(&level) {
                cols.push(col(level, &capitalise(level), metric));
            }
        }
    }
    let number = |title: &str, metric| col(number_column(metric), title, metric);
    cols.extend([
        number("Calls", Metric::Calls),
        number("Score", Metric::MeanScore),
        number("Pass %", Metric::PassRate),
    ]);
    cols.extend(report.expected_items().map(|(i, item)| item_col(i, item)));
    cols.push(number("Any violation %", Metric::ViolationRate));
    cols.extend(report.violation_items().map(|(i, item)| item_col(i, item)));
    cols.push(number("Upset", Metric::UpsetCalls));
    cols.push(number("Calmed %", Metric::CalmedRate));
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
pub fn call_items<'r>(report: &'r Report, row: &Row) -> (Vec<&'r str>, Vec<&'r str>, Vec<&'r str>) {
    let (mut met, mut missed, mut violated) = (Vec::new(), Vec::new(), Vec::new());
    for (item, r) in report.items.iter().zip(&row.items) {
        if r.applicable == 0 {
            continue;
        }
        match (item.kind, r.occurred > 0) {
            (Kind::Expected, true) => met.push(item.id.as_str()),
            (Kind::Expected, false) => missed.push(item.id.as_str()),
            (Kind::Violation, true) => violated.push(item.id.as_str()),
            _ => {}
        }
    }
    (met, missed, violated)
}

/// The lines of a report in order: the groups, then the overall line.
pub fn all_rows(report: &Report) -> impl Iterator<Item = &Row> {
    report.rows.iter().chain(std::iter::once(&report.overall))
}

/// The leaf lines of a report (no subtotals), then the overall line: the flat formats' rows.
pub fn leaf_rows(report: &Report) -> impl Iterator<Item = &Row> {
    report
        .rows
        .iter()
        .filter(|r| r.leaf)
        .chain(std::iter::once(&report.overall))
}

/// A call line's cell for an item: `✓` met, `✗` missed, `!` violated (`!2`: twice), `•` a
/// signal present, `–` not applicable, empty for a clean violation or an absent signal. A
/// violation is not marked as a missed expected item: under "Over-promises" a `✗` read as "did
/// not over-promise". (CSV and JSON give numbers, not these marks.)
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
        (Kind::Violation, true) if r.matches > 1 => format!("!{}", r.matches),
        (Kind::Violation, true) => "!".into(),
        (Kind::Signal, true) => "•".into(),
        _ => String::new(),
    }
}

/// The text of a cell for people: a call line's marks (`✓`, `✗`, `!`, `pass`), else the number.
pub fn plain_cell(report: &Report, row: &Row, metric: Metric, none: &str) -> String {
    if row.is_call() {
        match metric {
            Metric::ItemRate(i) => return call_item_mark(report, row, i),
            Metric::PassRate => return if row.passed > 0 { "pass" } else { "fail" }.into(),
            Metric::ViolationRate => {
                return if row.violation_calls > 0 { "!" } else { "" }.into();
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
        None if metric == Metric::MeanScore && lines_compared(report) => Some("new".into()),
        None => None,
    }
}

/// Whether the report's lines are compared with the baseline's (not only `(all)`): a line
/// without a change is then one the baseline lacks (`new`).
pub fn lines_compared(report: &Report) -> bool {
    report.baseline.as_ref().is_some_and(|b| b.lines_compared)
}

/// What a report says under its baseline's name when only the `(all)` line is compared: empty
/// when every line is.
pub fn baseline_scope(report: &Report) -> &'static str {
    match &report.baseline {
        Some(b) if !b.lines_compared => {
            "; the (all) line only: the baseline was grouped otherwise or scored with another rubric"
        }
        _ => "",
    }
}

/// What `--min-calls` hid: `2 line(s) with fewer than 5 calls hidden (--min-calls 5); their
/// calls still count in (all)`; empty when nothing was hidden.
pub fn hidden_note(report: &Report) -> String {
    if report.hidden == 0 {
        return String::new();
    }
    if report.hidden_emptied == 0 {
        return format!(
            "{} line(s) with fewer than {} calls hidden (--min-calls {}); their calls still count in {ALL}",
            report.hidden, report.min_calls, report.min_calls
        );
    }
    format!(
        "{} line(s) hidden (--min-calls {}): {} with fewer than {} calls or under such a line, and {} with none of its lines left; their calls still count in {ALL}",
        report.hidden,
        report.min_calls,
        report.hidden - report.hidden_emptied,
        report.min_calls,
        report.hidden_emptied
    )
}

/// What `--top`/`--bottom` cut: `--bottom 2: 4 of 6 line(s) shown, 2 cut by mean score;
/// --bottom 2 shows 2 more that tie at 0.0 with its 2nd line (a tie is never split)`; empty
/// when nothing was cut and no tie was kept.
pub fn cut_note(report: &Report) -> String {
    let Some(cut) = report
        .cut
        .as_ref()
        .filter(|c| c.lines() > 0 || !c.ties.is_empty())
    else {
        return String::new();
    };
    let flags: Vec<String> = [("--top", report.top), ("--bottom", report.bottom)]
        .iter()
        .filter_map(|(flag, n)| n.map(|n| format!("{flag} {n}")))
        .collect();
    let mut note = format!(
        "{}: {} of {} line(s) shown, {} cut by mean score",
        flags.join(" "),
        cut.shown,
        cut.ranked,
        cut.lines()
    );
    for t in &cut.ties {
        let at = t.score.map_or_else(
            || "with no score".to_string(),
            |s| format!("at {}", one_decimal(s)),
        );
        note.push_str(&format!(
            "; --{} {} shows {} more that tie {at} with its {} line (a tie is never split)",
            t.by,
            t.n,
            t.more,
            ordinal(t.n)
        ));
    }
    note
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A one-line description of the run for report headers: calls, rows, files, dates, and the
/// files passed over with `--keep-going` (whose calls are missing from every number). A merge
/// of runs that read some files more than once says so, and that its reading is their sum.
pub fn run_summary(report: &Report) -> String {
    let a = &report.accounting;
    let dates = match (&report.run.first_date, &report.run.last_date) {
        (Some(f), Some(l)) if f == l => format!(", dated {f}"),
        (Some(f), Some(l)) => format!(", dated {f} to {l}"),
        _ => String::new(),
    };
    let mut s = match &report.run.merged_reading {
        // Runs that read the same files again: their reading is summed, and said so.
        Some(m) => format!(
            "{} calls audited ({} rows){dates}, merged from {} runs ({} partials) that read some files more than once; summed over the runs: {} file(s) read ({} distinct), {}",
            a.calls_audited,
            a.rows_audited,
            m.runs,
            m.partials,
            a.files_read,
            m.inputs_distinct,
            a.rows_skipped_with_reasons()
        ),
        None => format!(
            "{} calls audited ({} rows) from {} file(s){dates}; {}",
            a.calls_audited,
            a.rows_audited,
            a.files_read,
            a.rows_skipped_with_reasons()
        ),
    };
    for (n, one, many) in [
        (
            a.files_unreadable,
            "file unreadable (passed over)",
            "files unreadable (passed over)",
        ),
        (
            a.files_unusable,
            "file without a usable row (passed over)",
            "files without a usable row (passed over)",
        ),
    ] {
        if n > 0 {
            s.push_str(&format!("; {n} {}", if n == 1 { one } else { many }));
        }
    }
    s
}

/// The filters the report's calls were chosen by, for report headers: `dated 2026-11-03 to
/// 2026-12-02; team billing`; empty when there were none.
pub fn filters_summary(report: &Report) -> String {
    crate::report::filters::text(&report.run.filters)
}

/// The scored items weakest first: expected items by rate ascending, then violations by rate
/// descending; an item that never applied last of its kind. Between equal rates (as shown, to
/// 0.1%) the item with more calls comes first, then rubric order: "0 of 7 calls" says more
/// than "0 of 1 call", which ranked before it by rubric order and pushed it out of the
/// three-item line (tester t26 R1). So the item to work on is the first of its kind, whatever
/// order the rubric lists them in.
pub(crate) fn weakest_items_first(report: &Report) -> Vec<(usize, &ItemInfo)> {
    // Compared as shown, in tenths of a percent: 33 of 34 and 34 of 35 both show 97.1%, and
    // rank by their calls (reviewer r27).
    let rate = |i: usize| {
        report
            .overall
            .items
            .get(i)
            .and_then(|r| r.rate())
            .map(|p| (p * 10.0).round())
    };
    let calls = |i: usize| report.overall.items.get(i).map_or(0, |r| r.applicable);
    let mut items: Vec<(usize, &ItemInfo)> = report
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.kind != Kind::Signal)
        .collect();
    items.sort_by(|&(a, x), &(b, y)| {
        let kind = |k: Kind| u8::from(k == Kind::Violation);
        let by_rate = match (rate(a), rate(b)) {
            (Some(p), Some(q)) if x.kind == Kind::Violation => q.total_cmp(&p),
            (Some(p), Some(q)) => p.total_cmp(&q),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        kind(x.kind)
            .cmp(&kind(y.kind))
            .then(by_rate)
            .then(calls(b).cmp(&calls(a)))
            .then(a.cmp(&b))
    });
    items
}

/// The line under a table or Markdown report that names the items to work on, as the HTML
/// report's item list ranks them: the three weakest expected items, and the violation that
/// occurred most, each with its n ("Weakest items: Follows up 41.2% (7 of 17 calls), …"). `None`
/// when no scored item applied (tester t24 D4: only the HTML ranked the items).
pub fn weakest_items_line(report: &Report) -> Option<String> {
    let said = |i: usize, item: &ItemInfo| {
        let r = report.overall.items[i];
        r.rate().map(|v| {
            // Named as its column is headed (a long label gives way to the id; terminal-safe).
            let title = item_title(item);
            format!(
                "{} {v:.1}% ({} of {} call{})",
                title.strip_suffix(" %").unwrap_or(&title),
                r.occurred,
                r.applicable,
                if r.applicable == 1 { "" } else { "s" }
            )
        })
    };
    let ranked = weakest_items_first(report);
    let expected: Vec<String> = ranked
        .iter()
        .filter(|(_, item)| item.kind == Kind::Expected)
        .filter_map(|&(i, item)| said(i, item))
        .take(3)
        .collect();
    let violation = ranked
        .iter()
        .filter(|&&(i, item)| item.kind == Kind::Violation && report.overall.items[i].occurred > 0)
        .find_map(|&(i, item)| said(i, item));
    let mut parts = Vec::new();
    if !expected.is_empty() {
        parts.push(format!("Weakest items: {}", expected.join(", ")));
    }
    if let Some(v) = violation {
        parts.push(format!("most frequent violation: {v}"));
    }
    (!parts.is_empty()).then(|| format!("{}.", parts.join("; ")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::aggregate::SCORE_BINS;
    use crate::report::{RunInfo, wilson};

    /// `one_decimal` is `format!("{v:.1}")`: every thousandth from -200 to 200 (the halves
    /// between tenths among them), the rates a report computes (k of n calls, as `report`
    /// rounds them), random doubles of every size, and the odd ones.
    #[test]
    fn one_decimal_is_the_formatter() {
        let check = |v: f64| assert_eq!(one_decimal(v), format!("{v:.1}"), "{v:e}");
        for k in -200_000..=200_000 {
            check(f64::from(k) / 1000.0);
        }
        for n in 1..=400u32 {
            for k in 0..=n {
                let rate = f64::from(k) * 100.0 / f64::from(n);
                check(rate);
                check((rate * 10.0).round() / 10.0);
            }
        }
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100_000 {
            check(f64::from_bits(rng.u64(..)));
            check(rng.f64() * 200.0 - 100.0);
            check((rng.f64() - 0.5) * 10f64.powi(rng.i32(-8..16)));
        }
        for v in [
            0.0,
            -0.0,
            0.05,
            0.25,
            -0.25,
            0.35,
            2.5e-7,
            99.95,
            1e8,
            1e8 - 0.05,
            1e8 + 0.05,
            1e12,
            1e12 - 0.05,
            -1e15,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            check(v);
        }
    }

    /// A report with no lines, grouped by `levels`.
    pub fn empty_report(levels: &[&'static str]) -> Report {
        Report {
            tool_version: "0",
            rubric_name: "r".into(),
            rubric_fingerprint: None,
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
            hidden_emptied: 0,
            top: None,
            bottom: None,
            cut: None,
            reserved_labels: Vec::new(),
            accounting: Accounting::default(),
            run: RunInfo::default(),
            baseline: None,
            baseline_trend: Vec::new(),
            gates: Vec::new(),
            overrides: None,
            call_list: Vec::new(),
            call_list_of: 0,
            call_list_lines: 0,
            call_list_unlisted: 0,
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
    fn deltas_read_both_ways() {
        assert_eq!(delta_arrow(Some(1.25)), "▲1.2");
        assert_eq!(delta_arrow(Some(-0.4)), "▼0.4");
        assert_eq!(delta_arrow(Some(0.0)), "=");
        assert_eq!(delta_arrow(None), "");
        assert_eq!(delta_number(Some(-0.0)), "0.0");
        assert_eq!(delta_number(Some(-2.5)), "-2.5");
    }
}
