//! The QA team's calibration loop: review sheets that analysts fill in, agreement between their
//! verdicts and the tool's, and reviewers' overrides of the tool's verdicts.
//!
//! A verdict here is whether an item *happened* in a call (its count is at least 1), as
//! `qa-standard.md` defines a label, whatever the item's applicability rule says about scoring.

pub mod agreement;
pub mod overrides;
pub mod sheet;
pub mod splits;

use crate::audit::CallAudit;
use crate::rubric::{Kind, Rubric};

/// Whether the tool says item `i` happened in the audited call: its count is at least 1 (for
/// signals, the signal is present; a signal that does not apply, such as calmed in a calm call,
/// did not happen).
pub fn tool_says(rubric: &Rubric, audit: &CallAudit, i: usize) -> bool {
    let o = audit.items[i];
    match rubric.items[i].kind {
        Kind::Signal => o.verdict.occurred(),
        Kind::Expected | Kind::Violation => o.count >= 1,
    }
}
