//! Where a command's output goes, decided before any work: stdout, a
//! regular file written atomically, or a device or pipe written directly;
//! never one of the command's inputs.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use keyaudit_report::{Document, Format, RenderOptions};

use crate::exit::Failure;

/// Where a command writes its output.
#[derive(Debug)]
pub enum Output {
    /// Standard output: no `--output`, `--output -`, or a path that is this
    /// process's standard output (`/dev/stdout`, `/proc/self/fd/1`, a link
    /// to one), written through it (so a shell's `>>` still appends).
    Stdout,
    /// A path that is this process's standard error (`/dev/stderr`).
    Stderr,
    /// A regular file, or a path where there is nothing yet: written to a
    /// temporary file in its folder, renamed over it once complete, so that
    /// the file is whole or untouched. A symbolic link at the path is
    /// replaced by the file, never written through.
    File(PathBuf),
    /// An existing device, pipe or socket (`/dev/null`, a FIFO): opened and
    /// written directly, never replaced.
    Direct(PathBuf),
}

impl Output {
    /// Decides where the output named `path` goes (`None` or `-`: stdout),
    /// before the command does any work.
    ///
    /// Refused with bad input (exit 2): a folder, and a path that is the
    /// same file as one of `inputs` (each given with the flag that names
    /// it), compared by device and inode, so that `./x/../keys.csv` and a
    /// link to an input count. Refused with an output failure (exit 4): a
    /// new or regular file whose folder cannot take a new file (missing,
    /// read-only).
    pub fn prepare<'a>(
        path: Option<&Path>,
        inputs: impl IntoIterator<Item = (&'a str, &'a Path)>,
    ) -> Result<Self> {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Output::Stdout);
        };
        let shown = path.display();
        if let Ok(metadata) = fs::metadata(path) {
            if metadata.is_dir() {
                bail!(
                    "cannot write the output to `{shown}`: it is a folder; expected a file (or - for stdout)"
                );
            }
            let output = identity(path);
            for (flag, input) in inputs {
                if output.is_some() && identity(input) == output {
                    bail!(
                        "cannot write the output to `{shown}`: it is the same file as the input `{}` ({flag}), which would be overwritten; expected another file",
                        input.display()
                    );
                }
            }
            if let Some(stream) = standard_stream(output) {
                return Ok(stream);
            }
            if !metadata.is_file() {
                return Ok(Output::Direct(path.to_owned()));
            }
        }
        temp_file_beside(path).map_err(|e| Failure::Output.mark(e))?;
        Ok(Output::File(path.to_owned()))
    }

    /// True when the output goes to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Output::Stdout)
    }

    /// Writes `document` in `format`. A format the document does not
    /// support is bad input, refused before anything is written.
    pub fn write_document(
        &self,
        document: &dyn Document,
        format: Format,
        options: &RenderOptions,
    ) -> Result<()> {
        document.check(format)?;
        self.write(|out| document.render(format, options, out))
    }

    /// Writes the output through `write`. A failure (a full disk, a closed
    /// device) is an output failure (exit 4) and leaves no partial file; a
    /// closed pipe on stdout (`| head`) is not a failure.
    pub fn write(&self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        let written = match self {
            Output::Stdout => to_stream(io::stdout().lock(), "stdout", write),
            Output::Stderr => to_stream(io::stderr().lock(), "stderr", write),
            Output::Direct(path) => to_special(path, write),
            Output::File(path) => to_file(path, write),
        };
        written.map_err(|e| Failure::Output.mark(e))
    }
}

/// Writes to a standard stream; a closed pipe is not an error.
fn to_stream(
    stream: impl Write,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let mut out = BufWriter::new(stream);
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot write to {name}")),
    }
}

/// Writes to a device, pipe or socket, opened as it is.
fn to_special(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let shown = path.display();
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open `{shown}` for writing"))?;
    let mut out = BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write `{shown}`"))
}

/// Writes a file atomically: the bytes go to a temporary file in the same
/// folder, which is renamed over `path` once complete (and removed if
/// anything fails).
fn to_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let shown = path.display();
    let temp = temp_file_beside(path)?;
    let mut out = BufWriter::new(temp);
    write(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write `{shown}`"))?;
    let temp = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write `{shown}`"))?;
    temp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write `{shown}`"))?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write `{shown}`"))?;
    Ok(())
}

/// A temporary file in `path`'s folder (removed when dropped).
fn temp_file_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".keyaudit-").suffix(".tmp");
    // A report is an ordinary file: created with the mode any program would
    // use (0666 less the umask), not the owner-only mode of temporary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .map_err(without_temp_name)
        .with_context(|| {
            format!(
                "cannot write `{}`: cannot create a file in `{}`",
                path.display(),
                dir.display()
            )
        })
}

/// The operating system's error without the random name of the temporary
/// file that `tempfile` adds to it (`… at path "/out/.keyaudit-x7Gq.tmp"`):
/// the message names the output and its folder already.
fn without_temp_name(error: io::Error) -> io::Error {
    let text = error.to_string();
    match text.rfind(" at path \"") {
        Some(end) => io::Error::new(error.kind(), &text[..end]),
        None => error,
    }
}

/// What makes two paths the same file: device and inode, symbolic links
/// followed. `None` when the path cannot be looked up.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// What makes two paths the same file: the canonical path.
#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    fs::canonicalize(path).ok()
}

/// The standard stream the file `output` is, if any: writing there goes
/// through the stream the shell opened, never by replacing the path.
#[cfg(unix)]
fn standard_stream(output: Option<(u64, u64)>) -> Option<Output> {
    use std::os::fd::{AsFd, BorrowedFd};
    use std::os::unix::fs::MetadataExt;
    let is = |fd: BorrowedFd<'_>| {
        let stream = fs::File::from(fd.try_clone_to_owned().ok()?);
        let metadata = stream.metadata().ok()?;
        Some((metadata.dev(), metadata.ino()))
    };
    let output = output?;
    if is(io::stdout().as_fd()) == Some(output) {
        Some(Output::Stdout)
    } else if is(io::stderr().as_fd()) == Some(output) {
        Some(Output::Stderr)
    } else {
        None
    }
}

/// Standard streams are only recognised by name elsewhere.
#[cfg(not(unix))]
fn standard_stream(_output: Option<PathBuf>) -> Option<Output> {
    None
}
