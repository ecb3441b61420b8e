//! The report as CSV: the table's columns, one line per group and a last `(all)` line. With a
//! baseline, a `calls_delta` column and one `<column>_delta` column per number follow. Keys come
//! from transcripts, so they are neutralised against formula injection.

use super::{Metric, Renderer, Report, all_rows, columns, csv_cell, delta_number};
use std::io::{self, Write};

pub struct CsvRenderer;

impl Renderer for CsvRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let cols = columns(report);
        let with_delta = report.baseline.is_some();
        let delta_cols: Vec<_> = cols.iter().filter(|c| c.metric.has_delta()).collect();
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
        if with_delta {
            header.push("calls_delta".into());
            header.extend(delta_cols.iter().map(|c| format!("{}_delta", c.name)));
        }
        w.write_record(&header)?;
        for row in all_rows(report) {
            let mut cells: Vec<String> = cols
                .iter()
                .map(|c| match c.metric {
                    Metric::Key => csv_cell(&row.key),
                    m => m.cell(row, ""),
                })
                .collect();
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
