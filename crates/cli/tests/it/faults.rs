//! Faults: an IT Glue server that dies or fails in the middle of
//! `fetch-usage`, SIGINT and SIGTERM during a fetch, outputs that cannot be
//! written (a full disk, a missing or read-only folder: exit 4), outputs
//! that are not regular files (stdout, a link to it, a FIFO: written
//! directly, never replaced) and outputs that are inputs (refused, exit 2).
//! Every case exits with its documented code, says what happened, and
//! leaves no file behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{files_in, keyaudit};

use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeItGlue, Fault, spread_events};

const KEY: &str = "ITG.0123456789abcdef0123456789abcdef.Fau1tT3stS3cretValue";

/// 2000 events over the last 29 days: with `--days 30` the fetch has five
/// windows of at most 7 days, each one page.
fn server() -> FakeItGlue {
    let now = Utc::now();
    let events = spread_events(
        1,
        2000,
        now - TimeDelta::days(29),
        now - TimeDelta::hours(1),
    );
    FakeItGlue::start(FakeConfig::new(KEY, events))
}

/// Starts `keyaudit fetch-usage` against `server`, one window at a time.
fn spawn_fetch(server: &FakeItGlue, output: &Path) -> Child {
    StdCommand::new(assert_cmd::cargo::cargo_bin("keyaudit"))
        .env("ITGLUE_API_KEY", KEY)
        .env_remove("RUST_LOG")
        .args(["fetch-usage", "--base-url", &server.base_url()])
        .args(["--days", "30", "--concurrency", "1"])
        .args(["--retries", "1", "--timeout", "2", "-o"])
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most 5 s) until the server has received `n` requests.
fn wait_for_requests(server: &FakeItGlue, n: u64) {
    let start = Instant::now();
    while server.requests() < n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "only {} requests after 5 s",
            server.requests()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (at most 10 s) for the child to exit.
fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("keyaudit did not exit within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
fn signal(child: &Child, name: &str) {
    let status = StdCommand::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} failed");
}

/// The number in `… after fetching N events (W of T windows done)`.
fn events_fetched(stderr: &str) -> u64 {
    let after = stderr
        .split("after fetching ")
        .nth(1)
        .unwrap_or_else(|| panic!("no count of events fetched: {stderr}"));
    after
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of events fetched: {stderr}"))
}

fn assert_clean(stderr: &str) {
    for panic in ["panicked", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(panic), "{stderr}");
    }
    assert!(!stderr.contains("Fau1tT3st"), "the key leaked: {stderr}");
}

// ------------------------------------------------------------- the API fails

#[test]
fn the_server_dying_mid_fetch_exits_3_without_a_file() {
    let server = server();
    // The first window answers at once; the second hangs until the server
    // is gone.
    server.set_periodic_faults(2, vec![Fault::Slow(Duration::from_secs(30))]);
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_fetch(&server, &dir.path().join("usage.jsonl"));
    wait_for_requests(&server, 2);
    drop(server);
    let out = finish(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_clean(&stderr);
    assert!(
        stderr.starts_with("error: the fetch failed after fetching "),
        "{stderr}"
    );
    assert!(
        stderr.contains("(1 of 5 windows done); no usage file was written: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("could not get an answer from IT Glue"),
        "{stderr}"
    );
    let fetched = events_fetched(&stderr);
    assert!(fetched > 0 && fetched < 2000, "{stderr}");
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn persistent_server_errors_exit_3_saying_what_was_fetched() {
    let server = server();
    // Every second request fails; without retries the second window fails.
    server.set_periodic_faults(2, vec![Fault::Status(503)]);
    let dir = tempfile::tempdir().unwrap();
    let assert = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--base-url", &server.base_url()])
        .args(["--days", "30", "--concurrency", "1", "--retries", "0", "-o"])
        .arg(dir.path().join("usage.jsonl"))
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_clean(&stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "(1 of 5 windows done); no usage file was written: IT Glue answered HTTP 503"
        ),
        "{stderr}"
    );
    assert!(events_fetched(&stderr) > 0, "{stderr}");
    assert!(files_in(dir.path()).is_empty());
    assert_eq!(server.requests(), 2);
}

#[cfg(unix)]
#[test]
fn sigint_mid_fetch_exits_3_without_a_file() {
    let server = server();
    server.set_periodic_faults(2, vec![Fault::Slow(Duration::from_secs(30))]);
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_fetch(&server, &dir.path().join("usage.jsonl"));
    wait_for_requests(&server, 2);
    let start = Instant::now();
    signal(&child, "INT");
    let out = finish(child);
    assert!(start.elapsed() < Duration::from_secs(3), "slow to stop");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_clean(&stderr);
    assert!(
        stderr.starts_with("error: interrupted (SIGINT) after fetching "),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("(1 of 5 windows done); no usage file was written\n"),
        "{stderr}"
    );
    assert!(events_fetched(&stderr) > 0, "{stderr}");
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[cfg(unix)]
#[test]
fn sigterm_mid_fetch_exits_3_without_a_file() {
    let server = server();
    server.set_periodic_faults(2, vec![Fault::Slow(Duration::from_secs(30))]);
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_fetch(&server, &dir.path().join("usage.jsonl"));
    wait_for_requests(&server, 2);
    signal(&child, "TERM");
    let out = finish(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("interrupted (SIGTERM) after fetching"),
        "{stderr}"
    );
    assert!(files_in(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn sigint_during_audit_fetch_usage_leaves_no_report() {
    let server = server();
    server.set_periodic_faults(2, vec![Fault::Slow(Duration::from_secs(30))]);
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("keys.csv");
    fs::write(&inventory, "Name\nHaloPSA Integration\n").unwrap();
    let child = StdCommand::new(assert_cmd::cargo::cargo_bin("keyaudit"))
        .env("ITGLUE_API_KEY", KEY)
        .env_remove("RUST_LOG")
        .args(["audit", "--fetch-usage", "--base-url", &server.base_url()])
        .args(["--concurrency", "1", "-i"])
        .arg(&inventory)
        .arg("-o")
        .arg(dir.path().join("report.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_requests(&server, 2);
    signal(&child, "INT");
    let out = finish(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("interrupted (SIGINT)"), "{stderr}");
    assert_eq!(files_in(dir.path()), ["keys.csv"]);
}

// ------------------------------------------------------------- the output fails

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_exits_4() {
    const FULL: &str = "error: cannot write `/dev/full`: No space left on device (os error 28)\n";
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    keyaudit()
        .args(["audit", "--demo", "--output"])
        .arg(&report)
        .assert()
        .success();
    let report = report.to_str().unwrap();
    for args in [
        &["audit", "--demo", "--output", "/dev/full"][..],
        &[
            "audit",
            "--demo",
            "--format",
            "html",
            "--output",
            "/dev/full",
        ],
        &["init", "--output", "/dev/full"],
        &["rules", "--output", "/dev/full"],
        &["diff", report, report, "--output", "/dev/full"],
        &["history", dir.path().to_str().unwrap(), "-o", "/dev/full"],
    ] {
        keyaudit().args(args).assert().code(4).stderr(FULL);
    }
    // A full stdout is an error too (not a panic of `println!`).
    for args in [&["rules", "--format", "json"][..], &["audit", "--demo"]] {
        let out = StdCommand::new(assert_cmd::cargo::cargo_bin("keyaudit"))
            .args(args)
            .stdout(
                fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: cannot write to stdout: No space left on device (os error 28)\n"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn fetch_usage_to_a_full_disk_exits_4() {
    let server = server();
    let assert = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args([
            "fetch-usage",
            "--base-url",
            &server.base_url(),
            "-o",
            "/dev/full",
        ])
        .assert()
        .code(4);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(
        stderr,
        "error: cannot write `/dev/full`: No space left on device (os error 28)\n"
    );
    // The device is written to, never replaced by a file renamed over it.
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

/// Folders a file cannot be created in: one that does not exist, a path
/// through a regular file, and a read-only folder (where the test user is
/// bound by permissions: root is not, and then `/sys`, which refuses new
/// files to root too, stands in; with neither, the case is skipped, saying
/// so).
fn unwritable_outputs(dir: &Path) -> Vec<PathBuf> {
    let mut paths = vec![dir.join("missing").join("report.json")];
    fs::write(dir.join("file.txt"), "").unwrap();
    paths.push(dir.join("file.txt").join("report.json"));
    let read_only = dir.join("read-only");
    fs::create_dir(&read_only).unwrap();
    let mut permissions = fs::metadata(&read_only).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&read_only, permissions).unwrap();
    if fs::write(read_only.join("probe"), "").is_err() {
        paths.push(read_only.join("report.json"));
    } else {
        fs::remove_file(read_only.join("probe")).unwrap();
        if Path::new("/sys").is_dir() && fs::write("/sys/keyaudit-probe", "").is_err() {
            paths.push(PathBuf::from("/sys/keyaudit-report.json"));
        } else {
            eprintln!("skipped: no read-only folder (running as root without /sys)");
        }
    }
    paths
}

fn restore_permissions(dir: &Path) {
    let read_only = dir.join("read-only");
    let mut permissions = fs::metadata(&read_only).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&read_only, permissions).unwrap();
}

#[test]
fn an_unwritable_folder_exits_4_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = unwritable_outputs(dir.path());
    assert!(outputs.len() >= 3, "{outputs:?}");
    for output in &outputs {
        let folder = output.parent().unwrap();
        let assert = keyaudit()
            .args(["audit", "--demo", "--output"])
            .arg(output)
            .assert()
            .code(4);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(&format!(
                "error: cannot write `{}`: cannot create a file in `{}`: ",
                output.display(),
                folder.display()
            )),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!output.exists());
        // Refused before the inventory is read: the missing inventory is
        // not what the error names.
        keyaudit()
            .args(["audit", "--inventory", "missing.csv", "--output"])
            .arg(output)
            .assert()
            .code(4);
    }
    restore_permissions(dir.path());
    assert_eq!(files_in(dir.path()), ["file.txt", "read-only"]);
    assert!(files_in(&dir.path().join("read-only")).is_empty());
}

#[test]
fn fetch_usage_to_an_unwritable_folder_exits_4_before_fetching() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    for output in unwritable_outputs(dir.path()) {
        let assert = keyaudit()
            .env("ITGLUE_API_KEY", KEY)
            .args(["fetch-usage", "--base-url", &server.base_url(), "-o"])
            .arg(&output)
            .assert()
            .code(4);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(&format!("error: cannot write `{}`: ", output.display())),
            "{stderr}"
        );
        assert!(!output.exists());
    }
    assert_eq!(server.requests(), 0, "nothing is fetched for nothing");
    restore_permissions(dir.path());
    assert!(files_in(&dir.path().join("read-only")).is_empty());
}

#[test]
fn a_folder_as_output_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let assert = keyaudit()
        .args(["audit", "--demo", "--output"])
        .arg(dir.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(
        stderr,
        format!(
            "error: cannot write the output to `{}`: it is a folder; expected a file (or - for stdout)\n",
            dir.path().display()
        )
    );
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn fetch_usage_to_a_folder_exits_2_before_fetching() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let assert = keyaudit()
        .env("ITGLUE_API_KEY", KEY)
        .args(["fetch-usage", "--base-url", &server.base_url(), "-o"])
        .arg(dir.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("it is a folder"), "{stderr}");
    assert_eq!(server.requests(), 0, "nothing is fetched for nothing");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn fetch_usage_to_stdout_works() {
    let server = server();
    let out = StdCommand::new(assert_cmd::cargo::cargo_bin("keyaudit"))
        .env("ITGLUE_API_KEY", KEY)
        .env_remove("RUST_LOG")
        .args([
            "fetch-usage",
            "--base-url",
            &server.base_url(),
            "-o",
            "/dev/stdout",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2001);
    assert!(text.starts_with("{\"schema\":\"keyaudit.usage/v1\""));
}

// ------------------------------------------------- outputs that are no file

/// Runs keyaudit with its stdout redirected to a regular file, as a shell's
/// `> captured` does; returns what it wrote there.
fn run_into_file(args: &[&std::ffi::OsStr], dir: &Path) -> (Output, String) {
    let captured = dir.join("captured.txt");
    let out = StdCommand::new(assert_cmd::cargo::cargo_bin("keyaudit"))
        .env_remove("RUST_LOG")
        .env_remove("ITGLUE_API_KEY")
        .args(args)
        .stdout(fs::File::create(&captured).unwrap())
        .output()
        .unwrap();
    let text = fs::read_to_string(&captured).unwrap();
    fs::remove_file(&captured).unwrap();
    (out, text)
}

#[cfg(target_os = "linux")]
#[test]
fn stdout_named_as_a_path_is_written_through_stdout() {
    use std::ffi::OsStr;
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("report.json");
    symlink("/proc/self/fd/1", &link).unwrap();
    let expected = keyaudit()
        .args(["audit", "--demo", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    let expected = String::from_utf8(expected).unwrap();
    // A link to the process's stdout, stdout's own /proc entry, and `-`,
    // while stdout is a regular file (where renaming a file over the path
    // would lose the report, and as root replace the system's link).
    for output in [
        link.as_os_str(),
        OsStr::new("/proc/self/fd/1"),
        OsStr::new("-"),
    ] {
        let args = ["audit", "--demo", "--format", "json", "--output"].map(OsStr::new);
        let mut args = args.to_vec();
        args.push(output);
        let (out, text) = run_into_file(&args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{output:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text, expected, "{output:?}");
    }
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is left as it was"
    );
    assert_eq!(files_in(dir.path()), ["report.json"]);
    // Every command takes `-`.
    for args in [
        &["rules", "--format", "json", "--output", "-"][..],
        &["init", "--output", "-"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let (out, text) = run_into_file(&args, dir.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!text.is_empty(), "{args:?}");
    }
    assert_eq!(files_in(dir.path()), ["report.json"], "no file named -");
}

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_is_written_to_not_replaced() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = StdCommand::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    keyaudit()
        .args(["audit", "--demo", "--format", "json", "--output"])
        .arg(&fifo)
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let text = reader.join().unwrap();
    assert!(
        text.contains("\"schema\": \"keyaudit.report/v1\""),
        "{text}"
    );
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

// -------------------------------------------- outputs that are inputs

/// Asserts a refusal of `output` as the same file as `input`: exit 2 before
/// any work, the message names both, the input is byte-identical.
fn assert_input_kept(cmd: &mut assert_cmd::Command, input: &Path, flag: &str) {
    let before = fs::read(input).unwrap();
    let assert = cmd.assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: cannot write the output to `")
            && stderr.contains("it is the same file as the input")
            && stderr.contains(&format!("({flag})")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(fs::read(input).unwrap(), before, "{flag} was changed");
}

#[cfg(unix)]
#[test]
fn an_output_that_is_an_input_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
    fs::copy(demo.join("inventory.csv"), path("keys.csv")).unwrap();
    fs::copy(demo.join("activity.jsonl"), path("usage.jsonl")).unwrap();
    fs::copy(demo.join("keyaudit.toml"), path("keyaudit.toml")).unwrap();
    fs::create_dir(path("x")).unwrap();
    std::os::unix::fs::symlink(path("keys.csv"), path("link.csv")).unwrap();
    let audit = |output: &Path| {
        let mut cmd = keyaudit();
        cmd.current_dir(dir.path())
            .args(["audit", "-i", "keys.csv", "-u", "usage.jsonl"])
            .args(["-p", "keyaudit.toml", "--as-of", "2026-11-16", "-o"])
            .arg(output);
        cmd
    };
    // The same file by another path, through a link, and each input kind.
    for (output, input, flag) in [
        ("x/../keys.csv", "keys.csv", "--inventory"),
        ("./link.csv", "keys.csv", "--inventory"),
        ("usage.jsonl", "usage.jsonl", "--usage"),
        ("keyaudit.toml", "keyaudit.toml", "--policy"),
    ] {
        assert_input_kept(&mut audit(Path::new(output)), &path(input), flag);
    }
    audit(Path::new("report.json"))
        .args(["--fail-on", "never"])
        .assert()
        .success();
    let mut baseline = audit(Path::new("report.json"));
    baseline.args(["--baseline", "report.json"]);
    assert_input_kept(&mut baseline, &path("report.json"), "--baseline");

    let mut diff = keyaudit();
    diff.current_dir(dir.path()).args([
        "diff",
        "report.json",
        "report.json",
        "-o",
        "./report.json",
    ]);
    assert_input_kept(&mut diff, &path("report.json"), "OLD.json");

    fs::create_dir(path("reports")).unwrap();
    fs::copy(path("report.json"), path("reports/2026-11.json")).unwrap();
    let mut history = keyaudit();
    history
        .current_dir(dir.path())
        .args(["history", "reports", "-o", "reports/2026-11.json"]);
    assert_input_kept(&mut history, &path("reports/2026-11.json"), "a file in DIR");

    let server = server();
    fs::write(path("key.txt"), KEY).unwrap();
    let mut fetch = keyaudit();
    fetch.current_dir(dir.path()).args([
        "fetch-usage",
        "--base-url",
        &server.base_url(),
        "--api-key-file",
        "key.txt",
        "-o",
        "./key.txt",
    ]);
    assert_input_kept(&mut fetch, &path("key.txt"), "--api-key-file");
    assert_eq!(server.requests(), 0);
}
