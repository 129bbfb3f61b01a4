//! Outputs other tools accept: the JSON report holds every field that
//! docs/report-schema.md documents, whether or not it has a value (a contract
//! has no optional keys); `--bom` starts CSV with a byte-order mark.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::keyaudit;

const SCHEMA_DOC: &str = include_str!("../../../../docs/report-schema.md");

/// One documented field: its path (`keys[].activity`, `[]` for each element
/// of an array) and the fields its value holds when it is an object, as the
/// type column writes them (`{start, end, inferred, complete}`).
#[derive(Debug)]
struct DocField {
    path: String,
    inner: Vec<String>,
}

/// The fields of the report's tables, from the report's own heading to the
/// CSV views. A section's heading says where its fields live.
fn documented_fields() -> Vec<DocField> {
    let mut fields = Vec::new();
    let mut prefix: Option<&str> = None;
    for line in SCHEMA_DOC.lines() {
        if let Some(heading) = line.strip_prefix("#") {
            prefix = match heading.trim_start_matches('#').trim() {
                h if h.starts_with("Report schema") => Some(""),
                "Coverage" => Some("coverage."),
                "Summary" => Some("summary."),
                "Policy" => Some("policy."),
                "Key record" => Some("keys[]."),
                "Finding" => Some("findings[]."),
                "Evidence" => Some("findings[].evidence."),
                "Compliance view" => Some("compliance[]."),
                _ => None,
            };
            continue;
        }
        if line == "`thresholds`:" {
            prefix = Some("policy.thresholds.");
            continue;
        }
        let Some(prefix) = prefix else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let (names, kind, meaning) = (cells[1], cells[2], cells[3]);
        let mut inner = braced(kind);
        if kind.contains("place") {
            inner.extend(["file", "row", "column"].map(String::from));
        }
        for name in ticked(names) {
            fields.push(DocField {
                path: format!("{prefix}{name}"),
                inner: inner.clone(),
            });
            if meaning.contains("`location` is a place") {
                fields.push(DocField {
                    path: format!("{prefix}{name}[].location"),
                    inner: ["file", "row", "column"].map(String::from).to_vec(),
                });
            }
        }
    }
    fields
}

/// The `code` spans of a cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The names inside the first `{…}` of a cell.
fn braced(cell: &str) -> Vec<String> {
    let Some(open) = cell.find('{') else {
        return Vec::new();
    };
    let Some(close) = cell[open..].find('}') else {
        return Vec::new();
    };
    cell[open + 1..open + close]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The values at `path` in `json`: every element for a `[]` step, nothing
/// below a null.
fn values_at<'a>(json: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut values = vec![json];
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, each) = match step.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (step, false),
        };
        values = values
            .into_iter()
            .filter_map(|v| v.get(name))
            .flat_map(|v| match (each, v) {
                (true, Value::Array(items)) => items.iter().collect(),
                (true, _) => Vec::new(),
                (false, v) => vec![v],
            })
            .filter(|v| !v.is_null())
            .collect();
    }
    values
}

/// `path` split into the objects that must hold it and its last name.
fn parent_and_name(path: &str) -> (&str, &str) {
    match path.rsplit_once('.') {
        Some((parent, name)) => (parent, name),
        None => ("", path),
    }
}

/// Lists the demo report leaves empty, so their elements' fields cannot be
/// checked there.
const EMPTY_IN_DEMO: [&str; 1] = ["diagnostics[]"];

/// The missing fields: each documented field in every object that should
/// hold it, and each object value's documented inner fields.
fn missing_fields(report: &Value, fields: &[DocField]) -> Vec<String> {
    let mut missing = Vec::new();
    for field in fields {
        let (parent, name) = parent_and_name(&field.path);
        let parents = values_at(report, parent);
        if EMPTY_IN_DEMO.contains(&parent) {
            assert!(
                parents.is_empty(),
                "`{parent}` has elements now: check them"
            );
        } else {
            assert!(
                !parents.is_empty(),
                "nothing in the demo report at `{parent}` to check `{name}` in"
            );
        }
        if parents.iter().any(|object| object.get(name).is_none()) {
            missing.push(field.path.clone());
        }
        for value in values_at(report, &field.path) {
            let objects: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            for object in objects.into_iter().filter(|v| v.is_object()) {
                for inner in &field.inner {
                    if object.get(inner).is_none() {
                        missing.push(format!("{}.{inner}", field.path));
                    }
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    missing
}

fn demo_json(dir: &Path, name: &str, baseline: Option<&Path>) -> Value {
    let out = dir.join(name);
    let mut cmd = keyaudit();
    cmd.args(["audit", "--demo", "--quiet", "--format", "json", "--output"])
        .arg(&out);
    if let Some(baseline) = baseline {
        cmd.arg("--baseline").arg(baseline);
    }
    cmd.assert().success();
    serde_json::from_slice(&fs::read(&out).unwrap()).unwrap()
}

#[test]
fn the_schema_page_documents_the_report_field_by_field() {
    let fields = documented_fields();
    let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
    for expected in [
        "schema",
        "coverage.keys_with_activity",
        "coverage.top_unattributed_ips",
        "policy.severity_overrides",
        "policy.thresholds.naming_pattern",
        "keys[].activity",
        "findings[].mute",
        "findings[].evidence.expired_mute",
        "compliance[].keys",
        "exposures[].location",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
}

#[test]
fn the_demo_report_holds_every_documented_field() {
    let dir = tempfile::tempdir().unwrap();
    let old = demo_json(dir.path(), "old.json", None);
    let new = demo_json(dir.path(), "new.json", Some(&dir.path().join("old.json")));
    let fields = documented_fields();
    for (name, report) in [("without a baseline", &old), ("with a baseline", &new)] {
        let missing = missing_fields(report, &fields);
        assert!(missing.is_empty(), "{name}: missing {missing:#?}");
    }
    // Empty values are written, not left out.
    assert_eq!(old["baseline"], Value::Null);
    assert_eq!(old["findings"][0]["delta"], Value::Null);
    assert!(new["baseline"].is_object());
}

#[test]
fn bom_starts_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys.csv");
    keyaudit()
        .args([
            "audit", "--demo", "--quiet", "--view", "keys", "--bom", "--output",
        ])
        .arg(&out)
        .assert()
        .success();
    let bytes = fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFkey_name,"),
        "{:?}",
        &bytes[..8]
    );
    let plain = keyaudit()
        .args([
            "audit", "--demo", "--quiet", "--view", "keys", "--format", "csv",
        ])
        .assert()
        .success();
    assert_eq!(&bytes[3..], &plain.get_output().stdout[..]);
}

#[test]
fn bom_is_refused_for_other_formats_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "table", "markdown", "html", "ocsf"] {
        let out = dir.path().join(format!("report.{format}"));
        let assert = keyaudit()
            .args(["audit", "--demo", "--bom", "--format", format, "--output"])
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("--bom") && stderr.contains("--format csv"),
            "{format}: {stderr}"
        );
        assert!(!out.exists(), "{format}: no output file");
    }
    // The format may come from the output's extension.
    let out = dir.path().join("report.json");
    keyaudit()
        .args(["audit", "--demo", "--bom", "--output"])
        .arg(&out)
        .assert()
        .code(2);
}

/// Every diagnostic code is listed in the schema page's table, under the name
/// the JSON report writes, and the table lists no other.
#[test]
fn every_diagnostic_code_is_documented() {
    let section = SCHEMA_DOC
        .split("## Diagnostic codes")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the schema page has a Diagnostic codes section");
    let documented: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(String::from)
        .collect();
    let codes: Vec<String> = keyaudit_model::DiagnosticCode::ALL
        .iter()
        .map(|code| {
            let written = serde_json::to_value(code).unwrap();
            assert_eq!(written, code.as_str(), "{code:?}");
            code.as_str().to_string()
        })
        .collect();
    assert_eq!(documented, codes);
}

/// How outputs are prepared and failures classified, in the binary's own
/// terms.
mod parts {
    use std::fs;
    use std::path::Path;

    use anyhow::anyhow;
    use keyaudit_cli::exit::Failure;
    use keyaudit_cli::output::Output;

    #[test]
    fn dash_and_nothing_are_stdout() {
        assert!(Output::prepare(None, []).unwrap().is_stdout());
        assert!(
            Output::prepare(Some(Path::new("-")), [])
                .unwrap()
                .is_stdout()
        );
    }

    #[test]
    fn an_input_reached_another_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("keys.csv");
        fs::write(&input, "Name\nHalo\n").unwrap();
        fs::create_dir(dir.path().join("x")).unwrap();
        let other = dir.path().join("x").join("..").join("keys.csv");
        let err = Output::prepare(Some(&other), [("--inventory", input.as_path())]).unwrap_err();
        assert_eq!(Failure::of(&err), Failure::BadInput);
        assert!(err.to_string().contains("--inventory"), "{err}");
        let fresh = dir.path().join("report.csv");
        assert!(matches!(
            Output::prepare(Some(&fresh), [("--inventory", input.as_path())]).unwrap(),
            Output::File(_)
        ));
        assert_eq!(fs::read(&input).unwrap(), b"Name\nHalo\n");
    }

    #[test]
    fn a_missing_folder_is_an_output_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("r.json");
        let err = Output::prepare(Some(&path), []).unwrap_err();
        assert_eq!(Failure::of(&err), Failure::Output);
    }

    #[test]
    fn a_mark_anywhere_in_the_chain_decides_the_code() {
        assert_eq!(Failure::of(&anyhow!("bad row")), Failure::BadInput);
        let api = Failure::Api.mark(anyhow!("HTTP 500"));
        assert_eq!(Failure::of(&api), Failure::Api);
        let output = Failure::Output
            .mark(std::io::Error::other("disk full"))
            .context("cannot write `r.json`");
        assert_eq!(Failure::of(&output), Failure::Output);
        assert_eq!(
            [Failure::BadInput, Failure::Api, Failure::Output].map(Failure::exit_code),
            [2, 3, 4]
        );
    }

    #[test]
    fn a_mark_changes_no_message() {
        let inner = anyhow!("No space left on device").context("cannot write `r.json`");
        let marked = Failure::Output.mark(inner).context("the audit failed");
        assert_eq!(
            format!("{marked:#}"),
            "the audit failed: cannot write `r.json`: No space left on device"
        );
    }
}
