//! Utterance CSV: one row per utterance, columns found by their usual names (or `--map`).
//!
//! Rows are read as byte records into one reused buffer; a call's rows are collected while its
//! id stays the same and handed on when it changes, so memory holds one call at a time.
//!
//! `columns.rs` resolves which column holds each role; this file reads the records: the header,
//! then each record checked as a record (cut, swallowed rows, field count, quoting), then read
//! as a row (a turn of the call being collected), then the end of the file.

mod chunked;
mod columns;
pub(crate) mod side;

pub(crate) use columns::{CANDIDATES, Role, header_key};

use super::dates::parse_date;
use super::line_tracker::{LineTracker, Truncated, line_ends};
use super::{
    At, CallSink, ReadContext, ReadError, ReadErrorKind, Reader, describe_bytes, text_lossy,
};
use crate::accounting::{Accounting, SkipReason};
use crate::model::{Call, Channel, Speaker, trim};
use columns::{Columns, HeaderNames, find_columns, header_list};
use std::borrow::Cow;
use std::io::BufRead;

pub struct CsvReader;

/// The longest header read (the csv crate keeps copies of the first record).
const MAX_HEADER_BYTES: u64 = 4 << 20;

/// The delimiter of the header line: the most frequent of `,`, tab and `;` outside quotes.
pub(crate) fn sniff_delimiter(input: &mut dyn BufRead) -> u8 {
    let head = input.fill_buf().unwrap_or(&[]);
    let line_end = memchr::memchr2(b'\n', b'\r', head).unwrap_or(head.len());
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in &head[..line_end] {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    [b',', b'\t', b';'][best]
}

/// The cells of one record as the checks and the row reader take them: the serial reader's
/// `csv::ByteRecord`, or a record of a chunk parsed on the pool (`chunked::ChunkRecord`), read
/// where it lies rather than copied into a record of its own first.
pub(super) trait Cells {
    /// How many cells.
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Option<&[u8]>;
    /// Every cell's bytes, one after the other.
    fn as_slice(&self) -> &[u8];
    fn iter(&self) -> impl Iterator<Item = &[u8]>;

    /// Cell `i`, which the record has (its field count was checked).
    fn cell(&self, i: usize) -> &[u8] {
        self.get(i)
            .expect("a cell within the record's checked field count")
    }
}

impl Cells for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }
    fn as_slice(&self) -> &[u8] {
        csv::ByteRecord::as_slice(self)
    }
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        csv::ByteRecord::iter(self)
    }
}

/// Lines inside a record's fields that are rows of their own, swallowed by a quote opened and
/// not closed where it should have been. A line counts when, with the fields that follow it in
/// the record when it is the last line of its field, it has at least as many fields as a row.
/// When the quoting itself says the record went wrong (`certain`: a quote closed a field before
/// its end, or the file ended inside a quoted field), that is enough. Otherwise (a field closed
/// properly around lines of text) the line must also look like a row by what it holds: a
/// speaker the reader knows in the speaker column, or the record's own call id in the call
/// column. Neither depends on what the ids look like, so ids of any shape are caught.
fn rows_inside(
    record: &impl Cells,
    delimiter: u8,
    n_fields: usize,
    cols: &Columns,
    certain: bool,
) -> u64 {
    let clean = |b: &[u8]| -> Vec<u8> {
        let b = b.trim_ascii();
        let b = b.strip_prefix(b"\"").unwrap_or(b);
        b.strip_suffix(b"\"").unwrap_or(b).trim_ascii().to_vec()
    };
    let own_id = record
        .get(cols.call)
        .and_then(|f| physical_lines(f).next())
        .map(clean)
        .filter(|id| !id.is_empty());
    let mut rows = 0;
    for (fi, field) in record.iter().enumerate() {
        let mut lines = physical_lines(field).skip(1).peekable();
        while let Some(line) = lines.next() {
            if line.trim_ascii().is_empty() {
                continue;
            }
            let cells: Vec<&[u8]> = line.split(|&b| b == delimiter).collect();
            // The last line of a field runs on into the record's next fields.
            let trailing = if lines.peek().is_none() {
                record.len() - fi - 1
            } else {
                0
            };
            if cells.len() + trailing < n_fields {
                continue;
            }
            if certain {
                rows += 1;
                continue;
            }
            let cell = |c: usize| -> Option<&[u8]> {
                match cells.get(c) {
                    Some(v) => Some(*v),
                    None => record.get(fi + 1 + (c - cells.len())),
                }
            };
            let speaker_known = cell(cols.speaker).is_some_and(|v| {
                Speaker::from_label(&String::from_utf8_lossy(&clean(v))) != Speaker::Other
            });
            let same_call = own_id
                .as_ref()
                .is_some_and(|own| cell(cols.call).is_some_and(|v| clean(v) == *own));
            if speaker_known || same_call {
                rows += 1;
            }
        }
    }
    rows
}

/// The lines of `bytes`, which end at `\n`, `\r\n` or a lone `\r` (without their line ends),
/// as `line_ends` counts them; the last one is empty when `bytes` ends with a line end.
fn physical_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let b = rest?;
        match memchr::memchr2(b'\r', b'\n', b) {
            Some(i) => {
                let crlf = b[i] == b'\r' && b.get(i + 1) == Some(&b'\n');
                rest = Some(&b[i + 1 + usize::from(crlf)..]);
                Some(&b[..i])
            }
            None => rest.take(),
        }
    })
}

/// `, and N lines inside it look like rows of their own` (nothing for none).
fn looks_like_rows(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => ", and a line inside it looks like a row of its own".to_string(),
        n => format!(", and {n} lines inside it look like rows of their own"),
    }
}

/// The line breaks inside a record's fields (`\n`, `\r\n` or a lone `\r`: see `line_ends`),
/// without the line end that a field left open at the end of the file also holds. The csv
/// reader counts every `\n` it consumes, quoted or not, so only a record that moved that count
/// by more than one (rare: quoted line breaks, blank lines before it), or one that holds a `\r`,
/// needs looking at; `cr` says whether the input has shown a `\r` yet (none: no record holds
/// one, and the check is skipped).
fn line_breaks_inside(record: &impl Cells, lines_consumed: u64, cr: bool) -> u64 {
    let body = record.as_slice();
    if lines_consumed <= 1 && !(cr && memchr::memchr(b'\r', body).is_some()) {
        return 0;
    }
    let trailing = body.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n'));
    let body = &body[..body.len() - trailing.count()];
    line_ends(body, None)
}

fn parse_number(field: &[u8]) -> Option<f64> {
    // Turn numbers are small integers: skip the float parser for them.
    if (1..=15).contains(&field.len()) && field.iter().all(u8::is_ascii_digit) {
        return Some(field.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64);
    }
    let s = std::str::from_utf8(field).ok()?.trim();
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// The csv reader over one input, with the line tracker that knows where records start.
type Records<'i> = csv::Reader<LineTracker<&'i mut dyn BufRead>>;

/// I/O errors (a truncated gzip) carry no position: name the line reading stopped at.
fn io_error(ctx: &ReadContext<'_>, rdr: &mut Records<'_>, e: csv::Error) -> ReadError {
    let at = rdr.position().byte();
    let line = rdr.get_mut().line_at(at);
    ctx.error(
        At::Line(line),
        ReadErrorKind::Io,
        format!("cannot read: {e}"),
    )
}

/// Hands a finished call on; `Err` when the sink wants no more.
fn hand_over(done: Option<Call>, sink: &mut CallSink<'_>) -> Result<(), ReadError> {
    match done {
        Some(done) => {
            if sink(done) {
                Ok(())
            } else {
                Err(ReadError::stopped())
            }
        }
        None => Ok(()),
    }
}

/// Reads the header record into `record` and returns its names; `None` for an empty file.
/// After it the tracker holds records to `limit` (the header to at most `MAX_HEADER_BYTES`).
fn read_header(
    rdr: &mut Records<'_>,
    record: &mut csv::ByteRecord,
    ctx: &ReadContext<'_>,
    limit: u64,
) -> Result<Option<(Vec<String>, u64)>, ReadError> {
    match rdr.read_byte_record(record) {
        Ok(true) => {}
        Ok(false) => return Ok(None), // empty file: no rows
        Err(e) => return Err(io_error(ctx, rdr, e)),
    }
    // Its physical line: blank lines before it are lines too (tester t20's F4).
    let line = rdr
        .get_mut()
        .line_at(record.position().map_or(0, |p| p.byte()));
    if rdr.get_mut().take_truncated().is_some() {
        return Err(ctx.error(
            At::Line(line),
            ReadErrorKind::Shape,
            format!(
                "the header is longer than {}: not a CSV callaudit can read",
                describe_bytes(limit.min(MAX_HEADER_BYTES))
            ),
        ));
    }
    let end = rdr.position().byte();
    rdr.get_mut().record_started(end);
    rdr.get_mut().set_limit(limit);
    rdr.get_mut().set_fields(record.len());
    Ok(Some((
        record
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect(),
        line,
    )))
}

/// Where a record sits and what the line tracker saw of its quoting.
struct RecordSpan {
    /// The physical line the record starts on (see `LineTracker`).
    line: u64,
    /// Line breaks inside its fields.
    breaks: u64,
    /// Set when the record was cut at the limit.
    truncated: Option<Truncated>,
    /// A quote closed a field before the field's end (`"abc"def`).
    closed_badly: bool,
    /// The file ended inside a quoted field of this record.
    open_at_end: bool,
}

/// The span of the record just read; `None` for a blank line between records (not a row).
fn locate(rdr: &mut Records<'_>, record: &csv::ByteRecord) -> Option<RecordSpan> {
    let start = record.position().map_or(0, |p| p.byte());
    let end = rdr.position().byte();
    let tracker = rdr.get_mut();
    let line = tracker.line_at(start);
    let cr = tracker.seen_cr();
    let truncated = tracker.take_truncated();
    let closed_badly = tracker.closed_badly(start, end);
    let open_at_end = tracker.ends_in_open_quote(end);
    tracker.record_started(end);
    if truncated.is_none() && record.len() == 1 && record[0].is_empty() {
        return None;
    }
    let lines_consumed = rdr
        .position()
        .line()
        .saturating_sub(record.position().map_or(0, |p| p.line()));
    Some(RecordSpan {
        line,
        breaks: line_breaks_inside(record, lines_consumed, cr),
        truncated,
        closed_badly,
        open_at_end,
    })
}

/// The cells of a row that make its turn (borrowed from the record when they are UTF-8).
struct RowFields<'r> {
    call_id: Cow<'r, str>,
    /// Empty when the row has no text: it was skipped, but its call is still begun (see
    /// `read_row`).
    text: Cow<'r, str>,
    order: Option<f64>,
    speaker: Speaker,
}

/// What reading one file keeps from record to record.
struct CsvFile {
    headers: Vec<String>,
    cols: Columns,
    /// What tells a line to be a header again.
    names: HeaderNames,
    delimiter: u8,
    /// `--max-call-bytes`.
    limit: u64,
    /// The call whose rows are being collected.
    current: Option<Call>,
    last_row_line: Option<u64>,
    /// Whether the last record was already reported as one that swallowed rows or was cut.
    last_row_reported: bool,
    /// The line where reading stopped on an endless line (an input that may have no end:
    /// see `ReadContext::bounded`).
    given_up: Option<u64>,
    /// The last date cell and what it parsed to, so that a call's rows parse it once.
    last_date: Option<(Vec<u8>, Option<chrono::NaiveDate>)>,
    /// The record being read is known to be UTF-8 (the chunked reader checks whole chunks on
    /// the pool), so its cells need no check.
    utf8: bool,
}

/// `bytes.is_ascii()`, eight bytes at a time with no early exit (a loop the compiler
/// vectorises): most records are all ASCII, and then every byte is read anyway.
fn all_ascii(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let mut any = 0u64;
    for chunk in &mut chunks {
        any |= u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
    }
    for &b in chunks.remainder() {
        any |= u64::from(b);
    }
    any & 0x8080_8080_8080_8080 == 0
}

/// Every cell of `record` is UTF-8: one check over the record's bytes instead of one a cell
/// (the serial reader's rows). The cells lie one after the other in the record's buffer, so
/// when all of it is UTF-8 and no cell starts with a continuation byte (a character cut in two
/// by a delimiter or a quote, invalid in both cells), every cell is whole characters too.
/// `false` sends the row down the per-cell path, which replaces and counts what is invalid.
fn record_is_utf8(record: &impl Cells) -> bool {
    let all = record.as_slice();
    all_ascii(all)
        || (std::str::from_utf8(all).is_ok()
            && record
                .iter()
                .all(|cell| cell.first().is_none_or(|&b| !(0x80..0xC0).contains(&b))))
}

/// `cell` trimmed, still borrowed from the record when it was (no allocation per row).
#[inline]
fn trimmed(cell: Cow<'_, str>) -> Cow<'_, str> {
    match cell {
        Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
        Cow::Owned(s) => Cow::Owned(trim(&s).to_string()),
    }
}

/// A cell as text: `text_lossy`, or no check at all when the record is known to be UTF-8.
fn text_of<'r>(
    bytes: &'r [u8],
    utf8: bool,
    acct: &mut Accounting,
    lossy: &mut bool,
) -> Cow<'r, str> {
    if utf8 {
        // SAFETY: `utf8` is set only for records of a chunk whose raw bytes were checked to be
        // UTF-8 (`chunked.rs`; a cell is a run of those bytes cut at ASCII delimiters, with
        // ASCII quotes taken out, so it is UTF-8 too), or for a record whose own cells were
        // checked together (`record_is_utf8`).
        debug_assert!(
            std::str::from_utf8(bytes).is_ok(),
            "a cell of a checked chunk"
        );
        Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        text_lossy(bytes, acct, lossy)
    }
}

/// Reads past a UTF-8 byte-order mark at the start of `input`, however its first reads are cut.
/// The csv crate strips one only when its first read holds all three bytes; a first read of the
/// mark alone (a gzip member of its own) was an empty read to it, the end of the file: every row
/// after it was lost. Returns the bytes read that are not a mark (to be read first), and the
/// error that stopped the reading, to be met where the csv reader would have met it.
fn skip_bom(input: &mut dyn BufRead) -> (Vec<u8>, Option<std::io::Error>) {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let mut head = Vec::new();
    while head.len() < BOM.len() && BOM.starts_with(&head) {
        let buf = match input.fill_buf() {
            Ok([]) => break,
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (head, Some(e)),
        };
        let n = (BOM.len() - head.len()).min(buf.len());
        head.extend_from_slice(&buf[..n]);
        input.consume(n);
    }
    if head == BOM {
        head.clear();
    }
    (head, None)
}

impl CsvReader {
    /// Reads the whole input on this thread: the path for stdin, gzip, small files and one
    /// thread.
    fn read_serial(
        &self,
        input: &mut dyn BufRead,
        delimiter: u8,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let limit = ctx.options.max_call_bytes;
        let (head, error) = skip_bom(input);
        let mut input = super::chunks::Resumed::new(head, error, input);
        let input: &mut dyn BufRead = &mut input;
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(256 * 1024)
            .from_reader(
                LineTracker::new(input, delimiter)
                    .with_limit(limit.min(MAX_HEADER_BYTES))
                    .bounded(ctx.bounded),
            );
        let mut record = csv::ByteRecord::new();
        let Some((headers, header_line)) = read_header(&mut rdr, &mut record, ctx, limit)? else {
            return Ok(());
        };
        let cols = find_columns(&headers, header_line, ctx)?;
        let mut file = CsvFile::new(headers, cols, delimiter, limit);
        file.stream(&mut rdr, &mut record, ctx, sink)?;
        file.finish_stream(&rdr, ctx, sink)
    }
}

impl Reader for CsvReader {
    fn read(
        &self,
        input: &mut dyn BufRead,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let delimiter = ctx
            .options
            .delimiter
            .unwrap_or_else(|| sniff_delimiter(input));
        match ctx.chunk_block {
            Some(block) => chunked::read(input, delimiter, block, ctx, sink),
            None => self.read_serial(input, delimiter, ctx, sink),
        }
    }
}

impl CsvFile {
    fn new(headers: Vec<String>, cols: Columns, delimiter: u8, limit: u64) -> CsvFile {
        CsvFile {
            names: HeaderNames::new(&headers, cols.call),
            headers,
            cols,
            delimiter,
            limit,
            current: None,
            last_row_line: None,
            last_row_reported: false,
            given_up: None,
            last_date: None,
            utf8: false,
        }
    }

    /// Reads the records `rdr` gives, to its end.
    fn stream(
        &mut self,
        rdr: &mut Records<'_>,
        record: &mut csv::ByteRecord,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        loop {
            match rdr.read_byte_record(record) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => {
                    // The call being collected is incomplete: its rows are not audited.
                    if let Some(partial) = self.current.take() {
                        ctx.acct
                            .skip(SkipReason::UnreadableFile, partial.turns.len() as u64);
                    }
                    return Err(io_error(ctx, rdr, e));
                }
            }
            let span = locate(rdr, record);
            if let Some(line) = self.check_record(span, record, ctx, sink)? {
                self.read_row(record, line, ctx, sink)?;
            }
        }
    }

    /// `finish` after the records of `rdr`.
    fn finish_stream(
        self,
        rdr: &Records<'_>,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let end = rdr.position().byte();
        let open_at_end = rdr.get_ref().ends_in_open_quote(end);
        let last_content_line = rdr.get_ref().last_content_line();
        self.finish(open_at_end, last_content_line, ctx, sink)
    }

    /// Checks the record as a record: counts it, and skips it (`None`) when it is a blank
    /// line (`span` is `None`), was cut at the limit, swallowed rows after it, is the header
    /// again or has the wrong number of fields. `Some(line)` is a row to read. A header of
    /// other columns is an error (see `other_header`).
    fn check_record(
        &mut self,
        span: Option<RecordSpan>,
        record: &impl Cells,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<Option<u64>, ReadError> {
        let Some(span) = span else {
            return Ok(None);
        };
        let RecordSpan {
            line,
            breaks,
            truncated,
            closed_badly,
            open_at_end,
        } = span;
        self.last_row_line = Some(line);
        ctx.acct.rows_read += 1;
        if let Some(cut) = truncated {
            self.skip_cut_record(record, cut, line, breaks, closed_badly, ctx, sink)?;
            return Ok(None);
        }
        if self.skip_swallowed(record, line, breaks, closed_badly, open_at_end, ctx)? {
            return Ok(None);
        }
        if self.names.is_header(record) {
            if !self.names.is_first(record) {
                return Err(self.other_header(record, line, ctx));
            }
            ctx.skip(
                SkipReason::MalformedRow,
                line,
                "the header again, not a row (exports joined into one file?)",
            )?;
            return Ok(None);
        }
        let n_fields = self.headers.len();
        if record.len() != n_fields {
            let span = if breaks > 0 {
                format!(
                    " (the record runs to line {}: a quoted field with line breaks, or an unclosed quote)",
                    line + breaks
                )
            } else {
                String::new()
            };
            ctx.skip(
                SkipReason::MalformedRow,
                line,
                &format!("expected {n_fields} fields, found {}{span}", record.len()),
            )?;
            return Ok(None);
        }
        if closed_badly {
            // `"abc"def`: read as the csv parser reads it (`abcdef`), but a stray quote can
            // have shifted the fields, so it is said.
            let error = ctx.error(At::Line(line), ReadErrorKind::Strict,
                "a quoted field is closed by a quote with more text after it: the row is read as it stands, but its fields may have come apart (a stray quote?)",
            );
            if ctx.options.strict {
                return Err(error);
            }
            ctx.acct.warn(error.to_string());
        }
        Ok(Some(line))
    }

    /// The error for a header of other columns than the file's (`cat monday.csv tuesday.csv`
    /// of two exports whose columns differ): the rows after it cannot be read with the file's
    /// columns, and read so they would be misread (another column as the agent) in silence. The
    /// call being collected is not handed on: its rows may go on after the header (tester t20:
    /// a call audited on two of its four turns), so under `--keep-going` it is a call the file
    /// cut short, named and not audited, as at a truncated file.
    fn other_header(
        &mut self,
        record: &impl Cells,
        line: u64,
        ctx: &mut ReadContext<'_>,
    ) -> ReadError {
        let second: Vec<String> = record
            .iter()
            .map(|c| {
                let c = c.strip_prefix(b"\xef\xbb\xbf").unwrap_or(c);
                String::from_utf8_lossy(c).trim().to_string()
            })
            .collect();
        ctx.error(
            At::Line(line),
            ReadErrorKind::Shape,
            format!(
                "a header again, with other columns than the file's first header, so the rows after it cannot be read with its columns (exports of different columns joined into one file?): this one has {}; the first has {}. Audit the exports as separate files",
                header_list(&second),
                header_list(&self.headers),
            ),
        )
    }

    /// Skips (and counts) a record over several lines whose inside looks like rows of its
    /// own: an unclosed quote that swallowed them. `true` when it did.
    fn skip_swallowed(
        &mut self,
        record: &impl Cells,
        line: u64,
        breaks: u64,
        closed_badly: bool,
        open_at_end: bool,
        ctx: &mut ReadContext<'_>,
    ) -> Result<bool, ReadError> {
        let unclosed = closed_badly || open_at_end;
        // A record over several lines is either a message with line breaks or a quote left
        // open that swallowed the rows after it; the second loses rows unless it is caught.
        let swallowed = if breaks > 0 {
            rows_inside(
                record,
                self.delimiter,
                self.headers.len(),
                &self.cols,
                unclosed,
            )
        } else {
            0
        };
        self.last_row_reported = swallowed > 0;
        if swallowed > 0 {
            ctx.acct.rows_read += swallowed;
            ctx.skip_rows(
                SkipReason::MalformedRow,
                line,
                1 + swallowed,
                &format!(
                    "a quoted field opened on this line {}, and {}{}",
                    // The file ends inside it: said as docs/input-errors.md words it (tester
                    // t20's F5: "runs to line N" read as if it closed there).
                    if open_at_end {
                        format!(
                            "is never closed (the file ends inside it, at line {})",
                            line + breaks
                        )
                    } else {
                        format!("runs to line {}", line + breaks)
                    },
                    if swallowed == 1 {
                        "a line inside it looks like a row of its own".to_string()
                    } else {
                        format!("{swallowed} lines inside it look like rows of their own")
                    },
                    if open_at_end {
                        ""
                    } else {
                        " (an unclosed quote?)"
                    }
                ),
            )?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Skips a record cut at `--max-call-bytes` (the tracker passed over the rest of it, to its
    /// real end). It is one row, unless a quote in it was never closed or closed in the middle
    /// of a field: then the lines inside it that look like rows are counted as rows too, as
    /// `skip_swallowed` counts them in a record under the limit.
    #[allow(clippy::too_many_arguments)]
    fn skip_cut_record(
        &mut self,
        record: &impl Cells,
        cut: Truncated,
        line: u64,
        breaks: u64,
        closed_badly: bool,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let last = line + breaks + cut.lines;
        let stray = cut.unclosed || cut.closed_badly || closed_badly;
        // A whole record over the limit is a turn its call cannot take: the call is too large
        // (not audited on its other turns alone, as a plain-text call with a line over the
        // limit; tester t20's F2), when the part read names it. Not for a stray quote, whose
        // record is no row of its own.
        if !stray
            && !cut.gave_up
            && let Some(id) = self.cut_record_call(record)
        {
            self.last_row_reported = true;
            let call = call_for_row(&mut self.current, &id, line, ctx, sink)?;
            if call.too_large {
                ctx.skip_row_of_large_call(call);
                return Ok(());
            }
            return ctx.call_too_large(call, line, 1);
        }
        let swallowed = if stray {
            rows_inside(record, self.delimiter, self.headers.len(), &self.cols, true) + cut.row_like
        } else {
            0
        };
        ctx.acct.rows_read += swallowed;
        self.last_row_reported = true;
        if cut.gave_up {
            self.given_up = Some(last);
        }
        let over = if last > line {
            format!(", over {} lines", last - line + 1)
        } else {
            String::new()
        };
        let why = if cut.unclosed {
            format!(
                ": a quoted field opened in it is never closed, so the rest of the file (to line {last}) is its text{}",
                looks_like_rows(swallowed)
            )
        } else if stray {
            format!(
                ": a quote closes a field in the middle (a stray quote?){}",
                looks_like_rows(swallowed)
            )
        } else {
            String::new()
        };
        ctx.skip_rows(
            SkipReason::TooLarge,
            line,
            1 + swallowed,
            &format!(
                "a record of more than {} (--max-call-bytes){over}{why}",
                describe_bytes(self.limit),
            ),
        )
    }

    /// The call of a record cut at the limit, when its call cell was read whole (a cell
    /// follows it) and names one.
    fn cut_record_call(&self, record: &impl Cells) -> Option<String> {
        let c = self.cols.call;
        if c + 1 >= record.len() {
            return None;
        }
        let id = trimmed(String::from_utf8_lossy(record.cell(c)));
        (!super::is_placeholder_id(&id)).then(|| id.into_owned())
    }

    /// Reads a checked record as a row: a turn of its call, handing the previous call on when
    /// the id changes.
    fn read_row(
        &mut self,
        record: &impl Cells,
        line: u64,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        // Set by the first cell of the row that needs replacement characters.
        let mut lossy = false;
        let utf8 = self.utf8 || record_is_utf8(record);
        let row = self.row_fields(record, utf8, line, ctx, &mut lossy)?;
        if lossy {
            ctx.acct.lossy_first_line.get_or_insert(line);
        }
        let Some(row) = row else {
            return Ok(());
        };
        let call = call_for_row(&mut self.current, &row.call_id, line, ctx, sink)?;
        if row.text.is_empty() {
            // Skipped for its text, but a row of this call all the same: a call whose every
            // row lacks text is handed on with no utterance, and the pipeline counts it empty
            // unless its id has utterances elsewhere in the run.
            return Ok(());
        }
        if call.too_large {
            // Dropped for its size: its later rows are skipped too.
            ctx.skip_row_of_large_call(call);
            return Ok(());
        }
        vote_call_cells(
            call,
            record,
            &self.cols,
            utf8,
            line,
            &mut self.last_date,
            &mut lossy,
            ctx,
        );
        if lossy {
            ctx.acct.lossy_first_line.get_or_insert(line);
        }
        let start = self.cols.start.and_then(|c| parse_number(record.cell(c)));
        let end = self.cols.end.and_then(|c| parse_number(record.cell(c)));
        let speaker = row.speaker;
        let Some(turn) = ctx.push_turn(call, speaker, &row.text, line)? else {
            return Ok(());
        };
        turn.order = row.order;
        turn.start_ms = start.filter(|v| *v >= 0.0).map(|v| v as u64);
        turn.end_ms = end.filter(|v| *v >= 0.0).map(|v| v as u64);
        if speaker == Speaker::Other {
            ctx.acct.rows_other_speaker += 1;
        }
        Ok(())
    }

    /// The call id, text, order and speaker of a row; `None` when the row is skipped for one
    /// of them (no call id, an order that is not a number). A row with no text is skipped too,
    /// but comes back with its call id and an empty text, so that its call is begun.
    fn row_fields<'r>(
        &self,
        record: &'r impl Cells,
        utf8: bool,
        line: u64,
        ctx: &mut ReadContext<'_>,
        lossy: &mut bool,
    ) -> Result<Option<RowFields<'r>>, ReadError> {
        let call_id = text_of(record.cell(self.cols.call), utf8, ctx.acct, lossy);
        // Trimmed, as `known_id` trims.
        let call_id = trimmed(call_id);
        if super::is_placeholder_id(&call_id) {
            let what = if call_id.is_empty() {
                "empty call id".to_string()
            } else {
                format!("call id `{call_id}` says there is none")
            };
            ctx.skip(SkipReason::MissingCallId, line, &what)?;
            return Ok(None);
        }
        let text = text_of(record.cell(self.cols.text), utf8, ctx.acct, lossy);
        if trim(&text).is_empty() {
            ctx.skip(SkipReason::MissingText, line, "empty text")?;
            return Ok(Some(RowFields {
                call_id,
                text: Cow::Borrowed(""),
                order: None,
                speaker: Speaker::Other,
            }));
        }
        let order = match self.cols.order {
            Some(c) if !record.cell(c).trim_ascii().is_empty() => {
                match parse_number(record.cell(c)) {
                    Some(v) => Some(v),
                    None => {
                        let v = String::from_utf8_lossy(record.cell(c)).into_owned();
                        ctx.skip(
                            SkipReason::MalformedRow,
                            line,
                            &format!("order column `{}`: `{v}` is not a number", self.headers[c]),
                        )?;
                        return Ok(None);
                    }
                }
            }
            _ => None,
        };
        let speaker_label = text_of(record.cell(self.cols.speaker), utf8, ctx.acct, lossy);
        let speaker = Speaker::from_label(&speaker_label);
        if speaker == Speaker::Other {
            ctx.acct.other_speaker_label(&speaker_label);
        }
        Ok(Some(RowFields {
            call_id,
            text,
            order,
            speaker,
        }))
    }

    /// After the last record: the warnings about where reading stopped, then the last call.
    /// `open_at_end`: the input ended inside a quoted field; `last_content_line`: the line of
    /// its last byte that is not a line end.
    fn finish(
        mut self,
        open_at_end: bool,
        last_content_line: u64,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        if let Some(line) = self.given_up {
            // The call being collected may have had more rows: it is not handed on.
            return Err(ctx.endless(line));
        }
        if let Some(row) = self.last_row_line
            && !self.last_row_reported
            && open_at_end
        {
            let last = last_content_line;
            let msg = if last > row {
                format!(
                    "a quoted field opens on this line and is never closed: the rest of the file (to line {last}) was read as its text, not as rows",
                )
            } else {
                "a quoted field opens on this line and is never closed (the file ends inside it)"
                    .to_string()
            };
            let error = ctx.error(At::Line(row), ReadErrorKind::Strict, msg);
            if ctx.options.strict {
                return Err(error);
            }
            ctx.acct.warn(error.to_string());
        }
        hand_over(self.current.take(), sink)
    }
}

/// The call a row belongs to: the one being collected when the id is the same, else a new
/// one (the finished call handed on first).
fn call_for_row<'c>(
    current: &'c mut Option<Call>,
    call_id: &str,
    line: u64,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<&'c mut Call, ReadError> {
    // Compared in place: a `Call` is large, and moving it out and back costs a copy a row. The
    // call's id is composed (`ReadContext::new_call`): a row's that is not ASCII is compared
    // composed too, so that a decomposed id's rows stay one part.
    let same = |call: &Call| {
        call.id == call_id || (!call_id.is_ascii() && call.id == crate::model::nfc(call_id))
    };
    if current.as_ref().is_none_or(|call| !same(call)) {
        hand_over(current.take(), sink)?;
        let mut call = ctx.new_call(call_id);
        call.line = line;
        *current = Some(call);
    }
    Ok(current.as_mut().expect("the call being collected"))
}

/// Counts the row's agent, team, queue, channel and date towards its call. Every row counts
/// (see `Votes`): rows that disagree are settled by the most rows, not by the first.
#[allow(clippy::too_many_arguments)]
fn vote_call_cells(
    call: &mut Call,
    record: &impl Cells,
    cols: &Columns,
    utf8: bool,
    line: u64,
    last_date: &mut Option<(Vec<u8>, Option<chrono::NaiveDate>)>,
    lossy: &mut bool,
    ctx: &mut ReadContext<'_>,
) {
    // Trimmed, and borrowed from the record when it is UTF-8 (no allocation per row).
    let cell = |c: Option<usize>, lossy: &mut bool, acct: &mut Accounting| {
        c.map(|c| trimmed(text_of(record.cell(c), utf8, acct, lossy)))
            .filter(|s| !s.is_empty())
    };
    // Trimmed already: `known_id` would give the same id.
    if let Some(agent) = cell(cols.agent, lossy, ctx.acct)
        && !super::is_placeholder_id(&agent)
    {
        let agent = agent.as_ref();
        call.votes.agent.add_by(agent, 1);
        if call.agent_id.is_none() {
            call.agent_id = Some(agent.to_string());
        }
    }
    if let Some(team) = cell(cols.team, lossy, ctx.acct) {
        call.votes.team.add_by(team.as_ref(), 1);
        call.team.get_or_insert_with(|| team.into_owned());
    }
    if let Some(queue) = cell(cols.queue, lossy, ctx.acct) {
        call.votes.queue.add_by(queue.as_ref(), 1);
        call.queue.get_or_insert_with(|| queue.into_owned());
    }
    if let Some(raw) = cell(cols.channel, lossy, ctx.acct) {
        let channel = Channel::from_label(&raw);
        if channel == Channel::Unknown {
            ctx.acct.unknown_channel(&raw);
        } else {
            call.votes.channel.add(channel, 1);
            if call.channel == Channel::Unknown {
                call.channel = channel;
            }
        }
    }
    if let Some(c) = cols.date
        && !record.cell(c).trim_ascii().is_empty()
        && let Some(d) = date_of_cell(record.cell(c).trim_ascii(), last_date, line, ctx)
    {
        call.votes.date.add(d, 1);
        call.date.get_or_insert(d);
    }
}

/// The date a cell says, parsed once for a run of equal cells; a cell not understood is
/// warned about and gives no date.
fn date_of_cell(
    raw: &[u8],
    last_date: &mut Option<(Vec<u8>, Option<chrono::NaiveDate>)>,
    line: u64,
    ctx: &mut ReadContext<'_>,
) -> Option<chrono::NaiveDate> {
    if let Some((seen, date)) = last_date
        && seen.as_slice() == raw
    {
        return *date;
    }
    let text = String::from_utf8_lossy(raw);
    let date = parse_date(&text);
    if date.is_none() {
        ctx.acct.warn(format!(
            "{}:{line}: date `{text}` not understood (expected YYYY-MM-DD, RFC 3339 or epoch); the row gives the call no date",
            ctx.name
        ));
    }
    *last_date = Some((raw.to_vec(), date));
    date
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Accounting;
    use crate::read::ReadOptions;
    use crate::read::read_for_test;

    fn read(data: &str, options: ReadOptions) -> (Result<Vec<Call>, ReadError>, Accounting) {
        read_for_test(&CsvReader, "t.csv", data.as_bytes(), &options)
    }

    #[test]
    fn groups_contiguous_rows_and_maps_speakers() {
        let (calls, acct) = read(
            "Contact ID,Agent,Role,Message,Seq\nc1,ann,Customer,hi,1\nc1,ann,REP,hello,2\nc2,bob,bot,beep,1\n",
            ReadOptions::default(),
        );
        let calls = calls.unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].turns.len(), 2);
        assert_eq!(calls[0].turns[1].speaker, Speaker::Agent);
        assert_eq!(calls[0].agent(), "ann");
        assert_eq!(calls[1].turns[0].speaker, Speaker::Other);
        assert_eq!(acct.rows_read, 3);
        assert_eq!(acct.rows_other_speaker, 1);
    }

    #[test]
    fn bad_rows_are_skipped_with_their_line() {
        let (calls, acct) = read(
            "call_id,speaker,text,turn\nc1,agent,hi,1\nc1,agent\n,agent,x,2\nc1,agent,,3\nc1,agent,y,abc\n",
            ReadOptions::default(),
        );
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!(acct.rows_read, 5);
        assert_eq!(acct.rows_skipped_total(), 4);
        assert!(
            acct.warnings[0].starts_with("t.csv:3:"),
            "{:?}",
            acct.warnings
        );
        assert!(
            acct.warnings[3].contains("`abc` is not a number"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn an_unclosed_quote_that_swallows_rows_is_caught_and_counted() {
        // Line 2's quote is never closed: the csv parser reads line 3 into its text and, by
        // chance, ends with the right number of fields. Both rows are skipped and counted.
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"I was charged twice\n\
                    C-1,a,2,agent,\"Sorry about that\"\n\
                    C-1,a,3,customer,\"ok\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        let calls = calls.unwrap();
        assert_eq!(calls[0].turns.len(), 1);
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "ok");
        assert_eq!(acct.rows_read, 3);
        assert_eq!(acct.rows_skipped_total(), 2);
        assert!(
            acct.warnings[0].starts_with("t.csv:2: a quoted field opened on this line runs to line 3, and a line inside it looks like a row of its own"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn a_message_with_line_breaks_is_not_mistaken_for_swallowed_rows() {
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"Line one\nLine two, with, commas, in, it\nC-2 said\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert_eq!(acct.rows_skipped_total(), 0, "{:?}", acct.warnings);
    }

    #[test]
    fn a_wrong_field_count_over_several_lines_names_where_the_record_ends() {
        let data = "call_id,agent,turn,speaker,text\n\
                    C-1,a,1,customer,\"x\ny\",extra\n\
                    C-1,a,2,agent,\"ok\"\n";
        let (calls, acct) = read(data, ReadOptions::default());
        assert_eq!(calls.unwrap()[0].turns.len(), 1);
        assert!(
            acct.warnings[0].contains("expected 5 fields, found 6 (the record runs to line 3"),
            "{:?}",
            acct.warnings
        );
    }

    #[test]
    fn strict_stops_at_the_first_bad_row() {
        let (r, _) = read(
            "call_id,speaker,text\nc1,agent\n",
            ReadOptions {
                strict: true,
                ..ReadOptions::default()
            },
        );
        let e = r.unwrap_err();
        assert_eq!((e.kind, &e.at), (ReadErrorKind::Strict, &At::Line(2)));
        assert!(e.to_string().starts_with("t.csv:2: "), "{e}");
    }

    #[test]
    fn missing_columns_list_the_header_and_the_map_hint() {
        let (r, _) = read("id,who,words\n1,agent,hi\n", ReadOptions::default());
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind, &e.at),
            (ReadErrorKind::MissingColumn, &At::Line(1))
        );
        let m = e.message;
        assert!(m.contains("the header has: id, who, words"), "{m}");
        assert!(m.contains("--map call=COLUMN"), "{m}");
    }

    #[test]
    fn delimiters_bom_crlf_and_quoted_newlines() {
        let (calls, _) = read(
            "\u{feff}call_id;speaker;text\r\nc1;agent;\"two\nlines\"\r\nc1;customer;ok\r\n",
            ReadOptions::default(),
        );
        let calls = calls.unwrap();
        assert_eq!(calls[0].turns.len(), 2);
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "two\nlines");
        assert_eq!(calls[0].turns[1].line, 4);
    }

    #[test]
    fn all_ascii_is_is_ascii() {
        let mut rng = fastrand::Rng::with_seed(8);
        for len in 0..40 {
            for _ in 0..200 {
                let mut b: Vec<u8> = (0..len).map(|_| rng.u8(..0x80)).collect();
                assert!(all_ascii(&b));
                if len > 0 {
                    b[rng.usize(..len)] |= 0x80;
                    assert!(!all_ascii(&b), "{b:?}");
                }
            }
        }
    }

    /// `record_is_utf8` (one check over the record) says yes exactly when every cell is
    /// UTF-8 on its own, also where a delimiter cuts a character in two (the bytes of the
    /// record together are then valid, its cells are not).
    #[test]
    fn one_check_over_the_record_is_every_cell_checked() {
        let split: csv::ByteRecord = vec![&b"caf\xc3"[..], &b"\xa9"[..]].into();
        assert!(std::str::from_utf8(split.as_slice()).is_ok());
        assert!(!record_is_utf8(&split));
        let bytes = [
            b'a', b' ', 0xc3, 0xa9, 0xe2, 0x80, 0x99, 0xf0, 0x9f, 0x98, 0xa1, 0xff, 0x80,
        ];
        let mut rng = fastrand::Rng::with_seed(12);
        let mut cells: Vec<Vec<u8>> = Vec::new();
        for _ in 0..100_000 {
            cells.clear();
            for _ in 0..rng.usize(0..5) {
                cells.push(
                    (0..rng.usize(0..6))
                        .map(|_| bytes[rng.usize(..bytes.len())])
                        .collect(),
                );
            }
            let record: csv::ByteRecord = cells.iter().map(Vec::as_slice).collect();
            let each = record.iter().all(|c| std::str::from_utf8(c).is_ok());
            assert_eq!(record_is_utf8(&record), each, "{cells:?}");
        }
    }

    #[test]
    fn a_character_cut_by_a_delimiter_is_replaced_in_both_cells() {
        let data = b"call_id,speaker,text,agent\nc1,agent,caf\xc3,\xa9x\nc1,agent,ok\xc3\xa9,\n";
        let mut acct = Accounting::default();
        let options = ReadOptions::default();
        let mut ctx = ReadContext::new("t.csv", 0, &options, &mut acct);
        let mut calls = Vec::new();
        CsvReader
            .read(&mut &data[..], &mut ctx, &mut |c| {
                calls.push(c);
                true
            })
            .unwrap();
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "caf\u{fffd}");
        assert_eq!(calls[0].turn_text(&calls[0].turns[1]), "ok\u{e9}");
        assert_eq!(calls[0].agent(), "\u{fffd}x");
        assert_eq!(acct.rows_lossy_utf8, 1);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_counted() {
        let mut data = b"call_id,speaker,text\nc1,agent,caf".to_vec();
        data.push(0xE9);
        data.extend_from_slice(b"\n");
        let mut acct = Accounting::default();
        let options = ReadOptions::default();
        let mut ctx = ReadContext::new("t.csv", 0, &options, &mut acct);
        let mut calls = Vec::new();
        CsvReader
            .read(&mut data.as_slice(), &mut ctx, &mut |c| {
                calls.push(c);
                true
            })
            .unwrap();
        assert_eq!(calls[0].turn_text(&calls[0].turns[0]), "caf\u{fffd}");
        assert_eq!(acct.rows_lossy_utf8, 1);
    }

    /// The header again (in any letter case, with a byte-order mark) is skipped; a header of
    /// other columns is an error at its line, the call before it handed on; a call whose id is
    /// a word like `call` or `agent` is a row.
    #[test]
    fn a_header_further_down_is_told_from_a_row() {
        let (calls, acct) = read(
            "Call ID,agent,speaker,text\nc1,ann,agent,hi\n\u{feff}call-id,AGENT,Speaker,TEXT\ncall,ann,agent,x\nagent,ann,agent,y\n",
            ReadOptions::default(),
        );
        let ids: Vec<String> = calls.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["c1", "call", "agent"]);
        assert_eq!((acct.rows_read, acct.rows_skipped_total()), (4, 1));
        assert!(
            acct.warnings[0].starts_with("t.csv:3: the header again"),
            "{:?}",
            acct.warnings
        );
        for other in [
            "contact_id,agent,speaker,text",
            "call_id,team,speaker,text",
            "agent,call_id,speaker,text",
            "call_id,agent,speaker",
        ] {
            let mut handed = Vec::new();
            let data =
                format!("call_id,agent,speaker,text\nc1,ann,agent,hi\n{other}\nc2,x,agent,y\n");
            let options = ReadOptions::default();
            let mut acct = Accounting::default();
            let mut ctx = ReadContext::new("t.csv", 0, &options, &mut acct);
            let e = CsvReader
                .read(&mut data.as_bytes(), &mut ctx, &mut |c| {
                    handed.push(c.id);
                    true
                })
                .unwrap_err();
            assert_eq!(
                (e.kind, &e.at),
                (ReadErrorKind::Shape, &At::Line(3)),
                "{other}"
            );
            assert!(e.message.contains(&other.replace(',', ", ")), "{e}");
            // The call being read may go on after the header: not handed on (the pipeline
            // counts it cut short).
            assert!(handed.is_empty(), "{other}: {handed:?}");
        }
    }

    #[test]
    fn map_overrides_detection() {
        let (calls, _) = read(
            "ticket,who,words\nt1,agent,hello\n",
            ReadOptions {
                map: crate::read::ColumnMap::parse("call=ticket,speaker=who,text=words").unwrap(),
                ..ReadOptions::default()
            },
        );
        assert_eq!(calls.unwrap()[0].id, "t1");
    }
}
