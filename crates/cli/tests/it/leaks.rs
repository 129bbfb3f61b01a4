//! No secret reaches any output. Every command runs with `ITGLUE_API_KEY`
//! set to a recognisable key and `RUST_LOG=trace`: that key appears in no
//! stdout, stderr or file. Inputs holding full keys (an inventory cell, a
//! usage event's user agent, a policy value, an API answer) show only the
//! keys' fingerprints, everywhere.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{TimeDelta, Utc};
use keyaudit_itglue::fake::{FakeConfig, FakeEvent, FakeItGlue, Fault, spread_events};
use serde_json::Value;

/// The key in `ITGLUE_API_KEY`: its fingerprint and secret must appear
/// nowhere (no command has a reason to print even the fingerprint).
const ENV_HEX: &str = "e0e1e2e3e4e5e6e7e8e9eaebecedeeef";
const ENV_SECRET: &str = "EnvS3cretKeyValue4242";

/// Full keys planted in inputs: only their fingerprints may appear.
const INVENTORY_HEX: &str = "a1a2a3a4a5a6a7a8a9aaabacadaeafa0";
const INVENTORY_SECRET: &str = "InvS3cretKeyValue1717";
const USAGE_HEX: &str = "b1b2b3b4b5b6b7b8b9babbbcbdbebfb0";
const USAGE_SECRET: &str = "UseS3cretKeyValue2323";
const POLICY_HEX: &str = "c1c2c3c4c5c6c7c8c9cacbcccdcecfc0";
const POLICY_SECRET: &str = "PolS3cretKeyValue5959";
/// A full key the fake IT Glue serves in an event's user agent.
const API_HEX: &str = "d1d2d3d4d5d6d7d8d9dadbdcdddedfd0";
const API_SECRET: &str = "ApiS3cretKeyValue8080";

fn env_key() -> String {
    format!("ITG.{ENV_HEX}.{ENV_SECRET}")
}

fn full(hex: &str, secret: &str) -> String {
    format!("ITG.{hex}.{secret}")
}

const SECRETS: [&str; 5] = [
    ENV_SECRET,
    INVENTORY_SECRET,
    USAGE_SECRET,
    POLICY_SECRET,
    API_SECRET,
];

/// Runs keyaudit with the key set and tracing at its most verbose, in `dir`.
fn keyaudit(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("keyaudit").unwrap();
    cmd.current_dir(dir)
        .env("ITGLUE_API_KEY", env_key())
        .env("RUST_LOG", "trace")
        .env_remove("NO_COLOR");
    cmd
}

/// Everything a run showed: stdout, stderr, and every file in `dir` (new or
/// not: inputs are checked to have been planted, outputs to be clean).
struct Seen {
    texts: Vec<(String, String)>,
}

impl Seen {
    fn new() -> Self {
        Self { texts: Vec::new() }
    }

    /// Runs `cmd`, keeps its stdout and stderr, and returns them.
    fn run(&mut self, what: &str, cmd: &mut Command) -> (Option<i32>, String, String) {
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        self.texts.push((format!("{what}: stdout"), stdout.clone()));
        self.texts.push((format!("{what}: stderr"), stderr.clone()));
        (out.status.code(), stdout, stderr)
    }

    fn file(&mut self, path: &Path) {
        let text = String::from_utf8_lossy(&fs::read(path).unwrap()).into_owned();
        self.texts.push((path.display().to_string(), text));
    }

    /// No secret anywhere; the env key not even by fingerprint.
    fn assert_clean(&self) {
        for (what, text) in &self.texts {
            for secret in SECRETS {
                assert!(
                    !text.contains(secret),
                    "{secret} leaked into {what}:\n{text}"
                );
            }
            assert!(
                !text.to_lowercase().contains(ENV_HEX),
                "the env key's fingerprint appears in {what}:\n{text}"
            );
        }
    }

    fn all(&self) -> String {
        self.texts
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Writes the inputs: an inventory with a full key in its Key column and
/// another... in a note; a usage JSONL and an Activity Logs export whose user
/// agents hold a full key; a policy naming a key by its full key.
fn inputs(dir: &Path) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let inventory = dir.join("keys.csv");
    fs::write(
        &inventory,
        format!(
            "Name,Key,Password Access,Created,Last Used,Notes\n\
             HaloPSA Integration,{},yes,2026-01-05,2026-11-10,\"the key is {}\"\n\
             Rewst automation,ITG.0d1f9e2c3b4a5968778695a4b3c2d1e0.*****,no,2026-02-02,,\n",
            full(INVENTORY_HEX, INVENTORY_SECRET),
            full(INVENTORY_HEX, INVENTORY_SECRET)
        ),
    )
    .unwrap();
    let usage = dir.join("usage.jsonl");
    fs::write(
        &usage,
        format!(
            "{{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\"window\":{{\"start\":\"2026-11-01T00:00:00Z\",\"end\":\"2026-11-15T00:00:00Z\"}},\"complete\":true,\"events\":2}}\n\
             {{\"id\":\"1\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2026-11-02T10:00:00.000Z\",\"action\":\"show\",\"resource-type\":\"Password\",\"ip-address\":\"203.0.113.7\",\"user-agent\":\"Rewst/1.0 key={}\"}}}}\n\
             {{\"id\":\"2\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"2026-11-03T10:00:00.000Z\",\"action\":\"index\",\"resource-type\":\"Organization\",\"ip-address\":\"203.0.113.7\",\"user-agent\":\"HaloPSA/2.1\"}}}}\n",
            full(USAGE_HEX, USAGE_SECRET)
        ),
    )
    .unwrap();
    let export = dir.join("activity.csv");
    fs::write(
        &export,
        format!(
            "Date,User,Action,Resource Type,IP Address,User Agent\n\
             2026-11-04 09:00:00,Rewst,show,Password,203.0.113.7,curl {}\n",
            full(USAGE_HEX, USAGE_SECRET)
        ),
    )
    .unwrap();
    let policy = dir.join("keyaudit.toml");
    fs::write(
        &policy,
        format!(
            "[[password_access.allow]]\nkey = \"{}\"\nreason = \"pasted in full by mistake\"\n\n\
             [[bind]]\nkey = \"Rewst automation\"\nuser_agent = [\"Rewst/*\", \"curl*\"]\n",
            full(POLICY_HEX, POLICY_SECRET)
        ),
    )
    .unwrap();
    (inventory, usage, export, policy)
}

fn server() -> FakeItGlue {
    let now = Utc::now();
    let mut events = spread_events(1, 40, now - TimeDelta::days(20), now - TimeDelta::hours(2));
    events.push(FakeEvent::new("9001", now - TimeDelta::days(1)).attribute(
        "user-agent",
        format!("Rewst/1.0 {}", full(API_HEX, API_SECRET)),
    ));
    FakeItGlue::start(FakeConfig::new(env_key(), events))
}

#[test]
fn audit_of_inputs_holding_full_keys_shows_only_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let (inventory, usage, export, policy) = inputs(dir.path());
    let mut seen = Seen::new();
    let base = |cmd: &mut Command| {
        cmd.args(["audit", "-i"])
            .arg(&inventory)
            .arg("-u")
            .arg(&usage)
            .arg("-u")
            .arg(&export)
            .arg("-p")
            .arg(&policy)
            .args(["--as-of", "2026-11-16", "--fail-on", "never"]);
    };
    for format in ["table", "csv", "json", "markdown", "html", "ocsf"] {
        for view in ["findings", "keys", "compliance"] {
            let mut cmd = keyaudit(dir.path());
            base(&mut cmd);
            cmd.args(["--format", format, "--view", view, "--color", "always"]);
            let (code, _, _) = seen.run(&format!("audit {format} {view}"), &mut cmd);
            assert_eq!(code, Some(0));
        }
        let output = dir.path().join(format!("report-{format}.out"));
        let mut cmd = keyaudit(dir.path());
        base(&mut cmd);
        cmd.args(["--format", format, "-o"]).arg(&output);
        seen.run(&format!("audit {format} -o"), &mut cmd);
        seen.file(&output);
    }
    seen.assert_clean();

    // Each planted key is reported, by its fingerprint, as exposed.
    let report: Value =
        serde_json::from_slice(&fs::read(dir.path().join("report-json.out")).unwrap()).unwrap();
    let exposed: Vec<&str> = report["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    for hex in [INVENTORY_HEX, USAGE_HEX, POLICY_HEX] {
        let fingerprint = format!("ITG.{hex}");
        assert!(exposed.contains(&fingerprint.as_str()), "{exposed:?}");
    }
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "exposed-secret")
            .count()
            >= 3
    );
}

#[test]
fn errors_about_cells_holding_full_keys_show_only_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Seen::new();
    let cases = [
        (
            "pa.csv",
            format!(
                "Name,Password Access\nHalo,{}\n",
                full(INVENTORY_HEX, INVENTORY_SECRET)
            ),
        ),
        (
            "state.json",
            format!(
                "[{{\"name\": \"Halo\", \"state\": \"{}\"}}]",
                full(INVENTORY_HEX, INVENTORY_SECRET)
            ),
        ),
        (
            "header.csv",
            format!("Name,{}\nHalo,x\n", full(INVENTORY_HEX, INVENTORY_SECRET)),
        ),
        (
            "quote.csv",
            format!(
                "Name,Key\nHalo,\"{}\n",
                full(INVENTORY_HEX, INVENTORY_SECRET)
            ),
        ),
        (
            "page.html",
            format!(
                "<table><tr><th>Name</th><th>Key</th><th>Password Access</th></tr>\
                 <tr><td>Halo</td><td>{}</td><td>perhaps</td></tr></table>",
                full(INVENTORY_HEX, INVENTORY_SECRET)
            ),
        ),
    ];
    for (name, text) in &cases {
        fs::write(dir.path().join(name), text).unwrap();
        let (code, stdout, stderr) = seen.run(
            name,
            keyaudit(dir.path()).args(["audit", "-i", name, "--format", "json"]),
        );
        if *name == "header.csv" {
            // An unknown column is ignored, its full key reported.
            assert_eq!(code, Some(1), "{name}: {stderr}");
            assert!(stdout.contains(&format!("ITG.{INVENTORY_HEX}")));
        } else {
            assert_eq!(code, Some(2), "{name}: {stderr}");
        }
    }
    // A usage line that is not JSON, and a policy error next to a full key.
    fs::write(dir.path().join("keys.csv"), "Name\nHalo\n").unwrap();
    fs::write(
        dir.path().join("bad.jsonl"),
        format!(
            "{{\"schema\":\"keyaudit.usage/v1\",\"source\":\"itglue-api\",\"base_url\":\"https://api.itglue.com\",\"window\":{{\"start\":\"2026-11-01T00:00:00Z\",\"end\":\"2026-11-15T00:00:00Z\"}},\"complete\":true,\"events\":1}}\n\
             {{\"id\":\"1\",\"attributes\":{{\"created-at\":\"{}\"}}}}\n",
            full(USAGE_HEX, USAGE_SECRET)
        ),
    )
    .unwrap();
    let (code, _, _) = seen.run(
        "bad usage",
        keyaudit(dir.path()).args(["audit", "-i", "keys.csv", "-u", "bad.jsonl"]),
    );
    assert_eq!(code, Some(2));
    fs::write(
        dir.path().join("bad.toml"),
        format!(
            "[[mute]]\nrule = \"idle\"\nkey = \"{}\"\nreason = \"\"\n[naming]\npattern = \"{}(\"\n",
            full(POLICY_HEX, POLICY_SECRET),
            full(POLICY_HEX, POLICY_SECRET)
        ),
    )
    .unwrap();
    for args in [
        &["check-policy", "bad.toml"][..],
        &["audit", "-i", "keys.csv", "-p", "bad.toml"],
    ] {
        let (code, _, stderr) = seen.run(&args.join(" "), keyaudit(dir.path()).args(args));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("bad.toml:2:"), "{stderr}");
    }
    seen.assert_clean();
}

#[test]
fn the_demo_in_every_format_and_view_leaks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Seen::new();
    for format in ["table", "csv", "json", "markdown", "html", "ocsf"] {
        for view in ["findings", "keys", "compliance"] {
            seen.run(
                &format!("demo {format} {view}"),
                keyaudit(dir.path()).args(["audit", "--demo", "--format", format, "--view", view]),
            );
        }
        let output = dir.path().join(format!("demo.{format}"));
        seen.run(
            &format!("demo {format} -o"),
            keyaudit(dir.path())
                .args([
                    "audit",
                    "--demo",
                    "--fail-on",
                    "never",
                    "--format",
                    format,
                    "-o",
                ])
                .arg(&output),
        );
        seen.file(&output);
    }
    seen.assert_clean();
    // The demo's own planted key (Rewst automation's note) is hidden too.
    assert!(!seen.all().contains("Tq7ZmX2pLw9RvK4sNb8YcH3d"));
}

#[test]
fn fetch_usage_and_audit_fetch_usage_leak_nothing() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let (inventory, _, _, policy) = inputs(dir.path());
    let mut seen = Seen::new();
    let fetched = dir.path().join("fetched.jsonl");
    let (code, _, stderr) = seen.run(
        "fetch-usage",
        keyaudit(dir.path())
            .args(["fetch-usage", "-v", "--base-url", &server.base_url(), "-o"])
            .arg(&fetched),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("/logs"), "trace logs are on: {stderr}");
    // The full key in one event's user agent is masked in the usage file,
    // and listed in its header (the audit reports it); the API key is not
    // there at all.
    seen.file(&fetched);
    let text = fs::read_to_string(&fetched).unwrap();
    assert!(!text.contains(ENV_HEX));
    assert!(
        text.contains(&format!("ITG.{API_HEX}.*****")),
        "the fake served the planted key"
    );
    assert!(stderr.contains(&format!("ITG.{API_HEX}")), "{stderr}");

    let report = dir.path().join("report.json");
    let (code, _, stderr) = seen.run(
        "audit --usage fetched",
        keyaudit(dir.path())
            .args(["audit", "--fail-on", "never", "-i"])
            .arg(&inventory)
            .arg("-p")
            .arg(&policy)
            .arg("-u")
            .arg(&fetched)
            .arg("-o")
            .arg(&report),
    );
    assert_eq!(code, Some(0), "{stderr}");
    seen.file(&report);

    let report2 = dir.path().join("report2.html");
    let (code, _, stderr) = seen.run(
        "audit --fetch-usage",
        keyaudit(dir.path())
            .args(["audit", "--fail-on", "never", "--fetch-usage", "-v"])
            .args(["--base-url", &server.base_url(), "-i"])
            .arg(&inventory)
            .arg("-o")
            .arg(&report2),
    );
    assert_eq!(code, Some(0), "{stderr}");
    seen.file(&report2);

    // A rejected key and a dead server: the errors do not hold the key.
    let mut wrong = Command::cargo_bin("keyaudit").unwrap();
    wrong
        .current_dir(dir.path())
        .env("ITGLUE_API_KEY", format!("ITG.{ENV_HEX}.{ENV_SECRET}x"))
        .env("RUST_LOG", "trace")
        .args([
            "fetch-usage",
            "--base-url",
            &server.base_url(),
            "-o",
            "x.jsonl",
        ]);
    let (code, _, _) = seen.run("fetch-usage with a wrong key", &mut wrong);
    assert_eq!(code, Some(3));
    let url = server.base_url();
    drop(server);
    let (code, _, _) = seen.run(
        "fetch-usage, server gone",
        keyaudit(dir.path()).args([
            "fetch-usage",
            "--base-url",
            &url,
            "--retries",
            "0",
            "--timeout",
            "2",
            "-o",
            "y.jsonl",
        ]),
    );
    assert_eq!(code, Some(3));

    // No output, message or file holds a secret (the fetched file included).
    let texts = std::mem::take(&mut seen.texts);
    for (what, text) in &texts {
        for secret in [ENV_SECRET, INVENTORY_SECRET, USAGE_SECRET, POLICY_SECRET] {
            assert!(!text.contains(secret), "{secret} leaked into {what}");
        }
        assert!(
            !text.contains(API_SECRET),
            "{API_SECRET} leaked into {what}"
        );
        assert!(!text.to_lowercase().contains(ENV_HEX), "{what}: {text}");
    }
    assert!(!dir.path().join("x.jsonl").exists() && !dir.path().join("y.jsonl").exists());
}

#[test]
fn diff_history_rules_init_and_check_policy_leak_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (inventory, usage, _, policy) = inputs(dir.path());
    let reports = dir.path().join("reports");
    fs::create_dir(&reports).unwrap();
    let mut seen = Seen::new();
    for (as_of, name) in [
        ("2026-11-16", "2026-11.json"),
        ("2026-12-20", "2026-12.json"),
    ] {
        let (code, _, stderr) = seen.run(
            name,
            keyaudit(dir.path())
                .args(["audit", "--fail-on", "never", "--as-of", as_of, "-i"])
                .arg(&inventory)
                .arg("-u")
                .arg(&usage)
                .arg("-p")
                .arg(&policy)
                .arg("-o")
                .arg(reports.join(name)),
        );
        assert_eq!(code, Some(0), "{stderr}");
        seen.file(&reports.join(name));
    }
    let old = reports.join("2026-11.json");
    let new = reports.join("2026-12.json");
    for format in ["table", "json", "markdown"] {
        seen.run(
            &format!("diff {format}"),
            keyaudit(dir.path()).arg("diff").arg(&old).arg(&new).args([
                "--format",
                format,
                "--fail-on",
                "never",
            ]),
        );
    }
    seen.run(
        "audit --baseline",
        keyaudit(dir.path())
            .args(["audit", "--format", "json", "--baseline"])
            .arg(&old)
            .arg("-i")
            .arg(&inventory)
            .arg("-p")
            .arg(&policy),
    );
    for format in ["table", "json", "markdown", "html"] {
        seen.run(
            &format!("history {format}"),
            keyaudit(dir.path())
                .arg("history")
                .arg(&reports)
                .args(["--format", format]),
        );
    }
    for format in ["table", "json", "markdown"] {
        seen.run(
            &format!("rules {format}"),
            keyaudit(dir.path()).args(["rules", "--format", format]),
        );
    }
    let init = dir.path().join("init.toml");
    seen.run("init", keyaudit(dir.path()).args(["init", "-o"]).arg(&init));
    seen.file(&init);
    seen.run("init -", keyaudit(dir.path()).args(["init", "-o", "-"]));
    let (code, _, stderr) = seen.run(
        "check-policy",
        keyaudit(dir.path()).arg("check-policy").arg(&policy),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "a full API key (ITG.{POLICY_HEX}) is written in the policy"
        )),
        "{stderr}"
    );
    seen.assert_clean();
}

/// `text` with percent-encoding and `\uXXXX` escapes decoded (repeatedly),
/// lower-cased: how a reader could recover a key from it.
fn decoded(text: &str) -> String {
    let mut text = text.to_string();
    for _ in 0..3 {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |s: &[u8]| {
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
            };
            match (bytes[i], bytes.get(i + 1)) {
                (b'%', _) if i + 3 <= bytes.len() && hex(&bytes[i + 1..i + 3]).is_some() => {
                    out.push(hex(&bytes[i + 1..i + 3]).unwrap());
                    i += 3;
                }
                (b'\\', Some(b'u'))
                    if i + 6 <= bytes.len()
                        && bytes[i + 2..i + 4] == *b"00"
                        && hex(&bytes[i + 4..i + 6]).is_some() =>
                {
                    out.push(hex(&bytes[i + 4..i + 6]).unwrap());
                    i += 6;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        text = String::from_utf8_lossy(&out).into_owned();
    }
    text.to_lowercase()
}

/// Asserts that no 12-character run of the env key's secret appears in
/// `text`, in any case, percent-encoded or JSON-escaped.
fn assert_no_fragment(what: &str, text: &str) {
    let plain = decoded(text);
    let secret = ENV_SECRET.to_lowercase();
    for run in secret.as_bytes().windows(12) {
        let run = std::str::from_utf8(run).unwrap();
        assert!(
            !plain.contains(run),
            "`{run}` of the key in {what}:\n{text}"
        );
    }
}

#[test]
fn a_server_echoing_the_key_in_any_form_gets_no_fragment_of_it_printed_or_written() {
    let key = env_key();
    let percent: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    let json_escaped = format!("ITG\\u002e{ENV_HEX}\\u002e\\u0045nvS3cretKeyValue4242");
    let variants = [
        key.to_uppercase(),
        key.to_lowercase(),
        percent,
        json_escaped,
        ENV_SECRET.to_string(),
        ENV_SECRET[..13].to_string(),
        format!("{}…", &key[..20]),
    ];
    let now = Utc::now();
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Seen::new();
    for (i, variant) in variants.iter().enumerate() {
        // `variant` inside a JSON string (JSON escapes kept as escapes).
        let in_json = variant.clone();
        let record = format!(
            "{{\"id\":\"1\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"{}\",\"action\":\"show\",\"user-agent\":\"curl {in_json}\",\"resource-name\":\"{in_json}\"}}}}",
            (now - TimeDelta::hours(2)).format("%Y-%m-%dT%H:%M:%SZ")
        );
        let faults = [
            Fault::Reply {
                status: 500,
                content_type: "application/vnd.api+json".into(),
                body: format!(
                    "{{\"errors\":[{{\"status\":\"500\",\"title\":\"bad key {in_json}\",\"detail\":\"got {in_json}\"}}]}}"
                ),
            },
            Fault::Reply {
                status: 400,
                content_type: "text/html".into(),
                body: format!("<p>key was {variant}</p>"),
            },
            Fault::Reply {
                status: 200,
                content_type: "text/plain".into(),
                body: format!("debug: {variant}"),
            },
            Fault::Reply {
                status: 200,
                content_type: format!("text/plain; key={}", variant.replace('…', "")),
                body: "{".into(),
            },
            Fault::Reply {
                status: 200,
                content_type: "application/vnd.api+json".into(),
                body: format!("{{\"data\":[{record}],\"meta\":{{\"next-page\":null}}}}"),
            },
            Fault::Reply {
                status: 200,
                content_type: "application/vnd.api+json".into(),
                body: format!(
                    "{{\"data\":[{{\"id\":\"x\",\"attributes\":{{\"created-at\":\"{in_json}\"}}}}]}}"
                ),
            },
        ];
        for (j, fault) in faults.into_iter().enumerate() {
            let server = FakeItGlue::start(FakeConfig::new(env_key(), Vec::new()));
            server.set_periodic_faults(1, vec![fault]);
            let out = dir.path().join(format!("usage-{i}-{j}.jsonl"));
            let (code, _, stderr) = seen.run(
                &format!("variant {i}, answer {j}"),
                keyaudit(dir.path())
                    .args(["fetch-usage", "-v", "--days", "2", "--retries", "0"])
                    .args(["--base-url", &server.base_url(), "-o"])
                    .arg(&out),
            );
            if j == 4 {
                // Masked as a full key (and reported), or withheld.
                assert_eq!(code, Some(0), "{stderr}");
                if variant.contains(&ENV_SECRET[..12]) {
                    assert!(
                        stderr.contains("held part of the API key")
                            || stderr.contains("hold 1 full API key(s)"),
                        "{stderr}"
                    );
                }
                seen.file(&out);
            } else {
                assert_eq!(code, Some(3), "{stderr}");
                assert!(!out.exists());
            }
        }
    }
    for (what, text) in &seen.texts {
        assert_no_fragment(what, text);
    }
}

#[test]
fn fetched_records_never_hold_a_json_escaped_full_key() {
    let now = Utc::now();
    let escaped = format!("ITG\\u002e{API_HEX}\\u002e{API_SECRET}");
    let event = format!(
        "{{\"id\":\"5\",\"type\":\"logs\",\"attributes\":{{\"created-at\":\"{}\",\"user-agent\":\"Rewst/1.0 {escaped}\",\"resource-name\":\"a\\/b\"}}}}",
        (now - TimeDelta::hours(2)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    let server = FakeItGlue::start(FakeConfig::new(env_key(), Vec::new()));
    server.set_periodic_faults(
        1,
        vec![Fault::Reply {
            status: 200,
            content_type: "application/vnd.api+json".into(),
            body: format!("{{\"data\":[{event}],\"meta\":{{\"next-page\":null}}}}"),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.jsonl");
    let mut seen = Seen::new();
    let (code, _, stderr) = seen.run(
        "fetch-usage",
        keyaudit(dir.path())
            .args([
                "fetch-usage",
                "--days",
                "2",
                "--base-url",
                &server.base_url(),
                "-o",
            ])
            .arg(&out),
    );
    assert_eq!(code, Some(0), "{stderr}");
    seen.file(&out);
    seen.assert_clean();
    let text = fs::read_to_string(&out).unwrap();
    assert!(text.contains(&format!("ITG.{API_HEX}.*****")), "{text}");
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        header["exposures"][0]["fingerprint"],
        format!("ITG.{API_HEX}")
    );
    assert_eq!(header["exposures"][0]["field"], "user-agent");
    assert!(stderr.contains(&format!("ITG.{API_HEX}")), "{stderr}");
}
