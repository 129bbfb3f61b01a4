//! Renderer tests over one shared fixture report (`tests/fixtures/report.json`).

use keyaudit_model::{AuditReport, FindingStatus, Mute, PolicyInfo, Summary, Thresholds};
use keyaudit_report::{Format, RenderOptions, View, csv, html, json, markdown, render, table};

const FIXTURE: &str = include_str!("fixtures/report.json");

const PLAIN: RenderOptions = RenderOptions { color: false };
const COLOR: RenderOptions = RenderOptions { color: true };

fn fixture() -> AuditReport {
    serde_json::from_str(FIXTURE).expect("the fixture is a valid AuditReport")
}

fn rendered(report: &AuditReport, format: Format, view: View, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render(report, format, view, options, &mut out).expect("rendering to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
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
             days_idle,password_access,remediation,compliance,finding_id"
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
    for view in [View::Findings, View::Keys] {
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

#[test]
fn csv_parses_back_with_one_row_per_record() {
    let report = fixture();
    let findings = parse_csv(&rendered(&report, Format::Csv, View::Findings, &PLAIN));
    assert_eq!(findings.len(), report.findings.len() + 1);
    assert!(findings.iter().all(|r| r.len() == 13));
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
    assert_eq!(unknown[col("password_access")], "");
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
    assert_eq!(idle[9], "");
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
    report
}

/// Every event of `markdown` parsed as CommonMark with GitHub tables.
fn markdown_events(markdown: &str) -> Vec<pulldown_cmark::Event<'_>> {
    pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES).collect()
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
    // The keys table keeps one row per key and eight cells per row.
    let rows = events
        .iter()
        .filter(|e| matches!(e, Event::Start(Tag::TableRow)))
        .count();
    assert_eq!(rows, report.keys.len());
    let mut cells = 0;
    for event in &events {
        match event {
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                assert_eq!(cells, 8, "{out}");
                cells = 0;
            }
            _ => {}
        }
    }
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
                    let rest = &out[i + 4..];
                    rest.len() > 33
                        && rest[..32].bytes().all(|b| b.is_ascii_hexdigit())
                        && rest.as_bytes()[32] == b'.'
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
