//! The synchronous double of `cargo xtask bench`: `suite/tests/fixtures/py_orchestrator`, a
//! Python orchestrator in the original's image (each job runs inside the POST that submits
//! it, in a worker process of its own), started for each run as a live and a mocked twin on
//! one fresh data folder, on free ports, and handed to the suite as `--base-url` and
//! `--mocked-base-url`. Each twin records when it answered each request
//! (`REQUEST_TIMES_FILE`); the double's busy time is the union of those intervals: what the
//! target itself took, which the suite's wall time is set against.

use anyhow::{bail, Context, Result};
use codex_live_suite::process::{spawn_grouped, stop_group, Tether};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The double's folder, relative to the repository root.
pub const FIXTURE: &str = "suite/tests/fixtures/py_orchestrator";

/// How long a twin may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Both twins of one run.
pub struct Double {
    live: Twin,
    mocked: Twin,
}

struct Twin {
    child: Child,
    url: String,
    times: PathBuf,
}

/// Whether `python3` runs here (the double needs nothing else).
pub fn python_found() -> bool {
    Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Double {
    /// Starts the live and the mocked twin on a fresh data folder in `dir` (their logs and
    /// request times go there too) and waits until both listen.
    pub fn start(dir: &Path) -> Result<Double> {
        let data = dir.join("data");
        std::fs::create_dir_all(&data)
            .with_context(|| format!("creating the double's folder {}", data.display()))?;
        let live = Twin::start(dir, &data, "live");
        let mocked = Twin::start(dir, &data, "mocked");
        match (live, mocked) {
            (Ok(live), Ok(mocked)) => Ok(Double { live, mocked }),
            (Ok(twin), Err(e)) | (Err(e), Ok(twin)) => {
                stop_group(twin.child, Duration::from_secs(2));
                Err(e)
            }
            (Err(e), Err(_)) => Err(e),
        }
    }

    /// The suite's options that name the twins.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--base-url".into(),
            self.live.url.clone(),
            "--mocked-base-url".into(),
            self.mocked.url.clone(),
        ]
    }

    /// Stops both twins; returns the seconds the double was busy answering requests.
    pub fn stop(self) -> Result<f64> {
        let mut intervals = Vec::new();
        for twin in [self.live, self.mocked] {
            stop_group(twin.child, Duration::from_secs(2));
            let text = std::fs::read_to_string(&twin.times)
                .with_context(|| format!("reading the double's {}", twin.times.display()))?;
            intervals.extend(parse_times(&text).with_context(|| twin.times.display().to_string())?);
        }
        Ok(busy(intervals))
    }
}

impl Twin {
    fn start(dir: &Path, data: &Path, mode: &str) -> Result<Twin> {
        let fixture = crate::project_root().join(FIXTURE);
        let log = dir.join(format!("{mode}.log"));
        let times = dir.join(format!("{mode}.times"));
        let mut cmd = Command::new("python3");
        cmd.args(["app.py", "--port", "0"])
            .current_dir(&fixture)
            .env("DATA_DIR", data)
            .env(
                "USE_DUMMY_WORKER",
                if mode == "mocked" { "True" } else { "False" },
            )
            .env("REQUEST_TIMES_FILE", &times)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(&log)
                    .with_context(|| format!("creating {}", log.display()))?,
            );
        let mut child = spawn_grouped(&mut cmd, Tether::DiesWithParent)
            .context("starting python3 for the synchronous double (is python3 installed?)")?;
        let t = Instant::now();
        while t.elapsed() < START_TIMEOUT {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(url) = listening_url(&text) {
                return Ok(Twin { child, url, times });
            }
            if child.try_wait()?.is_some() {
                bail!(
                    "the {mode} twin of the synchronous double ({FIXTURE}) exited at start: {}",
                    codex_live_suite::docker::tail(&text, 10)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        stop_group(child, Duration::from_secs(2));
        bail!(
            "the {mode} twin of the synchronous double did not say where it listens within {}s \
             (see {})",
            START_TIMEOUT.as_secs(),
            log.display()
        )
    }
}

/// `http://127.0.0.1:N` from the twin's first line, `listening on http://127.0.0.1:N (…)`.
pub fn listening_url(log: &str) -> Option<String> {
    let rest = log.lines().next()?.strip_prefix("listening on ")?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http://").then(|| url.to_owned())
}

/// The `<start> <end>` lines of a `REQUEST_TIMES_FILE`.
pub fn parse_times(text: &str) -> Result<Vec<(f64, f64)>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let parsed = line
                .split_once(' ')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            parsed.with_context(|| format!("line {} is not `<start> <end>`: {line:?}", i + 1))
        })
        .collect()
}

/// The seconds covered by at least one interval: overlapping requests count once.
pub fn busy(mut intervals: Vec<(f64, f64)>) -> f64 {
    intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut open: Option<(f64, f64)> = None;
    for (start, end) in intervals {
        open = match open {
            Some((a, b)) if start <= b => Some((a, b.max(end))),
            Some((a, b)) => {
                total += b - a;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + open.map_or(0.0, |(a, b)| b - a)
}
