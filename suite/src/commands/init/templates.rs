//! The files `init` writes, after their `#:schema` line: every key commented, the values a
//! team changes first uncommented.

/// A backend run as a command.
pub(super) const PROCESS: &str = r#"# live-suite.toml: the backend codex-live-suite brings up, as a command it runs.
#
# Each run starts it on a free port of 127.0.0.1 with a private data folder, in live mode,
# climbs the ladder L01-L08, restarts it in mocked mode on the same data (the rollback),
# runs the mocked smoke M01-M04, and stops its process group. Relative paths are read from
# this file's folder. `codex-live-suite doctor` says what is missing.

# Paths that must answer 200 before the ladder starts (add "/healthz" if yours has one).
health_paths = ["/docs"]

[process]
# The program and its arguments (no shell). {port} is the port the suite chose for this
# start and {data} the private folder: they are replaced here, in `cwd` and in `env`. The
# backend must listen on {port}: a fixed port is refused before the run starts.
command = ["python3", "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "{port}"]
# Where the command runs (default: this file's folder).
cwd = "."

[process.env]
# Variables for the backend, never a secret: OPENAI_API_KEY, OPENAI_ORG_ID and
# OPENAI_PROJECT come from the environment or `env_file` and reach the backend by name.
DATA_DIR = "{data}"

# The variable that switches live mode (a real worker per job) and mocked mode (the dummy
# worker), with its two values.
[mode]
variable = "USE_DUMMY_WORKER"
live = "False"
mocked = "True"

# Where the secrets are read from when they are not in the environment (this default may
# be absent; a file named here must exist).
# env_file = ".env.live"
"#;

/// A compose stack.
pub(super) const COMPOSE: &str = r#"# live-suite.toml: the compose stack codex-live-suite brings up.
#
# Each run builds and starts it in live mode under a project of its own, climbs the ladder
# L01-L08, recreates the backend in mocked mode on the same volumes (the rollback), runs the
# mocked smoke M01-M04, and removes the project, its containers, networks and volumes.
# Relative paths are read from this file's folder. `codex-live-suite doctor` says what is
# missing.

# The compose file(s), as `docker compose -f a.yml -f b.yml` takes them.
compose_files = ["docker-compose.yml"]

# The backend's service: started, restarted for the rollback, read logs from.
service = "backend"

# The port the backend listens on inside its container. Publish it without a fixed host
# port (e.g. "127.0.0.1::8000"): the suite asks compose which one it got.
container_port = 8000

# Paths that must answer 200 before the ladder starts (add "/healthz" if yours has one).
health_paths = ["/docs"]

# A command run (no shell, without the secrets) before `compose build`, e.g. to build what
# the images copy; and how many seconds it may take.
# pre_build = ["make", "images"]
# pre_build_timeout = 1800

# Whether several copies may run at once on one host. A compose file with container_name,
# a fixed host port or a fixed volume name cannot: set false for a host-wide lock.
parallel = true

# The variable that switches live mode (a real worker per job) and mocked mode (the dummy
# worker), with its two values.
[mode]
variable = "USE_DUMMY_WORKER"
live = "False"
mocked = "True"

# Where the secrets are read from when they are not in the environment (this default may
# be absent; a file named here must exist).
# env_file = ".env.live"
"#;

/// A backend someone else runs.
pub(super) const URL: &str = r#"# live-suite.toml: a backend that is already running, which codex-live-suite tests
# without starting or stopping it.
#
# The run checks it answers before L01, climbs the ladder L01-L08, then runs the mocked
# smoke M01-M04 against its mocked-mode twin (without one the rollback is reported
# skipped). `codex-live-suite doctor` checks both URLs.

# The backend in live mode, http(s)://host[:port].
base_url = "http://127.0.0.1:8000"

# Its twin in mocked mode (the dummy worker), for the rollback smoke.
# mocked_base_url = "http://127.0.0.1:8001"

# Paths that must answer 200 before the ladder starts (add "/healthz" if yours has one).
health_paths = ["/docs"]
"#;
