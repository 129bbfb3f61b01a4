//! The policy's second pass: the raw tables of [`schema`](super::schema)
//! become a [`ValidPolicy`], or more errors.
//!
//! Here live the rules that a value's type cannot say: thresholds in order,
//! a pattern that compiles, a rule code the catalogue knows, a mute naming a
//! key or a finding (not both), a binding with a condition, addresses that
//! parse. A setting the file does not write takes its default, from the
//! policy `keyaudit init` writes. Every error is reported: validation goes
//! on past a mistake and only the caller decides, from all of them, to fail.

use std::ops::Range;

use toml::Spanned;

use super::schema::{
    Field, RawAllowance, RawBinding, RawIdle, RawMute, RawNaming, RawPasswordAccess, RawPolicy,
    RawRotation, Table, known_rule, valid_rules,
};
use super::walker::Walker;
use super::{
    Binding, IdlePolicy, IpPattern, MuteTarget, NamingPattern, NamingPolicy, PasswordAccessPolicy,
    PasswordAllowance, PolicyLine, PolicyMute, RotationPolicy, ValidPolicy,
};
use crate::error::PolicyErrorKind;
use crate::naming;

impl RawPolicy {
    /// Validates the raw policy; a setting not written takes its value in
    /// `defaults`. Without defaults (when reading the defaults themselves)
    /// every setting that has no empty value must be written.
    ///
    /// Returns the settings (with no source, digest or exposures) when no
    /// error was found in this pass; errors are reported to `w`.
    pub(crate) fn validate(
        self,
        w: &mut Walker<'_>,
        defaults: Option<&ValidPolicy>,
    ) -> Option<ValidPolicy> {
        let idle = validate_idle(w, table(self.idle), defaults.map(|d| &d.idle));
        let naming = validate_naming(w, table(self.naming), defaults.map(|d| &d.naming));
        let rotation = validate_rotation(w, table(self.rotation), defaults.map(|d| &d.rotation));
        let (_, password_access) = table(self.password_access);
        let allow = password_access
            .and_then(|raw: RawPasswordAccess| raw.allow)
            .map(|field| entries(w, field, validate_allowance));
        let bindings = self.bind.map(|field| entries(w, field, validate_binding));
        let mutes = self.mute.map(|field| entries(w, field, validate_mute));
        let mut severity = defaults.map(|d| d.severity.clone()).unwrap_or_default();
        if let Some(written) = self.severity.and_then(|field| field.value) {
            severity.extend(written);
        }
        Some(ValidPolicy {
            source: None,
            content: None,
            idle: idle?,
            naming: naming?,
            rotation: rotation?,
            password_access: PasswordAccessPolicy {
                allow: written_or_default(allow, defaults.map(|d| &d.password_access.allow))?,
            },
            mutes: written_or_default(mutes, defaults.map(|d| &d.mutes))?,
            severity,
            bindings: written_or_default(bindings, defaults.map(|d| &d.bindings))?,
            exposures: Vec::new(),
        })
    }
}

/// A table as written: its place (the start of the file when it is not
/// written) and its fields (none when it is not written or is not a table,
/// which was reported).
fn table<T>(field: Option<Field<T>>) -> (Range<usize>, Option<T>) {
    match field {
        Some(field) => (field.at, field.value),
        None => (0..0, None),
    }
}

/// The value a list setting is in force with: the entries written (`None`
/// when one of them is invalid), else the default's, else none.
fn written_or_default<T: Clone>(
    written: Option<Option<Vec<T>>>,
    default: Option<&Vec<T>>,
) -> Option<Vec<T>> {
    match written {
        Some(entries) => entries,
        None => Some(default.cloned().unwrap_or_default()),
    }
}

/// Validates every entry of an array of tables; `None` when any is invalid
/// or the array itself did not read.
fn entries<T: Table, V>(
    w: &mut Walker<'_>,
    field: Field<Vec<Spanned<T>>>,
    validate: fn(&mut Walker<'_>, T, PolicyLine, &Range<usize>) -> Option<V>,
) -> Option<Vec<V>> {
    let mut valid = Some(Vec::new());
    for entry in field.value? {
        let span = entry.span();
        let line = PolicyLine::at(w.line_column(span.start).0);
        let entry = validate(w, entry.into_inner(), line, &span);
        match (&mut valid, entry) {
            (Some(valid), Some(entry)) => valid.push(entry),
            _ => valid = None,
        }
    }
    valid
}

/// The value a setting is in force with: as written (`Some(None)`: written
/// but did not read), else the default. Without a default, a setting not
/// written is reported missing at `span`, its table's place.
fn setting<T>(
    w: &mut Walker<'_>,
    written: Option<Option<T>>,
    default: Option<T>,
    name: &str,
    label: &str,
    span: &Range<usize>,
) -> Option<T> {
    match written {
        Some(value) => value,
        None => {
            if default.is_none() {
                w.missing(span.clone(), name, label);
            }
            default
        }
    }
}

fn validate_idle(
    w: &mut Walker<'_>,
    (span, raw): (Range<usize>, Option<RawIdle>),
    defaults: Option<&IdlePolicy>,
) -> Option<IdlePolicy> {
    let raw = raw.unwrap_or_default();
    // (name, where it is written, the value in force)
    let mut value = |name, field: &Option<Field<i64>>, default: fn(&IdlePolicy) -> i64| {
        let written = field.as_ref().map(|f| f.value);
        let value = setting(
            w,
            written,
            defaults.map(default),
            name,
            RawIdle::LABEL,
            &span,
        );
        (name, field.as_ref().map(|f| f.at.clone()), value)
    };
    let thresholds = [
        value("warn_after_days", &raw.warn_after_days, |d| {
            d.warn_after_days
        }),
        value("high_after_days", &raw.high_after_days, |d| {
            d.high_after_days
        }),
        value("revoke_after_days", &raw.revoke_after_days, |d| {
            d.revoke_after_days
        }),
    ];
    let (_, _, grace) = value("never_used_grace_days", &raw.never_used_grace_days, |d| {
        d.never_used_grace_days
    });
    // A threshold that did not read was reported: it is not compared.
    for pair in thresholds.windows(2) {
        let [
            (low_name, low_at, Some(low)),
            (high_name, high_at, Some(high)),
        ] = pair
        else {
            continue;
        };
        // Point at the value written (the later one when both are); two
        // defaults out of order are not the file's mistake.
        let Some(at) = high_at.clone().or_else(|| low_at.clone()) else {
            continue;
        };
        if low <= high {
            continue;
        }
        let tag = |at: &Option<_>| if at.is_some() { "" } else { ", the default" };
        w.error(
            at,
            PolicyErrorKind::InvalidValue,
            format!(
                "`{low_name}` ({low}{}) must not be greater than `{high_name}` ({high}{}); \
                 [idle] needs warn_after_days <= high_after_days <= revoke_after_days",
                tag(low_at),
                tag(high_at),
            ),
        );
    }
    let [(_, _, warn), (_, _, high), (_, _, revoke)] = thresholds;
    Some(IdlePolicy {
        warn_after_days: warn?,
        high_after_days: high?,
        revoke_after_days: revoke?,
        never_used_grace_days: grace?,
    })
}

fn validate_naming(
    w: &mut Walker<'_>,
    (span, raw): (Range<usize>, Option<RawNaming>),
    defaults: Option<&NamingPolicy>,
) -> Option<NamingPolicy> {
    let raw = raw.unwrap_or_default();
    let generic_names = match &raw.generic_names {
        Some(field) => field.value.as_ref().map(|names| {
            names
                .iter()
                .filter(|name| {
                    let blank = naming::normalise_generic(name.get_ref()).is_empty();
                    if blank {
                        w.error(
                            name.span(),
                            PolicyErrorKind::InvalidValue,
                            format!(
                                "`generic_names` entry {:?} is empty once digits and punctuation are removed",
                                name.get_ref()
                            ),
                        );
                    }
                    !blank
                })
                .map(|name| name.get_ref().clone())
                .collect()
        }),
        None => Some(defaults.map(|d| d.generic_names.clone()).unwrap_or_default()),
    };
    let min_length = setting(
        w,
        raw.min_length
            .map(|f| f.value.map(|n| usize::try_from(n).unwrap_or(usize::MAX))),
        defaults.map(|d| d.min_length),
        "min_length",
        RawNaming::LABEL,
        &span,
    );
    let pattern = match &raw.pattern {
        Some(field) => field
            .value
            .as_ref()
            .and_then(|pattern| match NamingPattern::new(pattern) {
                Ok(compiled) => Some(Some(compiled)),
                Err(error) => {
                    w.error(
                        field.at.clone(),
                        PolicyErrorKind::InvalidValue,
                        format!(
                            "`pattern` is not a valid regular expression: {}",
                            regex_error(&error, pattern)
                        ),
                    );
                    None
                }
            }),
        None => Some(defaults.and_then(|d| d.pattern.clone())),
    };
    Some(NamingPolicy {
        generic_names: generic_names?,
        min_length: min_length?,
        pattern: pattern?,
    })
}

/// A regex error on one line: the `regex` crate's message, and where in the
/// pattern it is when the crate points at a place of a one-line pattern.
fn regex_error(error: &regex::Error, pattern: &str) -> String {
    let regex::Error::Syntax(text) = error else {
        return error.to_string().trim_end_matches('.').to_string();
    };
    let lines: Vec<&str> = text.lines().collect();
    let message = lines
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
        .unwrap_or(text.as_str())
        .trim();
    // `regex parse error:`, the pattern indented by 4, a caret line (in
    // characters), the message.
    let position = match lines.as_slice() {
        [_, _, carets, _] if !pattern.contains('\n') => carets
            .find('^')
            .and_then(|at| at.checked_sub(4))
            .filter(|&at| at < pattern.chars().count())
            .map(|at| at + 1),
        _ => None,
    };
    match position {
        Some(at) => format!("{message} (at character {at} of the pattern)"),
        None => message.to_string(),
    }
}

fn validate_rotation(
    w: &mut Walker<'_>,
    (span, raw): (Range<usize>, Option<RawRotation>),
    defaults: Option<&RotationPolicy>,
) -> Option<RotationPolicy> {
    let max_age_days = setting(
        w,
        raw.unwrap_or_default().max_age_days.map(|f| f.value),
        defaults.map(|d| d.max_age_days),
        "max_age_days",
        RawRotation::LABEL,
        &span,
    );
    Some(RotationPolicy {
        max_age_days: max_age_days?,
    })
}

/// The value of a field that read, trimmed; `None` when it is missing or
/// did not read (both reported).
fn trimmed(field: Option<Field<String>>) -> Option<String> {
    field?.value.map(|value| value.trim().to_string())
}

/// An optional date: `Some(None)` when not written, `None` when it did not read.
fn optional<T>(field: Option<Field<T>>) -> Option<Option<T>> {
    match field {
        Some(field) => field.value.map(Some),
        None => Some(None),
    }
}

fn validate_allowance(
    _: &mut Walker<'_>,
    raw: RawAllowance,
    line: PolicyLine,
    _: &Range<usize>,
) -> Option<PasswordAllowance> {
    let key = trimmed(raw.key);
    let reason = trimmed(raw.reason);
    let expires = optional(raw.expires);
    Some(PasswordAllowance {
        key: key?,
        reason: reason?,
        expires: expires?,
        line,
    })
}

fn validate_mute(
    w: &mut Walker<'_>,
    raw: RawMute,
    line: PolicyLine,
    span: &Range<usize>,
) -> Option<PolicyMute> {
    let label = RawMute::LABEL;
    let rule = raw.rule.and_then(|field| {
        let written = field.value?;
        let code = known_rule(written.trim());
        if code.is_none() {
            w.error(
                field.at,
                PolicyErrorKind::InvalidValue,
                format!(
                    "unknown rule `{written}` in {label}; valid rules: {}",
                    valid_rules()
                ),
            );
        }
        code
    });
    let target = match (raw.key, raw.finding) {
        (Some(key), None) => key.value.map(|k| MuteTarget::Key(k.trim().into())),
        (None, Some(id)) => id
            .value
            .map(|id| MuteTarget::Finding(id.trim().to_ascii_lowercase())),
        (Some(key), Some(finding)) => {
            // Point at whichever of the two comes later in the file.
            let at = if key.key.start > finding.key.start {
                key.key
            } else {
                finding.key
            };
            w.error(
                at,
                PolicyErrorKind::InvalidValue,
                format!("{label} takes `key` or `finding`, not both"),
            );
            None
        }
        (None, None) => {
            w.error(
                span.clone(),
                PolicyErrorKind::MissingKey,
                format!("`key` or `finding` is required in {label}"),
            );
            None
        }
    };
    let reason = trimmed(raw.reason);
    let expires = optional(raw.expires);
    Some(PolicyMute {
        rule: rule?,
        target: target?,
        reason: reason?,
        expires: expires?,
        line,
    })
}

fn validate_binding(
    w: &mut Walker<'_>,
    raw: RawBinding,
    line: PolicyLine,
    span: &Range<usize>,
) -> Option<Binding> {
    let label = RawBinding::LABEL;
    let conditions = RawBinding::KEYS.iter().filter(|key| **key != "key");
    let written = [&raw.user_agent, &raw.ip, &raw.user_id, &raw.actor];
    let mut ok = true;
    if written.iter().all(|field| field.is_none()) {
        w.error(
            span.clone(),
            PolicyErrorKind::MissingKey,
            format!(
                "{label} needs at least one of {}, to say which events belong to the key",
                conditions
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        ok = false;
    }
    // A list as written (`Some(vec![])` when not written), `None` when an
    // entry is not a non-empty string (reported).
    let mut list = |field: Option<Field<Vec<Spanned<String>>>>| match field {
        Some(field) => {
            let values = field.value;
            ok &= values.is_some();
            values.unwrap_or_default()
        }
        None => Vec::new(),
    };
    let user_agent = list(raw.user_agent);
    let ip_written = list(raw.ip);
    let user_id = list(raw.user_id);
    let actor = list(raw.actor);
    let mut ip = Vec::with_capacity(ip_written.len());
    for entry in ip_written {
        match entry.get_ref().parse::<IpPattern>() {
            Ok(pattern) => ip.push(pattern),
            Err(why) => {
                w.error(
                    entry.span(),
                    PolicyErrorKind::InvalidValue,
                    format!("`ip` entry {:?} {why}", entry.get_ref()),
                );
                ok = false;
            }
        }
    }
    let strings = |values: Vec<Spanned<String>>, trim: bool| -> Vec<String> {
        values
            .into_iter()
            .map(|v| {
                let v = v.into_inner();
                if trim { v.trim().to_string() } else { v }
            })
            .collect()
    };
    let key = trimmed(raw.key);
    if !ok {
        return None;
    }
    Some(Binding {
        key: key?,
        user_agent: strings(user_agent, false),
        ip,
        user_id: strings(user_id, true),
        actor: strings(actor, true),
        line,
    })
}
