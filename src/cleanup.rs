//! Temporary files that an interrupted run removes: the staged outputs (`.callaudit-*.tmp`
//! beside each target) and the copy of stdin. They are deleted when dropped, but a signal ends
//! the process without running destructors: on SIGINT, SIGTERM or SIGHUP a watcher thread
//! removes every file still registered here, then lets the signal end the process as it would
//! have. The outputs already in place are never touched: an old report stays whole, and a new
//! one is either wholly renamed into place or not at all.
//!
//! A signal the process was started with ignored (`nohup` ignores SIGHUP, `cmd &` in a script
//! ignores SIGINT) stays ignored.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered temporary file: removed on a signal while this lives.
#[derive(Debug)]
pub struct Pending {
    path: Option<PathBuf>,
}

/// Registers `path` for removal on a signal, until the returned guard is dropped or settled.
pub fn register(path: &Path) -> Pending {
    pending().push(path.to_path_buf());
    Pending {
        path: Some(path.to_path_buf()),
    }
}

/// Creates a temporary file with `make` and registers it (its path by `path_of`), both with the
/// list locked: a signal between the two left the file behind (the watcher removed what was
/// registered, and this one was not yet; seen under load in
/// `an_interrupted_run_leaves_no_temporary_file_and_the_old_outputs_whole`).
pub fn created<T, E>(
    make: impl FnOnce() -> Result<T, E>,
    path_of: impl FnOnce(&T) -> &Path,
) -> Result<(T, Pending), E> {
    let mut list = pending();
    let made = make()?;
    let path = path_of(&made).to_path_buf();
    list.push(path.clone());
    Ok((made, Pending { path: Some(path) }))
}

fn forget(list: &mut Vec<PathBuf>, path: &Path) {
    if let Some(i) = list.iter().rposition(|p| p == path) {
        list.swap_remove(i);
    }
}

impl Pending {
    /// Runs `f` (the rename that puts the file in place) with the list locked, so that a signal
    /// cannot remove the file half-way, and forgets the path.
    pub fn settle<T>(mut self, f: impl FnOnce() -> T) -> T {
        let mut list = pending();
        let out = f();
        if let Some(path) = self.path.take() {
            forget(&mut list, &path);
        }
        out
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            forget(&mut pending(), &path);
        }
    }
}

/// The signals that end a run, and that a run cleans up after.
#[cfg(unix)]
const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// Signals ignored when the process started (Linux: `SigIgn` in /proc/self/status; elsewhere
/// none are assumed ignored).
#[cfg(unix)]
fn ignored_at_start() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0)
}

/// Starts the watcher thread. Call once, early in `main`.
#[cfg(unix)]
pub fn install() -> std::io::Result<()> {
    let ignored = ignored_at_start();
    let wanted: Vec<i32> = SIGNALS
        .into_iter()
        .filter(|&s| ignored & (1u64 << (s - 1)) == 0)
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new(&wanted)?;
    std::thread::Builder::new()
        .name("callaudit-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The list stays locked until the process is gone: no rename starts after this.
                let list = pending();
                for path in list.iter() {
                    let _ = std::fs::remove_file(path);
                }
                // End as the signal would have (a shell then reports 130 for ^C, and so on).
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
pub fn install() -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(path: &Path) -> bool {
        pending().iter().any(|p| p == path)
    }

    #[test]
    fn paths_are_listed_until_dropped_or_settled() {
        let a = Path::new("/tmp/callaudit-cleanup-test-a");
        let b = Path::new("/tmp/callaudit-cleanup-test-b");
        let ga = register(a);
        let gb = register(b);
        assert!(listed(a) && listed(b));
        drop(ga);
        assert!(!listed(a) && listed(b));
        assert_eq!(gb.settle(|| 7), 7);
        assert!(!listed(b));
    }

    /// A file made by `created` is listed as it is made, until its guard goes.
    #[test]
    fn a_created_file_is_listed_with_it() {
        let (file, guard) = created(
            tempfile::NamedTempFile::new,
            |f: &tempfile::NamedTempFile| f.path(),
        )
        .unwrap();
        assert!(listed(file.path()));
        drop(guard);
        assert!(!listed(file.path()));
        let failed: Result<(PathBuf, Pending), &str> = created(|| Err("no"), |p: &PathBuf| p);
        assert!(failed.is_err());
    }
}
