//! The IT Glue API key, held as a secret.

use std::fmt;
use std::path::Path;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::error::FetchError;

/// The most bytes read from a key file's first line (4 KiB; a key is about
/// 80 characters).
pub const MAX_KEY_FILE_LINE: usize = 4096;

/// An IT Glue API key.
///
/// The value is zeroed when dropped, is sent only as the `x-api-key` header
/// (marked sensitive), and never appears in `Debug` output, error messages or
/// logs: `Debug` prints `ApiKey(***)`, and there is no `Display`.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// The key in `text`, trimmed. `origin` names where it came from in the
    /// error when it is empty or cannot be sent in a header.
    pub fn new(text: &str, origin: &str) -> Result<Self, FetchError> {
        let key = text.trim();
        if key.is_empty() {
            return Err(FetchError::EmptyKey {
                origin: origin.to_owned(),
            });
        }
        if key.bytes().any(|b| b.is_ascii_control() || !b.is_ascii()) {
            return Err(FetchError::InvalidKey {
                origin: origin.to_owned(),
            });
        }
        Ok(Self(SecretString::from(key.to_owned())))
    }

    /// The key in the environment variable `var` (e.g. `ITGLUE_API_KEY`).
    pub fn from_env(var: &str) -> Result<Self, FetchError> {
        match std::env::var(var) {
            Ok(value) => {
                let value = SecretString::from(value);
                Self::new(value.expose_secret(), var)
            }
            Err(std::env::VarError::NotPresent) => Err(FetchError::MissingKey { var: var.into() }),
            Err(std::env::VarError::NotUnicode(_)) => Err(FetchError::InvalidKey {
                origin: var.to_owned(),
            }),
        }
    }

    /// The key on the first line of the file at `path` (surrounding
    /// whitespace ignored; what follows the first line is never read). At
    /// most [`MAX_KEY_FILE_LINE`] bytes are read: a longer first line (a
    /// device such as `/dev/zero`, a file that is not a key file) is refused.
    pub fn from_file(path: &Path) -> Result<Self, FetchError> {
        let origin = path.display().to_string();
        let file_error = |source| FetchError::KeyFile {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(file_error)?;
        let mut line = Vec::new();
        let limit = MAX_KEY_FILE_LINE as u64 + 1;
        let read = std::io::BufRead::read_until(
            &mut std::io::BufReader::new(std::io::Read::take(file, limit)),
            b'\n',
            &mut line,
        );
        // Held as a secret at once so that the buffer is zeroed on drop.
        let text = SecretString::from(String::from_utf8_lossy(&line).into_owned());
        let too_long = line.len() > MAX_KEY_FILE_LINE && !line.ends_with(b"\n");
        secrecy::zeroize::Zeroize::zeroize(&mut line);
        read.map_err(file_error)?;
        if too_long {
            return Err(FetchError::KeyFileLine {
                path: path.to_owned(),
                limit: MAX_KEY_FILE_LINE,
            });
        }
        Self::new(text.expose_secret(), &origin)
    }

    /// The `x-api-key` header value, marked sensitive.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, FetchError> {
        let mut value =
            HeaderValue::from_str(self.0.expose_secret()).map_err(|_| FetchError::InvalidKey {
                origin: "the key given".into(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// The secret, for redacting it from text received from the server.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let key = ApiKey::new("  ITG.0123456789abcdef.secret\n", "test").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.expose(), "ITG.0123456789abcdef.secret");
        let header = key.header_value().unwrap();
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("secret"));
    }

    #[test]
    fn empty_and_invalid_keys_are_refused() {
        let e = ApiKey::new(" \n", "KEYVAR").unwrap_err().to_string();
        assert!(e.contains("KEYVAR") && e.contains("empty"), "{e}");
        let e = ApiKey::new("ab\ncd-secret", "file.txt")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn from_file_trims() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.txt");
        std::fs::write(&path, "ITG.abc.def\r\n").unwrap();
        assert_eq!(ApiKey::from_file(&path).unwrap().expose(), "ITG.abc.def");
        let e = ApiKey::from_file(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn from_file_reads_the_first_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.txt");
        std::fs::write(&path, " ITG.abc.def \nsecond line\n").unwrap();
        assert_eq!(ApiKey::from_file(&path).unwrap().expose(), "ITG.abc.def");
        std::fs::write(&path, "x".repeat(MAX_KEY_FILE_LINE + 1)).unwrap();
        let e = ApiKey::from_file(&path).unwrap_err();
        assert!(e.is_usage_error());
        assert!(e.to_string().contains("4096 bytes"), "{e}");
        std::fs::write(&path, "x".repeat(MAX_KEY_FILE_LINE - 1) + "\n").unwrap();
        assert!(ApiKey::from_file(&path).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_key_file_is_refused_in_bounded_time() {
        let e = ApiKey::from_file(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, FetchError::KeyFileLine { .. }), "{e}");
    }
}
