//! The rule [`Catalogue`] as a terminal table: one row per rule with its
//! severity, title, compliance controls and policy keys.

use std::io::{self, Write};

use comfy_table::{ColumnConstraint, Width};
use keyaudit_model::Catalogue;

use super::new_table;
use crate::RenderOptions;
use crate::text;

/// Writes one row per rule: `Rule | Severity | Title | Compliance | Policy`.
pub fn render(catalogue: &Catalogue, mut out: impl Write) -> io::Result<()> {
    let mut table = new_table(
        &RenderOptions::default(),
        ["Rule", "Severity", "Title", "Compliance", "Policy"],
    );
    for rule in &catalogue.rules {
        table.add_row([
            rule.code.as_str().to_string(),
            text::rule_severity(rule),
            rule.title.clone(),
            text::rule_controls(rule, "\n"),
            rule.policy_keys.join("\n"),
        ]);
    }
    // Controls read best on one line each ("ISO/IEC 27001:2022 A.5.16").
    if let Some(column) = table.column_mut(3) {
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(29)));
    }
    writeln!(out, "{table}")
}
