//! Conversation JSONL: one call per line,
//! `{"call_id", "agent_id", "date"?, "turns": [{"speaker", "text", "start_ms"?, "end_ms"?}]}`.

use super::dates::parse_date;
// Ids and dates may be written as strings or numbers; a number is read as written.
use super::json_id::id;
use super::vendor::{self, lenient::Strict};
use super::{CallSink, ReadContext, ReadError, Reader};
use crate::accounting::SkipReason;
use crate::model::{Call, Channel, Speaker};
use crate::read::{Count, Line as InputLine, Lines};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;

mod chunked;

pub struct JsonlReader;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(
        default,
        alias = "contact_id",
        alias = "conversation_id",
        deserialize_with = "id"
    )]
    call_id: Option<String>,
    #[serde(default, alias = "agent", deserialize_with = "id")]
    agent_id: Option<String>,
    #[serde(default, deserialize_with = "id")]
    date: Option<String>,
    #[serde(default, deserialize_with = "id")]
    team: Option<String>,
    #[serde(default, deserialize_with = "id")]
    queue: Option<String>,
    /// voice / chat (also phone, message, …).
    #[serde(default, alias = "medium", deserialize_with = "id")]
    channel: Option<String>,
    /// Each turn an object: a derived struct would take `["agent", "hi"]` field by field.
    #[serde(borrow, default)]
    turns: Option<Vec<Strict<TurnLine<'a>>>>,
}

#[derive(Deserialize)]
struct TurnLine<'a> {
    #[serde(borrow, default, alias = "role")]
    speaker: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "content")]
    text: Option<Cow<'a, str>>,
    #[serde(default)]
    start_ms: Option<f64>,
    #[serde(default)]
    end_ms: Option<f64>,
}

impl Reader for JsonlReader {
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        match ctx.chunk_block {
            Some(block) => chunked::read(input, block, ctx, sink),
            None => read_lines(input, &mut Lines::default(), ctx, sink),
        }
    }
}

/// Reads the lines of `input` to its end, numbered on from `lines`.
fn read_lines(
    input: &mut dyn BufRead,
    lines: &mut Lines,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    while let Some(line) = lines.next_or_too_long(input, ctx, Count::Endless)? {
        match line {
            InputLine::Text(line_no, text) => read_line(&text, line_no, ctx, sink)?,
            InputLine::TooLong(line_no, head) => too_long_line(head, line_no, ctx, sink)?,
        }
    }
    Ok(())
}

/// A line over `--max-call-bytes`: a row too large. When its first bytes name its call, the
/// call is too large as a whole (its other lines are not audited without this one: tester
/// t20's F2), as in a plain-text call; otherwise the line alone is skipped.
fn too_long_line(
    head: &[u8],
    line_no: u64,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    ctx.acct.rows_read += 1;
    let Some(call_id) = call_id_in_head(head) else {
        return ctx.skip(
            SkipReason::TooLarge,
            line_no,
            &format!(
                "a line of more than {} (--max-call-bytes)",
                super::describe_bytes(ctx.options.max_call_bytes)
            ),
        );
    };
    let mut call = ctx.new_call(&call_id);
    call.line = line_no;
    ctx.call_too_large(&mut call, line_no, 1)?;
    if !sink(call) {
        return Err(ReadError::stopped());
    }
    Ok(())
}

/// The call id of a JSONL line known only by its first bytes: its top-level `call_id` (or an
/// alias), read as `Line` reads it, when it comes whole before the cut.
fn call_id_in_head(head: &[u8]) -> Option<String> {
    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
    #[derive(Deserialize)]
    struct IdValue(#[serde(deserialize_with = "id")] Option<String>);
    struct Find<'f>(&'f mut Option<Option<String>>);
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a conversation object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                // `Line::call_id` and its aliases (the unit test below holds them together).
                if matches!(&*key, "call_id" | "contact_id" | "conversation_id") {
                    // Found, whatever follows: the cut makes the rest an error.
                    *self.0 = Some(map.next_value::<IdValue>()?.0);
                    return Err(de::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let text = std::str::from_utf8(head)
        .unwrap_or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]).expect("the valid part"));
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let mut found = None;
    let _ = serde_json::Deserializer::from_str(text).deserialize_map(Find(&mut found));
    found
        .flatten()
        .as_deref()
        .and_then(super::known_id)
        .map(str::to_string)
}

/// Reads the lines of `bytes`, the first of which is line `lines_before + 1`, as `Lines` reads
/// them from an input: split after each line feed (a last line may lack one), line ends removed,
/// invalid UTF-8 decoded lossily and counted. No line may be over `--max-call-bytes` (the
/// chunked reader, which hands these over, sees to that).
fn read_bytes(
    bytes: &[u8],
    lines_before: u64,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let mut line_no = lines_before;
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        debug_assert!((end - start) as u64 <= ctx.options.max_call_bytes);
        line_no += 1;
        let text = super::line_text(&bytes[start..end], line_no, ctx.acct);
        read_line(&text, line_no, ctx, sink)?;
        start = end;
    }
    Ok(())
}

/// Reads one line (its line end removed): a call, or a row skipped and counted, or nothing
/// for a blank line.
fn read_line(
    text: &str,
    line_no: u64,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Ok(());
    }
    // A derived struct takes an array too, its items as the fields in order: a line
    // `["Z1", "ann", …, [["agent", "hi"]]]` would be a call read by position.
    if !text.starts_with('{') {
        ctx.acct.rows_read += 1;
        let found = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => format!("expected a conversation object, found {}", vendor::kind(&v)),
            Err(e) => format!("not a conversation object: {e}"),
        };
        return ctx.skip(SkipReason::MalformedRow, line_no, &found);
    }
    let parsed: Line = match serde_json::from_str(text) {
        Ok(l) => l,
        Err(e) => {
            ctx.acct.rows_read += 1;
            return ctx.skip(
                SkipReason::MalformedRow,
                line_no,
                &format!("not a conversation object: {e}"),
            );
        }
    };
    let Some(turns) = parsed.turns else {
        ctx.acct.rows_read += 1;
        return ctx.skip(SkipReason::MalformedRow, line_no, "no `turns` array");
    };
    ctx.acct.rows_read += turns.len() as u64;
    let Some(call_id) = parsed.call_id.as_deref().and_then(super::known_id) else {
        for _ in &turns {
            ctx.skip(SkipReason::MissingCallId, line_no, "no call_id")?;
        }
        if turns.is_empty() {
            ctx.empty_call("(no call_id)", Some(line_no));
        }
        return Ok(());
    };
    let mut call = ctx.new_call(call_id);
    call.line = line_no;
    call.agent_id = parsed
        .agent_id
        .as_deref()
        .and_then(super::known_id)
        .map(str::to_string);
    call.team = parsed.team;
    call.queue = parsed.queue;
    call.channel = parsed
        .channel
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map_or(Channel::Unknown, |c| {
            let channel = Channel::from_label(c);
            if channel == Channel::Unknown {
                ctx.acct.unknown_channel(c);
            }
            channel
        });
    if let Some(raw) = parsed.date.as_deref().filter(|d| !d.trim().is_empty()) {
        call.date = parse_date(raw);
        if call.date.is_none() {
            ctx.acct.warn(format!(
                "{}:{line_no}: date `{raw}` not understood; the call has no date",
                ctx.name
            ));
        }
    }
    push_turns(&turns, &mut call, ctx, line_no)?;
    // A call with no turn at all, or every one skipped (and counted), goes on too: the
    // pipeline counts and reports it as empty unless its id has turns elsewhere.
    if !sink(call) {
        return Err(ReadError::stopped());
    }
    Ok(())
}

/// Adds a line's turns to its call, skipping (and counting) those without text.
fn push_turns(
    turns: &[Strict<TurnLine<'_>>],
    call: &mut Call,
    ctx: &mut ReadContext<'_>,
    line_no: u64,
) -> Result<(), ReadError> {
    for (i, t) in turns.iter().enumerate() {
        let text = t.text.as_deref().unwrap_or("");
        if text.trim().is_empty() {
            ctx.skip(
                SkipReason::MissingText,
                line_no,
                &format!("turn {} has no text", i + 1),
            )?;
            continue;
        }
        let speaker = Speaker::from_label(t.speaker.as_deref().unwrap_or(""));
        let Some(turn) = ctx.push_turn(call, speaker, text, line_no)? else {
            continue;
        };
        turn.start_ms = t
            .start_ms
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64);
        turn.end_ms = t
            .end_ms
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64);
        if speaker == Speaker::Other {
            ctx.acct.rows_other_speaker += 1;
            ctx.acct
                .other_speaker_label(t.speaker.as_deref().unwrap_or(""));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line over the limit names its call by `Line::call_id` or an alias, read as `Line`
    /// reads it (a number as written), when the id comes whole before the cut.
    #[test]
    fn the_call_of_a_cut_line_is_read_from_its_head() {
        for key in ["call_id", "contact_id", "conversation_id"] {
            let whole = format!("{{\"{key}\": \"C-7\", \"turns\": []}}");
            let parsed: Line = serde_json::from_str(&whole).unwrap();
            assert_eq!(parsed.call_id.as_deref(), Some("C-7"), "{key}");
            let head = format!(
                "{{\"agent_id\": \"ann\", \"{key}\": \"C-7\", \"turns\": [{{\"text\": \"xx"
            );
            assert_eq!(
                call_id_in_head(head.as_bytes()).as_deref(),
                Some("C-7"),
                "{key}"
            );
        }
        assert_eq!(
            call_id_in_head(b"{\"call_id\": 42, \"turns\": [").as_deref(),
            Some("42")
        );
        // Cut inside the id, or the id after the cut: not told.
        assert_eq!(call_id_in_head(b"{\"call_id\": \"C-"), None);
        assert_eq!(call_id_in_head(b"{\"turns\": [{\"text\": \"xxxx"), None);
        assert_eq!(call_id_in_head(b"{\"call_id\": \"\", \"turns\": ["), None);
    }
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(data: &str) -> (Vec<Call>, Accounting) {
        let (calls, acct) = read_for_test(
            &JsonlReader,
            "t.jsonl",
            data.as_bytes(),
            &ReadOptions::default(),
        );
        (calls.unwrap(), acct)
    }

    #[test]
    fn reads_calls_with_timings_and_numeric_ids() {
        let (calls, acct) = read(
            r#"{"call_id": 7, "agent_id": "ann", "date": "2024-03-05", "turns": [{"speaker": "customer", "text": "hi", "start_ms": 0, "end_ms": 900}, {"role": "agent", "content": "hello", "start_ms": 1000}]}"#,
        );
        assert_eq!(calls[0].id, "7");
        assert_eq!(calls[0].turns.len(), 2);
        assert_eq!(calls[0].turns[0].end_ms, Some(900));
        assert_eq!(calls[0].turns[1].speaker, Speaker::Agent);
        assert_eq!(acct.rows_read, 2);
    }

    #[test]
    fn bad_lines_are_counted_and_skipped() {
        let (calls, acct) = read(
            "{not json\n\n{\"turns\": [{\"speaker\": \"agent\", \"text\": \"x\"}]}\n{\"call_id\": \"c\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"\"}, {\"speaker\": \"agent\", \"text\": \"ok\"}]}\n",
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(acct.rows_read, 4);
        assert_eq!(acct.rows_skipped_total(), 3);
        assert!(
            acct.warnings[0].starts_with("t.jsonl:1:"),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[1].starts_with("t.jsonl:3:"),
            "{:?}",
            acct.warnings
        );
    }

    /// A line with no turn (or none left) is handed on empty: the pipeline counts it as a call
    /// with nothing to audit unless its id has turns on another line (tests/it/reliability.rs).
    #[test]
    fn a_call_without_turns_is_handed_on_empty() {
        let (calls, acct) = read(
            "{\"call_id\": \"e\", \"turns\": []}\n{\"call_id\": \"f\", \"turns\": [{\"speaker\": \"agent\", \"text\": \" \"}]}\n",
        );
        let handed: Vec<(&str, usize, u64)> = calls
            .iter()
            .map(|c| (c.id.as_str(), c.turns.len(), c.line))
            .collect();
        assert_eq!(handed, [("e", 0, 1), ("f", 0, 2)]);
        assert_eq!(acct.calls_empty, 0, "counted by the pipeline, not here");
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (1, 1));
    }

    #[test]
    fn placeholder_call_ids_are_missing_ids() {
        let (calls, acct) = read(
            "{\"call_id\": \"None\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"hi\"}]}\n{\"call_id\": \"c\", \"agent_id\": \"null\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"hi\"}]}\n",
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].agent_id, None);
        assert_eq!(acct.rows_skipped.get(&SkipReason::MissingCallId), Some(&1));
    }

    /// A line or a turn that is an array is not read by position, as a derived struct would.
    #[test]
    fn arrays_are_malformed_rows_not_conversations() {
        let (calls, acct) = read(concat!(
            r#"["Z1","ann","2026-01-01",null,null,null,[["agent","I am so sorry"]]]"#,
            "\n",
            r#"[{"call_id":"A1","turns":[]}]"#,
            "\n",
            r#"{"call_id":"Z2","turns":[["agent","I am so sorry"]]}"#,
            "\n",
            "7\n",
        ));
        assert!(calls.is_empty());
        assert_eq!(acct.rows_skipped.get(&SkipReason::MalformedRow), Some(&4));
        assert_eq!(
            &acct.warnings[..2],
            [
                "t.jsonl:1: expected a conversation object, found an array (malformed row, skipped)",
                "t.jsonl:2: expected a conversation object, found an array (malformed row, skipped)",
            ]
        );
        assert!(
            acct.warnings[2].starts_with(
                "t.jsonl:3: not a conversation object: invalid type: sequence, expected an object"
            ),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[3].contains("found a number"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn deep_nesting_is_a_malformed_row_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (calls, acct) = read(&format!("{{\"call_id\": \"c\", \"turns\": {deep}}}\n"));
        assert!(calls.is_empty());
        assert_eq!(acct.rows_skipped_total(), 1);
    }
}
