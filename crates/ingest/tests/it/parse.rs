//! Parsing inventories: formats, the settings-page paste and cell values.

use chrono::{TimeZone, Utc};
use keyaudit_ingest::{IngestError, ParsedInventory, parse_inventory};
use keyaudit_model::{ApiKey, KeyState, LastUse, SourceLocation};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/inventory/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str, text: &str) -> ParsedInventory {
    parse_inventory(name, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn fp(key: &ApiKey) -> Option<&str> {
    key.fingerprint.as_ref().map(|f| f.as_str())
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

#[test]
fn a_browser_copy_of_the_settings_page_is_refused() {
    // What a browser puts on the clipboard: checkbox cells are empty, ticked
    // or not.
    let err = parse_inventory(
        "settings-page-paste.tsv",
        &fixture("settings-page-paste.tsv"),
    )
    .unwrap_err();
    assert!(
        matches!(err, IngestError::CheckboxStatesLost { keys: 7, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    for part in [
        "settings-page-paste.tsv: ",
        "states Password Access for none of its 7 keys",
        "the browser dropped the checkbox states",
        "keyaudit capture-snippet",
        "fill the Password Access column with yes or no",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
}

#[test]
fn any_sign_of_the_settings_page_refuses_a_copy_without_states() {
    let key = "ITG.0123456789abcdef0123456789abcdef.*****";
    for (sign, text) in [
        (
            "an Actions column",
            format!("Name\tKey\tPassword Access\tActions\nHalo\t{key}\t\t\n"),
        ),
        (
            "the buttons of a key",
            format!("Name\tKey\tPassword Access\t\nHalo\t{key}\t\tPause Revoke\n"),
        ),
        (
            "the entry-form row",
            format!("Name\tKey\tPassword Access\nHalo\t{key}\t\n\t\t\n\t\tGenerate API Key\n"),
        ),
        (
            "no Password Access column at all",
            format!("Name\tKey\tActions\nHalo\t{key}\tRevoke\n"),
        ),
    ] {
        let err = parse_inventory("paste.tsv", text.as_bytes()).unwrap_err();
        assert!(
            matches!(err, IngestError::CheckboxStatesLost { keys: 1, .. }),
            "{sign}: {err}"
        );
    }
    // One stated cell is enough: the others are unknown, not refused.
    let parsed = parse(
        "paste.tsv",
        &format!(
            "Name\tKey\tPassword Access\tActions\nHalo\t{key}\tno\tRevoke\nDatto\t\t\tRevoke\n"
        ),
    );
    let access: Vec<Option<bool>> = parsed.keys.iter().map(|k| k.password_access).collect();
    assert_eq!(access, [Some(false), None]);
}

#[test]
fn a_copy_with_password_access_filled_in_by_hand_is_read() {
    let parsed = parse_inventory(
        "settings-page-paste-filled.tsv",
        &fixture("settings-page-paste-filled.tsv"),
    )
    .unwrap();
    assert_eq!(parsed.file.format, "tsv");
    assert_eq!(parsed.file.path, "settings-page-paste-filled.tsv");
    assert_eq!(parsed.file.keys, 7, "the entry-form row is not a key");
    let names: Vec<&str> = parsed.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "HaloPSA Integration",
            "Datto RMM sync",
            "Hudu migration",
            "BrightGauge dashboards",
            "Backup script (J. Smith)",
            "test",
            "Liongard inspector"
        ]
    );
    let access: Vec<Option<bool>> = parsed.keys.iter().map(|k| k.password_access).collect();
    assert_eq!(
        access,
        [
            Some(true),
            Some(false),
            Some(true),
            Some(false),
            Some(false),
            Some(true),
            None
        ],
        "the cell left empty is unknown"
    );
    assert_eq!(
        fp(&parsed.keys[0]),
        Some("ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    );
    assert!(parsed.keys.iter().all(|k| k.fingerprint.is_some()));
    assert!(parsed.keys.iter().all(|k| k.state == KeyState::Active));
    assert!(
        parsed
            .keys
            .iter()
            .all(|k| k.last_used == LastUse::Unknown && k.created_at.is_none())
    );
    assert_eq!(
        parsed.keys[2].sources,
        [SourceLocation::row("settings-page-paste-filled.tsv", 4)]
    );
    assert!(parsed.exposures.is_empty());
    assert!(parsed.diagnostics.is_empty());
}

#[test]
fn the_capture_snippets_output_is_an_inventory() {
    // The format `keyaudit capture-snippet` copies: Name, Key, Password
    // Access (yes/no from the live checkbox), State (active/paused).
    let parsed = parse_inventory("api-keys.tsv", &fixture("capture-snippet.tsv")).unwrap();
    assert_eq!(parsed.file.format, "tsv");
    let read: Vec<(&str, Option<bool>, KeyState)> = parsed
        .keys
        .iter()
        .map(|k| (k.name.as_str(), k.password_access, k.state))
        .collect();
    assert_eq!(
        read,
        [
            ("HaloPSA Integration", Some(true), KeyState::Active),
            ("Datto RMM sync", Some(false), KeyState::Active),
            ("Hudu migration", Some(true), KeyState::Active),
            (
                "Backup & DR script (J. Smith)",
                Some(false),
                KeyState::Active
            ),
            ("Liongard inspector", Some(true), KeyState::Paused),
        ]
    );
    assert!(parsed.keys.iter().all(|k| k.fingerprint.is_some()));
    assert!(parsed.exposures.is_empty() && parsed.diagnostics.is_empty());
}

#[test]
fn an_empty_password_access_cell_in_a_kept_csv_is_unknown() {
    let parsed = parse(
        "keys.csv",
        "Name,Key,Password Access\nHalo,ITG.0123456789abcdef0123456789abcdef,\nDatto,,no\n",
    );
    assert_eq!(parsed.keys[0].password_access, None, "empty is not `no`");
    assert_eq!(parsed.keys[1].password_access, Some(false));
    // Without the column, nothing is said either.
    let parsed = parse("keys.csv", "Name,Owner\nHalo,J. Smith\n");
    assert_eq!(parsed.keys[0].password_access, None);
}

#[test]
fn entry_form_row_is_skipped_by_name_or_by_button() {
    let text = "Name\tKey\tPassword Access\tActions\nHaloPSA Integration\t\tno\tRevoke\n enter name \t\t\t\n\t\t\t generate api key \n";
    let parsed = parse("paste.tsv", text);
    assert_eq!(parsed.keys.len(), 1);
    // A row named "Enter Name" that has a key is a key.
    let text = "Name\tKey\nEnter Name\tITG.0123456789abcdef0123456789abcdef\n";
    assert_eq!(parse("paste.tsv", text).keys.len(), 1);
}

#[test]
fn csv_with_every_column_under_aliases() {
    let parsed = parse_inventory("keys-full.csv", &fixture("keys-full.csv")).unwrap();
    assert_eq!(parsed.file.format, "csv");
    assert_eq!(parsed.keys.len(), 5);
    let halo = &parsed.keys[0];
    assert_eq!(halo.name, "HaloPSA Integration");
    assert_eq!(fp(halo), Some("ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    assert_eq!(halo.password_access, Some(true));
    assert_eq!(halo.created_at, Some(utc(2023, 1, 15, 0, 0, 0)));
    assert_eq!(halo.last_used, LastUse::At(utc(2024, 5, 30, 8, 15, 0)));
    assert_eq!(halo.owner.as_deref(), Some("j.smith@example-msp.test"));
    assert_eq!(halo.purpose.as_deref(), Some("PSA ticket sync"));
    assert_eq!(halo.account.as_deref(), Some("acme-msp"));
    assert_eq!(halo.state, KeyState::Active);

    let datto = &parsed.keys[1];
    assert_eq!(fp(datto), Some("ITG.11111111aaaaaaaa22222222bbbbbbbb"));
    assert_eq!(datto.password_access, Some(false));
    assert_eq!(datto.created_at, Some(utc(2023, 6, 1, 9, 30, 0)));
    assert_eq!(datto.last_used, LastUse::At(utc(2024, 5, 31, 21, 59, 59)));
    assert_eq!(datto.purpose.as_deref(), Some("RMM device sync, nightly"));

    let hudu = &parsed.keys[2];
    assert_eq!(hudu.password_access, Some(true));
    assert_eq!(hudu.last_used, LastUse::Never);
    assert_eq!(hudu.state, KeyState::Paused);

    let autotask = &parsed.keys[3];
    assert_eq!(autotask.fingerprint, None);
    assert_eq!(autotask.password_access, Some(false));
    assert_eq!(autotask.state, KeyState::Revoked);
    assert_eq!(
        (autotask.owner.as_deref(), autotask.purpose.as_deref()),
        (None, None)
    );

    let gauge = &parsed.keys[4];
    assert_eq!(gauge.created_at, Some(utc(2024, 2, 29, 12, 0, 0)));
    assert_eq!(gauge.last_used, LastUse::Unknown);
    assert_eq!(
        gauge.state,
        KeyState::Active,
        "an empty state cell means active"
    );
    assert_eq!(gauge.sources, [SourceLocation::row("keys-full.csv", 6)]);
}

#[test]
fn semicolon_separated() {
    let parsed = parse_inventory("keys-semicolon.csv", &fixture("keys-semicolon.csv")).unwrap();
    assert_eq!(parsed.file.format, "semicolon");
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(
        parsed.keys[0].purpose.as_deref(),
        Some("PSA sync; runs hourly")
    );
    assert_eq!(parsed.keys[1].name, "Backup script (J. Smith)");
    assert_eq!(parsed.keys[1].last_used, LastUse::Never);
}

#[test]
fn json_array_of_keys() {
    let parsed = parse_inventory("keys-array.json", &fixture("keys-array.json")).unwrap();
    assert_eq!(parsed.file.format, "json");
    assert_eq!(parsed.keys.len(), 2);
    let halo = &parsed.keys[0];
    assert_eq!(halo.password_access, Some(true));
    assert_eq!(halo.last_used, LastUse::At(utc(2024, 5, 30, 8, 15, 0)));
    assert_eq!(halo.account.as_deref(), Some("acme-msp"));
    assert_eq!(halo.sources, [SourceLocation::row("keys-array.json", 1)]);
    let datto = &parsed.keys[1];
    assert_eq!(datto.password_access, Some(false));
    assert_eq!(datto.created_at, Some(utc(2023, 6, 1, 9, 30, 0)));
    assert_eq!(datto.last_used, LastUse::Never);
    assert_eq!(datto.owner, None);
    assert_eq!(datto.state, KeyState::Paused);
}

#[test]
fn json_object_with_keys_array() {
    let parsed = parse_inventory("keys-object.json", &fixture("keys-object.json")).unwrap();
    assert_eq!(parsed.file.format, "json");
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(parsed.keys[0].name, "Hudu migration");
    assert_eq!(parsed.keys[0].password_access, Some(false));
    assert_eq!(parsed.keys[0].purpose.as_deref(), Some("One-off migration"));
    assert_eq!(parsed.keys[1].fingerprint, None);
    assert_eq!(parsed.keys[1].password_access, None, "null says nothing");
    assert_eq!(parsed.keys[1].state, KeyState::Revoked);
    let empty = parse("empty.json", "  {\"keys\": []}");
    assert!(empty.keys.is_empty());
}

#[test]
fn bom_crlf_and_blank_lines() {
    let text = "\u{feff}Name,Key\r\n\r\n  ,  \r\nHaloPSA Integration,ITG.0123456789abcdef0123456789abcdef.*****\r\n,\r\nDatto RMM sync,\r\n\r\n";
    let parsed = parse("bom.csv", text);
    assert_eq!(parsed.file.format, "csv");
    let names: Vec<&str> = parsed.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["HaloPSA Integration", "Datto RMM sync"]);
    assert!(parsed.keys[0].fingerprint.is_some());
    assert_eq!(parsed.file.keys, 2);
    // Rows count records, the header being row 1.
    assert_eq!(parsed.keys[1].sources[0].row, Some(5));

    let json = parse("bom.json", "\u{feff}\r\n[{\"Name\": \"A\"}]\r\n");
    assert_eq!(json.keys.len(), 1);
}

#[test]
fn short_rows_are_padded_and_empty_extra_cells_ignored() {
    let text = "Name\tKey\tOwner\nHaloPSA Integration\nDatto RMM sync\t\tA. Jones\t\t \n";
    let parsed = parse("ragged.tsv", text);
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(parsed.keys[0].owner, None);
    assert_eq!(parsed.keys[1].owner.as_deref(), Some("A. Jones"));
}

#[test]
fn names_are_trimmed_and_blank_names_allowed() {
    let text = "name,key\n  HaloPSA Integration  ,\n   ,\"\"\n";
    let parsed = parse("names.csv", text);
    assert_eq!(parsed.keys[0].name, "HaloPSA Integration");
    // A row whose cells are all blank is skipped; this one has none left.
    assert_eq!(parsed.keys.len(), 1);
    let parsed = parse("names.csv", "Name,Owner\n,J. Smith\n");
    assert_eq!(parsed.keys[0].name, "");
    assert_eq!(parsed.keys[0].owner.as_deref(), Some("J. Smith"));
}

/// Any Unicode space is trimmed, in CSV and JSON alike: a name of only such
/// spaces is blank (unnamed); a zero-width space is not a space and stays.
#[test]
fn names_are_trimmed_of_every_unicode_space() {
    let text = "Name,Owner\n\u{a0}\u{3000}Datto RMM\u{2003}\t,a\n\u{3000}\u{a0}\u{202f}\u{2009},b\n\u{200b},c\n";
    let parsed = parse("names.csv", text);
    let names: Vec<&str> = parsed.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["Datto RMM", "", "\u{200b}"]);
    let json =
        r#"[{"name": "\u3000 Hudu\u00a0", "owner": "a"}, {"name": "\u2003\u00a0", "owner": "b"}]"#;
    let parsed = parse("names.json", json);
    let names: Vec<&str> = parsed.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["Hudu", ""]);
}

#[test]
fn same_name_without_fingerprint_gives_two_keys() {
    let parsed = parse("dup.csv", "Name\nAPI\nAPI\n");
    assert_eq!(parsed.keys.len(), 2);
}

#[test]
fn unknown_columns_are_ignored() {
    let parsed = parse(
        "x.csv",
        "Id,Name,Actions,Passwords,Whatever\n7,HaloPSA Integration,Revoke,no,{\"x\": 1}\n",
    );
    assert_eq!(parsed.keys.len(), 1);
    assert_eq!(parsed.keys[0].name, "HaloPSA Integration");
}

#[test]
fn every_password_access_form() {
    let on = [
        "true",
        "TRUE",
        "yes",
        "Y",
        "1",
        "x",
        "X",
        "✓",
        "✔",
        "☑",
        "checked",
        "on",
        "Enabled",
        "<input checked=\"\" type=\"checkbox\"/>",
        "<input type=\"checkbox\" checked>",
        " yes ",
    ];
    let off = [
        "false",
        "No",
        "n",
        "0",
        "☐",
        "off",
        "disabled",
        "<input type=\"checkbox\"/>",
    ];
    let unknown = ["", "   "];
    for (cells, expected) in [
        (&on[..], Some(true)),
        (&off[..], Some(false)),
        (&unknown[..], None),
    ] {
        for cell in cells {
            let text = format!("Name\tPassword Access\nHaloPSA Integration\t{cell}\n");
            let parsed = parse("pa.tsv", &text);
            assert_eq!(parsed.keys[0].password_access, expected, "{cell:?}");
        }
    }
    let absent = parse("pa.csv", "Name\nHaloPSA Integration\n");
    assert_eq!(absent.keys[0].password_access, None);
    let json = parse(
        "pa.json",
        r#"[{"name":"a","passwords":true},{"name":"b","Passwords":"☐"}]"#,
    );
    assert_eq!(json.keys[0].password_access, Some(true));
    assert_eq!(json.keys[1].password_access, Some(false));
}

#[test]
fn every_date_form() {
    let cases = [
        ("2024-03-31", utc(2024, 3, 31, 0, 0, 0)),
        ("2024-03-31 14:05", utc(2024, 3, 31, 14, 5, 0)),
        ("2024-03-31T14:05", utc(2024, 3, 31, 14, 5, 0)),
        ("2024-03-31 14:05:09", utc(2024, 3, 31, 14, 5, 9)),
        ("2024-03-31T14:05:09", utc(2024, 3, 31, 14, 5, 9)),
        ("2024-03-31T14:05:09Z", utc(2024, 3, 31, 14, 5, 9)),
        ("2024-03-31T16:05:09+02:00", utc(2024, 3, 31, 14, 5, 9)),
        (
            "2024-03-31T14:05:09.250Z",
            utc(2024, 3, 31, 14, 5, 9) + chrono::Duration::milliseconds(250),
        ),
    ];
    for (cell, expected) in cases {
        let text = format!("Name\tCreated\tLast Used\nHaloPSA Integration\t{cell}\t{cell}\n");
        let key = &parse("dates.tsv", &text).keys[0];
        assert_eq!(key.created_at, Some(expected), "{cell}");
        assert_eq!(key.last_used, LastUse::At(expected), "{cell}");
    }
}

#[test]
fn never_and_empty_last_used() {
    let text = "Name,Created,Last Used\nA,,never\nB,,NEVER\nC,, \n";
    let keys = parse("last.csv", text).keys;
    assert_eq!(keys[0].last_used, LastUse::Never);
    assert_eq!(keys[1].last_used, LastUse::Never);
    assert_eq!(keys[2].last_used, LastUse::Unknown);
    assert_eq!(keys[2].created_at, None);
    let json = parse("last.json", r#"[{"name":"A","last_used":null}]"#);
    assert_eq!(json.keys[0].last_used, LastUse::Unknown);
}

#[test]
fn states() {
    let text = "Name,Status\nA,active\nB, Paused \nC,REVOKED\nD,\n";
    let states: Vec<KeyState> = parse("s.csv", text).keys.iter().map(|k| k.state).collect();
    assert_eq!(
        states,
        [
            KeyState::Active,
            KeyState::Paused,
            KeyState::Revoked,
            KeyState::Active
        ]
    );
}

#[test]
fn last_use_before_creation_is_a_warning() {
    let text = "Name,Created,Last Used\nHudu migration,2024-03-01,2024-02-01\nHaloPSA Integration,2024-01-01,2024-02-01\n";
    let parsed = parse("w.csv", text);
    assert_eq!(parsed.keys.len(), 2);
    assert_eq!(parsed.diagnostics.len(), 1);
    let warning = parsed.diagnostics[0].to_string();
    assert!(
        warning.starts_with("warning[last-use-before-creation]: w.csv:2: "),
        "{warning}"
    );
    assert!(
        warning.contains("Hudu migration") && warning.contains("2024-02-01"),
        "{warning}"
    );
}
