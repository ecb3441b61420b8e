//! Output files are written to a temporary file beside the target and renamed into place when
//! complete, so a nightly job never reads half a report. Devices, pipes and this process's own
//! streams (`-o /dev/stdout`) are not files to replace: they are written in place.
//!
//! The target is the file the path leads to: through a symlink (also one whose target does not
//! exist yet), so the link stays a link. A file that exists keeps its permissions. The staged
//! file is registered with `cleanup`, so that an interrupted run removes it.
//!
//! An output that may have to take back what it wrote (the per-call records, rewritten when a
//! second pass assembles calls whose rows were not together) is opened with `create_held` and
//! started again with `restart`. A staged file is simply emptied; an output written in place
//! (stdout, a pipe, a FIFO) cannot take anything back, so what is written to it is held in a
//! spool (memory up to `SPOOL_IN_MEMORY`, then an anonymous temporary file, which leaves
//! nothing behind even on SIGKILL) and copied there on commit, once.
//!
//! A run with several outputs replaces them together: each is first `prepare`d (written whole
//! and synced to its staged file, or held complete), and only when every one of them is
//! ready are they `commit`ted: copied to their reader first (the one write that can still
//! fail), then renamed into place. A run that fails before the renames replaces none of them. Errors name the output (the path it was given), never
//! the temporary file it is staged in.

use crate::cleanup;
use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use tempfile::{SpooledTempFile, TempPath};

pub struct AtomicFile {
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    /// A temporary file beside `target` (the file `path` leads to through symlinks), renamed
    /// over it on commit. `pending` outlives `file`, so the file is never unlisted while it
    /// still exists.
    Staged {
        file: BufWriter<fs::File>,
        tmp: TempPath,
        target: PathBuf,
        pending: cleanup::Pending,
    },
    /// Written where it is. Devices, FIFOs and `/dev/fd/N`: renaming over one of these would
    /// replace the device with a regular file (as root, for everyone on the machine). And
    /// `/dev/stdout`, `/dev/stderr`: our own streams, so that `-o /dev/stdout >> log` appends
    /// as the shell said (reopening the path would start a regular file at offset 0, and
    /// staging would rename over it: both lose what the file held).
    Direct(BufWriter<Box<dyn Write + Send>>),
    /// Written in place on commit: until then held in `spool`, so that `restart` can take it
    /// back (a pipe cannot be rewound). `dest` is opened at creation, so a bad path fails fast,
    /// and stays open across restarts (closing a FIFO would end its reader's input).
    Held {
        spool: BufWriter<SpooledTempFile>,
        dest: BufWriter<Box<dyn Write + Send>>,
    },
    /// `/dev/null` (by any name): what is written is dropped, and starting again is free, so
    /// nothing is held for it.
    Discard,
}

/// What a held output keeps in memory before its spool moves to a temporary file.
const SPOOL_IN_MEMORY: usize = 1 << 20;

/// Which of this process's own streams a path names: 1 (stdout) or 2 (stderr). Compared by
/// components, so `/dev//stdout` and `/dev/./stdout` are `/dev/stdout`.
fn standard_stream_fd(path: &Path) -> Option<u8> {
    let named = |names: [&str; 3]| names.iter().any(|n| path == Path::new(n));
    if named(["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]) {
        Some(1)
    } else if named(["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]) {
        Some(2)
    } else {
        None
    }
}

/// Whether `path` names this process's stdout: `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`.
pub fn is_stdout(path: &Path) -> bool {
    standard_stream_fd(path) == Some(1)
}

/// Whether `path` leads to this process's stdout by name: one of its names, or a chain of
/// symlinks that passes through one (`ln -s /dev/stdout out`). Resolving the chain to its end
/// would not do: `/proc/self/fd/1` leads to the terminal or the pipe, whose name says nothing.
pub fn names_stdout(path: &Path) -> bool {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if is_stdout(&at) {
            return true;
        }
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::read_link(&at) {
                Ok(next) => {
                    at = match at.parent() {
                        Some(dir) if next.is_relative() => dir.join(next),
                        _ => next,
                    };
                }
                Err(_) => return false,
            },
            _ => return false,
        }
    }
    false
}

/// The metadata of what this process's stdout is open on (`fstat(1)`): `None` when it is
/// closed.
#[cfg(unix)]
pub fn stdout_metadata() -> Option<fs::Metadata> {
    use std::os::fd::AsFd;
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(fs::File::from)
        .and_then(|f| f.metadata().ok())
}

#[cfg(not(unix))]
pub fn stdout_metadata() -> Option<fs::Metadata> {
    None
}

/// Whether stdout was closed when the process started (`callaudit … >&-`), as the binary
/// noted before the Rust runtime put `/dev/null` in its place (`note_stdout_closed`).
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes that stdout was closed at start. The runtime opens `/dev/null` on a closed stdout
/// before `main`, where writes vanish with success: the binary looks first, and says.
pub fn note_stdout_closed() {
    STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// `Ok` when stdout can take what a run writes there; an error (EBADF) when it was closed at
/// start, so that a report sent there is an error, not lost with exit 0. `what` is what goes
/// there ("the report").
pub fn stdout_open(what: &str) -> io::Result<()> {
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        let ebadf = io::Error::from_raw_os_error(9);
        return Err(io::Error::new(
            ebadf.kind(),
            format!(
                "stdout is closed (`>&-`), so {what} would be lost: write it to a file, or send stdout to /dev/null to drop it ({ebadf})"
            ),
        ));
    }
    Ok(())
}

/// This process's own stream for a path that names one.
fn standard_stream(path: &Path) -> io::Result<Option<Box<dyn Write + Send>>> {
    match standard_stream_fd(path) {
        None => Ok(None),
        Some(1) => {
            stdout_open(&format!("what goes to {}", path.display()))?;
            Ok(Some(Box::new(io::stdout())))
        }
        Some(_) => Ok(Some(Box::new(io::stderr()))),
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

/// `e`, naming the output it happened to (the path it was given, never a staged file's), of the
/// same kind (a broken pipe stays one).
fn naming(path: &Path, e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// This process's stdout, locked, for a command's report or listing written there: an error
/// names it (`stdout: No space left on device`), as a file output's names the file, and keeps
/// its kind (a reader that has gone is still a broken pipe).
pub struct Stdout(io::StdoutLock<'static>);

/// Locks stdout for writing (see `Stdout`).
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .write(buf)
            .map_err(|e| naming(Path::new("stdout"), &e))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0
            .write_all(buf)
            .map_err(|e| naming(Path::new("stdout"), &e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(|e| naming(Path::new("stdout"), &e))
    }
}

impl AtomicFile {
    /// An output written once: staged and renamed, or written in place as it comes.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let with_path = |e: io::Error| naming(path, &e);
        let direct = |w: Box<dyn Write + Send>| Sink::Direct(BufWriter::with_capacity(BUFFER, w));
        let sink = match (standard_stream(path)?, fs::metadata(path)) {
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

    /// An output that may be started again (`restart`): as `create`, but an output written in
    /// place is held in a spool until `commit`, so that nothing taken back ever reaches it.
    pub fn create_held(path: &Path) -> io::Result<AtomicFile> {
        let mut file = AtomicFile::create(path)?;
        file.sink = match file.sink {
            Sink::Direct(_) if is_dev_null(path) => Sink::Discard,
            Sink::Direct(dest) => Sink::Held {
                spool: BufWriter::with_capacity(BUFFER, SpooledTempFile::new(SPOOL_IN_MEMORY)),
                dest,
            },
            staged => staged,
        };
        Ok(file)
    }

    /// Forgets everything written so far: the file starts again empty. Only an output of
    /// `create_held` (or a staged one) can; one written in place as it comes cannot.
    pub fn restart(&mut self) -> io::Result<()> {
        let path = &self.path;
        let with_path = |e: io::Error| naming(path, &e);
        match &mut self.sink {
            Sink::Staged { file, .. } => {
                file.flush().map_err(with_path)?;
                let f = file.get_mut();
                f.set_len(0).map_err(with_path)?;
                f.rewind().map_err(with_path)?;
            }
            Sink::Held { spool, .. } => {
                spool.flush().map_err(with_path)?;
                let s = spool.get_mut();
                s.set_len(0).map_err(with_path)?;
                s.rewind().map_err(with_path)?;
            }
            Sink::Discard => {}
            Sink::Direct(_) => {
                return Err(with_path(io::Error::other(
                    "internal: an output written in place cannot start again",
                )));
            }
        }
        Ok(())
    }

    /// Renames the finished file into place (or flushes what was written in place): `prepare`
    /// and `Prepared::commit` at once, for an output that is the run's only one.
    pub fn commit(self) -> io::Result<()> {
        self.prepare()?.commit()
    }

    /// Finishes writing: everything reaches the staged file and the disk (or the spool, or,
    /// for an output written in place, its destination), but nothing is put in place yet.
    /// Errors here (a full disk, a spool without a usable `TMPDIR`) leave the old file as it
    /// was.
    pub fn prepare(self) -> io::Result<Prepared> {
        let path = self.path;
        let with_path = |e: &io::Error| naming(&path, e);
        let ready = match self.sink {
            Sink::Direct(mut w) => {
                w.flush().map_err(|e| with_path(&e))?;
                Ready::Done
            }
            Sink::Discard => Ready::Done,
            Sink::Held { spool, dest } => {
                let mut spool = spool
                    .into_inner()
                    .map_err(|e| with_path(&held_error(e.into_error())))?;
                spool.rewind().map_err(|e| with_path(&held_error(e)))?;
                Ready::Held { spool, dest }
            }
            Sink::Staged {
                file,
                tmp,
                target,
                pending,
            } => {
                let file = file.into_inner().map_err(|e| with_path(e.error()))?;
                file.sync_all().ok();
                drop(file);
                Ready::Staged {
                    tmp,
                    target,
                    pending,
                }
            }
        };
        Ok(Prepared { path, ready })
    }
}

/// An output written whole (`AtomicFile::prepare`), to be put in place by `commit`.
pub struct Prepared {
    path: PathBuf,
    ready: Ready,
}

enum Ready {
    /// Written where it goes already (or dropped: `/dev/null`).
    Done,
    /// Staged beside its target, renamed over it on commit.
    Staged {
        tmp: TempPath,
        target: PathBuf,
        pending: cleanup::Pending,
    },
    /// Held until the run ends, then copied to its destination (stdout, a pipe, a device).
    Held {
        spool: SpooledTempFile,
        dest: BufWriter<Box<dyn Write + Send>>,
    },
}

impl Prepared {
    /// Whether `commit` writes the output to a reader (stdout, a pipe, a device) rather than
    /// renaming a file: such a reader may have gone, and it sees the output only then.
    pub fn reaches_a_reader(&self) -> bool {
        matches!(self.ready, Ready::Held { .. })
    }

    /// Puts the output in place: renames the staged file over the target, or copies what was
    /// held to its destination.
    pub fn commit(self) -> io::Result<()> {
        let path = self.path;
        let with_path = |e: &io::Error| naming(&path, e);
        match self.ready {
            Ready::Done => Ok(()),
            Ready::Held {
                mut spool,
                mut dest,
            } => {
                io::copy(&mut spool, &mut dest).map_err(|e| with_path(&e))?;
                dest.flush().map_err(|e| with_path(&e))
            }
            Ready::Staged {
                tmp,
                target,
                pending,
            } => {
                // The rename and the unlisting happen with no signal's cleanup in between.
                pending
                    .settle(|| tmp.persist(&target))
                    .map_err(|e| with_path(&e.error))?;
                Ok(())
            }
        }
    }
}

/// Puts prepared outputs in place: first the ones that reach a reader (written out to stdout,
/// a pipe, a device), then the files, renamed in order. Called once every output of a run is
/// prepared, so that a run that fails replaces none of them: a reader's write can still fail
/// (`--calls /dev/full`), and it fails before any file is renamed (the staged files are then
/// removed). A reader that has gone (a broken pipe: `--calls - | head -1`) is not an error: it
/// takes nothing more, and the files are still put in place.
pub fn commit_all(outputs: impl IntoIterator<Item = Prepared>) -> io::Result<()> {
    let (readers, files): (Vec<Prepared>, Vec<Prepared>) =
        outputs.into_iter().partition(Prepared::reaches_a_reader);
    for p in readers {
        match p.commit() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            done => done?,
        }
    }
    for p in files {
        p.commit()?;
    }
    Ok(())
}

/// A staged sink for `target`: a temporary file beside it, with `keep`'s permissions when the
/// target exists, else those of a new file.
fn staged(target: PathBuf, keep: Option<fs::Permissions>) -> io::Result<Sink> {
    let (staged, pending) = cleanup::created(|| staged_beside(&target), |f| f.path())?;
    if let Some(perms) = keep {
        // Set on the open file: not narrowed by the umask as a mode at creation would be.
        staged.as_file().set_permissions(perms)?;
    }
    // The file is written as a plain file, so that an error names the output rather than the
    // temporary file (the caller adds the output's path).
    let (file, tmp) = staged.into_parts();
    Ok(Sink::Staged {
        file: BufWriter::with_capacity(BUFFER, file),
        tmp,
        target,
        pending,
    })
}

fn staged_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
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
    Ok(file)
}

/// Errors name the output by the path it was given (`r.json: No space left on device`).
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = match &mut self.sink {
            Sink::Staged { file, .. } => file.write(buf),
            Sink::Direct(w) => w.write(buf),
            Sink::Held { spool, .. } => spool.write(buf).map_err(held_error),
            Sink::Discard => Ok(buf.len()),
        };
        written.map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = match &mut self.sink {
            Sink::Staged { file, .. } => file.flush(),
            Sink::Direct(w) => w.flush(),
            // Nothing reaches the destination before commit.
            Sink::Held { spool, .. } => spool.flush().map_err(held_error),
            Sink::Discard => Ok(()),
        };
        flushed.map_err(|e| self.named(e))
    }
}

impl AtomicFile {
    /// `e`, naming the output, of the same kind (a broken pipe stays one).
    fn named(&self, e: io::Error) -> io::Error {
        naming(&self.path, &e)
    }
}

/// Whether `path` is `/dev/null`, by whatever name or link.
fn is_dev_null(path: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|p| p == Path::new("/dev/null"))
}

/// A spool's error says what the spool is: the user named no temporary file.
fn held_error(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "cannot hold the output in a temporary file until the run ends ({}): {e}",
            tmpdir_advice()
        ),
    )
}

/// Where temporary files go and what to do when they cannot be written there: one wording for
/// the held outputs and the pipeline's spools.
pub fn tmpdir_advice() -> String {
    format!(
        "in {}; set TMPDIR to a writable directory with room",
        std::env::temp_dir().display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO in `dir`, and a thread reading it whole.
    #[cfg(unix)]
    fn fifo_with_reader(dir: &Path) -> (PathBuf, std::thread::JoinHandle<String>) {
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        (fifo, reader)
    }

    /// `/dev/null` is not held in a spool (that cost a temporary file of the whole output,
    /// and failed without a usable TMPDIR): it drops what it gets, and can start again.
    #[test]
    fn dev_null_is_not_held() {
        for name in ["/dev/null", "/dev/../dev/null"] {
            let mut out = AtomicFile::create_held(Path::new(name)).unwrap();
            assert!(matches!(out.sink, Sink::Discard), "{name}");
            out.write_all(&vec![b'x'; 2 * SPOOL_IN_MEMORY]).unwrap();
            out.restart().unwrap();
            out.write_all(b"again").unwrap();
            out.commit().unwrap();
        }
    }

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
        let (fifo, reader) = fifo_with_reader(dir.path());
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

    #[test]
    fn a_restarted_file_holds_only_what_came_after() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("calls.csv");
        let mut f = AtomicFile::create_held(&target).unwrap();
        f.write_all(b"first pass, longer than the second\n")
            .unwrap();
        f.restart().unwrap();
        f.write_all(b"second\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "second\n");
    }

    /// A pipe cannot be rewound: a held output reaches it only on commit, once, and the
    /// destination stays open across restarts (its reader sees one stream).
    #[cfg(unix)]
    #[test]
    fn a_held_pipe_gets_only_what_was_written_after_the_last_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (fifo, reader) = fifo_with_reader(dir.path());
        let mut f = AtomicFile::create_held(&fifo).unwrap();
        // More than the spool keeps in memory: it moves to a temporary file.
        let big = "x".repeat(SPOOL_IN_MEMORY + 10);
        f.write_all(big.as_bytes()).unwrap();
        f.flush().unwrap();
        f.restart().unwrap();
        f.write_all(b"first\n").unwrap();
        f.restart().unwrap();
        f.write_all(big.as_bytes()).unwrap();
        f.write_all(b"second\n").unwrap();
        f.commit().unwrap();
        assert_eq!(reader.join().unwrap(), format!("{big}second\n"));
    }

    #[cfg(unix)]
    #[test]
    fn an_output_written_as_it_comes_cannot_restart() {
        let mut f = AtomicFile::create(Path::new("/dev/null")).unwrap();
        assert!(f.restart().is_err());
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
