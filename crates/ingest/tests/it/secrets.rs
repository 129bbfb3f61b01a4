//! Full API keys in an inventory are redacted before anything reads them,
//! and recorded as exposures; the secret never reaches a value, a message or
//! a `Debug` output. The parser never panics.

use keyaudit_ingest::{parse_inventory, redact_secrets};
use keyaudit_model::SourceLocation;
use proptest::prelude::*;

const HEX: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const SECRET: &str = "S3cr3tV4lu3XyZq9Wm2Kp7Rt";

fn full_key() -> String {
    format!("ITG.{HEX}.{SECRET}")
}

fn masked() -> String {
    format!("ITG.{HEX}.*****")
}

fn assert_no_secret(what: &str) {
    assert!(!what.contains("S3cr3t"), "the secret leaked: {what}");
}

#[test]
fn full_key_in_the_key_cell() {
    let text = format!(
        "Name\tKey\tPassword Access\tActions\nHaloPSA Integration\t{}\t<input type=\"checkbox\"/>\tRevoke\n",
        full_key()
    );
    let parsed = parse_inventory("paste.tsv", text.as_bytes()).unwrap();
    assert_no_secret(&format!("{parsed:?}"));
    let key = &parsed.keys[0];
    assert_eq!(
        key.fingerprint.as_ref().unwrap().as_str(),
        format!("ITG.{HEX}")
    );
    assert_eq!(parsed.exposures.len(), 1);
    assert_eq!(
        parsed.exposures[0].fingerprint.as_str(),
        format!("ITG.{HEX}")
    );
    assert_eq!(
        parsed.exposures[0].location,
        SourceLocation::row("paste.tsv", 2).with_column("Key")
    );
}

#[test]
fn full_key_in_a_notes_cell_and_an_unknown_column() {
    let text = format!(
        "Name,Key,Notes,Scratch\nHaloPSA Integration,{},\"new key is {} (rotated)\",{}\n",
        masked(),
        full_key(),
        full_key().to_uppercase()
    );
    let parsed = parse_inventory("keys.csv", text.as_bytes()).unwrap();
    assert_no_secret(&format!("{parsed:?}"));
    assert!(!format!("{parsed:?}").contains(&SECRET.to_uppercase()));
    assert_eq!(
        parsed.keys[0].purpose.as_deref(),
        Some(format!("new key is {} (rotated)", masked()).as_str())
    );
    let places: Vec<String> = parsed
        .exposures
        .iter()
        .map(|e| e.location.to_string())
        .collect();
    assert_eq!(
        places,
        [
            "keys.csv:2, column \"Notes\"",
            "keys.csv:2, column \"Scratch\""
        ]
    );
}

#[test]
fn full_key_in_a_header_cell() {
    let text = format!("Name,{}\nHaloPSA Integration,x\n", full_key());
    let parsed = parse_inventory("keys.csv", text.as_bytes()).unwrap();
    assert_no_secret(&format!("{parsed:?}"));
    assert_eq!(
        parsed.exposures[0].location,
        SourceLocation::row("keys.csv", 1).with_column("column 2")
    );
}

#[test]
fn secret_never_appears_in_errors() {
    // Bad state on a row holding a secret in another cell.
    let text = format!(
        "Name,Notes,State\nHaloPSA Integration,{},gone\n",
        full_key()
    );
    let err = parse_inventory("keys.csv", text.as_bytes()).unwrap_err();
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
    // The secret in the very cell that is invalid.
    for column in ["Password Access", "Created", "Last Used", "State"] {
        let text = format!("Name,{column}\nHaloPSA Integration,{}\n", full_key());
        let err = parse_inventory("keys.csv", text.as_bytes()).unwrap_err();
        let message = err.to_string();
        assert_no_secret(&message);
        assert!(
            message.contains(&masked()),
            "the masked form is shown: {message}"
        );
    }
    // A key cell holding a full key plus text.
    let text = format!("Name,Key\nHaloPSA Integration,{} (old)\n", full_key());
    assert_no_secret(
        &parse_inventory("keys.csv", text.as_bytes())
            .unwrap_err()
            .to_string(),
    );
    // Extra cells and missing name columns echo cells too.
    let text = format!("Name,Owner\nHaloPSA Integration,J. Smith,{}\n", full_key());
    assert_no_secret(
        &parse_inventory("keys.csv", text.as_bytes())
            .unwrap_err()
            .to_string(),
    );
    let text = format!("Key,{}\n", full_key());
    assert_no_secret(
        &parse_inventory("keys.csv", text.as_bytes())
            .unwrap_err()
            .to_string(),
    );
    // Invalid JSON around a secret.
    let text = format!("[{{\"name\": \"{}\" \"oops\"}}]", full_key());
    let err = parse_inventory("keys.json", text.as_bytes()).unwrap_err();
    assert_no_secret(&err.to_string());
    assert!(err.to_string().contains("line 1, column "), "{err}");
}

#[test]
fn json_secrets_anywhere_are_redacted_with_their_place() {
    let text = format!(
        r#"{{"note": "{key}", "keys": [
            {{"name": "HaloPSA Integration", "key": "{key}", "extra": {{"deep": ["{key}"]}}}},
            {{"name": "Datto RMM sync", "notes": "escaped ITG.{HEX}.\u0053{rest}", "{key}": 1}}
        ]}}"#,
        key = full_key(),
        rest = &SECRET[1..],
    );
    let parsed = parse_inventory("keys.json", text.as_bytes()).unwrap();
    let debug = format!("{parsed:?}");
    assert_no_secret(&debug);
    assert!(!debug.contains(&SECRET[1..]), "{debug}");
    assert_eq!(
        parsed.keys[0].fingerprint.as_ref().unwrap().as_str(),
        format!("ITG.{HEX}")
    );
    assert_eq!(
        parsed.keys[1].purpose.as_deref(),
        Some(format!("escaped {}", masked()).as_str())
    );
    let mut places: Vec<String> = parsed
        .exposures
        .iter()
        .map(|e| e.location.to_string())
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            "keys.json, column \"note\"",
            "keys.json:1, column \"extra\"",
            "keys.json:1, column \"key\"",
            "keys.json:2, column \"(field name)\"",
            "keys.json:2, column \"notes\"",
        ]
    );
}

#[test]
fn json_escape_inside_a_secret_does_not_leave_its_tail() {
    // `\u006c` is `l`: the raw text shows 8 secret characters, then an escape.
    let text = format!(r#"[{{"name": "a", "notes": "ITG.{HEX}.S3cr3tV4\u006cu3XyZq9Wm2Kp7Rt!"}}]"#);
    let parsed = parse_inventory("keys.json", text.as_bytes()).unwrap();
    let debug = format!("{parsed:?}");
    assert!(!debug.contains("u3XyZq9Wm2Kp7Rt"), "{debug}");
    assert_eq!(
        parsed.keys[0].purpose.as_deref(),
        Some(format!("{}!", masked()).as_str())
    );
    assert_eq!(parsed.exposures.len(), 1);
}

#[test]
fn redact_secrets_is_reusable_on_any_text() {
    let line = format!("2024-05-01 GET /passwords key={} ok", full_key());
    let (clean, found) = redact_secrets(&line);
    assert_eq!(
        clean,
        format!("2024-05-01 GET /passwords key={} ok", masked())
    );
    assert_eq!(found.len(), 1);
    assert_eq!(&line[found[0].range.clone()], full_key());
}

/// Pieces that make interesting inventories. Only the full-key piece holds
/// the secret.
fn piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\t",
        ",",
        ";",
        "\"",
        "\n",
        "\r\n",
        "\r",
        " ",
        "ITG.",
        HEX,
        ".",
        "*****",
        "…",
        "Name",
        "Key",
        "Password Access",
        "Notes",
        "Created",
        "Last Used",
        "State",
        "Actions",
        "never",
        "2024-01-01",
        "2024-13-45 25:61",
        "revoked",
        "yes",
        "☑",
        "<input checked type=\"checkbox\"/>",
        "Enter Name",
        "Generate API Key",
        "[",
        "]",
        "{",
        "}",
        ":",
        "\"name\"",
        "\"key\"",
        "\"keys\"",
        "null",
        "true",
        "1.5",
        "\\",
        "\\u0041",
        "\u{feff}",
        "é",
        "\u{E000}",
        "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9.S3cr3tV4lu3XyZq9Wm2Kp7Rt",
    ])
    .prop_map(str::to_string)
}

/// Pieces of HTML table soup: tags (well-formed or not), attributes,
/// entities and the marker characters ingest uses inside. Only the full-key
/// piece holds the secret.
fn html_piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "<!DOCTYPE html>",
        "<html>",
        "<body>",
        "<table>",
        "</table>",
        "<thead>",
        "</thead>",
        "<tbody>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th>",
        "</th>",
        "<td colspan=\"3\">",
        "<th colspan=0>",
        "<b>",
        "</b>",
        "<p>",
        "<code>",
        "<span hidden>",
        "</span>",
        "<select><option selected>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<input type=\"checkbox\" checked>",
        "<input type=checkbox>",
        "<input value=\"",
        "<input type=\"hidden\" value=\"",
        "<input placeholder=\"Enter Name\">",
        "<div role=checkbox aria-checked=true>",
        "\">",
        "<tr data-key=\"",
        "<button>Generate API Key</button>",
        "<button>Revoke</button>",
        "<",
        ">",
        "/",
        "\"",
        "'",
        "=",
        "&amp;",
        "&nbsp;",
        "&#46;",
        "&#x53;",
        "&#",
        "&",
        "Name",
        "Key",
        "Password Access",
        "Date",
        "yes",
        "maybe",
        "2024-01-01",
        "ITG.",
        "ITG&#46;",
        HEX,
        ".",
        "*****",
        " ",
        "\n",
        "\t",
        "\u{A0}",
        "\u{E000}",
        "\u{F0000}",
        "\u{F0001}",
        "ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9.S3cr3tV4lu3XyZq9Wm2Kp7Rt",
    ])
    .prop_map(str::to_string)
}

fn check_no_leak(text: &[u8]) {
    match parse_inventory("prop.txt", text) {
        Ok(parsed) => assert_no_secret(&format!("{parsed:?}")),
        Err(err) => {
            assert_no_secret(&err.to_string());
            assert_no_secret(&format!("{err:?}"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_inventory("bytes.bin", &data);
    }

    #[test]
    fn never_panics_nor_leaks_on_table_like_text(pieces in prop::collection::vec(piece(), 0..80)) {
        check_no_leak(pieces.concat().as_bytes());
    }

    #[test]
    fn never_panics_nor_leaks_on_html_soup(pieces in prop::collection::vec(html_piece(), 0..120)) {
        let text = pieces.concat();
        check_no_leak(text.as_bytes());
        if let Ok(parsed) = parse_inventory("prop.html", text.as_bytes()) {
            if parsed.file.format == "html" {
                // Every full key of the raw text is recorded, once.
                prop_assert!(parsed.exposures.len() >= text.matches(SECRET).count());
            }
        }
    }

    #[test]
    fn never_leaks_from_html_tables(
        rows in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(html_piece(), 0..4), 0..5),
            0..6,
        ),
    ) {
        let body: String = rows
            .iter()
            .map(|cells| {
                let cells: String = cells.iter().map(|c| format!("<td>{}</td>", c.concat())).collect();
                format!("<tr>{cells}</tr>")
            })
            .collect();
        let text = format!(
            "<nav>{}</nav><table><thead><tr><th>Name</th><th>Key</th><th>Password Access</th></tr></thead>{body}</table>",
            full_key()
        );
        check_no_leak(text.as_bytes());
        if let Ok(parsed) = parse_inventory("prop.html", text.as_bytes()) {
            prop_assert!(parsed.exposures.len() >= text.matches(SECRET).count());
        }
    }

    #[test]
    fn never_leaks_from_json_entries(
        entries in prop::collection::vec(
            prop::collection::btree_map(
                prop::sample::select(vec!["name", "key", "notes", "password_access", "state", "created", "x"]),
                prop_oneof![
                    Just(serde_json::Value::String(full_key())),
                    Just(serde_json::Value::String(format!("see {} here", full_key()))),
                    Just(serde_json::Value::String(masked())),
                    Just(serde_json::Value::String("yes".into())),
                    Just(serde_json::Value::Bool(true)),
                    Just(serde_json::Value::Null),
                    Just(serde_json::json!(7)),
                    Just(serde_json::json!([full_key()])),
                ],
                0..6,
            ),
            0..5,
        ),
        wrap in any::<bool>(),
    ) {
        let list = serde_json::Value::from(
            entries.into_iter().map(|m| serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())).collect::<Vec<_>>(),
        );
        let doc = if wrap { serde_json::json!({ "keys": list }) } else { list };
        let text = serde_json::to_string_pretty(&doc).unwrap();
        check_no_leak(text.as_bytes());
        if let Ok(parsed) = parse_inventory("prop.json", text.as_bytes()) {
            prop_assert_eq!(parsed.exposures.len(), text.matches(SECRET).count());
        }
    }
}

/// The full key broken by `filler` after its `at`-th byte.
fn broken_key(filler: &str, at: usize) -> String {
    let key = full_key();
    format!("{}{filler}{}", &key[..at], &key[at..])
}

#[test]
fn a_key_broken_by_an_invisible_character_or_a_line_break_is_found_in_an_inventory() {
    for filler in ["\u{AD}", "\u{200B}", "\u{FEFF}", "\n", "\r\n"] {
        for at in [2, 10, 40, 50] {
            let text = format!(
                "Name,Key,Notes\nHaloPSA Integration,{},\"new key is {} (rotated)\"\n",
                masked(),
                broken_key(filler, at)
            );
            let parsed = parse_inventory("keys.csv", text.as_bytes()).unwrap();
            let shown = format!("{parsed:?}");
            // No run of the secret longer than what a filler leaves.
            for run in SECRET.as_bytes().windows(8) {
                let run = std::str::from_utf8(run).unwrap();
                assert!(!shown.contains(run), "{filler:?} at {at}: {shown}");
            }
            assert_eq!(parsed.exposures.len(), 1, "{filler:?} at {at}");
            assert_eq!(
                parsed.exposures[0].location,
                SourceLocation::row("keys.csv", 2).with_column("Notes")
            );
        }
    }
}

#[test]
fn a_key_broken_by_an_invisible_character_is_found_in_usage_files() {
    use keyaudit_ingest::{UsageOptions, read_usage};
    let header = "{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\"window\":{\"start\":\"2026-11-01T00:00:00Z\",\"end\":\"2026-11-15T00:00:00Z\"},\"complete\":true,\"events\":2}";
    // Raw, and JSON-escaped as `\u00ad`.
    let raw = broken_key("\u{AD}", 45);
    let escaped = broken_key("\\u200b", 20);
    let jsonl = format!(
        "{header}\n\
         {{\"id\":\"1\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2026-11-02T10:00:00Z\",\"user-agent\":\"curl {raw}\"}}}}\n\
         {{\"id\":\"2\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2026-11-03T10:00:00Z\",\"resource-name\":\"{escaped}\"}}}}\n"
    );
    let csv = format!(
        "Date,User,Action,User Agent\n2026-11-04 09:00:00,Rewst,show,\"curl {}\"\n",
        broken_key("\r\n", 30)
    );
    for (name, text) in [("usage.jsonl", jsonl), ("activity.csv", csv)] {
        let mut seen = Vec::new();
        let read = read_usage(name, text.as_bytes(), &UsageOptions::default(), |event| {
            seen.push(format!("{event:?}"));
        })
        .unwrap();
        let seen = seen.join("\n");
        for run in SECRET.as_bytes().windows(8) {
            let run = std::str::from_utf8(run).unwrap();
            assert!(!seen.contains(run), "{name}: {seen}");
        }
        assert!(seen.contains(&masked()), "{name}: {seen}");
        assert!(!read.exposures.is_empty(), "{name}");
        assert!(
            read.exposures
                .iter()
                .all(|e| e.fingerprint.as_str() == format!("ITG.{HEX}"))
        );
    }
}
