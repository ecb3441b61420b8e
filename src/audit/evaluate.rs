//! From raw hits to verdicts and a score: `unless` cancellation, windows, sequencing,
//! conditions, call-level detectors, then the arithmetic.

use super::explain;
use super::{CallAudit, CallDetail, Dropped, Evidence, Found, Hit, ItemOutcome, Verdict};
use crate::model::{Call, Channel, Speaker};
use crate::rubric::{Detector, Item, Kind, Role, Rubric, Scope, Window};

/// Buffers reused between calls.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Per item: (turn, token) of the matches that counted.
    kept: Vec<Vec<(u32, u32)>>,
    /// Per item: occurred and applies.
    present: Vec<bool>,
    /// Per item: where its match, unless, context and alternative hits start, and where
    /// they end (indices into the sorted hits).
    ranges: Vec<[usize; 5]>,
    /// Where each (item, role)'s hits go while they are sorted (`sort_hits`), and the buffer
    /// they go to.
    next: Vec<usize>,
    sorted: Vec<Hit>,
    /// Per scope (agent, customer, any): number of that scope's turns before turn i.
    prefix: [Vec<u32>; 3],
    candidates: Vec<Hit>,
    counted: Vec<Hit>,
    /// The counted hits of the last item that matched the same words as another (see
    /// `one_per_place`): their phrases are named beside the match that stands for them.
    absorbed: Vec<Hit>,
}

/// Why an item does not apply to a call. Only whether there is one decides the verdict; the
/// words (`explain.rs`) are written only when the call is explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotApplicable {
    /// None of the items of `applies_when` occurred.
    ConditionAbsent,
    /// An item of `applies_when` said by the other side occurred only after the item's own
    /// speaker's last turn (a customer upset only in the call's last words, with no agent turn
    /// after it): by the item's index, the first turn it occurred at.
    NoTurnAfter { condition: usize, turn: u32 },
    /// An item of `applies_unless` occurred (by its index): the item was not needed.
    NotNeeded { by: usize },
    /// A detector that needs timings, on a chat.
    Chat,
    /// A detector that needs timings, on a call without them.
    NoTimings,
    /// A seconds window, on a call without timings.
    SecondsWindowWithoutTimings,
}

/// Why a candidate hit does not count, with the numbers its explanation quotes. As with
/// `NotApplicable`, its words (`explain.rs`) are written only in detail mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DropReason {
    /// `in_question`, and the hit is not in a question.
    NotInQuestion,
    /// No `context` phrase in its sentence or the `sentences_before` before it.
    NoContext { sentences_before: u32 },
    /// Cancelled by this `unless` phrase, matched at `at`, in the same sentence (on the match's
    /// own words with `unless_scope = "match"`).
    Unless {
        phrase: usize,
        on_match: bool,
        at: Words,
    },
    /// A refusal, and this `alternatives` phrase follows it, matched at `at`.
    AlternativeAfter { phrase: usize, at: Words },
    /// A refusal, and this `alternatives` phrase, matched at `at`, comes before it in the same
    /// turn ("You can change it online. We can't change it here.": a firm policy with an
    /// alternative offered).
    AlternativeInTurn { phrase: usize, at: Words },
    /// Outside the item's window.
    Outside(Outside),
    /// Not after one of the `after` items (within `within_turns` turns, when set).
    NotAfter { within_turns: Option<u32> },
    /// A `not_before` item occurred first, at this (0-based) turn.
    CameFirst { item: usize, turn: u32 },
    /// After the first occurrence of a `before` item, at this (0-based) turn.
    After { item: usize, turn: u32 },
}

/// Where a hit's words are: its (0-based) turn and byte range in the turn's text, for the
/// explanation to quote the words that matched rather than the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Words {
    pub turn: u32,
    pub start: u32,
    pub end: u32,
}

impl Words {
    fn of(h: &Hit) -> Words {
        Words {
            turn: h.turn,
            start: h.orig_start,
            end: h.orig_end,
        }
    }
}

/// Which bound of the item's window a hit is outside of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Outside {
    FirstTurns(u32),
    LastTurns(u32),
    /// A seconds window, and the turn has no timings.
    NoTimings,
    FirstMs(u64),
    LastMs(u64),
    FirstPercent(f64),
    LastPercent(f64),
}

struct CallFacts {
    n_turns: usize,
    timings: Timings,
    duration: u64,
}

/// `hits` are the call's hits in turn order (as the auditor finds them); they are left sorted by
/// item, role, turn, token and phrase.
pub(crate) fn evaluate(
    rubric: &Rubric,
    call: &Call,
    hits: &mut Vec<Hit>,
    s: &mut Scratch,
    detail: bool,
) -> CallAudit {
    let facts = prepare(rubric, call, hits, s);
    let n_items = rubric.items.len();
    let mut outcomes = vec![
        ItemOutcome {
            count: 0,
            verdict: Verdict::NotApplicable,
            first_turn: None,
        };
        n_items
    ];
    let mut det = detail.then(|| CallDetail {
        evidence: vec![Vec::new(); n_items],
        dropped: vec![Vec::new(); n_items],
        reasons: vec![String::new(); n_items],
        arithmetic: Vec::new(),
    });
    let mut percent_fallback = false;
    let mut seconds_without_timings = false;

    for &i in &rubric.eval_order {
        let item = &rubric.items[i];
        let not_applicable =
            applicability(rubric, item, call, &facts, s, &mut seconds_without_timings);
        let count = counted_hits(
            rubric,
            item,
            i,
            call,
            hits,
            &facts,
            s,
            &mut det,
            &mut percent_fallback,
        );
        let not_applicable = unless_done(not_applicable, count >= item.min_count);
        let verdict = verdict(item, not_applicable.is_some(), count);
        s.present[i] = verdict.occurred();
        // Later items' `after`, `before` and `not_before` ask where this item occurred, as
        // `applies_when` asks whether: nowhere when it did not (too few matches, or not
        // applicable), and from its `min_count`-th match on when it did.
        if !verdict.occurred() {
            s.kept[i].clear();
        } else if item.min_count > 1 {
            s.kept[i].drain(..item.min_count as usize - 1);
        }
        outcomes[i] = ItemOutcome {
            count,
            verdict,
            first_turn: s.kept[i].first().map(|&(turn, _)| turn),
        };

        if let Some(d) = det.as_mut() {
            if item.detector != Some(Detector::CustomerCalmed) {
                d.evidence[i] = s
                    .counted
                    .iter()
                    .map(|h| {
                        let mut e = evidence(rubric, call, h);
                        // The phrases that matched within these words too (counted once).
                        for a in s.absorbed.iter().filter(|a| {
                            a.turn == h.turn
                                && a.orig_start < h.orig_end
                                && h.orig_start < a.orig_end
                        }) {
                            let rule = rule_of(rubric, a);
                            if rule != e.rule && !e.also.contains(&rule) {
                                e.also.push(rule);
                            }
                        }
                        e
                    })
                    .collect();
            }
            d.reasons[i] =
                explain::reason(rubric, item, verdict, count, not_applicable, d, i, &s.kept);
        }
    }

    if let Some(d) = det.as_mut() {
        mark_elsewhere(rubric, &outcomes, d, &s.kept);
    }

    call_result(
        rubric,
        call,
        outcomes,
        det,
        percent_fallback,
        seconds_without_timings,
    )
}

/// In detail mode, once every item's evidence is known: the matches dropped for want of a
/// `context` phrase that are in the words of another item's counted match (an apology, a
/// thanks, a transfer) are marked with those items, so that `explain` lists only the near
/// misses; the reason line of an item they leave without a near miss is said again.
fn mark_elsewhere(
    rubric: &Rubric,
    outcomes: &[ItemOutcome],
    d: &mut CallDetail,
    kept: &[Vec<(u32, u32)>],
) {
    for (i, &o) in outcomes.iter().enumerate() {
        if !d.dropped[i].iter().any(|x| x.no_context) {
            continue;
        }
        let mut dropped = std::mem::take(&mut d.dropped[i]);
        for x in dropped.iter_mut().filter(|x| x.no_context) {
            let e = &x.evidence;
            x.elsewhere = rubric
                .items
                .iter()
                .enumerate()
                // Not a signal's words: "exactly" (active listening) inside an instruction does
                // not make it plainly something else (tester t24 X1: the fix the analyst looked
                // for was folded away as "matched as active_listening").
                .filter(|&(j, it)| {
                    j != i
                        && it.kind != crate::rubric::Kind::Signal
                        && d.evidence[j]
                            .iter()
                            .any(|o| o.turn == e.turn && o.start < e.end && e.start < o.end)
                })
                .map(|(_, it)| it.id.clone())
                .collect();
        }
        d.dropped[i] = dropped;
        let item = &rubric.items[i];
        if o.verdict.applies()
            && !o.verdict.occurred()
            && item.detector != Some(Detector::CustomerCalmed)
        {
            // `reason` reads the item's reason so far (it extends a detector's): start afresh.
            d.reasons[i].clear();
            d.reasons[i] = explain::reason(rubric, item, o.verdict, o.count, None, d, i, kept);
        }
    }
}

/// What a call's item outcomes and score give: the score as kept (× 100, rounded), pass,
/// upset and calmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    pub score_centi: u32,
    pub passed: bool,
    pub upset: Option<bool>,
    pub calmed: Option<bool>,
}

/// The call's `Judged` from its outcomes and `score` (the audit's, and `merge`'s check of a
/// partial's records).
pub fn judge(rubric: &Rubric, outcomes: &[ItemOutcome], score: f64) -> Judged {
    // The score is kept to two decimals; `score`'s arithmetic (explain) shows that number.
    let score_centi = (score * 100.0).round() as u32;
    let upset = rubric.upset.map(|u| outcomes[u].verdict.occurred());
    Judged {
        score_centi,
        passed: score_centi >= (rubric.pass_mark * 100.0).round() as u32,
        upset,
        calmed: match (upset, rubric.calmed) {
            (Some(true), Some(c)) if outcomes[c].verdict.applies() => {
                Some(outcomes[c].verdict.occurred())
            }
            _ => None,
        },
    }
}

/// The call's result from its items' outcomes: score, pass, upset and calmed, and (in detail
/// mode) the score's arithmetic.
fn call_result(
    rubric: &Rubric,
    call: &Call,
    outcomes: Vec<ItemOutcome>,
    mut det: Option<CallDetail>,
    percent_fallback: bool,
    seconds_without_timings: bool,
) -> CallAudit {
    let Judged {
        score_centi,
        passed,
        upset,
        calmed,
    } = scored(rubric, &outcomes, det.as_mut());
    CallAudit {
        items: outcomes,
        score_centi,
        passed,
        upset,
        calmed,
        percent_fallback,
        seconds_without_timings,
        detail: det.map(Box::new),
        // The call's identity, as every audit gives it.
        ..CallAudit::unaudited(call)
    }
}

/// The call's score and what follows from it (`judge`) for its final verdicts, and in detail
/// mode the arithmetic, ending with passed or failed against the pass mark: the audit's and
/// `rejudge`'s.
fn scored(rubric: &Rubric, outcomes: &[ItemOutcome], detail: Option<&mut CallDetail>) -> Judged {
    let (score, arithmetic) = score(rubric, outcomes, detail.is_some());
    let judged = judge(rubric, outcomes, score);
    if let Some(d) = detail {
        d.arithmetic = arithmetic;
        d.arithmetic.push(format!(
            "{} (pass mark {})",
            if judged.passed { "passed" } else { "failed" },
            fmt_num(rubric.pass_mark)
        ));
    }
    judged
}

/// Decides an audited call's verdicts again with reviewers' verdicts in place of the tool's
/// (`audit --overrides`; `reviewer`: per item, whether the reviewer says it happened).
///
/// Every item's applicability is decided again by the audit's rule, in evaluation order, from
/// the verdicts as they now stand: an item with `applies_when` applies when one of those items
/// occurred after the overrides (a reviewer's "not upset" makes the upset-only items n/a; "upset"
/// makes them apply), and an item that needs timings the call lacks stays n/a. An item that
/// applies takes the reviewer's verdict when there is one, else the tool's count; an item that
/// does not apply is n/a, whatever a reviewer said of it (the rubric leaves it out of this
/// call). The score, pass, upset and calmed follow as `judge` gives them, and in detail mode the
/// verdict lines that changed and the arithmetic are written again.
pub(crate) fn rejudge(
    rubric: &Rubric,
    call: &Call,
    audit: &mut CallAudit,
    reviewer: &[Option<bool>],
) {
    let timings = Timings::of(call);
    for &i in &rubric.eval_order {
        let item = &rubric.items[i];
        let items = &audit.items;
        // A condition a reviewer says occurred where the tool found none holds from the start.
        let not_applicable = not_applicable(rubric, item, call, timings, |a| {
            let o = &items[a];
            o.verdict.occurred().then(|| o.first_turn.unwrap_or(0))
        });
        let tool = audit.items[i];
        let o = &mut audit.items[i];
        if let Some(happened) = reviewer[i] {
            o.count = if happened { o.count.max(1) } else { 0 };
        }
        let not_applicable = unless_done(
            not_applicable,
            reviewer[i].unwrap_or(o.count >= item.min_count),
        );
        o.verdict = match not_applicable {
            Some(_) => Verdict::NotApplicable,
            None => verdict_of(item.kind, reviewer[i].unwrap_or(o.count >= item.min_count)),
        };
        let now = *o;
        if let Some(d) = audit.detail.as_deref_mut()
            && let Some(line) = explain::reason_after_overrides(
                rubric,
                item,
                now,
                not_applicable,
                reviewer[i],
                tool.verdict,
                &d.reasons[i],
                &d.evidence[i],
            )
        {
            d.reasons[i] = line;
        }
    }
    let judged = scored(rubric, &audit.items, audit.detail.as_deref_mut());
    audit.score_centi = judged.score_centi;
    audit.passed = judged.passed;
    audit.upset = judged.upset;
    audit.calmed = judged.calmed;
}

/// The hits' (item, role) bucket: items in rubric order, each item's roles in `Role` order.
fn bucket(h: &Hit) -> usize {
    let role = match h.role {
        Role::Match => 0,
        Role::Unless => 1,
        Role::Context => 2,
        Role::Alternative => 3,
    };
    h.item as usize * 4 + role
}

/// Sorts `hits` (in turn order) by item, role, turn, token and phrase, and leaves in
/// `s.ranges` where each item's roles start. A counting sort by (item, role) keeps the turn
/// order, so only the hits of one item, role and turn (rarely more than a few) are compared:
/// linear in the hits, where sorting them all by that key took a good part of the evaluation.
fn sort_hits(hits: &mut Vec<Hit>, n_items: usize, s: &mut Scratch) {
    debug_assert!(hits.windows(2).all(|w| w[0].turn <= w[1].turn));
    let buckets = n_items * 4;
    s.next.clear();
    s.next.resize(buckets + 1, 0);
    for h in hits.iter() {
        s.next[bucket(h) + 1] += 1;
    }
    for b in 0..buckets {
        s.next[b + 1] += s.next[b];
    }
    s.ranges.clear();
    for i in 0..n_items {
        let b = &s.next[i * 4..i * 4 + 5];
        s.ranges.push([b[0], b[1], b[2], b[3], b[4]]);
    }
    if let Some(&first) = hits.first() {
        s.sorted.clear();
        s.sorted.resize(hits.len(), first);
        for h in hits.iter() {
            let at = &mut s.next[bucket(h)];
            s.sorted[*at] = *h;
            *at += 1;
        }
        std::mem::swap(hits, &mut s.sorted);
    }
    // Within a bucket the hits are in turn order: sort each turn's by token and phrase.
    let key = |h: &Hit| (h.tok_start, h.phrase);
    let mut a = 0;
    while a < hits.len() {
        let (b0, turn) = (bucket(&hits[a]), hits[a].turn);
        let mut b = a + 1;
        while b < hits.len() && hits[b].turn == turn && bucket(&hits[b]) == b0 {
            b += 1;
        }
        let run = &mut hits[a..b];
        if run.len() > 1 && !run.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
            run.sort_unstable_by_key(key);
        }
        a = b;
    }
}

/// Sorts the hits, resets the scratch, finds each item's hit ranges and (when `within_turns`
/// needs them) the per-speaker turn counts, and gathers the call's facts.
fn prepare(rubric: &Rubric, call: &Call, hits: &mut Vec<Hit>, s: &mut Scratch) -> CallFacts {
    let n_items = rubric.items.len();
    sort_hits(hits, n_items, s);
    s.kept.resize_with(n_items, Vec::new);
    s.kept.iter_mut().for_each(Vec::clear);
    s.present.clear();
    s.present.resize(n_items, false);
    // Turn counts per speaker are only needed by `within_turns`.
    let needs_prefix = rubric.items.iter().any(|i| i.within_turns.is_some());
    for (k, scope) in [Scope::Agent, Scope::Customer, Scope::Any]
        .iter()
        .enumerate()
        .filter(|_| needs_prefix)
    {
        let p = &mut s.prefix[k];
        p.clear();
        let mut n = 0;
        p.push(0);
        for t in &call.turns {
            n += u32::from(scope.covers(t.speaker));
            p.push(n);
        }
    }
    CallFacts {
        n_turns: call.turns.len(),
        timings: Timings::of(call),
        duration: call.duration_ms().unwrap_or(0),
    }
}

/// Why the item does not apply to this call, or `None` when it applies.
fn applicability(
    rubric: &Rubric,
    item: &Item,
    call: &Call,
    facts: &CallFacts,
    s: &Scratch,
    seconds_without_timings: &mut bool,
) -> Option<NotApplicable> {
    if (item.window.first_ms.is_some() || item.window.last_ms.is_some())
        && !facts.timings.has_timings
    {
        *seconds_without_timings = true;
    }
    not_applicable(rubric, item, call, facts.timings, |a| {
        s.present[a].then(|| s.kept[a].first().map_or(0, |&(turn, _)| turn))
    })
}

/// What the call's timings allow, for the items that need them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timings {
    has_timings: bool,
    has_interruption_flags: bool,
}

impl Timings {
    pub(crate) fn of(call: &Call) -> Timings {
        Timings {
            has_timings: call.has_timings(),
            has_interruption_flags: call.turns.iter().any(|t| t.interruption.is_some()),
        }
    }
}

/// Why `item` does not apply to `call`, or `None` when it applies, given which items occurred
/// and the first turn each occurred at (`occurred`, by index; only the items of its
/// `applies_when` and `applies_unless` are asked): the audit's rule, and `audit --overrides`'
/// when it decides again from the reviewers' verdicts (`unless_done` then lifts a "not needed"
/// for an item done all the same).
///
/// An item applies where one of its `applies_when` items occurred early enough for the item's
/// speaker to answer it: an item of the agent's that a customer's item calls for (empathy for an
/// upset) needs an agent turn after the upset, else it is n/a (tester t18: an upset voiced only
/// in the call's last words counted as empathy, apology and mirroring missed).
pub(crate) fn not_applicable(
    rubric: &Rubric,
    item: &Item,
    call: &Call,
    timings: Timings,
    occurred: impl Fn(usize) -> Option<u32>,
) -> Option<NotApplicable> {
    let mut not_applicable = None;
    if !item.applies_when.is_empty() {
        let mut too_late = None;
        let answerable = item.applies_when.iter().any(|&a| match occurred(a) {
            None => false,
            Some(turn) if answers_after(rubric, item, a, turn, call) => true,
            Some(turn) => {
                too_late.get_or_insert(NotApplicable::NoTurnAfter { condition: a, turn });
                false
            }
        });
        if !answerable {
            not_applicable = Some(too_late.unwrap_or(NotApplicable::ConditionAbsent));
        }
    }
    if let Some(&by) = item.applies_unless.iter().find(|&&a| occurred(a).is_some()) {
        not_applicable.get_or_insert(NotApplicable::NotNeeded { by });
    }
    if let Some(d) = item.detector
        && d.needs_timings()
        && call.channel == Channel::Chat
    {
        not_applicable.get_or_insert(NotApplicable::Chat);
    }
    if let Some(d) = item.detector
        && d.needs_timings()
        && !timings.has_timings
        && !(matches!(d, Detector::Interruption { .. }) && timings.has_interruption_flags)
    {
        not_applicable.get_or_insert(NotApplicable::NoTimings);
    }
    if (item.window.first_ms.is_some() || item.window.last_ms.is_some()) && !timings.has_timings {
        not_applicable.get_or_insert(NotApplicable::SecondsWindowWithoutTimings);
    }
    not_applicable
}

/// An item whose condition came only after its speaker's last turn is n/a when it was not done
/// (no turn was left to do it in), but not when it was: an agent who apologised before the
/// customer's last, angry turn met `apology`, and a violation done before it still counts
/// (reviewer r25: the met items were taken out, which lowered the score). So is an item not
/// needed (`applies_unless`): a follow-up promised on a call resolved there and then is met.
fn unless_done(not_applicable: Option<NotApplicable>, done: bool) -> Option<NotApplicable> {
    not_applicable.filter(|na| {
        !(done
            && matches!(
                na,
                NotApplicable::NoTurnAfter { .. } | NotApplicable::NotNeeded { .. }
            ))
    })
}

/// Whether `item`'s speaker can answer `condition`, which first occurred at `turn`: always when
/// either is said by anyone or both by the same side, else when the item's speaker has a turn
/// after it.
fn answers_after(rubric: &Rubric, item: &Item, condition: usize, turn: u32, call: &Call) -> bool {
    let speaker = match item.speaker {
        Scope::Agent => Speaker::Agent,
        Scope::Customer => Speaker::Customer,
        Scope::Any => return true,
    };
    let by = rubric.items[condition].speaker;
    if by == Scope::Any || by == item.speaker {
        return true;
    }
    call.turns
        .get(turn as usize + 1..)
        .is_some_and(|after| after.iter().any(|t| t.speaker == speaker))
}

/// The item's hits that count, left in `s.counted` (and their positions in `s.kept[i]`);
/// returns how many. Dropped candidates are recorded with their reason in detail mode.
#[allow(clippy::too_many_arguments)]
fn counted_hits(
    rubric: &Rubric,
    item: &Item,
    i: usize,
    call: &Call,
    hits: &[Hit],
    facts: &CallFacts,
    s: &mut Scratch,
    det: &mut Option<CallDetail>,
    percent_fallback: &mut bool,
) -> u32 {
    let [
        main_start,
        unless_start,
        context_start,
        alternative_start,
        end,
    ] = s.ranges[i];
    if main_start == unless_start && !item.detector.is_some_and(|d| d.adds_call_level_hits()) {
        // No candidate at all (most items in most calls): nothing to drop, count or keep.
        s.counted.clear();
        return 0;
    }
    // Candidates: phrase and turn-detector hits, plus call-level detector hits. The
    // buffers are taken out of the scratch so the filters can read the rest of it.
    let mut candidates = std::mem::take(&mut s.candidates);
    let mut counted = std::mem::take(&mut s.counted);
    candidates.clear();
    counted.clear();
    candidates.extend_from_slice(&hits[main_start..unless_start]);
    if let Some(Detector::Silence { min_gap_ms }) = item.detector
        && call.channel != Channel::Chat
    {
        silence_hits(call, item, i, min_gap_ms, &mut candidates);
    }
    let unless = &hits[unless_start..context_start];
    let context = &hits[context_start..alternative_start];
    let alternatives = &hits[alternative_start..end];
    for h in &candidates {
        match drop_reason(
            rubric,
            item,
            h,
            &candidates,
            unless,
            context,
            alternatives,
            facts,
            call,
            s,
            percent_fallback,
        ) {
            Some(reason) => {
                if let Some(d) = det.as_mut() {
                    d.dropped[i].push(Dropped {
                        evidence: evidence(rubric, call, h),
                        reason: reason.text(rubric, item, call),
                        no_context: matches!(reason, DropReason::NoContext { .. }),
                        elsewhere: Vec::new(),
                    });
                }
            }
            None => counted.push(*h),
        }
    }
    one_per_place(call, &mut counted, &mut s.absorbed);
    if let Some(Detector::CustomerCalmed) = item.detector {
        calmed(item, call, &mut counted, unless, s, det, rubric, i);
    }
    s.kept[i].extend(counted.iter().map(|h| (h.turn, h.tok_start)));
    // Sorted, so that later items can bisect it (silence hits come after phrase hits).
    s.kept[i].sort_unstable();
    let count = counted.len() as u32;
    s.candidates = candidates;
    s.counted = counted;
    count
}

/// Keeps one hit per place: hits of the same turn whose words overlap are one occurrence of
/// the item, however many of its phrases (or its phrases and its detector) matched there
/// ("there's nothing I can do" is matched by three refusal families). The earliest-starting,
/// then longest, hit stays, widened to the words of all of them, so that the evidence quotes
/// the whole place. Hits without words (silence) never overlap. Hits with only spaces between
/// them in one sentence are one place too ("Hang on a second while I look": "hang on" and "a
/// second while" are one hold).
fn one_per_place(call: &Call, counted: &mut Vec<Hit>, absorbed: &mut Vec<Hit>) {
    absorbed.clear();
    if counted.len() < 2 {
        return;
    }
    counted.sort_unstable_by_key(|h| (h.turn, h.orig_start, std::cmp::Reverse(h.orig_end)));
    let mut kept = 0;
    for i in 0..counted.len() {
        let h = counted[i];
        if kept > 0 {
            let last = &mut counted[kept - 1];
            let touching = || {
                h.sent_start == last.sent_end
                    && h.orig_end > h.orig_start
                    && last.orig_end > last.orig_start
                    && call
                        .turn_text(&call.turns[h.turn as usize])
                        .get(last.orig_end as usize..h.orig_start as usize)
                        .is_some_and(|gap| gap.bytes().all(|b| b == b' '))
            };
            if last.turn == h.turn && (h.orig_start < last.orig_end || touching()) {
                last.orig_end = last.orig_end.max(h.orig_end);
                last.sent_end = last.sent_end.max(h.sent_end);
                absorbed.push(h);
                continue;
            }
        }
        counted[kept] = h;
        kept += 1;
    }
    counted.truncate(kept);
}

/// The verdict from the item's kind, whether it applies, and its count.
fn verdict(item: &Item, not_applicable: bool, count: u32) -> Verdict {
    if not_applicable {
        Verdict::NotApplicable
    } else {
        verdict_of(item.kind, count >= item.min_count)
    }
}

/// The verdict of an item of `kind` that applies, by whether it occurred.
pub fn verdict_of(kind: Kind, occurred: bool) -> Verdict {
    match (kind, occurred) {
        (Kind::Expected, true) => Verdict::Met,
        (Kind::Expected, false) => Verdict::Missed,
        (Kind::Violation, true) => Verdict::Violated,
        (Kind::Violation, false) => Verdict::Clean,
        (Kind::Signal, true) => Verdict::Present,
        (Kind::Signal, false) => Verdict::Absent,
    }
}

/// Whether an unless hit is one of the item's `unless_on_voice` phrases.
fn voice_only(rubric: &Rubric, h: &Hit) -> bool {
    matches!(h.phrase, Found::Phrase(p) if rubric.phrase_tags[p as usize].voice_only)
}

/// Whether an unless hit is one of the item's `unless_first` phrases.
fn first_only(rubric: &Rubric, h: &Hit) -> bool {
    matches!(h.phrase, Found::Phrase(p) if rubric.phrase_tags[p as usize].first_only)
}

/// Why a candidate hit does not count, or `None` when it counts.
#[allow(clippy::too_many_arguments)]
fn drop_reason(
    rubric: &Rubric,
    item: &Item,
    h: &Hit,
    candidates: &[Hit],
    unless: &[Hit],
    context: &[Hit],
    alternatives: &[Hit],
    facts: &CallFacts,
    call: &Call,
    s: &Scratch,
    percent_fallback: &mut bool,
) -> Option<DropReason> {
    if item.in_question && h.phrase != Found::Detector && !h.in_question {
        return Some(DropReason::NotInQuestion);
    }
    // Unless and context hits are sorted by turn: look only at this turn's (a call of
    // thousands of turns must not compare every hit with every other).
    let in_turn = |hits: &[Hit]| {
        let from = hits.partition_point(|o| o.turn < h.turn);
        let to = from + hits[from..].partition_point(|o| o.turn == h.turn);
        (from, to)
    };
    let same_sentence = |o: &&Hit| o.sent_start <= h.sent_end && h.sent_start <= o.sent_end;
    if !item.context.is_empty() {
        let (from, to) = in_turn(context);
        // `context_sentences`: the lead-in may also be a few sentences before the match.
        let near = |c: &Hit| {
            c.sent_start <= h.sent_end && h.sent_start <= c.sent_end + item.context_sentences
        };
        if !context[from..to].iter().any(near) {
            return Some(DropReason::NoContext {
                sentences_before: item.context_sentences,
            });
        }
    }
    let (from, to) = in_turn(unless);
    // `unless_scope = "match"`: only an unless phrase on the match's own words cancels it.
    let on_match = |o: &&Hit| o.orig_start < h.orig_end && h.orig_start < o.orig_end;
    // `unless_on_voice` phrases cancel on a voice call only; `unless_first` phrases only where
    // nothing the item counts is said before them in their sentence: a `context` cue, or a
    // match of the item's own phrases ("I've re-sent the refund today, and I'll call you on
    // Friday": the fix said first counts, the promise after it does not cancel it).
    let voice = call.channel == Channel::Voice;
    let (cfrom, cto) = in_turn(context);
    let said_first = |u: &Hit| {
        let before = |c: &Hit| {
            c.turn == u.turn
                && c.sent_start <= u.sent_end
                && u.sent_start <= c.sent_end
                && c.orig_end <= u.orig_start
        };
        context[cfrom..cto].iter().any(before)
            || candidates
                .iter()
                .any(|c| c.phrase != Found::Detector && before(c))
    };
    let applies =
        |o: &&Hit| (voice || !voice_only(rubric, o)) && !(first_only(rubric, o) && said_first(o));
    let cancelling = if item.unless_on_match {
        unless[from..to].iter().filter(applies).find(on_match)
    } else {
        unless[from..to].iter().filter(applies).find(same_sentence)
    };
    if let Some(u) = cancelling {
        return Some(DropReason::Unless {
            phrase: u.phrase.phrase_index(),
            on_match: item.unless_on_match,
            at: Words::of(u),
        });
    }
    // A refusal counts only when no alternative is offered after it, anywhere in the call, or
    // before it in the same turn (alternative hits are sorted by turn and token: the first one
    // after it is quoted, else the turn's first).
    if let Found::Phrase(p) = h.phrase
        && rubric.phrase_tags[p as usize].refusal
    {
        // An alternative on a refusal's own words is that refusal's condition, not an
        // alternative offered: "we can't help unless you can log in" (QA standard, dismissive:
        // "we can't help unless …").
        let is_refusal = |c: &Hit| matches!(c.phrase, Found::Phrase(q) if rubric.phrase_tags[q as usize].refusal);
        let offered = |a: &&Hit| {
            !candidates.iter().any(|c| {
                is_refusal(c)
                    && c.turn == a.turn
                    && c.orig_start < a.orig_end
                    && a.orig_start < c.orig_end
            })
        };
        let next = alternatives.partition_point(|a| (a.turn, a.tok_start) <= (h.turn, h.tok_start));
        if let Some(alt) = alternatives[next..].iter().find(offered) {
            return Some(DropReason::AlternativeAfter {
                phrase: alt.phrase.phrase_index(),
                at: Words::of(alt),
            });
        }
        let (from, _) = in_turn(alternatives);
        if let Some(alt) = alternatives[from..next].iter().find(offered) {
            return Some(DropReason::AlternativeInTurn {
                phrase: alt.phrase.phrase_index(),
                at: Words::of(alt),
            });
        }
    }
    if !item.window.is_empty()
        && let Some(why) =
            outside_window(&item.window, h.turn as usize, call, facts, percent_fallback)
    {
        return Some(DropReason::Outside(why));
    }
    out_of_sequence(item, h, s)
}

/// Why a hit breaks the item's sequencing (`after`, `within_turns`, `not_before`, `before`),
/// or `None` when it keeps to it.
fn out_of_sequence(item: &Item, h: &Hit, s: &Scratch) -> Option<DropReason> {
    let pos = (h.turn, h.tok_start);
    if !item.after.is_empty() {
        let scope = scope_index(item.speaker);
        // Kept positions are sorted: the latest trigger before this match is the one with the
        // fewest turns in between, so it alone decides `within_turns`.
        let ok = item.after.iter().any(|&a| {
            let kept = &s.kept[a];
            let before = kept.partition_point(|&p| p < pos);
            before > 0
                && item.within_turns.is_none_or(|n| {
                    let (t, _) = kept[before - 1];
                    let p = &s.prefix[scope];
                    // Turns of the item's speaker after the trigger turn, up to this one.
                    p[h.turn as usize + 1] - p[t as usize + 1] <= n
                })
        });
        if !ok {
            return Some(DropReason::NotAfter {
                within_turns: item.within_turns,
            });
        }
    }
    for &nb in &item.not_before {
        if let Some(&(t, _)) = s.kept[nb].first().filter(|&&p| p < pos) {
            return Some(DropReason::CameFirst { item: nb, turn: t });
        }
    }
    for &b in &item.before {
        if let Some(&first) = s.kept[b].first()
            && first < pos
        {
            return Some(DropReason::After {
                item: b,
                turn: first.0,
            });
        }
    }
    None
}

fn scope_index(scope: Scope) -> usize {
    match scope {
        Scope::Agent => 0,
        Scope::Customer => 1,
        Scope::Any => 2,
    }
}

fn outside_window(
    w: &Window,
    turn: usize,
    call: &Call,
    f: &CallFacts,
    percent_fallback: &mut bool,
) -> Option<Outside> {
    let n = f.n_turns;
    if let Some(k) = w.first_turns
        && turn >= k as usize
    {
        return Some(Outside::FirstTurns(k));
    }
    if let Some(k) = w.last_turns
        && turn + (k as usize) < n
    {
        return Some(Outside::LastTurns(k));
    }
    let t = &call.turns[turn];
    if let Some(ms) = w.first_ms {
        match t.start_ms {
            None => return Some(Outside::NoTimings),
            Some(start) if start >= ms => return Some(Outside::FirstMs(ms)),
            Some(_) => {}
        }
    }
    if let Some(ms) = w.last_ms {
        match t.end_ms.or(t.start_ms) {
            None => return Some(Outside::NoTimings),
            Some(end) if end + ms < f.duration => return Some(Outside::LastMs(ms)),
            Some(_) => {}
        }
    }
    if let Some(p) = w.first_percent {
        let inside = if f.timings.has_timings {
            (t.start_ms.unwrap_or(0) as f64) <= f.duration as f64 * p / 100.0
        } else {
            *percent_fallback = true;
            (turn as f64) < (n as f64 * p / 100.0).ceil()
        };
        if !inside {
            return Some(Outside::FirstPercent(p));
        }
    }
    if let Some(p) = w.last_percent {
        let inside = if f.timings.has_timings {
            (t.end_ms.or(t.start_ms).unwrap_or(0) as f64) >= f.duration as f64 * (1.0 - p / 100.0)
        } else {
            *percent_fallback = true;
            turn as f64 >= n as f64 - (n as f64 * p / 100.0).ceil()
        };
        if !inside {
            return Some(Outside::LastPercent(p));
        }
    }
    None
}

/// Gaps of at least `min_gap_ms` before a turn of the item's speaker: reported by the source
/// when it has silences, else measured between turns.
fn silence_hits(call: &Call, item: &Item, i: usize, min_gap_ms: u64, out: &mut Vec<Hit>) {
    let hit_at = |turn: usize, gap_ms: u64, out: &mut Vec<Hit>| {
        out.push(Hit {
            aux: u32::try_from(gap_ms).unwrap_or(u32::MAX),
            ..Hit::detector(i as u32, turn as u32, u32::MAX, 0)
        });
    };
    if call.silences_reported || !call.silences.is_empty() {
        for sil in &call.silences {
            if sil.end_ms.saturating_sub(sil.start_ms) < min_gap_ms {
                continue;
            }
            let next = call
                .turns
                .iter()
                .position(|t| t.start_ms.is_some_and(|s| s >= sil.start_ms))
                .unwrap_or(call.turns.len().saturating_sub(1));
            if call
                .turns
                .get(next)
                .is_some_and(|t| item.speaker.covers(t.speaker))
            {
                hit_at(next, sil.end_ms - sil.start_ms, out);
            }
        }
        return;
    }
    let mut spoken_until: Option<u64> = None;
    for (ti, t) in call.turns.iter().enumerate() {
        if let (Some(until), Some(start)) = (spoken_until, t.start_ms)
            && start >= until + min_gap_ms
            && item.speaker.covers(t.speaker)
        {
            hit_at(ti, start - until, out);
        }
        if let Some(e) = t.end_ms.or(t.start_ms) {
            spoken_until = Some(spoken_until.map_or(e, |u| u.max(e)));
        }
    }
}

/// The calmed detector: the item's speaker's last turn comes after the first upset turn and
/// either has a calming phrase (thanks, acceptance) or no upset marker. The last turn is the
/// last one that says something: a trailing turn of only links or @handles (a screenshot) is
/// not the customer's last word.
///
/// The customer calmed when their last turn after the first upset carries no upset marker and
/// none of the item's `unless` phrases (a complaint such as "still not fixed", or sarcastic
/// thanks): an acceptance word does not cancel an upset in the same turn. A phrase of the item in
/// that turn ("thanks", "ok") is quoted as the evidence.
#[allow(clippy::too_many_arguments)]
fn calmed(
    item: &Item,
    call: &Call,
    counted: &mut Vec<Hit>,
    unless: &[Hit],
    s: &Scratch,
    det: &mut Option<CallDetail>,
    rubric: &Rubric,
    i: usize,
) {
    let phrase_hits = std::mem::take(counted);
    let upset = item.applies_when[0];
    let Some(&(first_upset, _)) = s.kept[upset].first() else {
        // Not applicable: no match of it decides anything.
        if let Some(d) = det.as_mut() {
            d.dropped[i].clear();
        }
        return;
    };
    let covers = |t: &crate::model::Turn| item.speaker.covers(t.speaker);
    let Some(last) = call
        .turns
        .iter()
        .rposition(|t| covers(t) && has_words(call.turn_text(t)))
        .or_else(|| call.turns.iter().rposition(covers))
    else {
        return;
    };
    let last = last as u32;
    // Only the customer's last turn after the upset decides: matches dropped in earlier turns
    // ("fixed" cancelled by "nobody" in turn 1) bear on nothing.
    if let Some(d) = det.as_mut() {
        d.dropped[i].retain(|x| x.evidence.turn == last && last > first_upset);
    }
    if last <= first_upset {
        if let Some(d) = det.as_mut() {
            d.reasons[i] = format!(
                "no {} turn after the upset at turn {}",
                item.speaker.as_str(),
                first_upset + 1
            );
        }
        return;
    }
    let phrase_in_last = phrase_hits.iter().find(|h| h.turn == last);
    // The customer's last block: their consecutive turns ending with the last one (one message
    // is often split over several). An upset anywhere in it is not cancelled by an acceptance
    // word ("This is a joke!!!" then "ok thanks" is not calm).
    let block_start = call.turns[..last as usize]
        .iter()
        .rposition(|t| !item.speaker.covers(t.speaker))
        .map_or(0, |p| p as u32 + 1);
    let kept = &s.kept[upset];
    let upset_in_last = kept
        .get(kept.partition_point(|&(t, _)| t < block_start))
        .is_some_and(|&(t, _)| t <= last);
    let voice = call.channel == Channel::Voice;
    let complaint = unless
        .iter()
        .find(|h| h.turn == last && (voice || !voice_only(rubric, h)));
    let still_upset = upset_in_last || complaint.is_some();
    if let Some(d) = det.as_mut() {
        d.reasons[i] = match (phrase_in_last, still_upset) {
            (_, true) => match complaint.filter(|_| !upset_in_last) {
                Some(c) => {
                    let text = call.turn_text(&call.turns[last as usize]);
                    let words = text
                        .get(c.orig_start as usize..c.orig_end as usize)
                        .unwrap_or("");
                    let p = &rubric.phrases[c.phrase.phrase_index()];
                    // A phrase that must be the whole turn ("Great." alone) is irony: the
                    // word would calm anywhere else.
                    if p.opens_sentence && p.closes_turn {
                        format!(
                            "the customer's last turn ({}) is read as sarcasm: “{words}” on its own",
                            last + 1
                        )
                    } else {
                        format!(
                            "the customer's last turn ({}) still complains: “{words}”",
                            last + 1
                        )
                    }
                }
                None => format!("the customer's last turn ({}) is still upset", last + 1),
            },
            (Some(_), false) => String::new(),
            (None, false) => format!(
                "the customer's last turn ({}) shows no upset marker",
                last + 1
            ),
        };
    }
    if still_upset {
        return;
    }
    let hit = match phrase_in_last {
        Some(h) => *h,
        None => {
            let turn = &call.turns[last as usize];
            Hit::detector(i as u32, last, u32::MAX, turn.text.end - turn.text.start)
        }
    };
    if let Some(d) = det.as_mut() {
        d.evidence[i] = vec![evidence(rubric, call, &hit)];
    }
    counted.push(hit);
}

/// Whether a turn says anything: a word or an emoji once links and @handles are set aside (a
/// last turn that is only a screenshot link is not the customer's last word).
fn has_words(text: &str) -> bool {
    text.split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with("http"))
        .any(|w| w.chars().any(|c| c.is_alphanumeric() || !c.is_ascii()))
}

fn evidence(rubric: &Rubric, call: &Call, h: &Hit) -> Evidence {
    let turn = &call.turns[h.turn as usize];
    let text = call.turn_text(turn);
    let start = (h.orig_start as usize).min(text.len());
    let end = (h.orig_end as usize).clamp(start, text.len());
    let is_silence = h.phrase == Found::Detector
        && matches!(
            rubric.items[h.item as usize].detector,
            Some(Detector::Silence { .. })
        );
    let quoted = if is_silence {
        // Silence has no words to quote: say what was measured instead.
        format!(
            "({} s of silence before this turn)",
            fmt_num(round1(f64::from(h.aux) / 1000.0))
        )
    } else {
        text.get(start..end).unwrap_or("").to_string()
    };
    Evidence {
        turn: h.turn,
        speaker: turn.speaker,
        start_ms: turn.start_ms,
        start: start as u32,
        end: end as u32,
        text: quoted,
        rule: rule_of(rubric, h),
        also: Vec::new(),
    }
}

/// Where a hit came from, as evidence names it: the phrase as written, or `detector:<name>`.
fn rule_of(rubric: &Rubric, h: &Hit) -> String {
    if h.phrase != Found::Detector {
        return rubric.phrases[h.phrase.phrase_index()].text.to_string();
    }
    match rubric.items[h.item as usize].detector {
        Some(Detector::Mirroring { .. }) => {
            format!("detector:mirroring ({} shared content words)", h.aux)
        }
        Some(d) => format!("detector:{}", d.name()),
        None => "detector".to_string(),
    }
}

/// The score: weighted share of applicable expected items met, minus penalties, floored at 0;
/// auto-fail items force 0. Returns the arithmetic spelled out when asked.
pub fn score(rubric: &Rubric, outcomes: &[ItemOutcome], explain: bool) -> (f64, Vec<String>) {
    let mut applicable = 0.0;
    let mut met = 0.0;
    let mut n_applicable = 0;
    let mut n_met = 0;
    let mut penalty = 0.0;
    let mut penalties = Vec::new();
    let mut auto_failed = Vec::new();
    for (item, o) in rubric.items.iter().zip(outcomes) {
        match (item.kind, o.verdict) {
            (Kind::Expected, Verdict::Met) => {
                applicable += item.weight;
                met += item.weight;
                n_applicable += 1;
                n_met += 1;
            }
            (Kind::Expected, Verdict::Missed) => {
                applicable += item.weight;
                n_applicable += 1;
                if item.auto_fail {
                    auto_failed.push(item.id.as_str());
                }
            }
            (Kind::Violation, Verdict::Violated) => {
                penalty += item.penalty;
                if explain {
                    penalties.push(format!("{} −{}", item.id, fmt_num(item.penalty)));
                }
                if item.auto_fail {
                    auto_failed.push(item.id.as_str());
                }
            }
            _ => {}
        }
    }
    let base = if applicable > 0.0 {
        100.0 * met / applicable
    } else {
        100.0
    };
    let score = if auto_failed.is_empty() {
        (base - penalty).max(0.0)
    } else {
        0.0
    };
    let mut lines = Vec::new();
    if explain {
        lines.push(format!(
            "expected: {n_met} of {n_applicable} applicable items met, weight {} of {} → {}",
            fmt_num(met),
            fmt_num(applicable),
            fmt_num(round2(base))
        ));
        if penalties.is_empty() {
            lines.push("violations: none".into());
        } else {
            lines.push(format!(
                "violations: {} → −{}",
                penalties.join(", "),
                fmt_num(penalty)
            ));
        }
        if auto_failed.is_empty() {
            lines.push(format!(
                "score: max(0, {} − {}) = {}",
                fmt_num(round2(base)),
                fmt_num(penalty),
                fmt_num(round2(score))
            ));
        } else {
            lines.push(format!("score: 0 (auto-fail: {})", auto_failed.join(", ")));
        }
    }
    (score, lines)
}

/// Rounds to one decimal. The numbers a report prints from exact counts (scores, rates,
/// means) are rounded by `tenths` instead, from the integers; this is for numbers that are
/// floats to begin with (an interval's ends, the difference of two printed numbers).
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `num / den` tenths, rounded half away from zero (half up: both are non-negative) from the
/// exact integers, as the nearest `f64`: the one rounding rule of every number a report prints
/// from counts. A mean or rate worked out in floats lands either side of a half (12.05 as
/// 12.0499…, 80.45 as 80.450…01) and rounds either way; `tenths(1205, 100)` is 12.1 as
/// `tenths(8045, 100)` is 80.5. `None` when `den` is 0.
pub fn tenths(num: u128, den: u128) -> Option<f64> {
    if den == 0 {
        return None;
    }
    // In 64 bits whenever the counts allow (always, in practice): a report of one line per call
    // works out thirty of these a line, and 128-bit division and conversion cost ten times more.
    let rounded = match (u64::try_from(2 * num + den), u64::try_from(2 * den)) {
        (Ok(n), Ok(d)) => (n / d) as f64,
        _ => ((2 * num + den) / (2 * den)) as f64,
    };
    Some(rounded / 10.0)
}

/// Rounds to two decimals, as a call's score is kept (`Judged::score_centi`).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A call's score as every report shows it: the kept score (two decimals) rounded to one. The
/// report's line for the call, `explain` and the HTML call list all show this number.
pub fn shown_score(score_centi: u32) -> f64 {
    tenths(u128::from(score_centi), 10).unwrap_or(0.0)
}

/// Formats a number without a trailing ".0".
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
