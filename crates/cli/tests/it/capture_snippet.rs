//! `keyaudit capture-snippet`: the snippet, run in headless Chromium on a
//! page shaped like the API Keys settings page whose script changes the
//! checkboxes after load, yields an inventory keyaudit reads with the live
//! Password Access and paused state. Skipped, with a message, when no
//! Chromium is installed (`KEYAUDIT_CHROMIUM` names one explicitly).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::keyaudit;
use serde_json::Value;

/// The longest a browser run may take.
const BROWSER_LIMIT: Duration = Duration::from_secs(90);

/// What the fixture page shows: name, Password Access, state.
const SHOWN: [(&str, bool, &str); 6] = [
    ("HaloPSA Integration", true, "active"),
    ("Datto RMM sync", false, "active"),
    ("Hudu migration", true, "active"),
    ("Vault export", false, "active"),
    ("Backup \"nightly\" export", false, "active"),
    ("Liongard inspector", true, "paused"),
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inventory/settings-page-live.html")
}

fn stdout_of(args: &[&str]) -> String {
    let out = keyaudit().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A Chromium to run, if one is installed.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KEYAUDIT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// Loads `page` in headless Chromium and returns the DOM after its scripts
/// ran; the run is killed past [`BROWSER_LIMIT`].
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let out_path = profile.with_extension("dom");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if start.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {BROWSER_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(&out_path).unwrap()
}

/// The text of `<pre id="keyaudit-result">` in a dumped DOM, parsed as JSON.
fn result_of(dom: &str) -> Value {
    const OPEN: &str = "<pre id=\"keyaudit-result\">";
    let start = dom
        .find(OPEN)
        .unwrap_or_else(|| panic!("no result in the page: {dom}"))
        + OPEN.len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The fixture page with a script after the page's own that runs the snippet
/// as a console would (its value), then the bookmarklet with a stand-in
/// clipboard and alert, and writes what each produced, and whether the page
/// changed, into `<pre id="keyaudit-result">`.
fn harness(snippet: &str, bookmarklet: &str) -> String {
    let page = std::fs::read_to_string(fixture()).unwrap();
    let script = format!(
        r#"<script>
(() => {{
  const inputs = () => [...document.querySelectorAll("input")].map((i) => i.checked + "|" + i.value).join(",");
  const before = [document.body.innerHTML, inputs()].join("\n");
  let console_value;
  try {{ console_value = eval({snippet}); }} catch (e) {{ console_value = "ERROR " + e; }}
  const unchanged = [document.body.innerHTML, inputs()].join("\n") === before;
  let copied = null, alerted = null;
  Object.defineProperty(navigator, "clipboard", {{
    value: {{ writeText: (text) => {{ copied = text; return Promise.resolve(); }} }},
  }});
  window.alert = (message) => {{ alerted = message; }};
  let bookmark_value;
  try {{ bookmark_value = eval(decodeURIComponent({bookmarklet}.slice("javascript:".length))); }}
  catch (e) {{ bookmark_value = "ERROR " + e; }}
  Promise.resolve().then(() => {{
    const pre = document.createElement("pre");
    pre.id = "keyaudit-result";
    pre.textContent = JSON.stringify({{ console_value, unchanged, copied, alerted, bookmark_value: String(bookmark_value) }});
    document.body.appendChild(pre);
  }});
}})();
</script>
</body>"#,
        snippet = serde_json::to_string(snippet).unwrap(),
        bookmarklet = serde_json::to_string(bookmarklet.trim()).unwrap(),
    );
    assert!(page.contains("</body>"));
    page.replace("</body>", &script)
}

#[test]
fn the_snippet_reads_the_live_state_of_the_settings_page() {
    let Some(browser) = chromium() else {
        println!(
            "skipped: no Chromium found (chromium, chromium-browser, google-chrome on PATH, \
             or KEYAUDIT_CHROMIUM): the snippet was not run in a browser"
        );
        return;
    };
    let snippet = stdout_of(&["capture-snippet"]);
    let bookmarklet = stdout_of(&["capture-snippet", "--bookmarklet"]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("api-keys.html");
    std::fs::write(&page, harness(&snippet, &bookmarklet)).unwrap();
    let result = result_of(&dump_dom(&browser, &page, &dir.path().join("profile")));

    let tsv = result["console_value"].as_str().unwrap();
    assert!(!tsv.starts_with("ERROR"), "{tsv}");
    assert_eq!(result["unchanged"], true, "the snippet changed the page");
    assert_eq!(
        tsv.lines().next(),
        Some("Name\tKey\tPassword Access\tState")
    );
    assert_eq!(tsv.lines().count(), 1 + SHOWN.len(), "{tsv}");
    // The bookmarklet copies the same text, says so, and leaves the page.
    assert_eq!(result["copied"].as_str(), Some(tsv));
    assert_eq!(
        result["alerted"].as_str(),
        Some("keyaudit: copied 6 keys; paste them into a file such as api-keys.tsv")
    );
    assert_eq!(result["bookmark_value"], "undefined");

    // keyaudit reads the snippet's output as an inventory: Password Access
    // and state are what the page shows, not what its attributes say.
    let inventory = dir.path().join("api-keys.tsv");
    std::fs::write(&inventory, tsv).unwrap();
    let report: Value = serde_json::from_str(&stdout_of(&[
        "audit",
        "--inventory",
        inventory.to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]))
    .unwrap();
    let mut keys: Vec<(String, bool, String)> = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_string(),
                k["password_access"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("{k}")),
                k["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut shown: Vec<(String, bool, String)> = SHOWN
        .iter()
        .map(|(n, a, s)| (n.to_string(), *a, s.to_string()))
        .collect();
    keys.sort();
    shown.sort();
    assert_eq!(keys, shown);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "password-access-unknown" && f["rule"] != "exposed-secret")
    );
    let fingerprints = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["fingerprint"].is_string())
        .count();
    assert_eq!(fingerprints, SHOWN.len());
}

#[test]
fn the_saved_page_carries_the_attributes_not_the_live_state() {
    // Why the snippet exists: read as saved HTML, the same page gives the
    // `checked` attributes, wrong for the two boxes its script changed.
    let report: Value = serde_json::from_str(&stdout_of(&[
        "audit",
        "--inventory",
        fixture().to_str().unwrap(),
        "--as-of",
        "2026-11-26",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]))
    .unwrap();
    let access = |name: &str| {
        report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .map(|k| k["password_access"].clone())
    };
    assert_eq!(access("Hudu migration"), Some(Value::Bool(false)));
    assert_eq!(access("Vault export"), Some(Value::Bool(true)));
    assert_eq!(access("HaloPSA Integration"), Some(Value::Bool(true)));
}

/// The snippet and the bookmarklet as text.
mod text {
    use keyaudit_cli::commands::capture_snippet::{SNIPPET, bookmarklet};

    /// Percent-decodes a URL's text.
    fn decode(url: &str) -> String {
        let bytes = url.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_bookmarklet_is_the_snippet_without_comments_in_a_void() {
        let url = bookmarklet(SNIPPET);
        let script = decode(url.strip_prefix("javascript:").unwrap());
        assert!(script.starts_with("void((tsv) => navigator.clipboard.writeText(tsv)"));
        assert!(script.ends_with("})())"), "{script}");
        assert!(!script.lines().any(|l| l.trim_start().starts_with("//")));
        assert!(script.contains("box.checked ? \"yes\" : \"no\""));
        // Nothing a URL could take for a delimiter or an escape is left bare.
        assert!(
            url.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~%:".contains(&b))
        );
    }

    #[test]
    fn the_snippet_is_one_expression_that_reads_the_live_state() {
        let code = SNIPPET.trim_end();
        let body: Vec<&str> = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        assert_eq!(body.first(), Some(&"(() => {"));
        assert_eq!(body.last(), Some(&"})()"));
        // The live property, never the attribute.
        assert!(code.contains(".checked"));
        assert!(!code.contains("getAttribute(\"checked\")"));
        // Reads and returns; never sends, stores or writes.
        for banned in [
            "fetch(",
            "XMLHttpRequest",
            "sendBeacon",
            "WebSocket",
            "localStorage",
            "sessionStorage",
            "document.cookie",
            "innerHTML",
            ".click(",
            "setAttribute",
            "appendChild",
            ".remove(",
        ] {
            assert!(!code.contains(banned), "{banned}");
        }
    }
}
