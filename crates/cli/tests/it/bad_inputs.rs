//! The bad-input corpus (`fixtures/bad/`, see its README): every broken
//! inventory, usage file and policy through the real binary. Each case
//! snapshots the exit code and the exact stderr (the temporary folder
//! redacted), and checks that nothing panicked and that a failed run left no
//! file at all in the output folder (no report, no stray temporary file).

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{files_in, keyaudit};

use serde_json::Value;

/// The audit's as-of date for every case: the results do not depend on today.
const AS_OF: &str = "2026-11-16";

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bad")
}

/// `text` with every regular-expression metacharacter escaped.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What one run did.
struct Run {
    code: i32,
    stderr: String,
    /// The report, when one was written.
    report: Option<Value>,
}

/// Runs `keyaudit <args> --output <tmp>/report.json` in `fixtures/bad/`
/// (`{tmp}` in an argument stands for a folder of generated inputs), then
/// snapshots the command, exit code and stderr as `name`, and checks the
/// invariants every case shares.
fn run(name: &str, args: &[&str]) -> Run {
    run_with(name, args, None)
}

fn run_with(name: &str, args: &[&str], generated: Option<&Path>) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("report.json");
    let input_dir = generated.map(|p| p.to_str().unwrap().to_string());
    let args: Vec<String> = args
        .iter()
        .map(|a| match &input_dir {
            Some(dir) => a.replace("{tmp}", dir),
            None => (*a).to_string(),
        })
        .collect();
    let result = keyaudit()
        .current_dir(corpus())
        .env("NO_COLOR", "1")
        .args(&args)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    let code = result
        .status
        .code()
        .expect("exited, not killed by a signal");
    let stderr = String::from_utf8(result.stderr).expect("stderr is UTF-8");
    let stdout = String::from_utf8_lossy(&result.stdout).into_owned();

    for text in [&stderr, &stdout] {
        for panic in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(!text.contains(panic), "{name}: {panic} in {text}");
        }
    }
    assert!(
        stdout.is_empty(),
        "{name}: the report goes to --output: {stdout}"
    );
    let report = if code == 2 {
        assert!(
            stderr.lines().any(|l| l.starts_with("error: ")),
            "{name}: no error message: {stderr}"
        );
        assert!(
            files_in(out_dir.path()).is_empty(),
            "{name}: a failed run left {:?}",
            files_in(out_dir.path())
        );
        None
    } else {
        assert!(
            code == 0 || code == 1,
            "{name}: exit {code} (expected 0, 1 or 2): {stderr}"
        );
        assert!(
            !stderr.contains("error"),
            "{name}: a successful run printed an error: {stderr}"
        );
        assert_eq!(files_in(out_dir.path()), ["report.json"], "{name}");
        let text = fs::read_to_string(&output).unwrap();
        Some(serde_json::from_str(&text).expect("the report is JSON"))
    };

    let mut filters = vec![(escape(out_dir.path().to_str().unwrap()), "[OUT]")];
    if let Some(dir) = &input_dir {
        filters.push((escape(dir), "[IN]"));
    }
    let shown_args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect();
    let text = format!(
        "$ keyaudit {} --output {}\nexit: {code}\n--- stderr\n{stderr}",
        shown_args.join(" "),
        output.display()
    );
    let filters: Vec<(&str, &str)> = filters.iter().map(|(r, s)| (r.as_str(), *s)).collect();
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(name, text);
    });
    Run {
        code,
        stderr,
        report,
    }
}

fn audit_inventory(name: &str, file: &str) -> Run {
    run(
        name,
        &[
            "audit",
            "--inventory",
            file,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    )
}

fn audit_usage(name: &str, file: &str) -> Run {
    run(
        name,
        &[
            "audit",
            "--inventory",
            "inventory-bom.csv",
            "--usage",
            file,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    )
}

fn audit_policy(name: &str, file: &str) -> Run {
    run(
        name,
        &[
            "audit",
            "--inventory",
            "inventory-bom.csv",
            "--policy",
            file,
            "--as-of",
            AS_OF,
        ],
    )
}

fn assert_refused(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} missing: {}",
            run.stderr
        );
    }
}

fn diagnostics(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

fn key_names(report: &Value) -> Vec<String> {
    let mut names: Vec<String> = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

// ------------------------------------------------------------- inventories

#[test]
fn inventory_empty() {
    let run = audit_inventory("inventory_empty", "inventory-empty.csv");
    assert_refused(&run, &["inventory-empty.csv", "the file is empty"]);
}

#[test]
fn inventory_header_only() {
    let run = audit_inventory("inventory_header_only", "inventory-header-only.csv");
    assert_refused(&run, &["inventory-header-only.csv", "found no API key"]);
}

#[test]
fn inventory_binary() {
    let run = audit_inventory("inventory_binary", "inventory-binary.bin");
    assert_refused(&run, &["inventory-binary.bin:1", "not valid UTF-8"]);
}

#[test]
fn inventory_bom_is_read() {
    let run = audit_inventory("inventory_bom", "inventory-bom.csv");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let report = run.report.unwrap();
    assert_eq!(key_names(&report), ["HaloPSA Integration"]);
    assert_eq!(report["inputs"][0]["format"], "csv");
}

#[test]
fn inventory_crlf_is_read() {
    let run = audit_inventory("inventory_crlf", "inventory-crlf.tsv");
    // Vault export holds Password Access without an allowance: high.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let report = run.report.unwrap();
    assert_eq!(key_names(&report), ["HaloPSA Integration", "Vault export"]);
    assert_eq!(report["inputs"][0]["format"], "tsv");
    for key in report["keys"].as_array().unwrap() {
        let name = key["name"].as_str().unwrap();
        assert!(!name.contains('\r'), "{name:?}");
        assert_eq!(
            key["password_access"],
            name == "Vault export",
            "filled in by hand"
        );
    }
}

#[test]
fn inventory_windows_1252_is_refused_with_the_place() {
    let run = audit_inventory("inventory_windows_1252", "inventory-windows-1252.csv");
    assert_refused(
        &run,
        &[
            "inventory-windows-1252.csv:2",
            "byte 0xE9",
            "save the file as UTF-8",
        ],
    );
}

#[test]
fn inventory_utf16_is_refused() {
    let run = audit_inventory("inventory_utf16", "inventory-utf16.csv");
    assert_refused(&run, &["UTF-16 byte-order mark", "save the file as UTF-8"]);
}

#[test]
fn inventory_unbalanced_quotes() {
    let run = audit_inventory(
        "inventory_unbalanced_quotes",
        "inventory-unbalanced-quotes.csv",
    );
    assert_refused(
        &run,
        &[
            "inventory-unbalanced-quotes.csv:3",
            "never closed",
            "line 3",
        ],
    );
}

#[test]
fn inventory_ragged_rows() {
    let run = audit_inventory("inventory_ragged", "inventory-ragged.csv");
    assert_refused(
        &run,
        &["inventory-ragged.csv:4", "beyond the 3 header columns"],
    );
}

#[test]
fn inventory_duplicate_headers() {
    let run = audit_inventory(
        "inventory_duplicate_headers",
        "inventory-duplicate-headers.csv",
    );
    assert_refused(&run, &["inventory-duplicate-headers.csv:1", "found both"]);
}

#[test]
fn inventory_settings_page_copy_without_checkbox_states() {
    // What a browser really copies from Admin → Settings → API Keys: every
    // Password Access cell empty, ticked or not.
    let run = audit_inventory(
        "inventory_settings_page_copy",
        "../inventory/settings-page-paste.tsv",
    );
    assert_refused(
        &run,
        &[
            "../inventory/settings-page-paste.tsv: found a copy of the API Keys settings page",
            "the browser dropped the checkbox states",
            "keyaudit capture-snippet",
            "yes or no",
        ],
    );
}

#[test]
fn inventory_password_access_maybe() {
    let run = audit_inventory(
        "inventory_password_access_maybe",
        "inventory-password-access-maybe.csv",
    );
    assert_refused(
        &run,
        &[
            "inventory-password-access-maybe.csv:3, column \"Password Access\"",
            "`maybe`",
        ],
    );
}

#[test]
fn inventory_future_dates_warn_and_the_report_is_written() {
    let run = audit_inventory("inventory_future_dates", "inventory-future-dates.csv");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .all(|l| l.starts_with("warning[date-after-as-of]: inventory-future-dates.csv:3: ")),
        "{}",
        run.stderr
    );
    let messages = diagnostics(&run.report.unwrap());
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("was created 2027-03-01T00:00:00Z, after the audit's as-of"));
    assert!(messages[1].contains("was last used 2027-04-02T00:00:00Z, after the audit's as-of"));
}

#[test]
fn inventory_last_use_before_creation_warns() {
    let run = audit_inventory(
        "inventory_last_use_before_creation",
        "inventory-last-use-before-creation.csv",
    );
    // The key is idle for 246 days: idle-key (high) fails the default gate.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("before it was created"),
        "{}",
        run.stderr
    );
    let messages = diagnostics(&run.report.unwrap());
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("was last used (2026-03-15T00:00:00Z) before it was created"));
}

#[test]
fn inventory_warnings_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("report.json");
    let status = keyaudit()
        .current_dir(corpus())
        .args(["audit", "-i", "inventory-last-use-before-creation.csv"])
        .args(["--as-of", AS_OF, "--fail-on", "never", "-o"])
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&status.stderr).starts_with("warning[last-use-before-creation]: ")
    );
    assert_eq!(files_in(dir.path()), ["report.json"]);
}

#[test]
fn inventory_1mib_field() {
    let dir = tempfile::tempdir().unwrap();
    // Just under the row limit (1 MiB), so that the field's own limit is hit.
    let big = "A".repeat((1 << 20) - 1024);
    fs::write(
        dir.path().join("inventory-1mib-field.csv"),
        format!("Name,Key,Password Access\n{big},ITG.45df64a0dd9df8a7a79dc4382927a045.*****,no\n"),
    )
    .unwrap();
    let run = run_with(
        "inventory_1mib_field",
        &[
            "audit",
            "--inventory",
            "{tmp}/inventory-1mib-field.csv",
            "--as-of",
            AS_OF,
        ],
        Some(dir.path()),
    );
    assert_refused(&run, &["1047552 characters", "at most 4096"]);
    assert!(run.stderr.len() < 1000, "the value is not echoed");
}

#[test]
fn inventory_1mib_quoted_field_in_a_valid_csv() {
    let dir = tempfile::tempdir().unwrap();
    let line = format!("{}\n", "x".repeat(1023));
    fs::write(
        dir.path().join("inventory-1mib-notes.csv"),
        format!(
            "Name,Key,Notes\nHaloPSA Integration,,\"{}\"\n",
            line.repeat(1023)
        ),
    )
    .unwrap();
    let run = run_with(
        "inventory_1mib_notes",
        &[
            "audit",
            "--inventory",
            "{tmp}/inventory-1mib-notes.csv",
            "--as-of",
            AS_OF,
        ],
        Some(dir.path()),
    );
    assert_refused(&run, &[":2, column \"Notes\"", "1047552 characters"]);
}

/// Hostile files: a header of 20 MiB of commas (inventory and activity-log
/// export) and a page nested 200,000 deep stop at a limit, fast.
#[test]
fn hostile_files_stop_at_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let commas = ",".repeat(20 << 20);
    fs::write(
        dir.path().join("commas.csv"),
        format!(
            "Name,Key{commas}
HaloPSA Integration,\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("commas-activity.csv"),
        format!("Date{commas}\n2026-11-01 10:00:00\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("nested.html"),
        format!(
            "<html><body>\n{}<table><tr><th>Name<th>Key<tr><td>Halo<td></table>",
            "<div>".repeat(200_000)
        ),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let run = run_with(
        "inventory_20mib_header_of_commas",
        &["audit", "--inventory", "{tmp}/commas.csv", "--as-of", AS_OF],
        Some(dir.path()),
    );
    assert_refused(&run, &["commas.csv:1", "1 MiB (1048576 bytes) per row"]);
    let run = run_with(
        "usage_20mib_header_of_commas",
        &[
            "audit",
            "--inventory",
            "inventory-bom.csv",
            "--usage",
            "{tmp}/commas-activity.csv",
            "--as-of",
            AS_OF,
        ],
        Some(dir.path()),
    );
    assert_refused(
        &run,
        &["commas-activity.csv:1", "1 MiB (1048576 bytes) per row"],
    );
    let run = run_with(
        "inventory_html_nested_200000_deep",
        &[
            "audit",
            "--inventory",
            "{tmp}/nested.html",
            "--as-of",
            AS_OF,
        ],
        Some(dir.path()),
    );
    assert_refused(&run, &["nested.html (line 2)", "256 nested elements"]);
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn inventory_wrong_shape_json() {
    let run = audit_inventory("inventory_wrong_shape", "inventory-wrong-shape.json");
    assert_refused(&run, &["inventory-wrong-shape.json", "\"keys\""]);
}

#[test]
fn inventory_truncated_json() {
    let run = audit_inventory("inventory_truncated_json", "inventory-truncated.json");
    assert_refused(&run, &["inventory-truncated.json", "line 3, column 53"]);
}

#[test]
fn inventory_without_a_name_column() {
    let run = audit_inventory("inventory_no_name_column", "inventory-no-name-column.csv");
    assert_refused(&run, &["inventory-no-name-column.csv:1", "name column"]);
}

#[test]
fn inventory_bad_date() {
    let run = audit_inventory("inventory_bad_date", "inventory-bad-date.csv");
    assert_refused(
        &run,
        &["inventory-bad-date.csv:2, column \"Created\"", "16/11/2026"],
    );
}

#[test]
fn inventory_bad_state() {
    let run = audit_inventory("inventory_bad_state", "inventory-bad-state.csv");
    assert_refused(&run, &["column \"State\"", "`deleted`"]);
}

#[test]
fn inventory_bad_key() {
    let run = audit_inventory("inventory_bad_key", "inventory-bad-key.csv");
    assert_refused(&run, &["column \"Key\"", "masked key"]);
}

#[test]
fn inventory_duplicate_key() {
    let run = audit_inventory("inventory_duplicate_key", "inventory-duplicate-key.csv");
    assert_refused(&run, &["inventory-duplicate-key.csv:3", "already on row 2"]);
}

#[test]
fn inventory_html_without_a_key_table() {
    let run = audit_inventory(
        "inventory_html_no_key_table",
        "inventory-html-no-key-table.html",
    );
    assert_refused(&run, &["no table whose header row has a name column"]);
}

#[test]
fn missing_inventory_file() {
    let run = audit_inventory("inventory_missing_file", "no-such-inventory.csv");
    assert_refused(&run, &["no-such-inventory.csv", "cannot read the file"]);
}

// ------------------------------------------------------------- usage files

#[test]
fn usage_truncated_jsonl() {
    let run = audit_usage("usage_truncated", "usage-truncated.jsonl");
    assert_refused(&run, &["usage-truncated.jsonl:4", "looks truncated"]);
}

#[test]
fn usage_wrong_shape_json() {
    let run = audit_usage("usage_wrong_shape", "usage-wrong-shape.json");
    assert_refused(
        &run,
        &[
            "usage-wrong-shape.json",
            "expected an array of log resources",
        ],
    );
}

#[test]
fn usage_array_of_numbers() {
    let run = audit_usage("usage_array_of_numbers", "usage-array-of-numbers.json");
    assert_refused(&run, &["usage-array-of-numbers.json", "resource 1"]);
}

#[test]
fn usage_empty() {
    let run = audit_usage("usage_empty", "usage-empty.jsonl");
    assert_refused(&run, &["usage-empty.jsonl", "the file is empty"]);
}

#[test]
fn usage_binary() {
    let run = audit_usage("usage_binary", "usage-binary.bin");
    assert_refused(&run, &["usage-binary.bin:1", "not valid UTF-8"]);
}

#[test]
fn usage_windows_1252() {
    let run = audit_usage("usage_windows_1252", "usage-windows-1252.csv");
    assert_refused(&run, &["usage-windows-1252.csv:2", "byte 0xE9"]);
}

#[test]
fn usage_csv_without_a_time_column() {
    let run = audit_usage("usage_csv_no_time_column", "usage-csv-no-time-column.csv");
    assert_refused(
        &run,
        &["usage-csv-no-time-column.csv:1", "date/time column"],
    );
}

#[test]
fn usage_csv_bad_date() {
    let run = audit_usage("usage_csv_bad_date", "usage-csv-bad-date.csv");
    assert_refused(
        &run,
        &["usage-csv-bad-date.csv:3, column \"Date\"", "31/13/2024"],
    );
}

#[test]
fn usage_incomplete_fetch() {
    let run = audit_usage("usage_incomplete_fetch", "usage-incomplete-fetch.jsonl");
    assert_refused(&run, &["usage-incomplete-fetch.jsonl:1", "--allow-partial"]);
}

#[test]
fn usage_event_count_mismatch() {
    let run = audit_usage(
        "usage_event_count_mismatch",
        "usage-event-count-mismatch.jsonl",
    );
    assert_refused(&run, &["header says 5 events, file holds 2"]);
}

// ------------------------------------------------------------- policies

#[test]
fn policy_every_mistake() {
    let run = audit_policy("policy_every_mistake", "policy-every-mistake.toml");
    assert_refused(&run, &[]);
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert!(errors.len() >= 30, "{}", run.stderr);
    assert!(
        errors
            .iter()
            .all(|l| l.starts_with("error: policy-every-mistake.toml:")),
        "{}",
        run.stderr
    );
    // check-policy prints the same errors.
    let out = keyaudit()
        .current_dir(corpus())
        .args(["check-policy", "policy-every-mistake.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), run.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn policy_syntax_error() {
    let run = audit_policy("policy_syntax_error", "policy-syntax-error.toml");
    assert_refused(
        &run,
        &[
            "policy-syntax-error.toml:3:1: invalid TOML",
            "policy-syntax-error.toml:6:",
        ],
    );
}

#[test]
fn policy_thresholds_out_of_order() {
    let run = audit_policy(
        "policy_thresholds_out_of_order",
        "policy-thresholds-out-of-order.toml",
    );
    assert_refused(
        &run,
        &[":3:19:", ":4:21:", "warn_after_days <= high_after_days"],
    );
}

#[test]
fn policy_windows_1252() {
    let run = audit_policy("policy_windows_1252", "policy-windows-1252.toml");
    assert_refused(&run, &["policy-windows-1252.toml", "UTF-8"]);
}

// ------------------------------------------------------------- the corpus itself

/// Every file of the corpus is used by a case above, and the README lists it.
#[test]
fn every_corpus_file_is_tested_and_documented() {
    let readme = fs::read_to_string(corpus().join("README.md")).unwrap();
    let this =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/bad_inputs.rs"))
            .unwrap();
    for name in files_in(&corpus()) {
        if name == "README.md" {
            continue;
        }
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not list {name}"
        );
        assert!(
            this.contains(&format!("\"{name}\"")),
            "no case reads {name}"
        );
    }
}
