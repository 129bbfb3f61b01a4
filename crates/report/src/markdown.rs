//! The whole report as Markdown (CommonMark with GitHub tables): a summary,
//! the findings grouped by severity, the keys table, the compliance controls,
//! the unattributed activity and the diagnostics.
//!
//! Every value read from an input (key names, messages, reasons, file paths)
//! goes through [`escape`], so it renders as the same text on GitHub, in wikis
//! and in ticket systems: it can neither start a link, an image, emphasis or
//! inline HTML, nor break out of a table cell or start a new line.

use std::borrow::Cow;
use std::io::{self, Write};

use keyaudit_model::{
    AuditReport, ControlResult, DiagnosticLevel, Finding, FindingStatus, KeyRecord, Severity,
};

use crate::text::{self, LastUsed};

pub mod catalogue;
pub mod diff;
pub mod forecast;
pub mod history;

/// Writes the whole report. The view does not apply: Markdown always holds
/// every finding (open and muted) and every key.
pub fn render(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    write_summary(report, &mut out)?;
    write_findings(report, &mut out)?;
    write_keys(report, &mut out)?;
    write_compliance(report, &mut out)?;
    write_unattributed(report, &mut out)?;
    write_diagnostics(report, &mut out)?;
    out.flush()
}

/// Escapes text from an input for use inline in Markdown, table cells
/// included.
///
/// - `\`, `` ` ``, `*`, `_`, `[`, `]`, `<`, `>`, `#`, `|`, `&`, `~` and `!`
///   get a backslash, so they are shown as themselves: no emphasis, code,
///   link, image, inline HTML, entity, heading or cell boundary;
/// - so do the `:` of `://` and the `.` of a word-initial `www.`, so that
///   GitHub does not turn a URL in a key name into a link;
/// - line breaks, tabs and other control characters become a space, so a
///   value stays on its line (and in its table cell);
/// - bidirectional controls are written as `\u{202e}`, so they cannot reorder
///   what a reader sees.
///
/// ```
/// use keyaudit_report::markdown::escape;
///
/// assert_eq!(escape("a|b"), "a\\|b");
/// assert_eq!(escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
/// assert_eq!(escape("<script>"), "\\<script\\>");
/// assert_eq!(escape("see https://x.example"), "see https\\://x.example");
/// assert_eq!(escape("two\nlines"), "two lines");
/// assert_eq!(escape("Datto RMM: sync"), "Datto RMM: sync");
/// ```
pub fn escape(s: &str) -> Cow<'_, str> {
    fn special(c: char) -> bool {
        matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '&' | '~' | '!'
        ) || c.is_control()
            || keyaudit_model::is_bidi_control(c)
    }
    /// The `:` of `://`, or the `.` of `www.` at the start of a word.
    fn starts_autolink(s: &str, i: usize, c: char) -> bool {
        match c {
            ':' => s[i..].starts_with("://"),
            '.' => {
                let before = &s[..i];
                before.len() >= 3
                    && before.is_char_boundary(before.len() - 3)
                    && before[before.len() - 3..].eq_ignore_ascii_case("www")
                    && !before[..before.len() - 3]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric)
            }
            _ => false,
        }
    }
    if !s
        .char_indices()
        .any(|(i, c)| special(c) || starts_autolink(s, i, c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if c.is_control() {
            out.push(' ');
        } else if keyaudit_model::is_bidi_control(c) {
            // `\u{202e}`, its backslash escaped in turn.
            out.push('\\');
            out.extend(c.escape_unicode());
        } else if special(c) || starts_autolink(s, i, c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A key's display name [`escape`]d for `**bold**`: without the spaces
/// (control characters included, which [`escape`] makes spaces) at its
/// edges, which would leave the `**` showing as text; a name of control
/// characters alone is written escaped (`\u{1b}`), as in the table.
fn strong_name(name: &str) -> String {
    let escaped = escape(text::display_name(name));
    match escaped.trim() {
        "" => escape(&text::terminal_safe(name)).trim().to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

/// [`escape`]d text that starts a line of its own (a paragraph): leading
/// spaces are dropped (four would start a code block), and a leading `-`, `+`
/// or `=`, or the `.` or `)` after a leading number, is escaped, so the text
/// cannot become a list, a heading underline or a thematic break.
fn escape_line(s: &str) -> String {
    let mut line = escape(s.trim_start()).into_owned();
    if line.starts_with(['-', '+', '=']) {
        line.insert(0, '\\');
    } else {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && line[digits..].starts_with(['.', ')']) {
            line.insert(digits, '\\');
        }
    }
    line
}

fn write_summary(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    let summary = &report.summary;
    writeln!(out, "# IT Glue API key audit")?;
    writeln!(out)?;
    writeln!(out, "- **As of:** {}", text::as_of(report.as_of))?;
    writeln!(out, "- **Keys audited:** {}", summary.keys)?;
    writeln!(
        out,
        "- **Open findings:** {} ({})",
        summary.open,
        text::severity_counts(summary)
    )?;
    writeln!(out, "- **Muted findings:** {}", summary.muted)?;
    if let Some(window) = text::usage_window(&report.coverage) {
        writeln!(out, "- **Usage window:** {window}")?;
    }
    if let Some(policy) = &report.policy {
        writeln!(out, "- **Policy:** {}", escape(&text::policy(policy)))?;
    }
    if let Some(baseline) = text::baseline(report) {
        writeln!(out, "- **Baseline:** {}", escape(&baseline))?;
    }
    if let Some(counts) = text::compliance_counts(report) {
        writeln!(out, "- **Compliance:** {counts}")?;
    }
    writeln!(out)
}

/// One `## Critical (2)` section per severity that has findings, most severe
/// first; muted findings stay in their severity's section, marked as such.
fn write_findings(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    if report.findings.is_empty() {
        writeln!(out, "No findings.")?;
        return writeln!(out);
    }
    for severity in Severity::ALL_DESC {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let muted = findings.iter().filter(|f| !f.is_open()).count();
        let title = text::severity_title(severity);
        if muted == 0 {
            writeln!(out, "## {title} ({})", findings.len())?;
        } else {
            writeln!(out, "## {title} ({}, {muted} muted)", findings.len())?;
        }
        writeln!(out)?;
        for finding in findings {
            write_finding(finding, out)?;
        }
    }
    Ok(())
}

fn write_finding(finding: &Finding, out: &mut impl Write) -> io::Result<()> {
    write!(out, "**{}**", strong_name(&finding.key.name))?;
    if let Some(fp) = &finding.key.fingerprint {
        write!(out, " `{}`", text::short_fingerprint(fp))?;
    }
    write!(out, " · `{}`", finding.rule)?;
    if finding.status == FindingStatus::Muted {
        write!(out, " · **muted**")?;
    }
    if let Some(delta) = finding.delta {
        write!(out, " · Δ **{}**", delta.as_str())?;
    }
    writeln!(out)?;
    writeln!(out)?;
    writeln!(out, "{}", escape_line(&finding.message))?;
    writeln!(out)?;
    if let Some(mute) = &finding.mute {
        writeln!(
            out,
            "- **Muted** ({}): {}",
            text::mute_expiry(mute),
            escape(&mute.reason)
        )?;
    }
    let facts = text::evidence_facts(finding);
    if !facts.is_empty() {
        let facts: Vec<String> = facts
            .iter()
            .map(|f| format!("{}: {}", f.label, escape(&f.value)))
            .collect();
        writeln!(out, "- **Evidence:** {}", facts.join("; "))?;
    }
    writeln!(out, "- **Remediation:** {}", escape(&finding.remediation))?;
    if !finding.compliance.is_empty() {
        writeln!(
            out,
            "- **Compliance:** {}",
            escape(&text::compliance(&finding.compliance))
        )?;
    }
    writeln!(out, "- **Finding ID:** {}", escape(&finding.id))?;
    writeln!(out)
}

fn write_keys(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "## Keys ({})", report.keys.len())?;
    writeln!(out)?;
    if report.keys.is_empty() {
        writeln!(out, "No keys.")?;
        return writeln!(out);
    }
    let parts = text::has_name_parts(report);
    let activity = text::has_activity(report);
    write!(
        out,
        "| Name | Fingerprint | State | Password Access | Last used | Days idle | Revokes on | Findings |"
    )?;
    if parts {
        write!(out, " Name parts |")?;
    }
    if activity {
        write!(out, " Activity |")?;
    }
    writeln!(out)?;
    write!(out, "|---|---|---|---|---|--:|---|---|")?;
    if parts {
        write!(out, "---|")?;
    }
    if activity {
        write!(out, "---|")?;
    }
    writeln!(out)?;
    for key in &report.keys {
        let muted = text::muted_rules(report, &key.id);
        write_key_row(key, &muted, out)?;
        if parts {
            write!(out, " {} |", escape(&text::name_parts(key)))?;
        }
        if activity {
            match &key.activity {
                Some(a) => write!(out, " {} |", text::activity(a))?,
                None => write!(out, " - |")?,
            }
        }
        writeln!(out)?;
    }
    writeln!(out)
}

/// The cells of a key's row up to `Findings`, without the line break.
fn write_key_row(
    key: &KeyRecord,
    muted: &[keyaudit_model::RuleCode],
    out: &mut impl Write,
) -> io::Result<()> {
    let fingerprint = key.fingerprint.as_ref().map_or_else(
        || "unknown".to_owned(),
        |fp| format!("`{}`", text::short_fingerprint(fp)),
    );
    let days_idle = key
        .days_idle
        .map_or_else(|| "-".to_owned(), |d| d.to_string());
    let revokes_on = key
        .revocation_date
        .map_or_else(|| "-".to_owned(), text::date);
    let findings = match key.max_severity {
        Some(max) if !key.findings.is_empty() => {
            format!("{} ({max})", text::rule_codes(&key.findings, ", "))
        }
        _ if !key.findings.is_empty() => text::rule_codes(&key.findings, ", "),
        _ => String::new(),
    };
    let findings = match (findings.is_empty(), muted.is_empty()) {
        (true, true) => "-".to_owned(),
        (false, true) => findings,
        (true, false) => format!("muted: {}", text::rule_codes(muted, ", ")),
        (false, false) => format!("{findings}; muted: {}", text::rule_codes(muted, ", ")),
    };
    write!(
        out,
        "| {} | {fingerprint} | {} | {} | {} | {days_idle} | {revokes_on} | {findings} |",
        escape(text::display_name(&key.name)),
        key.state,
        text::yes_no(key.password_access),
        LastUsed::of_key(key).human(),
    )
}

/// The compliance view as a table of controls, `fail` in bold; nothing when
/// the report has no compliance view.
fn write_compliance(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    let Some(counts) = text::compliance_counts(report) else {
        return Ok(());
    };
    writeln!(out, "## Compliance ({counts})")?;
    writeln!(out)?;
    writeln!(
        out,
        "| Framework | Control | Status | Open | Muted | Rules | Keys |"
    )?;
    writeln!(out, "|---|---|---|--:|--:|---|---|")?;
    for control in &report.compliance {
        let status = match control.status {
            ControlResult::Fail => "**fail**",
            ControlResult::Pass => "pass",
        };
        let keys = text::control_keys(control);
        let keys = if keys.is_empty() {
            "-".to_owned()
        } else {
            keys.iter()
                .map(|k| escape(k).into_owned())
                .collect::<Vec<_>>()
                .join(text::LIST_SEPARATOR)
        };
        writeln!(
            out,
            "| {} | {} | {status} | {} | {} | {} | {keys} |",
            escape(&control.framework),
            escape(&control.control),
            control.open,
            control.muted,
            text::rule_codes(&control.rules, ", "),
        )?;
    }
    writeln!(out)
}

/// The most frequent user agents and source IPs of unattributed events,
/// when there are any.
fn write_unattributed(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    let Some(lists) = text::unattributed(&report.coverage) else {
        return Ok(());
    };
    writeln!(out, "## {}", text::UNATTRIBUTED_HEADING)?;
    writeln!(out)?;
    writeln!(out, "| Seen as | Value | Events |")?;
    writeln!(out, "|---|---|--:|")?;
    for (label, values) in lists {
        for value in values {
            writeln!(
                out,
                "| {label} | {} | {} |",
                escape(&value.value),
                value.count
            )?;
        }
    }
    writeln!(out)
}

fn write_diagnostics(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Diagnostics ({})", report.diagnostics.len())?;
    writeln!(out)?;
    for diagnostic in &report.diagnostics {
        write!(out, "- **{}**", level(diagnostic.level))?;
        if let Some(location) = &diagnostic.location {
            write!(out, " at {}", escape(&location.to_string()))?;
        }
        writeln!(out, ": {}", escape(&diagnostic.message))?;
    }
    writeln!(out)
}

fn level(level: DiagnosticLevel) -> &'static str {
    match level {
        DiagnosticLevel::Note => "Note",
        DiagnosticLevel::Warning => "Warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markdown_significant_character() {
        assert_eq!(escape(r"\`*_[]<>#|&~!"), r"\\\`\*\_\[\]\<\>\#\|\&\~\!");
        assert_eq!(escape("a\r\nb\tc"), "a  b c");
        assert_eq!(escape("x\u{202e}y"), r"x\\u{202e}y");
        assert!(matches!(escape("PSA ↔ IT Glue (sync)"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_cannot_start_a_block() {
        assert_eq!(escape_line("- item"), r"\- item");
        assert_eq!(escape_line("+ item"), r"\+ item");
        assert_eq!(escape_line("==="), r"\===");
        assert_eq!(escape_line("---"), r"\---");
        assert_eq!(escape_line("12. item"), r"12\. item");
        assert_eq!(escape_line("3) item"), r"3\) item");
        assert_eq!(escape_line("    code"), "code");
        assert_eq!(escape_line("> quote"), r"\> quote");
        assert_eq!(
            escape_line("Key is 1018 days old."),
            "Key is 1018 days old."
        );
        assert_eq!(escape_line("2 active keys"), "2 active keys");
    }

    #[test]
    fn breaks_bare_url_autolinks() {
        assert_eq!(escape("http://evil.example/x"), r"http\://evil.example/x");
        assert_eq!(escape("go to www.evil.example"), r"go to www\.evil.example");
        assert_eq!(escape("WWW.evil.example"), r"WWW\.evil.example");
        assert!(matches!(escape("awww.example: a:b"), Cow::Borrowed(_)));
        assert!(matches!(escape("ÅÅwww"), Cow::Borrowed(_)));
    }
}
