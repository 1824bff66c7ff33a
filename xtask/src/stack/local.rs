//! The local stack: `codex-backend` as a child process with the process runner, on a free
//! port, with a fresh workspace root and database in a temporary folder (never inside the
//! evidence folder). No Docker needed.
//!
//! The backend runs in its own process group; that group (backend and its workers) is
//! killed on shutdown, on Ctrl-C (`interrupt`), and the backend gets SIGTERM if the xtask
//! itself dies (`PR_SET_PDEATHSIG`), so children never outlive the xtask.

use super::health::{wait_healthy, Awaited, HEALTH_TIMEOUT};
use super::{Stack, StackOptions};
use crate::events::{Events, Phase};
use crate::process::{signal_group, spawn_grouped, stop_group, Tether};
use crate::secrets::Secrets;
use anyhow::{bail, Context, Result};
use codex_contract::{Mode, SECRET_VARS};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub struct LocalStack {
    backend_bin: PathBuf,
    worker_bin: PathBuf,
    /// Workspace root and database live here; removed on shutdown unless kept.
    data: Option<tempfile::TempDir>,
    data_path: PathBuf,
    log_path: PathBuf,
    log_offset: u64,
    secrets: Secrets,
    keep_up: bool,
    port: u16,
    mode: Mode,
    child: Option<Child>,
    interrupt_hook: Option<u64>,
    events: Arc<Events>,
}

/// `cargo build` arguments of the local stack's binaries (the bench's cold build uses the
/// same list). `--bin`, like the `cargo xtask` alias, resolves features for the whole
/// workspace: the dependencies the xtask was built with are reused, not rebuilt.
pub const LOCAL_BUILD_ARGS: [&str; 4] = ["--bin", "codex-backend", "--bin", "codex-worker"];

/// Builds `codex-backend` and `codex-worker` (debug) into the xtask's own target folder and
/// returns their paths.
pub fn build_binaries(events: &Events) -> Result<(PathBuf, PathBuf)> {
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    // <target>/debug/xtask (also when run by `cargo test`: CARGO_BIN_EXE_xtask), or
    // <target>/debug/deps/xtask-<hash> for the xtask's own unit tests.
    let mut profile_dir = exe.parent().context("xtask binary has no folder")?;
    if profile_dir.ends_with("deps") {
        profile_dir = profile_dir.parent().context("deps folder has no parent")?;
    }
    let target = profile_dir
        .parent()
        .context("xtask binary is not in <target>/<profile>")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    events.line("local: building codex-backend and codex-worker (cargo build)");
    let sh = xshell::Shell::new()?;
    sh.change_dir(crate::project_root());
    let built = xshell::cmd!(
        sh,
        "{cargo} build --quiet {LOCAL_BUILD_ARGS...} --target-dir {target}"
    )
    .quiet()
    .run();
    if let Err(e) = built {
        bail!(
            "cargo build --bin codex-backend --bin codex-worker failed ({e}); fix the build errors above"
        );
    }
    let bin = |name: &str| target.join("debug").join(name);
    Ok((bin("codex-backend"), bin("codex-worker")))
}

/// A port that was free a moment ago (bind to port 0, read it, release it).
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

impl LocalStack {
    /// Builds, starts in `opts.mode`, and waits for the health gate (30 s).
    pub fn start(opts: &StackOptions) -> Result<Self> {
        let (backend_bin, built_worker) = opts
            .events
            .timed(Phase::Build, || build_binaries(&opts.events))?;
        // A team can plug in its own worker: WORKER_BIN in the xtask's environment.
        let worker_bin = std::env::var_os("WORKER_BIN")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or(built_worker);
        let data = tempfile::Builder::new()
            .prefix(&format!("codex-local-{}-", opts.instance.label()))
            .tempdir()
            .context("creating the local stack's temporary folder")?;
        let data_path = data.path().to_owned();
        let mut stack = LocalStack {
            backend_bin,
            worker_bin,
            log_path: data_path.join("backend.log"),
            data: Some(data),
            data_path,
            log_offset: 0,
            secrets: opts.secrets.clone(),
            keep_up: opts.keep_up,
            port: 0,
            mode: opts.mode,
            child: None,
            interrupt_hook: None,
            events: Arc::clone(&opts.events),
        };
        let events = Arc::clone(&opts.events);
        events.timed(Phase::Up, || stack.spawn(opts.mode))?;
        Ok(stack)
    }

    fn spawn(&mut self, mode: Mode) -> Result<()> {
        self.port = free_port()?;
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .with_context(|| format!("opening {}", self.log_path.display()))?;
        let mut cmd = Command::new(&self.backend_bin);
        cmd.current_dir(&self.data_path)
            .env("BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", self.data_path.join("codex.db").display()),
            )
            .env("WORKSPACE_ROOT", self.data_path.join("workspaces"))
            .env("WORKER_RUNNER", "process")
            .env("WORKER_BIN", &self.worker_bin)
            .env("USE_DUMMY_WORKER", super::use_dummy_worker(mode))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // Secrets reach the child's environment only (from the environment or .env.live).
        for var in SECRET_VARS {
            cmd.env_remove(var);
        }
        for (k, v) in self.secrets.env_pairs() {
            cmd.env(k, v);
        }
        let tether = if self.keep_up {
            Tether::Outlives
        } else {
            Tether::DiesWithXtask
        };
        let child = spawn_grouped(&mut cmd, tether)
            .with_context(|| format!("starting {}", self.backend_bin.display()))?;
        let pgid = child.id() as i32;
        self.child = Some(child);
        self.mode = mode;
        if !self.keep_up {
            // Ctrl-C exits without running destructors: the hook also removes the data folder.
            let data = self.data_path.clone();
            self.interrupt_hook = Some(crate::interrupt::register(move || {
                signal_group(pgid, libc::SIGKILL);
                let _ = std::fs::remove_dir_all(&data);
            }));
        }
        self.events.line(format!(
            "local: backend pid {pgid} on {} in {} mode (data in {})",
            self.base_url(),
            mode.as_str(),
            self.data_path.display()
        ));
        let log_path = self.log_path.clone();
        let url = self.base_url();
        let child = self.child.as_mut().expect("just spawned");
        let backend = Awaited {
            base_url: &url,
            timeout: HEALTH_TIMEOUT,
            redactor: &self.secrets.redactor(),
        };
        wait_healthy(backend, mode, || match child.try_wait()? {
            None => Ok(()),
            Some(status) => bail!("the backend exited ({status}) before it was healthy"),
        })
        // The temporary folder holding the log goes with the failed stack: show its tail.
        .with_context(|| {
            format!(
                "local stack health gate (GET /docs 200, /healthz mode); the backend's output:\n{}",
                crate::docker::tail(&std::fs::read_to_string(&log_path).unwrap_or_default(), 40)
            )
        })
    }

    /// Stops the backend's process group: SIGTERM, then SIGKILL after 10 s.
    fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_group(child, Duration::from_secs(10));
        }
        if let Some(id) = self.interrupt_hook.take() {
            crate::interrupt::unregister(id);
        }
    }
}

impl Stack for LocalStack {
    fn handed_secrets(&self) -> Option<&Secrets> {
        Some(&self.secrets)
    }

    fn name(&self) -> &'static str {
        "local"
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn rollback_to_mocked(&mut self) -> Result<()> {
        self.stop();
        // Same database and workspace root, USE_DUMMY_WORKER=True; the gate checks /healthz.
        let events = Arc::clone(&self.events);
        events.timed(Phase::Up, || self.spawn(Mode::Mocked))
    }

    fn take_logs(&mut self) -> Result<Option<String>> {
        let mut f = File::open(&self.log_path)
            .with_context(|| format!("opening {}", self.log_path.display()))?;
        f.seek(SeekFrom::Start(self.log_offset))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        self.log_offset += buf.len() as u64;
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    fn shutdown(&mut self) -> Result<()> {
        if self.keep_up {
            if let Some(child) = self.child.take() {
                self.events.line(format!(
                    "local: --keep-up: backend pid {} stays up on {} (data in {}); stop it with \
                     `kill -- -{}`",
                    child.id(),
                    self.base_url(),
                    self.data_path.display(),
                    child.id()
                ));
            }
            if let Some(d) = self.data.take() {
                let _ = d.keep();
            }
            return Ok(());
        }
        self.stop();
        if let Some(d) = self.data.take() {
            d.close()
                .context("removing the local stack's temporary folder")?;
        }
        Ok(())
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
