//! Exact partials (`audit --save-partial FILE`) and shards (`audit --shard I/N`).
//!
//! A partial holds what a run found as exact counts that add up: one record per audited call
//! (its group keys, turns, score × 100, pass, upset/calmed and each item's verdict and match
//! count; never a mean or a rate), the run's accounting, the HTML report's weakest calls, and
//! the rubric it was made with (its TOML and fingerprint). `callaudit merge` replays the
//! records into the same totals one run would have built, so any `--group-by`, sort, cut, gate
//! or format can be rendered from partials, byte-identical to one run over all the inputs as
//! long as each call lies wholly within one partial.
//!
//! The file is JSON lines (see docs/nightly.md, "Partials"): a `header` line, one `call` line
//! per audited call, one `view` line per call of the HTML call list, and an `end` line with
//! the accounting and the counts, which also tells a truncated file from a whole one.

use crate::accounting::{Accounting, SkipReason};
use crate::audit::{CallAudit, ItemOutcome, Judged, Verdict, judge, score, verdict_of};
use crate::model::nfc_in_place;
use crate::output::AtomicFile;
use crate::pipeline::shard::{Shard, fnv1a64};
use crate::report::CallView;
use crate::report::filters::RunFilters;
use crate::rubric::Rubric;
use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The `format` of every partial's header.
pub const FORMAT: &str = "callaudit-partial";
/// Bumped whenever a reader of the previous version could misread a file.
pub const FORMAT_VERSION: u64 = 1;

/// The rubric's fingerprint: FNV-1a 64 of its canonical TOML (parsed and written back: keys
/// sorted, comments and layout gone, a whole number written as one: `2.0` as `2`), so the same
/// rubric written differently has one fingerprint and any change to a phrase, weight or setting
/// gives another.
pub fn fingerprint(rubric: &Rubric) -> String {
    fingerprint_of_toml(&rubric.source_text)
}

/// `fingerprint` of a rubric's TOML.
pub fn fingerprint_of_toml(text: &str) -> String {
    canonical_fingerprint(text, true)
}

/// The fingerprint partials written before numbers were made canonical carry (`2.0` and `2`
/// apart): a partial's header may hold either.
pub fn legacy_fingerprint_of_toml(text: &str) -> String {
    canonical_fingerprint(text, false)
}

fn canonical_fingerprint(text: &str, whole_numbers: bool) -> String {
    let canonical = toml::from_str::<toml::Value>(text)
        .ok()
        .map(|mut v| {
            if whole_numbers {
                whole_numbers_as_integers(&mut v);
            }
            v
        })
        .and_then(|v| toml::to_string(&v).ok())
        .unwrap_or_else(|| text.to_string());
    format!("fnv1a64:{:016x}", fnv1a64(canonical.as_bytes()))
}

/// Writes every float that is a whole number (`2.0`, `-0.0`) as the integer it is, so that a
/// number's spelling does not count: the rubric reads `weight = 2` and `weight = 2.0` alike.
fn whole_numbers_as_integers(v: &mut toml::Value) {
    /// Whole numbers up to here are exact in an f64.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match v {
        toml::Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT => {
            *v = toml::Value::Integer(*f as i64);
        }
        toml::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| whole_numbers_as_integers(v)),
        _ => {}
    }
}

/// The first line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    #[serde(rename = "type")]
    pub kind: String,
    pub format: String,
    pub format_version: u64,
    pub tool_version: String,
    pub rubric_name: String,
    pub rubric_fingerprint: String,
    /// The rubric's TOML as written: merge compiles it, so it needs no --rubric.
    pub rubric_toml: String,
    /// The item ids, in rubric order: the order of every call's verdicts and counts.
    pub items: Vec<String>,
    pub shard: Option<Shard>,
    /// The filters the run applied, resolved (`--last` and `--as-of` as the dates they gave):
    /// `dated 2026-11-17; agent ann`. Shards of one run must agree on them. Absent when there
    /// were none (and in partials written before they were recorded).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub filters: String,
    /// The same filters, one by one, for the report of a merge (which joins the nights'
    /// windows): absent when there were none, and in partials written before they were
    /// recorded (whose report then shows `filters` as it is).
    #[serde(default, skip_serializing_if = "RunFilters::is_empty")]
    pub filter_set: RunFilters,
    /// The options that decide whose call it is and how its text is shown (`--agents`,
    /// `--metadata`, `--agent-case`, `--redact`): merge refuses partials that differ in them
    /// (`--metadata` in being given; in its contents only between the shards of one run).
    /// Absent in partials written before it was recorded (unknown: merge warns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
}

/// The attribution options of a run, as its partial records them: a digest of the `--agents`
/// and `--metadata` files' contents (`null` when not given) and the flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// `"fnv1a64:<16 hex>"` of the `--agents` file's bytes, or `null`.
    pub agents: Option<String>,
    /// `"fnv1a64:<16 hex>"` of the `--metadata` file's bytes, or `null`.
    pub metadata: Option<String>,
    /// `exact` or `insensitive`.
    pub agent_case: String,
    pub redact: bool,
    /// How the transcripts were read where it decides whose call, turn or day it is
    /// (`--map`, `--agent-names`, `--agent-from-filename`, `--date-from-path`); absent in
    /// partials written before it was recorded (unknown: not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_options: Option<ReadOptions>,
}

/// The reading options that decide attribution, as given (`null`/empty when not given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    pub map: Option<String>,
    pub agent_names: Vec<String>,
    pub agent_from_filename: Option<String>,
    pub date_from_path: Option<String>,
}

/// An option's value as a message shows it: `none` when not given.
fn given(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "none".to_string())
}

impl ReadOptions {
    /// The options in one spelling: the same `--map` pairs or `--agent-names` in another order
    /// are the same options (reviewer r26).
    pub fn new(
        map: Option<&str>,
        agent_names: &[String],
        agent_from_filename: Option<&str>,
        date_from_path: Option<&str>,
    ) -> ReadOptions {
        let map = map.map(|m| {
            let mut pairs: Vec<&str> = m
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            pairs.sort_unstable();
            pairs.join(",")
        });
        let mut agent_names: Vec<String> = agent_names
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        agent_names.sort();
        agent_names.dedup();
        ReadOptions {
            map,
            agent_names,
            agent_from_filename: agent_from_filename.map(str::to_string),
            date_from_path: date_from_path.map(str::to_string),
        }
    }

    /// The first option in which `self` and `other` differ, as `Attribution::differs` says it.
    pub fn differs(&self, other: &ReadOptions) -> Option<(&'static str, String, String)> {
        if self.map != other.map {
            return Some(("--map", given(&self.map), given(&other.map)));
        }
        if self.agent_names != other.agent_names {
            let names = |v: &[String]| {
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.join(",")
                }
            };
            return Some((
                "--agent-names",
                names(&self.agent_names),
                names(&other.agent_names),
            ));
        }
        if self.agent_from_filename != other.agent_from_filename {
            return Some((
                "--agent-from-filename",
                given(&self.agent_from_filename),
                given(&other.agent_from_filename),
            ));
        }
        if self.date_from_path != other.date_from_path {
            return Some((
                "--date-from-path",
                given(&self.date_from_path),
                given(&other.date_from_path),
            ));
        }
        None
    }
}

impl Attribution {
    /// Both runs read `--metadata`, with other contents: a contact-records export that grew
    /// between nights (the nightly recipe's `metadata = "contacts.csv"`). Each call keeps what
    /// its own run's file gave it, so it is no reason to refuse a merge (tester t25 F2); `merge`
    /// says it.
    pub fn metadata_contents_differ(&self, other: &Attribution) -> bool {
        self.metadata.is_some() && other.metadata.is_some() && self.metadata != other.metadata
    }

    /// The digest of a side file's contents (`--agents`, `--metadata`).
    pub fn digest_of(path: &Path) -> anyhow::Result<String> {
        let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
        Ok(format!("fnv1a64:{:016x}", fnv1a64(&bytes)))
    }

    /// The first option in which `self` and `other` differ, as the command line names it, with
    /// each side's value: `("--agents", "agents file fnv1a64:…", "none")`.
    /// The reading options (`read_options`) are compared apart, by `ReadOptions::differs`:
    /// only partials that record them can be.
    pub fn differs(&self, other: &Attribution) -> Option<(&'static str, String, String)> {
        let file = given;
        let flag = |on: bool| if on { "on" } else { "off" }.to_string();
        if self.agents != other.agents {
            return Some(("--agents", file(&self.agents), file(&other.agents)));
        }
        // Given on some nights only: those nights' calls would have no team. Given with other
        // contents is `metadata_contents_differ`: a contact-records file grows every night.
        if self.metadata.is_some() != other.metadata.is_some() {
            return Some(("--metadata", file(&self.metadata), file(&other.metadata)));
        }
        if self.agent_case != other.agent_case {
            return Some((
                "--agent-case",
                self.agent_case.clone(),
                other.agent_case.clone(),
            ));
        }
        if self.redact != other.redact {
            return Some(("--redact", flag(self.redact), flag(other.redact)));
        }
        None
    }
}

impl Header {
    /// The run's filters, as the report states them.
    pub fn run_filters(&self) -> RunFilters {
        if self.filter_set.is_empty() {
            RunFilters::from_text(&self.filters)
        } else {
            self.filter_set.clone()
        }
    }
}

/// One audited call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub call_id: String,
    pub agent_id: String,
    pub date: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub turns: u32,
    pub score_centi: u32,
    pub passed: bool,
    pub upset: Option<bool>,
    pub calmed: Option<bool>,
    /// Per item, in rubric order: met, missed, violated, clean, present, absent or n/a.
    pub verdicts: Vec<String>,
    /// Per item: the matches that counted.
    pub counts: Vec<u32>,
}

/// A call of the HTML report's call list.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ViewLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    view: CallView,
}

/// The last line: the run's accounting and how many lines came before.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct End {
    #[serde(rename = "type")]
    pub kind: String,
    pub calls: u64,
    pub views: u64,
    /// The input files as the report names them.
    pub inputs: Vec<String>,
    /// FNV-1a 64 of every input's name and size: shards of one run share it.
    pub inputs_digest: String,
    /// The run's accounting, as the report shows it.
    pub accounting: Accounting,
    /// What the readers counted (files, rows read and skipped before calls are assembled):
    /// every shard of one run reads all the inputs, so this part is the same in each and is
    /// counted once when they are merged.
    pub reading: Accounting,
    /// The warnings that one run gives once however many calls they concern, among those
    /// counted in `accounting.warnings_total`: merged, each counts once.
    pub once_warnings: Vec<String>,
}

fn verdict_from(s: &str) -> Option<Verdict> {
    Some(match s {
        "met" => Verdict::Met,
        "missed" => Verdict::Missed,
        "violated" => Verdict::Violated,
        "clean" => Verdict::Clean,
        "present" => Verdict::Present,
        "absent" => Verdict::Absent,
        "n/a" => Verdict::NotApplicable,
        _ => return None,
    })
}

impl CallRecord {
    pub fn of(a: &CallAudit) -> CallRecord {
        CallRecord {
            kind: "call".into(),
            call_id: a.call_id.clone(),
            agent_id: a.agent_id.clone(),
            date: a.date.map(|d| d.to_string()),
            team: a.team.clone(),
            queue: a.queue.clone(),
            turns: a.turns,
            score_centi: a.score_centi,
            passed: a.passed,
            upset: a.upset,
            calmed: a.calmed,
            verdicts: a.items.iter().map(|o| o.verdict.as_str().into()).collect(),
            counts: a.items.iter().map(|o| o.count).collect(),
        }
    }

    /// The call's audit again, as the totals need it (no evidence), checked against the
    /// rubric the partial was made with: every field merge adds up must be one a run can write
    /// (a verdict of the item's kind, a count that agrees with it, the score, pass and
    /// upset/calmed its verdicts give), or a hand-edited record would be summed silently.
    pub fn audit(&self, rubric: &Rubric) -> Result<CallAudit, String> {
        let n_items = rubric.items.len();
        let id = &self.call_id;
        if self.verdicts.len() != n_items || self.counts.len() != n_items {
            return Err(format!(
                "call {id} has {} verdicts and {} counts for {n_items} items",
                self.verdicts.len(),
                self.counts.len()
            ));
        }
        if id.is_empty() {
            return Err("a call with an empty call_id: every audited call has an id".into());
        }
        if self.turns == 0 {
            return Err(format!(
                "call {id} has turns 0: an audited call has at least one utterance"
            ));
        }
        let mut items = Vec::with_capacity(n_items);
        for ((item, v), &count) in rubric.items.iter().zip(&self.verdicts).zip(&self.counts) {
            let verdict =
                verdict_from(v).ok_or_else(|| format!("call {id}: `{v}` is no verdict"))?;
            let kinds = [verdict_of(item.kind, true), verdict_of(item.kind, false)];
            if verdict.applies() && !kinds.contains(&verdict) {
                return Err(format!(
                    "call {id}: item {} is `{v}`, not a verdict of its kind: expected {}, {} or n/a",
                    item.id,
                    kinds[0].as_str(),
                    kinds[1].as_str()
                ));
            }
            let occurs = count >= item.min_count;
            if verdict.applies() && verdict.occurred() != occurs {
                return Err(format!(
                    "call {id}: item {} is `{v}` with {count} match(es): the item occurs with {} \
                     or more (min_count), so expected {}",
                    item.id,
                    item.min_count,
                    verdict_of(item.kind, occurs).as_str()
                ));
            }
            items.push(ItemOutcome {
                count,
                verdict,
                first_turn: None,
            });
        }
        if self.score_centi > 10_000 {
            return Err(format!(
                "call {id}: score_centi {} is a score of {}%: expected 0 to 10000 (the score × \
                 100)",
                self.score_centi,
                f64::from(self.score_centi) / 100.0
            ));
        }
        let Judged {
            score_centi,
            passed,
            upset,
            calmed,
        } = judge(rubric, &items, score(rubric, &items, false).0);
        if self.score_centi != score_centi {
            return Err(format!(
                "call {id}: score_centi {} does not follow from its verdicts: the rubric's \
                 weights and penalties give {score_centi}",
                self.score_centi
            ));
        }
        let show = |b: Option<bool>| b.map_or("null".to_string(), |b| b.to_string());
        if (self.passed, self.upset, self.calmed) != (passed, upset, calmed) {
            return Err(format!(
                "call {id}: passed {}, upset {}, calmed {} do not follow from its score and \
                 verdicts: expected passed {passed} (pass mark {}), upset {}, calmed {}",
                self.passed,
                show(self.upset),
                show(self.calmed),
                rubric.pass_mark,
                show(upset),
                show(calmed)
            ));
        }
        let date = self
            .date
            .as_deref()
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| format!("call {id}: `{d}` is no date"))
            })
            .transpose()?;
        Ok(CallAudit {
            call_id: self.call_id.clone(),
            agent_id: self.agent_id.clone(),
            date,
            team: self.team.clone(),
            queue: self.queue.clone(),
            turns: self.turns,
            items,
            score_centi: self.score_centi,
            passed: self.passed,
            upset: self.upset,
            calmed: self.calmed,
            percent_fallback: false,
            seconds_without_timings: false,
            detail: None,
            overridden: Vec::new(),
        })
    }
}

/// Writes a partial as the run goes: the header first, each call as it is audited, the call
/// list and the accounting at the end. The file appears (atomically) only when it is whole.
pub struct PartialWriter {
    path: PathBuf,
    header: Header,
    file: Option<AtomicFile>,
    calls: u64,
}

impl PartialWriter {
    /// `filters`: the run's filters (see `Header::filters`); `attribution`: its attribution
    /// options (see `Header::attribution`).
    pub fn create(
        path: &Path,
        rubric: &Rubric,
        shard: Option<Shard>,
        filters: &RunFilters,
        attribution: Attribution,
    ) -> anyhow::Result<Self> {
        let header = Header {
            kind: "header".into(),
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            rubric_name: rubric.name.clone(),
            rubric_fingerprint: fingerprint(rubric),
            rubric_toml: rubric.source_text.clone(),
            items: rubric.items.iter().map(|i| i.id.clone()).collect(),
            shard,
            filters: if filters.is_empty() {
                String::new()
            } else {
                filters.text()
            },
            filter_set: filters.clone(),
            attribution: Some(attribution),
        };
        let file = AtomicFile::create_held(path)
            .with_context(|| format!("--save-partial {}", path.display()))?;
        let mut w = PartialWriter {
            path: path.to_path_buf(),
            header: header.clone(),
            file: Some(file),
            calls: 0,
        };
        w.line(&header)?;
        Ok(w)
    }

    fn line<T: Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        let file = self.file.as_mut().expect("open until finished");
        // The file's errors name it.
        serde_json::to_writer(&mut *file, value)?;
        file.write_all(b"\n")?;
        Ok(())
    }

    /// Starts again (the run's second pass): what was written is taken back, also from a pipe
    /// (see `AtomicFile::create_held`).
    pub fn reset(&mut self) -> anyhow::Result<()> {
        self.file
            .as_mut()
            .expect("open until finished")
            .restart()
            .with_context(|| format!("--save-partial {}", self.path.display()))?;
        self.calls = 0;
        let header = self.header.clone();
        self.line(&header)
    }

    pub fn add(&mut self, a: &CallAudit) -> anyhow::Result<()> {
        self.calls += 1;
        self.line(&CallRecord::of(a))
    }

    /// Writes the call list and the end line; the file is then ready to be put in place with
    /// the run's other outputs (`Prepared::commit`).
    pub fn finish(
        mut self,
        views: Vec<CallView>,
        inputs: Vec<(String, u64)>,
        accounting: &Accounting,
        once_warnings: Vec<String>,
    ) -> anyhow::Result<crate::output::Prepared> {
        let n_views = views.len() as u64;
        for view in views {
            self.line(&ViewLine {
                kind: "view".into(),
                view,
            })?;
        }
        let mut digest = Vec::new();
        for (name, size) in &inputs {
            digest.extend_from_slice(name.as_bytes());
            digest.push(0);
            digest.extend_from_slice(&size.to_le_bytes());
        }
        let reading = accounting.reading.as_deref().cloned().unwrap_or_default();
        let end = End {
            kind: "end".into(),
            calls: self.calls,
            views: n_views,
            inputs: inputs.into_iter().map(|(n, _)| n).collect(),
            inputs_digest: format!("fnv1a64:{:016x}", fnv1a64(&digest)),
            accounting: accounting.clone(),
            reading,
            once_warnings,
        };
        self.line(&end)?;
        self.file
            .take()
            .expect("open until finished")
            .prepare()
            .map_err(Into::into)
    }
}

/// The once-per-run warnings a run's accounting implies (see `End::once_warnings`).
pub fn once_warnings(
    acct: &Accounting,
    date_filter: bool,
    percent_fallback: bool,
    seconds_without_timings: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |on: bool, what: &str| {
        if on {
            out.push(what.to_string());
        }
    };
    add(acct.calls_without_agent > 0, "calls_without_agent");
    add(acct.calls_agent_unlisted > 0, "calls_agent_unlisted");
    add(
        acct.calls_agent_named_unknown > 0,
        "calls_agent_named_unknown",
    );
    add(acct.metadata_not_found > 0, "metadata_not_found");
    add(acct.metadata_agent_differs > 0, "metadata_agent_differs");
    add(
        date_filter && acct.calls_without_date > 0,
        "undated_excluded",
    );
    add(percent_fallback, "percent_fallback");
    add(seconds_without_timings, "seconds_without_timings");
    out
}

/// A line of a partial that ends before its JSON does: the file was cut.
fn cut_short(name: &str, line: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "{name}:{line}: the partial is cut short (the line ends mid-record): was its run interrupted, or its copy incomplete? Write it again with `callaudit audit … --save-partial`"
    )
}

/// A partial read back: its header and end, with each call handed to `each_call` as read.
pub struct Partial {
    pub path: PathBuf,
    pub header: Header,
    pub end: End,
    pub views: Vec<CallView>,
}

/// A partial being read: its header, then the rest with `read_rest`.
pub struct PartialReader {
    name: String,
    path: PathBuf,
    pub header: Header,
    lines: std::io::Lines<Box<dyn BufRead>>,
}

/// Opens a partial and reads its header.
pub fn open(path: &Path) -> anyhow::Result<PartialReader> {
    let name = path.display().to_string();
    let not_partial = || {
        anyhow::anyhow!(
            "{name}: not a callaudit partial (write one with `callaudit audit … --save-partial FILE`)"
        )
    };
    // `-` is stdin, as for inputs.
    let file: Box<dyn std::io::Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("{name}: cannot open"))?)
    };
    let mut file = std::io::BufReader::new(file);
    // A partial kept gzipped is read through gzip, as inputs are.
    let gzip = file
        .fill_buf()
        .with_context(|| format!("{name}: cannot read"))?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead> = if gzip {
        Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
            file,
        )))
    } else {
        Box::new(file)
    };
    let mut lines = reader.lines();
    let first = lines
        .next()
        .transpose()
        .with_context(|| format!("{name}: cannot read"))?
        .unwrap_or_default();
    // A byte-order mark (an editor that saved the file) is not part of the header.
    let first = first.strip_prefix('\u{feff}').unwrap_or(&first);
    let probe: serde_json::Value = match serde_json::from_str(first) {
        Ok(v) => v,
        // The header of a partial, cut (a copy that stopped, a disk that filled).
        Err(e) if e.is_eof() && first.contains(&format!(r#""format":"{FORMAT}""#)) => {
            return Err(cut_short(&name, 1));
        }
        Err(_) => return Err(not_partial()),
    };
    if probe.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_partial());
    }
    let version = probe.get("format_version").and_then(|v| v.as_u64());
    if version != Some(FORMAT_VERSION) {
        bail!(
            "{name}: partial format version {}, but this callaudit reads version {FORMAT_VERSION}: write the partials again with this version",
            version.map_or("(none)".to_string(), |v| v.to_string())
        );
    }
    let header: Header =
        serde_json::from_value(probe).with_context(|| format!("{name}:1: bad header"))?;
    Ok(PartialReader {
        name,
        path: path.to_path_buf(),
        header,
        lines,
    })
}

impl PartialReader {
    /// Reads the calls (handing each to `each_call`), the call list and the end line.
    pub fn read_rest(
        self,
        mut each_call: impl FnMut(CallRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<Partial> {
        let name = self.name;
        let mut views = Vec::new();
        let mut calls = 0u64;
        let mut turns = 0u64;
        let mut end: Option<(End, usize)> = None;
        for (i, line) in self.lines.enumerate() {
            let at = i + 2;
            let line = line.with_context(|| format!("{name}:{at}: cannot read"))?;
            if line.trim().is_empty() {
                // Not written by callaudit, but no harm (an editor's): the end line's counts
                // still check the calls.
                continue;
            }
            if end.is_some() {
                bail!("{name}:{at}: a line after the end line");
            }
            let value: serde_json::Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(e) if e.is_eof() => return Err(cut_short(&name, at)),
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!("{name}:{at}: not JSON")));
                }
            };
            match value.get("type").and_then(|t| t.as_str()) {
                Some("call") => {
                    let mut rec: CallRecord = serde_json::from_value(value)
                        .with_context(|| format!("{name}:{at}: bad call line"))?;
                    // Composed as a run composes them (a partial written before it did).
                    for field in [&mut rec.call_id, &mut rec.agent_id]
                        .into_iter()
                        .chain(rec.team.as_mut())
                        .chain(rec.queue.as_mut())
                    {
                        nfc_in_place(field);
                    }
                    calls += 1;
                    turns += u64::from(rec.turns);
                    each_call(rec).with_context(|| format!("{name}:{at}"))?;
                }
                Some("view") => {
                    let mut v: ViewLine = serde_json::from_value(value)
                        .with_context(|| format!("{name}:{at}: bad view line"))?;
                    let view = &mut v.view;
                    for field in [&mut view.call_id, &mut view.agent_id]
                        .into_iter()
                        .chain(view.team.as_mut())
                        .chain(view.queue.as_mut())
                    {
                        nfc_in_place(field);
                    }
                    if v.view.score_centi > 10_000 {
                        bail!(
                            "{name}:{at}: the call list's call {} has score_centi {}: expected 0 \
                             to 10000 (the score × 100)",
                            v.view.call_id,
                            v.view.score_centi
                        );
                    }
                    views.push(v.view);
                }
                Some("end") => {
                    end = Some((
                        serde_json::from_value(value)
                            .with_context(|| format!("{name}:{at}: bad end line"))?,
                        at,
                    ));
                }
                other => bail!("{name}:{at}: unknown line type {other:?}"),
            }
        }
        let Some((end, at)) = end else {
            bail!("{name}: the partial is cut short (no end line): was its run interrupted?");
        };
        if end.calls != calls || end.views != views.len() as u64 {
            bail!(
                "{name}: the end line counts {} calls and {} views, the file holds {calls} and {}",
                end.calls,
                end.views,
                views.len()
            );
        }
        check_end(&end, turns).map_err(|e| anyhow::anyhow!("{name}:{at}: {e}"))?;

        Ok(Partial {
            path: self.path,
            header: self.header,
            end,
            views,
        })
    }
}

/// Refuses an end line whose accounting cannot be the run's that wrote the calls before it, or
/// any run's (its rows or calls do not add up): merge adds these counters up (and takes the
/// readers' part away from the run's).
fn check_end(end: &End, turns: u64) -> Result<(), String> {
    let acct = &end.accounting;
    if acct.calls_audited != end.calls {
        return Err(format!(
            "the end line's accounting counts {} calls audited, but the partial holds {} call \
             lines: expected {}",
            acct.calls_audited, end.calls, end.calls
        ));
    }
    if acct.rows_audited != turns {
        return Err(format!(
            "the end line's accounting counts {} rows audited, but the calls' turns add up to \
             {turns}: expected {turns}",
            acct.rows_audited
        ));
    }
    // Its own arithmetic, which every run's holds (a hand edit of one count breaks it, and
    // the merged report would then break it too).
    if let Some(why) = acct.imbalance() {
        return Err(format!("the end line's accounting does not add up: {why}"));
    }
    let json = |a: &Accounting| serde_json::to_value(a).unwrap_or_default();
    let over = over_counters(&json(&end.reading), &json(acct), "");
    if let Some((counter, reading, run)) = over {
        return Err(format!(
            "the end line's `reading` counts {counter} {reading}, more than the run's accounting \
             ({run}): expected at most {run} (the readers' counts are part of the run's)"
        ));
    }
    Ok(())
}

/// The first counter of `part` above the same counter of `whole` (nested counters named
/// `outer.inner`), with both values.
fn over_counters(
    part: &serde_json::Value,
    whole: &serde_json::Value,
    prefix: &str,
) -> Option<(String, u64, u64)> {
    use serde_json::Value;
    let Value::Object(p) = part else {
        return None;
    };
    for (k, v) in p {
        let w = whole.get(k);
        match v {
            Value::Number(n) => {
                let (n, have) = (
                    n.as_u64().unwrap_or(0),
                    w.and_then(Value::as_u64).unwrap_or(0),
                );
                if n > have {
                    return Some((format!("{prefix}{k}"), n, have));
                }
            }
            Value::Object(_) => {
                let empty = Value::Object(Default::default());
                if let Some(found) = over_counters(v, w.unwrap_or(&empty), &format!("{prefix}{k}."))
                {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// Adds (`sign` 1) or subtracts (`sign` -1) the counters of one serialised accounting to
/// another (a missing counter is 0).
fn combine(into: &mut serde_json::Value, other: &serde_json::Value, sign: i128) {
    use serde_json::Value;
    let (Value::Object(a), Value::Object(b)) = (into, other) else {
        return;
    };
    for (k, v) in b {
        match v {
            Value::Number(n) => {
                let have = a.get(k).and_then(Value::as_u64).unwrap_or(0) as i128;
                let sum = have + sign * n.as_u64().unwrap_or(0) as i128;
                a.insert(k.clone(), Value::from(sum.max(0) as u64));
            }
            Value::Object(_) => {
                let slot = a
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Default::default()));
                combine(slot, v, sign);
            }
            _ => {}
        }
    }
}

/// The accounting of one run over every partial's inputs: the readers' part once per run
/// (once for all the shards of one run), the calls' part of every partial, and each once-per-run
/// warning once.
pub fn merged_accounting(
    partials: &[&Partial],
    groups: &[Vec<usize>],
) -> anyhow::Result<Accounting> {
    let json = |a: &Accounting| serde_json::to_value(a).unwrap_or_default();
    let mut total = serde_json::Value::Object(Default::default());
    for group in groups {
        let mut run = serde_json::Value::Object(Default::default());
        combine(&mut run, &json(&partials[group[0]].end.reading), 1);
        for &i in group {
            let end = &partials[i].end;
            combine(&mut run, &json(&end.accounting), 1);
            combine(&mut run, &json(&end.reading), -1);
        }
        // Each partial's accounting adds up (`check_end`), but the shards of one run add up
        // together only when each counts as another shard's the rows the others audit or skip:
        // a shard's edited `other_shard` (and `rows_read` with it) would pass alone.
        if group.len() > 1 {
            let mut merged: Accounting =
                serde_json::from_value(run.clone()).context("merging the partials' accounting")?;
            merged.rows_skipped.remove(&SkipReason::OtherShard);
            if let Some(why) = merged.imbalance() {
                let names: Vec<String> = group
                    .iter()
                    .map(|&i| partials[i].path.display().to_string())
                    .collect();
                bail!(
                    "{}: these shards of one run do not add up together: merged, {why}; each \
                     shard counts the rows of the others' calls as `other_shard` (was one of \
                     them edited?)",
                    names.join(", ")
                );
            }
        }
        combine(&mut total, &run, 1);
    }
    let mut acct: Accounting =
        serde_json::from_value(total).context("merging the partials' accounting")?;
    // The files passed over are the readers' (once per run, as their counts), in the order one
    // run reads its inputs (stdin first, then paths sorted), whatever the partials' order.
    for group in groups {
        acct.files_passed_over.extend(
            partials[group[0]]
                .end
                .reading
                .files_passed_over
                .iter()
                .cloned(),
        );
    }
    acct.files_passed_over
        .sort_by_cached_key(|p| (p.file != "-", std::path::PathBuf::from(&p.file)));
    // Every row one shard leaves to the others is audited or skipped by the shard it belongs
    // to, and merge takes every shard of a run (or none): merged, no row is another shard's.
    acct.rows_skipped.remove(&SkipReason::OtherShard);
    let mut once = std::collections::BTreeSet::new();
    let mut given = 0u64;
    for p in partials {
        given += p.end.once_warnings.len() as u64;
        once.extend(p.end.once_warnings.iter().cloned());
    }
    acct.warnings_total = acct.warnings_total.saturating_sub(given) + once.len() as u64;
    Ok(acct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_layout_but_not_content() {
        let base = Rubric::default_rubric();
        let mut spaced = Rubric::default_rubric();
        spaced.source_text = format!("# a comment\n\n{}", base.source_text);
        assert_eq!(fingerprint(&base), fingerprint(&spaced));
        let mut other = Rubric::default_rubric();
        other.source_text = base.source_text.replacen("pass_mark", "pass_mark_", 1);
        assert_ne!(fingerprint(&base), fingerprint(&other));
        let float = |t: &str| fingerprint_of_toml(t);
        assert_eq!(float("[a]\nweight = 2\n"), float("[a]\nweight = 2.0\n"));
        assert_eq!(float("w = [1, 0]\n"), float("w = [1.0, -0.0]\n"));
        assert_ne!(float("weight = 2\n"), float("weight = 2.5\n"));
        assert_ne!(float("weight = 2\n"), float("weight = \"2\"\n"));
        assert_ne!(
            legacy_fingerprint_of_toml("weight = 2\n"),
            legacy_fingerprint_of_toml("weight = 2.0\n")
        );
    }
}
