//! The way out of `audit` and `merge` alike, once the totals are in: the baseline, the gates,
//! the arranged lines, the rendered report and the exit code. One copy, so that a merged
//! report stays byte-identical to one run's.

use super::ExitCode;
use super::common::use_color;
use crate::cli::args::{ColorChoice, FormatArg, GateFlags, GateLimit};
use anyhow::bail;
use callaudit::aggregate::{Aggregate, Totals};
use callaudit::language::NameOrder;
use callaudit::output::{AtomicFile, Prepared};
use callaudit::render::arrange::{Arrangement, SortArg, SortSpec, arrange};
use callaudit::render::{Format, Renderer, hidden_note};
use callaudit::report::baseline::{self, Baseline};
use callaudit::report::gates::{self, Gate, GateInput, GateVerdict};
use callaudit::report::{CallView, Report};
use callaudit::rubric::Rubric;
use callaudit::sanitize::terminal_safe;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The report format `--format` names (resolved against `-o`'s extension by
/// `format_of_output` before the command runs); the table when none is.
pub fn report_format(arg: Option<FormatArg>) -> Format {
    match arg.unwrap_or(FormatArg::Table) {
        FormatArg::Table => Format::Table,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
    }
}

/// The report format an output's name gives by its extension (`.csv`, `.json`, `.md` or
/// `.markdown`, `.html` or `.htm`; a last `.gz` passed over, as the output is written plain),
/// as `--calls` takes its format from its own; `None` for any other name.
pub fn extension_format(path: &Path) -> Option<FormatArg> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.')?.1;
    Some(match ext {
        "csv" => FormatArg::Csv,
        "json" => FormatArg::Json,
        "md" | "markdown" => FormatArg::Markdown,
        "html" | "htm" => FormatArg::Html,
        _ => return None,
    })
}

/// Formats an output's name may ask for that callaudit does not write, by extension: what they
/// are, and the extension to use instead with why. Such a name is refused (it used to get the
/// terminal table, which Excel or a PDF reader refuses to open); any other name gets the
/// table, as documented.
const NOT_WRITTEN: &[(&[&str], &str, &str, &str)] = &[
    (
        &["xlsx", "xlsm", "xlsb", "xls", "ods", "numbers"],
        "spreadsheets",
        "csv",
        ", which Excel and LibreOffice open (--csv-bom for Excel on Windows)",
    ),
    (&["tsv", "tab"], "tab-separated values", "csv", ""),
    (
        &["pdf"],
        "PDF",
        "html",
        " and print it to PDF from the browser",
    ),
    (
        &["doc", "docx", "odt", "rtf", "pages"],
        "word-processor documents",
        "html",
        " (or .md to paste)",
    ),
    (&["ppt", "pptx", "odp", "key"], "presentations", "html", ""),
    (
        &["jsonl", "ndjson"],
        "JSON lines",
        "json",
        " (the report is one JSON object; --calls FILE.jsonl writes one line per call)",
    ),
    (&["xml", "yaml", "yml"], "XML or YAML", "json", ""),
];

/// Refuses an output whose extension names a format callaudit does not write (`-o
/// report.xlsx`, `.pdf`, `.docx`: see `NOT_WRITTEN`), naming the formats it writes and the
/// name to use.
pub fn refuse_unwritable_extension(path: &Path) -> anyhow::Result<()> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    let lower = name.to_ascii_lowercase();
    let plain = lower.strip_suffix(".gz").unwrap_or(&lower);
    let Some((_, ext)) = plain.rsplit_once('.') else {
        return Ok(());
    };
    let Some((_, what, instead, why)) = NOT_WRITTEN.iter().find(|(exts, ..)| exts.contains(&ext))
    else {
        return Ok(());
    };
    let stem = &name[..plain.len() - ext.len() - 1];
    let suggested = path.with_file_name(format!("{stem}.{instead}"));
    bail!(
        "-o {}: callaudit does not write {what} (.{ext}); it writes the report as CSV (.csv), JSON (.json), Markdown (.md or .markdown), HTML (.html or .htm) or the table (any other name): use -o {}{why}",
        terminal_safe(&path.display().to_string()),
        terminal_safe(&suggested.display().to_string()),
    )
}

/// A format's name as `--format` takes it.
pub fn format_name(f: FormatArg) -> &'static str {
    match f {
        FormatArg::Table => "table",
        FormatArg::Csv => "csv",
        FormatArg::Json => "json",
        FormatArg::Markdown => "markdown",
        FormatArg::Html => "html",
    }
}

/// Settles the report format against `-o`'s extension: without `--format`, the extension's
/// format (`-o report.html` writes HTML; the table otherwise). A `--format` the extension
/// contradicts (`--format csv -o report.json`) is refused, unless it was set at a lower level
/// than `-o` (`format = "json"` in the config file, `-o week.html` on the command line): then
/// the extension decides, with a warning. `format_level` and `output_level` rank where each
/// came from: command line 3, environment 2, config file 1.
pub fn format_of_output(
    format: &mut Option<FormatArg>,
    output: Option<&Path>,
    format_level: u8,
    output_level: u8,
    format_source: &str,
) -> anyhow::Result<()> {
    if let Some(path) = output {
        refuse_unwritable_extension(path)?;
    }
    let Some((path, named)) = output.and_then(|p| Some((p, extension_format(p)?))) else {
        return Ok(());
    };
    match *format {
        None => *format = Some(named),
        Some(given) if given == named => {}
        Some(given) if format_level < output_level => {
            say!(
                "callaudit: warning: -o {}: writing {} as its name says, not the {} of {format_source} (a format set at a lower level than -o gives way to its extension)",
                terminal_safe(&path.display().to_string()),
                format_name(named),
                format_name(given),
            );
            *format = Some(named);
        }
        Some(given) => bail!(
            "--format {} contradicts -o {}, whose extension names {}: name the file for its format (or drop --format: -o's extension chooses it)",
            format_name(given),
            path.display(),
            format_name(named)
        ),
    }
    Ok(())
}

/// Reads `--baseline`; `--fail-drop` needs one with a line per agent. A baseline that does not
/// exist under `--allow-missing-baseline` is a warning and no baseline.
pub fn read_baseline(flags: &GateFlags) -> anyhow::Result<Option<Baseline>> {
    // Not stdin: a baseline is also the file --update-baseline writes (it created a file
    // named `-`; tester t23 F6).
    super::common::no_stdin("--baseline", flags.baseline.as_deref())?;
    let fail_drop = flags.fail_drop.and_then(GateLimit::value);
    if flags.baseline_missing() {
        let path = flags.baseline.as_deref().unwrap_or(Path::new(""));
        say!(
            "callaudit: warning: --baseline {}: no such file (--allow-missing-baseline): the report shows no changes{}",
            terminal_safe(&path.display().to_string()),
            if fail_drop.is_some() {
                " and --fail-drop is not checked"
            } else {
                ""
            }
        );
        return Ok(None);
    }
    if flags.update_baseline && flags.baseline.is_none() {
        bail!(
            "--update-baseline: no --baseline to update (name the file with --baseline FILE.json)"
        );
    }
    let baseline = flags.baseline.as_deref().map(baseline::read).transpose()?;
    // An empty night's report (`--allow-empty`) as the baseline: nothing to compare with, which
    // a gate must not pass unseen.
    if let Some(base) = baseline.as_ref().filter(|b| b.info.calls == 0) {
        say!(
            "callaudit: warning: --baseline {} has no calls (its run audited none: a night without calls?), so the report shows no changes{}; keep a report with calls as the baseline (--update-baseline does)",
            terminal_safe(&base.info.file),
            match fail_drop {
                Some(points) => format!(
                    " and --fail-drop {} compared nothing",
                    callaudit::report::gates::exact_num(points)
                ),
                None => String::new(),
            }
        );
    }
    if let (Some(points), Some(base)) = (fail_drop, &baseline)
        && !base.has_agent_lines()
    {
        bail!(
            "--fail-drop {}: the baseline {} is grouped by {}, so its agents cannot be compared; use the JSON report of a run grouped by agent (the default) or by agent first (agent,week)",
            callaudit::report::gates::exact_num(points),
            base.info.file,
            base.info.group_by
        );
    }
    if let (Some(points), Some(base)) = (fail_drop, &baseline)
        && let Some(cut) = base.cut(flags.min_calls)
    {
        bail!(
            "--fail-drop {}: the baseline {} was written with {cut}, so it lacks agents' lines and they cannot be compared; use a JSON report written without --top/--bottom, and with --min-calls no higher than this run's ({})",
            callaudit::report::gates::exact_num(points),
            base.info.file,
            flags.min_calls.max(1)
        );
    }
    Ok(baseline)
}

/// `--update-baseline` beside `--fail-drop`: the report this run writes as the baseline is the
/// one the next run's `--fail-drop` reads, so one that could not serve it (grouped otherwise
/// than by agent first, or cut by `--top`/`--bottom`) is refused before the work. The night
/// that wrote it passed in silence and every night after stopped with exit 2 until the file
/// was mended by hand (tester t25 F1).
pub fn updated_baseline_serves_fail_drop(
    flags: &GateFlags,
    lines: &super::args::LineArgs,
) -> anyhow::Result<()> {
    let Some(points) = flags.fail_drop.and_then(GateLimit::value) else {
        return Ok(());
    };
    if !flags.update_baseline {
        return Ok(());
    }
    let points = callaudit::report::gates::exact_num(points);
    let levels = &lines.group_by.0;
    if levels.first() != Some(&callaudit::aggregate::GroupBy::Agent) {
        let by: Vec<&str> = levels.iter().map(|l| l.name()).collect();
        bail!(
            "--update-baseline with --fail-drop {points}: this run's report is grouped by {}, so as the baseline it would hold no agent's line and the next run's --fail-drop would stop; update the baseline from a run grouped by agent (the default) or by agent first (agent,week)",
            by.join(",")
        );
    }
    let cut: Vec<String> = [("--top", lines.top), ("--bottom", lines.bottom)]
        .iter()
        .filter_map(|(flag, n)| n.map(|n| format!("{flag} {n}")))
        .collect();
    if !cut.is_empty() {
        bail!(
            "--update-baseline with --fail-drop {points}: this run's report is cut by {}, so as the baseline it would lack agents' lines and the next run's --fail-drop would stop; update the baseline from a run without --top/--bottom",
            cut.join(" and ")
        );
    }
    Ok(())
}

/// `--sort` resolved against the rubric: a fixed key or one of its item ids (checked before the
/// work, so that a typo fails fast; the message starts with the flag, so that one from a
/// config file or the environment is said to come from there).
pub fn sort_spec(sort: &SortArg, rubric: &Rubric) -> anyhow::Result<SortSpec> {
    let items: Vec<&str> = rubric.items.iter().map(|i| i.id.as_str()).collect();
    sort.resolve(&items)
        .map_err(|why| anyhow::anyhow!("--sort {why}"))
}

/// One set of totals per agent, from totals grouped by agent alone.
pub fn agent_totals(by_agent: &Aggregate) -> BTreeMap<String, Totals> {
    by_agent
        .groups
        .iter()
        .map(|(path, t)| (path.concat(), t.clone()))
        .collect()
}

/// What the report's way out needs besides the report.
pub struct ReportOutput<'a> {
    pub rubric: &'a Rubric,
    pub format: Format,
    pub gates: &'a [Gate],
    /// Every audited call, for the gates.
    pub overall: &'a Totals,
    /// Per agent, for the gates that need agents (empty when none does).
    pub agents: &'a BTreeMap<String, Totals>,
    pub baseline: Option<&'a Baseline>,
    /// The calls the HTML report's call list is chosen from, once the lines are arranged
    /// (`None` for the other formats).
    pub call_list: Option<Vec<CallView>>,
    pub sort: SortSpec,
    pub top: Option<usize>,
    pub bottom: Option<usize>,
    pub min_calls: u64,
    pub color: ColorChoice,
    pub quiet: bool,
    /// `--csv-bom`: a CSV report starts with a UTF-8 byte order mark.
    pub csv_bom: bool,
    /// `--csv-item-n`: a CSV report has each item's n after its rate.
    pub csv_item_n: bool,
    /// `-o`, opened before the work; `None` is stdout.
    pub file: Option<AtomicFile>,
}

/// Gates the report (over every call, before `--top`/`--bottom` cut it), compares it with the
/// baseline, arranges its lines and writes it. The caller then finishes its other outputs and
/// takes the exit code from `gate_exit_code`.
///
/// A report to `-o` comes back written but not yet in place (`Prepared::commit`), so that it
/// is replaced together with the run's other outputs; one to stdout is written.
pub fn gate_arrange_and_print(
    report: &mut Report,
    out: ReportOutput<'_>,
) -> anyhow::Result<Option<Prepared>> {
    // The rubric's fingerprint (a few ms of TOML at every run) is read by the JSON report and
    // the baseline's comparison only.
    if out.format == Format::Json || out.baseline.is_some() {
        report.rubric_fingerprint = Some(callaudit::records::partial::fingerprint(out.rubric));
    }
    let other_rubric = out
        .baseline
        .and_then(|base| baseline::other_rubric(base, report));
    report.gates = gates::evaluate(
        out.gates,
        &GateInput {
            overall: out.overall,
            agents: out.agents,
            accounting: &report.accounting,
            baseline: out.baseline,
            baseline_rubric_differs: other_rubric.as_deref(),
        },
    );
    if let Some(base) = out.baseline {
        // Against another rubric's baseline --fail-drop compares no agent: said once, with
        // the baseline's own warning.
        let other = other_rubric.as_deref().map(|why| baseline::OtherRubric {
            why,
            fail_drop: out
                .gates
                .iter()
                .find(|g| matches!(g, Gate::FailDrop { .. }))
                .map(Gate::flag),
        });
        for w in baseline::apply(report, base, out.min_calls, other) {
            say!("callaudit: warning: {}", terminal_safe(&w));
        }
    }
    for w in callaudit::report::reserved_label_lines(report)
        .into_iter()
        .chain(callaudit::report::lookalike_lines(report))
    {
        say!("callaudit: warning: {}", terminal_safe(&w));
    }
    // Cut to what one run keeps while every line is still there (a merge's partials keep more).
    let call_list = out
        .call_list
        .map(|calls| callaudit::report::call_list_candidates(report, calls));
    let names = NameOrder::new(out.rubric.text_rules.language);
    arrange(
        report,
        Arrangement {
            sort: out.sort,
            top: out.top,
            bottom: out.bottom,
            min_calls: out.min_calls,
            names: Some(&names),
        },
    );
    // The call list follows the lines shown: their weakest calls.
    if let Some(calls) = call_list {
        callaudit::report::select_call_list(report, calls);
    }
    if report.hidden > 0 && !out.quiet {
        say!("callaudit: {}", hidden_note(report));
    }
    let cut = callaudit::render::cut_note(report);
    if !cut.is_empty() && !out.quiet {
        say!("callaudit: {}", terminal_safe(&cut));
    }
    let to_terminal = out.file.is_none();
    let width = if to_terminal && std::io::stdout().is_terminal() {
        table_width(
            std::env::var("COLUMNS").ok().as_deref(),
            comfy_table::Table::new().width(),
        )
    } else {
        None
    };
    if out.csv_bom && out.format != Format::Csv {
        say!("callaudit: warning: --csv-bom: the report is not CSV, so it gets no byte order mark");
    }
    if out.csv_item_n && out.format != Format::Csv {
        say!(
            "callaudit: warning: --csv-item-n: the report is not CSV, so it gets no n columns (JSON has each item's `applicable`; HTML shows it when you hover a rate)"
        );
    }
    let renderer = out.format.renderer(
        to_terminal && use_color(out.color),
        width,
        callaudit::render::csv::CsvRenderer {
            bom: out.csv_bom,
            item_n: out.csv_item_n,
        },
    );
    print_report(renderer.as_ref(), report, out.file)
}

/// `--update-baseline`: the report, as JSON, to be put in place of the `--baseline` file, when
/// the run audited calls; `None` when it audited none (the baseline is kept, as warned on
/// stderr, even under `--quiet`: it says why the file did not change; tester t25 F4) or the
/// flag is not given. Call after `gate_arrange_and_print`: it is the report `-o FILE.json`
/// holds.
pub fn updated_baseline(
    flags: &GateFlags,
    report: &mut Report,
    rubric: &Rubric,
) -> anyhow::Result<Option<Prepared>> {
    let (true, Some(path)) = (flags.update_baseline, flags.baseline.as_deref()) else {
        return Ok(None);
    };
    if report.overall.calls == 0 {
        say!(
            "callaudit: warning: --update-baseline: no call audited, so {} stays the baseline",
            terminal_safe(&path.display().to_string())
        );
        return Ok(None);
    }
    if report.rubric_fingerprint.is_none() {
        report.rubric_fingerprint = Some(callaudit::records::partial::fingerprint(rubric));
    }
    let file = AtomicFile::create(path)
        .map_err(|e| anyhow::anyhow!("--update-baseline {}: {e}", path.display()))?;
    let renderer = Format::Json.renderer(
        false,
        None,
        callaudit::render::csv::CsvRenderer {
            bom: false,
            item_n: false,
        },
    );
    print_report(renderer.as_ref(), report, Some(file))
}

/// Writes the rendered report to `file` (prepared, to be put in place by the caller) or to
/// stdout.
pub fn print_report(
    renderer: &dyn Renderer,
    report: &Report,
    file: Option<AtomicFile>,
) -> anyhow::Result<Option<Prepared>> {
    match file {
        Some(mut f) => {
            renderer.render(report, &mut f)?;
            Ok(Some(f.prepare()?))
        }
        None => {
            let mut lock = callaudit::output::stdout();
            renderer.render(report, &mut lock)?;
            lock.flush()?;
            Ok(None)
        }
    }
}

/// Prints one line on stderr per failed gate (its `brief` form, which names the first ten
/// failing agents); the exit code: 1 when any failed, else 0.
pub fn gate_exit_code(report: &Report) -> ExitCode {
    let failed: Vec<&GateVerdict> = report.gates.iter().filter(|g| !g.passed).collect();
    for g in &failed {
        say!(
            "callaudit: gate failed: {}: {}",
            g.gate.flag(),
            terminal_safe(g.brief.as_ref().unwrap_or(&g.reason))
        );
    }
    if failed.is_empty() {
        ExitCode::Ok
    } else {
        ExitCode::GateFailed
    }
}

/// The width the table on a terminal is fitted to: `COLUMNS` when it is exported (as `ls` and
/// most tools do), else the width the terminal reports. A terminal
/// that reports 0 columns (a pseudo-terminal nobody sized: `script`, some CI runners and
/// `docker exec -t`) has no width to fit, so the table is printed whole rather than stripped of
/// every item column "to fit 0 columns".
fn table_width(columns_env: Option<&str>, reported: Option<u16>) -> Option<u16> {
    columns_env
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&w| w > 0)
        .or(reported.filter(|&w| w > 0))
}

#[cfg(test)]
mod tests {
    use super::table_width;

    #[test]
    fn the_table_width_is_columns_then_the_terminal_and_never_zero() {
        assert_eq!(table_width(None, Some(120)), Some(120));
        assert_eq!(table_width(Some("100"), Some(120)), Some(100));
        assert_eq!(table_width(Some(" 90 "), None), Some(90));
        assert_eq!(table_width(Some("wide"), Some(120)), Some(120));
        assert_eq!(table_width(None, Some(0)), None);
        assert_eq!(table_width(Some("0"), Some(80)), Some(80));
        assert_eq!(table_width(Some("0"), Some(0)), None);
        assert_eq!(table_width(None, None), None);
    }
}
