//! "Did you mean": the ids (call ids, agents, teams) nearest to one that was asked for and not
//! found. One function for every command that suggests (`explain --call`, `calibrate`'s and
//! `--overrides`' judged calls, `--agent`, `--team`).

use crate::sanitize::terminal_safe;

/// How many ids a "did you mean" names at most.
pub const SUGGESTIONS: usize = 5;

/// The ids nearest to `wanted`. When some are the same but for case, only those: the id was
/// typed in the wrong case, and other ids would hide the one meant (`c-1003` → `C-1003`, not
/// five ids). Otherwise those it begins or that begin it (case-insensitive), then those within
/// a few edits. Sorted within each kind; at most `SUGGESTIONS`; made terminal-safe.
pub fn nearest<S: AsRef<str>>(wanted: &str, ids: impl IntoIterator<Item = S>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut same: Vec<String> = Vec::new();
    let mut prefixed: Vec<String> = Vec::new();
    let mut near: Vec<(usize, String)> = Vec::new();
    let max_edits = (w.chars().count() / 3).clamp(1, 3);
    for id in ids {
        let id = id.as_ref();
        let l = id.to_lowercase();
        if l == w {
            same.push(id.to_string());
        } else if !same.is_empty() {
            // A match but for case settles it: the rest are not needed.
        } else if !w.is_empty() && (l.starts_with(&w) || w.starts_with(&l) && l.len() >= 3) {
            prefixed.push(id.to_string());
        } else {
            let d = strsim::levenshtein(&l, &w);
            if d <= max_edits {
                near.push((d, id.to_string()));
            }
        }
    }
    let chosen: Vec<String> = if same.is_empty() {
        prefixed.sort();
        prefixed.dedup();
        near.sort();
        near.dedup();
        prefixed
            .into_iter()
            .chain(near.into_iter().map(|(_, id)| id))
            .collect()
    } else {
        same.sort();
        same.dedup();
        same
    };
    // Each kind is deduplicated, and an id is of one kind only.
    chosen
        .into_iter()
        .take(SUGGESTIONS)
        .map(|id| terminal_safe(&id).into_owned())
        .collect()
}

/// `; did you mean A, B?`, or nothing when no id is near.
pub fn did_you_mean<S: AsRef<str>>(wanted: &str, ids: impl IntoIterator<Item = S>) -> String {
    match nearest(wanted, ids) {
        s if s.is_empty() => String::new(),
        s => format!("; did you mean {}?", s.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn the_same_id_but_for_case_is_the_only_suggestion() {
        let ids = ["C-1003", "C-1001", "C-1030", "J-2001", "c-100"];
        assert_eq!(nearest("c-1003", ids), ["C-1003"]);
        assert_eq!(
            nearest("Ann", ["bob", "ann", "anne", "ANN"]),
            ["ANN", "ann"]
        );
    }

    #[test]
    fn otherwise_prefixes_then_near_ids() {
        let ids = ["C-1003", "C-1001", "C-1030", "J-2001", "c-100"];
        assert_eq!(
            nearest("C-10", ids),
            ["C-1001", "C-1003", "C-1030", "c-100"]
        );
        assert_eq!(nearest("J-2010", ids), ["J-2001"]);
        assert!(nearest("zzzz", ids).is_empty());
        assert_eq!(
            nearest("C-1009", ids),
            ["c-100", "C-1001", "C-1003", "C-1030"]
        );
    }
}
