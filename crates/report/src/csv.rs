//! CSV of the findings or of the keys: comma-separated, RFC 4180 quoting,
//! `\n` line endings, list cells joined with `; `.
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

/// Header of the findings view, in column order.
pub const FINDINGS_HEADER: [&str; 13] = [
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
];

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

/// Writes one row per finding (open and muted, in report order) under
/// [`FINDINGS_HEADER`]. `last_used_at`, `days_idle` and `password_access` come
/// from the key's record in `report.keys`, falling back to the finding's
/// evidence; `last_used_at` is `never` for a key the inventory says was never
/// used.
pub fn render_findings(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut csv = CsvOut::new(out);
    csv.row(FINDINGS_HEADER)?;
    for finding in &report.findings {
        let facts = KeyFacts::of_finding(report, finding);
        csv.row([
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
        ])?;
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
        for header in [&FINDINGS_HEADER[..], &KEYS_HEADER[..]] {
            for (i, name) in header.iter().enumerate() {
                assert_eq!(neutralize(name), *name);
                assert!(!header[..i].contains(name), "{name} twice");
            }
        }
    }
}
