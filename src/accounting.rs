//! What happened to every row, call and file of a run. The invariant the tests hold us to:
//! rows read = rows audited + rows skipped, whatever the input.

use crate::filters::Filters;
use crate::model::Call;
use crate::sanitize::terminal_safe;
use crate::suggest::did_you_mean;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Why rows were not audited. The order is the order of the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Wrong number of fields, unparsable JSON, a value of the wrong type.
    MalformedRow,
    /// A row with no call id.
    MissingCallId,
    /// A row whose text is empty.
    MissingText,
    /// A line, record or document over `--max-call-bytes`, or a row of a call that grew past it.
    TooLarge,
    /// Rows of a file that could not be read (with `--keep-going`).
    UnreadableFile,
    /// Rows, read from other files or earlier in the same one, of a call that a file which
    /// could not be read (with `--keep-going`) cut short: the call is incomplete, so none of
    /// it is audited.
    IncompleteCall,
    /// Rows of a call in which no turn is the agent's and some are `other`'s (a speaker label
    /// the reader does not know): the agent's turns are likely among those, and a score would
    /// count a 0 against the agent.
    NoAgentTurn,
    /// Rows of a call whose turn numbers a part from another file took again with other words:
    /// two conversations under one id (a counter that restarted, an id used again another
    /// day), or a copy whose words differ. Scored together, one agent would answer for the
    /// other conversation's words (see `Call::numbered_again`).
    NumberedAgain,
    /// Rows of a part of a call, read from another file, that repeat the call's turns already
    /// read (same speaker, text and times): a copy of an export, or Contact Lens's original and
    /// redacted analyses of one contact; and rows a file holds twice (see
    /// `Call::drop_repeated_rows`, `Call::absorb`).
    Duplicate,
    /// Rows of calls excluded by `--since/--until/--last/--agent/--team` or `--call`.
    FilteredOut,
    /// Rows of calls that `--shard I/N` leaves to the other shards: read by every shard,
    /// audited by one. Not bad input (`--max-skipped` leaves them out), and none are left once
    /// the shards are merged.
    OtherShard,
}

impl SkipReason {
    /// The reason in words, for the summary and the gates.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::MalformedRow => "malformed row",
            SkipReason::MissingCallId => "missing call id",
            SkipReason::MissingText => "missing text",
            SkipReason::TooLarge => "too large",
            SkipReason::UnreadableFile => "unreadable file",
            SkipReason::IncompleteCall => "incomplete call",
            SkipReason::NoAgentTurn => "no agent turn",
            SkipReason::NumberedAgain => "numbered again",
            SkipReason::Duplicate => "duplicate",
            SkipReason::FilteredOut => "filtered out",
            SkipReason::OtherShard => "other shard",
        }
    }

    /// Whether rows skipped for this reason say something is wrong with the input (what
    /// `--max-skipped` counts): not the filters' or the other shards'.
    pub fn is_bad_input(self) -> bool {
        !matches!(self, SkipReason::FilteredOut | SkipReason::OtherShard)
    }
}

/// Counters for one run. Merged from passes and files; serialised into the JSON report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Accounting {
    pub files_read: u64,
    /// Files that could not be read or ended early (only with `--keep-going`; otherwise exit 2).
    pub files_unreadable: u64,
    /// Files inside input directories passed over because of their extension.
    pub files_ignored: u64,
    pub rows_read: u64,
    pub rows_audited: u64,
    pub rows_skipped: BTreeMap<SkipReason, u64>,
    /// Calls assembled from the input (before filters).
    pub calls: u64,
    pub calls_audited: u64,
    pub calls_filtered_out: u64,
    /// Calls audited under `(unknown)` because nothing named their agent.
    pub calls_without_agent: u64,
    /// Calls with no date (excluded only when a date filter is used).
    pub calls_without_date: u64,
    /// Rows whose speaker was neither agent nor customer (kept as `other`).
    pub rows_other_speaker: u64,
    /// Rows with bytes that were not UTF-8, decoded with replacement characters.
    pub rows_lossy_utf8: u64,
    /// The line of the first of them, where the reader knows it: read for one file's warning
    /// (not in the JSON report).
    #[serde(skip)]
    pub lossy_first_line: Option<u64>,
    /// The languages the exports say their calls are in (Contact Lens, Transcribe and PCA
    /// `LanguageCode`),
    /// with how many calls say each: compared with the rubric's language at the end of the run
    /// (not in the JSON report).
    #[serde(skip)]
    pub declared_languages: BTreeMap<String, u64>,
    /// Calls whose rows were not contiguous or were split across files, merged by call id.
    pub calls_merged: u64,
    /// Chat events (joins, leaves, transfers, attachments: Contact Lens items of an event
    /// `Type`, see `vendor::contact_lens::EVENT_TYPES`). Nobody says anything in them, so they
    /// are not rows: neither read nor skipped.
    pub chat_events: u64,
    /// Calls found in the `--metadata` file.
    pub metadata_joined: u64,
    /// Calls not found in the `--metadata` file (with `--metadata` only).
    pub metadata_not_found: u64,
    /// Joined calls whose export names another agent than the metadata (the export's is kept).
    pub metadata_agent_differs: u64,
    /// Files named more than once (two spellings of a path, a link, a directory and a file in
    /// it): each file is read once. (The counters below appear in the JSON report only when
    /// they are not 0.)
    #[serde(skip_serializing_if = "is_zero")]
    pub files_duplicate: u64,
    /// Hidden files and folders (a name starting with `.`) inside input directories, passed
    /// over: backup and version-control copies (`.snapshot/`, `.git/`, `.old.csv`) would merge
    /// into the live calls. A hidden file named on the command line is read.
    #[serde(skip_serializing_if = "is_zero")]
    pub files_hidden: u64,
    /// The first few of them, for the summary (not in the JSON report).
    #[serde(skip)]
    pub hidden_names: Vec<String>,
    /// The first few speaker labels read as `other`, for the summary (not in the JSON report):
    /// a label the reader does not know ("Sarah (Agent)") is what most often leaves a call
    /// without an agent turn.
    #[serde(skip)]
    pub other_speaker_labels: Vec<String>,
    /// Rows (or calls, in formats with one value a call) whose channel value is neither a chat
    /// nor a voice word: their calls' channel is unknown, so the timing items and
    /// `unless_on_voice` cannot use it.
    #[serde(skip_serializing_if = "is_zero")]
    pub rows_unknown_channel: u64,
    /// The first few of those values, for the summary (not in the JSON report).
    #[serde(skip)]
    pub unknown_channel_labels: Vec<String>,
    /// The first few files ignored for their extension, for the summary (not in the JSON
    /// report).
    #[serde(skip)]
    pub ignored_names: Vec<String>,
    /// Calls over `--max-call-bytes`, not audited (their rows are skipped as too large).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_too_large: u64,
    /// Calls cut short by a file that could not be read (with `--keep-going`) that had rows in
    /// other files, or earlier in the same one: not audited (those rows are skipped as
    /// `incomplete_call`).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_incomplete: u64,
    /// Calls split across files whose turns do not all have an order key: their parts are in
    /// the order of the file names.
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_ordered_by_files: u64,
    /// Calls whose rows name different agents, dates, teams, queues or channels: each takes
    /// the value the most rows hold (the smallest on a tie).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_disagreeing: u64,
    /// Of those, the calls whose rows name different agents (after `--agent-case` and
    /// `--agents`, so two spellings of one agent are no disagreement).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_agent_disagrees: u64,
    /// Calls in which no turn is the agent's and some are `other`'s: not audited (their rows
    /// are skipped as `no_agent_turn`).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_no_agent_turn: u64,
    /// Calls whose turn numbers a part from another file took again with other words (two
    /// conversations under one id): not audited (their rows are skipped as `numbered_again`).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_numbered_again: u64,
    /// Calls with nothing to audit: no utterance at all (`"turns": []`, an empty transcript),
    /// or every one skipped.
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_empty: u64,
    /// Files that gave rows but not one usable row (every one skipped as bad): passed over
    /// with `--keep-going`, else the run stops.
    #[serde(skip_serializing_if = "is_zero")]
    pub files_unusable: u64,
    /// Every file passed over with `--keep-going` (`files_unreadable` and `files_unusable`), in
    /// input order, with why: a script can tell which export was lost, and the summary names
    /// the first ones whatever the warnings shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files_passed_over: Vec<PassedOver>,
    /// Calls dated by `--metadata` because their export gave no date.
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_dated_from_metadata: u64,
    /// Calls dated from their file's path because neither the export nor `--metadata` did.
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_dated_from_path: u64,
    /// Audited calls whose agent id is not in the `--agents` file (reported under the id).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_agent_unlisted: u64,
    /// Audited calls whose export names the agent `(unknown)`, the line of calls without an
    /// agent: pooled with them (warned of once a run).
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_agent_named_unknown: u64,
    /// Plain-text lines that look like a speaker line (`Customer Service: …`, `Speaker 2: …`)
    /// but name no role callaudit knows: read as text of the turn before, and warned of.
    #[serde(skip_serializing_if = "is_zero")]
    pub lines_unknown_label: u64,
    /// Links inside input directories back to a directory being read (a loop): not followed.
    #[serde(skip_serializing_if = "is_zero")]
    pub files_link_loops: u64,
    /// The first few of them, for the summary (not in the JSON report).
    #[serde(skip)]
    pub link_loop_names: Vec<String>,
    /// Which filter left out each of `calls_filtered_out`, for the summary (not in the JSON
    /// report): a run that audits nothing should say which filter took the calls.
    #[serde(skip)]
    pub filtered: FilteredOut,
    /// The warnings kept for display: those about rows and files (`warn`), then, once the run
    /// is settled (`settle_warnings`), those about whole calls; the rest are only counted.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// Warnings about whole calls (`warn_call`), kept apart from those about rows and files
    /// until `settle_warnings` shares the places shown between them.
    #[serde(skip)]
    pub call_warnings: Vec<String>,
    /// Of `warnings`, the last ones: said at the end of the run (`warn_at_end`).
    #[serde(skip)]
    pub end_warnings: usize,
    pub warnings_total: u64,
    /// What the readers alone counted (files, rows read and skipped before calls are
    /// assembled), set at the end of a run: partials keep it apart (see `records::partial::End`).
    #[serde(skip)]
    pub reading: Option<Box<Accounting>>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A file passed over with `--keep-going`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassedOver {
    /// The file, as the summary and the warnings name it.
    pub file: String,
    /// What it is counted as.
    #[serde(rename = "as")]
    pub counted_as: PassedOverAs,
    /// Why, as the warning says it.
    pub error: String,
}

/// What a file passed over with `--keep-going` is counted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassedOverAs {
    /// `files_unreadable`: it could not be opened or read to its end, or changed while it was
    /// read.
    Unreadable,
    /// `files_unusable`: not one usable row.
    Unusable,
}

/// The calls the filters left out, by the first filter that did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilteredOut {
    /// Not the call (or calls) asked for: `explain --call`, `calibrate`'s sheet.
    pub not_asked_for: u64,
    /// Dated before the date range (`--since`, `--last`) and after it (`--until`, `--as-of`),
    /// each with the first and last of their dates.
    pub before: DatedOut,
    pub after: DatedOut,
    /// Undated while a date filter is set.
    pub undated: u64,
    /// Not one of the `--agent`s.
    pub other_agent: u64,
    /// Not one of the `--team`s.
    pub other_team: u64,
    /// Without a team while a `--team` is asked for.
    pub no_team: u64,
    /// With `--agent`: the agents of the calls read (at most `SEEN_KEPT`, and every agent
    /// asked for that a call has), for a "did you mean" when one asked for matched no call.
    pub agents_seen: BTreeSet<String>,
    /// With `--team`: the teams of the calls read, likewise.
    pub teams_seen: BTreeSet<String>,
    /// With `Filters::spellings`: each id asked for, lowercased, and the ids read that are it
    /// ignoring case.
    pub spellings: BTreeMap<String, BTreeSet<String>>,
    /// Why each call asked for by id (`explain --call`, `calibrate`'s judged calls) that was
    /// read was not audited. Without it, both would say the call is not in the inputs.
    pub asked_not_audited: BTreeMap<String, NotAudited>,
}

/// Why a call that was read was not audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NotAudited {
    /// No row of it has text.
    NoUtterance,
    /// Larger than `--max-call-bytes`.
    TooLarge,
    /// Cut short by a file that could not be read (with `--keep-going`).
    Incomplete,
    /// No turn of it is the agent's, and some are `other`'s.
    NoAgentTurn,
    /// A part from another file took its turn numbers again with other words.
    NumberedAgain,
}

/// Calls left out on one side of the date range: how many, and their first and last dates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DatedOut {
    pub calls: u64,
    pub dates: Option<(NaiveDate, NaiveDate)>,
}

impl DatedOut {
    fn add(&mut self, date: NaiveDate) {
        self.calls += 1;
        self.dates = Some(match self.dates {
            None => (date, date),
            Some((first, last)) => (first.min(date), last.max(date)),
        });
    }

    fn merge(&mut self, o: &DatedOut) {
        self.calls += o.calls;
        self.dates = match (self.dates, o.dates) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (mine, theirs) => mine.or(theirs),
        };
    }

    /// "3 dated 2026-11-12 to 2026-11-14", or nothing when there are none.
    fn describe(&self) -> Option<String> {
        let dates = match self.dates? {
            (first, last) if first == last => format!("dated {first}"),
            (first, last) => format!("dated {first} to {last}"),
        };
        Some(format!("{} {dates}", self.calls))
    }
}

impl FilteredOut {
    /// Notes a call left out for its date: before the range when it is before `since`, else
    /// after it.
    pub fn outside(&mut self, date: NaiveDate, since: Option<NaiveDate>) {
        if since.is_some_and(|s| date < s) {
            self.before.add(date);
        } else {
            self.after.add(date);
        }
    }

    /// Notes what the filters will want said of `call` (read, before the filters): its agent
    /// and team when those are filtered on, its id's spelling when asked for.
    pub fn note(&mut self, call: &Call, filters: &Filters) {
        fn keep(seen: &mut BTreeSet<String>, value: &str, asked: &[String]) {
            if !seen.contains(value) && (seen.len() < SEEN_KEPT || asked.iter().any(|a| a == value))
            {
                seen.insert(value.to_string());
            }
        }
        if !filters.agents.is_empty() {
            keep(&mut self.agents_seen, call.agent(), &filters.agents);
        }
        if !filters.teams.is_empty()
            && let Some(team) = &call.team
        {
            keep(&mut self.teams_seen, team, &filters.teams);
        }
        if let Some(wanted) = &filters.spellings {
            let lower = call.id.to_lowercase();
            if wanted.contains(&lower) {
                self.spellings
                    .entry(lower)
                    .or_default()
                    .insert(call.id.clone());
            }
        }
    }

    /// Warnings for the `--agent`s and `--team`s that matched no call read, with the nearest
    /// agents or teams seen; for `--team` when no call has a team at all, where teams come from.
    pub fn unmatched(&self, filters: &Filters) -> Vec<String> {
        let mut said = Vec::new();
        for agent in &filters.agents {
            if !self.agents_seen.contains(agent) {
                said.push(format!(
                    "--agent `{}`: no call read has this agent (agent ids are matched exactly){}",
                    terminal_safe(agent),
                    did_you_mean(agent, &self.agents_seen)
                ));
            }
        }
        for team in &filters.teams {
            if self.teams_seen.is_empty() {
                said.push(format!(
                    "--team `{}`: no call read has a team (teams come from a team column of the export, --metadata or --agents)",
                    terminal_safe(team)
                ));
            } else if !self.teams_seen.contains(team) {
                said.push(format!(
                    "--team `{}`: no call read is of this team (teams are matched exactly){}",
                    terminal_safe(team),
                    did_you_mean(team, &self.teams_seen)
                ));
            }
        }
        said
    }

    fn merge(&mut self, o: &FilteredOut) {
        self.not_asked_for += o.not_asked_for;
        self.undated += o.undated;
        self.other_agent += o.other_agent;
        self.other_team += o.other_team;
        self.no_team += o.no_team;
        self.agents_seen.extend(o.agents_seen.iter().cloned());
        self.teams_seen.extend(o.teams_seen.iter().cloned());
        for (lower, ids) in &o.spellings {
            self.spellings
                .entry(lower.clone())
                .or_default()
                .extend(ids.iter().cloned());
        }
        self.before.merge(&o.before);
        self.after.merge(&o.after);
        for (id, why) in &o.asked_not_audited {
            self.asked_not_audited.entry(id.clone()).or_insert(*why);
        }
    }

    /// The calls left out for their date: "12 calls dated 2026-11-12 to 2026-11-20 are
    /// before it, 1 dated 2026-12-04 after it; 2 undated calls left out" (of a date window);
    /// empty when none was.
    pub fn outside_window(&self) -> String {
        let dated = |d: &DatedOut| match d.dates {
            Some((first, last)) if first == last => Some(format!("dated {first}")),
            Some((first, last)) => Some(format!("dated {first} to {last}")),
            None => None,
        };
        let said = |d: &DatedOut, first: bool, side: &str| {
            dated(d).map(|dates| {
                let n = d.calls;
                if first {
                    format!(
                        "{n} call{} {dates} {} {side} it",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "is" } else { "are" }
                    )
                } else {
                    format!("{n} {dates} {side} it")
                }
            })
        };
        let mut s = match said(&self.before, true, "before") {
            Some(b) => match said(&self.after, false, "after") {
                Some(a) => format!("{b}, {a}"),
                None => b,
            },
            None => said(&self.after, true, "after").unwrap_or_default(),
        };
        if self.undated > 0 {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str(&format!(
                "{} undated call{} left out",
                self.undated,
                if self.undated == 1 { "" } else { "s" }
            ));
        }
        s
    }

    /// "(3 dated 2026-11-12 to 2026-11-14, before the date range; 1 dated 2026-11-23, after it;
    /// 1 undated)", or nothing when the only reason is that they were not the calls asked for
    /// (explain names one call of many).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let before = self.before.describe();
        if let Some(b) = &before {
            parts.push(format!("{b}, before the date range"));
        }
        if let Some(a) = self.after.describe() {
            parts.push(if before.is_some() {
                format!("{a}, after it")
            } else {
                format!("{a}, after the date range")
            });
        }
        for (n, what) in [
            (self.undated, "undated"),
            (self.other_agent, "of other agents"),
            (self.other_team, "of other teams"),
            (self.no_team, "without a team"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if parts.is_empty() {
            return String::new();
        }
        if self.not_asked_for > 0 {
            parts.insert(0, format!("{} not asked for", self.not_asked_for));
        }
        format!(" ({})", parts.join("; "))
    }
}

/// How many distinct agents (teams) `FilteredOut` keeps for a "did you mean", besides those
/// asked for.
pub const SEEN_KEPT: usize = 10_000;

/// How many files passed over (hidden, ignored for their extension, unreadable or unusable
/// under `--keep-going`) the summary names of each kind; the rest are only counted.
pub const FILES_NAMED: usize = 3;

/// Speaker labels read as `other` named in the summary.
const OTHER_SPEAKER_LABELS: usize = 3;

/// Adds `names` to `kept` up to `FILES_NAMED` in all.
/// Keeps `label` (trimmed, cut to 40 characters) among the first `OTHER_SPEAKER_LABELS`
/// different labels of `kept`, for a summary that names a few.
fn keep_distinct(kept: &mut Vec<String>, label: &str) {
    let label: String = label.trim().chars().take(40).collect();
    if kept.len() < OTHER_SPEAKER_LABELS && !kept.contains(&label) {
        kept.push(label);
    }
}

/// ` ("a", "b")` for the labels a summary line names; nothing when there are none.
fn quoted(labels: &[String]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = labels.iter().map(|l| format!("{l:?}")).collect();
    format!(" ({})", quoted.join(", "))
}

fn keep_first(kept: &mut Vec<String>, names: &[String]) {
    let room = FILES_NAMED.saturating_sub(kept.len());
    kept.extend(names.iter().take(room).cloned());
}

/// Files passed over, for the summary: ` (the first `FILES_NAMED` by name, then how many
/// more)`; nothing when their names are not known (a merge of partials, which keep only the
/// count).
fn listed(names: &[String], total: u64) -> String {
    if names.is_empty() {
        return String::new();
    }
    format!(" ({})", named_then_more(names, total))
}

/// The first `names` of `total` things, then how many more: `a, b and 3 more`.
pub(crate) fn named_then_more(names: &[String], total: u64) -> String {
    let mut listed = names.join(", ");
    let more = total.saturating_sub(names.len() as u64);
    if more > 0 {
        let _ = write!(listed, " and {more} more");
    }
    listed
}

/// How many warnings are kept (and printed); the rest are only counted.
pub const MAX_WARNINGS: usize = 20;

impl Accounting {
    /// Counts `rows` skipped for `reason`.
    pub fn skip(&mut self, reason: SkipReason, rows: u64) {
        if rows > 0 {
            *self.rows_skipped.entry(reason).or_insert(0) += rows;
        }
    }

    /// Rows skipped for any reason.
    pub fn rows_skipped_total(&self) -> u64 {
        self.rows_skipped.values().sum()
    }

    /// Keeps a warning about rows or files for stderr (the first ones; the rest are only
    /// counted): what the readers say (a skipped row with its file and line), a file passed
    /// over, what the run says at its end.
    pub fn warn(&mut self, message: String) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(message);
        }
    }

    /// Keeps a warning about a whole call (its rows disagree, a copy of it was passed over, it
    /// names no agent, …), raised as calls are completed: kept apart from those about rows
    /// and files, so that many such notices never hide the first bad rows (`settle_warnings`).
    pub fn warn_call(&mut self, message: String) {
        self.warnings_total += 1;
        if self.call_warnings.len() < MAX_WARNINGS {
            self.call_warnings.push(message);
        }
    }

    /// Keeps a warning the run says at its end, once the others are settled (why calls were left
    /// out, what fell back): always shown, in place of the last of the others when the places
    /// are full (that one is still counted), so that a run with many warnings still says why it
    /// audited what it did.
    pub fn warn_at_end(&mut self, message: String) {
        self.warnings_total += 1;
        if self.warnings.len() >= MAX_WARNINGS {
            let others = self.warnings.len() - self.end_warnings;
            if others == 0 {
                return;
            }
            self.warnings.remove(others - 1);
        }
        self.warnings.push(message);
        self.end_warnings += 1;
    }

    /// Puts the warnings about calls after those about rows and files, `MAX_WARNINGS` in all:
    /// each kind has at least half of the places when it has that many warnings, and the
    /// other kind takes the places it leaves. Calls are completed while their files are still
    /// being read and the readers' warnings arrive when a file is done, so a run with many
    /// calls to warn of would otherwise fill every place before the first malformed row.
    pub fn settle_warnings(&mut self) {
        let calls = std::mem::take(&mut self.call_warnings);
        let shown = calls
            .len()
            .min((MAX_WARNINGS / 2).max(MAX_WARNINGS.saturating_sub(self.warnings.len())));
        self.warnings.truncate(MAX_WARNINGS - shown);
        self.warnings.extend(calls.into_iter().take(shown));
    }

    /// "N rows skipped (why)": every reason with its count, so rows a filter left out are
    /// never read as bad input (the stderr summary and the reports' run line).
    pub fn rows_skipped_with_reasons(&self) -> String {
        let skipped = self.rows_skipped_total();
        let parts: Vec<String> = self
            .rows_skipped
            .iter()
            .map(|(r, n)| format!("{n} {}", r.describe()))
            .collect();
        if parts.is_empty() {
            format!("{skipped} rows skipped")
        } else {
            format!(
                "{skipped} row{} skipped ({})",
                plural(skipped),
                parts.join(", ")
            )
        }
    }

    /// Rows read = rows audited + rows skipped.
    pub fn balanced(&self) -> bool {
        self.rows_read == self.rows_audited + self.rows_skipped_total()
    }

    /// What every run's accounting holds, whatever its input: rows read = rows audited + rows
    /// skipped, and calls = calls audited + calls filtered out + calls too large + calls
    /// incomplete + calls with no agent turn + calls numbered again (the calls assembled from
    /// the rows; a call with no utterance is counted apart, in `calls_empty`, and another
    /// shard's call not at all). `None` when both hold,
    /// else the first that does not, with the counts and what they would have to be. Sums
    /// are taken without overflow, as the counts may come from a file (a partial's end line).
    pub fn imbalance(&self) -> Option<String> {
        let skipped: u128 = self.rows_skipped.values().map(|&n| u128::from(n)).sum();
        let rows = u128::from(self.rows_audited) + skipped;
        if u128::from(self.rows_read) != rows {
            return Some(format!(
                "rows_read {}, but rows_audited {} + rows_skipped {skipped} = {rows}: expected \
                 rows_read {rows} (rows read = rows audited + rows skipped)",
                self.rows_read, self.rows_audited
            ));
        }
        let parts = [
            ("calls_audited", self.calls_audited),
            ("calls_filtered_out", self.calls_filtered_out),
            ("calls_too_large", self.calls_too_large),
            ("calls_incomplete", self.calls_incomplete),
            ("calls_no_agent_turn", self.calls_no_agent_turn),
            ("calls_numbered_again", self.calls_numbered_again),
        ];
        let calls: u128 = parts.iter().map(|&(_, n)| u128::from(n)).sum();
        if u128::from(self.calls) != calls {
            // The first two always, the rest when not 0 (as the report writes them).
            let terms: Vec<String> = parts
                .iter()
                .enumerate()
                .filter(|&(i, &(_, n))| i < 2 || n != 0)
                .map(|(_, (name, n))| format!("{name} {n}"))
                .collect();
            return Some(format!(
                "calls {}, but {} = {calls}: expected calls {calls} (calls = calls audited + \
                 filtered out + too large + incomplete + no agent turn + numbered again)",
                self.calls,
                terms.join(" + ")
            ));
        }
        None
    }

    /// The end-of-run summary for stderr.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "callaudit: {} file{} read, {} row{} read, {} call{}; {} call{} and {} row{} audited",
            self.files_read,
            plural(self.files_read),
            self.rows_read,
            plural(self.rows_read),
            self.calls,
            plural(self.calls),
            self.calls_audited,
            plural(self.calls_audited),
            self.rows_audited,
            plural(self.rows_audited),
        );
        if self.rows_skipped_total() > 0 {
            let _ = write!(s, "; {}", self.rows_skipped_with_reasons());
        }
        let notes = self.notes();
        if !notes.is_empty() {
            let _ = write!(s, "\ncallaudit: {}", notes.join("; "));
        }
        s
    }

    /// The summary's second line: each count of something passed over, merged or noted that
    /// is not zero.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let mut note = |n: u64, what: &str| {
            if n > 0 {
                notes.push(format!("{n} {what}"));
            }
        };
        note(
            self.files_unreadable,
            &format!(
                "unreadable file(s) passed over{}",
                self.passed_over_named(PassedOverAs::Unreadable, self.files_unreadable)
            ),
        );
        note(
            self.files_ignored,
            &format!(
                "file(s) ignored for their extension{}",
                listed(&self.ignored_names, self.files_ignored)
            ),
        );
        note(
            self.files_hidden,
            &format!(
                "hidden file(s) or folder(s) in input directories not read{}",
                listed(&self.hidden_names, self.files_hidden)
            ),
        );
        note(
            self.files_link_loops,
            &format!(
                "link(s) in input directories back to a directory being read, not followed{}",
                listed(&self.link_loop_names, self.files_link_loops)
            ),
        );
        note(
            self.files_duplicate,
            "file(s) named more than once, read once",
        );
        note(
            self.files_unusable,
            &format!(
                "file(s) without a usable row passed over{}",
                self.passed_over_named(PassedOverAs::Unusable, self.files_unusable)
            ),
        );
        note(
            self.calls_too_large,
            "call(s) over --max-call-bytes, not audited",
        );
        note(
            self.calls_incomplete,
            "call(s) a file that could not be read may have cut short, not audited",
        );
        note(
            self.calls_ordered_by_files,
            "call(s) split across files without a common order, put in file-name order",
        );
        note(
            self.calls_disagreeing,
            "call(s) whose rows disagree on agent, date, team, queue or channel (most rows' value used)",
        );
        note(self.calls_agent_disagrees, "of them on the agent");
        note(self.calls_empty, "call(s) with no utterance to audit");
        note(
            self.calls_no_agent_turn,
            "call(s) with no agent turn, not audited",
        );
        note(
            self.calls_numbered_again,
            "call(s) whose turn numbers another file took again (two conversations under one id?), not audited",
        );
        note(
            self.calls_filtered_out,
            &format!("call(s) filtered out{}", self.filtered.describe()),
        );
        note(
            self.calls_without_agent,
            "call(s) without agent, audited as (unknown)",
        );
        note(self.calls_without_date, "call(s) without date");
        note(
            self.calls_dated_from_metadata,
            "call(s) dated by --metadata",
        );
        note(
            self.calls_dated_from_path,
            "call(s) dated from their file's path",
        );
        note(
            self.calls_agent_unlisted,
            "call(s) of agents not in --agents",
        );
        note(
            self.calls_agent_named_unknown,
            "call(s) of an agent named (unknown), pooled with the calls without agent",
        );
        note(self.calls_merged, "call(s) merged from non-contiguous rows");
        note(self.metadata_joined, "call(s) joined to --metadata");
        note(self.metadata_not_found, "call(s) not in --metadata");
        note(
            self.metadata_agent_differs,
            "call(s) whose export names another agent than --metadata (export kept)",
        );
        note(
            self.chat_events,
            "chat event(s) (joins, leaves) not counted as turns",
        );
        note(
            self.rows_other_speaker,
            &format!(
                "row(s) with another speaker kept as `other`{}",
                quoted(&self.other_speaker_labels)
            ),
        );
        note(
            self.rows_unknown_channel,
            &format!(
                "row(s) with a channel value neither chat nor voice{}, their calls' channel read as unknown",
                quoted(&self.unknown_channel_labels)
            ),
        );
        note(
            self.rows_lossy_utf8,
            "row(s) with invalid UTF-8 decoded lossily",
        );
        note(
            self.lines_unknown_label,
            "line(s) that look like a speaker label but name no known role, read as text of the turn before",
        );
        notes
    }

    /// Notes the language an export says a call is in (`es-ES`), as written.
    pub fn declared_language(&mut self, code: &str) {
        let code = code.trim();
        // Looked up before an entry is made: a run of one language allocates once.
        if let Some(n) = self.declared_languages.get_mut(code) {
            *n += 1;
        } else if !code.is_empty() && code.len() <= 35 {
            self.declared_languages.insert(code.to_string(), 1);
        }
    }

    /// A warning when some calls' exports say they are in another language than `rubric`'s
    /// (by the primary subtag: `es-ES` is `es`): the rubric's phrases are not their words, so
    /// their scores are near 0 with nothing to say why (tester t13's finding 6).
    pub fn other_language(&self, rubric: crate::language::Language) -> Option<String> {
        use crate::language::Language;
        let others: Vec<(&String, u64)> = self
            .declared_languages
            .iter()
            .filter(|(code, _)| Language::from_code(code) != Some(rubric))
            .map(|(code, &n)| (code, n))
            .collect();
        let calls: u64 = others.iter().map(|&(_, n)| n).sum();
        if calls == 0 {
            return None;
        }
        let listed: Vec<String> = others
            .iter()
            .take(3)
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        let builtin: Vec<String> = Language::ALL
            .into_iter()
            .filter(|&l| {
                others
                    .iter()
                    .any(|(code, _)| Language::from_code(code) == Some(l))
            })
            .map(|l| format!("--rubric builtin:{}", l.code()))
            .collect();
        let hint = if builtin.is_empty() {
            "audit them with a rubric in their language (docs/languages.md)".to_string()
        } else {
            format!(
                "audit them with a rubric in their language ({})",
                builtin.join(", ")
            )
        };
        Some(format!(
            "{calls} call(s) are in another language than the rubric's by their export ({}; the \
             rubric reads {}): its phrases are not their words, so their scores mean little; {hint}",
            listed.join(", "),
            rubric.code()
        ))
    }

    /// Notes a channel value that is neither a chat nor a voice word: counted, and the first
    /// `OTHER_SPEAKER_LABELS` different ones named in the summary.
    pub fn unknown_channel(&mut self, label: &str) {
        self.rows_unknown_channel += 1;
        keep_distinct(&mut self.unknown_channel_labels, label);
    }

    /// Notes a speaker label read as `other`: the first `OTHER_SPEAKER_LABELS` different ones
    /// are named in the summary (an empty label as `""`).
    pub fn other_speaker_label(&mut self, label: &str) {
        keep_distinct(&mut self.other_speaker_labels, label);
    }

    /// Notes a file passed over with `--keep-going`, counted as `counted_as` (`unreadable` or
    /// `unusable`), for `error` (the warning's words). It is named in the summary and listed
    /// in the JSON report, whatever warnings are shown: a file lost must be seen.
    pub fn passed_over(&mut self, file: &str, counted_as: PassedOverAs, error: String) {
        match counted_as {
            PassedOverAs::Unreadable => self.files_unreadable += 1,
            PassedOverAs::Unusable => self.files_unusable += 1,
        }
        self.files_passed_over.push(PassedOver {
            file: file.to_string(),
            counted_as,
            error,
        });
    }

    /// The first `FILES_NAMED` files passed over as `counted_as`, of `total`, for the summary.
    fn passed_over_named(&self, counted_as: PassedOverAs, total: u64) -> String {
        let names: Vec<String> = self
            .files_passed_over
            .iter()
            .filter(|p| p.counted_as == counted_as)
            .take(FILES_NAMED)
            .map(|p| terminal_safe(&p.file).into_owned())
            .collect();
        listed(&names, total)
    }

    /// Notes the hidden files and folders discovery passed over (`names` in order).
    pub fn hidden(&mut self, names: &[String]) {
        self.files_hidden += names.len() as u64;
        keep_first(&mut self.hidden_names, names);
    }

    /// Notes the links back to a directory being read that discovery did not follow
    /// (`names` in order).
    pub fn link_loops(&mut self, names: &[String]) {
        self.files_link_loops += names.len() as u64;
        keep_first(&mut self.link_loop_names, names);
    }

    /// Notes the files discovery ignored for their extension (`names` in order).
    pub fn ignored(&mut self, names: &[String]) {
        self.files_ignored += names.len() as u64;
        keep_first(&mut self.ignored_names, names);
    }

    /// Adds another run's accounting to this one.
    pub fn merge(&mut self, o: &Accounting) {
        self.files_read += o.files_read;
        self.files_hidden += o.files_hidden;
        keep_first(&mut self.hidden_names, &o.hidden_names);
        for label in &o.other_speaker_labels {
            keep_distinct(&mut self.other_speaker_labels, label);
        }
        self.files_unreadable += o.files_unreadable;
        self.files_ignored += o.files_ignored;
        keep_first(&mut self.ignored_names, &o.ignored_names);
        self.files_link_loops += o.files_link_loops;
        keep_first(&mut self.link_loop_names, &o.link_loop_names);
        self.lines_unknown_label += o.lines_unknown_label;
        self.rows_read += o.rows_read;
        self.rows_audited += o.rows_audited;
        for (r, n) in &o.rows_skipped {
            *self.rows_skipped.entry(*r).or_insert(0) += n;
        }
        self.calls += o.calls;
        self.calls_audited += o.calls_audited;
        self.calls_filtered_out += o.calls_filtered_out;
        self.filtered.merge(&o.filtered);
        self.calls_without_agent += o.calls_without_agent;
        self.calls_without_date += o.calls_without_date;
        self.rows_other_speaker += o.rows_other_speaker;
        self.rows_unknown_channel += o.rows_unknown_channel;
        for label in &o.unknown_channel_labels {
            keep_distinct(&mut self.unknown_channel_labels, label);
        }
        self.rows_lossy_utf8 += o.rows_lossy_utf8;
        self.lossy_first_line = self.lossy_first_line.or(o.lossy_first_line);
        for (code, n) in &o.declared_languages {
            *self.declared_languages.entry(code.clone()).or_default() += n;
        }
        self.calls_merged += o.calls_merged;
        self.chat_events += o.chat_events;
        self.metadata_joined += o.metadata_joined;
        self.metadata_not_found += o.metadata_not_found;
        self.metadata_agent_differs += o.metadata_agent_differs;
        self.files_duplicate += o.files_duplicate;
        self.calls_too_large += o.calls_too_large;
        self.calls_incomplete += o.calls_incomplete;
        self.calls_ordered_by_files += o.calls_ordered_by_files;
        self.calls_disagreeing += o.calls_disagreeing;
        self.calls_empty += o.calls_empty;
        self.calls_no_agent_turn += o.calls_no_agent_turn;
        self.calls_numbered_again += o.calls_numbered_again;
        self.files_unusable += o.files_unusable;
        self.files_passed_over
            .extend(o.files_passed_over.iter().cloned());
        self.calls_dated_from_metadata += o.calls_dated_from_metadata;
        self.calls_dated_from_path += o.calls_dated_from_path;
        self.calls_agent_disagrees += o.calls_agent_disagrees;
        self.calls_agent_unlisted += o.calls_agent_unlisted;
        self.calls_agent_named_unknown += o.calls_agent_named_unknown;
        for (mine, theirs) in [
            (&mut self.warnings, &o.warnings),
            (&mut self.call_warnings, &o.call_warnings),
        ] {
            let room = MAX_WARNINGS.saturating_sub(mine.len());
            mine.extend(theirs.iter().take(room).cloned());
        }
        self.warnings_total += o.warnings_total;
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtered_calls_are_told_by_filter_and_merged_with_their_dates() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let mut a = Accounting {
            calls_filtered_out: 3,
            ..Accounting::default()
        };
        a.filtered.outside(day(14), Some(day(15)));
        a.filtered.outside(day(12), Some(day(15)));
        a.filtered.other_agent += 1;
        let mut b = Accounting {
            calls_filtered_out: 3,
            ..Accounting::default()
        };
        b.filtered.outside(day(20), Some(day(15)));
        b.filtered.undated += 1;
        b.filtered.not_asked_for += 1;
        a.merge(&b);
        assert_eq!(a.filtered.before.dates, Some((day(12), day(14))));
        assert!(
            a.summary().contains(
                "6 call(s) filtered out (1 not asked for; 2 dated 2026-11-12 to 2026-11-14, before the date range; 1 dated 2026-11-20, after it; 1 undated; 1 of other agents)"
            ),
            "{}",
            a.summary()
        );
        // Only the call asked for: explain's thousands of other calls are no news.
        let only = Accounting {
            calls_filtered_out: 5,
            filtered: FilteredOut {
                not_asked_for: 5,
                ..FilteredOut::default()
            },
            ..Accounting::default()
        };
        assert!(
            only.summary().ends_with("5 call(s) filtered out"),
            "{}",
            only.summary()
        );
    }

    #[test]
    fn summary_names_skip_reasons() {
        let mut a = Accounting {
            rows_read: 10,
            rows_audited: 7,
            ..Accounting::default()
        };
        a.skip(SkipReason::MissingText, 2);
        a.skip(SkipReason::MalformedRow, 1);
        assert!(a.balanced());
        let s = a.summary();
        assert!(
            s.contains("3 rows skipped (1 malformed row, 2 missing text)"),
            "{s}"
        );
    }

    #[test]
    fn imbalance_names_the_counts_that_do_not_add_up() {
        let mut a = Accounting {
            rows_read: 10,
            rows_audited: 7,
            calls: 6,
            calls_audited: 2,
            calls_filtered_out: 1,
            calls_too_large: 1,
            calls_incomplete: 1,
            calls_no_agent_turn: 1,
            calls_empty: 3,
            ..Accounting::default()
        };
        a.skip(SkipReason::FilteredOut, 3);
        assert_eq!(a.imbalance(), None);
        a.rows_read = 97;
        assert_eq!(
            a.imbalance().as_deref(),
            Some(
                "rows_read 97, but rows_audited 7 + rows_skipped 3 = 10: expected rows_read 10 \
                 (rows read = rows audited + rows skipped)"
            )
        );
        a.rows_read = 10;
        a.calls = 7;
        assert_eq!(
            a.imbalance().as_deref(),
            Some(
                "calls 7, but calls_audited 2 + calls_filtered_out 1 + calls_too_large 1 + \
                 calls_incomplete 1 + calls_no_agent_turn 1 = 6: expected calls 6 (calls = \
                 calls audited + filtered out + too large + incomplete + no agent turn + \
                 numbered again)"
            )
        );
        // Counts no run gives do not overflow.
        a.rows_audited = u64::MAX;
        a.skip(SkipReason::MalformedRow, u64::MAX);
        assert!(a.imbalance().unwrap().starts_with("rows_read 10, but "));
    }

    /// Files ignored for their extension were only counted ("4 file(s) ignored"): which ones,
    /// a reader had to find out. The first few are named, as hidden ones are.
    #[test]
    fn ignored_files_are_named_in_the_summary_then_counted() {
        let mut a = Accounting::default();
        let names: Vec<String> = ["d/a.pdf", "d/b.xlsx", "d/c.doc", "d/e.png"]
            .map(String::from)
            .to_vec();
        a.ignored(&names);
        assert!(
            a.summary().ends_with(
                "4 file(s) ignored for their extension (d/a.pdf, d/b.xlsx, d/c.doc and 1 more)"
            ),
            "{}",
            a.summary()
        );
        let mut b = Accounting::default();
        b.ignored(&["e/x.pdf".to_string()]);
        b.merge(&a);
        assert_eq!(b.files_ignored, 5);
        assert_eq!(b.ignored_names, ["e/x.pdf", "d/a.pdf", "d/b.xlsx"]);
    }

    #[test]
    fn hidden_files_are_named_in_the_summary_then_counted() {
        let mut a = Accounting::default();
        a.hidden(&["d/.git/".to_string(), "d/.old.csv".to_string()]);
        assert!(
            a.summary().ends_with(
                "2 hidden file(s) or folder(s) in input directories not read (d/.git/, d/.old.csv)"
            ),
            "{}",
            a.summary()
        );
        let mut b = Accounting::default();
        b.hidden(&["e/.a".into(), "e/.b".into(), "e/.c".into()]);
        a.merge(&b);
        assert_eq!(a.files_hidden, 5);
        let counted = Accounting {
            files_hidden: 2,
            ..Accounting::default()
        };
        assert!(
            counted
                .summary()
                .ends_with("2 hidden file(s) or folder(s) in input directories not read"),
            "{}",
            counted.summary()
        );
        assert!(
            a.summary()
                .ends_with("(d/.git/, d/.old.csv, e/.a and 2 more)"),
            "{}",
            a.summary()
        );
    }

    /// Notices about calls, however many, leave half the places shown to the warnings about
    /// rows and files (tester t9's F3), and each kind takes what the other leaves.
    #[test]
    fn warnings_about_calls_never_hide_those_about_rows() {
        let shown = |rows: usize, calls: usize| {
            let mut a = Accounting::default();
            for i in 0..calls {
                a.warn_call(format!("c{i}"));
            }
            for i in 0..rows {
                a.warn(format!("r{i}"));
            }
            a.settle_warnings();
            assert_eq!(a.warnings_total, (rows + calls) as u64);
            // What the run says at its end is shown however many came before.
            let mut ended = a.clone();
            ended.warn_at_end("end 1".into());
            ended.warn_at_end("end 2".into());
            assert_eq!(ended.warnings_total, a.warnings_total + 2);
            assert_eq!(
                ended.warnings.len(),
                (a.warnings.len() + 2).min(MAX_WARNINGS)
            );
            assert_eq!(
                ended.warnings[ended.warnings.len() - 2..],
                ["end 1", "end 2"]
            );
            let kinds = |p: char| a.warnings.iter().filter(|w| w.starts_with(p)).count();
            // Rows first, each kind in the order raised.
            let expected: Vec<String> = (0..kinds('r'))
                .map(|i| format!("r{i}"))
                .chain((0..kinds('c')).map(|i| format!("c{i}")))
                .collect();
            assert_eq!(a.warnings, expected);
            (kinds('r'), kinds('c'))
        };
        assert_eq!(shown(1, 25), (1, 19));
        assert_eq!(shown(25, 25), (10, 10));
        assert_eq!(shown(25, 3), (17, 3));
        assert_eq!(shown(0, 30), (0, 20));
        assert_eq!(shown(30, 0), (20, 0));
        assert_eq!(shown(12, 12), (10, 10));
    }

    #[test]
    fn warnings_are_capped_but_counted() {
        let mut a = Accounting::default();
        for i in 0..30 {
            a.warn(format!("w{i}"));
        }
        assert_eq!(a.warnings.len(), MAX_WARNINGS);
        assert_eq!(a.warnings_total, 30);
    }
}
