//! `callaudit explain`: the transcript with matches marked, every verdict with its reason, the
//! score arithmetic.

use super::common;
use common::*;
use predicates::prelude::*;
use std::collections::HashMap;

fn explain(call: &str) -> String {
    stdout_of(
        callaudit()
            .args(["explain", "--color", "never", "--call", call])
            .arg(repo_path("examples/data")),
    )
}

/// Words matched by several of an item's phrases are one match, not one per phrase: "there's
/// nothing I can do" is matched by three refusal families, and C-1003's three dismissive places
/// were counted as five (in explain, the report's matches, --calls and --evidence).
#[test]
fn words_matched_by_several_phrases_are_one_match() {
    let text = explain("C-1003");
    assert!(
        text.contains("✗ violated  dismissive            violated: 3 matches, first at turn 2"),
        "{text}"
    );
    assert!(
        text.contains("[[there's nothing I can do]]{dismissive} from here"),
        "{text}"
    );
}

#[test]
fn marks_matches_and_explains_every_verdict() {
    let text = explain("C-1003");
    assert!(
        text.starts_with("Call C-1003 · agent bo.chen · 2026-11-16 · 6 turns · score 0.0 · failed"),
        "{text}"
    );
    assert!(text.contains("[[Calm down]]{dismissive}"), "{text}");
    assert!(text.contains("[[Please hold]]{hold}"), "{text}");
    assert!(
        text.contains(
            "✗ violated  premature_escalation  violated: 1 match, first at turn 4: “get my supervisor”"
        ),
        "{text}"
    );
    assert!(
        text.contains("✗ missed    empathy               missed: no match"),
        "{text}"
    );
    assert!(
        text.contains("– n/a       interruption          n/a: the call has no timings"),
        "{text}"
    );
    assert!(
        text.contains("the customer's last turn (5) is still upset"),
        "{text}"
    );
    assert!(
        text.contains(
            "violations: hold −10, transfer −10, dismissive −15, premature_escalation −15 → −50"
        ),
        "{text}"
    );
    assert!(
        text.contains("expected: 0 of 8 applicable items met, weight 0 of 11 → 0"),
        "{text}"
    );
    assert!(text.contains("score: max(0, 0 − 50) = 0"), "{text}");
    // Every item has a verdict line.
    for item in callaudit::Rubric::default_rubric().items {
        assert!(
            text.contains(&format!(" {} ", item.id)),
            "no verdict for {}",
            item.id
        );
    }
}

#[test]
fn says_why_a_match_did_not_count() {
    let text = explain("C-1005");
    // "I promise this will never happen again" is an over-promise, not empathy; the hedging
    // "Maybe" and "I guess" count; no apology was made.
    assert!(text.contains("[[I promise]]{overpromise}"), "{text}");
    assert!(text.contains("✗ violated  hedging"), "{text}");
    assert!(text.contains("✗ missed    apology"), "{text}");
}

#[test]
fn shows_timings_and_timing_items() {
    let text = explain("J-2002");
    assert!(text.contains("[00:07]"), "{text}");
    assert!(text.contains("✗ violated  interruption"), "{text}");
    assert!(
        text.contains("(15.5 s of silence before this turn)"),
        "{text}"
    );
}

#[test]
fn json_form_for_tools() {
    let out = callaudit()
        .args(["explain", "--format", "json", "--call", "C-1001"])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["call_id"], "C-1001");
    assert_eq!(v["items"]["apology"]["verdict"], "met");
    assert_eq!(v["passed"], true);
}

#[test]
fn an_unknown_call_is_an_input_error() {
    callaudit()
        .args(["explain", "--call", "nope"])
        .arg(repo_path("examples/data"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "call `nope` not found in the inputs (12 call(s) read)",
        ));
}

/// A long call has a `resolution` candidate (a statement) in nearly every agent turn: text
/// shows the first five that did not count per item and says how many more, `--all` lists them.
#[test]
fn matches_that_did_not_count_are_cut_at_five_unless_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("call_id,agent_id,speaker,text\n");
    for i in 0..8 {
        csv.push_str(&format!(
            "L-1,ann,agent,The weather in town number {i} was grey all week.\n"
        ));
        csv.push_str(&format!("L-1,ann,customer,Ok number {i}.\n"));
    }
    let file = dir.path().join("long.csv");
    std::fs::write(&file, csv).unwrap();
    let run = |all: bool| {
        let mut cmd = callaudit();
        cmd.args(["explain", "--color", "never", "--call", "L-1"])
            .arg(&file);
        if all {
            cmd.arg("--all");
        }
        stdout_of(&mut cmd)
    };
    let cut = run(false);
    let dropped = |text: &str| text.matches("not counted: turn").count();
    assert_eq!(dropped(&cut), 5, "{cut}");
    assert!(
        cut.contains("… and 3 more not counted (--all lists every one)"),
        "{cut}"
    );
    let all = run(true);
    assert_eq!(dropped(&all), 8, "{all}");
    assert!(!all.contains("more not counted"), "{all}");
}

/// `explain` reads with `--threads` like `audit` (it used to ignore the option and read on one
/// thread): the answer is the same whatever the count, for a call split over two files too.
#[test]
fn explain_is_the_same_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = String::from("call_id,agent_id,speaker,text\n");
    for c in 0..300 {
        first.push_str(&format!(
            "C-{c},ann,customer,\"This is ridiculous, order {c} is late!\"\nC-{c},ann,agent,\"I'm so sorry, I've refunded order {c}.\"\n"
        ));
    }
    std::fs::write(dir.path().join("a.csv"), first).unwrap();
    std::fs::write(
        dir.path().join("b.csv"),
        "call_id,agent_id,speaker,text\nC-7,ann,customer,\"Thanks, that helps.\"\n",
    )
    .unwrap();
    let explain = |threads: &str, format: &str| {
        let out = callaudit()
            .args([
                "explain",
                "--color",
                "never",
                "--call",
                "C-7",
                "--threads",
                threads,
            ])
            .args(["--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, out.stderr)
    };
    for format in ["text", "json"] {
        let one = explain("1", format);
        // The call's three turns, two of them from the other file.
        let text = String::from_utf8_lossy(&one.0);
        assert!(
            text.contains("· 3 turns ·") || text.contains("\"turns\": 3"),
            "{text}"
        );
        for threads in ["2", "4"] {
            assert_eq!(
                explain(threads, format),
                one,
                "--threads {threads} --format {format}"
            );
        }
    }
}

/// Words that several of an item's phrases matched are one match, and `rubric test` names every
/// phrase (`(let me put you on; also …)`); `explain --format json` (and the per-call JSONL,
/// which shares its objects) named the first one only. Its evidence now lists the others in
/// `also`, present only when there are some.
#[test]
fn json_evidence_names_every_phrase_that_matched_the_same_words() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hold.csv");
    std::fs::write(
        &csv,
        "call_id,agent_id,speaker,text\nh1,a,customer,My bill is wrong\nh1,a,agent,let me put you on hold\nh1,a,agent,I'm sorry\n",
    )
    .unwrap();
    let out = callaudit()
        .args(["explain", "--format", "json", "--call", "h1"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hold = &v["items"]["hold"]["evidence"][0];
    assert_eq!(hold["text"], "let me put you on hold", "{hold}");
    assert_eq!(hold["rule"], "let me put you on", "{hold}");
    let also = hold["also"].as_array().expect("also: the other phrases");
    assert!(
        also.iter().any(|r| r.as_str().unwrap().contains("hold")),
        "{hold}"
    );
    // One phrase alone: no `also`.
    let apology = &v["items"]["apology"]["evidence"][0];
    assert_eq!(apology["rule"], "sorry", "{apology}");
    assert_eq!(apology.get("also"), None, "{apology}");
    // The per-call JSONL gives the same evidence.
    let calls = dir.path().join("calls.jsonl");
    let out = callaudit()
        .args(["audit", "-q", "-o", "/dev/null", "--calls"])
        .arg(&calls)
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&calls)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["items"]["hold"]["evidence"][0], *hold);
}

/// `explain --call` of a call that is in the inputs but was not audited (every row without
/// text, or over `--max-call-bytes`) warned about it, then said "call `X` not found in the
/// inputs", suggesting another id. It says the call is there and why it has no verdicts.
#[test]
fn a_call_read_but_not_audited_is_not_said_to_be_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("call_id,agent_id,speaker,text\nE1,a,agent,\nE1,a,customer,\n");
    for i in 0..200 {
        csv.push_str(&format!(
            "BIG,a,agent,turn {i} of a long call about a refund\n"
        ));
    }
    csv.push_str("E2,a,agent,hello\n");
    let input = dir.path().join("calls.csv");
    std::fs::write(&input, csv).unwrap();
    let cases = [
        (
            "E1",
            "call `E1` is in the inputs but was not audited: it has no utterance to audit",
        ),
        (
            "BIG",
            "call `BIG` is in the inputs but was not audited: it takes more than 4 KiB (--max-call-bytes; a larger limit audits it)",
        ),
    ];
    for (call, says) in cases {
        let out = callaudit()
            .args(["explain", "--max-call-bytes", "4K", "--call", call])
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("not found"), "{stderr}");
    }
}

/// An id with control characters (pasted from a coloured terminal) was shown with them removed:
/// "call `C-1001` not found", with no suggestion, although C-1001 is there. The id is shown
/// escaped, and the suggestions are found for what it shows.
#[test]
fn an_id_with_control_characters_is_shown_escaped_with_suggestions() {
    let out = callaudit()
        .args(["explain", "--call", "\u{1b}[31mC-1001\u{1b}[0m"])
        .arg(repo_path("examples/data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(r"call `\u{1b}[31mC-1001\u{1b}[0m` not found"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean C-1001"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

/// A call shows one score wherever it appears. The score is kept to two decimals (46.15 for
/// 6 of 13, 38.85 for 7 of 13 less 15); `explain`'s header said 46.1 where the report said
/// 46.2, and its arithmetic 38.8 where the report said 38.9.
#[test]
fn a_call_shows_the_same_score_in_explain_the_report_and_the_html() {
    let w = Workdir::new();
    let rubric = w.write(
        "rubric.toml",
        r#"[rubric]
name = "thirteenths"
pass_mark = 80

[[item]]
id = "seven"
label = "Seven"
kind = "expected"
speaker = "agent"
weight = 7
phrases = ["alpha"]

[[item]]
id = "six"
label = "Six"
kind = "expected"
speaker = "agent"
weight = 6
phrases = ["beta"]

[[item]]
id = "rude"
label = "Rude"
kind = "violation"
speaker = "agent"
penalty = 15
phrases = ["gamma"]
"#,
    );
    let input = w.write(
        "calls.csv",
        csv_of(&[
            ("SIX", "amy", "agent", "Beta."),
            ("SEVEN", "amy", "agent", "Alpha. Gamma."),
        ]),
    );
    let calls = w.path("per-call.csv");
    let html = w.path("report.html");
    // `audit` or `explain`, with the rubric, on the input.
    let run = |args: &[&str]| {
        let out = callaudit()
            .arg("--no-config")
            .args(args)
            .arg("--rubric")
            .arg(&rubric)
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let report = run(&[
        "audit",
        "--quiet",
        "--group-by",
        "call",
        "--format",
        "csv",
        "--calls",
        calls.to_str().unwrap(),
    ]);
    run(&[
        "audit",
        "--quiet",
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html).unwrap();
    let kept: HashMap<String, String> = read_calls_csv(&calls)
        .into_iter()
        .map(|r| (r["call_id"].clone(), r["score"].clone()))
        .collect();
    assert_eq!(kept["SIX"], "46.15");
    assert_eq!(kept["SEVEN"], "38.85");
    for (call, shown, arithmetic) in [
        ("SIX", "46.2", "score: max(0, 46.15 − 0) = 46.15"),
        ("SEVEN", "38.9", "score: max(0, 53.85 − 15) = 38.85"),
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("{call},amy,,1,{shown},"))),
            "{report}"
        );
        let text = run(&["explain", "--color", "never", "--call", call]);
        assert!(text.contains(&format!("score {shown} · failed")), "{text}");
        assert!(text.contains(arithmetic), "{text}");
        assert!(
            html.contains(&format!(
                "<span>{call}</span><span>amy</span><span></span><span class=\"fail\">{shown}</span>"
            )),
            "{call}: {html}"
        );
    }
}

/// Matches of an item that did not occur (not applicable, or short of its `min_count`) count for
/// nothing: `rubric test` says "not counted" with the verdict's reason, and explain's transcript
/// does not mark them. Before, both showed them as if they counted, next to a sequencing verdict
/// that treated them as absent (tester t8's F4).
#[test]
fn matches_of_items_that_did_not_occur_are_not_shown_as_counted() {
    let w = Workdir::new();
    w.write(
        "r.toml",
        r#"[rubric]
name = "n/a matches"
upset = "mad"
calmed = "calm"

[[item]]
id = "mad"
kind = "signal"
speaker = "customer"
phrases = ["ridiculous"]

[[item]]
id = "calm"
kind = "signal"
speaker = "customer"
detector = "customer_calmed"
applies_when = "mad"

[[item]]
id = "empathize"
kind = "expected"
applies_when = "mad"
phrases = ["I understand"]

[[item]]
id = "sup"
kind = "violation"
not_before = "empathize"
phrases = ["supervisor"]

[[item]]
id = "twice"
kind = "signal"
min_count = 2
phrases = ["okay"]
"#,
    );
    let out = callaudit()
        .current_dir(w.dir.path())
        .args([
            "rubric",
            "test",
            "r.toml",
            "Okay. I understand. Let me get my supervisor.",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "empathize  “I understand” (I understand)  not counted: n/a: mad did not occur"
        ),
        "{text}"
    );
    assert!(
        text.contains("twice      “Okay” (okay)  not counted: absent: 1 match, needs 2"),
        "{text}"
    );
    assert!(
        text.contains("sup        “supervisor” (supervisor)\n"),
        "{text}"
    );
    w.write(
        "calls.csv",
        "call_id,agent_id,speaker,text\nP1,amy,agent,Okay. I understand. Let me get my supervisor.\n",
    );
    let out = callaudit()
        .current_dir(w.dir.path())
        .args([
            "explain",
            "calls.csv",
            "--rubric",
            "r.toml",
            "--call",
            "P1",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The n/a item's match is marked as such (not scored), the one short of its `min_count`
    // not at all.
    assert!(
        text.contains(
            "1 agent    Okay. [[I understand]]{n/a empathize}. Let me get my [[supervisor]]{sup}."
        ),
        "{text}"
    );
}

/// A call id written composed in the export and typed decomposed (or the other way round) is
/// one id: `explain --call` finds the call either way (tester t11, finding 2).
#[test]
fn a_call_id_is_found_composed_or_decomposed() {
    let w = Workdir::new();
    let input = w.write(
        "calls.csv",
        csv_of(&[
            ("Re\u{301}-1", "ann", "customer", "This is ridiculous!"),
            ("Re\u{301}-1", "ann", "agent", "I'm so sorry."),
        ]),
    );
    for id in ["R\u{e9}-1", "Re\u{301}-1"] {
        let out = callaudit()
            .args(["--no-config", "explain", "--color", "never", "--call", id])
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "--call {id:?}: {stderr}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("R\u{e9}-1"), "{text}");
    }
}

/// `explain` of one `.txt` call (`Customer: …` / `Agent: …` lines) with the built-in rubric.
fn explain_txt(id: &str, transcript: &str, all: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("{id}.txt")), transcript).unwrap();
    let mut cmd = callaudit();
    cmd.args(["explain", "--no-config", "--color", "never", "--call", id])
        .arg(dir.path());
    if all {
        cmd.arg("--all");
    }
    stdout_of(&mut cmd)
}

/// An item that did not apply (mirroring a customer who was not upset) still shows where the
/// agent did it, in the transcript and in its verdict, marked as not scored (tester t16, E1).
#[test]
fn matches_of_an_item_that_did_not_apply_are_shown_as_not_scored() {
    let text = explain_txt(
        "c41",
        "Customer: Hi, I've been double-charged for my gym membership this month, £35 twice on the 1st.\n\
         Agent: I see from your message that you were charged £35 twice on the 1st. I've refunded one of the payments today.\n\
         Customer: Thanks for sorting that.\n",
        false,
    );
    assert!(
        text.contains("[[I see from your message]]{active_listening,n/a mirroring}"),
        "{text}"
    );
    assert!(
        text.contains(
            "– n/a       mirroring             n/a: customer_upset did not occur; said 2 times, \
             first at turn 2: “I see from your message” (not scored)"
        ),
        "{text}"
    );
    // An n/a item nobody did says only why it does not apply.
    assert!(
        text.contains("– n/a       empathy               n/a: customer_upset did not occur\n"),
        "{text}"
    );
}

/// Resolution's sentences that did not count are said in an analyst's words, and those that
/// are plainly something else (an apology, a thanks) are summed up, not listed (tester t16,
/// E3); a cancelling phrase is quoted by its words and its rule in short (E4).
#[test]
fn resolution_lists_near_misses_in_plain_words() {
    let call = "Customer: I need to cancel my hotel booking for tonight, my flight got cancelled. Is there a refund?\n\
                Agent: I'm sorry about your flight. Tonight's rate is non-refundable, but we can move your booking to any date in the next 12 months at no charge. Would you like me to do that?\n\
                Customer: Yes please, move it to March 3rd.\n\
                Agent: Done, your booking is now for March 3rd. Thanks for staying with us.\n\
                Customer: Thank you.\n";
    let text = explain_txt("c14", call, false);
    assert!(!text.contains("context phrase"), "{text}");
    assert!(
        text.contains(
            "✓ met       resolution            met: 1 match, first at turn 4: “Done, your booking \
             is now for March 3rd.”"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "cancelled by “non-refundable” in the same sentence (unless: {not|non} \
             {allowed|permitted|refundable|transferable})"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "… and 2 other sentences, matched as apology, thanks: no instruction, answer or \
             completed action recognised in the sentence (--all lists them)"
        ),
        "{text}"
    );
    assert!(!text.contains("“I'm sorry about your flight.”"), "{text}");
    let all = explain_txt("c14", call, true);
    assert!(
        all.contains("not counted: turn 2 “I'm sorry about your flight.”"),
        "{all}"
    );
    assert!(!all.contains("other sentences, matched as"), "{all}");
}

/// A refusal's alternative is quoted by the words that matched, and a family of sixty verbs is
/// cut to its first few (tester t16, E4).
#[test]
fn a_reason_quotes_the_words_not_the_whole_rule() {
    let text = explain_txt(
        "c39",
        "Customer: I need to change the email on my account but I've lost access to the old one. Please, this is getting really frustrating.\n\
         Agent: We can't change the email here. You can try resetting it online at example.com/reset.\n\
         Customer: Fine.\n",
        false,
    );
    assert!(
        text.contains(
            "not counted: turn 2 “We can't change”: an alternative is offered after it: “You can \
             try” (turn 2; alternatives: {you|we|i} {can|could|may} {try|contact|reach|…})"
        ),
        "{text}"
    );
    assert!(!text.contains("consider}"), "{text}");
}

/// customer_calmed shows only what decides it, the customer's last turn: a "happy" cancelled
/// by "not happy" in turn 1 is not listed (tester t16, E6).
#[test]
fn calmed_shows_only_the_last_turn() {
    let text = explain_txt(
        "c40",
        "Customer: My order was meant to arrive Monday and it's Thursday. Not happy.\n\
         Agent: I'm sorry about that. It's at your local depot and will be delivered tomorrow.\n\
         Customer: OK, thanks.\n",
        true,
    );
    assert!(text.contains("• present   customer_calmed"), "{text}");
    assert!(!text.contains("not counted: turn 1"), "{text}");
}

/// A bare "Great." as the last turn is said to be read as sarcasm, not a complaint (tester
/// t16, E7).
#[test]
fn a_bare_great_is_said_to_be_read_as_sarcasm() {
    let text = explain_txt(
        "c31",
        "Customer: I've been waiting 2 hours for a callback that never came. Really frustrating.\n\
         Agent: I'm so sorry, I can imagine how frustrating that is. I've booked your boiler engineer for 8am tomorrow.\n\
         Customer: Great.\n",
        false,
    );
    assert!(
        text.contains(
            "absent: the customer's last turn (3) is read as sarcasm: “Great” on its own"
        ),
        "{text}"
    );
    assert!(!text.contains("complaint"), "{text}");
}

/// An offer of a manager after the customer asked for one is clean because the customer asked
/// first: that is the reason given, not the empathy that also came first (tester t16, E8).
#[test]
fn premature_escalation_names_the_customer_asking_first() {
    let text = explain_txt(
        "c06",
        "Customer: This is the third time your engineer didn't show up. I want to speak to a manager right now.\n\
         Agent: I'm sorry about the missed appointments. I understand how frustrating that is. I'll get my manager, she'll call you back within the hour.\n\
         Customer: OK, thank you.\n",
        false,
    );
    assert!(
        text.contains(
            "not counted: turn 2 “get my manager”: the customer asked first (manager_requested at turn 1)"
        ),
        "{text}"
    );
}

/// An item that covers a whole turn (an interruption) is named before the turn when other items
/// mark words in it, so that the transcript still shows which words earned which item; it was
/// one bracket around the whole turn (tester t18, F7). Also in the HTML report's call list.
#[test]
fn an_item_covering_the_whole_turn_is_named_before_it_not_bracketed() {
    let w = Workdir::new();
    let input = w.write(
        "calls.jsonl",
        r#"{"call_id": "I-1", "agent_id": "ann", "date": "2026-11-19", "turns": [{"speaker": "customer", "text": "My card was charged twice and I want it sorted now.", "start_ms": 0, "end_ms": 6000}, {"speaker": "agent", "text": "Thanks for calling. That is not my problem.", "start_ms": 4000, "end_ms": 8000}, {"speaker": "customer", "text": "Unbelievable.", "start_ms": 9000, "end_ms": 9500}]}
"#,
    );
    let text = stdout_of(
        callaudit()
            .args([
                "--no-config",
                "explain",
                "--color",
                "never",
                "--call",
                "I-1",
            ])
            .arg(&input),
    );
    assert!(
        text.contains(
            "{interruption} [[Thanks]]{thanks} for calling. That is [[not my problem]]{dismissive}."
        ),
        "{text}"
    );
    assert!(text.contains("✗ violated  interruption"), "{text}");
    let html = stdout_of(
        callaudit()
            .args(["--no-config", "audit", "--quiet", "--format", "html"])
            .arg(&input),
    );
    assert!(
        html.contains(r#"<sup class="violation" title="the whole turn">interruption</sup> <mark class="expected" title="thanks">Thanks</mark>"#),
        "{html}"
    );
}

/// A call of one angry customer turn and no agent turn: its header says "1 turn", and empathy
/// is n/a because no agent turn follows the upset (it said "after the agent's last turn", of
/// an agent who never spoke; tester t19 F6).
#[test]
fn an_upset_no_agent_turn_follows_is_worded_for_a_call_without_agent_turns() {
    let w = Workdir::new();
    let input = w.write(
        "c.csv",
        "call_id,agent_id,date,turn,speaker,text\nK-1,ann,2026-11-16,1,customer,\"This is ridiculous, I am furious!\"\n",
    );
    let out = callaudit()
        .args([
            "--no-config",
            "explain",
            "--color",
            "never",
            "--call",
            "K-1",
        ])
        .arg(&input)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("· 1 turn ·"), "{text}");
    assert!(
        text.contains("n/a: customer_upset first at turn 1, and no agent turn after it"),
        "{text}"
    );
}

/// An item not needed (`applies_unless`) says why: C-1008's fix was given in the call, so no
/// follow-up was needed, and the score leaves it out.
#[test]
fn an_item_not_needed_says_which_item_made_it_so() {
    let text = explain("C-1008");
    assert!(
        text.contains(
            "– n/a       follow_up             n/a: not needed, as resolution occurred (done, it would count)"
        ),
        "{text}"
    );
    assert!(text.contains("6 of 7 applicable items met"), "{text}");
}

/// A missed item whose sentences were checked says so once: the verdict counts the sentences
/// checked (not "matches", which read as attempts; tester t21 E1), each is listed with its
/// reason below, and the verdict no longer says the first one's reason again (E2). A signal's
/// word inside a sentence ("exactly", active listening) does not fold the sentence away as
/// "plainly something else" (tester t24 X1).
#[test]
fn a_missed_items_sentences_are_listed_once_and_a_signal_word_folds_none() {
    let text = explain_txt(
        "c77",
        "Customer: I can't log in to the label printer app, it says wrong password.\n\
         Agent: That printer model is exactly the one most of our customers use.\n\
         Customer: ok\n\
         Agent: We're here for you any time.\n",
        false,
    );
    assert!(
        text.contains(
            "✗ missed    resolution            missed: 2 sentences checked, none counted\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "not counted: turn 2 “That printer model is exactly the one most of our customers use.”"
        ),
        "{text}"
    );
    assert!(
        text.contains("not counted: turn 4 “We're here for you any time.”"),
        "{text}"
    );
    assert!(!text.contains("matched as active_listening"), "{text}");
}

/// When every sentence resolution checked is plainly something else (two apologies), the line
/// under the verdict says "all 2 matched as apology", not "and 2 other sentences" (read as four
/// beside "2 sentences checked"), and the verdict does not give their reason again in "(turn 2:
/// …)"; one such sentence is "the sentence" (tester t26 X1).
#[test]
fn when_every_sentence_checked_is_something_else_the_line_says_all_of_them() {
    let text = explain_txt(
        "c26",
        "Customer: This is ridiculous, my bill is wrong again.\n\
         Agent: I'm sorry. I'm really sorry about that.\n\
         Customer: ok\n",
        false,
    );
    assert!(
        text.contains(
            "✗ missed    resolution            missed: 2 sentences checked, none counted\n\
             \x20                                     … all 2 matched as apology: no instruction, \
             answer or completed action recognised in the sentence (--all lists them)\n"
        ),
        "{text}"
    );
    assert!(!text.contains("other sentence"), "{text}");
    let text = explain_txt(
        "c27",
        "Customer: This is ridiculous, my bill is wrong again.\n\
         Agent: Let me transfer you to billing.\n\
         Customer: ok\n",
        false,
    );
    assert!(
        text.contains(
            "✗ missed    resolution            missed: 1 sentence checked, none counted\n\
             \x20                                     … the sentence matched as transfer: no \
             instruction, answer or completed action recognised in the sentence (--all lists \
             them)\n"
        ),
        "{text}"
    );
}

/// `explain --overrides SHEET` applies the reviewers' verdicts as `audit --overrides` does:
/// every call's score in explain is its score in the overridden per-call CSV. Without the
/// option, explain showed the tool's score (C-1003: 0, where the report said 36.36) and an
/// analyst going from the calibrated report to explain saw another number (tester t26 X4). It
/// refuses the sheets audit refuses, and warns of a call the sheet does not judge.
#[test]
fn explain_with_overrides_shows_the_score_the_overridden_report_gives() {
    let w = Workdir::new();
    let input = repo_path("examples/data/calls.csv");
    // C-1003 (scored 0): the reviewer says the agent showed empathy and apologised and none of
    // the violations happened; C-1001's empathy is confirmed.
    let sheet = w.write(
        "sheet.csv",
        "call_id,empathy,apology,dismissive,hold,transfer,premature_escalation\n\
         C-1003,1,1,0,0,0,0\nC-1001,1,,,,,\n",
    );
    let calls = w.path("calls.csv");
    callaudit()
        .args([
            "--no-config",
            "audit",
            "--quiet",
            "-o",
            "/dev/null",
            "--overrides",
        ])
        .arg(&sheet)
        .arg("--calls")
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    let rows = read_calls_csv(&calls);
    assert_eq!(rows.len(), 8);
    let explained = |call: &str, format: &str, overrides: bool| {
        let mut cmd = callaudit();
        cmd.args(["--no-config", "explain", "--color", "never", "--call", call])
            .args(["--format", format])
            .arg(&input);
        if overrides {
            cmd.arg("--overrides").arg(&sheet);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        (String::from_utf8(out.stdout).unwrap(), stderr)
    };
    for row in &rows {
        let id = &row["call_id"];
        let (json, _) = explained(id, "json", true);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            format!("{:.2}", v["score"].as_f64().unwrap()),
            row["score"],
            "{id}"
        );
    }
    assert_eq!(
        rows.iter().find(|r| r["call_id"] == "C-1003").unwrap()["score"],
        "36.36"
    );
    let (text, stderr) = explained("C-1003", "text", true);
    assert!(text.contains("· score 36.4 · failed"), "{text}");
    assert!(
        text.contains(
            "✓ met       empathy               met: the reviewer says yes (the tool: missed"
        ),
        "{text}"
    );
    assert!(text.contains("score: max(0, 36.36 − 0) = 36.36"), "{text}");
    assert!(
        stderr.contains(
            "6 verdict(s) of call `C-1003` overridden by reviewers from {} (6 changed the tool's answer)"
                .replace("{}", &sheet.display().to_string())
                .as_str()
        ),
        "{stderr}"
    );
    // A config file's `overrides` (read by audit) is explain's too, with the environment
    // unset: the option is one, wherever it is given.
    let config = w.write("callaudit.toml", "overrides = \"sheet.csv\"\n");
    let text = stdout_of(
        callaudit()
            .env_remove("CALLAUDIT_OVERRIDES")
            .args([
                "explain", "--color", "never", "--call", "C-1003", "--config",
            ])
            .arg(&config)
            .arg(&input),
    );
    assert!(text.contains("· score 36.4 · failed"), "{text}");
    // The tool's score without the sheet: the number the report and explain disagreed on.
    let (text, _) = explained("C-1003", "text", false);
    assert!(text.contains("· score 0.0 · failed"), "{text}");
    // A call the sheet does not judge: the tool's verdicts, and a warning saying so.
    let (text, stderr) = explained("C-1002", "text", true);
    assert!(text.contains("· score 100.0 · passed"), "{text}");
    assert!(
        stderr.contains(
            "call `C-1002` is not judged in the sheet, so the verdicts shown are the tool's"
        ),
        "{stderr}"
    );
    // audit's refusals: reviewers who disagree, the sheet and the input both stdin.
    let split = w.write(
        "split.csv",
        "call_id,reviewer,empathy\nC-1003,ann,1\nC-1003,bob,0\n",
    );
    for (args, says) in [
        (
            vec![split.to_str().unwrap(), input.to_str().unwrap()],
            "reviewers disagree on `empathy` for call `C-1003`",
        ),
        (
            vec!["-", "-"],
            "--overrides - and the input - both name stdin",
        ),
    ] {
        let out = callaudit()
            .args([
                "--no-config",
                "explain",
                "--call",
                "C-1003",
                "--overrides",
                args[0],
            ])
            .arg(args[1])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// "… all 3 matched as …" is said only when no match counted: under "met: 2 matches" it read
/// as if the two counted were thanks and apologies too. Beside matches that counted, the
/// sentences that are plainly something else are the other ones (J-2001, and its explanation
/// in the HTML report; the follow-up to tester t26 X1).
#[test]
fn beside_matches_that_counted_the_sentences_elsewhere_are_the_other_ones() {
    let text = explain("J-2001");
    assert!(
        text.contains(
            "✓ met       resolution            met: 2 matches, first at turn 5: “I can see a \
             promotional discount ended last month.”\n\
             \x20                                     … and 3 other sentences, matched as thanks, \
             empathy, apology, follow_up: no instruction, answer or completed action recognised \
             in the sentence (--all lists them)\n"
        ),
        "{text}"
    );
    let html = stdout_of(
        callaudit()
            .args(["--no-config", "audit", "--quiet", "--format", "html"])
            .arg(repo_path("examples/data")),
    );
    assert!(
        html.contains("… and 3 other sentences, matched as thanks, empathy, apology, follow_up"),
        "{html}"
    );
    assert!(!html.contains("… all 3 matched as"), "{html}");
}
