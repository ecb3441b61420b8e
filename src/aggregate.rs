//! Totals per group (agent, team, day, week, queue) and overall. Integer counters only, so
//! totals do not depend on the order calls arrive in.

use crate::audit::{CallAudit, Verdict};
use crate::rubric::{Kind, Rubric};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GroupBy {
    #[default]
    Agent,
    Team,
    Date,
    Week,
    Queue,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Agent => "agent",
            GroupBy::Team => "team",
            GroupBy::Date => "date",
            GroupBy::Week => "week",
            GroupBy::Queue => "queue",
        }
    }

    pub fn key(self, a: &CallAudit) -> String {
        let none = || "(none)".to_string();
        match self {
            GroupBy::Agent => a.agent_id.clone(),
            GroupBy::Team => a.team.clone().unwrap_or_else(none),
            GroupBy::Queue => a.queue.clone().unwrap_or_else(none),
            GroupBy::Date => a.date.map_or_else(none, |d| d.to_string()),
            GroupBy::Week => a.date.map_or_else(none, |d| {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }),
        }
    }
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
    pub items: Vec<ItemTotals>,
}

impl Totals {
    fn new(n_items: usize) -> Totals {
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
        for ((t, o), item) in self.items.iter_mut().zip(&a.items).zip(&rubric.items) {
            if o.verdict == Verdict::NotApplicable {
                continue;
            }
            t.applicable += 1;
            t.occurred += u64::from(o.verdict.occurred());
            t.matches += u64::from(o.count);
            if item.kind == Kind::Violation && o.verdict == Verdict::Violated {
                self.violations += u64::from(o.count);
            }
        }
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
        for (a, b) in self.items.iter_mut().zip(&o.items) {
            a.applicable += b.applicable;
            a.occurred += b.occurred;
            a.matches += b.matches;
        }
    }

    /// Mean score, 0–100.
    pub fn mean_score(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.score_centi as f64 / 100.0 / self.calls as f64)
    }
}

/// Totals of a run: per group, overall, and the dates seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
    pub group_by: GroupBy,
    pub groups: BTreeMap<String, Totals>,
    pub overall: Totals,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    n_items: usize,
}

impl Aggregate {
    pub fn new(rubric: &Rubric, group_by: GroupBy) -> Aggregate {
        Aggregate {
            group_by,
            groups: BTreeMap::new(),
            overall: Totals::new(rubric.items.len()),
            first_date: None,
            last_date: None,
            n_items: rubric.items.len(),
        }
    }

    pub fn add(&mut self, rubric: &Rubric, a: &CallAudit) {
        // Look the group up by reference first: a key is only allocated for a new group.
        let totals = match self.group_by {
            GroupBy::Agent => self.groups.get_mut(a.agent_id.as_str()),
            _ => None,
        };
        match totals {
            Some(t) => t.add(rubric, a),
            None => {
                let n = self.n_items;
                self.groups
                    .entry(self.group_by.key(a))
                    .or_insert_with(|| Totals::new(n))
                    .add(rubric, a);
            }
        }
        self.overall.add(rubric, a);
        if let Some(d) = a.date {
            self.first_date = Some(self.first_date.map_or(d, |f| f.min(d)));
            self.last_date = Some(self.last_date.map_or(d, |l| l.max(d)));
        }
    }

    pub fn clear(&mut self) {
        self.groups.clear();
        self.overall = Totals::new(self.n_items);
        self.first_date = None;
        self.last_date = None;
    }
}
