//! Orders, hides and cuts a report's lines: `--sort`, `--min-calls`, `--top`, `--bottom`.
//!
//! Lines are sorted among their siblings (the agents of one team stay under that team).
//! `--min-calls N` hides every line of fewer than N calls, with the lines nested in it; a line
//! of one call (`--group-by call`) is never hidden for having one call. `--top` and `--bottom`
//! rank the deepest lines still shown by mean score, and keep the lines they are nested in; a
//! tie with the Nth line is kept whole.

use super::{ItemRate, Report, Row};
use crate::language::NameOrder;
use crate::report::{Cut, TiesKept};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// What lines are ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Score,
    Calls,
    Pass,
    Violations,
    Date,
    /// The line's rate of the rubric item at this index (`--sort empathy`): the share of the
    /// calls it applied to where it was met, or occurred for a violation.
    Item(usize),
}

impl SortKey {
    const NAMES: [(&'static str, SortKey); 6] = [
        ("name", SortKey::Name),
        ("score", SortKey::Score),
        ("calls", SortKey::Calls),
        ("pass", SortKey::Pass),
        ("violations", SortKey::Violations),
        ("date", SortKey::Date),
    ];
}

/// `--sort KEY` (ascending: `score` puts the weakest first) or `--sort -KEY` (descending),
/// resolved against the rubric (`SortArg::resolve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortSpec {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for SortSpec {
    fn default() -> SortSpec {
        SortSpec {
            key: SortKey::Name,
            descending: false,
        }
    }
}

/// What ascending and descending mean, for the refusal of a name that is no key.
const SORT_DIRECTIONS: &str = "ascending: score puts the weakest first, an expected item the \
     lines that meet it least; or one of them after - for descending (-score: the strongest \
     first)";

/// `--sort` as typed. A name that is not one of the fixed keys may be an item id, which only
/// the rubric can tell: the command line is read before the rubric is (`--rubric`, a config
/// file, a merge's partials), so the name is kept and `resolve`d once the rubric is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortArg {
    /// The name without its direction, as typed.
    pub name: String,
    pub descending: bool,
}

impl Default for SortArg {
    fn default() -> SortArg {
        SortArg {
            name: "name".into(),
            descending: false,
        }
    }
}

impl std::str::FromStr for SortArg {
    type Err = String;

    fn from_str(s: &str) -> Result<SortArg, String> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!(
                "expected one of {} or an item id of the rubric ({SORT_DIRECTIONS})",
                SortKey::NAMES.map(|(n, _)| n).join(", ")
            ));
        }
        Ok(SortArg {
            name: name.to_string(),
            descending,
        })
    }
}

impl SortArg {
    /// The key named, among the fixed keys (which win over an item of the same id) and then
    /// the rubric's `items` (ids, in rubric order), ignoring ASCII case. A name that is
    /// neither is refused, naming every choice and the nearest ones.
    pub fn resolve(&self, items: &[&str]) -> Result<SortSpec, String> {
        let fixed = SortKey::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&self.name))
            .map(|&(_, key)| key);
        let key = fixed.or_else(|| {
            items
                .iter()
                .position(|id| id.eq_ignore_ascii_case(&self.name))
                .map(SortKey::Item)
        });
        match key {
            Some(key) => Ok(SortSpec {
                key,
                descending: self.descending,
            }),
            None => {
                let names = SortKey::NAMES.map(|(n, _)| n);
                let choices = names.iter().copied().chain(items.iter().copied());
                Err(format!(
                    "`{}`: expected one of {}, or an item id of the rubric ({}) ({SORT_DIRECTIONS}){}",
                    crate::sanitize::terminal_safe(&self.name),
                    names.join(", "),
                    items.join(", "),
                    crate::suggest::did_you_mean(&self.name.to_ascii_lowercase(), choices)
                ))
            }
        }
    }
}

/// A line's sort value; `None` (no number) sorts last in either direction.
fn value(row: &Row, key: SortKey) -> Option<f64> {
    match key {
        SortKey::Name => None,
        SortKey::Score => row.mean_score,
        SortKey::Calls => Some(row.calls as f64),
        SortKey::Pass => row.pass_rate,
        SortKey::Violations => row.violation_rate,
        SortKey::Date => None,
        SortKey::Item(i) => row.items.get(i).and_then(ItemRate::rate),
    }
}

fn date_of(row: &Row) -> Option<String> {
    row.call
        .as_ref()
        .and_then(|c| c.date)
        .map(|d| d.to_string())
        .or_else(|| {
            // A date or week line is its own date.
            Some(row.key.clone()).filter(|k| k.starts_with(|c: char| c.is_ascii_digit()))
        })
}

/// Two lines' names: by Unicode collation in the rubric's language where the lines are names
/// (agents, teams, queues), else by their text (dates and weeks, whose text is their order).
fn by_name(a: &Row, b: &Row, names: Option<&NameOrder>) -> Ordering {
    match names {
        Some(order) => order.compare(&a.key, &b.key),
        None => a.key.cmp(&b.key),
    }
}

fn compare(a: &Row, b: &Row, spec: SortSpec, names: Option<&NameOrder>) -> Ordering {
    let by_name = by_name(a, b, names);
    let primary = match spec.key {
        SortKey::Name => by_name,
        SortKey::Date => match (date_of(a), date_of(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        key => match (value(a, key), value(b, key)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    let primary = if spec.descending {
        primary.reverse()
    } else {
        primary
    };
    primary.then(by_name)
}

/// How the lines are to be arranged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Arrangement<'a> {
    pub sort: SortSpec,
    pub top: Option<usize>,
    pub bottom: Option<usize>,
    pub min_calls: u64,
    /// How names (agents, teams, queues) compare; `None` compares their text.
    pub names: Option<&'a NameOrder>,
}

/// Levels whose lines are names, sorted by collation rather than by their text.
fn is_name_level(level: &str) -> bool {
    matches!(level, "agent" | "team" | "queue")
}

/// Best first by mean score, ties by name (the ranking of `--top` and `--bottom`).
fn best_first(a: &Row, b: &Row, names: Option<&NameOrder>) -> Ordering {
    b.mean_score
        .unwrap_or(-1.0)
        .total_cmp(&a.mean_score.unwrap_or(-1.0))
        .then_with(|| by_name(a, b, names))
}

/// Worst first by mean score, ties by name (the ranking of `--bottom`, as `--sort score`).
fn worst_first(a: &Row, b: &Row, names: Option<&NameOrder>) -> Ordering {
    a.mean_score
        .unwrap_or(-1.0)
        .total_cmp(&b.mean_score.unwrap_or(-1.0))
        .then_with(|| by_name(a, b, names))
}

/// Orders, hides and cuts `report.rows`; records the hidden lines in `report.hidden`.
pub fn arrange(report: &mut Report, how: Arrangement<'_>) {
    report.min_calls = how.min_calls.max(1);
    let rows = std::mem::take(&mut report.rows);
    let (visible, hidden, emptied) = visible_rows(&rows, report.min_calls, report.levels.len());
    report.hidden = hidden;
    report.hidden_emptied = emptied;
    report.top = how.top;
    report.bottom = how.bottom;
    report.cut = None;

    let deepest = report.levels.len();
    let mut keep: Vec<bool> = visible.clone();
    if how.top.is_some() || how.bottom.is_some() {
        let mut ranked: Vec<usize> = (0..rows.len())
            .filter(|&i| visible[i] && rows[i].levels.len() == deepest)
            .collect();
        let names = how
            .names
            .filter(|_| report.levels.last().is_some_and(|l| is_name_level(l)));
        ranked.sort_by(|&a, &b| best_first(&rows[a], &rows[b], names));
        // Each flag keeps its first N lines, and every line that ties with the Nth: a tie is
        // never split, so the lines shown are never an alphabetical pick among equals.
        let mut chosen: HashSet<usize> = HashSet::new();
        // Weakest first, ties by name as `--sort score` lists them (not `ranked` reversed,
        // which would break ties by name descending).
        let mut worst = Vec::new();
        if how.bottom.is_some() {
            worst = ranked.clone();
            worst.sort_by(|&a, &b| worst_first(&rows[a], &rows[b], names));
        }
        let mut ties = Vec::new();
        for (by, n, order) in [("top", how.top, &ranked), ("bottom", how.bottom, &worst)] {
            let Some(n) = n else {
                continue;
            };
            let mut kept = n.min(order.len());
            if let Some(&last) = kept.checked_sub(1).and_then(|k| order.get(k)) {
                let score = rows[last].mean_score;
                while order
                    .get(kept)
                    .is_some_and(|&i| rows[i].mean_score == score)
                {
                    kept += 1;
                }
                if kept > n {
                    ties.push(TiesKept {
                        by,
                        n,
                        score,
                        more: (kept - n) as u64,
                    });
                }
            }
            chosen.extend(&order[..kept]);
        }
        report.cut = Some(Cut {
            ranked: ranked.len() as u64,
            shown: chosen.len() as u64,
            ties,
        });
        let chosen_paths: Vec<&[String]> = chosen.iter().map(|&i| &rows[i].levels[..]).collect();
        for (i, row) in rows.iter().enumerate() {
            keep[i] = visible[i]
                && chosen_paths
                    .iter()
                    .any(|p| p.len() >= row.levels.len() && p.starts_with(&row.levels));
        }
    }

    // Siblings by parent path, each list sorted; then the tree, depth first.
    let mut children: BTreeMap<&[String], Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        if keep[i] {
            let parent = &row.levels[..row.levels.len().saturating_sub(1)];
            children.entry(parent).or_default().push(i);
        }
    }
    for (parent, list) in children.iter_mut() {
        let names = how.names.filter(|_| {
            report
                .levels
                .get(parent.len())
                .is_some_and(|l| is_name_level(l))
        });
        list.sort_by(|&a, &b| compare(&rows[a], &rows[b], how.sort, names));
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut stack: Vec<usize> = children
        .get(&[][..])
        .map(|l| l.iter().rev().copied().collect())
        .unwrap_or_default();
    while let Some(i) = stack.pop() {
        order.push(i);
        if let Some(list) = children.get(&rows[i].levels[..]) {
            stack.extend(list.iter().rev().copied());
        }
    }
    report.rows = pick_in_order(rows, &order);
}

/// `order`'s rows of `rows`, in that order (each index at most once), moved in place: a
/// report of one line per call has a hundred thousand rows, and a second vector of them was
/// a fifth of such a run's peak memory.
fn pick_in_order(mut rows: Vec<Row>, order: &[usize]) -> Vec<Row> {
    const DROPPED: usize = usize::MAX;
    // Where each kept row goes; the others are dropped first, which shifts the kept ones down.
    let mut dest = vec![DROPPED; rows.len()];
    for (k, &i) in order.iter().enumerate() {
        dest[i] = k;
    }
    let mut i = 0;
    rows.retain(|_| {
        i += 1;
        dest[i - 1] != DROPPED
    });
    dest.retain(|&d| d != DROPPED);
    // Each row to its place, one cycle of the permutation at a time: a swap puts the row at
    // `at` where it goes and brings that place's row to `at`.
    for at in 0..rows.len() {
        while dest[at] != at {
            let to = dest[at];
            rows.swap(at, to);
            dest.swap(at, to);
        }
    }
    rows
}

/// Which rows are shown, how many lines (not calls' own) are hidden, and how many of those
/// are subtotals hidden for having no line left under them. Hidden: lines with fewer calls
/// than --min-calls (calls' own lines excepted), the lines under a hidden line, and a
/// subtotal none of whose deepest lines is shown (a team whose agents are all hidden): every
/// format shows the same lines, and CSV and Markdown, which have no subtotal lines, could not
/// show it.
fn visible_rows(rows: &[Row], min_calls: u64, deepest: usize) -> (Vec<bool>, u64, u64) {
    let mut hidden_paths: Vec<&[String]> = Vec::new();
    let mut visible = vec![true; rows.len()];
    let mut hidden = 0u64;
    for (i, row) in rows.iter().enumerate() {
        let under_hidden = hidden_paths
            .iter()
            .any(|p| row.levels.len() > p.len() && row.levels.starts_with(p));
        let too_few = !row.is_call() && row.calls < min_calls;
        if under_hidden || too_few {
            visible[i] = false;
            if !row.is_call() {
                hidden += 1;
            }
            if too_few && !under_hidden {
                hidden_paths.push(&row.levels);
            }
        }
    }
    let shown_under: HashSet<&[String]> = rows
        .iter()
        .zip(&visible)
        .filter(|(r, v)| **v && r.levels.len() == deepest)
        .flat_map(|(r, _)| (1..r.levels.len()).map(move |n| &r.levels[..n]))
        .collect();
    let mut emptied = 0u64;
    for (i, row) in rows.iter().enumerate() {
        if visible[i] && row.levels.len() < deepest && !shown_under.contains(&row.levels[..]) {
            visible[i] = false;
            hidden += 1;
            emptied += 1;
        }
    }
    (visible, hidden, emptied)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pick_in_order` gives what taking `order`'s rows one by one gives, for random subsets
    /// in random orders (the empty one and all of them among them).
    #[test]
    fn rows_picked_in_place_are_the_rows_taken_in_order() {
        let mut rng = fastrand::Rng::with_seed(3);
        for n in 0..40usize {
            let rows: Vec<Row> = (0..n)
                .map(|i| row(&[&format!("r{i}")], i as u64 + 1, 50.0))
                .collect();
            for _ in 0..20 {
                let mut order: Vec<usize> = (0..n).filter(|_| rng.bool()).collect();
                if rng.bool() {
                    order = (0..n).collect();
                }
                rng.shuffle(&mut order);
                let expected: Vec<Row> = order.iter().map(|&i| rows[i].clone()).collect();
                assert_eq!(pick_in_order(rows.clone(), &order), expected, "{order:?}");
            }
        }
    }

    fn spec(s: &str, items: &[&str]) -> Result<SortSpec, String> {
        s.parse::<SortArg>()?.resolve(items)
    }

    #[test]
    fn sort_specs_read_both_directions() {
        let s = spec("score", &[]).unwrap();
        assert_eq!((s.key, s.descending), (SortKey::Score, false));
        let s = spec("-score", &[]).unwrap();
        assert_eq!((s.key, s.descending), (SortKey::Score, true));
        let s = spec("Calls", &[]).unwrap();
        assert_eq!(s.key, SortKey::Calls);
        let err = spec("scores", &[]).unwrap_err();
        assert!(err.ends_with("did you mean score?"), "{err}");
        assert!("-".parse::<SortArg>().is_err());
    }

    /// An item id sorts by the line's rate of that item (tester t17's F10); a fixed key wins
    /// over an item of the same id; a name that is neither lists the items too, with the
    /// nearest.
    #[test]
    fn sort_specs_name_items_of_the_rubric() {
        let items = ["greeting", "empathy", "pass", "transfer"];
        let s = spec("-empathy", &items).unwrap();
        assert_eq!((s.key, s.descending), (SortKey::Item(1), true));
        assert_eq!(spec("Transfer", &items).unwrap().key, SortKey::Item(3));
        assert_eq!(spec("pass", &items).unwrap().key, SortKey::Pass);
        let err = spec("empathyy", &items).unwrap_err();
        assert!(
            err.contains("name, score, calls, pass, violations, date, or an item id of the rubric (greeting, empathy, pass, transfer)"),
            "{err}"
        );
        assert!(err.ends_with("did you mean empathy?"), "{err}");
    }

    /// By an item's rate, lines where it never applied come last in both directions; ties by
    /// name.
    #[test]
    fn lines_without_the_item_come_last_either_way() {
        let with_rate = |key: &str, applicable: u64, occurred: u64| {
            let mut r = row(&[key], 3, 50.0);
            r.items = vec![ItemRate {
                applicable,
                occurred,
                matches: occurred,
            }];
            r
        };
        for (sort, expected) in [
            ("empathy", ["bo", "cy", "ann", "dee"]),
            ("-empathy", ["ann", "bo", "cy", "dee"]),
        ] {
            let mut report = crate::render::tests::empty_report(&["agent"]);
            report.rows = vec![
                with_rate("dee", 0, 0),
                with_rate("ann", 2, 2),
                with_rate("cy", 3, 1),
                with_rate("bo", 3, 1),
            ];
            arrange(
                &mut report,
                Arrangement {
                    sort: spec(sort, &["empathy"]).unwrap(),
                    ..Arrangement::default()
                },
            );
            let keys: Vec<&str> = report.rows.iter().map(|r| r.key.as_str()).collect();
            assert_eq!(keys, expected, "{sort}");
        }
    }

    fn row(levels: &[&str], calls: u64, score: f64) -> Row {
        Row {
            key: levels.last().unwrap().to_string(),
            levels: levels.iter().map(|s| s.to_string()).collect(),
            calls,
            mean_score: Some(score),
            ..Row::default()
        }
    }

    #[test]
    fn nested_lines_sort_among_siblings_and_hide_with_their_parent() {
        let mut report = crate::render::tests::empty_report(&["team", "agent"]);
        report.rows = vec![
            row(&["a"], 5, 50.0),
            row(&["a", "ann"], 4, 60.0),
            row(&["a", "bo"], 1, 10.0),
            row(&["b"], 1, 90.0),
            row(&["b", "cy"], 1, 90.0),
        ];
        arrange(
            &mut report,
            Arrangement {
                sort: spec("-score", &[]).unwrap(),
                min_calls: 2,
                ..Arrangement::default()
            },
        );
        let keys: Vec<&str> = report.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["a", "ann"]);
        assert_eq!(report.hidden, 3);
    }
}
