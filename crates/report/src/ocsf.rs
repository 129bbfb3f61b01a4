//! The findings as OCSF Detection Findings, for SIEMs (Splunk, Elastic,
//! Sentinel, Security Lake, …): a JSON array with one event per finding, open
//! and muted, in report order.
//!
//! Each event is an [OCSF 1.3.0] Detection Finding (`class_uid` 2004,
//! category Findings, activity Create, `type_uid` 200401) timed at the
//! report's `as_of`:
//!
//! - severity: info → 1 Informational, low → 2, medium → 3, high → 4,
//!   critical → 5;
//! - status: open → 1 New; muted → 3 Suppressed, with the mute's reason and
//!   expiry in `status_detail`;
//! - `finding_info`: `uid` is the finding's stable id (so a SIEM can
//!   deduplicate across runs), `title` the rule and key, `desc` the message,
//!   `types` and `analytic` (a Rule) the rule code;
//! - `resources`: the key (`type` `IT Glue API Key`, `uid` its fingerprint,
//!   else its id) with its account, state, Password Access and owner in
//!   `data`: an inventory's owner is a team's or a person's name, not an OCSF
//!   User (which has a `uid`, `type_id` and `account` that keyaudit does not
//!   know);
//! - `remediation.desc`: the remediation text.
//!
//! The Detection Finding class has no `compliance` or free-form evidence
//! attribute in OCSF 1.3, so both go to `unmapped`, the schema's place for
//! source fields it does not model: `unmapped.compliance` has the shape of
//! the OCSF Compliance object (`standards`, `requirements`, `status_id`,
//! `status`), `unmapped.evidence` is the finding's evidence as in the JSON
//! report; `unmapped` also holds `base_severity`, the baseline `delta` and
//! the `mute`, when there are. Nothing else is outside the class, so a
//! consumer that validates against the schema accepts every event.
//!
//! [OCSF 1.3.0]: https://schema.ocsf.io/1.3.0/classes/detection_finding

use std::collections::BTreeSet;
use std::io::{self, Write};

use keyaudit_model::{AuditReport, Delta, Evidence, Finding, FindingStatus, KeyState, Severity};
use serde::Serialize;

use crate::text;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";

/// `class_uid` of Detection Finding.
pub const CLASS_UID: u32 = 2004;

/// `category_uid` of the Findings category.
pub const CATEGORY_UID: u32 = 2;

/// `type_uid` of Detection Finding: Create (`class_uid * 100 + activity_id`).
pub const TYPE_UID: u32 = CLASS_UID * 100 + ACTIVITY_CREATE;

/// `activity_id` of Create.
const ACTIVITY_CREATE: u32 = 1;

/// `resources[].type` of an API key.
pub const RESOURCE_TYPE: &str = "IT Glue API Key";

/// Writes one Detection Finding per finding as a pretty-printed JSON array
/// (2-space indent) with a trailing newline; `[]` when there are none. The
/// view does not apply.
pub fn render(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    let events: Vec<DetectionFinding<'_>> = report
        .findings
        .iter()
        .map(|f| DetectionFinding::of(report, f))
        .collect();
    serde_json::to_writer_pretty(&mut out, &events)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `severity_id` and `severity` of a keyaudit severity.
pub fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// `status_id` and `status` of a finding status: open is New, muted is
/// Suppressed.
pub fn status(status: FindingStatus) -> (u8, &'static str) {
    match status {
        FindingStatus::Open => (1, "New"),
        FindingStatus::Muted => (3, "Suppressed"),
    }
}

#[derive(Serialize)]
struct DetectionFinding<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    time: i64,
    severity_id: u8,
    severity: &'static str,
    status_id: u8,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<String>,
    message: &'a str,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    resources: [Resource<'a>; 1],
    remediation: Remediation<'a>,
    unmapped: Unmapped<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product<'a>,
}

#[derive(Serialize)]
struct Product<'a> {
    name: &'static str,
    vendor_name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: &'a str,
    title: String,
    desc: &'a str,
    types: [&'static str; 1],
    analytic: Analytic,
}

/// The rule that produced the finding.
#[derive(Serialize)]
struct Analytic {
    uid: &'static str,
    name: &'static str,
    type_id: u8,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    data: ResourceData<'a>,
}

#[derive(Serialize)]
struct ResourceData<'a> {
    key_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<KeyState>,
    /// `null` when unknown: always present, so that a SIEM tells "unknown"
    /// from "not reported".
    password_access: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
}

#[derive(Serialize)]
struct Unmapped<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<Compliance<'a>>,
    evidence: &'a Evidence,
    base_severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<Delta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mute: Option<&'a keyaudit_model::Mute>,
}

/// The shape of the OCSF Compliance object.
#[derive(Serialize)]
struct Compliance<'a> {
    standards: Vec<&'a str>,
    requirements: Vec<String>,
    status_id: u8,
    status: &'static str,
}

impl<'a> DetectionFinding<'a> {
    fn of(report: &'a AuditReport, finding: &'a Finding) -> Self {
        let (severity_id, severity) = severity(finding.severity);
        let (status_id, status) = status(finding.status);
        let status_detail = finding
            .mute
            .as_ref()
            .map(|mute| format!("Muted ({}): {}", text::mute_expiry(mute), mute.reason));
        let key = &finding.key;
        let record = text::key_record(report, &key.id);
        let fingerprint = key.fingerprint.as_ref().map(|fp| fp.as_str());
        let rule = finding.rule.as_str();
        Self {
            activity_id: ACTIVITY_CREATE,
            activity_name: "Create",
            category_uid: CATEGORY_UID,
            category_name: "Findings",
            class_uid: CLASS_UID,
            class_name: "Detection Finding",
            type_uid: TYPE_UID,
            type_name: "Detection Finding: Create",
            time: report.as_of.timestamp_millis(),
            severity_id,
            severity,
            status_id,
            status,
            status_detail,
            message: &finding.message,
            metadata: Metadata {
                version: OCSF_VERSION,
                product: Product {
                    name: "keyaudit",
                    vendor_name: "keyaudit",
                    version: &report.tool.version,
                },
            },
            finding_info: FindingInfo {
                uid: &finding.id,
                title: format!("{rule}: {}", text::display_name(&key.name)),
                desc: &finding.message,
                types: [rule],
                analytic: Analytic {
                    uid: rule,
                    name: rule,
                    type_id: 1,
                    kind: "Rule",
                },
            },
            resources: [Resource {
                kind: RESOURCE_TYPE,
                uid: fingerprint.unwrap_or(key.id.as_str()),
                name: Some(key.name.as_str()).filter(|n| !n.trim().is_empty()),
                data: ResourceData {
                    key_id: &key.id,
                    fingerprint,
                    account: key.account.as_deref(),
                    state: record.map(|r| r.state),
                    password_access: record
                        .and_then(|r| r.password_access)
                        .or(finding.evidence.password_access),
                    owner: record.and_then(|r| r.owner.as_deref()),
                },
            }],
            remediation: Remediation {
                desc: &finding.remediation,
            },
            unmapped: Unmapped {
                compliance: compliance(finding),
                evidence: &finding.evidence,
                base_severity: finding.base_severity,
                delta: finding.delta,
                mute: finding.mute.as_ref(),
            },
        }
    }
}

/// The finding's controls as an OCSF Compliance object: the frameworks in
/// `standards` (first-seen order, without repeats), every `framework
/// control` in `requirements`; status 3 `Fail` for an open finding, 99
/// (Other) `Muted` for a muted one, which fails no control (as in the
/// compliance view) but does not pass it either.
fn compliance(finding: &Finding) -> Option<Compliance<'_>> {
    if finding.compliance.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    let standards = finding
        .compliance
        .iter()
        .map(|c| c.framework.as_str())
        .filter(|f| seen.insert(*f))
        .collect();
    let requirements = finding.compliance.iter().map(ToString::to_string).collect();
    let (status_id, status) = if finding.is_open() {
        (3, "Fail")
    } else {
        (99, "Muted")
    };
    Some(Compliance {
        standards,
        requirements,
        status_id,
        status,
    })
}
