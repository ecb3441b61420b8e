//! What a report covers: the filters its run applied (`--since`, `--until`, `--last` resolved
//! to days, `--agent`, `--team`), said in every report's header and recorded in a partial's,
//! so that a report mailed without its command line still says what it is about. A merge's
//! runs may each have had their own: their date windows are joined where they touch (seven
//! nights of `--last 1d` are one week), and runs that took other agents or teams are listed
//! apart.

use crate::filters::Filters;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days a run kept: from `since` to `until`, both included; either end open when not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateWindow {
    #[serde(with = "day")]
    pub since: Option<NaiveDate>,
    #[serde(with = "day")]
    pub until: Option<NaiveDate>,
}

impl DateWindow {
    /// `2026-11-17`, `2026-11-17 to 2026-11-23`, `2026-11-17 or later`, `2026-11-23 or earlier`.
    pub fn text(&self) -> String {
        match (self.since, self.until) {
            (Some(s), Some(u)) if s == u => format!("{s}"),
            (Some(s), Some(u)) => format!("{s} to {u}"),
            (Some(s), None) => format!("{s} or later"),
            (None, Some(u)) => format!("{u} or earlier"),
            (None, None) => "any date".to_string(),
        }
    }

    /// Whether `next` (which starts no earlier) overlaps this window or begins the day after it.
    fn touches(&self, next: &DateWindow) -> bool {
        match (self.until, next.since) {
            (None, _) | (_, None) => true,
            (Some(u), Some(s)) => s <= u || u.succ_opt() == Some(s),
        }
    }
}

/// Dates as `2026-11-17` in partials.
mod day {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| d.to_string()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| s.parse::<NaiveDate>().map_err(D::Error::custom))
            .transpose()
    }
}

/// The filters of a run, or of the runs of a merge that took the same agents and teams.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFilters {
    /// The days kept, oldest first, none overlapping or touching; empty: every date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateWindow>,
    /// `--agent` (as the report names agents: through `--agent-case` and `--agents`) and
    /// `--team`, sorted; empty: every agent, every team.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    /// Filters known only as the text a partial's header gave them (one written before they
    /// were recorded apart): shown as they are.
    #[serde(skip)]
    pub as_text: Option<String>,
}

impl RunFilters {
    /// The filters of a run (`--agent` already resolved as the report names agents).
    pub fn of(filters: &Filters) -> RunFilters {
        let sorted = |list: &[String]| {
            let mut list = list.to_vec();
            list.sort();
            list.dedup();
            list
        };
        RunFilters {
            dates: if filters.has_date() {
                vec![DateWindow {
                    since: filters.since,
                    until: filters.until,
                }]
            } else {
                Vec::new()
            },
            agents: sorted(&filters.agents),
            teams: sorted(&filters.teams),
            as_text: None,
        }
    }

    /// Filters a partial's header gave only as text.
    pub fn from_text(text: &str) -> RunFilters {
        RunFilters {
            as_text: Some(text.to_string()).filter(|t| !t.is_empty()),
            ..RunFilters::default()
        }
    }

    /// Whether no filter was applied.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
            && self.agents.is_empty()
            && self.teams.is_empty()
            && self.as_text.is_none()
    }

    /// `dated 2026-11-17 to 2026-11-23; agent ann, bo; team north` (a partial's header records
    /// this text); `no filter` when there is none.
    pub fn text(&self) -> String {
        if let Some(t) = &self.as_text {
            return t.clone();
        }
        let mut parts = Vec::new();
        if !self.dates.is_empty() {
            let windows: Vec<String> = self.dates.iter().map(DateWindow::text).collect();
            parts.push(format!("dated {}", windows.join(", ")));
        }
        for (what, list) in [("agent", &self.agents), ("team", &self.teams)] {
            if !list.is_empty() {
                parts.push(format!("{what} {}", list.join(", ")));
            }
        }
        if parts.is_empty() {
            return "no filter".to_string();
        }
        parts.join("; ")
    }
}

/// Runs whose filters took the same agents and teams (and, for filters known only as text,
/// the same text).
type GroupKey = (Vec<String>, Vec<String>, Option<String>);

/// The filters of the runs a report is made of: one entry per set of agents and teams, with
/// the date windows of its runs joined (a run with no date filter: every date). Empty when no
/// run was filtered.
pub fn merged(runs: &[RunFilters]) -> Vec<RunFilters> {
    if runs.iter().all(RunFilters::is_empty) {
        return Vec::new();
    }
    let mut groups: BTreeMap<GroupKey, Vec<&RunFilters>> = BTreeMap::new();
    for r in runs {
        let key = (r.agents.clone(), r.teams.clone(), r.as_text.clone());
        groups.entry(key).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|((agents, teams, as_text), runs)| {
            let dates = if runs.iter().any(|r| r.dates.is_empty()) {
                Vec::new()
            } else {
                join_windows(runs.iter().flat_map(|r| r.dates.iter().copied()).collect())
            };
            RunFilters {
                dates,
                agents,
                teams,
                as_text,
            }
        })
        .collect()
}

/// Windows sorted and joined where they overlap or touch.
fn join_windows(mut windows: Vec<DateWindow>) -> Vec<DateWindow> {
    // An open start sorts first.
    windows.sort_by_key(|w| (w.since, w.until.is_none(), w.until));
    let mut joined: Vec<DateWindow> = Vec::new();
    for w in windows {
        match joined.last_mut() {
            Some(last) if last.touches(&w) => {
                last.until = match (last.until, w.until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => joined.push(w),
        }
    }
    joined
}

/// The filters of a report as one text: each set's (`… | …`); empty when there were none.
pub fn text(filters: &[RunFilters]) -> String {
    filters
        .iter()
        .map(RunFilters::text)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 11, d)
    }

    fn window(since: Option<NaiveDate>, until: Option<NaiveDate>) -> RunFilters {
        RunFilters {
            dates: vec![DateWindow { since, until }],
            ..RunFilters::default()
        }
    }

    #[test]
    fn a_runs_filters_read_as_its_partial_records_them() {
        let f = Filters {
            since: day(3),
            until: day(30),
            teams: vec!["billing".into()],
            agents: vec!["bo".into(), "ann".into(), "bo".into()],
            ..Filters::default()
        };
        assert_eq!(
            RunFilters::of(&f).text(),
            "dated 2026-11-03 to 2026-11-30; agent ann, bo; team billing"
        );
        assert_eq!(window(day(3), day(3)).text(), "dated 2026-11-03");
        assert_eq!(window(day(3), None).text(), "dated 2026-11-03 or later");
        assert_eq!(window(None, day(3)).text(), "dated 2026-11-03 or earlier");
        assert!(RunFilters::of(&Filters::default()).is_empty());
    }

    #[test]
    fn nights_join_into_one_window_and_other_agents_stay_apart() {
        let nights: Vec<RunFilters> = (17..=23).rev().map(|d| window(day(d), day(d))).collect();
        assert_eq!(text(&merged(&nights)), "dated 2026-11-17 to 2026-11-23");
        let gap = [
            window(day(1), day(3)),
            window(day(6), day(7)),
            window(day(2), day(4)),
        ];
        assert_eq!(
            text(&merged(&gap)),
            "dated 2026-11-01 to 2026-11-04, 2026-11-06 to 2026-11-07"
        );
        let open = [
            window(day(10), None),
            window(day(1), day(2)),
            window(day(3), day(12)),
        ];
        assert_eq!(text(&merged(&open)), "dated 2026-11-01 or later");
        let mut ann = window(day(1), day(1));
        ann.agents = vec!["ann".into()];
        let all = [ann, window(day(2), day(2)), RunFilters::default()];
        assert_eq!(
            text(&merged(&all)),
            "no filter | dated 2026-11-01; agent ann"
        );
        assert!(merged(&[RunFilters::default(), RunFilters::default()]).is_empty());
        let old = RunFilters::from_text("dated 2026-11-01");
        assert_eq!(text(&merged(&[old])), "dated 2026-11-01");
    }
}
