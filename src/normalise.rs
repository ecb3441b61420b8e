//! Normalisation: one pass over a turn's text that produces the form every phrase is matched in.
//!
//! The normalised text is the turn's words, lower-cased, separated by single spaces, with one
//! space before the first and after the last word: `" i am sorry . can you help ? "`.
//! Because every word is surrounded by spaces, a phrase compiled as `" i am sorry "` can only
//! match whole words ("hold" never matches inside "household") and the matcher needs no
//! boundary checks. Sentence marks (`.`, `?`, `!`) are words of their own so that sentences can
//! be told apart; other punctuation separates words and is dropped. Curly apostrophes become
//! straight ones and contractions are expanded ("I'm" → "i am", "won't" → "will not",
//! chat-style "dont" → "do not"), so a phrase written either way matches both.
//!
//! Each word keeps the byte range it came from in the original text, so that evidence can quote
//! exactly what was said. Phrases in rubrics go through the same function, with the same
//! `TextRules`, which is what makes the two sides agree.
//!
//! The rubric's language (`TextRules`, see `language`) changes a few steps, all in the same
//! pass: with `fold_accents` letters lose their diacritics ("más" → "mas"); contractions follow
//! the language (English "I'm" → "i am", French elision "l'appel" → "l appel", none in
//! Spanish); in Spanish `¿` and `¡` open a sentence, and a sentence opened by `¿` asks even
//! without its `?`; in Spanish and French the marks inside `« »` do not end the sentence around
//! the quotation. An unterminated sentence that starts with a question word ("¿" typed or not:
//! "Cuál es su número") is recorded as a question here, where the original accents are known.
//! English text is normalised exactly as before these rules existed.

use crate::language::{Contractions, Language, TextRules};

/// What a normalised word is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// A sentence mark: b'.', b'?' or b'!'. A run such as "?!" becomes one mark, '?' if it has one.
    Mark(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte range in the normalised text (without the surrounding spaces).
    pub start: u32,
    pub end: u32,
    /// Byte range in the original text it came from. Both words of an expanded contraction
    /// point at the whole contraction.
    pub orig_start: u32,
    pub orig_end: u32,
    /// Sentence number within the turn, from 0. A mark belongs to the sentence it ends.
    pub sentence: u32,
    pub kind: TokenKind,
}

/// Typography the upset and shouting detectors read, gathered in the same pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TurnStats {
    /// Words with at least one letter.
    pub words: u32,
    /// Words of two or more letters, all of them capitals.
    pub caps_words: u32,
    /// Length of the longest run of `!`/`?` ("!!!" is 3).
    pub longest_mark_run: u32,
    /// A run mixes `?` and `!` ("?!", "!?!").
    pub mixed_marks: bool,
}

/// A normalised turn. Reused between turns: `normalise_into` clears it, so the hot path does not
/// allocate once the buffers have grown.
#[derive(Clone, Debug, Default)]
pub struct Normalised {
    pub text: String,
    pub tokens: Vec<Token>,
    pub stats: TurnStats,
    /// Terminal mark of each sentence (b'.', b'?', b'!', or 0 when the sentence has none).
    /// Outside English, a sentence that asks without a `?` (opened by `¿` or a question word)
    /// is recorded as b'?'.
    pub sentence_ends: Vec<u8>,
    /// The language the text was normalised for.
    pub lang: Language,
}

impl Normalised {
    pub fn new() -> Normalised {
        Normalised::default()
    }

    pub fn word(&self, token: &Token) -> &str {
        &self.text[token.start as usize..token.end as usize]
    }

    /// Index of the token that starts at normalised byte `pos`, or the one containing it.
    pub fn token_at(&self, pos: u32) -> usize {
        match self.tokens.binary_search_by(|t| t.start.cmp(&pos)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn sentence_count(&self) -> usize {
        self.sentence_ends.len()
    }

    /// True when sentence `s` asks something: it ends with '?', or it is the unterminated last
    /// sentence and opens like a question ("can you tell me your order number").
    pub fn is_question(&self, s: u32) -> bool {
        match self.sentence_ends.get(s as usize) {
            Some(b'?') => true,
            Some(0) if self.lang == Language::En => {
                // Tokens are in sentence order: find the sentence's first one by bisection.
                let first = self.tokens.partition_point(|t| t.sentence < s);
                self.tokens
                    .get(first)
                    .is_some_and(|t| t.sentence == s && is_interrogative_opening(self.word(t)))
            }
            _ => false,
        }
    }
}

fn is_interrogative_opening(word: &str) -> bool {
    matches!(
        word,
        "can"
            | "could"
            | "would"
            | "will"
            | "do"
            | "does"
            | "did"
            | "is"
            | "are"
            | "was"
            | "were"
            | "have"
            | "has"
            | "what"
            | "when"
            | "where"
            | "which"
            | "who"
            | "why"
            | "how"
            | "may"
    )
}

/// Normalises a phrase or a whole text into a fresh buffer, with English rules. For tests; the
/// scan uses `normalise_into_with` with a reused buffer.
#[cfg(test)]
pub fn normalise(src: &str) -> Normalised {
    normalise_with(src, &TextRules::default())
}

/// Normalises a phrase or a whole text into a fresh buffer with a rubric's rules (rubric
/// compilation).
pub fn normalise_with(src: &str, rules: &TextRules) -> Normalised {
    let mut out = Normalised::new();
    normalise_into_with(src, &mut out, rules);
    out
}

/// Normalises `src` into `out` with English rules, replacing what was there.
pub fn normalise_into(src: &str, out: &mut Normalised) {
    normalise_into_with(src, out, &TextRules::default());
}

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
        if b < 0x80 {
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
            if matches!(b, b'.' | b'?' | b'!') {
                let run_start = i;
                let mut has_q = false;
                let mut has_bang = false;
                let mut bangs = 0;
                while i < bytes.len() && matches!(bytes[i], b'.' | b'?' | b'!') {
                    has_q |= bytes[i] == b'?';
                    has_bang |= bytes[i] == b'!';
                    bangs += u32::from(bytes[i] != b'.');
                    i += 1;
                }
                out.stats.longest_mark_run = out.stats.longest_mark_run.max(bangs);
                out.stats.mixed_marks |= has_q && has_bang;
                // A lone '.' between word characters ("11.1", "t.co", "e.g") is not a sentence end.
                let next_is_word = bytes.get(i).is_some_and(|n| n.is_ascii_alphanumeric());
                w.end(out);
                if !has_q && !has_bang && next_is_word && i - run_start == 1 {
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
                    for l in c.to_lowercase() {
                        let (base, second) = crate::language::fold_char(l);
                        out.text.push(base);
                        out.text.extend(second);
                    }
                } else {
                    for l in c.to_lowercase() {
                        out.text.push(l);
                    }
                }
                i += len;
                w.orig_end = i;
            }
            // A combining accent typed after its letter (decomposed text) is folded away with
            // the letter's own.
            '\u{0300}'..='\u{036F}' if rules.fold_accents && w.active => {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalise(s).text
    }

    #[test]
    fn words_are_lowercased_and_space_separated() {
        assert_eq!(norm("Hello,   World"), " hello world ");
        assert_eq!(norm(""), " ");
    }

    #[test]
    fn sentence_marks_are_words_and_runs_collapse() {
        assert_eq!(norm("Really?! No."), " really ? no . ");
        let n = normalise("Really?! No.");
        assert_eq!(n.sentence_ends, vec![b'?', b'.']);
        assert_eq!(n.stats.longest_mark_run, 2);
        assert!(n.stats.mixed_marks);
    }

    #[test]
    fn dots_inside_words_do_not_end_sentences() {
        assert_eq!(norm("iOS 11.1.2 at t.co"), " ios 11 1 2 at t co ");
    }

    #[test]
    fn contractions_expand_with_either_apostrophe() {
        assert_eq!(norm("I’m sorry"), " i am sorry ");
        assert_eq!(norm("I'm sorry"), " i am sorry ");
        assert_eq!(
            norm("We'll fix it, won't we"),
            " we will fix it will not we "
        );
        assert_eq!(norm("dont worry, its fine"), " do not worry its fine ");
        assert_eq!(norm("the customer's order"), " the customer's order ");
        assert_eq!(norm("that's it"), " that is it ");
    }

    #[test]
    fn quotes_are_not_inner_apostrophes() {
        assert_eq!(norm("'quoted' word"), " quoted word ");
    }

    #[test]
    fn tokens_point_back_into_the_original() {
        let src = "Oh, I’m SO sorry!";
        let n = normalise(src);
        let words: Vec<_> = n
            .tokens
            .iter()
            .map(|t| &src[t.orig_start as usize..t.orig_end as usize])
            .collect();
        assert_eq!(words, ["Oh", "I’m", "I’m", "SO", "sorry", "!"]);
        assert_eq!(n.word(&n.tokens[2]), "am");
    }

    #[test]
    fn caps_words_are_counted() {
        let n = normalise("THIS IS RIDICULOUS I want a refund");
        assert_eq!(n.stats.caps_words, 3);
        assert_eq!(n.stats.words, 7);
    }

    #[test]
    fn non_ascii_letters_and_emoji() {
        assert_eq!(norm("Ça VA 😊 très bien"), " ça va 😊 très bien ");
        assert_eq!(norm("late again😡😡"), " late again 😡 😡 ");
        assert_eq!(norm("ok 👍🏽"), " ok 👍 ");
    }

    #[test]
    fn emoticons_are_words_but_urls_are_not_emoticons() {
        assert_eq!(norm("still broken :( -_-"), " still broken :( -_- ");
        assert_eq!(norm("see https://t.co/x"), " see https t co x ");
        assert_eq!(norm("thanks :D"), " thanks :d ");
        assert_eq!(norm("a:b"), " a b ");
    }

    #[test]
    fn questions_are_recognised() {
        let n = normalise("Thanks. Can you tell me your order number");
        assert!(!n.is_question(0));
        assert!(n.is_question(1));
        let n = normalise("What happened?");
        assert!(n.is_question(0));
    }

    fn es(s: &str) -> Normalised {
        normalise_with(s, &TextRules::new(Language::Es, true))
    }

    fn fr(s: &str) -> Normalised {
        normalise_with(s, &TextRules::new(Language::Fr, true))
    }

    #[test]
    fn folding_makes_accents_optional_and_only_when_asked() {
        assert_eq!(es("Perdón, ¿ALGO MÁS?").text, " perdon algo mas ? ");
        assert_eq!(es("Perdon, algo mas?").text, " perdon algo mas ? ");
        let unfolded = normalise_with("algo más", &TextRules::new(Language::Es, false));
        assert_eq!(unfolded.text, " algo más ");
        // Decomposed input (a letter, then its accent) folds the same.
        assert_eq!(es("ma\u{0301}s").text, " mas ");
        // English is untouched: no folding, whatever the text.
        assert_eq!(norm("Más café"), " más café ");
        // The caps count sees the original letters.
        assert_eq!(es("ALGO MÁS").stats.caps_words, 2);
    }

    #[test]
    fn inverted_marks_open_sentences_and_questions() {
        let n = es("Perdón, ¿hay algo más?");
        assert_eq!(n.sentence_ends, vec![0, b'?']);
        assert!(!n.is_question(0));
        assert!(n.is_question(1));
        // Opened by ¿, closed by nothing (chat): still a question.
        let n = es("Le he reembolsado el cargo. ¿Me confirma su número de pedido");
        assert_eq!(n.sentence_ends, vec![b'.', b'?']);
        // ¡ opens a sentence that is not a question.
        let n = es("Gracias ¡qué bien!");
        assert_eq!(n.sentence_ends, vec![0, b'!']);
        // English has no inverted marks: one sentence, as before.
        assert_eq!(normalise("Perdon, ¿hay algo?").sentence_ends, vec![b'?']);
    }

    #[test]
    fn unterminated_questions_by_their_first_word() {
        assert!(es("Cuál es su número de pedido").is_question(0));
        assert!(es("Qué le pasó al paquete").is_question(0));
        // Without its accent "que" is "that": a wish, not a question.
        assert!(!es("Que tenga buen día").is_question(0));
        assert!(!es("Como le comenté, ya está enviado").is_question(0));
        assert!(fr("Pourriez-vous me donner votre numéro").is_question(0));
        assert!(fr("Est-ce que le colis est arrivé").is_question(0));
        assert!(!fr("Ou alors redémarrez le modem").is_question(0));
        assert!(fr("Où est le colis").is_question(0));
        // English questions are found as they always were.
        assert!(normalise("can you tell me").is_question(0));
        assert!(!es("can you tell me").is_question(0));
    }

    #[test]
    fn guillemets_quote_marks_without_ending_the_sentence() {
        let n = fr("Le client a écrit « pourquoi ? » et j'ai expliqué la procédure.");
        assert_eq!(n.sentence_ends, vec![b'.']);
        assert!(!n.is_question(0));
        // A stray « quotes nothing.
        let n = fr("« Bonjour. Pourquoi ?");
        assert_eq!(n.sentence_ends, vec![b'.', b'?']);
        // English reads « » as separators, as before.
        assert_eq!(normalise("« why? » ok").sentence_ends, vec![b'?', 0]);
    }

    #[test]
    fn french_elision_splits_the_clitic() {
        assert_eq!(
            fr("L’appel d'hier, j'ai noté").text,
            " l appel d hier j ai note "
        );
        assert_eq!(
            fr("jai compris, cest noté").text,
            " j ai compris c est note "
        );
        assert_eq!(fr("qu'il").text, " qu il ");
        // Words with an apostrophe that are not elisions stay whole.
        assert_eq!(fr("aujourd'hui").text, " aujourd'hui ");
        // English contractions are English only.
        assert_eq!(fr("I'm").text, " i'm ");
        assert_eq!(es("don't").text, " don't ");
        // Each word of an elision points at the whole word.
        let src = "l'attente";
        let n = fr(src);
        assert_eq!(n.word(&n.tokens[1]), "attente");
        assert_eq!(n.tokens[1].orig_start, 0);
        assert_eq!(n.tokens[1].orig_end as usize, src.len());
    }

    #[test]
    fn sentences_number_tokens() {
        let n = normalise("One two. Three");
        let s: Vec<_> = n.tokens.iter().map(|t| t.sentence).collect();
        assert_eq!(s, [0, 0, 0, 1]);
    }
}
