//! The report as CSV: one column per level (`team,agent` gives `team` and `agent` columns), then
//! the table's numbers with the pass rate's 95% interval (`pass_rate_low`, `pass_rate_high`);
//! one line per leaf group (nested reports: no subtotal lines) and a last `(all)` line. Lines of
//! one call (`--group-by call`) add `agent`, `date`, `missed` and `violated` (item ids, `;`
//! between). With a baseline, a `calls_delta` column and one `<column>_delta` column per number
//! follow; with `--csv-item-n`, each item's column is followed by its n (`<item>_n`). Keys come
//! from transcripts, so they are neutralised against formula injection.

use super::{ALL, Metric, Renderer, Report, call_items, columns, delta_number, push_one_decimal};
use crate::columns::{CALL_ITEMS, CALLS_DELTA, DELTA_SUFFIX, ITEM_N_SUFFIX, PASS_RATE_INTERVAL};
use crate::sanitize::csv_cell;
use std::fmt::Write as _;
use std::io::{self, Write};

/// `bom`: start with a UTF-8 byte order mark (`--csv-bom`), which Excel needs to read the
/// file as UTF-8; off by default, as scripts may take it for part of the first header.
/// `item_n`: after each item's column, its n (`--csv-item-n`): the calls it applied to, which a
/// rate hides (an agent's empathy 0.0 may be 0 of 3 upset calls). Off by default, as scripts
/// read the columns by place too.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvRenderer {
    pub bom: bool,
    pub item_n: bool,
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// One line's cells, kept from line to line with their buffers: a report of one line per call
/// has a line for each of maybe a hundred thousand calls, thirty-odd cells each.
#[derive(Default)]
struct Line {
    cells: Vec<String>,
    used: usize,
}

impl Line {
    fn clear(&mut self) {
        self.used = 0;
    }

    /// The next cell, empty.
    fn next(&mut self) -> &mut String {
        if self.used == self.cells.len() {
            self.cells.push(String::new());
        }
        let cell = &mut self.cells[self.used];
        cell.clear();
        self.used += 1;
        cell
    }

    fn push(&mut self, text: &str) {
        self.next().push_str(text);
    }

    fn cells(&self) -> &[String] {
        &self.cells[..self.used]
    }
}

impl Renderer for CsvRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let cols: Vec<_> = columns(report)
            .into_iter()
            .filter(|c| c.metric != Metric::Key)
            .collect();
        let with_delta = report.baseline.is_some();
        let calls_level = report.has_call_level();
        let delta_cols: Vec<_> = cols.iter().filter(|c| c.metric.has_delta()).collect();
        if self.bom {
            out.write_all(BOM)?;
        }
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> = report.levels.iter().map(|l| l.to_string()).collect();
        for c in &cols {
            header.push(c.name.clone());
            if c.metric == Metric::PassRate {
                header.extend(PASS_RATE_INTERVAL.map(String::from));
            }
            if self.item_n && matches!(c.metric, Metric::ItemRate(_)) {
                header.push(format!("{}{ITEM_N_SUFFIX}", c.name));
            }
        }
        if calls_level {
            header.extend(CALL_ITEMS.map(String::from));
        }
        if with_delta {
            header.push(CALLS_DELTA.into());
            header.extend(
                delta_cols
                    .iter()
                    .map(|c| format!("{}{DELTA_SUFFIX}", c.name)),
            );
        }
        w.write_record(&header)?;
        let lines = super::leaf_rows(report);
        let mut line = Line::default();
        for row in lines {
            let overall = std::ptr::eq(row, &report.overall);
            line.clear();
            if overall {
                // The overall line names itself in the first level's column.
                line.push(ALL);
                for _ in 1..report.levels.len() {
                    line.next();
                }
            } else {
                for k in &row.levels {
                    line.push(&csv_cell(k));
                }
            }
            for c in &cols {
                match c.metric {
                    Metric::CallAgent | Metric::CallDate => {
                        line.push(&csv_cell(&c.metric.cell(row, "")));
                    }
                    m => m.push_cell(row, "", line.next()),
                }
                if c.metric == Metric::PassRate {
                    // Its interval's two ends; two empty cells without one.
                    let (low, high) = row.pass_ci.unzip();
                    for end in [low, high] {
                        let cell = line.next();
                        if let Some(v) = end {
                            push_one_decimal(cell, v);
                        }
                    }
                }
                if let (true, Metric::ItemRate(i)) = (self.item_n, c.metric) {
                    let applicable = row.items.get(i).map_or(0, |r| r.applicable);
                    let _ = write!(line.next(), "{applicable}");
                }
            }
            if calls_level {
                if row.is_call() {
                    let (_, missed, violated) = call_items(report, row);
                    line.push(&missed.join(";"));
                    line.push(&violated.join(";"));
                } else {
                    line.next();
                    line.next();
                }
            }
            if with_delta {
                match &row.delta {
                    Some(d) => {
                        line.push(&d.calls.to_string());
                        for c in &delta_cols {
                            line.push(&delta_number(c.metric.delta(d)));
                        }
                    }
                    None => {
                        for _ in 0..=delta_cols.len() {
                            line.next();
                        }
                    }
                }
            }
            w.write_record(line.cells())?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::GroupBy;
    use crate::render::tests::empty_report;
    use crate::report::BaselineInfo;

    /// The header of an itemless report's CSV, grouped by `levels`, with or without a baseline.
    fn header(levels: &[&'static str], baseline: bool) -> Vec<String> {
        let mut report = empty_report(levels);
        if baseline {
            report.baseline = Some(BaselineInfo {
                file: "b.json".into(),
                version: "0".into(),
                group_by: report.group_by.clone(),
                calls: 0,
                first_date: None,
                last_date: None,
                lines_compared: true,
            });
        }
        let mut out = Vec::new();
        CsvRenderer::default().render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
    }

    /// Every column the CSV report writes at any level, nested or not, with a baseline or
    /// not, is one of `columns::REPORT` (so the rubric refuses it as an item id: tester t1,
    /// F15), and each of those is written somewhere.
    #[test]
    fn fixed_columns_are_every_column_but_the_items() {
        let names: Vec<&'static str> = GroupBy::ALL.iter().map(|g| g.name()).collect();
        let mut level_sets: Vec<Vec<&'static str>> = names.iter().map(|n| vec![*n]).collect();
        level_sets.push(vec!["team", "agent"]);
        level_sets.push(vec!["team", "call"]);
        level_sets.push(vec!["queue", "week", "date", "agent"]);
        let fixed: Vec<String> = crate::columns::REPORT.map(String::from).to_vec();
        let mut written = std::collections::BTreeSet::new();
        for levels in &level_sets {
            for baseline in [false, true] {
                for column in header(levels, baseline) {
                    assert!(
                        fixed.contains(&column),
                        "{levels:?} (baseline {baseline}): `{column}` is not reserved"
                    );
                    written.insert(column);
                }
            }
        }
        for name in &fixed {
            assert!(written.contains(name), "`{name}` is never written");
        }
    }

    /// With `--csv-item-n` and a baseline, every column but the fixed ones is a scored item's
    /// id, its change (`_delta`) or its n (`_n`), each once, the n right after its item's rate;
    /// the n is the calls the item applied to.
    #[test]
    fn item_n_columns_follow_their_items_and_are_no_other_column() {
        let rubric = crate::rubric::Rubric::default_rubric();
        let mut report = crate::report::Report::build(
            &rubric,
            crate::aggregate::Aggregate::new(&rubric, GroupBy::Agent),
            crate::accounting::Accounting::default(),
            Vec::new(),
        );
        let first = report
            .items
            .iter()
            .position(|i| i.kind != crate::rubric::Kind::Signal)
            .unwrap();
        report.overall.items[first].applicable = 3;
        report.baseline = Some(BaselineInfo {
            group_by: "agent".into(),
            ..BaselineInfo::default()
        });
        let mut out = Vec::new();
        CsvRenderer {
            bom: false,
            item_n: true,
        }
        .render(&report, &mut out)
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let overall: Vec<&str> = lines.next().unwrap().split(',').collect();
        let unique: std::collections::BTreeSet<&str> = header.iter().copied().collect();
        assert_eq!(unique.len(), header.len(), "a name twice: {header:?}");
        let scored: Vec<&str> = report
            .items
            .iter()
            .filter(|i| i.kind != crate::rubric::Kind::Signal)
            .map(|i| i.id.as_str())
            .collect();
        for (at, column) in header.iter().enumerate() {
            if crate::columns::REPORT.contains(column) || scored.contains(column) {
                continue;
            }
            if let Some(item) = column.strip_suffix(ITEM_N_SUFFIX) {
                assert!(scored.contains(&item), "`{column}`");
                assert_eq!(header[at - 1], item, "`{column}` follows its item");
                let i = rubric.item_index(item).unwrap();
                assert_eq!(
                    overall[at],
                    report.overall.items[i].applicable.to_string(),
                    "`{column}`"
                );
                continue;
            }
            let item = column.strip_suffix(DELTA_SUFFIX);
            assert!(item.is_some_and(|i| scored.contains(&i)), "`{column}`");
        }
        let n_columns = header.iter().filter(|c| c.ends_with(ITEM_N_SUFFIX)).count();
        assert_eq!(n_columns, scored.len());
    }
}
