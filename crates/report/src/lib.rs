//! Renderers of keyaudit's documents, and nothing else: the [`AuditReport`]
//! as a terminal table, CSV, JSON, Markdown, a self-contained HTML page and
//! OCSF Detection Findings; the diff of two reports, the history of many and
//! the rule catalogue (computed by `keyaudit_engine`, typed in
//! `keyaudit_model`) as a table, JSON, Markdown and (history) HTML. Each
//! format is a module (`table`, `markdown`, `html`, …) with one submodule per
//! document besides the report (`table::diff`, `markdown::history`, …).
//!
//! Every renderer is pure: it reads a `&AuditReport` and writes to an
//! [`std::io::Write`]; it never reads the clock, the environment or the
//! terminal, so the same report always gives byte-identical output. The caller
//! (the CLI) decides whether the table is coloured (`NO_COLOR`, `--color`, tty).
//!
//! - [`table`]: a summary header, then one row per finding, per key or per
//!   compliance control (comfy-table, fixed width of 120 columns).
//! - [`mod@csv`]: RFC 4180 CSV of the findings, the keys or the compliance
//!   controls, with every cell neutralised against spreadsheet formula
//!   injection.
//! - [`json`]: the whole report, pretty-printed: keyaudit's JSON contract.
//! - [`markdown`]: the whole report for GitHub, wikis and tickets: summary,
//!   findings by severity, keys table, compliance controls, unattributed
//!   activity, diagnostics; text from the inputs is escaped so it cannot add
//!   links, HTML or table cells.
//! - [`html`]: the whole report as one self-contained page (inline CSS and
//!   SVG charts, no JavaScript, no external URL, print-ready), every value
//!   HTML-escaped.
//! - [`ocsf`]: one OCSF 1.3 Detection Finding (`class_uid` 2004) per
//!   finding, as a JSON array, for SIEMs.
//! - [`bindings`]: `[[bind]]` entries suggested for unattributed activity,
//!   as TOML with their evidence in comments (`suggest-bindings`).
//! - [`ics`]: the auto-revocation forecast as an iCalendar file (RFC 5545),
//!   a warning and a revocation event per dated key, for a team calendar.
//!
//! Table and CSV write one row per finding, per key, per compliance control
//! or per forecast entry, as the [`View`] says; JSON and OCSF ignore the view
//! (JSON always writes the whole report, OCSF every finding); Markdown and
//! HTML write the whole report (compliance view included, and in HTML a
//! timeline of the coming revocations), or the forecast alone for
//! [`View::Forecast`]; ICS is always the forecast.
//!
//! ```
//! use keyaudit_model::AuditReport;
//! use keyaudit_report::{render, Format, RenderOptions, View};
//!
//! let report: AuditReport = serde_json::from_str(r#"{
//!   "schema": "keyaudit.report/v1",
//!   "tool": { "name": "keyaudit", "version": "0.1.0" },
//!   "as_of": "2026-11-26T00:00:00Z",
//!   "inputs": [],
//!   "coverage": { "usage_window": null, "events_seen": 0, "attributed": 0,
//!                 "unattributed": 0, "ambiguous": 0, "keys_with_inventory_last_use": 0 },
//!   "keys": [],
//!   "findings": [],
//!   "exposures": [],
//!   "summary": { "keys": 0, "findings": 0, "open": 0, "muted": 0,
//!                "by_severity": {}, "by_rule": {} },
//!   "diagnostics": []
//! }"#)?;
//!
//! let mut csv = Vec::new();
//! render(&report, Format::Csv, View::Keys, &RenderOptions::default(), &mut csv)?;
//! assert_eq!(
//!     String::from_utf8(csv)?,
//!     "key_name,key_fingerprint,account,state,password_access,created_at,\
//!      last_used_at,days_idle,revocation_date,findings,max_severity\n",
//! );
//!
//! let mut compliance = Vec::new();
//! render(&report, Format::Csv, View::Compliance, &RenderOptions::default(), &mut compliance)?;
//! assert_eq!(
//!     String::from_utf8(compliance)?,
//!     "framework,control,status,open,muted,rules,keys\n",
//! );
//!
//! let mut ocsf = Vec::new();
//! render(&report, Format::Ocsf, View::Findings, &RenderOptions::default(), &mut ocsf)?;
//! assert_eq!(String::from_utf8(ocsf)?, "[]\n");
//!
//! let mut table = Vec::new();
//! let plain = RenderOptions { color: false, bom: false };
//! render(&report, Format::Table, View::Findings, &plain, &mut table)?;
//! assert!(String::from_utf8(table)?.contains("No findings."));
//!
//! let mut html = Vec::new();
//! render(&report, Format::Html, View::Findings, &RenderOptions::default(), &mut html)?;
//! let html = String::from_utf8(html)?;
//! assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use keyaudit_model::AuditReport;

pub mod bindings;
pub mod csv;
pub mod html;
pub mod ics;
pub mod json;
pub mod markdown;
pub mod ocsf;
pub mod table;
mod text;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// A terminal table (the default).
    #[default]
    Table,
    /// CSV, one row per finding or per key.
    Csv,
    /// The whole report as JSON (the contract).
    Json,
    /// The whole report as Markdown (GitHub tables).
    Markdown,
    /// The whole report as one self-contained HTML page.
    Html,
    /// One OCSF Detection Finding per finding, as a JSON array (for SIEMs).
    Ocsf,
    /// The auto-revocation forecast as an iCalendar file (RFC 5545): a
    /// warning and a revocation event per dated key.
    Ics,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Ocsf,
        Format::Ics,
    ];

    /// The format's name on the command line (`table`, `csv`, `json`,
    /// `markdown`, `html`, `ocsf`, `ics`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Ocsf => "ocsf",
            Format::Ics => "ics",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses `table`, `csv`, `json`, `markdown`, `html`, `ocsf` or `ics`
    /// (any case); the error lists the valid names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}` (expected table, csv, json, markdown, html, ocsf or ics)"
                )
            })
    }
}

/// What the rows of a table or CSV are. JSON and OCSF ignore the view (JSON
/// always writes the whole report, OCSF every finding), and so do Markdown
/// and HTML except for [`View::Forecast`], which they write as a document of
/// its own; ICS is always the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum View {
    /// One row per finding (the default).
    #[default]
    Findings,
    /// One row per key: the credential report.
    Keys,
    /// One row per framework control referenced by any rule, `pass` or
    /// `fail`: the auditor's evidence sheet (from [`AuditReport::compliance`]).
    Compliance,
    /// One row per active or paused key: when IT Glue warns about and
    /// revokes it if it stays unused (from [`AuditReport::forecast`]).
    Forecast,
}

impl View {
    /// Every view.
    pub const ALL: [View; 4] = [View::Findings, View::Keys, View::Compliance, View::Forecast];

    /// The view's name on the command line (`findings`, `keys`,
    /// `compliance`, `forecast`).
    pub fn as_str(self) -> &'static str {
        match self {
            View::Findings => "findings",
            View::Keys => "keys",
            View::Compliance => "compliance",
            View::Forecast => "forecast",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for View {
    type Err = String;

    /// Parses `findings`, `keys`, `compliance` or `forecast` (any case); the
    /// error lists the valid names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        View::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown view `{s}` (expected findings, keys, compliance or forecast)")
            })
    }
}

/// Options that change how a report is drawn but never what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RenderOptions {
    /// Colour the table's severity cells with ANSI escapes. Only the table
    /// renderer uses it; the caller decides (`NO_COLOR`, `--color`, tty).
    pub color: bool,
    /// Start CSV with a UTF-8 byte-order mark ([`csv::BOM`]), so that Excel
    /// on Windows reads it as UTF-8. Only the CSV renderer uses it.
    pub bom: bool,
}

/// Renders `report` in `format`; `view` picks the rows of a table or CSV, and
/// the forecast document of Markdown and HTML; JSON, OCSF and ICS ignore it.
/// CSV starts with [`csv::BOM`] when `options.bom` is set.
pub fn render(
    report: &AuditReport,
    format: Format,
    view: View,
    options: &RenderOptions,
    mut out: impl Write,
) -> std::io::Result<()> {
    if format == Format::Csv && options.bom {
        out.write_all(csv::BOM)?;
    }
    match (format, view) {
        (Format::Table, View::Findings) => table::render_findings(report, options, out),
        (Format::Table, View::Keys) => table::render_keys(report, options, out),
        (Format::Table, View::Compliance) => table::render_compliance(report, options, out),
        (Format::Csv, View::Findings) => csv::render_findings(report, out),
        (Format::Csv, View::Keys) => csv::render_keys(report, out),
        (Format::Csv, View::Compliance) => csv::render_compliance(report, out),
        (Format::Table, View::Forecast) => table::forecast::render(report, options, out),
        (Format::Csv, View::Forecast) => csv::forecast::render(report, out),
        (Format::Markdown, View::Forecast) => markdown::forecast::render(report, out),
        (Format::Html, View::Forecast) => html::forecast::render(report, out),
        (Format::Json, _) => json::render(report, out),
        (Format::Markdown, _) => markdown::render(report, out),
        (Format::Html, _) => html::render(report, out),
        (Format::Ocsf, _) => ocsf::render(report, out),
        (Format::Ics, _) => ics::render(report, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_views_parse_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        for v in View::ALL {
            assert_eq!(v.as_str().parse::<View>(), Ok(v));
        }
        assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
        assert!(
            "xml"
                .parse::<Format>()
                .unwrap_err()
                .contains("table, csv, json, markdown, html, ocsf or ics")
        );
        assert!(
            "rows"
                .parse::<View>()
                .unwrap_err()
                .contains("findings, keys, compliance or forecast")
        );
    }
}
