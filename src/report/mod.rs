//! The report: the numbers every output format shows, computed once from the aggregate
//! (`Report`, one `Row` per line), the earlier run it is compared with (`baseline`) and the
//! gates that fail the run (`gates`). The renderers in `render` only lay these numbers out.

pub mod baseline;
pub mod filters;
pub mod gates;

use crate::accounting::Accounting;
use crate::aggregate::{Aggregate, CallInfo, GroupBy, SCORE_BINS, Totals};
use crate::rubric::{Kind, Rubric};
use gates::GateVerdict;
use std::collections::{BTreeMap, HashMap};

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
}

impl ItemRate {
    /// Percent of applicable calls where it occurred, rounded to 0.1. Worked out when asked
    /// rather than kept: a report of one line per call holds an `ItemRate` per item and call.
    pub fn rate(&self) -> Option<f64> {
        percent(self.occurred, self.applicable)
    }
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
    /// baseline or when the baseline has no such line. Boxed: most reports have none, and a
    /// report of one line per call holds a `Row` a call.
    pub delta: Option<Box<RowDelta>>,
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
    /// Whether the report's lines are compared with the baseline's: false for a baseline
    /// grouped otherwise or scored with another rubric, where only the `(all)` line is.
    pub lines_compared: bool,
}

/// What the run was over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    pub inputs: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// The filters applied (`--since/--until/--last`, `--agent`, `--team`): one entry for a
    /// run, one per set of agents and teams for a merge's runs; empty when there were none.
    pub filters: Vec<filters::RunFilters>,
    /// A merge whose runs read some input more than once; `None` for one run, and for a merge
    /// that is one run's report (shards, or runs over files of their own).
    pub merged_reading: Option<MergedReading>,
}

/// A merge of runs that read some of their inputs more than once (nights that each read the
/// whole export tree and keep their day: docs/nightly.md): the calls are the week's, but the
/// reading (files and rows read, rows skipped and filtered out, the inputs listed) is the
/// runs' sum, which the report header says, so that 7 reads of one file are not taken for 7
/// files, nor every night's filtered-out rows for one run's (tester t17's F8).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergedReading {
    pub partials: u64,
    pub runs: u64,
    /// The inputs the runs read, each counted once (`RunInfo::inputs` lists one per run that
    /// read it).
    pub inputs_distinct: u64,
}

impl MergedReading {
    /// The merge of `runs` runs (of `partials` partials) over `inputs` as they list them, one
    /// per run that read each; `None` when no input was read by two runs.
    pub fn of(partials: u64, runs: u64, inputs: &[String]) -> Option<MergedReading> {
        // Files by name, as the runs name them; stdin (`-`) is another input at every run.
        let stdin = inputs.iter().filter(|i| *i == "-").count();
        let distinct = stdin
            + inputs
                .iter()
                .filter(|i| *i != "-")
                .collect::<std::collections::BTreeSet<_>>()
                .len();
        (distinct < inputs.len()).then_some(MergedReading {
            partials,
            runs,
            inputs_distinct: distinct as u64,
        })
    }
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
        crate::aggregate::mean_of(self.score_centi, self.calls)
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
    /// The call's team and queue, so that its line is known at any `--group-by` (partials
    /// written before they were kept have neither: such calls are of team `(none)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
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

impl CallView {
    /// The call's value at a level, as `GroupBy::key` gives it for the audited call.
    pub fn key(&self, level: GroupBy) -> String {
        level.value(
            &self.agent_id,
            self.team.as_deref(),
            self.queue.as_deref(),
            self.date
                .as_deref()
                .and_then(crate::read::dates::parse_date),
            &self.call_id,
        )
    }

    /// Weakest first, ties by call id: the call list's order.
    pub fn rank(&self) -> (u32, &str) {
        (self.score_centi, &self.call_id)
    }
}

/// Calls the HTML report's call list shows at most: the page holds each one's transcript.
pub const CALL_LIST_LIMIT: usize = 100;
/// Of each line shown, its weakest calls the list is sure to hold (then the list is filled up
/// to `CALL_LIST_LIMIT` with the lines' next weakest, in turn).
pub const CALL_LIST_PER_LINE: usize = 10;
/// Calls kept in memory per line while a run reads (its lines are not known to be shown
/// until the end), at most, whatever the number of lines: each line keeps
/// `CALL_LIST_PER_LINE`, fewer when more than this many lines share them, none past it.
pub const CALL_LIST_KEPT_PER_LINE_TOTAL: usize = 2000;

/// How many of each line's weakest calls a run keeps for the call list, for `lines` lines.
pub fn call_list_per_line(lines: usize) -> usize {
    CALL_LIST_PER_LINE.min(CALL_LIST_KEPT_PER_LINE_TOTAL / lines.max(1))
}

/// The levels the call list groups its calls by (the report's, but a last `call` level), and
/// whether there was such a level.
fn call_list_levels(report: &Report) -> (Vec<GroupBy>, bool) {
    let mut levels: Vec<GroupBy> = report
        .levels
        .iter()
        .filter_map(|l| GroupBy::from_name(l))
        .collect();
    let call_level = levels.last() == Some(&GroupBy::Call);
    if call_level {
        levels.pop();
    }
    (levels, call_level)
}

/// The calls the call list may choose from, of `candidates` (the calls a run, or the partials a
/// merge reads, kept), on a report whose lines are not yet arranged (every line still there):
/// each line's weakest `call_list_per_line` and the weakest `CALL_LIST_LIMIT` overall, exactly
/// what one run keeps whatever the order calls come in. A merge's partials each keep more of
/// their own (a night has fewer lines, so more calls a line); cut to the same set, the list is
/// the one run's, byte for byte.
pub fn call_list_candidates(report: &Report, mut candidates: Vec<CallView>) -> Vec<CallView> {
    let (line_levels, _) = call_list_levels(report);
    candidates.sort_by(|a, b| a.rank().cmp(&b.rank()));
    candidates.dedup_by(|a, b| a.call_id == b.call_id);
    if line_levels.is_empty() {
        candidates.truncate(CALL_LIST_LIMIT);
        return candidates;
    }
    let depth = line_levels.len();
    let lines = report
        .rows
        .iter()
        .filter(|r| r.levels.len() == depth && !r.is_call())
        .count();
    let per_line = call_list_per_line(lines);
    let mut taken: std::collections::HashMap<Vec<String>, usize> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    // Weakest first: a call is kept while it is among the weakest overall, or among its line's.
    for (rank, view) in candidates.into_iter().enumerate() {
        let path: Vec<String> = line_levels.iter().map(|&l| view.key(l)).collect();
        let n = taken.entry(path).or_default();
        *n += 1;
        if rank < CALL_LIST_LIMIT || *n <= per_line {
            kept.push(view);
        }
    }
    kept
}

/// The HTML call list of a report whose lines are arranged: of `candidates` (cut by
/// `call_list_candidates` before the lines were arranged), those of the lines shown. Each
/// line's weakest call, then each line's next weakest, in turn, up to `CALL_LIST_LIMIT`; in
/// each turn the weakest lines (by mean score, ties in the report's order) come first, so that
/// when the limit cuts, the lines left without a call are the strongest, whatever `--sort`
/// says. Listed weakest call first (ties: the weaker line's first). With a level of one line
/// per call, only calls whose own line is shown. Also sets how many calls the lines shown
/// hold (`call_list_of`), and how many of those lines have no call listed
/// (`call_list_unlisted` of `call_list_lines`).
pub fn select_call_list(report: &mut Report, candidates: Vec<CallView>) {
    let (line_levels, call_level) = call_list_levels(report);
    let depth = line_levels.len();
    // The lines shown at the depth the calls are listed by, weakest first (ties in the
    // report's order), and how many calls they hold.
    let mut shown: Vec<(usize, &Row)> = report
        .rows
        .iter()
        .filter(|r| r.levels.len() == depth && !r.is_call())
        .enumerate()
        .collect();
    shown.sort_by(|(i, a), (j, b)| weaker(a, b).then(i.cmp(j)));
    let mut lines: HashMap<Vec<String>, (usize, Vec<CallView>)> = HashMap::new();
    let mut of: u64 = 0;
    for (priority, (_, r)) in shown.iter().enumerate() {
        lines.insert(r.levels.clone(), (priority, Vec::new()));
        of += r.calls;
    }
    let line_count = lines.len() as u64;
    if depth == 0 {
        lines.insert(Vec::new(), (0, Vec::new()));
    }
    let shown_calls: Option<std::collections::HashSet<&str>> = call_level.then(|| {
        report
            .rows
            .iter()
            .filter(|r| r.is_call())
            .map(|r| r.key.as_str())
            .collect()
    });
    if depth == 0 {
        of = shown_calls
            .as_ref()
            .map_or(report.overall.calls, |s| s.len() as u64);
    }
    for view in candidates {
        if shown_calls
            .as_ref()
            .is_some_and(|s| !s.contains(view.call_id.as_str()))
        {
            continue;
        }
        let path: Vec<String> = line_levels.iter().map(|&l| view.key(l)).collect();
        if let Some((_, list)) = lines.get_mut(&path) {
            list.push(view);
        }
    }
    // (turn, the line's place, the call): each line's weakest first, then the next, in turn.
    let mut ranked: Vec<(usize, usize, CallView)> = Vec::new();
    for (priority, list) in lines.values_mut() {
        list.sort_by(|a, b| a.rank().cmp(&b.rank()));
        ranked.extend(
            std::mem::take(list)
                .into_iter()
                .enumerate()
                .map(|(turn, v)| (turn, *priority, v)),
        );
    }
    ranked.sort_by(|(t, p, a), (u, q, b)| (t, p, a.rank()).cmp(&(u, q, b.rank())));
    ranked.truncate(CALL_LIST_LIMIT);
    let listed_lines: std::collections::HashSet<usize> =
        ranked.iter().map(|(_, p, _)| *p).collect();
    // Weakest call first; of calls that score the same, the weaker line's first.
    ranked.sort_by(|(_, p, a), (_, q, b)| {
        (a.score_centi, p, &a.call_id).cmp(&(b.score_centi, q, &b.call_id))
    });
    let list: Vec<CallView> = ranked.into_iter().map(|(_, _, v)| v).collect();
    report.call_list = list;
    report.call_list_of = of;
    report.call_list_lines = if depth == 0 { 0 } else { line_count };
    report.call_list_unlisted = if depth == 0 {
        0
    } else {
        line_count - listed_lines.len() as u64
    };
}

/// Two lines by mean score, the weaker first; a line without a score last.
fn weaker(a: &Row, b: &Row) -> std::cmp::Ordering {
    match (a.mean_score, b.mean_score) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Where each line of the call list's level first has a call in the list (its weakest
/// listed), by the line's path: the table links the line there. Empty when the list is not
/// grouped by lines (`--group-by call`).
pub fn call_list_first(report: &Report) -> HashMap<Vec<String>, usize> {
    let (line_levels, _) = call_list_levels(report);
    let mut first = HashMap::new();
    if line_levels.is_empty() {
        return first;
    }
    for (n, view) in report.call_list.iter().enumerate() {
        let path: Vec<String> = line_levels.iter().map(|&l| view.key(l)).collect();
        first.entry(path).or_insert(n);
    }
    first
}

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub tool_version: &'static str,
    pub rubric_name: String,
    /// The rubric's fingerprint (as a partial's), so that a baseline scored with another
    /// version of a rubric of the same name is known as one; `None` where no output reads it
    /// (it costs a few ms of TOML).
    pub rubric_fingerprint: Option<String>,
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
    /// Of `hidden`, the subtotals hidden for having none of their lines left (a team whose
    /// agents all have fewer than `min_calls` calls).
    pub hidden_emptied: u64,
    /// `--top` and `--bottom`: the report shows only those lines (recorded in the JSON report,
    /// so that a baseline cut by them is known as one).
    pub top: Option<usize>,
    pub bottom: Option<usize>,
    /// What `--top` and `--bottom` cut (`None` without them).
    pub cut: Option<Cut>,
    /// Lines whose value the export wrote as a label the reports use (`(all)`, `(none)`):
    /// (level, value), for a warning.
    pub reserved_labels: Vec<(&'static str, String)>,
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
    /// How many calls the lines shown hold: what the call list was chosen from.
    pub call_list_of: u64,
    /// The lines shown at the level the call list takes calls by (0 without such a level:
    /// `--group-by call`), and how many of them have no call in the list (the list holds at
    /// most `CALL_LIST_LIMIT` calls).
    pub call_list_lines: u64,
    pub call_list_unlisted: u64,
}

/// What `--top` and `--bottom` left out: of the deepest lines `--min-calls` left, how many
/// were ranked and how many shown, and where a flag kept more than its N lines because they
/// tie with its Nth.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cut {
    /// The deepest lines ranked (those `--min-calls` left).
    pub ranked: u64,
    /// Of those, the lines shown.
    pub shown: u64,
    pub ties: Vec<TiesKept>,
}

/// Lines a flag kept past its N because they tie with its Nth line (a tie is never split).
#[derive(Clone, Debug, PartialEq)]
pub struct TiesKept {
    /// `top` or `bottom`.
    pub by: &'static str,
    /// The flag's N.
    pub n: usize,
    /// The mean score they share (`None`: no score).
    pub score: Option<f64>,
    /// How many lines past the N it kept.
    pub more: u64,
}

impl Cut {
    /// Lines cut.
    pub fn lines(&self) -> u64 {
        self.ranked - self.shown
    }
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
    /// Calls the sheet judges that the run did not audit (not in the inputs, or filtered
    /// out), with how many verdicts each had: they applied to nothing. By call id.
    pub not_applied: Vec<(String, u64)>,
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
        let mut s = format!(
            "{} verdict(s) on {} call(s) overridden by reviewers from {} ({} changed the tool's answer)",
            self.verdicts, self.calls, self.file, self.changed
        );
        if !self.not_applied.is_empty() {
            let verdicts: u64 = self.not_applied.iter().map(|(_, n)| n).sum();
            s.push_str(&format!(
                "; {verdicts} verdict(s) on {} call(s) not audited were not applied",
                self.not_applied.len()
            ));
        }
        s
    }
}

pub use crate::audit::round1;

/// `part` of `whole` as a percentage to one decimal, rounded from the exact counts (see
/// `crate::audit::tenths`); `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    crate::audit::tenths(1000 * u128::from(part), u128::from(whole))
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
            mean_score: t.mean_score(),
            pass_rate: percent(t.passed, t.calls),
            pass_ci: wilson(t.passed, t.calls),
            items: t
                .items
                .iter()
                .map(|i| ItemRate {
                    applicable: i.applicable,
                    occurred: i.occurred,
                    matches: i.matches,
                })
                .collect(),
            violation_calls: t.violation_calls,
            violation_rate: percent(t.violation_calls, t.calls),
            violations: t.violations,
            violations_per_100: percent(t.violations, t.calls),
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
    /// The report of a run's totals. It takes the aggregate, so that each line's totals are
    /// freed as its row is made: with one line per call, the two together were most of a
    /// run's peak memory.
    pub fn build(
        rubric: &Rubric,
        agg: Aggregate,
        accounting: Accounting,
        inputs: Vec<String>,
    ) -> Report {
        let levels = agg.levels.iter().map(|g| g.name()).collect();
        let group_by = agg.group_by_name();
        let reserved_labels = agg.reserved.iter().cloned().collect();
        let overall = Row::from_totals(ALL.to_string(), &agg.overall);
        let trend = agg
            .by_date
            .iter()
            .map(|(d, t)| TrendPoint::from_totals(d.to_string(), t))
            .collect();
        let run = RunInfo {
            inputs,
            first_date: agg.first_date.map(|d| d.to_string()),
            last_date: agg.last_date.map(|d| d.to_string()),
            filters: Vec::new(),
            merged_reading: None,
        };
        let score_bins = agg.score_bins;
        Report {
            tool_version: env!("CARGO_PKG_VERSION"),
            rubric_name: rubric.name.clone(),
            // Filled in where a report needs it (JSON, a baseline): `gate_arrange_and_print`.
            rubric_fingerprint: None,
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
            levels,
            group_by,
            rows: tree_rows(agg),
            overall,
            trend,
            score_bins,
            min_calls: 1,
            hidden: 0,
            hidden_emptied: 0,
            top: None,
            bottom: None,
            cut: None,
            reserved_labels,
            accounting,
            run,
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
fn tree_rows(agg: Aggregate) -> Vec<Row> {
    let depth = agg.levels.len();
    let one_call = agg.levels.last() == Some(&GroupBy::Call);
    let mut subtotals: BTreeMap<Vec<String>, Totals> = BTreeMap::new();
    if depth > 1 {
        for (path, t) in &agg.groups {
            for len in 1..depth {
                subtotals.entry(path[..len].to_vec()).or_default().merge(t);
            }
        }
    }
    let mut calls = agg.calls;
    let mut line = |path: Vec<String>, t: &Totals, leaf: bool| {
        let mut row = Row::from_totals(path.last().cloned().unwrap_or_default(), t);
        if leaf {
            row.leaf = true;
            if one_call {
                row.call = path.last().and_then(|id| calls.remove(id));
                // An interval over one call says nothing.
                row.pass_ci = None;
            }
        }
        row.levels = path;
        row
    };
    // Both maps are in path order, and a path sorts after its prefix: merged, each subtotal
    // comes before the lines under it (no path is in both: subtotals are shorter than lines).
    // The lines' totals are dropped as their rows are made.
    let mut rows = Vec::with_capacity(subtotals.len() + agg.groups.len());
    let mut subtotals = subtotals.into_iter().peekable();
    for (path, t) in agg.groups {
        while let Some((sub, st)) = subtotals.next_if(|(sub, _)| *sub < path) {
            rows.push(line(sub, &st, false));
        }
        rows.push(line(path, &t, true));
    }
    rows.extend(subtotals.map(|(sub, st)| line(sub, &st, false)));
    rows
}

/// Key of the overall row.
pub const ALL: &str = "(all)";

/// Warnings for lines whose value the export wrote as a label the reports give lines of their
/// own: `(all)` prints like the overall line (CSV, table, Markdown, HTML tell them apart only by
/// place: the overall line is last; JSON has it apart, `overall`), and `(none)` is one line with
/// the calls without a value, which the reports call `(none)`.
pub fn reserved_label_lines(report: &Report) -> Vec<String> {
    report
        .reserved_labels
        .iter()
        .map(|(level, value)| {
            let a = if *level == "agent" { "an" } else { "a" };
            if value == ALL {
                format!(
                    "{a} {level} is named `{value}`, as the overall line is: in CSV, table, Markdown and HTML its line is told from the overall line only by place (the overall line is last; JSON has it apart, `overall`); rename it in the export{}",
                    if *level == "agent" { " or with --agents" } else { "" }
                )
            } else {
                format!(
                    "{a} {level} is named `{value}`, as the line of calls without {a} {level} is: they are counted as one line `{value}`; rename it in the export{}",
                    if *level == "agent" { " or with --agents" } else { "" }
                )
            }
        })
        .collect()
}

/// Warnings for lines that print alike but are different ids (`ann.lee` and `ann.lee` with a
/// zero-width space, an id with a control character the report strips): they are counted apart
/// while a reader takes them for one. Costs nothing unless some line's key holds an invisible
/// character.
pub fn lookalike_lines(report: &Report) -> Vec<String> {
    use crate::sanitize::{as_seen, is_invisible, show_invisible};
    let odd: Vec<&Row> = report
        .rows
        .iter()
        .filter(|r| r.key.chars().any(is_invisible))
        .collect();
    if odd.is_empty() {
        return Vec::new();
    }
    let seen_path = |r: &Row| -> Vec<String> { r.levels.iter().map(|l| as_seen(l)).collect() };
    let mut by_seen: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for r in &report.rows {
        by_seen.entry(seen_path(r)).or_default().push(&r.key);
    }
    let mut warnings = Vec::new();
    let mut told = std::collections::BTreeSet::new();
    for r in odd {
        let path = seen_path(r);
        let keys = &by_seen[&path];
        if keys.len() < 2 || !told.insert(path.clone()) {
            continue;
        }
        let level = report
            .levels
            .get(r.levels.len().saturating_sub(1))
            .copied()
            .unwrap_or("line");
        let shown: Vec<String> = keys
            .iter()
            .map(|k| format!("`{}`", show_invisible(k)))
            .collect();
        let fix = if level == "agent" {
            "join them with --agents or fix the export"
        } else {
            "fix the export"
        };
        warnings.push(format!(
            "{} {level} lines look the same but are different ids, counted apart: {} (invisible characters written out; {fix})",
            keys.len(),
            shown.join(", ")
        ));
    }
    warnings
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Means and rates round half away from zero from the exact counts, whatever a float
    /// division would give: (5.38 + 0 + 30.77) / 3 = 12.05 is 12.1 as (87.50 + 69.23 + 84.62)
    /// / 3 = 80.45 is 80.5 (tester t11, finding 6); every rate k of n and every kept call
    /// score are the decimal rounding of the exact value.
    #[test]
    fn means_and_rates_round_half_up_from_exact_counts() {
        let mean = |centi: &[u64]| {
            let mut t = Totals::new(0);
            t.calls = centi.len() as u64;
            t.score_centi = centi.iter().sum();
            Row::from_totals("a".into(), &t).mean_score
        };
        assert_eq!(mean(&[538, 0, 3077]), Some(12.1));
        assert_eq!(mean(&[8750, 6923, 8462]), Some(80.5));
        assert_eq!(mean(&[1204, 1205]), Some(12.0), "12.045");
        assert_eq!(mean(&[]), None);
        // Rounded as decimals are: up from the hundredths digit 5, whatever follows.
        let half_up =
            |hundredths: u64| (hundredths / 10 + u64::from(hundredths % 10 >= 5)) as f64 / 10.0;
        for centi in 0..=10_000u32 {
            assert_eq!(
                crate::audit::shown_score(centi),
                half_up(u64::from(centi)),
                "{centi}"
            );
        }
        for n in 1..=2_000u64 {
            for k in 0..=n {
                assert_eq!(percent(k, n), Some(half_up(10_000 * k / n)), "{k} of {n}");
            }
        }
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(1, 2000), Some(0.1), "0.05%");
        assert_eq!(percent(3, 2000), Some(0.2), "0.15%");
    }

    /// Nested lines come out in path order, each subtotal before the lines under it (the order
    /// a map of every path, subtotals and lines together, gives), with three levels too and
    /// with keys that are prefixes of one another ("a" and "ab").
    #[test]
    fn subtotals_come_before_their_lines_in_path_order() {
        let rubric = Rubric::default_rubric();
        for levels in [
            vec![GroupBy::Team, GroupBy::Agent],
            vec![GroupBy::Team, GroupBy::Queue, GroupBy::Agent],
        ] {
            let depth = levels.len();
            let mut agg = Aggregate::with_levels(&rubric, levels);
            let keys = ["a", "ab", "b", "", "z", "a b"];
            let mut expected: BTreeMap<Vec<String>, bool> = BTreeMap::new();
            for (n, path) in (0..60)
                .map(|i| (0..depth).map(move |l| keys[(i * (l + 2) + l) % keys.len()].to_string()))
                .map(Vec::from_iter)
                .enumerate()
            {
                let mut t = Totals::new(rubric.items.len());
                t.calls = n as u64 + 1;
                agg.groups.entry(path.clone()).or_insert(t);
                for len in 1..depth {
                    expected.entry(path[..len].to_vec()).or_insert(false);
                }
                expected.insert(path, true);
            }
            let groups = agg.groups.clone();
            let rows = tree_rows(agg);
            let got: Vec<(Vec<String>, bool)> =
                rows.iter().map(|r| (r.levels.clone(), r.leaf)).collect();
            let want: Vec<(Vec<String>, bool)> = expected.into_iter().collect();
            assert_eq!(got, want);
            // Each subtotal sums the lines under it.
            for r in rows.iter().filter(|r| !r.leaf) {
                let under: u64 = groups
                    .iter()
                    .filter(|(p, _)| p.starts_with(&r.levels))
                    .map(|(_, t)| t.calls)
                    .sum();
                assert_eq!(r.calls, under, "{:?}", r.levels);
            }
        }
    }
}
