//! `--shard I/N`: which calls one of N parallel jobs audits, by a fixed hash of the call id,
//! so N jobs over the same inputs split the calls between them, each exactly once.

use serde::{Deserialize, Serialize};

/// FNV-1a, 64 bits: the fixed hash of shards and fingerprints (offset basis
/// 0xcbf29ce484222325, prime 0x100000001b3), the same on every machine and in every version.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `--shard I/N`: the calls whose id's FNV-1a 64 hash, modulo N, is I − 1 (shards count from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether a call belongs to this shard (by the bytes of its id, as reports show it).
    pub fn holds(&self, call_id: &str) -> bool {
        fnv1a64(call_id.as_bytes()) % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad =
            || format!("`{s}`: expected I/N with 1 <= I <= N, like 2/8 (shards count from 1)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn shards_parse_from_one_and_split_every_id_once() {
        assert_eq!(
            "2/8".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 8 }
        );
        for bad in ["0/4", "5/4", "1/0", "x", "1/", "/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        for n in 1..6u64 {
            for id in ["C-1001", "C-1002", "é", ""] {
                let holding = (1..=n)
                    .filter(|&i| Shard { index: i, count: n }.holds(id))
                    .count();
                assert_eq!(holding, 1, "{id} in {n} shards");
            }
        }
    }
}
