//! The calls a second pass holds until the end of the input (their rows are not together), in
//! memory up to a budget and in a temporary file beyond it, so that memory stays bounded
//! however many calls are split: an export sorted by time rather than by call interleaves every
//! call's rows.
//!
//! Parts are merged in the order they were read. A call's parts that fit in the budget are
//! merged in memory as they come; later parts go to the file as they are, and are read back and
//! merged one call at a time at the end.

use crate::model::{Call, Channel, Silence, Speaker, Turn, Votes};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// What a call held in memory takes beyond its text and turns (`Call::bytes`): the call
/// itself, its id, its votes, the spare room of its vectors. Measured with heaptrack on an
/// export sorted by time (50,000 calls of two short rows held): about 1.1 KB a call. Without
/// it, the budget counted ~70 bytes for each such call, and held 15 times as many as it meant
/// (tester t15's finding 1: 415 MB for 400,000 calls at `--max-call-bytes 4M`).
const HELD_CALL_OVERHEAD: u64 = 1024;

/// One held call: what is in memory, and where its other parts are in the file. The call is
/// boxed: a `Call` takes hundreds of bytes even empty, and most slots of an export sorted by
/// time hold none (their parts are in the file), so each would cost that for nothing.
struct Slot {
    call: Option<Box<Call>>,
    spilled: Vec<u64>,
    parts: u32,
}

pub struct HeldCalls {
    index: HashMap<String, usize>,
    slots: Vec<Slot>,
    in_memory: u64,
    /// Bytes of held calls kept in memory at most.
    budget: u64,
    /// `--max-call-bytes`: a call whose parts together take more is dropped for its size.
    max_call_bytes: u64,
    file: Option<BufWriter<std::fs::File>>,
    written: u64,
}

impl HeldCalls {
    pub fn new(budget: u64, max_call_bytes: u64) -> HeldCalls {
        HeldCalls {
            index: HashMap::new(),
            slots: Vec::new(),
            in_memory: 0,
            budget,
            max_call_bytes,
            file: None,
            written: 0,
        }
    }

    /// Adds a part of a held call.
    pub fn add(&mut self, call: Call) -> io::Result<()> {
        let i = match self.index.get(&call.id) {
            Some(&i) => i,
            None => {
                self.index.insert(call.id.clone(), self.slots.len());
                self.slots.push(Slot {
                    call: None,
                    spilled: Vec::new(),
                    parts: 0,
                });
                self.slots.len() - 1
            }
        };
        self.slots[i].parts += 1;
        let fits = self.in_memory + call.bytes() + HELD_CALL_OVERHEAD <= self.budget;
        // A part goes to memory only while nothing of its call is on disk, to keep the order.
        if fits && self.slots[i].spilled.is_empty() {
            let slot = &mut self.slots[i];
            match slot.call.as_mut() {
                Some(held) => {
                    let before = held.bytes();
                    held.absorb(call, self.max_call_bytes);
                    self.in_memory = self.in_memory + held.bytes() - before;
                }
                None => {
                    self.in_memory += call.bytes() + HELD_CALL_OVERHEAD;
                    slot.call = Some(Box::new(call));
                }
            }
            return Ok(());
        }
        let at = self.written;
        let file = match &mut self.file {
            Some(f) => f,
            None => self
                .file
                .insert(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?)),
        };
        let mut counting = Counting { inner: file, n: 0 };
        write_call(&mut counting, &call)?;
        self.written += counting.n;
        self.slots[i].spilled.push(at);
        Ok(())
    }

    /// Held calls made of more than one part.
    pub fn merged(&self) -> u64 {
        self.slots.iter().filter(|s| s.parts > 1).count() as u64
    }

    /// The held calls, merged, one at a time, in order of first appearance.
    pub fn into_calls(self) -> io::Result<impl Iterator<Item = io::Result<Call>>> {
        let max = self.max_call_bytes;
        let mut file = match self.file {
            Some(w) => {
                let mut f = w.into_inner().map_err(|e| e.into_error())?;
                f.seek(SeekFrom::Start(0))?;
                Some(BufReader::with_capacity(1 << 16, f))
            }
            None => None,
        };
        Ok(self.slots.into_iter().map(move |slot| {
            let mut parts = slot.spilled.into_iter();
            let mut read_at = |at: u64| -> io::Result<Call> {
                let f = file
                    .as_mut()
                    .ok_or_else(|| io::Error::other("held calls: no file"))?;
                f.seek(SeekFrom::Start(at))?;
                read_call(f)
            };
            let mut call = match slot.call {
                Some(c) => *c,
                None => match parts.next() {
                    Some(at) => read_at(at)?,
                    // A part that could not be written (the run stops on that error first).
                    None => return Err(io::Error::other("held calls: a call's part was lost")),
                },
            };
            for at in parts {
                call.absorb(read_at(at)?, max);
            }
            Ok(call)
        }))
    }
}

/// Counts the bytes written through it.
struct Counting<'a, W> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn put(w: &mut dyn Write, v: u64) -> io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

fn put_str(w: &mut dyn Write, s: &str) -> io::Result<()> {
    put(w, s.len() as u64)?;
    w.write_all(s.as_bytes())
}

/// An optional value: 0 for none, else 1 and the value.
fn put_opt<T>(
    w: &mut dyn Write,
    v: Option<T>,
    f: impl FnOnce(&mut dyn Write, T) -> io::Result<()>,
) -> io::Result<()> {
    match v {
        None => put(w, 0),
        Some(v) => {
            put(w, 1)?;
            f(w, v)
        }
    }
}

fn get(r: &mut dyn Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn get_str(r: &mut dyn Read) -> io::Result<String> {
    let n = get(r)? as usize;
    let mut b = vec![0u8; n];
    r.read_exact(&mut b)?;
    String::from_utf8(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn get_opt<T>(
    r: &mut dyn Read,
    f: impl FnOnce(&mut dyn Read) -> io::Result<T>,
) -> io::Result<Option<T>> {
    match get(r)? {
        0 => Ok(None),
        _ => f(r).map(Some),
    }
}

fn date_code(d: NaiveDate) -> u64 {
    d.num_days_from_ce() as i64 as u64
}

fn date_from(code: u64) -> io::Result<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(code as i64 as i32)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "held calls: bad date"))
}

fn speaker_from(code: u64) -> Speaker {
    match code {
        0 => Speaker::Agent,
        1 => Speaker::Customer,
        _ => Speaker::Other,
    }
}

fn channel_code(c: Channel) -> u64 {
    match c {
        Channel::Unknown => 0,
        Channel::Voice => 1,
        Channel::Chat => 2,
    }
}

fn channel_from(code: u64) -> Channel {
    match code {
        1 => Channel::Voice,
        2 => Channel::Chat,
        _ => Channel::Unknown,
    }
}

fn put_votes<T: Ord + Clone>(
    w: &mut dyn Write,
    v: &Votes<T>,
    f: impl Fn(&mut dyn Write, &T) -> io::Result<()>,
) -> io::Result<()> {
    let counts = v.counts();
    put(w, counts.len() as u64)?;
    for (value, n) in counts {
        f(w, value)?;
        put(w, n)?;
    }
    Ok(())
}

fn get_votes<T: Ord + Clone>(
    r: &mut dyn Read,
    f: impl Fn(&mut dyn Read) -> io::Result<T>,
) -> io::Result<Votes<T>> {
    let mut v = Votes::default();
    for _ in 0..get(r)? {
        let value = f(r)?;
        v.add(value, get(r)?);
    }
    Ok(v)
}

fn write_call(w: &mut dyn Write, c: &Call) -> io::Result<()> {
    put_str(w, &c.id)?;
    put_opt(w, c.agent_id.as_deref(), |w, s| put_str(w, s))?;
    put_opt(w, c.date, |w, d| put(w, date_code(d)))?;
    put_opt(w, c.team.as_deref(), |w, s| put_str(w, s))?;
    put_opt(w, c.queue.as_deref(), |w, s| put_str(w, s))?;
    put_str(w, &c.text)?;
    put(w, c.turns.len() as u64)?;
    for t in &c.turns {
        put(w, t.speaker.index() as u64)?;
        put(w, u64::from(t.text.start))?;
        put(w, u64::from(t.text.end))?;
        put_opt(w, t.start_ms, |w, v| put(w, v))?;
        put_opt(w, t.end_ms, |w, v| put(w, v))?;
        put_opt(w, t.order, |w, v| put(w, v.to_bits()))?;
        put_opt(w, t.interruption, |w, v| put(w, u64::from(v)))?;
        put(w, t.line)?;
    }
    put(w, c.silences.len() as u64)?;
    for s in &c.silences {
        put(w, s.start_ms)?;
        put(w, s.end_ms)?;
    }
    put(w, u64::from(c.silences_reported))?;
    put(w, channel_code(c.channel))?;
    put(w, u64::from(c.source))?;
    put(w, c.line)?;
    put(w, u64::from(c.too_large))?;
    put(w, c.dropped_rows)?;
    put(w, c.rows_too_large)?;
    put_opt(w, c.over_at, |w, (source, line)| {
        put(w, u64::from(source))?;
        put(w, line)
    })?;
    put(w, u64::from(c.over_together))?;
    let v = &c.votes;
    put_votes(w, &v.agent, |w, s| put_str(w, s))?;
    put_votes(w, &v.date, |w, d| put(w, date_code(*d)))?;
    put_votes(w, &v.team, |w, s| put_str(w, s))?;
    put_votes(w, &v.queue, |w, s| put_str(w, s))?;
    put_votes(w, &v.channel, |w, c| put(w, channel_code(*c)))
}

fn read_call(r: &mut dyn Read) -> io::Result<Call> {
    let mut c = Call::new(get_str(r)?);
    c.agent_id = get_opt(r, |r| get_str(r))?;
    c.date = get_opt(r, |r| date_from(get(r)?))?;
    c.team = get_opt(r, |r| get_str(r))?;
    c.queue = get_opt(r, |r| get_str(r))?;
    c.text = get_str(r)?;
    let n = get(r)?;
    for _ in 0..n {
        let speaker = speaker_from(get(r)?);
        let start = get(r)? as u32;
        let end = get(r)? as u32;
        let start_ms = get_opt(r, |r| get(r))?;
        let end_ms = get_opt(r, |r| get(r))?;
        let order = get_opt(r, |r| get(r).map(f64::from_bits))?;
        let interruption = get_opt(r, |r| get(r).map(|v| v != 0))?;
        let line = get(r)?;
        c.turns.push(Turn {
            speaker,
            text: start..end,
            start_ms,
            end_ms,
            order,
            interruption,
            line,
        });
    }
    for _ in 0..get(r)? {
        let start_ms = get(r)?;
        let end_ms = get(r)?;
        c.silences.push(Silence { start_ms, end_ms });
    }
    c.silences_reported = get(r)? != 0;
    c.channel = channel_from(get(r)?);
    c.source = get(r)? as u32;
    c.line = get(r)?;
    c.too_large = get(r)? != 0;
    c.dropped_rows = get(r)?;
    c.rows_too_large = get(r)?;
    c.over_at = get_opt(r, |r| Ok((get(r)? as u32, get(r)?)))?;
    c.over_together = get(r)? != 0;
    c.votes.agent = get_votes(r, |r| get_str(r))?;
    c.votes.date = get_votes(r, |r| date_from(get(r)?))?;
    c.votes.team = get_votes(r, |r| get_str(r))?;
    c.votes.queue = get_votes(r, |r| get_str(r))?;
    c.votes.channel = get_votes(r, |r| get(r).map(channel_from))?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: &str, agent: &str, text: &str, line: u64) -> Call {
        let mut c = Call::new(id);
        c.agent_id = Some(agent.into());
        c.date = NaiveDate::from_ymd_opt(2024, 3, 5);
        c.channel = Channel::Voice;
        c.votes.agent.add(agent.to_string(), 1);
        let t = c.push_turn(Speaker::Customer, text, line);
        t.start_ms = Some(line * 1000);
        t.order = Some(line as f64);
        t.interruption = Some(true);
        c.silences.push(Silence {
            start_ms: 1,
            end_ms: 2,
        });
        c
    }

    /// The same parts held in memory and held on disk give the same calls.
    #[test]
    fn parts_on_disk_merge_like_parts_in_memory() {
        let parts = || {
            vec![
                part("a", "ann", "first", 1),
                part("b", "bob", "other call", 2),
                part("a", "amy", "second", 3),
                part("a", "amy", "third", 4),
                part("b", "bob", "again", 5),
            ]
        };
        let merged = |budget: u64| {
            let mut held = HeldCalls::new(budget, u64::MAX);
            for p in parts() {
                held.add(p).unwrap();
            }
            assert_eq!(held.merged(), 2);
            held.into_calls()
                .unwrap()
                .map(|c| {
                    let mut c = c.unwrap();
                    let disagree = c.settle_attributes();
                    (c, disagree)
                })
                .collect::<Vec<_>>()
        };
        let in_memory = merged(u64::MAX);
        assert_eq!(in_memory.len(), 2);
        assert_eq!(in_memory[0].0.agent(), "amy");
        assert_eq!(in_memory[0].1, ["agent"]);
        let texts: Vec<&str> = in_memory[0]
            .0
            .turns
            .iter()
            .map(|t| in_memory[0].0.turn_text(t))
            .collect();
        assert_eq!(texts, ["first", "second", "third"]);
        for budget in [0, 300, 600] {
            assert_eq!(merged(budget), in_memory, "budget {budget}");
        }
    }
}
