//! HTML inventories: a saved copy of the settings page, or any page holding
//! a table with Name and Key columns.

use keyaudit_ingest::{ParsedInventory, load_inventories, parse_inventory};
use keyaudit_model::{KeyState, LastUse, SourceLocation};

const HEX: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const HEX2: &str = "11111111aaaaaaaa22222222bbbbbbbb";
const SECRET: &str = "S3cr3tV4lu3XyZq9Wm2Kp7Rt";

fn fixture_path(name: &str) -> String {
    format!(
        "{}/../../fixtures/inventory/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str, text: &str) -> ParsedInventory {
    parse_inventory(name, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn error(name: &str, text: &str) -> String {
    let message = parse_inventory(name, text.as_bytes())
        .expect_err("the input is invalid")
        .to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(message.starts_with(name), "names the file first: {message}");
    message
}

fn names(parsed: &ParsedInventory) -> Vec<&str> {
    parsed.keys.iter().map(|k| k.name.as_str()).collect()
}

fn fingerprints(parsed: &ParsedInventory) -> Vec<Option<&str>> {
    parsed
        .keys
        .iter()
        .map(|k| k.fingerprint.as_ref().map(|f| f.as_str()))
        .collect()
}

fn access(parsed: &ParsedInventory) -> Vec<Option<bool>> {
    parsed.keys.iter().map(|k| k.password_access).collect()
}

/// A page with one key table of the settings page's shape around `rows`.
fn page(rows: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body><table><thead><tr><th>Name</th><th>Key</th>\
         <th>Password Access</th><th>Actions</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
}

#[test]
fn saved_settings_page() {
    let parsed = parse_inventory("settings-page.html", &fixture("settings-page.html")).unwrap();
    assert_eq!(parsed.file.format, "html");
    assert_eq!(parsed.file.path, "settings-page.html");
    assert_eq!(parsed.file.keys, 7, "the entry-form row is not a key");
    assert_eq!(
        names(&parsed),
        [
            "HaloPSA Integration",
            "Datto RMM sync",
            "Hudu migration",
            "BrightGauge dashboards",
            "Backup & DR script (J. Smith)",
            "test",
            "Liongard inspector",
        ]
    );
    assert_eq!(
        fingerprints(&parsed),
        [
            Some("ITG.0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            Some("ITG.11111111aaaaaaaa22222222bbbbbbbb"),
            Some("ITG.deadbeefdeadbeefdeadbeefdeadbeef"),
            Some("ITG.0123456789abcdef0123456789abcdef"),
            Some("ITG.fedcba9876543210fedcba9876543210"),
            Some("ITG.abcdefabcdefabcdefabcdefabcdef01"),
            Some("ITG.5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"),
        ]
    );
    assert_eq!(
        access(&parsed),
        [
            Some(true),
            Some(false),
            Some(true),
            Some(false),
            Some(false),
            Some(true),
            Some(true),
        ]
    );
    assert!(parsed.keys.iter().all(|k| k.state == KeyState::Active));
    assert!(
        parsed.keys.iter().all(|k| k.last_used == LastUse::Unknown
            && k.created_at.is_none()
            && k.owner.is_none())
    );
    // The page has three tables: rows are counted in the second, header = 1.
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("settings-page.html (table 2)", 2)]
    );
    assert_eq!(
        parsed.keys[6].sources,
        [SourceLocation::row("settings-page.html (table 2)", 8)]
    );
    assert!(parsed.exposures.is_empty());
    assert!(parsed.diagnostics.is_empty());
}

#[test]
fn saved_page_merges_with_an_owner_list() {
    let inventory = load_inventories(&[
        fixture_path("settings-page.html"),
        fixture_path("owners.csv"),
    ])
    .unwrap();
    assert_eq!(inventory.keys.len(), 7);
    let halo = &inventory.keys[0];
    assert_eq!(halo.owner.as_deref(), Some("J. Smith"));
    assert_eq!(halo.password_access, Some(true));
    assert_eq!(inventory.files[0].format, "html");
}

#[test]
fn minimal_table_without_html_or_body() {
    let parsed = parse_inventory("minimal-table.html", &fixture("minimal-table.html")).unwrap();
    assert_eq!(parsed.file.format, "html");
    assert_eq!(
        names(&parsed),
        ["HaloPSA Integration", "Datto RMM sync", "Hudu migration"]
    );
    assert_eq!(access(&parsed), [Some(true), Some(false), Some(true)]);
    assert_eq!(
        fingerprints(&parsed)[2],
        Some("ITG.deadbeefdeadbeefdeadbeefdeadbeef")
    );
    assert_eq!(
        parsed.keys[1].sources,
        [SourceLocation::row("minimal-table.html", 3)]
    );
}

#[test]
fn detected_from_the_content() {
    // No doctype, leading text: still HTML because of the table.
    let text = "Saved from IT Glue\n<TABLE><TR><TH>Key Name</TH><TH>API Key</TH></TR>\
                <TR><TD>Halo</TD><TD>ITG.0123456789abcdef0123456789abcdef</TD></TR></TABLE>";
    let parsed = parse("keys.txt", text);
    assert_eq!(parsed.file.format, "html");
    assert_eq!(names(&parsed), ["Halo"]);
    // A comment first, with a byte-order mark and blank lines before it.
    let text = format!(
        "\u{feff}\n\n<!-- saved -->{}",
        page("<tr><td>Halo</td><td></td><td>☑</td></tr>")
    );
    assert_eq!(parse("keys", &text).keys[0].password_access, Some(true));
    // CSV mentioning a table tag stays CSV.
    let parsed = parse("keys.csv", "Name,Notes\nHalo,\"paste the <table> here\"\n");
    assert_eq!(parsed.file.format, "csv");
}

#[test]
fn checked_variants_and_text_cells() {
    let rows = [
        (r#"<input type="checkbox" checked>"#, Some(true)),
        (r#"<input type="checkbox" checked="">"#, Some(true)),
        (r#"<input type="checkbox" checked="checked">"#, Some(true)),
        (r#"<input type="checkbox" checked="false">"#, Some(true)),
        (r#"<INPUT TYPE="CHECKBOX" CHECKED>"#, Some(true)),
        (
            r#"<label><input type="checkbox"> <span>Allow</span></label>"#,
            Some(false),
        ),
        (
            r#"<input type="checkbox" class="checked" title="checked">"#,
            Some(false),
        ),
        (r#"<input checked type="checkbox" disabled>"#, Some(true)),
        (
            r#"<div role="checkbox" aria-checked="true"></div>"#,
            Some(true),
        ),
        (
            r#"<div role="checkbox" aria-checked="false"></div>"#,
            Some(false),
        ),
        ("  ✔  ", Some(true)),
        ("<span>Yes</span>", Some(true)),
        ("No", Some(false)),
        ("", None),
    ];
    let html: String = rows
        .iter()
        .enumerate()
        .map(|(i, (cell, _))| format!("<tr><td>key {i}</td><td></td><td>{cell}</td><td></td></tr>"))
        .collect();
    let parsed = parse("page.html", &page(&html));
    let expected: Vec<Option<bool>> = rows.iter().map(|(_, a)| *a).collect();
    assert_eq!(access(&parsed), expected);
}

#[test]
fn names_from_fields_entities_and_whitespace() {
    let rows = "\
        <tr><td><input type=\"text\" value=\"Datto RMM   sync\"></td><td></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td>\n\t  Backup &amp; DR&nbsp;&nbsp;script\n </td><td></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td>Caf&eacute; &lt;ops&gt; &#x263A; &#9731;</td><td></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td><a href=\"/keys/4\"><strong>Hudu</strong> <em>migration</em></a></td><td></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td>Visible<input type=\"hidden\" value=\"hidden id\"></td><td></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td><div>Two</div><div>lines</div></td><td></td><td><input type=checkbox></td><td></td></tr>";
    let parsed = parse("page.html", &page(rows));
    assert_eq!(
        names(&parsed),
        [
            "Datto RMM sync",
            "Backup & DR script",
            "Café <ops> ☺ ☃",
            "Hudu migration",
            "Visible",
            "Two lines",
        ]
    );
}

#[test]
fn key_cells_in_spans_code_and_pieces() {
    let rows = "\
        <tr><td>a</td><td><code>\n  ITG.0123456789abcdef0123456789abcdef.*****\n</code></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td>b</td><td><span>ITG.fedcba9876543210fedcba9876543210</span><span>.*****</span></td><td><input type=checkbox></td><td></td></tr>\
        <tr><td>c</td><td>ITG.deadbeefdeadbeefdeadbeefdeadbeef.*****<button>Copy</button></td><td><input type=checkbox></td><td></td></tr>";
    let parsed = parse("page.html", &page(rows));
    assert_eq!(
        fingerprints(&parsed),
        [
            Some("ITG.0123456789abcdef0123456789abcdef"),
            Some("ITG.fedcba9876543210fedcba9876543210"),
            Some("ITG.deadbeefdeadbeefdeadbeefdeadbeef"),
        ]
    );
}

#[test]
fn entry_form_message_and_empty_rows_are_skipped() {
    let rows = "\
        <tr><td colspan=\"4\">No API keys yet</td></tr>\
        <tr><td></td><td> </td><td>&nbsp;</td><td></td></tr>\
        <tr></tr>\
        <tr><td>Halo</td><td></td><td><input type=\"checkbox\"></td><td><button>Revoke</button></td></tr>\
        <tr><td><input placeholder=\"Enter Name\" value=\"\"></td><td></td><td><input type=\"checkbox\"></td><td></td></tr>\
        <tr><td><input></td><td></td><td><input type=\"checkbox\"></td><td><button type=\"submit\">Generate API Key</button></td></tr>\
        <tr><td>Enter Name</td><td></td><td></td><td></td></tr>";
    let parsed = parse("page.html", &page(rows));
    assert_eq!(names(&parsed), ["Halo"]);
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("page.html", 5)]
    );
}

#[test]
fn header_from_th_row_or_first_row_with_spans() {
    // No thead: the first row with th cells; a spanned header column.
    let text = "<table><tr><td colspan=2>API Keys</td></tr>\
        <tr><th>Name</th><th colspan=\"2\">Key</th><th>Owner</th></tr>\
        <tr><td>Halo</td><td>ITG.0123456789abcdef0123456789abcdef</td><td>(copy)</td><td>J. Smith</td></tr></table>";
    let parsed = parse("page.html", text);
    assert_eq!(names(&parsed), ["Halo"]);
    assert_eq!(parsed.keys[0].owner.as_deref(), Some("J. Smith"));
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("page.html", 3)]
    );
    // No th at all: the first row.
    let text =
        "<table><tr><td>Name</td><td>Key Prefix</td></tr><tr><td>Halo</td><td></td></tr></table>";
    assert_eq!(names(&parse("page.html", text)), ["Halo"]);
    // A thead of two rows: the one with the columns.
    let text = "<table><thead><tr><th colspan=2>Keys</th></tr><tr><th>Name</th><th>Key</th></tr></thead>\
        <tbody><tr><td>Halo</td><td></td></tr></tbody></table>";
    let parsed = parse("page.html", text);
    assert_eq!(names(&parsed), ["Halo"]);
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("page.html", 3)]
    );
}

#[test]
fn innermost_matching_table_of_a_layout_table() {
    let text = "<table class=\"layout\"><tr><td>Menu</td><td>\
        <table><tr><th>Name</th><th>Key</th></tr><tr><td>Halo</td><td></td></tr></table>\
        </td></tr><tr><td>Name</td><td>Key</td></tr></table>";
    let parsed = parse("page.html", text);
    assert_eq!(names(&parsed), ["Halo"]);
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("page.html (table 2)", 2)]
    );
    // An outer table whose own header matches, holding a matching table.
    let text = "<table><tr><th>Name</th><th>Key</th></tr><tr><td>outer</td><td>\
        <table><tr><th>Name</th><th>Key</th></tr><tr><td>inner</td><td></td></tr></table></td></tr></table>";
    assert_eq!(names(&parse("page.html", text)), ["inner"]);
}

#[test]
fn no_matching_table_lists_the_tables_found() {
    let text = "<html><body><nav><a href=\"/\">Home</a></nav>\
        <table><thead><tr><th>Name</th><th>Date</th></tr></thead><tr><td>a</td><td>b</td></tr></table>\
        <table><tr><th>Key</th><th>Action</th></tr></table><table></table></body></html>";
    let m = error("page.html", text);
    for part in [
        "page.html: found no table whose header row has a name column and a key column",
        "table 1 with headers \"Name\", \"Date\"",
        "table 2 with headers \"Key\", \"Action\"",
        "table 3 without rows",
        "expected an HTML table whose header row has a name column (one of: \"Name\"",
        "a key column (one of: \"Key\", \"API Key\"",
    ] {
        assert!(m.contains(part), "`{part}` missing from: {m}");
    }
    let m = error(
        "page.html",
        "<!DOCTYPE html><html><body><p>Loading…</p></body></html>",
    );
    assert!(m.contains("found no <table> element"), "{m}");
}

#[test]
fn invalid_cells_name_the_table_row_and_column() {
    let keys = page(
        "<tr><td>Halo</td><td></td><td>yes</td><td></td></tr>\
        <tr><td>Datto</td><td></td><td>maybe</td><td></td></tr>",
    );
    let text = format!("<table><tr><th>Name</th><th>Date</th></tr></table>{keys}");
    let m = error("page.html", &text);
    assert!(
        m.starts_with("page.html (table 2):3, column \"Password Access\": found `maybe`"),
        "{m}"
    );
    let m = error(
        "page.html",
        &page("<tr><td>Halo</td><td><code>not a key</code></td><td></td><td></td></tr>"),
    );
    assert!(
        m.starts_with("page.html:2, column \"Key\": found `not a key`"),
        "{m}"
    );
    let m = error(
        "page.html",
        &page("<tr><td>Halo</td><td></td><td></td><td></td><td>extra</td></tr>"),
    );
    assert!(
        m.starts_with("page.html:2, column \"column 5\": found `extra`"),
        "{m}"
    );
    let m = error(
        "page.html",
        "<table><tr><th>Name</th><th>Key</th><th>API Key</th></tr></table>",
    );
    assert!(m.contains("found both \"Key\" and \"API Key\""), "{m}");
    let m = error(
        "page.html",
        &page(
            "<tr><td>a</td><td>ITG.0123456789abcdef0123456789abcdef</td><td></td><td></td></tr>\
             <tr><td>b</td><td>ITG.0123456789abcdef0123456789abcdef.*****</td><td></td><td></td></tr>",
        ),
    );
    assert!(
        m.contains("page.html:3, column \"Key\"") && m.contains("row 2"),
        "{m}"
    );
}

#[test]
fn full_keys_anywhere_in_the_page_are_redacted_and_recorded() {
    let key = format!("ITG.{HEX}.{SECRET}");
    let encoded = format!("ITG&#46;{HEX}&#x2E;{SECRET}");
    let text = format!(
        "<!DOCTYPE html>\n<html><head><script>\nvar k = \"{key}\";\n</script></head>\n<body>\n\
         <nav data-token=\"{encoded}\"><a href=\"/\">Home</a></nav>\n\
         <table><thead><tr><th>Name</th><th>Key</th><th>Password Access</th></tr></thead><tbody>\n\
         <tr data-key=\"{key}\"><td>Halo<input type=\"hidden\" name=\"secret\" value=\"{key}\"></td>\n\
         <td><code>{key}</code></td><td><input type=\"checkbox\" checked></td></tr>\n\
         <tr><td><input value=\"new key {encoded}\"></td><td><b>ITG.{HEX2}.</b><i>{SECRET}</i></td><td></td></tr>\n\
         </tbody></table>\n<!-- {key} -->\n</body></html>"
    );
    let parsed = parse("page.html", &text);
    let debug = format!("{parsed:?}");
    assert!(!debug.contains("S3cr3t"), "the secret leaked: {debug}");
    assert_eq!(
        fingerprints(&parsed),
        [
            Some(format!("ITG.{HEX}").as_str()),
            Some(format!("ITG.{HEX2}").as_str())
        ]
    );
    assert_eq!(parsed.keys[0].password_access, Some(true));
    assert_eq!(parsed.keys[1].name, format!("new key ITG.{HEX}.*****"));
    let places: Vec<String> = parsed
        .exposures
        .iter()
        .map(|e| format!("{} {}", &e.fingerprint.as_str()[4..8], e.location))
        .collect();
    assert_eq!(
        places,
        [
            "0a1b page.html (line 3)",
            "0a1b page.html",
            "0a1b page.html:2",
            "0a1b page.html:2, column \"Name\"",
            "0a1b page.html:2, column \"Key\"",
            "0a1b page.html:3, column \"Name\"",
            "0a1b page.html (line 12)",
            "1111 page.html:3, column \"Key\"",
        ]
    );
}

#[test]
fn secrets_never_reach_errors() {
    let key = format!("ITG.{HEX}.{SECRET}");
    for text in [
        // In the headers listed by the no-table error.
        format!("<table><tr><th>{key}</th><th>Date</th></tr></table>"),
        format!("<table><tr><th>Name</th><th>Date &#x49;TG.{HEX}.{SECRET}</th></tr></table>"),
        // In an invalid cell.
        page(&format!(
            "<tr><td>Halo</td><td></td><td>{key}</td><td></td></tr>"
        )),
        page(&format!(
            "<tr><td>Halo</td><td><span>{key}</span> (old)</td><td></td><td></td></tr>"
        )),
        page(&format!(
            "<tr><td>Halo</td><td></td><td>ITG.{HEX}.S3cr3t<b>V4lu3XyZq9</b></td><td></td></tr>"
        )),
    ] {
        let err = parse_inventory("page.html", text.as_bytes()).unwrap_err();
        assert!(!err.to_string().contains("S3cr3t"), "{err}");
        assert!(!format!("{err:?}").contains("S3cr3t"), "{err:?}");
    }
}

#[test]
fn deep_nesting_and_many_tables_read_up_to_the_depth_limit() {
    let cell = |depth: usize| {
        format!(
            "<tr><td>{}Deep{}</td><td></td><td><input type=checkbox></td><td></td></tr>",
            "<span>".repeat(depth),
            "</span>".repeat(depth)
        )
    };
    let tables = |depth: usize| {
        format!(
            "{}<table><tr><th>Name</th><th>Key</th></tr><tr><td>Inner</td><td></td></tr></table>{}",
            "<table><tr><td>".repeat(depth),
            "</td></tr></table>".repeat(depth)
        )
    };
    assert_eq!(names(&parse("page.html", &page(&cell(200)))), ["Deep"]);
    let parsed = parse("page.html", &tables(200));
    assert_eq!(names(&parsed), ["Inner"]);
    assert_eq!(
        parsed.keys[0].sources,
        [SourceLocation::row("page.html (table 201)", 2)]
    );
    // Past the limit (256 elements that need an end tag), refused before
    // the parse, whose work would grow with the square of the depth.
    for text in [page(&cell(50_000)), tables(2_000)] {
        let message = error("page.html", &text);
        assert!(
            message.contains("found an element nested more than 256 deep"),
            "{message}"
        );
    }
}
