//! `audit --overrides SHEET`: reviewers' verdicts replace the tool's for the calls and items they
//! judged, before the call is scored and aggregated.
//!
//! An override says whether the item happened. Which items apply is then decided again, by the
//! audit's rule, from the verdicts after the overrides: an item that applies only when another
//! item occurred (`applies_when`, such as empathy or apology in upset calls) applies when that
//! item occurred after the overrides, and an item that needs timings the call lacks stays n/a.
//! An item that applies takes the reviewer's verdict (met or missed, violated or clean, present
//! or absent), or the tool's where no reviewer judged it; one that does not apply is n/a even
//! when a reviewer judged it (listed as overridden, not counted). Then the score, pass and the
//! upset/calmed flags are computed again from the final verdicts.

use super::sheet::ReviewSheet;
use super::splits::{Split, Voter, splits};
use super::tool_says;
use crate::audit::{CallAudit, Overridden, rejudge};
use crate::model::Call;
use crate::rubric::Rubric;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Reviewers' verdicts by call id.
#[derive(Debug, Default)]
pub struct Overrides {
    by_call: HashMap<String, Vec<(usize, bool)>>,
}

impl Overrides {
    /// From a review sheet. Reviewers who disagree on the same call and item are an error:
    /// which verdict should win is theirs to settle, not the tool's. The error names every
    /// such split (the first `SPLITS_NAMED`, and how many more), not only the first.
    pub fn from_sheet(path: &Path, sheet: &ReviewSheet, rubric: &Rubric) -> anyhow::Result<Self> {
        let split = splits(sheet);
        if !split.is_empty() {
            anyhow::bail!("{}", splits_message(path, &split, rubric));
        }
        let mut by_call: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
        let mut seen: HashSet<(&str, usize)> = HashSet::new();
        for row in &sheet.rows {
            for &(item, v) in &row.verdicts {
                // Reviewers who agree: their verdict once.
                if seen.insert((row.call_id.as_str(), item)) {
                    by_call
                        .entry(row.call_id.clone())
                        .or_default()
                        .push((item, v));
                }
            }
        }
        Ok(Overrides { by_call })
    }

    /// Every call the sheet judges, with how many verdicts it has for it, by call id.
    pub fn judged_calls(&self) -> impl Iterator<Item = (&str, usize)> {
        self.by_call.iter().map(|(id, v)| (id.as_str(), v.len()))
    }

    /// Applies the reviewers' verdicts for this call, if any, and judges it again (see
    /// `rejudge`: which items apply is decided again from the verdicts after the overrides).
    /// Records every applied verdict in `audit.overridden`, also one on an item that then does
    /// not apply (n/a: it does not count, but it is not dropped silently).
    pub fn apply(&self, rubric: &Rubric, call: &Call, audit: &mut CallAudit) {
        let Some(verdicts) = self.by_call.get(&audit.call_id) else {
            return;
        };
        let mut reviewer = vec![None; rubric.items.len()];
        for &(i, happened) in verdicts {
            let tool = tool_says(rubric, audit, i);
            audit.overridden.push(Overridden {
                item: i,
                tool,
                reviewer: happened,
            });
            reviewer[i] = Some(happened);
        }
        audit.overridden.sort_by_key(|o| o.item);
        rejudge(rubric, call, audit, &reviewer);
    }
}

/// How many splits the `--overrides` error names; the rest are counted.
pub const SPLITS_NAMED: usize = 10;

/// The `--overrides` error for a sheet whose reviewers disagree: one line per split in sheet
/// order, as `SHEET:LINE: reviewers disagree on `ITEM` for call `ID`: yes from …; no from …`,
/// under a line that counts them when there are several.
fn splits_message(path: &Path, splits: &[Split], rubric: &Rubric) -> String {
    let at = |v: &Voter| {
        if v.reviewer.is_empty() {
            format!("line {}", v.line)
        } else {
            format!("{} (line {})", v.reviewer, v.line)
        }
    };
    let side = |vs: &[Voter]| vs.iter().map(at).collect::<Vec<_>>().join(", ");
    let line = |s: &Split| {
        format!(
            "{}:{}: reviewers disagree on `{}` for call `{}`: yes from {}; no from {}",
            path.display(),
            s.line,
            rubric.items[s.item].id,
            s.call_id,
            side(&s.yes),
            side(&s.no)
        )
    };
    if let [one] = splits {
        return format!("{}: settle it in the sheet before overriding", line(one));
    }
    let calls: HashSet<&str> = splits.iter().map(|s| s.call_id.as_str()).collect();
    let mut m = format!(
        "{}: reviewers disagree on {} item(s) of {} call(s): settle them in the sheet before \
         overriding (`callaudit calibrate {} INPUT…` lists them with the tool's evidence)",
        path.display(),
        splits.len(),
        calls.len(),
        path.display()
    );
    for s in splits.iter().take(SPLITS_NAMED) {
        m.push_str("\n  ");
        m.push_str(&line(s));
    }
    if splits.len() > SPLITS_NAMED {
        m.push_str(&format!("\n  … and {} more", splits.len() - SPLITS_NAMED));
    }
    m
}
