//! A deterministic generator of benchmark data: a key inventory, a policy
//! whose bindings attribute events to those keys, and an activity log
//! (`fetch-usage` JSONL or an Activity Logs CSV export), plus the ground
//! truth: what every key's attribution must come to.
//!
//! Everything follows from the seed: the same [`Dataset`] writes the same
//! bytes on every machine. Key `k` is the same in a world of 10 keys and in
//! one of 10,000 (the first ten keys of a large world are the small world's
//! keys), so two policies can be compared on the same events.
//!
//! # The world
//!
//! Keys are named `"<Vendor> <purpose> <k>"`, one in five has Password
//! Access, one in thirteen is never used. Each key is bound by one of:
//!
//! | `k % 10` | binding | its events carry |
//! |---|---|---|
//! | 0–3 | `user_agent = ["<Vendor>-k<k>/*"]` | that user agent, a cloud address |
//! | 4 | `user_agent = ["python-requests/*"]` AND `ip = ["10.x.y.0/28"]` | a script's user agent from that network |
//! | 5 | `ip = ["172.16.x.y"]` | a PowerShell user agent from that address |
//! | 6–7 | `user_id = ["7<k>"]` OR `actor = ["svc-<vendor>-<k>"]` | that user id (JSONL) or actor (CSV) |
//! | 8 | `user_agent = ["*itglue-connector-<k>*"]` | a browser-like agent naming the connector |
//! | 9 | every other one `user_agent = ["Auvik-<k>/?.?"]`, the others no binding (bound by name: their name in the user agent) | |
//!
//! About 10% of events come from people in the web UI (browser user
//! agents, addresses from a pool of 2,000, user ids and names of 300
//! people) and match no binding. Attributed events are skewed towards
//! low-numbered keys, as real integrations are. About 2% of events touch
//! passwords (only keys with Password Access, and not all of them). Field
//! sizes follow IT Glue's `/logs`: a JSONL line is about 380 bytes (a
//! 1,000,000-event file is about 380 MB); a CSV row about 200.
//!
//! Events are in time order over the 30 days before 2026-11-16 (the JSONL
//! header's window), at whole seconds. Rarely, a resource name holds a
//! quote or a comma; every [`Dataset::leak_every`]-th event holds a full
//! API key (an exposure); with [`Dataset::multiline`], some CSV resource
//! names hold a line break.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use keyaudit_engine::{Attribution, PolicyErrors, ValidPolicy};
use keyaudit_ingest::IngestError;
use keyaudit_model::{
    AuditReport, HeaderWindow, Inventory, KeyFingerprint, UsageEvent, UsageHeader,
};
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// The seed used unless one is given.
pub const DEFAULT_SEED: u64 = 20_261_116;

/// The date the generated logs end on; audits are run `--as-of` it.
pub const AS_OF: &str = "2026-11-16";

/// Start of the 30-day window the logs cover.
fn window_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 17, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// End of that window.
fn window_end() -> DateTime<Utc> {
    window_start() + TimeDelta::days(30)
}

/// The activity-log format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The `fetch-usage` JSONL: a header line, then one log resource per line.
    #[default]
    Jsonl,
    /// An Activity Logs CSV export.
    Csv,
}

impl Format {
    /// The file extension (`jsonl`, `csv`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dataset {
    /// Keys in the inventory (each with bindings).
    pub keys: usize,
    /// Events in the activity log.
    pub events: u64,
    /// The activity log's format.
    pub format: Format,
    /// The seed: the same seed writes the same files.
    pub seed: u64,
    /// CSV only: end rows with CRLF.
    pub crlf: bool,
    /// CSV only: about one resource name in 500 holds a line break.
    pub multiline: bool,
    /// Every this-many-th event (from event 1,234 on) holds a full API key
    /// in its resource name; 0 for none.
    pub leak_every: u64,
}

impl Default for Dataset {
    fn default() -> Self {
        Self {
            keys: 1000,
            events: 1_000_000,
            format: Format::Jsonl,
            seed: DEFAULT_SEED,
            crlf: false,
            multiline: false,
            leak_every: 250_007,
        }
    }
}

/// The files a [`Dataset`] wrote.
#[derive(Debug, Clone)]
pub struct Files {
    /// `inventory.csv`.
    pub inventory: PathBuf,
    /// `keyaudit.toml`.
    pub policy: PathBuf,
    /// `activity.jsonl` or `activity.csv`.
    pub activity: PathBuf,
    /// `truth.json`, holding [`Files::truth`].
    pub truth_file: PathBuf,
    /// What the attribution of the activity log must come to.
    pub truth: Truth,
}

/// What attributing a generated activity log must give: the generator
/// knows which key made every event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// The format of the log (`jsonl`, `csv`).
    pub format: String,
    /// Events in the log.
    pub events: u64,
    /// Events that belong to a key.
    pub attributed: u64,
    /// Events that belong to none.
    pub unattributed: u64,
    /// Events that hold a full API key.
    pub leaks: u64,
    /// Size of the activity log in bytes.
    pub bytes: u64,
    /// Per key, in inventory order.
    pub keys: Vec<KeyTruth>,
}

/// What the log says about one key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTruth {
    /// The key's name.
    pub name: String,
    /// Its fingerprint (`ITG.<32 hex>`).
    pub fingerprint: String,
    /// Events attributed to it.
    pub events: u64,
    /// Of those, events on passwords.
    pub password_events: u64,
    /// Its latest event (RFC 3339, UTC), if any.
    pub last_event_at: Option<String>,
}

impl Truth {
    /// Checks an audit report's coverage and per-key activity against the
    /// truth; the message says what differs.
    pub fn check_report(&self, report: &AuditReport) -> Result<(), String> {
        let coverage = &report.coverage;
        let counted = (
            coverage.events_seen,
            coverage.attributed,
            coverage.unattributed,
        );
        let truth = (self.events, self.attributed, self.unattributed);
        if counted != truth {
            return Err(format!(
                "the report counts (events, attributed, unattributed) {counted:?}; the truth is \
                 {truth:?}"
            ));
        }
        for key in &self.keys {
            let Some(record) = report.keys.iter().find(|k| {
                k.fingerprint
                    .as_ref()
                    .is_some_and(|f| f.as_str() == key.fingerprint)
            }) else {
                return Err(format!("the report has no key {}", key.fingerprint));
            };
            let activity = record.activity.clone().unwrap_or_default();
            self.check_key(
                key,
                activity.events,
                activity.password_events,
                activity.last_event_at.map(rfc3339),
            )?;
        }
        Ok(())
    }

    /// Checks one key's counts against the truth.
    pub fn check_key(
        &self,
        key: &KeyTruth,
        events: u64,
        password_events: u64,
        last_event_at: Option<String>,
    ) -> Result<(), String> {
        if (events, password_events, &last_event_at)
            != (key.events, key.password_events, &key.last_event_at)
        {
            return Err(format!(
                "key {}: counted {events} events ({password_events} on passwords, last \
                 {last_event_at:?}); the truth is {} ({}, {:?})",
                key.name, key.events, key.password_events, key.last_event_at
            ));
        }
        Ok(())
    }
}

impl Dataset {
    /// Writes `inventory.csv`, `keyaudit.toml`, `activity.<ext>` and
    /// `truth.json` into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> io::Result<Files> {
        std::fs::create_dir_all(dir)?;
        let world = World::new(self.seed, self.keys);
        let inventory = dir.join("inventory.csv");
        std::fs::write(&inventory, world.inventory_csv())?;
        let policy = dir.join("keyaudit.toml");
        std::fs::write(&policy, world.policy_toml())?;
        let activity = dir.join(format!("activity.{}", self.format.extension()));
        let out = BufWriter::with_capacity(1 << 20, File::create(&activity)?);
        let mut truth = self.write_events(&world, out)?;
        truth.bytes = std::fs::metadata(&activity)?.len();
        let truth_file = dir.join("truth.json");
        let text = serde_json::to_string_pretty(&truth).map_err(io::Error::other)?;
        std::fs::write(&truth_file, text)?;
        Ok(Files {
            inventory,
            policy,
            activity,
            truth_file,
            truth,
        })
    }

    /// Writes the activity log to `out` and returns the truth about it.
    pub fn write_events(&self, world: &World, out: impl Write) -> io::Result<Truth> {
        let mut truth = Truth {
            format: self.format.extension().to_string(),
            keys: world
                .keys
                .iter()
                .map(|k| KeyTruth {
                    name: k.name.clone(),
                    fingerprint: k.fingerprint.as_str().to_string(),
                    ..KeyTruth::default()
                })
                .collect(),
            ..Truth::default()
        };
        let mut events = Events::new(world, *self);
        let mut last: Vec<Option<DateTime<Utc>>> = vec![None; world.keys.len()];
        let mut count = |event: &Event| {
            truth.events += 1;
            truth.leaks += u64::from(event.leak);
            match event.key {
                Some(k) => {
                    truth.attributed += 1;
                    let key = &mut truth.keys[k as usize];
                    key.events += 1;
                    key.password_events += u64::from(event.password);
                    last[k as usize] = Some(event.at);
                }
                None => truth.unattributed += 1,
            }
        };
        match self.format {
            Format::Jsonl => {
                let mut out = out;
                let header = UsageHeader::itglue_api(
                    "https://api.itglue.com",
                    HeaderWindow {
                        start: window_start(),
                        end: window_end(),
                    },
                    true,
                    self.events,
                    Vec::new(),
                );
                serde_json::to_writer(&mut out, &header)?;
                out.write_all(b"\n")?;
                let mut line = String::with_capacity(1024);
                while let Some(event) = events.next_event() {
                    line.clear();
                    event.write_json(&mut line);
                    out.write_all(line.as_bytes())?;
                    count(event);
                }
                out.flush()?;
            }
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .terminator(if self.crlf {
                        csv::Terminator::CRLF
                    } else {
                        csv::Terminator::Any(b'\n')
                    })
                    .from_writer(out);
                csv.write_record(CSV_HEADER)?;
                let mut date = String::with_capacity(32);
                while let Some(event) = events.next_event() {
                    date.clear();
                    let _ = write!(date, "{}", event.at.format("%m/%d/%Y %I:%M:%S %p"));
                    csv.write_record([
                        date.as_str(),
                        &event.actor,
                        event.action,
                        event.resource_type,
                        &event.resource_name,
                        &event.organization,
                        &event.ip,
                        &event.user_agent,
                    ])?;
                    count(event);
                }
                csv.flush()?;
            }
        }
        for (key, at) in truth.keys.iter_mut().zip(last) {
            key.last_event_at = at.map(rfc3339);
        }
        Ok(truth)
    }
}

/// The CSV export's header.
const CSV_HEADER: [&str; 8] = [
    "Date",
    "User",
    "Action",
    "Resource Type",
    "Resource Name",
    "Organization",
    "IP Address",
    "User Agent",
];

/// A time as the truth writes it.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

const VENDORS: [&str; 20] = [
    "HaloPSA",
    "DattoRMM",
    "Rewst",
    "ConnectWise",
    "Kaseya",
    "NinjaOne",
    "Hudu",
    "Liongard",
    "BrightGauge",
    "Auvik",
    "Veeam",
    "Barracuda",
    "SentinelOne",
    "Huntress",
    "Pax8",
    "Autotask",
    "Syncro",
    "Atera",
    "Nable",
    "Passportal",
];

const PURPOSES: [&str; 8] = [
    "sync",
    "backup reporting",
    "documentation export",
    "asset import",
    "ticket integration",
    "password rotation",
    "onboarding automation",
    "monitoring",
];

const BROWSERS: [&str; 12] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.68",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36 OPR/114.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
];

const FIRST_NAMES: [&str; 20] = [
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Gustav", "Hana", "Ivan", "Jada", "Kofi",
    "Lena", "Mateo", "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
];

const LAST_NAMES: [&str; 15] = [
    "Rivera", "Okafor", "Patel", "Smith", "Novak", "Kim", "Haddad", "Larsen", "Mendes", "Ito",
    "Brennan", "Fischer", "Mwangi", "Duarte", "Kowalski",
];

const PLACES: [(&str, &str, &str); 8] = [
    ("Boydton", "Virginia", "United States"),
    ("Ashburn", "Virginia", "United States"),
    ("Dublin", "Leinster", "Ireland"),
    ("Chicago", "Illinois", "United States"),
    ("Frankfurt am Main", "Hesse", "Germany"),
    ("Toronto", "Ontario", "Canada"),
    ("Sydney", "New South Wales", "Australia"),
    ("Denver", "Colorado", "United States"),
];

const ACTIONS: [&str; 8] = [
    "show", "show", "show", "index", "index", "update", "create", "export",
];

const RESOURCE_TYPES: [&str; 8] = [
    "Configuration",
    "Organization",
    "Document",
    "Flexible Asset",
    "Contact",
    "Location",
    "Domain",
    "SSL Certificate",
];

/// How a key's events are attributed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    VendorAgent,
    ScriptFromNetwork,
    FixedIp,
    UserAndActor,
    AgentToken,
    AgentVersion,
    ByName,
}

impl Binding {
    fn of(k: usize) -> Self {
        match k % 10 {
            0..=3 => Binding::VendorAgent,
            4 => Binding::ScriptFromNetwork,
            5 => Binding::FixedIp,
            6 | 7 => Binding::UserAndActor,
            8 => Binding::AgentToken,
            _ if (k / 10) % 2 == 0 => Binding::ByName,
            _ => Binding::AgentVersion,
        }
    }
}

/// One generated key.
#[derive(Debug, Clone)]
pub struct Key {
    index: usize,
    name: String,
    fingerprint: KeyFingerprint,
    vendor: &'static str,
    password_access: bool,
    dormant: bool,
    binding: Binding,
}

impl Key {
    fn new(seed: u64, k: usize) -> Self {
        let mut rng = Rng::for_item(seed, 1, k as u64);
        let vendor = VENDORS[(k / 10 + k) % VENDORS.len()];
        let binding = Binding::of(k);
        let name = if binding == Binding::ByName {
            format!("{vendor} Connector {k:04}")
        } else {
            format!("{vendor} {} {k:04}", PURPOSES[rng.index(PURPOSES.len())])
        };
        let high = u128::from(rng.next_u64()) << 64;
        let fingerprint = KeyFingerprint::from_u128(high | u128::from(rng.next_u64()));
        Self {
            index: k,
            name,
            fingerprint,
            vendor,
            password_access: k % 5 == 0,
            dormant: k % 13 == 12,
            binding,
        }
    }

    fn lower_vendor(&self) -> String {
        self.vendor.to_ascii_lowercase()
    }

    /// `10.a.b.0/28`, the network of a script key.
    fn network(&self) -> (u8, u8) {
        ((self.index >> 8) as u8, (self.index & 255) as u8)
    }

    /// `172.16+.x.y`, the address of a fixed-address key.
    fn fixed_ip(&self) -> String {
        let k = self.index;
        format!(
            "172.{}.{}.{}",
            16 + k / 62_500,
            (k / 250) % 250,
            k % 250 + 1
        )
    }

    fn user_id(&self) -> String {
        format!("7{:05}", self.index)
    }

    fn actor(&self) -> String {
        format!("svc-{}-{:04}", self.lower_vendor(), self.index)
    }
}

/// The keys of a generated account.
#[derive(Debug, Clone)]
pub struct World {
    seed: u64,
    keys: Vec<Key>,
}

impl World {
    /// The first `keys` keys of the world of `seed`.
    pub fn new(seed: u64, keys: usize) -> Self {
        Self {
            seed,
            keys: (0..keys).map(|k| Key::new(seed, k)).collect(),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there is no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The inventory, as a CSV saved from the settings page and annotated.
    pub fn inventory_csv(&self) -> String {
        let mut out =
            String::from("Name,Key,Password Access,Created,Last Used,Owner,Notes,State,Account\n");
        for key in &self.keys {
            let created = Utc
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default()
                + TimeDelta::days(((key.index * 7) % 900) as i64);
            let _ = writeln!(
                out,
                "{},{},{},{},,{} team,Integration with {},active,contoso-msp",
                key.name,
                key.fingerprint.masked(),
                if key.password_access { "yes" } else { "no" },
                created.format("%Y-%m-%d"),
                key.vendor,
                key.vendor,
            );
        }
        out
    }

    /// The policy: defaults, and the bindings of every key.
    pub fn policy_toml(&self) -> String {
        let mut out = String::from(
            "# Generated by keyaudit-bench: bindings for every key of the benchmark world.\n\n",
        );
        for key in &self.keys {
            let fp = &key.fingerprint;
            let k = key.index;
            match key.binding {
                Binding::VendorAgent => {
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nuser_agent = [\"{}-k{k:04}/*\"]\n",
                        key.vendor
                    );
                }
                Binding::ScriptFromNetwork => {
                    let (a, b) = key.network();
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nuser_agent = [\"python-requests/*\"]\n\
                         ip = [\"10.{a}.{b}.0/28\"]\n"
                    );
                }
                Binding::FixedIp => {
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nip = [\"{}\"]\n",
                        key.fixed_ip()
                    );
                }
                Binding::UserAndActor => {
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nuser_id = [\"{}\"]\n\n\
                         [[bind]]\nkey = \"{fp}\"\nactor = [\"{}\"]\n",
                        key.user_id(),
                        key.actor()
                    );
                }
                Binding::AgentToken => {
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nuser_agent = [\"*itglue-connector-{k:04}*\"]\n"
                    );
                }
                Binding::AgentVersion => {
                    let _ = writeln!(
                        out,
                        "[[bind]]\nkey = \"{fp}\"\nuser_agent = [\"Auvik-{k:04}/?.?\"]\n"
                    );
                }
                Binding::ByName => {}
            }
        }
        out
    }
}

/// One generated event; the writer reuses its buffers.
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// Position in the log (0-based).
    pub index: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The key that made it (index in the inventory), if any.
    pub key: Option<u32>,
    /// Whether it touched a password.
    pub password: bool,
    /// Whether its resource name holds a full API key.
    pub leak: bool,
    /// `id`.
    pub id: String,
    /// `user-id`.
    pub user_id: String,
    /// The CSV export's User.
    pub actor: String,
    /// `action`.
    pub action: &'static str,
    /// `resource-type`.
    pub resource_type: &'static str,
    /// `resource-name`.
    pub resource_name: String,
    /// `organization-id`.
    pub organization_id: String,
    /// The CSV export's Organization.
    pub organization: String,
    /// `ip-address`.
    pub ip: String,
    place: (&'static str, &'static str, &'static str),
    /// `user-agent`.
    pub user_agent: String,
}

impl Event {
    /// The event as the JSONL reader hands it on (no actor; the
    /// organization's id), borrowing from `self`.
    pub fn as_jsonl_event(&self) -> UsageEvent<'_> {
        fn s(v: &str) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(v))
        }
        UsageEvent {
            id: s(&self.id),
            created_at: self.at,
            user_id: s(&self.user_id),
            actor: None,
            action: s(self.action),
            resource_type: s(self.resource_type),
            resource_name: s(&self.resource_name),
            organization: s(&self.organization_id),
            ip_address: s(&self.ip),
            user_agent: s(&self.user_agent),
        }
    }

    /// Appends the event as one JSONL line (IT Glue's log resource).
    pub fn write_json(&self, out: &mut String) {
        let (city, region, country) = self.place;
        out.push_str("{\"id\":\"");
        out.push_str(&self.id);
        out.push_str("\",\"type\":\"logs\",\"attributes\":{\"created-at\":\"");
        let _ = write!(out, "{}", self.at.format("%Y-%m-%dT%H:%M:%S.000Z"));
        out.push_str("\",\"level\":\"info\",\"account-id\":\"31337\",\"user-id\":\"");
        out.push_str(&self.user_id);
        out.push_str("\",\"organization-id\":\"");
        out.push_str(&self.organization_id);
        out.push_str("\",\"action\":\"");
        out.push_str(self.action);
        out.push_str("\",\"resource-type\":\"");
        out.push_str(self.resource_type);
        out.push_str("\",\"resource-name\":");
        json_string(&self.resource_name, out);
        out.push_str(",\"ip-address\":\"");
        out.push_str(&self.ip);
        out.push_str("\",\"ip-city\":");
        json_or_null(city, out);
        out.push_str(",\"ip-region\":");
        json_or_null(region, out);
        out.push_str(",\"ip-country\":\"");
        out.push_str(country);
        out.push_str("\",\"user-agent\":");
        json_string(&self.user_agent, out);
        out.push_str("}}\n");
    }
}

/// `value` as a JSON string, or `null` when empty.
fn json_or_null(value: &str, out: &mut String) {
    if value.is_empty() {
        out.push_str("null");
    } else {
        json_string(value, out);
    }
}

/// `value` as a JSON string.
fn json_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The events of a dataset, one at a time (each overwrites the last).
#[derive(Debug)]
pub struct Events<'w> {
    world: &'w World,
    data: Dataset,
    rng: Rng,
    next: u64,
    step_ms: f64,
    event: Event,
}

impl<'w> Events<'w> {
    /// The events of `data` in `world` (whose key count may differ from
    /// `data.keys`: events are drawn over the world's keys).
    pub fn new(world: &'w World, data: Dataset) -> Self {
        let span = (window_end() - window_start()).num_milliseconds() as f64;
        Self {
            world,
            data,
            rng: Rng::new(data.seed ^ 0xE7E7),
            next: 0,
            step_ms: span / data.events.max(1) as f64,
            event: Event::default(),
        }
    }

    /// The next event, or `None` after the last.
    pub fn next_event(&mut self) -> Option<&Event> {
        if self.next >= self.data.events {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let rng = &mut self.rng;
        let e = &mut self.event;
        let keys = &self.world.keys;
        e.index = i;
        let ms = (i as f64 * self.step_ms) as i64;
        e.at = window_start() + TimeDelta::seconds(ms / 1000);
        e.id.clear();
        let _ = write!(e.id, "{}", 88_000_000 + i);

        let key = if keys.is_empty() || rng.chance(100) {
            None
        } else {
            // Skewed towards low-numbered keys, with a uniform share.
            let n = keys.len();
            let mut k = if rng.chance(800) {
                let u = rng.unit();
                ((u * u * n as f64) as usize).min(n - 1)
            } else {
                rng.index(n)
            };
            if keys[k].dormant {
                k = (k + 1) % n;
            }
            Some(&keys[k])
        };
        e.key = key.map(|k| k.index as u32);
        e.action = ACTIONS[rng.index(ACTIONS.len())];
        e.password = key.is_some_and(|k| k.password_access && k.index % 3 != 0) && rng.chance(100);
        e.resource_type = if e.password {
            "Password"
        } else {
            RESOURCE_TYPES[rng.index(RESOURCE_TYPES.len())]
        };
        let org = rng.below(500);
        e.organization_id.clear();
        let _ = write!(e.organization_id, "{}", 2_100_000 + org);
        e.organization.clear();
        if org % 10 == 3 {
            let _ = write!(e.organization, "Smith, Jones & Partners {org:03}");
        } else {
            let _ = write!(e.organization, "Client {org:03} Holdings LLC");
        }
        e.resource_name.clear();
        let n = rng.below(10_000);
        e.leak = self.data.leak_every > 0 && i >= 1234 && (i - 1234) % self.data.leak_every == 0;
        if e.leak {
            // A key pasted into a note: the audit must find and redact it.
            let none = KeyFingerprint::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
            let victim = keys
                .get((i as usize) % keys.len().max(1))
                .map_or(&none, |k| &k.fingerprint);
            let _ = write!(
                e.resource_name,
                "API key for sync: {victim}.s3cr3tT0k3n{n:04}x"
            );
        } else if self.data.multiline && self.data.format == Format::Csv && rng.chance(2) {
            let _ = write!(e.resource_name, "Runbook {n:04}\nstep 2: restart the agent");
        } else if rng.chance(2) {
            let _ = write!(e.resource_name, "Server \"{n:04}\" (legacy)");
        } else if rng.chance(30) {
            let _ = write!(e.resource_name, "Backups, weekly {n:04}");
        } else {
            let _ = write!(
                e.resource_name,
                "{} {n:04}-{:02}",
                e.resource_type,
                org % 97
            );
        }

        e.user_id.clear();
        e.actor.clear();
        e.ip.clear();
        e.user_agent.clear();
        let cloud = |rng: &mut Rng, out: &mut String, k: usize| {
            let _ = write!(
                out,
                "20.{}.{}.{}",
                40 + k % 100,
                (k / 100) % 250,
                1 + rng.below(250)
            );
        };
        match key {
            None => {
                let person = rng.below(300);
                let _ = write!(e.user_id, "5{person:04}");
                let _ = write!(
                    e.actor,
                    "{} {}",
                    FIRST_NAMES[(person % 20) as usize],
                    LAST_NAMES[(person / 20) as usize % LAST_NAMES.len()]
                );
                let a = rng.below(2000);
                let _ = write!(
                    e.ip,
                    "100.{}.{}.{}",
                    64 + a / 62_500,
                    (a / 250) % 250,
                    a % 250 + 1
                );
                e.user_agent.push_str(BROWSERS[rng.index(BROWSERS.len())]);
                e.place = PLACES[(person % 8) as usize];
            }
            Some(key) => {
                let k = key.index;
                // Cloud addresses are seldom placed closer than the country.
                e.place = ("", "", ["US", "IE", "DE", "CA", "AU"][k % 5]);
                if key.binding == Binding::UserAndActor {
                    e.user_id.push_str(&key.user_id());
                    e.actor.push_str(&key.actor());
                } else {
                    e.user_id.push_str("4410");
                    e.actor.push_str("API Integration");
                }
                // An integration runs one of two versions in a month.
                let minor = rng.below(2);
                match key.binding {
                    Binding::VendorAgent => {
                        cloud(rng, &mut e.ip, k);
                        let os = if k % 3 == 0 { "win64" } else { "linux" };
                        let _ = write!(
                            e.user_agent,
                            "{}-k{k:04}/{}.{minor}.{} (+https://{}.example.com; {os})",
                            key.vendor,
                            2 + k % 5,
                            k % 20,
                            key.lower_vendor()
                        );
                    }
                    Binding::ScriptFromNetwork => {
                        let (a, b) = key.network();
                        let _ = write!(e.ip, "10.{a}.{b}.{}", 1 + rng.below(14));
                        let _ = write!(e.user_agent, "python-requests/2.{}.0", 28 + minor);
                    }
                    Binding::FixedIp => {
                        e.ip.push_str(&key.fixed_ip());
                        let _ = write!(e.user_agent, "WindowsPowerShell/5.1.22621.{}", 1 + minor);
                    }
                    Binding::UserAndActor => {
                        cloud(rng, &mut e.ip, k);
                        e.user_agent.push_str(if minor % 2 == 0 {
                            "Go-http-client/1.1"
                        } else {
                            "okhttp/4.12.0"
                        });
                    }
                    Binding::AgentToken => {
                        cloud(rng, &mut e.ip, k);
                        let _ = write!(
                            e.user_agent,
                            "Mozilla/5.0 (compatible; itglue-connector-{k:04}; +https://{}.example.net)",
                            key.lower_vendor()
                        );
                    }
                    Binding::AgentVersion => {
                        cloud(rng, &mut e.ip, k);
                        let _ = write!(e.user_agent, "Auvik-{k:04}/{}.{minor}", 1 + k % 9);
                    }
                    Binding::ByName => {
                        cloud(rng, &mut e.ip, k);
                        let _ = write!(
                            e.user_agent,
                            "{} Connector {k:04}/1.{minor} (build {})",
                            key.vendor,
                            1000 + k
                        );
                    }
                }
            }
        }
        Some(&self.event)
    }
}

impl World {
    /// The seed the world was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The inventory as keyaudit reads it.
    pub fn inventory(&self) -> Result<Inventory, IngestError> {
        let parsed =
            keyaudit_ingest::parse_inventory("inventory.csv", self.inventory_csv().as_bytes())?;
        keyaudit_ingest::merge_inventories(vec![parsed])
    }

    /// The policy as keyaudit reads it.
    pub fn policy(&self) -> Result<ValidPolicy, PolicyErrors> {
        keyaudit_engine::parse_policy("keyaudit.toml", &self.policy_toml())
    }

    /// The inventory's keys and the policy's bindings, compiled.
    pub fn attribution(&self) -> Result<Attribution, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Attribution::new(&self.inventory()?, &self.policy()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_worlds_are_prefixes_of_large_ones() {
        let small = World::new(3, 10);
        let large = World::new(3, 1000);
        for (a, b) in small.keys.iter().zip(&large.keys) {
            assert_eq!((&a.name, &a.fingerprint), (&b.name, &b.fingerprint));
        }
        assert!(large.policy_toml().starts_with(&small.policy_toml()));
    }

    #[test]
    fn same_seed_same_bytes() {
        let data = Dataset {
            keys: 30,
            events: 2000,
            ..Dataset::default()
        };
        let world = World::new(data.seed, data.keys);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ta = data.write_events(&world, &mut a).unwrap();
        let tb = data.write_events(&world, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(ta, tb);
        let other = Dataset { seed: 1, ..data };
        let mut c = Vec::new();
        other.write_events(&world, &mut c).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn lines_are_about_the_size_of_it_glue_ones() {
        let data = Dataset {
            keys: 1000,
            events: 20_000,
            ..Dataset::default()
        };
        let world = World::new(data.seed, data.keys);
        let mut out = Vec::new();
        let truth = data.write_events(&world, &mut out).unwrap();
        let per_event = out.len() as f64 / 20_000.0;
        assert!((360.0..400.0).contains(&per_event), "{per_event}");
        println!("{per_event} bytes per event");
        let share = truth.unattributed as f64 / truth.events as f64;
        assert!((0.08..0.12).contains(&share), "{share}");
        for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            serde_json::from_slice::<serde_json::Value>(line).unwrap();
        }
    }
}
