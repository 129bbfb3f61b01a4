//! Case folding for matching: one mapping used on both sides (policy values
//! and event values), so that the matchers agree with each other.
//!
//! ASCII letters are lower-cased; any other character is replaced by the
//! first character of its Unicode lower-case mapping (the simple mapping,
//! character by character: no final-sigma rule). Matchers built with
//! `ascii_case_insensitive` can search ASCII text as it is; text with
//! non-ASCII characters is folded first.

/// The folded form of one character.
#[inline]
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// The folded form of a policy value.
pub(crate) fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// `s` for the ASCII-case-insensitive matchers: itself when it is ASCII,
/// else its folded form, written into `buf`.
#[inline]
pub(crate) fn for_search<'a>(s: &'a str, buf: &'a mut String) -> &'a str {
    if s.is_ascii() {
        s
    } else {
        buf.clear();
        buf.extend(s.chars().map(fold_char));
        buf
    }
}

/// `s` fully folded, for exact lookups: itself when it has nothing to fold,
/// else written into `buf`. Allocates only while `buf` grows.
#[inline]
pub(crate) fn folded<'a>(s: &'a str, buf: &'a mut String) -> &'a str {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        s
    } else {
        buf.clear();
        buf.extend(s.chars().map(fold_char));
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_ascii_and_other_letters() {
        let mut buf = String::new();
        assert_eq!(folded("halo", &mut buf), "halo");
        assert_eq!(folded("HaloPSA", &mut buf), "halopsa");
        assert_eq!(folded("ÉLAN Sync", &mut buf), "élan sync");
        assert_eq!(for_search("HaloPSA/2.1", &mut buf), "HaloPSA/2.1");
        assert_eq!(for_search("ÉLAN/1", &mut buf), "élan/1");
        assert_eq!(fold("ΣΑΣ"), "σασ");
    }
}
