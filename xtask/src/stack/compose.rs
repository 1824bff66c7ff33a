//! The compose stack (issue 4, plan section 2): `docker-compose.yml` with the backend in a
//! container that starts one worker container per live job through the Docker socket.
//!
//! - One compose project per run (`compose_project.rs`) on a free host port.
//! - Start: static binaries, both images (`images::build_images`), `up -d --no-build` in live
//!   mode with the secrets in the compose child's environment only, health gate.
//! - Rollback (plan section 8): build again, `up -d --force-recreate` with
//!   `USE_DUMMY_WORKER=True` on the same volumes, health gate that checks the mode changed.
//! - Shutdown: worker containers by label, then `down -v --remove-orphans`; idempotent, also
//!   from `Drop` and from the Ctrl-C hook (`interrupt`); `--keep-up` leaves it running.
//!
//! A developer's stack (`cargo xtask up|down|logs --stack compose`) is the same with the
//! fixed project `codex-dev` on `CODEX_PORT` (default 8000), see `dev.rs`.

use super::compose_project::{project_name, ComposeProject, Port};
use super::docker_logs::LogCursor;
use super::health::{wait_healthy, wait_paths};
use super::host_lock::HostLock;
use super::local::free_port;
use super::{Instance, Stack, StackOptions};
use crate::docker::{self, ComposeCli};
use crate::events::Events;
use crate::secrets::Secrets;
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
    /// Held while a stack that cannot run twice at once (`parallel = false`) is ours.
    _lock: Option<HostLock>,
}

impl ComposeStack {
    /// Engine, compose CLI, images, `up -d` in `opts.mode`, health gate. Every failure here
    /// is a setup error (exit 2) whose message names the cause and the fix.
    pub fn start(opts: &StackOptions) -> Result<Self> {
        let engine = docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
        let cli = ComposeCli::detect()?;
        let (name, port) = match &opts.instance {
            Instance::Developer => (super::dev::DEV_PROJECT.to_owned(), super::dev::port()?),
            Instance::Run { run_id } => (project_name(run_id, std::process::id()), free_port()?),
        };
        let config = Arc::clone(&opts.config);
        let lock = match (&config.source, config.parallel) {
            (Some(file), false) => {
                let lock = HostLock::acquire(file, |line| opts.events.line(line))?;
                opts.events.line(format!(
                    "compose: {} sets parallel = false: this run holds the lock {}",
                    file.display(),
                    lock.path.display()
                ));
                Some(lock)
            }
            _ => None,
        };
        let project = ComposeProject {
            cli,
            config,
            name,
            port,
            torn_down: Arc::default(),
        };
        let events = Arc::clone(&opts.events);
        events.line(format!(
            "compose: project {} with {} on Docker {engine}",
            project.name, project.cli.description
        ));
        let mut stack = ComposeStack {
            project,
            secrets: opts.secrets.clone(),
            mode: opts.mode,
            keep_up: opts.keep_up,
            instance: opts.instance.clone(),
            finished: false,
            logs: LogCursor::default(),
            interrupt_hook: None,
            events: Arc::clone(&opts.events),
            _lock: lock,
        };
        if !stack.keep_up {
            // Ctrl-C: the containers are not our children, so tear them down explicitly.
            let p = stack.project.clone();
            let events = Arc::clone(&opts.events);
            stack.interrupt_hook = Some(crate::interrupt::register(move || {
                if let Err(e) = p.teardown() {
                    events.line(format!("compose: tearing down {} failed: {e:#}", p.name));
                }
            }));
        }
        if let Err(e) = stack.build().and_then(|()| stack.up(opts.mode)) {
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

    fn build(&self) -> Result<()> {
        if let Some(source) = &self.project.config.source {
            return self.build_theirs(source);
        }
        let t = Instant::now();
        let events = &self.events;
        events.line("compose: building the static binaries (cargo) and both images");
        crate::images::build_images(&crate::project_root())?;
        events.line(format!(
            "compose: images built in {:.1}s: {}",
            t.elapsed().as_secs_f64(),
            crate::images::image_sizes_line()
        ));
        Ok(())
    }

    /// A `live-suite.toml` stack: its pre-build command (from the config's folder, without
    /// the secrets), then `compose build`.
    fn build_theirs(&self, source: &std::path::Path) -> Result<()> {
        let t = Instant::now();
        if let Some(argv) = &self.project.config.pre_build {
            self.events
                .line(format!("compose: pre_build: {}", argv.join(" ")));
            let folder = source.parent().unwrap_or(std::path::Path::new("."));
            let mut cmd = std::process::Command::new(&argv[0]);
            cmd.args(&argv[1..]).current_dir(folder);
            for var in codex_contract::SECRET_VARS {
                cmd.env_remove(var);
            }
            let out = cmd.output().with_context(|| {
                format!(
                    "{}: `pre_build` {:?} could not be started; fix: name a program on PATH",
                    source.display(),
                    argv[0]
                )
            })?;
            if !out.status.success() {
                anyhow::bail!(
                    "{}: `pre_build` ({}) failed ({}):\n{}",
                    source.display(),
                    argv.join(" "),
                    out.status,
                    docker::tail(&crate::images::combined(&out), 25)
                );
            }
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
        // Plan section 8: rebuild and restart in mocked mode on the same volumes.
        self.build()?;
        self.up(Mode::Mocked)
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
        self.events.line(format!(
            "compose: project {} removed (containers, network, volumes) in {:.1}s",
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
