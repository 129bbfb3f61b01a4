//! Usage evidence: every format, the window rules, partial fetches, time
//! zones, errors with their exact place, secrets, and streaming.

// `IngestError` is large by design (see the crate root).
#![allow(clippy::result_large_err)]

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use keyaudit_ingest::{
    IngestError, Tz, UsageOptions, UsageRead, parse_timezone, parse_usage_window, read_usage,
    read_usage_file,
};
use keyaudit_model::{SourceLocation, UsageEvent, WindowOrigin};
use proptest::prelude::*;

const HEX: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SECRET: &str = "S3cr3tV4lu3XyZq9Wm2Kp7Rt";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/usage")
        .join(name)
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// An event with every borrowed field made owned, to keep after the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owned {
    id: Option<String>,
    at: DateTime<Utc>,
    user_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    resource_type: Option<String>,
    resource_name: Option<String>,
    organization: Option<String>,
    ip: Option<String>,
    agent: Option<String>,
    password: bool,
}

fn own(e: &UsageEvent<'_>) -> Owned {
    let s = |v: &Option<std::borrow::Cow<'_, str>>| v.as_deref().map(str::to_string);
    Owned {
        id: s(&e.id),
        at: e.created_at,
        user_id: s(&e.user_id),
        actor: s(&e.actor),
        action: s(&e.action),
        resource_type: s(&e.resource_type),
        resource_name: s(&e.resource_name),
        organization: s(&e.organization),
        ip: s(&e.ip_address),
        agent: s(&e.user_agent),
        password: e.is_password_event(),
    }
}

fn read_with(
    name: &str,
    text: &[u8],
    options: &UsageOptions,
) -> Result<(UsageRead, Vec<Owned>), IngestError> {
    let mut events = Vec::new();
    let read = read_usage(name, text, options, |e| events.push(own(e)))?;
    Ok((read, events))
}

fn parse(name: &str, text: &[u8]) -> (UsageRead, Vec<Owned>) {
    read_with(name, text, &UsageOptions::default()).unwrap()
}

fn error_with(name: &str, text: &[u8], options: &UsageOptions) -> String {
    let err = read_with(name, text, options).expect_err("the input is invalid");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(message.starts_with(name), "names the file first: {message}");
    message
}

fn error(name: &str, text: &[u8]) -> String {
    error_with(name, text, &UsageOptions::default())
}

fn file_events(name: &str, options: &UsageOptions) -> (UsageRead, Vec<Owned>) {
    let mut events = Vec::new();
    let read = read_usage_file(&fixture(name), options, |e| events.push(own(e))).unwrap();
    (read, events)
}

fn partial() -> UsageOptions {
    UsageOptions {
        allow_partial: true,
        ..UsageOptions::default()
    }
}

fn header(complete: bool, events: u64) -> String {
    format!(
        r#"{{"schema":"keyaudit.usage/v1","source":"itglue-api","base_url":"https://api.itglue.com","window":{{"start":"2024-03-01T00:00:00Z","end":"2024-03-08T00:00:00Z"}},"complete":{complete},"events":{events}}}"#
    )
}

fn log_line(id: u64, at: &str, agent: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"logs","attributes":{{"created-at":"{at}","level":"info","user-id":4410,"action":"show","resource-type":"Password","ip-address":"20.84.12.7","user-agent":"{agent}"}}}}"#
    )
}

// ---------------------------------------------------------------- formats

#[test]
fn jsonapi_page() {
    let (read, events) = file_events("logs-page.json", &UsageOptions::default());
    let source = &read.source;
    assert!(source.path.ends_with("logs-page.json"));
    assert_eq!(source.format, "jsonapi");
    assert_eq!(source.events, 20);
    assert_eq!(events.len(), 20);
    assert_eq!(source.origin, WindowOrigin::Inferred);
    assert_eq!(source.start, Some(utc(2024, 3, 4, 10, 22, 31)));
    assert_eq!(source.end, Some(utc(2024, 3, 12, 18, 47, 26)));
    assert!(source.complete);
    assert!(read.exposures.is_empty());
    assert_eq!(
        events[0],
        Owned {
            id: Some("88412000".into()),
            at: utc(2024, 3, 4, 10, 22, 31),
            user_id: Some("4410".into()),
            actor: None,
            action: Some("show".into()),
            resource_type: Some("Organization".into()),
            resource_name: Some("Contoso Dental".into()),
            organization: Some("2165541".into()),
            ip: Some("20.84.12.7".into()),
            agent: Some("HaloPSA/2.1 (+https://halopsa.com)".into()),
            password: false,
        }
    );
    let agents: std::collections::BTreeSet<_> =
        events.iter().filter_map(|e| e.agent.clone()).collect();
    assert_eq!(
        agents.into_iter().collect::<Vec<_>>(),
        [
            "BrightGauge-Connector/5.0",
            "HaloPSA/2.1 (+https://halopsa.com)",
            "Rewst/1.0",
            "python-requests/2.31.0"
        ]
    );
    assert_eq!(events.iter().filter(|e| e.password).count(), 6);
}

#[test]
fn array_of_resources_and_missing_optional_attributes() {
    let text = br#"  [
        {"id": 7, "type": "logs", "attributes": {"created-at": "2024-03-04T10:22:31Z", "ip-city": "Oslo", "level": "info"}},
        {"attributes": {"created-at": "2024-03-05T00:00:00.5+01:00", "user-agent": null, "action": "", "resource-type": "Password"}, "links": {"self": "x"}}
    ]"#;
    let (read, events) = parse("logs.json", text);
    assert_eq!(read.source.format, "jsonapi");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].id.as_deref(), Some("7"));
    assert_eq!(events[0].agent, None);
    assert_eq!(events[0].user_id, None);
    assert_eq!(events[1].id, None);
    assert_eq!(events[1].action, None, "an empty string is absent");
    assert_eq!(
        events[1].at,
        utc(2024, 3, 4, 23, 0, 0) + chrono::TimeDelta::milliseconds(500)
    );
    assert!(events[1].password);
}

#[test]
fn jsonl_from_fetch_usage() {
    let (read, events) = file_events("fetch.jsonl", &UsageOptions::default());
    let source = &read.source;
    assert_eq!(source.format, "jsonl");
    assert_eq!(source.events, 20);
    assert_eq!(source.origin, WindowOrigin::Declared);
    assert_eq!(source.start, Some(utc(2024, 3, 4, 0, 0, 0)));
    assert_eq!(source.end, Some(utc(2024, 3, 13, 0, 0, 0)));
    assert!(source.complete);
    assert_eq!(read.outside_window, 0);
    // The same events as the JSON:API page they were fetched as.
    let (_, page) = file_events("logs-page.json", &UsageOptions::default());
    assert_eq!(events, page);
}

#[test]
fn activity_export_in_new_york_time() {
    let options = UsageOptions {
        timezone: parse_timezone("America/New_York").unwrap(),
        ..UsageOptions::default()
    };
    let (read, events) = file_events("activity-export.csv", &options);
    assert_eq!(read.source.format, "csv");
    assert_eq!(read.source.events, 12);
    assert_eq!(read.source.origin, WindowOrigin::Inferred);
    assert_eq!(read.source.start, Some(utc(2024, 3, 4, 10, 22, 0)));
    assert_eq!(read.source.end, Some(utc(2024, 3, 12, 18, 47, 0)));
    let dana = &events[4];
    assert_eq!(dana.actor.as_deref(), Some("Dana Whitfield"));
    assert_eq!(dana.resource_name.as_deref(), Some("Wi-Fi guest, lobby"));
    assert_eq!(dana.organization.as_deref(), Some("Fabrikam Legal"));
    assert_eq!(dana.ip.as_deref(), Some("198.51.100.23"));
    assert!(
        dana.agent
            .as_deref()
            .unwrap()
            .contains("(KHTML, like Gecko)")
    );
    assert_eq!(dana.user_id, None);
    assert_eq!(dana.id, None);
    // Across the spring-forward switch: 01:58 EST and 03:01 EDT are 3 minutes apart.
    assert_eq!(events[8].at, utc(2024, 3, 10, 6, 58, 0));
    assert_eq!(events[9].at, utc(2024, 3, 10, 7, 1, 0));
}

#[test]
fn activity_export_with_other_headers_in_berlin_time() {
    let options = UsageOptions {
        timezone: parse_timezone("Europe/Berlin").unwrap(),
        ..UsageOptions::default()
    };
    let (read, events) = file_events("activity-export-iso.csv", &options);
    assert_eq!(read.source.format, "csv");
    assert_eq!(read.source.events, 12);
    assert_eq!(read.source.start, Some(utc(2024, 3, 4, 10, 22, 31)));
    assert_eq!(events[0].actor.as_deref(), Some("HaloPSA Integration"));
    assert_eq!(events[0].user_id.as_deref(), Some("4410"));
    assert_eq!(events[0].resource_name.as_deref(), Some("Contoso Dental"));
    assert_eq!(events[0].resource_type.as_deref(), Some("Organization"));
    // Same instants as the New York export, to the minute.
    let ny = UsageOptions {
        timezone: Tz::America__New_York,
        ..UsageOptions::default()
    };
    let (_, us) = file_events("activity-export.csv", &ny);
    let minutes = |e: &Owned| e.at.timestamp() / 60;
    assert_eq!(
        events.iter().map(minutes).collect::<Vec<_>>(),
        us.iter().map(minutes).collect::<Vec<_>>()
    );
}

#[test]
fn header_aliases_and_delimiters() {
    for text in [
        "Created At\tUser Name\tResource\tUser Agent\n2024-03-04T10:22:31\tHalo\tCD-FS01\tHaloPSA/2.1\n",
        "timestamp;member;resource_name;USER-AGENT\n2024-03-04 10:22:31;Halo;CD-FS01;HaloPSA/2.1\n",
        "\u{feff}\n\nDate/Time,User,Resource Name,User Agent\n03/04/2024 10:22:31 AM,Halo,CD-FS01,HaloPSA/2.1\n",
    ] {
        let (read, events) = parse("export.csv", text.as_bytes());
        assert_eq!(read.source.format, "csv", "{text}");
        assert_eq!(events.len(), 1, "{text}");
        assert_eq!(events[0].at, utc(2024, 3, 4, 10, 22, 31), "{text}");
        assert_eq!(events[0].actor.as_deref(), Some("Halo"), "{text}");
        assert_eq!(events[0].resource_name.as_deref(), Some("CD-FS01"));
        assert_eq!(events[0].agent.as_deref(), Some("HaloPSA/2.1"));
    }
}

#[test]
fn blank_rows_and_short_rows() {
    let text =
        b"Date,User,Action\n\n03/04/2024 10:22 AM,Halo\n,,\n03/04/2024 10:23 AM,,show,extra\n";
    let (_, events) = parse("export.csv", text);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].action, None);
    assert_eq!(events[1].actor, None);
    assert_eq!(events[1].action.as_deref(), Some("show"));
}

// ---------------------------------------------------------------- windows

#[test]
fn window_is_declared_then_given_then_inferred() {
    let given = parse_usage_window("2024-03-01..2024-03-31").unwrap();
    let with_window = UsageOptions {
        window: Some(given),
        ..UsageOptions::default()
    };
    // The JSONL header wins over --usage-window.
    let (read, _) = file_events("fetch.jsonl", &with_window);
    assert_eq!(read.source.origin, WindowOrigin::Declared);
    assert_eq!(read.source.start, Some(utc(2024, 3, 4, 0, 0, 0)));
    // Else the given window.
    for name in ["logs-page.json", "activity-export.csv"] {
        let (read, _) = file_events(name, &with_window);
        assert_eq!(read.source.origin, WindowOrigin::Given, "{name}");
        assert_eq!(read.source.start, Some(given.0));
        assert_eq!(read.source.end, Some(given.1));
        assert_eq!(read.outside_window, 0);
    }
    // Else inferred; none at all without events.
    let (read, events) = parse("export.csv", b"Date,User\n");
    assert!(events.is_empty());
    assert_eq!(read.source.origin, WindowOrigin::Inferred);
    assert_eq!((read.source.start, read.source.end), (None, None));
    assert_eq!(read.source.events, 0);
}

#[test]
fn events_outside_the_window_are_passed_on_and_counted() {
    let text = format!(
        "{}\n{}\n{}\n{}\n",
        header(true, 3),
        log_line(1, "2024-02-29T23:59:59Z", "Rewst/1.0"),
        log_line(2, "2024-03-02T10:00:00Z", "Rewst/1.0"),
        log_line(3, "2024-03-09T10:00:00Z", "Rewst/1.0"),
    );
    let (read, events) = parse("fetch.jsonl", text.as_bytes());
    assert_eq!(events.len(), 3);
    assert_eq!(read.outside_window, 2);
    let options = UsageOptions {
        window: Some(parse_usage_window("2024-03-04..2024-03-05").unwrap()),
        ..UsageOptions::default()
    };
    let (read, events) = file_events("activity-export.csv", &options);
    assert_eq!(events.len(), 12);
    // Read in UTC: the six events of March 4 and 5 are inside.
    assert_eq!(read.outside_window, 6);
}

// ---------------------------------------------------------------- partial fetches

#[test]
fn incomplete_fetch_is_refused_unless_partial_is_allowed() {
    let text = format!(
        "{}\n{}\n",
        header(false, 1),
        log_line(1, "2024-03-02T10:00:00Z", "Rewst/1.0")
    );
    let m = error("fetch.jsonl", text.as_bytes());
    assert_eq!(
        m,
        "fetch.jsonl:1, column \"complete\": found `false`: the header says the fetch was incomplete; \
         expected a complete fetch — re-run fetch-usage or pass allow-partial option \
         (the report then says the evidence is partial)"
    );
    let (read, events) = read_with("fetch.jsonl", text.as_bytes(), &partial()).unwrap();
    assert_eq!(events.len(), 1);
    assert!(!read.source.complete);
    assert_eq!(read.source.origin, WindowOrigin::Declared);
}

#[test]
fn count_mismatch() {
    let mut text = header(true, 12000);
    text.push('\n');
    for i in 0..3 {
        text.push_str(&log_line(i, "2024-03-02T10:00:00Z", "Rewst/1.0"));
        text.push('\n');
    }
    let m = error("fetch.jsonl", text.as_bytes());
    assert_eq!(
        m,
        "fetch.jsonl: header says 12000 events, file holds 3; the fetch was incomplete \
         — re-run fetch-usage or pass allow-partial option"
    );
    let (read, events) = read_with("fetch.jsonl", text.as_bytes(), &partial()).unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(read.source.events, 3);
    assert!(!read.source.complete);
}

#[test]
fn truncated_jsonl() {
    let line = log_line(2, "2024-03-02T10:00:00Z", "Rewst/1.0");
    let text = format!(
        "{}\n{}\n{}",
        header(true, 2),
        log_line(1, "2024-03-02T10:00:00Z", "Rewst/1.0"),
        &line[..70]
    );
    let m = error("fetch.jsonl", text.as_bytes());
    assert!(
        m.starts_with(
            "fetch.jsonl:3: found a last line without a newline that is not valid JSON \
             (EOF while parsing a string at column 70); the file looks truncated"
        ),
        "{m}"
    );
    assert!(m.contains("pass allow-partial option to read"), "{m}");
    let (read, events) = read_with("fetch.jsonl", text.as_bytes(), &partial()).unwrap();
    assert_eq!(events.len(), 1);
    assert!(!read.source.complete);
    // A complete last line without a newline is fine.
    let text = format!("{}\n{line}", header(true, 1));
    let (read, _) = parse("fetch.jsonl", text.as_bytes());
    assert!(read.source.complete);
    assert_eq!(read.source.events, 1);
}

// ---------------------------------------------------------------- errors

#[test]
fn malformed_jsonl_line() {
    let text = format!(
        "{}\n\n{}\n{{\"id\": \"2\", \"attributes\": {{\"created-at\" \"x\"}}}}\n",
        header(true, 2),
        log_line(1, "2024-03-02T10:00:00Z", "Rewst/1.0")
    );
    let m = error("fetch.jsonl", text.as_bytes());
    assert!(
        m.starts_with("fetch.jsonl:4: invalid JSON at column 41 (expected `:`)"),
        "{m}"
    );
    let text = format!(
        "{}\n{{\"attributes\": {{\"created-at\": \"2024-03-02T10:00:00Z\", \"user-agent\": {{}}}}}}\n",
        header(true, 1)
    );
    let m = error("fetch.jsonl", text.as_bytes());
    assert!(
        m.starts_with(
            "fetch.jsonl:2: unexpected JSON value at column 70 \
             (invalid type: map, expected a string, a number or null)"
        ),
        "{m}"
    );
}

#[test]
fn jsonl_header_problems() {
    let m = error(
        "fetch.jsonl",
        br#"{"schema":"keyaudit.usage/v2","window":{"start":"2024-03-01T00:00:00Z","end":"2024-03-08T00:00:00Z"},"complete":true,"events":0}"#,
    );
    assert!(
        m.starts_with(
            "fetch.jsonl:1, column \"schema\": found `keyaudit.usage/v2`; expected keyaudit.usage/v1"
        ),
        "{m}"
    );
    let m = error(
        "fetch.jsonl",
        br#"{"schema":"keyaudit.usage/v1","window":{"start":"2024-03-08T00:00:00Z","end":"2024-03-01"},"complete":true,"events":0}"#,
    );
    assert!(
        m.starts_with(
            "fetch.jsonl:1, column \"window.end\": found `2024-03-01`; expected an RFC 3339 time"
        ),
        "{m}"
    );
    let m = error(
        "fetch.jsonl",
        br#"{"schema":"keyaudit.usage/v1","complete":true,"events":0}"#,
    );
    assert!(
        m.starts_with("fetch.jsonl:1, column \"window\": found no window; expected"),
        "{m}"
    );
    let m = error(
        "fetch.jsonl",
        b"\n{\"schema\":\"keyaudit.usage/v1\",\"window\":{\"start\":\"2024-03-01T00:00:00Z\",\"end\":\"2024-03-08T00:00:00Z\"},\"complete\":\"yes\",\"events\":0}",
    );
    assert!(
        m.starts_with("fetch.jsonl:2, column \"complete\": found `yes`; expected true or false"),
        "{m}"
    );
}

#[test]
fn bad_timestamps_name_their_place() {
    let m = error(
        "export.csv",
        b"Date,User\n03/04/2024 10:22 AM,Halo\n13/45/2024 10:00 AM,Halo\n",
    );
    assert!(
        m.starts_with(
            "export.csv:3, column \"Date\": found `13/45/2024 10:00 AM`; \
             expected a time such as 03/14/2024 02:05 PM"
        ),
        "{m}"
    );
    assert!(m.contains("read in UTC; set time-zone option)"), "{m}");
    let m = error("export.csv", b"Date,User\n\n ,Halo\n");
    assert!(
        m.starts_with("export.csv:2, column \"Date\": found no time (the cell is empty)"),
        "{m}"
    );
    let text = format!(
        "{}\n{}\n",
        header(true, 1),
        log_line(1, "yesterday", "Rewst/1.0")
    );
    let m = error("fetch.jsonl", text.as_bytes());
    assert!(
        m.starts_with(
            "fetch.jsonl:2, column \"attributes.created-at\": found `yesterday`; expected"
        ),
        "{m}"
    );
    let m = error(
        "logs.json",
        br#"{"data": [{"attributes": {"created-at": "2024-03-04T10:22:31Z"}}, {"type": "logs", "attributes": {"action": "show"}}]}"#,
    );
    assert!(
        m.starts_with(
            "logs.json:2, column \"attributes.created-at\": found no created-at; expected the event's time"
        ),
        "{m}"
    );
}

#[test]
fn missing_and_duplicate_time_columns() {
    let m = error("export.csv", b"When,User,Action\n2024-03-04,Halo,show\n");
    assert_eq!(
        m,
        "export.csv:1: found headers \"When\", \"User\", \"Action\"; expected a date/time column \
         (one of: \"Date\", \"Date/Time\", \"Date Time\", \"Created At\", \"Created\", \"Timestamp\", \
         \"Event Time\", \"Occurred At\")"
    );
    let m = error("export.csv", b"Date,Timestamp\n2024-03-04,2024-03-04\n");
    assert_eq!(
        m,
        "export.csv:1, column \"Timestamp\": found both \"Date\" and \"Timestamp\", which both give \
         the event's time; expected only one of them"
    );
}

#[test]
fn json_documents_that_are_not_logs() {
    let m = error(
        "logs.json",
        br#"{"errors": [{"status": "401", "title": "Unauthorized"}]}"#,
    );
    assert!(
        m.starts_with("logs.json: found an object with fields \"errors\" and no \"data\" or \"schema\"; expected a JSON:API document"),
        "{m}"
    );
    let m = error(
        "orgs.json",
        br#"{"data": [{"id": "1", "type": "organizations", "attributes": {"name": "Contoso"}}]}"#,
    );
    assert!(
        m.starts_with("orgs.json:1, column \"type\": found `organizations`; expected logs"),
        "{m}"
    );
    let m = error("logs.json", b"{\n  \"data\": [\n    {\"id\": 1,}\n  ]\n}");
    assert!(
        m.starts_with("logs.json: invalid JSON at line 3, column 14 in resource 1 of \"data\""),
        "{m}"
    );
    let m = error(
        "logs.json",
        br#"{"data": [{"attributes": {"created-at": "2024-03-04T10:22:31Z"}}, {"attri"#,
    );
    assert!(m.contains("resource 2"), "{m}");
    assert!(m.contains("the file looks truncated"), "{m}");
    let m = error("logs.json", br#"{"data": {"id": "1"}}"#);
    assert!(
        m.contains("invalid type: map, expected an array of log resources"),
        "{m}"
    );
    let m = error("logs.json", br#"{"data": []} trailing"#);
    assert!(m.contains("trailing characters"), "{m}");
    let m = error("logs.json", b"   \n\t\n");
    assert!(m.starts_with("logs.json: the file is empty"), "{m}");
}

#[test]
fn non_utf8_is_refused_with_its_place() {
    let m = error(
        "export.csv",
        b"Date,User\n03/04/2024 10:22 AM,Halo\n03/04/2024 10:23 AM,Jos\xE9\n",
    );
    assert_eq!(
        m,
        "export.csv:3: found byte 0xE9 at byte offset 58, which is not valid UTF-8; expected UTF-8 \
         text: save the file as UTF-8 (in Excel: \"CSV UTF-8\") and try again"
    );
    let mut text = format!("{}\n", header(true, 1)).into_bytes();
    let start = text.len();
    text.extend_from_slice(
        b"{\"attributes\":{\"created-at\":\"2024-03-02T10:00:00Z\",\"user-agent\":\"Halo\xFF\"}}\n",
    );
    let m = error("fetch.jsonl", &text);
    assert!(
        m.starts_with(&format!(
            "fetch.jsonl:2: found byte 0xFF at byte offset {}",
            start + 69
        )),
        "{m}"
    );
    let m = error("export.csv", b"\xFF\xFED\x00a\x00t\x00e\x00");
    assert!(m.contains("UTF-16"), "{m}");
}

#[test]
fn unreadable_file_is_named() {
    let err = read_usage_file(
        Path::new("no/such/usage.jsonl"),
        &UsageOptions::default(),
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("no/such/usage.jsonl: cannot read the file"),
        "{err}"
    );
}

// ---------------------------------------------------------------- secrets

fn full_key() -> String {
    format!("ITG.{HEX}.{SECRET}")
}

fn masked() -> String {
    format!("ITG.{HEX}.*****")
}

fn assert_redacted(read: &UsageRead, events: &[Owned]) {
    let all = format!("{read:?} {events:?}");
    assert!(!all.contains(SECRET), "the secret leaked: {all}");
}

#[test]
fn a_key_in_a_user_agent_is_masked_and_reported() {
    let agent = format!("custom-sync/1.0 key={}", full_key());
    // JSONL, twice: reported once per key and field.
    let text = format!(
        "{}\n{}\n{}\n",
        header(true, 2),
        log_line(1, "2024-03-02T10:00:00Z", &agent),
        log_line(2, "2024-03-02T10:00:01Z", &agent)
    );
    let (read, events) = parse("fetch.jsonl", text.as_bytes());
    assert_redacted(&read, &events);
    assert_eq!(
        events[0].agent.as_deref(),
        Some(format!("custom-sync/1.0 key={}", masked()).as_str())
    );
    assert_eq!(read.exposures.len(), 1);
    assert_eq!(read.exposures[0].fingerprint.as_str(), format!("ITG.{HEX}"));
    assert_eq!(
        read.exposures[0].location,
        SourceLocation::row("fetch.jsonl", 2).with_column("attributes.user-agent")
    );

    // JSON:API, with the key written with a JSON escape.
    let escaped = full_key().replacen('.', "\\u002e", 1);
    let text = format!(
        r#"{{"data": [{{"attributes": {{"created-at": "2024-03-02T10:00:00Z", "resource-name": "note {escaped}"}}}}]}}"#
    );
    let (read, events) = parse("logs.json", text.as_bytes());
    assert_redacted(&read, &events);
    assert_eq!(
        events[0].resource_name.as_deref(),
        Some(format!("note {}", masked()).as_str())
    );
    assert_eq!(
        read.exposures[0].location,
        SourceLocation::row("logs.json", 1).with_column("attributes.resource-name")
    );

    // The same escape in a JSONL line.
    let text = format!(
        "{}\n{}\n",
        header(true, 1),
        log_line(1, "2024-03-02T10:00:00Z", &escaped)
    );
    let (read, events) = parse("fetch.jsonl", text.as_bytes());
    assert_redacted(&read, &events);
    assert_eq!(events[0].agent.as_deref(), Some(masked().as_str()));
    assert_eq!(read.exposures.len(), 1);

    // CSV, in a mapped and an unknown column.
    let text = format!(
        "Date,User Agent,Notes\n03/04/2024 10:22 AM,\"sync {}\",old {}\n",
        full_key(),
        full_key().to_lowercase()
    );
    let (read, events) = parse("export.csv", text.as_bytes());
    assert_redacted(&read, &events);
    assert!(!format!("{read:?}").contains(&SECRET.to_lowercase()));
    assert_eq!(
        events[0].agent.as_deref(),
        Some(format!("sync {}", masked()).as_str())
    );
    let places: Vec<_> = read.exposures.iter().map(|e| e.location.clone()).collect();
    assert_eq!(
        places,
        [
            SourceLocation::row("export.csv", 2).with_column("User Agent"),
            SourceLocation::row("export.csv", 2).with_column("Notes"),
        ]
    );
}

#[test]
fn a_key_never_reaches_an_error() {
    let text = format!("Date,User\n{},Halo\n", full_key());
    let m = error("export.csv", text.as_bytes());
    assert!(!m.contains(SECRET), "{m}");
    assert!(m.contains(&masked()), "{m}");
    let text = format!("{}\n{}\n", header(true, 1), log_line(1, &full_key(), "x"));
    let m = error("fetch.jsonl", text.as_bytes());
    assert!(!m.contains(SECRET), "{m}");
    let text = format!(r#"[{{"type": "{}", "attributes": {{}}}}]"#, full_key());
    let m = error("logs.json", text.as_bytes());
    assert!(!m.contains(SECRET), "{m}");
}

// ---------------------------------------------------------------- robustness and streaming

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_usage("fuzz", bytes.as_slice(), &UsageOptions::default(), |_| {});
    }

    #[test]
    fn arbitrary_text_after_each_format_never_panics(
        kind in 0..4usize,
        tail in "[ -~\n\t\u{e9}\u{feff}]{0,300}",
        partial in any::<bool>(),
    ) {
        let head = match kind {
            0 => format!("{}\n", header(true, 2)),
            1 => "{\"data\": [".to_string(),
            2 => "Date,User,User Agent\n".to_string(),
            _ => "[{\"attributes\":".to_string(),
        };
        let text = format!("{head}{tail}");
        let options = UsageOptions {
            allow_partial: partial,
            timezone: Tz::America__New_York,
            ..UsageOptions::default()
        };
        let _ = read_usage("fuzz", text.as_bytes(), &options, |_| {});
    }

    #[test]
    fn any_time_in_the_accepted_forms_parses(
        month in 1u32..=12, day in 1u32..=28, hour in 0u32..24, minute in 0u32..60, second in 0u32..60,
    ) {
        let h12 = match hour % 12 { 0 => 12, h => h };
        let ampm = if hour < 12 { "AM" } else { "PM" };
        let expected = utc(2024, month, day, hour, minute, second);
        for cell in [
            format!("{month:02}/{day:02}/2024 {h12:02}:{minute:02}:{second:02} {ampm}"),
            format!("{month}/{day}/2024 {hour}:{minute:02}:{second:02}"),
            format!("2024-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"),
            format!("2024-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"),
        ] {
            let text = format!("Date\n{cell}\n");
            let (_, events) = parse("export.csv", text.as_bytes());
            prop_assert_eq!(events[0].at, expected, "{}", cell);
        }
    }
}

/// A JSONL file generated line by line as it is read: a fixed template
/// whose digits are patched for each event (cheap even in debug builds).
struct Generated {
    total: u64,
    next: u64,
    template: Vec<u8>,
    /// Where the id, the day, hour, minute and second, and the user id go.
    slots: [(usize, usize); 6],
    line: Vec<u8>,
    at: usize,
}

impl Generated {
    const TEMPLATE: &'static str = r#"{"id":"~~~~~~~","type":"logs","attributes":{"created-at":"2024-03-0~T~~:~~:~~Z","user-id":~~~~,"resource-type":"Password","user-agent":"Rewst/1.0"}}"#;

    fn new(total: u64) -> Self {
        let template = format!("{}\n", Self::TEMPLATE).into_bytes();
        let mut slots = [(0, 0); 6];
        let mut i = 0;
        let mut k = 0;
        while i < template.len() {
            if template[i] == b'~' {
                let start = i;
                while template[i] == b'~' {
                    i += 1;
                }
                slots[k] = (start, i);
                k += 1;
            } else {
                i += 1;
            }
        }
        let mut header = header(true, total).into_bytes();
        header.push(b'\n');
        Self {
            total,
            next: 0,
            template,
            slots,
            line: header,
            at: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            if self.next == self.total {
                return Ok(0);
            }
            let n = self.next;
            self.line.clear();
            self.line.extend_from_slice(&self.template);
            let values = [
                n,
                1 + n % 7,
                n / 3600 % 24,
                n / 60 % 60,
                n % 60,
                4410 + n % 4,
            ];
            for ((start, end), value) in self.slots.into_iter().zip(values) {
                let mut v = value;
                for b in self.line[start..end].iter_mut().rev() {
                    *b = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            }
            self.next += 1;
            self.at = 0;
        }
        let n = out.len().min(self.line.len() - self.at);
        out[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn streams_200_000_events() {
    let reader = BufReader::with_capacity(1 << 16, Generated::new(200_000));
    let mut count = 0u64;
    let mut password = 0u64;
    let mut max_agent = 0;
    let read = read_usage("big.jsonl", reader, &UsageOptions::default(), |e| {
        count += 1;
        password += u64::from(e.is_password_event());
        max_agent = max_agent.max(e.user_agent.as_deref().map_or(0, str::len));
    })
    .unwrap();
    assert_eq!(count, 200_000);
    assert_eq!(password, 200_000);
    assert_eq!(max_agent, 9);
    assert_eq!(read.source.events, 200_000);
    assert!(read.source.complete);
    assert_eq!(read.outside_window, 0);
}

#[test]
fn jsonl_header_exposures_are_reported_at_their_lines() {
    let mut text = header(true, 2).replace(
        r#""events":2}"#,
        r#""events":2,"exposures":[{"fingerprint":"ITG.FEDCBA9876543210fedcba9876543210","line":3,"field":"user-agent"}]}"#,
    );
    for (id, agent) in [
        (1, "curl/8"),
        (2, "curl/8 ITG.fedcba9876543210fedcba9876543210.*****"),
    ] {
        text.push('\n');
        text.push_str(&log_line(id, "2024-03-02T10:00:00Z", agent));
    }
    let (read, events) =
        read_with("fetch.jsonl", text.as_bytes(), &UsageOptions::default()).unwrap();
    assert_eq!(events.len(), 2);
    let [exposure] = read.exposures.as_slice() else {
        panic!("{:?}", read.exposures);
    };
    assert_eq!(
        exposure.fingerprint.as_str(),
        "ITG.fedcba9876543210fedcba9876543210"
    );
    assert_eq!(
        exposure.location.to_string(),
        "fetch.jsonl:3, column \"user-agent\""
    );

    for bad in [
        r#""exposures":{"line":3}"#,
        r#""exposures":[{"fingerprint":"ITG.123","line":3}]"#,
        r#""exposures":[{"fingerprint":"ITG.fedcba9876543210fedcba9876543210","line":1}]"#,
    ] {
        let text = header(true, 0).replace(r#""events":0"#, &format!(r#""events":0,{bad}"#));
        let m = error("fetch.jsonl", text.as_bytes());
        assert!(
            m.starts_with("fetch.jsonl:1, column \"exposures\": found `"),
            "{m}"
        );
        assert!(m.contains("expected a list of {\"fingerprint\""), "{m}");
    }
}
