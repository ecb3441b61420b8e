//! Output files are written to a temporary file beside the target and renamed into place when
//! complete, so a nightly job never reads half a report. Devices, pipes and this process's own
//! streams (`-o /dev/stdout`) are not files to replace: they are written in place.
//!
//! The target is the file the path leads to: through a symlink (also one whose target does not
//! exist yet), so the link stays a link. A file that exists keeps its permissions. The staged
//! file is registered with `cleanup`, so that an interrupted run removes it.

use crate::cleanup;
use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

pub struct AtomicFile {
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    /// A temporary file beside `target` (the file `path` leads to through symlinks), renamed
    /// over it on commit. `pending` outlives `file`, so the file is never unlisted while it
    /// still exists.
    Staged {
        file: BufWriter<NamedTempFile>,
        target: PathBuf,
        pending: cleanup::Pending,
    },
    /// Written where it is. Devices, FIFOs and `/dev/fd/N`: renaming over one of these would
    /// replace the device with a regular file (as root, for everyone on the machine). And
    /// `/dev/stdout`, `/dev/stderr`: our own streams, so that `-o /dev/stdout >> log` appends
    /// as the shell said (reopening the path would start a regular file at offset 0, and
    /// staging would rename over it: both lose what the file held).
    Direct(BufWriter<Box<dyn Write + Send>>),
}

/// Which of this process's own streams a path names: 1 (stdout) or 2 (stderr).
fn standard_stream_fd(path: &Path) -> Option<u8> {
    match path.to_str()? {
        "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(1),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(2),
        _ => None,
    }
}

/// Whether `path` names this process's stdout: `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`.
pub fn is_stdout(path: &Path) -> bool {
    standard_stream_fd(path) == Some(1)
}

/// This process's own stream for a path that names one.
fn standard_stream(path: &Path) -> Option<Box<dyn Write + Send>> {
    match standard_stream_fd(path)? {
        1 => Some(Box::new(io::stdout())),
        _ => Some(Box::new(io::stderr())),
    }
}

/// Other descriptors of this process (`>(gzip > r.gz)` gives `/dev/fd/63`): written in place.
fn descriptor_path(path: &Path) -> bool {
    path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd")
}

/// Whether `path` is written in place rather than staged and renamed: our own streams,
/// descriptors, and anything that exists but is neither a regular file nor a directory
/// (devices, FIFOs, sockets). Such a path has no extension to say a format by.
pub fn written_in_place(path: &Path) -> bool {
    standard_stream_fd(path).is_some()
        || descriptor_path(path)
        || fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Symlinks followed before giving up, as the kernel does (ELOOP).
const MAX_LINKS: usize = 40;

/// The path a chain of symlinks ends at, whether or not that file exists: `path` itself when
/// it is not a link.
fn link_target(path: &Path) -> io::Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Which file a path names, through symlinks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileId {
    /// An existing file: device and inode.
    Inode(u64, u64),
    /// A file not created yet (or a system without inodes): where it would be, canonical.
    Path(PathBuf),
}

/// The identity of an existing file, from its metadata.
#[cfg(unix)]
pub fn inode_of(meta: &fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some(FileId::Inode(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub fn inode_of(_meta: &fs::Metadata) -> Option<FileId> {
    None
}

/// Which file `path` names: device and inode when it exists, else the canonical path it would
/// be created at (a dangling symlink's target, in its directory with links resolved).
pub fn file_id(path: &Path) -> io::Result<FileId> {
    if let Ok(meta) = fs::metadata(path)
        && let Some(id) = inode_of(&meta)
    {
        return Ok(id);
    }
    if let Ok(canonical) = fs::canonicalize(path) {
        return Ok(FileId::Path(canonical));
    }
    let target = link_target(path)?;
    let name = target.file_name().map(|n| n.to_os_string());
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(match (fs::canonicalize(&dir), name) {
        (Ok(dir), Some(name)) => FileId::Path(dir.join(name)),
        _ => FileId::Path(std::path::absolute(&target)?),
    })
}

const BUFFER: usize = 256 * 1024;

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let direct = |w: Box<dyn Write + Send>| Sink::Direct(BufWriter::with_capacity(BUFFER, w));
        let sink = match (standard_stream(path), fs::metadata(path)) {
            (Some(stream), _) => direct(stream),
            (None, Ok(meta)) if descriptor_path(path) || (!meta.is_file() && !meta.is_dir()) => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(with_path)?;
                direct(Box::new(file))
            }
            // An existing regular file, possibly behind a symlink: stage beside the file the link
            // points to, so the rename replaces the file and leaves the link alone; the new file
            // gets the old one's permissions.
            (None, Ok(meta)) if meta.is_file() => {
                let target = fs::canonicalize(path).map_err(with_path)?;
                staged(target, Some(meta.permissions())).map_err(with_path)?
            }
            // A new file, possibly through a symlink whose target does not exist yet: created
            // where the link points, so the link stays a link.
            (None, Err(e)) if e.kind() == io::ErrorKind::NotFound => {
                let target = link_target(path).map_err(with_path)?;
                staged(target, None).map_err(with_path)?
            }
            (None, Err(e)) => return Err(with_path(e)),
            // A directory: refused now, not when the finished output is renamed onto it at
            // the end of a run that may have taken an hour.
            (None, Ok(_)) => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!(
                        "{}: is a directory: an output needs a file name",
                        path.display()
                    ),
                ));
            }
        };
        Ok(AtomicFile {
            path: path.to_path_buf(),
            sink,
        })
    }

    /// Renames the finished file into place (or flushes what was written in place).
    pub fn commit(self) -> io::Result<()> {
        let path = self.path;
        let with_path = |kind: io::ErrorKind, e: &dyn std::fmt::Display| {
            io::Error::new(kind, format!("{}: {e}", path.display()))
        };
        match self.sink {
            Sink::Direct(mut w) => w.flush().map_err(|e| with_path(e.kind(), &e)),
            Sink::Staged {
                file,
                target,
                pending,
            } => {
                let tmp = file
                    .into_inner()
                    .map_err(|e| with_path(e.error().kind(), e.error()))?;
                tmp.as_file().sync_all().ok();
                // The rename and the unlisting happen with no signal's cleanup in between.
                pending
                    .settle(|| tmp.persist(&target))
                    .map_err(|e| with_path(e.error.kind(), &e.error))?;
                Ok(())
            }
        }
    }
}

/// A staged sink for `target`: a temporary file beside it, with `keep`'s permissions when the
/// target exists, else those of a new file.
fn staged(target: PathBuf, keep: Option<fs::Permissions>) -> io::Result<Sink> {
    let file = staged_beside(&target)?;
    if let Some(perms) = keep {
        // Set on the open file: not narrowed by the umask as a mode at creation would be.
        file.get_ref().as_file().set_permissions(perms)?;
    }
    let pending = cleanup::register(file.get_ref().path());
    Ok(Sink::Staged {
        file,
        target,
        pending,
    })
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
    // tempfile's error names its own temporary file, which the user never asked for: say what
    // is wrong with the directory instead (the caller adds the output's path).
    let file = builder.tempfile_in(dir).map_err(|e| {
        let what = match e.kind() {
            io::ErrorKind::NotFound => format!("no directory {}", dir.display()),
            kind => format!("cannot create a file in {}: {kind}", dir.display()),
        };
        io::Error::new(e.kind(), what)
    })?;
    Ok(BufWriter::with_capacity(BUFFER, file))
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Staged { file, .. } => file.write(buf),
            Sink::Direct(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Staged { file, .. } => file.flush(),
            Sink::Direct(w) => w.flush(),
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
