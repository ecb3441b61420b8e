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

use super::sheet::{ReviewSheet, SheetRow};
use super::tool_says;
use crate::audit::{CallAudit, Overridden, rejudge};
use crate::model::Call;
use crate::rubric::Rubric;
use std::collections::HashMap;
use std::path::Path;

/// Reviewers' verdicts by call id.
#[derive(Debug, Default)]
pub struct Overrides {
    by_call: HashMap<String, Vec<(usize, bool)>>,
}

impl Overrides {
    /// From a review sheet. Two reviewers who disagree on the same call and item are an error:
    /// which verdict should win is theirs to settle, not the tool's.
    pub fn from_sheet(path: &Path, sheet: &ReviewSheet, rubric: &Rubric) -> anyhow::Result<Self> {
        let mut by_call: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
        let mut origin: HashMap<(String, usize), &SheetRow> = HashMap::new();
        for row in &sheet.rows {
            for &(item, v) in &row.verdicts {
                let key = (row.call_id.clone(), item);
                if let Some(prev) = origin.get(&key) {
                    let pv = prev
                        .verdicts
                        .iter()
                        .find(|(i, _)| *i == item)
                        .map(|(_, v)| *v);
                    if pv != Some(v) {
                        anyhow::bail!(
                            "{}:{}: reviewers disagree on `{}` for call `{}` (line {} says {}, \
                             line {} says {}): settle it in the sheet before overriding",
                            path.display(),
                            row.line,
                            rubric.items[item].id,
                            row.call_id,
                            prev.line,
                            yes_no(pv.unwrap_or(false)),
                            row.line,
                            yes_no(v)
                        );
                    }
                    continue;
                }
                origin.insert(key, row);
                by_call
                    .entry(row.call_id.clone())
                    .or_default()
                    .push((item, v));
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

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}
