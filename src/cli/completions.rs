//! `callaudit completions SHELL` and `callaudit man`, generated from the clap definitions, so
//! they never drift from the flags the program really takes.

use super::ExitCode;
use crate::cli::args::{Cli, Shell};
use clap::CommandFactory;
use clap_complete::Shell as Target;
use std::io::Write;

pub fn completions(shell: Shell) -> anyhow::Result<ExitCode> {
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut completion_command(), "callaudit", &mut script);
    let mut lock = callaudit::output::stdout();
    lock.write_all(&script)?;
    lock.flush()?;
    Ok(ExitCode::Ok)
}

/// The command as the completion scripts see it: `--fail-on` completes the built-in rubric's
/// violation ids and `--group-by` its levels. Only the scripts get these lists: the program
/// itself takes any item of the rubric in use (`--rubric`) and comma-separated levels.
pub fn completion_command() -> clap::Command {
    let rubric = callaudit::rubric::Rubric::default_rubric();
    // Leaked: the script is generated once and the process ends.
    let violations: Vec<&'static str> = rubric
        .items
        .iter()
        .filter(|i| i.kind == callaudit::rubric::Kind::Violation)
        .map(|i| &*Box::leak(i.id.clone().into_boxed_str()))
        .collect();
    let levels: Vec<&'static str> = callaudit::aggregate::GroupBy::ALL
        .iter()
        .map(|g| g.name())
        .collect();
    // Every command that takes the flags: audit, merge and config show (audit's options).
    let lists = |cmd: clap::Command| {
        cmd.mut_arg("fail_on", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(violations.clone()))
        })
        .mut_arg("group_by", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(levels.clone()))
        })
    };
    super::config::config_only_where_read(Cli::command())
        .mut_subcommand("audit", lists)
        .mut_subcommand("merge", lists)
        .mut_subcommand("config", |config| config.mut_subcommand("show", lists))
}

/// The whole manual in one roff page: the program's own sections, then one section per
/// subcommand (nested ones included) with its synopsis, description, options and examples.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = super::config::config_hidden_where_unread(Cli::command());
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut top = Vec::new();
    man.render_title(&mut top)?;
    man.render_name_section(&mut top)?;
    man.render_synopsis_section(&mut top)?;
    man.render_description_section(&mut top)?;
    man.render_options_section(&mut top)?;
    man.render_subcommands_section(&mut top)?;
    extra_sections(&cmd, ".SH", &mut top)?;
    man.render_version_section(&mut top)?;
    // Each rendering repeats the string definitions: keep the first.
    let mut seen_defs = 0;
    let mut text: String = String::from_utf8_lossy(&top)
        .lines()
        .filter(|l| {
            let def = l.starts_with(".ie \\n(.g") || l.starts_with(".el .ds Aq");
            seen_defs += usize::from(def);
            !def || seen_defs <= 2
        })
        .map(|l| format!("{l}\n"))
        .collect();
    // The subcommands are sections of this page, not pages of their own.
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

/// Escapes a line of text for roff: backslashes, and a leading dot or quote.
fn roff_line(line: &str) -> String {
    let line = line.replace('\\', "\\e");
    if line.starts_with('.') || line.starts_with('\'') {
        format!("\\&{line}")
    } else {
        line
    }
}

/// The help's closing text as man page sections: each `HEADING:` line (`EXAMPLES:`,
/// `EXIT STATUS:`) opens a section of that name (`.SH`, or `.SS` inside a subcommand's), and
/// its lines keep their layout.
fn extra_sections(cmd: &clap::Command, macro_name: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let Some(text) = cmd.get_after_long_help().or(cmd.get_after_help()) else {
        return Ok(());
    };
    let text = text.to_string();
    let mut open = false;
    for line in text.lines() {
        let heading = line
            .strip_suffix(':')
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_uppercase() || c == ' '));
        if let Some(h) = heading {
            if open {
                writeln!(out, ".fi")?;
            }
            writeln!(out, "{macro_name} \"{h}\"")?;
            writeln!(out, ".nf")?;
            open = true;
        } else {
            if !open {
                writeln!(out, "{macro_name} EXAMPLES")?;
                writeln!(out, ".nf")?;
                open = true;
            }
            writeln!(out, "{}", roff_line(line))?;
        }
    }
    if open {
        writeln!(out, ".fi")?;
    }
    Ok(())
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
    extra_sections(cmd, ".SS", out)?;
    for sub in cmd.get_subcommands() {
        subcommand_sections(sub, out)?;
    }
    Ok(())
}

pub fn man() -> anyhow::Result<ExitCode> {
    let page = man_page()?;
    let mut lock = callaudit::output::stdout();
    lock.write_all(&page)?;
    lock.flush()?;
    Ok(ExitCode::Ok)
}
