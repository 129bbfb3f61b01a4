//! The auto-revocation forecast as an iCalendar file (RFC 5545), for a team
//! calendar: two all-day events per key with a revocation day, IT Glue's
//! warning day and the revocation day.
//!
//! - Each event's `UID` is made of the key's id (derived from its
//!   fingerprint, else its account and name) and the event's kind, so next
//!   month's file describes the same events: importing it updates them
//!   instead of adding copies, and a subscribed calendar moves them.
//! - `DTSTAMP` is the report's as-of time, so the same report always gives
//!   the same bytes, and a later forecast carries a later stamp (with equal
//!   `SEQUENCE`, the later `DTSTAMP` wins, RFC 5546 §2.1.5).
//! - Lines end with CRLF and are folded at 75 octets, never inside a UTF-8
//!   character; text values escape `\`, `;`, `,` and line breaks; control
//!   characters from inputs are first shown escaped (`\u{1b}`), so a key name
//!   cannot add a property.

use std::borrow::Cow;
use std::io::{self, Write};

use chrono::{NaiveDate, TimeDelta};
use keyaudit_model::{AuditReport, ForecastBasis, ForecastEntry, REVOCATION_NOTICE_DAYS};

use crate::text::{self, terminal_safe};

/// The longest line, in octets, before it is folded (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// The calendar's name, as calendar clients show it.
const CALENDAR_NAME: &str = "IT Glue API key revocations";

/// Writes the forecast as a `VCALENDAR` with two `VEVENT`s per key that has
/// a revocation day (keys without usage evidence have none and are left
/// out), in the forecast's order.
pub fn render(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut ics = Folded { out };
    ics.line("BEGIN:VCALENDAR")?;
    ics.line("VERSION:2.0")?;
    ics.line(&format!(
        "PRODID:-//keyaudit//{} {}//EN",
        escape(&report.tool.name),
        escape(&report.tool.version)
    ))?;
    ics.line("CALSCALE:GREGORIAN")?;
    ics.line("METHOD:PUBLISH")?;
    ics.line(&format!("X-WR-CALNAME:{}", escape(CALENDAR_NAME)))?;
    let stamp = report.as_of.format("%Y%m%dT%H%M%SZ").to_string();
    for entry in &report.forecast {
        let (Some(warning_on), Some(revoked_on)) = (entry.warning_on, entry.revoked_on) else {
            continue;
        };
        for kind in [Kind::Warning, Kind::Revocation] {
            let day = match kind {
                Kind::Warning => warning_on,
                Kind::Revocation => revoked_on,
            };
            ics.line("BEGIN:VEVENT")?;
            ics.line(&format!("UID:{}", escape(&uid(entry, kind))))?;
            ics.line(&format!("DTSTAMP:{stamp}"))?;
            ics.line(&format!("DTSTART;VALUE=DATE:{}", ics_date(day)))?;
            if let Some(next) = day.checked_add_signed(TimeDelta::days(1)) {
                ics.line(&format!("DTEND;VALUE=DATE:{}", ics_date(next)))?;
            }
            ics.line(&format!("SUMMARY:{}", escape(&summary(entry, kind))))?;
            ics.line(&format!(
                "DESCRIPTION:{}",
                escape(&description(report, entry, kind, revoked_on))
            ))?;
            ics.line("CATEGORIES:IT Glue,API key")?;
            ics.line("TRANSP:TRANSPARENT")?;
            ics.line("END:VEVENT")?;
        }
    }
    ics.line("END:VCALENDAR")?;
    ics.out.flush()
}

/// The two events of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// IT Glue's warning e-mail, [`REVOCATION_NOTICE_DAYS`] before.
    Warning,
    /// The revocation.
    Revocation,
}

/// `keyaudit-revocation-<key id>`: the key's identity and the event's kind,
/// whatever the as-of date.
fn uid(entry: &ForecastEntry, kind: Kind) -> String {
    let kind = match kind {
        Kind::Warning => "warning",
        Kind::Revocation => "revocation",
    };
    format!("keyaudit-{kind}-{}", entry.key.id)
}

fn summary(entry: &ForecastEntry, kind: Kind) -> String {
    let name = terminal_safe(text::display_name(&entry.key.name));
    let owner = entry
        .owner
        .as_deref()
        .map_or(Cow::Borrowed("unknown"), terminal_safe);
    match kind {
        Kind::Warning => format!(
            "IT Glue warning: API key \"{name}\" revoked in {REVOCATION_NOTICE_DAYS} days unless used (owner: {owner})"
        ),
        Kind::Revocation => {
            format!("IT Glue revokes API key \"{name}\" unless used (owner: {owner})")
        }
    }
}

fn description(
    report: &AuditReport,
    entry: &ForecastEntry,
    kind: Kind,
    revoked_on: NaiveDate,
) -> String {
    let key = terminal_safe(&text::key_label(&entry.key)).into_owned();
    let on = text::date(revoked_on);
    let mut lines = Vec::new();
    lines.push(match kind {
        Kind::Warning => format!(
            "IT Glue e-mails its warning about the API key {key} today: it revokes the key on \
             {on} if nothing uses it before then."
        ),
        Kind::Revocation => format!(
            "IT Glue revokes the API key {key} today if nothing has used it since the warning."
        ),
    });
    lines.push(match (entry.basis, entry.last_used_at) {
        (ForecastBasis::LastUse, Some(at)) => format!("Its last use: {}.", text::day_of(at)),
        _ => format!(
            "No use of it was seen since the start of the activity logs read: {on} is the \
             latest day, it may come earlier."
        ),
    });
    if let Some(account) = &entry.key.account {
        lines.push(format!("Account: {}.", terminal_safe(account)));
    }
    lines.push(format!(
        "What to do: if the integration still needs the key, make it call the IT Glue API \
         before {on} (any request resets the count). If it is no longer needed, revoke it on \
         purpose (Admin → Settings → API Keys → Revoke) and tell its owner, rather than let \
         the revocation break something."
    ));
    lines.push(format!(
        "Forecast by {} {} as of {}.",
        terminal_safe(&report.tool.name),
        terminal_safe(&report.tool.version),
        text::as_of(report.as_of)
    ));
    lines.join("\n")
}

/// `YYYYMMDD`.
fn ics_date(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` get a backslash and
/// a line break becomes `\n`; other control characters are shown escaped
/// (they are not allowed in a value).
///
/// ```
/// use keyaudit_report::ics::escape;
///
/// assert_eq!(escape("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne");
/// assert_eq!(escape("tab\there"), "tab\\\\there");
/// ```
pub fn escape(value: &str) -> String {
    let lines: Vec<String> = value
        .split('\n')
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            for c in terminal_safe(line).chars() {
                if matches!(c, '\\' | ';' | ',') {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect();
    lines.join("\\n")
}

/// Writes content lines with CRLF, folded at [`MAX_LINE_OCTETS`].
struct Folded<W: Write> {
    out: W,
}

impl<W: Write> Folded<W> {
    fn line(&mut self, line: &str) -> io::Result<()> {
        for (i, chunk) in fold(line).iter().enumerate() {
            if i > 0 {
                self.out.write_all(b" ")?;
            }
            self.out.write_all(chunk.as_bytes())?;
            self.out.write_all(b"\r\n")?;
        }
        Ok(())
    }
}

/// A content line cut into pieces that fit [`MAX_LINE_OCTETS`] once each
/// continuation gets its leading space, each cut on a character boundary.
fn fold(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
        limit = MAX_LINE_OCTETS - 1;
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let line = format!("SUMMARY:{}", "é".repeat(100));
        let pieces = fold(&line);
        assert_eq!(pieces.concat(), line);
        assert!(pieces[0].len() <= 75);
        assert!(pieces[1..].iter().all(|p| p.len() <= 74));
        assert!(pieces.len() > 2);
        assert_eq!(fold("VERSION:2.0"), ["VERSION:2.0"]);
        let exact = "x".repeat(75);
        assert_eq!(fold(&exact), [exact.as_str()]);
        let over = "x".repeat(76);
        assert_eq!(fold(&over).len(), 2);
    }
}
