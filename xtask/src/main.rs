//! `cargo xtask`: the live validation pipeline (see README.md and ARCHITECTURE.md).
//! `main` only dispatches: one module per command under `commands/`.

mod bounded_read;
mod cli;
mod client;
mod commands;
mod compare;
mod conformance;
mod docker;
#[cfg(test)]
mod docs_sync;
mod events;
mod evidence;
mod freshness;
mod health_probe;
mod images;
mod interrupt;
mod ladder;
mod outcome;
mod poll;
mod process;
mod report;
mod secrets;
mod stack;
mod suite_config;
mod target_profile;
#[cfg(test)]
mod test_backend;

use clap::Parser;
use cli::{Cli, Command};
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse();
    let secrets = match std::env::current_dir()
        .map_err(anyhow::Error::from)
        .and_then(|dir| secrets::Secrets::load(&dir))
    {
        Ok(s) => s,
        // No secrets to redact yet: the error is about reading them.
        Err(e) => std::process::exit(commands::exit_code(Err(e), &Default::default())),
    };
    // From here on no child inherits a secret: the backend's spawn and compose `up` hand
    // them over explicitly. Before any thread exists (the signal handler's is next).
    process::remove_secrets_from_environment();
    interrupt::install(report::text::eprint_line);
    // GitHub: mask every known value before anything else is printed.
    report::github::add_masks(&secrets);
    let console = || Arc::new(commands::console(&secrets));
    let result = match cli.command {
        Command::LiveSuite(a) => a.run(&secrets),
        Command::Smoke(a) => a.run(&secrets),
        Command::List => Ok(commands::list::run(&console())),
        Command::Up(a) => a.run(&secrets, console()),
        Command::Down(a) => a.run(&console()),
        Command::Health(a) => a.run(&console()),
        Command::Logs => commands::logs::run(&console()),
        Command::Compare(a) => a.run(&console()),
        Command::Images => commands::images::run(&console()),
        Command::Bench(a) => a.run(&console()),
    };
    let code = commands::exit_code(result, &secrets);
    std::process::exit(code);
}

/// The repository root: holds the workspace's Cargo.toml, `docker-compose.yml` and both
/// Dockerfiles.
pub fn project_root() -> PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    PathBuf::from(dir)
        .parent()
        .expect("xtask lives in the repository root")
        .to_owned()
}
