//! Gates for nightly jobs, through the real binary: exit 1 exactly when a gate fails, with one
//! line per failed gate on stderr, the report still written, and every verdict in the JSON.
//!
//! The example data: overall mean 54.7; agents ann.lee 100.0, bo.chen 2.2, cara.diaz 59.1,
//! dev.patel 57.6, three calls each; `hold` occurs in 2 calls, `profanity` in none.

use super::common;
use common::gate_lines;
use serde_json::Value;
use std::path::PathBuf;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn audit(extra: &[&str]) -> Run {
    let out = common::callaudit()
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .args(["audit", "examples/data", "-q", "--color", "never"])
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn fail_under_fails_exactly_below_the_printed_mean() {
    for (threshold, code) in [("57.9", 0), ("58.0", 1), ("0", 0), ("100", 1)] {
        let r = audit(&["--fail-under", threshold]);
        assert_eq!(r.code, code, "--fail-under {threshold}: {}", r.stderr);
        assert_eq!(gate_lines(&r.stderr).len(), code as usize);
        assert!(
            r.stdout.contains("(all)"),
            "the report is written either way"
        );
    }
    let r = audit(&["--fail-under", "60"]);
    assert_eq!(
        r.stderr.trim_end(),
        "callaudit: gate failed: --fail-under 60: overall mean score 57.9 < 60"
    );
}

#[test]
fn fail_agent_under_respects_min_calls() {
    // bo.chen (2.2) is the only agent below 10; every agent has 3 calls.
    let r = audit(&["--fail-agent-under", "10", "--min-calls", "3"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        gate_lines(&r.stderr),
        [
            "callaudit: gate failed: --fail-agent-under 10 --min-calls 3: 1 of 4 agent(s) with ≥ 3 call(s) score below 10: bo.chen (2.2)"
        ]
    );
    let r = audit(&["--fail-agent-under", "10", "--min-calls", "4"]);
    assert_eq!(r.code, 0, "no agent has 4 calls: {}", r.stderr);
    let r = audit(&["--fail-agent-under", "2.2"]);
    assert_eq!(r.code, 0, "2.2 is not below 2.2: {}", r.stderr);
    let r = audit(&["--fail-agent-under", "70"]);
    assert_eq!(r.code, 1);
    // Lowest first.
    assert!(
        r.stderr
            .contains("bo.chen (2.2), dev.patel (60.3), cara.diaz (69.1)"),
        "{}",
        r.stderr
    );
}

#[test]
fn fail_agent_under_sees_agents_the_report_does_not_show() {
    // --top 1 shows only ann.lee, and --group-by date shows no agents at all; the gate still
    // checks every agent.
    let r = audit(&["--fail-agent-under", "10", "--top", "1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains("bo.chen"));
    let r = audit(&["--fail-agent-under", "10", "--group-by", "date"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("bo.chen (2.2)"), "{}", r.stderr);
}

#[test]
fn fail_on_fails_on_any_occurrence() {
    let r = audit(&["--fail-on", "hold"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim_end(),
        "callaudit: gate failed: --fail-on hold: hold occurred in 2 call(s)"
    );
    let r = audit(&["--fail-on", "profanity"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty());
    // A call-level filter that leaves out the holds leaves the gate passing.
    let r = audit(&["--fail-on", "hold", "--agent", "ann.lee"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn several_gates_report_each_failure_on_its_own_line() {
    let r = audit(&[
        "--fail-under",
        "60",
        "--fail-on",
        "hold",
        "--fail-on",
        "profanity",
        "--fail-agent-under",
        "0.5",
    ]);
    assert_eq!(r.code, 1);
    let lines = gate_lines(&r.stderr);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("--fail-under 60"));
    assert!(lines[1].contains("--fail-on hold"));
}

#[test]
fn the_json_report_records_every_verdict() {
    let r = audit(&[
        "--format",
        "json",
        "--fail-under",
        "45",
        "--fail-agent-under",
        "40",
        "--min-calls",
        "2",
        "--fail-on",
        "hold",
    ]);
    assert_eq!(r.code, 1);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["gates_passed"], false);
    let gates = json["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 3);
    assert_eq!(gates[0]["gate"], "fail-under");
    assert_eq!(gates[0]["threshold"], 45.0);
    assert_eq!(gates[0]["passed"], true);
    assert_eq!(gates[0]["reason"], "overall mean score 57.9 ≥ 45");
    assert_eq!(gates[1]["gate"], "fail-agent-under");
    assert_eq!(gates[1]["min_calls"], 2);
    assert_eq!(gates[1]["passed"], false);
    assert_eq!(gates[2]["gate"], "fail-on");
    assert_eq!(gates[2]["item"], "hold");
    assert_eq!(gates[2]["passed"], false);

    let clean = audit(&["--format", "json"]);
    let json: Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(json["gates"], serde_json::json!([]));
    assert_eq!(json["gates_passed"], true);
}

#[test]
fn a_failed_gate_still_writes_the_report_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("nightly.json");
    let r = audit(&[
        "--format",
        "json",
        "-o",
        target.to_str().unwrap(),
        "--fail-under",
        "99",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(json["gates"][0]["passed"], false);
}

#[test]
fn bad_gates_are_usage_errors_before_any_work() {
    for (args, says) in [
        (
            &["--fail-on", "empathy"][..],
            "--fail-on `empathy`: `empathy` is an expected item; --fail-on takes a violation item",
        ),
        (
            &["--fail-on", "nosuch"][..],
            "--fail-on `nosuch`: no such item in the rubric (its violations: hold, ",
        ),
        (
            &["--fail-under", "150"][..],
            "--fail-under 150: expected a score between 0 and 100",
        ),
        (
            &["--fail-agent-under", "NaN"][..],
            "--fail-agent-under NaN: expected a score",
        ),
    ] {
        let r = audit(args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn an_empty_run_fails_the_overall_gate() {
    let r = audit(&[
        "--allow-empty",
        "--agent",
        "nobody",
        "--fail-under",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no calls were audited"), "{}", r.stderr);
}

/// The lines of `COMMAND --help` from `--baseline` to the last gate flag, `--max-skipped`, and
/// its help (the gate flags are one definition for audit and merge, each with its own words).
fn gate_flags_help(command: &str) -> String {
    let out = common::callaudit()
        .args([command, "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let from = help
        .find("      --baseline")
        .expect("--baseline in the help");
    let last = from
        + help[from..]
            .find("      --max-skipped")
            .expect("--max-skipped");
    let to = last
        + help[last..]
            .find("\n\n")
            .expect("a blank line after --max-skipped");
    help[from..to].to_string()
}

/// Audit's gate flags with its wording and `CALLAUDIT_` variables (the global `--config` and
/// `--no-config` among them, where clap puts them); merge's, in the same order, with its own
/// shorter wording and no variables, and without `--config` and `--no-config` (merge reads no
/// config file and refuses `--config`).
#[test]
fn audit_and_merge_word_the_shared_gate_flags_each_their_own_way() {
    insta::assert_snapshot!("audit_gate_flags_help", gate_flags_help("audit"));
    insta::assert_snapshot!("merge_gate_flags_help", gate_flags_help("merge"));
}

/// A signal given to a gate: `--fail-on customer_upset` said "`customer_upset` is an signal
/// item", with no word of what to do instead; `--fail-item-under customer_upset=50` the same
/// without a hint.
#[test]
fn a_signal_given_to_a_gate_is_named_as_a_signal_with_what_gates_take() {
    for (flag, value, wants) in [
        (
            "--fail-on",
            "customer_upset",
            "--fail-on `customer_upset`: `customer_upset` is a signal item",
        ),
        (
            "--fail-item-under",
            "customer_upset=50",
            "--fail-item-under `customer_upset`: `customer_upset` is a signal item",
        ),
    ] {
        let r = audit(&[flag, value]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(wants), "{}", r.stderr);
        assert!(
            r.stderr.contains("signals are not scored"),
            "says what to do instead: {}",
            r.stderr
        );
    }
}

#[test]
fn a_gate_failed_by_many_agents_names_ten_on_stderr_and_all_in_the_report() {
    // Twelve agents, one curt call each: every one scores below 99.
    let w = common::Workdir::new();
    let names: Vec<String> = (0..12).map(|i| format!("agent-{i:02}")).collect();
    let rows: Vec<(String, &str, &str, &str)> = names
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            [
                (
                    format!("C{i}"),
                    a.as_str(),
                    "customer",
                    "my order never came, this is a joke",
                ),
                (format!("C{i}"), a.as_str(), "agent", "ok"),
            ]
        })
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|(c, a, s, t)| (c.as_str(), *a, *s, *t))
        .collect();
    let input = w.write("calls.csv", common::csv_of(&rows));
    let out = common::callaudit()
        .args([
            "audit",
            "-q",
            "--format",
            "markdown",
            "--fail-agent-under",
            "99",
        ])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines = gate_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].ends_with(" and 2 more (--format json, markdown or html names them all)"),
        "{stderr}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| lines[0].contains(n.as_str()))
            .count(),
        10
    );
    let report = String::from_utf8(out.stdout).unwrap();
    let reason = report
        .lines()
        .find(|l| l.contains("12 of 12 agent(s)"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        names.iter().all(|n| reason.contains(n.as_str())),
        "{reason}"
    );
}

/// A gate's limit is printed as given, never rounded, and a share with as many decimals as it
/// takes to be visibly on its side of that limit, in the stderr line, the JSON `flag` and the
/// JSON `reason` alike: `--fail-item-under greeting=66.667` printed `--fail-item-under
/// greeting=66.67: greeting met in 66.7% … < 66.67%`, and `--fail-under 46.701` printed
/// `46.7 < 46.7` (tester t12's finding 7).
#[test]
fn limits_are_printed_as_given_and_shares_on_their_side_of_them() {
    let w = common::Workdir::new();
    let rubric = w.write("rubric.toml", common::gate_rubric("gates"));
    // greeting met in 2 of 3 calls, transfer in 1 of 3; the mean score 46.7 (100, 40, 0); one
    // malformed row of the 7 read.
    let mut csv = common::csv_of(&[
        ("c1", "ann", "customer", "hi"),
        ("c1", "ann", "agent", "hello, thank you"),
        ("c2", "ann", "customer", "hi"),
        ("c2", "ann", "agent", "hello, let me transfer you"),
        ("c3", "ann", "customer", "hi"),
        ("c3", "ann", "agent", "goodbye"),
    ]);
    csv.push_str("c3,ann,agent\n");
    let input = w.write("calls.csv", csv);
    let report = w.path("report.json");
    let run = |gates: &[&str], out: &std::path::Path| {
        let r = common::callaudit()
            .args(["audit", "-q", "--format", "json", "--rubric"])
            .arg(&rubric)
            .arg("-o")
            .arg(out)
            .args(gates)
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8(r.stderr).unwrap();
        let json: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        (r.status.code(), stderr, json)
    };
    let (code, stderr, json) = run(
        &[
            "--fail-under",
            "46.701",
            "--fail-agent-under",
            "46.701",
            "--fail-on",
            "transfer>33.3333%",
            "--fail-item-under",
            "greeting=66.667",
            "--fail-item-under",
            "thanks=33.333",
            "--max-skipped",
            "14.28571%",
        ],
        &report,
    );
    assert_eq!(code, Some(1), "{stderr}");
    let failed = [
        "--fail-under 46.701: overall mean score 46.7 < 46.701",
        "--fail-agent-under 46.701 --min-calls 1: 1 of 1 agent(s) with ≥ 1 call(s) score below 46.701: ann (46.7)",
        "--fail-on transfer>33.3333%: transfer occurred in 33.33333% of the calls where it applies (1 of 3) > 33.3333%",
        "--fail-item-under greeting=66.667: greeting met in 66.6667% of the calls where it applies (2 of 3) < 66.667%",
        "--max-skipped 14.28571%: 1 of 7 rows (14.285714%) skipped (1 malformed row): more than 14.28571%",
    ];
    assert_eq!(
        gate_lines(&stderr),
        failed
            .iter()
            .map(|l| format!("callaudit: gate failed: {l}"))
            .collect::<Vec<_>>(),
        "{stderr}"
    );
    // The JSON report: the flag as written and the same reason, for every gate; a gate that
    // passed shows its share on its side too (33.333…% ≥ 33.333%).
    let gates: Vec<String> = json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}: {}",
                g["flag"].as_str().unwrap(),
                g["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        gates,
        [
            failed[0],
            failed[1],
            failed[2],
            failed[3],
            "--fail-item-under thanks=33.333: thanks met in 33.3333% of the calls where it applies (1 of 3) ≥ 33.333%",
            "--max-skipped 14.28571%: 1 of 7 rows (14.285714%) skipped (1 malformed row): more than 14.28571%",
        ],
        "{}",
        json["gates"]
    );
    assert_eq!(json["gates"][3]["min_rate"], 66.667);
    // --fail-drop's points, against the report just written.
    let (code, stderr, json) = run(
        &[
            "--baseline",
            report.to_str().unwrap(),
            "--fail-drop",
            "0.001",
        ],
        &w.path("again.json"),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let gate = &json["gates"][0];
    assert_eq!(gate["flag"], "--fail-drop 0.001 --min-calls 1");
    assert!(
        gate["reason"]
            .as_str()
            .unwrap()
            .contains("fell more than 0.001 points"),
        "{gate}"
    );
}
