//! callaudit: audits call-centre transcripts for de-escalation technique.
//!
//! The pipeline, one module per stage:
//! [`read`] (exports → [`model::Call`]s) → [`normalise`] (one pass over each turn) →
//! [`matcher`] (one automaton scan per turn) → [`audit`] (verdicts and score per call) →
//! [`aggregate`] (per-agent/team/day totals) → [`render`] (table, CSV, JSON, …).

pub mod accounting;
pub mod aggregate;
pub mod audit;
pub mod calibration;
pub mod cleanup;
pub mod cli;
pub mod commands;
pub mod config;
pub mod gates;
pub mod held;
pub mod identity;
pub mod language;
pub mod matcher;
pub mod model;
pub mod normalise;
pub mod output;
pub mod partial;
pub mod percall;
pub mod pipeline;
pub mod privacy;
pub mod read;
pub mod render;
pub mod rubric;
pub mod seen;
