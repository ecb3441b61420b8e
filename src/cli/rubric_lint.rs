//! `callaudit rubric lint`: the phrases of a rubric worth pruning.
//!
//! Three findings, per item:
//! - **never fires**: the phrase counted in no call of the inputs;
//! - **only wrong calls** (with `--labels`): it counted only in calls labelled 0 for its item;
//! - **duplicate**: it expands to the same words as another phrase of the item, or every match
//!   of it contains a match of another phrase of the item (words, stems and number slots that
//!   accept a run of its words: `thank*` covers `thanks` and `thank you`), so it never decides
//!   whether the item happened. A phrase anchored with `^`/`$`, or a refusal, covers nothing:
//!   its matches count in fewer places.
//!
//! Phrases are reported as written (a family `{a|b}` is one phrase).

use super::ExitCode;
use super::common::{Guard, enricher, input_format, load_rubric, read_options, threads};
use crate::cli::args::{LintArgs, LintFormat};
use callaudit::audit::CallAudit;
use callaudit::calibration::sheet;
use callaudit::language::Language;
use callaudit::model::Call;
use callaudit::pipeline::{AuditSink, Filters, InputError, RunOptions};
use callaudit::read::input::discover;
use callaudit::rubric::phrase::{Part, PhraseExpr};
use callaudit::rubric::{Role, Rubric};
use callaudit::sanitize::{csv_cell, terminal_safe};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

/// A written phrase of an item (role Match).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Written {
    item: usize,
    text: String,
}

#[derive(Default)]
struct Stats {
    /// Calls in which the phrase counted.
    calls: u64,
    labelled_yes: u64,
    labelled_no: u64,
}

struct Fired<'a> {
    labels: Option<&'a HashMap<String, HashMap<usize, bool>>>,
    stats: HashMap<Written, Stats>,
    calls: u64,
    /// The labelled calls found in the inputs (the rest are reported).
    labelled_seen: HashSet<String>,
}

impl AuditSink for Fired<'_> {
    fn accept(&mut self, _call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
        self.calls += 1;
        if self.labels.is_some_and(|l| l.contains_key(&audit.call_id)) {
            self.labelled_seen.insert(audit.call_id.clone());
        }
        let Some(detail) = audit.detail.as_deref() else {
            return Ok(());
        };
        let labels = self.labels.and_then(|l| l.get(&audit.call_id));
        for (item, evidence) in detail.evidence.iter().enumerate() {
            // A phrase fired where it counted, alone or with others on the same words.
            let rules: HashSet<&str> = evidence
                .iter()
                .flat_map(|e| std::iter::once(&e.rule).chain(&e.also))
                .map(String::as_str)
                .collect();
            for rule in rules {
                let s = self
                    .stats
                    .entry(Written {
                        item,
                        text: rule.to_string(),
                    })
                    .or_default();
                s.calls += 1;
                match labels.and_then(|l| l.get(&item)) {
                    Some(true) => s.labelled_yes += 1,
                    Some(false) => s.labelled_no += 1,
                    None => {}
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.stats.clear();
        self.calls = 0;
        self.labelled_seen.clear();
        Ok(())
    }
}

/// A written phrase of an item: its expansions, and whether its matches are restricted beyond
/// the item's own settings (`^`, `$`, or a refusal that an alternative cancels).
struct Family<'r> {
    written: Written,
    exprs: Vec<&'r PhraseExpr>,
    /// (opens its sentence, closes its turn, refusal).
    marks: (bool, bool, bool),
}

impl Family<'_> {
    /// Every match of the phrase counts where its words are (no anchor, not a refusal).
    fn unrestricted(&self) -> bool {
        self.marks == (false, false, false)
    }
}

/// Does part `q` of a phrase accept every word that part `p` of another accepts?
fn part_covers(q: &Part, p: &Part, lang: Language) -> bool {
    match (q, p) {
        (Part::Word(a), Part::Word(b)) => a == b,
        (Part::Stem(s), Part::Word(w)) => w.starts_with(s.as_str()),
        (Part::Stem(s), Part::Stem(t)) => t.starts_with(s.as_str()),
        (Part::Num, Part::Num) => true,
        (Part::Num, Part::Word(w)) => Part::Num.accepts_in(w, lang),
        _ => false,
    }
}

/// Is every match of `p` also a match of `q` on some of its words: `q` (a sequence) accepting a
/// run of consecutive parts of `p`, or of one side of `p`'s NEAR/BEFORE?
fn covers(q: &PhraseExpr, p: &PhraseExpr, lang: Language) -> bool {
    let PhraseExpr::Seq(q) = q else {
        return false;
    };
    let q = &q.parts;
    let in_run = |parts: &[Part]| {
        q.len() <= parts.len()
            && parts.windows(q.len()).any(|run| {
                run.iter()
                    .zip(q.iter())
                    .all(|(p, q)| part_covers(q, p, lang))
            })
    };
    match p {
        PhraseExpr::Seq(s) => in_run(&s.parts),
        PhraseExpr::Near { a, b, .. } => in_run(&a.parts) || in_run(&b.parts),
    }
}

/// How `w` is redundant beside `o` (another phrase of its item), if it is: the same
/// expansions (or some of them), or every match of it a match of `o` too (`o` not restricted
/// by an anchor or as a refusal, which would let `w` count where `o` does not).
fn redundant(w: &Family, o: &Family, lang: Language) -> Option<&'static str> {
    let within = w.exprs.iter().all(|e| o.exprs.contains(e));
    if within && w.marks == o.marks {
        return Some("same words as");
    }
    let covered = o.unrestricted()
        && w.exprs
            .iter()
            .all(|e| o.exprs.iter().any(|q| covers(q, e, lang)));
    covered.then_some("covered by")
}

/// Static duplicates: (phrase, the phrase it duplicates or is covered by, how). Each phrase
/// found points at one that is not found, or at one whose chain of findings ends at one that
/// is not: two phrases that cover each other are never both reported, so pruning every phrase
/// found leaves one that matches all they matched. Of two identical phrases, the later written
/// is reported.
fn duplicates(rubric: &Rubric) -> BTreeMap<Written, (String, &'static str)> {
    // Each written phrase of each item (role Match) with its expansions, in rubric order.
    let mut families: Vec<Family> = Vec::new();
    for p in rubric.phrases.iter().filter(|p| p.role == Role::Match) {
        let written = Written {
            item: p.item,
            text: p.text.to_string(),
        };
        match families.iter_mut().find(|f| f.written == written) {
            Some(f) => f.exprs.push(&p.expr),
            None => families.push(Family {
                written,
                exprs: vec![&p.expr],
                marks: (p.opens_sentence, p.closes_turn, p.refusal),
            }),
        }
    }
    let lang = rubric.text_rules.language;
    let mut found: BTreeMap<Written, (String, &'static str)> = BTreeMap::new();
    // By position in `families`: the phrase a found one points at.
    let mut points_at: HashMap<usize, usize> = HashMap::new();
    for (wi, w) in families.iter().enumerate() {
        let leads_back = |mut o: usize| loop {
            if o == wi {
                return true;
            }
            match points_at.get(&o) {
                Some(&next) => o = next,
                None => return false,
            }
        };
        let mut best: Option<(u8, usize, &'static str)> = None;
        for (oi, o) in families.iter().enumerate() {
            if oi == wi || o.written.item != w.written.item {
                continue;
            }
            let Some(how) = redundant(w, o, lang) else {
                continue;
            };
            let identical = how == "same words as" && redundant(o, w, lang) == Some(how);
            // Of two identical phrases, the later written is the one reported.
            if identical && oi > wi {
                continue;
            }
            // Preferred: an identical earlier phrase, then the same words, then a cover.
            let rank = match (identical, how) {
                (true, _) => 0,
                (false, "same words as") => 1,
                _ => 2,
            };
            if best.is_none_or(|(r, ..)| rank < r) && !leads_back(oi) {
                best = Some((rank, oi, how));
            }
        }
        if let Some((_, oi, how)) = best {
            points_at.insert(wi, oi);
            found.insert(w.written.clone(), (families[oi].written.text.clone(), how));
        }
    }
    found
}

pub fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let rubric = load_rubric(&args.input)?;
    let labels = read_labels(&args, &rubric)?;
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    let mut read = super::common::side_files(&args.input);
    read.push((args.labels.as_deref(), "the labels", Guard::Always));
    super::common::outputs_spare_inputs(&[], Some("the lint"), Some(&discovered), &read)?;
    let enricher = enricher(&args.input)?;
    let opts = RunOptions {
        rubric: &rubric,
        read: read_options(&args.input)?,
        format: input_format(&args.input)?,
        threads: threads(&args.input)?,
        detail: true,
        audit: true,
        // With labels, only the labelled calls: a rubric tuned with lint sees nothing else.
        filters: Filters {
            only: labels.as_ref().map(|l| l.keys().cloned().collect()),
            spellings: labels
                .as_ref()
                .map(|l| l.keys().map(|id| id.to_lowercase()).collect()),
            ..Filters::default()
        },
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
        shard: None,
    };
    let mut fired = Fired {
        labels: labels.as_ref(),
        stats: HashMap::new(),
        calls: 0,
        labelled_seen: HashSet::new(),
    };
    let acct = super::common::run_pipeline(&discovered, &opts, &mut fired)?;
    super::audit::print_warnings(&acct);
    if !args.quiet {
        say!("{}", acct.summary());
    }
    // Over no call every phrase "never fires": a list that invites deleting the whole rubric.
    if fired.calls == 0 {
        let why = match &args.labels {
            Some(sheet) => format!(
                "{}: none of the labelled calls is in the inputs: nothing to lint (check the \
                 inputs and the sheet's call ids)",
                sheet.display()
            ),
            None => "no calls matched: nothing to lint (check the inputs)".to_string(),
        };
        return Err(InputError(why).into());
    }
    // With labels only the labelled calls are linted: "never fires" is over them, not over
    // every call of the inputs (tester t14's finding 12). Said, so that a phrase is not pruned
    // that fires on the calls left out.
    let left_out = if labels.is_some() {
        acct.calls_filtered_out
    } else {
        0
    };
    if let (Some(sheet), true) = (&args.labels, left_out > 0 && !args.quiet) {
        say!(
            "callaudit: --labels {}: only the {} labelled call(s) were linted, not the {left_out} \
             other call(s) of the inputs: a phrase that never fires on the labelled calls may \
             fire on those",
            terminal_safe(&sheet.display().to_string()),
            fired.calls
        );
    }
    if let (Some(labels), Some(sheet)) = (&labels, &args.labels) {
        labels_not_found(
            labels,
            &fired.labelled_seen,
            &acct.filtered.spellings,
            sheet,
            args.input.strict,
        )?;
    }
    let dups = duplicates(&rubric);

    let phrases = written_phrases(&rubric);
    let empty = Stats::default();
    let finding = |w: &Written| -> Option<String> {
        let s = fired.stats.get(w).unwrap_or(&empty);
        if let Some((other, how)) = dups.get(w) {
            return Some(format!("{how} `{other}`"));
        }
        if s.calls == 0 {
            return Some("never fires".into());
        }
        if labels.is_some() && s.labelled_yes == 0 && s.labelled_no > 0 {
            return Some(format!(
                "only wrong calls ({} labelled 0 for its item)",
                s.labelled_no
            ));
        }
        None
    };

    let out = match args.format {
        LintFormat::Csv => lint_csv(&rubric, &phrases, &fired.stats, &finding)?,
        LintFormat::Table => lint_table(
            &rubric,
            &phrases,
            &finding,
            fired.calls,
            labels.is_some().then_some(left_out),
        ),
    };
    let mut lock = callaudit::output::stdout();
    lock.write_all(out.as_bytes())?;
    lock.flush()?;
    Ok(ExitCode::Ok)
}

/// Labelled calls that are not in the inputs: their labels were not used. A warning naming
/// them (the first 10), or with `--strict` an error, as `calibrate` does for judged calls.
fn labels_not_found(
    labels: &HashMap<String, HashMap<usize, bool>>,
    seen: &HashSet<String>,
    spellings: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    sheet: &std::path::Path,
    strict: bool,
) -> anyhow::Result<()> {
    let ids: Vec<&str> = labels
        .keys()
        .filter(|id| !seen.contains(*id))
        .map(String::as_str)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let message = format!(
        "{}: {} labelled call(s) are not in the inputs, so their labels were not used: {}{}",
        sheet.display(),
        ids.len(),
        super::common::first_ids(ids.clone()),
        super::common::in_another_case(&ids, spellings)
    );
    if strict {
        return Err(InputError(message).into());
    }
    say!("callaudit: warning: {}", terminal_safe(&message));
    Ok(())
}

/// `--labels`: the verdicts of a filled review sheet, by call id.
fn read_labels(
    args: &LintArgs,
    rubric: &Rubric,
) -> anyhow::Result<Option<HashMap<String, HashMap<usize, bool>>>> {
    let Some(path) = &args.labels else {
        return Ok(None);
    };
    super::common::sheet_not_stdin_twice("--labels", path, &args.input.inputs)?;
    let sheet = sheet::read(path, rubric, super::common::delimiter(&args.input)?)
        .map_err(|e| InputError(e.to_string()))?;
    let mut by_call: HashMap<String, HashMap<usize, bool>> = HashMap::new();
    for row in sheet.rows {
        by_call.entry(row.call_id).or_default().extend(row.verdicts);
    }
    Ok(Some(by_call))
}

/// Every phrase as written in the rubric (role Match), once per item, in rubric order.
fn written_phrases(rubric: &Rubric) -> Vec<Written> {
    let mut phrases: Vec<Written> = Vec::new();
    for p in rubric.phrases.iter().filter(|p| p.role == Role::Match) {
        let w = Written {
            item: p.item,
            text: p.text.to_string(),
        };
        if !phrases.contains(&w) {
            phrases.push(w);
        }
    }
    phrases
}

/// The CSV: every phrase with its counts and finding.
fn lint_csv(
    rubric: &Rubric,
    phrases: &[Written],
    stats: &HashMap<Written, Stats>,
    finding: &dyn Fn(&Written) -> Option<String>,
) -> anyhow::Result<String> {
    let empty = Stats::default();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "item",
        "phrase",
        "calls",
        "labelled_yes",
        "labelled_no",
        "finding",
    ])?;
    for p in phrases {
        let s = stats.get(p).unwrap_or(&empty);
        w.write_record([
            rubric.items[p.item].id.clone(),
            csv_cell(&p.text),
            s.calls.to_string(),
            s.labelled_yes.to_string(),
            s.labelled_no.to_string(),
            finding(p).unwrap_or_default(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The table: the phrases with a finding, and how many there are.
fn lint_table(
    rubric: &Rubric,
    phrases: &[Written],
    finding: &dyn Fn(&Written) -> Option<String>,
    calls: u64,
    // With --labels: how many calls of the inputs were left out for having no labels.
    labelled: Option<u64>,
) -> String {
    let mut out = String::new();
    let mut n = 0;
    let width = rubric.items.iter().map(|i| i.id.len()).max().unwrap_or(0);
    for p in phrases {
        if let Some(f) = finding(p) {
            n += 1;
            out.push_str(&format!(
                "{:<width$}  “{}”  {}\n",
                rubric.items[p.item].id,
                terminal_safe(&p.text),
                terminal_safe(&f)
            ));
        }
    }
    out.push_str(&format!(
        "{n} of {} phrases to look at, over {} call(s){}\n",
        phrases.len(),
        calls,
        match labelled {
            Some(0) => " (labelled calls only)".to_string(),
            Some(n) =>
                format!(" (labelled calls only: {n} other call(s) of the inputs were not linted)"),
            None => String::new(),
        }
    ));
    out
}
