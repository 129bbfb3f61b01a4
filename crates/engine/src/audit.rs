//! `audit`: runs the rules over an inventory and assembles the report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use keyaudit_model::{
    ApiKey, AuditOptions, AuditReport, Diagnostic, DiagnosticCode, Finding, InputFile, InputKind,
    Inventory, KeyActivity, KeyIdentity, KeyRecord, KeyRef, KeyState, REPORT_SCHEMA, Summary,
    ToolInfo, UsageSource,
};

use crate::attribution::UsageEvidence;
use crate::compliance;
use crate::forecast;
use crate::keyid;
use crate::mutes::Mutes;
use crate::naming;
use crate::policy::ValidPolicy;
use crate::rules::{self, Context, KeyContext};
use crate::usage::{self, UsageView};

/// Everything an audit reads besides the policy.
#[derive(Debug, Clone, Copy)]
pub struct AuditInput<'a> {
    /// The merged inventory.
    pub inventory: &'a Inventory,
    /// Activity-log evidence: the usage sources read and the attribution
    /// tally over their events, made with an [`Attribution`](crate::Attribution)
    /// compiled from this inventory. `None` when no usage file was given.
    pub usage: Option<&'a UsageEvidence>,
}

/// Audits the inventory against the policy as of `as_of`.
///
/// Pure: no I/O, no clock. The same inputs give the same report, whatever
/// the order of the keys in the inventory.
pub fn audit(input: &AuditInput<'_>, policy: &ValidPolicy, as_of: DateTime<Utc>) -> AuditReport {
    let inventory = input.inventory;
    let keys = &inventory.keys;
    let ids = keyid::key_ids(keys);
    let sources = input.usage.map_or(&[][..], |u| u.sources.as_slice());
    let (window, left_out) = usage::coverage_window(sources);
    let usage = usage::views(input, window, policy.idle.warn_after_days, as_of);
    let refs: Vec<KeyRef> = keys
        .iter()
        .zip(&ids)
        .map(|(key, id)| key_ref(key, id.clone()))
        .collect();
    let mut same_name = same_name_groups(keys, &refs);
    // Full keys found in the inventory, the usage files and the policy.
    let mut exposures = inventory.exposures.clone();
    exposures.extend(policy.exposures().iter().cloned());
    exposures.sort();
    exposures.dedup();
    let ctx = Context::new(policy, as_of, &exposures);
    let mut mutes = Mutes::new(policy, as_of);

    let mut findings = Vec::new();
    let mut records = Vec::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let key_ctx = KeyContext {
            key,
            key_ref: refs[i].clone(),
            listed: true,
            usage: usage[i],
            same_name: std::mem::take(&mut same_name[i]),
        };
        let mut key_findings = rules::check_key(&ctx, &key_ctx);
        mutes.apply(&mut key_findings);
        records.push(key_record(&key_ctx, &key_findings, policy, as_of));
        findings.extend(key_findings);
    }

    // Fingerprints found exposed but not in the inventory still get a finding.
    let listed: BTreeSet<_> = keys.iter().filter_map(|k| k.fingerprint.as_ref()).collect();
    for fingerprint in ctx.exposures.keys().filter(|fp| !listed.contains(fp)) {
        let key = ApiKey {
            fingerprint: Some(fingerprint.clone()),
            ..ApiKey::named("")
        };
        let key_ctx = KeyContext {
            key: &key,
            key_ref: key_ref(&key, keyid::fingerprint_id(fingerprint)),
            listed: false,
            usage: UsageView::default(),
            same_name: Vec::new(),
        };
        let mut key_findings = rules::check_key(&ctx, &key_ctx);
        mutes.apply(&mut key_findings);
        findings.extend(key_findings);
    }

    // Sort keys are made once per element, not once per comparison.
    records.sort_by_cached_key(|r| (r.name.to_lowercase(), r.account.clone(), r.id.clone()));
    findings.sort_by_cached_key(finding_order);

    let mut diagnostics = inventory.diagnostics.clone();
    diagnostics.extend(future_dates(keys, as_of));
    diagnostics.extend(rules::policy_diagnostics(policy, keys));
    diagnostics.extend(mutes.finish());
    diagnostics.extend(usage::window_notes(sources, window, &left_out));
    diagnostics.extend(usage::late_events(input, as_of));
    diagnostics.sort();
    diagnostics.dedup();

    let coverage = usage::coverage(input, window, &usage);
    let forecast = forecast::forecast(keys, &refs, &usage, policy.idle.revoke_after_days, as_of);

    AuditReport {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo {
            name: "keyaudit".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        as_of,
        inputs: inputs(inventory, sources, policy),
        // The options the inputs were read with are the reader's to record.
        options: AuditOptions::default(),
        coverage,
        summary: Summary::count(records.len(), &findings),
        compliance: compliance::view(&findings),
        keys: records,
        findings,
        exposures,
        diagnostics,
        forecast,
        policy: Some(policy.info()),
        baseline: None,
    }
}

/// Warnings for inventory dates (creation, last use) after the audit's
/// as-of time: one of them is wrong, and the rules cannot judge the key from
/// it (a key "created" in the future is never idle, never due for rotation).
fn future_dates(keys: &[ApiKey], as_of: DateTime<Utc>) -> Vec<Diagnostic> {
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut warnings = Vec::new();
    for key in keys {
        for (what, when) in [
            ("was created", key.created_at),
            ("was last used", key.last_used.at()),
        ] {
            let Some(when) = when.filter(|t| *t > as_of) else {
                continue;
            };
            warnings.push(Diagnostic::warning(
                DiagnosticCode::DateAfterAsOf,
                format!(
                    "key `{}` {what} {}, after the audit's as-of time {}; the date is wrong, \
                     or the as-of time is too early",
                    shown_name(&key.name),
                    at(when),
                    at(as_of)
                ),
                key.sources.first().cloned(),
            ));
        }
    }
    warnings
}

/// A key's name for a one-line message: escaped as in the table
/// ([`keyaudit_model::display_safe`]), at most 60 characters.
fn shown_name(name: &str) -> String {
    let mut out = String::new();
    for (count, c) in name.trim().chars().enumerate() {
        if count == 60 {
            out.push('…');
            break;
        }
        keyaudit_model::push_display_safe(c, &mut out);
    }
    out
}

/// The reference of a key with this id.
pub(crate) fn key_ref(key: &ApiKey, id: String) -> KeyRef {
    KeyRef {
        id,
        name: key.name.clone(),
        fingerprint: key.fingerprint.clone(),
        account: key.account.clone(),
    }
}

/// For each key, the other active or paused keys of its account with the
/// same name (as [`KeyIdentity::by_name`] compares names; blank names
/// excluded), sorted by id.
fn same_name_groups(keys: &[ApiKey], refs: &[KeyRef]) -> Vec<Vec<KeyRef>> {
    let mut groups: BTreeMap<KeyIdentity, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        let live = matches!(key.state, KeyState::Active | KeyState::Paused);
        let name = key.name_identity();
        if live && !name.is_blank() {
            groups.entry(name).or_default().push(i);
        }
    }
    let mut same_name = vec![Vec::new(); keys.len()];
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            let mut others: Vec<KeyRef> = members
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| refs[j].clone())
                .collect();
            others.sort();
            same_name[i] = others;
        }
    }
    same_name
}

fn key_record(
    key: &KeyContext<'_>,
    findings: &[Finding],
    policy: &ValidPolicy,
    as_of: DateTime<Utc>,
) -> KeyRecord {
    let open = findings.iter().filter(|f| f.is_open());
    let mut codes: Vec<_> = open.clone().map(|f| f.rule).collect();
    codes.sort();
    codes.dedup();
    let api = key.key;
    KeyRecord {
        id: key.key_ref.id.clone(),
        name: api.name.clone(),
        fingerprint: api.fingerprint.clone(),
        account: api.account.clone(),
        password_access: api.password_access,
        state: api.state,
        created_at: api.created_at,
        last_used_at: key.usage.last_used,
        never_used: key.usage.never_used,
        last_used_source: key.usage.source,
        days_idle: key.usage.days_idle(as_of),
        revocation_date: key.usage.revocation_date(policy.idle.revoke_after_days),
        owner: api.owner.clone(),
        purpose: api.purpose.clone(),
        findings: codes,
        max_severity: open.map(|f| f.severity).max(),
        sources: api.sources.clone(),
        activity: key.usage.activity.map(|a| KeyActivity {
            events: a.events,
            password_events: a.password_events,
            last_event_at: a.last_event_at,
        }),
        name_parts: policy
            .naming
            .pattern
            .as_ref()
            .filter(|_| !naming::is_blank(&api.name))
            .and_then(|pattern| pattern.name_parts(&api.name))
            .unwrap_or_default(),
    }
}

/// Severity (critical first), rule code, key name (any case), key id, id.
fn finding_order(f: &Finding) -> impl Ord + use<> {
    (
        std::cmp::Reverse(f.severity),
        f.rule.as_str(),
        f.key.name.to_lowercase(),
        f.key.id.clone(),
        f.id.clone(),
    )
}

/// The inputs of the report, each with the digest of the bytes read: the
/// inventory files, the usage sources, then the policy file.
fn inputs(inventory: &Inventory, sources: &[UsageSource], policy: &ValidPolicy) -> Vec<InputFile> {
    let mut inputs: Vec<InputFile> = inventory
        .files
        .iter()
        .map(|file| {
            InputFile::new(
                InputKind::Inventory,
                &file.path,
                &file.format,
                Some(file.keys),
                file.digest.as_ref(),
            )
        })
        .collect();
    inputs.extend(sources.iter().map(|source| {
        InputFile::new(
            InputKind::Usage,
            &source.path,
            &source.format,
            usize::try_from(source.events).ok(),
            source.digest.as_ref(),
        )
    }));
    if let Some(source) = policy.source() {
        inputs.push(InputFile::new(
            InputKind::Policy,
            source,
            "toml",
            None,
            policy.content_digest(),
        ));
    }
    inputs
}
