//! The calibration loop through the real binary: `sample` writes a review sheet, `calibrate`
//! compares a filled sheet with the tool, `audit --overrides` applies reviewers' verdicts.

use super::common;
use common::*;
use predicates::prelude::*;

fn examples() -> std::path::PathBuf {
    repo_path("examples/data/calls.csv")
}

fn stdout_of(args: &[&str], extra: &[&std::path::Path]) -> String {
    let mut cmd = callaudit();
    cmd.args(args);
    for p in extra {
        cmd.arg(p);
    }
    common::stdout_of(&mut cmd)
}

#[test]
fn sample_gives_each_agent_n_calls_and_is_reproducible() {
    let sheet = stdout_of(
        &["sample", "--quiet", "--per-agent", "1", "--seed", "7"],
        &[&examples()],
    );
    let again = stdout_of(
        &[
            "sample",
            "--quiet",
            "--per-agent",
            "1",
            "--seed",
            "7",
            "--threads",
            "1",
        ],
        &[&examples()],
    );
    assert_eq!(sheet, again, "same seed, same sample");
    let mut lines = sheet.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("call_id,agent,date,customer_upset,"),
        "{header}"
    );
    assert!(header.contains(",tool:empathy,"), "{header}");
    let rows: Vec<&str> = lines.collect();
    let agents: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.split(',').nth(1).unwrap()).collect();
    assert_eq!(rows.len(), agents.len(), "one call per agent: {sheet}");
    assert!(agents.len() >= 4, "{sheet}");
    // All of an agent's calls when they have fewer than N.
    let all = stdout_of(&["sample", "--quiet", "--per-agent", "100"], &[&examples()]);
    let audited = stdout_of(&["audit", "--quiet", "--format", "json"], &[&examples()]);
    let v: serde_json::Value = serde_json::from_str(&audited).unwrap();
    assert_eq!(
        all.lines().count() as u64 - 1,
        v["overall"]["calls"].as_u64().unwrap()
    );
}

#[test]
fn sample_blind_leaves_out_the_tools_verdicts_and_filters_apply() {
    let sheet = stdout_of(
        &["sample", "--quiet", "--blind", "--agent", "ann.lee"],
        &[&examples()],
    );
    assert!(!sheet.contains("tool:"), "{sheet}");
    for row in sheet.lines().skip(1) {
        assert!(row.contains(",ann.lee,"), "{row}");
        // The reviewer's columns are empty.
        assert!(row.ends_with(",,"), "{row}");
    }
}

#[test]
fn sample_over_represents_upset_and_failed_calls_unless_random() {
    // 40 calm calls that pass and 10 upset calls that fail, for one agent; pick 10. An upset
    // failed call weighs 3 × 3 = 9 times a calm passing one.
    let w = Workdir::new();
    let rubric = w.write(
        "r.toml",
        r#"[rubric]
name = "t"
pass_mark = 80
upset = "upset"

[[item]]
id = "upset"
label = "Upset"
kind = "signal"
speaker = "customer"
phrases = ["furious"]

[[item]]
id = "thanks"
label = "Thanks"
kind = "expected"
speaker = "agent"
phrases = ["thanks"]
"#,
    );
    let mut rows = Vec::new();
    let ids: Vec<String> = (0..50).map(|i| format!("c{i:02}")).collect();
    for (i, id) in ids.iter().enumerate() {
        if i < 10 {
            rows.push((id.as_str(), "a", "customer", "I am furious!"));
            rows.push((id.as_str(), "a", "agent", "ok"));
        } else {
            rows.push((id.as_str(), "a", "customer", "Hi, what time do you open?"));
            rows.push((id.as_str(), "a", "agent", "Thanks for asking, at 9."));
        }
    }
    let input = w.write("in.csv", csv_of(&rows));
    let upset_in = |sheet: &str| {
        sheet
            .lines()
            .skip(1)
            .filter(|r| r.split(',').next().unwrap() < "c10")
            .count()
    };
    let (mut weighted, mut uniform) = (0, 0);
    for seed in 0..20 {
        let s = seed.to_string();
        let r = rubric.to_str().unwrap();
        weighted += upset_in(&stdout_of(
            &[
                "sample",
                "-q",
                "--rubric",
                r,
                "--per-agent",
                "10",
                "--seed",
                &s,
            ],
            &[&input],
        ));
        uniform += upset_in(&stdout_of(
            &[
                "sample",
                "-q",
                "--rubric",
                r,
                "--per-agent",
                "10",
                "--random",
                "--seed",
                &s,
            ],
            &[&input],
        ));
    }
    // Uniform: 2 of 10 upset per draw on average (40 in 20 draws); weighted: about 6.5.
    assert!((20..=70).contains(&uniform), "uniform {uniform}");
    assert!(weighted >= 100, "weighted {weighted}, uniform {uniform}");
}

#[test]
fn sample_packet_has_masked_transcripts_of_the_sampled_calls() {
    let w = Workdir::new();
    let input = w.write(
        "in.csv",
        csv_of(&[
            (
                "k1",
                "a",
                "customer",
                "My card is 4111 1111 1111 1111 <b>help</b>",
            ),
            ("k1", "a", "agent", "Sorry to hear that."),
        ]),
    );
    for (name, marker) in [
        ("p.html", "<section id=\"call-k1\">"),
        ("p.md", "## Call k1"),
    ] {
        let packet = w.path(name);
        callaudit()
            .args(["sample", "--quiet", "-o"])
            .arg(w.path("sheet.csv"))
            .arg("--packet")
            .arg(&packet)
            .arg(&input)
            .assert()
            .success();
        let text = std::fs::read_to_string(&packet).unwrap();
        assert!(text.contains(marker), "{text}");
        assert!(!text.contains("4111 1111 1111 1111"), "card masked: {text}");
        assert!(!text.contains("<b>help"), "markup escaped: {text}");
    }
    callaudit()
        .args(["sample", "--packet"])
        .arg(w.path("p.pdf"))
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use .html or .md"));
    // `-` is stdout for the other outputs, but the packet's format comes from its name: said
    // (tester t14's finding 7), rather than "the extension says the format" of a name with none.
    callaudit()
        .args(["sample", "--packet", "-", "-q"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--packet -: the packet is written to a file, whose extension says the format",
        ));
}

/// `sample -o` and `--packet` were not checked against the files the run reads: `sample
/// exports/ -o exports/calls.csv` replaced a transcript with the review sheet.
#[test]
fn sample_never_writes_over_a_file_it_reads() {
    let w = Workdir::new();
    let input = w.write("exports/in.csv", std::fs::read(examples()).unwrap());
    let rubric = w.write(
        "rubric.toml",
        callaudit()
            .args(["rubric", "show"])
            .output()
            .unwrap()
            .stdout,
    );
    let before = std::fs::read(&input).unwrap();
    let rubric_before = std::fs::read(&rubric).unwrap();
    for (flag, victim) in [
        ("-o", input.clone()),
        ("-o", w.path("exports/./in.csv")),
        ("--packet", w.path("notes.md")),
        ("-o", rubric.clone()),
    ] {
        let mut cmd = callaudit();
        cmd.args(["sample", "--quiet", "--per-agent", "1", "--rubric"])
            .arg(&rubric)
            .arg(flag)
            .arg(&victim)
            .arg(w.path("exports"));
        if flag == "--packet" {
            // A plain-text transcript named like a packet, and named as an input.
            std::fs::write(&victim, "Agent: hello\nCustomer: hi\n").unwrap();
            cmd.arg(&victim);
        }
        let held = std::fs::read(&victim).unwrap();
        cmd.assert().code(2).stderr(predicate::str::contains(
            "an output may not replace a file the run reads",
        ));
        assert_eq!(std::fs::read(&victim).unwrap(), held, "{flag} {victim:?}");
        if flag == "--packet" {
            std::fs::remove_file(&victim).unwrap();
        }
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(std::fs::read(&rubric).unwrap(), rubric_before);
}

/// `calibrate -o` and `--disagreements` were not checked at all: onto the reviewers' sheet or
/// a transcript they replaced it, and the two onto one file lost one of them.
#[test]
fn calibrate_never_writes_over_a_file_it_reads_nor_two_outputs_into_one() {
    let w = Workdir::new();
    let input = w.write("in.csv", std::fs::read(examples()).unwrap());
    let s = sheet(&w, "call_id,empathy,dismissive\nC-1003,1,0\n");
    for (flag, victim, says) in [
        ("-o", &s, "is the review sheet"),
        ("--disagreements", &s, "is the review sheet"),
        ("--disagreements", &input, "is the input"),
    ] {
        let held = std::fs::read(victim).unwrap();
        callaudit()
            .args(["calibrate", "--quiet"])
            .arg(flag)
            .arg(victim)
            .arg(&s)
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says).and(predicate::str::contains(
                "an output may not replace a file the run reads",
            )));
        assert_eq!(&std::fs::read(victim).unwrap(), &held, "{flag} {victim:?}");
    }
    let both = w.path("out.csv");
    callaudit()
        .args(["calibrate", "--quiet", "-o"])
        .arg(&both)
        .arg("--disagreements")
        .arg(&both)
        .arg(&s)
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("each output needs its own file"));
    assert!(!both.exists());
}

/// A sheet judging the bundled examples: C-1003 (empathy missed, dismissive) and C-1001.
fn sheet(w: &Workdir, text: &str) -> std::path::PathBuf {
    w.write("sheet.csv", text)
}

#[test]
fn calibrate_prints_the_agreement_csv_with_exact_columns() {
    let w = Workdir::new();
    // The tool finds empathy in C-1001, not in C-1003; dismissive in C-1003 only.
    let s = sheet(
        &w,
        "call_id,empathy,dismissive,notes\nC-1001,1,0,\nC-1003,yes,no,reviewer thinks so\nC-1002,,n/a,\n",
    );
    let out = stdout_of(
        &["calibrate", "--quiet", "--format", "csv"],
        &[&s, &examples()],
    );
    let expected = "item,n,reviewer_yes,tool_yes,both_yes,precision,recall,f1,kappa\n\
empathy,2,2,1,1,1.00,0.50,0.67,0.00\n\
dismissive,2,0,1,0,0.00,,0.00,0.00\n\
(all),4,2,2,1,0.50,0.50,0.50,0.00\n";
    assert_eq!(out, expected);
}

#[test]
fn calibrate_lists_disagreements_with_evidence() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,empathy,dismissive\nC-1003,1,0\n");
    let diff = w.path("diff.csv");
    let table = stdout_of(
        &[
            "calibrate",
            "--quiet",
            "--disagreements",
            diff.to_str().unwrap(),
        ],
        &[&s, &examples()],
    );
    assert!(table.contains("Disagreements (2)"), "{table}");
    assert!(
        table.contains("C-1003 · dismissive: reviewer no, tool yes · turn 2 “Calm down”"),
        "{table}"
    );
    assert!(
        table.contains("C-1003 · empathy: reviewer yes, tool no · nothing"),
        "{table}"
    );
    let rows = read_calls_csv(&diff);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["item"], "empathy");
    assert_eq!(rows[0]["reviewer_says"], "yes");
    assert_eq!(rows[1]["tool_says"], "yes");
    let json = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["disagreements"].as_array().unwrap().len(), 2);
    assert_eq!(v["all"]["n"], 2);
}

#[test]
fn calibrate_min_kappa_gate() {
    let w = Workdir::new();
    let agree = sheet(&w, "call_id,dismissive\nC-1003,1\nC-1001,0\nC-1002,0\n");
    callaudit()
        .args(["calibrate", "--quiet", "--min-kappa", "0.8"])
        .arg(&agree)
        .arg(examples())
        .assert()
        .success();
    let w2 = Workdir::new();
    let disagree = sheet(&w2, "call_id,dismissive\nC-1003,0\nC-1001,1\nC-1002,0\n");
    callaudit()
        .args(["calibrate", "--quiet", "--min-kappa", "0.8"])
        .arg(&disagree)
        .arg(examples())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--min-kappa 0.8: dismissive"));
}

#[test]
fn calibrate_reports_agreement_between_reviewers() {
    let w = Workdir::new();
    let s = sheet(
        &w,
        "call_id,reviewer,empathy\nC-1001,ann,1\nC-1001,bob,1\nC-1003,ann,0\nC-1003,bob,1\n",
    );
    let json = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let between = &v["between_reviewers"][0];
    assert_eq!(between["item"], "empathy");
    assert_eq!(between["n"], 2);
    assert_eq!(between["agreement"], 0.5);
}

/// Three reviewers on two bundled calls. They split 2–1 on C-1003's empathy (bob alone says
/// yes; the tool no) and dismissive (bob alone says no; the tool yes, "Calm down"), and on
/// C-1001's dismissive (cat alone says yes). Unanimous, so not splits: C-1001's empathy (all
/// yes) and C-1003's apology (all no). C-1003, with two splits, is the most contested call.
const SPLIT_SHEET: &str = "call_id,reviewer,empathy,apology,dismissive\n\
C-1001,ann,1,,0\nC-1001,bob,1,,0\nC-1001,cat,1,,1\n\
C-1003,ann,0,0,1\nC-1003,bob,1,0,0\nC-1003,cat,0,0,1\n";

/// The tool's evidence for a reviewer-vs-tool disagreement, as the JSON's list gives it.
fn evidence_of(json: &serde_json::Value, call: &str, item: &str) -> String {
    json["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["call_id"] == call && d["item"] == item)
        .unwrap_or_else(|| panic!("no disagreement on {call} {item}: {json}"))["evidence"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn calibrate_table_names_who_said_what_where_reviewers_split() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let table = stdout_of(&["calibrate", "--quiet"], &[&s, &examples()]);
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    ))
    .unwrap();
    let dismissive = evidence_of(&json, "C-1003", "dismissive");
    assert!(dismissive.starts_with("turn 2 “Calm down”"), "{dismissive}");
    let start = table.find("\nReviewer splits").expect(&table);
    let end = table.find("\nDisagreements (").expect(&table);
    assert!(
        table.find("\nBetween reviewers").unwrap() < start && start < end,
        "after the totals between reviewers, before the reviewer-vs-tool list: {table}"
    );
    assert_eq!(
        &table[start..end],
        format!(
            "\nReviewer splits (3 item(s) of 2 call(s), most contested first)\n\
             \x20 C-1003 · empathy: yes (bob), no (ann, cat), tool no · nothing matched\n\
             \x20 C-1003 · dismissive: yes (ann, cat), no (bob), tool yes · {dismissive}\n\
             \x20 C-1001 · dismissive: yes (cat), no (ann, bob), tool no · nothing matched\n"
        )
    );
    // The reviewer-vs-tool list says which of its lines the reviewers split on.
    assert!(
        table.contains(&format!(
            "  C-1003 · dismissive: reviewer (bob) no, tool yes (reviewers split) · {dismissive}\n"
        )),
        "{table}"
    );
    // The stderr summary counts them.
    callaudit()
        .arg("calibrate")
        .arg(&s)
        .arg(examples())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "3 disagreement(s); reviewers split on 3 item(s) of 2 call(s)",
        ));
}

#[test]
fn calibrate_json_lists_reviewer_splits_with_the_tools_verdict() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    ))
    .unwrap();
    let dismissive = evidence_of(&json, "C-1003", "dismissive");
    assert_eq!(
        json["reviewer_splits"],
        serde_json::json!([
            {"call_id": "C-1003", "item": "empathy", "yes": ["bob"], "no": ["ann", "cat"],
             "tool_says": false, "evidence": "nothing matched"},
            {"call_id": "C-1003", "item": "dismissive", "yes": ["ann", "cat"], "no": ["bob"],
             "tool_says": true, "evidence": dismissive},
            {"call_id": "C-1001", "item": "dismissive", "yes": ["cat"], "no": ["ann", "bob"],
             "tool_says": false, "evidence": "nothing matched"},
        ])
    );
    for d in json["disagreements"].as_array().unwrap() {
        assert_eq!(d["reviewers_split"], true, "{d}");
    }
}

#[test]
fn calibrate_splits_csv_has_one_row_per_split_and_disagreements_keep_their_columns() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let (splits, diff) = (w.path("splits.csv"), w.path("diff.csv"));
    let json = stdout_of(
        &[
            "calibrate",
            "--quiet",
            "--format",
            "json",
            "--splits",
            splits.to_str().unwrap(),
            "--disagreements",
            diff.to_str().unwrap(),
        ],
        &[&s, &examples()],
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let dismissive = evidence_of(&json, "C-1003", "dismissive");
    let mut expected = csv::Writer::from_writer(Vec::new());
    for row in [
        [
            "call_id",
            "item",
            "reviewers_yes",
            "reviewers_no",
            "said_yes",
            "said_no",
            "tool_says",
            "evidence",
        ],
        [
            "C-1003",
            "empathy",
            "1",
            "2",
            "bob",
            "ann; cat",
            "no",
            "nothing matched",
        ],
        [
            "C-1003",
            "dismissive",
            "2",
            "1",
            "ann; cat",
            "bob",
            "yes",
            &dismissive,
        ],
        [
            "C-1001",
            "dismissive",
            "1",
            "2",
            "cat",
            "ann; bob",
            "no",
            "nothing matched",
        ],
    ] {
        expected.write_record(row).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&splits).unwrap(),
        String::from_utf8(expected.into_inner().unwrap()).unwrap()
    );
    // The disagreements CSV keeps its columns in their order; the split mark comes last.
    let text = std::fs::read_to_string(&diff).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "call_id,reviewer,item,reviewer_says,tool_says,evidence,reviewers_split"
    );
    assert!(
        text.contains("\nC-1003,bob,empathy,yes,no,nothing matched,yes\n"),
        "{text}"
    );
}

#[test]
fn calibrate_lists_the_first_20_splits_most_contested_first_and_counts_the_rest() {
    let w = Workdir::new();
    // 21 calls not in the inputs split 1–1 on empathy; X-99 splits on two items, so it leads.
    let mut text = String::from("call_id,reviewer,empathy,apology\nC-1001,ann,1,\n");
    for i in 1..=21 {
        text.push_str(&format!("X-{i:02},ann,1,\nX-{i:02},bob,0,\n"));
    }
    text.push_str("X-99,ann,1,0\nX-99,bob,0,1\n");
    let s = sheet(&w, &text);
    let splits = w.path("splits.csv");
    let out = callaudit()
        .args(["calibrate", "--quiet", "--splits"])
        .arg(&splits)
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let listed: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("Reviewer splits"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(listed.len(), 21, "20 and the rest counted: {table}");
    assert_eq!(
        listed[0],
        "  X-99 · empathy: yes (ann), no (bob), tool – · not compared: call not in the inputs"
    );
    assert!(listed[1].starts_with("  X-99 · apology: yes (bob), no (ann)"));
    assert!(listed[2].starts_with("  X-01 · empathy: "), "{}", listed[2]);
    assert!(
        listed[19].starts_with("  X-18 · empathy: "),
        "{}",
        listed[19]
    );
    assert_eq!(
        listed[20],
        "  … and 3 more (all of them: --splits FILE.csv, or --format json)"
    );
    assert!(table.contains("Reviewer splits (23 item(s) of 22 call(s)"));
    let rows = read_calls_csv(&splits);
    assert_eq!(rows.len(), 23, "every split in the file");
    assert_eq!(rows[22]["call_id"], "X-21");
    assert_eq!(rows[0]["tool_says"], "");
}

#[test]
fn calibrate_without_reviewer_splits_says_so() {
    let w = Workdir::new();
    let agreed = sheet(
        &w,
        "call_id,reviewer,empathy\nC-1001,ann,1\nC-1001,bob,1\nC-1003,ann,0\n",
    );
    let table = stdout_of(&["calibrate", "--quiet"], &[&agreed, &examples()]);
    assert!(table.contains("\nNo reviewer splits.\n"), "{table}");
    let json = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&agreed, &examples()],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["reviewer_splits"], serde_json::json!([]));
    // One reviewer per call: nothing between reviewers to say, and --splits has its header.
    let single = w.write("single.csv", "call_id,empathy\nC-1001,1\n");
    let splits = w.path("splits.csv");
    let table = stdout_of(
        &["calibrate", "--quiet", "--splits", splits.to_str().unwrap()],
        &[&single, &examples()],
    );
    assert!(!table.contains("reviewer splits"), "{table}");
    assert_eq!(
        std::fs::read_to_string(&splits).unwrap(),
        "call_id,item,reviewers_yes,reviewers_no,said_yes,said_no,tool_says,evidence\n"
    );
}

#[test]
fn calibrate_bad_sheets_name_row_and_column() {
    let w = Workdir::new();
    let cases = [
        (
            "call_id,empthy\nC-1001,1\n",
            ":1:2: column `empthy` is not an item of the rubric (did you mean `empathy`?)",
        ),
        (
            "call_id,empathy\nC-1001,1\nC-1003,maybe\n",
            ":3:2: `maybe` in column `empathy` is not a verdict",
        ),
        ("empathy\n1\n", "the sheet has no `call_id` column"),
        ("call_id,empathy\nC-1001,\n", "no judged cell"),
    ];
    for (text, message) in cases {
        let s = w.write("bad.csv", text);
        callaudit()
            .arg("calibrate")
            .arg(&s)
            .arg(examples())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn calibrate_counts_judged_calls_missing_from_the_inputs() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,empathy,apology\nC-1001,1,1\nNOPE-1,1,0\n");
    callaudit()
        .args(["calibrate", "--format", "csv"])
        .arg(&s)
        .arg(examples())
        .assert()
        .success()
        .stdout(predicate::str::contains("(all),2,"))
        .stderr(predicate::str::contains(
            "1 judged call(s) are not in the inputs, so 2 judged cell(s) were not compared: NOPE-1",
        ));
    callaudit()
        .args(["calibrate", "--strict"])
        .arg(&s)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("NOPE-1"));
}

/// A judged call that is in the inputs but has no row with text (or takes more than
/// `--max-call-bytes`) is not audited: it was reported as "not in the inputs", on stderr and in
/// the JSON's reason. It is said for what it is, its cells still counted as not compared.
#[test]
fn calibrate_says_a_judged_call_read_but_not_audited_is_in_the_inputs() {
    let w = Workdir::new();
    let big = "a".repeat(1500);
    let mut rows = vec![("EMPTY-1", "ann.lee", "agent", "")];
    rows.extend([("LARGE-1", "ann.lee", "agent", big.as_str()); 4]);
    let odd = w.write("odd.csv", csv_of(&rows));
    let s = sheet(
        &w,
        "call_id,empathy,apology\nC-1001,1,1\nEMPTY-1,1,0\nLARGE-1,0,\nNOPE-1,1,\n",
    );
    let out = callaudit()
        .args(["calibrate", "--format", "json", "--max-call-bytes", "4KiB"])
        .arg(&s)
        .arg(examples())
        .arg(&odd)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: Vec<(&str, u64, &str)> = v["not_comparable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["call_id"].as_str().unwrap(),
                c["judged_cells"].as_u64().unwrap(),
                c["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "EMPTY-1",
                2,
                "call in the inputs, but with no utterance to audit"
            ),
            (
                "LARGE-1",
                1,
                "call in the inputs, but larger than --max-call-bytes"
            ),
            ("NOPE-1", 1, "call not in the inputs"),
        ]
    );
    assert_eq!(v["all"]["n"], 2, "C-1001's two cells compared");
    for says in [
        "1 judged call(s) are in the inputs but have no utterance to audit (no row with text), so 2 judged cell(s) were not compared: EMPTY-1",
        "1 judged call(s) are in the inputs but take more than --max-call-bytes, so they were not audited and 1 judged cell(s) were not compared: LARGE-1",
        "1 judged call(s) are not in the inputs, so 1 judged cell(s) were not compared: NOPE-1",
    ] {
        assert!(stderr.contains(says), "{says}\n{stderr}");
    }
}

/// Past the first warnings the calls with no utterance are only counted: a judged one among
/// them is still known to be in the inputs (the pipeline notes every call asked for that it
/// read and did not audit), not said to be missing.
#[test]
fn calibrate_finds_a_judged_empty_call_the_warnings_do_not_name() {
    let w = Workdir::new();
    let ids: Vec<String> = (1..=30).map(|i| format!("EMPTY-{i:02}")).collect();
    // One usable call, so that the file is not refused as holding no usable row.
    let mut rows = vec![("OK-1", "ann.lee", "agent", "Hello, how can I help?")];
    rows.extend(ids.iter().map(|id| (id.as_str(), "ann.lee", "agent", "")));
    let empty = w.write("empty.csv", csv_of(&rows));
    // calibrate's JSON and stderr for a sheet of these judged calls (exit 0 asserted).
    let calibrate = |judged: &str| {
        let s = sheet(&w, &format!("call_id,empathy\nC-1001,1\n{judged}"));
        let out = callaudit()
            .args(["calibrate", "--format", "json"])
            .arg(&s)
            .arg(examples())
            .arg(&empty)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, stderr)
    };
    let (v, stderr) = calibrate("EMPTY-29,1\n");
    assert!(
        !stderr.contains("call EMPTY-29 has no utterance"),
        "the run's warnings name it after all: the test needs more empty calls\n{stderr}"
    );
    assert_eq!(v["not_comparable"][0]["call_id"], "EMPTY-29");
    assert_eq!(
        v["not_comparable"][0]["reason"],
        "call in the inputs, but with no utterance to audit"
    );
    assert!(
        stderr.contains("are in the inputs but have no utterance to audit (no row with text), so 1 judged cell(s) were not compared: EMPTY-29"),
        "{stderr}"
    );
    // Thirteen such calls judged at once: each is said to be in the inputs, none missing.
    let judged: String = ids[12..25].iter().map(|id| format!("{id},0\n")).collect();
    let (v, stderr) = calibrate(&judged);
    let reasons: Vec<&str> = v["not_comparable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 13);
    assert!(
        reasons
            .iter()
            .all(|r| *r == "call in the inputs, but with no utterance to audit"),
        "{reasons:?}"
    );
    assert!(
        stderr.contains("13 judged call(s) are in the inputs but have no utterance to audit (no row with text), so 13 judged cell(s) were not compared: EMPTY-13, EMPTY-14"),
        "{stderr}"
    );
    assert!(!stderr.contains("not in the inputs"), "{stderr}");
}

#[test]
fn overrides_replace_verdicts_before_scoring_and_are_marked() {
    let w = Workdir::new();
    // C-1003 scored 0 (nothing met, four violations); a reviewer says the agent showed empathy
    // and apologised, and none of the violations happened.
    let s = sheet(
        &w,
        "call_id,empathy,apology,dismissive,hold,transfer,premature_escalation\nC-1003,1,1,0,0,0,0\n",
    );
    let calls = w.path("calls.csv");
    let jsonl = w.path("calls.jsonl");
    let before = stdout_of(&["audit", "--quiet", "--format", "json"], &[&examples()]);
    let out = callaudit()
        .args(["audit", "--format", "json", "--overrides"])
        .arg(&s)
        .arg("--calls")
        .arg(&calls)
        .arg(examples())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("6 verdict(s) on 1 call(s) overridden by reviewers"),
        "{stderr}"
    );
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    assert_eq!(after["overrides"]["verdicts"], 6);
    assert_eq!(after["overrides"]["changed"], 6);
    assert_eq!(after["overrides"]["list"][0]["item"], "empathy");
    assert!(
        before.get("overrides").is_none(),
        "no key without --overrides"
    );
    let bo = |v: &serde_json::Value| {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == "bo.chen")
            .unwrap()["mean_score"]
            .as_f64()
            .unwrap()
    };
    assert!(bo(&after) > bo(&before), "score went up after overriding");
    let rows = read_calls_csv(&calls);
    let c = rows.iter().find(|r| r["call_id"] == "C-1003").unwrap();
    assert_eq!(
        c["overridden"],
        "empathy:0>1;apology:0>1;hold:1>0;transfer:1>0;dismissive:1>0;premature_escalation:1>0"
    );
    // 4 of 11 weight met (active_listening and stepwise are not scored), no penalties: 36.36.
    assert_eq!(c["score"], "36.36");
    assert_eq!(c["dismissive"], "0");
    let other = rows.iter().find(|r| r["call_id"] == "C-1001").unwrap();
    assert_eq!(other["overridden"], "");
    callaudit()
        .args(["audit", "--quiet", "--overrides"])
        .arg(&s)
        .arg("--calls")
        .arg(&jsonl)
        .arg(examples())
        .assert()
        .success();
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let line = text.lines().find(|l| l.contains("\"C-1003\"")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["items"]["empathy"]["overridden"]["reviewer"], true);
    assert_eq!(v["items"]["empathy"]["verdict"], "met");
}

#[test]
fn overrides_with_conflicting_reviewers_are_refused() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,reviewer,empathy\nC-1003,ann,1\nC-1003,bob,0\n");
    callaudit()
        .args(["audit", "--overrides"])
        .arg(&s)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:3: reviewers disagree on `empathy` for call `C-1003`: yes from ann (line 2); \
             no from bob (line 3): settle it in the sheet before overriding",
            s.display()
        )));
}

/// `--overrides` stopped at the first split; it names them all (the first 10, in sheet order,
/// and how many more), so one pass over the sheet settles them.
#[test]
fn overrides_name_every_reviewer_split() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let out = callaudit()
        .args(["audit", "--overrides"])
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let p = s.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "callaudit: error: {p}: reviewers disagree on 3 item(s) of 2 call(s): settle them \
             in the sheet before overriding (`callaudit calibrate {p} INPUT…` lists them with \
             the tool's evidence)\n\
             \x20 {p}:4: reviewers disagree on `dismissive` for call `C-1001`: yes from cat \
             (line 4); no from ann (line 2), bob (line 3)\n\
             \x20 {p}:6: reviewers disagree on `empathy` for call `C-1003`: yes from bob (line 6); \
             no from ann (line 5), cat (line 7)\n\
             \x20 {p}:6: reviewers disagree on `dismissive` for call `C-1003`: yes from ann \
             (line 5), cat (line 7); no from bob (line 6)\n"
        )
    );
    // Past 10, the rest are counted.
    let mut text = String::from("call_id,reviewer,empathy\n");
    for i in 1..=12 {
        text.push_str(&format!("X-{i:02},ann,1\nX-{i:02},bob,0\n"));
    }
    let many = w.write("many.csv", text);
    let out = callaudit()
        .args(["audit", "--overrides"])
        .arg(&many)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("reviewers disagree on 12 item(s) of 12 call(s)"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("reviewers disagree on `empathy`").count(),
        10
    );
    assert!(stderr.contains("for call `X-10`"), "{stderr}");
    assert!(!stderr.contains("for call `X-11`"), "{stderr}");
    assert!(stderr.ends_with("\n  … and 2 more\n"), "{stderr}");
}

/// An override for a call the run did not audit applies to nothing: it is said (sheet, how
/// many calls and verdicts, the first ids), listed in the JSON report, and fatal with
/// `--strict`, as `calibrate` does with the same sheet.
#[test]
fn overrides_for_calls_not_audited_are_reported_not_dropped() {
    let w = Workdir::new();
    let s = sheet(
        &w,
        "call_id,empathy,apology\nC-1003,1,1\nNOPE-2,1,\nNOPE-1,0,1\nNOPE-3,,\n",
    );
    let out = callaudit()
        .args(["audit", "--format", "json", "--overrides"])
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {}: 2 judged call(s) are not among the audited calls, so 3 reviewer \
             verdict(s) were not applied: NOPE-1, NOPE-2",
            s.display()
        )),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["overrides"]["verdicts"], 2);
    assert_eq!(
        report["overrides"]["not_applied"],
        serde_json::json!([
            {"call_id": "NOPE-1", "verdicts": 2, "reason": "call not audited"},
            {"call_id": "NOPE-2", "verdicts": 1, "reason": "call not audited"},
        ])
    );
    // A sheet that applies everywhere has an empty list and no warning.
    let all = w.write("all.csv", "call_id,empathy\nC-1003,1\n");
    let out = callaudit()
        .args(["audit", "--format", "json", "--overrides"])
        .arg(&all)
        .arg(examples())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["overrides"]["not_applied"], serde_json::json!([]));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    // The same sheet through calibrate: the same calls named.
    callaudit()
        .args(["calibrate"])
        .arg(&s)
        .arg(examples())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 judged call(s) are not in the inputs, so 3 judged cell(s) were not compared: NOPE-1, NOPE-2",
        ));
    callaudit()
        .args(["audit", "--strict", "--overrides"])
        .arg(&s)
        .arg(examples())
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("NOPE-1, NOPE-2"));
}

/// `sample --last 7d` on an old export said only "nothing to sample"; like `audit`, it names the
/// dates asked for, so the fix (`--as-of`, a wider span) is plain.
#[test]
fn sample_with_nothing_matched_names_the_dates_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = callaudit()
        .args(["sample", "--last", "7d", "--as-of", "2026-12-02", "-o"])
        .arg(dir.path().join("sheet.csv"))
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no calls matched: nothing to sample dated 2026-11-26 to 2026-12-02"),
        "{err}"
    );
}

/// `--color` was accepted and ignored by `calibrate`, `sample` and `rubric lint`, which print
/// nothing in colour (a sheet, a packet, plain tables and lists). It is refused there (exit 2,
/// naming the option), as `--config` is where no config file is read; `CALLAUDIT_COLOR` in the
/// environment and `color` in a config file, meant for `audit` and `explain`, are not errors.
#[test]
fn color_is_refused_by_commands_that_print_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("sheet.csv");
    std::fs::write(&sheet, "call_id,empathy\nC-1003,1\nC-1001,0\n").unwrap();
    let data = examples();
    let sheet_arg = sheet.to_str().unwrap();
    let data_arg = data.to_str().unwrap();
    let commands: [&[&str]; 3] = [
        &["calibrate", sheet_arg, data_arg],
        &["sample", "--per-agent", "1", data_arg],
        &["rubric", "lint", data_arg],
    ];
    for command in commands {
        let out = callaudit()
            .current_dir(dir.path())
            .args(command)
            .args(["--color", "always"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.contains("--color: `callaudit ") && stderr.contains("prints nothing in colour"),
            "{command:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{command:?}");
        // From the environment or a config file it is for audit and explain: no error.
        std::fs::write(dir.path().join("callaudit.toml"), "color = \"always\"\n").unwrap();
        let out = callaudit()
            .current_dir(dir.path())
            .env("CALLAUDIT_COLOR", "always")
            .args(command)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command:?}: {stderr}");
        assert!(!out.stdout.contains(&0x1b), "{command:?}: no escape");
        std::fs::remove_file(dir.path().join("callaudit.toml")).unwrap();
    }
}

/// `calibrate --format json` gave rates at full float precision (`0.8333333333333334`,
/// `0.35714285714285704`); they are rounded to three decimals, the 0.1-point resolution of the
/// report's JSON rates on calibrate's 0–1 scale, between reviewers too.
#[test]
fn calibrate_json_rounds_its_rates() {
    let w = Workdir::new();
    let s = sheet(
        &w,
        "call_id,reviewer,empathy,apology\nC-1001,ann,1,1\nC-1002,ann,1,0\nC-1003,ann,0,1\n\
         C-1004,ann,1,1\nC-1005,ann,0,0\nC-1006,ann,1,1\nC-1001,bob,1,0\nC-1002,bob,0,0\n\
         C-1003,bob,0,1\n",
    );
    let json = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["all"]["precision"], 0.833, "{json}");
    assert_eq!(v["all"]["kappa"], 0.357, "{json}");
    assert_eq!(v["items"][1]["precision"], 0.667, "{json}");
    let mut rates = 0;
    for group in ["items", "between_reviewers"] {
        for row in v[group].as_array().unwrap() {
            for key in ["precision", "recall", "f1", "kappa", "agreement"] {
                if let Some(x) = row.get(key).and_then(serde_json::Value::as_f64) {
                    rates += 1;
                    let text = x.to_string();
                    let decimals = text.split('.').nth(1).map_or(0, str::len);
                    assert!(decimals <= 3, "{group} {key}: {text}");
                }
            }
        }
    }
    assert!(rates >= 10, "{json}");
}

/// `sample --per-agent 0` drew nothing and wrote a sheet of a header alone, exit 0: a job with a
/// typo (or an empty variable) handed reviewers an empty sheet. It is a usage error (exit 2), and
/// no sheet is written.
#[test]
fn sample_per_agent_zero_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("sheet.csv");
    let out = callaudit()
        .args(["sample", "--per-agent", "0", "-o"])
        .arg(&sheet)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--per-agent must be at least 1"),
        "{stderr}"
    );
    assert!(!sheet.exists());
}

/// The review sheet as `-` said "-: cannot read the review sheet: No such file or directory",
/// although `-` is stdin for every input: it is read from stdin (`… | callaudit calibrate -
/// exports/`), for `calibrate`, `audit --overrides` and `rubric lint --labels`; with an input
/// that is stdin too, it is refused (stdin is read once).
#[test]
fn a_review_sheet_given_as_dash_is_read_from_stdin() {
    let sheet = "call_id,empathy\nC-1001,1\nC-1003,0\n";
    let w = Workdir::new();
    let file = w.write("sheet.csv", sheet);
    let from_file = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&file, &examples()],
    );
    let run = |args: &[&str], extra: &[&std::path::Path]| {
        callaudit()
            .args(args)
            .args(extra)
            .write_stdin(sheet)
            .output()
            .unwrap()
    };
    let out = run(
        &["calibrate", "--quiet", "--format", "json", "-"],
        &[&examples()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), from_file);
    let out = run(
        &["audit", "--quiet", "--format", "json", "--overrides", "-"],
        &[&examples()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["rubric", "lint", "--labels", "-"], &[&examples()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Stdin twice: refused, naming both.
    let out = run(&["calibrate", "-", "-"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stdin"), "{stderr}");
}

/// A sheet row with a field too many (or a quote left open) said the csv crate's words:
/// "CSV error: record 1 (line: 2, byte: 16): found record with 3 fields, but the previous record
/// has 2 fields" (records counted from 0, the header called "the previous record"). It says
/// what is wrong in the sheet's terms, at the row's line; invalid UTF-8 likewise.
#[test]
fn a_sheet_row_of_the_wrong_length_is_named_in_the_sheets_terms() {
    let w = Workdir::new();
    let cases: [(&[u8], &str); 3] = [
        (
            b"call_id,empathy\nC-1001,1,extra\n",
            "bad.csv:2: cannot read the review sheet: the row has 3 field(s) where the header has 2",
        ),
        (
            b"call_id,empathy\n\"C-1001,1\n",
            "bad.csv:2: cannot read the review sheet: the row has 1 field(s) where the header has 2",
        ),
        (
            b"call_id,empathy\nC-1001,\xff\n",
            "bad.csv:2: cannot read the review sheet: the row is not valid UTF-8",
        ),
    ];
    for (text, message) in cases {
        let s = w.write("bad.csv", text);
        let out = callaudit()
            .arg("calibrate")
            .arg(&s)
            .arg(examples())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!stderr.contains("previous record"), "{stderr}");
    }
}

/// Every error in a review sheet named a line one too early when the sheet had CRLF line ends
/// (as spreadsheets save it): a bad cell on the first row pointed at line 1, the header; a row
/// judged twice on lines 2 and 8 said "…:7: … already judged on line 1". Blank lines put them
/// further out. The csv crate counts the line ends it has consumed, and it consumes those in
/// front of a record while reading that record. Every position is the record's real line,
/// also after a quoted cell that holds line breaks, in `calibrate` and `--overrides` alike.
#[test]
fn sheet_errors_name_the_real_line_with_crlf_blank_lines_and_quoted_line_breaks() {
    let w = Workdir::new();
    let header = "call_id,notes,empathy,apology";
    // (sheet lines, joined with CRLF, and what the error says)
    let cases: [(&[&str], &str); 6] = [
        (
            &[header, "C-1001,,maybe,1"],
            "bad.csv:2:3: `maybe` in column `empathy`",
        ),
        (
            &[header, "C-1001,,1,1", "", "C-1002,,1,0", "C-1003,,0,nope"],
            "bad.csv:5:4: `nope` in column `apology`",
        ),
        (
            &[
                header,
                "C-1001,\"a note\r\nover\r\nthree lines\",1,1",
                "C-1003,,yes,x",
            ],
            "bad.csv:5:4: `x` in column `apology`",
        ),
        (
            &[header, "C-1001,,1,1", "C-1002,,1,1", "", "C-1001,,0,0"],
            "bad.csv:5: call `C-1001` was already judged on line 2",
        ),
        (
            &[header, "C-1001,,1,1", "C-1002,1,1"],
            "bad.csv:3: cannot read the review sheet: the row has 3 field(s)",
        ),
        (
            &["", header, "C-1001,,1,1", ",,1,1"],
            "bad.csv:4:1: the call_id cell is empty",
        ),
    ];
    for (lines, message) in cases {
        let s = w.write("bad.csv", lines.join("\r\n") + "\r\n");
        for args in [&["calibrate"][..], &["audit", "--overrides"][..]] {
            let mut cmd = callaudit();
            cmd.args(args).arg(&s).arg(examples());
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {lines:?}: {stderr}");
            assert!(stderr.contains(message), "{args:?} {lines:?}: {stderr}");
        }
    }
    // Two reviewers who disagree, for --overrides: the lines of both rows.
    let s = w.write(
        "bad.csv",
        "call_id,reviewer,empathy\r\nC-1003,ann,1\r\n\r\nC-1003,bob,0\r\n",
    );
    callaudit()
        .args(["audit", "--overrides"])
        .arg(&s)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.csv:4: reviewers disagree on `empathy` for call `C-1003`: yes from ann (line 2); \
             no from bob (line 4)",
        ));
}

/// A sheet whose call id column is named otherwise (`id`) said "column `id` is not an item of
/// the rubric", as if the fault were a misspelt item. It says that the sheet has no `call_id`
/// column, what a sheet's columns are, and which of its columns might be the call ids.
#[test]
fn a_sheet_without_a_call_id_column_says_so() {
    let w = Workdir::new();
    let cases: [(&str, &[&str], &[&str]); 3] = [
        (
            "id,agent,date,empathy,apology\r\nC-1001,ann.lee,,1,0\r\n",
            &[
                "bad.csv:1: the sheet has no `call_id` column",
                "one column per judged item, named by its id",
                "is `id` the call id? Name it `call_id`",
            ],
            &["not an item of the rubric"],
        ),
        (
            "empathy,Call ID,notes,ticket\n1,C-1001,,7\n",
            &[
                "bad.csv:1: the sheet has no `call_id` column",
                "is one of `Call ID`, `ticket` the call id? Name it `call_id`",
            ],
            &["not an item of the rubric"],
        ),
        (
            "empathy\n1\n",
            &["bad.csv:1: the sheet has no `call_id` column"],
            &["not an item", "Name it"],
        ),
    ];
    for (text, says, not) in cases {
        let s = w.write("bad.csv", text);
        for args in [&["calibrate"][..], &["audit", "--overrides"][..]] {
            let out = callaudit()
                .args(args)
                .arg(&s)
                .arg(examples())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {text:?}: {stderr}");
            for m in says {
                assert!(stderr.contains(m), "{args:?} {text:?}: {m}\n{stderr}");
            }
            for m in not {
                assert!(!stderr.contains(m), "{args:?} {text:?}: {m}\n{stderr}");
            }
        }
    }
}

/// What `audit --overrides SHEET` makes of one call: its per-call CSV row, its per-call JSONL
/// object, and the HTML report's explanation of it (verdict lines and score arithmetic).
fn overridden_call(
    sheet_text: &str,
    call_id: &str,
) -> (
    std::collections::HashMap<String, String>,
    serde_json::Value,
    String,
) {
    let w = Workdir::new();
    let s = sheet(&w, sheet_text);
    let (csv, jsonl, html) = (w.path("c.csv"), w.path("c.jsonl"), w.path("r.html"));
    for (calls, report) in [(&csv, None), (&jsonl, Some(&html))] {
        let mut cmd = callaudit();
        cmd.args(["audit", "--quiet", "--agent", "ann.lee", "--overrides"])
            .arg(&s)
            .arg("--calls")
            .arg(calls);
        if let Some(r) = report {
            cmd.args(["--format", "html", "-o"]).arg(r);
        }
        cmd.arg(examples()).assert().success();
    }
    let row = read_calls_csv(&csv)
        .into_iter()
        .find(|r| r["call_id"] == call_id)
        .unwrap();
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(&format!("\"call_id\":\"{call_id}\"")))
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    // The HTML report's explanation of the call: from its heading to the end of its arithmetic.
    let html = std::fs::read_to_string(&html).unwrap();
    let at = html
        .find(&format!(">{call_id}<"))
        .expect("call in the HTML call list");
    let end = at + html[at..].find("</pre>").unwrap();
    (row, json, html[at..end].to_string())
}

/// The row of item `id` in an HTML explanation: verdict, label and reason cells.
fn verdict_row<'h>(html: &'h str, id: &str) -> &'h str {
    let at = html.find(&format!("<td title=\"{id}\">")).unwrap();
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// With `--overrides`, an item that applies only when another occurred (`applies_when`) was not
/// decided again when the reviewer also judged it: a reviewer's "customer not upset, no
/// apology" made empathy n/a but left apology missed (C-1001 scored 80 instead of 100), and
/// "upset, and apologised" on a call the tool found calm left apology n/a, the reviewer's yes
/// dropped. Every item's applicability is decided again from the verdicts after the overrides;
/// an item that does not apply is n/a, a reviewer's verdict on it listed but not counted. The
/// HTML report's explanation of the call says so, with the arithmetic of the final score.
#[test]
fn overrides_decide_again_whether_items_apply_also_when_judged() {
    // C-1001: the tool finds the customer upset and an apology; the reviewer says neither.
    let (row, json, html) =
        overridden_call("call_id,customer_upset,apology\nC-1001,0,0\n", "C-1001");
    assert_eq!(row["score"], "100.00", "{row:?}");
    assert_eq!(row["overridden"], "customer_upset:1>0;apology:1>0");
    let items = &json["items"];
    for id in ["empathy", "apology", "mirroring"] {
        assert_eq!(items[id]["verdict"], "n/a", "{id}: {json}");
    }
    // Premature escalation applies to every call, as the QA standard defines it.
    assert_eq!(items["premature_escalation"]["verdict"], "clean");
    assert_eq!(items["customer_calmed"]["verdict"], "n/a");
    assert_eq!(items["customer_upset"]["verdict"], "absent");
    assert_eq!(
        items["apology"]["overridden"],
        serde_json::json!({"tool": true, "reviewer": false})
    );
    assert_eq!(json["customer_upset"], false);
    assert_eq!(json["customer_calmed"], serde_json::Value::Null);
    let apology = verdict_row(&html, "apology");
    assert!(apology.contains("n/a"), "{apology}");
    assert!(
        apology.contains("customer_upset did not occur") && apology.contains("does not count"),
        "{apology}"
    );
    let empathy = verdict_row(&html, "empathy");
    assert!(
        empathy.contains("n/a: customer_upset did not occur"),
        "{empathy}"
    );
    let upset = verdict_row(&html, "customer_upset");
    assert!(
        upset.contains("absent") && upset.contains("reviewer"),
        "{upset}"
    );
    assert!(html.contains("= 100\n"), "{html}");

    // C-1002: the tool finds the customer calm; the reviewer says upset, and that the agent
    // apologised. Empathy and mirroring now apply (the tool found neither), apology is met:
    // 6 + 2 of 6 + 2 + 2 + 1 weight (active_listening and stepwise are not scored), 72.73.
    let (row, json, html) =
        overridden_call("call_id,customer_upset,apology\nC-1002,1,1\n", "C-1002");
    let items = &json["items"];
    assert_eq!(items["apology"]["verdict"], "met", "{json}");
    assert_eq!(items["empathy"]["verdict"], "missed", "{json}");
    assert_eq!(items["mirroring"]["verdict"], "missed", "{json}");
    assert_eq!(items["premature_escalation"]["verdict"], "clean", "{json}");
    assert_eq!(json["customer_upset"], true);
    assert_eq!(row["score"], "72.73", "{row:?}");
    assert!(html.contains("weight 8 of 11"), "{html}");
    let apology = verdict_row(&html, "apology");
    assert!(
        apology.contains("met") && apology.contains("reviewer"),
        "{apology}"
    );
    let empathy = verdict_row(&html, "empathy");
    assert!(
        empathy.contains("<td>missed: no match (it applies after the reviewers"),
        "{empathy}"
    );

    // A reviewer's "calmed" in a call that is not upset: calmed does not apply.
    let (row, json, _) = overridden_call("call_id,customer_calmed\nC-1002,1\n", "C-1002");
    assert_eq!(json["items"]["customer_calmed"]["verdict"], "n/a", "{json}");
    assert_eq!(json["customer_calmed"], serde_json::Value::Null);
    assert_eq!(row["customer_calmed"], "");
    assert_eq!(row["overridden"], "customer_calmed:0>1");

    // An item that needs timings the call lacks stays n/a, the reviewer's verdict listed.
    let (row, json, html) = overridden_call("call_id,silence\nC-1001,1\n", "C-1001");
    assert_eq!(json["items"]["silence"]["verdict"], "n/a", "{json}");
    assert_eq!(row["score"], "100.00");
    assert_eq!(row["overridden"], "silence:0>1");
    let silence = verdict_row(&html, "silence");
    assert!(
        silence.contains(
            "n/a: the call has no timings, so the reviewer&#39;s verdict (yes) does not count"
        ),
        "{silence}"
    );
}

/// κ was worked out in f64: an exact 0.4 came out 0.3999… and failed `--min-kappa 0.4`, and an
/// exact 0 printed `-0.00` and failed `--min-kappa 0`. It is a fraction of the counts now.
#[test]
fn min_kappa_compares_the_exact_kappa_and_never_prints_minus_zero() {
    let data = repo_path("examples/data");
    // thanks: 4 both yes, 2 tool only, 1 reviewer only, 3 both no → κ = 0.4 exactly.
    let w = Workdir::new();
    let point_four = sheet(
        &w,
        "call_id,thanks\nC-1001,1\nC-1002,1\nC-1006,1\nC-1008,1\nJ-2001,0\nJ-2003,0\n\
         C-1003,1\nC-1004,0\nC-1005,0\nC-1007,0\n",
    );
    let out = callaudit()
        .args([
            "calibrate",
            "--quiet",
            "--format",
            "csv",
            "--min-kappa",
            "0.4",
        ])
        .arg(&point_four)
        .arg(&data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("thanks,10,5,6,4,0.67,0.80,0.73,0.40"),
        "{stdout}"
    );
    callaudit()
        .args(["calibrate", "--quiet", "--min-kappa", "0.41"])
        .arg(&point_four)
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gate failed: --min-kappa 0.41: thanks (kappa 0.40)",
        ));
    // thanks: 1 reviewer only, 2 both no → κ = 0 exactly.
    let w2 = Workdir::new();
    let zero = sheet(&w2, "call_id,thanks\nC-1003,1\nC-1005,0\nC-1007,0\n");
    for format in ["csv", "table", "json"] {
        let out = callaudit()
            .args([
                "calibrate",
                "--quiet",
                "--min-kappa",
                "0",
                "--format",
                format,
            ])
            .arg(&zero)
            .arg(&data)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{format}: {stdout}");
        assert!(!stdout.contains("-0"), "{format}: {stdout}");
    }
    let csv = stdout_of(
        &["calibrate", "--quiet", "--format", "csv"],
        &[&zero, &data],
    );
    assert!(csv.contains("thanks,3,1,0,0,,0.00,0.00,0.00"), "{csv}");
    // A κ below the threshold is said so, visibly below it: with the threshold's decimals
    // (`0.00` would stand for anything from -0.005 to 0.005, either side of 0.001).
    callaudit()
        .args(["calibrate", "--quiet", "--min-kappa", "0.001"])
        .arg(&zero)
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gate failed: --min-kappa 0.001: thanks (kappa 0.000)",
        ));
    callaudit()
        .args(["calibrate", "--quiet", "--min-kappa", "1.5"])
        .arg(&zero)
        .arg(&data)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a number from -1 to 1"));
}

/// Calibrate's comparison of C-1003 (dismissive yes, empathy no) and C-1001 (empathy yes), as
/// CSV; the sheet must have been read whatever its delimiter or header case.
fn agreement_of(sheet: &std::path::Path, extra: &[&str], inputs: &std::path::Path) -> String {
    let mut args = vec!["calibrate", "--quiet", "--format", "csv"];
    args.extend_from_slice(extra);
    stdout_of(&args, &[sheet, inputs])
}

/// Sheets saved with `;` (Excel in many locales) or tabs were refused as having no `call_id`
/// column, with advice to rename the column that was `call_id`; `--delimiter` made no
/// difference. The delimiter is sniffed from the header as for transcripts.
#[test]
fn review_sheets_saved_with_semicolons_or_tabs_are_read() {
    let w = Workdir::new();
    let comma = w.write(
        "comma.csv",
        "call_id,empathy,dismissive\r\nC-1001,1,0\r\nC-1003,0,1\r\n",
    );
    let expected = agreement_of(&comma, &[], &examples());
    assert!(expected.contains("empathy,2,1,1,1,"), "{expected}");
    let semi = w.write(
        "semi.csv",
        "call_id;empathy;dismissive\r\nC-1001;1;0\r\nC-1003;0;1\r\n",
    );
    let tab = w.write(
        "tab.csv",
        "call_id\tempathy\tdismissive\nC-1001\t1\t0\nC-1003\t0\t1\n",
    );
    for s in [&semi, &tab] {
        assert_eq!(agreement_of(s, &[], &examples()), expected, "{s:?}");
    }
    // --delimiter applies to the sheet too (and to the transcripts, here `;` as well).
    let calls = std::fs::read_to_string(examples()).unwrap();
    let mut r = csv::Reader::from_reader(calls.as_bytes());
    let mut wr = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    wr.write_record(r.headers().unwrap()).unwrap();
    for rec in r.records() {
        wr.write_record(&rec.unwrap()).unwrap();
    }
    let semi_calls = w.write("calls-semi.csv", wr.into_inner().unwrap());
    assert_eq!(
        agreement_of(&semi, &["--delimiter", ";"], &semi_calls),
        expected
    );
    // A delimiter that does not fit the sheet is said, not blamed on the column's name.
    callaudit()
        .args(["calibrate", "--quiet", "--delimiter", ","])
        .arg(&semi)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "read with the delimiter `,` and has a column `call_id;empathy;dismissive`",
        ))
        .stderr(predicate::str::contains("Name it").not());
    // --overrides reads such a sheet too.
    let out = callaudit()
        .args(["audit", "--format", "json", "--overrides"])
        .arg(&semi)
        .arg(examples())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["overrides"]["verdicts"], 4);
}

/// `Call_ID,Apology,THANKS` was refused as having no call id column, and the message offered
/// the item columns as the call id. Headers are matched ignoring case now; two that differ
/// only by case are refused, and only columns that are not items are offered as the call id.
#[test]
fn sheet_headers_are_matched_ignoring_case() {
    let w = Workdir::new();
    let lower = w.write(
        "lower.csv",
        "call_id,empathy,dismissive\nC-1001,1,0\nC-1003,0,1\n",
    );
    let caps = w.write(
        "caps.csv",
        "\u{feff}Call_ID,EMPATHY,Dismissive,Tool:Empathy,Notes\nC-1001,1,0,1,\nC-1003,0,1,0,x\n",
    );
    assert_eq!(
        agreement_of(&caps, &[], &examples()),
        agreement_of(&lower, &[], &examples())
    );
    let twice = w.write("twice.csv", "call_id,empathy,Empathy\nC-1001,1,1\n");
    callaudit()
        .args(["calibrate"])
        .arg(&twice)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "twice.csv:1:3: columns `empathy` (column 2) and `Empathy` differ only by case",
        ));
    let no_id = w.write("noid.csv", "Call,Apology,THANKS,empthy\nC-1001,1,1,1\n");
    let out = callaudit()
        .args(["audit", "--overrides"])
        .arg(&no_id)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is `Call` the call id? Name it `call_id`"),
        "{stderr}"
    );
}

/// The error for a bad verdict cell listed fewer forms than are accepted (`y`/`n`, `-`, `t`,
/// `na` were left out).
#[test]
fn a_bad_verdict_cell_lists_every_accepted_form() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,empathy\nC-1001,y\nC-1002,-\nC-1003,1.0\n");
    callaudit()
        .args(["calibrate"])
        .arg(&s)
        .arg(examples())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "sheet.csv:4:2: `1.0` in column `empathy` is not a verdict: expected 1, yes, y, \
             true or t for yes; 0, no, n, false or f for no; blank, n/a, na, - or not judged \
             for not judged (any case)",
        ));
}

/// Judged call ids typed in the wrong case were "not in the inputs", with no hint that C-1001
/// exists; `explain --call c-1001` suggests it. Calibrate and `--overrides` now do too.
#[test]
fn judged_calls_in_the_wrong_case_get_a_did_you_mean() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,thanks\nc-1001,1\nc-1002,0\nZ-9,1\n");
    let out = callaudit()
        .args(["calibrate"])
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "3 judged call(s) are not in the inputs, so 3 judged cell(s) were not compared: \
             Z-9, c-1001, c-1002; did you mean C-1001 for c-1001, C-1002 for c-1002? (call ids \
             are matched exactly, case included)"
        ),
        "{stderr}"
    );
    let out = callaudit()
        .args(["audit", "--format", "json", "--overrides"])
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("did you mean C-1001 for c-1001, C-1002 for c-1002?"),
        "{stderr}"
    );
    // A judged call that is in the inputs but filtered out is not offered another spelling.
    let s2 = w.write("s2.csv", "call_id,thanks\nC-1001,1\n");
    let out = callaudit()
        .args([
            "audit",
            "-o",
            "/dev/null",
            "--agent",
            "bo.chen",
            "--overrides",
        ])
        .arg(&s2)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not among the audited calls"), "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

/// A sheet sampled with `--rubric builtin:es` and calibrated without it was compared with the
/// English rubric's verdicts in silence: κ 0.17 where the reviewers agreed with every verdict
/// (tester t13's finding 8). The sheet's `tool:` cells (the verdicts when it was sampled) are
/// now checked against the run's: a warning says how many differ and the first, and names the
/// likely cause.
#[test]
fn calibrate_warns_when_the_sheet_was_sampled_with_other_verdicts() {
    let w = Workdir::new();
    let calls = repo_path("examples/es/llamadas.csv");
    let sampled = stdout_of(
        &[
            "sample",
            "--quiet",
            "--per-agent",
            "5",
            "--rubric",
            "builtin:es",
        ],
        &[&calls],
    );
    // The reviewers agree with every verdict: each item's cell is its `tool:` cell.
    let mut reader = csv::Reader::from_reader(sampled.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let filled: Vec<String> = headers
            .iter()
            .zip(record.iter())
            .map(
                |(h, cell)| match headers.iter().position(|t| t == format!("tool:{h}")) {
                    Some(t) => record[t].to_string(),
                    None => cell.to_string(),
                },
            )
            .collect();
        out.write_record(&filled).unwrap();
    }
    let s = sheet(&w, &String::from_utf8(out.into_inner().unwrap()).unwrap());
    let run = |rubric: &[&str]| {
        let out = callaudit()
            .args(["calibrate", "--format", "csv"])
            .args(rubric)
            .arg(&s)
            .arg(&calls)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (agreement, err) = run(&[]);
    assert!(
        err.contains("sheet.csv: ")
            && err.contains(" `tool:` cell(s) (the tool's verdicts when the sheet was sampled) differ from this run's verdicts, the first at line ")
            && err.contains("was the sheet sampled with another rubric (--rubric), other inputs or another version?"),
        "{err}"
    );
    assert!(
        !agreement.ends_with(",1.00,1.00,1.00,1.00\n"),
        "{agreement}"
    );
    let (agreement, err) = run(&["--rubric", "builtin:es"]);
    assert!(!err.contains("`tool:` cell"), "{err}");
    assert!(agreement.contains("\n(all),"), "{agreement}");
    assert!(agreement.ends_with(",1.00,1.00,1.00,1.00\n"), "{agreement}");
}

/// `--overrides` decides which items apply by the audit's rule: where the customer was upset
/// only after the agent's last turn, empathy not done is n/a, and done (a reviewer says so)
/// is met; a reviewer's "upset" on a call where the tool found none makes it apply from the
/// start.
#[test]
fn overrides_keep_the_rule_that_an_upset_needs_an_agent_turn_after_it() {
    let w = Workdir::new();
    let calls = w.write(
        "calls.csv",
        "call_id,agent_id,speaker,text\n\
         late,a,customer,How do I add a second user?\n\
         late,a,agent,Go to settings and tap add user.\n\
         late,a,customer,This is ridiculous. Three days for that answer.\n\
         done,a,customer,How do I add a second user?\n\
         done,a,agent,Go to settings and tap add user.\n\
         done,a,customer,This is ridiculous. Three days for that answer.\n\
         calm,a,customer,How do I add a second user?\n\
         calm,a,agent,Go to settings and tap add user.\n\
         calm,a,customer,Ok.\n",
    );
    let s = sheet(
        &w,
        "call_id,empathy,customer_upset\nlate,,\ndone,1,\ncalm,,1\n",
    );
    let out = w.path("out.csv");
    callaudit()
        .args([
            "audit",
            "--no-config",
            "--quiet",
            "-o",
            "/dev/null",
            "--overrides",
        ])
        .arg(&s)
        .arg("--calls")
        .arg(&out)
        .arg(&calls)
        .assert()
        .success();
    let rows = read_calls_csv(&out);
    let cell = |call: &str, item: &str| {
        let r = rows.iter().find(|r| r["call_id"] == call).unwrap();
        r[item].clone()
    };
    assert_eq!(cell("late", "customer_upset"), "1");
    assert_eq!(
        cell("late", "empathy"),
        "",
        "n/a after the agent's last turn"
    );
    assert_eq!(cell("done", "empathy"), "1", "done before it: met");
    assert_eq!(cell("calm", "customer_upset"), "1", "the reviewer's upset");
    assert_eq!(cell("calm", "empathy"), "0", "applies, and was missed");
}

/// The sheet's rows as (call_id, agent, date).
fn sheet_rows(sheet: &str) -> Vec<(String, String, String)> {
    sheet
        .lines()
        .skip(1)
        .map(|r| {
            let mut cells = r.split(',');
            let mut next = || cells.next().unwrap().to_string();
            (next(), next(), next())
        })
        .collect()
}

/// `sample --size N` draws N calls over the whole selection (tester t17's F11): exactly N,
/// the same N for the same seed whatever the threads, others for other seeds, within the
/// filters, all of them when the selection has fewer (said on stderr); with `--per-agent M`,
/// at most M of an agent's; one agent's draw is `--per-agent N`'s (the same weights, ×3 for
/// upset and failed calls unless `--random`); 0 is a usage error.
#[test]
fn sample_size_draws_exactly_n_calls_over_the_selection() {
    let data = repo_path("examples/data");
    let audited: serde_json::Value = serde_json::from_str(&stdout_of(
        &["audit", "--quiet", "--format", "json"],
        &[&data],
    ))
    .unwrap();
    let calls = audited["overall"]["calls"].as_u64().unwrap() as usize;
    let agents = audited["groups"].as_array().unwrap().len();
    assert!(calls > 8 && agents >= 4, "{calls} calls of {agents} agents");
    let sample = |extra: &[&str]| -> Vec<(String, String, String)> {
        let mut args = vec!["sample", "--quiet"];
        args.extend_from_slice(extra);
        sheet_rows(&stdout_of(&args, &[&data]))
    };
    for n in [1, 5, 8, calls] {
        let rows = sample(&["--size", &n.to_string(), "--seed", "7"]);
        assert_eq!(rows.len(), n, "--size {n}: {rows:?}");
        let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids.len(), n, "each call once");
    }
    let drawn = sample(&["--size", "5", "--seed", "7"]);
    assert_eq!(
        drawn,
        sample(&["--size", "5", "--seed", "7", "--threads", "1"]),
        "same seed, same sample"
    );
    assert!(
        (0..10).any(|seed| sample(&["--size", "5", "--seed", &seed.to_string()]) != drawn),
        "other seeds draw other calls"
    );
    // The filters choose what is drawn from.
    for row in sample(&["--size", "2", "--agent", "bo.chen"]) {
        assert_eq!(row.1, "bo.chen", "{row:?}");
    }
    let window = sample(&[
        "--size",
        "4",
        "--since",
        "2026-11-16",
        "--until",
        "2026-11-18",
    ]);
    assert_eq!(window.len(), 4);
    for row in &window {
        assert!(
            ("2026-11-16".."2026-11-19").contains(&row.2.as_str()),
            "{row:?}"
        );
    }
    // All of them when there are fewer, and stderr says so.
    let out = callaudit()
        .args(["sample", "--size", "500", "--agent", "bo.chen"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        sheet_rows(&String::from_utf8_lossy(&out.stdout)).len(),
        3,
        "{err}"
    );
    assert!(
        err.contains(
            "sampled 3 call(s) of 1 agent(s) (--size 500: the selection has only 3 call(s)"
        ),
        "{err}"
    );
    // A cap no agent reaches is not what left the draw short (reviewer r25's F7).
    let out = callaudit()
        .args([
            "sample",
            "--size",
            "500",
            "--per-agent",
            "5",
            "--agent",
            "bo.chen",
        ])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(--size 500: the selection has only 3 call(s)"),
        "{err}"
    );
    let out = callaudit()
        .args(["sample", "--size", "500", "--per-agent", "1"])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(--size 500: at most 1 of each agent (--per-agent) leaves"),
        "{err}"
    );
    // --per-agent caps each agent's share of the N.
    let capped = sample(&["--size", "3", "--per-agent", "1"]);
    let capped_agents: std::collections::BTreeSet<&str> =
        capped.iter().map(|r| r.1.as_str()).collect();
    assert_eq!((capped.len(), capped_agents.len()), (3, 3), "{capped:?}");
    assert_eq!(sample(&["--size", "50", "--per-agent", "1"]).len(), agents);
    let two_each = sample(&["--size", "7", "--per-agent", "2"]);
    assert_eq!(two_each.len(), 7);
    for agent in &capped_agents {
        assert!(two_each.iter().filter(|r| r.1 == *agent).count() <= 2);
    }
    // One agent's calls: the same draw as --per-agent, weighted or not.
    for random in [&[][..], &["--random"]] {
        let by_size = sample(&[&["--agent", "cara.diaz", "--size", "2"][..], random].concat());
        let per_agent =
            sample(&[&["--agent", "cara.diaz", "--per-agent", "2"][..], random].concat());
        assert_eq!(by_size, per_agent, "{random:?}");
    }
    let out = callaudit()
        .args(["sample", "--size", "0"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--size must be at least 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With several reviewers, each is compared with the tool apart (tester t17's F12): pooled,
/// bob's misses hid behind ann's and cat's agreement. The table's "By reviewer, against the
/// tool" and the JSON's `by_reviewer` give, per reviewer and item, n, the yes counts,
/// precision, recall, F1 and κ, then the reviewer's (all); `--by-reviewer FILE.csv` writes
/// them. A sheet without reviewers has none.
#[test]
fn calibrate_compares_each_reviewer_with_the_tool() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let csv = w.path("by-reviewer.csv");
    let table = stdout_of(
        &[
            "calibrate",
            "--quiet",
            "--by-reviewer",
            csv.to_str().unwrap(),
        ],
        &[&s, &examples()],
    );
    let by = table
        .split("\nBy reviewer, against the tool\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{table}"));
    let by = by.split("\nBetween reviewers\n").next().unwrap();
    for line in [
        "│ ann      ┆ Empathy             ┆ 2 ┆ 1            ┆ 1        ┆ 1        ┆ 1.00      ┆ 1.00   ┆ 1.00 ┆ 1.00 │",
        "│ bob      ┆ Empathy             ┆ 2 ┆ 2            ┆ 1        ┆ 1        ┆ 1.00      ┆ 0.50   ┆ 0.67 ┆ 0.00 │",
        "│          ┆ (all)               ┆ 5 ┆ 2            ┆ 2        ┆ 1        ┆ 0.50      ┆ 0.50   ┆ 0.50 ┆ 0.17 │",
    ] {
        assert!(by.contains(line), "{line}\n{by}");
    }
    let written = std::fs::read_to_string(&csv).unwrap();
    let mut lines = written.lines();
    assert_eq!(
        lines.next(),
        Some("reviewer,item,n,reviewer_yes,tool_yes,both_yes,precision,recall,f1,kappa")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 12, "3 reviewers × (3 items + all): {written}");
    assert!(
        rows.contains(&"bob,(all),5,2,2,1,0.50,0.50,0.50,0.17"),
        "{written}"
    );
    assert!(
        rows.contains(&"bob,dismissive,2,0,1,0,0.00,,0.00,0.00"),
        "{written}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    ))
    .unwrap();
    let by = json["by_reviewer"].as_array().unwrap();
    let names: Vec<&str> = by.iter().map(|r| r["reviewer"].as_str().unwrap()).collect();
    assert_eq!(names, ["ann", "bob", "cat"]);
    assert_eq!(by[1]["all"]["kappa"], 0.167);
    assert_eq!(by[1]["items"][0]["item"], "empathy");
    assert_eq!(by[1]["items"][0]["recall"], 0.5);
    // The pooled numbers are the sum of the reviewers'.
    let pooled: u64 = by.iter().map(|r| r["all"]["n"].as_u64().unwrap()).sum();
    assert_eq!(pooled, json["all"]["n"].as_u64().unwrap());
    // One reviewer, or none named: no comparison by reviewer in the table.
    let one = sheet(&w, "call_id,empathy\nC-1001,1\nC-1003,0\n");
    let table = stdout_of(&["calibrate", "--quiet"], &[&one, &examples()]);
    assert!(!table.contains("By reviewer"), "{table}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&one, &examples()],
    ))
    .unwrap();
    assert_eq!(json["by_reviewer"], serde_json::json!([]));
}

/// `--by-reviewer -` writes the comparison to stdout, as `--splits -` does (it wrote a file
/// named `-`), with the report sent elsewhere; a sheet without a `reviewer` column says why the
/// file it writes holds only its header (reviewer r25's F3, F6).
#[test]
fn by_reviewer_dash_is_stdout_and_a_sheet_without_reviewers_says_so() {
    let w = Workdir::new();
    let s = sheet(&w, SPLIT_SHEET);
    let report = w.path("agreement.txt");
    let out = callaudit()
        .current_dir(w.dir.path())
        .args(["calibrate", "--quiet", "--by-reviewer", "-", "-o"])
        .arg(&report)
        .arg(&s)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "reviewer,item,n,reviewer_yes,tool_yes,both_yes,precision,recall,f1,kappa\n"
        ),
        "{stdout}"
    );
    assert!(!w.path("-").exists(), "no file named -");
    assert!(report.exists());

    let one = sheet(&w, "call_id,empathy\nC-1001,1\nC-1003,0\n");
    let csv = w.path("by.csv");
    let out = callaudit()
        .args(["calibrate", "--quiet", "--by-reviewer"])
        .arg(&csv)
        .arg(&one)
        .arg(examples())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the sheet has no `reviewer` column, so the file holds only its header"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 1);
}

/// A sheet of one row per call and item (`call_id,item,label`, as many QA tools export) is said
/// to be that layout, with the layout calibrate reads and where to get one, not as an unknown
/// item `item` (tester t24 W5).
#[test]
fn a_sheet_of_one_row_per_call_and_item_is_named_as_that_layout() {
    let w = Workdir::new();
    w.write("long.csv", "call_id,item,label\nC-1001,empathy,1\n");
    let out = callaudit()
        .current_dir(w.dir.path())
        .args(["calibrate", "long.csv"])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("long.csv:1:2: column `item`: this looks like one row per call and item; a review sheet has one row per call with one column per item id"),
        "{err}"
    );
    assert!(err.contains("callaudit sample"), "{err}");
}

/// `sample --items` gives columns to those items only, reviewer's and tool's, in rubric order;
/// an id the rubric lacks is refused with the nearest one (tester t24 W6).
#[test]
fn sample_items_limits_the_sheet_to_the_items_named() {
    let sheet = stdout_of(
        &[
            "sample",
            "--quiet",
            "--per-agent",
            "1",
            "--items",
            "resolution,empathy",
        ],
        &[&examples()],
    );
    assert_eq!(
        sheet.lines().next().unwrap(),
        "call_id,agent,date,empathy,resolution,tool:empathy,tool:resolution"
    );
    let out = callaudit()
        .args(["sample", "--quiet", "--items", "empthy"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--items: no item `empthy` in the rubric; did you mean empathy?"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The evidence for a verdict the tool did not judge (n/a) is the verdict's reason: C-1002's
/// customer was not upset, so customer_calmed and empathy are n/a. It said "nothing matched",
/// and a reviewer went looking for why the tool missed a calm last turn the tool never looked
/// for (tester t26 X2). The table, the JSON and `--disagreements` say the same.
#[test]
fn calibrate_evidence_for_an_na_verdict_is_its_reason() {
    let w = Workdir::new();
    let s = sheet(&w, "call_id,customer_calmed,empathy\nC-1002,1,1\n");
    let diff = w.path("diff.csv");
    let table = stdout_of(
        &[
            "calibrate",
            "--quiet",
            "--disagreements",
            diff.to_str().unwrap(),
        ],
        &[&s, &examples()],
    );
    for item in ["customer_calmed", "empathy"] {
        assert!(
            table.contains(&format!(
                "C-1002 · {item}: reviewer yes, tool no · n/a: customer_upset did not occur\n"
            )),
            "{table}"
        );
    }
    assert!(!table.contains("nothing matched"), "{table}");
    let json = stdout_of(
        &["calibrate", "--quiet", "--format", "json"],
        &[&s, &examples()],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        evidence_of(&v, "C-1002", "customer_calmed"),
        "n/a: customer_upset did not occur"
    );
    for row in read_calls_csv(&diff) {
        assert_eq!(
            row["evidence"], "n/a: customer_upset did not occur",
            "{row:?}"
        );
    }
}

/// The per-call CSV's `overridden` column lists the verdicts a reviewer changed, not those they
/// confirmed: a full sheet confirms most of the tool's, and `1>1`/`0>0` buried the changes a
/// spreadsheet user filters for (tester t26 X3). The JSON report still counts and lists every
/// verdict judged.
#[test]
fn overridden_column_lists_only_the_verdicts_a_reviewer_changed() {
    let w = Workdir::new();
    // The tool: C-1003 empathy and apology missed, dismissive violated; C-1001 empathy met.
    // The reviewer confirms all of it but C-1003's apology.
    let s = sheet(
        &w,
        "call_id,empathy,apology,dismissive\nC-1001,1,,\nC-1003,0,1,1\n",
    );
    let calls = w.path("calls.csv");
    let out = callaudit()
        .args(["audit", "--quiet", "--format", "json", "--overrides"])
        .arg(&s)
        .arg("--calls")
        .arg(&calls)
        .arg(examples())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["overrides"]["verdicts"], 4);
    assert_eq!(report["overrides"]["changed"], 1);
    assert_eq!(report["overrides"]["list"].as_array().unwrap().len(), 4);
    let rows = read_calls_csv(&calls);
    let overridden =
        |id: &str| rows.iter().find(|r| r["call_id"] == id).unwrap()["overridden"].clone();
    assert_eq!(overridden("C-1003"), "apology:0>1");
    assert_eq!(overridden("C-1001"), "");
}
