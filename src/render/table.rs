//! The terminal table (comfy-table), fitted to the terminal's width.

use super::{ALL, Renderer, Report, fmt1, row_cells};
use comfy_table::{
    Cell, CellAlignment, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED,
};
use std::io::{self, Write};

pub struct TableRenderer {
    pub color: bool,
}

impl Renderer for TableRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
        let group = report.group_by;
        let mut header = vec![
            capitalise(group),
            "Calls".into(),
            "Upset".into(),
            "Score".into(),
            "Pass %".into(),
        ];
        header.extend(report.expected_items().map(|(_, i)| format!("{} %", i.id)));
        header.push("Viol/100".into());
        header.push("Calmed %".into());
        table.set_header(header);
        if self.color {
            table.enforce_styling();
        }
        for row in report.rows.iter().chain(std::iter::once(&report.overall)) {
            let cells = row_cells(report, row, "-");
            let mut line: Vec<Cell> = Vec::with_capacity(cells.len());
            for (i, c) in cells.into_iter().enumerate() {
                let mut cell = Cell::new(c);
                if i > 0 {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if self.color
                    && i == 3
                    && let Some(s) = row.mean_score
                {
                    cell = cell.fg(if s >= report.pass_mark {
                        Color::Green
                    } else {
                        Color::Red
                    });
                }
                line.push(cell);
            }
            if row.key == ALL && self.color {
                line[0] = Cell::new(ALL).fg(Color::DarkGrey);
            }
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
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
