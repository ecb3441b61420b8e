//! What the chunked readers (`csv/chunked.rs`, `jsonl/chunked.rs`) share: reading a block
//! straight into a chunk's buffer, handing what was read back to a serial reader, and waiting
//! for a chunk parsed on the pool.

use std::io::{self, BufRead, Read};
use std::sync::mpsc;

/// Reads up to `want` bytes into `buf` (fewer at the end of the input); `true` at the end. The
/// bytes go straight into `buf`, not through the input's buffer.
pub(super) fn fill(input: &mut dyn BufRead, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let need = want.saturating_sub(buf.len());
    if need == 0 {
        return Ok(false);
    }
    buf.reserve(need);
    // On an error the bytes read so far are kept in `buf`.
    let got = Read::take(&mut *input, need as u64).read_to_end(buf)?;
    Ok(got < need)
}

/// The bytes already read from an input, then a read error if there was one, then the rest of
/// the input: what a serial reader reads when a chunked one hands over to it.
pub(super) struct Resumed<'a> {
    pub head: Vec<u8>,
    pub at: usize,
    pub error: Option<io::Error>,
    pub rest: &'a mut dyn BufRead,
}

impl<'a> Resumed<'a> {
    pub fn new(head: Vec<u8>, error: Option<io::Error>, rest: &'a mut dyn BufRead) -> Self {
        Resumed {
            head,
            at: 0,
            error,
            rest,
        }
    }

    /// The bytes of `head` not read yet (the rest of the input is left in `rest`).
    pub fn into_unread(mut self) -> Vec<u8> {
        self.head.drain(..self.at);
        self.head
    }
}

impl Read for Resumed<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let got = self.fill_buf()?;
        let n = got.len().min(out.len());
        out[..n].copy_from_slice(&got[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Resumed<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.head.len() {
            return Ok(&self.head[self.at..]);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.rest.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.at < self.head.len() {
            self.at += n;
        } else {
            self.rest.consume(n);
        }
    }
}

/// A chunk being parsed on the pool: its result, or the panic that stopped the parse.
pub(super) type Parsing<T> = mpsc::Receiver<std::thread::Result<T>>;

/// Parses a chunk on the pool. A panic in `parse` is caught there and raised again on the
/// reading thread by [`wait`], where the run's handling of a panicked thread sees it: in a job
/// of `rayon::spawn` it would abort the process (the pool has no panic handler).
pub(super) fn spawn_parse<T: Send + 'static>(
    parse: impl FnOnce() -> T + Send + 'static,
) -> Parsing<T> {
    let (done, parsed) = mpsc::sync_channel(1);
    rayon::spawn(move || {
        let _ = done.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            parse,
        )));
    });
    parsed
}

/// Waits for a chunk parsed on the pool, running the pool's queued work meanwhile.
pub(super) fn wait<T>(parsed: &Parsing<T>) -> T {
    loop {
        match parsed.try_recv() {
            Ok(Ok(chunk)) => return chunk,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(mpsc::TryRecvError::Empty) => {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
            }
            Err(mpsc::TryRecvError::Disconnected) => panic!("a chunk was not parsed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parsed_chunk_comes_back() {
        assert_eq!(wait(&spawn_parse(|| 6 * 7)), 42);
    }

    /// A parse that panics on the pool is raised again on the waiting thread (with its message),
    /// not left to abort the process from the pool's job.
    #[test]
    fn a_panic_in_a_parse_reaches_the_waiting_thread() {
        let parsing = spawn_parse(|| -> u32 { panic!("bad chunk") });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wait(&parsing)));
        let payload = caught.expect_err("the panic is raised again");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad chunk"));
    }
}
