//! One module per subcommand.

pub mod audit;
pub mod calibrate;
pub mod common;
pub mod completions;
pub mod explain;
pub mod merge;
pub mod rubric;
pub mod rubric_lint;
pub mod sample;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::config::Provenance;

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    run_with(cli, &Provenance::default())
}

/// Runs a command line parsed with `config::parse_args`, which says where the configuration
/// came from (for `config show`).
pub fn run_with(cli: Cli, provenance: &Provenance) -> anyhow::Result<i32> {
    match cli.command {
        Command::Config(ConfigCommand::Show(_)) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(crate::config::show(provenance).as_bytes())?;
            out.flush()?;
            Ok(0)
        }
        Command::Audit(args) => audit::run(*args),
        Command::Explain(args) => explain::run(*args),
        Command::Sample(args) => sample::run(*args),
        Command::Calibrate(args) => calibrate::run(*args),
        Command::Merge(args) => merge::run(*args),
        Command::Rubric(cmd) => rubric::run(cmd),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
    }
}
