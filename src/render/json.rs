//! The report as one JSON document: every number of the table plus the raw counts, the
//! rubric, the run and its accounting.

use super::{ItemRate, Renderer, Report, Row, RowDelta, call_items};
use crate::report::gates::{Gate, GateVerdict, Limit};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};
use std::io::{self, Write};

pub struct JsonRenderer;

fn row_json(report: &Report, row: &Row) -> Value {
    let mut items = Map::new();
    for (info, r) in report.items.iter().zip(&row.items) {
        let ItemRate {
            applicable,
            occurred,
            matches,
        } = *r;
        let rate = r.rate();
        items.insert(
            info.id.clone(),
            json!({"applicable": applicable, "occurred": occurred, "matches": matches, "rate": rate}),
        );
    }
    let mut v = json!({"key": row.key});
    if !row.levels.is_empty() {
        let levels: Map<String, Value> = report
            .levels
            .iter()
            .zip(&row.levels)
            .map(|(l, k)| (l.to_string(), json!(k)))
            .collect();
        v["levels"] = Value::Object(levels);
    }
    if let Some(c) = &row.call {
        let (met, missed, violated) = call_items(report, row);
        v["call"] = json!({
            "agent_id": c.agent_id,
            "date": c.date.map(|d| d.to_string()),
            "customer_upset": c.upset,
            "customer_calmed": c.calmed,
            "met": met,
            "missed": missed,
            "violated": violated,
        });
    }
    let fields = json!({
        "calls": row.calls,
        "upset_calls": row.upset_calls,
        "mean_score": row.mean_score,
        "passed": row.passed,
        "pass_rate": row.pass_rate,
        "pass_rate_ci95": row.pass_ci.map(|(lo, hi)| [lo, hi]),
        "violation_calls": row.violation_calls,
        "any_violation_rate": row.violation_rate,
        "violations": row.violations,
        "violations_per_100_calls": row.violations_per_100,
        "calmed_rate": row.calmed_rate,
        "items": items,
    });
    if let (Value::Object(v), Value::Object(f)) = (&mut v, fields) {
        v.extend(f);
    }
    if report.baseline.is_some() {
        // `null`: the baseline has no line with this key.
        v["delta"] = row
            .delta
            .as_ref()
            .map_or(Value::Null, |d| delta_json(report, d));
    }
    v
}

/// A line's changes since the baseline, named like the line's own fields.
fn delta_json(report: &Report, d: &RowDelta) -> Value {
    let items: Map<String, Value> = report
        .items
        .iter()
        .zip(&d.items)
        .map(|(info, rate)| (info.id.clone(), json!({ "rate": rate })))
        .collect();
    json!({
        "calls": d.calls,
        "mean_score": d.mean_score,
        "pass_rate": d.pass_rate,
        "any_violation_rate": d.violation_rate,
        "violations_per_100_calls": d.violations_per_100,
        "calmed_rate": d.calmed_rate,
        "items": items,
    })
}

fn gate_json(v: &GateVerdict) -> Value {
    let mut g = json!({"gate": v.gate.name(), "flag": v.gate.flag()});
    let limit = |g: &mut Value, limit: &Limit, count_key: &str| match limit {
        Limit::Count(n) => g[count_key] = json!(n),
        Limit::Share(p) => g["max_rate"] = json!(p.as_f64()),
    };
    match &v.gate {
        Gate::FailUnder(t) => g["threshold"] = json!(t),
        Gate::FailAgentUnder { score, min_calls } => {
            g["threshold"] = json!(score);
            g["min_calls"] = json!(min_calls);
        }
        Gate::FailOn { item, limit: l, .. } => {
            g["item"] = json!(item);
            limit(&mut g, l, "max_calls");
        }
        Gate::FailItemUnder { item, floor, .. } => {
            g["item"] = json!(item);
            g["min_rate"] = json!(floor.as_f64());
        }
        Gate::FailDrop { points, min_calls } => {
            g["threshold"] = json!(points);
            g["min_calls"] = json!(min_calls);
        }
        Gate::MaxSkipped { limit: l, .. } => limit(&mut g, l, "max"),
    }
    // The exact counts the verdict was made from.
    for (name, n) in &v.measured.counts {
        g[*name] = json!(n);
    }
    if !v.measured.offenders.is_empty() {
        g["offenders"] = v
            .measured
            .offenders
            .iter()
            .map(|o| {
                let mut e = json!({"key": o.key, "score": o.score});
                if o.change.is_some() {
                    e["baseline_score"] = json!(o.baseline_score);
                    e["change"] = json!(o.change);
                }
                e
            })
            .collect();
    }
    g["passed"] = json!(v.passed);
    g["reason"] = json!(v.reason);
    g
}

/// The filters a report's calls were chosen by: `text` as the headers say it (`null`: none),
/// the date windows (`[]`: every date), agents and teams (`[]`: all). A merge of runs that
/// took other agents or teams has them all here (none when a run took every one), and `text`
/// says which runs took which.
fn filters_json(filters: &[crate::report::filters::RunFilters]) -> Value {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    let all_of = |list: fn(&crate::report::filters::RunFilters) -> &Vec<String>| {
        if filters.iter().any(|f| list(f).is_empty()) {
            return Vec::new();
        }
        let mut all: Vec<&String> = filters.iter().flat_map(list).collect();
        all.sort();
        all.dedup();
        all.into_iter().cloned().collect()
    };
    let windows: Vec<_> = if filters.iter().any(|f| f.dates.is_empty()) {
        Vec::new()
    } else {
        let mut runs = filters.to_vec();
        for r in &mut runs {
            r.agents.clear();
            r.teams.clear();
            r.as_text = None;
        }
        crate::report::filters::merged(&runs)
            .first()
            .map_or_else(Vec::new, |f| f.dates.clone())
    };
    json!({
        "text": Some(crate::report::filters::text(filters)).filter(|t| !t.is_empty()),
        "windows": windows.iter().map(|w| json!({"since": day(w.since), "until": day(w.until)})).collect::<Vec<_>>(),
        "agents": all_of(|f| &f.agents),
        "teams": all_of(|f| &f.teams),
    })
}

/// The report as a JSON value (what `--baseline` reads back), but for its lines: `groups` and
/// `subtotals` are empty here and written one line at a time by `Document`.
fn report_json(report: &Report) -> Value {
    let mut v = report_json_core(report);
    if let Some(o) = &report.overrides {
        v["overrides"] = json!({
            "file": o.file,
            "calls": o.calls,
            "verdicts": o.verdicts,
            "changed": o.changed,
            "list": o.list.iter().map(|e| json!({
                "call_id": e.call_id, "item": e.item, "tool": e.tool, "reviewer": e.reviewer,
            })).collect::<Vec<_>>(),
            "not_applied": o.not_applied.iter().map(|(id, n)| json!({
                "call_id": id, "verdicts": n, "reason": "call not audited",
            })).collect::<Vec<_>>(),
        });
    }
    v
}

/// `run`: the inputs, dates and filters, and only for a merge whose runs read some files more
/// than once, `merged_reading` (a key added, not a changed one: a merge that is one run's
/// report stays that run's, byte for byte).
fn run_json(report: &Report) -> Value {
    let mut run = json!({
        "inputs": report.run.inputs,
        "first_date": report.run.first_date,
        "last_date": report.run.last_date,
        "filters": filters_json(&report.run.filters),
    });
    if let Some(m) = &report.run.merged_reading {
        run["merged_reading"] = json!({
            "runs": m.runs,
            "partials": m.partials,
            "inputs_distinct": m.inputs_distinct,
            "summed": true,
        });
    }
    run
}

fn report_json_core(report: &Report) -> Value {
    let items: Vec<Value> = report
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "label": i.label, "kind": i.kind.as_str(), "speaker": i.speaker,
                "weight": i.weight, "penalty": i.penalty, "auto_fail": i.auto_fail,
            })
        })
        .collect();
    json!({
        "tool": "callaudit",
        "version": report.tool_version,
        "rubric": {
            "name": report.rubric_name,
            "fingerprint": report.rubric_fingerprint,
            "pass_mark": report.pass_mark,
            "items": items,
        },
        "group_by": report.group_by,
        "levels": report.levels,
        "min_calls": report.min_calls,
        "hidden_lines": report.hidden,
        "top": report.top,
        "bottom": report.bottom,
        "cut_lines": report.cut.as_ref().map_or(0, |c| c.lines()),
        // Ties cut: none since a tie is never split (kept for readers of earlier reports).
        "cut_ties": [],
        "ties_kept": report.cut.as_ref().map_or(&[][..], |c| &c.ties[..]).iter().map(|t| json!({
            "by": t.by,
            "mean_score": t.score,
            "lines": t.more,
        })).collect::<Vec<_>>(),
        "run": run_json(report),
        "overall": row_json(report, &report.overall),
        // Written by `Document`, in these places.
        "groups": [],
        "subtotals": [],
        "trend": report.trend.iter().map(|t| json!({
            "date": t.period,
            "calls": t.calls,
            "passed": t.passed,
            "score_centi": t.score_centi,
            "violation_calls": t.violation_calls,
            "mean_score": t.mean_score(),
            "pass_rate": t.pass_rate(),
            "any_violation_rate": t.violation_rate(),
        })).collect::<Vec<_>>(),
        "score_distribution": report.score_bins.iter().enumerate().map(|(i, n)| json!({
            "from": i * 10,
            "to": if i + 1 == report.score_bins.len() { 100 } else { i * 10 + 10 },
            "calls": n,
        })).collect::<Vec<_>>(),
        "baseline": report.baseline.as_ref().map(|b| json!({
            "file": b.file,
            "version": b.version,
            "group_by": b.group_by,
            "calls": b.calls,
            "first_date": b.first_date,
            "last_date": b.last_date,
            "lines_compared": b.lines_compared,
        })),
        "gates": report.gates.iter().map(gate_json).collect::<Vec<_>>(),
        "gates_passed": report.gates.iter().all(|g| g.passed),
        "accounting": report.accounting,
    })
}

/// The report's JSON document, its lines made one at a time as they are written: with one line
/// per call, the whole document as one `Value` took 50 KB a call (4.9 GB for 98,900 calls).
/// Written as `Value` writes the same document: its entries in order, each line's value whole.
struct Document<'a> {
    report: &'a Report,
    /// `report_json`: everything but the lines.
    rest: Value,
}

/// The leaf lines (`groups`) or the subtotals of a report, as a JSON array.
struct Lines<'a> {
    report: &'a Report,
    leaf: bool,
}

impl Serialize for Lines<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows = || self.report.rows.iter().filter(|r| r.leaf == self.leaf);
        let mut seq = s.serialize_seq(Some(rows().count()))?;
        for row in rows() {
            seq.serialize_element(&row_json(self.report, row))?;
        }
        seq.end()
    }
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(entries) = &self.rest else {
            return self.rest.serialize(s);
        };
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            match key.as_str() {
                "groups" => map.serialize_entry(
                    key,
                    &Lines {
                        report: self.report,
                        leaf: true,
                    },
                )?,
                "subtotals" => map.serialize_entry(
                    key,
                    &Lines {
                        report: self.report,
                        leaf: false,
                    },
                )?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

impl Renderer for JsonRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // Buffered: the pretty printer writes a token at a time, and stdout is line-buffered.
        let mut out = io::BufWriter::new(out);
        let doc = Document {
            report,
            rest: report_json(report),
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        out.flush()
    }
}
