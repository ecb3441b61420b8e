//! Every report format, through the real binary: snapshots of each, and a cross-check that the
//! table, CSV, JSON, Markdown and HTML of one run agree on every number (deltas included).

use super::common;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs callaudit in `dir` and returns stdout; panics with stderr on an unexpected exit code.
fn run_in(dir: &Path, args: &[&str], code: i32) -> String {
    let out = common::callaudit()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "callaudit {args:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn audit(extra: &[&str]) -> String {
    let mut args = vec!["audit", "examples/data", "--color", "never", "-q"];
    args.extend_from_slice(extra);
    run_in(&root(), &args, 0)
}

/// A scratch directory holding a copy of the example data and a baseline report made from
/// `calls.csv` alone, so that paths in the output are relative and snapshots deterministic.
fn with_baseline() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for f in ["calls.csv", "calls.jsonl"] {
        std::fs::copy(
            root().join("examples/data").join(f),
            dir.path().join("data").join(f),
        )
        .unwrap();
    }
    run_in(
        dir.path(),
        &[
            "audit",
            "data/calls.csv",
            "--format",
            "json",
            "-o",
            "prev.json",
            "-q",
        ],
        0,
    );
    dir
}

/// The example data audited against the baseline `with_baseline` made, in `format`.
fn against_baseline(dir: &Path, format: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "audit",
        "data",
        "--baseline",
        "prev.json",
        "--format",
        format,
        "--color",
        "never",
        "-q",
    ];
    args.extend_from_slice(extra);
    run_in(dir, &args, 0)
}

#[test]
fn format_snapshots() {
    let cases: [(&str, &[&str]); 5] = [
        ("table_snapshot", &["--format", "table"]),
        ("csv_snapshot", &["--format", "csv"]),
        (
            "json_snapshot",
            &["--format", "json", "--fail-on", "profanity"],
        ),
        ("markdown_snapshot", &["--format", "markdown"]),
        ("html_snapshot", &["--format", "html"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(name, without_fingerprint(&audit(args)));
    }
}

/// The JSON report with its rubric's fingerprint blanked: it changes with any edit of the
/// built-in rubric, also one the example data does not see (the fingerprint is tested in
/// nightly.rs and merge.rs).
fn without_fingerprint(out: &str) -> String {
    out.lines()
        .map(|l| match l.find("\"fingerprint\": \"fnv1a64:") {
            Some(at) => format!("{}\"fingerprint\": \"…\",", &l[..at]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if out.ends_with('\n') { "\n" } else { "" }
}

#[test]
fn baseline_snapshots() {
    let dir = with_baseline();
    for format in ["table", "csv", "json", "markdown"] {
        let out = against_baseline(dir.path(), format, &[]);
        insta::assert_snapshot!(format!("baseline_{format}"), without_fingerprint(&out));
    }
}

#[test]
fn group_sort_and_cut_snapshots() {
    insta::assert_snapshot!(
        "group_by_date_sorted_by_score",
        audit(&["--format", "csv", "--group-by", "date", "--sort", "score"])
    );
    insta::assert_snapshot!(
        "group_by_week",
        audit(&["--format", "csv", "--group-by", "week"])
    );
    insta::assert_snapshot!(
        "group_by_team",
        audit(&["--format", "csv", "--group-by", "team"])
    );
    insta::assert_snapshot!(
        "top_1_bottom_1",
        audit(&[
            "--format", "csv", "--top", "1", "--bottom", "1", "--sort", "calls"
        ])
    );
}

#[test]
fn evidence_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.csv");
    audit(&["--format", "json", "--evidence", evidence.to_str().unwrap()]);
    insta::assert_snapshot!(std::fs::read_to_string(&evidence).unwrap());
}

#[test]
fn evidence_needs_a_csv_name() {
    let out = common::callaudit()
        .current_dir(root())
        .args(["audit", "examples/data", "--evidence", "evidence.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--evidence evidence.json"), "{err}");
    assert!(!root().join("evidence.json").exists());
}

#[test]
fn evidence_rows_match_the_report_counts() {
    // One evidence row per counted match: per item, the rows of calls where it applied add up
    // to the JSON's matches.
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.csv");
    let json: Value = serde_json::from_str(&audit(&[
        "--format",
        "json",
        "--evidence",
        evidence.to_str().unwrap(),
    ]))
    .unwrap();
    let mut rdr = csv::Reader::from_path(&evidence).unwrap();
    let mut per_item = std::collections::BTreeMap::<String, u64>::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if &rec[3] != "n/a" {
            *per_item.entry(rec[2].to_string()).or_default() += 1;
        }
    }
    for (id, item) in json["overall"]["items"].as_object().unwrap() {
        assert_eq!(
            per_item.get(id).copied().unwrap_or(0),
            item["matches"].as_u64().unwrap(),
            "item {id}"
        );
    }
}

/// The numbers of one report line, as text: one entry per column after the key.
type Lines = Vec<(String, Vec<String>)>;

fn json_lines(json: &Value, cols: &[String]) -> (Lines, Lines) {
    let num = |v: &Value| match v {
        Value::Null => "none".to_string(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        Value::Number(n) => format!("{:.1}", n.as_f64().unwrap()),
        v => panic!("not a number: {v}"),
    };
    let field = |line: &Value, col: &str| -> Value {
        match col {
            "calls" | "upset_calls" | "mean_score" | "pass_rate" | "any_violation_rate"
            | "calmed_rate" => line[col].clone(),
            item => line["items"][item]["rate"].clone(),
        }
    };
    let delta = |line: &Value, col: &str| -> Value {
        match col {
            "calls" | "upset_calls" => Value::Null,
            "mean_score" | "pass_rate" | "any_violation_rate" | "calmed_rate" => {
                line["delta"][col].clone()
            }
            item => line["delta"]["items"][item]["rate"].clone(),
        }
    };
    let mut values = Vec::new();
    let mut deltas = Vec::new();
    let lines = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&json["overall"]));
    for line in lines {
        let key = line["key"].as_str().unwrap().to_string();
        values.push((
            key.clone(),
            cols.iter().map(|c| num(&field(line, c))).collect(),
        ));
        deltas.push((key, cols.iter().map(|c| num(&delta(line, c))).collect()));
    }
    (values, deltas)
}

/// Splits `90.7 ▲1.2` into the number and a signed change; `-`/`–`/empty mean none.
fn split_human(cell: &str) -> (String, String) {
    let cell = cell.trim();
    let (value, change) = match cell.split_once(' ') {
        Some((v, c)) => (v, c),
        None => (cell, ""),
    };
    let value = match value {
        "-" | "–" | "" => "none".to_string(),
        v => v.to_string(),
    };
    let change = if let Some(c) = change.strip_prefix('▲') {
        c.to_string()
    } else if let Some(c) = change.strip_prefix('▼') {
        format!("-{c}")
    } else if change == "=" {
        "0.0".to_string()
    } else {
        "none".to_string()
    };
    (value, change)
}

fn human_lines(rows: Vec<Vec<String>>) -> (Lines, Lines) {
    let mut values = Vec::new();
    let mut deltas = Vec::new();
    for cells in rows {
        let key = cells[0].trim().replace('\\', "");
        let (v, d): (Vec<String>, Vec<String>) = cells[1..].iter().map(|c| split_human(c)).unzip();
        values.push((key.clone(), v));
        deltas.push((key, d));
    }
    (values, deltas)
}

fn table_rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('│'))
        .skip(1)
        .map(|l| {
            l.trim_matches('│')
                .split(['┆', '│'])
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn markdown_rows(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The report table of the HTML page: per cell, the shown number and its change note.
fn html_rows(html: &str) -> Vec<Vec<String>> {
    let table = &html[html.find("id=\"report-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let row_re = regex::Regex::new(r"<tr[^>]*>(.*?)</tr>").unwrap();
    // The key cell wraps its text in an indenting span, and a link to the line's call.
    let cell_re = regex::Regex::new(
        r#"<td[^>]*>(?:<span style="[^"]*">)?(?:<a [^>]*>)?([^<]*)(?:</a>)?(?:</span>)?(?:<span class="d[^"]*">([^<]*)</span>)?</td>"#,
    )
    .unwrap();
    row_re
        .captures_iter(table)
        .skip(1) // the heading row
        .map(|r| {
            cell_re
                .captures_iter(&r[1])
                .map(|c| {
                    let note = c.get(2).map_or("", |m| m.as_str());
                    let note = if note == "new" { "" } else { note };
                    format!("{} {note}", &c[1]).trim().to_string()
                })
                .collect()
        })
        .collect()
}

fn csv_lines(text: &str, cols: &[String], with_delta: bool) -> (Lines, Lines) {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut values = Vec::new();
    let mut deltas = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let get = |name: &str| -> String {
            header
                .iter()
                .position(|h| h == name)
                .map_or("none".to_string(), |i| match &rec[i] {
                    "" => "none".to_string(),
                    v => v.to_string(),
                })
        };
        values.push((rec[0].to_string(), cols.iter().map(|c| get(c)).collect()));
        if with_delta {
            deltas.push((
                rec[0].to_string(),
                cols.iter()
                    .map(|c| {
                        if c == "calls" || c == "upset_calls" {
                            "none".to_string()
                        } else {
                            get(&format!("{c}_delta"))
                        }
                    })
                    .collect(),
            ));
        }
    }
    (values, deltas)
}

#[test]
fn all_formats_agree_on_every_number() {
    let dir = with_baseline();
    let render = |format: &str| against_baseline(dir.path(), format, &["--sort", "score"]);
    let json: Value = serde_json::from_str(&render("json")).unwrap();
    let csv_text = render("csv");
    let cols: Vec<String> = csv_text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .take_while(|c| *c != "calls_delta")
        // The interval is in CSV, JSON and HTML's tooltips, not in the table's columns.
        .filter(|c| !c.starts_with("pass_rate_"))
        .map(String::from)
        .collect();
    assert!(cols.len() > 10, "{cols:?}");
    let (want, want_delta) = json_lines(&json, &cols);
    assert_eq!(want.len(), 5, "four agents and the overall line");
    // Deltas are real: the baseline lacks a third of the calls.
    assert!(
        want_delta
            .iter()
            .any(|(_, d)| d.iter().any(|x| x != "none" && x != "0.0"))
    );

    let (csv_values, csv_deltas) = csv_lines(&csv_text, &cols, true);
    assert_eq!(csv_values, want, "CSV");
    assert_eq!(csv_deltas, want_delta, "CSV deltas");

    for (name, rows) in [
        ("table", table_rows(&render("table"))),
        ("markdown", markdown_rows(&render("markdown"))),
        ("html", html_rows(&render("html"))),
    ] {
        let (values, deltas) = human_lines(rows);
        assert_eq!(values, want, "{name}");
        // The human formats show no change for counts.
        assert_eq!(deltas, want_delta, "{name} deltas");
    }
}

#[test]
fn reports_go_to_stdout_and_nothing_else_does() {
    let out = common::callaudit()
        .current_dir(root())
        .args(["audit", "examples/data", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // stdout is exactly one JSON document; the run summary is on stderr.
    serde_json::from_slice::<Value>(&out.stdout).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("12 calls and 74 rows audited"), "{err}");

    let quiet = common::callaudit()
        .current_dir(root())
        .args(["audit", "examples/data", "-q"])
        .output()
        .unwrap();
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn output_files_are_written_whole_and_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [
        ("table", "r.txt"),
        ("csv", "r.csv"),
        ("json", "r.json"),
        ("markdown", "r.md"),
        ("html", "r.html"),
    ] {
        let target = dir.path().join(name);
        let stdout = audit(&["--format", format, "-o", target.to_str().unwrap()]);
        assert!(
            stdout.is_empty(),
            "{format}: the report went to the file only"
        );
        let written = std::fs::read_to_string(&target).unwrap();
        assert_eq!(written, audit(&["--format", format]), "{format}");
    }
    // No temporary files are left beside the reports.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn one_path_for_two_outputs_is_refused() {
    let out = common::callaudit()
        .current_dir(root())
        .args([
            "audit",
            "examples/data",
            "-o",
            "x.csv",
            "--evidence",
            "x.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-o and --evidence both name x.csv"), "{err}");
    assert!(!root().join("x.csv").exists());
}

#[test]
fn an_unwritable_output_fails_before_the_work() {
    let out = common::callaudit()
        .current_dir(root())
        .args(["audit", "examples/data", "-o", "no/such/dir/r.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/dir/r.json"), "{err}");
    assert!(
        !err.contains("rows audited"),
        "failed before reading: {err}"
    );
}

#[test]
fn bad_baselines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        "{\n \"tool\": \"callaudit\",\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("other.json"), "{\"tool\": \"x\"}").unwrap();
    for (file, says) in [
        ("bad.json", "--baseline bad.json:3:1: not JSON"),
        (
            "other.json",
            "--baseline other.json: not a callaudit JSON report",
        ),
        ("missing.json", "--baseline missing.json"),
    ] {
        let out = common::callaudit()
            .current_dir(dir.path())
            .args([
                "audit",
                root().join("examples/data").to_str().unwrap(),
                "--baseline",
                file,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{file}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_baseline_with_absurd_numbers_is_refused_not_printed_as_inf() {
    let dir = with_baseline();
    let prev: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("prev.json")).unwrap()).unwrap();
    for (what, edit) in [
        ("overall mean_score", "/overall/mean_score"),
        ("a group's pass rate", "/groups/0/pass_rate"),
        ("violations", "/overall/violations_per_100_calls"),
    ] {
        let mut absurd = prev.clone();
        *absurd.pointer_mut(edit).unwrap() = serde_json::json!(1e308);
        std::fs::write(dir.path().join("absurd.json"), absurd.to_string()).unwrap();
        let out = common::callaudit()
            .current_dir(dir.path())
            .args([
                "audit",
                "data",
                "--baseline",
                "absurd.json",
                "--color",
                "never",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.contains("--baseline absurd.json: line"),
            "{what}: {err}"
        );
        assert!(err.contains("1e308"), "{what}: {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("inf"));
    }
}

#[test]
fn a_baseline_grouped_otherwise_compares_only_the_overall_line() {
    let dir = with_baseline();
    let out = common::callaudit()
        .current_dir(dir.path())
        .args([
            "audit",
            "data",
            "--baseline",
            "prev.json",
            "--group-by",
            "date",
            "--format",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    common::assert_says(
        &err,
        &[
            "grouped by agent, this report by date: the report shows changes for the (all) line only",
        ],
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["overall"]["delta"]["mean_score"].is_number());
    assert!(
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["delta"].is_null())
    );
}

#[test]
fn html_is_self_contained() {
    let html = audit(&["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no URLs"
    );
    let attr = regex::Regex::new(r#"(?:src|href)="([^"]*)""#).unwrap();
    for c in attr.captures_iter(&html) {
        // In the page itself: data, or a place in it (a line's link to its call).
        assert!(
            c[1].starts_with("data:") || c[1].starts_with("#call-"),
            "external reference {}",
            &c[1]
        );
    }
    assert!(html.contains("default-src 'none'"), "a CSP forbids fetches");
    for part in [
        "<style>",
        "<script>",
        "id=\"scores\"",
        "id=\"heatmap\"",
        "id=\"report-table\"",
        "id=\"rubric\"",
        "id=\"run\"",
    ] {
        assert!(html.contains(part), "{part}");
    }
}

#[test]
fn colour_follows_the_flag() {
    let always = run_in(
        &root(),
        &["audit", "examples/data", "-q", "--color", "always"],
        0,
    );
    assert!(always.contains('\x1b'), "--color always colours a pipe");
    let never = audit(&[]);
    assert!(!never.contains('\x1b'));
    // auto on a pipe: no colour.
    let auto = run_in(&root(), &["audit", "examples/data", "-q"], 0);
    assert!(!auto.contains('\x1b'));
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    for shell in ["bash", "zsh", "fish"] {
        let script = run_in(&root(), &["completions", shell], 0);
        assert!(script.contains("callaudit"), "{shell}");
        assert!(
            script.contains("fail-agent-under"),
            "{shell}: audit's flags"
        );
        assert!(script.contains("baseline"), "{shell}");
    }
    let man = run_in(&root(), &["man"], 0);
    assert!(man.contains(".TH callaudit 1"));
    for section in [
        ".SH \"CALLAUDIT AUDIT\"",
        ".SH \"CALLAUDIT EXPLAIN\"",
        ".SH \"CALLAUDIT RUBRIC TEST\"",
    ] {
        assert!(man.contains(section), "{section}");
    }
    assert!(man.contains("\\-\\-fail\\-under"));
}

/// Runs a command line on a pseudo-terminal (util-linux `script`), returning what the
/// terminal showed; `None` when `script` is not installed.
fn on_terminal(dir: &Path, cmdline: &str, env: &[(&str, &str)]) -> Option<String> {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping: util-linux `script` is not installed");
        return None;
    }
    let mut cmd = std::process::Command::new("script");
    cmd.current_dir(dir)
        .args(["-qec", cmdline, "/dev/null"])
        .env_remove("CI")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_bar_only_on_a_terminal_and_not_when_quiet_or_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    // Just over the 1 MiB below which no bar is shown.
    let mut data = String::from("call_id,agent_id,date,turn,speaker,text\n");
    let mut call = 0;
    while data.len() < (1 << 20) + 4096 {
        call += 1;
        data.push_str(&format!(
            "C{call},agent{},2026-11-{:02},1,customer,\"My bill is wrong again and I am annoyed.\"\n\
             C{call},agent{},2026-11-{:02},2,agent,\"I'm so sorry, I understand how frustrating that is.\"\n",
            call % 5,
            1 + call % 28,
            call % 5,
            1 + call % 28
        ));
    }
    std::fs::write(dir.path().join("big.csv"), data).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let run = format!("{} audit big.csv -o report.csv", bin.display());
    let Some(shown) = on_terminal(dir.path(), &run, &[]) else {
        return;
    };
    assert!(shown.contains("auditing"), "a bar on a terminal: {shown:?}");
    let quiet = on_terminal(dir.path(), &format!("{run} --quiet"), &[]).unwrap();
    assert!(!quiet.contains("auditing"), "--quiet: {quiet:?}");
    let ci = on_terminal(dir.path(), &run, &[("CI", "true")]).unwrap();
    assert!(!ci.contains("auditing"), "CI: {ci:?}");
    // A pipe never gets one.
    let piped = common::callaudit()
        .current_dir(dir.path())
        .env_remove("CI")
        .args(["audit", "big.csv", "-o", "report.csv"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("auditing"));
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let run = format!("{} audit examples/data -q", bin.display());
    let Some(coloured) = on_terminal(&root(), &run, &[]) else {
        return;
    };
    assert!(coloured.contains('\x1b'), "auto colours a terminal");
    let plain = on_terminal(&root(), &run, &[("NO_COLOR", "1")]).unwrap();
    assert!(!plain.contains("\x1b["), "NO_COLOR: {plain:?}");
}

#[test]
fn the_table_fits_the_terminal_without_breaking_numbers() {
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let run = format!(
        "stty cols 80; {} audit examples/data -q --color never",
        bin.display()
    );
    let Some(shown) = on_terminal(&root(), &run, &[]) else {
        return;
    };
    let table: Vec<&str> = shown
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
        .collect();
    assert!(table.len() > 5, "{shown}");
    for line in &table {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    for whole in ["cara.diaz", "dev.patel", "100.0", "(all)"] {
        assert!(shown.contains(whole), "{whole} broken: {shown}");
    }
    assert!(shown.contains("not shown, to fit 80 columns: "), "{shown}");
}

/// The HTML report of the built-in rubric says which columns to read with care: the items whose
/// held-out F1 is below 0.80 (one list, `rubric::HELD_OUT_BELOW_0_80`), and where the figures
/// come from (docs/accuracy.md's held-out table), and in itself what F1 below 0.80 means for
/// reading those columns (tester t26 R2). A report of another rubric makes no such claim.
#[test]
fn html_names_the_items_below_0_80_held_out() {
    let html = audit(&["--format", "html"]);
    let note_at = html
        .find("id=\"accuracy-note\"")
        .expect("the HTML report carries the accuracy note");
    let note = &html[note_at..html[note_at..].find("</p>").unwrap() + note_at];
    assert!(note.contains("docs/accuracy.md"), "{note}");
    assert!(note.contains("held-out"), "{note}");
    // What F1 below 0.80 means for reading the columns is said in the note itself: a team lead
    // who gets the report by mail has no callaudit source to look it up in (tester t26 R2).
    assert!(
        note.contains(
            "F1 measures how well the tool agrees with a QA analyst on whether an item happened \
             in a call (1.00: always), and below 0.80 it misses the item or finds it where there \
             was none often enough that a rate in these columns can be wrong for an agent or a \
             team, so read a few of their calls before acting on one."
        ),
        "{note}"
    );
    assert!(!note.contains("see the held-out table"), "{note}");
    let rubric = callaudit::rubric::Rubric::default_rubric();
    assert_eq!(rubric.name, callaudit::rubric::DEFAULT_RUBRIC_NAME);
    assert!(!callaudit::rubric::HELD_OUT_BELOW_0_80.is_empty());
    for (id, f1) in callaudit::rubric::HELD_OUT_BELOW_0_80 {
        let label = &rubric.items.iter().find(|i| i.id == *id).unwrap().label;
        assert!(
            note.contains(&format!("{label} {f1}")),
            "{id} {f1} in {note}"
        );
    }

    let html = audit(&["--format", "html", "--rubric", "examples/rubric.toml"]);
    assert!(!html.contains("id=\"accuracy-note\""));
}

/// A table of more calls than comfy-table is given at once (the rows go to it in pages) is
/// still one table: one top border, one header, one bottom border, every line as wide as the
/// others (the call ids grow longer page after page, so pages laid out apart would differ), and
/// every call once, in the CSV's order and with its scores.
#[test]
fn a_table_longer_than_a_page_is_one_table_of_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("call_id,agent_id,speaker,text\n");
    for c in 0..4500 {
        let agent = format!("agent{}", c % 9);
        let call = format!("c{c:05}{}", "x".repeat(c / 1000));
        csv.push_str(&format!(
            "{call},{agent},customer,\"My order {c} is late!\"\n"
        ));
        let reply = match c % 3 {
            0 => "I am so sorry about that. Let me check the order for you.",
            1 => "Thank you for waiting, it ships today. Anything else?",
            _ => "Checking.",
        };
        csv.push_str(&format!("{call},{agent},agent,\"{reply}\"\n"));
    }
    std::fs::write(dir.path().join("calls.csv"), csv).unwrap();
    let per_call = ["audit", "calls.csv", "--group-by", "call", "-q"];
    let table = run_in(
        dir.path(),
        &[&per_call[..], &["--color", "never"]].concat(),
        0,
    );
    for edge in ['┌', '╞', '└'] {
        let n = table.lines().filter(|l| l.starts_with(edge)).count();
        assert_eq!(n, 1, "lines starting with {edge}");
    }
    let box_lines: Vec<usize> = table
        .lines()
        .take_while(|l| l.starts_with(['┌', '│', '╞', '└']))
        .map(|l| l.chars().count())
        .collect();
    assert_eq!(
        box_lines.len(),
        4501 + 4,
        "calls, overall line, header, borders"
    );
    assert!(
        box_lines.iter().all(|&w| w == box_lines[0]),
        "lines of other widths"
    );
    let rows = table_rows(&table);
    let csv = run_in(
        dir.path(),
        &[&per_call[..], &["--format", "csv"]].concat(),
        0,
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let expected: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[4].to_string())
        })
        .collect();
    assert_eq!(expected.len(), 4501, "4,500 calls and the overall line");
    let shown: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[4].clone())).collect();
    assert_eq!(shown, expected);
}

/// The run line of the Markdown and HTML reports said "53 rows skipped" for rows `--last` left
/// out, with no reason, which a manager reads as bad data; it now gives the reasons, as the
/// stderr summary does.
#[test]
fn the_run_line_says_why_rows_were_skipped() {
    for format in ["markdown", "html"] {
        let out = audit(&["--last", "3d", "--as-of", "2026-11-16", "--format", format]);
        assert!(
            out.contains("3 calls audited (21 rows) from 2 file(s), dated 2026-11-14 to 2026-11-16; 53 rows skipped (53 filtered out)"),
            "{format}: {out}"
        );
    }
}

/// The HTML headline figures show a missing number as `–`, not `–%` (tester t5's F7): the
/// calmed rate of a run with no upset customer, and every rate of an empty run.
#[test]
fn html_figures_show_a_missing_rate_without_a_percent_sign() {
    let w = common::Workdir::new();
    w.write(
        "calls.csv",
        common::csv_of(&[("c1", "ann", "agent", "Hello, thanks for calling")]),
    );
    w.write("empty.csv", "call_id,agent_id,speaker,text\n");
    let figures = |args: &[&str]| -> Vec<String> {
        let html = run_in(w.dir.path(), args, 0);
        let re = regex::Regex::new(r#"<div class="v">([^<]*)"#).unwrap();
        re.captures_iter(&html).map(|c| c[1].to_string()).collect()
    };
    let some = figures(&["audit", "calls.csv", "-q", "--format", "html"]);
    assert_eq!(some.len(), 5, "{some:?}");
    assert!(some[2].ends_with('%') && some[3].ends_with('%'), "{some:?}");
    assert_eq!(some[4], "–", "no upset customer: {some:?}");
    let none = figures(&[
        "audit",
        "empty.csv",
        "-q",
        "--allow-empty",
        "--format",
        "html",
    ]);
    assert_eq!(none, ["0", "–", "–", "–", "–"]);
}

/// The CSV report is UTF-8 without a byte order mark, as scripts expect; `--csv-bom` (also
/// `csv-bom = true` in a config file, `CALLAUDIT_CSV_BOM`) starts it with one, which Excel needs
/// to show `Zoë 李雷` rather than `ZoÃ« æŽé›·` (tester t5's F6). Other formats get none, with
/// a warning.
#[test]
fn csv_bom_is_opt_in() {
    let w = common::Workdir::new();
    w.write(
        "calls.csv",
        common::csv_of(&[("c1", "Zoë 李雷", "agent", "Hello, thanks for calling")]),
    );
    let plain = run_in(
        w.dir.path(),
        &["audit", "calls.csv", "-q", "--format", "csv"],
        0,
    );
    assert!(plain.starts_with("agent,calls,"), "{plain}");
    assert!(plain.contains("\nZoë 李雷,1,"), "{plain}");
    let bom = run_in(
        w.dir.path(),
        &["audit", "calls.csv", "-q", "--format", "csv", "--csv-bom"],
        0,
    );
    assert_eq!(bom.strip_prefix('\u{feff}'), Some(plain.as_str()));
    let out = common::callaudit()
        .current_dir(w.dir.path())
        .env("CALLAUDIT_CSV_BOM", "1")
        .args(["audit", "calls.csv", "-q", "--no-config", "-o", "r.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::read(w.path("r.csv"))
            .unwrap()
            .starts_with(b"\xef\xbb\xbfagent,")
    );
    let out = common::callaudit()
        .current_dir(w.dir.path())
        .args(["audit", "calls.csv", "-q", "--format", "json", "--csv-bom"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.first(), Some(&b'{'));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--csv-bom: the report is not CSV"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Chart labels are cut by display width to fit the label column, their start kept, with the
/// whole name in a tooltip: 25 capitals ran off the chart's left edge (`)MILIAN WOLFGANG
/// WORTH…`), and 25 CJK characters twice as far (tester t5's F8). `.ci/html_check.py` measures
/// the labels in Chromium.
#[test]
fn html_chart_labels_fit_the_label_column_and_keep_the_whole_name_in_a_tooltip() {
    let w = common::Workdir::new();
    let caps = "MAXIMILIAN WOLFGANG WORTHINGTON-SMYTHE";
    let cjk = "李".repeat(25);
    w.write(
        "calls.csv",
        common::csv_of(&[
            ("c1", caps, "agent", "Hello, thanks for calling"),
            ("c2", &cjk, "agent", "Hello"),
        ]),
    );
    let html = run_in(
        w.dir.path(),
        &["audit", "calls.csv", "-q", "--format", "html"],
        0,
    );
    let labels =
        regex::Regex::new(r#"<text x="182" y="[0-9.]+" text-anchor="end"[^>]*>([^<]*)</text>"#)
            .unwrap();
    let shown: Vec<&str> = labels
        .captures_iter(&html)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(shown.len(), 6, "two charts, three lines each: {shown:?}");
    for label in &shown[..2] {
        let kept = label.strip_suffix('…').unwrap_or_else(|| panic!("{label}"));
        assert!(
            caps.starts_with(kept) || cjk.starts_with(kept),
            "{label}: the start is kept"
        );
    }
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with("MAXIMILIAN") && l.chars().count() < 25)
    );
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with('李') && l.chars().count() <= 14)
    );
    assert!(
        html.contains(&format!("<g><title>{caps}</title><text")),
        "heat map tooltip"
    );
    assert!(
        html.contains(&format!("<g><title>{caps}: mean score")),
        "bar tooltip"
    );
}

/// A mean or rate that is exactly x.x5 rounds up, from the exact counts, in every format and
/// gate (tester t11, finding 6). Each of ann's three calls scores 12.05 (100 for the greeting,
/// less a penalty of 87.95), so her mean is 12.05 exactly, and a spreadsheet's average of the
/// `--calls` scores rounds to 12.1; summed as floats it was 12.0499…, printed 12.0 beside her
/// calls' own 12.1, and `--fail-under 12.05` failed on it.
#[test]
fn a_mean_of_exactly_x_x5_rounds_up_everywhere() {
    let w = common::Workdir::new();
    w.write(
        "rubric.toml",
        r#"[rubric]
name = "tie"
pass_mark = 50

[[item]]
id = "greeting"
kind = "expected"
phrases = ["hello"]

[[item]]
id = "transfer"
kind = "violation"
penalty = 87.95
phrases = ["transfer you"]
"#,
    );
    w.write(
        "calls.csv",
        "call_id,agent_id,date,speaker,text\n\
         c1,ann,2026-11-20,agent,\"hello, let me transfer you\"\n\
         c2,ann,2026-11-20,agent,\"hello, let me transfer you\"\n\
         c3,ann,2026-11-20,agent,\"hello, let me transfer you\"\n\
         c4,bo,2026-11-21,agent,hello\n",
    );
    let dir = w.dir.path();
    let base = ["audit", "calls.csv", "--rubric", "rubric.toml", "-q"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    let with = |extra: &[&'static str]| with(&base, extra);
    let csv = run_in(
        dir,
        &with(&["--format", "csv", "--calls", "calls-out.csv"]),
        0,
    );
    let scores: Vec<String> = common::read_calls_csv(&dir.join("calls-out.csv"))
        .iter()
        .map(|r| r["score"].clone())
        .collect();
    assert_eq!(scores, ["12.05", "12.05", "12.05", "100.00"]);
    assert!(csv.contains("\nann,3,12.1,"), "{csv}");
    // (3 × 12.05 + 100) / 4 = 34.0375; the (all) line is not a tie, a check of the rest.
    assert!(csv.contains("\n(all),4,34.0,"), "{csv}");
    let json: Value = serde_json::from_str(&run_in(dir, &with(&["--format", "json"]), 0)).unwrap();
    assert_eq!(json["groups"][0]["mean_score"], 12.1);
    assert_eq!(
        json["trend"][0]["mean_score"], 12.1,
        "the day of ann's calls"
    );
    let md = run_in(dir, &with(&["--format", "markdown"]), 0);
    assert!(md.contains("| ann | 3 | 12.1 |"), "{md}");
    // Score gates compare the printed number: 12.1 is not below 12.05.
    run_in(
        dir,
        &with(&["--agent", "ann", "--fail-under", "12.05", "-o", "/dev/null"]),
        0,
    );
    run_in(
        dir,
        &with(&["--fail-agent-under", "12.1", "-o", "/dev/null"]),
        0,
    );
    run_in(
        dir,
        &with(&["--fail-agent-under", "12.15", "-o", "/dev/null"]),
        1,
    );
    // A merge of the run's partial is the run, byte for byte.
    run_in(
        dir,
        &with(&["--save-partial", "run.partial", "-o", "/dev/null"]),
        0,
    );
    let merged = run_in(dir, &["merge", "run.partial", "-q", "--format", "csv"], 0);
    assert_eq!(merged, csv);
}

/// Every report says which filters chose its calls (tester t11's F3): a team lead given
/// `billing.html` could not tell that it covered one team over 30 days, though the partial of
/// the same run recorded it. HTML and Markdown state them in the header, JSON in `run.filters`
/// (`--last` resolved to its days, as the partial records them); a run without filters says
/// none.
#[test]
fn reports_state_the_filters_that_chose_their_calls() {
    let args = [
        "--metadata",
        "examples/teams.csv",
        "--team",
        "billing",
        "--last",
        "30d",
        "--as-of",
        "2026-12-02",
    ];
    let said = "dated 2026-11-03 to 2026-12-02; team billing";
    let html = audit(&[&args[..], &["--format", "html"]].concat());
    let header = html.split("</header>").next().unwrap();
    assert!(
        header.contains(&format!("filters: {said} · 6 calls audited")),
        "{header}"
    );
    assert!(html.contains(&format!("<dt>Filters</dt><dd>{said}</dd>")));
    let md = audit(&[&args[..], &["--format", "markdown"]].concat());
    assert!(md.contains(&format!("\n- **Filters:** {said}\n")), "{md}");
    let json: Value =
        serde_json::from_str(&audit(&[&args[..], &["--format", "json"]].concat())).unwrap();
    assert_eq!(
        json["run"]["filters"],
        serde_json::json!({
            "text": said,
            "windows": [{"since": "2026-11-03", "until": "2026-12-02"}],
            "agents": [],
            "teams": ["billing"],
        })
    );
    // The dates of the calls audited are still those of the calls.
    assert_eq!(json["run"]["first_date"], "2026-11-16");
    let agents = audit(&[
        "--agent", "bo.chen", "--agent", "ann.lee", "--format", "json",
    ]);
    let json: Value = serde_json::from_str(&agents).unwrap();
    assert_eq!(json["run"]["filters"]["text"], "agent ann.lee, bo.chen");
    assert_eq!(json["run"]["filters"]["windows"], serde_json::json!([]));
    // No filter: none said in the header, `null` text in JSON.
    let json: Value = serde_json::from_str(&audit(&["--format", "json"])).unwrap();
    assert_eq!(json["run"]["filters"]["text"], Value::Null);
    let html = audit(&["--format", "html"]);
    assert!(!html.contains("filters:"));
    assert!(html.contains("<dt>Filters</dt><dd>none</dd>"));
    assert!(!audit(&["--format", "markdown"]).contains("**Filters:**"));
}

/// A printed (or PDF) HTML report lost its last columns and every transcript but the first
/// (tester t11's F4): the page had no print rules. It now prints landscape, the table smaller
/// to fit, every `<details>` opened before printing by a script the page's CSP allows (and by
/// `::details-content` where a print runs no script), without the sorting chrome.
/// `.ci/html-check.sh` checks the printed layout in Chromium.
#[test]
fn the_html_report_prints_every_column_and_every_transcript() {
    let html = audit(&["--format", "html"]);
    assert!(
        html.contains("script-src 'unsafe-inline'"),
        "the CSP runs inline scripts"
    );
    let print = html
        .split("@media print {")
        .nth(1)
        .expect("print rules")
        .split("\n}\n")
        .next()
        .unwrap();
    for rule in [
        "@page { size: landscape;",
        "#report-table { font-size: 8px;",
        "thead th { position: static; }",
        ".screen { display: none; }",
    ] {
        assert!(print.contains(rule), "{rule}: {print}");
    }
    assert!(html.contains("details::details-content { content-visibility: visible;"));
    assert!(html.contains(r#"window.addEventListener("beforeprint""#));
    assert!(html.contains(r#"document.querySelectorAll("details:not([open])")"#));
    assert!(html.contains(r#"<span class="screen">Click a heading to sort"#));
}

/// With `--keep-going`, a file that could not be read was missing from the header of the HTML
/// and Markdown reports, which said "0 rows skipped" (tester t11's F5): only a counter at the
/// bottom of the page told. The header's run line now says how many files were passed over.
#[test]
fn the_run_line_says_how_many_files_were_passed_over() {
    let w = common::Workdir::new();
    for f in ["calls.csv", "calls.jsonl"] {
        std::fs::copy(root().join("examples/data").join(f), w.path(f)).unwrap();
    }
    w.write(
        "cut.json",
        "{\"call_id\": \"x1\", \"agent_id\": \"ann\", \"turns\": [{\"spea",
    );
    let args = [
        "audit",
        "calls.csv",
        "calls.jsonl",
        "cut.json",
        "--keep-going",
        "-q",
    ];
    let line = "12 calls audited (74 rows) from 2 file(s), dated 2026-11-12 to 2026-11-20; 0 rows skipped; 1 file unreadable (passed over)";
    let html = run_in(
        w.dir.path(),
        &[&args[..], &["--format", "html"]].concat(),
        0,
    );
    let header = html.split("</header>").next().unwrap();
    assert!(header.contains(line), "{header}");
    let md = run_in(
        w.dir.path(),
        &[&args[..], &["--format", "markdown"]].concat(),
        0,
    );
    assert!(md.contains(&format!("- **Run:** {line}\n")), "{md}");
    // Two of them.
    w.write("cut2.json", "{\"call_id\": ");
    let md = run_in(
        w.dir.path(),
        &[&args[..], &["cut2.json", "--format", "markdown"]].concat(),
        0,
    );
    assert!(md.contains("; 2 files unreadable (passed over)\n"), "{md}");
}

/// An HTML report with no call in its date window said "No call has a date: there is no trend
/// to draw", though every call had one (tester t11's F8). It now says what the run says: no
/// call in the window asked for, and how many calls were dated before or after it.
#[test]
fn an_empty_window_says_so_rather_than_that_no_call_has_a_date() {
    let html = audit(&[
        "--last",
        "7d",
        "--as-of",
        "2026-12-02",
        "--allow-empty",
        "--format",
        "html",
    ]);
    assert!(!html.contains("No call has a date"), "{html}");
    assert!(
        html.contains("No call in the date window asked for (2026-11-26 to 2026-12-02): 12 calls dated 2026-11-12 to 2026-11-20 are before it: there is no trend to draw."),
        "{html}"
    );
    let html = audit(&[
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-15",
        "--agent",
        "nobody",
        "--allow-empty",
        "--format",
        "html",
    ]);
    assert!(
        html.contains("No call matched the filters (dated 2026-11-01 to 2026-11-15; agent nobody): 12 call(s) filtered out ("),
        "{html}"
    );
    // Calls audited, none dated: that is still what the page says.
    let w = common::Workdir::new();
    w.write(
        "undated.csv",
        common::csv_of(&[("u1", "ann", "agent", "hello, thank you")]),
    );
    let html = run_in(
        w.dir.path(),
        &["audit", "undated.csv", "-q", "--format", "html"],
        0,
    );
    assert!(html.contains("No call has a date: there is no trend to draw."));
}

/// The HTML report embedded every listed transcript whole (tester t11's F10): 20 long chats
/// made an 11 MB page, past what mail takes. Each transcript is now bounded: a long turn shows
/// its beginning, or the words around its matches, and past 20,000 characters turns are left
/// out, those with a match last; a note says what was cut and how to see it all.
#[test]
fn the_html_report_bounds_each_transcript() {
    let w = common::Workdir::new();
    w.write("rubric.toml", common::gate_rubric("long"));
    let words = "word ".repeat(500);
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for c in 0..4 {
        let id = format!("L{c}");
        for t in 0..200 {
            let (speaker, text) = if t % 2 == 0 {
                ("customer", format!("This is long. {words}"))
            } else if t == 101 {
                // A match deep in a long turn.
                ("agent", format!("{words}thank you for waiting {words}"))
            } else {
                ("agent", format!("Let me transfer you. {words}"))
            };
            rows.push((id.clone(), "long.agent".into(), speaker.into(), text));
        }
    }
    let rows: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|(c, a, s, t)| (c.as_str(), a.as_str(), s.as_str(), t.as_str()))
        .collect();
    let csv = common::csv_of(&rows);
    assert!(csv.len() > 1_900_000, "{}", csv.len());
    w.write("long.csv", &csv);
    let html = run_in(
        w.dir.path(),
        &[
            "audit",
            "long.csv",
            "--rubric",
            "rubric.toml",
            "-q",
            "--format",
            "html",
        ],
        0,
    );
    assert_eq!(html.matches("<details id=\"call-").count(), 4);
    assert!(html.len() < 250_000, "{} bytes", html.len());
    let note = regex::Regex::new(
        r"Shortened for the page: (\d+) long turn\(s\) shown in part \(… where cut\), (\d+) of the 200 turns left out;",
    )
    .unwrap();
    let n = note.captures_iter(&html).count();
    assert_eq!(n, 4, "a note on each transcript");
    for c in note.captures_iter(&html) {
        let (cut, out): (usize, usize) = (c[1].parse().unwrap(), c[2].parse().unwrap());
        assert!(cut > 50 && out > 50 && cut + out <= 200, "{}", &c[0]);
    }
    assert!(
        html.contains("<code>callaudit explain INPUT --call L0</code> shows the whole transcript")
    );
    assert!(html.contains("turn(s) left out ("));
    // The match deep in its turn is shown, marked, with its words around it.
    assert!(
        html.contains(r#"word word <mark class="expected" title="thanks">thank you</mark><sup>thanks</sup> for waiting word"#),
        "the deep match"
    );
    // A turn after a gap keeps its number.
    assert!(html.contains(r#"<li value="#));
}

/// The HTML trend is drawn per ISO week when the calls span more than nine weeks, first day to
/// last, as reports.md says; it used to switch on the number of distinct days (tester t14's
/// finding 2): one call a week for 40 weeks was drawn per day, 64 days in a row per week.
#[test]
fn the_html_trend_is_weekly_when_the_calls_span_more_than_nine_weeks() {
    let unit = |days: &[chrono::NaiveDate]| -> String {
        let w = common::Workdir::new();
        let mut csv = String::from("call_id,agent_id,date,speaker,text\n");
        for (i, d) in days.iter().enumerate() {
            csv.push_str(&format!("c{i},ann,{d},agent,Thanks for calling\n"));
        }
        w.write("calls.csv", csv);
        let html = run_in(
            w.dir.path(),
            &["audit", "calls.csv", "-q", "--format", "html"],
            0,
        );
        let re = regex::Regex::new(r"Per (day|ISO week); hover").unwrap();
        re.captures(&html).expect("a trend legend")[1].to_string()
    };
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let every = |step: i64, n: i64| -> Vec<chrono::NaiveDate> {
        (0..n)
            .map(|i| start + chrono::Duration::days(step * i))
            .collect()
    };
    // Span, not count: few points far apart are weeks, many points close together are days.
    assert_eq!(unit(&every(7, 40)), "ISO week", "one call a week, 40 weeks");
    assert_eq!(unit(&every(11, 8)), "ISO week", "8 calls over 11 weeks");
    assert_eq!(unit(&every(357, 2)), "ISO week", "2 calls 51 weeks apart");
    // The boundary: 63 days (nine weeks) are days, 64 are weeks.
    assert_eq!(unit(&every(62, 2)), "day", "2 calls spanning 63 days");
    assert_eq!(unit(&every(63, 2)), "ISO week", "2 calls spanning 64 days");
    assert_eq!(unit(&every(1, 63)), "day", "63 days in a row");
    assert_eq!(unit(&every(1, 64)), "ISO week", "64 days in a row");
}

/// `--csv-item-n` follows each item's column of the CSV report with its n, `ITEM_n`: the calls
/// the item applied to, as the JSON's `applicable` (tester t17's F10: "Empathy 0.0" may be 0 of
/// 3 upset calls). Off by default, the columns unchanged; from the environment too; refused
/// with a warning for another format.
#[test]
fn csv_item_n_is_opt_in_and_gives_each_items_n() {
    let plain = audit(&["--format", "csv"]);
    assert!(!plain.lines().next().unwrap().contains("_n,"), "{plain}");
    let csv = audit(&["--format", "csv", "--csv-item-n"]);
    let json: Value = serde_json::from_str(&audit(&["--format", "json"])).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let plain_header: Vec<&str> = plain.lines().next().unwrap().split(',').collect();
    let without_n: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|c| !c.ends_with("_n"))
        .collect();
    assert_eq!(without_n, plain_header, "the other columns as they were");
    let items: Vec<&str> = json["rubric"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] != "signal")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    for item in &items {
        let at = header.iter().position(|c| c == item).unwrap();
        assert_eq!(header[at + 1], format!("{item}_n"), "after {item}");
    }
    let lines: Vec<&Value> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&json["overall"]])
        .collect();
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), lines.len());
    for (record, line) in records.iter().zip(&lines) {
        for item in &items {
            let at = header
                .iter()
                .position(|c| *c == format!("{item}_n"))
                .unwrap();
            assert_eq!(
                record[at],
                line["items"][item]["applicable"].to_string(),
                "{item} of {}",
                line["key"]
            );
        }
    }
    let out = common::callaudit()
        .current_dir(root())
        .env("CALLAUDIT_CSV_ITEM_N", "1")
        .args([
            "audit",
            "examples/data",
            "-q",
            "--no-config",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), csv);
    let out = common::callaudit()
        .current_dir(root())
        .args([
            "audit",
            "examples/data",
            "-q",
            "--format",
            "json",
            "--csv-item-n",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--csv-item-n: the report is not CSV"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The HTML report's "Items over all calls" lists the weakest item of each kind first
/// (tester t17's F10: "which item is weakest"): expected items by rate ascending, then
/// violations by rate descending, an item that never applied last of its kind, ties in rubric
/// order.
#[test]
fn html_items_over_all_calls_come_weakest_first() {
    let html = audit(&["--format", "html"]);
    let json: Value = serde_json::from_str(&audit(&["--format", "json"])).unwrap();
    let start = html.find(r#"<section id="items">"#).unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("<h2>Items over all calls, weakest first, with n</h2>"));
    let row =
        regex::Regex::new(r#"<tr class="(expected|violation)"><td title="([a-z_0-9]+)">"#).unwrap();
    let shown: Vec<(String, String)> = row
        .captures_iter(section)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    let rubric_order: Vec<&str> = json["rubric"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let rate = |id: &str| json["overall"]["items"][id]["rate"].as_f64();
    let mut expected: Vec<(String, String)> = Vec::new();
    for kind in ["expected", "violation"] {
        let mut ids: Vec<&str> = json["rubric"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == kind)
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        ids.sort_by(|a, b| {
            let by_rate = match (rate(a), rate(b)) {
                (Some(x), Some(y)) if kind == "violation" => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            };
            let place = |id: &str| rubric_order.iter().position(|r| *r == id);
            by_rate.then(place(a).cmp(&place(b)))
        });
        expected.extend(ids.iter().map(|id| (kind.to_string(), id.to_string())));
    }
    assert_eq!(shown, expected);
    assert_ne!(
        shown.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
        rubric_order
            .iter()
            .copied()
            .filter(|id| shown.iter().any(|s| s.1 == *id))
            .collect::<Vec<_>>(),
        "the example data's weakest items are not the rubric's first"
    );
}

/// The HTML charts of a report of more than 40 lines draw its 40 weakest, weakest first,
/// whatever the table's order, and say so (tester t17's F14): sorted by name, the 40 first
/// names were drawn, and the five weakest agents, named last, were in no chart.
#[test]
fn html_charts_draw_the_weakest_forty_lines_whatever_the_order() {
    let w = common::Workdir::new();
    w.write("rubric.toml", common::gate_rubric("charts"));
    let calls: Vec<(String, String)> = (0..45)
        .map(|i| {
            let text = if i >= 40 {
                "hi"
            } else if i >= 30 {
                "hello"
            } else {
                "hello, thank you"
            };
            (format!("a{i:02}"), text.to_string())
        })
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = calls
        .iter()
        .map(|(agent, text)| (agent.as_str(), agent.as_str(), "agent", text.as_str()))
        .collect();
    w.write("calls.csv", common::csv_of(&rows));
    let label =
        regex::Regex::new(r#"<text x="182" y="[0-9.]+" text-anchor="end"[^>]*>(a[0-9]+)</text>"#)
            .unwrap();
    for sort in ["name", "-score", "score"] {
        let html = run_in(
            w.dir.path(),
            &[
                "audit",
                "calls.csv",
                "--rubric",
                "rubric.toml",
                "-q",
                "--format",
                "html",
                "--sort",
                sort,
            ],
            0,
        );
        for id in ["scores", "heatmap"] {
            let start = html.find(&format!(r#"<section id="{id}">"#)).unwrap();
            let section = &html[start..start + html[start..].find("</section>").unwrap()];
            let drawn: Vec<&str> = label
                .captures_iter(section)
                .map(|c| c.get(1).unwrap().as_str())
                .collect();
            // The five at 0, then the ten at 50, then 25 of those at 100 in the table's order.
            assert_eq!(drawn.len(), 40, "--sort {sort} {id}: {drawn:?}");
            assert_eq!(
                &drawn[..5],
                ["a40", "a41", "a42", "a43", "a44"],
                "--sort {sort} {id}"
            );
            let mut fifties: Vec<&str> = drawn[5..15].to_vec();
            fifties.sort();
            let want: Vec<String> = (30..40).map(|i| format!("a{i:02}")).collect();
            assert_eq!(fifties, want, "--sort {sort} {id}");
            assert!(
                section.contains("Of the report's 45 lines, the 40 weakest by mean score are drawn, weakest first, whatever the table's order; the table below has them all."),
                "--sort {sort} {id}: {section}"
            );
        }
    }
    // 40 lines or fewer: every line, in the table's order, and no such note.
    let html = run_in(
        w.dir.path(),
        &[
            "audit",
            "calls.csv",
            "--rubric",
            "rubric.toml",
            "-q",
            "--format",
            "html",
            "--top",
            "40",
        ],
        0,
    );
    assert!(!html.contains("weakest by mean score are drawn"));
    // Subtotals do not count towards the 40: 25 calls under their 25 agents are all drawn
    // (reviewer r25: 50 lines switched to "the 25 weakest of 50").
    let html = run_in(
        w.dir.path(),
        &[
            "audit",
            "calls.csv",
            "--rubric",
            "rubric.toml",
            "-q",
            "--format",
            "html",
            "--group-by",
            "agent,call",
            "--top",
            "25",
        ],
        0,
    );
    assert!(!html.contains("weakest by mean score are drawn"), "{html}");
}

/// Items of equal rate rank by their n, the most calls first, then in rubric order: three items
/// that applied to one call each (0 of 1) ranked before one missed in all 7 calls (0 of 7) by
/// rubric order, and the "Weakest items" line left the stronger signal out (tester t26 R1). The
/// table, the Markdown and the HTML item list rank them alike.
#[test]
fn equal_rates_rank_the_item_with_more_calls_first() {
    let w = common::Workdir::new();
    w.write(
        "rubric.toml",
        r#"[rubric]
name = "ties"

[[item]]
id = "angry"
kind = "signal"
speaker = "customer"
phrases = ["furious"]

[[item]]
id = "calm_a"
label = "Calms A"
kind = "expected"
applies_when = "angry"
phrases = ["zzqa"]

[[item]]
id = "calm_b"
label = "Calms B"
kind = "expected"
applies_when = "angry"
phrases = ["zzqb"]

[[item]]
id = "calm_c"
label = "Calms C"
kind = "expected"
applies_when = "angry"
phrases = ["zzqc"]

[[item]]
id = "wrap_up"
label = "Wraps up"
kind = "expected"
phrases = ["zzqd"]

[[item]]
id = "greets"
label = "Greets"
kind = "expected"
phrases = ["hello"]
"#,
    );
    // Seven calls, one of them angry; nobody calms or wraps up, every call greets.
    let mut rows = vec![("T-1", "ann", "customer", "I am furious.")];
    rows.extend(
        ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6", "T-7"]
            .iter()
            .map(|id| (*id, "ann", "agent", "Hello there.")),
    );
    w.write("calls.csv", common::csv_of(&rows));
    let report = |format: &str| {
        run_in(
            w.dir.path(),
            &[
                "--no-config",
                "audit",
                "calls.csv",
                "--rubric",
                "rubric.toml",
                "-q",
                "--color",
                "never",
                "--format",
                format,
            ],
            0,
        )
    };
    let line = "Weakest items: Wraps up 0.0% (0 of 7 calls), Calms A 0.0% (0 of 1 call), \
                Calms B 0.0% (0 of 1 call).";
    for format in ["table", "markdown"] {
        let text = report(format);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(line), "{format}:\n{text}");
    }
    let html = report("html");
    let items = &html[html.find(r#"<section id="items">"#).unwrap()..];
    let order: Vec<usize> = ["wrap_up", "calm_a", "calm_b", "calm_c", "greets"]
        .iter()
        .map(|id| items.find(&format!(r#"<td title="{id}">"#)).unwrap())
        .collect();
    assert!(order.windows(2).all(|p| p[0] < p[1]), "{items}");
}
