//! The terminal table (comfy-table), fitted to the terminal's width. Keys come from transcripts,
//! so they pass through `terminal_safe`. With a baseline, cells carry their change (▲/▼).

use super::{ALL, Metric, Renderer, Report, all_rows, columns, fmt1, human_cell, terminal_safe};
use comfy_table::{
    Cell, CellAlignment, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED,
};
use std::io::{self, Write};

pub struct TableRenderer {
    pub color: bool,
}

impl TableRenderer {
    fn colour_of(&self, report: &Report, row: &super::Row, metric: Metric) -> Option<Color> {
        if !self.color {
            return None;
        }
        if report.baseline.is_some()
            && metric.has_delta()
            && let Some(d) = row.delta.as_ref().and_then(|d| metric.delta(d))
            && d != 0.0
        {
            let good = (d > 0.0) != metric.lower_is_better();
            return Some(if good { Color::Green } else { Color::Red });
        }
        if metric == Metric::MeanScore
            && let Some(s) = row.mean_score
        {
            return Some(if s >= report.pass_mark {
                Color::Green
            } else {
                Color::Red
            });
        }
        None
    }
}

impl Renderer for TableRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let cols = columns(report);
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
        table.set_header(cols.iter().map(|c| c.title.clone()));
        if self.color {
            table.enforce_styling();
        }
        for row in all_rows(report) {
            let line: Vec<Cell> = cols
                .iter()
                .map(|c| {
                    if c.metric == Metric::Key {
                        let cell = Cell::new(terminal_safe(&row.key));
                        return if row.key == ALL && self.color {
                            cell.fg(Color::DarkGrey)
                        } else {
                            cell
                        };
                    }
                    let mut cell = Cell::new(human_cell(report, row, c.metric, "-"))
                        .set_alignment(CellAlignment::Right);
                    if let Some(colour) = self.colour_of(report, row, c.metric) {
                        cell = cell.fg(colour);
                    }
                    cell
                })
                .collect();
            table.add_row(line);
        }
        writeln!(out, "{table}")?;
        writeln!(
            out,
            "{} calls, mean score {}, pass rate {}% (pass mark {}); item columns: % of calls where the item applied and was met",
            report.overall.calls,
            fmt1(report.overall.mean_score, "-"),
            fmt1(report.overall.pass_rate, "-"),
            crate::audit::fmt_num(report.pass_mark),
        )?;
        if let Some(b) = &report.baseline {
            writeln!(
                out,
                "▲/▼: change since {} ({} calls{})",
                terminal_safe(&b.file),
                b.calls,
                match (&b.first_date, &b.last_date) {
                    (Some(f), Some(l)) => format!(", {f} to {l}"),
                    _ => String::new(),
                }
            )?;
        }
        Ok(())
    }
}
