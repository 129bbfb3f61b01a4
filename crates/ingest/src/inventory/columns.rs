//! Inventory columns: the fields keyaudit reads and the header names that
//! give them.

use crate::tabular::normalise;

/// A field of a key that an inventory column (or JSON field) gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Field {
    Name,
    Key,
    PasswordAccess,
    Created,
    LastUsed,
    Owner,
    Purpose,
    Account,
    State,
}

impl Field {
    /// Every field, in the order of [`Field::index`].
    pub(crate) const ALL: [Field; 9] = [
        Field::Name,
        Field::Key,
        Field::PasswordAccess,
        Field::Created,
        Field::LastUsed,
        Field::Owner,
        Field::Purpose,
        Field::Account,
        Field::State,
    ];

    /// Position in [`Field::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The header names accepted for the field (matched with [`normalise`]).
    pub(crate) fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["Name", "Key Name", "API Key Name"],
            Field::Key => &["Key", "API Key", "Key Prefix", "Fingerprint"],
            Field::PasswordAccess => &["Password Access", "Passwords"],
            Field::Created => &[
                "Created",
                "Created At",
                "Created On",
                "Creation Date",
                "Date Created",
            ],
            Field::LastUsed => &[
                "Last Used",
                "Last Used At",
                "Last Use",
                "Last Activity",
                "Last Seen",
            ],
            Field::Owner => &["Owner", "Created By"],
            Field::Purpose => &["Purpose", "Notes", "Note", "Description"],
            Field::Account => &["Account", "Account Name", "Tenant", "Subdomain"],
            Field::State => &["State", "Status"],
        }
    }

    /// How messages call the field ("the key's name").
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Key => "key",
            Field::PasswordAccess => "password access",
            Field::Created => "creation date",
            Field::LastUsed => "last use",
            Field::Owner => "owner",
            Field::Purpose => "purpose",
            Field::Account => "account",
            Field::State => "state",
        }
    }

    /// The field a header names, if any.
    pub(crate) fn from_header(header: &str) -> Option<Field> {
        let wanted = normalise(header);
        if wanted.is_empty() {
            return None;
        }
        Field::ALL.into_iter().find(|field| {
            field
                .aliases()
                .iter()
                .any(|alias| normalise(alias) == wanted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_aliases_loosely() {
        assert_eq!(Field::from_header("API_KEY-name"), Some(Field::Name));
        assert_eq!(
            Field::from_header(" password access "),
            Some(Field::PasswordAccess)
        );
        assert_eq!(Field::from_header("last_used_at"), Some(Field::LastUsed));
        assert_eq!(Field::from_header("CREATED-BY"), Some(Field::Owner));
        assert_eq!(Field::from_header("Subdomain"), Some(Field::Account));
        assert_eq!(Field::from_header("Actions"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn no_alias_is_claimed_twice() {
        let mut seen = Vec::new();
        for field in Field::ALL {
            assert_eq!(Field::ALL[field.index()], field);
            for alias in field.aliases() {
                let n = normalise(alias);
                assert!(!seen.contains(&n), "{alias}");
                seen.push(n);
            }
        }
    }
}
