//! `callaudit merge`: one report from the partials of several runs (`audit --save-partial`).
//! The calls' records are replayed into the same totals one run builds, and the report is
//! made, gated, arranged and rendered by the same steps as `audit`'s, so that it is
//! byte-identical to one run over all the inputs when each call lies in one partial.

use super::ExitCode;
use super::common::Guard;
use super::report_output::{
    ReportOutput, agent_totals, gate_arrange_and_print, gate_exit_code, read_baseline,
    report_format,
};
use crate::cli::args::{ColorChoice, FormatArg, GateFlags};
use anyhow::bail;
use callaudit::aggregate::{Aggregate, GroupBy};
use callaudit::output::{AtomicFile, commit_all};
use callaudit::pipeline::{InputError, Shard};
use callaudit::read::input::{Discovered, stdin_file_id};
use callaudit::records::partial::{self, Attribution, Partial, ReadOptions};
use callaudit::render::Format;
use callaudit::render::arrange::SortSpec;
use callaudit::report::gates;
use callaudit::report::{CallView, Report};
use callaudit::rubric::Rubric;
use callaudit::sanitize::terminal_safe;
use clap::{Arg, Args};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(mut_args = gate_help)]
pub struct MergeArgs {
    /// Partials written by `callaudit audit --save-partial`
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,

    /// Report format: table, csv, json, markdown or html [default: what -o's extension names
    /// (.csv, .json, .md, .html), else table]
    #[arg(short, long, value_enum)]
    pub format: Option<FormatArg>,

    /// Write the report to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub lines: super::args::LineArgs,

    #[command(flatten)]
    pub gates: GateFlags,

    /// A call id in two partials is counted once per partial, with a warning (otherwise exit 2)
    #[arg(long)]
    pub allow_split_calls: bool,

    /// Start a CSV report with a UTF-8 byte order mark, so that Excel reads its names as
    /// UTF-8 (scripts may not expect one: off by default)
    #[arg(long)]
    pub csv_bom: bool,

    /// In a CSV report, follow each item's column with its n, `ITEM_n`: the calls the item
    /// applied to (an agent's empathy 0.0 may be 0 of 3 upset calls)
    #[arg(long)]
    pub csv_item_n: bool,

    /// Exit 0 with an empty report when the partials hold no call (otherwise exit 2)
    #[arg(long)]
    pub allow_empty: bool,

    /// Colour on a terminal: auto, always or never
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,

    /// No summary on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

/// Merge's help for the gate flags, shorter than audit's, and no `CALLAUDIT_` variable for them:
/// merge takes its options from the command line alone.
fn gate_help(arg: Arg) -> Arg {
    let help = match arg.get_id().as_str() {
        "baseline" => {
            "Compare with an earlier JSON report: deltas per line, its trend, and --fail-drop"
        }
        "fail_under" => "Exit 1 when the mean score is below SCORE (`off`: not checked)",
        "fail_agent_under" => {
            "Exit 1 when an agent with at least --min-calls calls scores below SCORE (`off`: not \
             checked)"
        }
        "min_calls" => {
            "Hide lines with fewer than N calls (and leave such agents out of --fail-agent-under \
             and --fail-drop)"
        }
        "fail_on" => {
            "Exit 1 when a violation occurred (ITEM), more than N times (ITEM>N) or in more than \
             P% of the calls where it applies (ITEM>P%)"
        }
        "fail_item_under" => {
            "Exit 1 when an expected item is met in less than PERCENT of the calls where it applies"
        }
        "fail_drop" => {
            "Exit 1 when the mean score, or an agent's, fell by more than POINTS since --baseline \
             (`off`: not checked)"
        }
        // Worded alike for both commands.
        "max_skipped"
        | "allow_missing_baseline"
        | "update_baseline"
        | "group_by"
        | "sort"
        | "top"
        | "bottom" => {
            return arg.env(None);
        }
        _ => return arg,
    };
    arg.help(help).env(None)
}

/// Groups the partials into runs: the shards of one run (same N, same inputs, same filters)
/// form one, every other partial is a run of its own, so that nights sharded over one export
/// tree (each its own `--last 1d --as-of DAY`) are runs apart (tester t19). Refuses a run with
/// a shard missing or given twice; where shards of the same inputs differ only in their
/// filters and so leave a run short (a shard retried after midnight), says so.
fn runs(partials: &[Partial]) -> anyhow::Result<Vec<Vec<usize>>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut by_key: HashMap<(u64, &str, &str), usize> = HashMap::new();
    for (i, p) in partials.iter().enumerate() {
        match p.header.shard {
            None => runs.push(vec![i]),
            Some(s) => {
                let key = (
                    s.count,
                    p.end.inputs_digest.as_str(),
                    p.header.filters.as_str(),
                );
                match by_key.get(&key) {
                    Some(&r) => runs[r].push(i),
                    None => {
                        by_key.insert(key, runs.len());
                        runs.push(vec![i]);
                    }
                }
            }
        }
    }
    for run in &runs {
        let Some(n) = partials[run[0]].header.shard.map(|s| s.count) else {
            continue;
        };
        let mut seen: BTreeMap<u64, &Partial> = BTreeMap::new();
        for &i in run {
            let p = &partials[i];
            let s = p.header.shard.expect("a shard");
            if let Some(first) = seen.insert(s.index, p) {
                bail!(
                    "shard {s} is given twice: {} and {} (each shard of a run once)",
                    first.path.display(),
                    p.path.display()
                );
            }
            if p.end.reading != partials[run[0]].end.reading {
                bail!(
                    "{} and {} are shards of one run (same inputs) but read them differently: were the inputs changed between the shards' runs?",
                    partials[run[0]].path.display(),
                    p.path.display()
                );
            }
        }
        let missing: Vec<String> = (1..=n)
            .filter(|i| !seen.contains_key(i))
            .map(|i| Shard { index: i, count: n }.to_string())
            .collect();
        let first = &partials[run[0]];
        // Shards of the same inputs with other filters: one run's shards audited differently
        // rather than a shard left out.
        let differing = partials.iter().find(|p| {
            p.header.shard.is_some_and(|s| s.count == n)
                && p.end.inputs_digest == first.end.inputs_digest
                && p.header.filters != first.header.filters
        });
        if !missing.is_empty()
            && let Some(p) = differing
        {
            let said = |f: &str| {
                if f.is_empty() {
                    "no filter".to_string()
                } else {
                    f.to_string()
                }
            };
            bail!(
                "{} and {} are shards of the same inputs but were audited with different filters ({}: {}; {}: {}), and neither run is whole (shard{} {} of {}'s run missing): audit every shard of a run with the same options (with --last, give --as-of, so that a shard retried after midnight audits the same day)",
                first.path.display(),
                p.path.display(),
                first.path.display(),
                said(&first.header.filters),
                p.path.display(),
                said(&p.header.filters),
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                first.path.display(),
            );
        }
        if !missing.is_empty() {
            bail!(
                "shard{} {} of the run of {} {} missing: the report would leave out its calls",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                partials[run[0]].path.display(),
                if missing.len() == 1 { "is" } else { "are" }
            );
        }
    }
    Ok(runs)
}

/// The partials read: their rubric and gates, the totals replayed from their calls, and which
/// partial held each call.
struct Replayed {
    rubric: Rubric,
    gates: Vec<gates::Gate>,
    /// `--sort`, resolved against the rubric.
    sort: SortSpec,
    agg: Aggregate,
    by_agent: Aggregate,
    partials: Vec<Partial>,
    /// The partial each call id was first found in, and a hash of what it holds there.
    owner: HashMap<String, (usize, u64)>,
    /// Calls found in two partials.
    split: Vec<SplitCall>,
    /// The days the calls are dated (a night left out shows as a gap).
    dates: std::collections::BTreeSet<String>,
}

/// A call id found in two partials.
struct SplitCall {
    id: String,
    /// The partial it was first found in, and the other.
    first: usize,
    other: usize,
    /// Whether both hold the same record (agent, date, turns, verdicts, counts): the same call
    /// audited twice, not the parts of one call.
    same: bool,
}

/// A hash of everything a call's record says but its id, to tell a call audited twice (the same
/// record in two partials) from the parts of one call (a record per part).
fn record_hash(rec: &partial::CallRecord) -> u64 {
    use std::hash::{Hash, Hasher};
    // Every field is named, so that a field added to the record must be placed here or
    // set aside here: the pattern does not compile until it is.
    let partial::CallRecord {
        kind: _,
        call_id: _,
        agent_id,
        date,
        team,
        queue,
        turns,
        score_centi,
        passed,
        upset,
        calmed,
        verdicts,
        counts,
    } = rec;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        agent_id,
        date,
        team,
        queue,
        turns,
        score_centi,
        passed,
        upset,
        calmed,
        verdicts,
        counts,
    )
        .hash(&mut h);
    h.finish()
}

impl Replayed {
    /// Adds the calls of the partial `index` to the totals.
    fn replay(&mut self, index: usize, reader: partial::PartialReader) -> anyhow::Result<()> {
        let Replayed {
            rubric: r,
            agg,
            by_agent,
            owner,
            split,
            dates,
            ..
        } = self;
        let shard = reader.header.shard;
        let p = reader.read_rest(|rec| {
            if let Some(s) = shard
                && !s.holds(&rec.call_id)
            {
                return Err(InputError(format!(
                    "call {} is not of shard {s}, which this partial holds (a call's shard is \
                     FNV-1a-64 of its id mod {}): was the file edited, or joined with another?",
                    rec.call_id, s.count
                ))
                .into());
            }
            let hash = record_hash(&rec);
            if let Some(&(first, first_hash)) = owner.get(&rec.call_id) {
                if first == index {
                    // `audit` writes each call once (the parts of one call are merged before
                    // it is audited): a second record is an edited or spliced file, and adding
                    // it would count the call twice.
                    return Err(InputError(format!(
                        "call {} is recorded twice in this partial, which holds each call once \
                         (was the file edited or joined with another?)",
                        rec.call_id
                    ))
                    .into());
                }
                split.push(SplitCall {
                    id: rec.call_id.clone(),
                    first,
                    other: index,
                    same: hash == first_hash,
                });
            } else {
                owner.insert(rec.call_id.clone(), (index, hash));
            }
            if let Some(d) = &rec.date
                && !dates.contains(d)
            {
                dates.insert(d.clone());
            }
            let a = rec.audit(r).map_err(InputError)?;
            agg.add(r, &a);
            by_agent.add(r, &a);
            Ok(())
        })?;
        self.partials.push(p);
        Ok(())
    }
}

/// The rubric a partial was made with, checked against its fingerprint, and that fingerprint.
fn rubric_of(path: &Path, header: &partial::Header) -> anyhow::Result<(Rubric, String)> {
    let r = Rubric::from_toml(&header.rubric_toml).map_err(|errors| {
        anyhow::anyhow!(
            "{}: its rubric does not compile: {}",
            path.display(),
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    Ok((r, accepted_fingerprint(path, header)?))
}

/// The fingerprint of a partial's rubric, checked against the one its header carries (which
/// a partial written before numbers were made canonical computed the old way).
fn accepted_fingerprint(path: &Path, header: &partial::Header) -> anyhow::Result<String> {
    let fingerprint = partial::fingerprint_of_toml(&header.rubric_toml);
    if header.rubric_fingerprint != fingerprint
        && header.rubric_fingerprint != partial::legacy_fingerprint_of_toml(&header.rubric_toml)
    {
        bail!(
            "{}: its rubric does not match its fingerprint {}",
            path.display(),
            header.rubric_fingerprint
        );
    }
    Ok(fingerprint)
}

/// Refuses a header that the calls cannot be read by: an item list that is not the rubric's
/// (each call's verdicts and counts are in that order), or a shard that is none.
fn check_header(path: &Path, header: &partial::Header, rubric: &Rubric) -> anyhow::Result<()> {
    let ids: Vec<&str> = rubric.items.iter().map(|i| i.id.as_str()).collect();
    if header.items != ids {
        let at = (0..)
            .find(|&i| header.items.get(i).map(String::as_str) != ids.get(i).copied())
            .unwrap_or(0);
        let shown = |x: Option<&str>| x.map_or("nothing".to_string(), |x| format!("`{x}`"));
        return Err(InputError(format!(
            "{}:1: the header's items ({}) are not the items of the rubric the partials were \
             made with (item {} is {} where the rubric has {}): expected {} (in this order: each \
             call's verdicts and counts follow it)",
            path.display(),
            header.items.join(", "),
            at + 1,
            shown(header.items.get(at).map(String::as_str)),
            shown(ids.get(at).copied()),
            ids.join(", ")
        ))
        .into());
    }
    if let Some(s) = header.shard
        && (s.count == 0 || s.index == 0 || s.index > s.count)
    {
        return Err(InputError(format!(
            "{}:1: the header's shard {s} is no shard: expected I/N with 1 <= I <= N",
            path.display()
        ))
        .into());
    }
    Ok(())
}

/// Reads every partial in the order given into one set of totals; they must share the first
/// one's rubric.
fn replay_partials(args: &MergeArgs) -> anyhow::Result<Replayed> {
    let Some((first, rest)) = args.partials.split_first() else {
        bail!("no partial to merge");
    };
    // One night's partial named twice (`merge *.partial mon.partial`) would count its calls twice.
    let mut named: HashMap<PathBuf, &Path> = HashMap::new();
    if args
        .partials
        .iter()
        .filter(|p| p.as_os_str() == "-")
        .count()
        > 1
    {
        return Err(InputError(
            "- (stdin) is given more than once: stdin holds one partial".to_string(),
        )
        .into());
    }
    for path in &args.partials {
        if let Ok(real) = std::fs::canonicalize(path)
            && let Some(before) = named.insert(real, path)
        {
            return Err(InputError(format!(
                "the partial {} is given twice ({} and {}): each partial is merged once",
                before.display(),
                before.display(),
                path.display()
            ))
            .into());
        }
    }
    let reader = partial::open(first)?;
    let (rubric, fingerprint) = rubric_of(first, &reader.header)?;
    check_header(first, &reader.header, &rubric)?;
    // Check the gates and the sort before the work, so a typo fails fast.
    let gates = gates::gates(&args.gates.gate_args(), &rubric)?;
    let sort = super::report_output::sort_spec(&args.lines.sort, &rubric)?;
    super::report_output::updated_baseline_serves_fail_drop(&args.gates, &args.lines)?;
    let first_name = reader.header.rubric_name.clone();
    let mut replayed = Replayed {
        agg: Aggregate::with_levels(&rubric, args.lines.group_by.0.clone()),
        by_agent: Aggregate::new(&rubric, GroupBy::Agent),
        rubric,
        gates,
        sort,
        partials: Vec::new(),
        owner: HashMap::new(),
        split: Vec::new(),
        dates: Default::default(),
    };
    replayed.replay(0, reader)?;
    for (index, path) in rest.iter().enumerate() {
        let reader = partial::open(path)?;
        let header = &reader.header;
        let theirs = accepted_fingerprint(path, header)?;
        if theirs != fingerprint {
            return Err(InputError(format!(
                "{} and {} were made with different rubrics ({fingerprint} `{first_name}` and {theirs} `{}`): partials merge only when every run used the same rubric",
                first.display(),
                path.display(),
                header.rubric_name
            ))
            .into());
        }
        check_header(path, header, &replayed.rubric)?;
        replayed.replay(index + 1, reader)?;
    }
    Ok(replayed)
}

/// A call in two partials: an error, or with `--allow-split-calls` a warning. The error says
/// whether the two hold the same call (audited twice: overlapping date windows, a night merged
/// twice) or parts of one call (its rows spread over two runs' inputs).
fn check_split_calls(
    args: &MergeArgs,
    partials: &[Partial],
    split: &[SplitCall],
) -> anyhow::Result<()> {
    let name = |i: usize| args.partials[i].display().to_string();
    let Some(c) = split.first() else {
        return Ok(());
    };
    let twice = split.iter().filter(|c| c.same).count();
    let what = format!(
        "call {} is in {} and in {}{}",
        c.id,
        name(c.first),
        name(c.other),
        match split.len() {
            1 => String::new(),
            n => format!(" ({n} such calls)"),
        }
    );
    let why = if let Some(overlap) = shard_overlap(partials, c.first, c.other, &name) {
        overlap
    } else if twice == split.len() {
        format!(
            "{} the same call audited twice, not parts of one (did two runs' dates overlap with --since, --until or --last, or is one partial a copy of another?)",
            if twice == 1 { "it is" } else { "each is" }
        )
    } else if twice == 0 {
        "its parts differ: the call's rows were spread over two runs' inputs".to_string()
    } else {
        format!(
            "{twice} of them are the same call audited twice (overlapping dates, or a copied partial?), the rest parts of one call spread over two runs' inputs"
        )
    };
    if !args.allow_split_calls {
        return Err(InputError(format!(
            "{what}: {why}. A call must lie wholly within one partial, once, for the merged report to be one run's; --allow-split-calls counts each as a call of its own"
        ))
        .into());
    }
    say!(
        "callaudit: warning: {}: {why}; each is counted as a call of its own (--allow-split-calls), so the report differs from one run over all the inputs",
        terminal_safe(&what)
    );
    Ok(())
}

/// When one of two partials holding the same call is a shard and the other is not (or a shard
/// of another sharded run), what happened: the two runs overlap, rather than a call was audited
/// twice by accident. `None` when neither is a shard, or both are shards of one run.
fn shard_overlap(
    partials: &[Partial],
    a: usize,
    b: usize,
    name: &dyn Fn(usize) -> String,
) -> Option<String> {
    let (pa, pb) = (&partials[a], &partials[b]);
    let same_inputs = pa.end.inputs_digest == pb.end.inputs_digest;
    let of_inputs = if same_inputs {
        " of the same inputs (the same files and sizes)"
    } else {
        " whose inputs overlap"
    };
    match (pa.header.shard, pb.header.shard) {
        (None, None) => None,
        (Some(s), None) | (None, Some(s)) => {
            let (shard, whole) = if pa.header.shard.is_some() {
                (a, b)
            } else {
                (b, a)
            };
            Some(format!(
                "{} is shard {s} of a sharded run and {} an unsharded run{of_inputs}: the two runs \
                 overlap, so the shard's calls are in both (merge the {} shards of the one run, \
                 or the unsharded partial, not both)",
                name(shard),
                name(whole),
                s.count
            ))
        }
        (Some(sa), Some(sb)) if sa.count != sb.count || !same_inputs => Some(format!(
            "{} is shard {sa} of one sharded run and {} shard {sb} of another{of_inputs}: the two \
             runs overlap (merge the shards of one run)",
            name(a),
            name(b)
        )),
        (Some(_), Some(_)) => None,
    }
}

/// Refuses partials written with different attribution options (`--agents`, `--metadata` given
/// to some runs only or, between the shards of one run, with other contents, `--agent-case`,
/// `--redact`, and the reading options `--map`, `--agent-names`,
/// `--agent-from-filename`, `--date-from-path`): one agent would become two lines, a call
/// another day, or the call list half masked. A partial that does not record them (written before they were) is warned of.
fn check_attribution(partials: &[Partial]) -> anyhow::Result<()> {
    let name = |p: &Partial| terminal_safe(&p.path.display().to_string()).into_owned();
    // Partials that do not record options are warned of: merge cannot check them.
    let unrecorded = |names: Vec<String>, what: &str, flags: &str| {
        if !names.is_empty() {
            let one = names.len() == 1;
            say!(
                "callaudit: warning: {} {} not record {} {what} (written by an older callaudit): merge cannot check that every run used the same {flags}",
                names.join(", "),
                if one { "does" } else { "do" },
                if one { "its" } else { "their" },
            );
        }
    };
    let refused = |first: &Partial, p: &Partial, (flag, was, is): (&str, String, String)| {
        Err(InputError(format!(
            "{} and {} were audited with different {flag} ({}: {was}; {}: {is}): partials merge only when every run used the same --agents (the same contents), --metadata (on every run or none), --agent-case, --redact, --map, --agent-names, --agent-from-filename and --date-from-path, or one agent could become two lines",
            first.path.display(),
            p.path.display(),
            first.path.display(),
            p.path.display(),
        ))
        .into())
    };
    unrecorded(
        partials
            .iter()
            .filter(|p| p.header.attribution.is_none())
            .map(name)
            .collect(),
        "attribution options",
        "--agents, --metadata, --agent-case and --redact",
    );
    let known: Vec<(&Partial, &Attribution)> = partials
        .iter()
        .filter_map(|p| Some((p, p.header.attribution.as_ref()?)))
        .collect();
    let Some(&(first, theirs)) = known.first() else {
        return Ok(());
    };
    // Other --metadata contents: nights whose contact file grew, merged with a warning (below);
    // but the shards of one run (its inputs alike) must have read the same file, or the merge
    // is not the one run's report (reviewer r27).
    let one_run = |a: &Partial, b: &Partial| {
        a.header.shard.is_some()
            && b.header.shard.is_some()
            && a.end.inputs_digest == b.end.inputs_digest
    };
    for &(p, a) in &known[1..] {
        if let Some(d) = theirs.differs(a) {
            return refused(first, p, d);
        }
        if theirs.metadata_contents_differ(a) && one_run(first, p) {
            return refused(
                first,
                p,
                (
                    "--metadata",
                    theirs.metadata.clone().unwrap_or_default(),
                    a.metadata.clone().unwrap_or_default(),
                ),
            );
        }
    }
    let other_metadata: Vec<String> = known[1..]
        .iter()
        .filter(|(_, a)| theirs.metadata_contents_differ(a))
        .map(|&(p, _)| name(p))
        .collect();
    if !other_metadata.is_empty() {
        say!(
            "callaudit: warning: {} read another --metadata than {} (other contents: a contact-records file that grew between runs?): each call keeps the agent, team, queue and date its own run's file gave it",
            other_metadata.join(", "),
            name(first)
        );
    }
    // The reading options, compared with the first partial that records them (a partial of an
    // older callaudit may come first; reviewer r26).
    let reading: Vec<(&Partial, &ReadOptions)> = known
        .iter()
        .filter_map(|&(p, a)| Some((p, a.read_options.as_ref()?)))
        .collect();
    let Some(&(first, theirs)) = reading.first() else {
        return Ok(());
    };
    unrecorded(
        known
            .iter()
            .filter(|(_, a)| a.read_options.is_none())
            .map(|&(p, _)| name(p))
            .collect(),
        "reading options",
        "--map, --agent-names, --agent-from-filename and --date-from-path",
    );
    for &(p, r) in &reading[1..] {
        if let Some(d) = theirs.differs(r) {
            return refused(first, p, d);
        }
    }
    Ok(())
}

/// How many days without a call `date_gap` names (then how many more).
const NAMED_GAP_DAYS: usize = 5;

/// The days between the first and the last day of the merged calls on which no call is dated
/// and that no run's date window took in, said as a warning: a night whose partial was left
/// out (or a day without calls, audited by a run without a date filter) would otherwise go
/// unseen in the week's report (tester t22 F4). `None` when there is no such day.
fn date_gap(
    dates: &std::collections::BTreeSet<String>,
    windows: &[callaudit::report::filters::DateWindow],
) -> Option<String> {
    use chrono::NaiveDate;
    let days: Vec<NaiveDate> = dates
        .iter()
        .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect();
    let (first, last) = (*days.first()?, *days.last()?);
    let missing: Vec<String> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| days.binary_search(d).is_err())
        .filter(|d| {
            !windows
                .iter()
                .any(|w| w.since.is_some_and(|s| s <= *d) && w.until.is_some_and(|u| *d <= u))
        })
        .map(|d| d.to_string())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let total = missing.len();
    let mut named = missing[..total.min(NAMED_GAP_DAYS)].join(", ");
    if total > NAMED_GAP_DAYS {
        named.push_str(&format!(" and {} more", total - NAMED_GAP_DAYS));
    }
    Some(format!(
        "the partials have no call dated {named} ({total} day(s) between {first} and {last}): was a night's partial left out, or were those days without calls?"
    ))
}

/// Warns of partials written by another version of callaudit.
fn warn_other_versions(partials: &[Partial]) {
    for p in partials {
        if p.header.tool_version != env!("CARGO_PKG_VERSION") {
            say!(
                "callaudit: warning: {} was written by callaudit {}, this is {}: verdicts may differ between versions",
                terminal_safe(&p.path.display().to_string()),
                terminal_safe(&p.header.tool_version),
                env!("CARGO_PKG_VERSION")
            );
        }
    }
}

/// The calls the HTML call list is chosen from: every call the partials kept (each run's
/// weakest, and the weakest of each of its lines), once each, weakest first.
fn weakest_views(partials: &mut [Partial]) -> BTreeMap<(u32, String), CallView> {
    let mut views = BTreeMap::new();
    for p in partials {
        for v in std::mem::take(&mut p.views) {
            views.insert((v.score_centi, v.call_id.clone()), v);
        }
    }
    views
}

pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    // Before the partials are read and said to be merged (reviewer r26).
    super::common::no_stdin("--baseline", args.gates.baseline.as_deref())?;
    let report_format = report_format(args.format);
    // The report may replace the baseline (read whole first), never a partial; on stdout it
    // may not go into either.
    let mut read: Vec<(Option<&Path>, &str, Guard)> = args
        .partials
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| (Some(p.as_path()), "the partial", Guard::Always))
        .collect();
    // A JSON report may roll the baseline forward; any other would replace it with a report no
    // later run can read as one (tester t23 F2).
    read.push((
        args.gates.baseline.as_deref(),
        "the baseline",
        Guard::Baseline {
            json_report: report_format == Format::Json,
        },
    ));
    // A partial read from stdin (`-`), redirected from a file.
    let stdin = Discovered {
        stdin_file: args
            .partials
            .iter()
            .any(|p| p.as_os_str() == "-")
            .then(stdin_file_id)
            .flatten(),
        ..Discovered::default()
    };
    let outputs: Vec<(&str, &Path)> = args.output.iter().map(|o| ("-o", o.as_path())).collect();
    super::common::distinct_outputs(&super::common::with_updated_baseline(
        outputs.clone(),
        &args.gates,
    ))?;
    super::common::outputs_spare_inputs(
        &outputs,
        args.output.is_none().then_some("the report"),
        Some(&stdin),
        &read,
    )?;
    let Replayed {
        rubric,
        gates,
        sort,
        agg,
        by_agent,
        mut partials,
        split,
        dates,
        ..
    } = replay_partials(&args)?;
    check_attribution(&partials)?;
    check_split_calls(&args, &partials, &split)?;
    warn_other_versions(&partials);
    let runs = runs(&partials)?;
    let refs: Vec<&Partial> = partials.iter().collect();
    let acct = partial::merged_accounting(&refs, &runs)?;
    // In the canonical order one run lists them: stdin first, then paths sorted.
    let mut inputs: Vec<String> = runs
        .iter()
        .flat_map(|run| partials[run[0]].end.inputs.iter().cloned())
        .collect();
    inputs.sort_by_cached_key(|name| (name != "-", PathBuf::from(name)));
    let views = weakest_views(&mut partials);
    if !args.quiet {
        say!(
            "callaudit: {} partial{} merged ({} run{}): {} call{} audited",
            partials.len(),
            if partials.len() == 1 { "" } else { "s" },
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            acct.calls_audited,
            if acct.calls_audited == 1 { "" } else { "s" },
        );
    }
    // The days a run's date window took in were audited, calls or not (a closed Sunday's
    // `--last 1d`).
    let windows: Vec<_> = partials
        .iter()
        .flat_map(|p| p.header.run_filters().dates)
        .collect();
    if runs.len() > 1
        && let Some(gap) = date_gap(&dates, &windows)
    {
        say!("callaudit: warning: {gap}");
    }
    if agg.overall.calls == 0 && !args.allow_empty {
        return Err(InputError(
            "the partials hold no audited call: nothing to report (pass --allow-empty for an empty report)".into(),
        )
        .into());
    }

    let baseline = read_baseline(&args.gates)?;
    let outputs: Vec<_> = args
        .output
        .as_deref()
        .map(|p| ("-o", p))
        .into_iter()
        .collect();
    super::common::warn_gz_outputs(&outputs);
    let report_file = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let overall = agg.overall.clone();
    let mut report = Report::build(&rubric, agg, acct, inputs);
    // Each run's filters once (the shards of one run share theirs).
    let run_filters: Vec<_> = runs
        .iter()
        .map(|run| partials[run[0]].header.run_filters())
        .collect();
    report.run.filters = callaudit::report::filters::merged(&run_filters);
    report.run.merged_reading = callaudit::report::MergedReading::of(
        partials.len() as u64,
        runs.len() as u64,
        &report.run.inputs,
    );
    if let (Some(m), false) = (&report.run.merged_reading, args.quiet) {
        say!(
            "callaudit: the runs read some files more than once ({} distinct of {} read): the report's files, rows read, rows skipped and filtered out, and its accounting's calls read, calls whose rows disagree and warnings, are the {} runs' sums, as its header says",
            m.inputs_distinct,
            report.run.inputs.len(),
            m.runs
        );
    }
    let agents = agent_totals(&by_agent);
    let call_list = (report_format == Format::Html).then(|| views.into_values().collect());
    let report_file = gate_arrange_and_print(
        &mut report,
        ReportOutput {
            rubric: &rubric,
            format: report_format,
            gates: &gates,
            overall: &overall,
            agents: &agents,
            baseline: baseline.as_ref(),
            call_list,
            sort,
            top: args.lines.top,
            bottom: args.lines.bottom,
            min_calls: args.gates.min_calls,
            color: args.color,
            quiet: args.quiet,
            csv_bom: args.csv_bom,
            csv_item_n: args.csv_item_n,
            file: report_file,
        },
    )
    .or_else(|e| super::common::unless_broken_pipe(e).map(|()| None))?;
    let baseline_file = super::report_output::updated_baseline(&args.gates, &mut report, &rubric)?;
    commit_all(report_file.into_iter().chain(baseline_file))?;
    Ok(gate_exit_code(&report))
}
