//! Readers that hash the bytes they pass on, so that a usage file's digest
//! is that of the bytes parsed, from the one read that parsed them.

use std::io::{self, BufRead, Read};

use keyaudit_model::{ContentDigest, ContentHasher};

/// A [`BufRead`] that hashes every byte its user consumes, in order.
pub(crate) struct Hashing<R> {
    inner: R,
    hasher: ContentHasher,
}

impl<R: BufRead> Hashing<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: ContentHasher::default(),
        }
    }

    /// Consumes (and hashes) what the parser left unread, then returns the
    /// digest of every byte of the stream.
    pub(crate) fn finish(mut self) -> io::Result<ContentDigest> {
        loop {
            let n = self.inner.fill_buf()?.len();
            if n == 0 {
                return Ok(self.hasher.finish());
            }
            self.consume(n);
        }
    }
}

impl<R: BufRead> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Hashing<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The bytes being consumed are the front of the buffer the last
            // `fill_buf` returned: asking for it again does no I/O.
            if let Ok(buf) = self.inner.fill_buf() {
                self.hasher.update(&buf[..amt.min(buf.len())]);
            }
        }
        self.inner.consume(amt);
    }
}

/// A [`Read`] that hashes every byte read through it and keeps a copy of
/// the first `keep` of them (the start of a file whose data part is then
/// read on several threads).
pub(crate) struct Recording<R> {
    inner: R,
    pub(crate) hasher: ContentHasher,
    pub(crate) kept: Vec<u8>,
    keep: usize,
    /// More than `keep` bytes went through.
    pub(crate) overflow: bool,
}

impl<R: Read> Recording<R> {
    pub(crate) fn new(inner: R, keep: usize) -> Self {
        Self {
            inner,
            hasher: ContentHasher::default(),
            kept: Vec::new(),
            keep,
            overflow: false,
        }
    }
}

impl<R: Read> Read for Recording<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.hasher.update(read);
        if self.kept.len() + n <= self.keep {
            self.kept.extend_from_slice(read);
        } else {
            self.overflow = true;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_read_still_hashes_the_whole_stream() {
        let data = b"line one\nline two\nthe rest".as_slice();
        let mut reader = Hashing::new(io::BufReader::with_capacity(4, data));
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let mut some = [0u8; 3];
        reader.read_exact(&mut some).unwrap();
        assert_eq!(reader.finish().unwrap(), ContentDigest::of(data));
    }

    #[test]
    fn recording_keeps_the_start_until_the_cap() {
        let data = b"0123456789".as_slice();
        let mut recording = Recording::new(data, 4);
        let mut buf = [0u8; 4];
        recording.read_exact(&mut buf).unwrap();
        assert_eq!(recording.kept, b"0123");
        assert!(!recording.overflow);
        let mut rest = Vec::new();
        recording.read_to_end(&mut rest).unwrap();
        assert!(recording.overflow);
        assert_eq!(recording.hasher.finish(), ContentDigest::of(data));
    }
}
