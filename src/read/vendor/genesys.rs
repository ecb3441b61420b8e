//! Genesys Cloud speech and text analytics transcript, one conversation per document:
//! `{"conversationId", "conversationStartTime", "participants": [{"participantPurpose":
//! "agent", "userId"}], "transcripts": [{"phrases": [{"text", "participantPurpose":
//! "internal"|"external", "startTimeMs", "duration": {"milliseconds"}}]}]}`.
//!
//! Phrases of `internal` participants are the agent's, `external` the customer's, anything
//! else (`acd`, `ivr`, …) is `other`. Times are epoch milliseconds, made relative to
//! `conversationStartTime`. The agent id is the `userId` of the participant whose purpose is
//! `agent`. A conversation with several transcripts (one per communication) is one call with
//! its phrases in time order.

use super::lenient::{Loose, Obj, Strict, Text, text};
use super::{array, call_id, field, item, top_object};
use crate::model::{Call, Speaker};
use crate::read::{
    At, CallSink, ReadContext, ReadError, ReadErrorKind, date_in_file_name, epoch_ms_date, ms,
};
use serde::Deserialize;
use serde_json::Value;

pub struct GenesysReader;

const FORMAT: &str = "a Genesys Cloud transcript";
const EXPECTED: &str = "`transcripts[].phrases[]` with `text`, `participantPurpose` and \
`startTimeMs`";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Participant<'a> {
    #[serde(default, borrow, alias = "purpose")]
    participant_purpose: Option<Text<'a>>,
    #[serde(default, borrow)]
    user_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Phrase<'a> {
    #[serde(default, borrow)]
    text: Option<Text<'a>>,
    #[serde(default, borrow)]
    participant_purpose: Option<Text<'a>>,
    #[serde(default)]
    start_time_ms: Option<f64>,
    #[serde(default)]
    duration: Option<Millis>,
    /// Offset from the start of the communication, when there is no `startTimeMs`.
    #[serde(default)]
    offset: Option<Millis>,
}

#[derive(Deserialize)]
struct Millis {
    #[serde(default)]
    milliseconds: Option<f64>,
}

/// One item of `transcripts` on the typed path: `phrases` is `Some` when the key is there
/// (`Some(None)` for `null`).
#[derive(Deserialize)]
pub(super) struct Transcript<'a> {
    #[serde(default, borrow, deserialize_with = "super::typed::present")]
    pub(super) phrases: Option<Option<Vec<Strict<Phrase<'a>>>>>,
}

/// The top-level fields of a Genesys document on the typed path (`vendor::typed` reads them
/// with the other vendors' keys in one pass over the document).
pub(super) struct Typed<'a> {
    /// `None` when `transcripts` is `null`.
    pub transcripts: Option<Vec<Obj<Transcript<'a>>>>,
    pub participants: Option<Vec<Strict<Participant<'a>>>>,
    pub conversation_id: Option<Loose<'a>>,
    pub conversation_start_time: Option<Loose<'a>>,
    pub start_time: Option<Loose<'a>>,
}

json_document_reader!(GenesysReader);

/// What a start field holds, as far as `warn_start_time` needs it.
enum Start<'v> {
    /// Absent or `null`.
    None,
    Number,
    Text(&'v str),
    Other,
}

impl<'v> Start<'v> {
    fn of_loose(v: Option<&'v Loose<'_>>) -> Start<'v> {
        match v {
            None | Some(Loose::Null) => Start::None,
            Some(Loose::Num(_)) => Start::Number,
            Some(Loose::Str(s)) => Start::Text(s),
            Some(Loose::Other) => Start::Other,
        }
    }

    fn of_value(v: Option<&'v Value>) -> Start<'v> {
        match v {
            None | Some(Value::Null) => Start::None,
            Some(Value::Number(_)) => Start::Number,
            Some(Value::String(s)) => Start::Text(s),
            Some(_) => Start::Other,
        }
    }

    fn wrong(&self) -> bool {
        matches!(self, Start::Text(_) | Start::Other)
    }
}

/// A start that is there but not a number is said (and counted) rather than silently ignored,
/// as Transcribe's characteristics of the wrong type are, with its value: `conversationStartTime`
/// (even when `startTime` stands in for it), or `startTime` when it is the only one.
fn warn_start_time(ctx: &mut ReadContext<'_>, conversation: &Start<'_>, start: &Start<'_>) {
    let (key, wrong, instead) = if conversation.wrong() {
        let instead = if matches!(start, Start::Number) {
            "startTime is used instead"
        } else {
            "the date and times are taken from the phrases instead"
        };
        ("conversationStartTime", conversation, instead)
    } else if matches!(conversation, Start::None) && start.wrong() {
        (
            "startTime",
            start,
            "the date and times are taken from the phrases instead",
        )
    } else {
        return;
    };
    let value = match wrong {
        Start::Text(s) => format!(" `{}`", super::shown(s)),
        _ => String::new(),
    };
    ctx.acct.warn(format!(
        "{}: {key}{value}: expected epoch milliseconds (a number); {instead}",
        ctx.name
    ));
}

/// The agent id: the `userId` of the first participant whose purpose is `agent` and has one.
fn agent_of(participants: &[Strict<Participant<'_>>]) -> Option<String> {
    participants
        .iter()
        .filter(|p| text(&p.participant_purpose).is_some_and(|x| x.eq_ignore_ascii_case("agent")))
        .find_map(|p| {
            text(&p.user_id)
                .and_then(crate::read::known_id)
                .map(str::to_string)
        })
}

/// One phrase as a turn of `call`; `index` counts the phrases of every transcript.
fn phrase_turn(
    ctx: &mut ReadContext<'_>,
    call: &mut Call,
    phrase: &Phrase<'_>,
    index: u64,
    position: &dyn Fn() -> String,
    conversation_start: Option<u64>,
) -> Result<(), ReadError> {
    let speaker = Speaker::from_label(text(&phrase.participant_purpose).unwrap_or(""));
    let words = text(&phrase.text).unwrap_or("");
    if let Some(t) = ctx.utterance(call, speaker, words, index, position)? {
        let duration = phrase
            .duration
            .as_ref()
            .and_then(|d| d.milliseconds)
            .and_then(ms);
        let start = match phrase.start_time_ms.and_then(ms) {
            Some(epoch) => Some(match conversation_start {
                Some(base) if base <= epoch => epoch - base,
                // No usable start: `Call::finish` rebases on the first phrase.
                _ => epoch,
            }),
            None => phrase
                .offset
                .as_ref()
                .and_then(|o| o.milliseconds)
                .and_then(ms),
        };
        t.start_ms = start;
        t.end_ms = start.zip(duration).map(|(s, d)| s + d);
        // Several transcripts interleave: order every phrase by its time.
        t.order = start.map(|s| s as f64);
    }
    Ok(())
}

/// An undated call takes the date of its first phrase, or of its file name; then delivered.
fn finish(
    mut call: Call,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    if call.date.is_none() {
        call.date = call
            .turns
            .iter()
            .filter_map(|t| t.start_ms)
            .min()
            .and_then(epoch_ms_date)
            .or_else(|| date_in_file_name(ctx.name));
    }
    ctx.deliver(call, sink)
}

fn position(ti: usize, pi: usize) -> impl Fn() -> String {
    move || format!("transcripts[{}].phrases[{}]", ti + 1, pi + 1)
}

/// `read_document` on a document deserialised into typed structs (see `vendor::typed`), or
/// `None` (nothing read, nothing counted) when it is one the general reader must report on.
pub(super) fn read_typed(
    doc: Typed<'_>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Option<Result<(), ReadError>> {
    // A call id of another type: the general reader says so.
    if matches!(doc.conversation_id, Some(Loose::Other)) {
        return None;
    }
    let transcripts = doc.transcripts?;
    let with_phrases = |t: &Obj<Transcript<'_>>| {
        matches!(
            &t.0,
            Some(Transcript {
                phrases: Some(Some(_))
            })
        )
    };
    if !transcripts.is_empty() && !transcripts.iter().any(with_phrases) {
        // No transcript has `phrases`: the general reader says so.
        return None;
    }
    let conversation_start = [&doc.conversation_start_time, &doc.start_time]
        .into_iter()
        .find_map(|v| v.as_ref().and_then(Loose::as_f64))
        .and_then(ms);
    warn_start_time(
        ctx,
        &Start::of_loose(doc.conversation_start_time.as_ref()),
        &Start::of_loose(doc.start_time.as_ref()),
    );
    let id = super::lenient::id_text(doc.conversation_id.as_ref());
    let participants = doc.participants.unwrap_or_default();
    Some(read_phrases(
        id,
        &participants,
        &transcripts,
        conversation_start,
        ctx,
        sink,
    ))
}

/// `id`: the conversation's, or `None` for a file that gives none (named by the file).
fn read_phrases(
    id: Option<String>,
    participants: &[Strict<Participant<'_>>],
    transcripts: &[Obj<Transcript<'_>>],
    conversation_start: Option<u64>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let mut call = ctx.new_call_or_named_by_file(id);
    call.agent_id = agent_of(participants);
    call.date = conversation_start.and_then(epoch_ms_date);
    let mut index = 0u64;
    for (ti, transcript) in transcripts.iter().enumerate() {
        let Some(Transcript {
            phrases: Some(Some(phrases)),
        }) = &transcript.0
        else {
            continue;
        };
        for (pi, phrase) in phrases.iter().enumerate() {
            index += 1;
            phrase_turn(
                ctx,
                &mut call,
                phrase,
                index,
                &position(ti, pi),
                conversation_start,
            )?;
        }
    }
    finish(call, ctx, sink)
}

/// Reads a parsed Genesys Cloud transcript document.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    let transcripts = array(top, "transcripts", ctx, FORMAT, EXPECTED)?;
    let participants: Vec<Strict<Participant<'_>>> =
        field(top, "participants", ctx, FORMAT)?.unwrap_or_default();
    let id = call_id(top.get("conversationId"), "conversationId", ctx)?;
    let mut call = ctx.new_call_or_named_by_file(id);
    call.agent_id = agent_of(&participants);
    let conversation_start = ["conversationStartTime", "startTime"]
        .iter()
        .find_map(|k| top.get(*k).and_then(Value::as_f64))
        .and_then(ms);
    warn_start_time(
        ctx,
        &Start::of_value(top.get("conversationStartTime")),
        &Start::of_value(top.get("startTime")),
    );
    call.date = conversation_start.and_then(epoch_ms_date);

    let mut index = 0u64;
    let mut several = 0;
    for (ti, transcript) in transcripts.iter().enumerate() {
        let Some(phrases) = transcript.get("phrases").and_then(Value::as_array) else {
            continue;
        };
        several += 1;
        for (pi, raw) in phrases.iter().enumerate() {
            index += 1;
            let position = position(ti, pi);
            let Some(phrase) = item::<Phrase<'_>>(raw, ctx, &position, "a phrase", EXPECTED)?
            else {
                continue;
            };
            phrase_turn(
                ctx,
                &mut call,
                &phrase,
                index,
                &position,
                conversation_start,
            )?;
        }
    }
    if several == 0 && !transcripts.is_empty() {
        return Err(ctx.error(
            At::File,
            ReadErrorKind::Shape,
            format!("not {FORMAT}: no transcript has `phrases`; expected {EXPECTED}"),
        ));
    }
    finish(call, ctx, sink)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::read_finished_for_test;

    fn read(data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        read_finished_for_test(&GenesysReader, "g.json", data.as_bytes())
    }

    #[test]
    fn a_start_time_that_is_not_a_number_is_said() {
        let (calls, acct) = read(
            r#"{"conversationId": "c", "conversationStartTime": "yesterday",
                "transcripts": [{"phrases": [{"text": "hi", "participantPurpose": "internal", "startTimeMs": 1717000002000}]}]}"#,
        );
        assert_eq!(calls.unwrap().len(), 1);
        assert_eq!(
            acct.warnings,
            [
                "g.json: conversationStartTime `yesterday`: expected epoch milliseconds (a number); the date and times are taken from the phrases instead"
            ]
        );
        // `startTime` standing in for it does not hide it (it was used in silence); a start
        // that is not a number and unused is not said.
        for (doc, says) in [
            (
                r#""conversationStartTime": "2024-03-11T10:00:00Z", "startTime": 1717000001000"#,
                Some(
                    "g.json: conversationStartTime `2024-03-11T10:00:00Z`: expected epoch milliseconds (a number); startTime is used instead",
                ),
            ),
            (
                r#""conversationStartTime": [1], "startTime": "x""#,
                Some(
                    "g.json: conversationStartTime: expected epoch milliseconds (a number); the date and times are taken from the phrases instead",
                ),
            ),
            (
                r#""conversationStartTime": null, "startTime": "x""#,
                Some(
                    "g.json: startTime `x`: expected epoch milliseconds (a number); the date and times are taken from the phrases instead",
                ),
            ),
            (
                r#""conversationStartTime": 1717000000000, "startTime": "x""#,
                None,
            ),
        ] {
            let (calls, acct) = read(&format!(
                r#"{{"conversationId": "c", {doc}, "transcripts": [{{"phrases": [{{"text": "hi", "participantPurpose": "internal", "startTimeMs": 1717000002000}}]}}]}}"#
            ));
            assert_eq!(calls.unwrap().len(), 1);
            assert_eq!(acct.warnings, says.into_iter().collect::<Vec<_>>(), "{doc}");
        }
    }

    #[test]
    fn purposes_agent_id_times_and_several_transcripts() {
        let (calls, acct) = read(
            r#"{"conversationId": "conv-1", "conversationStartTime": 1717000000000,
                "participants": [{"participantPurpose": "customer"}, {"participantPurpose": "agent", "userId": "user-7"}],
                "transcripts": [
                  {"phrases": [
                    {"text": "Hi, thanks for calling.", "participantPurpose": "internal", "startTimeMs": 1717000002000, "duration": {"milliseconds": 1500}},
                    {"text": "It's still broken.", "participantPurpose": "external", "startTimeMs": 1717000009000}
                  ]},
                  {"phrases": [
                    {"text": "Your call is important.", "participantPurpose": "ivr", "startTimeMs": 1717000000500}
                  ]}
                ]}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "conv-1");
        assert_eq!(c.agent(), "user-7");
        assert_eq!(c.date, chrono::NaiveDate::from_ymd_opt(2024, 5, 29));
        let got: Vec<_> = c
            .turns
            .iter()
            .map(|t| (t.speaker, t.start_ms, t.line))
            .collect();
        assert_eq!(
            got,
            [
                (Speaker::Other, Some(500), 3),
                (Speaker::Agent, Some(2000), 1),
                (Speaker::Customer, Some(9000), 2)
            ]
        );
        assert_eq!(c.turns[1].end_ms, Some(3500));
        assert_eq!(acct.rows_read, 3);
    }

    #[test]
    fn transcripts_without_phrases_are_the_wrong_shape() {
        let (r, _) = read(r#"{"conversationId": "c", "transcripts": [{"text": "x"}]}"#);
        let e = r.unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::Shape);
        let m = e.to_string();
        assert!(m.contains("no transcript has `phrases`"), "{m}");
    }
}
