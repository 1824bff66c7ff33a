//! `codex-live-suite`: the suite against any orchestrator a `live-suite.toml` (or
//! `--base-url`) describes. `main` only dispatches.

use clap::CommandFactory;
use codex_live_suite::cli::{Cli, Command};
use codex_live_suite::report::terminal::Console;
use codex_live_suite::{commands, stack};
use std::sync::Arc;

fn main() {
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse_args();
    let output = Console::detect(&cli.output, |name| std::env::var(name).ok());
    let (dir, secrets) = commands::begin(&output);
    let console = || Arc::new(commands::console(&secrets, &output));
    let launcher = stack::ConfigLauncher { dir };
    let result = match cli.command {
        None => cli.run.run(&secrets, &launcher, &output),
        Some(Command::Smoke(a)) => a.run(&secrets, &launcher, &output),
        Some(Command::List) => Ok(commands::list::run(&console())),
        Some(Command::Health(a)) => a.run(&secrets, &console()),
        Some(Command::Compare(a)) => a.run(&console()),
        Some(Command::Verify(a)) => a.run(&secrets, &console()),
        Some(Command::Doctor(a)) => a.run(&secrets, &launcher, &console()),
        Some(Command::Completions(a)) => Ok(commands::completions::run(&a, Cli::command())),
    };
    std::process::exit(commands::exit_code(result, &secrets));
}
