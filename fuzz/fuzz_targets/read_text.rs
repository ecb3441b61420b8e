//! The Text reader on arbitrary bytes; the first byte picks the read options.
#![no_main]

use callaudit::InputFormat;
use callaudit_fuzz::{options, read_and_audit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    read_and_audit(InputFormat::Text, "2024-03-05_call-1.txt", bytes, &options(selector));
});
