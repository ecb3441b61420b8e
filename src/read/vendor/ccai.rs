//! Google Contact Center AI Insights, in its two shapes (camelCase or snake_case keys).
//!
//! The import format, what you upload to Insights: `{"entries": [{"role": "AGENT" |
//! "HUMAN_AGENT" | "CUSTOMER" | "END_USER", "text", "start_timestamp_usec", "user_id"}]}`.
//! It names no call or agent: the call id is the file name, the agent comes from
//! `--agent-from-filename` or `--metadata`. Timestamps are microseconds, either from the call
//! start or since the epoch (which then also gives the date).
//!
//! The API conversation resource, what `conversations.get` returns: `{"name":
//! "projects/…/conversations/<id>", "agentId", "startTime", "qualityMetadata": {"agentInfo":
//! [{"agentId", "team"}]}, "transcript": {"transcriptSegments": [{"text", "segmentParticipant":
//! {"role"}, "channelTag", "messageTime"?, "words": [{"startOffset": "1.5s", "endOffset"}]}]},
//! "callMetadata": {"agentChannel", "customerChannel"}}`. The call id is the last part of
//! `name`. A segment without a role takes it from its `channelTag` and `callMetadata`.
//! `AUTOMATED_AGENT` (a virtual agent) is `other`, not the agent being audited.
//!
//! A document holds one conversation under one key: with more than one of `entries`,
//! `transcript.transcriptSegments` and `transcript.transcript_segments` it is refused, naming
//! them, since which one holds the conversation cannot be told (reading one would drop the
//! other's utterances in silence).

use super::lenient::{First, Loose, Obj, Strict, Text, id_text, text};
use super::typed::present;
use super::{array, item, shown, top_object};
use crate::model::{Call, Channel, Speaker};
use crate::read::dates::{parse_date, rfc3339_ms};
use crate::read::{
    At, CallSink, ReadContext, ReadError, ReadErrorKind, date_in_file_name, epoch_ms_date, ms,
    secs_to_ms,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub struct CcaiReader;

const FORMAT: &str = "a Google CCAI Insights conversation";
const EXPECTED: &str = "`entries[]` with `role`, `text` and `start_timestamp_usec` (import \
format), or `transcript.transcriptSegments[]` with `text` and `segmentParticipant.role` \
(API conversation)";

#[derive(Deserialize)]
pub(super) struct Entry<'a> {
    #[serde(default, borrow)]
    role: Option<Text<'a>>,
    #[serde(default, borrow)]
    text: Option<Text<'a>>,
    #[serde(default, alias = "startTimestampUsec")]
    start_timestamp_usec: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Segment<'a> {
    #[serde(default, borrow)]
    text: Option<Text<'a>>,
    #[serde(default, borrow, alias = "segment_participant")]
    segment_participant: Option<SegmentParticipant<'a>>,
    #[serde(default, alias = "channel_tag")]
    channel_tag: Option<i64>,
    #[serde(default, borrow, alias = "message_time")]
    message_time: Option<Text<'a>>,
    #[serde(default)]
    words: Vec<Word>,
}

#[derive(Deserialize)]
struct SegmentParticipant<'a> {
    #[serde(default, borrow)]
    role: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Word {
    #[serde(default, alias = "start_offset", deserialize_with = "duration_secs")]
    start_offset: Option<f64>,
    #[serde(default, alias = "end_offset", deserialize_with = "duration_secs")]
    end_offset: Option<f64>,
}

/// A protobuf Duration: `"1.500s"` in JSON, or `{"seconds": 1, "nanos": 500000000}`.
fn duration_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Duration {
        Text(String),
        Parts {
            #[serde(default)]
            seconds: Option<Value>,
            #[serde(default)]
            nanos: Option<f64>,
        },
        Number(f64),
    }
    Ok(match Option::<Duration>::deserialize(d)? {
        Some(Duration::Text(s)) => s.trim().trim_end_matches('s').parse().ok(),
        Some(Duration::Parts { seconds, nanos }) => {
            let secs = match seconds {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => Some(0.0),
            };
            secs.map(|s| s + nanos.unwrap_or(0.0) / 1e9)
        }
        Some(Duration::Number(v)) => Some(v),
        None => None,
    })
}

/// The API conversation's `transcript` object: each key is `Some` when it is there
/// (`Some(None)` for `null`).
#[derive(Deserialize)]
pub(super) struct ApiTranscript<'a> {
    #[serde(
        default,
        borrow,
        rename = "transcriptSegments",
        deserialize_with = "present"
    )]
    pub(super) camel: Option<Option<Vec<Strict<Segment<'a>>>>>,
    #[serde(
        default,
        borrow,
        rename = "transcript_segments",
        deserialize_with = "present"
    )]
    pub(super) snake: Option<Option<Vec<Strict<Segment<'a>>>>>,
}

impl ApiTranscript<'_> {
    /// Whether it has either key (what makes a document an API conversation).
    pub(super) fn has_segments(&self) -> bool {
        self.camel.is_some() || self.snake.is_some()
    }
}

/// The API conversation's top-level fields other than the transcript, as `Value::get` finds
/// them: a key that is there (even `null`) hides its snake_case spelling.
#[derive(Deserialize, Default)]
pub(super) struct ApiHeader<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    pub name: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "agentId", deserialize_with = "present")]
    pub agent_id: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "agent_id", deserialize_with = "present")]
    pub agent_id_snake: Option<Loose<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub medium: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "startTime", deserialize_with = "present")]
    pub start_time: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "start_time", deserialize_with = "present")]
    pub start_time_snake: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "callMetadata", deserialize_with = "present")]
    pub call_metadata: Option<Obj<CallMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "call_metadata",
        deserialize_with = "present"
    )]
    pub call_metadata_snake: Option<Obj<CallMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "qualityMetadata",
        deserialize_with = "present"
    )]
    pub quality_metadata: Option<Obj<QualityMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "quality_metadata",
        deserialize_with = "present"
    )]
    pub quality_metadata_snake: Option<Obj<QualityMetadata<'a>>>,
}

#[derive(Deserialize)]
pub(super) struct CallMetadata<'a> {
    #[serde(default, borrow, rename = "agentChannel", deserialize_with = "present")]
    agent_channel: Option<Loose<'a>>,
    #[serde(
        default,
        borrow,
        rename = "agent_channel",
        deserialize_with = "present"
    )]
    agent_channel_snake: Option<Loose<'a>>,
    #[serde(
        default,
        borrow,
        rename = "customerChannel",
        deserialize_with = "present"
    )]
    customer_channel: Option<Loose<'a>>,
    #[serde(
        default,
        borrow,
        rename = "customer_channel",
        deserialize_with = "present"
    )]
    customer_channel_snake: Option<Loose<'a>>,
}

#[derive(Deserialize)]
pub(super) struct QualityMetadata<'a> {
    #[serde(default, borrow, rename = "agentInfo", deserialize_with = "present")]
    agent_info: Option<First<Obj<AgentInfo<'a>>>>,
    #[serde(default, borrow, rename = "agent_info", deserialize_with = "present")]
    agent_info_snake: Option<First<Obj<AgentInfo<'a>>>>,
}

impl QualityMetadata<'_> {
    /// Whether the agent id or team of its `agentInfo[0]` is a number held as an `f64`, whose
    /// digits the general reader takes from the document (see `read::json_id`).
    pub(super) fn inexact_id(&self) -> bool {
        [&self.agent_info, &self.agent_info_snake]
            .into_iter()
            .flatten()
            .filter_map(|first| first.0.as_ref())
            .filter_map(|item| item.0.as_ref())
            .any(|a| {
                [&a.agent_id, &a.agent_id_snake, &a.team]
                    .into_iter()
                    .flatten()
                    .any(Loose::inexact)
            })
    }
}

#[derive(Deserialize)]
struct AgentInfo<'a> {
    #[serde(default, borrow, rename = "agentId", deserialize_with = "present")]
    agent_id: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "agent_id", deserialize_with = "present")]
    agent_id_snake: Option<Loose<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    team: Option<Loose<'a>>,
}

/// The first of two spellings that is there (`top.get(camel).or_else(|| top.get(snake))`).
fn either<'t, T>(camel: &'t Option<T>, snake: &'t Option<T>) -> Option<&'t T> {
    camel.as_ref().or(snake.as_ref())
}

/// The typed path's document (see `vendor::typed`): `entries` is `Some` when the key is there.
pub(super) struct Typed<'a> {
    pub entries: Option<Option<Vec<Strict<Entry<'a>>>>>,
    pub transcript: Option<Obj<ApiTranscript<'a>>>,
    pub header: ApiHeader<'a>,
}

json_document_reader!(CcaiReader);

/// The keys a document holds its utterances under (the import format's `entries`, and each
/// spelling of the API conversation's segments) that it has: more than one is an error naming
/// them, as which one holds the conversation cannot be told.
fn one_transcript(
    ctx: &ReadContext<'_>,
    entries: bool,
    camel: bool,
    snake: bool,
) -> Result<(), ReadError> {
    let keys: Vec<&str> = [
        (entries, "`entries` (the import format)"),
        (camel, "`transcript.transcriptSegments`"),
        (snake, "`transcript.transcript_segments`"),
    ]
    .into_iter()
    .filter_map(|(there, key)| there.then_some(key))
    .collect();
    let [first @ .., last] = keys.as_slice() else {
        return Ok(());
    };
    if first.is_empty() {
        return Ok(());
    }
    Err(ctx.error(
        At::File,
        ReadErrorKind::Shape,
        format!(
            "the conversation is under both {} and {last}: a document holds one conversation under one key, so which one to read cannot be told (they are not merged); keep one",
            first.join(", ")
        ),
    ))
}

/// Reads a parsed CCAI Insights document of either shape.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    let transcript = top.get("transcript").and_then(Value::as_object);
    let has = |key: &str| transcript.is_some_and(|t| t.contains_key(key));
    one_transcript(
        ctx,
        top.contains_key("entries"),
        has("transcriptSegments"),
        has("transcript_segments"),
    )?;
    if top.contains_key("entries") {
        return read_import(top, ctx, sink);
    }
    read_api(&doc, top, ctx, sink)
}

/// `read_document` on a document deserialised into typed structs, or `None` (nothing read,
/// nothing counted) when it is one the general reader must report on.
pub(super) fn read_typed(
    doc: Typed<'_>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Option<Result<(), ReadError>> {
    // More than one transcript: the general reader refuses it.
    let transcript = doc.transcript.as_ref().and_then(|t| t.0.as_ref());
    let keys = [
        doc.entries.is_some(),
        transcript.is_some_and(|t| t.camel.is_some()),
        transcript.is_some_and(|t| t.snake.is_some()),
    ];
    if keys.into_iter().filter(|&there| there).count() > 1 {
        return None;
    }
    if let Some(entries) = doc.entries {
        // `null`: the general reader says it is not an array.
        let entries = entries?;
        return Some(import_typed(&entries, ctx, sink));
    }
    let transcript = doc.transcript.and_then(|t| t.0)?;
    let (key, segments) = match transcript.snake {
        Some(snake) => ("transcript_segments", snake?),
        None => ("transcriptSegments", transcript.camel??),
    };
    Some(api_typed(&doc.header, key, &segments, ctx, sink))
}

fn import_typed(
    entries: &[Strict<Entry<'_>>],
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let mut call = ctx.new_call_named_by_file();
    for (i, entry) in entries.iter().enumerate() {
        entry_turn(ctx, &mut call, entry, i as u64 + 1)?;
    }
    import_finish(call, ctx, sink)
}

fn api_typed(
    header: &ApiHeader<'_>,
    key: &str,
    segments: &[Strict<Segment<'_>>],
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let (mut call, mut api) = api_call(header, ctx)?;
    for (i, seg) in segments.iter().enumerate() {
        segment_turn(ctx, &mut call, seg, key, i as u64 + 1, &mut api)?;
    }
    ctx.deliver(call, sink)
}

fn read_import(
    top: &serde_json::Map<String, Value>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let entries = array(top, "entries", ctx, FORMAT, EXPECTED)?;
    let mut call = ctx.new_call_named_by_file();
    for (i, raw) in entries.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("entries[{index}]");
        let Some(entry) = item::<Entry<'_>>(raw, ctx, &position, "an entry", EXPECTED)? else {
            continue;
        };
        entry_turn(ctx, &mut call, &entry, index)?;
    }
    import_finish(call, ctx, sink)
}

/// One import-format entry as a turn of `call`.
fn entry_turn(
    ctx: &mut ReadContext<'_>,
    call: &mut Call,
    entry: &Entry<'_>,
    index: u64,
) -> Result<(), ReadError> {
    let position = || format!("entries[{index}]");
    let speaker = Speaker::from_label(text(&entry.role).unwrap_or(""));
    let words = text(&entry.text).unwrap_or("");
    if let Some(t) = ctx.utterance(call, speaker, words, index, &position)? {
        // µs → ms; epoch times are rebased to the first turn by `Call::finish`.
        t.start_ms = entry.start_timestamp_usec.and_then(|us| ms(us / 1000.0));
    }
    Ok(())
}

/// The import format's date (of its first timed turn, or of the file name); then delivered.
fn import_finish(
    mut call: Call,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let first = call.turns.iter().filter_map(|t| t.start_ms).min();
    call.date = first
        .and_then(epoch_ms_date)
        .or_else(|| date_in_file_name(ctx.name));
    ctx.deliver(call, sink)
}

fn read_api(
    doc: &Value,
    top: &serde_json::Map<String, Value>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let transcript = top
        .get("transcript")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ctx.error(
                At::File,
                ReadErrorKind::Shape,
                format!(
                    "not {FORMAT}: no `entries` and no `transcript` object; expected {EXPECTED}"
                ),
            )
        })?;
    let key = if transcript.contains_key("transcript_segments") {
        "transcript_segments"
    } else {
        "transcriptSegments"
    };
    let segments = array(transcript, key, ctx, FORMAT, EXPECTED)?;
    // The header's fields take any value (one of another type is as good as absent).
    let header = ApiHeader::deserialize(doc)
        .map_err(|e| ctx.error(At::File, ReadErrorKind::Shape, format!("not {FORMAT}: {e}")))?;
    let (mut call, mut api) = api_call(&header, ctx)?;
    for (i, raw) in segments.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("transcript.{key}[{index}]");
        let Some(seg) = item::<Segment<'_>>(raw, ctx, &position, "a transcript segment", EXPECTED)?
        else {
            continue;
        };
        segment_turn(ctx, &mut call, &seg, key, index, &mut api)?;
    }
    ctx.deliver(call, sink)
}

/// What every segment of an API conversation is read with.
struct Api {
    /// The conversation's start (epoch ms), from which segments' `messageTime` is rebased.
    start_ms: Option<u64>,
    agent_channel: Option<i64>,
    customer_channel: Option<i64>,
    /// A `messageTime` that could not be read was said (once a document).
    said_message_time: bool,
}

/// The API conversation's call, with its id, agent, team, channel and date, and what its
/// segments are read with.
/// A `name` that is not a string is an error (the call id would silently be the file name).
fn api_call(h: &ApiHeader<'_>, ctx: &mut ReadContext<'_>) -> Result<(Call, Api), ReadError> {
    if let Some(Loose::Num(_) | Loose::Other) = &h.name {
        return Err(super::wrong_call_id(
            ctx,
            "name",
            "not a string",
            "a resource name such as `projects/…/conversations/ID`",
        ));
    }
    let id = h
        .name
        .as_ref()
        .and_then(Loose::as_str)
        .and_then(|n| n.rsplit('/').next())
        .and_then(crate::read::known_id)
        .map(str::to_string);
    let mut call = ctx.new_call_or_named_by_file(id);
    let start_ms = api_header(h, &mut call, ctx);
    let metadata = either(&h.call_metadata, &h.call_metadata_snake).and_then(|m| m.0.as_ref());
    let api = Api {
        start_ms,
        agent_channel: metadata
            .and_then(|m| either(&m.agent_channel, &m.agent_channel_snake))
            .and_then(Loose::as_i64),
        customer_channel: metadata
            .and_then(|m| either(&m.customer_channel, &m.customer_channel_snake))
            .and_then(Loose::as_i64),
        said_message_time: false,
    };
    Ok((call, api))
}

/// One API transcript segment as a turn of `call`.
fn segment_turn(
    ctx: &mut ReadContext<'_>,
    call: &mut Call,
    seg: &Segment<'_>,
    key: &str,
    index: u64,
    api: &mut Api,
) -> Result<(), ReadError> {
    let position = || format!("transcript.{key}[{index}]");
    let role = seg.segment_participant.as_ref().and_then(|p| text(&p.role));
    let speaker = segment_speaker(
        role,
        seg.channel_tag,
        api.agent_channel,
        api.customer_channel,
    );
    let words = text(&seg.text).unwrap_or("");
    if let Some(t) = ctx.utterance(call, speaker, words, index, &position)? {
        let message_time = text(&seg.message_time).filter(|m| !m.trim().is_empty());
        let message_ms = message_time.and_then(rfc3339_ms);
        if let Some(m) = message_time
            && message_ms.is_none()
            && !api.said_message_time
        {
            api.said_message_time = true;
            // Named in the spelling of the segments' key (either is read).
            let field = if key == "transcript_segments" {
                "message_time"
            } else {
                "messageTime"
            };
            ctx.acct.warn(format!(
                "{}: {}.{field} `{}` not understood (expected an RFC 3339 time like 2024-04-01T08:00:05Z); the segment is timed by its words, if they are",
                ctx.name,
                position(),
                shown(m)
            ));
        }
        match message_ms {
            Some(at) => {
                t.start_ms = Some(match api.start_ms {
                    Some(base) if base <= at => at - base,
                    _ => at,
                });
            }
            None => {
                t.start_ms = seg
                    .words
                    .first()
                    .and_then(|w| w.start_offset)
                    .and_then(secs_to_ms);
                t.end_ms = seg
                    .words
                    .last()
                    .and_then(|w| w.end_offset)
                    .and_then(secs_to_ms);
            }
        }
    }
    Ok(())
}

/// Sets the API conversation's agent, team, channel and date on `call`; returns its start
/// time (epoch ms), from which segments' `messageTime` is rebased. A `startTime` that cannot
/// be read is said, with its value, as a CSV `date` cell is (it was dropped in silence).
fn api_header(h: &ApiHeader<'_>, call: &mut Call, ctx: &mut ReadContext<'_>) -> Option<u64> {
    let agent_info = either(&h.quality_metadata, &h.quality_metadata_snake)
        .and_then(|q| q.0.as_ref())
        .and_then(|q| either(&q.agent_info, &q.agent_info_snake))
        .and_then(|a| a.0.as_ref())
        .and_then(|a| a.0.as_ref());
    call.agent_id = id_text(either(&h.agent_id, &h.agent_id_snake))
        .or_else(|| agent_info.and_then(|a| id_text(either(&a.agent_id, &a.agent_id_snake))));
    call.team = agent_info.and_then(|a| id_text(a.team.as_ref()));
    // `medium` is PHONE_CALL or CHAT.
    call.channel = match h.medium.as_ref().and_then(Loose::as_str) {
        Some(m) if m.eq_ignore_ascii_case("CHAT") => Channel::Chat,
        Some(m) if m.eq_ignore_ascii_case("PHONE_CALL") => Channel::Voice,
        _ => Channel::Unknown,
    };
    let (key, start) = match &h.start_time {
        Some(start) => ("startTime", Some(start)),
        None => ("start_time", h.start_time_snake.as_ref()),
    };
    let start_time = start.and_then(Loose::as_str);
    call.date = start_time.and_then(parse_date);
    if call.date.is_none() {
        call.date = date_in_file_name(ctx.name);
        let value = match start {
            Some(Loose::Str(s)) if !s.trim().is_empty() => Some(format!("`{}`", shown(s))),
            Some(Loose::Num(n)) => Some(format!("`{n}`")),
            Some(Loose::Other) => Some("(not a string)".to_string()),
            _ => None,
        };
        if let Some(value) = value {
            ctx.acct.warn(format!(
                "{}: {key} {value} not understood (expected an RFC 3339 time like 2024-04-01T08:00:00Z); {}",
                ctx.name,
                if call.date.is_some() {
                    "the call takes the date in its file name"
                } else {
                    "the call has no date"
                }
            ));
        }
    }
    start_time.and_then(rfc3339_ms)
}

/// A segment's speaker: its role, or without one the side its `channelTag` is on.
fn segment_speaker(
    role: Option<&str>,
    channel_tag: Option<i64>,
    agent_channel: Option<i64>,
    customer_channel: Option<i64>,
) -> Speaker {
    match role.filter(|r| *r != "ROLE_UNSPECIFIED") {
        Some(r) => Speaker::from_label(r),
        None if channel_tag.is_some() && channel_tag == agent_channel => Speaker::Agent,
        None if channel_tag.is_some() && channel_tag == customer_channel => Speaker::Customer,
        None => Speaker::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::read_finished_for_test;

    fn read(name: &str, data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        read_finished_for_test(&CcaiReader, name, data.as_bytes())
    }

    #[test]
    fn import_format_roles_and_microseconds() {
        let (calls, acct) = read(
            "imports/ticket-5.json",
            r#"{"entries": [
                {"role": "END_USER", "text": "Hi", "user_id": 1, "start_timestamp_usec": 1700000000000000},
                {"role": "HUMAN_AGENT", "text": "Hello", "user_id": 2, "start_timestamp_usec": 1700000002500000},
                {"role": "AUTOMATED_AGENT", "text": "Survey?", "user_id": 3, "start_timestamp_usec": 1700000009000000},
                {"role": "AGENT", "text": "", "user_id": 2}
            ]}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "ticket-5");
        assert_eq!(c.agent_id, None);
        assert_eq!(c.date, chrono::NaiveDate::from_ymd_opt(2023, 11, 14));
        let got: Vec<_> = c.turns.iter().map(|t| (t.speaker, t.start_ms)).collect();
        assert_eq!(
            got,
            [
                (Speaker::Customer, Some(0)),
                (Speaker::Agent, Some(2500)),
                (Speaker::Other, Some(9000))
            ]
        );
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (4, 1));
        assert!(
            acct.warnings[0].contains("entries[4]: no text"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn api_conversation_with_word_offsets_and_channels() {
        let (calls, _) = read(
            "x.json",
            r#"{"name": "projects/p/locations/l/conversations/conv-77", "agentId": "agent-9",
                "startTime": "2024-04-01T08:00:00Z", "callMetadata": {"customerChannel": 1, "agentChannel": 2},
                "qualityMetadata": {"agentInfo": [{"agentId": "agent-9", "team": "billing"}]},
                "transcript": {"transcriptSegments": [
                  {"text": "Hello, thanks for calling.", "segmentParticipant": {"role": "HUMAN_AGENT"}, "channelTag": 2,
                   "words": [{"startOffset": "0.400s", "endOffset": "0.9s"}, {"startOffset": "1s", "endOffset": "2.250s"}]},
                  {"text": "My bill is wrong.", "channelTag": 1, "words": [{"startOffset": {"seconds": 3, "nanos": 500000000}, "endOffset": "5s"}]}
                ]}}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "conv-77");
        assert_eq!((c.agent(), c.team.as_deref()), ("agent-9", Some("billing")));
        assert_eq!(c.date, chrono::NaiveDate::from_ymd_opt(2024, 4, 1));
        let got: Vec<_> = c
            .turns
            .iter()
            .map(|t| (t.speaker, t.start_ms, t.end_ms))
            .collect();
        assert_eq!(
            got,
            [
                (Speaker::Agent, Some(400), Some(2250)),
                (Speaker::Customer, Some(3500), Some(5000))
            ]
        );
    }

    #[test]
    fn api_chat_message_times_and_snake_case() {
        let (calls, _) = read(
            "x.json",
            r#"{"name": "conversations/c1", "start_time": "2024-04-01T08:00:00Z",
                "transcript": {"transcript_segments": [
                  {"text": "hi", "segment_participant": {"role": "END_USER"}, "message_time": "2024-04-01T08:00:05Z"},
                  {"text": "hello", "segment_participant": {"role": "HUMAN_AGENT"}, "message_time": "2024-04-01T08:00:07.250Z"}
                ]}}"#,
        );
        let c = &calls.unwrap()[0];
        let got: Vec<_> = c.turns.iter().map(|t| (t.speaker, t.start_ms)).collect();
        assert_eq!(
            got,
            [
                (Speaker::Customer, Some(5000)),
                (Speaker::Agent, Some(7250))
            ]
        );
    }
}
