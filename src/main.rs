mod cli;

/// Notes whether stdout is closed (`callaudit … >&-`) before the Rust runtime starts: it puts
/// `/dev/null` on a closed standard stream, where a report would then vanish with exit 0. Run
/// from `.init_array`, before `main` and the runtime's own set-up.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_CLOSED_STDOUT: extern "C" fn() = {
    unsafe extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    extern "C" fn note() {
        const F_GETFD: i32 = 1;
        // SAFETY: F_GETFD only reads the flags of descriptor 1 (-1 with EBADF when it is not
        // open); it touches no memory.
        if unsafe { fcntl(1, F_GETFD) } == -1 {
            callaudit::output::note_stdout_closed();
        }
    }
    note
};

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
            cli::say!(
                "callaudit: error: {}",
                callaudit::sanitize::terminal_safe_lines(&message)
            );
            cli::ExitCode::InputError.into()
        }
    }
}
