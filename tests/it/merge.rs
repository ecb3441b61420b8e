//! Partials and merge through the real binary: random splits of the inputs into partials, and
//! `--shard I/N` for N = 1…5, merged, give byte-identical reports (table, csv, json, markdown,
//! html) to one run; every gate passes and fails in merge; partials of different rubrics, a
//! call in two partials, a missing shard and a cut-short partial are refused.

use super::common;
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::path::Path;

const FORMATS: [&str; 5] = ["table", "csv", "json", "markdown", "html"];

/// Agent lines, built-in rubric phrases (empathy, apology, thanks, hold, transfer, an upset
/// customer), so that verdicts vary from call to call.
const AGENT_LINES: &[&str] = &[
    "I'm so sorry about that, I can see why you're upset.",
    "Thank you for your patience, is there anything else I can help with?",
    "Let me put you on hold for a moment.",
    "I'll transfer you to billing.",
    "I will refund the charge today and email you the confirmation.",
    "That's not my problem.",
    "Hello, how can I help?",
];
const CUSTOMER_LINES: &[&str] = &[
    "This is ridiculous, I was charged twice!",
    "Ok, thanks.",
    "I want to speak to a manager.",
    "My internet is down again.",
];

/// One call: its id, agent, date and the indices of its turns' lines.
#[derive(Clone, Debug)]
struct GenCall {
    id: String,
    agent: &'static str,
    team: &'static str,
    day: u32,
    turns: Vec<(bool, usize)>,
}

fn call_strategy() -> impl Strategy<Value = Vec<GenCall>> {
    let call = (
        0usize..4,
        1u32..15,
        prop::collection::vec((any::<bool>(), 0usize..7), 1..6),
    );
    prop::collection::vec(call, 2..18).prop_map(|calls| {
        calls
            .into_iter()
            .enumerate()
            .map(|(n, (agent, day, turns))| GenCall {
                id: format!("C-{:03}", n + 1),
                agent: ["ann.lee", "bo.chen", "Cé.Dupont", "dee"][agent],
                team: ["north", "south", "north", "south"][agent],
                day,
                turns,
            })
            .collect()
    })
}

fn csv_rows(calls: &[&GenCall], bad_row: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["call_id", "agent_id", "team", "date", "speaker", "text"])
        .unwrap();
    for c in calls {
        let date = format!("2026-11-{:02}", c.day);
        for &(agent, line) in &c.turns {
            let (speaker, text) = if agent {
                ("agent", AGENT_LINES[line % AGENT_LINES.len()])
            } else {
                ("customer", CUSTOMER_LINES[line % CUSTOMER_LINES.len()])
            };
            w.write_record([&c.id, c.agent, c.team, &date, speaker, text])
                .unwrap();
        }
    }
    if bad_row {
        // A row without text: read and skipped, counted once however the run is split.
        w.write_record(["C-999", "ann.lee", "north", "2026-11-02", "agent", ""])
            .unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Runs callaudit in `dir`; returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut cmd = callaudit();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CALLAUDIT_QUIET", "1");
    for var in ["CALLAUDIT_CONFIG", "CALLAUDIT_FORMAT", "CALLAUDIT_SHARD"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .arg(args[0])
        .arg("--no-config")
        .args(&args[1..])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// `--rubric rubric.toml`: the rubric `two_nights` writes.
const RUBRIC: [&str; 2] = ["--rubric", "rubric.toml"];

/// Runs `audit INPUTS… EXTRA… --save-partial PARTIAL -o /dev/null` in `dir`; fails the test
/// unless it exits 0.
fn save_partial(dir: &Path, partial: &str, inputs: &[&str], extra: &[&str]) {
    let mut args = vec!["audit"];
    args.extend(inputs);
    args.extend(extra);
    args.extend(["--save-partial", partial, "-o", "/dev/null"]);
    ok(dir, &args);
}

/// Every format of one run over `files` equals the merge of `partials`, with `extra` report
/// options on both.
fn assert_merge_is_one_run(dir: &Path, files: &[String], partials: &[String], extra: &[&str]) {
    for format in FORMATS {
        let mut one: Vec<&str> = vec!["audit", "--format", format];
        one.extend(files.iter().map(String::as_str));
        one.extend_from_slice(extra);
        let mut merged: Vec<&str> = vec!["merge", "--format", format];
        merged.extend(partials.iter().map(String::as_str));
        merged.extend_from_slice(extra);
        let a = ok(dir, &one);
        let b = ok(dir, &merged);
        assert!(
            a == b,
            "{format} {extra:?}: merge differs from one run\n--- one run\n{}\n--- merge\n{}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Calls spread over files (one file has a bad row), files dealt at random into partials.
    #[test]
    fn random_splits_into_partials_merge_to_one_run(
        calls in call_strategy(),
        n_files in 1usize..5,
        file_of in prop::collection::vec(0usize..4, 18),
        partial_of in prop::collection::vec(0usize..3, 4),
        grouping in 0usize..3,
    ) {
        let w = Workdir::new();
        let dir = w.dir.path();
        let mut files = Vec::new();
        for f in 0..n_files {
            let mine: Vec<&GenCall> = calls
                .iter()
                .enumerate()
                .filter(|(i, _)| file_of[*i] % n_files == f)
                .map(|(_, c)| c)
                .collect();
            let name = format!("day{f}.csv");
            w.write(&name, csv_rows(&mine, f == 0 && !mine.is_empty()));
            files.push(name);
        }
        let mut partials = Vec::new();
        for p in 0..3 {
            let mine: Vec<&str> = files
                .iter()
                .enumerate()
                .filter(|(i, _)| partial_of[*i] == p)
                .map(|(_, f)| f.as_str())
                .collect();
            if mine.is_empty() {
                continue;
            }
            let name = format!("p{p}.partial");
            save_partial(dir, &name, &mine, &["--allow-empty"]);
            partials.push(name);
        }
        let extra: &[&str] = match grouping {
            0 => &[],
            1 => &["--group-by", "team,agent", "--sort", "score"],
            _ => &["--group-by", "agent,call", "--bottom", "3"],
        };
        assert_merge_is_one_run(dir, &files, &partials, extra);
    }
}

/// A run's shards, N = 1…5, merged: the run's report. One call is split across two files and
/// one file has a bad row, so the accounting is checked where shards read the same rows.
#[test]
fn shards_one_to_five_merge_to_one_run() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let calls = call_strategy().new_tree(&mut runner).unwrap().current();
    let refs: Vec<&GenCall> = calls.iter().collect();
    let (a, b) = refs.split_at(refs.len() / 2);
    // The last call of the first file goes on in the second.
    let mut b = b.to_vec();
    b.push(a[a.len() - 1]);
    w.write("a.csv", csv_rows(a, true));
    w.write("b.csv", csv_rows(&b, false));
    let files = vec!["a.csv".to_string(), "b.csv".to_string()];
    let bundled = repo_path("examples/data").display().to_string();
    for inputs in [files.clone(), vec![bundled]] {
        // Every N on the generated calls; the bundled data at N = 3 only (time).
        let ns: Vec<u32> = if inputs == files {
            (1..=5).collect()
        } else {
            vec![3]
        };
        for n in ns {
            let mut partials = Vec::new();
            for i in 1..=n {
                let name = format!("s{i}of{n}.partial");
                let shard = format!("{i}/{n}");
                let files: Vec<&str> = inputs.iter().map(String::as_str).collect();
                save_partial(dir, &name, &files, &["--shard", &shard]);
                partials.push(name);
            }
            assert_merge_is_one_run(dir, &inputs, &partials, &[]);
            if n == 3 {
                assert_merge_is_one_run(
                    dir,
                    &inputs,
                    &partials,
                    &["--group-by", "date", "--sort", "-score"],
                );
            }
        }
    }
}

/// The HTML call list of a merge is the one run's when the nights' partials keep more calls
/// than the one run does: each night of 40 calls keeps all of them, while one run over the 240
/// keeps the weakest 100 and each agent's weakest 10. `dee` (bad lines only) fills most of the
/// one run's list. Before, the merge dealt its extra calls out evenly over the agents and listed
/// other calls (tester t7's F3).
#[test]
fn nights_that_keep_more_calls_merge_to_the_one_runs_call_list() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let agents = ["ann.lee", "bo.chen", "Cé.Dupont", "dee"];
    let calls: Vec<GenCall> = (0..240usize)
        .map(|n| {
            let agent = n % 4;
            // Agent lines 0–1 are good, 2–4 poor: `dee` says only poor ones, the others good.
            let line = |k: usize| {
                if agent == 3 {
                    2 + (n + k) % 3
                } else {
                    (n + k) % 2
                }
            };
            GenCall {
                id: format!("C-{n:03}"),
                agent: agents[agent],
                team: ["north", "south"][agent % 2],
                day: 1 + (n / 4 % 6) as u32,
                turns: (0..2 + n % 4)
                    .map(|k| (k % 2 == 1, if k % 2 == 1 { line(k) } else { k }))
                    .collect(),
            }
        })
        .collect();
    let (mut files, mut partials) = (Vec::new(), Vec::new());
    for night in 1..=6 {
        let these: Vec<&GenCall> = calls.iter().filter(|c| c.day == night).collect();
        let (file, partial) = (format!("n{night}.csv"), format!("n{night}.partial"));
        w.write(&file, csv_rows(&these, false));
        save_partial(dir, &partial, &[&file], &[]);
        files.push(file);
        partials.push(partial);
    }
    assert_merge_is_one_run(dir, &files, &partials, &[]);
    assert_merge_is_one_run(dir, &files, &partials, &["--group-by", "team,agent"]);
}

/// A shard's own run adds up: the rows of the calls it leaves to the other shards are skipped
/// as `other_shard`, in the summary and the JSON `accounting` alike, and `--max-skipped` does
/// not count them (they are not bad input); merged, no row is another shard's, and the
/// accounting is one run's. Before, a shard said "74 rows read …; 37 rows audited" and nothing
/// skipped.
#[test]
fn a_shard_counts_the_other_shards_rows_and_the_merge_adds_up() {
    let w = Workdir::new();
    let dir = w.dir.path();
    // A bad row too, so that the readers' skips (counted by every shard) are in the sums.
    w.write(
        "a.csv",
        "call_id,agent_id,speaker,text\nc1,ann,agent,hello\nc1,ann,customer,thanks\nc2,bo,agent,hi\nc3,bo,agent,sorry\nc4,ann,agent,ok\nc5,bo,agent,\"bad\n",
    );
    let data = repo_path("examples/data").display().to_string();
    let a = w.path("a.csv").display().to_string();
    let whole = super::support::audit(["--no-config", data.as_str(), a.as_str()]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let mut audited = 0;
    for i in 1..=2 {
        let shard = format!("{i}/2");
        // `support::audit` holds the run to rows read = audited + skipped, in the JSON report
        // and in the stderr summary.
        let run = super::support::audit([
            "--no-config",
            data.as_str(),
            a.as_str(),
            "--shard",
            &shard,
            "--max-skipped",
            "1",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.acct("rows_read"), whole.acct("rows_read"));
        assert!(run.skipped("other_shard") > 0, "{}", run.stderr);
        assert_eq!(
            run.skipped("other_shard") + run.acct("rows_audited") + run.skipped("malformed_row"),
            run.acct("rows_read")
        );
        assert!(
            run.stderr
                .contains(&format!("({} other shard)", run.skipped("other_shard")))
                || run
                    .stderr
                    .contains(&format!(", {} other shard)", run.skipped("other_shard"))),
            "{}",
            run.stderr
        );
        audited += run.acct("rows_audited");
        save_partial(
            dir,
            &format!("s{i}.partial"),
            &[data.as_str(), "a.csv"],
            &["--shard", &shard],
        );
    }
    assert_eq!(audited, whole.acct("rows_audited"));
    let merged: serde_json::Value = serde_json::from_slice(&ok(
        dir,
        &["merge", "--format", "json", "s1.partial", "s2.partial"],
    ))
    .unwrap();
    let whole_report = whole.report.as_ref().unwrap();
    assert_eq!(merged["accounting"], whole_report["accounting"]);
    assert!(merged["accounting"]["rows_skipped"]["other_shard"].is_null());
}

/// The shard of a call is FNV-1a 64 of its id's bytes, modulo N, plus one: pinned here so
/// that it cannot change between versions.
#[test]
fn shard_assignment_is_the_documented_hash() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let data = repo_path("examples/data/calls.csv").display().to_string();
    // FNV-1a 64 of "C-1001".."C-1008" modulo 3, plus one, computed by hand from the
    // published algorithm (docs/nightly.md).
    fn fnv(s: &str) -> u64 {
        s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        })
    }
    for i in 1..=3u64 {
        let shard = format!("{i}/3");
        let out = ok(
            dir,
            &[
                "audit",
                &data,
                "--shard",
                &shard,
                "--group-by",
                "call",
                "--format",
                "csv",
            ],
        );
        let text = String::from_utf8(out).unwrap();
        let mut got: Vec<String> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .filter(|id| id.starts_with("C-"))
            .map(String::from)
            .collect();
        got.sort();
        let want: Vec<String> = (1001..=1008)
            .map(|n| format!("C-{n}"))
            .filter(|id| fnv(id) % 3 == i - 1)
            .collect();
        assert_eq!(got, want, "shard {shard}");
    }
}

/// Two nights: ann 100, 100, 50, 90 (a transfer); bo 0, 50; one bad row. Overall 65.
fn two_nights(w: &Workdir) -> Vec<String> {
    let dir = w.dir.path();
    w.write("rubric.toml", gate_rubric("merge test"));
    let [c1, c2, c3, c4, c5, c6] = GATE_CALLS;
    w.write("mon.csv", csv_of(&[c1, c2, c5, ("c9", "bo", "agent", "")]));
    w.write("tue.csv", csv_of(&[c3, c4, c6]));
    for day in ["mon", "tue"] {
        let file = format!("{day}.csv");
        let partial = format!("{day}.partial");
        save_partial(dir, &partial, &[&file], &RUBRIC);
    }
    vec!["mon.partial".into(), "tue.partial".into()]
}

#[test]
fn merge_gates_pass_and_fail() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let partials = two_nights(&w);
    // A baseline of 75 overall, ann 90 and bo 40: the merge (65; ann 85, bo 25) dropped 10.
    ok(
        dir,
        &[
            "audit",
            "mon.csv",
            "--rubric",
            "rubric.toml",
            "--format",
            "json",
            "-o",
            "base.json",
        ],
    );
    let cases: &[(&[&str], &str)] = &[
        (&["--fail-under", "60"], "--fail-under 70"),
        (&["--fail-agent-under", "20"], "--fail-agent-under 30"),
        (&["--fail-on", "transfer>20%"], "--fail-on transfer>10%"),
        (
            &["--fail-item-under", "greeting=60"],
            "--fail-item-under greeting=70",
        ),
        (
            &["--baseline", "base.json", "--fail-drop", "20"],
            "--baseline base.json --fail-drop 5",
        ),
        (&["--max-skipped", "1"], "--max-skipped 0"),
    ];
    for (pass, fail) in cases {
        let mut args = vec!["merge", "--format", "json"];
        args.extend(partials.iter().map(String::as_str));
        let mut passing = args.clone();
        passing.extend_from_slice(pass);
        let (code, out, err) = run(dir, &passing);
        assert_eq!(code, 0, "{pass:?} should pass: {err}");
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(
            json["gates"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["passed"] == true),
            "{pass:?}: {}",
            json["gates"]
        );
        let mut failing = args.clone();
        failing.extend(fail.split(' '));
        let (code, out, err) = run(dir, &failing);
        assert_eq!(code, 1, "{fail} should fail: {err}");
        assert!(err.contains("callaudit: gate failed: "), "{fail}: {err}");
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(
            json["gates"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["passed"] == false),
            "{fail}: {}",
            json["gates"]
        );
    }
    // The same gates give the same verdicts as one run over both nights.
    let one = ok(
        dir,
        &[
            "audit",
            "mon.csv",
            "tue.csv",
            "--rubric",
            "rubric.toml",
            "--format",
            "json",
            "--fail-under",
            "60",
            "--fail-on",
            "transfer>20%",
        ],
    );
    let merged = ok(
        dir,
        &[
            "merge",
            "mon.partial",
            "tue.partial",
            "--format",
            "json",
            "--fail-under",
            "60",
            "--fail-on",
            "transfer>20%",
        ],
    );
    assert_eq!(one, merged);
}

#[test]
fn merge_refuses_partials_of_different_rubrics_naming_them() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    save_partial(dir, "builtin.partial", &["tue.csv"], &[]);
    let (code, _, err) = run(dir, &["merge", "mon.partial", "builtin.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("mon.partial")
            && err.contains("builtin.partial")
            && err.contains("different rubrics"),
        "{err}"
    );
}

/// The rubric's fingerprint is of its parsed values: `penalty = 10.0` is `penalty = 10` (the
/// same rubric, the same reports), so partials made with either merge; `10.5` is another rubric,
/// and the refusal names both rubrics.
#[test]
fn a_whole_number_written_as_a_float_is_the_same_rubric() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    let float = gate_rubric("merge test")
        .replace("pass_mark = 50", "pass_mark = 50.0")
        .replace("penalty = 10", "penalty = 10.0");
    w.write(
        "float.toml",
        format!("# the same, written otherwise\n{float}"),
    );
    save_partial(
        dir,
        "float.partial",
        &["tue.csv"],
        &["--rubric", "float.toml"],
    );
    ok(
        dir,
        &["merge", "mon.partial", "float.partial", "-o", "/dev/null"],
    );
    w.write(
        "other.toml",
        gate_rubric("other test").replace("penalty = 10", "penalty = 10.5"),
    );
    save_partial(
        dir,
        "other.partial",
        &["tue.csv"],
        &["--rubric", "other.toml"],
    );
    let (code, _, err) = run(dir, &["merge", "mon.partial", "other.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`merge test` and fnv1a64:") && err.contains("`other test`)"),
        "{err}"
    );
}

#[test]
fn a_call_in_two_partials_is_refused_or_counted_twice_with_a_warning() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    w.write("again.csv", csv_of(&[("c1", "ann", "agent", "hello")]));
    save_partial(dir, "again.partial", &["again.csv"], &RUBRIC);
    let (code, _, err) = run(dir, &["merge", "mon.partial", "again.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("call c1 is in mon.partial and in again.partial"),
        "{err}"
    );
    let (code, out, err) = run(
        dir,
        &[
            "merge",
            "mon.partial",
            "again.partial",
            "--allow-split-calls",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--allow-split-calls"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["accounting"]["calls_audited"], 4);
}

/// A night audited twice (overlapping `--since`/`--last` windows, or a copied partial) puts the
/// same call in two partials: the error says it is the same call twice, not parts of one (the
/// advice differs), and a partial named twice is refused by name before anything is counted.
#[test]
fn the_same_call_in_two_partials_is_told_apart_from_a_split_call() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    std::fs::copy(w.path("mon.partial"), w.path("mon-again.partial")).unwrap();
    let (code, _, err) = run(dir, &["merge", "mon.partial", "mon-again.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is in mon.partial and in mon-again.partial")
            && err.contains("the same call audited twice"),
        "{err}"
    );
    // The parts of one call are still called that.
    w.write("again.csv", csv_of(&[("c1", "ann", "agent", "hello")]));
    save_partial(dir, "again.partial", &["again.csv"], &RUBRIC);
    let (code, _, err) = run(dir, &["merge", "mon.partial", "again.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("its parts differ") && !err.contains("audited twice"),
        "{err}"
    );
    for twice in ["mon.partial", "./mon.partial"] {
        let (code, _, err) = run(dir, &["merge", "mon.partial", "tue.partial", twice]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "the partial mon.partial is given twice (mon.partial and {twice})"
            )),
            "{err}"
        );
    }
}

/// `merge -o` was not checked against the partials it reads: `merge mon.partial tue.partial -o
/// tue.partial` replaced a night's partial with the report, so the week could not be merged
/// again. The baseline may still be rolled forward.
#[test]
fn merge_never_writes_its_report_over_a_partial() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let partials = two_nights(&w);
    std::os::unix::fs::symlink(w.path("tue.partial"), w.path("latest.partial")).unwrap();
    let before = std::fs::read(w.path("tue.partial")).unwrap();
    for out in ["tue.partial", "./latest.partial"] {
        let (code, _, err) = run(dir, &["merge", &partials[0], &partials[1], "-o", out]);
        assert_eq!(code, 2, "-o {out}: {err}");
        assert!(
            err.contains("is the partial tue.partial")
                && err.contains("an output may not replace a file the run reads"),
            "-o {out}: {err}"
        );
        assert_eq!(std::fs::read(w.path("tue.partial")).unwrap(), before);
    }
    ok(
        dir,
        &["merge", &partials[0], "--format", "json", "-o", "base.json"],
    );
    ok(
        dir,
        &[
            "merge",
            &partials[0],
            &partials[1],
            "--format",
            "json",
            "--baseline",
            "base.json",
            "-o",
            "base.json",
        ],
    );
}

#[test]
fn missing_or_repeated_shards_and_cut_partials_are_refused() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let name = format!("s{i}.partial");
        let extra = ["--rubric", "rubric.toml", "--shard", &shard];
        save_partial(dir, &name, &["mon.csv", "tue.csv"], &extra);
    }
    let (code, _, err) = run(dir, &["merge", "s1.partial", "s3.partial"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("shard 2/3") && err.contains("missing"),
        "{err}"
    );
    let (code, _, err) = run(
        dir,
        &[
            "merge",
            "s1.partial",
            "s2.partial",
            "s3.partial",
            "s2.partial",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("given twice"), "{err}");
    let text = std::fs::read_to_string(w.path("s1.partial")).unwrap();
    let cut: Vec<&str> = text.lines().collect();
    w.write("cut.partial", cut[..cut.len() - 1].join("\n"));
    let (code, _, err) = run(dir, &["merge", "cut.partial", "s2.partial", "s3.partial"]);
    assert_eq!(code, 2);
    assert!(err.contains("cut short"), "{err}");
    w.write(
        "other.partial",
        text.replacen("\"format_version\":1", "\"format_version\":99", 1),
    );
    let (code, _, err) = run(dir, &["merge", "other.partial"]);
    assert_eq!(code, 2);
    assert!(err.contains("format version 99"), "{err}");
    let (code, _, err) = run(dir, &["merge", "mon.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a callaudit partial"), "{err}");
}

/// Shards of one run audited with different filters (a pod retried after midnight, `--last 1d`
/// and no `--as-of`, audits the next day) were merged as one run: each held half of another
/// day. A partial records its filters, resolved, and merge refuses shards that differ and leave
/// a run short, naming both files and their filters; two whole sharded nights over the same
/// inputs are two runs, and merge (tester t19: they were refused as one run's shards).
#[test]
fn shards_audited_with_different_filters_are_refused() {
    let w = Workdir::new();
    let dir = w.dir.path();
    w.write("rubric.toml", gate_rubric("merge test"));
    let mut csv = String::from("call_id,agent_id,date,speaker,text\n");
    for (n, day) in [17, 17, 17, 18, 18, 18, 17, 18].iter().enumerate() {
        let agent = ["ann", "bo"][n % 2];
        csv.push_str(&format!(
            "c{n},{agent},2026-11-{day},agent,hello and thank you\n"
        ));
    }
    w.write("calls.csv", csv);
    let shard = |name: &str, i: u32, extra: &[&str]| {
        let s = format!("{i}/2");
        let args = [&RUBRIC[..], &["--allow-empty", "--shard", &s], extra].concat();
        save_partial(dir, name, &["calls.csv"], &args);
    };
    let day = |d: &'static str| -> [&'static str; 4] { ["--last", "1d", "--as-of", d] };
    shard("a1.partial", 1, &day("2026-11-17"));
    shard("a2.partial", 2, &day("2026-11-17"));
    shard("b2.partial", 2, &day("2026-11-18"));
    ok(
        dir,
        &["merge", "a1.partial", "a2.partial", "-o", "/dev/null"],
    );
    shard("b1.partial", 1, &day("2026-11-18"));
    let week = ok(
        dir,
        &[
            "merge",
            "a1.partial",
            "b2.partial",
            "a2.partial",
            "b1.partial",
            "--quiet",
            "--format",
            "json",
        ],
    );
    let week: serde_json::Value = serde_json::from_slice(&week).unwrap();
    assert_eq!(week["overall"]["calls"], 8, "both nights, every call once");
    let (code, out, err) = run(dir, &["merge", "a1.partial", "b2.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains(
            "a1.partial and b2.partial are shards of the same inputs but were audited with different filters (a1.partial: dated 2026-11-17; b2.partial: dated 2026-11-18), and neither run is whole"
        ),
        "{err}"
    );
    // An agent filter on one shard only.
    shard("c1.partial", 1, &[]);
    shard("c2.partial", 2, &["--agent", "ann"]);
    let (code, _, err) = run(dir, &["merge", "c1.partial", "c2.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("(c1.partial: no filter; c2.partial: agent ann)"),
        "{err}"
    );
}

/// Merge reads no config file: `--config` is refused with its reason, `--no-config` taken.
/// (That its help leaves both out is `commands_that_refuse_config_do_not_list_it_in_their_help`.)
#[test]
fn merge_refuses_a_config_file_and_takes_no_config() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    let (code, _, err) = run(dir, &["merge", "mon.partial", "--config", "x.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`callaudit merge` reads no config file"),
        "{err}"
    );
    // (`run` passes --no-config.)
    ok(dir, &["merge", "mon.partial", "-o", "/dev/null"]);
}

#[test]
fn save_partial_refuses_overrides_and_bad_shards() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    w.write("sheet.csv", "call_id,greeting\nc1,1\n");
    let (code, _, err) = run(
        dir,
        &[
            "audit",
            "mon.csv",
            "--rubric",
            "rubric.toml",
            "--overrides",
            "sheet.csv",
            "--save-partial",
            "x.partial",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--overrides"), "{err}");
    for bad in ["0/3", "4/3", "3"] {
        let (code, _, err) = run(dir, &["audit", "mon.csv", "--shard", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("shards count from 1"), "{bad}: {err}");
    }
}

/// `merge --help` said `--top N` shows "the first N lines (after --sort)" and `--bottom N` "the
/// last N"; merge, like audit, keeps the N best and worst lines by mean score whatever the
/// sort (docs/reports.md), so the help described something it does not do.
#[test]
fn merge_help_says_top_and_bottom_rank_by_mean_score_as_they_do() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let partials = two_nights(&w);
    let all = String::from_utf8(ok(
        dir,
        &["merge", &partials[0], &partials[1], "--format", "csv"],
    ))
    .unwrap();
    let mut lines: Vec<(String, f64)> = all
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("(all)"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[2].parse().unwrap())
        })
        .collect();
    lines.sort_by(|a, b| b.1.total_cmp(&a.1));
    assert!(lines.len() >= 2 && lines[0].1 > lines[1].1, "{all}");
    for (flag, want) in [
        ("--top", &lines[0].0),
        ("--bottom", &lines[lines.len() - 1].0),
    ] {
        let cut = String::from_utf8(ok(
            dir,
            &[
                "merge",
                &partials[0],
                &partials[1],
                "--format",
                "csv",
                "--sort",
                "-name",
                flag,
                "1",
            ],
        ))
        .unwrap();
        let first = cut.lines().nth(1).unwrap();
        assert!(first.starts_with(&format!("{want},")), "{flag}: {cut}");
    }
    let (_, help, _) = run(dir, &["merge", "--help"]);
    let help = String::from_utf8(help).unwrap();
    let flag_help = |flag: &str| -> String {
        let at = help.find(&format!("      {flag} <N>")).unwrap();
        help[at..].lines().take(3).collect::<Vec<_>>().join(" ")
    };
    for (flag, word) in [("--top", "best"), ("--bottom", "worst")] {
        let text = flag_help(flag);
        assert!(
            text.contains(word) && text.contains("mean score") && !text.contains("after --sort"),
            "{flag}: {text}"
        );
    }
}

/// The options that choose the report's lines (`--group-by`, `--sort`, `--top`, `--bottom`)
/// are one set shared with audit: `merge --help` had drifted from `audit --help` twice (its
/// `--top` did not say that lines tying with the Nth are kept, which merge does, as audit).
/// Merge still reads no `CALLAUDIT_` variable for them (docs/nightly.md).
#[test]
fn merge_shares_audits_line_options_but_not_their_variables() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let help_of = |sub: &str| {
        let (_, help, _) = run(dir, &[sub, "--help"]);
        String::from_utf8(help).unwrap()
    };
    let (audit, merge) = (help_of("audit"), help_of("merge"));
    let flag_help = |help: &str, flag: &str| -> String {
        let at = help
            .find(&format!("      {flag} <"))
            .unwrap_or_else(|| panic!("{flag}"));
        help[at..]
            .lines()
            .skip(1)
            .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with('['))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for flag in ["--group-by", "--sort", "--top", "--bottom"] {
        assert_eq!(flag_help(&audit, flag), flag_help(&merge, flag), "{flag}");
    }
    assert!(flag_help(&merge, "--top").contains("tie with the Nth"));
    assert!(audit.contains("env: CALLAUDIT_SORT") && !merge.contains("CALLAUDIT_"));

    let partials = two_nights(&w);
    let merged = |envs: &[(&str, &str)]| {
        let mut cmd = callaudit();
        cmd.current_dir(dir)
            .env("NO_COLOR", "1")
            .env("CALLAUDIT_QUIET", "1");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["merge", &partials[0], &partials[1], "--format", "csv"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let plain = merged(&[]);
    let with_vars = merged(&[
        ("CALLAUDIT_SORT", "score"),
        ("CALLAUDIT_TOP", "1"),
        ("CALLAUDIT_GROUP_BY", "team"),
    ]);
    assert_eq!(
        String::from_utf8(plain).unwrap(),
        String::from_utf8(with_vars).unwrap()
    );
}

/// `merge --help` said `--min-calls N` leaves agents with fewer calls out of
/// `--fail-agent-under`; it leaves them out of `--fail-drop` too (as audit's help says), and a
/// weekly job reading merge's help could not know that a new agent's drop is not gated.
#[test]
fn merge_help_says_min_calls_spares_agents_from_fail_drop_as_it_does() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let partials = two_nights(&w);
    ok(
        dir,
        &["merge", &partials[1], "--format", "json", "-o", "base.json"],
    );
    let drop = |min_calls: &str| {
        run(
            dir,
            &[
                "merge",
                &partials[0],
                &partials[1],
                "--baseline",
                "base.json",
                "--fail-drop",
                "0",
                "--min-calls",
                min_calls,
                "-o",
                "/dev/null",
            ],
        )
    };
    let (code, _, err) = drop("1");
    assert_eq!(code, 1, "some agent fell: {err}");
    let (code, _, err) = drop("1000");
    assert!(
        !err.contains("agent(s)"),
        "agents under --min-calls are not compared: {err}"
    );
    assert!(code == 0 || err.contains("overall mean score"), "{err}");
    let (_, help, _) = run(dir, &["merge", "--help"]);
    let help = String::from_utf8(help).unwrap();
    let at = help.find("      --min-calls <N>").unwrap();
    let text: String = help[at..].lines().take(3).collect::<Vec<_>>().join(" ");
    assert!(text.contains("--fail-drop"), "{text}");
}

/// docs/nightly.md: nights that each read the whole tree with a date filter merge into the
/// week's calls and scores, while the reading (inputs, files and rows read, rows filtered out)
/// is the nights' sum: each file is listed once per night.
#[test]
fn nights_reading_the_whole_tree_merge_the_calls_and_sum_the_reading() {
    let w = Workdir::new();
    let dir = w.dir.path();
    w.write("rubric.toml", gate_rubric("merge test"));
    let mut rows = String::from("call_id,agent_id,date,speaker,text\n");
    for (id, day) in [
        ("a1", "2026-11-16"),
        ("a2", "2026-11-16"),
        ("b1", "2026-11-17"),
    ] {
        rows.push_str(&format!("{id},ann,{day},agent,Hello and thank you\n"));
        rows.push_str(&format!("{id},ann,{day},customer,Thanks\n"));
    }
    w.write("tree/calls.csv", rows);
    for day in ["16", "17"] {
        let partial = format!("{day}.partial");
        let as_of = format!("2026-11-{day}");
        let extra = ["--rubric", "rubric.toml", "--last", "1d", "--as-of", &as_of];
        save_partial(dir, &partial, &["tree"], &extra);
    }
    let week: serde_json::Value = serde_json::from_slice(&ok(
        dir,
        &["merge", "16.partial", "17.partial", "--format", "json"],
    ))
    .unwrap();
    let one: serde_json::Value = serde_json::from_slice(&ok(
        dir,
        &[
            "audit",
            "tree",
            "--rubric",
            "rubric.toml",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(
        week["overall"], one["overall"],
        "the week's calls and scores"
    );
    assert_eq!(week["groups"], one["groups"]);
    assert_eq!(
        week["accounting"]["files_read"], 2,
        "{}",
        week["accounting"]
    );
    assert_eq!(one["accounting"]["files_read"], 1);
    assert_eq!(
        week["accounting"]["rows_read"], 12,
        "{}",
        week["accounting"]
    );
}

/// A partial cut mid-line (a copy that stopped, a disk that filled) was "not JSON: EOF while
/// parsing …" when cut in a call or the end line, and "not a callaudit partial" when cut in its
/// header: it is a partial, cut short, and the message says so with the line.
#[test]
fn a_partial_cut_mid_line_is_said_to_be_cut_short() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    save_partial(dir, "mon.partial", &["mon.csv"], &RUBRIC);
    let bytes = std::fs::read(w.path("mon.partial")).unwrap();
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let second_end = header_end
        + 1
        + bytes[header_end + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap();
    // In the header, in a call line, in the end line.
    for len in [
        header_end / 2,
        (header_end + second_end) / 2,
        bytes.len() - 5,
    ] {
        std::fs::write(w.path("cut.partial"), &bytes[..len]).unwrap();
        let line = bytes[..len].iter().filter(|&&b| b == b'\n').count() + 1;
        let (code, _, err) = run(dir, &["merge", "cut.partial"]);
        assert_eq!(code, 2, "{len}: {err}");
        let says = format!("cut.partial:{line}: the partial is cut short");
        assert!(err.contains(&says), "{len}: {err}");
        assert!(!err.contains("not a callaudit partial"), "{len}: {err}");
    }
}

/// A blank line in a partial (an editor's, or a copy through a tool that adds them) is not a
/// cut: the partial is read as if it were not there (the end line's counts still check the
/// calls). It was "not JSON: EOF while parsing", and after the cut-short message, "cut short".
/// Likewise a byte-order mark before the header.
#[test]
fn blank_lines_in_a_partial_are_passed_over() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    save_partial(dir, "mon.partial", &["mon.csv"], &RUBRIC);
    let whole = ok(dir, &["merge", "mon.partial", "--format", "json"]);
    let text = std::fs::read_to_string(w.path("mon.partial")).unwrap();
    w.write("blank.partial", text.replace('\n', "\n\n") + "  \n");
    let (code, out, err) = run(dir, &["merge", "blank.partial", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let strip = |b: &[u8]| String::from_utf8_lossy(b).replace("blank.partial", "mon.partial");
    assert_eq!(strip(&out), strip(&whole));
    // A byte-order mark (an editor that saved it) was "not a callaudit partial".
    w.write("blank.partial", format!("\u{feff}{text}"));
    let (code, out, err) = run(dir, &["merge", "blank.partial", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(strip(&out), strip(&whole));
}

/// A partial kept gzipped (a week of nights is tens of MB; inputs may be `.gz`) was "cannot
/// read: stream did not contain valid UTF-8"; it is read through gzip like an input.
#[test]
fn a_gzipped_partial_merges_as_the_partial() {
    use std::io::Write as _;
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    save_partial(dir, "mon.partial", &["mon.csv"], &RUBRIC);
    let whole = ok(dir, &["merge", "mon.partial", "--format", "json"]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(w.path("mon.partial")).unwrap())
        .unwrap();
    w.write("mon.partial.gz", gz.finish().unwrap());
    let (code, out, err) = run(dir, &["merge", "mon.partial.gz", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let strip = |b: &[u8]| String::from_utf8_lossy(b).replace("mon.partial.gz", "mon.partial");
    assert_eq!(strip(&out), strip(&whole));
}

/// `merge -` said "-: cannot open: No such file or directory"; `-` is stdin, as for inputs (one
/// partial: named twice, it is refused).
#[test]
fn a_partial_from_stdin_merges_as_the_partial() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    save_partial(dir, "mon.partial", &["mon.csv"], &RUBRIC);
    let whole = ok(dir, &["merge", "mon.partial", "--format", "json"]);
    let partial = std::fs::read(w.path("mon.partial")).unwrap();
    let merge = |args: &[&str]| {
        callaudit()
            .current_dir(dir)
            .env("CALLAUDIT_QUIET", "1")
            .args(args)
            .write_stdin(partial.clone())
            .output()
            .unwrap()
    };
    let out = merge(&["merge", "--no-config", "-", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let strip = |b: &[u8]| {
        String::from_utf8_lossy(b).replace(
            "\"partials\": [\n    \"-\"",
            "\"partials\": [\n    \"mon.partial\"",
        )
    };
    assert_eq!(strip(&out.stdout), strip(&whole));
    let out = merge(&["merge", "--no-config", "-", "-"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stdin"), "{stderr}");
}

/// A call recorded twice inside one partial (a hand-edited file, or two joined, with the end
/// line's count made to agree) was added twice, with exit 0; `audit` writes each call once, so
/// the merge refuses it, naming the file, the line and the call.
#[test]
fn a_call_recorded_twice_in_one_partial_is_refused() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    let text = std::fs::read_to_string(w.path("mon.partial")).unwrap();
    let mut out = String::new();
    let mut doubled = None;
    let mut at = 0;
    for (i, line) in text.lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        match v["type"].as_str() {
            Some("call") if doubled.is_none() => {
                doubled = Some(v["call_id"].as_str().unwrap().to_string());
                out += &format!("{line}\n{line}\n");
                at = i + 2;
                continue;
            }
            Some("end") => {
                v["calls"] = (v["calls"].as_u64().unwrap() + 1).into();
                out += &format!("{v}\n");
                continue;
            }
            _ => {}
        }
        out += &format!("{line}\n");
    }
    let id = doubled.expect("a call line");
    w.write("mon.partial", out);
    let (code, stdout, err) = run(dir, &["merge", "mon.partial", "tue.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains(&format!("mon.partial:{at}"))
            && err.contains(&format!("call {id} is recorded twice")),
        "{err}"
    );
}

/// `text` with the first line of type `kind` changed by `edit`, and that line's number.
fn edit_first(text: &str, kind: &str, edit: &dyn Fn(&mut serde_json::Value)) -> (String, usize) {
    let mut out = String::new();
    let mut at = None;
    for (i, line) in text.lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if at.is_none() && v["type"] == kind {
            edit(&mut v);
            at = Some(i + 1);
            out += &format!("{v}\n");
        } else {
            out += &format!("{line}\n");
        }
    }
    (out, at.expect("a line of that type"))
}

/// A hand-edited partial whose counts no run could write (a score over 100%, a score, pass or
/// upset its verdicts do not give, a verdict of the wrong kind or one its count contradicts, an
/// item list that is not the rubric's, an end line whose accounting is not its calls') was added
/// up with exit 0; each is refused (exit 2) naming the file, the line and what was expected.
#[test]
fn a_partial_with_impossible_counts_is_refused_naming_the_line() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    let good = std::fs::read_to_string(w.path("mon.partial")).unwrap();
    ok(dir, &["merge", "mon.partial", "tue.partial"]);
    // mon's first call is c1: greeting and thanks met, transfer clean, 100.
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 16] = [
        (
            "view",
            |v| v["score_centi"] = 10_001.into(),
            "has score_centi 10001: expected 0 to 10000",
        ),
        (
            "call",
            |v| v["score_centi"] = 12_000.into(),
            "call c1: score_centi 12000 is a score of 120%: expected 0 to 10000",
        ),
        (
            "call",
            |v| v["score_centi"] = 9_000.into(),
            "call c1: score_centi 9000 does not follow from its verdicts: the rubric's weights and penalties give 10000",
        ),
        (
            "call",
            |v| v["counts"][0] = 0.into(),
            "call c1: item greeting is `met` with 0 match(es): the item occurs with 1 or more (min_count), so expected missed",
        ),
        (
            "call",
            |v| v["verdicts"][2] = "met".into(),
            "call c1: item transfer is `met`, not a verdict of its kind: expected violated, clean or n/a",
        ),
        (
            "call",
            |v| v["passed"] = false.into(),
            "call c1: passed false, upset null, calmed null do not follow from its score and verdicts: expected passed true",
        ),
        (
            "call",
            |v| v["upset"] = true.into(),
            "expected passed true (pass mark 50), upset null, calmed null",
        ),
        ("call", |v| v["turns"] = 0.into(), "call c1 has turns 0"),
        ("call", |v| v["counts"][1] = (-1).into(), "bad call line"),
        (
            "call",
            |v| v["verdicts"] = serde_json::json!(["met", "met"]),
            "call c1 has 2 verdicts and 3 counts for 3 items",
        ),
        (
            "header",
            |v| v["items"] = serde_json::json!(["thanks", "greeting", "transfer"]),
            "the header's items (thanks, greeting, transfer) are not the items of the rubric the partials were made with (item 1 is `thanks` where the rubric has `greeting`): expected greeting, thanks, transfer",
        ),
        (
            "header",
            |v| v["items"] = serde_json::json!(["greeting", "thanks"]),
            "(item 3 is nothing where the rubric has `transfer`): expected greeting, thanks, transfer",
        ),
        (
            "header",
            |v| v["shard"] = serde_json::json!({"index": 0, "count": 2}),
            "the header's shard 0/2 is no shard: expected I/N with 1 <= I <= N",
        ),
        (
            "end",
            |v| v["accounting"]["calls_audited"] = 4.into(),
            "the end line's accounting counts 4 calls audited, but the partial holds 3 call lines: expected 3",
        ),
        (
            "end",
            |v| v["accounting"]["rows_audited"] = 99.into(),
            "the end line's accounting counts 99 rows audited, but the calls' turns add up to 3: expected 3",
        ),
        (
            "end",
            |v| v["reading"]["rows_read"] = 1000.into(),
            "the end line's `reading` counts rows_read 1000, more than the run's accounting",
        ),
    ];
    for (kind, edit, says) in cases {
        let (text, at) = edit_first(&good, kind, &edit);
        w.write("mon.partial", text);
        for order in [
            ["mon.partial", "tue.partial"],
            ["tue.partial", "mon.partial"],
        ] {
            let (code, stdout, err) = run(dir, &["merge", order[0], order[1]]);
            assert_eq!(code, 2, "{says}: {err}");
            assert!(stdout.is_empty());
            assert!(
                err.contains(&format!("mon.partial:{at}")) && err.contains(says),
                "expected `mon.partial:{at}` and `{says}`:\n{err}"
            );
        }
    }
    // A call that is not of the shard its partial holds (FNV-1a of its id).
    w.write("mon.partial", &good);
    let extra = ["--rubric", "rubric.toml", "--shard", "1/2"];
    save_partial(dir, "s1.partial", &["mon.csv"], &extra);
    let s1 = std::fs::read_to_string(w.path("s1.partial")).unwrap();
    let (_, first_call) = edit_first(&s1, "call", &|_| {});
    let (text, _) = edit_first(&s1, "header", &|v| v["shard"]["index"] = 2.into());
    w.write("s2.partial", text);
    let (code, _, err) = run(dir, &["merge", "s2.partial", "tue.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("s2.partial:{first_call}: call "))
            && err.contains("is not of shard 2/2, which this partial holds"),
        "{err}"
    );
}

/// A shard's partial merged with an unsharded partial of the same inputs was said to hold "the
/// same call audited twice" (overlapping dates, a copied partial?); the headers tell what
/// happened: one is a shard of a sharded run, the other unsharded, and the two runs overlap.
#[test]
fn a_shard_merged_with_an_unsharded_run_is_said_to_overlap_it() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    for (shard, inputs) in [("1/2", "mon.csv"), ("2/2", "mon.csv"), ("1/3", "tue.csv")] {
        let name = format!("s{}.partial", shard.replace('/', "of"));
        let extra = ["--rubric", "rubric.toml", "--shard", shard];
        save_partial(dir, &name, &[inputs], &extra);
    }
    // The shards of mon.csv each hold some of its calls (c1, c2, c5).
    for s in ["s1of2.partial", "s2of2.partial"] {
        let text = std::fs::read_to_string(w.path(s)).unwrap();
        assert!(text.contains(r#""type":"call""#), "{s} holds no call");
    }
    for (shard, whole, of_inputs) in [
        (
            "s1of2.partial",
            "mon.partial",
            "of the same inputs (the same files and sizes)",
        ),
        (
            "s2of2.partial",
            "mon.partial",
            "of the same inputs (the same files and sizes)",
        ),
    ] {
        for order in [[shard, whole], [whole, shard]] {
            let (code, stdout, err) = run(dir, &["merge", order[0], order[1]]);
            assert_eq!(code, 2, "{err}");
            assert!(stdout.is_empty());
            assert!(
                err.contains(&format!(
                    "{shard} is shard {} of a sharded run and {whole} an unsharded run {of_inputs}: the two runs overlap",
                    if shard.starts_with("s1") { "1/2" } else { "2/2" }
                )) && err.contains("merge the 2 shards of the one run, or the unsharded partial, not both")
                    && !err.contains("audited twice"),
                "{err}"
            );
        }
    }
    // A shard of a run over other inputs, one file of which the unsharded run read too.
    let tue = std::fs::read_to_string(w.path("s1of3.partial")).unwrap();
    assert!(
        tue.contains(r#""type":"call""#),
        "shard 1/3 of tue.csv holds no call"
    );
    save_partial(dir, "week.partial", &["mon.csv", "tue.csv"], &RUBRIC);
    let (code, _, err) = run(dir, &["merge", "s1of3.partial", "week.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s1of3.partial is shard 1/3 of a sharded run and week.partial an unsharded run whose inputs overlap"),
        "{err}"
    );
    // Two copies of one shard are still the same call twice.
    std::fs::copy(w.path("s1of2.partial"), w.path("copy.partial")).unwrap();
    let (code, _, err) = run(dir, &["merge", "s1of2.partial", "copy.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the same call audited twice"), "{err}");
}

/// An end line whose own accounting does not add up, which no run writes (one digit of
/// `rows_read` changed, 47 → 97), was merged with exit 0 into a report where rows read ≠ rows
/// audited + rows skipped (tester t12's finding 8); so was one whose calls do not add up. Each is
/// refused (exit 2) naming the file, the line and what was expected, and so are shards whose
/// accounting adds up alone but not together.
#[test]
fn an_end_line_whose_accounting_does_not_add_up_is_refused() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    let good = std::fs::read_to_string(w.path("mon.partial")).unwrap();
    // mon: 4 rows read, 3 calls and 3 rows audited, 1 row skipped (missing text).
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 5] = [
        (
            |v| v["accounting"]["rows_read"] = 9.into(),
            "the end line's accounting does not add up: rows_read 9, but rows_audited 3 + rows_skipped 1 = 4: expected rows_read 4 (rows read = rows audited + rows skipped)",
        ),
        (
            |v| v["accounting"]["rows_skipped"]["missing_text"] = 2.into(),
            "rows_read 4, but rows_audited 3 + rows_skipped 2 = 5: expected rows_read 5",
        ),
        (
            |v| v["accounting"]["calls"] = 4.into(),
            "the end line's accounting does not add up: calls 4, but calls_audited 3 + calls_filtered_out 0 = 3: expected calls 3 (calls = calls audited + filtered out + too large + incomplete + no agent turn + numbered again)",
        ),
        (
            |v| v["accounting"]["calls_too_large"] = 1.into(),
            "calls 3, but calls_audited 3 + calls_filtered_out 0 + calls_too_large 1 = 4: expected calls 4",
        ),
        (
            |v| v["accounting"]["calls_no_agent_turn"] = 1.into(),
            "calls 3, but calls_audited 3 + calls_filtered_out 0 + calls_no_agent_turn 1 = 4: expected calls 4",
        ),
    ];
    for (edit, says) in cases {
        let (text, at) = edit_first(&good, "end", &edit);
        w.write("mon.partial", text);
        let (code, stdout, err) = run(dir, &["merge", "mon.partial", "tue.partial"]);
        assert_eq!(code, 2, "{says}: {err}");
        assert!(stdout.is_empty());
        assert!(
            err.contains(&format!("mon.partial:{at}: {says}"))
                || err.contains(&format!("mon.partial:{at}: ")) && err.contains(says),
            "expected `mon.partial:{at}` and `{says}`:\n{err}"
        );
    }
    // Two shards of one run: the first counts 5 more rows read and skipped as the other
    // shard's. Each adds up alone; together they count 5 rows that no shard audited or skipped.
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let partial = format!("s{i}.partial");
        save_partial(
            dir,
            &partial,
            &["mon.csv", "tue.csv"],
            &["--rubric", "rubric.toml", "--shard", &shard],
        );
    }
    ok(dir, &["merge", "s1.partial", "s2.partial"]);
    let s1 = std::fs::read_to_string(w.path("s1.partial")).unwrap();
    let (text, _) = edit_first(&s1, "end", &|v| {
        let acct = &mut v["accounting"];
        let more = |n: &serde_json::Value| serde_json::Value::from(n.as_u64().unwrap_or(0) + 5);
        acct["rows_read"] = more(&acct["rows_read"]);
        acct["rows_skipped"]["other_shard"] = more(&acct["rows_skipped"]["other_shard"]);
    });
    w.write("s1.partial", text);
    let (code, stdout, err) = run(dir, &["merge", "s1.partial", "s2.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains("s1.partial, s2.partial: these shards of one run do not add up together: merged, rows_read 12, but rows_audited 6 + rows_skipped 1 = 7: expected rows_read 7"),
        "{err}"
    );
}

/// A merged report states the filters of the runs it is made of, as a run states its own
/// (tester t11's F3): nights of one day each join into one window, the window a run over the
/// same days states; a run that took one agent is listed apart.
#[test]
fn a_merge_states_its_runs_filters_joining_the_nights() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let data = repo_path("examples/data").display().to_string();
    let mut partials = Vec::new();
    for day in 12..=20 {
        let date = format!("2026-11-{day}");
        let name = format!("n{day}.partial");
        save_partial(
            dir,
            &name,
            &[&data],
            &["--since", &date, "--until", &date, "--allow-empty"],
        );
        partials.push(name);
    }
    let filters = |args: &[&str]| -> serde_json::Value {
        let out = ok(
            dir,
            &[args, &["--format", "json", "--allow-empty"]].concat(),
        );
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        json["run"]["filters"].clone()
    };
    let mut merge = vec!["merge"];
    merge.extend(partials.iter().map(String::as_str));
    let merged = filters(&merge);
    assert_eq!(merged["text"], "dated 2026-11-12 to 2026-11-20");
    let one = filters(&[
        "audit",
        &data,
        "--since",
        "2026-11-12",
        "--until",
        "2026-11-20",
    ]);
    assert_eq!(merged, one);
    let html = String::from_utf8(ok(dir, &[&merge[..], &["--format", "html"]].concat())).unwrap();
    assert!(
        html.contains("filters: dated 2026-11-12 to 2026-11-20 · "),
        "{html}"
    );
    // Not every night, and one run of one agent: listed apart.
    save_partial(
        dir,
        "bo.partial",
        &[&data],
        &[
            "--since",
            "2026-11-25",
            "--until",
            "2026-11-25",
            "--agent",
            "bo.chen",
            "--allow-empty",
        ],
    );
    let merged = filters(&[
        "merge",
        "n12.partial",
        "n13.partial",
        "n15.partial",
        "bo.partial",
    ]);
    assert_eq!(
        merged["text"],
        "dated 2026-11-12 to 2026-11-13, 2026-11-15 | dated 2026-11-25; agent bo.chen"
    );
    assert_eq!(
        merged["windows"],
        serde_json::json!([
            {"since": "2026-11-12", "until": "2026-11-13"},
            {"since": "2026-11-15", "until": "2026-11-15"},
            {"since": "2026-11-25", "until": "2026-11-25"},
        ])
    );
    // Some runs took every agent: the agents are not narrowed.
    assert_eq!(merged["agents"], serde_json::json!([]));
}

/// A week merged from nights that each read the whole tree and kept their day says what it is
/// (tester t17's F8: "2186 calls audited (22276 rows) from 7 file(s) … 691080 rows skipped
/// (691080 filtered out)" read as 7 files and one run's filtering): the HTML and Markdown
/// headers say how many runs and partials, that they read some files more than once, and that
/// the reading is their sum, with the files told apart; the JSON adds `run.merged_reading`
/// and keeps every key it had. A merge of nights over files of their own is one run's report,
/// without it.
#[test]
fn a_merge_of_nights_that_read_the_same_tree_says_its_reading_is_their_sum() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let data = repo_path("examples/data").display().to_string();
    let mut partials = Vec::new();
    for day in 16..=18 {
        let name = format!("n{day}.partial");
        let as_of = format!("2026-11-{day}");
        save_partial(dir, &name, &[&data], &["--last", "1d", "--as-of", &as_of]);
        partials.push(name);
    }
    let merge = |format: &str| {
        let mut args = vec!["merge", "--format", format];
        args.extend(partials.iter().map(String::as_str));
        String::from_utf8(ok(dir, &args)).unwrap()
    };
    let said = "5 calls audited (33 rows), dated 2026-11-16 to 2026-11-18, merged from 3 runs (3 partials) that read some files more than once; summed over the runs: 6 file(s) read (2 distinct), 189 rows skipped (189 filtered out)";
    for format in ["markdown", "html"] {
        let out = merge(format);
        assert!(out.contains(said), "{format}: {out}");
    }
    assert!(merge("html").contains("<dt>Merged</dt><dd>3 runs (3 partials)"));
    let json: serde_json::Value = serde_json::from_str(&merge("json")).unwrap();
    assert_eq!(
        json["run"]["merged_reading"],
        serde_json::json!({"runs": 3, "partials": 3, "inputs_distinct": 2, "summed": true})
    );
    for key in ["inputs", "first_date", "last_date", "filters"] {
        assert!(json["run"].get(key).is_some(), "run.{key} kept");
    }
    assert_eq!(json["accounting"]["files_read"], 6);
    assert_eq!(json["accounting"]["rows_skipped"]["filtered_out"], 189);
    let (code, _, err) = run(dir, &["merge", &partials[0], &partials[1]]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the runs read some files more than once (2 distinct of 4 read)"),
        "{err}"
    );
    // The calls read are summed too, and said to be (tester t25 F7).
    assert!(
        err.contains("its accounting's calls read, calls whose rows disagree and warnings, are the 2 runs' sums"),
        "{err}"
    );
    // Nights over files of their own: one run's report, with no such key.
    let nights = two_nights(&w);
    let json: serde_json::Value = serde_json::from_slice(&ok(
        dir,
        &["merge", &nights[0], &nights[1], "--format", "json"],
    ))
    .unwrap();
    assert!(
        json["run"].get("merged_reading").is_none(),
        "{}",
        json["run"]
    );
}

/// `merge --sort ITEM` orders the lines as `audit --sort ITEM` over the same calls does, and
/// refuses an item the partials' rubric lacks before replaying them (tester t17's F10).
#[test]
fn merge_sorts_by_an_item_as_audit_does() {
    let w = Workdir::new();
    let dir = w.dir.path();
    let nights = two_nights(&w);
    for sort in ["-transfer", "thanks", "-thanks"] {
        let merged = ok(
            dir,
            &[
                "merge", &nights[0], &nights[1], "--sort", sort, "--format", "csv",
            ],
        );
        let mut one = vec![
            "audit", "mon.csv", "tue.csv", "--sort", sort, "--format", "csv",
        ];
        one.extend(RUBRIC);
        assert_eq!(merged, ok(dir, &one), "--sort {sort}");
    }
    let (code, _, err) = run(dir, &["merge", &nights[0], &nights[1], "--sort", "thank"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--sort `thank`: expected one of name, score, calls, pass, violations, date, or an item id of the rubric (greeting, thanks, transfer)")
            && err.contains("did you mean thanks?"),
        "{err}"
    );
}

/// Partials audited with different attribution options (`--agents`, `--metadata` given or not,
/// `--agent-case`, `--redact`, `--map`, `--agent-names`, `--agent-from-filename`,
/// `--date-from-path`) are refused, naming both files and the option, as different
/// rubrics are: one agent would become two lines. A partial that does not record them
/// (written before they were) is merged with a warning (tester t22 F3).
#[test]
fn merge_refuses_partials_of_different_attribution_options_naming_them() {
    let w = Workdir::new();
    let dir = w.dir.path();
    two_nights(&w);
    w.write("agents.csv", "id,name,team\nann,Ann Lee,north\n");
    w.write("meta.csv", "call_id,agent_id\nc3,ann\n");
    for (partial, extra, flag) in [
        (
            "tue-agents.partial",
            &["--agents", "agents.csv"][..],
            "--agents",
        ),
        (
            "tue-meta.partial",
            &["--metadata", "meta.csv"][..],
            "--metadata",
        ),
        (
            "tue-case.partial",
            &["--agent-case", "insensitive"][..],
            "--agent-case",
        ),
        ("tue-redact.partial", &["--redact"][..], "--redact"),
        ("tue-map.partial", &["--map", "agent=agent_id"][..], "--map"),
        (
            "tue-names.partial",
            &["--agent-names", "Ann"][..],
            "--agent-names",
        ),
        (
            "tue-fromname.partial",
            &["--agent-from-filename", "^(t)ue"][..],
            "--agent-from-filename",
        ),
        (
            "tue-datepath.partial",
            &["--date-from-path", "off"][..],
            "--date-from-path",
        ),
    ] {
        save_partial(dir, partial, &["tue.csv"], &[&RUBRIC[..], extra].concat());
        let (code, _, err) = run(dir, &["merge", "mon.partial", partial]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(
            err.contains(&format!(
                "mon.partial and {partial} were audited with different {flag} (mon.partial: "
            )),
            "{flag}: {err}"
        );
    }
    // The same agents file's contents, changed between the nights, is another --agents.
    save_partial(
        dir,
        "mon-agents.partial",
        &["mon.csv"],
        &[&RUBRIC[..], &["--agents", "agents.csv"]].concat(),
    );
    ok(dir, &["merge", "mon-agents.partial", "tue-agents.partial"]);
    w.write("agents.csv", "id,name,team\nann,Ann Lee,south\n");
    save_partial(
        dir,
        "tue-agents2.partial",
        &["tue.csv"],
        &[&RUBRIC[..], &["--agents", "agents.csv"]].concat(),
    );
    let (code, _, err) = run(dir, &["merge", "mon-agents.partial", "tue-agents2.partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("different --agents (mon-agents.partial: fnv1a64:"),
        "{err}"
    );
    // A contact-records file that grew between the nights (the nightly recipe's
    // `metadata = "contacts.csv"`) is no reason to refuse: each call keeps what its night's
    // file gave it, and the merge says the contents differ (tester t25 F2).
    save_partial(
        dir,
        "mon-meta.partial",
        &["mon.csv"],
        &[&RUBRIC[..], &["--metadata", "meta.csv"]].concat(),
    );
    w.write("meta.csv", "call_id,agent_id\nc3,ann\nc9,ann\n");
    save_partial(
        dir,
        "tue-meta2.partial",
        &["tue.csv"],
        &[&RUBRIC[..], &["--metadata", "meta.csv"]].concat(),
    );
    let (code, _, err) = run(dir, &["merge", "mon-meta.partial", "tue-meta2.partial"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("callaudit: warning: tue-meta2.partial read another --metadata than mon-meta.partial (other contents"),
        "{err}"
    );
    // A partial of an older callaudit that records the attribution options but not the
    // reading ones: those are not compared.
    let text = std::fs::read_to_string(dir.join("tue-map.partial")).unwrap();
    let (older, _) = edit_first(&text, "header", &|v| {
        v["attribution"]
            .as_object_mut()
            .unwrap()
            .remove("read_options")
            .expect("recorded");
    });
    w.write("older-map.partial", older);
    ok(dir, &["merge", "mon.partial", "older-map.partial"]);
    // Such a partial first does not turn the check off for the others (reviewer r26): they
    // are compared with the first that records the reading options, and it is warned of.
    let (code, _, err) = run(
        dir,
        &[
            "merge",
            "older-map.partial",
            "mon.partial",
            "tue-map.partial",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("mon.partial and tue-map.partial were audited with different --map"),
        "{err}"
    );
    assert!(
        err.contains("older-map.partial does not record its reading options"),
        "{err}"
    );
    // The same names or column pairs in another order are the same options.
    save_partial(
        dir,
        "mon-names.partial",
        &["mon.csv"],
        &[&RUBRIC[..], &["--agent-names", "Bo,Ann"]].concat(),
    );
    save_partial(
        dir,
        "tue-names2.partial",
        &["tue.csv"],
        &[&RUBRIC[..], &["--agent-names", "Ann, Bo"]].concat(),
    );
    ok(dir, &["merge", "mon-names.partial", "tue-names2.partial"]);
    // A partial without the record: merged, with a warning.
    let text = std::fs::read_to_string(dir.join("mon.partial")).unwrap();
    let (old, _) = edit_first(&text, "header", &|v| {
        v.as_object_mut()
            .unwrap()
            .remove("attribution")
            .expect("recorded");
    });
    w.write("old.partial", old);
    let (code, _, err) = run(dir, &["merge", "old.partial", "tue.partial"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("callaudit: warning: old.partial does not record its attribution options (written by an older callaudit)"),
        "{err}"
    );
}

/// Dated nights merged: a day between the first and the last with no call, that no run's date
/// window took in (a night's partial left out), is warned of; a night audited with a date window
/// but without calls (a closed Sunday) is no gap (tester t22 F4).
#[test]
fn merge_warns_of_a_day_without_calls_between_the_runs() {
    let w = Workdir::new();
    let dir = w.dir.path();
    w.write("rubric.toml", gate_rubric("merge test"));
    let day = |d: &str, id: &str| {
        format!(
            "call_id,agent_id,date,speaker,text\n{id},ann,2026-11-{d},agent,\"hello, thank you\"\n"
        )
    };
    for (d, id) in [("16", "c1"), ("18", "c3"), ("19", "c4")] {
        w.write(&format!("d{d}.csv"), day(d, id));
        save_partial(
            dir,
            &format!("d{d}.partial"),
            &[&format!("d{d}.csv")],
            &RUBRIC,
        );
    }
    let (code, _, err) = run(dir, &["merge", "d16.partial", "d18.partial", "d19.partial"]);
    assert_eq!(code, 0, "{err}");
    assert_says(
        &err,
        &[
            "callaudit: warning: the partials have no call dated 2026-11-17 (1 day(s) between 2026-11-16 and 2026-11-19): was a night's partial left out, or were those days without calls?",
        ],
    );
    // The night of the 17th, audited with its date window and no call: no gap.
    save_partial(
        dir,
        "d17.partial",
        &["d16.csv"],
        &[
            &RUBRIC[..],
            &[
                "--since",
                "2026-11-17",
                "--until",
                "2026-11-17",
                "--allow-empty",
            ],
        ]
        .concat(),
    );
    let (code, _, err) = run(
        dir,
        &[
            "merge",
            "d16.partial",
            "d17.partial",
            "d18.partial",
            "d19.partial",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("no call dated"), "{err}");
}
