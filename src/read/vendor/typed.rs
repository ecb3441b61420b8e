//! The fast path for the formats that come one file per contact by the thousand
//! (Transcribe Call Analytics, Contact Lens, post-call analytics, Genesys Cloud and Google CCAI
//! Insights): the document is deserialised straight into typed structs, in one pass whose
//! `Doc` has every vendor's top-level keys, instead of a `serde_json::Value` tree (an
//! allocation per string and a map per object). Every vendor's strings are `lenient::Text`,
//! borrowed from the file's bytes when they have no escapes (an `Option<Cow<str>>` field would
//! not be: serde only borrows a `Cow` that is the field's type).
//!
//! The fast path only takes documents it reads exactly as the `Value` readers do: any shape
//! it does not expect (a field of another type, a duplicate key, a document of another
//! vendor, JSONL, invalid JSON) makes `read` return `None` before it touches the context or
//! the sink, and the caller reads the document the general way, which gives the same calls
//! for good documents and the positioned errors and skips for bad ones. So the output, the
//! accounting and every message are the same as without it.

use super::contact_lens::{
    ItemTypes, Participant, agent_from_arn, is_chat_channel, parse_file_name, participants_agent,
    turn_agent, warn_unread_times,
};
use super::lenient::{Loose, Obj, Strict, Text};
use super::transcribe::{Characteristics, apply_characteristics};
use super::{call_id, ccai, genesys, pca};
use crate::model::{Channel, Speaker};
use crate::read::dates::{parse_date, rfc3339_ms};
use crate::read::json_id;
use crate::read::{CallSink, ReadContext, ReadError, date_in_file_name, epoch_ms_date, ms};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A field that is there, whatever its value (`null` included): `Some(value)`.
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The top-level keys of both formats (and the one that says it is neither).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Doc<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    speech_segments: Option<Vec<Strict<pca::Segment<'a>>>>,
    #[serde(default, borrow)]
    conversation_analytics: Option<pca::Analytics<'a>>,
    #[serde(default, borrow)]
    transcript: Option<Vec<Strict<Item<'a>>>>,
    #[serde(default, deserialize_with = "present")]
    job_name: Option<Value>,
    #[serde(default, borrow, deserialize_with = "present")]
    participants: Option<Option<Vec<Strict<Participant<'a>>>>>,
    #[serde(default, deserialize_with = "present")]
    customer_metadata: Option<Value>,
    #[serde(default, borrow)]
    channel: Option<Text<'a>>,
    #[serde(default, borrow)]
    language_code: Option<Text<'a>>,
    #[serde(default, deserialize_with = "present")]
    conversation_characteristics: Option<Characteristics>,

    // Genesys Cloud.
    #[serde(default, borrow, rename = "transcripts", deserialize_with = "present")]
    genesys_transcripts: Option<Option<Vec<Obj<genesys::Transcript<'a>>>>>,
    #[serde(default, borrow, rename = "participants")]
    genesys_participants: Option<Vec<Strict<genesys::Participant<'a>>>>,
    #[serde(
        default,
        borrow,
        rename = "conversationId",
        deserialize_with = "present"
    )]
    conversation_id: Option<Loose<'a>>,
    #[serde(
        default,
        borrow,
        rename = "conversationStartTime",
        deserialize_with = "present"
    )]
    conversation_start_time: Option<Loose<'a>>,
    /// Genesys (epoch ms) and CCAI (RFC 3339) both have it.
    #[serde(default, borrow, rename = "startTime", deserialize_with = "present")]
    start_time: Option<Loose<'a>>,

    // Google CCAI Insights (the rest of its header is in `ccai::ApiHeader`).
    #[serde(default, borrow, rename = "entries", deserialize_with = "present")]
    ccai_entries: Option<Option<Vec<Strict<ccai::Entry<'a>>>>>,
    #[serde(default, borrow, rename = "transcript")]
    ccai_transcript: Option<Obj<ccai::ApiTranscript<'a>>>,
    #[serde(default, borrow, rename = "name", deserialize_with = "present")]
    name: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "agentId", deserialize_with = "present")]
    agent_id: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "agent_id", deserialize_with = "present")]
    agent_id_snake: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "medium", deserialize_with = "present")]
    medium: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "start_time", deserialize_with = "present")]
    start_time_snake: Option<Loose<'a>>,
    #[serde(default, borrow, rename = "callMetadata", deserialize_with = "present")]
    call_metadata: Option<Obj<ccai::CallMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "call_metadata",
        deserialize_with = "present"
    )]
    call_metadata_snake: Option<Obj<ccai::CallMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "qualityMetadata",
        deserialize_with = "present"
    )]
    quality_metadata: Option<Obj<ccai::QualityMetadata<'a>>>,
    #[serde(
        default,
        borrow,
        rename = "quality_metadata",
        deserialize_with = "present"
    )]
    quality_metadata_snake: Option<Obj<ccai::QualityMetadata<'a>>>,
}

impl Doc<'_> {
    /// Whether an id of any format is a number held as an `f64` (see `read::json_id`).
    fn inexact_id(&self) -> bool {
        let number = |v: Option<&Value>| matches!(v, Some(Value::Number(n)) if json_id::inexact(n));
        number(self.job_name.as_ref())
            || number(
                self.customer_metadata
                    .as_ref()
                    .and_then(|m| m.get("ContactId")),
            )
            || [&self.conversation_id, &self.agent_id, &self.agent_id_snake]
                .into_iter()
                .flatten()
                .any(Loose::inexact)
            || [&self.quality_metadata, &self.quality_metadata_snake]
                .into_iter()
                .flatten()
                .filter_map(|q| q.0.as_ref())
                .any(ccai::QualityMetadata::inexact_id)
    }
}

/// A turn of either format (the fields of both; each reader uses its own).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Item<'a> {
    #[serde(default, borrow)]
    participant_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    participant_role: Option<Text<'a>>,
    #[serde(default, borrow)]
    display_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    content: Option<Text<'a>>,
    #[serde(default)]
    begin_offset_millis: Option<f64>,
    #[serde(default)]
    end_offset_millis: Option<f64>,
    /// `Some(None)` when the key is there with `null` (it still makes the file a chat).
    #[serde(default, borrow, deserialize_with = "present")]
    absolute_time: Option<Option<Text<'a>>>,
    #[serde(default, borrow, rename = "Type")]
    kind: Option<Text<'a>>,
}

/// A turn's `AbsoluteTime` as text (`None` when absent or `null`).
fn absolute_time<'i>(i: &'i Item<'_>) -> Option<&'i str> {
    i.absolute_time.as_ref().and_then(|t| t.as_deref())
}

/// Reads a Transcribe or Contact Lens document the fast way, or `None` (nothing read,
/// nothing counted) when the general reader must read it.
pub fn read(
    text: &str,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Option<Result<(), ReadError>> {
    // A top-level array would fill a struct field by field; the general reader says it is
    // not an object.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let doc: Doc<'_> = serde_json::from_str(text).ok()?;
    // An id written as a number that is not a 64-bit integer: the general reader takes its
    // digits from the text (`read::json_id`).
    if doc.inexact_id() {
        return None;
    }
    if let Some(segments) = doc.speech_segments {
        return Some(pca::read_typed(
            segments,
            doc.conversation_analytics,
            ctx,
            sink,
        ));
    }
    // As `json::vendor_format` tells them apart (a document with neither marker goes the
    // general way).
    if doc.transcript.is_none() {
        return genesys_or_ccai(doc, ctx, sink);
    }
    if doc.job_name.is_some() {
        Some(transcribe(doc, ctx, sink))
    } else if doc.participants.is_some() || doc.customer_metadata.is_some() {
        Some(contact_lens(doc, ctx, sink))
    } else {
        None
    }
}

/// A document without `SpeechSegments` or a `Transcript` array: Genesys, CCAI, or one the
/// general reader reads.
fn genesys_or_ccai(
    doc: Doc<'_>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Option<Result<(), ReadError>> {
    let any_phrases = doc.genesys_transcripts.as_ref().is_some_and(|t| {
        t.iter()
            .flatten()
            .any(|t| t.0.as_ref().is_some_and(|t| t.phrases.is_some()))
    });
    if any_phrases || (doc.conversation_id.is_some() && doc.genesys_transcripts.is_some()) {
        return genesys::read_typed(
            genesys::Typed {
                transcripts: doc.genesys_transcripts?,
                participants: doc.genesys_participants,
                conversation_id: doc.conversation_id,
                conversation_start_time: doc.conversation_start_time,
                start_time: doc.start_time,
            },
            ctx,
            sink,
        );
    }
    let api = doc
        .ccai_transcript
        .as_ref()
        .and_then(|t| t.0.as_ref())
        .is_some_and(ccai::ApiTranscript::has_segments);
    if doc.ccai_entries.is_some() || api {
        return ccai::read_typed(
            ccai::Typed {
                entries: doc.ccai_entries,
                transcript: doc.ccai_transcript,
                header: ccai::ApiHeader {
                    name: doc.name,
                    agent_id: doc.agent_id,
                    agent_id_snake: doc.agent_id_snake,
                    medium: doc.medium,
                    start_time: doc.start_time,
                    start_time_snake: doc.start_time_snake,
                    call_metadata: doc.call_metadata,
                    call_metadata_snake: doc.call_metadata_snake,
                    quality_metadata: doc.quality_metadata,
                    quality_metadata_snake: doc.quality_metadata_snake,
                },
            },
            ctx,
            sink,
        );
    }
    None
}

/// `transcribe::read_document` on the typed document.
fn transcribe(
    doc: Doc<'_>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let items = doc.transcript.unwrap_or_default();
    let id = call_id(doc.job_name.as_ref(), "JobName", ctx)?;
    let mut call = ctx.new_call_or_named_by_file(id);
    // Call analytics of recorded calls: always a voice call.
    call.channel = Channel::Voice;
    call.date = date_in_file_name(ctx.name);
    if let Some(code) = doc.language_code.as_deref() {
        ctx.acct.declared_language(code);
    }
    for (i, turn) in items.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("Transcript[{index}]");
        let speaker = Speaker::from_label(turn.participant_role.as_deref().unwrap_or(""));
        let text = turn.content.as_deref().unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            t.start_ms = turn.begin_offset_millis.and_then(ms);
            t.end_ms = turn.end_offset_millis.and_then(ms);
        }
    }
    if let Some(c) = &doc.conversation_characteristics {
        apply_characteristics(&mut call, c);
    }
    ctx.deliver(call, sink)
}

/// `contact_lens::read_document` on the typed document.
fn contact_lens(
    doc: Doc<'_>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let items = doc.transcript.unwrap_or_default();
    let participants: Vec<Strict<Participant<'_>>> = doc.participants.flatten().unwrap_or_default();
    let from_name = parse_file_name(ctx.name);
    let contact_id = call_id(
        doc.customer_metadata
            .as_ref()
            .and_then(|m| m.get("ContactId")),
        "CustomerMetadata.ContactId",
        ctx,
    )?;
    let id = contact_id.or_else(|| from_name.as_ref().map(|(id, _)| id.clone()));
    let mut call = ctx.new_call_or_named_by_file(id);
    call.date = from_name.and_then(|(_, date)| date);
    if let Some(code) = doc.language_code.as_deref() {
        ctx.acct.declared_language(code);
    }

    let role_of_participant = |id: &str| {
        participants
            .iter()
            .find(|p| p.participant_id.as_deref() == Some(id))
            .and_then(|p| p.participant_role.as_deref())
    };
    let chat = doc.channel.as_deref().is_some_and(is_chat_channel)
        || items.iter().any(|i| i.absolute_time.is_some());
    call.channel = if chat { Channel::Chat } else { Channel::Voice };
    call.agent_id = participants_agent(&participants, chat);

    let contact_start = items
        .iter()
        .filter_map(|i| absolute_time(i))
        .filter_map(rfc3339_ms)
        .min();
    warn_unread_times(items.iter().map(|i| absolute_time(i)), ctx);
    if chat && call.date.is_none() {
        call.date = contact_start.and_then(epoch_ms_date).or_else(|| {
            let first = items.iter().find_map(|i| absolute_time(i));
            first.and_then(parse_date)
        });
    }

    let mut types = ItemTypes::default();
    for (i, entry) in items.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("Transcript[{index}]");
        let pid = entry.participant_id.as_deref().unwrap_or("");
        let role = entry.participant_role.as_deref();
        let content = entry.content.as_deref();
        if !types.takes(entry.kind.as_deref(), pid, role, content, index, ctx)? {
            continue;
        }
        let speaker = match entry.participant_role.as_deref() {
            Some(role) => Speaker::from_label(role),
            None => match role_of_participant(pid) {
                Some(role) => Speaker::from_label(role),
                None if agent_from_arn(pid).is_some() => Speaker::Agent,
                None => Speaker::from_label(pid),
            },
        };
        if speaker == Speaker::Agent && call.agent_id.is_none() {
            call.agent_id = if chat {
                entry.display_name.as_deref().map(str::to_string)
            } else {
                agent_from_arn(pid).map(str::to_string)
            };
        }
        let text = entry.content.as_deref().unwrap_or("");
        let said_by = (speaker == Speaker::Agent)
            .then(|| turn_agent(pid, entry.display_name.as_deref(), &participants, chat))
            .flatten();
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            match (absolute_time(entry), contact_start) {
                (Some(at), Some(start)) => {
                    t.start_ms = rfc3339_ms(at).map(|v| v.saturating_sub(start));
                }
                _ => {
                    t.start_ms = entry.begin_offset_millis.and_then(ms);
                    t.end_ms = entry.end_offset_millis.and_then(ms);
                }
            }
            // As `contact_lens::read_document`: each agent turn votes for who said it.
            if let Some(agent) = said_by {
                call.votes.agent.add_by(agent, 1);
            }
        }
    }
    types.warn(ctx);
    if !chat && let Some(c) = &doc.conversation_characteristics {
        apply_characteristics(&mut call, c);
    }
    ctx.deliver(call, sink)
}

#[cfg(test)]
mod tests {
    use crate::accounting::Accounting;
    use crate::read::json::JsonReader;
    use crate::read::vendor::{
        ccai::CcaiReader, contact_lens::ContactLensReader, genesys::GenesysReader, pca::PcaReader,
        transcribe::TranscribeReader,
    };
    use crate::read::{ReadContext, ReadOptions, Reader, read_for_test};

    /// Whether the fast path reads the document (rather than leaving it to the general one).
    fn typed(name: &str, doc: &str) -> bool {
        let options = ReadOptions::default();
        let mut acct = Accounting::default();
        let mut ctx = ReadContext::new(name, 0, &options, &mut acct);
        super::read(doc, &mut ctx, &mut |_| true).is_some()
    }

    /// The `.json` dispatcher (fast path or not) and the general reader give the same calls,
    /// accounting and messages, or the same error; and the fast path reads the document
    /// exactly when `fast` says so.
    fn same_either(general: &dyn Reader, name: &str, doc: &str, fast: bool) {
        let (a, a_acct) = read_for_test(&JsonReader, name, doc.as_bytes(), &ReadOptions::default());
        let (b, b_acct) = read_for_test(general, name, doc.as_bytes(), &ReadOptions::default());
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{doc}");
        assert_eq!(format!("{a_acct:?}"), format!("{b_acct:?}"), "{doc}");
        assert_eq!(typed(name, doc), fast, "fast path for {doc}");
    }

    #[test]
    fn genesys_documents_read_as_the_general_reader_does() {
        let g = &GenesysReader;
        let phrases = r#"[
            {"text": "Thanks for calling \u00e9 \"x\"", "participantPurpose": "internal", "startTimeMs": 1717000002000, "duration": {"milliseconds": 1500}},
            {"text": "It broke.", "purpose": "ignored", "participantPurpose": "external", "offset": {"milliseconds": 9000}},
            {"text": " ", "participantPurpose": "external", "startTimeMs": 1717000003000}
        ]"#;
        let good = [
            format!(
                r#"{{"conversationId": "c1", "conversationStartTime": 1717000000000,
                "participants": [{{"participantPurpose": "customer"}}, {{"purpose": "AGENT", "userId": "None"}}, {{"participantPurpose": "agent", "userId": "u-7"}}],
                "transcripts": [{{"phrases": {phrases}}}, 5, {{"phrases": null}}, {{"phrases": [{{"text": "acd", "participantPurpose": "acd", "startTimeMs": 1717000000500}}]}}]}}"#
            ),
            // A numeric id, a start of the wrong type and one that is right, no participants.
            format!(
                r#"{{"conversationId": 42, "conversationStartTime": "x", "startTime": 1717000001000, "participants": null, "transcripts": [{{"phrases": {phrases}}}]}}"#
            ),
            // No id and no phrases key: still Genesys by `conversationId` + `transcripts`.
            r#"{"conversationId": null, "transcripts": []}"#.to_string(),
            format!(
                r#"{{"transcripts": [{{"phrases": {phrases}}}], "startTime": "2024-01-01T00:00:00Z"}}"#
            ),
        ];
        for doc in &good {
            same_either(g, "2024-05-29-g.json", doc, true);
        }
        let general = [
            // A phrase of the wrong shape is skipped with its position.
            r#"{"transcripts": [{"phrases": [{"text": "a", "startTimeMs": "soon"}, {"text": "b"}]}]}"#,
            r#"{"conversationId": "c", "transcripts": [{"text": "x"}]}"#,
            r#"{"conversationId": "c", "transcripts": null}"#,
            r#"{"conversationId": "c", "transcripts": "x"}"#,
            r#"{"participants": "x", "transcripts": [{"phrases": []}]}"#,
            // Duplicate keys: the last one wins in a `Value`.
            r#"{"transcripts": [{"phrases": [{"text": "a", "text": "b"}]}]}"#,
            // A phrase that is an array is not read by position: a malformed row.
            r#"{"conversationId": "g", "transcripts": [{"phrases": [["hello", "internal"], {"text": "hi", "participantPurpose": "internal"}]}]}"#,
            r#"{"conversationId": "g", "participants": [["agent", "u1"]], "transcripts": [{"phrases": [{"text": "hi", "participantPurpose": "internal"}]}]}"#,
        ];
        for doc in general {
            same_either(g, "g.json", doc, false);
        }
        // A top-level array is not read field by field.
        assert!(!typed(
            "g.json",
            r#"[null, null, null, null, null, null, null, null, [{"phrases": [{"text": "a"}]}]]"#
        ));
    }

    #[test]
    fn ccai_documents_read_as_the_general_reader_does() {
        let c = &CcaiReader;
        let good = [
            r#"{"entries": [
                {"role": "END_USER", "text": "Hi \u00e9", "user_id": 1, "start_timestamp_usec": 1700000000000000},
                {"role": "HUMAN_AGENT", "text": "Hello", "startTimestampUsec": 1700000002500000},
                {"role": "AGENT", "text": ""}
            ]}"#,
            r#"{"name": "projects/p/conversations/conv-77", "agentId": "agent-9",
                "startTime": "2024-04-01T08:00:00Z", "medium": "phone_call", "callMetadata": {"customerChannel": 1, "agentChannel": 2},
                "qualityMetadata": {"agentInfo": [{"agentId": "agent-9", "team": "billing"}, 7]},
                "transcript": {"transcriptSegments": [
                  {"text": "Hello.", "segmentParticipant": {"role": "HUMAN_AGENT"}, "channelTag": 2,
                   "words": [{"startOffset": "0.400s", "endOffset": "0.9s"}, {"startOffset": 1, "endOffset": "2.250s"}]},
                  {"text": "My bill.", "channelTag": 1, "words": [{"startOffset": {"seconds": "3", "nanos": 500000000}, "endOffset": "5s"}]},
                  {"text": "Press one.", "segmentParticipant": {"role": "ROLE_UNSPECIFIED"}, "channelTag": 3}
                ]}}"#,
            // A key that is there (even null) hides its snake_case spelling; values of the
            // wrong type count as absent.
            r#"{"name": 12, "agentId": null, "agent_id": "hidden", "start_time": "2024-04-02T08:00:00Z", "medium": "CHAT",
                "call_metadata": {"agent_channel": 1.0, "customerChannel": 2, "customer_channel": 1},
                "qualityMetadata": {"agent_info": [{"agent_id": 5, "team": ["x"]}]},
                "transcript": {"transcript_segments": [
                  {"text": "hi", "segment_participant": {"role": "END_USER"}, "message_time": "2024-04-02T08:00:05Z", "channel_tag": 2},
                  {"text": "hello", "channel_tag": 1, "message_time": "2024-04-02T07:00:00Z"}
                ]}}"#,
            r#"{"callMetadata": "x", "qualityMetadata": {"agentInfo": {"agentId": "a"}}, "transcript": {"transcriptSegments": [{"text": "x", "channelTag": 1}]}}"#,
            r#"{"qualityMetadata": {"agentInfo": ["a", {"agentId": "b"}]}, "transcript": {"transcriptSegments": [{"text": "x"}]}}"#,
            // Times that cannot be read are said, once a document.
            r#"{"name": "c/x", "startTime": "not a time", "transcript": {"transcriptSegments": [
                {"text": "a", "messageTime": "soon"}, {"text": "b", "messageTime": "later"}]}}"#,
            r#"{"start_time": 1710000000, "transcript": {"transcript_segments": [{"text": "a"}]}}"#,
        ];
        for doc in good {
            same_either(c, "2024-03-12-chat.json", doc, true);
        }
        let (_, acct) = read_for_test(
            c,
            "x.json",
            good[good.len() - 2].as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(
            acct.warnings,
            [
                "x.json: startTime `not a time` not understood (expected an RFC 3339 time like 2024-04-01T08:00:00Z); the call has no date",
                "x.json: transcript.transcriptSegments[1].messageTime `soon` not understood (expected an RFC 3339 time like 2024-04-01T08:00:05Z); the segment is timed by its words, if they are",
            ]
        );
        let general = [
            r#"{"entries": null}"#,
            r#"{"entries": [{"role": "AGENT", "text": 5}, {"role": "AGENT", "text": "ok"}]}"#,
            r#"{"transcript": {"transcriptSegments": [{"text": "a", "channelTag": 1.5}, {"text": "b"}]}}"#,
            r#"{"transcript": {"transcriptSegments": null}}"#,
            r#"{"transcript": {"transcriptSegments": [{"text": "a", "words": [{"startOffset": true}]}]}}"#,
            // An item that is an array is not read by position: a malformed row.
            r#"{"entries": [["AGENT", "hello"], {"role": "AGENT", "text": "hi"}]}"#,
            r#"{"transcript": {"transcriptSegments": [["hello"], {"text": "hi"}]}}"#,
            r#"{"transcript": {"transcript_segments": [["hello"], {"text": "hi"}]}}"#,
            // More than one transcript: refused, naming the keys.
            r#"{"entries": [], "transcript": {"transcriptSegments": []}}"#,
            r#"{"transcript": {"transcriptSegments": [{"text": "no"}], "transcript_segments": [{"text": "hi"}]}}"#,
            r#"{"entries": [{"text": "a"}], "transcript": {"transcriptSegments": null, "transcript_segments": []}}"#,
        ];
        for doc in general {
            same_either(c, "x.json", doc, false);
        }
        let (r, _) = read_for_test(
            c,
            "x.json",
            general[general.len() - 1].as_bytes(),
            &ReadOptions::default(),
        );
        let e = r.unwrap_err();
        assert!(
            e.message.starts_with("the conversation is under both `entries` (the import format), `transcript.transcriptSegments` and `transcript.transcript_segments`"),
            "{e}"
        );
    }

    /// The fast path (through the `.json` dispatcher) and the general reader give the same
    /// calls, accounting and messages.
    fn same(general: &dyn Reader, name: &str, doc: &str) {
        let (fast, fast_acct) =
            read_for_test(&JsonReader, name, doc.as_bytes(), &ReadOptions::default());
        let (slow, slow_acct) =
            read_for_test(general, name, doc.as_bytes(), &ReadOptions::default());
        assert_eq!(fast.unwrap(), slow.unwrap());
        assert_eq!(format!("{fast_acct:?}"), format!("{slow_acct:?}"));
        assert!(typed(name, doc), "the fast path reads {doc}");
    }

    /// Transcribe, Contact Lens and PCA strings are borrowed from the document unless they
    /// have escapes (an `Option<Cow<str>>` field would copy every one).
    #[test]
    fn transcribe_contact_lens_and_pca_strings_are_borrowed() {
        use super::Doc;
        use std::borrow::Cow;
        let borrowed =
            |t: &Option<super::Text<'_>>| matches!(t, Some(t) if matches!(t.0, Cow::Borrowed(_)));
        let doc: Doc<'_> = serde_json::from_str(
            r#"{"JobName": "j", "Channel": "VOICE", "Participants": [{"ParticipantId": "p", "ParticipantRole": "AGENT", "DisplayName": "Ann"}],
                "Transcript": [{"ParticipantId": "p", "ParticipantRole": "AGENT", "DisplayName": "Ann", "Content": "Let me help.",
                  "AbsoluteTime": "2024-01-02T10:00:00.000Z", "Type": "MESSAGE"}, {"Content": "caf\u00e9"}]}"#,
        )
        .unwrap();
        let items = doc.transcript.unwrap();
        let i = &items[0];
        for t in [
            &i.participant_id,
            &i.participant_role,
            &i.display_name,
            &i.content,
            &i.kind,
        ] {
            assert!(borrowed(t), "{t:?}");
        }
        assert!(borrowed(i.absolute_time.as_ref().unwrap()));
        assert!(borrowed(&doc.channel));
        let p = &doc.participants.flatten().unwrap()[0];
        for t in [&p.participant_id, &p.participant_role, &p.display_name] {
            assert!(borrowed(t), "{t:?}");
        }
        // An escape needs an owned string.
        assert_eq!(items[1].content.as_deref(), Some("café"));
        assert!(!borrowed(&items[1].content));

        let doc: Doc<'_> = serde_json::from_str(
            r#"{"ConversationAnalytics": {"GUID": "g", "Agent": "ann", "ConversationTime": "2022-06-01",
                  "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Agent"}]},
                "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "Hello there", "OriginalText": "hello there"}]}"#,
        )
        .unwrap();
        assert!(doc.speech_segments.unwrap()[0].borrows_its_text());
        assert!(doc.conversation_analytics.unwrap().borrows_its_text());
    }

    /// Transcribe, Contact Lens and PCA documents of a shape the typed structs do not take
    /// are read the general way, with the same result as the named format's reader.
    #[test]
    fn unexpected_transcribe_contact_lens_and_pca_shapes_go_the_general_way() {
        for doc in [
            r#"{"JobName": "j", "Transcript": [{"ParticipantRole": "AGENT", "Content": 7}, {"ParticipantRole": "AGENT", "Content": "ok"}]}"#,
            r#"{"JobName": "j", "Transcript": [{"ParticipantRole": ["AGENT"], "Content": "ok"}]}"#,
            r#"{"JobName": "j", "Transcript": [{"Content": "a", "Content": "b"}]}"#,
            // A turn that is an array is not read by position: a malformed row.
            r#"{"JobName": "j", "Transcript": [["AGENT", "hello"], {"ParticipantRole": "AGENT", "Content": "ok"}]}"#,
        ] {
            same_either(&TranscribeReader, "t.json", doc, false);
        }
        for doc in [
            r#"{"Participants": [{"ParticipantId": 5}], "Transcript": [{"ParticipantId": "CUSTOMER", "Content": "hi"}]}"#,
            r#"{"Channel": 1, "Participants": [], "Transcript": [{"ParticipantId": "CUSTOMER", "Content": "hi"}]}"#,
            r#"{"Participants": [], "Transcript": [{"ParticipantRole": "AGENT", "Content": "hi", "AbsoluteTime": 5}]}"#,
            r#"{"Participants": [], "Transcript": [["p", "AGENT", "x", "I am so sorry"], {"ParticipantRole": "CUSTOMER", "Content": "hi"}]}"#,
            // A participant that is an array is not read by position: the file is the wrong
            // shape.
            r#"{"Participants": [["p1", "AGENT"]], "Transcript": [{"ParticipantId": "p1", "Content": "hi"}]}"#,
        ] {
            same_either(&ContactLensReader, "c.json", doc, false);
        }
        for doc in [
            r#"{"SpeechSegments": [{"SegmentSpeaker": 3, "DisplayText": "hi"}, {"SegmentSpeaker": "spk_0", "DisplayText": "ok"}]}"#,
            r#"{"ConversationAnalytics": {"SpeakerLabels": [{"Speaker": "spk_0"}]}, "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
            r#"{"SpeechSegments": [["spk_0", "hello"], {"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
            r#"{"ConversationAnalytics": {"SpeakerLabels": [["spk_0", "Agent"]]}, "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
        ] {
            same_either(&PcaReader, "p.json", doc, false);
        }
    }

    #[test]
    fn typed_documents_read_as_the_general_readers_do() {
        same(
            &TranscribeReader,
            "2024-05-02-job.json",
            r#"{"JobName": "j", "Transcript": [
                {"ParticipantRole": "CUSTOMER", "Content": "It broke \u00e9", "BeginOffsetMillis": 0, "EndOffsetMillis": 5000},
                {"ParticipantRole": "AGENT", "Content": "Let me help.", "BeginOffsetMillis": 4000, "EndOffsetMillis": 6000, "LoudnessScores": [1, 2]},
                {"ParticipantRole": "AGENT", "Content": "  "}
            ], "ConversationCharacteristics": {
                "Interruptions": {"TotalCount": 1, "InterruptionsByInterrupter": {"AGENT": [{"BeginOffsetMillis": 4000}]}},
                "NonTalkTime": {"Instances": [{"BeginOffsetMillis": 6000, "DurationMillis": 14000}]}
            }}"#,
        );
        same(
            &ContactLensReader,
            "c1_analysis_2024-01-02T10:00:00Z.json",
            r#"{"CustomerMetadata": {"ContactId": "c1"}, "Channel": "CHAT",
                "Participants": [{"ParticipantId": "a", "ParticipantRole": "AGENT", "DisplayName": "Ann"}],
                "Transcript": [
                {"ParticipantRole": "CUSTOMER", "Content": "hi", "AbsoluteTime": "2024-01-02T10:00:00.000Z", "Type": "MESSAGE"},
                {"Type": "EVENT", "ParticipantRole": "SYSTEM", "AbsoluteTime": "2024-01-02T10:00:01.000Z"},
                {"ParticipantRole": "AGENT", "DisplayName": "Ann", "Content": "thanks", "AbsoluteTime": "2024-01-02T10:00:05.000Z", "Type": "MESSAGE"}
            ]}"#,
        );
        same(
            &PcaReader,
            "2022-06-01-pca.json",
            r#"{"ConversationAnalytics": {"GUID": "None", "Agent": "ann", "ConversationTime": "2022-06-01 09:30:00.000001",
                  "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Customer"}, {"Speaker": "spk_1", "DisplayText": "Agent"}],
                  "SpeakerTime": {"NonTalkTime": {"Instances": [{"BeginOffsetSecs": 3.5, "EndOffsetSecs": 15.0}]}}},
                "SpeechSegments": [
                  {"SegmentSpeaker": "spk_1", "DisplayText": "Thank you for calling", "SegmentStartTime": 0.25, "SegmentEndTime": 3.5, "SegmentInterruption": false},
                  {"SegmentSpeaker": "spk_0", "OriginalText": "My order is late.", "SegmentStartTime": "15.0", "SegmentEndTime": 17.125},
                  {"SegmentSpeaker": "spk_1", "DisplayText": "Press one.", "IVRSegment": true},
                  {"SegmentSpeaker": "spk_1", "DisplayText": " "}
                ]}"#,
        );
        // Types in another case, unknown types with and without content, a lower-case channel.
        same(
            &ContactLensReader,
            "c3.json",
            r#"{"CustomerMetadata": {"ContactId": "c3"}, "Channel": "chat", "Participants": [],
                "Transcript": [
                {"ParticipantRole": "CUSTOMER", "Content": "hi", "Type": "Message"},
                {"ParticipantRole": "AGENT", "Content": "hello", "Type": "CHAT_MESSAGE"},
                {"ParticipantRole": "AGENT", "Type": "NOTICE"},
                {"ParticipantRole": "SYSTEM", "Type": "participant_left"}
            ]}"#,
        );
        same(
            &PcaReader,
            "call-9.json",
            r#"{"SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
        );
        // Times that cannot be read are said, once a document, on both paths.
        same(
            &PcaReader,
            "2022-06-01-p.json",
            r#"{"ConversationAnalytics": {"ConversationTime": "garbage", "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Agent"}]},
                "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
        );
        same(
            &ContactLensReader,
            "c4.json",
            r#"{"Channel": "CHAT", "Participants": [], "Transcript": [
                {"Type": "EVENT", "ParticipantRole": "SYSTEM", "AbsoluteTime": "soon"},
                {"ParticipantRole": "CUSTOMER", "Content": "hi", "AbsoluteTime": "2024-01-02T10:00:00.000Z", "Type": "MESSAGE"},
                {"ParticipantRole": "AGENT", "Content": "hello", "AbsoluteTime": "later", "Type": "MESSAGE"},
                {"ParticipantRole": "AGENT", "Content": "bye", "AbsoluteTime": "", "Type": "MESSAGE"}
            ]}"#,
        );
        let (_, acct) = read_for_test(
            &ContactLensReader,
            "c4.json",
            br#"{"Channel": "CHAT", "Participants": [], "Transcript": [
                {"Type": "EVENT", "ParticipantRole": "SYSTEM", "AbsoluteTime": "soon"},
                {"ParticipantRole": "AGENT", "Content": "hello", "AbsoluteTime": "later", "Type": "MESSAGE"}]}"#,
            &ReadOptions::default(),
        );
        assert_eq!(
            acct.warnings,
            [
                "c4.json: Transcript[1].AbsoluteTime `soon` not understood (expected an RFC 3339 time like 2024-03-01T09:00:00.000Z); it and 1 more item(s) have no time"
            ]
        );
        let (_, acct) = read_for_test(
            &PcaReader,
            "2022-06-01-p.json",
            br#"{"ConversationAnalytics": {"ConversationTime": "garbage"}, "SpeechSegments": []}"#,
            &ReadOptions::default(),
        );
        assert_eq!(
            acct.warnings,
            [
                "2022-06-01-p.json: ConversationAnalytics.ConversationTime `garbage` not understood (expected a date and time like 2022-06-01 09:30:00.000); the call takes the date in its file name"
            ]
        );
        same(
            &ContactLensReader,
            "c2.json",
            r#"{"Participants": [{"ParticipantId": "arn:aws:connect:r:1:instance/x/agent/ag7", "ParticipantRole": "AGENT"}],
                "Transcript": [
                {"ParticipantId": "arn:aws:connect:r:1:instance/x/agent/ag7", "Content": "hello", "BeginOffsetMillis": 5},
                {"ParticipantId": "CUSTOMER", "Content": "it broke", "AbsoluteTime": null}
            ]}"#,
        );
    }
}
