//! CSV of the findings, of the keys or of the compliance controls:
//! comma-separated, RFC 4180 quoting, `\n` line endings, list cells joined
//! with `; `.
//!
//! Every cell, headers included, goes through [`neutralize`], so a value from
//! an input (a key named `=HYPERLINK(…)`) is shown as text by a spreadsheet
//! instead of being run as a formula.
//!
//! Dates are RFC 3339 in UTC (`2026-10-12T00:00:00Z`), days are `YYYY-MM-DD`,
//! booleans `true`/`false`, and unknown values empty.

use std::borrow::Cow;
use std::io::{self, Write};

use keyaudit_model::AuditReport;

use crate::text::{self, KeyFacts, LastUsed};

pub mod forecast;

/// Header of the findings view, in column order. A report compared with a
/// baseline gets one more column, [`DELTA_COLUMN`], at the end.
pub const FINDINGS_HEADER: [&str; 15] = [
    "severity",
    "rule",
    "status",
    "key_name",
    "key_fingerprint",
    "account",
    "message",
    "last_used_at",
    "days_idle",
    "password_access",
    "remediation",
    "compliance",
    "finding_id",
    "mute_reason",
    "mute_expires",
];

/// The column appended to [`FINDINGS_HEADER`] when the report was compared
/// with a baseline (`AuditReport::baseline` is set): `new`, `unchanged`,
/// `worsened` or `improved`.
pub const DELTA_COLUMN: &str = "delta";

/// Header of the keys view, in column order.
pub const KEYS_HEADER: [&str; 11] = [
    "key_name",
    "key_fingerprint",
    "account",
    "state",
    "password_access",
    "created_at",
    "last_used_at",
    "days_idle",
    "revocation_date",
    "findings",
    "max_severity",
];

/// Header of the compliance view, in column order.
pub const COMPLIANCE_HEADER: [&str; 7] = [
    "framework",
    "control",
    "status",
    "open",
    "muted",
    "rules",
    "keys",
];

/// Writes one row per finding (open and muted, in report order) under
/// [`FINDINGS_HEADER`], then [`DELTA_COLUMN`] when the report has a baseline.
/// `last_used_at`, `days_idle` and `password_access` come from the key's
/// record in `report.keys`, falling back to the finding's evidence;
/// `last_used_at` is `never` for a key the inventory says was never used.
/// `mute_reason` and `mute_expires` (`YYYY-MM-DD`) are empty for an open
/// finding, and `mute_expires` for a mute without expiry.
pub fn render_findings(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut csv = CsvOut::new(out);
    let with_delta = report.baseline.is_some();
    let mut header = FINDINGS_HEADER.to_vec();
    if with_delta {
        header.push(DELTA_COLUMN);
    }
    csv.row(header)?;
    for finding in &report.findings {
        let facts = KeyFacts::of_finding(report, finding);
        let mute = finding.mute.as_ref();
        let mut row: Vec<Cow<'_, str>> = vec![
            finding.severity.as_str().into(),
            finding.rule.as_str().into(),
            finding.status.as_str().into(),
            Cow::from(finding.key.name.as_str()),
            optional(finding.key.fingerprint.as_ref().map(|fp| fp.as_str())),
            optional(finding.key.account.as_deref()),
            finding.message.as_str().into(),
            facts.last_used.machine().into(),
            number(facts.days_idle),
            text::bool_cell(facts.password_access).into(),
            finding.remediation.as_str().into(),
            text::compliance(&finding.compliance).into(),
            finding.id.as_str().into(),
            optional(mute.map(|m| m.reason.as_str())),
            mute.and_then(|m| m.expires)
                .map(text::date)
                .unwrap_or_default()
                .into(),
        ];
        if with_delta {
            row.push(optional(finding.delta.map(|d| d.as_str())));
        }
        csv.row(row)?;
    }
    csv.finish()
}

/// Writes one row per key under [`KEYS_HEADER`]. `last_used_at` is `never`
/// for a key the inventory says was never used; `findings` lists the rule
/// codes of the key's open findings.
pub fn render_keys(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut csv = CsvOut::new(out);
    csv.row(KEYS_HEADER)?;
    for key in &report.keys {
        csv.row([
            Cow::from(key.name.as_str()),
            optional(key.fingerprint.as_ref().map(|fp| fp.as_str())),
            optional(key.account.as_deref()),
            key.state.as_str().into(),
            text::bool_cell(key.password_access).into(),
            key.created_at.map(text::rfc3339).unwrap_or_default().into(),
            LastUsed::of_key(key).machine().into(),
            number(key.days_idle),
            key.revocation_date
                .map(text::date)
                .unwrap_or_default()
                .into(),
            text::rule_codes(&key.findings, text::LIST_SEPARATOR).into(),
            optional(key.max_severity.map(|s| s.as_str())),
        ])?;
    }
    csv.finish()
}

/// Writes one row per compliance control (from `report.compliance`, in
/// report order) under [`COMPLIANCE_HEADER`]: `status` is `pass` or `fail`,
/// `rules` the rule codes that evidence the control, `keys` the keys of the
/// findings that reference it, each by display name with the short
/// fingerprint in parentheses when known (`Datto RMM (ITG.3b8f0e6d…)`); lists
/// are joined with `; `. A report without a compliance view gives the header
/// alone.
pub fn render_compliance(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut csv = CsvOut::new(out);
    csv.row(COMPLIANCE_HEADER)?;
    for control in &report.compliance {
        csv.row([
            Cow::from(control.framework.as_str()),
            control.control.as_str().into(),
            text::control_result(control.status).into(),
            control.open.to_string().into(),
            control.muted.to_string().into(),
            text::rule_codes(&control.rules, text::LIST_SEPARATOR).into(),
            text::control_keys(control)
                .join(text::LIST_SEPARATOR)
                .into(),
        ])?;
    }
    csv.finish()
}

/// Neutralises spreadsheet formula injection: a cell starting with `=`, `+`,
/// `-`, `@`, tab or carriage return gets a leading `'`, so a spreadsheet shows
/// it as text. Other cells are returned unchanged.
///
/// ```
/// use keyaudit_report::csv::neutralize;
///
/// assert_eq!(neutralize("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralize("Datto RMM"), "Datto RMM");
/// ```
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn optional(value: Option<&str>) -> Cow<'_, str> {
    Cow::Borrowed(value.unwrap_or_default())
}

fn number(value: Option<i64>) -> Cow<'static, str> {
    value.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()))
}

/// A CSV writer through which every cell is neutralised.
struct CsvOut<W: Write> {
    writer: ::csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    fn new(out: W) -> Self {
        let writer = ::csv::WriterBuilder::new()
            .delimiter(b',')
            .terminator(::csv::Terminator::Any(b'\n'))
            .quote_style(::csv::QuoteStyle::Necessary)
            .from_writer(out);
        Self { writer }
    }

    fn row<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|cell| neutralize(cell.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells).map_err(io::Error::from)
    }

    fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_each_trigger() {
        for (cell, expected) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ] {
            assert_eq!(neutralize(cell), expected, "{cell:?}");
        }
    }

    #[test]
    fn leaves_safe_cells_alone() {
        for cell in [
            "",
            "Datto RMM",
            "a=b",
            " =1",
            "'=already",
            "2026-10-12T00:00:00Z",
            "ITG.45df64a0dd9df8a7a79dc4382927a045",
            "critical",
            "\nnewline first",
            "PSA ↔ IT Glue",
        ] {
            assert!(
                matches!(neutralize(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn headers_are_plain_and_unique() {
        let findings_with_delta = [&FINDINGS_HEADER[..], &[DELTA_COLUMN]].concat();
        for header in [
            &findings_with_delta[..],
            &KEYS_HEADER[..],
            &COMPLIANCE_HEADER[..],
        ] {
            for (i, name) in header.iter().enumerate() {
                assert_eq!(neutralize(name), *name);
                assert!(!header[..i].contains(name), "{name} twice");
            }
        }
    }
}
