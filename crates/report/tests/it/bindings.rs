//! The TOML of suggested bindings.

use chrono::{TimeZone, Utc};
use keyaudit_model::{
    BindingSuggestion, BindingSuggestions, KeyFingerprint, KeyRef, SuggestedKey, ValueCount,
};

fn suggestion(key: Option<&str>, product: &str, agent: &str) -> BindingSuggestion {
    BindingSuggestion {
        key: key.map(|name| SuggestedKey {
            key: KeyRef {
                id: "313c4095c9c0".into(),
                name: name.into(),
                fingerprint: KeyFingerprint::parse("ITG.45df64a0dd9df8a7a79dc4382927a045"),
                account: None,
            },
            binding_key: name.into(),
        }),
        candidates: Vec::new(),
        product: product.into(),
        user_agent: vec![format!("{product}/*")],
        ip: vec!["203.0.113.7".into()],
        events: 40,
        first_seen: Utc.with_ymd_and_hms(2026, 10, 27, 8, 0, 0).unwrap(),
        last_seen: Utc.with_ymd_and_hms(2026, 11, 20, 17, 30, 0).unwrap(),
        source_ips: vec![ValueCount {
            value: "203.0.113.7".into(),
            count: 40,
        }],
        user_agents_seen: vec![ValueCount {
            value: agent.into(),
            count: 40,
        }],
        reason: "the user agent's product and the key's name share the word \"halopsa\"".into(),
    }
}

fn rendered(suggestions: &BindingSuggestions) -> String {
    let mut out = Vec::new();
    keyaudit_report::bindings::render(suggestions, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn bindings_snapshot() {
    let suggestions = BindingSuggestions {
        events_seen: 120,
        unattributed: 52,
        events_not_clustered: 0,
        suggestions: vec![
            suggestion(
                Some("HaloPSA Integration"),
                "HaloPSA-Connector",
                "HaloPSA-Connector/3.2",
            ),
            BindingSuggestion {
                reason: "no key's name shares a distinctive word with `Zapier`".into(),
                ..suggestion(None, "Zapier", "Zapier/1.0")
            },
        ],
    };
    insta::assert_snapshot!(rendered(&suggestions));
}

#[test]
fn text_from_inputs_cannot_add_settings() {
    let hostile = "Halo\"\n[[bind]]\nkey = \"evil\" \\";
    let suggestions = BindingSuggestions {
        suggestions: vec![
            suggestion(Some(hostile), "Halo\nip = [\"0.0.0.0/0\"]", "x\r\n[idle]"),
            suggestion(None, "Zap\u{202e}ier", "Zapier/1.0\n[naming]"),
        ],
        ..BindingSuggestions::default()
    };
    let text = rendered(&suggestions);
    let settings: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        settings,
        [
            "[[bind]]",
            r#"key = "Halo\"\u000A[[bind]]\u000Akey = \"evil\" \\""#,
            r#"user_agent = ["Halo\u000Aip = [\"0.0.0.0/0\"]/*"]"#,
            r#"ip = ["203.0.113.7"]"#,
        ],
        "{text}"
    );
    assert!(!text.contains('\u{202e}') && !text.contains('\r'));
}
