//! The report as GitHub-flavoured Markdown: a short header with the run's metadata (rubric,
//! inputs, dates, counts, baseline, gates), then a table of the same columns and numbers as the
//! terminal table. Text from transcripts (keys, file names) is escaped so it cannot become
//! markup, links or HTML.

use super::{
    ALL, Metric, Renderer, Report, capitalise, columns, fmt1, hidden_note, human_cell, run_summary,
};
use crate::audit::fmt_num;
use crate::sanitize::markdown_text;
use std::io::{self, Write};

pub struct MarkdownRenderer;

/// How many input names the header lists before it summarises the rest.
const INPUTS_LISTED: usize = 10;

impl Renderer for MarkdownRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_header(report, out)?;
        write_table(report, out)?;
        write_footer(report, out)
    }
}

/// The title and the list of what the report is about: rubric, inputs, run, baseline, gates.
fn write_header(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# callaudit report\n")?;
    writeln!(
        out,
        "- **Rubric:** {} (pass mark {})",
        markdown_text(&report.rubric_name),
        fmt_num(report.pass_mark)
    )?;
    let inputs = &report.run.inputs;
    let mut listed: Vec<String> = inputs
        .iter()
        .take(INPUTS_LISTED)
        .map(|i| markdown_text(i))
        .collect();
    if inputs.len() > INPUTS_LISTED {
        listed.push(format!("… and {} more", inputs.len() - INPUTS_LISTED));
    }
    writeln!(out, "- **Inputs:** {}", listed.join(", "))?;
    let filters = super::filters_summary(report);
    if !filters.is_empty() {
        writeln!(out, "- **Filters:** {}", markdown_text(&filters))?;
    }
    writeln!(out, "- **Run:** {}", run_summary(report))?;
    if let Some(o) = &report.overrides {
        writeln!(out, "- **Overrides:** {}", markdown_text(&o.summary()))?;
    }
    writeln!(out, "- **Grouped by:** {}", report.group_by)?;
    if let Some(b) = &report.baseline {
        writeln!(
            out,
            "- **Baseline:** {} ({} calls{}); ▲/▼ show the change since it{}",
            markdown_text(&b.file),
            b.calls,
            match (&b.first_date, &b.last_date) {
                (Some(f), Some(l)) => format!(", {f} to {l}"),
                _ => String::new(),
            },
            super::baseline_scope(report)
        )?;
    }
    for g in &report.gates {
        writeln!(
            out,
            "- **Gate** `{}`: {} — {}",
            g.gate.flag(),
            if g.passed { "passed" } else { "FAILED" },
            markdown_text(&g.reason)
        )?;
    }
    writeln!(out)?;

    Ok(())
}

/// The table: leaf lines with one column per level (Markdown has no nesting), then the
/// overall line.
fn write_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let cols: Vec<_> = columns(report)
        .into_iter()
        .filter(|c| c.metric != Metric::Key)
        .collect();
    let mut header: Vec<String> = report.levels.iter().map(|l| capitalise(l)).collect();
    header.extend(cols.iter().map(|c| markdown_text(&c.title)));
    writeln!(out, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = report
        .levels
        .iter()
        .map(|_| "---")
        .chain(
            cols.iter()
                .map(|c| if c.metric.is_text() { "---" } else { "---:" }),
        )
        .collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    let lines = super::leaf_rows(report);
    for row in lines {
        let mut cells: Vec<String> = if std::ptr::eq(row, &report.overall) {
            std::iter::once(ALL.to_string())
                .chain(std::iter::repeat_n(String::new(), report.levels.len() - 1))
                .collect()
        } else {
            row.levels.iter().map(|k| markdown_text(k)).collect()
        };
        cells.extend(cols.iter().map(|c| match c.metric {
            Metric::CallAgent | Metric::CallDate => markdown_text(&c.metric.cell(row, "")),
            m => human_cell(report, row, m, "–"),
        }));
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// The totals and the key under the table.
fn write_footer(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "\n{} calls, mean score {}, pass rate {}, {} with a violation. Calls: the line's n. Item columns: of the calls where the item applied, % where it was met (expected items: higher is better) or occurred (violations: lower is better); Calmed %: upset customers who calmed down.",
        report.overall.calls,
        fmt1(report.overall.mean_score, "–"),
        report
            .overall
            .pass_rate
            .map_or("–".into(), |p| format!("{p:.1}%")),
        report
            .overall
            .violation_rate
            .map_or("–".into(), |p| format!("{p:.1}%")),
    )?;
    if let Some(line) = super::weakest_items_line(report) {
        writeln!(out, "\n{}", markdown_text(&line))?;
    }
    if report.has_call_level() {
        writeln!(
            out,
            "\nCall lines: ✓ met, ✗ missed, ! violated (!2: twice), – not applicable, blank: did not occur."
        )?;
    }
    if report.hidden > 0 {
        writeln!(out, "\n{}", markdown_text(&hidden_note(report)))?;
    }
    let cut = super::cut_note(report);
    if !cut.is_empty() {
        writeln!(out, "\n{}", markdown_text(&cut))?;
    }
    Ok(())
}
