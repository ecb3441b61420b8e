//! Built-in detectors that look at a turn (or the call) rather than a phrase list.

use super::Hit;
use crate::language::{Language, TextRules};
use crate::model::Speaker;
use crate::normalise::{Normalised, Token, TokenKind, TurnStats};
use crate::rubric::Detector;

/// Which words of a turn are content words, for the rubric's language: English uses the stop
/// list and light stemmer below; Spanish and French use the NLTK function words plus a few
/// support-call words, in written and folded forms, and the Snowball stemmer.
pub struct ContentFilter {
    lang: Language,
    /// Sorted fingerprints of the language's stop words (empty for English, which has its own).
    stop: Vec<u64>,
    stemmer: Option<rust_stemmers::Stemmer>,
    /// Sorted fingerprints of the language's NLTK function words ("you", "the", "is", "not"),
    /// written and folded: a sentence in capitals with one of them is words shouted, not a code
    /// read out or a label on a screen.
    function: Vec<u64>,
}

impl ContentFilter {
    pub fn new(rules: &TextRules) -> ContentFilter {
        let lang = rules.language;
        let mut stop: Vec<u64> = Vec::new();
        for w in crate::language::function_words(lang)
            .iter()
            .chain(crate::language::support_stop_words(lang))
        {
            stop.push(fingerprint(w));
            stop.push(fingerprint(&crate::language::fold_str(w)));
        }
        stop.sort_unstable();
        stop.dedup();
        let mut function: Vec<u64> = stop_words::lookup(lang.code())
            .unwrap_or(&[])
            .iter()
            .flat_map(|w| [fingerprint(w), fingerprint(&crate::language::fold_str(w))])
            .collect();
        function.sort_unstable();
        function.dedup();
        ContentFilter {
            lang,
            stop,
            stemmer: crate::language::stemmer(lang),
            function,
        }
    }

    /// Whether `w` (normalised: lower case) is one of the language's function words.
    pub(super) fn is_function_word(&self, w: &str) -> bool {
        self.function.binary_search(&fingerprint(w)).is_ok()
    }

    /// The fingerprint of a content word, or `None` for a stop word.
    fn content_fp(&self, w: &str) -> Option<u64> {
        let whole = fingerprint(w);
        if self.lang == Language::En {
            if is_stop_word(whole) {
                return None;
            }
            let stemmed = stem(w);
            return Some(if stemmed.len() == w.len() {
                whole
            } else {
                fingerprint(stemmed)
            });
        }
        if self.stop.binary_search(&whole).is_ok() {
            return None;
        }
        Some(match &self.stemmer {
            Some(s) => fingerprint(&s.stem(w)),
            None => whole,
        })
    }
}

impl Default for ContentFilter {
    fn default() -> ContentFilter {
        ContentFilter::new(&TextRules::default())
    }
}

/// A content word of a turn: where it is and its light-stemmed fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentWord {
    pub token: u32,
    pub sentence: u32,
    pub fp: u64,
}

/// The content words of a turn, for mirroring: stop words and numbers removed, light-stemmed,
/// hashed, so that comparing turns is integer work and allocates nothing once the buffers have
/// grown. `set` receives the sorted, deduplicated fingerprints.
pub fn content_words(
    norm: &Normalised,
    filter: &ContentFilter,
    words: &mut Vec<ContentWord>,
    set: &mut Vec<u64>,
) {
    content_words_of(&norm.text, &norm.tokens, filter, words, set);
}

/// `content_words` over any normalised text and its tokens (a block of several turns).
pub fn content_words_of(
    text: &str,
    tokens: &[Token],
    filter: &ContentFilter,
    words: &mut Vec<ContentWord>,
    set: &mut Vec<u64>,
) {
    words.clear();
    set.clear();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != TokenKind::Word || t.end - t.start < 3 {
            continue;
        }
        let w = &text[t.start as usize..t.end as usize];
        if w.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some(fp) = filter.content_fp(w) else {
            continue;
        };
        words.push(ContentWord {
            token: i as u32,
            sentence: t.sentence,
            fp,
        });
        set.push(fp);
    }
    set.sort_unstable();
    set.dedup();
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

/// Sentences whose content words (`words`, from `content_words`) repeat at least
/// `min_shared` distinct words of `earlier` (sorted fingerprints). `seen` is scratch space.
pub fn echoes(
    words: &[ContentWord],
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
    for w in words {
        if earlier.binary_search(&w.fp).is_err() {
            continue;
        }
        if current.is_some_and(|c| c.sentence != w.sentence) {
            flush(current.take(), out);
            seen.clear();
        }
        let i = w.token as usize;
        let e = current.get_or_insert(Echo {
            sentence: w.sentence,
            first: i,
            end: i + 1,
            shared: 0,
        });
        e.end = i + 1;
        if !seen.contains(&w.fp) {
            seen.push(w.fp);
            e.shared += 1;
        }
    }
    flush(current, out);
}

/// A party's latest block of consecutive turns, kept as normalised text so that its content
/// words are only computed when the other party's turn needs them (most turns never do).
#[derive(Default, Debug)]
pub struct Block {
    text: String,
    tokens: Vec<Token>,
    set: Vec<u64>,
    words: Vec<ContentWord>,
    computed: bool,
}

impl Block {
    pub fn clear(&mut self) {
        self.text.clear();
        self.tokens.clear();
        self.set.clear();
        self.computed = false;
    }

    /// Adds a turn to the block.
    pub fn append(&mut self, norm: &Normalised) {
        let shift = self.text.len() as u32;
        self.text.push_str(&norm.text);
        self.tokens.extend(norm.tokens.iter().map(|t| Token {
            start: t.start + shift,
            end: t.end + shift,
            ..*t
        }));
        self.computed = false;
    }

    /// The block's content-word fingerprints, sorted and deduplicated.
    pub fn content(&mut self, filter: &ContentFilter) -> &[u64] {
        if !self.computed {
            content_words_of(
                &self.text,
                &self.tokens,
                filter,
                &mut self.words,
                &mut self.set,
            );
            self.computed = true;
        }
        &self.set
    }
}

/// Strips the commonest English inflections so "charged"/"charges"/"charge" compare equal.
fn stem(w: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if let Some(s) = w.strip_suffix(suffix)
            && s.len() >= 3
        {
            // "logging" and "logs", "stopped" and "stops": a doubled final consonant left by
            // -ing or -ed is one letter ("logg" → "log").
            let b = s.as_bytes();
            let n = b.len();
            if matches!(suffix, "ing" | "ed")
                && n >= 4
                && b[n - 1] == b[n - 2]
                && !matches!(b[n - 1], b'a' | b'e' | b'i' | b'o' | b'u' | b's' | b'l')
            {
                return &s[..n - 1];
            }
            return s;
        }
    }
    w
}

#[cfg(test)]
#[test]
fn stems_undouble_consonants() {
    assert_eq!(stem("logging"), stem("logs"));
    assert_eq!(stem("stopped"), stem("stops"));
    assert_eq!(stem("charged"), "charg");
    assert_eq!(stem("billing"), "bill");
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

/// Stop words are compared by fingerprint: a binary search over integers, not strings.
fn is_stop_word(fp: u64) -> bool {
    static STOP: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    STOP.get_or_init(|| {
        let mut v: Vec<u64> = STOP_WORDS.iter().map(|w| fingerprint(w)).collect();
        v.sort_unstable();
        v
    })
    .binary_search(&fp)
    .is_ok()
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

/// Whether the phrase hit starting at token `at` opens its sentence: at most `lead_in` words
/// before it in the sentence (`rubric::OPENING_WORDS` for a lead-in: a greeting and a name, "Hi
/// Dan, just to confirm …"), not counting numbers or chat handles ("@1234", "@AskBrand": every
/// tweet opens with one). `text` is the turn's original text, where a handle's `@` is.
///
/// Words before it must be that greeting and name, not the start of the sentence it is part of
/// ("In order to confirm you are the owner", "We need to confirm you are the account holder"):
/// the first is a greeting or an interjection ("Hi Dan just to confirm", "Ok so to clarify"), or
/// a comma, colon or dash sets them off ("Dan, just to confirm"), or they say who can or will do
/// it ("You can try …", "I will go ahead and …").
pub fn opens_sentence(norm: &Normalised, text: &str, at: usize, lead_in: usize) -> bool {
    let Some(phrase) = norm.tokens.get(at) else {
        return false;
    };
    let mut lead = norm.tokens[..at]
        .iter()
        .rev()
        .take_while(|t| t.sentence == phrase.sentence)
        .filter(|t| t.kind == TokenKind::Word && !is_aside(norm, text, t));
    let Some(last) = lead.next() else {
        return true;
    };
    if lead_in == 0 {
        return false;
    }
    let mut first = last;
    for (k, t) in lead.enumerate() {
        if k + 1 == lead_in {
            return false; // more words than a greeting and a name
        }
        first = t;
    }
    let set_off = text
        .get(last.orig_end as usize..phrase.orig_start as usize)
        .is_some_and(|gap| gap.contains([',', ':', ';', '-', '–', '—']));
    // "You can try …", "I will go ahead and …": who will do it, then what (two words).
    let pronoun_modal = first != last
        && matches!(norm.word(first), "i" | "you" | "we")
        && matches!(
            norm.word(last),
            "can" | "could" | "will" | "may" | "might" | "should" | "would"
        );
    set_off || pronoun_modal || GREETINGS.contains(&norm.word(first))
}

/// Words that open a sentence as a greeting, an interjection or a softener before what it says
/// ("Hi Dan just to confirm", "Ok so to clarify", "Please just restart it", "Hola Ana para
/// confirmar", "Bonjour, pour confirmer").
#[rustfmt::skip]
const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "hiya", "ok", "okay", "alright", "so", "well", "sure", "yes", "yeah",
    "great", "thanks", "thank", "dear", "morning", "afternoon", "evening", "please", "pls", "plz", "kindly",
    "just", "then", "now", "first", "next", "also", "and", "simply", "once", "again", "hola",
    "vale", "bueno", "sí", "si", "gracias", "bonjour", "bonsoir", "salut", "alors", "oui", "merci",
    "bon",
];

/// Whether the word at original byte `at` is (part of) a chat handle: back over letters, digits
/// and `_` ("@British_Airways" is split at `_`) comes an `@` that no letter or digit precedes
/// (not the domain of "me@example.com"; ".@Brand" is one).
fn is_handle(text: &str, at: usize) -> bool {
    let b = &text.as_bytes()[..at.min(text.len())];
    let k = b
        .iter()
        .rposition(|&c| !(c.is_ascii_alphanumeric() || c == b'_'));
    k.is_some_and(|k| b[k] == b'@' && (k == 0 || !b[k - 1].is_ascii_alphanumeric()))
}

/// A word token that says nothing for `^` and `$`: a number ("2/2", "@1234") or a chat handle.
#[inline]
fn is_aside(norm: &Normalised, text: &str, t: &Token) -> bool {
    norm.word(t).bytes().all(|b| b.is_ascii_digit()) || is_handle(text, t.orig_start as usize)
}

/// Whether a phrase hit ending before token `end` closes its turn: after it come only sentence
/// marks, numbers ("2/2"), chat handles and links ("Wonderful! https://t.co/…"). `text` is the
/// turn's original text: a link's end is where its run of non-space characters ends there, so
/// words after a link ("Great. https://t.co/x and more words") still say more.
pub fn closes_turn(norm: &Normalised, text: &str, end: usize) -> bool {
    let mut link_end = 0;
    for t in norm.tokens.get(end..).unwrap_or(&[]) {
        if t.kind != TokenKind::Word || (t.orig_start as usize) < link_end {
            continue;
        }
        if matches!(norm.word(t), "http" | "https") {
            let from = t.orig_start as usize;
            link_end = text.get(from..).map_or(text.len(), |rest| {
                from + rest.find(char::is_whitespace).unwrap_or(rest.len())
            });
        } else if !is_aside(norm, text, t) {
            return false;
        }
    }
    true
}

/// Share of a turn's words in capitals, with enough of them to be shouting rather than an
/// acronym or two.
pub fn is_shouting(stats: &TurnStats, min_caps_share: f64, min_caps_words: u32) -> bool {
    stats.caps_words >= min_caps_words
        && stats.words > 0
        && f64::from(stats.caps_words) / f64::from(stats.words) >= min_caps_share
}

/// A word's letters in capitals, and whether it has one in lower case.
fn letter_cases(text: &str, t: &crate::normalise::Token) -> (usize, bool) {
    let orig = text
        .get(t.orig_start as usize..t.orig_end as usize)
        .unwrap_or("");
    (
        orig.chars().filter(|c| c.is_uppercase()).count(),
        orig.chars().any(char::is_lowercase),
    )
}

/// A detector's hit on tokens `first..=last` of the turn.
fn span_hit(whole: Hit, tokens: &[crate::normalise::Token], first: usize, last: usize) -> Hit {
    let (a, b) = (&tokens[first], &tokens[last]);
    Hit {
        tok_start: first as u32,
        sent_start: a.sentence,
        sent_end: b.sentence,
        orig_start: a.orig_start,
        orig_end: b.orig_end,
        ..whole
    }
}

/// The turn detectors, run on the turn just normalised into `norm`.
impl super::Auditor<'_> {
    /// Runs one turn detector on the current turn, pushing its hits.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn detect(
        &mut self,
        ti: usize,
        turn: &crate::model::Turn,
        text: &str,
        item: u32,
        det: Detector,
        mirror_side: Option<usize>,
        prev_end: Option<u64>,
        prev_speaker: Option<Speaker>,
    ) {
        let norm = &self.norm;
        // A hit on the whole turn (not in a question); the detectors narrow it.
        let whole = Hit::detector(
            item,
            ti as u32,
            norm.sentence_count().saturating_sub(1) as u32,
            text.len() as u32,
        );
        match det {
            Detector::Question | Detector::Statement { .. } => {
                let min_words = match det {
                    Detector::Statement { min_words } => Some(min_words as usize),
                    _ => None,
                };
                self.sentence_hits(whole, min_words);
            }
            Detector::Mirroring {
                min_shared_words,
                min_share,
            } => {
                let Some(side) = mirror_side else { return };
                self.mirroring_hits(whole, side, min_shared_words, min_share);
            }
            Detector::Shouting {
                min_caps_share,
                min_caps_words,
            } => {
                if self.shouts(text, min_caps_share, min_caps_words) {
                    let caps = Some((min_caps_share, min_caps_words));
                    self.typography_hits(whole, text, caps, None);
                }
            }
            Detector::CustomerUpset {
                min_caps_share,
                min_caps_words,
                min_marks,
            } => {
                let shouting = self.shouts(text, min_caps_share, min_caps_words);
                let marks = norm.stats.longest_mark_run >= min_marks || norm.stats.mixed_marks;
                if shouting || marks {
                    let caps = shouting.then_some((min_caps_share, min_caps_words));
                    self.typography_hits(whole, text, caps, marks.then_some(min_marks));
                }
            }
            Detector::Interruption { .. } if self.chat => {}
            Detector::Interruption { min_overlap_ms } => {
                let flagged = turn.interruption.unwrap_or(false);
                let overlaps = match (turn.start_ms, prev_end, prev_speaker) {
                    (Some(s), Some(e), Some(p))
                        if turn.interruption.is_none() && p != turn.speaker =>
                    {
                        s + min_overlap_ms <= e
                    }
                    _ => false,
                };
                if flagged || overlaps {
                    self.hits.push(whole);
                }
            }
            Detector::CustomerCalmed | Detector::Silence { .. } => {}
        }
    }

    /// Whether the turn shouts: most of its words in capitals, or those of one of its sentences
    /// alone ("Let me check. I ALREADY TOLD YOU THE REFUND IS PROCESSING.": tester t18), each
    /// with at least `min_words` words in capitals. A sentence alone needs a function word of
    /// the language among its capitals ("YOU", "THE", "IS"): a reference read out ("Booking ref
    /// KXR PLM QQT.") or the labels on a screen ("Tap SETTINGS, WI-FI, RESET.") shout at nobody
    /// (reviewer r25). Sentences are looked at only in a turn with that many words in capitals,
    /// which few turns have.
    fn shouts(&self, text: &str, min_share: f64, min_words: u32) -> bool {
        let norm = &self.norm;
        if is_shouting(&norm.stats, min_share, min_words) {
            return true;
        }
        if norm.stats.caps_words < min_words {
            return false;
        }
        let tokens = &norm.tokens;
        let mut from = 0;
        while from < tokens.len() {
            let s = tokens[from].sentence;
            let (mut words, mut caps_words, mut spoken) = (0u32, 0u32, false);
            while from < tokens.len() && tokens[from].sentence == s {
                let t = &tokens[from];
                if t.kind == crate::normalise::TokenKind::Word {
                    let (upper, lower) = letter_cases(text, t);
                    words += u32::from(upper > 0 || lower);
                    if upper >= 2 && !lower {
                        caps_words += 1;
                        spoken = spoken
                            || norm
                                .text
                                .get(t.start as usize..t.end as usize)
                                .is_some_and(|w| self.content_filter.is_function_word(w));
                    }
                }
                from += 1;
            }
            if spoken
                && caps_words >= min_words
                && f64::from(caps_words) / f64::from(words) >= min_share
            {
                return true;
            }
        }
        false
    }

    /// The shouting and upset detectors, once the turn has fired them: a hit on the sentences
    /// that carry what fired — capitals (`caps`: a sentence whose own words pass the same
    /// share or count) or a run of marks (`min_marks` `!`/`?`, or `?` and `!` mixed) — one for
    /// each run of such sentences in a row, so that an `unless` in another sentence ("I hate to
    /// bother you. Where is my order???") does not reach it. The whole turn when no sentence
    /// carries it alone (marks inside a quotation, or capitals spread thin).
    fn typography_hits(
        &mut self,
        whole: Hit,
        text: &str,
        caps: Option<(f64, u32)>,
        min_marks: Option<u32>,
    ) {
        let tokens = &self.norm.tokens;
        let hits = &mut self.hits;
        let before = hits.len();
        let mut from = 0;
        // The run of carrying sentences being built: its first token and last token.
        let mut run: Option<(usize, usize)> = None;
        while from < tokens.len() {
            let s = tokens[from].sentence;
            let (mut to, mut words, mut caps_words, mut marked) = (from, 0u32, 0u32, false);
            while to < tokens.len() && tokens[to].sentence == s {
                let t = &tokens[to];
                let orig = text
                    .get(t.orig_start as usize..t.orig_end as usize)
                    .unwrap_or("");
                match t.kind {
                    crate::normalise::TokenKind::Word => {
                        let (upper, lower) = letter_cases(text, t);
                        words += u32::from(upper > 0 || lower);
                        caps_words += u32::from(upper >= 2 && !lower);
                    }
                    crate::normalise::TokenKind::Mark(_) => {
                        let bangs = orig.bytes().filter(|b| matches!(b, b'!' | b'?')).count();
                        let mixed = orig.contains('?') && orig.contains('!');
                        marked |= min_marks.is_some_and(|m| bangs as u32 >= m || mixed);
                    }
                }
                to += 1;
            }
            let shouted = caps.is_some_and(|(share, min_words)| {
                caps_words >= min_words.min(2)
                    && words > 0
                    && f64::from(caps_words) / f64::from(words) >= share
            });
            if shouted || marked {
                run = Some(run.map_or((from, to - 1), |(first, _)| (first, to - 1)));
            } else if let Some((first, last)) = run.take() {
                hits.push(span_hit(whole, tokens, first, last));
            }
            from = to;
        }
        if let Some((first, last)) = run {
            hits.push(span_hit(whole, tokens, first, last));
        }
        if hits.len() == before {
            hits.push(whole);
        }
    }

    /// Question and statement detectors: one hit per sentence that asks (or, with
    /// `min_words`, states with at least that many words).
    fn sentence_hits(&mut self, whole: Hit, min_words: Option<usize>) {
        let norm = &self.norm;
        let tokens = &norm.tokens;
        self.sentences.clear();
        match min_words {
            // Questions are few: each one's span by bisection (tokens are in sentence order).
            None => {
                for s in 0..norm.sentence_count() as u32 {
                    // A run-on question is quoted from where it starts asking.
                    let Some(from) = norm.question_start(s) else {
                        continue;
                    };
                    let to = tokens.partition_point(|t| t.sentence <= s);
                    if from < to {
                        self.sentences.push((s, from, to));
                    }
                }
            }
            // Statements are most sentences: one pass over the tokens gives every sentence's
            // span and words (a sentence without tokens has none, and no hit).
            Some(min) => {
                let mut from = 0;
                while from < tokens.len() {
                    let s = tokens[from].sentence;
                    let (mut to, mut words) = (from, 0);
                    while to < tokens.len() && tokens[to].sentence == s {
                        words += usize::from(tokens[to].kind == crate::normalise::TokenKind::Word);
                        to += 1;
                    }
                    if (s as usize) < norm.sentence_count() && words >= min {
                        // A '?' sentence asks from `from`, its first token.
                        match norm.question_start(s) {
                            None => self.sentences.push((s, from, to)),
                            // A run-on question ("sorry it's late can i take the order
                            // number"): the words before it still tell.
                            Some(q) if q > from => {
                                let told = tokens[from..q]
                                    .iter()
                                    .filter(|t| t.kind == crate::normalise::TokenKind::Word)
                                    .count();
                                if told >= min {
                                    self.sentences.push((s, from, q));
                                }
                            }
                            Some(_) => {}
                        }
                    }
                    from = to;
                }
            }
        }
        for &(s, from, to) in &self.sentences {
            let (first, last) = (&tokens[from], &tokens[to - 1]);
            self.hits.push(Hit {
                tok_start: from as u32,
                sent_start: s,
                sent_end: s,
                orig_start: first.orig_start,
                orig_end: last.orig_end,
                in_question: min_words.is_none(),
                ..whole
            });
        }
    }

    /// The mirroring detector: one hit per run of this turn's content words that echoes the
    /// other party's latest block (`side` is this speaker's).
    fn mirroring_hits(&mut self, whole: Hit, side: usize, min_shared_words: u32, min_share: f64) {
        let norm = &self.norm;
        let earlier = self.blocks[1 - side].content(&self.content_filter);
        if earlier.is_empty() {
            return;
        }
        content_words(
            norm,
            &self.content_filter,
            &mut self.content,
            &mut self.words,
        );
        echoes(
            &self.content,
            earlier,
            min_shared_words,
            &mut self.seen,
            &mut self.echoes,
        );
        let earlier_len = earlier.len();
        for e in &self.echoes {
            if f64::from(e.shared) / (earlier_len as f64) < min_share {
                continue;
            }
            let first = &norm.tokens[e.first];
            let last = &norm.tokens[e.end - 1];
            self.hits.push(Hit {
                tok_start: e.first as u32,
                sent_start: e.sentence,
                sent_end: e.sentence,
                orig_start: first.orig_start,
                orig_end: last.orig_end,
                aux: e.shared,
                ..whole
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;

    #[test]
    fn stop_words_and_numbers_are_not_content() {
        let (mut words, mut set) = (Vec::new(), Vec::new());
        content_words(
            &normalise("Sorry, the 1234 parcels"),
            &ContentFilter::default(),
            &mut words,
            &mut set,
        );
        assert_eq!(set, vec![fingerprint("parcel")]);
    }

    #[test]
    fn stop_words_are_sorted() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn echoes_are_found_per_sentence() {
        let (mut words, mut earlier) = (Vec::new(), Vec::new());
        content_words(
            &normalise("My order arrived damaged and nobody answers"),
            &ContentFilter::default(),
            &mut words,
            &mut earlier,
        );
        let n = normalise("Thanks for waiting. Sorry your order arrived damaged! Order number?");
        let mut set = Vec::new();
        content_words(&n, &ContentFilter::default(), &mut words, &mut set);
        let (mut seen, mut out) = (Vec::new(), Vec::new());
        echoes(&words, &earlier, 2, &mut seen, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].sentence, 1);
        assert_eq!(out[0].shared, 3);
        assert_eq!(n.word(&n.tokens[out[0].first]), "order");
    }

    #[test]
    fn blocks_join_turns_and_compute_once() {
        let mut block = Block::default();
        block.append(&normalise("My parcel"));
        block.append(&normalise("arrived damaged"));
        let (mut words, mut set) = (Vec::new(), Vec::new());
        let filter = ContentFilter::default();
        content_words(
            &normalise("parcel arrived damaged"),
            &filter,
            &mut words,
            &mut set,
        );
        assert_eq!(block.content(&filter), set.as_slice());
        block.clear();
        assert!(block.content(&filter).is_empty());
    }

    #[test]
    fn a_phrase_opens_its_sentence_after_a_greeting_at_most() {
        let t = "@1234 Hi Dan, just to confirm. You will need to confirm it";
        let n = normalise(t);
        let at = |w: &str, nth: usize| {
            n.tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| n.word(t) == w)
                .nth(nth)
                .unwrap()
                .0
        };
        let lead = crate::rubric::OPENING_WORDS;
        assert!(opens_sentence(&n, t, at("just", 0), lead));
        assert!(opens_sentence(&n, t, at("you", 0), lead));
        assert!(!opens_sentence(&n, t, at("to", 1), lead));
        // A handle is no word said: "Fabulous" opens "@AskBrand Fabulous" with no lead-in.
        let t = "@AskBrand Fabulous";
        let n = normalise(t);
        assert!(opens_sentence(&n, t, 1, 0));
        let t = "Simply fabulous";
        assert!(!opens_sentence(&normalise(t), t, 1, 0));
        // Handles hold underscores, and may follow a mark (review).
        for t in [
            "@British_Airways Fabulous",
            ".@Brand Fabulous",
            "@idea_cares @Other_1 Fabulous",
        ] {
            let n = normalise(t);
            assert!(
                opens_sentence(&n, t, after_in(&n, "fabulous") - 1, 0),
                "{t}"
            );
        }
        let t = "@idea_cares Hi Dan, just to confirm";
        let n = normalise(t);
        assert!(opens_sentence(&n, t, after_in(&n, "just") - 1, lead));
        let t = "me@example fabulous";
        let n = normalise(t);
        assert!(!opens_sentence(&n, t, after_in(&n, "example"), 0));
        // Two words that start the sentence are no greeting and name (tester t1's F6).
        for (t, start, opens) in [
            ("In order to confirm you are the owner", "to", false),
            (
                "We need to confirm you are the account holder.",
                "to",
                false,
            ),
            ("I need to confirm your name", "to", false),
            ("Hi Dan just to confirm", "just", true),
            ("Ok so to confirm", "to", true),
            ("Dan, to confirm", "to", true),
            ("Thanks Dan - to confirm", "to", true),
            ("To confirm", "to", true),
            ("You can try again", "try", true),
            ("You need try again", "try", false),
        ] {
            let n = normalise(t);
            assert_eq!(
                opens_sentence(&n, t, after_in(&n, start) - 1, lead),
                opens,
                "{t}"
            );
        }
    }

    #[test]
    fn a_phrase_closes_its_turn_before_marks_numbers_and_a_link_only() {
        let t = "6 hours late. Wonderful! 2/2 https://t.co/abc";
        let n = normalise(t);
        assert!(closes_turn(&n, t, after_in(&n, "wonderful")));
        assert!(!closes_turn(&n, t, after_in(&n, "late")));
        let t = "Great! Thanks for your help";
        let n = normalise(t);
        assert!(!closes_turn(&n, t, after_in(&n, "great")));
        assert!(closes_turn(&n, t, after_in(&n, "help")));
        // Two links are still only links; words after a link are more said.
        let t = "Great. https://t.co/x https://t.co/y";
        let n = normalise(t);
        assert!(closes_turn(&n, t, after_in(&n, "great")));
        let t = "Wonderful! @Ask_Brand";
        let n = normalise(t);
        assert!(closes_turn(&n, t, after_in(&n, "wonderful")));
        let t = "Great. https://t.co/x and more words";
        let n = normalise(t);
        assert!(!closes_turn(&n, t, after_in(&n, "great")));
    }

    /// The token after the first `w`.
    fn after_in(n: &Normalised, w: &str) -> usize {
        n.tokens.iter().position(|t| n.word(t) == w).unwrap() + 1
    }

    #[test]
    fn shouting_needs_several_capitalised_words() {
        let s = normalise("THIS IS RIDICULOUS").stats;
        assert!(is_shouting(&s, 0.6, 3));
        let s = normalise("My DM to UPS failed").stats;
        assert!(!is_shouting(&s, 0.6, 3));
    }
}
