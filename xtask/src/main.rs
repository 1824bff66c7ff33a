//! `cargo xtask`: the live validation pipeline (see README.md).

mod cli;
mod client;
mod conformance;
mod docker;
mod evidence;
mod freshness;
mod interrupt;
mod ladder;
mod poll;
mod progress;
mod report;
mod secrets;
mod stack;
mod suite;
mod suite_config;
mod target_profile;
#[cfg(test)]
mod test_backend;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    // Bad flags: clap prints the reason and exits with 2.
    let cli = Cli::parse();
    interrupt::install();
    let secrets = match std::env::current_dir()
        .map_err(anyhow::Error::from)
        .and_then(|dir| secrets::Secrets::load(&dir))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("setup error: {e:#}");
            std::process::exit(suite::EXIT_SETUP);
        }
    };
    // GitHub: mask every known value before anything else is printed.
    report::github::add_masks(&secrets);
    let result = match &cli.command {
        Command::LiveSuite(a) => suite::live_suite(a, &secrets),
        Command::List => Ok(suite::list()),
        Command::Smoke(a) => suite::smoke(a, &secrets),
        Command::Up(a) => suite::up(a, &secrets),
        Command::Down(a) => suite::down(a),
        Command::Health(a) => suite::health(a),
        Command::Logs => stack::compose::dev_logs(&secrets).map(|()| 0),
    };
    let code = result.unwrap_or_else(|e| {
        let msg = secrets.redactor().redact(&format!("{e:#}")).text;
        eprintln!("setup error (exit 2): {msg}");
        report::github::report_setup_error(&msg);
        suite::EXIT_SETUP
    });
    std::process::exit(code);
}
