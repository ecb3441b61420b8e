//! Conversation JSONL of a large plain file, parsed in chunks on the thread pool.
//!
//! A line feed always ends a record (the serial JSONL reader ends one at every line feed), so the reading
//! thread reads the file in blocks of a bounded size, cuts each after its last line feed, and
//! sends the chunk to the pool. There each chunk is read by the serial reader's own code
//! (`read_bytes`: the same line ends, BOM, UTF-8 and JSON handling, `read_line`), counting lines
//! from the chunk's first, into its own calls and accounting. The reading thread takes the
//! chunks back in file order, hands their calls on and adds up their accounting, so calls,
//! line numbers, warnings, skipped rows and errors are those of the serial reader.
//!
//! A line longer than a chunk (`MAX_CHUNK_BLOCKS` blocks) is read on the reading thread by
//! `Lines`, once the chunks before it are done, as the serial reader reads it (also when it is
//! over `--max-call-bytes`, or endless); chunking goes on after it. A read error hands the rest
//! of the file to the serial reader, after the bytes read before it. When the audit stops the
//! reader midway through a chunk, the chunk is read again on this thread up to that call, so
//! that the accounting is the serial reader's there too.

use super::{read_bytes, read_line, read_lines, too_long_line};
use crate::accounting::Accounting;
use crate::model::Call;
use crate::read::chunks::{Parsing, Resumed, fill, spawn_parse, wait};
use crate::read::{CallSink, Count, Line, Lines, ReadContext, ReadError, ReadOptions};
use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;

/// The most bytes a chunk may grow to, in blocks, while no line feed is found.
const MAX_CHUNK_BLOCKS: usize = 4;

/// Chunks parsed ahead of the one being handed on. A chunk's calls hold about as much as the
/// chunk, on top of the audit's batches in flight: one ahead keeps peak memory near the serial
/// reader's (three ahead took 68 MB against 50 MB on TweetSumm ×100).
const CHUNKS_AHEAD: usize = 1;

/// Spare calls (to reuse) a chunk is given: recycled batches are added until it holds this many
/// (one batch of the audit's), so it may end up with somewhat more.
const SPARE_CALLS: usize = 256;

/// What every chunk of a file is read with, owned for the pool's tasks.
struct File {
    name: String,
    source: u32,
    options: ReadOptions,
}

/// A chunk of whole lines, and once parsed on the pool, what its lines gave (its buffers are
/// reused from chunk to chunk).
#[derive(Default)]
struct Chunk {
    raw: Vec<u8>,
    /// Lines of the file before the chunk's first.
    lines_before: u64,
    /// The calls its lines gave, in order.
    calls: Vec<Call>,
    /// Calls to reuse.
    spare: Vec<Call>,
    acct: Accounting,
    /// What stopped reading the chunk (under `--strict`).
    error: Option<ReadError>,
}

/// Reads the lines of `chunk.raw` on the pool.
fn parse(mut chunk: Chunk, file: &File) -> Chunk {
    let mut calls = std::mem::take(&mut chunk.calls);
    calls.clear();
    chunk.acct = Accounting::default();
    let mut ctx = ReadContext::new(&file.name, file.source, &file.options, &mut chunk.acct);
    ctx.spare = std::mem::take(&mut chunk.spare);
    let result = read_bytes(&chunk.raw, chunk.lines_before, &mut ctx, &mut |call| {
        calls.push(call);
        true
    });
    chunk.spare = std::mem::take(&mut ctx.spare);
    chunk.error = result.err();
    chunk.calls = calls;
    chunk
}

/// The reading thread's side: the chunks on the pool, in file order.
struct Chunks {
    file: Arc<File>,
    /// Lines before the next chunk.
    lines_before: u64,
    in_flight: VecDeque<Parsing<Chunk>>,
    spare: Vec<Chunk>,
}

impl Chunks {
    /// Sends the first `cut` bytes of `pending` (whole lines) to be read on the pool; `pending`
    /// keeps the rest (the buffer itself goes with the chunk, the rest is copied).
    fn send(&mut self, pending: &mut Vec<u8>, cut: usize, ctx: &mut ReadContext<'_>) {
        let mut chunk = self.spare.pop().unwrap_or_default();
        let mut rest = std::mem::take(&mut chunk.raw);
        rest.clear();
        rest.extend_from_slice(&pending[cut..]);
        pending.truncate(cut);
        chunk.raw = std::mem::replace(pending, rest);
        chunk.lines_before = self.lines_before;
        self.lines_before += memchr::memchr_iter(b'\n', &chunk.raw).count() as u64;
        while chunk.spare.len() < SPARE_CALLS {
            let more = ctx.take_spare();
            if more.is_empty() {
                break;
            }
            chunk.spare.extend(more);
        }
        let file = Arc::clone(&self.file);
        let parsed = spawn_parse(move || parse(chunk, &file));
        self.in_flight.push_back(parsed);
    }

    /// Hands on the calls of the oldest chunk in flight and counts its accounting.
    fn read_next(
        &mut self,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        let Some(parsed) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let mut chunk = wait(&parsed);
        let mut calls = std::mem::take(&mut chunk.calls);
        for (i, call) in calls.drain(..).enumerate() {
            if !sink(call) {
                return stopped_at(&chunk, i, ctx);
            }
        }
        chunk.calls = calls;
        // Nothing but this reader counts into `ctx.acct` while the file is read, so adding a
        // chunk's counts (and its warnings, in order) after its calls is adding them as read.
        ctx.acct.merge(&chunk.acct);
        let error = chunk.error.take();
        self.spare.push(chunk);
        error.map_or(Ok(()), Err)
    }

    /// Hands on every chunk still in flight.
    fn drain(
        &mut self,
        ctx: &mut ReadContext<'_>,
        sink: &mut CallSink<'_>,
    ) -> Result<(), ReadError> {
        while !self.in_flight.is_empty() {
            self.read_next(ctx, sink)?;
        }
        Ok(())
    }
}

/// The audit stopped the reader at call `index` of `chunk`: reads the chunk again on this
/// thread, into the file's accounting, up to that call, which is where the serial reader stops.
fn stopped_at(chunk: &Chunk, index: usize, ctx: &mut ReadContext<'_>) -> Result<(), ReadError> {
    let mut seen = 0;
    let result = read_bytes(&chunk.raw, chunk.lines_before, ctx, &mut |_| {
        seen += 1;
        seen <= index
    });
    result.and(Err(ReadError::stopped()))
}

/// Reads the conversation JSONL `input` (a large plain file) in chunks of about `block` bytes
/// read on the pool; the same calls, accounting and messages as the serial reader.
pub(super) fn read(
    input: &mut dyn BufRead,
    block: usize,
    ctx: &mut ReadContext<'_>,
    sink: &mut CallSink<'_>,
) -> Result<(), ReadError> {
    let block = block.max(1);
    let max_chunk = block.saturating_mul(MAX_CHUNK_BLOCKS);
    // A chunk's lines must not be over the limit (see `read_bytes`): a chunk may hold up to
    // `max_chunk + block` bytes.
    if ctx.options.max_call_bytes <= max_chunk.saturating_add(block) as u64 {
        return read_lines(input, &mut Lines::default(), ctx, sink);
    }
    let mut chunks = Chunks {
        file: Arc::new(File {
            name: ctx.name.to_string(),
            source: ctx.source,
            options: ctx.options.clone(),
        }),
        lines_before: 0,
        in_flight: VecDeque::new(),
        spare: Vec::new(),
    };
    let mut pending = Vec::with_capacity(block);
    let mut at_end = false;
    let mut want = block;
    loop {
        if !at_end && pending.len() < want {
            match fill(input, &mut pending, want) {
                Ok(end) => at_end = end,
                Err(e) => {
                    // The serial reader reads the lines read so far, then meets the error.
                    chunks.drain(ctx, sink)?;
                    let mut resumed = Resumed::new(pending, Some(e), input);
                    let mut lines = Lines::after(chunks.lines_before);
                    return read_lines(&mut resumed, &mut lines, ctx, sink);
                }
            }
        }
        let cut = if at_end {
            pending.len()
        } else {
            match memchr::memrchr(b'\n', &pending) {
                Some(i) => i + 1,
                None if pending.len() < max_chunk => {
                    want = pending.len() + block;
                    continue;
                }
                None => {
                    // A line longer than a chunk, read here after the chunks before it.
                    chunks.drain(ctx, sink)?;
                    let mut lines = Lines::after(chunks.lines_before);
                    let mut resumed = Resumed::new(std::mem::take(&mut pending), None, input);
                    match lines.next_or_too_long(&mut resumed, ctx, Count::Endless)? {
                        Some(Line::Text(line_no, text)) => read_line(&text, line_no, ctx, sink)?,
                        Some(Line::TooLong(line_no, head)) => {
                            too_long_line(head, line_no, ctx, sink)?
                        }
                        None => return Ok(()),
                    }
                    chunks.lines_before = lines.number();
                    pending = resumed.into_unread();
                    want = block;
                    continue;
                }
            }
        };
        want = block;
        if cut > 0 {
            chunks.send(&mut pending, cut, ctx);
        }
        while chunks.in_flight.len() > CHUNKS_AHEAD || (at_end && !chunks.in_flight.is_empty()) {
            chunks.read_next(ctx, sink)?;
        }
        if at_end {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..n {
            let line = match i % 6 {
                0 => format!(
                    "{{\"call_id\": \"c{i}\", \"agent_id\": \"a\", \"turns\": [{{\"speaker\": \"agent\", \"text\": \"hello {i}\"}}, {{\"speaker\": \"customer\", \"text\": \"\"}}]}}\r\n"
                ),
                1 => "{not json\n".to_string(),
                2 => "\n\r\n".to_string(),
                3 => format!(
                    "{{\"call_id\": \"d{i}\", \"date\": \"nope\", \"turns\": [{{\"speaker\": \"bot\", \"text\": \"x\"}}]}}\n"
                ),
                4 => "{\"turns\": [{\"speaker\": \"agent\", \"text\": \"no id\"}]}\n".to_string(),
                _ => format!(
                    "{{\"call_id\": \"e{i}\", \"turns\": [{{\"speaker\": \"agent\", \"text\": \"ok\"}}]}}\n"
                ),
            };
            out.extend_from_slice(line.as_bytes());
        }
        out
    }

    /// Reads `data` with the serial reader or in chunks of `block` bytes, the sink stopping
    /// the reader at call `stop`: the call ids handed on, the accounting and the result.
    fn read_with(
        data: &[u8],
        block: Option<usize>,
        stop: usize,
        strict: bool,
    ) -> (Vec<String>, Accounting, Result<(), ReadError>) {
        let options = ReadOptions {
            strict,
            ..ReadOptions::default()
        };
        let mut acct = Accounting::default();
        let mut ids = Vec::new();
        let mut ctx = ReadContext::new("t.jsonl", 0, &options, &mut acct);
        let mut sink = |call: Call| {
            ids.push(call.id.clone());
            ids.len() <= stop
        };
        let mut input = data;
        let result = match block {
            Some(block) => read(&mut input, block, &mut ctx, &mut sink),
            None => read_lines(&mut input, &mut Lines::default(), &mut ctx, &mut sink),
        };
        (ids, acct, result)
    }

    /// Where the audit stops the reader (an output failed), the accounting is the serial
    /// reader's: the lines after that call are not counted.
    #[test]
    fn a_stop_midway_through_a_chunk_counts_as_the_serial_reader_counts() {
        let data = lines(120);
        for stop in [0, 1, 7, 30, 59] {
            let serial = read_with(&data, None, stop, false);
            assert_eq!(
                serial.2.as_ref().unwrap_err().kind,
                crate::read::ReadErrorKind::Stopped
            );
            for block in [16, 100, 1000] {
                assert_eq!(
                    read_with(&data, Some(block), stop, false),
                    serial,
                    "stop {stop}, block {block}"
                );
            }
        }
    }

    #[test]
    fn strict_stops_at_the_same_line() {
        // Forty good lines first, so the first bad line comes after whole chunks were handed on.
        let mut data: Vec<u8> = (0..40)
            .flat_map(|i| {
                format!("{{\"call_id\": \"g{i}\", \"turns\": [{{\"speaker\": \"agent\", \"text\": \"ok\"}}]}}\n")
                    .into_bytes()
            })
            .collect();
        data.extend(lines(60));
        let serial = read_with(&data, None, usize::MAX, true);
        assert!(serial.2.is_err());
        assert!(
            serial.0.len() >= 40,
            "the good calls come first: {:?}",
            serial.0
        );
        for block in [1, 16, 100, 1000] {
            assert_eq!(
                read_with(&data, Some(block), usize::MAX, true),
                serial,
                "block {block}"
            );
        }
    }
}
