//! The terminal table: a summary header, then one row per finding or per key.
//!
//! Output never depends on the terminal: the table is laid out for a fixed
//! width of [`WIDTH`] columns, and ANSI colour is written only when
//! [`RenderOptions::color`] is set. Values read from inputs (names, messages)
//! have their control characters escaped, so they can neither break the
//! layout nor send escape sequences to the terminal.

use std::io::{self, Write};

use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL;
use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Row, Table, Width,
};
use keyaudit_model::{AuditReport, Finding, FindingStatus, KeyRecord, Severity};

use crate::RenderOptions;
use crate::text::{self, LastUsed, terminal_safe};

/// The width, in terminal columns, the tables are laid out for.
pub const WIDTH: u16 = 120;

/// Writes the summary header and one row per finding (open and muted):
/// `Severity | Rule | Key | Detail`; `No findings.` when there are none.
pub fn render_findings(
    report: &AuditReport,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    write_header(report, &mut out)?;
    if report.findings.is_empty() {
        return writeln!(out, "No findings.");
    }
    let mut table = new_table(options, ["Severity", "Rule", "Key", "Detail"]);
    for finding in &report.findings {
        table.add_row(finding_row(finding, options));
    }
    writeln!(out, "{table}")
}

/// Writes the summary header and one row per key: `Name | Fingerprint |
/// State | Password Access | Last used | Days idle | Revokes on | Findings |
/// Max severity`; `No keys.` when there are none.
pub fn render_keys(
    report: &AuditReport,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    write_header(report, &mut out)?;
    if report.keys.is_empty() {
        return writeln!(out, "No keys.");
    }
    let mut table = new_table(
        options,
        [
            "Name",
            "Fingerprint",
            "State",
            "Password Access",
            "Last used",
            "Days idle",
            "Revokes on",
            "Findings",
            "Max severity",
        ],
    );
    for key in &report.keys {
        table.add_row(key_row(key, options));
    }
    // Nine columns do not fit 120 characters when every header stays on one
    // line: the short columns get exactly their content's width (a header
    // may wrap between words, never a date, code or fingerprint) and the
    // name takes what is left.
    fit_to_content(&mut table, 1..9);
    if let Some(column) = table.column_mut(5) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(out, "{table}")
}

/// Gives each column in `columns` the width of its widest line, or of its
/// header's longest word when that is wider, so that values never wrap.
/// Widths count characters: these columns hold ASCII and `…` only.
fn fit_to_content(table: &mut Table, columns: std::ops::Range<usize>) {
    fn widest<'a>(parts: impl Iterator<Item = &'a str>) -> usize {
        parts.map(|p| p.chars().count()).max().unwrap_or(0)
    }
    for index in columns {
        let header = table
            .header()
            .and_then(|h| h.cell_iter().nth(index))
            .map_or(0, |c| widest(c.content().split_whitespace()));
        let content = table
            .row_iter()
            .filter_map(|row| row.cell_iter().nth(index))
            .map(|c| widest(c.content().lines()))
            .max()
            .unwrap_or(0);
        let width = u16::try_from(header.max(content)).unwrap_or(u16::MAX);
        if let Some(column) = table.column_mut(index) {
            let width = width.saturating_add(column.padding_width());
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(width)));
        }
    }
}

/// The block above either table: as-of date, keys audited, open findings by
/// severity, muted findings, usage window.
fn write_header(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    let summary = &report.summary;
    writeln!(out, "IT Glue API key audit")?;
    writeln!(out, "As of:          {}", text::as_of(report.as_of))?;
    writeln!(out, "Keys audited:   {}", summary.keys)?;
    writeln!(
        out,
        "Open findings:  {} ({})",
        summary.open,
        text::severity_counts(summary)
    )?;
    writeln!(out, "Muted findings: {}", summary.muted)?;
    match text::usage_window(&report.coverage) {
        Some(window) => writeln!(out, "Usage window:   {window}")?,
        None => writeln!(out, "Usage window:   none (no usage evidence given)")?,
    }
    writeln!(out)
}

pub(crate) fn new_table<const N: usize>(options: &RenderOptions, header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL)
        .apply_modifier(UTF8_ROUND_CORNERS)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header);
    if options.color {
        table.enforce_styling();
        table.style_text_only();
    }
    table
}

fn finding_row(finding: &Finding, options: &RenderOptions) -> Row {
    let muted = finding.status == FindingStatus::Muted;
    let severity = if muted {
        format!("{} (muted)", finding.severity)
    } else {
        finding.severity.to_string()
    };

    let mut key = terminal_safe(text::display_name(&finding.key.name)).into_owned();
    if let Some(fp) = &finding.key.fingerprint {
        key.push('\n');
        key.push_str(&text::short_fingerprint(fp));
    }

    let mut detail = terminal_safe(&finding.message).into_owned();
    if let Some(mute) = &finding.mute {
        detail.push_str(&format!(
            "\nMuted ({}): {}",
            text::mute_expiry(mute),
            terminal_safe(&mute.reason)
        ));
    }

    Row::from(vec![
        severity_cell(severity, finding.severity, options),
        Cell::new(finding.rule.as_str()),
        Cell::new(key),
        Cell::new(detail),
    ])
}

fn key_row(key: &KeyRecord, options: &RenderOptions) -> Row {
    let fingerprint = key
        .fingerprint
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), text::short_fingerprint);
    let days_idle = key
        .days_idle
        .map_or_else(|| "-".to_owned(), |d| d.to_string());
    let revokes_on = key
        .revocation_date
        .map_or_else(|| "-".to_owned(), text::date);
    let findings = if key.findings.is_empty() {
        "-".to_owned()
    } else {
        text::rule_codes(&key.findings, "\n")
    };
    let max_severity = match key.max_severity {
        Some(s) => severity_cell(s.to_string(), s, options),
        None => Cell::new("-"),
    };
    Row::from(vec![
        Cell::new(terminal_safe(text::display_name(&key.name))),
        Cell::new(fingerprint),
        Cell::new(key.state.as_str()),
        Cell::new(text::yes_no(key.password_access)),
        Cell::new(LastUsed::of_key(key).human()),
        Cell::new(days_idle),
        Cell::new(revokes_on),
        Cell::new(findings),
        max_severity,
    ])
}

/// A cell coloured by severity when colour is on: critical red bold, high
/// red, medium yellow, low cyan, info dim.
pub(crate) fn severity_cell(content: String, severity: Severity, options: &RenderOptions) -> Cell {
    let cell = Cell::new(content);
    if !options.color {
        return cell;
    }
    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Cyan),
        Severity::Info => cell.add_attribute(Attribute::Dim),
    }
}
