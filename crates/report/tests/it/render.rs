//! Renderer tests over one shared fixture report (`tests/fixtures/report.json`).

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use keyaudit_engine::compare;
use keyaudit_model::{
    AuditReport, BaselineInfo, ControlResult, Delta, DiffSummary, FindingStatus, HISTORY_SCHEMA,
    History, HistoryNote, KeyRef, Mute, PolicyInfo, ReportDiff, Severity, Summary, Thresholds,
};
use keyaudit_report::{
    Document, Format, RenderOptions, ReportView, View, csv, html, json, markdown, ocsf, table,
};

const FIXTURE: &str = include_str!("../fixtures/report.json");

const PLAIN: RenderOptions = RenderOptions {
    color: false,
    bom: false,
};
const COLOR: RenderOptions = RenderOptions {
    color: true,
    bom: false,
};

fn fixture() -> AuditReport {
    serde_json::from_str(FIXTURE).expect("the fixture is a valid AuditReport")
}

fn rendered(report: &AuditReport, format: Format, view: View, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    ReportView { report, view }
        .render(format, options, &mut out)
        .expect("rendering to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
}

/// Recomputes everything derived from the findings, as the engine does: each
/// key's open rules and highest severity, the summary, and the counts,
/// status and keys of every compliance control (its rules stay).
fn refresh(report: &mut AuditReport) {
    for key in &mut report.keys {
        let open: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.key.id == key.id && f.is_open())
            .collect();
        key.findings = open.iter().map(|f| f.rule).collect();
        key.findings.sort();
        key.max_severity = open.iter().map(|f| f.severity).max();
    }
    report.summary = Summary::count(report.keys.len(), &report.findings);
    for control in &mut report.compliance {
        let referencing: Vec<_> = report
            .findings
            .iter()
            .filter(|f| {
                f.compliance
                    .iter()
                    .any(|c| c.framework == control.framework && c.control == control.control)
            })
            .collect();
        control.open = referencing.iter().filter(|f| f.is_open()).count();
        control.muted = referencing.len() - control.open;
        control.status = if control.open > 0 {
            ControlResult::Fail
        } else {
            ControlResult::Pass
        };
        let mut keys: Vec<KeyRef> = referencing.iter().map(|f| f.key.clone()).collect();
        keys.sort_by(|a, b| {
            (a.name.to_lowercase(), &a.id)
                .cmp(&(b.name.to_lowercase(), &b.id))
                .then_with(|| a.cmp(b))
        });
        keys.dedup();
        control.keys = keys;
    }
}

/// ANSI escapes made visible, so the colour snapshot can be reviewed.
fn visible_escapes(s: &str) -> String {
    s.replace('\u{1b}', "<ESC>")
}

// ---- the fixture itself ----------------------------------------------------

#[test]
fn fixture_is_consistent() {
    let report = fixture();
    assert_eq!(report.schema, keyaudit_model::REPORT_SCHEMA);
    assert_eq!(report.tool.version, "0.1.0");
    assert_eq!(
        report.summary,
        Summary::count(report.keys.len(), &report.findings)
    );
    for key in &report.keys {
        let mut open: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.key.id == key.id && f.status == FindingStatus::Open)
            .map(|f| f.rule)
            .collect();
        open.sort();
        assert_eq!(key.findings, open, "findings of {:?}", key.name);
        let max = report
            .findings
            .iter()
            .filter(|f| f.key.id == key.id && f.is_open())
            .map(|f| f.severity)
            .max();
        assert_eq!(key.max_severity, max, "max severity of {:?}", key.name);
    }
    for finding in &report.findings {
        let key = report
            .keys
            .iter()
            .find(|k| k.id == finding.key.id)
            .expect("every finding's key is in keys");
        assert_eq!(key.name, finding.key.name);
        assert_eq!(key.fingerprint, finding.key.fingerprint);
        assert_eq!(key.account, finding.key.account);
    }
    // The compliance view agrees with the findings, and every control a
    // finding references has a row.
    let mut refreshed = report.clone();
    refresh(&mut refreshed);
    assert_eq!(refreshed, report);
    for finding in &report.findings {
        for c in &finding.compliance {
            assert!(
                report
                    .compliance
                    .iter()
                    .any(|row| row.framework == c.framework && row.control == c.control),
                "no compliance row for {c}"
            );
        }
    }
    // Activity and coverage add up.
    let coverage = &report.coverage;
    let events: u64 = report
        .keys
        .iter()
        .filter_map(|k| k.activity.as_ref())
        .map(|a| a.events)
        .sum();
    assert_eq!(events, coverage.attributed);
    assert_eq!(
        report
            .keys
            .iter()
            .filter(|k| k.activity.as_ref().is_some_and(|a| a.events > 0))
            .count(),
        coverage.keys_with_activity
    );
    for list in [
        &coverage.top_unattributed_user_agents,
        &coverage.top_unattributed_ips,
    ] {
        assert_eq!(
            list.iter().map(|v| v.count).sum::<u64>(),
            coverage.unattributed
        );
    }
}

// ---- json ------------------------------------------------------------------

#[test]
fn json_round_trips_the_fixture_byte_for_byte() {
    let mut out = Vec::new();
    json::render(&fixture(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    if let Some((n, (got, want))) = out
        .lines()
        .zip(FIXTURE.lines())
        .enumerate()
        .find(|(_, (got, want))| got != want)
    {
        panic!("line {}: rendered {got:?}, fixture {want:?}", n + 1);
    }
    assert_eq!(out, FIXTURE);
}

#[test]
fn json_snapshot() {
    let out = rendered(&fixture(), Format::Json, View::Findings, &PLAIN);
    assert!(out.ends_with("}\n"));
    assert_eq!(
        out,
        rendered(&fixture(), Format::Json, View::Keys, &PLAIN),
        "json ignores the view"
    );
    insta::assert_snapshot!("json_report", out);
}

// ---- table -----------------------------------------------------------------

#[test]
fn table_findings_snapshot() {
    let out = rendered(&fixture(), Format::Table, View::Findings, &PLAIN);
    assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
    insta::assert_snapshot!("table_findings", out);
}

#[test]
fn table_keys_snapshot() {
    let out = rendered(&fixture(), Format::Table, View::Keys, &PLAIN);
    assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
    insta::assert_snapshot!("table_keys", out);
}

#[test]
fn table_findings_color_snapshot() {
    let out = rendered(&fixture(), Format::Table, View::Findings, &COLOR);
    // critical: red bold; high: red; medium: yellow; low: cyan; info: dim.
    for styled in [
        "\u{1b}[1m", // bold
        "\u{1b}[2m", // dim
        "\u{1b}[38;5;9m",
        "\u{1b}[38;5;11m",
        "\u{1b}[38;5;14m",
    ] {
        assert!(out.contains(styled), "{styled:?} missing");
    }
    let plain = rendered(&fixture(), Format::Table, View::Findings, &PLAIN);
    assert_eq!(
        strip_ansi(&out),
        plain,
        "colour changes nothing but escapes"
    );
    insta::assert_snapshot!("table_findings_color", visible_escapes(&out));
}

#[test]
fn table_keys_color_only_adds_escapes() {
    let out = rendered(&fixture(), Format::Table, View::Keys, &COLOR);
    assert!(out.contains('\u{1b}'));
    let plain = rendered(&fixture(), Format::Table, View::Keys, &PLAIN);
    assert_eq!(strip_ansi(&out), plain);
}

#[test]
fn table_without_findings_says_so() {
    let mut report = fixture();
    report.findings.clear();
    for key in &mut report.keys {
        key.findings.clear();
        key.max_severity = None;
    }
    report.summary = Summary::count(report.keys.len(), &report.findings);
    let out = rendered(&report, Format::Table, View::Findings, &PLAIN);
    assert!(out.ends_with("No findings.\n"));
    insta::assert_snapshot!("table_no_findings", out);
}

#[test]
fn table_shows_names_fingerprints_and_mutes() {
    let out = rendered(&fixture(), Format::Table, View::Findings, &PLAIN);
    for expected in [
        "(unnamed)",
        "ITG.45df64a0…",
        "high (muted)",
        "Muted (until 2027-01-31)",
        "As of:          2026-11-26",
        "Keys audited:   9",
        "Open findings:  11 (2 critical, 2 high, 5 medium, 1 low, 1 info)",
        "Muted findings: 1",
        // The newline in a name is escaped, not drawn.
        r#"Backup sync, "nightly"\nexport"#,
    ] {
        assert!(out.contains(expected), "{expected:?} missing from\n{out}");
    }
}

#[test]
fn table_escapes_terminal_control_sequences_from_inputs() {
    let mut report = fixture();
    report.findings[0].key.name = "evil\u{1b}]0;pwned\u{7}".to_owned();
    report.findings[0].message = "line\u{1b}[2Jcleared".to_owned();
    report.keys[0].name = "\u{1b}[31mred".to_owned();
    for view in [View::Findings, View::Keys] {
        let out = rendered(&report, Format::Table, view, &PLAIN);
        assert!(!out.contains('\u{1b}'), "{view}: raw escape in\n{out}");
        assert!(!out.contains('\u{7}'), "{view}: raw bell in\n{out}");
    }
}

#[test]
fn table_module_functions_match_render() {
    let report = fixture();
    let mut findings = Vec::new();
    table::render_findings(&report, &PLAIN, &mut findings).unwrap();
    let mut keys = Vec::new();
    table::render_keys(&report, &PLAIN, &mut keys).unwrap();
    assert_eq!(
        String::from_utf8(findings).unwrap(),
        rendered(&report, Format::Table, View::Findings, &PLAIN)
    );
    assert_eq!(
        String::from_utf8(keys).unwrap(),
        rendered(&report, Format::Table, View::Keys, &PLAIN)
    );
}

// ---- csv -------------------------------------------------------------------

#[test]
fn csv_findings_snapshot() {
    let out = rendered(&fixture(), Format::Csv, View::Findings, &PLAIN);
    assert_eq!(
        out.lines().next(),
        Some(
            "severity,rule,status,key_name,key_fingerprint,account,message,last_used_at,\
             days_idle,password_access,remediation,compliance,finding_id,mute_reason,mute_expires"
        )
    );
    insta::assert_snapshot!("csv_findings", out);
}

#[test]
fn csv_keys_snapshot() {
    let out = rendered(&fixture(), Format::Csv, View::Keys, &PLAIN);
    assert_eq!(
        out.lines().next(),
        Some(
            "key_name,key_fingerprint,account,state,password_access,created_at,last_used_at,\
             days_idle,revocation_date,findings,max_severity"
        )
    );
    insta::assert_snapshot!("csv_keys", out);
}

fn parse_csv(out: &str) -> Vec<Vec<String>> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_bytes())
        .records()
        .map(|r| {
            r.expect("renderer writes valid CSV")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn csv_cells_never_start_a_formula() {
    let report = fixture();
    for view in View::ALL {
        let out = rendered(&report, Format::Csv, view, &PLAIN);
        let rows = parse_csv(&out);
        assert!(rows.len() > 1);
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{view}: unsafe cell {cell:?}"
                );
            }
        }
    }
}

/// What a spreadsheet takes for the start of a formula (or hides one behind).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The fixture with key names and a mute reason that hide a formula behind
/// each character a spreadsheet may split cells or rows on.
fn formula_names() -> AuditReport {
    let mut report = fixture();
    let names = [
        "Sync;=HYPERLINK(\"http://x\";\"y\");",
        "Sync\t@SUM(A1)\t",
        "Sync\r+1+1",
        "Sync\n-2+3",
        "Sync;\"=1+1\";",
        "Sync;\t=cmd",
    ];
    for (key, name) in report.keys.iter_mut().zip(names) {
        key.name = name.to_owned();
        for finding in report.findings.iter_mut().filter(|f| f.key.id == key.id) {
            finding.key.name = name.to_owned();
        }
    }
    for control in &mut report.compliance {
        for key in &mut control.keys {
            if let Some(record) = report.keys.iter().find(|k| k.id == key.id) {
                key.name = record.name.clone();
            }
        }
    }
    for finding in &mut report.findings {
        if let Some(mute) = &mut finding.mute {
            mute.reason = "approved;=1+1".to_owned();
        }
    }
    report
}

/// The cells of `out` as a spreadsheet reads them with `delimiter`: a quote
/// opens a quoted cell only at the start of a cell, CR and LF end a row.
fn read_with(out: &str, delimiter: u8) -> Vec<String> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(out.as_bytes())
        .records()
        .flat_map(|r| {
            r.expect("readable CSV")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn csv_cells_start_no_formula_whatever_the_separator() {
    let report = formula_names();
    for view in View::ALL {
        let out = rendered(&report, Format::Csv, view, &PLAIN);
        for delimiter in [b',', b';', b'\t'] {
            for cell in read_with(&out, delimiter) {
                assert!(
                    !cell.starts_with(FORMULA_STARTS),
                    "{view}, read with {:?}: cell {cell:?}",
                    delimiter as char
                );
            }
        }
    }
}

#[test]
fn csv_quotes_cells_holding_any_separator() {
    let report = formula_names();
    let out = rendered(&report, Format::Csv, View::Keys, &PLAIN);
    for raw in [
        "\"Sync;'=HYPERLINK(\"\"http://x\"\";'\"\"y\"\");\"",
        "\"Sync\t'@SUM(A1)\t\"",
        "\"Sync\r'+1+1\"",
        "\"Sync\n'-2+3\"",
        "\"Sync;'\"\"=1+1\"\";\"",
        "\"Sync;'\t'=cmd\"",
    ] {
        assert!(out.contains(raw), "{raw:?} not in {out}");
    }
    // Read with commas, the names come back whole, with a `'` before each
    // formula start that follows a separator.
    let rows = parse_csv(&out);
    assert_eq!(rows[1][0], "Sync;'=HYPERLINK(\"http://x\";'\"y\");");
    assert_eq!(rows[6][0], "Sync;'\t'=cmd");
}

#[test]
fn csv_generated_text_is_ascii() {
    let report = fixture();
    assert!(
        report
            .findings
            .iter()
            .any(|f| !f.remediation.is_ascii() || !f.message.is_ascii()),
        "the fixture has arrows in its remediation text"
    );
    let findings = parse_csv(&rendered(&report, Format::Csv, View::Findings, &PLAIN));
    let header = &findings[0];
    for column in ["message", "remediation", "compliance"] {
        let col = header.iter().position(|h| h == column).unwrap();
        for row in &findings[1..] {
            assert!(row[col].is_ascii(), "{column}: {:?}", row[col]);
        }
    }
    assert!(
        findings[1..]
            .iter()
            .any(|r| r[10].contains("Admin -> Settings -> API Keys"))
    );
    let compliance = parse_csv(&rendered(&report, Format::Csv, View::Compliance, &PLAIN));
    for row in &compliance[1..] {
        assert!(row[6].is_ascii(), "keys: {:?}", row[6]);
    }
    assert!(
        compliance
            .iter()
            .any(|r| r[6].contains("Datto RMM (ITG.3b8f0e6d...)"))
    );
    // Names from the inventory stay as they are.
    let keys = parse_csv(&rendered(&report, Format::Csv, View::Keys, &PLAIN));
    assert!(keys.iter().any(|r| r[0] == "HaloPSA Integration"));
}

#[test]
fn csv_bom_only_when_asked() {
    let report = fixture();
    let bom = RenderOptions { bom: true, ..PLAIN };
    for view in View::ALL {
        let plain = rendered(&report, Format::Csv, view, &PLAIN);
        let with_bom = rendered(&report, Format::Csv, view, &bom);
        assert!(!plain.starts_with('\u{feff}'));
        assert_eq!(with_bom, format!("\u{feff}{plain}"), "{view}");
    }
    assert_eq!(csv::BOM, "\u{feff}".as_bytes());
    for format in [
        Format::Json,
        Format::Ocsf,
        Format::Html,
        Format::Markdown,
        Format::Table,
    ] {
        assert_eq!(
            rendered(&report, format, View::Findings, &bom),
            rendered(&report, format, View::Findings, &PLAIN),
            "{format} has no byte-order mark"
        );
    }
}

#[test]
fn csv_parses_back_with_one_row_per_record() {
    let report = fixture();
    let findings = parse_csv(&rendered(&report, Format::Csv, View::Findings, &PLAIN));
    assert_eq!(findings.len(), report.findings.len() + 1);
    assert!(findings.iter().all(|r| r.len() == 15));
    let keys = parse_csv(&rendered(&report, Format::Csv, View::Keys, &PLAIN));
    assert_eq!(keys.len(), report.keys.len() + 1);
    assert!(keys.iter().all(|r| r.len() == 11));

    let names: Vec<&str> = keys[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(names.contains(&"'=HYPERLINK(\"http://x\")"), "{names:?}");
    assert!(
        names.contains(&"Backup sync, \"nightly\"\nexport"),
        "{names:?}"
    );
    assert!(names.contains(&""), "blank names stay blank in CSV");
}

#[test]
fn csv_uses_lf_line_endings_and_joins_lists() {
    let report = fixture();
    let out = rendered(&report, Format::Csv, View::Findings, &PLAIN);
    assert!(!out.contains("\r\n"));
    assert!(out.ends_with('\n'));
    assert!(out.contains("CIS Controls v8 5.3; NIST SP 800-53 r5 AC-2(3); PCI DSS 4.0 8.2.6"));
    let keys = rendered(&report, Format::Csv, View::Keys, &PLAIN);
    assert!(keys.contains("idle-key; password-access; rotation-due"));
}

#[test]
fn csv_findings_take_key_facts_from_the_key_record() {
    let rows = parse_csv(&rendered(&fixture(), Format::Csv, View::Findings, &PLAIN));
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[col("finding_id")] == id)
            .unwrap_or_else(|| panic!("no row {id}"))
    };
    // The rotation-due finding's evidence has no last use: the key record does.
    let rotation = row("rotation-due:b2fd4b3590d7");
    assert_eq!(rotation[col("last_used_at")], "2026-09-01T14:32:10Z");
    assert_eq!(rotation[col("days_idle")], "85");
    assert_eq!(rotation[col("password_access")], "true");
    let never = row("never-used:05f9416cc3a1");
    assert_eq!(never[col("last_used_at")], "never");
    assert_eq!(never[col("days_idle")], "");
    let unknown = row("no-usage-evidence:21f0c88c7f08");
    assert_eq!(unknown[col("last_used_at")], "");
    assert_eq!(unknown[col("password_access")], "unknown");
    assert_eq!(unknown[col("key_fingerprint")], "");
}

#[test]
fn csv_findings_fall_back_to_evidence_without_a_key_record() {
    let mut report = fixture();
    report.keys.clear();
    let rows = parse_csv(&rendered(&report, Format::Csv, View::Findings, &PLAIN));
    let idle = rows
        .iter()
        .find(|r| r[12] == "idle-key:0fa367cd182a")
        .unwrap();
    assert_eq!(idle[7], "2026-09-01T14:32:10Z");
    assert_eq!(idle[8], "85");
    assert_eq!(idle[9], "unknown", "no key record says");
}

#[test]
fn csv_module_functions_match_render() {
    let report = fixture();
    let mut findings = Vec::new();
    csv::render_findings(&report, &mut findings).unwrap();
    let mut keys = Vec::new();
    csv::render_keys(&report, &mut keys).unwrap();
    assert_eq!(
        String::from_utf8(findings).unwrap(),
        rendered(&report, Format::Csv, View::Findings, &PLAIN)
    );
    assert_eq!(
        String::from_utf8(keys).unwrap(),
        rendered(&report, Format::Csv, View::Keys, &PLAIN)
    );
}

// ---- markdown ----------------------------------------------------------------

#[test]
fn markdown_snapshot() {
    let out = rendered(&fixture(), Format::Markdown, View::Findings, &PLAIN);
    assert_eq!(
        out,
        rendered(&fixture(), Format::Markdown, View::Keys, &PLAIN),
        "markdown ignores the view"
    );
    let mut direct = Vec::new();
    markdown::render(&fixture(), &mut direct).unwrap();
    assert_eq!(String::from_utf8(direct).unwrap(), out);
    insta::assert_snapshot!("markdown_report", out);
}

#[test]
fn markdown_groups_findings_by_severity_most_severe_first() {
    let out = rendered(&fixture(), Format::Markdown, View::Findings, &PLAIN);
    let headings: Vec<&str> = out.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## Critical (2)",
            "## High (3, 1 muted)",
            "## Medium (5)",
            "## Low (1)",
            "## Info (1)",
            "## Keys (9)",
            "## Compliance (28 controls: 28 fail, 0 pass)",
            "## Unattributed activity (bind these in the policy)",
            "## Diagnostics (2)",
        ]
    );
    for expected in [
        "- **Open findings:** 11 (2 critical, 2 high, 5 medium, 1 low, 1 info)",
        "- **Muted findings:** 1",
        "- **Usage window:** 2026-10-27 to 2026-11-26 (1843 events: 1790 attributed, 41 unattributed, 12 ambiguous)",
        "**(unnamed)** `ITG.0c1f5e2a…` · `unnamed-key`",
        "**IT Boost reporting** `ITG.d5e8a2c7…` · `password-access` · **muted**",
        "- **Muted** (until 2027-01-31): QBR reports read password metadata; vendor ticket VND-4471 to drop the need",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from\n{out}");
    }
}

#[test]
fn markdown_without_usage_window_or_findings() {
    let mut report = fixture();
    report.coverage.usage_window = None;
    report.findings.clear();
    report.diagnostics.clear();
    report.summary = Summary::count(report.keys.len(), &report.findings);
    let out = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(!out.contains("Usage window"));
    assert!(out.contains("\nNo findings.\n"));
    assert!(!out.contains("## Diagnostics"));
}

/// The fixture with hostile text in every field a reader sees: key names,
/// messages, owner, purpose, account, mute reason, allowance, diagnostics,
/// input paths.
fn hostile() -> AuditReport {
    const SCRIPT: &str = "<script>alert(1)</script>";
    const ATTR: &str = "\" onmouseover=\"x";
    let mut report = fixture();
    let renames = [
        (report.keys[0].id.clone(), SCRIPT),
        (report.keys[1].id.clone(), ATTR),
        (
            report.keys[3].id.clone(),
            "a | b [link](javascript:alert(1)) ![i](x) *em* _u_ `c` # h\nnext | row",
        ),
    ];
    for (id, name) in &renames {
        for key in report.keys.iter_mut().filter(|k| &k.id == id) {
            key.name = (*name).to_owned();
        }
        for finding in report.findings.iter_mut().filter(|f| &f.key.id == id) {
            finding.key.name = (*name).to_owned();
        }
    }
    for key in &mut report.keys {
        key.owner = Some(format!("{ATTR} {SCRIPT}"));
        key.purpose = Some("<img src=x onerror=alert(1)>".to_owned());
    }
    report.keys[2].account = Some("'><svg onload=alert(1)>".to_owned());
    for finding in &mut report.findings {
        finding.message = format!("{SCRIPT} {ATTR} <a href=\"javascript:x\">click</a>");
        finding.remediation = format!("[fix](javascript:alert(1)) {SCRIPT}");
        if let Some(mute) = &mut finding.mute {
            *mute = Mute {
                reason: format!("</p>{SCRIPT}{ATTR}"),
                expires: mute.expires,
            };
        }
    }
    report.diagnostics[0].message = format!("{SCRIPT} | {ATTR}");
    report.inputs[0].path = format!("{ATTR}.csv");
    report.keys[4]
        .name_parts
        .insert("owner".to_owned(), "<b>x</b> | y".to_owned());
    report.keys[4]
        .name_parts
        .insert(ATTR.to_owned(), SCRIPT.to_owned());
    report
        .coverage
        .top_unattributed_user_agents
        .push(keyaudit_model::ValueCount {
            value: format!("{SCRIPT} [x](javascript:y) | z"),
            count: 1,
        });
    report.compliance[0].framework = format!("{SCRIPT} | {ATTR}");
    report
}

/// Every event of `markdown` parsed as CommonMark with GitHub tables.
fn markdown_events(markdown: &str) -> Vec<pulldown_cmark::Event<'_>> {
    pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES).collect()
}

/// Control characters and spaces at the edges of a name (or a name of
/// nothing else) neither leave `**` showing as text nor move a table cell.
#[test]
fn markdown_names_with_control_characters_at_the_edges_stay_bold() {
    use pulldown_cmark::{Event, Tag, TagEnd};

    let mut report = fixture();
    let names = [
        ("\u{1}Sync A\u{7f}", "Sync A"),
        ("\tSync B\n", "Sync B"),
        ("\u{a0}Sync C\u{3000}", "Sync C"),
        ("\u{1b}", "\\u{1b}"),
    ];
    let ids: Vec<String> = report
        .keys
        .iter()
        .take(names.len())
        .map(|k| k.id.clone())
        .collect();
    for (id, (name, _)) in ids.iter().zip(names) {
        for key in report.keys.iter_mut().filter(|k| &k.id == id) {
            key.name = name.to_owned();
        }
        for finding in report.findings.iter_mut().filter(|f| &f.key.id == id) {
            finding.key.name = name.to_owned();
        }
    }
    let out = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    let events = markdown_events(&out);
    let mut strong = Vec::new();
    let mut inside: Option<String> = None;
    let mut row_cells = Vec::new();
    let mut cells = 0;
    for event in &events {
        match event {
            Event::Start(Tag::Strong) => inside = Some(String::new()),
            Event::End(TagEnd::Strong) => strong.extend(inside.take()),
            Event::Text(t) => {
                if let Some(text) = &mut inside {
                    text.push_str(t);
                }
                assert!(!t.contains("**"), "literal ** in {t:?}");
            }
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                row_cells.push(cells);
                cells = 0;
            }
            Event::End(TagEnd::Table) => {
                assert!(
                    row_cells.iter().all(|n| *n == row_cells[0]),
                    "{row_cells:?}"
                );
                row_cells.clear();
            }
            _ => {}
        }
    }
    for (id, (name, shown)) in ids.iter().zip(names) {
        let findings = report.findings.iter().filter(|f| &f.key.id == id).count();
        assert_eq!(
            strong.iter().filter(|s| *s == shown).count(),
            findings,
            "{name:?} shown bold as {shown:?} in {strong:?}"
        );
    }
}

#[test]
fn markdown_renders_hostile_text_inert() {
    use pulldown_cmark::{Event, Tag, TagEnd};

    let report = hostile();
    let out = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    let events = markdown_events(&out);
    for event in &events {
        assert!(
            !matches!(
                event,
                Event::Html(_)
                    | Event::InlineHtml(_)
                    | Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock)
            ),
            "markup from the inputs: {event:?}\n{out}"
        );
    }
    // Every table keeps its header's number of cells in every row; the
    // first (the keys table) has one row per key, the compliance table one
    // per control, the unattributed activity table one per value.
    let mut tables = Vec::new();
    let (mut header, mut cells, mut rows) = (0, 0, 0);
    for event in &events {
        match event {
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => (header, cells) = (cells, 0),
            Event::End(TagEnd::TableRow) => {
                assert_eq!(cells, header, "{out}");
                (cells, rows) = (0, rows + 1);
            }
            Event::End(TagEnd::Table) => {
                tables.push((header, rows));
                rows = 0;
            }
            _ => {}
        }
    }
    assert_eq!(
        tables,
        [
            (10, report.keys.len()),
            (7, report.compliance.len()),
            (3, 6)
        ]
    );
    // The names are still there, as text.
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    assert!(text.contains("<script>alert(1)</script>"));
    assert!(text.contains("\" onmouseover=\"x"));
    assert!(text.contains("a | b [link](javascript:alert(1)) ![i](x) *em* _u_ `c` # h next | row"));
    assert!(text.contains("owner=<b>x</b> | y"));
}

// ---- html --------------------------------------------------------------------

#[test]
fn html_snapshot() {
    let out = rendered(&fixture(), Format::Html, View::Findings, &PLAIN);
    assert_eq!(
        out,
        rendered(&fixture(), Format::Html, View::Keys, &PLAIN),
        "html ignores the view"
    );
    let mut direct = Vec::new();
    html::render(&fixture(), &mut direct).unwrap();
    assert_eq!(String::from_utf8(direct).unwrap(), out);
    insta::assert_snapshot!("html_report", out);
}

#[test]
fn html_holds_every_section_and_chart() {
    let out = rendered(&fixture(), Format::Html, View::Findings, &PLAIN);
    assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(out.ends_with("</html>\n"));
    for expected in [
        "<h1>acme, northwind</h1>",
        "<dt>As of</dt><dd>2026-11-26</dd>",
        "<dt>Tool</dt><dd>keyaudit 0.1.0</dd>",
        "<dt>Usage window</dt>",
        "<title id=\"chart-severity-title\">Open findings by severity</title>",
        "<title id=\"chart-idle-title\">Days since last use per key</title>",
        ">warn 45</text>",
        ">high 80</text>",
        ">revoked 90</text>",
        ">never used (created 2026-10-05)</text>",
        ">no usage evidence</text>",
        "id=\"findings\"",
        "id=\"keys\"",
        "<h2>Muted findings (1)</h2>",
        "<span class=\"label\">Muted until 2027-01-31</span>QBR reports read password metadata",
        "<h2>Diagnostics (2)</h2>",
        "@media print",
        "break-inside: avoid",
        "display: table-header-group",
    ] {
        assert!(out.contains(expected), "{expected:?} missing");
    }
    // Muted findings are in their own section only.
    let muted_at = out.find("id=\"muted\"").unwrap();
    let card = "<article class=\"finding sev-high is-muted\">";
    assert_eq!(out.matches(card).count(), 1);
    assert!(out.find(card).unwrap() > muted_at);
}

/// Every tag of an HTML page: its name and attributes. Text from the report
/// never holds a raw `<` or `>`, so a tag runs from `<` to the next `>`; the
/// stylesheet is skipped.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("every tag is closed");
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag == "!DOCTYPE html" {
            continue;
        }
        if tag == "style" {
            rest = &rest[rest.find("</style>").expect("style is closed")..];
            continue;
        }
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut attrs = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let (attr, after) = attrs_text
                .split_once("=\"")
                .unwrap_or_else(|| panic!("attribute without a quoted value in <{tag}>"));
            let close = after.find('"').expect("attribute value is closed");
            attrs.push((attr.to_owned(), after[..close].to_owned()));
            attrs_text = &after[close + 1..];
        }
        tags.push((name.to_ascii_lowercase(), attrs));
    }
    tags
}

const ALLOWED_ATTRIBUTES: &[&str] = &[
    "aria-label",
    "aria-labelledby",
    "charset",
    "class",
    "content",
    "fill",
    "font-size",
    "font-style",
    "font-weight",
    "height",
    "href",
    "http-equiv",
    "id",
    "lang",
    "letter-spacing",
    "name",
    "paint-order",
    "role",
    "rx",
    "scope",
    "stroke",
    "stroke-dasharray",
    "stroke-linejoin",
    "stroke-width",
    "text-anchor",
    "viewBox",
    "width",
    "x",
    "x1",
    "x2",
    "y",
    "y1",
    "y2",
];

#[test]
fn html_renders_hostile_text_inert() {
    let out = rendered(&hostile(), Format::Html, View::Findings, &PLAIN);
    assert!(!out.to_ascii_lowercase().contains("<script"), "{out}");
    for raw in [
        "<script>alert(1)</script>",
        "\" onmouseover=\"x",
        "<img",
        "<svg onload",
        "<a href=\"javascript",
        "'>",
    ] {
        assert!(!out.contains(raw), "{raw:?} unescaped");
    }
    for escaped in [
        "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;",
        "&quot; onmouseover=&quot;x",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&#x27;&gt;&lt;svg onload=alert(1)&gt;",
        "&lt;&#x2F;p&gt;&lt;script&gt;",
    ] {
        assert!(out.contains(escaped), "{escaped:?} missing");
    }
    let tags = tags(&out);
    assert!(tags.len() > 100);
    for (name, attrs) in &tags {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '/'),
            "odd tag <{name}>"
        );
        for (attr, value) in attrs {
            assert!(
                ALLOWED_ATTRIBUTES.contains(&attr.as_str()),
                "attribute {attr}={value:?} on <{name}>"
            );
            assert!(!value.contains('"') && !value.contains('<'), "{value:?}");
        }
    }
}

/// The keys table fits a 1280 px window and an A4 page (checked by eye with
/// headless Chromium): rule codes wrap, names and owners break anywhere, and
/// in print no cell keeps text on one line.
#[test]
fn html_keys_table_can_shrink_to_the_page() {
    let page = rendered(&fixture(), Format::Html, View::Findings, &PLAIN);
    let style = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    let rule = |selector: &str| -> &str {
        let start = style
            .find(&format!("{selector} {{"))
            .unwrap_or_else(|| panic!("{selector}"));
        &style[start..start + style[start..].find('}').unwrap()]
    };
    assert!(!rule(".rules").contains("nowrap"), "{}", rule(".rules"));
    assert!(rule("table.data .name").contains("overflow-wrap: anywhere"));
    assert!(rule("table.data .owner").contains("overflow-wrap: anywhere"));
    let print = &style[style.find("@media print").unwrap()..];
    assert!(print.contains("table.data .nowrap, .rules, .part, .control { white-space: normal; }"));
    assert!(print.contains("table.data thead { display: table-header-group; }"));
}

/// Noncharacters (U+FDD0–U+FDEF, U+FFFE and U+FFFF of every plane) are
/// HTML parse errors: they are shown escaped, like control characters.
#[test]
fn html_escapes_noncharacters() {
    let mut report = fixture();
    let name = "Sync\u{fdd0}\u{fffe}\u{10ffff}\u{1fffe}";
    report.keys[1].name = name.to_owned();
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| f.key.id == report.keys[1].id)
    {
        finding.key.name = name.to_owned();
    }
    report.keys[1].owner = Some("NOC\u{fdef}".to_owned());
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    let raw: Vec<char> = page
        .chars()
        .filter(|c| matches!(*c as u32, 0xFDD0..=0xFDEF) || (*c as u32 & 0xFFFE) == 0xFFFE)
        .collect();
    assert!(raw.is_empty(), "noncharacters in the page: {raw:?}");
    assert!(page.contains("Sync\\u{fdd0}\\u{fffe}\\u{10ffff}\\u{1fffe}"));
    assert!(page.contains("NOC\\u{fdef}"));
}

#[test]
fn html_is_self_contained() {
    for report in [fixture(), hostile()] {
        let out = rendered(&report, Format::Html, View::Findings, &PLAIN);
        let lower = out.to_ascii_lowercase();
        for banned in [
            "http://",
            "https://",
            "//",
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<base",
            "<form",
            "url(",
            "@import",
            "@font-face",
            "xlink:",
        ] {
            assert!(!lower.contains(banned), "{banned:?} in the page");
        }
        let ids: Vec<String> = tags(&out)
            .into_iter()
            .flat_map(|(_, attrs)| attrs)
            .filter(|(a, _)| a == "id")
            .map(|(_, v)| v)
            .collect();
        for (name, attrs) in tags(&out) {
            for (attr, value) in attrs {
                assert!(
                    !["src", "srcset", "action", "poster", "data", "style"]
                        .contains(&attr.as_str()),
                    "<{name} {attr}={value:?}>"
                );
                if attr == "href" {
                    let fragment = value
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("href={value:?} is not a #fragment"));
                    assert!(ids.iter().any(|id| id == fragment), "no id {fragment}");
                }
            }
        }
    }
}

#[test]
fn html_idle_thresholds_follow_the_findings() {
    let mut report = fixture();
    for finding in &mut report.findings {
        if let Some(t) = &mut finding.evidence.threshold_days {
            if finding.rule == keyaudit_model::RuleCode::IdleKey {
                *t = if *t == 45 { 30 } else { 60 };
            }
        }
    }
    let out = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(out.contains(">warn 30</text>"));
    assert!(out.contains(">high 60</text>"));
    assert!(out.contains(">revoked 90</text>"));
}

#[test]
fn policy_digest_and_thresholds_come_from_the_report_policy() {
    let digest = "sha256:9f2c4e1ab07d3c58e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
    let mut report = fixture();
    report.policy = Some(PolicyInfo {
        source: Some("keyaudit.toml".to_owned()),
        digest: digest.to_owned(),
        thresholds: Thresholds {
            idle_warn_after_days: 30,
            idle_high_after_days: 60,
            idle_revoke_after_days: 90,
            never_used_grace_days: 7,
            naming_min_length: 4,
            naming_pattern: None,
            rotation_max_age_days: 365,
        },
        severity_overrides: Default::default(),
        allowances: 0,
        mutes: 1,
        bindings: 0,
    });
    let idle = report
        .findings
        .iter_mut()
        .find(|f| f.id == "idle-key:0fa367cd182a")
        .unwrap();
    idle.evidence.events_attributed = Some(0);
    idle.evidence.window_start = Some(report.coverage.usage_window.as_ref().unwrap().start);
    idle.evidence.window_end = Some(report.as_of);

    let html = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(html.contains(&format!("<dt>Policy</dt><dd>keyaudit.toml ({digest})</dd>")));
    assert!(html.contains(">warn 30</text>") && html.contains(">high 60</text>"));
    assert!(html.contains("thresholds from the policy"));
    assert!(html.contains("<dt>Events attributed</dt><dd>0</dd>"));
    assert!(html.contains("<dt>Window searched</dt><dd>2026-10-27 to 2026-11-26</dd>"));

    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains(&format!("- **Policy:** keyaudit.toml ({digest})\n")));
    assert!(md.contains("Events attributed: 0; Window searched: 2026-10-27 to 2026-11-26"));
}

#[test]
fn html_and_markdown_handle_an_empty_report() {
    let mut report = fixture();
    report.keys.clear();
    report.findings.clear();
    report.diagnostics.clear();
    report.inputs.clear();
    report.coverage = Default::default();
    report.summary = Summary::count(0, &report.findings);
    let out = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(out.contains("No open findings."));
    assert!(out.contains("<p class=\"empty\">No keys.</p>"));
    assert!(!out.contains("NaN") && !out.contains("\"inf"));
    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains("No findings.") && md.contains("No keys."));
}

/// Writes the fixture (and the hostile variant) as HTML and Markdown into
/// `$KEYAUDIT_RENDER_DIR` (else the system temporary directory), for looking
/// at them in a browser:
/// `cargo test -p keyaudit-report -- --ignored write_fixture_documents`.
#[test]
#[ignore = "writes files for a visual check"]
fn write_fixture_documents() {
    let dir = std::env::var_os("KEYAUDIT_RENDER_DIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    for (report, format, name) in [
        (fixture(), Format::Html, "keyaudit-report.html"),
        (fixture(), Format::Markdown, "keyaudit-report.md"),
        (hostile(), Format::Html, "keyaudit-report-hostile.html"),
        (hostile(), Format::Markdown, "keyaudit-report-hostile.md"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, rendered(&report, format, View::Findings, &PLAIN)).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

// ---- every renderer --------------------------------------------------------

#[test]
fn rendering_is_deterministic() {
    let report = fixture();
    for format in Format::ALL {
        for view in View::ALL {
            for options in [PLAIN, COLOR] {
                assert_eq!(
                    rendered(&report, format, view, &options),
                    rendered(&report.clone(), format, view, &options),
                    "{format} {view} {options:?}"
                );
            }
        }
    }
}

#[test]
fn no_renderer_writes_a_full_secret() {
    let report = fixture();
    for format in Format::ALL {
        for view in View::ALL {
            let out = rendered(&report, format, view, &PLAIN);
            assert!(!out.contains(".*****"), "{format} {view}");
            // `ITG.` + 32 hex + `.` + anything would be a key with its secret.
            assert!(
                !out.match_indices("ITG.").any(|(i, _)| {
                    let rest = &out.as_bytes()[i + 4..];
                    rest.len() > 33
                        && rest[..32].iter().all(u8::is_ascii_hexdigit)
                        && rest[32] == b'.'
                }),
                "{format} {view}"
            );
        }
    }
}

/// Removes ANSI SGR sequences (`ESC [ … m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---- compliance view -------------------------------------------------------

#[test]
fn table_compliance_snapshot() {
    let out = rendered(&fixture(), Format::Table, View::Compliance, &PLAIN);
    assert!(!out.contains('\u{1b}'), "no ANSI escapes without colour");
    assert!(out.contains("Compliance:     28 controls: 28 fail, 0 pass"));
    insta::assert_snapshot!("table_compliance", out);
}

#[test]
fn csv_compliance_snapshot() {
    let report = fixture();
    let out = rendered(&report, Format::Csv, View::Compliance, &PLAIN);
    assert_eq!(
        out.lines().next(),
        Some("framework,control,status,open,muted,rules,keys")
    );
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), report.compliance.len() + 1);
    assert!(rows.iter().all(|r| r.len() == 7));
    let row = rows
        .iter()
        .find(|r| r[0] == "NIST SP 800-53 r5" && r[1] == "AC-6(7)")
        .unwrap();
    assert_eq!(
        row[2..],
        [
            "fail",
            "1",
            "1",
            "password-access; unused-password-access",
            "HaloPSA Integration (ITG.45df64a0...); IT Boost reporting (ITG.d5e8a2c7...)",
        ]
    );
    // A key without a fingerprint is named alone; a blank name is "(unnamed)";
    // a key whose name starts a formula is neutralised when it starts the cell.
    let cis_5_1 = rows.iter().find(|r| r[1] == "5.1").unwrap();
    assert_eq!(
        cis_5_1[6],
        "(unnamed) (ITG.0c1f5e2a...); Backup sync, \"nightly\"\nexport; Datto RMM (ITG.9a4c7e1f...); test (ITG.c0ffee00...)"
    );
    let mut hostile = report.clone();
    hostile.compliance[0].keys.truncate(1);
    hostile.compliance[0].keys[0].name = "=cmd|' /C calc'!A0".to_owned();
    let rows = parse_csv(&rendered(&hostile, Format::Csv, View::Compliance, &PLAIN));
    assert!(rows[1][6].starts_with("'=cmd"), "{:?}", rows[1][6]);
    insta::assert_snapshot!("csv_compliance", out);
}

/// The fixture with the open password-access finding muted as well: the
/// controls only password-access evidences pass.
fn with_passing_controls() -> AuditReport {
    let mut report = fixture();
    let finding = report
        .findings
        .iter_mut()
        .find(|f| f.id == "password-access:cb533b1bcd88")
        .unwrap();
    finding.status = FindingStatus::Muted;
    finding.mute = Some(Mute {
        reason: "Replacement key scheduled".to_owned(),
        expires: None,
    });
    refresh(&mut report);
    report
}

#[test]
fn compliance_view_colours_fail_red_and_pass_green() {
    let report = with_passing_controls();
    let pass: Vec<String> = report
        .compliance
        .iter()
        .filter(|c| c.status == ControlResult::Pass)
        .map(|c| format!("{} {}", c.framework, c.control))
        .collect();
    assert_eq!(
        pass,
        [
            "CIS Controls v8 3.3",
            "CIS Controls v8 6.8",
            "ISO/IEC 27001:2022 A.5.15",
            "ISO/IEC 27001:2022 A.8.2",
            "NIST SP 800-53 r5 AC-6",
            "NIST SP 800-53 r5 AC-6(7)",
            "PCI DSS 4.0 7.2.5",
            "PCI DSS 4.0 7.2.5.1",
            "SOC 2 CC6.3",
        ]
    );
    let plain = rendered(&report, Format::Table, View::Compliance, &PLAIN);
    assert!(plain.contains("28 controls: 19 fail, 9 pass"));
    let color = rendered(&report, Format::Table, View::Compliance, &COLOR);
    assert!(color.contains("\u{1b}[38;5;10mpass"), "green pass");
    assert!(color.contains("\u{1b}[38;5;9m"), "red fail");
    assert_eq!(strip_ansi(&color), plain);

    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains("| CIS Controls v8 | 3.3 | pass | 0 | 2 | password-access |"));
    assert!(md.contains("| CIS Controls v8 | 5.1 | **fail** | 4 | 0 |"));
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(page.contains("<span class=\"badge status-pass\">pass</span>"));
    assert!(page.contains("<span class=\"badge status-fail\">fail</span>"));
}

#[test]
fn a_report_without_compliance_says_so() {
    let mut report = fixture();
    report.compliance.clear();
    let table = rendered(&report, Format::Table, View::Compliance, &PLAIN);
    assert!(table.ends_with("No compliance controls in this report.\n"));
    assert_eq!(
        rendered(&report, Format::Csv, View::Compliance, &PLAIN),
        "framework,control,status,open,muted,rules,keys\n"
    );
    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(!md.contains("## Compliance") && !md.contains("**Compliance:** 28"));
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(!page.contains("id=\"compliance\"") && !page.contains("#compliance"));
}

#[test]
fn json_holds_the_compliance_view_whatever_the_view() {
    let report = fixture();
    let out = rendered(&report, Format::Json, View::Compliance, &PLAIN);
    assert_eq!(out, FIXTURE);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["compliance"].as_array().unwrap().len(), 28);
    assert_eq!(value["compliance"][0]["status"], "fail");
}

// ---- mutes, baseline, name parts, activity -----------------------------------

#[test]
fn csv_findings_carry_the_mute() {
    let rows = parse_csv(&rendered(&fixture(), Format::Csv, View::Findings, &PLAIN));
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(col("mute_reason"), 13);
    assert_eq!(col("mute_expires"), 14);
    for row in &rows[1..] {
        if row[col("finding_id")] == "password-access:3ca43289650e" {
            assert_eq!(row[col("status")], "muted");
            assert_eq!(
                row[col("mute_reason")],
                "QBR reports read password metadata; vendor ticket VND-4471 to drop the need"
            );
            assert_eq!(row[col("mute_expires")], "2027-01-31");
        } else {
            assert_eq!(row[col("status")], "open");
            assert_eq!((&*row[13], &*row[14]), ("", ""));
        }
    }
    // A mute without expiry leaves `mute_expires` empty.
    let rows = parse_csv(&rendered(
        &with_passing_controls(),
        Format::Csv,
        View::Findings,
        &PLAIN,
    ));
    let row = rows
        .iter()
        .find(|r| r[12] == "password-access:cb533b1bcd88")
        .unwrap();
    assert_eq!((&*row[13], &*row[14]), ("Replacement key scheduled", ""));
}

/// The fixture as compared with a baseline a month older.
fn with_baseline() -> AuditReport {
    let mut report = fixture();
    report.baseline = Some(BaselineInfo {
        path: "reports/acme-2026-10-26.json".to_owned(),
        as_of: Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap(),
    });
    for finding in &mut report.findings {
        finding.delta = Some(match finding.id.as_str() {
            "exposed-secret:9580fca39de0" | "generic-name:9dcc39fbf6d4" => Delta::New,
            "password-access:cb533b1bcd88" => Delta::Worsened,
            "password-access:3ca43289650e" => Delta::Improved,
            _ => Delta::Unchanged,
        });
    }
    report
}

#[test]
fn table_findings_with_baseline_snapshot() {
    let report = with_baseline();
    let out = rendered(&report, Format::Table, View::Findings, &PLAIN);
    assert!(out.contains(
        "Baseline:       reports/acme-2026-10-26.json (as of 2026-10-26): 2 new, 1 worsened, 1 improved, 8 unchanged"
    ));
    let color = rendered(&report, Format::Table, View::Findings, &COLOR);
    assert_eq!(strip_ansi(&color), out);
    insta::assert_snapshot!("table_findings_baseline", out);
}

#[test]
fn csv_findings_with_baseline_snapshot() {
    let report = with_baseline();
    let out = rendered(&report, Format::Csv, View::Findings, &PLAIN);
    let rows = parse_csv(&out);
    assert_eq!(rows[0].len(), 16);
    assert_eq!(rows[0][15], "delta");
    assert!(rows.iter().all(|r| r.len() == 16));
    let deltas: Vec<&str> = rows[1..].iter().map(|r| r[15].as_str()).collect();
    assert_eq!(
        deltas,
        [
            "new",
            "worsened",
            "unchanged",
            "improved",
            "unchanged",
            "unchanged",
            "unchanged",
            "new",
            "unchanged",
            "unchanged",
            "unchanged",
            "unchanged"
        ]
    );
    // Without a baseline the column is left out, even when findings carry deltas.
    let mut no_baseline = report.clone();
    no_baseline.baseline = None;
    let rows = parse_csv(&rendered(&no_baseline, Format::Csv, View::Findings, &PLAIN));
    assert!(rows.iter().all(|r| r.len() == 15));
    insta::assert_snapshot!("csv_findings_baseline", out);
}

#[test]
fn markdown_and_html_badge_the_delta() {
    let report = with_baseline();
    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains(
        "- **Baseline:** reports/acme-2026-10-26.json (as of 2026-10-26): 2 new, 1 worsened, 1 improved, 8 unchanged\n"
    ));
    assert!(md.contains("**test** `ITG.c0ffee00…` · `exposed-secret` · Δ **new**\n"));
    assert!(md.contains("`password-access` · **muted** · Δ **improved**\n"));
    assert_eq!(md.matches(" · Δ **").count(), report.findings.len());
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(page.contains(
        "<dt>Baseline</dt><dd>reports&#x2F;acme-2026-10-26.json (as of 2026-10-26): 2 new"
    ));
    for (delta, n) in [
        ("new", 2),
        ("worsened", 1),
        ("improved", 1),
        ("unchanged", 8),
    ] {
        assert_eq!(
            page.matches(&format!(
                "<span class=\"delta delta-{delta}\">Δ {delta}</span>"
            ))
            .count(),
            n,
            "{delta}"
        );
    }
    // Without deltas, no badge and no column.
    let plain = fixture();
    assert!(!rendered(&plain, Format::Markdown, View::Findings, &PLAIN).contains('Δ'));
    assert!(!rendered(&plain, Format::Html, View::Findings, &PLAIN).contains("class=\"delta"));
    assert!(!rendered(&plain, Format::Table, View::Findings, &PLAIN).contains("Change"));
}

/// The fixture as audited with a naming pattern that names its parts.
fn with_name_parts() -> AuditReport {
    let mut report = fixture();
    for key in &mut report.keys {
        let parts: &[(&str, &str)] = match key.name.as_str() {
            "HaloPSA Integration" => &[("vendor", "HaloPSA"), ("purpose", "Integration")],
            "Datto RMM" => &[("vendor", "Datto"), ("purpose", "RMM")],
            "IT Boost reporting" => &[("vendor", "IT Boost"), ("purpose", "reporting")],
            _ => &[],
        };
        key.name_parts = parts
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>();
    }
    report
}

#[test]
fn table_keys_with_name_parts_snapshot() {
    let report = with_name_parts();
    let out = rendered(&report, Format::Table, View::Keys, &PLAIN);
    assert!(out.contains("purpose=RMM"));
    // The keys CSV keeps its header.
    let csv = rendered(&report, Format::Csv, View::Keys, &PLAIN);
    assert_eq!(
        csv.lines().next(),
        Some(
            "key_name,key_fingerprint,account,state,password_access,created_at,last_used_at,\
             days_idle,revocation_date,findings,max_severity"
        )
    );
    assert_eq!(csv, rendered(&fixture(), Format::Csv, View::Keys, &PLAIN));
    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains("| Findings | Name parts | Activity |"));
    assert!(md.contains("| purpose=Integration, vendor=HaloPSA |"));
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(page.contains("<th scope=\"col\">Name parts</th>"));
    assert!(page.contains(
        "<td class=\"parts\"><span class=\"part\"><span class=\"part-name\">purpose</span> Integration</span><span class=\"part\"><span class=\"part-name\">vendor</span> HaloPSA</span></td>"
    ));
    insta::assert_snapshot!("table_keys_name_parts", out);
}

#[test]
fn keys_views_show_activity_and_muted_findings() {
    let report = fixture();
    let md = rendered(&report, Format::Markdown, View::Findings, &PLAIN);
    assert!(md.contains(
        "| IT Boost reporting | `ITG.d5e8a2c7…` | paused | yes | 2026-11-10 | 15 | 2027-02-08 | muted: password-access | 311 events (42 on passwords), last 2026-11-10 |"
    ));
    assert!(
        md.contains("| no-usage-evidence (info) | - |"),
        "no activity: -"
    );
    let page = rendered(&report, Format::Html, View::Findings, &PLAIN);
    assert!(page.contains(
        "<td class=\"nowrap\">2026-11-10<span class=\"sub\">311 events<br>42 on passwords</span></td>"
    ));
    assert!(
        page.contains("<td><span class=\"rules muted-rules\">muted: password-access</span></td>")
    );
    // The last event shows when it is not the last use.
    let mut later = report.clone();
    later.keys[6].last_used_at = Some(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap());
    let page = rendered(&later, Format::Html, View::Findings, &PLAIN);
    assert!(page.contains(
        "2026-11-20<span class=\"sub\">311 events<br>42 on passwords<br>last event 2026-11-10</span>"
    ));
    let table = rendered(&report, Format::Table, View::Keys, &PLAIN);
    assert!(table.contains("┆ 1 muted           ┆"));
    // Without activity, no activity columns.
    let mut without = report.clone();
    for key in &mut without.keys {
        key.activity = None;
    }
    assert!(!rendered(&without, Format::Markdown, View::Findings, &PLAIN).contains("Activity"));
    assert!(!rendered(&without, Format::Html, View::Findings, &PLAIN).contains("on passwords"));
}

#[test]
fn unattributed_activity_is_listed_only_with_a_usage_window() {
    let report = fixture();
    for (format, view) in [
        (Format::Table, View::Findings),
        (Format::Table, View::Keys),
        (Format::Table, View::Compliance),
        (Format::Markdown, View::Findings),
        (Format::Html, View::Findings),
    ] {
        let out = rendered(&report, format, view, &PLAIN);
        assert!(
            out.contains("Unattributed activity (bind these in the policy)"),
            "{format} {view}"
        );
        assert!(out.contains("203.0.113.45"), "{format} {view}");
    }
    let mut no_window = report.clone();
    no_window.coverage.usage_window = None;
    let mut no_values = report.clone();
    no_values.coverage.top_unattributed_user_agents.clear();
    no_values.coverage.top_unattributed_ips.clear();
    for report in [no_window, no_values] {
        for format in [Format::Table, Format::Markdown, Format::Html] {
            let out = rendered(&report, format, View::Findings, &PLAIN);
            assert!(!out.contains("Unattributed activity"), "{format}");
            assert!(!out.contains("#activity"), "{format}");
        }
    }
}

// ---- ocsf --------------------------------------------------------------------

fn ocsf_events(report: &AuditReport) -> Vec<serde_json::Value> {
    let out = rendered(report, Format::Ocsf, View::Findings, &PLAIN);
    serde_json::from_str(&out).expect("OCSF output is a JSON array")
}

#[test]
fn ocsf_snapshot() {
    let report = fixture();
    let out = rendered(&report, Format::Ocsf, View::Findings, &PLAIN);
    assert!(out.starts_with("[\n") && out.ends_with("]\n"));
    for view in View::ALL {
        assert_eq!(out, rendered(&report, Format::Ocsf, view, &PLAIN), "{view}");
    }
    let mut direct = Vec::new();
    ocsf::render(&report, &mut direct).unwrap();
    assert_eq!(String::from_utf8(direct).unwrap(), out);
    insta::assert_snapshot!("ocsf_findings", out);
}

#[test]
fn ocsf_maps_every_finding() {
    let report = with_baseline();
    let events = ocsf_events(&report);
    assert_eq!(events.len(), report.findings.len());
    let time = report.as_of.timestamp_millis();
    for (event, finding) in events.iter().zip(&report.findings) {
        let id = &finding.id;
        assert_eq!(event["class_uid"], 2004, "{id}");
        assert_eq!(event["class_name"], "Detection Finding");
        assert_eq!(event["category_uid"], 2);
        assert_eq!(event["type_uid"], 200401);
        assert_eq!(event["activity_id"], 1);
        assert_eq!(event["time"], time);
        assert_eq!(event["metadata"]["version"], "1.3.0");
        assert_eq!(event["metadata"]["product"]["name"], "keyaudit");
        assert_eq!(event["metadata"]["product"]["version"], "0.1.0");
        assert_eq!(event["finding_info"]["uid"], finding.id.as_str());
        assert_eq!(event["finding_info"]["desc"], finding.message.as_str());
        assert_eq!(event["finding_info"]["types"][0], finding.rule.as_str());
        assert_eq!(event["finding_info"]["analytic"]["type_id"], 1);
        let (severity_id, severity) = match finding.severity {
            Severity::Info => (1, "Informational"),
            Severity::Low => (2, "Low"),
            Severity::Medium => (3, "Medium"),
            Severity::High => (4, "High"),
            Severity::Critical => (5, "Critical"),
        };
        assert_eq!(event["severity_id"], severity_id, "{id}");
        assert_eq!(event["severity"], severity, "{id}");
        match finding.status {
            FindingStatus::Open => {
                assert_eq!(event["status_id"], 1, "{id}");
                assert_eq!(event["status"], "New");
                assert!(event.get("status_detail").is_none());
                assert_eq!(event["unmapped"]["compliance"]["status_id"], 3);
            }
            FindingStatus::Muted => {
                assert_eq!(event["status_id"], 3, "{id}");
                assert_eq!(event["status"], "Suppressed");
                let mute = finding.mute.as_ref().unwrap();
                let detail = event["status_detail"].as_str().unwrap();
                assert!(detail.contains(&mute.reason), "{detail}");
                assert!(detail.contains("until 2027-01-31"), "{detail}");
                assert_eq!(event["unmapped"]["mute"]["reason"], mute.reason.as_str());
                assert_eq!(event["unmapped"]["compliance"]["status_id"], 99);
            }
        }
        assert_eq!(event["remediation"]["desc"], finding.remediation.as_str());
        let resource = &event["resources"][0];
        assert_eq!(resource["type"], "IT Glue API Key");
        let uid = finding
            .key
            .fingerprint
            .as_ref()
            .map_or(finding.key.id.as_str(), |fp| fp.as_str());
        assert_eq!(resource["uid"], uid);
        assert_eq!(resource["data"]["key_id"], finding.key.id.as_str());
        let requirements: Vec<String> = finding.compliance.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            event["unmapped"]["compliance"]["requirements"],
            serde_json::json!(requirements)
        );
        assert_eq!(
            event["unmapped"]["evidence"],
            serde_json::to_value(&finding.evidence).unwrap()
        );
        assert_eq!(
            event["unmapped"]["delta"],
            finding.delta.map(|d| d.as_str()).unwrap()
        );
        // Nothing outside the Detection Finding class but `unmapped`.
        for field in event.as_object().unwrap().keys() {
            assert!(
                [
                    "activity_id",
                    "activity_name",
                    "category_uid",
                    "category_name",
                    "class_uid",
                    "class_name",
                    "type_uid",
                    "type_name",
                    "time",
                    "severity_id",
                    "severity",
                    "status_id",
                    "status",
                    "status_detail",
                    "message",
                    "metadata",
                    "finding_info",
                    "resources",
                    "remediation",
                    "unmapped",
                ]
                .contains(&field.as_str()),
                "{field}"
            );
        }
    }
    // A blank name is left out; a key without fingerprint is known by its id.
    let unnamed = &events[4];
    assert_eq!(unnamed["finding_info"]["title"], "unnamed-key: (unnamed)");
    assert!(unnamed["resources"][0].get("name").is_none());
    let northwind = events.last().unwrap();
    assert_eq!(northwind["resources"][0]["uid"], "016a102fed68");
    assert_eq!(northwind["resources"][0]["data"]["owner"], "Northwind IT");
}

/// An owner from the inventory is a team or person's name, not an OCSF User
/// (which Prowler's models require to carry `uid`, `type_id` and `account`):
/// it goes to the resource's `data`, and no resource has an `owner` object.
#[test]
fn ocsf_owner_is_resource_data_not_a_user() {
    let report = fixture();
    let events = ocsf_events(&report);
    let mut owners = 0;
    for (event, finding) in events.iter().zip(&report.findings) {
        let resource = &event["resources"][0];
        assert!(
            resource.get("owner").is_none(),
            "{}: owner object {}",
            finding.id,
            resource["owner"]
        );
        let owner = report
            .keys
            .iter()
            .find(|k| k.id == finding.key.id)
            .and_then(|k| k.owner.as_deref());
        match owner {
            Some(owner) => {
                owners += 1;
                assert_eq!(resource["data"]["owner"], owner, "{}", finding.id);
            }
            None => assert!(resource["data"].get("owner").is_none(), "{}", finding.id),
        }
    }
    assert!(owners > 0, "the fixture has keys with an owner");
}

#[test]
fn ocsf_without_findings_is_an_empty_array() {
    let mut report = fixture();
    report.findings.clear();
    assert_eq!(
        rendered(&report, Format::Ocsf, View::Findings, &PLAIN),
        "[]\n"
    );
    assert_eq!(ocsf::severity(Severity::Info), (1, "Informational"));
    assert_eq!(ocsf::status(FindingStatus::Muted), (3, "Suppressed"));
    assert_eq!(ocsf::TYPE_UID, 200_401);
}

// ---- history -------------------------------------------------------------------

/// Three monthly runs derived from the fixture, in the order a folder listing
/// might give them (not sorted):
/// - September: no `test` key and no second `Datto RMM` key yet (so no
///   duplicate-name, never-used, exposed-secret, generic-name findings), and
///   the IT Boost password-access finding still open;
/// - October: the second `Datto RMM` key appeared; IT Boost's finding muted;
/// - November: the fixture.
fn monthly_reports() -> Vec<(String, AuditReport)> {
    let november = fixture();

    let mut october = fixture();
    october.as_of = Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap();
    drop_key(&mut october, "94f4e929630b");

    let mut september = october.clone();
    september.as_of = Utc.with_ymd_and_hms(2026, 9, 26, 0, 0, 0).unwrap();
    drop_key(&mut september, "5022a52ea920");
    september
        .findings
        .retain(|f| f.rule != keyaudit_model::RuleCode::DuplicateName);
    let it_boost = september
        .findings
        .iter_mut()
        .find(|f| f.id == "password-access:3ca43289650e")
        .unwrap();
    it_boost.status = FindingStatus::Open;
    it_boost.mute = None;
    refresh(&mut september);

    vec![
        ("reports/acme-2026-11.json".to_owned(), november),
        ("reports/acme-2026-09.json".to_owned(), september),
        ("reports/acme-2026-10.json".to_owned(), october),
    ]
}

/// Removes a key, its findings and its exposures.
fn drop_key(report: &mut AuditReport, id: &str) {
    report.keys.retain(|k| k.id != id);
    report.findings.retain(|f| f.key.id != id);
    let fingerprints: Vec<_> = report
        .keys
        .iter()
        .filter_map(|k| k.fingerprint.clone())
        .collect();
    report
        .exposures
        .retain(|e| fingerprints.contains(&e.fingerprint));
    refresh(report);
}

#[test]
fn history_counts_runs_in_order() {
    let history = compare::history(monthly_reports());
    assert_eq!(history.schema, HISTORY_SCHEMA);
    let rows: Vec<_> = history
        .runs
        .iter()
        .map(|r| (r.path.as_str(), r.keys, r.open, r.muted, r.new, r.resolved))
        .collect();
    assert_eq!(
        rows,
        [
            ("reports/acme-2026-09.json", 7, 7, 0, None, None),
            // + duplicate-name ×2 and never-used; − IT Boost's password-access (muted).
            ("reports/acme-2026-10.json", 8, 9, 1, Some(3), Some(1)),
            // + exposed-secret and generic-name on `test`.
            ("reports/acme-2026-11.json", 9, 11, 1, Some(2), Some(0)),
        ]
    );
    let sept = &history.runs[0];
    assert_eq!(sept.open_of(Severity::High), 3);
    assert_eq!(sept.open_of(Severity::Critical), 1);
    assert_eq!(sept.by_severity.len(), 5);
    assert!(history.notes.is_empty(), "{:?}", history.notes);
}

#[test]
fn history_notes_shared_times_and_other_accounts() {
    let mut reports = monthly_reports();
    reports[1].1.as_of = reports[2].1.as_of; // September's report dated October
    let mut other = fixture();
    other.as_of = Utc.with_ymd_and_hms(2026, 12, 26, 0, 0, 0).unwrap();
    other.keys.retain(|k| k.account.as_deref() == Some("acme"));
    other
        .findings
        .retain(|f| f.key.account.as_deref() == Some("acme"));
    refresh(&mut other);
    reports.push(("reports/acme-only.json".to_owned(), other));
    let history = compare::history(reports);
    let notes: Vec<String> = history.notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "reports/acme-2026-09.json and reports/acme-2026-10.json have the same as-of time (2026-10-26); they are ordered by path.",
            "reports/acme-only.json covers accounts acme, the run before (reports/acme-2026-11.json) acme, northwind: its new and resolved counts compare different sets of keys.",
        ]
    );
    // JSON writes each note as its sentence.
    let value = serde_json::to_value(&history).unwrap();
    assert_eq!(value["notes"][1], notes[1].as_str());
    // The last run lost the northwind key's finding: resolved.
    assert_eq!(history.runs[3].resolved, Some(1));
    let table = render_history(&history, Format::Table);
    assert!(table.contains("Note: reports/acme-only.json covers accounts acme,"));
    let md = render_history(&history, Format::Markdown);
    assert!(md.contains("## Notes\n\n- reports/acme-2026-09.json and"));
    let page = render_history(&history, Format::Html);
    assert!(page.contains("<a href=\"#notes\">Notes</a>"));
    assert!(page.contains("<h2>Notes (2)</h2>"));
}

fn render_history(history: &History, format: Format) -> String {
    let mut out = Vec::new();
    history.render(format, &PLAIN, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn history_table_snapshot() {
    let history = compare::history(monthly_reports());
    let out = render_history(&history, Format::Table);
    let mut color = Vec::new();
    table::history::render(&history, &COLOR, &mut color).unwrap();
    let color = String::from_utf8(color).unwrap();
    assert!(color.contains('\u{1b}'));
    assert_eq!(strip_ansi(&color), out);
    insta::assert_snapshot!("history_table", out);
}

#[test]
fn history_markdown_snapshot() {
    let out = render_history(&compare::history(monthly_reports()), Format::Markdown);
    let tables = markdown_events(&out)
        .iter()
        .filter(|e| {
            matches!(
                e,
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::Table(_))
            )
        })
        .count();
    assert_eq!(tables, 1);
    insta::assert_snapshot!("history_markdown", out);
}

#[test]
fn history_json_snapshot() {
    let history = compare::history(monthly_reports());
    let out = render_history(&history, Format::Json);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["schema"], "keyaudit.history/v1");
    assert!(value["runs"][0]["new"].is_null());
    assert_eq!(value["runs"][2]["by_severity"]["critical"], 2);
    insta::assert_snapshot!("history_json", out);
}

#[test]
fn history_html_snapshot() {
    let out = render_history(&compare::history(monthly_reports()), Format::Html);
    assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(out.ends_with("</html>\n"));
    assert!(
        out.contains("<title id=\"chart-trend-title\">Open findings by severity per run</title>")
    );
    // One area per severity with open findings in some run (no low-only gap).
    assert_eq!(out.matches("<polygon ").count(), 5);
    assert_eq!(out.matches("<circle ").count(), 3);
    assert!(out.contains(
        "<title>2026-11-26: 11 open (2 critical, 2 high, 5 medium, 1 low, 1 info), 1 muted</title>"
    ));
    insta::assert_snapshot!("history_html", out);
}

/// Attributes the history page's chart adds to those of the report page.
const HISTORY_ATTRIBUTES: &[&str] = &["points", "cx", "cy", "r", "fill-opacity"];

#[test]
fn history_html_is_self_contained_and_inert() {
    const SCRIPT: &str = "<script>alert(1)</script>";
    let mut reports = monthly_reports();
    reports[0].0 = format!("reports/{SCRIPT}\" onmouseover=\"x.json");
    for key in &mut reports[0].1.keys {
        key.account = Some(format!("'><svg onload=alert(1)> {SCRIPT}"));
    }
    let mut hostile = compare::history(reports);
    hostile.notes.push(HistoryNote::Skipped {
        path: format!("https://evil.example/{SCRIPT}"),
        reason: format!("not a report: {SCRIPT}"),
    });
    for history in [compare::history(monthly_reports()), hostile] {
        let out = render_history(&history, Format::Html);
        let lower = out.to_ascii_lowercase();
        for banned in [
            "http://",
            "https://",
            "//",
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<base",
            "<form",
            "url(",
            "@import",
            "@font-face",
            "xlink:",
            "<svg onload",
            "\" onmouseover=\"",
        ] {
            assert!(!lower.contains(banned), "{banned:?} in the page");
        }
        let tags = tags(&out);
        let ids: Vec<&String> = tags
            .iter()
            .flat_map(|(_, attrs)| attrs)
            .filter(|(a, _)| a == "id")
            .map(|(_, v)| v)
            .collect();
        for (name, attrs) in &tags {
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '/'),
                "odd tag <{name}>"
            );
            for (attr, value) in attrs {
                assert!(
                    ALLOWED_ATTRIBUTES.contains(&attr.as_str())
                        || HISTORY_ATTRIBUTES.contains(&attr.as_str()),
                    "attribute {attr}={value:?} on <{name}>"
                );
                if attr == "href" {
                    let fragment = value.strip_prefix('#').expect("a #fragment");
                    assert!(ids.iter().any(|id| *id == fragment), "no id {fragment}");
                }
            }
        }
        assert!(!out.contains("NaN") && !out.contains("inf\""));
    }
}

#[test]
fn history_of_one_run_or_none() {
    let one = compare::history(vec![("r.json".to_owned(), fixture())]);
    let page = render_history(&one, Format::Html);
    assert!(!page.contains("<polygon") && !page.contains("<polyline"));
    assert_eq!(
        page.matches("<rect x=\"476.0\"").count(),
        5,
        "one stacked bar"
    );
    assert!(!page.contains("NaN"));
    let table = render_history(&one, Format::Table);
    assert!(table.contains("Runs:           1 (2026-11-26 to 2026-11-26)"));

    let none = compare::history(Vec::new());
    let table = render_history(&none, Format::Table);
    assert!(table.ends_with("No reports.\n"));
    assert!(render_history(&none, Format::Markdown).contains("No reports."));
    let page = render_history(&none, Format::Html);
    assert!(page.contains("<p class=\"empty\">No reports.</p>") && !page.contains("<svg"));
    assert_eq!(
        render_history(&none, Format::Json),
        "{\n  \"schema\": \"keyaudit.history/v1\",\n  \"runs\": [],\n  \"notes\": []\n}\n"
    );
}

// ---- diff --------------------------------------------------------------------

/// The October report a month before the fixture: no `test` key yet; a key
/// since removed (with an idle-key finding); HaloPSA's password-access still
/// high (it became critical) and IT Boost's open (it was muted since).
fn old_report() -> AuditReport {
    let mut old = fixture();
    old.as_of = Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap();
    drop_key(&mut old, "94f4e929630b");
    let mut gone = old.keys[1].clone();
    gone.id = "7d1c3e9a0b42".to_owned();
    gone.name = "ConnectWise bridge".to_owned();
    gone.fingerprint =
        keyaudit_model::KeyFingerprint::parse("ITG.1111aaaa2222bbbb3333cccc4444dddd");
    let mut idle = old
        .findings
        .iter()
        .find(|f| f.id == "idle-key:27f478dec89e")
        .unwrap()
        .clone();
    idle.id = "idle-key:7d1c3e9a0b42".to_owned();
    idle.key = KeyRef {
        id: gone.id.clone(),
        name: gone.name.clone(),
        fingerprint: gone.fingerprint.clone(),
        account: gone.account.clone(),
    };
    old.keys.push(gone);
    old.findings.push(idle);
    for finding in &mut old.findings {
        match finding.id.as_str() {
            "password-access:cb533b1bcd88" => finding.severity = Severity::High,
            "password-access:3ca43289650e" => {
                finding.status = FindingStatus::Open;
                finding.mute = None;
            }
            _ => {}
        }
    }
    refresh(&mut old);
    old
}

fn report_diff() -> ReportDiff {
    compare::diff(&old_report(), &fixture())
}

#[test]
fn diff_counts_the_changes() {
    let d = report_diff();
    assert_eq!(
        d.summary,
        DiffSummary {
            keys_added: 1,
            keys_removed: 1,
            new: 2,
            resolved: 1,
            persisting: 8,
            changed: 2,
            worsened: 1,
            improved: 1,
        }
    );
    let gate: Vec<&str> = d.new_or_worsened().map(|f| f.id.as_str()).collect();
    assert_eq!(
        gate,
        [
            "exposed-secret:9580fca39de0",
            "password-access:cb533b1bcd88",
            "generic-name:9dcc39fbf6d4"
        ]
    );
}

#[test]
fn diff_table_snapshot() {
    let d = report_diff();
    let mut out = Vec::new();
    table::diff::render(&d, &PLAIN, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let mut color = Vec::new();
    table::diff::render(&d, &COLOR, &mut color).unwrap();
    assert_eq!(strip_ansi(&String::from_utf8(color).unwrap()), out);
    insta::assert_snapshot!("diff_table", out);
}

#[test]
fn diff_markdown_snapshot() {
    let mut out = Vec::new();
    report_diff()
        .render(Format::Markdown, &PLAIN, &mut out)
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    for event in markdown_events(&out) {
        assert!(
            !matches!(
                event,
                pulldown_cmark::Event::Html(_)
                    | pulldown_cmark::Event::InlineHtml(_)
                    | pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { .. })
            ),
            "{event:?}"
        );
    }
    insta::assert_snapshot!("diff_markdown", out);
}

#[test]
fn diff_json_snapshot() {
    let d = report_diff();
    let mut out = Vec::new();
    d.render(Format::Json, &PLAIN, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let back: ReportDiff = serde_json::from_str(&out).unwrap();
    assert_eq!(back, d);
    assert!(out.starts_with("{\n  \"schema\": \"keyaudit.diff/v1\","));
    insta::assert_snapshot!("diff_json", out);
}

#[test]
fn annotate_marks_deltas_that_every_format_shows() {
    let mut report = fixture();
    compare::annotate(&mut report, &old_report(), "reports/acme-2026-10.json");
    let csv = parse_csv(&rendered(&report, Format::Csv, View::Findings, &PLAIN));
    assert_eq!(csv[0].last().map(String::as_str), Some("delta"));
    let deltas: Vec<&str> = csv[1..].iter().map(|r| r[15].as_str()).collect();
    assert_eq!(deltas.iter().filter(|d| **d == "new").count(), 2);
    assert_eq!(deltas.iter().filter(|d| **d == "worsened").count(), 1);
    assert_eq!(deltas.iter().filter(|d| **d == "improved").count(), 1);
    let table = rendered(&report, Format::Table, View::Findings, &PLAIN);
    assert!(table.contains("│ Severity     ┆ Change    ┆"), "{table}");
}

// ---- unknown Password Access -------------------------------------------------

#[test]
fn unknown_password_access_reads_unknown_in_every_view() {
    let report = fixture();
    let key = report
        .keys
        .iter()
        .find(|k| k.password_access.is_none())
        .expect("the fixture has a key whose Password Access is unknown");
    // CSV, both views: `unknown`, never an empty cell (which reads as "no").
    for view in [View::Keys, View::Findings] {
        let out = rendered(&report, Format::Csv, view, &PLAIN);
        let mut reader = ::csv::Reader::from_reader(out.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let mut seen = 0;
        for row in reader.records() {
            let row = row.unwrap();
            if row[at("key_name")] == key.name {
                assert_eq!(&row[at("password_access")], "unknown", "{view}");
                seen += 1;
            }
        }
        assert!(seen > 0, "{view}: no row for the key");
    }
    for format in [Format::Table, Format::Markdown, Format::Html] {
        let out = rendered(&report, format, View::Keys, &PLAIN);
        assert!(out.contains("unknown"), "{format:?}");
    }
    // OCSF: `null` (the JSON contract's unknown), present rather than left out.
    let events = ocsf_events(&report);
    let of_key: Vec<_> = events
        .iter()
        .filter(|e| e["resources"][0]["data"]["key_id"] == key.id.as_str())
        .collect();
    assert!(!of_key.is_empty());
    for event in of_key {
        let data = event["resources"][0]["data"].as_object().unwrap();
        assert_eq!(data.get("password_access"), Some(&serde_json::Value::Null));
    }
}
