//! Same input, same answers: the report and the per-call files are byte-identical for
//! `--threads 1`, `2` and `8`, and for any order of the input files on the command line. When
//! the files themselves are renamed so that they are read in another order, the report's
//! numbers and every per-call record stay the same (only the order of records follows the files),
//! unless a call split across files has no turn numbers to put its parts in order.
//! Inputs are generated: CSV and JSONL files, calls split across files (merged by a second
//! pass), calls without agent or date, other speakers, timings or none.

use super::support;

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use support::callaudit;

/// Utterances that fire (or nearly fire) the built-in rubric's items.
const PHRASES: &[&str] = &[
    "This is RIDICULOUS!!! I was charged twice.",
    "I'm so sorry about that, I understand how frustrating it is.",
    "So you were charged twice for the same order?",
    "Can you tell me the order number?",
    "Let me put you on hold for a moment.",
    "I'll transfer you to billing.",
    "That's not my problem.",
    "I've refunded the duplicate charge today.",
    "Is there anything else I can help you with?",
    "Thanks for calling, I'll follow up by email tomorrow.",
    "okay",
    "Why is this STILL broken?!",
    "I guarantee this will never happen again.",
    "Thank you, that helps a lot.",
    "café ümlaut naïve — “quotes” and emoji 😀",
];

#[derive(Clone, Debug)]
struct GenCall {
    agent: Option<u8>,
    day: Option<u8>,
    /// (speaker 0 customer / 1 agent / 2 other, phrase, has timing)
    turns: Vec<(u8, usize, bool)>,
    /// Which file holds the call; a second file holds its last turns when `split` is set.
    file: usize,
    split: Option<usize>,
}

fn gen_call(files: usize) -> impl Strategy<Value = GenCall> {
    (
        proptest::option::weighted(0.85, 0u8..4),
        proptest::option::weighted(0.8, 1u8..28),
        prop::collection::vec((0u8..3, 0..PHRASES.len(), any::<bool>()), 1..7),
        0..files,
        proptest::option::weighted(0.2, 0..files),
    )
        .prop_map(|(agent, day, turns, file, split)| GenCall {
            agent,
            day,
            turns,
            file,
            split,
        })
}

#[derive(Clone, Debug)]
struct Corpus {
    calls: Vec<GenCall>,
    /// Format of each file: CSV or JSONL.
    jsonl: Vec<bool>,
}

fn corpus() -> impl Strategy<Value = Corpus> {
    (1usize..5).prop_flat_map(|files| {
        (
            prop::collection::vec(gen_call(files), 1..14),
            prop::collection::vec(any::<bool>(), files),
        )
            .prop_map(|(calls, jsonl)| Corpus { calls, jsonl })
    })
}

const SPEAKERS: [&str; 3] = ["customer", "agent", "IVR"];

/// The files' contents, in file index order.
fn render(corpus: &Corpus) -> Vec<(String, String)> {
    let n = corpus.jsonl.len();
    let mut csv_rows: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut jsonl_lines: Vec<Vec<String>> = vec![Vec::new(); n];
    for (c, call) in corpus.calls.iter().enumerate() {
        let id = format!("call-{c}");
        let agent = call.agent.map(|a| format!("agent{a}")).unwrap_or_default();
        let date = call
            .day
            .map(|d| format!("2024-03-{d:02}"))
            .unwrap_or_default();
        // The split part takes the last turn(s) to the other file.
        let cut = match call.split {
            Some(_) if call.turns.len() > 1 => call.turns.len() / 2,
            _ => call.turns.len(),
        };
        let parts = [
            (call.file, &call.turns[..cut], 0),
            (call.split.unwrap_or(call.file), &call.turns[cut..], cut),
        ];
        for (file, turns, first) in parts {
            if turns.is_empty() {
                continue;
            }
            if corpus.jsonl[file] {
                let turns: Vec<serde_json::Value> = turns
                    .iter()
                    .enumerate()
                    .map(|(i, &(s, p, timed))| {
                        let k = (first + i) as u64;
                        let mut t = serde_json::json!({
                            "speaker": SPEAKERS[s as usize],
                            "text": PHRASES[p],
                        });
                        if timed {
                            t["start_ms"] = (k * 4000).into();
                            t["end_ms"] = (k * 4000 + 3000).into();
                        }
                        t
                    })
                    .collect();
                let mut line = serde_json::json!({"call_id": id, "turns": turns});
                if !agent.is_empty() {
                    line["agent_id"] = agent.clone().into();
                }
                if !date.is_empty() {
                    line["date"] = date.clone().into();
                }
                jsonl_lines[file].push(line.to_string());
            } else {
                for (i, &(s, p, timed)) in turns.iter().enumerate() {
                    let k = (first + i) as u64;
                    let (start, end) = if timed {
                        ((k * 4000).to_string(), (k * 4000 + 3000).to_string())
                    } else {
                        (String::new(), String::new())
                    };
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    w.write_record([
                        id.as_str(),
                        &agent,
                        &date,
                        &(k + 1).to_string(),
                        SPEAKERS[s as usize],
                        PHRASES[p],
                        &start,
                        &end,
                    ])
                    .unwrap();
                    csv_rows[file].push(String::from_utf8(w.into_inner().unwrap()).unwrap());
                }
            }
        }
    }
    (0..n)
        .map(|f| {
            if corpus.jsonl[f] {
                (format!("part-{f}.jsonl"), jsonl_lines[f].join("\n") + "\n")
            } else {
                (
                    format!("part-{f}.csv"),
                    String::from("call_id,agent_id,date,turn,speaker,text,start_ms,end_ms\n")
                        + &csv_rows[f].concat(),
                )
            }
        })
        .collect()
}

/// The outputs of one run: stdout (JSON report), the per-call JSONL, the per-call CSV run's
/// file, and the evidence CSV.
#[derive(Debug, PartialEq)]
struct Outputs {
    report: Vec<u8>,
    calls_jsonl: Vec<u8>,
    evidence: Vec<u8>,
    report_csv: Vec<u8>,
    calls_csv: Vec<u8>,
}

fn run(dir: &Path, inputs: &[PathBuf], threads: usize, tag: &str) -> Outputs {
    let out_dir = dir.join(format!("out-{tag}-{threads}"));
    std::fs::create_dir_all(&out_dir).unwrap();
    let calls_jsonl = out_dir.join("calls.jsonl");
    let evidence = out_dir.join("evidence.csv");
    let calls_csv = out_dir.join("calls.csv");
    let first = callaudit()
        .args(["audit", "--quiet", "--allow-empty", "--format", "json"])
        .args(["--threads", &threads.to_string()])
        .arg("--calls")
        .arg(&calls_jsonl)
        .arg("--evidence")
        .arg(&evidence)
        .args(inputs)
        .output()
        .unwrap();
    assert!(first.status.success(), "{first:?}");
    let second = callaudit()
        .args(["audit", "--quiet", "--allow-empty", "--format", "csv"])
        .args(["--group-by", "team", "--threads", &threads.to_string()])
        .arg("--calls")
        .arg(&calls_csv)
        .args(inputs)
        .output()
        .unwrap();
    assert!(second.status.success(), "{second:?}");
    let read = |p: &Path| std::fs::read(p).unwrap();
    Outputs {
        report: first.stdout,
        calls_jsonl: read(&calls_jsonl),
        evidence: read(&evidence),
        report_csv: second.stdout,
        calls_csv: read(&calls_csv),
    }
}

fn write_files(dir: &Path, files: &[(String, String)], names: &[usize]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    files
        .iter()
        .zip(names)
        .map(|((name, content), &n)| {
            // Renaming keeps the extension and puts the files in another canonical order.
            let ext = name.rsplit_once('.').unwrap().1;
            let p = dir.join(format!("f{n}.{ext}"));
            std::fs::write(&p, content).unwrap();
            p
        })
        .collect()
}

fn without_inputs(report: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(report).unwrap();
    v["run"].as_object_mut().unwrap().remove("inputs");
    v
}

fn sorted_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.sort();
    lines
}

proptest! {
    // Each case runs the binary ten times: a few cases keep CI fast.
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn thread_counts_and_file_order_do_not_change_the_outputs(
        corpus in corpus(),
        order in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle(),
        names in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let files = render(&corpus);
        let n = files.len();
        let tmp = tempfile::tempdir().unwrap();
        let identity: Vec<usize> = (0..n).collect();
        let inputs = write_files(&tmp.path().join("in"), &files, &identity);

        let base = run(tmp.path(), &inputs, 1, "base");
        for threads in [2, 8] {
            let other = run(tmp.path(), &inputs, threads, "base");
            prop_assert!(other == base, "--threads {threads} differs from --threads 1");
        }

        // The same files named on the command line in another order.
        let shuffled: Vec<PathBuf> = order
            .iter()
            .filter(|&&i| i < n)
            .map(|&i| inputs[i].clone())
            .collect();
        prop_assert!(run(tmp.path(), &shuffled, 2, "args") == base, "the order of the arguments changed the outputs");

        // The same contents under names that sort in another order. A call split across files
        // with no turn numbers (JSONL has none) has its parts in file order, so renaming may
        // reorder its turns: that is the data's ambiguity, not the run's, and is left out.
        let ambiguous = corpus.calls.iter().any(|c| {
            c.turns.len() > 1
                && c.split.is_some_and(|other| other != c.file)
                && (corpus.jsonl[c.file] || c.split.is_some_and(|other| corpus.jsonl[other]))
        });
        if ambiguous {
            return Ok(());
        }
        let renamed: Vec<usize> = names.iter().copied().filter(|&i| i < n).collect();
        let moved = write_files(&tmp.path().join("renamed"), &files, &renamed);
        let other = run(tmp.path(), &moved, 8, "renamed");
        prop_assert_eq!(without_inputs(&other.report), without_inputs(&base.report));
        prop_assert_eq!(&other.report_csv, &base.report_csv);
        prop_assert_eq!(sorted_lines(&other.calls_jsonl), sorted_lines(&base.calls_jsonl));
        prop_assert_eq!(sorted_lines(&other.calls_csv), sorted_lines(&base.calls_csv));
        prop_assert_eq!(sorted_lines(&other.evidence), sorted_lines(&base.evidence));
    }
}
