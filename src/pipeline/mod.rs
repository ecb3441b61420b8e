//! The run: read every input, assemble calls, filter, audit in parallel, and hand each
//! result to a sink in input order (so output is byte-identical for any thread count).
//!
//! Calls are assembled by call id. Readers hand over a call as soon as its rows stop being
//! contiguous; most exports keep a call's rows together, so memory holds only the calls in
//! flight. When a call id comes back (rows not contiguous, or one call split across files),
//! the first pass notes it and a second pass re-reads the inputs holding just those calls
//! until the end, where they are merged and audited. Memory is then bounded by the calls
//! that are split, not by the input.

mod held;
mod ordered;
mod seen;
pub mod shard;

pub use crate::filters::Filters;
pub use shard::Shard;

use crate::accounting::{Accounting, NotAudited, PassedOverAs, SkipReason};
use crate::audit::{Auditor, CallAudit};
use crate::filters::Excluded;
use crate::model::{Call, Speaker};
use crate::pipeline::held::HeldCalls;
use crate::pipeline::seen::{SeenIds, id_hash};
use crate::read::enrich::{DateFrom, Enriched, Enricher, Join};
use crate::read::input::{
    Discovered, Input, Opened, check_unchanged, open_counted, open_error_kind, zero_padding_warning,
};
use crate::read::{
    At, CallSink, InputFormat, ReadContext, ReadError, ReadErrorKind, ReadOptions, Recycled,
    describe_bytes, detect, wide_encoding,
};
use crate::rubric::Rubric;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::sync::mpsc;

pub struct RunOptions<'a> {
    pub rubric: &'a Rubric,
    pub read: ReadOptions,
    /// Forces one format for every input (`--input-format`).
    pub format: Option<InputFormat>,
    pub threads: usize,
    /// Collect evidence and reasons (per-call JSONL, evidence file, explain).
    pub detail: bool,
    /// Audit the calls; `false` hands them to the sink with `CallAudit::unaudited`, for a run
    /// that only needs the calls themselves (explain's list of ids for "did you mean").
    pub audit: bool,
    pub filters: Filters,
    /// Report unreadable files and go on, instead of stopping with exit 2.
    pub keep_going: bool,
    /// Fills in what the exports lack: the agent from the file name (for each part of a call,
    /// as it is read) and the `--metadata` join (for each whole call).
    pub enrich: Option<&'a Enricher>,
    /// Called with the number of input bytes read so far (progress bar).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// `--shard I/N`: only the calls whose id hashes to this shard are assembled; the rest are
    /// read (and counted as read) but dropped before anything else counts them.
    pub shard: Option<Shard>,
}

/// Receives audited calls, one at a time, in input order.
pub trait AuditSink: Send {
    /// The next call's audit, in input order. The audit stays the caller's (a sink that keeps
    /// it takes it, `std::mem::take`): with more than one thread it goes back to the pool to be
    /// freed there, beside where it was allocated, not on the sink's thread.
    fn accept(&mut self, call: &Call, audit: &mut CallAudit) -> anyhow::Result<()>;
    /// Forget everything accepted so far (the run starts a second pass).
    fn reset(&mut self) -> anyhow::Result<()>;
}

/// A run that failed on its input (exit 2) rather than on an output.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// A run stopped by an error, with the accounting of what was read before it (for the
/// summary that even a failed run prints).
#[derive(Debug)]
pub struct Stopped {
    pub error: anyhow::Error,
    pub acct: Box<Accounting>,
}

impl Stopped {
    fn after(error: impl Into<anyhow::Error>, mut acct: Accounting) -> Stopped {
        acct.settle_warnings();
        Stopped {
            error: error.into(),
            acct: Box::new(acct),
        }
    }
}

/// A failure of the run's own temporary files (the log of call ids, the calls held for a
/// second pass): the run's error, never an input's, so `--keep-going` does not pass over it.
fn temp_file_error(e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot write callaudit's temporary files ({}): {e}",
        crate::output::tmpdir_advice()
    )
}

const BATCH_CALLS: usize = 256;
const BATCH_BYTES: usize = 1 << 20;

/// Audits every input; returns the run's accounting, also when it stops on an error.
pub fn run(
    inputs: &Discovered,
    opts: &RunOptions<'_>,
    sink: &mut dyn AuditSink,
) -> Result<Accounting, Stopped> {
    let mut first = Assembler::detecting();
    let acct = run_pass(inputs, opts, &mut first, sink)?;
    let came_back = match std::mem::take(&mut first.seen).duplicates() {
        Ok(ids) => ids,
        Err(e) => return Err(Stopped::after(temp_file_error(e), acct)),
    };
    if came_back.is_empty() {
        return Ok(acct);
    }
    // Some call ids came back: audit again, holding those calls until the end.
    if let Err(e) = sink.reset() {
        return Err(Stopped::after(e, acct));
    }
    let mut second = Assembler::holding(came_back, opts.read.max_call_bytes);
    second.incomplete = std::mem::take(&mut first.incomplete);
    run_pass(inputs, opts, &mut second, sink)
}

/// Decides when a call is complete.
struct Assembler {
    /// First pass: the hash of every call id handed on, to find the ones that came back.
    seen: SeenIds,
    /// Second pass: hashes of the ids to hold until the end (they came back in the first pass).
    hold: HashSet<u64>,
    /// Second pass: held calls, in order of first appearance (in memory up to a budget).
    held: Option<HeldCalls>,
    second_pass: bool,
    /// Calls (id hashes) a file that failed part way (`--keep-going`) may have cut short, with
    /// the file: none of their rows is audited (see `file_failed`).
    incomplete: HashMap<u64, String>,
    /// Second pass: the file and id hash of every part held, to find the held calls with rows
    /// in a file that fails.
    held_parts: Vec<(u32, u64)>,
}

impl Assembler {
    fn detecting() -> Assembler {
        Assembler {
            seen: SeenIds::default(),
            hold: HashSet::new(),
            held: None,
            second_pass: false,
            incomplete: HashMap::new(),
            held_parts: Vec::new(),
        }
    }

    /// The second pass: held calls may take up to HELD_CALLS_IN_MEMORY times
    /// `--max-call-bytes` in memory; the rest go to a temporary file.
    fn holding(hold: HashSet<u64>, max_call_bytes: u64) -> Assembler {
        Assembler {
            hold,
            second_pass: true,
            held: Some(HeldCalls::new(
                max_call_bytes.saturating_mul(HELD_CALLS_IN_MEMORY),
                max_call_bytes,
            )),
            ..Assembler::detecting()
        }
    }

    /// A call part from a reader: returns it when it is complete and should be audited now.
    fn take(&mut self, call: Call) -> std::io::Result<Option<Call>> {
        let hash = id_hash(&call.id);
        if !self.second_pass {
            self.seen.push(hash)?;
            return Ok(Some(call));
        }
        if !self.hold.contains(&hash) {
            return Ok(Some(call));
        }
        match self.held.as_mut() {
            Some(held) => {
                self.held_parts.push((call.source, hash));
                held.add(call)?
            }
            None => return Ok(Some(call)),
        }
        Ok(None)
    }

    /// Notes that input `source` (`file`) failed part way (`--keep-going`), in the middle of
    /// call `cut` if the reader was. The calls it may have cut short are not audited: the one
    /// it was reading, and (second pass) every held call with rows in it, since a call whose
    /// rows are apart may have had more after the failure. In the first pass the cut call's id
    /// counts as seen once more, so that if any part of it was handed on (in another file, or
    /// earlier in this one) it comes back and the second pass holds it to the end.
    fn file_failed(&mut self, source: u32, file: &str, cut: Option<&str>) -> std::io::Result<()> {
        let mut hashes: Vec<u64> = cut.map(id_hash).into_iter().collect();
        if !self.second_pass {
            if let Some(&hash) = hashes.first() {
                self.seen.push(hash)?;
            }
        } else {
            hashes.extend(
                self.held_parts
                    .iter()
                    .filter(|(s, _)| *s == source)
                    .map(|&(_, h)| h),
            );
        }
        for hash in hashes {
            self.incomplete
                .entry(hash)
                .or_insert_with(|| file.to_string());
        }
        Ok(())
    }

    /// The held calls, merged, one at a time, in order of first appearance.
    fn finish(
        &mut self,
        acct: &mut Accounting,
    ) -> std::io::Result<Box<dyn Iterator<Item = std::io::Result<Call>>>> {
        match self.held.take() {
            Some(held) => {
                acct.calls_merged += held.merged();
                Ok(Box::new(held.into_calls()?))
            }
            None => Ok(Box::new(std::iter::empty())),
        }
    }
}

/// Held calls kept in memory at most, as a multiple of `--max-call-bytes` (see `HeldCalls`).
const HELD_CALLS_IN_MEMORY: u64 = 2;

/// Where assembled calls go: filtered, counted, and batched for auditing.
struct Collector<'a, 'o> {
    opts: &'a RunOptions<'o>,
    inputs: &'a [Input],
    acct: Accounting,
    batch: Vec<Call>,
    batch_bytes: usize,
    /// The file being read gave rows but no usable one.
    unusable: bool,
    /// Calls with no utterance completed while reading the current file: counted when the
    /// file is settled, unless it had not one usable row (then its rows are the file's error,
    /// not calls). The first warnings are kept, the rest only counted.
    empty: u64,
    empty_warnings: Vec<String>,
    /// What the readers alone counted (see `Accounting::reading`).
    reading: Accounting,
    /// An error of the run itself (its temporary files) that stopped the reading: it ends
    /// the run whatever `--keep-going` says, and no input is blamed for it.
    run_error: Option<anyhow::Error>,
    /// Calls not audited as incomplete, by the file that failed: calls, rows, the first ids.
    incomplete: std::collections::BTreeMap<String, (u64, u64, Vec<String>)>,
    /// Agent ids found only as a display name of the `--agents` file, each said once.
    agents_by_name: std::collections::HashSet<String>,
}

/// Incomplete calls named in the warning of each failed file.
const INCOMPLETE_IDS_NAMED: usize = 5;

impl Collector<'_, '_> {
    /// Completes a call; returns true when the batch is full.
    fn complete(&mut self, mut call: Call) -> bool {
        // One spelling of each agent, team and queue name, before the rows' votes settle it.
        call.compose_names();
        call.drop_repeated_rows();
        self.report_merged(&call);
        let votes = self
            .opts
            .enrich
            .map(|enricher| enricher.resolve_votes(&mut call))
            .unwrap_or_default();
        let disagree = call.settle_attributes();
        if call.too_large {
            self.too_large(&call);
            self.not_audited(&call, NotAudited::TooLarge);
            return false;
        }
        if call.turns.is_empty() {
            self.not_audited(&call, NotAudited::NoUtterance);
            // No utterance in any of its parts (the readers hand such calls on rather than
            // count them, since the id may have utterances elsewhere, merged by now).
            self.empty += 1;
            if self.empty_warnings.len() < crate::accounting::MAX_WARNINGS {
                let source = self.source(&call);
                self.empty_warnings.push(format!(
                    "{source}:{}: call {} has no utterance to audit",
                    call.line, call.id
                ));
            }
            return false;
        }
        if !disagree.is_empty() {
            self.disagreeing(&call, &disagree);
        }
        call.finish();
        let (mut date_from, mut agent_unlisted) = (None, false);
        if let Some(enricher) = self.opts.enrich
            && let Some(input) = self.inputs.get(call.source as usize)
        {
            let enriched = enricher.join(&mut call, input, votes.resolved);
            (date_from, agent_unlisted) = (enriched.date_from, enriched.agent_unlisted);
            if let Some(raw) = votes.by_name.or_else(|| enriched.agent_by_name.clone()) {
                self.agent_by_name(&call, input, raw);
            }
            self.count_join(&call, input, enriched);
        }
        let acct = &mut self.acct;
        acct.calls += 1;
        if call.date.is_none() {
            acct.calls_without_date += 1;
        }
        acct.calls_dated_from_metadata += u64::from(date_from == Some(DateFrom::Metadata));
        acct.calls_dated_from_path += u64::from(date_from == Some(DateFrom::Path));
        acct.filtered.note(&call, &self.opts.filters);
        // Dated by the paths of its files, which give two days: two conversations under one
        // id, whatever the date window (dated by its first file, the other day's conversation
        // would be filtered out of that day's run in silence).
        if date_from == Some(DateFrom::Path)
            && let Some(enricher) = self.opts.enrich
            && let Some(apart) = enricher.path_dates_apart(&call, self.inputs)
        {
            self.dated_apart(&call, apart);
            return false;
        }
        let acct = &mut self.acct;
        if let Some(why) = self.opts.filters.excludes(&call) {
            let by = &mut acct.filtered;
            match why {
                Excluded::Call => by.not_asked_for += 1,
                Excluded::NoDate => by.undated += 1,
                Excluded::Date(date) => by.outside(date, self.opts.filters.since),
                Excluded::Agent => by.other_agent += 1,
                Excluded::Team => by.other_team += 1,
                Excluded::NoTeam => by.no_team += 1,
            }
            acct.calls_filtered_out += 1;
            acct.skip(SkipReason::FilteredOut, call.turns.len() as u64);
            return false;
        }
        // Two conversations under one id: scored together, one agent would answer for the
        // other's words.
        if let Some(again) = call.numbered_again {
            self.numbered_again(&call, again);
            return false;
        }
        // Speaker labels the reader does not know, and none read as the agent: most likely the
        // agent's turns are among them ("Sarah (Agent)", "Support"). A call of the customer's
        // turns alone is audited: a chat nobody answered is the agent's miss.
        if !call.turns.iter().any(|t| t.speaker == Speaker::Agent)
            && call.turns.iter().any(|t| t.speaker == Speaker::Other)
        {
            self.no_agent_turn(&call);
            self.not_audited(&call, NotAudited::NoAgentTurn);
            return false;
        }
        // A real agent named as the line of calls without one: the reports could not tell
        // them apart (tester t25 F3).
        // Counted, and said once a run (a merge of shards says it once too: `once_warnings`).
        if call.agent_id.as_deref() == Some(crate::model::UNKNOWN_AGENT) {
            self.acct.calls_agent_named_unknown += 1;
            if self.acct.calls_agent_named_unknown == 1 {
                let source = self.source(&call);
                self.acct.warn_call(format!(
                    "{source}:{}: call {} names its agent `{}`, as the line of calls without an agent is: they are counted as one line; rename the agent (in the export, or in the --agents file if it gave the name)",
                    call.line,
                    call.id,
                    crate::model::UNKNOWN_AGENT
                ));
            }
        }
        let acct = &mut self.acct;
        if call.agent_id.is_none() {
            acct.calls_without_agent += 1;
            if acct.calls_without_agent == 1 {
                let source = self
                    .inputs
                    .get(call.source as usize)
                    .map_or("-", |i| &i.name);
                acct.warn_call(format!(
                    "{source}:{}: call {} names no agent; it is audited as (unknown), as is every such call (the summary counts them; see --agent-from-filename, --metadata)",
                    call.line, call.id
                ));
            }
        }
        if agent_unlisted {
            self.count_unlisted(&call);
        }
        let acct = &mut self.acct;
        acct.calls_audited += 1;
        acct.rows_audited += call.turns.len() as u64;
        self.batch_bytes += call.text.len();
        self.batch.push(call);
        self.batch.len() >= BATCH_CALLS || self.batch_bytes >= BATCH_BYTES
    }

    /// Counts a call in which no turn is the agent's and some are `other`'s, and says so: its
    /// agent's turns are likely among those, and scoring it would count a 0 against the agent.
    /// Its rows are skipped.
    fn no_agent_turn(&mut self, call: &Call) {
        let acct = &mut self.acct;
        acct.calls_no_agent_turn += 1;
        let rows = call.turns.len() as u64;
        acct.skip(SkipReason::NoAgentTurn, rows);
        let customer = call
            .turns
            .iter()
            .filter(|t| t.speaker == Speaker::Customer)
            .count();
        let source = self.source(call);
        let message = format!(
            "{source}:{}: call {}: no turn is read as the agent's ({customer} customer, {} other): it is not audited ({rows} row{}, no agent turn, skipped); docs/input-formats.md lists the speaker labels read as the agent",
            call.line,
            call.id,
            rows as usize - customer,
            if rows == 1 { "" } else { "s" }
        );
        self.acct.warn_call(message);
    }

    /// Says where a call's turn numbers were taken again by a part from another file, with
    /// other words: two conversations under one id, or a copy whose words differ.
    fn numbered_again(&mut self, call: &Call, again: crate::model::NumberedAgain) {
        let at = |(source, line): (u32, u64)| format!("{}:{line}", self.name_of(source));
        let rows = call.turns.len();
        let message = format!(
            "{}: call {}: its turn {} is at {} too, with other words: two conversations under one id (a counter that restarted, an id used again), or a copy whose words differ; it is not audited ({rows} row{}, numbered again, skipped): give each conversation its own id",
            at(again.first),
            call.id,
            again.order,
            at(again.again),
            if rows == 1 { "" } else { "s" }
        );
        self.two_conversations(call, message);
    }

    /// Says that a call's files' paths date it on two days (see
    /// `Enricher::path_dates_apart`), naming both files and days.
    fn dated_apart(&mut self, call: &Call, (file, first_day, day): (u32, NaiveDate, NaiveDate)) {
        let (first, other) = (self.name_of(call.source), self.name_of(file));
        let rows = call.turns.len();
        let s = if rows == 1 { "" } else { "s" };
        let message = if call.id_from_file_name {
            format!(
                "{first}:{}: call {}: {first} and {other} are one call by their name, but their paths date them {first_day} and {day}: two conversations under one id (file names that start again every day); it is not audited ({rows} row{s}, numbered again, skipped): give each conversation its own file name, or audit each day's folder on its own",
                call.line, call.id
            )
        } else {
            format!(
                "{first}:{}: call {}: {first} and {other} both hold rows of it, their paths date them {first_day} and {day}, and its turns are not numbered, so nothing tells one call across midnight from two conversations under one id (ids that start again every day); it is not audited ({rows} row{s}, numbered again, skipped): export a turn number (a turn column), give each conversation its own id, or audit each day's folder on its own",
                call.line, call.id
            )
        };
        self.two_conversations(call, message);
    }

    /// A call that is two conversations under one id is not audited: scored together, one
    /// agent would answer for the other's words. It is counted as numbered again, its rows
    /// skipped, and `why` (which says where) warned of.
    fn two_conversations(&mut self, call: &Call, why: String) {
        let acct = &mut self.acct;
        acct.calls_numbered_again += 1;
        acct.skip(SkipReason::NumberedAgain, call.turns.len() as u64);
        acct.warn_call(why);
        self.not_audited(call, NotAudited::NumberedAgain);
    }

    /// Counts a call dropped for its size, and reports it once, now that it is complete: where
    /// it went over, and every row of it, in every part and file. The rows its readers skipped
    /// were counted then; those of parts that outgrew the limit only together (dropped when the
    /// parts were merged, or still held) are counted here.
    fn too_large(&mut self, call: &Call) {
        let acct = &mut self.acct;
        acct.calls += 1;
        acct.calls_too_large += 1;
        let rows = call.turns.len() as u64 + call.dropped_rows;
        acct.skip(SkipReason::TooLarge, rows);
        let total = rows + call.rows_too_large;
        let (source, line) = call.over_at.unwrap_or((call.source, call.line));
        let at = self
            .inputs
            .get(source as usize)
            .map_or("-", |i| i.name.as_str());
        let limit = describe_bytes(self.opts.read.max_call_bytes);
        let how = if call.over_together {
            format!("its parts together take more than {limit} (--max-call-bytes) with this one")
        } else {
            format!("it takes more than {limit} (--max-call-bytes) with this row")
        };
        let message = format!(
            "{at}:{line}: call {}: {how}: it is not audited, and every row of it is skipped ({total} row{}, too large, skipped)",
            call.id,
            if total == 1 { "" } else { "s" }
        );
        self.acct.warn_call(message);
    }

    /// Counts a call that `file`, which failed part way (`--keep-going`), may have cut short:
    /// the rows of it that were read are skipped, as an incomplete call would be scored wrong.
    /// Such calls are reported by file once all are counted (`report_incomplete`).
    fn incomplete(&mut self, call: &Call, file: &str) {
        self.report_merged(call);
        self.not_audited(call, NotAudited::Incomplete);
        let acct = &mut self.acct;
        acct.calls += 1;
        acct.calls_incomplete += 1;
        let rows = call.turns.len() as u64;
        acct.skip(SkipReason::IncompleteCall, rows);
        let by_file = self.incomplete.entry(file.to_string()).or_default();
        by_file.0 += 1;
        by_file.1 += rows;
        if by_file.2.len() < INCOMPLETE_IDS_NAMED {
            by_file.2.push(call.id.clone());
        }
    }

    /// Warns, for each file that failed part way, about the calls it may have cut short.
    fn report_incomplete(&mut self) {
        for (file, (calls, rows, ids)) in std::mem::take(&mut self.incomplete) {
            let named = crate::accounting::named_then_more(&ids, calls);
            self.acct.warn(format!(
                "{file} could not be read to its end (--keep-going), so {calls} call(s) with rows in it may be incomplete and none of them is audited: {named} ({rows} row{}, incomplete call, skipped)",
                if rows == 1 { "" } else { "s" }
            ));
        }
    }

    /// Counts and reports what merging a call's parts from several files found
    /// (`Call::absorb`): parts with no common order, put in file-name order; copies passed over
    /// as `duplicate` rows; repeated turns kept.
    fn report_merged(&mut self, call: &Call) {
        let inputs = self.inputs;
        let name = |i: u32| {
            inputs
                .get(i as usize)
                .map_or_else(|| "-".to_string(), |i| i.name.clone())
        };
        if let Some((of, from)) = call.ordered_by_files
            && !call.too_large
        {
            let (of, from) = (name(of), name(from));
            self.acct.calls_ordered_by_files += 1;
            self.acct.warn_call(format!(
                "call {}: its turns in {of} and {from} have no common order (that needs an order column in every part): they are put in the order of the file names, so renaming a file can change the call's transcript and score",
                call.id
            ));
        }
        let Some(r) = &call.repeated else {
            return;
        };
        if r.parts_passed_over > 0 && call.parts_absorbed == 0 {
            // Only copies came with it: it was counted as merged from its parts, and is not.
            self.acct.calls_merged = self.acct.calls_merged.saturating_sub(1);
        }
        // Rows a file holds twice, by file, the first of them named.
        for again in &r.again {
            self.acct.skip(SkipReason::Duplicate, again.rows);
            let more = match again.rows - 1 {
                0 => String::new(),
                n => format!(", and so do {n} more"),
            };
            self.acct.warn_call(format!(
                "{}:{}: call {}: this row repeats a turn read before in the same file{more} (the export joined to itself? a record delivered twice?): {} not read twice ({} row{}, duplicate, skipped)",
                name(again.source),
                again.line,
                call.id,
                if again.rows == 1 { "it is" } else { "they are" },
                again.rows,
                if again.rows == 1 { "" } else { "s" }
            ));
        }
        let (of, kept_from) = (name(r.of), name(r.kept_from));
        // Each file a copy came from, with its own rows.
        for copy in &r.copies {
            self.acct.skip(SkipReason::Duplicate, copy.rows);
            let how = if copy.other_text > 0 {
                format!(
                    "same speaker and times, {} with other text: a redacted copy? give Contact Lens's original analyses or its redacted ones, not both",
                    copy.other_text
                )
            } else {
                "same speaker, text and times: a copy of the export?".to_string()
            };
            // A copy that names another agent (date, …) is one of the call's disagreements,
            // which `disagreeing` counts and reports with every value's rows.
            let outcome = if copy.differs.is_empty() {
                "they are not read twice".to_string()
            } else {
                let list = |f: fn(&(&str, String, String)) -> String| {
                    copy.differs.iter().map(f).collect::<Vec<_>>().join(" and ")
                };
                format!(
                    "but it names {} where the rows read before name {}: its turns are not read twice, and its rows count in the vote on the call's {}",
                    list(|(what, _, here)| format!("{what} {here}")),
                    list(|(_, before, _)| before.clone()),
                    list(|(what, ..)| what.to_string()),
                )
            };
            let sep = if copy.differs.is_empty() { ":" } else { "," };
            self.acct.warn_call(format!(
                "{}: call {}: its turns here repeat those read from {of} ({how}){sep} {outcome} ({} row{}, duplicate, skipped)",
                name(copy.from),
                call.id,
                copy.rows,
                if copy.rows == 1 { "" } else { "s" }
            ));
        }
        if r.kept > 0 {
            // Every turn of a part this short may repeat by chance ("Thanks!"): not taken for a
            // copy, and said so rather than "beside new ones" (tester t20's F6).
            let beside = if r.kept_whole == r.kept {
                "and nothing else, too few turns (under 3, without turn numbers or times) to be taken for a copy"
            } else {
                "beside new ones"
            };
            self.acct.warn_call(format!(
                "{kept_from}: call {}: {} of its turns here repeat turns read from {of} exactly (same speaker, text and times), {beside}: the call is audited with both (a copy merged into an export?)",
                call.id, r.kept
            ));
        }
    }

    /// Notes why a call asked for by id (`explain --call`, calibrate's judged calls) is not
    /// audited (see `FilteredOut::asked_not_audited`).
    fn not_audited(&mut self, call: &Call, why: NotAudited) {
        if self.opts.filters.asks_for(&call.id) {
            self.acct
                .filtered
                .asked_not_audited
                .entry(call.id.clone())
                .or_insert(why);
        }
    }

    /// Counts and reports a call whose rows disagree (see `Votes`).
    fn disagreeing(&mut self, call: &Call, attributes: &[&str]) {
        fn listed<T>(counts: Vec<(&T, u64)>, name: impl Fn(&T) -> String) -> String {
            let mut parts: Vec<String> = counts
                .iter()
                .take(3)
                .map(|(v, n)| format!("{}: {n} row{}", name(v), if *n == 1 { "" } else { "s" }))
                .collect();
            if counts.len() > 3 {
                parts.push(format!("{} more", counts.len() - 3));
            }
            parts.join(", ")
        }
        let v = &call.votes;
        let described: Vec<String> = attributes
            .iter()
            .map(|&a| {
                let counts = match a {
                    "agent" => listed(v.agent.counts(), String::clone),
                    "date" => listed(v.date.counts(), |d| d.to_string()),
                    "team" => listed(v.team.counts(), String::clone),
                    "queue" => listed(v.queue.counts(), String::clone),
                    _ => listed(v.channel.counts(), |c| format!("{c:?}").to_lowercase()),
                };
                format!("{a} ({counts})")
            })
            .collect();
        let source = self.source(call);
        self.acct.calls_disagreeing += 1;
        // Agents after `--agent-case` and `--agents` (see `Enricher::resolve_votes`).
        self.acct.calls_agent_disagrees += u64::from(attributes.contains(&"agent"));
        self.acct.warn_call(format!(
            "{source}:{}: call {}: its rows disagree on {}; it takes the value most rows hold (the smallest on a tie)",
            call.line,
            call.id,
            described.join(", ")
        ));
    }

    /// The input a call (first) came from, for messages.
    fn source(&self, call: &Call) -> String {
        self.name_of(call.source).to_string()
    }

    /// The name of the input `source` (its index), as the summary names it.
    fn name_of(&self, source: u32) -> &str {
        self.inputs
            .get(source as usize)
            .map_or("-", |i| i.name.as_str())
    }

    /// Counts an audited call whose agent the `--agents` file does not list; the first one is
    /// reported with where it is.
    fn count_unlisted(&mut self, call: &Call) {
        self.acct.calls_agent_unlisted += 1;
        if self.acct.calls_agent_unlisted == 1 {
            let w = format!(
                "{}:{}: call {}: agent {} is not in the --agents file; it is reported under its id",
                self.source(call),
                call.line,
                call.id,
                call.agent()
            );
            self.acct.warn_call(w);
        }
    }

    /// Says, once for each, an agent id that is no id of the `--agents` file but the display
    /// name it gives an agent: the call is reported under that agent. Right for an export that
    /// names agents by name; wrong when it is another agent's id, whose calls would silently
    /// join the named agent's line (tester t23 F5).
    fn agent_by_name(&mut self, call: &Call, input: &Input, raw: String) {
        if self.agents_by_name.contains(&raw) {
            return;
        }
        self.acct.warn_call(format!(
            "{}:{}: call {}: agent {raw} is no id in the --agents file but the name it gives an agent, so its calls are reported as that agent's; if {raw} is another agent, list its id in the file",
            input.name, call.line, call.id
        ));
        self.agents_by_name.insert(raw);
    }

    /// Counts the `--metadata` join; the first call not found and the first whose agent
    /// differs are reported with where they are.
    fn count_join(&mut self, call: &Call, input: &Input, enriched: Enriched) {
        let acct = &mut self.acct;
        match enriched.metadata {
            None => {}
            Some(Join::NotFound) => {
                acct.metadata_not_found += 1;
                if acct.metadata_not_found == 1 {
                    acct.warn_call(format!(
                        "{}:{}: call {} is not in --metadata; it keeps what its export says",
                        input.name, call.line, call.id
                    ));
                }
            }
            Some(Join::Found { agent_differs }) => {
                acct.metadata_joined += 1;
                if let Some(meta_agent) = agent_differs {
                    acct.metadata_agent_differs += 1;
                    if acct.metadata_agent_differs == 1 {
                        acct.warn_call(format!(
                            "{}:{}: call {}: the export names agent {} but --metadata says {}; the export's is kept",
                            input.name,
                            call.line,
                            call.id,
                            call.agent(),
                            meta_agent
                        ));
                    }
                }
            }
        }
    }

    /// Counts (or, for a file without one usable row, drops) the calls with no utterance
    /// completed since the last settled file.
    fn settle_empty(&mut self, count: bool) {
        let n = std::mem::take(&mut self.empty);
        let warnings = std::mem::take(&mut self.empty_warnings);
        if !count {
            return;
        }
        self.acct.calls_empty += n;
        let kept = warnings.len() as u64;
        for w in warnings {
            self.acct.warn_call(w);
        }
        self.acct.warnings_total += n - kept;
    }

    fn take_batch(&mut self) -> Vec<Call> {
        self.batch_bytes = 0;
        std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_CALLS))
    }
}

/// A collector for one pass over the inputs, its accounting starting from the files
/// discovery passed over (ignored, or named twice: each warned about).
fn new_collector<'a, 'o>(inputs: &'a Discovered, opts: &'a RunOptions<'o>) -> Collector<'a, 'o> {
    let mut collector = Collector {
        opts,
        inputs: &inputs.inputs,
        acct: Accounting {
            files_duplicate: inputs.duplicates.len() as u64,
            ..Accounting::default()
        },
        batch: Vec::with_capacity(BATCH_CALLS),
        batch_bytes: 0,
        unusable: false,
        empty: 0,
        empty_warnings: Vec::new(),
        reading: Accounting::default(),
        run_error: None,
        incomplete: Default::default(),
        agents_by_name: Default::default(),
    };
    collector.acct.hidden(&inputs.hidden);
    collector.acct.ignored(&inputs.ignored);
    collector.acct.link_loops(&inputs.link_loops);
    for (kept, again) in &inputs.duplicates {
        collector.acct.warn(if kept == again {
            format!("{again} is named more than once: it is read once")
        } else {
            format!("{again} is the same file as {kept}: it is read once")
        });
    }
    collector.reading = collector.acct.clone();
    collector
}

fn run_pass(
    inputs: &Discovered,
    opts: &RunOptions<'_>,
    assembler: &mut Assembler,
    sink: &mut dyn AuditSink,
) -> Result<Accounting, Stopped> {
    let mut collector = new_collector(inputs, opts);
    // Finished batches go back to the reader, whose next calls reuse their buffers.
    let (recycle, recycled) = mpsc::sync_channel::<Vec<Call>>(2);
    let recycled: Recycled = std::sync::Mutex::new(recycled);
    if opts.threads <= 1 || !opts.audit {
        // One thread does everything: the honest baseline for `--threads 1`.
        let mut auditor = Auditor::new(opts.rubric, opts.detail);
        let mut failure: Option<anyhow::Error> = None;
        let mut audit_batch = |batch: Vec<Call>, failure: &mut Option<anyhow::Error>| {
            for call in &batch {
                let mut a = if opts.audit {
                    auditor.audit(call)
                } else {
                    CallAudit::unaudited(call)
                };
                if let Err(e) = sink.accept(call, &mut a) {
                    *failure = Some(e);
                    return false;
                }
            }
            let _ = recycle.try_send(batch);
            true
        };
        let read = read_all(
            inputs,
            opts,
            assembler,
            &mut collector,
            &recycled,
            &mut |batch| audit_batch(batch, &mut failure),
        );
        if let Some(e) = failure.or(collector.run_error.take()) {
            return Err(Stopped::after(e, collector.acct));
        }
        if let Err(e) = read {
            return Err(Stopped::after(e, collector.acct));
        }
    } else {
        let pool = match rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .build()
        {
            Ok(pool) => pool,
            Err(e) => return Err(Stopped::after(e, collector.acct)),
        };
        let outcome = ordered::audit_in_order(
            &pool,
            opts.threads,
            opts.rubric,
            opts.detail,
            sink,
            recycle,
            |deliver| read_all(inputs, opts, assembler, &mut collector, &recycled, deliver),
        );
        if let Err(e) = outcome {
            return Err(Stopped::after(e, collector.acct));
        }
        if let Some(e) = collector.run_error.take() {
            return Err(Stopped::after(e, collector.acct));
        }
    }
    let mut acct = collector.acct;
    acct.reading = Some(Box::new(collector.reading));
    acct.settle_warnings();
    if acct.filtered.undated > 0 {
        acct.warn_at_end(format!(
            "{} call(s) without a date were excluded by the date filter (dates come from the export, --metadata or the file's path: see --date-from-path)",
            acct.filtered.undated
        ));
    }
    for warning in acct.filtered.unmatched(&opts.filters) {
        acct.warn_at_end(warning);
    }
    Ok(acct)
}

/// Files up to this size are read and parsed on the pool, several at once (see `read_ahead`);
/// larger ones are streamed by the reading thread, so that memory does not grow with them.
const SMALL_FILE: u64 = 4 << 20;
/// The most input bytes (and files) read ahead at once: what the parsed calls of a window of
/// small files may hold in memory before they are assembled in order.
const WINDOW_BYTES: u64 = 8 << 20;
const WINDOW_FILES: usize = 512;

/// Reads every input in order, feeding complete calls through the collector into batches.
/// With more than one thread, runs of small files (one-file-per-contact exports) are read and
/// parsed in parallel on the pool, each into its own calls and accounting; they are then
/// assembled, counted and audited in input order exactly as if read one after another, so the
/// output does not depend on which file finished first.
fn read_all(
    inputs: &Discovered,
    opts: &RunOptions<'_>,
    assembler: &mut Assembler,
    collector: &mut Collector<'_, '_>,
    recycled: &Recycled,
    deliver: &mut dyn FnMut(Vec<Call>) -> bool,
) -> anyhow::Result<()> {
    let mut bytes_done: u64 = 0;
    let all = &inputs.inputs;
    let mut index = 0;
    while index < all.len() {
        // A window of consecutive small files, read ahead in parallel; a large file alone is
        // streamed.
        let window_end = window_end(all, index, opts.threads);
        // Each file is checked against its listing where its reading ends (`check_unchanged`);
        // in the second pass, once it has been read (below), where a change stops the run.
        let check_end = !assembler.second_pass;
        let ahead: Vec<ReadAhead> = if window_end > index + 1 {
            use rayon::prelude::*;
            (index..window_end)
                .into_par_iter()
                .map(|i| read_ahead(i, &all[i], opts.format, &opts.read, recycled, check_end))
                .collect()
        } else {
            Vec::new()
        };
        let (first, end) = if ahead.is_empty() {
            (index, index + 1)
        } else {
            (index, window_end)
        };
        let mut ahead = ahead.into_iter();
        for (i, input) in all.iter().enumerate().take(end).skip(first) {
            // Progress within a file: bytes read so far, reported with every batch.
            let in_file = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let mut deliver_with_progress = |batch: Vec<Call>| {
                if let Some(progress) = opts.progress {
                    progress(bytes_done + in_file.load(std::sync::atomic::Ordering::Relaxed));
                }
                deliver(batch)
            };
            let outcome = match ahead.next() {
                Some(parsed) => assemble_read_ahead(
                    input,
                    opts,
                    assembler,
                    collector,
                    &mut deliver_with_progress,
                    parsed,
                ),
                None => read_one(
                    i,
                    input,
                    opts,
                    assembler,
                    collector,
                    recycled,
                    &mut deliver_with_progress,
                    in_file.clone(),
                ),
            };
            if opts.keep_going
                && let Err(e) = &outcome
                && !matches!(
                    e.kind,
                    ReadErrorKind::Strict
                        | ReadErrorKind::Stopped
                        | ReadErrorKind::NoUsableRow
                        | ReadErrorKind::TempFile
                )
            {
                let cut = e
                    .cut_call
                    .as_deref()
                    .filter(|id| opts.shard.is_none_or(|s| s.holds(id)));
                assembler
                    .file_failed(i as u32, &input.name, cut)
                    .map_err(temp_file_error)?;
            }
            if !settle_file(&input.name, outcome, opts, collector, deliver)? {
                return Ok(());
            }
            // The second pass must read what the first read: else a call whose rows were
            // together in the first is handed on in parts, each audited as a call.
            if assembler.second_pass
                && let Some(what) = input.changed_since_listing()
            {
                return Err(InputError(format!(
                    "{} changed while it was being audited ({what}): calls whose rows are apart are read in two passes over the inputs, which must read the same rows; audit it once it is complete (or a copy of it)",
                    input.name
                ))
                .into());
            }
            if let Some(progress) = opts.progress {
                bytes_done += input.size().unwrap_or(0);
                progress(bytes_done);
            }
        }
        index = end;
    }
    finish_held(assembler, collector, deliver)
}

/// The end of a window of consecutive small files starting at `index`, to be read ahead in
/// parallel; `index` itself when one thread reads, or the file there is large.
fn window_end(all: &[Input], index: usize, threads: usize) -> usize {
    let size = |i: &Input| i.size().unwrap_or(u64::MAX);
    let mut window_end = index;
    let mut window_bytes = 0u64;
    if threads > 1 {
        while window_end < all.len() && window_end - index < WINDOW_FILES {
            let s = size(&all[window_end]);
            if s > SMALL_FILE || (window_end > index && window_bytes + s > WINDOW_BYTES) {
                break;
            }
            window_bytes += s;
            window_end += 1;
        }
    }
    window_end
}

/// Counts how reading the file `name` ended: `Ok(false)` when the run was stopped, an error
/// when the file cannot be passed over (the calls completed before it are delivered first).
fn settle_file(
    name: &str,
    outcome: Result<(), ReadError>,
    opts: &RunOptions<'_>,
    collector: &mut Collector<'_, '_>,
    deliver: &mut dyn FnMut(Vec<Call>) -> bool,
) -> anyhow::Result<bool> {
    match outcome {
        Ok(()) => {
            collector.acct.files_read += 1;
            collector.reading.files_read += 1;
        }
        Err(e) if e.kind == ReadErrorKind::Stopped => return Ok(false),
        Err(e)
            if opts.keep_going
                && e.kind != ReadErrorKind::Strict
                && e.kind != ReadErrorKind::TempFile =>
        {
            let counted_as = if collector.unusable {
                PassedOverAs::Unusable
            } else {
                PassedOverAs::Unreadable
            };
            let warning = match &e.cut_call {
                Some(id) => format!(
                    "{e}; call {id} is cut short there, and is not audited (file passed over: --keep-going)"
                ),
                None => format!("{e} (file passed over: --keep-going)"),
            };
            for acct in [&mut collector.acct, &mut collector.reading] {
                // Named in the summary and the JSON report too: the warning may not be shown.
                acct.passed_over(name, counted_as, warning.clone());
                acct.warn(warning.clone());
            }
            collector.unusable = false;
        }
        Err(e) => {
            // The calls completed before the error are audited, so that the summary of
            // what was read counts them truly.
            if !collector.batch.is_empty() {
                deliver(collector.take_batch());
            }
            return Err(InputError(e.to_string()).into());
        }
    }
    Ok(true)
}

/// Delivers the calls the assembler still held (split across the input) once every file is
/// read, then the last partial batch.
fn finish_held(
    assembler: &mut Assembler,
    collector: &mut Collector<'_, '_>,
    deliver: &mut dyn FnMut(Vec<Call>) -> bool,
) -> anyhow::Result<()> {
    for call in assembler
        .finish(&mut collector.acct)
        .map_err(temp_file_error)?
    {
        let call = call.map_err(temp_file_error)?;
        if !call.too_large
            && let Some(file) = assembler.incomplete.get(&id_hash(&call.id))
        {
            collector.incomplete(&call, file);
            continue;
        }
        let full = collector.complete(call);
        collector.settle_empty(true);
        if full && !deliver(collector.take_batch()) {
            collector.report_incomplete();
            return Ok(());
        }
    }
    collector.report_incomplete();
    if !collector.batch.is_empty() {
        deliver(collector.take_batch());
    }
    Ok(())
}

/// A small file read whole on a pool thread: the calls its reader handed over, in order, its
/// own accounting, and how reading ended.
struct ReadAhead {
    calls: Vec<Call>,
    local: Accounting,
    result: Result<(), ReadError>,
}

thread_local! {
    /// The bytes of the file being read ahead on this thread, reused from file to file.
    static FILE_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads and parses one small file (see `read_all`), touching nothing shared but `recycled`.
/// With `check_end`, the file is checked against its listing once read (see `open_counted`).
fn read_ahead(
    index: usize,
    input: &Input,
    format: Option<InputFormat>,
    read: &ReadOptions,
    recycled: &Recycled,
    check_end: bool,
) -> ReadAhead {
    let mut calls = Vec::new();
    let mut local = Accounting::default();
    let result = FILE_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let mut zero_padding = None;
        let mut reader = match slurp(input, &mut buf, check_end) {
            Ok(Some((bytes, changed))) => Slurped::Bytes(ThenFail {
                bytes,
                error: changed,
            }),
            Ok(None) => {
                let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
                match open_counted(input, counter, check_end) {
                    Ok(opened) => {
                        zero_padding = opened.zero_padding;
                        Slurped::Stream(opened.reader)
                    }
                    Err(e) => {
                        return Err(ReadError::new(
                            &input.name,
                            At::File,
                            open_error_kind(&e),
                            format!("cannot open: {e}"),
                        ));
                    }
                }
            }
            Err(e) => {
                return Err(ReadError::new(
                    &input.name,
                    At::File,
                    open_error_kind(&e),
                    format!("cannot open: {e}"),
                ));
            }
        };
        let reader: &mut dyn std::io::BufRead = match &mut reader {
            Slurped::Bytes(b) => b,
            Slurped::Stream(r) => r,
        };
        let result = parse_input(
            index,
            input,
            format,
            read,
            recycled,
            reader,
            &mut local,
            None,
            &mut |call| {
                calls.push(call);
                true
            },
        );
        warn_zero_padding(input, zero_padding.as_deref(), &mut local);
        result
    });
    ReadAhead {
        calls,
        local,
        result,
    }
}

enum Slurped<'b> {
    Bytes(ThenFail<'b>),
    Stream(Box<dyn std::io::BufRead + Send>),
}

/// The bytes of a file read whole, then (if there is one) the error met at its end: what a
/// reader of the file streamed would meet, at the same place.
struct ThenFail<'b> {
    bytes: &'b [u8],
    error: Option<std::io::Error>,
}

impl std::io::Read for ThenFail<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        use std::io::BufRead;
        let got = self.fill_buf()?;
        let n = got.len().min(out.len());
        out[..n].copy_from_slice(&got[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl std::io::BufRead for ThenFail<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.bytes.is_empty()
            && let Some(e) = self.error.take()
        {
            return Err(e);
        }
        Ok(self.bytes)
    }

    fn consume(&mut self, n: usize) {
        self.bytes = &self.bytes[n.min(self.bytes.len())..];
    }
}

/// The whole of a plain (not gzip) file, read into `buf`, with the error its end gives when
/// `check_end` finds that it changed since it was listed (`check_unchanged`); `None` for gzip,
/// which is streamed.
fn slurp<'b>(
    input: &Input,
    buf: &'b mut Vec<u8>,
    check_end: bool,
) -> std::io::Result<Option<(&'b [u8], Option<std::io::Error>)>> {
    use std::io::Read;
    if let Some(problem) = input.problem() {
        return Err(std::io::Error::other(problem.to_string()));
    }
    let mut file = input.open_file()?;
    buf.clear();
    // A file that grew past SMALL_FILE since it was listed is streamed instead.
    (&mut file).take(SMALL_FILE * 2).read_to_end(buf)?;
    // gzip, and a `.gz` cut short before its header (refused where it is opened), are read
    // through `open_counted`.
    if buf.starts_with(&[0x1f, 0x8b])
        || (input.gz_named() && buf.len() < 2)
        || buf.len() as u64 >= SMALL_FILE * 2
    {
        return Ok(None);
    }
    let changed = match input.listing_to_check().filter(|_| check_end) {
        Some(listed) => check_unchanged(&listed, &input.path).err(),
        None => None,
    };
    Ok(Some((&buf[..], changed)))
}

/// Hands the calls of a file read ahead to the assembler and collector, in the order its reader
/// gave them, then settles the file's accounting exactly as `read_one` does.
fn assemble_read_ahead(
    input: &Input,
    opts: &RunOptions<'_>,
    assembler: &mut Assembler,
    collector: &mut Collector<'_, '_>,
    deliver: &mut dyn FnMut(Vec<Call>) -> bool,
    parsed: ReadAhead,
) -> Result<(), ReadError> {
    let ReadAhead {
        calls,
        mut local,
        result,
    } = parsed;
    let mut handover = Handover::default();
    for call in calls {
        if !handover.hand(call, input, opts, assembler, collector, deliver) {
            break;
        }
    }
    settle(input, collector, &mut local, result, handover)
}

/// What happened to the calls a reader handed over.
#[derive(Default)]
struct Handover {
    /// The hash of the id of the last call handed over.
    last: Option<u64>,
    stopped: bool,
    spill_error: Option<std::io::Error>,
    rows: u64,
}

impl Handover {
    /// One call (or part of one) from a reader; false asks the reader to stop. Its id comes
    /// composed (`ReadContext::new_call`), so that canonically equivalent ids are one id
    /// before anything goes by the id: the shard, the assembly.
    fn hand(
        &mut self,
        mut call: Call,
        input: &Input,
        opts: &RunOptions<'_>,
        assembler: &mut Assembler,
        collector: &mut Collector<'_, '_>,
        deliver: &mut dyn FnMut(Vec<Call>) -> bool,
    ) -> bool {
        self.rows += call.turns.len() as u64;
        self.last = Some(id_hash(&call.id));
        if opts.shard.is_some_and(|s| !s.holds(&call.id)) {
            // Another shard's call: read and counted as read, and its rows as another shard's
            // (rows read = audited + skipped in every shard; a merge of the shards drops them).
            collector
                .acct
                .skip(SkipReason::OtherShard, call.turns.len() as u64);
            return true;
        }
        if let Some(enricher) = opts.enrich {
            enricher.name_agent(&mut call, input);
        }
        let call = match assembler.take(call) {
            Ok(c) => c,
            Err(e) => {
                self.spill_error = Some(e);
                return false;
            }
        };
        if let Some(call) = call
            && collector.complete(call)
            && !deliver(collector.take_batch())
        {
            self.stopped = true;
            return false;
        }
        true
    }
}

/// Opens an input, picks its format and runs its reader, counting into `local`.
#[allow(clippy::too_many_arguments)]
fn parse_input(
    index: usize,
    input: &Input,
    format: Option<InputFormat>,
    read: &ReadOptions,
    recycled: &Recycled,
    reader: &mut dyn std::io::BufRead,
    local: &mut Accounting,
    chunk_block: Option<usize>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let head = reader.fill_buf().map_err(|e| {
        ReadError::new(
            &input.name,
            At::File,
            ReadErrorKind::Io,
            format!("cannot read: {e}"),
        )
    })?;
    // Every format is text: UTF-16 would be misread whatever the format (a header of NULs).
    if let Some(why) = wide_encoding(head) {
        return Err(ReadError::new(
            &input.name,
            At::File,
            ReadErrorKind::Encoding,
            why,
        ));
    }
    let format = match format {
        Some(f) => f,
        None => {
            if head.is_empty() {
                return Ok(()); // an empty file has no rows
            }
            detect(input.format_name(), head).ok_or_else(|| {
                ReadError::new(&input.name, At::File, ReadErrorKind::UnknownFormat, format!(
                    "cannot tell the format from the name or the content; use --input-format ({})",
                    InputFormat::ALL
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?
        }
    };
    let mut ctx = ReadContext::new(&input.name, index as u32, read, local).recycling(recycled);
    ctx.chunk_block = chunk_block;
    ctx.bounded = !input.may_be_endless();
    format
        .reader()
        .read(reader, &mut ctx, sink)
        .map_err(|mut e| {
            // Cut short, unless it was handed on (`settle` decides).
            e.cut_call = ctx.last_call().map(str::to_string);
            e
        })
}

/// The variable that sets the chunked readers' block size (see `csv_block`): read directly, not
/// through an option, so the warning of unknown `CALLAUDIT_` variables is told of it.
pub const CSV_BLOCK_VAR: &str = "CALLAUDIT_CSV_BLOCK";

/// The block size of the chunked readers (`read/csv/chunked.rs`, `read/jsonl/chunked.rs`):
/// 1 MiB, or `CALLAUDIT_CSV_BLOCK` bytes (for tests, which force tiny blocks; the name is older
/// than the JSONL reader). Read from the environment once per process.
fn csv_block() -> usize {
    static BLOCK: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *BLOCK.get_or_init(|| {
        std::env::var(CSV_BLOCK_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&b| b > 0)
            .unwrap_or(1 << 20)
    })
}

/// Files of at least this many blocks may be parsed in chunks on the pool.
const CHUNKED_MIN_BLOCKS: u64 = 8;

/// The block size when `input` may be parsed in chunks on the pool: more than one thread, a
/// plain file of at least `CHUNKED_MIN_BLOCKS` blocks, not stdin. Not gzip (`gzip` is what
/// opening it found): its chunks would all wait on its one decompressing thread, and its size on
/// disk says little about the size of its text.
fn chunk_block(input: &Input, threads: usize, gzip: bool) -> Option<usize> {
    if threads <= 1 || gzip || input.name == "-" || input.problem().is_some() {
        return None;
    }
    let block = csv_block();
    (input.size()? >= CHUNKED_MIN_BLOCKS.saturating_mul(block as u64)).then_some(block)
}

#[allow(clippy::too_many_arguments)]
fn read_one(
    index: usize,
    input: &Input,
    opts: &RunOptions<'_>,
    assembler: &mut Assembler,
    collector: &mut Collector<'_, '_>,
    recycled: &Recycled,
    deliver: &mut dyn FnMut(Vec<Call>) -> bool,
    bytes_read: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<(), ReadError> {
    let Opened {
        mut reader,
        gzip,
        zero_padding,
    } = open_counted(input, bytes_read, !assembler.second_pass).map_err(|e| {
        ReadError::new(
            &input.name,
            At::File,
            open_error_kind(&e),
            format!("cannot open: {e}"),
        )
    })?;
    let mut handover = Handover::default();
    // The reader counts into its own accounting (the sink holds the collector's); the two are
    // merged when the file is done.
    let mut local = Accounting::default();
    let result = parse_input(
        index,
        input,
        opts.format,
        &opts.read,
        recycled,
        &mut reader,
        &mut local,
        chunk_block(input, opts.threads, gzip),
        &mut |call| handover.hand(call, input, opts, assembler, collector, deliver),
    );
    warn_zero_padding(input, zero_padding.as_deref(), &mut local);
    settle(input, collector, &mut local, result, handover)
}

/// Warns about the zero bytes after a gzip file's last member (skipped as padding).
fn warn_zero_padding(
    input: &Input,
    zeros: Option<&std::sync::atomic::AtomicU64>,
    local: &mut Accounting,
) {
    let zeros = zeros.map_or(0, |z| z.load(std::sync::atomic::Ordering::Relaxed));
    if zeros > 0 {
        local.warn(zero_padding_warning(&input.name, zeros));
    }
}

/// Merges a file's accounting into the run's once its reader is done, and says how the file
/// ended: an unusable file, a spill error, a stop, or the reader's own result.
fn settle(
    input: &Input,
    collector: &mut Collector<'_, '_>,
    local: &mut Accounting,
    result: Result<(), ReadError>,
    handover: Handover,
) -> Result<(), ReadError> {
    let Handover {
        last,
        stopped,
        spill_error,
        rows: rows_handed_over,
    } = handover;
    // The last call begun was cut short by the failure only if it was not handed on.
    let result = result.map_err(|mut e| {
        if e.cut_call.as_deref().map(id_hash) == last {
            e.cut_call = None;
        }
        e
    });
    if result
        .as_ref()
        .is_err_and(|e| e.kind != ReadErrorKind::Stopped)
    {
        // Rows the reader counted but never handed over (a call cut short by a truncated
        // file, a document rejected after its turns were read) are rows of an unreadable file.
        // Not when the run stopped it (an output or a temporary file failed): the file is
        // fine, and the run's error says why its rows were not all audited.
        let lost = local
            .rows_read
            .saturating_sub(rows_handed_over + local.rows_skipped_total());
        local.skip(SkipReason::UnreadableFile, lost);
    }
    // Rows skipped for their size are well-formed rows that `--max-call-bytes` left out, not
    // signs of the wrong file.
    let too_large = local
        .rows_skipped
        .get(&SkipReason::TooLarge)
        .copied()
        .unwrap_or(0);
    let usable = local.rows_read.saturating_sub(local.rows_skipped_total()) + too_large;
    let unusable = result.is_ok() && local.rows_read > 0 && usable == 0;
    let skipped_as = unusable.then(|| {
        local
            .rows_skipped
            .iter()
            .map(|(r, n)| format!("{n} {}", r.describe()))
            .collect::<Vec<_>>()
            .join(", ")
    });
    // A file with nothing to read (empty, or a CSV header alone) is read, counted and said,
    // so that a directory's empty export does not pass unnoticed among the others.
    if result.is_ok() && local.rows_read == 0 && !stopped {
        local.warn(format!(
            "{}: no rows: the file is empty, or holds a header alone",
            input.name
        ));
    }
    // Rows that are not UTF-8: said once for the file, where its first such row is; under
    // `--strict` the file stops the run, as a bad row does (once its rows are counted).
    let mut not_utf8 = None;
    if local.rows_lossy_utf8 > 0 {
        let (at, place) = match local.lossy_first_line {
            Some(line) => (At::Line(line), format!(", the first at line {line}")),
            None => (At::File, String::new()),
        };
        let e = ReadError::new(
            &input.name,
            at,
            ReadErrorKind::Strict,
            format!(
                "{} row(s) hold bytes that are not UTF-8{place}: a Latin-1 or Windows-1252 \
                 export? Their bytes were replaced by `�`, so accented words (and names, ids) \
                 are not what was written and may not match; save it as UTF-8 (e.g. `iconv -f \
                 WINDOWS-1252 -t UTF-8`)",
                local.rows_lossy_utf8
            ),
        );
        if collector.opts.read.strict && result.is_ok() {
            not_utf8 = Some(e);
        } else {
            local.warn(e.to_string());
        }
    }
    collector.acct.merge(local);
    collector.reading.merge(local);
    collector.settle_empty(skipped_as.is_none());
    if let Some(reasons) = skipped_as {
        collector.unusable = true;
        return Err(ReadError::new(
            &input.name,
            At::File,
            ReadErrorKind::NoUsableRow,
            format!(
                "not one usable row: {} row(s) read, all skipped ({reasons}); is it the right file, format (--input-format) and columns (--map)?",
                local.rows_read
            ),
        ));
    }
    if let Some(e) = spill_error {
        collector.run_error = Some(temp_file_error(e));
        return Err(ReadError::stopped());
    }
    if stopped {
        return Err(ReadError::stopped());
    }
    match not_utf8 {
        Some(e) => Err(e),
        None => result,
    }
}

#[cfg(test)]
mod tests {
    use super::ordered::tests::Kept;
    use super::*;

    /// `audit: false` (explain listing ids) hands every call on unaudited, at any thread
    /// count, and counts the run as usual; `audit: true` gives every item a verdict.
    #[test]
    fn a_run_that_does_not_audit_hands_calls_on_with_no_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.csv");
        std::fs::write(
            &file,
            "call_id,agent_id,speaker,text\nc1,ann,agent,\"I'm so sorry, I've refunded it.\"\nc2,bo,customer,This is ridiculous!\n",
        )
        .unwrap();
        let inputs = crate::read::input::discover(&[file.display().to_string()]).unwrap();
        let rubric = Rubric::default_rubric();
        for threads in [1, 2] {
            for audit in [false, true] {
                let opts = RunOptions {
                    rubric: &rubric,
                    read: crate::read::ReadOptions::default(),
                    format: None,
                    threads,
                    detail: false,
                    audit,
                    filters: Filters::default(),
                    keep_going: false,
                    enrich: None,
                    progress: None,
                    shard: None,
                };
                let mut sink = Kept::default();
                let acct = run(&inputs, &opts, &mut sink).map_err(|s| s.error).unwrap();
                assert_eq!(acct.calls_audited, 2);
                let got: Vec<(&str, &str, usize)> = sink
                    .0
                    .iter()
                    .map(|a| (a.call_id.as_str(), a.agent_id.as_str(), a.items.len()))
                    .collect();
                let items = if audit { rubric.items.len() } else { 0 };
                assert_eq!(
                    got,
                    [("c1", "ann", items), ("c2", "bo", items)],
                    "threads {threads}"
                );
            }
        }
    }
}
