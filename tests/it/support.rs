//! Runs `callaudit audit` through the real binary and holds every run to the accounting
//! invariants: rows read = rows audited + rows skipped, in the JSON report and in the stderr
//! summary alike, and the two agree; calls = calls audited + filtered out + too large +
//! incomplete + no agent turn + numbered again.
#![allow(dead_code)]

use regex::Regex;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;

/// A finished run: exit code, JSON report (when one was written), stderr.
pub struct Run {
    pub code: i32,
    pub report: Option<Value>,
    pub stderr: String,
}

impl Run {
    pub fn acct(&self, field: &str) -> u64 {
        let report = self.report.as_ref().expect("a report");
        report["accounting"][field]
            .as_u64()
            .unwrap_or_else(|| panic!("no accounting.{field} in {}", report["accounting"]))
    }

    /// Rows skipped for one reason (`malformed_row`, `missing_text`, …), 0 when none were.
    pub fn skipped(&self, reason: &str) -> u64 {
        let report = self.report.as_ref().expect("a report");
        report["accounting"]["rows_skipped"][reason]
            .as_u64()
            .unwrap_or(0)
    }

    /// The report's `overall` totals, the part runs of the same calls must agree on.
    pub fn overall(&self) -> &Value {
        &self.report.as_ref().expect("a report")["overall"]
    }

    pub fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("callaudit: warning: "))
            .collect()
    }
}

pub use super::common::callaudit;

/// `callaudit audit ARGS` with the JSON report on stdout: the report is parsed from stdout
/// when the run wrote one, and the arithmetic is checked. The format is given as
/// `CALLAUDIT_FORMAT=json`, not `--format json`, so that an `-o FILE.csv` among ARGS (a test
/// of the output rules) writes what its name says rather than being refused for contradicting
/// `--format`.
pub fn audit<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = callaudit()
        .arg("audit")
        .env("CALLAUDIT_FORMAT", "json")
        .args(args)
        .output()
        .expect("callaudit runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "callaudit panicked:\n{stderr}"
    );
    let report = (!out.stdout.is_empty()).then(|| {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e}):\n{stderr}"))
    });
    let run = Run {
        code: out.status.code().expect("exited, not killed"),
        report,
        stderr,
    };
    check_arithmetic(&run);
    run
}

/// Audits one input path with `--keep-going --allow-empty`, so that every input gives a report.
pub fn audit_anything(path: &Path) -> Run {
    audit([
        OsStr::new("--keep-going"),
        OsStr::new("--allow-empty"),
        OsStr::new("--threads"),
        OsStr::new("2"),
        path.as_os_str(),
    ])
}

/// The counts in the stderr summary line.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub files: u64,
    pub rows_read: u64,
    pub calls: u64,
    pub calls_audited: u64,
    pub rows_audited: u64,
    pub rows_skipped: u64,
    /// `(count, reason)` as the summary words them, e.g. `(2, "malformed row")`.
    pub reasons: Vec<(u64, String)>,
}

pub fn summary(stderr: &str) -> Option<Summary> {
    let re = Regex::new(
        r"callaudit: (\d+) files? read, (\d+) rows? read, (\d+) calls?; (\d+) calls? and (\d+) rows? audited(?:; (\d+) rows? skipped \(([^)]*)\))?",
    )
    .unwrap();
    let c = re.captures(stderr)?;
    let n = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse().unwrap());
    let reasons = c.get(7).map_or_else(Vec::new, |m| {
        m.as_str()
            .split(", ")
            .map(|part| {
                let (count, reason) = part.split_once(' ').unwrap();
                (count.parse().unwrap(), reason.to_string())
            })
            .collect()
    });
    Some(Summary {
        files: n(1),
        rows_read: n(2),
        calls: n(3),
        calls_audited: n(4),
        rows_audited: n(5),
        rows_skipped: n(6),
        reasons,
    })
}

/// rows read = rows audited + rows skipped, in the report; the summary says the same.
pub fn check_arithmetic(run: &Run) {
    let Some(report) = &run.report else {
        return;
    };
    let acct = &report["accounting"];
    let get = |k: &str| acct[k].as_u64().unwrap_or_else(|| panic!("no {k}: {acct}"));
    let skipped: u64 = acct["rows_skipped"]
        .as_object()
        .expect("rows_skipped by reason")
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        get("rows_read"),
        get("rows_audited") + skipped,
        "rows read != rows audited + rows skipped: {acct}\n{}",
        run.stderr
    );
    assert_eq!(
        report["overall"]["calls"].as_u64(),
        Some(get("calls_audited")),
        "the report's calls are the audited calls"
    );
    // Calls add up too (docs/input-errors.md): the counters that appear only when not 0 are 0
    // when absent.
    let or_zero = |k: &str| acct.get(k).and_then(Value::as_u64).unwrap_or(0);
    assert_eq!(
        get("calls"),
        get("calls_audited")
            + get("calls_filtered_out")
            + or_zero("calls_too_large")
            + or_zero("calls_incomplete")
            + or_zero("calls_no_agent_turn")
            + or_zero("calls_numbered_again"),
        "calls != calls audited + filtered out + too large + incomplete + no agent turn + \
         numbered again: {acct}\n{}",
        run.stderr
    );
    if let Some(s) = summary(&run.stderr) {
        assert_eq!(
            (
                s.files,
                s.rows_read,
                s.calls,
                s.calls_audited,
                s.rows_audited,
                s.rows_skipped
            ),
            (
                get("files_read"),
                get("rows_read"),
                get("calls"),
                get("calls_audited"),
                get("rows_audited"),
                skipped
            ),
            "the summary and the report disagree:\n{}",
            run.stderr
        );
        for (count, reason) in &s.reasons {
            let key = reason.replace(' ', "_");
            assert_eq!(
                acct["rows_skipped"][&key].as_u64(),
                Some(*count),
                "{reason}"
            );
        }
    }
}
