//! Issue #12's detectors, through the real binary: the rubric-language features they are made
//! of (`^` lead-ins, `context_sentences`, `refusals` + `alternatives`, the customer's last
//! block for calmed) on small rubrics, then the built-in items that use them, and what
//! `explain` says about them. Each test fails if its rule breaks.

use super::common;
use common::*;
use std::collections::HashMap;

const HEAD: &str = "[rubric]\nname = \"test\"\npass_mark = 50\n";

/// Audits `turns` (speaker, text) of one call with `items` (the header is added), or with the
/// built-in rubric when `items` is `None`; returns the per-call row.
fn audit(items: Option<&str>, turns: &[(&str, &str)]) -> HashMap<String, String> {
    let rows: Vec<(&str, &str, &str, &str)> =
        turns.iter().map(|(s, t)| ("c", "a", *s, *t)).collect();
    let csv = csv_of(&rows);
    match items {
        None => audit_rows(&csv).remove(0),
        Some(items) => {
            let w = Workdir::new();
            let rubric = w.write("r.toml", format!("{HEAD}{items}"));
            let input = w.write("in.csv", csv);
            let calls = w.path("calls.csv");
            callaudit()
                .args(["audit", "--quiet", "--format", "json", "--rubric"])
                .arg(&rubric)
                .arg("--calls")
                .arg(&calls)
                .arg(&input)
                .assert()
                .success();
            read_calls_csv(&calls).remove(0)
        }
    }
}

/// `callaudit explain` of the one call in `turns`, with the built-in rubric.
fn explain(turns: &[(&str, &str)]) -> String {
    let rows: Vec<(&str, &str, &str, &str)> =
        turns.iter().map(|(s, t)| ("c", "a", *s, *t)).collect();
    let w = Workdir::new();
    let input = w.write("in.csv", csv_of(&rows));
    let out = callaudit()
        .args(["explain", "--color", "never", "--call", "c"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn agent_item(settings: &str) -> String {
    format!("[[item]]\nid = \"x\"\nkind = \"expected\"\n{settings}\n")
}

#[test]
fn a_caret_phrase_counts_only_where_it_opens_its_sentence() {
    let items = agent_item(r#"phrases = ["^ to confirm"]"#);
    let count =
        |agent: &str| audit(Some(&items), &[("customer", "Hi"), ("agent", agent)])["x"].clone();
    assert_eq!(count("To confirm, it was Tuesday?"), "1");
    // A greeting and a name may come first; a chat handle (a number) does not count as a word.
    assert_eq!(count("@1234 Hi Dan, to confirm, it was Tuesday?"), "1");
    assert_eq!(count("Thanks. To confirm, it was Tuesday?"), "1");
    // Inside a sentence it is a purpose clause, not a lead-in.
    assert_eq!(count("You will need to confirm your name."), "0");
    assert_eq!(count("Please dial the code to confirm it."), "0");
}

#[test]
fn context_sentences_lets_the_lead_in_stand_one_sentence_before() {
    let settings = |n: &str| {
        agent_item(&format!(
            "phrases = [\"charge card\"]\ncontext = [\"^ just to be sure\"]\n{n}"
        ))
    };
    let turns = [
        ("customer", "Hello"),
        ("agent", "Just to be sure I follow. You want a charge card?"),
    ];
    assert_eq!(audit(Some(&settings("")), &turns)["x"], "0");
    assert_eq!(
        audit(Some(&settings("context_sentences = 1")), &turns)["x"],
        "1"
    );
    // Two sentences away is too far for 1.
    let far = [
        ("customer", "Hello"),
        (
            "agent",
            "Just to be sure I follow. Hm. You want a charge card?",
        ),
    ];
    assert_eq!(
        audit(Some(&settings("context_sentences = 1")), &far)["x"],
        "0"
    );
}

#[test]
fn a_refusal_counts_unless_an_alternative_follows_it_in_the_call_or_comes_in_its_turn() {
    let items = "[[item]]\nid = \"x\"\nkind = \"violation\"\nphrases = [\"calm down\"]\n\
                 refusals = [\"we can not refund\"]\nalternatives = [\"we can offer\"]\n";
    let count = |turns: &[(&str, &str)]| audit(Some(items), turns)["x"].clone();
    assert_eq!(
        count(&[("customer", "Hi"), ("agent", "We can't refund it.")]),
        "1"
    );
    // An alternative in a later turn cancels the refusal…
    assert_eq!(
        count(&[
            ("customer", "Hi"),
            ("agent", "We can't refund it."),
            ("customer", "Why?"),
            ("agent", "We can offer a voucher."),
        ]),
        "0"
    );
    // …and so does one offered before it in the same turn (a firm policy with an alternative)…
    assert_eq!(
        count(&[
            ("customer", "Hi"),
            ("agent", "We can offer a voucher. We can't refund it."),
        ]),
        "0"
    );
    // …but not one offered in an earlier turn.
    assert_eq!(
        count(&[
            ("customer", "Hi"),
            ("agent", "We can offer a voucher."),
            ("customer", "No."),
            ("agent", "We can't refund it."),
        ]),
        "1"
    );
    // Blame (`phrases`) counts whatever follows.
    assert_eq!(
        count(&[
            ("customer", "Hi"),
            ("agent", "Calm down. We can offer a voucher.")
        ]),
        "1"
    );
}

#[test]
fn refusals_and_alternatives_go_together() {
    let w = Workdir::new();
    let r = w.write(
        "r.toml",
        format!("{HEAD}[[item]]\nid = \"x\"\nkind = \"violation\"\nrefusals = [\"no\"]\n"),
    );
    let out = callaudit()
        .args(["rubric", "check"])
        .arg(&r)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`refusals` and `alternatives` go together"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const UPSET: (&str, &str) = (
    "customer",
    "I was charged twice for order 5512 and this is ridiculous!!!",
);

#[test]
fn built_in_mirroring_is_an_explicit_confirmation_of_the_customers_specifics() {
    let mirroring = |agent: &str| {
        audit(None, &[UPSET, ("agent", agent)])
            .get("mirroring")
            .map(|v| if v == "0" { "0" } else { "1" })
            .unwrap()
    };
    assert_eq!(mirroring("Just to confirm, you were charged twice?"), "1");
    // A lead-in sentence, then the restatement with the customer's own words.
    assert_eq!(
        mirroring(
            "Sorry about that. Just to better understand. You were charged twice for order 5512?"
        ),
        "1"
    );
    // One shared word plus "sorry" is not mirroring, nor a lead-in inside a sentence.
    assert_eq!(mirroring("Sorry your order is a problem."), "0");
    assert_eq!(
        mirroring("You will need to confirm your order was charged twice by DM."),
        "0"
    );
    // A lead-in that opens an unrelated question.
    assert_eq!(
        mirroring("Just to check, have you tried restarting the app?"),
        "0"
    );
}

/// "1" when the built-in rubric finds `dismissive` in the call, "0" when not.
fn dismissive(turns: &[(&str, &str)]) -> &'static str {
    match audit(None, turns).get("dismissive").map(String::as_str) {
        Some("0") => "0",
        Some(_) => "1",
        None => panic!("no dismissive column"),
    }
}

#[test]
fn built_in_dismissive_needs_blame_or_a_refusal_with_no_alternative_after_it() {
    assert_eq!(
        dismissive(&[UPSET, ("agent", "We're unable to change the booking.")]),
        "1"
    );
    let offered = [
        UPSET,
        ("agent", "We're unable to change the booking."),
        ("customer", "So what now?"),
        ("agent", "You can request a refund of the fare here."),
    ];
    assert_eq!(dismissive(&offered), "0");
    let text = explain(&offered);
    assert!(
        text.contains("an alternative is offered after it:") && text.contains("(turn 4;"),
        "{text}"
    );
    assert_eq!(
        dismissive(&[
            UPSET,
            ("agent", "It's your own fault."),
            ("customer", "So what now?"),
            ("agent", "You can request a refund of the fare here."),
        ]),
        "1"
    );
}

#[test]
fn built_in_dismissive_a_negated_offer_is_no_alternative() {
    // "but we can't" opens like "but we can …" and offers nothing.
    assert_eq!(
        dismissive(&[UPSET, ("agent", "Sorry, but we can't offer a refund.")]),
        "1"
    );
    assert_eq!(
        dismissive(&[
            UPSET,
            ("agent", "That may be true but I cannot reopen the booking.")
        ]),
        "1"
    );
    // A named alternative in the same sentence is the standard's near miss.
    assert_eq!(
        dismissive(&[
            UPSET,
            (
                "agent",
                "We can't offer a refund, but we can offer a voucher for your next trip."
            )
        ]),
        "0"
    );
    // Blame, worded in a way the built-in lists do not spell out call by call.
    assert_eq!(
        dismissive(&[
            UPSET,
            (
                "agent",
                "You should have arrived at the airport in good time."
            )
        ]),
        "1"
    );
    // "You should have received an email" informs; it does not blame.
    assert_eq!(
        dismissive(&[
            UPSET,
            (
                "agent",
                "You should have received an email with the details."
            )
        ]),
        "0"
    );
}

#[test]
fn built_in_calmed_thanks_again_is_calm_and_still_nothing_is_not() {
    let calmed = |last: &str| {
        audit(
            None,
            &[
                UPSET,
                ("agent", "Sorry, I have refunded the second charge."),
                ("customer", last),
            ],
        )
        .get("customer_calmed")
        .map(|v| if v == "0" { "0" } else { "1" })
        .unwrap()
    };
    assert_eq!(calmed("Got it, thanks again!"), "1");
    assert_eq!(calmed("Nothing else, thank you."), "1");
    assert_eq!(calmed("Thanks. Still nothing on my card though."), "0");
    assert_eq!(calmed("Ok. Tell me when I'll actually see it."), "0");
}

#[test]
fn built_in_calmed_an_acceptance_does_not_cancel_an_upset_in_the_same_block() {
    let calmed = |turns: &[(&str, &str)]| {
        audit(None, turns)
            .get("customer_calmed")
            .map(|v| if v == "0" { "0" } else { "1" })
            .unwrap()
    };
    // The customer's last message is split over two turns: the upset is not cancelled by "ok".
    assert_eq!(
        calmed(&[
            UPSET,
            ("agent", "Sorry, I have refunded the second charge."),
            ("customer", "It took you three days, this is a joke!!!"),
            ("customer", "ok thanks"),
        ]),
        "0"
    );
    assert_eq!(
        calmed(&[
            UPSET,
            ("agent", "Sorry, I have refunded the second charge."),
            ("customer", "ok thanks"),
        ]),
        "1"
    );
    // Sarcastic thanks is not calm.
    assert_eq!(
        calmed(&[
            UPSET,
            ("agent", "Please contact your bank."),
            ("customer", "thanks for nothing"),
        ]),
        "0"
    );
    // A trailing turn of only a link (a screenshot) is not the customer's last word: the turn
    // before it still complains.
    assert_eq!(
        calmed(&[
            UPSET,
            ("agent", "Sorry, I have refunded the second charge."),
            ("customer", "Such a pathetic experience, 3 days and no call"),
            ("agent", "Sorry about that, could you send us a screenshot?"),
            ("customer", "@acme https://t.co/abc123"),
        ]),
        "0"
    );
}

#[test]
fn built_in_resolution_is_not_a_fix_said_to_happen_elsewhere() {
    let resolution = |agent: &str| {
        audit(None, &[UPSET, ("agent", agent)])
            .get("resolution")
            .map(|v| if v == "0" { "0" } else { "1" })
            .unwrap()
    };
    assert_eq!(
        resolution("They should be able to provide you with a refund for the second charge."),
        "0"
    );
    assert_eq!(
        resolution("I have refunded the second charge to your card this morning."),
        "1"
    );
}

#[test]
fn a_refusals_own_condition_is_no_alternative_offered() {
    // "unless you can log in" is the condition the refusal sets, not an alternative: the
    // alternative's words ("you can log") overlap a refusal's ("unless you"), so it cancels
    // neither (tester t16, QA standard: "we can't help unless …" is dismissive).
    let refused = [
        UPSET,
        (
            "agent",
            "We're unable to do anything unless you can log in to the old email.",
        ),
    ];
    assert_eq!(dismissive(&refused), "1");
    let text = explain(&refused);
    assert!(!text.contains("an alternative is offered"), "{text}");
    // A real alternative after the refusal still makes it the standard's near miss.
    assert_eq!(
        dismissive(&[
            UPSET,
            (
                "agent",
                "We're unable to do anything here, but you can log in to the app and change it there."
            )
        ]),
        "0"
    );
}
