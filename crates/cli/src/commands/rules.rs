//! `keyaudit rules`: the rule catalogue.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL;
use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width};
use keyaudit_engine::rules::{Rule, catalogue};

use crate::cli::{CatalogueFormat, RulesArgs};
use crate::output::Output;

/// Runs `keyaudit rules`.
pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let output = Output::prepare(args.output.as_deref(), [])?;
    let rules = catalogue();
    output.write(|out| match args.format {
        CatalogueFormat::Table => table(&rules, out),
        CatalogueFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &rules)?;
            writeln!(out)
        }
        CatalogueFormat::Markdown => markdown(&rules, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn severity(rule: &Rule) -> String {
    match rule.escalated_severity {
        Some(escalated) => format!("{} / {escalated}", rule.default_severity),
        None => rule.default_severity.to_string(),
    }
}

fn controls(rule: &Rule, separator: &str) -> String {
    rule.compliance_refs()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

fn table(rules: &[&Rule], out: &mut dyn Write) -> io::Result<()> {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL)
        .apply_modifier(UTF8_ROUND_CORNERS)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(["Rule", "Severity", "Title", "Compliance", "Policy"]);
    for rule in rules {
        table.add_row([
            rule.code.as_str().to_string(),
            severity(rule),
            rule.title.to_string(),
            controls(rule, "\n"),
            rule.policy_keys.join("\n"),
        ]);
    }
    // Controls read best on one line each ("ISO/IEC 27001:2022 A.5.16").
    if let Some(column) = table.column_mut(3) {
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(29)));
    }
    writeln!(out, "{table}")
}

fn markdown(rules: &[&Rule], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# keyaudit rules\n")?;
    writeln!(out, "| Rule | Severity | Title |")?;
    writeln!(out, "|---|---|---|")?;
    for rule in rules {
        writeln!(
            out,
            "| [`{0}`](#{0}) | {1} | {2} |",
            rule.code,
            severity(rule),
            rule.title
        )?;
    }
    for rule in rules {
        writeln!(out, "\n## {}\n", rule.code)?;
        writeln!(out, "**{}** — severity {}.\n", rule.title, severity(rule))?;
        if let Some(escalation) = rule.escalation {
            writeln!(out, "Escalation: {escalation}\n")?;
        }
        writeln!(out, "{}\n", rule.rationale)?;
        writeln!(out, "**Remediation:** {}\n", rule.remediation)?;
        writeln!(out, "**Compliance:** {}\n", controls(rule, "; "))?;
        if !rule.policy_keys.is_empty() {
            let keys: Vec<String> = rule.policy_keys.iter().map(|k| format!("`{k}`")).collect();
            writeln!(out, "**Policy:** {}", keys.join(", "))?;
        }
    }
    Ok(())
}
