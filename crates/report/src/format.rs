//! The output formats: each one's name on the command line, its file
//! extensions and a line of help, declared once in [`Format::ALL`]'s
//! order. Which formats a document supports is the
//! [`Document`](crate::Document)'s to say.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// A terminal table (the default).
    #[default]
    Table,
    /// CSV, one row per finding, key, control or forecast entry.
    Csv,
    /// The whole document as JSON (its contract).
    Json,
    /// The whole document as Markdown (GitHub tables).
    Markdown,
    /// The whole document as one self-contained HTML page.
    Html,
    /// One OCSF Detection Finding per finding, as a JSON array (for SIEMs).
    Ocsf,
    /// The auto-revocation forecast as an iCalendar file (RFC 5545): a
    /// warning and a revocation event per dated key.
    Ics,
}

/// What the command line knows of a format.
struct Spec {
    name: &'static str,
    extensions: &'static [&'static str],
    help: &'static str,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Ocsf,
        Format::Ics,
    ];

    fn spec(self) -> Spec {
        let (name, extensions, help): (_, &'static [&'static str], _) = match self {
            Format::Table => ("table", &[], "Terminal table"),
            Format::Csv => (
                "csv",
                &["csv"],
                "Comma-separated values, safe to open in a spreadsheet",
            ),
            Format::Json => (
                "json",
                &["json"],
                "The whole document as JSON (its contract)",
            ),
            Format::Markdown => (
                "markdown",
                &["md", "markdown"],
                "Markdown for wikis, tickets and pull requests",
            ),
            Format::Html => (
                "html",
                &["html", "htm"],
                "One self-contained HTML page (no scripts, no external resources), printable to PDF",
            ),
            Format::Ocsf => (
                "ocsf",
                &[],
                "OCSF Detection Findings (class 2004) as a JSON array, for a SIEM",
            ),
            Format::Ics => (
                "ics",
                &["ics"],
                "The revocation forecast as an iCalendar file (warning and revocation day per key)",
            ),
        };
        Spec {
            name,
            extensions,
            help,
        }
    }

    /// The format's name on the command line (`table`, `csv`, `json`,
    /// `markdown`, `html`, `ocsf`, `ics`).
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The file extensions that select the format, preferred first (none
    /// for `table` and `ocsf`: `.json` is JSON).
    pub fn extensions(self) -> &'static [&'static str] {
        self.spec().extensions
    }

    /// One line that says what the format is, for `--help`.
    pub fn help(self) -> &'static str {
        self.spec().help
    }

    /// The format a file's extension selects (any case), if any.
    ///
    /// ```
    /// use std::path::Path;
    /// use keyaudit_report::Format;
    ///
    /// assert_eq!(Format::of_path(Path::new("out/report.HTM")), Some(Format::Html));
    /// assert_eq!(Format::of_path(Path::new("report.md")), Some(Format::Markdown));
    /// assert_eq!(Format::of_path(Path::new("report.txt")), None);
    /// ```
    pub fn of_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?;
        Format::ALL.into_iter().find(|f| {
            f.extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension))
        })
    }

    /// The names of `formats` as prose: `table, json or markdown`.
    pub fn names(formats: &[Format]) -> String {
        or_list(formats.iter().map(|f| f.as_str()))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a format's name (any case); the error lists the valid names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}` (expected {})",
                    Format::names(&Format::ALL)
                )
            })
    }
}

/// `a`, `a or b`, `a, b or c`.
pub(crate) fn or_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_extension_selects_one_format() {
        let mut seen: Vec<&str> = Format::ALL
            .iter()
            .flat_map(|f| f.extensions().iter().copied())
            .collect();
        let count = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), count, "an extension names two formats");
        for format in Format::ALL {
            for extension in format.extensions() {
                let path = format!("out.{extension}");
                assert_eq!(Format::of_path(Path::new(&path)), Some(format));
            }
        }
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(Format::names(&[]), "");
        assert_eq!(Format::names(&[Format::Json]), "json");
        assert_eq!(Format::names(&[Format::Json, Format::Ics]), "json or ics");
        assert_eq!(
            Format::names(&Format::ALL),
            "table, csv, json, markdown, html, ocsf or ics"
        );
    }
}
