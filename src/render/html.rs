//! The report as one self-contained HTML page, for managers to open and share: summary figures,
//! a bar chart of mean scores per line and a heat map of item rates (inline SVG), the sortable
//! table of the same columns as the other formats, the rubric, and the run's metadata.
//!
//! Everything is inline (CSS, JS, SVG) and a Content-Security-Policy forbids any fetch, so the
//! page works from a mail attachment and never calls out. Every number comes from the `Report`,
//! formatted by the same helpers as the table, so the page agrees with the other formats.

use super::{
    Metric, Renderer, Report, Row, all_rows, columns, delta_arrow, fmt1, human_cell, run_summary,
    terminal_safe,
};
use crate::audit::fmt_num;
use crate::rubric::Kind;
use std::fmt::Write as _;
use std::io::{self, Write};

pub struct HtmlRenderer;

/// Escapes text for HTML content and attribute values; control characters go first.
pub fn esc(s: &str) -> String {
    let safe = terminal_safe(s);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #f6f7f9; --card: #fff;
        --good: #1a7f37; --bad: #c62828; --bar: #3b6fd8; --bar-all: #8a93a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 16px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
          padding: 16px 20px; margin: 0 0 16px; overflow-x: auto; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.figure .v { font-size: 22px; font-weight: 600; }
.figure .k { color: var(--muted); font-size: 12px; }
.up { color: var(--good); } .down { color: var(--bad); }
.bad-up .up { color: var(--bad); } .bad-up .down { color: var(--good); }
.gate { margin: 4px 0; } .gate.pass b { color: var(--good); } .gate.fail b { color: var(--bad); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef1f6; position: sticky; top: 0; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable thead th[aria-sort=descending]::after { content: " ▼"; }
tfoot td { font-weight: 600; border-top: 2px solid var(--ink); }
td .d { font-size: 11px; margin-left: 4px; }
.figure .d { font-size: 14px; margin-left: 6px; }
table.plain td, table.plain th { text-align: left; white-space: normal; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg .muted { fill: var(--muted); }
.legend { color: var(--muted); font-size: 12px; margin-top: 6px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; }
ul.inputs { margin: 0; padding-left: 18px; }
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "descending" ? 1 : -1;
    if (th.dataset.type === "text" && !th.hasAttribute("aria-sort")) { dir = 1; }
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-sort");
      var y = b.cells[col].getAttribute("data-sort");
      if (th.dataset.type === "text") { return x.localeCompare(y) * dir; }
      // Missing numbers go last whichever the direction.
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      return (parseFloat(x) - parseFloat(y)) * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent;
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, col, th); }
      });
    });
  });
})();
"#;

/// A change as a small coloured note after a number.
fn delta_note(d: Option<f64>) -> String {
    match d {
        Some(v) if v > 0.0 => format!(r#"<span class="d up">{}</span>"#, delta_arrow(d)),
        Some(v) if v < 0.0 => format!(r#"<span class="d down">{}</span>"#, delta_arrow(d)),
        Some(_) => r#"<span class="d">=</span>"#.into(),
        None => String::new(),
    }
}

/// Background for a heat map cell: red (bad) through amber to green (good).
fn heat(good: f64) -> String {
    format!("hsl({:.0}, 65%, 78%)", 120.0 * good.clamp(0.0, 1.0))
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

fn figures(report: &Report, h: &mut String) {
    let o = &report.overall;
    let d = o.delta.as_ref();
    let fig = |h: &mut String, value: String, label: &str, delta: Option<f64>, bad_up: bool| {
        let _ = write!(
            h,
            r#"<div class="figure{}"><div class="v">{value}{}</div><div class="k">{label}</div></div>"#,
            if bad_up { " bad-up" } else { "" },
            delta_note(delta)
        );
    };
    h.push_str(r#"<div class="figures">"#);
    fig(h, o.calls.to_string(), "calls", None, false);
    fig(
        h,
        fmt1(o.mean_score, "–"),
        "mean score",
        d.and_then(|d| d.mean_score),
        false,
    );
    fig(
        h,
        format!("{}%", fmt1(o.pass_rate, "–")),
        &format!("passed (pass mark {})", fmt_num(report.pass_mark)),
        d.and_then(|d| d.pass_rate),
        false,
    );
    fig(
        h,
        fmt1(o.violations_per_100, "–"),
        "violations per 100 calls",
        d.and_then(|d| d.violations_per_100),
        true,
    );
    fig(
        h,
        format!("{}%", fmt1(o.calmed_rate, "–")),
        &format!("of {} upset customers calmed", o.upset_calls),
        d.and_then(|d| d.calmed_rate),
        false,
    );
    h.push_str("</div>");
}

fn gates(report: &Report, h: &mut String) {
    if report.gates.is_empty() {
        return;
    }
    h.push_str(r#"<section id="gates"><h2>Gates</h2>"#);
    for g in &report.gates {
        let _ = write!(
            h,
            r#"<p class="gate {}"><b>{}</b> <code>{}</code>: {}</p>"#,
            if g.passed { "pass" } else { "fail" },
            if g.passed { "passed" } else { "FAILED" },
            esc(&g.gate.flag()),
            esc(&g.reason)
        );
    }
    h.push_str("</section>");
}

/// Horizontal bars of each line's mean score, with the pass mark as a dashed line.
fn bar_chart(report: &Report, h: &mut String) {
    let rows: Vec<&Row> = all_rows(report).collect();
    let (label_w, bar_w, row_h, top) = (170.0, 560.0, 24.0, 22.0);
    let width = label_w + bar_w + 60.0;
    let height = top + row_h * rows.len() as f64 + 8.0;
    let _ = write!(
        h,
        r#"<section id="scores"><h2>Mean score by {group}</h2><svg role="img" aria-label="Mean score by {group}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#,
        group = report.group_by
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = label_w + bar_w * tick / 100.0;
        let _ = write!(
            h,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{}" stroke="#e3e6ec"/><text class="muted" x="{x}" y="14" text-anchor="middle">{tick}</text>"##,
            height - 8.0
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let score = row.mean_score.unwrap_or(0.0);
        let w = bar_w * score.clamp(0.0, 100.0) / 100.0;
        let colour = if std::ptr::eq(*row, &report.overall) {
            "var(--bar-all)"
        } else {
            "var(--bar)"
        };
        let _ = write!(
            h,
            r#"<g><title>{key}: mean score {value} over {calls} call(s)</title><text x="{lx}" y="{ty}" text-anchor="end">{short}</text><rect x="{label_w}" y="{ry}" width="{w:.1}" height="{bh}" rx="2" fill="{colour}"/><text x="{vx:.1}" y="{ty}">{value}</text></g>"#,
            key = esc(&row.key),
            short = esc(&shorten(&row.key, 24)),
            value = fmt1(row.mean_score, "–"),
            calls = row.calls,
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 4.0,
            ry = y + 4.0,
            bh = row_h - 8.0,
            vx = label_w + w + 6.0,
        );
    }
    let px = label_w + bar_w * report.pass_mark.clamp(0.0, 100.0) / 100.0;
    let _ = write!(
        h,
        r##"<line x1="{px}" y1="{top}" x2="{px}" y2="{}" stroke="#c62828" stroke-dasharray="4 3"><title>pass mark {}</title></line></svg><p class="legend">Bars: mean score (0–100) of each {}; dashed line: the pass mark ({}); grey: all calls.</p></section>"##,
        height - 8.0,
        fmt_num(report.pass_mark),
        report.group_by,
        fmt_num(report.pass_mark)
    );
}

/// One cell per line and item: the share of calls where the item occurred, coloured by how
/// good that is (expected items: high is good; violations: high is bad).
fn heat_map(report: &Report, h: &mut String) {
    let items: Vec<(usize, &super::ItemInfo)> = report
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind != Kind::Signal)
        .collect();
    let rows: Vec<&Row> = all_rows(report).collect();
    let (label_w, cell_w, cell_h, head_h) = (170.0, 46.0, 24.0, 130.0);
    let width = label_w + cell_w * items.len() as f64 + 10.0;
    let height = head_h + cell_h * rows.len() as f64 + 4.0;
    let _ = write!(
        h,
        r#"<section id="heatmap"><h2>Items by {group}</h2><svg role="img" aria-label="Item rates by {group}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#,
        group = report.group_by
    );
    for (c, (_, item)) in items.iter().enumerate() {
        let x = label_w + cell_w * c as f64 + cell_w / 2.0;
        let _ = write!(
            h,
            r#"<text x="{x}" y="{y}" transform="rotate(-45 {x} {y})"{cls}><title>{label} ({kind})</title>{id}</text>"#,
            y = head_h - 8.0,
            cls = if item.kind == Kind::Violation {
                r#" class="muted""#
            } else {
                ""
            },
            label = esc(&item.label),
            kind = item.kind.as_str(),
            id = esc(&item.id),
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let y = head_h + cell_h * r as f64;
        let _ = write!(
            h,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + cell_h / 2.0 + 4.0,
            esc(&shorten(&row.key, 24))
        );
        for (c, (i, item)) in items.iter().enumerate() {
            let x = label_w + cell_w * c as f64;
            let rate = row.items[*i];
            let fill = match rate.rate {
                None => "#eceef2".to_string(),
                Some(v) if item.kind == Kind::Violation => heat(1.0 - v / 100.0),
                Some(v) => heat(v / 100.0),
            };
            let _ = write!(
                h,
                r##"<g><title>{key} · {id}: {what} in {occ} of {app} applicable call(s)</title><rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{fill}" stroke="#fff"/><text x="{tx}" y="{ty}" text-anchor="middle">{v}</text></g>"##,
                key = esc(&row.key),
                id = esc(&item.id),
                what = if item.kind == Kind::Violation {
                    "occurred"
                } else {
                    "met"
                },
                occ = rate.occurred,
                app = rate.applicable,
                cw = cell_w,
                ch = cell_h,
                tx = x + cell_w / 2.0,
                ty = y + cell_h / 2.0 + 4.0,
                v = fmt1(rate.rate, "–"),
            );
        }
    }
    h.push_str(r#"</svg><p class="legend">Percent of calls where the item applied and occurred. Expected items (dark labels): green is good. Violations (grey labels): green means they rarely occurred, red often. Grey cells: the item never applied.</p></section>"#);
}

fn table(report: &Report, h: &mut String) {
    let cols = columns(report);
    h.push_str(r#"<section id="report"><h2>Report</h2><table class="sortable" id="report-table"><thead><tr>"#);
    for c in &cols {
        let _ = write!(
            h,
            r#"<th data-type="{}" data-col="{}">{}</th>"#,
            if c.metric == Metric::Key {
                "text"
            } else {
                "number"
            },
            esc(&c.name),
            esc(&c.title)
        );
    }
    h.push_str("</tr></thead><tbody>");
    let cells = |row: &Row, tag: &str| -> String {
        let mut s = String::from("<tr>");
        for c in &cols {
            let sort = match c.metric {
                Metric::Key => esc(&row.key),
                m => m.value(row).map_or_else(String::new, |v| v.to_string()),
            };
            let text = match c.metric {
                Metric::Key => esc(&row.key),
                m => m.cell(row, "–"),
            };
            let note = if report.baseline.is_some() && c.metric.has_delta() {
                match &row.delta {
                    Some(d) => delta_note(c.metric.delta(d)),
                    None if c.metric == Metric::MeanScore => r#"<span class="d">new</span>"#.into(),
                    None => String::new(),
                }
            } else {
                String::new()
            };
            let class = if c.metric.lower_is_better() {
                r#" class="bad-up""#
            } else {
                ""
            };
            let _ = write!(
                s,
                r#"<{tag}{class} data-sort="{sort}" title="{title}">{text}{note}</{tag}>"#,
                title = esc(&human_cell(report, row, c.metric, "–")),
            );
        }
        s.push_str("</tr>");
        s
    };
    for row in &report.rows {
        h.push_str(&cells(row, "td"));
    }
    h.push_str("</tbody><tfoot>");
    h.push_str(&cells(&report.overall, "td"));
    h.push_str("</tfoot></table><p class=\"legend\">Click a heading to sort. Item columns: % of calls where the item applied and was met. Viol/100: violations per 100 calls. Calmed %: upset customers who calmed down.");
    if report.baseline.is_some() {
        h.push_str(" ▲/▼: change since the baseline; new: not in the baseline.");
    }
    h.push_str("</p></section>");
}

fn rubric(report: &Report, h: &mut String) {
    let _ = write!(
        h,
        r#"<section id="rubric"><h2>Rubric: {}</h2><p>Pass mark {}.</p><table class="plain"><thead><tr><th>Item</th><th>Label</th><th>Kind</th><th>Speaker</th><th>Weight</th><th>Penalty</th><th>Auto-fail</th></tr></thead><tbody>"#,
        esc(&report.rubric_name),
        fmt_num(report.pass_mark)
    );
    for i in &report.items {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.label),
            i.kind.as_str(),
            i.speaker,
            fmt_num(i.weight),
            fmt_num(i.penalty),
            if i.auto_fail { "yes" } else { "no" }
        );
    }
    h.push_str("</tbody></table></section>");
}

fn run_info(report: &Report, h: &mut String) {
    h.push_str(r#"<section id="run"><h2>Run</h2><dl>"#);
    let _ = write!(
        h,
        "<dt>Tool</dt><dd>callaudit {}</dd>",
        esc(report.tool_version)
    );
    let dates = match (&report.run.first_date, &report.run.last_date) {
        (Some(f), Some(l)) => format!("{} to {}", esc(f), esc(l)),
        _ => "no dated calls".into(),
    };
    let _ = write!(h, "<dt>Dates</dt><dd>{dates}</dd>");
    let _ = write!(h, "<dt>Grouped by</dt><dd>{}</dd>", report.group_by);
    let _ = write!(
        h,
        r#"<dt>Inputs ({})</dt><dd><details{}><summary>{} file(s)</summary><ul class="inputs">"#,
        report.run.inputs.len(),
        if report.run.inputs.len() <= 10 {
            " open"
        } else {
            ""
        },
        report.run.inputs.len()
    );
    for i in &report.run.inputs {
        let _ = write!(h, "<li>{}</li>", esc(i));
    }
    h.push_str("</ul></details></dd>");
    if let Some(o) = &report.overrides {
        let _ = write!(h, "<dt>Overrides</dt><dd>{}</dd>", esc(&o.summary()));
    }
    if let Some(b) = &report.baseline {
        let _ = write!(
            h,
            "<dt>Baseline</dt><dd>{} (callaudit {}, grouped by {}, {} calls{})</dd>",
            esc(&b.file),
            esc(&b.version),
            esc(&b.group_by),
            b.calls,
            match (&b.first_date, &b.last_date) {
                (Some(f), Some(l)) => format!(", {} to {}", esc(f), esc(l)),
                _ => String::new(),
            }
        );
    }
    // Every counter of the run's accounting, as the JSON report has them.
    if let Ok(serde_json::Value::Object(counts)) = serde_json::to_value(&report.accounting) {
        for (k, v) in counts {
            let value = match v {
                serde_json::Value::Object(m) if m.is_empty() => "0".to_string(),
                serde_json::Value::Object(m) => m
                    .iter()
                    .map(|(r, n)| format!("{n} {}", r.replace('_', " ")))
                    .collect::<Vec<_>>()
                    .join(", "),
                v => v.to_string(),
            };
            let _ = write!(
                h,
                "<dt>{}</dt><dd>{}</dd>",
                esc(&k.replace('_', " ")),
                esc(&value)
            );
        }
    }
    h.push_str("</dl></section>");
}

impl Renderer for HtmlRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut h = String::with_capacity(64 * 1024);
        let _ = write!(
            h,
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>callaudit report: {rubric}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>callaudit report</h1><p class="sub">{rubric} · {summary}</p></header>
<main>
"#,
            rubric = esc(&report.rubric_name),
            summary = esc(&run_summary(report)),
        );
        h.push_str(r#"<section id="summary"><h2>Overall</h2>"#);
        figures(report, &mut h);
        h.push_str("</section>\n");
        gates(report, &mut h);
        bar_chart(report, &mut h);
        h.push('\n');
        heat_map(report, &mut h);
        h.push('\n');
        table(report, &mut h);
        h.push('\n');
        rubric(report, &mut h);
        h.push('\n');
        run_info(report, &mut h);
        let _ = write!(
            h,
            "\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
        );
        out.write_all(h.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')</script>&\x1b[2J"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn heat_runs_red_to_green() {
        assert_eq!(heat(0.0), "hsl(0, 65%, 78%)");
        assert_eq!(heat(1.0), "hsl(120, 65%, 78%)");
        assert_eq!(heat(2.0), "hsl(120, 65%, 78%)");
    }
}
