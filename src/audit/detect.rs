//! Built-in detectors that look at a turn (or the call) rather than a phrase list.

use crate::normalise::{Normalised, TokenKind, TurnStats};

/// Content-word fingerprints of a turn, for mirroring: light-stemmed, stop words removed,
/// hashed so that comparing two turns allocates nothing once the buffers have grown.
pub fn content_words(norm: &Normalised, out: &mut Vec<u64>) {
    out.clear();
    for t in &norm.tokens {
        if t.kind != TokenKind::Word {
            continue;
        }
        let w = norm.word(t);
        if w.len() < 3 || is_stop_word(w) || w.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        out.push(fingerprint(stem(w)));
    }
    out.sort_unstable();
    out.dedup();
}

/// A sentence that repeats content words of the other party's latest turns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Echo {
    pub sentence: u32,
    /// Token range from the first to the last repeated word.
    pub first: usize,
    pub end: usize,
    /// Distinct repeated content words.
    pub shared: u32,
}

/// Sentences of `norm` that repeat at least `min_shared` distinct content words of `earlier`
/// (sorted fingerprints). `seen` is scratch space.
pub fn echoes(
    norm: &Normalised,
    earlier: &[u64],
    min_shared: u32,
    seen: &mut Vec<u64>,
    out: &mut Vec<Echo>,
) {
    out.clear();
    seen.clear();
    let mut current: Option<Echo> = None;
    let flush = |e: Option<Echo>, out: &mut Vec<Echo>| {
        if let Some(e) = e.filter(|e| e.shared >= min_shared.max(1)) {
            out.push(e);
        }
    };
    for (i, t) in norm.tokens.iter().enumerate() {
        if current.is_some_and(|c| c.sentence != t.sentence) {
            flush(current.take(), out);
            seen.clear();
        }
        if t.kind != TokenKind::Word {
            continue;
        }
        let w = norm.word(t);
        if w.len() < 3 || is_stop_word(w) {
            continue;
        }
        let f = fingerprint(stem(w));
        if earlier.binary_search(&f).is_err() {
            continue;
        }
        let e = current.get_or_insert(Echo {
            sentence: t.sentence,
            first: i,
            end: i + 1,
            shared: 0,
        });
        e.end = i + 1;
        if !seen.contains(&f) {
            seen.push(f);
            e.shared += 1;
        }
    }
    flush(current, out);
}

/// Adds `words` (sorted, deduplicated) into `block`, keeping it sorted and deduplicated.
pub fn merge_words(block: &mut Vec<u64>, words: &[u64]) {
    block.extend_from_slice(words);
    block.sort_unstable();
    block.dedup();
}

/// Strips the commonest English inflections so "charged"/"charges"/"charge" compare equal.
fn stem(w: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if let Some(s) = w.strip_suffix(suffix)
            && s.len() >= 3
        {
            return s;
        }
    }
    w
}

/// FNV-1a: tiny, deterministic, good enough to tell words apart within two turns.
fn fingerprint(w: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in w.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.binary_search(&w).is_ok()
}

/// English function words plus the politeness, apology and support words every support turn
/// has, which would otherwise make any two turns look alike. Sorted for binary search (tested).
const STOP_WORDS: &[&str] = &[
    "able",
    "about",
    "above",
    "after",
    "again",
    "all",
    "already",
    "also",
    "and",
    "any",
    "anyone",
    "anything",
    "apologies",
    "apologize",
    "are",
    "assist",
    "assistance",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "can",
    "check",
    "checked",
    "could",
    "did",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "feel",
    "feeling",
    "few",
    "for",
    "from",
    "further",
    "get",
    "glad",
    "good",
    "got",
    "great",
    "had",
    "happy",
    "has",
    "have",
    "having",
    "hear",
    "hello",
    "her",
    "here",
    "hers",
    "herself",
    "hey",
    "him",
    "himself",
    "his",
    "hope",
    "how",
    "http",
    "https",
    "into",
    "issue",
    "issues",
    "its",
    "itself",
    "just",
    "know",
    "let",
    "like",
    "look",
    "looking",
    "more",
    "most",
    "much",
    "must",
    "myself",
    "need",
    "nor",
    "not",
    "now",
    "off",
    "once",
    "one",
    "only",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "please",
    "problem",
    "problems",
    "really",
    "same",
    "see",
    "seems",
    "service",
    "she",
    "should",
    "some",
    "sorry",
    "still",
    "such",
    "supposed",
    "sure",
    "team",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "too",
    "tried",
    "try",
    "trying",
    "under",
    "understand",
    "until",
    "very",
    "wait",
    "waiting",
    "want",
    "wanted",
    "was",
    "way",
    "website",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "work",
    "working",
    "works",
    "would",
    "yes",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Share of a turn's words in capitals, with enough of them to be shouting rather than an
/// acronym or two.
pub fn is_shouting(stats: &TurnStats, min_caps_share: f64, min_caps_words: u32) -> bool {
    stats.caps_words >= min_caps_words
        && stats.words > 0
        && f64::from(stats.caps_words) / f64::from(stats.words) >= min_caps_share
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;

    #[test]
    fn stop_words_are_sorted() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn echoes_are_found_per_sentence() {
        let mut earlier = Vec::new();
        content_words(
            &normalise("My order arrived damaged and nobody answers"),
            &mut earlier,
        );
        let n = normalise("Thanks for waiting. Sorry your order arrived damaged! Order number?");
        let (mut seen, mut out) = (Vec::new(), Vec::new());
        echoes(&n, &earlier, 2, &mut seen, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].sentence, 1);
        assert_eq!(out[0].shared, 3);
        assert_eq!(n.word(&n.tokens[out[0].first]), "order");
    }

    #[test]
    fn blocks_merge_sorted() {
        let mut block = vec![1, 5];
        merge_words(&mut block, &[2, 5, 9]);
        assert_eq!(block, [1, 2, 5, 9]);
    }

    #[test]
    fn shouting_needs_several_capitalised_words() {
        let s = normalise("THIS IS RIDICULOUS").stats;
        assert!(is_shouting(&s, 0.6, 3));
        let s = normalise("My DM to UPS failed").stats;
        assert!(!is_shouting(&s, 0.6, 3));
    }
}
