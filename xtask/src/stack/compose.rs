//! The compose stack (issue 4, plan section 2): `docker-compose.yml` with the backend in a
//! container that starts one worker container per live job through the Docker socket.
//!
//! - One compose project per run (`compose_project.rs`) on a free host port.
//! - Start: static binaries, both images (`images::build_images`), `up -d --no-build` in live
//!   mode with the secrets in the compose child's environment only, health gate.
//! - Rollback (plan section 8): `up -d --force-recreate` with `USE_DUMMY_WORKER=True` on the
//!   same volumes and the same images (the run's own tags, built at its start: still
//!   current, so no rebuild), health gate that checks the mode changed.
//! - Shutdown: what `down -v --remove-orphans` would remove and the worker containers, by
//!   their labels with the docker CLI (`docker::remove_project`), then the run's image tags;
//!   idempotent, also from `Drop` and from the Ctrl-C hook (`interrupt`);
//!   `--keep-up` leaves it running.
//!
//! A developer's stack (`cargo xtask up|down|logs --stack compose`) is the same with the
//! fixed project `codex-dev` on `CODEX_PORT` (default 8000), see `dev.rs`.

use super::compose_project::{project_name, publish_warning, ComposeProject, Port, LOOPBACK};
use super::docker_logs::LogCursor;
use super::health::{wait_healthy, wait_paths};
use super::host_lock::HostLock;
use super::local::free_port;
use super::pre_build;
use super::{Instance, Stack, StackOptions};
use crate::docker::{self, ComposeCli};
use crate::events::{Events, Phase};
use crate::evidence::Evidence;
use crate::images::ImageTags;
use crate::secrets::Secrets;
use crate::suite_config::SuiteConfig;
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A container starts in about a second; the first start also creates volumes and network.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

pub struct ComposeStack {
    project: ComposeProject,
    secrets: Secrets,
    mode: Mode,
    keep_up: bool,
    instance: Instance,
    finished: bool,
    logs: LogCursor,
    interrupt_hook: Option<u64>,
    events: Arc<Events>,
    /// The run folder of a suite run's stack (`prebuild.log`).
    evidence: Option<Evidence>,
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

impl ComposeStack {
    fn new(project: ComposeProject, opts: &StackOptions, lock: Option<HostLock>) -> Self {
        ComposeStack {
            project,
            secrets: opts.secrets.clone(),
            mode: opts.mode,
            keep_up: opts.keep_up,
            instance: opts.instance.clone(),
            finished: false,
            logs: LogCursor::default(),
            interrupt_hook: None,
            events: Arc::clone(&opts.events),
            evidence: opts.evidence.clone(),
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
        let (name, port) = match &opts.instance {
            Instance::Developer => (super::dev::DEV_PROJECT.to_owned(), super::dev::port()?),
            Instance::Run { run_id } => (project_name(run_id, std::process::id()), free_port()?),
        };
        let config = Arc::clone(&opts.config);
        let lock = single_copy_lock(&config, &opts.events)?;
        let images = match opts.instance {
            Instance::Developer => ImageTags::latest(),
            Instance::Run { .. } => ImageTags::for_run(&name),
        };
        let publish = opts.publish_address.unwrap_or(LOOPBACK);
        let events = Arc::clone(&opts.events);
        if let Some(warning) = publish_warning(publish) {
            events.line(warning);
        }
        // Our images are built here; a `live-suite.toml` stack builds its own once the
        // compose CLI is known (`build_theirs`).
        let built = match &config.source {
            None => events.timed(Phase::Build, || build(&images, &events)),
            Some(_) => Ok(()),
        };
        let cli = detect
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("detecting the compose CLI panicked")));
        let cli = match (built, cli) {
            (Ok(()), Ok(cli)) => cli,
            (Err(e), _) | (_, Err(e)) => {
                if opts.instance != Instance::Developer {
                    images.remove();
                }
                return Err(e);
            }
        };
        let project = ComposeProject {
            cli,
            config,
            name,
            port,
            publish,
            images,
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
            stack.interrupt_hook = Some(crate::interrupt::register(move || {
                if let Err(e) = p.teardown() {
                    events.line(format!("compose: tearing down {} failed: {e:#}", p.name));
                }
                p.images.remove();
            }));
        }
        let started = events
            .timed(Phase::Build, || stack.build_theirs())
            .and_then(|()| events.timed(Phase::Up, || stack.up(opts.mode)));
        if let Err(e) = started {
            if stack.instance == Instance::Developer {
                // The developer's volumes may hold data worth keeping: leave them to `down`.
                stack.finished = true;
                events.line(
                    "compose: codex-dev did not start; `cargo xtask logs` shows its output, \
                     `cargo xtask down --stack compose` removes it (with its volumes)",
                );
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

    /// A `live-suite.toml` stack: its pre-build command (from the config's folder), then
    /// `compose build`. Our own stack's images are built before.
    fn build_theirs(&self) -> Result<()> {
        let Some(source) = &self.project.config.source else {
            return Ok(());
        };
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
        let port = match self.instance {
            Instance::Developer => Port::Fixed,
            Instance::Run { .. } => Port::Chosen,
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
        match &self.project.config.source {
            None => wait_healthy(&base_url, mode, HEALTH_TIMEOUT, alive),
            Some(_) => wait_paths(
                &base_url,
                &self.project.config.health_paths,
                mode,
                HEALTH_TIMEOUT,
                alive,
            ),
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

/// The static binaries (cargo) and both images under `tags`.
fn build(tags: &ImageTags, events: &Events) -> Result<()> {
    let t = Instant::now();
    events.line("compose: building the static binaries (cargo) and both images");
    crate::images::build_images(&crate::project_root(), tags)?;
    events.line(format!(
        "compose: images built in {:.1}s: {}",
        t.elapsed().as_secs_f64(),
        crate::images::image_sizes_line(tags)
    ));
    Ok(())
}

impl Stack for ComposeStack {
    fn handed_secrets(&self) -> Option<&Secrets> {
        Some(&self.secrets)
    }

    fn name(&self) -> &'static str {
        "compose"
    }

    fn base_url(&self) -> String {
        self.project.base_url()
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn rollback_to_mocked(&mut self) -> Result<()> {
        // Plan section 8: restart in mocked mode on the same volumes. The images are this
        // run's own tags, built from the binaries cargo judged current at the start: a
        // rebuild here would only repeat it (issue 13: 1.4 s of a warm run).
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
            crate::interrupt::unregister(id);
        }
        if self.keep_up {
            let how = if self.instance == Instance::Developer {
                "cargo xtask down --stack compose".to_owned()
            } else {
                let p = &self.project;
                format!(
                    "docker rm -f $(docker ps -aq --filter label={}={}); CODEX_STACK_ID={} \
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
                "compose: --keep-up: project {} stays up at {}; remove it with: {how}",
                self.project.name,
                self.project.base_url()
            ));
            return Ok(());
        }
        let t = Instant::now();
        self.project.teardown()?;
        if self.instance != Instance::Developer {
            self.project.images.remove();
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
