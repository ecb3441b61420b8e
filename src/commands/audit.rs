//! `callaudit audit`: the main job.

use super::common::{enricher, input_format, load_rubric, read_options, threads, use_color};
use crate::accounting::Accounting;
use crate::aggregate::{Aggregate, GroupBy};
use crate::audit::CallAudit;
use crate::cli::{AuditArgs, FormatArg, GroupByArg, SortArg};
use crate::model::Call;
use crate::output::AtomicFile;
use crate::percall::{self, CallRecords};
use crate::pipeline::{self, AuditSink, Enrich, Filters, InputError, RunOptions};
use crate::read::dates::{parse_date, parse_span_days};
use crate::read::input::{Input, discover};
use crate::render::{Format, Report, Row};
use crate::rubric::{Kind, Rubric};
use anyhow::bail;
use chrono::{Duration, NaiveDate};
use std::io::Write;
use std::path::PathBuf;

/// Collects audited calls: totals for the report, per-call records.
struct Collector<'r> {
    rubric: &'r Rubric,
    agg: Aggregate,
    calls: Option<Box<dyn CallRecords>>,
    calls_path: Option<PathBuf>,
    percent_fallback: bool,
    seconds_without_timings: bool,
}

impl AuditSink for Collector<'_> {
    fn accept(&mut self, call: &Call, audit: CallAudit) -> anyhow::Result<()> {
        self.agg.add(self.rubric, &audit);
        self.percent_fallback |= audit.percent_fallback;
        self.seconds_without_timings |= audit.seconds_without_timings;
        if let Some(c) = self.calls.as_mut() {
            c.write(self.rubric, call, &audit)?;
        }
        Ok(())
    }

    fn reset(&mut self) -> anyhow::Result<()> {
        self.agg.clear();
        self.percent_fallback = false;
        self.seconds_without_timings = false;
        if let Some(path) = &self.calls_path {
            // Dropping the old writer deletes its temporary file.
            self.calls = Some(percall::create(path, self.rubric)?);
        }
        Ok(())
    }
}

fn filters(args: &AuditArgs) -> anyhow::Result<Filters> {
    let date = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<NaiveDate>> {
        v.as_deref()
            .map(|s| {
                parse_date(s)
                    .ok_or_else(|| anyhow::anyhow!("{flag} `{s}`: expected a date like 2024-03-05"))
            })
            .transpose()
    };
    let mut since = date("--since", &args.since)?;
    let until = date("--until", &args.until)?;
    if let Some(span) = &args.last {
        let days = parse_span_days(span).map_err(|e| anyhow::anyhow!("--last {e}"))?;
        if days < 1 {
            bail!("--last `{span}`: the span must be at least one day");
        }
        let today =
            date("--as-of", &args.as_of)?.unwrap_or_else(|| chrono::Local::now().date_naive());
        let from = today - Duration::days(days - 1);
        since = Some(since.map_or(from, |s| s.max(from)));
    } else if args.as_of.is_some() {
        bail!("--as-of only goes with --last");
    }
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        bail!("--since {s} is after --until {u}: no call can match");
    }
    Ok(Filters {
        since,
        until,
        agents: args.agents.clone(),
        teams: args.teams.clone(),
        call: None,
    })
}

/// A gate's verdict, for stderr and the JSON report.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub name: String,
    pub passed: bool,
    pub reason: String,
}

fn gates(args: &AuditArgs, report: &Report, rubric: &Rubric) -> anyhow::Result<Vec<Gate>> {
    let mut out = Vec::new();
    if let Some(t) = args.fail_under {
        let mean = report.overall.mean_score.unwrap_or(0.0);
        out.push(Gate {
            name: format!("fail-under {t}"),
            passed: mean >= t,
            reason: format!(
                "overall mean score {mean:.1} {} {t}",
                if mean >= t { "≥" } else { "<" }
            ),
        });
    }
    if let Some(t) = args.fail_agent_under {
        let low: Vec<&Row> = report
            .rows
            .iter()
            .filter(|r| r.calls >= args.min_calls && r.mean_score.is_some_and(|m| m < t))
            .collect();
        out.push(Gate {
            name: format!("fail-agent-under {t}"),
            passed: low.is_empty(),
            reason: if low.is_empty() {
                format!(
                    "every {} with ≥ {} calls scores ≥ {t}",
                    report.group_by, args.min_calls
                )
            } else {
                let names: Vec<String> = low
                    .iter()
                    .map(|r| format!("{} ({:.1})", r.key, r.mean_score.unwrap_or(0.0)))
                    .collect();
                format!("below {t}: {}", names.join(", "))
            },
        });
    }
    for id in &args.fail_on {
        let Some(i) = rubric.item_index(id) else {
            bail!("--fail-on `{id}`: no such item in the rubric");
        };
        if rubric.items[i].kind != Kind::Violation {
            bail!("--fail-on `{id}`: not a violation item");
        }
        let calls = report.overall.items[i].occurred;
        out.push(Gate {
            name: format!("fail-on {id}"),
            passed: calls == 0,
            reason: format!("{id} occurred in {calls} call(s)"),
        });
    }
    Ok(out)
}

fn sort_and_cut(report: &mut Report, args: &AuditArgs) {
    let by_score = |a: &Row, b: &Row| {
        b.mean_score
            .unwrap_or(-1.0)
            .total_cmp(&a.mean_score.unwrap_or(-1.0))
            .then_with(|| a.key.cmp(&b.key))
    };
    match args.sort {
        SortArg::Name => report.rows.sort_by(|a, b| a.key.cmp(&b.key)),
        SortArg::Score => report.rows.sort_by(by_score),
        SortArg::Calls => report
            .rows
            .sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key))),
    }
    if args.top.is_some() || args.bottom.is_some() {
        let mut ranked = report.rows.clone();
        ranked.sort_by(by_score);
        let mut keep: Vec<String> = Vec::new();
        if let Some(n) = args.top {
            keep.extend(ranked.iter().take(n).map(|r| r.key.clone()));
        }
        if let Some(n) = args.bottom {
            keep.extend(ranked.iter().rev().take(n).map(|r| r.key.clone()));
        }
        report.rows.retain(|r| keep.contains(&r.key));
    }
}

pub fn run(args: AuditArgs) -> anyhow::Result<i32> {
    let rubric = load_rubric(&args.input)?;
    let read = read_options(&args.input)?;
    let format = input_format(&args.input)?;
    let threads = threads(&args.input)?;
    let filters = filters(&args)?;
    let enricher = enricher(&args.input)?;
    let report_format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown | FormatArg::Html => bail!("this --format is not available yet"),
    };
    if args.evidence.is_some() {
        bail!("--evidence is not available yet");
    }
    if args.baseline.is_some() {
        bail!("--baseline is not available yet");
    }
    let discovered = discover(&args.input.inputs).map_err(InputError)?;
    // Open the outputs before the work, so a bad path fails fast.
    let report_file = args.output.as_deref().map(AtomicFile::create).transpose()?;
    let calls = args
        .calls
        .as_deref()
        .map(|p| percall::create(p, &rubric))
        .transpose()?;
    let detail = calls.as_ref().is_some_and(|c| c.needs_detail());
    let group_by = match args.group_by {
        GroupByArg::Agent => GroupBy::Agent,
        GroupByArg::Team => GroupBy::Team,
        GroupByArg::Date => GroupBy::Date,
        GroupByArg::Week => GroupBy::Week,
        GroupByArg::Queue => GroupBy::Queue,
    };
    let mut sink = Collector {
        rubric: &rubric,
        agg: Aggregate::new(&rubric, group_by),
        calls,
        calls_path: args.calls.clone(),
        percent_fallback: false,
        seconds_without_timings: false,
    };
    let enrich_fn = enricher
        .as_ref()
        .map(|e| move |c: &mut Call, i: &Input| e.enrich(c, i));
    let opts = RunOptions {
        rubric: &rubric,
        read,
        format,
        threads,
        detail,
        filters,
        keep_going: args.input.keep_going,
        enrich: enrich_fn.as_ref().map(|f| f as &Enrich<'_>),
        progress: None,
    };
    let mut acct = pipeline::run(&discovered, &opts, &mut sink)?;
    if sink.percent_fallback {
        acct.warn("a percent window fell back to turn share: some calls have no timings".into());
    }
    if sink.seconds_without_timings {
        acct.warn("items with a seconds window were n/a in calls without timings".into());
    }
    print_warnings(&acct);
    if !args.quiet {
        eprintln!("{}", acct.summary());
    }
    if acct.calls_audited == 0 && !args.allow_empty {
        return Err(InputError(
            "no calls matched: nothing to audit (check the inputs and filters, or pass --allow-empty)".into(),
        )
        .into());
    }

    let inputs = discovered.inputs.iter().map(|i| i.name.clone()).collect();
    let mut report = Report::build(&rubric, &sink.agg, acct, inputs);
    sort_and_cut(&mut report, &args);
    let gates = gates(&args, &report, &rubric)?;
    let renderer = report_format.renderer(report_file.is_none() && use_color(args.input.color));
    match report_file {
        Some(mut f) => {
            renderer.render(&report, &mut f)?;
            f.commit()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            renderer.render(&report, &mut lock)?;
            lock.flush()?;
        }
    }
    if let Some(c) = sink.calls.take() {
        c.finish()?;
    }
    let failed: Vec<&Gate> = gates.iter().filter(|g| !g.passed).collect();
    for g in &failed {
        eprintln!("callaudit: gate failed: --{}: {}", g.name, g.reason);
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

pub fn print_warnings(acct: &Accounting) {
    for w in &acct.warnings {
        eprintln!("callaudit: warning: {w}");
    }
    let hidden = acct
        .warnings_total
        .saturating_sub(acct.warnings.len() as u64);
    if hidden > 0 {
        eprintln!("callaudit: warning: … and {hidden} more warning(s)");
    }
}
