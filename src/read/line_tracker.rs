//! Physical line numbers for CSV records.
//!
//! The csv crate's record positions count the `\n` bytes it has consumed, but it consumes the
//! line ends in front of a record (the `\n` of the previous record's CRLF, blank lines) as part
//! of reading that record, so the line it gives lags: every record of a CRLF file is reported
//! one line early, and more after blank lines. This reader sits under the csv reader and
//! remembers where the recent line-end bytes are, so that the line of a record's first real byte
//! can be counted from the byte offset the csv crate does get right.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A run of consecutive `\r`/`\n` bytes handed to the csv reader.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
    newlines: u64,
}

/// Runs remembered at most; beyond that (a single record with millions of line breaks in
/// quoted text) the oldest are folded into the count, which can only make the line of such a
/// pathological record's neighbours approximate, never use unbounded memory.
const MAX_RUNS: usize = 1 << 16;

pub struct LineTracker<R> {
    inner: R,
    /// Bytes handed out so far.
    offset: u64,
    /// `\n` bytes before the first remembered run.
    newlines_before: u64,
    runs: VecDeque<Run>,
    /// `\n` bytes handed out so far.
    newlines: u64,
    /// `"` bytes handed out so far: an odd count at the end means a quote was never closed.
    quotes: u64,
    /// The line of the last byte that is not a line end.
    last_content_line: u64,
}

impl<R: Read> LineTracker<R> {
    pub fn new(inner: R) -> LineTracker<R> {
        LineTracker {
            inner,
            offset: 0,
            newlines_before: 0,
            runs: VecDeque::new(),
            newlines: 0,
            quotes: 0,
            last_content_line: 1,
        }
    }

    /// Whether the input, read to its end, left a quoted field open from a record that began
    /// on `record_line`: the field then ran to the end of the file, taking every line after it
    /// as its text. Seen as an odd number of quotes and a last record over several lines. (A
    /// stray `"` inside unquoted text can make this a false alarm, so it only warns.)
    pub fn ends_in_open_quote(&self, record_line: u64) -> bool {
        self.quotes % 2 == 1 && self.last_content_line > record_line
    }

    /// The line of the last byte that is not a line end.
    pub fn last_content_line(&self) -> u64 {
        self.last_content_line
    }

    /// The 1-based line of the first byte at or after `start` that is not a line end: where a
    /// record whose reading began at byte `start` really begins. Offsets must not go back.
    pub fn line_at(&mut self, start: u64) -> u64 {
        while let Some(run) = self.runs.front() {
            if run.end > start {
                break;
            }
            self.newlines_before += run.newlines;
            self.runs.pop_front();
        }
        let mut line = self.newlines_before + 1;
        if let Some(run) = self.runs.front_mut()
            && run.start <= start
        {
            // The run straddles `start`: its part before `start` is behind us; its part from
            // `start` on is the leading line ends of the record. Either way, before its text.
            line += run.newlines;
        }
        line
    }

    fn note(&mut self, buf: &[u8]) {
        let base = self.offset;
        for i in memchr::memchr2_iter(b'\r', b'\n', buf) {
            let at = base + i as u64;
            let newline = u64::from(buf[i] == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.end == at => {
                    run.end += 1;
                    run.newlines += newline;
                }
                _ => {
                    if self.runs.len() == MAX_RUNS
                        && let Some(old) = self.runs.pop_front()
                    {
                        self.newlines_before += old.newlines;
                    }
                    self.runs.push_back(Run {
                        start: at,
                        end: at + 1,
                        newlines: newline,
                    });
                }
            }
        }
        self.offset += buf.len() as u64;
        self.quotes += memchr::memchr_iter(b'"', buf).count() as u64;
        match buf.iter().rposition(|&b| b != b'\n' && b != b'\r') {
            Some(last) => {
                let before = memchr::memchr_iter(b'\n', &buf[..last]).count() as u64;
                self.last_content_line = self.newlines + before + 1;
                self.newlines += before + memchr::memchr_iter(b'\n', &buf[last..]).count() as u64;
            }
            None => self.newlines += memchr::memchr_iter(b'\n', buf).count() as u64,
        }
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
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
            .from_reader(LineTracker::new(data.as_bytes()));
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
        // Old Mac line ends have no `\n`: everything is on line 1, as an editor would say.
        assert_eq!(firsts("h,h\ra,b\rc,d\r"), [1, 1, 1]);
    }

    #[test]
    fn an_unclosed_quote_at_the_end_is_seen() {
        let open = |data: &str, record_line: u64| {
            let mut t = LineTracker::new(data.as_bytes());
            std::io::copy(&mut t, &mut std::io::sink()).unwrap();
            t.ends_in_open_quote(record_line)
        };
        assert!(open("h\nc1,\"never closed\nc1,ok\n\n", 2));
        assert!(!open("h\nc1,\"two\nlines\",5\n", 2));
        assert!(!open("h\nc1,\"one line\n", 2));
        let mut t = LineTracker::new("a\nb\r\n\r\n".as_bytes());
        std::io::copy(&mut t, &mut std::io::sink()).unwrap();
        assert_eq!(t.last_content_line(), 2);
    }

    #[test]
    fn memory_stays_bounded_on_a_record_full_of_line_breaks() {
        let mut t = LineTracker::new(io::empty());
        let field = "a\n".repeat(MAX_RUNS * 2);
        t.note(field.as_bytes());
        assert_eq!(t.runs.len(), MAX_RUNS);
        // Every newline is still counted, before or in the runs.
        let total: u64 = t.newlines_before + t.runs.iter().map(|r| r.newlines).sum::<u64>();
        assert_eq!(total, (MAX_RUNS * 2) as u64);
    }
}
