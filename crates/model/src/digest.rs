//! Digests of the exact bytes an input was read from.

use sha2::{Digest, Sha256};

/// The SHA-256 and length of the bytes of one input, as recorded in a
/// report's `inputs` (`sha256:<hex>`, `bytes`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentDigest {
    /// `sha256:` and 64 lower-case hex digits.
    pub sha256: String,
    /// The number of bytes hashed.
    pub bytes: u64,
}

impl ContentDigest {
    /// The digest of `data`.
    ///
    /// ```
    /// let digest = keyaudit_model::ContentDigest::of(b"abc");
    /// assert_eq!(
    ///     digest.sha256,
    ///     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    /// );
    /// assert_eq!(digest.bytes, 3);
    /// ```
    pub fn of(data: &[u8]) -> Self {
        let mut hasher = ContentHasher::default();
        hasher.update(data);
        hasher.finish()
    }
}

impl ContentDigest {
    /// The digest of everything `reader` gives, read in pieces (a usage
    /// file may be gigabytes).
    pub fn of_reader(mut reader: impl std::io::Read) -> std::io::Result<Self> {
        let mut hasher = ContentHasher::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Computes a [`ContentDigest`] over bytes given piece by piece, in order.
#[derive(Debug, Clone, Default)]
pub struct ContentHasher {
    sha256: Sha256,
    bytes: u64,
}

impl ContentHasher {
    /// Adds the next bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.bytes += data.len() as u64;
    }

    /// The digest of every byte added.
    pub fn finish(self) -> ContentDigest {
        let hex: String = self
            .sha256
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ContentDigest {
            sha256: format!("sha256:{hex}"),
            bytes: self.bytes,
        }
    }
}
