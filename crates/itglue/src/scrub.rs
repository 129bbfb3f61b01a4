//! Fragments of the API key in text received from the server.
//!
//! The rule: no run of [`RUN`] characters of the key's secret may reach an
//! output, in any letter case, percent-encoded or JSON-escaped. (The
//! fingerprint, `ITG.<32 hex>`, is not secret: IT Glue shows it to every
//! administrator, and keyaudit names exposed keys by it.) Text from the server is therefore never shown verbatim
//! unless it is free of such runs: [`KeyFragments::scrub`] withholds a text
//! that holds one, and [`KeyFragments::withhold_in_record`] the strings of a
//! record that do.

use std::borrow::Cow;

use keyaudit_model::key_shape;

/// The length of the runs looked for.
pub(crate) const RUN: usize = 12;

/// What a withheld text is replaced by.
pub(crate) const WITHHELD: &str = "[withheld: it holds part of the API key used for this fetch]";

/// The runs of the key to look for, lower-cased, as rolling hashes.
#[derive(Clone)]
pub(crate) struct KeyFragments {
    /// The secret part of the key, lower-cased (one part; a list so that
    /// the search stays general).
    parts: Vec<Vec<u8>>,
    /// The run length: [`RUN`], or a whole part when it is shorter.
    len: usize,
    /// Hashes of every run, sorted.
    hashes: Vec<u64>,
    /// `B^(len-1)`, to drop a byte from the rolling hash.
    top: u64,
}

const BASE: u64 = 0x100_0000_01b3;

impl KeyFragments {
    /// The runs of `key`: of its secret when it has the shape
    /// `ITG.<32 hex>.<secret>`, else of the whole key.
    pub(crate) fn new(key: &str) -> Self {
        let key = key.to_ascii_lowercase();
        let parts: Vec<Vec<u8>> = match key_shape::split_key(&key) {
            Some((_, secret)) => vec![secret.as_bytes().to_vec()],
            None => vec![key.as_bytes().to_vec()],
        };
        let len = parts.iter().map(Vec::len).min().unwrap_or(0).clamp(1, RUN);
        let top = (1..len).fold(1u64, |t, _| t.wrapping_mul(BASE));
        let mut hashes: Vec<u64> = parts
            .iter()
            .flat_map(|part| part.windows(len).map(hash))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        Self {
            parts,
            len,
            hashes,
            top,
        }
    }

    /// True when `text`, decoded (percent-encoding, `\uXXXX`, `\xXX` and
    /// `\/` escapes) and lower-cased, holds a run of the key.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        let mut bytes = Cow::Borrowed(text.as_bytes());
        // Decoded until nothing changes (`%252E` is `%2E` encoded again),
        // a few times at most.
        for _ in 0..4 {
            if self.holds_run(&bytes) {
                return true;
            }
            match decode(&bytes) {
                Some(decoded) => bytes = Cow::Owned(decoded),
                None => return false,
            }
        }
        self.holds_run(&bytes)
    }

    /// `text`, or [`WITHHELD`] when it holds a run of the key.
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.found_in(text) {
            Cow::Borrowed(WITHHELD)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// The record's JSON with every string (member names included) that
    /// holds a run of the key replaced by [`WITHHELD`]; `None` when no
    /// string does. `json` must be valid JSON.
    pub(crate) fn withhold_in_record(&self, json: &str) -> Option<String> {
        if !self.found_in(json) {
            return None;
        }
        let mut changed = false;
        let out = map_strings(json, |literal| {
            let text: String = serde_json::from_str(literal).ok()?;
            if self.found_in(&text) {
                changed = true;
                serde_json::to_string(WITHHELD).ok()
            } else {
                None
            }
        });
        changed.then_some(out)
    }

    fn holds_run(&self, bytes: &[u8]) -> bool {
        let len = self.len;
        if bytes.len() < len {
            return false;
        }
        let lower = |b: u8| u64::from(b.to_ascii_lowercase());
        let mut h = bytes[..len]
            .iter()
            .fold(0u64, |h, &b| h.wrapping_mul(BASE).wrapping_add(lower(b)));
        for start in 0..=bytes.len() - len {
            if start > 0 {
                h = h
                    .wrapping_sub(lower(bytes[start - 1]).wrapping_mul(self.top))
                    .wrapping_mul(BASE)
                    .wrapping_add(lower(bytes[start + len - 1]));
            }
            if self.hashes.binary_search(&h).is_ok() {
                let window = bytes[start..start + len].to_ascii_lowercase();
                if self
                    .parts
                    .iter()
                    .any(|part| part.windows(len).any(|run| run == window.as_slice()))
                {
                    return true;
                }
            }
        }
        false
    }
}

fn hash(run: &[u8]) -> u64 {
    run.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(b))
    })
}

/// `bytes` with `%XX`, `\uXXXX` (ASCII), `\xXX` and `\/` decoded; `None`
/// when there is nothing to decode.
fn decode(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.iter().any(|&b| b == b'%' || b == b'\\') {
        return None;
    }
    let hex = |s: &[u8]| -> Option<u32> {
        let text = std::str::from_utf8(s).ok()?;
        u32::from_str_radix(text, 16).ok()
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let decoded = match rest {
            [b'%', a, b, ..] => hex(&[*a, *b]).map(|v| (v, 3)),
            [b'\\', b'u', ..] if rest.len() >= 6 => hex(&rest[2..6]).map(|v| (v, 6)),
            [b'\\', b'x', a, b, ..] => hex(&[*a, *b]).map(|v| (v, 4)),
            [b'\\', b'/', ..] => Some((u32::from(b'/'), 2)),
            _ => None,
        };
        match decoded.and_then(|(v, n)| u8::try_from(v).ok().map(|b| (b, n))) {
            Some((b, n)) => {
                out.push(b);
                i += n;
                changed = true;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

/// `json` with each string literal (quotes included) that `f` gives a
/// replacement for replaced; everything else kept byte for byte.
pub(crate) fn map_strings(json: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = (i + 1).min(bytes.len());
        if let Some(replacement) = json.get(start..end).and_then(&mut f) {
            out.push_str(&json[kept..start]);
            out.push_str(&replacement);
            kept = end;
        }
        i = end;
    }
    out.push_str(&json[kept..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ITG.0123456789abcdef0123456789abcdef.Sup3rS3cretK3yValue";

    #[test]
    fn runs_are_found_in_any_case_and_encoding() {
        let f = KeyFragments::new(KEY);
        for text in [
            "echo Sup3rS3cretK3yValue",
            "SUP3RS3CRETK3Y",
            "x=%53up3rS3cretK3y",
            "x=%2553up3rS3cretK3y",
            r"Sup3rS3\u0063retK3y",
            "3RS3CRETK3YV",
        ] {
            assert!(f.found_in(text), "{text}");
            assert_eq!(f.scrub(text), WITHHELD);
        }
        for text in [
            "Sup3rS3cret",
            "ITG.0123456789abcdef0123456789abcdef.*****",
            "nothing",
            "",
        ] {
            assert!(!f.found_in(text), "{text}");
            assert_eq!(f.scrub(text), text);
        }
    }

    #[test]
    fn short_or_odd_keys_are_looked_for_whole() {
        let f = KeyFragments::new("ITG.test-key");
        assert!(f.found_in("got itg.TEST-KEY here"));
        assert!(!f.found_in("test-key"));
        let f = KeyFragments::new("abc");
        assert!(f.found_in("xxABCxx"));
    }

    #[test]
    fn strings_holding_a_run_are_withheld_in_records() {
        let f = KeyFragments::new(KEY);
        let record = r#"{"id":"1","attributes":{"user-agent":"curl SUP3RS3CRETK3YVALUE","action":"show \"x\""}}"#;
        let out = f.withhold_in_record(record).unwrap();
        assert_eq!(
            out,
            format!(
                r#"{{"id":"1","attributes":{{"user-agent":"{WITHHELD}","action":"show \"x\""}}}}"#
            )
        );
        assert_eq!(f.withhold_in_record(r#"{"id":"1"}"#), None);
    }
}
