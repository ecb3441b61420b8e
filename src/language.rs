//! What a rubric's language changes: how text is normalised (accent folding, contractions and
//! elision, the marks that open and quote sentences), which words a `{num}` slot accepts, which
//! words open a question, which words mirroring ignores, and how names sort.
//!
//! A rubric says `language = "es"` and `fold_accents = true` in its `[rubric]` table; both are
//! compiled once into a [`TextRules`] value that the normaliser, the matcher and the detectors
//! read. Without them a rubric is English without folding, exactly as before they existed.

use std::cmp::Ordering;

/// A language a rubric can be written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (`en`), the default.
    #[default]
    En,
    /// Spanish (`es`).
    Es,
    /// French (`fr`).
    Fr,
}

impl Language {
    /// Every language callaudit has text rules for.
    pub const ALL: [Language; 3] = [Language::En, Language::Es, Language::Fr];

    /// The ISO 639-1 code, as written in a rubric.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
            Language::Fr => "fr",
        }
    }

    /// The language's English name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Spanish",
            Language::Fr => "French",
        }
    }

    /// Accepts the code in any case, with or without a region (`es-MX`, `fr_CA`).
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.split(['-', '_']).next().unwrap_or("");
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }
}

/// Which contraction rule the normaliser applies at the end of a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contractions {
    /// "I'm" → "i am", "won't" → "will not", chat-style "dont" → "do not".
    English,
    /// Elided articles and pronouns become words of their own: "l'appel" → "l appel",
    /// "j'ai" → "j ai", chat-style "jai" → "j ai".
    French,
    None,
}

/// A rubric's text settings, compiled once. `Copy` and small: the hot path reads plain flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRules {
    /// The rubric's language.
    pub language: Language,
    /// Letters lose their diacritics: "más" and "mas" are the same word.
    pub fold_accents: bool,
    /// Which contractions are expanded (English) or elisions split (French).
    pub contractions: Contractions,
    /// `¿` and `¡` open a sentence (Spanish): what comes before them is a sentence of its own,
    /// and a sentence opened by `¿` is a question even without its closing `?`.
    pub inverted_marks: bool,
    /// Marks inside `« »` belong to the quotation and do not end the sentence around it.
    pub guillemets: bool,
}

impl Default for TextRules {
    fn default() -> TextRules {
        TextRules::new(Language::En, false)
    }
}

impl TextRules {
    /// The rules of `language`; `fold_accents` makes accented and plain letters match.
    pub fn new(language: Language, fold_accents: bool) -> TextRules {
        TextRules {
            language,
            fold_accents,
            contractions: match language {
                Language::En => Contractions::English,
                Language::Fr => Contractions::French,
                Language::Es => Contractions::None,
            },
            inverted_marks: language == Language::Es,
            guillemets: matches!(language, Language::Es | Language::Fr),
        }
    }
}

// ---------------------------------------------------------------- accent folding

/// The base letter of `c` without its diacritics, from the Unicode canonical decomposition
/// (ICU4X data): "é" → "e", "ñ" → "n", "ç" → "c". `c` is already lower-case. The ligatures
/// "œ" and "æ", which have no decomposition, become two letters; the second is returned
/// separately.
#[inline]
pub fn fold_char(c: char) -> (char, Option<char>) {
    use icu_normalizer::properties::{CanonicalDecompositionBorrowed, Decomposed};
    const DECOMPOSE: CanonicalDecompositionBorrowed<'static> =
        CanonicalDecompositionBorrowed::new();
    match c {
        'œ' => return ('o', Some('e')),
        'æ' => return ('a', Some('e')),
        _ if (c as u32) < 0xC0 => return (c, None),
        _ => {}
    }
    let mut base = c;
    // A precomposed letter decomposes to a base and one mark; letters with two marks ("ǘ")
    // decompose step by step.
    for _ in 0..4 {
        match DECOMPOSE.decompose(base) {
            Decomposed::Expansion(b, mark) if is_combining_diacritic(mark) => base = b,
            _ => break,
        }
    }
    (base, None)
}

/// The combining diacritical marks block, where the accents of Latin, Greek and Cyrillic
/// letters decompose to.
fn is_combining_diacritic(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// `c` in lower case as the normaliser writes every word, each letter given to `push`: "ß"
/// (and the capital "ẞ") is "ss", as Unicode's full case folding writes it, because upper case
/// spells it that way ("ÄUSSERST") and so do Swiss German and keyboards without it.
pub fn case_fold(c: char, mut push: impl FnMut(char)) {
    for l in c.to_lowercase() {
        if l == 'ß' {
            push('s');
            push('s');
        } else {
            push(l);
        }
    }
}

/// `s` folded as the normaliser folds words (lower-cased, diacritics removed).
pub fn fold_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        case_fold(c, |l| {
            let (a, b) = fold_char(l);
            out.push(a);
            out.extend(b);
        });
    }
    out
}

// ---------------------------------------------------------------- words

/// Number words a `{num}` slot accepts besides digits.
pub fn is_number_word(lang: Language, w: &str) -> bool {
    match lang {
        Language::En => is_english_number_word(w),
        Language::Es => matches!(
            w,
            "uno"
                | "una"
                | "dos"
                | "tres"
                | "cuatro"
                | "cinco"
                | "seis"
                | "siete"
                | "ocho"
                | "nueve"
                | "diez"
                | "once"
                | "doce"
                | "trece"
                | "catorce"
                | "quince"
                | "dieciséis"
                | "dieciseis"
                | "diecisiete"
                | "dieciocho"
                | "diecinueve"
                | "veinte"
                | "veinticuatro"
                | "treinta"
                | "cuarenta"
                | "cincuenta"
                | "sesenta"
                | "setenta"
                | "ochenta"
                | "noventa"
                | "cien"
                | "ciento"
                | "unos"
                | "unas"
                | "varios"
                | "varias"
                | "pocos"
                | "pocas"
                | "par"
        ),
        Language::Fr => matches!(
            w,
            "un" | "une"
                | "deux"
                | "trois"
                | "quatre"
                | "cinq"
                | "six"
                | "sept"
                | "huit"
                | "neuf"
                | "dix"
                | "onze"
                | "douze"
                | "treize"
                | "quatorze"
                | "quinze"
                | "seize"
                | "vingt"
                | "trente"
                | "quarante"
                | "cinquante"
                | "soixante"
                | "cent"
                | "quelques"
                | "plusieurs"
        ),
    }
}

/// English number words a `{num}` slot accepts besides digits.
fn is_english_number_word(w: &str) -> bool {
    matches!(
        w,
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "eleven"
            | "twelve"
            | "thirteen"
            | "fourteen"
            | "fifteen"
            | "sixteen"
            | "seventeen"
            | "eighteen"
            | "nineteen"
            | "twenty"
            | "thirty"
            | "forty"
            | "fifty"
            | "sixty"
            | "seventy"
            | "eighty"
            | "ninety"
            | "hundred"
            | "few"
            | "couple"
    )
}

/// Does an unterminated sentence that starts with `word` ask something? `word` is the first
/// normalised word (folded or not); `accented` says whether it was written with a diacritic,
/// which in Spanish tells "qué" (what) from "que" (that) once folding has removed it.
/// English reads word classes instead (`en_question_word`, in `Normalised::question_start`).
pub fn opens_question(lang: Language, word: &str, accented: bool) -> bool {
    let folded;
    let w = if word.is_ascii() {
        word
    } else {
        folded = fold_str(word);
        folded.as_str()
    };
    match lang {
        Language::En => false,
        // "que", "como", "cuando", "donde" start statements too ("Como le comenté…",
        // "Cuando reciba el paquete…"): only their accented forms ask.
        Language::Es => match w {
            "que" | "como" | "cuando" | "donde" | "adonde" => accented,
            "cual" | "cuales" | "quien" | "quienes" | "cuanto" | "cuanta" | "cuantos"
            | "cuantas" => true,
            _ => false,
        },
        // "où" is "ou" (or) once folded: only the accented form asks.
        Language::Fr => match w {
            "ou" => accented,
            "pourquoi" | "comment" | "combien" | "quand" | "quel" | "quelle" | "quels"
            | "quelles" | "lequel" | "laquelle" | "lesquels" | "lesquelles" | "qui" | "que"
            | "qu" | "est" | "pouvez" | "pourriez" | "avez" | "auriez" | "voulez" | "voudriez"
            | "souhaitez" | "etes" | "savez" | "peut" | "faut" => true,
            _ => false,
        },
    }
}

/// English: how a word can take part in a question that has no `?` (speech-recognition text,
/// chat without punctuation). `Normalised::question_start` reads these classes; a sentence asks
/// when, after leading fillers, it opens with a question word or an auxiliary before its subject
/// ("okay can i take the postcode", "and what's the postcode"), or when that inversion follows a
/// clause ("i'm sorry your parcel's late can i take the order number").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnQuestionWord {
    /// "okay", "so", "and", "um", "well" …: said before a question without changing it.
    Filler,
    /// "what", "when", "where", "which", "who", "why", "how".
    Wh,
    /// An auxiliary that opens a question by coming before its subject ("can i", "is there").
    Aux,
    Other,
}

/// The class of an (already lower-cased) English word for the question rules.
pub fn en_question_word(w: &str) -> EnQuestionWord {
    match w {
        "okay" | "ok" | "so" | "and" | "right" | "alright" | "um" | "uh" | "erm" | "er"
        | "well" | "now" => EnQuestionWord::Filler,
        "what" | "when" | "where" | "which" | "who" | "why" | "how" => EnQuestionWord::Wh,
        "can" | "could" | "would" | "will" | "may" | "shall" | "do" | "does" | "did" | "is"
        | "are" | "was" | "were" | "have" | "has" => EnQuestionWord::Aux,
        _ => EnQuestionWord::Other,
    }
}

/// Can `next` be the subject after auxiliary `aux` where the sentence opens ("can you …", "is
/// the app …", "did it …")? Not an imperative or a wish: "have a great day", "do let us know",
/// "will do", "could be worse", and "do" or "have" before a determiner ("do the factory reset",
/// "have your card number ready").
pub fn en_opening_subject(aux: &str, next: &str) -> bool {
    if matches!(aux, "do" | "have")
        && matches!(
            next,
            "the" | "your" | "ur" | "a" | "an" | "this" | "that" | "my"
        )
    {
        return false;
    }
    en_subject_word(next)
}

/// Pronouns, determiners and quantifiers that can open the subject of a question ("can *you*",
/// "is *the* app", "did *anyone*").
fn en_subject_word(w: &str) -> bool {
    matches!(
        w,
        "i" | "you"
            | "u"
            | "ya"
            | "we"
            | "they"
            | "he"
            | "she"
            | "it"
            | "there"
            | "that"
            | "this"
            | "these"
            | "those"
            | "your"
            | "ur"
            | "the"
            | "a"
            | "an"
            | "my"
            | "our"
            | "his"
            | "her"
            | "their"
            | "its"
            | "any"
            | "anyone"
            | "anybody"
            | "anything"
            | "someone"
            | "somebody"
            | "something"
            | "everyone"
            | "everybody"
            | "everything"
            | "all"
            | "both"
            | "either"
    )
}

/// After leading fillers, does question word `wh`, then `next` and `after`, ask? Only when an
/// auxiliary or a form of be follows it ("so what's the postcode", "and how can i help"), or,
/// after "which", "what" or "how", a noun or adverb and then one ("um so which branch did you
/// go to", "okay what time did you call", "right how long have you had it"). Agents tell with
/// the same words: "so what i am going to do is …", "okay what happens now is …", "and how it
/// works is …", "so when the courier arrives just sign for it".
pub fn en_wh_after_filler(wh: &str, next: &str, after: Option<&str>) -> bool {
    let aux = |w: &str| en_question_word(w) == EnQuestionWord::Aux || matches!(w, "am" | "should");
    aux(next)
        || (matches!(wh, "which" | "what" | "how")
            && en_question_word(next) == EnQuestionWord::Other
            && !en_subject_word(next)
            && after.is_some_and(aux))
}

/// Does auxiliary `aux` followed by `next`, inside a sentence, ask ("… late can i take the order
/// number")? Only with a personal subject, the form a statement seldom has there: "is it",
/// "is that" and "is the" are left out ("the thing is it keeps crashing", "the reason is that
/// …", "here is the link"), and "is there" only before what is asked about ("is there a
/// reference"), not the place ("the form is there on our website"); "did it" not after "that"
/// or "this" ("that did it": it worked). `prev` is the word before `aux`, `after` the word
/// after `next`.
pub fn en_inside_inversion(prev: &str, aux: &str, next: &str, after: Option<&str>) -> bool {
    match aux {
        "is" | "was" => {
            next == "there"
                && matches!(
                    after,
                    Some(
                        "a" | "an"
                            | "any"
                            | "anything"
                            | "anyone"
                            | "anybody"
                            | "something"
                            | "someone"
                            | "another"
                    )
                )
        }
        "are" | "were" => matches!(next, "you" | "u" | "we" | "they"),
        "have" | "has" => matches!(next, "you" | "u" | "we" | "they"),
        "does" | "did" => match next {
            "you" | "u" | "we" | "they" | "he" | "she" => true,
            "it" | "that" => !matches!(prev, "that" | "this"),
            _ => false,
        },
        _ => matches!(next, "i" | "you" | "u" | "we" | "they" | "he" | "she"),
    }
}

/// Words before an auxiliary that make its inversion no question: its own subject or a modal
/// ("we have you down for Tuesday", "as soon as i can i'll call", "great to have you back",
/// "i'll have you sorted", "let us have you …"), or "you" ("the model you have we can swap",
/// "if you do you will lose the discount") unless `before` it is "thank" ("thank you can i take
/// your name").
pub fn en_not_before_inversion(before: &str, w: &str) -> bool {
    if matches!(w, "you" | "u") {
        return before != "thank";
    }
    matches!(
        w,
        "i" | "we"
            | "they"
            | "he"
            | "she"
            | "it"
            | "to"
            | "not"
            | "will"
            | "would"
            | "can"
            | "could"
            | "should"
            | "shall"
            | "may"
            | "might"
            | "must"
            | "do"
            | "does"
            | "did"
            | "let"
            | "us"
            | "me"
            | "them"
            | "him"
            | "if"
            | "as"
    )
}

/// Does a question word inside a sentence, then `be` and `next`, ask ("… no problem what's the
/// new postcode", "what is your policy number")? "what is going on" does not: its `next` is
/// no determiner.
pub fn en_inside_wh_question(be: &str, next: &str) -> bool {
    matches!(be, "is" | "are" | "was" | "were")
        && matches!(
            next,
            "your" | "ur" | "the" | "that" | "this" | "it" | "my" | "our" | "you" | "u"
        )
}

/// French articles and pronouns that elide before a vowel: "l'", "j'", "qu'"…
pub fn is_french_clitic(w: &str) -> bool {
    matches!(
        w,
        "l" | "j"
            | "d"
            | "m"
            | "t"
            | "s"
            | "n"
            | "c"
            | "ç"
            | "qu"
            | "jusqu"
            | "lorsqu"
            | "puisqu"
            | "quoiqu"
    )
}

/// French chat spellings that drop the apostrophe of an elision, and where the clitic ends:
/// "jai" → "j ai". Only words that cannot be anything else.
pub fn french_elision_without_apostrophe(w: &str) -> Option<usize> {
    match w {
        "jai" | "javais" | "jaurai" | "jaurais" | "jetais" | "jespere" | "jen" | "jarrive"
        | "jattends" | "cest" | "cetait" | "sil" | "sils" | "nest" | "netait" | "daccord" => {
            Some(1)
        }
        "quil" | "quils" => Some(2),
        _ => None,
    }
}

/// Support-call words that every turn has in the language (greetings, thanks, apologies,
/// "help", "problem"), which would make any two turns look alike to the mirroring detector.
/// The language's function words come from the `stop-words` crate (NLTK lists).
// Long because it is a word list per language (data, not logic).
pub fn support_stop_words(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::En => &[],
        Language::Es => &[
            "hola",
            "buenas",
            "buenos",
            "días",
            "tardes",
            "noches",
            "gracias",
            "favor",
            "disculpe",
            "disculpa",
            "disculpas",
            "perdón",
            "siento",
            "sentimos",
            "lamento",
            "lamentamos",
            "ayuda",
            "ayudar",
            "ayudarle",
            "ayudarte",
            "problema",
            "problemas",
            "usted",
            "ustedes",
            "vale",
            "bien",
            "entiendo",
            "comprendo",
            "claro",
            "puede",
            "puedo",
            "podemos",
            "podría",
            "quiero",
            "quería",
            "necesito",
            "ahora",
            "aquí",
            "entonces",
            "pues",
            "bueno",
            "solo",
            "sólo",
            "así",
            "también",
            "todavía",
            "aún",
            "ya",
            "hace",
            "hacer",
            "revisar",
            "verificar",
            "equipo",
            "servicio",
            "cliente",
            "momento",
            "mismo",
            "misma",
            "cosa",
            "vez",
            "veces",
            "dice",
            "dijo",
            "confirmar",
            "saludos",
        ],
        Language::Fr => &[
            "bonjour",
            "bonsoir",
            "salut",
            "merci",
            "remercie",
            "désolé",
            "désolée",
            "navré",
            "navrée",
            "excuses",
            "excusez",
            "aide",
            "aider",
            "problème",
            "problèmes",
            "souci",
            "soucis",
            "comprends",
            "comprenons",
            "peux",
            "pouvez",
            "pouvons",
            "veux",
            "voudrais",
            "besoin",
            "maintenant",
            "alors",
            "donc",
            "bien",
            "très",
            "aussi",
            "encore",
            "toujours",
            "déjà",
            "fait",
            "faire",
            "vérifier",
            "équipe",
            "service",
            "client",
            "cliente",
            "moment",
            "chose",
            "fois",
            "dit",
            "confirmer",
            "cela",
            "ça",
            "ceci",
            "cette",
            "cet",
            "tout",
            "tous",
            "toute",
            "comme",
            "plus",
            "bonne",
            "journée",
            "cordialement",
        ],
    }
}

/// The language's function words, for mirroring (the NLTK list).
pub fn function_words(lang: Language) -> &'static [&'static str] {
    match lang {
        Language::En => &[],
        Language::Es | Language::Fr => stop_words::lookup(lang.code()).unwrap_or(&[]),
    }
}

/// Words found in nearly every stretch of conversation, which the phrase matcher avoids as
/// anchors: the NLTK function words (all three languages), the support-call words of
/// `support_stop_words`, and English modals and pronouns the NLTK list lacks.
pub fn common_words(lang: Language) -> impl Iterator<Item = &'static str> {
    let extra: &[&str] = match lang {
        Language::En => &[
            "could", "would", "may", "might", "must", "shall", "us", "let", "get", "got", "please",
            "ok", "okay", "yes",
        ],
        Language::Es | Language::Fr => &[],
    };
    stop_words::lookup(lang.code())
        .unwrap_or(&[])
        .iter()
        .chain(support_stop_words(lang))
        .chain(extra)
        .copied()
}

/// The Snowball stemmer of the language, for mirroring ("cobraron" and "cobrado" compare
/// equal). English keeps the light stemmer it has always had.
pub fn stemmer(lang: Language) -> Option<rust_stemmers::Stemmer> {
    use rust_stemmers::{Algorithm, Stemmer};
    match lang {
        Language::En => None,
        Language::Es => Some(Stemmer::create(Algorithm::Spanish)),
        Language::Fr => Some(Stemmer::create(Algorithm::French)),
    }
}

// ---------------------------------------------------------------- names

/// The order report lines are sorted in: the Unicode Collation Algorithm with the CLDR
/// tailoring of the rubric's language (ICU4X), so "Álvaro", "íñigo", "lucía" sort as a reader
/// expects rather than by bytes, and Spanish puts "ñ" after "n". Strings the collator finds
/// equal fall back to their bytes, so the order is total and the same on every run.
pub struct NameOrder {
    collator: icu_collator::CollatorBorrowed<'static>,
}

impl NameOrder {
    pub fn new(lang: Language) -> NameOrder {
        use icu_collator::options::CollatorOptions;
        use icu_locale_core::locale;
        let locale = match lang {
            Language::En => locale!("en"),
            Language::Es => locale!("es"),
            Language::Fr => locale!("fr"),
        };
        let collator =
            icu_collator::CollatorBorrowed::try_new(locale.into(), CollatorOptions::default())
                .expect("collation data for en, es and fr is compiled in");
        NameOrder { collator }
    }

    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        self.collator.compare(a, b).then_with(|| a.cmp(b))
    }
}

impl std::fmt::Debug for NameOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameOrder")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_with_or_without_a_region() {
        assert_eq!(Language::from_code("es"), Some(Language::Es));
        assert_eq!(Language::from_code("ES-mx"), Some(Language::Es));
        assert_eq!(Language::from_code("fr_CA"), Some(Language::Fr));
        assert_eq!(Language::from_code("de"), None);
    }

    #[test]
    fn folding_removes_diacritics_only() {
        assert_eq!(
            fold_str("Más PERDÓN ñandú Ça œuvre"),
            "mas perdon nandu ca oeuvre"
        );
        assert_eq!(fold_str("naïve über ǘ"), "naive uber u");
        // "ß" is case folding's "ss", not an accent; "ø" is a letter of its own.
        assert_eq!(fold_str("straße STRAẞE ø 😊"), "strasse strasse ø 😊");
    }

    #[test]
    fn names_sort_by_collation() {
        let order = NameOrder::new(Language::Es);
        let mut names = vec!["lucía", "ÁLVARO", "íñigo", "Nuño", "nube", "zoe", "Ana"];
        names.sort_by(|a, b| order.compare(a, b));
        assert_eq!(
            names,
            ["ÁLVARO", "Ana", "íñigo", "lucía", "nube", "Nuño", "zoe"]
        );
        // Spanish sorts ñ as a letter of its own, after n: "nuño" after "nunz"; English reads
        // it as an accented n.
        assert_eq!(order.compare("nuño", "nunz"), Ordering::Greater);
        let en = NameOrder::new(Language::En);
        assert_eq!(en.compare("nuño", "nunz"), Ordering::Less);
        // Equal to the collator, different bytes: still a total order.
        assert_ne!(en.compare("a", "a\u{0}"), Ordering::Equal);
    }

    #[test]
    fn spanish_questions_need_the_accent_on_ambiguous_words() {
        assert!(opens_question(Language::Es, "que", true));
        assert!(!opens_question(Language::Es, "que", false));
        assert!(opens_question(Language::Es, "qué", true));
        assert!(opens_question(Language::Es, "cuál", true));
        assert!(!opens_question(Language::Es, "cuando", false));
        assert!(opens_question(Language::Fr, "pourquoi", false));
        assert!(!opens_question(Language::Fr, "ou", false));
    }
}
