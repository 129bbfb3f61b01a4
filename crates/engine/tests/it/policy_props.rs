//! Property tests of the policy parser: whatever the text — arbitrary bytes,
//! arbitrary Unicode, TOML built from the policy's own vocabulary, real
//! policies with pieces cut out or pasted in — `parse_policy` returns a
//! policy or errors, never panics, and every error has a real place (a line
//! of the text, a column within it) and one line of message. Parsing is
//! deterministic, and a full API key anywhere in the text never reaches a
//! value, a message or a `Debug` output.

use keyaudit_engine::{DEFAULT_POLICY_TOML, PolicyErrors, ValidPolicy, parse_policy};
use proptest::prelude::*;

const FILE: &str = "fuzz.toml";
const SECRET: &str = "Pr0pS3cretKeyValueZq9";

fn demo_policy() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo/keyaudit.toml"),
    )
    .unwrap()
}

fn mistakes_policy() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/bad/policy-every-mistake.toml"),
    )
    .unwrap()
}

/// Checks what every result must satisfy, and returns it.
fn check(text: &str) -> Result<ValidPolicy, PolicyErrors> {
    let result = parse_policy(FILE, text);
    // Deterministic: the same text gives the same answer.
    let again = parse_policy(FILE, text);
    match (&result, &again) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            assert_eq!(a.digest(), b.digest());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("two parses of one text disagree"),
    }
    if let Err(errors) = &result {
        check_errors(text, errors);
    }
    result
}

fn check_errors(text: &str, errors: &PolicyErrors) {
    assert!(!errors.errors.is_empty(), "an Err holds at least one error");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut previous = (0, 0);
    for error in &errors.errors {
        assert_eq!(error.file, FILE);
        assert!(error.line >= 1 && error.column >= 1, "{error:?}");
        assert!(
            error.line <= lines.len(),
            "line {} of a text of {} lines: {error:?}",
            error.line,
            lines.len()
        );
        let line = lines[error.line - 1];
        assert!(
            error.column <= line.chars().count() + 1,
            "column {} of a line of {} characters ({line:?}): {error:?}",
            error.column,
            line.chars().count()
        );
        assert!(!error.message.trim().is_empty(), "{error:?}");
        assert!(!error.message.contains('\n'), "one line: {error:?}");
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("{FILE}:{}:{}: ", error.line, error.column)),
            "{shown}"
        );
        assert!(
            (error.line, error.column) >= previous,
            "errors in file order: {errors:?}"
        );
        previous = (error.line, error.column);
    }
    assert_eq!(errors.to_string().lines().count(), errors.errors.len());
}

/// Bits of policy: headers, keys and values, valid and not.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        // Table headers, known and not, well-formed and not.
        prop::sample::select(vec![
            "[idle]",
            "[naming]",
            "[rotation]",
            "[severity]",
            "[password_access]",
            "[[password_access.allow]]",
            "[[mute]]",
            "[[bind]]",
            "[notify]",
            "[[idle]]",
            "[idle.deep]",
            "[[mute]",
            "[",
            "]]",
        ])
        .prop_map(|s| format!("\n{s}\n")),
        // key = value lines.
        (
            prop::sample::select(vec![
                "warn_after_days",
                "high_after_days",
                "revoke_after_days",
                "never_used_grace_days",
                "generic_names",
                "min_length",
                "pattern",
                "max_age_days",
                "key",
                "finding",
                "rule",
                "reason",
                "expires",
                "user_agent",
                "ip",
                "user_id",
                "actor",
                "allow",
                "\"generic-name\"",
                "\"idle-key\"",
                "\"no-such-rule\"",
                "warn_days",
                "\"é\\n\"",
                "'lit'",
                "a.b.c",
            ]),
            value(),
        )
            .prop_map(|(k, v)| format!("{k} = {v}\n")),
        // Raw punctuation and noise.
        prop::sample::select(vec![
            "=", "\"", "'", "'''", "\"\"\"", "#", "\n", "\r\n", "\t", " ", ",", "{", "}", "[", "]",
            ".", "\\", "\u{0}", "\u{feff}", "é",
        ])
        .prop_map(str::to_string),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..200).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<bool>().prop_map(|b| b.to_string()),
        prop::sample::select(vec![
            "\"\"",
            "\"  \"",
            "\"HaloPSA\"",
            "\"ITG.0123456789abcdef0123456789abcdef\"",
            "\"ITG.0123456789abcdef0123456789abcdef.*****\"",
            "\"2027-01-31\"",
            "2027-01-31",
            "2027-01-31T10:00:00Z",
            "\"2027-02-30\"",
            "\"31/01/2027\"",
            "\"low\"",
            "\"lowest\"",
            "\"rotation-due\"",
            "\"idle-key:0123456789ab\"",
            "'(?P<vendor>[^-]+) - (?P<owner>.+)'",
            "'(unclosed'",
            "'\\\\p{Nope}'",
            "\"203.0.113.7\"",
            "\"198.51.100.7/24\"",
            "\"2001:db8::/129\"",
            "\"10.0.0.0/x\"",
            "[]",
            "[\"a*\", \"\"]",
            "[1, \"x\"]",
            "{ key = \"x\" }",
            "{ key = \"x\", reason = \"y\" }",
            "[{ key = \"R\", user_agent = \"R*\" }]",
            "inf",
            "nan",
            "\"\\u0000\"",
            "\"\\n\"",
            "\"line\\nbreak\"",
        ])
        .prop_map(str::to_string),
        "\"[^\"\\\\\\n]{0,12}\"",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_give_a_policy_or_placed_errors(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let _ = check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_unicode_gives_a_policy_or_placed_errors(text in "\\PC{0,200}") {
        let _ = check(&text);
    }

    #[test]
    fn arbitrary_text_with_control_characters(text in "[\\x00-\\x7f\u{80}-\u{10ffff}]{0,120}") {
        let _ = check(&text);
    }

    #[test]
    fn policy_vocabulary_in_any_order(pieces in prop::collection::vec(piece(), 0..40)) {
        let _ = check(&pieces.concat());
    }

    #[test]
    fn real_policies_with_a_piece_cut_out_or_pasted_in(
        which in 0..3usize,
        at in any::<prop::sample::Index>(),
        len in 0..40usize,
        paste in prop::collection::vec(piece(), 0..3),
    ) {
        let base = match which {
            0 => DEFAULT_POLICY_TOML.to_string(),
            1 => demo_policy(),
            _ => mistakes_policy(),
        };
        let chars: Vec<char> = base.chars().collect();
        let start = at.index(chars.len() + 1);
        let end = (start + len).min(chars.len());
        let mut text: String = chars[..start].iter().collect();
        text.push_str(&paste.concat());
        text.extend(&chars[end..]);
        let _ = check(&text);
    }

    #[test]
    fn a_full_key_anywhere_never_reaches_a_value_or_a_message(
        pieces in prop::collection::vec(piece(), 0..20),
        at in any::<prop::sample::Index>(),
        quoted in any::<bool>(),
    ) {
        let key = format!("ITG.0123456789abcdef0123456789abcdef.{SECRET}");
        let key = if quoted { format!("\"{key}\"") } else { key };
        let mut text = pieces.concat();
        let mut cut = at.index(text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.insert_str(cut, &key);
        let shown = match check(&text) {
            Ok(policy) => {
                prop_assert!(!policy.exposures().is_empty());
                format!("{policy:?} {:?}", policy.info())
            }
            Err(errors) => format!("{errors} {errors:?}"),
        };
        prop_assert!(!shown.contains(SECRET), "{}", shown);
    }
}

#[test]
fn a_full_key_in_a_key_reference_names_the_key_by_its_fingerprint() {
    let text = format!(
        "[[password_access.allow]]\nkey = \"ITG.0123456789abcdef0123456789abcdef.{SECRET}\"\n\
         reason = \"pasted in full\"\n"
    );
    let policy = check(&text).unwrap();
    assert_eq!(
        policy.password_access.allow[0].key,
        "ITG.0123456789abcdef0123456789abcdef.*****"
    );
    assert_eq!(policy.exposures().len(), 1);
    assert_eq!(
        policy.exposures()[0].location.to_string(),
        format!("{FILE}:2")
    );
    // The digest is of the file as written, not of the redacted text.
    let redacted = check(&text.replace(SECRET, "*****")).unwrap();
    assert_eq!(redacted, policy);
    assert_ne!(redacted.digest(), policy.digest());
}

#[test]
fn the_every_mistake_policy_reports_errors_of_every_kind() {
    use keyaudit_engine::PolicyErrorKind::*;
    let errors = check(&mistakes_policy()).unwrap_err();
    for kind in [UnknownKey, WrongType, InvalidValue, MissingKey] {
        assert!(
            errors.errors.iter().any(|e| e.kind == kind),
            "no {kind:?} error: {errors}"
        );
    }
    let syntax = check("[idle]\nwarn_after_days = = 4\n").unwrap_err();
    assert!(syntax.errors.iter().all(|e| e.kind == Syntax), "{syntax}");
}

#[test]
fn keys_back_to_back_or_broken_are_redacted_with_the_lines_kept() {
    let (head, tail) = SECRET.split_at(8);
    // Back to back (the first secret stops before the second key), broken
    // by a zero-width space, and broken over two lines of a string.
    let reason = format!(
        "ITG.0123456789abcdef0123456789abcdef.abcdefghITG.fedcba9876543210fedcba9876543210.{SECRET} \
         ITG.1111111111111111\u{200B}1111111111111111.{SECRET} \
         ITG.22222222222222222222222222222222.{head}\n{tail}"
    );
    let text =
        format!("[[password_access.allow]]\nkey = \"halo\"\nreason = \"\"\"{reason}\"\"\"\n");
    let policy = check(&text).unwrap();
    let shown = format!("{policy:?}");
    assert!(!shown.contains(head) && !shown.contains(tail), "{shown}");
    let mut fingerprints: Vec<&str> = policy
        .exposures()
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    fingerprints.sort_unstable();
    assert_eq!(
        fingerprints,
        [
            "ITG.0123456789abcdef0123456789abcdef",
            "ITG.11111111111111111111111111111111",
            "ITG.22222222222222222222222222222222",
            "ITG.fedcba9876543210fedcba9876543210",
        ]
    );
    // A mistake after the key broken over lines keeps its line number.
    let errors = check(&format!("{text}[idle]\nwarn_days = 3\n")).unwrap_err();
    assert_eq!(errors.errors.len(), 1, "{errors}");
    assert!(
        errors
            .to_string()
            .starts_with(&format!("{FILE}:6:1: unknown key `warn_days`")),
        "{errors}"
    );
    assert!(!format!("{errors} {errors:?}").contains(tail), "{errors}");
}
