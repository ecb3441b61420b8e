//! `--baseline previous.json`: a JSON report of an earlier run, and the changes since it.
//!
//! Lines are matched by key (agent, team, …); items by id, so a rubric that gained or lost items
//! still compares the items both runs share. A change is this run's printed number minus the
//! baseline's printed number, so it is exactly what a reader would compute from the two reports.

use super::{BaselineInfo, Report, Row, RowDelta, TrendPoint, round1};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Debug, Deserialize)]
struct FileJson {
    version: String,
    group_by: String,
    rubric: RubricJson,
    run: RunJson,
    overall: RowJson,
    groups: Vec<RowJson>,
    /// Nested reports: the subtotal lines.
    #[serde(default)]
    subtotals: Vec<RowJson>,
    #[serde(default)]
    trend: Vec<TrendJson>,
    /// `--min-calls` and the lines it hid.
    #[serde(default)]
    min_calls: u64,
    #[serde(default)]
    hidden_lines: u64,
    /// `--top` and `--bottom` (reports before they were recorded have neither).
    #[serde(default)]
    top: Option<u64>,
    #[serde(default)]
    bottom: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct TrendJson {
    date: String,
    calls: u64,
    #[serde(default)]
    passed: u64,
    #[serde(default)]
    score_centi: u64,
    #[serde(default)]
    violation_calls: u64,
}

#[derive(Debug, Deserialize)]
struct RubricJson {
    name: String,
    pass_mark: f64,
    /// Reports before the fingerprint was recorded have none.
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    items: Vec<RubricItemJson>,
}

/// How an item of the baseline's rubric scored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
struct RubricItemJson {
    id: String,
    #[serde(default)]
    weight: f64,
    #[serde(default)]
    penalty: f64,
    #[serde(default)]
    auto_fail: bool,
}

#[derive(Debug, Deserialize)]
struct RunJson {
    first_date: Option<String>,
    last_date: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RowJson {
    key: String,
    /// The line's path, one value per level (reports before nesting have only `key`).
    #[serde(default)]
    levels: Option<serde_json::Map<String, serde_json::Value>>,
    calls: u64,
    mean_score: Option<f64>,
    pass_rate: Option<f64>,
    #[serde(default)]
    any_violation_rate: Option<f64>,
    violations_per_100_calls: Option<f64>,
    calmed_rate: Option<f64>,
    items: BTreeMap<String, ItemJson>,
}

#[derive(Debug, Deserialize)]
struct ItemJson {
    rate: Option<f64>,
}

/// A line of the earlier report.
#[derive(Clone, Debug, PartialEq)]
struct BaseRow {
    calls: u64,
    mean_score: Option<f64>,
    pass_rate: Option<f64>,
    violation_rate: Option<f64>,
    violations_per_100: Option<f64>,
    calmed_rate: Option<f64>,
    items: HashMap<String, Option<f64>>,
}

impl RowJson {
    /// The line's path: its levels' values in order, or its key.
    fn path(&self) -> Vec<String> {
        match &self.levels {
            Some(levels) => levels
                .values()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
            None => vec![self.key.clone()],
        }
    }
}

impl From<RowJson> for BaseRow {
    fn from(r: RowJson) -> BaseRow {
        BaseRow {
            calls: r.calls,
            mean_score: r.mean_score,
            pass_rate: r.pass_rate,
            violation_rate: r.any_violation_rate,
            violations_per_100: r.violations_per_100_calls,
            calmed_rate: r.calmed_rate,
            items: r.items.into_iter().map(|(k, v)| (k, v.rate)).collect(),
        }
    }
}

/// An earlier run's report, read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    pub info: BaselineInfo,
    rubric_name: String,
    pass_mark: f64,
    rubric_fingerprint: Option<String>,
    rubric_items: Vec<RubricItemJson>,
    overall: BaseRow,
    groups: HashMap<Vec<String>, BaseRow>,
    trend: Vec<TrendPoint>,
    min_calls: u64,
    hidden_lines: u64,
    top: Option<u64>,
    bottom: Option<u64>,
}

impl Baseline {
    /// The overall mean score, as the baseline printed it.
    pub fn mean_score(&self) -> Option<f64> {
        self.overall.mean_score
    }

    /// Whether the baseline has a line per agent: grouped by agent, or nested under agents
    /// (`agent,week`, `agent,call`), whose subtotal lines are the agents'.
    pub fn has_agent_lines(&self) -> bool {
        self.info.group_by.split(',').next() == Some("agent")
    }

    /// How the baseline's lines were cut when it was written, when they were: `--top 3`,
    /// `--bottom 5` (every line but a few left out), or lines hidden by a `--min-calls` higher
    /// than `min_calls` (lines with as few calls are left out here anyway). `None` when every
    /// line with at least `min_calls` calls is in it.
    pub fn cut(&self, min_calls: u64) -> Option<String> {
        let mut cut: Vec<String> = [("--top", self.top), ("--bottom", self.bottom)]
            .iter()
            .filter_map(|(flag, n)| n.map(|n| format!("{flag} {n}")))
            .collect();
        if self.hidden_lines > 0 && self.min_calls > min_calls.max(1) {
            cut.push(format!(
                "--min-calls {} ({} line(s) hidden)",
                self.min_calls, self.hidden_lines
            ));
        }
        (!cut.is_empty()).then(|| cut.join(" and "))
    }

    /// Whether `--min-calls` hid lines of the baseline: a line it lacks may have been one.
    pub fn min_calls_hid(&self) -> Option<u64> {
        (self.hidden_lines > 0).then_some(self.min_calls)
    }

    /// An agent's line: its calls and mean score, when the baseline has lines per agent.
    pub fn agent_line(&self, agent: &str) -> Option<(u64, Option<f64>)> {
        if !self.has_agent_lines() {
            return None;
        }
        self.groups
            .get(std::slice::from_ref(&agent.to_string()))
            .map(|r| (r.calls, r.mean_score))
    }
}

/// Reads a JSON report written by `callaudit audit --format json`.
pub fn read(path: &Path) -> anyhow::Result<Baseline> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("--baseline {name}"))?;
    parse(&name, &text)
}

/// Parses a JSON report; `name` is the file's name for messages.
pub fn parse(name: &str, text: &str) -> anyhow::Result<Baseline> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "--baseline {name}:{}:{}: not JSON: {e}",
            e.line(),
            e.column()
        )
    })?;
    if value.get("tool").and_then(|t| t.as_str()) != Some("callaudit") {
        bail!(
            "--baseline {name}: not a callaudit JSON report (expected a top-level \"tool\": \"callaudit\"; write one with `callaudit audit --format json -o FILE`)"
        );
    }
    let file: FileJson = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "--baseline {name}:{}:{}: not a report this version can read: {e}",
            e.line(),
            e.column()
        )
    })?;
    check_numbers(name, &file)?;
    let calls = file.overall.calls;
    Ok(Baseline {
        info: BaselineInfo {
            file: name.to_string(),
            version: file.version,
            group_by: file.group_by,
            calls,
            first_date: file.run.first_date,
            last_date: file.run.last_date,
            lines_compared: true,
        },
        rubric_name: file.rubric.name,
        pass_mark: file.rubric.pass_mark,
        rubric_fingerprint: file.rubric.fingerprint,
        rubric_items: file.rubric.items,
        overall: file.overall.into(),
        groups: file
            .groups
            .into_iter()
            .chain(file.subtotals)
            .map(|r| (r.path(), r.into()))
            .collect(),
        trend: file
            .trend
            .into_iter()
            .map(|t| TrendPoint {
                period: t.date,
                calls: t.calls,
                passed: t.passed,
                score_centi: t.score_centi,
                violation_calls: t.violation_calls,
            })
            .collect(),
        min_calls: file.min_calls,
        hidden_lines: file.hidden_lines,
        top: file.top,
        bottom: file.bottom,
    })
}

/// Violations per 100 calls above this are no report's: a hundred million per call.
const MAX_VIOLATIONS_PER_100: f64 = 1e10;

/// A number as a message quotes it: short, also when it is huge.
fn quoted(v: f64) -> String {
    if v.abs() < 1e9 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Refuses numbers no report has: a percentage outside 0–100, a negative or absurd rate, a
/// count beyond any run. Changes are computed from them, and an absurd one would print `inf`.
fn check_numbers(name: &str, file: &FileJson) -> anyhow::Result<()> {
    let bad = |line: &str, field: &str, v: f64, want: &str| {
        anyhow::anyhow!(
            "--baseline {name}: line \"{line}\": {field} {} is not {want}: not a report callaudit wrote",
            quoted(v)
        )
    };
    let percent = |line: &str, field: &str, v: Option<f64>| match v {
        Some(v) if !(0.0..=100.0).contains(&v) => Err(bad(line, field, v, "a percentage (0–100)")),
        _ => Ok(()),
    };
    if !(0.0..=100.0).contains(&file.rubric.pass_mark) {
        bail!(
            "--baseline {name}: rubric pass_mark {} is not a score (0–100): not a report callaudit wrote",
            quoted(file.rubric.pass_mark)
        );
    }
    for t in &file.trend {
        let most = t.calls.checked_mul(10_000);
        if t.passed > t.calls
            || t.violation_calls > t.calls
            || most.is_none_or(|m| t.score_centi > m)
        {
            bail!(
                "--baseline {name}: trend {}: counts that do not add up (calls {}, passed {}, violation_calls {}, score_centi {}): not a report callaudit wrote",
                t.date,
                t.calls,
                t.passed,
                t.violation_calls,
                t.score_centi
            );
        }
    }
    for row in std::iter::once(&file.overall)
        .chain(&file.groups)
        .chain(&file.subtotals)
    {
        let line = row.key.as_str();
        percent(line, "mean_score", row.mean_score)?;
        percent(line, "pass_rate", row.pass_rate)?;
        percent(line, "any_violation_rate", row.any_violation_rate)?;
        percent(line, "calmed_rate", row.calmed_rate)?;
        for (id, item) in &row.items {
            percent(line, &format!("items.{id}.rate"), item.rate)?;
        }
        if let Some(v) = row.violations_per_100_calls
            && !(0.0..=MAX_VIOLATIONS_PER_100).contains(&v)
        {
            return Err(bad(line, "violations_per_100_calls", v, "a plausible rate"));
        }
        if i64::try_from(row.calls).is_err() {
            bail!(
                "--baseline {name}: line \"{line}\": calls {} is not a plausible count: not a report callaudit wrote",
                row.calls
            );
        }
        if row.calls > 0 && row.mean_score.is_none() {
            bail!(
                "--baseline {name}: line \"{line}\": {} call(s) but no mean_score: not a report callaudit wrote",
                row.calls
            );
        }
    }
    // One line per key: with two, the comparison took whichever came last, so their order
    // decided a gate (tester t23 F7).
    let mut seen = std::collections::HashSet::new();
    for row in file.groups.iter().chain(&file.subtotals) {
        let path = row.path();
        if !seen.insert(path.clone()) {
            bail!(
                "--baseline {name}: line \"{}\" appears twice: not a report callaudit wrote",
                path.join(" / ")
            );
        }
    }
    Ok(())
}

fn change(now: Option<f64>, then: Option<f64>) -> Option<f64> {
    // `+ 0.0` turns a negative zero (from rounding a tiny fall) into zero.
    Some(round1(now? - then?) + 0.0)
}

fn row_delta(report: &Report, row: &Row, base: &BaseRow) -> RowDelta {
    RowDelta {
        calls: row.calls as i64 - base.calls as i64,
        mean_score: change(row.mean_score, base.mean_score),
        pass_rate: change(row.pass_rate, base.pass_rate),
        violation_rate: change(row.violation_rate, base.violation_rate),
        items: report
            .items
            .iter()
            .zip(&row.items)
            .map(|(info, rate)| change(rate.rate(), base.items.get(&info.id).copied().flatten()))
            .collect(),
        violations_per_100: change(row.violations_per_100, base.violations_per_100),
        calmed_rate: change(row.calmed_rate, base.calmed_rate),
    }
}

/// The change of a line whose baseline line has too few calls to compare: its calls only.
fn no_change(report: &Report, row: &Row, base: &BaseRow) -> RowDelta {
    RowDelta {
        calls: row.calls as i64 - base.calls as i64,
        mean_score: None,
        pass_rate: None,
        violation_rate: None,
        items: vec![None; report.items.len()],
        violations_per_100: None,
        calmed_rate: None,
    }
}

/// How many scoring differences `rubric_changes` names (then how many more).
const NAMED_CHANGES: usize = 3;

/// What differs between the baseline's rubric and the report's when their names and pass
/// marks agree: the items' weights, penalties and auto-fail (which every report carries), else
/// the fingerprint (phrases, settings), when the baseline has one. `None` when nothing does.
fn rubric_changes(base: &Baseline, report: &Report) -> Option<String> {
    let num = |v: f64| crate::audit::fmt_num(v);
    let mut changes = Vec::new();
    for item in &report.items {
        let Some(then) = base.rubric_items.iter().find(|b| b.id == item.id) else {
            continue;
        };
        for (what, was, now) in [
            ("weight", then.weight, item.weight),
            ("penalty", then.penalty, item.penalty),
        ] {
            if was != now {
                changes.push(format!("{} {what} {} → {}", item.id, num(was), num(now)));
            }
        }
        if then.auto_fail != item.auto_fail {
            changes.push(format!(
                "{} auto_fail {} → {}",
                item.id, then.auto_fail, item.auto_fail
            ));
        }
    }
    if !changes.is_empty() {
        let total = changes.len() as u64;
        changes.truncate(NAMED_CHANGES);
        return Some(crate::accounting::named_then_more(&changes, total));
    }
    match (&base.rubric_fingerprint, &report.rubric_fingerprint) {
        (Some(then), Some(now)) if then != now => Some(format!(
            "fingerprint {then}, this run's {now}: its phrases or settings differ"
        )),
        _ => None,
    }
}

/// Why the baseline's lines cannot be compared with this report's because its rubric is
/// another: another name or pass mark, or another version of the same rubric (its items'
/// weights, penalties or auto-fail, else its fingerprint). `None` when it is the same rubric.
/// A change of score then says as much about the rubric edit as about the agents, so only
/// the `(all)` line is compared, and `--fail-drop` compares no agent.
pub fn other_rubric(base: &Baseline, report: &Report) -> Option<String> {
    if base.rubric_name != report.rubric_name || base.pass_mark != report.pass_mark {
        return Some(format!(
            "it used rubric \"{}\" (pass mark {}), this run \"{}\" (pass mark {})",
            base.rubric_name, base.pass_mark, report.rubric_name, report.pass_mark
        ));
    }
    rubric_changes(base, report).map(|what| {
        format!(
            "it used another version of rubric \"{}\" ({what})",
            report.rubric_name
        )
    })
}

/// A baseline scored with another rubric (`other_rubric`): why it is another, and the
/// `--fail-drop` gate that then compares no agent, when there is one.
pub struct OtherRubric<'a> {
    pub why: &'a str,
    pub fail_drop: Option<String>,
}

/// Whether a report grouped by `report` can take its lines' changes from a baseline grouped by
/// `base`: the same levels, or the first levels of the baseline's (a report by agent against a
/// baseline by `agent,week`, whose agent subtotals are lines by agent), the rule `--fail-drop`
/// compares agents by, so that the report shows the falls the gate names (tester t22).
fn compares_lines(base: &str, report: &str) -> bool {
    let base: Vec<&str> = base.split(',').collect();
    let report: Vec<&str> = report.split(',').collect();
    base.starts_with(&report)
}

/// Adds the changes since `base` to every line of the report (whose lines will be shown from
/// `min_calls` calls); returns warnings for what could not be compared. A baseline grouped
/// otherwise (but by its first levels: `compares_lines`), or scored with another rubric
/// (`other_rubric`), gives the `(all)` line its change and no other line one.
pub fn apply(
    report: &mut Report,
    base: &Baseline,
    min_calls: u64,
    other_rubric: Option<OtherRubric<'_>>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let file = &base.info.file;
    if let Some(cut) = base.cut(min_calls).filter(|_| other_rubric.is_none()) {
        warnings.push(format!(
            "--baseline {file} was written with {cut}: it lacks the lines that cut, so they show no change (as new lines)"
        ));
    }
    let missing: Vec<&str> = report
        .items
        .iter()
        .filter(|i| !base.overall.items.contains_key(&i.id))
        .map(|i| i.id.as_str())
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "--baseline {file}: no numbers for item(s) {}: their changes are left empty",
            missing.join(", ")
        ));
    }
    report.overall.delta = Some(Box::new(row_delta(report, &report.overall, &base.overall)));
    let mut info = base.info.clone();
    if let Some(other) = other_rubric {
        info.lines_compared = false;
        let gate = other.fail_drop.map_or(String::new(), |flag| {
            format!(", and {flag} compares no agent, only the overall mean score")
        });
        warnings.push(format!(
            "--baseline {file}: {}: changes compare different rubrics, so the report shows changes for the {} line only{gate}",
            other.why,
            super::ALL
        ));
    } else if compares_lines(&base.info.group_by, &report.group_by) {
        // A line the baseline holds with fewer than `--min-calls` calls has too few to compare
        // with: its changes are left empty (it is no new line), and said (tester t24 W4: a
        // change of 70 points from one baseline call, shown under --min-calls 3).
        let mut too_few = Vec::new();
        let deltas: Vec<Option<Box<RowDelta>>> = report
            .rows
            .iter()
            .map(|r| {
                base.groups.get(&r.levels).map(|b| {
                    if !r.is_call() && b.calls < min_calls {
                        // Named only where the line is shown (it has min_calls calls now).
                        if r.calls >= min_calls {
                            too_few.push(format!("{} ({})", r.levels.join(" / "), b.calls));
                        }
                        Box::new(no_change(report, r, b))
                    } else {
                        Box::new(row_delta(report, r, b))
                    }
                })
            })
            .collect();
        if !too_few.is_empty() {
            let n = too_few.len();
            let shown = too_few
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if n > 5 {
                format!(", and {} more", n - 5)
            } else {
                String::new()
            };
            warnings.push(format!(
                "--baseline {file}: {n} line(s) had fewer than --min-calls {min_calls} call(s) there, too few to compare, so they show no change: {shown}{more}"
            ));
        }
        let lines = report.rows.iter().filter(|r| !r.is_call()).count();
        if lines > 0
            && !base.groups.is_empty()
            && !report
                .rows
                .iter()
                .zip(&deltas)
                .any(|(r, d)| !r.is_call() && d.is_some())
        {
            warnings.push(format!(
                "--baseline {file}: none of this report's {lines} line(s) is in it ({} there): every line shows as new (ids renamed, e.g. by --agents?)",
                base.groups.len(),
            ));
        }
        for (row, delta) in report.rows.iter_mut().zip(deltas) {
            row.delta = delta;
        }
    } else {
        info.lines_compared = false;
        warnings.push(format!(
            "--baseline {file} is grouped by {}, this report by {}: the report shows changes for the {} line only",
            base.info.group_by,
            report.group_by,
            super::ALL
        ));
    }
    report.baseline = Some(info);
    report.baseline_trend = base.trend.clone();
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_name_the_file_and_line() {
        let e = parse("prev.json", "{\n  \"tool\": \"callaudit\",\n  oops\n}").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--baseline prev.json:3:3: not JSON"),
            "{e}"
        );
        let e = parse("prev.json", "{\"tool\": \"other\"}").unwrap_err();
        assert!(e.to_string().contains("not a callaudit JSON report"), "{e}");
        let e = parse(
            "prev.json",
            "{\"tool\": \"callaudit\", \"version\": \"0.1.0\"}",
        )
        .unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }

    #[test]
    fn absurd_numbers_are_refused_naming_the_line_and_field() {
        let report = |overall: &str, groups: &str| {
            format!(
                r#"{{"tool": "callaudit", "version": "0.1.0", "group_by": "agent",
                "rubric": {{"name": "r", "pass_mark": 70}}, "run": {{}},
                "overall": {overall}, "groups": [{groups}]}}"#
            )
        };
        let row = |key: &str, field: &str, v: &str| {
            let mut row = serde_json::json!({
                "key": key, "calls": 3, "mean_score": 50, "pass_rate": 50,
                "violations_per_100_calls": 1, "calmed_rate": null,
                "items": {"apology": {"rate": 10}},
            });
            row[field] = serde_json::from_str(v).unwrap();
            row.to_string()
        };
        let fine = row("(all)", "calmed_rate", "20");
        assert!(parse("p.json", &report(&fine, &row("ann", "pass_rate", "100"))).is_ok());
        for (field, v, says) in [
            (
                "mean_score",
                "1e308",
                "mean_score 1e308 is not a percentage",
            ),
            ("pass_rate", "-5", "pass_rate -5 is not a percentage"),
            (
                "calmed_rate",
                "100.5",
                "calmed_rate 100.5 is not a percentage",
            ),
            (
                "violations_per_100_calls",
                "1.7e308",
                "violations_per_100_calls 1.7e308 is not a plausible rate",
            ),
            ("violations_per_100_calls", "-1", "is not a plausible rate"),
            (
                "calls",
                "18446744073709551615",
                "calls 18446744073709551615",
            ),
            (
                "items",
                r#"{"apology": {"rate": 1e300}}"#,
                "items.apology.rate 1e300",
            ),
        ] {
            let text = report(&fine, &row("ann", field, v));
            let e = parse("p.json", &text).unwrap_err().to_string();
            assert!(e.starts_with("--baseline p.json: line \"ann\": "), "{e}");
            assert!(e.contains(says), "{field}: {e}");
        }
        let e = parse("p.json", &report(&row("(all)", "mean_score", "1e308"), ""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line \"(all)\": mean_score 1e308"), "{e}");
    }

    #[test]
    fn lines_compare_with_the_same_levels_or_the_baselines_first_levels() {
        assert!(compares_lines("agent", "agent"));
        assert!(compares_lines("agent,week", "agent"));
        assert!(compares_lines("team,agent,week", "team,agent"));
        assert!(!compares_lines("agent", "agent,week"));
        assert!(!compares_lines("week,agent", "agent"));
        assert!(!compares_lines("agentx", "agent"));
    }

    #[test]
    fn change_is_the_difference_of_printed_numbers() {
        assert_eq!(change(Some(52.4), Some(50.1)), Some(2.3));
        assert_eq!(change(Some(50.0), Some(52.5)), Some(-2.5));
        assert_eq!(change(None, Some(1.0)), None);
        assert!(change(Some(50.0), Some(50.04)).unwrap().is_sign_positive());
    }
}
