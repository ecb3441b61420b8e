//! Amazon Transcribe Call Analytics output: one call per document,
//! `{"JobName", "Transcript": [{"ParticipantRole": "AGENT"|"CUSTOMER", "Content",
//! "BeginOffsetMillis", "EndOffsetMillis"}], "ConversationCharacteristics": {...}}`.
//!
//! `JobName` is the call id. `ConversationCharacteristics.Interruptions` flags the turns that
//! interrupted (so the interruption item trusts the service instead of measuring overlaps) and
//! `NonTalkTime.Instances` are the call's silences. Contact Lens voice analysis has the same
//! characteristics block, so it uses `apply_characteristics` too.

use super::lenient::Text;
use super::{array, call_id, item, top_object};
use crate::model::{Call, Channel, Silence, Speaker};
use crate::read::{CallSink, ReadContext, ReadError, date_in_file_name, ms};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub struct TranscribeReader;

const FORMAT: &str = "Transcribe Call Analytics output";
const EXPECTED: &str = "`Transcript[]` of turns with `ParticipantRole`, `Content`, \
`BeginOffsetMillis` and `EndOffsetMillis`";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TurnItem<'a> {
    #[serde(default, borrow)]
    participant_role: Option<Text<'a>>,
    #[serde(default, borrow)]
    content: Option<Text<'a>>,
    #[serde(default)]
    begin_offset_millis: Option<f64>,
    #[serde(default)]
    end_offset_millis: Option<f64>,
}

/// The parts of `ConversationCharacteristics` the audit uses.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Characteristics {
    #[serde(default)]
    interruptions: Option<Interruptions>,
    #[serde(default)]
    non_talk_time: Option<NonTalkTime>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Interruptions {
    #[serde(default)]
    total_count: Option<u64>,
    /// Role (`AGENT`, `CUSTOMER`) → the stretches where that party talked over the other.
    #[serde(default)]
    interruptions_by_interrupter: BTreeMap<String, Vec<Span>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct NonTalkTime {
    #[serde(default)]
    instances: Vec<Span>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
struct Span {
    #[serde(default)]
    begin_offset_millis: Option<f64>,
    #[serde(default)]
    end_offset_millis: Option<f64>,
    #[serde(default)]
    duration_millis: Option<f64>,
}

impl Span {
    fn range(self) -> Option<(u64, u64)> {
        let begin = self.begin_offset_millis.and_then(ms)?;
        let end = self
            .end_offset_millis
            .and_then(ms)
            .or_else(|| self.duration_millis.and_then(ms).map(|d| begin + d))?;
        Some((begin, end.max(begin)))
    }
}

json_document_reader!(TranscribeReader);

/// Reads a parsed Transcribe Call Analytics document.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    let items = array(top, "Transcript", ctx, FORMAT, EXPECTED)?;
    let id = call_id(top.get("JobName"), "JobName", ctx)?;
    let mut call = ctx.new_call_or_named_by_file(id);
    // Call analytics of recorded calls: always a voice call.
    call.channel = Channel::Voice;
    // The output carries no date; a `YYYY-MM-DD` in the file name, or --metadata, gives one.
    call.date = date_in_file_name(ctx.name);
    if let Some(code) = top.get("LanguageCode").and_then(Value::as_str) {
        ctx.acct.declared_language(code);
    }
    for (i, raw) in items.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("Transcript[{index}]");
        let Some(turn) = item::<TurnItem>(raw, ctx, &position, "a turn", EXPECTED)? else {
            continue;
        };
        let speaker = Speaker::from_label(turn.participant_role.as_deref().unwrap_or(""));
        let text = turn.content.as_deref().unwrap_or("");
        if let Some(t) = ctx.utterance(&mut call, speaker, text, index, &position)? {
            t.start_ms = turn.begin_offset_millis.and_then(ms);
            t.end_ms = turn.end_offset_millis.and_then(ms);
        }
    }
    apply_characteristics_of(top, &mut call, ctx);
    ctx.deliver(call, sink)
}

/// Reads `ConversationCharacteristics` from a document's top level into the call. A block
/// that does not have the expected shape is reported and left out: the turns are still good.
pub fn apply_characteristics_of(
    top: &serde_json::Map<String, Value>,
    call: &mut Call,
    ctx: &mut ReadContext<'_>,
) {
    let Some(v) = top.get("ConversationCharacteristics") else {
        return;
    };
    match Characteristics::deserialize(v) {
        Ok(c) => apply_characteristics(call, &c),
        Err(e) => ctx.acct.warn(format!(
            "{}: ConversationCharacteristics: {e}; interruptions and silences are measured from the turns instead",
            ctx.name
        )),
    }
}

/// Interruption flags and silences from the service's own analysis.
///
/// An interruption is credited to the interrupter's turn that it starts in (begin ≥ turn start
/// and < turn end, the rule Amazon's post-call analytics uses), else to that party's last
/// turn starting before it. Once the block is there every turn gets a flag, so the audit
/// trusts the service rather than measuring overlaps — unless `TotalCount` says there are
/// more interruptions than are listed, in which case the flags would under-report and are
/// not set.
pub fn apply_characteristics(call: &mut Call, c: &Characteristics) {
    if let Some(intr) = &c.interruptions {
        let listed: usize = intr
            .interruptions_by_interrupter
            .values()
            .map(Vec::len)
            .sum();
        let complete = intr.total_count.is_none_or(|n| n as usize <= listed);
        if complete {
            for t in &mut call.turns {
                t.interruption = Some(false);
            }
            for (role, spans) in &intr.interruptions_by_interrupter {
                let speaker = Speaker::from_label(role);
                for span in spans {
                    let Some(begin) = span.begin_offset_millis.and_then(ms) else {
                        continue;
                    };
                    let inside = call.turns.iter().position(|t| {
                        t.speaker == speaker
                            && t.start_ms.is_some_and(|s| s <= begin)
                            && t.end_ms.is_some_and(|e| begin < e)
                    });
                    let before = || {
                        call.turns.iter().rposition(|t| {
                            t.speaker == speaker && t.start_ms.is_some_and(|s| s <= begin)
                        })
                    };
                    if let Some(i) = inside.or_else(before) {
                        call.turns[i].interruption = Some(true);
                    }
                }
            }
        }
    }
    if let Some(ntt) = &c.non_talk_time {
        call.silences_reported = true;
        call.silences.extend(
            ntt.instances
                .iter()
                .filter_map(|s| s.range())
                .map(|(start_ms, end_ms)| Silence { start_ms, end_ms }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::read::ReadErrorKind;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        let (r, acct) = read_for_test(
            &TranscribeReader,
            "calls/2024-05-02-job.json",
            data.as_bytes(),
            &ReadOptions::default(),
        );
        (r, acct)
    }

    #[test]
    fn turns_roles_offsets_and_job_name() {
        let (calls, acct) = read(
            r#"{"JobName": "job-7", "Transcript": [
                {"ParticipantRole": "CUSTOMER", "Content": "Hi.", "BeginOffsetMillis": 100, "EndOffsetMillis": 900},
                {"ParticipantRole": "AGENT", "Content": "Hello!", "BeginOffsetMillis": 1000, "EndOffsetMillis": 2000}
            ]}"#,
        );
        let calls = calls.unwrap();
        let c = &calls[0];
        assert_eq!(c.id, "job-7");
        assert_eq!(c.date, chrono::NaiveDate::from_ymd_opt(2024, 5, 2));
        assert_eq!(c.turns[0].speaker, Speaker::Customer);
        assert_eq!(c.turns[1].speaker, Speaker::Agent);
        assert_eq!(
            (c.turns[1].start_ms, c.turns[1].end_ms),
            (Some(1000), Some(2000))
        );
        assert_eq!(c.turns[1].line, 2);
        assert_eq!(acct.rows_read, 2);
    }

    #[test]
    fn interruptions_flag_the_interrupters_turn_and_non_talk_time_gives_silences() {
        let (calls, _) = read(
            r#"{"JobName": "j", "Transcript": [
                {"ParticipantRole": "CUSTOMER", "Content": "It broke again and", "BeginOffsetMillis": 0, "EndOffsetMillis": 5000},
                {"ParticipantRole": "AGENT", "Content": "Let me stop you there.", "BeginOffsetMillis": 4000, "EndOffsetMillis": 6000},
                {"ParticipantRole": "AGENT", "Content": "One moment.", "BeginOffsetMillis": 20000, "EndOffsetMillis": 21000}
            ], "ConversationCharacteristics": {
                "Interruptions": {"TotalCount": 1, "InterruptionsByInterrupter": {"AGENT": [{"BeginOffsetMillis": 4000, "DurationMillis": 1000, "EndOffsetMillis": 5000}]}},
                "NonTalkTime": {"Instances": [{"BeginOffsetMillis": 6000, "DurationMillis": 14000}]}
            }}"#,
        );
        let c = &calls.unwrap()[0];
        let flags: Vec<_> = c.turns.iter().map(|t| t.interruption).collect();
        assert_eq!(flags, [Some(false), Some(true), Some(false)]);
        assert_eq!(
            c.silences,
            [Silence {
                start_ms: 6000,
                end_ms: 20000
            }]
        );
    }

    #[test]
    fn an_incomplete_interruption_list_leaves_the_audit_to_measure_overlaps() {
        let (calls, _) = read(
            r#"{"JobName": "j", "Transcript": [{"ParticipantRole": "AGENT", "Content": "x", "BeginOffsetMillis": 0}],
                "ConversationCharacteristics": {"Interruptions": {"TotalCount": 2, "InterruptionsByInterrupter": {}}}}"#,
        );
        assert_eq!(calls.unwrap()[0].turns[0].interruption, None);
    }

    #[test]
    fn bad_and_empty_turns_are_counted_with_their_position() {
        let (calls, acct) = read(
            r#"{"JobName": "j", "Transcript": [
                {"ParticipantRole": "AGENT", "Content": "ok"},
                {"ParticipantRole": "AGENT", "Content": 7},
                {"ParticipantRole": "CUSTOMER", "Content": "  "}
            ]}"#,
        );
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!(acct.rows_read, 3);
        assert_eq!(acct.rows_skipped_total(), 2);
        assert!(
            acct.warnings[0].starts_with("calls/2024-05-02-job.json: Transcript[2]: not a turn"),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[1].contains("Transcript[3]: no text"),
            "{:?}",
            acct.warnings
        );
    }

    /// Handed on empty, not dropped: the pipeline counts and reports it (tests/it/reliability.rs).
    #[test]
    fn a_document_without_turns_is_handed_on_not_silently_dropped() {
        let (calls, acct) = read(r#"{"JobName": "j", "JobStatus": "FAILED", "Transcript": []}"#);
        let calls = calls.unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].id.as_str(), calls[0].turns.len()), ("j", 0));
        assert_eq!(acct.rows_read, 0);
    }

    #[test]
    fn the_wrong_shape_is_an_error_naming_what_was_expected() {
        let (r, _) = read(r#"{"JobName": "j", "Results": []}"#);
        let e = r.unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::Shape);
        let m = e.to_string();
        assert!(
            m.contains("not Transcribe Call Analytics output: no `Transcript`"),
            "{m}"
        );
        assert!(m.contains("the document has: JobName, Results"), "{m}");
    }
}
