//! HTML inventories: a saved copy of IT Glue's settings page (Admin →
//! Settings → API Keys), or any page holding a table whose header row has a
//! name column and a key column.
//!
//! The page is parsed with a real HTML parser (`scraper`, i.e. html5ever), so
//! entities, implied tags, nesting and odd whitespace read as a browser reads
//! them. The first table (the innermost when tables nest) whose header row
//! gives a name and a key column is read; its rows after the header go
//! through the same pipeline as CSV rows ([`Table::read_row`]).
//!
//! Secrets: every full key of the raw text is masked before the parser sees
//! it, and followed by a marker character of its own (a private-use
//! character), so that its exposure can be placed on the table row and
//! column where it lands, or else on its line of the file. Every text and
//! attribute of the parsed page is then searched again, since a key written
//! with character references (`&#46;`) only shows once decoded; every text
//! read from the page is redacted before use.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use ego_tree::{NodeId, NodeRef};
use keyaudit_model::{KeyFingerprint, SourceLocation};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

use super::columns::Field;
use super::table::Table;
use super::{Collector, ParsedInventory};
use crate::IngestError;
use crate::error::{SHOW_MAX, show};
use crate::limits::{MAX_HTML_DEPTH, check_columns, too_deep};
use crate::tabular::quoted_list;
use keyaudit_model::key_shape::{find_secrets, is_secret_char, redact_secrets};

mod depth;

/// True when the text is an HTML page or holds an HTML table: its first
/// non-whitespace character is `<`, or it holds both `<table` and `<tr`
/// (any case).
pub(crate) fn looks_like_html(text: &str) -> bool {
    text.trim_start().starts_with('<')
        || (contains_ignore_case(text, b"<table") && contains_ignore_case(text, b"<tr"))
}

fn contains_ignore_case(text: &str, needle: &[u8]) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Parses an HTML page (already decoded). A page nesting elements deeper
/// than [`MAX_HTML_DEPTH`] is refused before it is parsed.
pub(crate) fn parse(source: &str, text: &str) -> Result<ParsedInventory, IngestError> {
    if let Some(line) = depth::too_deep(text, MAX_HTML_DEPTH) {
        return Err(too_deep(SourceLocation::file(format!(
            "{source} (line {line})"
        ))));
    }
    let marked = Marked::new(text);
    let page = Html::parse_document(&marked.text);
    let tables: Vec<PageTable<'_>> = page
        .tree
        .root()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "table")
        .map(|e| PageTable::new(e, marked.marks))
        .collect();
    let Some((chosen, header)) = choose(&tables) else {
        return Err(no_table(source, &tables));
    };
    let table = &tables[chosen];

    let place = if tables.len() > 1 {
        format!("{source} (table {})", chosen + 1)
    } else {
        source.to_string()
    };
    let mut collector = Collector::new(source, "html").with_place(place);
    let mut pipeline = Table::default();
    let width: usize = cells(table.rows[header].0).map(span).sum();
    // Every consumed row and cell, and the keys found in each cell's value.
    let mut rows: Vec<(NodeId, usize)> = Vec::new();
    let mut read: Vec<ReadCell> = Vec::new();
    for (i, (row, _)) in table.rows.iter().enumerate().skip(header) {
        let number = i + 1;
        rows.push((row.id(), number));
        let mut values: Vec<String> = Vec::new();
        let mut hints: Vec<String> = Vec::new();
        let mut blank = true;
        let mut count = 0;
        for cell in cells(*row) {
            count += 1;
            let content = CellContent::read(cell);
            blank &= content.is_blank();
            let value = if i == header {
                content.label()
            } else {
                content.value(false)
            };
            let value = unmark(&value, marked.marks, |_| {});
            let (clean, found) = redact_secrets(&value);
            read.push(ReadCell {
                id: cell.id(),
                row: number,
                column: values.len(),
                found: found.into_iter().map(|s| s.fingerprint).collect(),
            });
            values.push(clean.into_owned());
            values.extend((1..span(cell)).map(|_| String::new()));
            check_columns(values.len(), || {
                SourceLocation::row(collector.place(), number)
            })?;
            hints.extend(content.hints.iter().map(|h| quiet(h, marked.marks)));
        }
        // A message row ("No API keys") spans the whole table.
        let message = count == 1 && width > 1 && values.len() >= width;
        if i != header && (blank || message) {
            continue;
        }
        pipeline.read_row(&mut collector, number, &values, &hints)?;
    }

    let mut places: HashMap<NodeId, SourceLocation> = HashMap::new();
    for (id, number) in rows {
        places.insert(id, SourceLocation::row(collector.place(), number));
    }
    for cell in &read {
        let location = if cell.row == header + 1 {
            // As in delimited files, the header's cells go by number.
            SourceLocation::row(collector.place(), cell.row)
                .with_column(format!("column {}", cell.column + 1))
        } else {
            pipeline.location(collector.place(), cell.row, cell.column)
        };
        places.insert(cell.id, location);
    }
    let counts = record_exposures(&page, &places, &marked, source, &mut collector);
    // A key the page splits over several elements (`<b>ITG.…</b><i>…</i>`)
    // shows in the cell's value only.
    for cell in read {
        let mut seen = counts.get(&cell.id).cloned().unwrap_or_default();
        for fingerprint in cell.found {
            match seen.get_mut(&fingerprint) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    if let Some(location) = places.get(&cell.id) {
                        collector.exposure(fingerprint, location.clone());
                    }
                }
            }
        }
    }
    collector.finish()
}

/// A cell of the read table: where it is and the keys its value held.
struct ReadCell {
    id: NodeId,
    row: usize,
    column: usize,
    found: Vec<KeyFingerprint>,
}

/// The first table whose header gives a name and a key column (when such a
/// table holds another one, the inner one), with its header row.
fn choose(tables: &[PageTable<'_>]) -> Option<(usize, usize)> {
    let mut matching = tables
        .iter()
        .enumerate()
        .filter(|(_, t)| t.header.is_some())
        .map(|(i, _)| i);
    let mut chosen = matching.next()?;
    // In document order a table's descendants come right after it.
    for next in matching {
        let outer = tables[chosen].element.id();
        if tables[next].element.ancestors().any(|a| a.id() == outer) {
            chosen = next;
        } else {
            break;
        }
    }
    Some((chosen, tables[chosen].header?))
}

/// The error for a page without a usable table: the tables found and their
/// headers.
fn no_table(source: &str, tables: &[PageTable<'_>]) -> IngestError {
    const LISTED: usize = 10;
    let problem = if tables.is_empty() {
        "found no <table> element".to_string()
    } else {
        let mut listed: Vec<String> = tables
            .iter()
            .take(LISTED)
            .enumerate()
            .map(|(i, t)| match &t.shown {
                Some(labels) => format!(
                    "table {} with headers {}",
                    i + 1,
                    quoted_list(labels.iter().map(String::as_str))
                ),
                None => format!("table {} without rows", i + 1),
            })
            .collect();
        if tables.len() > LISTED {
            listed.push(format!("{} more", tables.len() - LISTED));
        }
        format!(
            "found no table whose header row has a name column and a key column ({})",
            listed.join("; ")
        )
    };
    IngestError::Syntax {
        location: SourceLocation::file(source),
        problem,
        expected: format!(
            "an HTML table whose header row has a name column (one of: {}) and a key column \
             (one of: {}), as on IT Glue's Admin → Settings → API Keys page",
            quoted_list(Field::Name.aliases().iter().copied()),
            quoted_list(Field::Key.aliases().iter().copied()),
        ),
    }
}

/// Records every full key of the page, in document order: on the row or
/// cell of the read table that holds it, else on its line of the file (a
/// key of the raw text), else on the file (a key written with character
/// references). A key of the raw text is recorded once, even when the
/// parser copied its element or dropped it (a duplicate attribute, an end
/// tag's name). Returns, for each cell, the keys found in its texts and
/// attributes.
fn record_exposures(
    page: &Html,
    places: &HashMap<NodeId, SourceLocation>,
    marked: &Marked,
    source: &str,
    collector: &mut Collector<'_>,
) -> HashMap<NodeId, BTreeMap<KeyFingerprint, usize>> {
    let mut counts: HashMap<NodeId, BTreeMap<KeyFingerprint, usize>> = HashMap::new();
    let mut seen = vec![false; marked.secrets.len()];
    let line =
        |secret: &RawSecret| SourceLocation::file(format!("{source} (line {})", secret.line));
    let mut stack: Vec<(NodeRef<'_, Node>, Option<NodeId>)> = vec![(page.tree.root(), None)];
    while let Some((node, parent)) = stack.pop() {
        let holder = if places.contains_key(&node.id()) {
            Some(node.id())
        } else {
            parent
        };
        let place = holder.and_then(|id| places.get(&id));
        let mut texts: Vec<&str> = Vec::new();
        match node.value() {
            Node::Text(t) => texts.push(t),
            Node::Comment(c) => texts.push(c),
            Node::Element(e) => {
                texts.push(e.name());
                texts.extend(e.attrs().flat_map(|(name, value)| [name, value]));
            }
            Node::Doctype(d) => texts.extend([d.name(), d.public_id(), d.system_id()]),
            Node::ProcessingInstruction(p) => texts.extend([&*p.target, &*p.data]),
            Node::Document | Node::Fragment => {}
        }
        for text in texts {
            let mut raw = Vec::new();
            let text = unmark(text, marked.marks, |i| raw.push(i));
            for i in raw {
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                let secret = &marked.secrets[i];
                let location = place.cloned().unwrap_or_else(|| line(secret));
                collector.exposure(secret.fingerprint.clone(), location);
            }
            for secret in find_secrets(&text) {
                if let Some(id) = holder {
                    *counts
                        .entry(id)
                        .or_default()
                        .entry(secret.fingerprint.clone())
                        .or_default() += 1;
                }
                let location = place
                    .cloned()
                    .unwrap_or_else(|| SourceLocation::file(source));
                collector.exposure(secret.fingerprint, location);
            }
        }
        stack.extend(node.children().rev().map(|child| (child, holder)));
    }
    // The keys whose marker was not seen (lost by the parser, or no marker:
    // more keys than markers, or a page using the marker characters itself).
    for (secret, _) in marked.secrets.iter().zip(seen).filter(|(_, seen)| !seen) {
        collector.exposure(secret.fingerprint.clone(), line(secret));
    }
    counts
}

/// One `<table>` of the page.
struct PageTable<'a> {
    element: ElementRef<'a>,
    /// Its own rows (not those of tables inside it), in document order, each
    /// with whether it is in `<thead>`.
    rows: Vec<(ElementRef<'a>, bool)>,
    /// The index in `rows` of the header row, when one gives a name and a
    /// key column.
    header: Option<usize>,
    /// The header labels shown in errors (shortened): those of the header
    /// row, else of the first candidate row; `None` for a table without rows.
    shown: Option<Vec<String>>,
}

impl<'a> PageTable<'a> {
    fn new(element: ElementRef<'a>, marks: usize) -> Self {
        let mut rows = Vec::new();
        for child in element.child_elements() {
            match child.value().name() {
                "tr" => rows.push((child, false)),
                section @ ("thead" | "tbody" | "tfoot") => rows.extend(
                    child
                        .child_elements()
                        .filter(|r| r.value().name() == "tr")
                        .map(|r| (r, section == "thead")),
                ),
                _ => {}
            }
        }
        let mut table = Self {
            element,
            rows,
            header: None,
            shown: None,
        };
        for i in table.header_candidates() {
            let labels = header_labels(table.rows[i].0, marks);
            let fields: Vec<Field> = labels
                .iter()
                .filter_map(|l| Field::from_header(l))
                .collect();
            let matches = fields.contains(&Field::Name) && fields.contains(&Field::Key);
            if matches || table.shown.is_none() {
                table.shown = Some(labels.iter().map(|l| show(l, SHOW_MAX)).collect());
            }
            if matches {
                table.header = Some(i);
                break;
            }
        }
        table
    }

    /// The rows that may be the header: the `<thead>` rows; else the rows
    /// with a `<th>` cell; else the first row with a cell.
    fn header_candidates(&self) -> Vec<usize> {
        let thead: Vec<usize> = (0..self.rows.len()).filter(|&i| self.rows[i].1).collect();
        if !thead.is_empty() {
            return thead;
        }
        let th: Vec<usize> = (0..self.rows.len())
            .filter(|&i| cells(self.rows[i].0).any(|c| c.value().name() == "th"))
            .collect();
        if !th.is_empty() {
            return th;
        }
        (0..self.rows.len())
            .find(|&i| cells(self.rows[i].0).next().is_some())
            .into_iter()
            .collect()
    }
}

/// The labels of a header row, one per column (a cell spanning columns
/// gives its label to the first and empty ones to the others), redacted.
fn header_labels(row: ElementRef<'_>, marks: usize) -> Vec<String> {
    let mut labels = Vec::new();
    for cell in cells(row) {
        labels.push(quiet(&CellContent::read(cell).label(), marks));
        labels.extend((1..span(cell)).map(|_| String::new()));
    }
    labels
}

/// The cells of a row.
fn cells<'a>(row: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    row.child_elements()
        .filter(|c| matches!(c.value().name(), "td" | "th"))
}

/// The number of columns a cell spans (`colspan`, 1 to 1000 as browsers
/// read it).
fn span(cell: ElementRef<'_>) -> usize {
    cell.value()
        .attr("colspan")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(1, |n| n.clamp(1, 1000))
}

/// A text of the page made safe without recording anything: markers
/// removed, full keys masked.
fn quiet(text: &str, marks: usize) -> String {
    redact_secrets(&unmark(text, marks, |_| {})).0.into_owned()
}

/// Elements whose content is never part of a cell's text.
const SKIPPED: [&str; 10] = [
    "head", "iframe", "math", "noscript", "script", "style", "svg", "table", "template", "title",
];

/// Elements that separate the words before and after them.
const BLOCKS: [&str; 30] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "ul",
];

/// What a cell shows, as read from the page (markers still in).
#[derive(Default)]
struct CellContent {
    /// Its text, buttons left out.
    text: String,
    /// Its text nodes outside buttons, one by one.
    pieces: Vec<String>,
    /// The text of its buttons.
    button_text: String,
    /// The state of its first checkbox (`<input type="checkbox">`, ticked
    /// when it carries `checked`; or an element with `role="checkbox"`).
    checkbox: Option<bool>,
    /// The value of its first text field (`<input value="…">`).
    input_value: Option<String>,
    /// The value of its first button input (`<input type="submit" value="…">`).
    button_value: Option<String>,
    /// The placeholders of its fields.
    hints: Vec<String>,
}

/// A step of the walk over a cell's content.
enum Step<'a> {
    Visit(NodeRef<'a, Node>),
    /// The end of a block element: a word break.
    Space,
    /// The end of a `<button>`.
    LeaveButton,
}

impl CellContent {
    /// Reads a cell. The walk keeps its own stack: a page may nest deeply.
    fn read(cell: ElementRef<'_>) -> Self {
        let mut content = Self::default();
        let mut buttons = 0usize;
        let mut stack: Vec<Step<'_>> = cell.children().rev().map(Step::Visit).collect();
        while let Some(step) = stack.pop() {
            let node = match step {
                Step::Visit(node) => node,
                Step::Space => {
                    content.push(buttons, " ");
                    continue;
                }
                Step::LeaveButton => {
                    buttons = buttons.saturating_sub(1);
                    continue;
                }
            };
            let element = match node.value() {
                Node::Text(t) => {
                    content.push(buttons, t);
                    if buttons == 0 {
                        content.pieces.push(t.to_string());
                    }
                    continue;
                }
                Node::Element(e) => e,
                _ => continue,
            };
            let name = element.name();
            if SKIPPED.contains(&name) || element.attr("hidden").is_some() {
                continue;
            }
            if matches!(name, "input" | "textarea") {
                if let Some(hint) = element.attr("placeholder") {
                    content.hints.push(hint.to_string());
                }
            }
            if element
                .attr("role")
                .is_some_and(|r| r.trim().eq_ignore_ascii_case("checkbox"))
                && content.checkbox.is_none()
            {
                content.checkbox = Some(
                    element
                        .attr("aria-checked")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
                );
            }
            match name {
                "input" => {
                    content.input(element);
                    continue;
                }
                "select" => {
                    // The chosen option only, not the whole list.
                    let options: Vec<ElementRef<'_>> = node
                        .descendants()
                        .filter_map(ElementRef::wrap)
                        .filter(|e| e.value().name() == "option")
                        .collect();
                    let chosen = options
                        .iter()
                        .find(|o| o.value().attr("selected").is_some())
                        .or(options.first());
                    if let Some(option) = chosen {
                        stack.extend(option.children().rev().map(Step::Visit));
                    }
                    continue;
                }
                "button" => {
                    buttons += 1;
                    stack.push(Step::LeaveButton);
                }
                _ => {}
            }
            if BLOCKS.contains(&name) {
                content.push(buttons, " ");
                stack.push(Step::Space);
            }
            stack.extend(node.children().rev().map(Step::Visit));
        }
        content
    }

    fn push(&mut self, buttons: usize, text: &str) {
        if buttons > 0 {
            self.button_text.push_str(text);
        } else {
            self.text.push_str(text);
        }
    }

    fn input(&mut self, input: &Element) {
        let kind = input
            .attr("type")
            .map_or_else(|| "text".to_string(), |t| t.trim().to_ascii_lowercase());
        let value = input.attr("value").filter(|v| !v.trim().is_empty());
        match kind.as_str() {
            "checkbox" => {
                // Ticked when the attribute is there, whatever its value.
                self.checkbox.get_or_insert(input.attr("checked").is_some());
            }
            "hidden" | "radio" | "file" | "image" => {}
            "button" | "submit" | "reset" => {
                if self.button_value.is_none() {
                    self.button_value = value.map(str::to_string);
                }
            }
            _ => {
                if self.input_value.is_none() {
                    self.input_value = value.map(str::to_string);
                }
            }
        }
    }

    /// The label of a header cell: its value, unless only a part of it names
    /// a column — a text of its own, or the value without the symbols
    /// around it (`Password Access ⓘ`, `Name ▲`).
    fn label(&self) -> String {
        let value = self.value(true);
        let parts = std::iter::once(value.clone()).chain(self.pieces.iter().map(|p| collapse(p)));
        for part in parts {
            for candidate in [
                part.as_str(),
                part.trim_matches(|c: char| !c.is_alphanumeric()),
            ] {
                if Field::from_header(candidate).is_some() {
                    return candidate.to_string();
                }
            }
        }
        value
    }

    /// True when the cell shows nothing but, perhaps, a checkbox.
    fn is_blank(&self) -> bool {
        self.value(true).is_empty()
    }

    /// The cell's value: the checkbox's state (`true`/`false`) when it has
    /// one (not in the header row), else its text, else the value of its
    /// field, else the text of its buttons; whitespace collapsed.
    fn value(&self, header: bool) -> String {
        if let (Some(ticked), false) = (self.checkbox, header) {
            return ticked.to_string();
        }
        [
            Some(self.text.as_str()),
            self.input_value.as_deref(),
            Some(self.button_text.as_str()),
            self.button_value.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(collapse)
        .find(|v| !v.is_empty())
        .unwrap_or_default()
    }
}

/// Collapses whitespace (newlines, tabs, no-break spaces…) to single spaces
/// and trims; zero-width spaces go.
fn collapse(text: &str) -> String {
    text.split(char::is_whitespace)
        .map(|w| w.replace(['\u{200B}', '\u{2060}', '\u{FEFF}'], ""))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first marker: each full key masked in the raw text is followed by a
/// character of its own from the Supplementary Private Use Area-A.
const MARK_FIRST: u32 = 0xF_0000;

/// The number of marker characters (U+F0000 to U+FFFFD).
const MARK_COUNT: usize = 0xFFFE;

/// A full key of the raw text.
struct RawSecret {
    fingerprint: KeyFingerprint,
    /// 1-based line where it starts.
    line: usize,
}

/// The raw text with every full key masked.
struct Marked {
    text: String,
    /// The keys, in text order.
    secrets: Vec<RawSecret>,
    /// The keys `secrets[..marks]` are followed by their marker. Zero when
    /// the text itself holds marker characters.
    marks: usize,
}

impl Marked {
    fn new(text: &str) -> Self {
        let found = find_secrets(text);
        let marks = if text.chars().any(|c| mark_index(c, MARK_COUNT).is_some()) {
            0
        } else {
            found.len().min(MARK_COUNT)
        };
        let mut marked = String::with_capacity(text.len() + 4 * marks);
        let mut secrets = Vec::with_capacity(found.len());
        let (mut last, mut line) = (0, 1);
        for (i, secret) in found.into_iter().enumerate() {
            let before = &text[last..secret.range.start];
            line += before.matches('\n').count();
            marked.push_str(before);
            marked.push_str(&secret.fingerprint.masked());
            if i < marks {
                marked.extend(
                    u32::try_from(i)
                        .ok()
                        .and_then(|i| char::from_u32(MARK_FIRST + i)),
                );
            }
            last = secret.range.end;
            secrets.push(RawSecret {
                fingerprint: secret.fingerprint,
                line,
            });
        }
        marked.push_str(&text[last..]);
        Self {
            text: marked,
            secrets,
            marks,
        }
    }
}

/// The key a marker character stands for, among the first `marks`.
fn mark_index(c: char, marks: usize) -> Option<usize> {
    let i = usize::try_from(u32::from(c).checked_sub(MARK_FIRST)?).ok()?;
    (i < marks).then_some(i)
}

/// Removes the markers from a text of the page, calling `found` with each
/// one's key. Secret characters right after a marker are dropped too: they
/// continue the secret, written with character references in the raw text.
fn unmark(text: &str, marks: usize, mut found: impl FnMut(usize)) -> Cow<'_, str> {
    if marks == 0 || !text.chars().any(|c| mark_index(c, marks).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut after_mark = false;
    for c in text.chars() {
        if let Some(i) = mark_index(c, marks) {
            found(i);
            after_mark = true;
        } else if !(after_mark && is_secret_char(c)) {
            after_mark = false;
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef";

    fn first_cell(html: &str) -> CellContent {
        let page = Html::parse_document(html);
        let cell = page
            .tree
            .root()
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "td")
            .unwrap();
        CellContent::read(cell)
    }

    fn value(cell: &str) -> String {
        first_cell(&format!("<table><tr>{cell}</tr></table>")).value(false)
    }

    #[test]
    fn detection() {
        for html in [
            "<!DOCTYPE html><html></html>",
            "\n  <html>",
            "<table>",
            "<!-- saved -->",
            "Saved page\n<TABLE><TR><td>",
        ] {
            assert!(looks_like_html(html), "{html}");
        }
        for text in [
            "Name\tKey\tPassword Access\nHalo\t\t<input type=\"checkbox\"/>\n",
            "Name,Notes\nHalo,\"see <table> below\"\n",
            "",
        ] {
            assert!(!looks_like_html(text), "{text}");
        }
    }

    #[test]
    fn cell_values() {
        assert_eq!(
            value("<td>\n  Halo&nbsp;PSA \t <b>Sync</b>\n</td>"),
            "Halo PSA Sync"
        );
        assert_eq!(value("<td><div>a</div><div>b</div></td>"), "a b");
        assert_eq!(value("<td><span>ITG.</span><span>x</span></td>"), "ITG.x");
        assert_eq!(
            value("<td><input value=' Backup  job '></td>"),
            "Backup job"
        );
        assert_eq!(value("<td>Text <input value='other'></td>"), "Text");
        assert_eq!(value("<td><input type=hidden value='id-7'></td>"), "");
        assert_eq!(
            value("<td><input type=checkbox checked=false></td>"),
            "true"
        );
        assert_eq!(value("<td><input type=CHECKBOX></td>"), "false");
        assert_eq!(
            value("<td><span role=checkbox aria-checked=true></span></td>"),
            "true"
        );
        assert_eq!(value("<td><button>Revoke</button></td>"), "Revoke");
        assert_eq!(value("<td>Key <button>Copy</button></td>"), "Key");
        assert_eq!(value("<td><input type=submit value=Go></td>"), "Go");
        assert_eq!(
            value(
                "<td><select><option>active</option><option selected>paused</option></select></td>"
            ),
            "paused"
        );
        assert_eq!(
            value("<td>a<script>b</script><svg><title>c</title></svg><span hidden>d</span></td>"),
            "a"
        );
        let cell = first_cell("<table><tr><td><input placeholder='Enter Name'></td></tr></table>");
        assert_eq!(cell.hints, ["Enter Name"]);
        assert!(cell.is_blank());
        // In a header cell a checkbox is not the value.
        let cell =
            first_cell("<table><tr><td><input type=checkbox> Password Access</td></tr></table>");
        assert_eq!(cell.value(true), "Password Access");
    }

    #[test]
    fn markers_name_their_key_and_swallow_escaped_tails() {
        let text = format!("a ITG.{HEX}.S3cr3tV4lu3&#88;yZ b ITG.{HEX}.zzzzzzzz");
        let marked = Marked::new(&text);
        assert_eq!(marked.marks, 2);
        assert_eq!(marked.secrets.len(), 2);
        let page = Html::parse_document(&marked.text);
        let body: String = page.root_element().text().collect();
        let mut seen = Vec::new();
        let clean = unmark(&body, marked.marks, |i| seen.push(i));
        assert_eq!(clean, format!("a ITG.{HEX}.***** b ITG.{HEX}.*****"));
        assert_eq!(seen, [0, 1]);
    }

    #[test]
    fn a_page_using_marker_characters_gets_none() {
        let text = format!("\u{F0000} ITG.{HEX}.zzzzzzzz");
        let marked = Marked::new(&text);
        assert_eq!(marked.marks, 0);
        assert_eq!(marked.secrets.len(), 1);
        assert_eq!(unmark("\u{F0000}", 0, |_| unreachable!()), "\u{F0000}");
    }

    #[test]
    fn collapse_whitespace() {
        assert_eq!(collapse("\n a\u{A0}\u{A0}b\t\u{200B}c \r\n"), "a b c");
        assert_eq!(collapse(" \u{A0} "), "");
    }
}
