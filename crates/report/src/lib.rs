//! Renderers of keyaudit's documents, and nothing else. Every document
//! renders through one trait, [`Document`]: it says which [`Format`]s it
//! supports ([`Document::formats`]) and renders one of them to a
//! [`std::io::Write`]. The documents are the
//! [`AuditReport`](keyaudit_model::AuditReport) in one of its
//! [`View`]s ([`ReportView`]), the diff of two reports
//! ([`ReportDiff`](keyaudit_model::ReportDiff)), the history of many
//! ([`History`](keyaudit_model::History)) and the rule catalogue
//! ([`Catalogue`](keyaudit_model::Catalogue)); the engine computes them, the
//! model types them.
//!
//! [`Format`] declares each format's name, file extensions and help once;
//! each format is a module, with one submodule per document besides the
//! report (`table::diff`, `markdown::history`, `html::forecast`, …):
//!
//! - [`table`]: a terminal table (comfy-table, 120 columns): the report's
//!   findings, keys, compliance controls or forecast, the diff, the history,
//!   the catalogue.
//! - [`mod@csv`]: RFC 4180 CSV of the findings, the keys, the compliance
//!   controls or the forecast, with every cell neutralised against
//!   spreadsheet formula injection.
//! - [`json`]: any document pretty-printed: keyaudit's JSON contracts
//!   (`keyaudit.report/v1`, `keyaudit.diff/v1`, `keyaudit.history/v1`).
//! - [`markdown`]: for GitHub, wikis and tickets; text from the inputs is
//!   escaped so it cannot add links, HTML or table cells.
//! - [`html`]: one self-contained page (inline CSS and SVG charts, no
//!   JavaScript, no external URL, print-ready), every value HTML-escaped.
//! - [`ocsf`]: one OCSF 1.3 Detection Finding (`class_uid` 2004) per
//!   finding, as a JSON array, for SIEMs.
//! - [`ics`]: the auto-revocation forecast as an iCalendar file (RFC 5545),
//!   a warning and a revocation event per dated key, for a team calendar.
//! - [`bindings`]: `[[bind]]` entries suggested for unattributed activity,
//!   as TOML with their evidence in comments (`suggest-bindings`).
//!
//! Adding a format takes a renderer module (`src/<format>.rs`, with a
//! submodule per document it applies to), a [`Format`] variant with its
//! name, extensions and help (`src/format.rs`), and in `src/document.rs` one
//! match arm in each [`Document`] that writes it, with the format added to
//! that document's list ([`REPORT_FORMATS`], …). The command line picks it
//! up from there.
//!
//! Every renderer is pure: it never reads the clock, the environment or the
//! terminal, so the same document always gives byte-identical output. The
//! caller (the CLI) decides whether the table is coloured (`NO_COLOR`,
//! `--color`, tty).
//!
//! ```
//! use keyaudit_model::AuditReport;
//! use keyaudit_report::{Document, Format, RenderOptions, ReportView, View};
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
//! let keys = ReportView { report: &report, view: View::Keys };
//! let compliance = ReportView { report: &report, view: View::Compliance };
//! let findings = ReportView { report: &report, view: View::Findings };
//!
//! let mut csv = Vec::new();
//! keys.render(Format::Csv, &RenderOptions::default(), &mut csv)?;
//! assert_eq!(
//!     String::from_utf8(csv)?,
//!     "key_name,key_fingerprint,account,state,password_access,created_at,\
//!      last_used_at,days_idle,revocation_date,findings,max_severity\n",
//! );
//!
//! let mut rows = Vec::new();
//! compliance.render(Format::Csv, &RenderOptions::default(), &mut rows)?;
//! assert_eq!(
//!     String::from_utf8(rows)?,
//!     "framework,control,status,open,muted,rules,keys\n",
//! );
//!
//! let mut ocsf = Vec::new();
//! findings.render(Format::Ocsf, &RenderOptions::default(), &mut ocsf)?;
//! assert_eq!(String::from_utf8(ocsf)?, "[]\n");
//!
//! let mut table = Vec::new();
//! let plain = RenderOptions { color: false, bom: false };
//! findings.render(Format::Table, &plain, &mut table)?;
//! assert!(String::from_utf8(table)?.contains("No findings."));
//!
//! let mut html = Vec::new();
//! findings.render(Format::Html, &RenderOptions::default(), &mut html)?;
//! let html = String::from_utf8(html)?;
//! assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;

pub mod bindings;
pub mod csv;
mod document;
mod format;
pub mod html;
pub mod ics;
pub mod json;
pub mod markdown;
pub mod ocsf;
pub mod table;
mod text;

pub use document::{
    CATALOGUE_FORMATS, DIFF_FORMATS, Document, HISTORY_FORMATS, REPORT_FORMATS, ReportView,
    UnsupportedFormat,
};
pub use format::Format;

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
    /// `fail`: the auditor's evidence sheet (from [`AuditReport::compliance`](keyaudit_model::AuditReport::compliance)).
    Compliance,
    /// One row per active or paused key: when IT Glue warns about and
    /// revokes it if it stays unused (from [`AuditReport::forecast`](keyaudit_model::AuditReport::forecast)).
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

    /// One line that says what the view lists, for `--help`.
    pub fn help(self) -> &'static str {
        match self {
            View::Findings => "One row per finding",
            View::Keys => "One row per key",
            View::Compliance => {
                "One row per compliance control: pass or fail, with the findings' keys"
            }
            View::Forecast => {
                "One row per active or paused key: IT Glue's warning and revocation days"
            }
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
                format!(
                    "unknown view `{s}` (expected {})",
                    format::or_list(View::ALL.map(View::as_str))
                )
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
