//! A large conversation JSONL file is read in chunks on the pool (`read/jsonl/chunked.rs`).
//! Forcing tiny blocks (`CALLAUDIT_CSV_BLOCK`, which sets the block of both chunked readers)
//! makes every line boundary a chunk boundary somewhere, so these files of a few KB stitch
//! hundreds of chunks: CRLF (and `\r\r\n`), blank and whitespace-only lines, a BOM (on the first
//! line and on others), no final line end, lines that are not JSON or not conversations,
//! invalid UTF-8 inside and outside strings, escaped line breaks, bad dates, missing ids, empty
//! turns, lines longer than a chunk, lines over `--max-call-bytes`, a call that outgrows it
//! through its turns, ids that come back. The report, the per-call records, the evidence,
//! stderr and the exit status must be exactly those of the serial reader (`--threads 1`), with
//! and without `--strict`, `--max-call-bytes` and `--shard`.

use super::common::{join, run_blocks as run};

const TEXTS: &[&str] = &[
    "hello there",
    "I am so sorry about that",
    "this is \"quoted\" text",
    "line one\nline two, with an escaped line break",
    "I understand how frustrating that is",
    "thanks for waiting",
    "tab\tand \\ backslash",
    "ok",
    "café ünïcode ✓ \u{1F600}",
    "we apologise for the inconvenience",
    "let me check that for you, one moment",
];

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// One conversation line (without its line end).
fn conversation(call: &str, agent: &str, date: &str, turns: &[(&str, &str)]) -> String {
    let turns: Vec<String> = turns
        .iter()
        .map(|(speaker, text)| {
            format!(
                "{{\"speaker\": {}, \"text\": {}}}",
                json_string(speaker),
                json_string(text)
            )
        })
        .collect();
    format!(
        "{{\"call_id\": {}, \"agent_id\": {}, \"date\": {}, \"turns\": [{}]}}",
        json_string(call),
        json_string(agent),
        json_string(date),
        turns.join(", ")
    )
}

/// `n` conversations of one to five turns, deterministic.
fn conversations(n: usize) -> Vec<String> {
    let speakers = ["agent", "customer", "Agent", "REP", "bot"];
    (0..n)
        .map(|i| {
            let turns: Vec<(&str, &str)> = (0..1 + (i * 7) % 5)
                .map(|k| {
                    (
                        speakers[(i * 7 + k * 3) % speakers.len()],
                        TEXTS[(i * 5 + k) % TEXTS.len()],
                    )
                })
                .collect();
            conversation(
                &format!("C{i}"),
                &format!("a{}", i % 3),
                "2024-03-01",
                &turns,
            )
        })
        .collect()
}

/// The nasty files: (name, bytes).
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let plain = conversations(120);
    out.push(("lf.jsonl", join(&plain, "\n", true)));
    out.push(("crlf.jsonl", join(&plain, "\r\n", true)));
    out.push(("cr-cr-lf.jsonl", join(&plain, "\r\r\n", true)));
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(join(&plain, "\r\n", false));
    out.push(("bom-crlf-no-final-newline.jsonl", bom));
    out.push(("no-final-newline.jsonl", join(&plain, "\n", false)));

    let mut odd = conversations(150);
    for k in (0..150).step_by(17) {
        odd[k] = String::new();
    }
    for k in (3..150).step_by(19) {
        odd[k] = " \t ".to_string();
    }
    for k in (5..150).step_by(23) {
        odd[k] = "{not json".to_string();
    }
    for k in (7..150).step_by(29) {
        odd[k] = "[1, 2, 3]".to_string();
    }
    for k in (9..150).step_by(31) {
        odd[k] = "{\"call_id\": \"x\"}".to_string();
    }
    for k in (11..150).step_by(37) {
        odd[k] = conversation(
            "",
            "a1",
            "2024-03-01",
            &[("agent", "no id"), ("customer", "x")],
        );
    }
    for k in (13..150).step_by(41) {
        odd[k] = conversation("C13", "a1", "not-a-date", &[("agent", "bad date")]);
    }
    for k in (15..150).step_by(43) {
        odd[k] = conversation(
            "C15",
            "a1",
            "2024-03-01",
            &[("agent", ""), ("customer", " ")],
        );
    }
    for k in (21..150).step_by(47) {
        odd[k] = format!("\u{feff}{}", odd[k]);
    }
    for k in (25..150).step_by(53) {
        odd[k] = "{\"call_id\": 7, \"agent\": 12, \"turns\": [{\"role\": \"agent\", \"content\": \"numeric ids\"}]}".to_string();
    }
    for k in (27..150).step_by(59) {
        odd[k] = "{\"call_id\": \"null\", \"turns\": []}".to_string();
    }
    out.push(("odd-lines.jsonl", join(&odd, "\n", true)));
    out.push(("odd-lines-crlf.jsonl", join(&odd, "\r\n", true)));

    // Invalid UTF-8 inside strings (decoded lossily) and outside them (not JSON).
    let mut utf8 = join(&plain, "\n", true);
    let mut at = 0;
    let mut k = 0;
    while let Some(i) = utf8[at..].iter().position(|&b| b == b'\n') {
        at += i + 1;
        k += 1;
        if k % 13 == 3 {
            // Into the first text of the next line: after `"text": "`.
            if let Some(t) = utf8[at..].windows(9).position(|w| w == b"\"text\": \"") {
                let p = at + t + 9;
                utf8.splice(p..p, [0xe9, 0xff]);
            }
        } else if k % 13 == 7 {
            utf8.splice(at..at, [0xff]);
        }
    }
    out.push(("invalid-utf8.jsonl", utf8));

    // Lines far longer than the tiny blocks, and over `--max-call-bytes 3000`, and a call
    // that outgrows that limit through its many small turns.
    let mut long = conversations(100);
    let message: Vec<String> = (0..60)
        .map(|i| format!("line {i} of a long message, with commas"))
        .collect();
    long[20] = conversation(
        "L20",
        "a1",
        "2024-03-01",
        &[("customer", &message.join("\n"))],
    );
    long[40] = conversation(
        "L40",
        "a2",
        "2024-03-01",
        &[("customer", &message.join(" ").repeat(2))],
    );
    let many: Vec<(&str, &str)> = (0..70).map(|_| ("agent", "ok")).collect();
    long[60] = conversation("L60", "a1", "2024-03-01", &many);
    long[61] = String::new();
    long[80] = conversation("L80", "a0", "2024-03-01", &[("agent", &"x".repeat(900))]);
    out.push(("long-lines.jsonl", join(&long, "\r\n", true)));

    // Ids that come back: the second pass reads the file again.
    let plain = conversations(120);
    let again: Vec<String> = (0..5)
        .map(|i| {
            conversation(
                "C1",
                "a1",
                "2024-03-01",
                &[("agent", &format!("back again {i}"))],
            )
        })
        .collect();
    let comeback = [
        plain[..60].to_vec(),
        again.clone(),
        plain[60..].to_vec(),
        again,
    ]
    .concat();
    out.push(("ids-come-back.jsonl", join(&comeback, "\n", true)));
    out
}

fn assert_same(serial: &[u8], chunked: &[u8], what: &str) {
    assert!(
        serial == chunked,
        "{what}: the output differs from the serial reader's\n--- serial\n{}\n--- chunked\n{}",
        String::from_utf8_lossy(serial),
        String::from_utf8_lossy(chunked)
    );
}

#[test]
fn tiny_chunks_give_exactly_the_serial_output() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in files() {
        let input = tmp.path().join(name);
        std::fs::write(&input, &bytes).unwrap();
        for extra in [
            &[][..],
            &["--strict"][..],
            &["--max-call-bytes", "3000", "--shard", "1/2"][..],
        ] {
            let serial = run(tmp.path(), &input, "1", None, extra);
            // 500, not 700: with --max-call-bytes 3000 a block over 600 bytes reads serially.
            for block in [7, 64, 500] {
                let chunked = run(tmp.path(), &input, "2", Some(block), extra);
                assert_same(
                    &serial,
                    &chunked,
                    &format!("{name} {extra:?}, blocks of {block} bytes"),
                );
            }
        }
    }
}

#[test]
fn every_chunk_boundary_of_a_crlf_file() {
    // Every block size from 1 to 64 bytes puts the boundaries somewhere else: inside a CRLF,
    // before a blank line, in a line longer than a chunk, at a BOM.
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for i in 0..30 {
        let text = match i % 4 {
            0 => "one\r\ntwo".to_string(),
            1 => "a \"quote\", and\nmore".to_string(),
            2 => String::new(),
            _ => format!("plain {i}"),
        };
        lines.push(conversation(
            &format!("C{}", i / 3),
            "a1",
            "2024-03-01",
            &[("agent", &text), ("customer", "thanks")],
        ));
        if i % 9 == 4 {
            lines.push(String::new());
        }
        if i % 7 == 2 {
            lines.push("{\"call_id\": \"broken\", \"turns\": [".to_string());
        }
        if i % 11 == 5 {
            lines.push(format!("\u{feff}{{\"call_id\": \"B{i}\", \"turns\": [{{\"speaker\": \"agent\", \"text\": \"bom\"}}]}}"));
        }
    }
    let input = tmp.path().join("boundaries.jsonl");
    std::fs::write(&input, join(&lines, "\r\n", false)).unwrap();
    let serial = run(tmp.path(), &input, "1", None, &[]);
    for block in 1..=64 {
        let chunked = run(tmp.path(), &input, "2", Some(block), &[]);
        assert_same(&serial, &chunked, &format!("blocks of {block} bytes"));
    }
}
