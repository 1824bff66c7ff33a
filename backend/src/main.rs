//! `codex-backend`: the Codex Workspace Orchestrator API (CONTRACT.md) over SQLite, with
//! mocked, process and Docker runners. Configuration: see `config.rs` (issue 3).

mod api;
mod app;
mod config;
mod db;
mod error;
mod instance_lock;
mod jobs;
mod migrations;
mod orphans;
mod paths;
mod runner;
mod shutdown;
mod workspace;

use std::process::ExitCode;

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
