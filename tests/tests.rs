//! The integration tests, one binary: each module of `it/` tests one area through the real
//! `callaudit` binary (built by cargo for the tests) or the library. One binary links once,
//! where a binary per file linked the whole crate once per file.

mod it;
