use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ContentDigest, KeyFingerprint, KeyIdentity};

/// Where a value came from: a file and, when known, a row and column.
///
/// Rows are 1-based and count the header as row 1, as a spreadsheet does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceLocation {
    /// The file as the user named it.
    pub file: String,
    /// 1-based row (delimited files: the header is row 1; JSON: the entry number).
    #[serde(default)]
    pub row: Option<usize>,
    /// Column header or field name.
    #[serde(default)]
    pub column: Option<String>,
}

impl SourceLocation {
    /// A location naming a file only.
    pub fn file(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            row: None,
            column: None,
        }
    }

    /// A location naming a file and a row.
    pub fn row(file: impl Into<String>, row: usize) -> Self {
        Self {
            file: file.into(),
            row: Some(row),
            column: None,
        }
    }

    /// The same location, narrowed to a column.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for SourceLocation {
    /// `file`, `file:row` or `file:row, column "Name"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(row) = self.row {
            write!(f, ":{row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        Ok(())
    }
}

/// The state of a key in IT Glue.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// The key works (the default when an inventory has no state column).
    #[default]
    Active,
    /// The key is paused: it does not work until activated again.
    Paused,
    /// The key is revoked; it is listed for the record only.
    Revoked,
}

impl KeyState {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Paused => "paused",
            KeyState::Revoked => "revoked",
        }
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an inventory says about a key's last use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LastUse {
    /// No information (an empty cell, or no last-used column).
    #[default]
    Unknown,
    /// The inventory says the key was never used.
    Never,
    /// Last used at this time.
    At(DateTime<Utc>),
}

impl LastUse {
    /// The time of last use, when there is one.
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            LastUse::At(t) => Some(t),
            _ => None,
        }
    }
}

/// One API key as read from the inventory (after merging several files).
///
/// A full secret never reaches this type: ingest replaces it with the
/// fingerprint and records an [`Exposure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key's name as shown in IT Glue (may be empty).
    pub name: String,
    /// The key's fingerprint, when the inventory shows the key.
    pub fingerprint: Option<KeyFingerprint>,
    /// The IT Glue account (subdomain or tenant) holding the key, when known.
    pub account: Option<String>,
    /// Whether the key has Password Access; `None` when the inventory does not say.
    pub password_access: Option<bool>,
    /// Active, paused or revoked.
    pub state: KeyState,
    /// When the key was created, when known.
    pub created_at: Option<DateTime<Utc>>,
    /// What the inventory says about the key's last use.
    pub last_used: LastUse,
    /// Who owns the key, when the inventory says.
    pub owner: Option<String>,
    /// What the key is for, when the inventory says.
    pub purpose: Option<String>,
    /// The inventory rows this key was read from (one per merged file).
    pub sources: Vec<SourceLocation>,
}

impl ApiKey {
    /// A key with this name and every other field unknown or default.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            fingerprint: None,
            account: None,
            password_access: None,
            state: KeyState::Active,
            created_at: None,
            last_used: LastUse::Unknown,
            owner: None,
            purpose: None,
            sources: Vec::new(),
        }
    }

    /// Which key this is: its fingerprint, else its account and name.
    pub fn identity(&self) -> KeyIdentity {
        KeyIdentity::new(
            self.fingerprint.as_ref(),
            self.account.as_deref(),
            &self.name,
        )
    }

    /// The key by account and name alone (see [`KeyIdentity::by_name`]).
    pub fn name_identity(&self) -> KeyIdentity {
        KeyIdentity::by_name(self.account.as_deref(), &self.name)
    }
}

/// A full, unmasked API key found in an input. Only the fingerprint and the
/// place are kept; the secret itself is discarded at once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Exposure {
    /// Fingerprint of the exposed key.
    pub fingerprint: KeyFingerprint,
    /// Where the secret was found.
    pub location: SourceLocation,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// Informational note.
    Note,
    /// Something the user should look at; the audit still ran.
    Warning,
}

/// A note or warning about the inputs or the policy; printed on stderr and
/// carried in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Note or warning.
    pub level: DiagnosticLevel,
    /// The stable code of the kind of diagnostic. Every diagnostic keyaudit
    /// makes has one; `None` only in reports of versions before codes.
    #[serde(default)]
    pub code: Option<DiagnosticCode>,
    /// One sentence saying what was found.
    pub message: String,
    /// Where, when it concerns a place in an input.
    #[serde(default)]
    pub location: Option<SourceLocation>,
}

impl Diagnostic {
    /// A warning of kind `code`, about a place in an input when `location`
    /// is given.
    pub fn warning(
        code: DiagnosticCode,
        message: impl Into<String>,
        location: Option<SourceLocation>,
    ) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            code: Some(code),
            message: message.into(),
            location,
        }
    }

    /// A note of kind `code`: information, nothing to act on.
    pub fn note(
        code: DiagnosticCode,
        message: impl Into<String>,
        location: Option<SourceLocation>,
    ) -> Self {
        Self {
            level: DiagnosticLevel::Note,
            ..Self::warning(code, message, location)
        }
    }
}

/// The stable code of a diagnostic, for filtering in CI (`jq` on the JSON
/// report's `diagnostics[].code`, or `grep` on the `warning[code]:` lines).
/// Codes are never renamed or reused; docs/report-schema.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticCode {
    /// A key's last use is before its creation in the inventory.
    LastUseBeforeCreation,
    /// A key's creation or last use is after the audit's as-of time.
    DateAfterAsOf,
    /// Usage events are dated after the as-of time: never a last use.
    UsageAfterAsOf,
    /// A usage file is separated by a gap from the later evidence: its
    /// events count as use, idleness is judged over the later window only.
    UsageWindowGap,
    /// A Password Access allowance names no key of the inventory.
    AllowanceMatchesNothing,
    /// A binding names no key of the inventory.
    BindingMatchesNothing,
    /// A mute matches no finding.
    MuteMatchesNothing,
    /// Several mutes match the same finding.
    DuplicateMute,
    /// Usage evidence was fetched from the IT Glue API during the audit and
    /// not kept: the report cannot be re-made from its inputs.
    FetchedUsageNotKept,
}

impl DiagnosticCode {
    /// Every code, in the order docs/report-schema.md lists them.
    pub const ALL: [DiagnosticCode; 9] = [
        DiagnosticCode::LastUseBeforeCreation,
        DiagnosticCode::DateAfterAsOf,
        DiagnosticCode::UsageAfterAsOf,
        DiagnosticCode::UsageWindowGap,
        DiagnosticCode::AllowanceMatchesNothing,
        DiagnosticCode::BindingMatchesNothing,
        DiagnosticCode::MuteMatchesNothing,
        DiagnosticCode::DuplicateMute,
        DiagnosticCode::FetchedUsageNotKept,
    ];

    /// The kebab-case code as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticCode::LastUseBeforeCreation => "last-use-before-creation",
            DiagnosticCode::DateAfterAsOf => "date-after-as-of",
            DiagnosticCode::UsageAfterAsOf => "usage-after-as-of",
            DiagnosticCode::UsageWindowGap => "usage-window-gap",
            DiagnosticCode::AllowanceMatchesNothing => "allowance-matches-nothing",
            DiagnosticCode::BindingMatchesNothing => "binding-matches-nothing",
            DiagnosticCode::MuteMatchesNothing => "mute-matches-nothing",
            DiagnosticCode::DuplicateMute => "duplicate-mute",
            DiagnosticCode::FetchedUsageNotKept => "fetched-usage-not-kept",
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Note => "note",
            DiagnosticLevel::Warning => "warning",
        };
        f.write_str(level)?;
        if let Some(code) = self.code {
            write!(f, "[{}]", code.as_str())?;
        }
        match &self.location {
            Some(loc) => write!(f, ": {loc}: {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

/// Everything ingest read from the inventory files: the merged keys, the
/// exposed secrets it redacted, and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The files read, in the order given.
    pub files: Vec<InventoryFile>,
    /// Merged keys, in first-seen order.
    pub keys: Vec<ApiKey>,
    /// Full keys found in any cell, already redacted.
    pub exposures: Vec<Exposure>,
    /// Warnings about the inputs.
    pub diagnostics: Vec<Diagnostic>,
}

/// One inventory file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryFile {
    /// The path as the user named it.
    pub path: String,
    /// The detected format (`csv`, `tsv`, `semicolon`, `json`).
    pub format: String,
    /// Number of key rows read (skipped rows not counted).
    pub keys: usize,
    /// The digest of the bytes parsed, when the reader had them.
    pub digest: Option<ContentDigest>,
}
