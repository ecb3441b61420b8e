//! `callaudit explain`: one call, every match and every verdict, with reasons.
//!
//! Quoted transcript text is masked (card numbers always, the rest with `--redact`) and made
//! terminal-safe before it is printed.

use super::common::{enricher, input_format, load_rubric, read_options, use_color};
use crate::audit::{CallAudit, Evidence, Verdict};
use crate::cli::{ExplainArgs, ExplainFormat};
use crate::model::Call;
use crate::pipeline::{self, AuditSink, Filters, InputError, RunOptions};
use crate::privacy::Masker;
use crate::read::input::discover;
use crate::render::terminal_safe;
use crate::rubric::{Kind, Rubric};
use std::fmt::Write as _;
use std::io::Write;

struct Found {
    calls: Vec<(Call, CallAudit)>,
}

impl AuditSink for Found {
    fn accept(&mut self, call: &Call, audit: CallAudit) -> anyhow::Result<()> {
        self.calls.push((call.clone(), audit));
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.calls.clear();
        Ok(())
    }
}

pub fn run(args: ExplainArgs) -> anyhow::Result<i32> {
    let rubric = load_rubric(&args.input)?;
    let enricher = enricher(&args.input)?;
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    let opts = RunOptions {
        rubric: &rubric,
        read: read_options(&args.input)?,
        format: input_format(&args.input)?,
        threads: 1,
        detail: true,
        filters: Filters {
            call: Some(args.call.clone()),
            ..Filters::default()
        },
        keep_going: args.input.keep_going,
        enrich: enricher.as_ref(),
        progress: None,
    };
    let mut found = Found { calls: Vec::new() };
    let acct = pipeline::run(&discovered, &opts, &mut found).map_err(|stopped| {
        super::audit::print_warnings(&stopped.acct);
        stopped.error
    })?;
    super::audit::print_warnings(&acct);
    let Some((call, audit)) = found.calls.into_iter().next() else {
        return Err(InputError(format!(
            "call `{}` not found in the inputs ({} call(s) read)",
            args.call, acct.calls
        ))
        .into());
    };
    let masker = Masker::new(args.input.redact);
    let mut out = String::new();
    match args.format {
        ExplainFormat::Json => {
            let v = crate::percall::jsonl::call_json(&rubric, &call, &audit, masker);
            out = serde_json::to_string_pretty(&v)? + "\n";
        }
        ExplainFormat::Text => {
            let color = use_color(args.input.color);
            write_text(&mut out, &rubric, &call, &audit, color, masker);
        }
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(out.as_bytes())?;
    lock.flush()?;
    Ok(0)
}

const RESET: &str = "\x1b[0m";

fn kind_style(kind: Kind) -> &'static str {
    match kind {
        Kind::Expected => "\x1b[1;32m",
        Kind::Violation => "\x1b[1;31m",
        Kind::Signal => "\x1b[1;33m",
    }
}

/// Marks the counted matches of one turn: `[[matched words]]{item,item}`, or in colour.
pub fn highlight(text: &str, marks: &[(u32, u32, String, Kind)], color: bool) -> String {
    // Merge overlapping spans so markers never nest.
    let mut spans: Vec<(usize, usize, Vec<String>, Kind)> = Vec::new();
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
                if kind == Kind::Violation {
                    last.3 = kind;
                }
            }
            _ => spans.push((s, e, vec![id], kind)),
        }
    }
    let mut out = String::new();
    let mut at = 0;
    for (s, e, ids, kind) in spans {
        out.push_str(&terminal_safe(&text[at..s]));
        if color {
            let _ = write!(
                out,
                "{}{}{RESET}\x1b[2m{{{}}}{RESET}",
                kind_style(kind),
                terminal_safe(&text[s..e]),
                ids.join(",")
            );
        } else {
            let _ = write!(
                out,
                "[[{}]]{{{}}}",
                terminal_safe(&text[s..e]),
                ids.join(",")
            );
        }
        at = e;
    }
    out.push_str(&terminal_safe(&text[at..]));
    out
}

fn mmss(ms: u64) -> String {
    format!("{:02}:{:02}", ms / 60_000, (ms / 1000) % 60)
}

fn write_text(
    out: &mut String,
    rubric: &Rubric,
    call: &Call,
    a: &CallAudit,
    color: bool,
    masker: Masker,
) {
    let detail = a.detail.as_deref().expect("explain audits with detail");
    let mut masked = crate::percall::MaskedTurns::new(call, masker);
    let _ = writeln!(
        out,
        "Call {} · agent {} · {}{} turns · score {:.1} · {}",
        terminal_safe(&a.call_id),
        terminal_safe(&a.agent_id),
        a.date.map(|d| format!("{d} · ")).unwrap_or_default(),
        a.turns,
        a.score(),
        if a.passed { "passed" } else { "failed" }
    );
    let _ = writeln!(out, "\nTranscript");
    for (ti, turn) in call.turns.iter().enumerate() {
        let marks: Vec<(u32, u32, String, Kind)> = rubric
            .items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| {
                detail.evidence[i]
                    .iter()
                    .filter(|e| e.turn as usize == ti && e.end > e.start)
                    .map(move |e| (e.start, e.end, item.id.clone(), item.kind))
            })
            .collect();
        let time = turn
            .start_ms
            .map(|ms| format!(" [{}]", mmss(ms)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>4} {:<8}{time} {}",
            ti + 1,
            turn.speaker.as_str(),
            // Masking keeps byte offsets, so the marks still fit the masked text.
            highlight(masked.turn(ti as u32), &marks, color)
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
        let _ = writeln!(
            out,
            "  {verdict} {:<width$}  {}",
            item.id,
            terminal_safe(&masker.mask(&detail.reasons[i]))
        );
        for d in &detail.dropped[i] {
            let _ = writeln!(
                out,
                "  {:<11} {:<width$}    not counted: turn {} “{}”: {}",
                "",
                "",
                d.evidence.turn + 1,
                terminal_safe(&masked.quote(&d.evidence)),
                d.reason
            );
        }
    }
    let _ = writeln!(out, "\nScore");
    for line in &detail.arithmetic {
        let _ = writeln!(out, "  {line}");
    }
}

/// Quoted evidence for `rubric test` and friends: `“text” (rule)`.
pub fn quote(e: &Evidence) -> String {
    format!("“{}” ({})", terminal_safe(&e.text), e.rule)
}
