//! `audit --overrides SHEET`: reviewers' verdicts replace the tool's for the calls and items they
//! judged, before the call is scored and aggregated.
//!
//! An override says whether the item happened. The item's verdict follows (met or missed,
//! violated or clean, present or absent); an item the rubric does not apply to the call stays
//! n/a, except that items which apply only when another item occurred (`applies_when`, such as
//! empathy in upset calls) are re-decided from the overridden verdicts. Then the score, pass and
//! the upset/calmed flags are computed again from the final verdicts.

use super::sheet::{ReviewSheet, SheetRow};
use super::tool_says;
use crate::audit::{CallAudit, Overridden, Verdict, judge, score, verdict_of};
use crate::rubric::{Kind, Rubric};
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

    /// Applies the reviewers' verdicts for this call, if any, and scores it again. Records
    /// every applied verdict in `audit.overridden`.
    pub fn apply(&self, rubric: &Rubric, audit: &mut CallAudit) {
        let Some(verdicts) = self.by_call.get(&audit.call_id) else {
            return;
        };
        let mut touched = vec![false; rubric.items.len()];
        for &(i, happened) in verdicts {
            let tool = tool_says(rubric, audit, i);
            audit.overridden.push(Overridden {
                item: i,
                tool,
                reviewer: happened,
            });
            touched[i] = true;
            let o = &mut audit.items[i];
            o.count = if happened { o.count.max(1) } else { 0 };
            let kind = rubric.items[i].kind;
            if o.verdict.applies() || kind == Kind::Signal {
                o.verdict = verdict_of(kind, happened);
            }
        }
        audit.overridden.sort_by_key(|o| o.item);
        // Items that apply only when another item occurred follow the overridden verdicts.
        for &i in &rubric.eval_order {
            let item = &rubric.items[i];
            let timing = item.detector.is_some_and(|d| d.needs_timings())
                || item.window.first_ms.is_some()
                || item.window.last_ms.is_some();
            if touched[i] || item.applies_when.is_empty() || timing {
                continue;
            }
            let applies = item
                .applies_when
                .iter()
                .any(|&a| audit.items[a].verdict.occurred());
            let o = &mut audit.items[i];
            o.verdict = if applies {
                verdict_of(item.kind, o.count >= item.min_count)
            } else {
                Verdict::NotApplicable
            };
        }
        // Score, pass, upset and calmed follow as the audit itself judges them.
        let (s, _) = score(rubric, &audit.items, false);
        let judged = judge(rubric, &audit.items, s);
        audit.score_centi = judged.score_centi;
        audit.passed = judged.passed;
        audit.upset = judged.upset;
        audit.calmed = judged.calmed;
    }
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}
