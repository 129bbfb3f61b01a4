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
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".keyaudit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot write `{shown}`: cannot create a file in `{}`",
                dir.display()
            )
        })?;
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
