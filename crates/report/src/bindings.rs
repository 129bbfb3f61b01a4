//! Suggested `[[bind]]` entries as TOML, for a user to review and add to
//! the policy (`keyaudit suggest-bindings`).
//!
//! The text is a valid policy on its own and stays valid appended to one:
//! it holds only `[[bind]]` tables and comments. Each entry is preceded by
//! its evidence (events, first and last seen, source addresses, user
//! agents, why the key was chosen); entries without a key are commented
//! out, with `key = "?"`. Values are TOML basic strings; text in comments
//! has its control characters shown escaped, so nothing from an input can
//! end a comment and add a setting.

use std::io::{self, Write};

use keyaudit_model::{BindingSuggestion, BindingSuggestions, ValueCount};

use crate::text::{self, terminal_safe};

/// Writes the suggestions as TOML.
pub fn render(suggestions: &BindingSuggestions, mut out: impl Write) -> io::Result<()> {
    let proposed = suggestions
        .suggestions
        .iter()
        .filter(|s| s.key.is_some())
        .count();
    writeln!(out, "# Bindings suggested by keyaudit suggest-bindings.")?;
    writeln!(
        out,
        "# {} event(s) read; {} attributed to no key under the current policy.",
        suggestions.events_seen, suggestions.unattributed
    )?;
    if suggestions.events_not_clustered > 0 {
        writeln!(
            out,
            "# {} of them were not looked at (too many distinct user agents and networks).",
            suggestions.events_not_clustered
        )?;
    }
    writeln!(
        out,
        "# {proposed} binding(s) proposed, {} cluster(s) without a key (commented out).",
        suggestions.suggestions.len() - proposed
    )?;
    writeln!(
        out,
        "# Review each entry, then append the ones you keep to the policy file; this file is"
    )?;
    writeln!(
        out,
        "# also a valid policy on its own (keyaudit check-policy)."
    )?;
    for suggestion in &suggestions.suggestions {
        writeln!(out)?;
        write_entry(suggestion, &mut out)?;
    }
    out.flush()
}

fn write_entry(suggestion: &BindingSuggestion, out: &mut impl Write) -> io::Result<()> {
    let label = match (&suggestion.key, suggestion.product.as_str()) {
        (Some(key), "") => format!("\"{}\"", text::display_name(&key.key.name)),
        (None, "") => "(no user agent)".to_owned(),
        (_, product) => product.to_owned(),
    };
    comment(
        out,
        &format!(
            "{label}: {} event(s), {} to {}",
            suggestion.events,
            text::rfc3339(suggestion.first_seen),
            text::rfc3339(suggestion.last_seen)
        ),
    )?;
    if !suggestion.source_ips.is_empty() {
        comment(out, &format!("  from {}", counts(&suggestion.source_ips)))?;
    }
    if !suggestion.user_agents_seen.is_empty() {
        comment(
            out,
            &format!("  user agents: {}", counts(&suggestion.user_agents_seen)),
        )?;
    }
    match &suggestion.key {
        Some(key) => comment(
            out,
            &format!(
                "  key: {}; {}",
                text::key_label(&key.key),
                suggestion.reason
            ),
        )?,
        None => comment(out, &format!("  no key: {}", suggestion.reason))?,
    }
    if suggestion.key.is_some() && !suggestion.candidates.is_empty() {
        let others: Vec<String> = suggestion.candidates.iter().map(text::key_label).collect();
        comment(
            out,
            &format!("  also fits (not active): {}", others.join(", ")),
        )?;
    }
    let prefix = if suggestion.key.is_some() { "" } else { "# " };
    writeln!(out, "{prefix}[[bind]]")?;
    let key = suggestion
        .key
        .as_ref()
        .map_or("?", |key| key.binding_key.as_str());
    writeln!(out, "{prefix}key = {}", basic_string(key))?;
    for (name, values) in [
        ("user_agent", &suggestion.user_agent),
        ("ip", &suggestion.ip),
    ] {
        if !values.is_empty() {
            let list: Vec<String> = values.iter().map(|v| basic_string(v)).collect();
            writeln!(out, "{prefix}{name} = [{}]", list.join(", "))?;
        }
    }
    Ok(())
}

/// `# text`, with control characters shown escaped.
fn comment(out: &mut impl Write, line: &str) -> io::Result<()> {
    writeln!(out, "# {}", terminal_safe(line))
}

/// `203.0.113.7 (400), 203.0.113.8 (12)`.
fn counts(values: &[ValueCount]) -> String {
    values
        .iter()
        .map(|v| format!("{} ({})", v.value, v.count))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML basic string: `"` and `\` escaped, control characters and
/// bidirectional controls as `\uXXXX`.
///
/// ```
/// use keyaudit_report::bindings::basic_string;
///
/// assert_eq!(basic_string("Halo \"PSA\" \\ x"), r#""Halo \"PSA\" \\ x""#);
/// assert_eq!(basic_string("a\nb"), r#""a\u000Ab""#);
/// ```
pub fn basic_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || keyaudit_model::is_bidi_control(c) => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
