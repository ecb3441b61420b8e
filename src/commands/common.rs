//! What audit and explain share: rubric loading, read options, colour, enrichment.

use crate::cli::{ColorChoice, InputArgs};
use crate::read::enrich::Enricher;
use crate::read::{ColumnMap, InputFormat, ReadOptions};
use crate::rubric::Rubric;
use anyhow::bail;
use std::io::IsTerminal;

pub fn load_rubric(args: &InputArgs) -> anyhow::Result<Rubric> {
    match &args.rubric {
        Some(path) => Rubric::from_file(path),
        None => Ok(Rubric::default_rubric()),
    }
}

pub fn read_options(args: &InputArgs) -> anyhow::Result<ReadOptions> {
    let map = match &args.map {
        Some(spec) => ColumnMap::parse(spec).map_err(|e| anyhow::anyhow!("--map: {e}"))?,
        None => ColumnMap::default(),
    };
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter `{d}`: expected one ASCII character (or \\t)"),
    };
    Ok(ReadOptions {
        map,
        delimiter,
        agent_names: args.agent_names.clone(),
        strict: args.strict,
    })
}

pub fn input_format(args: &InputArgs) -> anyhow::Result<Option<InputFormat>> {
    match &args.input_format {
        None => Ok(None),
        Some(name) => InputFormat::from_name(name).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "--input-format `{name}`: expected one of {}",
                InputFormat::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
    }
}

pub fn threads(args: &InputArgs) -> anyhow::Result<usize> {
    match args.threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Colour on stdout: `always`, `never`, or on a terminal when NO_COLOR is unset.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Agent ids and call metadata the exports lack: `--agent-from-filename`, `--metadata`.
pub fn enricher(args: &InputArgs) -> anyhow::Result<Option<Enricher>> {
    Enricher::new(
        args.agent_from_filename.as_deref(),
        args.metadata.as_deref(),
    )
}

/// Runs the pipeline; when it stops on an error, prints the warnings of what it read first
/// (the error itself goes up to `main`).
pub fn run_pipeline(
    discovered: &crate::read::input::Discovered,
    opts: &crate::pipeline::RunOptions<'_>,
    sink: &mut dyn crate::pipeline::AuditSink,
) -> anyhow::Result<crate::accounting::Accounting> {
    crate::pipeline::run(discovered, opts, sink).map_err(|stopped| {
        super::audit::print_warnings(&stopped.acct);
        stopped.error
    })
}
