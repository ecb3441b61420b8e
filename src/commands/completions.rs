//! `callaudit completions SHELL` and `callaudit man`, generated from the clap definitions.

use crate::cli::Shell;
use anyhow::bail;

pub fn completions(shell: Shell) -> anyhow::Result<i32> {
    let _ = shell;
    bail!("completions are not available yet")
}

pub fn man() -> anyhow::Result<i32> {
    bail!("the man page is not available yet")
}
