//! One module per subcommand.

pub mod audit;
pub mod calibrate;
pub mod common;
pub mod completions;
pub mod explain;
pub mod rubric;
pub mod rubric_lint;
pub mod sample;

use crate::cli::{Cli, Command};

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Audit(args) => audit::run(*args),
        Command::Explain(args) => explain::run(*args),
        Command::Sample(args) => sample::run(*args),
        Command::Calibrate(args) => calibrate::run(*args),
        Command::Rubric(cmd) => rubric::run(cmd),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man => completions::man(),
    }
}
