mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // The command line, with defaults from the environment and the config file.
    let parsed = cli::config::parse_args(std::env::args_os().collect());
    // Interrupted runs remove their temporary files; without the watcher they would only stay.
    let _ = callaudit::cleanup::install();
    let result = parsed.and_then(|(cli, provenance)| cli::run_with(cli, &provenance));
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // A closed pipe (`callaudit audit … | head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Messages quote file names and headers, which come from outside.
            let message = format!("{e:#}");
            eprintln!(
                "callaudit: error: {}",
                callaudit::render::terminal_safe_lines(&message)
            );
            ExitCode::from(2)
        }
    }
}
