//! Applying the policy's `[[mute]]` entries to findings, and the warnings
//! about mutes that match nothing or match a finding twice.
//!
//! A mute in force (no expiry, or the as-of date before its expiry) turns
//! the finding `muted` and records its reason and expiry. On and after the
//! expiry the finding stays open and says the mute expired. When several
//! mutes match one finding, the first in policy order that has not expired
//! applies (else the one that expired last is reported), and a warning
//! names them all.

use chrono::{DateTime, NaiveDate, Utc};
use keyaudit_model::{Diagnostic, Finding, FindingStatus, Mute, SourceLocation};

use crate::policy::{MuteTarget, PolicyMute, ValidPolicy};

/// Applies mutes to findings as they are made, counting what each matched.
pub(crate) struct Mutes<'a> {
    policy: &'a ValidPolicy,
    today: NaiveDate,
    /// Findings each mute matched, by position in the policy.
    hits: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Mutes<'a> {
    pub(crate) fn new(policy: &'a ValidPolicy, as_of: DateTime<Utc>) -> Self {
        Self {
            policy,
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
        let matching: Vec<usize> = (0..self.policy.mutes.len())
            .filter(|&i| self.policy.mutes[i].matches(finding))
            .collect();
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
            self.diagnostics
                .push(Diagnostic::warning(message, self.location(i)));
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
