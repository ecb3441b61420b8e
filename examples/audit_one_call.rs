//! Using callaudit as a library: build a call in code, audit it with the built-in rubric, and
//! print each item's verdict and the score.
//!
//!     cargo run --example audit_one_call

use callaudit::Auditor;
use callaudit::Rubric;
use callaudit::{Call, Speaker};

fn main() {
    let rubric = Rubric::default_rubric();

    let mut call = Call::new("demo-1");
    call.agent_id = Some("ann.lee".into());
    let lines = [
        (
            Speaker::Customer,
            "My order arrived broken and nobody answers my emails. Ridiculous!",
        ),
        (
            Speaker::Agent,
            "I'm so sorry, that must be frustrating. Which item arrived broken?",
        ),
        (Speaker::Customer, "The blue teapot."),
        (
            Speaker::Agent,
            "Thank you. I've arranged a replacement, and I'll email you the tracking tomorrow.",
        ),
        (Speaker::Customer, "Great, thanks."),
    ];
    for (i, (speaker, text)) in lines.into_iter().enumerate() {
        call.push_turn(speaker, text, i as u64 + 1);
    }
    call.finish();

    // `true` asks for evidence and reasons, as `callaudit explain` shows them.
    let audit = Auditor::new(&rubric, true).audit(&call);
    let detail = audit.detail.as_ref().expect("audited with detail");
    for (i, item) in rubric.items.iter().enumerate() {
        println!(
            "{:<22} {:<10} {}",
            item.id,
            audit.items[i].verdict.as_str(),
            detail.reasons[i]
        );
    }
    println!(
        "score {:.1} ({})",
        callaudit::audit::shown_score(audit.score_centi),
        if audit.passed { "passed" } else { "failed" }
    );
}
