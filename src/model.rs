//! The things an audit is about: a `Call` made of `Turn`s, each spoken by a `Speaker`.
//!
//! A call owns one text buffer and its turns point into it by range, so reading a call costs two
//! allocations however many turns it has (the hot path reads millions of turns).

use chrono::NaiveDate;
use std::ops::Range;

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
        let label = label.trim();
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
        ];
        const CUSTOMER: &[&str] = &[
            "customer", "caller", "client", "user", "visitor", "external", "end_user", "enduser",
            "end user", "human", "consumer",
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
}

/// How the conversation happened. Chats have no interruptions or dead air: a gap between
/// messages is the customer typing, so the timing items do not apply to them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Channel {
    #[default]
    Unknown,
    Voice,
    Chat,
}

impl Channel {
    /// From an export's channel or medium value (case-insensitive); unknown values are Unknown.
    pub fn from_label(label: &str) -> Channel {
        let l = label.trim().to_ascii_lowercase();
        match l.as_str() {
            "chat" | "message" | "messaging" | "sms" | "text" | "email" | "social" | "twitter" => {
                Channel::Chat
            }
            "voice" | "phone" | "call" | "telephony" | "audio" => Channel::Voice,
            _ => Channel::Unknown,
        }
    }
}

/// Times beyond this are not times (see `Call::finish`).
pub const MAX_PLAUSIBLE_MS: u64 = 1 << 53;

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
    pub fn absorb(&mut self, other: Call) {
        let shift = self.text.len() as u32;
        self.text.push_str(&other.text);
        self.turns.extend(other.turns.into_iter().map(|mut t| {
            t.text = t.text.start + shift..t.text.end + shift;
            t
        }));
        self.silences.extend(other.silences);
        self.silences_reported |= other.silences_reported;
        if self.channel == Channel::Unknown {
            self.channel = other.channel;
        }
        if self.agent_id.is_none() {
            self.agent_id = other.agent_id;
        }
        if self.date.is_none() {
            self.date = other.date;
        }
        if self.team.is_none() {
            self.team = other.team;
        }
        if self.queue.is_none() {
            self.queue = other.queue;
        }
    }

    /// Puts turns in spoken order: by order key where the source has one, else reading order
    /// (the sort is stable), and rebases timings so the call starts at 0 ms.
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
        if self.turns.iter().any(|t| t.order.is_some()) {
            self.turns.sort_by(|a, b| {
                let ka = a.order.unwrap_or(f64::INFINITY);
                let kb = b.order.unwrap_or(f64::INFINITY);
                ka.total_cmp(&kb)
            });
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
    fn speaker_labels_map_case_insensitively() {
        assert_eq!(Speaker::from_label(" Agent "), Speaker::Agent);
        assert_eq!(Speaker::from_label("REP"), Speaker::Agent);
        assert_eq!(Speaker::from_label("internal"), Speaker::Agent);
        assert_eq!(Speaker::from_label("End_User"), Speaker::Customer);
        assert_eq!(Speaker::from_label("caller"), Speaker::Customer);
        assert_eq!(Speaker::from_label("IVR"), Speaker::Other);
        assert_eq!(Speaker::from_label(""), Speaker::Other);
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

    #[test]
    fn absorb_keeps_text_ranges_valid() {
        let mut a = Call::new("c");
        a.push_turn(Speaker::Agent, "hello", 1);
        let mut b = Call::new("c");
        b.agent_id = Some("ann".into());
        b.push_turn(Speaker::Customer, "world", 7);
        a.absorb(b);
        assert_eq!(a.turn_text(&a.turns[1]), "world");
        assert_eq!(a.agent(), "ann");
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
