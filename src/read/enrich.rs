//! Filling in what an export lacks: the agent id from the file name (`--agent-from-filename`)
//! and contact records joined on call id (`--metadata`).
//!
//! Precedence: what the export says wins. An agent id in the export's content, then one in
//! its file name, is kept; `--metadata` fills only the agent, team, date and queue that are
//! still missing. The export is what was audited, and the contact-record join is for what it
//! does not carry (Contact Lens names no agent, Transcribe no date, …). A joined call whose
//! export names another agent than its contact record is counted, and the first one is
//! reported, so a stale or wrong join does not go unnoticed.

use crate::model::{Call, Votes};
use crate::read::csv::side::SideFile;
use crate::read::csv::{CANDIDATES, Role, header_key};
use crate::read::dates::parse_date;
use crate::read::identity::Identity;
use crate::read::input::Input;
use crate::read::known_id;
use crate::read::path_date::PathDates;
use anyhow::{Context, bail};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Header names `--metadata` knows beyond the utterance CSV's (contact-record exports).
const EXTRA: &[(Role, &[&str])] = &[
    (
        Role::Call,
        &["contact", "initial_contact_id", "conversation"],
    ),
    (
        Role::Agent,
        &["agent.username", "agent_username", "username", "user_id"],
    ),
    (
        Role::Date,
        &[
            "initiation_timestamp",
            "initiationtimestamp",
            "start_time",
            "conversation_start",
            "start",
        ],
    ),
    (Role::Team, &["agent_team", "group", "routing_profile"]),
    (Role::Queue, &["queue.name", "queue_id"]),
];

/// What `--metadata` says about one call.
#[derive(Clone, Debug, Default, PartialEq)]
struct Record {
    agent_id: Option<String>,
    team: Option<String>,
    date: Option<NaiveDate>,
    queue: Option<String>,
    line: u64,
}

/// The contact records of `--metadata`, by call id as written. Call ids are matched exactly;
/// a call without a record of its own id is matched to a record whose id differs only in ASCII
/// case (systems disagree on the case of GUIDs), when that record is the only one that does and
/// one of the two ids is written all in one case, as a system that changes the case of ids
/// writes them (see `find`). Exports keep the case of ids (`5003000000D8cuI` and
/// `5003000000D8cui` are two Salesforce cases), so ids that differ in case are never one record.
#[derive(Debug)]
pub struct Metadata {
    records: HashMap<String, Record>,
    /// The ids of `records` by their ASCII lower case: `None` when several fold to it.
    folded: HashMap<String, Option<String>>,
}

/// Whether an id is written all in one case (its ASCII letters all upper or all lower case).
fn one_case(id: &str) -> bool {
    !(id.bytes().any(|b| b.is_ascii_lowercase()) && id.bytes().any(|b| b.is_ascii_uppercase()))
}

impl Metadata {
    /// Loads the file once. A row that cannot be joined reliably (wrong number of fields, no
    /// call id, a date not understood, a call listed twice with different values) stops the
    /// run with its file and line: a partial join would misattribute calls silently.
    /// A record longer than `max_record_bytes` stops the run too, before it is held.
    pub fn load(path: &Path, max_record_bytes: u64) -> anyhow::Result<Metadata> {
        let name = path.display().to_string();
        let mut side =
            SideFile::open("--metadata", path, max_record_bytes, "call_id and agent_id")?;
        let headers = side.headers.clone();
        let (call_col, agent_col, team_col, date_col, queue_col) = columns(&headers, &name)?;
        let mut records: HashMap<String, Record> = HashMap::new();
        let mut folded: HashMap<String, Option<String>> = HashMap::new();
        while let Some((line, record)) = side.next_record()? {
            // Composed, as the exports' ids and names are (`model::nfc`).
            let cell = |c: Option<usize>| {
                c.map(|c| crate::model::nfc(record[c].trim()).into_owned())
                    .filter(|s| !s.is_empty())
            };
            let Some(call_id) = cell(Some(call_col)) else {
                bail!(
                    "--metadata {name}:{line}: empty call id (column `{}`)",
                    headers[call_col]
                );
            };
            let date = match cell(date_col) {
                None => None,
                Some(raw) => Some(parse_date(&raw).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--metadata {name}:{line}: date `{raw}` not understood (expected YYYY-MM-DD, RFC 3339 or epoch)"
                    )
                })?),
            };
            let new = Record {
                agent_id: cell(agent_col),
                team: cell(team_col),
                date,
                queue: cell(queue_col),
                line,
            };
            // The same id as written: ids that differ in case are different calls.
            match records.get(&call_id) {
                Some(old)
                    if Record {
                        line,
                        ..old.clone()
                    } != new =>
                {
                    bail!(
                        "--metadata {name}:{line}: call {call_id} is also on line {} with other values; a call needs one contact record",
                        old.line
                    )
                }
                Some(_) => {}
                None => {
                    folded
                        .entry(call_id.to_ascii_lowercase())
                        .and_modify(|one| *one = None)
                        .or_insert_with(|| Some(call_id.clone()));
                    records.insert(call_id, new);
                }
            }
        }
        Ok(Metadata { records, folded })
    }

    /// The record of call `id`: the one of that id as written, else the one whose id differs
    /// only in ASCII case when no other record's does and one of the two ids is written all in
    /// one case (`5D1C7E10-…` and `5d1c7e10-…`, not `…D8cuI` and `…D8cui`).
    fn find(&self, id: &str) -> Option<&Record> {
        if let Some(record) = self.records.get(id) {
            return Some(record);
        }
        let other = self.folded.get(&id.to_ascii_lowercase())?.as_deref()?;
        if one_case(id) || one_case(other) {
            self.records.get(other)
        } else {
            None
        }
    }
}

/// What enrichment did to one call, for the run's accounting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enriched {
    /// `None` without `--metadata`.
    pub metadata: Option<Join>,
    /// Where the call's date came from, when not from its export.
    pub date_from: Option<DateFrom>,
    /// With `--agents`: the call's agent id is not in the file.
    pub agent_unlisted: bool,
    /// With `--agents`: the call's agent id is no id of the file but the display name it gives
    /// an agent, under which the call is reported (the id as the export gives it).
    pub agent_by_name: Option<String>,
}

/// What `Enricher::resolve_votes` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedVotes {
    /// The agent votes were resolved (the agent they settle on is a resolved one).
    pub resolved: bool,
    /// The first voted id that is only a display name of the `--agents` file.
    pub by_name: Option<String>,
}

/// A date that the export did not give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFrom {
    Metadata,
    Path,
}

/// The outcome of the `--metadata` join for one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Join {
    /// Found. `agent_differs` holds the metadata's agent when the export named another.
    Found {
        agent_differs: Option<String>,
    },
    NotFound,
}

/// Fills in agent ids and call metadata the exports lack, dates from file paths, and resolves
/// agent ids to agents (`--agent-case`, `--agents`).
pub struct Enricher {
    agent_from_filename: Option<regex::Regex>,
    metadata: Option<Metadata>,
    identity: Option<Identity>,
    path_dates: Option<PathDates>,
    /// The path date of each input, by input index, found once.
    path_date_of: Mutex<HashMap<u32, Option<NaiveDate>>>,
}

impl Enricher {
    #[cfg(test)]
    pub fn new(
        agent_from_filename: Option<&str>,
        metadata: Option<&Path>,
        max_record_bytes: u64,
    ) -> anyhow::Result<Option<Enricher>> {
        Enricher::with(agent_from_filename, metadata, max_record_bytes, None, None)
    }

    /// An enricher that also resolves agent ids (`--agent-case`, `--agents`) and dates calls
    /// from their paths; `None` when there is nothing to do.
    pub fn with(
        agent_from_filename: Option<&str>,
        metadata: Option<&Path>,
        max_record_bytes: u64,
        identity: Option<Identity>,
        path_dates: Option<PathDates>,
    ) -> anyhow::Result<Option<Enricher>> {
        let agent_from_filename = agent_from_filename
            .map(|r| {
                let re =
                    regex::Regex::new(r).with_context(|| format!("--agent-from-filename `{r}`"))?;
                if re.captures_len() < 2 {
                    bail!(
                        "--agent-from-filename `{r}`: needs a capture group, e.g. `_AGENT_(.*?)_`"
                    );
                }
                Ok(re)
            })
            .transpose()?;
        let metadata = metadata
            .map(|p| Metadata::load(p, max_record_bytes))
            .transpose()?;
        let any = agent_from_filename.is_some()
            || metadata.is_some()
            || identity.is_some()
            || path_dates.is_some();
        Ok(any.then(|| Enricher {
            agent_from_filename,
            metadata,
            identity,
            path_dates,
            path_date_of: Mutex::new(HashMap::new()),
        }))
    }

    /// The agent an id (as `--agent` names it) resolves to.
    pub fn resolve_agent(&self, id: &str) -> String {
        match &self.identity {
            Some(identity) => identity.resolve(id).0,
            None => id.to_string(),
        }
    }

    /// `name_agent` and `join`, for a call read whole from one input.
    #[cfg(test)]
    pub fn enrich(&self, call: &mut Call, input: &Input) -> Enriched {
        self.name_agent(call, input);
        self.join(call, input, false)
    }

    /// `--agent-from-filename`: the agent of a call, or of the part of a call, read from
    /// `input`, when its rows name none. Applied to each part of a call split across files, so
    /// that each file's name counts for the rows it holds (see `Votes`).
    pub fn name_agent(&self, call: &mut Call, input: &Input) {
        if call.agent_id.is_none()
            && call.votes.agent.is_empty()
            && let Some(re) = &self.agent_from_filename
            && let Some(m) = re.captures(input.file_name()).and_then(|c| c.get(1))
            && let Some(agent) = known_id(m.as_str())
        {
            // Composed, as the agents the exports name are by now (`Call::compose_names`).
            call.agent_id = Some(crate::model::nfc(agent).into_owned());
        }
    }

    /// `--agent-case`, `--agents`: counts the rows that name each agent by the agent the id
    /// resolves to, before the call settles on the agent most rows name, so that two
    /// spellings of one agent neither split its rows nor count as a disagreement.
    ///
    /// Says whether the votes were resolved (then the agent they settle on is not resolved
    /// again by `join`), and the first id (by rows) that is no id of the `--agents` file but a
    /// display name it gives (see `Identity::by_name_only`), to be said.
    pub fn resolve_votes(&self, call: &mut Call) -> ResolvedVotes {
        let Some(identity) = self.identity.as_ref() else {
            return ResolvedVotes::default();
        };
        if call.votes.agent.is_empty() {
            return ResolvedVotes::default();
        }
        let mut resolved = Votes::default();
        let mut by_name = None;
        for (raw, rows) in call.votes.agent.counts() {
            if by_name.is_none() && identity.by_name_only(raw) {
                by_name = Some(raw.clone());
            }
            resolved.add(identity.resolve(raw).0, rows);
        }
        call.votes.agent = resolved;
        ResolvedVotes {
            resolved: true,
            by_name,
        }
    }

    fn path_date(&self, call: &Call, input: &Input) -> Option<NaiveDate> {
        self.path_date_of(call.source, input)
    }

    /// The date in the path of `input`, the run's input `source`.
    fn path_date_of(&self, source: u32, input: &Input) -> Option<NaiveDate> {
        let dater = self.path_dates.as_ref()?;
        if input.name == "-" {
            return None;
        }
        let mut cache = self.path_date_of.lock().unwrap_or_else(|e| e.into_inner());
        *cache.entry(source).or_insert_with(|| {
            // The path as typed, or else as the absolute path it stands for: `cd 2026/11/23 &&
            // callaudit audit .` dates its files as `callaudit audit 2026/11/23` does.
            dater.date(&input.name).or_else(|| {
                let absolute = std::path::absolute(&input.name).ok()?;
                dater.date(absolute.to_str()?)
            })
        })
    }

    /// The first file of `call` after its first whose path gives it another day than the
    /// first's path does: (that file's input index, the first's day, its day). Transcripts whose
    /// call id is the file name, in day folders where the names restart every day
    /// (`20/0001.txt`, `21/0001.txt`), are two conversations under one id, not one call. A call
    /// named by a column or field whose every turn is numbered is one call wherever its parts
    /// lie (a call across midnight in an export tree by day: tester t25 F5): its numbering
    /// tells a part that goes on from one that starts again (`Call::absorb`). Without turn
    /// numbers nothing tells a call across midnight from ids that start again every day, so
    /// such a call stays two conversations (reviewer r27).
    pub fn path_dates_apart(
        &self,
        call: &Call,
        inputs: &[Input],
    ) -> Option<(u32, NaiveDate, NaiveDate)> {
        if !call.id_from_file_name && call.turns.iter().all(|t| t.order.is_some()) {
            return None;
        }
        self.path_dates.as_ref()?;
        let first = self.path_date_of(call.source, inputs.get(call.source as usize)?)?;
        call.files.iter().find_map(|&(_, file)| {
            let day = self.path_date_of(file, inputs.get(file as usize)?)?;
            (day != first).then_some((file, first, day))
        })
    }

    /// What a settled call still lacks: `--metadata` fills it from the contact record, the
    /// `--agents` file gives the agent's team, the path (of `input`, the file the call first
    /// came from) its date; the agent id is resolved to its agent.
    ///
    /// `agent_resolved`: the call's agent is the one its rows' votes settled on, resolved
    /// already (`resolve_votes`): it is not resolved again (a name may be another agent's id).
    pub fn join(&self, call: &mut Call, input: &Input, agent_resolved: bool) -> Enriched {
        let had_date = call.date.is_some();
        let agent_resolved = agent_resolved && call.agent_id.is_some();
        let mut out = Enriched::default();
        if let Some(meta) = &self.metadata {
            out.metadata = Some(match meta.find(call.id.trim()) {
                None => Join::NotFound,
                Some(rec) => {
                    // An export's agent its votes settled on is resolved already: not again
                    // (its name may be another agent's id; reviewer r26).
                    let export_agent = |export: &str| {
                        if agent_resolved {
                            export.to_string()
                        } else {
                            self.resolve_agent(export)
                        }
                    };
                    let agent_differs = match (&call.agent_id, &rec.agent_id) {
                        (Some(export), Some(meta))
                            if export_agent(export) != self.resolve_agent(meta) =>
                        {
                            Some(meta.clone())
                        }
                        _ => None,
                    };
                    fill(&mut call.agent_id, &rec.agent_id);
                    fill(&mut call.team, &rec.team);
                    fill(&mut call.queue, &rec.queue);
                    if call.date.is_none() {
                        call.date = rec.date;
                    }
                    Join::Found { agent_differs }
                }
            });
        }
        if !had_date && call.date.is_some() {
            out.date_from = Some(DateFrom::Metadata);
        }
        if let Some(identity) = &self.identity
            && let Some(raw) = call.agent_id.take()
        {
            let (agent, listed) = if agent_resolved {
                let listed = identity.named(&raw);
                (raw.clone(), listed)
            } else {
                identity.resolve(&raw)
            };
            out.agent_unlisted = identity.has_file() && listed.is_none();
            if !agent_resolved && identity.by_name_only(&raw) {
                out.agent_by_name = Some(raw.clone());
            }
            if call.team.is_none() {
                call.team = listed.and_then(|a| a.team.clone());
            }
            call.agent_id = Some(agent);
        }
        if call.date.is_none()
            && let Some(d) = self.path_date(call, input)
        {
            call.date = Some(d);
            out.date_from = Some(DateFrom::Path);
        }
        out
    }
}

fn fill(slot: &mut Option<String>, value: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}

/// The call id column, then the agent, team, date and queue columns.
type Columns = (
    usize,
    Option<usize>,
    Option<usize>,
    Option<usize>,
    Option<usize>,
);

/// The `--metadata` file's columns: the call id's, then the agent's, team's, date's and
/// queue's (at least one of which it must have).
fn columns(headers: &[String], name: &str) -> anyhow::Result<Columns> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let column = |role: Role| {
        CANDIDATES
            .iter()
            .chain(EXTRA)
            .filter(|(r, _)| *r == role)
            .flat_map(|(_, names)| names.iter())
            .find_map(|n| keys.iter().position(|k| k == n))
    };
    let call_col = column(Role::Call);
    let (agent_col, team_col, date_col, queue_col) = (
        column(Role::Agent),
        column(Role::Team),
        column(Role::Date),
        column(Role::Queue),
    );
    let Some(call_col) = call_col else {
        bail!(
            "--metadata {name}:1: no call id column (call_id / contact_id / conversation_id); the header has: {}",
            headers.join(", ")
        );
    };
    if [agent_col, team_col, date_col, queue_col]
        .iter()
        .all(Option::is_none)
    {
        bail!(
            "--metadata {name}:1: nothing to join: expected agent_id, team, date or queue columns besides the call id; the header has: {}",
            headers.join(", ")
        );
    }
    Ok((call_col, agent_col, team_col, date_col, queue_col))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(text: &str) -> anyhow::Result<Metadata> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("meta.csv");
        std::fs::write(&p, text).unwrap();
        Metadata::load(&p, crate::read::DEFAULT_MAX_CALL_BYTES)
    }

    fn err(text: &str) -> String {
        format!("{:#}", meta(text).unwrap_err())
    }

    #[test]
    fn headers_like_the_utterance_csv_and_contact_records() {
        let m = meta("Contact ID;Agent.Username;Team;Initiation Timestamp;Queue\nAB-1;ann;billing;2024-03-05T10:00:00Z;vip\nab-2;;;;\n").unwrap();
        assert_eq!(m.records.len(), 2);
        let r = m.find("ab-1").unwrap();
        assert_eq!(r.agent_id.as_deref(), Some("ann"));
        assert_eq!(r.date, NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(r.queue.as_deref(), Some("vip"));
        assert_eq!(m.find("ab-2").unwrap().agent_id, None);
    }

    #[test]
    fn bad_rows_stop_with_file_and_line() {
        assert!(
            err("call_id,agent_id\nc1,ann\nc2\n")
                .ends_with("meta.csv:3: expected 2 fields like the header, found 1")
        );
        assert!(err("call_id,agent_id\n,ann\n").contains("meta.csv:2: empty call id"));
        assert!(err("call_id,date\nc1,soon\n").contains("meta.csv:2: date `soon` not understood"));
        assert!(
            err("call_id,agent_id\nc1,ann\nc1,bob\n")
                .contains("meta.csv:3: call c1 is also on line 2")
        );
        assert!(err("id,who\n").contains("no call id column"));
        assert!(err("call_id,notes\n").contains("nothing to join"));
        // The same record twice is harmless.
        assert!(meta("call_id,agent_id\nc1,ann\nc1,ann\n").is_ok());
        // Ids that differ in case are two calls, each with its record.
        assert!(meta("call_id,agent_id\nc1,ann\nC1,bob\n").is_ok());
    }

    #[test]
    fn ids_match_exactly_then_ignoring_case_when_that_is_unambiguous() {
        let m = meta(concat!(
            "call_id,agent_id\n",
            "5003000000D8cui,bob\n",
            "5D1C7E10-0A7B,ann\n",
            "tca-7,cy\n",
            "x-1,dee\n",
            "X-1,eve\n",
        ))
        .unwrap();
        let agent = |id: &str| m.find(id).and_then(|r| r.agent_id.as_deref());
        assert_eq!(agent("5003000000D8cui"), Some("bob"));
        // Both mixed case: another Salesforce id, not this one in another case.
        assert_eq!(agent("5003000000D8cuI"), None);
        // One of the two in one case: the same GUID written by another system.
        assert_eq!(agent("5d1c7e10-0a7b"), Some("ann"));
        assert_eq!(agent("TCA-7"), Some("cy"));
        assert_eq!(agent("Tca-7"), Some("cy"));
        // Exactly first, whatever else fits ignoring case.
        assert_eq!((agent("x-1"), agent("X-1")), (Some("dee"), Some("eve")));
        // Ignoring case, two records fit: neither is taken.
        let m = meta("call_id,agent_id\nab-1,dee\nAB-1,eve\n").unwrap();
        assert_eq!(m.find("Ab-1").and_then(|r| r.agent_id.as_deref()), None);
    }

    #[test]
    fn the_export_wins_and_metadata_fills_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("meta.csv");
        std::fs::write(
            &p,
            "call_id,agent_id,team,date\nc1,ann,billing,2024-03-05\nc2,bob,,\n",
        )
        .unwrap();
        let e = Enricher::new(None, Some(&p), crate::read::DEFAULT_MAX_CALL_BYTES)
            .unwrap()
            .unwrap();
        let input = crate::read::input::discover(&[p.display().to_string()])
            .unwrap()
            .inputs
            .remove(0);
        let mut c1 = Call::new("C1");
        assert_eq!(
            e.enrich(&mut c1, &input).metadata,
            Some(Join::Found {
                agent_differs: None
            })
        );
        assert_eq!((c1.agent(), c1.team.as_deref()), ("ann", Some("billing")));
        assert_eq!(c1.date, NaiveDate::from_ymd_opt(2024, 3, 5));
        let mut c2 = Call::new("c2");
        c2.agent_id = Some("carol".into());
        assert_eq!(
            e.enrich(&mut c2, &input).metadata,
            Some(Join::Found {
                agent_differs: Some("bob".into())
            })
        );
        assert_eq!(c2.agent(), "carol");
        let mut c3 = Call::new("c3");
        assert_eq!(e.enrich(&mut c3, &input).metadata, Some(Join::NotFound));
    }
}
