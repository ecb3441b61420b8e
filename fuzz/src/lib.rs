//! What every fuzz target shares: run a reader on arbitrary bytes the way the pipeline does,
//! audit what it hands over, and hold it to the accounting invariant.

use callaudit::Accounting;
use callaudit::Auditor;
use callaudit::Call;
use callaudit::{InputFormat, ReadContext, ReadError, ReadErrorKind, ReadOptions};
use callaudit::Rubric;
use std::sync::OnceLock;

/// The built-in rubric, compiled once per process.
pub fn rubric() -> &'static Rubric {
    static RUBRIC: OnceLock<Rubric> = OnceLock::new();
    RUBRIC.get_or_init(Rubric::default_rubric)
}

/// Read options chosen by one byte of the input, so the fuzzer explores them too.
pub fn options(selector: u8) -> ReadOptions {
    ReadOptions {
        strict: selector & 1 != 0,
        delimiter: match (selector >> 1) & 3 {
            0 => None,
            1 => Some(b','),
            2 => Some(b'\t'),
            _ => Some(b';'),
        },
        agent_names: if selector & 8 != 0 {
            vec!["ann".into(), "Agent Smith".into()]
        } else {
            Vec::new()
        },
        ..ReadOptions::default()
    }
}

/// Reads `bytes` as `format` under the file name `name`, finishes and audits every call handed
/// over, and checks that no row went missing: on success every row read is a turn of a call or
/// skipped; on an error no row is counted twice.
pub fn read_and_audit(format: InputFormat, name: &str, bytes: &[u8], options: &ReadOptions) {
    let mut acct = Accounting::default();
    let mut ctx = ReadContext::new(name, 0, options, &mut acct);
    let mut auditor = Auditor::new(rubric(), true);
    let mut delivered = 0u64;
    let mut input: &[u8] = bytes;
    let result = format
        .reader()
        .read(&mut input, &mut ctx, &mut |mut call: Call| {
            delivered += call.turns.len() as u64;
            call.finish();
            let audit = auditor.audit(&call);
            assert_eq!(audit.items.len(), rubric().items.len());
            true
        });
    let skipped = acct.rows_skipped_total();
    match result {
        Ok(()) => assert_eq!(
            acct.rows_read,
            delivered + skipped,
            "{format:?}: rows read = rows delivered + rows skipped"
        ),
        Err(ReadError {
            kind: ReadErrorKind::Stopped,
            ..
        }) => unreachable!("the sink never stops"),
        Err(_) => assert!(
            delivered + skipped <= acct.rows_read,
            "{format:?}: a row counted twice"
        ),
    }
}
