//! Per-call records (`--calls FILE`): one line per audited call, in the order calls were
//! audited. The format follows the file's extension: `.csv` or `.jsonl`.

pub mod csv;
pub mod evidence;
pub mod jsonl;

use crate::audit::{CallAudit, Verdict};
use crate::model::Call;
use crate::output::AtomicFile;
use crate::privacy::Masker;
use crate::rubric::{Kind, Rubric};
use std::path::Path;

/// A per-call output.
pub trait CallRecords: Send {
    fn write(&mut self, rubric: &Rubric, call: &Call, audit: &CallAudit) -> anyhow::Result<()>;
    /// Puts the file in place.
    fn finish(self: Box<Self>) -> anyhow::Result<()>;
    /// Whether records need evidence (the audit then collects it).
    fn needs_detail(&self) -> bool;
}

/// Opens the per-call file for `path`, by extension. `masker` masks quoted evidence text;
/// `overrides` adds the CSV's `overridden` column (`audit --overrides`).
pub fn create(
    path: &Path,
    rubric: &Rubric,
    masker: Masker,
    overrides: bool,
) -> anyhow::Result<Box<dyn CallRecords>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let file = AtomicFile::create(path)?;
    match ext.as_str() {
        "csv" => Ok(Box::new(csv::CsvRecords::new(file, rubric, overrides)?)),
        "jsonl" | "ndjson" => Ok(Box::new(jsonl::JsonlRecords::new(file, masker))),
        _ => anyhow::bail!(
            "--calls {}: the extension says the format: use .csv or .jsonl",
            path.display()
        ),
    }
}

/// The per-call value of an item's column: the match count for expected and violation items;
/// for signals 1/0, and empty when the signal did not apply (e.g. calmed in a calm call).
pub fn item_cell(kind: Kind, count: u32, verdict: Verdict) -> String {
    match (kind, verdict) {
        (Kind::Signal, Verdict::NotApplicable) => String::new(),
        (Kind::Signal, v) => u8::from(v.occurred()).to_string(),
        _ => count.to_string(),
    }
}

/// The score as written per call: two decimals, so sums of per-call scores reproduce the
/// report's means.
pub fn score_text(audit: &CallAudit) -> String {
    format!("{:.2}", audit.score())
}
