//! The one trait every document renders through: the report (by [`View`]),
//! the diff of two reports, the history of many and the rule catalogue.
//! Each says which [`Format`]s it supports and picks the renderer module of
//! each (one match arm per format).

use std::io::{self, Write};

use keyaudit_model::{AuditReport, Catalogue, History, ReportDiff};
use thiserror::Error;

use crate::{Format, RenderOptions, View, csv, html, ics, json, markdown, ocsf, table};

/// A document that can be rendered.
pub trait Document {
    /// What the document is called in messages (`report`, `diff`, …).
    fn name(&self) -> &'static str;

    /// The formats it can be rendered in, in the order `--help` lists them.
    fn formats(&self) -> &'static [Format];

    /// Renders the document in `format` to `out`. A format outside
    /// [`Document::formats`] is an error of kind
    /// [`io::ErrorKind::Unsupported`] holding an [`UnsupportedFormat`].
    fn render(
        &self,
        format: Format,
        options: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()>;

    /// `Ok` when the document can be rendered in `format`.
    fn check(&self, format: Format) -> Result<(), UnsupportedFormat> {
        if self.formats().contains(&format) {
            Ok(())
        } else {
            Err(UnsupportedFormat {
                document: self.name(),
                format,
                supported: self.formats(),
            })
        }
    }
}

/// A document asked for in a format it does not support.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the {document} cannot be written as {format}: expected {}",
    Format::names(supported)
)]
pub struct UnsupportedFormat {
    /// The document's [`Document::name`].
    pub document: &'static str,
    /// The format asked for.
    pub format: Format,
    /// The formats it supports.
    pub supported: &'static [Format],
}

/// The formats of the report, in every view.
pub const REPORT_FORMATS: &[Format] = &Format::ALL;
/// The formats of the diff.
pub const DIFF_FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Markdown];
/// The formats of the history.
pub const HISTORY_FORMATS: &[Format] =
    &[Format::Table, Format::Json, Format::Markdown, Format::Html];
/// The formats of the rule catalogue.
pub const CATALOGUE_FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Markdown];

fn unsupported(document: &dyn Document, format: Format) -> io::Error {
    match document.check(format) {
        Err(err) => io::Error::new(io::ErrorKind::Unsupported, err),
        Ok(()) => io::Error::other(format!(
            "the {} has no renderer for {format}",
            document.name()
        )),
    }
}

/// The report as one of its views. Table and CSV write one row per finding,
/// key, compliance control or forecast entry, as the view says; JSON and
/// OCSF ignore the view (JSON always writes the whole report, OCSF every
/// finding); Markdown and HTML write the whole report, or the forecast alone
/// for [`View::Forecast`]; ICS is always the forecast. CSV starts with
/// [`csv::BOM`] when [`RenderOptions::bom`] is set.
#[derive(Debug, Clone, Copy)]
pub struct ReportView<'a> {
    /// The report.
    pub report: &'a AuditReport,
    /// The view.
    pub view: View,
}

impl Document for ReportView<'_> {
    fn name(&self) -> &'static str {
        "report"
    }

    fn formats(&self) -> &'static [Format] {
        REPORT_FORMATS
    }

    fn render(
        &self,
        format: Format,
        options: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let report = self.report;
        if format == Format::Csv && options.bom {
            out.write_all(csv::BOM)?;
        }
        match (format, self.view) {
            (Format::Table, View::Findings) => table::render_findings(report, options, out),
            (Format::Table, View::Keys) => table::render_keys(report, options, out),
            (Format::Table, View::Compliance) => table::render_compliance(report, options, out),
            (Format::Table, View::Forecast) => table::forecast::render(report, options, out),
            (Format::Csv, View::Findings) => csv::render_findings(report, out),
            (Format::Csv, View::Keys) => csv::render_keys(report, out),
            (Format::Csv, View::Compliance) => csv::render_compliance(report, out),
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
}

impl Document for ReportDiff {
    fn name(&self) -> &'static str {
        "diff"
    }

    fn formats(&self) -> &'static [Format] {
        DIFF_FORMATS
    }

    fn render(
        &self,
        format: Format,
        options: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        match format {
            Format::Table => table::diff::render(self, options, out),
            Format::Json => json::render(self, out),
            Format::Markdown => markdown::diff::render(self, out),
            other => Err(unsupported(self, other)),
        }
    }
}

impl Document for History {
    fn name(&self) -> &'static str {
        "history"
    }

    fn formats(&self) -> &'static [Format] {
        HISTORY_FORMATS
    }

    fn render(
        &self,
        format: Format,
        options: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        match format {
            Format::Table => table::history::render(self, options, out),
            Format::Json => json::render(self, out),
            Format::Markdown => markdown::history::render(self, out),
            Format::Html => html::history::render(self, out),
            other => Err(unsupported(self, other)),
        }
    }
}

impl Document for Catalogue {
    fn name(&self) -> &'static str {
        "rule catalogue"
    }

    fn formats(&self) -> &'static [Format] {
        CATALOGUE_FORMATS
    }

    fn render(
        &self,
        format: Format,
        _options: &RenderOptions,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        match format {
            Format::Table => table::catalogue::render(self, out),
            Format::Json => json::render(self, out),
            Format::Markdown => markdown::catalogue::render(self, out),
            other => Err(unsupported(self, other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_renders_each_format_it_lists_and_refuses_the_others() {
        let catalogue = Catalogue { rules: Vec::new() };
        for format in Format::ALL {
            let mut out = Vec::new();
            let rendered = catalogue.render(format, &RenderOptions::default(), &mut out);
            if CATALOGUE_FORMATS.contains(&format) {
                assert!(rendered.is_ok(), "{format}");
            } else {
                let err = rendered.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::Unsupported);
                assert_eq!(
                    err.to_string(),
                    format!(
                        "the rule catalogue cannot be written as {format}: expected table, json or markdown"
                    )
                );
                assert!(out.is_empty());
            }
        }
    }
}
