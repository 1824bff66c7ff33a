//! The Docker engine and the compose CLI as the compose stack uses them: is an engine there
//! (and if not, why and how to fix it), which compose CLI is installed, and the clean-up of
//! worker containers that a killed backend left behind.
//!
//! Commands go through xshell's `cmd!`; the engine probe, which needs a timeout, through
//! `process::output_within`.

pub(crate) mod compose;
mod host_lock;
pub(crate) mod logs;
mod pre_build;
pub(crate) mod project;

use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use xshell::{cmd, Cmd, Shell};

/// Label the backend puts on every worker container (`codex.stack=<CODEX_STACK_ID>`).
pub const STACK_LABEL: &str = "codex.stack";

/// How long `docker version` may take before we call the engine unresponsive.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// `Ok(server version)` when a Docker engine answers, else the reason and the fix.
pub fn probe_engine() -> std::result::Result<String, String> {
    let mut version = std::process::Command::new("docker");
    version.args(["version", "--format", "{{.Server.Version}}"]);
    let output = match crate::sys::process::output_within(version, PROBE_TIMEOUT) {
        Ok(Some(out)) => out,
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
        {
            return Err(
                "the `docker` CLI is not installed: install Docker (the docker.io or \
                        docker-ce package) or use `--stack local`"
                    .into(),
            )
        }
        Ok(None) => {
            return Err(format!(
                "the Docker engine did not answer `docker version` within {}s: check the daemon \
                 (`systemctl status docker`) or DOCKER_HOST",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("could not run `docker version`: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() && !stdout.is_empty() {
        return Ok(stdout);
    }
    Err(explain_engine_failure(&String::from_utf8_lossy(
        &output.stderr,
    )))
}

/// Turns the CLI's complaint into a cause plus a fix.
fn explain_engine_failure(stderr: &str) -> String {
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no error output")
        .trim();
    let lower = stderr.to_lowercase();
    if lower.contains("permission denied") {
        let user = std::env::var("USER").unwrap_or_else(|_| "the runner's user".into());
        format!(
            "the Docker socket refused this user ({first}): give {user} access with \
             `sudo usermod -aG docker {user}` and log in again (or run `newgrp docker`), \
             or run as a user in the `docker` group"
        )
    } else if lower.contains("cannot connect to the docker daemon")
        || lower.contains("is the docker daemon running")
        || lower.contains("no such file or directory")
        || lower.contains("connection refused")
    {
        format!(
            "no Docker engine answers ({first}): start it (`sudo systemctl start docker`) or \
             point DOCKER_HOST at a running one"
        )
    } else {
        format!("the Docker engine did not answer `docker version`: {first}")
    }
}

/// The installed compose CLI: `docker compose` (v2) when it works, else `docker-compose` (v1).
#[derive(Debug, Clone)]
pub struct ComposeCli {
    program: &'static str,
    prefix: &'static [&'static str],
    /// e.g. `docker-compose 1.29.2`, for the start-up line.
    pub description: String,
}

impl ComposeCli {
    pub fn detect() -> Result<Self> {
        let sh = Shell::new()?;
        let candidates: [(&'static str, &'static [&'static str]); 2] =
            [("docker", &["compose"]), ("docker-compose", &[])];
        for (program, prefix) in candidates {
            let out = cmd!(sh, "{program} {prefix...} version --short")
                .quiet()
                .ignore_stderr()
                .ignore_status()
                .output();
            if let Ok(out) = out {
                let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                if out.status.success() && !version.is_empty() {
                    let name = [program].iter().chain(prefix).copied().collect::<Vec<_>>();
                    return Ok(ComposeCli {
                        program,
                        prefix,
                        description: format!("{} {version}", name.join(" ")),
                    });
                }
            }
        }
        bail!(
            "neither `docker compose` (v2) nor `docker-compose` (v1) works: install the compose \
             plugin (docker-compose-plugin) or docker-compose, or use `--stack local`"
        )
    }

    /// `<compose> -p <project> -f <file>… <args...>`; the caller adds the environment.
    pub fn cmd<'a>(
        &self,
        sh: &'a Shell,
        project: &str,
        files: &[PathBuf],
        args: &[&str],
    ) -> Cmd<'a> {
        let (program, prefix) = (self.program, self.prefix);
        let files = files.iter().flat_map(|f| [OsString::from("-f"), f.into()]);
        cmd!(
            sh,
            "{program} {prefix...} -p {project} {files...} {args...}"
        )
        .quiet()
    }
}

/// IDs of all containers (running or not) carrying `label=value`.
pub fn containers_with_label(label: &str, value: &str) -> Result<Vec<String>> {
    let sh = Shell::new()?;
    let filter = format!("label={label}={value}");
    let ids = cmd!(sh, "docker ps --all --quiet --no-trunc --filter {filter}")
        .quiet()
        .read()
        .with_context(|| format!("listing containers with {label}={value}"))?;
    Ok(ids.split_whitespace().map(str::to_owned).collect())
}

/// The label compose puts on every container, network and volume of a project.
pub const COMPOSE_PROJECT_LABEL: &str = "com.docker.compose.project";

/// Removes what `compose down -v --remove-orphans` removes, found by compose's project label,
/// and the stack's worker containers (`STACK_LABEL`), with the docker CLI instead of
/// docker-compose v1, which spends a good part of a run's `down` phase only starting; the
/// listings and the network and volume removals run side by side.
/// Containers are killed, not stopped: their volumes go with them, so a grace period would
/// keep nothing.
/// Safe to call twice; a stack with nothing left is `Ok`.
pub fn remove_project(project: &str) -> Result<()> {
    let sh = Shell::new()?;
    // Each listing is a CLI start and an engine round trip: the two run at once.
    let listed = || -> Result<Vec<String>> {
        std::thread::scope(|s| {
            let workers = s.spawn(|| containers_with_label(STACK_LABEL, project));
            let mut ids = containers_with_label(COMPOSE_PROJECT_LABEL, project)?;
            ids.extend(joined(workers)?);
            Ok(ids)
        })
    };
    // Backend and workers at once; then again what is still listed: a worker the backend
    // started meanwhile, or one the backend was removing itself ("removal already in
    // progress" fails our call).
    let mut failure = String::new();
    for round in 0..=REMOVE_ROUNDS {
        let ids = listed()?;
        if ids.is_empty() {
            break;
        }
        if round == REMOVE_ROUNDS {
            bail!(
                "containers of {project} remain after {REMOVE_ROUNDS} tries to remove them: \
                 {failure}"
            );
        }
        let out = cmd!(sh, "docker rm --force --volumes {ids...}")
            .quiet()
            .ignore_status()
            .output()
            .with_context(|| format!("removing the containers of {project}"))?;
        failure = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    }
    // Networks and volumes need the containers gone, not each other: at once too.
    std::thread::scope(|s| {
        let volumes = s.spawn(|| remove_labelled("volume", project));
        let networks = remove_labelled("network", project);
        networks.and(joined(volumes))
    })
}

/// Removes every `object` (network or volume) carrying compose's label of `project`. One
/// that another removes at the same time (a run's reaper, `down`) is gone all the same:
/// only what is still listed after the removal is a failure.
fn remove_labelled(object: &str, project: &str) -> Result<()> {
    let sh = Shell::new()?;
    let filter = format!("label={COMPOSE_PROJECT_LABEL}={project}");
    let list = || {
        cmd!(sh, "docker {object} ls --quiet --filter {filter}")
            .quiet()
            .read()
            .with_context(|| format!("listing the {object}s of {project}"))
    };
    let ids = list()?;
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let out = cmd!(sh, "docker {object} rm {ids...}")
        .quiet()
        .ignore_status()
        .output()
        .with_context(|| format!("removing the {object}s of {project}"))?;
    if out.status.success() || list()?.trim().is_empty() {
        return Ok(());
    }
    bail!(
        "removing the {object}s of {project}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// One thing of a compose project on the engine, for a line that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    /// `container`, `network` or `volume`.
    pub kind: &'static str,
    pub name: String,
}

/// What `remove_project` would remove now: the containers (workers included), networks and
/// volumes of `project`, by name.
pub(crate) fn project_objects(project: &str) -> Result<Vec<Object>> {
    let sh = Shell::new()?;
    let mut found = Vec::new();
    let containers: &[&str] = &["ps", "--all"];
    for (kind, list, label) in [
        ("container", containers, COMPOSE_PROJECT_LABEL),
        ("container", containers, STACK_LABEL),
        ("network", &["network", "ls"], COMPOSE_PROJECT_LABEL),
        ("volume", &["volume", "ls"], COMPOSE_PROJECT_LABEL),
    ] {
        let filter = format!("label={label}={project}");
        let format = if kind == "container" {
            "{{.Names}}"
        } else {
            "{{.Name}}"
        };
        let out = cmd!(sh, "docker {list...} --filter {filter} --format {format}")
            .quiet()
            .read()
            .with_context(|| format!("listing the {kind}s of {project}"))?;
        found.extend(out.split_whitespace().map(|name| Object {
            kind,
            name: name.to_owned(),
        }));
    }
    found.dedup();
    Ok(found)
}

/// The projects named on the engine's containers, volumes and networks: compose's project
/// label and the worker containers' stack label. Volumes and networks count on their own: a
/// run killed during its teardown may have removed its containers and left the rest.
pub(crate) fn labelled_projects() -> Result<std::collections::BTreeSet<String>> {
    let sh = Shell::new()?;
    let mut names = std::collections::BTreeSet::new();
    let containers: &[&str] = &["ps", "--all"];
    for (list, label) in [
        (containers, COMPOSE_PROJECT_LABEL),
        (containers, STACK_LABEL),
        (&["volume", "ls"], COMPOSE_PROJECT_LABEL),
        (&["network", "ls"], COMPOSE_PROJECT_LABEL),
    ] {
        let format = format!("{{{{.Label \"{label}\"}}}}");
        let filter = format!("label={label}");
        let out = cmd!(sh, "docker {list...} --filter {filter} --format {format}")
            .quiet()
            .read()
            .with_context(|| format!("`docker {}` of what is labelled {label}", list.join(" ")))?;
        names.extend(out.split_whitespace().map(str::to_owned));
    }
    Ok(names)
}

/// Which of `tags` name an image on the engine.
pub(crate) fn existing_images(tags: &[String]) -> Result<Vec<String>> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let sh = Shell::new()?;
    let format = "{{.Repository}}:{{.Tag}}";
    let out = cmd!(sh, "docker image ls --format {format}")
        .quiet()
        .read()
        .context("listing the images")?;
    let listed: std::collections::BTreeSet<&str> = out.split_whitespace().collect();
    Ok(tags
        .iter()
        .filter(|t| listed.contains(t.as_str()))
        .cloned()
        .collect())
}

/// Removes the tags in one `docker rmi` (none: no call), without `--force`: an image a
/// container uses stays. A tag already gone is no failure.
pub fn remove_tags<S: AsRef<str>>(tags: &[S]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let tags: Vec<&str> = tags.iter().map(AsRef::as_ref).collect();
    let sh = Shell::new()?;
    let names = &tags;
    let out = cmd!(sh, "docker rmi {names...}")
        .quiet()
        .ignore_status()
        .output()
        .context("removing image tags")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A tag already gone is what we wanted.
    let failed: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("No such image"))
        .collect();
    if !failed.is_empty() {
        bail!("docker rmi {}: {}", tags.join(" "), failed.join("; "));
    }
    Ok(())
}

/// The result of a scoped thread; its panic as an error.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("a docker CLI thread panicked"))?
}

/// How often `remove_project` lists and removes containers before it gives up.
const REMOVE_ROUNDS: usize = 3;

/// The last `n` lines of a text, for error messages.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A finished command's stdout and stderr, as one text for an error message.
pub fn combined(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_failures_name_the_cause_and_the_fix() {
        let perm = explain_engine_failure(
            "permission denied while trying to connect to the Docker daemon socket at \
             unix:///var/run/docker.sock: Get ...: dial unix /var/run/docker.sock: connect: \
             permission denied\n",
        );
        assert!(perm.contains("usermod -aG docker"), "{perm}");
        assert!(perm.contains("log in again"), "{perm}");
        let down = explain_engine_failure(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker \
             daemon running?\n",
        );
        assert!(down.contains("systemctl start docker"), "{down}");
        let other = explain_engine_failure("\nsomething odd\n");
        assert!(other.contains("something odd"), "{other}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
