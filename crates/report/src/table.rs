//! The terminal table: a summary header, then one row per finding, per key
//! or per compliance control.
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
use keyaudit_model::{
    AuditReport, ControlResult, ControlStatus, Finding, FindingStatus, KeyRecord, Severity,
};

use crate::RenderOptions;
use crate::text::{self, LastUsed, terminal_safe};

pub mod catalogue;
pub mod diff;
pub mod forecast;
pub mod history;

/// The width, in terminal columns, the tables are laid out for.
pub const WIDTH: u16 = 120;

/// Writes the summary header and one row per finding (open and muted):
/// `Severity | Rule | Key | Detail`, with a `Change` column after the
/// severity (`new`, `worsened`, `improved`, `unchanged`) when any finding was
/// compared with a baseline; `No findings.` when there are none.
pub fn render_findings(
    report: &AuditReport,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    write_header(report, &mut out)?;
    if report.findings.is_empty() {
        return writeln!(out, "No findings.");
    }
    let with_delta = text::has_delta(report);
    let mut table = if with_delta {
        new_table(options, ["Severity", "Change", "Rule", "Key", "Detail"])
    } else {
        new_table(options, ["Severity", "Rule", "Key", "Detail"])
    };
    for finding in &report.findings {
        table.add_row(finding_row(finding, with_delta, options));
    }
    if with_delta {
        fit_to_content(&mut table, 1..2);
    }
    writeln!(out, "{table}")
}

/// Writes the summary header and one row per key: `Name | Fingerprint |
/// State | Password Access | Last used | Days idle | Revokes on | Findings |
/// Max severity`; `No keys.` when there are none. The name cell also lists
/// the parts of the name the policy's naming pattern captured
/// (`vendor=HaloPSA`), one per line; the findings cell lists the key's open
/// findings, then `N muted` when some of its findings are muted.
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
        let muted = text::muted_rules(report, &key.id).len();
        table.add_row(key_row(key, muted, options));
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

/// Writes the summary header, a count of controls, and one row per
/// compliance control (from [`AuditReport::compliance`]): `Framework |
/// Control | Status | Open | Muted | Rules | Keys`; `fail` in red and `pass`
/// in green when colour is on. A report without a compliance view (written
/// before keyaudit had one) says so.
pub fn render_compliance(
    report: &AuditReport,
    options: &RenderOptions,
    mut out: impl Write,
) -> io::Result<()> {
    write_header(report, &mut out)?;
    let Some(counts) = text::compliance_counts(report) else {
        return writeln!(out, "No compliance controls in this report.");
    };
    writeln!(out, "Compliance:     {counts}")?;
    writeln!(out)?;
    let mut table = new_table(
        options,
        [
            "Framework",
            "Control",
            "Status",
            "Open",
            "Muted",
            "Rules",
            "Keys",
        ],
    );
    for control in &report.compliance {
        table.add_row(control_row(control, options));
    }
    fit_to_content(&mut table, 0..6);
    for index in [3, 4] {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")
}

/// Gives each column in `columns` the width of its widest line, or of its
/// header's longest word when that is wider, so that values never wrap.
/// Widths count characters: these columns hold ASCII and `…` only.
pub(crate) fn fit_to_content(table: &mut Table, columns: std::ops::Range<usize>) {
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
pub(crate) fn write_header(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
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
    if let Some(baseline) = text::baseline(report) {
        writeln!(out, "Baseline:       {}", terminal_safe(&baseline))?;
    }
    if let Some(lists) = text::unattributed(&report.coverage) {
        writeln!(out)?;
        writeln!(out, "{}:", text::UNATTRIBUTED_HEADING)?;
        let width = lists
            .iter()
            .flat_map(|(_, l)| l.iter())
            .map(|v| v.count.to_string().len())
            .max()
            .unwrap_or(1);
        for (label, values) in lists {
            for (i, value) in values.iter().enumerate() {
                let label = if i == 0 { label } else { "" };
                writeln!(
                    out,
                    "  {label:<12}{:>width$}  {}",
                    value.count,
                    terminal_safe(&value.value)
                )?;
            }
        }
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

fn finding_row(finding: &Finding, with_delta: bool, options: &RenderOptions) -> Row {
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

    let mut cells = vec![severity_cell(severity, finding.severity, options)];
    if with_delta {
        cells.push(Cell::new(finding.delta.map_or("-", |d| d.as_str())));
    }
    cells.extend([
        Cell::new(finding.rule.as_str()),
        Cell::new(key),
        Cell::new(detail),
    ]);
    Row::from(cells)
}

fn key_row(key: &KeyRecord, muted: usize, options: &RenderOptions) -> Row {
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
    let mut findings = text::rule_codes(&key.findings, "\n");
    if muted > 0 {
        if !findings.is_empty() {
            findings.push('\n');
        }
        findings.push_str(&format!("{muted} muted"));
    }
    if findings.is_empty() {
        findings.push('-');
    }
    let mut name = terminal_safe(text::display_name(&key.name)).into_owned();
    for (part, value) in &key.name_parts {
        name.push_str(&format!(
            "\n{}={}",
            terminal_safe(part),
            terminal_safe(value)
        ));
    }
    let max_severity = match key.max_severity {
        Some(s) => severity_cell(s.to_string(), s, options),
        None => Cell::new("-"),
    };
    Row::from(vec![
        Cell::new(name),
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

fn control_row(control: &ControlStatus, options: &RenderOptions) -> Row {
    let status = text::control_result(control.status);
    let mut status = Cell::new(status);
    if options.color {
        status = match control.status {
            ControlResult::Fail => status.fg(Color::Red).add_attribute(Attribute::Bold),
            ControlResult::Pass => status.fg(Color::Green),
        };
    }
    let keys = text::control_keys(control);
    let keys = if keys.is_empty() {
        "-".to_owned()
    } else {
        keys.iter()
            .map(|k| terminal_safe(k).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    Row::from(vec![
        Cell::new(terminal_safe(&control.framework)),
        Cell::new(terminal_safe(&control.control)),
        status,
        Cell::new(control.open),
        Cell::new(control.muted),
        Cell::new(text::rule_codes(&control.rules, "\n")),
        Cell::new(keys),
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
