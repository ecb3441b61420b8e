//! Agent identity: which agent ids are one agent, and under what name a report shows them.
//!
//! Exports spell agents differently (`Ann.Lee` in the phone system, `ann.lee` in the chat tool,
//! an employee number in the CRM). `--agent-case insensitive` makes ids that differ only in
//! letter case one agent, reported in lower case. `--agents FILE.csv` lists agents by id with a
//! display name and a team: every id of a row is reported under its display name, so ids that
//! share a name are one agent, and the team fills calls whose export and metadata name none.
//! Ids not in the file keep their id (counted, and the first one named in a warning, so that a
//! new agent missing from the file is noticed).
//!
//! The same resolution applies to `--agent` filters, so a filter may name an id or a display
//! name.

use crate::model::nfc;
use crate::read::csv::header_key;
use crate::read::csv::side::SideFile;
use anyhow::bail;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// `--agent-case`: whether agent ids from the identity file match case-sensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AgentCase {
    Exact,
    Insensitive,
}

/// An agent of the `--agents` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// The display name: the report's key for the agent.
    pub name: String,
    pub team: Option<String>,
    /// The line that first named the agent, for messages.
    line: u64,
}

/// How agent ids become agents.
#[derive(Debug)]
pub struct Identity {
    insensitive: bool,
    /// Id (lower-cased when insensitive) → agent.
    by_id: HashMap<String, usize>,
    agents: Vec<Agent>,
    /// The keys of `by_id` that are only display names, no id of the file.
    name_only: HashSet<String>,
    /// Display name → agent.
    by_name: HashMap<String, usize>,
    /// The `--agents` file, as named on the command line.
    pub file: Option<String>,
}

/// Header names of the `--agents` columns.
const ID: &[&str] = &["id", "agent_id", "agent", "agentid", "user_id", "username"];
const NAME: &[&str] = &[
    "name",
    "display_name",
    "displayname",
    "agent_name",
    "full_name",
];
const TEAM: &[&str] = &["team", "team_name", "group"];

impl Identity {
    /// `None` when ids are taken as they are (exact case, no `--agents` file).
    /// A record of the file longer than `max_record_bytes` stops the run.
    pub fn new(
        case: AgentCase,
        file: Option<&Path>,
        max_record_bytes: u64,
    ) -> anyhow::Result<Option<Identity>> {
        let insensitive = case == AgentCase::Insensitive;
        if !insensitive && file.is_none() {
            return Ok(None);
        }
        let mut id = Identity {
            insensitive,
            by_id: HashMap::new(),
            agents: Vec::new(),
            name_only: HashSet::new(),
            by_name: HashMap::new(),
            file: file.map(|p| p.display().to_string()),
        };
        if let Some(path) = file {
            id.load(path, max_record_bytes)?;
        }
        Ok(Some(id))
    }

    /// An id as it is looked up: trimmed, composed (`nfc`), and lower-cased when insensitive.
    fn key<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        let raw = nfc(raw.trim());
        if self.insensitive {
            // Lower-casing may leave a string that is not composed.
            nfc(&raw.to_lowercase()).into_owned().into()
        } else {
            raw
        }
    }

    /// Reads the `--agents` file. A row that would make the mapping ambiguous stops the run
    /// with its file and line: an id listed twice with different names or teams, or one
    /// display name on two teams.
    fn load(&mut self, path: &Path, max_record_bytes: u64) -> anyhow::Result<()> {
        let name = path.display().to_string();
        let mut side = SideFile::open("--agents", path, max_record_bytes, "id, name and team")?;
        let headers = side.headers.clone();
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let column = |names: &[&str]| names.iter().find_map(|n| keys.iter().position(|k| k == n));
        let (Some(id_col), name_col, team_col) = (column(ID), column(NAME), column(TEAM)) else {
            bail!(
                "--agents {name}:1: no id column (id / agent_id / agent); expected a header with id, name and team; the header has: {}",
                headers.join(", ")
            );
        };
        if name_col.is_none() && team_col.is_none() {
            bail!(
                "--agents {name}:1: expected a name or a team column besides the id; the header has: {}",
                headers.join(", ")
            );
        }
        // Display name → its agent, so that the ids sharing a name share the agent.
        let mut by_name: HashMap<String, usize> = HashMap::new();
        while let Some((line, record)) = side.next_record()? {
            let cell = |c: Option<usize>| {
                c.map(|c| nfc(record[c].trim()).into_owned())
                    .filter(|s| !s.is_empty())
            };
            let Some(id) = cell(Some(id_col)) else {
                bail!(
                    "--agents {name}:{line}: empty id (column `{}`)",
                    headers[id_col]
                );
            };
            let display = cell(name_col).unwrap_or_else(|| id.clone());
            let team = cell(team_col);
            let agent = self.agent_named(&mut by_name, display, team, &name, line)?;
            let key = self.key(&id).into_owned();
            match self.by_id.get(&key) {
                Some(&other) if other != agent => {
                    let same = if self.insensitive {
                        " (ids are compared ignoring case: --agent-case insensitive)"
                    } else {
                        ""
                    };
                    bail!(
                        "--agents {name}:{line}: id {id} is also on line {} as {}{same}: an id names one agent",
                        self.agents[other].line,
                        self.agents[other].name
                    );
                }
                Some(_) => {}
                None => {
                    self.by_id.insert(key, agent);
                }
            }
        }
        self.by_name = by_name;
        // A display name may be given where an id is expected (`--agent "Ann Lee"`).
        for (i, a) in self.agents.iter().enumerate() {
            let key = self.key(&a.name).into_owned();
            if let std::collections::hash_map::Entry::Vacant(e) = self.by_id.entry(key) {
                self.name_only.insert(e.key().clone());
                e.insert(i);
            }
        }
        Ok(())
    }

    /// The agent a row's display name is: the one already named so (on the same team, else
    /// the run stops), or a new one.
    fn agent_named(
        &mut self,
        by_name: &mut HashMap<String, usize>,
        display: String,
        team: Option<String>,
        name: &str,
        line: u64,
    ) -> anyhow::Result<usize> {
        Ok(match by_name.get(&display) {
            Some(&i) => {
                let known = &self.agents[i];
                if known.team != team {
                    bail!(
                        "--agents {name}:{line}: {display} is on team {} here but on team {} on line {}: an agent has one team",
                        team.as_deref().unwrap_or("(none)"),
                        known.team.as_deref().unwrap_or("(none)"),
                        known.line
                    );
                }
                i
            }
            None => {
                self.agents.push(Agent {
                    name: display.clone(),
                    team,
                    line,
                });
                by_name.insert(display.clone(), self.agents.len() - 1);
                self.agents.len() - 1
            }
        })
    }

    /// The agent an id names: its display name and team when listed, else the id itself (in
    /// lower case when insensitive). `None` for an id the file does not list.
    pub fn resolve(&self, raw: &str) -> (String, Option<&Agent>) {
        let key = self.key(raw);
        match self.by_id.get(key.as_ref()) {
            Some(&i) => (self.agents[i].name.clone(), Some(&self.agents[i])),
            None => (key.into_owned(), None),
        }
    }

    /// The listed agent an agent resolved already (`resolve`'s name) is: a name is not resolved
    /// again as an id (one agent's name may be another's id).
    pub fn named(&self, resolved: &str) -> Option<&Agent> {
        self.by_name.get(resolved).map(|&i| &self.agents[i])
    }

    /// Whether `raw` is no id of the `--agents` file but the display name it gives an agent (an
    /// export that names agents by name, or another agent whose id is that name: worth saying).
    pub fn by_name_only(&self, raw: &str) -> bool {
        !self.name_only.is_empty() && self.name_only.contains(self.key(raw).as_ref())
    }

    /// Whether the `--agents` file lists agents (an unlisted id is worth a warning).
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::nfc_in_place;

    fn load(case: AgentCase, text: &str) -> anyhow::Result<Identity> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("agents.csv");
        std::fs::write(&p, text).unwrap();
        Ok(Identity::new(case, Some(&p), crate::read::DEFAULT_MAX_CALL_BYTES)?.unwrap())
    }

    fn err(case: AgentCase, text: &str) -> String {
        format!("{:#}", load(case, text).unwrap_err())
    }

    #[test]
    fn ids_sharing_a_name_are_one_agent() {
        let id = load(
            AgentCase::Exact,
            "id,display name,team\nann.lee,Ann Lee,billing\nA-1044,Ann Lee,billing\nbo,Bo Chen,\n",
        )
        .unwrap();
        assert_eq!(id.resolve("ann.lee").0, "Ann Lee");
        assert_eq!(id.resolve(" A-1044 ").0, "Ann Lee");
        assert_eq!(
            id.resolve("A-1044").1.unwrap().team.as_deref(),
            Some("billing")
        );
        assert_eq!(id.resolve("Ann Lee").0, "Ann Lee", "a display name");
        assert_eq!(id.resolve("bo").1.unwrap().team, None);
        assert_eq!(id.resolve("Ann.Lee"), ("Ann.Lee".to_string(), None));
    }

    /// Composed and decomposed spellings are one string, composed; ASCII and composed text is
    /// borrowed, not copied.
    #[test]
    fn names_are_composed() {
        assert_eq!(nfc("zoe\u{308}"), "zo\u{eb}");
        assert!(matches!(nfc("zo\u{eb}"), Cow::Borrowed(_)));
        assert!(matches!(nfc("ann.lee"), Cow::Borrowed(_)));
        assert!(matches!(nfc("李雷"), Cow::Borrowed(_)));
        let mut s = "Mu\u{308}ller".to_string();
        nfc_in_place(&mut s);
        assert_eq!(s, "M\u{fc}ller");
        let id = load(AgentCase::Insensitive, "id,name\nZOE\u{308},Zoe\u{308}\n").unwrap();
        assert_eq!(id.resolve("zo\u{eb}").0, "Zo\u{eb}");
        assert_eq!(id.resolve("Zo\u{eb}").0, "Zo\u{eb}", "the display name");
    }

    #[test]
    fn insensitive_ids_are_lower_cased() {
        let id = Identity::new(AgentCase::Insensitive, None, 1)
            .unwrap()
            .unwrap();
        assert_eq!(id.resolve("Ann.Lee").0, "ann.lee");
        assert_eq!(id.resolve("ÉLODIE").0, "élodie");
        let id = load(AgentCase::Insensitive, "id,name\nann.lee,Ann Lee\n").unwrap();
        assert_eq!(id.resolve("ANN.LEE").0, "Ann Lee");
        assert!(Identity::new(AgentCase::Exact, None, 1).unwrap().is_none());
    }

    #[test]
    fn ambiguous_files_stop_with_file_and_line() {
        let e = err(
            AgentCase::Exact,
            "id,name,team\nann,Ann,billing\nann,Ann B,billing\n",
        );
        assert!(
            e.contains("agents.csv:3: id ann is also on line 2 as Ann"),
            "{e}"
        );
        let e = err(
            AgentCase::Exact,
            "id,name,team\nann,Ann,billing\na2,Ann,sales\n",
        );
        assert!(
            e.contains("agents.csv:3: Ann is on team sales here but on team billing on line 2"),
            "{e}"
        );
        let e = err(AgentCase::Insensitive, "id,name\nann,Ann\nANN,Annie\n");
        assert!(e.contains("agents.csv:3: id ANN is also on line 2"), "{e}");
        assert!(e.contains("ignoring case"), "{e}");
        let e = err(AgentCase::Exact, "id,name\nann\n");
        assert!(e.contains("agents.csv:2: expected 2 fields"), "{e}");
        let e = err(AgentCase::Exact, "who,name\nann,Ann\n");
        assert!(e.contains("agents.csv:1: no id column"), "{e}");
        let e = err(AgentCase::Exact, "id,name\n,Ann\n");
        assert!(e.contains("agents.csv:2: empty id"), "{e}");
        // The same row twice is fine.
        assert!(load(AgentCase::Exact, "id,name\nann,Ann\nann,Ann\n").is_ok());
    }
}
