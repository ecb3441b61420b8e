//! Reviewer splits: a call and item on which the reviewers of a sheet gave different verdicts
//! (some yes, some no). `calibrate` lists them, most contested calls first, for the team to
//! settle; `audit --overrides` refuses a sheet that has any, naming them.

use super::sheet::ReviewSheet;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One reviewer's verdict in a split: who, and the sheet line of their row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Voter {
    /// As written in the sheet's `reviewer` column (empty when the cell is blank).
    pub reviewer: String,
    pub line: u64,
}

impl Voter {
    /// How the voter is named in every output: the reviewer, or `line N` when the reviewer
    /// cell is blank (one blank row per call at most: a second is refused as a repeated row).
    pub fn name(&self) -> String {
        if self.reviewer.is_empty() {
            format!("line {}", self.line)
        } else {
            self.reviewer.clone()
        }
    }
}

/// A call and item on which the reviewers disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub call_id: String,
    /// Index into the rubric.
    pub item: usize,
    /// Who said the item happened, by name (then line).
    pub yes: Vec<Voter>,
    /// Who said it did not, by name (then line).
    pub no: Vec<Voter>,
    /// The sheet line where the split shows: the first row whose verdict differs from the
    /// first verdict on this call and item.
    pub line: u64,
}

impl Split {
    /// Verdicts on the losing side, were it settled by majority: the size of the smaller side.
    pub fn minority(&self) -> usize {
        self.yes.len().min(self.no.len())
    }

    /// Every verdict on this call and item.
    pub fn voters(&self) -> usize {
        self.yes.len() + self.no.len()
    }

    /// How close the split is, compared exactly: a 2–2 split is closer than a 2–1, which is
    /// closer than a 3–1 (the smaller side's share of the verdicts, larger first).
    fn closer_than(&self, other: &Split) -> Ordering {
        // a/b against c/d, larger first: compare c·b with a·d.
        (other.minority() * self.voters()).cmp(&(self.minority() * other.voters()))
    }
}

/// Every split in the sheet, in the order the sheet shows them (by `Split::line`).
pub fn splits(sheet: &ReviewSheet) -> Vec<Split> {
    let mut cells: HashMap<(&str, usize), Split> = HashMap::new();
    for row in &sheet.rows {
        for &(item, said) in &row.verdicts {
            let cell = cells
                .entry((row.call_id.as_str(), item))
                .or_insert_with(|| Split {
                    call_id: row.call_id.clone(),
                    item,
                    yes: Vec::new(),
                    no: Vec::new(),
                    line: 0,
                });
            let differs = if said {
                !cell.no.is_empty()
            } else {
                !cell.yes.is_empty()
            };
            if differs && cell.line == 0 {
                cell.line = row.line;
            }
            let voter = Voter {
                reviewer: row.reviewer.clone(),
                line: row.line,
            };
            if said {
                cell.yes.push(voter);
            } else {
                cell.no.push(voter);
            }
        }
    }
    let mut out: Vec<Split> = cells
        .into_values()
        .filter(|s| !s.yes.is_empty() && !s.no.is_empty())
        .map(|mut s| {
            s.yes.sort();
            s.no.sort();
            s
        })
        .collect();
    out.sort_by_key(|s| (s.line, s.item));
    out
}

/// Orders splits for a calibration session, most contested calls first: calls with the most
/// items split, then the most verdicts on the smaller sides (the verdicts a majority would
/// overrule), then by call id; within a call, the closest split first (2–2 before 2–1 before
/// 3–1), then in rubric order.
pub fn most_contested_first(splits: &mut [Split]) {
    let mut per_call: HashMap<String, (usize, usize)> = HashMap::new();
    for s in splits.iter() {
        let (items, minority) = per_call.entry(s.call_id.clone()).or_default();
        *items += 1;
        *minority += s.minority();
    }
    splits.sort_by(|a, b| {
        let (ka, kb) = (per_call[&a.call_id], per_call[&b.call_id]);
        kb.cmp(&ka)
            .then_with(|| a.call_id.cmp(&b.call_id))
            .then_with(|| a.closer_than(b))
            .then_with(|| a.item.cmp(&b.item))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::sheet::SheetRow;

    /// Call id, reviewer, verdicts (item index, happened).
    type Row<'a> = (&'a str, &'a str, &'a [(usize, bool)]);

    fn sheet(rows: &[Row<'_>]) -> ReviewSheet {
        ReviewSheet {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (call, reviewer, verdicts))| SheetRow {
                    line: i as u64 + 2,
                    call_id: call.to_string(),
                    reviewer: reviewer.to_string(),
                    verdicts: verdicts.to_vec(),
                    sampled: Vec::new(),
                })
                .collect(),
            items: vec![0, 1, 2],
            has_reviewer: true,
        }
    }

    fn names(v: &[Voter]) -> Vec<String> {
        v.iter().map(Voter::name).collect()
    }

    #[test]
    fn a_two_one_split_is_found_and_a_unanimous_item_is_not() {
        let s = sheet(&[
            ("K-04", "sue", &[(0, false), (1, true)]),
            ("K-04", "raj", &[(0, true), (1, true)]),
            ("K-04", "ana", &[(0, false), (1, true)]),
            ("K-01", "ana", &[(0, true)]),
        ]);
        let found = splits(&s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].call_id, "K-04");
        assert_eq!(found[0].item, 0);
        assert_eq!(names(&found[0].yes), ["raj"]);
        assert_eq!(names(&found[0].no), ["ana", "sue"]);
        // raj's row (line 3) is the first to differ from sue's (line 2).
        assert_eq!(found[0].line, 3);
    }

    #[test]
    fn a_blank_reviewer_is_named_by_its_line() {
        let s = sheet(&[("c1", "", &[(0, true)]), ("c1", "bob", &[(0, false)])]);
        let found = splits(&s);
        assert_eq!(names(&found[0].yes), ["line 2"]);
        assert_eq!(names(&found[0].no), ["bob"]);
    }

    #[test]
    fn the_most_contested_calls_come_first() {
        let s = sheet(&[
            // a: one item, 2–1.
            ("a", "r1", &[(0, true)]),
            ("a", "r2", &[(0, true)]),
            ("a", "r3", &[(0, false)]),
            // b: two items, 3–1 and 2–2.
            ("b", "r1", &[(0, true), (1, true)]),
            ("b", "r2", &[(0, true), (1, true)]),
            ("b", "r3", &[(0, true), (1, false)]),
            ("b", "r4", &[(0, false), (1, false)]),
            // c: one item, 2–2.
            ("c", "r1", &[(2, true)]),
            ("c", "r2", &[(2, true)]),
            ("c", "r3", &[(2, false)]),
            ("c", "r4", &[(2, false)]),
        ]);
        let mut found = splits(&s);
        assert_eq!(
            found
                .iter()
                .map(|s| (s.call_id.as_str(), s.item))
                .collect::<Vec<_>>(),
            // b's item 1 splits on r3's row, item 0 only on r4's.
            [("a", 0), ("b", 1), ("b", 0), ("c", 2)],
            "in the order the sheet shows them"
        );
        most_contested_first(&mut found);
        assert_eq!(
            found
                .iter()
                .map(|s| (s.call_id.as_str(), s.item))
                .collect::<Vec<_>>(),
            [("b", 1), ("b", 0), ("c", 2), ("a", 0)]
        );
    }
}
