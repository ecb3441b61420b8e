//! The utterance CSV of a large plain file, parsed in blocks on the thread pool.
//!
//! The reading thread reads the file in blocks of a bounded size and cuts each at its last
//! record boundary: a line feed outside quotes, found by following only the quote bytes with
//! the rules the csv crate applies (see `LineTracker`). Each chunk is parsed on the pool by its
//! own csv reader over its own `LineTracker` (counting lines from the chunk's first line), into
//! the records' fields and what `locate` says of each (line, quoting). The reading thread takes
//! the parsed chunks back in file order and checks and reads every record exactly as the serial
//! reader does (`CsvFile`), so calls, accounting, warnings and errors are the same.
//!
//! What the serial csv reader does across a boundary is carried over by hand: it consumes the
//! line ends in front of a record as part of that record (the `\n` of a CRLF, blank lines),
//! which here may be at the end of the previous chunk; the count of those decides whether a
//! record is looked at for line breaks inside it (`line_breaks_inside`). A record never reaches
//! `--max-call-bytes` inside a chunk (chunks are far smaller, or this path is not taken). When
//! no boundary turns up within `MAX_CHUNK_BLOCKS` blocks (a record that long, or a quote never
//! closed), or reading fails, the rest of the file is read by the serial reader, which goes on
//! from the same state.

use super::{
    Cells, CsvFile, MAX_HEADER_BYTES, RecordSpan, line_breaks_inside, locate, read_header,
};
use crate::read::chunks::{Parsing, Resumed, fill, spawn_parse, wait};
use crate::read::csv::columns::find_columns;
use crate::read::line_tracker::{LineTracker, line_ends};
use crate::read::{CallSink, ReadContext, ReadError};
use std::collections::VecDeque;
use std::io::{self, BufRead};

/// The most bytes a chunk may grow to, in blocks, while no record boundary is found.
const MAX_CHUNK_BLOCKS: usize = 4;

/// Chunks parsed ahead of the one being read.
const CHUNKS_AHEAD: usize = 3;

/// The first line feed outside quotes in `buf` (`first`), or the last one; `buf` starts at the
/// start of a record. A quote at the very end leaves the rest undecided: nothing after it
/// counts.
fn newline_outside_quotes(buf: &[u8], delimiter: u8, first: bool) -> Option<usize> {
    let ends_field = |b: u8| b == delimiter || b == b'\n' || b == b'\r';
    let mut found = None;
    // An outside stretch [from, to): the line feeds in it are boundaries.
    let stretch = |from: usize, to: usize, found: &mut Option<usize>| -> bool {
        if first {
            *found = memchr::memchr(b'\n', &buf[from..to]).map(|i| from + i);
            found.is_some()
        } else {
            if let Some(i) = memchr::memrchr(b'\n', &buf[from..to]) {
                *found = Some(from + i);
            }
            false
        }
    };
    let mut from = 0;
    let mut i = 0;
    loop {
        // Outside quotes from `from`.
        let Some(q) = memchr::memchr(b'"', &buf[i..]) else {
            stretch(from, buf.len(), &mut found);
            return found;
        };
        let at = i + q;
        if at > 0 && !ends_field(buf[at - 1]) {
            // A quote inside an unquoted field is a quote.
            i = at + 1;
            continue;
        }
        if stretch(from, at, &mut found) {
            return found;
        }
        // Inside a quoted field from `at + 1`.
        let mut j = at + 1;
        loop {
            let Some(q) = memchr::memchr(b'"', &buf[j..]) else {
                return found;
            };
            let at = j + q;
            match buf.get(at + 1) {
                None => return found,
                Some(b'"') => j = at + 2,
                Some(_) => {
                    from = at + 1;
                    i = at + 1;
                    break;
                }
            }
        }
    }
}

/// One record of a parsed chunk.
struct Parsed {
    /// The end of its last field in `ParsedChunk::ends`.
    fields_end: usize,
    /// `None`: a blank line (see `locate`).
    span: Option<RecordSpan>,
    /// Line feeds the chunk's csv reader consumed with the record (see `locate`).
    consumed: u64,
    /// For the chunk's first record, its line breaks inside its fields as `line_breaks_inside`
    /// counts them when the serial reader consumed more than one line feed with it, and when it
    /// consumed one at most (which the line ends carried over from the chunk before decide).
    breaks: u64,
    breaks_if_one: u64,
}

/// A chunk parsed on the pool (its buffers are reused from chunk to chunk).
#[derive(Default)]
struct ParsedChunk {
    raw: Vec<u8>,
    /// Every field's bytes, one after another.
    data: Vec<u8>,
    /// Where each field ends in `data`.
    ends: Vec<usize>,
    records: Vec<Parsed>,
    /// Where the bytes after the last record start (0 when there is none): line ends the
    /// serial reader would have consumed with the next record.
    tail_start: usize,
    /// The raw bytes are UTF-8 (so every cell is).
    utf8: bool,
    /// As `CsvFile::finish` needs them, when this is the last chunk.
    open_at_end: bool,
    last_content_line: u64,
}

/// Parses `chunk.raw`, whose first line is line `lines_before + 1` of the file.
fn parse(mut chunk: ParsedChunk, lines_before: u64, delimiter: u8) -> ParsedChunk {
    chunk.data.clear();
    chunk.ends.clear();
    chunk.records.clear();
    let raw = std::mem::take(&mut chunk.raw);
    let mut slice: &[u8] = &raw;
    let input: &mut dyn BufRead = &mut slice;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(LineTracker::new(input, delimiter).with_line_base(lines_before));
    let mut record = csv::ByteRecord::new();
    let mut tail_start = 0;
    // Reading a slice cannot fail.
    while let Ok(true) = rdr.read_byte_record(&mut record) {
        let consumed = rdr
            .position()
            .line()
            .saturating_sub(record.position().map_or(0, |p| p.line()));
        tail_start = rdr.position().byte() as usize;
        let span = locate(&mut rdr, &record);
        let first = chunk.records.is_empty();
        // The first record may have consumed more line feeds in the serial reader.
        let (breaks, breaks_if_one) = match &span {
            Some(_) if first => (
                line_breaks_inside(&record, u64::MAX, true),
                line_breaks_inside(&record, 1, true),
            ),
            Some(span) => (span.breaks, span.breaks),
            None => (0, 0),
        };
        for field in &record {
            chunk.data.extend_from_slice(field);
            chunk.ends.push(chunk.data.len());
        }
        chunk.records.push(Parsed {
            fields_end: chunk.ends.len(),
            span,
            consumed,
            breaks,
            breaks_if_one,
        });
    }
    chunk.tail_start = tail_start;
    chunk.utf8 = std::str::from_utf8(&raw).is_ok();
    let end = rdr.position().byte();
    chunk.open_at_end = rdr.get_ref().ends_in_open_quote(end);
    chunk.last_content_line = rdr.get_ref().last_content_line();
    drop(rdr);
    chunk.raw = raw;
    chunk
}

/// One record of a parsed chunk, where it lies in the chunk's `data`.
struct ChunkRecord<'a> {
    data: &'a [u8],
    /// Where its first cell starts in `data`.
    start: usize,
    /// Where each of its cells ends in `data`.
    ends: &'a [usize],
}

impl Cells for ChunkRecord<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { self.start } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }
    fn as_slice(&self) -> &[u8] {
        &self.data[self.start..self.ends.last().copied().unwrap_or(self.start)]
    }
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }
}

/// The reading thread's side: what has been read of the file, and the chunks on the pool.
struct Chunks {
    delimiter: u8,
    /// Line ends before the next chunk (see `line_ends`).
    lines_before: u64,
    in_flight: VecDeque<Parsing<ParsedChunk>>,
    spare: Vec<ParsedChunk>,
    /// The bytes after the last record read (line ends), which the serial reader would consume
    /// with the next chunk's first record.
    carried: Vec<u8>,
    /// Line feeds dropped from the front of `carried` to keep it small (a run of blank lines
    /// as long as the file must not be held in memory); they count as carried all the same.
    carried_dropped: u64,
    /// The last chunk's `open_at_end` and `last_content_line`.
    end: (bool, u64),
}

impl Chunks {
    /// Sends the first `cut` bytes of `pending` to be parsed on the pool; `pending` keeps the
    /// rest (the buffer itself goes with the chunk, the rest is copied).
    fn send(&mut self, pending: &mut Vec<u8>, cut: usize) {
        let mut chunk = self.spare.pop().unwrap_or_default();
        let mut rest = std::mem::take(&mut chunk.raw);
        rest.clear();
        rest.extend_from_slice(&pending[cut..]);
        pending.truncate(cut);
        chunk.raw = std::mem::replace(pending, rest);
        let lines_before = self.lines_before;
        // A chunk starts after a line feed (or at the first record, after the line ends that
        // follow the header): no `\r` comes just before it.
        self.lines_before += line_ends(&chunk.raw, None);
        let delimiter = self.delimiter;
        let parsed = spawn_parse(move || parse(chunk, lines_before, delimiter));
        self.in_flight.push_back(parsed);
    }

    /// Reads the records of the oldest chunk in flight.
    fn read_next(
        &mut self,
        file: &mut CsvFile,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let Some(parsed) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let mut chunk = wait(&parsed);
        file.utf8 = chunk.utf8;
        let mut field = 0;
        for (i, parsed) in chunk.records.iter_mut().enumerate() {
            let record = ChunkRecord {
                data: &chunk.data,
                start: if field == 0 { 0 } else { chunk.ends[field - 1] },
                ends: &chunk.ends[field..parsed.fields_end],
            };
            field = parsed.fields_end;
            let mut span = parsed.span.take();
            if i == 0
                && let Some(span) = &mut span
            {
                let carried =
                    self.carried_dropped + memchr::memchr_iter(b'\n', &self.carried).count() as u64;
                let consumed = parsed.consumed + carried;
                span.breaks = if consumed <= 1 {
                    parsed.breaks_if_one
                } else {
                    parsed.breaks
                };
            }
            if let Some(line) = file.check_record(span, &record, ctx, sink)? {
                file.read_row(&record, line, ctx, sink)?;
            }
        }
        if !chunk.records.is_empty() {
            self.carried.clear();
            self.carried_dropped = 0;
        }
        self.carried
            .extend_from_slice(&chunk.raw[chunk.tail_start..]);
        self.bound_carried();
        self.end = (chunk.open_at_end, chunk.last_content_line);
        file.utf8 = false;
        self.spare.push(chunk);
        Ok(())
    }

    /// Keeps `carried` to its last few lines: only how many line feeds it holds matters (and
    /// whether there were more than one), and the last lines' bytes for the serial reader if it
    /// takes over; the lines dropped in front are whole lines, counted in `carried_dropped`.
    fn bound_carried(&mut self) {
        const KEEP: usize = 4096;
        if self.carried.len() <= KEEP {
            return;
        }
        // Cut just after the third line feed from the end, so that at least two whole line
        // ends stay (a CRLF is never split).
        if let Some(cut) = memchr::memrchr_iter(b'\n', &self.carried).nth(2) {
            let cut = cut + 1;
            self.carried_dropped += memchr::memchr_iter(b'\n', &self.carried[..cut]).count() as u64;
            self.carried.drain(..cut);
        }
    }

    /// Reads every chunk still in flight.
    fn drain(
        &mut self,
        file: &mut CsvFile,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        while !self.in_flight.is_empty() {
            self.read_next(file, ctx, sink)?;
        }
        Ok(())
    }
}

/// Reads the utterance CSV `input` (a large plain file) in chunks of about `block` bytes
/// parsed on the pool; the same calls, accounting and messages as `CsvReader::read_serial`.
pub(super) fn read(
    input: &mut dyn BufRead,
    delimiter: u8,
    block: usize,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let block = block.max(1);
    let limit = ctx.options.max_call_bytes;
    let max_chunk = block.saturating_mul(MAX_CHUNK_BLOCKS);
    let mut pending = Vec::with_capacity(block);
    let serial = |head: Vec<u8>,
                  error: Option<io::Error>,
                  input: &mut dyn BufRead,
                  ctx: &mut ReadContext<'_>,
                  sink: &mut CallSink<'_>| {
        read_serial_from(head, error, input, delimiter, ctx, sink)
    };
    // A record must not reach the limit inside a chunk.
    if (limit / 2) <= max_chunk as u64 + 2 {
        return serial(pending, None, input, ctx, sink);
    }
    let mut at_end = match fill(input, &mut pending, block) {
        Ok(at_end) => at_end,
        Err(e) => return serial(pending, Some(e), input, ctx, sink),
    };
    // The header, read from its own bytes as the serial reader reads it.
    let header_limit = limit.min(MAX_HEADER_BYTES);
    // Line ends before the header are passed over as the csv reader passes them over.
    let Some(skip) = pending.iter().position(|&b| b != b'\n' && b != b'\r') else {
        return serial(pending, None, input, ctx, sink);
    };
    let header_end = match newline_outside_quotes(&pending[skip..], delimiter, true) {
        Some(i) if ((skip + i) as u64) + 2 < header_limit => skip + i + 1,
        _ => return serial(pending, None, input, ctx, sink),
    };
    let mut record = csv::ByteRecord::new();
    let (headers, header_line, consumed) = {
        let mut slice: &[u8] = &pending[..header_end];
        let head: &mut dyn BufRead = &mut slice;
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(
                LineTracker::new(head, delimiter)
                    .with_limit(header_limit)
                    .bounded(ctx.bounded),
            );
        let Some((headers, line)) = read_header(&mut rdr, &mut record, ctx, limit)? else {
            return Ok(());
        };
        (headers, line, rdr.position().byte() as usize)
    };
    // The records start after the line ends that follow the header. Not at `header_end`: a
    // header ended by a lone `\r` is followed by records before that line feed.
    let body = consumed
        + pending[consumed..header_end]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
    let cols = find_columns(&headers, header_line, ctx)?;
    let mut file = CsvFile::new(headers, cols, delimiter, limit);
    let mut chunks = Chunks {
        delimiter,
        lines_before: line_ends(&pending[..body], None),
        in_flight: VecDeque::new(),
        spare: Vec::new(),
        carried: pending[consumed..body].to_vec(),
        carried_dropped: 0,
        end: (false, 0),
    };
    pending.drain(..body);
    let mut want = block;
    loop {
        if !at_end && pending.len() < want {
            match fill(input, &mut pending, want) {
                Ok(end) => at_end = end,
                Err(e) => {
                    chunks.drain(&mut file, ctx, sink)?;
                    return resume(file, chunks, pending, Some(e), input, ctx, sink);
                }
            }
        }
        let cut = if at_end {
            pending.len()
        } else {
            match newline_outside_quotes(&pending, delimiter, false) {
                Some(i) => i + 1,
                None if pending.len() < max_chunk => {
                    want = pending.len() + block;
                    continue;
                }
                None => {
                    chunks.drain(&mut file, ctx, sink)?;
                    return resume(file, chunks, pending, None, input, ctx, sink);
                }
            }
        };
        want = block;
        chunks.send(&mut pending, cut);
        while chunks.in_flight.len() > CHUNKS_AHEAD || (at_end && !chunks.in_flight.is_empty()) {
            chunks.read_next(&mut file, ctx, sink)?;
        }
        if at_end {
            break;
        }
    }
    let (open_at_end, last_content_line) = chunks.end;
    file.finish(open_at_end, last_content_line, ctx, sink)
}

/// Reads the rest of the file on this thread, from the end of the last chunk on: `pending` (the
/// bytes read after it), then `error`, then the rest of `input`.
fn resume(
    mut file: CsvFile,
    chunks: Chunks,
    pending: Vec<u8>,
    error: Option<io::Error>,
    input: &mut dyn BufRead,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    // The line ends the last record left unconsumed come first, as the serial reader would
    // have read them. The new tracker counts their line ends without the byte before them (a
    // CRLF's `\n`, after the `\r` that ended the record, is a line end to it): `lines_before`
    // is what makes its count come out right after them.
    let mut head = chunks.carried;
    let lines_before = chunks.lines_before.saturating_sub(line_ends(&head, None));
    head.extend_from_slice(&pending);
    let mut resumed = Resumed::new(head, error, input);
    let input: &mut dyn BufRead = &mut resumed;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(file.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(
            LineTracker::new(input, file.delimiter)
                .with_limit(file.limit)
                .bounded(ctx.bounded)
                .with_fields(file.headers.len())
                .with_line_base(lines_before),
        );
    let mut record = csv::ByteRecord::new();

    file.stream(&mut rdr, &mut record, ctx, sink)?;
    file.finish_stream(&rdr, ctx, sink)
}

/// The serial reader over the whole file, of which `head` was read already.
fn read_serial_from(
    head: Vec<u8>,
    error: Option<io::Error>,
    input: &mut dyn BufRead,
    delimiter: u8,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let mut resumed = Resumed::new(head, error, input);
    super::CsvReader.read_serial(&mut resumed, delimiter, ctx, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of blank lines as long as the file is not held: `carried` stays a few KiB and
    /// every line feed is still counted.
    #[test]
    fn carried_line_ends_stay_bounded_and_counted() {
        let mut chunks = Chunks {
            delimiter: b',',
            lines_before: 0,
            in_flight: VecDeque::new(),
            spare: Vec::new(),
            carried: Vec::new(),
            carried_dropped: 0,
            end: (false, 0),
        };
        let mut fed = 0u64;
        for i in 0..2_000 {
            let block: &[u8] = if i % 2 == 0 { b"\r\n\r\n\n" } else { b"\n\r\n" };
            chunks.carried.extend_from_slice(block);
            fed += memchr::memchr_iter(b'\n', block).count() as u64;
            chunks.bound_carried();
            assert!(chunks.carried.len() <= 4096 + 5, "{}", chunks.carried.len());
        }
        let kept = memchr::memchr_iter(b'\n', &chunks.carried).count() as u64;
        assert_eq!(chunks.carried_dropped + kept, fed);
        assert!(kept >= 2);
        assert!(chunks.carried_dropped > 0);
    }
}
