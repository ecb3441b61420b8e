//! The config file and where each option's value comes from.
//!
//! Precedence: command line > environment (`CALLAUDIT_<OPTION>`, declared on each option with
//! clap's `env`) > config file > built-in default. The config file is `--config FILE`, else the
//! file `CALLAUDIT_CONFIG` names, else `./callaudit.toml` when it exists; `--no-config` reads
//! none. Its keys are the audit options' long names (`fail-under = 75`, `fail-on = [...]`) plus
//! `inputs`; a key that is none of them is an error at FILE:LINE:COLUMN.
//!
//! The command line is parsed twice. The first parse (inputs not yet required) tells which
//! options the command line and the environment set. Every file value for an option neither
//! set is checked with the option's own parser (so an error names the file position), then
//! added to the arguments, and the second parse builds the command from all of them: the file
//! goes through exactly the validation the command line does.

use crate::cli::args::Cli;
use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The config file read when neither --config nor CALLAUDIT_CONFIG names one.
pub const DEFAULT_FILE: &str = "callaudit.toml";

/// The key for the positional inputs.
const INPUTS: &str = "inputs";

/// Options whose values are paths: relative ones in a config file are taken from its directory.
const PATH_KEYS: &[&str] = &[
    "rubric",
    "metadata",
    "agents",
    "overrides",
    "baseline",
    "output",
    "calls",
    "evidence",
    "save-partial",
];

/// Options printed as numbers by `config show`.
const NUMBER_KEYS: &[&str] = &[
    "threads",
    "top",
    "bottom",
    "fail-under",
    "fail-agent-under",
    "min-calls",
    "fail-drop",
];

/// What an option that is not set means, for `config show`.
const UNSET_MEANS: &[(&str, &str)] = &[
    ("rubric", "the built-in rubric"),
    ("threads", "all cores"),
    (
        "date-from-path",
        "the built-in patterns YYYY/MM/DD/, year=/month=/day=, YYYY-MM-DD, YYYYMMDD",
    ),
    ("input-format", "detected per file"),
    ("delimiter", "sniffed"),
    ("output", "stdout"),
    (
        "format",
        "what -o's extension names (.csv, .json, .md, .html), else table",
    ),
];

/// Commands that read inputs, by subcommand path; all but `audit` and `config show` take only
/// the shared options (inputs, how to read them, which calls; `explain` its colour and review
/// sheet too) from a config file.
const READERS: &[&[&str]] = &[
    &["audit"],
    &["config", "show"],
    &["explain"],
    &["sample"],
    &["calibrate"],
    &["rubric", "lint"],
];

/// Where an option's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    CommandLine,
    /// The environment variable.
    Environment(String),
    /// FILE:LINE:COLUMN of the key.
    File(String),
    BuiltIn,
    /// Not set anywhere.
    Unset,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::CommandLine => f.write_str("command line"),
            Source::Environment(var) => write!(f, "environment {var}"),
            Source::File(at) => write!(f, "config file {at}"),
            Source::BuiltIn => f.write_str("built-in"),
            Source::Unset => f.write_str("not set"),
        }
    }
}

/// One option of the effective configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The config key: the option's long name, or `inputs`.
    pub key: String,
    pub values: Vec<String>,
    pub source: Source,
    /// A flag (true or false).
    pub flag: bool,
    /// Takes several values.
    pub many: bool,
}

/// Where the configuration came from, for `config show`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The config file read, and why it was chosen.
    pub file: Option<(PathBuf, &'static str)>,
    /// Every option of the command run, in the order of its `--help`: what `config show`
    /// prints, and where `located` finds the file line or variable a refused value came from.
    pub settings: Vec<Setting>,
}

/// A value from the config file.
struct FileValue {
    key: String,
    /// FILE:LINE:COLUMN of the key.
    at: String,
    values: Vec<String>,
    /// A flag set to `false`.
    off: bool,
}

/// Parses the command line with the config file and the environment.
pub fn parse_args(args: Vec<OsString>) -> anyhow::Result<(Cli, Provenance)> {
    let first = match lenient().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            if let Some(refused) = colour_refused(&e, &args) {
                return Err(refused);
            }
            exit_naming_variable(e, &args)
        }
    };
    let (path, leaf) = leaf_of(&first);
    let Some(&reader) = READERS.iter().find(|r| **r == path.as_slice()) else {
        // `merge`, `rubric show|check|test`, `completions` and `man` read no config file: a
        // `--config` named for one of them would be ignored (and `merge`'s gates in it never
        // applied), so it is refused. CALLAUDIT_CONFIG, set for the nightly audit, is not.
        if leaf.value_source("config") == Some(ValueSource::CommandLine) {
            anyhow::bail!(
                "--config: `callaudit {}` reads no config file: give its options on its command \
                 line (a config file holds `callaudit audit` options; explain, sample, calibrate \
                 and rubric lint take its input options too)",
                path.join(" ")
            );
        }
        let cli = Cli::from_arg_matches(&first).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok((cli, Provenance::default()));
    };
    warn_unread_variables();
    let audit_like = reader == ["audit"] || reader == ["config", "show"];
    let file = choose_file(leaf)?;
    let mut provenance = Provenance {
        file: file.clone(),
        settings: Vec::new(),
    };
    let audit = audit_command();
    let values = match &file {
        Some((path, _)) => read_file(path, &audit)?,
        None => Vec::new(),
    };
    let leaf_cmd = find_command(&lenient(), &path);
    let (extra, inputs, from_file) = file_args(&values, audit_like, leaf, &leaf_cmd);
    let full = with_file_args(&args, extra, inputs);
    let strict = if reader == ["config", "show"] {
        lenient()
    } else {
        command()
    };
    let second = match strict.try_get_matches_from(&full) {
        Ok(m) => m,
        Err(e) => exit_clap(e),
    };
    let mut cli = Cli::from_arg_matches(&second).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Every reader's settings, so that an error about a value refused after parsing names
    // where the value came from (`located`); `config show` prints them.
    let (_, final_leaf) = leaf_of(&second);
    provenance.settings = settings(&leaf_cmd, leaf, final_leaf, &from_file);
    one_window(&mut cli, &mut provenance);
    Ok((cli, provenance))
}

/// The `CALLAUDIT_` variables read directly rather than as an option's `env`.
const READ_DIRECTLY: &[&str] = &[callaudit::pipeline::CSV_BLOCK_VAR];

/// Every `CALLAUDIT_` variable callaudit reads: each option's `env`, in any command (`config`
/// is global), and those read directly.
fn known_variables() -> Vec<String> {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        out.extend(
            cmd.get_arguments()
                .filter_map(|a| a.get_env())
                .map(|v| v.to_string_lossy().into_owned()),
        );
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut known: Vec<String> = READ_DIRECTLY.iter().map(|v| v.to_string()).collect();
    walk(&Cli::command(), &mut known);
    known.sort();
    known.dedup();
    known
}

/// The warnings for the variables set that look like callaudit's (`CALLAUDIT_`, in any case)
/// and that it does not read, with the name meant: a typo must not switch a gate off unseen,
/// as an unknown key in the config file cannot. An empty variable counts as unset, as for the
/// options. Sorted by name.
fn unread_variables(set: &[(String, bool)], known: &[String]) -> Vec<String> {
    let mut unread: Vec<&str> = set
        .iter()
        .filter(|(name, empty)| {
            !empty && name.to_ascii_uppercase().starts_with("CALLAUDIT_") && !known.contains(name)
        })
        .map(|(name, _)| name.as_str())
        .collect();
    unread.sort_unstable();
    unread
        .into_iter()
        .map(|name| {
            let meant = match meant_variables(name, known) {
                s if s.is_empty() => " (an option's variable is CALLAUDIT_ and its long name in \
                                      capitals, `_` for `-`: CALLAUDIT_FAIL_UNDER for --fail-under)"
                    .to_string(),
                s => format!("; did you mean {}?", s.join(", ")),
            };
            format!(
                "environment {}: no option reads it, so it is ignored{meant}",
                callaudit::sanitize::terminal_safe(name)
            )
        })
        .collect()
}

/// The variables `name` may have meant (`suggest::nearest`): those a typo or two away when
/// there are any, the nearest of them only (`CALLAUDIT_FAIL_UNDR` is `CALLAUDIT_FAIL_UNDER`,
/// not also `CALLAUDIT_FAIL_ON`, three edits away: the names share a long prefix, so many are
/// near), else all it found (`CALLAUDIT_FAIL`: each gate's).
fn meant_variables(name: &str, known: &[String]) -> Vec<String> {
    let near = callaudit::suggest::nearest(name, known);
    let edits = |k: &String| strsim::levenshtein(&k.to_lowercase(), &name.to_lowercase());
    match near.iter().map(edits).min() {
        Some(best) if best <= 2 => near.into_iter().filter(|k| edits(k) == best).collect(),
        _ => near,
    }
}

/// Warns of the `CALLAUDIT_` variables set that callaudit does not read (`unread_variables`).
/// Said by the commands that read the environment; `merge` and the others that read none
/// ignore every variable alike.
fn warn_unread_variables() {
    let set: Vec<(String, bool)> = std::env::vars_os()
        .map(|(name, value)| (name.to_string_lossy().into_owned(), value.is_empty()))
        .collect();
    for w in unread_variables(&set, &known_variables()) {
        say!("callaudit: warning: {w}");
    }
}

/// How high a level an option's value came from (command line 3, environment 2, config file 1,
/// else 0) and where, as messages name it; the command line when nothing was recorded (the
/// commands that read no config file).
pub fn level_of(p: &Provenance, key: &str) -> (u8, String) {
    match p.settings.iter().find(|s| s.key == key) {
        Some(s) => (level(&s.source), s.source.to_string()),
        None => (level(&Source::CommandLine), Source::CommandLine.to_string()),
    }
}

/// How high a level a setting came from: command line > environment > config file.
fn level(source: &Source) -> u8 {
    match source {
        Source::CommandLine => 3,
        Source::Environment(_) => 2,
        Source::File(_) => 1,
        Source::BuiltIn | Source::Unset => 0,
    }
}

/// The date window is one setting, given as `--since`/`--until` or as `--last`/`--as-of`: the
/// highest level that gives one gives it, and a lower level's other form is dropped, with a
/// warning (a back-fill's `--since … --until …` on the command line is not silently narrowed
/// by the config file's `last = "1d"`). Both forms at one level still meet (their overlap).
fn one_window(cli: &mut Cli, provenance: &mut Provenance) {
    use super::args::Command;
    let filter = match &mut cli.command {
        Command::Audit(a) => &mut a.filter,
        Command::Sample(a) => &mut a.filter,
        Command::Config(super::args::ConfigCommand::Show(a)) => &mut a.filter,
        _ => return,
    };
    let top = |keys: [&str; 2]| -> (u8, Vec<&Setting>) {
        let set: Vec<&Setting> = provenance
            .settings
            .iter()
            .filter(|s| keys.contains(&s.key.as_str()) && level(&s.source) > 0)
            .collect();
        (set.iter().map(|s| level(&s.source)).max().unwrap_or(0), set)
    };
    let (dates, dates_set) = top(["since", "until"]);
    let (span, span_set) = top(["last", "as-of"]);
    if dates == 0 || span == 0 || dates == span {
        return;
    }
    let said = |set: &[&Setting]| -> String {
        set.iter()
            .map(|s| match &s.source {
                Source::CommandLine => format!("--{} {}", s.key, s.values.join(",")),
                Source::Environment(var) => format!("{var}={}", s.values.join(",")),
                Source::File(at) => format!("{} = \"{}\" ({at})", s.key, s.values.join(",")),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kept, dropped, dropped_keys) = if dates > span {
        filter.last = None;
        filter.as_of = None;
        (said(&dates_set), said(&span_set), ["last", "as-of"])
    } else {
        filter.since = None;
        filter.until = None;
        (said(&span_set), said(&dates_set), ["since", "until"])
    };
    say!(
        "callaudit: warning: the date window of {} replaces that of {}: it comes from the highest level that sets one (command line > environment > config file)",
        callaudit::sanitize::terminal_safe_lines(&kept),
        callaudit::sanitize::terminal_safe_lines(&dropped)
    );
    for s in &mut provenance.settings {
        if dropped_keys.contains(&s.key.as_str()) {
            s.values.clear();
            s.source = Source::Unset;
        }
    }
}

/// An error about an option (`--fail-under 101: expected a score …`, `--threads must be at
/// least 1`) whose value came from the environment or the config file, with where it came from
/// in front, as clap's own refusals get it: `CALLAUDIT_FAIL_UNDER=101: --fail-under 101: …`,
/// `callaudit.toml:2:1: --fail-under 101: …`. Other messages as they are.
pub fn located(message: &str, p: &Provenance) -> String {
    let Some(rest) = message.strip_prefix("--") else {
        return message.to_string();
    };
    let long = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .next()
        .unwrap_or_default();
    let Some(setting) = p.settings.iter().find(|s| s.key == long) else {
        return message.to_string();
    };
    match &setting.source {
        Source::Environment(var) => {
            let value = std::env::var(var).unwrap_or_else(|_| setting.values.join(","));
            format!("{var}={value}: {message}")
        }
        Source::File(at) => format!("{at}: {message}"),
        _ => message.to_string(),
    }
}

/// `--color` given to a command that prints nothing in colour (`sample`, `calibrate`,
/// `rubric lint`): said plainly, rather than as clap's unknown argument with its tip to pass it
/// as an input after `--`.
fn colour_refused(e: &clap::Error, args: &[OsString]) -> Option<anyhow::Error> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    if arg != "--color" && !arg.starts_with("--color=") {
        return None;
    }
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .take(2)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let command = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["rubric", "lint", ..] => "rubric lint",
        ["sample", ..] => "sample",
        ["calibrate", ..] => "calibrate",
        _ => return None,
    };
    Some(anyhow::anyhow!(
        "--color: `callaudit {command}` prints nothing in colour (its sheets, tables and lists \
         are plain text): --color is for audit, explain and merge; a script that sets colour for \
         every command sets NO_COLOR=1 or CALLAUDIT_COLOR=never instead, which the others ignore"
    ))
}

/// Exits with clap's error or output. Help and version go to stdout, and a write that fails
/// there (a full disk, a closed stdout) is an error, exit 2, as for a report: clap's own exit
/// drops the error and exits 0, and `callaudit --version > version.txt` on a full disk left an
/// empty file and success (tester t15's finding 4). On a terminal clap prints them itself, in
/// colour.
fn exit_clap(e: clap::Error) -> ! {
    use std::io::{IsTerminal, Write};
    if e.use_stderr() || std::io::stdout().is_terminal() {
        e.exit()
    }
    let what = if e.kind() == clap::error::ErrorKind::DisplayVersion {
        "the version"
    } else {
        "the help"
    };
    let text = e.render().to_string();
    let written = callaudit::output::stdout_open(what).and_then(|()| {
        let mut out = callaudit::output::stdout();
        out.write_all(text.as_bytes())?;
        out.flush()
    });
    match written {
        Ok(()) => std::process::exit(0),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(err) => {
            super::say!("callaudit: error: {err}");
            std::process::exit(2)
        }
    }
}

/// Exits with clap's error, naming the `CALLAUDIT_` variable when the bad value came from one
/// (clap says `invalid value 'abc' for '--fail-under <SCORE>'` whether it was typed or not): the
/// option is not on the command line and its variable is set.
fn exit_naming_variable(e: clap::Error, args: &[OsString]) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        exit_clap(e)
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        exit_clap(e)
    };
    let Some(long) = arg
        .strip_prefix("--")
        .and_then(|a| a.split([' ', '=']).next())
    else {
        exit_clap(e)
    };
    let short = command()
        .get_subcommands()
        .flat_map(|c| std::iter::once(c).chain(c.get_subcommands()))
        .flat_map(|c| c.get_arguments())
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_short());
    let typed = args.iter().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == format!("--{long}")
            || a.starts_with(&format!("--{long}="))
            || short.is_some_and(|c| a.starts_with(&format!("-{c}")) && !a.starts_with("--"))
    });
    let var = format!("CALLAUDIT_{}", long.to_uppercase().replace('-', "_"));
    let value = std::env::var_os(&var).filter(|v| !v.is_empty());
    let (Some(value), false) = (value, typed) else {
        exit_clap(e)
    };
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    // A flag's variable (`BoolishValueParser`): say what it takes.
    let hint = if message.ends_with("value was not a boolean") {
        "; expected true or false (also 1/0, yes/no, on/off)"
    } else {
        ""
    };
    say!(
        "callaudit: error: {var}={}: {}{hint}",
        callaudit::sanitize::terminal_safe_lines(&value.to_string_lossy()),
        callaudit::sanitize::terminal_safe_lines(message)
    );
    std::process::exit(2)
}

/// The config file's settings as arguments for the command line parser: options (unless
/// the command line or environment set them), inputs (unless the command line named some),
/// and where in the file each came from.
fn file_args(
    values: &[FileValue],
    audit_like: bool,
    leaf: &ArgMatches,
    leaf_cmd: &clap::Command,
) -> (Vec<OsString>, Vec<OsString>, HashMap<String, String>) {
    let shared = shared_keys();
    let mut extra: Vec<OsString> = Vec::new();
    let mut inputs: Vec<OsString> = Vec::new();
    let mut from_file: HashMap<String, String> = HashMap::new();
    for v in values {
        if !audit_like && !shared.contains(&v.key) {
            continue;
        }
        if v.key == INPUTS {
            if leaf.value_source("inputs") != Some(ValueSource::CommandLine) {
                inputs.extend(v.values.iter().map(OsString::from));
                from_file.insert(v.key.clone(), v.at.clone());
            }
            continue;
        }
        let Some(arg) = leaf_cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(v.key.as_str()))
        else {
            continue;
        };
        let id = arg.get_id().as_str();
        if matches!(
            leaf.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        from_file.insert(v.key.clone(), v.at.clone());
        if v.off {
            continue;
        }
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            extra.push(format!("--{}", v.key).into());
        } else {
            for value in &v.values {
                extra.push(format!("--{}={value}", v.key).into());
            }
        }
    }
    (extra, inputs, from_file)
}

/// The command line with the config file's options and inputs added.
fn with_file_args(args: &[OsString], extra: Vec<OsString>, inputs: Vec<OsString>) -> Vec<OsString> {
    // File options go before a `--` (after which everything is an input), file inputs after.
    let dashdash = args.iter().position(|a| a == "--");
    let mut full: Vec<OsString> = match dashdash {
        Some(i) => {
            let mut v = args[..i].to_vec();
            v.extend(extra);
            v.extend_from_slice(&args[i..]);
            v
        }
        None => {
            let mut v = args.to_vec();
            v.extend(extra);
            v
        }
    };
    if !inputs.is_empty() {
        if dashdash.is_none() {
            full.push("--".into());
        }
        full.extend(inputs);
    }
    full
}

/// The command line parser, with an option's environment variable left out when it is set
/// but empty (`CALLAUDIT_RUBRIC=` means no rubric given, not an empty one).
fn command() -> clap::Command {
    fn skip_empty_env(cmd: clap::Command) -> clap::Command {
        let empty: Vec<String> = cmd
            .get_arguments()
            .filter(|a| {
                a.get_env()
                    .and_then(std::env::var_os)
                    .is_some_and(|v| v.is_empty())
            })
            .map(|a| a.get_id().to_string())
            .collect();
        let mut cmd = cmd;
        for id in empty {
            cmd = cmd.mut_arg(id, |a| a.env(None::<&str>));
        }
        cmd.mut_subcommands(skip_empty_env)
    }
    config_hidden_where_unread(skip_empty_env(Cli::command()))
}

/// `--config` and `--no-config` (global options) left out of the help, manual and completions
/// of the commands that read no config file (`merge`, `rubric show|check|test`, `completions`,
/// `man`): they refuse `--config` and ignore `CALLAUDIT_CONFIG`, so advertising them there
/// promised defaults that never apply.
pub fn config_hidden_where_unread(cmd: clap::Command) -> clap::Command {
    // A subcommand that has an option of a global option's id keeps its own (clap does not
    // propagate the global one there): the same option, hidden.
    let own: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| matches!(a.get_id().as_str(), "config" | "no_config"))
        .map(|a| a.clone().global(false).hide(true))
        .collect();
    fn hide(cmd: clap::Command, path: &mut Vec<String>, own: &[clap::Arg]) -> clap::Command {
        let mut cmd = cmd;
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let leaf = names.is_empty();
        for name in names {
            path.push(name.clone());
            cmd = cmd.mut_subcommand(&name, |c| hide(c, path, own));
            path.pop();
        }
        let reads = READERS
            .iter()
            .any(|r| r.iter().copied().eq(path.iter().map(String::as_str)));
        if !path.is_empty() && leaf && !reads {
            cmd = cmd.args(own.iter().cloned());
        }
        cmd
    }
    hide(cmd, &mut Vec::new(), &own)
}

/// The command as the completion scripts see it: `--config` and `--no-config` only on the
/// commands that read a config file. Hiding them (`config_hidden_where_unread`) is not enough
/// there: clap_complete lists hidden options too, so they are made local to the commands that
/// read one instead of global.
pub fn config_only_where_read(cmd: clap::Command) -> clap::Command {
    let is_config = |a: &clap::Arg| matches!(a.get_id().as_str(), "config" | "no_config");
    let own: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| is_config(a))
        .map(|a| a.clone().global(false))
        .collect();
    let mut cmd = cmd
        .mut_arg("config", |a| a.global(false))
        .mut_arg("no_config", |a| a.global(false));
    for path in READERS {
        let add = |c: clap::Command| c.args(own.iter().cloned());
        cmd = match path {
            [one] => cmd.mut_subcommand(one, add),
            [outer, inner] => cmd.mut_subcommand(outer, |c| c.mut_subcommand(inner, add)),
            _ => cmd,
        };
    }
    cmd
}

/// The command line parser with inputs optional (they may come from the config file).
fn lenient() -> clap::Command {
    let mut cmd = command();
    for path in READERS {
        cmd = match path {
            [one] => cmd.mut_subcommand(one, |c| c.mut_arg("inputs", |a| a.required(false))),
            [outer, inner] => cmd.mut_subcommand(outer, |c| {
                c.mut_subcommand(inner, |c| c.mut_arg("inputs", |a| a.required(false)))
            }),
            _ => cmd,
        };
    }
    cmd
}

/// The `audit` command: its long options are the config file's keys.
fn audit_command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd.find_subcommand("audit")
        .expect("the audit subcommand")
        .clone()
}

fn find_command(root: &clap::Command, path: &[&str]) -> clap::Command {
    let mut cmd = root.clone();
    cmd.build();
    for name in path {
        let mut next = cmd
            .find_subcommand(name)
            .expect("a known subcommand")
            .clone();
        next.build();
        cmd = next;
    }
    cmd
}

/// The keys that every command reading inputs takes: how to read them and which calls.
fn shared_keys() -> Vec<String> {
    use clap::Args;
    let input = crate::cli::args::InputArgs::augment_args(clap::Command::new("x"));
    let filter = crate::cli::args::FilterArgs::augment_args(clap::Command::new("x"));
    // `color` too: it applies to `explain` (the commands that have no such option skip it).
    let colour = crate::cli::args::ColorArgs::augment_args(clap::Command::new("x"));
    // And `overrides`: `explain` scores a call as the overridden report does only if it reads
    // the sheet the report read, wherever that was set (tester t26 X4).
    let review = crate::cli::args::OverridesArgs::augment_args(clap::Command::new("x"));
    input
        .get_arguments()
        .chain(filter.get_arguments())
        .chain(colour.get_arguments())
        .chain(review.get_arguments())
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain([INPUTS.to_string()])
        .collect()
}

fn leaf_of(m: &ArgMatches) -> (Vec<&str>, &ArgMatches) {
    let mut path = Vec::new();
    let mut cur = m;
    while let Some((name, sub)) = cur.subcommand() {
        path.push(name);
        cur = sub;
    }
    (path, cur)
}

/// The config file: --config (or CALLAUDIT_CONFIG), else ./callaudit.toml if there is one.
fn choose_file(leaf: &ArgMatches) -> anyhow::Result<Option<(PathBuf, &'static str)>> {
    if leaf.get_flag("no_config") {
        return Ok(None);
    }
    if let Some(path) = leaf.get_one::<PathBuf>("config") {
        let why = match leaf.value_source("config") {
            Some(ValueSource::EnvVariable) => "CALLAUDIT_CONFIG",
            _ => "--config",
        };
        if !path.is_file() {
            let what = match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => "a directory, not a file",
                Ok(_) => "not a regular file",
                Err(_) => "no such file",
            };
            anyhow::bail!(
                "{why} {}: {what} (a config file is a TOML file of audit options)",
                path.display()
            );
        }
        return Ok(Some((path.clone(), why)));
    }
    let default = Path::new(DEFAULT_FILE);
    Ok(default
        .is_file()
        .then(|| (default.to_path_buf(), "the working directory")))
}

/// A setting's text values, and whether it was set to `false`.
fn texts_and_off(scalars: Vec<Scalar>) -> (Vec<String>, bool) {
    let mut values = Vec::new();
    let mut off = false;
    for s in scalars {
        match s {
            Scalar::Bool(b) => off = !b,
            Scalar::Text(t) => values.push(t),
        }
    }
    (values, off)
}

/// Makes a path setting's relative paths relative to the config file's directory.
fn relative_to_file(k: &str, values: &mut [String], path: &Path) {
    let dir = path.parent().unwrap_or(Path::new(""));
    for v in values {
        // `rubric = "builtin:es"` names a built-in rubric, not a file.
        let builtin = k == "rubric" && callaudit::rubric::builtin_text(v).is_some();
        if v != "-" && !builtin && Path::new(v.as_str()).is_relative() {
            *v = dir.join(v.as_str()).display().to_string();
        }
    }
}

/// Reads and checks the config file: every key an audit option, every value one it accepts.
fn read_file(path: &Path, audit: &clap::Command) -> anyhow::Result<Vec<FileValue>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("config file {name}"))?;
    let at = |offset: usize| {
        let (line, column) = callaudit::rubric::compile::line_col(&text, offset);
        format!("{name}:{line}:{column}")
    };
    // Problems in the order of the file, each with its byte offset.
    let mut errors: Vec<(usize, String)> = Vec::new();
    let table = toml::de::DeTable::parse(&text).map_err(|e| {
        let where_ = e
            .span()
            .map_or_else(|| format!("{name}:1:1"), |s| at(s.start));
        anyhow::anyhow!("{where_}: {}", e.message().trim())
    })?;
    let keys: Vec<String> = audit
        .get_arguments()
        .filter(|a| !a.is_positional() && !is_meta(a.get_id().as_str()))
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain([INPUTS.to_string()])
        .collect();
    let mut out = Vec::new();
    for (key, value) in table.get_ref() {
        let k = key.get_ref().as_ref();
        let key_at = at(key.span().start);
        if !keys.iter().any(|x| x == k) {
            errors.push((
                key.span().start,
                format!("{key_at}: {}", unknown_key(k, &keys)),
            ));
            continue;
        }
        let arg = audit.get_arguments().find(|a| a.get_long() == Some(k));
        let flag = arg.is_some_and(|a| matches!(a.get_action(), ArgAction::SetTrue));
        let many = k == INPUTS || arg.is_some_and(|a| matches!(a.get_action(), ArgAction::Append));
        let value_at = at(value.span().start);
        let scalars = match scalars(value.get_ref(), many, flag) {
            Ok(v) => v,
            Err(e) => {
                errors.push((value.span().start, format!("{value_at}: {k}: {e}")));
                continue;
            }
        };
        let (mut values, off) = texts_and_off(scalars);
        if let Some(arg) = arg
            && !flag
        {
            for v in &values {
                if let Err(e) = check_value(arg, v) {
                    errors.push((value.span().start, format!("{value_at}: {k} = {v:?}: {e}")));
                }
            }
        }
        if k == INPUTS || PATH_KEYS.contains(&k) {
            relative_to_file(k, &mut values, path);
        }
        out.push(FileValue {
            key: k.to_string(),
            at: key_at,
            values,
            off,
        });
    }
    if !errors.is_empty() {
        errors.sort();
        let lines: Vec<String> = errors.into_iter().map(|(_, e)| e).collect();
        anyhow::bail!("{}", lines.join("\n"));
    }
    Ok(out)
}

/// Options that are about the command line itself, not the audit.
fn is_meta(id: &str) -> bool {
    matches!(id, "help" | "version" | "config" | "no_config")
}

fn unknown_key(key: &str, keys: &[String]) -> String {
    let dashed = key.replace('_', "-");
    let best = keys
        .iter()
        .map(|k| (strsim::jaro_winkler(&dashed, k), k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((score, k)) if *k == dashed || score > 0.85 => format!("; did you mean `{k}`?"),
        _ => String::new(),
    };
    let tables = if key == "audit" {
        " (options go at the top level, without a table)"
    } else {
        ""
    };
    format!(
        "unknown key `{key}`{tables}: a config file holds `callaudit audit` options by their long names, and `inputs`{hint}"
    )
}

enum Scalar {
    Bool(bool),
    Text(String),
}

fn scalar(v: &toml::de::DeValue<'_>, flag: bool) -> Result<Scalar, String> {
    use toml::de::DeValue;
    match v {
        DeValue::Boolean(b) if flag => Ok(Scalar::Bool(*b)),
        DeValue::Boolean(_) => Err("expected a value, not true or false".into()),
        _ if flag => Err("expected true or false".into()),
        DeValue::String(s) => Ok(Scalar::Text(s.to_string())),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(|n| Scalar::Text(n.to_string()))
            .map_err(|e| format!("integer {}: {e}", i.as_str())),
        DeValue::Float(f) => Ok(Scalar::Text(f.as_str().replace('_', ""))),
        DeValue::Datetime(d) => Ok(Scalar::Text(d.to_string())),
        DeValue::Array(_) => Err("expected one value, not a list".into()),
        DeValue::Table(_) => Err("expected a value, not a table".into()),
    }
}

fn scalars(v: &toml::de::DeValue<'_>, many: bool, flag: bool) -> Result<Vec<Scalar>, String> {
    match v {
        toml::de::DeValue::Array(items) if many => {
            items.iter().map(|i| scalar(i.get_ref(), flag)).collect()
        }
        other => scalar(other, flag).map(|s| vec![s]),
    }
}

/// Checks one value with the option's own parser, so that a bad value is named at its place
/// in the file rather than as a command-line error.
fn check_value(arg: &clap::Arg, value: &str) -> Result<(), String> {
    let probe = clap::Command::new("config")
        .no_binary_name(true)
        .arg(arg.clone().required(false).env(None::<&str>).hide(true));
    let long = arg.get_long().unwrap_or_default();
    match probe.try_get_matches_from([format!("--{long}={value}")]) {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = e.to_string();
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
                .collect();
            Err(lines
                .join(" ")
                .trim_start_matches("error: ")
                .replace("[possible values:", "(possible values:")
                .replace(']', ")"))
        }
    }
}

/// Every audit option with its final value and where it came from.
fn settings(
    cmd: &clap::Command,
    first: &ArgMatches,
    last: &ArgMatches,
    from_file: &HashMap<String, String>,
) -> Vec<Setting> {
    let mut out = Vec::new();
    let raw = |id: &str| -> Vec<String> {
        last.get_raw(id)
            .map(|vals| {
                vals.map(|v: &OsStr| v.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let inputs = raw("inputs");
    out.push(Setting {
        key: INPUTS.into(),
        source: if first.value_source("inputs") == Some(ValueSource::CommandLine) {
            Source::CommandLine
        } else if let Some(at) = from_file.get(INPUTS) {
            Source::File(at.clone())
        } else {
            Source::Unset
        },
        values: inputs,
        flag: false,
        many: true,
    });
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        let Some(long) = arg.get_long() else { continue };
        if arg.is_positional() || is_meta(id) {
            continue;
        }
        let flag = matches!(arg.get_action(), ArgAction::SetTrue);
        let source = match first.value_source(id) {
            Some(ValueSource::CommandLine) => Source::CommandLine,
            Some(ValueSource::EnvVariable) => Source::Environment(
                arg.get_env()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => match from_file.get(long) {
                Some(at) => Source::File(at.clone()),
                None if last.value_source(id) == Some(ValueSource::DefaultValue) => Source::BuiltIn,
                None => Source::Unset,
            },
        };
        out.push(Setting {
            key: long.to_string(),
            // A flag's raw value may be any of the environment's spellings (`yes`, `0`).
            values: if flag {
                vec![last.get_flag(id).to_string()]
            } else {
                raw(id)
            },
            source,
            flag,
            many: matches!(arg.get_action(), ArgAction::Append),
        });
    }
    out
}

/// The effective configuration as a config file, each value's source in a comment.
pub fn show(p: &Provenance) -> String {
    let mut out = String::from(
        "# callaudit audit: the effective configuration\n# (command line > environment > config file > built-in)\n",
    );
    match &p.file {
        Some((path, why)) => {
            let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            out.push_str(&format!("# config file: {} ({why})\n", shown.display()));
        }
        None => out.push_str("# config file: none\n"),
    }
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let lines: Vec<(String, String)> = p
        .settings
        .iter()
        .map(|s| {
            let value = if s.flag {
                (s.values.first().map(String::as_str) == Some("true")).to_string()
            } else if s.many {
                format!(
                    "[{}]",
                    s.values
                        .iter()
                        .map(|v| quote(v))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if let Some(v) = s.values.first() {
                if NUMBER_KEYS.contains(&s.key.as_str()) && v.parse::<f64>().is_ok() {
                    v.clone()
                } else {
                    quote(v)
                }
            } else {
                String::new()
            };
            let unset = s.source == Source::Unset || (!s.flag && s.values.is_empty());
            let line = if unset {
                format!("# {} =", s.key)
            } else {
                format!("{} = {value}", s.key)
            };
            let source = match (unset, UNSET_MEANS.iter().find(|(k, _)| *k == s.key)) {
                (true, Some((_, means))) => format!("{}: {means}", s.source),
                _ => s.source.to_string(),
            };
            (line, source)
        })
        .collect();
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (line, source) in lines {
        let pad = width - line.chars().count();
        out.push_str(&format!("{line}{} # {source}\n", " ".repeat(pad)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_read_are_the_options_and_the_direct_ones() {
        let known = known_variables();
        for v in [
            "CALLAUDIT_CONFIG",
            "CALLAUDIT_FAIL_UNDER",
            "CALLAUDIT_INPUT_FORMAT",
            "CALLAUDIT_CSV_BLOCK",
        ] {
            assert!(known.iter().any(|k| k == v), "{v}: {known:?}");
        }
        assert!(
            known.iter().all(|k| k.starts_with("CALLAUDIT_")),
            "{known:?}"
        );
        // A variable read directly from the environment is listed in READ_DIRECTLY (or named
        // by a constant that is): the warning of unread variables would otherwise name it.
        let direct = regex::Regex::new(r#"env::var(?:_os)?\(\s*"(CALLAUDIT_[A-Z0-9_]*)""#).unwrap();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for c in direct.captures_iter(&text) {
                        assert!(
                            known.iter().any(|k| *k == c[1]),
                            "{}: {}",
                            path.display(),
                            &c[1]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn variables_not_read_are_named_with_the_one_meant() {
        let known: Vec<String> = [
            "CALLAUDIT_FAIL_UNDER",
            "CALLAUDIT_FAIL_ON",
            "CALLAUDIT_QUIET",
        ]
        .map(String::from)
        .to_vec();
        let set = |names: &[(&str, bool)]| -> Vec<(String, bool)> {
            names.iter().map(|(n, e)| (n.to_string(), *e)).collect()
        };
        let said = unread_variables(
            &set(&[
                ("PATH", false),
                ("CALLAUDIT_QUIET", false),
                ("CALLAUDIT_FAIL_UNDR", false),
                ("CALLAUDIT_FAIL_ONN", true),
                ("callaudit_quiet", false),
                ("CALLAUDIT_ZZZZZZZZ", false),
            ]),
            &known,
        );
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(said[0].starts_with("environment CALLAUDIT_FAIL_UNDR: no option reads it"));
        assert!(
            said[0].ends_with("; did you mean CALLAUDIT_FAIL_UNDER?"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("environment CALLAUDIT_ZZZZZZZZ: "),
            "{said:?}"
        );
        assert!(said[1].ends_with("for --fail-under)"), "{said:?}");
        assert!(
            said[2].ends_with("; did you mean CALLAUDIT_QUIET?"),
            "{said:?}"
        );
    }

    #[test]
    fn every_audit_option_has_its_environment_variable() {
        for arg in audit_command().get_arguments() {
            let id = arg.get_id().as_str();
            let Some(long) = arg.get_long() else { continue };
            if is_meta(id) {
                continue;
            }
            let want = format!("CALLAUDIT_{}", long.to_uppercase().replace('-', "_"));
            assert_eq!(
                arg.get_env().and_then(|e| e.to_str()),
                Some(want.as_str()),
                "--{long} needs `env = \"{want}\"` (command line > environment > file)"
            );
            if matches!(arg.get_action(), ArgAction::SetTrue) {
                // `CALLAUDIT_STRICT=0` must mean false, not an error.
                let ok = clap::Command::new("t")
                    .arg(arg.clone())
                    .try_get_matches_from(["t"])
                    .is_ok();
                assert!(ok, "--{long}");
            }
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let keys: Vec<String> = ["fail-under", "color", "inputs"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(unknown_key("fail_under", &keys).ends_with("did you mean `fail-under`?"));
        assert!(unknown_key("colour", &keys).ends_with("did you mean `color`?"));
        assert!(!unknown_key("zzz", &keys).contains("did you mean"));
    }
}
