//! What the run's own streams, outputs and temporary files do when they fail, through the real
//! binary: stderr that cannot be written costs the messages, never the outputs or the exit code;
//! a report that cannot be written is an error; the outputs of one run are replaced together
//! or not at all; and a failing temporary file stops the run as its own error (exit 2, naming
//! TMPDIR), never as an input's problem, whatever `--keep-going` says.

use super::common::{Workdir, repo_path};
use std::path::Path;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("callaudit"));
    cmd.env_remove("NO_COLOR").env_remove("CI");
    cmd
}

/// A pipe whose reader has already gone: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

/// `/dev/full`: every write to it fails with ENOSPC.
fn full() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

fn code(cmd: &mut Command) -> i32 {
    cmd.status().unwrap().code().expect("exited, not killed")
}

/// stderr into a pipe whose reader has gone (`audit … 2>&1 | head`) or onto a full disk
/// (`2>/dev/full`) used to panic (exit 101) at the first warning or summary line, before any
/// output was written. The messages are lost; the report, the partial and the exit code the run
/// earned are not.
#[cfg(target_os = "linux")]
#[test]
fn a_stderr_that_cannot_be_written_loses_messages_not_outputs_or_exit_codes() {
    let data = repo_path("examples/data");
    for (name, stderr) in [
        ("closed pipe", closed_pipe as fn() -> Stdio),
        ("/dev/full", full),
    ] {
        let w = Workdir::new();
        let (report, partial, merged) = (w.path("r.json"), w.path("p.partial"), w.path("m.json"));
        // A failed gate, a summary and warnings (a missing --baseline allowed) all go to stderr.
        let audit = |fail_under: &str| {
            let mut cmd = bin();
            cmd.args(["audit", "--format", "json", "--fail-under", fail_under])
                .args(["--baseline", "none.json", "--allow-missing-baseline"])
                .arg(&data)
                .arg("-o")
                .arg(&report)
                .arg("--save-partial")
                .arg(&partial)
                .current_dir(w.dir.path())
                .stdout(Stdio::null())
                .stderr(stderr());
            cmd
        };
        assert_eq!(code(&mut audit("100")), 1, "{name}: a failed gate is 1");
        assert!(
            report.exists() && partial.exists(),
            "{name}: outputs written"
        );
        std::fs::remove_file(&report).unwrap();
        assert_eq!(code(&mut audit("off")), 0, "{name}: a passed run is 0");
        assert!(report.exists(), "{name}");
        let merge = code(
            bin()
                .args(["merge", "--format", "json", "--fail-under", "100", "-o"])
                .arg(&merged)
                .arg(&partial)
                .stdout(Stdio::null())
                .stderr(stderr()),
        );
        assert_eq!(merge, 1, "{name}: merge's failed gate is 1");
        assert!(merged.exists(), "{name}");
        // An error is still 2, with its message lost.
        let missing = code(
            bin()
                .args(["audit", "no-such-input.csv"])
                .current_dir(w.dir.path())
                .stdout(Stdio::null())
                .stderr(stderr()),
        );
        assert_eq!(missing, 2, "{name}: an error is 2");
    }
}

/// The report on stdout with a reader that goes early (`audit … 2>&1 | head`): stdout and
/// stderr are one closed pipe; the gate still fails the run with 1.
#[cfg(target_os = "linux")]
#[test]
fn stdout_and_stderr_into_one_closed_pipe_keep_the_gate_exit_code() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = bin()
        .args(["audit", "--group-by", "call", "--fail-under", "100"])
        .arg(repo_path("examples/data"))
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

/// A CSV report larger than the CSV writer's buffer, to a reader that has gone (`audit …
/// --group-by call --format csv | head -1`), exited 2 with "Broken pipe (os error 32)": the
/// csv crate wraps the write's error in its own, where the broken pipe was not seen. The gate's
/// line and exit code come, as for the other formats; `merge --format csv` alike, and the
/// per-call CSV on stdout.
#[cfg(target_os = "linux")]
#[test]
fn a_csv_report_to_a_reader_gone_keeps_the_gate_exit_code() {
    let w = Workdir::new();
    // 400 calls, a line each: some 40 KB of CSV, far more than the writer's buffer.
    w.write("calls.csv", calls_csv(400, 1, false));
    let rubric = repo_path("examples/rubric.toml");
    let made = bin()
        .args(["audit", "calls.csv", "-q", "--no-config", "--rubric"])
        .arg(&rubric)
        .args(["-o", "r.json", "--save-partial", "p.partial"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let audit = ["audit", "calls.csv", "--no-config", "--rubric"];
    let rubric = rubric.to_str().unwrap();
    let runs: [(&[&str], &[&str]); 3] = [
        (&audit, &["--group-by", "call", "--format", "csv"]),
        (
            &["merge", "p.partial"],
            &["--group-by", "call", "--format", "csv"],
        ),
        (
            &audit,
            &["-o", "r2.json", "--calls", "-", "--calls-format", "csv"],
        ),
    ];
    for (command, output) in runs {
        for (gate, code) in [("100", 1), ("off", 0)] {
            let mut cmd = bin();
            cmd.args(command);
            if command[0] == "audit" {
                cmd.arg(rubric);
            }
            let out = cmd
                .args(output)
                .args(["-q", "--fail-under", gate])
                .current_dir(w.dir.path())
                .stdout(closed_pipe())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!("{command:?} {output:?} --fail-under {gate}");
            assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
            assert!(!stderr.contains("error"), "{what}: {stderr}");
            assert_eq!(
                stderr.contains("gate failed: --fail-under 100"),
                gate == "100",
                "{what}: {stderr}"
            );
        }
    }
}

/// A report that could not be written to stdout (`audit … > /dev/full`) said only "No space
/// left on device (os error 28)", not which output failed; `-o /dev/full` named the file. A
/// failed write names the output: stdout, for every command that writes there.
#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_to_stdout_names_stdout() {
    let w = Workdir::new();
    let data = repo_path("examples/data");
    let data = data.to_str().unwrap();
    let made = bin()
        .args([
            "audit",
            data,
            "-q",
            "--no-config",
            "--save-partial",
            "p.partial",
        ])
        .args(["-o", "r.json"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    // Help and version too: clap's own exit dropped the error with exit 0 (tester t15's
    // finding 4).
    let runs: [&[&str]; 9] = [
        &["audit", data, "-q", "--no-config"],
        &["audit", data, "-q", "--no-config", "--format", "csv"],
        &["audit", data, "-q", "--no-config", "--format", "json"],
        &["merge", "p.partial", "-q", "--format", "csv"],
        &["rubric", "show", "builtin:en"],
        &["--version"],
        &["--help"],
        &["audit", "--help"],
        &["rubric", "show", "-h"],
    ];
    for args in runs {
        let out = bin()
            .args(args)
            .current_dir(w.dir.path())
            .stdout(full())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("callaudit: error: stdout: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

/// `bin()` with stdout closed, as `callaudit … >&-` starts it.
#[cfg(target_os = "linux")]
fn with_stdout_closed(args: &[&std::ffi::OsStr], dir: &Path) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(assert_cmd::cargo::cargo_bin("callaudit"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .unwrap()
}

/// Help and version to a closed stdout are refused as a report is; to a pipe they are written
/// as before.
#[cfg(target_os = "linux")]
#[test]
fn help_and_version_to_a_closed_stdout_are_an_error() {
    let w = Workdir::new();
    for args in [&["--version"][..], &["audit", "--help"]] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let out = with_stdout_closed(&args, w.dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("stdout is closed"), "{args:?}: {stderr}");
    }
    let out = bin().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("callaudit "));
}

/// A closed stdout (`>&-`) used to take the report with exit 0 (the runtime puts /dev/null
/// there): a run whose report, or another output, goes to stdout is now refused with exit 2
/// before the work; one that writes to files only runs as usual.
#[cfg(target_os = "linux")]
#[test]
fn a_report_to_a_closed_stdout_is_an_error_not_lost() {
    let w = Workdir::new();
    let data = repo_path("examples/data");
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    let run = |extra: &[&std::ffi::OsStr]| {
        let mut args = vec![os("audit"), os("-q"), data.as_os_str()];
        args.extend_from_slice(extra);
        with_stdout_closed(&args, w.dir.path())
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is closed"), "{stderr}");
    let out = run(&[os("--calls"), os("-"), os("-o"), os("r.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!w.path("r.json").exists(), "nothing written");
    // Every output in a file: stdout is not needed.
    let out = run(&[
        os("-o"),
        os("r.json"),
        os("--save-partial"),
        os("p.partial"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path("r.json").exists());
    let out = with_stdout_closed(&[os("merge"), os("-q"), os("p.partial")], w.dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = with_stdout_closed(&[os("rubric"), os("show")], w.dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// The files in `dir` besides the outputs: temporary files left behind.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".callaudit-"))
        .collect()
}

/// Old contents in each output, and a check that each still holds it.
struct OldOutputs<'a> {
    w: &'a Workdir,
    names: &'a [&'a str],
}

impl<'a> OldOutputs<'a> {
    fn new(w: &'a Workdir, names: &'a [&'a str]) -> OldOutputs<'a> {
        for n in names {
            w.write(n, format!("old {n}\n"));
        }
        OldOutputs { w, names }
    }

    fn kept(&self, what: &str) {
        for n in self.names {
            let now = std::fs::read_to_string(self.w.path(n)).unwrap();
            assert_eq!(now, format!("old {n}\n"), "{what}: {n} was replaced");
        }
        assert_eq!(leftovers(self.w.dir.path()), Vec::<String>::new(), "{what}");
    }
}

fn audit_in(w: &Workdir, args: &[&str]) -> std::process::Output {
    bin()
        .arg("audit")
        .arg(repo_path("examples/data"))
        .args(args)
        .current_dir(w.dir.path())
        .output()
        .unwrap()
}

/// A run that ends in exit 2 with nothing to audit replaced `--save-partial` with an empty
/// partial while the report, `--calls` and `--evidence` kept the last good night's: a weekly
/// merge then silently lost the night. Now no output is replaced.
#[test]
fn a_run_with_nothing_to_audit_replaces_no_output() {
    let w = Workdir::new();
    let old = OldOutputs::new(&w, &["r.json", "c.csv", "ev.csv", "p.partial"]);
    let out = audit_in(
        &w,
        &[
            "--last",
            "1d",
            "--as-of",
            "2001-01-01",
            "--format",
            "json",
            "-o",
            "r.json",
            "--calls",
            "c.csv",
            "--evidence",
            "ev.csv",
            "--save-partial",
            "p.partial",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no calls matched"));
    old.kept("no calls matched");
}

/// Outputs were committed one at a time, the partial first: a report that could not be
/// written (exit 2) left a new partial beside the old report. Now they are written whole first
/// and put in place together, so a failed report leaves every other output as it was.
#[test]
fn a_report_that_cannot_be_written_replaces_no_other_output() {
    let w = Workdir::new();
    let old = OldOutputs::new(&w, &["c.csv", "ev.csv", "p.partial"]);
    let out = audit_in(
        &w,
        &[
            "-q",
            "--format",
            "json",
            "-o",
            "/dev/full",
            "--calls",
            "c.csv",
            "--evidence",
            "ev.csv",
            "--save-partial",
            "p.partial",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/dev/full"),
        "the output is named: {stderr}"
    );
    old.kept("report to /dev/full");
}

/// The outputs held until the end and then written to a device, a pipe or stdout (`--calls`,
/// `--evidence`, `--save-partial` there) were written after the files had been renamed into
/// place: `--calls /dev/full` failed the run (exit 2) with `-o` and `--save-partial` already
/// replaced, against "exit 2: no output is replaced". They are written first now, and when one
/// fails no file is renamed and no temporary file stays.
#[cfg(target_os = "linux")]
#[test]
fn an_output_held_for_a_device_that_fails_replaces_no_file() {
    let cases: [(&[&str], &[&str], &str); 4] = [
        (
            &["--calls", "/dev/full"],
            &["r.json", "ev.csv", "p.partial"],
            "/dev/full",
        ),
        (
            &["--evidence", "/dev/full"],
            &["r.json", "c.csv", "p.partial"],
            "/dev/full",
        ),
        (
            &["--save-partial", "/dev/full"],
            &["r.json", "c.csv", "ev.csv"],
            "/dev/full",
        ),
        (
            &["--calls", "-", "--calls-format", "csv"],
            &["r.json", "ev.csv", "p.partial"],
            "stdout",
        ),
    ];
    for (held, files, named) in cases {
        let w = Workdir::new();
        let old = OldOutputs::new(&w, files);
        let mut cmd = bin();
        cmd.arg("audit")
            .arg(repo_path("examples/data"))
            .args(["-q", "--no-config", "--format", "json"])
            .args(held)
            .current_dir(w.dir.path())
            // stdout is the device too, for `--calls -`.
            .stdout(full());
        for f in files {
            let flag = match *f {
                "r.json" => "-o",
                "c.csv" => "--calls",
                "ev.csv" => "--evidence",
                _ => "--save-partial",
            };
            cmd.args([flag, f]);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{held:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{held:?}: the output is named: {stderr}"
        );
        old.kept(&format!("{held:?}"));
    }
}

/// A write that fails on a staged output (here a file-size limit: EFBIG, as a full disk gives
/// ENOSPC) named the temporary file (`at path ".callaudit-….tmp"`), which the user never
/// asked for; it names the output, and nothing is replaced.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_names_the_output_not_its_temporary_file() {
    for (output, flag, format) in [
        ("r.html", "-o", "html"),
        ("p.partial", "--save-partial", "json"),
    ] {
        let w = Workdir::new();
        let names = ["r.html", "c.jsonl", "r.json", "p.partial"];
        let old = OldOutputs::new(&w, &names);
        let other = if flag == "-o" {
            ["--calls", "c.jsonl"]
        } else {
            ["-o", "r.json"]
        };
        // 64 KiB at most per file (bash counts KiB): the HTML report and the partial are larger,
        // the JSON report and the per-call JSONL are not. SIGXFSZ ignored, so the write fails with EFBIG.
        let out = Command::new("bash")
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\"")
            .arg(assert_cmd::cargo::cargo_bin("callaudit"))
            .arg("audit")
            .arg(repo_path("examples/data"))
            .args(["-q", "--format", format, flag, output])
            .args(other)
            .current_dir(w.dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{output}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(output), "{output} named: {stderr}");
        assert!(
            !stderr.contains(".callaudit-"),
            "no temporary file named: {stderr}"
        );
        old.kept(output);
    }
}

/// A CSV of `calls` calls of `turns` rows each; with `interleave`, turn by turn across all the
/// calls (every call's rows apart: the second pass holds them all).
fn calls_csv(calls: usize, turns: usize, interleave: bool) -> String {
    let mut s = String::from("call_id,agent_id,turn,speaker,text\n");
    let row = |c: usize, t: usize| {
        format!("I{c},ann,{t},agent,sorry number {t} for call {c} with some padding text here\n")
    };
    if interleave {
        for t in 0..turns {
            for c in 0..calls {
                s.push_str(&row(c, t));
            }
        }
    } else {
        for c in 0..calls {
            for t in 0..turns {
                s.push_str(&row(c, t));
            }
        }
    }
    s
}

/// The stderr of a run that must stop on its own temporary files: exit 2 naming TMPDIR, no
/// panic, no input blamed or passed over, and no report.
fn stops_on_tmpdir(out: &std::process::Output, report: &Path, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(stderr.contains("TMPDIR"), "{what}: {stderr}");
    assert!(!stderr.contains("passed over"), "{what}: {stderr}");
    assert!(!stderr.contains("unreadable"), "{what}: {stderr}");
    assert!(!report.exists(), "{what}: no report");
}

/// Calls whose rows are apart are held for a second pass, past 2 × --max-call-bytes in a
/// temporary file. A TMPDIR that cannot take it was blamed on the input, which `--keep-going`
/// then passed over, and the run panicked ("a slot holds a part", exit 101). It is the run's
/// own error: exit 2, naming TMPDIR, with or without `--keep-going`, at any thread count.
#[test]
fn an_unusable_tmpdir_for_held_calls_stops_the_run_naming_it() {
    let w = Workdir::new();
    w.write("inter.csv", calls_csv(300, 20, true));
    for extra in [
        &["--keep-going"][..],
        &["--keep-going", "--threads", "1"],
        &[],
    ] {
        let out = bin()
            .args([
                "audit",
                "inter.csv",
                "--max-call-bytes",
                "4K",
                "-o",
                "r.json",
            ])
            .args(extra)
            .env("TMPDIR", w.path("no-such-dir"))
            .current_dir(w.dir.path())
            .output()
            .unwrap();
        stops_on_tmpdir(&out, &w.path("r.json"), &format!("{extra:?}"));
    }
}

/// The log of call ids spills to TMPDIR every 2^18 calls. A TMPDIR that could not take it was
/// blamed on the (healthy) input: under `--keep-going` the rest of the file was passed over as
/// "unreadable" and the run passed with exit 0 on 262,143 of 270,000 calls.
#[test]
fn an_unusable_tmpdir_for_call_ids_stops_the_run_naming_it() {
    let w = Workdir::new();
    let mut csv = String::from("call_id,agent_id,speaker,text\n");
    for c in 0..270_000 {
        csv.push_str(&format!("M{c},ann,agent,sorry\n"));
    }
    w.write("many.csv", csv);
    let out = bin()
        .args(["audit", "many.csv", "--keep-going", "-q", "-o", "r.json"])
        .env("TMPDIR", w.path("no-such-dir"))
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    stops_on_tmpdir(&out, &w.path("r.json"), "call ids");
}

/// stdin is copied to a temporary file before it is read. A TMPDIR that could not take the
/// copy was reported as `cannot read stdin` (tester t14's finding 14): the input was blamed for
/// callaudit's own file. It is the run's error, naming TMPDIR, with or without `--keep-going`.
#[test]
fn an_unusable_tmpdir_for_the_copy_of_stdin_names_it_not_stdin() {
    let w = Workdir::new();
    let csv = std::fs::read(repo_path("examples/data/calls.csv")).unwrap();
    for extra in [&[][..], &["--keep-going"]] {
        let mut child = bin()
            .args(["audit", "-", "-q", "-o", "r.json"])
            .args(extra)
            .env("TMPDIR", w.path("no-such-dir"))
            .current_dir(w.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            // The run may stop before it reads everything: a broken pipe is expected.
            let _ = stdin.write_all(&csv);
        }
        let out = child.wait_with_output().unwrap();
        let what = format!("stdin {extra:?}");
        stops_on_tmpdir(&out, &w.path("r.json"), &what);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("cannot read stdin"), "{what}: {stderr}");
        assert!(stderr.contains("the copy of stdin"), "{what}: {stderr}");
    }
}

/// A named pipe is copied to a temporary file when it is first opened. A TMPDIR that could not
/// take the copy was reported as the pipe's error ("p1: cannot open: No such file or
/// directory"), and `--keep-going` passed the healthy pipe over, exit 0 (tester t14). It is the
/// run's error, naming TMPDIR, with or without `--keep-going`, at one thread or two.
#[cfg(target_os = "linux")]
#[test]
fn an_unusable_tmpdir_for_the_copy_of_a_pipe_names_it_not_the_pipe() {
    let w = Workdir::new();
    let csv = repo_path("examples/data/calls.csv");
    for extra in [
        &[][..],
        &["--keep-going"],
        &["--keep-going", "--threads", "1"],
    ] {
        let pipe = w.path("p1");
        let _ = std::fs::remove_file(&pipe);
        let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
        assert!(made.success());
        let writer = {
            let (pipe, csv) = (pipe.clone(), csv.clone());
            std::thread::spawn(move || {
                // The run may stop before it reads everything, or never open the pipe.
                if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&pipe) {
                    let _ = std::io::Write::write_all(&mut f, &std::fs::read(csv).unwrap());
                }
            })
        };
        let out = bin()
            .args(["audit", "p1", "-q", "--no-config", "-o", "r.json"])
            .arg(&csv)
            .args(extra)
            .env("TMPDIR", w.path("no-such-dir"))
            .current_dir(w.dir.path())
            .output()
            .unwrap();
        // A writer still waiting for a reader (the run stopped before it opened the pipe) is
        // let go: a non-blocking open for reading pairs with it at once.
        {
            use std::os::unix::fs::OpenOptionsExt;
            const O_NONBLOCK: i32 = 0o4000;
            let _ = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(O_NONBLOCK)
                .open(&pipe);
        }
        writer.join().unwrap();
        let what = format!("pipe {extra:?}");
        stops_on_tmpdir(&out, &w.path("r.json"), &what);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("the copy of this pipe"), "{what}: {stderr}");
    }
}

/// An output that fails while the run reads (`--calls` on a full disk; here a file-size limit)
/// stopped the run rightly, but its summary booked the rows in flight as an input's
/// `unreadable file` row. The summary blames no input and says what was not audited.
#[cfg(target_os = "linux")]
#[test]
fn an_output_that_fails_mid_run_blames_no_input() {
    let w = Workdir::new();
    w.write("calls.csv", calls_csv(5000, 2, false));
    // More per-call records than the 256 KiB the output buffers, at most 128 KiB per file.
    let out = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("callaudit"))
        .args(["audit", "calls.csv", "--threads", "1", "-o", "r.json"])
        .args(["--calls", "c.jsonl"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("c.jsonl"), "{stderr}");
    assert!(!stderr.contains("unreadable"), "{stderr}");
    assert!(!w.path("r.json").exists());
}

/// A new output written inside a directory being audited, under a transcript's name, works
/// once and breaks every later run over the directory (it reads the report as calls): it is
/// warned of, naming the option and the directory (tester t5's F10). An output elsewhere,
/// one the directory would not read (`.html`, a hidden name), and an output that exists
/// (refused as an input) are not.
#[test]
fn a_new_output_inside_an_input_directory_is_warned_of() {
    let w = Workdir::new();
    w.write(
        "indir/calls.csv",
        "call_id,agent_id,speaker,text\nc1,ann,agent,hello\n",
    );
    let run = |args: &[&str]| {
        let out = bin()
            .args(["audit", "indir", "-q", "--no-config"])
            .args(args)
            .current_dir(w.dir.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    std::fs::create_dir(w.path("indir/sub")).unwrap();
    let (code, err) = run(&["-o", "indir/report.csv", "--calls", "indir/sub/calls.jsonl"]);
    assert_eq!(code, 0, "{err}");
    for flag in ["-o indir/report.csv", "--calls indir/sub/calls.jsonl"] {
        assert!(
            err.contains(&format!(
                "warning: {flag}: a new file inside the input directory indir, named as a transcript: the next run over indir will read it as calls"
            )),
            "{flag}: {err}"
        );
    }
    std::fs::remove_file(w.path("indir/report.csv")).unwrap();
    std::fs::remove_dir_all(w.path("indir/sub")).unwrap();
    for args in [
        &["-o", "report.csv"][..],
        &["-o", "indir/report.html"],
        &["-o", "indir/.report.csv"],
        &["--format", "csv", "-o", "indir/.out/report.csv"],
    ] {
        if let Some(dir) = args.last().and_then(|o| Path::new(o).parent()) {
            std::fs::create_dir_all(w.dir.path().join(dir)).unwrap();
        }
        let (code, err) = run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!err.contains("warning"), "{args:?}: {err}");
    }
}

/// Refusals say what the user gave and what is wrong with it (tester t23 F8): a `--config` that
/// is a directory or a device is not "no such file"; `--calls x.csv.gz` is refused without
/// first being said to be "written uncompressed"; `calibrate`'s two outputs on `-` are named
/// `-`, as given, not `/dev/stdout`.
#[test]
fn refusals_name_what_was_given() {
    let w = Workdir::new();
    let data = repo_path("examples/data/calls.csv");
    let data = data.to_str().unwrap();
    std::fs::create_dir(w.path("conf.d")).unwrap();
    let run = |args: &[&str]| {
        let out = bin().current_dir(w.dir.path()).args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (config, says) in [
        ("conf.d", "--config conf.d: a directory, not a file"),
        ("/dev/null", "--config /dev/null: not a regular file"),
        ("nowhere.toml", "--config nowhere.toml: no such file"),
    ] {
        let (code, err) = run(&["audit", "--config", config, data, "-q", "-o", "/dev/null"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
    }
    let (code, err) = run(&["audit", data, "-q", "--calls", "x.csv.gz", "-o", "r.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--calls x.csv.gz: the extension says the format"),
        "{err}"
    );
    assert!(!err.contains("written uncompressed"), "{err}");
    w.write(
        "s.csv",
        "call_id,reviewer,empathy\nC-1001,a,1\nC-1001,b,0\n",
    );
    let (code, err) = run(&[
        "calibrate",
        "s.csv",
        data,
        "-q",
        "--splits",
        "-",
        "--by-reviewer",
        "-",
        "-o",
        "y.txt",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--splits - and --by-reviewer - both write to stdout"),
        "{err}"
    );
}

/// A span without its unit (`--last 24`: days or hours?) is refused naming both readings; it
/// was taken as 24 days while `24h` is one (tester t25 F8).
#[test]
fn a_span_without_its_unit_is_refused() {
    let w = Workdir::new();
    w.write(
        "calls.csv",
        "call_id,agent_id,date,speaker,text\nc1,ann,2026-11-12,agent,Hello\n",
    );
    let out = audit_in(&w, &["calls.csv", "--last", "24"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--last `24`: a span needs its unit: 24d for days, 24h for hours"),
        "{err}"
    );
}

/// A report of callaudit's own left in the folder audited is named as such, not as JSON of
/// unknown keys (tester t25 F8).
#[test]
fn a_callaudit_report_among_the_inputs_is_named_as_one() {
    let w = Workdir::new();
    w.write(
        "in/calls.csv",
        "call_id,agent_id,date,speaker,text\nc1,ann,2026-11-12,agent,Hello\n",
    );
    let out = audit_in(&w, &["in", "--format", "json", "-o", "in/report.json"]);
    assert_eq!(out.status.code(), Some(0));
    let out = audit_in(&w, &["in"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in/report.json: a callaudit JSON report, not transcripts: move it out of the folder audited"),
        "{err}"
    );
}
