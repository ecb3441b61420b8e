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
