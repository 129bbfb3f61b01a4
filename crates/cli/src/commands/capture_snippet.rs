//! `keyaudit capture-snippet`: the browser-console snippet that reads the
//! live API Keys settings page into a TSV inventory. The snippet itself is
//! `capture_snippet.js`, beside this file, so that it can be reviewed as it
//! runs.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::CaptureSnippetArgs;
use crate::output::Output;

/// The snippet: one JavaScript expression whose value is the inventory.
pub const SNIPPET: &str = include_str!("capture_snippet.js");

/// Runs `keyaudit capture-snippet`.
pub fn run(args: CaptureSnippetArgs) -> Result<ExitCode> {
    let text = if args.bookmarklet {
        format!("{}\n", bookmarklet(SNIPPET))
    } else {
        SNIPPET.to_string()
    };
    Output::prepare(None, [])?.write(|out| out.write_all(text.as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

/// The snippet as a `javascript:` URL. A bookmark has no console `copy()`,
/// so the URL puts the text on the clipboard itself and says how many keys
/// it copied (or, when the browser refuses the clipboard, logs the text to
/// the console). `void` keeps the page as it is: a `javascript:` URL whose
/// value is a string would replace the page with it.
pub fn bookmarklet(snippet: &str) -> String {
    let code: Vec<&str> = snippet
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect();
    let script = format!(
        "void((tsv) => navigator.clipboard.writeText(tsv).then(\n\
         () => alert(`keyaudit: copied ${{tsv.trim().split(\"\\n\").length - 1}} keys; paste them into a file such as api-keys.tsv`),\n\
         () => {{ console.log(tsv); alert(\"keyaudit: the browser refused the clipboard; copy the inventory from the console (F12)\"); }}\n\
         ))({})",
        code.join("\n")
    );
    let mut url = String::from("javascript:");
    for byte in script.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}
