//! Reading exports into calls. One file per input format, each behind the `Reader` trait;
//! `detect` picks the format from the extension and the first bytes, `--input-format` overrides.

pub mod csv;
pub mod dates;
pub mod enrich;
pub mod input;
pub mod jsonl;

use crate::accounting::{Accounting, SkipReason};
use crate::model::Call;
use std::fmt;
use std::io::BufRead;

/// The formats callaudit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputFormat {
    /// Utterance CSV (or TSV, `;`-separated), one row per utterance.
    Csv,
    /// Conversation JSONL, one call per line.
    Jsonl,
}

impl InputFormat {
    pub const ALL: &'static [InputFormat] = &[InputFormat::Csv, InputFormat::Jsonl];

    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Jsonl => "jsonl",
        }
    }

    pub fn from_name(name: &str) -> Option<InputFormat> {
        InputFormat::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The reader for this format.
    pub fn reader(self) -> Box<dyn Reader> {
        match self {
            InputFormat::Csv => Box::new(csv::CsvReader),
            InputFormat::Jsonl => Box::new(jsonl::JsonlReader),
        }
    }

    /// File name endings (before any `.gz`) that mark a transcript inside a directory.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            InputFormat::Csv => &["csv", "tsv"],
            InputFormat::Jsonl => &["jsonl", "ndjson"],
        }
    }
}

/// Picks a format from the file name (without `.gz`) and the first bytes of the content.
/// `None` when neither says.
pub fn detect(name: &str, head: &[u8]) -> Option<InputFormat> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    for f in InputFormat::ALL {
        if f.extensions().contains(&ext) {
            return Some(*f);
        }
    }
    sniff(head)
}

/// Content sniffing, for stdin and unknown extensions.
fn sniff(head: &[u8]) -> Option<InputFormat> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let first_line = trimmed.lines().next().unwrap_or("");
        if first_line.contains("\"turns\"") {
            return Some(InputFormat::Jsonl);
        }
        return None;
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    if [',', '\t', ';'].iter().any(|d| first_line.contains(*d)) {
        return Some(InputFormat::Csv);
    }
    None
}

/// Column roles of the utterance CSV, set by `--map role=COLUMN,...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub entries: Vec<(String, String)>,
}

impl ColumnMap {
    pub const ROLES: &'static [&'static str] = &[
        "call", "agent", "speaker", "text", "order", "date", "start", "end", "team", "queue",
    ];

    /// Parses `call=contact,agent=rep_name`.
    pub fn parse(spec: &str) -> Result<ColumnMap, String> {
        let mut entries = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, col) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected ROLE=COLUMN"))?;
            let role = role.trim().to_ascii_lowercase();
            if !ColumnMap::ROLES.contains(&role.as_str()) {
                return Err(format!(
                    "`{role}`: unknown role (expected one of {})",
                    ColumnMap::ROLES.join(", ")
                ));
            }
            entries.push((role, col.trim().to_string()));
        }
        Ok(ColumnMap { entries })
    }

    pub fn get(&self, role: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(r, _)| r == role)
            .map(|(_, c)| c.as_str())
    }
}

/// Options every reader may consult.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub map: ColumnMap,
    /// Field delimiter for CSV; sniffed from the header when `None`.
    pub delimiter: Option<u8>,
    /// Speaker names that are agents (WebVTT voices, plain-text prefixes).
    pub agent_names: Vec<String>,
    /// Stop at the first malformed row instead of skipping it.
    pub strict: bool,
}

/// What a reader gets for one input: where it is (for messages), the options, and the
/// run's accounting.
pub struct ReadContext<'a> {
    /// The file name as given (or `-` for stdin), for messages.
    pub name: &'a str,
    /// Index of the file in the run's canonical file order.
    pub source: u32,
    pub options: &'a ReadOptions,
    pub acct: &'a mut Accounting,
}

impl ReadContext<'_> {
    /// Counts a skipped row and warns with its position; in strict mode it is an error.
    pub fn skip(&mut self, reason: SkipReason, line: u64, message: &str) -> Result<(), ReadError> {
        self.acct.skip(reason, 1);
        let msg = format!(
            "{}:{line}: {message} ({}, skipped)",
            self.name,
            reason.describe()
        );
        if self.options.strict {
            return Err(ReadError::Strict(msg));
        }
        self.acct.warn(msg);
        Ok(())
    }
}

/// A problem that stops reading a file.
#[derive(Debug)]
pub enum ReadError {
    /// The file cannot be read, is truncated, or does not have the shape of its format.
    Input(String),
    /// A malformed row under `--strict`.
    Strict(String),
    /// The audit behind the reader stopped (an output could not be written).
    Stopped,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Input(m) | ReadError::Strict(m) => f.write_str(m),
            ReadError::Stopped => f.write_str("stopped"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Where readers hand calls (or parts of calls: rows of one call may come in several parts).
/// Returns `false` to ask the reader to stop.
pub type CallSink<'a> = dyn FnMut(Call) -> bool + 'a;

/// One input format.
pub trait Reader {
    /// Reads a whole input, handing each call (or contiguous part of one) to `sink`, counting
    /// every row in `ctx.acct` and skipping bad rows through `ctx.skip`.
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError>;
}

/// Text from bytes, counting rows that needed replacement characters.
pub fn text_lossy<'a>(
    bytes: &'a [u8],
    acct: &mut Accounting,
    lossy: &mut bool,
) -> std::borrow::Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            if !*lossy {
                *lossy = true;
                acct.rows_lossy_utf8 += 1;
            }
            String::from_utf8_lossy(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_extension_then_content() {
        assert_eq!(detect("a.CSV", b""), Some(InputFormat::Csv));
        assert_eq!(detect("a.ndjson", b""), Some(InputFormat::Jsonl));
        assert_eq!(
            detect("-", b"{\"call_id\":\"1\",\"turns\":[]}\n"),
            Some(InputFormat::Jsonl)
        );
        assert_eq!(
            detect("-", b"\xEF\xBB\xBFcall_id;text\n"),
            Some(InputFormat::Csv)
        );
        assert_eq!(detect("notes", b"hello"), None);
    }

    #[test]
    fn column_map_parses_and_rejects_unknown_roles() {
        let m = ColumnMap::parse("call=Contact ID, text = Utterance").unwrap();
        assert_eq!(m.get("call"), Some("Contact ID"));
        assert_eq!(m.get("text"), Some("Utterance"));
        assert!(
            ColumnMap::parse("caller=x")
                .unwrap_err()
                .contains("unknown role")
        );
        assert!(
            ColumnMap::parse("call")
                .unwrap_err()
                .contains("ROLE=COLUMN")
        );
    }
}
