//! Runs of the real xtask with a deadline (killed past it), an optional address-space
//! limit, and its pid for a test that signals it; and FIFOs for tests of what it reads.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a timed run of the xtask ended.
pub struct Timed {
    /// `None`: still running at the deadline (then killed).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Timed {
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code,
            Some(code),
            "after {:.1}s\nstdout:\n{}\nstderr:\n{}",
            self.took.as_secs_f64(),
            self.stdout,
            self.stderr
        );
    }
}

/// What a timed run may use besides its arguments.
#[derive(Default)]
pub struct Limits<'a> {
    pub envs: &'a [(&'a str, &'a str)],
    /// Address space of the xtask (no children of its own then), so that a run that loads
    /// a file whole fails instead of filling the machine.
    pub memory: Option<u64>,
}

/// Runs `xtask <args>` in `cwd` (ambient secrets and GITHUB_ACTIONS removed), killed after
/// `deadline`. `started` gets its pid once it runs.
pub fn timed(
    args: &[&str],
    cwd: &Path,
    limits: Limits,
    deadline: Duration,
    started: impl FnOnce(u32),
) -> Timed {
    let logs = tempfile::tempdir().unwrap();
    let (out, err) = (logs.path().join("out"), logs.path().join("err"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    super::without_ambient(&mut cmd);
    cmd.envs(limits.envs.iter().copied());
    if let Some(bytes) = limits.memory {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    started(child.id());
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().or(Some(-1));
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Timed {
        code,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        took: start.elapsed(),
    }
}

pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// The run folder in `out` (the one folder there), once a run created it.
pub fn run_folder(out: &Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(out)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
}
