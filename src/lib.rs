//! callaudit: audits call-centre transcripts for de-escalation technique.
//!
//! The library is the audit without the command line: read an export into [`Call`]s, compile
//! a [`Rubric`], and let an [`Auditor`] give each call its verdicts and score.
//!
//! ```
//! use callaudit::{Auditor, Call, Rubric, Speaker};
//!
//! let rubric = Rubric::default_rubric();
//! let mut call = Call::new("call-1");
//! call.push_turn(Speaker::Customer, "This is the third time I'm calling. Ridiculous!", 1);
//! call.push_turn(Speaker::Agent, "I'm so sorry, that must be frustrating.", 2);
//! call.finish();
//!
//! let audit = Auditor::new(&rubric, false).audit(&call);
//! assert_eq!(audit.items.len(), rubric.items.len());
//! let shown = callaudit::audit::shown_score(audit.score_centi);
//! println!("score {shown:.1}, {}", if audit.passed { "passed" } else { "failed" });
//! ```
//!
//! The stages, each a folder or file under `src/` (see ARCHITECTURE.md for the arrows):
//! `read` (exports → calls) → `pipeline` (inputs in order, calls assembled, audited in
//! parallel) → `audit` (verdicts and score per call, with `rubric` and `normalise`) →
//! `aggregate` (per-agent/team/day totals) → `report` (the numbers, baseline, gates) →
//! `render` (table, CSV, JSON, Markdown, HTML) and `records` (per-call files). The command
//! line (`src/main.rs`, `src/cli/`) is the binary's and not part of this API.
//!
//! Only the items re-exported here are the library's API. The stage modules are public
//! because the `callaudit` binary is built from them, but hidden from the documentation and
//! free to change.
#![warn(missing_docs)]

// Stages the binary drives: public for `src/cli/`, not part of the documented API.
#[doc(hidden)]
pub mod accounting;
#[doc(hidden)]
pub mod aggregate;
#[doc(hidden)]
pub mod audit;
#[doc(hidden)]
pub mod calibration;
#[doc(hidden)]
pub mod cleanup;
#[doc(hidden)]
pub mod columns;
#[doc(hidden)]
pub mod filters;
#[doc(hidden)]
pub mod language;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod normalise;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod privacy;
#[doc(hidden)]
pub mod read;
#[doc(hidden)]
pub mod records;
#[doc(hidden)]
pub mod render;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod rubric;
#[doc(hidden)]
pub mod sanitize;
#[doc(hidden)]
pub mod suggest;

pub use accounting::Accounting;
pub use audit::{Auditor, CallAudit};
pub use language::{Language, TextRules};
pub use model::{Call, Speaker, Turn};
pub use normalise::{Normalised, normalise_into, normalise_into_with};
pub use read::{At, InputFormat, ReadContext, ReadError, ReadErrorKind, ReadOptions, detect};
pub use rubric::matcher::MatchScratch;
pub use rubric::{DEFAULT_RUBRIC, Rubric};
