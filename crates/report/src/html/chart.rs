//! The inline SVG charts: open findings by severity, and days since last use
//! per key against the idle thresholds (the report page); open findings by
//! severity over the runs (the history page).
//!
//! Both are drawn in a fixed `viewBox` and scale to the width of their box;
//! every label is placed so that it cannot overlap another whatever the data
//! (threshold labels each have their own line). Each chart carries a
//! `<title>` and a `<desc>` for screen readers.

use std::io::{self, Write};

use chrono::{Datelike, NaiveDate, TimeDelta};
use keyaudit_model::{
    AuditReport, ForecastEntry, History, KeyRecord, KeyRef, KeyState, RuleCode, Severity,
};

use super::{Esc, sev_class};
use crate::text::{self, terminal_safe};

/// Colours of the severities, as in the stylesheet.
fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7f1d1d",
        Severity::High => "#c81e1e",
        Severity::Medium => "#b45309",
        Severity::Low => "#0369a1",
        Severity::Info => "#4b5563",
    }
}

/// Colour of a bar below every threshold.
const OK: &str = "#64748b";
/// Light lines and tracks.
const GRID: &str = "#e3e6ea";
/// Secondary text.
const MUTED: &str = "#6b7280";
/// The bar of IT Glue's notice period on the forecast timeline.
const NOTICE: &str = "#f3c0c0";

/// Horizontal bars of open findings per severity, most severe first, each
/// labelled with its count (zero included).
pub(super) fn severity(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    const LABEL_W: u32 = 78;
    const BAR_W: u32 = 330;
    const ROW: u32 = 32;
    const WIDTH: u32 = LABEL_W + BAR_W + 48;
    let summary = &report.summary;
    let max = Severity::ALL_DESC
        .iter()
        .map(|s| text::open_count(summary, *s))
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * 5 + 4;
    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"chart-severity-title chart-severity-desc\">"
    )?;
    writeln!(
        out,
        "<title id=\"chart-severity-title\">Open findings by severity</title>"
    )?;
    writeln!(
        out,
        "<desc id=\"chart-severity-desc\">{} open: {}.</desc>",
        summary.open,
        text::severity_counts(summary)
    )?;
    for (i, severity) in Severity::ALL_DESC.into_iter().enumerate() {
        let n = text::open_count(summary, severity);
        let y = ROW * u32::try_from(i).unwrap_or(0) + 4;
        let w = scaled(n as f64, max as f64, f64::from(BAR_W));
        writeln!(
            out,
            "<g class=\"{}\"><title>{}: {n} open</title>",
            sev_class(severity),
            text::severity_title(severity)
        )?;
        writeln!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1f2933\">{}</text>",
            y + 16,
            text::severity_title(severity)
        )?;
        writeln!(
            out,
            "<rect x=\"{LABEL_W}\" y=\"{}\" width=\"{BAR_W}\" height=\"20\" rx=\"3\" fill=\"#f3f4f6\"/>",
            y + 2
        )?;
        if n > 0 {
            writeln!(
                out,
                "<rect x=\"{LABEL_W}\" y=\"{}\" width=\"{w:.1}\" height=\"20\" rx=\"3\" fill=\"{}\"/>",
                y + 2,
                colour(severity)
            )?;
        }
        writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"13\" font-weight=\"700\" fill=\"{}\">{n}</text>",
            f64::from(LABEL_W) + w + 8.0,
            y + 17,
            if n > 0 { colour(severity) } else { MUTED }
        )?;
        writeln!(out, "</g>")?;
    }
    writeln!(out, "</svg>")
}

/// The idle thresholds the chart draws, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Thresholds {
    warn: i64,
    high: i64,
    revoked: i64,
    /// Where they came from, for the caption.
    from: &'static str,
}

impl Thresholds {
    /// IT Glue revokes a key after 90 days without use (the policy's default).
    const REVOKED: i64 = 90;

    /// The policy's thresholds when the report carries them. Otherwise those
    /// that the report's `idle-key` findings crossed: with two distinct ones,
    /// the lower is the warning and the higher the high one; with one, the
    /// finding's base severity says which; the policy defaults (45 and 80
    /// days) fill in what the findings do not show.
    fn of(report: &AuditReport) -> Self {
        if let Some(policy) = &report.policy {
            let t = &policy.thresholds;
            return Self {
                warn: t.idle_warn_after_days,
                high: t.idle_high_after_days,
                revoked: t.idle_revoke_after_days,
                from: "the policy",
            };
        }
        let mut crossed: Vec<(i64, Severity)> = report
            .findings
            .iter()
            .filter(|f| f.rule == RuleCode::IdleKey)
            .filter_map(|f| f.evidence.threshold_days.map(|t| (t, f.base_severity)))
            .collect();
        crossed.sort_unstable();
        crossed.dedup_by_key(|(t, _)| *t);
        let (mut warn, mut high, mut from) = (45, 80, "the defaults");
        match crossed.as_slice() {
            [] => {}
            [_] => from = "the idle-key findings and the defaults",
            [..] => from = "the idle-key findings",
        }
        match crossed.as_slice() {
            [] => {}
            [(t, severity)] => {
                if *severity >= Severity::High {
                    high = *t;
                } else {
                    warn = *t;
                }
            }
            [(low, _), .., (top, _)] => {
                warn = *low;
                high = *top;
            }
        }
        Self {
            warn,
            high,
            revoked: Self::REVOKED,
            from,
        }
    }

    /// The colour of a bar of `days`: the severity band it falls in.
    fn colour(self, days: i64) -> &'static str {
        if days >= self.revoked {
            colour(Severity::Critical)
        } else if days >= self.high {
            colour(Severity::High)
        } else if days >= self.warn {
            colour(Severity::Medium)
        } else {
            OK
        }
    }
}

/// Days since last use per key: one bar per key with a last use (longest
/// first), vertical lines at the warning, high and revocation thresholds, and
/// below the axis the keys with no last use ("never used" or "no usage
/// evidence").
pub(super) fn idle(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    const WIDTH: f64 = 1000.0;
    const X0: f64 = 260.0;
    const PLOT_W: f64 = 640.0;
    const LABEL_ROW: f64 = 16.0;
    const TOP: f64 = 3.0 * LABEL_ROW + 12.0;
    const ROW: f64 = 40.0;

    let thresholds = Thresholds::of(report);
    let mut used: Vec<(&KeyRecord, i64)> = report
        .keys
        .iter()
        .filter(|k| k.last_used_at.is_some())
        .filter_map(|k| k.days_idle.map(|d| (k, d.max(0))))
        .collect();
    used.sort_by_key(|(_, days)| std::cmp::Reverse(*days));
    let unused: Vec<&KeyRecord> = report
        .keys
        .iter()
        .filter(|k| k.last_used_at.is_none() || k.days_idle.is_none())
        .collect();

    writeln!(out, "<figure>")?;
    writeln!(
        out,
        "<figcaption>Days since last use<span class=\"note\">Lines: warning at {} days and high at {} days (idle-key rule), revocation by IT Glue at {} days without use; thresholds from {}.</span></figcaption>",
        thresholds.warn, thresholds.high, thresholds.revoked, thresholds.from
    )?;
    if report.keys.is_empty() {
        writeln!(out, "<p class=\"empty\">No keys.</p>")?;
        return writeln!(out, "</figure>");
    }

    let longest = used.first().map_or(0, |(_, d)| *d);
    let (scale, step) = axis(longest.max(thresholds.revoked + 30));
    let x = |days: i64| X0 + scaled(days as f64, scale as f64, PLOT_W);
    let axis_y = TOP + ROW * used.len() as f64 + 6.0;
    let unused_top = axis_y + 58.0;
    let height = if unused.is_empty() {
        axis_y + 40.0
    } else {
        unused_top + ROW * unused.len() as f64 + 4.0
    };

    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"chart-idle-title chart-idle-desc\">"
    )?;
    writeln!(
        out,
        "<title id=\"chart-idle-title\">Days since last use per key</title>"
    )?;
    writeln!(
        out,
        "<desc id=\"chart-idle-desc\">{} keys with a last use, longest idle first; {} keys without one. Thresholds: warn {} days, high {} days, revoked {} days.</desc>",
        used.len(),
        unused.len(),
        thresholds.warn,
        thresholds.high,
        thresholds.revoked
    )?;

    // Grid and axis.
    let mut tick = 0;
    while tick <= scale {
        let tx = x(tick);
        writeln!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{axis_y}\" stroke=\"{GRID}\" stroke-width=\"1\"/>"
        )?;
        writeln!(
            out,
            "<text x=\"{tx:.1}\" y=\"{}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"middle\">{tick}</text>",
            axis_y + 16.0
        )?;
        tick += step;
    }
    writeln!(
        out,
        "<line x1=\"{X0}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#9aa3ae\" stroke-width=\"1\"/>",
        X0 + PLOT_W
    )?;
    writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"middle\">days since last use</text>",
        X0 + PLOT_W / 2.0,
        axis_y + 33.0
    )?;

    // Thresholds, under the bars and their labels; each label on its own line.
    for (row, (label, days, severity)) in [
        ("warn", thresholds.warn, Severity::Medium),
        ("high", thresholds.high, Severity::High),
        ("revoked", thresholds.revoked, Severity::Critical),
    ]
    .into_iter()
    .enumerate()
    {
        let label_y = LABEL_ROW * (row as f64 + 1.0);
        let tx = x(days);
        writeln!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{axis_y}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
            label_y - 11.0,
            colour(severity)
        )?;
        writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{label_y}\" font-size=\"12\" font-weight=\"600\" fill=\"{}\">{label} {days}</text>",
            tx + 5.0,
            colour(severity)
        )?;
    }

    // Bars.
    if used.is_empty() {
        writeln!(
            out,
            "<text x=\"{X0}\" y=\"{}\" font-size=\"13\" fill=\"{MUTED}\" font-style=\"italic\">No key has a last use.</text>",
            TOP + 14.0
        )?;
    }
    for (i, (key, days)) in used.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let last = text::LastUsed::of_key(key).human();
        writeln!(
            out,
            "<g><title>{}: {} since last use ({last})</title>",
            Esc(text::display_name(&key.name)),
            text::days_text(*days)
        )?;
        key_label(out, key, y)?;
        let w = x(*days) - X0;
        writeln!(
            out,
            "<rect x=\"{X0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"18\" rx=\"2\" fill=\"{}\"/>",
            y + 10.0,
            w.max(1.5),
            thresholds.colour(*days)
        )?;
        writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12.5\" font-weight=\"600\" fill=\"#1f2933\" stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
            X0 + w.max(1.5) + 6.0,
            y + 24.0,
            text::days_text(*days)
        )?;
        writeln!(out, "</g>")?;
    }

    // Keys with no last use.
    if !unused.is_empty() {
        writeln!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"12\" font-weight=\"700\" fill=\"{MUTED}\" letter-spacing=\"0.6\">NO LAST USE</text>",
            unused_top - 8.0
        )?;
        writeln!(
            out,
            "<line x1=\"0\" y1=\"{}\" x2=\"{WIDTH}\" y2=\"{}\" stroke=\"{GRID}\" stroke-width=\"1\"/>",
            unused_top - 2.0,
            unused_top - 2.0
        )?;
    }
    for (i, key) in unused.iter().enumerate() {
        let y = unused_top + ROW * i as f64;
        let status = if let Some(at) = key.last_used_at {
            format!("last used {}, days idle unknown", text::day_of(at))
        } else if key.never_used {
            match key.created_at {
                Some(created) => format!("never used (created {})", text::day_of(created)),
                None => "never used".to_owned(),
            }
        } else {
            "no usage evidence".to_owned()
        };
        writeln!(
            out,
            "<g><title>{}: {status}</title>",
            Esc(text::display_name(&key.name))
        )?;
        key_label(out, key, y)?;
        writeln!(
            out,
            "<text x=\"{X0}\" y=\"{:.1}\" font-size=\"13\" font-style=\"italic\" fill=\"{MUTED}\">{status}</text>",
            y + 23.0
        )?;
        writeln!(out, "</g>")?;
    }
    writeln!(out, "</svg>")?;
    writeln!(out, "</figure>")
}

/// A key's name (shortened to fit) over its short fingerprint, account and
/// state, at the left of a chart row.
fn key_label(out: &mut impl Write, key: &KeyRecord, y: f64) -> io::Result<()> {
    let key_ref = KeyRef {
        id: key.id.clone(),
        name: key.name.clone(),
        fingerprint: key.fingerprint.clone(),
        account: key.account.clone(),
    };
    row_label(out, &key_ref, key.state, y)
}

/// [`key_label`] of a key known by its reference and state.
fn row_label(out: &mut impl Write, key: &KeyRef, state: KeyState, y: f64) -> io::Result<()> {
    const NAME_CHARS: usize = 30;
    let name = terminal_safe(text::display_name(&key.name));
    let name = if name.chars().count() > NAME_CHARS {
        let mut short: String = name.chars().take(NAME_CHARS - 1).collect();
        short.push('…');
        short
    } else {
        name.into_owned()
    };
    writeln!(
        out,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2933\">{}</text>",
        y + 18.0,
        Esc(&name)
    )?;
    let mut sub = Vec::new();
    if let Some(fp) = &key.fingerprint {
        sub.push(text::short_fingerprint(fp));
    }
    if let Some(account) = &key.account {
        sub.push(account.clone());
    }
    if state != KeyState::Active {
        sub.push(state.as_str().to_owned());
    }
    let mut sub = sub.join(" · ");
    if sub.chars().count() > NAME_CHARS + 6 {
        sub = sub.chars().take(NAME_CHARS + 5).collect();
        sub.push('…');
    }
    writeln!(
        out,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"11\" fill=\"{MUTED}\">{}</text>",
        y + 33.0,
        Esc(&sub)
    )
}

/// Days the forecast timeline covers, from the as-of date.
pub(super) const TIMELINE_DAYS: i64 = 90;

/// The coming revocations: a timeline of the next [`TIMELINE_DAYS`] days
/// from the as-of date with, per key whose warning or revocation falls in
/// it (or is already past), a bar over IT Glue's notice period from the
/// warning day (round dot) to the revocation day (square), soonest first.
/// Keys revoked later and keys without usage evidence are counted below.
pub(super) fn forecast(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    const WIDTH: f64 = 1000.0;
    const X0: f64 = 260.0;
    const PLOT_W: f64 = 640.0;
    const TOP: f64 = 22.0;
    const ROW: f64 = 40.0;

    let today = report.as_of.date_naive();
    let end = today + TimeDelta::days(TIMELINE_DAYS);
    let (shown, later): (Vec<&ForecastEntry>, Vec<&ForecastEntry>) = report
        .forecast
        .iter()
        .filter(|e| e.revoked_on.is_some())
        .partition(|e| e.warning_on.is_some_and(|w| w <= end));
    let undated = report.forecast.len() - shown.len() - later.len();
    let x = |day: NaiveDate| {
        let days = day.signed_duration_since(today).num_days();
        X0 + scaled(days as f64, TIMELINE_DAYS as f64, PLOT_W)
    };
    let axis_y = TOP + ROW * shown.len().max(1) as f64 + 6.0;
    let height = axis_y + 62.0;

    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"chart-forecast-title chart-forecast-desc\">"
    )?;
    writeln!(
        out,
        "<title id=\"chart-forecast-title\">Revocations in the next {TIMELINE_DAYS} days</title>"
    )?;
    writeln!(
        out,
        "<desc id=\"chart-forecast-desc\">{} keys warned about or revoked by {}; {} later; {} without usage evidence.</desc>",
        shown.len(),
        text::date(end),
        later.len(),
        undated
    )?;

    // Grid: a line every 15 days, labelled with its date; today in bold.
    for offset in (0..=TIMELINE_DAYS).step_by(15) {
        let day = today + TimeDelta::days(offset);
        let tx = x(day);
        let (stroke, weight) = if offset == 0 {
            ("#9aa3ae", "700")
        } else {
            (GRID, "400")
        };
        writeln!(
            out,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{axis_y}\" stroke=\"{stroke}\" stroke-width=\"1\"/>"
        )?;
        writeln!(
            out,
            "<text x=\"{tx:.1}\" y=\"{}\" font-size=\"12\" font-weight=\"{weight}\" fill=\"{MUTED}\" text-anchor=\"middle\">{}</text>",
            axis_y + 16.0,
            short_day(day)
        )?;
    }
    writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"middle\">from {} (as of) to {}</text>",
        X0 + PLOT_W / 2.0,
        axis_y + 33.0,
        text::date(today),
        text::date(end)
    )?;
    writeln!(
        out,
        "<text x=\"0\" y=\"{}\" font-size=\"12\" fill=\"{MUTED}\">{} revoked later · {} without usage evidence</text>",
        axis_y + 54.0,
        later.len(),
        undated
    )?;
    if shown.is_empty() {
        writeln!(
            out,
            "<text x=\"{X0}\" y=\"{}\" font-size=\"13\" fill=\"{MUTED}\" font-style=\"italic\">No key is warned about or revoked in the next {TIMELINE_DAYS} days.</text>",
            TOP + 24.0
        )?;
    }
    for (i, entry) in shown.iter().enumerate() {
        let (Some(warning), Some(revoked)) = (entry.warning_on, entry.revoked_on) else {
            continue;
        };
        let y = TOP + ROW * i as f64;
        let mid = y + 19.0;
        writeln!(
            out,
            "<g><title>{}: IT Glue warns on {} and revokes on {} ({}; {})</title>",
            Esc(&text::key_label(&entry.key)),
            text::date(warning),
            text::date(revoked),
            text::due(entry.days_left),
            text::forecast_basis(entry.basis)
        )?;
        row_label(out, &entry.key, entry.state, y)?;
        let (wx, rx) = (x(warning), x(revoked));
        writeln!(
            out,
            "<rect x=\"{wx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" rx=\"3\" fill=\"{NOTICE}\"/>",
            mid - 3.0,
            (rx - wx).max(0.0)
        )?;
        if warning >= today {
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" rx=\"5\" fill=\"{}\"/>",
                wx - 5.0,
                mid - 5.0,
                colour(Severity::Medium)
            )?;
        }
        if revoked >= today && revoked <= end {
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>",
                rx - 6.0,
                mid - 6.0,
                colour(Severity::Critical)
            )?;
        }
        let label = if revoked < today {
            format!(
                "{} · {}: already revoked?",
                text::date(revoked),
                text::due(entry.days_left)
            )
        } else {
            format!("{} · {}", text::date(revoked), text::due(entry.days_left))
        };
        let (lx, anchor) = if rx > X0 + PLOT_W - 150.0 {
            (wx.min(rx) - 10.0, "end")
        } else {
            (rx + 12.0, "start")
        };
        writeln!(
            out,
            "<text x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"12.5\" font-weight=\"600\" fill=\"#1f2933\" text-anchor=\"{anchor}\" stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">{label}</text>",
            mid + 4.0
        )?;
        writeln!(out, "</g>")?;
    }
    writeln!(out, "</svg>")
}

/// `Dec 6`: a day on the timeline's axis.
fn short_day(day: NaiveDate) -> String {
    format!("{} {}", day.format("%b"), day.day())
}

/// Open findings by severity over the runs, as stacked areas (critical at
/// the bottom) under a line of the total, oldest run at the left; the runs
/// are evenly spaced and each is labelled with its date (every few when there
/// are many). A single run is drawn as one stacked bar. Each point carries a
/// `<title>` with the run's counts.
pub(super) fn trend(history: &History, out: &mut impl Write) -> io::Result<()> {
    const WIDTH: f64 = 1000.0;
    const X0: f64 = 56.0;
    const PLOT_W: f64 = 888.0;
    const TOP: f64 = 44.0;
    const PLOT_H: f64 = 220.0;
    const LABELS: usize = 10;
    let runs = &history.runs;
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
        return writeln!(out, "<p class=\"empty\">No reports.</p>");
    };
    let n = runs.len();
    let highest = runs.iter().map(|r| r.open).max().unwrap_or(0);
    let (scale, step) = count_axis(highest);
    let height = TOP + PLOT_H + 34.0;
    let x = |i: usize| {
        if n == 1 {
            X0 + PLOT_W / 2.0
        } else {
            X0 + PLOT_W * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: usize| TOP + PLOT_H - scaled(v as f64, scale as f64, PLOT_H);

    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"chart-trend-title chart-trend-desc\">"
    )?;
    writeln!(
        out,
        "<title id=\"chart-trend-title\">Open findings by severity per run</title>"
    )?;
    writeln!(
        out,
        "<desc id=\"chart-trend-desc\">{n} {} from {} to {}; first {} open, latest {} open, highest {highest}.</desc>",
        if n == 1 { "run" } else { "runs" },
        text::as_of(first.as_of),
        text::as_of(last.as_of),
        first.open,
        last.open,
    )?;

    // Legend, most severe first.
    for (i, severity) in Severity::ALL_DESC.into_iter().enumerate() {
        let lx = X0 + 110.0 * i as f64;
        writeln!(
            out,
            "<rect x=\"{lx}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>",
            colour(severity)
        )?;
        writeln!(
            out,
            "<text x=\"{}\" y=\"16\" font-size=\"12\" fill=\"#1f2933\">{}</text>",
            lx + 17.0,
            text::severity_title(severity)
        )?;
    }

    // Grid and count axis.
    let mut tick = 0;
    while tick <= scale {
        let ty = y(tick);
        writeln!(
            out,
            "<line x1=\"{X0}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\" stroke=\"{GRID}\" stroke-width=\"1\"/>",
            X0 + PLOT_W
        )?;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"end\">{tick}</text>",
            X0 - 10.0,
            ty + 4.0
        )?;
        tick += step;
    }

    // Stacked layers, critical at the bottom.
    let stacked = |i: usize, upto: usize| -> usize {
        Severity::ALL_DESC[..upto]
            .iter()
            .map(|s| runs[i].open_of(*s))
            .sum()
    };
    for (layer, severity) in Severity::ALL_DESC.into_iter().enumerate() {
        if runs.iter().all(|r| r.open_of(severity) == 0) {
            continue;
        }
        if n == 1 {
            let (low, high) = (stacked(0, layer), stacked(0, layer + 1));
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"48\" height=\"{:.1}\" fill=\"{}\"/>",
                x(0) - 24.0,
                y(high),
                y(low) - y(high),
                colour(severity)
            )?;
            continue;
        }
        let upper = (0..n).map(|i| format!("{:.1},{:.1}", x(i), y(stacked(i, layer + 1))));
        let lower = (0..n)
            .rev()
            .map(|i| format!("{:.1},{:.1}", x(i), y(stacked(i, layer))));
        writeln!(
            out,
            "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.85\"/>",
            upper.chain(lower).collect::<Vec<_>>().join(" "),
            colour(severity)
        )?;
    }

    // The total, its points, and the run labels.
    writeln!(
        out,
        "<line x1=\"{X0}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#9aa3ae\" stroke-width=\"1\"/>",
        y(0),
        X0 + PLOT_W
    )?;
    if n > 1 {
        let points: Vec<String> = (0..n)
            .map(|i| format!("{:.1},{:.1}", x(i), y(runs[i].open)))
            .collect();
        writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f2933\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            points.join(" ")
        )?;
    }
    let every = n.div_ceil(LABELS).max(1);
    for (i, run) in runs.iter().enumerate() {
        writeln!(
            out,
            "<g><title>{}: {}</title>",
            text::as_of(run.as_of),
            text::run_counts(run)
        )?;
        writeln!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#ffffff\" stroke=\"#1f2933\" stroke-width=\"2\"/>",
            x(i),
            y(run.open)
        )?;
        writeln!(out, "</g>")?;
        let labelled = i + 1 == n || (i % every == 0 && n - 1 - i >= every);
        if labelled {
            writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{MUTED}\" text-anchor=\"middle\">{}</text>",
                x(i),
                TOP + PLOT_H + 20.0,
                text::day_of(run.as_of)
            )?;
        }
    }
    writeln!(out, "</svg>")
}

/// The end of a count axis and its tick step: a step of 1, 2 or 5 times a
/// power of ten giving at most 5 steps, the end a whole number of steps at
/// or past `count` (at least one step).
fn count_axis(count: usize) -> (usize, usize) {
    let mut base = 1;
    loop {
        for step in [base, 2 * base, 5 * base] {
            if count <= step * 5 {
                return (count.div_ceil(step).max(1) * step, step);
            }
        }
        base *= 10;
    }
}

/// `value / max` of `length`; 0 when `max` is not positive.
fn scaled(value: f64, max: f64, length: f64) -> f64 {
    if max <= 0.0 {
        0.0
    } else {
        (value / max * length).clamp(0.0, length)
    }
}

/// The end of the days axis and its tick step: ticks every 30 days (or a
/// multiple, so that there are at most 8), the end a whole number of steps at
/// or past `days`.
fn axis(days: i64) -> (i64, i64) {
    let mut step = 30;
    while days > step * 8 {
        step *= 2;
    }
    let end = ((days + step - 1) / step).max(1) * step;
    (end, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_on_a_step_past_the_data() {
        assert_eq!(axis(120), (120, 30));
        assert_eq!(axis(207), (210, 30));
        assert_eq!(axis(241), (300, 60));
        assert_eq!(axis(5000), (5760, 960));
        assert_eq!(axis(0), (30, 30));
    }

    #[test]
    fn count_axis_has_at_most_five_round_steps() {
        assert_eq!(count_axis(0), (1, 1));
        assert_eq!(count_axis(3), (3, 1));
        assert_eq!(count_axis(5), (5, 1));
        assert_eq!(count_axis(6), (6, 2));
        assert_eq!(count_axis(11), (15, 5));
        assert_eq!(count_axis(26), (30, 10));
        assert_eq!(count_axis(480), (500, 100));
    }

    #[test]
    fn scaling_is_bounded() {
        assert_eq!(scaled(5.0, 10.0, 100.0), 50.0);
        assert_eq!(scaled(20.0, 10.0, 100.0), 100.0);
        assert_eq!(scaled(-1.0, 10.0, 100.0), 0.0);
        assert_eq!(scaled(1.0, 0.0, 100.0), 0.0);
    }
}
