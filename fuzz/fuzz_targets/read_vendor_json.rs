//! The whole-document JSON readers (the `json` dispatcher and each vendor format forced with
//! `--input-format`) on arbitrary bytes; the first byte picks the reader and the options.
#![no_main]

use callaudit::InputFormat;
use callaudit_fuzz::{options, read_and_audit};
use libfuzzer_sys::fuzz_target;

const FORMATS: [InputFormat; 6] = [
    InputFormat::Json,
    InputFormat::Transcribe,
    InputFormat::ContactLens,
    InputFormat::Pca,
    InputFormat::Genesys,
    InputFormat::Ccai,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = FORMATS[(selector >> 4) as usize % FORMATS.len()];
    read_and_audit(
        format,
        "call-77_AGENT_mia.k_2024-03-08.json",
        bytes,
        &options(selector),
    );
});
