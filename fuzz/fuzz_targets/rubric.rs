//! The rubric compiler on arbitrary text; a rubric that compiles audits a small call.
#![no_main]

use callaudit::Auditor;
use callaudit::{Call, Speaker};
use callaudit::Rubric;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rubric) = Rubric::from_toml(text) else {
        return;
    };
    let mut call = Call::new("c1");
    let turns = [
        (Speaker::Customer, "This is RIDICULOUS!!! I was charged twice."),
        (Speaker::Agent, "I'm so sorry, I understand. So you were charged twice?"),
        (Speaker::Customer, "Yes."),
        (Speaker::Agent, "Let me put you on hold. Is there anything else? Thanks!"),
    ];
    for (i, (speaker, text)) in turns.into_iter().enumerate() {
        let t = call.push_turn(speaker, text, i as u64 + 1);
        t.start_ms = Some(i as u64 * 4000);
        t.end_ms = Some(i as u64 * 4000 + 3000);
    }
    call.finish();
    let audit = Auditor::new(&rubric, true).audit(&call);
    assert_eq!(audit.items.len(), rubric.items.len());
});
