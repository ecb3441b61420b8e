//! Reading exports into calls. One file per input format, each behind the `Reader` trait;
//! `detect` picks the format from the extension and the first bytes, `--input-format` overrides.

mod chunks;
pub mod csv;
pub mod dates;
pub mod enrich;
pub mod identity;
pub mod input;
pub mod json;
pub mod json_id;
pub mod jsonl;
pub(crate) mod line_tracker;
pub mod path_date;
pub mod text;
pub mod vendor;
pub mod vtt;

use crate::accounting::{Accounting, SkipReason};
use crate::model::{Call, Speaker, Turn};
use chrono::NaiveDate;
use std::fmt;
use std::io::{self, BufRead};

/// The formats callaudit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputFormat {
    /// Utterance CSV (or TSV, `;`-separated), one row per utterance.
    Csv,
    /// Conversation JSONL, one call per line.
    Jsonl,
    /// A whole JSON document of one of the vendor formats below, recognised by its keys.
    Json,
    /// Amazon Transcribe Call Analytics output.
    Transcribe,
    /// Amazon Connect Contact Lens analysis (voice or chat).
    ContactLens,
    /// Output of Amazon's post-call analytics (PCA) sample solution.
    Pca,
    /// Genesys Cloud speech and text analytics transcript.
    Genesys,
    /// Google CCAI Insights: the import format or the API conversation resource.
    Ccai,
    /// WebVTT captions with `<v Name>` voices.
    Vtt,
    /// Plain text with `Agent:` / `Customer:` line prefixes.
    Text,
}

impl InputFormat {
    pub const ALL: &'static [InputFormat] = &[
        InputFormat::Csv,
        InputFormat::Jsonl,
        InputFormat::Json,
        InputFormat::Transcribe,
        InputFormat::ContactLens,
        InputFormat::Pca,
        InputFormat::Genesys,
        InputFormat::Ccai,
        InputFormat::Vtt,
        InputFormat::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Json => "json",
            InputFormat::Transcribe => "transcribe",
            InputFormat::ContactLens => "contact-lens",
            InputFormat::Pca => "pca",
            InputFormat::Genesys => "genesys",
            InputFormat::Ccai => "ccai",
            InputFormat::Vtt => "vtt",
            InputFormat::Text => "text",
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
            InputFormat::Json => Box::new(json::JsonReader),
            InputFormat::Transcribe => Box::new(vendor::transcribe::TranscribeReader),
            InputFormat::ContactLens => Box::new(vendor::contact_lens::ContactLensReader),
            InputFormat::Pca => Box::new(vendor::pca::PcaReader),
            InputFormat::Genesys => Box::new(vendor::genesys::GenesysReader),
            InputFormat::Ccai => Box::new(vendor::ccai::CcaiReader),
            InputFormat::Vtt => Box::new(vtt::VttReader),
            InputFormat::Text => Box::new(text::TextReader),
        }
    }

    /// File name endings (before any `.gz`) that mark a transcript inside a directory. The
    /// vendor JSON formats share `.json`, where their keys tell them apart (see `json`).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            InputFormat::Csv => &["csv", "tsv"],
            InputFormat::Jsonl => &["jsonl", "ndjson"],
            InputFormat::Json => &["json"],
            InputFormat::Vtt => &["vtt"],
            InputFormat::Text => &["txt"],
            InputFormat::Transcribe
            | InputFormat::ContactLens
            | InputFormat::Pca
            | InputFormat::Genesys
            | InputFormat::Ccai => &[],
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

/// Why a text file cannot be read, from its first bytes: it is UTF-16 or UTF-32, by its
/// byte-order mark (`FF FE`, `FE FF`, `FF FE 00 00`, `00 00 FE FF`). callaudit reads UTF-8 (and
/// Latin-1 lossily): read as UTF-8, such a file's every other byte is a NUL, and its header or
/// first line looks like nothing known, which would be a misleading error. `None` for anything
/// else. The one check every text input goes through (the transcripts of every format, and the
/// `--metadata` and `--agents` CSVs).
pub fn wide_encoding(head: &[u8]) -> Option<String> {
    let (encoding, mark) = if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        ("UTF-32, little-endian", "FF FE 00 00")
    } else if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        ("UTF-32, big-endian", "00 00 FE FF")
    } else if head.starts_with(&[0xFF, 0xFE]) {
        ("UTF-16, little-endian", "FF FE")
    } else if head.starts_with(&[0xFE, 0xFF]) {
        ("UTF-16, big-endian", "FE FF")
    } else {
        return utf16_without_mark(head);
    };
    Some(format!(
        "the file is {encoding} (it starts with the byte-order mark {mark}); callaudit reads \
         UTF-8: save it as UTF-8 (e.g. `iconv -f {} -t UTF-8`)",
        encoding.split(',').next().unwrap_or(encoding)
    ))
}

/// UTF-16 written without a byte-order mark (some exporters do): ASCII text with a NUL before
/// or after every byte. Told by the first 64 pairs of bytes, of which all but a few must be such
/// (a NUL and a byte below 0x80); UTF-8 text has no NULs between its letters.
fn utf16_without_mark(head: &[u8]) -> Option<String> {
    // Every text input's first bytes pass here once: counted in place, nothing allocated.
    let pairs = || head.chunks_exact(2).take(64);
    let n = pairs().len();
    if n < 4 {
        return None;
    }
    let ascii = |b: u8| b != 0 && b < 0x80;
    let le = pairs().filter(|p| ascii(p[0]) && p[1] == 0).count();
    let be = pairs().filter(|p| p[0] == 0 && ascii(p[1])).count();
    let (count, encoding) = if le >= be {
        (le, "little-endian")
    } else {
        (be, "big-endian")
    };
    (count * 10 >= n * 9).then(|| {
        format!(
            "the file looks like UTF-16, {encoding}, without a byte-order mark (a NUL byte beside \
             every letter); callaudit reads UTF-8: save it as UTF-8 (e.g. `iconv -f UTF-16{} -t \
             UTF-8`)",
            if encoding == "little-endian" {
                "LE"
            } else {
                "BE"
            }
        )
    })
}

/// Content sniffing, for stdin and unknown extensions. JSON that is not conversation JSONL
/// goes to the `json` reader, which tells the vendor formats apart by their keys on the
/// whole document (a head of the file may not reach them).
fn sniff(head: &[u8]) -> Option<InputFormat> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let trimmed = text.trim_start();
    let first_line = trimmed.lines().next().unwrap_or("");
    if vtt::is_header(first_line) {
        return Some(InputFormat::Vtt);
    }
    // Before JSON and CSV: `[00:00:01] Agent: Hello, how can I help?` starts like a JSON
    // array and has commas.
    if text::looks_like_transcript(trimmed) {
        return Some(InputFormat::Text);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Some(if looks_like_jsonl(trimmed) {
            InputFormat::Jsonl
        } else {
            InputFormat::Json
        });
    }
    if [',', '\t', ';'].iter().any(|d| first_line.contains(*d)) {
        return Some(InputFormat::Csv);
    }
    None
}

/// JSONL: the first line is a whole object with a `turns` array, or is followed by another
/// line that starts an object.
fn looks_like_jsonl(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    match serde_json::from_str::<serde_json::Value>(first) {
        Ok(serde_json::Value::Object(o)) => {
            o.contains_key("turns") || lines.next().is_some_and(|l| l.starts_with('{'))
        }
        _ => false,
    }
}

/// Column roles of the utterance CSV, set by `--map role=COLUMN,...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub entries: Vec<(String, String)>,
}

impl ColumnMap {
    pub const ROLES: &'static [&'static str] = &[
        "call", "agent", "speaker", "text", "order", "date", "start", "end", "team", "queue",
        "channel",
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
            // Naming a role twice is a slip in the spec (one of the two columns would be
            // ignored without a word), not an override.
            if let Some((_, first)) = entries.iter().find(|(r, _)| *r == role) {
                return Err(format!(
                    "`{role}` is given twice (`{first}` and `{}`): a role names one column",
                    col.trim()
                ));
            }
            entries.push((role, col.trim().to_string()));
        }
        Ok(ColumnMap { entries })
    }

    pub fn get(&self, role: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, c)| c.as_str())
    }
}

/// The default of `--max-call-bytes`: the most a call (its text and turns), a line, a CSV record
/// or a vendor JSON document may take.
pub const DEFAULT_MAX_CALL_BYTES: u64 = 64 << 20;

/// Options every reader may consult.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub map: ColumnMap,
    /// Field delimiter for CSV; sniffed from the header when `None`.
    pub delimiter: Option<u8>,
    /// Speaker names that are agents (WebVTT voices, plain-text prefixes).
    pub agent_names: Vec<String>,
    /// Stop at the first malformed row instead of skipping it.
    pub strict: bool,
    /// `--max-call-bytes`: a call, line, record or document over it is skipped and counted.
    pub max_call_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            map: ColumnMap::default(),
            delimiter: None,
            agent_names: Vec::new(),
            strict: false,
            max_call_bytes: DEFAULT_MAX_CALL_BYTES,
        }
    }
}

/// `--max-call-bytes` for messages: `64 MiB`, `1000 bytes`.
pub fn describe_bytes(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// An id that says there is none: empty, or the placeholders exports write for a missing value
/// (`None` from Python, `null`). Such ids are absent, never one call shared by every row or
/// file that has them.
pub fn is_placeholder_id(id: &str) -> bool {
    let id = id.trim();
    id.is_empty() || id.eq_ignore_ascii_case("none") || id.eq_ignore_ascii_case("null")
}

/// The id, trimmed, unless it is a placeholder (see `is_placeholder_id`).
pub fn known_id(id: &str) -> Option<&str> {
    (!is_placeholder_id(id)).then(|| id.trim())
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
    /// Batches of calls the audit has finished with, to be reused by `new_call`.
    recycled: Option<&'a Recycled>,
    spare: Vec<Call>,
    /// Set when the input is a large plain file read inside the run's thread pool: the CSV and
    /// JSONL readers may then parse it in blocks of this many bytes on the pool
    /// (`csv/chunked.rs`, `jsonl/chunked.rs`).
    pub chunk_block: Option<usize>,
    /// The id of the last call begun (`new_call`): the one cut short when reading fails.
    last_call: String,
    /// The input has an end (a regular file, or the copy of stdin or a pipe): a line or
    /// record over `--max-call-bytes` is passed over to its end however long it is. When
    /// `false` (a device such as `/dev/zero`, and by default) one that goes on past
    /// `DISCARD_FACTOR` times the limit is taken for endless input, and reading it fails there
    /// (see `discard_cap`).
    pub bounded: bool,
}

impl<'a> ReadContext<'a> {
    pub fn new(
        name: &'a str,
        source: u32,
        options: &'a ReadOptions,
        acct: &'a mut Accounting,
    ) -> ReadContext<'a> {
        ReadContext {
            name,
            source,
            options,
            acct,
            recycled: None,
            spare: Vec::new(),
            chunk_block: None,
            last_call: String::new(),
            bounded: false,
        }
    }

    /// Reuse calls that come back on `recycled` (the run's audit sends finished batches back),
    /// so that reading does not allocate a call's buffers again for every call.
    pub fn recycling(mut self, recycled: &'a Recycled) -> Self {
        self.recycled = Some(recycled);
        self
    }
}

impl ReadContext<'_> {
    /// How many bytes of an over-long line or record, past the limit, are passed over before
    /// the input is taken to be endless: no bound for an input that has an end (`bounded`).
    pub fn discard_cap(&self) -> u64 {
        discard_cap(self.bounded, self.options.max_call_bytes)
    }

    /// The error that ends an input taken to be endless at `line` (see `discard_cap`): what
    /// it gave before is kept, the rest is not read, and the file counts as one that could not
    /// be read to its end (exit 2, or passed over with `--keep-going`).
    pub fn endless(&self, line: u64) -> ReadError {
        self.error(
            At::Line(line),
            ReadErrorKind::Io,
            format!(
                "cannot read: the line goes on for more than {} without an end (an endless input, such as a device?): the rest is not read",
                describe_bytes(self.discard_cap())
            ),
        )
    }

    /// Counts a skipped row and warns with its position; in strict mode it is an error.
    pub fn skip(&mut self, reason: SkipReason, line: u64, message: &str) -> Result<(), ReadError> {
        self.skip_described(reason, At::Line(line), message, 1)
    }

    /// Like `skip`, for one record that holds several rows (an unclosed quote that swallowed
    /// the rows after it): all `rows` are counted as skipped.
    pub fn skip_rows(
        &mut self,
        reason: SkipReason,
        line: u64,
        rows: u64,
        message: &str,
    ) -> Result<(), ReadError> {
        self.skip_described(reason, At::Line(line), message, rows)
    }

    /// Like `skip`, for formats without lines: the position is a path into the document,
    /// e.g. `Transcript[7]` (1-based, like a line number).
    pub fn skip_at(
        &mut self,
        reason: SkipReason,
        position: &str,
        message: &str,
    ) -> Result<(), ReadError> {
        self.skip_described(reason, At::Path(position.to_string()), message, 1)
    }

    fn skip_described(
        &mut self,
        reason: SkipReason,
        at: At,
        message: &str,
        rows: u64,
    ) -> Result<(), ReadError> {
        self.acct.skip(reason, rows);
        let what = if rows == 1 {
            reason.describe().to_string()
        } else {
            format!("{rows} rows, {}", reason.describe())
        };
        // Under --strict the row stops the run: it is not "skipped" and read on.
        let outcome = if self.options.strict {
            "--strict stops here"
        } else {
            "skipped"
        };
        let error = self.error(
            at,
            ReadErrorKind::Strict,
            format!("{message} ({what}, {outcome})"),
        );
        if self.options.strict {
            return Err(error);
        }
        self.acct.warn(error.to_string());
        Ok(())
    }

    /// A problem in this file at `at`.
    pub fn error(&self, at: At, kind: ReadErrorKind, message: impl Into<String>) -> ReadError {
        ReadError::new(self.name, at, kind, message)
    }

    /// Adds a turn to `call`, unless the call would then take more than `--max-call-bytes`:
    /// then the call is too large, its turns are dropped, and they, this row and every later
    /// row of the call are counted as skipped (too large). `None` when the row was skipped.
    pub fn push_turn<'c>(
        &mut self,
        call: &'c mut Call,
        speaker: Speaker,
        text: &str,
        line: u64,
    ) -> Result<Option<&'c mut Turn>, ReadError> {
        if call.too_large {
            self.skip_row_of_large_call(call);
            return Ok(None);
        }
        let grown = call.bytes() + text.len() as u64 + 1 + std::mem::size_of::<Turn>() as u64;
        if grown > self.options.max_call_bytes {
            self.call_too_large(call, line, 1)?;
            return Ok(None);
        }
        Ok(Some(call.push_turn(speaker, text, line)))
    }

    /// Drops `call` for its size (see `push_turn`): its turns and `more` rows (the row that
    /// did not fit) are counted as skipped, and noted on the call, which the run reports once
    /// it is complete, with every row of it in every part (`Collector::too_large`). Under
    /// `--strict` the run stops here.
    pub fn call_too_large(
        &mut self,
        call: &mut Call,
        line: u64,
        more: u64,
    ) -> Result<(), ReadError> {
        let rows = call.drop_for_size() + more;
        if self.options.strict {
            let message = format!(
                "call {} takes more than {} (--max-call-bytes)",
                call.id,
                describe_bytes(self.options.max_call_bytes)
            );
            return self.skip_rows(SkipReason::TooLarge, line, rows, &message);
        }
        self.acct.skip(SkipReason::TooLarge, rows);
        call.rows_too_large += rows;
        call.over_at = Some((self.source, line));
        Ok(())
    }

    /// A row of `call` (the whole file's call: plain text) on a line over the limit, passed
    /// over (`Lines::next_or_too_long`): counted as read, and as the call takes more than the
    /// limit with it, the call is dropped for its size (`call_too_large`), never audited
    /// without it.
    pub fn row_too_long(&mut self, call: &mut Call, line: u64) -> Result<(), ReadError> {
        self.acct.rows_read += 1;
        if call.too_large {
            self.skip_row_of_large_call(call);
            return Ok(());
        }
        self.call_too_large(call, line, 1)
    }

    /// Counts a row of a call already dropped for its size: skipped as too large, and noted
    /// on the call (see `call_too_large`).
    pub fn skip_row_of_large_call(&mut self, call: &mut Call) {
        self.acct.skip(SkipReason::TooLarge, 1);
        call.rows_too_large += 1;
    }

    /// Counts one utterance of a whole-document format and adds it to `call` as turn
    /// `index` (1-based), or skips it when its text is empty. `position` names it in messages.
    pub fn utterance<'c>(
        &mut self,
        call: &'c mut Call,
        speaker: Speaker,
        text: &str,
        index: u64,
        position: &dyn Fn() -> String,
    ) -> Result<Option<&'c mut Turn>, ReadError> {
        self.acct.rows_read += 1;
        if text.trim().is_empty() {
            self.skip_at(SkipReason::MissingText, &position(), "no text")?;
            return Ok(None);
        }
        let Some(turn) = self.push_turn(call, speaker, text, index)? else {
            return Ok(None);
        };
        if speaker == Speaker::Other {
            self.acct.rows_other_speaker += 1;
        }
        Ok(Some(turn))
    }

    /// Hands the one call of a whole-document input to the sink. A document without a single
    /// utterance left goes on too: the pipeline counts and reports it as a call with nothing
    /// to audit (so that the file is not silently empty) unless its call id has utterances
    /// elsewhere in the run. A call dropped for its size goes on, to be counted as such.
    ///
    /// Unless the document gave rows and every one was skipped as bad (not for its size): then
    /// the file has not one usable row, which stops the run or, with `--keep-going`, is counted
    /// in `files_unusable`, as for a CSV or JSONL file of bad rows; its call is not counted
    /// (nor warned about) a second time as empty.
    pub fn deliver(&mut self, call: Call, sink: &mut CallSink<'_>) -> Result<(), ReadError> {
        if call.turns.is_empty() && !call.too_large {
            let too_large = self
                .acct
                .rows_skipped
                .get(&SkipReason::TooLarge)
                .copied()
                .unwrap_or(0);
            let usable = self
                .acct
                .rows_read
                .saturating_sub(self.acct.rows_skipped_total())
                + too_large;
            if self.acct.rows_read > 0 && usable == 0 {
                return Ok(());
            }
        }
        if !sink(call) {
            return Err(ReadError::stopped());
        }
        Ok(())
    }

    /// Counts and reports a call with nothing to audit, at its line if it has one.
    pub fn empty_call(&mut self, id: &str, line: Option<u64>) {
        self.acct.calls_empty += 1;
        let at = match line {
            Some(line) => format!("{}:{line}", self.name),
            None => self.name.to_string(),
        };
        self.acct
            .warn(format!("{at}: call {id} has no utterance to audit"));
    }

    /// Calls to reuse (those left from before, else a batch the audit sent back), for a reader
    /// that makes its calls elsewhere (the chunked JSONL reader, on the pool).
    pub(crate) fn take_spare(&mut self) -> Vec<Call> {
        self.refill_spare();
        std::mem::take(&mut self.spare)
    }

    /// With no spare call left, takes a batch the audit sent back (if one is waiting).
    fn refill_spare(&mut self) {
        if self.spare.is_empty()
            && let Some(batch) = self
                .recycled
                .and_then(|r| r.lock().ok().and_then(|r| r.try_recv().ok()))
        {
            self.spare = batch;
        }
    }

    /// A new call for this input, starting at its first line. Its id is composed
    /// (`model::nfc`): canonically equivalent ids (`Ré-1` from Windows and from a Mac) are
    /// one id before anything goes by the id (the shard, the assembly of its parts).
    pub fn new_call(&mut self, id: impl AsRef<str>) -> Call {
        self.refill_spare();
        let id = crate::model::nfc(id.as_ref());
        let mut call = match self.spare.pop() {
            Some(mut c) => {
                c.reset(&id);
                c
            }
            None => Call::new(id.as_ref()),
        };
        call.source = self.source;
        call.line = 1;
        self.last_call.clear();
        self.last_call.push_str(&call.id);
        call
    }

    /// Begins a call named by its file (`call_id_from_name`): formats without a call id, or a
    /// vendor file that gives none (see `Call::id_from_file_name`).
    pub fn new_call_named_by_file(&mut self) -> Call {
        let mut call = self.new_call(call_id_from_name(self.name));
        call.id_from_file_name = true;
        call
    }

    /// Begins a call with the id its document gives, or named by its file when it gives none.
    pub fn new_call_or_named_by_file(&mut self, id: Option<String>) -> Call {
        match id {
            Some(id) => self.new_call(id),
            None => self.new_call_named_by_file(),
        }
    }

    /// The id of the last call begun, if any.
    pub fn last_call(&self) -> Option<&str> {
        (!self.last_call.is_empty()).then_some(self.last_call.as_str())
    }
}

/// The call id formats without one use: the file name without directories, `.gz` and its
/// extension (`exports/call-8841.vtt.gz` → `call-8841`); `stdin` for `-`.
pub fn call_id_from_name(name: &str) -> String {
    if name == "-" {
        return "stdin".into();
    }
    let file = std::path::Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name);
    let file = file
        .strip_suffix(".gz")
        .or_else(|| file.strip_suffix(".GZ"))
        .unwrap_or(file);
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => file.to_string(),
    }
}

/// A date written in a file name as `YYYY-MM-DD` (the first one, not part of a longer run of
/// digits), for formats whose content has none: `2024-03-05_call-17.vtt`. Only the file name
/// counts, not the directories above it.
pub fn date_in_file_name(name: &str) -> Option<NaiveDate> {
    let file = std::path::Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name);
    let b = file.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let w = &b[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if bounded && digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10)
        {
            NaiveDate::parse_from_str(&file[i..i + 10], "%Y-%m-%d").ok()
        } else {
            None
        }
    })
}

/// The UTC date of an epoch time in ms; `None` for offsets from a call start (anything before
/// 2001), which carry no date.
pub fn epoch_ms_date(ms: u64) -> Option<NaiveDate> {
    (ms > 1_000_000_000_000)
        .then(|| chrono::DateTime::from_timestamp_millis(ms as i64))
        .flatten()
        .map(|d| d.date_naive())
}

/// Milliseconds from a non-negative number of seconds.
pub fn secs_to_ms(secs: f64) -> Option<u64> {
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as u64)
}

/// Milliseconds from a non-negative number of milliseconds.
pub fn ms(value: f64) -> Option<u64> {
    (value.is_finite() && value >= 0.0).then(|| value.round() as u64)
}

/// See `ReadContext::discard_cap`.
pub(crate) fn discard_cap(bounded: bool, limit: u64) -> u64 {
    if bounded {
        u64::MAX
    } else {
        limit.saturating_mul(line_tracker::DISCARD_FACTOR)
    }
}

/// Reads an input one line at a time for the line-based formats (JSONL, WebVTT, plain text):
/// lines are numbered from 1, their line end is removed, and a line with bytes that are not
/// UTF-8 is decoded with replacement characters and counted. A line over `--max-call-bytes` is
/// passed over to its end without being held, counted as a row skipped (too large) and
/// reported, and reading goes on after it (`next_or_too_long` also hands it over). In an input that may have no end
/// (`ReadContext::bounded` false: `/dev/zero`), one that goes on for `DISCARD_FACTOR` times the
/// limit ends the input there, with an error (`ReadContext::endless`).
///
/// A line ends at a line feed; with `Lines::cr_too` (plain text, WebVTT) also at a lone
/// carriage return (old Mac exports; the WebVTT spec allows CR, LF and CRLF), and a CRLF is one
/// line end. JSONL keeps line feeds only: JSON Lines separates records by `\n`, a lone CR
/// inside a record is JSON whitespace (splitting there would break a valid record), and the
/// chunked JSONL reader cuts its blocks and numbers its lines at line feeds.
#[derive(Default)]
pub struct Lines {
    buf: Vec<u8>,
    number: u64,
    /// A lone carriage return ends a line too.
    cr: bool,
    /// The last line ended with a carriage return: a line feed right after it is its end too.
    after_cr: bool,
}

/// How a line was read.
enum LineRead {
    /// The input ended before any byte.
    End,
    /// A line (in `buf`).
    Line,
    /// A line over the limit, passed over; `true` when it was given up on as endless.
    TooLong(bool),
}

impl Lines {
    /// Lines numbered from `lines_before + 1`: for the rest of an input whose first lines were
    /// read elsewhere (the chunked JSONL reader).
    pub(crate) fn after(lines_before: u64) -> Lines {
        Lines {
            number: lines_before,
            ..Lines::default()
        }
    }

    /// Lines that end at a line feed, a carriage return, or both (CRLF).
    pub fn cr_too() -> Lines {
        Lines {
            cr: true,
            ..Lines::default()
        }
    }

    /// The number of the last line read.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line and its number, or `None` at the end of the input. Lines over the limit
    /// are passed over, each counted and reported as a row skipped (too large).
    pub fn next(
        &mut self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
    ) -> Result<Option<(u64, std::borrow::Cow<'_, str>)>, ReadError> {
        let limit = ctx.options.max_call_bytes;
        let cap = ctx.discard_cap();
        loop {
            match self.advance(input, ctx, limit, cap, Count::Always)? {
                Advanced::End => return Ok(None),
                Advanced::Line => {
                    return Ok(Some((
                        self.number,
                        line_text(&self.buf, self.number, ctx.acct),
                    )));
                }
                Advanced::TooLong => {}
            }
        }
    }

    /// Like `next`, but a line over the limit, once passed over, is handed over with its
    /// number and first bytes (up to 64 KiB, at most the limit), neither counted nor reported:
    /// the reader says what it is a row of. In plain text and WebVTT, whose call is the whole
    /// file, it makes the call too large; in JSONL, the call its first bytes name (see
    /// `jsonl::call_id_in_head`).
    pub fn next_or_too_long(
        &mut self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        count: Count,
    ) -> Result<Option<Line<'_>>, ReadError> {
        let limit = ctx.options.max_call_bytes;
        let cap = ctx.discard_cap();
        Ok(match self.advance(input, ctx, limit, cap, count)? {
            Advanced::End => None,
            Advanced::Line => Some(Line::Text(
                self.number,
                line_text(&self.buf, self.number, ctx.acct),
            )),
            Advanced::TooLong => Some(Line::TooLong(self.number, &self.buf)),
        })
    }

    /// Reads the next line into `buf`, or passes over one over `limit` (with `count`, counted
    /// and reported as a row skipped, too large), or fails on one longer than `cap` (endless
    /// input). Inlined: it is JSONL's per-line loop (`next`).
    #[inline(always)]
    fn advance(
        &mut self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        limit: u64,
        cap: u64,
        count: Count,
    ) -> Result<Advanced, ReadError> {
        self.buf.clear();
        // After a line that ended at a CR, a LF next is the rest of a CRLF.
        let crlf_rest = if std::mem::take(&mut self.after_cr) {
            skip_line_feed(input)
        } else {
            Ok(())
        };
        let (read, ended_cr) = crlf_rest
            .and_then(|()| read_line_within(input, &mut self.buf, limit, cap, self.cr))
            .map_err(|e| {
                ctx.error(
                    At::Line(self.number + 1),
                    ReadErrorKind::Io,
                    format!("cannot read: {e}"),
                )
            })?;
        self.after_cr = ended_cr;
        match read {
            LineRead::End => Ok(Advanced::End),
            LineRead::Line => {
                self.number += 1;
                Ok(Advanced::Line)
            }
            LineRead::TooLong(endless) => {
                self.number += 1;
                if count == Count::Always || (endless && count == Count::Endless) {
                    ctx.acct.rows_read += 1;
                    ctx.skip(
                        SkipReason::TooLarge,
                        self.number,
                        &format!(
                            "a line of more than {} (--max-call-bytes)",
                            describe_bytes(limit)
                        ),
                    )?;
                }
                if endless {
                    return Err(ctx.endless(self.number));
                }
                Ok(Advanced::TooLong)
            }
        }
    }
}

/// Which lines over the limit `Lines::advance` counts (as read, and skipped as too large) and
/// reports itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Every one (`Lines::next`).
    Always,
    /// Only one given up on as endless, which ends the file; the others are the reader's to
    /// count (JSONL).
    Endless,
    /// None: the reader counts them (plain text, WebVTT).
    Never,
}

/// What `Lines::advance` did.
enum Advanced {
    /// The input ended.
    End,
    /// A line was read into the buffer.
    Line,
    /// A line over the limit was passed over.
    TooLong,
}

/// A line from `Lines::next_or_too_long`.
pub enum Line<'a> {
    /// A line: its number and text.
    Text(u64, std::borrow::Cow<'a, str>),
    /// A line over `--max-call-bytes`, passed over (not counted): its number and first bytes.
    TooLong(u64, &'a [u8]),
}

/// Reads one line (with its line end) into `buf`, holding at most `limit` bytes of it; a longer
/// line is passed over to its end, unless it has more than `cap` bytes before its line feed
/// (or the end; see `ReadContext::discard_cap`): then it is given up on as endless, however the
/// input's reads fall.
/// With `cr`, a carriage return ends the line too; the second value says the line ended so
/// (a line feed after it belongs to it, see `skip_line_feed`). Inlined into `Lines::advance`,
/// as it is JSONL's per-line loop.
#[inline(always)]
fn read_line_within(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: u64,
    cap: u64,
    cr: bool,
) -> io::Result<(LineRead, bool)> {
    let mut over = false;
    let mut passed_over = 0u64;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((
                if over {
                    LineRead::TooLong(false)
                } else if buf.is_empty() {
                    LineRead::End
                } else {
                    LineRead::Line
                },
                false,
            ));
        }
        let end = if cr {
            memchr::memchr2(b'\n', b'\r', chunk)
        } else {
            memchr::memchr(b'\n', chunk)
        };
        let (take, ends) = match end {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let ended_cr = ends && chunk[take - 1] == b'\r';
        // What is kept of a line over the limit: its first bytes, where a JSONL line names its
        // call (`Lines::next_or_too_long`).
        let keep = (limit as usize).min(TOO_LONG_HEAD);
        if !over && (buf.len() + take) as u64 > limit {
            over = true;
            passed_over = buf.len() as u64;
            buf.truncate(keep);
        }
        if over {
            // The bytes before the line feed decide, not where the input's reads happen to
            // end, so that a chunked reader decides as the serial one does.
            let body = take - usize::from(ends);
            passed_over += body as u64;
            if buf.len() < keep {
                buf.extend_from_slice(&chunk[..body.min(keep - buf.len())]);
            }
        } else {
            buf.extend_from_slice(&chunk[..take]);
        }
        input.consume(take);
        if over && passed_over > cap {
            return Ok((LineRead::TooLong(true), false));
        }
        if ends {
            return Ok((
                if over {
                    LineRead::TooLong(false)
                } else {
                    LineRead::Line
                },
                ended_cr,
            ));
        }
    }
}

/// The first bytes of a line over the limit kept for `Lines::next_or_too_long` (at most the
/// limit).
const TOO_LONG_HEAD: usize = 64 * 1024;

/// After a line that ended at a carriage return: a line feed next is the rest of a CRLF.
fn skip_line_feed(input: &mut dyn BufRead) -> io::Result<()> {
    loop {
        match input.fill_buf() {
            Ok(chunk) => {
                if chunk.first() == Some(&b'\n') {
                    input.consume(1);
                }
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Where finished batches of calls come back to the reader for reuse (locked only when the
/// reader runs out of spare calls, once a batch).
pub type Recycled = std::sync::Mutex<std::sync::mpsc::Receiver<Vec<Call>>>;

/// A problem that stops reading a file: which file, where in it, what kind of problem, and the
/// message for people. Shown as `file:line: message` (or `file:line:column:`, `file: path:`,
/// `file:`), the way `RubricError` shows its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file name as given (`-` for stdin); empty for problems of no one file.
    pub file: String,
    /// Where in the file.
    pub at: At,
    /// What kind of problem.
    pub kind: ReadErrorKind,
    /// What went wrong, without the position.
    pub message: String,
    /// The call the reader was in the middle of when it failed (the last it began, not handed
    /// on yet): cut short by the failure. Set by the run (`pipeline::settle`).
    pub cut_call: Option<String>,
}

/// Where in a file a read problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// The file as a whole.
    File,
    /// A line (1-based).
    Line(u64),
    /// A line and column (1-based), in a JSON document.
    LineColumn(u64, u64),
    /// A path into a document, e.g. `Transcript[7]` (1-based, like a line number).
    Path(String),
}

/// The kinds of problems that stop reading a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The file cannot be opened or read (or a temporary file written).
    Io,
    /// The format cannot be told from the name or the content.
    UnknownFormat,
    /// The content is not valid JSON.
    Syntax,
    /// The file does not have the shape of its format (first line, keys, header).
    Shape,
    /// A CSV header lacks a column a role needs (or one `--map` names).
    MissingColumn,
    /// Not one row of the file could be used.
    NoUsableRow,
    /// A malformed row under `--strict`.
    Strict,
    /// The file is not in an encoding callaudit reads (UTF-16 or UTF-32, by its byte-order
    /// mark).
    Encoding,
    /// The audit behind the reader stopped (an output could not be written).
    Stopped,
    /// callaudit's own temporary file (the copy of a pipe) could not be made or written: the
    /// run's error, never a file passed over (the input was fine).
    TempFile,
}

impl ReadError {
    /// A problem in `file` at `at`.
    pub fn new(file: &str, at: At, kind: ReadErrorKind, message: impl Into<String>) -> ReadError {
        ReadError {
            file: file.to_string(),
            at,
            kind,
            message: message.into(),
            cut_call: None,
        }
    }

    /// The audit behind the reader stopped.
    pub fn stopped() -> ReadError {
        ReadError::new("", At::File, ReadErrorKind::Stopped, "stopped")
    }
}

impl fmt::Display for At {
    /// The position after the file name: `:12`, `:2:8`, ` Transcript[7]`; nothing for `File`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::File => Ok(()),
            At::Line(line) => write!(f, ":{line}"),
            At::LineColumn(line, column) => write!(f, ":{line}:{column}"),
            At::Path(path) => write!(f, ": {path}"),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ReadErrorKind::Stopped || self.file.is_empty() {
            return f.write_str(&self.message);
        }
        write!(f, "{}{}: {}", self.file, self.at, self.message)
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

/// A line's text: its line end (the trailing run of `\n` and `\r`) cut off, invalid UTF-8
/// replaced and counted, the first such line's `number` noted (`lossy_first_line`). What
/// `Lines` and the chunked JSONL reader both make of a line.
pub(crate) fn line_text<'a>(
    line: &'a [u8],
    number: u64,
    acct: &mut Accounting,
) -> std::borrow::Cow<'a, str> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let mut lossy = false;
    let text = text_lossy(&line[..end], acct, &mut lossy);
    if lossy {
        acct.lossy_first_line.get_or_insert(number);
    }
    text
}

/// Runs `reader` over `data` as the file `name` and collects the calls it hands over: what every
/// reader's unit tests need.
#[cfg(test)]
pub(crate) fn read_for_test(
    reader: &dyn Reader,
    name: &str,
    data: &[u8],
    options: &ReadOptions,
) -> (Result<Vec<Call>, ReadError>, Accounting) {
    let mut acct = Accounting::default();
    let mut calls = Vec::new();
    let mut ctx = ReadContext::new(name, 0, options, &mut acct);
    let result = reader.read(&mut &data[..], &mut ctx, &mut |c| {
        calls.push(c);
        true
    });
    (result.map(|_| calls), acct)
}

/// `read_for_test`, then each call finished as the pipeline would (times rebased, turns in
/// order): for the readers whose tests look at what `Call::finish` makes of their times.
#[cfg(test)]
pub(crate) fn read_finished_for_test(
    reader: &dyn Reader,
    name: &str,
    data: &[u8],
) -> (Result<Vec<Call>, ReadError>, Accounting) {
    let (calls, acct) = read_for_test(reader, name, data, &ReadOptions::default());
    let calls = calls.map(|mut calls| {
        calls.iter_mut().for_each(Call::finish);
        calls
    });
    (calls, acct)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `read_line_within` makes of a line of `before` bytes and a line feed, then "ok\n",
    /// read through a buffer of `capacity` bytes: `(first line, second line)`.
    fn lines_within(before: usize, limit: u64, capacity: usize) -> (String, String) {
        let mut data = vec![b'x'; before];
        data.extend_from_slice(b"\nok\n");
        let mut input = io::BufReader::with_capacity(capacity, &data[..]);
        let mut buf = Vec::new();
        let mut next = || {
            buf.clear();
            match read_line_within(
                &mut input,
                &mut buf,
                limit,
                discard_cap(false, limit),
                false,
            )
            .unwrap()
            .0
            {
                LineRead::End => "end".to_string(),
                LineRead::Line => String::from_utf8_lossy(&buf).into_owned(),
                LineRead::TooLong(endless) => format!("too long, endless {endless}"),
            }
        };
        let first = next();
        (first, next())
    }

    /// Every line of `data` read by `lines` through a buffer of `capacity` bytes: (number, text).
    fn all_lines(mut lines: Lines, data: &[u8], capacity: usize) -> Vec<(u64, String)> {
        let mut input = io::BufReader::with_capacity(capacity, data);
        let options = ReadOptions::default();
        let mut acct = Accounting::default();
        let mut ctx = ReadContext::new("x", 0, &options, &mut acct);
        let mut out = Vec::new();
        while let Some((n, text)) = lines.next(&mut input, &mut ctx).unwrap() {
            out.push((n, text.into_owned()));
        }
        out
    }

    /// Text and WebVTT lines end at CR, LF or CRLF (one line end, even when the CR and the LF
    /// come in different reads); JSONL's only at LF, where a lone CR is JSON whitespace.
    #[test]
    fn lines_end_at_a_lone_carriage_return_only_when_asked() {
        let data = b"a\rb\r\nc\n\rd\r\r\ne";
        for capacity in [1, 2, 3, 64] {
            let got = all_lines(Lines::cr_too(), data, capacity);
            let want: Vec<(u64, String)> = ["a", "b", "c", "", "d", "", "e"]
                .iter()
                .enumerate()
                .map(|(i, s)| (i as u64 + 1, s.to_string()))
                .collect();
            assert_eq!(got, want, "capacity {capacity}");
            let lf = all_lines(Lines::default(), data, capacity);
            assert_eq!(
                lf,
                [
                    (1, "a\rb".to_string()),
                    (2, "c".to_string()),
                    (3, "\rd".to_string()),
                    (4, "e".to_string())
                ],
                "capacity {capacity}"
            );
        }
    }

    /// A line over the limit is passed over, and given up on as endless only when more than
    /// `DISCARD_FACTOR` times the limit comes before its line feed: decided by the line's length,
    /// the same whatever the sizes of the input's reads (the chunked JSONL reader relies on it).
    #[test]
    fn a_long_line_is_judged_by_its_length_not_by_the_reads() {
        let limit = 10u64;
        let at = (limit * line_tracker::DISCARD_FACTOR) as usize;
        for capacity in [1, 7, 64, 8192] {
            assert_eq!(
                lines_within(at, limit, capacity),
                ("too long, endless false".to_string(), "ok\n".to_string()),
                "{at} bytes, reads of {capacity}"
            );
            assert_eq!(
                lines_within(at + 1, limit, capacity).0,
                "too long, endless true",
                "{} bytes, reads of {capacity}",
                at + 1
            );
            assert_eq!(
                lines_within(9, limit, capacity),
                ("xxxxxxxxx\n".to_string(), "ok\n".to_string())
            );
        }
    }

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
    fn vendor_json_vtt_and_text_are_recognised_by_content() {
        assert_eq!(detect("a.json", b""), Some(InputFormat::Json));
        assert_eq!(detect("a.vtt", b""), Some(InputFormat::Vtt));
        assert_eq!(detect("a.txt", b""), Some(InputFormat::Text));
        assert_eq!(
            detect("-", b"{\n  \"JobName\": \"x\",\n"),
            Some(InputFormat::Json)
        );
        assert_eq!(
            detect("-", b"{\"call_id\":\"1\",\"x\":1}\n{\"call_id\":\"2\"}\n"),
            Some(InputFormat::Jsonl)
        );
        assert_eq!(
            detect("-", b"\xEF\xBB\xBFWEBVTT\n\n00:00.000 --> 00:01.000\n"),
            Some(InputFormat::Vtt)
        );
        assert_eq!(
            detect("-", b"[00:00:01] Agent: Hello, how can I help?\n"),
            Some(InputFormat::Text)
        );
        assert_eq!(
            detect("call", b"Caller: hi, there\nRep: hello\n"),
            Some(InputFormat::Text)
        );
    }

    #[test]
    fn utf16_and_utf32_are_told_by_their_byte_order_marks() {
        let says = |head: &[u8]| wide_encoding(head).unwrap_or_default();
        assert!(
            says(b"\xFF\xFEc\0a\0").starts_with("the file is UTF-16, little-endian (it starts")
        );
        assert!(says(b"\xFE\xFF\0c\0a").starts_with("the file is UTF-16, big-endian"));
        let le: Vec<u8> = "call_id,agent_id,text\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "call_id,agent_id,text\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(
            says(&le).starts_with(
                "the file looks like UTF-16, little-endian, without a byte-order mark"
            )
        );
        assert!(
            says(&be)
                .starts_with("the file looks like UTF-16, big-endian, without a byte-order mark")
        );
        assert!(wide_encoding(b"call_id,agent_id,text\nA,ann,hi\0there\n").is_none());
        assert!(wide_encoding(b"a\0").is_none());
        assert!(says(b"\xFF\xFE\0\0c\0\0\0").starts_with("the file is UTF-32, little-endian"));
        assert!(says(b"\0\0\xFE\xFF").contains("iconv -f UTF-32 -t UTF-8"));
        assert!(says(b"\xFF\xFE").contains("save it as UTF-8"));
        for fine in [&b"\xEF\xBB\xBFcall_id"[..], b"call_id", b"\xFF", b""] {
            assert_eq!(wide_encoding(fine), None);
        }
    }

    #[test]
    fn call_ids_and_dates_from_file_names() {
        assert_eq!(call_id_from_name("exports/call-8841.vtt.gz"), "call-8841");
        assert_eq!(call_id_from_name("a/b/c.json"), "c");
        assert_eq!(call_id_from_name("noext"), "noext");
        assert_eq!(call_id_from_name("-"), "stdin");
        assert_eq!(
            date_in_file_name("x/2024-03-05_call.vtt"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(date_in_file_name("2024-03-05/call.vtt"), None);
        assert_eq!(date_in_file_name("call-12024-03-05.txt"), None);
        assert_eq!(date_in_file_name("2024-13-05.txt"), None);
        assert_eq!(
            epoch_ms_date(1_709_596_800_000),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(epoch_ms_date(62_000), None);
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
        assert_eq!(
            ColumnMap::parse("call=a, text=t, CALL=b").unwrap_err(),
            "`call` is given twice (`a` and `b`): a role names one column"
        );
    }
}
