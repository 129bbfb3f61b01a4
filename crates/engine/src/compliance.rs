//! The compliance view: one row per framework control that any rule of the
//! catalogue references, `fail` exactly when an open finding references it.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use keyaudit_model::{ControlResult, ControlStatus, Finding, KeyRef, RuleCode};

use crate::rules;

/// Every control referenced by a catalogue rule, with the findings that
/// reference it. Sorted by framework, then control in natural order
/// (`5.3` before `5.10`, `AC-2` before `AC-2(3)` before `AC-6`).
pub(crate) fn view(findings: &[Finding]) -> Vec<ControlStatus> {
    let mut rows: BTreeMap<(&str, &str), Row<'_>> = BTreeMap::new();
    for rule in rules::all() {
        for control in rule.compliance {
            rows.entry((control.framework, control.control))
                .or_default()
                .rules
                .push(rule.code);
        }
    }
    for finding in findings {
        for reference in &finding.compliance {
            let Some(row) =
                rows.get_mut(&(reference.framework.as_str(), reference.control.as_str()))
            else {
                continue;
            };
            if finding.is_open() {
                row.open += 1;
            } else {
                row.muted += 1;
            }
            row.keys.push(&finding.key);
        }
    }
    let mut view: Vec<ControlStatus> = rows
        .into_iter()
        .map(|((framework, control), mut row)| {
            row.rules.sort();
            row.rules.dedup();
            row.keys.sort_by_cached_key(key_order);
            row.keys.dedup();
            ControlStatus {
                framework: framework.to_string(),
                control: control.to_string(),
                status: if row.open > 0 {
                    ControlResult::Fail
                } else {
                    ControlResult::Pass
                },
                rules: row.rules,
                open: row.open,
                muted: row.muted,
                keys: row.keys.into_iter().cloned().collect(),
            }
        })
        .collect();
    view.sort_by(|a, b| {
        a.framework
            .cmp(&b.framework)
            .then_with(|| natural_cmp(&a.control, &b.control))
            .then_with(|| a.control.cmp(&b.control))
    });
    view
}

#[derive(Default)]
struct Row<'f> {
    rules: Vec<RuleCode>,
    open: usize,
    muted: usize,
    keys: Vec<&'f KeyRef>,
}

/// Keys sort by name (any case), then id, then their other fields. The
/// lower-cased name is made once per key, not once per comparison.
fn key_order<'f>(key: &&'f KeyRef) -> (String, &'f str, &'f KeyRef) {
    let key: &'f KeyRef = key;
    (key.name.to_lowercase(), key.id.as_str(), key)
}

/// Compares runs of digits by value and everything else by text.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (chunks(a), chunks(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.len().cmp(&y.len())),
                    _ => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Splits text into alternating runs of ASCII digits and other characters.
fn chunks(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digit)
            .map_or(rest.len(), |(i, _)| i);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_sort_naturally() {
        let mut controls = vec![
            "AC-6(7)", "AC-2(3)", "5.10", "AC-2", "5.3", "IA-5(f)", "IA-5(7)", "7.2.5.1", "7.2.5",
            "A.8.2", "A.5.18",
        ];
        controls.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            controls,
            [
                "5.3", "5.10", "7.2.5", "7.2.5.1", "A.5.18", "A.8.2", "AC-2", "AC-2(3)", "AC-6(7)",
                "IA-5(7)", "IA-5(f)",
            ]
        );
    }
}
