//! `cargo xtask`: this repository's automation. It builds our orchestrator twin (`backend/`,
//! `worker/`) and runs the suite (`codex_live_suite`) against it, and keeps the developer's
//! stack, the images, the bench and the generated docs. `main` only dispatches.
// A unit test that cannot run here says why on stdout, where libtest shows it.
#![cfg_attr(test, allow(clippy::print_stdout))]

mod ci;
mod cli;
mod commands;
mod dist;
#[cfg(test)]
mod docs_sync;
mod images;
mod stacks;
#[cfg(test)]
mod test_backend;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use codex_live_suite::Console;
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    // This binary is also the run's reaper (`suite/src/reaper.rs`).
    codex_live_suite::reaper_if_asked();
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse();
    let output = Console::detect(&cli.output, |name| std::env::var(name).ok());
    let (_, secrets) = commands::begin(&output);
    let console = || Arc::new(commands::console(&secrets, &output));
    let result = match cli.command {
        Command::LiveSuite(a) => a.suite.run(&secrets, &stacks::Ours::new(a.stack), &output),
        Command::Smoke(a) => a.suite.run(&secrets, &stacks::Ours::new(a.stack), &output),
        Command::List => Ok(commands::list::run(&console())),
        Command::Up(a) => a.run(&secrets, console()),
        Command::Down(a) => a.run(&console()),
        Command::Health(a) => a.run(&secrets, &console()),
        Command::Logs => commands::logs::run(&console()),
        Command::Compare(a) => a.run(&console()),
        Command::Verify(a) => a.run(&secrets, &console()),
        Command::Images => commands::images::run(&console()),
        Command::Bench(a) => a.run(&console()),
        Command::Ci(a) => a.run(codex_live_suite::print_line),
        Command::Dist(a) => a.run(&console()),
        Command::Doctor(a) => a
            .suite
            .run(&secrets, &stacks::Ours::new(a.stack), &console()),
        Command::Completions(a) => Ok(commands::completions::run(&a, Cli::command())),
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
