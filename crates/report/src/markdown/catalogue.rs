//! The rule [`Catalogue`] as Markdown: a table of the rules, then one
//! section per rule with its rationale, remediation, controls and policy keys.

use std::io::{self, Write};

use keyaudit_model::Catalogue;

use crate::text;

/// Writes the catalogue (its text is keyaudit's own, not from an input).
pub fn render(catalogue: &Catalogue, mut out: impl Write) -> io::Result<()> {
    let rules = &catalogue.rules;
    writeln!(out, "# keyaudit rules\n")?;
    writeln!(out, "| Rule | Severity | Title |")?;
    writeln!(out, "|---|---|---|")?;
    for rule in rules {
        writeln!(
            out,
            "| [`{0}`](#{0}) | {1} | {2} |",
            rule.code,
            text::rule_severity(rule),
            rule.title
        )?;
    }
    for rule in rules {
        writeln!(out, "\n## {}\n", rule.code)?;
        writeln!(
            out,
            "**{}** — severity {}.\n",
            rule.title,
            text::rule_severity(rule)
        )?;
        if let Some(escalation) = &rule.escalation {
            writeln!(out, "Escalation: {escalation}\n")?;
        }
        writeln!(out, "{}\n", rule.rationale)?;
        writeln!(out, "**Remediation:** {}\n", rule.remediation)?;
        writeln!(out, "**Compliance:** {}\n", text::rule_controls(rule, "; "))?;
        if !rule.policy_keys.is_empty() {
            let keys: Vec<String> = rule.policy_keys.iter().map(|k| format!("`{k}`")).collect();
            writeln!(out, "**Policy:** {}", keys.join(", "))?;
        }
    }
    Ok(())
}
