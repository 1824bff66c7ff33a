//! `completions SHELL`: the shell completion script of a command line, on stdout.

use super::EXIT_PASS;
use crate::cli::CompletionsArgs;

/// Writes the script for `cmd` (`Cli::command()` of the binary that asks).
pub fn run(args: &CompletionsArgs, mut cmd: clap::Command) -> i32 {
    let name = cmd.get_name().to_owned();
    clap_complete::generate(args.shell, &mut cmd, name, &mut std::io::stdout());
    EXIT_PASS
}
