//! Physical line numbers, quoting and a size limit for CSV records.
//!
//! The csv crate's record positions count the `\n` bytes it has consumed, but it consumes the
//! line ends in front of a record (the `\n` of the previous record's CRLF, blank lines) as part
//! of reading that record, so the line it gives lags: every record of a CRLF file is reported
//! one line early, and more after blank lines. And it ends a record at a lone `\r` too, which
//! it does not count at all. This reader sits under the csv reader and remembers where the
//! recent line-end bytes are, so that the line of a record's first real byte can be counted from
//! the byte offset the csv crate does get right. A line ends at `\n`, `\r\n` or a lone `\r`
//! (`line_ends`), inside quoted fields too: line numbers are physical lines, as an editor
//! shows them.
//!
//! It also follows the CSV quoting rules the csv crate applies (a `"` opens a quoted field only
//! at the start of a field; inside one, `""` is a quote and `"` closes it), looking only at the
//! quote bytes. So it knows exactly whether the input ends inside a quoted field, and where a
//! quoted field was closed by a quote followed by more text (`"abc"def`): what a stray quote
//! leaves behind when the opening quote of a later field closes it, after swallowing the rows in
//! between. Neither depends on what the rows hold.
//!
//! And it bounds a record: once the record being read holds `limit` bytes, the rest of it is
//! passed over without being handed on, following the quotes as the csv crate would, to the
//! record's real end (a line end outside quotes: a line break inside a quoted field does not end
//! it), and the record is ended there, so the csv reader never holds more than the limit.
//! Reading goes on after that line end, where the csv crate would have gone on, however long
//! the record was. Only in an input that may have no end (a device such as `/dev/zero`: not
//! `bounded`), a record that goes on for more than `DISCARD_FACTOR` times the limit ends the
//! input there.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

/// The line ends in `bytes` (see the module's description): each `\n`, and each `\r` that no
/// `\n` follows, so that a CRLF is one. `prev` is the byte before `bytes`, if any.
pub fn line_ends(bytes: &[u8], prev: Option<u8>) -> u64 {
    let mut n = 0;
    for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        let before = if i > 0 { Some(bytes[i - 1]) } else { prev };
        // Counted at the `\r`: the `\n` of a CRLF adds nothing.
        n += u64::from(bytes[i] == b'\r' || before != Some(b'\r'));
    }
    n
}

/// A run of consecutive `\r`/`\n` bytes handed to the csv reader, and the line ends it holds.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
    line_ends: u64,
}

/// Runs remembered at most; beyond that (a single record with millions of line breaks in
/// quoted text) the oldest are folded into the count, which can only make the line of such a
/// pathological record's neighbours approximate, never use unbounded memory.
const MAX_RUNS: usize = 1 << 16;

/// Badly closed quotes remembered at most (they are forgotten once their record is read).
const MAX_BAD_CLOSES: usize = 1 << 16;

/// How far past the limit the rest of an over-long line is passed over, as a multiple of the
/// limit, before an input that may have no end (a device) is taken to be endless and ended
/// there. An input that has an end (a regular file) is read to it.
pub const DISCARD_FACTOR: u64 = 16;

/// Where the bytes handed out so far leave the CSV quoting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    /// Not inside a quoted field.
    Outside,
    /// Inside a quoted field.
    Inside,
    /// Inside a quoted field, just after a quote: the next byte says whether it closed the field
    /// or was the first of a doubled quote.
    InsideAfterQuote,
}

/// A record cut at the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Truncated {
    /// Bytes of the record passed over after the limit (its line end included).
    pub passed_over: u64,
    /// The record went on past `DISCARD_FACTOR` times the limit, in an input that may have no
    /// end (not `bounded`): the input ends there.
    pub gave_up: bool,
    /// Line breaks inside the record (in quoted fields) among the bytes passed over (line ends,
    /// as `line_ends` counts them).
    pub lines: u64,
    /// Lines wholly among the bytes passed over, inside the record, that are not blank and hold
    /// at least as many delimiters as a row (see `with_fields`): rows a stray quote may have
    /// swallowed.
    pub row_like: u64,
    /// The input ended inside a quoted field of the record: a quote never closed.
    pub unclosed: bool,
    /// A quote closed a field of the record, among the bytes passed over, with more text
    /// after it (`"abc"def`): what a stray quote leaves.
    pub closed_badly: bool,
}

enum Mode {
    Normal,
    /// Ending a cut record: these bytes (a closing quote if needed, a line end) are handed on,
    /// then the input goes on, or ends.
    Closing {
        bytes: &'static [u8],
        then_end: bool,
        /// Line breaks passed over inside the record, counted once the line end is handed on.
        lines: u64,
    },
    /// The input was given up on.
    Ended,
}

pub struct LineTracker<R> {
    inner: R,
    /// Bytes handed out so far.
    offset: u64,
    /// Line ends before the first remembered run.
    line_ends_before: u64,
    runs: VecDeque<Run>,
    /// Line ends handed out so far.
    line_ends: u64,
    /// A `\r` was handed out: a record may hold one (see `seen_cr`).
    seen_cr: bool,
    /// The line of the last byte that is not a line end.
    last_content_line: u64,
    /// The offset just after the last byte that is not a line end.
    content_end: u64,
    delimiter: u8,
    quote: Quoting,
    /// The last byte handed out: a quote opens a field only after a delimiter or a line end.
    prev: Option<u8>,
    /// Offsets of quotes that closed a quoted field and were followed by more text.
    bad_closes: VecDeque<u64>,
    /// The inner reader returned its end.
    at_end: bool,
    /// The most bytes a record may take (`u64::MAX`: no limit).
    limit: u64,
    /// Where the record being read began (set by the csv reader's user after each record).
    record_start: u64,
    mode: Mode,
    truncated: Option<Truncated>,
    /// The delimiters a row holds (fields - 1): what `Truncated::row_like` counts by.
    row_delimiters: usize,
    /// The input has an end: a record over the limit is passed over to it however long it is
    /// (see `ReadContext::bounded`).
    bounded: bool,
}

impl<R: BufRead> LineTracker<R> {
    /// A tracker for a CSV with this field delimiter, without a size limit.
    pub fn new(inner: R, delimiter: u8) -> LineTracker<R> {
        LineTracker {
            inner,
            offset: 0,
            line_ends_before: 0,
            runs: VecDeque::new(),
            line_ends: 0,
            seen_cr: false,
            last_content_line: 1,
            content_end: 0,
            delimiter,
            quote: Quoting::Outside,
            prev: None,
            bad_closes: VecDeque::new(),
            at_end: false,
            limit: u64::MAX,
            record_start: 0,
            mode: Mode::Normal,
            truncated: None,
            row_delimiters: usize::MAX,
            bounded: false,
        }
    }

    /// Says that the input has an end (`ReadContext::bounded`): a record over the limit is then
    /// passed over to its end however long it is, never given up on as endless.
    pub fn bounded(mut self, bounded: bool) -> LineTracker<R> {
        self.bounded = bounded;
        self
    }

    /// Says how many fields a row has (the header's), for `Truncated::row_like`.
    pub fn set_fields(&mut self, fields: usize) {
        self.row_delimiters = fields.saturating_sub(1);
    }

    /// `set_fields`, as a builder.
    pub fn with_fields(mut self, fields: usize) -> LineTracker<R> {
        self.set_fields(fields);
        self
    }

    /// Cuts records at `limit` bytes (see the module's description). The user must then say
    /// where each record starts with `record_started`.
    pub fn with_limit(mut self, limit: u64) -> LineTracker<R> {
        self.limit = limit.max(1);
        self
    }

    /// Counts lines from `lines_before` line ends on: for a tracker over the rest of a file
    /// whose first bytes were read elsewhere (the chunked CSV reader's chunks and fallback). Its
    /// first byte is taken to follow no `\r` (see `line_ends`).
    pub fn with_line_base(mut self, lines_before: u64) -> LineTracker<R> {
        self.line_ends_before = lines_before;
        self.line_ends = lines_before;
        self.last_content_line = lines_before + 1;
        self
    }

    /// Changes the limit from the next record on.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit.max(1);
    }

    /// Says that the next record starts at byte `at` (the csv reader's position after the
    /// record it has just returned): the limit counts from there.
    pub fn record_started(&mut self, at: u64) {
        self.record_start = at;
        while self.bad_closes.front().is_some_and(|&o| o < at) {
            self.bad_closes.pop_front();
        }
    }

    /// The record that just ended was cut at the limit: how, once.
    pub fn take_truncated(&mut self) -> Option<Truncated> {
        self.truncated.take()
    }

    /// Whether a quoted field between bytes `start` and `end` was closed by a quote followed by
    /// more text (`"abc"def`). Valid CSV never has one; a stray quote that swallowed the rows
    /// after it, closed by the opening quote of a later field, always leaves one.
    pub fn closed_badly(&self, start: u64, end: u64) -> bool {
        self.bad_closes.iter().any(|&o| o >= start && o < end)
    }

    /// Whether the input has been read to its end, and the record that ends at byte `end` was
    /// the last one and ended inside a quoted field: a quote was opened and never closed, and
    /// the field ran to the end of the input.
    pub fn ends_in_open_quote(&self, end: u64) -> bool {
        self.at_end && end >= self.offset && self.quote == Quoting::Inside
    }

    /// The line of the last byte that is not a line end.
    pub fn last_content_line(&self) -> u64 {
        self.last_content_line
    }

    /// Whether a `\r` has been handed out yet: until then no record holds one, and a record's
    /// line breaks can be told from the line feeds the csv reader counted (see
    /// `csv::line_breaks_inside`).
    pub fn seen_cr(&self) -> bool {
        self.seen_cr
    }

    /// The 1-based line of the first byte at or after `start` that is not a line end: where a
    /// record whose reading began at byte `start` really begins. Offsets must not go back.
    pub fn line_at(&mut self, start: u64) -> u64 {
        while let Some(run) = self.runs.front() {
            if run.end > start {
                break;
            }
            self.line_ends_before += run.line_ends;
            self.runs.pop_front();
        }
        let mut line = self.line_ends_before + 1;
        if let Some(run) = self.runs.front_mut()
            && run.start <= start
        {
            // The run straddles `start`: its part before `start` is behind us; its part from
            // `start` on is the leading line ends of the record. Either way, before its text.
            line += run.line_ends;
        }
        line
    }

    fn note(&mut self, buf: &[u8]) {
        let base = self.offset;
        // The last byte that is not a line end, and the line ends before it.
        let last_text = buf.iter().rposition(|&b| b != b'\n' && b != b'\r');
        let mut ends = 0;
        let mut ends_before_text = 0;
        for i in memchr::memchr2_iter(b'\r', b'\n', buf) {
            let at = base + i as u64;
            let cr = buf[i] == b'\r';
            let before = if i > 0 { Some(buf[i - 1]) } else { self.prev };
            // As `line_ends` counts them.
            let end = u64::from(cr || before != Some(b'\r'));
            self.seen_cr |= cr;
            ends += end;
            if last_text.is_some_and(|last| i < last) {
                ends_before_text += end;
            }
            match self.runs.back_mut() {
                Some(run) if run.end == at => {
                    run.end += 1;
                    run.line_ends += end;
                }
                _ => {
                    if self.runs.len() == MAX_RUNS
                        && let Some(old) = self.runs.pop_front()
                    {
                        self.line_ends_before += old.line_ends;
                    }
                    self.runs.push_back(Run {
                        start: at,
                        end: at + 1,
                        line_ends: end,
                    });
                }
            }
        }
        self.follow_quotes(buf);
        self.offset += buf.len() as u64;
        if let Some(last) = last_text {
            self.last_content_line = self.line_ends + ends_before_text + 1;
            self.content_end = base + last as u64 + 1;
        }
        self.line_ends += ends;
        if let Some(&last) = buf.last() {
            self.prev = Some(last);
        }
    }

    fn ends_field(&self, b: u8) -> bool {
        b == self.delimiter || b == b'\n' || b == b'\r'
    }

    /// Follows the quoting over `buf` (which starts at `self.offset`), as the csv crate reads
    /// it: only the quote bytes, and the bytes next to them, need looking at.
    fn follow_quotes(&mut self, buf: &[u8]) {
        let base = self.offset;
        let mut i = 0;
        if self.quote == Quoting::InsideAfterQuote
            && let Some(&b) = buf.first()
        {
            if b == b'"' {
                self.quote = Quoting::Inside;
                i = 1;
            } else {
                if !self.ends_field(b) {
                    self.bad_close(base - 1);
                }
                self.quote = Quoting::Outside;
            }
        }
        while i < buf.len() {
            let Some(q) = memchr::memchr(b'"', &buf[i..]) else {
                break;
            };
            let at = i + q;
            match self.quote {
                Quoting::Outside => {
                    let before = if at > 0 { Some(buf[at - 1]) } else { self.prev };
                    if before.is_none_or(|b| self.ends_field(b)) {
                        self.quote = Quoting::Inside;
                    }
                    i = at + 1;
                }
                Quoting::Inside | Quoting::InsideAfterQuote => match buf.get(at + 1) {
                    None => {
                        self.quote = Quoting::InsideAfterQuote;
                        i = at + 1;
                    }
                    Some(b'"') => i = at + 2,
                    Some(&b) => {
                        if !self.ends_field(b) {
                            self.bad_close(base + at as u64);
                        }
                        self.quote = Quoting::Outside;
                        i = at + 1;
                    }
                },
            }
        }
    }

    fn bad_close(&mut self, at: u64) {
        if self.bad_closes.len() == MAX_BAD_CLOSES {
            self.bad_closes.pop_front();
        }
        self.bad_closes.push_back(at);
    }

    /// The record being read has reached the limit: pass over the rest of it (without holding
    /// it), following the quotes to its real end, a line end outside quotes; and end the record
    /// with a line end (after a closing quote when the csv reader is inside a quoted field),
    /// which stands for the line end passed over.
    fn cut(&mut self) -> io::Result<()> {
        let cap = crate::read::discard_cap(self.bounded, self.limit);
        let delimiter = self.delimiter;
        let ends_field = |b: u8| b == delimiter || b == b'\n' || b == b'\r';
        let row_delimiters = self.row_delimiters;
        let mut cut = Truncated::default();
        // The quoting of the bytes passed over, from where the csv reader is.
        let mut quote = self.quote;
        let mut prev = self.prev;
        // The line being passed over: its delimiters, whether it holds text, whether it is
        // wholly among the bytes passed over (not the rest of a line handed on).
        let mut delims = 0usize;
        let mut text = false;
        let mut whole = false;
        let mut ended = false;
        let mut pending_cr = false;
        // `cut.lines` at the last byte that is not a line end.
        let mut lines_to_text = 0;
        'outer: loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                self.at_end = true;
                ended = pending_cr;
                break;
            }
            if pending_cr {
                // A `\r` ended the record: a `\n` right after it is part of that line end.
                if chunk[0] == b'\n' {
                    self.inner.consume(1);
                    cut.passed_over += 1;
                }
                ended = true;
                break;
            }
            let mut used = 0;
            for &b in chunk {
                used += 1;
                if b != b'\n' && b != b'\r' {
                    lines_to_text = cut.lines;
                }
                if quote == Quoting::InsideAfterQuote {
                    if b == b'"' {
                        quote = Quoting::Inside;
                        prev = Some(b);
                        continue;
                    }
                    if !ends_field(b) {
                        cut.closed_badly = true;
                    }
                    quote = Quoting::Outside;
                }
                match b {
                    b'"' => {
                        text = true;
                        quote = match quote {
                            Quoting::Outside if prev.is_none_or(&ends_field) => Quoting::Inside,
                            Quoting::Outside => Quoting::Outside,
                            _ => Quoting::InsideAfterQuote,
                        };
                    }
                    b'\n' | b'\r' if quote == Quoting::Outside => {
                        if whole && text && delims >= row_delimiters {
                            cut.row_like += 1;
                        }
                        if b == b'\r' {
                            pending_cr = true;
                            prev = Some(b);
                            self.inner.consume(used);
                            cut.passed_over += used as u64;
                            continue 'outer;
                        }
                        ended = true;
                        self.inner.consume(used);
                        cut.passed_over += used as u64;
                        break 'outer;
                    }
                    // A line break inside a quoted field: `\n`, `\r\n` or a lone `\r`, one
                    // line end each (see `line_ends`).
                    b'\n' | b'\r' => {
                        if b == b'\r' || prev != Some(b'\r') {
                            cut.lines += 1;
                            if whole && text && delims >= row_delimiters {
                                cut.row_like += 1;
                            }
                            whole = true;
                            delims = 0;
                            text = false;
                        }
                    }
                    _ if b == delimiter => delims += 1,
                    _ if b.is_ascii_whitespace() => {}
                    _ => text = true,
                }
                prev = Some(b);
            }
            self.inner.consume(used);
            cut.passed_over += used as u64;
            if cut.passed_over > cap {
                break;
            }
        }
        if self.at_end && !ended {
            // The last line, without a line end.
            if whole && text && delims >= row_delimiters {
                cut.row_like += 1;
            }
            cut.unclosed = quote == Quoting::Inside;
            if cut.unclosed {
                // The line ends at the end of the file are not lines of the record's text.
                cut.lines = lines_to_text;
            }
        }
        cut.gave_up = !ended && !self.at_end;
        let lines = cut.lines;
        self.truncated = Some(cut);
        let bytes: &'static [u8] = if self.quote == Quoting::Inside {
            b"\"\n"
        } else {
            b"\n"
        };
        self.mode = Mode::Closing {
            bytes,
            then_end: cut.gave_up,
            lines,
        };
        Ok(())
    }
}

impl<R: BufRead> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.mode {
                Mode::Ended => return Ok(0),
                Mode::Closing {
                    bytes,
                    then_end,
                    lines,
                } => {
                    let n = bytes.len().min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    let done = n == bytes.len();
                    self.mode = if !done {
                        Mode::Closing {
                            bytes: &bytes[n..],
                            then_end,
                            lines,
                        }
                    } else if then_end {
                        Mode::Ended
                    } else {
                        Mode::Normal
                    };
                    self.note(&buf[..n]);
                    if done && lines > 0 {
                        // The line breaks passed over inside the record: the line end just
                        // handed on stands for the last of them and the record's own.
                        self.line_ends += lines;
                        self.last_content_line += lines;
                        if let Some(run) = self.runs.back_mut() {
                            run.line_ends += lines;
                        }
                    }
                    return Ok(n);
                }
                Mode::Normal => {}
            }
            let used = self.offset.saturating_sub(self.record_start);
            if used >= self.limit {
                if self.content_end <= self.record_start {
                    // Only line ends so far: the record has not begun.
                    self.record_start = self.offset;
                } else {
                    self.cut()?;
                    continue;
                }
            }
            let room = (self.limit - self.offset.saturating_sub(self.record_start))
                .min(buf.len() as u64) as usize;
            let n = self.inner.read(&mut buf[..room])?;
            if n == 0 {
                self.at_end = true;
            }
            self.note(&buf[..n]);
            return Ok(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line the tracker gives each record, next to the line it really starts on.
    fn lines(data: &str) -> Vec<(String, u64)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(3) // small, so that runs are split across reads
            .from_reader(LineTracker::new(data.as_bytes(), b','));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut record).unwrap() {
            let start = record.position().unwrap().byte();
            let line = rdr.get_mut().line_at(start);
            out.push((String::from_utf8_lossy(&record[0]).into_owned(), line));
        }
        out
    }

    fn firsts(data: &str) -> Vec<u64> {
        lines(data).into_iter().map(|(_, l)| l).collect()
    }

    #[test]
    fn lf_crlf_cr_blank_lines_and_quoted_newlines() {
        assert_eq!(firsts("h,h\na,b\n\"x\ny\",z\nc,d\n"), [1, 2, 3, 5]);
        assert_eq!(
            firsts("h,h\r\na,b\r\n\"x\r\ny\",z\r\nc,d\r\n"),
            [1, 2, 3, 5]
        );
        assert_eq!(
            firsts("h,h\r\na,b\r\n\r\n\"x\ny\",z\r\n\r\nc,d\r\n"),
            [1, 2, 4, 7]
        );
        assert_eq!(firsts("\n\nh,h\n\na,b\n\n\nc,d"), [3, 5, 8]);
        // A lone CR ends a line (old Mac line ends), also on a blank line, in quoted text, and
        // mixed with the others; a CRLF is one line end, wherever reads cut it.
        assert_eq!(firsts("h,h\ra,b\rc,d\r"), [1, 2, 3]);
        assert_eq!(
            firsts("h,h\ra,\"x\ry\"\r\n\r\rb,1\n\"p\r\nq\nr\",2\r\nc,3"),
            [1, 2, 6, 7, 10]
        );
    }

    #[test]
    fn line_ends_count_cr_lf_and_crlf_once_each() {
        assert_eq!(line_ends(b"", None), 0);
        assert_eq!(line_ends(b"a\rb\nc\r\nd", None), 3);
        assert_eq!(line_ends(b"\r\r\n\n\r", None), 4);
        // A `\n` after a `\r` just before the bytes is that CRLF's second byte.
        assert_eq!(line_ends(b"\nx", Some(b'\r')), 0);
        assert_eq!(line_ends(b"\nx", Some(b'a')), 1);
        // The tracker counts the same however its reads are cut.
        let data = "h\r\n\ra\r\r\n\n\"q\r\nr\rs\"\r\nb";
        for chunk in 1..=6 {
            let t = read_all(data, chunk);
            assert_eq!(
                t.line_ends,
                line_ends(data.as_bytes(), None),
                "chunk {chunk}"
            );
            assert_eq!(t.last_content_line(), 9, "chunk {chunk}");
            assert!(t.seen_cr());
        }
        assert!(!read_all("h\na\n", 2).seen_cr());
    }

    /// Reads `data` to its end through a tracker (in reads of `chunk` bytes, so that quotes fall
    /// on buffer boundaries); returns it.
    fn read_all(data: &str, chunk: usize) -> LineTracker<&[u8]> {
        let mut t = LineTracker::new(data.as_bytes(), b',');
        let mut buf = vec![0u8; chunk];
        while t.read(&mut buf).unwrap() > 0 {}
        t
    }

    #[test]
    fn an_unclosed_quote_at_the_end_is_seen() {
        let open = |data: &str| {
            (1..=4)
                .map(|chunk| {
                    let t = read_all(data, chunk);
                    t.ends_in_open_quote(data.len() as u64)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(open("h\nc1,\"never closed\nc1,ok\n\n"), [true; 4]);
        assert_eq!(open("h\nc1,\"one line\n"), [true; 4]);
        assert_eq!(open("h\nc1,\"two\nlines\",5\n"), [false; 4]);
        // Doubled quotes inside a quoted field, and quotes inside unquoted text, are text.
        assert_eq!(
            open("h\nc1,\"say \"\"hi\"\"\"\nc2,5\" screen\n"),
            [false; 4]
        );
        assert_eq!(open("h\nc1,x\"y\nc2,\"\"\n"), [false; 4]);
        // A quote after a byte-order mark is not at the start of a field, for the csv crate too.
        assert_eq!(open("\u{feff}\"h\nc1\n"), [false; 4]);
        let t = read_all("a\nb\r\n\r\n", 4);
        assert_eq!(t.last_content_line(), 2);
    }

    #[test]
    fn a_quote_closed_in_the_middle_of_a_field_is_seen() {
        for chunk in 1..=5 {
            let data = "h\n9,\"sorry\n10,agent,\"thanks\"\n";
            let t = read_all(data, chunk);
            // The quote opening `thanks` closed the field opened on line 2, and `t` follows.
            let at = data.find("\"thanks").unwrap() as u64;
            assert!(t.closed_badly(at, at + 1), "chunk {chunk}");
            assert!(!t.closed_badly(0, at));
            let fine = read_all("h\n\"a\",\"b\"\"c\"\r\n\"d\"\n\"\"\n", chunk);
            assert!(!fine.closed_badly(0, u64::MAX), "chunk {chunk}");
        }
    }

    /// The records of `data` read with a limit: (first field, whether it was cut).
    fn limited(data: &[u8], limit: u64) -> Vec<(String, Option<Truncated>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(4)
            .from_reader(LineTracker::new(data, b',').with_limit(limit));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut record).unwrap() {
            let end = rdr.position().byte();
            let t = rdr.get_mut();
            t.record_started(end);
            out.push((
                String::from_utf8_lossy(&record[0]).into_owned(),
                t.take_truncated(),
            ));
        }
        out
    }

    #[test]
    fn a_record_over_the_limit_is_cut_and_reading_goes_on_after_its_end() {
        let long = format!(
            "a,{}\nb,ok\n\n\n\n\nc,\"{}\nd,x\"\"y\"\ne,ok\n",
            "x".repeat(50),
            "y".repeat(50)
        );
        for limit in [20, 52] {
            let got = limited(long.as_bytes(), limit);
            let names: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
            // `c`'s quoted field is passed over to its closing quote (past a doubled one) and
            // the line end after it: its second line is text, not a record.
            assert_eq!(names, ["a", "b", "c", "e"], "limit {limit}");
            assert!(got[1].1.is_none() && got[3].1.is_none());
            let c = got[2].1.expect("c is cut");
            assert_eq!((c.lines, c.unclosed, c.closed_badly), (1, false, false));
        }
        assert_eq!(
            limited(long.as_bytes(), 20)[0].1,
            Some(Truncated {
                passed_over: 33,
                ..Truncated::default()
            })
        );
        // The line of a record after a cut one counts the line breaks passed over.
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(long.as_bytes(), b',').with_limit(20));
        let mut record = csv::ByteRecord::new();
        let mut starts = Vec::new();
        while rdr.read_byte_record(&mut record).unwrap() {
            let start = record.position().unwrap().byte();
            let end = rdr.position().byte();
            let t = rdr.get_mut();
            starts.push(t.line_at(start));
            t.record_started(end);
        }
        assert_eq!(starts, [1, 2, 7, 9]);
        // A CR line end ends a cut record too (with the LF after it, if any).
        let cr = format!(
            "a,\"{}\"\r\nb,ok\rc,\"{}\"\rd,ok",
            "x".repeat(30),
            "y".repeat(30)
        );
        let names: Vec<String> = limited(cr.as_bytes(), 10)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        // Blank lines do not count towards a record.
        assert_eq!(
            limited(format!("{}a,b\n", "\n".repeat(100)).as_bytes(), 10)[0].1,
            None
        );
    }

    #[test]
    fn a_quote_never_closed_in_a_cut_record_is_said_with_the_lines_like_rows() {
        let data = format!("h1,h2\nc,\"{}\nd,1\ne,2\n\nnot a row\n", "y".repeat(50));
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(
                LineTracker::new(data.as_bytes(), b',')
                    .with_limit(20)
                    .with_fields(2),
            );
        let mut record = csv::ByteRecord::new();
        let mut cuts = Vec::new();
        while rdr.read_byte_record(&mut record).unwrap() {
            let end = rdr.position().byte();
            let t = rdr.get_mut();
            t.record_started(end);
            cuts.push(t.take_truncated());
        }
        assert_eq!(cuts.len(), 2);
        let cut = cuts[1].expect("the record is cut");
        assert!(cut.unclosed && !cut.gave_up);
        assert_eq!((cut.lines, cut.row_like), (4, 2));
        // A stray quote closed in the middle of a later field is seen among the bytes passed over.
        let data = format!("c,\"{}\nd,\"x\"y\ne,1\n", "y".repeat(50));
        let got = limited(data.as_bytes(), 20);
        assert!(got[0].1.unwrap().closed_badly);
    }

    #[test]
    fn an_endless_line_is_given_up_on() {
        let zeros = vec![0u8; 1000];
        let got = limited(&zeros, 10);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.map(|t| t.gave_up), Some(true));
        // A long last line without a line end is not endless: it just ends.
        let got = limited(&zeros[..100], 10);
        assert_eq!(got[0].1.map(|t| t.gave_up), Some(false));
    }

    #[test]
    fn memory_stays_bounded_on_a_record_full_of_line_breaks() {
        let mut t = LineTracker::new(io::empty(), b',');
        let field = "a\n".repeat(MAX_RUNS * 2);
        t.note(field.as_bytes());
        assert_eq!(t.runs.len(), MAX_RUNS);
        // Every newline is still counted, before or in the runs.
        let total: u64 = t.line_ends_before + t.runs.iter().map(|r| r.line_ends).sum::<u64>();
        assert_eq!(total, (MAX_RUNS * 2) as u64);
    }
}
