//! The terminal table (comfy-table), fitted to the terminal's width. Keys come from transcripts,
//! so they pass through `terminal_safe`. With a baseline, cells carry their change (▲/▼).
//!
//! Numbers never wrap. When the columns cannot fit the terminal even with wrapped headings, item
//! columns are left out from the right, and the line under the table names them.

use super::{
    Column, Metric, Renderer, Report, Row, all_rows, change_note, columns, fmt1, hidden_note,
    plain_cell,
};
use crate::sanitize::terminal_safe;
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

/// Columns a cell takes on screen: colour codes take none.
fn text_width(s: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match c {
            '\x1b' => in_escape = true,
            'm' if in_escape => in_escape = false,
            _ if in_escape => {}
            _ => width += 1,
        }
    }
    width
}

/// The narrowest a column may be: its longest cell (numbers never wrap), at most `KEY_MIN` for
/// the key, and at least its heading's longest word.
fn min_width(title: &str, metric: Metric, cells: &[String]) -> usize {
    let longest = cells.iter().map(|c| text_width(c)).max().unwrap_or(0);
    let content = if metric == Metric::Key {
        longest.min(KEY_MIN)
    } else {
        longest
    };
    let word = title.split(' ').map(text_width).max().unwrap_or(0);
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

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[39m";

fn paint(text: &str, colour: Option<&str>) -> String {
    match colour {
        Some(c) if !text.is_empty() => format!("{c}{text}{RESET}"),
        _ => text.to_string(),
    }
}

impl TableRenderer {
    /// A cell's text. In colour, a score is green at or above the pass mark and red below, also
    /// with a baseline; the change beside it (▲/▼) has its own colour: green for better, red
    /// for worse (a rise in violations is worse).
    fn cell_text(&self, report: &Report, row: &Row, metric: Metric) -> String {
        let value = plain_cell(report, row, metric, "-");
        let note = change_note(report, row, metric);
        if !self.color {
            return match note {
                Some(n) => format!("{value} {n}"),
                None => value,
            };
        }
        let value_colour = match (metric, row.mean_score) {
            (Metric::MeanScore, Some(s)) => Some(if s >= report.pass_mark { GREEN } else { RED }),
            _ => None,
        };
        let value = paint(&value, value_colour);
        let Some(note) = note else {
            return value;
        };
        let change = row.delta.as_ref().and_then(|d| metric.delta(d));
        let note_colour = match change {
            Some(d) if d != 0.0 => {
                let good = (d > 0.0) != metric.lower_is_better(report);
                Some(if good { GREEN } else { RED })
            }
            _ => None,
        };
        format!("{value} {}", paint(&note, note_colour))
    }
}

/// A line's key as the table shows it: indented by its depth in a nested report.
fn key_text(row: &Row) -> String {
    format!("{}{}", "  ".repeat(row.depth()), terminal_safe(&row.key))
}

/// Which columns fit the terminal, at which minimum widths, under which titles.
struct Fitted {
    shown: Vec<usize>,
    hidden: Vec<usize>,
    mins: Vec<usize>,
    /// Whether the item columns are headed by their ids rather than their labels.
    short: bool,
}

impl TableRenderer {
    /// The text of every cell, by column, then by row.
    fn cell_texts(&self, report: &Report, cols: &[Column], rows: &[&Row]) -> Vec<Vec<String>> {
        cols.iter()
            .map(|c| {
                rows.iter()
                    .map(|r| match c.metric {
                        Metric::Key => key_text(r),
                        Metric::CallAgent | Metric::CallDate => {
                            terminal_safe(&c.metric.cell(r, "")).into_owned()
                        }
                        m => self.cell_text(report, r, m),
                    })
                    .collect()
            })
            .collect()
    }

    /// The rubric's labels head the item columns where the terminal has room for them;
    /// else the shorter ids, when they let more columns show.
    fn fit_columns(&self, cols: &[Column], texts: &[Vec<String>]) -> Fitted {
        let mins_with = |short: bool| -> Vec<usize> {
            cols.iter()
                .zip(texts)
                .map(|(c, t)| {
                    let title = if short { &c.short } else { &c.title };
                    min_width(title, c.metric, t)
                })
                .collect()
        };
        let (mut mins, mut short) = (mins_with(false), false);
        let (mut shown, mut hidden) = fit(cols, &mins, self.width);
        if !hidden.is_empty() {
            let short_mins = mins_with(true);
            let (s, h) = fit(cols, &short_mins, self.width);
            if h.len() < hidden.len() {
                (shown, hidden, mins, short) = (s, h, short_mins, true);
            }
        }
        Fitted {
            shown,
            hidden,
            mins,
            short,
        }
    }

    /// The comfy-table of the shown columns, styled for the terminal (or not).
    fn table(
        &self,
        report: &Report,
        cols: &[Column],
        rows: &[&Row],
        texts: &[Vec<String>],
        fitted: &Fitted,
    ) -> Table {
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
        table.set_header(fitted.shown.iter().map(|&i| {
            if fitted.short {
                cols[i].short.clone()
            } else {
                cols[i].title.clone()
            }
        }));
        for (r, row) in rows.iter().enumerate() {
            let overall = std::ptr::eq(*row, &report.overall);
            let line: Vec<Cell> = fitted
                .shown
                .iter()
                .map(|&i| {
                    let metric = cols[i].metric;
                    let mut cell = Cell::new(&texts[i][r]);
                    if !metric.is_text() {
                        cell = cell.set_alignment(CellAlignment::Right);
                    }
                    if metric == Metric::Key && overall && self.color {
                        cell = cell.fg(Color::DarkGrey);
                    } else if metric == Metric::Key && !row.leaf && !overall && self.color {
                        cell = cell.add_attribute(comfy_table::Attribute::Bold);
                    }
                    cell
                })
                .collect();
            table.add_row(line);
        }
        if self.width.is_some() {
            for (n, &i) in fitted.shown.iter().enumerate() {
                if let Some(column) = table.column_mut(n) {
                    // comfy-table's boundaries count the padding (one space each side).
                    let min = u16::try_from(fitted.mins[i] + 2).unwrap_or(u16::MAX);
                    column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(min)));
                }
            }
        }
        table
    }

    /// The lines under the table: the totals, the legend, and what was hidden or compared.
    fn write_footer(
        &self,
        report: &Report,
        cols: &[Column],
        hidden: &[usize],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        writeln!(
            out,
            "{} calls, mean score {}, pass rate {} (pass mark {}), {} with a violation",
            report.overall.calls,
            fmt1(report.overall.mean_score, "-"),
            report
                .overall
                .pass_rate
                .map_or("-".into(), |p| format!("{p:.1}%")),
            crate::audit::fmt_num(report.pass_mark),
            report
                .overall
                .violation_rate
                .map_or("-".into(), |p| format!("{p:.1}%")),
        )?;
        writeln!(
            out,
            "Calls: the line's n. Item columns: % of calls where the item applied and occurred (expected items: higher is better; violations: lower is better)."
        )?;
        if report.has_call_level() {
            writeln!(
                out,
                "Call lines: ✓ met, ✗ missed or violated (✗2: twice), – not applicable; `callaudit explain INPUT --call ID` shows why."
            )?;
        }
        if report.hidden > 0 {
            writeln!(out, "{}", hidden_note(report))?;
        }
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

impl Renderer for TableRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let cols = columns(report);
        let rows: Vec<&Row> = all_rows(report).collect();
        let texts = self.cell_texts(report, &cols, &rows);
        let fitted = self.fit_columns(&cols, &texts);
        let table = self.table(report, &cols, &rows, &texts, &fitted);
        writeln!(out, "{table}")?;
        self.write_footer(report, &cols, &fitted.hidden, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, metric: Metric) -> Column {
        Column {
            name: name.into(),
            title: name.into(),
            short: name.into(),
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
            col("viol", Metric::ViolationRate),
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
        assert_eq!(
            min_width("agent", Metric::Key, &["cara.diaz".into(), "(all)".into()]),
            9
        );
        let long = "x".repeat(40);
        assert_eq!(min_width("agent", Metric::Key, &[long]), KEY_MIN);
        let score = Metric::MeanScore;
        assert_eq!(min_width("Mean score", score, &["90.7 ▲12.4".into()]), 10);
        assert_eq!(
            min_width("Mean score", score, &["\x1b[32m90.7\x1b[39m".into()]),
            5,
            "colour codes take no room"
        );
        assert_eq!(
            min_width("Mean score", score, &["5.0".into()]),
            5,
            "the heading's longest word"
        );
    }
}
