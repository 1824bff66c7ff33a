//! The command line (`cargo xtask …`): the suite's own commands with `--stack`, and this
//! repository's (`up`, `down`, `logs`, `images`, `bench`).

use crate::stacks::StackKind;
use clap::{Args, Parser, Subcommand};
use codex_live_suite::{
    CompareArgs, CompletionsArgs, DoctorArgs, HealthArgs, LiveSuiteArgs, OutputArgs, SmokeArgs,
    VerifyArgs, LONG_ABOUT, VERSION,
};
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "xtask", about = codex_live_suite::ABOUT, long_about = LONG_ABOUT,
          version = VERSION)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run L01–L08, the rollback and M01–M04; write evidence, JUnit and a zip.
    LiveSuite(OurLiveSuiteArgs),
    /// List the scenarios, one line each.
    List,
    /// Run the mocked smoke M01–M04 alone (backend started in mocked mode).
    Smoke(OurSmokeArgs),
    /// Start a stack for a developer (local: in the foreground until Ctrl-C).
    Up(UpArgs),
    /// Stop a stack started with `up` (local stacks stop with their xtask), then remove what
    /// suite runs left (`codex-live-suite down`: killed runs, `--keep-up` stacks) with this
    /// repository's image tags of their compose projects.
    Down(DownArgs),
    /// Check a running backend: GET /docs and /healthz.
    Health(HealthArgs),
    /// Print the backend output of the compose stack started with `up` (redacted).
    Logs,
    /// Time N runs of each stack (local, compose, --base-url): wall, overhead beyond the
    /// worker's sleep, phases, image sizes; `--cold` also times clean builds.
    Bench(BenchArgs),
    /// Build the static binaries and both images (codex-backend, codex-worker) and stop.
    Images,
    /// Compare two runs (run folders, run.json files or zips): verdict changes, durations
    /// over 20% and 0.5 s (not across different settings), new or gone observations, target
    /// profile and settings changes. Exit 1 when a scenario fails or errors that did not in
    /// the old run (passed, skipped or absent).
    Compare(CompareArgs),
    /// Check a run's evidence offline (its zip or run folder): files against manifest.json,
    /// the reports' verdicts against each other and the exit code, the plan's evidence, and
    /// with --commit the commit it tested. Exit 0 when sound, 1 when not, 2 when unreadable.
    Verify(VerifyArgs),
    /// Check what a run needs (Docker engine and compose CLI, Chromium, the config file,
    /// the secrets' presence, the URLs given), one line each with the fix. Exit 0 when a run
    /// can start, else 2.
    Doctor(OurDoctorArgs),
    /// Print the shell completion script for SHELL.
    Completions(CompletionsArgs),
    /// This repository's CI pipeline: fmt, clippy, workflow lint, build, the suite on both
    /// stacks with --strict (JUnit checked against its schema), cargo test; a table of times.
    Ci(crate::ci::CiArgs),
    /// Build what a release ships for one target: the static release binary in
    /// `codex-live-suite-<version>-<target>.tar.gz` (with README, LICENSE, CHANGELOG), the
    /// wheel (maturin, `pip install`-able) and SHA256SUMS, in `<target dir>/dist`.
    Dist(DistArgs),
}

/// `--stack`: which of our stacks runs the backend.
#[derive(Debug, Args, Clone)]
pub struct StackChoice {
    /// local (child process, no Docker) or compose (containers). Default: compose when a
    /// Docker engine answers and its images were built before (a fresh clone's first run
    /// uses local rather than wait for a cold image build, and says so), else local.
    #[arg(
        long,
        value_enum,
        conflicts_with = "base_url",
        env = "CODEX_LIVE_SUITE_STACK"
    )]
    pub stack: Option<StackKind>,
}

#[derive(Debug, Args, Clone)]
pub struct OurLiveSuiteArgs {
    #[command(flatten)]
    pub stack: StackChoice,
    #[command(flatten)]
    pub suite: LiveSuiteArgs,
}

#[derive(Debug, Args, Clone)]
pub struct OurSmokeArgs {
    #[command(flatten)]
    pub stack: StackChoice,
    #[command(flatten)]
    pub suite: SmokeArgs,
}

#[derive(Debug, Args, Clone)]
pub struct OurDoctorArgs {
    #[command(flatten)]
    pub stack: StackChoice,
    #[command(flatten)]
    pub suite: DoctorArgs,
}

#[derive(Debug, Args, Clone)]
pub struct UpArgs {
    #[arg(long, value_enum)]
    pub stack: Option<StackKind>,
    /// Start in live mode (the default).
    #[arg(long, conflicts_with = "mocked")]
    pub live: bool,
    /// Start in mocked mode (USE_DUMMY_WORKER=True).
    #[arg(long)]
    pub mocked: bool,
    /// Compose: publish the backend port on this host address instead of 127.0.0.1.
    #[arg(long, value_name = "IP")]
    pub publish_address: Option<IpAddr>,
}

#[derive(Debug, Args, Clone)]
pub struct DownArgs {
    #[arg(long, value_enum)]
    pub stack: Option<StackKind>,
    /// Only list what suite runs left (the developer's stack is not touched either).
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// Runs per target (min / median / max are printed).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Stacks to run (repeatable). Default: local, and compose when a Docker engine answers.
    #[arg(long, value_enum)]
    pub stack: Vec<StackKind>,
    /// Also time the suite against this running backend.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also time the suite against the synchronous double (suite/tests/fixtures/
    /// py_orchestrator, the original's kind: a job runs inside its POST), started for each
    /// run on free ports, L08 sleeping 0 s; it records its busy time for target (a). Default:
    /// on when no --stack or --base-url is given and python3 runs.
    #[arg(long)]
    pub sync_double: bool,
    /// Run the suite with CHROMIUM=false: report.png is not taken (a browser that fails
    /// costs a run nothing), for the targets on a machine without Chromium.
    #[arg(long)]
    pub no_screenshot: bool,
    /// L08's sleep; the overhead column is the wall time beyond it.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub long_run_seconds: u64,
    /// Also time clean builds (xtask, static image binaries, local binaries) in a temporary
    /// target folder: the first-run cost of a fresh clone. Takes minutes.
    #[arg(long)]
    pub cold: bool,
    /// Also run every target with this other xtask binary (e.g. main's), interleaved, for an
    /// A/B ratio under the same load. Phases need `Event::Phase` (older binaries: wall and
    /// overhead only).
    #[arg(long, value_name = "PATH")]
    pub baseline_xtask: Option<PathBuf>,
    /// Run the targets given by URL (the synchronous double, --base-url) with this
    /// codex-live-suite binary instead of `xtask live-suite`: what a repository with its own
    /// orchestrator runs, a release build (`cargo install` in action.yml; `cargo build
    /// --release -p codex-live-suite` gives target/release/codex-live-suite). Local and
    /// compose stay with the xtask.
    #[arg(long, value_name = "PATH")]
    pub suite_bin: Option<PathBuf>,
    /// The baseline of --suite-bin's targets: another codex-live-suite binary (e.g. main's,
    /// a release build too), run interleaved like --baseline-xtask.
    #[arg(long, value_name = "PATH", requires = "suite_bin")]
    pub baseline_suite_bin: Option<PathBuf>,
    /// Where bench.txt (the table) and bench.json go.
    #[arg(long, value_name = "DIR", default_value = "target/bench")]
    pub out: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct DistArgs {
    /// The Rust target to build for (its standard library installed: `rustup target add`).
    /// The Linux targets are musl, linked fully static.
    #[arg(long, value_name = "TRIPLE", default_value = crate::dist::DEFAULT_TARGET)]
    pub target: String,
    /// Only the archive and SHA256SUMS: no wheel, no maturin needed.
    #[arg(long)]
    pub no_wheel: bool,
    /// Where the files go (created when missing; files of the same names are replaced,
    /// others kept, and SHA256SUMS lists every archive and wheel there). Default:
    /// `<target dir>/dist`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent_and_takes_the_stack_beside_the_suites_flags() {
        Cli::command().debug_assert();
        let ok = Cli::try_parse_from(["xtask", "live-suite", "--stack", "local", "--only", "L04"])
            .unwrap();
        let Command::LiveSuite(a) = ok.command else {
            panic!()
        };
        assert_eq!(a.stack.stack, Some(StackKind::Local));
        assert_eq!(a.suite.only, ["L04"]);
        assert_eq!(a.suite.stack.out, PathBuf::from("docs/evidence"));
        let e = Cli::try_parse_from([
            "xtask",
            "live-suite",
            "--stack",
            "local",
            "--base-url",
            "http://127.0.0.1:1",
        ])
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
