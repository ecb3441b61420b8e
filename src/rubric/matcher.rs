//! The matcher: every phrase of the rubric in one Aho-Corasick automaton per speaker scope,
//! built once; each normalised turn is scanned once, and each automaton hit is turned into the
//! phrase hits it proves.
//!
//! Phrases are compiled to their anchor literal (see `rubric::phrase`), padded with the spaces
//! that make word boundaries part of the pattern. A plain phrase is proven by the hit alone;
//! stems, number slots and NEAR/BEFORE are checked word by word around the hit.

use crate::language::Language;
use crate::model::Speaker;
use crate::normalise::Normalised;
use crate::rubric::phrase::{Part, PhraseExpr, Seq};
use crate::rubric::{Item, Phrase};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A proven phrase occurrence in one turn, in token coordinates of its `Normalised`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhraseHit {
    pub phrase: u32,
    pub tok_start: u32,
    pub tok_end: u32,
}

#[derive(Clone, Copy, Debug)]
struct Use {
    phrase: u32,
    side: u8,
}

#[derive(Debug)]
struct ScopeAutomaton {
    /// Built on first use (or ahead of it by `Matcher::prepare`, on another thread while the
    /// first files are read): building the DFA of a large rubric is a good part of a small run.
    ac: OnceLock<AhoCorasick>,
    /// The patterns, until the automaton is built.
    patterns: Mutex<Vec<String>>,
    /// Uses of pattern `p` are `uses[use_start[p]..use_start[p + 1]]`.
    use_start: Vec<u32>,
    uses: Vec<Use>,
}

impl ScopeAutomaton {
    fn automaton(&self) -> &AhoCorasick {
        self.ac.get_or_init(|| {
            let patterns =
                std::mem::take(&mut *self.patterns.lock().unwrap_or_else(|e| e.into_inner()));
            build_automaton(&patterns).expect("a DFA-sized automaton builds")
        })
    }
}

#[derive(Debug)]
struct SeqInfo {
    parts: Vec<Part>,
    anchor_start: usize,
    plain: bool,
}

#[derive(Debug)]
struct PhraseInfo {
    sides: Vec<SeqInfo>,
    /// (gap, ordered) for NEAR/BEFORE phrases.
    near: Option<(u32, bool)>,
    /// Expanded from one written phrase with alternatives (see `Phrase::family`).
    family: Option<u32>,
}

/// The largest automaton kept as a DFA; a bigger one (a rubric of tens of thousands of phrases)
/// is built as a contiguous NFA instead: a fraction of the size for about twice the work a byte.
const DFA_MAX_BYTES: usize = 32 << 20;
/// A DFA has at most one state per pattern byte, each a row of byte classes (a few dozen, 4
/// bytes each): past this many pattern bytes it cannot fit, so it is not even tried.
const DFA_MAX_PATTERN_BYTES: usize = DFA_MAX_BYTES / 128;

fn build_automaton(patterns: &[String]) -> Result<AhoCorasick, String> {
    let build = |kind| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            // Every pattern starts with a space, so a start-byte prefilter would stop at
            // every word: slower than letting the automaton run.
            .prefilter(false)
            .build(patterns)
            .map_err(|e| format!("cannot build the phrase automaton: {e}"))
    };
    // Measured with callgrind/cachegrind on 30 MB of synthetic transcripts (built-in rubric):
    // the DFA takes 12% fewer instructions for the whole audit than the contiguous NFA (half
    // as many in the scan itself) for 15% more L1 data misses, which cost far less than the
    // instructions saved. The built-in rubric's automata take ~4 MB as DFAs (built in ~2 ms),
    // shared by all threads; 2,000 extra phrases make the agent's 4.8 MB (9 ms).
    if patterns.iter().map(String::len).sum::<usize>() <= DFA_MAX_PATTERN_BYTES {
        let dfa = build(AhoCorasickKind::DFA)?;
        if dfa.memory_usage() <= DFA_MAX_BYTES {
            return Ok(dfa);
        }
    }
    build(AhoCorasickKind::ContiguousNFA)
}

/// Scratch space reused across turns so that scanning does not allocate.
#[derive(Default, Debug)]
pub struct MatchScratch {
    sides: Vec<(u32, u8, u32, u32)>,
    /// (family, start, end, index in the output) of hits of phrase families.
    family_hits: Vec<(u32, u32, u32, usize)>,
    drop: Vec<bool>,
}

#[derive(Debug)]
pub struct Matcher {
    /// Indexed by `Speaker::index()`.
    scopes: [Option<ScopeAutomaton>; 3],
    phrases: Vec<PhraseInfo>,
    pattern_count: usize,
    /// Some phrase was written with alternatives.
    has_families: bool,
    /// The rubric's language: the number words of `{num}`.
    lang: Language,
}

/// What the scan needs of each phrase: its sides' parts, the NEAR/BEFORE gap, its family.
fn phrase_infos(phrases: &[Phrase]) -> Vec<PhraseInfo> {
    phrases
        .iter()
        .map(|p| {
            let seq_info = |s: &Seq| SeqInfo {
                parts: s.parts.clone(),
                anchor_start: s.anchor.start,
                plain: s.is_plain(),
            };
            match &p.expr {
                PhraseExpr::Seq(s) => PhraseInfo {
                    sides: vec![seq_info(s)],
                    near: None,
                    family: p.family,
                },
                PhraseExpr::Near { a, b, gap, ordered } => PhraseInfo {
                    sides: vec![seq_info(a), seq_info(b)],
                    near: Some((*gap, *ordered)),
                    family: p.family,
                },
            }
        })
        .collect()
}

impl Matcher {
    pub fn build(items: &[Item], phrases: &[Phrase], lang: Language) -> Result<Matcher, String> {
        let infos = phrase_infos(phrases);

        let mut scopes: [Option<ScopeAutomaton>; 3] = [None, None, None];
        let mut pattern_count = 0;
        for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Other] {
            let mut patterns: Vec<String> = Vec::new();
            let mut by_literal: HashMap<String, usize> = HashMap::new();
            let mut uses_of: Vec<Vec<Use>> = Vec::new();
            for (pi, p) in phrases.iter().enumerate() {
                if !items[p.item].speaker.covers(speaker) {
                    continue;
                }
                let seqs: Vec<&Seq> = match &p.expr {
                    PhraseExpr::Seq(s) => vec![s],
                    PhraseExpr::Near { a, b, .. } => vec![a, b],
                };
                for (side, seq) in seqs.into_iter().enumerate() {
                    let lit = seq.anchor_literal();
                    let id = *by_literal.entry(lit.clone()).or_insert_with(|| {
                        patterns.push(lit);
                        uses_of.push(Vec::new());
                        patterns.len() - 1
                    });
                    uses_of[id].push(Use {
                        phrase: pi as u32,
                        side: side as u8,
                    });
                }
            }
            if patterns.is_empty() {
                continue;
            }
            pattern_count += patterns.len();
            // A rubric small enough for a DFA is built when first needed (it cannot fail: no
            // count or size limit of the automaton is near); a larger one now, so that any
            // error is the rubric's.
            let ac = OnceLock::new();
            let mut pending = Vec::new();
            if patterns.iter().map(String::len).sum::<usize>() <= DFA_MAX_PATTERN_BYTES {
                pending = patterns;
            } else {
                let _ = ac.set(build_automaton(&patterns)?);
            }
            let mut use_start = Vec::with_capacity(uses_of.len() + 1);
            let mut uses = Vec::new();
            for u in uses_of {
                use_start.push(uses.len() as u32);
                uses.extend(u);
            }
            use_start.push(uses.len() as u32);
            scopes[speaker.index()] = Some(ScopeAutomaton {
                ac,
                patterns: Mutex::new(pending),
                use_start,
                uses,
            });
        }
        let has_families = infos.iter().any(|p| p.family.is_some());
        Ok(Matcher {
            scopes,
            phrases: infos,
            pattern_count,
            has_families,
            lang,
        })
    }

    /// Builds every automaton not built yet (the pipeline calls it on a thread of its own while
    /// the first inputs are read; otherwise the first scan of each speaker builds its own).
    pub fn prepare(&self) {
        for scope in self.scopes.iter().flatten() {
            scope.automaton();
        }
    }

    /// Number of distinct literals across the automata (for `rubric show --stats` and benches).
    pub fn pattern_count(&self) -> usize {
        self.pattern_count
    }

    /// Scans one normalised turn spoken by `speaker`; `out` receives the phrase hits in the
    /// order the automaton reports them.
    pub fn scan(
        &self,
        speaker: Speaker,
        norm: &Normalised,
        scratch: &mut MatchScratch,
        out: &mut Vec<PhraseHit>,
    ) {
        out.clear();
        scratch.sides.clear();
        let Some(scope) = &self.scopes[speaker.index()] else {
            return;
        };
        for m in scope.automaton().find_overlapping_iter(norm.text.as_str()) {
            let pid = m.pattern().as_usize();
            let first_word = m.start() as u32 + 1;
            let tok = norm.token_at(first_word);
            if norm.tokens.get(tok).is_none_or(|t| t.start != first_word) {
                continue;
            }
            let uses =
                &scope.uses[scope.use_start[pid] as usize..scope.use_start[pid + 1] as usize];
            for u in uses {
                let info = &self.phrases[u.phrase as usize];
                let seq = &info.sides[u.side as usize];
                let Some((s, e)) = locate(seq, tok, norm, self.lang) else {
                    continue;
                };
                if info.near.is_some() {
                    scratch.sides.push((u.phrase, u.side, s, e));
                } else {
                    out.push(PhraseHit {
                        phrase: u.phrase,
                        tok_start: s,
                        tok_end: e,
                    });
                }
            }
        }
        if !scratch.sides.is_empty() {
            self.combine_near(scratch, out);
        }
        if self.has_families {
            self.one_hit_per_family(scratch, out);
        }
    }

    /// Overlapping hits of one written phrase's expansions (`{really|} sorry` finds both
    /// "really sorry" and "sorry" in "really sorry") are one occurrence: the earliest-starting,
    /// longest hit stays. Sorting makes this O(k log k) in the turn's family hits.
    fn one_hit_per_family(&self, scratch: &mut MatchScratch, out: &mut Vec<PhraseHit>) {
        scratch.family_hits.clear();
        for (i, h) in out.iter().enumerate() {
            if let Some(f) = self.phrases[h.phrase as usize].family {
                scratch
                    .family_hits
                    .push((f, h.tok_start, u32::MAX - h.tok_end, i));
            }
        }
        if scratch.family_hits.len() < 2 {
            return;
        }
        scratch.family_hits.sort_unstable();
        scratch.drop.clear();
        scratch.drop.resize(out.len(), false);
        let mut kept: Option<(u32, u32)> = None; // (family, end of the last kept hit)
        for &(f, start, rev_end, i) in &scratch.family_hits {
            let end = u32::MAX - rev_end;
            match kept {
                Some((kf, kend)) if kf == f && start < kend => scratch.drop[i] = true,
                _ => kept = Some((f, end)),
            }
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            !scratch.drop[i - 1]
        });
    }

    /// Pairs NEAR/BEFORE sides: one hit per left-side occurrence that has a right side in reach.
    fn combine_near(&self, scratch: &mut MatchScratch, out: &mut Vec<PhraseHit>) {
        // Sorted by phrase, side and start, so that the right sides within reach of a left side
        // are found by bisection, not by comparing every pair (a huge turn has many hits).
        scratch.sides.sort_unstable();
        let sides = &scratch.sides;
        for &(phrase, side, a_start, a_end) in sides {
            if side != 0 {
                continue;
            }
            let info = &self.phrases[phrase as usize];
            let (gap, ordered) = info.near.expect("near phrase");
            let b_len = info.sides[1].parts.len() as u32;
            let lo_start = if ordered {
                a_end
            } else {
                a_start.saturating_sub(gap + b_len)
            };
            let hi_start = a_end.saturating_add(gap);
            let from = sides.partition_point(|&(p, s, b, _)| (p, s, b) < (phrase, 1, lo_start));
            let best = sides[from..]
                .iter()
                .take_while(|&&(p, s, b, _)| p == phrase && s == 1 && b <= hi_start)
                .filter_map(|&(_, _, b_start, b_end)| {
                    let distance = if b_start >= a_end {
                        b_start - a_end
                    } else if !ordered && a_start >= b_end {
                        a_start - b_end
                    } else {
                        return None;
                    };
                    (distance <= gap).then_some((distance, b_start, b_end))
                })
                .min();
            if let Some((_, b_start, b_end)) = best {
                out.push(PhraseHit {
                    phrase,
                    tok_start: a_start.min(b_start),
                    tok_end: a_end.max(b_end),
                });
            }
        }
    }
}

/// Token range of the whole sequence whose anchor starts at token `tok`, if every part fits.
fn locate(seq: &SeqInfo, tok: usize, norm: &Normalised, lang: Language) -> Option<(u32, u32)> {
    let start = tok.checked_sub(seq.anchor_start)?;
    let end = start + seq.parts.len();
    if seq.plain {
        return Some((start as u32, end as u32));
    }
    let tokens = norm.tokens.get(start..end)?;
    let fits = tokens
        .iter()
        .zip(&seq.parts)
        .all(|(t, part)| part.accepts_in(norm.word(t), lang));
    fits.then_some((start as u32, end as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use crate::rubric::Rubric;

    fn rubric(phrases: &[&str]) -> Rubric {
        let list: Vec<String> = phrases.iter().map(|p| format!("{p:?}")).collect();
        Rubric::from_toml(&format!(
            "[rubric]\nname = \"t\"\n[[item]]\nid = \"x\"\nkind = \"expected\"\nspeaker = \"any\"\nphrases = [{}]\n",
            list.join(", ")
        ))
        .unwrap()
    }

    fn hits(r: &Rubric, text: &str) -> Vec<String> {
        let n = normalise(text);
        let mut out = Vec::new();
        r.matcher
            .scan(Speaker::Agent, &n, &mut MatchScratch::default(), &mut out);
        out.iter()
            .map(|h| {
                let t = &n.tokens[h.tok_start as usize..h.tok_end as usize];
                format!(
                    "{}:{}",
                    r.phrases[h.phrase as usize].text,
                    &text[t[0].orig_start as usize..t[t.len() - 1].orig_end as usize]
                )
            })
            .collect()
    }

    #[test]
    fn a_phrase_family_hits_once_where_its_expansions_overlap() {
        let r = rubric(&["{really|so|} sorry", "{we|I} will {call|email} you"]);
        assert_eq!(
            hits(&r, "Really sorry. Sorry! We'll call you, I will email you"),
            [
                "{really|so|} sorry:Really sorry",
                "{really|so|} sorry:Sorry",
                "{we|I} will {call|email} you:We'll call you",
                "{we|I} will {call|email} you:I will email you"
            ]
        );
    }

    #[test]
    fn whole_words_only() {
        let r = rubric(&["hold"]);
        assert!(hits(&r, "my household").is_empty());
        assert_eq!(hits(&r, "please HOLD."), ["hold:HOLD"]);
    }

    #[test]
    fn overlapping_phrases_all_hit() {
        let r = rubric(&["sorry", "i am sorry", "sorry you feel"]);
        let mut h = hits(&r, "I'm sorry you feel that way");
        h.sort();
        assert_eq!(
            h,
            [
                "i am sorry:I'm sorry",
                "sorry you feel:sorry you feel",
                "sorry:sorry"
            ]
        );
    }

    #[test]
    fn stems_and_numbers_are_checked_around_the_anchor() {
        let r = rubric(&["refund*", "within {num} business day*"]);
        assert_eq!(hits(&r, "Refunded!"), ["refund*:Refunded"]);
        assert_eq!(
            hits(&r, "within 5 business days"),
            ["within {num} business day*:within 5 business days"]
        );
        assert_eq!(
            hits(&r, "within three business days"),
            ["within {num} business day*:within three business days"]
        );
        assert!(hits(&r, "within some business days").is_empty());
    }

    #[test]
    fn near_and_before() {
        let r = rubric(&["sorry NEAR/2 delay*", "check BEFORE/1 refund*"]);
        assert_eq!(
            hits(&r, "the delays, so sorry"),
            ["sorry NEAR/2 delay*:delays, so sorry"]
        );
        assert!(hits(&r, "sorry about all of the delay").is_empty());
        assert_eq!(
            hits(&r, "check your refund"),
            ["check BEFORE/1 refund*:check your refund"]
        );
        assert!(hits(&r, "refund check").is_empty());
    }
}
