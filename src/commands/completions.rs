//! `callaudit completions SHELL` and `callaudit man`, generated from the clap definitions, so
//! they never drift from the flags the program really takes.

use crate::cli::{Cli, Shell};
use clap::CommandFactory;
use clap_complete::Shell as Target;
use std::io::Write;

pub fn completions(shell: Shell) -> anyhow::Result<i32> {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "callaudit", &mut script);
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(&script)?;
    lock.flush()?;
    Ok(0)
}

/// The whole manual in one roff page: the program's own sections, then one section per
/// subcommand (nested ones included) with its synopsis, description, options and examples.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut top = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut top)?;
    // The subcommands are sections of this page, not pages of their own.
    let mut text = String::from_utf8_lossy(&top).into_owned();
    for sub in cmd.get_subcommands() {
        text = text.replace(
            &format!("callaudit\\-{}(1)", sub.get_name()),
            &format!("\\fBcallaudit {}\\fR (below)", sub.get_name()),
        );
    }
    let mut out = text.into_bytes();
    for sub in cmd.get_subcommands() {
        subcommand_sections(sub, &mut out)?;
    }
    Ok(out)
}

fn subcommand_sections(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    if cmd.get_name() == "help" {
        return Ok(());
    }
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_uppercase();
    writeln!(out, ".SH \"{}\"", name.replace('"', ""))?;
    let man = clap_mangen::Man::new(cmd.clone());
    let mut body = Vec::new();
    man.render_synopsis_section(&mut body)?;
    man.render_description_section(&mut body)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut body)?;
    }
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        man.render_extra_section(&mut body)?;
    }
    // The subcommand's sections become subsections of its own section; the string definitions
    // each rendering repeats are already at the top of the page. Roff escapes text lines that
    // start with a dot, so only real requests are rewritten.
    for line in String::from_utf8_lossy(&body).lines() {
        if line.starts_with(".ie \\n(.g") || line.starts_with(".el .ds Aq") {
            continue;
        }
        match line.strip_prefix(".SH ") {
            Some(title) => writeln!(out, ".SS {title}")?,
            None => writeln!(out, "{line}")?,
        }
    }
    for sub in cmd.get_subcommands() {
        subcommand_sections(sub, out)?;
    }
    Ok(())
}

pub fn man() -> anyhow::Result<i32> {
    let page = man_page()?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(&page)?;
    lock.flush()?;
    Ok(0)
}
