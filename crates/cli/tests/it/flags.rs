//! Library messages name settings, never flags; the binary words each
//! setting as its flag.

use std::path::{Path, PathBuf};

use crate::support::keyaudit;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `--name` (a flag) in a line: two dashes, then a letter.
fn flag_in(line: &str) -> Option<&str> {
    line.match_indices("--").find_map(|(at, _)| {
        let rest = &line[at + 2..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        rest.starts_with(|c: char| c.is_ascii_lowercase())
            .then(|| &line[at..at + 2 + len])
    })
}

/// Every line outside comments, in the Rust sources of the library crates,
/// that holds a flag.
fn flags_in_library_sources() -> (usize, Vec<String>) {
    let mut folders: Vec<PathBuf> = ["model", "engine", "ingest", "itglue", "report"]
        .iter()
        .map(|name| root().join("crates").join(name).join("src"))
        .collect();
    let (mut files, mut found) = (0, Vec::new());
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                if let Some(flag) = flag_in(line) {
                    found.push(format!("{}:{}: {flag}", path.display(), number + 1));
                }
            }
        }
    }
    (files, found)
}

#[test]
fn library_crates_name_no_flag() {
    let (files, found) = flags_in_library_sources();
    assert!(files > 50, "only {files} source files read");
    assert!(
        found.is_empty(),
        "library sources name flags (name a keyaudit_model::Setting instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_sees_flags_in_code_and_not_in_comments() {
    assert_eq!(flag_in("let m = \"use --days 30\";"), Some("--days"));
    assert_eq!(
        flag_in("format!(\"{x} --max-requests-per-5min\")"),
        Some("--max-requests-per-5min")
    );
    assert_eq!(flag_in("|---|---|"), None);
    assert_eq!(flag_in("<!-- note -->"), None);
}

fn stderr_of(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let assert = cmd.assert().code(code);
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[test]
fn the_binary_words_fetch_settings_as_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    let missing = stderr_of(keyaudit().args(["fetch-usage", "-o"]).arg(&out), 2);
    assert_eq!(
        missing,
        "error: no IT Glue API key: set ITGLUE_API_KEY or pass --api-key-file FILE (an \
         Administrator creates keys under Admin → Settings → API Keys; the full key is shown \
         once, at creation)\n"
    );
    let days = stderr_of(
        keyaudit()
            .env(
                "ITGLUE_API_KEY",
                "ITG.0123456789abcdef0123456789abcdef.Fl4gT3stS3cret",
            )
            .args(["fetch-usage", "--region", "us", "--days", "45", "-o"])
            .arg(&out),
        2,
    );
    assert_eq!(
        days,
        "error: --days 45: the IT Glue API keeps only the last 30 days of activity logs; use \
         --days 30 or less, and for older history export the Activity Logs page of the IT Glue \
         web UI as CSV and pass it with --usage\n"
    );
    let zero = stderr_of(
        keyaudit()
            .env(
                "ITGLUE_API_KEY",
                "ITG.0123456789abcdef0123456789abcdef.Fl4gT3stS3cret",
            )
            .args(["fetch-usage", "--region", "us", "--days", "0", "-o"])
            .arg(&out),
        2,
    );
    assert_eq!(zero, "error: invalid --days: must be at least 1\n");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn the_binary_words_usage_settings_as_flags() {
    let fixtures = root().join("fixtures");
    let audit = |extra: &[&str]| {
        let mut cmd = keyaudit();
        cmd.arg("audit")
            .arg("--inventory")
            .arg(fixtures.join("inventory/keys-full.csv"))
            .arg("--usage")
            .arg(fixtures.join("usage/activity-export.csv"))
            .args(["--as-of", "2026-11-16", "--format", "json"])
            .args(extra);
        stderr_of(&mut cmd, 2)
    };
    assert_eq!(
        audit(&["--timezone", "Mars/Olympus"]),
        "error: --timezone: found `Mars/Olympus`; expected an IANA time-zone name such as \
         \"Europe/Berlin\", \"America/New_York\" or \"UTC\"\n"
    );
    let window = audit(&["--usage-window", "yesterday..today"]);
    assert!(
        window.starts_with("error: --usage-window: found `yesterday..today`; expected "),
        "{window}"
    );
}
