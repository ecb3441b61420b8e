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

/// How many of `earlier`'s content words `now` repeats. Both are sorted and deduplicated.
pub fn shared_words(now: &[u64], earlier: &[u64]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < now.len() && j < earlier.len() {
        match now[i].cmp(&earlier[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Tokens of `norm` whose content word is among `earlier` (for evidence).
pub fn shared_tokens(norm: &Normalised, earlier: &[u64]) -> Option<(usize, usize)> {
    let mut first = None;
    let mut last = 0;
    for (i, t) in norm.tokens.iter().enumerate() {
        if t.kind != TokenKind::Word {
            continue;
        }
        let w = norm.word(t);
        if w.len() < 3 || is_stop_word(w) {
            continue;
        }
        if earlier.binary_search(&fingerprint(stem(w))).is_ok() {
            first.get_or_insert(i);
            last = i;
        }
    }
    first.map(|f| (f, last + 1))
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

/// English function words plus the politeness and channel words every support turn has, which
/// would otherwise make any two turns look alike. Sorted for binary search (tested).
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "can",
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
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "hello",
    "her",
    "here",
    "hers",
    "herself",
    "hey",
    "him",
    "himself",
    "his",
    "how",
    "http",
    "https",
    "into",
    "its",
    "itself",
    "just",
    "know",
    "let",
    "like",
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
    "same",
    "see",
    "she",
    "should",
    "some",
    "such",
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
    "under",
    "until",
    "very",
    "was",
    "way",
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
    fn mirroring_counts_repeated_content_words() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        content_words(
            &normalise("My order arrived damaged and nobody answers"),
            &mut a,
        );
        content_words(
            &normalise("So your order was damaged when it arrived?"),
            &mut b,
        );
        assert_eq!(shared_words(&b, &a), 3);
    }

    #[test]
    fn shouting_needs_several_capitalised_words() {
        let s = normalise("THIS IS RIDICULOUS").stats;
        assert!(is_shouting(&s, 0.6, 3));
        let s = normalise("My DM to UPS failed").stats;
        assert!(!is_shouting(&s, 0.6, 3));
    }
}
