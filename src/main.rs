use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = callaudit::cli::Cli::parse();
    // Interrupted runs remove their temporary files; without the watcher they would only stay.
    let _ = callaudit::cleanup::install();
    match callaudit::commands::run(cli) {
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
