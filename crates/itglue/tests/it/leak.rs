//! The API key appears in no `Debug` output, no error message, no log line
//! (tracing at TRACE, `log` records of dependencies included) and no file.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{KEY, config, config_for, key, now};
use keyaudit_itglue::fake::{FakeConfig, FakeItGlue, Fault, spread_events};
use keyaudit_itglue::{ApiKey, FetchError, NoProgress, TimeRange, write_usage_jsonl};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Parts of the key that must not appear either.
const KEY_PARTS: [&str; 2] = ["0123456789abcdef0123456789abcdef", "K3y-s3cr3t"];

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "the key leaked into {what}: {text}");
    for part in KEY_PARTS {
        assert!(
            !text.contains(part),
            "part of the key leaked into {what}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_never_leaks() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let now = now();
    let window = TimeRange::last_days(8, now).unwrap();
    let mut texts: Vec<(String, String)> = Vec::new();
    let key = key();
    texts.push(("ApiKey Debug".into(), format!("{key:?} {key:#?}")));

    // A successful fetch through every kind of fault.
    let server = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new(KEY, spread_events(1, 7_000, window.start, window.end))
    });
    server.push_faults([
        Fault::Truncated,
        Fault::TooManyRequests { retry_after: None },
        Fault::EchoKey,
        Fault::Status(500),
        Fault::NotJson,
        Fault::Slow(Duration::from_millis(700)),
    ]);
    let mut fetch_config = config(&server, window);
    fetch_config.timeout = Duration::from_millis(300);
    // One window at a time, so that the faults meet one request in order.
    fetch_config.concurrency = 1;
    texts.push(("FetchConfig Debug".into(), format!("{fetch_config:?}")));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.jsonl");
    let (report, _) = write_usage_jsonl(&key, &fetch_config, &NoProgress, &path)
        .await
        .unwrap();
    assert_eq!(report.events, 7_000);
    assert_eq!(report.retries, 6);
    texts.push(("FetchReport Debug".into(), format!("{report:?}")));
    texts.push((
        "the JSONL file".into(),
        std::fs::read_to_string(&path).unwrap(),
    ));

    // Every error the client can end with.
    let mut errors: Vec<FetchError> = Vec::new();
    let wrong = FakeItGlue::start(FakeConfig {
        now,
        ..FakeConfig::new("ITG.another-key", Vec::new())
    });
    errors.push(fetch_error(&key, config(&wrong, window)).await);
    for fault in [
        Fault::EchoKey,
        Fault::Status(503),
        Fault::TooManyRequests { retry_after: None },
    ] {
        server.set_periodic_faults(1, vec![fault]);
        let mut c = config(&server, window);
        c.retries = 1;
        errors.push(fetch_error(&key, c).await);
    }
    server.set_periodic_faults(1, vec![Fault::Slow(Duration::from_millis(500))]);
    let mut c = config(&server, window);
    c.retries = 1;
    c.timeout = Duration::from_millis(100);
    errors.push(fetch_error(&key, c).await);
    server.set_periodic_faults(0, Vec::new());
    let dead = {
        let gone = FakeItGlue::start(FakeConfig::new(KEY, Vec::new()));
        gone.base_url()
    };
    let mut c = config_for(&dead, window);
    c.retries = 1;
    errors.push(fetch_error(&key, c).await);
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, format!("{KEY}\u{7}\nsecond line {KEY}")).unwrap();
    errors.push(ApiKey::from_file(&key_file).unwrap_err());
    errors.push(ApiKey::new(&format!("{KEY}\u{7}"), "ITGLUE_API_KEY").unwrap_err());
    errors.push(ApiKey::from_env("KEYAUDIT_TEST_NO_SUCH_VARIABLE").unwrap_err());
    errors.push(
        keyaudit_itglue::FetchConfig::new(&format!("https://user:{KEY}@example.test"), window)
            .unwrap_err(),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            FetchError::Auth { .. } => "auth",
            FetchError::BadBody { .. } => "bad-body",
            FetchError::Http { .. } => "http",
            FetchError::RateLimited { .. } => "rate-limited",
            FetchError::Network { .. } => "network",
            FetchError::InvalidKey { .. } => "invalid-key",
            FetchError::MissingKey { .. } => "missing-key",
            FetchError::InvalidBaseUrl { .. } | FetchError::BaseUrlCredentials { .. } => "base-url",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "auth",
            "bad-body",
            "http",
            "rate-limited",
            "network",
            "network",
            "invalid-key",
            "invalid-key",
            "missing-key",
            "base-url"
        ]
    );
    for error in &errors {
        texts.push(("an error's Display".into(), error.to_string()));
        texts.push(("an error's Debug".into(), format!("{error:?}")));
    }
    // The echoed key is not quoted: the answer is summed up.
    assert!(
        errors[1]
            .to_string()
            .contains("content type \"text/plain\""),
        "{}",
        errors[1]
    );

    drop(server);
    drop(wrong);
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("GET") && logs.contains("/logs?filter[created_at]="),
        "{logs}"
    );
    assert!(logs.contains("TRACE"), "no trace-level lines captured");
    texts.push(("the tracing output".into(), logs));
    for (what, text) in &texts {
        assert_clean(what, text);
    }
}

async fn fetch_error(key: &ApiKey, config: keyaudit_itglue::FetchConfig) -> FetchError {
    let dir = tempfile::tempdir().unwrap();
    write_usage_jsonl(key, &config, &NoProgress, &dir.path().join("u.jsonl"))
        .await
        .unwrap_err()
}
