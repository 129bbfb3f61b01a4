//! Formatting helpers shared by the renderers: how a name, a fingerprint, a
//! date or a key's last use is written, which facts of a key a finding row
//! shows, and the summary lines (counts by severity, usage window, mute
//! expiry, evidence facts) that every human-facing format prints.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use keyaudit_model::{
    AuditReport, Change, ComplianceRef, ControlResult, ControlStatus, Coverage, Delta, DiffSide,
    Finding, FindingDiff, FindingState, FindingStatus, ForecastBasis, ForecastEntry, History,
    HistoryRun, KeyActivity, KeyFingerprint, KeyRecord, KeyRef, Mute, PolicyInfo, ReportDiff,
    RuleCode, RuleEntry, Severity, Summary, ValueCount,
};

/// What a key with an empty or blank name is called in human-facing output.
pub(crate) const UNNAMED: &str = "(unnamed)";

/// Separator of list cells in CSV (rule codes, compliance controls).
pub(crate) const LIST_SEPARATOR: &str = "; ";

/// The key's name, or [`UNNAMED`] when it is empty or blank.
pub(crate) fn display_name(name: &str) -> &str {
    if name.trim().is_empty() {
        UNNAMED
    } else {
        name
    }
}

/// `ITG.` and the first 8 hex digits, then `…`: enough to tell keys apart
/// against IT Glue's settings page.
pub(crate) fn short_fingerprint(fingerprint: &KeyFingerprint) -> String {
    fingerprint.short()
}

/// RFC 3339 in UTC with whole seconds: `2026-10-12T00:00:00Z`.
pub(crate) fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `YYYY-MM-DD`.
pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD` of a time in UTC.
pub(crate) fn day_of(time: DateTime<Utc>) -> String {
    date(time.date_naive())
}

/// The audit's as-of time for people: the date alone at midnight UTC, else
/// `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) use keyaudit_model::as_of_text as as_of;

/// `yes` / `no` / `unknown`, for people.
pub(crate) fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// `true` / `false` / `unknown`, for machines: Password Access the
/// inventory does not state is unknown, never empty (which reads as "no").
pub(crate) fn bool_cell(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

/// Rule codes joined with `sep`.
pub(crate) fn rule_codes(codes: &[RuleCode], sep: &str) -> String {
    codes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// `CIS Controls v8 5.3; NIST SP 800-53 r5 AC-2(3); …`.
pub(crate) fn compliance(refs: &[ComplianceRef]) -> String {
    refs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(LIST_SEPARATOR)
}

/// What is known of a key's last use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LastUsed {
    /// Last used at this time.
    At(DateTime<Utc>),
    /// The inventory says the key was never used (and no use was seen).
    Never,
    /// Nothing is known.
    Unknown,
}

impl LastUsed {
    /// A key record's last use: its date, else `never` when the inventory
    /// says so, else unknown.
    pub(crate) fn of_key(key: &KeyRecord) -> Self {
        Self::from_parts(key.last_used_at, key.never_used)
    }

    fn from_parts(at: Option<DateTime<Utc>>, never_used: bool) -> Self {
        match at {
            Some(at) => LastUsed::At(at),
            None if never_used => LastUsed::Never,
            None => LastUsed::Unknown,
        }
    }

    /// For people: `YYYY-MM-DD`, `never` or `unknown`.
    pub(crate) fn human(self) -> String {
        match self {
            LastUsed::At(at) => day_of(at),
            LastUsed::Never => "never".to_owned(),
            LastUsed::Unknown => "unknown".to_owned(),
        }
    }

    /// For machines: RFC 3339, `never`, or empty when unknown.
    pub(crate) fn machine(self) -> String {
        match self {
            LastUsed::At(at) => rfc3339(at),
            LastUsed::Never => "never".to_owned(),
            LastUsed::Unknown => String::new(),
        }
    }
}

/// The facts of a finding's key that a finding row shows: taken from the
/// key's record in `report.keys` (looked up by id), each falling back to the
/// finding's evidence when the record lacks it or is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    /// The key's last use.
    pub(crate) last_used: LastUsed,
    /// Whole days since last use.
    pub(crate) days_idle: Option<i64>,
    /// Password Access.
    pub(crate) password_access: Option<bool>,
}

impl KeyFacts {
    pub(crate) fn of_finding(report: &AuditReport, finding: &Finding) -> Self {
        let record = key_record(report, &finding.key.id);
        let evidence = &finding.evidence;
        let last_used_at = record
            .and_then(|k| k.last_used_at)
            .or(evidence.last_used_at);
        let never_used = record.is_some_and(|k| k.never_used);
        Self {
            last_used: LastUsed::from_parts(last_used_at, never_used),
            days_idle: record.and_then(|k| k.days_idle).or(evidence.days_idle),
            password_access: record
                .and_then(|k| k.password_access)
                .or(evidence.password_access),
        }
    }
}

/// The record of the key with this id.
pub(crate) fn key_record<'a>(report: &'a AuditReport, id: &str) -> Option<&'a KeyRecord> {
    report.keys.iter().find(|k| k.id == id)
}

/// Open findings by severity, most severe first, zeros included:
/// `2 critical, 2 high, 5 medium, 1 low, 1 info`.
pub(crate) fn severity_counts(summary: &Summary) -> String {
    Severity::ALL_DESC
        .iter()
        .map(|s| format!("{} {s}", open_count(summary, *s)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Open findings of one severity.
pub(crate) fn open_count(summary: &Summary, severity: Severity) -> usize {
    summary.by_severity.get(&severity).copied().unwrap_or(0)
}

/// `Critical`, `High`, …: a severity as a heading or label.
pub(crate) fn severity_title(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// The usage window and event counts, when a usage source was given:
/// `2026-10-27 to 2026-11-26 (1843 events: 1790 attributed, 41 unattributed,
/// 12 ambiguous)`, flagged `inferred from events` and `INCOMPLETE` when so.
pub(crate) fn usage_window(coverage: &Coverage) -> Option<String> {
    let window = coverage.usage_window.as_ref()?;
    Some(format!(
        "{} to {}{}{} ({} events: {} attributed, {} unattributed, {} ambiguous)",
        as_of(window.start),
        as_of(window.end),
        if window.inferred {
            ", inferred from events"
        } else {
            ""
        },
        if window.complete { "" } else { ", INCOMPLETE" },
        coverage.events_seen,
        coverage.attributed,
        coverage.unattributed,
        coverage.ambiguous,
    ))
}

/// The policy an audit ran with: `keyaudit.toml (sha256:…)`, or
/// `built-in defaults (default)`.
pub(crate) fn policy(policy: &PolicyInfo) -> String {
    let source = policy.source.as_deref().unwrap_or("built-in defaults");
    format!("{source} ({})", policy.digest)
}

/// `until 2027-01-31`, or `no expiry`.
pub(crate) fn mute_expiry(mute: &Mute) -> String {
    match mute.expires {
        Some(day) => format!("until {}", date(day)),
        None => "no expiry".to_owned(),
    }
}

/// A key for people: its display name, then its short fingerprint in
/// parentheses when known: `Datto RMM (ITG.3b8f0e6d…)`.
pub(crate) fn key_label(key: &KeyRef) -> String {
    let name = display_name(&key.name);
    match &key.fingerprint {
        Some(fp) => format!("{name} ({})", short_fingerprint(fp)),
        None => name.to_owned(),
    }
}

/// The keys of a compliance control, as [`key_label`]s.
pub(crate) fn control_keys(control: &ControlStatus) -> Vec<String> {
    control.keys.iter().map(key_label).collect()
}

/// `pass` or `fail`.
pub(crate) fn control_result(result: ControlResult) -> &'static str {
    match result {
        ControlResult::Pass => "pass",
        ControlResult::Fail => "fail",
    }
}

/// `28 controls: 27 fail, 1 pass`, when the report has a compliance view.
pub(crate) fn compliance_counts(report: &AuditReport) -> Option<String> {
    if report.compliance.is_empty() {
        return None;
    }
    let fail = report
        .compliance
        .iter()
        .filter(|c| c.status == ControlResult::Fail)
        .count();
    Some(format!(
        "{} controls: {fail} fail, {} pass",
        report.compliance.len(),
        report.compliance.len() - fail
    ))
}

/// True when any finding carries a [`Delta`] against a baseline.
pub(crate) fn has_delta(report: &AuditReport) -> bool {
    report.findings.iter().any(|f| f.delta.is_some())
}

/// The baseline line: `old.json (as of 2026-10-26): 2 new, 1 worsened,
/// 0 improved, 9 unchanged`, when the report was compared with one.
pub(crate) fn baseline(report: &AuditReport) -> Option<String> {
    let baseline = report.baseline.as_ref()?;
    let count = |d: Delta| {
        report
            .findings
            .iter()
            .filter(|f| f.delta == Some(d))
            .count()
    };
    Some(format!(
        "{} (as of {}): {} new, {} worsened, {} improved, {} unchanged",
        baseline.path,
        as_of(baseline.as_of),
        count(Delta::New),
        count(Delta::Worsened),
        count(Delta::Improved),
        count(Delta::Unchanged),
    ))
}

/// The named parts of a key's name: `owner=J. Smith, vendor=HaloPSA`
/// (sorted by part name).
pub(crate) fn name_parts(key: &KeyRecord) -> String {
    key.name_parts
        .iter()
        .map(|(part, value)| format!("{part}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when any key has named parts.
pub(crate) fn has_name_parts(report: &AuditReport) -> bool {
    report.keys.iter().any(|k| !k.name_parts.is_empty())
}

/// True when any key has activity-log counts.
pub(crate) fn has_activity(report: &AuditReport) -> bool {
    report.keys.iter().any(|k| k.activity.is_some())
}

/// A key's activity for people: `1402 events (0 on passwords), last
/// 2026-11-25`, or `0 events`.
pub(crate) fn activity(activity: &KeyActivity) -> String {
    let mut text = format!(
        "{} {} ({} on passwords)",
        activity.events,
        if activity.events == 1 {
            "event"
        } else {
            "events"
        },
        activity.password_events
    );
    if let Some(at) = activity.last_event_at {
        text.push_str(&format!(", last {}", day_of(at)));
    }
    text
}

/// The rules of the muted findings on the key with this id.
pub(crate) fn muted_rules(report: &AuditReport, key_id: &str) -> Vec<RuleCode> {
    let mut rules: Vec<RuleCode> = report
        .findings
        .iter()
        .filter(|f| !f.is_open() && f.key.id == key_id)
        .map(|f| f.rule)
        .collect();
    rules.sort_unstable();
    rules
}

/// The most frequent user agents and source IPs among unattributed events,
/// when a usage window was given and either list is non-empty.
pub(crate) fn unattributed(coverage: &Coverage) -> Option<[(&'static str, &[ValueCount]); 2]> {
    coverage.usage_window.as_ref()?;
    let lists = [
        (
            "User agent",
            coverage.top_unattributed_user_agents.as_slice(),
        ),
        ("Source IP", coverage.top_unattributed_ips.as_slice()),
    ];
    lists.iter().any(|(_, l)| !l.is_empty()).then_some(lists)
}

/// The heading of the unattributed activity block.
pub(crate) const UNATTRIBUTED_HEADING: &str = "Unattributed activity (bind these in the policy)";

/// One fact behind a finding, for people: a label and its value. Values may
/// hold text from the inputs (names, file paths, reasons): each renderer
/// escapes them for its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fact {
    /// What the value is (`Days idle`, `Found in`, …).
    pub(crate) label: &'static str,
    /// The value (`85 days`, `inventory/keys.csv:9, column "Key"`, …).
    pub(crate) value: String,
}

/// The facts of a finding's evidence that are present, in a fixed order,
/// then how its severity was escalated, if it was.
pub(crate) fn evidence_facts(finding: &Finding) -> Vec<Fact> {
    let e = &finding.evidence;
    let mut facts = Vec::new();
    let mut fact = |label, value: String| facts.push(Fact { label, value });
    if let Some(at) = e.last_used_at {
        let value = match e.last_used_source {
            Some(source) => format!("{} ({})", day_of(at), source.as_str()),
            None => day_of(at),
        };
        fact("Last used", value);
    }
    if let Some(days) = e.days_idle {
        fact("Days idle", days_text(days));
    }
    if let Some(day) = e.revocation_date {
        fact("Revocation date", date(day));
    }
    if let Some(at) = e.created_at {
        fact("Created", day_of(at));
    }
    if let Some(days) = e.age_days {
        fact("Age", days_text(days));
    }
    if let Some(days) = e.threshold_days {
        fact("Threshold", days_text(days));
    }
    if let Some(matched) = &e.generic_match {
        fact("Generic match", format!("\"{matched}\""));
    }
    if !e.duplicates.is_empty() {
        let others: Vec<String> = e
            .duplicates
            .iter()
            .map(|k| match &k.fingerprint {
                Some(fp) => format!("{} ({})", display_name(&k.name), short_fingerprint(fp)),
                None => display_name(&k.name).to_owned(),
            })
            .collect();
        fact("Same name as", others.join(LIST_SEPARATOR));
    }
    if let Some(access) = e.password_access {
        fact("Password Access", yes_no(Some(access)).to_owned());
    }
    if let Some(allowance) = &e.allowance {
        let mut value = allowance.reason.clone();
        match (allowance.expires, allowance.expired) {
            (Some(day), true) => value.push_str(&format!(" (expired {})", date(day))),
            (Some(day), false) => value.push_str(&format!(" (until {})", date(day))),
            (None, true) => value.push_str(" (expired)"),
            (None, false) => {}
        }
        fact("Allowance", value);
    }
    if let Some(pattern) = &e.pattern {
        fact("Naming pattern", pattern.clone());
    }
    if let Some(n) = e.events_attributed {
        fact("Events attributed", n.to_string());
    }
    if let Some(n) = e.password_events {
        fact("Password events", n.to_string());
    }
    match (e.window_start, e.window_end) {
        (Some(start), Some(end)) => fact(
            "Window searched",
            format!("{} to {}", as_of(start), as_of(end)),
        ),
        (Some(start), None) => fact("Window searched", format!("from {}", as_of(start))),
        (None, Some(end)) => fact("Window searched", format!("until {}", as_of(end))),
        (None, None) => {}
    }
    if let Some(mute) = &e.expired_mute {
        let value = match mute.expires {
            Some(day) => format!("{} (expired {})", mute.reason, date(day)),
            None => mute.reason.clone(),
        };
        fact("Expired mute", value);
    }
    if !e.locations.is_empty() {
        let places: Vec<String> = e.locations.iter().map(ToString::to_string).collect();
        fact("Found in", places.join(LIST_SEPARATOR));
    }
    if finding.severity != finding.base_severity || !e.escalated_by.is_empty() {
        let mut value = format!("from {}", finding.base_severity);
        if !e.escalated_by.is_empty() {
            value.push_str(&format!(" by {}", rule_codes(&e.escalated_by, ", ")));
        }
        fact("Escalated", value);
    }
    facts
}

/// What to do about a key in the forecast, one paragraph for every format.
pub(crate) const FORECAST_ADVICE: &str = "IT Glue revokes a key that is not used for \
     the policy's revocation period and e-mails a warning 10 days before. A key that is \
     still needed must call the IT Glue API before its revocation day (any request resets \
     the count); a key that is no longer needed is better revoked on purpose (Admin → \
     Settings → API Keys → Revoke), with its owner told, than left to break an integration \
     on a weekend.";

/// When a forecast date falls, counted from the as-of date: `in 5 days`,
/// `today`, `3 days ago`; `-` without a date.
pub(crate) fn due(days_left: Option<i64>) -> String {
    match days_left {
        None => "-".to_owned(),
        Some(0) => "today".to_owned(),
        Some(days) if days > 0 => format!("in {}", days_text(days)),
        Some(days) => format!("{} ago", days_text(days.saturating_neg())),
    }
}

/// What a forecast entry's dates are counted from, for people.
pub(crate) fn forecast_basis(basis: ForecastBasis) -> &'static str {
    match basis {
        ForecastBasis::LastUse => "last use",
        ForecastBasis::WindowStart => "window start (at the latest)",
        ForecastBasis::Unknown => "no usage evidence",
    }
}

/// The cells of a forecast row, in the column order of the table, Markdown
/// and HTML views: key, owner, state, last use, basis, warning day,
/// revocation day, when. The key and owner come from the inputs, unescaped:
/// each view escapes them its own way.
pub(crate) fn forecast_cells(entry: &ForecastEntry) -> [String; 8] {
    [
        key_label(&entry.key),
        entry.owner.as_deref().unwrap_or("-").to_owned(),
        entry.state.to_string(),
        entry.last_used_at.map_or_else(|| "-".to_owned(), day_of),
        forecast_basis(entry.basis).to_owned(),
        optional_date(entry.warning_on),
        optional_date(entry.revoked_on),
        due(entry.days_left),
    ]
}

/// A day, or `-`.
pub(crate) fn optional_date(day: Option<NaiveDate>) -> String {
    day.map_or_else(|| "-".to_owned(), date)
}

/// `1 day`, `85 days`.
pub(crate) fn days_text(days: i64) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

/// Text made safe for a terminal and a page: control characters (newline,
/// tab, ESC, …), bidirectional overrides and noncharacters are shown escaped
/// (`\n`, `\u{1b}`, `\u{202e}`, `\u{fdd0}`), so a value from an input can
/// neither break the table's layout, send escape sequences to the terminal,
/// reorder what is displayed, nor make an HTML page invalid. The same
/// escaping as error messages ([`keyaudit_model::display_safe`]).
pub(crate) fn terminal_safe(s: &str) -> Cow<'_, str> {
    keyaudit_model::display_safe(s)
}

/// The summary of a diff, one line each: a title, the old and the new side,
/// the keys added and removed, the findings by change.
pub(crate) fn diff_summary(diff: &ReportDiff) -> Vec<String> {
    let s = &diff.summary;
    let side = |label: &str, side: &DiffSide| {
        format!(
            "{label}: {} ({} keys, {} open, {} muted)",
            as_of(side.as_of),
            side.keys,
            side.open,
            side.muted
        )
    };
    vec![
        "keyaudit diff".to_string(),
        side("Old", &diff.old),
        side("New", &diff.new),
        format!("Keys: {} added, {} removed", s.keys_added, s.keys_removed),
        format!(
            "Findings: {} new, {} resolved, {} changed ({} worsened, {} improved), {} persisting",
            s.new, s.resolved, s.changed, s.worsened, s.improved, s.persisting
        ),
    ]
}

/// A diffed finding's change: `new`, `resolved`, `persisting`, or for a
/// changed one `worsened` / `improved`.
pub(crate) fn change_label(finding: &FindingDiff) -> String {
    match (finding.change, finding.delta) {
        (Change::Changed, Some(delta)) => delta.as_str().to_string(),
        (change, _) => change.as_str().to_string(),
    }
}

/// `high`, or `high (muted)`.
fn state_label(state: FindingState) -> String {
    match state.status {
        FindingStatus::Open => state.severity.to_string(),
        FindingStatus::Muted => format!("{} (muted)", state.severity),
    }
}

/// A diffed finding's severity: `high`, or `high → critical` for a changed
/// finding.
pub(crate) fn transition(finding: &FindingDiff) -> String {
    match (finding.old, finding.new) {
        (Some(old), Some(new)) if old != new => {
            format!("{} → {}", state_label(old), state_label(new))
        }
        (_, Some(state)) | (Some(state), None) => state_label(state),
        (None, None) => String::new(),
    }
}

/// The lines above a history's table, as label and value: runs and period,
/// the latest run's counts.
pub(crate) fn history_summary(history: &History) -> Vec<(&'static str, String)> {
    let mut lines = vec![("Runs", history.runs.len().to_string())];
    if let (Some(first), Some(last)) = (history.runs.first(), history.runs.last()) {
        lines[0].1 = format!(
            "{} ({} to {})",
            history.runs.len(),
            as_of(first.as_of),
            as_of(last.as_of)
        );
        lines.push(("Latest", run_counts(last)));
    }
    lines
}

/// A run's counts: `11 open (2 critical, 2 high, 5 medium, 1 low, 1 info), 1 muted`.
pub(crate) fn run_counts(run: &HistoryRun) -> String {
    format!(
        "{} open ({}), {} muted",
        run.open,
        Severity::ALL_DESC
            .iter()
            .map(|s| format!("{} {s}", run.open_of(*s)))
            .collect::<Vec<_>>()
            .join(", "),
        run.muted
    )
}

/// A count that the first run of a history does not have: the number, or `-`.
pub(crate) fn optional_count(n: Option<usize>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// A rule's severity in the catalogue: `medium`, or `medium / high` for a
/// rule that escalates.
pub(crate) fn rule_severity(rule: &RuleEntry) -> String {
    match rule.escalated_severity {
        Some(escalated) => format!("{} / {escalated}", rule.default_severity),
        None => rule.default_severity.to_string(),
    }
}

/// A rule's compliance controls, joined by `separator`.
pub(crate) fn rule_controls(rule: &RuleEntry, separator: &str) -> String {
    rule.compliance
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_and_fingerprints() {
        assert_eq!(display_name(""), UNNAMED);
        assert_eq!(display_name(" \t"), UNNAMED);
        assert_eq!(display_name("Datto RMM"), "Datto RMM");
        let fp = KeyFingerprint::parse("ITG.45df64a0dd9df8a7a79dc4382927a045").unwrap();
        assert_eq!(short_fingerprint(&fp), "ITG.45df64a0…");
    }

    #[test]
    fn dates() {
        let midnight = Utc.with_ymd_and_hms(2026, 10, 12, 0, 0, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 10, 12, 14, 3, 9).unwrap();
        assert_eq!(rfc3339(midnight), "2026-10-12T00:00:00Z");
        assert_eq!(as_of(midnight), "2026-10-12");
        assert_eq!(as_of(later), "2026-10-12 14:03:09 UTC");
        assert_eq!(LastUsed::At(later).human(), "2026-10-12");
        assert_eq!(LastUsed::At(later).machine(), "2026-10-12T14:03:09Z");
        assert_eq!(LastUsed::Never.machine(), "never");
        assert_eq!(LastUsed::Unknown.machine(), "");
        assert_eq!(LastUsed::Unknown.human(), "unknown");
    }

    #[test]
    fn terminal_safe_escapes_control_characters() {
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed("plain")));
        assert_eq!(terminal_safe("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(terminal_safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal_safe("PSA ↔ IT Glue"), "PSA ↔ IT Glue");
        assert_eq!(
            terminal_safe("a\u{fdd0}b\u{fffe}\u{10ffff}"),
            "a\\u{fdd0}b\\u{fffe}\\u{10ffff}"
        );
        assert!(matches!(
            terminal_safe("\u{fdcf}\u{fdf0}\u{fffd}"),
            Cow::Borrowed(_)
        ));
    }
}
