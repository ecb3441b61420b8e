//! Which call ids came back: a log of call-id hashes in fixed memory.
//!
//! The first pass records the hash of every call it hands on. To find ids that occur more
//! than once without holding every id in memory (a week of calls is millions of them), hashes
//! go into a buffer of fixed size; a full buffer is sorted and written to a temporary file as a
//! run, and at the end the runs are merged, which finds every hash seen twice. Memory stays the
//! same whatever the input size; disk use is 8 bytes per call.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

/// Hashes a call id (the same function everywhere, so passes agree).
pub fn id_hash(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

pub struct SeenIds {
    buf: Vec<u64>,
    cap: usize,
    runs: Vec<std::fs::File>,
}

impl Default for SeenIds {
    fn default() -> Self {
        SeenIds::with_capacity(1 << 18)
    }
}

impl SeenIds {
    /// A log that spills every `cap` ids (2 MiB of memory for the default 2^18).
    pub fn with_capacity(cap: usize) -> SeenIds {
        SeenIds {
            buf: Vec::with_capacity(cap.min(1 << 18)),
            cap: cap.max(2),
            runs: Vec::new(),
        }
    }

    pub fn push(&mut self, hash: u64) -> io::Result<()> {
        self.buf.push(hash);
        if self.buf.len() >= self.cap {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.buf.sort_unstable();
        let mut file = tempfile::tempfile()?;
        {
            let mut w = BufWriter::with_capacity(1 << 16, &mut file);
            for h in &self.buf {
                w.write_all(&h.to_le_bytes())?;
            }
            w.flush()?;
        }
        file.rewind()?;
        self.runs.push(file);
        self.buf.clear();
        Ok(())
    }

    /// The hashes recorded more than once.
    pub fn duplicates(mut self) -> io::Result<HashSet<u64>> {
        let mut dups = HashSet::new();
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            for w in self.buf.windows(2) {
                if w[0] == w[1] {
                    dups.insert(w[0]);
                }
            }
            return Ok(dups);
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        // k-way merge of the sorted runs.
        let mut readers: Vec<BufReader<std::fs::File>> = self
            .runs
            .into_iter()
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .collect();
        let next = |r: &mut BufReader<std::fs::File>| -> io::Result<Option<u64>> {
            let mut b = [0u8; 8];
            match r.read_exact(&mut b) {
                Ok(()) => Ok(Some(u64::from_le_bytes(b))),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                Err(e) => Err(e),
            }
        };
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(v) = next(r)? {
                heap.push(Reverse((v, i)));
            }
        }
        let mut last: Option<u64> = None;
        while let Some(Reverse((v, i))) = heap.pop() {
            if last == Some(v) {
                dups.insert(v);
            }
            last = Some(v);
            if let Some(n) = next(&mut readers[i])? {
                heap.push(Reverse((n, i)));
            }
        }
        Ok(dups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dups(cap: usize, ids: &[u64]) -> Vec<u64> {
        let mut s = SeenIds::with_capacity(cap);
        for &i in ids {
            s.push(i).unwrap();
        }
        let mut d: Vec<u64> = s.duplicates().unwrap().into_iter().collect();
        d.sort_unstable();
        d
    }

    #[test]
    fn finds_repeats_in_memory_and_across_spilled_runs() {
        let ids = [5, 1, 9, 3, 1, 7, 9, 2, 9, 11];
        assert_eq!(dups(1000, &ids), [1, 9]);
        assert_eq!(dups(3, &ids), [1, 9], "runs of 3 on disk");
        assert_eq!(dups(2, &[1, 2, 3, 4]), Vec::<u64>::new());
    }

    #[test]
    fn many_ids_one_repeat() {
        let mut ids: Vec<u64> = (0..10_000).map(|i| i * 7919 % 10_007).collect();
        ids.push(ids[1234]);
        assert_eq!(dups(1000, &ids), [ids[1234]]);
    }
}
