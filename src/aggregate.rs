//! Totals per group and overall. A group is a path of one value per level (`--group-by
//! team,agent` gives `[team, agent]`); a `call` level makes one line per call. Integer counters
//! only, so totals do not depend on the order calls arrive in, and the totals of any set of
//! lines merge exactly (subtotals of a nested report are merged from its leaf lines).

use crate::audit::{CallAudit, Verdict};
use crate::rubric::{Kind, Rubric};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum GroupBy {
    #[default]
    Agent,
    Team,
    Date,
    Week,
    Queue,
    /// One line per call.
    Call,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Agent,
        GroupBy::Team,
        GroupBy::Date,
        GroupBy::Week,
        GroupBy::Queue,
        GroupBy::Call,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Agent => "agent",
            GroupBy::Team => "team",
            GroupBy::Date => "date",
            GroupBy::Week => "week",
            GroupBy::Queue => "queue",
            GroupBy::Call => "call",
        }
    }

    pub fn from_name(name: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Parses `--group-by`: one level, or several separated by commas (`team,agent`). A level
    /// may appear once; `call` may only be the last.
    pub fn parse_levels(spec: &str) -> Result<Vec<GroupBy>, String> {
        let names: Vec<&str> = ["agent", "team", "date", "week", "queue", "call"].to_vec();
        let mut levels = Vec::new();
        for part in spec.split(',').map(str::trim) {
            let Some(g) = GroupBy::from_name(&part.to_ascii_lowercase()) else {
                return Err(format!(
                    "`{part}` is not a level: expected one or more of {}, separated by commas (team,agent)",
                    names.join(", ")
                ));
            };
            if levels.contains(&g) {
                return Err(format!("`{part}` is named twice"));
            }
            if levels.last() == Some(&GroupBy::Call) {
                return Err("`call` must be the last level (one line per call)".into());
            }
            levels.push(g);
        }
        Ok(levels)
    }

    /// The call's own value at this level, when it has one as written (not a date, which the
    /// reports write themselves).
    fn written(self, a: &CallAudit) -> Option<&str> {
        match self {
            GroupBy::Agent => Some(&a.agent_id),
            GroupBy::Team => a.team.as_deref(),
            GroupBy::Queue => a.queue.as_deref(),
            GroupBy::Call => Some(&a.call_id),
            GroupBy::Date | GroupBy::Week => None,
        }
    }

    pub fn key(self, a: &CallAudit) -> String {
        self.value(
            &a.agent_id,
            a.team.as_deref(),
            a.queue.as_deref(),
            a.date,
            &a.call_id,
        )
    }

    /// A call's value at this level from its parts: the one rule for `key` and for the HTML
    /// call list's `CallView::key`, which must give the same lines.
    pub fn value(
        self,
        agent: &str,
        team: Option<&str>,
        queue: Option<&str>,
        date: Option<NaiveDate>,
        call: &str,
    ) -> String {
        let none = "(none)";
        match self {
            GroupBy::Agent => agent.to_string(),
            GroupBy::Team => team.unwrap_or(none).to_string(),
            GroupBy::Queue => queue.unwrap_or(none).to_string(),
            GroupBy::Date => date.map_or_else(|| none.to_string(), |d| d.to_string()),
            GroupBy::Week => date.map_or_else(|| none.to_string(), week_of),
            GroupBy::Call => call.to_string(),
        }
    }
}

/// The ISO week of a day: `2026-W47`.
pub fn week_of(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ItemTotals {
    /// Calls where the item applied.
    pub applicable: u64,
    /// Calls where it occurred (met, violated, present) and applied.
    pub occurred: u64,
    /// Matches summed over calls where it applied.
    pub matches: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub calls: u64,
    pub turns: u64,
    pub upset_calls: u64,
    /// Upset calls whose calmed signal applied, and those where the customer calmed.
    pub calmed_known: u64,
    pub calmed: u64,
    pub score_centi: u64,
    pub passed: u64,
    /// Matches of violation items (in calls where they applied).
    pub violations: u64,
    /// Calls where at least one violation item was violated.
    pub violation_calls: u64,
    pub items: Vec<ItemTotals>,
}

impl Totals {
    pub fn new(n_items: usize) -> Totals {
        Totals {
            items: vec![ItemTotals::default(); n_items],
            ..Totals::default()
        }
    }

    fn add(&mut self, rubric: &Rubric, a: &CallAudit) {
        self.calls += 1;
        self.turns += u64::from(a.turns);
        self.score_centi += u64::from(a.score_centi);
        self.passed += u64::from(a.passed);
        if a.upset == Some(true) {
            self.upset_calls += 1;
        }
        if let Some(c) = a.calmed {
            self.calmed_known += 1;
            self.calmed += u64::from(c);
        }
        let mut violated = false;
        for ((t, o), item) in self.items.iter_mut().zip(&a.items).zip(&rubric.items) {
            if o.verdict == Verdict::NotApplicable {
                continue;
            }
            t.applicable += 1;
            t.occurred += u64::from(o.verdict.occurred());
            t.matches += u64::from(o.count);
            if item.kind == Kind::Violation && o.verdict == Verdict::Violated {
                self.violations += u64::from(o.count);
                violated = true;
            }
        }
        self.violation_calls += u64::from(violated);
    }

    pub fn merge(&mut self, o: &Totals) {
        self.calls += o.calls;
        self.turns += o.turns;
        self.upset_calls += o.upset_calls;
        self.calmed_known += o.calmed_known;
        self.calmed += o.calmed;
        self.score_centi += o.score_centi;
        self.passed += o.passed;
        self.violations += o.violations;
        self.violation_calls += o.violation_calls;
        if self.items.len() < o.items.len() {
            self.items.resize(o.items.len(), ItemTotals::default());
        }
        for (a, b) in self.items.iter_mut().zip(&o.items) {
            a.applicable += b.applicable;
            a.occurred += b.occurred;
            a.matches += b.matches;
        }
    }

    /// Mean score, 0–100, as the reports print it: to one decimal, from the exact sum of the
    /// kept scores (`crate::audit::tenths`), so 5.38, 0.00 and 30.77 give 12.1, as a
    /// spreadsheet's average of the calls' `score` column rounds.
    pub fn mean_score(&self) -> Option<f64> {
        mean_of(self.score_centi, self.calls)
    }
}

/// The mean of `calls` scores summing to `score_centi` hundredths, to one decimal (see
/// `Totals::mean_score`).
pub fn mean_of(score_centi: u64, calls: u64) -> Option<f64> {
    crate::audit::tenths(u128::from(score_centi), 10 * u128::from(calls))
}

/// What a call's own line shows beyond its totals (`--group-by call`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallInfo {
    pub agent_id: String,
    pub date: Option<NaiveDate>,
    pub upset: Option<bool>,
    pub calmed: Option<bool>,
}

/// The labels the reports give lines of their own: the overall line, and the line of calls
/// without a team, queue or date. A value written so in the export prints like them.
pub const RESERVED_LABELS: [&str; 2] = ["(all)", "(none)"];

/// Bins of the score distribution: 0–9.99, 10–19.99, …, 90–100.
pub const SCORE_BINS: usize = 10;

/// Totals of a run: per group, overall, per day, and the dates seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
    /// The levels of a line, outermost first (`--group-by team,agent`).
    pub levels: Vec<GroupBy>,
    /// Leaf lines by their path (one value per level).
    pub groups: BTreeMap<Vec<String>, Totals>,
    /// Per call id, when a level is `call`.
    pub calls: BTreeMap<String, CallInfo>,
    pub overall: Totals,
    /// Totals per day, for trends.
    pub by_date: BTreeMap<NaiveDate, Totals>,
    /// Calls per score bin (`SCORE_BINS` of 10 points; 100 falls in the last).
    pub score_bins: [u64; SCORE_BINS],
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    /// Values of a level written in the export as one of `RESERVED_LABELS` (level, value).
    pub reserved: BTreeSet<(&'static str, String)>,
    n_items: usize,
}

impl Aggregate {
    pub fn new(rubric: &Rubric, group_by: GroupBy) -> Aggregate {
        Aggregate::with_levels(rubric, vec![group_by])
    }

    pub fn with_levels(rubric: &Rubric, levels: Vec<GroupBy>) -> Aggregate {
        assert!(!levels.is_empty(), "a report has at least one level");
        Aggregate {
            levels,
            groups: BTreeMap::new(),
            calls: BTreeMap::new(),
            overall: Totals::new(rubric.items.len()),
            by_date: BTreeMap::new(),
            score_bins: [0; SCORE_BINS],
            first_date: None,
            last_date: None,
            reserved: BTreeSet::new(),
            n_items: rubric.items.len(),
        }
    }

    /// The levels' names joined by commas, as `--group-by` takes them: `team,agent`.
    pub fn group_by_name(&self) -> String {
        group_by_name(&self.levels)
    }

    pub fn add(&mut self, rubric: &Rubric, a: &CallAudit) {
        let n = self.n_items;
        // One level: look the group up by reference first, so a key is only allocated for a
        // new group.
        let totals = match self.levels.as_slice() {
            [GroupBy::Agent] => self.groups.get_mut(std::slice::from_ref(&a.agent_id)),
            _ => None,
        };
        match totals {
            Some(t) => t.add(rubric, a),
            None => {
                let key: Vec<String> = self.levels.iter().map(|g| g.key(a)).collect();
                self.groups
                    .entry(key)
                    .or_insert_with(|| Totals::new(n))
                    .add(rubric, a);
            }
        }
        if self.levels.contains(&GroupBy::Call) {
            self.calls.insert(
                a.call_id.clone(),
                CallInfo {
                    agent_id: a.agent_id.clone(),
                    date: a.date,
                    upset: a.upset,
                    calmed: a.calmed,
                },
            );
        }
        for &g in &self.levels {
            // An agent named `(none)` is its own line: calls without an agent are `(unknown)`,
            // said where the calls are read (tester t25 F3).
            if let Some(v) = g.written(a)
                && v.starts_with('(')
                && RESERVED_LABELS.contains(&v)
                && !(g == GroupBy::Agent && v == "(none)")
            {
                self.reserved.insert((g.name(), v.to_string()));
            }
        }
        self.overall.add(rubric, a);
        let bin = (a.score_centi as usize / 1000).min(SCORE_BINS - 1);
        self.score_bins[bin] += 1;
        if let Some(d) = a.date {
            self.by_date
                .entry(d)
                .or_insert_with(|| Totals::new(n))
                .add(rubric, a);
            self.first_date = Some(self.first_date.map_or(d, |f| f.min(d)));
            self.last_date = Some(self.last_date.map_or(d, |l| l.max(d)));
        }
    }

    pub fn clear(&mut self) {
        self.groups.clear();
        self.calls.clear();
        self.overall = Totals::new(self.n_items);
        self.by_date.clear();
        self.score_bins = [0; SCORE_BINS];
        self.first_date = None;
        self.last_date = None;
        self.reserved.clear();
    }
}

pub fn group_by_name(levels: &[GroupBy]) -> String {
    levels
        .iter()
        .map(|g| g.name())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_in_order_and_refuse_repeats() {
        assert_eq!(
            GroupBy::parse_levels("team,agent").unwrap(),
            vec![GroupBy::Team, GroupBy::Agent]
        );
        assert_eq!(
            GroupBy::parse_levels("Agent, week").unwrap(),
            vec![GroupBy::Agent, GroupBy::Week]
        );
        assert!(
            GroupBy::parse_levels("agent,agent")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            GroupBy::parse_levels("call,agent")
                .unwrap_err()
                .contains("last")
        );
        assert!(
            GroupBy::parse_levels("agnet")
                .unwrap_err()
                .contains("`agnet` is not a level")
        );
    }

    #[test]
    fn totals_merge_exactly() {
        let mut a = Totals::new(2);
        a.calls = 3;
        a.violation_calls = 1;
        a.items[1].occurred = 2;
        let mut b = Totals::new(2);
        b.calls = 2;
        b.violation_calls = 2;
        b.items[1].occurred = 1;
        a.merge(&b);
        assert_eq!((a.calls, a.violation_calls, a.items[1].occurred), (5, 3, 3));
    }
}
