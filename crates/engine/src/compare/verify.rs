//! What differs between a report and the report re-made from its inputs
//! (`keyaudit verify`).

use std::fmt;

use keyaudit_model::{AuditReport, InputFile};
use serde_json::Value;

/// An input of a report that is not what the report recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputChange<'r> {
    /// Its bytes are others now: `now` is their digest (or why they could
    /// not be read).
    Changed {
        /// The input as the report records it.
        input: &'r InputFile,
        /// `sha256:<hex>` of the bytes now, or why they cannot be read.
        now: String,
    },
    /// It was not read when the report was re-made.
    NotRead {
        /// The input as the report records it.
        input: &'r InputFile,
    },
}

impl fmt::Display for InputChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputChange::Changed { input, now } => write!(
                f,
                "{} `{}` changed: {} in the report, {now} now",
                input.kind.as_str(),
                input.path,
                input.sha256.as_deref().unwrap_or("-")
            ),
            InputChange::NotRead { input } => write!(
                f,
                "{} `{}` is in the report but was not read when re-made",
                input.kind.as_str(),
                input.path
            ),
        }
    }
}

/// The inputs of `report` whose digest in `remade` (the report made again
/// from them) is not the recorded one, in the report's order.
pub fn changed_inputs<'r>(report: &'r AuditReport, remade: &AuditReport) -> Vec<InputChange<'r>> {
    report
        .inputs
        .iter()
        .filter_map(|input| {
            let now = remade
                .inputs
                .iter()
                .find(|i| i.kind == input.kind && i.path == input.path);
            match now {
                Some(now) if now.sha256 == input.sha256 => None,
                Some(now) => Some(InputChange::Changed {
                    input,
                    now: now.sha256.clone().unwrap_or_else(|| "-".to_string()),
                }),
                None => Some(InputChange::NotRead { input }),
            }
        })
        .collect()
}

/// One leaf where a report (as JSON) and the re-made report differ.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldDifference {
    /// A value differs, or is absent (`None`) on one side.
    Value {
        /// Its path: `findings[0].severity`.
        path: String,
        /// In the report.
        report: Option<Value>,
        /// In the re-made report.
        remade: Option<Value>,
    },
    /// An array has another number of entries.
    Entries {
        /// The array's path.
        path: String,
        /// In the report.
        report: usize,
        /// In the re-made report.
        remade: usize,
    },
}

impl fmt::Display for FieldDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |value: &Option<Value>, absent: &'static str| {
            value.as_ref().map_or_else(|| absent.to_string(), show)
        };
        match self {
            FieldDifference::Value {
                path,
                report,
                remade,
            } => write!(
                f,
                "{path}: {} in the report, {} when re-made",
                side(report, "absent"),
                side(remade, "absent")
            ),
            FieldDifference::Entries {
                path,
                report,
                remade,
            } => write!(
                f,
                "{path}: {report} entries in the report, {remade} when re-made"
            ),
        }
    }
}

/// The leaves where `report` and `remade` differ: objects key by key (the
/// report's keys first, in order), arrays entry by entry.
///
/// ```
/// use keyaudit_engine::compare::field_differences;
///
/// let report = serde_json::json!({"findings": [{"severity": "high"}], "a": 1});
/// let remade = serde_json::json!({"findings": [{"severity": "medium"}], "b": 2});
/// let lines: Vec<String> = field_differences(&report, &remade)
///     .iter()
///     .map(|d| d.to_string())
///     .collect();
/// assert_eq!(
///     lines,
///     [
///         "a: 1 in the report, absent when re-made",
///         "findings[0].severity: \"high\" in the report, \"medium\" when re-made",
///         "b: absent in the report, 2 when re-made",
///     ]
/// );
/// ```
pub fn field_differences(report: &Value, remade: &Value) -> Vec<FieldDifference> {
    let mut out = Vec::new();
    walk("", report, remade, &mut out);
    out
}

fn walk(path: &str, report: &Value, remade: &Value, out: &mut Vec<FieldDifference>) {
    let at = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (report, remade) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => walk(&at(key), value, other, out),
                    None => out.push(FieldDifference::Value {
                        path: at(key),
                        report: Some(value.clone()),
                        remade: None,
                    }),
                }
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(FieldDifference::Value {
                    path: at(key),
                    report: None,
                    remade: Some(value.clone()),
                });
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), x, y, out);
            }
            if a.len() != b.len() {
                out.push(FieldDifference::Entries {
                    path: path.to_string(),
                    report: a.len(),
                    remade: b.len(),
                });
            }
        }
        _ if report == remade => {}
        _ => out.push(FieldDifference::Value {
            path: path.to_string(),
            report: Some(report.clone()),
            remade: Some(remade.clone()),
        }),
    }
}

/// A JSON value for one line: at most 80 characters.
fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 80 {
        text
    } else {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}…")
    }
}
