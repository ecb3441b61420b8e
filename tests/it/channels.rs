//! Timing items and where they do not apply: chats, and sources that analysed silence
//! themselves.

use super::common;
use common::*;

fn audit_jsonl(line: &str) -> std::collections::HashMap<String, String> {
    let w = Workdir::new();
    let input = w.write("in.jsonl", format!("{line}\n"));
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--format", "json", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    read_calls_csv(&calls).remove(0)
}

const TURNS: &str = r#"[{"speaker": "customer", "text": "My card was declined", "start_ms": 0, "end_ms": 4000}, {"speaker": "agent", "text": "Which card?", "start_ms": 2000, "end_ms": 3000}, {"speaker": "agent", "text": "Found it.", "start_ms": 20000, "end_ms": 21000}]"#;

#[test]
fn a_voice_call_has_interruptions_and_silences() {
    let r = audit_jsonl(&format!(
        r#"{{"call_id": "v", "agent_id": "a", "channel": "voice", "turns": {TURNS}}}"#
    ));
    assert_eq!(
        (r["interruption"].as_str(), r["silence"].as_str()),
        ("1", "1")
    );
}

#[test]
fn a_chat_has_neither() {
    let r = audit_jsonl(&format!(
        r#"{{"call_id": "c", "agent_id": "a", "channel": "chat", "turns": {TURNS}}}"#
    ));
    // Not applicable (a chat has no talk-over or silence): empty, not "0 interruptions".
    assert_eq!(
        (r["interruption"].as_str(), r["silence"].as_str()),
        ("", "")
    );
}

#[test]
fn a_csv_channel_column_is_read() {
    let w = Workdir::new();
    let input = w.write(
        "in.csv",
        "call_id,agent_id,channel,speaker,text,start_ms,end_ms\n\
         c,a,Chat,customer,hello,0,1000\n\
         c,a,Chat,agent,hi,30000,31000\n",
    );
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    // A chat has no silence to measure: the item does not apply, and its cell is empty.
    assert_eq!(read_calls_csv(&calls)[0]["silence"], "");
}

#[test]
fn an_empty_non_talk_time_list_is_trusted() {
    // Transcribe analysed the call and found no silence: the 16 s gap between turns is not
    // measured again (it was, say, the customer reading out a long number).
    let w = Workdir::new();
    let input = w.write(
        "job.json",
        r#"{"JobName": "j1", "Transcript": [
            {"ParticipantRole": "CUSTOMER", "Content": "It is four one one one", "BeginOffsetMillis": 0, "EndOffsetMillis": 2000},
            {"ParticipantRole": "AGENT", "Content": "Thanks, found it.", "BeginOffsetMillis": 18000, "EndOffsetMillis": 19000}],
          "ConversationCharacteristics": {"NonTalkTime": {"Instances": []}, "Interruptions": {"InterruptionsByInterrupter": {}}}}"#,
    );
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    assert_eq!(read_calls_csv(&calls)[0]["silence"], "0");
}
