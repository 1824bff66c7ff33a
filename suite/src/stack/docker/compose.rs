//! The compose stack (plan section 2): a compose file with the backend in a container that
//! starts one worker container per live job through the Docker socket.
//!
//! - One compose project per run (`project.rs`) on a free host port.
//! - Start: the images (`pre_build` and `compose build`, or the caller's `CallerImages`),
//!   `up -d --no-build` in live mode with the secrets in the compose child's environment
//!   only, health gate.
//! - Rollback (plan section 8): `up -d --force-recreate` in mocked mode on the same volumes
//!   and the same images (built at the start: still current, so no rebuild), health gate
//!   that checks the mode changed.
//! - Shutdown: what `down -v --remove-orphans` would remove and the worker containers, by
//!   their labels with the docker CLI (`docker::remove_project`), then the caller's images;
//!   idempotent, also from `Drop` and from the Ctrl-C hook (`interrupt`); `--keep-up` leaves
//!   it running.
//!
//! A developer's stack (`StackOwner::Developer`) is the same with a fixed project and
//! port, whose volumes a failed start leaves in place.

use super::host_lock::HostLock;
use super::logs::LogCursor;
use super::pre_build;
use super::project::{project_name, publish_warning, ComposeProject, Port, LOOPBACK};
use crate::evidence::Evidence;
use crate::model::events::{Events, Phase};
use crate::model::secrets::Secrets;
use crate::stack::docker::{self, ComposeCli};
use crate::stack::suite_config::SuiteConfig;
use crate::stack::{free_port, Stack, StackOptions, StackOwner};
use crate::sys::journal;
use crate::target::health::wait::{wait_healthy, wait_paths, Awaited, Refused};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds the images of compose project `name`; returns the variables that name them.
pub(crate) type BuildImages = dyn Fn(&str, &Events) -> Result<Vec<(String, String)>> + Send + Sync;

/// Images a caller builds itself (e.g. from binaries it compiles) instead of `pre_build` and
/// `compose build`: built in the stack's build phase, named to compose by variables, and
/// removed when a run's stack is torn down (also on a signal).
#[derive(Clone)]
pub struct CallerImages {
    pub build: Arc<BuildImages>,
    /// Removes what `build` made for compose project `name`.
    pub remove: Arc<dyn Fn(&str) + Send + Sync>,
}

impl std::fmt::Debug for CallerImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallerImages")
    }
}

pub struct ComposeStack {
    project: ComposeProject,
    secrets: Secrets,
    mode: Mode,
    keep_up: bool,
    owner: StackOwner,
    finished: bool,
    logs: LogCursor,
    interrupt_hook: Option<u64>,
    events: Arc<Events>,
    /// The run folder of a suite run's stack (`prebuild.log`).
    evidence: Option<Evidence>,
    health_timeout: Duration,
    /// Held while a stack that cannot run twice at once (`parallel = false`) is ours.
    _lock: Option<HostLock>,
}

/// A `live-suite.toml` stack that cannot run twice at once (`parallel = false`): the host
/// lock, held while the stack is ours.
fn single_copy_lock(config: &SuiteConfig, events: &Events) -> Result<Option<HostLock>> {
    let (Some(file), false) = (&config.source, config.parallel) else {
        return Ok(None);
    };
    let lock = HostLock::acquire(file, |line| events.line(line))?;
    events.line(format!(
        "compose: {} sets parallel = false: this run holds the lock {}",
        file.display(),
        lock.path.display()
    ));
    Ok(Some(lock))
}

/// A run's project, and the image tags the caller made for it, go into the run's journal
/// before `up`: however the run ends, its reaper removes them.
fn journal_run_stack(owner: &StackOwner, name: &str, built: &Result<Vec<(String, String)>>) {
    if let StackOwner::Run { .. } = owner {
        journal::tell(journal::Entry::Project(name.to_owned()));
        for (_, tag) in built.iter().flatten() {
            journal::tell(journal::Entry::Image(tag.clone()));
        }
    }
}

impl ComposeStack {
    fn new(project: ComposeProject, opts: &StackOptions, lock: Option<HostLock>) -> Self {
        ComposeStack {
            project,
            secrets: opts.secrets.clone(),
            mode: opts.mode,
            keep_up: opts.keep_up,
            owner: opts.owner.clone(),
            finished: false,
            logs: LogCursor::default(),
            interrupt_hook: None,
            events: Arc::clone(&opts.events),
            evidence: opts.evidence.clone(),
            health_timeout: opts.health_timeout,
            _lock: lock,
        }
    }

    /// Engine, compose CLI, images, `up -d` in `opts.mode`, health gate. Every failure here
    /// is a setup error (exit 2) whose message names the cause and the fix.
    pub fn start(opts: &StackOptions) -> Result<Self> {
        let engine = docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
        // docker-compose v1 is a Python program: its version check alone takes 0.5–2.5 s on
        // 2 busy cores. It runs while the images build, which need no compose CLI.
        let detect = std::thread::spawn(ComposeCli::detect);
        let (name, port) = match &opts.owner {
            StackOwner::Developer { project, port } => (project.clone(), *port),
            StackOwner::Run { run_id } => (project_name(run_id, std::process::id()), free_port()?),
        };
        let config = Arc::clone(&opts.config);
        let lock = single_copy_lock(&config, &opts.events)?;
        let publish = opts.publish_address.unwrap_or(LOOPBACK);
        let events = Arc::clone(&opts.events);
        if let Some(warning) = publish_warning(publish) {
            events.line(warning);
        }
        // The caller's images are built here, beside the compose CLI's detection; otherwise
        // the stack builds its own once the compose CLI is known (`build_with_compose`).
        let built = match &opts.images {
            Some(images) => events.timed(Phase::Build, || (images.build)(&name, &events)),
            None => Ok(Vec::new()),
        };
        let cli = detect
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("detecting the compose CLI panicked")));
        journal_run_stack(&opts.owner, &name, &built);
        let (image_env, cli) = match (built, cli) {
            (Ok(env), Ok(cli)) => (env, cli),
            (Err(e), _) | (_, Err(e)) => {
                if let (Some(images), StackOwner::Run { .. }) = (&opts.images, &opts.owner) {
                    (images.remove)(&name);
                }
                return Err(e);
            }
        };
        let caller_images = opts.images.clone();
        let project = ComposeProject {
            cli,
            config,
            name,
            port,
            publish,
            image_env,
            caller_images,
            torn_down: Arc::default(),
        };
        events.line(format!(
            "compose: project {} with {} on Docker {engine}",
            project.name, project.cli.description
        ));
        let mut stack = ComposeStack::new(project, opts, lock);
        if !stack.keep_up {
            // Ctrl-C: the containers are not our children, so tear them down explicitly.
            let p = stack.project.clone();
            let events = Arc::clone(&opts.events);
            stack.interrupt_hook = Some(crate::sys::interrupt::register(move || {
                if let Err(e) = p.teardown() {
                    events.line(format!("compose: tearing down {} failed: {e:#}", p.name));
                }
                p.remove_caller_images();
            }));
        }
        let started = events
            .timed(Phase::Build, || stack.build_with_compose())
            .and_then(|()| events.timed(Phase::Up, || stack.up(opts.mode)));
        if let Err(e) = started {
            if let StackOwner::Developer { project, .. } = &stack.owner {
                // A named stack's volumes may hold data worth keeping: leave them in place.
                stack.finished = true;
                events.line(format!(
                    "compose: {project} did not start; its containers and volumes are left \
                     in place for a look at its logs"
                ));
                return Err(e);
            }
            // A run's stack that never became healthy is of no use, even with --keep-up:
            // remove what `up` created (the error already shows the backend's last output).
            stack.keep_up = false;
            if let Err(t) = stack.shutdown() {
                events.line(format!(
                    "compose: cleaning up after the failed start: {t:#}"
                ));
            }
            return Err(e);
        }
        Ok(stack)
    }

    /// Without the caller's images: the config's pre-build command (from the config's
    /// folder), then `compose build`.
    fn build_with_compose(&self) -> Result<()> {
        if self.project.caller_images.is_some() {
            return Ok(());
        }
        let source = self
            .project
            .config
            .compose_files
            .first()
            .context("the config names no compose file")?;
        let source = self.project.config.source.as_ref().unwrap_or(source);
        let t = Instant::now();
        if let Some(argv) = &self.project.config.pre_build {
            self.events
                .line(format!("compose: pre_build: {}", argv.join(" ")));
            let ev = self
                .evidence
                .as_ref()
                .context("pre_build runs in a suite run, whose run folder takes its output")?;
            pre_build::run(&self.project.config, source, ev, &self.events)?;
        }
        self.project.run(&["build"])?;
        self.events.line(format!(
            "compose: built in {:.1}s",
            t.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    fn up(&mut self, mode: Mode) -> Result<()> {
        let t = Instant::now();
        // Keep what the old container said: `--force-recreate` removes it.
        self.logs.container_replaced()?;
        let port = match self.owner {
            StackOwner::Developer { .. } => Port::Fixed,
            StackOwner::Run { .. } => Port::Chosen,
        };
        self.project.up(mode, &self.secrets, port)?;
        self.mode = mode;
        let id = self.project.backend_id()?.with_context(|| {
            format!(
                "compose up succeeded but project {} has no backend container",
                self.project.name
            )
        })?;
        self.logs.follow(id.clone());
        let project = self.project.clone();
        let alive = || project.backend_alive(&id);
        let base_url = self.project.base_url();
        let redactor = self.secrets.redactor();
        let backend = Awaited {
            base_url: &base_url,
            timeout: self.health_timeout,
            redactor: &redactor,
            events: &self.events,
            refused: Refused::Wait,
        };
        match &self.project.config.source {
            None => wait_healthy(backend, mode, alive),
            Some(_) => wait_paths(backend, &self.project.config.health_paths, mode, alive),
        }
        .with_context(|| format!("health gate of the compose stack {}", self.project.name))?;
        self.events.line(format!(
            "compose: backend healthy in {} mode at {} ({:.1}s after up)",
            mode.as_str(),
            self.project.base_url(),
            t.elapsed().as_secs_f64()
        ));
        Ok(())
    }
}

impl Stack for ComposeStack {
    fn handed_secrets(&self) -> Option<&Secrets> {
        Some(&self.secrets)
    }

    fn name(&self) -> &str {
        "compose"
    }

    fn base_url(&self) -> String {
        self.project.base_url()
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn rollback_to_mocked(&mut self) -> Result<()> {
        // Plan section 8: restart in mocked mode on the same volumes and images: they were
        // built at the start and are still current, so a rebuild would only repeat it.
        let events = Arc::clone(&self.events);
        events.timed(Phase::Up, || self.up(Mode::Mocked))
    }

    fn take_logs(&mut self) -> Result<Option<String>> {
        Ok(Some(self.logs.take()?))
    }

    fn shutdown(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        if let Some(id) = self.interrupt_hook.take() {
            crate::sys::interrupt::unregister(id);
        }
        if self.keep_up {
            let how = if let StackOwner::Developer { .. } = self.owner {
                "the command that removes this named stack".to_owned()
            } else {
                let p = &self.project;
                format!(
                    "`codex-live-suite down`, or: docker rm -f $(docker ps -aq --filter label={}={}); CODEX_STACK_ID={} \
                     {} -p {} {} down -v --remove-orphans",
                    docker::STACK_LABEL,
                    p.name,
                    p.name,
                    p.cli
                        .description
                        .rsplit_once(' ')
                        .map_or("", |(cli, _)| cli),
                    p.name,
                    p.config
                        .compose_files
                        .iter()
                        .map(|f| format!("-f {}", f.display()))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            self.events.line(format!(
                "compose: --keep-up: project {} stays up at {}; remove it with {how}",
                self.project.name,
                self.project.base_url()
            ));
            return Ok(());
        }
        let t = Instant::now();
        self.project.teardown()?;
        if let StackOwner::Run { .. } = self.owner {
            self.project.remove_caller_images();
        }
        self.events.line(format!(
            "compose: project {} removed (containers, network, volumes, image tags) in {:.1}s",
            self.project.name,
            t.elapsed().as_secs_f64()
        ));
        Ok(())
    }
}

impl Drop for ComposeStack {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            self.events.line(format!(
                "compose: shutdown of {} failed: {e:#}",
                self.project.name
            ));
        }
    }
}
