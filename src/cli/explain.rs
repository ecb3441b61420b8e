//! `callaudit explain`: one call, every match and every verdict, with reasons.
//!
//! Quoted transcript text is masked (card numbers always, the rest with `--redact`) and made
//! terminal-safe before it is printed.

use super::ExitCode;
use super::common::{Guard, enricher, input_format, load_rubric, read_options, threads, use_color};
use crate::cli::args::{ExplainArgs, ExplainFormat};
use callaudit::accounting::NotAudited;
use callaudit::audit::{CallAudit, Dropped, Evidence, Verdict};
use callaudit::calibration::overrides::Overrides;
use callaudit::model::Call;
use callaudit::pipeline::{self, AuditSink, Filters, InputError, RunOptions};
use callaudit::privacy::Masker;
use callaudit::read::describe_bytes;
use callaudit::read::input::discover;
use callaudit::report::CallView;
use callaudit::rubric::{Kind, Rubric};
use callaudit::sanitize::terminal_safe;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Collects the ids of every call (for suggestions when the one asked for is not found).
struct Ids(Vec<String>);

impl AuditSink for Ids {
    fn accept(&mut self, call: &Call, _audit: &mut CallAudit) -> anyhow::Result<()> {
        self.0.push(call.id.clone());
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.0.clear();
        Ok(())
    }
}

/// Every call id in the inputs: a second pass with no call filter.
fn call_ids(
    discovered: &callaudit::read::input::Discovered,
    opts: &RunOptions<'_>,
) -> anyhow::Result<Vec<String>> {
    let opts = RunOptions {
        filters: Filters::default(),
        detail: false,
        audit: false,
        read: opts.read.clone(),
        ..*opts
    };
    let mut ids = Ids(Vec::new());
    // Warnings were printed by the first pass.
    pipeline::run(discovered, &opts, &mut ids).map_err(|stopped| stopped.error)?;
    Ok(ids.0)
}

struct Found {
    calls: Vec<(Call, CallAudit)>,
}

impl AuditSink for Found {
    fn accept(&mut self, call: &Call, audit: &mut CallAudit) -> anyhow::Result<()> {
        self.calls.push((call.clone(), std::mem::take(audit)));
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.calls.clear();
        Ok(())
    }
}

pub fn run(mut args: ExplainArgs) -> anyhow::Result<ExitCode> {
    // Composed, as the calls' ids are (`model::nfc`).
    callaudit::model::nfc_in_place(&mut args.call);
    let rubric = load_rubric(&args.input)?;
    let enricher = enricher(&args.input)?;
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    let mut others = super::common::side_files(&args.input);
    others.push((
        args.review.overrides.as_deref(),
        "the review sheet",
        Guard::Always,
    ));
    super::common::outputs_spare_inputs(&[], Some("the explanation"), Some(&discovered), &others)?;
    // Read before the transcripts, as `audit` reads it: a sheet it refuses fails fast here too.
    let overrides = super::common::read_overrides(&args.review, &args.input, &rubric)?;
    let opts = RunOptions {
        rubric: &rubric,
        read: read_options(&args.input)?,
        format: input_format(&args.input)?,
        threads: threads(&args.input)?,
        detail: true,
        audit: true,
        filters: Filters {
            call: Some(args.call.clone()),
            ..Filters::default()
        },
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
        shard: None,
    };
    let mut found = Found { calls: Vec::new() };
    let acct = pipeline::run(&discovered, &opts, &mut found).map_err(|stopped| {
        super::audit::print_warnings(&stopped.acct);
        stopped.error
    })?;
    super::audit::print_warnings(&acct);
    let Some((call, mut audit)) = found.calls.into_iter().next() else {
        if let Some(why) = acct.filtered.asked_not_audited.get(&args.call) {
            let why = match why {
                NotAudited::NoUtterance => "it has no utterance to audit".to_string(),
                NotAudited::NumberedAgain => {
                    "two conversations under one id: a part of it in another file numbers its turns as they were already numbered, with other words, or is dated another day by its path (the run's warning says where)".to_string()
                }
                NotAudited::NoAgentTurn => {
                    "no turn of it is read as the agent's, and some speaker labels are not known (docs/input-formats.md lists those read as the agent)".to_string()
                }
                NotAudited::TooLarge => format!(
                    "it takes more than {} (--max-call-bytes; a larger limit audits it)",
                    describe_bytes(opts.read.max_call_bytes)
                ),
                NotAudited::Incomplete => {
                    "a file it had rows in could not be read to its end (--keep-going), so the call is incomplete".to_string()
                }
            };
            // The reason is said here whole: its warning may be past the ones printed.
            return Err(InputError(format!(
                "call `{}` is in the inputs but was not audited: {why}",
                terminal_safe(&args.call)
            ))
            .into());
        }
        let ids = call_ids(&discovered, &opts)?;
        // An id with control characters (pasted from a coloured terminal) is shown escaped,
        // and suggested for by what it shows.
        let shown = terminal_safe(&args.call);
        let hint = callaudit::suggest::did_you_mean(&shown, &ids);
        let id = if shown == args.call.as_str() {
            shown.into_owned()
        } else {
            args.call.escape_debug().to_string()
        };
        return Err(InputError(format!(
            "call `{id}` not found in the inputs ({} call(s) read){hint}",
            acct.calls
        ))
        .into());
    };
    if let (Some(o), Some(path)) = (&overrides, args.review.overrides.as_deref()) {
        apply_overrides(path, o, &rubric, &call, &mut audit);
    }
    let masker = Masker::new(args.input.redact);
    let mut out = String::new();
    match args.format {
        ExplainFormat::Json => {
            let v = callaudit::records::jsonl::call_json(&rubric, &call, &audit, masker);
            out = serde_json::to_string_pretty(&v)? + "\n";
        }
        ExplainFormat::Text => {
            let color = use_color(args.colour.color);
            write_text(&mut out, &rubric, &call, &audit, color, masker, args.all);
        }
    }
    let mut lock = callaudit::output::stdout();
    lock.write_all(out.as_bytes())?;
    lock.flush()?;
    Ok(ExitCode::Ok)
}

/// `--overrides`: the reviewers' verdicts on the call replace the tool's, and the call is
/// judged and scored again, as `audit --overrides` does it (`Overrides::apply`), so that the
/// score shown is the one the overridden report gives the call (it showed the tool's; tester
/// t26 X4). The verdict lines then say "the reviewer says …" beside the tool's. Said on stderr,
/// as `audit` says it; a sheet that does not judge the call is warned of, since the verdicts
/// shown are then the tool's, naming the id the sheet gives it in another case if it does.
/// The sheet's other calls are not warned of: explain audits one call by design.
fn apply_overrides(path: &Path, o: &Overrides, rubric: &Rubric, call: &Call, a: &mut CallAudit) {
    o.apply(rubric, call, a);
    let sheet = terminal_safe(&path.display().to_string()).into_owned();
    let id = terminal_safe(&a.call_id).into_owned();
    if a.overridden.is_empty() {
        let lower = a.call_id.to_lowercase();
        let mut cased: Vec<&str> = o
            .judged_calls()
            .map(|(judged, _)| judged)
            .filter(|judged| judged.to_lowercase() == lower)
            .collect();
        cased.sort_unstable();
        let hint = match cased.as_slice() {
            [] => String::new(),
            ids => format!(
                "; it judges {} (call ids are matched exactly, case included)",
                terminal_safe(&ids.join(", "))
            ),
        };
        say!(
            "callaudit: warning: {sheet}: call `{id}` is not judged in the sheet, so the \
             verdicts shown are the tool's{hint}"
        );
        return;
    }
    let changed = a.overridden.iter().filter(|v| v.tool != v.reviewer).count();
    say!(
        "callaudit: {} verdict(s) of call `{id}` overridden by reviewers from {sheet} ({changed} \
         changed the tool's answer)",
        a.overridden.len()
    );
}

const RESET: &str = "\x1b[0m";

/// The words of a match of an item that did not apply: dim and underlined, not coloured as a
/// counted match.
const NA_STYLE: &str = "\x1b[2;4m";

/// The matches that did not count shown per item unless `--all`: a long call has a candidate
/// sentence for `resolution` in nearly every agent turn, and fifty lines of them would bury the
/// verdicts.
const DROPPED_SHOWN: usize = 5;

/// A verdict's reason in the HTML call list is cut to its beginning and end past this many
/// characters (its quote may be a whole long turn).
const REASON_CHARS: usize = 600;

fn kind_style(kind: Kind) -> &'static str {
    match kind {
        Kind::Expected => "\x1b[1;32m",
        Kind::Violation => "\x1b[1;31m",
        Kind::Signal => "\x1b[1;33m",
    }
}

/// How `explain` marks up its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `[[matched words]]{item}`.
    Plain,
    /// Colours on a terminal.
    Ansi,
    /// HTML (the HTML report's call list): escaped text, `<mark>` for matches.
    Html,
}

/// Text from a transcript, made safe for the style's medium.
fn safe(text: &str, style: Style) -> String {
    match style {
        Style::Html => callaudit::sanitize::html_text(text),
        _ => terminal_safe(text).into_owned(),
    }
}

/// A marked match: (start, end, label, kind), the kind `None` for a match of an item that did
/// not apply (`n/a mirroring`: done, not scored).
type Mark = (u32, u32, String, Option<Kind>);

/// Marks the matches of one turn: `[[matched words]]{item,item}`, or in colour.
pub fn highlight(text: &str, marks: &[Mark], color: bool) -> String {
    highlight_styled(text, marks, if color { Style::Ansi } else { Style::Plain })
}

fn highlight_styled(text: &str, marks: &[Mark], style: Style) -> String {
    // Merge overlapping spans so markers never nest.
    let mut spans: Vec<(usize, usize, Vec<String>, Option<Kind>)> = Vec::new();
    let mut sorted: Vec<_> = marks.to_vec();
    sorted.sort_by_key(|m| (m.0, m.1));
    for (s, e, id, kind) in sorted {
        let (s, e) = (s as usize, e as usize);
        if s >= e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        match spans.last_mut() {
            Some(last) if s < last.1 => {
                last.1 = last.1.max(e);
                if !last.2.contains(&id) {
                    last.2.push(id);
                }
                if kind == Some(Kind::Violation) || last.3.is_none() {
                    last.3 = kind;
                }
            }
            _ => spans.push((s, e, vec![id], kind)),
        }
    }
    let mut out = String::new();
    let mut at = 0;
    for (s, e, ids, kind) in spans {
        out.push_str(&safe(&text[at..s], style));
        match style {
            Style::Ansi => {
                let _ = write!(
                    out,
                    "{}{}{RESET}\x1b[2m{{{}}}{RESET}",
                    kind.map_or(NA_STYLE, kind_style),
                    terminal_safe(&text[s..e]),
                    ids.join(",")
                );
            }
            Style::Plain => {
                let _ = write!(
                    out,
                    "[[{}]]{{{}}}",
                    terminal_safe(&text[s..e]),
                    ids.join(",")
                );
            }
            Style::Html => {
                let ids = callaudit::sanitize::html_text(&ids.join(", "));
                let _ = write!(
                    out,
                    r#"<mark class="{}" title="{ids}">{}</mark><sup>{ids}</sup>"#,
                    kind.map_or("na", Kind::as_str),
                    safe(&text[s..e], style),
                );
            }
        }
        at = e;
    }
    out.push_str(&safe(&text[at..], style));
    out
}

/// Splits off the marks of items that cover the whole turn (an interruption, a long silence, a
/// turn in capitals) when the turn has narrower marks too: bracketing the whole turn would
/// swallow those, and the reader could no longer see which words earned which item. The split
/// ones are named before the turn (`turn_tag`); a turn whose only marks are whole-turn ones
/// keeps its brackets.
fn whole_turn_marks(text: &str, marks: &[Mark]) -> (Vec<(String, Option<Kind>)>, Vec<Mark>) {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    let whole = |m: &Mark| start < end && m.0 as usize <= start && m.1 as usize >= end;
    if marks.iter().all(whole) {
        return (Vec::new(), marks.to_vec());
    }
    let mut tags: Vec<(String, Option<Kind>)> = Vec::new();
    for m in marks.iter().filter(|m| whole(m)) {
        if !tags.iter().any(|(id, _)| *id == m.2) {
            tags.push((m.2.clone(), m.3));
        }
    }
    let rest = marks.iter().filter(|m| !whole(m)).cloned().collect();
    (tags, rest)
}

/// The items that cover a whole turn, named before it: `{interruption} `, or in colour, or as
/// HTML; empty when there are none.
fn turn_tag(tags: &[(String, Option<Kind>)], style: Style) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let ids: Vec<&str> = tags.iter().map(|(id, _)| id.as_str()).collect();
    let kind = tags
        .iter()
        .map(|(_, k)| *k)
        .find(|k| *k == Some(Kind::Violation))
        .unwrap_or(tags[0].1);
    match style {
        Style::Plain => format!("{{{}}} ", ids.join(",")),
        Style::Ansi => format!(
            "{}{{{}}}{RESET} ",
            kind.map_or(NA_STYLE, kind_style),
            ids.join(",")
        ),
        Style::Html => format!(
            r#"<sup class="{}" title="the whole turn">{}</sup> "#,
            kind.map_or("na", Kind::as_str),
            callaudit::sanitize::html_text(&ids.join(", "))
        ),
    }
}

fn mmss(ms: u64) -> String {
    format!("{:02}:{:02}", ms / 60_000, (ms / 1000) % 60)
}

/// The matches in turn `ti`: (start, end, label, kind) of every evidence span in it, of the
/// items that occurred (as the tool found them, before a reviewer's override), and, labelled
/// `n/a item` with no kind, of the items that did not apply (the agent mirrored a calm
/// customer: done, not scored). The matches of an item that fell short of its `min_count`
/// counted for nothing, and their verdict says why.
fn turn_marks(
    rubric: &Rubric,
    a: &CallAudit,
    detail: &callaudit::audit::CallDetail,
    ti: usize,
) -> Vec<Mark> {
    let tool = |i: usize| a.overridden.iter().find(|o| o.item == i).map(|o| o.tool);
    let occurred = |i: usize| tool(i).unwrap_or_else(|| a.items[i].verdict.occurred());
    let not_applicable =
        |i: usize| tool(i).is_none() && a.items[i].verdict == Verdict::NotApplicable;
    rubric
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            if occurred(i) {
                Some((item.id.clone(), Some(item.kind), i))
            } else if not_applicable(i) {
                Some((format!("n/a {}", item.id), None, i))
            } else {
                None
            }
        })
        .flat_map(|(label, kind, i)| {
            detail.evidence[i]
                .iter()
                .filter(|e| e.turn as usize == ti && e.end > e.start)
                .map(move |e| (e.start, e.end, label.clone(), kind))
        })
        .collect()
}

/// The matches of an item that did not count, as `explain` lists them: without `all`, the
/// near misses (up to `DROPPED_SHOWN`), how many more of them, and how many are plainly
/// something else (an apology or a thanks that is no `resolution`), with those items' ids.
struct DroppedShown<'a> {
    listed: Vec<&'a Dropped>,
    more: usize,
    elsewhere: usize,
    elsewhere_ids: Vec<&'a str>,
}

fn dropped_shown(dropped: &[Dropped], all: bool) -> DroppedShown<'_> {
    if all {
        return DroppedShown {
            listed: dropped.iter().collect(),
            more: 0,
            elsewhere: 0,
            elsewhere_ids: Vec::new(),
        };
    }
    let near: Vec<&Dropped> = dropped.iter().filter(|d| d.elsewhere.is_empty()).collect();
    let mut elsewhere_ids: Vec<&str> = Vec::new();
    for id in dropped.iter().flat_map(|d| &d.elsewhere) {
        if !elsewhere_ids.contains(&id.as_str()) {
            elsewhere_ids.push(id);
        }
    }
    DroppedShown {
        more: near.len().saturating_sub(DROPPED_SHOWN),
        elsewhere: dropped.len() - near.len(),
        listed: near.into_iter().take(DROPPED_SHOWN).collect(),
        elsewhere_ids,
    }
}

/// The verdict's reason without what the lines under it say again: the first listed near
/// miss's own line quotes its sentence ("missed: 2 matches did not count (turn 4: cancelled by
/// …)" above "not counted: turn 4 “…”: cancelled by …" said it twice; tester t21 E2), and when
/// every sentence was plainly something else, the line that sums them up gives their reason.
fn reason_above<'r>(reason: &'r str, dropped: &[Dropped], shown: &DroppedShown<'_>) -> &'r str {
    let first = match shown.listed.first() {
        Some(d) => Some(*d),
        None if shown.elsewhere > 0 => dropped.first(),
        None => None,
    };
    first
        .and_then(|d| {
            reason.strip_suffix(&format!(" (turn {}: {})", d.evidence.turn + 1, d.reason))
        })
        .unwrap_or(reason)
}

/// The line that sums up the sentences left out as plainly something else: "… and 2 other
/// sentences, matched as apology, thanks: no instruction, answer or completed action
/// recognised" beside near misses listed above it or matches that counted (`none_counted`
/// false: "met: 2 matches" then "… all 3 matched as thanks" read as if the two were thanks),
/// "… all 4 matched as …" (or "… the sentence matched as …") when they are every sentence the
/// verdict counted (it said "4 sentences checked": "and 4 other sentences" read as eight;
/// tester t26 X1).
fn elsewhere_line(
    item: &callaudit::rubric::Item,
    shown: &DroppedShown<'_>,
    none_counted: bool,
) -> String {
    let n = shown.elsewhere;
    let every = none_counted && shown.listed.is_empty() && shown.more == 0;
    let which = match (every, n) {
        (true, 1) if !item.context.is_empty() => "the sentence".to_string(),
        (true, 1) => "the match".to_string(),
        (true, _) => format!("all {n}"),
        (false, _) => format!("and {n} other sentence{},", if n == 1 { "" } else { "s" }),
    };
    format!(
        "… {which} matched as {}: {}",
        shown.elsewhere_ids.join(", "),
        callaudit::audit::no_context(item, item.context_sentences)
    )
}

fn write_text(
    out: &mut String,
    rubric: &Rubric,
    call: &Call,
    a: &CallAudit,
    color: bool,
    masker: Masker,
    all: bool,
) {
    let detail = a.detail.as_deref().expect("explain audits with detail");
    let mut masked = callaudit::records::MaskedTurns::new(call, masker);
    let _ = writeln!(
        out,
        "Call {} · agent {} · {}{} turn{} · score {:.1} · {}",
        terminal_safe(&a.call_id),
        terminal_safe(&a.agent_id),
        a.date.map(|d| format!("{d} · ")).unwrap_or_default(),
        a.turns,
        if a.turns == 1 { "" } else { "s" },
        callaudit::audit::shown_score(a.score_centi),
        if a.passed { "passed" } else { "failed" }
    );
    let _ = writeln!(out, "\nTranscript");
    for (ti, turn) in call.turns.iter().enumerate() {
        let text = masked.turn(ti as u32);
        let (tags, marks) = whole_turn_marks(text, &turn_marks(rubric, a, detail, ti));
        let time = turn
            .start_ms
            .map(|ms| format!(" [{}]", mmss(ms)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>4} {:<8}{time} {}{}",
            ti + 1,
            turn.speaker.as_str(),
            turn_tag(&tags, if color { Style::Ansi } else { Style::Plain }),
            // Masking keeps byte offsets, so the marks still fit the masked text.
            highlight(text, &marks, color)
        );
    }
    let _ = writeln!(out, "\nVerdicts");
    let width = rubric.items.iter().map(|i| i.id.len()).max().unwrap_or(0);
    for (i, item) in rubric.items.iter().enumerate() {
        let o = a.items[i];
        let mark = match o.verdict {
            Verdict::Met | Verdict::Clean => "✓",
            Verdict::Missed | Verdict::Violated => "✗",
            Verdict::Present | Verdict::Absent => "•",
            Verdict::NotApplicable => "–",
        };
        let verdict = if color {
            let style = match o.verdict {
                Verdict::Met | Verdict::Clean => "\x1b[32m",
                Verdict::Missed | Verdict::Violated => "\x1b[31m",
                _ => "\x1b[2m",
            };
            format!("{style}{mark} {:<9}{RESET}", o.verdict.as_str())
        } else {
            format!("{mark} {:<9}", o.verdict.as_str())
        };
        let shown = dropped_shown(&detail.dropped[i], all);
        let _ = writeln!(
            out,
            "  {verdict} {:<width$}  {}",
            item.id,
            terminal_safe(&masker.mask(reason_above(
                &detail.reasons[i],
                &detail.dropped[i],
                &shown
            )))
        );
        for d in &shown.listed {
            let _ = writeln!(
                out,
                "  {:<11} {:<width$}    not counted: turn {} “{}”: {}",
                "",
                "",
                d.evidence.turn + 1,
                terminal_safe(&masked.quote(&d.evidence)),
                terminal_safe(&masker.mask(&d.reason))
            );
        }
        if shown.more > 0 {
            let _ = writeln!(
                out,
                "  {:<11} {:<width$}    … and {} more not counted (--all lists every one)",
                "", "", shown.more
            );
        }
        if shown.elsewhere > 0 {
            let _ = writeln!(
                out,
                "  {:<11} {:<width$}    {} (--all lists them)",
                "",
                "",
                terminal_safe(&elsewhere_line(item, &shown, detail.evidence[i].is_empty()))
            );
        }
    }
    let _ = writeln!(out, "\nScore");
    for line in &detail.arithmetic {
        let _ = writeln!(out, "  {line}");
    }
}

/// Quoted evidence for `rubric test` and friends: `“text” (rule)`, or `“text” (rule; also
/// other rule, …)` when more of the item's phrases matched the same words (one match).
pub fn quote(e: &Evidence) -> String {
    if e.also.is_empty() {
        return format!("“{}” ({})", terminal_safe(&e.text), e.rule);
    }
    format!(
        "“{}” ({}; also {})",
        terminal_safe(&e.text),
        e.rule,
        e.also.join(", ")
    )
}

/// A call of the HTML report's call list: its line and, as HTML, what `explain` shows (the
/// transcript with matches marked, every verdict with its reason and the matches that did not
/// count, the score arithmetic). Quoted text is masked as in `explain`.
pub fn call_view(rubric: &Rubric, call: &Call, a: &CallAudit, masker: Masker) -> CallView {
    let ids = |want: Verdict| -> Vec<String> {
        rubric
            .items
            .iter()
            .zip(&a.items)
            .filter(|(_, o)| o.verdict == want)
            .map(|(i, _)| i.id.clone())
            .collect()
    };
    CallView {
        call_id: a.call_id.clone(),
        agent_id: a.agent_id.clone(),
        date: a.date.map(|d| d.to_string()),
        team: a.team.clone(),
        queue: a.queue.clone(),
        score_centi: a.score_centi,
        passed: a.passed,
        upset: a.upset,
        calmed: a.calmed,
        missed: ids(Verdict::Missed),
        violated: ids(Verdict::Violated),
        explain_html: explain_html(rubric, call, a, masker),
    }
}

fn explain_html(rubric: &Rubric, call: &Call, a: &CallAudit, masker: Masker) -> String {
    use callaudit::sanitize::html_text;
    let Some(detail) = a.detail.as_deref() else {
        return String::new();
    };
    let mut masked = callaudit::records::MaskedTurns::new(call, masker);
    let mut out = String::from(r#"<div class="explain">"#);
    transcript_html(rubric, call, a, detail, &mut masked, &mut out);
    out.push_str(r#"<table class="verdicts"><tbody>"#);
    for (i, item) in rubric.items.iter().enumerate() {
        let o = a.items[i];
        let (mark, class) = match o.verdict {
            Verdict::Met | Verdict::Clean => ("✓", "ok"),
            Verdict::Missed | Verdict::Violated => ("✗", "bad"),
            Verdict::Present | Verdict::Absent => ("•", "sig"),
            Verdict::NotApplicable => ("–", "na"),
        };
        // A reason quotes its match, which may be a whole long turn.
        let shown = dropped_shown(&detail.dropped[i], false);
        let mut reason = html_text(&callaudit::records::shorten_to(
            &masker.mask(reason_above(&detail.reasons[i], &detail.dropped[i], &shown)),
            REASON_CHARS,
        ));
        for d in &shown.listed {
            let _ = write!(
                reason,
                r#"<br><span class="dropped">not counted: turn {} “{}”: {}</span>"#,
                d.evidence.turn + 1,
                html_text(&callaudit::records::shorten(&masked.quote(&d.evidence))),
                html_text(&masker.mask(&d.reason))
            );
        }
        if shown.more > 0 {
            let _ = write!(
                reason,
                r#"<br><span class="dropped">… and {} more not counted (<code>callaudit explain --all</code> lists every one)</span>"#,
                shown.more
            );
        }
        if shown.elsewhere > 0 {
            let _ = write!(
                reason,
                r#"<br><span class="dropped">{} (<code>callaudit explain --all</code> lists them)</span>"#,
                html_text(&elsewhere_line(item, &shown, detail.evidence[i].is_empty()))
            );
        }
        let _ = write!(
            out,
            r#"<tr class="{class}"><td class="v">{mark} {verdict}</td><td title="{id}">{label}</td><td>{reason}</td></tr>"#,
            verdict = o.verdict.as_str(),
            id = html_text(&item.id),
            label = html_text(&item.label),
        );
    }
    out.push_str(r#"</tbody></table><pre class="arith">"#);
    for line in &detail.arithmetic {
        let _ = writeln!(out, "{}", html_text(line));
    }
    out.push_str("</pre></div>");
    out
}

/// The transcript of a call in the HTML call list, matches marked, bounded whatever its
/// length (`records::shown_ranges`, `records::shown_turns`): a long turn shows its beginning,
/// or the words around its matches, and past `TRANSCRIPT_SHOWN_CHARS` turns are left out, the
/// matched ones last; a note above says what was cut.
fn transcript_html(
    rubric: &Rubric,
    call: &Call,
    a: &CallAudit,
    detail: &callaudit::audit::CallDetail,
    masked: &mut callaudit::records::MaskedTurns<'_>,
    out: &mut String,
) {
    use callaudit::records::{shown_ranges, shown_turns};
    let all_marks: Vec<Vec<Mark>> = (0..call.turns.len())
        .map(|ti| turn_marks(rubric, a, detail, ti))
        .collect();
    // Items covering a whole turn are named before it; the rest mark words (and choose what
    // of a long turn is shown).
    let (tags, marks): (Vec<_>, Vec<_>) = all_marks
        .iter()
        .enumerate()
        .map(|(ti, m)| whole_turn_marks(masked.turn(ti as u32), m))
        .unzip();
    let ranges: Vec<Vec<std::ops::Range<usize>>> = marks
        .iter()
        .enumerate()
        .map(|(ti, m)| {
            let spans: Vec<(usize, usize)> = m
                .iter()
                .map(|&(s, e, ..)| (s as usize, e as usize))
                .collect();
            shown_ranges(masked.turn(ti as u32), &spans)
        })
        .collect();
    let sizes: Vec<(usize, bool)> = ranges
        .iter()
        .enumerate()
        .map(|(ti, r)| {
            let text = masked.turn(ti as u32);
            let chars = r.iter().map(|r| text[r.clone()].chars().count()).sum();
            (chars, !all_marks[ti].is_empty())
        })
        .collect();
    let shown = shown_turns(&sizes);
    let shortened = (0..call.turns.len())
        .filter(|&ti| {
            let whole = ranges[ti].len() == 1 && ranges[ti][0] == (0..masked.turn(ti as u32).len());
            shown[ti] && !whole
        })
        .count();
    let left_out = shown.iter().filter(|s| !**s).count();
    if shortened + left_out > 0 {
        let mut what = Vec::new();
        if shortened > 0 {
            what.push(format!(
                "{shortened} long turn(s) shown in part (… where cut)"
            ));
        }
        if left_out > 0 {
            what.push(format!(
                "{left_out} of the {} turns left out",
                call.turns.len()
            ));
        }
        let _ = write!(
            out,
            r#"<p class="cut">Shortened for the page: {}; <code>callaudit explain INPUT --call {}</code> shows the whole transcript.</p>"#,
            what.join(", "),
            callaudit::sanitize::html_text(&a.call_id)
        );
    }
    out.push_str(r#"<ol class="transcript">"#);
    let mut gap = (0usize, 0usize);
    let close_gap = |out: &mut String, gap: &mut (usize, usize)| {
        if gap.0 > 0 {
            let _ = write!(
                out,
                r#"<li class="gap">… {} turn(s) left out ({} characters)</li>"#,
                gap.0, gap.1
            );
            *gap = (0, 0);
        }
    };
    let cut = r#"<span class="cut">…</span>"#;
    for (ti, turn) in call.turns.iter().enumerate() {
        let text = masked.turn(ti as u32);
        if !shown[ti] {
            gap = (gap.0 + 1, gap.1 + text.chars().count());
            continue;
        }
        let after_gap = gap.0 > 0;
        close_gap(out, &mut gap);
        let time = turn
            .start_ms
            .map(|ms| format!(r#" <span class="time">{}</span>"#, mmss(ms)))
            .unwrap_or_default();
        let mut shown_text = String::new();
        let mut at = 0;
        for r in &ranges[ti] {
            if r.start > at {
                shown_text.push_str(cut);
            }
            let within: Vec<Mark> = marks[ti]
                .iter()
                .filter(|m| (m.0 as usize) < r.end && (m.1 as usize) > r.start)
                .map(|(s, e, id, kind)| {
                    let s = (*s as usize).max(r.start) - r.start;
                    let e = (*e as usize).min(r.end) - r.start;
                    (s as u32, e as u32, id.clone(), *kind)
                })
                .collect();
            shown_text.push_str(&highlight_styled(&text[r.clone()], &within, Style::Html));
            at = r.end;
        }
        if at < text.len() {
            shown_text.push_str(cut);
        }
        let _ = write!(
            out,
            r#"<li{value} class="{who}"><span class="who">{who}</span>{time} {tag}{shown_text}</li>"#,
            tag = turn_tag(&tags[ti], Style::Html),
            // After a gap, the turn keeps its number.
            value = if after_gap {
                format!(r#" value="{}""#, ti + 1)
            } else {
                String::new()
            },
            who = turn.speaker.as_str(),
        );
    }
    close_gap(out, &mut gap);
    out.push_str("</ol>");
}
