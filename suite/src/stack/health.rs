//! The health gate every stack uses: `GET /docs` answers 200 (the plan's readiness signal)
//! and, when the backend has `/healthz`, it reports the expected mode.

use crate::client::Client;
use crate::health_probe::{self, wrong_mode, Finding};
use crate::poll::Backoff;
use crate::secrets::Redactor;
use anyhow::{bail, Result};
use codex_contract::{Health, Mode};
use std::time::{Duration, Instant};

/// How long a freshly started backend may take to answer.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

/// The backend a health wait reads: its root, how long it may take to become healthy, and
/// the secrets every answer is scanned for (a leak ends the wait).
pub struct Awaited<'a> {
    pub base_url: &'a str,
    pub timeout: Duration,
    pub redactor: &'a Redactor,
}

/// Waits until the backend is healthy in `want` mode. `alive` is asked between tries so
/// that a backend that exited fails at once with its own reason.
pub fn wait_healthy(backend: Awaited, want: Mode, alive: impl FnMut() -> Result<()>) -> Result<()> {
    wait(backend, alive, |client| probe(client, want))
}

/// A `live-suite.toml` stack: every path of `health_paths` answers 200 (and `/healthz`, when
/// listed, reports `want`).
pub fn wait_paths(
    backend: Awaited,
    paths: &[String],
    want: Mode,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    wait(backend, alive, |client| {
        paths.iter().try_for_each(|p| probe_path(client, p, want))
    })
}

/// Tries `check` with backoff until it holds, says the backend is wrong, or `timeout` ends.
fn wait(
    backend: Awaited,
    mut alive: impl FnMut() -> Result<()>,
    check: impl Fn(&Client) -> Result<(), Probe>,
) -> Result<()> {
    let Awaited {
        base_url,
        timeout,
        redactor,
    } = backend;
    let client = Client::new(base_url, timeout, redactor.clone())?;
    let start = Instant::now();
    let mut last;
    for delay in Backoff::default() {
        alive()?;
        let checked = check(&client);
        if let Some(leak) = client.take_leaks().first() {
            bail!("{base_url}: secret leak while waiting until it is healthy: {leak}");
        }
        match checked {
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
