//! Nightly jobs through the real binary: the gates that fit real runs (`--max-skipped`, files
//! without a usable row, rate limits, item floors, `--fail-drop`), the config file and the
//! environment, dates from paths, and agent identity.
//!
//! The tests use their own small rubric, so that their numbers do not move when the built-in
//! rubric is tuned: an expected `greeting` ("hello") and `thanks` ("thank you"), and a
//! `transfer` violation ("transfer you", penalty 10). Scores are the share of expected items
//! met, minus penalties.

use super::common;
use common::*;
use serde_json::Value;
use std::path::Path;

/// ann: 100, 100, 50, 90 (a transfer); bo: 0, 50. Overall 65.0; greeting and thanks met in 4
/// of 6 calls (66.7%); transfer in 1 of 6 (16.7%).
fn calls_csv() -> String {
    csv_of(&GATE_CALLS)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    fn gate_lines(&self) -> Vec<&str> {
        gate_lines(&self.stderr)
    }
}

/// Runs callaudit in `dir` with no config file but the ones a test writes.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = callaudit();
    cmd.current_dir(dir);
    for var in [
        "CALLAUDIT_CONFIG",
        "CALLAUDIT_FORMAT",
        "CALLAUDIT_FAIL_UNDER",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Writes the tests' rubric into the work dir and runs `audit INPUTS --rubric rubric.toml
/// EXTRA` there.
fn audit_with_rubric(w: &Workdir, inputs: &[&str], extra: &[&str]) -> Run {
    w.write("rubric.toml", gate_rubric("nightly test"));
    let mut args = vec!["audit"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--rubric", "rubric.toml"]);
    args.extend_from_slice(extra);
    run_in(w.dir.path(), &args, &[])
}

/// A work dir with the rubric and the calls; audits them with `extra`.
fn audit(w: &Workdir, extra: &[&str]) -> Run {
    if !w.path("calls.csv").exists() {
        w.write("calls.csv", calls_csv());
    }
    let mut args = vec!["--color", "never"];
    args.extend_from_slice(extra);
    audit_with_rubric(w, &["calls.csv"], &args)
}

/// Audits with `-q FLAG VALUE` for each (value, exit code) and checks the code.
fn assert_exit_codes(w: &Workdir, flag: &str, cases: &[(&str, i32)]) {
    for &(value, code) in cases {
        let r = audit(w, &["-q", flag, value]);
        assert_eq!(r.code, code, "{flag} {value}: {}", r.stderr);
    }
}

/// `FLAG VALUE` is a usage error (exit 2) saying `says`, for each (value, says).
fn assert_usage_errors(w: &Workdir, flag: &str, cases: &[(&str, &str)]) {
    for &(value, says) in cases {
        let r = audit(w, &[flag, value]);
        assert_eq!(r.code, 2, "{flag} {value}");
        assert_says(&r.stderr, &[says]);
    }
}

fn gate<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == name)
        .unwrap_or_else(|| panic!("no gate {name} in {}", json["gates"]))
}

// ------------------------------------------------------------------ --max-skipped

/// Ten good rows and two bad ones (a missing text, a wrong number of fields).
fn with_bad_rows(w: &Workdir) {
    let mut csv = calls_csv();
    csv.push_str("c7,bo,agent,\n");
    csv.push_str("c8,bo,agent\n");
    w.write("calls.csv", csv);
}

#[test]
fn max_skipped_passes_within_the_limit_and_fails_beyond_it() {
    let w = Workdir::new();
    with_bad_rows(&w);
    // 2 of 8 rows skipped: 25%.
    for (limit, code) in [("2", 0), ("1", 1), ("25%", 0), ("24.9%", 1), ("0", 1)] {
        let r = audit(&w, &["-q", "--max-skipped", limit, "--format", "json"]);
        assert_eq!(r.code, code, "--max-skipped {limit}: {}", r.stderr);
        let g = gate(&r.json(), "max-skipped").clone();
        assert_eq!(g["passed"], code == 0);
        assert_eq!(g["rows_skipped"], 2);
        assert_eq!(g["rows_read"], 8);
    }
    let r = audit(&w, &["-q", "--max-skipped", "1"]);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --max-skipped 1: 2 of 8 rows skipped (1 malformed row, 1 missing text): more than 1"
        ]
    );
    let r = audit(&w, &["-q", "--max-skipped", "10%"]);
    assert_says(&r.stderr, &["2 of 8 rows (25.0%) skipped"]);
}

#[test]
fn rows_filtered_out_are_not_skipped_for_bad_input() {
    let w = Workdir::new();
    let r = audit(&w, &["-q", "--agent", "bo", "--max-skipped", "0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_bad_max_skipped_is_a_usage_error() {
    let w = Workdir::new();
    for bad in ["many", "1.5", "150%", "-1"] {
        let r = audit(&w, &[&format!("--max-skipped={bad}")]);
        assert_eq!(r.code, 2, "{bad}");
        assert_says(&r.stderr, &["--max-skipped"]);
    }
}

// ------------------------------------------------------------------ files without a usable row

fn with_junk_file(w: &Workdir) {
    w.write("calls.csv", calls_csv());
    // Every row lacks its text: the file was exported wrong.
    w.write(
        "junk.csv",
        "call_id,agent_id,speaker,text\nj1,ann,agent,\nj2,ann,agent,\nj3,bo,customer,\n",
    );
}

#[test]
fn a_file_without_a_usable_row_stops_the_run() {
    let w = Workdir::new();
    with_junk_file(&w);
    let r = audit_with_rubric(&w, &["calls.csv", "junk.csv"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_says(
        &r.stderr,
        &["junk.csv: not one usable row: 3 row(s) read, all skipped (3 missing text)"],
    );
}

#[test]
fn keep_going_passes_over_a_file_without_a_usable_row_and_counts_it() {
    let w = Workdir::new();
    with_junk_file(&w);
    let inputs = ["calls.csv", "junk.csv"];
    let args = ["--keep-going", "--format", "json"];
    let r = audit_with_rubric(&w, &inputs, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "junk.csv: not one usable row: 3 row(s) read, all skipped (3 missing text); is it the right file",
        ],
    );
    assert!(r.stderr.contains("(file passed over: --keep-going)"));
    assert!(
        r.stderr
            .contains("1 file(s) without a usable row passed over")
    );
    let acct = &r.json()["accounting"];
    assert_eq!(acct["files_unusable"], 1);
    assert_eq!(acct["files_read"], 1);
    assert_eq!(acct["rows_read"], 9);
    assert_eq!(acct["calls_audited"], 6);
    // …and a skip limit still catches what it cost.
    let mut strict = args.to_vec();
    strict.extend(["--max-skipped", "0"]);
    let r = audit_with_rubric(&w, &inputs, &strict);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("3 of 9 rows skipped (3 missing text)"));
}

/// A file that fails before giving a row (a JSON document cut short) gives nothing to count
/// as a skipped row; with `--keep-going` it is passed over, and `--max-skipped` counts it as a
/// file passed over: `0` fails on one, `N` on more than N, `P%` on more than P% of the files.
#[test]
fn max_skipped_counts_unreadable_files_passed_over() {
    let w = Workdir::new();
    w.write("calls.csv", calls_csv());
    for name in ["cut1.json", "cut2.json"] {
        w.write(
            name,
            "{\"call_id\": \"x1\", \"agent_id\": \"ann\", \"turns\": [{\"spea",
        );
    }
    let inputs = ["calls.csv", "cut1.json", "cut2.json"];
    for (limit, code) in [("0", 1), ("1", 1), ("2", 0), ("66%", 1), ("67%", 0)] {
        let args = [
            "-q",
            "--keep-going",
            "--format",
            "json",
            "--max-skipped",
            limit,
        ];
        let r = audit_with_rubric(&w, &inputs, &args);
        assert_eq!(r.code, code, "--max-skipped {limit}: {}", r.stderr);
        let json = r.json();
        assert_eq!(json["accounting"]["files_unreadable"], 2);
        let g = gate(&json, "max-skipped");
        assert_eq!(g["passed"], code == 0);
        assert_eq!(g["files_skipped"], 2);
        assert_eq!(g["files"], 3);
        assert_eq!(g["rows_skipped"], 0);
    }
    let r = audit_with_rubric(&w, &inputs, &["-q", "--keep-going", "--max-skipped", "0"]);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --max-skipped 0: 2 of 3 files passed over (2 unreadable): more than 0"
        ]
    );
    // Without a file passed over, the reason does not speak of files.
    let r = audit_with_rubric(
        &w,
        &["calls.csv"],
        &["--format", "json", "--max-skipped", "0"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reason = gate(&r.json(), "max-skipped")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!reason.contains("files"), "{reason}");
}

#[test]
fn an_empty_file_is_not_a_file_without_a_usable_row() {
    let w = Workdir::new();
    w.write("calls.csv", calls_csv());
    w.write("empty.csv", "call_id,agent_id,speaker,text\n");
    let r = audit_with_rubric(&w, &["calls.csv", "empty.csv"], &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

// ------------------------------------------------------------------ --fail-on ITEM>N|P%

#[test]
fn fail_on_a_rate_or_a_count() {
    let w = Workdir::new();
    // transfer: 1 of 6 calls, 16.7%.
    let cases = [
        ("transfer>20%", 0),
        ("transfer>16.7%", 0),
        ("transfer>16.6%", 1),
        ("transfer>1", 0),
        ("transfer>0", 1),
        ("transfer", 1),
    ];
    assert_exit_codes(&w, "--fail-on", &cases);
    let r = audit(&w, &["-q", "--fail-on", "transfer>10%"]);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --fail-on transfer>10%: transfer occurred in 16.7% of the calls where it applies (1 of 6) > 10%"
        ]
    );
    // 1 of 6 is 16.666…%: more than 16.66%, though it prints as 16.7.
    let r = audit(
        &w,
        &["-q", "--fail-on", "transfer>16.66%", "--format", "json"],
    );
    assert_eq!(r.code, 1);
    let g = gate(&r.json(), "fail-on").clone();
    assert_eq!(g["max_rate"], 16.66);
    assert_eq!(
        (g["occurred"].as_u64(), g["applicable"].as_u64()),
        (Some(1), Some(6))
    );
    assert_eq!(g["passed"], false);
}

#[test]
fn bad_fail_on_values_are_usage_errors() {
    let w = Workdir::new();
    let cases = [
        ("transfer>lots", "expected ITEM, ITEM>N"),
        (
            "thanks>5%",
            "`thanks` is an expected item; --fail-on takes a violation item; for a floor on an expected item use --fail-item-under thanks=PERCENT",
        ),
        (
            "nosuch>5%",
            "--fail-on `nosuch`: no such item in the rubric (its violations: transfer)",
        ),
    ];
    assert_usage_errors(&w, "--fail-on", &cases);
}

// ------------------------------------------------------------------ --fail-item-under

#[test]
fn fail_item_under_holds_an_expected_item_to_a_floor() {
    let w = Workdir::new();
    // thanks: 4 of 6 calls, 66.7%.
    let cases = [
        ("thanks=60", 0),
        ("thanks=66.6", 0),
        ("thanks=66.7", 1),
        ("thanks=70%", 1),
    ];
    assert_exit_codes(&w, "--fail-item-under", &cases);
    let r = audit(
        &w,
        &["-q", "--fail-item-under", "thanks=70", "--format", "json"],
    );
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --fail-item-under thanks=70: thanks met in 66.7% of the calls where it applies (4 of 6) < 70%"
        ]
    );
    let g = gate(&r.json(), "fail-item-under").clone();
    assert_eq!(g["item"], "thanks");
    assert_eq!(g["min_rate"], 70.0);
    assert_eq!(g["occurred"], 4);
    let cases = [
        (
            "transfer=5",
            "`transfer` is a violation item; --fail-item-under takes an expected item; to limit a violation use --fail-on transfer>PERCENT%",
        ),
        ("thanks", "expected ITEM=PERCENT"),
        ("thanks=101", "expected ITEM=PERCENT"),
        (
            "nosuch=5",
            "no such item in the rubric (its expected items: greeting, thanks)",
        ),
    ];
    assert_usage_errors(&w, "--fail-item-under", &cases);
}

// ------------------------------------------------------------------ --fail-drop

/// Writes last night's report: ann scored 100, 100, 100, 90 and bo 50, 50.
fn baseline(w: &Workdir, group_by: &str) {
    baseline_with(w, &["--group-by", group_by]);
}

/// Writes last night's report (as `baseline`) with `extra` options.
fn baseline_with(w: &Workdir, extra: &[&str]) {
    w.write(
        "before.csv",
        csv_of(&[
            ("c1", "ann", "agent", "hello, thank you"),
            ("c2", "ann", "agent", "hello and thank you"),
            ("c3", "ann", "agent", "hello, thank you"),
            (
                "c4",
                "ann",
                "agent",
                "hello, thank you, let me transfer you",
            ),
            ("c5", "bo", "agent", "hello"),
            ("c6", "bo", "agent", "thank you"),
        ]),
    );
    let r = audit_with_rubric(
        w,
        &["before.csv"],
        &[&["-q", "--format", "json", "-o", "before.json"], extra].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A report by agent against a baseline grouped `agent,week` takes its lines' changes from the
/// baseline's agent subtotals, the lines `--fail-drop` compares agents by: the report shows the
/// falls the gate names (it used to show changes for the (all) line only; tester t22 F2).
#[test]
fn a_report_by_agent_takes_its_changes_from_the_baselines_agent_subtotals_as_the_gate_does() {
    let w = Workdir::new();
    baseline(&w, "agent,week");
    let r = audit(
        &w,
        &[
            "--baseline",
            "before.json",
            "--fail-drop",
            "20",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("line only"), "{}", r.stderr);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --fail-drop 20 --min-calls 1: 1 of 2 agent(s) with ≥ 1 call(s) in both runs fell more than 20 points: bo (50.0 → 25.0) since before.json"
        ]
    );
    let json = r.json();
    assert_eq!(json["baseline"]["lines_compared"], true);
    let delta = |key: &str| {
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap_or_else(|| panic!("no line {key}"))["delta"]["mean_score"]
            .clone()
    };
    assert_eq!(delta("bo"), -25.0);
    assert_eq!(delta("ann"), -12.5);
    // The other way round (a nested report against a baseline by agent) is not defined: the
    // (all) line only, as before.
    baseline(&w, "agent");
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--group-by",
            "agent,week",
            "--format",
            "json",
        ],
    );
    assert!(r.stderr.contains("the (all) line only"), "{}", r.stderr);
}

/// A night without calls (`--allow-empty`) as the baseline: `--fail-drop` has nothing to compare
/// with. It passes (a closed Sunday is no fall) but says so, on stderr and in the gate's reason,
/// rather than pass as if it had compared (tester t22 F1).
#[test]
fn fail_drop_against_a_baseline_without_calls_says_it_compared_nothing() {
    let w = Workdir::new();
    w.write("sunday.csv", csv_of(&[]));
    let r = audit_with_rubric(
        &w,
        &["sunday.csv"],
        &[
            "-q",
            "--allow-empty",
            "--format",
            "json",
            "-o",
            "sunday.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "sunday.json",
            "--fail-drop",
            "5",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "callaudit: warning: --baseline sunday.json has no calls (its run audited none: a night without calls?), so the report shows no changes and --fail-drop 5 compared nothing; keep a report with calls as the baseline (--update-baseline does)",
        ],
    );
    let json = r.json();
    let g = gate(&json, "fail-drop");
    assert_eq!(g["passed"], true);
    assert!(
        g["reason"]
            .as_str()
            .unwrap()
            .starts_with("the baseline sunday.json has no calls (its run audited none), so --fail-drop compared nothing"),
        "{}",
        g["reason"]
    );
    assert_eq!(g["agents_compared"], 0);
}

/// `--update-baseline` beside `--fail-drop` in a run whose report could not serve as the
/// baseline (grouped by team, cut by `--top`) is refused before the work: the night that wrote
/// it passed and the next stopped with exit 2, every night after until the file was mended by
/// hand (tester t25 F1). Without `--fail-drop` the baseline is only shown, and it may be so.
#[test]
fn update_baseline_with_fail_drop_refuses_a_report_without_agent_lines() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let before = std::fs::read(w.path("before.json")).unwrap();
    for (extra, says) in [
        (
            &["--group-by", "team"][..],
            "--update-baseline with --fail-drop 10: this run's report is grouped by team, so as the baseline it would hold no agent's line",
        ),
        (
            &["--top", "1"][..],
            "--update-baseline with --fail-drop 10: this run's report is cut by --top 1",
        ),
    ] {
        let mut args = vec![
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "10",
            "--update-baseline",
            "-o",
            "tonight.json",
        ];
        args.extend_from_slice(extra);
        let r = audit(&w, &args);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert_says(&r.stderr, &[says]);
        assert!(!w.path("tonight.json").exists(), "{extra:?}");
        assert_eq!(std::fs::read(w.path("before.json")).unwrap(), before);
    }
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--update-baseline",
            "--group-by",
            "team",
            "-o",
            "tonight.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A shard's report holds a slice of the run: under `--shard`, the gates and
/// `--update-baseline` of the command line are refused, before anything else is checked; those
/// of the config file the nightly recipe keeps them in are left out of the shard, said once, so
/// the shards share the config's rubric and window (every shard had compared its slice with
/// the whole baseline, exited 1 and replaced the baseline with its slice: tester t25 F6;
/// `--no-config`, first advised, dropped the rest of the config: reviewer r27).
#[test]
fn a_shard_takes_no_gates_and_updates_no_baseline() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let before = std::fs::read(w.path("before.json")).unwrap();
    w.write(
        "callaudit.toml",
        "baseline = \"before.json\"\nupdate-baseline = true\nfail-drop = 5\n",
    );
    let shard = [
        "audit",
        "before.csv",
        "--shard",
        "1/2",
        "--save-partial",
        "s1.partial",
        "-o",
        "/dev/null",
        "-q",
    ];
    let r = run_in(w.dir.path(), &shard, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "callaudit: warning: --shard 1/2: callaudit.toml's update-baseline, fail-drop are not applied to this shard: a shard's report holds only its slice of the run's calls; give them to `callaudit merge` of the shards' partials",
        ],
    );
    assert_eq!(std::fs::read(w.path("before.json")).unwrap(), before);
    assert!(w.path("s1.partial").exists());
    // On the command line: refused, first of all (not "--fail-drop needs --baseline").
    let r = run_in(
        w.dir.path(),
        &[&shard[..], &["--no-config", "--fail-drop", "5"]].concat(),
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "--fail-drop 5 under --shard 1/2: a shard's report holds only its slice of the run's calls, so it would judge that slice by the run's limits",
        ],
    );
    let r = run_in(
        w.dir.path(),
        &[&shard[..], &["--update-baseline"]].concat(),
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "--update-baseline under --shard 1/2: a shard's report holds only its slice of the run's calls, so it would replace the baseline with that slice",
        ],
    );
    assert_eq!(std::fs::read(w.path("before.json")).unwrap(), before);
}

/// `--update-baseline` rolls the report forward as the baseline only when the run audited calls:
/// the README's nightly chain survives an empty night, and the next night's `--fail-drop`
/// compares with the last night that had calls (tester t22 F1).
#[test]
fn update_baseline_keeps_the_last_baseline_with_calls_over_an_empty_night() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let before = std::fs::read(w.path("before.json")).unwrap();
    w.write("sunday.csv", csv_of(&[]));
    let r = audit_with_rubric(
        &w,
        &["sunday.csv"],
        &[
            "--allow-empty",
            "--format",
            "json",
            "-o",
            "sunday.json",
            "--baseline",
            "before.json",
            "--fail-drop",
            "10",
            "--update-baseline",
            // Said under --quiet too: it is why the file did not change (tester t25 F4).
            "--quiet",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "callaudit: warning: --update-baseline: no call audited, so before.json stays the baseline",
        ],
    );
    assert_eq!(std::fs::read(w.path("before.json")).unwrap(), before);
    // Monday: compared with Saturday, the fall fails the gate; the baseline is then Monday's.
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "10",
            "--update-baseline",
            "--format",
            "json",
            "-o",
            "monday.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --fail-drop 10 --min-calls 1: overall mean score fell 16.7 points (81.7 → 65.0); 2 of 2 agent(s) with ≥ 1 call(s) in both runs fell more than 10 points: bo (50.0 → 25.0), ann (97.5 → 85.0) since before.json"
        ]
    );
    let rolled: Value =
        serde_json::from_slice(&std::fs::read(w.path("before.json")).unwrap()).unwrap();
    assert_eq!(rolled["overall"]["calls"], 6);
    assert_eq!(rolled["overall"]["mean_score"], 65.0);
    // Without --baseline there is nothing to update.
    let r = audit(&w, &["-q", "--update-baseline"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--update-baseline: no --baseline to update"),
        "{}",
        r.stderr
    );
}

/// Only a JSON report may take the baseline's place: `-o` onto the `--baseline` file in another
/// format (a name without an extension, a link named `.html`) is refused and the baseline kept
/// (it replaced the next night's baseline with a CSV; tester t23 F2), and `-o` beside
/// `--update-baseline` on one file is two outputs, unless the report is JSON (an HTML report
/// was silently replaced by the baseline's JSON; tester t23 F1). The same in `merge`.
#[test]
fn only_a_json_report_may_take_the_baselines_place() {
    let w = Workdir::new();
    baseline(&w, "agent");
    std::fs::copy(w.path("before.json"), w.path("base")).unwrap();
    let kept = std::fs::read(w.path("base")).unwrap();
    for extra in [
        &["--format", "csv", "-o", "base", "--baseline", "base"][..],
        &["--format", "html", "-o", "base", "--baseline", "base"],
    ] {
        let r = audit(&w, &[&["-q"][..], extra].concat());
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "callaudit: error: -o base is the baseline base: an output may not replace a file the run reads (only a JSON report may take the baseline's place"
            ),
            "{extra:?}: {}",
            r.stderr
        );
        assert_eq!(std::fs::read(w.path("base")).unwrap(), kept, "{extra:?}");
    }
    // Beside --update-baseline: two outputs into one file, by name or through a link.
    #[cfg(unix)]
    std::os::unix::fs::symlink("base", w.path("week.html")).unwrap();
    let mut cases = vec![(
        vec!["--format", "html", "-o", "base"],
        "callaudit: error: -o and --update-baseline both name base: each output needs its own file",
    )];
    if cfg!(unix) {
        cases.push((
            vec!["-o", "week.html"],
            "callaudit: error: -o week.html and --update-baseline base are the same file (through a link or another path to it): each output needs its own file",
        ));
    }
    for (extra, says) in &cases {
        let mut args = vec!["-q", "--baseline", "base", "--update-baseline"];
        args.extend(extra);
        let r = audit(&w, &args);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{extra:?}: {}", r.stderr);
        assert_eq!(std::fs::read(w.path("base")).unwrap(), kept, "{extra:?}");
    }
    // A new baseline (none yet) named twice is refused as well.
    let r = audit(
        &w,
        &[
            "-q",
            "--format",
            "markdown",
            "-o",
            "first",
            "--baseline",
            "first",
            "--allow-missing-baseline",
            "--update-baseline",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!w.path("first").exists());
    // merge: the same (and without --update-baseline, -o onto the baseline is refused too).
    let r = audit(
        &w,
        &["-q", "--save-partial", "p.partial", "-o", "/dev/null"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &[
            "merge",
            "p.partial",
            "-q",
            "--format",
            "markdown",
            "-o",
            "base",
            "--baseline",
            "base",
            "--update-baseline",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "callaudit: error: -o and --update-baseline both name base: each output needs its own file"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(w.path("base")).unwrap(), kept);
    let r = run_in(
        w.dir.path(),
        &[
            "merge",
            "p.partial",
            "-q",
            "--format",
            "csv",
            "-o",
            "base",
            "--baseline",
            "base",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("callaudit: error: -o base is the baseline base"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(w.path("base")).unwrap(), kept);
    // A JSON report rolls the baseline forward without --update-baseline; beside it, -o on the
    // baseline is two outputs even in JSON: after a night without calls --update-baseline
    // keeps the baseline, which -o would have replaced all the same (reviewer r26).
    let r = audit(
        &w,
        &["-q", "--format", "json", "-o", "base", "--baseline", "base"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rolled: Value = serde_json::from_slice(&std::fs::read(w.path("base")).unwrap()).unwrap();
    assert_eq!(rolled["overall"]["calls"], 6);
    std::fs::write(w.path("base"), &kept).unwrap();
    let r = audit(
        &w,
        &[
            "-q",
            "--format",
            "json",
            "-o",
            "base",
            "--baseline",
            "base",
            "--update-baseline",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("-o and --update-baseline both name base: each output needs its own file"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(w.path("base")).unwrap(), kept);
}

#[test]
fn fail_drop_compares_the_overall_score_and_every_agent_with_the_baseline() {
    let w = Workdir::new();
    baseline(&w, "agent");
    // Overall 81.7 → 65.0 (-16.7); ann 97.5 → 85.0 (-12.5); bo 50.0 → 25.0 (-25.0).
    let r = audit(
        &w,
        &["-q", "--baseline", "before.json", "--fail-drop", "30"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // bo fell 25 points; at 10, ann too, and the largest fall is named first, whatever the
    // agents' order.
    for (points, line) in [
        (
            "20",
            "callaudit: gate failed: --fail-drop 20 --min-calls 1: 1 of 2 agent(s) with ≥ 1 call(s) in both runs fell more than 20 points: bo (50.0 → 25.0) since before.json",
        ),
        (
            "10",
            "callaudit: gate failed: --fail-drop 10 --min-calls 1: overall mean score fell 16.7 points (81.7 → 65.0); 2 of 2 agent(s) with ≥ 1 call(s) in both runs fell more than 10 points: bo (50.0 → 25.0), ann (97.5 → 85.0) since before.json",
        ),
    ] {
        let r = audit(
            &w,
            &["-q", "--baseline", "before.json", "--fail-drop", points],
        );
        assert_eq!(r.code, 1, "--fail-drop {points}: {}", r.stderr);
        assert_eq!(r.gate_lines(), [line]);
    }
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "10",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    let json = r.json();
    let g = gate(&json, "fail-drop");
    assert_eq!(g["threshold"], 10.0);
    assert!(
        g["reason"]
            .as_str()
            .unwrap()
            .starts_with("overall mean score fell 16.7 points (81.7 → 65.0); 2 of 2 agent(s)"),
        "{}",
        g["reason"]
    );
    assert_eq!(g["offenders"][0]["key"], "ann");
    assert_eq!(g["offenders"][0]["change"], -12.5);
    assert_eq!(g["offenders"][1]["baseline_score"], 50.0);
    // --min-calls leaves out agents with fewer calls (bo has 2).
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "20",
            "--min-calls",
            "3",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The agents are compared whatever the report's lines are.
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "20",
            "--group-by",
            "date",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_says(&r.stderr, &["bo (50.0 → 25.0)"]);
}

/// A baseline nested under agents (`agent,week`, as the weekly merge in nightly.md writes it)
/// has a line per agent: --fail-drop compares them, as with one grouped by agent alone.
#[test]
fn fail_drop_reads_the_agent_lines_of_a_baseline_nested_under_agents() {
    let w = Workdir::new();
    baseline(&w, "agent,week");
    let r = audit(
        &w,
        &["-q", "--baseline", "before.json", "--fail-drop", "20"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.gate_lines(),
        [
            "callaudit: gate failed: --fail-drop 20 --min-calls 1: 1 of 2 agent(s) with ≥ 1 call(s) in both runs fell more than 20 points: bo (50.0 → 25.0) since before.json"
        ]
    );
}

/// The first night of a chain of nightly reports has no baseline yet: with
/// --allow-missing-baseline that is a warning, the report is written without changes and
/// --fail-drop is not checked. A baseline that exists is still read and checked, and without
/// the flag a missing one stops the run.
#[test]
fn allow_missing_baseline_lets_the_first_night_run() {
    let w = Workdir::new();
    let args = [
        "-q",
        "--baseline",
        "before.json",
        "--fail-drop",
        "20",
        "--format",
        "json",
    ];
    let r = audit(&w, &args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(&r.stderr, &["--baseline before.json"]);
    let r = audit(&w, &[&args[..], &["--allow-missing-baseline"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "warning: --baseline before.json: no such file (--allow-missing-baseline): the report shows no changes and --fail-drop is not checked",
        ],
    );
    let json = r.json();
    assert!(json["baseline"].is_null(), "{json}");
    assert_eq!(json["gates"].as_array().unwrap().len(), 0, "{json}");
    // Once last night's report exists, it is compared with.
    baseline(&w, "agent");
    let r = audit(&w, &[&args[..], &["--allow-missing-baseline"]].concat());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_says(&r.stderr, &["bo (50.0 → 25.0)"]);
}

#[test]
fn fail_drop_needs_a_baseline_grouped_by_agent() {
    let w = Workdir::new();
    let r = audit(&w, &["--fail-drop", "5"]);
    assert_eq!(r.code, 2);
    assert_says(&r.stderr, &["--fail-drop 5: needs --baseline"]);
    baseline(&w, "team");
    let r = audit(&w, &["--fail-drop", "5", "--baseline", "before.json"]);
    assert_eq!(r.code, 2);
    assert_says(
        &r.stderr,
        &["the baseline before.json is grouped by team, so its agents cannot be compared"],
    );
}

/// A baseline written with --top or --bottom lacks the other agents' lines, and one written
/// with a higher --min-calls the agents it hid: --fail-drop would check only the agents left, so
/// it refuses such a baseline (exit 2); without --fail-drop the changes are shown with a
/// warning. The JSON report records --top and --bottom.
#[test]
fn fail_drop_refuses_a_baseline_cut_by_top_bottom_or_min_calls() {
    let w = Workdir::new();
    // bo fell 25 points, ann 12.5: --bottom 1 keeps bo, --top 1 ann.
    for (cut, says) in [
        (&["--bottom", "1"][..], "was written with --bottom 1"),
        (&["--top", "1"][..], "was written with --top 1"),
        (
            &["--min-calls", "3"][..],
            "was written with --min-calls 3 (1 line(s) hidden)",
        ),
    ] {
        baseline_with(&w, cut);
        let base: Value =
            serde_json::from_str(&std::fs::read_to_string(w.path("before.json")).unwrap()).unwrap();
        if cut[0] == "--top" {
            assert_eq!(base["top"], 1);
            assert!(base["bottom"].is_null());
        }
        let r = audit(
            &w,
            &["-q", "--baseline", "before.json", "--fail-drop", "10"],
        );
        assert_eq!(r.code, 2, "{cut:?}: {}", r.stderr);
        assert_says(
            &r.stderr,
            &[&format!("--fail-drop 10: the baseline before.json {says}")],
        );
        let r = audit(&w, &["-q", "--baseline", "before.json"]);
        assert_eq!(r.code, 0, "{cut:?}: {}", r.stderr);
        assert_says(
            &r.stderr,
            &[&format!("warning: --baseline before.json {says}")],
        );
    }
    // A --min-calls no higher than the gate's hides no agent the gate would compare.
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "10",
            "--min-calls",
            "3",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "1 of 1 agent(s) with ≥ 3 call(s) in both runs fell more than 10 points: ann (97.5 → 85.0)",
        ],
    );
}

/// Agents of this run the baseline has no line for are not compared, and the reason says how
/// many and which; a baseline with no line in common (ids renamed by --agents) is warned of.
#[test]
fn fail_drop_names_the_agents_the_baseline_lacks() {
    let w = Workdir::new();
    baseline(&w, "agent");
    w.write("agents.csv", "id,name\nann,Ann Archer\nbo,Bo Berg\n");
    let r = audit(
        &w,
        &[
            "-q",
            "--baseline",
            "before.json",
            "--fail-drop",
            "20",
            "--agents",
            "agents.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "warning: --baseline before.json: none of this report's 2 line(s) is in it (2 there): every line shows as new",
        ],
    );
    let json = r.json();
    let g = gate(&json, "fail-drop");
    assert_eq!(
        g["reason"],
        "overall mean score changed by -16.7; none of 0 agent(s) with ≥ 1 call(s) in both runs fell more than 20 points since before.json; 2 agent(s) with ≥ 1 call(s) here have no line in it, not compared: Ann Archer, Bo Berg"
    );
    assert_eq!(g["agents_compared"], 0);
    assert_eq!(g["agents_not_in_baseline"], 2);
}

/// A baseline scored with another rubric (another version of it: a penalty 10 → 20; or
/// another name) compares the `(all)` line only, as docs/reports.md says: every format leaves
/// the agents' changes blank (no `new` either), the JSON report says `lines_compared: false`,
/// and `--fail-drop` compares no agent, saying so. Before, bo's fall of 25 points (a rubric
/// edit's as much as his) failed `--fail-drop 20` (tester t5's F1).
#[test]
fn a_baseline_scored_with_another_rubric_compares_the_overall_line_only() {
    let w = Workdir::new();
    baseline(&w, "agent");
    w.write("calls.csv", calls_csv());
    let rubric = gate_rubric("nightly test");
    for (toml, why) in [
        (
            rubric.replace("penalty = 10", "penalty = 20"),
            "another version of rubric \"nightly test\" (transfer penalty 10 → 20)",
        ),
        (
            gate_rubric("renamed"),
            "it used rubric \"nightly test\" (pass mark 50), this run \"renamed\" (pass mark 50)",
        ),
    ] {
        w.write("other.toml", &toml);
        let run = |format: &str, extra: &[&str]| {
            let mut args = vec![
                "audit",
                "calls.csv",
                "--rubric",
                "other.toml",
                "--baseline",
                "before.json",
                "--color",
                "never",
                "-q",
                "--format",
                format,
            ];
            args.extend_from_slice(extra);
            run_in(w.dir.path(), &args, &[])
        };
        let r = run("json", &["--fail-drop", "20"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_says(
            &r.stderr,
            &[
                why,
                "so the report shows changes for the (all) line only, and --fail-drop 20 --min-calls 1 compares no agent, only the overall mean score",
            ],
        );
        // Said once, in the baseline's warning.
        assert_eq!(
            r.stderr.matches("another rubric").count(),
            0,
            "{}",
            r.stderr
        );
        assert_eq!(
            r.stderr.matches("compares no agent").count(),
            1,
            "{}",
            r.stderr
        );
        let json = r.json();
        assert_eq!(json["baseline"]["lines_compared"], false);
        for line in json["groups"].as_array().unwrap() {
            assert_eq!(line["delta"], Value::Null, "{line}");
        }
        let fell = -json["overall"]["delta"]["mean_score"].as_f64().unwrap();
        assert!(fell > 0.0 && fell < 20.0, "{fell}");
        let arrow = format!("▼{fell:.1}");
        let g = gate(&json, "fail-drop");
        assert_eq!(g["passed"], true);
        assert_eq!(g["agents_compared"], 0);
        assert!(
            g["reason"]
                .as_str()
                .unwrap()
                .contains("agents not compared"),
            "{g}"
        );
        let csv = run("csv", &[]).stdout;
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].ends_with(",calls_delta,mean_score_delta,pass_rate_delta,greeting_delta,thanks_delta,any_violation_rate_delta,transfer_delta,calmed_rate_delta"), "{csv}");
        assert!(
            lines[1].starts_with("ann,") && lines[1].ends_with(",,,,,,,,"),
            "{csv}"
        );
        assert!(
            lines[2].starts_with("bo,") && lines[2].ends_with(",,,,,,,,"),
            "{csv}"
        );
        assert!(
            lines[3].starts_with("(all),") && lines[3].contains(&format!(",0,-{fell:.1},")),
            "{csv}"
        );
        for format in ["table", "markdown", "html"] {
            let out = run(format, &[]).stdout;
            assert!(!out.contains("new"), "{format}: {out}");
            assert!(out.contains("the (all) line only"), "{format}: {out}");
            assert!(out.contains(&arrow), "{format}: {out}");
        }
    }
}

/// A baseline scored with another version of the rubric (same name and pass mark, another
/// penalty or phrase) was compared without a word; it is warned of as a renamed rubric is,
/// naming the weights and penalties that differ, else the fingerprints (which the JSON report
/// records). The same rubric written otherwise (a comment, `10.0`) is no other version.
#[test]
fn a_baseline_scored_with_another_version_of_the_rubric_is_warned_of() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("before.json")).unwrap()).unwrap();
    assert!(
        base["rubric"]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("fnv1a64:")
    );
    let rubric = gate_rubric("nightly test");
    let audit_with = |toml: String| {
        w.write("other.toml", toml);
        let args = [
            "audit",
            "calls.csv",
            "--rubric",
            "other.toml",
            "--baseline",
            "before.json",
            "-q",
            "-o",
            "out.txt",
        ];
        run_in(w.dir.path(), &args, &[])
    };
    w.write("calls.csv", calls_csv());
    let r = audit_with(rubric.replace("penalty = 10", "penalty = 20"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "warning: --baseline before.json: it used another version of rubric \"nightly test\" (transfer penalty 10 → 20): changes compare different rubrics",
        ],
    );
    let r = audit_with(rubric.replace("\"thank you\"", "\"thank you\", \"thanks\""));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "it used another version of rubric \"nightly test\" (fingerprint fnv1a64:",
            "its phrases or settings differ): changes compare different rubrics",
        ],
    );
    let r = audit_with(format!(
        "# a comment\n{}",
        rubric.replace("penalty = 10", "penalty = 10.0")
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn every_gate_is_in_the_json_report_with_its_verdict() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let r = audit(
        &w,
        &[
            "-q",
            "--format",
            "json",
            "--fail-under",
            "60",
            "--fail-agent-under",
            "30",
            "--fail-on",
            "transfer>20%",
            "--fail-item-under",
            "greeting=70",
            "--baseline",
            "before.json",
            "--fail-drop",
            "50",
            "--max-skipped",
            "0.1%",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    let verdicts: Vec<(&str, bool)> = json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["gate"].as_str().unwrap(), g["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("fail-under", true),
            ("fail-agent-under", false),
            ("fail-on", true),
            ("fail-item-under", false),
            ("fail-drop", true),
            ("max-skipped", true),
        ]
    );
    assert_eq!(json["gates_passed"], false);
    for g in json["gates"].as_array().unwrap() {
        assert!(g["flag"].as_str().unwrap().starts_with("--"), "{g}");
        assert!(!g["reason"].as_str().unwrap().is_empty(), "{g}");
    }
    assert_eq!(r.gate_lines().len(), 2, "{}", r.stderr);
}

// ------------------------------------------------------------------ config file and environment

const CONFIG: &str = r#"# nightly job
inputs = ["calls.csv"]
rubric = "rubric.toml"
format = "json"
fail-on = ["transfer>10%"]
fail-under = 90
"#;

fn config_dir() -> Workdir {
    let w = Workdir::new();
    w.write("rubric.toml", gate_rubric("nightly test"));
    w.write("calls.csv", calls_csv());
    w
}

#[test]
fn callaudit_toml_in_the_working_directory_gives_the_defaults() {
    let w = config_dir();
    w.write("callaudit.toml", CONFIG);
    let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = r.json();
    assert_eq!(json["rubric"]["name"], "nightly test");
    assert_eq!(json["gates"].as_array().unwrap().len(), 2);
    // --no-config ignores it: the inputs are then missing.
    let r = run_in(w.dir.path(), &["audit", "-q", "--no-config"], &[]);
    assert_eq!(r.code, 2);
    assert_says(&r.stderr, &["<INPUT>"]);
}

#[test]
fn command_line_beats_environment_beats_file_beats_built_in() {
    let w = config_dir();
    w.write("callaudit.toml", CONFIG);
    let show = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["config", "show"];
        all.extend_from_slice(args);
        let r = run_in(w.dir.path(), &all, env);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let line = |out: &str, key: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{key} =")) || l.starts_with(&format!("# {key} =")))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let out = show(&[], &[]);
    assert!(out.contains("# config file: "), "{out}");
    assert_eq!(
        line(&out, "fail-under"),
        "fail-under = 90 # config file callaudit.toml:6:1"
    );
    assert_eq!(
        line(&out, "format"),
        "format = \"json\" # config file callaudit.toml:4:1"
    );
    assert_eq!(line(&out, "group-by"), "group-by = \"agent\" # built-in");
    assert_eq!(line(&out, "fail-drop"), "# fail-drop = # not set");
    let out = show(
        &[],
        &[
            ("CALLAUDIT_FAIL_UNDER", "70"),
            ("CALLAUDIT_GROUP_BY", "team"),
        ],
    );
    assert_eq!(
        line(&out, "fail-under"),
        "fail-under = 70 # environment CALLAUDIT_FAIL_UNDER"
    );
    assert_eq!(
        line(&out, "group-by"),
        "group-by = \"team\" # environment CALLAUDIT_GROUP_BY"
    );
    let out = show(&["--fail-under", "50"], &[("CALLAUDIT_FAIL_UNDER", "70")]);
    assert_eq!(line(&out, "fail-under"), "fail-under = 50 # command line");

    // And the audit runs with what `config show` says: 65.0 passes 50, fails 70 and 90.
    let code = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["audit", "-q", "--fail-on", "transfer>50%"];
        all.extend_from_slice(args);
        run_in(w.dir.path(), &all, env).code
    };
    assert_eq!(code(&[], &[]), 1, "file: 90");
    assert_eq!(
        code(&[], &[("CALLAUDIT_FAIL_UNDER", "60")]),
        0,
        "environment: 60"
    );
    assert_eq!(
        code(&["--fail-under", "70"], &[("CALLAUDIT_FAIL_UNDER", "60")]),
        1,
        "command line: 70"
    );
}

#[test]
fn config_and_callaudit_config_name_another_file_with_paths_relative_to_it() {
    let w = config_dir();
    // The config lives elsewhere; its paths are relative to its own directory.
    w.write("jobs/rubric.toml", gate_rubric("nightly test"));
    w.write("jobs/calls.csv", calls_csv());
    w.write("jobs/nightly.toml", CONFIG);
    let cwd = w.path("elsewhere");
    std::fs::create_dir_all(&cwd).unwrap();
    let file = w.path("jobs/nightly.toml");
    let file = file.to_str().unwrap();
    let r = run_in(
        &cwd,
        &["audit", "-q", "--config", file, "--fail-under", "0"],
        &[],
    );
    assert_eq!(r.code, 1, "only the transfer gate fails: {}", r.stderr);
    assert_eq!(r.json()["rubric"]["name"], "nightly test");
    let r = run_in(
        &cwd,
        &["audit", "-q", "--fail-under", "0"],
        &[("CALLAUDIT_CONFIG", file)],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run_in(&cwd, &["config", "show"], &[("CALLAUDIT_CONFIG", file)]);
    assert!(r.stdout.contains("(CALLAUDIT_CONFIG)"), "{}", r.stdout);
    let rubric_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("rubric ="))
        .unwrap();
    assert!(rubric_line.contains("jobs"), "{rubric_line}");
    let r = run_in(&cwd, &["audit", "x.csv", "--config", "missing.toml"], &[]);
    assert_eq!(r.code, 2);
    assert_says(&r.stderr, &["--config missing.toml: no such file"]);
}

#[test]
fn unknown_keys_and_bad_values_are_errors_at_file_line_column() {
    let w = config_dir();
    w.write(
        "callaudit.toml",
        "inputs = [\"calls.csv\"]\nfail_under = 75\nformat = \"jsn\"\n  colour = \"never\"\nstrict = \"yes\"\n",
    );
    let r = run_in(w.dir.path(), &["audit"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        lines[0].starts_with("callaudit: error: callaudit.toml:2:1: unknown key `fail_under`"),
        "{}",
        r.stderr
    );
    assert!(
        lines[0].ends_with("did you mean `fail-under`?"),
        "{}",
        r.stderr
    );
    assert!(
        lines[1].starts_with("callaudit.toml:3:10: format = \"jsn\": invalid value 'jsn'"),
        "{}",
        r.stderr
    );
    assert!(
        lines[2].starts_with("callaudit.toml:4:3: unknown key `colour`"),
        "{}",
        r.stderr
    );
    assert!(lines[2].ends_with("did you mean `color`?"), "{}", r.stderr);
    assert_eq!(
        lines[3],
        "callaudit.toml:5:10: strict: expected true or false"
    );
    w.write("callaudit.toml", "fail-on = [\"transfer\"\n");
    let r = run_in(w.dir.path(), &["audit", "calls.csv"], &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("callaudit: error: callaudit.toml:1:"),
        "{}",
        r.stderr
    );
}

#[test]
fn input_options_in_the_config_apply_to_explain_too() {
    let w = config_dir();
    w.write("callaudit.toml", CONFIG);
    let r = run_in(
        w.dir.path(),
        &["explain", "--call", "c4", "--color", "never"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("transfer"),
        "the config's rubric: {}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("empathy"),
        "not the built-in rubric: {}",
        r.stdout
    );
}

// ------------------------------------------------------------------ dates from paths

/// Undated exports laid out by date, three ways.
fn dated_tree(w: &Workdir) {
    w.write(
        "exports/2026/11/23/calls.csv",
        csv_of(&[("d1", "ann", "agent", "hello"), ("d2", "bo", "agent", "hi")]),
    );
    w.write(
        "exports/calls_2026-11-22_eu.csv",
        csv_of(&[("d3", "ann", "agent", "hello")]),
    );
    w.write(
        "exports/calls-20261121.csv",
        csv_of(&[("d4", "ann", "agent", "hello")]),
    );
}

#[test]
fn dates_come_from_the_path_when_the_export_has_none() {
    let w = Workdir::new();
    dated_tree(&w);
    let run = |extra: &[&str]| {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        audit_with_rubric(&w, &["exports"], &args)
    };
    let r = run(&["--group-by", "date"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    let keys: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2026-11-21", "2026-11-22", "2026-11-23"]);
    assert_eq!(json["accounting"]["calls_dated_from_path"], 4);
    assert!(
        r.stderr.contains("4 call(s) dated from their file's path"),
        "the summary says where dates came from: {}",
        r.stderr
    );
    let r = run(&["--last", "1d", "--as-of", "2026-11-23"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["overall"]["calls"], 2);
    // Turned off, the calls have no date and --last leaves none.
    let r = run(&[
        "--last",
        "1d",
        "--as-of",
        "2026-11-23",
        "--date-from-path",
        "off",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(&r.stderr, &["see --date-from-path"]);
}

/// Transcripts named by a counter that starts again every day (`20/0001.txt`, `21/0001.txt`)
/// are one call by their name (the id of a plain-text transcript), but their folders date them
/// on two days: two conversations under one id (tester t15's finding 2). The call took the
/// first file's day, so the second day's nightly run filtered its conversation out in silence,
/// and a run over both scored two conversations as one. It is not audited, counted and named.
#[test]
fn same_named_transcripts_in_two_day_folders_are_not_one_call() {
    let w = Workdir::new();
    for (day, n) in [("20", 2), ("21", 3)] {
        for i in 1..=n {
            w.write(
                &format!("ex/2026/11/{day}/000{i}.txt"),
                format!("Agent: Hello, day {day}.\nCustomer: My card does not work.\nAgent: Thanks, I have fixed it.\n"),
            );
        }
    }
    let r = run_in(
        w.dir.path(),
        &[
            "audit",
            "ex",
            "--last",
            "1d",
            "--as-of",
            "2026-11-21",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    let acct = &json["accounting"];
    assert_eq!(json["overall"]["calls"], 1, "{}", r.stderr);
    assert_eq!(acct["calls_numbered_again"], 2, "{acct}");
    assert_eq!(acct["calls_filtered_out"], 0, "{acct}");
    assert_eq!(acct["rows_skipped"]["numbered_again"], 12, "{acct}");
    assert_says(
        &r.stderr,
        &[
            "call 0001: ex/2026/11/20/0001.txt and ex/2026/11/21/0001.txt are one call by their name, but their paths date them 2026-11-20 and 2026-11-21",
            "not audited (6 rows",
        ],
    );
    // One day's folder alone is three calls.
    let r = run_in(
        w.dir.path(),
        &["audit", "ex/2026/11/21", "--format", "json"],
        &[],
    );
    assert_eq!(r.json()["overall"]["calls"], 3, "{}", r.stderr);
    assert!(!r.stderr.contains("numbered again"), "{}", r.stderr);
}

/// A call named by its rows (a call-id column or field) whose rows lie in two day folders, a
/// call across midnight in an export tree by day, is one call when its turns are numbered and
/// go on (1, 2 in the first folder, 3, 4 in the next). It was dropped as two conversations
/// under one id, as same-named transcripts are, with a message calling the files "one call by
/// their name" (tester t25 F5). Dated by its path, it takes its first folder's day. Without
/// turn numbers nothing tells it from ids that start again every day: not audited, said so
/// (reviewer r27).
#[test]
fn a_call_named_by_its_rows_across_two_day_folders_is_one_call() {
    let w = Workdir::new();
    w.write(
        "tree/2026/11/16/calls.csv",
        "call_id,agent_id,turn,speaker,text\nP1,ann,1,customer,I am annoyed\nP1,ann,2,agent,I am sorry\nP2,bo,1,customer,hi\nP2,bo,2,agent,Thanks\n",
    );
    w.write(
        "tree/2026/11/17/calls.csv",
        "call_id,agent_id,turn,speaker,text\nP2,bo,3,customer,ok\nP2,bo,4,agent,Thanks again\nP3,bo,1,customer,hi\nP3,bo,2,agent,Thanks\n",
    );
    w.write(
        "jtree/2026/11/16/calls.jsonl",
        "{\"call_id\":\"P2\",\"agent_id\":\"bo\",\"turns\":[{\"speaker\":\"customer\",\"text\":\"hi\"},{\"speaker\":\"agent\",\"text\":\"Thanks\"}]}\n",
    );
    w.write(
        "jtree/2026/11/17/calls.jsonl",
        "{\"call_id\":\"P2\",\"agent_id\":\"bo\",\"turns\":[{\"speaker\":\"customer\",\"text\":\"ok then\"},{\"speaker\":\"agent\",\"text\":\"Thanks again\"}]}\n",
    );
    let r = run_in(
        w.dir.path(),
        &[
            "audit",
            "tree",
            "--format",
            "json",
            "--calls",
            "tree-calls.csv",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    assert_eq!(json["overall"]["calls"], 3, "{}", r.stderr);
    let again = &json["accounting"]["calls_numbered_again"];
    assert!(again.is_null() || again == 0, "{again}");
    assert!(!r.stderr.contains("one call by their name"), "{}", r.stderr);
    let rows = std::fs::read_to_string(w.path("tree-calls.csv")).unwrap();
    let p2 = rows.lines().find(|l| l.starts_with("P2,")).unwrap();
    // All four turns, dated by the first folder.
    assert!(p2.starts_with("P2,bo,2026-11-16,4,"), "{p2}");
    // JSONL turns carry no number: not audited, and said why.
    let r = run_in(
        w.dir.path(),
        &["audit", "jtree", "--format", "json", "--allow-empty"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["accounting"]["calls_numbered_again"],
        1,
        "{}",
        r.stderr
    );
    assert_says(
        &r.stderr,
        &[
            "call P2: jtree/2026/11/16/calls.jsonl and jtree/2026/11/17/calls.jsonl both hold rows of it, their paths date them 2026-11-16 and 2026-11-17, and its turns are not numbered",
        ],
    );
}

/// Run from inside a dated folder (`cd 2026/11/23 && callaudit audit .`), the files are dated
/// by the folder all the same (tester t2's F3): the path as typed, or else its absolute form.
#[test]
fn dates_come_from_the_folders_above_a_relative_path_too() {
    let w = Workdir::new();
    dated_tree(&w);
    w.write(
        "exports/2026/11/23/rubric.toml",
        gate_rubric("nightly test"),
    );
    let r = run_in(
        &w.path("exports/2026/11/23"),
        &["audit", ".", "--rubric", "rubric.toml", "--format", "json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    assert_eq!(json["accounting"]["calls_dated_from_path"], 2);
    assert_eq!(json["run"]["first_date"], "2026-11-23");
}

#[test]
fn a_date_from_path_regex_reads_other_layouts() {
    let w = Workdir::new();
    w.write(
        "exports/calls 23.11.2026.csv",
        csv_of(&[("d1", "ann", "agent", "hello")]),
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "-q"];
        args.extend_from_slice(extra);
        audit_with_rubric(&w, &["exports"], &args)
    };
    let r = run(&[]);
    assert_eq!(
        r.json()["run"]["first_date"],
        Value::Null,
        "no built-in layout"
    );
    let r = run(&[
        "--date-from-path",
        r"(?P<day>\d\d)\.(?P<month>\d\d)\.(?P<year>\d{4})",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["run"]["first_date"], "2026-11-23");
    let r = run(&["--date-from-path", r"\d+"]);
    assert_eq!(r.code, 2);
    assert_says(&r.stderr, &["needs groups named year, month and day"]);
}

#[test]
fn the_export_and_metadata_dates_win_over_the_path() {
    let w = Workdir::new();
    w.write(
        "2026/11/23/calls.csv",
        "call_id,agent_id,date,speaker,text\nd1,ann,2026-11-20,agent,hello\nd2,ann,,agent,hello\nd3,ann,,agent,hello\n",
    );
    w.write("meta.csv", "call_id,date\nd2,2026-11-21\n");
    let r = audit_with_rubric(
        &w,
        &["2026"],
        &[
            "--format",
            "json",
            "--group-by",
            "date",
            "--metadata",
            "meta.csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    let keys: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["2026-11-20", "2026-11-21", "2026-11-23"]);
    assert_eq!(json["accounting"]["calls_dated_from_metadata"], 1);
    assert_eq!(json["accounting"]["calls_dated_from_path"], 1);
    assert_says(&r.stderr, &["1 call(s) dated by --metadata"]);
}

// ------------------------------------------------------------------ agent identity

fn agents_run(w: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    audit_with_rubric(w, &["calls.csv"], &args)
}

#[test]
fn agent_case_insensitive_makes_one_agent_of_two_spellings() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        csv_of(&[
            ("c1", "Ann.Lee", "agent", "hello"),
            ("c2", "ann.lee", "agent", "hello"),
            ("c3", "ANN.LEE", "agent", "hello"),
        ]),
    );
    let r = agents_run(&w, &["-q"]);
    // Three agents, in Unicode collation order (lower case first), since #17.
    assert_eq!(
        common::group_keys(&r.json()),
        ["ann.lee", "Ann.Lee", "ANN.LEE"]
    );
    let r = agents_run(&w, &["-q", "--agent-case", "insensitive"]);
    assert_eq!(common::group_keys(&r.json()), ["ann.lee"]);
    assert_eq!(r.json()["groups"][0]["calls"], 3);
    let r = agents_run(
        &w,
        &["-q", "--agent-case", "insensitive", "--agent", "Ann.LEE"],
    );
    assert_eq!(r.code, 0, "the filter is resolved too: {}", r.stderr);
    assert_eq!(r.json()["overall"]["calls"], 3);
}

#[test]
fn an_agents_file_names_agents_and_gives_their_teams() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        csv_of(&[
            ("c1", "ann.lee", "agent", "hello"),
            ("c2", "A-1044", "agent", "hello"),
            ("c3", "bo", "agent", "hi"),
            ("c4", "new.hire", "agent", "hello"),
        ]),
    );
    w.write(
        "agents.csv",
        "id,display name,team\nann.lee,Ann Lee,billing\nA-1044,Ann Lee,billing\nbo,Bo Chen,sales\n",
    );
    let r = agents_run(&w, &["--agents", "agents.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = r.json();
    assert_eq!(
        common::group_keys(&json),
        ["Ann Lee", "Bo Chen", "new.hire"]
    );
    assert_eq!(json["groups"][0]["calls"], 2);
    assert_eq!(json["accounting"]["calls_agent_unlisted"], 1);
    assert_says(
        &r.stderr,
        &["call c4: agent new.hire is not in the --agents file; it is reported under its id"],
    );
    let r = agents_run(&w, &["-q", "--agents", "agents.csv", "--group-by", "team"]);
    assert_eq!(
        common::group_keys(&r.json()),
        ["(none)", "billing", "sales"]
    );
    for filter in ["A-1044", "Ann Lee"] {
        let r = agents_run(&w, &["-q", "--agents", "agents.csv", "--agent", filter]);
        assert_eq!(r.json()["overall"]["calls"], 2, "--agent {filter}");
    }
    let r = agents_run(&w, &["-q", "--agents", "agents.csv", "--team", "billing"]);
    assert_eq!(r.json()["overall"]["calls"], 2);
    w.write(
        "agents.csv",
        "id,name,team\nann.lee,Ann Lee,billing\nann.lee,Ann L.,billing\n",
    );
    let r = agents_run(&w, &["--agents", "agents.csv"]);
    assert_eq!(r.code, 2);
    assert_says(
        &r.stderr,
        &["--agents agents.csv:3: id ann.lee is also on line 2 as Ann Lee"],
    );
}

/// An agent id that is no id of the `--agents` file but the display name it gives another agent
/// is reported as that agent (exports that name agents by name), and said once, naming it: two
/// agents silently became one line when the name was another agent's id (tester t23 F5).
#[test]
fn an_agent_id_that_is_only_a_display_name_is_said_once() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        csv_of(&[
            ("c1", "ann.lee", "agent", "hello"),
            ("c2", "bo.chen", "agent", "hi"),
            ("c3", "bo.chen", "agent", "hi"),
        ]),
    );
    w.write(
        "agents.csv",
        "id,name,team
ann.lee,bo.chen,x
",
    );
    let r = agents_run(&w, &["--agents", "agents.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(common::group_keys(&r.json()), ["bo.chen"]);
    let said: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("is no id in the --agents file"))
        .collect();
    assert_eq!(
        said,
        [
            "callaudit: warning: calls.csv:3: call c2: agent bo.chen is no id in the --agents file but the name it gives an agent, so its calls are reported as that agent's; if bo.chen is another agent, list its id in the file"
        ]
    );
    // Listed under its own id, it is an agent of its own, and nothing is said.
    w.write(
        "agents.csv",
        "id,name,team
ann.lee,bo.chen,x
bo.chen,Bo Chen,y
",
    );
    let r = agents_run(&w, &["--agents", "agents.csv"]);
    assert_eq!(common::group_keys(&r.json()), ["Bo Chen", "bo.chen"]);
    assert_eq!(
        r.json()["groups"][1]["calls"],
        1,
        "ann.lee's call, under the name it is given"
    );
    assert!(
        !r.stderr.contains("is no id in the --agents file"),
        "{}",
        r.stderr
    );
    // --metadata naming the same agent is no difference, though the name the export's agent
    // resolved to is another row's id (reviewer r26).
    w.write("meta.csv", "call_id,agent_id\nc1,ann.lee\n");
    let r = agents_run(&w, &["--agents", "agents.csv", "--metadata", "meta.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["accounting"]["metadata_agent_differs"],
        0,
        "{}",
        r.stderr
    );
}

#[test]
fn a_call_whose_rows_disagree_on_the_agent_is_counted_and_warned() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        csv_of(&[
            ("c1", "ann", "agent", "hello"),
            ("c1", "bo", "agent", "thank you"),
            ("c2", "ann", "agent", "hello"),
            ("c2", "Ann", "agent", "hello"),
            ("c3", "bo", "agent", "hi"),
        ]),
    );
    let r = agents_run(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let acct = &r.json()["accounting"];
    assert_eq!(acct["calls_agent_disagrees"], 2);
    assert_eq!(acct["calls_disagreeing"], 2);
    assert_says(
        &r.stderr,
        &[
            "calls.csv:2: call c1: its rows disagree on agent (ann: 1 row, bo: 1 row); it takes the value most rows hold",
        ],
    );
    assert_says(
        &r.stderr,
        &[
            "2 call(s) whose rows disagree on agent, date, team, queue or channel (most rows' value used); 2 of them on the agent",
        ],
    );
    // Two spellings of one agent are no disagreement once case is ignored.
    let r = agents_run(&w, &["--agent-case", "insensitive"]);
    assert_eq!(r.json()["accounting"]["calls_agent_disagrees"], 1);
    // A call split across files that name different agents is one too.
    let w = Workdir::new();
    w.write("a.csv", csv_of(&[("c1", "ann", "agent", "hello")]));
    w.write(
        "b.csv",
        csv_of(&[("c1", "ann", "customer", "hi"), ("c2", "bo", "agent", "x")]),
    );
    w.write("c.csv", csv_of(&[("c2", "cy", "customer", "hi")]));
    let r = audit_with_rubric(&w, &["a.csv", "b.csv", "c.csv"], &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["accounting"]["calls_agent_disagrees"], 1);
    assert_says(
        &r.stderr,
        &["call c2: its rows disagree on agent (bo: 1 row, cy: 1 row)"],
    );
}

#[test]
fn spellings_of_one_agent_pool_their_rows_before_the_majority_is_taken() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        csv_of(&[
            ("c1", "Ann", "agent", "hello"),
            ("c1", "ann", "agent", "hello"),
            ("c1", "ANN", "agent", "hello"),
            ("c1", "bo", "agent", "thank you"),
            ("c1", "bo", "agent", "thank you"),
        ]),
    );
    let r = agents_run(&w, &["-q"]);
    assert_eq!(
        common::group_keys(&r.json()),
        ["bo"],
        "two rows of bo beat one of each spelling"
    );
    let r = agents_run(&w, &["-q", "--agent-case", "insensitive"]);
    assert_eq!(
        common::group_keys(&r.json()),
        ["ann"],
        "three rows of ann beat two of bo"
    );
    w.write(
        "agents.csv",
        "id,name
ann,Ann Lee
Ann,Ann Lee
ANN,Ann Lee
",
    );
    let r = agents_run(&w, &["-q", "--agents", "agents.csv"]);
    assert_eq!(common::group_keys(&r.json()), ["Ann Lee"]);
}

/// `merge` reads no config file (docs/nightly.md), nor do `rubric show`, `rubric check`,
/// `rubric test`, `completions` and `man`; yet each took `--config FILE` and ran as if it were
/// not there, even for a file that does not exist: a weekly `merge --config nightly.toml`
/// whose gates live in the file passed every time. Named on the command line, it is refused.
#[test]
fn config_given_to_a_command_that_reads_none_is_refused_not_ignored() {
    let w = config_dir();
    w.write("nightly.toml", CONFIG);
    let r = run_in(
        w.dir.path(),
        &[
            "audit",
            "calls.csv",
            "--rubric",
            "rubric.toml",
            "-q",
            "-o",
            "/dev/null",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &[
            "audit",
            "calls.csv",
            "--rubric",
            "rubric.toml",
            "-q",
            "-o",
            "/dev/null",
            "--save-partial",
            "night.partial",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cases: &[&[&str]] = &[
        &["merge", "night.partial", "--config", "nightly.toml"],
        &["merge", "--config", "missing.toml", "night.partial"],
        &["rubric", "show", "--config", "nightly.toml"],
        &["rubric", "check", "rubric.toml", "--config", "nightly.toml"],
        &["completions", "bash", "--config", "nightly.toml"],
        &["man", "--config", "nightly.toml"],
    ];
    for args in cases {
        let r = run_in(w.dir.path(), args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert_says(&r.stderr, &["reads no config file"]);
    }
    // --no-config, and CALLAUDIT_CONFIG left set for the nightly audit, are fine.
    let r = run_in(
        w.dir.path(),
        &["merge", "night.partial", "--no-config", "-q"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &["merge", "night.partial", "-q"],
        &[("CALLAUDIT_CONFIG", "nightly.toml")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The completion scripts offered `--config` and `--no-config` after the commands that refuse
/// them (clap completes hidden options too). They now offer them only where a config file is
/// read.
#[test]
fn completions_offer_config_only_where_it_is_read() {
    let out = callaudit().args(["completions", "fish"]).output().unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    let offers = |cmd: &str, flag: &str| {
        script.lines().any(|l| {
            l.contains(&format!("__fish_callaudit_using_subcommand {cmd}\""))
                && l.contains(&format!(" -l {flag} "))
        })
    };
    for cmd in ["merge", "completions", "man"] {
        assert!(!offers(cmd, "config"), "{cmd} offers --config");
        assert!(!offers(cmd, "no-config"), "{cmd} offers --no-config");
    }
    for cmd in ["audit", "explain", "sample", "calibrate"] {
        assert!(offers(cmd, "config"), "{cmd} does not offer --config");
        assert!(offers(cmd, "no-config"), "{cmd} does not offer --no-config");
    }
    let nested = |outer: &str, sub: &str| {
        script.lines().any(|l| {
            l.contains(&format!(
                "__fish_callaudit_using_subcommand {outer}; and __fish_seen_subcommand_from {sub}\""
            )) && l.contains(" -l config ")
        })
    };
    assert!(nested("rubric", "lint") && nested("config", "show"));
    for sub in ["show", "check", "test"] {
        assert!(!nested("rubric", sub), "rubric {sub} offers --config");
    }
}

/// The commands that refuse `--config` listed it (and `--no-config`, with CALLAUDIT_CONFIG) in
/// their help (tester t1, F13a). Their help and the man page leave both out;
/// the commands that read a config file still list them, and `--config` is still refused with
/// its reason.
#[test]
fn commands_that_refuse_config_do_not_list_it_in_their_help() {
    let help = |args: &[&str]| {
        let out = callaudit().args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for args in [
        &["rubric", "show"][..],
        &["rubric", "check"],
        &["rubric", "test"],
        &["merge"],
        &["completions"],
        &["man"],
    ] {
        let text = help(args);
        assert!(
            !text.contains("--config") && !text.contains("--no-config"),
            "{args:?}: {text}"
        );
    }
    for args in [
        &["audit"][..],
        &["explain"],
        &["sample"],
        &["calibrate"],
        &["rubric", "lint"],
        &["config", "show"],
    ] {
        let text = help(args);
        assert!(
            text.contains("--config <FILE>") && text.contains("--no-config"),
            "{args:?}: {text}"
        );
    }
    let man = callaudit().arg("man").output().unwrap();
    let man = String::from_utf8(man.stdout).unwrap();
    let section = man
        .split("callaudit rubric check\\fR [")
        .nth(1)
        .expect("a synopsis of rubric check");
    let synopsis = section.lines().next().unwrap();
    assert!(!synopsis.contains("config"), "{synopsis}");
    callaudit()
        .args(["rubric", "check", "builtin", "--config", "x.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("reads no config file"));
}

/// docs/nightly.md said the config file's call filters (`last`, `since`, `agent`, …) apply to
/// explain, calibrate and rubric lint too; those commands take no filter, and read every call
/// of the inputs (explain the call named, calibrate the sheet's). The doc now says so; this
/// pins what it says, with a config whose `until` leaves out every call.
#[test]
fn a_config_files_filters_apply_to_sample_but_not_to_explain_or_rubric_lint() {
    let w = config_dir();
    w.write(
        "callaudit.toml",
        "inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nuntil = 2000-01-01\n",
    );
    let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
    assert_eq!(r.code, 2, "the audit filters: {}", r.stderr);
    let r = run_in(w.dir.path(), &["sample", "-q"], &[]);
    assert_eq!(r.code, 2, "sample filters too: {}", r.stderr);
    let id = GATE_CALLS[0].0;
    let r = run_in(w.dir.path(), &["explain", "--call", id], &[]);
    assert_eq!(r.code, 0, "explain shows the call named: {}", r.stderr);
    assert!(r.stdout.starts_with(&format!("Call {id}")), "{}", r.stdout);
    let r = run_in(w.dir.path(), &["rubric", "lint"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("over 6 call(s)"), "{}", r.stdout);
}

/// A bad value in a `CALLAUDIT_` variable was reported as if it had been typed: `invalid value
/// 'abc' for '--fail-under <SCORE>'`, on a command line that has no `--fail-under`, so a
/// nightly job's owner looked for a flag that is not there. A config file's bad value names
/// FILE:LINE:COLUMN; a variable's names the variable.
#[test]
fn a_bad_value_in_a_variable_names_the_variable() {
    let w = config_dir();
    for (var, value, flag) in [
        ("CALLAUDIT_FAIL_UNDER", "abc", "--fail-under"),
        ("CALLAUDIT_FORMAT", "jsn", "--format"),
        ("CALLAUDIT_MIN_CALLS", "-3", "--min-calls"),
    ] {
        let r = run_in(
            w.dir.path(),
            &["audit", "calls.csv", "--rubric", "rubric.toml"],
            &[(var, value)],
        );
        assert_eq!(r.code, 2, "{var}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(
            r.stderr.contains(&format!("{var}={value}")) && r.stderr.contains(flag),
            "{var}: {}",
            r.stderr
        );
        // Typed on the command line, the message is about the flag as before.
        let r = run_in(
            w.dir.path(),
            &["audit", "calls.csv", "--rubric", "rubric.toml", flag, value],
            &[],
        );
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(!r.stderr.contains(var), "{flag}: {}", r.stderr);
    }
}

/// A value refused after parsing (out of range, the wrong kind of item) was reported as a
/// command-line flag (`--fail-under 101: …`) on a command line that had none: it names the
/// config file's FILE:LINE:COLUMN, or the variable, it came from, as clap's refusals do.
#[test]
fn a_value_refused_after_parsing_names_the_file_line_or_variable() {
    let w = config_dir();
    for (line, says) in [
        (
            "fail-under = 101",
            "--fail-under 101: expected a score between 0 and 100",
        ),
        ("threads = 0", "--threads must be at least 1"),
        (
            "fail-on = [\"greeting\"]",
            "--fail-on `greeting`: `greeting` is an expected item",
        ),
        ("max-skipped = \"150%\"", "--max-skipped `150%`"),
        ("last = \"36h\"", "--last `36h`"),
    ] {
        w.write(
            "callaudit.toml",
            format!("inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\n{line}\n"),
        );
        let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
        assert_eq!(r.code, 2, "{line}: {}", r.stderr);
        assert_says(
            &r.stderr,
            &[&format!("callaudit: error: callaudit.toml:3:1: {says}")],
        );
    }
    for (var, value, says) in [
        (
            "CALLAUDIT_FAIL_UNDER",
            "101",
            "--fail-under 101: expected a score",
        ),
        ("CALLAUDIT_THREADS", "0", "--threads must be at least 1"),
    ] {
        let args = [
            "audit",
            "calls.csv",
            "--rubric",
            "rubric.toml",
            "--no-config",
            "-q",
        ];
        let r = run_in(w.dir.path(), &args, &[(var, value)]);
        assert_eq!(r.code, 2, "{var}: {}", r.stderr);
        assert_says(
            &r.stderr,
            &[&format!("callaudit: error: {var}={value}: {says}")],
        );
    }
    // Typed on the command line, the message is the flag's alone.
    let args = [
        "audit",
        "calls.csv",
        "--rubric",
        "rubric.toml",
        "--no-config",
        "--threads",
        "0",
    ];
    let r = run_in(w.dir.path(), &args, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &["callaudit: error: --threads must be at least 1"],
    );
}

/// A flag's variable took any text but `0`, `false`, `no`, `off` (`n`, `f`) as true:
/// `CALLAUDIT_KEEP_GOING=flase` turned --keep-going on. Only the spellings of true and false are
/// taken; any other value stops the run naming the variable, as a config file's does.
#[test]
fn a_flag_variable_takes_true_or_false_and_refuses_other_text() {
    let w = config_dir();
    for var in [
        "CALLAUDIT_KEEP_GOING",
        "CALLAUDIT_STRICT",
        "CALLAUDIT_QUIET",
    ] {
        for value in ["flase", "disabled", "none", "2", "00", " 0"] {
            let r = run_in(
                w.dir.path(),
                &["audit", "calls.csv", "--rubric", "rubric.toml"],
                &[(var, value)],
            );
            assert_eq!(r.code, 2, "{var}={value:?}: {}", r.stderr);
            assert!(r.stdout.is_empty());
            assert_says(
                &r.stderr,
                &[
                    &format!("callaudit: error: {var}={value}: invalid value"),
                    "expected true or false",
                ],
            );
        }
        for (value, on) in [
            ("0", false),
            ("off", false),
            ("No", false),
            ("true", true),
            ("YES", true),
            ("1", true),
        ] {
            let r = run_in(
                w.dir.path(),
                &["config", "show", "--no-config"],
                &[(var, value)],
            );
            assert_eq!(r.code, 0, "{var}={value}: {}", r.stderr);
            let name = var
                .trim_start_matches("CALLAUDIT_")
                .to_lowercase()
                .replace('_', "-");
            assert!(
                r.stdout.contains(&format!("{name} = {on} ")),
                "{var}={value}: {}",
                r.stdout
            );
        }
    }
}

/// A misspelt variable (`CALLAUDIT_FAIL_UNDR=99`) was silently ignored, switching its gate off
/// unseen, where the same typo in a config file is an error. A set `CALLAUDIT_` variable that
/// no option reads is warned of, with the name meant, by every command that reads the
/// environment (`config show` too); an empty one counts as unset, and `merge`, which reads no
/// variable, says nothing.
#[test]
fn a_variable_callaudit_does_not_read_is_warned_of_with_the_name_meant() {
    let w = config_dir();
    let audit = [
        "audit",
        "calls.csv",
        "--rubric",
        "rubric.toml",
        "-q",
        "-o",
        "r.json",
    ];
    let warned = |var: &str, says: &str| {
        format!("callaudit: warning: environment {var}: no option reads it, so it is ignored{says}")
    };
    let meant = "; did you mean CALLAUDIT_FAIL_UNDER?";
    for (var, says) in [
        ("CALLAUDIT_FAIL_UNDR", meant),
        ("callaudit_fail_under", meant),
        (
            "CALLAUDIT_FAIL_AGENT_UNDR",
            "; did you mean CALLAUDIT_FAIL_AGENT_UNDER?",
        ),
        ("CALLAUDIT_QUITE", "; did you mean CALLAUDIT_QUIET?"),
        (
            "CALLAUDIT_NIGHTLY_MODE",
            " (an option's variable is CALLAUDIT_ and its long name in capitals, `_` for `-`: CALLAUDIT_FAIL_UNDER for --fail-under)",
        ),
    ] {
        let r = run_in(w.dir.path(), &audit, &[(var, "99")]);
        // Ignored: the gate stays off.
        assert_eq!(r.code, 0, "{var}: {}", r.stderr);
        assert_says(&r.stderr, &[warned(var, says)]);
        let r = run_in(
            w.dir.path(),
            &["config", "show", "--no-config"],
            &[(var, "99")],
        );
        assert_eq!(r.code, 0, "{var}: {}", r.stderr);
        assert_says(&r.stderr, &[warned(var, says)]);
    }
    // Variables read, by an option (any command's) or directly, and an empty typo: no warning.
    for (var, value) in [
        ("CALLAUDIT_FAIL_UNDER", "off"),
        ("CALLAUDIT_CSV_BLOCK", "4096"),
        ("CALLAUDIT_GROUP_BY", "agent"),
        ("CALLAUDIT_FAIL_UNDR", ""),
    ] {
        let r = run_in(w.dir.path(), &audit, &[(var, value)]);
        assert_eq!(r.code, 0, "{var}: {}", r.stderr);
        assert!(!r.stderr.contains("warning"), "{var}={value}: {}", r.stderr);
    }
    let r = run_in(
        w.dir.path(),
        &[&audit[..], &["--save-partial", "p.partial"]].concat(),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &["merge", "p.partial", "-q", "-o", "m.json"],
        &[("CALLAUDIT_FAIL_UNDR", "99")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

/// `last = "1d"` with `since … until …` at one level (here the config file): the window is
/// their intersection, and when it is empty the error said `--since 2026-11-20 is after
/// --until 2026-11-16`, a --since the user never typed (it is the start `--last 1d` counts back
/// to). It names `--last` (and where it may come from) as the cause.
#[test]
fn an_empty_window_from_last_and_until_names_last_not_a_since_never_typed() {
    let w = config_dir();
    w.write(
        "callaudit.toml",
        "inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nlast = \"1d\"\nas-of = 2026-11-20\nsince = 2026-11-12\nuntil = 2026-11-16\n",
    );
    let r = run_in(w.dir.path(), &["audit"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--last 1d"), "{}", r.stderr);
    assert!(!r.stderr.contains("--since 2026-11-20"), "{}", r.stderr);
}

/// The date window is one setting: a back-fill's `--since … --until …` on the command line was
/// silently narrowed by the config file's `last = "1d"` (their intersection: one day of the
/// week asked for). The highest level that gives a window gives it; the lower level's other
/// form is dropped with a warning, and `config show` shows it unset.
#[test]
fn a_window_on_the_command_line_replaces_the_config_files_other_form() {
    let w = config_dir();
    w.write(
        "dated.csv",
        "call_id,agent_id,date,speaker,text\nd1,ann,2026-11-16,agent,hello\nd2,bo,2026-11-17,agent,thank you\nd3,ann,2026-11-20,agent,hello and thank you\n",
    );
    w.write(
        "callaudit.toml",
        "inputs = [\"dated.csv\"]\nrubric = \"rubric.toml\"\nformat = \"json\"\nlast = \"1d\"\nas-of = 2026-11-20\n",
    );
    let calls = |r: &Run| r.json()["overall"]["calls"].clone();
    let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(calls(&r), 1, "the file's window alone: 2026-11-20");
    let r = run_in(
        w.dir.path(),
        &[
            "audit",
            "-q",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-22",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(calls(&r), 3);
    assert_says(
        &r.stderr,
        &[
            "warning: the date window of --since 2026-11-16, --until 2026-11-22 replaces that of last = \"1d\" (callaudit.toml:4:1), as-of = \"2026-11-20\" (callaudit.toml:5:1)",
        ],
    );
    // The environment is a level above the file, too.
    let r = run_in(
        w.dir.path(),
        &["audit", "-q"],
        &[("CALLAUDIT_SINCE", "2026-11-17")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(calls(&r), 2);
    let r = run_in(
        w.dir.path(),
        &["config", "show", "--since", "2026-11-16"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("# last =") && r.stdout.contains("# not set"),
        "{}",
        r.stdout
    );
}

/// The config file the options came from is a file the run reads: no output may replace it,
/// named (`-o callaudit.toml`) or as stdout redirected onto it (`>> callaudit.toml`), which
/// would break the next night's options.
#[test]
fn no_output_replaces_the_config_file() {
    let w = config_dir();
    let config = "inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nformat = \"csv\"\n";
    w.write("callaudit.toml", config);
    let r = run_in(w.dir.path(), &["audit", "-q", "-o", "callaudit.toml"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &["-o callaudit.toml is the config file callaudit.toml"],
    );
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .open(w.path("callaudit.toml"))
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .current_dir(w.dir.path())
        .env_remove("CALLAUDIT_CONFIG")
        .args(["audit", "-q"])
        .stdout(appended)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("stdout, where the report goes, is the config file callaudit.toml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(w.path("callaudit.toml")).unwrap(),
        config
    );
    // Elsewhere, the report is written.
    let r = run_in(w.dir.path(), &["audit", "-q", "-o", "report.csv"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A gate the config file sets can be switched off for one run, on the command line or in the
/// environment, with `off` (a number was the only value, and an empty variable counts as
/// unset, so only --no-config could).
#[test]
fn a_gate_from_the_config_file_is_switched_off_with_off() {
    let w = config_dir();
    baseline(&w, "agent");
    w.write(
        "callaudit.toml",
        "inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nformat = \"json\"\nfail-under = 99\nfail-drop = 1\nbaseline = \"before.json\"\nmax-skipped = \"0\"\n",
    );
    let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let failed: Vec<&str> = r.gate_lines();
    assert!(
        failed.iter().any(|l| l.contains("--fail-under 99")),
        "{failed:?}"
    );
    assert!(
        failed.iter().any(|l| l.contains("--fail-drop 1")),
        "{failed:?}"
    );
    let off = ["audit", "-q", "--fail-under", "off", "--fail-drop", "off"];
    let r = run_in(w.dir.path(), &off, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let gates: Vec<String> = r.json()["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gate"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(gates, ["max-skipped"]);
    let env = [
        ("CALLAUDIT_FAIL_UNDER", "off"),
        ("CALLAUDIT_FAIL_DROP", "OFF"),
        ("CALLAUDIT_MAX_SKIPPED", "off"),
    ];
    let r = run_in(w.dir.path(), &["audit", "-q"], &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["gates"].as_array().unwrap().len(), 0);
    let r = run_in(w.dir.path(), &["audit", "-q", "--fail-drop", "of"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &["`of`: expected a number, or `off` to switch the gate off"],
    );
}

/// `-o FILE` without `--format` takes the format from FILE's extension, as `--calls` does
/// (`-o report.html` wrote the terminal table, and the next night's `--baseline report.json`
/// was "not JSON": tester t5's F4). A `--format` the extension contradicts is refused before
/// the work, unless it was set at a lower level than `-o` (the config file's `format`, `-o` on
/// the command line): then the extension decides, with a warning. `merge` does the same.
#[test]
fn the_output_extension_chooses_the_report_format() {
    let w = Workdir::new();
    w.write("calls.csv", calls_csv());
    w.write("rubric.toml", gate_rubric("nightly test"));
    let audit = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["audit", "calls.csv", "--rubric", "rubric.toml", "-q"];
        args.extend_from_slice(extra);
        run_in(w.dir.path(), &args, env)
    };
    let read = |name: &str| std::fs::read_to_string(w.path(name)).unwrap();
    for (name, starts) in [
        ("r.html", "<!DOCTYPE html>"),
        ("r.HTM", "<!DOCTYPE html>"),
        ("r.csv", "agent,calls,mean_score"),
        ("r.json", "{\n  \"tool\": \"callaudit\""),
        ("r.md", "# callaudit report"),
        ("r.markdown", "# callaudit report"),
        ("r.txt", "┌"),
    ] {
        let r = audit(&["-o", name], &[]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
        assert!(read(name).starts_with(starts), "{name}: {}", read(name));
    }
    let r = audit(&["--baseline", "r.json", "-o", "next.json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Contradicted on one level: refused, nothing written.
    let r = audit(&["--format", "csv", "-o", "other.json"], &[]);
    assert_eq!(r.code, 2);
    assert_says(
        &r.stderr,
        &["error: --format csv contradicts -o other.json, whose extension names json"],
    );
    assert!(!w.path("other.json").exists());
    // The same format, or a name without a format's extension: as asked.
    let r = audit(&["--format", "json", "-o", "same.json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = audit(&["--format", "csv", "-o", "plain.out"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(read("plain.out").starts_with("agent,calls"));

    // The config file's format gives way to -o on the command line, with a warning.
    w.write("callaudit.toml", "format = \"json\"\n");
    let r = audit(&["-o", "week.html"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &["warning: -o week.html: writing html as its name says, not the json of config file"],
    );
    assert!(read("week.html").starts_with("<!DOCTYPE html>"));
    let r = audit(&["-o", "night.out"], &[]);
    assert!(read("night.out").starts_with('{'), "{}", r.stderr);
    // … so does CALLAUDIT_FORMAT; but not --format on the command line.
    let r = audit(&["-o", "env.md"], &[("CALLAUDIT_FORMAT", "csv")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(read("env.md").starts_with("# callaudit report"));
    // Both in the config file, contradicting: refused, naming the file.
    w.write("callaudit.toml", "format = \"json\"\noutput = \"x.html\"\n");
    let r = audit(&[], &[]);
    assert_eq!(r.code, 2);
    assert_says(
        &r.stderr,
        &["callaudit.toml:1:1: --format json contradicts -o x.html"],
    );
    std::fs::remove_file(w.path("callaudit.toml")).unwrap();

    // merge: the same rule.
    let r = audit(&["--save-partial", "p.partial", "-o", "a.csv"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &["merge", "p.partial", "-q", "-o", "m.json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(read("m.json").starts_with('{'));
    let r = run_in(
        w.dir.path(),
        &[
            "merge",
            "p.partial",
            "-q",
            "--format",
            "html",
            "-o",
            "m.csv",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// `-o report.xlsx`, `.pdf`, `.docx` wrote the terminal table under that name, exit 0 and not a
/// word, and Excel refused the file (tester t11, finding 9). A name whose extension is a
/// well-known format callaudit does not write is refused (exit 2) before anything is read or
/// written, naming the formats it writes and the name to use; `--format` does not make it
/// one, and `merge` refuses it too. Other names still get the table, as documented.
#[test]
fn an_output_named_for_a_format_callaudit_does_not_write_is_refused() {
    let w = Workdir::new();
    w.write("calls.csv", calls_csv());
    w.write("rubric.toml", gate_rubric("nightly test"));
    let audit = |extra: &[&str]| {
        let mut args = vec!["audit", "calls.csv", "--rubric", "rubric.toml", "-q"];
        args.extend_from_slice(extra);
        run_in(w.dir.path(), &args, &[])
    };
    for (name, says) in [
        (
            "report.xlsx",
            "-o report.xlsx: callaudit does not write spreadsheets (.xlsx); it writes the report as CSV (.csv), JSON (.json), Markdown (.md or .markdown), HTML (.html or .htm) or the table (any other name): use -o report.csv, which Excel and LibreOffice open",
        ),
        ("Report.XLS", "use -o Report.csv"),
        ("out/report.pdf", "does not write PDF (.pdf)"),
        ("week.docx", "use -o week.html"),
        ("report.xlsx.gz", "use -o report.csv"),
    ] {
        let r = audit(&["--calls", "calls-out.csv", "-o", name]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_says(&r.stderr, &[says]);
        assert!(!w.path(name).exists(), "{name}");
        assert!(!w.path("calls-out.csv").exists(), "{name}: --calls");
    }
    let r = audit(&["--format", "csv", "-o", "report.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run_in(
        w.dir.path(),
        &["merge", "no-such.partial", "-q", "-o", "week.pdf"],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(&r.stderr, &["-o week.pdf: callaudit does not write PDF"]);
    // A name that names no format gets the table, as before.
    let r = audit(&["-o", "report.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

/// `sort = "ITEM"` in the config file sorts by the item's rate as on the command line (tester
/// t17's F10); an item the rubric does not have is refused at its place in the file, with the
/// nearest item.
#[test]
fn a_config_files_sort_may_name_an_item() {
    let w = config_dir();
    for (sort, first) in [("-transfer", "ann"), ("transfer", "bo"), ("thanks", "bo")] {
        w.write(
            "callaudit.toml",
            format!("inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nformat = \"json\"\nsort = \"{sort}\"\n"),
        );
        let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
        assert_eq!(r.code, 0, "{sort}: {}", r.stderr);
        assert_eq!(group_keys(&r.json())[0], first, "sort = {sort}");
    }
    w.write(
        "callaudit.toml",
        "inputs = [\"calls.csv\"]\nrubric = \"rubric.toml\"\nsort = \"transfr\"\n",
    );
    let r = run_in(w.dir.path(), &["audit", "-q"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "callaudit: error: callaudit.toml:3:1: --sort `transfr`: expected one of name, score, calls, pass, violations, date, or an item id of the rubric (greeting, thanks, transfer)",
            "did you mean transfer?",
        ],
    );
}

/// The run's summary on stderr names the date window the filters chose and the options that
/// chose it, `--last` resolved (tester t17's F16): the table has no header, so stderr is where
/// its reader checks the week. Stdout stays the report alone; `-q` drops the line with the
/// summary; a run without a filter has no such line.
#[test]
fn the_summary_names_the_date_window_and_what_chose_it() {
    let w = config_dir();
    w.write(
        "dated.csv",
        "call_id,agent_id,date,speaker,text\nd1,ann,2026-11-16,agent,hello\nd2,bo,2026-11-26,agent,thank you\nd3,ann,2026-12-03,agent,hello and thank you\n",
    );
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a = vec![
            "audit",
            "dated.csv",
            "--rubric",
            "rubric.toml",
            "--color",
            "never",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run_in(w.dir.path(), &a, &[])
    };
    let r = run(&["--last", "7d", "--as-of", "2026-12-03"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "callaudit: filters: dated 2026-11-27 to 2026-12-03 (--last 7d, --as-of 2026-12-03)\n",
            "2 call(s) filtered out (2 dated 2026-11-16 to 2026-11-26, before the date range)",
        ],
    );
    assert!(
        !r.stdout.contains("filters"),
        "stdout is the report: {}",
        r.stdout
    );
    let r = run(&["--since", "2026-11-20", "--agent", "bo"]);
    assert_says(
        &r.stderr,
        &["callaudit: filters: dated 2026-11-20 or later (--since 2026-11-20); agent bo\n"],
    );
    let r = run(&["--last", "1w"]);
    assert_says(&r.stderr, &["(--last 1w, ending yesterday)"]);
    let r = run(&["--last", "7d", "--as-of", "2026-12-03", "-q"]);
    assert!(!r.stderr.contains("filters:"), "{}", r.stderr);
    let r = run(&[]);
    assert!(!r.stderr.contains("filters:"), "{}", r.stderr);
    // sample says it too.
    let r = run_in(
        w.dir.path(),
        &[
            "sample",
            "dated.csv",
            "--rubric",
            "rubric.toml",
            "--last",
            "7d",
            "--as-of",
            "2026-12-03",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &["callaudit: filters: dated 2026-11-27 to 2026-12-03 (--last 7d, --as-of 2026-12-03)\n"],
    );
}

/// `-` for a file read whole before the transcripts (`--baseline`, `--rubric`, `--metadata`,
/// `--agents`) is refused, saying so: it was opened as a file named `-` ("No such file"), and
/// `--baseline - --allow-missing-baseline --update-baseline` created one (tester t23 F6).
#[test]
fn a_dash_for_the_baseline_or_a_side_file_is_refused_saying_why() {
    let w = Workdir::new();
    for extra in [
        &["--baseline", "-", "--fail-drop", "5"][..],
        &[
            "--baseline",
            "-",
            "--allow-missing-baseline",
            "--update-baseline",
        ],
        &["--metadata", "-"],
        &["--agents", "-"],
    ] {
        let r = audit(&w, &[&["-q", "-o", "/dev/null"][..], extra].concat());
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        let flag = extra[0];
        assert!(
            r.stderr.contains(&format!(
                "callaudit: error: {flag} -: {flag} names a file, not stdin"
            )),
            "{extra:?}: {}",
            r.stderr
        );
        assert!(!w.path("-").exists(), "{extra:?}");
    }
}

/// A baseline with two lines for one agent, or a line of calls without a mean score, is no
/// report callaudit wrote: refused, where the gate took whichever line came last (tester t23
/// F7).
#[test]
fn a_baseline_with_a_line_twice_or_calls_without_a_score_is_refused() {
    let w = Workdir::new();
    baseline(&w, "agent");
    let text = std::fs::read_to_string(w.path("before.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut twice = json.clone();
    let first = twice["groups"][0].clone();
    let key = first["key"].as_str().unwrap().to_string();
    twice["groups"].as_array_mut().unwrap().push(first);
    w.write("twice.json", twice.to_string());
    let r = audit(&w, &["-q", "--baseline", "twice.json", "--fail-drop", "5"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "--baseline twice.json: line \"{key}\" appears twice: not a report callaudit wrote"
        )),
        "{}",
        r.stderr
    );
    let mut null = json;
    null["groups"][0]["mean_score"] = Value::Null;
    w.write("null.json", null.to_string());
    let r = audit(&w, &["-q", "--baseline", "null.json", "--fail-drop", "5"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("call(s) but no mean_score"),
        "{}",
        r.stderr
    );
}

/// A line the baseline holds with fewer than `--min-calls` calls shows no change (it is not
/// new, and a change from one call is no trend), and the run says which lines (tester t24 W4:
/// "dan.fox ▼70.2" from one baseline call, under --min-calls 3).
#[test]
fn a_baseline_line_of_fewer_than_min_calls_shows_no_change() {
    let w = Workdir::new();
    let [c1, _, _, _, c5, c6] = GATE_CALLS;
    w.write("small.csv", csv_of(&[c1, c5, c6]));
    let r = audit_with_rubric(
        &w,
        &["small.csv"],
        &["-q", "--format", "json", "-o", "small.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = audit(
        &w,
        &[
            "--format",
            "json",
            "--baseline",
            "small.json",
            "--min-calls",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_says(
        &r.stderr,
        &[
            "--baseline small.json: 1 line(s) had fewer than --min-calls 2 call(s) there, too few to compare, so they show no change: ann (1)",
        ],
    );
    let json = r.json();
    let line = |key: &str| {
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(line("ann")["delta"]["calls"], 3);
    assert_eq!(line("ann")["delta"]["mean_score"], Value::Null);
    assert!(line("bo")["delta"]["mean_score"].is_number());
}
