//! The forecast as a Markdown document of its own: when IT Glue warns about
//! and revokes each active or paused key if it stays unused.

use std::io::{self, Write};

use keyaudit_model::{AuditReport, ForecastBasis};

use super::escape;
use crate::text;

/// Writes the forecast: a short summary, what to do, and one table row per
/// entry, soonest revocation first. Values from inputs are [`escape`]d.
pub fn render(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    let forecast = &report.forecast;
    let dated = forecast
        .iter()
        .filter(|e| e.basis != ForecastBasis::Unknown)
        .count();
    writeln!(out, "# IT Glue API key revocation forecast")?;
    writeln!(out)?;
    writeln!(out, "- **As of:** {}", text::as_of(report.as_of))?;
    writeln!(
        out,
        "- **Keys:** {} active or paused ({dated} dated, {} without usage evidence)",
        forecast.len(),
        forecast.len() - dated
    )?;
    if let Some(window) = text::usage_window(&report.coverage) {
        writeln!(out, "- **Usage window:** {window}")?;
    }
    writeln!(out)?;
    writeln!(out, "{}", text::FORECAST_ADVICE)?;
    writeln!(out)?;
    if forecast.is_empty() {
        writeln!(out, "No active or paused keys.")?;
        return out.flush();
    }
    writeln!(
        out,
        "| Key | Owner | State | Last used | Basis | Warning on | Revoked on | Due |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|--:|")?;
    for entry in forecast {
        let [key, owner, rest @ ..] = text::forecast_cells(entry);
        writeln!(
            out,
            "| {} | {} | {} |",
            escape(&key),
            escape(&owner),
            rest.join(" | ")
        )?;
    }
    out.flush()
}
