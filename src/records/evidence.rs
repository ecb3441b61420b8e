//! `--evidence FILE.csv`: one row per counted match — call, agent, item, the item's verdict in
//! the call, 1-based turn, speaker, start time, the matched text and the turn's text around it
//! (the whole turn, or for a long one `CONTEXT_CHARS` characters either side) — so an analyst
//! can check every number of the report against what was said. Each row is bounded, so the
//! file grows with the number of matches, not with matches times the length of their turns.
//! Matches in calls where the item did not apply (verdict `n/a`) are listed too, but the report
//! does not count them.
//!
//! Quoted text is masked (card numbers always, the rest with `--redact`), stripped of control
//! characters and neutralised against formula injection: customers write transcript text.

use super::{CallRecords, CsvOutput, MaskedTurns, excerpt, shorten};
use crate::audit::CallAudit;
use crate::model::Call;
use crate::output::AtomicFile;
use crate::privacy::Masker;
use crate::rubric::Rubric;
use crate::sanitize::csv_cell;

pub const HEADER: [&str; 9] = [
    "call_id",
    "agent_id",
    "item",
    "verdict",
    "turn",
    "speaker",
    "start_ms",
    "matched",
    "turn_text",
];

pub struct EvidenceCsv {
    w: CsvOutput,
    masker: Masker,
}

impl EvidenceCsv {
    pub fn new(file: AtomicFile, masker: Masker) -> anyhow::Result<EvidenceCsv> {
        let header = HEADER.map(String::from).to_vec();
        Ok(EvidenceCsv {
            w: CsvOutput::new(file, header, "the evidence file")?,
            masker,
        })
    }
}

/// Opens the evidence file; it must be a `.csv`, or a device, pipe or `/dev/fd/N`.
pub fn create(path: &std::path::Path, masker: Masker) -> anyhow::Result<Box<dyn CallRecords>> {
    let is_csv = crate::output::written_in_place(path)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if !is_csv {
        anyhow::bail!(
            "--evidence {}: the evidence file is CSV: give it a .csv name",
            path.display()
        );
    }
    Ok(Box::new(EvidenceCsv::new(
        AtomicFile::create_held(path)?,
        masker,
    )?))
}

impl CallRecords for EvidenceCsv {
    fn write(&mut self, rubric: &Rubric, call: &Call, a: &CallAudit) -> anyhow::Result<()> {
        let Some(detail) = a.detail.as_deref() else {
            anyhow::bail!("internal: call {} was audited without evidence", a.call_id);
        };
        let mut turns = MaskedTurns::new(call, self.masker);
        for ((item, evidence), outcome) in rubric.items.iter().zip(&detail.evidence).zip(&a.items) {
            for e in evidence {
                let matched = turns.quote(e);
                let context = excerpt(turns.turn(e.turn), e.start as usize, e.end as usize);
                self.w.write_record([
                    csv_cell(&a.call_id),
                    csv_cell(&a.agent_id),
                    item.id.clone(),
                    outcome.verdict.as_str().to_string(),
                    (e.turn + 1).to_string(),
                    e.speaker.as_str().to_string(),
                    e.start_ms.map_or_else(String::new, |ms| ms.to_string()),
                    csv_cell(&shorten(&matched)),
                    csv_cell(&context),
                ])?;
            }
        }
        Ok(())
    }

    fn restart(&mut self) -> anyhow::Result<()> {
        self.w.restart()
    }

    fn finish(self: Box<Self>) -> anyhow::Result<crate::output::Prepared> {
        self.w.finish()
    }

    fn needs_detail(&self) -> bool {
        true
    }
}
