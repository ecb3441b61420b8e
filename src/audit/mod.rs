//! Auditing one call: normalise and scan each turn once, run the turn detectors, then decide
//! every item's verdict and the score.

mod detect;
mod evaluate;
mod explain;

use crate::model::{Call, Speaker};
use crate::normalise::{Normalised, normalise_into_with};
use crate::rubric::matcher::{MatchScratch, PhraseHit};
use crate::rubric::{Detector, Role, Rubric};
use chrono::NaiveDate;
pub(crate) use evaluate::rejudge;
pub use evaluate::{Judged, fmt_num, judge, round1, score, shown_score, tenths, verdict_of};
pub use explain::{no_context, short_rule};

/// What an item came to in one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Expected item done.
    Met,
    /// Expected item not done.
    Missed,
    /// Violation item occurred.
    Violated,
    /// Violation item did not occur.
    Clean,
    /// Signal present.
    Present,
    /// Signal absent.
    Absent,
    /// The item does not apply to this call (a condition is false, or it needs timings the
    /// call lacks); it leaves the score's denominator.
    NotApplicable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::Violated => "violated",
            Verdict::Clean => "clean",
            Verdict::Present => "present",
            Verdict::Absent => "absent",
            Verdict::NotApplicable => "n/a",
        }
    }

    /// The item happened (met, violated, present).
    pub fn occurred(self) -> bool {
        matches!(self, Verdict::Met | Verdict::Violated | Verdict::Present)
    }

    pub fn applies(self) -> bool {
        self != Verdict::NotApplicable
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemOutcome {
    /// Matches that counted (after unless, windows and sequencing), also when n/a.
    pub count: u32,
    pub verdict: Verdict,
    /// The turn (index) of the first match that made it occur, when it occurred; `None` too
    /// in a call rebuilt from a partial. `--overrides` asks it of the items others apply after.
    pub first_turn: Option<u32>,
}

/// A quoted match, for per-call JSONL, evidence files and `explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub turn: u32,
    pub speaker: Speaker,
    pub start_ms: Option<u64>,
    /// Byte range in the turn's original text.
    pub start: u32,
    pub end: u32,
    pub text: String,
    /// Where the match came from: the phrase as written, or `detector:<name>`.
    pub rule: String,
    /// The item's other phrases (or detector) that matched within the same words: the place
    /// is one match, and these say which rules found it besides `rule`.
    pub also: Vec<String>,
}

/// A match that did not count, and why (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    pub evidence: Evidence,
    pub reason: String,
    /// Dropped for want of a `context` phrase nearby (a sentence that is not the kind of thing
    /// the item counts, such as a `resolution` candidate that is no answer).
    pub no_context: bool,
    /// With `no_context`: the other items whose counted matches are in these words (an
    /// apology, a thanks): plainly something else, not a near miss of the item.
    pub elsewhere: Vec<String>,
}

/// Everything `explain` and the evidence outputs need beyond the counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallDetail {
    /// Per item (rubric order): the matches that counted.
    pub evidence: Vec<Vec<Evidence>>,
    /// Per item: matches that did not count.
    pub dropped: Vec<Vec<Dropped>>,
    /// Per item: one line saying why the verdict is what it is.
    pub reasons: Vec<String>,
    /// The score computation, spelled out.
    pub arithmetic: Vec<String>,
}

/// The audit of one call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallAudit {
    pub call_id: String,
    pub agent_id: String,
    pub date: Option<NaiveDate>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub turns: u32,
    /// Per item, in rubric order.
    pub items: Vec<ItemOutcome>,
    /// Score × 100, rounded (integer so that sums are exact and order-independent).
    pub score_centi: u32,
    pub passed: bool,
    /// Whether the rubric's upset signal occurred; `None` if the rubric names none.
    pub upset: Option<bool>,
    /// Whether the customer calmed; `None` unless upset and the rubric names a calmed signal.
    pub calmed: Option<bool>,
    /// A percent window fell back to turn share because the call has no timings.
    pub percent_fallback: bool,
    /// A seconds window made an item n/a because the call has no timings.
    pub seconds_without_timings: bool,
    pub detail: Option<Box<CallDetail>>,
    /// Verdicts a reviewer's override replaced (`audit --overrides`), by item.
    pub overridden: Vec<Overridden>,
}

/// One verdict a reviewer overrode: whether the item happened, by the tool and by the reviewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overridden {
    pub item: usize,
    pub tool: bool,
    pub reviewer: bool,
}

impl CallAudit {
    pub fn score(&self) -> f64 {
        f64::from(self.score_centi) / 100.0
    }

    /// A call handed on without being audited (a run that only lists call ids): its identity
    /// and no verdict.
    pub fn unaudited(call: &Call) -> CallAudit {
        CallAudit {
            call_id: call.id.clone(),
            agent_id: call.agent().to_string(),
            date: call.date,
            team: call.team.clone(),
            queue: call.queue.clone(),
            turns: call.turns.len() as u32,
            items: Vec::new(),
            score_centi: 0,
            passed: false,
            upset: None,
            calmed: None,
            percent_fallback: false,
            seconds_without_timings: false,
            detail: None,
            overridden: Vec::new(),
        }
    }
}

/// A raw occurrence of an item (or of one of its `unless` or `context` phrases) in a turn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub item: u32,
    pub role: Role,
    pub turn: u32,
    pub tok_start: u32,
    pub sent_start: u32,
    pub sent_end: u32,
    pub orig_start: u32,
    pub orig_end: u32,
    /// The sentence the hit ends in asks a question.
    pub in_question: bool,
    /// The phrase that matched, or the item's detector.
    pub phrase: Found,
    /// What a detector measured: shared words (mirroring), silence in ms.
    pub aux: u32,
}

/// What found a hit: one of the rubric's phrases, or the item's detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Found {
    /// The phrase with this index in `Rubric::phrases`.
    Phrase(u32),
    /// The item's detector (sorts after every phrase).
    Detector,
}

impl Found {
    /// The phrase's index in `Rubric::phrases`; only for hits known to come from phrases
    /// (`unless` and `context` hits).
    pub fn phrase_index(self) -> usize {
        match self {
            Found::Phrase(p) => p as usize,
            Found::Detector => unreachable!("a detector hit where a phrase hit was expected"),
        }
    }
}

impl Hit {
    /// A detector's hit on turn `turn` for item `item`: the turn from its start to sentence
    /// `sent_end` and byte `orig_end`. Callers narrow it with `Hit { .., ..Hit::detector(..) }`.
    pub(crate) fn detector(item: u32, turn: u32, sent_end: u32, orig_end: u32) -> Hit {
        Hit {
            item,
            role: Role::Match,
            turn,
            tok_start: 0,
            sent_start: 0,
            sent_end,
            orig_start: 0,
            orig_end,
            in_question: false,
            phrase: Found::Detector,
            aux: 0,
        }
    }
}

/// Audits calls with one rubric. Holds the buffers that make the scan allocation-free; make one
/// per thread.
pub struct Auditor<'r> {
    rubric: &'r Rubric,
    detail: bool,
    norm: Normalised,
    scratch: MatchScratch,
    phrase_hits: Vec<PhraseHit>,
    hits: Vec<Hit>,
    /// Turn detectors per speaker (indexed by `Speaker::index()`).
    turn_detectors: [Vec<(u32, Detector)>; 3],
    mirroring: bool,
    /// Mirroring items with `context` phrases: their echoes only count where a context phrase
    /// is, so turns without one need no content words at all.
    mirror_context: Vec<bool>,
    /// The call being audited is a chat (no interruptions or silences).
    chat: bool,
    /// Content words for mirroring, in the rubric's language.
    content_filter: detect::ContentFilter,
    /// The agent's and the customer's latest block of consecutive turns: the turns
    /// (`block_turns`), and their normalised text, built only when a mirroring detector reads
    /// it (`blocks`, when `block_built`): most turns are never mirrored, and copying every turn
    /// into its block cost more than normalising the few blocks read again.
    blocks: [detect::Block; 2],
    block_turns: [std::ops::Range<usize>; 2],
    block_built: [bool; 2],
    /// The turns of a block being built.
    block_norm: Normalised,
    /// Tests: build every block as each turn is audited (as before blocks were built lazily).
    #[cfg(test)]
    eager_blocks: bool,
    /// Content words of the current turn, and their fingerprints.
    content: Vec<detect::ContentWord>,
    words: Vec<u64>,
    seen: Vec<u64>,
    echoes: Vec<detect::Echo>,
    /// The sentences a question or statement detector hits: (sentence, first token, end).
    sentences: Vec<(u32, usize, usize)>,
    eval: evaluate::Scratch,
}

impl<'r> Auditor<'r> {
    /// `detail` collects evidence, dropped matches and reasons (per-call JSONL, evidence
    /// files, explain); without it the audit only counts.
    pub fn new(rubric: &'r Rubric, detail: bool) -> Auditor<'r> {
        let mut turn_detectors: [Vec<(u32, Detector)>; 3] = Default::default();
        let mut mirroring = false;
        for (i, item) in rubric.items.iter().enumerate() {
            let Some(d) = item.detector else { continue };
            if matches!(d, Detector::CustomerCalmed | Detector::Silence { .. }) {
                continue; // call-level, evaluated with the verdicts
            }
            mirroring |= matches!(d, Detector::Mirroring { .. });
            for s in [Speaker::Agent, Speaker::Customer, Speaker::Other] {
                if item.speaker.covers(s) {
                    turn_detectors[s.index()].push((i as u32, d));
                }
            }
        }
        let mirror_context = rubric.items.iter().map(|i| !i.context.is_empty()).collect();
        Auditor {
            rubric,
            detail,
            norm: Normalised::new(),
            scratch: MatchScratch::default(),
            phrase_hits: Vec::new(),
            hits: Vec::new(),
            turn_detectors,
            mirroring,
            mirror_context,
            chat: false,
            content_filter: detect::ContentFilter::new(&rubric.text_rules),
            blocks: Default::default(),
            block_turns: [0..0, 0..0],
            block_built: [false; 2],
            block_norm: Normalised::new(),
            #[cfg(test)]
            eager_blocks: false,
            content: Vec::new(),
            words: Vec::new(),
            seen: Vec::new(),
            echoes: Vec::new(),
            sentences: Vec::new(),
            eval: evaluate::Scratch::default(),
        }
    }

    /// Audits one call: normalises and scans each turn once, runs the turn detectors, then
    /// evaluates the items.
    // Long because it is the per-turn loop of the hot path (83 lines): one pass over the turns
    // with the auditor's reused buffers; cut only with `cargo bench --bench hot_path` before and after.
    pub fn audit(&mut self, call: &Call) -> CallAudit {
        self.hits.clear();
        self.chat = call.channel == crate::model::Channel::Chat;
        self.block_turns = [0..0, 0..0];
        self.block_built = [false; 2];
        let rubric = self.rubric;
        let mut prev_end: Option<u64> = None;
        let mut prev_speaker: Option<Speaker> = None;
        for (ti, turn) in call.turns.iter().enumerate() {
            let text = call.turn_text(turn);
            let first_hit = self.hits.len();
            normalise_into_with(text, &mut self.norm, &rubric.text_rules);
            rubric.matcher.scan(
                turn.speaker,
                &self.norm,
                &mut self.scratch,
                &mut self.phrase_hits,
            );
            for ph in &self.phrase_hits {
                let phrase = rubric.phrase_tags[ph.phrase as usize];
                // `^phrase$` is a sentence of its own ("Great." closing a turn), so no
                // greeting before it: "That's great!" is not it.
                let lead_in = if phrase.closes_turn {
                    0
                } else {
                    crate::rubric::OPENING_WORDS
                };
                if phrase.opens_sentence
                    && !detect::opens_sentence(&self.norm, text, ph.tok_start as usize, lead_in)
                {
                    continue; // `^phrase` inside a sentence: not the lead-in it means
                }
                if phrase.closes_turn && !detect::closes_turn(&self.norm, text, ph.tok_end as usize)
                {
                    continue; // `phrase$` with more said after it
                }
                let first = &self.norm.tokens[ph.tok_start as usize];
                let last = &self.norm.tokens[ph.tok_end as usize - 1];
                self.hits.push(Hit {
                    item: phrase.item,
                    role: phrase.role,
                    turn: ti as u32,
                    tok_start: ph.tok_start,
                    sent_start: first.sentence,
                    sent_end: last.sentence,
                    orig_start: first.orig_start,
                    orig_end: last.orig_end,
                    // A run-on question asks from where it starts ("sorry it's late can i take
                    // the order number"); a '?' sentence from its first token, always before
                    // the phrase's end.
                    in_question: self
                        .norm
                        .question_start(last.sentence)
                        .is_some_and(|q| ph.tok_end as usize > q),
                    phrase: Found::Phrase(ph.phrase),
                    aux: 0,
                });
            }

            let mirror_side = match turn.speaker {
                Speaker::Agent => Some(0),
                Speaker::Customer => Some(1),
                Speaker::Other => None,
            };
            for k in 0..self.turn_detectors[turn.speaker.index()].len() {
                let (item, det) = self.turn_detectors[turn.speaker.index()][k];
                if matches!(det, Detector::Mirroring { .. })
                    && self.mirror_context[item as usize]
                    && !self.hits[first_hit..]
                        .iter()
                        .any(|h| h.item == item && h.role == Role::Context)
                {
                    continue; // an echo here could not count
                }
                if let (Detector::Mirroring { .. }, Some(side)) = (det, mirror_side) {
                    self.build_block(call, 1 - side);
                }
                self.detect(
                    ti,
                    turn,
                    text,
                    item,
                    det,
                    mirror_side,
                    prev_end,
                    prev_speaker,
                );
            }
            if let Some(side) = mirror_side.filter(|_| self.mirroring) {
                // A party's block of consecutive turns is what the other party mirrors
                // (customers often spread one complaint over several messages).
                if prev_speaker != Some(turn.speaker) {
                    self.block_turns[side] = ti..ti + 1;
                    self.block_built[side] = false;
                } else {
                    self.block_turns[side].end = ti + 1;
                    if self.block_built[side] {
                        self.blocks[side].append(&self.norm);
                    }
                }
                #[cfg(test)]
                if self.eager_blocks {
                    self.build_block(call, side);
                }
            }
            if let Some(e) = turn.end_ms.or(turn.start_ms) {
                prev_end = Some(prev_end.map_or(e, |p| p.max(e)));
            }
            prev_speaker = Some(turn.speaker);
        }
        evaluate::evaluate(rubric, call, &mut self.hits, &mut self.eval, self.detail)
    }

    /// Makes `blocks[side]` the normalised turns of that party's latest block, as appending
    /// each turn when it was audited made it.
    fn build_block(&mut self, call: &Call, side: usize) {
        if self.block_built[side] {
            return;
        }
        let block = &mut self.blocks[side];
        block.clear();
        for turn in &call.turns[self.block_turns[side].clone()] {
            normalise_into_with(
                call.turn_text(turn),
                &mut self.block_norm,
                &self.rubric.text_rules,
            );
            block.append(&self.block_norm);
        }
        self.block_built[side] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks built only when a mirroring detector reads them give the audits that building
    /// every block as its turns came gave: random calls of customer complaints and agent
    /// restatements (with and without the context lead-ins), one to four turns a block, other
    /// speakers between, with every detail.
    #[test]
    fn lazy_blocks_audit_as_eager_blocks() {
        let rubric = Rubric::default_rubric();
        let mut lazy = Auditor::new(&rubric, true);
        let mut eager = Auditor::new(&rubric, true);
        eager.eager_blocks = true;
        let customer = [
            "My ORDER never arrived and the tracking number is wrong!!",
            "I was charged twice for the subscription this month.",
            "The app crashes on login every time since the update",
            "still no refund for the cancelled flight",
            "@Brand hello?",
            "this is ridiculous, my luggage is lost",
        ];
        let agent = [
            "Just to confirm, you were charged twice for the subscription?",
            "So your order never arrived and the tracking number is wrong?",
            "I see from your message that the app crashes on login.",
            "Sorry to hear that. Please DM us.",
            "Just to be sure I follow. Your luggage is lost since the cancelled flight?",
            "If I understand correctly the refund for the flight is still missing, is that right?",
            "Thanks for waiting.",
        ];
        let mut rng = fastrand::Rng::with_seed(12);
        let mut mirrored = 0;
        for k in 0..400 {
            let mut call = Call::new(format!("c{k}"));
            for _ in 0..rng.usize(1..12) {
                let (speaker, texts) = match rng.usize(0..7) {
                    0 => (Speaker::Other, &customer[..]),
                    1..=3 => (Speaker::Customer, &customer[..]),
                    _ => (Speaker::Agent, &agent[..]),
                };
                for _ in 0..rng.usize(1..4) {
                    call.push_turn(speaker, texts[rng.usize(0..texts.len())], 0);
                }
            }
            call.finish();
            let (a, b) = (lazy.audit(&call), eager.audit(&call));
            assert_eq!(a, b, "call {k}");
            let m = rubric
                .items
                .iter()
                .position(|i| i.id == "mirroring")
                .unwrap();
            mirrored += usize::from(
                a.detail.as_ref().unwrap().evidence[m]
                    .iter()
                    .chain(
                        a.detail.as_ref().unwrap().dropped[m]
                            .iter()
                            .map(|d| &d.evidence),
                    )
                    .any(|e| e.rule.starts_with("detector:mirroring")),
            );
        }
        assert!(mirrored > 20, "calls with a mirroring echo: {mirrored}");
    }
}
