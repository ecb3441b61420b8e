//! The report as CSV: the table's columns, one line per group and a last `(all)` line.

use super::{Renderer, Report, column_names, row_cells};
use std::io::{self, Write};

pub struct CsvRenderer;

impl Renderer for CsvRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(column_names(report))?;
        for row in report.rows.iter().chain(std::iter::once(&report.overall)) {
            let mut cells = row_cells(report, row, "");
            cells[0] = crate::render::neutralise(&cells[0]).into_owned();
            w.write_record(cells)?;
        }
        w.flush()
    }
}
