//! The HTML report's charts, as inline SVG: the trend over time, the score distribution, the
//! mean score per line with its n, and the heat map of item rates. Colours come from one graded
//! scale (red, through yellow, to blue: readable by most colour-blind readers), so a 2% pass
//! rate does not paint everything the same red: a 45 and a 65 look different.

use super::{ItemInfo, Report, Row, TrendPoint, by_week, fmt1};
use crate::audit::fmt_num;
use crate::rubric::Kind;
use crate::sanitize::html_text;
use std::fmt::Write as _;

/// Stops of the graded scale, from bad (0) to good (1): ColorBrewer's RdYlBu.
const STOPS: [(u8, u8, u8); 7] = [
    (0xd7, 0x30, 0x27),
    (0xfc, 0x8d, 0x59),
    (0xfe, 0xe0, 0x90),
    (0xff, 0xff, 0xbf),
    (0xe0, 0xf3, 0xf8),
    (0x91, 0xbf, 0xdb),
    (0x45, 0x75, 0xb4),
];

/// The colour of `good` (0 bad … 1 good) on the graded scale.
pub fn grade(good: f64) -> String {
    let t = if good.is_finite() {
        good.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Dark text on light grades, white on the dark ends.
pub fn ink_on(good: f64) -> &'static str {
    if !(0.12..=0.88).contains(&good) {
        "#fff"
    } else {
        "#1d2330"
    }
}

/// The legend of the graded scale: a gradient from `bad` to `good`.
pub fn scale_legend(h: &mut String, bad: &str, good: &str) {
    let stops: String = (0..STOPS.len())
        .map(|i| grade(i as f64 / (STOPS.len() - 1) as f64))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        h,
        r#"<span class="scale"><span>{bad}</span><span class="ramp" style="background: linear-gradient(90deg, {stops})"></span><span>{good}</span></span>"#
    );
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// Room for a line's label left of the per-line charts, in pixels: their label column (190)
/// less the gap before the bars (8) and a margin (6). Labels end there (`text-anchor="end"`),
/// so a longer one would lose its start off the chart's left edge.
const LABEL_ROOM_PX: f64 = 176.0;

/// A character's advance in the charts' 12-pixel sans-serif, estimated on the wide side (no
/// font is at hand to measure): wide (CJK, full-width) characters take a full em, capitals and
/// the widest letters more than the rest.
fn char_px(c: char) -> f64 {
    use unicode_width::UnicodeWidthChar;
    match c.width().unwrap_or(0) {
        0 => 0.0,
        2 => 12.5,
        _ if matches!(c, 'M' | 'W' | 'm' | 'w' | '@' | '%' | '—') => 12.0,
        _ if c.is_uppercase() => 9.0,
        _ if c.is_whitespace() || c.is_ascii_punctuation() => 5.0,
        _ => 6.8,
    }
}

/// `s`'s estimated width in pixels (`char_px`), bold a little wider.
fn label_px(s: &str, bold: bool) -> f64 {
    let px: f64 = s.chars().map(char_px).sum();
    if bold { px * 1.08 } else { px }
}

/// `s` cut by its estimated display width to fit `room` pixels, `…` where it was cut: a
/// Latin name keeps about 25 characters, a CJK one about 13, and the start is always shown.
fn fit_label(s: &str, room: f64, bold: bool) -> String {
    if label_px(s, bold) <= room {
        return s.to_string();
    }
    let ellipsis = label_px("…", bold).max(12.0);
    let mut used = 0.0;
    let mut out = String::new();
    for c in s.chars() {
        let w = label_px(c.encode_utf8(&mut [0; 4]), bold);
        if used + w + ellipsis > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out + "…"
}

/// A period as an axis label: `11-16` for a day, `W47` for a week (the year is in the title).
fn short_period(p: &str) -> &str {
    match p.split_once("-W") {
        Some((_, week)) if p.len() == 8 => &p[p.len() - week.len() - 1..],
        _ if p.len() == 10 => &p[5..],
        _ => p,
    }
}

/// Lines a chart draws at most; the table has them all.
pub const CHART_LINES: usize = 40;

/// The lines the per-line charts draw (the overall line last), and how they were chosen.
struct ChartLines<'r> {
    rows: Vec<&'r Row>,
    /// The report's deepest lines (subtotals left out).
    of: usize,
    /// Whether the lines are the weakest `CHART_LINES` (the report has more), not all of them.
    weakest: bool,
}

/// Every line in the table's order when there are at most `CHART_LINES` deepest lines (their
/// subtotals with them); otherwise the `CHART_LINES` weakest deepest lines by mean score
/// (subtotals left out), weakest first, ties in the table's order, whatever `--sort` says: the
/// charts drew the table's first lines, so a report sorted by name left its weakest agents out
/// of them (tester t17's F14). Subtotals do not count towards the limit: 35 agents in 8 teams
/// are all drawn (reviewer r25).
fn chart_rows(report: &Report) -> ChartLines<'_> {
    let deepest = report.levels.len();
    let of = report
        .rows
        .iter()
        .filter(|r| r.levels.len() == deepest)
        .count();
    let weakest = of > CHART_LINES;
    let mut rows: Vec<&Row> = if weakest {
        let mut leaves: Vec<&Row> = report
            .rows
            .iter()
            .filter(|r| r.levels.len() == deepest)
            .collect();
        // Stable: ties keep the table's order.
        leaves.sort_by(|a, b| match (a.mean_score, b.mean_score) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (x, y) => y.is_some().cmp(&x.is_some()),
        });
        leaves.truncate(CHART_LINES);
        leaves
    } else {
        report.rows.iter().collect()
    };
    rows.push(&report.overall);
    ChartLines { rows, of, weakest }
}

impl ChartLines<'_> {
    /// A line's name in the chart: its key, or with the lines chosen out of nesting order its
    /// path (`billing / ann`), as no subtotal stands above it.
    fn label(&self, row: &Row) -> String {
        if self.weakest && row.levels.len() > 1 {
            row.levels.join(" / ")
        } else {
            row.key.clone()
        }
    }

    /// How far a line's label is indented: by its depth, in the table's order only.
    fn depth(&self, row: &Row) -> usize {
        if self.weakest { 0 } else { row.depth() }
    }

    /// The caption's note on which lines are drawn; nothing when they all are.
    fn note(&self, h: &mut String) {
        if self.weakest {
            let _ = write!(
                h,
                r#" Of the report's {} lines, the {} weakest by mean score are drawn, weakest first{}, whatever the table's order; the table below has them all."#,
                self.of,
                self.rows.len() - 1,
                if self.rows.iter().any(|r| r.levels.len() > 1) {
                    " (lines, not subtotals)"
                } else {
                    ""
                }
            );
        }
    }
}

/// The trend chart's frame: the periods along x, the score (0–100) up y.
struct TrendPlot<'p> {
    periods: Vec<&'p str>,
    w: f64,
    hgt: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl TrendPlot<'_> {
    fn x(&self, p: &str) -> f64 {
        let plot_w = self.w - self.left - self.right;
        let i = self.periods.iter().position(|q| *q == p).unwrap_or(0);
        if self.periods.len() == 1 {
            self.left + plot_w / 2.0
        } else {
            self.left + plot_w * i as f64 / (self.periods.len() - 1) as f64
        }
    }

    fn y(&self, v: f64) -> f64 {
        let plot_h = self.hgt - self.top - self.bottom;
        self.top + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0)
    }
}

/// Why there is no trend: no call audited (with a date filter alone, none in the window
/// asked for, with how many were dated before and after it; with other filters, how many each
/// left out), or no audited call dated.
fn no_trend(report: &Report) -> String {
    let a = &report.accounting;
    if a.calls_audited > 0 {
        return "No call has a date".to_string();
    }
    let filters = &report.run.filters;
    if filters.is_empty() {
        return "No call was audited".to_string();
    }
    let only_dates = filters
        .iter()
        .all(|f| f.agents.is_empty() && f.teams.is_empty() && f.as_text.is_none());
    let outside = a.filtered.outside_window();
    if only_dates {
        let windows: Vec<String> = filters
            .iter()
            .flat_map(|f| f.dates.iter().map(|w| w.text()))
            .collect();
        let mut why = format!(
            "No call in the date window asked for ({})",
            windows.join(", ")
        );
        if !outside.is_empty() {
            why.push_str(&format!(": {outside}"));
        }
        return why;
    }
    let mut why = format!(
        "No call matched the filters ({})",
        crate::report::filters::text(filters)
    );
    if a.calls_filtered_out > 0 {
        why.push_str(&format!(
            ": {} call(s) filtered out{}",
            a.calls_filtered_out,
            a.filtered.describe()
        ));
    }
    why
}

/// The trend: mean score, pass rate and calls with a violation per day (per ISO week when
/// the calls span more than nine weeks), and with a baseline its mean score too.
pub fn trend(report: &Report, h: &mut String) {
    h.push_str(r#"<section id="trend" class="half">"#);
    if report.trend.is_empty() && report.baseline_trend.is_empty() {
        let _ = write!(
            h,
            r#"<h2>Trend</h2><p class="legend">{}: there is no trend to draw.</p></section>"#,
            html_text(&no_trend(report))
        );
        return;
    }
    let weekly = spans_more_than_nine_weeks(report.trend.iter().chain(&report.baseline_trend));
    let (now, before) = if weekly {
        (by_week(&report.trend), by_week(&report.baseline_trend))
    } else {
        (report.trend.clone(), report.baseline_trend.clone())
    };
    let mut periods: Vec<&str> = now
        .iter()
        .chain(&before)
        .map(|p| p.period.as_str())
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let _ = write!(
        h,
        "<h2>Trend, {} to {}</h2>",
        html_text(periods.first().copied().unwrap_or_default()),
        html_text(periods.last().copied().unwrap_or_default())
    );
    let plot = TrendPlot {
        periods,
        w: 600.0,
        hgt: 260.0,
        left: 64.0,
        right: 12.0,
        top: 12.0,
        bottom: 46.0,
    };
    let _ = write!(
        h,
        r#"<svg role="img" aria-label="Trend by {unit}" viewBox="0 0 {w} {hgt}" width="100%" preserveAspectRatio="xMinYMin meet">"#,
        unit = if weekly { "week" } else { "day" },
        w = plot.w,
        hgt = plot.hgt,
    );
    trend_axes(&plot, report.pass_mark, h);
    trend_series(&plot, &now, &before, h);
    h.push_str("</svg>");
    trend_legend(report, weekly, !before.is_empty(), h);
}

/// Whether the trend is drawn per ISO week: when its points (this run's and the baseline's)
/// span more than nine weeks, first day to last, both counted. It used to count the points
/// instead (tester t14's finding 2): calls once a week for 40 weeks were drawn per day, while
/// 64 days in a row were drawn per week. A point already named by its week is drawn per week.
fn spans_more_than_nine_weeks<'p>(points: impl Iterator<Item = &'p TrendPoint>) -> bool {
    let mut first: Option<chrono::NaiveDate> = None;
    let mut last: Option<chrono::NaiveDate> = None;
    for p in points {
        let Ok(day) = chrono::NaiveDate::parse_from_str(&p.period, "%Y-%m-%d") else {
            return true;
        };
        first = Some(first.map_or(day, |f| f.min(day)));
        last = Some(last.map_or(day, |l| l.max(day)));
    }
    match (first, last) {
        (Some(f), Some(l)) => (l - f).num_days() + 1 > 63,
        _ => false,
    }
}

/// The score ticks, the pass mark and the period labels.
fn trend_axes(plot: &TrendPlot<'_>, pass_mark: f64, h: &mut String) {
    let left = plot.left;
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            h,
            r##"<line x1="{left}" y1="{yy}" x2="{x2}" y2="{yy}" stroke="#e3e6ec"/><text class="muted" x="{tx}" y="{ty}" text-anchor="end">{tick}</text>"##,
            yy = plot.y(tick),
            x2 = plot.w - plot.right,
            tx = plot.left - 6.0,
            ty = plot.y(tick) + 4.0
        );
    }
    let pm = plot.y(pass_mark);
    let _ = write!(
        h,
        r##"<line x1="{left}" y1="{pm}" x2="{x2}" y2="{pm}" stroke="#c62828" stroke-dasharray="4 3"><title>pass mark {}</title></line>"##,
        fmt_num(pass_mark),
        x2 = plot.w - plot.right
    );
    // Period labels: at most about twelve, always the first and the last.
    let every = plot.periods.len().div_ceil(12).max(1);
    for (i, p) in plot.periods.iter().enumerate() {
        if i % every == 0 || i + 1 == plot.periods.len() {
            let (px, py) = (plot.x(p), plot.hgt - plot.bottom + 14.0);
            let _ = write!(
                h,
                r#"<text class="muted" x="{px:.1}" y="{py}" text-anchor="end" transform="rotate(-35 {px:.1} {py})">{}</text>"#,
                html_text(short_period(p))
            );
        }
    }
}

/// One line per series, with a point (and its n) per period.
fn trend_series(plot: &TrendPlot<'_>, now: &[TrendPoint], before: &[TrendPoint], h: &mut String) {
    type Pick = fn(&TrendPoint) -> Option<f64>;
    let series: [(&str, &str, &str, Pick, &[TrendPoint]); 4] = [
        (
            "mean score (baseline)",
            "#8a93a6",
            "5 4",
            TrendPoint::mean_score,
            before,
        ),
        ("mean score", "#3b6fd8", "", TrendPoint::mean_score, now),
        ("pass rate %", "#1a7f37", "2 3", TrendPoint::pass_rate, now),
        (
            "calls with a violation %",
            "#d9480f",
            "6 3",
            TrendPoint::violation_rate,
            now,
        ),
    ];
    for (name, colour, dash, pick, points) in series {
        let pts: Vec<(f64, f64, &TrendPoint, f64)> = points
            .iter()
            .filter_map(|p| pick(p).map(|v| (plot.x(&p.period), plot.y(v), p, v)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|(px, py, _, _)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = write!(
            h,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" points="{}"/>"#,
            path.join(" ")
        );
        for (px, py, p, v) in pts {
            let _ = write!(
                h,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="3.5" fill="{colour}"><title>{period}: {name} {v:.1} (n = {n} call(s))</title></circle>"#,
                period = html_text(&p.period),
                n = p.calls
            );
        }
    }
}

/// The key to the lines, and the unit of the periods.
fn trend_legend(report: &Report, weekly: bool, has_baseline: bool, h: &mut String) {
    h.push_str(r#"<p class="legend"><span class="key" style="border-color:#3b6fd8"></span>mean score <span class="key dotted" style="border-color:#1a7f37"></span>pass rate % <span class="key dashed" style="border-color:#d9480f"></span>calls with a violation %"#);
    if has_baseline {
        let _ = write!(
            h,
            r#" <span class="key dashed" style="border-color:#8a93a6"></span>mean score in the baseline ({})"#,
            html_text(report.baseline.as_ref().map_or("", |b| b.file.as_str()))
        );
    }
    let _ = write!(
        h,
        r#"; red dashes: the pass mark. Per {}; hover a point for its n.</p></section>"#,
        if weekly { "ISO week" } else { "day" }
    );
}

/// The score distribution: calls per 10-point bin, the pass mark as a dashed line.
pub fn distribution(report: &Report, h: &mut String) {
    let bins = &report.score_bins;
    let most = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (w, hgt, left, bottom, top) = (600.0, 260.0, 40.0, 30.0, 18.0);
    let plot_w = w - left - 12.0;
    let plot_h = hgt - top - bottom;
    let bw = plot_w / bins.len() as f64;
    let _ = write!(
        h,
        r#"<section id="distribution" class="half"><h2>Score distribution</h2><svg role="img" aria-label="Calls per score band" viewBox="0 0 {w} {hgt}" width="100%" preserveAspectRatio="xMinYMin meet">"#
    );
    for (i, &n) in bins.iter().enumerate() {
        let bh = plot_h * n as f64 / most;
        let bx = left + bw * i as f64;
        let by = top + plot_h - bh;
        let from = i * 10;
        let to = if i + 1 == bins.len() { 100 } else { from + 10 };
        let _ = write!(
            h,
            r##"<g><title>score {from}–{to}{upto}: {n} call(s)</title><rect x="{x:.1}" y="{by:.1}" width="{bw2:.1}" height="{bh:.1}" fill="{fill}"/><text x="{tx:.1}" y="{ly:.1}" text-anchor="middle">{n}</text><text class="muted" x="{tx:.1}" y="{axis}" text-anchor="middle">{from}</text></g>"##,
            upto = if to == 100 { "" } else { " (below)" },
            x = bx + 2.0,
            bw2 = bw - 4.0,
            fill = grade((from as f64 + 5.0) / 100.0),
            tx = bx + bw / 2.0,
            ly = by - 4.0,
            axis = hgt - bottom + 16.0,
        );
    }
    let px = left + plot_w * report.pass_mark.clamp(0.0, 100.0) / 100.0;
    let _ = write!(
        h,
        r##"<line x1="{px:.1}" y1="{top}" x2="{px:.1}" y2="{y2}" stroke="#c62828" stroke-dasharray="4 3"><title>pass mark {pm}</title></line></svg><p class="legend">Calls per score band (0–10, 10–20, …, 90–100) of all {n} call(s); red dashes: the pass mark ({pm}).</p></section>"##,
        y2 = top + plot_h,
        pm = fmt_num(report.pass_mark),
        n = report.overall.calls
    );
}

/// Horizontal bars of each line's mean score with its n and graded colour, the pass mark as a
/// dashed line.
pub fn score_bars(report: &Report, h: &mut String) {
    let lines = chart_rows(report);
    let rows = &lines.rows;
    let (label_w, bar_w, row_h, top) = (190.0, 620.0, 24.0, 22.0);
    let width = label_w + bar_w + 140.0;
    let height = top + row_h * rows.len() as f64 + 8.0;
    let _ = write!(
        h,
        r#"<section id="scores"><h2>Mean score by {group}, with n</h2><svg role="img" aria-label="Mean score by {group}" viewBox="0 0 {width} {height}" width="{width}" style="max-width:100%">"#,
        group = html_text(&report.key_title().to_lowercase())
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = label_w + bar_w * tick / 100.0;
        let _ = write!(
            h,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{}" stroke="#e3e6ec"/><text class="muted" x="{x}" y="14" text-anchor="middle">{tick}</text>"##,
            height - 8.0
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let score = row.mean_score.unwrap_or(0.0);
        let w = bar_w * score.clamp(0.0, 100.0) / 100.0;
        let overall = std::ptr::eq(*row, &report.overall);
        let colour = if overall {
            "#8a93a6".to_string()
        } else {
            grade(score / 100.0)
        };
        let indent = "\u{a0}\u{a0}".repeat(lines.depth(row));
        let bold = !row.leaf || overall;
        let room = LABEL_ROOM_PX - label_px(&indent, bold);
        let label = lines.label(row);
        let _ = write!(
            h,
            r##"<g><title>{key}: mean score {value} over {calls} call(s){ci}</title><text x="{lx}" y="{ty}" text-anchor="end"{bold}>{indent}{short}</text><rect x="{label_w}" y="{ry}" width="{w:.1}" height="{bh}" rx="2" fill="{colour}" stroke="#5b6475" stroke-width="0.5"/><text x="{vx:.1}" y="{ty}">{value} <tspan class="muted">n={calls}</tspan></text></g>"##,
            key = html_text(&label),
            short = html_text(&fit_label(&label, room, bold)),
            value = fmt1(row.mean_score, "–"),
            calls = row.calls,
            ci = row.pass_ci.map_or(String::new(), |(lo, hi)| format!(
                "; pass rate {} (95% interval {lo:.1}–{hi:.1})",
                fmt1(row.pass_rate, "–")
            )),
            bold = if bold { r#" font-weight="600""# } else { "" },
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 4.0,
            ry = y + 4.0,
            bh = row_h - 8.0,
            vx = label_w + w + 6.0,
        );
    }
    let px = label_w + bar_w * report.pass_mark.clamp(0.0, 100.0) / 100.0;
    let _ = write!(
        h,
        r##"<line x1="{px}" y1="{top}" x2="{px}" y2="{}" stroke="#c62828" stroke-dasharray="4 3"><title>pass mark {}</title></line></svg><p class="legend">Bars: mean score (0–100) of each line, coloured on the scale "##,
        height - 8.0,
        fmt_num(report.pass_mark),
    );
    scale_legend(h, "0", "100");
    let _ = write!(
        h,
        r#"; n: the line's calls (a score over few calls says little); red dashes: the pass mark ({}); grey: all calls."#,
        fmt_num(report.pass_mark)
    );
    lines.note(h);
    h.push_str("</p></section>");
}

/// How good an item's rate is: for expected items the rate, for violations its complement.
fn goodness(item: &ItemInfo, rate: f64) -> f64 {
    if item.kind == Kind::Violation {
        1.0 - rate / 100.0
    } else {
        rate / 100.0
    }
}

/// Every scored item's rate over all calls, with n: a bar each, coloured by how good it is,
/// the weakest of each kind first.
pub fn item_rates(report: &Report, h: &mut String) {
    h.push_str(r#"<section id="items"><h2>Items over all calls, weakest first, with n</h2><table class="items"><thead><tr><th>Item</th><th>Rate</th><th class="bar-col"></th><th>Calls</th></tr></thead><tbody>"#);
    let o = &report.overall;
    for (i, item) in super::weakest_items_first(report) {
        let r = o.items[i];
        let (bar, fill) = match r.rate() {
            Some(v) => (v, grade(goodness(item, v))),
            None => (0.0, "#eceef2".to_string()),
        };
        let _ = write!(
            h,
            r#"<tr class="{kind}"><td title="{id}">{label}</td><td>{rate}</td><td class="bar-col"><span class="hbar" style="width:{bar:.1}%;background:{fill}"></span></td><td>{occ} of {app} {what}</td></tr>"#,
            kind = item.kind.as_str(),
            id = html_text(&item.id),
            label = html_text(&item.label),
            rate = r.rate().map_or("–".into(), |v| format!("{v:.1}%")),
            occ = r.occurred,
            app = r.applicable,
            what = if item.kind == Kind::Violation {
                "calls it applied to: violated"
            } else {
                "calls it applied to: met"
            },
        );
    }
    h.push_str(r#"</tbody></table><p class="legend">Expected items first, the least met first (higher is better), then violations, the most frequent first (lower is better), so the weakest of each kind leads; at equal rates, the item that applied to more calls first; items that never applied last. Colour on the scale "#);
    scale_legend(h, "bad", "good");
    h.push_str(r#". An item applies to a call when its condition holds (empathy: an upset customer).</p></section>"#);
}

/// One cell per line and item: the share of calls where the item occurred, coloured on the
/// graded scale by how good that is (expected items: high is good; violations: high is bad).
pub fn heat_map(report: &Report, h: &mut String) {
    let items: Vec<(usize, &ItemInfo)> = report
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.kind != Kind::Signal)
        .collect();
    let lines = chart_rows(report);
    let rows = &lines.rows;
    let (label_w, cell_w, cell_h, head_h) = (190.0, 46.0, 24.0, 150.0);
    let width = label_w + cell_w * items.len() as f64 + 110.0;
    let height = head_h + cell_h * rows.len() as f64 + 4.0;
    let _ = write!(
        h,
        r#"<section id="heatmap"><h2>Items by {group}</h2><svg role="img" aria-label="Item rates by {group}" viewBox="0 0 {width} {height}" width="{width}" style="max-width:100%">"#,
        group = html_text(&report.key_title().to_lowercase())
    );
    heat_map_columns(h, &items, label_w, cell_w, head_h);
    for (r, row) in rows.iter().enumerate() {
        let y = head_h + cell_h * r as f64;
        let label = lines.label(row);
        let _ = write!(
            h,
            r#"<g><title>{}</title><text x="{}" y="{}" text-anchor="end"{}>{}</text></g>"#,
            html_text(&label),
            label_w - 8.0,
            y + cell_h / 2.0 + 4.0,
            if row.leaf {
                ""
            } else {
                r#" font-weight="600""#
            },
            html_text(&fit_label(&label, LABEL_ROOM_PX, !row.leaf))
        );
        for (c, (i, item)) in items.iter().enumerate() {
            let x = label_w + cell_w * c as f64;
            let rate = row.items[*i];
            let (fill, ink) = match rate.rate() {
                None => ("#eceef2".to_string(), "#1d2330"),
                Some(v) => (grade(goodness(item, v)), ink_on(goodness(item, v))),
            };
            let _ = write!(
                h,
                r##"<g><title>{key} · {label}: {what} in {occ} of {app} call(s) it applied to</title><rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{fill}" stroke="#fff"/><text x="{tx}" y="{ty}" text-anchor="middle" style="fill:{ink}">{v}</text></g>"##,
                key = html_text(&label),
                label = html_text(&item.label),
                what = if item.kind == Kind::Violation {
                    "occurred"
                } else {
                    "met"
                },
                occ = rate.occurred,
                app = rate.applicable,
                cw = cell_w,
                ch = cell_h,
                tx = x + cell_w / 2.0,
                ty = y + cell_h / 2.0 + 4.0,
                v = fmt1(rate.rate(), "–"),
            );
        }
        let _ = write!(
            h,
            r#"<text class="muted" x="{}" y="{}">n={}</text>"#,
            label_w + cell_w * items.len() as f64 + 8.0,
            y + cell_h / 2.0 + 4.0,
            row.calls
        );
    }
    h.push_str(r#"</svg><p class="legend">Of the calls where the item applied, the percent where it was met (expected items) or occurred (violations); hover a cell for its n. Expected items (dark labels) and violations (grey labels) on one scale "#);
    scale_legend(h, "bad", "good");
    h.push_str(": a violation that rarely occurs is good. Grey cells: the item never applied.");
    lines.note(h);
    h.push_str("</p></section>");
}

/// The heat map's column labels, one per item, slanted above its cells.
fn heat_map_columns(
    h: &mut String,
    items: &[(usize, &ItemInfo)],
    label_w: f64,
    cell_w: f64,
    head_h: f64,
) {
    for (c, (_, item)) in items.iter().enumerate() {
        let x = label_w + cell_w * c as f64 + cell_w / 2.0;
        let _ = write!(
            h,
            r#"<text x="{x}" y="{y}" transform="rotate(-40 {x} {y})"{cls}><title>{id} ({kind})</title>{label}</text>"#,
            y = head_h - 8.0,
            cls = if item.kind == Kind::Violation {
                r#" class="muted""#
            } else {
                ""
            },
            label = html_text(&shorten(&item.label, 24)),
            kind = item.kind.as_str(),
            id = html_text(&item.id),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels are cut by estimated width, not by 25 characters (tester t5's F8): a short name
    /// whole; a long capitalised one, and a CJK one of 25 characters, cut to fit the label
    /// column, their start kept; a nested line's indent leaves less room.
    #[test]
    fn chart_labels_are_cut_to_fit_the_label_column() {
        assert_eq!(fit_label("ann.lee", LABEL_ROOM_PX, false), "ann.lee");
        let caps = "MAXIMILIAN WOLFGANG WORTHINGTON-SMYTHE";
        let cut = fit_label(caps, LABEL_ROOM_PX, false);
        assert!(
            cut.starts_with("MAXIMILIAN WOLF") && cut.ends_with('…'),
            "{cut}"
        );
        assert!(label_px(&cut, false) <= LABEL_ROOM_PX, "{cut}");
        assert!(cut.chars().count() < 25, "{cut}: 25 capitals are too wide");
        let cjk = "李".repeat(25);
        let cut = fit_label(&cjk, LABEL_ROOM_PX, false);
        assert!(cut.chars().count() <= 14 && cut.ends_with('…'), "{cut}");
        assert!(label_px(&cut, false) <= LABEL_ROOM_PX);
        let lower = "cara.diaz-fernandez.lopez";
        assert_eq!(fit_label(lower, LABEL_ROOM_PX, false), lower);
        let bold = fit_label(caps, LABEL_ROOM_PX - 20.0, true);
        assert!(bold.len() < fit_label(caps, LABEL_ROOM_PX, false).len());
    }

    #[test]
    fn the_scale_runs_red_to_blue_through_yellow() {
        assert_eq!(grade(0.0), "#d73027");
        assert_eq!(grade(0.5), "#ffffbf");
        assert_eq!(grade(1.0), "#4575b4");
        assert_eq!(grade(2.0), "#4575b4");
        assert_eq!(grade(f64::NAN), "#d73027");
        assert_ne!(grade(0.45), grade(0.65), "nearby scores differ");
    }

    #[test]
    fn periods_are_short_on_the_axis() {
        assert_eq!(short_period("2026-11-16"), "11-16");
        assert_eq!(short_period("2026-W47"), "W47");
        assert_eq!(short_period("(none)"), "(none)");
    }
}
