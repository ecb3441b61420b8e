//! CSV side files, read whole before the run: `--metadata` (contact records) and `--agents`
//! (the agent directory). Both take any delimiter the utterance CSV takes, hold records to
//! `--max-call-bytes`, pass over blank lines and stop at the first record whose field count is
//! not the header's, naming the flag, the file and the line.

use super::sniff_delimiter;
use crate::read::describe_bytes;
use crate::read::input::open_path;
use crate::read::line_tracker::LineTracker;
use anyhow::{Context, bail};
use std::io::BufRead;
use std::path::Path;

/// An open side file, its header read.
pub(crate) struct SideFile {
    /// What messages start with: the flag and the file name (`--metadata contacts.csv`).
    label: String,
    rdr: csv::Reader<LineTracker<Box<dyn BufRead + Send>>>,
    max_record_bytes: u64,
    /// The header's names, as written.
    pub(crate) headers: Vec<String>,
    record: csv::StringRecord,
}

impl SideFile {
    /// Opens the file given to `flag` and reads its header; an empty file is an error that
    /// says what the header should hold (`expected`).
    pub(crate) fn open(
        flag: &str,
        path: &Path,
        max_record_bytes: u64,
        expected: &str,
    ) -> anyhow::Result<SideFile> {
        let label = format!("{flag} {}", path.display());
        let mut input = open_path(path).with_context(|| label.clone())?;
        let head = input.fill_buf().with_context(|| label.clone())?;
        if let Some(why) = crate::read::wide_encoding(head) {
            bail!("{label}: {why}");
        }
        let delimiter = sniff_delimiter(&mut input);
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(input, delimiter).with_limit(max_record_bytes));
        let mut side = SideFile {
            label,
            rdr,
            max_record_bytes,
            headers: Vec::new(),
            record: csv::StringRecord::new(),
        };
        if !side.read()? {
            bail!(
                "{}: the file is empty; expected a header with {expected}",
                side.label
            );
        }
        if side.rdr.get_mut().take_truncated().is_some() {
            return Err(side.too_long(1));
        }
        let end = side.rdr.position().byte();
        side.rdr.get_mut().record_started(end);
        side.headers = side.record.iter().map(str::to_string).collect();
        Ok(side)
    }

    /// The next record that is not a blank line, with the line it starts on; `None` at the end.
    pub(crate) fn next_record(&mut self) -> anyhow::Result<Option<(u64, &csv::StringRecord)>> {
        loop {
            if !self.read()? {
                return Ok(None);
            }
            let end = self.rdr.position().byte();
            let tracker = self.rdr.get_mut();
            let line = tracker.line_at(self.record.position().map_or(0, |p| p.byte()));
            if tracker.take_truncated().is_some() {
                return Err(self.too_long(line));
            }
            tracker.record_started(end);
            if self.record.len() == 1 && self.record[0].trim().is_empty() {
                continue;
            }
            if self.record.len() != self.headers.len() {
                bail!(
                    "{}:{line}: expected {} fields like the header, found {}",
                    self.label,
                    self.headers.len(),
                    self.record.len()
                );
            }
            return Ok(Some((line, &self.record)));
        }
    }

    fn read(&mut self) -> anyhow::Result<bool> {
        self.rdr.read_record(&mut self.record).map_err(|e| {
            // The physical line, as for the other messages (the csv crate's count lags behind
            // CRLFs and blank lines, and leaves lone CRs out).
            let line = e
                .position()
                .map_or(0, |p| self.rdr.get_mut().line_at(p.byte()));
            // Not the csv crate's text for bad UTF-8: it names its own line count.
            let why = match e.kind() {
                csv::ErrorKind::Utf8 { err, .. } => {
                    format!(
                        "invalid UTF-8 in field {} (save it as UTF-8)",
                        err.field() + 1
                    )
                }
                _ => e.to_string(),
            };
            anyhow::anyhow!("{}:{line}: cannot read: {why}", self.label)
        })
    }

    fn too_long(&self, line: u64) -> anyhow::Error {
        anyhow::anyhow!(
            "{}:{line}: a record longer than {} (--max-call-bytes)",
            self.label,
            describe_bytes(self.max_record_bytes)
        )
    }
}
