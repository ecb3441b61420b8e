//! The report as one JSON document: every number of the table plus the raw counts, the
//! rubric, the run and its accounting.

use super::{ItemRate, Renderer, Report, Row};
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
            rate,
        } = *r;
        items.insert(
            info.id.clone(),
            json!({"applicable": applicable, "occurred": occurred, "matches": matches, "rate": rate}),
        );
    }
    json!({
        "key": row.key,
        "calls": row.calls,
        "upset_calls": row.upset_calls,
        "mean_score": row.mean_score,
        "pass_rate": row.pass_rate,
        "violations_per_100_calls": row.violations_per_100,
        "calmed_rate": row.calmed_rate,
        "items": items,
    })
}

/// The report as a JSON value (also what `--baseline` reads back).
pub fn report_json(report: &Report) -> Value {
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
        "rubric": {"name": report.rubric_name, "pass_mark": report.pass_mark, "items": items},
        "group_by": report.group_by,
        "run": {
            "inputs": report.run.inputs,
            "first_date": report.run.first_date,
            "last_date": report.run.last_date,
        },
        "overall": row_json(report, &report.overall),
        "groups": report.rows.iter().map(|r| row_json(report, r)).collect::<Vec<_>>(),
        "accounting": report.accounting,
    })
}

impl Renderer for JsonRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &report_json(report))?;
        writeln!(out)
    }
}
