//! The report as CSV: one column per level (`team,agent` gives `team` and `agent` columns), then
//! the table's numbers with the pass rate's 95% interval (`pass_rate_low`, `pass_rate_high`);
//! one line per leaf group (nested reports: no subtotal lines) and a last `(all)` line. Lines of
//! one call (`--group-by call`) add `agent`, `date`, `missed` and `violated` (item ids, `;`
//! between). With a baseline, a `calls_delta` column and one `<column>_delta` column per number
//! follow. Keys come from transcripts, so they are neutralised against formula injection.

use super::{ALL, Metric, Renderer, Report, Row, call_items, columns, delta_number};
use crate::sanitize::csv_cell;
use std::io::{self, Write};

pub struct CsvRenderer;

fn interval(row: &Row, high: bool) -> String {
    row.pass_ci.map_or_else(String::new, |(lo, hi)| {
        format!("{:.1}", if high { hi } else { lo })
    })
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
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> = report.levels.iter().map(|l| l.to_string()).collect();
        for c in &cols {
            header.push(c.name.clone());
            if c.metric == Metric::PassRate {
                header.extend(["pass_rate_low".into(), "pass_rate_high".into()]);
            }
        }
        if calls_level {
            header.extend(["missed".into(), "violated".into()]);
        }
        if with_delta {
            header.push("calls_delta".into());
            header.extend(delta_cols.iter().map(|c| format!("{}_delta", c.name)));
        }
        w.write_record(&header)?;
        let lines = super::leaf_rows(report);
        for row in lines {
            let overall = std::ptr::eq(row, &report.overall);
            let mut cells: Vec<String> = if overall {
                // The overall line names itself in the first level's column.
                std::iter::once(ALL.to_string())
                    .chain(std::iter::repeat_n(String::new(), report.levels.len() - 1))
                    .collect()
            } else {
                row.levels.iter().map(|k| csv_cell(k)).collect()
            };
            for c in &cols {
                cells.push(match c.metric {
                    Metric::CallAgent | Metric::CallDate => csv_cell(&c.metric.cell(row, "")),
                    m => m.cell(row, ""),
                });
                if c.metric == Metric::PassRate {
                    cells.extend([interval(row, false), interval(row, true)]);
                }
            }
            if calls_level {
                if row.is_call() {
                    let (_, missed, violated) = call_items(report, row);
                    cells.extend([missed.join(";"), violated.join(";")]);
                } else {
                    cells.extend([String::new(), String::new()]);
                }
            }
            if with_delta {
                match &row.delta {
                    Some(d) => {
                        cells.push(d.calls.to_string());
                        cells.extend(delta_cols.iter().map(|c| delta_number(c.metric.delta(d))));
                    }
                    None => cells.extend(std::iter::repeat_n(String::new(), delta_cols.len() + 1)),
                }
            }
            w.write_record(&cells)?;
        }
        w.flush()
    }
}
