//! Helpers shared by every tabular input (inventories and activity-log
//! exports): delimiter detection, header normalisation and quoted lists for
//! messages.

/// Picks the delimiter from the first non-empty line: the most frequent of
/// tab, comma and semicolon outside double quotes; tab wins ties, then comma.
///
/// Returns the delimiter byte and the format's name (`tsv`, `csv`,
/// `semicolon`).
pub(crate) fn detect_delimiter(text: &str) -> (u8, &'static str) {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut tabs, mut commas, mut semicolons) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            '\t' if !quoted => tabs += 1,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if tabs >= commas && tabs >= semicolons {
        (b'\t', "tsv")
    } else if commas >= semicolons {
        (b',', "csv")
    } else {
        (b';', "semicolon")
    }
}

/// A header as compared: lower case, without whitespace, `-` or `_`.
pub(crate) fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Quoted, comma-separated list of texts.
pub(crate) fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| format!("\"{s}\"")).collect();
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_the_most_frequent_outside_quotes() {
        assert_eq!(detect_delimiter("Name,Key,Owner\n").1, "csv");
        assert_eq!(detect_delimiter("\n\n  \nName;Key;Owner\n").1, "semicolon");
        assert_eq!(detect_delimiter("Name\tKey\n").1, "tsv");
        assert_eq!(detect_delimiter("\"a;b;c\",Name\n").1, "csv");
        assert_eq!(detect_delimiter("Name,Key\tOwner;X\n").1, "tsv");
        assert_eq!(detect_delimiter("Name,Key;Owner\n").1, "csv");
        assert_eq!(detect_delimiter("Name\n").1, "tsv");
    }

    #[test]
    fn normalise_ignores_case_spaces_dashes_and_underscores() {
        assert_eq!(normalise(" API_Key-Name "), "apikeyname");
        assert_eq!(normalise("Date/Time"), "date/time");
    }
}
