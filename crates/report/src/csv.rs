//! CSV of the findings, of the keys or of the compliance controls:
//! comma-separated, RFC 4180 quoting, `\n` line endings, list cells joined
//! with `; `.
//!
//! A spreadsheet may read the file with `,`, `;` (Excel's default in much of
//! Europe) or a tab as separator, so no cell may start a formula under any of
//! them. Every cell, headers included, goes through [`neutralize`]: a value
//! from an input (a key named `=HYPERLINK(…)`, or `x;=1+1`) gets a `'` before
//! each place a spreadsheet could start a cell with it, and a cell holding a
//! `,`, `;`, tab, quote, carriage return or line feed is quoted.
//!
//! Generated text (messages, remediation, the compliance view's key labels)
//! is written with ASCII punctuation ([`ascii_punctuation`]: `->` for `→`,
//! `...` for `…`), so it reads right in any code page; names and other
//! values from the inputs are written as they are. [`BOM`] starts the file
//! when asked (`--bom`).
//!
//! Dates are RFC 3339 in UTC (`2026-10-12T00:00:00Z`), days are `YYYY-MM-DD`,
//! booleans `true`/`false`, and unknown values empty.

use std::borrow::Cow;
use std::io::{self, Write};

use keyaudit_model::AuditReport;

use crate::text::{self, KeyFacts, LastUsed};

pub mod forecast;
/// The UTF-8 byte-order mark written before the header with `--bom`
/// ([`crate::RenderOptions::bom`]).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

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
            ascii_punctuation(&finding.message),
            facts.last_used.machine().into(),
            number(facts.days_idle),
            text::bool_cell(facts.password_access).into(),
            ascii_punctuation(&finding.remediation),
            ascii_punctuation(&text::compliance(&finding.compliance))
                .into_owned()
                .into(),
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
            ascii_punctuation(&text::control_keys(control).join(text::LIST_SEPARATOR))
                .into_owned()
                .into(),
        ])?;
    }
    csv.finish()
}

/// Neutralises spreadsheet formula injection: a `'` goes before the cell
/// when it starts with `=`, `+`, `-`, `@`, tab or carriage return, and before
/// each of these and `"` that follows a `;`, tab, carriage return or line
/// feed inside the cell, where a spreadsheet splitting on `;` or tab (or
/// taking the line feed for the end of a row) would start a new cell. A
/// spreadsheet then shows the text instead of running it. Other cells are
/// returned unchanged.
///
/// ```
/// use keyaudit_report::csv::neutralize;
///
/// assert_eq!(neutralize("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralize("Sync;=1+1"), "Sync;'=1+1");
/// assert_eq!(neutralize("Datto RMM; NOC"), "Datto RMM; NOC");
/// ```
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let starts_formula = |c: char| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r');
    let splits = |c: char| matches!(c, ';' | '\t' | '\r' | '\n');
    let mut previous: Option<char> = None;
    let needs_mark = |previous: Option<char>, c: char| match previous {
        None => starts_formula(c),
        Some(p) => splits(p) && (starts_formula(c) || c == '"'),
    };
    let mut marked: Option<String> = None;
    for (i, c) in cell.char_indices() {
        if needs_mark(previous, c) {
            let out = marked.get_or_insert_with(|| {
                let mut out = String::with_capacity(cell.len() + 4);
                out.push_str(&cell[..i]);
                out
            });
            out.push('\'');
        }
        if let Some(out) = &mut marked {
            out.push(c);
        }
        previous = Some(c);
    }
    marked.map_or(Cow::Borrowed(cell), Cow::Owned)
}

/// Generated text with ASCII punctuation: arrows, ellipses, typographic
/// quotes and dashes, non-breaking spaces and comparison signs become their
/// ASCII spelling (`→` `->`, `…` `...`, `“` `"`, `—` `--`, `≥` `>=`); other
/// characters are kept.
///
/// ```
/// use keyaudit_report::csv::ascii_punctuation;
///
/// assert_eq!(ascii_punctuation("Admin → Settings …"), "Admin -> Settings ...");
/// assert_eq!(ascii_punctuation("plain"), "plain");
/// ```
pub fn ascii_punctuation(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '→' | '⟶' => out.push_str("->"),
            '←' | '⟵' => out.push_str("<-"),
            '↔' | '⟷' => out.push_str("<->"),
            '⇒' => out.push_str("=>"),
            '…' => out.push_str("..."),
            '“' | '”' | '„' | '«' | '»' | '″' => out.push('"'),
            '‘' | '’' | '‚' | '′' => out.push('\''),
            '—' => out.push_str("--"),
            '–' | '‐' | '‑' | '−' => out.push('-'),
            '\u{a0}' | '\u{2009}' | '\u{202f}' => out.push(' '),
            '•' | '·' => out.push('*'),
            '×' => out.push('x'),
            '≥' => out.push_str(">="),
            '≤' => out.push_str("<="),
            '≠' => out.push_str("!="),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn optional(value: Option<&str>) -> Cow<'_, str> {
    Cow::Borrowed(value.unwrap_or_default())
}

fn number(value: Option<i64>) -> Cow<'static, str> {
    value.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()))
}

/// A CSV writer through which every cell is neutralised and, when it holds
/// a separator, a quote or a line break, quoted.
struct CsvOut<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> CsvOut<W> {
    fn new(out: W) -> Self {
        Self {
            out: io::BufWriter::new(out),
        }
    }

    fn row<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            let cell = neutralize(cell.as_ref());
            if cell.contains([',', ';', '\t', '"', '\r', '\n']) {
                write!(self.out, "\"{}\"", cell.replace('"', "\"\""))?;
            } else {
                self.out.write_all(cell.as_bytes())?;
            }
        }
        self.out.write_all(b"\n")
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
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
            ("x;=1+1", "x;'=1+1"),
            ("x\t@A1", "x\t'@A1"),
            ("x\r-1", "x\r'-1"),
            ("x\n+1", "x\n'+1"),
            ("x;\"=1\"", "x;'\"=1\""),
            ("x;\t=1", "x;'\t'=1"),
            ("=a;=b", "'=a;'=b"),
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
            "a; b",
            "CIS Controls v8 5.3; NIST SP 800-53 r5 AC-2(3)",
            "x,=1",
            "say \"=1\"",
        ] {
            assert!(
                matches!(neutralize(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn ascii_punctuation_spells_out_typography() {
        assert_eq!(
            ascii_punctuation("Admin → Settings → API Keys → Revoke"),
            "Admin -> Settings -> API Keys -> Revoke"
        );
        assert_eq!(
            ascii_punctuation("“a” ‘b’ — c – d … ≥ 5\u{a0}days"),
            "\"a\" 'b' -- c - d ... >= 5 days"
        );
        assert_eq!(ascii_punctuation("Zoë"), "Zoë");
        assert!(matches!(ascii_punctuation("plain"), Cow::Borrowed("plain")));
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
