//! Parsers for the values of single cells: password access, dates, state and
//! key cells. Each takes the cell's text (already redacted) and its location.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use keyaudit_model::key_shape::{self, FINGERPRINT_FORM, MASKED_FORM};
use keyaudit_model::{KeyFingerprint, KeyState, LastUse, SourceLocation};
use regex::Regex;

use crate::IngestError;
use crate::error::{SHOW_MAX, show};

/// What a Password Access cell may hold.
pub(crate) const PASSWORD_ACCESS_EXPECTED: &str = "true, yes, y, 1, x, ✓, ✔, ☑, checked, on or enabled \
     (Password Access on); false, no, n, 0, ☐, off or disabled (off); \
     the settings page's checkbox HTML (<input type=\"checkbox\"/>, ticked when it carries `checked`); \
     or an empty cell (unknown)";

/// The date forms accepted.
const DATE_FORMS: &str = "a date such as 2024-03-31, a UTC time such as 2024-03-31 14:05 or \
     2024-03-31 14:05:09 (`T` instead of the space works too), or an RFC 3339 time such as \
     2024-03-31T14:05:09+02:00";

/// What a state cell may hold.
const STATE_EXPECTED: &str = "active, paused or revoked (an empty cell means active)";

/// Longest non-secret key cell quoted in a message.
const KEY_SHOW_MAX: usize = 40;

fn invalid(loc: &SourceLocation, value: &str, expected: impl Into<String>) -> IngestError {
    IngestError::InvalidValue {
        location: loc.clone(),
        value: show(value, SHOW_MAX),
        expected: expected.into(),
    }
}

/// Parses a Password Access cell: `Some` when it states the access, `None`
/// for an empty cell. An empty cell is unknown, never "no": a browser's text
/// copy of the settings page leaves every checkbox cell empty, ticked or not.
pub(crate) fn password_access(
    text: &str,
    loc: &SourceLocation,
) -> Result<Option<bool>, IngestError> {
    let value = text.trim();
    if let Some(checked) = checkbox_html(value) {
        return Ok(Some(checked));
    }
    match value.to_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" | "x" | "✓" | "✔" | "☑" | "checked" | "on" | "enabled" => {
            Ok(Some(true))
        }
        "false" | "no" | "n" | "0" | "☐" | "off" | "disabled" => Ok(Some(false)),
        _ => Err(invalid(loc, value, PASSWORD_ACCESS_EXPECTED)),
    }
}

/// For a cell holding an `<input …>` tag: whether it carries `checked`.
fn checkbox_html(value: &str) -> Option<bool> {
    static INPUT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)<input\b([^>]*)>").expect("the input-tag pattern is valid")
    });
    static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""[^"]*"|'[^']*'"#).expect("the quoted-value pattern is valid")
    });
    static CHECKED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[\s/])checked(?:[\s=/]|$)").expect("the checked pattern is valid")
    });
    let attributes = INPUT.captures(value)?.get(1)?.as_str();
    let attributes = QUOTED.replace_all(attributes, " ");
    Some(CHECKED.is_match(&attributes))
}

/// Parses a date or time; `None` for anything not in [`DATE_FORMS`].
fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .into_iter()
    .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
    .map(|t| t.and_utc())
}

/// Parses a creation-date cell (empty: unknown).
pub(crate) fn created(
    text: &str,
    loc: &SourceLocation,
) -> Result<Option<DateTime<Utc>>, IngestError> {
    let value = text.trim();
    if value.is_empty() {
        return Ok(None);
    }
    parse_time(value).map(Some).ok_or_else(|| {
        let never = if value.eq_ignore_ascii_case("never") {
            " (`never` is accepted in the last-used column only)"
        } else {
            ""
        };
        invalid(loc, value, format!("{DATE_FORMS}, or an empty cell{never}"))
    })
}

/// Parses a last-used cell: `never`, a date, or empty (unknown).
pub(crate) fn last_used(text: &str, loc: &SourceLocation) -> Result<LastUse, IngestError> {
    let value = text.trim();
    if value.is_empty() {
        return Ok(LastUse::Unknown);
    }
    if value.eq_ignore_ascii_case("never") {
        return Ok(LastUse::Never);
    }
    parse_time(value).map(LastUse::At).ok_or_else(|| {
        invalid(
            loc,
            value,
            format!("{DATE_FORMS}, `never`, or an empty cell (unknown)"),
        )
    })
}

/// Parses a state cell (empty: active).
pub(crate) fn state(text: &str, loc: &SourceLocation) -> Result<KeyState, IngestError> {
    let value = text.trim();
    match value.to_lowercase().as_str() {
        "" | "active" => Ok(KeyState::Active),
        "paused" => Ok(KeyState::Paused),
        "revoked" => Ok(KeyState::Revoked),
        _ => Err(invalid(loc, value, STATE_EXPECTED)),
    }
}

/// Parses a key cell (already redacted): masked key, bare fingerprint or empty.
pub(crate) fn key(text: &str, loc: &SourceLocation) -> Result<Option<KeyFingerprint>, IngestError> {
    let value = text.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(fp) = KeyFingerprint::parse(value) {
        return Ok(Some(fp));
    }
    if let Some(fp) = KeyFingerprint::parse_masked(value) {
        return Ok(Some(fp));
    }
    let found = if key_shape::may_hold_secret(value) {
        format!(
            "a value of {} characters (not shown: it may hold a secret)",
            value.chars().count()
        )
    } else {
        format!("`{}`", show(value, KEY_SHOW_MAX))
    };
    Err(IngestError::InvalidKeyCell {
        location: loc.clone(),
        found,
        expected: format!(
            "a masked key as the settings page shows it ({MASKED_FORM}), a fingerprint \
             ({FINGERPRINT_FORM}) or an empty cell"
        ),
    })
}

/// Trims a free-text cell; `None` when empty.
pub(crate) fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn loc() -> SourceLocation {
        SourceLocation::row("keys.csv", 2).with_column("X")
    }

    #[test]
    fn checkbox_html_is_ticked_only_with_checked() {
        for (html, ticked) in [
            (r#"<input type="checkbox"/>"#, false),
            (r#"<input checked="" type="checkbox"/>"#, true),
            (r#"<input type="checkbox" checked>"#, true),
            (r#"<INPUT TYPE=checkbox CHECKED/>"#, true),
            (r#"<input type="checkbox" class="unchecked">"#, false),
            (r#"<input type="checkbox" title="checked">"#, false),
        ] {
            assert_eq!(
                password_access(html, &loc()).unwrap(),
                Some(ticked),
                "{html}"
            );
        }
    }

    #[test]
    fn an_empty_password_access_cell_is_unknown_not_no() {
        for empty in ["", "  ", "\t"] {
            assert_eq!(password_access(empty, &loc()).unwrap(), None, "{empty:?}");
        }
        assert_eq!(password_access("no", &loc()).unwrap(), Some(false));
        assert_eq!(password_access("☐", &loc()).unwrap(), Some(false));
        assert_eq!(password_access(" Yes ", &loc()).unwrap(), Some(true));
        let err = password_access("maybe", &loc()).unwrap_err().to_string();
        assert!(err.contains("an empty cell (unknown)"), "{err}");
    }

    #[test]
    fn dates_in_every_form() {
        let t = |s: &str| created(s, &loc()).unwrap().unwrap();
        let noon = Utc.with_ymd_and_hms(2024, 3, 31, 12, 5, 0).unwrap();
        assert_eq!(
            t("2024-03-31"),
            Utc.with_ymd_and_hms(2024, 3, 31, 0, 0, 0).unwrap()
        );
        assert_eq!(t("2024-03-31 12:05"), noon);
        assert_eq!(t("2024-03-31T12:05"), noon);
        assert_eq!(t("2024-03-31 12:05:00"), noon);
        assert_eq!(t(" 2024-03-31T12:05:00 "), noon);
        assert_eq!(t("2024-03-31T14:05:00+02:00"), noon);
        assert_eq!(t("2024-03-31T12:05:00Z"), noon);
        assert!(created("31/03/2024", &loc()).is_err());
        assert!(
            created("never", &loc())
                .unwrap_err()
                .to_string()
                .contains("last-used column only")
        );
    }

    #[test]
    fn key_cells() {
        let fp = "ITG.45df64a0dd9df8a7a79dc4382927a045";
        for cell in [
            fp,
            "ITG.45DF64A0DD9DF8A7A79DC4382927A045.*****",
            "itg.45df64a0dd9df8a7a79dc4382927a045.…",
            " ITG.45df64a0dd9df8a7a79dc4382927a045.* ",
        ] {
            assert_eq!(key(cell, &loc()).unwrap().unwrap().as_str(), fp, "{cell}");
        }
        assert_eq!(key("  ", &loc()).unwrap(), None);
        let err = key("not a key", &loc()).unwrap_err().to_string();
        assert!(err.contains("`not a key`"), "{err}");
        let err = key("ITG.45df64a0dd9df8a7a79dc4382927a045.abc", &loc())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("abc"), "{err}");
    }
}
