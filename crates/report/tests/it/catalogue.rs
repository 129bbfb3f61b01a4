//! The rule catalogue (`keyaudit rules`) in each of its formats, over the
//! engine's rule registry.

use keyaudit_engine::rules;
use keyaudit_report::{CATALOGUE_FORMATS, Document, Format, RenderOptions};

fn rendered(format: Format) -> String {
    let mut out = Vec::new();
    rules::catalogue()
        .render(format, &RenderOptions::default(), &mut out)
        .expect("rendering to a Vec cannot fail");
    String::from_utf8(out).expect("renderers write UTF-8")
}

#[test]
fn catalogue_formats_are_table_json_and_markdown() {
    assert_eq!(
        CATALOGUE_FORMATS,
        [Format::Table, Format::Json, Format::Markdown]
    );
    assert_eq!(rules::catalogue().formats(), CATALOGUE_FORMATS);
}

#[test]
fn catalogue_table_snapshot() {
    let out = rendered(Format::Table);
    assert!(
        !out.contains('\u{1b}'),
        "the catalogue table is never coloured"
    );
    insta::assert_snapshot!("catalogue_table", out);
}

#[test]
fn catalogue_markdown_snapshot() {
    let out = rendered(Format::Markdown);
    for rule in rules::catalogue().rules {
        assert!(
            out.contains(&format!("\n## {}\n", rule.code)),
            "{}",
            rule.code
        );
    }
    insta::assert_snapshot!("catalogue_markdown", out);
}

#[test]
fn catalogue_json_snapshot() {
    let out = rendered(Format::Json);
    let back: keyaudit_model::Catalogue = serde_json::from_str(&out).unwrap();
    assert_eq!(back, rules::catalogue());
    insta::assert_snapshot!("catalogue_json", out);
}
