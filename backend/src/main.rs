//! The `codex-backend` binary: logging, configuration, runtime; the service is the library
//! (`codex_backend::app::run`).

use codex_backend::{app, config};
use std::process::ExitCode;

// What stops the start, before or beside the logger, goes to stderr as one line.
#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .init();
    let cfg = match config::Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("codex-backend: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("codex-backend: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(app::run(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codex-backend: {e:#}");
            ExitCode::FAILURE
        }
    }
}
