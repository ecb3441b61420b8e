//! The readers through the real binary: every format, detection, gzip, stdin, directories
//! that mix formats, `--agent-from-filename`, `--metadata`, the filters on vendor files, and
//! conformance with the published vendor examples in `../shared/data/vendor/`.

use super::common;
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    common::callaudit()
}

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/readers")
        .join(rel)
        .display()
        .to_string()
}

fn contacts() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/contacts.csv")
        .display()
        .to_string()
}

/// A finished `audit` run: its per-call records, JSON report and stderr.
struct Run {
    calls: Vec<Value>,
    report: Value,
    stderr: String,
}

impl Run {
    fn call(&self, id: &str) -> &Value {
        self.calls
            .iter()
            .find(|c| c["call_id"] == id)
            .unwrap_or_else(|| panic!("no call {id} in {:#?}", self.calls))
    }

    fn acct(&self, field: &str) -> u64 {
        self.report["accounting"][field]
            .as_u64()
            .unwrap_or_else(|| panic!("no accounting.{field}"))
    }

    fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .calls
            .iter()
            .map(|c| c["call_id"].as_str().unwrap())
            .collect();
        ids.sort();
        ids
    }
}

/// `callaudit audit ARGS --calls … --format json -o …`, expecting exit 0.
fn audit(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls.jsonl");
    let report = dir.path().join("report.json");
    let out = bin()
        .arg("audit")
        .args(args)
        .args(["--format", "json", "--threads", "1"])
        .arg("--calls")
        .arg(&calls)
        .arg("-o")
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "audit {args:?} failed: {stderr}");
    let calls = std::fs::read_to_string(&calls)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    Run {
        calls,
        report,
        stderr,
    }
}

/// `callaudit audit ARGS`, expecting exit 2; returns stderr.
fn audit_fails(args: &[&str]) -> String {
    let out = bin().arg("audit").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The speakers of one call, as `explain` shows its transcript.
fn speakers(input: &str, call: &str, extra: &[&str]) -> Vec<String> {
    let out = bin()
        .args(["explain", input, "--call", call, "--color", "never"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let transcript = text
        .split("\nTranscript\n")
        .nth(1)
        .and_then(|t| t.split("\nVerdicts\n").next())
        .expect("a transcript section");
    transcript
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let n = words.next()?;
            let who = words.next()?;
            (n.parse::<u32>().is_ok() && ["agent", "customer", "other"].contains(&who))
                .then(|| who.to_string())
        })
        .collect()
}

fn counts(speakers: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in speakers {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn transcribe_roles_offsets_interruptions_and_non_talk_time() {
    let f = fixture("transcribe/tca-billing-2024-03-05.json");
    let run = audit(&[&f]);
    let c = run.call("tca-billing-0305");
    assert_eq!(c["turns"], 5);
    assert_eq!(c["date"], "2024-03-05");
    assert_eq!(c["agent_id"], "(unknown)");
    // The service flagged the agent's turn 3 as an interruption and reported 12.6 s of
    // non-talk time before turn 4.
    assert_eq!(c["items"]["interruption"]["verdict"], "violated");
    assert_eq!(c["items"]["interruption"]["evidence"][0]["turn"], 3);
    assert_eq!(c["items"]["silence"]["verdict"], "violated");
    assert_eq!(c["items"]["silence"]["evidence"][0]["turn"], 4);
    assert_eq!(
        speakers(&f, "tca-billing-0305", &[]),
        s(&["agent", "customer", "agent", "agent", "customer"])
    );
    assert!(run.stderr.contains("names no agent"), "{}", run.stderr);
}

#[test]
fn contact_lens_voice_in_the_current_and_the_older_agent_arn_shape() {
    let run = audit(&[&fixture("contact_lens")]);
    let voice = run.call("5d1c7e10-0a7b-4e0e-9f63-2f8a51c0d001");
    assert_eq!(
        (voice["turns"].as_u64(), voice["date"].as_str()),
        (Some(6), Some("2024-03-06"))
    );
    assert_eq!(voice["agent_id"], "(unknown)");
    // `Interruptions` is present and empty: the service says nobody interrupted.
    assert_eq!(voice["items"]["interruption"]["verdict"], "clean");
    let old = run.call("legacy-7");
    assert_eq!(old["agent_id"], "a7e0c2d4-agent-jo");
    assert_eq!(old["date"], "2021-09-09");
    assert_eq!(
        speakers(
            &fixture("contact_lens/legacy-7_analysis_2021-09-09T18_13_13Z.json"),
            "legacy-7",
            &[]
        ),
        s(&["customer", "agent", "customer", "agent"])
    );
}

/// A chat item's `Type` is matched ignoring case, and an item of a type that is neither
/// `MESSAGE` nor a known event never vanishes: with a participant and content it is read as a
/// message (said once per type), else it is a malformed row, named. Before, anything but
/// exactly `MESSAGE` was counted as a chat event: `CHAT_MESSAGE` items were lost without a word
/// and a file of `Message` items had "no rows".
#[test]
fn contact_lens_chat_types_other_than_message_are_read_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r#"{"Channel": "CHAT", "CustomerMetadata": {"ContactId": "ct-9"},
        "Participants": [{"ParticipantId": "a", "ParticipantRole": "AGENT", "DisplayName": "ann"}],
        "Transcript": [
          {"Type": "EVENT", "ParticipantRole": "CUSTOMER", "AbsoluteTime": "2024-01-02T10:00:00.000Z"},
          {"Type": "Message", "ParticipantRole": "CUSTOMER", "Content": "my bill is wrong", "AbsoluteTime": "2024-01-02T10:00:01.000Z"},
          {"Type": "CHAT_MESSAGE", "ParticipantRole": "AGENT", "Content": "I'm so sorry about that", "AbsoluteTime": "2024-01-02T10:00:02.000Z"},
          {"Type": "CHAT_MESSAGE", "ParticipantId": "a", "Content": "let me fix it", "AbsoluteTime": "2024-01-02T10:00:03.000Z"},
          {"Type": "participant_left", "ParticipantRole": "CUSTOMER", "AbsoluteTime": "2024-01-02T10:00:04.000Z"},
          {"Type": "NOTICE", "AbsoluteTime": "2024-01-02T10:00:05.000Z"},
          {"Type": "message", "ParticipantRole": "AGENT", "Content": "Thanks for waiting", "AbsoluteTime": "2024-01-02T10:00:06.000Z"}
        ]}"#;
    let file = dir.path().join("chat.json");
    std::fs::write(&file, doc).unwrap();
    let f = file.to_str().unwrap();
    // The typed fast path (`.json`) and the named format's reader alike.
    for extra in [&[][..], &["--input-format", "contact-lens"][..]] {
        let run = audit(&[&[f][..], extra].concat());
        let c = run.call("ct-9");
        assert_eq!(c["turns"], 4, "{extra:?}: {}", run.stderr);
        assert_eq!(run.acct("rows_read"), 5, "{extra:?}");
        assert_eq!(run.acct("rows_audited"), 4, "{extra:?}");
        assert_eq!(
            run.report["accounting"]["rows_skipped"]["malformed_row"], 1,
            "{extra:?}"
        );
        assert_eq!(run.acct("chat_events"), 2, "{extra:?}");
        common::assert_says(
            &run.stderr,
            &[
                format!(
                    "{f}: Transcript[3]: `Type` \"CHAT_MESSAGE\" is neither MESSAGE nor an event type; its 2 items (this is the first) were read as messages"
                ),
                format!(
                    "{f}: Transcript[6]: `Type` \"NOTICE\" is neither MESSAGE nor an event type"
                ),
                "and the item has no participant and no content to read it as a message (malformed row, skipped)".to_string(),
            ],
        );
    }
}

/// A Contact Lens chat handed from one agent to another goes to the agent who said most, counted
/// and warned of as a call whose rows disagree on the agent: it went silently to the first agent
/// in `Participants`, who said only "Bye." (tester t23 F4). The typed fast path and the named
/// format's reader alike.
#[test]
fn contact_lens_chat_of_two_agents_goes_to_the_one_who_said_most() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r#"{"Channel":"CHAT","CustomerMetadata":{"ContactId":"c1"},
 "Participants":[{"ParticipantId":"b","ParticipantRole":"AGENT","DisplayName":"Zed"},
                 {"ParticipantId":"a","ParticipantRole":"AGENT","DisplayName":"Sam"},
                 {"ParticipantId":"k","ParticipantRole":"CUSTOMER","DisplayName":"Alex"}],
 "Transcript":[
  {"Type":"MESSAGE","ParticipantId":"k","Content":"My code does not work!!","AbsoluteTime":"2024-03-07T09:00:01.000Z"},
  {"Type":"MESSAGE","ParticipantId":"a","Content":"Sorry about that, I can see why you are upset.","AbsoluteTime":"2024-03-07T09:00:08.000Z"},
  {"Type":"MESSAGE","ParticipantId":"a","Content":"I have reset your code now.","AbsoluteTime":"2024-03-07T09:00:09.000Z"},
  {"Type":"MESSAGE","ParticipantId":"a","Content":"Is there anything else I can help with?","AbsoluteTime":"2024-03-07T09:00:10.000Z"},
  {"Type":"MESSAGE","ParticipantId":"b","Content":"Bye.","AbsoluteTime":"2024-03-07T09:00:11.000Z"}]}"#;
    let file = dir.path().join("c.json");
    std::fs::write(&file, doc).unwrap();
    let f = file.to_str().unwrap();
    for extra in [&[][..], &["--input-format", "contact-lens"][..]] {
        let run = audit(&[&[f][..], extra].concat());
        assert_eq!(
            run.call("c1")["agent_id"],
            "Sam",
            "{extra:?}: {}",
            run.stderr
        );
        assert_eq!(run.acct("calls_agent_disagrees"), 1, "{extra:?}");
        common::assert_says(
            &run.stderr,
            &[format!(
                "{f}:1: call c1: its rows disagree on agent (Sam: 3 rows, Zed: 1 row)"
            )],
        );
    }
}

/// A JSONL line that is a JSON array is a malformed row, not a call read by position (serde's
/// derived structs take arrays field by field: `["Z1", "ann", …]` was audited as call Z1); so
/// is a turn, or a vendor document's utterance, that is an array.
#[test]
fn json_arrays_are_malformed_rows_not_read_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("arr.jsonl");
    std::fs::write(
        &jsonl,
        concat!(
            r#"["Z1","ann","2026-01-01",null,null,null,[["agent","I am so sorry"],["customer","ridiculous"]]]"#,
            "\n",
            r#"[{"call_id":"A1","turns":[]}]"#,
            "\n",
            r#"{"call_id":"Z2","agent_id":"ann","turns":[["agent","I am so sorry"]]}"#,
            "\n",
            r#"{"call_id":"OK","agent_id":"ann","turns":[{"speaker":"agent","text":"hello"}]}"#,
            "\n",
        ),
    )
    .unwrap();
    let tca = dir.path().join("tca.json");
    std::fs::write(
        &tca,
        r#"{"JobName": "T1", "Transcript": [["AGENT", "I am so sorry"], {"ParticipantRole": "AGENT", "Content": "hello there"}]}"#,
    )
    .unwrap();
    let (j, t) = (jsonl.to_str().unwrap(), tca.to_str().unwrap());
    let run = audit(&[j, t]);
    assert_eq!(run.ids(), ["OK", "T1"], "{}", run.stderr);
    assert_eq!(run.call("T1")["turns"], 1);
    assert_eq!(run.acct("rows_read"), 3 + 1 + 2);
    assert_eq!(
        run.report["accounting"]["rows_skipped"]["malformed_row"], 4,
        "{}",
        run.stderr
    );
    common::assert_says(
        &run.stderr,
        &[
            format!(
                "{j}:1: expected a conversation object, found an array (malformed row, skipped)"
            ),
            format!(
                "{j}:2: expected a conversation object, found an array (malformed row, skipped)"
            ),
            format!("{j}:3: not a conversation object: invalid type: sequence, expected an object"),
            format!("{t}: Transcript[1]: not a turn: expected an object"),
        ],
    );
    // The typed fast path and the named reader alike.
    let named = audit(&[t, "--input-format", "transcribe"]);
    assert_eq!(named.call("T1")["turns"], 1);
    assert_eq!(
        named.report["accounting"]["rows_skipped"]["malformed_row"],
        1
    );
    // A participant read by position would decide who the agent is: the file is refused.
    let lens = dir.path().join("lens.json");
    std::fs::write(
        &lens,
        r#"{"Participants": [["p1", "AGENT"]], "Transcript": [{"ParticipantId": "p1", "Content": "I am so sorry"}]}"#,
    )
    .unwrap();
    let l = lens.to_str().unwrap();
    let err = audit_fails(&[l]);
    assert!(
        err.contains(&format!(
            "{l}: not a Contact Lens analysis file: `Participants`: invalid type: sequence, expected an object"
        )),
        "{err}"
    );
}

#[test]
fn contact_lens_chat_events_are_not_turns() {
    let f = fixture("contact_lens/chat_analysis_2024-03-07T09_00_00Z.json");
    let run = audit(&[&f]);
    let c = run.call("c0ffee00-1111-4222-8333-944444444444");
    assert_eq!(c["agent_id"], "Sam");
    assert_eq!(c["date"], "2024-03-07");
    assert_eq!(c["turns"], 6);
    assert_eq!(run.acct("chat_events"), 4);
    assert_eq!(run.acct("rows_read"), 6);
    assert_eq!(run.acct("rows_other_speaker"), 1);
    assert!(run.stderr.contains("4 chat event(s)"), "{}", run.stderr);
    assert_eq!(
        speakers(&f, "c0ffee00-1111-4222-8333-944444444444", &[]),
        s(&["other", "agent", "customer", "agent", "customer", "agent"])
    );
}

#[test]
fn pca_speaker_labels_decide_roles_and_the_agent_comes_from_the_file_name() {
    let f = fixture("pca/call-77_AGENT_mia.k_2024-03-08.json");
    let id = "call-77_AGENT_mia.k_2024-03-08";
    let run = audit(&[&f]);
    let c = run.call(id);
    // `Agent: "None"` is no agent.
    assert_eq!(c["agent_id"], "(unknown)");
    assert_eq!(c["date"], "2024-03-08");
    assert_eq!(c["items"]["interruption"]["verdict"], "violated");
    // spk_0 is labelled Customer although it speaks first and thanks for calling.
    assert_eq!(
        speakers(&f, id, &[]),
        s(&["agent", "customer", "agent", "customer", "agent"])
    );
    let run = audit(&[&f, "--agent-from-filename", "_AGENT_(.*?)_"]);
    assert_eq!(run.call(id)["agent_id"], "mia.k");
    assert_eq!(run.acct("calls_without_agent"), 0);
}

#[test]
fn genesys_purposes_agent_and_times() {
    let f = fixture("genesys/conversation-a41.json");
    let id = "a41f0c3e-6b7d-4c55-9e10-000000000a41";
    let run = audit(&[&f]);
    let c = run.call(id);
    assert_eq!(c["agent_id"], "6c0de000-user-4ed1");
    assert_eq!(c["date"], "2024-03-11");
    assert_eq!(c["turns"], 4);
    assert_eq!((run.acct("rows_read"), run.acct("rows_audited")), (5, 4));
    assert!(
        run.stderr.contains(
            "conversation-a41.json: transcripts[1].phrases[4]: no text (missing text, skipped)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        speakers(&f, id, &[]),
        s(&["agent", "customer", "agent", "customer"])
    );
    // Under --strict the empty phrase stops the run, naming it.
    let err = audit_fails(&[&f, "--strict"]);
    assert!(err.contains("transcripts[1].phrases[4]: no text"), "{err}");
}

#[test]
fn ccai_import_format_and_api_conversation() {
    let run = audit(&[&fixture("ccai")]);
    let import = run.call("chat-301");
    assert_eq!(import["agent_id"], "(unknown)");
    assert_eq!(import["date"], "2024-03-12");
    assert_eq!(import["turns"], 4);
    let api = run.call("ccai-9001");
    assert_eq!(api["agent_id"], "agent-lee");
    assert_eq!(api["team"], "retention");
    assert_eq!(api["date"], "2024-03-13");
    assert_eq!(
        speakers(&fixture("ccai/chat-301.json"), "chat-301", &[]),
        s(&["customer", "agent", "customer", "agent"])
    );
    // A virtual agent is `other`; a segment without a role takes its channel's.
    assert_eq!(
        speakers(&fixture("ccai/conversation-api.json"), "ccai-9001", &[]),
        s(&["agent", "customer", "other", "agent"])
    );
}

#[test]
fn webvtt_voices_with_agent_names_or_the_first_voice() {
    let f = fixture("vtt/2024-03-09_support-call.vtt");
    let id = "2024-03-09_support-call";
    let run = audit(&[&f, "--agent-names", "dana whitfield,someone else"]);
    let c = run.call(id);
    assert_eq!(
        (c["agent_id"].as_str(), c["date"].as_str()),
        (Some("Dana Whitfield"), Some("2024-03-09"))
    );
    assert!(!run.stderr.contains("took `"), "{}", run.stderr);
    let run = audit(&[&f]);
    assert_eq!(run.call(id)["agent_id"], "Dana Whitfield");
    assert!(
        run.stderr
            .contains("took `Dana Whitfield` (the first voice) as the agent"),
        "{}",
        run.stderr
    );
    assert_eq!(
        speakers(&f, id, &[]),
        s(&["agent", "customer", "agent", "customer"])
    );
    // Naming the other voice as the agent turns the roles around.
    assert_eq!(
        speakers(&f, id, &["--agent-names", "Chris"]),
        s(&["customer", "agent", "customer", "agent"])
    );
}

/// A line holding `-->` starts a cue, as in the spec's parser: cues need no blank line between
/// them, nor the header after it. Before, the timing lines were read as text of the cue before,
/// every turn had the first cue's time (a false interruption), and with no blank line after
/// `WEBVTT` every cue was taken for the header (tester t3's F4).
#[test]
fn webvtt_cues_without_blank_lines_between_them_are_cues() {
    let dir = tempfile::tempdir().unwrap();
    let cues = "00:00:01.000 --> 00:00:02.000\n<v Customer>this is ridiculous\n00:00:03.000 --> 00:00:04.000\n<v Agent>I am so sorry\n2\n00:00:05.000 --> 00:00:06.000\n<v Agent>thanks for calling\n";
    for (name, header) in [("blank.vtt", "WEBVTT\n\n"), ("noblank.vtt", "WEBVTT\n")] {
        let f = dir.path().join(name);
        std::fs::write(&f, format!("{header}{cues}")).unwrap();
        let f = f.to_str().unwrap();
        let id = name.trim_end_matches(".vtt");
        let run = audit(&[f, "--agent-names", "Agent"]);
        assert_eq!(run.call(id)["turns"], 3, "{name}: {}", run.stderr);
        assert_eq!(run.acct("rows_read"), 3, "{name}");
        let out = bin()
            .args([
                "explain",
                f,
                "--call",
                id,
                "--color",
                "never",
                "--agent-names",
                "Agent",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("-->"), "{name}: {text}");
        assert!(
            !text.contains("{interruption") && !text.contains(",interruption"),
            "{name}: {text}"
        );
        for (n, at) in [(1, "00:01"), (2, "00:03"), (3, "00:05")] {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&n.to_string())
                        && l.contains(&format!("[{at}]"))),
                "{name}: turn {n} at {at}: {text}"
            );
        }
    }
}

/// Two columns that both fit a role by their usual names (`call_id` and `conversation_id`,
/// `text` and `message`) are not chosen between silently: a warning names both, the one read,
/// and `--map` (tester t3's F10). Columns another role reads (`turn`, `start_ms`) are no
/// such pair, and with `--map` the choice is the user's.
#[test]
fn two_columns_fitting_one_role_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("alias.csv");
    std::fs::write(
        &f,
        "conversation_id,call_id,turn,start_ms,end_ms,speaker,text,message\nCONV1,LEG1,1,0,900,agent,sorry,hello there\nCONV1,LEG2,2,1000,1900,customer,ok,fine\n",
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let run = audit(&[f]);
    assert!(
        run.stderr.contains("alias.csv:1: columns `call_id` and `conversation_id` both fit role `call`: `call_id` is read, the other not (--map call=COLUMN to choose)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("columns `text` and `message` both fit role `text`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("role `order`"), "{}", run.stderr);
    let run = audit(&[f, "--map", "call=conversation_id,text=message"]);
    assert!(!run.stderr.contains("both fit"), "{}", run.stderr);
    assert_eq!(run.call("CONV1")["turns"], 2);
}

#[test]
fn plain_text_prefixes_stamps_and_continuation_lines() {
    let f = fixture("text/2024-03-10_call-5.txt");
    let run = audit(&[&f]);
    let c = run.call("2024-03-10_call-5");
    assert_eq!(
        (c["turns"].as_u64(), c["date"].as_str()),
        (Some(5), Some("2024-03-10"))
    );
    assert_eq!(
        speakers(&f, "2024-03-10_call-5", &[]),
        s(&["agent", "customer", "agent", "agent", "customer"])
    );
    // A call with no agent id is reported under (unknown), counted and warned about.
    assert_eq!(run.report["groups"][0]["key"], "(unknown)");
    assert_eq!(run.acct("calls_without_agent"), 1);
    assert!(
        run.stderr
            .contains("names no agent; it is audited as (unknown)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_directory_mixing_csv_jsonl_transcribe_vtt_and_gzip_gives_one_report() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "calls.csv",
        "calls.jsonl",
        "tca-mixed-2024-03-03.json",
        "2024-03-04_mixed-call.vtt",
    ] {
        std::fs::copy(fixture(&format!("mixed/{name}")), dir.path().join(name)).unwrap();
    }
    let text = std::fs::read(fixture("mixed/call-gz.txt")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    std::fs::write(dir.path().join("call-gz.txt.gz"), gz.finish().unwrap()).unwrap();
    let run = audit(&[dir.path().to_str().unwrap()]);
    assert_eq!(
        run.ids(),
        [
            "2024-03-04_mixed-call",
            "M-CSV-1",
            "M-JSONL-1",
            "call-gz",
            "tca-mixed-0303"
        ]
    );
    assert_eq!(run.acct("files_read"), 5);
    assert_eq!(run.acct("rows_read"), 3 + 3 + 4 + 3 + 4);
    assert_eq!(run.acct("rows_audited"), run.acct("rows_read"));
    assert_eq!(run.report["overall"]["calls"], 5);
    assert_eq!(run.call("call-gz")["turns"], 4);
}

#[test]
fn gzipped_vendor_json_and_webvtt_are_read_like_the_plain_files() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        (
            "pca/call-77_AGENT_mia.k_2024-03-08.json",
            "pca-call.json.gz",
        ),
        (
            "vtt/2024-03-09_support-call.vtt",
            "2024-03-09_support-call.vtt.gz",
        ),
        ("genesys/conversation-a41.json", "no-extension.gz"),
    ] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&std::fs::read(fixture(from)).unwrap())
            .unwrap();
        std::fs::write(dir.path().join(to), gz.finish().unwrap()).unwrap();
    }
    // In a directory only known extensions are read; named on the command line, a file is
    // recognised by its content.
    let run = audit(&[dir.path().to_str().unwrap()]);
    assert_eq!(run.ids(), ["2024-03-09_support-call", "pca-call"]);
    assert_eq!(run.acct("files_ignored"), 1);
    let named = dir.path().join("no-extension.gz");
    let run = audit(&[named.to_str().unwrap()]);
    assert_eq!(run.ids(), ["a41f0c3e-6b7d-4c55-9e10-000000000a41"]);
}

/// In a directory, hidden files and hidden folders are passed over alike and named: a
/// `.snapshot/` or `.git/` copy of an export would merge into the live calls. Before, hidden
/// folders were read and hidden files counted as "ignored for their extension", unnamed. A
/// hidden file named on the command line is read.
#[test]
fn hidden_files_and_folders_in_a_directory_are_passed_over_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let live = "call_id,agent_id,speaker,text\nH1,ann,agent,hello\n";
    let old = "call_id,agent_id,speaker,text\nH1,bob,agent,an older copy\nH2,bob,agent,gone\n";
    for (name, content) in [
        ("calls.csv", live),
        (".old.csv", old),
        (".snapshot/calls.csv", old),
        (".git/objects/calls.csv", old),
        ("notes.pdf", "x"),
    ] {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    let run = audit(&[root.to_str().unwrap()]);
    assert_eq!(run.ids(), ["H1"], "{}", run.stderr);
    assert_eq!(run.call("H1")["agent_id"], "ann");
    assert_eq!(run.acct("files_read"), 1);
    assert_eq!(run.acct("rows_read"), 1);
    assert_eq!(run.acct("files_hidden"), 3);
    assert_eq!(run.acct("files_ignored"), 1);
    let r = root.display();
    common::assert_says(
        &run.stderr,
        &[format!(
            "1 file(s) ignored for their extension ({r}/notes.pdf); 3 hidden file(s) or folder(s) in input directories not read ({r}/.git/, {r}/.old.csv, {r}/.snapshot/)"
        )],
    );
    let named = root.join(".old.csv");
    let run = audit(&[named.to_str().unwrap()]);
    assert_eq!(run.ids(), ["H1", "H2"]);
}

#[test]
fn formats_are_detected_by_content_and_input_format_overrides() {
    let dir = tempfile::tempdir().unwrap();
    // Unknown extensions: JSON by its keys, text by its speaker prefixes.
    let tca = dir.path().join("export.data");
    std::fs::copy(fixture("transcribe/tca-billing-2024-03-05.json"), &tca).unwrap();
    let txt = dir.path().join("call.log");
    std::fs::copy(fixture("text/2024-03-10_call-5.txt"), &txt).unwrap();
    let run = audit(&[tca.to_str().unwrap(), txt.to_str().unwrap()]);
    assert_eq!(run.ids(), ["call", "tca-billing-0305"]);
    // Forcing a format that does not fit says what that format expected.
    let err = audit_fails(&[tca.to_str().unwrap(), "--input-format", "pca"]);
    assert!(
        err.contains("export.data: not post-call analytics (PCA) output: no `SpeechSegments`"),
        "{err}"
    );
    let run = audit(&[txt.to_str().unwrap(), "--input-format", "text"]);
    assert_eq!(run.ids(), ["call"]);
    let err = audit_fails(&[txt.to_str().unwrap(), "--input-format", "word"]);
    assert!(
        err.contains("transcribe, contact-lens, pca, genesys, ccai, vtt, text"),
        "{err}"
    );
}

#[test]
fn stdin_takes_vendor_json_and_text() {
    let out = bin()
        .args(["audit", "-", "--format", "csv", "-q"])
        .write_stdin(std::fs::read(fixture("genesys/conversation-a41.json")).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("6c0de000-user-4ed1,1,"));
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("c.csv");
    let out = bin()
        .args(["audit", "-", "-q", "--calls"])
        .arg(&calls)
        .write_stdin("Customer: I'm furious, nobody called me back!\nAgent: I'm sorry, let me fix that now.\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&calls).unwrap();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("stdin,(unknown),,2,"),
        "{text}"
    );
}

#[test]
fn files_that_are_no_transcript_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("settings.json"), r#"{"theme": "dark"}"#).unwrap();
    std::fs::write(
        dir.path().join("README.txt"),
        "Exports go here.\nOne per day.\n",
    )
    .unwrap();
    std::fs::copy(
        fixture("text/2024-03-10_call-5.txt"),
        dir.path().join("call.txt"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let err = audit_fails(&[d]);
    assert!(err.contains("README.txt: no speaker lines"), "{err}");
    let run = audit(&[d, "--keep-going"]);
    assert_eq!(run.ids(), ["call"]);
    assert_eq!(run.acct("files_unreadable"), 2);
    assert!(
        run.stderr
            .contains("settings.json: JSON with the keys theme is not a format callaudit knows"),
        "{}",
        run.stderr
    );
}

#[test]
fn metadata_fills_what_exports_lack_and_counts_the_join() {
    let run = audit(&[
        &fixture("transcribe"),
        &fixture("contact_lens"),
        &fixture("ccai"),
        "--metadata",
        &contacts(),
    ]);
    let tca = run.call("tca-billing-0305");
    assert_eq!(
        (
            tca["agent_id"].as_str(),
            tca["team"].as_str(),
            tca["queue"].as_str()
        ),
        (Some("priya.n"), Some("billing"), Some("billing-uk"))
    );
    let voice = run.call("5d1c7e10-0a7b-4e0e-9f63-2f8a51c0d001");
    assert_eq!(
        (voice["agent_id"].as_str(), voice["team"].as_str()),
        (Some("marco.r"), Some("logistics"))
    );
    // chat-301 carries its own date (epoch µs): the contact record's other date does not
    // override it; its missing agent is filled.
    let import = run.call("chat-301");
    assert_eq!(
        (import["agent_id"].as_str(), import["date"].as_str()),
        (Some("sam.w"), Some("2024-03-12"))
    );
    // The chat export names Sam; the contact record says not-sam: the export wins, counted.
    let chat = run.call("c0ffee00-1111-4222-8333-944444444444");
    assert_eq!(
        (chat["agent_id"].as_str(), chat["team"].as_str()),
        (Some("Sam"), Some("digital"))
    );
    assert_eq!(run.acct("metadata_joined"), 4);
    assert_eq!(run.acct("metadata_not_found"), 2);
    assert_eq!(run.acct("metadata_agent_differs"), 1);
    assert!(
        run.stderr.contains("is not in --metadata"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "the export names agent Sam but --metadata says not-sam; the export's is kept"
        ),
        "{}",
        run.stderr
    );
    // The joined team and agent are what --team and --agent see.
    let run = audit(&[
        &fixture("transcribe"),
        &fixture("contact_lens"),
        "--metadata",
        &contacts(),
        "--team",
        "billing",
    ]);
    assert_eq!(run.ids(), ["tca-billing-0305"]);
    let run = audit(&[
        &fixture("contact_lens"),
        "--metadata",
        &contacts(),
        "--agent",
        "marco.r",
        "--agent",
        "Sam",
    ]);
    assert_eq!(
        run.ids(),
        [
            "5d1c7e10-0a7b-4e0e-9f63-2f8a51c0d001",
            "c0ffee00-1111-4222-8333-944444444444"
        ]
    );
}

#[test]
fn a_bad_metadata_row_stops_the_run_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("meta.csv");
    std::fs::write(
        &meta,
        "call_id,agent_id,date\nx,ann,2024-01-01\ny,bob,someday\n",
    )
    .unwrap();
    let err = audit_fails(&[&fixture("text"), "--metadata", meta.to_str().unwrap()]);
    assert!(
        err.contains("meta.csv:3: date `someday` not understood"),
        "{err}"
    );
    // Lines are physical lines with CR or CRLF line ends too, also for a record that cannot
    // be read (tester t9's F2).
    for (end, name) in [("\r", "cr.csv"), ("\r\n", "crlf.csv")] {
        let meta = dir.path().join(name);
        let mut bytes =
            format!("call_id,agent_id,date{end}x,ann,2024-01-01{end}{end}").into_bytes();
        bytes.extend_from_slice(b"y,b\xffb,2024-01-02");
        bytes.extend_from_slice(end.as_bytes());
        std::fs::write(&meta, bytes).unwrap();
        let err = audit_fails(&[&fixture("text"), "--metadata", meta.to_str().unwrap()]);
        assert!(
            err.contains(&format!("{name}:4: cannot read: invalid UTF-8 in field 2")),
            "{err}"
        );
    }
}

#[test]
fn date_filters_use_the_dates_vendor_files_carry() {
    let all = fixture("");
    let run = audit(&[&all, "--since", "2024-03-06", "--until", "2024-03-08"]);
    assert_eq!(
        run.ids(),
        [
            "5d1c7e10-0a7b-4e0e-9f63-2f8a51c0d001",
            "c0ffee00-1111-4222-8333-944444444444",
            "call-77_AGENT_mia.k_2024-03-08"
        ]
    );
    let run = audit(&[&all, "--last", "3d", "--as-of", "2024-03-13"]);
    assert_eq!(
        run.ids(),
        [
            "a41f0c3e-6b7d-4c55-9e10-000000000a41",
            "ccai-9001",
            "chat-301"
        ]
    );
    // A call with no date is counted, and excluded only by a date filter, with a warning.
    let dir = tempfile::tempdir().unwrap();
    let undated = dir.path().join("undated.json");
    std::fs::copy(fixture("transcribe/tca-billing-2024-03-05.json"), &undated).unwrap();
    let run = audit(&[undated.to_str().unwrap()]);
    assert_eq!(run.acct("calls_without_date"), 1);
    assert_eq!(run.ids(), ["tca-billing-0305"]);
    let out = bin()
        .args([
            "audit",
            undated.to_str().unwrap(),
            "--since",
            "2024-01-01",
            "--allow-empty",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 call(s) without a date were excluded by the date filter"),
        "{err}"
    );
}

/// Roles and turn counts the published vendor examples must read with, from their own fields:
/// Contact Lens maps `ParticipantId` through `Participants[]` (chat items carry
/// `ParticipantRole`; only `MESSAGE`s are turns); PCA maps `SegmentSpeaker` through
/// `SpeakerLabels`.
fn expected_roles(doc: &Value) -> BTreeMap<String, usize> {
    let role = |label: &str| match label.to_ascii_lowercase().as_str() {
        "agent" => "agent",
        "customer" => "customer",
        _ => "other",
    };
    let mut m = BTreeMap::new();
    if let Some(segments) = doc["SpeechSegments"].as_array() {
        let labels = doc["ConversationAnalytics"]["SpeakerLabels"]
            .as_array()
            .unwrap();
        for seg in segments {
            let label = labels
                .iter()
                .find(|l| l["Speaker"] == seg["SegmentSpeaker"])
                .and_then(|l| l["DisplayText"].as_str())
                .unwrap_or("");
            *m.entry(role(label).to_string()).or_insert(0) += 1;
        }
        return m;
    }
    let participants = doc["Participants"].as_array().unwrap();
    for item in doc["Transcript"].as_array().unwrap() {
        if item.get("Type").is_some_and(|t| t != "MESSAGE") {
            continue;
        }
        let label = item["ParticipantRole"].as_str().unwrap_or_else(|| {
            participants
                .iter()
                .find(|p| p["ParticipantId"] == item["ParticipantId"])
                .and_then(|p| p["ParticipantRole"].as_str())
                .unwrap_or("")
        });
        *m.entry(role(label).to_string()).or_insert(0) += 1;
    }
    m
}

#[test]
fn conformance_with_the_published_vendor_examples() {
    let vendor = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/vendor");
    if !vendor.exists() {
        eprintln!("skipping: ../shared/data/vendor absent");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&vendor)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    // The whole folder in one run, as a user would.
    let run = audit(&[vendor.to_str().unwrap()]);
    assert_eq!(
        run.report["overall"]["calls"].as_u64(),
        Some(files.len() as u64)
    );
    assert_eq!(run.acct("rows_audited"), run.acct("rows_read"));
    for file in &files {
        let f = file.to_str().unwrap();
        let one = audit(&[f]);
        assert_eq!(one.calls.len(), 1, "{f}");
        let id = one.calls[0]["call_id"].as_str().unwrap().to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let expected = expected_roles(&doc);
        let got = counts(&speakers(f, &id, &[]));
        assert_eq!(got, expected, "{f}");
        assert_eq!(
            one.calls[0]["turns"].as_u64(),
            Some(expected.values().sum::<usize>() as u64),
            "{f}"
        );
    }
    // The three examples known when this was written, as counted by hand.
    let known: &[(&str, &[(&str, usize)])] = &[
        (
            "contact_lens_voice_analysis_example.json",
            &[("agent", 5), ("customer", 5)],
        ),
        (
            "contact_lens_chat_analysis_example.json",
            &[("agent", 15), ("customer", 13), ("other", 3)],
        ),
        ("pca_output_example.json", &[("agent", 6), ("customer", 6)]),
    ];
    for (name, roles) in known {
        let f = vendor.join(name);
        if !f.exists() {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let want: BTreeMap<String, usize> =
            roles.iter().map(|(r, n)| (r.to_string(), *n)).collect();
        assert_eq!(expected_roles(&doc), want, "{name}");
    }
}

/// `audit DIR` with per-call JSONL records and the evidence file: (records, evidence, stderr).
fn records(dir: &str, extra: &[&str]) -> (String, String, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let calls = out_dir.path().join("calls.jsonl");
    let evidence = out_dir.path().join("evidence.csv");
    let out = bin()
        .args([
            "audit",
            dir,
            "--threads",
            "1",
            "--format",
            "csv",
            "--calls-format",
            "jsonl",
        ])
        .arg("--calls")
        .arg(&calls)
        .arg("--evidence")
        .arg(&evidence)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        std::fs::read_to_string(&calls).unwrap(),
        std::fs::read_to_string(&evidence).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Genesys and CCAI `.json` files go the typed fast path, named formats (`--input-format`)
/// the general `Value` readers: both give the same records, evidence and messages, and the
/// values the documents hold (ids, agents, teams, dates, speakers and times), including the
/// shapes that are easy to get wrong typed: escaped text, numeric ids, keys present as
/// `null`, camelCase hiding snake_case, values of another type, non-object items.
#[test]
fn genesys_and_ccai_typed_documents_read_as_the_named_format_readers() {
    let dir = tempfile::tempdir().unwrap();
    let genesys = dir.path().join("genesys");
    let ccai = dir.path().join("ccai");
    std::fs::create_dir_all(&genesys).unwrap();
    std::fs::create_dir_all(&ccai).unwrap();
    std::fs::write(
        genesys.join("g1.json"),
        r#"{"conversationId": "g-1", "conversationStartTime": 1717000000000,
            "participants": [{"participantPurpose": "customer"}, {"purpose": "AGENT", "userId": "None"},
                             {"participantPurpose": "agent", "userId": "user-7"}],
            "transcripts": [
              {"phrases": [
                {"text": "Thank you for calling, I\u2019m sorry about the \"wait\".", "participantPurpose": "internal",
                 "startTimeMs": 1717000002000, "duration": {"milliseconds": 1500}, "words": [{"word": "Thank"}]},
                {"text": "This is ridiculous, nobody called me back!", "participantPurpose": "external", "startTimeMs": 1717000009000},
                {"text": "   ", "participantPurpose": "external", "startTimeMs": 1717000010000}
              ]},
              5,
              {"phrases": null},
              {"phrases": [{"text": "Please hold.", "participantPurpose": "acd", "startTimeMs": 1717000000500}]}
            ]}"#,
    )
    .unwrap();
    std::fs::write(
        genesys.join("g2.json"),
        r#"{"conversationId": 42, "conversationStartTime": "x", "startTime": 1717100000000, "participants": null,
            "transcripts": [{"phrases": [
              {"text": "Is there anything else I can help with?", "participantPurpose": "internal", "offset": {"milliseconds": 4000}}
            ]}]}"#,
    )
    .unwrap();
    std::fs::write(
        ccai.join("2024-03-12_import-7.json"),
        r#"{"entries": [
            {"role": "END_USER", "text": "I was charged tw\u00efce!", "user_id": 1, "start_timestamp_usec": 1710237600000000},
            {"role": "HUMAN_AGENT", "text": "I'm sorry, I have refunded it.", "startTimestampUsec": 1710237612000000},
            {"role": "AGENT", "text": ""}
        ]}"#,
    )
    .unwrap();
    std::fs::write(
        ccai.join("api.json"),
        r#"{"name": "projects/p/locations/l/conversations/conv-5", "agentId": null, "agent_id": "hidden",
            "start_time": "2024-04-02T08:00:00Z", "medium": "CHAT",
            "call_metadata": {"agentChannel": 1, "agent_channel": 2, "customerChannel": 2.0, "customer_channel": 2},
            "qualityMetadata": {"agentInfo": [{"agentId": "ana", "team": "billing"}, 7]},
            "transcript": {"transcript_segments": [
              {"text": "hi, my bill is wrong", "segment_participant": {"role": "END_USER"}, "channel_tag": 2, "message_time": "2024-04-02T08:00:05Z"},
              {"text": "Thanks for waiting, let me check that.", "channel_tag": 1, "message_time": "2024-04-02T08:00:07.250Z"},
              {"text": "Press one.", "segmentParticipant": {"role": "AUTOMATED_AGENT"}, "channel_tag": 1,
               "words": [{"startOffset": {"seconds": "9", "nanos": 500000000}, "endOffset": "10s"}]}
            ]}}"#,
    )
    .unwrap();
    let g = genesys.to_str().unwrap();
    let c = ccai.to_str().unwrap();
    let typed_g = records(g, &[]);
    assert_eq!(typed_g, records(g, &["--input-format", "genesys"]));
    let typed_c = records(c, &["--agent-from-filename", r"^\d{4}-\d\d-\d\d_([a-z]+)"]);
    assert_eq!(
        typed_c,
        records(
            c,
            &[
                "--agent-from-filename",
                r"^\d{4}-\d\d-\d\d_([a-z]+)",
                "--input-format",
                "ccai"
            ]
        )
    );
    let calls: Vec<Value> = typed_g
        .0
        .lines()
        .chain(typed_c.0.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let call = |id: &str| calls.iter().find(|c| c["call_id"] == id).unwrap();
    let head = |id: &str| {
        let c = call(id);
        (
            c["agent_id"].as_str().unwrap().to_string(),
            c["team"].as_str().map(str::to_string),
            c["date"].as_str().map(str::to_string),
            c["turns"].as_u64().unwrap(),
        )
    };
    let owned = |a: &str, t: Option<&str>, d: &str, n| {
        (a.to_string(), t.map(str::to_string), Some(d.to_string()), n)
    };
    assert_eq!(head("g-1"), owned("user-7", None, "2024-05-29", 3));
    assert_eq!(head("42"), owned("(unknown)", None, "2024-05-30", 1));
    assert_eq!(
        head("2024-03-12_import-7"),
        owned("import", None, "2024-03-12", 2)
    );
    assert_eq!(
        head("conv-5"),
        owned("ana", Some("billing"), "2024-04-02", 3)
    );
    // The apology is the agent's (an internal phrase with escaped quotes), 2 s into the
    // conversation, second in time after the acd phrase of another transcript.
    let apology = &call("g-1")["items"]["apology"]["evidence"][0];
    assert_eq!(
        (&apology["speaker"], &apology["start_ms"], &apology["turn"]),
        (&Value::from("agent"), &Value::from(2000), &Value::from(2))
    );
    // CCAI chat: the agent's channel is `agentChannel` (it hides `agent_channel`), times
    // are `message_time` from `start_time`.
    let thanks = &call("conv-5")["items"]["thanks"]["evidence"][0];
    assert_eq!(
        (&thanks["speaker"], &thanks["start_ms"]),
        (&Value::from("agent"), &Value::from(7250))
    );
    assert!(
        typed_c
            .2
            .contains("2024-03-12_import-7.json: entries[3]: no text"),
        "{}",
        typed_c.2
    );
    assert!(
        typed_g
            .2
            .contains("g1.json: transcripts[1].phrases[3]: no text"),
        "{}",
        typed_g.2
    );
}

/// Transcribe, Contact Lens and PCA `.json` files go the typed fast path (their strings
/// borrowed from the file), named formats the general `Value` readers: both give the same
/// records, evidence and messages, and the values the documents hold, including escaped text,
/// `null` times, chat events and a turn of the wrong type (which sends its file the general way).
#[test]
fn transcribe_contact_lens_and_pca_typed_documents_read_as_the_named_format_readers() {
    let dir = tempfile::tempdir().unwrap();
    let sub = |name: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (transcribe, lens, pca) = (sub("transcribe"), sub("lens"), sub("pca"));
    std::fs::write(
        transcribe.join("2024-05-02-job.json"),
        r#"{"JobName": "job-1", "Transcript": [
            {"ParticipantRole": "CUSTOMER", "Content": "This is ridiculous, my \"refund\" never came!", "BeginOffsetMillis": 0, "EndOffsetMillis": 5000},
            {"ParticipantRole": "AGENT", "Content": "I\u2019m so sorry about that, let me fix it.", "BeginOffsetMillis": 4000, "EndOffsetMillis": 6000, "LoudnessScores": [1, 2]},
            {"ParticipantRole": "AGENT", "Content": "  "}
        ], "ConversationCharacteristics": {
            "Interruptions": {"TotalCount": 1, "InterruptionsByInterrupter": {"AGENT": [{"BeginOffsetMillis": 4000}]}},
            "NonTalkTime": {"Instances": [{"BeginOffsetMillis": 6000, "DurationMillis": 14000}]}
        }}"#,
    )
    .unwrap();
    std::fs::write(
        transcribe.join("2024-05-03-bad.json"),
        r#"{"JobName": "job-2", "Transcript": [{"ParticipantRole": "AGENT", "Content": 7}, {"ParticipantRole": "AGENT", "Content": "Thanks for calling."}]}"#,
    )
    .unwrap();
    std::fs::write(
        lens.join("c1_analysis_2024-01-02T10:00:00Z.json"),
        r#"{"CustomerMetadata": {"ContactId": "c1"}, "Channel": "CHAT",
            "Participants": [{"ParticipantId": "a", "ParticipantRole": "AGENT", "DisplayName": "ann"}],
            "Transcript": [
              {"ParticipantRole": "CUSTOMER", "Content": "hi, my bill is wrong", "AbsoluteTime": "2024-01-02T10:00:00.000Z", "Type": "MESSAGE"},
              {"Type": "EVENT", "ParticipantRole": "SYSTEM", "AbsoluteTime": "2024-01-02T10:00:01.000Z"},
              {"ParticipantRole": "AGENT", "DisplayName": "ann", "Content": "Thanks for waiting, I\u2019ll check that.", "AbsoluteTime": "2024-01-02T10:00:05.000Z", "Type": "MESSAGE"}
            ]}"#,
    )
    .unwrap();
    std::fs::write(
        lens.join("c2.json"),
        r#"{"Participants": [{"ParticipantId": "arn:aws:connect:r:1:instance/x/agent/ag7", "ParticipantRole": "AGENT"}],
            "Transcript": [
              {"ParticipantId": "arn:aws:connect:r:1:instance/x/agent/ag7", "Content": "Is there anything else I can help with?", "BeginOffsetMillis": 5},
              {"ParticipantId": "CUSTOMER", "Content": "no", "AbsoluteTime": null}
            ]}"#,
    )
    .unwrap();
    std::fs::write(
        pca.join("2022-06-01-pca.json"),
        r#"{"ConversationAnalytics": {"GUID": "g-9", "Agent": "bo", "ConversationTime": "2022-06-01 09:30:00.000001",
              "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Customer"}, {"Speaker": "spk_1", "DisplayText": "Agent"}]},
            "SpeechSegments": [
              {"SegmentSpeaker": "spk_1", "DisplayText": "Thank you for calling, I\u2019m sorry for the wait.", "SegmentStartTime": 0.25, "SegmentEndTime": 3.5},
              {"SegmentSpeaker": "spk_0", "OriginalText": "My order is late.", "SegmentStartTime": "15.0", "SegmentEndTime": 17.125},
              {"SegmentSpeaker": "spk_1", "DisplayText": "Press one.", "IVRSegment": true}
            ]}"#,
    )
    .unwrap();
    let path = |d: &std::path::Path| d.to_str().unwrap().to_string();
    let (t, l, p) = (path(&transcribe), path(&lens), path(&pca));
    let typed_t = records(&t, &[]);
    assert_eq!(typed_t, records(&t, &["--input-format", "transcribe"]));
    let typed_l = records(&l, &[]);
    assert_eq!(typed_l, records(&l, &["--input-format", "contact-lens"]));
    let typed_p = records(&p, &[]);
    assert_eq!(typed_p, records(&p, &["--input-format", "pca"]));

    let calls: Vec<Value> = [&typed_t.0, &typed_l.0, &typed_p.0]
        .iter()
        .flat_map(|r| r.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let call = |id: &str| calls.iter().find(|c| c["call_id"] == id).unwrap();
    let head = |id: &str| {
        let c = call(id);
        (
            c["agent_id"].as_str().unwrap().to_string(),
            c["date"].as_str().map(str::to_string),
            c["turns"].as_u64().unwrap(),
        )
    };
    let owned = |a: &str, d: Option<&str>, n| (a.to_string(), d.map(str::to_string), n);
    assert_eq!(head("job-1"), owned("(unknown)", Some("2024-05-02"), 2));
    assert_eq!(head("job-2"), owned("(unknown)", Some("2024-05-03"), 1));
    assert_eq!(head("c1"), owned("ann", Some("2024-01-02"), 2));
    // `AbsoluteTime` (even `null`) makes it a chat, whose agent is a display name: none here.
    assert_eq!(head("c2"), owned("(unknown)", None, 2));
    assert_eq!(head("g-9"), owned("bo", Some("2022-06-01"), 3));
    // The apology with an escaped apostrophe is the agent's, 4 s into the call.
    let apology = &call("job-1")["items"]["apology"]["evidence"][0];
    assert_eq!(
        (&apology["speaker"], &apology["start_ms"], &apology["turn"]),
        (&Value::from("agent"), &Value::from(4000), &Value::from(2))
    );
    // Chat times are from the first item, the event included.
    let thanks = &call("c1")["items"]["thanks"]["evidence"][0];
    assert_eq!(
        (&thanks["speaker"], &thanks["start_ms"]),
        (&Value::from("agent"), &Value::from(5000))
    );
    let thanks = &call("g-9")["items"]["thanks"]["evidence"][0];
    assert_eq!(
        (&thanks["speaker"], &thanks["start_ms"]),
        (&Value::from("agent"), &Value::from(250))
    );
    assert!(
        typed_t
            .2
            .contains("2024-05-02-job.json: Transcript[3]: no text"),
        "{}",
        typed_t.2
    );
    assert!(
        typed_t
            .2
            .contains("2024-05-03-bad.json: Transcript[1]: not a turn"),
        "{}",
        typed_t.2
    );
}

/// A cue whose timing line comes straight after a `NOTE …` (or `STYLE`) line, with no blank line
/// between them, is a cue with that line as its identifier, as the spec's "collect a WebVTT
/// block" reads it. It was thrown away with the comment, neither read nor counted (tester t9's
/// F1). A comment that ends at a blank line, or runs on for a second line before the timing
/// line, is still a comment, and the cue after it is read.
#[test]
fn webvtt_a_cue_right_after_a_note_line_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let agent = "<v Agent>Thanks for calling, I am so sorry for the wait.";
    let customer = "00:00:05.000 --> 00:00:08.000\n<v Customer>Fine.\n";
    for (name, head) in [
        ("note1.vtt", "NOTE exported by recorder v2\n"),
        (
            "note2.vtt",
            "NOTE exported by recorder v2\nNOTE second line\n",
        ),
        ("note3.vtt", "NOTE\n"),
        ("style.vtt", "STYLE\n"),
        ("blank.vtt", "NOTE exported by recorder v2\n\n"),
    ] {
        let f = dir.path().join(name);
        std::fs::write(
            &f,
            format!("WEBVTT\n\n{head}00:00:00.000 --> 00:00:04.000\n{agent}\n\n{customer}"),
        )
        .unwrap();
        let f = f.to_str().unwrap();
        let id = name.trim_end_matches(".vtt");
        let run = audit(&[f, "--agent-names", "Agent"]);
        assert_eq!(run.acct("rows_read"), 2, "{name}: {}", run.stderr);
        assert_eq!(run.call(id)["turns"], 2, "{name}: {}", run.stderr);
        assert_eq!(
            speakers(f, id, &["--agent-names", "Agent"]),
            s(&["agent", "customer"]),
            "{name}"
        );
    }
}

/// A lone carriage return ends a line of a CSV (the csv parser ends a record there), so line
/// numbers count it as a line end, as the WebVTT and plain-text readers do. They counted line
/// feeds only: in a file with CR line ends every bad row was "line 1", the header, and in a file
/// of mixed line ends the numbers drifted (tester t9's F2).
#[test]
fn csv_line_numbers_count_lone_carriage_returns() {
    let dir = tempfile::tempdir().unwrap();
    let cr = dir.path().join("cr.csv");
    std::fs::write(
        &cr,
        "call_id,agent_id,turn,speaker,text\rA,ann,1,agent,hello\rA,ann,2,customer,hi\rA,ann,3\rA,ann,4,agent,x\r",
    )
    .unwrap();
    let cr = cr.to_str().unwrap();
    let run = audit(&[cr]);
    assert!(
        run.stderr.contains("cr.csv:4: expected 5 fields, found 3"),
        "{}",
        run.stderr
    );
    let err = audit_fails(&[cr, "--strict"]);
    assert!(err.contains("cr.csv:4: expected 5 fields"), "{err}");
    // A quote left open in a file with CR line ends swallows the rows after it: they are
    // counted, as with any other line end (they were neither read nor counted).
    let open = dir.path().join("open.csv");
    std::fs::write(
        &open,
        "call_id,speaker,text\rc1,agent,\"oops\rc1,agent,hi\rc1,customer,\"ok\"\rc2,agent,fine\r",
    )
    .unwrap();
    let run = audit(&[open.to_str().unwrap()]);
    assert!(
        run.stderr.contains("open.csv:2: a quoted field opened on this line runs to line 4, and 2 lines inside it look like rows of their own"),
        "{}",
        run.stderr
    );
    assert_eq!((run.acct("rows_read"), run.acct("rows_audited")), (4, 1));

    // Every kind of line end, a lone CR inside quoted text and one on a blank line: the bad
    // rows are named by the physical line they are on.
    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        concat!(
            "call_id,agent_id,turn,speaker,text\r",
            "A,ann,1,agent,hello\r\n",
            "A,ann,2,customer,\"multi\rline\"\n",
            "A,ann,3\r",
            "A,ann,4,agent,ok\n",
            "\r",
            "A,ann,5\r\n",
            "A,ann,6,agent,\"two\r\nlines\",extra\n",
            "A,ann,7,agent,\"three\rlines\ron\",\"one\",x\r",
            "A,ann,8",
        ),
    )
    .unwrap();
    let run = audit(&[mixed.to_str().unwrap()]);
    for at in [
        "mixed.csv:5: expected 5 fields, found 3",
        "mixed.csv:8: expected 5 fields, found 3",
        "mixed.csv:9: expected 5 fields, found 6 (the record runs to line 10",
        "mixed.csv:11: expected 5 fields, found 7 (the record runs to line 13",
        "mixed.csv:14: expected 5 fields, found 3",
    ] {
        assert!(run.stderr.contains(at), "{at}:\n{}", run.stderr);
    }
    assert_eq!(run.call("A")["turns"], 3);
}

/// Two exports joined with `cat` whose headers differ: the second header was a data row (a call
/// `call_id`, or `CALL_ID` when only its letter case differs), and the rows after it were read
/// under the first header's columns, in silence (tester t9's F8). A line whose call cell is a
/// call column's name (or whose every cell names a column) is a header: the same header again
/// (letter case aside) is skipped as before; one of other columns stops the file, naming its
/// line and both headers, since its rows cannot be read with the first header's columns.
#[test]
fn a_second_header_in_a_csv_is_the_header_again_or_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let f = dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        f.to_str().unwrap().to_string()
    };
    let case = write(
        "case.csv",
        "call_id,agent_id,speaker,text\nA,ann,agent,hello sorry\nCALL_ID,Agent_Id,SPEAKER,TEXT\nB,bob,agent,hi there\n",
    );
    let run = audit(&[&case]);
    assert_eq!(run.ids(), ["A", "B"], "{}", run.stderr);
    assert!(
        run.stderr
            .contains("case.csv:3: the header again, not a row (exports joined into one file?)"),
        "{}",
        run.stderr
    );

    let team = write(
        "team.csv",
        "call_id,agent_id,speaker,text\nA,ann,agent,hello sorry\nA,ann,customer,hi\ncall_id,team,speaker,text\nB,sales,agent,hi there\nB,sales,customer,thanks\n",
    );
    let turn = write(
        "turn.csv",
        "call_id,agent_id,turn,speaker,text\nA,ann,1,agent,hello sorry\nA,ann,2,customer,hi\ncall_id,team,turn,speaker,text\nB,sales,1,agent,hi there\n",
    );
    let renamed = write(
        "renamed.csv",
        "call_id,agent_id,speaker,text\nA,ann,agent,hello sorry\nA,ann,customer,hi\nConversation ID,agent_id,speaker,text,team\nB,bob,agent,hi there,sales\n",
    );
    for (f, name, second) in [
        (&team, "team.csv", "call_id, team, speaker, text"),
        (&turn, "turn.csv", "call_id, team, turn, speaker, text"),
        (
            &renamed,
            "renamed.csv",
            "Conversation ID, agent_id, speaker, text, team",
        ),
    ] {
        let err = audit_fails(&[f]);
        assert!(
            err.contains(&format!("{name}:4: a header again, with other columns")),
            "{err}"
        );
        assert!(err.contains(second), "{err}");
        assert!(!err.contains("is not a number"), "{err}");
    }
    let err = audit_fails(&[&team]);
    assert!(err.contains("call_id, agent_id, speaker, text"), "{err}");
    // --keep-going passes the file over; the call being read at the second header may go on
    // after it, so it is cut short there, named, and not audited (tester t20's F1: a call
    // whose rows went on after the header was audited on two of its four turns).
    let cut = write(
        "cut.csv",
        "call_id,agent_id,turn,speaker,text\nA1,ann,1,customer,hi\nA1,ann,2,agent,sorry\nA3,cy,1,customer,this is ridiculous\nA3,cy,2,agent,I understand\ncall_id,team,speaker,text\nA3,t,agent,so sorry about that\nA3,t,agent,anything else?\n",
    );
    let run = audit(&[&cut, "--keep-going", "--allow-empty"]);
    assert_eq!(run.ids(), ["A1"], "{}", run.stderr);
    assert_eq!(run.acct("files_unreadable"), 1);
    assert!(
        run.stderr.contains(
            "call A3 is cut short there, and is not audited (file passed over: --keep-going)"
        ),
        "{}",
        run.stderr
    );
    let run = audit(&[&team, "--keep-going", "--allow-empty"]);
    assert!(run.ids().is_empty(), "{}", run.stderr);
    assert!(
        run.stderr.contains("call A is cut short there"),
        "{}",
        run.stderr
    );
}

/// Blank lines before a CSV's header are lines: an error or warning about the header names the
/// header's own line, as rows after blank lines are numbered (tester t20's F4: `:1`).
#[test]
fn a_header_after_blank_lines_is_named_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("hdr3.csv");
    std::fs::write(&bad, "\n\nfoo,bar,baz\n1,2,3\n").unwrap();
    let err = audit_fails(&[bad.to_str().unwrap()]);
    assert!(err.contains("hdr3.csv:3: no column for call"), "{err}");
    let dup = dir.path().join("dup.csv");
    std::fs::write(
        &dup,
        "\r\n\ncall_id,agent_id,speaker,text,text\nA,ann,agent,hi,x\n",
    )
    .unwrap();
    let run = audit(&[dup.to_str().unwrap()]);
    assert!(
        run.stderr
            .contains("dup.csv:3: columns 4 and 5 are both named `text`"),
        "{}",
        run.stderr
    );
}

/// A CCAI document with both spellings of its transcript's key (`transcriptSegments` and
/// `transcript_segments`), or both shapes (`entries` and `transcript.transcriptSegments`), read
/// one array and dropped the other in silence (tester t9's F6). Which one holds the
/// conversation cannot be told: the file is refused, naming both keys, on the typed `.json`
/// path and with `--input-format ccai` alike.
#[test]
fn ccai_a_document_with_both_spellings_of_its_segments_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let segment =
        r#"{"text": "Hello, I am so sorry.", "segmentParticipant": {"role": "HUMAN_AGENT"}}"#;
    let entry = r#"{"role": "AGENT", "text": "Hello", "start_timestamp_usec": 1710237600000000}"#;
    for (name, doc, keys) in [
        (
            "cases.json",
            format!(
                r#"{{"name": "conversations/c-1", "transcript": {{"transcriptSegments": [{segment}, {segment}], "transcript_segments": [{segment}]}}}}"#
            ),
            [
                "`transcript.transcriptSegments`",
                "`transcript.transcript_segments`",
            ],
        ),
        (
            "shapes.json",
            format!(
                r#"{{"entries": [{entry}, {entry}], "transcript": {{"transcriptSegments": [{segment}]}}}}"#
            ),
            ["`entries`", "`transcript.transcriptSegments`"],
        ),
        (
            "shapes_snake.json",
            format!(r#"{{"entries": [{entry}], "transcript": {{"transcript_segments": []}}}}"#),
            ["`entries`", "`transcript.transcript_segments`"],
        ),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, doc).unwrap();
        let f = f.to_str().unwrap();
        let typed = audit_fails(&[f]);
        let general = audit_fails(&[f, "--input-format", "ccai"]);
        assert_eq!(typed, general, "{name}");
        for key in keys {
            assert!(typed.contains(key), "{name}: {key}: {typed}");
        }
        assert!(typed.contains(&format!("{name}: ")), "{typed}");
    }
}

/// A vendor time that cannot be read was dropped without a word: the call undated, a turn
/// untimed, or Genesys's `startTime` used in place of a `conversationStartTime` that is not a
/// number (tester t9's F9). Each is said once per document, naming the field and its value, as
/// a CSV `date` cell is; on the typed `.json` path and with the named format alike.
#[test]
fn vendor_times_that_cannot_be_read_are_said_once_per_document() {
    let dir = tempfile::tempdir().unwrap();
    let docs = [
        (
            "pca.json",
            "pca",
            r#"{"ConversationAnalytics": {"GUID": "p-1", "Agent": "ann", "ConversationTime": "garbage",
                "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Agent"}]},
              "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "Hello, thanks for calling."}]}"#,
            "pca.json: ConversationAnalytics.ConversationTime `garbage`",
        ),
        (
            "chat.json",
            "contact-lens",
            r#"{"CustomerMetadata": {"ContactId": "cl-1"}, "Channel": "CHAT", "Participants": [],
              "Transcript": [
                {"Type": "MESSAGE", "ParticipantRole": "CUSTOMER", "Content": "hi", "AbsoluteTime": "2024-03-01T00:00:01.500Z"},
                {"Type": "MESSAGE", "ParticipantRole": "AGENT", "Content": "Hello, thanks for waiting.", "AbsoluteTime": "yesterday"},
                {"Type": "MESSAGE", "ParticipantRole": "CUSTOMER", "Content": "ok", "AbsoluteTime": "later"}
              ]}"#,
            "chat.json: Transcript[2].AbsoluteTime `yesterday`",
        ),
        (
            "ccai.json",
            "ccai",
            r#"{"name": "projects/p/conversations/a-1", "startTime": "not a time",
              "transcript": {"transcriptSegments": [{"text": "Hello", "segmentParticipant": {"role": "HUMAN_AGENT"}}]}}"#,
            "ccai.json: startTime `not a time`",
        ),
        (
            "genesys.json",
            "genesys",
            r#"{"conversationId": "g-1", "conversationStartTime": "2024-03-11T10:00:00Z", "startTime": 1710151201000,
              "transcripts": [{"phrases": [{"text": "Hello", "participantPurpose": "internal", "startTimeMs": 1710151203000}]}]}"#,
            "genesys.json: conversationStartTime `2024-03-11T10:00:00Z`",
        ),
    ];
    for (name, format, doc, says) in docs {
        let f = dir.path().join(name);
        std::fs::write(&f, doc).unwrap();
        let f = f.to_str().unwrap();
        let typed = audit(&[f]);
        let general = audit(&[f, "--input-format", format]);
        assert_eq!(typed.stderr, general.stderr, "{name}");
        assert_eq!(
            typed.stderr.matches(says).count(),
            1,
            "{name}: {says}:\n{}",
            typed.stderr
        );
    }
}

/// Ids written as JSON numbers keep their digits as written, past 64 bits too: before, serde
/// read `18446744073709551616` and up as an `f64`, so distinct calls merged into one
/// (`1.8446744073709552e19`), or one was passed over as a copy of the other (tester t12's
/// finding 2). In JSONL, in every vendor format on its fast and general path, in a single
/// conversation object, for agent ids too; and as the same ids written as CSV text are.
#[test]
fn numeric_ids_keep_their_digits_past_64_bits() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let turns = r#""turns": [{"speaker": "customer", "text": "Where is my parcel"}, {"speaker": "agent", "text": "Thanks for calling"}]"#;
    let jsonl = write(
        "calls.jsonl",
        &[
            format!(
                r#"{{"call_id": 18446744073709551616, "agent_id": 98765432109876543210, {turns}}}"#
            ),
            format!(
                r#"{{"call_id": 18446744073709551617, "agent_id": 98765432109876543211, {turns}}}"#
            ),
            format!(r#"{{"call_id": 18446744073709551618, "agent_id": "ann", {turns}}}"#),
            format!(r#"{{"call_id": 1.50, "agent_id": "ann", {turns}}}"#),
            format!(r#"{{"call_id": 1e3, "agent_id": "ann", {turns}}}"#),
            format!(r#"{{"call_id": 7, "agent_id": "ann", {turns}}}"#),
        ]
        .join("\n"),
    );
    let run = audit(&[&jsonl]);
    assert_eq!(
        run.ids(),
        [
            "1.50",
            "18446744073709551616",
            "18446744073709551617",
            "18446744073709551618",
            "1e3",
            "7"
        ],
        "{}",
        run.stderr
    );
    assert_eq!(
        run.call("18446744073709551617")["agent_id"],
        "98765432109876543211"
    );
    assert_eq!(run.acct("calls_merged"), 0);

    // Vendor documents: two files each, whose ids differ past 64 bits.
    let transcript = |role: &str| {
        format!(
            r#"[{{"ParticipantRole": "{role}", "Content": "Thanks for calling", "BeginOffsetMillis": 0, "EndOffsetMillis": 900}}]"#
        )
    };
    for n in ["16", "17"] {
        let id = format!("184467440737095516{n}");
        write(
            &format!("tca/t{n}.json"),
            &format!(
                r#"{{"JobName": {id}, "Transcript": {}}}"#,
                transcript("AGENT")
            ),
        );
        write(
            &format!("cl/c{n}.json"),
            &format!(
                r#"{{"CustomerMetadata": {{"ContactId": {id}}}, "Participants": [{{"ParticipantId": "A", "ParticipantRole": "AGENT"}}], "Transcript": [{{"ParticipantId": "A", "Content": "Thanks for calling", "BeginOffsetMillis": 0, "EndOffsetMillis": 900}}]}}"#
            ),
        );
        write(
            &format!("gen/g{n}.json"),
            &format!(
                r#"{{"conversationId": {id}, "conversationStartTime": 1710151200000, "transcripts": [{{"phrases": [{{"text": "Thanks for calling", "participantPurpose": "internal", "startTimeMs": 1710151203000}}]}}]}}"#
            ),
        );
        write(
            &format!("ccai/a{n}.json"),
            &format!(
                r#"{{"name": "projects/p/conversations/conv-{n}", "agentId": 9876543210987654321{n}, "qualityMetadata": {{"agentInfo": [{{"agentId": 1, "team": 1234567890123456789{n}}}]}}, "transcript": {{"transcriptSegments": [{{"text": "Thanks for calling", "segmentParticipant": {{"role": "HUMAN_AGENT"}}}}]}}}}"#
            ),
        );
        // A conversation object alone in a `.json` file.
        write(
            &format!("one/o{n}.json"),
            &format!("{{\n  \"call_id\": {id},\n  {turns}\n}}\n"),
        );
    }
    let expected = ["18446744073709551616", "18446744073709551617"];
    for (dir_name, format) in [
        ("tca", "transcribe"),
        ("cl", "contact-lens"),
        ("gen", "genesys"),
        ("one", "json"),
    ] {
        let d = dir.path().join(dir_name).display().to_string();
        // The `.json` dispatcher (the fast path, which leaves such a document to the general
        // reader) and the named format's reader.
        for args in [vec![d.as_str()], vec![d.as_str(), "--input-format", format]] {
            let run = audit(&args);
            assert_eq!(run.ids(), expected, "{args:?}: {}", run.stderr);
            assert_eq!(run.acct("rows_read"), run.acct("rows_audited"), "{args:?}");
        }
    }
    let d = dir.path().join("ccai").display().to_string();
    for args in [vec![d.as_str()], vec![d.as_str(), "--input-format", "ccai"]] {
        let run = audit(&args);
        let agent_and_team = |id: &str| {
            let c = run.call(id);
            (c["agent_id"].clone(), c["team"].clone())
        };
        assert_eq!(
            agent_and_team("conv-17"),
            (
                Value::from("987654321098765432117"),
                Value::from("123456789012345678917")
            ),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Plain-text labels with a number or a name after the role word are that role's speaker
/// lines: before, `Customer 1: This is ridiculous` was read as more of the agent's turn, in
/// silence (tester t12's finding 5). A line that looks like a speaker line but names no role
/// (`Customer Service:`) is counted and named in a warning; text with colons that is no label
/// (`Note:`, `10:30`) is read as before.
#[test]
fn plain_text_role_words_with_a_number_or_a_name_are_speakers() {
    let dir = tempfile::tempdir().unwrap();
    for (i, label) in [
        "Customer 1",
        "Customer (Alex)",
        "Customer Alex",
        "Customer #1",
        "Caller ID 5",
        "Caller No. 5",
    ]
    .iter()
    .enumerate()
    {
        let p = dir.path().join(format!("call-{i}.txt"));
        std::fs::write(
            &p,
            format!(
                "Agent: Thanks for calling, how can I help?\n{label}: This is ridiculous, I am furious!\nAgent (Sam): I am so sorry about that.\n"
            ),
        )
        .unwrap();
        let f = p.display().to_string();
        assert_eq!(
            speakers(&f, &format!("call-{i}"), &[]),
            s(&["agent", "customer", "agent"]),
            "{label}"
        );
        let run = audit(&[&f]);
        assert_eq!(run.report["accounting"]["lines_unknown_label"], Value::Null);
        assert!(
            !run.stderr.contains("looks like a speaker label"),
            "{}",
            run.stderr
        );
    }
    let p = dir.path().join("call-x.txt");
    std::fs::write(
        &p,
        "Agent: Thanks for calling.\nNote: the line was bad at 10:30.\nCustomer Service: hello?\nCustomer: My order is late.\nCustomer number: 12345\nSpeaker 2: hello?\n",
    )
    .unwrap();
    let f = p.display().to_string();
    assert_eq!(speakers(&f, "call-x", &[]), s(&["agent", "customer"]));
    let run = audit(&[&f]);
    assert_eq!(run.acct("lines_unknown_label"), 3, "{}", run.stderr);
    common::assert_says(
        &run.stderr,
        &[
            format!(
                "{f}:3: `Customer Service:` looks like a speaker label, but names no role callaudit knows"
            ),
            "read as more of the turn before it, and so are 2 more such line(s)".to_string(),
            "3 line(s) that look like a speaker label but name no known role".to_string(),
        ],
    );
}

/// `--metadata` matches call ids exactly, and ignoring case only when that is unambiguous:
/// exports keep the case of ids, and `5003000000D8cuI` and `5003000000D8cui` are two calls.
/// Before, a contact file with a record for each was refused as listing one call twice, and the
/// record of one was joined to both (tester t12's finding 6).
#[test]
fn metadata_matches_call_ids_exactly_before_ignoring_case() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let calls = write(
        "calls.csv",
        "call_id,speaker,text\n5003000000D8cuI,agent,Thanks for calling\n5003000000D8cui,agent,I am sorry about that\n5d1c7e10-0a7b,agent,Thanks\n",
    );
    let both = write(
        "both.csv",
        "call_id,agent_id,date\n5003000000D8cuI,ann,2026-11-20\n5003000000D8cui,bob,2026-11-21\n5D1C7E10-0A7B,cy,2026-11-22\n",
    );
    let run = audit(&[&calls, "--metadata", &both]);
    let joined = |run: &Run, id: &str| {
        let c = run.call(id);
        (c["agent_id"].clone(), c["date"].clone())
    };
    assert_eq!(
        joined(&run, "5003000000D8cuI"),
        (Value::from("ann"), Value::from("2026-11-20"))
    );
    assert_eq!(
        joined(&run, "5003000000D8cui"),
        (Value::from("bob"), Value::from("2026-11-21"))
    );
    // A GUID in another case is still the same call.
    assert_eq!(
        joined(&run, "5d1c7e10-0a7b"),
        (Value::from("cy"), Value::from("2026-11-22"))
    );
    assert_eq!(run.acct("metadata_joined"), 3);

    let one = write(
        "one.csv",
        "call_id,agent_id,date\n5003000000D8cui,bob,2026-11-21\n",
    );
    let run = audit(&[&calls, "--metadata", &one]);
    assert_eq!(
        joined(&run, "5003000000D8cui"),
        (Value::from("bob"), Value::from("2026-11-21"))
    );
    assert_eq!(run.call("5003000000D8cuI")["date"], Value::Null);
    assert_eq!(run.acct("metadata_joined"), 1);
    assert_eq!(run.acct("metadata_not_found"), 2);

    // The same id twice with other values is still refused.
    let twice = write(
        "twice.csv",
        "call_id,agent_id\n5003000000D8cui,bob\n5003000000D8cui,ann\n",
    );
    let err = audit_fails(&[&calls, "--metadata", &twice]);
    assert!(
        err.contains("twice.csv:3: call 5003000000D8cui is also on line 2 with other values"),
        "{err}"
    );
}

/// A link in an input directory back to a directory being read (a loop) is not followed, and
/// said so, apart from the files ignored for their extension (tester t12's finding 9).
#[test]
fn a_link_back_to_a_directory_being_read_is_counted_and_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("exports");
    let month = root.join("2026/11");
    std::fs::create_dir_all(&month).unwrap();
    std::fs::write(
        month.join("calls.csv"),
        "call_id,agent_id,speaker,text\nL1,ann,agent,hello\n",
    )
    .unwrap();
    std::fs::write(month.join("notes.pdf"), "x").unwrap();
    std::os::unix::fs::symlink("..", month.join("up")).unwrap();
    std::os::unix::fs::symlink("../../2026", month.join("year")).unwrap();
    let run = audit(&[root.to_str().unwrap()]);
    assert_eq!(run.ids(), ["L1"]);
    assert_eq!(run.acct("files_ignored"), 1);
    assert_eq!(run.acct("files_link_loops"), 2);
    let m = month.display();
    common::assert_says(
        &run.stderr,
        &[format!(
            "1 file(s) ignored for their extension ({m}/notes.pdf); 2 link(s) in input directories back to a directory being read, not followed ({m}/up, {m}/year)"
        )],
    );
}
