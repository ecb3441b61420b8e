//! Every command README.md shows, and every example in the `--help` of every subcommand, run
//! against the bundled data, so that none of them can rot.
//!
//! Commands are the lines of README.md's ```sh blocks that start with `callaudit` (or
//! `cargo run --release --`, run as the built binary), and the lines of the help's EXAMPLES
//! sections that start with `callaudit`. Each runs in bash, in a scratch directory (so files
//! they write land there), with the binary first on PATH, after the placeholder names the docs
//! use are pointed at the bundled data (see `PLACES`). The commands of one document run in
//! order in one directory, so a command may use a file an earlier one wrote. Exit 0 and 1 (a
//! gate failing, as the examples with gates may) pass; anything else fails the test, with the
//! command and its stderr.
//!
//! Commands that cannot run here are listed in `SKIPPED` with the reason.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Placeholder names in the docs, and what they stand for here. `{root}` is the repository.
const PLACES: &[(&str, &str)] = &[
    (" exports/", " {root}/examples/data/"),
    (" examples/data/", " {root}/examples/data/"),
    (" examples/es/", " {root}/examples/es/"),
    (" examples/data ", " {root}/examples/data "),
    (" examples/rubric.toml", " {root}/examples/rubric.toml"),
    (" examples/teams.csv", " {root}/examples/teams.csv"),
    (
        " --metadata contacts.csv",
        " --metadata {root}/examples/teams.csv",
    ),
    // Only where a rubric is read: `rubric show > my-rubric.toml` writes one in the scratch
    // directory.
    (
        " --rubric my-rubric.toml",
        " --rubric {root}/examples/rubric.toml",
    ),
    (
        " check my-rubric.toml",
        " check {root}/examples/rubric.toml",
    ),
    (" test my-rubric.toml", " test {root}/examples/rubric.toml"),
    (" export.csv", " {root}/tests/fixtures/docs/export.csv"),
    (
        " calls.csv --call",
        " {root}/examples/data/calls.csv --call",
    ),
    // The audit help's nightly example compares with yesterday's report: an earlier example
    // of the same help wrote report.json.
    (" --baseline yesterday.json", " --baseline report.json"),
];

/// Commands that do not run against the bundled data, by a piece of their text, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "../shared/",
        "reads the shared data set, which is not part of the repository",
    ),
    (
        "> /etc/bash_completion.d/",
        "installs into the system; `completions bash` itself is run by tests/it/report_formats.rs",
    ),
    (
        "> ~/",
        "installs into the home directory; the completion scripts are tested elsewhere",
    ),
    (
        "&& man ./callaudit.1",
        "opens a pager; `callaudit man` itself is run by tests/it/drilldown.rs",
    ),
    (
        "accuracy/tune.csv",
        "the labels belong to ../shared's conversations",
    ),
    (
        "--labels labels.csv",
        "needs a labels sheet of your own; `rubric lint --labels` is tested in tests/it/rubric_lint.rs",
    ),
    (
        "calibrate sheet.csv",
        "needs a review sheet filled by people; calibrate runs in tests/it/calibration.rs",
    ),
    (
        "--overrides sheet.csv",
        "needs a review sheet filled by people; --overrides runs in tests/it/calibration.rs",
    ),
];

/// The day the bundled calls end: `--last` counts back from it. Given to the help's examples,
/// whose `exports/` are the reader's own. README.md's commands run as written, as a new user
/// runs them, so they give `--as-of` themselves (tester t14's finding 1: giving it here hid that
/// every README recipe with `--last` failed on the bundled data after 2026-11-20).
const AS_OF: &str = "2026-11-20";

fn prepared(command: &str) -> String {
    let mut c = placed(command);
    if c.contains("--last") && !c.contains("--as-of") {
        c = c.replacen("--last", &format!("--as-of {AS_OF} --last"), 1);
    }
    c
}

/// `command` with the docs' placeholder names pointed at the bundled data.
fn placed(command: &str) -> String {
    let root = root().display().to_string();
    let mut c = format!(" {command}");
    for (from, to) in PLACES {
        c = c.replace(from, &to.replace("{root}", &root));
    }
    c.trim().to_string()
}

fn skipped(command: &str) -> Option<&'static str> {
    SKIPPED
        .iter()
        .find(|(piece, _)| command.contains(piece))
        .map(|(_, why)| *why)
}

/// How a source's commands are run: README.md's as written (`Setup::AsWritten`), the help's
/// with `--as-of` given for the bundled data (`Setup::AsOf`).
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    AsWritten,
    AsOf,
}

/// Runs `commands` in order in one scratch directory; returns the failures.
fn run_all(source: &str, commands: &[String], setup: Setup) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for command in commands {
        if let Some(why) = skipped(command) {
            eprintln!("{source}: skipped `{command}`: {why}");
            continue;
        }
        let line = match setup {
            Setup::AsWritten => placed(command),
            Setup::AsOf => prepared(command),
        };
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &line])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("CALLAUDIT_AS_OF")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        ran += 1;
        match out.status.code() {
            Some(0 | 1) => {}
            code => failures.push(format!(
                "{source}: `{command}` (run as `{line}`) exited {code:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        }
    }
    eprintln!("{source}: ran {ran} command(s)");
    assert!(!commands.is_empty(), "{source}: no command found");
    failures
}

/// The lines of `text`, a line ending in a backslash joined with the next.
fn continued(text: &str) -> Vec<String> {
    let mut joined: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push(' ');
            }
            None => {
                pending.push_str(if pending.is_empty() {
                    line
                } else {
                    line.trim()
                });
                joined.push(std::mem::take(&mut pending));
            }
        }
    }
    joined
}

/// The commands of README.md's shell blocks, in order; a TOML block that names its file on
/// its first line (`# nightly.toml`) is written as that file where it comes, as a reader
/// following the recipes would.
fn readme_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in readme_lines(text) {
        match line {
            Line::Sh(t) => {
                if let Some(rest) = t.strip_prefix("cargo run --release -- ") {
                    out.push(format!("callaudit {rest}"));
                } else if t.starts_with("callaudit ") {
                    out.push(t);
                }
            }
            Line::Toml(file, body) => out.push(format!("cat > {file} <<'EOF'\n{body}EOF")),
        }
    }
    out
}

enum Line {
    /// A line of a shell block, without a `$ ` prompt or a trailing comment.
    Sh(String),
    /// A TOML block whose first line is `# FILE.toml`: the file and the whole block.
    Toml(String, String),
}

/// The lines of a Markdown text's shell blocks, and its TOML blocks that name their file.
fn readme_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut toml: Option<String> = None;
    for line in &continued(text) {
        let t = line.trim();
        if let Some(body) = toml.as_mut() {
            if t.starts_with("```") {
                let first = body.lines().next().unwrap_or_default();
                let file = first.trim_start_matches('#').trim();
                if first.starts_with('#') && file.ends_with(".toml") && !file.contains(' ') {
                    out.push(Line::Toml(file.to_string(), body.clone()));
                }
                toml = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if t.starts_with("```") {
            in_sh = !in_sh && (t == "```sh" || t == "```bash" || t == "```shell");
            if t == "```toml" {
                toml = Some(String::new());
            }
            continue;
        }
        if !in_sh {
            continue;
        }
        let t = t.strip_prefix("$ ").unwrap_or(t);
        // A trailing comment is the doc's, not the shell's.
        let t = match t.find("  #") {
            Some(i) => t[..i].trim_end(),
            None => t,
        };
        out.push(Line::Sh(t.to_string()));
    }
    out
}

/// The example lines of a help text's EXAMPLES section.
fn help_examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_examples = false;
    for line in &continued(help) {
        let heading = line.strip_suffix(':').is_some_and(|h| {
            !h.is_empty() && h.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
        });
        if heading {
            in_examples = line.trim_end_matches(':') == "EXAMPLES";
            continue;
        }
        let t = line.trim();
        if in_examples && t.starts_with("callaudit ") {
            out.push(t.to_string());
        }
    }
    out
}

fn help_of(path: &[&str]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let out = Command::new(bin).args(path).arg("--help").output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_readme_command_runs_on_the_bundled_data() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let commands = readme_commands(&readme);
    let failures = run_all("README.md", &commands, Setup::AsWritten);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_help_example_runs_on_the_bundled_data() {
    let subcommands: &[&[&str]] = &[
        &[],
        &["audit"],
        &["explain"],
        &["sample"],
        &["calibrate"],
        &["merge"],
        &["rubric", "show"],
        &["rubric", "check"],
        &["rubric", "lint"],
        &["rubric", "test"],
        &["completions"],
        &["man"],
    ];
    let mut failures = Vec::new();
    for sub in subcommands {
        let commands = help_examples(&help_of(sub));
        let source = format!("callaudit {} --help", sub.join(" "));
        if commands.is_empty() {
            failures.push(format!("{source}: no EXAMPLES"));
            continue;
        }
        failures.extend(run_all(&source, &commands, Setup::AsOf));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_runner_reads_what_the_docs_write() {
    let md = "text\n```sh\n$ callaudit audit exports/   # the table\ncargo test\ncallaudit audit x \\\n    --quiet\n```\n```toml\ncallaudit = 1\n```\n```toml\n# n.toml\nlast = \"1d\"\n```\n";
    assert_eq!(
        readme_commands(md),
        [
            "callaudit audit exports/",
            "callaudit audit x --quiet",
            "cat > n.toml <<'EOF'\n# n.toml\nlast = \"1d\"\nEOF"
        ]
    );
    let help = "Usage: x\n\nEXAMPLES:\n    Say:\n        callaudit audit a\n\nEXIT STATUS:\n    callaudit no\n";
    assert_eq!(help_examples(help), ["callaudit audit a"]);
    assert!(
        prepared("callaudit audit exports/ --last 7d").contains("--as-of 2026-11-20 --last 7d")
    );
    assert!(skipped("callaudit rubric lint ../shared/data/x.csv").is_some());
}

/// The help is wrapped to the terminal (100 columns when there is none), and an example line
/// longer than that was cut in two: `audit --help` showed `… --calls-format jsonl | head` and
/// `-1` on the next line, which pasted into a shell runs `head` and then a command `-1`. Every
/// example reads the same at the default width as on a very wide terminal.
#[test]
fn no_help_example_is_wrapped_by_the_help_width() {
    let bin = assert_cmd::cargo::cargo_bin("callaudit");
    let help_at = |path: &[&str], columns: Option<&str>| {
        let mut cmd = Command::new(&bin);
        cmd.args(path).arg("--help").env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let examples = |help: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut inside = false;
        for line in help.lines() {
            if line.ends_with(':')
                && line
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == ' ' || c == ':')
            {
                inside = line == "EXAMPLES:";
                continue;
            }
            if inside && !line.trim().is_empty() {
                out.push(line.trim_end().to_string());
            }
        }
        out
    };
    for sub in [
        &[][..],
        &["audit"],
        &["explain"],
        &["sample"],
        &["calibrate"],
        &["merge"],
        &["rubric", "show"],
        &["rubric", "check"],
        &["rubric", "lint"],
        &["rubric", "test"],
        &["config", "show"],
        &["completions"],
        &["man"],
    ] {
        let narrow = examples(&help_at(sub, None));
        let wide = examples(&help_at(sub, Some("400")));
        assert!(!wide.is_empty(), "{sub:?}: no examples");
        assert_eq!(narrow, wide, "callaudit {} --help", sub.join(" "));
    }
}
