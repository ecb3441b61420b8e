//! One module per subcommand.

/// Writes one line to stderr, as `eprintln!` would, but never panics: a stderr that is a
/// closed pipe (`audit … 2>&1 | head`), a full disk (`2>/dev/full`) or otherwise unwritable
/// loses the message, not the run. Every message of the CLI goes through here, so that the
/// outputs are still written and the exit code is the one the run earned.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::stderr_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// The line of `say!`, written with one `write` (lines from two threads do not interleave);
/// any error is dropped (there is nowhere left to report it).
pub fn stderr_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let line = format!("{args}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

pub mod args;
pub mod audit;
pub mod calibrate;
pub mod common;
pub mod completions;
pub mod config;
pub mod explain;
pub mod merge;
pub mod report_output;
pub mod rubric;
pub mod rubric_lint;
pub mod sample;

use crate::cli::args::{Cli, Command, ConfigCommand};
use crate::cli::config::Provenance;

/// What the process exits with (the man page's EXIT STATUS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: the command did what was asked, and every gate passed.
    Ok = 0,
    /// 1: the run was done but a gate failed (`--fail-on`, `--min-score`, `--min-kappa`, …).
    GateFailed = 1,
    /// 2: an input or the command line was wrong; the message says what.
    InputError = 2,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// Runs a command line parsed with `config::parse_args`, which says where the configuration
/// came from (for `config show`).
pub fn run_with(mut cli: Cli, provenance: &Provenance) -> anyhow::Result<ExitCode> {
    dash_outputs(&mut cli.command);
    if let Some(what) = to_stdout(&cli.command) {
        callaudit::output::stdout_open(what)?;
    }
    let _ = common::CONFIG_FILE.set(provenance.file.as_ref().map(|(p, _)| p.clone()));
    let report_and_output = match &mut cli.command {
        Command::Audit(a) => Some((&mut a.format, a.output.as_deref())),
        Command::Merge(a) => Some((&mut a.format, a.output.as_deref())),
        _ => None,
    };
    if let Some((format, output)) = report_and_output {
        let (format_level, format_source) = config::level_of(provenance, "format");
        let (output_level, _) = config::level_of(provenance, "output");
        report_output::format_of_output(
            format,
            output,
            format_level,
            output_level,
            &format_source,
        )?;
    }
    if let Command::Audit(a) = &mut cli.command {
        shard_leaves_config_gates(a, provenance);
    }
    match cli.command {
        Command::Config(ConfigCommand::Show(_)) => {
            use std::io::Write;
            let mut out = callaudit::output::stdout();
            out.write_all(crate::cli::config::show(provenance).as_bytes())?;
            out.flush()?;
            Ok(ExitCode::Ok)
        }
        Command::Audit(args) => audit::run(*args),
        Command::Explain(args) => explain::run(*args),
        Command::Sample(args) => sample::run(*args),
        Command::Calibrate(args) => calibrate::run(*args),
        Command::Merge(args) => merge::run(*args),
        Command::Rubric(cmd) => rubric::run(cmd),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
    }
}

/// Under `--shard`, the gates and `--update-baseline` a config file gives are for the run, not
/// for a shard's slice of it: not applied, and said once, so that the shards of a nightly job
/// share its config (rubric, metadata, date window) with the merge. Given on the command line
/// or in the environment, they are refused (`audit::shard_judges_nothing`). `--no-config`,
/// which the first fix advised, dropped the rubric and the window too (reviewer r27).
fn shard_leaves_config_gates(a: &mut args::AuditArgs, provenance: &Provenance) {
    let Some(shard) = a.shard else {
        return;
    };
    let left: Vec<&str> = a
        .gates
        .judging()
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| config::level_of(provenance, key).0 == 1)
        .collect();
    for key in &left {
        a.gates.unset_judging(key);
    }
    if !left.is_empty() {
        let file = provenance.file.as_ref().map_or_else(
            || "the config file".to_string(),
            |(p, _)| p.display().to_string(),
        );
        say!(
            "callaudit: warning: --shard {}/{}: {file}'s {} not applied to this shard: a shard's report holds only its slice of the run's calls; give them to `callaudit merge` of the shards' partials",
            shard.index,
            shard.count,
            if left.len() == 1 {
                format!("{} is", left[0])
            } else {
                format!("{} are", left.join(", "))
            }
        );
    }
}

/// What a command writes to stdout, if anything: refused at once when stdout is closed
/// (`>&-`), rather than lost after the work with exit 0.
fn to_stdout(command: &Command) -> Option<&'static str> {
    match command {
        Command::Audit(a) => a.output.is_none().then_some("the report"),
        Command::Merge(a) => a.output.is_none().then_some("the report"),
        Command::Sample(a) => a.output.is_none().then_some("the review sheet"),
        Command::Calibrate(a) => a.output.is_none().then_some("the agreement"),
        Command::Explain(_) => Some("the explanation"),
        Command::Rubric(args::RubricCommand::Show { .. }) => Some("the rubric"),
        Command::Config(ConfigCommand::Show(_)) => Some("the configuration"),
        Command::Completions { .. } => Some("the completions"),
        Command::Man => Some("the man page"),
        _ => None,
    }
}

/// `-` as an output means stdout, as it does for inputs and `--calls -` (it used to create a
/// file named `-`, leaving stdout empty): `-o -` is the default, stdout, and another output
/// named `-` is `/dev/stdout`, which is refused beside a report on stdout without `-o FILE`.
fn dash_outputs(command: &mut Command) {
    use std::path::{Path, PathBuf};
    let dash = |o: &Option<PathBuf>| o.as_deref() == Some(Path::new("-"));
    let main = |o: &mut Option<PathBuf>| {
        if dash(o) {
            *o = None;
        }
    };
    let second = |flag: &'static str, o: &mut Option<PathBuf>| {
        if dash(o) {
            *o = Some(PathBuf::from("/dev/stdout"));
            common::given_as_dash(flag);
        }
    };
    match command {
        Command::Audit(a) => {
            main(&mut a.output);
            second("--evidence", &mut a.evidence);
            second("--save-partial", &mut a.save_partial);
        }
        Command::Sample(a) => main(&mut a.output),
        Command::Calibrate(a) => {
            main(&mut a.output);
            second("--disagreements", &mut a.disagreements);
            second("--splits", &mut a.splits);
            second("--by-reviewer", &mut a.by_reviewer);
        }
        Command::Merge(a) => main(&mut a.output),
        _ => {}
    }
}
