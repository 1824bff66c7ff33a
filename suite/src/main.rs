//! `codex-live-suite`: the suite against any orchestrator a `live-suite.toml` (or
//! `--base-url`) describes. `main` only dispatches.

use clap::CommandFactory;
use codex_live_suite::{begin, completions, console, exit_code, list};
use codex_live_suite::{Cli, Command, ConfigLauncher, Console};
use std::sync::Arc;

fn main() {
    // This binary is also the run's reaper (`reaper.rs`).
    codex_live_suite::reaper_if_asked();
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse_args();
    let output = Console::detect(&cli.output, |name| std::env::var(name).ok());
    let (dir, secrets) = begin(&output);
    let lines = || Arc::new(console(&secrets, &output));
    let launcher = ConfigLauncher {
        dir,
        path: std::env::var_os("PATH"),
    };
    let result = match cli.command {
        None => cli.run.run(&secrets, &launcher, &output),
        Some(Command::Smoke(a)) => a.run(&secrets, &launcher, &output),
        Some(Command::List) => Ok(list::run(&lines())),
        Some(Command::Health(a)) => a.run(&secrets, &lines()),
        Some(Command::Compare(a)) => a.run(&lines()),
        Some(Command::Verify(a)) => a.run(&secrets, &lines()),
        Some(Command::Down(a)) => Ok(a.run(&lines()).exit_code()),
        Some(Command::Doctor(a)) => a.run(&secrets, &launcher, &lines()),
        Some(Command::Init(a)) => a.run(&launcher.dir, &lines()),
        Some(Command::Completions(a)) => Ok(completions::run(&a, Cli::command())),
    };
    std::process::exit(exit_code(result, &secrets));
}
