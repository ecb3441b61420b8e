//! The fixed column names of callaudit's CSV outputs: the per-call CSV (`--calls`), the CSV
//! report and review sheets. An item of one of these ids would give its output two columns of
//! the same name (a reader by header name then takes one for the other), so the rubric refuses
//! such ids (`reserved_in`). The names live here, below both the rubric and the writers, so that
//! the rubric need not know the writers; each writer takes its names from here, and its tests
//! check that every column it writes is listed.

/// The per-call CSV's columns before the items.
pub const PER_CALL: [&str; 6] = ["call_id", "agent_id", "date", "turns", "score", "passed"];
/// The per-call CSV's last column with `audit --overrides`.
pub const OVERRIDDEN: &str = "overridden";

/// What a column's change since the baseline adds to its name in the CSV report.
pub const DELTA_SUFFIX: &str = "_delta";
/// What an item's n (the calls it applied to) adds to its id in the CSV report with
/// `--csv-item-n` (`empathy_n`). The rubric refuses a scored item `x_n` beside a scored `x`,
/// as it refuses `x_delta`.
pub const ITEM_N_SUFFIX: &str = "_n";
/// The CSV report's change in the number of calls since the baseline.
pub const CALLS_DELTA: &str = "calls_delta";
/// The CSV report's 95% interval of the pass rate.
pub const PASS_RATE_INTERVAL: [&str; 2] = ["pass_rate_low", "pass_rate_high"];
/// A call line's items missed and violations in the CSV report (`--group-by call`).
pub const CALL_ITEMS: [&str; 2] = ["missed", "violated"];
/// Every column the CSV report may have besides its item columns (and their changes), at any
/// `--group-by`, with or without a baseline: its levels, its numbers and their changes. The
/// report's tests check that it writes all of these and no other.
pub const REPORT: [&str; 21] = [
    "agent",
    "team",
    "date",
    "week",
    "queue",
    "call",
    "calls",
    "mean_score",
    "mean_score_delta",
    "pass_rate",
    "pass_rate_delta",
    "any_violation_rate",
    "any_violation_rate_delta",
    "upset_calls",
    "calmed_rate",
    "calmed_rate_delta",
    PASS_RATE_INTERVAL[0],
    PASS_RATE_INTERVAL[1],
    CALL_ITEMS[0],
    CALL_ITEMS[1],
    CALLS_DELTA,
];

/// A review sheet's column of call ids, which every sheet has.
pub const SHEET_CALL_ID: &str = "call_id";
/// A review sheet's column of reviewer names, which a sheet may have.
pub const SHEET_REVIEWER: &str = "reviewer";
/// Columns a review sheet may carry that are not verdicts.
pub const SHEET_CARRIED: [&str; 11] = [
    "agent", "agent_id", "date", "team", "queue", "notes", "note", "comment", "comments", "score",
    "passed",
];

/// The CSV outputs with a fixed column named `id`, where an item of that id would make a second
/// column of the same name. (The evidence CSV and the per-call JSONL hold item ids as values or
/// nested keys, never beside a fixed column.)
pub fn reserved_in(id: &str) -> Vec<&'static str> {
    let mut outputs = Vec::new();
    if PER_CALL.contains(&id) || id == OVERRIDDEN {
        outputs.push("the per-call CSV (`--calls`)");
    }
    if REPORT.contains(&id) {
        outputs.push("the CSV report (`--format csv`)");
    }
    if id == SHEET_CALL_ID || id == SHEET_REVIEWER || SHEET_CARRIED.contains(&id) {
        outputs.push("review sheets (`sample`, `calibrate`)");
    }
    outputs
}
