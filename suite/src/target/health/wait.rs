//! The health gate every stack uses: `GET /docs` answers 200 (the plan's readiness signal)
//! and, when the backend has `/healthz`, it reports the expected mode. While it waits it
//! tells the run what it waits for and when it gives up (`Event::Waiting`: a countdown).

use crate::model::events::Events;
use crate::model::secrets::Redactor;
use crate::target::client::Client;
use crate::target::health::{self, wrong_mode, Finding};
use crate::target::poll::Backoff;
use crate::target::preflight::{self, Unreachable};
use anyhow::{bail, Result};
use codex_contract::{Health, Mode};
use std::time::{Duration, Instant};

/// How long a backend may take to answer healthy unless `--health-timeout` says otherwise
/// (a container's first start also creates its volumes and network).
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

/// The backend a health wait reads: its root, how long it may take to become healthy
/// (`--health-timeout`), the secrets every answer is scanned for (a leak ends the wait),
/// where the countdown goes, and what a refused connection means.
pub(crate) struct Awaited<'a> {
    pub base_url: &'a str,
    pub timeout: Duration,
    pub redactor: &'a Redactor,
    pub events: &'a Events,
    pub refused: Refused,
}

/// A refused connection (or an unknown host) while waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A backend the suite started: it may not listen yet.
    Wait,
    /// A backend someone else runs: nothing is starting there, so the wait ends at once
    /// with an `Unreachable` error.
    Fail,
}

/// Waits until the backend is healthy in `want` mode. `alive` is asked between tries so
/// that a backend that exited fails at once with its own reason.
pub(crate) fn wait_healthy(
    backend: Awaited,
    want: Mode,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    let refused = backend.refused;
    let url = backend.base_url;
    wait(backend, want, alive, |client| {
        probe(client, want, url, refused)
    })
}

/// A `live-suite.toml` stack: every path of `health_paths` answers 200 (and `/healthz`, when
/// listed, reports `want`).
pub(crate) fn wait_paths(
    backend: Awaited,
    paths: &[String],
    want: Mode,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    let refused = backend.refused;
    let url = backend.base_url;
    wait(backend, want, alive, |client| {
        paths
            .iter()
            .try_for_each(|p| probe_path(client, p, want, (url, refused)))
    })
}

/// Tries `check` with backoff until it holds, says the backend is wrong, or `timeout` ends.
fn wait(
    backend: Awaited,
    want: Mode,
    mut alive: impl FnMut() -> Result<()>,
    check: impl Fn(&Client) -> Result<(), Probe>,
) -> Result<()> {
    let Awaited {
        base_url,
        timeout,
        redactor,
        events,
        refused: _,
    } = backend;
    let client = Client::new(base_url, redactor.clone())?;
    let start = Instant::now();
    let mut last;
    // Whether anything ever answered: a backend that never did listens elsewhere, or not yet.
    let mut answered = false;
    for delay in Backoff::default() {
        alive()?;
        let checked = check(&client);
        if let Some(leak) = client.take_leaks().first() {
            bail!("{base_url}: secret leak while waiting until it is healthy: {leak}");
        }
        match checked {
            Ok(()) => return Ok(()),
            Err(Probe::Wrong(why)) => bail!("{base_url} is up but {why}"),
            Err(Probe::Unreachable(why)) => return Err(why.into()),
            Err(Probe::NotYet(why)) => {
                answered = true;
                last = why;
            }
            Err(Probe::Silent(why)) => last = why,
        }
        if start.elapsed() >= timeout {
            let secs = timeout.as_secs();
            if !answered {
                bail!(
                    "nothing answered at {base_url} within {secs}s (last: {last}); fix: make \
                     sure the backend listens on that port (`{{port}}` in a [process] command) on \
                     127.0.0.1 or 0.0.0.0, or give a slow start a longer --health-timeout"
                );
            }
            bail!(
                "{base_url} did not become healthy within {secs}s (last: {last}); a slow start \
                 needs a longer --health-timeout"
            );
        }
        events.waiting(
            format!(
                "{base_url} to answer healthy in {} mode ({last})",
                want.as_str()
            ),
            start.elapsed(),
            timeout,
        );
        std::thread::sleep(delay);
    }
    unreachable!("Backoff never ends")
}

/// Which backend a probe reads, and what a refused connection means there.
type Where<'a> = (&'a str, Refused);

fn probe_path(client: &Client, path: &str, want: Mode, at: Where) -> Result<(), Probe> {
    let r = client.get_root(path).map_err(|e| transport(e, at))?;
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
    /// It answered, but not healthy yet.
    NotYet(String),
    /// Nothing answered (refused, reset, timed out).
    Silent(String),
    Wrong(String),
    Unreachable(Unreachable),
}

/// A request that got no answer: not yet, or (a backend someone else runs) nobody there.
fn transport(e: anyhow::Error, (url, refused): Where) -> Probe {
    match preflight::unreachable(&e) {
        Some(cause) if refused == Refused::Fail => Probe::Unreachable(Unreachable {
            url: url.to_owned(),
            cause,
        }),
        _ => Probe::Silent(format!("{e:#}")),
    }
}

fn probe(client: &Client, want: Mode, url: &str, refused: Refused) -> Result<(), Probe> {
    let reading = health::read(client).map_err(|e| transport(e, (url, refused)))?;
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
