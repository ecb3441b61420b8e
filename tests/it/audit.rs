//! `callaudit audit` through the real binary: scoring, both inputs, merging, exit codes,
//! determinism across thread counts, and the TweetSumm corpus when it is present.

use super::common;
use common::*;
use predicates::prelude::*;

#[test]
fn scoring_arithmetic_is_the_weighted_share_minus_penalties() {
    // A calm call (empathy, apology, mirroring do not apply), resolved without a question or a
    // follow-up (clarifying_question and follow_up are not needed: `applies_unless`).
    // Applicable expected items and weights: resolution 2, additional_concerns 1, thanks 1 = 4
    // (active_listening and stepwise are signals, not scored). Met: resolution (2) + thanks (1)
    // = 3. 100 * 3/4 = 75; hold (-10) → 65.
    let rows = audit_rows(&csv_of(&[
        (
            "c1",
            "ann",
            "customer",
            "Hi, I'd like a copy of my invoice.",
        ),
        (
            "c1",
            "ann",
            "agent",
            "Thanks. I have sent it to your email.",
        ),
        ("c1", "ann", "agent", "Please hold."),
    ]));
    let r = &rows[0];
    assert_eq!(r["customer_upset"], "0");
    assert_eq!(r["thanks"], "1");
    assert_ne!(r["resolution"], "0");
    assert_eq!(r["hold"], "1");
    assert_eq!(r["clarifying_question"], "", "not needed: n/a");
    assert_eq!(r["follow_up"], "", "not needed: n/a");
    assert_eq!(r["score"], "65.00");
    assert_eq!(r["passed"], "0");
}

#[test]
fn penalties_floor_at_zero_and_auto_fail_forces_zero() {
    let rows = audit_rows(&csv_of(&[
        ("c1", "ann", "customer", "Where is my parcel?"),
        (
            "c1",
            "ann",
            "agent",
            "Calm down. Please hold, I'll transfer you. I promise it will never happen again.",
        ),
        ("c2", "ann", "customer", "Where is my parcel?"),
        (
            "c2",
            "ann",
            "agent",
            "Thanks for asking. When did you order it? First, I've sent a replacement and I'll email you tomorrow. Got it? Anything else? Damn you.",
        ),
    ]));
    assert_eq!(rows[0]["score"], "0.00");
    assert_eq!(rows[1]["profanity"], "1");
    assert_eq!(rows[1]["score"], "0.00", "profanity is auto-fail");
}

#[test]
fn a_good_upset_call_passes() {
    let rows = audit_rows(&csv_of(&[
        (
            "c1",
            "ann",
            "customer",
            "My bill is wrong again, this is ridiculous!",
        ),
        (
            "c1",
            "ann",
            "agent",
            "I'm so sorry, I understand how frustrating that is. So your bill is wrong again this month?",
        ),
        (
            "c1",
            "ann",
            "customer",
            "Yes, I was charged for a phone I returned.",
        ),
        (
            "c1",
            "ann",
            "agent",
            "Thanks for confirming. Got it. First, I've issued a refund for the phone, and I'll email you tomorrow to confirm. Is there anything else I can help with?",
        ),
        ("c1", "ann", "customer", "No, thank you."),
    ]));
    let r = &rows[0];
    assert_eq!(r["customer_upset"], "1");
    assert_eq!(r["customer_calmed"], "1");
    assert_eq!(r["passed"], "1", "{r:?}");
    assert_eq!(r["score"], "100.00", "{r:?}");
}

#[test]
fn the_report_aggregates_per_agent() {
    let w = Workdir::new();
    let input = w.write(
        "in.csv",
        csv_of(&[
            ("c1", "ann", "customer", "Hi"),
            ("c1", "ann", "agent", "Thanks for waiting. Anything else?"),
            ("c2", "bob", "customer", "This is ridiculous!"),
            ("c2", "bob", "agent", "Please hold."),
            ("c3", "ann", "customer", "Hello"),
            ("c3", "ann", "agent", "Hi"),
        ]),
    );
    let out = callaudit()
        .args(["audit", "--quiet", "--format", "json"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["key"], "ann");
    assert_eq!(groups[0]["calls"], 2);
    assert_eq!(groups[0]["items"]["thanks"]["rate"], 50.0);
    assert_eq!(groups[1]["key"], "bob");
    assert_eq!(groups[1]["upset_calls"], 1);
    assert_eq!(groups[1]["violations_per_100_calls"], 100.0);
    assert_eq!(groups[1]["calmed_rate"], 0.0);
    assert_eq!(v["overall"]["calls"], 3);
    assert_eq!(v["accounting"]["rows_read"], 6);
    assert_eq!(v["accounting"]["rows_audited"], 6);
}

#[test]
fn csv_and_jsonl_inputs_give_the_same_audit() {
    let w = Workdir::new();
    let csv = w.write(
        "a.csv",
        csv_of(&[
            ("c1", "ann", "customer", "My order is late and I'm annoyed."),
            (
                "c1",
                "ann",
                "agent",
                "Sorry to hear that! When did you order?",
            ),
            ("c1", "ann", "customer", "Monday."),
            (
                "c1",
                "ann",
                "agent",
                "I've sent a replacement. Anything else?",
            ),
        ]),
    );
    let jsonl = w.write(
        "b.jsonl",
        r#"{"call_id": "c1", "agent_id": "ann", "turns": [{"speaker": "customer", "text": "My order is late and I'm annoyed."}, {"speaker": "agent", "text": "Sorry to hear that! When did you order?"}, {"speaker": "customer", "text": "Monday."}, {"speaker": "agent", "text": "I've sent a replacement. Anything else?"}]}
"#,
    );
    let run = |input: &std::path::Path, name: &str| {
        let calls = w.path(name);
        callaudit()
            .args(["audit", "--quiet", "--calls"])
            .arg(&calls)
            .arg(input)
            .assert()
            .success();
        std::fs::read_to_string(calls).unwrap()
    };
    assert_eq!(run(&csv, "x.csv"), run(&jsonl, "y.csv"));
}

#[test]
fn rows_of_a_call_are_merged_wherever_they_are() {
    let w = Workdir::new();
    let together = w.write(
        "together.csv",
        "call_id,agent_id,turn,speaker,text\n\
         c1,ann,1,customer,This is ridiculous!\n\
         c1,ann,2,agent,I'm so sorry.\n\
         c1,ann,3,customer,Thanks.\n\
         c2,bob,1,customer,Hi\n\
         c2,bob,2,agent,Hello\n",
    );
    // The same calls, interleaved and split over two files, out of order.
    w.write(
        "split/a.csv",
        "call_id,agent_id,turn,speaker,text\n\
         c1,ann,3,customer,Thanks.\n\
         c2,bob,1,customer,Hi\n\
         c1,ann,1,customer,This is ridiculous!\n",
    );
    w.write(
        "split/b.csv",
        "call_id,agent_id,turn,speaker,text\n\
         c2,bob,2,agent,Hello\n\
         c1,ann,2,agent,I'm so sorry.\n",
    );
    let audit = |input: &std::path::Path, name: &str| {
        let calls = w.path(name);
        let out = callaudit()
            .args(["audit", "--format", "json", "--calls"])
            .arg(&calls)
            .arg(input)
            .output()
            .unwrap();
        assert!(out.status.success());
        let mut rows = read_calls_csv(&calls);
        rows.sort_by(|a, b| a["call_id"].cmp(&b["call_id"]));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            rows,
            v["overall"].clone(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (a_rows, a_overall, _) = audit(&together, "a.csv");
    let (b_rows, b_overall, b_err) = audit(&w.path("split"), "b.csv");
    assert_eq!(a_rows, b_rows);
    assert_eq!(a_overall, b_overall);
    assert_eq!(a_rows.len(), 2);
    assert!(b_err.contains("2 call(s) merged"), "{b_err}");
}

#[test]
fn thread_counts_give_byte_identical_outputs() {
    let input = repo_path("examples/data");
    let w = Workdir::new();
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let calls = w.path(&format!("calls-{threads}.jsonl"));
        let out = callaudit()
            .args([
                "audit",
                "--quiet",
                "--format",
                "json",
                "--threads",
                threads,
                "--calls",
            ])
            .arg(&calls)
            .arg(&input)
            .output()
            .unwrap();
        assert!(out.status.success());
        outputs.push((out.stdout, std::fs::read(&calls).unwrap()));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn per_call_csv_has_a_column_for_every_item() {
    let w = Workdir::new();
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--calls"])
        .arg(&calls)
        .arg(repo_path("examples/data"))
        .assert()
        .success();
    let mut r = csv::Reader::from_path(&calls).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &headers[..6],
        ["call_id", "agent_id", "date", "turns", "score", "passed"]
    );
    let rubric = callaudit::Rubric::default_rubric();
    let ids: Vec<String> = rubric.items.iter().map(|i| i.id.clone()).collect();
    assert_eq!(&headers[6..], &ids[..]);
    assert_eq!(r.records().count(), 12);
}

#[test]
fn per_call_jsonl_carries_evidence() {
    let w = Workdir::new();
    let calls = w.path("calls.jsonl");
    callaudit()
        .args(["audit", "--quiet", "--calls"])
        .arg(&calls)
        .arg(repo_path("examples/data/calls.csv"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&calls).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["call_id"], "C-1001");
    let apology = &first["items"]["apology"];
    assert_eq!(apology["verdict"], "met");
    assert_eq!(apology["evidence"][0]["turn"], 2);
    assert_eq!(apology["evidence"][0]["speaker"], "agent");
    assert_eq!(apology["evidence"][0]["text"], "sorry");
}

#[test]
fn fail_under_exits_1_with_a_reason() {
    let input = repo_path("examples/data");
    callaudit()
        .args(["audit", "--quiet", "--fail-under", "99"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("gate failed: --fail-under 99"));
    callaudit()
        .args(["audit", "--quiet", "--fail-under", "10"])
        .arg(&input)
        .assert()
        .code(0);
}

/// A role named twice in `--map` is refused before anything is read, rather than one of the
/// two columns being ignored without a word.
#[test]
fn a_role_mapped_twice_is_refused() {
    let w = Workdir::new();
    let input = w.write("calls.csv", "ticket,who,words\nT1,agent,hi\n");
    callaudit()
        .args([
            "audit",
            "--map",
            "call=ticket,speaker=who,text=words,call=who",
        ])
        .arg(&input)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "--map: `call` is given twice (`ticket` and `who`)",
        ));
}

#[test]
fn input_errors_exit_2_naming_the_file_and_line() {
    let w = Workdir::new();
    let bad = w.write("bad.csv", "id,who,words\n1,agent,hi\n");
    callaudit()
        .args(["audit"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.csv:1: no column for call"))
        .stderr(predicate::str::contains("--map"));
    callaudit()
        .args(["audit", "/no/such/dir/calls.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/dir/calls.csv"));
    let strict = w.write(
        "strict.csv",
        "call_id,speaker,text\nc1,agent,hi\nc1,agent\n",
    );
    callaudit()
        .args(["audit", "--strict"])
        .arg(&strict)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "strict.csv:3: expected 3 fields, found 2",
        ));
}

#[test]
fn usage_errors_exit_2() {
    callaudit().args(["audit"]).assert().code(2);
    callaudit()
        .args(["audit", "--format", "pdf", "x.csv"])
        .assert()
        .code(2);
    callaudit()
        .args(["audit", "--threads", "0", "x.csv"])
        .assert()
        .code(2);
}

#[test]
fn nothing_to_audit_is_an_error_unless_allowed() {
    let w = Workdir::new();
    let empty = w.write("empty.csv", "call_id,speaker,text\n");
    callaudit()
        .args(["audit"])
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no calls matched"));
    callaudit()
        .args(["audit", "--allow-empty", "--format", "csv"])
        .arg(&empty)
        .assert()
        .code(0);
}

/// `--last 7d` on last month's export audited nothing and said only "12 call(s) filtered
/// out": the summary now says which filter took them (and the dates they have), and the error
/// the dates asked for, so the fix (`--as-of`, a wider span) is plain.
#[test]
fn nothing_matched_says_which_filter_took_the_calls() {
    let out = callaudit()
        .args(["audit", "--last", "7d", "--as-of", "2026-12-02"])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "12 call(s) filtered out (12 dated 2026-11-12 to 2026-11-20, before the date range)"
        ),
        "{err}"
    );
    assert!(
        err.contains("no calls matched: nothing to audit dated 2026-11-26 to 2026-12-02"),
        "{err}"
    );
    let out = callaudit()
        .args([
            "audit",
            "--since",
            "2026-11-16",
            "--agent",
            "bo.chen",
            "-o",
            "/dev/null",
        ])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "9 call(s) filtered out (3 dated 2026-11-12 to 2026-11-14, before the date range; 6 of other agents)"
        ),
        "{err}"
    );
    // Calls on both sides of the range are told apart: the dates of all of them, as one span,
    // read as if the whole span were outside it.
    let out = callaudit()
        .args([
            "audit",
            "--since",
            "2026-11-14",
            "--until",
            "2026-11-16",
            "-o",
            "/dev/null",
        ])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "9 call(s) filtered out (2 dated 2026-11-12 to 2026-11-13, before the date range; 7 dated 2026-11-17 to 2026-11-20, after it)"
        ),
        "{err}"
    );
}

#[test]
fn stdout_holds_only_the_report() {
    let out = callaudit()
        .args(["audit", "--format", "csv"])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("agent,calls,mean_score,pass_rate,pass_rate_low,pass_rate_high,"));
    assert_eq!(stdout.lines().count(), 6, "header, 4 agents, (all)");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("12 calls"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn output_to_a_device_or_pipe_is_written_in_place() {
    // `-o /dev/stdout` (and `-o /dev/null`) must write through the device: staging a temporary
    // file and renaming it over the path would replace the device with a regular file.
    let run = callaudit()
        .args(["audit", "--quiet", "--format", "csv", "-o", "/dev/stdout"])
        .arg(repo_path("examples/data"))
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("agent,calls,"), "{stdout}");
    assert_eq!(stdout.lines().count(), 6);
}

#[cfg(unix)]
#[test]
fn output_to_dev_stdout_appends_where_the_shell_pointed_it() {
    // `callaudit ... -o /dev/stdout >> log`: the log keeps what it held and gains the report.
    let w = Workdir::new();
    let log = w.write("log.txt", "earlier line\n");
    let append = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("callaudit"))
        .args(["audit", "--quiet", "--format", "csv", "-o", "/dev/stdout"])
        .arg(repo_path("examples/data"))
        .stdout(append)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("earlier line\nagent,calls,"), "{text}");
    assert_eq!(text.lines().count(), 7);
}

#[test]
fn tweetsumm_is_audited_without_skipping_a_row() {
    let Some(shared) = shared() else { return };
    let w = Workdir::new();
    let calls = w.path("calls.csv");
    let out = callaudit()
        .args(["audit", "--format", "json", "--calls"])
        .arg(&calls)
        .arg(shared.join("data/tweetsumm/tweetsumm-dev.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let acct = &v["accounting"];
    assert_eq!(acct["calls_audited"], 989);
    assert_eq!(acct["rows_read"], acct["rows_audited"]);
    assert_eq!(acct["rows_skipped"], serde_json::json!({}));
    assert!(v["groups"].as_array().unwrap().len() > 50, "every brand");
    let rows = read_calls_csv(&calls);
    assert_eq!(rows.len(), 989);
    for item in callaudit::Rubric::default_rubric().items {
        assert!(rows[0].contains_key(&item.id), "no column {}", item.id);
    }
}

#[test]
fn last_counts_back_from_as_of_and_stops_there() {
    // Example dates run from 2026-11-12 to 2026-11-20.
    let run = |args: &[&str]| {
        let out = callaudit()
            .args(["audit", "--quiet", "--format", "json", "--allow-empty"])
            .args(args)
            .arg(repo_path("examples/data"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["overall"]["calls"].as_u64().unwrap()
    };
    // 2026-11-14..=2026-11-16: J-2004 (14th), C-1001 and C-1003 (16th).
    assert_eq!(run(&["--last", "3d", "--as-of", "2026-11-16"]), 3);
    assert_eq!(run(&["--since", "2026-11-14", "--until", "2026-11-16"]), 3);
    assert_eq!(run(&["--last", "1w", "--as-of", "2026-11-20"]), 10);
}

/// Without --as-of, --last ends yesterday, the last whole day: a nightly job run after
/// midnight with `--last 1d` audits the day that ended, and `--last 7d` on a Monday is the
/// week before. `--as-of today` takes today in.
#[test]
fn last_ends_yesterday_unless_as_of_says_otherwise() {
    // The binary reads the clock too: a run across midnight is tried again.
    for _ in 0..2 {
        let today = chrono::Local::now().date_naive();
        check_last_ends_yesterday(today);
        if chrono::Local::now().date_naive() == today {
            return;
        }
    }
    panic!("the date changed during both tries");
}

fn check_last_ends_yesterday(today: chrono::NaiveDate) {
    let days_ago = |n: u64| (today - chrono::Days::new(n)).to_string();
    let w = Workdir::new();
    let mut csv = String::from("call_id,agent_id,date,speaker,text\n");
    for n in 0..4 {
        csv += &format!("D{n},ann,{},agent,hello\n", days_ago(n));
    }
    let input = w.write("calls.csv", csv);
    let run = |args: &[&str]| {
        let out = callaudit()
            .args([
                "--no-config",
                "audit",
                "--quiet",
                "--format",
                "json",
                "--group-by",
                "call",
            ])
            .args(args)
            .arg(&input)
            .output()
            .unwrap();
        let keys = if out.status.success() {
            group_keys(&serde_json::from_slice(&out.stdout).unwrap())
        } else {
            Vec::new()
        };
        (
            out.status.code(),
            keys,
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // D0 is today, D1 yesterday, …
    assert_eq!(run(&["--last", "1d"]).1, ["D1"]);
    assert_eq!(run(&["--last", "24h"]).1, ["D1"]);
    assert_eq!(run(&["--last", "2d"]).1, ["D1", "D2"]);
    assert_eq!(run(&["--last", "1d", "--as-of", "yesterday"]).1, ["D1"]);
    assert_eq!(run(&["--last", "2d", "--as-of", "today"]).1, ["D0", "D1"]);
    assert_eq!(run(&["--last", "1d", "--as-of", &days_ago(3)]).1, ["D3"]);
    // Hours that are not whole days are refused, with the days to use.
    let (code, _, stderr) = run(&["--last", "36h"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("must be whole days (24h, 48h); use 2d"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--last", "1d", "--as-of", "tomorrow"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`today` or `yesterday`"), "{stderr}");
}

#[test]
fn error_messages_do_not_pass_escape_sequences_to_the_terminal() {
    let w = Workdir::new();
    let bad = w.write("bad.csv", "\u{1b}]0;pwned\u{7}id,words\n1,hi\n");
    let out = callaudit().args(["audit"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no column for call"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// Ids that differ only in characters a report does not show (a zero-width space, an escape
/// sequence, a NUL) made lines that read alike: two `ann.lee` lines, two `N1` calls. They stay
/// apart (they are different ids) but the run says so, with the hidden characters written out.
#[test]
fn lookalike_ids_are_named_with_their_hidden_characters() {
    let w = Workdir::new();
    let input = w.write(
        "calls.csv",
        "call_id,agent_id,speaker,text\nZ1,ann.lee,customer,hi\nZ3,ann.lee\u{200b},customer,hi\nN2,ann\u{1b}[31m,agent,x\nN\u{0}1,ann,customer,hi\nN1,ann,agent,ok\nP1,bo,agent,ok\n",
    );
    let run = |group: &str| {
        let out = callaudit()
            .args([
                "--no-config",
                "audit",
                "-q",
                "--format",
                "csv",
                "--group-by",
                group,
            ])
            .arg(&input)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let agents = run("agent");
    assert!(agents.contains("warning: 2 agent lines look the same but are different ids, counted apart: `ann.lee`, `ann.lee\\u{200b}`"), "{agents}");
    assert!(agents.contains("`ann`, `ann\\u{1b}[31m`"), "{agents}");
    assert!(!agents.contains("`bo`"), "{agents}");
    let calls = run("call");
    assert!(calls.contains("2 call lines look the same but are different ids, counted apart: `N\\u{0}1`, `N1` (invisible characters written out; fix the export)"), "{calls}");
    assert_eq!(calls.matches("look the same").count(), 1, "{calls}");
}

/// The same name composed (NFC, `zoë` as Windows types it) and decomposed (NFD, `zoe` and a
/// combining diaeresis, as a Mac export writes it) made two lines that looked identical, with
/// no warning, and `--agent` typed composed dropped the other form's calls (tester t11,
/// finding 2). Canonically equivalent agent ids, teams, queues and call ids are one, reported
/// composed, and so are the `--agent`, `--team`, `--metadata` and `--agents` values that name
/// them.
#[test]
fn composed_and_decomposed_names_are_one_agent_team_and_call() {
    let nfc_agent = "zo\u{eb}.m\u{fc}ller";
    let nfd_agent = "zoe\u{308}.mu\u{308}ller";
    let (nfc_team, nfd_team) = ("caf\u{e9}", "cafe\u{301}");
    let w = Workdir::new();
    let row = |call: &str, agent: &str, team: &str, speaker: &str, text: &str| {
        let turn = if speaker == "customer" { 1 } else { 2 };
        format!("{call},{agent},{team},2026-11-20,{turn},{speaker},{text}\n")
    };
    let header = "call_id,agent_id,team,date,turn,speaker,text\n";
    // Call `Ré-1` is split across the two files, its id composed in one and not in the other.
    w.write(
        "windows.csv",
        [
            header.to_string(),
            row("N0", nfc_agent, nfc_team, "customer", "This is ridiculous!"),
            row("N0", nfc_agent, nfc_team, "agent", "I'm so sorry."),
            row("N2", nfc_agent, nfd_team, "agent", "Calm down."),
            row("R\u{e9}-1", nfc_agent, nfc_team, "customer", "Hello?"),
        ]
        .concat(),
    );
    w.write(
        "mac.csv",
        [
            header.to_string(),
            row("N1", nfd_agent, nfd_team, "agent", "Calm down."),
            row(
                "Re\u{301}-1",
                nfd_agent,
                nfd_team,
                "agent",
                "Thank you for waiting.",
            ),
            // A decomposed id whose rows are together: one part, not one per row.
            row("Zoe\u{301}-2", nfd_agent, nfd_team, "customer", "Hello?"),
            row("Zoe\u{301}-2", nfd_agent, nfd_team, "agent", "Thank you."),
        ]
        .concat(),
    );
    let run = |extra: &[&str]| {
        let out = callaudit()
            .current_dir(w.dir.path())
            .args([
                "--no-config",
                "audit",
                "windows.csv",
                "mac.csv",
                "--format",
                "csv",
            ])
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "{extra:?}: {stderr}");
        assert!(!stderr.contains("warning"), "{extra:?}: {stderr}");
        let csv = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<String> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect();
        (lines, stderr)
    };
    let one_agent = vec![format!("{nfc_agent},5"), "(all),5".to_string()];
    let (lines, stderr) = run(&[]);
    assert_eq!(lines, one_agent);
    // Five calls, `Ré-1` among them put together from its two files, and `Zoé-2` read whole.
    assert!(stderr.contains("5 calls and 8 rows audited"), "{stderr}");
    assert!(
        stderr.contains("\ncallaudit: 1 call(s) merged from non-contiguous rows"),
        "only Ré-1: {stderr}"
    );
    for agent in [nfc_agent, nfd_agent] {
        assert_eq!(run(&["--agent", agent]).0, one_agent, "--agent {agent:?}");
    }
    for team in [nfc_team, nfd_team] {
        let (lines, _) = run(&["--team", team, "--group-by", "team"]);
        assert_eq!(
            lines,
            [format!("{nfc_team},5"), "(all),5".into()],
            "--team {team:?}"
        );
    }
    // The side files name them decomposed: the contact record joins, the id is listed.
    w.write(
        "meta.csv",
        "call_id,queue\nN0,billing\nN1,sales\nN2,sales\nRe\u{301}-1,billing\nZo\u{e9}-2,sales\n",
    );
    let (lines, _) = run(&["--metadata", "meta.csv", "--group-by", "queue"]);
    assert_eq!(lines, ["billing,2", "sales,3", "(all),5"]);
    w.write(
        "agents.csv",
        format!("id,name\n{nfd_agent},Zoe\u{308} Mu\u{308}ller\n"),
    );
    let (lines, stderr) = run(&["--agents", "agents.csv"]);
    assert_eq!(lines, ["Zo\u{eb} M\u{fc}ller,5", "(all),5"], "{stderr}");
}

/// An agent literally named `(all)` printed like the overall line in CSV, table and Markdown,
/// and a team literally `(none)` was counted with the calls without a team, without a word.
/// Both are warned of on stderr (the reports are unchanged: JSON tells `overall` apart).
#[test]
fn a_value_named_like_a_report_label_is_warned_of() {
    let w = Workdir::new();
    let input = w.write(
        "calls.csv",
        "call_id,agent_id,team,speaker,text\n\
         c1,(all),(none),agent,hello\n\
         c2,bob,north,agent,thank you\n\
         c3,bob,,agent,hello\n",
    );
    let out = callaudit()
        .args(["audit", "--no-config", "--format", "csv", "-q"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("callaudit: warning: an agent is named `(all)`, as the overall line is"),
        "{err}"
    );
    assert!(!err.contains("team"), "{err}");
    let out = callaudit()
        .args(["audit", "--no-config", "--group-by", "team", "-q"])
        .arg(&input)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("warning: a team is named `(none)`, as the line of calls without a team is: they are counted as one line `(none)`"),
        "{err}"
    );
    // At the agent level the line of calls without one is `(unknown)`: an agent named so is
    // pooled with them and said; one named `(none)` is a line of its own, and not said to be
    // pooled (it was, with "a agent"; tester t25 F3).
    let agents = w.write(
        "agents-named.csv",
        "call_id,agent_id,speaker,text\n\
         n1,,agent,hello\n\
         n2,(none),agent,hello\n\
         n3,(unknown),agent,hello\n",
    );
    let out = callaudit()
        .args(["audit", "--no-config", "--format", "csv", "-q"])
        .arg(&agents)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("call n3 names its agent `(unknown)`, as the line of calls without an agent is: they are counted as one line"),
        "{err}"
    );
    assert!(
        !err.contains("`(none)`") && !err.contains("a agent"),
        "{err}"
    );
    // Without such a value, no such warning.
    let plain = w.write("plain.csv", csv_of(&[("c1", "ann", "agent", "hello")]));
    let out = callaudit()
        .args(["audit", "--no-config", "-q"])
        .arg(&plain)
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("is named"));
}

/// A `date` with a time and an offset is dated by its own offset's calendar date (as
/// docs/input-formats.md says), an epoch by UTC's: pinned, since one instant spelled with two
/// offsets falls on two days.
#[test]
fn a_timestamp_with_an_offset_is_dated_as_written() {
    let w = Workdir::new();
    let input = w.write(
        "calls.csv",
        "call_id,agent_id,timestamp,speaker,text\n\
         T1,ann,2026-11-16T23:30:00-05:00,agent,hello\n\
         T2,ann,2026-11-17T01:30:00+02:00,agent,hello\n\
         T3,ann,1795303800,agent,hello\n",
    );
    let calls = w.path("calls.out.csv");
    callaudit()
        .args(["audit", "--no-config", "-q", "-o", "/dev/null", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    let dates: Vec<(String, String)> = read_calls_csv(&calls)
        .into_iter()
        .map(|r| (r["call_id"].clone(), r["date"].clone()))
        .collect();
    // T1 is 2026-11-17T04:30Z, T2 2026-11-16T23:30Z; T3 is 2026-11-21T23:30Z.
    assert_eq!(
        dates,
        [
            ("T1".to_string(), "2026-11-16".to_string()),
            ("T2".to_string(), "2026-11-17".to_string()),
            ("T3".to_string(), "2026-11-21".to_string()),
        ]
    );
}

/// `-o report.json.gz` and `--save-partial mon.partial.gz` wrote plain text under a `.gz` name
/// without a word, so `zcat` failed on the night's archive. They are still written (plain), with
/// a warning naming the option.
#[test]
fn an_output_named_gz_is_warned_to_be_uncompressed() {
    let w = Workdir::new();
    let input = w.write("calls.csv", csv_of(&[("c1", "ann", "agent", "hello")]));
    let out = callaudit()
        .args(["audit", "--no-config", "-q", "--format", "json", "-o"])
        .arg(w.path("r.json.gz"))
        .arg("--save-partial")
        .arg(w.path("n.partial.gz"))
        .arg("--calls")
        .arg(w.path("calls.csv.gz"))
        .args(["--calls-format", "csv"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    for flag in ["-o", "--save-partial", "--calls"] {
        assert!(
            err.contains(&format!("callaudit: warning: {flag} "))
                && err.contains("written uncompressed"),
            "{flag}: {err}"
        );
    }
    assert!(
        std::fs::read_to_string(w.path("r.json.gz"))
            .unwrap()
            .starts_with('{')
    );
    let out = callaudit()
        .args(["audit", "--no-config", "-q", "-o"])
        .arg(w.path("r.txt"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8(out.stderr)
            .unwrap()
            .contains("uncompressed")
    );
}

/// `--agent Ann` where the agent is `ann` said only "no calls matched", and `--team sales` on
/// calls without a team said "13 of other teams". A filter value no call has is said, with the
/// nearest agents or teams read (the same suggestion as `explain --call`), and calls without a
/// team are counted as such, with where teams come from.
#[test]
fn a_filter_that_matches_no_call_says_so_and_suggests() {
    let w = Workdir::new();
    let calls = w.write(
        "calls.csv",
        csv_of(&[
            ("D-01", "ann", "customer", "Hi, when do you open?"),
            ("D-01", "ann", "agent", "At nine. Thanks for asking."),
            ("D-02", "bob", "customer", "Hi, when do you close?"),
            ("D-02", "bob", "agent", "At five."),
        ]),
    );
    let run = |args: &[&str], input: &std::path::Path| {
        let out = callaudit()
            .arg("audit")
            .args(args)
            .arg(input)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--agent", "Ann"], &calls);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "--agent `Ann`: no call read has this agent (agent ids are matched exactly); did you mean ann?"
        ),
        "{err}"
    );
    assert!(err.contains("no calls matched"), "{err}");
    // One agent of two found: the other is said, the run goes on.
    let (code, err) = run(
        &["--agent", "bob", "--agent", "zed", "-o", "/dev/null"],
        &calls,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(
            "--agent `zed`: no call read has this agent (agent ids are matched exactly)\n"
        ),
        "{err}"
    );
    assert!(!err.contains("--agent `bob`"), "{err}");
    let (code, err) = run(&["--team", "sales"], &calls);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "--team `sales`: no call read has a team (teams come from a team column of the export, --metadata or --agents)"
        ),
        "{err}"
    );
    assert!(err.contains("(2 without a team)"), "{err}");
    assert!(!err.contains("of other teams"), "{err}");
    let teams = w.write(
        "teams.csv",
        "call_id,agent_id,team,speaker,text\nT-1,ann,Billing,agent,Hello\nT-2,bob,support,agent,Hi\n",
    );
    let (code, err) = run(&["--team", "billing"], &teams);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "--team `billing`: no call read is of this team (teams are matched exactly); did you mean Billing?"
        ),
        "{err}"
    );
    assert!(err.contains("(2 of other teams)"), "{err}");
}

/// `--since 2026-11-26T12:00:00`, `--until 2026-12-02T08:00:00Z` and `--since 1795651200` were
/// taken as their date alone, in silence (the whole day, not from noon), and `config show`
/// echoed such a value from a config file as if it were honoured. Calls are dated by the day:
/// such values are refused wherever they are given, saying what to write instead.
#[test]
fn date_filters_refuse_a_time_of_day_or_an_epoch() {
    let w = Workdir::new();
    let calls = w.write(
        "calls.csv",
        "call_id,agent_id,date,speaker,text\nD-1,ann,2026-11-26,agent,Hello\n",
    );
    for (flag, value, says) in [
        (
            "--since",
            "2026-11-26T12:00:00",
            "calls are filtered by whole days, so give a date without a time of day: 2026-11-26",
        ),
        (
            "--until",
            "2026-12-02T08:00:00Z",
            "calls are filtered by whole days, so give a date without a time of day: 2026-12-02",
        ),
        (
            "--since",
            "1795651200",
            "calls are filtered by whole days, so give a date like 2026-11-26, not a Unix time",
        ),
        (
            "--as-of",
            "2026-11-26 09:00",
            "without a time of day: 2026-11-26",
        ),
    ] {
        let mut args = vec!["audit", flag, value];
        if flag == "--as-of" {
            args.extend(["--last", "1d"]);
        }
        callaudit()
            .args(&args)
            .arg(&calls)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    callaudit()
        .args(["audit", "--since", "2026-11-26", "-q", "-o", "/dev/null"])
        .arg(&calls)
        .assert()
        .success();
    // From a config file, for the audit and for `config show` alike.
    w.write("callaudit.toml", "since = \"2026-11-26T12:00:00\"\n");
    for args in [&["audit", "calls.csv"][..], &["config", "show"][..]] {
        callaudit()
            .current_dir(w.dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "callaudit.toml:1:9: since = \"2026-11-26T12:00:00\"",
            ))
            .stderr(predicate::str::contains("filtered by whole days"));
    }
}
