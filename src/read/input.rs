//! Inputs: files, directories (recursive, by extension) and `-` for stdin; gzip by content.

use super::InputFormat;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// One input file of a run.
#[derive(Debug)]
pub struct Input {
    /// The file to open; for stdin, the spool file it was copied to.
    pub path: PathBuf,
    /// The name for messages: the path as found, or `-`.
    pub name: String,
    /// Keeps a stdin spool alive (and deletes it at the end, or on a signal).
    _spool: Option<Spool>,
    /// Why a file found in a directory cannot be read (a broken link, a directory that cannot
    /// be listed). Reported when the input is opened, so that it stops the run naming the file,
    /// or is passed over and counted under `--keep-going`, like any other unreadable file.
    problem: Option<String>,
    /// Size, device and inode as found when the inputs were listed (the one `stat` of the
    /// file a run makes; `None` when it could not be taken then).
    meta: Option<FileMeta>,
    /// For a pipe named on the command line (a FIFO, `<(zcat x.gz)`): the spool file it is
    /// copied to when it is first opened (see `open_file`).
    pipe: Option<std::sync::Mutex<Option<Spool>>>,
}

/// A copy of a stream that can be read only once, deleted with the last reference (or on a
/// signal).
type Spool = std::sync::Arc<(tempfile::NamedTempFile, crate::cleanup::Pending)>;

/// What a run needs to know of an input file without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Size in bytes.
    pub len: u64,
    pub dev: u64,
    pub ino: u64,
    /// Last modification: seconds and nanoseconds since the epoch.
    pub mtime: (i64, i64),
    /// A regular file: it has an end. Not a device such as `/dev/zero`, which may not.
    pub regular: bool,
}

impl FileMeta {
    fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileMeta {
            len: meta.len(),
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            regular: meta.is_file(),
        }
    }

    /// How the file differs `now` from this listing of it (`None`: it does not): another
    /// file, another size, or a later modification.
    fn changed_to(&self, now: &FileMeta) -> Option<String> {
        if (now.dev, now.ino) != (self.dev, self.ino) {
            Some("it was replaced by another file".to_string())
        } else if now.len != self.len {
            Some(format!(
                "its size went from {} to {} bytes",
                self.len, now.len
            ))
        } else if now.mtime != self.mtime {
            Some("it was modified".to_string())
        } else {
            None
        }
    }
}

/// Checks, once a file has been read to its end, that the file at `path` is still the one
/// listed when the run began (`listed`): same device and inode, size and modification time,
/// taken as the listing took them (`stat`, following links). A file truncated, rewritten or
/// appended to while it was read gave other rows than it holds, and its last call may be cut
/// short; one replaced is no longer what the run reports on. The error says so, and the reader
/// meets it where the file ends, as it would meet a cut gzip stream.
pub fn check_unchanged(listed: &FileMeta, path: &Path) -> io::Result<()> {
    let now = FileMeta::of(&std::fs::metadata(path)?);
    match listed.changed_to(&now) {
        None => Ok(()),
        Some(what) => Err(io::Error::other(format!(
            "the file changed while it was being audited ({what}): audit it once it is complete (or a copy of it)"
        ))),
    }
}

impl Input {
    /// The file's size, device and inode as found when the inputs were listed, else as found
    /// now; `None` when it cannot be found.
    pub fn meta(&self) -> Option<FileMeta> {
        self.meta
            .or_else(|| std::fs::metadata(&self.path).ok().map(|m| FileMeta::of(&m)))
    }

    /// Opens the file to read. A pipe can be read once, and an input is read from its start
    /// more than once (the gzip magic, then the reader; the second pass of split calls): a pipe
    /// named on the command line is copied to a spool file when it is first opened, as stdin
    /// is when listed, and that copy is read. Not at listing: outputs are staged first, as for
    /// any input.
    pub fn open_file(&self) -> io::Result<File> {
        let Some(slot) = &self.pipe else {
            return File::open(&self.path);
        };
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        let spool = match slot.as_ref() {
            Some(spool) => spool,
            None => slot.insert(std::sync::Arc::new(spool_file(File::open(&self.path)?)?)),
        };
        File::open(spool.0.path())
    }

    /// How the file differs now from when the inputs were listed (`None`: it does not, or
    /// nothing was known of it then, or it is a copy the run made of stdin or a pipe). The
    /// second pass over the inputs (calls whose rows are apart) must read what the first read.
    pub fn changed_since_listing(&self) -> Option<String> {
        let listed = self.meta?;
        if self.pipe.is_some() || self._spool.is_some() {
            return None;
        }
        let now = match std::fs::metadata(&self.path) {
            Ok(m) => FileMeta::of(&m),
            Err(e) => return Some(format!("it can no longer be read: {e}")),
        };
        listed.changed_to(&now)
    }

    /// The listing to check the file against once it has been read to its end (see
    /// `check_unchanged`); `None` when nothing was known of it then, or when it is a copy the
    /// run made of stdin or a pipe (which nothing else writes).
    pub fn listing_to_check(&self) -> Option<FileMeta> {
        if self.pipe.is_some() || self._spool.is_some() {
            return None;
        }
        self.meta
    }

    /// Whether the input may have no end: a device named on the command line (`/dev/zero`),
    /// not a regular file. A regular file, stdin and a pipe (copied to a file when first
    /// opened) end, so an over-long line in them is passed over to its end however long it is.
    pub fn may_be_endless(&self) -> bool {
        if self.pipe.is_some() || self._spool.is_some() {
            return false;
        }
        self.meta().is_some_and(|m| !m.regular)
    }

    /// The file's size (see `meta`).
    pub fn size(&self) -> Option<u64> {
        self.meta().map(|m| m.len)
    }

    /// The name used to pick a format: without a `.gz` ending.
    pub fn format_name(&self) -> &str {
        let n = self.name.as_str();
        n.strip_suffix(".gz")
            .or_else(|| n.strip_suffix(".GZ"))
            .unwrap_or(n)
    }

    /// Whether the name ends in `.gz` (any case).
    pub fn gz_named(&self) -> bool {
        self.format_name().len() != self.name.len()
    }

    /// Why the file cannot be read, when that was found out while listing a directory.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// The file name (no directories), for `--agent-from-filename`.
    pub fn file_name(&self) -> &str {
        Path::new(&self.name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.name)
    }
}

/// The inputs of a run in canonical order (stdin first, then paths sorted), so that results
/// do not depend on the order the arguments were given in. A file is read once however many
/// ways it is named (see `duplicates`).
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Files inside directories passed over for their extension.
    pub ignored: Vec<String>,
    /// Hidden files and folders inside directories (a name starting with `.`: `.git/`,
    /// `.snapshot/`, `.old.csv`), passed over whole: backup and version-control copies would
    /// otherwise merge into the live calls. Folders end with `/`.
    pub hidden: Vec<String>,
    /// Links inside directories back to a directory being walked (a loop: `up -> ..`), not
    /// followed.
    pub link_loops: Vec<String>,
    /// Names of files already among the inputs under another name (`x.csv` and `./x.csv`, a
    /// link, a file and the directory holding it, a hard link, stdin redirected from one):
    /// (the name read, the name passed over). Files are told apart by device and inode.
    pub duplicates: Vec<(String, String)>,
    /// The device and inode of the file stdin is redirected from, when `-` is an input and
    /// stdin is a file: a file the run reads.
    pub stdin_file: Option<(u64, u64)>,
}

/// Extensions recognised inside directories (the formats' own, plus `.gz` of them).
pub fn is_transcript_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    let Some((_, ext)) = lower.rsplit_once('.') else {
        return false;
    };
    InputFormat::ALL
        .iter()
        .any(|f| f.extensions().contains(&ext))
}

/// Expands the arguments. A missing path is an error naming it; stdin is copied to a spool
/// file so that it can be read twice when calls turn out to be split.
pub fn discover(args: &[String]) -> Result<Discovered, String> {
    discover_on(args, 1)
}

/// `discover`, with the files' `stat`s (one per file: most of the listing of a
/// one-file-per-contact export) taken on up to `threads` threads. The result is the same
/// whatever `threads` is.
pub fn discover_on(args: &[String], threads: usize) -> Result<Discovered, String> {
    let mut found = Discovered::default();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut problems: std::collections::HashMap<PathBuf, String> = Default::default();
    let mut stdin: Option<(Input, Option<(u64, u64)>)> = None;
    for arg in args {
        if arg == "-" {
            if stdin.is_none() {
                // The file stdin is redirected from, if it is one, to read it once.
                let id = stdin_file_id();
                let spool = spool_stdin()?;
                stdin = Some((spool, id));
            } else {
                // Named again: read once, and counted as a name given twice (tester t20's F7).
                found.duplicates.push(("-".to_string(), "-".to_string()));
            }
            continue;
        }
        let path = Path::new(arg);
        let meta = std::fs::metadata(path).map_err(|e| format!("{arg}: {e}"))?;
        if meta.is_dir() {
            walk_dir(arg, path, &mut found, &mut files, &mut problems)?;
        } else {
            files.push(path.to_path_buf());
        }
    }
    files.sort();
    // One file, however it is named, is read once: the first name in the canonical order wins.
    files.dedup_by(|again, first| {
        let same = again == first;
        if same {
            found
                .duplicates
                .push((first.display().to_string(), again.display().to_string()));
        }
        same
    });
    let mut seen: std::collections::HashMap<(u64, u64), String> = Default::default();
    if let Some((stdin, Some(id))) = &stdin {
        seen.insert(*id, stdin.name.clone());
        found.stdin_file = Some(*id);
    }
    found.inputs.extend(stdin.map(|(input, _)| input));
    let metas = stat_all(&files, &problems, threads);
    for (p, m) in files.into_iter().zip(metas) {
        let name = p
            .to_str()
            .map_or_else(|| p.display().to_string(), str::to_owned);
        // (Hashing a path parses its components: not done 10,000 times for nothing.)
        let problem = if problems.is_empty() {
            None
        } else {
            problems.remove(&p)
        };
        let mut meta = None;
        let mut pipe = None;
        if let Some((m, fifo)) = m {
            // A FIFO named on the command line (one found in a directory has a problem).
            if fifo {
                pipe = Some(std::sync::Mutex::new(None));
            }
            meta = Some(m);
            match seen.entry((m.dev, m.ino)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    found.duplicates.push((first.get().clone(), name));
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(name.clone());
                }
            }
        }
        found.inputs.push(Input {
            name,
            problem,
            path: p,
            _spool: None,
            meta,
            pipe,
        });
    }
    settle_hidden(&mut found);
    Ok(found)
}

/// The hidden entries passed over, each once (a directory named twice is walked twice), and
/// none that was read all the same: a hidden file named on the command line, or a hidden folder
/// holding one (`callaudit audit d d/.old.csv`).
fn settle_hidden(found: &mut Discovered) {
    if found.hidden.is_empty() {
        return;
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let mut seen = std::collections::HashSet::new();
    let read: Vec<PathBuf> = found
        .inputs
        .iter()
        .filter_map(|i| canonical(&i.path))
        .collect();
    found.hidden.retain(|h| {
        // A broken link has no canonical path: it stands for itself.
        let Some(at) = canonical(Path::new(h.trim_end_matches('/'))) else {
            return seen.insert(PathBuf::from(h));
        };
        seen.insert(at.clone()) && !read.iter().any(|r| r.starts_with(&at))
    });
}

/// The size, device and inode of each file (following links) and whether it is a FIFO, in
/// order; `None` for a file listed with a problem or one that cannot be `stat`ed. Contiguous
/// runs of files are taken on up to `threads` threads, each run long enough to be worth one.
fn stat_all(
    files: &[PathBuf],
    problems: &std::collections::HashMap<PathBuf, String>,
    threads: usize,
) -> Vec<Option<(FileMeta, bool)>> {
    const FILES_PER_THREAD: usize = 512;
    let stat = |part: &[PathBuf]| -> Vec<Option<(FileMeta, bool)>> {
        part.iter()
            .map(|p| {
                if !problems.is_empty() && problems.contains_key(p) {
                    None
                } else {
                    use std::os::unix::fs::FileTypeExt;
                    std::fs::metadata(p)
                        .ok()
                        .map(|m| (FileMeta::of(&m), m.file_type().is_fifo()))
                }
            })
            .collect()
    };
    let threads = threads.clamp(1, files.len().div_ceil(FILES_PER_THREAD).max(1));
    if threads == 1 {
        return stat(files);
    }
    let part = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = files.chunks(part);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|p| scope.spawn(move || stat(p))).collect();
        let mut metas = stat(first);
        for other in others {
            metas.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        metas
    })
}

/// The device and inode of the file stdin is redirected from, if it is one, to read it once.
pub fn stdin_file_id() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(File::from)
        .and_then(|f| f.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| (m.dev(), m.ino()))
}

/// Whether a name found inside an input directory is hidden (starts with `.`).
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// The transcripts under a directory given on the command line, in file-name order: hidden
/// files and folders are passed over whole (and listed), other names too (and listed apart),
/// entries that cannot be read are kept with their problem so the run counts them. The
/// directory itself is read whatever its name (`.`, `.snapshot` named on the command line).
fn walk_dir(
    arg: &str,
    path: &Path,
    found: &mut Discovered,
    files: &mut Vec<PathBuf>,
    problems: &mut std::collections::HashMap<PathBuf, String>,
) -> Result<(), String> {
    // In file-name order. Entries are sorted among the entries of one directory, whose paths
    // share their parent's, so the whole paths compare as the names do; `file_name()` would
    // parse each path again at every comparison (~10 ms for 10,000 files).
    let mut walk = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let Some(at) = e.path().map(Path::to_path_buf) else {
                    return Err(format!("{arg}: {e}"));
                };
                if e.depth() > 0 && at.file_name().is_some_and(is_hidden) {
                    found.hidden.push(at.display().to_string());
                    continue;
                }
                let name = at
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                let not_found = e
                    .io_error()
                    .is_some_and(|io| io.kind() == io::ErrorKind::NotFound);
                // A link back to a directory above is walked there already: not followed,
                // and said so. A broken link that would not be read anyway is just passed over.
                if e.loop_ancestor().is_some() {
                    found.link_loops.push(at.display().to_string());
                } else if not_found && !is_transcript_name(&name) {
                    found.ignored.push(at.display().to_string());
                } else {
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string());
                    problems.insert(at.clone(), why);
                    files.push(at);
                }
                continue;
            }
        };
        if entry.depth() > 0 && is_hidden(entry.file_name()) {
            let mut name = entry.path().display().to_string();
            if entry.file_type().is_dir() {
                name.push('/');
                walk.skip_current_dir();
            }
            found.hidden.push(name);
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !is_transcript_name(&name) {
            found.ignored.push(entry.path().display().to_string());
            continue;
        }
        if !entry.file_type().is_file() {
            // A FIFO, socket or device with a transcript's name: not read (a FIFO would
            // wait for a writer), but counted as unreadable, like a broken link.
            let why = format!("not a regular file ({})", special_kind(&entry.file_type()));
            problems.insert(entry.path().to_path_buf(), why);
        }
        files.push(entry.into_path());
    }
    Ok(())
}

/// What a file that is neither a regular file nor a directory is, for messages.
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// Its copy is callaudit's own temporary file: one that cannot be written is the run's error,
/// naming `TMPDIR`, not stdin's (stdin was fine).
fn spool_stdin() -> Result<Input, String> {
    let temp_error = |e: io::Error| {
        format!(
            "cannot write callaudit's temporary files (the copy of stdin, {}): {e}",
            crate::output::tmpdir_advice()
        )
    };
    let (mut spool, pending) =
        crate::cleanup::created(tempfile::NamedTempFile::new, |f| f.path()).map_err(temp_error)?;
    copy_to_spool(
        io::stdin().lock(),
        &mut spool,
        |e| format!("cannot read stdin: {e}"),
        temp_error,
    )?;
    Ok(Input {
        path: spool.path().to_path_buf(),
        name: "-".into(),
        _spool: Some(std::sync::Arc::new((spool, pending))),
        problem: None,
        meta: None,
        pipe: None,
    })
}

/// Copies a stream that can be read only once (stdin, a pipe) to a temporary file, registered
/// for removal on a signal.
/// The copy of a pipe could not be made or written in `TMPDIR` (see `spool_file`).
#[derive(Debug)]
struct SpoolError(String);

impl std::fmt::Display for SpoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpoolError {}

/// How an error opening an input is filed: callaudit's own temporary file is the run's error
/// (`TempFile`), anything else the file's (`Io`).
pub fn open_error_kind(e: &io::Error) -> super::ReadErrorKind {
    if e.get_ref().is_some_and(|inner| inner.is::<SpoolError>()) {
        super::ReadErrorKind::TempFile
    } else {
        super::ReadErrorKind::Io
    }
}

/// A temporary file that cannot be made or written is said to be callaudit's own (naming
/// `TMPDIR`), not the pipe's: the pipe was fine.
fn spool_file(
    mut from: impl Read,
) -> io::Result<(tempfile::NamedTempFile, crate::cleanup::Pending)> {
    let temp_error = |e: io::Error| {
        io::Error::new(
            e.kind(),
            SpoolError(format!(
                "cannot write callaudit's temporary files (the copy of this pipe, {}): {e}",
                crate::output::tmpdir_advice()
            )),
        )
    };
    let (mut spool, pending) =
        crate::cleanup::created(tempfile::NamedTempFile::new, |f| f.path()).map_err(temp_error)?;
    copy_to_spool(&mut from, &mut spool, |e| e, temp_error)?;
    Ok((spool, pending))
}

/// Copies `from` into `spool` and rewinds it, telling an error reading `from` (`read_error`)
/// from one writing the temporary file (`temp_error`): the second is callaudit's, not the
/// input's.
fn copy_to_spool<E>(
    mut from: impl Read,
    spool: &mut tempfile::NamedTempFile,
    read_error: impl Fn(io::Error) -> E,
    temp_error: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        spool.write_all(&buf[..n]).map_err(&temp_error)?;
    }
    spool.as_file_mut().rewind().map_err(temp_error)
}

/// Opens an input for reading, decompressing gzip (recognised by its magic bytes, whatever
/// the name).
#[cfg(test)]
pub fn open(input: &Input) -> io::Result<Box<dyn BufRead + Send>> {
    if let Some(problem) = &input.problem {
        return Err(io::Error::other(problem.clone()));
    }
    Ok(open_reader(input.open_file()?, input.gz_named())?.reader)
}

/// An input opened for reading.
pub struct Opened {
    /// The text: decompressed when the file is gzip.
    pub reader: Box<dyn BufRead + Send>,
    /// The file is gzip (by its magic bytes): it can only be streamed, not read in chunks.
    pub gzip: bool,
    /// For gzip: how many zero bytes came after the last member (padding, ignored), known once
    /// the reader has reached the end. The run warns about them.
    pub zero_padding: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// The warning for a gzip file with `zeros` zero bytes after its last member.
pub fn zero_padding_warning(name: &str, zeros: u64) -> String {
    format!(
        "{name}: {zeros} zero byte(s) after the last gzip member, ignored (padding, as gzip -d ignores them)"
    )
}

/// The members of a gzip stream, one after another (as `MultiGzDecoder`), and what may follow
/// the last one: zero bytes (tape and block-device padding, which `gzip -d` ignores) are
/// skipped and counted; anything else is an error, "trailing data after the last gzip member",
/// where `MultiGzDecoder` took it for a member and said "unexpected end of file" or "invalid
/// gzip header".
struct GzMembers<R: BufRead> {
    /// The member being decoded; `None` once the stream has ended.
    member: Option<flate2::bufread::GzDecoder<R>>,
    zeros: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: BufRead> GzMembers<R> {
    fn new(input: R, zeros: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        GzMembers {
            member: Some(flate2::bufread::GzDecoder::new(input)),
            zeros,
        }
    }
}

/// What follows a gzip member.
enum AfterMember {
    End,
    Member,
    Zeros(u64),
}

/// Looks at what follows a gzip member in `input`: the end, another member, or zero bytes to
/// the end (consumed); anything else is an error.
fn after_member(input: &mut impl BufRead) -> io::Result<AfterMember> {
    let next = input.fill_buf()?;
    match next {
        [] => return Ok(AfterMember::End),
        [0x1f, 0x8b, ..] | [0x1f] => return Ok(AfterMember::Member),
        [0, ..] => {}
        _ => return Err(trailing_data()),
    }
    let mut zeros = 0u64;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(AfterMember::Zeros(zeros));
        }
        if chunk.iter().any(|&b| b != 0) {
            return Err(trailing_data());
        }
        let n = chunk.len();
        input.consume(n);
        zeros += n as u64;
    }
}

fn trailing_data() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "trailing data after the last gzip member (neither another member nor zero padding)",
    )
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            let n = member.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            // The member ended, its checksum verified.
            match after_member(member.get_mut())? {
                AfterMember::End => self.member = None,
                AfterMember::Zeros(n) => {
                    self.zeros.store(n, std::sync::atomic::Ordering::Relaxed);
                    self.member = None;
                }
                AfterMember::Member => {
                    let input = self
                        .member
                        .take()
                        .map(flate2::bufread::GzDecoder::into_inner);
                    self.member = input.map(flate2::bufread::GzDecoder::new);
                }
            }
        }
    }
}

/// Like `open`, counting the file's bytes into `read` as they are read (for progress; for a
/// gzip file these are compressed bytes, which is what its size on disk says). With
/// `check_end`, the file is checked against its listing where it ends (`check_unchanged`): a
/// file that changed while it was read fails there, as a file that cannot be read.
pub fn open_counted(
    input: &Input,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    check_end: bool,
) -> io::Result<Opened> {
    if let Some(problem) = &input.problem {
        return Err(io::Error::other(problem.clone()));
    }
    open_reader(
        CountingReader {
            inner: input.open_file()?,
            read,
            listed: input
                .listing_to_check()
                .filter(|_| check_end)
                .map(|listed| (listed, input.path.clone())),
            checked: false,
        },
        input.gz_named(),
    )
}

/// Counts the bytes read through it, and checks the file where it ends (see `open_counted`).
struct CountingReader {
    inner: File,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The file as listed and its path, to check it against at its end.
    listed: Option<(FileMeta, PathBuf)>,
    /// The end was reached, and the file checked, since the last bytes read: one `stat` for
    /// however many times a reader asks again at the end.
    checked: bool,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.checked = false;
            self.read
                .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        } else if !buf.is_empty()
            && !self.checked
            && let Some((listed, path)) = &self.listed
        {
            check_unchanged(listed, path)?;
            self.checked = true;
        }
        Ok(n)
    }
}

impl Seek for CountingReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.read.store(at, std::sync::atomic::Ordering::Relaxed);
        Ok(at)
    }
}

/// Opens any file the way inputs are opened (gzip by magic bytes): also for `--metadata`.
pub fn open_path(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let gz_named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(open_reader(File::open(path)?, gz_named)?.reader)
}

/// Opens `file`, decompressing it when it starts with gzip's magic bytes. A file named `.gz`
/// that ends before them (0 bytes, or the first alone) is a compression cut short, never an
/// empty export: gzip writes 20 bytes for no text at all.
fn open_reader<R: Read + Seek + Send + 'static>(mut file: R, gz_named: bool) -> io::Result<Opened> {
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic)?;
    file.rewind()?;
    if gz_named && (n == 0 || (n == 1 && magic[0] == 0x1f)) {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the file ends before its gzip header ({n} byte{}): a .gz file is never empty (gzip writes 20 bytes for no text), so the export or its compression was cut short",
                if n == 1 { "" } else { "s" }
            ),
        ));
    }
    let gzip = n == 2 && magic == [0x1f, 0x8b];
    let mut zero_padding = None;
    let reader: Box<dyn BufRead + Send> = if gzip {
        let zeros = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        zero_padding = Some(zeros.clone());
        Box::new(BufReader::with_capacity(
            256 * 1024,
            GzMembers::new(BufReader::with_capacity(256 * 1024, file), zeros),
        ))
    } else {
        Box::new(BufReader::with_capacity(256 * 1024, file))
    };
    Ok(Opened {
        reader,
        gzip,
        zero_padding,
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn directories_are_walked_sorted_and_unknown_files_counted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.csv"), "x").unwrap();
        std::fs::write(dir.path().join("sub/a.jsonl.gz"), "x").unwrap();
        std::fs::write(dir.path().join("notes.pdf"), "x").unwrap();
        let d = discover(&[dir.path().display().to_string()]).unwrap();
        let names: Vec<_> = d.inputs.iter().map(|i| i.file_name().to_string()).collect();
        assert_eq!(names, ["b.csv", "a.jsonl.gz"]);
        assert_eq!(d.ignored.len(), 1);
        assert_eq!(d.inputs[1].format_name().rsplit('.').next(), Some("jsonl"));
    }

    #[test]
    fn vendor_json_vtt_and_text_files_are_found_in_directories() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.json", "b.vtt", "c.txt.gz", "d.JSON", "e.pdf", "f.wav"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let d = discover(&[dir.path().display().to_string()]).unwrap();
        let names: Vec<_> = d.inputs.iter().map(|i| i.file_name().to_string()).collect();
        assert_eq!(names, ["a.json", "b.vtt", "c.txt.gz", "d.JSON"]);
        assert_eq!(d.ignored.len(), 2);
    }

    #[test]
    fn the_listing_is_the_same_on_any_number_of_threads() {
        // Enough files for the stats to be shared between threads, in an order their
        // creation does not give: names that sort differently by bytes and by path
        // ("a.csv" after the directory "a"), a hard link, a broken link, ignored files.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("a")).unwrap();
        std::fs::write(root.join("a/z.csv"), "x").unwrap();
        std::fs::write(root.join("a.csv"), "x").unwrap();
        std::fs::write(root.join("a-b.csv"), "x").unwrap();
        for i in (0..1500).rev() {
            std::fs::write(root.join(format!("call-{i}.json")), "x".repeat(i % 7)).unwrap();
        }
        std::fs::hard_link(root.join("call-3.json"), root.join("same-as-3.json")).unwrap();
        std::os::unix::fs::symlink(root.join("gone.csv"), root.join("broken.csv")).unwrap();
        // Ignored files are listed in the walk's order: by name within each directory.
        for ignored in ["notes.pdf", "a/n.pdf", "b.pdf", "a-n.pdf"] {
            std::fs::write(root.join(ignored), "x").unwrap();
        }
        let arg = [root.display().to_string()];
        let listing = |d: &Discovered| {
            let inputs: Vec<_> = d
                .inputs
                .iter()
                .map(|i| (i.name.clone(), i.meta, i.problem.clone()))
                .collect();
            (inputs, d.ignored.clone(), d.duplicates.clone())
        };
        let one = listing(&discover(&arg).unwrap());
        for threads in [2, 3, 8] {
            assert_eq!(
                listing(&discover_on(&arg, threads).unwrap()),
                one,
                "{threads}"
            );
        }
        let (inputs, ignored, duplicates) = one;
        let names: Vec<_> = inputs.iter().map(|(n, ..)| n.clone()).collect();
        let mut sorted: Vec<_> = names.iter().map(std::path::PathBuf::from).collect();
        sorted.sort();
        assert_eq!(
            names,
            sorted
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        );
        let at = |file: &str| names.iter().position(|n| n.ends_with(file)).unwrap();
        // By path, the directory "a" comes before "a-b.csv" (by bytes, '/' is after '-').
        assert!(
            at("a/z.csv") < at("a-b.csv") && at("a-b.csv") < at("a.csv"),
            "{:?}",
            &names[..4]
        );
        assert_eq!(inputs.len(), 1500 + 4);
        assert!(inputs[at("broken.csv")].2.is_some() && inputs[at("broken.csv")].1.is_none());
        assert_eq!(inputs[at("call-12.json")].1.map(|m| m.len), Some(5));
        let ignored: Vec<_> = ignored
            .iter()
            .map(|n| &n[root.display().to_string().len() + 1..])
            .collect();
        assert_eq!(ignored, ["a/n.pdf", "a-n.pdf", "b.pdf", "notes.pdf"]);
        assert_eq!(duplicates.len(), 1);
        assert!(
            duplicates[0].1.ends_with("same-as-3.json"),
            "{duplicates:?}"
        );
    }

    /// Hidden files and folders are passed over alike (a backup or VCS copy of an export would
    /// merge into the live calls), and listed apart from the names ignored for their extension;
    /// the directory named itself is read whatever its name.
    #[test]
    fn hidden_files_and_folders_are_passed_over_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(".exports");
        for name in [
            "calls.csv",
            ".old.csv",
            ".notes",
            ".snapshot/calls.csv",
            ".git/objects/x.json",
            "sub/.hidden.jsonl.gz",
            "sub/b.jsonl",
            "sub/notes.pdf",
        ] {
            let p = root.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        std::os::unix::fs::symlink(root.join("gone"), root.join(".broken.csv")).unwrap();
        let d = discover(&[root.display().to_string()]).unwrap();
        let names: Vec<_> = d.inputs.iter().map(|i| i.file_name().to_string()).collect();
        assert_eq!(names, ["calls.csv", "b.jsonl"]);
        let under = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|n| n[root.display().to_string().len() + 1..].to_string())
                .collect()
        };
        assert_eq!(
            under(&d.hidden),
            [
                ".broken.csv",
                ".git/",
                ".notes",
                ".old.csv",
                ".snapshot/",
                "sub/.hidden.jsonl.gz"
            ]
        );
        assert_eq!(under(&d.ignored), ["sub/notes.pdf"]);
        // Named on the command line, a hidden file is read.
        let named = root.join(".old.csv").display().to_string();
        let d = discover(std::slice::from_ref(&named)).unwrap();
        assert_eq!(d.inputs.len(), 1);
        assert!(d.hidden.is_empty());
        // Beside its directory, it is read and not listed as passed over, nor is a hidden
        // folder named too; a directory named twice lists each entry once.
        let root_arg = root.display().to_string();
        let folder = root.join(".snapshot").display().to_string();
        let d = discover(&[root_arg.clone(), named, folder]).unwrap();
        assert_eq!(
            under(&d.hidden),
            [".broken.csv", ".git/", ".notes", "sub/.hidden.jsonl.gz"]
        );
        let d = discover(&[root_arg.clone(), root_arg]).unwrap();
        assert_eq!(d.hidden.len(), 6, "{:?}", d.hidden);
    }

    #[test]
    fn missing_paths_are_named() {
        let e = discover(&["/no/such/file.csv".into()]).unwrap_err();
        assert!(e.contains("/no/such/file.csv"), "{e}");
    }

    /// Members one after another, then zero padding (ignored and counted) or other trailing
    /// data (an error saying so), however the reads fall.
    #[test]
    fn gzip_members_then_zero_padding_or_trailing_data() {
        let member = |text: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text).unwrap();
            gz.finish().unwrap()
        };
        let two = [member(b"hello "), member(b""), member(b"world")].concat();
        let read = |data: Vec<u8>, capacity: usize| {
            let zeros = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let mut r = GzMembers::new(
                io::BufReader::with_capacity(capacity, io::Cursor::new(data)),
                zeros.clone(),
            );
            let mut out = Vec::new();
            let result = r.read_to_end(&mut out).map(|_| out);
            (result, zeros.load(std::sync::atomic::Ordering::Relaxed))
        };
        for capacity in [1, 3, 64, 8192] {
            let (text, zeros) = read(two.clone(), capacity);
            assert_eq!((text.unwrap(), zeros), (b"hello world".to_vec(), 0));
            let (text, zeros) = read([two.clone(), vec![0; 8]].concat(), capacity);
            assert_eq!((text.unwrap(), zeros), (b"hello world".to_vec(), 8));
            for junk in [&b"junk"[..], b"\0\0x", b"\n"] {
                let (text, _) = read([two.clone(), junk.to_vec()].concat(), capacity);
                let e = text.unwrap_err();
                assert!(
                    e.to_string()
                        .starts_with("trailing data after the last gzip member"),
                    "{junk:?}, reads of {capacity}: {e}"
                );
            }
            // A cut member is still an error of its own.
            let cut = two[..two.len() - 3].to_vec();
            assert!(read(cut, capacity).0.is_err());
        }
    }

    #[test]
    fn gzip_is_recognised_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("calls.csv");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello").unwrap();
        std::fs::write(&p, gz.finish().unwrap()).unwrap();
        let d = discover(&[p.display().to_string()]).unwrap();
        let mut s = String::new();
        open(&d.inputs[0]).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
    }
}
