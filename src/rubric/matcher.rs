//! The matcher: every phrase of the rubric in one Aho-Corasick automaton per speaker scope,
//! built once; each normalised turn is scanned once, and each automaton hit is turned into the
//! phrase hits it proves.
//!
//! Each side of a phrase is searched for by its anchor (see `rubric::phrase::choose_anchor`),
//! padded with the spaces that make word boundaries part of the pattern: its one uncommon word
//! with the most letters ("understand" of "we completely understand how"), or its two best
//! words where more than `MAX_SIDES_PER_ANCHOR` sides share that word (`choose_anchors`); a
//! side of common words only is anchored on its longest run. Short anchors are shared: the
//! built-in rubric's 18,964 agent phrase sides need 2,219 anchors, and the agent's automaton
//! (a contiguous NFA, dense near its start: `DENSE_DEPTH`) takes 0.19 MB (`rubric check
//! --stats`; a full DFA of the same anchors took 1.36 MB, and 18.0 MB when each side's longest
//! run was its own pattern, for a smaller rubric).
//!
//! An anchor's hit only says where to look. `Use` maps an anchor to every side that uses it
//! and says what is left to check (`Check`): nothing when the anchor is the whole side; the
//! side's whole literal against the text around the hit when it is all words; each part
//! (stems, number slots) against its token otherwise (`locate`). So a phrase still matches
//! exactly where its whole sequence of words does. NEAR/BEFORE sides are paired after the scan.
//! Hits are left in the order their anchors are found: the evaluation sorts them by item, turn,
//! token and phrase, and the one tie that order cannot break (two expansions of a family on the
//! same words) is broken as an automaton of the longest runs reported them, so every output
//! is what it was before anchors were shortened (`Matcher::one_hit_per_family`).

use crate::language::Language;
use crate::model::Speaker;
use crate::normalise::Normalised;
use crate::rubric::phrase::{Part, PhraseExpr, Seq};
use crate::rubric::{Item, Phrase};
use aho_corasick::automaton::Automaton;
use aho_corasick::{AhoCorasickKind, Anchored, MatchKind, nfa};
use std::collections::{HashMap, HashSet};

/// A proven phrase occurrence in one turn, in token coordinates of its `Normalised`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhraseHit {
    pub phrase: u32,
    pub tok_start: u32,
    pub tok_end: u32,
}

/// One phrase side that an anchor may prove, and what is left to check at the anchor's hit.
#[derive(Clone, Copy, Debug)]
struct Use {
    phrase: u32,
    side: u8,
    check: Check,
    /// A side of a NEAR/BEFORE phrase: its hits are paired by `combine_near`.
    near: bool,
    /// The side's first part and its end, counted from the anchor's first part.
    anchor_start: u32,
    parts: u32,
    /// `Check::Literal`: the side's whole literal, `scope.literals[lit_start..lit_start +
    /// lit_len]`, which starts `lit_before` bytes before the anchor's.
    lit_start: u32,
    lit_len: u32,
    lit_before: u32,
}

/// The first tests of a use at its anchor's hit: for a NEAR/BEFORE side, whether the other
/// side's anchor is in the turn at all; for a `Check::Literal` use, a byte of the side's
/// literal outside the anchor, and where, counted from the anchor's start (negative before it).
/// They turn most of the sides that share an anchor away (on TweetSumm, 4.7 M of the 13.4 M
/// sides that hits reach are NEAR/BEFORE sides with no partner in the turn) without reading
/// their `Use` or comparing their literals: probes are kept apart from the uses, one for all
/// the uses of an anchor that share it (`ProbeGroup`), so that the loop over an anchor's sides
/// reads twelve bytes a group until one passes, not a whole `Use` a side: the uses of the
/// built-in agent automaton take 0.5 MB, read at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Probe {
    /// For a NEAR/BEFORE side, the pattern of the other side's anchor: where that anchor has
    /// no hit in the turn, this side cannot pair and is not even checked (nor its `Use` read:
    /// most of the sides an anchor's hit reaches are such sides). `NO_OTHER` otherwise.
    other: u32,
    from_anchor: i16,
    byte: u8,
    /// 0 for a use with no probe (not `Check::Literal`, or a literal too long for
    /// `from_anchor`): it is tested in full.
    active: u8,
}

impl Probe {
    /// What orders an anchor's uses so that those with the same probe are together.
    fn key(&self) -> (u8, i16, u8, u32) {
        (self.active, self.from_anchor, self.byte, self.other)
    }

    const NONE: Probe = Probe {
        other: NO_OTHER,
        from_anchor: 0,
        byte: 0,
        active: 0,
    };
}

/// The uses of one anchor that share a probe, tested once for all of them. On TweetSumm ×100
/// at one thread the anchors' 5.6 M hits reached 67 M uses, each tested apart (twelve a hit:
/// many are expansions of one phrase family that test the same byte or the same other
/// anchor); by group, `Auditor::audit` runs 8% fewer instructions (callgrind, TweetSumm ×10).
#[derive(Clone, Copy, Debug)]
struct ProbeGroup {
    probe: Probe,
    /// Its uses end here in `ScopeAutomaton::uses` (they start where the previous group's end).
    end: u32,
}

/// `Matcher::families` of a phrase of no family.
const NO_FAMILY: u32 = u32::MAX;

/// `Probe::other` of a single-sided phrase.
const NO_OTHER: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// The anchor is the whole side, all words: its hit proves it.
    Proven,
    /// All words: the side's literal is compared with the text around the hit, bytes against
    /// bytes in one buffer (no token lookups: an anchor shared by hundreds of sides checks each
    /// with one short comparison).
    Literal,
    /// Stems or number slots: each part is checked against its token (`locate`).
    Parts,
}

#[derive(Debug)]
struct ScopeAutomaton {
    /// Built with the rubric: the contiguous NFA of the built-in rubric's anchors takes about
    /// 14 M instructions, 6% of compiling the rubric (the full DFA it replaced was
    /// built on first use, on a thread of its own, for its cost).
    ac: PhraseAutomaton,
    /// The anchors, for the tests' reference automata.
    #[cfg(test)]
    patterns: Vec<String>,
    /// Uses of pattern `p` are `uses[use_start[p]..use_start[p + 1]]`, ordered by their
    /// probes, so that the uses with the same probe make one `ProbeGroup`.
    use_start: Vec<u32>,
    uses: Vec<Use>,
    /// The groups of pattern `p` are `groups[group_start[p]..group_start[p + 1]]`.
    group_start: Vec<u32>,
    groups: Vec<ProbeGroup>,
    /// The literals of the `Check::Literal` uses, one after the other.
    literals: String,
    /// Some use is a NEAR/BEFORE side (whose `other` anchor the scan looks up).
    has_near: bool,
}

/// One speaker scope's automaton, for `rubric check --stats`.
#[derive(Clone, Copy, Debug)]
pub struct AutomatonStats {
    pub speaker: Speaker,
    /// Distinct anchors searched for.
    pub patterns: usize,
    /// Phrase sides checked around the anchors' hits (one per phrase, two for NEAR/BEFORE).
    pub uses: usize,
    pub kind: AhoCorasickKind,
    /// `AhoCorasick::memory_usage`: the heap the automaton takes.
    pub memory_bytes: usize,
}

#[derive(Debug)]
struct SeqInfo {
    parts: std::sync::Arc<[Part]>,
    anchor_start: usize,
    /// The longest literal run (`Seq::longest_run`): its first and last part, and the length
    /// of its closing stem (0 when it ends in a word). Ties between a family's expansions are
    /// broken by where this run ends in the text (see `Matcher::report_order`).
    run_first: u32,
    run_last: u32,
    run_stem_len: u32,
}

#[derive(Debug)]
struct PhraseInfo {
    sides: Vec<SeqInfo>,
    /// (gap, ordered) for NEAR/BEFORE phrases.
    near: Option<(u32, bool)>,
}

/// States this close to the start have a dense row of transitions (one lookup a byte); deeper
/// ones a sparse list and a failure link. The text's bytes spend most of their time near the
/// start (between and early in words), and the deep states of the anchors' long tail stay
/// small: the built-in agent automaton takes 0.19 MB where a full DFA took 1.36 MB, more than
/// half of L2 with the customer's, evicting the tables the checks behind it read. Measured
/// side by side (docs/performance.md): 2 and 4 were slower than 3.
const DENSE_DEPTH: usize = 3;

/// A scope's automaton: `aho-corasick`'s contiguous NFA, held as the automaton itself, not
/// behind `AhoCorasick`, so that the scan steps it byte by byte in its own loop
/// (`find_anchors`) instead of through the overlapping iterator.
type PhraseAutomaton = nfa::contiguous::NFA;

/// Every match of `aut` in `haystack`, overlapping, in the order `find_overlapping_iter`
/// reports them (by end, then in the state's match order), as (pattern, start) in `found`.
/// One transition a byte in a plain loop that only special states (matches) leave; a function
/// of its own, so that the automaton's tables are loaded once, not at every byte.
#[inline(never)]
fn find_anchors<A: Automaton>(aut: &A, haystack: &[u8], found: &mut Vec<(u32, u32)>) {
    found.clear();
    let Ok(mut sid) = aut.start_state(Anchored::No) else {
        return;
    };
    let mut rest = haystack.iter();
    loop {
        // The hot loop: one transition a byte until a special state (a match).
        let mut special = false;
        for &byte in rest.by_ref() {
            sid = aut.next_state(Anchored::No, sid, byte);
            if aut.is_special(sid) {
                special = true;
                break;
            }
        }
        if !special || aut.is_dead(sid) {
            return;
        }
        if aut.is_match(sid) {
            let end = haystack.len() - rest.len();
            for k in 0..aut.match_len(sid) {
                let pid = aut.match_pattern(sid, k);
                found.push((pid.as_u32(), (end - aut.pattern_len(pid)) as u32));
            }
        }
    }
}

fn build_automaton(patterns: &[String]) -> Result<PhraseAutomaton, String> {
    let error = |e: aho_corasick::BuildError| format!("cannot build the phrase automaton: {e}");
    // Every pattern starts with a space, so a start-byte prefilter would stop at every word:
    // slower than letting the automaton run.
    let nfa = nfa::noncontiguous::Builder::new()
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(patterns)
        .map_err(error)?;
    nfa::contiguous::Builder::new()
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .dense_depth(DENSE_DEPTH)
        .build_from_noncontiguous(&nfa)
        .map_err(error)
}

/// Scratch space reused across turns so that scanning does not allocate.
#[derive(Default, Debug)]
pub struct MatchScratch {
    /// The anchors' hits in the turn: (pattern, start in the normalised text).
    anchors: Vec<(u32, u32)>,
    sides: Vec<(u32, u8, u32, u32)>,
    /// (family, start, end, index in the output) of hits of phrase families.
    family_hits: Vec<(u32, u32, u32, usize)>,
    drop: Vec<bool>,
    /// Per family (indexed by its id, a phrase index): how many of its hits this scan had.
    family_seen: PerScan<u32>,
    /// Per NEAR/BEFORE phrase: which of its sides (bits) this scan found.
    near_seen: PerScan<u8>,
    /// Per anchor (pattern) of the scope: 1 when it has a hit in this turn (NEAR/BEFORE sides
    /// whose other side's anchor has none are passed over).
    anchor_seen: PerScan<u8>,
    /// Per byte of the normalised text: the index of the token that starts there, written for
    /// this turn's tokens only (a stale entry is told apart by the token's start).
    tok_at: Vec<u32>,
}

/// The longest turn (normalised bytes) whose tokens `MatchScratch::tok_at` maps; longer turns
/// find an anchor's token by binary search (256 KiB of map per thread at most).
const TOK_AT_MAX: usize = 64 * 1024;

/// A value per phrase that starts at zero every scan, without clearing the whole table each
/// turn: each slot remembers the scan it was written in, and a slot from an older scan reads
/// as zero.
#[derive(Default, Debug)]
struct PerScan<T> {
    slots: Vec<(u32, T)>,
    scan: u32,
}

impl<T: Copy + Default> PerScan<T> {
    /// Starts a new scan over `len` phrases: every slot reads as zero again.
    fn begin(&mut self, len: usize) {
        if self.slots.len() < len {
            self.slots.resize(len, (0, T::default()));
        }
        self.scan = self.scan.wrapping_add(1);
        if self.scan == 0 {
            self.slots.fill((0, T::default()));
            self.scan = 1;
        }
    }

    fn get(&self, i: usize) -> T {
        let (scan, value) = self.slots[i];
        if scan == self.scan {
            value
        } else {
            T::default()
        }
    }

    fn get_mut(&mut self, i: usize) -> &mut T {
        let slot = &mut self.slots[i];
        if slot.0 != self.scan {
            *slot = (self.scan, T::default());
        }
        &mut slot.1
    }
}

#[derive(Debug)]
pub struct Matcher {
    /// Indexed by `Speaker::index()`.
    scopes: [Option<ScopeAutomaton>; 3],
    phrases: Vec<PhraseInfo>,
    /// Distinct longest literal runs of the phrases' sides, summed over the speaker scopes.
    phrase_literal_count: usize,
    /// Some phrase was written with alternatives.
    has_families: bool,
    /// Each phrase's `Phrase::family`, `NO_FAMILY` for none: read for every hit, 4 bytes a
    /// phrase apart from the rest of its info (`PhraseInfo`, 40 bytes a phrase).
    families: Vec<u32>,
    /// The rubric's language: the number words of `{num}`.
    lang: Language,
}

/// The sides (one, or two for NEAR/BEFORE) of a phrase.
fn sides(p: &Phrase) -> impl Iterator<Item = &Seq> {
    let (a, b) = match &p.expr {
        PhraseExpr::Seq(s) => (s, None),
        PhraseExpr::Near { a, b, .. } => (a, Some(b)),
    };
    std::iter::once(a).chain(b)
}

/// A fast, fixed-seed hash for the matcher's maps of literals (built once a run).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type FastSet<T> = HashSet<T, foldhash::fast::FixedState>;

/// The anchor chosen for one side of a phrase: a run of its parts. Its literal is made once
/// per distinct anchor (`Matcher::build`), not once per side.
struct Anchor {
    run: std::ops::Range<usize>,
}

/// More phrase sides than this on one one-word anchor, and they are anchored on two words
/// instead: each hit of an anchor is checked against every side that uses it. (Cachegrind on
/// TweetSumm, built-in rubric: 16, 64 or no limit were within 3% of each other in
/// instructions; 64 kept the agent's automaton near 1 MB as a full DFA.)
const MAX_SIDES_PER_ANCHOR: usize = 64;

/// The anchor of each side of each phrase: its one-word `Seq::anchor`, unless more than
/// `MAX_SIDES_PER_ANCHOR` sides of the rubric share that one (" understand " in `{i|we}
/// {completely|…|} understand {how|why|…}`), then its `Seq::pair_anchor`. Anchors are told
/// apart by their parts, whose literal they are a function of.
/// Each phrase's anchors, by side (a phrase without NEAR/BEFORE has one side; its second is
/// empty and never read).
fn choose_anchors(phrases: &[Phrase]) -> Vec<[Anchor; 2]> {
    let mut sharing: FastMap<&[Part], usize> = FastMap::default();
    for s in phrases.iter().flat_map(sides) {
        *sharing.entry(&s.parts[s.anchor.clone()]).or_default() += 1;
    }
    phrases
        .iter()
        .map(|p| {
            let mut anchors = [Anchor { run: 0..0 }, Anchor { run: 0..0 }];
            for (anchor, s) in anchors.iter_mut().zip(sides(p)) {
                anchor.run = if sharing[&s.parts[s.anchor.clone()]] > MAX_SIDES_PER_ANCHOR {
                    s.pair_anchor.clone()
                } else {
                    s.anchor.clone()
                };
            }
            anchors
        })
        .collect()
}

/// How a hit of `anchor` proves the side `seq` (its literal, if it needs one, goes to
/// `literals`), and the byte that tests it first.
fn side_use(
    seq: &Seq,
    anchor: &Anchor,
    phrase: u32,
    side: u8,
    literals: &mut String,
) -> (Use, Probe) {
    let anchor = anchor.run.clone();
    let anchor_literal_len = seq.literal_len(anchor.clone());
    let mut u = Use {
        phrase,
        side,
        check: Check::Parts,
        near: false,
        anchor_start: anchor.start as u32,
        parts: seq.parts.len() as u32,
        lit_start: 0,
        lit_len: 0,
        lit_before: 0,
    };
    let mut probe = Probe::NONE;
    if seq.is_proven_by(&anchor) {
        u.check = Check::Proven;
    } else if seq.parts.iter().all(|p| matches!(p, Part::Word(_))) {
        let lit_start = literals.len();
        seq.push_literal(0..seq.parts.len(), literals);
        let literal = &literals.as_bytes()[lit_start..];
        u.check = Check::Literal;
        u.lit_start = lit_start as u32;
        u.lit_len = literal.len() as u32;
        // " w0 w1 … " : each word before the anchor and its space.
        u.lit_before = seq.parts[..anchor.start]
            .iter()
            .map(|p| match p {
                Part::Word(w) => w.len() as u32 + 1,
                _ => unreachable!("all words"),
            })
            .sum();
        // The first letter of the side when the anchor is not its first word, else the first
        // letter after the anchor (its literal ends with a space).
        let probe_at = if anchor.start > 0 {
            1
        } else {
            anchor_literal_len
        };
        if let Ok(from_anchor) = i16::try_from(probe_at as i64 - i64::from(u.lit_before)) {
            probe = Probe {
                other: NO_OTHER,
                from_anchor,
                byte: literal[probe_at],
                active: 1,
            };
        }
    }
    (u, probe)
}

/// What the scan needs of each phrase: its sides' parts and the NEAR/BEFORE gap (its family is
/// in `Matcher::families`).
fn phrase_infos(phrases: &[Phrase], anchors: &[[Anchor; 2]]) -> Vec<PhraseInfo> {
    phrases
        .iter()
        .zip(anchors)
        .map(|(p, anchors)| {
            let seq_info = |s: &Seq, anchor: &Anchor| SeqInfo {
                parts: s.parts.clone(),
                anchor_start: anchor.run.start,
                run_first: s.longest_run.start as u32,
                run_last: s.longest_run.end as u32 - 1,
                run_stem_len: match &s.parts[s.longest_run.end - 1] {
                    Part::Stem(stem) => stem.len() as u32,
                    _ => 0,
                },
            };
            match &p.expr {
                PhraseExpr::Seq(s) => PhraseInfo {
                    sides: vec![seq_info(s, &anchors[0])],
                    near: None,
                },
                PhraseExpr::Near { a, b, gap, ordered } => PhraseInfo {
                    sides: vec![seq_info(a, &anchors[0]), seq_info(b, &anchors[1])],
                    near: Some((*gap, *ordered)),
                },
            }
        })
        .collect()
}

impl Matcher {
    pub fn build(items: &[Item], phrases: &[Phrase], lang: Language) -> Result<Matcher, String> {
        let anchors = choose_anchors(phrases);
        let infos = phrase_infos(phrases, &anchors);

        let mut scopes: [Option<ScopeAutomaton>; 3] = [None, None, None];
        let mut phrase_literal_count = 0;
        for speaker in [Speaker::Agent, Speaker::Customer, Speaker::Other] {
            let mut patterns: Vec<String> = Vec::new();
            let mut by_parts: FastMap<&[Part], usize> = FastMap::default();
            // Every side's use, with its anchor's pattern, in phrase order (grouped by pattern
            // below, keeping that order within each).
            let mut sides_used: Vec<(u32, Use, Probe)> = Vec::with_capacity(2 * phrases.len());
            // Distinct longest runs, as their parts (a run's literal is a function of its parts
            // and tells them apart: no literal is made for the count).
            let mut runs: FastSet<&[Part]> = FastSet::default();
            let mut literals = String::new();
            let mut has_near = false;
            for (pi, p) in phrases.iter().enumerate() {
                if !items[p.item].speaker.covers(speaker) {
                    continue;
                }
                // The pattern of each side's anchor (patterns numbered in the order first used).
                let mut ids = [0usize; 2];
                for (side, seq) in sides(p).enumerate() {
                    runs.insert(&seq.parts[seq.longest_run.clone()]);
                    let run = anchors[pi][side].run.clone();
                    ids[side] = *by_parts.entry(&seq.parts[run.clone()]).or_insert_with(|| {
                        patterns.push(seq.literal(run));
                        patterns.len() - 1
                    });
                }
                let near = matches!(p.expr, PhraseExpr::Near { .. });
                has_near |= near;
                for (side, seq) in sides(p).enumerate() {
                    let anchor = &anchors[pi][side];
                    let (mut u, mut probe) =
                        side_use(seq, anchor, pi as u32, side as u8, &mut literals);
                    if near {
                        u.near = true;
                        probe.other = ids[1 - side] as u32;
                    }
                    sides_used.push((ids[side] as u32, u, probe));
                }
            }
            if patterns.is_empty() {
                continue;
            }
            phrase_literal_count += runs.len();
            let ac = build_automaton(&patterns)?;
            // A counting sort by pattern: each pattern's uses together, in phrase order.
            let mut use_start = vec![0u32; patterns.len() + 1];
            for &(id, ..) in &sides_used {
                use_start[id as usize + 1] += 1;
            }
            for i in 1..use_start.len() {
                use_start[i] += use_start[i - 1];
            }
            let mut next: Vec<u32> = use_start[..patterns.len()].to_vec();
            let mut placed: Vec<Option<(Use, Probe)>> = vec![None; sides_used.len()];
            for (id, u, probe) in sides_used {
                let at = &mut next[id as usize];
                placed[*at as usize] = Some((u, probe));
                *at += 1;
            }
            // Within each pattern, uses with the same probe together (in phrase order within
            // a probe: a stable sort), one group each.
            let mut placed: Vec<(Use, Probe)> = placed.into_iter().flatten().collect();
            let mut group_start = Vec::with_capacity(use_start.len());
            let mut groups: Vec<ProbeGroup> = Vec::new();
            for p in 0..patterns.len() {
                group_start.push(groups.len() as u32);
                let range = use_start[p] as usize..use_start[p + 1] as usize;
                let mine = &mut placed[range.clone()];
                mine.sort_by_key(|(_, probe)| probe.key());
                for (k, (_, probe)) in mine.iter().enumerate() {
                    let end = (range.start + k + 1) as u32;
                    match groups.last_mut() {
                        Some(g) if k > 0 && g.probe == *probe => g.end = end,
                        _ => groups.push(ProbeGroup { probe: *probe, end }),
                    }
                }
            }
            group_start.push(groups.len() as u32);
            let uses: Vec<Use> = placed.into_iter().map(|(u, _)| u).collect();
            scopes[speaker.index()] = Some(ScopeAutomaton {
                ac,
                #[cfg(test)]
                patterns,
                use_start,
                uses,
                group_start,
                groups,
                literals,
                has_near,
            });
        }
        let families: Vec<u32> = phrases
            .iter()
            .map(|p| p.family.unwrap_or(NO_FAMILY))
            .collect();
        let has_families = families.iter().any(|&f| f != NO_FAMILY);
        Ok(Matcher {
            scopes,
            phrases: infos,
            phrase_literal_count,
            has_families,
            families,
            lang,
        })
    }

    /// Number of distinct phrase literals (each phrase side's longest run of words), summed
    /// over the speaker scopes: the size of the rubric's vocabulary of phrases, which
    /// `rubric check` reports as "distinct patterns". The automata search for fewer, shorter
    /// anchors (`automaton_stats`).
    pub fn pattern_count(&self) -> usize {
        self.phrase_literal_count
    }

    /// What each speaker scope's automaton holds and takes.
    pub fn automaton_stats(&self) -> Vec<AutomatonStats> {
        [Speaker::Agent, Speaker::Customer, Speaker::Other]
            .into_iter()
            .filter_map(|speaker| {
                let scope = self.scopes[speaker.index()].as_ref()?;
                let ac = &scope.ac;
                Some(AutomatonStats {
                    speaker,
                    patterns: ac.patterns_len(),
                    uses: scope.uses.len(),
                    kind: AhoCorasickKind::ContiguousNFA,
                    memory_bytes: ac.memory_usage(),
                })
            })
            .collect()
    }

    /// Scans one normalised turn spoken by `speaker`; `out` receives the phrase hits: those of
    /// single-sided phrases in the order their anchors are found, then those of NEAR/BEFORE
    /// phrases by phrase and position. No two hits of one phrase start at the same token
    /// (but for NEAR sides), so the evaluation's order by item, turn, token and phrase does not
    /// depend on this one; the only tie broken by the order of hits, which of two expansions of a
    /// family on the same words stays, is broken as an automaton of the longest runs reported
    /// them (`one_hit_per_family`).
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
        let text = norm.text.as_bytes();
        let mut anchors = std::mem::take(&mut scratch.anchors);
        find_anchors(&scope.ac, text, &mut anchors);
        if !anchors.is_empty() {
            if scope.has_near {
                scratch.anchor_seen.begin(scope.use_start.len() - 1);
                for &(pid, _) in &anchors {
                    *scratch.anchor_seen.get_mut(pid as usize) = 1;
                }
            }
            // Which token starts at each byte, for the anchors' first words (instead of a
            // binary search a hit). Only for turns up to `TOK_AT_MAX` bytes: the map is 4 bytes
            // per text byte and kept for the thread's life, so one huge cell must not grow it.
            if text.len() <= TOK_AT_MAX {
                if scratch.tok_at.len() < text.len() {
                    scratch.tok_at.resize(text.len(), 0);
                }
                for (i, t) in norm.tokens.iter().enumerate() {
                    scratch.tok_at[t.start as usize] = i as u32;
                }
            }
        }
        for &(pid, start) in &anchors {
            self.anchor_hit(scope, norm, pid as usize, start as usize, scratch, out);
        }
        scratch.anchors = anchors;
        if !scratch.sides.is_empty() {
            self.combine_near(scratch, out);
        }
        if self.has_families {
            self.one_hit_per_family(scratch, norm, out);
        }
    }

    /// The phrase sides an anchor's hit (pattern `pid` at normalised byte `start`) proves.
    #[inline(always)]
    fn anchor_hit(
        &self,
        scope: &ScopeAutomaton,
        norm: &Normalised,
        pid: usize,
        start: usize,
        scratch: &mut MatchScratch,
        out: &mut Vec<PhraseHit>,
    ) {
        let text = norm.text.as_bytes();
        let literals = scope.literals.as_bytes();
        let first_word = start as u32 + 1;
        // The anchor's first token, looked up once a use needs it.
        let mut anchor_tok: Option<Option<usize>> = None;
        let tok_at = &scratch.tok_at;
        let mut anchor_token = || {
            *anchor_tok.get_or_insert_with(|| {
                // `tok_at` holds this turn's token starts (`scan`); any other entry is stale,
                // and its token does not start here. Past `TOK_AT_MAX` it was not written.
                let tok = if text.len() <= TOK_AT_MAX {
                    tok_at
                        .get(first_word as usize)
                        .map_or(usize::MAX, |&t| t as usize)
                } else {
                    norm.token_at(first_word)
                };
                let found = norm
                    .tokens
                    .get(tok)
                    .is_some_and(|t| t.start == first_word)
                    .then_some(tok);
                debug_assert_eq!(
                    found,
                    Some(norm.token_at(first_word))
                        .filter(|&k| norm.tokens.get(k).is_some_and(|t| t.start == first_word))
                );
                found
            })
        };
        let groups = scope.group_start[pid] as usize..scope.group_start[pid + 1] as usize;
        let mut group_begin = scope.use_start[pid] as usize;
        'groups: for group in &scope.groups[groups] {
            let uses = group_begin..group.end as usize;
            group_begin = uses.end;
            let probe = group.probe;
            if probe.active != 0 {
                // Before the text's start, the probe's place wraps to past its end: no byte.
                let probe_at = start.wrapping_add_signed(isize::from(probe.from_anchor));
                if text.get(probe_at) != Some(&probe.byte) {
                    continue;
                }
            }
            if probe.other != NO_OTHER && scratch.anchor_seen.get(probe.other as usize) == 0 {
                continue; // the other side's anchor is nowhere in the turn: these sides cannot pair
            }
            for u in &scope.uses[uses] {
                if u.check == Check::Literal {
                    let Some(begin) = start.checked_sub(u.lit_before as usize) else {
                        continue;
                    };
                    let literal =
                        &literals[u.lit_start as usize..(u.lit_start + u.lit_len) as usize];
                    if !text
                        .get(begin..begin + literal.len())
                        .is_some_and(|t| same_bytes(t, literal))
                    {
                        continue;
                    }
                }
                let Some(tok) = anchor_token() else {
                    break 'groups; // no token starts at the hit: no side can match
                };
                let (s, e) = if u.check == Check::Parts {
                    let seq = &self.phrases[u.phrase as usize].sides[u.side as usize];
                    let Some(found) = locate(seq, tok, norm, self.lang) else {
                        continue;
                    };
                    found
                } else {
                    let Some(start) = tok.checked_sub(u.anchor_start as usize) else {
                        continue;
                    };
                    (start as u32, (start + u.parts as usize) as u32)
                };
                if u.near {
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
    }

    /// Overlapping hits of one written phrase's expansions (`{really|} sorry` finds both
    /// "really sorry" and "sorry" in "really sorry") are one occurrence: the earliest-starting,
    /// longest hit stays. Sorting makes this O(k log k) in the turn's family hits.
    ///
    /// Two expansions on exactly the same words (a stem and a word it covers, `{num}` and a
    /// number word) are a tie: the one an automaton of the phrases' longest runs would have
    /// reported first stays (`report_order`), as it did when that was the order of the hits.
    fn one_hit_per_family(
        &self,
        scratch: &mut MatchScratch,
        norm: &Normalised,
        out: &mut Vec<PhraseHit>,
    ) {
        scratch.family_hits.clear();
        if out.len() < 2 {
            return;
        }
        // Count each family's hits (most turns have at most one per family, and then there is
        // nothing to sort): a stamp per scan instead of clearing the counts.
        scratch.family_seen.begin(self.phrases.len());
        let mut shared = false;
        for h in out.iter() {
            let f = self.families[h.phrase as usize];
            if f != NO_FAMILY {
                let seen = scratch.family_seen.get_mut(f as usize);
                *seen += 1;
                shared |= *seen > 1;
            }
        }
        if !shared {
            return;
        }
        for (i, h) in out.iter().enumerate() {
            let f = self.families[h.phrase as usize];
            if f != NO_FAMILY && scratch.family_seen.get(f as usize) > 1 {
                scratch
                    .family_hits
                    .push((f, h.tok_start, u32::MAX - h.tok_end, i));
            }
        }
        scratch.family_hits.sort_unstable();
        // Ties on the same words: the first of each run of equal (family, start, end) is the
        // one kept below; make it the one reported first.
        let fh = &mut scratch.family_hits;
        let mut a = 0;
        while a < fh.len() {
            let mut b = a + 1;
            while b < fh.len() && fh[b].0 == fh[a].0 && fh[b].1 == fh[a].1 && fh[b].2 == fh[a].2 {
                b += 1;
            }
            if b - a > 1 {
                let first = (a..b)
                    .min_by_key(|&k| self.report_order(&out[fh[k].3], fh[k].3, norm))
                    .expect("a run of ties");
                fh.swap(a, first);
            }
            a = b;
        }
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

    /// Where hit `h` (at `index` in the scan's output) came in the order an automaton of the
    /// phrases' longest runs reported hits, before anchors were shortened: single-sided phrases
    /// by where their longest run ends in the text, then where it starts, then phrase; then
    /// NEAR/BEFORE phrases as `combine_near` gives them (after every single-sided one).
    fn report_order(
        &self,
        h: &PhraseHit,
        index: usize,
        norm: &Normalised,
    ) -> (u32, u32, u32, usize) {
        let info = &self.phrases[h.phrase as usize];
        if info.near.is_some() {
            return (u32::MAX, u32::MAX, u32::MAX, index);
        }
        let (run_end, run_start) = run_bytes(&info.sides[0], h.tok_start, norm);
        (run_end, run_start, h.phrase, 0)
    }

    /// Pairs NEAR/BEFORE sides: one hit per left-side occurrence that has a right side in reach.
    fn combine_near(&self, scratch: &mut MatchScratch, out: &mut Vec<PhraseHit>) {
        // Only phrases with both sides in the turn can pair (most side hits have no partner):
        // which sides each phrase has, with a stamp per scan instead of clearing.
        scratch.near_seen.begin(self.phrases.len());
        for &(phrase, side, ..) in &scratch.sides {
            *scratch.near_seen.get_mut(phrase as usize) |= 1 << side;
        }
        let near_seen = &scratch.near_seen;
        scratch
            .sides
            .retain(|&(phrase, ..)| near_seen.get(phrase as usize) == 0b11);
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

/// `a == b`, inline: eight bytes at a time (the last eight
/// overlapping), four for shorter ones. Slice equality calls `memcmp` (`bcmp`), whose call
/// and set-up cost more than the comparison of a phrase's literal, a few dozen bytes at most.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let u64_at = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |s: &[u8], i: usize| u32::from_ne_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if u64_at(a, i) != u64_at(b, i) {
                return false;
            }
            i += 8;
        }
        u64_at(a, n - 8) == u64_at(b, n - 8)
    } else if n >= 4 {
        u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// Where the longest run of a sequence found at token `start` ends and starts in the normalised
/// text, in the bytes an automaton of the runs would have matched (the spaces around words).
fn run_bytes(seq: &SeqInfo, start: u32, norm: &Normalised) -> (u32, u32) {
    let first = &norm.tokens[(start + seq.run_first) as usize];
    let last = &norm.tokens[(start + seq.run_last) as usize];
    let end = if seq.run_stem_len > 0 {
        last.start + seq.run_stem_len
    } else {
        last.end + 1
    };
    (end, first.start - 1)
}

/// Token range of the whole sequence whose anchor starts at token `tok`, if every part fits
/// (stems and number slots: `Check::Parts`).
fn locate(seq: &SeqInfo, tok: usize, norm: &Normalised, lang: Language) -> Option<(u32, u32)> {
    let start = tok.checked_sub(seq.anchor_start)?;
    let end = start + seq.parts.len();
    let tokens = norm.tokens.get(start..end)?;
    let fits = tokens
        .iter()
        .zip(seq.parts.iter())
        .all(|(t, part)| part.accepts_in(norm.word(t), lang));
    fits.then_some((start as u32, end as u32))
}

#[cfg(test)]
impl Matcher {
    /// Checks every NEAR/BEFORE side at its anchor's hits, whether or not the other side's
    /// anchor is in the turn: the scan as it was before `Probe::other`, the oracle of the tests.
    fn check_every_side(&mut self) {
        for scope in self.scopes.iter_mut().flatten() {
            for group in &mut scope.groups {
                group.probe.other = NO_OTHER;
            }
        }
    }

    /// Compares every literal side in full at its anchor's hits, with no `Probe` first: the
    /// oracle of the probes.
    fn without_probes(&mut self) {
        for scope in self.scopes.iter_mut().flatten() {
            for group in &mut scope.groups {
                group.probe.active = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use crate::rubric::Rubric;
    use aho_corasick::dfa;

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
    fn a_phrase_anchored_on_one_of_its_words_only_matches_whole() {
        // Anchored on " call ": the words around it are checked at each hit.
        let r = rubric(&["we will call you"]);
        assert_eq!(
            hits(&r, "We will call you. We'll call you"),
            [
                "we will call you:We will call you",
                "we will call you:We'll call you"
            ]
        );
        for miss in [
            "call you",
            "we will call",
            "we will call them",
            "they will call you",
            "we will recall you",
            "we will. call you",
        ] {
            assert!(hits(&r, miss).is_empty(), "{miss}");
        }
    }

    #[test]
    fn a_family_shares_its_anchors() {
        let r = rubric(&[
            "{we|I} will {call|email} you",
            "{we|I} can {call|email} back",
        ]);
        let stats = r.matcher.automaton_stats();
        let agent = stats.iter().find(|s| s.speaker == Speaker::Agent).unwrap();
        assert_eq!((agent.patterns, agent.uses), (2, 8));
        // `rubric check` still counts the distinct phrases' runs.
        assert_eq!(r.matcher.pattern_count(), 3 * 8);
    }

    #[test]
    fn a_turn_longer_than_the_token_map_finds_the_same_hits() {
        // Past `TOK_AT_MAX` the anchors' tokens come from a binary search, not the map.
        let r = rubric(&["we will call you", "{really|so|} sorry", "sorry"]);
        let tail = " Really sorry, we'll call you back. so sorry";
        let short = hits(&r, tail);
        assert_eq!(short.len(), 5, "{short:?}");
        for len in [TOK_AT_MAX - 100, TOK_AT_MAX + 100] {
            let long = format!("{}{tail}", "word ".repeat(len / 5));
            assert_eq!(hits(&r, &long), short, "turn of {} bytes", long.len());
        }
        // One scratch through a long turn, then a short one: the short one reads the map.
        let mut scratch = MatchScratch::default();
        let mut out = Vec::new();
        for text in [
            format!("{}{tail}", "word ".repeat(TOK_AT_MAX / 4)),
            tail.to_string(),
        ] {
            out.clear();
            r.matcher
                .scan(Speaker::Agent, &normalise(&text), &mut scratch, &mut out);
            assert_eq!(out.len(), short.len());
        }
        assert!(scratch.tok_at.len() <= TOK_AT_MAX);
    }

    #[test]
    fn every_hit_comes_whatever_the_order() {
        // "we will call you" and "call you back" are both anchored on " call ".
        let r = rubric(&["call you back", "we will call you", "sorry"]);
        let mut h = hits(&r, "sorry, we will call you back");
        h.sort();
        assert_eq!(
            h,
            [
                "call you back:call you back",
                "sorry:sorry",
                "we will call you:we will call you"
            ]
        );
    }

    #[test]
    fn a_tie_between_expansions_keeps_the_one_whose_run_ends_first() {
        // "refund*" and "refunded" cover the same word; the stem's run ends first (inside the
        // word), so an automaton of the runs reported it first, and it stays.
        for text in ["Refunded", "it was refunded today"] {
            for written in ["{refunded|refund*}", "{refund*|refunded}"] {
                let r = rubric(&[written]);
                let n = normalise(text);
                let mut out = Vec::new();
                r.matcher
                    .scan(Speaker::Agent, &n, &mut MatchScratch::default(), &mut out);
                assert_eq!(out.len(), 1, "{written} on {text}");
                let PhraseExpr::Seq(seq) = &r.phrases[out[0].phrase as usize].expr else {
                    panic!("a sequence");
                };
                assert!(
                    matches!(seq.parts[0], Part::Stem(_)),
                    "{written} on {text}: {seq:?}"
                );
            }
        }
    }

    /// The automaton's own loop reports exactly what `find_overlapping_iter` does, in the same
    /// order, as a DFA, as a contiguous NFA and as the scan's own automaton (overlapping
    /// patterns, stems, shared suffixes).
    #[test]
    fn own_scan_loop_equals_the_overlapping_iterator() {
        let patterns: Vec<String> = [
            " sorry ",
            " so sorry ",
            " sorry you ",
            " refund",
            " refunded ",
            " you ",
            " you",
            " i am ",
            " am ",
            " a ",
            " ",
            " can not help ",
            " not ",
            " ? ",
            " 😡 ",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        let reference = aho_corasick::AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .unwrap();
        let nnfa = nfa::noncontiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&patterns)
            .unwrap();
        let dfa = dfa::Builder::new().build_from_noncontiguous(&nnfa).unwrap();
        let cnfa = nfa::contiguous::Builder::new()
            .build_from_noncontiguous(&nnfa)
            .unwrap();
        let own = build_automaton(&patterns).unwrap();
        let mut rng = fastrand::Rng::with_seed(16);
        let words = [
            "sorry", "so", "you", "refund", "refunded", "refunds", "i", "am", "a", "can", "not",
            "help", "?", "😡", "x", "",
        ];
        let mut found = Vec::new();
        for _ in 0..2000 {
            let mut text = String::from(" ");
            for _ in 0..rng.usize(0..16) {
                text.push_str(words[rng.usize(0..words.len())]);
                text.push(' ');
            }
            let expected: Vec<(u32, u32)> = reference
                .find_overlapping_iter(&text)
                .map(|m| (m.pattern().as_u32(), m.start() as u32))
                .collect();
            find_anchors(&dfa, text.as_bytes(), &mut found);
            assert_eq!(found, expected, "DFA on {text:?}");
            find_anchors(&cnfa, text.as_bytes(), &mut found);
            assert_eq!(found, expected, "NFA on {text:?}");
            find_anchors(&own, text.as_bytes(), &mut found);
            assert_eq!(found, expected, "the scan's automaton on {text:?}");
        }
    }

    /// The scan's automaton (dense near the start, sparse beyond) finds what a full DFA of the
    /// same patterns finds, in the same order, on the built-in rubrics' own anchors: random
    /// turns of their words, glued to bytes no pattern has (control bytes, non-ASCII, marks).
    #[test]
    fn scan_automaton_equals_a_full_dfa_on_the_builtin_automata() {
        let mut rng = fastrand::Rng::with_seed(6);
        let odd = [
            "\u{0}", "é", "😡", "'", ".", "?", "  ", "x", "\u{7f}", "ß", "3", "@",
        ];
        for name in ["builtin", "builtin:es", "builtin:fr"] {
            let rubric = Rubric::load(std::path::Path::new(name)).unwrap();
            for scope in rubric.matcher.scopes.iter().flatten() {
                let patterns: &[String] = &scope.patterns;
                let nnfa = nfa::noncontiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(patterns)
                    .unwrap();
                let dfa = dfa::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build_from_noncontiguous(&nnfa)
                    .unwrap();
                let own = build_automaton(patterns).unwrap();
                assert_eq!(own.patterns_len(), patterns.len());
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let mut hits = 0;
                for _ in 0..3000 {
                    let mut text = String::from(" ");
                    for _ in 0..rng.usize(0..40) {
                        if rng.usize(0..4) == 0 {
                            text.push_str(odd[rng.usize(0..odd.len())]);
                        } else {
                            let p = &patterns[rng.usize(0..patterns.len())];
                            let words: Vec<&str> = p.split(' ').filter(|w| !w.is_empty()).collect();
                            text.push_str(words[rng.usize(0..words.len())]);
                        }
                        text.push(' ');
                    }
                    find_anchors(&dfa, text.as_bytes(), &mut a);
                    find_anchors(&own, text.as_bytes(), &mut b);
                    assert_eq!(a, b, "{text:?}");
                    hits += a.len();
                }
                assert!(hits > 1000, "{hits} anchor hits");
            }
        }
    }

    /// Passing over the NEAR/BEFORE sides whose other side's anchor has no hit in the turn
    /// (`Probe::other`) finds the same hits as checking every side, on the built-in rubric's
    /// own NEAR/BEFORE phrases: random turns of their words, with the words around them.
    #[test]
    fn unpairable_sides_passed_over_change_no_hit() {
        let fast = Rubric::default_rubric();
        let mut every = Rubric::default_rubric();
        every.matcher.check_every_side();
        let mut words: Vec<String> = Vec::new();
        for p in &fast.phrases {
            if let PhraseExpr::Near { a, b, .. } = &p.expr {
                for part in a.parts.iter().chain(b.parts.iter()) {
                    words.push(match part {
                        Part::Word(w) => w.to_string(),
                        Part::Stem(w) => format!("{w}ed"),
                        Part::Num => "3".to_string(),
                    });
                }
            }
        }
        words.sort();
        words.dedup();
        assert!(
            words.len() > 20,
            "the built-in rubric has NEAR/BEFORE phrases"
        );
        words.extend(
            ["the", "you", "i", "we", "and", ".", "?", "sorry", "please"].map(String::from),
        );
        let mut rng = fastrand::Rng::with_seed(4);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut sa = MatchScratch::default();
        let mut sb = MatchScratch::default();
        let mut paired = 0;
        for round in 0..3000 {
            let text: Vec<&str> = (0..rng.usize(1..30))
                .map(|_| words[rng.usize(..words.len())].as_str())
                .collect();
            let n = normalise(&text.join(" "));
            let speaker = if round % 2 == 0 {
                Speaker::Agent
            } else {
                Speaker::Customer
            };
            fast.matcher.scan(speaker, &n, &mut sa, &mut a);
            every.matcher.scan(speaker, &n, &mut sb, &mut b);
            assert_eq!(a, b, "{}", n.text);
            paired += a
                .iter()
                .filter(|h| {
                    matches!(
                        fast.phrases[h.phrase as usize].expr,
                        PhraseExpr::Near { .. }
                    )
                })
                .count();
        }
        assert!(paired > 100, "NEAR/BEFORE hits: {paired}");
    }

    /// Turning sides away by one byte (`Probe`) first finds the same hits as comparing every
    /// literal side in full, on the built-in rubric: random turns of its phrases' words.
    #[test]
    fn probes_turn_away_no_side_that_matches() {
        let fast = Rubric::default_rubric();
        let mut full = Rubric::default_rubric();
        full.matcher.without_probes();
        let probed = fast
            .matcher
            .scopes
            .iter()
            .flatten()
            .map(|s| {
                // A pattern's groups start where the previous pattern's end: sizes follow.
                let mut begin = 0;
                let mut n = 0;
                for g in &s.groups {
                    if g.probe.active != 0 {
                        n += g.end as usize - begin;
                    }
                    begin = g.end as usize;
                }
                n
            })
            .sum::<usize>();
        assert!(probed > 10_000, "{probed} sides with a probe");
        let mut words: Vec<String> = Vec::new();
        for p in &fast.phrases {
            for side in sides(p) {
                for part in side.parts.iter() {
                    if let Part::Word(w) = part {
                        words.push(w.to_string());
                    }
                }
            }
        }
        words.sort();
        words.dedup();
        let mut rng = fastrand::Rng::with_seed(12);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut sa = MatchScratch::default();
        let mut sb = MatchScratch::default();
        let mut hits = 0;
        for round in 0..4000 {
            // Runs of consecutive words of one phrase, so that long literals match too.
            let mut text: Vec<String> = Vec::new();
            for _ in 0..rng.usize(1..6) {
                let p = &fast.phrases[rng.usize(..fast.phrases.len())];
                for side in sides(p) {
                    for part in side.parts.iter() {
                        if let Part::Word(w) = part {
                            text.push(w.to_string());
                        }
                    }
                }
                text.push(words[rng.usize(..words.len())].clone());
            }
            let n = normalise(&text.join(" "));
            let speaker = if round % 2 == 0 {
                Speaker::Agent
            } else {
                Speaker::Customer
            };
            fast.matcher.scan(speaker, &n, &mut sa, &mut a);
            full.matcher.scan(speaker, &n, &mut sb, &mut b);
            assert_eq!(a, b, "{}", n.text);
            hits += a.len();
        }
        assert!(hits > 4000, "{hits} hits");
    }

    /// `same_bytes` is `==` on every length up to 40, with a difference at every place.
    #[test]
    fn same_bytes_is_slice_equality() {
        let a: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=a.len() {
            let x = &a[..n];
            assert!(same_bytes(x, x), "{n}");
            for k in 0..n {
                let mut y = x.to_vec();
                y[k] ^= 0x20;
                assert!(!same_bytes(x, &y), "{n} {k}");
            }
            assert!(!same_bytes(x, &a[..n.saturating_sub(1)]) || n == 0);
        }
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
