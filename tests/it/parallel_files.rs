//! Small files are read ahead in parallel (one-file-per-contact exports): whatever order they
//! finish in, the report, the per-call records, the warnings and the exit status are the same as
//! reading them one after another (`--threads 1`), also with a broken file in the middle, with and
//! without `--keep-going`, and with a call split across two files.

use super::common::callaudit;
use std::path::Path;

fn transcribe(i: usize) -> String {
    let agent = if i.is_multiple_of(3) {
        "Thanks for calling, is there anything else I can help you with?"
    } else {
        "I'm so sorry about that, I understand how frustrating it is."
    };
    let bad = if i % 100 == 1 {
        r#", {"ParticipantRole": 5}"#
    } else {
        ""
    };
    format!(
        r#"{{"JobName": "call-{i:04}", "Transcript": [
            {{"ParticipantRole": "CUSTOMER", "Content": "I was charged twice for order {i}.", "BeginOffsetMillis": 0, "EndOffsetMillis": 900}},
            {{"ParticipantRole": "AGENT", "Content": "{agent}", "BeginOffsetMillis": 1000, "EndOffsetMillis": 2000}}{bad}
        ]}}"#
    )
}

fn write_inputs(dir: &Path) {
    for i in 0..700 {
        let body = match i {
            350 => "{\"JobName\": \"broken\", \"Transcript\": [".to_string(),
            351 => String::new(),
            _ => transcribe(i),
        };
        std::fs::write(
            dir.join(format!("2026-11-0{}_c{i:04}.json", 1 + i % 9)),
            body,
        )
        .unwrap();
    }
    // One call split across two files: the second pass holds and merges it.
    std::fs::write(
        dir.join("split-a.csv"),
        "call_id,agent_id,turn,speaker,text\nS1,a-1,1,customer,Hello?\nS2,a-2,1,agent,Hi there\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("split-b.csv"),
        "call_id,agent_id,turn,speaker,text\nS1,a-1,2,agent,Is there anything else I can help you with?\n",
    )
    .unwrap();
}

fn run(dir: &Path, threads: &str, keep_going: bool) -> (i32, Vec<u8>, String, Vec<u8>) {
    let calls = dir.join(format!("calls-{threads}-{keep_going}.jsonl"));
    let mut cmd = callaudit();
    cmd.args(["audit", "--format", "json", "--threads", threads, "--calls"])
        .arg(&calls)
        .arg(dir.join("in"));
    if keep_going {
        cmd.arg("--keep-going");
    }
    let out = cmd.output().unwrap();
    let records = std::fs::read(&calls).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8(out.stderr).unwrap(),
        records,
    )
}

#[test]
fn files_read_in_parallel_give_the_same_output_as_one_after_another() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    write_inputs(&inputs);

    let one = run(tmp.path(), "1", true);
    let two = run(tmp.path(), "2", true);
    assert_eq!(one.0, two.0);
    assert_eq!(one.2, two.2);
    assert!(one.1 == two.1, "the reports differ");
    assert!(one.3 == two.3, "the per-call records differ");
    assert!(one.2.contains("c0350.json"), "{}", one.2);
    assert!(one.2.contains("--keep-going"), "{}", one.2);
    let report: serde_json::Value = serde_json::from_slice(&two.1).unwrap();
    let acct = &report["accounting"];
    assert_eq!(acct["calls_merged"], 1, "{acct}");
    let records = String::from_utf8(two.3.clone()).unwrap();
    assert_eq!(records.lines().count(), 698 + 2);

    // Without --keep-going the broken file stops both runs at the same place, saying where.
    let one = run(tmp.path(), "1", false);
    let two = run(tmp.path(), "2", false);
    assert_eq!((one.0, two.0), (2, 2));
    assert_eq!(one.2, two.2);
    assert!(one.1 == two.1 && one.3 == two.3);
    assert!(one.2.contains("c0350.json"), "{}", one.2);
}

/// With more than one thread the inputs are listed on a thread of their own while the rubric
/// compiles (`cli/audit.rs`): errors still come in the order one thread gives them (a bad rubric
/// before a missing input), with the same words and exit status.
#[test]
fn listing_inputs_beside_the_rubric_keeps_the_order_of_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("bad.toml");
    std::fs::write(&rubric, "this is not [toml").unwrap();
    let missing = dir.path().join("no-such-dir").join("calls.csv");
    let run = |threads: &str, with_rubric: bool| {
        let mut cmd = callaudit();
        cmd.args(["audit", "--no-config", "--threads", threads]);
        if with_rubric {
            cmd.arg("--rubric").arg(&rubric);
        }
        let out = cmd.arg(&missing).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for with_rubric in [true, false] {
        let one = run("1", with_rubric);
        for threads in ["2", "4"] {
            assert_eq!(run(threads, with_rubric), one, "--threads {threads}");
        }
        assert_eq!(one.0, Some(2), "{}", one.1);
        assert_eq!(one.1.contains("no-such-dir"), !with_rubric, "{}", one.1);
        // Past the per-core cap: the warning comes once, and not before a rubric error (review).
        let (code, err) = run("10000", with_rubric);
        assert_eq!(code, Some(2));
        let warnings = err.matches("warning: --threads 10000").count();
        assert_eq!(warnings, usize::from(!with_rubric), "{err}");
    }
}
