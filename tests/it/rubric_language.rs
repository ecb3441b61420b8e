//! The rubric language, one feature at a time, through the real binary with small custom
//! rubrics. Each test fails if its feature stops working.

use super::common;
use common::*;
use predicates::prelude::*;
use std::collections::HashMap;

const HEAD: &str = "[rubric]\nname = \"test\"\npass_mark = 50\n";

/// Audits `input` (a file name decides the format) with `rubric` (items only; the header is
/// added) and returns the per-call rows plus stderr.
fn run(items: &str, input_name: &str, input: &str) -> (Vec<HashMap<String, String>>, String) {
    let w = Workdir::new();
    let rubric = w.write("r.toml", format!("{HEAD}{items}"));
    let input = w.write(input_name, input);
    let calls = w.path("calls.csv");
    let out = callaudit()
        .args(["audit", "--format", "json", "--rubric"])
        .arg(&rubric)
        .arg("--calls")
        .arg(&calls)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    (read_calls_csv(&calls), stderr)
}

/// The per-call rows of a CSV transcript audited with `items`.
fn audit_csv(items: &str, csv: &str) -> Vec<HashMap<String, String>> {
    run(items, "in.csv", csv).0
}

/// One agent item `x` with these settings, audited on an agent turn (after a customer turn).
fn agent_count(settings: &str, agent_text: &str) -> String {
    let items = format!("[[item]]\nid = \"x\"\nkind = \"expected\"\n{settings}\n");
    let csv = csv_of(&[
        ("c", "a", "customer", "Hello there"),
        ("c", "a", "agent", agent_text),
    ]);
    audit_csv(&items, &csv)[0]["x"].clone()
}

#[test]
fn literals_are_case_and_apostrophe_and_contraction_insensitive() {
    let p = r#"phrases = ["I'm sorry"]"#;
    assert_eq!(agent_count(p, "I AM SORRY"), "1");
    assert_eq!(agent_count(p, "I’m sorry"), "1");
    assert_eq!(agent_count(p, "im sorry"), "1");
    assert_eq!(agent_count(p, "I was sorry"), "0");
}

#[test]
fn word_boundaries_always_apply() {
    let p = r#"phrases = ["hold"]"#;
    assert_eq!(agent_count(p, "the household"), "0");
    assert_eq!(agent_count(p, "hold-music"), "1");
}

#[test]
fn stems() {
    let p = r#"phrases = ["refund*"]"#;
    assert_eq!(agent_count(p, "We refunded you."), "1");
    assert_eq!(agent_count(p, "A prefund."), "0");
}

#[test]
fn number_slots() {
    let p = r#"phrases = ["within {num} days"]"#;
    assert_eq!(agent_count(p, "within 5 days"), "1");
    assert_eq!(agent_count(p, "within five days"), "1");
    assert_eq!(agent_count(p, "within days"), "0");
    assert_eq!(agent_count(p, "within many days"), "0");
}

/// `rubric check` of a rubric of these items (the header added): its exit code and stderr.
fn check(items: &str) -> (i32, String) {
    let w = Workdir::new();
    let rubric = w.write("r.toml", format!("{HEAD}{items}"));
    let out = callaudit()
        .args(["rubric", "check"])
        .arg(&rubric)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap(), stderr)
}

/// `{num|few}` and `{num|}` were the English word "num", silently: `rubric check` said ok and
/// "wait 5 minutes" matched nothing (tester t8, #2). Inside a family, `num` is the number
/// slot; `NUM` there is refused at its line and column, as `{NUM}` is.
#[test]
fn num_inside_a_family_is_the_number_slot() {
    let p = r#"phrases = ["wait {num|few} minutes", "for {num|} hours"]"#;
    assert_eq!(agent_count(p, "Please wait 5 minutes."), "1");
    assert_eq!(agent_count(p, "Please wait few minutes."), "1");
    assert_eq!(agent_count(p, "It took me for 3 hours."), "1");
    assert_eq!(agent_count(p, "It took me for hours."), "1");
    assert_eq!(agent_count(p, "wait num minutes"), "0");
    assert_eq!(
        agent_count(r#"phrases = ["within {num days|a week}"]"#, "within 4 days"),
        "1"
    );
    let (code, stderr) = check(
        "[[item]]\nid = \"x\"\nkind = \"expected\"\nphrases = [\"ok\", \"wait {NUM|few} minutes\"]\n",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "r.toml:7:18: phrase `wait {NUM|few} minutes`: `NUM` in `{…}`: inside a family the \
             number slot is written `num`, in lower case"
        ),
        "{stderr}"
    );
}

/// A stem on a word read as a contraction (`cant*`, `im*`) was told to write "the words before
/// it separately", though it is one word (tester t8, #7): the message says what the word is
/// read as, or that the stem is too short.
#[test]
fn a_wildcard_on_a_contraction_is_refused_saying_why() {
    let (code, stderr) = check(
        "[[item]]\nid = \"x\"\nkind = \"expected\"\nphrases = [\"cant*\", \"im*\", \"canteen*\"]\n",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "r.toml:7:12: phrase `cant*`: `cant*`: `cant` is read as \"can not\" (chat \
             spelling), so a wildcard cannot follow it; write the words out in full"
        ),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("r.toml:7:21: phrase `im*`: `im*`: a wildcard stem needs at least 3 letters"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("write the words before it separately"),
        "{stderr}"
    );
    assert!(stderr.contains("(2 problems)"), "{stderr}");
}

#[test]
fn near_either_order_and_before_in_order() {
    let near = r#"phrases = ["sorry NEAR/3 delay"]"#;
    assert_eq!(agent_count(near, "sorry about the delay"), "1");
    assert_eq!(agent_count(near, "the delay, so sorry"), "1");
    assert_eq!(agent_count(near, "sorry, it is a very long delay"), "0");
    let before = r#"phrases = ["check BEFORE/2 refund"]"#;
    assert_eq!(agent_count(before, "let me check your refund"), "1");
    assert_eq!(agent_count(before, "your refund, let me check"), "0");
}

#[test]
fn a_trailing_dollar_only_matches_where_the_phrase_closes_its_turn() {
    let p = r#"phrases = ["^ wonderful $"]"#;
    assert_eq!(agent_count(p, "Wonderful."), "1");
    assert_eq!(
        agent_count(p, "6 hours late. Wonderful! 2/2 https://t.co/x"),
        "1"
    );
    assert_eq!(agent_count(p, "Wonderful, thanks for your help."), "0");
    assert_eq!(agent_count(p, "Wonderful! Thanks."), "0");
    assert_eq!(agent_count(p, "What a wonderful day."), "0");
    // `^ … $` is a sentence of its own: no lead-in words before it ("That's wonderful!" at
    // the end of a thankful turn is not sarcasm).
    assert_eq!(agent_count(p, "Thanks. That's wonderful!"), "0");
    assert_eq!(agent_count(p, "Sounds wonderful."), "0");
    // Without `^`, the words before it in its sentence do not matter.
    assert_eq!(
        agent_count(r#"phrases = ["day $"]"#, "What a wonderful day."),
        "1"
    );
}

#[test]
fn unless_cancels_in_the_same_sentence_only() {
    let p = r#"phrases = ["sorry"]
unless = ["sorry you feel"]"#;
    assert_eq!(agent_count(p, "I'm sorry you feel that way."), "0");
    assert_eq!(
        agent_count(p, "I'm sorry for the wait. Sorry you feel that way."),
        "1"
    );
}

/// `unless_scope = "match"`: an unless phrase cancels only the matches on its own words, not
/// another match of the item in the same sentence ("Thank you, I can appreciate how frustrating
/// this is" still thanks); the default scope cancels the whole sentence's.
#[test]
fn unless_scope_match_cancels_only_the_words_it_covers() {
    let sentence = r#"phrases = ["thank*", "appreciate*"]
unless = ["can appreciate"]"#;
    let on_match = format!("{sentence}\nunless_scope = \"match\"");
    let text = "Thank you, I can appreciate how frustrating this is.";
    assert_eq!(agent_count(sentence, text), "0");
    assert_eq!(agent_count(&on_match, text), "1");
    assert_eq!(
        agent_count(&on_match, "I can appreciate how frustrating this is."),
        "0"
    );
    assert_eq!(agent_count(&on_match, "I appreciate your patience."), "1");
    // Written out, the default is the same as leaving it out.
    let written = format!("{sentence}\nunless_scope = \"sentence\"");
    assert_eq!(agent_count(&written, text), "0");
}

#[test]
fn context_requires_a_phrase_in_the_same_sentence() {
    let p = r#"phrases = ["delivery"]
context = ["sorry"]"#;
    assert_eq!(agent_count(p, "Sorry about the delivery."), "1");
    assert_eq!(agent_count(p, "Sorry. The delivery is late."), "0");
}

#[test]
fn in_question_needs_an_actual_question() {
    let p = r#"phrases = ["order number"]
in_question = true"#;
    assert_eq!(agent_count(p, "What is your order number?"), "1");
    assert_eq!(agent_count(p, "Your order number is 55."), "0");
}

#[test]
fn speaker_scope() {
    let items = "[[item]]\nid = \"a\"\nkind = \"signal\"\nspeaker = \"customer\"\nphrases = [\"refund\"]\n\
                 [[item]]\nid = \"b\"\nkind = \"signal\"\nspeaker = \"any\"\nphrases = [\"refund\"]\n\
                 [[item]]\nid = \"c\"\nkind = \"signal\"\nphrases = [\"refund\"]\n";
    let csv = csv_of(&[("c", "a", "customer", "I want a refund")]);
    let r = &audit_csv(items, &csv)[0];
    assert_eq!(
        (r["a"].as_str(), r["b"].as_str(), r["c"].as_str()),
        ("1", "1", "0")
    );
}

/// Four agent turns saying "ok" at 0, 10, 20, 30 s (each 5 s long): which turns a window keeps.
/// Four agent turns saying "ok" at 0, 10, 20, 30 s (each 5 s long): which turns a window keeps,
/// and stderr.
fn window_count(window: &str, timed: bool) -> (String, String) {
    let items =
        format!("[[item]]\nid = \"x\"\nkind = \"expected\"\nphrases = [\"ok\"]\n{window}\n");
    let turns: Vec<String> = (0..4)
        .map(|i| {
            if timed {
                format!(
                    r#"{{"speaker": "agent", "text": "ok", "start_ms": {}, "end_ms": {}}}"#,
                    i * 10_000,
                    i * 10_000 + 5000
                )
            } else {
                r#"{"speaker": "agent", "text": "ok"}"#.to_string()
            }
        })
        .collect();
    let jsonl = format!(
        "{{\"call_id\": \"c\", \"agent_id\": \"a\", \"turns\": [{}]}}\n",
        turns.join(", ")
    );
    let (rows, stderr) = run(&items, "in.jsonl", &jsonl);
    (rows[0]["x"].clone(), stderr)
}

#[test]
fn turn_windows() {
    assert_eq!(window_count("first_turns = 1", false).0, "1");
    assert_eq!(window_count("last_turns = 2", false).0, "2");
    assert_eq!(
        window_count("first_turns = 3\nlast_turns = 2", false).0,
        "1"
    );
}

#[test]
fn seconds_windows_need_timings() {
    assert_eq!(window_count("first_seconds = 15", true).0, "2");
    assert_eq!(window_count("last_seconds = 10", true).0, "2");
    // Without timings the item does not apply, and the run says so.
    let (count, stderr) = window_count("first_seconds = 15", false);
    assert_eq!(count, "");
    assert_says(&stderr, &["seconds window"]);
}

#[test]
fn percent_windows_use_timings_or_fall_back_to_turn_share() {
    assert_eq!(window_count("first_percent = 25", true).0, "1");
    assert_eq!(window_count("first_percent = 30", true).0, "2");
    let (count, stderr) = window_count("last_percent = 50", false);
    assert_eq!(count, "2");
    assert_says(&stderr, &["fell back to turn share"]);
}

#[test]
fn min_count() {
    let items =
        "[[item]]\nid = \"x\"\nkind = \"expected\"\nphrases = [\"thanks\"]\nmin_count = 2\n";
    let once = csv_of(&[("c", "a", "agent", "thanks")]);
    let twice = csv_of(&[("c", "a", "agent", "thanks"), ("c", "a", "agent", "thanks")]);
    // One thanks: counted, but not enough to be met (score 0 of 100).
    let r = &audit_csv(items, &once)[0];
    assert_eq!((r["x"].as_str(), r["score"].as_str()), ("1", "0.00"));
    let r = &audit_csv(items, &twice)[0];
    assert_eq!(r["score"], "100.00");
}

const UPSET_ITEM: &str =
    "[[item]]\nid = \"upset\"\nkind = \"signal\"\nspeaker = \"customer\"\nphrases = [\"angry\"]\n";

#[test]
fn after_with_within_turns() {
    let items = format!(
        "{UPSET_ITEM}[[item]]\nid = \"x\"\nkind = \"expected\"\nphrases = [\"sorry\"]\nafter = \"upset\"\nwithin_turns = 2\n"
    );
    let soon = csv_of(&[
        ("c", "a", "agent", "sorry"),
        ("c", "a", "customer", "I am angry"),
        ("c", "a", "agent", "hi"),
        ("c", "a", "agent", "sorry"),
    ]);
    assert_eq!(
        audit_csv(&items, &soon)[0]["x"],
        "1",
        "the sorry before the upset does not count"
    );
    let late = csv_of(&[
        ("c", "a", "customer", "I am angry"),
        ("c", "a", "agent", "hi"),
        ("c", "a", "agent", "hello"),
        ("c", "a", "agent", "sorry"),
    ]);
    assert_eq!(audit_csv(&items, &late)[0]["x"], "0");
}

#[test]
fn before_and_not_before() {
    let items = "[[item]]\nid = \"fix\"\nkind = \"expected\"\nphrases = [\"refund\"]\n\
                 [[item]]\nid = \"apology_first\"\nkind = \"expected\"\nphrases = [\"sorry\"]\nbefore = \"fix\"\n\
                 [[item]]\nid = \"escalate_early\"\nkind = \"violation\"\nphrases = [\"manager\"]\nnot_before = \"apology_first\"\n";
    let good = csv_of(&[
        ("c", "a", "agent", "I'm sorry."),
        ("c", "a", "agent", "Here is a refund."),
        ("c", "a", "agent", "My manager agrees."),
    ]);
    let r = &audit_csv(items, &good)[0];
    assert_eq!(
        (r["apology_first"].as_str(), r["escalate_early"].as_str()),
        ("1", "0")
    );
    let bad = csv_of(&[
        ("c", "a", "agent", "Ask my manager."),
        ("c", "a", "agent", "Here is a refund."),
        ("c", "a", "agent", "I'm sorry."),
    ]);
    let r = &audit_csv(items, &bad)[0];
    assert_eq!(
        (r["apology_first"].as_str(), r["escalate_early"].as_str()),
        ("0", "1")
    );
}

/// `after`, `before` and `not_before` ask where an item occurred: an item below its
/// `min_count`, or not applicable, did not occur, whatever its matches; one with `min_count`
/// occurred at its `min_count`-th match.
#[test]
fn sequencing_reads_where_an_item_occurred_not_its_matches() {
    let items = format!(
        "{UPSET_ITEM}[[item]]\nid = \"thanks2\"\nkind = \"expected\"\nmin_count = 2\nphrases = [\"thank*\"]\n\
         [[item]]\nid = \"early_hello\"\nkind = \"expected\"\nphrases = [\"hello\"]\nbefore = \"thanks2\"\n\
         [[item]]\nid = \"emp\"\nkind = \"expected\"\napplies_when = \"upset\"\nphrases = [\"I understand\"]\n\
         [[item]]\nid = \"sup\"\nkind = \"violation\"\npenalty = 10\nphrases = [\"supervisor\"]\nnot_before = \"emp\"\n\
         [[item]]\nid = \"fix_after_emp\"\nkind = \"expected\"\nphrases = [\"refund\"]\nafter = \"emp\"\n"
    );
    let calm = |agent: &str| {
        csv_of(&[
            ("c", "a", "customer", "My order is wrong."),
            ("c", "a", "agent", agent),
        ])
    };
    // One thank-you of the two thanks2 needs: thanks2 did not occur, so the hello counts.
    let r = &audit_csv(&items, &calm("Thank you. Hello there."))[0];
    assert_eq!(r["early_hello"], "1");
    // Two: thanks2 occurred at the second, so only a hello before that counts.
    let r = &audit_csv(&items, &calm("Thank you. Hello. Thanks again. Hello."))[0];
    assert_eq!(r["early_hello"], "1");
    let r = &audit_csv(&items, &calm("Thank you. Thanks again. Hello."))[0];
    assert_eq!(r["early_hello"], "0");
    // The customer is not upset, so emp does not apply and did not occur: the supervisor
    // offer is not excused by it, and the refund is not after it.
    let r = &audit_csv(&items, &calm("I understand. Let me get a supervisor."))[0];
    assert_eq!(r["sup"], "1");
    let r = &audit_csv(&items, &calm("I understand. I will refund it."))[0];
    assert_eq!(r["fix_after_emp"], "0");
    // Upset: emp applies and occurred, and both are judged after it as before.
    let upset = csv_of(&[
        ("c", "a", "customer", "I am angry"),
        (
            "c",
            "a",
            "agent",
            "I understand. I will refund it. Let me get a supervisor.",
        ),
    ]);
    let r = &audit_csv(&items, &upset)[0];
    assert_eq!((r["sup"].as_str(), r["fix_after_emp"].as_str()), ("0", "1"));
}

#[test]
fn applies_when_takes_the_item_out_of_the_denominator() {
    let items = format!(
        "{UPSET_ITEM}[[item]]\nid = \"empathy\"\nkind = \"expected\"\nphrases = [\"understand\"]\napplies_when = \"upset\"\n\
         [[item]]\nid = \"thanks\"\nkind = \"expected\"\nphrases = [\"thanks\"]\n"
    );
    let calm = csv_of(&[
        ("c", "a", "customer", "hello"),
        ("c", "a", "agent", "thanks"),
    ]);
    assert_eq!(
        audit_csv(&items, &calm)[0]["score"],
        "100.00",
        "empathy n/a"
    );
    let upset = csv_of(&[
        ("c", "a", "customer", "I am angry"),
        ("c", "a", "agent", "thanks"),
    ]);
    assert_eq!(
        audit_csv(&items, &upset)[0]["score"],
        "50.00",
        "empathy missed"
    );
}

/// An agent's item that applies when the customer was upset applies only where an agent turn
/// came after the upset: an upset voiced in the call's last words left the agent no turn to
/// answer it (tester t18). A customer's item with the same condition (calmed) is not touched.
#[test]
fn applies_when_needs_a_turn_of_the_item_s_speaker_after_the_other_side_s_condition() {
    let items = format!(
        "{UPSET_ITEM}[[item]]\nid = \"empathy\"\nkind = \"expected\"\nspeaker = \"agent\"\nphrases = [\"understand\"]\napplies_when = \"upset\"\n\
         [[item]]\nid = \"thanks\"\nkind = \"expected\"\nspeaker = \"agent\"\nphrases = [\"thanks\"]\n\
         [[item]]\nid = \"bye\"\nkind = \"expected\"\nspeaker = \"customer\"\nphrases = [\"bye\"]\napplies_when = \"upset\"\n"
    );
    let late = csv_of(&[
        ("late", "a", "customer", "hello"),
        ("late", "a", "agent", "thanks"),
        ("late", "a", "customer", "I am angry"),
    ]);
    let answered = csv_of(&[
        ("answered", "a", "customer", "hello"),
        ("answered", "a", "agent", "thanks"),
        ("answered", "a", "customer", "I am angry"),
        ("answered", "a", "agent", "thanks again"),
    ]);
    let r = &audit_csv(&items, &late)[0];
    assert_eq!(
        (
            r["empathy"].as_str(),
            r["bye"].as_str(),
            r["score"].as_str()
        ),
        ("", "0", "50.00"),
        "empathy n/a, the customer's own item still applies: {r:?}"
    );
    let r = &audit_csv(&items, &answered)[0];
    assert_eq!(
        (r["empathy"].as_str(), r["score"].as_str()),
        ("0", "33.33"),
        "empathy missed: {r:?}"
    );
    // Done before the upset, it counts (reviewer r25: the met item was made n/a, and the score
    // fell); a violation done before it counts too.
    let items = format!(
        "{items}[[item]]\nid = \"rude\"\nkind = \"violation\"\nspeaker = \"agent\"\nphrases = [\"whatever\"]\napplies_when = \"upset\"\n"
    );
    let early = csv_of(&[
        ("early", "a", "customer", "hello"),
        ("early", "a", "agent", "thanks, I understand, whatever"),
        ("early", "a", "customer", "I am angry"),
    ]);
    let r = &audit_csv(&items, &early)[0];
    assert_eq!(
        (r["empathy"].as_str(), r["rude"].as_str()),
        ("1", "1"),
        "met and violated before the late upset: {r:?}"
    );
}

#[test]
fn weights_penalties_auto_fail_and_pass_mark() {
    let items = "[[item]]\nid = \"a\"\nkind = \"expected\"\nweight = 3\nphrases = [\"alpha\"]\n\
                 [[item]]\nid = \"b\"\nkind = \"expected\"\nweight = 1\nphrases = [\"beta\"]\n\
                 [[item]]\nid = \"v\"\nkind = \"violation\"\npenalty = 20\nphrases = [\"oops\"]\n\
                 [[item]]\nid = \"f\"\nkind = \"violation\"\nauto_fail = true\nphrases = [\"fatal\"]\n";
    let rows = audit_csv(
        items,
        &csv_of(&[
            ("c1", "a", "agent", "alpha"),
            ("c2", "a", "agent", "alpha oops"),
            ("c3", "a", "agent", "alpha beta fatal"),
            ("c4", "a", "agent", "beta"),
        ]),
    );
    let scores: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["score"].as_str(), r["passed"].as_str()))
        .collect();
    assert_eq!(
        scores,
        [
            ("75.00", "1"),
            ("55.00", "1"),
            ("0.00", "0"),
            ("25.00", "0")
        ]
    );
}

#[test]
fn expected_auto_fail_forces_zero_when_missed() {
    let items = "[[item]]\nid = \"disclosure\"\nkind = \"expected\"\nauto_fail = true\nphrases = [\"this call is recorded\"]\n\
                 [[item]]\nid = \"thanks\"\nkind = \"expected\"\nphrases = [\"thanks\"]\n";
    let r = &audit_csv(items, &csv_of(&[("c", "a", "agent", "thanks")]))[0];
    assert_eq!(r["score"], "0.00");
}

#[test]
fn detectors_question_shouting_and_upset_typography() {
    let items = "[[item]]\nid = \"q\"\nkind = \"signal\"\ndetector = \"question\"\n\
                 [[item]]\nid = \"shout\"\nkind = \"signal\"\ndetector = \"shouting\"\nmin_caps_words = 2\nmin_caps_share = 0.5\n\
                 [[item]]\nid = \"upset\"\nkind = \"signal\"\nspeaker = \"customer\"\ndetector = \"customer_upset\"\nmin_marks = 2\n";
    let rows = audit_csv(
        items,
        &csv_of(&[
            ("c1", "a", "agent", "Can you help? I CAN NOT DO IT."),
            ("c1", "a", "customer", "Why!!"),
            ("c2", "a", "agent", "I can. UPS delivers it today."),
            ("c2", "a", "customer", "Why!"),
        ]),
    );
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r["q"].as_str(), r["shout"].as_str(), r["upset"].as_str()))
        .collect();
    assert_eq!(got, [("1", "1", "1"), ("0", "0", "0")]);
}

#[test]
fn mirroring_detector_threshold() {
    let items = |n: u32| {
        format!(
            "[[item]]\nid = \"m\"\nkind = \"expected\"\ndetector = \"mirroring\"\nmin_shared_words = {n}\n"
        )
    };
    let csv = csv_of(&[
        ("c", "a", "customer", "My parcel arrived damaged"),
        ("c", "a", "agent", "Your parcel arrived damaged?"),
    ]);
    assert_eq!(audit_csv(&items(3), &csv)[0]["m"], "1");
    assert_eq!(audit_csv(&items(4), &csv)[0]["m"], "0");
}

#[test]
fn calmed_detector_reads_the_last_customer_turn() {
    let items = format!(
        "{UPSET_ITEM}[[item]]\nid = \"calmed\"\nkind = \"signal\"\nspeaker = \"customer\"\ndetector = \"customer_calmed\"\napplies_when = \"upset\"\nphrases = [\"thanks\"]\n"
    );
    let rows = audit_csv(
        &items,
        &csv_of(&[
            ("c1", "a", "customer", "I am angry"),
            ("c1", "a", "agent", "Sorry"),
            ("c1", "a", "customer", "thanks"),
            ("c2", "a", "customer", "I am angry"),
            ("c2", "a", "agent", "Sorry"),
            ("c2", "a", "customer", "still angry"),
            ("c3", "a", "customer", "hello"),
        ]),
    );
    let got: Vec<&str> = rows.iter().map(|r| r["calmed"].as_str()).collect();
    assert_eq!(got, ["1", "0", ""]);
}

#[test]
fn timing_detectors_take_their_thresholds() {
    let items = |overlap: u64, gap: u64| {
        format!(
            "[[item]]\nid = \"int\"\nkind = \"violation\"\ndetector = \"interruption\"\nmin_overlap_ms = {overlap}\n\
             [[item]]\nid = \"sil\"\nkind = \"violation\"\nspeaker = \"any\"\ndetector = \"silence\"\nmin_gap_ms = {gap}\n"
        )
    };
    let jsonl = r#"{"call_id": "c", "agent_id": "a", "turns": [{"speaker": "customer", "text": "one", "start_ms": 0, "end_ms": 3000}, {"speaker": "agent", "text": "two", "start_ms": 2500, "end_ms": 4000}, {"speaker": "customer", "text": "three", "start_ms": 9000, "end_ms": 9500}]}
"#;
    let r = &run(&items(400, 4000), "in.jsonl", jsonl).0[0];
    assert_eq!((r["int"].as_str(), r["sil"].as_str()), ("1", "1"));
    let r = &run(&items(600, 6000), "in.jsonl", jsonl).0[0];
    assert_eq!((r["int"].as_str(), r["sil"].as_str()), ("0", "0"));
}

#[test]
fn rubric_show_round_trips_to_the_same_audit() {
    let w = Workdir::new();
    let shown = callaudit().args(["rubric", "show"]).output().unwrap();
    assert!(shown.status.success());
    let r = w.write("r.toml", &shown.stdout);
    let input = repo_path("examples/data");
    let builtin = callaudit()
        .args(["audit", "--quiet", "--format", "json"])
        .arg(&input)
        .output()
        .unwrap();
    let custom = callaudit()
        .args(["audit", "--quiet", "--format", "json", "--rubric"])
        .arg(&r)
        .arg(&input)
        .output()
        .unwrap();
    assert!(builtin.status.success() && custom.status.success());
    assert_eq!(builtin.stdout, custom.stdout);
}

#[test]
fn rubric_check_reports_line_and_column_and_unknown_keys() {
    let w = Workdir::new();
    let bad = w.write(
        "bad.toml",
        "[rubric]\nname = \"x\"\n[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"fine\", \"sorry NEAR delay\"]\n",
    );
    callaudit()
        .args(["rubric", "check"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml:6:20: phrase `sorry NEAR delay`",
        ));
    let unknown = w.write(
        "unknown.toml",
        "[rubric]\nname = \"x\"\n[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\nwieght = 2\n",
    );
    callaudit()
        .args(["rubric", "check"])
        .arg(&unknown)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown.toml:7:1"))
        .stderr(predicate::str::contains("wieght"));
    let good = w.write(
        "good.toml",
        "[rubric]\nname = \"x\"\n[[item]]\nid = \"a\"\nkind = \"expected\"\nphrases = [\"x\"]\n",
    );
    callaudit()
        .args(["rubric", "check"])
        .arg(&good)
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 1 items"));
    // Using a bad rubric for an audit is the same error.
    callaudit()
        .args(["audit", "--rubric"])
        .arg(&bad)
        .arg(repo_path("examples/data"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:6:20"));
}

/// A value of the wrong type (`weight = "two"`) stopped the check at it, under "invalid rubric
/// (1 problem)": five mistakes took four runs to see (tester t8, #5). One run names them all,
/// each by its key and what it takes, not in serde's words ("invalid type: floating point
/// `2.0`, expected u32", "data did not match any variant of untagged enum OneOrMany", a bare
/// "duplicate key": #6); `audit --rubric` says the same.
#[test]
fn rubric_check_names_every_value_of_the_wrong_type_by_its_key() {
    let w = Workdir::new();
    let rubric = w.write(
        "multi.toml",
        "[rubric]\nname=\"x\"\npass_mark=\"80\"\n[[item]]\nid=\"a\"\nkind=\"expected\"\n\
         phrases=[\"a\"]\nweight=\"two\"\n[[item]]\nid=\"b\"\nkind=\"expected\"\nphrases=[\"b\"]\n\
         min_count=2.0\n[[item]]\nid=\"c\"\nkind=\"expected\"\nphrases=[\"c\"]\nbogus=1\n\
         not_before=3\nphrases=[\"d\"]\n[[item]]\nid=\"d\"\nkind=\"expected\"\nphrases=[\"{d\"]\n",
    );
    let expected = [
        "multi.toml:3:11: `pass_mark` must be a number, not `\"80\"` (write it without quotes)",
        "multi.toml:8:8: `weight` must be a number, not `\"two\"`",
        "multi.toml:13:11: `min_count` must be a whole number, not `2.0` (write `2`)",
        "multi.toml:18:1: unknown field `bogus`",
        "multi.toml:19:12: `not_before` takes an item id or a list of ids, like \"empathy\" or \
         [\"empathy\", \"apology\"], not `3`",
        "multi.toml:20:1: `phrases` is given twice in this `[[item]]`: give each key once",
        "multi.toml:24:10: phrase `{d`: `{` without a closing `}`",
    ];
    for args in [vec!["rubric", "check"], vec!["audit", "--rubric"]] {
        let mut cmd = callaudit();
        cmd.args(&args).arg(&rubric);
        if args[0] == "audit" {
            cmd.arg(repo_path("examples/data"));
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("invalid rubric (7 problems):\n"),
            "{args:?}: {stderr}"
        );
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: {e}\n{stderr}");
        }
        for internal in [
            "invalid type",
            "expected u32",
            "expected f64",
            "OneOrMany",
            "variant",
        ] {
            assert!(!stderr.contains(internal), "{args:?}: {internal}\n{stderr}");
        }
    }
}

/// Where the file cannot be read further (a TOML syntax error, an item whose `kind` is not
/// text), the check stops, and its header no longer claims a count of the file's problems
/// (tester t8, #5). A rubric saved as Latin-1 was "stream did not contain valid UTF-8", with no
/// position (#6): the first byte that is not UTF-8 is given at its line and column, with what
/// to do.
#[test]
fn a_check_that_stops_early_says_so_and_a_latin1_rubric_is_placed() {
    let w = Workdir::new();
    let check = |name: &str, content: &[u8]| {
        let file = w.write(name, content);
        let out = callaudit()
            .args(["rubric", "check"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = check(
        "syntax.toml",
        b"[rubric]\nname=\"x\n[[item]]\nid=\"a\"\nkind=\"expected\"\nweight=\"two\"\n",
    );
    assert!(
        stderr.contains(
            "invalid rubric (1 problem; checking stopped there, so others may follow once it is \
             fixed):\n"
        ) && stderr.contains("syntax.toml:2:8: invalid basic string"),
        "{stderr}"
    );
    let stderr = check(
        "kind.toml",
        b"[rubric]\nname=\"x\"\n[[item]]\nid=\"a\"\nkind=3\nweight=\"two\"\n",
    );
    assert!(
        stderr.contains(
            "invalid rubric (2 problems; checking stopped at the one on line 5, so others may \
             follow once they are fixed):\n"
        ) && stderr.contains("kind.toml:5:6: `kind` must be text in quotes (\"…\"), not `3`\n")
            && stderr.contains("kind.toml:6:8: `weight` must be a number"),
        "{stderr}"
    );
    let stderr = check(
        "latin1.toml",
        b"[rubric]\nname=\"x\"\n[[item]]\nid=\"a\"\nkind=\"expected\"\nphrases=[\"caf\xe9\"]\n",
    );
    assert!(
        stderr.contains(
            "latin1.toml:6:14: byte 0xE9 here (\"é\" in Latin-1) is not UTF-8 text: save the file \
             as UTF-8"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("stream did not contain"), "{stderr}");
}

/// `^`/`$` inside a `{…}` group and `|` outside one were dropped as punctuation: `rubric check`
/// said ok, `{^ just to confirm|^ to clarify}` then fired mid-sentence and `yes|no` was the
/// phrase "yes no" (tester t1, F3). Each is an error at its FILE:LINE:COLUMN saying what to
/// write, from `rubric check` and `audit --rubric` alike.
#[test]
fn anchors_inside_groups_and_bars_outside_them_are_reported_where_they_are() {
    let w = Workdir::new();
    let rubric = w.write(
        "anch.toml",
        "[rubric]\nname = \"anch\"\n[[item]]\nid = \"lead\"\nkind = \"expected\"\n\
         phrases = [\"{^ just to confirm|^ to clarify}\"]\n[[item]]\nid = \"praise\"\n\
         kind = \"signal\"\nspeaker = \"customer\"\nphrases = [\"{great $|wonderful $}\"]\n\
         [[item]]\nid = \"answer\"\nkind = \"expected\"\nunless = [\"yes|no\", \"x ^ y\"]\n\
         phrases = [\"ok\"]\n",
    );
    let expected = [
        "anch.toml:6:12: phrase `{^ just to confirm|^ to clarify}`: `^` inside `{…}` anchors \
         nothing: write `^` before the group: `^ {just to confirm|to clarify}`",
        "anch.toml:11:12: phrase `{great $|wonderful $}`: `$` inside `{…}` anchors nothing: \
         write `$` after the group: `{great|wonderful} $`",
        "anch.toml:15:11: phrase `yes|no`: `|` separates alternatives only inside `{…}`: write \
         `{yes|no}`, or the alternatives as phrases of their own",
        "anch.toml:15:21: phrase `x ^ y`: `^` goes only at the start of a phrase, once",
    ];
    for args in [vec!["rubric", "check"], vec!["audit", "--rubric"]] {
        let mut cmd = callaudit();
        cmd.args(&args).arg(&rubric);
        if args[0] == "audit" {
            cmd.arg(repo_path("examples/data"));
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("(4 problems)"), "{args:?}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: {e}\n{stderr}");
        }
    }
}

/// Item ids `score`, `calls` and `missed` were accepted and made two columns of one name in the
/// `--calls` file and the CSV report, so a reader by header name took the item's count for the
/// call's score (tester t1, F15). They are refused at their FILE:LINE:COLUMN, by `rubric check`
/// and `audit --rubric` alike, naming the outputs whose column they would repeat.
#[test]
fn item_ids_that_are_fixed_csv_columns_are_refused() {
    let w = Workdir::new();
    let rubric = w.write(
        "coll.toml",
        "[rubric]\nname = \"collide\"\n[[item]]\nid = \"score\"\nkind = \"expected\"\n\
         phrases = [\"sorry\"]\n[[item]]\nid = \"calls\"\nkind = \"expected\"\n\
         phrases = [\"refund\"]\n[[item]]\nid = \"missed\"\nkind = \"violation\"\n\
         phrases = [\"please hold\"]\n",
    );
    let expected = [
        "coll.toml:4:6: item id `score` is the name of a fixed column of the per-call CSV \
         (`--calls`) and review sheets (`sample`, `calibrate`): the item needs a column of its \
         own; choose another id",
        "coll.toml:8:6: item id `calls` is the name of a fixed column of the CSV report \
         (`--format csv`)",
        "coll.toml:12:6: item id `missed` is the name of a fixed column of the CSV report",
    ];
    let calls = w.path("calls.csv");
    for args in [vec!["rubric", "check"], vec!["audit", "--rubric"]] {
        let mut cmd = callaudit();
        cmd.args(&args).arg(&rubric);
        if args[0] == "audit" {
            cmd.arg("--calls")
                .arg(&calls)
                .arg(repo_path("examples/data"));
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("(3 problems)"), "{args:?}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: {e}\n{stderr}");
        }
    }
    assert!(!calls.exists());
}

/// A rubric whose phrase families add up to more than the cap (100,000 phrases) is refused
/// before anything is built, naming the file, the total, the cap and the items that expand
/// most; `rubric check` and `audit --rubric` say the same.
#[test]
fn a_rubric_expanding_past_the_phrase_cap_is_refused_naming_the_largest_items() {
    // 97 items of one 1,024-phrase family (ten two-way groups), then one of 673: 100,001.
    let family: String = (0..10).map(|g| format!("{{a{g}|b{g}}} ")).collect();
    let mut toml = String::from("[rubric]\nname = \"big\"\n");
    for i in 0..97 {
        toml += &format!(
            "[[item]]\nid = \"f{i}\"\nkind = \"expected\"\nphrases = [\"{}\"]\n",
            family.trim_end()
        );
    }
    let options: Vec<String> = (0..673).map(|o| format!("w{o}")).collect();
    toml += &format!(
        "[[item]]\nid = \"small\"\nkind = \"expected\"\nphrases = [\"{{{}}}\"]\n",
        options.join("|")
    );
    let w = Workdir::new();
    let big = w.write("big.toml", toml);
    let expected = "big.toml:4:6: the rubric's phrases expand to 100001 in all, more than the \
                    100000 a rubric may have; the items that expand most: `f0` (1024), `f1` \
                    (1024), `f2` (1024), `f3` (1024), `f4` (1024): cut their `{a|b}` \
                    alternatives or split the rubric";
    let started = std::time::Instant::now();
    callaudit()
        .args(["rubric", "check"])
        .arg(&big)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(expected));
    callaudit()
        .args(["audit", "--rubric"])
        .arg(&big)
        .arg(repo_path("examples/data"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(expected));
    // Refused before any phrase is parsed or automaton built: quick even in a debug build.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn rubric_test_shows_items_and_words() {
    callaudit()
        .args([
            "rubric",
            "test",
            "builtin",
            "--speaker",
            "agent",
            "I'm so sorry, let me put you on hold",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("apology"))
        .stdout(predicate::str::contains("“sorry” (sorry)"))
        .stdout(predicate::str::contains("hold"))
        // "let me put you on" and "put you on hold" are one place: one match, its words whole,
        // and both phrases named.
        .stdout(predicate::str::contains(
            "“let me put you on hold” (let me put you on; also ",
        ));
    callaudit()
        .args([
            "rubric",
            "test",
            "builtin",
            "--speaker",
            "customer",
            "hello",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("no item fires"));
}

/// `rubric test`'s help called its text "the sentence (or several turns' worth of text)", but
/// it is always one turn, so turn-anchored phrases and detectors answer as for one turn
/// (tester t1, F13b).
#[test]
fn rubric_test_s_help_says_its_text_is_one_turn() {
    for flag in ["-h", "--help"] {
        let out = callaudit().args(["rubric", "test", flag]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("The text of one turn"), "{text}");
        assert!(!text.contains("several turns"), "{text}");
    }
}

/// The first TOML example of docs/rubric.md's "Rubric language", the file format as a user
/// meets it, named `upset` and `calmed` items it did not define: copied, it gave four errors
/// (tester t1, F8). Copied as it is, it checks.
#[test]
fn the_rubric_language_s_first_example_checks_as_copied() {
    let doc = std::fs::read_to_string(repo_path("docs/rubric.md")).unwrap();
    let section = doc
        .split("\n## Rubric language\n")
        .nth(1)
        .expect("docs/rubric.md has a Rubric language section");
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a TOML example");
    assert!(
        example.contains("[rubric]") && example.contains("[[item]]"),
        "{example}"
    );
    let w = Workdir::new();
    let file = w.write("example.toml", example);
    callaudit()
        .args(["rubric", "check"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 3 items"));
}

#[test]
fn the_example_rubric_is_valid() {
    callaudit()
        .args(["rubric", "check"])
        .arg(repo_path("examples/rubric.toml"))
        .assert()
        .success();
}

/// docs/rubric.md gives the size of the built-in English rubric beside the 100,000-phrase cap
/// ("has about 11,300"), while `rubric check builtin` counted 16,475: the figure had not
/// followed the rubric's growth. Held within 5%, it drifted again ("about 16,500" for 17,264,
/// tester t8, #8): it must stay within 2% of what `rubric check` counts.
#[test]
fn the_documented_size_of_the_builtin_rubric_is_what_rubric_check_counts() {
    let doc = std::fs::read_to_string(super::common::repo_path("docs/rubric.md")).unwrap();
    let flat = doc.replace('\n', " ");
    let said = flat
        .split("the built-in English rubric has about ")
        .nth(1)
        .expect("docs/rubric.md gives the built-in rubric's size");
    let said: f64 = said
        .split(|c: char| !(c.is_ascii_digit() || c == ','))
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    let out = super::common::callaudit()
        .args(["rubric", "check", "builtin"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let counted: f64 = text
        .split(" phrases")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (said - counted).abs() <= counted * 0.02,
        "docs/rubric.md says about {said}, `rubric check builtin`: {text}"
    );
}

/// A weight or penalty is at most 1,000,000: two weights of `1e308` summed to infinity, and every
/// call scored NaN, shown as 0, while `rubric check` said ok (tester t23 F3).
#[test]
fn weights_and_penalties_past_a_million_are_refused() {
    for (item, says) in [
        (
            "[[item]]\nid = \"a\"\nkind = \"expected\"\nweight = 1e308\nphrases = [\"sorry\"]\n",
            "weight must be a number from 0 to 1000000",
        ),
        (
            "[[item]]\nid = \"a\"\nkind = \"expected\"\nweight = -1\nphrases = [\"sorry\"]\n",
            "weight must be a number from 0 to 1000000",
        ),
        (
            "[[item]]\nid = \"v\"\nkind = \"violation\"\npenalty = inf\nphrases = [\"sorry\"]\n",
            "penalty must be a number from 0 to 1000000",
        ),
    ] {
        let (code, err) = check(item);
        assert_eq!(code, 2, "{item}: {err}");
        assert!(err.contains(says), "{item}: {err}");
    }
    let (code, err) = check(
        "[[item]]\nid = \"a\"\nkind = \"expected\"\nweight = 1000000\nphrases = [\"sorry\"]\n",
    );
    assert_eq!(code, 0, "{err}");
}

/// `applies_unless`: the item is n/a (out of the score) where one of the named items occurred and
/// it did not; done all the same, it is met. A reviewer's verdict on the named item decides it
/// again under `--overrides`; an unknown id is refused at its line.
#[test]
fn applies_unless_makes_an_item_not_needed_where_another_occurred() {
    let items = "[[item]]\nid = \"fix\"\nkind = \"expected\"\nphrases = [\"i have fixed\"]\n\
                 [[item]]\nid = \"later\"\nkind = \"expected\"\napplies_unless = \"fix\"\nphrases = [\"call you back\"]\n";
    let rows = audit_csv(
        items,
        &csv_of(&[
            ("c1", "ann", "agent", "I have fixed it."),
            (
                "c2",
                "ann",
                "agent",
                "I have fixed it and will call you back.",
            ),
            ("c3", "ann", "agent", "Let me look."),
            ("c4", "ann", "agent", "I will call you back."),
        ]),
    );
    let by_call: HashMap<&str, (&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["call_id"].as_str(),
                (r["later"].as_str(), r["score"].as_str()),
            )
        })
        .collect();
    assert_eq!(by_call["c1"], ("", "100.00"), "not needed: n/a");
    assert_eq!(by_call["c2"], ("1", "100.00"), "done anyway: met");
    assert_eq!(by_call["c3"], ("0", "0.00"), "needed and missed");
    assert_eq!(by_call["c4"], ("1", "50.00"), "needed and met");
    let (code, err) = check(
        "[[item]]\nid = \"later\"\nkind = \"expected\"\napplies_unless = \"nothing\"\nphrases = [\"x\"]\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`applies_unless`: unknown item `nothing`"),
        "{err}"
    );
}
