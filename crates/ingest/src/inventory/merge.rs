//! Merging the keys of several inventory files.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use keyaudit_model::{
    ApiKey, Inventory, KeyFingerprint, KeyIdentity, KeyName, KeyState, LastUse, SourceLocation,
};

use super::{ParsedInventory, dates_warning};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};

/// Merges parsed inventory files, in order, into one inventory.
///
/// A key merges into an earlier one when both have the same fingerprint;
/// otherwise, when at least one of them has no fingerprint, when it has the
/// same (non-empty) name in the same account (no account matches no account
/// only) and comes from another file. Names are compared as [`KeyName`]s
/// (case, spacing and Unicode spelling ignored); the first spelling is kept. A name matching several earlier keys is
/// an error. Merging fills fields one side leaves empty; different values
/// for one field are an error naming both places. For state, `active` counts
/// as "not said" (it is also what a file without a state column gives), so
/// `paused` or `revoked` from one file wins over it.
///
/// `sources` collects every row a key came from; exposures and diagnostics are
/// concatenated; `files` lists each file. Keys are found by fingerprint and
/// by name through indexes, so the work is linear in the number of rows.
pub fn merge_inventories(parts: Vec<ParsedInventory>) -> Result<Inventory, IngestError> {
    let mut inventory = Inventory::default();
    let mut index = Index::default();
    let mut merged: Vec<Merged> = Vec::new();
    for (file, part) in parts.into_iter().enumerate() {
        let fallback = SourceLocation::file(part.file.path.as_str());
        inventory.files.push(part.file);
        inventory.exposures.extend(part.exposures);
        inventory.diagnostics.extend(part.diagnostics);
        for key in part.keys {
            let origin = key
                .sources
                .first()
                .cloned()
                .unwrap_or_else(|| fallback.clone());
            match index.find(&merged, &key, file, &origin)? {
                Some(i) => {
                    let had = (
                        merged[i].key.fingerprint.is_some(),
                        name_key(&merged[i].key),
                    );
                    merged[i].absorb(key, file, origin)?;
                    index.absorbed(&merged, i, file, had);
                }
                None => {
                    merged.push(Merged::new(key, file, origin));
                    index.added(&merged, merged.len() - 1, file);
                }
            }
        }
    }
    for m in &merged {
        if let (Some(created), Some(used)) = (&m.origins.created_at, &m.origins.last_used) {
            if created != used {
                inventory
                    .diagnostics
                    .extend(dates_warning(&m.key, used.clone()));
            }
        }
    }
    inventory.keys = merged.into_iter().map(|m| m.key).collect();
    Ok(inventory)
}

/// Where each field of a merged key was given.
#[derive(Default)]
struct Origins {
    name: Option<SourceLocation>,
    fingerprint: Option<SourceLocation>,
    account: Option<SourceLocation>,
    password_access: Option<SourceLocation>,
    state: Option<SourceLocation>,
    created_at: Option<SourceLocation>,
    last_used: Option<SourceLocation>,
    owner: Option<SourceLocation>,
    purpose: Option<SourceLocation>,
}

/// A key being merged, with the last file it came from (files are read in
/// order, so a key came from the file being read exactly when this is it).
struct Merged {
    key: ApiKey,
    last_file: usize,
    origins: Origins,
}

/// A key's name as an optional value (empty: not given).
fn name_of(key: &ApiKey) -> Option<Name> {
    (!key.name.trim().is_empty()).then(|| Name(key.name.clone()))
}

/// A name as a field to merge: spellings of one [`KeyName`] (case,
/// spacing) are the same value, and the first spelling is kept.
struct Name(String);

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        KeyName::new(&self.0) == KeyName::new(&other.0)
    }
}

/// A key's state as an optional value (active: not given).
fn state_of(key: &ApiKey) -> Option<KeyState> {
    (key.state != KeyState::Active).then_some(key.state)
}

/// A key's last use as an optional value (unknown: not given).
fn last_used_of(key: &ApiKey) -> Option<LastUse> {
    (key.last_used != LastUse::Unknown).then_some(key.last_used)
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn last_use_text(l: &LastUse) -> String {
    match l {
        LastUse::Unknown => "unknown".to_string(),
        LastUse::Never => "never".to_string(),
        LastUse::At(t) => time(t),
    }
}

impl Merged {
    fn new(key: ApiKey, file: usize, origin: SourceLocation) -> Self {
        let at = |given: bool| given.then(|| origin.clone());
        let origins = Origins {
            name: at(name_of(&key).is_some()),
            fingerprint: at(key.fingerprint.is_some()),
            account: at(key.account.is_some()),
            password_access: at(key.password_access.is_some()),
            state: at(state_of(&key).is_some()),
            created_at: at(key.created_at.is_some()),
            last_used: at(last_used_of(&key).is_some()),
            owner: at(key.owner.is_some()),
            purpose: at(key.purpose.is_some()),
        };
        let mut key = key;
        if key.sources.is_empty() {
            key.sources.push(origin);
        }
        Self {
            key,
            last_file: file,
            origins,
        }
    }

    /// Merges `other` (read at `origin`) into this key.
    fn absorb(
        &mut self,
        other: ApiKey,
        file: usize,
        origin: SourceLocation,
    ) -> Result<(), IngestError> {
        let o = &mut self.origins;
        let k = &mut self.key;
        let (other_name, other_state, other_last_used) =
            (name_of(&other), state_of(&other), last_used_of(&other));

        let mut name = name_of(k);
        fill("name", &mut name, &mut o.name, other_name, &origin, |n| {
            show(&n.0, SHOW_MAX)
        })?;
        if let Some(Name(name)) = name {
            k.name = name;
        }
        fill(
            "fingerprint",
            &mut k.fingerprint,
            &mut o.fingerprint,
            other.fingerprint,
            &origin,
            KeyFingerprint::to_string,
        )?;
        fill(
            "account",
            &mut k.account,
            &mut o.account,
            other.account,
            &origin,
            |a| show(a, SHOW_MAX),
        )?;
        fill(
            "password access",
            &mut k.password_access,
            &mut o.password_access,
            other.password_access,
            &origin,
            bool::to_string,
        )?;
        let mut state = state_of(k);
        fill(
            "state",
            &mut state,
            &mut o.state,
            other_state,
            &origin,
            |s| s.to_string(),
        )?;
        k.state = state.unwrap_or_default();
        fill(
            "creation date",
            &mut k.created_at,
            &mut o.created_at,
            other.created_at,
            &origin,
            time,
        )?;
        let mut last_used = last_used_of(k);
        fill(
            "last use",
            &mut last_used,
            &mut o.last_used,
            other_last_used,
            &origin,
            last_use_text,
        )?;
        k.last_used = last_used.unwrap_or_default();
        fill(
            "owner",
            &mut k.owner,
            &mut o.owner,
            other.owner,
            &origin,
            |s| show(s, SHOW_MAX),
        )?;
        fill(
            "purpose",
            &mut k.purpose,
            &mut o.purpose,
            other.purpose,
            &origin,
            |s| show(s, SHOW_MAX),
        )?;

        if other.sources.is_empty() {
            k.sources.push(origin);
        } else {
            k.sources.extend(other.sources);
        }
        self.last_file = file;
        Ok(())
    }
}

/// Fills `mine` from `theirs` when empty; an error when both differ.
fn fill<T: PartialEq>(
    field: &'static str,
    mine: &mut Option<T>,
    my_origin: &mut Option<SourceLocation>,
    theirs: Option<T>,
    their_origin: &SourceLocation,
    text: impl Fn(&T) -> String,
) -> Result<(), IngestError> {
    let Some(theirs) = theirs else {
        return Ok(());
    };
    match mine {
        None => {
            *mine = Some(theirs);
            *my_origin = Some(their_origin.clone());
            Ok(())
        }
        Some(m) if *m == theirs => Ok(()),
        Some(m) => Err(IngestError::MergeConflict {
            field,
            first: my_origin.clone().unwrap_or_else(|| their_origin.clone()),
            first_value: text(m),
            second: their_origin.clone(),
            second_value: text(&theirs),
        }),
    }
}

/// What a key is found by when it has no fingerprint match: its account and
/// its name ([`KeyIdentity::by_name`]); `None` for a blank name, which
/// matches nothing.
type NameKey = KeyIdentity;

fn name_key(key: &ApiKey) -> Option<NameKey> {
    Some(key.name_identity()).filter(|identity| !identity.is_blank())
}

/// The merged keys by fingerprint and by name.
#[derive(Default)]
struct Index {
    by_fingerprint: HashMap<KeyFingerprint, usize>,
    by_name: HashMap<NameKey, Bucket>,
}

/// The merged keys of one name, sorted by what they may still merge with
/// while one file is read. A key that came from that file merges with no
/// other key of it by name; the others are candidates, split by whether they
/// have a fingerprint (a key with a fingerprint merges by name only into one
/// without). The lists are kept lazily: a key that took a row of the file or
/// gained a fingerprint is moved when a lookup meets it, so every lookup
/// costs a constant plus the keys it moves, and each key moves at most once
/// per row that touched it.
#[derive(Default)]
struct Bucket {
    /// The file the lists below are kept for.
    file: usize,
    /// Candidates without a fingerprint (some may be stale).
    plain: Vec<usize>,
    /// Candidates with a fingerprint (some may be stale).
    fingerprinted: Vec<usize>,
    /// Keys that came from `file`: candidates again from the next file on.
    touched: Vec<usize>,
}

impl Bucket {
    /// Brings the lists to `file`: the keys touched in an earlier file are
    /// candidates again.
    fn start(&mut self, merged: &[Merged], file: usize) {
        if self.file == file {
            return;
        }
        self.file = file;
        for i in std::mem::take(&mut self.touched) {
            if merged[i].key.fingerprint.is_some() {
                self.fingerprinted.push(i);
            } else {
                self.plain.push(i);
            }
        }
    }

    /// Up to `limit` candidates named `name` for a key of `self.file` (all of
    /// them when `limit` is `usize::MAX`), moving the stale ones out of the
    /// way: keys that came from the file, that gained a fingerprint, or that
    /// are no longer named `name` (an account filled in by a later file).
    fn candidates(
        &mut self,
        merged: &[Merged],
        name: &NameKey,
        with_fingerprinted: bool,
        limit: usize,
    ) -> Vec<usize> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < self.plain.len() && found.len() < limit {
            let m = &merged[self.plain[i]];
            if name_key(&m.key).as_ref() != Some(name) {
                self.plain.swap_remove(i);
            } else if m.last_file == self.file {
                self.touched.push(self.plain.swap_remove(i));
            } else if m.key.fingerprint.is_some() {
                self.fingerprinted.push(self.plain.swap_remove(i));
            } else {
                found.push(self.plain[i]);
                i += 1;
            }
        }
        let mut i = 0;
        while with_fingerprinted && i < self.fingerprinted.len() && found.len() < limit {
            let m = &merged[self.fingerprinted[i]];
            if name_key(&m.key).as_ref() != Some(name) {
                self.fingerprinted.swap_remove(i);
            } else if m.last_file == self.file {
                self.touched.push(self.fingerprinted.swap_remove(i));
            } else {
                found.push(self.fingerprinted[i]);
                i += 1;
            }
        }
        found
    }
}

impl Index {
    /// The earlier key `key` (a row of `file`) merges into, if any.
    fn find(
        &mut self,
        merged: &[Merged],
        key: &ApiKey,
        file: usize,
        origin: &SourceLocation,
    ) -> Result<Option<usize>, IngestError> {
        if let Some(i) = key
            .fingerprint
            .as_ref()
            .and_then(|fp| self.by_fingerprint.get(fp))
        {
            return Ok(Some(*i));
        }
        let Some(name) = name_key(key) else {
            return Ok(None);
        };
        let Some(bucket) = self.by_name.get_mut(&name) else {
            return Ok(None);
        };
        bucket.start(merged, file);
        let any = key.fingerprint.is_none();
        match bucket.candidates(merged, &name, any, 2).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => {
                let mut many = bucket.candidates(merged, &name, any, usize::MAX);
                many.sort_unstable();
                Err(IngestError::AmbiguousMerge {
                    location: origin.clone(),
                    name: show(key.name.trim(), SHOW_MAX),
                    count: many.len(),
                    candidates: many
                        .iter()
                        .flat_map(|i| merged[*i].key.sources.iter().map(ToString::to_string))
                        .collect::<Vec<_>>()
                        .join("; "),
                })
            }
        }
    }

    /// Indexes the key just added at `i` from `file`.
    fn added(&mut self, merged: &[Merged], i: usize, file: usize) {
        let key = &merged[i].key;
        if let Some(fp) = &key.fingerprint {
            self.by_fingerprint.insert(fp.clone(), i);
        }
        if let Some(name) = name_key(key) {
            self.touch(merged, name, i, file);
        }
    }

    /// Indexes what the key at `i` gained from a row of `file`: `had` is
    /// whether it had a fingerprint and what it was found by name as before.
    fn absorbed(
        &mut self,
        merged: &[Merged],
        i: usize,
        file: usize,
        (had_fingerprint, had_name): (bool, Option<NameKey>),
    ) {
        let key = &merged[i].key;
        if let (false, Some(fp)) = (had_fingerprint, &key.fingerprint) {
            self.by_fingerprint.insert(fp.clone(), i);
        }
        // The key is in its name's lists already (a lookup moves it once it
        // is stale); a name or an account it gains puts it in another's.
        let name = name_key(key);
        if name != had_name {
            if let Some(name) = name {
                self.touch(merged, name, i, file);
            }
        }
    }

    fn touch(&mut self, merged: &[Merged], name: NameKey, i: usize, file: usize) {
        let bucket = self.by_name.entry(name).or_default();
        bucket.start(merged, file);
        bucket.touched.push(i);
    }
}
