//! Output files are written to a temporary file beside the target and renamed into place when
//! complete, so a nightly job never reads half a report. Devices, pipes and this process's own
//! streams (`-o /dev/stdout`) are not files to replace: they are written in place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

pub struct AtomicFile {
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    /// A temporary file beside the target, renamed over it on commit.
    Staged(BufWriter<NamedTempFile>),
    /// Written where it is: `/dev/null`, a FIFO, a `/dev/fd/N`. Renaming over one of these
    /// would replace the device with a regular file (as root, for everyone on the machine).
    InPlace(BufWriter<File>),
    /// `/dev/stdout` and its aliases: our own standard output, so that `-o /dev/stdout >> log`
    /// appends like the shell said. (Reopening the path would start a regular file at offset 0,
    /// and staging would rename over it: both lose what the file held.)
    Stdout(BufWriter<io::Stdout>),
    Stderr(io::Stderr),
}

/// Paths that name a standard stream of this process.
fn standard_stream(path: &Path) -> Option<u8> {
    match path.to_str()? {
        "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(1),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(2),
        _ => None,
    }
}

/// Other descriptors of this process (`>(gzip > r.gz)` gives `/dev/fd/63`): written in place.
fn descriptor_path(path: &Path) -> bool {
    path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd")
}

const BUFFER: usize = 256 * 1024;

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let sink = match fs::metadata(path) {
            _ if standard_stream(path) == Some(1) => {
                Sink::Stdout(BufWriter::with_capacity(BUFFER, io::stdout()))
            }
            _ if standard_stream(path) == Some(2) => Sink::Stderr(io::stderr()),
            Ok(meta) if descriptor_path(path) || (!meta.is_file() && !meta.is_dir()) => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(with_path)?;
                Sink::InPlace(BufWriter::with_capacity(BUFFER, file))
            }
            // An existing regular file, possibly behind a symlink: stage beside the file the link
            // points to, so the rename replaces the file and leaves the link alone.
            Ok(meta) if meta.is_file() => {
                let real = fs::canonicalize(path).map_err(with_path)?;
                Sink::Staged(staged_beside(&real).map_err(with_path)?)
            }
            // A new file, or a directory (whose rename then fails with a clear error).
            _ => Sink::Staged(staged_beside(path).map_err(with_path)?),
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            sink,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the finished file into place (or flushes a device or pipe written in place).
    pub fn commit(self) -> io::Result<()> {
        let path = self.path;
        let with_path = |kind: io::ErrorKind, e: &dyn std::fmt::Display| {
            io::Error::new(kind, format!("{}: {e}", path.display()))
        };
        match self.sink {
            Sink::InPlace(mut w) => w.flush().map_err(|e| with_path(e.kind(), &e)),
            Sink::Stdout(mut w) => w.flush().map_err(|e| with_path(e.kind(), &e)),
            Sink::Stderr(mut w) => w.flush().map_err(|e| with_path(e.kind(), &e)),
            Sink::Staged(w) => {
                let tmp = w
                    .into_inner()
                    .map_err(|e| with_path(e.error().kind(), e.error()))?;
                tmp.as_file().sync_all().ok();
                // The staged file sits beside the real target (see `create`).
                let target = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                tmp.persist(&target)
                    .map_err(|e| with_path(e.error.kind(), &e.error))?;
                Ok(())
            }
        }
    }
}

fn staged_beside(path: &Path) -> io::Result<BufWriter<NamedTempFile>> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".callaudit-").suffix(".tmp");
    // Temporary files are private (0600) by default; a report is an ordinary file that
    // others may read, so it gets the mode `>` would give it (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    Ok(BufWriter::with_capacity(BUFFER, builder.tempfile_in(dir)?))
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Staged(w) => w.write(buf),
            Sink::InPlace(w) => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
            Sink::Stderr(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Staged(w) => w.flush(),
            Sink::InPlace(w) => w.flush(),
            Sink::Stdout(w) => w.flush(),
            Sink::Stderr(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"{}").unwrap();
        f.flush().unwrap();
        assert!(!target.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
        // Only the target is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn reports_get_the_mode_of_an_ordinary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        AtomicFile::create(&target).unwrap().commit().unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        // The umask is inherited: a shell started from here reports ours.
        let out = std::process::Command::new("sh")
            .args(["-c", "umask"])
            .output()
            .unwrap();
        let umask = u32::from_str_radix(String::from_utf8_lossy(&out.stdout).trim(), 8).unwrap();
        assert_eq!(mode, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
    }

    #[test]
    fn dropped_files_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        drop(AtomicFile::create(&target).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_pipes_are_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let mut f = AtomicFile::create(&fifo).unwrap();
        f.write_all(b"{\"ok\":true}").unwrap();
        f.commit().unwrap();
        assert_eq!(reader.join().unwrap(), "{\"ok\":true}");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        // And nothing was staged beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_report_replaces_the_file_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("latest.json");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }
}
