//! keyaudit's usage JSONL (`keyaudit.usage/v1`), written atomically.
//!
//! Line 1 is a [`UsageHeader`] (the model's contract); every other line is one log resource as the
//! API returned it (`{"id","type","attributes":{…}}`, whitespace between
//! tokens removed), sorted by `created-at`, then id. A full API key in a
//! record is masked before it is written, and listed in the header's
//! `exposures` (its fingerprint, line and field), so that the audit still
//! reports it.
//!
//! How: the events are spooled, as windows finish, to an unnamed temporary
//! file in the output's folder, remembering where each window's lines are.
//! Once the fetch is done (and the header's count and `complete` are known),
//! the header and the windows' lines in time order are copied to a named
//! temporary file in the same folder, which is synced and renamed onto the
//! output. On any failure the temporary files vanish and no output is left.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use keyaudit_model::key_shape::mask_full_keys;
use keyaudit_model::{HeaderExposure, HeaderWindow, KeyFingerprint, UsageHeader};

use crate::config::{FetchConfig, TimeRange};
use crate::error::FetchError;
use crate::fetch::{FetchReport, LogBatch, Progress, fetch_logs};
use crate::key::ApiKey;
use crate::scrub::KeyFragments;

/// The header of a finished fetch.
fn header(
    config: &FetchConfig,
    report: &FetchReport,
    exposures: Vec<HeaderExposure>,
) -> UsageHeader {
    UsageHeader::itglue_api(
        config.header_base_url(),
        HeaderWindow {
            start: config.window.start,
            end: config.window.end,
        },
        report.complete,
        report.events,
        exposures,
    )
}

/// Fetches `config.window` (see [`fetch_logs`]) and writes the usage JSONL to
/// `path` atomically: on any error no file is created (an existing file at
/// `path` is left as it was).
///
/// Line 1 is a [`UsageHeader`]; every other line is one log resource as the
/// API returned it (`{"id","type","attributes":{…}}`, only whitespace between
/// tokens removed), sorted by `created-at`, then id (numeric ids
/// numerically), each log id once. The full API keys in each record are
/// masked ([`mask_full_keys`]) before it is written; the keys it masked are listed in the header
/// and returned with the report. Then any string of a record that still
/// holds part of `key` (12 characters of its secret, in any case, percent-
/// or JSON-encoded) is withheld: the file never holds the key used
/// ([`FetchReport::withheld`] counts those records). Memory stays bounded by the windows in
/// flight: events are spooled to an unnamed temporary file in `path`'s folder
/// as windows finish, then the header and the windows in time order are
/// copied to a named temporary file there, which is synced and renamed onto
/// `path`.
///
/// An incomplete fetch is written, with `"complete":false` in the header;
/// the caller should say so ([`FetchReport::incomplete_windows`]).
pub async fn write_usage_jsonl(
    key: &ApiKey,
    config: &FetchConfig,
    progress: &dyn Progress,
    path: &Path,
) -> Result<(FetchReport, Vec<HeaderExposure>), FetchError> {
    config.validate()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let io_error = |source| FetchError::Io {
        path: folder.clone(),
        source,
    };
    let spool = tempfile::tempfile_in(&folder).map_err(io_error)?;
    let mut spool = Spool {
        out: BufWriter::with_capacity(1 << 20, spool),
        written: 0,
        segments: Vec::new(),
        fragments: KeyFragments::new(key.expose()),
        withheld: 0,
    };
    let mut report = fetch_logs(key, config, progress, |batch| spool.add(batch)).await?;
    let Spool {
        out,
        mut segments,
        withheld,
        ..
    } = spool;
    report.withheld = withheld;
    let mut spool = out.into_inner().map_err(|e| io_error(e.into_error()))?;
    segments.sort_by_key(|s| s.window);
    let exposures = exposures(&segments);

    let mut target = tempfile::Builder::new()
        .prefix(".keyaudit-usage-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(io_error)?;
    let header = header(config, &report, exposures.clone());
    let write_error = |source| FetchError::Io {
        path: path.to_owned(),
        source,
    };
    {
        let mut out = BufWriter::with_capacity(1 << 20, target.as_file_mut());
        serde_json::to_writer(&mut out, &header).map_err(|e| write_error(e.into()))?;
        out.write_all(b"\n").map_err(write_error)?;
        copy_segments(&mut spool, &segments, &mut out).map_err(write_error)?;
        out.flush().map_err(write_error)?;
    }
    target.as_file().sync_all().map_err(write_error)?;
    target.persist(path).map_err(|e| write_error(e.error))?;
    Ok((report, exposures))
}

/// Where one window's lines are in the spool.
struct Segment {
    window: TimeRange,
    offset: u64,
    len: u64,
    lines: u64,
    /// Keys masked in the window's records: the record's place among them,
    /// the fingerprint, the field.
    masked: Vec<(u64, KeyFingerprint, Option<String>)>,
}

struct Spool {
    out: BufWriter<File>,
    written: u64,
    segments: Vec<Segment>,
    /// Runs of the key used for the fetch, withheld from the records.
    fragments: KeyFragments,
    /// Records in which some text was withheld.
    withheld: u64,
}

impl Spool {
    fn add(&mut self, batch: LogBatch) -> io::Result<()> {
        let offset = self.written;
        let mut masked = Vec::new();
        for (i, log) in batch.logs.iter().enumerate() {
            let (json, found) = mask_full_keys(log.json());
            for fingerprint in found {
                let field = field_holding(&json, &fingerprint);
                masked.push((i as u64, fingerprint, field));
            }
            // After the full keys are masked: what remains of the key used
            // is its own, not another key's that shares a run with it.
            let json = match self.fragments.withhold_in_record(&json) {
                Some(withheld) => {
                    self.withheld += 1;
                    Cow::Owned(withheld)
                }
                None => json,
            };
            self.out.write_all(json.as_bytes())?;
            self.out.write_all(b"\n")?;
            self.written += json.len() as u64 + 1;
        }
        self.segments.push(Segment {
            window: batch.window,
            offset,
            len: self.written - offset,
            lines: batch.logs.len() as u64,
            masked,
        });
        Ok(())
    }
}

/// The masked keys of `segments` (in file order) with their lines.
fn exposures(segments: &[Segment]) -> Vec<HeaderExposure> {
    let mut line = 1;
    let mut exposures = Vec::new();
    for segment in segments {
        for (i, fingerprint, field) in &segment.masked {
            exposures.push(HeaderExposure {
                fingerprint: fingerprint.clone(),
                line: line + 1 + i,
                field: field.clone(),
            });
        }
        line += segment.lines;
    }
    exposures
}

/// The attribute of a record (`{"attributes":{…}}`) whose text holds the
/// key `fingerprint` masked.
fn field_holding(json: &str, fingerprint: &KeyFingerprint) -> Option<String> {
    let record: serde_json::Value = serde_json::from_str(json).ok()?;
    let masked = format!("{fingerprint}.");
    record
        .get("attributes")?
        .as_object()?
        .iter()
        .find(|(_, value)| value.as_str().is_some_and(|v| v.contains(&masked)))
        .map(|(name, _)| name.clone())
}

fn copy_segments(spool: &mut File, segments: &[Segment], out: &mut impl Write) -> io::Result<()> {
    for segment in segments.iter().filter(|s| s.len > 0) {
        spool.seek(SeekFrom::Start(segment.offset))?;
        let copied = io::copy(&mut Read::by_ref(spool).take(segment.len), out)?;
        if copied != segment.len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the temporary file is shorter than what was written to it",
            ));
        }
    }
    Ok(())
}
