//! The compose stack (issue 4, plan section 2): `docker-compose.yml` with the backend in a
//! container that starts one worker container per live job through the Docker socket.
//!
//! - One compose project per run (`codex-<run id>-<pid>`, also the `CODEX_STACK_ID` that
//!   names the workspaces volume and labels the worker containers) on a free host port, so
//!   parallel runs on one host never collide.
//! - Start: static binaries, both images (`docker::build_images`), `up -d --no-build` in live
//!   mode with the secrets in the compose child's environment only, health gate.
//! - Rollback (plan section 8): build again, `up -d --force-recreate` with
//!   `USE_DUMMY_WORKER=True` on the same volumes, health gate that checks the mode changed.
//! - Shutdown: worker containers by label, then `down -v --remove-orphans`; idempotent, also
//!   from `Drop` and from the Ctrl-C hook (`interrupt`); `--keep-up` leaves it running.
//!
//! A developer's stack (`cargo xtask up|down|logs --stack compose`) is the same with the
//! fixed project `codex-dev` on `CODEX_PORT` (default 8000).

use super::health::wait_healthy;
use super::local::free_port;
use super::{Stack, StackOptions};
use crate::docker::{self, ComposeCli};
use crate::progress::Progress;
use crate::secrets::Secrets;
use anyhow::{bail, Context, Result};
use codex_contract::{Mode, SECRET_VARS};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The repository root (holds `docker-compose.yml` and both Dockerfiles).
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// `StackOptions::run_id` that selects the developer's stack (`cargo xtask up`).
pub const DEV_RUN_ID: &str = "dev";
/// Its fixed compose project name (also its `CODEX_STACK_ID`).
pub const DEV_PROJECT: &str = "codex-dev";
/// A container starts in about a second; the first start also creates volumes and network.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(60);
/// `up` retries with another free port when one was taken between choice and bind.
const PORT_ATTEMPTS: usize = 4;

/// What every compose command of one stack needs: the CLI, the file, the project, the port.
/// Cheap to clone, so that the Ctrl-C hook can tear the stack down from another thread.
#[derive(Debug, Clone)]
pub struct Project {
    cli: ComposeCli,
    file: PathBuf,
    pub name: String,
    pub port: u16,
    /// `true` once torn down. Held while `up` or `down` runs, so that a Ctrl-C teardown
    /// waits for a running `up` and a later `up` (the suite carries on until the handler
    /// exits) cannot bring the stack back after it.
    torn_down: Arc<Mutex<bool>>,
}

impl Project {
    /// A compose command with the stack's interpolation variables set. `CODEX_STACK_ID` must
    /// be the same for every command, or `down -v` would look for another volume name.
    fn compose(&self, args: &[&str]) -> duct::Expression {
        self.cli
            .cmd(&self.name, &self.file, args)
            .env("CODEX_STACK_ID", &self.name)
            .env("CODEX_PORT", self.port.to_string())
            .stdin_null()
    }

    /// Runs a compose command, capturing its output; fails with that output.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Result<String> {
        let mut expr = self.compose(args);
        for (k, v) in env {
            expr = expr.env(k, v);
        }
        let out = expr
            .stderr_to_stdout()
            .stdout_capture()
            .unchecked()
            .run()
            .with_context(|| format!("running {} {}", self.cli.description, args.join(" ")))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!(
                "`{} -p {} {}` failed ({}):\n{}",
                self.cli.description,
                self.name,
                args.join(" "),
                out.status,
                docker::tail(&text, 25)
            );
        }
        Ok(text)
    }

    /// `up -d` of the backend in `mode`, with the secrets in the child's environment only.
    /// Another free port is tried when the chosen one was taken meanwhile (`fixed_port`:
    /// the developer's port is not ours to change, so it fails with the fix instead).
    fn up(&mut self, mode: Mode, secrets: &Secrets, fixed_port: bool) -> Result<()> {
        let gate = Arc::clone(&self.torn_down);
        let torn_down = gate.lock().unwrap_or_else(|p| p.into_inner());
        if *torn_down {
            bail!(
                "compose project {} was torn down (interrupted): not starting it again",
                self.name
            );
        }
        let dummy = match mode {
            Mode::Mocked => "True",
            Mode::Live => "False",
        };
        for attempt in 1..=PORT_ATTEMPTS {
            let mut expr = self
                .compose(&["up", "-d", "--no-build", "--force-recreate", "backend"])
                .env("USE_DUMMY_WORKER", dummy);
            // Each secret is either set from `secrets` or removed, never both: duct applies
            // the innermost (first called) setting last.
            for var in SECRET_VARS {
                expr = match secrets.env_pairs().find(|(k, _)| *k == var) {
                    Some((k, v)) => expr.env(k, v),
                    None => expr.env_remove(var),
                };
            }
            let out = expr
                .stderr_to_stdout()
                .stdout_capture()
                .unchecked()
                .run()
                .context("running compose up")?;
            if out.status.success() {
                return Ok(());
            }
            let text = String::from_utf8_lossy(&out.stdout);
            let port_taken = text.contains("port is already allocated")
                || text.contains("address already in use");
            if port_taken && fixed_port {
                bail!(
                    "port {} is in use, so the backend cannot publish it: stop what listens \
                     there (`ss -ltnp | grep :{}`; an old stack: `cargo xtask down --stack \
                     compose`) or choose another with CODEX_PORT=<port>",
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

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The backend container's id, if it exists.
    fn backend_id(&self) -> Result<Option<String>> {
        let out = self.run(&["ps", "-q", "backend"], &[])?;
        Ok(out.split_whitespace().last().map(str::to_owned))
    }

    /// `Ok` while the backend container runs; its state and last log lines otherwise.
    fn backend_alive(&self, id: &str) -> Result<()> {
        let out = duct::cmd!(
            "docker",
            "inspect",
            "--format",
            "{{.State.Status}} exit={{.State.ExitCode}}",
            id
        )
        .stdin_null()
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()
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

    /// Worker containers by label, then `down -v --remove-orphans`, then the label again
    /// (a worker started while `down` ran). Safe to call twice.
    pub fn teardown(&self) -> Result<()> {
        let mut torn_down = self.torn_down.lock().unwrap_or_else(|p| p.into_inner());
        *torn_down = true;
        docker::remove_stack_workers(&self.name)?;
        self.run(&["down", "-v", "--remove-orphans", "--timeout", "5"], &[])?;
        docker::remove_stack_workers(&self.name)?;
        Ok(())
    }
}

/// The backend's output read so far: `docker logs --timestamps` of its container, both
/// streams merged in time order, and the last timestamp seen (for `--since`).
struct LogCursor {
    container: Option<String>,
    last: Option<String>,
    /// Output of a container that was replaced (rollback) and not yet taken.
    pending: String,
}

pub struct ComposeStack {
    project: Project,
    secrets: Secrets,
    mode: Mode,
    keep_up: bool,
    dev: bool,
    finished: bool,
    logs: LogCursor,
    interrupt_hook: Option<u64>,
}

impl ComposeStack {
    /// Engine, compose CLI, images, `up -d` in `opts.mode`, health gate. Every failure here
    /// is a setup error (exit 2) whose message names the cause and the fix.
    pub fn start(opts: &StackOptions, progress: &Progress) -> Result<Self> {
        let engine = docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
        let cli = ComposeCli::detect()?;
        let dev = opts.run_id == DEV_RUN_ID;
        let (name, port) = if dev {
            (DEV_PROJECT.to_owned(), dev_port()?)
        } else {
            (project_name(&opts.run_id, std::process::id()), free_port()?)
        };
        let root = Path::new(WORKSPACE);
        let project = Project {
            cli,
            file: root.join("docker-compose.yml"),
            name,
            port,
            torn_down: Arc::default(),
        };
        progress.line(&format!(
            "compose: project {} with {} on Docker {engine}",
            project.name, project.cli.description
        ));
        let mut stack = ComposeStack {
            project,
            secrets: opts.secrets.clone(),
            mode: opts.mode,
            keep_up: opts.keep_up,
            dev,
            finished: false,
            logs: LogCursor {
                container: None,
                last: None,
                pending: String::new(),
            },
            interrupt_hook: None,
        };
        if !stack.keep_up {
            // Ctrl-C: the containers are not our children, so tear them down explicitly.
            let p = stack.project.clone();
            stack.interrupt_hook = Some(crate::interrupt::register(move || {
                if let Err(e) = p.teardown() {
                    eprintln!("compose: tearing down {} failed: {e:#}", p.name);
                }
            }));
        }
        if let Err(e) = stack
            .build(progress)
            .and_then(|()| stack.up(opts.mode, progress))
        {
            if stack.dev {
                // The developer's volumes may hold data worth keeping: leave them to `down`.
                stack.finished = true;
                progress.line(
                    "compose: codex-dev did not start; `cargo xtask logs` shows its output, \
                     `cargo xtask down --stack compose` removes it (with its volumes)",
                );
                return Err(e);
            }
            // A run's stack that never became healthy is of no use, even with --keep-up:
            // remove what `up` created (the error already shows the backend's last output).
            stack.keep_up = false;
            if let Err(t) = stack.shutdown() {
                progress.line(&format!(
                    "compose: cleaning up after the failed start: {t:#}"
                ));
            }
            return Err(e);
        }
        Ok(stack)
    }

    fn build(&self, progress: &Progress) -> Result<()> {
        let t = Instant::now();
        progress.line("compose: building the static binaries (cargo) and both images");
        docker::build_images(Path::new(WORKSPACE))?;
        progress.line(&format!(
            "compose: images built in {:.1}s: {}",
            t.elapsed().as_secs_f64(),
            docker::image_sizes_line()
        ));
        Ok(())
    }

    fn up(&mut self, mode: Mode, progress: &Progress) -> Result<()> {
        let t = Instant::now();
        // Keep what the old container said: `--force-recreate` removes it.
        if self.logs.container.is_some() {
            let old = self.take_new_logs()?;
            self.logs.pending.push_str(&old);
            self.logs.container = None;
            self.logs.last = None;
        }
        self.project.up(mode, &self.secrets, self.dev)?;
        self.mode = mode;
        let id = self.project.backend_id()?.with_context(|| {
            format!(
                "compose up succeeded but project {} has no backend container",
                self.project.name
            )
        })?;
        self.logs.container = Some(id.clone());
        let project = self.project.clone();
        wait_healthy(&self.project.base_url(), mode, HEALTH_TIMEOUT, || {
            project.backend_alive(&id)
        })
        .with_context(|| format!("health gate of the compose stack {}", self.project.name))?;
        progress.line(&format!(
            "compose: backend healthy in {} mode at {} ({:.1}s after up)",
            mode.as_str(),
            self.project.base_url(),
            t.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// New output of the current backend container since the last call.
    fn take_new_logs(&mut self) -> Result<String> {
        let Some(id) = self.logs.container.clone() else {
            return Ok(String::new());
        };
        let logs = read_logs(&id, self.logs.last.as_deref())?;
        let fresh: Vec<&LogLine> = logs
            .lines
            .iter()
            .filter(|l| self.logs.last.as_ref().is_none_or(|last| l.key > *last))
            .collect();
        if let Some(l) = fresh.last() {
            self.logs.last = Some(l.key.clone());
        }
        Ok(fresh.iter().map(|l| format!("{}\n", l.text)).collect())
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
        let progress = Progress::new(self.secrets.redactor());
        self.build(&progress)?;
        self.up(Mode::Mocked, &progress)
    }

    fn take_logs(&mut self) -> Result<Option<String>> {
        let mut text = std::mem::take(&mut self.logs.pending);
        text.push_str(&self.take_new_logs()?);
        Ok(Some(text))
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
            let how = if self.dev {
                "cargo xtask down --stack compose".to_owned()
            } else {
                let p = &self.project;
                format!(
                    "docker rm -f $(docker ps -aq --filter label={}={}); CODEX_STACK_ID={} \
                     {} -p {} -f {} down -v --remove-orphans",
                    docker::STACK_LABEL,
                    p.name,
                    p.name,
                    p.cli
                        .description
                        .rsplit_once(' ')
                        .map_or("", |(cli, _)| cli),
                    p.name,
                    p.file.display()
                )
            };
            println!(
                "compose: --keep-up: project {} stays up at {}; remove it with: {how}",
                self.project.name,
                self.project.base_url()
            );
            return Ok(());
        }
        let t = Instant::now();
        self.project.teardown()?;
        println!(
            "compose: project {} removed (containers, network, volumes) in {:.1}s",
            self.project.name,
            t.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

impl Drop for ComposeStack {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!("compose: shutdown of {} failed: {e:#}", self.project.name);
        }
    }
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

/// The developer's port: `CODEX_PORT`, default 8000.
fn dev_port() -> Result<u16> {
    match std::env::var("CODEX_PORT") {
        Ok(p) if !p.trim().is_empty() => p.trim().parse().with_context(|| {
            format!("CODEX_PORT={p} is not a port number: set it to e.g. 8000 or unset it")
        }),
        _ => Ok(8000),
    }
}

/// The developer's stack as `cargo xtask down|logs` find it (no build, no health gate).
fn dev_project() -> Result<Project> {
    docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
    Ok(Project {
        cli: ComposeCli::detect()?,
        file: Path::new(WORKSPACE).join("docker-compose.yml"),
        name: DEV_PROJECT.to_owned(),
        port: dev_port()?,
        torn_down: Arc::default(),
    })
}

/// `cargo xtask down --stack compose`: removes the developer's stack (with its volumes) and
/// the stacks of suite runs that were killed before they could tear down their own.
pub fn dev_down() -> Result<()> {
    let p = dev_project()?;
    p.teardown()?;
    println!("down: compose project {} removed", p.name);
    for name in abandoned_run_projects()? {
        let run = Project {
            name,
            port: 0,
            torn_down: Arc::default(),
            ..p.clone()
        };
        run.teardown()?;
        println!("down: compose project {} of a killed run removed", run.name);
    }
    Ok(())
}

/// Projects named `codex-<run id>-<pid>` (see `project_name`), from the compose and worker
/// labels of the engine's containers, whose xtask process no longer runs on this host. A
/// live run's stack is never touched.
fn abandoned_run_projects() -> Result<Vec<String>> {
    let sh = xshell::Shell::new()?;
    let mut names = std::collections::BTreeSet::new();
    for label in ["com.docker.compose.project", docker::STACK_LABEL] {
        let format = format!("{{{{.Label \"{label}\"}}}}");
        let filter = format!("label={label}");
        let out = xshell::cmd!(sh, "docker ps --all --filter {filter} --format {format}")
            .quiet()
            .read()
            .with_context(|| format!("listing containers labelled {label}"))?;
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

/// Whether `pid` is a running xtask (a recycled pid of another program does not count).
fn xtask_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "xtask")
}

/// `cargo xtask logs`: the developer's backend output so far, redacted.
pub fn dev_logs(secrets: &Secrets) -> Result<()> {
    let p = dev_project()?;
    let out = p.run(&["logs", "--no-color", "backend"], &[])?;
    print!("{}", secrets.redactor().redact(&out).text);
    Ok(())
}

/// One line of `docker logs --timestamps`; `key` orders lines (fixed-width timestamp).
struct LogLine {
    key: String,
    text: String,
}

struct Logs {
    lines: Vec<LogLine>,
}

impl Logs {
    fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{}\n", l.text)).collect()
    }
}

/// `docker logs --timestamps [--since]` of a container, stdout and stderr read apart and
/// merged by timestamp (one pipe for both would interleave them arbitrarily).
fn read_logs(container: &str, since: Option<&str>) -> Result<Logs> {
    let mut args = vec!["logs", "--timestamps"];
    if let Some(s) = since {
        args.extend(["--since", s]);
    }
    args.push(container);
    let out = duct::cmd("docker", &args)
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .context("running docker logs")?;
    if !out.status.success() {
        bail!(
            "docker logs {container} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut lines: Vec<LogLine> = [&out.stdout, &out.stderr]
        .iter()
        .flat_map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .map(parse_line)
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Logs { lines })
}

/// `2026-11-25T11:20:01.123456789Z message` → key (timestamp with 9 fraction digits, so
/// that keys sort as times) and the whole line.
fn parse_line(line: &str) -> LogLine {
    let stamp = line.split(' ').next().unwrap_or("");
    let key = match stamp.strip_suffix('Z').and_then(|s| s.split_once('.')) {
        Some((secs, frac)) => format!("{secs}.{frac:0<9}Z"),
        None => stamp.to_owned(),
    };
    // The text without docker's stamp: the backend stamps its own lines.
    let text = line.split_once(' ').map_or("", |(_, rest)| rest).to_owned();
    LogLine { key, text }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn project_names_are_valid_and_unique_per_process() {
        let a = project_name("2025-11-14T17-14-05Z", 41);
        assert_eq!(a, "codex-2025-11-14t17-14-05z-41");
        assert_ne!(a, project_name("2025-11-14T17-14-05Z", 42));
        assert_eq!(project_name("Run 1:x", 7), "codex-run-1-x-7");
    }

    #[test]
    fn log_keys_sort_as_times_whatever_the_fraction_width() {
        let a = parse_line("2026-11-25T11:20:01.1234Z first");
        let b = parse_line("2026-11-25T11:20:01.123456789Z second");
        // .1234 is before .123456789 (compared raw, "1234Z" would sort after "123456789Z").
        assert!(a.key < b.key, "{} vs {}", a.key, b.key);
        assert_eq!(a.text, "first");
    }
}
