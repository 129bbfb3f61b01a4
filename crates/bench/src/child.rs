//! Runs a child process and measures its wall time and peak resident
//! memory (the kernel's `ru_maxrss` for that one child, from `wait4`).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one run of a child cost.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// From spawn to exit.
    pub wall: Duration,
    /// Peak resident set size, in bytes.
    pub peak_rss: u64,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
}

/// Spawns `command`, waits for it with `wait4` and returns its cost.
pub fn run(command: &mut Command) -> Result<Measured> {
    let started = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let pid = libc::pid_t::try_from(child.id()).context("process id out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet waited for (`Child` is
        // dropped without waiting); `status` and `usage` are valid for
        // writes for the duration of the call.
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            bail!("wait4 failed: {error}");
        }
    }
    let wall = started.elapsed();
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok(Measured {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        code,
    })
}
