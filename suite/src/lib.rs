//! `codex-live-suite`: the live validation suite of the Codex Workspace Orchestrator.
//!
//! It brings a backend up (or connects to one), climbs the gated ladder of live scenarios
//! L01–L08, rolls back to mocked mode, re-runs the mocked smoke M01–M04, and writes evidence,
//! JUnit, an HTML report and a zip. The binary `codex-live-suite` and a repository's own
//! automation both call the commands re-exported here; a caller with stacks of its own hands
//! them in through [`Launcher`].
// A unit test that cannot run here says why on stdout, where libtest shows it.
#![cfg_attr(test, allow(clippy::print_stdout))]
#![warn(unreachable_pub)]

mod cli;
mod commands;
mod compare;
mod doctor;
mod evidence;
mod ladder;
mod model;
mod reaper;
mod report;
mod stack;
mod sys;
mod target;
#[cfg(test)]
mod test_backend;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod verify;

// The facade: what the binary, a repository's own automation and the tests use. The layers
// behind it stay private, so what they do not export here can change freely.

/// The command line: `codex-live-suite`'s, and the arguments a repository's own CLI
/// flattens into its commands.
pub use cli::{
    Cli, Command, CompareArgs, CompletionsArgs, DoctorArgs, DownArgs, HealthArgs, LiveSuiteArgs,
    SmokeArgs, StackArgs, VerifyArgs, ABOUT, LONG_ABOUT, VERSION,
};
/// What every command does first, the commands without arguments, and the exit codes.
pub use commands::{
    begin, completions, console, exit_code, list, EXIT_FAIL, EXIT_PASS, EXIT_REPORT, EXIT_SETUP,
};
/// The live ladder (its scenarios and their acceptance feed the docs).
pub use ladder::Scenario;
pub mod live {
    pub use crate::ladder::live::LADDER;
}
/// The names of a run folder's own files.
pub mod files {
    pub use crate::evidence::files::EVENTS;
}
/// What a run is made of.
pub use model::events::{Event, Events};
pub use model::outcome::run::Phase;
pub use model::outcome::{one_line, ScenarioOutcome, Suite, Verdict};
pub use model::secrets::Secrets;
/// How the human output looks (`Console`) and the one writer of a line to stdout.
pub use report::terminal::console::{Console, OutputArgs};
pub use report::text::print_line;
/// report.png's browser.
pub mod screenshot {
    pub use crate::report::screenshot::{find_browser, screenshot, window};
}
/// events.jsonl read back.
pub mod structured {
    pub use crate::report::structured::read;
}
/// The stacks, and the seams a caller brings its own through.
pub use stack::process::ProcessStack;
pub use stack::suite_config::SuiteConfig;
pub use stack::{ConfigLauncher, Docker, Launcher, Request, Stack, StackOptions, StackOwner};
pub mod suite_config {
    pub use crate::stack::suite_config::FILE_NAME;
}
/// The Docker engine and the compose stack, for a caller that builds its own images and
/// keeps a developer's stack.
pub mod docker {
    pub use crate::stack::docker::compose::{CallerImages, ComposeStack};
    pub use crate::stack::docker::project::{project_name, project_pid, ComposeProject, LOOPBACK};
    pub use crate::stack::docker::{
        combined, containers_with_label, probe_engine, remove_project, remove_tags, tail,
        ComposeCli, COMPOSE_PROJECT_LABEL, STACK_LABEL,
    };
}
/// Files read back within bounds.
pub mod bounded_read {
    pub use crate::sys::bounded_read::{read_text, EVENTS_LIMIT};
}
/// Children in their own process group, tethered to the suite and in its journal.
pub mod process {
    pub use crate::sys::process::{run_grouped, spawn_grouped, stop_group, Tether};
}
/// In the run's reaper (this binary, started by a run), reap and exit.
pub use reaper::run_if_asked as reaper_if_asked;
/// What `down` removed, for a caller that also removes what it made per compose project.
pub use reaper::Down;
/// How long a backend may take to answer healthy by default.
pub use target::health::wait::HEALTH_TIMEOUT;
/// A run's evidence checked offline.
pub use verify::{verify, Expect, Verified};
