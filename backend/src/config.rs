//! Backend configuration: the environment, plus a `.env` file in the working directory when
//! one exists (its values never override variables already set). An invalid value stops the
//! start-up with a message naming the variable and the values it accepts.

mod cors;

pub use cors::{Allow, Cors};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Which runner executes jobs in live mode (`WORKER_RUNNER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerKind {
    Docker,
    Process,
}

/// `uid:gid` for worker containers (`WORKER_USER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerUser {
    pub uid: u32,
    pub gid: Option<u32>,
}

impl WorkerUser {
    /// The form Docker's `User` field takes.
    pub fn docker_user(&self) -> String {
        match self.gid {
            Some(gid) => format!("{}:{gid}", self.uid),
            None => self.uid.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind_addr: SocketAddr,
    /// API prefix without a trailing slash; empty means "at the root".
    pub api_prefix: String,
    pub database_path: PathBuf,
    pub workspace_root: PathBuf,
    pub use_dummy_worker: bool,
    pub worker_image: String,
    pub runner: RunnerKind,
    pub worker_bin: PathBuf,
    pub worker_timeout: Duration,
    pub max_concurrent_jobs: usize,
    pub workspace_volume: Option<String>,
    pub worker_user: Option<WorkerUser>,
    pub worker_network: String,
    pub stack_id: String,
    pub shutdown_grace: Duration,
    pub cors: Cors,
}

/// A start-up configuration error: which variable, what it held, what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {name}={value:?}: accepted values are {accepted}")]
    Invalid {
        name: &'static str,
        value: String,
        accepted: &'static str,
    },
    #[error("cannot read .env in the working directory: {0} (fix the line or remove the file)")]
    DotEnv(String),
}

impl Config {
    /// Loads `.env` (when present) into the process environment, then reads the config.
    pub fn load() -> Result<Config, ConfigError> {
        // Only the working directory: `dotenvy::dotenv()` would also search its parents.
        match dotenvy::from_path(".env") {
            Ok(()) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(ConfigError::DotEnv(e.to_string())),
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the config through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // An empty variable counts as unset, as compose files often write `NAME=`.
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let text = |name: &str, default: &str| {
            get(name).map_or_else(|| default.to_string(), |v| v.trim().to_string())
        };

        let bind_addr = bind_addr(get("BIND_ADDR"))?;
        let api_prefix = api_prefix(get("API_V1_STR"))?;
        let database_path = database_path(&text("DATABASE_URL", "sqlite://./codex.db"))?;
        let workspace_root = PathBuf::from(text("WORKSPACE_ROOT", "./workspaces"));

        let use_dummy_worker = get("USE_DUMMY_WORKER").map_or(Ok(true), |v| {
            parse_bool(&v)
                .ok_or_else(|| invalid("USE_DUMMY_WORKER", &v, "True, False, true, false, 1 or 0"))
        })?;
        let worker_image = text("CODEX_WORKER_IMAGE", "codex-worker:latest");
        let runner = runner(get("WORKER_RUNNER").as_deref().map(str::trim))?;
        let worker_bin =
            get("WORKER_BIN").map_or_else(default_worker_bin, |v| PathBuf::from(v.trim()));

        let worker_timeout = Duration::from_secs(WORKER_TIMEOUT_SECONDS.read(get)?);
        let max_concurrent_jobs = MAX_CONCURRENT_JOBS.read(get)? as usize;

        let workspace_volume = get("WORKSPACE_VOLUME").map(|v| v.trim().to_string());

        let worker_user = get("WORKER_USER").map(|v| worker_user(&v)).transpose()?;
        let worker_network = text("WORKER_NETWORK", "bridge");
        let stack_id = text("CODEX_STACK_ID", "none");

        let shutdown_grace = Duration::from_secs(SHUTDOWN_GRACE_SECONDS.read(get)?);

        if workspace_volume.is_some() && workspace_root.is_relative() {
            return Err(invalid(
                "WORKSPACE_ROOT",
                &workspace_root.display().to_string(),
                "an absolute path when WORKSPACE_VOLUME is set (the volume is mounted at that path in worker containers)",
            ));
        }

        let cors = cors::from_lookup(&lookup)?;

        Ok(Config {
            bind_addr,
            api_prefix,
            database_path,
            workspace_root,
            use_dummy_worker,
            worker_image,
            runner,
            worker_bin,
            worker_timeout,
            max_concurrent_jobs,
            workspace_volume,
            worker_user,
            worker_network,
            stack_id,
            shutdown_grace,
            cors,
        })
    }

    pub fn mode(&self) -> codex_contract::Mode {
        if self.use_dummy_worker {
            codex_contract::Mode::Mocked
        } else {
            codex_contract::Mode::Live
        }
    }
}

fn invalid(name: &'static str, value: &str, accepted: &'static str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_string(),
        accepted,
    }
}

fn bind_addr(v: Option<String>) -> Result<SocketAddr, ConfigError> {
    match v {
        None => Ok(SocketAddr::from(([0, 0, 0, 0], 8000))),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| invalid("BIND_ADDR", &v, "a socket address such as 0.0.0.0:8000")),
    }
}

fn api_prefix(v: Option<String>) -> Result<String, ConfigError> {
    let Some(v) = v else {
        return Ok(codex_contract::API_V1.to_string());
    };
    let v = v.trim();
    if !v.starts_with('/') || v.contains(['{', '}', '*', '?', '#']) {
        return Err(invalid(
            "API_V1_STR",
            v,
            "a path starting with '/' such as /api/v1",
        ));
    }
    Ok(v.trim_end_matches('/').to_string())
}

fn database_path(v: &str) -> Result<PathBuf, ConfigError> {
    parse_database_url(v).ok_or_else(|| {
        invalid(
            "DATABASE_URL",
            v,
            "sqlite://<path> (e.g. sqlite://./codex.db or sqlite:////data/codex.db)",
        )
    })
}

fn runner(v: Option<&str>) -> Result<RunnerKind, ConfigError> {
    match v {
        None | Some("docker") => Ok(RunnerKind::Docker),
        Some("process") => Ok(RunnerKind::Process),
        Some(other) => Err(invalid("WORKER_RUNNER", other, "docker or process")),
    }
}

fn worker_user(v: &str) -> Result<WorkerUser, ConfigError> {
    parse_user(v.trim()).ok_or_else(|| {
        invalid(
            "WORKER_USER",
            v,
            "uid or uid:gid in numbers, e.g. 1000:1000",
        )
    })
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "True" | "true" | "1" => Some(true),
        "False" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// A whole-number setting: its variable, its default, the least value accepted and how an
/// error says what is accepted.
struct Whole {
    name: &'static str,
    default: u64,
    least: u64,
    accepted: &'static str,
}

impl Whole {
    /// The value of the variable `get` finds, or the default when it is unset.
    fn read(&self, get: impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
        let Some(v) = get(self.name) else {
            return Ok(self.default);
        };
        match v.trim().parse::<u64>() {
            Ok(n) if n >= self.least => Ok(n),
            _ => Err(invalid(self.name, &v, self.accepted)),
        }
    }
}

const WORKER_TIMEOUT_SECONDS: Whole = Whole {
    name: "WORKER_TIMEOUT_SECONDS",
    default: 900,
    least: 1,
    accepted: "a whole number of seconds >= 1",
};

const MAX_CONCURRENT_JOBS: Whole = Whole {
    name: "MAX_CONCURRENT_JOBS",
    default: 4,
    least: 1,
    accepted: "a whole number >= 1",
};

const SHUTDOWN_GRACE_SECONDS: Whole = Whole {
    name: "SHUTDOWN_GRACE_SECONDS",
    default: 8,
    least: 0,
    accepted: "a whole number of seconds >= 0",
};

/// `sqlite://./codex.db` → `./codex.db`; `sqlite:////data/x.db` and `sqlite:///data/x.db`
/// → absolute paths. Other schemes are rejected: this backend only speaks SQLite.
fn parse_database_url(v: &str) -> Option<PathBuf> {
    let rest = v
        .strip_prefix("sqlite://")
        .or_else(|| v.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

fn parse_user(v: &str) -> Option<WorkerUser> {
    let (uid, gid) = match v.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (v, None),
    };
    Some(WorkerUser {
        uid: uid.parse().ok()?,
        gid: match gid {
            Some(g) => Some(g.parse().ok()?),
            None => None,
        },
    })
}

/// `codex-worker` beside the backend's own executable (how the images and the tests lay
/// the binaries out).
fn default_worker_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("codex-worker")))
        .unwrap_or_else(|| PathBuf::from("codex-worker"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_issue() {
        let c = load(&[]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "0.0.0.0:8000");
        assert_eq!(c.api_prefix, "/api/v1");
        assert_eq!(c.database_path, PathBuf::from("./codex.db"));
        assert_eq!(c.workspace_root, PathBuf::from("./workspaces"));
        assert!(c.use_dummy_worker);
        assert_eq!(c.worker_image, "codex-worker:latest");
        assert_eq!(c.runner, RunnerKind::Docker);
        assert!(c.worker_bin.ends_with("codex-worker"));
        assert_eq!(c.worker_timeout, Duration::from_secs(900));
        assert_eq!(c.max_concurrent_jobs, 4);
        assert_eq!(c.worker_network, "bridge");
        assert_eq!(c.stack_id, "none");
        assert!(c.workspace_volume.is_none() && c.worker_user.is_none());
    }

    #[test]
    fn booleans_and_urls_parse_in_every_accepted_form() {
        for (v, want) in [
            ("True", true),
            ("true", true),
            ("1", true),
            ("False", false),
            ("false", false),
            ("0", false),
        ] {
            assert_eq!(
                load(&[("USE_DUMMY_WORKER", v)]).unwrap().use_dummy_worker,
                want
            );
        }
        let c = load(&[("DATABASE_URL", "sqlite:////data/codex.db")]).unwrap();
        assert_eq!(c.database_path, PathBuf::from("//data/codex.db"));
        let c = load(&[("DATABASE_URL", "sqlite:///data/codex.db")]).unwrap();
        assert_eq!(c.database_path, PathBuf::from("/data/codex.db"));
        let c = load(&[("WORKER_USER", "1000:1001")]).unwrap();
        assert_eq!(c.worker_user.unwrap().docker_user(), "1000:1001");
        assert_eq!(
            load(&[("API_V1_STR", "/api/v2/")]).unwrap().api_prefix,
            "/api/v2"
        );
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_accepted_values() {
        for (name, value, accepted) in [
            ("USE_DUMMY_WORKER", "yes", "True, False"),
            ("WORKER_RUNNER", "podman", "docker or process"),
            ("WORKER_TIMEOUT_SECONDS", "0", ">= 1"),
            ("MAX_CONCURRENT_JOBS", "many", ">= 1"),
            ("DATABASE_URL", "postgres://x", "sqlite://"),
            ("BIND_ADDR", "localhost", "socket address"),
            ("WORKER_USER", "me", "uid:gid"),
            ("API_V1_STR", "api", "starting with '/'"),
            ("ALLOW_CREDENTIALS", "maybe", "True, False"),
            ("ALLOW_ORIGINS", "localhost:3000", "scheme://host"),
            ("ALLOW_METHODS", "GET,P O", "HTTP methods"),
            ("ALLOW_HEADERS", "X:Y", "header names"),
        ] {
            let msg = load(&[(name, value)]).unwrap_err().to_string();
            assert!(
                msg.contains(name) && msg.contains(accepted) && msg.contains(value),
                "{msg}"
            );
        }
        let msg = load(&[("WORKSPACE_VOLUME", "vol"), ("WORKSPACE_ROOT", "./w")])
            .unwrap_err()
            .to_string();
        assert!(msg.contains("WORKSPACE_ROOT"), "{msg}");
        let msg = load(&[("ALLOW_ORIGINS", "*"), ("ALLOW_CREDENTIALS", "true")])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("ALLOW_CREDENTIALS") && msg.contains("ALLOW_ORIGINS"),
            "{msg}"
        );
    }
}
