//! Where a report goes: stdout, or a file written atomically.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes to `path` through `write`, so that either the whole output lands or
/// nothing does: the bytes go to a temporary file in the same folder, which is
/// renamed over `path` once complete. A path that exists and is not a regular
/// file (a device, a pipe) is written to directly.
pub fn write_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let shown = path.display();
    let special = fs::metadata(path).is_ok_and(|m| !m.is_file());
    if special {
        let file = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open `{shown}` for writing"))?;
        let mut out = BufWriter::new(file);
        write(&mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write `{shown}`"))?;
        return Ok(());
    }
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

/// Checks, before any work, that [`write_file`] can create its temporary
/// file next to `path` (a device or pipe is opened directly: nothing to
/// check). The error is the one `write_file` would give.
pub fn check_writable(path: &Path) -> Result<()> {
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Ok(());
    }
    temp_file_beside(path).map(drop)
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

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}
