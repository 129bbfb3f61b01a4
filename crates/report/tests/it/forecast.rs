//! The forecast view and the iCalendar file, over the shared fixture report
//! (`tests/fixtures/report.json`).

use chrono::{TimeDelta, TimeZone, Utc};
use keyaudit_model::{AuditReport, ForecastBasis};
use keyaudit_report::{Document, Format, RenderOptions, ReportView, View};

const FIXTURE: &str = include_str!("../fixtures/report.json");
const PLAIN: RenderOptions = RenderOptions {
    color: false,
    bom: false,
};

fn fixture() -> AuditReport {
    serde_json::from_str(FIXTURE).expect("the fixture is a valid AuditReport")
}

fn rendered(report: &AuditReport, format: Format, view: View) -> String {
    let mut out = Vec::new();
    ReportView { report, view }
        .render(format, &PLAIN, &mut out)
        .expect("rendering to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
}

/// The fixture with one key renamed to something hostile to every format.
fn hostile() -> AuditReport {
    let mut report = fixture();
    let entry = &mut report.forecast[0];
    entry.key.name = "Sync; a,b \\ c\nDESCRIPTION:injected <script>=cmd|' /C calc'!A0 ééééééééééééééééééééééééééééééééééééé".into();
    entry.owner = Some("Ops, \"NOC\"; night\r\nshift".into());
    report
}

/// The iCalendar content lines, unfolded (RFC 5545 §3.1).
fn unfolded(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in ics.split("\r\n") {
        match line.strip_prefix(' ') {
            Some(rest) => lines
                .last_mut()
                .expect("a continuation follows a line")
                .push_str(rest),
            None => lines.push(line.to_owned()),
        }
    }
    assert_eq!(lines.pop().as_deref(), Some(""), "the file ends with CRLF");
    lines
}

fn property<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
        .collect()
}

#[test]
fn table_forecast_snapshot() {
    insta::assert_snapshot!(rendered(&fixture(), Format::Table, View::Forecast));
}

#[test]
fn csv_forecast_snapshot() {
    insta::assert_snapshot!(rendered(&fixture(), Format::Csv, View::Forecast));
}

#[test]
fn markdown_forecast_snapshot() {
    insta::assert_snapshot!(rendered(&fixture(), Format::Markdown, View::Forecast));
}

#[test]
fn html_forecast_snapshot() {
    let html = rendered(&fixture(), Format::Html, View::Forecast);
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
    insta::assert_snapshot!(html);
}

#[test]
fn ics_snapshot() {
    insta::assert_snapshot!(rendered(&fixture(), Format::Ics, View::Findings));
}

#[test]
fn ics_has_a_warning_and_a_revocation_event_per_dated_key() {
    let report = fixture();
    let ics = rendered(&report, Format::Ics, View::Findings);
    let lines = unfolded(&ics);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    for required in ["VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
        assert!(lines.iter().any(|l| l == required), "{required} missing");
    }
    assert!(lines.iter().any(|l| l.starts_with("PRODID:-//keyaudit//")));
    let dated: Vec<_> = report
        .forecast
        .iter()
        .filter(|e| e.basis != ForecastBasis::Unknown)
        .collect();
    assert_eq!(property(&lines, "BEGIN").len(), 1 + 2 * dated.len());
    let starts = property(&lines, "DTSTART;VALUE=DATE");
    let mut expected = Vec::new();
    for entry in &dated {
        for day in [entry.warning_on.unwrap(), entry.revoked_on.unwrap()] {
            expected.push(day.format("%Y%m%d").to_string());
        }
    }
    assert_eq!(starts, expected);
    assert!(
        property(&lines, "DTSTAMP")
            .iter()
            .all(|s| *s == "20261126T000000Z")
    );
    let uids = property(&lines, "UID");
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len(), "UIDs are unique: {uids:?}");
}

#[test]
fn ics_uids_do_not_depend_on_the_as_of_date() {
    let report = fixture();
    let mut later = report.clone();
    later.as_of = Utc.with_ymd_and_hms(2026, 12, 24, 6, 30, 0).unwrap();
    for entry in &mut later.forecast {
        entry.days_left = entry.days_left.map(|d| d - 28);
    }
    let uids = |r: &AuditReport| {
        let lines = unfolded(&rendered(r, Format::Ics, View::Findings));
        property(&lines, "UID")
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&report), uids(&later));
    let later_ics = rendered(&later, Format::Ics, View::Findings);
    assert!(later_ics.contains("DTSTAMP:20261224T063000Z"));
    // A key whose revocation moves keeps its UIDs.
    let mut moved = report.clone();
    moved.forecast[0].revoked_on = moved.forecast[0]
        .revoked_on
        .map(|d| d + TimeDelta::days(30));
    assert_eq!(uids(&report), uids(&moved));
}

#[test]
fn ics_lines_end_in_crlf_and_fold_at_75_octets_on_character_boundaries() {
    let ics = rendered(&hostile(), Format::Ics, View::Findings);
    assert!(ics.ends_with("\r\n"));
    let bare_lf = ics.replace("\r\n", "").contains('\n');
    assert!(!bare_lf, "every line ends with CRLF");
    assert!(!ics.replace("\r\n", "").contains('\r'), "no stray CR");
    let mut folded = 0;
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        folded += usize::from(line.starts_with(' '));
    }
    assert!(folded > 10, "long descriptions are folded");
    // Unfolding gives back whole UTF-8 characters (the split is on &str).
    let lines = unfolded(&ics);
    assert!(lines.iter().any(|l| l.contains("éééééééééééé")));
}

#[test]
fn ics_escapes_text_so_inputs_cannot_add_properties() {
    let ics = rendered(&hostile(), Format::Ics, View::Findings);
    let lines = unfolded(&ics);
    assert!(
        !lines.iter().any(|l| l.starts_with("DESCRIPTION:injected")),
        "a key name cannot start a property"
    );
    let summary = property(&lines, "SUMMARY")[0];
    assert!(
        summary.contains(r"Sync\; a\,b \\ c\\nDESCRIPTION:injected"),
        "{summary}"
    );
    assert!(
        summary.contains(r#"(owner: Ops\, "NOC"\; night\\r\\nshift)"#),
        "{summary}"
    );
    // Every unescaped `;` or `,` would be a parameter or list separator.
    for value in property(&lines, "SUMMARY")
        .into_iter()
        .chain(property(&lines, "DESCRIPTION"))
    {
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => assert!(
                    matches!(chars.next(), Some('\\' | ';' | ',' | 'n')),
                    "bad escape in {value}"
                ),
                ';' | ',' => panic!("unescaped {c:?} in {value}"),
                c => assert!(!c.is_control(), "control character in {value:?}"),
            }
        }
    }
}

#[test]
fn ics_description_says_what_to_do() {
    let lines = unfolded(&rendered(&fixture(), Format::Ics, View::Findings));
    let descriptions = property(&lines, "DESCRIPTION");
    assert!(
        descriptions
            .iter()
            .all(|d| d.contains("revoke it on purpose")
                && d.contains("make it call the IT Glue API before"))
    );
    let summaries = property(&lines, "SUMMARY");
    assert!(
        summaries[0].contains("HaloPSA Integration")
            && summaries[0].contains("j.alvarez@acme-msp.example")
    );
    assert!(summaries[0].starts_with("IT Glue warning"));
    assert!(summaries[1].starts_with("IT Glue revokes"));
}

#[test]
fn ics_of_an_empty_forecast_is_an_empty_calendar() {
    let mut report = fixture();
    report.forecast.clear();
    let lines = unfolded(&rendered(&report, Format::Ics, View::Findings));
    assert!(property(&lines, "BEGIN") == ["VCALENDAR"]);
}

#[test]
fn forecast_views_render_hostile_text_inert() {
    let report = hostile();
    let csv = rendered(&report, Format::Csv, View::Forecast);
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let html = rendered(&report, Format::Html, View::Forecast);
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    let markdown = rendered(&report, Format::Markdown, View::Forecast);
    assert!(markdown.contains("\\<script\\>"));
    let table = rendered(&report, Format::Table, View::Forecast);
    assert!(table.contains("c\\n"), "{table}");
    assert!(
        !table.lines().any(|l| l.starts_with("DESCRIPTION")),
        "{table}"
    );
    // The report page's timeline escapes the name too.
    let page = rendered(&report, Format::Html, View::Findings);
    assert!(!page.contains("<script>"));
}

#[test]
fn forecast_rendering_is_deterministic() {
    for format in [
        Format::Table,
        Format::Csv,
        Format::Markdown,
        Format::Html,
        Format::Ics,
    ] {
        assert_eq!(
            rendered(&fixture(), format, View::Forecast),
            rendered(&fixture(), format, View::Forecast)
        );
    }
}
