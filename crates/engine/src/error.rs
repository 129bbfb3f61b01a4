//! Errors of the engine: a policy that does not parse or does not validate.

use std::fmt;

/// What kind of mistake a [`PolicyError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyErrorKind {
    /// The text is not valid TOML.
    Syntax,
    /// A table or key the policy does not know.
    UnknownKey,
    /// A value of the wrong type (a string where a number belongs, …).
    WrongType,
    /// A value of the right type but outside what is allowed.
    InvalidValue,
    /// A required key is missing.
    MissingKey,
}

/// One mistake in a policy file, with its place (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PolicyError {
    /// The policy file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what would be valid.
    pub message: String,
    /// The kind of mistake.
    pub kind: PolicyErrorKind,
}

/// Every mistake found in a policy file, sorted by line and column.
///
/// Displays as one line per error: `<file>:<line>:<col>: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", Lines(&self.errors))]
pub struct PolicyErrors {
    /// The errors, in the order they appear in the file.
    pub errors: Vec<PolicyError>,
}

struct Lines<'a>(&'a [PolicyError]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
