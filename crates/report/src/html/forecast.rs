//! The forecast in HTML: a section of the report page (the timeline of the
//! coming revocations) and a page of its own (`--view forecast`: the
//! timeline and every live key's dates).

use std::io::{self, Write};

use keyaudit_model::{AuditReport, ForecastEntry, REVOCATION_NOTICE_DAYS};

use super::{Esc, chart, write_document_head, write_page_end};
use crate::text;

/// The report page's forecast section: the timeline of the next
/// [`chart::TIMELINE_DAYS`] days.
pub(super) fn write_section(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "<section id=\"forecast\">")?;
    writeln!(out, "<h2>Revocation forecast</h2>")?;
    write_timeline(report, out)?;
    writeln!(out, "</section>")
}

fn write_timeline(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "<figure>")?;
    writeln!(
        out,
        "<figcaption>IT Glue's warnings and revocations in the next {} days<span class=\"note\">Bar: the {REVOCATION_NOTICE_DAYS}-day notice from the warning (round dot) to the revocation (square), if the key stays unused.</span></figcaption>",
        chart::TIMELINE_DAYS
    )?;
    chart::forecast(report, out)?;
    writeln!(out, "</figure>")
}

/// Writes the forecast as one self-contained page: the timeline, what to do,
/// and one table row per active or paused key, soonest revocation first.
/// Every value from the report is escaped.
pub fn render(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    let title = format!(
        "IT Glue API key revocation forecast · {}",
        text::as_of(report.as_of)
    );
    let generator = format!("{} {}", report.tool.name, report.tool.version);
    write_document_head(&mut out, &title, &generator)?;
    writeln!(out, "<body>")?;
    writeln!(out, "<div class=\"page\">")?;
    writeln!(out, "<header class=\"masthead\">")?;
    writeln!(out, "<p class=\"eyebrow\">IT Glue API key audit</p>")?;
    writeln!(out, "<h1>Revocation forecast</h1>")?;
    writeln!(out, "<dl class=\"meta\">")?;
    writeln!(
        out,
        "<div><dt>As of</dt><dd>{}</dd></div>",
        Esc(&text::as_of(report.as_of))
    )?;
    if let Some(window) = text::usage_window(&report.coverage) {
        writeln!(
            out,
            "<div><dt>Usage window</dt><dd>{}</dd></div>",
            Esc(&window)
        )?;
    }
    writeln!(out, "</dl>")?;
    writeln!(out, "</header>")?;
    writeln!(out, "<section id=\"forecast\">")?;
    write_timeline(report, &mut out)?;
    writeln!(out, "<p>{}</p>", Esc(text::FORECAST_ADVICE))?;
    write_table(&report.forecast, &mut out)?;
    writeln!(out, "</section>")?;
    write_page_end(report, "Dates", &mut out)
}

fn write_table(forecast: &[ForecastEntry], out: &mut impl Write) -> io::Result<()> {
    if forecast.is_empty() {
        return writeln!(out, "<p class=\"empty\">No active or paused keys.</p>");
    }
    writeln!(out, "<div class=\"table-wrap\">")?;
    writeln!(out, "<table class=\"data forecast\">")?;
    writeln!(
        out,
        "<thead><tr><th scope=\"col\">Key</th><th scope=\"col\">Owner</th><th scope=\"col\">State</th><th scope=\"col\">Last used</th><th scope=\"col\">Basis</th><th scope=\"col\">Warning on</th><th scope=\"col\">Revoked on</th><th scope=\"col\" class=\"num\">Due</th></tr></thead>"
    )?;
    writeln!(out, "<tbody>")?;
    for entry in forecast {
        let [key, owner, state, last_used, basis, warning, revoked, due] =
            text::forecast_cells(entry);
        writeln!(
            out,
            "<tr><td class=\"name\">{}</td><td class=\"owner\">{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td class=\"num nowrap\">{}</td></tr>",
            Esc(&key),
            Esc(&owner),
            Esc(&state),
            Esc(&last_used),
            Esc(&basis),
            Esc(&warning),
            Esc(&revoked),
            Esc(&due),
        )?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    writeln!(out, "</div>")
}
