//! `callaudit calibrate SHEET INPUT…`: how well the tool agrees with the QA team's own verdicts.
//!
//! Reads a filled review sheet, audits the judged calls, and compares item by item whether the
//! item happened. Every judged cell is either compared or reported as not comparable, with why
//! (its call is not in the inputs, or is in them but was not audited: no utterance, or over
//! `--max-call-bytes`); nothing a reviewer wrote is dropped.

use super::ExitCode;
use super::common::{Guard, enricher, input_format, load_rubric, read_options, threads};
use crate::cli::args::{CalibrateArgs, CalibrateFormat};
use callaudit::accounting::{Accounting, NotAudited};
use callaudit::audit::{CallAudit, Verdict};
use callaudit::calibration::agreement::{Agreement, Decimal, Ratio, fmt2};
use callaudit::calibration::sheet::{self, ReviewSheet};
use callaudit::calibration::splits::{Split, Voter, most_contested_first, splits};
use callaudit::calibration::tool_says;
use callaudit::model::Call;
use callaudit::output::AtomicFile;
use callaudit::pipeline::{AuditSink, Filters, InputError, RunOptions};
use callaudit::privacy::Masker;
use callaudit::read::input::discover;
use callaudit::report::gates::{Exact, on_its_side};
use callaudit::rubric::Rubric;
use callaudit::sanitize::{csv_cell, terminal_safe};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

/// Keeps the audits of the judged calls.
struct Judged {
    audits: HashMap<String, CallAudit>,
}

impl AuditSink for Judged {
    fn accept(&mut self, _call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
        self.audits
            .insert(audit.call_id.clone(), std::mem::take(audit));
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.audits.clear();
        Ok(())
    }
}

/// A judged cell where the reviewer and the tool differ.
struct Disagreement {
    call_id: String,
    reviewer: String,
    item: usize,
    reviewer_says: bool,
    tool_says: bool,
    evidence: String,
    /// The reviewers split on this call and item (some said yes, some no).
    reviewers_split: bool,
}

/// A call and item the reviewers split on, with the tool's verdict beside it.
struct ReviewerSplit {
    split: Split,
    /// `None` when the call was not compared with the tool (not audited).
    tool_says: Option<bool>,
    /// As for a disagreement; for a call not compared, `not compared: REASON`.
    evidence: String,
}

/// One reviewer's agreement with the tool.
struct ReviewerAgreement {
    reviewer: String,
    items: Vec<(usize, Agreement)>,
    all: Agreement,
}

/// How a blank reviewer cell is named in the comparison by reviewer (their rows are pooled: a
/// sheet line names one row, not a person).
const NO_REVIEWER: &str = "(none)";

/// How many reviewer splits the table lists; the rest are counted (all are in `--splits` and
/// the JSON).
const SPLITS_SHOWN: usize = 20;

/// Why a judged call was not compared with the tool: it was not audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NotCompared {
    /// Read, but with no utterance to audit (no row with text).
    NoUtterance,
    /// Read, but larger than `--max-call-bytes`.
    TooLarge,
    /// Read, but cut short by a file that could not be read (`--keep-going`).
    Incomplete,
    /// Read, but no turn of it is the agent's.
    NoAgentTurn,
    /// Read, but another file took its turn numbers again with other words.
    NumberedAgain,
    /// Not among the calls read.
    NotInInputs,
}

impl NotCompared {
    /// Why, in the JSON's `reason`.
    fn reason(self) -> &'static str {
        match self {
            NotCompared::NoUtterance => "call in the inputs, but with no utterance to audit",
            NotCompared::TooLarge => "call in the inputs, but larger than --max-call-bytes",
            NotCompared::Incomplete => {
                "call in the inputs, but cut short by a file that could not be read"
            }
            NotCompared::NoAgentTurn => "call in the inputs, but with no turn read as the agent's",
            NotCompared::NumberedAgain => {
                "call in the inputs, but two conversations under one id (turns numbered again, or dated apart, in another file)"
            }
            NotCompared::NotInInputs => "call not in the inputs",
        }
    }

    /// Why the judged call `id` was not audited: the pipeline notes each call asked for that
    /// it read but did not audit (it passes such calls over before the filter that keeps the
    /// judged calls, so they never reach calibrate otherwise).
    fn of(id: &str, acct: &Accounting) -> NotCompared {
        match acct.filtered.asked_not_audited.get(id) {
            Some(NotAudited::NoUtterance) => NotCompared::NoUtterance,
            Some(NotAudited::TooLarge) => NotCompared::TooLarge,
            Some(NotAudited::Incomplete) => NotCompared::Incomplete,
            Some(NotAudited::NoAgentTurn) => NotCompared::NoAgentTurn,
            Some(NotAudited::NumberedAgain) => NotCompared::NumberedAgain,
            None => NotCompared::NotInInputs,
        }
    }
}

/// Everything `calibrate` found.
struct Calibration {
    /// Per item column of the sheet, in rubric order.
    items: Vec<(usize, Agreement)>,
    all: Agreement,
    disagreements: Vec<Disagreement>,
    /// Reviewer against reviewer, per item, over calls two reviewers judged.
    between_reviewers: Vec<(usize, Agreement)>,
    /// Each reviewer against the tool (a sheet with a reviewer column), by name (`(none)` for
    /// a blank reviewer cell): per item in rubric order, and pooled.
    by_reviewer: Vec<ReviewerAgreement>,
    /// Every call and item the reviewers split on, most contested calls first.
    splits: Vec<ReviewerSplit>,
    /// Judged calls that were not compared, with their judged cells and why.
    missing: Vec<(String, usize, NotCompared)>,
    calls_compared: usize,
}

pub fn run(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let rubric = load_rubric(&args.input)?;
    super::common::sheet_not_stdin_twice("the review sheet", &args.sheet, &args.input.inputs)?;
    let sheet = sheet::read(&args.sheet, &rubric, super::common::delimiter(&args.input)?)
        .map_err(|e| InputError(e.to_string()))?;
    if sheet.judged() == 0 {
        return Err(InputError(format!(
            "{}: no judged cell (every verdict is blank or n/a): nothing to compare",
            args.sheet.display()
        ))
        .into());
    }
    let wanted: HashSet<String> = sheet
        .rows
        .iter()
        .filter(|r| !r.verdicts.is_empty())
        .map(|r| r.call_id.clone())
        .collect();
    let outputs: Vec<(&str, &std::path::Path)> = [
        ("-o", &args.output),
        ("--disagreements", &args.disagreements),
        ("--splits", &args.splits),
        ("--by-reviewer", &args.by_reviewer),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_deref().map(|p| (flag, p)))
    .collect();
    // Two outputs on stdout are said as stdout (`-`, as given) before two outputs on one file
    // (which named `-` as /dev/stdout; tester t23 F8).
    let second: Vec<super::common::SecondOutput> = [
        ("--disagreements", &args.disagreements, "the disagreements"),
        ("--splits", &args.splits, "the reviewer splits"),
        (
            "--by-reviewer",
            &args.by_reviewer,
            "the agreement by reviewer",
        ),
    ]
    .into_iter()
    .filter_map(|(flag, p, what)| {
        p.as_deref().map(|p| super::common::SecondOutput {
            flag,
            shown: p,
            path: p,
            what,
            hint: "",
        })
    })
    .collect();
    if !second.is_empty() {
        super::common::stdout_spared(args.output.as_deref(), "the agreement", &second)?;
    }
    super::common::distinct_outputs(&outputs)?;
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    let mut read = super::common::side_files(&args.input);
    read.push((
        Some(args.sheet.as_path()),
        "the review sheet",
        Guard::Always,
    ));
    super::common::outputs_spare_inputs(
        &outputs,
        args.output.is_none().then_some("the agreement"),
        Some(&discovered),
        &read,
    )?;
    let out = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let diff_file = args
        .disagreements
        .as_deref()
        .map(AtomicFile::create)
        .transpose()?;
    let splits_file = args.splits.as_deref().map(AtomicFile::create).transpose()?;
    let by_reviewer_file = args
        .by_reviewer
        .as_deref()
        .map(AtomicFile::create)
        .transpose()?;
    let enricher = enricher(&args.input)?;
    let opts = RunOptions {
        rubric: &rubric,
        read: read_options(&args.input)?,
        format: input_format(&args.input)?,
        threads: threads(&args.input)?,
        detail: true,
        audit: true,
        filters: Filters {
            spellings: Some(wanted.iter().map(|id| id.to_lowercase()).collect()),
            only: Some(wanted),
            ..Filters::default()
        },
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
        shard: None,
    };
    let mut judged = Judged {
        audits: HashMap::new(),
    };
    let acct = super::common::run_pipeline(&discovered, &opts, &mut judged)?;
    super::audit::print_warnings(&acct);
    let masker = Masker::new(args.input.redact);
    let cal = compare(&rubric, &sheet, &judged.audits, masker, &|id| {
        NotCompared::of(id, &acct)
    });

    warn_calls_not_compared(&args, &cal, &acct.filtered.spellings)?;
    if let Some(warning) = sampled_otherwise(&args, &rubric, &sheet, &judged.audits) {
        say!("callaudit: warning: {}", terminal_safe(&warning));
    }
    if cal.all.n == 0 {
        let why = if cal
            .missing
            .iter()
            .all(|(_, _, why)| *why == NotCompared::NotInInputs)
        {
            "none of the judged calls is in the inputs"
        } else {
            "none of the judged calls was audited (see the warnings above)"
        };
        return Err(InputError(format!(
            "{}: {why}: nothing to compare",
            args.sheet.display()
        ))
        .into());
    }
    if let Some(path) = &args.by_reviewer
        && cal.by_reviewer.is_empty()
    {
        // Asked for, the file must not look like an empty comparison.
        say!(
            "callaudit: warning: --by-reviewer {}: the sheet has no `reviewer` column, so the file holds only its header; the table compares the sheet's verdicts with the tool",
            terminal_safe(&path.display().to_string())
        );
    }
    if !args.quiet {
        let split = if cal.splits.is_empty() {
            String::new()
        } else {
            let calls: HashSet<&str> = cal
                .splits
                .iter()
                .map(|s| s.split.call_id.as_str())
                .collect();
            format!(
                "; reviewers split on {} item(s) of {} call(s)",
                cal.splits.len(),
                calls.len()
            )
        };
        say!(
            "callaudit: compared {} judged cell(s) on {} call(s); {} disagreement(s){split}",
            cal.all.n,
            cal.calls_compared,
            cal.disagreements.len()
        );
    }

    write_outputs(
        &args,
        &rubric,
        &cal,
        out,
        [diff_file, splits_file, by_reviewer_file],
    )?;
    Ok(min_kappa_gate(&args, &rubric, &cal))
}

/// When the sheet's `tool:ITEM` cells (the tool's verdicts when `sample` wrote it) differ from
/// this run's verdicts on the same calls, a warning saying how many and the first: a sheet
/// sampled with `--rubric builtin:es` and calibrated without it was compared with the English
/// rubric's verdicts in silence, and read as a rubric the reviewers disagree with (tester t13's
/// finding 8).
fn sampled_otherwise(
    args: &CalibrateArgs,
    rubric: &Rubric,
    sheet: &ReviewSheet,
    audits: &HashMap<String, CallAudit>,
) -> Option<String> {
    let (mut cells, mut differ, mut first) = (0usize, 0usize, None);
    // A call judged by several reviewers carries the same `tool:` cells on each row.
    let mut seen: HashSet<(&str, usize)> = HashSet::new();
    for row in &sheet.rows {
        let Some(audit) = audits.get(&row.call_id) else {
            continue;
        };
        for &(item, then) in &row.sampled {
            if !seen.insert((row.call_id.as_str(), item)) {
                continue;
            }
            cells += 1;
            let now = tool_says(rubric, audit, item);
            if now != then {
                differ += 1;
                first.get_or_insert((row.line, row.call_id.as_str(), item, then, now));
            }
        }
    }
    let (line, call, item, then, now) = first?;
    Some(format!(
        "{}: {differ} of the sheet's {cells} `tool:` cell(s) (the tool's verdicts when the sheet \
         was sampled) differ from this run's verdicts, the first at line {line}: call {call}, \
         `tool:{}` says {}, this run {}; was the sheet sampled with another rubric (--rubric), \
         other inputs or another version? The agreement below is with this run's verdicts",
        args.sheet.display(),
        rubric.items[item].id,
        yes_no(then),
        yes_no(now),
    ))
}

/// Judged calls that were not compared, one line per reason: an error with `--strict`, else
/// warnings.
fn warn_calls_not_compared(
    args: &CalibrateArgs,
    cal: &Calibration,
    spellings: &BTreeMap<String, std::collections::BTreeSet<String>>,
) -> anyhow::Result<()> {
    let mut by_reason: BTreeMap<NotCompared, (Vec<&str>, usize)> = BTreeMap::new();
    for (id, cells, why) in &cal.missing {
        let (ids, n) = by_reason.entry(*why).or_default();
        ids.push(id.as_str());
        *n += cells;
    }
    let sheet = args.sheet.display();
    let messages: Vec<String> = by_reason
        .into_iter()
        .map(|(why, (ids, cells))| {
            let calls = ids.len();
            let hint = super::common::in_another_case(&ids, spellings);
            let ids = super::common::first_ids(ids);
            match why {
                NotCompared::NoUtterance => format!(
                    "{sheet}: {calls} judged call(s) are in the inputs but have no utterance to \
                     audit (no row with text), so {cells} judged cell(s) were not compared: {ids}"
                ),
                NotCompared::NoAgentTurn => format!(
                    "{sheet}: {calls} judged call(s) are in the inputs but no turn of them is \
                     read as the agent's (see the speakers read as `other`), so {cells} judged \
                     cell(s) were not compared: {ids}"
                ),
                NotCompared::NumberedAgain => format!(
                    "{sheet}: {calls} judged call(s) are in the inputs but another file numbers \
                     their turns again with other words, or its path dates them another day \
                     (two conversations under one id: see the run's warnings), so {cells} judged \
                     cell(s) were not compared: {ids}"
                ),
                NotCompared::TooLarge => format!(
                    "{sheet}: {calls} judged call(s) are in the inputs but take more than \
                     --max-call-bytes, so they were not audited and {cells} judged cell(s) were \
                     not compared: {ids}"
                ),
                NotCompared::Incomplete => format!(
                    "{sheet}: {calls} judged call(s) are in the inputs but were cut short by a \
                     file that could not be read (--keep-going), so they were not audited and \
                     {cells} judged cell(s) were not compared: {ids}"
                ),
                NotCompared::NotInInputs => format!(
                    "{sheet}: {calls} judged call(s) are not in the inputs, so {cells} judged \
                     cell(s) were not compared: {ids}{hint}"
                ),
            }
        })
        .collect();
    if messages.is_empty() {
        return Ok(());
    }
    if args.input.strict {
        return Err(InputError(messages.join("\n")).into());
    }
    for m in messages {
        say!("callaudit: warning: {}", terminal_safe(&m));
    }
    Ok(())
}

/// Writes the agreement (to `-o` or stdout) and the `--disagreements`, `--splits` and
/// `--by-reviewer` files.
fn write_outputs(
    args: &CalibrateArgs,
    rubric: &Rubric,
    cal: &Calibration,
    mut out: Option<AtomicFile>,
    [mut diff_file, mut splits_file, mut by_reviewer_file]: [Option<AtomicFile>; 3],
) -> anyhow::Result<()> {
    let text = match args.format {
        CalibrateFormat::Table => table(rubric, cal),
        CalibrateFormat::Csv => agreement_csv(rubric, cal)?,
        CalibrateFormat::Json => serde_json::to_string_pretty(&json(rubric, cal))? + "\n",
    };
    match out.as_mut() {
        Some(f) => f.write_all(text.as_bytes())?,
        None => {
            let mut lock = callaudit::output::stdout();
            lock.write_all(text.as_bytes())?;
            lock.flush()?;
        }
    }
    // Every output is written whole, then all are put in place together: a run that fails on
    // one replaces none.
    let mut ready = Vec::new();
    if let Some(f) = out {
        ready.push(f.prepare()?);
    }
    if let Some(mut f) = diff_file.take() {
        f.write_all(disagreements_csv(rubric, cal)?.as_bytes())?;
        ready.push(f.prepare()?);
    }
    if let Some(mut f) = splits_file.take() {
        f.write_all(splits_csv(rubric, cal)?.as_bytes())?;
        ready.push(f.prepare()?);
    }
    if let Some(mut f) = by_reviewer_file.take() {
        f.write_all(by_reviewer_csv(rubric, cal)?.as_bytes())?;
        ready.push(f.prepare()?);
    }
    callaudit::output::commit_all(ready)?;
    Ok(())
}

/// `--min-kappa`: fails (exit 1) when an item's agreement is below it.
fn min_kappa_gate(args: &CalibrateArgs, rubric: &Rubric, cal: &Calibration) -> ExitCode {
    if let Some(k) = &args.min_kappa {
        let low: Vec<String> = cal
            .items
            .iter()
            .filter(|(_, a)| a.n > 0 && a.kappa_below(k.at))
            .map(|(i, a)| {
                format!(
                    "{} (kappa {})",
                    rubric.items[*i].id,
                    a.kappa().map_or("undefined".into(), |x| below(x, k.at))
                )
            })
            .collect();
        if !low.is_empty() {
            say!(
                "callaudit: gate failed: --min-kappa {}: {}",
                k.typed,
                low.join(", ")
            );
            return ExitCode::GateFailed;
        }
    }
    ExitCode::Ok
}

/// A κ below the gate's `min`, visibly so (`gates::on_its_side`): with two decimals, or the
/// min's, or as many more as it takes to show it below: κ = −0.001 against `--min-kappa 0` is
/// `-0.001`, not `0.00`; κ = 0 against `--min-kappa 0.001` is `0.000`.
fn below(kappa: Ratio, min: Ratio) -> String {
    let exact = |r: Ratio| Exact {
        negative: *r.numer() < 0,
        numer: r.numer().unsigned_abs(),
        denom: r.denom().unsigned_abs(),
    };
    on_its_side(exact(kappa), exact(min), kappa.cmp(&min), 2)
}

fn compare(
    rubric: &Rubric,
    sheet: &ReviewSheet,
    audits: &HashMap<String, CallAudit>,
    masker: Masker,
    not_audited: &dyn Fn(&str) -> NotCompared,
) -> Calibration {
    let mut per_item: BTreeMap<usize, Agreement> = sheet
        .items
        .iter()
        .map(|&i| (i, Agreement::default()))
        .collect();
    let mut all = Agreement::default();
    let mut by_reviewer: BTreeMap<&str, (BTreeMap<usize, Agreement>, Agreement)> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut compared: HashSet<&str> = HashSet::new();
    let mut split = splits(sheet);
    let split_cells: HashSet<(&str, usize)> =
        split.iter().map(|s| (s.call_id.as_str(), s.item)).collect();
    // (call, item) → the reviewers' verdicts, for agreement between reviewers.
    let mut by_cell: BTreeMap<(&str, usize), Vec<(&str, bool)>> = BTreeMap::new();
    for row in &sheet.rows {
        for &(item, verdict) in &row.verdicts {
            by_cell
                .entry((row.call_id.as_str(), item))
                .or_default()
                .push((row.reviewer.as_str(), verdict));
        }
        if row.verdicts.is_empty() {
            continue;
        }
        let Some(audit) = audits.get(&row.call_id) else {
            *missing.entry(row.call_id.clone()).or_default() += row.verdicts.len();
            continue;
        };
        compared.insert(row.call_id.as_str());
        let name = if row.reviewer.is_empty() {
            NO_REVIEWER
        } else {
            row.reviewer.as_str()
        };
        let (reviewer_items, reviewer_all) = by_reviewer.entry(name).or_default();
        for &(item, reviewer_says) in &row.verdicts {
            let tool = tool_says(rubric, audit, item);
            per_item.entry(item).or_default().add(reviewer_says, tool);
            all.add(reviewer_says, tool);
            reviewer_items
                .entry(item)
                .or_default()
                .add(reviewer_says, tool);
            reviewer_all.add(reviewer_says, tool);
            if tool != reviewer_says {
                disagreements.push(Disagreement {
                    call_id: row.call_id.clone(),
                    reviewer: row.reviewer.clone(),
                    item,
                    reviewer_says,
                    tool_says: tool,
                    evidence: evidence(audit, item, masker),
                    reviewers_split: split_cells.contains(&(row.call_id.as_str(), item)),
                });
            }
        }
    }
    let mut between: BTreeMap<usize, Agreement> = BTreeMap::new();
    if sheet.has_reviewer {
        for ((_, item), mut verdicts) in by_cell {
            verdicts.sort_unstable();
            for (a, &(_, va)) in verdicts.iter().enumerate() {
                for &(_, vb) in &verdicts[a + 1..] {
                    between.entry(item).or_default().add(va, vb);
                }
            }
        }
    }
    disagreements
        .sort_by(|a, b| (a.item, &a.call_id, &a.reviewer).cmp(&(b.item, &b.call_id, &b.reviewer)));
    most_contested_first(&mut split);
    let splits = split
        .into_iter()
        .map(|s| {
            let (tool, evidence) = match audits.get(&s.call_id) {
                Some(audit) => (
                    Some(tool_says(rubric, audit, s.item)),
                    evidence(audit, s.item, masker),
                ),
                None => (
                    None,
                    format!("not compared: {}", not_audited(&s.call_id).reason()),
                ),
            };
            ReviewerSplit {
                split: s,
                tool_says: tool,
                evidence,
            }
        })
        .collect();
    // Pooled, one reviewer's verdicts hide another's: each is compared with the tool apart
    // when the sheet names reviewers (tester t17's F12).
    let by_reviewer = if sheet.has_reviewer {
        by_reviewer
            .into_iter()
            .map(|(reviewer, (items, all))| ReviewerAgreement {
                reviewer: reviewer.to_string(),
                items: items.into_iter().collect(),
                all,
            })
            .collect()
    } else {
        Vec::new()
    };
    Calibration {
        items: per_item.into_iter().collect(),
        all,
        disagreements,
        between_reviewers: between.into_iter().collect(),
        by_reviewer,
        splits,
        missing: missing
            .into_iter()
            .map(|(id, cells)| {
                let why = not_audited(&id);
                (id, cells, why)
            })
            .collect(),
        calls_compared: compared.len(),
    }
}

/// What the tool saw for one item: the words that counted, or that nothing did (and what
/// matched but did not count, and why).
fn evidence(audit: &CallAudit, item: usize, masker: Masker) -> String {
    let Some(d) = audit.detail.as_deref() else {
        return String::new();
    };
    let quote = |turn: u32, text: &str, rule: &str| {
        format!("turn {} “{}” ({rule})", turn + 1, masker.mask(text))
    };
    let counted: Vec<String> = d.evidence[item]
        .iter()
        .map(|e| quote(e.turn, &e.text, &e.rule))
        .collect();
    if !counted.is_empty() {
        return counted.join("; ");
    }
    // Not judged at all ("n/a: customer_upset did not occur"): the reason is upstream, and
    // "nothing matched" sent the reviewer looking for a match that was never sought (tester
    // t26 X2).
    if audit.items[item].verdict == Verdict::NotApplicable {
        return masker.mask(&d.reasons[item]).into_owned();
    }
    let dropped: Vec<String> = d.dropped[item]
        .iter()
        .map(|x| {
            format!(
                "{}: not counted, {}",
                quote(x.evidence.turn, &x.evidence.text, &x.evidence.rule),
                x.reason
            )
        })
        .collect();
    if dropped.is_empty() {
        "nothing matched".into()
    } else {
        format!("nothing counted; {}", dropped.join("; "))
    }
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

/// The counts and rates of an agreement, after its label: n, the yes counts, precision,
/// recall, F1 and κ, each rate written by `rate` (the CSV's two decimals or empty, the
/// table's dash). One list for the pooled and the per-reviewer tables and CSVs.
fn agreement_cells(a: &Agreement, rate: fn(Option<Ratio>) -> String) -> [String; 8] {
    [
        a.n.to_string(),
        a.reviewer_yes.to_string(),
        a.tool_yes.to_string(),
        a.both_yes.to_string(),
        rate(a.precision()),
        rate(a.recall()),
        rate(a.f1()),
        rate(a.kappa()),
    ]
}

/// The agreement CSV's columns after `item`.
const AGREEMENT_CSV_COLUMNS: [&str; 8] = [
    "n",
    "reviewer_yes",
    "tool_yes",
    "both_yes",
    "precision",
    "recall",
    "f1",
    "kappa",
];

/// The agreement table's columns after `item`.
const AGREEMENT_TABLE_COLUMNS: [&str; 8] = [
    "n",
    "reviewer yes",
    "tool yes",
    "both yes",
    "precision",
    "recall",
    "F1",
    "κ",
];

/// The agreement CSV: `item,n,reviewer_yes,tool_yes,both_yes,precision,recall,f1,kappa`, one
/// row per item, then `(all)`. Undefined rates are empty cells.
fn agreement_csv(rubric: &Rubric, cal: &Calibration) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(std::iter::once("item").chain(AGREEMENT_CSV_COLUMNS))?;
    let rows = cal
        .items
        .iter()
        .map(|(i, a)| (rubric.items[*i].id.as_str(), a))
        .chain(std::iter::once(("(all)", &cal.all)));
    for (id, a) in rows {
        w.write_record(std::iter::once(id.to_string()).chain(agreement_cells(a, fmt2)))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// `--by-reviewer`: each reviewer against the tool,
/// `reviewer,item,n,reviewer_yes,tool_yes,both_yes,precision,recall,f1,kappa`: one row per
/// reviewer and item they judged, then the reviewer's `(all)`.
fn by_reviewer_csv(rubric: &Rubric, cal: &Calibration) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(
        ["reviewer", "item"]
            .into_iter()
            .chain(AGREEMENT_CSV_COLUMNS),
    )?;
    for r in &cal.by_reviewer {
        let rows = r
            .items
            .iter()
            .map(|(i, a)| (rubric.items[*i].id.as_str(), a))
            .chain(std::iter::once(("(all)", &r.all)));
        for (id, a) in rows {
            w.write_record(
                [csv_cell(&r.reviewer), id.to_string()]
                    .into_iter()
                    .chain(agreement_cells(a, fmt2)),
            )?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn disagreements_csv(rubric: &Rubric, cal: &Calibration) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "call_id",
        "reviewer",
        "item",
        "reviewer_says",
        "tool_says",
        "evidence",
        "reviewers_split",
    ])?;
    for d in &cal.disagreements {
        w.write_record([
            csv_cell(&d.call_id),
            csv_cell(&d.reviewer),
            rubric.items[d.item].id.clone(),
            yes_no(d.reviewer_says).into(),
            yes_no(d.tool_says).into(),
            csv_cell(&d.evidence),
            yes_no(d.reviewers_split).into(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The reviewers on one side of a split, by name, for CSV and JSON.
fn names(side: &[Voter]) -> Vec<String> {
    side.iter().map(Voter::name).collect()
}

/// `--splits`: one row per call and item the reviewers split on, most contested calls first:
/// `call_id,item,reviewers_yes,reviewers_no,said_yes,said_no,tool_says,evidence` (the names
/// joined with `; `; `tool_says` empty when the call was not compared with the tool).
fn splits_csv(rubric: &Rubric, cal: &Calibration) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "call_id",
        "item",
        "reviewers_yes",
        "reviewers_no",
        "said_yes",
        "said_no",
        "tool_says",
        "evidence",
    ])?;
    for r in &cal.splits {
        let s = &r.split;
        w.write_record([
            csv_cell(&s.call_id),
            rubric.items[s.item].id.clone(),
            s.yes.len().to_string(),
            s.no.len().to_string(),
            csv_cell(&names(&s.yes).join("; ")),
            csv_cell(&names(&s.no).join("; ")),
            r.tool_says.map(yes_no).unwrap_or_default().into(),
            csv_cell(&r.evidence),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A rate (0–1) or κ for JSON: three decimals, the resolution of the report's JSON rates (a
/// percent to 0.1) on this 0–1 scale, rounded from the exact fraction; never `-0`.
fn round3(x: Option<Ratio>) -> Option<f64> {
    x.map(|v| v.rounded(3))
}

fn agreement_json(a: &Agreement) -> serde_json::Value {
    serde_json::json!({
        "n": a.n,
        "reviewer_yes": a.reviewer_yes,
        "tool_yes": a.tool_yes,
        "both_yes": a.both_yes,
        "precision": round3(a.precision()),
        "recall": round3(a.recall()),
        "f1": round3(a.f1()),
        "kappa": round3(a.kappa()),
    })
}

fn json(rubric: &Rubric, cal: &Calibration) -> serde_json::Value {
    let item = |i: usize, a: &Agreement| {
        let mut v = agreement_json(a);
        v["item"] = rubric.items[i].id.clone().into();
        v["label"] = rubric.items[i].label.clone().into();
        v
    };
    serde_json::json!({
        "items": cal.items.iter().map(|(i, a)| item(*i, a)).collect::<Vec<_>>(),
        "all": agreement_json(&cal.all),
        "calls_compared": cal.calls_compared,
        "disagreements": cal.disagreements.iter().map(|d| serde_json::json!({
            "call_id": d.call_id,
            "reviewer": d.reviewer,
            "item": rubric.items[d.item].id,
            "reviewer_says": d.reviewer_says,
            "tool_says": d.tool_says,
            "evidence": d.evidence,
            "reviewers_split": d.reviewers_split,
        })).collect::<Vec<_>>(),
        "by_reviewer": cal.by_reviewer.iter().map(|r| serde_json::json!({
            "reviewer": r.reviewer,
            "items": r.items.iter().map(|(i, a)| item(*i, a)).collect::<Vec<_>>(),
            "all": agreement_json(&r.all),
        })).collect::<Vec<_>>(),
        "between_reviewers": cal.between_reviewers.iter().map(|(i, a)| {
            let mut v = serde_json::json!({
                "n": a.n,
                "agreement": round3(a.observed()),
                "kappa": round3(a.kappa()),
            });
            v["item"] = rubric.items[*i].id.clone().into();
            v
        }).collect::<Vec<_>>(),
        "reviewer_splits": cal.splits.iter().map(|r| serde_json::json!({
            "call_id": r.split.call_id,
            "item": rubric.items[r.split.item].id,
            "yes": names(&r.split.yes),
            "no": names(&r.split.no),
            "tool_says": r.tool_says,
            "evidence": r.evidence,
        })).collect::<Vec<_>>(),
        "not_comparable": cal.missing.iter().map(|(id, n, why)| serde_json::json!({
            "call_id": id,
            "judged_cells": n,
            "reason": why.reason(),
        })).collect::<Vec<_>>(),
    })
}

fn dash(x: Option<Ratio>) -> String {
    x.map_or("–".into(), |v| v.fixed(2))
}

fn table(rubric: &Rubric, cal: &Calibration) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_header(std::iter::once("item").chain(AGREEMENT_TABLE_COLUMNS));
    let rows = cal
        .items
        .iter()
        .map(|(i, a)| (rubric.items[*i].label.as_str(), a))
        .chain(std::iter::once(("(all)", &cal.all)));
    for (label, a) in rows {
        t.add_row(
            std::iter::once(terminal_safe(label).into_owned()).chain(agreement_cells(a, dash)),
        );
    }
    let mut s = format!("{t}\n");
    if cal.by_reviewer.len() > 1 {
        s.push_str(&format!(
            "\nBy reviewer, against the tool\n{}\n",
            by_reviewer_table(rubric, cal)
        ));
    }
    if !cal.between_reviewers.is_empty() {
        let mut r = comfy_table::Table::new();
        r.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
        r.force_no_tty();
        r.set_header(["item", "pairs", "agreement", "κ"]);
        for (i, a) in &cal.between_reviewers {
            r.add_row([
                terminal_safe(&rubric.items[*i].label).into_owned(),
                a.n.to_string(),
                dash(a.observed()),
                dash(a.kappa()),
            ]);
        }
        s.push_str(&format!("\nBetween reviewers\n{r}\n"));
        s.push_str(&splits_text(rubric, cal));
    }
    if cal.disagreements.is_empty() {
        s.push_str("\nNo disagreements.\n");
    } else {
        s.push_str(&format!("\nDisagreements ({})\n", cal.disagreements.len()));
        for d in &cal.disagreements {
            let who = if d.reviewer.is_empty() {
                String::new()
            } else {
                format!(" ({})", terminal_safe(&d.reviewer))
            };
            let split = if d.reviewers_split {
                " (reviewers split)"
            } else {
                ""
            };
            s.push_str(&format!(
                "  {} · {}: reviewer{who} {}, tool {}{split} · {}\n",
                terminal_safe(&d.call_id),
                rubric.items[d.item].id,
                yes_no(d.reviewer_says),
                yes_no(d.tool_says),
                terminal_safe(&d.evidence)
            ));
        }
    }
    s
}

/// Each reviewer against the tool: a row per reviewer and item they judged, then their
/// `(all)`; the reviewer named on their first row.
fn by_reviewer_table(rubric: &Rubric, cal: &Calibration) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_header(
        ["reviewer", "item"]
            .into_iter()
            .chain(AGREEMENT_TABLE_COLUMNS),
    );
    for r in &cal.by_reviewer {
        let rows = r
            .items
            .iter()
            .map(|(i, a)| (rubric.items[*i].label.as_str(), a))
            .chain(std::iter::once(("(all)", &r.all)));
        for (n, (label, a)) in rows.enumerate() {
            let reviewer = if n == 0 {
                terminal_safe(&r.reviewer).into_owned()
            } else {
                String::new()
            };
            t.add_row(
                [reviewer, terminal_safe(label).into_owned()]
                    .into_iter()
                    .chain(agreement_cells(a, dash)),
            );
        }
    }
    t
}

/// The table's list of reviewer splits, most contested calls first, the first `SPLITS_SHOWN`:
/// `  K-04 · customer_calmed: yes (raj), no (ana, sue), tool yes · EVIDENCE`.
fn splits_text(rubric: &Rubric, cal: &Calibration) -> String {
    if cal.splits.is_empty() {
        return "\nNo reviewer splits.\n".into();
    }
    let calls: HashSet<&str> = cal
        .splits
        .iter()
        .map(|s| s.split.call_id.as_str())
        .collect();
    let mut s = format!(
        "\nReviewer splits ({} item(s) of {} call(s), most contested first)\n",
        cal.splits.len(),
        calls.len()
    );
    let side = |vs: &[Voter]| terminal_safe(&names(vs).join(", ")).into_owned();
    for r in cal.splits.iter().take(SPLITS_SHOWN) {
        s.push_str(&format!(
            "  {} · {}: yes ({}), no ({}), tool {} · {}\n",
            terminal_safe(&r.split.call_id),
            rubric.items[r.split.item].id,
            side(&r.split.yes),
            side(&r.split.no),
            r.tool_says.map_or("–", yes_no),
            terminal_safe(&r.evidence)
        ));
    }
    if cal.splits.len() > SPLITS_SHOWN {
        s.push_str(&format!(
            "  … and {} more (all of them: --splits FILE.csv, or --format json)\n",
            cal.splits.len() - SPLITS_SHOWN
        ));
    }
    s
}
