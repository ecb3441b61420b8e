//! Every item of the built-in rubric, through the real binary: a sentence that must count and
//! a near miss that must not. Items that apply only to upset customers get an upset opening.

use super::common;
use common::*;

const UPSET: &str = "This is ridiculous, I'm fed up with your service!";

/// The per-call count (or 0/1 flag) of `item` after auditing these turns.
fn count(item: &str, turns: &[(&str, &str)]) -> String {
    let rows: Vec<(&str, &str, &str, &str)> = turns
        .iter()
        .map(|(speaker, text)| ("c1", "ann", *speaker, *text))
        .collect();
    let calls = audit_rows(&csv_of(&rows));
    assert_eq!(calls.len(), 1);
    calls[0]
        .get(item)
        .unwrap_or_else(|| panic!("no column {item}"))
        .clone()
}

/// No match counted: 0, or n/a, written empty, which an item with `applies_unless`
/// (`clarifying_question` and `follow_up`, not needed where `resolution` occurred) is only when
/// it did not occur.
fn none(value: &str) -> bool {
    value == "0" || value.is_empty()
}

/// Agent says `text` after an upset customer.
fn after_upset(item: &str, text: &str) -> String {
    count(item, &[("customer", UPSET), ("agent", text)])
}

fn check(item: &str, positive: &str, near_miss: &str) {
    check_all(item, &[positive], &[near_miss]);
}

/// Every sentence of `positives` counts for `item`; none of `near_misses` does.
fn check_all(item: &str, positives: &[&str], near_misses: &[&str]) {
    for positive in positives {
        let p = after_upset(item, positive);
        assert_ne!(p, "0", "{item}: expected a match in {positive:?}");
    }
    for near_miss in near_misses {
        let n = after_upset(item, near_miss);
        assert!(
            none(&n),
            "{item}: expected no match in {near_miss:?}, got {n}"
        );
    }
}

#[test]
fn empathy() {
    check(
        "empathy",
        "I understand how frustrating this must be.",
        "I understand, but that's our policy.",
    );
    assert_eq!(
        after_upset("empathy", "I don't understand the question."),
        "0"
    );
}

#[test]
fn apology() {
    check(
        "apology",
        "I'm so sorry about the delay.",
        "I'm sorry you feel that way.",
    );
    assert_eq!(
        after_upset("apology", "I'm sorry, but that's our policy."),
        "0"
    );
}

#[test]
fn mirroring() {
    let p = count(
        "mirroring",
        &[
            (
                "customer",
                "My package arrived damaged and the box was soaked. Unacceptable!",
            ),
            ("agent", "So your package arrived damaged and soaked?"),
        ],
    );
    assert_ne!(p, "0");
    let lead_in = after_upset("mirroring", "Just to confirm, that was on Monday?");
    assert_ne!(lead_in, "0");
    // A lead-in inside a sentence that begins otherwise is not one (tester t1's F6).
    for identity in [
        "In order to confirm you are the owner, what is your postcode?",
        "We need to confirm you are the account holder.",
    ] {
        let n = count(
            "mirroring",
            &[
                (
                    "customer",
                    "My card was charged twice and nobody has fixed it. This is ridiculous!!!",
                ),
                ("agent", identity),
            ],
        );
        assert_eq!(n, "0", "{identity}");
    }
    // "I see from your message that ...": what the customer said, restated as theirs.
    let seen = after_upset(
        "mirroring",
        "I can see you've advised you have tried Chrome and Firefox, have you tried Safari?",
    );
    assert_ne!(seen, "0");
    let n = count(
        "mirroring",
        &[
            (
                "customer",
                "My package arrived damaged and the box was soaked. Unacceptable!",
            ),
            ("agent", "Let me check that for you."),
        ],
    );
    assert_eq!(n, "0");
}

#[test]
fn clarifying_question() {
    check(
        "clarifying_question",
        "When did you first notice the charge?",
        "Is there anything else I can help with?",
    );
    // A question's words without the question.
    assert!(none(&after_upset(
        "clarifying_question",
        "When you get a moment, restart it."
    )));
}

#[test]
fn resolution() {
    check(
        "resolution",
        "I've issued a full refund to your card.",
        "Unfortunately you're not eligible for a refund.",
    );
}

#[test]
fn additional_concerns() {
    check(
        "additional_concerns",
        "Is there anything else I can help you with?",
        "Is there a reference number on the letter?",
    );
}

#[test]
fn follow_up() {
    check(
        "follow_up",
        "I'll call you back tomorrow with an update.",
        "You can call us back if you like.",
    );
}

/// Issue #12: the follow-up families say what the company will do, in wordings the tune set lacks;
/// the customer being told to report back, or a check-in message, is not a follow-up.
#[test]
fn follow_up_in_other_wordings() {
    check_all(
        "follow_up",
        &[
            "We're looking into this and will follow up with next steps ASAP.",
            "Please let us know a convenient time to reach you.",
            "Send us a DM with your email address so we can follow up.",
            "We'll check with the depot and let you know.",
            "A member of our team will reach out.",
            "Please keep an eye out for an email from our team.",
        ],
        &[
            "Please check your email and follow up with them there.",
            "We just wanted to follow up on your concern. Were we able to help?",
            "If there is anything else I can help with, please get back in touch.",
            "Please select 3G only and revert with your experience.",
            "Let us know when you hear back from them.",
        ],
    );
}

/// Issue #12: inviting other questions in other wordings; the same issue coming back is not one.
#[test]
fn additional_concerns_in_other_wordings() {
    check_all(
        "additional_concerns",
        &[
            "If you need us in the future we are just a tweet away!",
            "Feel free to DM us with any specific questions in the meantime.",
            "How else can we help today?",
            "Glad it's sorted. Feel free to reach out again anytime.",
            "Is there something else we can do for you?",
        ],
        &[
            "Reach out again if the problem comes back.",
            "Is there a reference number on the letter?",
            // reassurance, and a check on this issue, are not invitations for other ones
            "Sounds good. If you need us, our offer still stands.",
            "Please let me know whether your issue is resolved or you need additional help.",
        ],
    );
}

/// Issue #12: naming the feeling or the impact in other wordings; talk of losing the customer is not.
#[test]
fn empathy_in_other_wordings() {
    check_all(
        "empathy",
        &[
            "Ouch, that sounds awful.",
            "We're so sorry you've been dealing with this.",
            "We see where you're coming from.",
            "Sorry for the worry this has caused.",
            "I know this isn't the same, so hopefully it isn't too disappointing.",
            "That must have left you stranded at the airport.",
        ],
        &[
            "We're sad to hear you've left us.",
            "That's odd, which app version is it?",
            // an apology's object, and "not on" a document, are not feelings
            "I'm sorry for the poor experience! Which order was it?",
            "If this isn't on your documentation please contact your booking agent.",
        ],
    );
}

/// Issue #12: answers and steps in other wordings (a short answer, a step with a link for it);
/// a link pointed at with no step, a promise to update, a DM request or passing it on is not one.
#[test]
fn resolution_in_other_wordings() {
    check_all(
        "resolution",
        &[
            "It costs £49.",
            "You can change the address in your account https://t.co/Ab12Cd",
            "Kindly dial *141# to check your balance.",
            "Once funds are in your account they can be transferred between cards.",
        ],
        &[
            "More info here: https://t.co/Ab12Cd",
            "We'll update you shortly.",
            "Please check your DM's.",
            "We have raised this with the team.",
        ],
    );
}

/// Issue #12: upset in other wordings (having to repeat, dissatisfaction); a bug report's status
/// ("stuck", "still doesn't work") is not upset, and a last turn asking for redress or calling it
/// unfair is not calm.
#[test]
fn customer_upset_and_calmed_in_other_wordings() {
    for upset in [
        "I've called 5 times about this.",
        "Not very happy with this at all.",
    ] {
        assert_eq!(
            count("customer_upset", &[("customer", upset)]),
            "1",
            "{upset:?}"
        );
    }
    for bug_report in [
        "My phone is stuck on the logo.",
        "It still doesn't work after the restart.",
        "Switching it on doesn't help.",
    ] {
        assert_eq!(
            count("customer_upset", &[("customer", bug_report)]),
            "0",
            "{bug_report:?}"
        );
    }
    for still_complaining in [
        "I think we should be refunded the fee.",
        "That doesn't really seem fair.",
        "Pointless, I've got nowhere with you.",
    ] {
        let calmed = count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "I'm sorry, that's how the fare works."),
                ("customer", still_complaining),
            ],
        );
        assert_eq!(calmed, "0", "{still_complaining:?}");
    }
}

#[test]
fn thanks() {
    check(
        "thanks",
        "Thanks for your patience.",
        "No thanks needed, I think.",
    );
}

#[test]
fn active_listening() {
    check(
        "active_listening",
        "Got it, that makes sense.",
        "I got the email.",
    );
}

#[test]
fn stepwise() {
    check(
        "stepwise",
        "First, restart the app, then sign in again.",
        "This is the first time I've seen this.",
    );
}

#[test]
fn hold() {
    check(
        "hold",
        "Let me put you on hold for a moment.",
        "Your household account is fine.",
    );
}

#[test]
fn transfer() {
    check(
        "transfer",
        "I'll transfer you to our billing team.",
        "You can move money in the app.",
    );
    // Moving to a private channel with the same team is not a transfer.
    assert_eq!(
        after_upset("transfer", "Please DM us your order number."),
        "0"
    );
}

/// Issue #12: sending the customer elsewhere in wordings the tune set lacks (another party dealt
/// with directly, their own IT, a case handed to a specialist, a desk of its own); the same team
/// getting back, the agent acting for the customer and feedback passed on are not transfers.
#[test]
fn transfer_in_other_wordings() {
    check_all(
        "transfer",
        &[
            "Please check directly with the hotel about the deposit.",
            "You'll want to work with the travel agent directly on the refund.",
            "Could you ask your company IT whether the port is blocked?",
            "I've passed the logs on to our specialist, who is reviewing them now.",
            "We recommend opening a free support case here: https://example.com",
            "Please take the receipt to the ticket office at the station.",
            "The gate staff will be glad to rebook it for you.",
        ],
        &[
            "Our team will get back to you tomorrow.",
            "A member of our team will be in touch shortly.",
            "I've contacted the store for you and they are holding it.",
            "I'll pass your feedback on to the store manager.",
        ],
    );
}

#[test]
fn overpromise() {
    check(
        "overpromise",
        "I promise this will never happen again.",
        "I can't promise anything, but I'll try.",
    );
}

#[test]
fn dismissive() {
    check(
        "dismissive",
        "Calm down, it's not my problem.",
        "Please stay calm while I check.",
    );
}

/// Issue #12: the chat form of a hold in other wordings; a button held down, a process to wait
/// for or an outage to bear with is not one.
#[test]
fn hold_in_other_wordings() {
    check_all(
        "hold",
        &[
            "Just a second while I pull up your booking.",
            "Please allow me a couple of minutes to check this.",
            "Bear with me while I look into it.",
            "I'm going to put you on a quick hold.",
        ],
        &[
            "Press and hold the power button for ten seconds.",
            "Please bear with us while our engineers fix the outage.",
            "If you have a moment, please fill in our survey.",
            "Your payment is on hold until the bank confirms it.",
        ],
    );
}

/// Issue #12: certainty about an outcome the agent does not control; reassurance about its own
/// next step, or a dated time frame, is not an over-promise.
#[test]
fn overpromise_in_other_wordings() {
    check_all(
        "overpromise",
        &[
            "I guarantee the parcel will be there on Monday.",
            "You'll definitely get it tomorrow.",
            "We're confident this will be fixed by tonight.",
            "Your order will be delivered tomorrow.",
            "We'll make sure this doesn't happen again.",
            "You have my word.",
        ],
        &[
            "Rest assured, we've passed your feedback to the team.",
            "I'll definitely pass this along to the store.",
            "We'll get this sorted out right away.",
            "Fares are not guaranteed until purchased.",
            "Hopefully it will be resolved soon.",
        ],
    );
}

/// Issue #12: offering a supervisor or manager; a case escalated to another team, or a manager
/// who is only mentioned, is not premature escalation.
#[test]
fn premature_escalation_in_other_wordings() {
    check_all(
        "premature_escalation",
        &[
            "Would you like to speak with a manager?",
            "I'll put you through to my team leader.",
        ],
        &[
            "As you requested, I'll get my supervisor.",
            "I've escalated this to our engineering team.",
            "Open Device Manager and update the driver.",
            "We've passed your comments to the store manager.",
        ],
    );
}

/// Issue #12: brushing the customer off in other wordings; a refusal followed by an alternative
/// is not dismissive.
#[test]
fn dismissive_in_other_wordings() {
    check_all(
        "dismissive",
        &[
            "I'm sorry this is how you feel.",
            "Without your account number we are unable to help.",
            "That's your choice to make.",
            "Our decision is final.",
            "The seat map is under their control at this time.",
            "You must have entered the code wrong.",
            "Customs is a process UPS has no control over.",
        ],
        &[
            "We're unable to refund the ticket, but we can offer you a voucher instead.",
            "You can request a refund online. We can't refund it here.",
            "As I mentioned, our team will call you tomorrow.",
        ],
    );
}

#[test]
fn profanity() {
    check(
        "profanity",
        "Damn you, stop calling us.",
        "Hello, let me assist you.",
    );
}

#[test]
fn shouting() {
    check(
        "shouting",
        "I ALREADY TOLD YOU THE ORDER IS LOST.",
        "Your UPS and DHL parcels are on the way.",
    );
}

/// Tester t18: a sentence in capitals shouts in a turn whose other sentences do not, which
/// then held most of the turn's words (the agent's and the customer's alike); a few acronyms
/// among other words still do not.
#[test]
fn one_sentence_in_capitals_shouts_in_a_longer_turn() {
    let shout =
        "I can see the order here in the system. I ALREADY TOLD YOU THE REFUND IS PROCESSING.";
    assert_eq!(count("shouting", &[("agent", shout)]), "1");
    let upset =
        "Thanks for the reply, I have checked the settings twice now. THIS STILL DOES NOT WORK.";
    assert_eq!(count("customer_upset", &[("customer", upset)]), "1");
    let acronyms =
        "Your UPS and DHL parcels left the depot this morning. The USPS one comes Friday.";
    assert_eq!(count("shouting", &[("agent", acronyms)]), "0");
    // A code read out, or the labels on a screen, are capitals without a function word: they
    // shout at nobody (reviewer r25: a calm customer's booking reference made the call upset).
    let reference = "Hi, I want to change the date of my booking. Booking ref KXR PLM QQT.";
    assert_eq!(count("customer_upset", &[("customer", reference)]), "0");
    let labels = "Open the app on your phone. Tap SETTINGS, WI-FI, RESET.";
    assert_eq!(count("shouting", &[("agent", labels)]), "0");
    let code = "Thanks, I have it here. Please quote ABC DEF GHI.";
    assert_eq!(count("shouting", &[("agent", code)]), "0");
}

#[test]
fn hedging() {
    check(
        "hedging",
        "Maybe it will arrive tomorrow, I guess.",
        "Make sure the cable is plugged in.",
    );
}

#[test]
fn premature_escalation() {
    let early = after_upset("premature_escalation", "Let me get my supervisor.");
    assert_ne!(early, "0");
    let after_trying = count(
        "premature_escalation",
        &[
            ("customer", UPSET),
            ("agent", "I'm so sorry about this."),
            ("customer", "It's still broken."),
            ("agent", "Let me get my supervisor."),
        ],
    );
    assert_eq!(after_trying, "0");
    // The QA standard sets no upset condition: a supervisor offered as the first reply to a
    // calm customer is premature too (it was n/a there).
    let calm = count(
        "premature_escalation",
        &[
            ("customer", "Why was my parcel returned to the depot?"),
            (
                "agent",
                "I'll put you through to my supervisor, she deals with returns.",
            ),
        ],
    );
    assert_eq!(calm, "1");
}

#[test]
fn customer_upset_and_calmed() {
    let upset = count(
        "customer_upset",
        &[("customer", "This is RIDICULOUS!!!"), ("agent", "Sorry.")],
    );
    assert_eq!(upset, "1");
    let calm = count(
        "customer_upset",
        &[
            ("customer", "Hi, can I change my address?"),
            ("agent", "Sure."),
        ],
    );
    assert_eq!(calm, "0");

    let calmed = count(
        "customer_calmed",
        &[
            ("customer", UPSET),
            ("agent", "I'm sorry, I've refunded you."),
            ("customer", "Thanks, that works."),
        ],
    );
    assert_eq!(calmed, "1");
    let still_upset = count(
        "customer_calmed",
        &[
            ("customer", UPSET),
            ("agent", "I'm sorry."),
            ("customer", "Still not fixed. Useless."),
        ],
    );
    assert_eq!(still_upset, "0");
    // Never upset: calmed does not apply, and its cell is empty.
    let not_upset = count(
        "customer_calmed",
        &[("customer", "Hi there."), ("agent", "Hello!")],
    );
    assert_eq!(not_upset, "");
}

/// Interruption and silence need timings, so these calls come as JSONL.
fn timed_call(turns: &[(&str, &str, u64, u64)]) -> std::collections::HashMap<String, String> {
    let w = Workdir::new();
    let turns: Vec<String> = turns
        .iter()
        .map(|(s, t, a, b)| {
            format!(r#"{{"speaker": "{s}", "text": "{t}", "start_ms": {a}, "end_ms": {b}}}"#)
        })
        .collect();
    let input = w.write(
        "in.jsonl",
        format!(
            "{{\"call_id\": \"t1\", \"agent_id\": \"ann\", \"turns\": [{}]}}\n",
            turns.join(", ")
        ),
    );
    let calls = w.path("calls.csv");
    callaudit()
        .args(["audit", "--quiet", "--format", "json", "--calls"])
        .arg(&calls)
        .arg(&input)
        .assert()
        .success();
    read_calls_csv(&calls).remove(0)
}

#[test]
fn interruption() {
    let cut_in = timed_call(&[
        ("customer", "My card was declined twice today", 0, 4000),
        ("agent", "Which card?", 2500, 3500),
    ]);
    assert_eq!(cut_in["interruption"], "1");
    let overlap_small = timed_call(&[
        ("customer", "My card was declined twice today", 0, 4000),
        ("agent", "Which card?", 3800, 4500),
    ]);
    assert_eq!(overlap_small["interruption"], "0");
}

#[test]
fn silence() {
    let long = timed_call(&[
        ("customer", "Can you check my order?", 0, 2000),
        ("agent", "Sure, one moment.", 2500, 3500),
        ("agent", "It ships today.", 15_000, 16_000),
    ]);
    assert_eq!(long["silence"], "1");
    let short = timed_call(&[
        ("customer", "Can you check my order?", 0, 2000),
        ("agent", "Sure, one moment.", 2500, 3500),
        ("agent", "It ships today.", 11_000, 12_000),
    ]);
    assert_eq!(short["silence"], "0");
    // Without timings the item does not apply: an empty cell and no penalty.
    assert_eq!(after_upset("silence", "Sure."), "");
}

/// Tester t6 and t4's readings of the QA standard (2026-12-03, not from labels): sentences the
/// built-in rubric scored against the standard. Each case failed before its rule changed.
#[test]
fn qa_standard_readings_of_the_third_round() {
    // customer_upset: a neutral close, request or bug report is not upset; one polite or
    // negated phrase no longer cancels the rest of its sentence (`unless_scope = "match"`).
    for neutral in [
        "Lovely, that's all I needed. Ok, thanks, goodbye.",
        "I've lost my card, can you block it please?",
        "My payment failed at checkout.",
        "Why does it say pending on my order?",
        "I have poor signal at home, is there an outage?",
        "Great.",
    ] {
        let got = count("customer_upset", &[("customer", neutral)]);
        assert_eq!(got, "0", "customer_upset in {neutral:?}");
    }
    for upset in [
        "I hate to bother you but this is the third time my order hasn't arrived and it's ridiculous.",
        "I'm not angry, I'm disappointed.",
        "No complaints about the staff but the delivery was a total shambles.",
        "thx for nothing",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_ne!(got, "0", "customer_upset in {upset:?}");
    }
    // customer_calmed: declining more help with thanks, or "never mind", is calm.
    for calm in [
        "No, thanks, that's all.",
        "Never mind, that's fine, thank you.",
    ] {
        let got = count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "I've refunded the charge."),
                ("customer", calm),
            ],
        );
        assert_eq!(got, "1", "customer_calmed after {calm:?}");
    }
    // The agent's greeting for their own company is no transfer.
    for greeting in [
        "Thanks for calling Northway Bank, you're speaking with Priya.",
        "Thank you for contacting the Harbour Hotel, this is Sam.",
        "Welcome to Acme Bank, how can I help?",
    ] {
        assert_eq!(after_upset("transfer", greeting), "0", "{greeting:?}");
    }
    assert_ne!(
        after_upset("transfer", "You'll need to call your bank."),
        "0"
    );
    // An undercut apology without "but" is none; an empathy word used to dismiss is none.
    assert_eq!(after_upset("apology", "Sorry, that's our policy."), "0");
    assert_eq!(
        after_upset(
            "empathy",
            "There's no need to get upset. What's your account number?"
        ),
        "0"
    );
    assert_eq!(
        after_upset(
            "empathy",
            "If I understand you correctly, the parcel never arrived?"
        ),
        "0"
    );
    // Opening offers and hold requests are not clarifying questions; pausing to look is a hold.
    for offer in [
        "What can I do for you?",
        "Can you hold for a moment while I pull that up?",
        "Would you like to speak to a manager?",
    ] {
        assert_eq!(after_upset("clarifying_question", offer), "0", "{offer:?}");
    }
    for hold in [
        "Please wait while I look into this.",
        "Let me check that for you, one sec.",
    ] {
        assert_ne!(after_upset("hold", hold), "0", "{hold:?}");
    }
    // No commitment is no follow-up; a promise of the agent's own next step is realistic.
    assert_eq!(
        after_upset(
            "follow_up",
            "I'm afraid I won't be able to call you back tomorrow, but the quote is attached."
        ),
        "0"
    );
    assert_eq!(
        after_upset(
            "overpromise",
            "I promise I'll call you back tomorrow at 10am."
        ),
        "0"
    );
    // The customer asked for a manager first: granting it is not premature.
    let asked = count(
        "premature_escalation",
        &[
            (
                "customer",
                "This is unacceptable. I want to speak to your manager right now.",
            ),
            ("agent", "Of course, I'll get my supervisor for you."),
        ],
    );
    assert_eq!(asked, "0");
    assert_ne!(
        after_upset("premature_escalation", "Let me get my supervisor for you."),
        "0"
    );
}

/// Tester t8 (2026-12-03): the upset and shouting detectors' match is the sentences that carry
/// the marks or capitals, so an `unless` phrase in another sentence leaves it; and `…` ends a
/// sentence as "..." does, so the two spellings give one verdict. Each failed before.
#[test]
fn typography_is_matched_on_its_own_sentences_and_the_ellipsis_ends_one() {
    for upset in [
        "I hate to bother you. Where is my order???",
        "Thank you so much. WHY IS THIS STILL NOT FIXED AFTER TWO WEEKS",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_eq!(got, "1", "customer_upset in {upset:?}");
    }
    // In one sentence the polite opener still cancels the marks.
    let got = count(
        "customer_upset",
        &[("customer", "I hate to bother you but where is my order???")],
    );
    assert_eq!(got, "0");
    for item in ["apology", "empathy"] {
        let dots = after_upset(item, "I'm sorry... but that's our policy. I understand.");
        let ellipsis = after_upset(item, "I'm sorry… but that's our policy. I understand.");
        assert_eq!(dots, ellipsis, "{item}");
    }
}

/// Matches of one item with only spaces between them in a sentence are one place: "Hang on a
/// second while I look" was two holds ("hang on", "a second while"). In another sentence, or
/// across a comma, they stay two.
#[test]
fn touching_matches_of_an_item_are_one_place() {
    assert_eq!(after_upset("hold", "Hang on a second while I look."), "1");
    assert_eq!(
        after_upset("hold", "Hang on. Give me a few minutes while I look."),
        "2"
    );
}

/// Tester t6's readings left from the third round (2026-12-03; tune part unchanged but one more
/// upset call found): a troubleshooting question is no check for other concerns; "another
/// delay" is a complaint; capitals in their own sentence stay upset after "I'm not angry".
#[test]
fn qa_standard_readings_of_the_fourth_round() {
    assert_eq!(
        after_upset("additional_concerns", "Have you tried anything else?"),
        "0"
    );
    assert_ne!(
        after_upset(
            "additional_concerns",
            "Is there anything else I can help with?"
        ),
        "0"
    );
    for upset in [
        "Oh great, another delay.",
        "I'm not angry. THIS IS THE THIRD TIME I CALL",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_eq!(got, "1", "customer_upset in {upset:?}");
    }
}

/// Tester t10's wordings from a QA analyst's week (its findings 1–4): refusals to apologise or
/// to care are neither apology nor empathy (and the second is dismissive); a transfer with a
/// promise beside it is still a transfer; someone else's "calm down" reported or apologised
/// for is no telling-off; the customer's own swear word quoted back is no profanity; sarcastic
/// thanks with "a lot" in it is no calm; "the third cancellation" is upset.
#[test]
fn refusals_quotes_and_sarcasm_are_read_as_a_qa_analyst_reads_them() {
    check_all(
        "apology",
        &["I'm so sorry someone told you to calm down, that must have been upsetting."],
        &[
            "I'm not going to apologise for the weather.",
            "I won't say sorry for something we didn't do.",
            "I'm sorry, but you need to calm down.",
        ],
    );
    check_all(
        "empathy",
        &["I'm so sorry someone told you to calm down, that must have been upsetting."],
        &[
            "I don't care how frustrated you are.",
            "I can't see why you're upset, it's only a flight.",
        ],
    );
    check_all(
        "dismissive",
        &[
            "I don't care how frustrated you are.",
            "I can't see why you're upset, it's only a flight.",
            "Calm down.",
        ],
        &["Just to confirm, you were told to calm down and then left on hold for an hour?"],
    );
    check_all(
        "transfer",
        &[
            "I'll transfer you to billing, and I'll call you back tomorrow.",
            "I'll transfer you now and I will stay on the line.",
        ],
        &["Kindly contact our team here: https://t.co/x and we'll check."],
    );
    check_all(
        "profanity",
        &["That's a load of crap."],
        &["I hear you, and when you say the service is crap I understand why."],
    );
    let calmed = |last: &str| {
        count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "Please hold while I transfer you."),
                ("customer", last),
            ],
        )
    };
    assert_eq!(calmed("Oh great, thanks a lot for nothing."), "0");
    assert_eq!(calmed("Thanks, that sorts it."), "1");
    assert_eq!(
        count(
            "customer_upset",
            &[(
                "customer",
                "Oh brilliant, the third cancellation this month."
            )]
        ),
        "1"
    );
    // The QA standard's resolution: the information that answers the question counts; a
    // ticket raised to be looked at later is "we'll look into it" (tester t10's finding 7).
    check_all(
        "resolution",
        &["Your savings balance is 240 pounds."],
        &["I've raised a ticket and it will be looked at within 48 hours."],
    );
}

/// Tester t16's wordings from 50 calls scored against the QA standard: each class the standard
/// names, and its near miss.
#[test]
fn qa_standard_readings_of_tester_t16() {
    // dismissive: help made conditional, rigid hours or schedule with no help; a firm policy
    // with an alternative offered (a named action: "we can move your booking") is not.
    check_all(
        "dismissive",
        &[
            "We can't help unless you can log in to the old email.",
            "Outages in your area are handled by the network team. We work to their schedule.",
            "Sorry, those are the rules.",
        ],
        &[
            "Tonight's rate is non-refundable, but we can move your booking to any date in the next 12 months at no charge.",
            "We can't change it here, but we can switch your plan from next month.",
        ],
    );
    // apology: "sorry, <the rules>" undercuts itself; a real apology still counts.
    check_all(
        "apology",
        &["Sorry, that rule should have been explained to you."],
        &["Sorry, those are the rules.", "Sorry, these are our terms."],
    );
    // resolution: a completed action and the new state; information that answers the
    // question; a fix said to happen later is not one.
    check_all(
        "resolution",
        &[
            "Done, your booking is now for March 3rd.",
            "Done, order 8812 will now go to 14 Elm Street, Norwich.",
            "Thank you, I've submitted 04512 for your electricity meter.",
            "Your reservation is on hold until the deposit clears, which usually takes one working day.",
            "I can see it was posted yesterday by first class.",
        ],
        &[
            "We'll email you as soon as the fix is released.",
            "I can see it was received on the 10th and is with our processing team.",
            "We stopped selling eBanking in 2013.",
        ],
    );
    // clarifying_question: an offer, a step asked as a question and "is it working now?"
    // gather no details; a question about the issue still counts.
    check_all(
        "clarifying_question",
        &[
            "Could you tell me the order number?",
            "Have you tried restarting the router?",
        ],
        &[
            "Would you like me to get a manager to look at your account?",
            "Would you like me to do that?",
            "Could you unplug the hub for 30 seconds and plug it back in?",
            "Is it working now?",
        ],
    );
    // transfer: the agent acting for the customer ("I've booked your engineer") is no hand-off;
    // having an engineer call the customer is one.
    check_all(
        "transfer",
        &["I'll have one of our engineers call you tomorrow."],
        &["Thanks for waiting. I've booked your boiler engineer for 8am tomorrow."],
    );
    // follow_up: "expect a confirmation email"; asking the customer to report back is not one.
    check_all(
        "follow_up",
        &["Expect a confirmation email within 3 days."],
        &["Let us know how it goes."],
    );
    // channel_move: an email to the support team; a transfer to another team is not one.
    check_all(
        "channel_move",
        &[
            "Could you email our support team at help@shop.com with your card number so we can look into it?",
        ],
        &["You'll need to call the network team on 0800 123 456."],
    );
    // customer_upset: sarcasm, exasperation about being passed around or messed around,
    // giving up, a broken promise said again; a neutral question is not.
    for upset in [
        "Oh great, another chatbot. Fantastic.",
        "The store said my repair would be ready Tuesday and it's now Friday. I've been messed around enough.",
        "I've been passed from department to department for an hour.",
        "You cut off my broadband without warning. I want an apology.",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_eq!(got, "1", "customer_upset in {upset:?}");
    }
    for calm in [
        "Hi, I'd like to know what time your Leeds branch opens on Saturday.",
        "Thanks a lot, that sorted it!",
        // "Wow" opens praise as often as sarcasm: "Wow. Thanks a lot." is left to the reader.
        "Wow, thank you so much, that was quick!",
    ] {
        let got = count("customer_upset", &[("customer", calm)]);
        assert_eq!(got, "0", "customer_upset in {calm:?}");
    }
    // customer_calmed: a last turn that gives up or still complains is not calm.
    let calmed = |last: &str| {
        count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "I'm sorry. It will be delivered on Friday."),
                ("customer", last),
            ],
        )
    };
    assert_eq!(calmed("Forget it."), "0");
    assert_eq!(calmed("You said that yesterday too."), "0");
    assert_eq!(calmed("OK, thanks."), "1");
}

/// Tester t17's phone calls (speech-recognition text: lower case, no punctuation, fillers):
/// each class the QA standard names, in other wordings, and its near misses.
#[test]
fn qa_standard_readings_of_speech_transcripts() {
    // clarifying_question: a question without "?" after a filler ("so", "um", "alright") or
    // after a clause is still asked; wrap-ups, wishes and statements with an auxiliary are not.
    check_all(
        "clarifying_question",
        &[
            "um so which branch did you go to",
            "alright could you read me the reference on the letter",
            "right sorry about that do you have the invoice to hand",
            "thanks for bearing with me where did you buy the charger",
            "lovely and what is your date of birth",
        ],
        &[
            "okay is there anything else i can help with",
            "and have a lovely evening",
            "have a lovely evening",
            "we have you booked in for monday morning",
            "the problem is it keeps logging you out",
        ],
    );
    // customer_upset: "Oh great" opening a turn is sarcasm when a complaint or more follows it,
    // not when it is the whole turn (relief after good news) or acceptance or thanks follow it.
    for upset in [
        "Oh brilliant, so now I have to go back to the shop.",
        "Yeah great, that really solves everything.",
        "Oh lovely, thanks for nothing.",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_eq!(got, "1", "customer_upset in {upset:?}");
    }
    for calm in [
        "Oh perfect.",
        "Oh wonderful, that's a relief.",
        "Oh brilliant, ok, I'll keep an eye out for the van.",
        "Oh great. Thanks, that's all I needed.",
        "I'm a little stressed because the rent is due on Monday.",
    ] {
        let got = count("customer_upset", &[("customer", calm)]);
        assert_eq!(got, "0", "customer_upset in {calm:?}");
    }
    // customer_calmed: resigned disbelief, an oath and a demand that it work this time still
    // complain; a resigned acknowledgement is calm.
    let calmed = |last: &str| {
        count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "I'm sorry. An engineer will visit on Friday."),
                ("customer", last),
            ],
        )
    };
    for still in [
        "Fine. We'll believe that when we see it.",
        "For heaven's sake.",
        "Please just get it sorted properly this time.",
        "I'm not holding my breath.",
    ] {
        assert_eq!(calmed(still), "0", "customer_calmed in {still:?}");
    }
    // A resigned acknowledgement is calm (QA standard).
    assert_eq!(calmed("Right. Friday it is, then."), "1");
    assert_eq!(calmed("Fine, whatever. Friday then."), "1");
    // Said in a calm call, the same disbelief is upset.
    assert_eq!(
        count(
            "customer_upset",
            &[("customer", "Right. I'll believe it when the van turns up.")]
        ),
        "1"
    );
    // Not one reply to three letters is exasperation.
    assert_eq!(
        count(
            "customer_upset",
            &[("customer", "I've written twice and not a single reply.")]
        ),
        "1"
    );
    // transfer: another party rung ("give the airline a call"); documents e-mailed to the
    // company's own team, or that team doing the work, hand nobody over.
    check_all(
        "transfer",
        &[
            "If it hasn't arrived by Monday, give the airline a call with your booking reference.",
            "ring your card issuer and quote this reference",
        ],
        &[
            "Please email the photos to our claims team and they'll be added to your claim.",
            "Our refunds team will process it tonight, you don't need to do anything.",
        ],
    );
    // channel_move: an e-mail address read out or written, documents e-mailed to us, a form on
    // the website; a call that should have happened asks for no move.
    check_all(
        "channel_move",
        &[
            "if you email the receipts to returns at shopmail dot co dot uk we'll process the refund",
            "Please email a copy of the bill to accounts@acme-energy.com.",
            "Just fill in the delivery form on our website and the team will arrange it.",
        ],
        &[
            "You would have had to phone us before 6pm.",
            "You'd have needed to ring us before midnight.",
        ],
    );
    // resolution: a plain answer (a delivery state with its time, an allowance, no charge) and a
    // fix the agent commits to do count; a finished check and a call promised for later do not.
    check_all(
        "resolution",
        &[
            "Your parcel is out for delivery and should be with you before noon.",
            "Your hold luggage allowance is 20 kilos per person, free of charge.",
            "I'll refund the delivery fee to your card now.",
            "ok we'll courier out a replacement handset",
            "we'll post a new card to your home address",
        ],
        &[
            "Thanks for bearing with me while I checked your account.",
            "I'll give you a ring on Thursday to see how it's going.",
            "We will look into it and get back to you.",
        ],
    );
    // profanity: swearing and insults at the customer; a mild oath aimed at nobody ("a damn
    // nuisance", "the bloody website") does not zero the call.
    check_all(
        "profanity",
        &[
            "You bloody people never listen.",
            "Damn your refund, honestly.",
        ],
        &[
            "That courier is a damn nuisance, I'll chase them now.",
            "The bloody website is down again, sorry, let me do it by hand.",
        ],
    );
}

/// Reviewer finding F4: agent statements in speech-recognition text that open with a filler and
/// a question word, hold "you" before an auxiliary, or open with "do" or "have" before a
/// determiner are no clarifying question; the unpunctuated questions found since 35e22a5 still
/// are.
#[test]
fn speech_statements_that_look_like_questions() {
    check_all(
        "clarifying_question",
        &[
            "okay can i take the postcode",
            "and what's the postcode there",
            "i'm sorry your parcel's late can i take the order number",
            "thank you can i take your name",
            "okay what time did you place the order",
            "right how long have you had the router",
        ],
        &[
            "so what i am going to do is send you a new one",
            "okay what happens now is the engineer will call you",
            "and how it works is you get a code by text",
            "right when it arrives just sign for it",
            "so when the courier arrives just sign for it",
            "if you do you will lose the discount",
            "the model you have we can swap for free",
            "do the factory reset",
            "have your card number ready",
        ],
    );
}

/// Tester t21, P3: an angry demand for someone senior, what the customer pays thrown back, and
/// giving up on the brand are upset without a complaint word; a bug report that says what the
/// device does not do "at all" is not (QA standard: "a neutral question or bug report").
#[test]
fn customer_upset_demands_and_bug_reports() {
    for upset in [
        "Get me a supervisor. I'm not dealing with another script reader.",
        "I want to speak to a manager NOW.",
        "Fetch me your manager right now.",
        "Since your update my calls keep dropping. I pay 40 a month for this!",
        "We're paying 60 pounds every month for this.",
        "I will never buy another one of your chargers.",
        "I sent you a DM and you still haven't responded.",
    ] {
        assert_eq!(
            count("customer_upset", &[("customer", upset)]),
            "1",
            "{upset:?}"
        );
    }
    for bug_report in [
        "hi um my laptop won't turn on at all after the update last night",
        "The checkout pages aren't loading at all.",
        "My new cable doesn't charge at all.",
        "Could I speak to a manager about my contract, please?",
    ] {
        assert_eq!(
            count("customer_upset", &[("customer", bug_report)]),
            "0",
            "{bug_report:?}"
        );
    }
}

/// Tester t21, P7 and T21-18: a last turn that throws the blame back or keeps up the dispute
/// ("So it's my fault. Cheers.", "It was in tiny print. Whatever.") still complains, so is not
/// calm; a bare "Fine, whatever." still is.
#[test]
fn customer_calmed_blame_and_dispute_kept_up() {
    let calmed = |last: &str| {
        count(
            "customer_calmed",
            &[
                ("customer", UPSET),
                ("agent", "The fee was shown on the booking page."),
                ("customer", last),
            ],
        )
    };
    for still_complaining in [
        "So it's my fault. Cheers.",
        "It was in tiny print. Whatever.",
        "Hidden in the small print, of course.",
    ] {
        assert_eq!(calmed(still_complaining), "0", "{still_complaining:?}");
    }
    assert_eq!(calmed("Fine, whatever."), "1");
}

/// Tester t21, P6: the impact on the customer named in everyday words ("really gutting", "sounds
/// really disruptive", "I'd be fuming too") is empathy.
#[test]
fn empathy_in_everyday_words() {
    check_all(
        "empathy",
        &[
            "Apologies for the inconvenience, missing out on tickets is really gutting.",
            "Hi there, that sounds really disruptive when you're trying to work.",
            "That must be so draining.",
            "I'd be fuming too if I'd been told that.",
        ],
        &[
            "The works on the line will be disruptive overnight, so we've moved your slot.",
            "I'd be happy to check that for you.",
        ],
    );
}

/// Tester t21, P4: an offer asked as a question ("Shall I add it?", "Would that help?") gathers
/// no details, so is no clarifying question; a question about the issue still is.
#[test]
fn clarifying_question_not_offers() {
    check_all(
        "clarifying_question",
        &[
            "Which card is it, the one ending 8812 or 3307?",
            "Since when has the broadband been dropping out?",
        ],
        &[
            "Seat 12C with extra legroom is available for 35 pounds. Shall I add it?",
            "I can spread the shortfall over 12 months instead. Would that help?",
            "Shall we switch you to the cheaper plan?",
            "I can move it to Friday. Would that suit you?",
        ],
    );
}

/// Tester t21, P2: a promise of an e-mail with an adverb before its verb ("I'll also send you an
/// email with the steps") is a follow-up; asking the customer to report back still is not.
#[test]
fn follow_up_with_an_adverb() {
    check_all(
        "follow_up",
        &[
            "I'll also send you an email with the steps.",
            "We'll then send you a text when it ships.",
        ],
        &["Let us know if that helps."],
    );
}

/// Tester t21, P5: taking the matter up with another party, and a manager handed the case who
/// then calls the customer, are transfers; the agent acting for the customer is not.
#[test]
fn transfer_take_it_up_and_manager_hand_off() {
    check_all(
        "transfer",
        &[
            "You'd need to take that up with the manufacturer.",
            "You will have to take it up with your bank.",
            "Right, I'll get a manager to call you.",
            "My manager Sarah will call you back within the hour to go through the fraud claim.",
            "A supervisor will be in touch tomorrow.",
        ],
        &[
            "I've contacted the Bristol store for you and they've found it.",
            "If it happens again, take it up with us here.",
        ],
    );
}

/// Tester t21, P1: status answers from the agent's records ("accepted by his bank the same day",
/// "approved the repair this morning", "left our warehouse"), a reference given and a step asked
/// with another verb ("have you tried holding the power button …") answer; a guarantee, the
/// terms cited to say wait and the other team endorsed do not.
#[test]
fn resolution_status_answers_and_promises() {
    check_all(
        "resolution",
        &[
            "I can see the payment left your account Monday at 10:42 and was accepted by his bank the same day.",
            "I can see CL-3392 is with our assessors, who approved the repair this morning.",
            "I can see it left our warehouse yesterday and is with DPD now.",
            "The reference is FP-88213.",
            "right have you tried holding the power button for thirty seconds with the charger unplugged",
            "Press and hold the power button for ten seconds.",
        ],
        &[
            "I guarantee it'll be with you tomorrow, and this will never happen again.",
            "As stated in our terms, refunds can take up to 30 days, so it's still within the timeframe.",
            "Yes, they're the best people for it.",
        ],
    );
}

/// Tester t24, V1: time elapsed, stated in a polite status check ("it's been 5 days"), is mild
/// urgency without blame, not upset (QA standard); a complaint about the wait still is.
#[test]
fn customer_upset_not_a_polite_status_check() {
    for neutral in [
        "hi, just checking on my refund for order 88213, it's been 5 days",
        "It's been 2 weeks, any update please?",
    ] {
        let got = count("customer_upset", &[("customer", neutral)]);
        assert_eq!(got, "0", "customer_upset in {neutral:?}");
    }
    for upset in [
        "It's been 5 days and still nothing, this is ridiculous.",
        "It's been two weeks!!! Where is my refund?",
    ] {
        let got = count("customer_upset", &[("customer", upset)]);
        assert_ne!(got, "0", "customer_upset in {upset:?}");
    }
}

/// Tester t24, V2: a hold asked as a question ("Can you hang on a moment while I check?")
/// gathers no details, so is no clarifying question (it is a `hold`); a question for a detail is.
#[test]
fn clarifying_question_not_a_hold() {
    check_all(
        "clarifying_question",
        &[
            "Can you give me your order number?",
            "Could you wait until it reboots and tell me which light is on?",
        ],
        &[
            "Can you hang on a moment while I check?",
            "Could you wait a minute while I look into it?",
            "Would you mind holding for a second?",
            "Can I put you on hold for two minutes?",
        ],
    );
    assert_ne!(
        after_upset("hold", "Can you hang on a moment while I check?"),
        "0"
    );
}

/// Tester t24, V3: a page pointed at with no step ("You can check the status page on our
/// website") is a link without the link, no resolution (QA standard: "only a link with no
/// step"); a step in the app still is.
#[test]
fn resolution_not_a_page_pointed_at() {
    check_all(
        "resolution",
        &["You can reset it in the app under Settings."],
        &[
            "Well, there's nothing I can do from here. You can check the status page on our website.",
            "You can read our FAQs for more.",
            "Please check our help centre pages.",
        ],
    );
}

/// Tester t24, V4: the policy cited back as the customer's own oversight ("Returns are 30 days,
/// it was clearly advertised on the website") refuses, so is no resolution (QA standard:
/// "explaining or citing a policy that refuses"); the same terms given as an answer still are.
#[test]
fn resolution_not_a_policy_cited_as_blame() {
    check_all(
        "resolution",
        &["Returns are 30 days from delivery."],
        &[
            "No. Returns are 30 days, it was clearly advertised on the website.",
            "Refunds take 10 days, as clearly stated in our terms.",
        ],
    );
}

/// Tester t24, V5: a step after an explanation in the same sentence, as chat agents write it
/// ("The password is case-sensitive, try typing it with capitals", "…, so type it in capitals"),
/// is a concrete step (QA standard: "turn off X, then …"); an explanation alone is not.
#[test]
fn resolution_step_after_a_clause() {
    check_all(
        "resolution",
        &[
            "The label password is case-sensitive, try typing it with capitals exactly as shown.",
            "The password is case-sensitive, so type it in capitals.",
            "Your username is your email address, try entering it in lower case.",
        ],
        &["The label password is case-sensitive."],
    );
}

/// Tester t24, V6: a state and what ends it ("Your reservation is on hold until the deposit is
/// paid") is the information that answers "what does that mean?" (QA standard, resolution);
/// small talk with "until" is not.
#[test]
fn resolution_a_state_and_what_ends_it() {
    check_all(
        "resolution",
        &[
            "Your reservation is on hold until the deposit is paid.",
            "The account stays locked until the reset email is used.",
        ],
        &["I'll be here until 6."],
    );
}

/// Tester t24, V10: what changed on the account ("Your discount ended.") is the information
/// that answers "why did my bill double?" (QA standard, resolution), however terse.
#[test]
fn resolution_what_changed_on_the_account() {
    check_all(
        "resolution",
        &[
            "Your discount ended.",
            "Your free trial has expired, so the plan is now charged monthly.",
        ],
        &["Your discount is something we value."],
    );
}

/// Tester t24, V7: a promise to contact with an adverb before a verb other than call or email
/// ("I'll also ring you tomorrow", "we'll then text you") is a follow-up, as "I'll also call
/// you" was; asking the customer to ring back is not.
#[test]
fn follow_up_with_an_adverb_and_any_contact_verb() {
    check_all(
        "follow_up",
        &[
            "I'll also ring you tomorrow after the visit to check it's sorted.",
            "We'll then text you when the engineer is on the way.",
            "I'll personally phone you on Friday.",
        ],
        &["You can also ring us tomorrow."],
    );
}

/// Tester t24, V8: an address of another team that then decides ("send them to
/// claims@example.com and the claims team will decide") is a transfer, not a channel move
/// (QA standard: channel_move is the same team); the same team's address still is one.
#[test]
fn channel_move_not_another_teams_address() {
    check_all(
        "channel_move",
        &["Please email the photos to help@acme.com and we'll take a look."],
        &["Then send them again to claims@example.com and the claims team will decide."],
    );
    assert_ne!(
        after_upset(
            "transfer",
            "Then send them again to claims@example.com and the claims team will decide."
        ),
        "0"
    );
}

/// Tester t24, E2: a sentence that opens with a contact promised for later ("I'll message you
/// tomorrow to make sure it's still working", "I've also asked my manager, Priya, to email you
/// today") is a follow-up, not resolution evidence; a fix said before the promise in the same
/// sentence still counts.
#[test]
fn resolution_not_a_follow_up_promise() {
    check_all(
        "resolution",
        &[
            "Orange means it's lost the line sync, so I'm sending a replacement router today, and I'll phone you on Friday to check it's working.",
        ],
        &[
            "I'll message you tomorrow to make sure it's still working.",
            "I've also asked my manager, Priya, to email you today to confirm.",
        ],
    );
    assert_ne!(
        after_upset(
            "follow_up",
            "I'll message you tomorrow to make sure it's still working."
        ),
        "0"
    );
}

/// Tester t24, E4: signals that fired for the wrong reason. "Exactly" counts as agreement
/// ("Exactly, that's it"), not as an adverb ("type it exactly as shown"); "first" ranking a thing
/// ("the first slot tomorrow") is no step, while a step opened by "First" in the same sentence
/// still is; a guess that puts the fault on the customer's side ("it's probably your router")
/// is not the agent sounding unsure.
#[test]
fn signals_for_the_right_reason() {
    check_all(
        "active_listening",
        &["Exactly, that's the problem.", "That's exactly right."],
        &["The label password is case-sensitive, try typing it with capitals exactly as shown."],
    );
    check_all(
        "stepwise",
        &["First, restart the router, then book the first slot."],
        &["I've rebooked the first slot tomorrow, 8 to 10am."],
    );
    check_all(
        "hedging",
        &["It'll probably arrive on Friday."],
        &["Connections drop sometimes, it's probably your router."],
    );
}

/// Tester t26, V8: a fix said before a promise to call in the same sentence ("I've re-sent the
/// 60 pounds to your card today, and I'll call you on Friday …") counts as the fix, as
/// docs/rubric.md says (`unless_first`); a sentence that opens with the promise, or has only the
/// promise's own time after it, is still a follow-up. The empathy sentence the tester's call
/// quoted as the fix instead ("you shouldn't have to chase us") is none.
#[test]
fn resolution_a_fix_said_before_a_follow_up_promise() {
    check_all(
        "resolution",
        &[
            "I've re-sent the 60 pounds to your card today, and I'll call you on Friday to make sure it's arrived.",
            "I've refunded the charge and we'll email you the receipt.",
            "I'm sending a replacement router today, and I'll give you a call on Friday.",
        ],
        &[
            "I'll call you on Friday to make sure it's arrived.",
            "We'll call you back within 2 hours.",
            "I'll give you a call on Friday.",
            "Thanks for waiting, we will be in touch by 5pm.",
            // the empathy beside it in the tester's call is no instruction either
            "I'm really sorry, I completely understand why you're fed up, you shouldn't have to chase us.",
        ],
    );
    assert_ne!(
        after_upset(
            "follow_up",
            "I've re-sent the 60 pounds to your card today, and I'll call you on Friday to make sure it's arrived."
        ),
        "0"
    );
}

/// Tester t26, V9: resolution's statement detector took non-fixes as the evidence. A brush-off
/// ("That's not our issue, it's your phone's settings"), finding what the customer sent ("I've
/// found your earlier email now") and a confirmation e-mail promised ("You'll get an email
/// confirming it within the hour": a follow-up) are not fixes; finding what was lost, and a fix
/// said before the promised e-mail, are.
#[test]
fn resolution_not_a_brush_off_a_found_email_or_a_promised_email() {
    check_all(
        "resolution",
        &[
            "I've found your parcel, it's at the Leeds depot.",
            "We've located the fault and fixed it.",
            "I've booked it for Friday and you'll get an email confirming it.",
        ],
        &[
            "That's not our issue, it's your phone's settings.",
            "It's nothing to do with us, it's your phone's settings.",
            "Apologies, I've found your earlier email now.",
            "You'll get an email confirming it within the hour.",
            "You should also receive a text confirming the new date.",
        ],
    );
}

/// Tester t26, V7: something sent to the company's own support e-mail ("send a photo of the
/// damage to our support email") is a move to e-mail with the same team (QA standard,
/// channel_move: "email to the support team"), as "email a photo … to us" was; a photo asked
/// for in the conversation itself, or sent to another company, is not.
#[test]
fn channel_move_to_the_support_email() {
    check_all(
        "channel_move",
        &[
            "Can you send a photo of the damage to our support email so we can see it?",
            "Please forward the receipt to our customer service email address.",
            "Send it to the support inbox and we'll take a look.",
        ],
        &[
            "Please send us a photo of the damage here in the chat.",
            "Send the photo to the seller's email address.",
        ],
    );
    assert!(none(&after_upset(
        "transfer",
        "Can you send a photo of the damage to our support email so we can see it?"
    )));
}

/// Tester t26, V5: a guide, article or FAQ pointed at ("You can find the guide here: <link>",
/// "here's a link to our guide") is "only a link with no step" (QA standard, resolution), which
/// the `you can …` cue counted; a step given with its link still is one.
#[test]
fn resolution_not_a_guide_pointed_at() {
    check_all(
        "resolution",
        &[
            "You can reset it in your account here: https://example.com/account",
            "Go to Settings and tap Reset Password.",
        ],
        &[
            "Hi! You can find the guide here: help.example.com/password",
            "You can find the guide here: https://help.example.com/password",
            "You'll find our FAQ below: https://help.example.com/faq",
            "Here's a link to our guide: https://help.example.com/password",
        ],
    );
}

/// Tester t26, V3: an offer of someone senior asked as a question ("Do you want to speak to my
/// supervisor?") is an offer, not a question to understand the issue (QA standard,
/// clarifying_question), as "Would you like to speak to my manager?" was; it is still the
/// premature escalation.
#[test]
fn clarifying_question_not_an_offer_of_a_supervisor() {
    check_all(
        "clarifying_question",
        &["Which supervisor did you speak to last time?"],
        &[
            "Do you want to speak to my supervisor?",
            "Can I get my manager for you?",
            "Do you want to talk to a team leader about this?",
        ],
    );
    assert_ne!(
        after_upset(
            "premature_escalation",
            "Do you want to speak to my supervisor?"
        ),
        "0"
    );
}
