//! How text from an input is shown to people: characters that could break a
//! line or a table, send escape sequences to a terminal, reorder what is
//! displayed or make a page invalid are written escaped. The table, HTML,
//! error messages and warnings all use [`display_safe`].

use std::borrow::Cow;

use chrono::{DateTime, Timelike, Utc};

/// Text with every character that [`needs_escape`] written as an escape:
/// control characters as Rust writes them (`\n`, `\t`, `\u{1b}`), others as
/// `\u{202e}`. Other text is returned unchanged.
///
/// ```
/// use keyaudit_model::display_safe;
///
/// assert_eq!(display_safe("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
/// assert_eq!(display_safe("x\u{202e}y\u{fdd0}"), "x\\u{202e}y\\u{fdd0}");
/// assert_eq!(display_safe("PSA ↔ IT Glue"), "PSA ↔ IT Glue");
/// ```
pub fn display_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_display_safe(c, &mut out);
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, escaped as [`display_safe`] does when it
/// [`needs_escape`].
pub fn push_display_safe(c: char, out: &mut String) {
    if c.is_control() {
        out.extend(c.escape_debug());
    } else if needs_escape(c) {
        out.extend(c.escape_unicode());
    } else {
        out.push(c);
    }
}

/// Control characters, bidirectional controls and noncharacters.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_noncharacter(c)
}

/// Bidirectional embedding, override and isolate controls: characters that
/// reorder how the text around them is displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Unicode noncharacters: U+FDD0 to U+FDEF, and the last two code points of
/// every plane (U+FFFE, U+FFFF, U+1FFFE, …).
pub fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{fdd0}'..='\u{fdef}') || (u32::from(c) & 0xFFFE) == 0xFFFE
}

/// An audit's as-of time for people: the date alone (`2026-11-26`) at
/// midnight UTC, else `2026-11-26 14:05:00 UTC`.
pub fn as_of_text(time: DateTime<Utc>) -> String {
    if time.num_seconds_from_midnight() == 0 && time.nanosecond() == 0 {
        time.format("%Y-%m-%d").to_string()
    } else {
        time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_bidi_and_noncharacters_only() {
        assert!(matches!(display_safe("plain"), Cow::Borrowed("plain")));
        assert_eq!(display_safe("a\tb\r\n"), "a\\tb\\r\\n");
        assert_eq!(display_safe("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(
            display_safe("a\u{fdd0}b\u{fffe}\u{10ffff}"),
            "a\\u{fdd0}b\\u{fffe}\\u{10ffff}"
        );
        assert!(matches!(
            display_safe("\u{fdcf}\u{fdf0}\u{fffd}é"),
            Cow::Borrowed(_)
        ));
    }
}
