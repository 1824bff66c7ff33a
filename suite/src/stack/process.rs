//! The process stack: a backend the config's `[process]` table describes as a command,
//! started on a free loopback port (`{port}`) with a private data folder (`{data}`, mode
//! 0700, kept across the rollback and removed at the end).
//!
//! The backend runs in its own process group; that group (the backend and its workers) is
//! killed on shutdown, on a signal (`interrupt`), and by the run's reaper if the suite dies
//! by SIGKILL (`reaper`), which also removes the private folder; the backend itself gets
//! SIGTERM at once then (`PR_SET_PDEATHSIG`). The secrets reach this process's environment
//! only.

mod listen;

use super::{free_port, Stack, StackOptions};
use crate::model::events::{Events, Phase};
use crate::model::secrets::Secrets;
use crate::stack::suite_config::{ProcessConfig, SuiteConfig};
use crate::sys::bounded_read::{logs_after_cut, LOGS_LIMIT};
use crate::sys::journal::{self, Scratch};
use crate::sys::process::{
    kill_group_and_wait, remove_written_folder, spawn_grouped, stop_group, Tether,
};
use crate::target::health::wait::{wait_paths, Awaited, Refused};
use anyhow::{bail, Context, Result};
use codex_contract::{Mode, SECRET_VARS};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The placeholders a `[process]` command and its environment may hold.
const PORT: &str = "{port}";
const DATA: &str = "{data}";
/// How long a signal's teardown waits for the killed backend to exit, and the private
/// folder's removal retries while the last writes of the backend's workers land.
const REMOVAL_GRACE: Duration = Duration::from_secs(2);
/// How long the health gate waits once the backend has named another address than its
/// port: long enough for a second bind, far shorter than a health timeout.
const ELSEWHERE_GRACE: Duration = Duration::from_secs(2);
/// How much of the backend's start-up output the gate reads for its address.
const START_OUTPUT_LIMIT: u64 = 64 << 10;

pub struct ProcessStack {
    /// `process`, or the name a caller gives its own process stack (`local`).
    name: String,
    config: Arc<SuiteConfig>,
    /// Holds `data/` (the backend's `{data}`) and `backend.log`; removed on shutdown.
    folder: Option<Scratch>,
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
    health_timeout: std::time::Duration,
}

/// `{port}` and `{data}` in one value of the command or the environment.
pub(crate) fn substitute(value: &str, port: u16, data: &Path) -> String {
    value
        .replace(PORT, &port.to_string())
        .replace(DATA, &data.display().to_string())
}

impl ProcessStack {
    /// Starts `opts.config`'s `[process]` in `opts.mode` and waits for its health gate.
    /// `name` is what the run records as its stack (`process` for a config file's).
    pub fn start(opts: &StackOptions, name: &str) -> Result<Self> {
        if opts.config.process.is_none() {
            bail!("the process stack needs a [process] table in the config");
        }
        // In the run's journal before it exists: however the run ends, its reaper removes it.
        let folder = Scratch::new(&format!("{name}-{}", opts.owner.label()))
            .context("creating the process stack's private folder")?;
        let data_path = folder.path().join("data");
        std::fs::create_dir(&data_path)
            .with_context(|| format!("creating {}", data_path.display()))?;
        let mut stack = ProcessStack {
            name: name.to_owned(),
            config: Arc::clone(&opts.config),
            log_path: folder.path().join("backend.log"),
            folder: Some(folder),
            data_path,
            log_offset: 0,
            secrets: opts.secrets.clone(),
            keep_up: opts.keep_up,
            port: 0,
            mode: opts.mode,
            child: None,
            interrupt_hook: None,
            events: Arc::clone(&opts.events),
            health_timeout: opts.health_timeout,
        };
        let events = Arc::clone(&opts.events);
        events.timed(Phase::Up, || stack.spawn(opts.mode))?;
        Ok(stack)
    }

    fn process(&self) -> &ProcessConfig {
        self.config.process.as_ref().expect("checked at start")
    }

    /// The command with this start's port and data folder, the mode variable and the
    /// secrets (and no other secret variable) in its environment.
    fn command(&self, mode: Mode, log: &File) -> Result<Command> {
        let process = self.process();
        let argv: Vec<String> = process
            .command
            .iter()
            .map(|a| substitute(a, self.port, &self.data_path))
            .collect();
        let (program, args) = argv.split_first().context("[process] command is empty")?;
        let cwd = substitute(
            &process.cwd.display().to_string(),
            self.port,
            &self.data_path,
        );
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(cwd)
            .envs(
                process
                    .env
                    .iter()
                    .map(|(k, v)| (k, substitute(v, self.port, &self.data_path))),
            )
            .env(&self.config.mode.variable, self.config.mode.value(mode))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?);
        for var in SECRET_VARS {
            cmd.env_remove(var);
        }
        for (k, v) in self.secrets.env_pairs() {
            cmd.env(k, v);
        }
        Ok(cmd)
    }

    fn spawn(&mut self, mode: Mode) -> Result<()> {
        self.port = free_port()?;
        // What this start prints comes after what an earlier one (before the rollback) did.
        let printed_before = std::fs::metadata(&self.log_path).map_or(0, |m| m.len());
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .with_context(|| format!("opening {}", self.log_path.display()))?;
        let mut cmd = self.command(mode, &log)?;
        let tether = if self.keep_up {
            Tether::Outlives
        } else {
            Tether::DiesWithParent
        };
        // As it was started: the placeholders filled.
        let shown = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ");
        let cwd = cmd
            .get_current_dir()
            .map(Path::to_owned)
            .unwrap_or_default();
        let child = spawn_grouped(&mut cmd, tether).with_context(|| {
            format!(
                "starting `{shown}` in {}; fix: the [process] command names a program on PATH \
                 (or a path relative to `cwd`)",
                cwd.display()
            )
        })?;
        let leader = child.id();
        self.child = Some(child);
        self.mode = mode;
        if !self.keep_up {
            // A signal exits without running destructors: the hook also removes the folder.
            let folder = self.folder.as_ref().map(|f| f.path().to_owned());
            let (events, name) = (Arc::clone(&self.events), self.name.clone());
            self.interrupt_hook = Some(crate::sys::interrupt::register(move || {
                kill_group_and_wait(leader, REMOVAL_GRACE);
                let Some(folder) = &folder else { return };
                if let Err(e) = remove_written_folder(folder, REMOVAL_GRACE) {
                    events.line(format!(
                        "{name}: the backend's private folder {} could not be removed ({e}); \
                         remove it by hand",
                        folder.display()
                    ));
                }
            }));
        }
        self.events.line(format!(
            "{}: backend pid {leader} on {} in {} mode (data in {})",
            self.name,
            self.base_url(),
            mode.as_str(),
            self.data_path.display()
        ));
        self.wait_healthy(mode, printed_before)
    }

    /// Waits until the backend answers healthy in `mode`; fails at once when it exits, and
    /// soon when it says it listens on another port than the one it was given. The error
    /// quotes what it printed since `printed_before`.
    fn wait_healthy(&mut self, mode: Mode, printed_before: u64) -> Result<()> {
        let (log_path, port) = (self.log_path.clone(), self.port);
        let url = self.base_url();
        let paths = self.config.health_paths.clone();
        let child = self.child.as_mut().expect("just spawned");
        let redactor = self.secrets.redactor();
        let backend = Awaited {
            base_url: &url,
            timeout: self.health_timeout,
            redactor: &redactor,
            events: &self.events,
            refused: Refused::Wait,
        };
        let mut elsewhere_since = None;
        let waited = wait_paths(backend, &paths, mode, || {
            if let Some(status) = child.try_wait()? {
                bail!("the backend exited ({status}) before it was healthy");
            }
            let (printed, _) = read_new(&log_path, printed_before, START_OUTPUT_LIMIT)?;
            let Some(address) = listen::elsewhere(&printed, port) else {
                elsewhere_since = None;
                return Ok(());
            };
            let since = *elsewhere_since.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= ELSEWHERE_GRACE {
                bail!(
                    "the backend says it listens on {address}, not on 127.0.0.1:{port}, the \
                     port the suite gave it; fix: start it on `{PORT}` (in the [process] \
                     command or env of the config), not on a fixed port"
                );
            }
            Ok(())
        });
        // The private folder holding the log goes with the failed stack: its output is
        // quoted after the reason.
        waited.map_err(|e| {
            let printed = read_new(&log_path, printed_before, LOGS_LIMIT)
                .map(|(text, _)| text)
                .unwrap_or_default();
            anyhow::anyhow!(
                "{} stack health gate (GET {} answer 200): {e:#}\n{}",
                self.name,
                paths.join(", "),
                quoted_output(&printed)
            )
        })
    }

    /// Stops the backend's process group: SIGTERM, then SIGKILL after 10 s.
    fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_group(child, Duration::from_secs(10));
        }
        if let Some(id) = self.interrupt_hook.take() {
            crate::sys::interrupt::unregister(id);
        }
    }
}

impl Stack for ProcessStack {
    fn handed_secrets(&self) -> Option<&Secrets> {
        Some(&self.secrets)
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn rollback_to_mocked(&mut self) -> Result<()> {
        self.stop();
        // The same data folder, the mocked value of the mode variable, a new port.
        let events = Arc::clone(&self.events);
        events.timed(Phase::Up, || self.spawn(Mode::Mocked))
    }

    fn take_logs(&mut self) -> Result<Option<String>> {
        let (text, end) = read_new(&self.log_path, self.log_offset, LOGS_LIMIT)?;
        self.log_offset = end;
        Ok(Some(text))
    }

    fn shutdown(&mut self) -> Result<()> {
        if self.keep_up {
            if let Some(child) = self.child.take() {
                self.events.line(format!(
                    "{}: --keep-up: backend pid {} stays up on {} (data in {}); stop it with \
                     `kill -- -{}`, or `codex-live-suite down` (also removes the folder)",
                    self.name,
                    child.id(),
                    self.base_url(),
                    self.data_path.display(),
                    child.id()
                ));
            }
            if let Some(f) = self.folder.take() {
                let _ = f.keep();
            }
            return Ok(());
        }
        self.stop();
        if let Some(f) = self.folder.take() {
            let folder = f.keep();
            remove_written_folder(&folder, REMOVAL_GRACE).with_context(|| {
                format!(
                    "removing the process stack's private folder {}",
                    folder.display()
                )
            })?;
            journal::tell(journal::Entry::Undir(folder));
        }
        Ok(())
    }
}

impl Drop for ProcessStack {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// What the log at `path` gained since `offset`, and its new end. A backend that writes
/// without end costs the run at most `limit` bytes, its last part, with a line that says so.
/// The backend's output as a block under the error's sentence: its last 40 lines, each
/// indented, or that it printed nothing.
fn quoted_output(printed: &str) -> String {
    let tail = crate::stack::docker::tail(printed, 40);
    if tail.trim().is_empty() {
        return "the backend printed nothing".into();
    }
    let lines: Vec<String> = tail.lines().map(|l| format!("    {l}")).collect();
    format!(
        "the backend's output (its last 40 lines):\n{}",
        lines.join("\n")
    )
}

fn read_new(path: &Path, offset: u64, limit: u64) -> Result<(String, u64)> {
    let mut f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let end = f.seek(SeekFrom::End(0))?;
    let from = offset.max(end.saturating_sub(limit));
    f.seek(SeekFrom::Start(from))?;
    let mut buf = Vec::new();
    f.take(end - from).read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let text = match from - offset {
        0 => text.into_owned(),
        skipped => logs_after_cut(skipped, &text),
    };
    Ok((text, end))
}

#[cfg(test)]
mod tests {
    use super::read_new;
    use std::io::Write;

    #[test]
    fn new_output_is_read_from_the_offset_and_only_its_last_part_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backend.log");
        let mut log = std::fs::File::create(&path).unwrap();
        log.write_all(b"first\n").unwrap();
        assert_eq!(read_new(&path, 0, 100).unwrap(), ("first\n".into(), 6));
        log.write_all(b"second\n").unwrap();
        assert_eq!(read_new(&path, 6, 100).unwrap(), ("second\n".into(), 13));
        assert_eq!(read_new(&path, 13, 100).unwrap(), (String::new(), 13));
        log.write_all(&[b'x'; 50]).unwrap();
        log.write_all(b"\nlast\n").unwrap();
        let (text, end) = read_new(&path, 13, 10).unwrap();
        assert_eq!(end, 69);
        assert_eq!(
            text,
            "[46 earlier bytes of the backend's output not kept]\nxxxx\nlast\n"
        );
    }
}
