//! User-agent globs, compiled into one index over all bindings.
//!
//! A glob is `*` (any run of characters, none included), `?` (exactly one
//! character) and literal characters, matched case-insensitively against
//! the whole user agent. The index does not try every glob on every event:
//! each glob's longest literal run goes into one Aho-Corasick automaton,
//! and only the globs whose literal occurs in the user agent are checked in
//! full. Globs without any literal character (`*`, `?*`) are always checked.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;

use super::fold::fold_char;
use super::stamps::Stamps;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    /// A literal character, folded.
    Char(char),
    /// `?`: one character.
    One,
    /// `*`: any run of characters.
    Star,
}

/// One compiled glob.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Glob {
    tokens: Box<[Token]>,
}

impl Glob {
    /// Compiles a glob: literal characters folded, runs of `*` collapsed.
    pub(crate) fn new(pattern: &str) -> Self {
        let mut tokens: Vec<Token> = Vec::with_capacity(pattern.len());
        for c in pattern.chars() {
            let token = match c {
                '*' => Token::Star,
                '?' => Token::One,
                c => Token::Char(fold_char(c)),
            };
            if !(token == Token::Star && tokens.last() == Some(&Token::Star)) {
                tokens.push(token);
            }
        }
        Self {
            tokens: tokens.into_boxed_slice(),
        }
    }

    /// The longest run of literal characters (the first of equal runs),
    /// which every matching text contains; `None` for a glob without one.
    fn required_literal(&self) -> Option<String> {
        let mut best = String::new();
        let mut run = String::new();
        for token in self.tokens.iter().chain(std::iter::once(&Token::Star)) {
            match token {
                Token::Char(c) => run.push(*c),
                _ => {
                    if run.chars().count() > best.chars().count() {
                        best = std::mem::take(&mut run);
                    }
                    run.clear();
                }
            }
        }
        (!best.is_empty()).then_some(best)
    }

    /// True when the glob matches the whole `text` (compared folded).
    ///
    /// The classic wildcard match: advance on literal and `?`, and on a
    /// mismatch let the latest `*` absorb one more character. Linear in
    /// practice, `O(text × glob)` at worst; never allocates.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let tokens = &self.tokens;
        let (mut p, mut s) = (0usize, 0usize);
        // (token after the latest star, where that star's absorption ends)
        let mut star: Option<(usize, usize)> = None;
        loop {
            let Some(c) = text.get(s..).and_then(|rest| rest.chars().next()) else {
                return tokens[p.min(tokens.len())..]
                    .iter()
                    .all(|t| *t == Token::Star);
            };
            if let Some(token) = tokens.get(p) {
                match *token {
                    Token::Star => {
                        p += 1;
                        star = Some((p, s));
                        continue;
                    }
                    Token::One => {
                        p += 1;
                        s += c.len_utf8();
                        continue;
                    }
                    Token::Char(want) if fold_char(c) == want => {
                        p += 1;
                        s += c.len_utf8();
                        continue;
                    }
                    Token::Char(_) => {}
                }
            }
            let Some((after, absorbed)) = star else {
                return false;
            };
            let Some(skip) = text.get(absorbed..).and_then(|rest| rest.chars().next()) else {
                return false;
            };
            let absorbed = absorbed + skip.len_utf8();
            star = Some((after, absorbed));
            p = after;
            s = absorbed;
        }
    }
}

/// Every user-agent glob of every binding.
#[derive(Debug, Clone, Default)]
pub(crate) struct GlobIndex {
    globs: Vec<Glob>,
    /// The bindings each glob belongs to.
    owners: Vec<Vec<u32>>,
    /// The globs' required literals (ASCII case ignored; others folded).
    literals: Option<AhoCorasick>,
    /// The globs that need each literal.
    by_literal: Vec<Vec<u32>>,
    /// Globs without a literal: checked on every user agent.
    always: Vec<u32>,
}

impl GlobIndex {
    /// Compiles `(glob, binding)` pairs; equal globs are compiled once.
    pub(crate) fn new<'a>(entries: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let mut ids: BTreeMap<Glob, u32> = BTreeMap::new();
        let mut index = GlobIndex::default();
        for (pattern, binding) in entries {
            let glob = Glob::new(pattern);
            let id = *ids.entry(glob.clone()).or_insert_with(|| {
                index.globs.push(glob);
                index.owners.push(Vec::new());
                (index.globs.len() - 1) as u32
            });
            let owners = &mut index.owners[id as usize];
            if owners.last() != Some(&binding) {
                owners.push(binding);
            }
        }
        let mut literal_ids: BTreeMap<String, u32> = BTreeMap::new();
        for (id, glob) in index.globs.iter().enumerate() {
            match glob.required_literal() {
                Some(literal) => {
                    let next = literal_ids.len() as u32;
                    let lit = *literal_ids.entry(literal).or_insert(next);
                    if index.by_literal.len() <= lit as usize {
                        index.by_literal.push(Vec::new());
                    }
                    index.by_literal[lit as usize].push(id as u32);
                }
                None => index.always.push(id as u32),
            }
        }
        let mut literals: Vec<(u32, String)> =
            literal_ids.into_iter().map(|(l, id)| (id, l)).collect();
        literals.sort();
        if !literals.is_empty() {
            let built = super::automaton(literals.iter().map(|(_, l)| l.as_str()).collect());
            match built {
                Ok(ac) => index.literals = Some(ac),
                // Too large an automaton: check every glob instead.
                Err(_) => {
                    index.always = (0..index.globs.len() as u32).collect();
                    index.by_literal.clear();
                }
            }
        }
        index
    }

    /// Number of distinct globs.
    pub(crate) fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.globs.len()
    }

    /// Calls `found` with every binding owning a glob that matches `text`
    /// (ASCII text as is, other text folded); a binding may be reported
    /// more than once. `seen` must have been started for this event.
    #[inline]
    pub(crate) fn for_each(&self, text: &str, seen: &mut Stamps, mut found: impl FnMut(u32)) {
        let mut check = |id: u32| {
            if seen.first(id as usize) && self.globs[id as usize].is_match(text) {
                for &binding in &self.owners[id as usize] {
                    found(binding);
                }
            }
        };
        for &id in &self.always {
            check(id);
        }
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text) {
                for &id in &self.by_literal[m.pattern().as_usize()] {
                    check(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, text: &str) -> bool {
        Glob::new(glob).is_match(text)
    }

    #[test]
    fn globs_match_the_whole_text_ignoring_case() {
        assert!(m("HaloPSA*", "halopsa/2.1 (+https://halopsa.com)"));
        assert!(m("*halo*", "Mozilla HALO bot"));
        assert!(!m("HaloPSA", "HaloPSA/2.1"));
        assert!(m("HaloPSA/?.?", "HaloPSA/2.1"));
        assert!(!m("HaloPSA/?.?", "HaloPSA/2.10"));
        assert!(m("*", ""));
        assert!(!m("?", ""));
        assert!(m("a*b*c", "aXXbYYbc"));
        assert!(!m("a*b*c", "aXXbYYb"));
        assert!(m("*.*.*", "1.2.3"));
        assert!(m("Élan*", "élan/1"));
        assert!(m("[x]*", "[X] thing"), "brackets are literal");
        assert!(m("???", "é世x"), "? is one character");
    }

    #[test]
    fn required_literal_is_the_longest_run() {
        assert_eq!(
            Glob::new("*halo*psa?").required_literal().as_deref(),
            Some("halo")
        );
        assert_eq!(Glob::new("?*").required_literal(), None);
    }

    #[test]
    fn index_reports_owners_of_matching_globs_only() {
        let index = GlobIndex::new([("Halo*", 0), ("*sync*", 1), ("*", 2), ("halo*", 3)]);
        assert_eq!(index.len(), 3, "equal globs (ignoring case) compile once");
        let mut seen = Stamps::default();
        let mut got = Vec::new();
        seen.next(index.len());
        index.for_each("HaloPSA sync", &mut seen, |b| got.push(b));
        got.sort();
        assert_eq!(got, [0, 1, 2, 3]);
        got.clear();
        seen.next(index.len());
        index.for_each("Rewst/1.0", &mut seen, |b| got.push(b));
        assert_eq!(got, [2]);
    }
}
