//! The normaliser as it was before the one-pass fast path (commit 4c6b20e), kept as the oracle
//! of the property tests in `normalise.rs`: for any text and any rubric rules, the fast path
//! must give the same `Normalised` (text, tokens, stats, sentence ends) as this one. Three rules
//! added since call the fast path's own helpers (`abbreviation_dot`, `perfect_before_been`,
//! `compose_mark`), so the property tests check where they are called, not what they do: their
//! unit tests in `normalise.rs` pin that.

#![allow(dead_code)]

use super::{Normalised, Token, TokenKind, TurnStats};
use crate::language::{Contractions, Language, TextRules};

/// Normalises `src` into `out` with a rubric's rules, replacing what was there.
// Long because it is the hot path's one pass over each character: the word, sentence and
// quotation state lives in locals the compiler keeps in registers; cutting it up would pass
// that state through calls per character (measure with `cargo bench --bench hot_path` first).
pub fn normalise_into_with(src: &str, out: &mut Normalised, rules: &TextRules) {
    out.text.clear();
    out.tokens.clear();
    out.sentence_ends.clear();
    out.stats = TurnStats::default();
    out.lang = rules.language;
    out.text.reserve(src.len() + 2);
    out.text.push(' ');

    let mut w = WordState::new(rules.contractions);
    // The current sentence was opened by `¿` (Spanish).
    let mut opened_q = false;
    // Inside `« »`: sentence marks belong to the quotation.
    let mut quoted = 0u32;
    let bytes = src.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        // `…` takes the ASCII path's sentence marks, as "..." does.
        if b < 0x80 || mark_len(&bytes[i..]).is_some() {
            // ASCII fast path: most call-centre text never leaves it.
            if CLASS[b as usize] & ALNUM != 0 {
                // A whole run of letters and digits at once: one table lookup a byte, copied
                // in one go and lower-cased in place only if it has capitals.
                w.begin(out, i);
                let start = i;
                let (mut upper, mut lower) = (0u32, 0u32);
                while i < bytes.len() {
                    let class = CLASS[bytes[i] as usize];
                    if class & ALNUM == 0 {
                        break;
                    }
                    upper += u32::from(class == UPPER);
                    lower += u32::from(class == LOWER);
                    i += 1;
                }
                w.upper += upper;
                w.lower += lower;
                let at = out.text.len();
                out.text.push_str(&src[start..i]);
                if upper > 0 {
                    out.text[at..].make_ascii_lowercase();
                }
                w.orig_end = i;
                continue;
            }
            if b == b'\'' {
                i = apostrophe(out, &mut w, src, i, 1);
                continue;
            }
            if matches!(b, b':' | b';' | b'-' | b'>')
                && let Some(face) = emoticon_at(bytes, i)
            {
                w.end(out);
                push_symbol(out, face, i, i + face.len());
                i += face.len();
                continue;
            }
            if mark_len(&bytes[i..]).is_some() {
                let run_start = i;
                let mut has_q = false;
                let mut has_bang = false;
                let mut bangs = 0;
                // `…` inside or after a run of marks belongs to it, as when it starts one.
                while let Some(len) = mark_len(&bytes[i..]) {
                    has_q |= bytes[i] == b'?';
                    has_bang |= bytes[i] == b'!';
                    bangs += u32::from(matches!(bytes[i], b'?' | b'!'));
                    i += len;
                }
                out.stats.longest_mark_run = out.stats.longest_mark_run.max(bangs);
                out.stats.mixed_marks |= has_q && has_bang;
                // A lone '.' between word characters ("11.1", "t.co", "e.g") is not a sentence end.
                let next_is_word = bytes.get(i).is_some_and(|n| n.is_ascii_alphanumeric());
                w.end(out);
                // Nor one that closes an abbreviation ("Mr. Jones", "order no. 5", "e.g. this").
                let abbreviation = super::abbreviation_dot(
                    bytes,
                    run_start,
                    out.text.as_bytes(),
                    out.tokens.last(),
                );
                if !has_q && !has_bang && (next_is_word || abbreviation) && i - run_start == 1 {
                    continue;
                }
                if quoted > 0 {
                    continue; // a mark of the quotation, not of the sentence around it
                }
                let mark = if has_q {
                    b'?'
                } else if has_bang {
                    b'!'
                } else {
                    b'.'
                };
                // A mark ends a sentence only if the sentence has words ("... ?" alone does not).
                let sentence = current_sentence(out);
                if out.tokens.last().is_some_and(|t| t.sentence == sentence) {
                    push_mark(out, mark, run_start, i, sentence);
                    let end = if opened_q { b'?' } else { mark };
                    out.sentence_ends.push(end);
                }
                opened_q = false;
                continue;
            }
            w.end(out);
            i += 1;
            // Skip the rest of a run of plain separators (spaces, commas, brackets...).
            while i < bytes.len() && CLASS[bytes[i] as usize] == SEPARATOR {
                i += 1;
            }
            continue;
        }
        // Non-ASCII: decode one char.
        let c = src[i..].chars().next().expect("char boundary");
        let len = c.len_utf8();
        match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' | '`' => {
                i = apostrophe(out, &mut w, src, i, len);
            }
            _ if c.is_alphanumeric() => {
                w.begin(out, i);
                if c.is_uppercase() {
                    w.upper += 1;
                } else if c.is_lowercase() {
                    w.lower += 1;
                }
                if rules.fold_accents {
                    crate::language::case_fold(c, |l| {
                        let (base, second) = crate::language::fold_char(l);
                        out.text.push(base);
                        out.text.extend(second);
                    });
                } else {
                    crate::language::case_fold(c, |l| out.text.push(l));
                }
                i += len;
                w.orig_end = i;
            }
            // A combining accent typed after its letter (decomposed text) is folded away with
            // the letter's own, or composed with it where accents are kept.
            '\u{0300}'..='\u{036F}' if w.active => {
                if !rules.fold_accents {
                    let mut text = std::mem::take(&mut out.text).into_bytes();
                    super::compose_mark(&mut text, c);
                    out.text = String::from_utf8(text).expect("whole characters");
                }
                i += len;
                w.orig_end = i;
            }
            '¿' | '¡' if rules.inverted_marks => {
                w.end(out);
                // What came before is a sentence of its own ("Perdón, ¿hay algo más?").
                let sentence = current_sentence(out);
                if quoted == 0 && out.tokens.last().is_some_and(|t| t.sentence == sentence) {
                    let end = unterminated_end(out, src, opened_q);
                    out.sentence_ends.push(end);
                }
                if quoted == 0 {
                    opened_q = c == '¿';
                }
                i += len;
            }
            '«' if rules.guillemets => {
                w.end(out);
                // Only a quotation that closes: a stray « must not swallow the turn's marks.
                if src[i + len..].contains('»') {
                    quoted += 1;
                }
                i += len;
            }
            '»' if rules.guillemets => {
                w.end(out);
                quoted = quoted.saturating_sub(1);
                i += len;
            }
            // Joiners, variation selectors and skin tones belong to the emoji before them.
            '\u{200D}' | '\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' => i += len,
            _ if is_emoji(c) => {
                w.end(out);
                push_symbol(out, &src[i..i + len], i, i + len);
                i += len;
            }
            _ => {
                w.end(out);
                i += len;
            }
        }
    }
    w.end(out);
    if out
        .tokens
        .last()
        .is_some_and(|t| t.sentence == current_sentence(out))
    {
        // The last sentence has words but no terminal mark.
        let end = unterminated_end(out, src, opened_q);
        out.sentence_ends.push(end);
    }
}

/// The end recorded for the current sentence when it has no mark: 0, or b'?' when it asks
/// (opened by `¿`, or, outside English, by a question word). English decides later, in
/// `Normalised::is_question`, as it always has.
fn unterminated_end(out: &Normalised, src: &str, opened_q: bool) -> u8 {
    if opened_q {
        return b'?';
    }
    if out.lang == Language::En {
        return 0;
    }
    let s = current_sentence(out);
    let first = out.tokens.partition_point(|t| t.sentence < s);
    let Some(t) = out.tokens.get(first).filter(|t| t.kind == TokenKind::Word) else {
        return 0;
    };
    let original = &src[t.orig_start as usize..t.orig_end as usize];
    let accented = original
        .chars()
        .any(|c| !c.is_ascii() && c.is_alphabetic() && crate::language::fold_char(c).0 != c);
    if crate::language::opens_question(out.lang, out.word(t), accented) {
        b'?'
    } else {
        0
    }
}

/// Byte classes for the ASCII fast path.
const SEPARATOR: u8 = 0;
const ALNUM: u8 = 0b1000;
const LOWER: u8 = ALNUM | 1;
const UPPER: u8 = ALNUM | 2;
const DIGIT: u8 = ALNUM | 3;
/// Apostrophes, sentence marks, emoticon starts and non-ASCII bytes: handled one at a time.
const SPECIAL: u8 = 1;

static CLASS: [u8; 256] = {
    let mut t = [SEPARATOR; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c >= 0x80
            || matches!(
                c,
                b'\'' | b'.' | b'?' | b'!' | b':' | b';' | b'-' | b'>' | b'`'
            )
        {
            SPECIAL
        } else {
            SEPARATOR
        };
        b += 1;
    }
    t
};

/// Emoji carry feeling in chat ("😡", "🙄", "👍"), so each is a word of its own that a phrase
/// can name.
fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x231A..=0x23FF)
}

/// ASCII emoticons, which chat customers write instead of emoji.
const EMOTICONS: &[&str] = &[
    ">:(", ":-(", ":'(", ":-/", ":-)", ":-|", "-_-", ":(", ":/", ":)", ":|", ":@", ":d", ";)", ":p",
];

fn emoticon_at(bytes: &[u8], i: usize) -> Option<&'static str> {
    let rest = &bytes[i..];
    let face = EMOTICONS
        .iter()
        .find(|f| rest.len() >= f.len() && rest[..f.len()].eq_ignore_ascii_case(f.as_bytes()))?;
    let after = rest.get(face.len()).copied();
    // Not the "://" of a URL, not ":d" starting a word ("D:Delivery"), not inside a word.
    let glued_after = after.is_some_and(|a| a == b'/' || a.is_ascii_alphanumeric());
    let glued_before = i > 0 && bytes[i - 1].is_ascii_alphanumeric() && face.starts_with(':');
    (!glued_after && !glued_before).then_some(face)
}

/// Pushes a symbol (emoji, emoticon) as a word token of its own.
fn push_symbol(out: &mut Normalised, symbol: &str, orig_start: usize, orig_end: usize) {
    let start = out.text.len() as u32;
    for c in symbol.chars() {
        out.text.push(c.to_ascii_lowercase());
    }
    out.tokens.push(Token {
        start,
        end: out.text.len() as u32,
        orig_start: orig_start as u32,
        orig_end: orig_end as u32,
        sentence: current_sentence(out),
        kind: TokenKind::Word,
    });
    out.text.push(' ');
}

fn push_mark(out: &mut Normalised, mark: u8, orig_start: usize, orig_end: usize, sentence: u32) {
    let start = out.text.len() as u32;
    out.text.push(mark as char);
    out.tokens.push(Token {
        start,
        end: start + 1,
        orig_start: orig_start as u32,
        orig_end: orig_end as u32,
        sentence,
        kind: TokenKind::Mark(mark),
    });
    out.text.push(' ');
}

/// An apostrophe inside a word ("don't") is kept as `'`; elsewhere it separates words.
fn apostrophe(out: &mut Normalised, w: &mut WordState, src: &str, i: usize, len: usize) -> usize {
    let next_is_alnum = src[i + len..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    if w.active && next_is_alnum {
        out.text.push('\'');
        w.has_apostrophe = true;
        w.orig_end = i + len;
    } else {
        w.end(out);
    }
    i + len
}

struct WordState {
    contractions: Contractions,
    active: bool,
    norm_start: usize,
    orig_start: usize,
    orig_end: usize,
    upper: u32,
    lower: u32,
    has_apostrophe: bool,
}

impl WordState {
    fn new(contractions: Contractions) -> WordState {
        WordState {
            contractions,
            active: false,
            norm_start: 0,
            orig_start: 0,
            orig_end: 0,
            upper: 0,
            lower: 0,
            has_apostrophe: false,
        }
    }

    fn begin(&mut self, out: &mut Normalised, orig: usize) {
        if !self.active {
            self.active = true;
            self.norm_start = out.text.len();
            self.orig_start = orig;
            self.upper = 0;
            self.lower = 0;
            self.has_apostrophe = false;
        }
    }

    /// Ends the pending word, if any: counts it, expands a contraction, and pushes its token(s)
    /// followed by the separating space.
    fn end(&mut self, out: &mut Normalised) {
        if !self.active {
            return;
        }
        self.active = false;
        let sentence = current_sentence(out);
        let letters = self.upper + self.lower;
        if letters > 0 {
            out.stats.words += 1;
            if self.upper >= 2 && self.lower == 0 {
                out.stats.caps_words += 1;
            }
        }
        if self.contractions == Contractions::English && out.text[self.norm_start..] == *"been" {
            let mut text = std::mem::take(&mut out.text).into_bytes();
            self.norm_start =
                super::perfect_before_been(&mut text, &mut out.tokens, self.norm_start);
            out.text = String::from_utf8(text).expect("whole characters");
        }
        let end = out.text.len();
        let expanded = match self.contractions {
            Contractions::English => expand_contraction(out, self.norm_start, self.has_apostrophe),
            Contractions::French => expand_elision(out, self.norm_start, self.has_apostrophe),
            Contractions::None => false,
        };
        if !expanded {
            out.tokens.push(Token {
                start: self.norm_start as u32,
                end: end as u32,
                orig_start: self.orig_start as u32,
                orig_end: self.orig_end as u32,
                sentence,
                kind: TokenKind::Word,
            });
            out.text.push(' ');
            return;
        }
        // The contraction is now several words in norm_start..len: one token each.
        let end = out.text.len();
        let mut s = self.norm_start;
        while s < end {
            let e = out.text.as_bytes()[s..end]
                .iter()
                .position(|&b| b == b' ')
                .map_or(end, |p| s + p);
            out.tokens.push(Token {
                start: s as u32,
                end: e as u32,
                orig_start: self.orig_start as u32,
                orig_end: self.orig_end as u32,
                sentence,
                kind: TokenKind::Word,
            });
            s = e + 1;
        }
        out.text.push(' ');
    }
}

fn current_sentence(out: &Normalised) -> u32 {
    out.sentence_ends.len() as u32
}

/// French elision: an elided article or pronoun becomes a word of its own, without its
/// apostrophe ("l'appel" → "l appel", "qu'il" → "qu il"), so that a phrase finds "appel" in
/// "l'appel" and "j'ai" matches whether typed with either apostrophe or none ("jai").
fn expand_elision(out: &mut Normalised, start: usize, has_apostrophe: bool) -> bool {
    let word = &out.text[start..];
    if has_apostrophe {
        let Some(p) = word.find('\'') else {
            return false;
        };
        if !crate::language::is_french_clitic(&word[..p]) {
            return false; // "aujourd'hui"
        }
        out.text.replace_range(start + p..start + p + 1, " ");
        return true;
    }
    let b = word.as_bytes();
    if !(3..=8).contains(&b.len()) || !matches!(b[0], b'j' | b'c' | b's' | b'n' | b'd' | b'q') {
        return false;
    }
    match crate::language::french_elision_without_apostrophe(word) {
        Some(k) => {
            out.text.insert(start + k, ' ');
            true
        }
        None => false,
    }
}

/// Rewrites the word at `out.text[start..]` into its long form when it is a contraction.
/// Returns whether it did.
// Long because it is one table: the contractions and their long forms, as match arms.
fn expand_contraction(out: &mut Normalised, start: usize, has_apostrophe: bool) -> bool {
    let word = &out.text[start..];
    // Most words are not contractions: rule them out by length and last letter first.
    if !has_apostrophe {
        let b = word.as_bytes();
        if !(2..=8).contains(&b.len())
            || !matches!(b[b.len() - 1], b'm' | b'e' | b't' | b'l' | b's')
        {
            return false;
        }
    }
    let replacement: Option<(usize, &'static str)> = if has_apostrophe {
        match word {
            "i'm" => Some((1, "am")),
            "won't" => Some((0, "will not")),
            "can't" => Some((0, "can not")),
            "shan't" => Some((0, "shall not")),
            "ain't" => Some((0, "is not")),
            "let's" => Some((0, "let us")),
            "y'all" => Some((0, "you all")),
            _ => {
                if let Some(stem) = word.strip_suffix("n't") {
                    Some((stem.len(), "not"))
                } else if let Some(stem) = word.strip_suffix("'re") {
                    Some((stem.len(), "are"))
                } else if let Some(stem) = word.strip_suffix("'ve") {
                    Some((stem.len(), "have"))
                } else if let Some(stem) = word.strip_suffix("'ll") {
                    Some((stem.len(), "will"))
                } else if let Some(stem) = word.strip_suffix("'d") {
                    Some((stem.len(), "would"))
                } else if let Some(stem) = word.strip_suffix("'m") {
                    Some((stem.len(), "am"))
                } else if let Some(stem) = word.strip_suffix("'s") {
                    // Only where 's can only mean "is"; elsewhere it is a possessive.
                    matches!(
                        stem,
                        "it" | "that"
                            | "what"
                            | "there"
                            | "here"
                            | "he"
                            | "she"
                            | "who"
                            | "where"
                            | "how"
                            | "everything"
                            | "nothing"
                            | "something"
                            | "this"
                    )
                    .then_some((stem.len(), "is"))
                } else {
                    None
                }
            }
        }
    } else {
        // Chat spellings without the apostrophe. Ambiguous ones ("ill", "well", "were", "its",
        // "id", "lets") are left alone.
        match word {
            "im" => Some((1, "am")),
            "ive" => Some((1, "have")),
            "dont" => Some((2, "not")),
            "didnt" => Some((3, "not")),
            "doesnt" => Some((4, "not")),
            "cant" => Some((0, "can not")),
            "cannot" => Some((3, "not")),
            "wont" => Some((0, "will not")),
            "isnt" => Some((2, "not")),
            "arent" => Some((3, "not")),
            "wasnt" => Some((3, "not")),
            "werent" => Some((4, "not")),
            "havent" => Some((4, "not")),
            "hasnt" => Some((3, "not")),
            "hadnt" => Some((3, "not")),
            "couldnt" => Some((5, "not")),
            "wouldnt" => Some((5, "not")),
            "shouldnt" => Some((6, "not")),
            "youre" => Some((3, "are")),
            "youve" => Some((3, "have")),
            "youll" => Some((3, "will")),
            "theyre" => Some((4, "are")),
            "thats" => Some((4, "is")),
            "whats" => Some((4, "is")),
            _ => None,
        }
    };
    let Some((keep, add)) = replacement else {
        return false;
    };
    out.text.truncate(start + keep);
    if keep > 0 {
        out.text.push(' ');
    }
    out.text.push_str(add);
    true
}

/// The length of the sentence mark `bytes` start with (`.`, `?`, `!` or `…`), if they do.
#[inline]
fn mark_len(bytes: &[u8]) -> Option<usize> {
    match bytes.first()? {
        b'.' | b'?' | b'!' => Some(1),
        0xE2 if bytes.starts_with(super::ELLIPSIS) => Some(super::ELLIPSIS.len()),
        _ => None,
    }
}
