//! Every error names the file, the row, the column and the offending value,
//! and says what would be valid — on one line.

use keyaudit_ingest::{IngestError, parse_inventory};

fn error(name: &str, text: &[u8]) -> String {
    let err = parse_inventory(name, text).expect_err("the input is invalid");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(message.starts_with(name), "names the file first: {message}");
    message
}

fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }
}

#[test]
fn missing_name_column() {
    let m = error(
        "keys.csv",
        b"Key,Owner,Actions\nITG.0123456789abcdef0123456789abcdef,J. Smith,Revoke\n",
    );
    assert_contains(
        &m,
        &[
            "keys.csv:1",
            "\"Key\"",
            "\"Owner\"",
            "\"Actions\"",
            "\"Name\"",
            "\"Key Name\"",
            "\"API Key Name\"",
        ],
    );
    let m = error(
        "keys.json",
        br#"[{"name": "a"}, {"key": null, "owner": "J. Smith"}]"#,
    );
    assert_contains(
        &m,
        &["keys.json:2", "\"key\"", "\"owner\"", "\"API Key Name\""],
    );
}

#[test]
fn bad_date() {
    let m = error(
        "keys.csv",
        b"Name,Created\nHaloPSA Integration,2024-01-01\nDatto RMM sync,31/12/2023\n",
    );
    assert_eq!(
        m.split(';').next().unwrap(),
        "keys.csv:3, column \"Created\": found `31/12/2023`"
    );
    assert_contains(&m, &["expected", "2024-03-31", "RFC 3339"]);
    let m = error("keys.csv", b"Name,Created At\nHudu migration,never\n");
    assert_contains(
        &m,
        &[
            "keys.csv:2, column \"Created At\": found `never`",
            "last-used column only",
        ],
    );
    let m = error("keys.tsv", b"Name\tLast Seen\nHudu migration\tyesterday\n");
    assert_contains(
        &m,
        &[
            "keys.tsv:2, column \"Last Seen\": found `yesterday`",
            "`never`",
            "empty cell",
        ],
    );
}

#[test]
fn bad_password_access() {
    let m = error(
        "keys.tsv",
        b"Name\tPassword Access\nHaloPSA Integration\tmaybe\n",
    );
    assert_contains(
        &m,
        &[
            "keys.tsv:2, column \"Password Access\": found `maybe`",
            "expected",
            "true",
            "yes",
            "✓",
            "☐",
            "disabled",
            "checkbox",
        ],
    );
    let m = error("keys.json", br#"[{"name": "a", "password access": 1}]"#);
    assert_contains(
        &m,
        &[
            "keys.json:1, column \"password access\": found `1`",
            "true, false, a string or null",
        ],
    );
}

#[test]
fn bad_state() {
    let m = error("keys.csv", b"Name,State\nHaloPSA Integration,disabled\n");
    assert_contains(
        &m,
        &[
            "keys.csv:2, column \"State\": found `disabled`",
            "active, paused or revoked",
        ],
    );
}

#[test]
fn bad_key_cell() {
    let m = error("keys.csv", b"Name,Key\nHaloPSA Integration,ITG.12345\n");
    assert_contains(
        &m,
        &[
            "keys.csv:2, column \"Key\": found `ITG.12345`",
            "ITG.<32 hex digits>.*****",
            "empty cell",
        ],
    );
    // Something that may be a secret is described, not quoted.
    let m = error(
        "keys.csv",
        b"Name,Key\nHaloPSA Integration,ITG.0123456789abcdef0123456789abcdef.abc\n",
    );
    assert_contains(
        &m,
        &[
            "keys.csv:2, column \"Key\": found a value of 40 characters",
            "not shown",
        ],
    );
    assert!(!m.contains(".abc"), "{m}");
    let m = error(
        "keys.csv",
        b"Name,Key\nHaloPSA Integration,sk_live_51HxQvZLkdfjhsdkfjhsdkjfh\n",
    );
    assert!(!m.contains("sk_live"), "{m}");
}

#[test]
fn duplicate_fingerprint_in_one_file() {
    let text = "Name\tKey\nHaloPSA Integration\tITG.0123456789ABCDEF0123456789abcdef.*****\nDatto RMM sync\t\nHudu migration\tITG.0123456789abcdef0123456789abcdef\n";
    let m = error("paste.tsv", text.as_bytes());
    assert_contains(
        &m,
        &[
            "paste.tsv:4, column \"Key\"",
            "ITG.0123456789abcdef0123456789abcdef",
            "row 2",
            "once per file",
        ],
    );
}

#[test]
fn duplicate_header() {
    let m = error(
        "keys.csv",
        b"Name,Notes,API Key Name\nHaloPSA Integration,x,y\n",
    );
    assert_contains(
        &m,
        &["keys.csv:1, column \"API Key Name\"", "\"Name\"", "name"],
    );
    let m = error("keys.json", br#"[{"name": "a", "key_name": "b"}]"#);
    assert_contains(&m, &["keys.json:1", "\"key_name\"", "\"name\""]);
}

#[test]
fn extra_non_empty_cell() {
    let m = error(
        "keys.csv",
        b"Name,Owner\nHaloPSA Integration,J. Smith,oops\n",
    );
    assert_contains(
        &m,
        &[
            "keys.csv:2, column \"column 3\": found `oops`",
            "2 header columns",
        ],
    );
}

#[test]
fn non_utf8_input() {
    let mut data = b"Name,Owner\nHaloPSA Integration,J. Smith\nCaf".to_vec();
    data.extend([0xE9, b',', b'\n']);
    let err = parse_inventory("latin1.csv", &data).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::NotUtf8 {
                line: 3,
                offset: 43,
                ..
            }
        ),
        "{err:?}"
    );
    let m = err.to_string();
    assert_contains(
        &m,
        &[
            "latin1.csv:3",
            "byte 0xE9",
            "byte offset 43",
            "save the file as UTF-8",
        ],
    );
    let m = error("utf16.csv", &[0xFF, 0xFE, b'N', 0]);
    assert_contains(&m, &["UTF-16", "UTF-8"]);
}

#[test]
fn json_value_of_wrong_type() {
    let m = error("keys.json", br#"{"keys": [{"name": "a", "owner": ["x"]}]}"#);
    assert_contains(
        &m,
        &[
            "keys.json:1, column \"owner\"",
            "an array",
            "a string or null",
        ],
    );
    let m = error("keys.json", br#"[{"name": true}]"#);
    assert_contains(
        &m,
        &[
            "keys.json:1, column \"name\": found `true`",
            "a string or null",
        ],
    );
    let m = error("keys.json", br#"["HaloPSA Integration"]"#);
    assert_contains(&m, &["keys.json:1: found `HaloPSA Integration`", "object"]);
}

#[test]
fn json_of_wrong_shape_or_syntax() {
    let m = error("keys.json", b"{\"items\": []}");
    assert_contains(&m, &["\"items\"", "\"keys\""]);
    let m = error("keys.json", b"[\n  {\"name\": \"a\",}\n]");
    assert_contains(
        &m,
        &["keys.json: invalid JSON at line 2", "expected a JSON array"],
    );
}

#[test]
fn hostile_rows_and_pages_stop_at_the_limits() {
    use keyaudit_ingest::Limit;
    const LIMIT: &str = "(a limit keyaudit holds every file to: is this the right file?)";
    let start = std::time::Instant::now();
    let limit_of = |text: &[u8]| match parse_inventory("keys.csv", text) {
        Err(IngestError::LimitExceeded { limit, .. }) => limit,
        other => panic!("{:?}", other.map(|p| p.keys.len())),
    };
    // A header of 20 MiB of commas.
    let mut text = b"Name,Key".to_vec();
    text.extend(std::iter::repeat_n(b',', 20 << 20));
    text.extend(b"\nHalo,\n");
    assert_eq!(limit_of(&text), Limit::RowBytes);
    assert_eq!(
        error("keys.csv", &text),
        format!(
            "keys.csv:1: found a row longer than 1 MiB; expected at most 1 MiB (1048576 bytes) \
             per row {LIMIT}"
        )
    );
    // Columns: 1,000 read, 1,001 refused, in the header or a key's row.
    let columns = |n: usize| format!("Name{}", ",x".repeat(n - 1));
    let keys = format!("{}\nHalo\n", columns(1000));
    assert_eq!(
        parse_inventory("keys.csv", keys.as_bytes())
            .unwrap()
            .keys
            .len(),
        1
    );
    assert_eq!(
        error("keys.csv", format!("{}\nHalo\n", columns(1001)).as_bytes()),
        format!(
            "keys.csv:1: found a row of 1001 cells; expected at most 1000 columns per row {LIMIT}"
        )
    );
    let text = format!("Name,Key\nHalo,\n{}\n", ",".repeat(5000));
    assert_eq!(limit_of(text.as_bytes()), Limit::Columns);
    assert!(
        error("keys.csv", text.as_bytes()).starts_with("keys.csv:3: found a row of 5001 cells")
    );
    // A page nested 200,000 deep.
    let page = format!(
        "<html><body>\n{}<table><tr><th>Name<th>Key<tr><td>Halo<td></table>",
        "<div>".repeat(200_000)
    );
    assert_eq!(limit_of(page.as_bytes()), Limit::HtmlDepth);
    assert_eq!(
        error("keys.html", page.as_bytes()),
        format!(
            "keys.html (line 2): found an element nested more than 256 deep; expected at most \
             256 nested elements {LIMIT}"
        )
    );
    // A real page's depth is far from it.
    let page = format!(
        "<html><body>{}<table><tr><th>Name<th>Key<tr><td>Halo<td></table>{}",
        "<div>".repeat(100),
        "</div>".repeat(100)
    );
    assert_eq!(
        parse_inventory("keys.html", page.as_bytes())
            .unwrap()
            .keys
            .len(),
        1
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}
