//! Applying the policy's `[[mute]]` entries to findings, and the warnings
//! about mutes that match nothing or match a finding twice.
//!
//! A mute in force (no expiry, or the as-of date before its expiry) turns
//! the finding `muted` and records its reason and expiry. On and after the
//! expiry the finding stays open and says the mute expired. When several
//! mutes match one finding, the first in policy order that has not expired
//! applies (else the one that expired last is reported), and a warning
//! names them all.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use keyaudit_model::{Diagnostic, DiagnosticCode, Finding, FindingStatus, Mute, SourceLocation};

use crate::policy::{KeyNames, MuteTarget, PolicyMute, ValidPolicy};

/// Applies mutes to findings as they are made, counting what each matched.
pub(crate) struct Mutes<'a> {
    policy: &'a ValidPolicy,
    /// The mutes of a key (`key = "…"`), by the key they name.
    by_key: KeyNames,
    /// The mutes of a finding (`finding = "…"`), by its id in lower case.
    by_finding: HashMap<String, Vec<u32>>,
    today: NaiveDate,
    /// Findings each mute matched, by position in the policy.
    hits: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Mutes<'a> {
    pub(crate) fn new(policy: &'a ValidPolicy, as_of: DateTime<Utc>) -> Self {
        let by_key = KeyNames::of_entries(policy.mutes.iter().map(|m| match &m.target {
            MuteTarget::Key(key) => Some(key.as_str()),
            MuteTarget::Finding(_) => None,
        }));
        let mut by_finding: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, mute) in policy.mutes.iter().enumerate() {
            if let MuteTarget::Finding(id) = &mute.target {
                by_finding
                    .entry(id.trim().to_ascii_lowercase())
                    .or_default()
                    .push(i as u32);
            }
        }
        Self {
            policy,
            by_key,
            by_finding,
            today: as_of.date_naive(),
            hits: vec![0; policy.mutes.len()],
            diagnostics: Vec::new(),
        }
    }

    /// Mutes the findings that a mute in force names; notes expired mutes.
    pub(crate) fn apply(&mut self, findings: &mut [Finding]) {
        for finding in findings {
            self.apply_one(finding);
        }
    }

    fn apply_one(&mut self, finding: &mut Finding) {
        let matching = self.matching(finding);
        for &i in &matching {
            self.hits[i] += 1;
        }
        let mutes: Vec<&PolicyMute> = matching.iter().map(|&i| &self.policy.mutes[i]).collect();
        if mutes.len() > 1 {
            self.diagnostics.push(self.duplicate(finding, &matching));
        }
        if let Some(mute) = mutes.iter().find(|m| !m.is_expired_on(self.today)) {
            finding.status = FindingStatus::Muted;
            finding.mute = Some(model_mute(mute));
            return;
        }
        // Every matching mute has expired: report the one that expired last.
        let Some(expired) = mutes.iter().rev().max_by_key(|m| m.expires) else {
            return;
        };
        if let Some(expires) = expired.expires {
            finding.message.push_str(&format!(
                " The mute for this finding (\"{}\") expired on {expires}.",
                expired.reason
            ));
        }
        finding.evidence.expired_mute = Some(model_mute(expired));
    }

    /// The positions of the mutes that [`PolicyMute::matches`] this finding,
    /// ascending: found by key and by id, then checked for the rule.
    fn matching(&self, finding: &Finding) -> Vec<usize> {
        let key = &finding.key;
        let by_key = self.by_key.naming(&key.name, key.fingerprint.as_ref());
        let by_finding = self
            .by_finding
            .get(&finding.id.to_ascii_lowercase())
            .into_iter()
            .flatten();
        let mut matching: Vec<usize> = by_key
            .iter()
            .chain(by_finding)
            .map(|&i| i as usize)
            .filter(|&i| self.policy.mutes[i].rule == finding.rule)
            .collect();
        matching.sort_unstable();
        matching
    }

    fn duplicate(&self, finding: &Finding, matching: &[usize]) -> Diagnostic {
        let lines: Option<Vec<String>> = matching
            .iter()
            .map(|&i| self.policy.mutes[i].line.get().map(|line| line.to_string()))
            .collect();
        let places = match lines {
            Some(lines) => format!("lines {}", join_and(&lines)),
            None => {
                let entries: Vec<String> = matching.iter().map(|i| (i + 1).to_string()).collect();
                format!("entries {}", join_and(&entries))
            }
        };
        let both = if matching.len() == 2 { "both" } else { "all" };
        let key = if finding.key.name.trim().is_empty() {
            match &finding.key.fingerprint {
                Some(fp) => format!("key {}", fp.masked()),
                None => format!("key id {}", finding.key.id),
            }
        } else {
            format!("key \"{}\"", finding.key.name.trim())
        };
        Diagnostic::warning(
            DiagnosticCode::DuplicateMute,
            format!(
                "The mutes at {places} {both} match finding {} ({key}); the first one that has \
                 not expired applies",
                finding.id,
            ),
            self.location(matching[matching.len() - 1]),
        )
    }

    /// The warnings: duplicate mutes (as found) and mutes that matched nothing.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        for (i, mute) in self.policy.mutes.iter().enumerate() {
            if self.hits[i] > 0 {
                continue;
            }
            let mut message = format!(
                "Mute of {} for {} matches no finding",
                mute.rule, mute.target
            );
            if let MuteTarget::Finding(id) = &mute.target {
                let prefix = format!("{}:", mute.rule);
                if !id.starts_with(&prefix) {
                    message.push_str(&format!(
                        " (the ids of {} findings start with \"{prefix}\")",
                        mute.rule
                    ));
                }
            }
            self.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::MuteMatchesNothing,
                message,
                self.location(i),
            ));
        }
        self.diagnostics
    }

    fn location(&self, i: usize) -> Option<SourceLocation> {
        self.policy.source().map(|file| SourceLocation {
            file: file.to_string(),
            row: self.policy.mutes[i].line.get(),
            column: None,
        })
    }
}

fn model_mute(mute: &PolicyMute) -> Mute {
    Mute {
        reason: mute.reason.clone(),
        expires: mute.expires,
    }
}

/// `"a"`, `"a and b"`, `"a, b and c"`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
