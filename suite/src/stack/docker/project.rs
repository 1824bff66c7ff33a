//! A compose project: the compose CLI with the stack's file, project name and port, and the
//! commands the stacks run on it (`up` of the backend, its container's state, `down`).
//!
//! One compose project per run (`codex-<run id>-<pid>`, also the `CODEX_STACK_ID` that names
//! the workspaces volume and labels the worker containers) on a free host port, so parallel
//! runs on one host never collide; a named stack keeps its own name.

use super::compose::CallerImages;
use super::logs::read_logs;
use crate::model::secrets::Secrets;
use crate::stack::docker::{self, combined, ComposeCli};
use crate::stack::free_port;
use crate::stack::suite_config::SuiteConfig;
use crate::sys::journal;
use crate::sys::process::output_grouped;
use anyhow::{bail, Context, Result};
use codex_contract::{Mode, SECRET_VARS};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use xshell::{cmd, Cmd, Shell};

/// `up` retries with another free port when one was taken between choice and bind.
const PORT_ATTEMPTS: usize = 4;

/// Whose port the project publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// A free port we chose: another one is tried when it was taken meanwhile.
    Chosen,
    /// The developer's port (`CODEX_PORT`): not ours to change.
    Fixed,
}

/// What every compose command of one stack needs: the CLI, the stack's description (compose
/// files, backend service, ports, mode variable: ours or a `live-suite.toml`), the project,
/// the port.
/// Cheap to clone, so that the Ctrl-C hook can tear the stack down from another thread.
#[derive(Debug, Clone)]
pub struct ComposeProject {
    pub cli: ComposeCli,
    pub config: Arc<SuiteConfig>,
    pub name: String,
    pub port: u16,
    /// The host address the backend port is published on: loopback unless asked otherwise.
    pub publish: IpAddr,
    /// The variables that name the caller's images to compose (none without them).
    pub image_env: Vec<(String, String)>,
    /// The caller's images, removed with a run's stack.
    pub caller_images: Option<CallerImages>,
    /// `true` once torn down. Held while `up` or `down` runs, so that a Ctrl-C teardown
    /// waits for a running `up` and a later `up` (the suite carries on until the handler
    /// exits) cannot bring the stack back after it.
    pub torn_down: Arc<Mutex<bool>>,
}

impl ComposeProject {
    /// A compose command with the stack's interpolation variables set. `CODEX_STACK_ID` must
    /// be the same for every command, or `down -v` would look for another volume name.
    fn compose<'a>(&self, sh: &'a Shell, args: &[&str]) -> Cmd<'a> {
        self.cli
            .cmd(sh, &self.name, &self.config.compose_files, args)
            .env("CODEX_STACK_ID", &self.name)
            .env("CODEX_PORT", self.port.to_string())
            .env("CODEX_PUBLISH_ADDRESS", self.publish.to_string())
            .envs(self.image_env.iter().map(|(k, v)| (k, v)))
            .ignore_status()
    }

    /// Removes the caller's images of this project, if any.
    pub fn remove_caller_images(&self) {
        if let Some(images) = &self.caller_images {
            (images.remove)(&self.name);
            for (_, tag) in &self.image_env {
                journal::tell(journal::Entry::Unimage(tag.clone()));
            }
        }
    }

    /// Runs a compose command and returns its stdout; fails with its whole output.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        let sh = Shell::new()?;
        let out = output_grouped(self.compose(&sh, args).into())
            .with_context(|| format!("running {} {}", self.cli.description, args.join(" ")))?;
        if !out.status.success() {
            let text = combined(&out);
            bail!(
                "`{} -p {} {}` failed ({}):\n{}",
                self.cli.description,
                self.name,
                args.join(" "),
                out.status,
                docker::tail(&text, 25)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `up -d` of the backend in `mode`, with the secrets in the child's environment only.
    /// Another free port is tried when the chosen one was taken meanwhile (`Port::Fixed`:
    /// the developer's port is not ours to change, so it fails with the fix instead).
    pub fn up(&mut self, mode: Mode, secrets: &Secrets, port: Port) -> Result<()> {
        let gate = Arc::clone(&self.torn_down);
        let torn_down = gate.lock().unwrap_or_else(|p| p.into_inner());
        if *torn_down {
            bail!(
                "compose project {} was torn down (interrupted): not starting it again",
                self.name
            );
        }
        let mode_var = &self.config.mode;
        let service = self.config.service.as_str();
        let sh = Shell::new()?;
        for attempt in 1..=PORT_ATTEMPTS {
            let mut expr = self
                .compose(
                    &sh,
                    &["up", "-d", "--no-build", "--force-recreate", service],
                )
                .env(&mode_var.variable, mode_var.value(mode));
            // Each secret is either set from `secrets` or removed: the child's environment
            // holds the suite's values only.
            for var in SECRET_VARS {
                expr = match secrets.env_pairs().find(|(k, _)| *k == var) {
                    Some((k, v)) => expr.env(k, v),
                    None => expr.env_remove(var),
                };
            }
            let out = output_grouped(expr.into()).context("running compose up")?;
            if out.status.success() {
                if self.config.source.is_some() {
                    // Another team's file publishes the port its own way: ask compose.
                    self.port = self.published_port()?;
                }
                return Ok(());
            }
            let text = combined(&out);
            let port_taken = text.contains("port is already allocated")
                || text.contains("address already in use");
            if port_taken && port == Port::Fixed {
                bail!(
                    "port {} is in use, so the backend cannot publish it: stop what listens \
                     there (`ss -ltnp | grep :{}`; an old copy of this stack: remove it) or \
                     give the stack another port",
                    self.port,
                    self.port
                );
            }
            if port_taken && attempt < PORT_ATTEMPTS {
                self.port = free_port()?;
                continue;
            }
            bail!(
                "`{} -p {} up` failed ({}):\n{}\n{}",
                self.cli.description,
                self.name,
                out.status,
                docker::tail(&text, 25),
                if port_taken {
                    "every free port we chose was taken before the backend could bind it: \
                     retry, or free some ports"
                } else {
                    "see the output above; `docker ps -a` and `docker logs` show the backend \
                     container"
                }
            );
        }
        unreachable!("the loop returns or fails on its last attempt")
    }

    /// The host port compose published for the backend's container port.
    fn published_port(&self) -> Result<u16> {
        let c = &self.config;
        let container_port = c.container_port.to_string();
        let out = self.run(&["port", &c.service, &container_port])?;
        // `127.0.0.1:49153` or `0.0.0.0:49153` (one line per address family).
        out.lines()
            .find_map(|l| l.trim().rsplit_once(':')?.1.parse().ok())
            .with_context(|| {
                format!(
                    "compose publishes no host port for {}:{container_port} (it answered \
                     {:?}); fix: publish it in {} (ports: [\"{container_port}\"]) or correct \
                     `container_port` in {}",
                    c.service,
                    out.trim(),
                    c.compose_files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" + "),
                    c.source
                        .as_deref()
                        .map_or("live-suite.toml".into(), |p| p.display().to_string()),
                )
            })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", reach(self.publish, self.port))
    }

    /// The backend container's id, if it exists. Asked of the engine by compose's labels:
    /// `docker ps` answers in milliseconds where `docker-compose ps` (v1, Python) takes
    /// most of a second before health polling can start.
    pub fn backend_id(&self) -> Result<Option<String>> {
        let sh = Shell::new()?;
        let project = format!("label={}={}", docker::COMPOSE_PROJECT_LABEL, self.name);
        let service = format!("label=com.docker.compose.service={}", self.config.service);
        let out = cmd!(sh, "docker ps -aq --filter {project} --filter {service}")
            .quiet()
            .read()
            .with_context(|| format!("listing the backend container of {}", self.name))?;
        Ok(out.split_whitespace().next().map(str::to_owned))
    }

    /// `Ok` while the backend container runs; its state and last log lines otherwise.
    pub fn backend_alive(&self, id: &str) -> Result<()> {
        let sh = Shell::new()?;
        let format = "{{.State.Status}} exit={{.State.ExitCode}}";
        let out = cmd!(sh, "docker inspect --format {format} {id}")
            .quiet()
            .ignore_status()
            .output()
            .context("inspecting the backend container")?;
        let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() && state.starts_with("running") {
            return Ok(());
        }
        let logs = read_logs(id, None)
            .map(|l| docker::tail(&l.text(), 20))
            .unwrap_or_default();
        bail!(
            "the backend container of {} is not running ({state}); its last output:\n{logs}",
            self.name
        )
    }

    /// What `down -v --remove-orphans` removes, and the worker containers
    /// (`docker::remove_project`). Safe to call twice.
    pub fn teardown(&self) -> Result<()> {
        let mut torn_down = self.torn_down.lock().unwrap_or_else(|p| p.into_inner());
        *torn_down = true;
        docker::remove_project(&self.name)?;
        journal::tell(journal::Entry::Unproject(self.name.clone()));
        Ok(())
    }
}

/// The published port is on loopback unless the user asks for another address.
pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The address the suite connects to for a port published on `publish`: loopback for the
/// unspecified address (`0.0.0.0`, `::`), else the address itself.
fn reach(publish: IpAddr, port: u16) -> std::net::SocketAddr {
    let host = if publish.is_unspecified() {
        LOOPBACK
    } else {
        publish
    };
    std::net::SocketAddr::new(host, port)
}

/// `None` for a loopback address; else the warning to print (the API is unauthenticated
/// and holds docker.sock and the key).
pub(crate) fn publish_warning(publish: IpAddr) -> Option<String> {
    (!publish.is_loopback()).then(|| {
        format!(
            "warning: the backend port is published on {publish} (--publish-address): anyone \
             who reaches this address can use its unauthenticated API, which holds \
             /var/run/docker.sock and the API key; the default is 127.0.0.1"
        )
    })
}

/// `codex-<run id>-<pid>` in the characters compose accepts (lowercase letters, digits,
/// `-`, `_`): the pid keeps two runs started in the same second apart.
pub fn project_name(run_id: &str, pid: u32) -> String {
    let id: String = run_id
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("codex-{id}-{pid}")
}

/// The pid in a run's project name (`codex-<run id>-<pid>`, see [`project_name`]); `None`
/// for any other name (a developer's stack included).
pub fn project_pid(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("codex-")?;
    let (run_id, pid) = rest.rsplit_once('-')?;
    if run_id.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok().filter(|p| *p > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_addresses_warn_unless_loopback_and_are_reached_on_a_connectable_host() {
        assert_eq!(publish_warning(LOOPBACK), None);
        assert_eq!(publish_warning("::1".parse().unwrap()), None);
        let all: IpAddr = "0.0.0.0".parse().unwrap();
        let warning = publish_warning(all).unwrap();
        assert!(warning.contains("published on 0.0.0.0"), "{warning}");
        assert!(
            !warning.contains("  "),
            "one line of single spaces: {warning}"
        );
        assert_eq!(reach(all, 8000).to_string(), "127.0.0.1:8000");
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert_eq!(reach(lan, 80).to_string(), "192.168.1.5:80");
        assert_eq!(reach("::1".parse().unwrap(), 80).to_string(), "[::1]:80");
    }

    #[test]
    fn project_names_are_valid_and_unique_per_process() {
        let a = project_name("2025-11-14T17-14-05Z", 41);
        assert_eq!(a, "codex-2025-11-14t17-14-05z-41");
        assert_ne!(a, project_name("2025-11-14T17-14-05Z", 42));
        assert_eq!(project_name("Run 1:x", 7), "codex-run-1-x-7");
    }

    #[test]
    fn only_a_runs_project_names_a_pid() {
        assert_eq!(
            project_pid(&project_name("2025-11-14T17-14-05Z", 4242)),
            Some(4242)
        );
        for other in [
            "codex-dev",
            "codex-42",
            "myapp-x-42",
            "codex-run-notapid",
            "codex-x-+5",
        ] {
            assert_eq!(project_pid(other), None, "{other}");
        }
    }
}
