//! The developer's compose stack (`cargo xtask up|down|logs --stack compose`): the fixed
//! project `codex-dev` on `CODEX_PORT` (default 8000), and the sweep of the stacks of suite
//! runs that were killed before they could tear down their own.

use crate::images::ImageTags;
use anyhow::{Context, Result};
use codex_live_suite::docker::{self, ComposeCli, ComposeProject};
use codex_live_suite::Events;
use codex_live_suite::StackOwner;
use codex_live_suite::SuiteConfig;
use std::sync::Arc;

/// The developer stack's fixed compose project name (also its `CODEX_STACK_ID`).
pub const DEV_PROJECT: &str = "codex-dev";

/// The developer's port: `CODEX_PORT`, default 8000.
pub fn port() -> Result<u16> {
    match std::env::var("CODEX_PORT") {
        Ok(p) if !p.trim().is_empty() => p.trim().parse().with_context(|| {
            format!("CODEX_PORT={p} is not a port number: set it to e.g. 8000 or unset it")
        }),
        _ => Ok(8000),
    }
}

/// The developer's stack: a fixed compose project on a fixed port.
pub fn owner() -> Result<StackOwner> {
    Ok(StackOwner::Developer {
        project: DEV_PROJECT.to_owned(),
        port: port()?,
    })
}

/// The developer's stack as `cargo xtask down|logs` find it (no build, no health gate).
fn project() -> Result<ComposeProject> {
    docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
    Ok(ComposeProject {
        cli: ComposeCli::detect()?,
        config: Arc::new(SuiteConfig::defaults(&crate::project_root())),
        name: DEV_PROJECT.to_owned(),
        port: port()?,
        publish: docker::LOOPBACK,
        image_env: ImageTags::latest().compose_env(),
        caller_images: None,
        torn_down: Arc::default(),
    })
}

/// `cargo xtask down --stack compose`: removes the developer's stack (with its volumes) and
/// the stacks of suite runs that were killed before they could tear down their own.
pub fn down(events: &Events) -> Result<()> {
    let p = project()?;
    p.teardown()?;
    events.line(format!("down: compose project {} removed", p.name));
    for name in abandoned_run_projects()? {
        let tags = ImageTags::for_run(&name);
        let run = ComposeProject {
            image_env: tags.compose_env(),
            name,
            port: 0,
            torn_down: Arc::default(),
            ..p.clone()
        };
        run.teardown()?;
        tags.remove();
        events.line(format!(
            "down: compose project {} of a killed run removed",
            run.name
        ));
    }
    Ok(())
}

/// Projects named `codex-<run id>-<pid>` (see `docker::project_name`), from the compose and worker
/// labels of the engine's containers, volumes and networks, whose xtask process no longer
/// runs on this host. A live run's stack is never touched. Volumes and networks count on
/// their own: a run killed during its `down` (a second Ctrl-C) may have removed its
/// containers and left the rest.
fn abandoned_run_projects() -> Result<Vec<String>> {
    let sh = xshell::Shell::new()?;
    let mut names = std::collections::BTreeSet::new();
    let compose = docker::COMPOSE_PROJECT_LABEL;
    let containers: &[&str] = &["ps", "--all"];
    for (list, label) in [
        (containers, compose),
        (containers, docker::STACK_LABEL),
        (&["volume", "ls"], compose),
        (&["network", "ls"], compose),
    ] {
        let format = format!("{{{{.Label \"{label}\"}}}}");
        let filter = format!("label={label}");
        let out = xshell::cmd!(sh, "docker {list...} --filter {filter} --format {format}")
            .quiet()
            .read()
            .with_context(|| format!("`docker {}` of what is labelled {label}", list.join(" ")))?;
        names.extend(out.lines().map(str::trim).map(str::to_owned));
    }
    Ok(names
        .into_iter()
        .filter(|name| run_pid(name).is_some_and(|pid| !xtask_alive(pid)))
        .collect())
}

/// The pid in `codex-<run id>-<pid>`; `None` for any other name (the dev stack included).
fn run_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("codex-")?;
    let (run_id, pid) = rest.rsplit_once('-')?;
    (!run_id.is_empty() && name != DEV_PROJECT)
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether `pid` is a running suite: the xtask or `codex-live-suite` (whose name the kernel
/// cuts to 15 bytes). A recycled pid of another program does not count.
fn xtask_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| matches!(comm.trim(), "xtask" | "codex-live-suit"))
}

/// `cargo xtask logs`: the developer's backend output so far (raw: the caller redacts it).
pub fn logs() -> Result<String> {
    project()?.run(&["logs", "--no-color", "backend"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_live_suite::docker::project_name;

    #[test]
    fn only_run_projects_of_dead_xtasks_are_abandoned() {
        let name = project_name("2025-11-14T17-14-05Z", 4242);
        assert_eq!(run_pid(&name), Some(4242));
        assert_eq!(run_pid(DEV_PROJECT), None);
        assert_eq!(run_pid("codex-42"), None);
        assert_eq!(run_pid("myapp-x-42"), None);
        assert_eq!(run_pid("codex-run-notapid"), None);
        // This test process is not an xtask; pid 0 never is.
        assert!(!xtask_alive(std::process::id()));
        assert!(!xtask_alive(0));
    }
}
