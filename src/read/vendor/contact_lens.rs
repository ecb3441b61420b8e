//! Amazon Connect Contact Lens analysis files, one contact per document, voice and chat.
//!
//! Voice: `Participants[]` maps each `Transcript[].ParticipantId` to a `ParticipantRole`;
//! turns have `BeginOffsetMillis`/`EndOffsetMillis`; `ConversationCharacteristics` has the
//! same interruptions and non-talk time as Transcribe. The older shape, where the agent's
//! `ParticipantId` is its ARN (`arn:aws:connect:…:instance/…/agent/<id>`), is read too, and
//! gives the agent id.
//!
//! Chat: `Transcript[]` items carry their own `ParticipantRole` (AGENT, CUSTOMER, SYSTEM),
//! `AbsoluteTime` (RFC 3339) and `Type` (any case): `MESSAGE`s are turns. Events (joins, leaves,
//! chat ended, attachments) are counted in `chat_events`, not as rows; an item of another type
//! is read as a message when it has a participant and content (with a warning), else skipped
//! as malformed (`ItemTypes`). The contact id is
//! `CustomerMetadata.ContactId`; the agent id is the agent participant's `DisplayName`.
//!
//! The contact id otherwise comes from the file name, `<contactId>_analysis_<timestamp>.json`
//! (also `_analysis_redacted_`), which also gives the date.

use super::lenient::{Strict, Text};
use super::transcribe::apply_characteristics_of;
use super::{array, call_id, field, item, shown, top_object};
use crate::accounting::SkipReason;
use crate::model::{Channel, Speaker};
use crate::read::dates::{parse_date, rfc3339_ms};
use crate::read::{CallSink, ReadContext, ReadError, call_id_from_name, epoch_ms_date, ms};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

pub struct ContactLensReader;

const FORMAT: &str = "a Contact Lens analysis file";
const EXPECTED: &str = "`Participants[]` and `Transcript[]` of turns with `ParticipantId` \
(voice) or `ParticipantRole`, `Type` and `AbsoluteTime` (chat), and `Content`";

/// One of `Participants[]` (the typed reader, `typed.rs`, reads the same).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Participant<'a> {
    #[serde(default, borrow)]
    pub(super) participant_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub(super) participant_role: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub(super) display_name: Option<Text<'a>>,
}

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
    #[serde(default, borrow)]
    absolute_time: Option<Text<'a>>,
    #[serde(default, borrow, rename = "Type")]
    kind: Option<Text<'a>>,
}

json_document_reader!(ContactLensReader);

/// The agent id inside an agent ARN (`…/agent/<id>`).
pub(super) fn agent_from_arn(id: &str) -> Option<&str> {
    if !id.starts_with("arn:") {
        return None;
    }
    id.rsplit_once("/agent/")
        .map(|(_, agent)| agent)
        .filter(|a| !a.is_empty() && !a.contains('/'))
}

/// `<contactId>_analysis_<timestamp>` (or `_analysis_redacted_`) from a file name.
pub(super) fn parse_file_name(name: &str) -> Option<(String, Option<NaiveDate>)> {
    let stem = call_id_from_name(name);
    let (id, rest) = stem.split_once("_analysis_")?;
    let ts = rest.strip_prefix("redacted_").unwrap_or(rest);
    // `2020-02-04T21:14:16Z`, `2021-09-09T18_13_13Z` (colons replaced when downloaded) or
    // `20260310T22:35_UTC`: the date is the leading digits.
    let digits: String = ts
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .filter(char::is_ascii_digit)
        .collect();
    let date = (digits.len() == 8)
        .then(|| NaiveDate::parse_from_str(&digits, "%Y%m%d").ok())
        .flatten();
    (!id.is_empty()).then(|| (id.to_string(), date))
}

/// Reads a parsed Contact Lens document.
pub fn read_document(
    doc: Value,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let top = top_object(&doc, ctx, FORMAT, EXPECTED)?;
    let items = array(top, "Transcript", ctx, FORMAT, EXPECTED)?;
    let participants: Vec<Strict<Participant<'_>>> =
        field(top, "Participants", ctx, FORMAT)?.unwrap_or_default();
    let from_name = parse_file_name(ctx.name);
    let contact_id = call_id(
        top.get("CustomerMetadata").and_then(|m| m.get("ContactId")),
        "CustomerMetadata.ContactId",
        ctx,
    )?;
    let id = contact_id.or_else(|| from_name.as_ref().map(|(id, _)| id.clone()));
    let mut call = ctx.new_call_or_named_by_file(id);
    call.date = from_name.and_then(|(_, date)| date);
    if let Some(code) = top.get("LanguageCode").and_then(Value::as_str) {
        ctx.acct.declared_language(code);
    }

    let chat = top
        .get("Channel")
        .and_then(Value::as_str)
        .is_some_and(is_chat_channel)
        || items.iter().any(|i| i.get("AbsoluteTime").is_some());
    call.channel = if chat { Channel::Chat } else { Channel::Voice };
    call.agent_id = participants_agent(&participants, chat);

    // Chat times are ms from the first item (the customer joining), events included.
    let contact_start = items
        .iter()
        .filter_map(|i| i.get("AbsoluteTime").and_then(Value::as_str))
        .filter_map(rfc3339_ms)
        .min();
    warn_unread_times(
        items
            .iter()
            .map(|i| i.get("AbsoluteTime").and_then(Value::as_str)),
        ctx,
    );
    if chat && call.date.is_none() {
        call.date = contact_start.and_then(epoch_ms_date).or_else(|| {
            let first = items.iter().find_map(|i| i.get("AbsoluteTime")?.as_str());
            first.and_then(parse_date)
        });
    }

    let mut types = ItemTypes::default();
    for (i, raw) in items.iter().enumerate() {
        let index = i as u64 + 1;
        let position = || format!("Transcript[{index}]");
        let Some(entry) = item::<Item>(raw, ctx, &position, "a turn", EXPECTED)? else {
            continue;
        };
        let pid = entry.participant_id.as_deref().unwrap_or("");
        let role = entry.participant_role.as_deref();
        let content = entry.content.as_deref();
        if !types.takes(entry.kind.as_deref(), pid, role, content, index, ctx)? {
            continue;
        }
        let speaker = item_speaker(entry.participant_role.as_deref(), pid, &participants);
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
            match (&entry.absolute_time, contact_start) {
                (Some(at), Some(start)) => {
                    t.start_ms = rfc3339_ms(at).map(|v| v.saturating_sub(start));
                }
                _ => {
                    t.start_ms = entry.begin_offset_millis.and_then(ms);
                    t.end_ms = entry.end_offset_millis.and_then(ms);
                }
            }
            // Each agent turn votes for the agent who said it: a chat handed from one agent
            // to another (or joined by a supervisor) goes to the one who said most, counted
            // and warned of as a call whose rows disagree, not to the first agent listed in
            // `Participants` (tester t23 F4).
            if let Some(agent) = said_by {
                call.votes.agent.add_by(agent, 1);
            }
        }
    }
    types.warn(ctx);
    if !chat {
        apply_characteristics_of(top, &mut call, ctx);
    }
    ctx.deliver(call, sink)
}

/// Says once for a document that chat items' `AbsoluteTime` (each item's, in order) could not
/// be read, naming the first with its value, as a CSV `date` cell is: those items have no time
/// (they were dropped in silence).
pub(super) fn warn_unread_times<'t>(
    times: impl Iterator<Item = Option<&'t str>>,
    ctx: &mut ReadContext<'_>,
) {
    let mut first = None;
    let mut unread = 0;
    for (i, time) in times.enumerate() {
        if let Some(time) = time.filter(|t| !t.trim().is_empty())
            && rfc3339_ms(time).is_none()
        {
            unread += 1;
            first.get_or_insert((i + 1, time));
        }
    }
    if let Some((index, time)) = first {
        ctx.acct.warn(format!(
            "{}: Transcript[{index}].AbsoluteTime `{}` not understood (expected an RFC 3339 time like 2024-03-01T09:00:00.000Z); {}",
            ctx.name,
            shown(time),
            match unread {
                1 => "the item has no time".to_string(),
                n => format!("it and {} more item(s) have no time", n - 1),
            }
        ));
    }
}

/// `Channel` says chat: `CHAT`, in any case.
pub(super) fn is_chat_channel(channel: &str) -> bool {
    channel.trim().eq_ignore_ascii_case("CHAT")
}

/// The chat item types that are events: nobody says anything in them (Amazon Connect's
/// participant service lists these besides `MESSAGE`). Compared ignoring ASCII case.
const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "ATTACHMENT",
    "TYPING",
    "CONNECTION_ACK",
    "MESSAGE_DELIVERED",
    "MESSAGE_READ",
    "PARTICIPANT_JOINED",
    "PARTICIPANT_LEFT",
    "CHAT_ENDED",
    "TRANSFER_SUCCEEDED",
    "TRANSFER_FAILED",
];

/// Sorts a document's transcript items by their `Type`, and remembers the types it does not
/// know, to say so once per type when the document is read (`warn`).
#[derive(Default)]
pub(super) struct ItemTypes {
    /// Each unknown type read as a message: the first item of it and how many there were.
    unknown: Vec<(String, u64, u64)>,
}

impl ItemTypes {
    /// Whether an item is a message to read as a turn. `MESSAGE` (any case), or no `Type` at
    /// all (voice turns have none), is one; a known event type is counted in `chat_events`.
    /// An item of any other type is read as a message when it has a participant and content
    /// (and reported: `warn`), else it is a row read and skipped as malformed, with a warning:
    /// an item never vanishes without a word.
    pub(super) fn takes(
        &mut self,
        kind: Option<&str>,
        participant_id: &str,
        participant_role: Option<&str>,
        content: Option<&str>,
        index: u64,
        ctx: &mut ReadContext<'_>,
    ) -> Result<bool, ReadError> {
        let Some(kind) = kind else {
            return Ok(true);
        };
        let has_participant = !participant_id.trim().is_empty()
            || participant_role.is_some_and(|r| !r.trim().is_empty());
        let known = kind.trim();
        if known.eq_ignore_ascii_case("MESSAGE") {
            return Ok(true);
        }
        if EVENT_TYPES.iter().any(|e| e.eq_ignore_ascii_case(known)) {
            ctx.acct.chat_events += 1;
            return Ok(false);
        }
        let has_content = content.is_some_and(|c| !c.trim().is_empty());
        if has_participant && has_content {
            match self.unknown.iter_mut().find(|(k, ..)| k == kind) {
                Some((_, _, n)) => *n += 1,
                None => self.unknown.push((kind.to_string(), index, 1)),
            }
            return Ok(true);
        }
        ctx.acct.rows_read += 1;
        let lacks = match (has_participant, has_content) {
            (false, false) => "participant and no content",
            (false, true) => "participant",
            _ => "content",
        };
        ctx.skip_at(
            SkipReason::MalformedRow,
            &format!("Transcript[{index}]"),
            &format!(
                "`Type` {} is neither MESSAGE nor an event type ({}), and the item has no {lacks} to read it as a message",
                quoted(kind),
                EVENT_TYPES.join(", ")
            ),
        )?;
        Ok(false)
    }

    /// Says, once per unknown type, which items of it were read as messages.
    pub(super) fn warn(self, ctx: &mut ReadContext<'_>) {
        for (kind, first, n) in self.unknown {
            let items = if n == 1 {
                "it was read as a message (it has a participant and content)".to_string()
            } else {
                format!(
                    "its {n} items (this is the first) were read as messages (they have a participant and content)"
                )
            };
            ctx.acct.warn(format!(
                "{}: Transcript[{first}]: `Type` {} is neither MESSAGE nor an event type; {items}",
                ctx.name,
                quoted(&kind)
            ));
        }
    }
}

/// A type for messages: `"CHAT_MESSAGE"`, its control characters left to the terminal
/// escaping of warnings.
fn quoted(kind: &str) -> String {
    format!("{kind:?}")
}

/// The agent named by `Participants`: a chat's agent by display name, a voice call's by the
/// user in its ARN.
pub(super) fn participants_agent(
    participants: &[Strict<Participant<'_>>],
    chat: bool,
) -> Option<String> {
    let agent_participant = participants.iter().find(|p| {
        p.participant_role
            .as_deref()
            .is_some_and(|r| Speaker::from_label(r) == Speaker::Agent)
    });
    if chat {
        agent_participant
            .and_then(|p| p.display_name.as_deref())
            .and_then(crate::read::known_id)
            .map(str::to_string)
    } else {
        agent_participant
            .and_then(|p| p.participant_id.as_deref())
            .and_then(agent_from_arn)
            .map(str::to_string)
    }
}

/// The agent who said an agent's turn, when it can be told: in a chat, its participant's
/// `DisplayName` (else the item's own), on a voice call the agent in its participant ARN.
pub(super) fn turn_agent<'p>(
    pid: &'p str,
    display_name: Option<&'p str>,
    participants: &'p [Strict<Participant<'_>>],
    chat: bool,
) -> Option<&'p str> {
    if !chat {
        return agent_from_arn(pid);
    }
    participants
        .iter()
        .find(|p| !pid.is_empty() && p.participant_id.as_deref() == Some(pid))
        .and_then(|p| p.display_name.as_deref())
        .or(display_name)
        .and_then(crate::read::known_id)
}

/// A turn's speaker: its own role, else its participant's role in `Participants`, else an
/// agent ARN, else the participant id as a label.
fn item_speaker(
    role: Option<&str>,
    pid: &str,
    participants: &[Strict<Participant<'_>>],
) -> Speaker {
    let role_of_participant = |id: &str| {
        participants
            .iter()
            .find(|p| p.participant_id.as_deref() == Some(id))
            .and_then(|p| p.participant_role.as_deref())
    };
    match role {
        Some(role) => Speaker::from_label(role),
        None => match role_of_participant(pid) {
            Some(role) => Speaker::from_label(role),
            None if agent_from_arn(pid).is_some() => Speaker::Agent,
            None => Speaker::from_label(pid),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::model::Call;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(name: &str, data: &str) -> (Result<Vec<Call>, ReadError>, Accounting) {
        let (r, acct) = read_for_test(
            &ContactLensReader,
            name,
            data.as_bytes(),
            &ReadOptions::default(),
        );
        (r, acct)
    }

    #[test]
    fn file_names_give_contact_id_and_date() {
        let d = NaiveDate::from_ymd_opt(2020, 2, 4);
        assert_eq!(
            parse_file_name("x/abc-1_analysis_2020-02-04T21:14:16Z.json"),
            Some(("abc-1".into(), d))
        );
        assert_eq!(
            parse_file_name("abc-1_analysis_redacted_2020-02-04T21_14_16Z.json.gz"),
            Some(("abc-1".into(), d))
        );
        assert_eq!(
            parse_file_name("abc-1_analysis_20200204T22:35_UTC.json"),
            Some(("abc-1".into(), d))
        );
        assert_eq!(
            parse_file_name("abc_analysis_x.json"),
            Some(("abc".into(), None))
        );
        assert_eq!(parse_file_name("plain.json"), None);
    }

    #[test]
    fn voice_roles_come_from_participants() {
        let (calls, acct) = read(
            "c-9_analysis_2023-01-31T10:00:00Z.json",
            r#"{"Channel": "VOICE",
                "Participants": [{"ParticipantId": "P1", "ParticipantRole": "AGENT"}, {"ParticipantId": "P2", "ParticipantRole": "CUSTOMER"}],
                "Transcript": [
                  {"ParticipantId": "P2", "Content": "Hi", "BeginOffsetMillis": 10, "EndOffsetMillis": 500},
                  {"ParticipantId": "P1", "Content": "Hello", "BeginOffsetMillis": 600, "EndOffsetMillis": 900}
                ]}"#,
        );
        let calls = calls.unwrap();
        assert_eq!(calls[0].id, "c-9");
        assert_eq!(calls[0].date, NaiveDate::from_ymd_opt(2023, 1, 31));
        assert_eq!(calls[0].turns[0].speaker, Speaker::Customer);
        assert_eq!(calls[0].turns[1].speaker, Speaker::Agent);
        assert_eq!(calls[0].turns[1].start_ms, Some(600));
        assert_eq!(calls[0].agent_id, None);
        assert_eq!(acct.rows_read, 2);
    }

    #[test]
    fn older_voice_shape_with_an_agent_arn() {
        let arn = "arn:aws:connect:eu-west-2:111122223333:instance/inst-1/agent/agent-42";
        let (calls, _) = read(
            "old.json",
            &format!(
                r#"{{"Participants": [{{"ParticipantId": "{arn}", "ParticipantRole": "AGENT"}}],
                    "Transcript": [{{"ParticipantId": "CUSTOMER", "Content": "Hi"}}, {{"ParticipantId": "{arn}", "Content": "Hello"}}]}}"#
            ),
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "old");
        assert_eq!(c.agent_id.as_deref(), Some("agent-42"));
        assert_eq!(c.turns[0].speaker, Speaker::Customer);
        assert_eq!(c.turns[1].speaker, Speaker::Agent);
    }

    /// Each agent turn votes for the agent who said it (its participant's display name): the
    /// call then goes to the one who said most, not to the first agent listed (tester t23 F4).
    #[test]
    fn a_chat_between_two_agents_votes_by_who_said_each_turn() {
        let (calls, _) = read(
            "two.json",
            r#"{"Channel": "CHAT", "CustomerMetadata": {"ContactId": "c1"},
                "Participants": [{"ParticipantId": "b", "ParticipantRole": "AGENT", "DisplayName": "Zed"},
                                 {"ParticipantId": "a", "ParticipantRole": "AGENT", "DisplayName": "Sam"},
                                 {"ParticipantId": "k", "ParticipantRole": "CUSTOMER", "DisplayName": "Alex"}],
                "Transcript": [
                  {"Type": "MESSAGE", "ParticipantId": "k", "Content": "My code does not work", "AbsoluteTime": "2024-03-07T09:00:01.000Z"},
                  {"Type": "MESSAGE", "ParticipantId": "a", "Content": "Sorry about that.", "AbsoluteTime": "2024-03-07T09:00:08.000Z"},
                  {"Type": "MESSAGE", "ParticipantId": "a", "Content": "I have reset it.", "AbsoluteTime": "2024-03-07T09:00:09.000Z"},
                  {"Type": "MESSAGE", "ParticipantId": "b", "Content": "Bye.", "AbsoluteTime": "2024-03-07T09:00:11.000Z"}
                ]}"#,
        );
        let c = &calls.unwrap()[0];
        let votes: Vec<(String, u64)> = c
            .votes
            .agent
            .counts()
            .into_iter()
            .map(|(a, n)| (a.clone(), n))
            .collect();
        assert_eq!(votes, [("Sam".to_string(), 2), ("Zed".to_string(), 1)]);
    }

    #[test]
    fn chat_events_are_not_turns_and_times_start_at_the_first_item() {
        let (calls, acct) = read(
            "chat.json",
            r#"{"Channel": "CHAT", "CustomerMetadata": {"ContactId": "ct-1"},
                "Participants": [{"ParticipantId": "u1", "ParticipantRole": "CUSTOMER", "DisplayName": "Sam"},
                                 {"ParticipantId": "u2", "ParticipantRole": "AGENT", "DisplayName": "Ria"}],
                "Transcript": [
                  {"Type": "EVENT", "ParticipantRole": "CUSTOMER", "AbsoluteTime": "2024-02-29T23:59:58.000Z"},
                  {"Type": "MESSAGE", "ParticipantRole": "SYSTEM", "Content": "You are in the queue.", "AbsoluteTime": "2024-02-29T23:59:59.000Z"},
                  {"Type": "MESSAGE", "ParticipantRole": "CUSTOMER", "Content": "Hello?", "AbsoluteTime": "2024-03-01T00:00:01.500Z"},
                  {"Type": "MESSAGE", "ParticipantRole": "AGENT", "Content": "Hi Sam.", "AbsoluteTime": "2024-03-01T00:00:04.000Z"},
                  {"Type": "EVENT", "AbsoluteTime": "2024-03-01T00:00:09.000Z"}
                ]}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.id, "ct-1");
        assert_eq!(c.agent_id.as_deref(), Some("Ria"));
        assert_eq!(c.date, NaiveDate::from_ymd_opt(2024, 2, 29));
        let speakers: Vec<_> = c.turns.iter().map(|t| t.speaker).collect();
        assert_eq!(
            speakers,
            [Speaker::Other, Speaker::Customer, Speaker::Agent]
        );
        let starts: Vec<_> = c.turns.iter().map(|t| t.start_ms).collect();
        assert_eq!(starts, [Some(1000), Some(3500), Some(6000)]);
        assert_eq!(c.turns[2].line, 4);
        assert_eq!((acct.rows_read, acct.chat_events), (3, 2));
        assert_eq!(acct.rows_other_speaker, 1);
    }

    #[test]
    fn item_types_are_matched_ignoring_case_and_unknown_ones_never_vanish() {
        let (calls, acct) = read(
            "chat.json",
            r#"{"Channel": "Chat", "Participants": [],
                "Transcript": [
                  {"Type": "message", "ParticipantRole": "CUSTOMER", "Content": "Hello?"},
                  {"Type": "Chat_Message", "ParticipantRole": "AGENT", "Content": "Hi."},
                  {"Type": "Chat_Message", "ParticipantId": "p1", "Content": "How can I help?"},
                  {"Type": "typing", "ParticipantRole": "CUSTOMER"},
                  {"Type": "BOGUS", "ParticipantRole": "CUSTOMER", "Content": " "},
                  {"Type": "BOGUS", "Content": "no one said this"}
                ]}"#,
        );
        let c = &calls.unwrap()[0];
        assert_eq!(c.channel, Channel::Chat);
        assert_eq!(c.turns.len(), 3);
        assert_eq!((acct.rows_read, acct.chat_events), (5, 1));
        assert_eq!(acct.rows_skipped.get(&SkipReason::MalformedRow), Some(&2));
        assert!(
            acct.warnings[0].starts_with("chat.json: Transcript[5]: `Type` \"BOGUS\""),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[2].starts_with(
                "chat.json: Transcript[2]: `Type` \"Chat_Message\" is neither MESSAGE nor an event type; its 2 items"
            ),
            "{:?}",
            acct.warnings
        );
    }
}
