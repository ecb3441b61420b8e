//! Per-call CSV: call_id, agent_id, date, turns, score, passed, then one column per rubric
//! item; with `audit --overrides`, a last column `overridden` lists the items whose verdict a
//! reviewer changed (`item:tool>reviewer`, e.g. `empathy:1>0`).

use super::{CallRecords, CsvOutput, item_cell, score_text};
use crate::audit::CallAudit;
use crate::columns::{OVERRIDDEN, PER_CALL};
use crate::model::Call;
use crate::output::AtomicFile;
use crate::rubric::Rubric;
use crate::sanitize::csv_cell;

pub struct CsvRecords {
    w: CsvOutput,
    row: Vec<String>,
    overrides: bool,
}

impl CsvRecords {
    pub fn new(file: AtomicFile, rubric: &Rubric, overrides: bool) -> anyhow::Result<CsvRecords> {
        let mut header: Vec<String> = PER_CALL.map(String::from).to_vec();
        header.extend(rubric.items.iter().map(|i| i.id.clone()));
        if overrides {
            header.push(OVERRIDDEN.into());
        }
        Ok(CsvRecords {
            w: CsvOutput::new(file, header, "per-call CSV")?,
            row: Vec::new(),
            overrides,
        })
    }
}

impl CallRecords for CsvRecords {
    fn write(&mut self, rubric: &Rubric, _call: &Call, a: &CallAudit) -> anyhow::Result<()> {
        self.row.clear();
        self.row.push(csv_cell(&a.call_id));
        self.row.push(csv_cell(&a.agent_id));
        self.row
            .push(a.date.map(|d| d.to_string()).unwrap_or_default());
        self.row.push(a.turns.to_string());
        self.row.push(score_text(a));
        self.row.push(u8::from(a.passed).to_string());
        for (item, o) in rubric.items.iter().zip(&a.items) {
            self.row.push(item_cell(item.kind, o.count, o.verdict));
        }
        if self.overrides {
            // The verdicts reviewers changed: a full sheet confirms most of the tool's, and
            // `1>1` among them buried the changes a spreadsheet filters for (tester t26 X3).
            // The JSON report's `overrides.list` and the JSONL records keep every one.
            let marks: Vec<String> = a
                .overridden
                .iter()
                .filter(|o| o.tool != o.reviewer)
                .map(|o| {
                    let id = &rubric.items[o.item].id;
                    format!("{id}:{}>{}", u8::from(o.tool), u8::from(o.reviewer))
                })
                .collect();
            self.row.push(marks.join(";"));
        }
        self.w.write_record(&self.row)?;
        Ok(())
    }

    fn restart(&mut self) -> anyhow::Result<()> {
        self.w.restart()
    }

    fn finish(self: Box<Self>) -> anyhow::Result<crate::output::Prepared> {
        self.w.finish()
    }

    fn needs_detail(&self) -> bool {
        false
    }
}
