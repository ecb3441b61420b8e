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

/// `unless_on_voice` (the built-in `channel_move`): on a voice call, "give us a ring" continues
/// in the same channel; in a chat, or where the channel is unknown, it still moves the customer.
/// Other unless phrases cancel on every channel.
#[test]
fn a_call_back_moves_no_voice_call_to_another_channel() {
    let call = |channel: &str, text: &str| {
        let turns = format!(
            r#"[{{"speaker": "customer", "text": "My bin was not emptied"}}, {{"speaker": "agent", "text": "{text}"}}]"#
        );
        let r = audit_jsonl(&format!(
            r#"{{"call_id": "v", "agent_id": "a", "channel": "{channel}", "turns": {turns}}}"#
        ));
        r["channel_move"].clone()
    };
    let ring = "If it is still full on Monday, just ring us back.";
    assert_eq!(call("voice", ring), "0");
    assert_eq!(call("chat", ring), "1");
    assert_eq!(call("unknown", ring), "1");
    // A move to e-mail is one on a voice call too.
    assert_eq!(
        call(
            "voice",
            "Please email the photos to us at help@council.gov.uk."
        ),
        "1"
    );
}

/// Tester t24, V12: in a chat, being told to phone the same line again ("Ring back tomorrow
/// after 9.") is a call with the same team, a channel move (QA standard); on a voice call it is
/// the same channel, and the agent promising to ring back is neither.
#[test]
fn ring_back_moves_a_chat_to_the_phone() {
    let call = |channel: &str, text: &str| {
        let turns = format!(
            r#"[{{"speaker": "customer", "text": "my account is locked"}}, {{"speaker": "agent", "text": "{text}"}}]"#
        );
        let r = audit_jsonl(&format!(
            r#"{{"call_id": "v", "agent_id": "a", "channel": "{channel}", "turns": {turns}}}"#
        ));
        r["channel_move"].clone()
    };
    let ring = "Ring back tomorrow after 9.";
    assert_eq!(call("chat", ring), "1");
    assert_eq!(call("voice", ring), "0");
    assert_eq!(
        call("chat", "I'll call back tomorrow with the details."),
        "0"
    );
}

/// The rubric language: `unless_on_voice` is checked like `unless`, explained as voice-only,
/// and a WebVTT transcript (captions of a recording) is a voice call.
#[test]
fn unless_on_voice_reads_the_channel_and_webvtt_is_voice() {
    let w = Workdir::new();
    let rubric = w.write(
        "r.toml",
        "[rubric]\nname = \"t\"\n\n[[item]]\nid = \"moved\"\nkind = \"signal\"\n\
         phrases = [\"call us\"]\nunless_on_voice = [\"call us back\"]\n",
    );
    callaudit()
        .args(["rubric", "check"])
        .arg(&rubric)
        .assert()
        .success();
    let vtt = w.write(
        "call-1.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>Hello, how can I help?\n\n\
         00:00:04.000 --> 00:00:06.000\n<v Bob>My parcel is late.\n\n\
         00:00:07.000 --> 00:00:09.000\n<v Ann>If it does not come, call us back.\n",
    );
    let out = stdout_of(
        callaudit()
            .args([
                "explain",
                "--no-config",
                "--color",
                "never",
                "--call",
                "call-1",
            ])
            .arg("--rubric")
            .arg(&rubric)
            .arg(&vtt),
    );
    assert!(
        out.contains("cancelled by “call us back” in the same sentence (on a voice call, unless_on_voice: call us back)"),
        "{out}"
    );
    let typo = w.write(
        "bad.toml",
        "[rubric]\nname = \"t\"\n\n[[item]]\nid = \"moved\"\nkind = \"signal\"\n\
         phrases = [\"call us\"]\nunless_on_voice = \"call us back\"\n",
    );
    let err = callaudit()
        .args(["rubric", "check"])
        .arg(&typo)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&err).contains("`unless_on_voice` must be a list of phrases"),
        "{}",
        String::from_utf8_lossy(&err)
    );
}

/// Channel values are read by their words ("phone call", "telephone", "inbound call" are voice),
/// a value neither chat nor voice is counted and named on stderr, a tie between a call's rows
/// goes to the smallest value by name (chat), and Transcribe Call Analytics and PCA files are
/// voice calls (tester t19 F2, F3, F4; reviewer r25 F5).
#[test]
fn channel_values_by_their_words_ties_and_call_analytics_are_voice() {
    let w = Workdir::new();
    let ring = "If it is still full on Monday, just ring us back.";
    let input = w.write(
        "in.csv",
        format!(
            "call_id,agent_id,channel,speaker,text\n\
             tel,a,telephone,customer,My bin was not emptied\n\
             tel,a,telephone,agent,\"{ring}\"\n\
             pc,a,inbound phone call,customer,My bin was not emptied\n\
             pc,a,inbound phone call,agent,\"{ring}\"\n\
             shop,a,store,customer,My bin was not emptied\n\
             shop,a,store,agent,\"{ring}\"\n\
             tie,a,voice,customer,My bin was not emptied\n\
             tie,a,chat,agent,\"{ring}\"\n"
        ),
    );
    let calls = w.path("calls.csv");
    let out = callaudit()
        .args(["audit", "--no-config", "--calls"])
        .arg(&calls)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "2 row(s) with a channel value neither chat nor voice (\"store\"), their calls' channel read as unknown"
        ),
        "{stderr}"
    );
    let rows = read_calls_csv(&calls);
    let moved =
        |id: &str| rows.iter().find(|r| r["call_id"] == id).unwrap()["channel_move"].clone();
    assert_eq!(
        (moved("tel"), moved("pc"), moved("shop"), moved("tie")),
        ("0".into(), "0".into(), "1".into(), "1".into()),
        "voice, voice, unknown, chat on a tie"
    );

    let job = w.write(
        "job.json",
        format!(
            r#"{{"JobName": "j1", "Transcript": [
            {{"ParticipantRole": "CUSTOMER", "Content": "My bin was not emptied", "BeginOffsetMillis": 0, "EndOffsetMillis": 2000}},
            {{"ParticipantRole": "AGENT", "Content": "{ring}", "BeginOffsetMillis": 3000, "EndOffsetMillis": 5000}}]}}"#
        ),
    );
    let calls = w.path("tca.csv");
    callaudit()
        .args(["audit", "--no-config", "--quiet", "--calls"])
        .arg(&calls)
        .arg(&job)
        .assert()
        .success();
    assert_eq!(read_calls_csv(&calls)[0]["channel_move"], "0", "voice");
}
