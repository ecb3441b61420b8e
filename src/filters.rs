//! Which calls a run audits: the date range, agents, teams and call ids asked for. The reading
//! pipeline applies them to each assembled call; the accounting names the calls they leave out,
//! and the report's header says which filters chose the calls.

use crate::model::Call;
use chrono::NaiveDate;

/// Which calls to audit.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub agents: Vec<String>,
    pub teams: Vec<String>,
    /// Only this call (explain).
    pub call: Option<String>,
    /// Only these calls (calibrate, the transcripts of a sample).
    pub only: Option<std::collections::HashSet<String>>,
    /// Ids, lowercased, whose spellings in the inputs are noted whatever the filters do with
    /// the call (`FilteredOut::spellings`): for a "did you mean" on ids a sheet names in
    /// another case (`calibrate`, `--overrides`).
    pub spellings: Option<std::collections::HashSet<String>>,
}

impl Filters {
    pub fn has_date(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Whether the call `id` is one asked for by id (`call`, `only`).
    pub(crate) fn asks_for(&self, id: &str) -> bool {
        self.call.as_deref() == Some(id) || self.only.as_ref().is_some_and(|o| o.contains(id))
    }

    /// Why a call is excluded, or `None` when it is kept.
    pub(crate) fn excludes(&self, call: &Call) -> Option<Excluded> {
        if let Some(id) = &self.call
            && call.id != *id
        {
            return Some(Excluded::Call);
        }
        if let Some(only) = &self.only
            && !only.contains(&call.id)
        {
            return Some(Excluded::Call);
        }
        if self.has_date() {
            match call.date {
                None => return Some(Excluded::NoDate),
                Some(d) => {
                    if self.since.is_some_and(|s| d < s) || self.until.is_some_and(|u| d > u) {
                        return Some(Excluded::Date(d));
                    }
                }
            }
        }
        if !self.agents.is_empty() && !self.agents.iter().any(|a| a == call.agent()) {
            return Some(Excluded::Agent);
        }
        if !self.teams.is_empty() {
            match &call.team {
                None => return Some(Excluded::NoTeam),
                Some(t) if !self.teams.iter().any(|x| x == t) => return Some(Excluded::Team),
                Some(_) => {}
            }
        }
        None
    }
}

/// Why `Filters` leave a call out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Excluded {
    /// Not the call (`--call`, or not in the list of calls asked for).
    Call,
    /// A date filter is set and the call has no date.
    NoDate,
    /// Outside `--since`/`--until`: the call's date.
    Date(NaiveDate),
    /// Not one of the `--agent`s.
    Agent,
    /// Not one of the `--team`s.
    Team,
    /// A `--team` is asked for and the call has none.
    NoTeam,
}
