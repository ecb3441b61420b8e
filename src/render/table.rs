//! The terminal table (comfy-table), fitted to the terminal's width. Keys come from transcripts,
//! so they pass through `terminal_safe`. With a baseline, cells carry their change (▲/▼).
//!
//! Numbers never wrap. When the columns cannot fit the terminal even with wrapped headings, item
//! columns are left out from the right, and the line under the table names them.

use super::{
    Column, Metric, Renderer, Report, Row, all_rows, columns, fmt1, human_cell, terminal_safe,
};
use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width,
    presets::UTF8_FULL_CONDENSED,
};
use std::io::{self, Write};

pub struct TableRenderer {
    pub color: bool,
    /// The terminal's width in columns; `None` when the table does not go to a terminal (it is
    /// then never wrapped).
    pub width: Option<u16>,
}

/// Longest key shown unwrapped; longer keys wrap.
const KEY_MIN: usize = 24;

/// Characters a column takes beyond its content: one space each side and one border.
const COLUMN_OVERHEAD: usize = 3;

fn text_width(s: &str) -> usize {
    s.chars().count()
}

/// The narrowest a column may be: its longest cell (numbers never wrap), at most `KEY_MIN` for
/// the key, and at least its heading's longest word.
fn min_width(col: &Column, cells: &[String]) -> usize {
    let longest = cells.iter().map(|c| text_width(c)).max().unwrap_or(0);
    let content = if col.metric == Metric::Key {
        longest.min(KEY_MIN)
    } else {
        longest
    };
    let word = col.title.split(' ').map(text_width).max().unwrap_or(0);
    content.max(word).max(1)
}

/// Which columns fit in `width`: all, or all but the rightmost item columns.
fn fit(cols: &[Column], mins: &[usize], width: Option<u16>) -> (Vec<usize>, Vec<usize>) {
    let mut shown: Vec<usize> = (0..cols.len()).collect();
    let mut hidden = Vec::new();
    let Some(width) = width else {
        return (shown, hidden);
    };
    let total = |shown: &[usize]| -> usize {
        shown
            .iter()
            .map(|&i| mins[i] + COLUMN_OVERHEAD)
            .sum::<usize>()
            + 1
    };
    while total(&shown) > usize::from(width) {
        let Some(pos) = shown
            .iter()
            .rposition(|&i| matches!(cols[i].metric, Metric::ItemRate(_)))
        else {
            break;
        };
        hidden.insert(0, shown.remove(pos));
    }
    (shown, hidden)
}

impl TableRenderer {
    fn colour_of(&self, report: &Report, row: &Row, metric: Metric) -> Option<Color> {
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
        let rows: Vec<&Row> = all_rows(report).collect();
        // Cell texts by column, then by row.
        let texts: Vec<Vec<String>> = cols
            .iter()
            .map(|c| {
                rows.iter()
                    .map(|r| match c.metric {
                        Metric::Key => terminal_safe(&r.key).into_owned(),
                        m => human_cell(report, r, m, "-"),
                    })
                    .collect()
            })
            .collect();
        let mins: Vec<usize> = cols
            .iter()
            .zip(&texts)
            .map(|(c, t)| min_width(c, t))
            .collect();
        let (shown, hidden) = fit(&cols, &mins, self.width);

        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        match self.width {
            Some(w) => {
                table
                    .set_width(w)
                    .set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                table
                    .force_no_tty()
                    .set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        if self.color {
            table.enforce_styling();
        }
        table.set_header(shown.iter().map(|&i| cols[i].title.clone()));
        for (r, row) in rows.iter().enumerate() {
            let line: Vec<Cell> = shown
                .iter()
                .map(|&i| {
                    let metric = cols[i].metric;
                    let mut cell = Cell::new(&texts[i][r]);
                    if metric != Metric::Key {
                        cell = cell.set_alignment(CellAlignment::Right);
                    }
                    if metric == Metric::Key && std::ptr::eq(*row, &report.overall) && self.color {
                        cell = cell.fg(Color::DarkGrey);
                    } else if let Some(colour) = self.colour_of(report, row, metric) {
                        cell = cell.fg(colour);
                    }
                    cell
                })
                .collect();
            table.add_row(line);
        }
        if self.width.is_some() {
            for (n, &i) in shown.iter().enumerate() {
                if let Some(column) = table.column_mut(n) {
                    // comfy-table's boundaries count the padding (one space each side).
                    let min = u16::try_from(mins[i] + 2).unwrap_or(u16::MAX);
                    column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(min)));
                }
            }
        }
        writeln!(out, "{table}")?;
        writeln!(
            out,
            "{} calls, mean score {}, pass rate {} (pass mark {}); item columns: % of calls where the item applied and was met",
            report.overall.calls,
            fmt1(report.overall.mean_score, "-"),
            report
                .overall
                .pass_rate
                .map_or("-".into(), |p| format!("{p:.1}%")),
            crate::audit::fmt_num(report.pass_mark),
        )?;
        if !hidden.is_empty() {
            let names: Vec<&str> = hidden.iter().map(|&i| cols[i].name.as_str()).collect();
            writeln!(
                out,
                "not shown, to fit {} columns: {} (widen the terminal, or use --format csv, markdown or html)",
                self.width.unwrap_or(0),
                names.join(", ")
            )?;
        }
        if let Some(o) = &report.overrides {
            writeln!(out, "{}", terminal_safe(&o.summary()))?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, metric: Metric) -> Column {
        Column {
            name: name.into(),
            title: name.into(),
            metric,
        }
    }

    #[test]
    fn item_columns_go_from_the_right_until_the_table_fits() {
        let cols = [
            col("agent", Metric::Key),
            col("score", Metric::MeanScore),
            col("a", Metric::ItemRate(0)),
            col("b", Metric::ItemRate(1)),
            col("viol", Metric::ViolationsPer100),
        ];
        let mins = [10, 5, 5, 5, 5];
        // Each column takes its minimum plus 3, and the table one more border.
        assert_eq!(fit(&cols, &mins, Some(46)), (vec![0, 1, 2, 3, 4], vec![]));
        assert_eq!(fit(&cols, &mins, Some(45)), (vec![0, 1, 2, 4], vec![3]));
        assert_eq!(fit(&cols, &mins, Some(20)), (vec![0, 1, 4], vec![2, 3]));
        assert_eq!(fit(&cols, &mins, None).1, Vec::<usize>::new());
    }

    #[test]
    fn numbers_and_short_keys_set_the_minimum() {
        let key = col("agent", Metric::Key);
        assert_eq!(min_width(&key, &["cara.diaz".into(), "(all)".into()]), 9);
        let long = "x".repeat(40);
        assert_eq!(min_width(&key, &[long]), KEY_MIN);
        let score = Column {
            title: "Mean score".into(),
            ..col("mean_score", Metric::MeanScore)
        };
        assert_eq!(min_width(&score, &["90.7 ▲12.4".into()]), 10);
        assert_eq!(
            min_width(&score, &["5.0".into()]),
            5,
            "the heading's longest word"
        );
    }
}
