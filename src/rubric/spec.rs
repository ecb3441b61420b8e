//! The rubric file as written: TOML deserialised with serde, unknown keys rejected, every value
//! kept with its position so that `rubric check` can point at the line and column of a mistake.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricSpec {
    pub rubric: Spanned<HeaderSpec>,
    #[serde(default, rename = "item")]
    pub items: Vec<Spanned<ItemSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub version: Option<Spanned<toml::Value>>,
    /// A call passes when its score is at least this (0–100). Default 80.
    #[serde(default)]
    pub pass_mark: Option<Spanned<f64>>,
    /// The signal item that marks a call as upset (report column "upset calls").
    #[serde(default)]
    pub upset: Option<Spanned<String>>,
    /// The signal item that marks an upset customer as calmed (report column "calmed rate").
    #[serde(default)]
    pub calmed: Option<Spanned<String>>,
    /// The language of the phrases and transcripts: `en` (default), `es`, `fr`.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    /// Letters match without their diacritics ("mas" finds "más"). Default false.
    #[serde(default)]
    pub fold_accents: Option<bool>,
}

/// One or several item ids: `not_before = "empathy"` or `not_before = ["empathy", "apology"]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// An id list with the position of its value (untagged enums cannot carry per-element spans).
pub type IdList = Spanned<OneOrMany>;

impl OneOrMany {
    pub fn ids(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    pub id: Spanned<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Where the technique comes from (an article, a policy); shown in reports and docs.
    #[serde(default)]
    pub source: Option<String>,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub speaker: Option<Spanned<String>>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub unless: Vec<Spanned<String>>,
    /// Phrases one of which must be in the same sentence as a match for it to count.
    #[serde(default)]
    pub context: Vec<Spanned<String>>,
    /// A context phrase may be up to this many sentences before the match, in the same turn.
    #[serde(default)]
    pub context_sentences: Option<Spanned<u32>>,
    /// Matches that count only when no `alternatives` phrase comes after them in the call (or
    /// before them in the same turn).
    #[serde(default)]
    pub refusals: Vec<Spanned<String>>,
    /// Phrases that offer an alternative: they cancel the item's refusals that came before (and
    /// those after them in the same turn).
    #[serde(default)]
    pub alternatives: Vec<Spanned<String>>,
    #[serde(default)]
    pub detector: Option<Spanned<String>>,
    /// Only phrase matches inside a question count (`clarifying_question`).
    #[serde(default)]
    pub in_question: Option<bool>,
    /// What an `unless` phrase cancels: every match in its sentence (`"sentence"`, the
    /// default) or only the matches whose words it covers (`"match"`).
    #[serde(default)]
    pub unless_scope: Option<Spanned<String>>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub penalty: Option<Spanned<f64>>,
    #[serde(default)]
    pub auto_fail: Option<bool>,

    // Windows.
    #[serde(default)]
    pub first_turns: Option<Spanned<u32>>,
    #[serde(default)]
    pub last_turns: Option<Spanned<u32>>,
    #[serde(default)]
    pub first_seconds: Option<Spanned<f64>>,
    #[serde(default)]
    pub last_seconds: Option<Spanned<f64>>,
    #[serde(default)]
    pub first_percent: Option<Spanned<f64>>,
    #[serde(default)]
    pub last_percent: Option<Spanned<f64>>,
    #[serde(default)]
    pub min_count: Option<Spanned<u32>>,

    // Sequencing and conditions.
    #[serde(default)]
    pub after: Option<IdList>,
    #[serde(default)]
    pub within_turns: Option<Spanned<u32>>,
    #[serde(default)]
    pub before: Option<IdList>,
    #[serde(default)]
    pub not_before: Option<IdList>,
    #[serde(default)]
    pub applies_when: Option<IdList>,

    // Detector thresholds.
    #[serde(default)]
    pub min_shared_words: Option<Spanned<u32>>,
    #[serde(default)]
    pub min_share: Option<Spanned<f64>>,
    #[serde(default)]
    pub min_caps_share: Option<Spanned<f64>>,
    #[serde(default)]
    pub min_caps_words: Option<Spanned<u32>>,
    #[serde(default)]
    pub min_marks: Option<Spanned<u32>>,
    #[serde(default)]
    pub min_overlap_ms: Option<Spanned<u64>>,
    #[serde(default)]
    pub min_gap_ms: Option<Spanned<u64>>,
    #[serde(default)]
    pub min_words: Option<Spanned<u32>>,
}
