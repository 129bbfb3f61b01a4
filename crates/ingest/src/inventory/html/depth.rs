//! How deep a page nests its elements, measured before it is parsed.
//!
//! The HTML tree builder's work per tag grows with the depth of the open
//! elements (its scope checks walk them), so a page nesting two hundred
//! thousand elements takes minutes to parse. The page's tags are read here
//! with html5ever's tokenizer alone (linear: raw text such as a script's is
//! skipped as the parser skips it) and followed on a stack of the open
//! elements that need an end tag: an end tag closes the innermost open
//! element of its name and those inside it. Void elements (`<br>`),
//! self-closing tags in SVG and MathML, and elements whose end tag is
//! optional (`<p>`, `<li>`, `<tr>`, `<td>`, … which the next one of their
//! kind closes) are not counted, so a page the parser would find deep is
//! counted at most a few times shallower, never deeper than it is unless it
//! leaves elements open that a browser would close.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{LocalName, local_name};

/// The line of the first tag that opens an element nested deeper than
/// `max` (counted as the module says), or `None`.
pub(super) fn too_deep(text: &str, max: usize) -> Option<u64> {
    let tokenizer = Tokenizer::new(
        Depth {
            max,
            open: RefCell::new(Vec::new()),
            foreign: Cell::new(0),
            too_deep: Cell::new(None),
        },
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(text));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.too_deep.get()
}

/// The open elements, as the tokens go by.
struct Depth {
    max: usize,
    open: RefCell<Vec<LocalName>>,
    /// Open `<svg>` and `<math>` elements.
    foreign: Cell<usize>,
    too_deep: Cell<Option<u64>>,
}

impl TokenSink for Depth {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) if self.too_deep.get().is_none() => match tag.kind {
                TagKind::StartTag => self.start(&tag, line),
                TagKind::EndTag => {
                    self.end(&tag.name);
                    TokenSinkResult::Continue
                }
            },
            _ => TokenSinkResult::Continue,
        }
    }
}

impl Depth {
    fn start(&self, tag: &Tag, line: u64) -> TokenSinkResult<()> {
        let foreign = self.foreign.get() > 0;
        if !foreign {
            // Their text is read raw up to their end tag, as the parser
            // reads it: they hold no elements.
            match tag.name {
                local_name!("script") => return TokenSinkResult::RawData(RawKind::ScriptData),
                local_name!("style")
                | local_name!("xmp")
                | local_name!("iframe")
                | local_name!("noembed")
                | local_name!("noframes")
                | local_name!("noscript") => return TokenSinkResult::RawData(RawKind::Rawtext),
                local_name!("textarea") | local_name!("title") => {
                    return TokenSinkResult::RawData(RawKind::Rcdata);
                }
                local_name!("plaintext") => return TokenSinkResult::Plaintext,
                _ => {}
            }
        }
        if (foreign && tag.self_closing) || uncounted(&tag.name) {
            return TokenSinkResult::Continue;
        }
        if matches!(tag.name, local_name!("svg") | local_name!("math")) {
            self.foreign.set(self.foreign.get() + 1);
        }
        let mut open = self.open.borrow_mut();
        open.push(tag.name.clone());
        if open.len() > self.max {
            self.too_deep.set(Some(line));
        }
        TokenSinkResult::Continue
    }

    fn end(&self, name: &LocalName) {
        let mut open = self.open.borrow_mut();
        let Some(at) = open.iter().rposition(|n| n == name) else {
            return;
        };
        let closed = open
            .drain(at..)
            .filter(|n| matches!(*n, local_name!("svg") | local_name!("math")))
            .count();
        self.foreign.set(self.foreign.get().saturating_sub(closed));
    }
}

/// Elements that never nest by themselves: void elements, and those whose
/// end tag is optional (the next of their kind, or their container's end,
/// closes them).
fn uncounted(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("frame")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("keygen")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
            | local_name!("html")
            | local_name!("head")
            | local_name!("body")
            | local_name!("p")
            | local_name!("li")
            | local_name!("dt")
            | local_name!("dd")
            | local_name!("option")
            | local_name!("optgroup")
            | local_name!("caption")
            | local_name!("colgroup")
            | local_name!("thead")
            | local_name!("tbody")
            | local_name!("tfoot")
            | local_name!("tr")
            | local_name!("td")
            | local_name!("th")
            | local_name!("rb")
            | local_name!("rt")
            | local_name!("rtc")
            | local_name!("rp")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_as_the_parser_nests() {
        let nested = |n: usize| format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n));
        assert_eq!(too_deep(&nested(10), 10), None);
        assert_eq!(too_deep(&nested(11), 10), Some(1));
        // Siblings, closed elements and elements that close each other.
        let wide = "<div><span>a</span></div>\n".repeat(1000);
        assert_eq!(too_deep(&wide, 10), None);
        let rows = format!("<table>{}</table>", "<tr><td>a<td>b".repeat(1000));
        assert_eq!(too_deep(&rows, 10), None);
        let paragraphs = "<p>a<li>b<br><img src=x>".repeat(1000);
        assert_eq!(too_deep(&paragraphs, 10), None);
        // An end tag closes what it holds.
        let unclosed = "<div><b><i>x</div>".repeat(1000);
        assert_eq!(too_deep(&unclosed, 10), None);
        // SVG's self-closing elements, and tags in raw text.
        let icons = "<svg><path d=1/><circle/></svg>".repeat(1000);
        assert_eq!(too_deep(&icons, 10), None);
        let script = format!("<script>{}</script>", "<div>".repeat(1000));
        assert_eq!(too_deep(&script, 10), None);
        let comment = format!("<!--{}-->", "<div>".repeat(1000));
        assert_eq!(too_deep(&comment, 10), None);
        // The line of the tag that went too deep.
        let deep = format!("<html>\n<body>\n{}", "<span>\n".repeat(20));
        assert_eq!(too_deep(&deep, 10), Some(13));
    }
}
