//! The raw reads an audit is measured against: the least a program must do
//! to read every event of the file, single-threaded.
//!
//! * JSONL: each line read into one reused buffer, and parsed by serde_json
//!   into a struct that borrows from the line and holds the fields
//!   attribution needs (the header line is skipped).
//! * CSV: the csv crate reading every record into one reused
//!   [`csv::ByteRecord`] (no UTF-8 check, no field looked at).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde::Deserialize;

/// What a raw read saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawRead {
    /// Records (JSONL resource lines, CSV data rows).
    pub records: u64,
    /// Bytes of all user agents (so the parse cannot be optimised away).
    pub agent_bytes: u64,
}

/// A JSON string, borrowed from the line unless it holds escapes.
///
/// (serde borrows a `Cow` field marked `borrow`, but not an
/// `Option<Cow>`: the newtype makes the optional fields borrow too.)
#[derive(Debug, Deserialize)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// One JSONL log resource, borrowing its strings from the line.
#[derive(Debug, Deserialize)]
pub struct RawResource<'a> {
    /// `id`.
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    /// `type`.
    #[serde(borrow, rename = "type")]
    pub kind: Option<Text<'a>>,
    /// `attributes`.
    #[serde(borrow)]
    pub attributes: RawAttributes<'a>,
}

/// The attributes attribution needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawAttributes<'a> {
    /// `created-at`.
    #[serde(borrow)]
    pub created_at: Text<'a>,
    /// `user-id`.
    #[serde(borrow, default)]
    pub user_id: Option<Text<'a>>,
    /// `action`.
    #[serde(borrow, default)]
    pub action: Option<Text<'a>>,
    /// `resource-type`.
    #[serde(borrow, default)]
    pub resource_type: Option<Text<'a>>,
    /// `resource-name`.
    #[serde(borrow, default)]
    pub resource_name: Option<Text<'a>>,
    /// `organization-id`.
    #[serde(borrow, default)]
    pub organization_id: Option<Text<'a>>,
    /// `ip-address`.
    #[serde(borrow, default)]
    pub ip_address: Option<Text<'a>>,
    /// `user-agent`.
    #[serde(borrow, default)]
    pub user_agent: Option<Text<'a>>,
}

/// Parses one JSONL resource line.
pub fn parse_line(line: &[u8]) -> serde_json::Result<RawResource<'_>> {
    serde_json::from_slice(line)
}

/// Reads a `fetch-usage` JSONL: every line after the header parsed into a
/// [`RawResource`].
pub fn jsonl(path: &Path) -> io::Result<RawRead> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut line = Vec::with_capacity(4096);
    let mut read = RawRead::default();
    reader.read_until(b'\n', &mut line)?; // the header
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(read);
        }
        let resource = parse_line(&line).map_err(io::Error::other)?;
        read.records += 1;
        read.agent_bytes += resource
            .attributes
            .user_agent
            .map_or(0, |a| a.0.len() as u64);
    }
}

/// Reads a CSV export: every data record into one reused byte record.
pub fn csv(path: &Path) -> io::Result<RawRead> {
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 16)
        .from_reader(File::open(path)?);
    let mut record = csv::ByteRecord::new();
    let mut read = RawRead::default();
    while reader
        .read_byte_record(&mut record)
        .map_err(io::Error::other)?
    {
        read.records += 1;
        read.agent_bytes += record.get(7).map_or(0, |a| a.len() as u64);
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let line = br#"{"id":"1","type":"logs","attributes":{"created-at":"2026-10-17T00:00:00.000Z","user-agent":"A/1","resource-name":"say \"hi\""}}"#;
        let r = parse_line(line).unwrap();
        assert!(matches!(
            r.attributes.user_agent,
            Some(Text(Cow::Borrowed("A/1")))
        ));
        assert!(matches!(
            r.attributes.resource_name,
            Some(Text(Cow::Owned(_)))
        ));
        assert!(r.attributes.ip_address.is_none());
    }
}
