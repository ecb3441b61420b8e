//! Rubric compilation: validate the TOML spec, resolve item references, order the items so
//! that every item is evaluated after those it refers to, and build the matcher.

use super::phrase;
use super::spec::{HeaderSpec, IdList, ItemSpec, RubricSpec};
use super::{Detector, Item, Kind, Phrase, PhraseTag, Role, Rubric, Scope, Window};
use crate::language::{Language, TextRules};
use crate::rubric::matcher::Matcher;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// One problem in a rubric file, with its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RubricError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// Checking stopped with the problems found so far (a TOML syntax error, an item without a
    /// usable `id` or `kind`): the file may have others, found once these are fixed.
    pub stopped: bool,
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

struct Errors<'a> {
    text: &'a str,
    list: Vec<RubricError>,
}

impl Errors<'_> {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.list.push(RubricError {
            line,
            column,
            message: message.into(),
            stopped: false,
        });
    }
}

/// 1-based line and column (in chars) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The most phrases a rubric may expand to, all its items' `{a|b}` families together. One family
/// stops at `phrase::MAX_EXPANSIONS`, but many families could still add up to hundreds of
/// thousands of phrases (a 60 KB rubric: 914,000, 16 s and 2.1 GB to compile); the built-in
/// English rubric expands to about 17,800 (`rubric check builtin` counts them).
pub const MAX_RUBRIC_PHRASES: usize = 100_000;

const DETECTORS: &[&str] = &[
    "question",
    "statement",
    "mirroring",
    "shouting",
    "customer_upset",
    "customer_calmed",
    "interruption",
    "silence",
];

pub fn compile(text: &str) -> Result<Rubric, Vec<RubricError>> {
    let read = super::spec::read(text);
    let mut errs = Errors {
        text,
        list: Vec::new(),
    };
    for p in read.problems {
        errs.at(p.span, p.message);
        // What follows the problem that stopped the reading was not checked: the report must
        // not read as the whole list.
        if let Some(e) = errs.list.last_mut() {
            e.stopped = p.stops;
        }
    }
    let Some(spec) = read.spec else {
        if !errs.list.iter().any(|e| e.stopped)
            && let Some(first) = errs.list.first_mut()
        {
            first.stopped = true;
        }
        errs.list.sort_by_key(|e| (e.line, e.column));
        return Err(errs.list);
    };

    // Ids first, so references can be resolved whatever the order of items.
    let index = item_index(&spec, &mut errs);
    if spec.items.is_empty() {
        errs.at(spec.rubric.span(), "the rubric has no [[item]]");
    }

    // The language first: phrases are normalised with its rules.
    let header = spec.rubric.get_ref();
    let language = language(header, &mut errs);
    let rules = TextRules::new(language, header.fold_accents.unwrap_or(false));

    // Every phrase expanded and the total checked first: past the cap, parsing the phrases and
    // building the automaton are what take the time and memory, so neither is done.
    let mut expanded = expand_phrases(&spec, &mut errs);
    if over_phrase_cap(&spec, &expanded, &mut errs) {
        expanded.iter_mut().for_each(Vec::clear);
    }

    let mut items = Vec::with_capacity(spec.items.len());
    let expansions = expanded.iter().flatten().map(|w| w.variants.len()).sum();
    let mut phrases = Vec::with_capacity(expansions);
    for (i, (item, written)) in spec.items.iter().zip(&expanded).enumerate() {
        items.push(compile_item(
            i,
            item.get_ref(),
            &index,
            written,
            &rules,
            &mut phrases,
            &mut errs,
        ));
    }

    delta_ids(&spec, &items, &mut errs);

    // `not_before`: the customer's items first ("the customer asked for a manager"), so that
    // a match they cancel is said to be cancelled by what the customer did (the stronger
    // reason) when an agent's item came first too. Which of them came first decides nothing.
    let customer: Vec<bool> = items
        .iter()
        .map(|it| it.speaker == Scope::Customer)
        .collect();
    for it in &mut items {
        it.not_before.sort_by_key(|&nb| !customer[nb]);
    }

    // The phrases keep the words they share; the parser's tables of them are not needed now.
    phrase::release_shared();

    let (pass_mark, upset, calmed) = header_settings(header, &index, &items, &mut errs);

    let eval_order = eval_order(&spec, &items, &mut errs);

    if !errs.list.is_empty() {
        errs.list.sort_by_key(|e| (e.line, e.column));
        return Err(errs.list);
    }
    let matcher = Matcher::build(&items, &phrases, rules.language).map_err(|message| {
        vec![RubricError {
            line: 1,
            column: 1,
            message,
            stopped: false,
        }]
    })?;
    Ok(Rubric {
        name: header.name.clone(),
        description: header.description.clone().unwrap_or_default(),
        pass_mark,
        upset,
        calmed,
        items,
        phrase_tags: phrases.iter().map(PhraseTag::of).collect(),
        phrases,
        eval_order,
        matcher,
        text_rules: rules,
        source_text: text.to_string(),
    })
}

/// The item's kind and whose turns it reads.
fn kind_and_speaker(s: &ItemSpec, errs: &mut Errors) -> (Kind, Scope) {
    let kind = match s.kind.get_ref().as_str() {
        "expected" => Kind::Expected,
        "violation" => Kind::Violation,
        "signal" => Kind::Signal,
        other => {
            errs.at(
                s.kind.span(),
                format!("kind `{other}`: expected one of expected, violation, signal"),
            );
            Kind::Signal
        }
    };
    let speaker = match s.speaker.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("agent", _)) => Scope::Agent,
        Some(("customer", _)) => Scope::Customer,
        Some(("any", _)) => Scope::Any,
        Some((other, span)) => {
            errs.at(
                span,
                format!("speaker `{other}`: expected one of agent, customer, any"),
            );
            Scope::Agent
        }
    };
    (kind, speaker)
}

/// Item id → position, with errors for ids that are malformed or defined twice.
fn item_index<'s>(spec: &'s RubricSpec, errs: &mut Errors) -> HashMap<&'s str, usize> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, item) in spec.items.iter().enumerate() {
        let id = item.get_ref().id.get_ref().as_str();
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            errs.at(
                item.get_ref().id.span(),
                format!("item id `{id}` must be lower-case letters, digits and `_`"),
            );
        }
        let outputs = crate::columns::reserved_in(id);
        if !outputs.is_empty() {
            errs.at(
                item.get_ref().id.span(),
                format!(
                    "item id `{id}` is the name of a fixed column of {}: the item needs a column \
                     of its own; choose another id",
                    match outputs.as_slice() {
                        [.., last] if outputs.len() > 1 =>
                            format!("{} and {last}", outputs[..outputs.len() - 1].join(", ")),
                        _ => outputs.join(""),
                    }
                ),
            );
        }
        if index.insert(id, i).is_some() {
            errs.at(
                item.get_ref().id.span(),
                format!("item id `{id}` is defined twice"),
            );
        }
    }
    index
}

/// A scored item whose id is another scored item's id and `_delta` or `_n`: the CSV report
/// names the other item's change since a `--baseline`, and its n (`--csv-item-n`), so.
fn delta_ids(spec: &RubricSpec, items: &[Item], errs: &mut Errors) {
    use crate::columns::{DELTA_SUFFIX, ITEM_N_SUFFIX};
    let scored = |i: &Item| matches!(i.kind, Kind::Expected | Kind::Violation);
    for (spec_item, item) in spec.items.iter().zip(items) {
        for (suffix, what) in [
            (DELTA_SUFFIX, "change since a `--baseline`"),
            (
                ITEM_N_SUFFIX,
                "n (the calls it applied to, with `--csv-item-n`)",
            ),
        ] {
            let Some(base) = item.id.strip_suffix(suffix) else {
                continue;
            };
            if scored(item) && items.iter().any(|o| o.id == base && scored(o)) {
                errs.at(
                    spec_item.get_ref().id.span(),
                    format!(
                        "item id `{}` is the CSV report's column of item `{base}`'s {what}; \
                         choose another id",
                        item.id
                    ),
                );
            }
        }
    }
}

/// The rubric's language, English when left out.
fn language(header: &HeaderSpec, errs: &mut Errors) -> Language {
    match &header.language {
        None => Language::En,
        Some(l) => Language::from_code(l.get_ref()).unwrap_or_else(|| {
            errs.at(
                l.span(),
                format!(
                    "language `{}`: expected one of {} (leave it out for English)",
                    l.get_ref(),
                    Language::ALL
                        .map(|l| format!("{} ({})", l.code(), l.name()))
                        .join(", ")
                ),
            );
            Language::En
        }),
    }
}

/// The header's pass mark, and its `upset` and `calmed` signal items resolved to indices.
fn header_settings(
    header: &HeaderSpec,
    index: &HashMap<&str, usize>,
    items: &[Item],
    errs: &mut Errors,
) -> (f64, Option<usize>, Option<usize>) {
    let pass_mark = match &header.pass_mark {
        Some(p) if !(0.0..=100.0).contains(p.get_ref()) => {
            errs.at(p.span(), "pass_mark must be between 0 and 100");
            80.0
        }
        Some(p) => *p.get_ref(),
        None => 80.0,
    };
    let signal_ref = |r: &Option<Spanned<String>>, what: &str, errs: &mut Errors| {
        let r = r.as_ref()?;
        match index.get(r.get_ref().as_str()) {
            Some(&i) if items[i].kind == Kind::Signal => Some(i),
            Some(_) => {
                errs.at(r.span(), format!("`{what}` must name a signal item"));
                None
            }
            None => {
                errs.at(r.span(), format!("unknown item `{}`", r.get_ref()));
                None
            }
        }
    };
    let upset = signal_ref(&header.upset, "upset", errs);
    let calmed = signal_ref(&header.calmed, "calmed", errs);
    (pass_mark, upset, calmed)
}

/// The evaluation order, or an error naming the items that refer to each other in a loop.
fn eval_order(spec: &RubricSpec, items: &[Item], errs: &mut Errors) -> Vec<usize> {
    match evaluation_order(items) {
        Ok(o) => o,
        Err(cycle) => {
            let at = spec.items[cycle[0]].get_ref().id.span();
            let names: Vec<_> = cycle.iter().map(|&i| items[i].id.as_str()).collect();
            errs.at(
                at,
                format!("items refer to each other in a loop: {}", names.join(" → ")),
            );
            Vec::new()
        }
    }
}

fn compile_item(
    idx: usize,
    s: &ItemSpec,
    index: &HashMap<&str, usize>,
    written: &[Written],
    rules: &TextRules,
    phrases: &mut Vec<Phrase>,
    errs: &mut Errors,
) -> Item {
    let id = s.id.get_ref().clone();
    let (kind, speaker) = kind_and_speaker(s, errs);
    let (weight, penalty, auto_fail) = scoring(s, kind, errs);

    let detector = detector_settings(s, errs);

    check_lists(s, &id, errs);
    parse_phrases(idx, written, rules, phrases, errs);

    let References {
        after,
        before,
        not_before,
        applies_when,
        applies_unless,
    } = references(idx, s, index, detector, errs);

    let window = window(s, errs);
    let min_count = match &s.min_count {
        Some(m) if *m.get_ref() == 0 => {
            errs.at(m.span(), "min_count must be at least 1");
            1
        }
        Some(m) => *m.get_ref(),
        None => 1,
    };

    let unless_on_match = match &s.unless_scope {
        Some(scope) => match scope.get_ref().as_str() {
            "sentence" => false,
            "match" => true,
            other => {
                errs.at(
                    scope.span(),
                    format!("unless_scope `{other}`: expected `sentence` or `match`"),
                );
                false
            }
        },
        None => false,
    };

    Item {
        label: s.label.clone().unwrap_or_else(|| id.replace('_', " ")),
        id,
        description: s.description.clone().unwrap_or_default(),
        source: s.source.clone().unwrap_or_default(),
        kind,
        speaker,
        weight,
        penalty,
        auto_fail,
        detector,
        in_question: s.in_question.unwrap_or(false),
        unless_on_match,
        window,
        min_count,
        after,
        within_turns: s.within_turns.as_ref().map(|w| *w.get_ref()),
        not_before,
        before,
        applies_when,
        applies_unless,
        phrases: s.phrases.iter().map(|p| p.get_ref().clone()).collect(),
        unless: s.unless.iter().map(|p| p.get_ref().clone()).collect(),
        unless_on_voice: s
            .unless_on_voice
            .iter()
            .map(|p| p.get_ref().clone())
            .collect(),
        unless_first: s.unless_first.iter().map(|p| p.get_ref().clone()).collect(),
        context: s.context.iter().map(|p| p.get_ref().clone()).collect(),
        context_sentences: s.context_sentences.as_ref().map_or(0, |c| *c.get_ref()),
        context_label: s.context_label.clone(),
        refusals: s.refusals.iter().map(|p| p.get_ref().clone()).collect(),
        alternatives: s.alternatives.iter().map(|p| p.get_ref().clone()).collect(),
    }
}

/// The item's weight, penalty and auto-fail, checked against its kind.
/// The most a weight or penalty may be: a score adds the weights of every item, and sums near
/// `f64::MAX` are infinite (every score came out NaN, shown as 0; tester t23 F3). No real
/// rubric comes near it.
const MAX_WEIGHT: f64 = 1e6;

fn scoring(s: &ItemSpec, kind: Kind, errs: &mut Errors) -> (f64, f64, bool) {
    let weight = match (&s.weight, kind) {
        (Some(w), Kind::Expected) if !(0.0..=MAX_WEIGHT).contains(w.get_ref()) => {
            errs.at(w.span(), "weight must be a number from 0 to 1000000");
            1.0
        }
        (Some(w), Kind::Expected) => *w.get_ref(),
        (Some(w), _) => {
            errs.at(
                w.span(),
                "`weight` is for expected items (violations have `penalty`)",
            );
            0.0
        }
        (None, Kind::Expected) => 1.0,
        (None, _) => 0.0,
    };
    let penalty = match (&s.penalty, kind) {
        (Some(p), Kind::Violation) if !(0.0..=MAX_WEIGHT).contains(p.get_ref()) => {
            errs.at(p.span(), "penalty must be a number from 0 to 1000000");
            0.0
        }
        (Some(p), Kind::Violation) => *p.get_ref(),
        (Some(p), _) => {
            errs.at(p.span(), "`penalty` is for violation items");
            0.0
        }
        (None, Kind::Violation) => 10.0,
        (None, _) => 0.0,
    };
    let auto_fail = s.auto_fail.unwrap_or(false);
    if auto_fail && kind == Kind::Signal {
        errs.at(
            s.kind.span(),
            "a signal cannot `auto_fail` (it is not scored)",
        );
    }
    (weight, penalty, auto_fail)
}

/// The item's detector, and errors for thresholds of detectors it does not use.
fn detector_settings(s: &ItemSpec, errs: &mut Errors) -> Option<Detector> {
    let detector = s
        .detector
        .as_ref()
        .and_then(|d| compile_detector(d, s, errs));
    // Thresholds that belong to a detector the item does not use are mistakes, not no-ops.
    let dname = detector.as_ref().map(|d| d.name());
    // (key, where it is written, detectors it belongs to)
    type Owner<'a> = (&'a str, Option<Range<usize>>, &'a [&'a str]);
    let threshold_owner: [Owner; 8] = [
        (
            "min_words",
            s.min_words.as_ref().map(Spanned::span),
            &["statement"],
        ),
        (
            "min_shared_words",
            s.min_shared_words.as_ref().map(Spanned::span),
            &["mirroring"],
        ),
        (
            "min_share",
            s.min_share.as_ref().map(Spanned::span),
            &["mirroring"],
        ),
        (
            "min_caps_share",
            s.min_caps_share.as_ref().map(Spanned::span),
            &["shouting", "customer_upset"],
        ),
        (
            "min_caps_words",
            s.min_caps_words.as_ref().map(Spanned::span),
            &["shouting", "customer_upset"],
        ),
        (
            "min_marks",
            s.min_marks.as_ref().map(Spanned::span),
            &["customer_upset"],
        ),
        (
            "min_overlap_ms",
            s.min_overlap_ms.as_ref().map(Spanned::span),
            &["interruption"],
        ),
        (
            "min_gap_ms",
            s.min_gap_ms.as_ref().map(Spanned::span),
            &["silence"],
        ),
    ];
    for (key, span, owners) in threshold_owner {
        if let Some(span) = span
            && !dname.is_some_and(|d| owners.contains(&d))
            && !s.mistyped(&["detector"])
        {
            errs.at(
                span,
                format!("`{key}` applies to detector {}", owners.join(" or ")),
            );
        }
    }
    detector
}

/// Checks that the item's phrase lists and their options go together.
fn check_lists(s: &ItemSpec, id: &str, errs: &mut Errors) {
    // A key left out for the type of its value is named already: not missing as well.
    if s.phrases.is_empty()
        && s.refusals.is_empty()
        && s.detector.is_none()
        && !s.mistyped(&["phrases", "refusals", "detector"])
    {
        errs.at(
            s.id.span(),
            format!("item `{id}` needs `phrases`, `refusals` or a `detector`"),
        );
    }
    if s.refusals.is_empty() != s.alternatives.is_empty()
        && !s.mistyped(&["refusals", "alternatives"])
    {
        errs.at(
            s.id.span(),
            "`refusals` and `alternatives` go together: a refusal counts unless an alternative follows it",
        );
    }
    if let Some(c) = &s.context_sentences
        && s.context.is_empty()
        && !s.mistyped(&["context"])
    {
        errs.at(
            c.span(),
            "`context_sentences` widens `context`, which is missing",
        );
    }
    if s.context_label.is_some() && s.context.is_empty() && !s.mistyped(&["context"]) {
        errs.at(
            s.id.span(),
            "`context_label` says in words what `context` looks for, which is missing",
        );
    }
    if s.in_question == Some(true) && s.phrases.is_empty() && !s.mistyped(&["phrases"]) {
        errs.at(
            s.id.span(),
            "`in_question` filters phrases, and there are none",
        );
    }
    if !s.context.is_empty()
        && s.phrases.is_empty()
        && s.detector.is_none()
        && !s.mistyped(&["phrases", "detector"])
    {
        errs.at(
            s.id.span(),
            "`context` filters matches, and there are none to filter",
        );
    }
}

/// A phrase as written in the rubric, with the plain phrases its `{a|b}` groups expand to.
struct Written<'s> {
    text: &'s Spanned<String>,
    role: Role,
    refusal: bool,
    voice_only: bool,
    first_only: bool,
    opens_sentence: bool,
    closes_turn: bool,
    variants: Vec<String>,
}

/// Every item's phrases, expanded: per item its `phrases`, `refusals`, `unless`,
/// `unless_on_voice`, `unless_first`, `context` and `alternatives`, the order the compiled
/// phrases are numbered in. A phrase that does not expand is reported and left out.
fn expand_phrases<'s>(spec: &'s RubricSpec, errs: &mut Errors) -> Vec<Vec<Written<'s>>> {
    let mut all = Vec::with_capacity(spec.items.len());
    for item in &spec.items {
        let s = item.get_ref();
        let mut written = Vec::new();
        // (list, role, refusal, voice only, first only)
        for (list, role, refusal, voice_only, first_only) in [
            (&s.phrases, Role::Match, false, false, false),
            (&s.refusals, Role::Match, true, false, false),
            (&s.unless, Role::Unless, false, false, false),
            (&s.unless_on_voice, Role::Unless, false, true, false),
            (&s.unless_first, Role::Unless, false, false, true),
            (&s.context, Role::Context, false, false, false),
            (&s.alternatives, Role::Alternative, false, false, false),
        ] {
            for p in list {
                // `^phrase`: only where it opens its sentence.
                let (opens_sentence, text) = match p.get_ref().trim_start().strip_prefix('^') {
                    Some(rest) => (true, rest.trim_start()),
                    None => (false, p.get_ref().as_str()),
                };
                // `phrase$`: only where it closes its turn.
                let (closes_turn, text) = match text.trim_end().strip_suffix('$') {
                    Some(rest) => (true, rest.trim_end()),
                    None => (false, text),
                };
                let expanded = if text.trim().is_empty() {
                    // "", "^", "$": the same message as a phrase of punctuation alone.
                    Err(phrase::NO_WORDS.to_string())
                } else {
                    phrase::expand(text).and_then(|variants| {
                        phrase::misplaced_marks(text, opens_sentence, closes_turn)
                            .map(|()| variants)
                    })
                };
                match expanded {
                    Ok(variants) => written.push(Written {
                        text: p,
                        role,
                        refusal,
                        voice_only,
                        first_only,
                        opens_sentence,
                        closes_turn,
                        variants,
                    }),
                    Err(msg) => errs.at(p.span(), format!("phrase `{}`: {msg}", p.get_ref())),
                }
            }
        }
        all.push(written);
    }
    all
}

/// Whether the expanded phrases are more than `MAX_RUBRIC_PHRASES`, reported at the item
/// that expands most, with the total and the items to cut.
fn over_phrase_cap(spec: &RubricSpec, expanded: &[Vec<Written>], errs: &mut Errors) -> bool {
    let per_item: Vec<usize> = expanded
        .iter()
        .map(|w| w.iter().map(|w| w.variants.len()).sum())
        .collect();
    let total: usize = per_item.iter().sum();
    if total <= MAX_RUBRIC_PHRASES {
        return false;
    }
    // Largest first; a stable sort keeps file order among equals.
    let mut largest: Vec<usize> = (0..per_item.len()).collect();
    largest.sort_by_key(|&i| std::cmp::Reverse(per_item[i]));
    let id = |i: usize| spec.items[i].get_ref().id.get_ref().as_str();
    let named: Vec<String> = largest
        .iter()
        .take(5)
        .map(|&i| format!("`{}` ({})", id(i), per_item[i]))
        .collect();
    errs.at(
        spec.items[largest[0]].get_ref().id.span(),
        format!(
            "the rubric's phrases expand to {total} in all, more than the {MAX_RUBRIC_PHRASES} a \
             rubric may have; the items that expand most: {}: cut their `{{a|b}}` alternatives \
             or split the rubric",
            named.join(", ")
        ),
    );
    true
}

/// Parses the item's expanded phrases of every role into `phrases`.
fn parse_phrases(
    idx: usize,
    written: &[Written],
    rules: &TextRules,
    phrases: &mut Vec<Phrase>,
    errs: &mut Errors,
) {
    for w in written {
        let family = (w.variants.len() > 1).then_some(phrases.len() as u32);
        let text: std::sync::Arc<str> = w.text.get_ref().as_str().into();
        for variant in &w.variants {
            match phrase::parse_with(variant, rules) {
                Ok(expr) => phrases.push(Phrase {
                    item: idx,
                    role: w.role,
                    text: std::sync::Arc::clone(&text),
                    expr,
                    family,
                    opens_sentence: w.opens_sentence,
                    closes_turn: w.closes_turn,
                    refusal: w.refusal,
                    voice_only: w.voice_only,
                    first_only: w.first_only,
                }),
                Err(msg) => errs.at(
                    w.text.span(),
                    format!("phrase `{}`: {msg}", w.text.get_ref()),
                ),
            }
        }
    }
}

/// The items an item names, resolved to indices.
struct References {
    after: Vec<usize>,
    before: Vec<usize>,
    not_before: Vec<usize>,
    applies_when: Vec<usize>,
    applies_unless: Vec<usize>,
}

/// The items named by `after`, `before`, `not_before`, `applies_when` and `applies_unless`,
/// resolved to indices.
fn references(
    idx: usize,
    s: &ItemSpec,
    index: &HashMap<&str, usize>,
    detector: Option<Detector>,
    errs: &mut Errors,
) -> References {
    let mut refs = |list: &Option<IdList>, what: &str| -> Vec<usize> {
        let Some(list) = list else { return Vec::new() };
        let mut out = Vec::new();
        let ids = list.get_ref().ids();
        for r in &ids {
            match index.get(r) {
                Some(&i) if i == idx => {
                    errs.at(list.span(), format!("`{what}` refers to the item itself"))
                }
                Some(&i) => out.push(i),
                None => errs.at(list.span(), format!("`{what}`: unknown item `{r}`")),
            }
        }
        if ids.is_empty() {
            errs.at(list.span(), format!("`{what}` needs at least one item id"));
        }
        out
    };
    let after = refs(&s.after, "after");
    let before = refs(&s.before, "before");
    let not_before = refs(&s.not_before, "not_before");
    let applies_when = refs(&s.applies_when, "applies_when");
    let applies_unless = refs(&s.applies_unless, "applies_unless");
    if let Some(w) = &s.within_turns
        && s.after.is_none()
        && !s.mistyped(&["after"])
    {
        errs.at(
            w.span(),
            "`within_turns` counts turns after `after`, which is missing",
        );
    }
    if matches!(detector, Some(Detector::CustomerCalmed))
        && applies_when.is_empty()
        && !s.mistyped(&["applies_when"])
    {
        errs.at(
            s.id.span(),
            "detector customer_calmed reads the upset item named by `applies_when`, which is missing",
        );
    }
    References {
        after,
        before,
        not_before,
        applies_when,
        applies_unless,
    }
}

/// The item's turn, seconds and percent window. A window of 0 turns, seconds or percent holds
/// no match in any call (an expected item missed everywhere), so it is refused like
/// `min_count = 0`.
fn window(s: &ItemSpec, errs: &mut Errors) -> Window {
    let turns = |t: &Option<Spanned<u32>>, key: &str, errs: &mut Errors| {
        t.as_ref().and_then(|t| {
            if *t.get_ref() == 0 {
                errs.at(
                    t.span(),
                    format!("{key} must be at least 1 (a window of 0 turns holds no match)"),
                );
                None
            } else {
                Some(*t.get_ref())
            }
        })
    };
    let percent = |p: &Option<Spanned<f64>>, key: &str, errs: &mut Errors| {
        p.as_ref().and_then(|p| {
            let v = *p.get_ref();
            if v == 0.0 {
                errs.at(
                    p.span(),
                    format!("{key} must be more than 0 (a window of 0 % holds no match)"),
                );
                None
            } else if (0.0..=100.0).contains(&v) {
                Some(v)
            } else {
                errs.at(p.span(), "a percentage must be between 0 and 100");
                None
            }
        })
    };
    let seconds = |p: &Option<Spanned<f64>>, key: &str, errs: &mut Errors| {
        p.as_ref().and_then(|p| {
            let v = *p.get_ref();
            if !(v >= 0.0 && v.is_finite()) {
                errs.at(p.span(), "seconds must be a number ≥ 0");
                None
            } else if (v * 1000.0).round() as u64 == 0 {
                errs.at(
                    p.span(),
                    format!("{key} must be at least 0.001 (a window of 0 seconds holds no match)"),
                );
                None
            } else {
                Some((v * 1000.0).round() as u64)
            }
        })
    };
    Window {
        first_turns: turns(&s.first_turns, "first_turns", errs),
        last_turns: turns(&s.last_turns, "last_turns", errs),
        first_ms: seconds(&s.first_seconds, "first_seconds", errs),
        last_ms: seconds(&s.last_seconds, "last_seconds", errs),
        first_percent: percent(&s.first_percent, "first_percent", errs),
        last_percent: percent(&s.last_percent, "last_percent", errs),
    }
}

fn compile_detector(d: &Spanned<String>, s: &ItemSpec, errs: &mut Errors) -> Option<Detector> {
    let share = |v: &Option<Spanned<f64>>, default: f64, errs: &mut Errors| match v {
        Some(v) if !(0.0..=1.0).contains(v.get_ref()) => {
            errs.at(v.span(), "a share must be between 0 and 1");
            default
        }
        Some(v) => *v.get_ref(),
        None => default,
    };
    let get_u32 =
        |v: &Option<Spanned<u32>>, default: u32| v.as_ref().map_or(default, |v| *v.get_ref());
    let get_u64 =
        |v: &Option<Spanned<u64>>, default: u64| v.as_ref().map_or(default, |v| *v.get_ref());
    Some(match d.get_ref().as_str() {
        "question" => Detector::Question,
        "statement" => Detector::Statement {
            min_words: get_u32(&s.min_words, 6),
        },
        "mirroring" => Detector::Mirroring {
            min_shared_words: get_u32(&s.min_shared_words, 3),
            min_share: share(&s.min_share, 0.0, errs),
        },
        "shouting" => Detector::Shouting {
            min_caps_share: share(&s.min_caps_share, 0.6, errs),
            min_caps_words: get_u32(&s.min_caps_words, 3),
        },
        "customer_upset" => Detector::CustomerUpset {
            min_caps_share: share(&s.min_caps_share, 0.6, errs),
            min_caps_words: get_u32(&s.min_caps_words, 3),
            min_marks: get_u32(&s.min_marks, 3),
        },
        "customer_calmed" => Detector::CustomerCalmed,
        "interruption" => Detector::Interruption {
            min_overlap_ms: get_u64(&s.min_overlap_ms, 1000),
        },
        "silence" => Detector::Silence {
            min_gap_ms: get_u64(&s.min_gap_ms, 10_000),
        },
        other => {
            errs.at(
                d.span(),
                format!(
                    "unknown detector `{other}`: expected one of {}",
                    DETECTORS.join(", ")
                ),
            );
            return None;
        }
    })
}

/// Topological order over the references between items; on a loop, returns the items in it.
fn evaluation_order(items: &[Item]) -> Result<Vec<usize>, Vec<usize>> {
    let deps = |i: usize| -> Vec<usize> {
        let it = &items[i];
        it.after
            .iter()
            .chain(&it.before)
            .chain(&it.not_before)
            .chain(&it.applies_when)
            .chain(&it.applies_unless)
            .copied()
            .collect()
    };
    // 0 = unvisited, 1 = on the stack, 2 = done. Depth-first, visiting items in file order so
    // the result is stable.
    let mut state = vec![0u8; items.len()];
    let mut order = Vec::with_capacity(items.len());
    fn visit(
        i: usize,
        deps: &dyn Fn(usize) -> Vec<usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Result<(), Vec<usize>> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                let from = stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(i);
                return Err(cycle);
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for d in deps(i) {
            visit(d, deps, state, order, stack)?;
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..items.len() {
        visit(i, &deps, &mut state, &mut order, &mut Vec::new())?;
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        compile(text)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    const HEAD: &str = "[rubric]\nname = \"t\"\n";

    #[test]
    fn unknown_keys_are_named_with_their_position() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nwieght = 2\n"
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("7:1:"), "{e:?}");
        assert!(e[0].contains("wieght"), "{e:?}");
    }

    /// serde stops at the first unknown key; the check names them all, and the file's other
    /// problems too (a tester's rubric showed "1 problem", `foo`, and hid a bad language).
    #[test]
    fn every_unknown_key_and_the_other_problems_are_named() {
        let e = errors(
            "[rubric]\nname = \"t\"\nlanguage = \"xx\"\ncolour = 1\n[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x NEAR y\"]\nbar = [\n  \"multi\",\n]\nfoo = 1\n",
        );
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(
            e[0].starts_with("3:12:") && e[0].contains("language `xx`"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("4:1:") && e[1].contains("`colour`"),
            "{e:?}"
        );
        assert!(e[2].starts_with("8:12:") && e[2].contains("NEAR"), "{e:?}");
        assert!(e[3].starts_with("9:1:") && e[3].contains("`bar`"), "{e:?}");
        assert!(e[4].starts_with("12:1:") && e[4].contains("`foo`"), "{e:?}");
        // An unknown dotted key, table or inline table's entry is taken out of the parsed table
        // (not blanked out of the text, which broke it and stopped the check there), and the
        // file's other problems are named too.
        for (text, others) in [
            (
                "[rubric]\nname = \"t\"\nfoo.bar = 1\nlanguage = \"xx\"\n",
                &["1:1: the rubric has no [[item]]", "4:12: language `xx`"][..],
            ),
            (
                "[rubric]\nname = \"t\"\n[foo]\nx = 1\n",
                &["1:1: the rubric has no [[item]]"][..],
            ),
            (
                "rubric = { foo = 1, name = \"t\" }\n",
                &["1:10: the rubric has no [[item]]"][..],
            ),
        ] {
            let e = errors(text);
            assert_eq!(e.len(), 1 + others.len(), "{text}: {e:?}");
            assert!(
                e.iter().any(|e| e.contains("unknown field `foo`")),
                "{text}: {e:?}"
            );
            for o in others {
                assert!(e.iter().any(|e| e.starts_with(o)), "{text}: {o}: {e:?}");
            }
        }
        // A type error after an unknown key is named too.
        let e = errors("[rubric]\nname = \"t\"\nfoo = 1\nlanguage = 3\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[1] == "4:12: `language` must be text in quotes (\"…\"), not `3`",
            "{e:?}"
        );
    }

    /// A value of the wrong type stopped the check at the first, said "(1 problem)" and hid the
    /// file's other problems (tester t8, #5), in serde's words ("invalid type: floating point
    /// `2.0`, expected u32", "data did not match any variant of untagged enum OneOrMany": #6).
    /// Every one is named, by its key and what the key takes, and the rest of the file checked.
    #[test]
    fn values_of_the_wrong_type_are_all_named_by_their_key() {
        let e = compile(
            "[rubric]\nname = \"t\"\npass_mark = \"80\"\n\
             [[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"a\"]\nweight = \"two\"\n\
             [[item]]\nid = \"b\"\nkind = \"expected\"\nphrases = [\"b\"]\nmin_count = 2.0\n\
             [[item]]\nid = \"c\"\nkind = \"expected\"\nphrases = [\"c\"]\nbogus = 1\n\
             not_before = 3\n\
             [[item]]\nid = \"d\"\nkind = \"expected\"\nphrases = [\"{d\"]\n",
        )
        .unwrap_err();
        let shown: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "3:13: `pass_mark` must be a number, not `\"80\"` (write it without quotes)",
                "8:10: `weight` must be a number, not `\"two\"`",
                "13:13: `min_count` must be a whole number, not `2.0` (write `2`)",
                "18:1: unknown field `bogus`, expected one of `id`, `label`, `description`, \
                 `source`, `kind`, `speaker`, `phrases`, `unless`, `unless_on_voice`, `unless_first`, `context`, \
                 `context_sentences`, `context_label`, `refusals`, `alternatives`, `detector`, `in_question`, \
                 `unless_scope`, `weight`, `penalty`, `auto_fail`, `first_turns`, `last_turns`, \
                 `first_seconds`, `last_seconds`, `first_percent`, `last_percent`, `min_count`, \
                 `after`, `within_turns`, `before`, `not_before`, `applies_when`, \
                 `applies_unless`, `min_shared_words`, `min_share`, `min_caps_share`, `min_caps_words`, \
                 `min_marks`, `min_overlap_ms`, `min_gap_ms`, `min_words`",
                "19:14: `not_before` takes an item id or a list of ids, like \"empathy\" or \
                 [\"empathy\", \"apology\"], not `3`",
                "23:12: phrase `{d`: `{` without a closing `}`",
            ]
        );
        assert!(e.iter().all(|e| !e.stopped), "{e:?}");

        // A key left out for its type is not then missing: no "needs `phrases`", no threshold
        // "applies to detector …", no "`within_turns` … `after`, which is missing".
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = \"sorry\"\n\
             [[item]]\nid = \"b\"\nkind = \"signal\"\ndetector = 3\nmin_marks = 2\n\
             [[item]]\nid = \"c\"\nkind = \"expected\"\nphrases = [\"x\", 3]\nwithin_turns = 2\n\
             after = [1]\nauto_fail = \"yes\"\nfirst_turns = -1\n"
        ));
        assert_eq!(
            e,
            [
                "6:11: `phrases` must be a list of phrases in quotes, like [\"sorry\", \
                 \"apologi*\"], not `\"sorry\"`",
                "10:12: `detector` must be text in quotes (\"…\"), not `3`",
                "15:17: `phrases` must be a list of phrases in quotes, like [\"sorry\", \
                 \"apologi*\"]: `3` is not text in quotes",
                "17:9: `after` takes an item id or a list of ids, like \"empathy\" or \
                 [\"empathy\", \"apology\"], not `[1]`",
                "18:13: `auto_fail` must be true or false, not `\"yes\"`",
                "19:15: `first_turns` must be a whole number, not `-1` (it cannot be negative)",
            ]
        );
    }

    /// What cannot be read past stops the check, and the problems say so (`stopped`): a
    /// syntax error, an item without a usable `kind`, a file without `[rubric]`. A key given
    /// twice is named, with its table, and does not stop it.
    #[test]
    fn checking_stops_where_the_file_cannot_be_read_further_and_says_so() {
        let stopped = |text: &str| {
            let e = compile(text).unwrap_err();
            (
                e.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
                e.iter()
                    .filter(|e| e.stopped)
                    .map(|e| e.line)
                    .collect::<Vec<_>>(),
            )
        };
        let (e, at) = stopped(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = 3\nweight = \"x\"\nfoo = 1\n\
             [[item]]\nid = \"b\"\nkind = \"expected\"\nphrases = [\"{{b\"]\nmin_count = 1.5\n"
        ));
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(
            e[0].starts_with("5:8: `kind` must be text in quotes"),
            "{e:?}"
        );
        assert!(
            e[3].starts_with("12:13: `min_count` must be a whole number"),
            "{e:?}"
        );
        // The phrase of item b is not checked: the rubric could not be put together.
        assert_eq!(at, [5], "{e:?}");
        let (e, at) = stopped(&format!("{HEAD}[[item]]\nid = \"a\"\nphrases = [\"a\"]\n"));
        assert_eq!(
            e,
            ["3:1: the item needs a `kind`: expected, violation or signal"]
        );
        assert_eq!(at, [3]);
        let (e, at) = stopped("[rubric]\nname = \"t\nweight = 1\n");
        assert_eq!((e.len(), at), (1, vec![2]), "{e:?}");
        let (e, at) = stopped("");
        assert_eq!(
            e,
            ["1:1: the file has no `[rubric]` table (with at least the rubric's `name = \"…\"`)"]
        );
        assert_eq!(at, [1]);

        let (e, at) = stopped(
            "[rubric]\nname = \"t\"\n[rubric]\n[[item]]\nid = \"a\"\nkind = \"expected\"\n\
             phrases = [\"a\"]\nphrases = [\"b\"]\n[[item]]\nid = \"b\"\nkind = \"expected\"\n\
             phrases = [\"{b\"]\n",
        );
        assert_eq!(
            e,
            [
                "3:2: `[rubric]` is given twice: write its keys under one `[rubric]`",
                "8:1: `phrases` is given twice in this `[[item]]`: give each key once",
                "12:12: phrase `{b`: `{` without a closing `}`",
            ]
        );
        assert!(at.is_empty());
    }

    #[test]
    fn unless_scope_is_sentence_or_match() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nunless_scope = \"word\"\n"
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("7:16:") && e[0].contains("expected `sentence` or `match`"),
            "{e:?}"
        );
    }

    #[test]
    fn bad_phrases_and_references_are_all_reported() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"ok\", \"x NEAR y\"]\nafter = \"nope\"\n"
        ));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("6:18:") && e[0].contains("distance"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("7:9:") && e[1].contains("unknown item `nope`"),
            "{e:?}"
        );
    }

    #[test]
    fn loops_between_items_are_rejected() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nafter = \"b\"\n\
             [[item]]\nid = \"b\"\nkind = \"expected\"\nphrases = [\"y\"]\nbefore = \"a\"\n"
        ));
        assert!(e.iter().any(|m| m.contains("loop")), "{e:?}");
    }

    #[test]
    fn thresholds_must_belong_to_the_detector() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"signal\"\ndetector = \"question\"\nmin_gap_ms = 5\n"
        ));
        assert!(
            e.iter()
                .any(|m| m.contains("min_gap_ms") && m.contains("silence")),
            "{e:?}"
        );
    }

    #[test]
    fn weights_and_penalties_belong_to_their_kinds() {
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"violation\"\nphrases = [\"x\"]\nweight = 2\n"
        ));
        assert!(e.iter().any(|m| m.contains("penalty")), "{e:?}");
    }

    #[test]
    fn evaluation_order_puts_references_first() {
        let r = compile(&format!(
            "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nafter = \"b\"\n\
             [[item]]\nid = \"b\"\nkind = \"signal\"\nphrases = [\"y\"]\n"
        ))
        .unwrap();
        assert_eq!(r.eval_order, vec![1, 0]);
    }

    /// A blank phrase, or one of anchors alone, was told "one choice of the alternatives leaves
    /// no words" (tester t1, F13c): it has no alternatives, and no words.
    #[test]
    fn a_phrase_without_words_is_told_so() {
        for phrase in ["", " ", "^", "$", "^ $", ",,,"] {
            let e = errors(&format!(
                "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"{phrase}\", \"x\"]\n"
            ));
            assert_eq!(e.len(), 1, "{phrase:?}: {e:?}");
            assert!(
                e[0].starts_with("6:12:")
                    && e[0].ends_with("the phrase has no words (punctuation is ignored)"),
                "{phrase:?}: {e:?}"
            );
        }
    }

    /// A window of 0 turns, seconds or percent holds no match in any call: refused like
    /// `min_count = 0` (tester t1, F7). `within_turns = 0` (the trigger's own turn) is not.
    #[test]
    fn windows_of_zero_are_refused() {
        for (key, message) in [
            ("first_turns = 0", "first_turns must be at least 1"),
            ("last_turns = 0", "last_turns must be at least 1"),
            ("first_seconds = 0", "first_seconds must be at least 0.001"),
            ("last_seconds = 0.0", "last_seconds must be at least 0.001"),
            (
                "first_seconds = 0.0001",
                "first_seconds must be at least 0.001",
            ),
            ("first_percent = 0", "first_percent must be more than 0"),
            ("last_percent = 0.0", "last_percent must be more than 0"),
        ] {
            let e = errors(&format!(
                "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\n{key}\n"
            ));
            assert_eq!(e.len(), 1, "{key}: {e:?}");
            assert!(
                e[0].starts_with("7:") && e[0].contains(message),
                "{key}: {e:?}"
            );
        }
        for key in [
            "first_turns = 1",
            "last_seconds = 0.001",
            "first_percent = 0.5",
            "last_percent = 100",
        ] {
            let e = errors(&format!(
                "{HEAD}[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\n{key}\n"
            ));
            assert!(e.is_empty(), "{key}: {e:?}");
        }
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"b\"\nkind = \"signal\"\nphrases = [\"y\"]\n\
             [[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nafter = \"b\"\nwithin_turns = 0\n"
        ));
        assert!(e.is_empty(), "{e:?}");
    }

    /// An item id that is a fixed column of a CSV output made that output's header name two
    /// columns alike (`score` twice in `--calls`: tester t1, F15). Every fixed column of every
    /// writer is refused, at the id, naming the outputs; `x_delta` beside a scored `x` too.
    #[test]
    fn item_ids_that_are_fixed_columns_are_refused() {
        use crate::columns::*;
        let names: Vec<String> = PER_CALL
            .iter()
            .chain([&OVERRIDDEN])
            .chain(&REPORT)
            .chain([&SHEET_CALL_ID, &SHEET_REVIEWER])
            .chain(&SHEET_CARRIED)
            .map(|s| s.to_string())
            .collect();
        assert!(names.len() > 30, "{names:?}");
        for id in &names {
            let e = errors(&format!(
                "{HEAD}[[item]]\nid = \"{id}\"\nkind = \"expected\"\nphrases = [\"x\"]\n"
            ));
            assert_eq!(e.len(), 1, "{id}: {e:?}");
            assert!(
                e[0].starts_with("4:6: ")
                    && e[0].contains(&format!("item id `{id}` is the name of a fixed column of ")),
                "{id}: {e:?}"
            );
        }
        let e = errors(&format!(
            "{HEAD}[[item]]\nid = \"date\"\nkind = \"expected\"\nphrases = [\"x\"]\n"
        ));
        assert!(
            e[0].contains(
                "of the per-call CSV (`--calls`), the CSV report (`--format csv`) and review \
                 sheets (`sample`, `calibrate`)"
            ),
            "{e:?}"
        );
        let delta = |kind: &str| {
            errors(&format!(
                "{HEAD}[[item]]\nid = \"greet\"\nkind = \"{kind}\"\nphrases = [\"x\"]\n\
                 [[item]]\nid = \"greet_delta\"\nkind = \"expected\"\nphrases = [\"y\"]\n"
            ))
        };
        let e = delta("violation");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("8:6: ") && e[0].contains("column of item `greet`'s change"),
            "{e:?}"
        );
        // A signal has no column in the report: no clash.
        assert!(delta("signal").is_empty());
        let n = errors(&format!(
            "{HEAD}[[item]]\nid = \"greet\"\nkind = \"expected\"\nphrases = [\"x\"]\n\
             [[item]]\nid = \"greet_n\"\nkind = \"violation\"\nphrases = [\"y\"]\n"
        ));
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with("8:6: ") && n[0].contains("column of item `greet`'s n (the calls"),
            "{n:?}"
        );
        // Ids that only contain a column's name are fine.
        for id in [
            "scored",
            "call_back",
            "missed_callback",
            "team_spirit",
            "notes_taken",
        ] {
            let e = errors(&format!(
                "{HEAD}[[item]]\nid = \"{id}\"\nkind = \"expected\"\nphrases = [\"x\"]\n"
            ));
            assert!(e.is_empty(), "{id}: {e:?}");
        }
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncdé f", 8), (2, 5));
    }
}
