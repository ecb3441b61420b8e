//! Output of Amazon's post-call analytics sample solution (PCA), one call per document:
//! `{"ConversationAnalytics": {"GUID", "Agent", "ConversationTime", "SpeakerLabels": [{"Speaker":
//! "spk_0", "DisplayText": "Agent"}], "SpeakerTime": {"NonTalkTime": {"Instances": [...]}}},
//! "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText", "SegmentStartTime",
//! "SegmentEndTime", "SegmentInterruption", "IVRSegment"?}]}`.
//!
//! Roles come from `SpeakerLabels` only, never from what the text sounds like: a mislabelled
//! channel is the export's to fix, and guessing would hide it. Times are seconds. `Agent` and
//! `GUID` hold the string "None" when unknown, which means none (so do `null` and empty); a
//! call without a GUID is the file's, named by the file name.

use super::lenient::{Strict, Text};
use super::{array, field, item, shown, top_object};
use crate::model::{Channel, Silence, Speaker};
use crate::read::dates::parse_date;
use crate::read::{CallSink, ReadContext, ReadError, date_in_file_name, secs_to_ms};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

pub struct PcaReader;

const FORMAT: &str = "post-call analytics (PCA) output";
const EXPECTED: &str = "`SpeechSegments[]` with `SegmentSpeaker`, `DisplayText`, \
`SegmentStartTime` and `SegmentEndTime`, and `ConversationAnalytics.SpeakerLabels`";

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Analytics<'a> {
    #[serde(default, borrow, rename = "GUID")]
    guid: Option<Text<'a>>,
    #[serde(default, borrow)]
    agent: Option<Text<'a>>,
    #[serde(default, borrow)]
    conversation_time: Option<Text<'a>>,
    #[serde(default, borrow)]
    speaker_labels: Vec<Strict<SpeakerLabel<'a>>>,
    #[serde(default)]
    speaker_time: Option<SpeakerTime>,
    #[serde(default, borrow)]
    language_code: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SpeakerLabel<'a> {
    #[serde(borrow)]
    speaker: Text<'a>,
    #[serde(borrow)]
    display_text: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct SpeakerTime {
    #[serde(default)]
    non_talk_time: Option<NonTalkTime>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct NonTalkTime {
    #[serde(default)]
    instances: Vec<Quiet>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Quiet {
    #[serde(default, deserialize_with = "seconds")]
    begin_offset_secs: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    end_offset_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Segment<'a> {
    #[serde(default, borrow)]
    segment_speaker: Option<Text<'a>>,
    #[serde(default, borrow)]
    display_text: Option<Text<'a>>,
    #[serde(default, borrow)]
    original_text: Option<Text<'a>>,
    #[serde(default, deserialize_with = "seconds")]
    segment_start_time: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    segment_end_time: Option<f64>,
    #[serde(default)]
    segment_interruption: Option<bool>,
    #[serde(default, rename = "IVRSegment")]
    ivr_segment: Option<bool>,
}

#[cfg(test)]
impl Segment<'_> {
    /// Whether every string of the segment is borrowed from the document.
    pub(super) fn borrows_its_text(&self) -> bool {
        [
            &self.segment_speaker,
            &self.display_text,
            &self.original_text,
        ]
        .iter()
        .all(|t| {
            t.as_ref()
                .is_some_and(|t| matches!(t.0, std::borrow::Cow::Borrowed(_)))
        })
    }
}

#[cfg(test)]
impl Analytics<'_> {
    /// Whether every string of the analytics is borrowed from the document.
    pub(super) fn borrows_its_text(&self) -> bool {
        let b = |t: &Text<'_>| matches!(t.0, std::borrow::Cow::Borrowed(_));
        [&self.guid, &self.agent, &self.conversation_time]
            .iter()
            .all(|t| t.as_ref().is_some_and(b))
            && self
                .speaker_labels
                .iter()
                .all(|l| b(&l.speaker) && b(&l.display_text))
    }
}

/// Seconds are numbers, or numbers in strings (PCA writes `"Duration": "28.67"`).
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrStr {
        N(f64),
        S(String),
    }
    Ok(match Option::<NumOrStr>::deserialize(d)? {
        Some(NumOrStr::N(v)) => Some(v),
        Some(NumOrStr::S(s)) => s.trim().parse().ok(),
        None => None,
    })
}

/// PCA writes the string "None" for an unknown agent or GUID (see `known_id`).
fn known(v: Option<Text<'_>>) -> Option<String> {
    v.as_deref()
        .and_then(crate::read::known_id)
        .map(str::to_string)
}

json_document_reader!(PcaReader);

/// The call's date: `ConversationTime`'s, else a `YYYY-MM-DD` in the file name. A time that
/// cannot be read is said, with its value, as a CSV `date` cell is (it was dropped in silence).
fn conversation_date(time: Option<&str>, ctx: &mut ReadContext<'_>) -> Option<NaiveDate> {
    // PCA writes "None" for what it does not know.
    let time = time.filter(|t| crate::read::known_id(t).is_some());
    if let Some(date) = time.and_then(parse_date) {
        return Some(date);
    }
    let from_name = date_in_file_name(ctx.name);
    if let Some(time) = time {
        ctx.acct.warn(format!(
            "{}: ConversationAnalytics.ConversationTime `{}` not understood (expected a date and time like 2022-06-01 09:30:00.000); {}",
            ctx.name,
            shown(time),
            if from_name.is_some() {
                "the call takes the date in its file name"
            } else {
                "the call has no date"
            }
        ));
    }
    from_name
}

/// `read_document` on a document deserialised straight into its segments and analytics (see
/// `vendor::typed`): every segment has the expected shape.
pub(super) fn read_typed(
    segments: Vec<Strict<Segment<'_>>>,
    analytics: Option<Analytics<'_>>,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let analytics = analytics.unwrap_or_default();
    if analytics.speaker_labels.is_empty() && !segments.is_empty() {
        ctx.acct.warn(format!(
            "{}: ConversationAnalytics.SpeakerLabels is missing: every speaker is `other`",
            ctx.name
        ));
    }
    let mut call = ctx.new_call_or_named_by_file(known(analytics.guid));
    // Call analytics of recorded calls: always a voice call.
    call.channel = Channel::Voice;
    call.agent_id = known(analytics.agent);
    call.date = conversation_date(analytics.conversation_time.as_deref(), ctx);
    if let Some(code) = analytics.language_code.as_deref() {
        ctx.acct.declared_language(code);
    }
    let role = |spk: &str| {
        analytics
            .speaker_labels
            .iter()
            .find(|l| &*l.speaker == spk)
            .map_or(Speaker::Other, |l| Speaker::from_label(&l.display_text))
    };
    for (i, seg) in segments.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("SpeechSegments[{index}]");
        let speaker = if seg.ivr_segment == Some(true) {
            Speaker::Other
        } else {
            role(seg.segment_speaker.as_deref().unwrap_or(""))
        };
        let text = seg
            .display_text
            .as_deref()
            .or(seg.original_text.as_deref())
            .unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            t.start_ms = seg.segment_start_time.and_then(secs_to_ms);
            t.end_ms = seg.segment_end_time.and_then(secs_to_ms);
            t.interruption = seg.segment_interruption;
        }
    }
    if let Some(ntt) = analytics.speaker_time.and_then(|t| t.non_talk_time) {
        call.silences.extend(ntt.instances.iter().filter_map(|q| {
            let start_ms = q.begin_offset_secs.and_then(secs_to_ms)?;
            let end_ms = q.end_offset_secs.and_then(secs_to_ms)?;
            Some(Silence {
                start_ms,
                end_ms: end_ms.max(start_ms),
            })
        }));
    }
    ctx.deliver(call, sink)
}

/// Reads a parsed PCA document.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    let segments = array(top, "SpeechSegments", ctx, FORMAT, EXPECTED)?;
    let analytics: Analytics<'_> =
        field(top, "ConversationAnalytics", ctx, FORMAT)?.unwrap_or_default();
    if analytics.speaker_labels.is_empty() && !segments.is_empty() {
        ctx.acct.warn(format!(
            "{}: ConversationAnalytics.SpeakerLabels is missing: every speaker is `other`",
            ctx.name
        ));
    }
    // Without a GUID the file is the call: its name is the id. (Not the Transcribe job name:
    // copies of an export, or files of one job re-run, would become one call.)
    let mut call = ctx.new_call_or_named_by_file(known(analytics.guid));
    // Call analytics of recorded calls: always a voice call.
    call.channel = Channel::Voice;
    call.agent_id = known(analytics.agent);
    call.date = conversation_date(analytics.conversation_time.as_deref(), ctx);
    if let Some(code) = analytics.language_code.as_deref() {
        ctx.acct.declared_language(code);
    }
    let role = |spk: &str| {
        analytics
            .speaker_labels
            .iter()
            .find(|l| &*l.speaker == spk)
            .map_or(Speaker::Other, |l| Speaker::from_label(&l.display_text))
    };
    for (i, raw) in segments.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("SpeechSegments[{index}]");
        let Some(seg) = item::<Segment>(raw, ctx, &position, "a speech segment", EXPECTED)? else {
            continue;
        };
        // IVR prompts are the machine speaking, whoever's channel they were on.
        let speaker = if seg.ivr_segment == Some(true) {
            Speaker::Other
        } else {
            role(seg.segment_speaker.as_deref().unwrap_or(""))
        };
        let text = seg
            .display_text
            .as_deref()
            .or(seg.original_text.as_deref())
            .unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            t.start_ms = seg.segment_start_time.and_then(secs_to_ms);
            t.end_ms = seg.segment_end_time.and_then(secs_to_ms);
            t.interruption = seg.segment_interruption;
        }
    }
    if let Some(ntt) = analytics.speaker_time.and_then(|t| t.non_talk_time) {
        call.silences.extend(ntt.instances.iter().filter_map(|q| {
            let start_ms = q.begin_offset_secs.and_then(secs_to_ms)?;
            let end_ms = q.end_offset_secs.and_then(secs_to_ms)?;
            Some(Silence {
                start_ms,
                end_ms: end_ms.max(start_ms),
            })
        }));
    }
    ctx.deliver(call, sink)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(name: &str, data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        let (r, acct) = read_for_test(&PcaReader, name, data.as_bytes(), &ReadOptions::default());
        (r, acct)
    }

    #[test]
    fn speaker_labels_decide_roles_even_against_the_text() {
        let (calls, acct) = read(
            "x.json",
            r#"{"ConversationAnalytics": {"GUID": "None", "Agent": "None", "ConversationTime": "2022-06-01 09:30:00.000001",
                  "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Customer"}, {"Speaker": "spk_1", "DisplayText": "Agent"}],
                  "SpeakerTime": {"NonTalkTime": {"Instances": [{"BeginOffsetSecs": 3.5, "EndOffsetSecs": 15.0, "DurationSecs": 11.5}]}},
                  "SourceInformation": [{"TranscribeJobInfo": {"TranscriptionJobName": "job-3.wav"}}]},
                "SpeechSegments": [
                  {"SegmentSpeaker": "spk_0", "DisplayText": "Thank you for calling, how can I help?", "SegmentStartTime": 0.25, "SegmentEndTime": 3.5, "SegmentInterruption": false},
                  {"SegmentSpeaker": "spk_1", "DisplayText": "My order is late.", "SegmentStartTime": "15.0", "SegmentEndTime": 17.125, "SegmentInterruption": true},
                  {"SegmentSpeaker": "spk_1", "DisplayText": "Press one.", "IVRSegment": true}
                ]}"#,
        );
        let c = &calls.unwrap()[0];
        // GUID "None": the file is the call (not the Transcribe job it names).
        assert_eq!(c.id, "x");
        assert_eq!(c.agent_id, None);
        assert_eq!(c.date, chrono::NaiveDate::from_ymd_opt(2022, 6, 1));
        let speakers: Vec<_> = c.turns.iter().map(|t| t.speaker).collect();
        assert_eq!(
            speakers,
            [Speaker::Customer, Speaker::Agent, Speaker::Other]
        );
        assert_eq!(
            (c.turns[1].start_ms, c.turns[1].end_ms),
            (Some(15000), Some(17125))
        );
        assert_eq!(c.turns[0].start_ms, Some(250));
        assert_eq!(c.turns[1].interruption, Some(true));
        assert_eq!(
            c.silences,
            [Silence {
                start_ms: 3500,
                end_ms: 15000
            }]
        );
        assert_eq!(acct.rows_read, 3);
    }

    #[test]
    fn guid_and_agent_when_known() {
        let (calls, _) = read(
            "x.json",
            r#"{"ConversationAnalytics": {"GUID": "g-1", "Agent": "ann", "SpeakerLabels": []},
                "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}]}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!((c.id.as_str(), c.agent()), ("g-1", "ann"));
        assert_eq!(c.turns[0].speaker, Speaker::Other);
    }

    #[test]
    fn guids_that_say_there_is_none_leave_the_file_name_as_the_call_id() {
        for guid in ["\"None\"", "\"null\"", "\"\"", "\" NULL \"", "null"] {
            let doc = format!(
                r#"{{"ConversationAnalytics": {{"GUID": {guid}, "SourceInformation": [{{"TranscribeJobInfo": {{"TranscriptionJobName": "same-job"}}}}]}},
                    "SpeechSegments": [{{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}}]}}"#
            );
            let (calls, _) = read("exports/call-9.json", &doc);
            assert_eq!(calls.unwrap()[0].id, "call-9", "GUID {guid}");
        }
    }

    #[test]
    fn a_bad_segment_is_skipped_with_its_position() {
        let (calls, acct) = read(
            "p.json",
            r#"{"SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "hi"}, {"SegmentSpeaker": 3}]}"#,
        );
        assert_eq!(calls.unwrap()[0].id, "p");
        assert_eq!(acct.rows_skipped_total(), 1);
        assert!(
            acct.warnings
                .iter()
                .any(|w| w.starts_with("p.json: SpeechSegments[2]: not a speech segment")),
            "{:?}",
            acct.warnings
        );
    }
}
