//! The rubric: what a call is audited for. Written in TOML (see `default.toml`, which is the
//! built-in rubric and the language's reference example), compiled once into items and a
//! single-pass matcher before any call is read.

pub mod compile;
pub mod matcher;
pub mod phrase;
pub mod spec;

use crate::model::Speaker;
use crate::rubric::matcher::Matcher;
pub use compile::RubricError;
use phrase::PhraseExpr;
use std::path::Path;

/// The built-in de-escalation rubric, embedded as data.
pub const DEFAULT_RUBRIC: &str = include_str!("default.toml");

/// The built-in rubric's `[rubric] name`: reports audited with it carry the accuracy note below.
pub const DEFAULT_RUBRIC_NAME: &str = "callaudit default de-escalation rubric";

/// Where the built-in rubric's measured accuracy is published: the held-out table of
/// docs/accuracy.md ("Headline: held-out conversations").
pub const ACCURACY_PAGE: &str = "docs/accuracy.md";

/// The built-in rubric's items whose F1 on the held-out labelled conversations is below 0.80,
/// worst last, with that F1 as docs/accuracy.md prints it. The one list: the HTML report names
/// these items, tests check that README.md names them and that the held-out scores agree.
pub const HELD_OUT_BELOW_0_80: &[(&str, &str)] = &[
    ("transfer", "0.79"),
    ("resolution", "0.77"),
    ("customer_calmed", "0.52"),
    ("mirroring", "0.36"),
    ("dismissive", "0.27"),
];

/// The built-in rubrics in other languages: the same items, phrased as a native-speaking QA
/// analyst expects them.
pub const SPANISH_RUBRIC: &str = include_str!("builtin/es.toml");
pub const FRENCH_RUBRIC: &str = include_str!("builtin/fr.toml");

/// The names `--rubric` and `rubric show` take for the built-in rubrics.
pub const BUILTIN_NAMES: [&str; 4] = ["builtin", "builtin:en", "builtin:es", "builtin:fr"];

/// The TOML of a built-in rubric named `builtin` or `builtin:LANG`; `None` when `name` does
/// not start with `builtin` (it is then a file), an error for an unknown language.
pub fn builtin_text(name: &str) -> Option<anyhow::Result<&'static str>> {
    let lang = match name.strip_prefix("builtin") {
        Some("") => "en",
        Some(rest) => rest.strip_prefix(':')?,
        None => return None,
    };
    Some(match lang {
        "en" => Ok(DEFAULT_RUBRIC),
        "es" => Ok(SPANISH_RUBRIC),
        "fr" => Ok(FRENCH_RUBRIC),
        other => Err(anyhow::anyhow!(
            "no built-in rubric `builtin:{other}`: expected one of {} (or a rubric file; write \
             ./{name} for a file of that name)",
            BUILTIN_NAMES.join(", ")
        )),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Good practice: scored as a share of the applicable expected items met.
    Expected,
    /// Bad practice: subtracts its penalty when it occurs.
    Violation,
    /// Neither good nor bad: a fact about the call (the customer was upset, calmed down).
    Signal,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Expected => "expected",
            Kind::Violation => "violation",
            Kind::Signal => "signal",
        }
    }
}

/// Whose turns an item looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Agent,
    Customer,
    Any,
}

impl Scope {
    pub fn covers(self, speaker: Speaker) -> bool {
        match self {
            Scope::Any => true,
            Scope::Agent => speaker == Speaker::Agent,
            Scope::Customer => speaker == Speaker::Customer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Agent => "agent",
            Scope::Customer => "customer",
            Scope::Any => "any",
        }
    }
}

/// Built-in detectors: checks that are not phrase lists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Detector {
    /// A sentence that asks something.
    Question,
    /// A sentence that tells rather than asks: not a question, at least `min_words` words. With
    /// the item's `unless` phrases (requests, redirects, apologies) it finds the turns that
    /// give information.
    Statement { min_words: u32 },
    /// The turn repeats enough of the other party's preceding turn's content words.
    Mirroring {
        min_shared_words: u32,
        min_share: f64,
    },
    /// Most of the turn's words are in capitals.
    Shouting {
        min_caps_share: f64,
        min_caps_words: u32,
    },
    /// Upset typography: shouting, a run of at least `min_marks` '!'/'?' ("!!!"), or a run
    /// mixing them ("?!").
    CustomerUpset {
        min_caps_share: f64,
        min_caps_words: u32,
        min_marks: u32,
    },
    /// The customer's last turn after the upset carries no upset marker, or thanks/accepts
    /// (the item's phrases). Reads the item named by `applies_when`.
    CustomerCalmed,
    /// The turn starts at least `min_overlap_ms` before the other party's turn ended, or the
    /// source flags it as an interruption. Needs timings.
    Interruption { min_overlap_ms: u64 },
    /// At least `min_gap_ms` without anyone speaking before the turn, or a silence the source
    /// reports. Needs timings.
    Silence { min_gap_ms: u64 },
}

impl Detector {
    pub fn name(&self) -> &'static str {
        match self {
            Detector::Question => "question",
            Detector::Statement { .. } => "statement",
            Detector::Mirroring { .. } => "mirroring",
            Detector::Shouting { .. } => "shouting",
            Detector::CustomerUpset { .. } => "customer_upset",
            Detector::CustomerCalmed => "customer_calmed",
            Detector::Interruption { .. } => "interruption",
            Detector::Silence { .. } => "silence",
        }
    }

    /// Detectors that make hits of their own for the whole call, at evaluation (silence gaps,
    /// the customer's last turn), not only from the scan: an item with one of them is evaluated
    /// even when the scan found no candidate for it.
    pub fn adds_call_level_hits(&self) -> bool {
        matches!(self, Detector::Silence { .. } | Detector::CustomerCalmed)
    }

    /// Detectors that only mean something when the call has timings.
    pub fn needs_timings(&self) -> bool {
        matches!(
            self,
            Detector::Interruption { .. } | Detector::Silence { .. }
        )
    }
}

/// Restricts which turns an item's matches may come from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    pub first_turns: Option<u32>,
    pub last_turns: Option<u32>,
    pub first_ms: Option<u64>,
    pub last_ms: Option<u64>,
    pub first_percent: Option<f64>,
    pub last_percent: Option<f64>,
}

impl Window {
    pub fn is_empty(&self) -> bool {
        *self == Window::default()
    }
}

#[derive(Clone, Debug)]
pub struct Item {
    pub id: String,
    pub label: String,
    pub description: String,
    pub source: String,
    pub kind: Kind,
    pub speaker: Scope,
    pub weight: f64,
    pub penalty: f64,
    pub auto_fail: bool,
    pub detector: Option<Detector>,
    pub in_question: bool,
    /// `unless_scope = "match"`: an `unless` phrase cancels only the matches whose words it
    /// covers ("I can appreciate your frustration" is no thanks, but "Thank you" before it in
    /// the same sentence still is); otherwise every match in its sentence.
    pub unless_on_match: bool,
    pub window: Window,
    pub min_count: u32,
    /// Matches count only after one of these items occurred…
    pub after: Vec<usize>,
    /// …within this many of the item's own speaker's turns.
    pub within_turns: Option<u32>,
    /// Matches count only if none of these items occurred earlier in the call.
    pub not_before: Vec<usize>,
    /// Matches count only if they come before the first occurrence of these items (or they
    /// never occur).
    pub before: Vec<usize>,
    /// The item applies only to calls where one of these items occurred; otherwise it is n/a
    /// and leaves the score's denominator.
    pub applies_when: Vec<usize>,
    /// The item is not needed in calls where one of these items occurred: there it is n/a
    /// unless it was done all the same (a follow-up promised on a call resolved there and then
    /// still counts as met).
    pub applies_unless: Vec<usize>,
    /// Phrase texts as written, for display.
    pub phrases: Vec<String>,
    pub unless: Vec<String>,
    /// Like `unless`, on a voice call only (`Channel::Voice`).
    pub unless_on_voice: Vec<String>,
    /// Like `unless`, unless a `context` cue or a match of the item's `phrases` comes before
    /// it in the sentence.
    pub unless_first: Vec<String>,
    pub context: Vec<String>,
    /// A `context` phrase may also be in one of this many sentences before the match, in the
    /// same turn ("Just to be sure I follow. You were charged twice?"). 0: the same sentence.
    pub context_sentences: u32,
    /// What `context` looks for, in words, for `explain` ("instruction, answer or completed
    /// action"); without it, explain names the `context` phrases.
    pub context_label: Option<String>,
    /// Refusals: matches that count only when none of the item's `alternatives` comes after
    /// them anywhere in the call, or before them in the same turn (a rigid policy with no
    /// alternative offered).
    pub refusals: Vec<String>,
    pub alternatives: Vec<String>,
}

/// What a phrase does for its item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A match of the item.
    Match,
    /// Cancels the item's matches in the same sentence.
    Unless,
    /// The item's matches count only in a sentence that has one of these.
    Context,
    /// An alternative offered: cancels the item's refusals that come before it in the call,
    /// and those after it in the same turn.
    Alternative,
}

/// A compiled phrase: which item it belongs to and what it does there.
#[derive(Clone, Debug)]
pub struct Phrase {
    pub item: usize,
    pub role: Role,
    /// The phrase as written, shared by the phrases its `{a|b}` groups expand to.
    pub text: std::sync::Arc<str>,
    pub expr: PhraseExpr,
    /// The index of the first phrase expanded from the same written phrase (`{a|b}`), when it
    /// expanded to more than one: overlapping hits of one family count once.
    pub family: Option<u32>,
    /// Written with a leading `^`: only counts where it opens its sentence (at most
    /// `OPENING_WORDS` words, such as "Hi Dan", before it).
    pub opens_sentence: bool,
    /// Written with a trailing `$`: only counts where it closes its turn (nothing but sentence
    /// marks, numbers such as "2/2", or a trailing link after it).
    pub closes_turn: bool,
    /// Written under `refusals`: a match that an `alternatives` phrase later in the call (or
    /// earlier in the same turn) cancels.
    pub refusal: bool,
    /// Written under `unless_on_voice`: cancels only on a voice call.
    pub voice_only: bool,
    /// Written under `unless_first`: cancels only where nothing the item counts comes before
    /// it in the sentence.
    pub first_only: bool,
}

/// The fields of a `Phrase` that every hit of it needs (`Rubric::phrase_tags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhraseTag {
    pub item: u32,
    pub role: Role,
    pub opens_sentence: bool,
    pub closes_turn: bool,
    pub refusal: bool,
    pub voice_only: bool,
    pub first_only: bool,
}

impl PhraseTag {
    pub fn of(p: &Phrase) -> PhraseTag {
        PhraseTag {
            item: p.item as u32,
            role: p.role,
            opens_sentence: p.opens_sentence,
            closes_turn: p.closes_turn,
            refusal: p.refusal,
            voice_only: p.voice_only,
            first_only: p.first_only,
        }
    }
}

/// How many words may come before a `^` phrase in its sentence: a greeting and a name ("Hi
/// Dan, just to confirm …", "Ok so to clarify …").
pub const OPENING_WORDS: usize = 2;

#[derive(Debug)]
pub struct Rubric {
    pub name: String,
    pub description: String,
    pub pass_mark: f64,
    /// Index of the signal item that marks a call as upset, if the rubric names one.
    pub upset: Option<usize>,
    pub calmed: Option<usize>,
    pub items: Vec<Item>,
    pub phrases: Vec<Phrase>,
    /// What the audit reads of each phrase at each of its hits, by the same index: 8 bytes a
    /// phrase where a `Phrase` takes over a hundred (the built-in rubric's 17,000 phrases are
    /// then 0.14 MB, not more than L2, read at random for every hit).
    pub phrase_tags: Vec<PhraseTag>,
    /// Items in an order where every item comes after the items it refers to.
    pub eval_order: Vec<usize>,
    pub matcher: Matcher,
    /// Language, accent folding and the normalisation rules they imply.
    pub text_rules: crate::language::TextRules,
    /// The TOML it was compiled from (`rubric show` prints it as written).
    pub source_text: String,
}

impl Rubric {
    /// The built-in rubric.
    pub fn default_rubric() -> Rubric {
        Rubric::from_toml(DEFAULT_RUBRIC).expect("the built-in rubric compiles (tested)")
    }

    /// A built-in rubric (`builtin`, `builtin:es`, …) or a rubric file.
    pub fn load(spec: &Path) -> anyhow::Result<Rubric> {
        match spec.to_str().and_then(builtin_text) {
            Some(text) => {
                let text = text?;
                Rubric::from_toml(text).map_err(|errors| {
                    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    anyhow::anyhow!(
                        "built-in rubric {} does not compile:\n{}",
                        spec.display(),
                        lines.join("\n")
                    )
                })
            }
            None => Rubric::from_file(spec),
        }
    }

    /// Compiles a rubric from TOML text. All problems are reported at once.
    pub fn from_toml(text: &str) -> Result<Rubric, Vec<RubricError>> {
        compile::compile(text)
    }

    /// Reads and compiles a rubric file; errors carry `file:line:col`.
    pub fn from_file(path: &Path) -> anyhow::Result<Rubric> {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read rubric {}: {e}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| invalid_rubric(path, &[not_utf8(e.as_bytes(), e.utf8_error())]))?;
        Rubric::from_toml(&text).map_err(|errors| invalid_rubric(path, &errors))
    }

    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }
}

/// The error of a rubric file that does not compile: its problems, one `FILE:LINE:COLUMN:
/// message` a line, under a count, or, when checking stopped at one of them (a syntax error,
/// an item that cannot be read), under a header that says so: others may follow.
fn invalid_rubric(path: &Path, errors: &[RubricError]) -> anyhow::Error {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("{}:{e}", path.display()))
        .collect();
    let n = errors.len();
    let s = if n == 1 { "" } else { "s" };
    let head = match errors.iter().find(|e| e.stopped).map(|e| e.line) {
        Some(_) if n == 1 => "invalid rubric (1 problem; checking stopped there, so others may \
                              follow once it is fixed)"
            .to_string(),
        Some(line) => format!(
            "invalid rubric ({n} problems; checking stopped at the one on line {line}, so others \
             may follow once they are fixed)"
        ),
        None => format!("invalid rubric ({n} problem{s})"),
    };
    anyhow::anyhow!("{head}:\n{}", lines.join("\n"))
}

/// A rubric file that is not UTF-8 (saved as Latin-1 or Windows-1252): where its first invalid
/// byte is, and what to do. Reading stops there.
fn not_utf8(bytes: &[u8], e: std::str::Utf8Error) -> RubricError {
    let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to here");
    let (line, column) = compile::line_col(valid, valid.len());
    let byte = bytes[valid.len()];
    // Bytes A0–FF are the same letters in Latin-1 and Windows-1252 ("é" is E9).
    let latin1 = if byte >= 0xA0 {
        format!(" (\"{}\" in Latin-1)", char::from(byte))
    } else {
        String::new()
    };
    RubricError {
        line,
        column,
        message: format!(
            "byte 0x{byte:02X} here{latin1} is not UTF-8 text: save the file as UTF-8 (an \
             encoding choice of the editor's \"Save as\")"
        ),
        stopped: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rubric_compiles_with_the_contract_ids() {
        let r = Rubric::default_rubric();
        for id in [
            "empathy",
            "apology",
            "mirroring",
            "clarifying_question",
            "resolution",
            "additional_concerns",
            "follow_up",
            "thanks",
            "active_listening",
            "stepwise",
            "hold",
            "transfer",
            "overpromise",
            "dismissive",
            "profanity",
            "shouting",
            "hedging",
            "premature_escalation",
            "interruption",
            "customer_upset",
            "customer_calmed",
        ] {
            assert!(r.item_index(id).is_some(), "missing {id}");
        }
        assert_eq!(r.pass_mark, 80.0);
        assert_eq!(r.upset, r.item_index("customer_upset"));
    }
}
