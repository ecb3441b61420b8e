//! Phrase syntax.
//!
//! ```text
//! i am sorry              literal words (normalised like transcripts: case, apostrophes,
//!                         contractions — "I'm sorry" and "i am sorry" are the same phrase)
//! refund*                 a word starting with "refund" (refunds, refunded, refunding)
//! within {num} days       a number slot: digits ("5") or a number word ("five")
//! sorry NEAR/3 delay      both sides within 3 words of each other, either order
//! apologi* BEFORE/5 fix*  the left side, then the right side at most 5 words later
//! {we|I} will {call|email} you       alternatives: any one of the words or phrases between `|`
//! {really|} sorry         an empty alternative makes the group optional
//! wait {num|few} minutes  inside a group, `num` is the number slot (groups do not nest)
//! ```
//!
//! Alternatives are expanded when the rubric is compiled (`expand`): each combination becomes
//! a phrase of its own, reported under the phrase as written. The automaton does not search for
//! whole phrases but for their anchors (`choose_anchor`: one uncommon word, which the
//! combinations of a family mostly share); the matcher checks the rest of the phrase around
//! each hit.
//!
//! Word boundaries always apply. Each side of NEAR/BEFORE is itself a sequence of words, stems and
//! number slots; a phrase has at most one operator.

use crate::language::{Contractions, Language, TextRules};
use crate::normalise::{Normalised, TokenKind, normalise_into_with};
use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// A whole normalised word (or sentence mark).
    Word(Word),
    /// A word that starts with this (normalised) prefix.
    Stem(Word),
    /// A number: digits or a number word.
    Num,
}

/// A normalised word of a phrase (or a stem), shared: the built-in rubric's ~17,700 expanded
/// phrases are made of a few thousand distinct words, each allocated once per compile
/// (`intern`), and a copy (the matcher keeps one of every side's parts) is a reference count.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Word(Arc<str>);

impl Word {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Word {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Word {
    fn from(s: &str) -> Word {
        Word(Arc::from(s))
    }
}

impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// A fast, fixed-seed hash (foldhash) for the parser's sets: the words hashed here are the
/// rubric's own, a few bytes each, so SipHash's protection is not needed and its cost was a
/// tenth of parsing the phrases. Fixed seed: the same order on every run.
type FxSet<T> = HashSet<T, foldhash::fast::FixedState>;
type FxMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The sides already parsed on this thread since `release_shared`, by their words joined with
/// one space and the rules they were parsed with: a third of the built-in rubric's 17,700
/// expanded sides are the same words as another ("… NEAR/5 sorry" in many families).
#[derive(Default)]
struct Sides {
    rules: Option<TextRules>,
    by_words: FxMap<String, Seq>,
    key: String,
}

thread_local! {
    /// The words of the phrases parsed on this thread since `release_shared` (see `Word`).
    static WORDS: RefCell<FxSet<Arc<str>>> = RefCell::new(FxSet::default());
    static SIDES: RefCell<Sides> = RefCell::new(Sides::default());
    /// What parsing a side works in, reused from side to side.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The shared copy of `word` (see `Word`).
fn intern(word: &str) -> Word {
    WORDS.with_borrow_mut(|words| {
        if let Some(w) = words.get(word) {
            return Word(Arc::clone(w));
        }
        let w: Arc<str> = Arc::from(word);
        words.insert(Arc::clone(&w));
        Word(w)
    })
}

/// Lets go of this thread's shared words and parsed sides (the compiled phrases keep theirs):
/// called once a rubric is compiled, so that compiling many rubrics does not keep all of them.
pub fn release_shared() {
    WORDS.with_borrow_mut(|words| *words = FxSet::default());
    SIDES.with_borrow_mut(|sides| *sides = Sides::default());
    SCRATCH.with_borrow_mut(|scratch| scratch.parts.clear());
}

/// A sequence of parts matched word after word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seq {
    /// Shared: a side parsed before is reused (`parse_seq`) and the matcher keeps every side's
    /// parts, so a copy is a reference count, not a vector of words.
    pub parts: Arc<[Part]>,
    /// The parts put into the automaton (see `choose_anchor`): a few consecutive words, which
    /// may end in a stem, chosen to be rare in text and shared by the phrases of a family.
    /// Everything else, outside and inside it, is checked around each automaton match.
    pub anchor: std::ops::Range<usize>,
    /// The anchor of at most two words, for a phrase whose one-word anchor too many phrases
    /// share (the matcher decides: see `Matcher::build`).
    pub pair_anchor: std::ops::Range<usize>,
    /// The longest run of words (optionally closed by a stem): what the automaton searched for
    /// before anchors were shortened. The matcher reports hits in the order the automaton
    /// found these runs, which is the order every output was written in.
    pub longest_run: std::ops::Range<usize>,
}

impl Seq {
    /// The literal the automaton searches for, with the word-boundary spaces.
    #[cfg(test)]
    pub fn anchor_literal(&self) -> String {
        self.literal(self.anchor.clone())
    }

    /// The literal of the longest run (`longest_run`), with the word-boundary spaces.
    #[cfg(test)]
    pub fn longest_run_literal(&self) -> String {
        self.literal(self.longest_run.clone())
    }

    /// The literal of a run of `parts` (words, optionally closed by a stem), with the
    /// word-boundary spaces.
    pub fn literal(&self, run: std::ops::Range<usize>) -> String {
        let mut s = String::new();
        self.push_literal(run, &mut s);
        s
    }

    /// `literal(run).len()`, without making it.
    pub fn literal_len(&self, run: std::ops::Range<usize>) -> usize {
        let parts = &self.parts[run];
        let words: usize = parts
            .iter()
            .map(|p| match p {
                Part::Word(w) | Part::Stem(w) => w.len(),
                Part::Num => unreachable!("anchors hold no number slot"),
            })
            .sum();
        // " w1 w2 … wn" and the closing space of a last whole word.
        1 + words
            + parts.len().saturating_sub(1)
            + usize::from(matches!(parts.last(), Some(Part::Word(_))))
    }

    /// `literal(run)` written at the end of `out` (the matcher keeps the literals it compares
    /// one after the other in one buffer).
    pub fn push_literal(&self, run: std::ops::Range<usize>, out: &mut String) {
        let end = run.end;
        // Sized first: this is called for every side of every phrase while the matcher is
        // built (one allocation each instead of a doubling per word).
        let len = self.literal_len(run.clone());
        let parts = &self.parts[run];
        out.reserve(len);
        out.push(' ');
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match p {
                Part::Word(w) => out.push_str(w),
                Part::Stem(w) => out.push_str(w),
                Part::Num => unreachable!("anchors hold no number slot"),
            }
        }
        if matches!(self.parts[end - 1], Part::Word(_)) {
            out.push(' ');
        }
    }

    /// True when a match of its `anchor` alone proves the phrase (no stems or slots to check).
    pub fn is_plain(&self) -> bool {
        self.is_proven_by(&self.anchor)
    }

    /// True when a match of `anchor` alone proves the phrase: it is the whole phrase, all words.
    pub fn is_proven_by(&self, anchor: &std::ops::Range<usize>) -> bool {
        *anchor == (0..self.parts.len()) && self.parts.iter().all(|p| matches!(p, Part::Word(_)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhraseExpr {
    Seq(Seq),
    /// `a NEAR/n b` (ordered = false) or `a BEFORE/n b` (ordered = true): at most `gap` words
    /// between the end of one side and the start of the other.
    Near {
        a: Seq,
        b: Seq,
        gap: u32,
        ordered: bool,
    },
}

/// The largest NEAR/BEFORE distance, in words: far more than a turn's sentence, and small
/// enough that the matcher's arithmetic on word positions cannot overflow.
pub const MAX_DISTANCE: u32 = 10_000;

/// Most combinations one phrase may expand to: a family, not a vocabulary.
pub const MAX_EXPANSIONS: usize = 1024;

/// Expands the alternatives of a phrase (`{a|b}`, `{a|}` for optional) into plain phrases, in
/// order. `{num}` is a number slot, not a group, and is kept as it is.
pub fn expand(src: &str) -> Result<Vec<String>, String> {
    // The phrase as text between groups (`pieces`, one more than `groups`) and each group's
    // options, checked group by group in the order (and with the messages) of expanding them
    // one after the other.
    let mut pieces: Vec<&str> = Vec::new();
    let mut groups: Vec<Vec<Cow<str>>> = Vec::new();
    let mut count = 1usize;
    let mut rest = src;
    let mut piece_start = 0;
    while let Some(open) = rest[piece_start..].find('{').map(|o| o + piece_start) {
        let after = &rest[open..];
        let close = after
            .find('}')
            .ok_or_else(|| "`{` without a closing `}`".to_string())?;
        let inner = &after[1..close];
        if inner.contains('{') {
            return Err("groups `{…}` cannot be nested".into());
        }
        if inner == "num" {
            // Kept in the text: the piece goes on past it.
            piece_start = open + close + 1;
            continue;
        } else if inner.contains('|') {
            let options = inner
                .split('|')
                .map(|o| family_option(o.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            if count * options.len() > MAX_EXPANSIONS {
                return Err(format!(
                    "the alternatives expand to more than {MAX_EXPANSIONS} phrases: split it"
                ));
            }
            count *= options.len();
            pieces.push(&rest[..open]);
            groups.push(options);
        } else {
            return Err(format!(
                "`{{{inner}}}`: separate alternatives with `|` (`{{we|I}}`, `{{really|}}` for \
                 optional), or write `{{num}}` for a number"
            ));
        }
        rest = &after[close + 1..];
        piece_start = 0;
    }
    if rest[piece_start..].contains('}') {
        return Err("`}` without an opening `{`".into());
    }
    pieces.push(rest);

    // Every combination, the first group's choice changing slowest; words joined by one
    // space. One buffer for the raw text, one exact allocation per phrase.
    let mut choice = vec![0usize; groups.len()];
    let mut raw = String::with_capacity(src.len());
    let mut out: Vec<String> = Vec::with_capacity(count);
    for _ in 0..count {
        raw.clear();
        for (g, options) in groups.iter().enumerate() {
            raw.push_str(pieces[g]);
            raw.push_str(&options[choice[g]]);
        }
        raw.push_str(pieces[groups.len()]);
        let phrase = if single_spaced(&raw) {
            raw.clone()
        } else {
            let mut phrase = String::with_capacity(raw.len());
            for w in raw.split_whitespace() {
                if !phrase.is_empty() {
                    phrase.push(' ');
                }
                phrase.push_str(w);
            }
            phrase
        };
        if phrase.is_empty() {
            return Err("one choice of the alternatives leaves no words".into());
        }
        // A few choices are compared with those kept; more are deduplicated at the end, by
        // a set (comparing each with every one kept was a million comparisons for the
        // built-in rubric's 1,600 written phrases).
        if count > DEDUP_BY_SCAN || !out.contains(&phrase) {
            out.push(phrase);
        }
        // The next combination: the last group's choice changes fastest.
        for g in (0..groups.len()).rev() {
            choice[g] += 1;
            if choice[g] < groups[g].len() {
                break;
            }
            choice[g] = 0;
        }
    }
    if count > DEDUP_BY_SCAN {
        let mut seen: FxSet<&str> = FxSet::default();
        let first: Vec<bool> = out.iter().map(|p| seen.insert(p.as_str())).collect();
        let mut first = first.into_iter();
        out.retain(|_| first.next().unwrap_or(true));
    }
    Ok(out)
}

/// An alternative of a `{…}` family, its word `num` made the number slot `{num}`: groups do not
/// nest, so inside a family the slot is written `num` (`wait {num|few} minutes`, `for {num|}
/// hours`, `{num days|a week}`). Read as the word "num", it silently matched nothing a rubric
/// author meant (tester t8, #2). `NUM` or `Num` there is refused, as `{NUM}` is.
fn family_option(option: &str) -> Result<Cow<'_, str>, String> {
    // Most alternatives have no "num" in them at all (this runs for every alternative of
    // every family, at every compile).
    if !option
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"num"))
    {
        return Ok(Cow::Borrowed(option));
    }
    if let Some(w) = option
        .split_whitespace()
        .find(|w| w.eq_ignore_ascii_case("num") && *w != "num")
    {
        return Err(format!(
            "`{w}` in `{{…}}`: inside a family the number slot is written `num`, in lower case \
             (`{{num|few}}`, `{{num|}}` for an optional number)"
        ));
    }
    if !option.split_whitespace().any(|w| w == "num") {
        return Ok(Cow::Borrowed(option));
    }
    let words: Vec<&str> = option
        .split_whitespace()
        .map(|w| if w == "num" { "{num}" } else { w })
        .collect();
    Ok(Cow::Owned(words.join(" ")))
}

/// What a phrase of no words is told: blank, only punctuation, or only anchors.
pub const NO_WORDS: &str = "the phrase has no words (punctuation is ignored)";

/// Checks the `^`, `$` and `|` left in a phrase once its opening `^` and closing `$` are taken
/// off (`text`, which `expand` accepted; `opens_sentence` and `closes_turn` say whether they
/// were there, for the fix suggested): the normaliser drops them as punctuation, so a `^`
/// inside a group or the middle of a phrase would anchor nothing, and `yes|no` outside braces
/// would be the phrase "yes no", with no word of warning. Each is an error that says what to
/// write instead.
pub fn misplaced_marks(text: &str, opens_sentence: bool, closes_turn: bool) -> Result<(), String> {
    // Most phrases have no mark left and bars only inside groups: nothing to look at (this runs
    // for every written phrase, at every compile).
    let mut depth = 0u32;
    let bar_outside = text.bytes().any(|b| {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        b == b'|' && depth == 0
    });
    if !bar_outside && !text.contains(['^', '$']) {
        return Ok(());
    }
    // The text outside groups (pieces) and each group's options, with where each group is.
    let mut pieces: Vec<&str> = Vec::new();
    let mut groups: Vec<(usize, usize, Vec<&str>)> = Vec::new();
    let mut rest_start = 0;
    while let Some(open) = text[rest_start..].find('{').map(|o| o + rest_start) {
        let close = match text[open..].find('}') {
            Some(c) => open + c,
            None => break, // `expand` reports it
        };
        pieces.push(&text[rest_start..open]);
        let inner = &text[open + 1..close];
        if inner != "num" {
            groups.push((open, close, inner.split('|').collect()));
        }
        rest_start = close + 1;
    }
    pieces.push(&text[rest_start..]);

    let opens = |t: &str| t == "^" || t.strip_prefix('^').is_some_and(starts_alphabetic);
    let closes = |t: &str| t == "$";
    for piece in &pieces {
        if piece.contains('|') {
            let suggestion = if groups.is_empty() {
                let parts: Vec<&str> = text.split('|').map(str::trim).collect();
                format!("`{{{}}}`", parts.join("|"))
            } else {
                "`{yes|no}`".to_string()
            };
            return Err(format!(
                "`|` separates alternatives only inside `{{…}}`: write {suggestion}, or the \
                 alternatives as phrases of their own"
            ));
        }
        for t in piece.split_whitespace() {
            if opens(t) {
                return Err(
                    "`^` goes only at the start of a phrase, once (`^ just to confirm`: where \
                     it opens its sentence)"
                        .into(),
                );
            }
            if closes(t) {
                return Err(
                    "`$` goes only at the end of a phrase, once (`wonderful $`: where it \
                     closes its turn)"
                        .into(),
                );
            }
        }
    }
    for (open, close, options) in &groups {
        let caret = options.iter().any(|o| o.split_whitespace().any(&opens));
        let dollar = options.iter().any(|o| {
            let mut words = o.split_whitespace();
            words.any(&closes) || ends_alphabetic_dollar(o)
        });
        if !caret && !dollar {
            continue;
        }
        // The fix, when the group opens (or closes) the phrase: the mark once, outside it.
        let cleaned: Vec<String> = options
            .iter()
            .map(|o| {
                let o = o.trim();
                let o = o.strip_prefix('^').unwrap_or(o).trim_start();
                let o = o.strip_suffix('$').unwrap_or(o).trim_end();
                o.to_string()
            })
            .collect();
        let group = format!("{{{}}}", cleaned.join("|"));
        let (before, after) = (&text[..*open], &text[close + 1..]);
        let (caret_mark, dollar_mark) = (
            if opens_sentence { "^ " } else { "" },
            if closes_turn { " $" } else { "" },
        );
        if caret {
            return Err(if before.trim().is_empty() {
                format!(
                    "`^` inside `{{…}}` anchors nothing: write `^` before the group: \
                     `^ {group}{after}{dollar_mark}`"
                )
            } else {
                "`^` inside `{…}` anchors nothing: `^` goes only at the start of a phrase; \
                 write the anchored alternatives as phrases of their own"
                    .to_string()
            });
        }
        return Err(if after.trim().is_empty() {
            format!(
                "`$` inside `{{…}}` anchors nothing: write `$` after the group: \
                 `{caret_mark}{before}{group} $`"
            )
        } else {
            "`$` inside `{…}` anchors nothing: `$` goes only at the end of a phrase; write the \
             anchored alternatives as phrases of their own"
                .to_string()
        });
    }
    Ok(())
}

fn starts_alphabetic(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphabetic)
}

/// An option that ends in a word with `$` glued to it (`{great$|wonderful$}`).
fn ends_alphabetic_dollar(option: &str) -> bool {
    option
        .trim_end()
        .strip_suffix('$')
        .and_then(|s| s.chars().next_back())
        .is_some_and(char::is_alphabetic)
}

/// Expansions up to this many are deduplicated as they are made, by comparing each with those
/// kept; more, by a set at the end (`expand`): the first of equal expansions stays either way.
const DEDUP_BY_SCAN: usize = 16;

/// True when `raw` is ASCII words joined by single spaces: already what
/// `split_whitespace` and `join(" ")` would make of it.
fn single_spaced(raw: &str) -> bool {
    let mut after_space = true; // nothing before: a leading space is not single
    for &b in raw.as_bytes() {
        // Non-ASCII may be Unicode white space; 0x09–0x0D are white space.
        if b >= 0x80 || (0x09..=0x0d).contains(&b) {
            return false;
        }
        let space = b == b' ';
        if space && after_space {
            return false;
        }
        after_space = space;
    }
    !after_space
}

/// Parses one phrase (after `expand`) with English rules. Errors are messages for the rubric
/// author.
#[cfg(test)]
pub fn parse(src: &str) -> Result<PhraseExpr, String> {
    parse_with(src, &TextRules::default())
}

/// Parses one phrase (after `expand`), normalising its words with the rubric's rules so that
/// they meet transcripts in the same form.
pub fn parse_with(src: &str, rules: &TextRules) -> Result<PhraseExpr, String> {
    let words: Vec<&str> = src.split_whitespace().collect();
    if words.is_empty() {
        return Err("empty phrase".into());
    }
    let mut op: Option<(usize, u32, bool)> = None;
    for (i, w) in words.iter().enumerate() {
        let parsed = if let Some(n) = w.strip_prefix("NEAR/") {
            Some((n, false))
        } else if let Some(n) = w.strip_prefix("BEFORE/") {
            Some((n, true))
        } else if *w == "NEAR" || *w == "BEFORE" {
            return Err(format!("`{w}` needs a distance, e.g. `{w}/3`"));
        } else {
            None
        };
        if parsed.is_none()
            // (A byte search: this runs for every word of every expanded phrase.)
            && let Some(slash) = w.bytes().position(|b| b == b'/')
            && let (name, n) = (&w[..slash], &w[slash + 1..])
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && ["near", "before"].contains(&name.to_lowercase().as_str())
        {
            // `near/3` is a mistyped operator, not the words "near 3".
            return Err(format!(
                "`{w}`: operators are written in capitals: `{}/{n}`",
                name.to_uppercase()
            ));
        }
        if let Some((n, ordered)) = parsed {
            let gap: u32 = match n.parse() {
                Ok(gap) if gap <= MAX_DISTANCE => gap,
                _ if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(format!(
                        "`{w}`: the distance is too large (at most {MAX_DISTANCE} words)"
                    ));
                }
                _ => {
                    return Err(format!(
                        "`{w}`: the distance must be a whole number of words"
                    ));
                }
            };
            if op.is_some() {
                return Err("a phrase can have only one NEAR or BEFORE".into());
            }
            op = Some((i, gap, ordered));
        }
    }
    match op {
        None => Ok(PhraseExpr::Seq(parse_seq(&words, rules)?)),
        Some((i, gap, ordered)) => {
            let name = if ordered { "BEFORE" } else { "NEAR" };
            if i == 0 || i == words.len() - 1 {
                return Err(format!("`{name}` needs a phrase on both sides"));
            }
            Ok(PhraseExpr::Near {
                a: parse_seq(&words[..i], rules)?,
                b: parse_seq(&words[i + 1..], rules)?,
                gap,
                ordered,
            })
        }
    }
}

fn parse_seq(words: &[&str], rules: &TextRules) -> Result<Seq, String> {
    SIDES.with_borrow_mut(|sides| {
        if sides.rules != Some(*rules) {
            sides.by_words.clear();
            sides.rules = Some(*rules);
        }
        sides.key.clear();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                sides.key.push(' ');
            }
            sides.key.push_str(w);
        }
        if let Some(seq) = sides.by_words.get(sides.key.as_str()) {
            return Ok(seq.clone());
        }
        let seq = SCRATCH.with_borrow_mut(|s| parse_seq_into(words, rules, s))?;
        sides.by_words.insert(sides.key.clone(), seq.clone());
        Ok(seq)
    })
}

/// What parsing a side works in (`parse_seq_into`): about 13,000 sides of the built-in rubric
/// are parsed at every start, and making and freeing these for each was about a sixth of
/// parsing them (callgrind).
#[derive(Default)]
struct Scratch {
    /// The normalisation of the words being parsed.
    norm: Normalised,
    parts: Vec<Part>,
    /// Consecutive plain words, normalised together.
    pending: String,
    /// Per part: letters in uncommon words (see `choose_anchor`).
    letters: Vec<usize>,
}

/// `parse_seq`, working in `scratch`.
fn parse_seq_into(words: &[&str], rules: &TextRules, scratch: &mut Scratch) -> Result<Seq, String> {
    let Scratch {
        norm: n,
        parts,
        pending,
        letters,
    } = scratch;
    parts.clear();
    pending.clear();
    let flush = |pending: &mut String, parts: &mut Vec<Part>, n: &mut Normalised| {
        if !pending.is_empty() {
            normalise_into_with(pending, n, rules);
            for t in &n.tokens {
                parts.push(Part::Word(match t.kind {
                    TokenKind::Word => intern(n.word(t)),
                    TokenKind::Mark(m) => intern((m as char).encode_utf8(&mut [0; 4])),
                }));
            }
            pending.clear();
        }
    };
    for w in words {
        if *w == "{num}" {
            flush(pending, parts, n);
            parts.push(Part::Num);
        } else if let Some(stem) = w.strip_suffix('*') {
            flush(pending, parts, n);
            if stem.contains('*') || stem.contains("{num}") {
                return Err(format!("`{w}`: `*` goes only at the end of a word"));
            }
            normalise_into_with(stem, n, rules);
            let mut words: Vec<_> = n
                .tokens
                .iter()
                .filter(|t| t.kind == TokenKind::Word)
                .collect();
            // French elision: "l'attent*" is the word "l" and the stem "attent".
            let elided = rules.contractions == Contractions::French
                && words.len() > 1
                && words.len() == n.tokens.len();
            if elided {
                for t in words.drain(..words.len() - 1) {
                    parts.push(Part::Word(intern(n.word(t))));
                }
            }
            let too_short = || {
                format!(
                    "`{w}`: a wildcard stem needs at least 3 letters, or it matches almost anything"
                )
            };
            if words.len() != 1 || (!elided && n.tokens.len() != 1) {
                // One written word the normaliser reads as several: a contraction ("can't",
                // or chat-style "cant", "im"), which no wildcard can follow.
                let one_word = stem
                    .chars()
                    .all(|c| c.is_alphanumeric() || crate::normalise::is_apostrophe(c));
                if one_word && stem.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
                    return Err(too_short());
                }
                if one_word && words.len() > 1 && words.len() == n.tokens.len() {
                    let read: Vec<&str> = words.iter().map(|t| n.word(t)).collect();
                    let chat = if stem.chars().any(crate::normalise::is_apostrophe) {
                        ""
                    } else {
                        " (chat spelling)"
                    };
                    return Err(format!(
                        "`{w}`: `{stem}` is read as \"{}\"{chat}, so a wildcard cannot follow \
                         it; write the words out in full",
                        read.join(" ")
                    ));
                }
                return Err(format!(
                    "`{w}`: a wildcard applies to one word (write the words before it separately)"
                ));
            }
            let stem = n.word(words[0]);
            if stem.chars().count() < 3 {
                return Err(too_short());
            }
            parts.push(Part::Stem(intern(stem)));
        } else if w.contains('*') || w.contains('{') || w.contains('}') {
            return Err(format!(
                "`{w}`: unknown syntax (use `word*` for a stem, `{{num}}` for a number)"
            ));
        } else {
            if !pending.is_empty() {
                pending.push(' ');
            }
            pending.push_str(w);
        }
    }
    flush(pending, parts, n);
    if parts.is_empty() {
        return Err("the phrase has no words (punctuation is ignored)".into());
    }
    let longest_run = longest_run(parts).ok_or_else(|| {
        "a phrase needs at least one literal word or stem besides `{num}`".to_string()
    })?;
    letters.clear();
    letters.extend(parts.iter().map(|p| match p {
        Part::Word(w) if is_common_word(rules.language, w) => 0,
        Part::Word(w) | Part::Stem(w) => w.chars().count(),
        Part::Num => 0,
    }));
    let anchor = choose_anchor(parts, letters, longest_run.clone(), MAX_ANCHOR_WORDS);
    let pair_anchor = choose_anchor(parts, letters, longest_run.clone(), 2);
    Ok(Seq {
        parts: parts.as_slice().into(),
        anchor,
        pair_anchor,
        longest_run,
    })
}

/// The run of consecutive words, optionally closed by a stem, with the most literal bytes.
fn longest_run(parts: &[Part]) -> Option<std::ops::Range<usize>> {
    let mut best: Option<(usize, std::ops::Range<usize>)> = None;
    let mut i = 0;
    while i < parts.len() {
        if matches!(parts[i], Part::Num) {
            i += 1;
            continue;
        }
        // A run starts at i: words, then at most one stem which ends it.
        let mut j = i;
        let mut len = 0;
        while j < parts.len() {
            match &parts[j] {
                Part::Word(w) => {
                    len += w.len() + 1;
                    j += 1;
                }
                Part::Stem(w) => {
                    len += w.len() + 1;
                    j += 1;
                    break;
                }
                Part::Num => break,
            }
        }
        if best.as_ref().is_none_or(|(l, _)| len > *l) {
            best = Some((len, i..j));
        }
        // A stem ends a run, and the next run may start right after it.
        i = j.max(i + 1);
    }
    best.map(|(_, r)| r)
}

/// Most words in an anchor. One uncommon word is usually as selective as a run of them, and
/// short anchors are shared: the 8 expansions of `{we|I} {will|can} {refund|credit} you` need
/// two patterns (" refund ", " credit "), not eight. (Measured with cachegrind on TweetSumm:
/// anchors of up to 2 or 3 words for every phrase made the automaton 5–10 times larger for no
/// fewer instructions; see `Matcher::build` for where two words are used.)
const MAX_ANCHOR_WORDS: usize = 1;

/// The parts to search for: a run of at most `max_words` consecutive words (optionally closed
/// by a stem) with the most letters in uncommon words (`letters`, per part: 0 for a word of
/// `is_common_word`, as "the", "you", "will" are everywhere and each of their hits would be
/// checked against every phrase anchored on them); among equals the one with more words (a common word next to it still makes it
/// rarer), then more bytes, then the first. A sequence of common words only keeps its longest
/// run, whose words together are rarer ("and so on", "is it {num}").
fn choose_anchor(
    parts: &[Part],
    letters: &[usize],
    longest_run: std::ops::Range<usize>,
    max_words: usize,
) -> std::ops::Range<usize> {
    let bytes = |p: &Part| match p {
        Part::Word(w) | Part::Stem(w) => w.len() + 1,
        Part::Num => 0,
    };
    type Rank = (usize, usize, usize, Reverse<usize>);
    let mut best: Option<(Rank, std::ops::Range<usize>)> = None;
    for start in 0..parts.len() {
        let (mut uncommon, mut len) = (0, 0);
        for end in start + 1..=parts.len().min(start + max_words) {
            let last = &parts[end - 1];
            if matches!(last, Part::Num) {
                break;
            }
            uncommon += letters[end - 1];
            len += bytes(last);
            let rank = (uncommon, end - start, len, Reverse(start));
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, start..end));
            }
            if matches!(last, Part::Stem(_)) {
                break; // a stem ends a run
            }
        }
    }
    match best {
        Some(((letters, ..), range)) if letters > 0 => range,
        _ => longest_run,
    }
}

/// Words so frequent in conversation that an anchor of them alone would be checked at nearly
/// every word: the language's function words (NLTK), sentence marks and numbers.
fn is_common_word(lang: Language, word: &str) -> bool {
    static SETS: OnceLock<[FxSet<String>; 3]> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        Language::ALL.map(|l| {
            let mut set = FxSet::default();
            for w in crate::language::common_words(l) {
                set.insert(w.to_string());
                set.insert(crate::language::fold_str(w));
            }
            set
        })
    });
    let index = Language::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    sets[index].contains(word) || !word.chars().any(char::is_alphabetic)
}

impl Part {
    /// Does one normalised word satisfy this part (English number words)?
    pub fn accepts(&self, word: &str) -> bool {
        self.accepts_in(word, Language::En)
    }

    /// Does one normalised word satisfy this part, with the number words of `lang`?
    pub fn accepts_in(&self, word: &str, lang: Language) -> bool {
        match self {
            Part::Word(w) => w.as_str() == word,
            Part::Stem(s) => word.starts_with(s.as_str()),
            Part::Num => {
                (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
                    || crate::language::is_number_word(lang, word)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expand` as it was written before it was made faster: the reference it must agree with.
    fn expand_reference(src: &str) -> Result<Vec<String>, String> {
        let mut variants = vec![String::new()];
        let mut rest = src;
        while let Some(open) = rest.find('{') {
            let (before, after) = rest.split_at(open);
            let close = after
                .find('}')
                .ok_or_else(|| "`{` without a closing `}`".to_string())?;
            let inner = &after[1..close];
            if inner.contains('{') {
                return Err("groups `{…}` cannot be nested".into());
            }
            for v in &mut variants {
                v.push_str(before);
            }
            if inner == "num" {
                for v in &mut variants {
                    v.push_str("{num}");
                }
            } else if inner.contains('|') {
                let options = inner
                    .split('|')
                    .map(|o| family_option(o.trim()))
                    .collect::<Result<Vec<_>, _>>()?;
                if variants.len() * options.len() > MAX_EXPANSIONS {
                    return Err(format!(
                        "the alternatives expand to more than {MAX_EXPANSIONS} phrases: split it"
                    ));
                }
                variants = variants
                    .iter()
                    .flat_map(|v| options.iter().map(move |o| format!("{v}{o}")))
                    .collect();
            } else {
                return Err(format!(
                    "`{{{inner}}}`: separate alternatives with `|` (`{{we|I}}`, `{{really|}}` for \
                     optional), or write `{{num}}` for a number"
                ));
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err("`}` without an opening `{`".into());
        }
        let mut out: Vec<String> = Vec::with_capacity(variants.len());
        for v in variants {
            let phrase = format!("{v}{rest}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if phrase.is_empty() {
                return Err("one choice of the alternatives leaves no words".into());
            }
            if !out.contains(&phrase) {
                out.push(phrase);
            }
        }
        Ok(out)
    }

    /// Every string of the built-in rubrics, and awkward ones, expand (or fail) exactly as
    /// they did.
    #[test]
    fn expand_agrees_with_the_reference_on_every_builtin_string_and_odd_ones() {
        fn strings(v: &toml::Value, out: &mut Vec<String>) {
            match v {
                toml::Value::String(s) => out.push(s.clone()),
                toml::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
                toml::Value::Table(t) => t.values().for_each(|v| strings(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        for text in [
            crate::rubric::DEFAULT_RUBRIC,
            crate::rubric::SPANISH_RUBRIC,
            crate::rubric::FRENCH_RUBRIC,
        ] {
            strings(&toml::from_str::<toml::Value>(text).unwrap(), &mut all);
        }
        assert!(all.len() > 1000, "{}", all.len());
        let odd = [
            "",
            " ",
            "{num}",
            "a {num} b}",
            "{num} {a|b} {num} c",
            "x{a|b}y {c|}z",
            "{ a | b }",
            "{a|a} {b|b}",
            // More than DEDUP_BY_SCAN expansions, with repeats (kept first, in order).
            "{a|b|a|} {c|c|d|} {e| e|}",
            "{|x|y|x} {|x|y|x} {|x|y|x} z",
            "{|} x",
            "{|}",
            "{a|} {|b}",
            "{a|b",
            "a}",
            "{a|{b}}",
            "{a}",
            "{}",
            "{num}}",
            "}{a|b}",
            "{a|b}{c|d}",
            "  {a|b}\t{c}  ",
            "{a|b} {num",
            "{num|x} y",
            "{ num |}",
            "{NUM|x}",
            "{x|Num days}",
            "{num days|a week} {num|}",
            "x{num|y}",
            "{number|numb*}",
            "{a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b}",
            "{a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a} {a|b}",
            "{a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d}",
            "^{we|I} {can|will} {num} day*",
            "l'{attent|arriv}* {é|e}té",
        ];
        all.extend(odd.iter().map(|s| s.to_string()));
        for s in &all {
            assert_eq!(expand(s), expand_reference(s), "{s:?}");
        }
    }

    /// A side parsed before is parsed again under other rules, and the same under the same.
    #[test]
    fn sides_are_reused_only_under_the_same_rules() {
        let plain = TextRules::new(Language::Es, false);
        let folded = TextRules::new(Language::Es, true);
        let a = parse_with("lo siento más", &plain).unwrap();
        let b = parse_with("lo siento más", &folded).unwrap();
        assert_ne!(a, b);
        assert_eq!(parse_with("lo siento más", &plain).unwrap(), a);
        release_shared();
        assert_eq!(parse_with("lo siento más", &plain).unwrap(), a);
        assert_eq!(parse_with("lo siento más", &folded).unwrap(), b);
    }

    #[test]
    fn words_are_shared_between_phrases() {
        let (a, b) = (seq("we will refund you"), seq("refund* it now"));
        let (Part::Word(x), Part::Stem(y)) = (&a.parts[2], &b.parts[0]) else {
            panic!("{a:?} {b:?}");
        };
        assert!(Arc::ptr_eq(&x.0, &y.0));
        assert_eq!(format!("{:?}", a.parts[0]), r#"Word("we")"#);
    }

    fn seq(src: &str) -> Seq {
        match parse(src).unwrap() {
            PhraseExpr::Seq(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn alternatives_expand_in_order() {
        assert_eq!(
            expand("{we|I} will {call|email} you").unwrap(),
            vec![
                "we will call you",
                "we will email you",
                "I will call you",
                "I will email you"
            ]
        );
        assert_eq!(
            expand("{really|} sorry").unwrap(),
            vec!["really sorry", "sorry"]
        );
        assert_eq!(
            expand("within {num} {day|week}*").unwrap(),
            vec!["within {num} day*", "within {num} week*"]
        );
        assert_eq!(expand("plain words").unwrap(), vec!["plain words"]);
        // Inside a family, `num` is the number slot (groups do not nest).
        assert_eq!(
            expand("wait {num|few} minutes").unwrap(),
            vec!["wait {num} minutes", "wait few minutes"]
        );
        assert_eq!(
            expand("for { num |} hours").unwrap(),
            vec!["for {num} hours", "for hours"]
        );
        assert_eq!(
            expand("within {num  days|a week}").unwrap(),
            vec!["within {num} days", "within a week"]
        );
        assert_eq!(
            expand("{number|numb*|numeral} one").unwrap(),
            vec!["number one", "numb* one", "numeral one"]
        );
        for bad in ["{NUM|few}", "{a|Num days}"] {
            let e = expand(bad).unwrap_err();
            assert!(e.contains("the number slot is written `num`"), "{bad}: {e}");
        }
        assert_eq!(
            expand("{get back to|contact} you").unwrap(),
            vec!["get back to you", "contact you"]
        );
    }

    /// `literal_len` is the length of `literal` for every run the matcher makes literals of
    /// (anchors, pair anchors, longest runs) of every side of the built-in rubrics.
    #[test]
    fn literal_len_is_the_literal_s_length() {
        let mut runs = 0;
        for name in ["builtin", "builtin:es", "builtin:fr"] {
            let rubric = crate::rubric::Rubric::load(std::path::Path::new(name)).unwrap();
            for p in &rubric.phrases {
                let sides: Vec<&Seq> = match &p.expr {
                    PhraseExpr::Seq(s) => vec![s],
                    PhraseExpr::Near { a, b, .. } => vec![a, b],
                };
                for s in sides {
                    for run in [&s.anchor, &s.pair_anchor, &s.longest_run] {
                        assert_eq!(
                            s.literal_len(run.clone()),
                            s.literal(run.clone()).len(),
                            "{:?} {run:?}",
                            p.text
                        );
                        runs += 1;
                    }
                }
            }
        }
        assert!(runs > 50_000, "{runs} runs");
    }

    #[test]
    fn bad_groups_are_explained() {
        assert!(expand("{we|I").unwrap_err().contains("without a closing"));
        assert!(expand("{a|{b|c}}").unwrap_err().contains("nested"));
        assert!(
            expand("{we} will")
                .unwrap_err()
                .contains("separate alternatives")
        );
        assert!(expand("{|}").unwrap_err().contains("leaves no words"));
        assert!(expand("a}").unwrap_err().contains("without an opening"));
        let big = "{a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b}";
        assert!(expand(big).unwrap_err().contains("more than 1024"));
    }

    #[test]
    fn literal_phrases_are_normalised() {
        let s = seq("I'm SORRY");
        assert_eq!(s.longest_run_literal(), " i am sorry ");
        assert_eq!(s.anchor_literal(), " sorry ");
        assert!(!s.is_plain());
        assert!(seq("SORRY").is_plain());
    }

    #[test]
    fn stems_and_slots() {
        let s = seq("within {num} business day*");
        assert_eq!(
            *s.parts,
            [
                Part::Word("within".into()),
                Part::Num,
                Part::Word("business".into()),
                Part::Stem("day".into())
            ]
        );
        assert_eq!(s.longest_run, 2..4);
        assert_eq!(s.longest_run_literal(), " business day");
        assert_eq!(
            s.anchor,
            2..3,
            "one uncommon word: the one with the most letters"
        );
        assert_eq!(s.anchor_literal(), " business ");
        assert!(!s.is_plain());
    }

    #[test]
    fn anchors_are_one_uncommon_word_shared_by_a_family() {
        // "we", "will", "you" are common words: the verb is what is searched for, so the four
        // expansions need two anchors.
        let anchors: Vec<String> = expand("{we|I} will {call|email} you")
            .unwrap()
            .iter()
            .map(|p| seq(p).anchor_literal())
            .collect();
        assert_eq!(anchors, [" call ", " email ", " call ", " email "]);
        let s = seq("we will call you");
        assert_eq!(s.longest_run, 0..4);
        assert!(
            !s.is_plain(),
            "the other words are checked around the anchor"
        );
        // A stem can be the anchor, and ends it.
        assert_eq!(seq("we apologi* for").anchor_literal(), " apologi");
        // Of equally long words, the first.
        assert_eq!(seq("refund credit").anchor_literal(), " refund ");
    }

    #[test]
    fn a_phrase_of_common_words_keeps_its_longest_run() {
        let s = seq("and so on");
        assert_eq!(s.anchor, 0..3);
        assert!(s.is_plain());
        let s = seq("is it {num} or");
        assert_eq!(s.anchor_literal(), " is it ");
        // Marks and numbers are common too.
        assert_eq!(seq("help ?").anchor_literal(), " help ");
        assert_eq!(seq("step 2 now").anchor_literal(), " step ");
    }

    #[test]
    fn near_and_before() {
        match parse("sorry NEAR/3 delay*").unwrap() {
            PhraseExpr::Near { gap, ordered, .. } => {
                assert_eq!(gap, 3);
                assert!(!ordered);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("apologi* BEFORE/5 refund*").unwrap(),
            PhraseExpr::Near { ordered: true, .. }
        ));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(parse("").unwrap_err().contains("empty"));
        assert!(parse("sorry NEAR delay").unwrap_err().contains("distance"));
        assert!(parse("NEAR/2 delay").unwrap_err().contains("both sides"));
        assert!(
            parse("a NEAR/2 b NEAR/2 c")
                .unwrap_err()
                .contains("only one")
        );
        assert!(parse("{num}").unwrap_err().contains("literal"));
        assert!(parse("re*").unwrap_err().contains("3 letters"));
        assert!(parse("wh*at").unwrap_err().contains("unknown syntax"));
        assert!(
            parse("help ?").is_ok(),
            "marks after words are words of their own"
        );
        assert!(parse("?!").unwrap_err().contains("no words"));
        assert!(parse("---").unwrap_err().contains("no words"));
    }

    /// A stem on a word the normaliser reads as a contraction was told "a wildcard applies to
    /// one word (write the words before it separately)", though one word was written (tester
    /// t8, #7): it is told what the word is read as, or, under 3 letters, that it is too short.
    #[test]
    fn a_wildcard_after_a_contraction_is_told_what_the_word_is_read_as() {
        for (stem, read) in [
            ("cant*", "can not"),
            ("wont*", "will not"),
            ("dont*", "do not"),
            ("isnt*", "is not"),
            ("youre*", "you are"),
        ] {
            let e = parse(stem).unwrap_err();
            let (word, _) = stem.split_at(stem.len() - 1);
            assert_eq!(
                e,
                format!(
                    "`{stem}`: `{word}` is read as \"{read}\" (chat spelling), so a wildcard \
                     cannot follow it; write the words out in full"
                )
            );
        }
        let e = parse("can't*").unwrap_err();
        assert!(
            e.contains("`can't` is read as \"can not\", so a wildcard cannot follow it"),
            "{e}"
        );
        for short in ["im*", "id*", "re*"] {
            assert!(
                parse(short).unwrap_err().contains("at least 3 letters"),
                "{short}"
            );
        }
        // Words written apart are still told to write them apart.
        assert!(
            parse("hold-mus*")
                .unwrap_err()
                .contains("a wildcard applies to one word")
        );
        assert!(parse("canteen*").is_ok() && parse("wonton*").is_ok());
    }

    /// `misplaced_marks` after the opening `^` and closing `$` are taken off, as the compiler
    /// does.
    fn marks(written: &str) -> Result<(), String> {
        let (opens, text) = match written.strip_prefix('^') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, written),
        };
        let (closes, text) = match text.strip_suffix('$') {
            Some(rest) => (true, rest.trim_end()),
            None => (false, text),
        };
        expand(text)?;
        misplaced_marks(text, opens, closes)
    }

    /// `^`, `$` and `|` where they mean nothing were dropped as punctuation: `{^ a|^ b}` was
    /// unanchored and `yes|no` the phrase "yes no" (tester t1, F3). Each is an error that says
    /// what to write instead.
    #[test]
    fn anchors_inside_groups_and_bars_outside_them_are_errors() {
        assert_eq!(
            marks("{^ just to confirm|^ to clarify}").unwrap_err(),
            "`^` inside `{…}` anchors nothing: write `^` before the group: \
             `^ {just to confirm|to clarify}`"
        );
        assert_eq!(
            marks("{^just|to} confirm $").unwrap_err(),
            "`^` inside `{…}` anchors nothing: write `^` before the group: \
             `^ {just|to} confirm $`"
        );
        assert_eq!(
            marks("{great $|wonderful $}").unwrap_err(),
            "`$` inside `{…}` anchors nothing: write `$` after the group: `{great|wonderful} $`"
        );
        assert_eq!(
            marks("^ that is {great$|wonderful}").unwrap_err(),
            "`$` inside `{…}` anchors nothing: write `$` after the group: \
             `^ that is {great|wonderful} $`"
        );
        assert!(
            marks("so {^ sure|} now")
                .unwrap_err()
                .contains("phrases of their own")
        );
        assert!(marks("x ^ y").unwrap_err().contains("only at the start"));
        assert!(marks("x ^y").unwrap_err().contains("only at the start"));
        assert!(marks("^^ hi").unwrap_err().contains("only at the start"));
        assert!(marks("x $ y").unwrap_err().contains("only at the end"));
        assert!(marks("$ hi").unwrap_err().contains("only at the end"));
        assert_eq!(
            marks("yes|no").unwrap_err(),
            "`|` separates alternatives only inside `{…}`: write `{yes|no}`, or the \
             alternatives as phrases of their own"
        );
        assert!(marks("{a|b} c | d").unwrap_err().contains("only inside"));
        // Anchors where they belong, and `^`/`$` that are part of a word, are fine.
        for ok in [
            "^ just to confirm",
            "^just to confirm",
            "^ {just to confirm|to clarify}",
            "{great|wonderful} $",
            "great$",
            "^ wonderful $",
            "a $5 fee",
            "costs 5$",
            "a ^_^ b",
            "within {num} days",
            "{we|I} will {call|email} you",
        ] {
            assert_eq!(marks(ok), Ok(()), "{ok}");
        }
    }

    /// `near/3` was silently the words "near 3", and a distance past `u32` was "not a whole
    /// number" (tester t1, F9); a distance the matcher's arithmetic could overflow on is refused.
    #[test]
    fn lower_case_operators_and_huge_distances_are_errors() {
        for (phrase, fix) in [
            ("x near/3 y", "`NEAR/3`"),
            ("x Near/3 y", "`NEAR/3`"),
            ("x before/2 y", "`BEFORE/2`"),
            ("x Before/12 y", "`BEFORE/12`"),
        ] {
            let e = parse(phrase).unwrap_err();
            assert!(
                e.contains("operators are written in capitals") && e.ends_with(fix),
                "{phrase}: {e}"
            );
        }
        // Not an operator: no distance.
        assert!(parse("before/after photos").is_ok());
        let e = parse("x NEAR/99999999999 y").unwrap_err();
        assert!(e.contains("too large (at most 10000 words)"), "{e}");
        let e = parse("x BEFORE/10001 y").unwrap_err();
        assert!(e.contains("too large"), "{e}");
        assert!(parse("x NEAR/10000 y").is_ok());
        assert!(
            parse("x NEAR/3x y")
                .unwrap_err()
                .contains("whole number of words")
        );
    }

    #[test]
    fn parts_accept_words() {
        assert!(Part::Num.accepts("5"));
        assert!(Part::Num.accepts("five"));
        assert!(!Part::Num.accepts("5g"));
        assert!(Part::Stem("refund".into()).accepts("refunded"));
        assert!(!Part::Word("hold".into()).accepts("household"));
    }
}
