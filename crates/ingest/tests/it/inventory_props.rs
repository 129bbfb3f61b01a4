//! Property tests of the inventory parsers beyond raw bytes (see
//! `secrets.rs`): JSON documents of any shape, and a round trip for
//! delimited text — any names, written by a CSV writer with any of the three
//! delimiters, read back the same.

// `IngestError` is large by design (see the crate root).
#![allow(clippy::result_large_err)]

use keyaudit_ingest::{IngestError, ParsedInventory, parse_inventory};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// An error must be one line that names the file first.
fn check(name: &str, data: &[u8]) -> Result<ParsedInventory, IngestError> {
    let result = parse_inventory(name, data);
    if let Err(err) = &result {
        let message = err.to_string();
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(message.starts_with(name), "names the file: {message}");
    }
    result
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "yes",
            "no",
            "maybe",
            "2026-11-16",
            "2026-13-45",
            "never",
            "revoked",
            "ITG.0123456789abcdef0123456789abcdef.*****",
            "ITG.0123456789abcdef0123456789abcdef",
            "<input checked type=\"checkbox\"/>",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..5)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "name",
            "Name",
            "key",
            "API Key",
            "password_access",
            "Password Access",
            "created_at",
            "Last Used",
            "state",
            "owner",
            "purpose",
            "account",
            "keys",
            "data",
        ])
        .prop_map(str::to_string),
        "\\PC{0,8}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,40}",
        "[ -~]{1,40}",
        "[\"',;\\t\\r\\n ]{0,3}[A-Za-z]{1,8}[\"',;\\t\\r\\n ]{0,3}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_of_any_shape_is_read_or_refused_cleanly(value in json_value(), wrap in 0..3u8) {
        let document = match wrap {
            0 => value,
            1 => json!([value]),
            _ => json!({ "keys": [value] }),
        };
        let text = serde_json::to_string_pretty(&document).unwrap();
        let _ = check("keys.json", text.as_bytes());
    }

    #[test]
    fn any_names_round_trip_through_delimited_text(
        names in prop::collection::vec(name(), 1..8),
        delimiter in prop::sample::select(vec![b',', b'\t', b';']),
        crlf in any::<bool>(),
    ) {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        writer.write_record(["Name", "Key", "Password Access"]).unwrap();
        for (i, name) in names.iter().enumerate() {
            let key = format!("ITG.{i:032x}.*****");
            writer.write_record([name.as_str(), &key, "no"]).unwrap();
        }
        let data = writer.into_inner().unwrap();
        let parsed = check("keys.txt", &data).unwrap();
        let read: Vec<&str> = parsed.keys.iter().map(|k| k.name.as_str()).collect();
        let written: Vec<&str> = names.iter().map(|n| n.trim()).collect();
        prop_assert_eq!(read, written);
        let expected = match delimiter {
            b',' => "csv",
            b'\t' => "tsv",
            _ => "semicolon",
        };
        prop_assert_eq!(parsed.file.format.as_str(), expected);
    }
}
