//! `codex-live-suite`: the suite against any orchestrator a `live-suite.toml` (or
//! `--base-url`) describes. `main` only dispatches.

use clap::CommandFactory;
use codex_live_suite::cli::{Cli, Command};
use codex_live_suite::report::terminal::Console;
use codex_live_suite::{commands, interrupt, process, report, secrets, stack};
use std::sync::Arc;

fn main() {
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse_args();
    let output = Console::detect(&cli.output, |name| std::env::var(name).ok());
    let dir = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            let e = anyhow::Error::from(e).context("reading the current directory");
            std::process::exit(commands::exit_code(Err(e), &Default::default()))
        }
    };
    let secrets = match secrets::Secrets::load(&dir) {
        Ok(s) => s,
        // No secrets to redact yet: the error is about reading them.
        Err(e) => std::process::exit(commands::exit_code(Err(e), &Default::default())),
    };
    // From here on no child inherits a secret: the backend's start hands them over
    // explicitly. Before any thread exists (the signal handler's is next).
    process::remove_secrets_from_environment();
    interrupt::install(report::text::eprint_line);
    // GitHub: mask every known value before anything else is printed.
    report::github::add_masks(&secrets, output.stream);
    let console = || Arc::new(commands::console(&secrets, &output));
    let launcher = stack::ConfigLauncher { dir };
    let result = match cli.command {
        None => cli.run.run(&secrets, &launcher, &output),
        Some(Command::Smoke(a)) => a.run(&secrets, &launcher, &output),
        Some(Command::List) => Ok(commands::list::run(&console())),
        Some(Command::Health(a)) => a.run(&secrets, &console()),
        Some(Command::Compare(a)) => a.run(&console()),
        Some(Command::Doctor(a)) => a.run(&secrets, &launcher, &console()),
        Some(Command::Completions(a)) => Ok(commands::completions::run(&a, Cli::command())),
    };
    std::process::exit(commands::exit_code(result, &secrets));
}
