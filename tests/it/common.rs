//! Helpers shared by the CLI tests: write transcripts to a temp dir, run the real binary, read
//! its per-call CSV back.
#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The one way the tests run the binary: the real `callaudit`, with the environment
/// variables that change its output (`NO_COLOR`, `CI`) removed.
pub fn callaudit() -> Command {
    let mut cmd = Command::cargo_bin("callaudit").expect("binary built");
    cmd.env_remove("NO_COLOR").env_remove("CI");
    cmd
}

/// A CSV transcript of one or more calls: (call_id, agent, speaker, text).
/// Runs `cmd`, asserts that it succeeded (its stderr is the failure's message), and returns
/// its stdout.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn csv_of(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["call_id", "agent_id", "speaker", "text"])
        .unwrap();
    for r in rows {
        w.write_record([r.0, r.1, r.2, r.3]).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// Per-call CSV rows as maps from column name to value, in file order.
pub fn read_calls_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Audits a CSV transcript and returns its per-call rows.
pub fn audit_rows(csv: &str) -> Vec<HashMap<String, String>> {
    let w = Workdir::new();
    let input = w.write("in.csv", csv);
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--format", "json", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    read_calls_csv(&calls)
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `../shared`, or `None` (and a message) when it is absent.
pub fn shared() -> Option<PathBuf> {
    let p = repo_path("../shared");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared is absent");
        None
    }
}

/// A small rubric named `name` for the gate and merge tests: greeting and thanks expected, a
/// transfer a violation (10 points), pass mark 50.
pub fn gate_rubric(name: &str) -> String {
    r#"[rubric]
name = "{name}"
pass_mark = 50

[[item]]
id = "greeting"
kind = "expected"
phrases = ["hello"]

[[item]]
id = "thanks"
kind = "expected"
phrases = ["thank you"]

[[item]]
id = "transfer"
kind = "violation"
penalty = 10
phrases = ["transfer you"]
"#
    .replace("{name}", name)
}

/// Six calls for `gate_rubric`, one line each (call_id, agent, speaker, text): ann scores
/// 100, 100, 50 and 90 (c4 has a transfer), bo 0 and 50; greeting and thanks are met in 4 of
/// the 6 calls, the transfer in 1.
pub const GATE_CALLS: [(&str, &str, &str, &str); 6] = [
    ("c1", "ann", "agent", "hello, thank you"),
    ("c2", "ann", "agent", "hello and thank you"),
    ("c3", "ann", "agent", "hello"),
    (
        "c4",
        "ann",
        "agent",
        "hello, thank you, let me transfer you",
    ),
    ("c5", "bo", "agent", "hi"),
    ("c6", "bo", "agent", "thank you"),
];

/// The lines of stderr that say a gate failed, in order.
pub fn gate_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("callaudit: gate failed: "))
        .collect()
}

/// The `key` of every line of a JSON report, in order.
pub fn group_keys(json: &serde_json::Value) -> Vec<String> {
    json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect()
}

/// Asserts that `stderr` says each of `says`, showing what is missing and the whole of stderr.
#[track_caller]
pub fn assert_says(stderr: &str, says: &[impl AsRef<str>]) {
    for s in says {
        let s = s.as_ref();
        assert!(stderr.contains(s), "missing {s:?} in:\n{stderr}");
    }
}

/// `support::audit` of a run that must succeed: exit 0, or the test fails showing stderr.
#[track_caller]
pub fn audit_ok<I, S>(args: I) -> super::support::Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let run = super::support::audit(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// Lines joined by `end`, with one more after the last when `final_end` (the chunked-reader
/// tests' inputs).
pub fn join(lines: &[String], end: &str, final_end: bool) -> Vec<u8> {
    let mut s = lines.join(end);
    if final_end {
        s.push_str(end);
    }
    s.into_bytes()
}

/// Exit status, report, stderr, per-call records and evidence of one run, with the chunked
/// readers' block size forced to `block` (`CALLAUDIT_CSV_BLOCK`; `None`: the default). The
/// chunked-reader tests compare it byte for byte with the serial run.
pub fn run_blocks(
    dir: &Path,
    input: &Path,
    threads: &str,
    block: Option<usize>,
    extra: &[&str],
) -> Vec<u8> {
    let calls = dir.join("calls.csv");
    let evidence = dir.join("evidence.csv");
    let _ = std::fs::remove_file(&calls);
    let _ = std::fs::remove_file(&evidence);
    let mut cmd = callaudit();
    // A small rubric: the runs are about reading, and a debug build compiles the built-in one
    // slowly.
    let rubric = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rubric.toml");
    cmd.args([
        "audit",
        "--no-config",
        "--format",
        "json",
        "--threads",
        threads,
        "--rubric",
        rubric,
    ])
    .arg("--calls")
    .arg(&calls)
    .arg("--evidence")
    .arg(&evidence)
    .args(extra)
    .arg(input);
    match block {
        Some(b) => cmd.env("CALLAUDIT_CSV_BLOCK", b.to_string()),
        None => cmd.env_remove("CALLAUDIT_CSV_BLOCK"),
    };
    let out = cmd.output().unwrap();
    let mut all = format!("exit {:?}\n", out.status.code()).into_bytes();
    for part in [
        out.stdout,
        out.stderr,
        std::fs::read(&calls).unwrap_or_default(),
        std::fs::read(&evidence).unwrap_or_default(),
    ] {
        all.extend_from_slice(b"\n----\n");
        all.extend(part);
    }
    all
}
