//! The agent engine: how a team plugs in a real coding agent (for example `codex exec`).
//! `CODEX_AGENT_CMD` runs through `sh -c` in the workspace, in its own process group, with
//! the job in `CODEX_INSTRUCTION`, `CODEX_JOB_TYPE`, `CODEX_JOB_ID` and `CODEX_PROJECT_ID`
//! and the worker's own environment (a real agent needs `OPENAI_API_KEY`). It is bounded by
//! `CODEX_AGENT_TIMEOUT_SECONDS`; its stdout and stderr go to `.codex/agent.log` with every
//! known secret value replaced by `[REDACTED]`.

use super::{Done, Failure};
use crate::secrets::Secrets;
use codex_contract::WorkerRequest;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub const AGENT_LOG: &str = ".codex/agent.log";
/// Output kept in the log; the rest is drained (so the agent never blocks) and counted.
const MAX_LOG_BYTES: usize = 8 << 20;
const POLL: Duration = Duration::from_millis(20);
/// How long to wait for the output pipe to close once the process group is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    pub command: String,
    pub timeout: Duration,
}

/// How the agent's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Signalled(i32),
    TimedOut,
}

#[derive(Debug, Default)]
struct Captured {
    kept: Vec<u8>,
    dropped: usize,
}

pub fn run(
    config: &AgentConfig,
    workspace: &Path,
    request: &WorkerRequest,
    secrets: &Secrets,
) -> Result<Done, Failure> {
    let (ended, captured) = execute(config, workspace, request).map_err(|error| Failure {
        error,
        logs: Vec::new(),
    })?;
    let log_path = workspace.join(AGENT_LOG);
    let log = render_log(&captured, ended, secrets);
    if let Err(e) = codex_fsutil::write(&log_path, &log) {
        return Err(Failure {
            error: format!("agent_log_failed: {e:#}"),
            logs: ended_logs(ended),
        });
    }
    let see_log = format!("its output (secrets redacted) is in {AGENT_LOG}");
    let error = match ended {
        Ended::Exited(0) => {
            return Ok(Done {
                summary: format!("The agent command finished (exit code 0); {see_log}"),
                logs: ended_logs(ended),
            })
        }
        Ended::Exited(code) => {
            format!("agent_failed: the agent command exited with code {code}; {see_log}")
        }
        Ended::Signalled(signal) => {
            format!("agent_failed: the agent command was killed by signal {signal}; {see_log}")
        }
        Ended::TimedOut => format!(
            "agent_timeout: the agent command did not finish within {} s and was killed \
             (raise CODEX_AGENT_TIMEOUT_SECONDS if it needs longer); {see_log}",
            config.timeout.as_secs_f64()
        ),
    };
    Err(Failure {
        error,
        logs: ended_logs(ended),
    })
}

fn ended_logs(ended: Ended) -> Vec<String> {
    let line = match ended {
        Ended::Exited(code) => format!("agent_exit_code={code}"),
        Ended::Signalled(signal) => format!("agent_signal={signal}"),
        Ended::TimedOut => "agent_timed_out=true".to_owned(),
    };
    vec![line, format!("agent_log={AGENT_LOG}")]
}

/// Runs the command to its end or the timeout; `Err` only when it could not be started.
fn execute(
    config: &AgentConfig,
    workspace: &Path,
    request: &WorkerRequest,
) -> Result<(Ended, Captured), String> {
    let cannot_start = |e: std::io::Error| {
        format!(
            "agent_failed: could not start the agent command with `sh -c` ({e}); the agent \
             engine needs a worker image with /bin/sh (unset CODEX_AGENT_CMD to use the \
             built-in engine)"
        )
    };
    let (mut reader, writer) = std::io::pipe().map_err(cannot_start)?;
    let writer_err = writer.try_clone().map_err(cannot_start)?;
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&config.command)
        .current_dir(workspace)
        .env("CODEX_INSTRUCTION", &request.instruction)
        .env("CODEX_JOB_TYPE", request.job_type.as_str())
        .env("CODEX_JOB_ID", &request.job_id)
        .env("CODEX_PROJECT_ID", &request.project_id)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_err)
        // Its own group, so a timeout kills the agent and everything it started.
        .process_group(0);
    // The agent dies with this worker (killed by a dying backend or at its next start), so
    // it never goes on changing a workspace that belongs to another job by then. Spawned
    // from the main thread, which lives as long as the worker.
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let spawned = command.spawn();
    // The command holds our copies of the pipe's write end: drop them, or EOF never comes.
    drop(command);
    let mut child = spawned.map_err(cannot_start)?;

    let captured = Arc::new(Mutex::new(Captured::default()));
    let (done_tx, done_rx) = mpsc::channel();
    let sink = Arc::clone(&captured);
    std::thread::spawn(move || {
        drain(&mut reader, &sink);
        let _ = done_tx.send(());
    });

    let ended = wait_bounded(&mut child, config.timeout);
    // Whatever the agent left running in the background must not keep writing the
    // workspace after the snapshot, nor hold the log pipe open.
    kill_group(child.id());
    let _ = done_rx.recv_timeout(DRAIN_GRACE);
    let captured = std::mem::take(&mut *captured.lock().unwrap_or_else(|p| p.into_inner()));
    Ok((ended, captured))
}

fn drain(reader: &mut impl Read, sink: &Mutex<Captured>) {
    let mut buf = [0u8; 8192];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut c = sink.lock().unwrap_or_else(|p| p.into_inner());
        let room = MAX_LOG_BYTES.saturating_sub(c.kept.len()).min(n);
        c.kept.extend_from_slice(&buf[..room]);
        c.dropped += n - room;
    }
}

/// Waits for the child, polling until `timeout`; on timeout kills its process group.
fn wait_bounded(child: &mut Child, timeout: Duration) -> Ended {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return ended_from(status),
            Ok(None) => {}
            // Cannot observe the child: treat like a timeout (kill it, report an error).
            Err(_) => break,
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
    kill_group(child.id());
    let _ = child.wait();
    Ended::TimedOut
}

fn ended_from(status: ExitStatus) -> Ended {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ended::Exited(code),
        (None, Some(signal)) => Ended::Signalled(signal),
        (None, None) => Ended::Exited(-1),
    }
}

/// SIGKILL to the process group led by `pid` (a no-op when the group is already gone).
fn kill_group(pid: u32) {
    let Ok(pgid) = i32::try_from(pid) else { return };
    // SAFETY: kill(2) has no memory-safety preconditions; a negative pid names the group
    // that `process_group(0)` created for the agent, never this worker.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// The log file: the redacted output, then one line saying how the agent ended.
fn render_log(captured: &Captured, ended: Ended, secrets: &Secrets) -> Vec<u8> {
    let mut kept = captured.kept.as_slice();
    if captured.dropped > 0 {
        // Output was cut: drop a partial secret at the cut so no part of a value is kept.
        kept = &kept[..kept.len() - secrets.partial_tail_len(kept)];
    }
    let mut log = secrets.redact_bytes(kept);
    if !log.is_empty() && !log.ends_with(b"\n") {
        log.push(b'\n');
    }
    if captured.dropped > 0 {
        log.extend_from_slice(
            format!(
                "[codex-worker] output truncated: {} more bytes were not kept\n",
                captured.dropped
            )
            .as_bytes(),
        );
    }
    let how = match ended {
        Ended::Exited(code) => format!("exited with code {code}"),
        Ended::Signalled(signal) => format!("was killed by signal {signal}"),
        Ended::TimedOut => "timed out and was killed".to_owned(),
    };
    log.extend_from_slice(format!("[codex-worker] the agent command {how}\n").as_bytes());
    log
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_contract::JobType;
    use std::fs;

    fn request() -> WorkerRequest {
        WorkerRequest {
            project_id: "p9".into(),
            job_id: "j9".into(),
            job_type: JobType::Edit,
            instruction: "say hi".into(),
        }
    }

    fn secrets() -> Secrets {
        Secrets::from_lookup(&|n| (n == "OPENAI_API_KEY").then(|| "sk-agent-secret".to_owned()))
    }

    fn agent(command: &str, timeout: Duration) -> AgentConfig {
        AgentConfig {
            command: command.into(),
            timeout,
        }
    }

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".codex")).unwrap();
        dir
    }

    fn log_of(dir: &Path) -> String {
        fs::read_to_string(dir.join(AGENT_LOG)).unwrap()
    }

    #[test]
    fn passes_the_job_in_env_and_runs_in_the_workspace() {
        let dir = workspace();
        let cmd = r#"printf '%s|%s|%s|%s\n' "$CODEX_INSTRUCTION" "$CODEX_JOB_TYPE" "$CODEX_JOB_ID" "$CODEX_PROJECT_ID" > out.txt; echo to-stderr >&2"#;
        let done = run(
            &agent(cmd, Duration::from_secs(30)),
            dir.path(),
            &request(),
            &secrets(),
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("out.txt")).unwrap(),
            "say hi|edit|j9|p9\n"
        );
        assert!(
            done.logs.contains(&"agent_exit_code=0".to_owned()),
            "{:?}",
            done.logs
        );
        let log = log_of(dir.path());
        assert!(log.contains("to-stderr\n"), "{log}");
        assert!(
            log.ends_with("[codex-worker] the agent command exited with code 0\n"),
            "{log}"
        );
    }

    #[test]
    fn a_failing_agent_reports_its_exit_code() {
        let dir = workspace();
        let err = run(
            &agent("echo failing; exit 3", Duration::from_secs(30)),
            dir.path(),
            &request(),
            &secrets(),
        )
        .unwrap_err();
        assert!(
            err.error.starts_with("agent_failed:") && err.error.contains("code 3"),
            "{}",
            err.error
        );
        assert!(err.logs.contains(&"agent_exit_code=3".to_owned()));
        assert!(log_of(dir.path()).contains("failing\n"));
    }

    #[test]
    fn secrets_in_the_output_are_redacted() {
        let dir = workspace();
        let cmd = "echo key=sk-agent-secret; echo sk-agent-secret >&2";
        run(
            &agent(cmd, Duration::from_secs(30)),
            dir.path(),
            &request(),
            &secrets(),
        )
        .unwrap();
        let log = log_of(dir.path());
        assert!(log.contains("key=[REDACTED]\n[REDACTED]\n"), "{log}");
        assert!(!log.contains("sk-agent-secret"));
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let dir = workspace();
        // The background `sleep` holds the output pipe: only a group kill ends it in time.
        let cmd = "sleep 30 & echo started; sleep 30";
        let started = Instant::now();
        let err = run(
            &agent(cmd, Duration::from_millis(300)),
            dir.path(),
            &request(),
            &secrets(),
        )
        .unwrap_err();
        assert!(err.error.starts_with("agent_timeout:"), "{}", err.error);
        assert!(err.error.contains("CODEX_AGENT_TIMEOUT_SECONDS"));
        assert!(err.logs.contains(&"agent_timed_out=true".to_owned()));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        let log = log_of(dir.path());
        assert!(
            log.contains("started\n") && log.contains("timed out"),
            "{log}"
        );
    }

    #[test]
    fn truncated_output_never_keeps_part_of_a_secret() {
        let s = secrets();
        let mut kept = b"x".repeat(10);
        kept.extend_from_slice(b"sk-agent-se");
        let captured = Captured { kept, dropped: 5 };
        let log = String::from_utf8(render_log(&captured, Ended::Exited(0), &s)).unwrap();
        assert!(!log.contains("sk-agent"), "{log}");
        assert!(log.contains("5 more bytes were not kept"), "{log}");
    }

    #[test]
    fn a_missing_working_directory_is_a_clear_start_error() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("missing");
        let err = run(
            &agent("true", Duration::from_secs(5)),
            &gone,
            &request(),
            &secrets(),
        )
        .unwrap_err();
        assert!(err.error.contains("could not start"), "{}", err.error);
    }
}
