mod cli;

fn main() -> std::process::ExitCode {
    // The command line, with defaults from the environment and the config file.
    let parsed = cli::config::parse_args(std::env::args_os().collect());
    // Interrupted runs remove their temporary files; without the watcher they would only stay.
    let _ = callaudit::cleanup::install();
    let mut provenance = None;
    let result = parsed.and_then(|(cli, p)| cli::run_with(cli, provenance.insert(p)));
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            // A closed pipe (`callaudit audit … | head`) is not an error worth a message.
            if cli::common::is_broken_pipe(&e) {
                return cli::ExitCode::Ok.into();
            }
            // Messages quote file names and headers, which come from outside.
            let mut message = format!("{e:#}");
            // A value refused after parsing names the variable or FILE:LINE:COLUMN it came from.
            if let Some(p) = &provenance {
                message = cli::config::located(&message, p);
            }
            eprintln!(
                "callaudit: error: {}",
                callaudit::sanitize::terminal_safe_lines(&message)
            );
            cli::ExitCode::InputError.into()
        }
    }
}
