//! Default bindings: a key without a binding of its own is attributed the
//! events whose user agent or actor contains its name as a whole word.
//!
//! All names go into one Aho-Corasick automaton (ASCII case ignored; names
//! with other letters are folded, and so is the text they are searched in).
//! A match counts when the characters just before and after it are not
//! letters or digits (or are the ends of the text), so "Halo" is not found
//! in "HaloPSA/2.1" but "HaloPSA" is.

use aho_corasick::AhoCorasick;

/// The names of the keys that get a default binding.
#[derive(Debug, Clone)]
pub(crate) struct NameIndex {
    automaton: AhoCorasick,
    /// The keys (indices into the inventory) bearing each name.
    keys: Vec<Vec<u32>>,
}

impl NameIndex {
    /// Indexes `(folded name, key)` pairs; `None` when there are none (or
    /// the automaton cannot be built).
    pub(crate) fn new(entries: Vec<(String, u32)>) -> Option<Self> {
        let mut names: Vec<String> = Vec::new();
        let mut keys: Vec<Vec<u32>> = Vec::new();
        let mut sorted = entries;
        sorted.sort();
        for (name, key) in sorted {
            if names.last() == Some(&name) {
                if let Some(last) = keys.last_mut() {
                    last.push(key);
                }
            } else {
                names.push(name);
                keys.push(vec![key]);
            }
        }
        if names.is_empty() {
            return None;
        }
        let automaton = super::automaton(names.iter().map(String::as_str).collect()).ok()?;
        Some(Self { automaton, keys })
    }

    /// Number of distinct names.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Calls `found` with every key whose name occurs in `text` (ASCII text
    /// as is, other text folded) as a whole word.
    #[inline]
    pub(crate) fn for_each(&self, text: &str, mut found: impl FnMut(u32)) {
        for m in self.automaton.find_overlapping_iter(text) {
            let before = text.get(..m.start()).and_then(|s| s.chars().next_back());
            let after = text.get(m.end()..).and_then(|s| s.chars().next());
            let boundary = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
            if text.is_char_boundary(m.start()) && boundary(before) && boundary(after) {
                self.keys[m.pattern().as_usize()]
                    .iter()
                    .for_each(|&k| found(k));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(index: &NameIndex, text: &str) -> Vec<u32> {
        let mut got = Vec::new();
        index.for_each(text, |k| got.push(k));
        got.sort();
        got.dedup();
        got
    }

    #[test]
    fn names_match_as_whole_words_only() {
        let index = NameIndex::new(vec![
            ("halo".into(), 0),
            ("halopsa".into(), 1),
            ("backup sync".into(), 2),
            ("backup sync".into(), 3),
        ])
        .unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(hits(&index, "HaloPSA/2.1 (+https://halopsa.com)"), [1]);
        assert_eq!(hits(&index, "Halo/1.0"), [0]);
        assert_eq!(hits(&index, "nightly BACKUP SYNC job"), [2, 3]);
        assert_eq!(hits(&index, "backup syncer"), Vec::<u32>::new());
        assert_eq!(hits(&index, "xhalo"), Vec::<u32>::new());
    }
}
