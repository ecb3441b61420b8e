//! Normaliser, matcher and audit on arbitrary text: the input is split into turns at newlines,
//! and the first byte of each turn picks its speaker and whether it has timings.
#![no_main]

use callaudit::Auditor;
use callaudit::{Call, Speaker};
use callaudit_fuzz::rubric;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut call = Call::new("c1");
    let mut clock = 0u64;
    for (i, line) in text.split('\n').enumerate() {
        let mut chars = line.chars();
        let Some(first) = chars.next() else { continue };
        let speaker = match first as u32 % 3 {
            0 => Speaker::Agent,
            1 => Speaker::Customer,
            _ => Speaker::Other,
        };
        let body = chars.as_str();
        let turn = call.push_turn(speaker, body, i as u64 + 1);
        if first as u32 % 5 != 0 {
            clock += (first as u64 % 97) * 250;
            turn.start_ms = Some(clock);
            turn.end_ms = Some(clock + body.len() as u64 * 60);
        }
    }
    call.finish();
    for detail in [false, true] {
        let audit = Auditor::new(rubric(), detail).audit(&call);
        assert_eq!(audit.items.len(), rubric().items.len());
        assert!(audit.score_centi <= 10_000);
    }
});
