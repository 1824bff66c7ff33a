//! The arguments of the commands other than a run: each a struct the command's module
//! implements `run` for.

use super::values::base_url;
use clap::builder::BoolishValueParser;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    /// Also check a backend that is already running (reachable, healthy in live mode).
    #[arg(long, value_name = "URL", value_parser = base_url, env = "CODEX_LIVE_SUITE_BASE_URL")]
    pub base_url: Option<String>,
    /// Also check the mocked-mode twin (reachable, healthy in mocked mode).
    #[arg(long, value_name = "URL", value_parser = base_url,
          env = "CODEX_LIVE_SUITE_MOCKED_BASE_URL")]
    pub mocked_base_url: Option<String>,
    /// The stack description to check (default: `live-suite.toml` when it exists).
    #[arg(long, value_name = "PATH", env = "CODEX_LIVE_SUITE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Also ask whether a newer release of codex-live-suite is out (one GET of
    /// --releases-url). Without it doctor makes no network call of its own.
    #[arg(long, env = "CODEX_LIVE_SUITE_CHECK_RELEASE", value_parser = BoolishValueParser::new())]
    pub check_release: bool,
    /// With --check-release: the endpoint that answers the newest release as JSON with its
    /// `tag_name` (GitHub's "latest release" API, or a mirror).
    #[arg(long, value_name = "URL", env = "CODEX_LIVE_SUITE_RELEASES_URL",
          default_value = RELEASES_URL)]
    pub releases_url: String,
}

/// Where `doctor --check-release` asks for the newest release by default.
pub(crate) const RELEASES_URL: &str =
    "https://api.github.com/repos/codex-live-suite/codex-live-suite/releases/latest";

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// What the file describes: a backend the suite starts as a command (process), a
    /// compose stack (compose), or a backend already running (url).
    #[arg(long, value_enum, default_value_t = InitStack::Process)]
    pub stack: InitStack,
    /// Also add the evidence folder (docs/evidence/) to .gitignore, once.
    #[arg(long)]
    pub gitignore: bool,
    /// With --stack process: the command that starts your backend, split at spaces, e.g.
    /// "python3 app.py --port {port}" ({port} and {data} are the suite's).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// With --stack process: a variable the backend is started with, KEY=VALUE, repeated
    /// for more (e.g. --env BIND_ADDR=127.0.0.1:{port}).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = key_value)]
    pub env: Vec<(String, String)>,
}

/// `KEY=VALUE`, the key a variable name.
fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v))
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok((k.to_owned(), v.to_owned()))
        }
        _ => Err("expected KEY=VALUE, the key letters, digits and _".into()),
    }
}

/// `init --stack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitStack {
    Process,
    Compose,
    Url,
}

impl InitStack {
    /// The stack in words.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            InitStack::Process => "a backend run as a command",
            InitStack::Compose => "a compose stack",
            InitStack::Url => "a backend already running",
        }
    }

    /// What to edit first.
    pub(crate) fn next_step(self) -> &'static str {
        match self {
            InitStack::Process => "edit `command` to start your backend on {port}",
            InitStack::Compose => "edit `compose_files`, `service` and `container_port`",
            InitStack::Url => "edit `base_url` (and `mocked_base_url`)",
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// The run's zip (`<out>/<run id>.zip`, as the Action uploads it) or its run folder.
    #[arg(value_name = "ZIP|DIR")]
    pub evidence: PathBuf,
    /// Also fail when the run did not test this commit (the pull request's head, say): the
    /// full SHA or a prefix of at least 7 hex digits.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Also scan every file for the values of OPENAI_API_KEY, OPENAI_ORG_ID and
    /// OPENAI_PROJECT in this environment (or .env.live), in every form the run redacts:
    /// a second line of defence. Values are never printed, only their names.
    #[arg(long)]
    pub secrets_from_env: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DownArgs {
    /// Only list what would be removed (each line says "would remove").
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The earlier run (the baseline).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The later run.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct HealthArgs {
    /// The backend to check.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8000",
          value_parser = base_url, env = "CODEX_LIVE_SUITE_BASE_URL")]
    pub base_url: String,
}
