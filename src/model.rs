//! The things an audit is about: a `Call` made of `Turn`s, each spoken by a `Speaker`.
//!
//! A call owns one text buffer and its turns point into it by range, so reading a call costs two
//! allocations however many turns it has (the hot path reads millions of turns).

use chrono::NaiveDate;
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::ops::Range;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Who spoke a turn. Everything that is neither agent nor customer (IVR, bots, system messages,
/// supervisors barging in) is `Other`: kept in the transcript, counted, and only matched by items
/// whose speaker is `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Speaker {
    Agent,
    Customer,
    Other,
}

impl Speaker {
    /// Maps the many spellings exports use for a role. Case-insensitive; surrounding blanks ignored.
    pub fn from_label(label: &str) -> Speaker {
        let label = trim(label);
        // The spellings most files use, as written: no case-insensitive walk of the lists.
        match label {
            "agent" => return Speaker::Agent,
            "customer" => return Speaker::Customer,
            _ => {}
        }
        const AGENT: &[&str] = &[
            "agent",
            "rep",
            "representative",
            "advisor",
            "adviser",
            "associate",
            "internal",
            "human_agent",
            "staff",
            "operator",
            // The languages the built-in rubrics read (Spanish, French) and German.
            "agente",
            "asesor",
            "asesora",
            "conseiller",
            "conseillère",
            "berater",
            "beraterin",
        ];
        const CUSTOMER: &[&str] = &[
            "customer",
            "caller",
            "client",
            "user",
            "visitor",
            "external",
            "end_user",
            "enduser",
            "end user",
            "human",
            "consumer",
            "member",
            "cliente",
            "clienta",
            "usuario",
            "usuaria",
            "utilisateur",
            "utilisatrice",
            "kunde",
            "kundin",
            "anrufer",
            "anruferin",
        ];
        if AGENT.iter().any(|a| label.eq_ignore_ascii_case(a)) {
            Speaker::Agent
        } else if CUSTOMER.iter().any(|c| label.eq_ignore_ascii_case(c)) {
            Speaker::Customer
        } else {
            Speaker::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
            Speaker::Other => "other",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// `s.trim()`, without walking the characters at either end when both are plain ASCII (the
/// cells of almost every row): `str::trim` takes Unicode white space, which is only
/// `\t`..=`\r` and space among ASCII bytes, and a string that starts or ends with a non-ASCII
/// byte goes to `str::trim` itself.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let plain = |b: u8| b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ');
    match s.as_bytes() {
        [] => s,
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// One utterance. Its text lives in the owning call's buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: Range<u32>,
    /// Milliseconds from the start of the call, when the source has timings.
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    /// Sort key from an order column (turn number, sequence, offset); `None` keeps reading order.
    pub order: Option<f64>,
    /// Set when the source itself flags this turn as an interruption (Transcribe, PCA).
    pub interruption: Option<bool>,
    /// 1-based line (or record) in the source, for messages and `explain`.
    pub line: u64,
}

/// Parts of a call, from files other than the one it first came from, that repeated its turns
/// (see `Call::absorb`): a copy is passed over, a part that repeats some is merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repeated {
    /// The input (index) the call first came from.
    pub of: u32,
    /// The copies passed over, one entry for each file they came from, in reading order: three
    /// copies of one export are two entries, each with its own rows.
    pub copies: Vec<Copied>,
    /// The first input whose repeated turns were kept, in parts that also hold new turns, and
    /// the rows of such parts that repeat a turn.
    pub kept_from: u32,
    pub kept: u64,
    /// Of `kept`, the rows of parts that repeat every turn but are too short (under 3 rows,
    /// without turn numbers or times) to be taken for a copy.
    pub kept_whole: u64,
    /// Rows that repeat turns read before them in their own file (see `absorb` and
    /// `drop_repeated_rows`), one entry for each file, in reading order.
    pub again: Vec<Again>,
    /// Parts passed over whole: copies from other files, and parts of a file that repeat
    /// turns read before in it.
    pub parts_passed_over: u32,
}

impl Repeated {
    /// Adds rows of a file that repeat turns read before in it (by file, the first line kept).
    fn add_again(&mut self, a: Again) {
        match self.again.iter_mut().find(|x| x.source == a.source) {
            Some(x) => {
                x.rows += a.rows;
                x.line = x.line.min(a.line);
            }
            None => self.again.push(a),
        }
    }
}

/// The rows of a call that one file holds twice: skipped as `duplicate`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Again {
    /// The input (index) that holds them.
    pub source: u32,
    /// The line of the first of them.
    pub line: u64,
    pub rows: u64,
}

/// The parts of a call that one file held and that were passed over as a copy of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copied {
    /// The input (index) they came from.
    pub from: u32,
    /// Their rows.
    pub rows: u64,
    /// Of those, rows with the same speaker and times but other text (a redacted copy).
    pub other_text: u64,
    /// What they name otherwise than the call's rows read before them (the attribute, the
    /// value of the rows before, theirs): their rows count in the votes all the same.
    pub differs: Vec<(&'static str, String, String)>,
}

enum Repeats {
    No,
    /// Some turns repeat (`all`: every one, in a part too short to be taken for a copy).
    Some {
        rows: u64,
        all: bool,
    },
    All {
        other_text: u64,
    },
}

/// A stretch of silence the source reported (Transcribe `NonTalkTime`), in ms from call start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Silence {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// One conversation, however it was exported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Call {
    pub id: String,
    /// `None` when the export does not say; reported as `(unknown)`.
    pub agent_id: Option<String>,
    pub date: Option<NaiveDate>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub turns: Vec<Turn>,
    pub text: String,
    pub silences: Vec<Silence>,
    /// The source analysed silence itself (Transcribe `NonTalkTime`): trust its list, even an
    /// empty one, rather than measuring gaps between turns.
    pub silences_reported: bool,
    pub channel: Channel,
    /// Index of the input file this call (first) came from, in the run's canonical file order.
    pub source: u32,
    /// First line of the call in that file.
    pub line: u64,
    /// How many rows name each agent, date, team, queue and channel (see `Votes`).
    pub votes: CallVotes,
    /// The call holds more than `--max-call-bytes`: its turns are dropped (and counted as
    /// skipped), and what is left of it only says that it was there.
    pub too_large: bool,
    /// Turns dropped for size when parts were merged, which the run still has to count.
    pub dropped_rows: u64,
    /// Rows of the call its readers skipped for its size (already counted as skipped), summed
    /// over its parts: with `dropped_rows` and its turns, every row of a call too large, which
    /// the run reports once the call is complete.
    pub rows_too_large: u64,
    /// Where the call first went over `--max-call-bytes`: the input (its index) and the line
    /// of the row that did not fit, or of the part that took the parts together over it.
    pub over_at: Option<(u32, u64)>,
    /// It went over only when its parts were put together (see `absorb`).
    pub over_together: bool,
    /// Parts from other files that repeated turns already in the call (see `absorb`).
    pub repeated: Option<Repeated>,
    /// Parts appended to the call by `absorb` (copies passed over are not).
    pub parts_absorbed: u32,
    /// Parts from two files (the input indexes: the call's first, and the first other) whose
    /// turns do not all have an order key: their order is the reading order, that of the file
    /// names (see `absorb`).
    pub ordered_by_files: Option<(u32, u32)>,
    /// Where the turns of each file after the call's first begin: (turn index, input index).
    /// Parts are absorbed in reading order, which reads one file after another, so a file's
    /// turns are together. Empty for a call whose turns all come from `source`.
    pub files: Vec<(u32, u32)>,
    /// Where each part of the last file's begins (turn index), by the hash of its first turns
    /// (see `repeats_a_part`); only parts that could be passed over as copies. Kept while the
    /// call is put together (counted by `bytes`), never written with a held part. The keys are
    /// already hashes, so a fast fixed hasher does.
    pub parts: PartIndex,
    /// A part from another file numbered its turns as the call's turns already read were
    /// numbered, with other words: two conversations under one id (a counter that restarted,
    /// an id used again another day), or a copy whose words differ. Where: the input (index)
    /// and line of the turn read first, and of the one that took its number again (see
    /// `absorb`). Such a call is not audited: scoring the two together would blame one
    /// conversation's agent for the other's words.
    pub numbered_again: Option<NumberedAgain>,
    /// The call's id is its file's name (WebVTT, plain text, CCAI import, a vendor file without
    /// an id): files of one name in folders dated on two days are then two conversations (names
    /// that start again every day), not one call; a call named by a column or field with
    /// numbered turns is one call wherever its rows lie (`Enricher::path_dates_apart`).
    pub id_from_file_name: bool,
}

/// Where a call's turn number was taken again by a part from another file (`Call::numbered_again`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NumberedAgain {
    /// The turn number (order key) both turns have.
    pub order: f64,
    /// The input (index) and line of the turn read first.
    pub first: (u32, u64),
    /// The input (index) and line of the turn that numbered itself the same.
    pub again: (u32, u64),
}

/// How many rows name each value of one attribute of a call. A call's rows may disagree (a
/// typo in one row, a call split across exports that name different agents); the call then
/// takes the value that the most rows hold, the smallest value on a tie, so that the answer
/// does not depend on the order in which rows or files are read.
#[derive(Clone, Debug, PartialEq)]
pub struct Votes<T> {
    /// The first value seen and its rows: most calls never have another.
    first: Option<(T, u64)>,
    /// Every other value, once rows disagree.
    others: BTreeMap<T, u64>,
}

impl<T> Default for Votes<T> {
    fn default() -> Self {
        Votes {
            first: None,
            others: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Clone> Votes<T> {
    /// Counts `rows` rows that hold `value`.
    pub fn add(&mut self, value: T, rows: u64) {
        self.add_by(&value, rows);
    }

    /// Like `add`, borrowing the value (no allocation when it is the value already seen).
    pub fn add_by<Q>(&mut self, value: &Q, rows: u64)
    where
        T: Borrow<Q>,
        Q: Ord + ToOwned<Owned = T> + ?Sized,
    {
        if rows == 0 {
            return;
        }
        match &mut self.first {
            None => self.first = Some((value.to_owned(), rows)),
            Some((v, n)) if <T as Borrow<Q>>::borrow(v) == value => *n += rows,
            Some(_) => match self.others.get_mut(value) {
                Some(n) => *n += rows,
                None => {
                    self.others.insert(value.to_owned(), rows);
                }
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// Whether rows name more than one value.
    pub fn disagree(&self) -> bool {
        !self.others.is_empty()
    }

    /// The value the most rows hold; the smallest of those on a tie.
    pub fn winner(&self) -> Option<&T> {
        self.counts().first().map(|(v, _)| *v)
    }

    /// Every value with its rows, the most held first (the smallest first on a tie).
    pub fn counts(&self) -> Vec<(&T, u64)> {
        let mut all: Vec<(&T, u64)> = self
            .first
            .iter()
            .map(|(v, n)| (v, *n))
            .chain(self.others.iter().map(|(v, n)| (v, *n)))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all
    }

    /// Adds the rows of `other`.
    pub fn merge(&mut self, other: Votes<T>) {
        if let Some((v, n)) = other.first {
            self.add(v, n);
        }
        for (v, n) in other.others {
            self.add(v, n);
        }
    }

    pub fn clear(&mut self) {
        self.first = None;
        self.others.clear();
    }
}

impl Votes<String> {
    /// Whether every value is ASCII (nothing to compose).
    #[inline]
    fn is_ascii(&self) -> bool {
        self.first.as_ref().is_none_or(|(v, _)| v.is_ascii())
            && (self.others.is_empty() || self.others.keys().all(|v| v.is_ascii()))
    }

    /// Counts the rows of values that are one string composed (`nfc`) as one value:
    /// `zoë` written composed in some rows and decomposed in others is no disagreement.
    fn compose(&mut self) {
        let composed = |v: &String| !matches!(nfc(v), std::borrow::Cow::Owned(_));
        if self.first.as_ref().is_none_or(|(v, _)| composed(v)) && self.others.keys().all(composed)
        {
            return;
        }
        let old = std::mem::take(self);
        for (v, n) in old.counts() {
            self.add(nfc(v).into_owned(), n);
        }
    }
}

/// The rows behind each attribute of a call that rows name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallVotes {
    pub agent: Votes<String>,
    pub date: Votes<NaiveDate>,
    pub team: Votes<String>,
    pub queue: Votes<String>,
    pub channel: Votes<Channel>,
}

impl CallVotes {
    /// The agent, team and queue votes composed (`Votes::compose`).
    fn compose_names(&mut self) {
        self.agent.compose();
        self.team.compose();
        self.queue.compose();
    }

    /// Adds the rows of `other`.
    pub fn merge(&mut self, other: CallVotes) {
        self.agent.merge(other.agent);
        self.date.merge(other.date);
        self.team.merge(other.team);
        self.queue.merge(other.queue);
        self.channel.merge(other.channel);
    }

    /// The attributes whose value the most rows hold differ between these rows and `other`'s:
    /// each with the two values, these rows' first.
    pub fn differences(&self, other: &CallVotes) -> Vec<(&'static str, String, String)> {
        fn differ<T: Ord + Clone>(
            name: &'static str,
            mine: &Votes<T>,
            theirs: &Votes<T>,
            show: impl Fn(&T) -> String,
            out: &mut Vec<(&'static str, String, String)>,
        ) {
            if let (Some(a), Some(b)) = (mine.winner(), theirs.winner())
                && a != b
            {
                out.push((name, show(a), show(b)));
            }
        }
        let mut out = Vec::new();
        differ("agent", &self.agent, &other.agent, String::clone, &mut out);
        differ("date", &self.date, &other.date, |d| d.to_string(), &mut out);
        differ("team", &self.team, &other.team, String::clone, &mut out);
        differ("queue", &self.queue, &other.queue, String::clone, &mut out);
        differ(
            "channel",
            &self.channel,
            &other.channel,
            |c| format!("{c:?}").to_lowercase(),
            &mut out,
        );
        out
    }

    fn clear(&mut self) {
        self.agent.clear();
        self.date.clear();
        self.team.clear();
        self.queue.clear();
        self.channel.clear();
    }
}

/// How the conversation happened. Chats have no interruptions or dead air: a gap between
/// messages is the customer typing, so the timing items do not apply to them.
///
/// Ordered by name (after `Unknown`), so that a call whose rows tie on it takes the smallest
/// value by name, as for every other attribute (`Votes::winner`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    #[default]
    Unknown,
    Chat,
    Voice,
}

impl Channel {
    /// From an export's channel or medium value (case-insensitive), by its words: "chat",
    /// "web_chat", "SMS" are chats; "voice", "PHONE_CALL", "inbound call", "telephone" are
    /// voice. A value with words of both, or of neither, is Unknown.
    pub fn from_label(label: &str) -> Channel {
        const CHAT: &[&str] = &[
            "chat",
            "chats",
            "webchat",
            "livechat",
            "message",
            "messages",
            "messaging",
            "sms",
            "text",
            "email",
            "mail",
            "social",
            "twitter",
            "whatsapp",
            "messenger",
            "facebook",
        ];
        const VOICE: &[&str] = &[
            "voice",
            "phone",
            "telephone",
            "telephony",
            "call",
            "calls",
            "audio",
            "pstn",
            "voip",
            "ivr",
        ];
        let l = label.trim().to_ascii_lowercase();
        let words = || {
            l.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
        };
        let chat = words().any(|w| CHAT.contains(&w));
        let voice = words().any(|w| VOICE.contains(&w));
        match (chat, voice) {
            (true, false) => Channel::Chat,
            (false, true) => Channel::Voice,
            _ => Channel::Unknown,
        }
    }
}

/// Times beyond this are not times (see `Call::finish`).
pub const MAX_PLAUSIBLE_MS: u64 = 1 << 53;

/// What tells a turn from another: speaker, start, end, order key (its bits) and text (or ""
/// when the text is left out).
type TurnKey<'a> = (u8, Option<u64>, Option<u64>, Option<u64>, &'a str);

fn exact_key<'a>(call: &'a Call, t: &Turn, with_text: bool) -> TurnKey<'a> {
    (
        t.speaker.index() as u8,
        t.start_ms,
        t.end_ms,
        t.order.map(f64::to_bits),
        if with_text { call.turn_text(t) } else { "" },
    )
}

/// A turn with an order key, or with both a start and an end time: one that the same speaker
/// saying the same words again would not repeat exactly.
fn keyed(t: &Turn) -> bool {
    t.order.is_some() || (t.start_ms.is_some() && t.end_ms.is_some())
}

/// Whether two keyed turns of `turns` may be the same: not when every turn has an order key
/// and they increase in reading order, nor when every turn has a start time and those
/// increase (what almost every export gives), which is checked without hashing a turn.
fn may_repeat(turns: &[Turn]) -> bool {
    if turns.len() < 2 || !turns.iter().any(keyed) {
        return false;
    }
    let increasing = |w: &[Turn]| match (w[0].order, w[1].order) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    };
    if turns.windows(2).all(increasing) {
        return false;
    }
    let starts = |w: &[Turn]| match (w[0].start_ms, w[1].start_ms) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    };
    !turns.windows(2).all(starts)
}

/// Whether a part of these turns, repeating turns read before, is surely no utterances said
/// again: its turns are keyed, or there are at least 3 of them (a part of a few short turns
/// such as "thanks" may well say again what was said).
fn could_be_copy(turns: &[Turn]) -> bool {
    !turns.is_empty() && (turns.len() >= 3 || turns.iter().all(keyed))
}

/// Where each part of a file begins, by the hash of its first turns (`head_hash`).
pub type PartIndex = std::collections::HashMap<u64, u32, foldhash::fast::FixedState>;

/// A hash of a part's first turns (up to 3), to find a part again. In an interleaved export
/// every row is a part, so this is a fast hash, and each part is hashed once (see `absorb`).
fn head_hash(call: &Call, turns: &[Turn]) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    for t in turns.iter().take(3) {
        exact_key(call, t, true).hash(&mut h);
    }
    h.finish()
}

/// `s` in Unicode normalisation form C (composed): the one spelling of every string that is
/// canonically equivalent to it, so that `zoë` typed on Windows (`e` with diaeresis, one code
/// point) and exported from a Mac (`e` then a combining diaeresis) are one id. Agent ids, team
/// and queue names, call ids and the filters that name them all go through it. Free for ASCII
/// (almost every id) and for text already composed, which is checked without allocating.
#[inline]
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        std::borrow::Cow::Borrowed(s)
    } else {
        nfc_of_unicode(s)
    }
}

/// `nfc` of a string that is not ASCII.
#[inline(never)]
fn nfc_of_unicode(s: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return std::borrow::Cow::Borrowed(s);
    }
    let composed: String = s.nfc().collect();
    if composed == s {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(composed)
    }
}

/// `nfc` in place: `s` is replaced only when it was not composed.
pub fn nfc_in_place(s: &mut String) {
    let composed = match nfc(s) {
        std::borrow::Cow::Owned(c) => c,
        std::borrow::Cow::Borrowed(_) => return,
    };
    *s = composed;
}

/// Placeholder agent id for calls whose export names no agent.
pub const UNKNOWN_AGENT: &str = "(unknown)";

impl Call {
    pub fn new(id: impl Into<String>) -> Call {
        Call {
            id: id.into(),
            ..Call::default()
        }
    }

    /// Makes this call a fresh, empty call with `id`, keeping its buffers' capacity: the reader
    /// reuses calls the sink has finished with instead of allocating new ones.
    pub fn reset(&mut self, id: &str) {
        // A huge call's buffers are not kept for the small calls that follow.
        if self.text.capacity() > 256 * 1024 {
            self.text = String::new();
        }
        if self.turns.capacity() > 4096 {
            self.turns = Vec::new();
        }
        self.id.clear();
        self.id.push_str(id);
        self.agent_id = None;
        self.date = None;
        self.team = None;
        self.queue = None;
        self.turns.clear();
        self.text.clear();
        self.silences.clear();
        self.silences_reported = false;
        self.channel = Channel::Unknown;
        self.source = 0;
        self.line = 0;
        self.votes.clear();
        self.too_large = false;
        self.dropped_rows = 0;
        self.rows_too_large = 0;
        self.over_at = None;
        self.over_together = false;
        self.repeated = None;
        self.parts_absorbed = 0;
        self.ordered_by_files = None;
        self.files.clear();
        self.parts.clear();
        self.numbered_again = None;
        self.id_from_file_name = false;
    }

    /// What the call holds in memory, as `--max-call-bytes` counts it: its text, its turns and
    /// the index of its parts.
    pub fn bytes(&self) -> u64 {
        let parts = self.parts.len() * std::mem::size_of::<(u64, u32)>();
        (self.text.len() + self.turns.len() * std::mem::size_of::<Turn>() + parts) as u64
    }

    /// Drops the call's turns because it is too large; returns how many there were.
    pub fn drop_for_size(&mut self) -> u64 {
        let n = self.turns.len() as u64;
        self.too_large = true;
        self.turns = Vec::new();
        self.text = String::new();
        self.silences = Vec::new();
        self.files = Vec::new();
        self.parts = Default::default();
        n
    }

    /// The input the turns read last came from, and the index of its first turn.
    fn last_file(&self) -> (u32, usize) {
        self.files
            .last()
            .map_or((self.source, 0), |&(at, source)| (source, at as usize))
    }

    /// Drops the rows that repeat a turn read before them in the same file: the same speaker
    /// and text, and the same order key or the same start and end times (a keyed turn, see
    /// `keyed`; both turns keyed). An export joined to itself (`cat x.csv x.csv`), a JSONL
    /// record delivered twice. Turns without an order key or both times are never dropped
    /// here: a customer may well say "ok" twice. Records the rows dropped by file (`Again`);
    /// returns how many.
    pub fn drop_repeated_rows(&mut self) -> u64 {
        // Most calls: turns in the order of their keys, or without keys (no allocation).
        if self.too_large || !may_repeat(&self.turns) {
            return 0;
        }
        let mut bounds: Vec<(usize, u32)> = vec![(0, self.source)];
        bounds.extend(self.files.iter().map(|&(at, s)| (at as usize, s)));
        let mut dropped: Option<Vec<bool>> = None;
        let mut again: Vec<Again> = Vec::new();
        for (i, &(start, source)) in bounds.iter().enumerate() {
            let end = bounds.get(i + 1).map_or(self.turns.len(), |b| b.0);
            let turns = &self.turns[start..end.max(start)];
            if !may_repeat(turns) {
                continue;
            }
            let mut seen = std::collections::HashSet::with_capacity(turns.len());
            for (j, t) in turns.iter().enumerate() {
                if keyed(t) && !seen.insert(exact_key(self, t, true)) {
                    dropped.get_or_insert_with(|| vec![false; self.turns.len()])[start + j] = true;
                    match again.last_mut() {
                        Some(a) if a.source == source => a.rows += 1,
                        _ => again.push(Again {
                            source,
                            line: t.line,
                            rows: 1,
                        }),
                    }
                }
            }
        }
        let Some(dropped) = dropped else {
            return 0;
        };
        // The turns kept, their text packed again, and where each file's now begin.
        let old_turns = std::mem::take(&mut self.turns);
        let old_text = std::mem::take(&mut self.text);
        let mut kept_before = Vec::with_capacity(old_turns.len() + 1);
        for (t, gone) in old_turns.into_iter().zip(&dropped) {
            kept_before.push(self.turns.len() as u32);
            if !gone {
                let text = &old_text[t.text.start as usize..t.text.end as usize];
                let start = self.text.len() as u32;
                self.text.push_str(text);
                let end = self.text.len() as u32;
                self.text.push('\n');
                self.turns.push(Turn {
                    text: start..end,
                    ..t
                });
            }
        }
        kept_before.push(self.turns.len() as u32);
        for f in &mut self.files {
            f.0 = kept_before[f.0 as usize];
        }
        self.parts.clear();
        let rows = dropped.iter().filter(|&&d| d).count() as u64;
        let of = self.source;
        let r = self.repeated.get_or_insert_with(|| Repeated {
            of,
            kept_from: of,
            ..Repeated::default()
        });
        for a in again {
            r.add_again(a);
        }
        rows
    }

    /// Writes the call's id, agent, team and queue (and the rows' votes for them) composed
    /// (`nfc`), so that canonically equivalent spellings are one call, one agent, one
    /// team: done to each whole call before its rows' votes settle its names (its id, and so
    /// its parts', is composed from the start: `ReadContext::new_call`). Nothing to do, and
    /// nothing allocated, for ASCII or composed text.
    pub fn compose_names(&mut self) {
        let ascii = |s: &Option<String>| s.as_deref().is_none_or(str::is_ascii);
        if self.id.is_ascii()
            && ascii(&self.agent_id)
            && ascii(&self.team)
            && ascii(&self.queue)
            && self.votes.agent.is_ascii()
            && self.votes.team.is_ascii()
            && self.votes.queue.is_ascii()
        {
            return;
        }
        self.compose_names_slowly();
    }

    #[cold]
    fn compose_names_slowly(&mut self) {
        nfc_in_place(&mut self.id);
        for name in [&mut self.agent_id, &mut self.team, &mut self.queue]
            .into_iter()
            .flatten()
        {
            nfc_in_place(name);
        }
        self.votes.compose_names();
    }

    /// Counts the attributes of a part whose reader did not count them row by row (one value
    /// for the whole part, as whole-document formats have): each holds for all its turns.
    fn vote_whole_part(&mut self) {
        let rows = self.turns.len() as u64;
        let v = &mut self.votes;
        if v.agent.is_empty()
            && let Some(a) = &self.agent_id
        {
            v.agent.add_by(a.as_str(), rows);
        }
        if v.date.is_empty()
            && let Some(d) = self.date
        {
            v.date.add(d, rows);
        }
        if v.team.is_empty()
            && let Some(t) = &self.team
        {
            v.team.add_by(t.as_str(), rows);
        }
        if v.queue.is_empty()
            && let Some(q) = &self.queue
        {
            v.queue.add_by(q.as_str(), rows);
        }
        if v.channel.is_empty() && self.channel != Channel::Unknown {
            v.channel.add(self.channel, rows);
        }
    }

    /// Sets each attribute that rows name to the value the most rows hold (the smallest on a
    /// tie), whatever order the rows and parts came in; returns the attributes on which the
    /// rows disagree.
    pub fn settle_attributes(&mut self) -> Vec<&'static str> {
        let mut disagree = Vec::new();
        let v = &self.votes;
        if let Some(a) = v.agent.winner() {
            self.agent_id = Some(a.clone());
        }
        if let Some(d) = v.date.winner() {
            self.date = Some(*d);
        }
        if let Some(t) = v.team.winner() {
            self.team = Some(t.clone());
        }
        if let Some(q) = v.queue.winner() {
            self.queue = Some(q.clone());
        }
        if let Some(c) = v.channel.winner() {
            self.channel = *c;
        }
        for (name, differ) in [
            ("agent", v.agent.disagree()),
            ("date", v.date.disagree()),
            ("team", v.team.disagree()),
            ("queue", v.queue.disagree()),
            ("channel", v.channel.disagree()),
        ] {
            if differ {
                disagree.push(name);
            }
        }
        disagree
    }

    pub fn push_turn(&mut self, speaker: Speaker, text: &str, line: u64) -> &mut Turn {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        let end = self.text.len() as u32;
        // A separator keeps turn texts apart in the buffer; it is never part of a range.
        self.text.push('\n');
        self.turns.push(Turn {
            speaker,
            text: start..end,
            start_ms: None,
            end_ms: None,
            order: None,
            interruption: None,
            line,
        });
        self.turns.last_mut().expect("just pushed")
    }

    pub fn turn_text(&self, turn: &Turn) -> &str {
        &self.text[turn.text.start as usize..turn.text.end as usize]
    }

    pub fn agent(&self) -> &str {
        self.agent_id.as_deref().unwrap_or(UNKNOWN_AGENT)
    }

    /// True when every turn has a start time, which the timing items need.
    pub fn has_timings(&self) -> bool {
        !self.turns.is_empty() && self.turns.iter().all(|t| t.start_ms.is_some())
    }

    /// Appends another part of the same call (rows split across files or non-contiguous rows).
    /// The attributes are settled by `settle_attributes` once every part is in; a call that
    /// grows past `max_bytes` is dropped for its size.
    pub fn absorb(&mut self, mut other: Call, max_bytes: u64) {
        // Every part's rows count in the votes, those of a copy passed over too: which of two
        // exports of one call that name different agents is read first (their file names)
        // must not decide the call's agent.
        self.vote_whole_part();
        other.vote_whole_part();
        // Named by a file in any of its parts: by its files, whatever part came first.
        self.id_from_file_name |= other.id_from_file_name;
        // The turns read before from `other`'s file are `from..`, those of other files `..from`.
        let same_file = self.last_file().0 == other.source;
        let from = match self.last_file() {
            (_, at) if same_file => at.min(self.turns.len()),
            _ => self.turns.len(),
        };
        // The hash of `other`'s first turns, when it is a part of the same file that could be
        // a copy: to look it up, and to note it once its turns are appended.
        let mut head = None;
        if !self.too_large && !other.too_large && same_file {
            if self.parts_absorbed == 0 {
                // The call's first part, all of its turns so far.
                self.note_part(0, None);
            }
            head = could_be_copy(&other.turns).then(|| head_hash(&other, &other.turns));
            if head.is_some_and(|head| self.repeats_a_part(head, &other)) {
                // The file holds these rows twice (an export joined to itself, a record
                // delivered twice): passed over, and counted, as a copy from another file is.
                let (source, line, rows) = (other.source, other.line, other.turns.len() as u64);
                let r = self.repeated_by(&other);
                r.parts_passed_over += 1;
                r.add_again(Again { source, line, rows });
                self.votes.merge(std::mem::take(&mut other.votes));
                return;
            }
        }
        if !self.too_large && !other.too_large && other.source != self.source {
            let (repeats, again) = self.repeats(0..from, &other);
            if self.numbered_again.is_none()
                && let Some((mine, theirs)) = again
            {
                let (first, again) = (&self.turns[mine], &other.turns[theirs]);
                self.numbered_again = Some(NumberedAgain {
                    order: first.order.unwrap_or_default(),
                    first: (self.source_of_turn(mine), first.line),
                    again: (other.source, again.line),
                });
            }
            match repeats {
                Repeats::No => {}
                Repeats::Some { rows, all } => {
                    let r = self.repeated_by(&other);
                    if r.kept == 0 {
                        r.kept_from = other.source;
                    }
                    r.kept += rows;
                    if all {
                        r.kept_whole += rows;
                    }
                }
                Repeats::All { other_text } => {
                    // A copy of what was read (a copied export, or Contact Lens's original and
                    // redacted analyses of one contact): passed over, and counted, by file.
                    // What it names otherwise than the rows read before it is said, and its
                    // rows count in the votes (see `settle_attributes`).
                    let (from, rows) = (other.source, other.turns.len() as u64);
                    // A copy that spells a name in another Unicode form does not name another.
                    self.votes.compose_names();
                    other.votes.compose_names();
                    let differs = self.votes.differences(&other.votes);
                    let r = self.repeated_by(&other);
                    r.parts_passed_over += 1;
                    let copies = &mut r.copies;
                    match copies.last_mut() {
                        Some(c) if c.from == from => {
                            c.rows += rows;
                            c.other_text += other_text;
                            for d in differs {
                                if !c.differs.iter().any(|(a, ..)| *a == d.0) {
                                    c.differs.push(d);
                                }
                            }
                        }
                        _ => copies.push(Copied {
                            from,
                            rows,
                            other_text,
                            differs,
                        }),
                    }
                    self.votes.merge(std::mem::take(&mut other.votes));
                    return;
                }
            }
        }
        if other.source != self.source
            && self.ordered_by_files.is_none()
            && !self.turns.is_empty()
            && !other.turns.is_empty()
            && !(self.turns.iter().all(|t| t.order.is_some())
                && other.turns.iter().all(|t| t.order.is_some()))
        {
            self.ordered_by_files = Some((self.source, other.source));
        }
        self.parts_absorbed += 1;
        self.too_large |= other.too_large;
        if !self.too_large && self.bytes() + other.bytes() > max_bytes {
            self.dropped_rows += self.drop_for_size();
            self.over_at = Some((other.source, other.line));
            self.over_together = true;
        }
        if self.over_at.is_none() {
            self.over_at = other.over_at;
        }
        self.rows_too_large += other.rows_too_large;
        if self.too_large {
            self.dropped_rows += other.turns.len() as u64 + other.dropped_rows;
        } else {
            if !same_file {
                self.files.push((self.turns.len() as u32, other.source));
                self.parts.clear();
            }
            let (shift, start) = (self.text.len() as u32, self.turns.len());
            self.text.push_str(&other.text);
            self.turns.extend(other.turns.into_iter().map(|mut t| {
                t.text = t.text.start + shift..t.text.end + shift;
                t
            }));
            self.silences.extend(other.silences);
            self.note_part(start, head);
        }
        self.silences_reported |= other.silences_reported;
        self.votes.merge(std::mem::take(&mut other.votes));
    }

    /// Notes where the part whose turns begin at `start` (up to the last turn) begins, for
    /// `repeats_a_part`: when it could be passed over as a copy (`could_be_copy`). `head` is
    /// the hash of its first turns when the caller has it.
    fn note_part(&mut self, start: usize, head: Option<u64>) {
        let Some(turns) = self.turns.get(start..) else {
            return;
        };
        if could_be_copy(turns) {
            let head = head.unwrap_or_else(|| head_hash(self, turns));
            self.parts.entry(head).or_insert(start as u32);
        }
    }

    /// Whether `other`, a part of the file whose parts are in `parts`, repeats row for row the
    /// turns read from that file from where one of its parts begins: what a file that holds the
    /// same rows twice gives (an export joined to itself, a record delivered twice), each copy
    /// of a part beginning where the part did. Only asked of a part that `could_be_copy`, by
    /// `head`, the hash of its first turns: a call that comes in many parts costs no more than
    /// its turns.
    fn repeats_a_part(&self, head: u64, other: &Call) -> bool {
        let Some(&start) = self.parts.get(&head) else {
            return false;
        };
        let start = start as usize;
        self.turns
            .get(start..start + other.turns.len())
            .is_some_and(|mine| {
                mine.iter()
                    .zip(&other.turns)
                    .all(|(a, b)| exact_key(self, a, true) == exact_key(other, b, true))
            })
    }

    /// The record of parts repeating this call's turns, begun with `other`'s files.
    fn repeated_by(&mut self, other: &Call) -> &mut Repeated {
        let (of, from) = (self.source, other.source);
        self.repeated.get_or_insert_with(|| Repeated {
            of,
            kept_from: from,
            ..Repeated::default()
        })
    }

    /// Whether the turns of `other` (a part from another file) repeat turns of this call. A
    /// turn repeats one when it has the same speaker, the same text and the same start, end and
    /// order. `All` when every one does, and there is no doubt it is a copy: its turns have
    /// times or order keys, or there are at least 3 of them (a part of a few short turns such as
    /// "thanks" may well say again what was said); timed turns also count when only their text
    /// differs (`other_text` of them: a redacted copy).
    ///
    /// Also, where every turn of both has an order key, the first turn of `other` (its index,
    /// and that of the turn of this call) whose order key a turn of this call has, with another
    /// speaker or other words, and that repeats no turn: see `numbered_again`.
    fn repeats(
        &self,
        mine: std::ops::Range<usize>,
        other: &Call,
    ) -> (Repeats, Option<(usize, usize)>) {
        let offset = mine.start;
        let mine = &self.turns[mine];
        if other.turns.is_empty() || mine.is_empty() {
            return (Repeats::No, None);
        }
        // Order keys are compared where both parts have them: the same export as a CSV with a
        // turn column and as a JSONL without one is still a copy.
        let ordered = |turns: &[Turn]| turns.iter().all(|t| t.order.is_some());
        let with_order = ordered(mine) && ordered(&other.turns);
        fn key<'a>(call: &'a Call, t: &Turn, with_text: bool, with_order: bool) -> TurnKey<'a> {
            let mut k = exact_key(call, t, with_text);
            k.3 = k.3.filter(|_| with_order);
            k
        }
        let exact: std::collections::HashSet<TurnKey<'_>> = mine
            .iter()
            .map(|t| key(self, t, true, with_order))
            .collect();
        let timed: std::collections::HashSet<TurnKey<'_>> = mine
            .iter()
            .filter(|t| t.start_ms.is_some() && t.end_ms.is_some())
            .map(|t| key(self, t, false, with_order))
            .collect();
        // The turns of this call by order key, to find a number taken again (the first turn
        // with each key).
        let mut numbered: std::collections::HashMap<u64, usize> = Default::default();
        if with_order {
            for (i, t) in mine.iter().enumerate() {
                if let Some(order) = t.order {
                    numbered.entry(order.to_bits()).or_insert(offset + i);
                }
            }
        }
        let (mut same, mut other_text, mut again) = (0u64, 0u64, None);
        for (j, t) in other.turns.iter().enumerate() {
            if exact.contains(&key(other, t, true, with_order)) {
                same += 1;
            } else if t.start_ms.is_some()
                && t.end_ms.is_some()
                && timed.contains(&key(other, t, false, with_order))
            {
                other_text += 1;
            } else if again.is_none()
                && let Some(&i) = t.order.and_then(|o| numbered.get(&o.to_bits()))
            {
                again = Some((i, j));
            }
        }
        let n = other.turns.len() as u64;
        let keyed = other.turns.iter().all(|t| {
            (with_order && t.order.is_some()) || (t.start_ms.is_some() && t.end_ms.is_some())
        });
        let repeats =
            if same + other_text == n && (keyed || (other_text == 0 && n >= 3)) && same > 0 {
                Repeats::All { other_text }
            } else if same > 0 {
                Repeats::Some {
                    rows: same,
                    all: same == n,
                }
            } else {
                Repeats::No
            };
        (repeats, again)
    }

    /// The input (index) that the call's turn `i` was read from (see `files`).
    fn source_of_turn(&self, i: usize) -> u32 {
        self.files
            .iter()
            .rev()
            .find(|&&(start, _)| start as usize <= i)
            .map_or(self.source, |&(_, source)| source)
    }

    /// Puts turns in spoken order: by order key where the source has one, else reading order
    /// (the sort is stable; a turn without a key keeps its place after the turn read before
    /// it), and rebases timings so the call starts at 0 ms.
    pub fn finish(&mut self) {
        // No export writes a time past 2^53 ms (285 000 years) or a silence that ends before it
        // starts: such values come from broken or hostile input, and arithmetic on them
        // overflows. They are dropped, as if the source had no time there.
        for t in &mut self.turns {
            t.start_ms = t.start_ms.filter(|&ms| ms <= MAX_PLAUSIBLE_MS);
            t.end_ms = t.end_ms.filter(|&ms| ms <= MAX_PLAUSIBLE_MS);
        }
        self.silences
            .retain(|s| s.start_ms <= s.end_ms && s.end_ms <= MAX_PLAUSIBLE_MS);
        if self.turns.iter().all(|t| t.order.is_some()) {
            self.turns.sort_by(|a, b| {
                let ka = a.order.unwrap_or(f64::INFINITY);
                let kb = b.order.unwrap_or(f64::INFINITY);
                ka.total_cmp(&kb)
            });
        } else if self.turns.iter().any(|t| t.order.is_some()) {
            // A turn without an order (an empty cell) stays where it was read: it sorts with
            // the turn read before it (the sort is stable), not after every numbered turn.
            let mut keys = Vec::with_capacity(self.turns.len());
            let mut last = f64::NEG_INFINITY;
            for t in &self.turns {
                last = t.order.unwrap_or(last);
                keys.push(last);
            }
            let mut turns: Vec<(f64, Turn)> = keys.into_iter().zip(self.turns.drain(..)).collect();
            turns.sort_by(|a, b| a.0.total_cmp(&b.0));
            self.turns = turns.into_iter().map(|(_, t)| t).collect();
        }
        let first = self.turns.iter().filter_map(|t| t.start_ms).min();
        if let Some(first) = first.filter(|&f| f > 0 && self.looks_absolute(f)) {
            for t in &mut self.turns {
                t.start_ms = t.start_ms.map(|s| s.saturating_sub(first));
                t.end_ms = t.end_ms.map(|s| s.saturating_sub(first));
            }
            for s in &mut self.silences {
                s.start_ms = s.start_ms.saturating_sub(first);
                s.end_ms = s.end_ms.saturating_sub(first);
            }
        }
    }

    /// Epoch timestamps (after 2001 in ms) are rebased; offsets from call start are left alone.
    fn looks_absolute(&self, first_ms: u64) -> bool {
        first_ms > 1_000_000_000_000
    }

    /// Duration in ms, from the timings, when there are any.
    pub fn duration_ms(&self) -> Option<u64> {
        self.turns
            .iter()
            .filter_map(|t| t.end_ms.or(t.start_ms))
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows that spell the agent composed and decomposed agree: one value, their rows added.
    #[test]
    fn names_composed_agree() {
        let mut c = Call::new("Re\u{301}-1");
        c.agent_id = Some("zoe\u{308}".into());
        c.votes.agent.add("zoe\u{308}".to_string(), 2);
        c.votes.agent.add("zo\u{eb}".to_string(), 1);
        c.compose_names();
        assert_eq!(c.id, "R\u{e9}-1");
        assert_eq!(c.agent_id.as_deref(), Some("zo\u{eb}"));
        assert_eq!(c.settle_attributes(), Vec::<&str>::new());
        assert_eq!(c.votes.agent.counts(), [(&"zo\u{eb}".to_string(), 3)]);
    }

    #[test]
    fn impossible_times_are_dropped_when_a_call_is_finished() {
        let mut call = Call::new("c");
        let t = call.push_turn(Speaker::Agent, "hi", 1);
        t.start_ms = Some(0);
        t.end_ms = Some(u64::MAX);
        call.silences.push(Silence {
            start_ms: 900,
            end_ms: 100,
        });
        call.silences.push(Silence {
            start_ms: 100,
            end_ms: 900,
        });
        call.finish();
        assert_eq!(
            (call.turns[0].start_ms, call.turns[0].end_ms),
            (Some(0), None)
        );
        assert_eq!(
            call.silences,
            [Silence {
                start_ms: 100,
                end_ms: 900
            }]
        );
    }

    #[test]
    fn trim_is_str_trim() {
        // Every string of up to three of these characters: ASCII white space and what is not
        // (0x1c..0x1f are not Unicode white space), non-ASCII white space, letters, accents.
        let pieces = [
            "", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "a", "Z", "0", "-",
            "\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "\u{feff}", "é", "’", "😡",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                    let s = format!("{a}x y{c}{b}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn speaker_labels_map_case_insensitively() {
        assert_eq!(Speaker::from_label(" Agent "), Speaker::Agent);
        assert_eq!(Speaker::from_label("REP"), Speaker::Agent);
        assert_eq!(Speaker::from_label("internal"), Speaker::Agent);
        assert_eq!(Speaker::from_label("End_User"), Speaker::Customer);
        assert_eq!(Speaker::from_label("caller"), Speaker::Customer);
        assert_eq!(Speaker::from_label("IVR"), Speaker::Other);
        assert_eq!(Speaker::from_label(""), Speaker::Other);
    }

    /// Channel values by their words (tester t19: "telephone", "phone call", "voice call",
    /// "inbound call" were not voice, and nothing said so).
    #[test]
    fn channel_values_are_read_by_their_words() {
        for v in [
            "voice",
            "Telephone",
            "phone call",
            "VOICE_CALL",
            "inbound call",
            "PHONE_CALL",
            "calls",
        ] {
            assert_eq!(Channel::from_label(v), Channel::Voice, "{v}");
        }
        for v in [
            "chat",
            "Web Chat",
            "live_chat",
            "SMS",
            "email",
            "text message",
        ] {
            assert_eq!(Channel::from_label(v), Channel::Chat, "{v}");
        }
        for v in ["", "store", "chat or call", "in person"] {
            assert_eq!(Channel::from_label(v), Channel::Unknown, "{v}");
        }
        // A tie between rows goes to the smallest by name, as for the other attributes.
        assert!(Channel::Chat < Channel::Voice);
    }

    #[test]
    fn finish_orders_by_key_and_keeps_reading_order_for_ties() {
        let mut call = Call::new("c");
        call.push_turn(Speaker::Agent, "b", 1).order = Some(2.0);
        call.push_turn(Speaker::Customer, "a", 2).order = Some(1.0);
        call.push_turn(Speaker::Agent, "c", 3).order = Some(2.0);
        call.finish();
        let texts: Vec<_> = call.turns.iter().map(|t| call.turn_text(t)).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    /// An empty order cell used to send its turn after every numbered one ("a, g, b" read as
    /// a, b, g); it keeps its place after the turn read before it, and one read before any
    /// numbered turn stays first.
    #[test]
    fn a_turn_without_an_order_keeps_its_place() {
        let mut call = Call::new("c");
        call.push_turn(Speaker::Agent, "first", 1);
        call.push_turn(Speaker::Customer, "a", 2).order = Some(1.0);
        call.push_turn(Speaker::Agent, "g", 3);
        call.push_turn(Speaker::Agent, "c", 4).order = Some(3.0);
        call.push_turn(Speaker::Agent, "b", 5).order = Some(2.0);
        call.finish();
        let texts: Vec<_> = call.turns.iter().map(|t| call.turn_text(t)).collect();
        assert_eq!(texts, ["first", "a", "g", "b", "c"]);
    }

    #[test]
    fn absorb_keeps_text_ranges_valid() {
        let mut a = Call::new("c");
        a.push_turn(Speaker::Agent, "hello", 1);
        let mut b = Call::new("c");
        b.agent_id = Some("ann".into());
        b.push_turn(Speaker::Customer, "world", 7);
        a.absorb(b, u64::MAX);
        assert_eq!(a.turn_text(&a.turns[1]), "world");
        assert_eq!(a.settle_attributes(), Vec::<&str>::new());
        assert_eq!(a.agent(), "ann");
    }

    #[test]
    fn merged_parts_take_the_value_most_rows_hold_whatever_their_order() {
        let part = |agent: &str, turns: usize| {
            let mut c = Call::new("c");
            c.agent_id = Some(agent.into());
            c.date = NaiveDate::from_ymd_opt(2024, 3, turns as u32);
            for _ in 0..turns {
                c.push_turn(Speaker::Agent, "hi", 1);
            }
            c
        };
        let merged = |parts: &[(&str, usize)]| {
            let mut it = parts.iter().map(|&(a, n)| part(a, n));
            let mut call = it.next().unwrap();
            for p in it {
                call.absorb(p, u64::MAX);
            }
            let disagree = call.settle_attributes();
            (call.agent().to_string(), call.date, disagree)
        };
        let march = |d| NaiveDate::from_ymd_opt(2024, 3, d);
        for order in [
            [("bob", 2), ("ann", 3), ("bob", 2)],
            [("ann", 3), ("bob", 2), ("bob", 2)],
        ] {
            // bob holds 4 rows, ann 3; March 2 (4 rows) beats March 3 (3 rows).
            assert_eq!(
                merged(&order),
                ("bob".into(), march(2), vec!["agent", "date"])
            );
        }
        // A tie goes to the smallest value, in either order.
        assert_eq!(merged(&[("bob", 2), ("ann", 2)]).0, "ann");
        assert_eq!(merged(&[("ann", 2), ("bob", 2)]).0, "ann");
    }

    /// A copy from another file is passed over, but its rows vote: which of two exports naming
    /// different agents comes first does not decide the agent.
    #[test]
    fn a_copy_passed_over_still_votes_and_says_what_it_names_otherwise() {
        let export = |agent: &str, source: u32| {
            let mut c = Call::new("c");
            c.source = source;
            for (i, text) in ["hello", "my card", "sorry"].iter().enumerate() {
                let speaker = if i % 2 == 0 {
                    Speaker::Agent
                } else {
                    Speaker::Customer
                };
                c.push_turn(speaker, text, i as u64 + 2);
                c.votes.agent.add_by(agent, 1);
            }
            c
        };
        for (first, second) in [("bob", "ann"), ("ann", "bob")] {
            let mut call = export(first, 0);
            call.absorb(export(second, 1), u64::MAX);
            assert_eq!(call.turns.len(), 3, "the copy's turns are not read twice");
            let r = call.repeated.clone().unwrap();
            assert_eq!(r.copies.len(), 1);
            assert_eq!((r.copies[0].from, r.copies[0].rows), (1, 3));
            assert_eq!(
                r.copies[0].differs,
                [("agent", first.to_string(), second.to_string())]
            );
            assert_eq!(call.settle_attributes(), ["agent"]);
            assert_eq!(call.agent(), "ann", "a tie goes to the smallest");
        }
    }

    /// Rows repeating a keyed turn of their own file are dropped, by file; a turn repeated from
    /// another file in a part with new turns stays (merged whole, as said), and so do unkeyed
    /// turns said again.
    #[test]
    fn rows_repeated_within_a_file_are_dropped_and_counted_by_file() {
        let part = |source: u32, turns: &[(Option<f64>, &str)]| {
            let mut c = Call::new("c");
            c.source = source;
            for (i, (order, text)) in turns.iter().enumerate() {
                c.push_turn(Speaker::Agent, text, i as u64 + 2).order = *order;
            }
            c
        };
        let mut call = part(
            0,
            &[(Some(1.0), "one"), (Some(2.0), "two"), (Some(1.0), "one")],
        );
        call.absorb(
            part(
                1,
                &[
                    (Some(2.0), "two"),
                    (Some(3.0), "three"),
                    (Some(3.0), "three"),
                    (Some(3.0), "three"),
                ],
            ),
            u64::MAX,
        );
        assert_eq!(call.files, [(3, 1)]);
        assert_eq!(call.drop_repeated_rows(), 3);
        let texts: Vec<&str> = call.turns.iter().map(|t| call.turn_text(t)).collect();
        assert_eq!(texts, ["one", "two", "two", "three"]);
        assert_eq!(call.files, [(2, 1)]);
        let r = call.repeated.clone().unwrap();
        assert_eq!(
            r.again,
            [
                Again {
                    source: 0,
                    line: 4,
                    rows: 1
                },
                Again {
                    source: 1,
                    line: 4,
                    rows: 2
                }
            ]
        );
        assert_eq!(r.kept, 1, "the turn file 1 repeats from file 0 is kept");
        // Unkeyed: "ok" twice stays; a later part of fewer than 3 unkeyed turns too.
        let mut ok = part(0, &[(None, "hi"), (None, "ok"), (None, "ok")]);
        assert_eq!(ok.drop_repeated_rows(), 0);
        ok.absorb(part(0, &[(None, "ok"), (None, "ok")]), u64::MAX);
        assert_eq!(ok.turns.len(), 5);
        // A later part of the same file whose every turn repeats (3 or more): passed over.
        ok.absorb(
            part(0, &[(None, "hi"), (None, "ok"), (None, "ok")]),
            u64::MAX,
        );
        assert_eq!(ok.turns.len(), 5);
        let r = ok.repeated.unwrap();
        assert_eq!((r.parts_passed_over, r.again[0].rows), (1, 3));
    }

    #[test]
    fn parts_that_together_exceed_the_limit_are_dropped_and_their_rows_kept_count_of() {
        let mut a = Call::new("c");
        a.push_turn(Speaker::Agent, &"x".repeat(600), 1);
        let mut b = Call::new("c");
        b.push_turn(Speaker::Agent, &"y".repeat(600), 2);
        b.push_turn(Speaker::Customer, "ok", 3);
        (b.source, b.line) = (4, 2);
        a.absorb(b, 1000);
        assert!(a.too_large);
        assert!(a.turns.is_empty() && a.text.is_empty());
        assert_eq!(a.dropped_rows, 3);
        // Where it went over: the part that took it over.
        assert_eq!((a.over_at, a.over_together), (Some((4, 2)), true));
        // A part that went over alone, at its reader, brings its rows skipped and where.
        let mut c = Call::new("c");
        (c.too_large, c.rows_too_large, c.over_at) = (true, 5, Some((6, 9)));
        a.absorb(c, 1000);
        assert_eq!(a.rows_too_large, 5);
        assert_eq!(a.over_at, Some((4, 2)), "the first place it went over");
        let mut d = Call::new("d");
        d.push_turn(Speaker::Agent, "hi", 1);
        let mut e = Call::new("d");
        (e.too_large, e.rows_too_large, e.over_at) = (true, 2, Some((1, 7)));
        d.absorb(e, 1000);
        assert_eq!(
            (d.too_large, d.over_at, d.over_together, d.rows_too_large),
            (true, Some((1, 7)), false, 2)
        );
    }

    #[test]
    fn epoch_timings_are_rebased_to_call_start() {
        let mut call = Call::new("c");
        let t = call.push_turn(Speaker::Agent, "hi", 1);
        t.start_ms = Some(1_700_000_000_000);
        t.end_ms = Some(1_700_000_001_500);
        call.finish();
        assert_eq!(call.turns[0].start_ms, Some(0));
        assert_eq!(call.turns[0].end_ms, Some(1500));
    }
}
