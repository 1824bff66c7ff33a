//! The health gate every stack uses: `GET /docs` answers 200 (the plan's readiness signal)
//! and, when the backend has `/healthz`, it reports the expected mode.

use crate::client::Client;
use crate::health_probe::{self, wrong_mode, Finding};
use crate::poll::Backoff;
use anyhow::{bail, Result};
use codex_contract::{Health, Mode};
use std::time::{Duration, Instant};

/// How long a freshly started backend may take to answer.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits until `base_url` is healthy in `want` mode (within `timeout`). `alive` is asked
/// between tries so that a backend that exited fails at once with its own reason.
pub fn wait_healthy(
    base_url: &str,
    want: Mode,
    timeout: Duration,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    wait(base_url, timeout, alive, |client| probe(client, want))
}

/// A `live-suite.toml` stack: every path of `health_paths` answers 200 (and `/healthz`, when
/// listed, reports `want`).
pub fn wait_paths(
    base_url: &str,
    paths: &[String],
    want: Mode,
    timeout: Duration,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    wait(base_url, timeout, alive, |client| {
        paths.iter().try_for_each(|p| probe_path(client, p, want))
    })
}

/// Tries `check` with backoff until it holds, says the backend is wrong, or `timeout` ends.
fn wait(
    base_url: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<()>,
    check: impl Fn(&Client) -> Result<(), Probe>,
) -> Result<()> {
    let client = Client::new(base_url, timeout)?;
    let start = Instant::now();
    let mut last;
    for delay in Backoff::default() {
        alive()?;
        match check(&client) {
            Ok(()) => return Ok(()),
            Err(Probe::Wrong(why)) => bail!("{base_url} is up but {why}"),
            Err(Probe::NotYet(why)) => last = why,
        }
        if start.elapsed() >= timeout {
            bail!(
                "{base_url} did not become healthy within {}s (last: {last})",
                timeout.as_secs()
            );
        }
        std::thread::sleep(delay);
    }
    unreachable!("Backoff never ends")
}

fn probe_path(client: &Client, path: &str, want: Mode) -> Result<(), Probe> {
    let r = client
        .get_root(path)
        .map_err(|e| Probe::NotYet(format!("{e:#}")))?;
    if !r.ok() {
        return Err(Probe::NotYet(format!("GET {path} answered {}", r.status)));
    }
    if path == "/healthz" {
        if let Ok(h) = r.json::<Health>() {
            if h.mode != want {
                return Err(Probe::Wrong(wrong_mode(h.mode, want)));
            }
        }
    }
    Ok(())
}

enum Probe {
    NotYet(String),
    Wrong(String),
}

fn probe(client: &Client, want: Mode) -> Result<(), Probe> {
    let reading = health_probe::read(client).map_err(|e| Probe::NotYet(format!("{e:#}")))?;
    match reading.finding() {
        Finding::DocsDown(status) => Err(Probe::NotYet(format!("GET /docs answered {status}"))),
        // The original has no /healthz: /docs is the signal.
        Finding::NoHealthz => Ok(()),
        Finding::BadHealthz(e) => Err(Probe::Wrong(format!(
            "/healthz is not {{status, mode}}: {e}"
        ))),
        Finding::Mode(m) if m != want => Err(Probe::Wrong(wrong_mode(m, want))),
        Finding::Mode(_) => Ok(()),
    }
}
