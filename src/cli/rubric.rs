//! `callaudit rubric show | check | test` (and `lint`, in `rubric_lint`).

use super::ExitCode;
use super::explain::quote;
use crate::cli::args::{RubricCommand, SpeakerArg};
use callaudit::audit::Auditor;
use callaudit::model::{Call, Speaker};
use callaudit::pipeline::InputError;
use callaudit::rubric::{BUILTIN_NAMES, Rubric, builtin_text};
use std::io::Write;
use std::path::Path;

pub fn run(cmd: RubricCommand) -> anyhow::Result<ExitCode> {
    let mut out = callaudit::output::stdout();
    match cmd {
        RubricCommand::Show { rubric } => {
            let text = builtin_text(&rubric)
                .unwrap_or_else(|| {
                    Err(anyhow::anyhow!(
                        "`{rubric}`: `rubric show` prints a built-in rubric: {}",
                        BUILTIN_NAMES.join(", ")
                    ))
                })
                .map_err(|e| InputError(format!("{e:#}")))?;
            out.write_all(text.as_bytes())?;
        }
        RubricCommand::Check { file, stats } => {
            rubric_spared(&file)?;
            let r = Rubric::load(&file).map_err(|e| InputError(format!("{e:#}")))?;
            writeln!(
                out,
                "{}: ok: {} items, {} phrases, {} distinct patterns",
                file.display(),
                r.items.len(),
                r.phrases.len(),
                r.matcher.pattern_count()
            )?;
            if stats {
                for s in r.matcher.automaton_stats() {
                    writeln!(
                        out,
                        "  {} automaton: {} anchors for {} phrase sides, {:?}, {} bytes",
                        s.speaker.as_str(),
                        s.patterns,
                        s.uses,
                        s.kind,
                        s.memory_bytes
                    )?;
                }
            }
        }
        RubricCommand::Lint(args) => {
            drop(out);
            return super::rubric_lint::run(*args);
        }
        RubricCommand::Test {
            file,
            text,
            speaker,
        } => {
            test_text(&mut out, &file, &text, speaker)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::Ok)
}

/// Refuses stdout redirected onto the rubric the command reads (`>> rubric.toml`).
fn rubric_spared(rubric: &Path) -> anyhow::Result<()> {
    super::common::outputs_spare_inputs(
        &[],
        Some("the output"),
        None,
        &[(Some(rubric), "the rubric", super::common::Guard::Always)],
    )
}

/// `rubric test`: each item that fires on `text` said by `speaker`, with its evidence, and
/// what matched but was not counted.
fn test_text(
    out: &mut impl Write,
    file: &str,
    text: &str,
    speaker: SpeakerArg,
) -> anyhow::Result<()> {
    rubric_spared(Path::new(file))?;
    let rubric = Rubric::load(Path::new(file)).map_err(|e| InputError(format!("{e:#}")))?;
    // `any`, as in the rubric: whoever says it, so the text is tried as each side's.
    let speakers: &[Speaker] = match speaker {
        SpeakerArg::Agent => &[Speaker::Agent],
        SpeakerArg::Customer => &[Speaker::Customer],
        SpeakerArg::Any => &[Speaker::Agent, Speaker::Customer],
        SpeakerArg::Other => &[Speaker::Other],
    };
    let width = rubric.items.iter().map(|i| i.id.len()).max().unwrap_or(0);
    let mut fired = 0;
    for &speaker in speakers {
        let tag = if speakers.len() > 1 {
            format!("{:<9}", speaker.as_str())
        } else {
            String::new()
        };
        let mut call = Call::new("test");
        call.push_turn(speaker, text, 1);
        let audit = Auditor::new(&rubric, true).audit(&call);
        let detail = audit.detail.as_deref().expect("audited with detail");
        for (i, item) in rubric.items.iter().enumerate() {
            // Matches of an item that did not apply, or fell short of its `min_count`, count
            // for nothing: said, with the verdict's reason, like any match not counted.
            let occurred = audit.items[i].verdict.occurred();
            for e in &detail.evidence[i] {
                if occurred {
                    fired += 1;
                    writeln!(out, "{tag}{:<width$}  {}", item.id, quote(e))?;
                } else {
                    writeln!(
                        out,
                        "{tag}{:<width$}  {}  not counted: {}",
                        item.id,
                        quote(e),
                        detail.reasons[i]
                    )?;
                }
            }
            for d in &detail.dropped[i] {
                writeln!(
                    out,
                    "{tag}{:<width$}  {}  not counted: {}",
                    item.id,
                    quote(&d.evidence),
                    d.reason
                )?;
            }
        }
    }
    if fired == 0 {
        let who = match speaker {
            SpeakerArg::Any => "agent's or customer's",
            SpeakerArg::Agent => "agent",
            SpeakerArg::Customer => "customer",
            SpeakerArg::Other => "other",
        };
        writeln!(out, "no item fires on this {who} text")?;
    }
    Ok(())
}
