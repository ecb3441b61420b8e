//! What audit and explain share: rubric loading, read options, colour, enrichment, the review
//! sheet of `--overrides`, and the checks that outputs spare the files a run reads.

use crate::cli::args::{ColorChoice, InputArgs, OverridesArgs};
use anyhow::bail;
use callaudit::calibration::overrides::Overrides;
use callaudit::calibration::sheet;
use callaudit::output::{
    FileId, file_id, inode_of, names_stdout, stdout_metadata, written_in_place,
};
use callaudit::pipeline::InputError;
use callaudit::read::enrich::Enricher;
use callaudit::read::identity::Identity;
use callaudit::read::input::Discovered;
use callaudit::read::path_date::PathDates;
use callaudit::read::{ColumnMap, InputFormat, ReadOptions};
use callaudit::rubric::Rubric;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn load_rubric(args: &InputArgs) -> anyhow::Result<Rubric> {
    no_stdin_side_files(args)?;
    match &args.rubric {
        Some(path) => Rubric::load(path),
        None => Ok(Rubric::default_rubric()),
    }
}

/// `-` for a file that is read whole before the transcripts (`--rubric`, `--metadata`,
/// `--agents`) is refused, saying so: it was opened as a file named `-` ("No such file").
pub fn no_stdin_side_files(args: &InputArgs) -> anyhow::Result<()> {
    for (flag, path) in [
        ("--rubric", args.rubric.as_deref()),
        ("--metadata", args.metadata.as_deref()),
        ("--agents", args.agents_file.as_deref()),
    ] {
        no_stdin(flag, path)?;
    }
    Ok(())
}

/// Refuses `-` for an option that names a file it cannot read from stdin.
pub fn no_stdin(flag: &str, path: Option<&Path>) -> anyhow::Result<()> {
    if path.is_some_and(|p| p.as_os_str() == "-") {
        bail!("{flag} -: {flag} names a file, not stdin: name the file");
    }
    Ok(())
}

/// `--delimiter`: for the transcript CSVs and the review sheet (`calibrate`'s sheet,
/// `--overrides`, `--labels`); `None` sniffs it from each file's header.
pub fn delimiter(args: &InputArgs) -> anyhow::Result<Option<u8>> {
    Ok(match args.delimiter.as_deref() {
        None => None,
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter `{d}`: expected one ASCII character (or \\t)"),
    })
}

pub fn read_options(args: &InputArgs) -> anyhow::Result<ReadOptions> {
    let map = match &args.map {
        Some(spec) => ColumnMap::parse(spec).map_err(|e| anyhow::anyhow!("--map: {e}"))?,
        None => ColumnMap::default(),
    };
    Ok(ReadOptions {
        map,
        delimiter: delimiter(args)?,
        agent_names: args.agent_names.clone(),
        strict: args.strict,
        max_call_bytes: max_call_bytes(args)?,
    })
}

/// The smallest `--max-call-bytes`: a call of a few turns must fit.
const MIN_CALL_BYTES: u64 = 4 << 10;
/// The largest: a call's text is indexed by 32-bit offsets.
const MAX_CALL_BYTES: u64 = 1 << 31;

/// `--max-call-bytes`: `64M`, `512K`, `1G`, `100000`.
pub fn max_call_bytes(args: &InputArgs) -> anyhow::Result<u64> {
    let raw = args.max_call_bytes.trim();
    let lower = raw.to_ascii_lowercase();
    let lower = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, shift) = match lower.char_indices().last() {
        Some((i, 'k')) => (&lower[..i], 10),
        Some((i, 'm')) => (&lower[..i], 20),
        Some((i, 'g')) => (&lower[..i], 30),
        _ => (lower, 0),
    };
    let bytes = digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| {
            anyhow::anyhow!("--max-call-bytes `{raw}`: expected a size like 64M, 512K or 100000")
        })?;
    if !(MIN_CALL_BYTES..=MAX_CALL_BYTES).contains(&bytes) {
        bail!(
            "--max-call-bytes `{raw}`: expected between {} and {}",
            callaudit::read::describe_bytes(MIN_CALL_BYTES),
            callaudit::read::describe_bytes(MAX_CALL_BYTES)
        );
    }
    Ok(bytes)
}

pub fn input_format(args: &InputArgs) -> anyhow::Result<Option<InputFormat>> {
    match &args.input_format {
        None => Ok(None),
        Some(name) => InputFormat::from_name(name).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "--input-format `{name}`: expected one of {}",
                InputFormat::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
    }
}

/// Threads per core at most: more only add switching (and batches in flight, memory).
pub const THREADS_PER_CORE: usize = 4;

/// `--threads`, or every core; at most `THREADS_PER_CORE` per core (a warning says so when
/// more were asked for).
pub fn threads(args: &InputArgs) -> anyhow::Result<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    threads_for(args.threads, cores)
}

fn threads_for(asked: Option<usize>, cores: usize) -> anyhow::Result<usize> {
    let most = cores.saturating_mul(THREADS_PER_CORE);
    match asked {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) if n > most => {
            say!(
                "callaudit: warning: --threads {n}: using {most} ({THREADS_PER_CORE} per core, {cores} core(s))"
            );
            Ok(most)
        }
        Some(n) => Ok(n),
        None => Ok(cores),
    }
}

/// Colour on stdout: `always`, `never`, or on a terminal when NO_COLOR is unset.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Agent ids and call metadata the exports lack (`--agent-from-filename`, `--metadata`), dates
/// from paths (`--date-from-path`), and agent identity (`--agent-case`, `--agents`).
pub fn enricher(args: &InputArgs) -> anyhow::Result<Option<Enricher>> {
    no_stdin_side_files(args)?;
    let max_record_bytes = max_call_bytes(args)?;
    Enricher::with(
        args.agent_from_filename.as_deref(),
        args.metadata.as_deref(),
        max_record_bytes,
        Identity::new(
            args.agent_case,
            args.agents_file.as_deref(),
            max_record_bytes,
        )?,
        PathDates::new(args.date_from_path.as_deref())?,
    )
}

/// Runs the pipeline; when it stops on an error, prints the warnings of what it read first
/// (the error itself goes up to `main`).
pub fn run_pipeline(
    discovered: &callaudit::read::input::Discovered,
    opts: &callaudit::pipeline::RunOptions<'_>,
    sink: &mut dyn callaudit::pipeline::AuditSink,
) -> anyhow::Result<callaudit::accounting::Accounting> {
    callaudit::pipeline::run(discovered, opts, sink).map_err(|stopped| {
        super::audit::print_warnings(&stopped.acct);
        stopped.error
    })
}

/// An output beside the one that goes to stdout without `-o` (`audit`'s report, `sample`'s
/// sheet, `calibrate`'s agreement): (flag, the path as given, the path opened, what it
/// writes, a hint for the error).
pub struct SecondOutput<'a> {
    pub flag: &'a str,
    pub shown: &'a Path,
    pub path: &'a Path,
    pub what: &'a str,
    pub hint: &'a str,
}

/// The outputs given as `-`, which `dash_outputs` turned into `/dev/stdout`: messages name
/// them as the user did (`--evidence -`, not `--evidence /dev/stdout`).
static DASHED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

/// Notes that the output `flag` was given as `-`.
pub fn given_as_dash(flag: &'static str) {
    DASHED.lock().unwrap_or_else(|e| e.into_inner()).push(flag);
}

/// An output's path as the user gave it: `-` for one given so.
fn as_given(flag: &str, shown: &Path) -> String {
    let dashed = DASHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&flag);
    if dashed && shown == Path::new("/dev/stdout") {
        "-".to_string()
    } else {
        shown.display().to_string()
    }
}

/// Without `-o`, `main` (the report, …) goes to stdout, and `-o` may name stdout too
/// (`-o /dev/fd/1`). Refuses a second output that writes where `main` does, and two second
/// outputs that both write to stdout: they would interleave (or one replace the other). An
/// output writes to stdout when it names it (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`, a
/// link through one of these) or, when stdout is a pipe or a file, opens that very pipe or file
/// (compared by device and inode: `/proc/PID/fd/1`, the file stdout is redirected to). A device
/// (`/dev/null`, a terminal) may take several outputs by other names.
pub fn stdout_spared(
    main_output: Option<&Path>,
    main: &str,
    outputs: &[SecondOutput<'_>],
) -> anyhow::Result<()> {
    let stdout_id = stdout_metadata()
        .filter(|m| !is_device(m))
        .and_then(|m| inode_of(&m));
    let to_stdout = |path: &Path| {
        names_stdout(path)
            || stdout_id.as_ref().is_some_and(|id| {
                std::fs::metadata(path)
                    .ok()
                    .and_then(|m| inode_of(&m))
                    .is_some_and(|i| i == *id)
            })
    };
    let main_to_stdout = main_output.is_none_or(to_stdout);
    let mut earlier: Option<&SecondOutput<'_>> = None;
    for o in outputs.iter().filter(|o| to_stdout(o.path)) {
        if main_to_stdout {
            let named = main_output.map_or_else(String::new, |p| format!(" (-o {})", p.display()));
            bail!(
                "{} {} writes {} to stdout, where {main} goes too{named}: write {main} to a file with -o FILE{}",
                o.flag,
                as_given(o.flag, o.shown),
                o.what,
                o.hint
            );
        }
        if let Some(e) = earlier {
            bail!(
                "{} {} and {} {} both write to stdout ({} and {}): each output needs its own file",
                e.flag,
                as_given(e.flag, e.shown),
                o.flag,
                as_given(o.flag, o.shown),
                e.what,
                o.what
            );
        }
        earlier = Some(o);
    }
    Ok(())
}

#[cfg(unix)]
fn is_device(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_char_device() || m.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_device(_m: &std::fs::Metadata) -> bool {
    true
}

/// Refuses two outputs on one file (by name, or through a symlink): the later rename would
/// silently replace the earlier file. `outputs` are (flag, path).
pub fn distinct_outputs(outputs: &[(&str, &Path)]) -> anyhow::Result<()> {
    for (i, (a, pa)) in outputs.iter().enumerate() {
        for (b, pb) in &outputs[i + 1..] {
            match same_output(pa, pb) {
                Some(Sameness::Name) => bail!(
                    "{a} and {b} both name {}: each output needs its own file",
                    pa.display()
                ),
                Some(Sameness::File) => bail!(
                    "{a} {} and {b} {} are the same file (through a link or another path to it): each output needs its own file",
                    pa.display(),
                    pb.display()
                ),
                None => {}
            }
        }
    }
    Ok(())
}

/// How two outputs are one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sameness {
    /// One name (`x.csv` and `./x.csv`).
    Name,
    /// Two names of one existing file (a link).
    File,
}

/// Whether two output paths name one file that a staged write would replace: by name, or as
/// one existing file (devices and pipes are written in place, not replaced: two outputs may
/// share one).
fn same_output(a: &Path, b: &Path) -> Option<Sameness> {
    // `absolute` drops `.` components, so `x.csv` and `./x.csv` compare equal.
    let same_name = match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    if same_name {
        return Some(Sameness::Name);
    }
    let staged_id = |p: &Path| (!written_in_place(p)).then(|| file_id(p).ok()).flatten();
    match (staged_id(a), staged_id(b)) {
        (Some(ia), Some(ib)) if ia == ib => Some(Sameness::File),
        _ => None,
    }
}

/// The outputs with `--update-baseline`'s file among them, when it is given: the baseline is
/// written too, so an `-o` on that very file is two outputs into one file (tester t23 F1: an
/// HTML report silently replaced by the baseline's JSON), even a JSON one: after a run without
/// calls `--update-baseline` keeps the baseline, which `-o` would still replace (reviewer r26).
pub fn with_updated_baseline<'a>(
    mut outputs: Vec<(&'static str, &'a Path)>,
    gates: &'a crate::cli::args::GateFlags,
) -> Vec<(&'static str, &'a Path)> {
    if let (true, Some(baseline)) = (gates.update_baseline, gates.baseline.as_deref()) {
        outputs.push(("--update-baseline", baseline));
    }
    outputs
}

/// A write to a reader that has gone (`callaudit audit … | head -1`): not an error worth a
/// message. Seen through the csv crate's error, which wraps the write's (and has no `source`),
/// also once that is wrapped in an `io::Error` again (a CSV renderer's `?`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(is_broken_pipe_error)
}

/// Whether `e` is a broken pipe: an `io::Error` of that kind, or a csv error or an `io::Error`
/// wrapping one.
fn is_broken_pipe_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.kind() == std::io::ErrorKind::BrokenPipe
            || io
                .get_ref()
                .is_some_and(|inner| is_broken_pipe_error(inner));
    }
    if let Some(csv::ErrorKind::Io(io)) = e.downcast_ref::<csv::Error>().map(csv::Error::kind) {
        return is_broken_pipe_error(io);
    }
    false
}

/// `Ok` for a broken pipe, else the error: for a write whose reader has gone, after which the
/// run still owes its gates' lines and exit code (`audit … --fail-under 80 | head`).
pub fn unless_broken_pipe(e: anyhow::Error) -> anyhow::Result<()> {
    if is_broken_pipe(&e) { Ok(()) } else { Err(e) }
}

/// The config file this run's options were read from, if any (set once, before the command
/// runs), so that no output can replace it.
pub static CONFIG_FILE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// What an output may do to a file the run reads besides the transcripts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Guard {
    /// No output may replace it.
    Always,
    /// The `--baseline`: a JSON report (`-o`, when `json_report`) may roll it forward, as it is
    /// read whole before anything is written; no other output may replace it.
    Baseline { json_report: bool },
}

/// Refuses an output onto a file the run reads: a transcript of `discovered` (named, in an
/// input directory, or behind a symlink), or one of `others`: (path, what it is, how it is
/// guarded). Files are compared by device and inode.
///
/// `to_stdout` says what goes to stdout unnamed (`audit`'s report without `-o`, `explain`'s
/// text, …), if anything: stdout redirected onto a file the run reads (`>> in.csv`,
/// `1<> in.csv`) is refused like an output named so. Every command that reads files and writes
/// to stdout goes through here.
pub fn outputs_spare_inputs(
    outputs: &[(&str, &Path)],
    to_stdout: Option<&str>,
    discovered: Option<&Discovered>,
    others: &[(Option<&Path>, &str, Guard)],
) -> anyhow::Result<()> {
    // stdout as the file it is open on, when it is a regular file: a pipe, a terminal or
    // /dev/null is no file the run reads.
    let stdout_file = to_stdout.and_then(|what| {
        let meta = stdout_metadata().filter(|m| m.is_file())?;
        Some((what, inode_of(&meta)?))
    });
    if outputs.is_empty() && stdout_file.is_none() {
        return Ok(());
    }
    // Which file a path names: device and inode, or the canonical path.
    let identify = |path: &Path| match std::fs::metadata(path).ok().and_then(|m| inode_of(&m)) {
        Some(id) => Some(id),
        None => std::fs::canonicalize(path).ok().map(FileId::Path),
    };
    let mut read: Vec<(FileId, String, Guard)> = Vec::new();
    for input in discovered
        .iter()
        .flat_map(|d| d.inputs.iter())
        .filter(|i| i.name != "-")
    {
        // As listed, without another `stat`.
        let id = match input.meta() {
            Some(m) => Some(FileId::Inode(m.dev, m.ino)),
            None => identify(&input.path),
        };
        read.extend(id.map(|id| (id, format!("the input {}", input.name), Guard::Always)));
    }
    if let Some((dev, ino)) = discovered.and_then(|d| d.stdin_file) {
        read.push((
            FileId::Inode(dev, ino),
            "the file stdin is read from".into(),
            Guard::Always,
        ));
    }
    // The config file the options came from is read too: `audit … >> callaudit.toml` would
    // break the next run's options.
    let config = CONFIG_FILE.get().cloned().flatten();
    let others = others.iter().copied().chain(
        config
            .as_deref()
            .map(|p| (Some(p), "the config file", Guard::Always)),
    );
    for (path, what, guard) in others {
        if let Some(p) = path
            && let Some(id) = identify(p)
        {
            read.push((id, format!("{what} {}", p.display()), guard));
        }
    }
    if let Some((main, id)) = stdout_file
        && let Some((_, what, _)) = read.iter().find(|(i, _, _)| *i == id)
    {
        bail!(
            "stdout, where {main} goes, is {what}: an output may not replace a file the run reads (redirect stdout to another file)"
        );
    }
    for &(flag, path) in outputs {
        let Ok(id) = file_id(path) else { continue };
        if let Some((_, what, guard)) = read.iter().find(|(i, _, guard)| {
            *i == id && !(flag == "-o" && *guard == Guard::Baseline { json_report: true })
        }) {
            // The baseline may be rolled forward, but only by a report that can be one.
            let hint = if flag == "-o" && matches!(guard, Guard::Baseline { .. }) {
                " (only a JSON report may take the baseline's place: --format json, or --update-baseline beside a report of another name)"
            } else {
                ""
            };
            bail!(
                "{flag} {} is {what}: an output may not replace a file the run reads{hint}",
                path.display()
            );
        }
    }
    Ok(())
}

/// Warnings for outputs that do not exist yet and land inside an input directory under a name
/// the next run of the same command reads as a transcript (`audit indir -o indir/report.csv`):
/// this run is fine, but every later one reads the report as calls (and fails on its header),
/// and may not replace it (an output may not replace an input). Outputs that exist are
/// refused already when the run reads them; hidden names (`.report.csv`, under `.out/`) and
/// other extensions (`.html`, `.partial`) are not read from a directory.
pub fn new_outputs_in_input_dirs(outputs: &[(&str, &Path)], inputs: &[String]) -> Vec<String> {
    let dirs: Vec<(&str, PathBuf)> = inputs
        .iter()
        .filter(|i| i.as_str() != "-")
        .filter(|i| Path::new(i).is_dir())
        .filter_map(|i| Some((i.as_str(), std::fs::canonicalize(i).ok()?)))
        .collect();
    let mut warnings = Vec::new();
    for &(flag, path) in outputs {
        if path.exists() || path.starts_with("/dev") {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !callaudit::read::input::is_transcript_name(name) {
            continue;
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let Ok(parent) = std::fs::canonicalize(parent) else {
            continue;
        };
        let Some((shown, dir)) = dirs.iter().find(|(_, d)| parent.starts_with(d)) else {
            continue;
        };
        // As the directory walk passes them over: a hidden name, or under a hidden folder.
        let hidden = callaudit::read::input::is_hidden(std::ffi::OsStr::new(name))
            || parent.strip_prefix(dir).is_ok_and(|rest| {
                rest.components()
                    .any(|c| callaudit::read::input::is_hidden(c.as_os_str()))
            });
        if hidden {
            continue;
        }
        warnings.push(format!(
            "{flag} {}: a new file inside the input directory {shown}, named as a transcript: the next run over {shown} will read it as calls (and stop on it); write it outside the directory, or under a name starting with `.`",
            path.display()
        ));
    }
    warnings
}

/// The files besides the transcripts that a command reading `input` reads: the rubric, the
/// metadata and the agents file, as `outputs_spare_inputs` takes them.
pub fn side_files(input: &InputArgs) -> Vec<(Option<&Path>, &'static str, Guard)> {
    vec![
        (input.rubric.as_deref(), "the rubric", Guard::Always),
        (input.metadata.as_deref(), "the metadata", Guard::Always),
        (
            input.agents_file.as_deref(),
            "the agents file",
            Guard::Always,
        ),
    ]
}

/// Call ids for a message: sorted, the first ten, then how many more ("a, b, … and 3 more").
pub fn first_ids(mut ids: Vec<&str>) -> String {
    ids.sort_unstable();
    let shown = ids.iter().take(10).copied().collect::<Vec<_>>().join(", ");
    match ids.len().saturating_sub(10) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// For judged call ids that are not in the inputs: those read in another case (noted by the
/// pipeline in `FilteredOut::spellings`), as `; did you mean C-1001 for c-1001, …? (call ids are
/// matched exactly)`, the suggestion `explain --call` makes; nothing when none is.
pub fn in_another_case(
    ids: &[&str],
    spellings: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> String {
    const NAMED: usize = 5;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    let pairs: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            let read = spellings.get(&id.to_lowercase())?;
            if read.contains(*id) {
                return None;
            }
            let near = callaudit::suggest::nearest(id, read);
            (!near.is_empty()).then(|| {
                format!(
                    "{} for {}",
                    near.join(" or "),
                    callaudit::sanitize::terminal_safe(id)
                )
            })
        })
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    let more = match pairs.len().saturating_sub(NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "; did you mean {}{more}? (call ids are matched exactly, case included)",
        pairs[..pairs.len().min(NAMED)].join(", ")
    )
}

/// `--overrides` (`audit`, `explain`): the reviewers' verdicts from a filled review sheet. One
/// reading for both commands, so that `explain` refuses the sheets `audit` refuses (reviewer
/// splits, a bad cell, the sheet and an input both stdin) and applies the same verdicts.
pub fn read_overrides(
    review: &OverridesArgs,
    input: &InputArgs,
    rubric: &Rubric,
) -> anyhow::Result<Option<Overrides>> {
    let Some(path) = review.overrides.as_deref() else {
        return Ok(None);
    };
    sheet_not_stdin_twice("--overrides", path, &input.inputs)?;
    let sheet =
        sheet::read(path, rubric, delimiter(input)?).map_err(|e| InputError(e.to_string()))?;
    Ok(Some(
        Overrides::from_sheet(path, &sheet, rubric).map_err(|e| InputError(e.to_string()))?,
    ))
}

/// A review sheet given as `-` (stdin) beside an input that is stdin too: stdin is read once,
/// so one of them would read nothing.
pub fn sheet_not_stdin_twice(
    flag: &str,
    sheet: &std::path::Path,
    inputs: &[String],
) -> anyhow::Result<()> {
    if sheet == std::path::Path::new("-") && inputs.iter().any(|i| i == "-") {
        return Err(callaudit::pipeline::InputError(format!(
            "{flag} - and the input - both name stdin, which can be read once: give one of them as a file"
        ))
        .into());
    }
    Ok(())
}

/// Warns of outputs named `….gz`: callaudit writes them uncompressed, so `zcat` and `gzip -t`
/// would fail on them (a partial gzipped afterwards is read by `merge` as it is).
pub fn warn_gz_outputs(outputs: &[(&str, &std::path::Path)]) {
    for (flag, path) in outputs {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        {
            say!(
                "callaudit: warning: {flag} {}: written uncompressed (callaudit does not compress its outputs); drop the .gz, or gzip the file afterwards",
                callaudit::sanitize::terminal_safe(&path.display().to_string())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_ids_sorts_and_counts_the_rest() {
        assert_eq!(first_ids(vec!["b", "a"]), "a, b");
        let many: Vec<String> = (0..12).rev().map(|i| format!("c{i:02}")).collect();
        assert_eq!(
            first_ids(many.iter().map(String::as_str).collect()),
            "c00, c01, c02, c03, c04, c05, c06, c07, c08, c09 and 2 more"
        );
    }

    /// The csv crate's error has no `source`: the broken pipe inside is looked for.
    #[test]
    fn a_broken_pipe_is_seen_through_csv_errors() {
        use std::io;
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        let full = || io::Error::from_raw_os_error(28);
        assert!(is_broken_pipe(&pipe().into()));
        assert!(is_broken_pipe(&csv::Error::from(pipe()).into()));
        assert!(is_broken_pipe(
            &io::Error::from(csv::Error::from(pipe())).into()
        ));
        assert!(is_broken_pipe(
            &anyhow::Error::from(io::Error::from(csv::Error::from(pipe()))).context("report")
        ));
        assert!(!is_broken_pipe(
            &io::Error::from(csv::Error::from(full())).into()
        ));
        assert!(!is_broken_pipe(&anyhow::anyhow!("Broken pipe")));
    }

    #[test]
    fn threads_are_capped_per_core() {
        assert_eq!(threads_for(None, 2).unwrap(), 2);
        assert_eq!(threads_for(Some(3), 2).unwrap(), 3);
        assert_eq!(threads_for(Some(10_000), 2).unwrap(), 8);
        assert!(threads_for(Some(0), 2).is_err());
    }
}
