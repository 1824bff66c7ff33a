//! The command line: `codex-live-suite`'s, and the arguments a repository's own
//! automation flattens into its commands (`StackArgs`, `LiveSuiteArgs`, …).

use crate::ladder::live::LADDER;
use crate::ladder::mocked::SMOKE;
use crate::target::health::wait::HEALTH_TIMEOUT;
use clap::builder::BoolishValueParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::net::IpAddr;

pub(crate) use crate::report::terminal::OutputArgs;
use std::path::PathBuf;

/// The ids `--from` and `--only` accept: the live ladder's, then the mocked rerun's, in the
/// order a run meets them.
const SCENARIO_IDS: [&str; LADDER.len() + SMOKE.len()] = {
    let mut ids = [""; LADDER.len() + SMOKE.len()];
    let mut i = 0;
    while i < ids.len() {
        ids[i] = if i < LADDER.len() {
            LADDER[i].id
        } else {
            SMOKE[i - LADDER.len()].id
        };
        i += 1;
    }
    ids
};

/// `--out`'s default.
pub(crate) const DEFAULT_OUT: &str = "docs/evidence";
/// `--poll-timeout`'s default, in seconds.
const DEFAULT_POLL_TIMEOUT: u64 = 300;
/// `--settle-grace`'s default, in seconds.
const DEFAULT_SETTLE_GRACE: u64 = 2;

/// `--version`: the package version and the commit it was built from, when known.
pub const VERSION: &str = env!("CODEX_LIVE_SUITE_VERSION");

/// What `--help` says of the suite, here and in a repository's own automation.
pub const ABOUT: &str = "Live validation suite of the Codex Workspace Orchestrator";
pub const LONG_ABOUT: &str = "Live validation suite of the Codex Workspace Orchestrator.\n\n\
    A run brings a backend up in live mode (or connects to --base-url), climbs the gated \
    ladder L01–L08, rolls back to mocked mode, re-runs the mocked smoke M01–M04, and writes \
    evidence, summary.txt, junit.xml, report.html and a zip under --out.\n\n\
    Secrets (OPENAI_API_KEY, OPENAI_ORG_ID, OPENAI_PROJECT) come from the environment or \
    .env.live; they reach the backend's environment only and are redacted from every byte \
    the suite writes.\n\n\
    Exit codes: 0 every scenario that ran passed; 1 a scenario failed; 2 setup error (bad \
    flags, a stack that will not start); 3 the run finished but a report could not be \
    written; 128+n interrupted by signal n (a partial report is written).\n\n\
    Every option can also come from the environment: CODEX_LIVE_SUITE_ and its name in \
    capitals with underscores (CODEX_LIVE_SUITE_BASE_URL for --base-url); a flag on the \
    command line wins.";

/// `codex-live-suite [OPTIONS]` runs the whole suite; the subcommands do one thing each.
#[derive(Debug, Parser)]
#[command(
    name = "codex-live-suite",
    about = ABOUT,
    long_about = LONG_ABOUT,
    version = VERSION
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: LiveSuiteArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl Cli {
    /// The command line, or clap's error and exit 2. The run's options belong to the run:
    /// given before a subcommand they are refused (the output options are taken anywhere).
    pub fn parse_args() -> Cli {
        Cli::try_parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// `parse_args` of `args` (the program's name first), the error returned.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut cmd = Cli::command();
        let matches = cmd.try_get_matches_from_mut(args)?;
        if let Some((name, _)) = matches.subcommand() {
            let run_flag = cmd.get_arguments().find(|a| {
                !a.is_global_set()
                    && matches.value_source(a.get_id().as_str())
                        == Some(clap::parser::ValueSource::CommandLine)
            });
            if let Some(flag) = run_flag {
                let flag = flag.get_long().unwrap_or_default();
                return Err(cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("the subcommand '{name}' cannot be used with '--{flag}' (an option of the run)"),
                ));
            }
        }
        Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the scenarios, one line each.
    List,
    /// Run the mocked smoke M01–M04 alone (backend started in mocked mode).
    Smoke(SmokeArgs),
    /// Check a running backend: GET /docs and /healthz.
    Health(HealthArgs),
    /// Compare two runs (run folders, run.json files or zips): verdict changes, durations
    /// over 20% and 0.5 s (not across different settings), new or gone observations, target
    /// profile and settings changes. Exit 1 when a scenario fails or errors that did not in
    /// the old run (passed, skipped or absent).
    Compare(CompareArgs),
    /// Check a run's evidence offline (its zip or run folder): every file matches
    /// manifest.json and none is added; run.json, junit.xml and summary.txt tell the same
    /// verdicts, and the exit code run.json records is theirs; each live scenario that ran
    /// left the files the plan requires. One line per problem; exit 0 when sound, 1 when
    /// not, 2 when the input cannot be read.
    Verify(VerifyArgs),
    /// Check what a run needs (Docker engine and compose CLI, Chromium, the config file,
    /// the secrets' presence, the URLs given), one line each with the fix. Exit 0 when a run
    /// can start, else 2.
    Doctor(DoctorArgs),
    /// Write a commented live-suite.toml in the current folder for a backend run as a
    /// command, a compose stack or a running URL, with the JSON schema editors validate it
    /// by. Never overwrites: exit 2 when the file exists.
    Init(InitArgs),
    /// Remove what runs of this user left running: the process groups, compose projects
    /// (containers, worker containers, networks, volumes), image tags and private folders
    /// of runs that were killed, and the stacks `--keep-up` kept. A run still running is
    /// left alone. One line per thing; exit 1 when something could not be removed.
    Down(DownArgs),
    /// Print the shell completion script for SHELL (e.g. `codex-live-suite completions bash
    /// > ~/.local/share/bash-completion/completions/codex-live-suite`).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args, Clone)]
pub struct StackArgs {
    /// Test a backend that is already running (no lifecycle), e.g. http://localhost:8000:
    /// `http(s)://host[:port]`, checked at once.
    #[arg(long, value_name = "URL", value_parser = base_url, env = "CODEX_LIVE_SUITE_BASE_URL")]
    #[arg(help_heading = "Stack")]
    pub base_url: Option<String>,
    /// The stack to run: a `live-suite.toml` describing a backend run as a command
    /// (`[process]`), one already running (`base_url`), or a compose stack (compose files,
    /// service, port), with its health paths and mode variable. Default: `live-suite.toml`
    /// in the current directory when it exists, else its `docker-compose.yml`.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "base_url",
        env = "CODEX_LIVE_SUITE_CONFIG"
    )]
    #[arg(help_heading = "Stack")]
    pub config: Option<PathBuf>,
    /// Evidence root: the run folder is <OUT>/<UTC timestamp>/, the zip <OUT>/<timestamp>.zip.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT, env = "CODEX_LIVE_SUITE_OUT")]
    #[arg(help_heading = "Output")]
    pub out: PathBuf,
    /// Also write the run's junit.xml here (a copy, replaced whole; the run folder keeps
    /// its own): a fixed path for CI that does not glob the run folder.
    #[arg(long, value_name = "PATH", env = "CODEX_LIVE_SUITE_JUNIT")]
    #[arg(help_heading = "Output")]
    pub junit: Option<PathBuf>,
    /// Also write the run's report.html here (a copy, replaced whole).
    #[arg(long, value_name = "PATH", env = "CODEX_LIVE_SUITE_REPORT_HTML")]
    #[arg(help_heading = "Output")]
    pub report_html: Option<PathBuf>,
    /// Also write the run's zip here (a copy, replaced whole).
    #[arg(long, value_name = "PATH", env = "CODEX_LIVE_SUITE_ZIP")]
    #[arg(help_heading = "Output")]
    pub zip: Option<PathBuf>,
    /// Seconds to wait for a job's result (L08 gets twice this); at least 1.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_POLL_TIMEOUT,
          env = "CODEX_LIVE_SUITE_POLL_TIMEOUT",
          value_parser = at_least_one)]
    #[arg(help_heading = "Ladder")]
    pub poll_timeout: u64,
    /// Seconds a backend may take to answer healthy: a stack the suite starts, and
    /// --base-url / --mocked-base-url while they answer but are not ready (one that refuses
    /// the connection is a setup error at once); at least 1.
    #[arg(long, value_name = "SECS", default_value_t = HEALTH_TIMEOUT.as_secs(),
          env = "CODEX_LIVE_SUITE_HEALTH_TIMEOUT",
          value_parser = at_least_one)]
    #[arg(help_heading = "Stack")]
    pub health_timeout: u64,
    /// Largest answer the suite reads, e.g. 16MiB, 512KiB or 1048576 (bytes); a longer one
    /// fails its scenario as an error naming the limit.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = byte_size,
          env = "CODEX_LIVE_SUITE_MAX_BODY")]
    #[arg(help_heading = "Ladder")]
    pub max_body: u64,
    /// Seconds a job's final status may come before its result.json: such a job is looked at
    /// again this long before it is judged stale; a result that lands meanwhile passes with
    /// an observation. 0 judges at once.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SETTLE_GRACE,
          env = "CODEX_LIVE_SUITE_SETTLE_GRACE")]
    #[arg(help_heading = "Ladder")]
    pub settle_grace: u64,
    /// Hold the backend to the full contract: every observation (a check beyond the plan's
    /// acceptance, an OpenAPI mismatch) fails its scenario.
    #[arg(long, env = "CODEX_LIVE_SUITE_STRICT", value_parser = BoolishValueParser::new())]
    #[arg(help_heading = "Ladder")]
    pub strict: bool,
    /// Leave the stack running at the end.
    #[arg(long, env = "CODEX_LIVE_SUITE_KEEP_UP", value_parser = BoolishValueParser::new())]
    #[arg(help_heading = "Stack")]
    pub keep_up: bool,
    /// Compose: publish the backend port on this host address instead of 127.0.0.1 (e.g.
    /// 0.0.0.0). The API is unauthenticated and holds docker.sock and the key: a warning
    /// is printed.
    #[arg(long, value_name = "IP", env = "CODEX_LIVE_SUITE_PUBLISH_ADDRESS")]
    #[arg(help_heading = "Stack")]
    pub publish_address: Option<IpAddr>,
}

impl StackArgs {
    /// Where the run's reports are copied to besides the run folder.
    pub(crate) fn copies(&self) -> crate::report::copies::Copies {
        crate::report::copies::Copies {
            junit: self.junit.clone(),
            report_html: self.report_html.clone(),
            zip: self.zip.clone(),
        }
    }

    /// What these flags ask of the stack's launcher.
    pub fn request(&self) -> crate::stack::Request<'_> {
        crate::stack::Request {
            base_url: self.base_url.as_deref(),
            config: self.config.as_deref(),
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct LiveSuiteArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// With --base-url: the mocked-mode twin for the rollback smoke. Without it the
    /// rollback phase is reported skipped.
    #[arg(long, value_name = "URL", requires = "base_url", value_parser = base_url,
          env = "CODEX_LIVE_SUITE_MOCKED_BASE_URL")]
    #[arg(help_heading = "Stack")]
    pub mocked_base_url: Option<String>,
    /// Start at this scenario (earlier ones are skipped), in any case. An M id skips the
    /// live ladder, still rolls back, and starts the mocked rerun there (creating its own
    /// project when M01 did not run).
    #[arg(long, value_name = "ID", value_parser = scenario_id(), ignore_case = true,
          conflicts_with = "only", env = "CODEX_LIVE_SUITE_FROM")]
    #[arg(help_heading = "Ladder")]
    pub from: Option<String>,
    /// Run only these scenarios, in any case, repeated or comma-separated (`--only L03,L05`):
    /// live ids (then the rollback and the whole rerun follow), mocked ids M01–M04 (the
    /// rollback, then only those).
    #[arg(long, value_name = "ID", value_parser = scenario_id(), ignore_case = true,
          value_delimiter = ',', env = "CODEX_LIVE_SUITE_ONLY")]
    #[arg(help_heading = "Ladder")]
    pub only: Vec<String>,
    /// Leave these scenarios out (reported skipped), repeated or comma-separated.
    #[arg(long, value_name = "ID", value_parser = scenario_id(), ignore_case = true,
          value_delimiter = ',', env = "CODEX_LIVE_SUITE_SKIP")]
    #[arg(help_heading = "Ladder")]
    pub skip: Vec<String>,
    /// Re-run a failing scenario up to N times (each attempt's evidence in attempt-<k>/).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        env = "CODEX_LIVE_SUITE_RETRIES"
    )]
    #[arg(help_heading = "Ladder")]
    pub retries: u32,
    /// How long L08's worker sleeps (`long_run: sleep_seconds=N`).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        env = "CODEX_LIVE_SUITE_LONG_RUN_SECONDS"
    )]
    #[arg(help_heading = "Ladder")]
    pub long_run_seconds: u64,
    /// Skip the rollback and the mocked rerun.
    #[arg(long, env = "CODEX_LIVE_SUITE_NO_ROLLBACK", value_parser = BoolishValueParser::new())]
    #[arg(help_heading = "Ladder")]
    pub no_rollback: bool,
    /// Compare this run with an earlier one (run folder, its run.json, or its zip) in
    /// summary.txt, the step summary and report.html. Default: the newest earlier run in --out.
    #[arg(long, value_name = "PATH", env = "CODEX_LIVE_SUITE_BASELINE")]
    #[arg(help_heading = "Output")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct SmokeArgs {
    #[command(flatten)]
    pub stack: StackArgs,
}

mod commands;
mod values;

pub use commands::{CompareArgs, CompletionsArgs, DoctorArgs, DownArgs, HealthArgs, VerifyArgs};
pub(crate) use commands::{InitArgs, InitStack};

pub(crate) use values::base_url;
use values::{at_least_one, byte_size, scenario_id};

#[cfg(test)]
mod tests;
