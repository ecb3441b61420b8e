//! `callaudit audit`: the main job. Reads and audits the inputs, builds one `Report`, checks
//! the gates against it, and writes it in the chosen format to stdout or atomically to `-o`.
//! Only the report goes to stdout; warnings, the run summary, gate failures and the progress
//! bar go to stderr.

use super::ExitCode;
use super::common::{
    Guard, SecondOutput, enricher, input_format, load_rubric, read_options, threads,
};
use super::report_output::{
    ReportOutput, agent_totals, gate_arrange_and_print, gate_exit_code, read_baseline,
    report_format,
};
use crate::cli::args::{AsOf, AuditArgs, FilterArgs};
use anyhow::bail;
use callaudit::accounting::Accounting;
use callaudit::aggregate::{Aggregate, GroupBy, Totals};
use callaudit::audit::CallAudit;
use callaudit::calibration::overrides::Overrides;
use callaudit::model::Call;
use callaudit::model::nfc;
use callaudit::output::{AtomicFile, Prepared, commit_all};
use callaudit::pipeline::{self, AuditSink, Filters, InputError, RunOptions};
use callaudit::privacy::Masker;
use callaudit::read::dates::parse_span_days;
use callaudit::read::enrich::Enricher;
use callaudit::read::input::{Discovered, discover, discover_on};
use callaudit::records::{self, CallRecords};
use callaudit::render::Format;
use callaudit::report::baseline::Baseline;
use callaudit::report::filters::RunFilters;
use callaudit::report::gates::{self, Gate};
use callaudit::report::{CALL_LIST_LIMIT, call_list_per_line};
use callaudit::report::{CallView, OverrideEntry, OverrideInfo, Report};
use callaudit::rubric::Rubric;
use callaudit::sanitize::terminal_safe;
use chrono::{Duration, NaiveDate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Collects audited calls: totals for the report, per-call records, evidence rows.
struct Collector<'r> {
    rubric: &'r Rubric,
    agg: Aggregate,
    /// Per-agent totals for `--fail-agent-under` when the report is grouped otherwise.
    by_agent: Option<Aggregate>,
    calls: Option<Box<dyn CallRecords>>,
    evidence: Option<Box<dyn CallRecords>>,
    masker: Masker,
    overrides: Option<Overrides>,
    /// Verdicts replaced by `--overrides`, and how many of them changed the tool's answer.
    overridden: u64,
    overridden_changed: u64,
    override_calls: HashSet<String>,
    override_list: Vec<OverrideEntry>,
    percent_fallback: bool,
    seconds_without_timings: bool,
    /// The HTML report's call list: the weakest calls so far, by (score, call id).
    weakest: Option<Weakest>,
    /// `--save-partial`: every call's record, as it is audited.
    partial: Option<callaudit::records::partial::PartialWriter>,
}

/// A call in two lists (the overall and its line's) is one view, built once.
type Kept = BTreeMap<(u32, String), Arc<CallView>>;

/// The calls the HTML report's call list may show, with their verdicts rendered: the
/// `CALL_LIST_LIMIT` weakest calls seen, and the weakest of each line (the report's levels but
/// a `call` level), as many per line as `CALL_LIST_KEPT_PER_LINE_TOTAL` allows up to
/// `CALL_LIST_PER_LINE`, since which lines are shown is known only at the end. The same sets
/// whatever order calls arrive in (ties go to the smaller call id): a line keeps its weakest
/// under the allowance of the final number of lines, which only shrinks.
struct Weakest {
    overall: Kept,
    /// The levels of a line whose weakest calls are kept (empty: none kept per line).
    line_levels: Vec<GroupBy>,
    lines: HashMap<Vec<String>, Kept>,
}

/// Keeps `view` among the `limit` weakest of `kept` when it is one of them (built only then).
fn keep_weakest(
    kept: &mut Kept,
    limit: usize,
    audit: &CallAudit,
    view: impl FnOnce() -> Arc<CallView>,
) {
    // Compared borrowed: most calls are turned away, and their id need not be copied.
    let key = (audit.score_centi, audit.call_id.as_str());
    let full = kept.len() >= limit
        && kept
            .last_key_value()
            .is_some_and(|((score, id), _)| (*score, id.as_str()) <= key);
    if limit == 0 || full {
        return;
    }
    kept.insert((audit.score_centi, audit.call_id.clone()), view());
    while kept.len() > limit {
        kept.pop_last();
    }
}

impl Weakest {
    fn new(levels: &[GroupBy]) -> Weakest {
        let line_levels: Vec<GroupBy> = levels
            .iter()
            .copied()
            .filter(|&l| l != GroupBy::Call)
            .collect();
        Weakest {
            overall: Kept::new(),
            line_levels,
            lines: HashMap::new(),
        }
    }

    fn offer(&mut self, rubric: &Rubric, call: &Call, audit: &CallAudit, masker: Masker) {
        let mut built: Option<Arc<CallView>> = None;
        let mut view = || {
            built
                .get_or_insert_with(|| {
                    Arc::new(super::explain::call_view(rubric, call, audit, masker))
                })
                .clone()
        };
        keep_weakest(&mut self.overall, CALL_LIST_LIMIT, audit, &mut view);
        if self.line_levels.is_empty() {
            return;
        }
        // By agent, the line is looked up by reference (as `Aggregate::add` does): a path is
        // only made for other levels.
        let made: Vec<String>;
        let path: &[String] = match self.line_levels.as_slice() {
            [GroupBy::Agent] => std::slice::from_ref(&audit.agent_id),
            levels => {
                made = levels.iter().map(|l| l.key(audit)).collect();
                &made
            }
        };
        if !self.lines.contains_key(path) {
            let before = call_list_per_line(self.lines.len());
            self.lines.insert(path.to_vec(), Kept::new());
            let now = call_list_per_line(self.lines.len());
            if now < before {
                // One line more: every line keeps fewer.
                for k in self.lines.values_mut() {
                    while k.len() > now {
                        k.pop_last();
                    }
                }
            }
        }
        let limit = call_list_per_line(self.lines.len());
        let kept = self.lines.get_mut(path).expect("inserted above");
        keep_weakest(kept, limit, audit, view);
    }

    fn clear(&mut self) {
        self.overall.clear();
        self.lines.clear();
    }

    /// Every call kept, once each, weakest first.
    fn views(&self) -> Vec<CallView> {
        let mut all: BTreeMap<&(u32, String), &Arc<CallView>> = self.overall.iter().collect();
        for (key, v) in self.lines.values().flatten() {
            all.entry(key).or_insert(v);
        }
        all.into_values().map(|v| CallView::clone(v)).collect()
    }
}

impl AuditSink for Collector<'_> {
    fn accept(&mut self, call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
        if let Some(o) = &self.overrides {
            o.apply(self.rubric, call, audit);
            if !audit.overridden.is_empty() {
                self.overridden += audit.overridden.len() as u64;
                self.overridden_changed += audit
                    .overridden
                    .iter()
                    .filter(|v| v.tool != v.reviewer)
                    .count() as u64;
                self.override_calls.insert(audit.call_id.clone());
                self.override_list
                    .extend(audit.overridden.iter().map(|v| OverrideEntry {
                        call_id: audit.call_id.clone(),
                        item: self.rubric.items[v.item].id.clone(),
                        tool: v.tool,
                        reviewer: v.reviewer,
                    }));
            }
        }
        self.agg.add(self.rubric, audit);
        if let Some(p) = self.partial.as_mut() {
            p.add(audit)?;
        }
        if let Some(a) = self.by_agent.as_mut() {
            a.add(self.rubric, audit);
        }
        self.percent_fallback |= audit.percent_fallback;
        self.seconds_without_timings |= audit.seconds_without_timings;
        if let Some(w) = self.weakest.as_mut() {
            w.offer(self.rubric, call, audit, self.masker);
        }
        if let Some(c) = self.calls.as_mut() {
            c.write(self.rubric, call, audit)?;
        }
        if let Some(e) = self.evidence.as_mut() {
            e.write(self.rubric, call, audit)?;
        }
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.agg.clear();
        if let Some(a) = self.by_agent.as_mut() {
            a.clear();
        }
        self.percent_fallback = false;
        self.seconds_without_timings = false;
        self.overridden = 0;
        self.overridden_changed = 0;
        self.override_calls.clear();
        self.override_list.clear();
        if let Some(w) = self.weakest.as_mut() {
            w.clear();
        }
        if let Some(p) = self.partial.as_mut() {
            p.reset()?;
        }
        // What the first pass wrote is taken back, also from stdout or a pipe: it was held.
        if let Some(c) = self.calls.as_mut() {
            c.restart()?;
        }
        if let Some(e) = self.evidence.as_mut() {
            e.restart()?;
        }
        Ok(())
    }
}

pub fn filters(args: &FilterArgs) -> anyhow::Result<Filters> {
    // Days, read when the options were parsed (`args::day`, `args::as_of`).
    let (mut since, mut until) = (args.since, args.until);
    // The window --since/--until ask for, before --last narrows it: named when the two miss.
    let (since_typed, until_typed) = (since, until);
    if let Some(span) = &args.last {
        let days = parse_span_days(span).map_err(|e| anyhow::anyhow!("--last {e}"))?;
        if days < 1 {
            bail!("--last `{span}`: the span must be at least one day");
        }
        // The span's last day: --as-of, or yesterday, the last whole day (a nightly job after
        // midnight audits the day that ended; today's calls are still coming in).
        let local_today = chrono::Local::now().date_naive();
        let today = match args.as_of {
            None | Some(AsOf::Yesterday) => local_today.pred_opt().unwrap_or(local_today),
            Some(AsOf::Today) => local_today,
            Some(AsOf::Day(day)) => day,
        };
        // A span that reaches back past year 1 starts there: a date every report writes as
        // YYYY-MM-DD (chrono's first day, -262143-01-01, is none; tester t19).
        let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
        let from = Duration::try_days(days - 1)
            .and_then(|back| today.checked_sub_signed(back))
            .map_or(first, |d| d.max(first));
        since = Some(since.map_or(from, |s| s.max(from)));
        // The span ends on --as-of (today by default): later calls are outside it.
        until = Some(until.map_or(today, |u| u.min(today)));
        if since > until {
            let typed = match (since_typed, until_typed) {
                (Some(s), Some(u)) => format!("--since {s} --until {u}"),
                (Some(s), None) => format!("--since {s}"),
                (None, Some(u)) => format!("--until {u}"),
                (None, None) => String::new(),
            };
            bail!(
                "--last {span} (from {from} to {today}) and {typed} do not overlap: no call can match (--last may come from a config file: `callaudit config show`)"
            );
        }
    } else if args.as_of.is_some() {
        bail!("--as-of only goes with --last");
    }
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        bail!("--since {s} is after --until {u}: no call can match");
    }
    Ok(Filters {
        since,
        until,
        // Composed, as the calls' agents and teams are: `--agent zoë` typed either way.
        agents: args.agents.iter().map(|a| nfc(a).into_owned()).collect(),
        teams: args.teams.iter().map(|t| nfc(t).into_owned()).collect(),
        call: None,
        only: None,
        spellings: None,
    })
}

/// The dates the filters keep, for the error when nothing matched: " dated 2026-11-26 to
/// 2026-12-02" (`--last` and `--as-of` resolved), or nothing without a date filter.
pub(super) fn dates_asked(filters: &Filters) -> String {
    match (filters.since, filters.until) {
        (Some(s), Some(u)) if s == u => format!(" dated {s}"),
        (Some(s), Some(u)) => format!(" dated {s} to {u}"),
        (Some(s), None) => format!(" dated {s} or later"),
        (None, Some(u)) => format!(" dated {u} or earlier"),
        (None, None) => String::new(),
    }
}

/// `--agent` filters name agents as the report does: through `--agent-case` and `--agents`.
pub fn resolve_filter_agents(filters: &mut Filters, enricher: Option<&Enricher>) {
    if let Some(e) = enricher {
        for a in &mut filters.agents {
            *a = e.resolve_agent(a);
        }
    }
}

/// `--calls -`: the per-call records go to stdout.
fn calls_path(args: &AuditArgs) -> Option<PathBuf> {
    args.calls.as_deref().map(|p| {
        if p == Path::new("-") {
            PathBuf::from("/dev/stdout")
        } else {
            p.to_path_buf()
        }
    })
}

/// The output files of a run, by flag.
fn outputs<'a>(args: &'a AuditArgs, calls: Option<&'a Path>) -> Vec<(&'static str, &'a Path)> {
    [
        ("-o", args.output.as_deref()),
        ("--calls", calls),
        ("--evidence", args.evidence.as_deref()),
        ("--save-partial", args.save_partial.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.map(|p| (flag, p)))
    .collect()
}

/// Refuses two outputs on one file (by name, or through a symlink): the later rename would
/// silently replace the earlier file.
fn distinct_outputs(args: &AuditArgs, calls: Option<&Path>) -> anyhow::Result<()> {
    // Any name of stdout (`-`, `/dev/stdout`, `/dev/fd/1`): not beside a report going there.
    let seconds: Vec<SecondOutput<'_>> = outputs(args, calls)
        .into_iter()
        .filter(|(flag, _)| *flag != "-o")
        .map(|(flag, path)| {
            let (shown, what, hint) = match flag {
                "--calls" => (
                    args.calls.as_deref().unwrap_or(path),
                    "the per-call records",
                    " (or see one line per call with --group-by call)",
                ),
                "--evidence" => (path, "the evidence", ""),
                _ => (path, "the partial", ""),
            };
            SecondOutput {
                flag,
                shown,
                path,
                what,
                hint,
            }
        })
        .collect();
    super::common::stdout_spared(args.output.as_deref(), "the report", &seconds)?;
    super::common::distinct_outputs(&super::common::with_updated_baseline(
        outputs(args, calls),
        &args.gates,
    ))
}

/// The report is JSON: the one format `-o` may write over `--baseline` in (rolling it forward).
fn report_is_json(args: &AuditArgs) -> bool {
    super::report_output::report_format(args.format) == Format::Json
}

/// A shard's report holds a slice of the run's calls: its gates would judge the slice against
/// the run's limits and its baseline, and `--update-baseline` would replace the baseline with
/// the slice (the last shard to finish winning). With the nightly options in `callaudit.toml`,
/// every shard of the documented recipe did both (tester t25 F6). Given on the command line or
/// in the environment, refused, first option first (a config file's are left out before:
/// `cli::shard_leaves_config_gates`). Checked first of all, before the gates are read.
fn shard_judges_nothing(args: &AuditArgs) -> anyhow::Result<()> {
    let Some(shard) = args.shard else {
        return Ok(());
    };
    if let Some((key, value)) = args.gates.judging().into_iter().next() {
        let given = if value.is_empty() {
            format!("--{key}")
        } else {
            format!("--{key} {value}")
        };
        let what = if key == "update-baseline" {
            "would replace the baseline with that slice"
        } else {
            "would judge that slice by the run's limits"
        };
        bail!(
            "{given} under --shard {}/{}: a shard's report holds only its slice of the run's calls, so it {what}; give gates and --update-baseline to `callaudit merge` of the shards' partials (a config file's are left out of a shard, with a warning)",
            shard.index,
            shard.count
        );
    }
    Ok(())
}

/// Refuses an output onto a file the run reads: a transcript (named, in an input directory, or
/// behind a symlink), the rubric, the metadata, the agents file, the review sheet, or (except
/// for a JSON `-o`, which may roll a baseline forward: it is read whole before anything is
/// written) the baseline. Files are compared by device and inode.
fn outputs_spare_inputs(
    args: &AuditArgs,
    calls: Option<&Path>,
    discovered: &Discovered,
) -> anyhow::Result<()> {
    let mut others = super::common::side_files(&args.input);
    others.push((
        args.review.overrides.as_deref(),
        "the review sheet",
        Guard::Always,
    ));
    others.push((
        args.gates.baseline.as_deref(),
        "the baseline",
        Guard::Baseline {
            json_report: report_is_json(args),
        },
    ));
    super::common::outputs_spare_inputs(
        &outputs(args, calls),
        args.output.is_none().then_some("the report"),
        Some(discovered),
        &others,
    )?;
    for w in super::common::new_outputs_in_input_dirs(&outputs(args, calls), &args.input.inputs) {
        say!("callaudit: warning: {}", terminal_safe(&w));
    }
    Ok(())
}

/// Input bytes below which no progress bar is shown: such runs take well under a second.
const PROGRESS_MIN_BYTES: u64 = 1 << 20;

/// Whether a progress bar belongs on stderr: a terminal, not `--quiet`, not CI, and enough
/// input for it to matter.
pub fn progress_wanted(stderr_is_terminal: bool, quiet: bool, ci: bool, bytes: u64) -> bool {
    stderr_is_terminal && !quiet && !ci && bytes >= PROGRESS_MIN_BYTES
}

fn progress_bar(args: &AuditArgs, discovered: &Discovered) -> Option<ProgressBar> {
    let total: u64 = discovered
        .inputs
        .iter()
        .map(|i| i.size().unwrap_or(0))
        .sum();
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if !progress_wanted(std::io::stderr().is_terminal(), args.quiet, ci, total) {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} auditing [{bar:30}] {bytes}/{total_bytes} {elapsed}<{eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    // The pipeline reports bytes per finished file: the spinner and clock show life within one.
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    shard_judges_nothing(&args)?;
    // With more than one thread the inputs are listed (a `stat` per file: tens of ms for 10,000
    // one-file-per-contact exports) on a thread of their own while the rubric compiles, instead
    // of one after the other before the pool starts. Not stdin, which listing reads to its end.
    // The listing is only looked at where it was made before, so errors come in the same order.
    // Decided without `threads()`, which warns: the warning comes once, from `run_listed`, after
    // the rubric is checked.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let overlap = args.input.threads.map_or(cores > 1, |n| n > 1)
        && !args.input.inputs.iter().any(|i| i == "-");
    if !overlap {
        return run_listed(&args, || discover(&args.input.inputs));
    }
    // Detached, not scoped: an early error (a bad rubric, gate or path) returns at once instead
    // of waiting for the walk of a large (or stalled) input tree to end.
    // The listing's `stat`s are shared with as many threads as the run will have.
    let stat_threads = args.input.threads.unwrap_or(cores).min(cores);
    let inputs = args.input.inputs.clone();
    let listing = std::thread::spawn(move || discover_on(&inputs, stat_threads));
    run_listed(&args, move || {
        listing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// `run`, with the inputs listed by `listed` (see `run`).
fn run_listed(
    args: &AuditArgs,
    listed: impl FnOnce() -> Result<Discovered, String>,
) -> anyhow::Result<ExitCode> {
    // Leaked on purpose: the compiled rubric (its automata and phrase tables) lives until the
    // process exits, and freeing it piece by piece there costs ~17 M instructions for nothing.
    let rubric: &'static _ = Box::leak(Box::new(load_rubric(&args.input)?));
    let read = read_options(&args.input)?;
    let format = input_format(&args.input)?;
    let threads = threads(&args.input)?;
    let mut filters = filters(&args.filter)?;
    let filters_have_date = filters.has_date();
    let dates_asked = dates_asked(&filters);
    let enricher = enricher(&args.input)?;
    resolve_filter_agents(&mut filters, enricher.as_ref());
    let report_format = report_format(args.format);
    // Check the gates and read the baseline before the work, so a typo fails fast.
    let gates = gates::gates(&args.gates.gate_args(), rubric)?;
    super::report_output::sort_spec(&args.lines.sort, rubric)?;
    super::report_output::updated_baseline_serves_fail_drop(&args.gates, &args.lines)?;
    let baseline = read_baseline(&args.gates)?;
    let overrides = super::common::read_overrides(&args.review, &args.input, rubric)?;
    // The judged calls' ids as read, for a "did you mean" on those not found.
    filters.spellings = overrides
        .as_ref()
        .map(|o| o.judged_calls().map(|(id, _)| id.to_lowercase()).collect());
    let calls_path = calls_path(args);
    distinct_outputs(args, calls_path.as_deref())?;
    // Warned of once every output is accepted (`collector` refuses a `--calls x.csv.gz`,
    // which was first said to be "written uncompressed"; tester t23 F8).
    let gz_outputs: Vec<(&str, std::path::PathBuf)> = outputs(args, calls_path.as_deref())
        .into_iter()
        .map(|(flag, p)| (flag, p.to_path_buf()))
        .collect();
    let discovered = listed().map_err(InputError)?;
    outputs_spare_inputs(args, calls_path.as_deref(), &discovered)?;
    // Open the outputs before the work, so a bad path fails fast.
    let report_file = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let run_filters = RunFilters::of(&filters);
    let mut sink = collector(
        args,
        rubric,
        calls_path,
        overrides,
        &gates,
        report_format,
        &run_filters,
    )?;
    super::common::warn_gz_outputs(
        &gz_outputs
            .iter()
            .map(|(flag, p)| (*flag, p.as_path()))
            .collect::<Vec<_>>(),
    );
    // The per-call outputs and the call list need the verdicts' evidence and reasons.
    let detail = sink.calls.as_ref().is_some_and(|c| c.needs_detail())
        || sink.evidence.is_some()
        || sink.weakest.is_some();
    let opts = RunOptions {
        rubric,
        read,
        format,
        threads,
        detail,
        audit: true,
        filters,
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
        shard: args.shard,
    };
    let mut acct = audit_inputs(args, &discovered, opts, &mut sink)?;
    // A shard may hold no call of a small input. An error replaces no output: the staged
    // files are dropped, and every output keeps what it held (the partial too).
    if acct.calls_audited == 0 && !args.allow_empty && args.shard.is_none() {
        return Err(InputError(
            format!("no calls matched: nothing to audit{dates_asked} (check the inputs and filters, or pass --allow-empty)"),
        )
        .into());
    }
    // The outputs are written whole first and put in place together at the end (the partial
    // last), so that a run that fails on one of them replaces none.
    let partial = sink
        .partial
        .take()
        .map(|p| finish_partial(p, &sink, &discovered, &acct, filters_have_date))
        .transpose()?;

    let inputs = discovered.inputs.iter().map(|i| i.name.clone()).collect();
    // Gates see every call, from the run's totals, before --top/--bottom cut the report; they
    // are taken before the report takes the totals' lines.
    let gate_totals = GateTotals {
        gates: &gates,
        overall: sink.agg.overall.clone(),
        agents: match &sink.by_agent {
            Some(a) => agent_totals(a),
            None if sink.agg.levels == [GroupBy::Agent] => agent_totals(&sink.agg),
            // No gate needs agents.
            None => BTreeMap::new(),
        },
    };
    let emptied = Aggregate::with_levels(rubric, sink.agg.levels.clone());
    let agg = std::mem::replace(&mut sink.agg, emptied);
    let spellings = std::mem::take(&mut acct.filtered.spellings);
    let mut report = Report::build(rubric, agg, acct, inputs);
    report.run.filters = callaudit::report::filters::merged(&[run_filters]);
    report.overrides = override_info(args, &mut sink, &spellings)?;
    let records = [sink.calls.take(), sink.evidence.take()]
        .into_iter()
        .flatten()
        .map(|r| r.finish())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let report_file = write_report(
        args,
        rubric,
        &mut report,
        &mut sink,
        &gate_totals,
        baseline.as_ref(),
        report_file,
    )
    .or_else(|e| super::common::unless_broken_pipe(e).map(|()| None))?;
    // Every output is whole. `--calls`, `--evidence` and `--save-partial` held for stdout, a
    // pipe or a device are written out first, as a write that fails there must replace no
    // file; then the files are put in place, the report first and the partial last (a merge
    // reads the partials). A reader that has gone (`--calls - | head -1`) is no error, and
    // hides no failed gate: the gates' verdict comes after.
    let baseline_file = super::report_output::updated_baseline(&args.gates, &mut report, rubric)?;
    commit_all(
        report_file
            .into_iter()
            .chain(baseline_file)
            .chain(records)
            .chain(partial),
    )?;
    Ok(gate_exit_code(&report))
}

/// The gates and what they read of a run's totals: the overall line and each agent's.
struct GateTotals<'g> {
    gates: &'g [Gate],
    overall: Totals,
    agents: BTreeMap<String, Totals>,
}

/// The report's way out (see `report_output`), from the run's totals and call list.
fn write_report(
    args: &AuditArgs,
    rubric: &Rubric,
    report: &mut Report,
    sink: &mut Collector<'_>,
    gate_totals: &GateTotals<'_>,
    baseline: Option<&Baseline>,
    report_file: Option<AtomicFile>,
) -> anyhow::Result<Option<Prepared>> {
    let report_format = report_format(args.format);
    let call_list = sink
        .weakest
        .take()
        .filter(|_| report_format == Format::Html)
        .map(|w| w.views());
    gate_arrange_and_print(
        report,
        ReportOutput {
            rubric,
            format: report_format,
            gates: gate_totals.gates,
            overall: &gate_totals.overall,
            agents: &gate_totals.agents,
            baseline,
            call_list,
            // Checked before the work (`run_listed`).
            sort: super::report_output::sort_spec(&args.lines.sort, rubric)?,
            top: args.lines.top,
            bottom: args.lines.bottom,
            min_calls: args.gates.min_calls,
            color: args.colour.color,
            quiet: args.quiet,
            csv_bom: args.csv_bom,
            csv_item_n: args.csv_item_n,
            file: report_file,
        },
    )
}

/// What `--overrides` changed, for the report (and said on stderr unless `--quiet`).
/// Calls the sheet judges that were not audited are a warning (an error with `--strict`).
fn override_info(
    args: &AuditArgs,
    sink: &mut Collector<'_>,
    spellings: &BTreeMap<String, BTreeSet<String>>,
) -> anyhow::Result<Option<OverrideInfo>> {
    let Some(path) = args.review.overrides.as_ref() else {
        return Ok(None);
    };
    // Verdicts for calls the run did not audit applied to nothing: said, not dropped.
    let mut not_applied: Vec<(String, u64)> = sink
        .overrides
        .iter()
        .flat_map(|o| o.judged_calls())
        .filter(|(id, _)| !sink.override_calls.contains(*id))
        .map(|(id, n)| (id.to_string(), n as u64))
        .collect();
    not_applied.sort_unstable();
    let info = OverrideInfo {
        file: path.display().to_string(),
        calls: sink.override_calls.len() as u64,
        verdicts: sink.overridden,
        changed: sink.overridden_changed,
        list: std::mem::take(&mut sink.override_list),
        not_applied,
    };
    if !info.not_applied.is_empty() {
        let ids: Vec<&str> = info.not_applied.iter().map(|(id, _)| id.as_str()).collect();
        let verdicts: u64 = info.not_applied.iter().map(|(_, n)| n).sum();
        // The first ids name the problem; the JSON report lists them all.
        const SHOWN: usize = 10;
        let more = match ids.len() {
            n if n > SHOWN => format!(" and {} more", n - SHOWN),
            _ => String::new(),
        };
        let message = format!(
            "{}: {} judged call(s) are not among the audited calls, so {verdicts} reviewer \
             verdict(s) were not applied: {}{more}{}",
            path.display(),
            ids.len(),
            ids[..ids.len().min(SHOWN)].join(", "),
            super::common::in_another_case(&ids, spellings)
        );
        if args.input.strict {
            return Err(InputError(message).into());
        }
        say!("callaudit: warning: {}", terminal_safe(&message));
    }
    if !args.quiet {
        say!("callaudit: {}", terminal_safe(&info.summary()));
    }
    Ok(Some(info))
}

/// The sink of the run, with the per-call outputs (`--calls`, `--evidence`, `--save-partial`)
/// opened before the work, so a bad path fails fast.
fn collector<'r>(
    args: &AuditArgs,
    rubric: &'r Rubric,
    calls_path: Option<PathBuf>,
    overrides: Option<Overrides>,
    gates: &[Gate],
    report_format: Format,
    filters: &RunFilters,
) -> anyhow::Result<Collector<'r>> {
    let masker = Masker::new(args.input.redact);
    let calls = calls_path
        .as_deref()
        .map(|p| {
            records::create(
                p,
                args.calls_format,
                rubric,
                masker,
                args.review.overrides.is_some(),
            )
        })
        .transpose()?;
    let evidence = args
        .evidence
        .as_deref()
        .map(|p| records::evidence::create(p, masker))
        .transpose()?;
    if args.save_partial.is_some() && args.review.overrides.is_some() {
        bail!(
            "--save-partial with --overrides: partials hold the tool's verdicts only; merge the partials, or audit with --overrides in one run"
        );
    }
    let partial = args
        .save_partial
        .as_deref()
        .map(|p| {
            callaudit::records::partial::PartialWriter::create(
                p,
                rubric,
                args.shard,
                filters,
                attribution(args)?,
            )
        })
        .transpose()?;
    // A partial keeps the weakest calls for the HTML report a merge may render.
    let call_list = report_format == Format::Html || partial.is_some();
    let levels = args.lines.group_by.0.clone();
    let gate_agents_apart = gates.iter().any(Gate::needs_agents) && levels != [GroupBy::Agent];
    Ok(Collector {
        rubric,
        agg: Aggregate::with_levels(rubric, levels),
        by_agent: gate_agents_apart.then(|| Aggregate::new(rubric, GroupBy::Agent)),
        calls,
        evidence,
        masker,
        overrides,
        overridden: 0,
        overridden_changed: 0,
        override_calls: HashSet::new(),
        override_list: Vec::new(),
        percent_fallback: false,
        seconds_without_timings: false,
        weakest: call_list.then(|| Weakest::new(&args.lines.group_by.0)),
        partial,
    })
}

/// Runs the pipeline over the inputs into `sink`, with the progress bar when it is wanted,
/// and prints the warnings and the summary (also when the run stops on an error).
fn audit_inputs(
    args: &AuditArgs,
    discovered: &Discovered,
    opts: RunOptions<'_>,
    sink: &mut Collector<'_>,
) -> anyhow::Result<Accounting> {
    let bar = progress_bar(args, discovered);
    let bytes_seen = AtomicU64::new(0);
    let progress_fn = bar.as_ref().map(|bar| {
        let bytes_seen = &bytes_seen;
        move |bytes: u64| {
            // The count starts again when calls split across files need a second pass.
            if bytes < bytes_seen.swap(bytes, Ordering::Relaxed) {
                bar.set_message("second pass for split calls");
            }
            bar.set_position(bytes);
        }
    });
    let opts = RunOptions {
        progress: progress_fn.as_ref().map(|f| f as &(dyn Fn(u64) + Sync)),
        ..opts
    };
    let run = pipeline::run(discovered, &opts, sink);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut acct = match run {
        Ok(acct) => acct,
        Err(stopped) => {
            // What was read before the error is still worth knowing.
            print_warnings(&stopped.acct);
            if !args.quiet {
                say!("{}", stopped.acct.summary());
                // Rows in flight when an output or a temporary file failed: no input's fault,
                // so counted under no skip reason, but not left out of the arithmetic.
                let a = &stopped.acct;
                let in_flight = a
                    .rows_read
                    .saturating_sub(a.rows_audited + a.rows_skipped_total());
                if in_flight > 0 {
                    say!(
                        "callaudit: {in_flight} row(s) read were neither audited nor skipped: the run stopped on the error below"
                    );
                }
            }
            return Err(stopped.error);
        }
    };
    if sink.percent_fallback {
        acct.warn_at_end(
            "a percent window fell back to turn share: some calls have no timings".into(),
        );
    }
    if sink.seconds_without_timings {
        acct.warn_at_end("items with a seconds window were n/a in calls without timings".into());
    }
    if let Some(warning) = acct.other_language(sink.rubric.text_rules.language) {
        acct.warn_at_end(warning);
    }
    print_warnings(&acct);
    if !args.quiet {
        if let Some(line) = filters_line(&args.filter, &opts.filters) {
            say!("callaudit: {}", terminal_safe(&line));
        }
        say!("{}", acct.summary());
    }
    Ok(acct)
}

/// The filters that chose the calls, for the run's summary on stderr, the date window with the
/// options that set it: `filters: dated 2026-11-27 to 2026-12-03 (--last 7d, ending
/// yesterday); team billing`; `None` without a filter. The table has no header, so stderr is
/// where its reader checks which days it covers (tester t17's F16); stdout stays the report.
pub(super) fn filters_line(args: &FilterArgs, filters: &Filters) -> Option<String> {
    let run = RunFilters::of(filters);
    if run.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(window) = run.dates.first() {
        let mut how = Vec::new();
        if let Some(span) = &args.last {
            how.push(format!("--last {}", span.trim()));
            how.push(match args.as_of {
                None => "ending yesterday".to_string(),
                Some(AsOf::Yesterday) => "--as-of yesterday".to_string(),
                Some(AsOf::Today) => "--as-of today".to_string(),
                Some(AsOf::Day(day)) => format!("--as-of {day}"),
            });
        }
        how.extend(args.since.map(|d| format!("--since {d}")));
        how.extend(args.until.map(|d| format!("--until {d}")));
        parts.push(format!("dated {} ({})", window.text(), how.join(", ")));
    }
    let others = RunFilters {
        dates: Vec::new(),
        ..run
    };
    if !others.is_empty() {
        parts.push(others.text());
    }
    Some(format!("filters: {}", parts.join("; ")))
}

/// Ends `--save-partial`: the weakest calls, the inputs with their sizes, the run's accounting
/// and the warnings a merge must give once.
fn finish_partial(
    partial: callaudit::records::partial::PartialWriter,
    sink: &Collector<'_>,
    discovered: &Discovered,
    acct: &Accounting,
    filters_have_date: bool,
) -> anyhow::Result<Prepared> {
    let views = sink
        .weakest
        .as_ref()
        .map(Weakest::views)
        .unwrap_or_default();
    let inputs = discovered
        .inputs
        .iter()
        .map(|i| {
            let size = i.size().unwrap_or(0);
            (i.name.clone(), size)
        })
        .collect();
    let once = callaudit::records::partial::once_warnings(
        acct,
        filters_have_date,
        sink.percent_fallback,
        sink.seconds_without_timings,
    );
    partial.finish(views, inputs, acct, once)
}

pub fn print_warnings(acct: &Accounting) {
    for w in &acct.warnings {
        // Warnings quote call ids and file content: nothing may reach the terminal raw.
        say!("callaudit: warning: {}", terminal_safe(w));
    }
    let hidden = acct
        .warnings_total
        .saturating_sub(acct.warnings.len() as u64);
    if hidden > 0 {
        say!("callaudit: warning: … and {hidden} more warning(s)");
    }
}

/// The run's attribution options, as its partial records them (merge refuses partials that
/// differ in them: one agent would become two lines).
fn attribution(args: &AuditArgs) -> anyhow::Result<callaudit::records::partial::Attribution> {
    use callaudit::records::partial::Attribution;
    let digest = |p: Option<&Path>| p.map(Attribution::digest_of).transpose();
    Ok(Attribution {
        agents: digest(args.input.agents_file.as_deref())?,
        metadata: digest(args.input.metadata.as_deref())?,
        // As the command line spells it (`exact`, `insensitive`).
        agent_case: clap::ValueEnum::to_possible_value(&args.input.agent_case)
            .map_or_else(String::new, |v| v.get_name().to_string()),
        redact: args.input.redact,
        read_options: Some(callaudit::records::partial::ReadOptions::new(
            args.input.map.as_deref(),
            &args.input.agent_names,
            args.input.agent_from_filename.as_deref(),
            args.input.date_from_path.as_deref(),
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::progress_wanted;

    #[test]
    fn progress_bar_needs_a_terminal_and_a_long_run() {
        let big = 8 << 20;
        assert!(progress_wanted(true, false, false, big));
        assert!(!progress_wanted(false, false, false, big), "pipe");
        assert!(!progress_wanted(true, true, false, big), "--quiet");
        assert!(!progress_wanted(true, false, true, big), "CI");
        assert!(!progress_wanted(true, false, false, 1000), "short run");
    }
}
