//! The rubric file as written: TOML deserialised with serde, unknown keys rejected, every value
//! kept with its position so that `rubric check` can point at the line and column of a mistake.
//!
//! A file with a mistake is read again part by part (`read`): the `[rubric]` table and each
//! `[[item]]` on their own, every unknown key and every value of the wrong type named (with the
//! key and what it takes) and taken out, so that one run lists the whole file's problems.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricSpec {
    pub rubric: Spanned<HeaderSpec>,
    #[serde(default, rename = "item")]
    pub items: Vec<Spanned<ItemSpec>>,
}

/// A problem found reading the file: where (bytes of the text) and what to say.
#[derive(Debug)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: String,
    /// The reading stopped at this problem: what follows could not be checked.
    pub stops: bool,
}

impl Problem {
    fn new(span: Range<usize>, message: impl Into<String>) -> Problem {
        Problem {
            span,
            message: message.into(),
            stops: false,
        }
    }

    fn stopping(span: Range<usize>, message: impl Into<String>) -> Problem {
        Problem {
            stops: true,
            ..Problem::new(span, message)
        }
    }
}

/// The file as read: the spec, unless a problem stopped the reading (a TOML syntax error, an
/// item without a usable `id` or `kind`, …: what follows cannot be checked), and the problems.
#[derive(Debug)]
pub struct Read {
    pub spec: Option<RubricSpec>,
    pub problems: Vec<Problem>,
}

/// Reads the rubric file. Every unknown key and every value of the wrong type is a problem, in
/// every table of the file, not only the first that serde meets; a key of the wrong type is
/// left out (`ItemSpec::mistyped` names it, so that checks of what is missing do not blame its
/// absence) and the rest of the file is checked as usual.
pub fn read(text: &str) -> Read {
    // The usual case, a file without such mistakes: read in one go.
    if let Ok(spec) = toml::from_str::<RubricSpec>(text) {
        return Read {
            spec: Some(spec),
            problems: Vec::new(),
        };
    }
    let mut problems = Vec::new();
    let (doc, syntax) = DeTable::parse_recoverable(text);
    // A key given twice is named, and the first kept; any other syntax error stops the reading
    // (what the parser makes of the text after it is a guess).
    let mut syntax: Vec<(Range<usize>, &str)> = syntax
        .iter()
        .map(|e| (e.span().unwrap_or(0..0), e.message()))
        .collect();
    syntax.sort_by_key(|(span, _)| span.start);
    for (span, message) in syntax {
        if message == "duplicate key" {
            problems.push(Problem::new(span.clone(), duplicate_key(text, &span)));
        } else {
            problems.push(Problem::stopping(span, message.trim()));
            return Read {
                spec: None,
                problems,
            };
        }
    }
    let doc_span = doc.span();
    let mut header = None;
    let mut items = Vec::new();
    let mut stopped = false;
    for (key, value) in doc.into_inner() {
        match key.get_ref().as_ref() {
            "rubric" => {
                let span = value.span();
                match read_table::<HeaderSpec>(value, text, &mut problems) {
                    Some((h, _)) => header = Some(Spanned::new(span, h)),
                    None => stopped = true,
                }
            }
            "item" => {
                let span = value.span();
                let DeValue::Array(tables) = value.into_inner() else {
                    problems.push(Problem::stopping(span, ITEM_TABLES));
                    stopped = true;
                    continue;
                };
                for value in tables {
                    let span = value.span();
                    if !value.get_ref().is_table() {
                        problems.push(Problem::stopping(span, ITEM_TABLES));
                        stopped = true;
                        continue;
                    }
                    match read_table::<ItemSpec>(value, text, &mut problems) {
                        Some((mut item, mistyped)) => {
                            item.mistyped = mistyped;
                            items.push(Spanned::new(span, item));
                        }
                        None => stopped = true,
                    }
                }
            }
            other => problems.push(Problem::new(
                key.span(),
                format!("unknown field `{other}`, expected `rubric` or `item`"),
            )),
        }
    }
    if header.is_none() && !stopped {
        problems.push(Problem::stopping(
            doc_span.start..doc_span.start,
            "the file has no `[rubric]` table (with at least the rubric's `name = \"…\"`)",
        ));
    }
    let spec = match header {
        Some(rubric) if !stopped => Some(RubricSpec { rubric, items }),
        _ => None,
    };
    Read { spec, problems }
}

const ITEM_TABLES: &str = "`item` must be a list of `[[item]]` tables";

/// The keys without which a table cannot be checked further: an item's `id` (others refer to
/// it) and `kind` (what its other keys mean), the rubric's `name` and `language` (how every
/// phrase is read).
const REQUIRED: &[&str] = &["id", "kind", "name", "language"];

/// One table of the file (`[rubric]` or an `[[item]]`) deserialised, naming every unknown key and
/// every value of the wrong type: serde stops at the first, so each is taken out of the table
/// and the table read again. `None` when a key it cannot do without is missing or unreadable
/// (the problems are named all the same). With the table, the keys taken out for their type.
fn read_table<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<(T, Vec<String>)> {
    let span = value.span();
    let DeValue::Table(mut table) = value.into_inner() else {
        problems.push(Problem::stopping(
            span,
            "`rubric` must be the `[rubric]` table, with the rubric's `name`",
        ));
        return None;
    };
    let mut mistyped: Vec<String> = Vec::new();
    let mut usable = true;
    loop {
        let attempt = Spanned::new(span.clone(), DeValue::Table(table.clone()));
        let e = match T::deserialize(ValueDeserializer::from(attempt)) {
            Ok(t) => return usable.then_some((t, mistyped)),
            Err(e) => e,
        };
        let at = e.span().unwrap_or(span.clone());
        let message = e.message().trim();
        if message.starts_with("unknown field") {
            let key = table
                .keys()
                .find(|k| k.span() == at)
                .map(|k| k.get_ref().to_string());
            let Some(key) = key else {
                problems.push(Problem::stopping(at, message));
                return None;
            };
            problems.push(Problem::new(at, message));
            table.remove(key.as_str());
            continue;
        }
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            // Left out for its type: already named.
            if !mistyped.iter().any(|k| k == field) {
                problems.push(Problem::stopping(at, missing(field)));
            }
            return None;
        }
        // A value of the wrong type: named by its key, which is then left out.
        let entry = table
            .iter()
            .find(|(_, v)| v.span().contains(&at.start) || v.span() == at)
            .map(|(k, v)| (k.get_ref().to_string(), v.span()));
        let Some((key, value_span)) = entry else {
            problems.push(Problem::stopping(at, message));
            return None;
        };
        let message = wrong_type(&key, text, &value_span, &at);
        if REQUIRED.contains(&key.as_str()) {
            // The rest of the table is still read, for its other problems.
            problems.push(Problem::stopping(at, message));
            usable = false;
        } else {
            problems.push(Problem::new(at, message));
        }
        table.remove(key.as_str());
        mistyped.push(key);
    }
}

/// What a missing key is told.
fn missing(field: &str) -> String {
    match field {
        "name" => "`[rubric]` needs a `name`".into(),
        "kind" => "the item needs a `kind`: expected, violation or signal".into(),
        "id" => "the item needs an `id`".into(),
        other => format!("`{other}` is missing"),
    }
}

/// What a key whose value is of the wrong type is told: the key, what it takes, and what was
/// written (`at`, inside the key's value at `value`).
fn wrong_type(key: &str, text: &str, value: &Range<usize>, at: &Range<usize>) -> String {
    let written = text.get(at.clone()).unwrap_or("").trim();
    let unquoted = written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .or_else(|| {
            written
                .strip_prefix('\'')
                .and_then(|w| w.strip_suffix('\''))
        });
    let shown = {
        let line = written.lines().next().unwrap_or("");
        if line.chars().count() > 40 || line.len() < written.len() {
            format!("{}…", line.chars().take(40).collect::<String>())
        } else {
            line.to_string()
        }
    };
    let not = if at == value {
        format!(", not `{shown}`")
    } else {
        format!(": `{shown}` is not text in quotes")
    };
    const TEXT: &[&str] = &[
        "name",
        "description",
        "label",
        "context_label",
        "source",
        "id",
        "kind",
        "speaker",
        "detector",
        "unless_scope",
        "upset",
        "calmed",
        "language",
    ];
    const PHRASES: &[&str] = &[
        "phrases",
        "unless",
        "unless_on_voice",
        "unless_first",
        "context",
        "refusals",
        "alternatives",
    ];
    const FLAGS: &[&str] = &["in_question", "auto_fail", "fold_accents"];
    const IDS: &[&str] = &[
        "after",
        "before",
        "not_before",
        "applies_when",
        "applies_unless",
    ];
    const NUMBERS: &[&str] = &[
        "pass_mark",
        "weight",
        "penalty",
        "first_seconds",
        "last_seconds",
        "first_percent",
        "last_percent",
        "min_share",
        "min_caps_share",
    ];
    if TEXT.contains(&key) {
        format!("`{key}` must be text in quotes (\"…\"){not}")
    } else if PHRASES.contains(&key) {
        format!("`{key}` must be a list of phrases in quotes, like [\"sorry\", \"apologi*\"]{not}")
    } else if FLAGS.contains(&key) {
        format!("`{key}` must be true or false{not}")
    } else if IDS.contains(&key) {
        format!(
            "`{key}` takes an item id or a list of ids, like \"empathy\" or [\"empathy\", \
             \"apology\"]{not}"
        )
    } else if NUMBERS.contains(&key) {
        let hint = if unquoted.is_some_and(|u| u.trim().parse::<f64>().is_ok()) {
            " (write it without quotes)"
        } else {
            ""
        };
        format!("`{key}` must be a number{not}{hint}")
    } else {
        // The whole numbers: counts of turns, words, matches, milliseconds.
        let hint = match (unquoted, written.parse::<f64>()) {
            (Some(u), _) if u.trim().parse::<u64>().is_ok() => " (write it without quotes)".into(),
            (None, Ok(n)) if n < 0.0 => " (it cannot be negative)".into(),
            (None, Ok(n)) if n.fract() == 0.0 && written.contains(['.', 'e', 'E']) => {
                format!(" (write `{n}`)")
            }
            (None, Ok(n)) if n.is_finite() && !written.contains(['.', 'e', 'E']) => {
                " (it is too large)".into()
            }
            _ => String::new(),
        };
        format!("`{key}` must be a whole number{not}{hint}")
    }
}

/// What a key given twice is told, naming it and its table: the parser says "duplicate key".
fn duplicate_key(text: &str, span: &Range<usize>) -> String {
    let key = text.get(span.clone()).unwrap_or("").trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    // The table it is in: the last header line before it, or its own line when it is one.
    let line_start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
    let own_line = text[line_start..].lines().next().unwrap_or("");
    let header = |line: &str| {
        let line = line.split('#').next().unwrap_or("").trim();
        (line.starts_with('[') && line.ends_with(']') && !line.contains('='))
            .then(|| line.to_string())
    };
    if let Some(h) = header(own_line) {
        return if h.starts_with("[[") {
            format!("`{key}` is given both as `{h}` and as a key or table of another kind")
        } else {
            format!("`{h}` is given twice: write its keys under one `{h}`")
        };
    }
    let table = text[..line_start].lines().rev().find_map(header);
    match table.as_deref() {
        Some(h) if h.starts_with("[[") => {
            format!("`{key}` is given twice in this `{h}`: give each key once")
        }
        Some(h) => format!("`{key}` is given twice in `{h}`: give each key once"),
        None => format!("`{key}` is given twice: give each key once"),
    }
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
    /// Phrases that cancel a match in the same sentence on a voice call only ("call us" said on
    /// the phone continues in the same channel).
    #[serde(default)]
    pub unless_on_voice: Vec<Spanned<String>>,
    /// Phrases that cancel a match in the same sentence like `unless`, but only when nothing
    /// the item counts comes before them there: a `context` cue or a match of the item's own
    /// `phrases` said first keeps it ("I've re-sent the refund today, and I'll call you on
    /// Friday").
    #[serde(default)]
    pub unless_first: Vec<Spanned<String>>,
    /// Phrases one of which must be in the same sentence as a match for it to count.
    #[serde(default)]
    pub context: Vec<Spanned<String>>,
    /// A context phrase may be up to this many sentences before the match, in the same turn.
    #[serde(default)]
    pub context_sentences: Option<Spanned<u32>>,
    /// What `context` looks for, in words (`explain`: "no instruction, answer or completed
    /// action recognised in the sentence").
    #[serde(default)]
    pub context_label: Option<String>,
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
    #[serde(default)]
    pub applies_unless: Option<IdList>,

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

    /// Keys written with a value of the wrong type, named as problems and left out (see
    /// `read`): a check that a key is missing does not fire for them.
    #[serde(skip)]
    pub mistyped: Vec<String>,
}

impl ItemSpec {
    /// Whether one of these keys was written with a value of the wrong type (and left out).
    pub fn mistyped(&self, keys: &[&str]) -> bool {
        self.mistyped.iter().any(|k| keys.contains(&k.as_str()))
    }
}
