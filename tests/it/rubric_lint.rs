//! `callaudit rubric lint` through the real binary.

use super::common;
use common::*;

const RUBRIC: &str = r#"[rubric]
name = "t"

[[item]]
id = "apology"
label = "Apology"
kind = "expected"
phrases = ["sorry", "I'm sorry", "so sorry about", "i am sorry", "apologi*", "our bad", "{my|our} mistake"]
"#;

fn lint(w: &Workdir, extra: &[&str]) -> String {
    let rubric = w.write("r.toml", RUBRIC);
    let input = w.write(
        "in.csv",
        csv_of(&[
            ("c1", "a", "agent", "I'm sorry about that, my mistake."),
            ("c2", "a", "agent", "Sorry, what is your order number?"),
            ("c3", "a", "agent", "We apologise for the delay."),
        ]),
    );
    let out = callaudit()
        .args(["rubric", "lint", "--rubric"])
        .arg(&rubric)
        .args(extra)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn lists_phrases_that_never_fire_and_duplicates() {
    let w = Workdir::new();
    let text = lint(&w, &[]);
    assert!(text.contains("apology  “our bad”  never fires"), "{text}");
    assert!(
        text.contains("“i am sorry”  same words as `I'm sorry`"),
        "{text}"
    );
    assert!(
        text.contains("“so sorry about”  covered by `sorry`"),
        "{text}"
    );
    assert!(!text.contains("“apologi*”"), "fires: {text}");
    assert!(
        !text.contains("“{my|our} mistake”"),
        "a family fires as one phrase: {text}"
    );
    assert!(
        text.ends_with("4 of 7 phrases to look at, over 3 call(s)\n"),
        "{text}"
    );
}

#[test]
fn with_labels_lists_phrases_that_fire_only_on_wrong_calls() {
    let w = Workdir::new();
    let labels = w.write("labels.csv", "call_id,apology\nc1,1\nc2,0\nc3,0\n");
    let text = lint(&w, &["--labels", labels.to_str().unwrap()]);
    assert!(
        text.contains("“apologi*”  only wrong calls (1 labelled 0 for its item)"),
        "{text}"
    );
    assert!(
        !text.contains("“sorry”"),
        "fires on c1 (labelled 1): {text}"
    );
    let csv = lint(
        &w,
        &["--labels", labels.to_str().unwrap(), "--format", "csv"],
    );
    assert!(
        csv.starts_with("item,phrase,calls,labelled_yes,labelled_no,finding\n"),
        "{csv}"
    );
    assert!(csv.contains("apology,sorry,2,1,1,\n"), "{csv}");
}

/// Over no call at all (an empty or mistyped export directory, or labels naming none of the
/// calls read), lint exited 0 and listed every phrase of the rubric as "never fires", a
/// finding that invites deleting the whole rubric. Like the other commands that read calls
/// (README: exit 2 when no calls are left to audit), it is an error.
#[test]
fn lint_over_no_call_is_an_error_not_a_list_of_every_phrase() {
    let w = Workdir::new();
    let rubric = w.write("r.toml", RUBRIC);
    let empty = w.write("empty/header-only.csv", "call_id,agent_id,speaker,text\n");
    let input = w.write(
        "in.csv",
        csv_of(&[("c1", "a", "agent", "I'm sorry about that, my mistake.")]),
    );
    let labels = w.write("labels.csv", "call_id,apology\nzz9,1\n");
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (vec![empty.parent().unwrap().as_os_str()], "no calls"),
        (
            vec!["--labels".as_ref(), labels.as_os_str(), input.as_os_str()],
            "none of the labelled calls",
        ),
    ];
    for (args, says) in cases {
        let out = callaudit()
            .args(["rubric", "lint", "--rubric"])
            .arg(&rubric)
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// Labelled calls that are not in the inputs were passed over without a word: a sheet of the
/// wrong week linted two calls of fifty and said nothing. They are named in a warning (an
/// error under `--strict`), as `calibrate` names its judged calls not found.
#[test]
fn labelled_calls_not_in_the_inputs_are_named() {
    let w = Workdir::new();
    let rubric = w.write("r.toml", RUBRIC);
    let input = w.write(
        "in.csv",
        csv_of(&[("c1", "a", "agent", "I'm sorry about that, my mistake.")]),
    );
    let labels = w.write("labels.csv", "call_id,apology\nc1,1\nc9,0\nc8,1\n");
    let run = |strict: bool| {
        let mut cmd = callaudit();
        cmd.args(["rubric", "lint", "--rubric"])
            .arg(&rubric)
            .arg("--labels")
            .arg(&labels)
            .arg(&input);
        if strict {
            cmd.arg("--strict");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "labels.csv: 2 labelled call(s) are not in the inputs, so their labels were not used: c8, c9"
        ),
        "{stderr}"
    );
    let out = run(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("2 labelled call(s) are not in the inputs"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// `rubric lint` had no `-q/--quiet` (a usage error, exit 2) while `audit`, `sample`,
/// `calibrate` and `merge` have one. It leaves out the run summary as theirs does; the findings,
/// the warnings and the exit status are the same.
#[test]
fn quiet_leaves_out_the_summary_and_changes_nothing_else() {
    let w = Workdir::new();
    let rubric = w.write("r.toml", RUBRIC);
    let input = w.write(
        "in.csv",
        csv_of(&[
            ("c1", "a", "agent", "I'm sorry about that, my mistake."),
            ("c2", "a", "agent", ""),
        ]),
    );
    let labels = w.write("labels.csv", "call_id,apology\nc1,1\nc9,0\n");
    let run = |extra: &[&str]| {
        let out = callaudit()
            .args(["rubric", "lint", "--rubric"])
            .arg(&rubric)
            .arg("--labels")
            .arg(&labels)
            .args(extra)
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), out.stdout, stderr)
    };
    let summary = "callaudit: 1 file read, 2 rows read";
    let warnings = [
        "in.csv:3: empty text (missing text, skipped)",
        "labels.csv: 1 labelled call(s) are not in the inputs, so their labels were not used: c9",
    ];
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains(summary), "{stderr}");
    for quiet in ["-q", "--quiet"] {
        let (q_code, q_stdout, q_stderr) = run(&[quiet]);
        assert_eq!(q_code, code, "{quiet}: {q_stderr}");
        assert_eq!(q_stdout, stdout, "{quiet}");
        assert!(!q_stderr.contains(summary), "{quiet}: {q_stderr}");
        for says in warnings {
            assert!(q_stderr.contains(says), "{quiet}: {says}\n{q_stderr}");
        }
    }
    // An error is an error, quiet or not.
    let (code, stdout, stderr) = run(&["-q", "--strict"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("callaudit: error: "), "{stderr}");
}

/// A phrase covered by a stem of its item (`thanks`, `thank you` beside `thank*`) was never
/// reported: only phrases of plain words were compared (tester t1, F10). Stems, number slots
/// and a side of NEAR/BEFORE are compared too, and nothing is claimed that is not so: a phrase
/// beside an anchored one or a refusal (whose matches count in fewer places) is not covered,
/// and of two phrases that cover each other only one is reported.
#[test]
fn phrases_covered_by_a_stem_a_slot_or_part_of_a_phrase_are_reported_and_only_those() {
    let w = Workdir::new();
    let rubric = w.write(
        "r.toml",
        r#"[rubric]
name = "t"

[[item]]
id = "thanks"
kind = "expected"
phrases = ["thank*", "thanks", "thank you", "^ thank you so much", "thankful*", "{many|big} thanks"]

[[item]]
id = "lead"
kind = "expected"
phrases = ["^ to confirm", "just to confirm", "confirm $", "confirm that $"]

[[item]]
id = "refund"
kind = "expected"
phrases = ["{refund|refund now}", "refund"]

[[item]]
id = "delay"
kind = "expected"
phrases = ["sorry NEAR/3 delay*", "delay*", "within {num} days", "within five days", "within 5 business days"]

[[item]]
id = "policy"
kind = "violation"
refusals = ["we cannot"]
alternatives = ["we can offer"]
phrases = ["we cannot refund"]
"#,
    );
    let input = w.write(
        "in.csv",
        csv_of(&[(
            "c1",
            "a",
            "agent",
            "Thank you. Just to confirm, the refund is sorry for the delay.",
        )]),
    );
    let out = callaudit()
        .args(["rubric", "lint", "-q", "--format", "csv", "--rubric"])
        .arg(&rubric)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let finding = |item: &str, phrase: &str| -> String {
        csv.lines()
            .find(|l| l.starts_with(&format!("{item},{phrase},")))
            .unwrap_or_else(|| panic!("{item} {phrase}: {csv}"))
            .rsplit(',')
            .next()
            .unwrap()
            .to_string()
    };
    for (item, phrase, says) in [
        ("thanks", "thanks", "covered by `thank*`"),
        ("thanks", "thank you", "covered by `thank*`"),
        ("thanks", "^ thank you so much", "covered by `thank*`"),
        ("thanks", "thankful*", "covered by `thank*`"),
        ("thanks", "{many|big} thanks", "covered by `thank*`"),
        ("refund", "{refund|refund now}", "covered by `refund`"),
        ("delay", "sorry NEAR/3 delay*", "covered by `delay*`"),
        (
            "delay",
            "within five days",
            "covered by `within {num} days`",
        ),
        ("delay", "within 5 business days", "never fires"),
    ] {
        assert_eq!(finding(item, phrase), says, "{item} {phrase}: {csv}");
    }
    // Beside an anchored phrase or a refusal: not covered (they count in fewer places).
    for (item, phrase) in [
        ("lead", "just to confirm"),
        ("lead", "confirm that $"),
        ("policy", "we cannot refund"),
    ] {
        assert!(
            !finding(item, phrase).contains("covered"),
            "{item} {phrase}: {csv}"
        );
    }
    // `refund` is within `{refund|refund now}`, which it covers: not both.
    assert_eq!(finding("refund", "refund"), "", "{csv}");
    assert_eq!(finding("thanks", "thank*"), "", "{csv}");
}

/// With `--labels`, only the labelled calls are linted, so "never fires" is over them: a phrase
/// that fires on an unlabelled call of the inputs is listed. Nothing said so but "N call(s)
/// filtered out" (tester t14's finding 12), and a user pruning the list would delete phrases
/// that work on the rest of their calls. stderr and the table's last line say it.
#[test]
fn with_labels_the_calls_left_out_are_said() {
    let w = Workdir::new();
    // c3 ("We apologise") is not labelled: `apologi*` fires on no labelled call.
    let labels = w.write("labels.csv", "call_id,apology\nc1,1\nc2,0\n");
    let rubric = w.write("r.toml", RUBRIC);
    let input = w.write(
        "in.csv",
        csv_of(&[
            ("c1", "a", "agent", "I'm sorry about that, my mistake."),
            ("c2", "a", "agent", "Sorry, what is your order number?"),
            ("c3", "a", "agent", "We apologise for the delay."),
        ]),
    );
    let out = callaudit()
        .args(["rubric", "lint", "--rubric"])
        .arg(&rubric)
        .arg("--labels")
        .arg(&labels)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("“apologi*”  never fires"), "{stdout}");
    assert!(
        stderr.contains(
            "only the 2 labelled call(s) were linted, not the 1 other call(s) of the inputs"
        ),
        "{stderr}"
    );
    assert!(
        stdout.ends_with(
            "over 2 call(s) (labelled calls only: 1 other call(s) of the inputs were not linted)\n"
        ),
        "{stdout}"
    );
    // Every call labelled: nothing left out, nothing more said.
    let all = w.write("all.csv", "call_id,apology\nc1,1\nc2,0\nc3,1\n");
    let out = callaudit()
        .args(["rubric", "lint", "--rubric"])
        .arg(&rubric)
        .arg("--labels")
        .arg(&all)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("were linted"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with("over 3 call(s) (labelled calls only)\n")
    );
}
