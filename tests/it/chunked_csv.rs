//! A large utterance CSV is parsed in chunks on the pool (`read/csv/chunked.rs`). Forcing tiny
//! blocks (`CALLAUDIT_CSV_BLOCK`) makes every record boundary a chunk boundary somewhere, so these
//! files of a few KB stitch hundreds of chunks: quoted line breaks straddling them, bad rows next
//! to them, a BOM, CRLF, lone CR, no final line end, ragged rows, blank lines, a stray quote that
//! swallows rows, a quote never closed, invalid UTF-8, ids that come back. The report, the
//! per-call records, the evidence, stderr and the exit status must be exactly those of the
//! serial reader (`--threads 1`), with and without `--strict`, `--max-call-bytes` and `--shard`.

use super::common::{join, run_blocks as run};

const HEADER: &str = "call_id,agent,turn,speaker,text,date";

const TEXTS: &[&str] = &[
    "hello there",
    "I am so sorry about that",
    "this is \"quoted\" text",
    "line one\nline two, with, commas",
    "I understand how frustrating that is",
    "thanks for waiting",
    "multi\n\nblank\nlines",
    "ok",
    "café ünïcode ✓",
    "we apologise for the inconvenience",
    "let me check that for you, one moment",
];

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn row(call: &str, turn: &str, speaker: &str, text: &str, date: &str) -> String {
    format!(
        "{call},a{},{turn},{speaker},{},{date}",
        call.len() % 3,
        quoted(text)
    )
}

/// `n` rows of calls of a few turns each, deterministic.
fn rows(n: usize) -> Vec<String> {
    let speakers = ["agent", "customer", "Agent", "REP", "bot"];
    let (mut call, mut turn) = (0, 0);
    (0..n)
        .map(|i| {
            if i % 5 == 0 || i % 7 == 3 {
                call += 1;
                turn = 0;
            }
            turn += 1;
            row(
                &format!("C{call}"),
                &turn.to_string(),
                speakers[(i * 7 + 3) % speakers.len()],
                TEXTS[(i * 5 + 1) % TEXTS.len()],
                "2024-03-01",
            )
        })
        .collect()
}

/// The nasty files: (name, bytes).
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let with_header = |rows: Vec<String>| [vec![HEADER.to_string()], rows].concat();
    let mut out = Vec::new();
    let plain = with_header(rows(300));
    out.push(("lf.csv", join(&plain, "\n", true)));
    out.push(("crlf.csv", join(&plain, "\r\n", true)));
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(join(&plain, "\r\n", false));
    out.push(("bom-crlf-no-final-newline.csv", bom));
    out.push(("cr.csv", join(&plain, "\r", true)));

    let mut ragged = rows(300);
    for k in (0..300).step_by(37) {
        ragged[k].push_str(",extra");
    }
    for k in (5..300).step_by(41) {
        ragged[k] = "C9,a1,3,agent".to_string();
    }
    for k in (11..300).step_by(53) {
        ragged[k] = String::new();
    }
    for k in (13..300).step_by(59) {
        ragged[k] = "\"\"".to_string();
    }
    for k in (17..300).step_by(61) {
        ragged[k] = row("C5", "1", "agent", "", "2024-03-01");
    }
    for k in (19..300).step_by(67) {
        ragged[k] = row("", "1", "agent", "no id", "2024-03-01");
    }
    for k in (23..300).step_by(71) {
        ragged[k] = row("C7", "1", "agent", "bad date", "not-a-date");
    }
    for k in (29..300).step_by(73) {
        ragged[k] = row("C7", "x1", "agent", "bad order", "2024-03-01");
    }
    let ragged = with_header(ragged);
    out.push(("ragged.csv", join(&ragged, "\n", true)));
    out.push(("ragged-crlf.csv", join(&ragged, "\r\n", true)));
    let blanks = [
        vec![String::new(), String::new()],
        ragged[..100].to_vec(),
        vec![String::new(); 4],
        ragged[100..].to_vec(),
    ]
    .concat();
    out.push(("blanks-crlf.csv", join(&blanks, "\r\n", true)));

    let mut stray = rows(300);
    stray[100] = "C50,a1,1,customer,\"I was charged twice".to_string();
    stray[250] = "C60,a1,2,agent,\"abc\"def,2024-03-01".to_string();
    out.push(("stray-quote.csv", join(&with_header(stray), "\n", true)));

    let mut open = rows(300);
    open[290] = "C70,a1,1,customer,\"never closed".to_string();
    out.push(("open-at-end.csv", join(&with_header(open), "\n", true)));

    let mut long = rows(200);
    let message: Vec<String> = (0..60)
        .map(|i| format!("line {i} of a long message, with commas"))
        .collect();
    long[50] = row("C10", "1", "customer", &message.join("\n"), "2024-03-01");
    long[120] = row("C20", "1", "customer", &message.join("\r\n"), "2024-03-01");
    out.push((
        "long-record-crlf.csv",
        join(&with_header(long), "\r\n", true),
    ));

    // A record over `--max-call-bytes 3000` whose quoted text has line breaks, one with a
    // doubled quote at a line end, and one whose quote is never closed.
    let mut huge = rows(200);
    let message: Vec<String> = (0..120)
        .map(|i| format!("line {i} of a huge message, with, commas \"\""))
        .collect();
    huge[40] = row("C10", "1", "customer", &message.join("\n"), "2024-03-01");
    huge[90] = row(
        "C20",
        "1",
        "customer",
        &message.join("\"\r\n"),
        "2024-03-01",
    );
    out.push((
        "huge-record.csv",
        join(&with_header(huge.clone()), "\n", true),
    ));
    huge[150] = format!("C30,a1,1,customer,\"{}", message.join("\n"));
    out.push(("huge-open-record.csv", join(&with_header(huge), "\n", true)));

    let mut utf8 = join(&plain, "\n", true);
    let mut at = 0;
    let mut k = 0;
    while let Some(i) = utf8[at..].iter().position(|&b| b == b'\n') {
        at += i + 1;
        k += 1;
        if k % 29 == 3 {
            utf8.splice(at - 1..at - 1, [0xe9, 0xff]);
            at += 2;
        }
    }
    out.push(("invalid-utf8.csv", utf8));

    let plain_rows = rows(300);
    let again: Vec<String> = (0..5)
        .map(|i| {
            row(
                "C1",
                &(50 + i).to_string(),
                "agent",
                "back again",
                "2024-03-01",
            )
        })
        .collect();
    let comeback = [
        plain_rows[..150].to_vec(),
        again.clone(),
        plain_rows[150..].to_vec(),
        again,
    ]
    .concat();
    out.push((
        "ids-come-back.csv",
        join(&with_header(comeback), "\n", true),
    ));

    let semi: Vec<String> = plain.iter().map(|r| r.replace(',', ";")).collect();
    out.push(("semicolons.csv", join(&semi, "\n", true)));

    // Lone CRs, CRLFs and LFs mixed, a lone CR ending the header and inside quoted text, among
    // bad rows: line numbers count each line end (tester t9's F2), and the rows right after a
    // header ended by a lone CR are read (the chunked reader lost them).
    let ends = ["\r", "\n", "\r\n", "\r", "\r"];
    let mut mixed = Vec::new();
    for (i, line) in ragged.iter().enumerate() {
        let line = if i % 3 == 1 {
            line.replace('\n', "\r")
        } else {
            line.clone()
        };
        mixed.extend_from_slice(line.as_bytes());
        mixed.extend_from_slice(ends[i % ends.len()].as_bytes());
    }
    out.push(("mixed-line-ends.csv", mixed));

    // The header again in capitals (skipped), and an export of other columns joined on (an
    // error at its header) (tester t9's F8).
    let mut again = with_header(rows(300));
    again.insert(150, HEADER.to_uppercase());
    out.push(("header-again.csv", join(&again, "\n", true)));
    let mut other = with_header(rows(300));
    other.insert(200, HEADER.replace("agent", "team"));
    out.push(("header-other.csv", join(&other, "\r\n", true)));
    out
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
            for block in [7, 64, 700] {
                let chunked = run(tmp.path(), &input, "2", Some(block), extra);
                assert!(
                    serial == chunked,
                    "{name} {extra:?}, blocks of {block} bytes: the output differs from the serial reader's\n--- serial\n{}\n--- chunked\n{}",
                    String::from_utf8_lossy(&serial),
                    String::from_utf8_lossy(&chunked)
                );
            }
        }
    }
}

#[test]
fn every_chunk_boundary_of_a_crlf_file_with_quoted_line_breaks() {
    // Every block size from 1 to 48 bytes puts the boundaries somewhere else: next to a quoted
    // line break, inside a CRLF, before a blank line.
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_string()];
    for i in 0..40 {
        let text = match i % 4 {
            0 => "one\r\ntwo".to_string(),
            1 => "a \"quote\", and\nmore".to_string(),
            2 => String::new(),
            _ => format!("plain {i}"),
        };
        lines.push(row(
            &format!("C{}", i / 3),
            &i.to_string(),
            "agent",
            &text,
            "2024-03-01",
        ));
        if i % 9 == 4 {
            lines.push(String::new());
        }
        if i % 7 == 2 {
            // A wrong field count over two lines: its message names where the record ends.
            lines.push(format!("C{},x,1,agent,\"two\r\nlines\",extra,more", i / 3));
        }
    }
    let input = tmp.path().join("boundaries.csv");
    std::fs::write(&input, join(&lines, "\r\n", true)).unwrap();
    let serial = run(tmp.path(), &input, "1", None, &[]);
    for block in 1..=48 {
        let chunked = run(tmp.path(), &input, "2", Some(block), &[]);
        assert!(
            serial == chunked,
            "blocks of {block} bytes: the output differs from the serial reader's\n--- serial\n{}\n--- chunked\n{}",
            String::from_utf8_lossy(&serial),
            String::from_utf8_lossy(&chunked)
        );
    }
}

#[test]
fn a_gzip_file_at_two_threads_gives_exactly_the_serial_output() {
    // A gzip file is left to the serial reader (its one decompressing thread is the bottleneck
    // anyway). This checks only that a gzip file read at two threads with tiny blocks forced
    // gives the serial output; it cannot tell which reader took it (both read the decompressed
    // text).
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let (_, bytes) = files().swap_remove(0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let input = tmp.path().join("calls.csv.gz");
    std::fs::write(&input, gz.finish().unwrap()).unwrap();
    let serial = run(tmp.path(), &input, "1", None, &[]);
    assert!(
        serial.starts_with(b"exit Some(0)"),
        "{}",
        String::from_utf8_lossy(&serial)
    );
    let two = run(tmp.path(), &input, "2", Some(7), &[]);
    assert!(
        serial == two,
        "the gzip file read at 2 threads with 7-byte blocks differs\n--- serial\n{}\n--- 2 threads\n{}",
        String::from_utf8_lossy(&serial),
        String::from_utf8_lossy(&two)
    );
}
