//! Merging the keys of several inventory files.

use chrono::{DateTime, SecondsFormat, Utc};
use keyaudit_model::{ApiKey, Inventory, KeyFingerprint, KeyState, LastUse, SourceLocation};

use super::{ParsedInventory, dates_warning};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};

/// Merges parsed inventory files, in order, into one inventory.
///
/// A key merges into an earlier one when both have the same fingerprint;
/// otherwise, when at least one of them has no fingerprint, when it has the
/// same (non-empty) name in the same account (no account matches no account
/// only) and comes from another file. A name matching several earlier keys is
/// an error. Merging fills fields one side leaves empty; different values
/// for one field are an error naming both places. For state, `active` counts
/// as "not said" (it is also what a file without a state column gives), so
/// `paused` or `revoked` from one file wins over it.
///
/// `sources` collects every row a key came from; exposures and diagnostics are
/// concatenated; `files` lists each file.
pub fn merge_inventories(parts: Vec<ParsedInventory>) -> Result<Inventory, IngestError> {
    let mut inventory = Inventory::default();
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
            match find_match(&merged, &key, file, &origin)? {
                Some(i) => merged[i].absorb(key, file, origin)?,
                None => merged.push(Merged::new(key, file, origin)),
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

/// A key being merged, with the files it came from.
struct Merged {
    key: ApiKey,
    files: Vec<usize>,
    origins: Origins,
}

/// A key's name as an optional value (empty: not given).
fn name_of(key: &ApiKey) -> Option<String> {
    (!key.name.trim().is_empty()).then(|| key.name.clone())
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
            files: vec![file],
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
            show(n, SHOW_MAX)
        })?;
        if let Some(name) = name {
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
        if !self.files.contains(&file) {
            self.files.push(file);
        }
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

/// The earlier key `key` merges into, if any.
fn find_match(
    merged: &[Merged],
    key: &ApiKey,
    file: usize,
    origin: &SourceLocation,
) -> Result<Option<usize>, IngestError> {
    if let Some(fp) = &key.fingerprint {
        if let Some(i) = merged
            .iter()
            .position(|m| m.key.fingerprint.as_ref() == Some(fp))
        {
            return Ok(Some(i));
        }
    }
    let name = key.name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let candidates: Vec<usize> = merged
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            !m.files.contains(&file)
                && (key.fingerprint.is_none() || m.key.fingerprint.is_none())
                && m.key.name.trim() == name
                && m.key.account == key.account
        })
        .map(|(i, _)| i)
        .collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(IngestError::AmbiguousMerge {
            location: origin.clone(),
            name: show(name, SHOW_MAX),
            count: many.len(),
            candidates: many
                .iter()
                .flat_map(|i| merged[*i].key.sources.iter().map(ToString::to_string))
                .collect::<Vec<_>>()
                .join("; "),
        }),
    }
}
