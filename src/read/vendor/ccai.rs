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

use super::{array, id_text, item, top_object};
use crate::model::{Call, Channel, Speaker};
use crate::read::dates::{parse_date, rfc3339_ms};
use crate::read::{
    At, CallSink, ReadContext, ReadError, ReadErrorKind, call_id_from_name, date_in_file_name,
    epoch_ms_date, ms, secs_to_ms,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub struct CcaiReader;

const FORMAT: &str = "a Google CCAI Insights conversation";
const EXPECTED: &str = "`entries[]` with `role`, `text` and `start_timestamp_usec` (import \
format), or `transcript.transcriptSegments[]` with `text` and `segmentParticipant.role` \
(API conversation)";

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, alias = "startTimestampUsec")]
    start_timestamp_usec: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Segment {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, alias = "segment_participant")]
    segment_participant: Option<SegmentParticipant>,
    #[serde(default, alias = "channel_tag")]
    channel_tag: Option<i64>,
    #[serde(default, alias = "message_time")]
    message_time: Option<String>,
    #[serde(default)]
    words: Vec<Word>,
}

#[derive(Deserialize)]
struct SegmentParticipant {
    #[serde(default)]
    role: Option<String>,
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

json_document_reader!(CcaiReader);

/// Reads a parsed CCAI Insights document of either shape.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    if top.contains_key("entries") {
        return read_import(top, ctx, sink);
    }
    read_api(top, ctx, sink)
}

fn read_import(
    top: &serde_json::Map<String, Value>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let entries = array(top, "entries", ctx, FORMAT, EXPECTED)?;
    let mut call = ctx.new_call(call_id_from_name(ctx.name));
    for (i, raw) in entries.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("entries[{index}]");
        let Some(entry) = item::<Entry>(raw, ctx, &position, "an entry", EXPECTED)? else {
            continue;
        };
        let speaker = Speaker::from_label(entry.role.as_deref().unwrap_or(""));
        let text = entry.text.as_deref().unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            // µs → ms; epoch times are rebased to the first turn by `Call::finish`.
            t.start_ms = entry.start_timestamp_usec.and_then(|us| ms(us / 1000.0));
        }
    }
    let first = call.turns.iter().filter_map(|t| t.start_ms).min();
    call.date = first
        .and_then(epoch_ms_date)
        .or_else(|| date_in_file_name(ctx.name));
    ctx.deliver(call, sink)
}

fn read_api(
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
    let get = |camel: &str, snake: &str| top.get(camel).or_else(|| top.get(snake));
    let id = get("name", "name")
        .and_then(Value::as_str)
        .and_then(|n| n.rsplit('/').next())
        .and_then(crate::read::known_id)
        .map_or_else(|| call_id_from_name(ctx.name), str::to_string);
    let mut call = ctx.new_call(id);
    let start_ms = api_header(top, &mut call, ctx.name);
    let channel = |camel: &str, snake: &str| {
        get("callMetadata", "call_metadata")
            .and_then(|m| m.get(camel).or_else(|| m.get(snake)))
            .and_then(Value::as_i64)
    };
    let agent_channel = channel("agentChannel", "agent_channel");
    let customer_channel = channel("customerChannel", "customer_channel");

    for (i, raw) in segments.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("transcript.{key}[{index}]");
        let Some(seg) = item::<Segment>(raw, ctx, &position, "a transcript segment", EXPECTED)?
        else {
            continue;
        };
        let role = seg
            .segment_participant
            .as_ref()
            .and_then(|p| p.role.as_deref());
        let speaker = segment_speaker(role, seg.channel_tag, agent_channel, customer_channel);
        let text = seg.text.as_deref().unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            let message_ms = seg.message_time.as_deref().and_then(rfc3339_ms);
            match message_ms {
                Some(at) => {
                    t.start_ms = Some(match start_ms {
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
    }
    ctx.deliver(call, sink)
}

/// Sets the API conversation's agent, team, channel and date on `call`; returns its start
/// time (epoch ms), from which segments' `messageTime` is rebased.
fn api_header(top: &serde_json::Map<String, Value>, call: &mut Call, name: &str) -> Option<u64> {
    let get = |camel: &str, snake: &str| top.get(camel).or_else(|| top.get(snake));
    let agent_info = get("qualityMetadata", "quality_metadata")
        .and_then(|q| q.get("agentInfo").or_else(|| q.get("agent_info")))
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    call.agent_id = id_text(get("agentId", "agent_id")).or_else(|| {
        agent_info.and_then(|a| id_text(a.get("agentId").or_else(|| a.get("agent_id"))))
    });
    call.team = agent_info.and_then(|a| id_text(a.get("team")));
    // `medium` is PHONE_CALL or CHAT.
    call.channel = match get("medium", "medium").and_then(Value::as_str) {
        Some(m) if m.eq_ignore_ascii_case("CHAT") => Channel::Chat,
        Some(m) if m.eq_ignore_ascii_case("PHONE_CALL") => Channel::Voice,
        _ => Channel::Unknown,
    };
    let start_time = get("startTime", "start_time").and_then(Value::as_str);
    call.date = start_time
        .and_then(parse_date)
        .or_else(|| date_in_file_name(name));
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
