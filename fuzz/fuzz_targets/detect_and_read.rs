//! Format detection (extension, then content sniffing) and the reader it picks, on arbitrary
//! bytes; the first byte picks the file name and the options.
#![no_main]

use callaudit::detect;
use callaudit_fuzz::{options, read_and_audit};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = [
    "-",
    "export",
    "calls.dat",
    "calls.csv",
    "calls.jsonl",
    "doc.json",
    "2024-03-05_call.vtt",
    "2024-03-05_call.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[(selector >> 5) as usize];
    if let Some(format) = detect(name, bytes) {
        read_and_audit(format, name, bytes, &options(selector));
    }
});
