//! Before any scenario: a backend someone else runs (`--base-url`, `--mocked-base-url`, a
//! config's `base_url`) must answer, healthy in its mode. A refused connection or a host
//! name that does not resolve ends the run at once (exit 2) naming the URL and the fix:
//! nothing is starting there, and waiting would only delay the answer. Anything else (a
//! 503, a body that is not yet right) is waited out up to `--health-timeout`, with a
//! countdown. Every URL is looked at (a TCP connection, no request) before any wait, so a
//! dead mocked twin is named before the live one's wait, not after the live ladder; the
//! looks, and then the waits, run at once.

use crate::model::events::Events;
use crate::model::secrets::Redactor;
use crate::sys::at_once;
use crate::target::health::wait::{wait_healthy, Awaited, Refused};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long the look for a listener may take per address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Nobody answers at a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreachable {
    pub url: String,
    pub cause: Cause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The connection was refused: nothing listens on that port.
    Refused,
    /// The host name does not resolve.
    UnknownHost,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cause {
            Cause::Refused => write!(f, "{}: connection refused, nothing listens there", self.url),
            Cause::UnknownHost => write!(f, "{}: the host name does not resolve", self.url),
        }
    }
}

impl std::error::Error for Unreachable {}

/// Why a request got no answer, when the reason is that nobody is there.
pub(crate) fn unreachable(e: &anyhow::Error) -> Option<Cause> {
    let refused = e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    });
    if refused {
        return Some(Cause::Refused);
    }
    // hyper's resolver wraps getaddrinfo's failure in an error of its own.
    let dns = e.chain().any(|cause| {
        let text = cause.to_string();
        text.contains("dns error") || text.contains("failed to lookup address")
    });
    dns.then_some(Cause::UnknownHost)
}

/// A backend someone else runs, as the flag that names it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// `--base-url`, `--mocked-base-url`, or the config key.
    pub flag: &'a str,
    pub url: &'a str,
    pub mode: Mode,
}

impl Target<'_> {
    /// The one-line setup error for a target nobody answers at, with the fix.
    fn unreachable(&self, cause: Cause) -> anyhow::Error {
        let (flag, url) = (self.flag, self.url);
        let fix = match cause {
            Cause::Refused => format!(
                "start the {} backend there, or give {flag} the URL it listens on",
                self.mode.as_str()
            ),
            Cause::UnknownHost => format!("check the host name in {flag}"),
        };
        let found = Unreachable {
            url: url.to_owned(),
            cause,
        };
        anyhow::anyhow!("{flag} {found}; fix: {fix}")
    }
}

/// How the checks wait: at most `timeout` (`--health-timeout`) for a backend that answers
/// but is not healthy yet, with the countdown on `events`, every answer scanned for the
/// secrets `redactor` knows.
#[derive(Clone, Copy)]
pub(crate) struct Patience<'a> {
    pub timeout: Duration,
    pub events: &'a Events,
    pub redactor: &'a Redactor,
}

/// Something listens at every target now (a TCP connection each, all at once: no request is
/// sent, so a backend sees only the health probes), then each is healthy in its mode within
/// the timeout, the targets' waits at once. Every target that fails is named, in order.
pub(crate) fn external(targets: &[Target], patience: Patience) -> Result<()> {
    let unreachable = at_once::each(targets, |t| listening(t.url).map(|c| t.unreachable(c)));
    first_of(unreachable.into_iter().flatten())?;
    let waits = at_once::each(targets, |t| healthy(t, patience).err());
    first_of(waits.into_iter().flatten())
}

/// The first error, naming the others after it; `Ok` when there is none.
fn first_of(mut errors: impl Iterator<Item = anyhow::Error>) -> Result<()> {
    let Some(first) = errors.next() else {
        return Ok(());
    };
    let others: Vec<String> = errors.map(|e| format!("{e:#}")).collect();
    if others.is_empty() {
        return Err(first);
    }
    Err(anyhow::anyhow!(
        "{first:#}; also: {}",
        others.join("; also: ")
    ))
}

/// Why nothing can listen at `url`'s host and port, when that is so: its name does not
/// resolve, or every address refuses the connection. Anything else (a timeout, a URL this
/// cannot read) is left to the health wait.
fn listening(url: &str) -> Option<Cause> {
    let url = reqwest::Url::parse(url).ok()?;
    let (host, port) = (url.host_str()?, url.port_or_known_default()?);
    // `[::1]` is how a URL writes an IPv6 host; the resolver wants it bare.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return Some(Cause::UnknownHost);
    };
    let mut refused = false;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused = true,
            Err(_) => return None,
        }
    }
    refused.then_some(Cause::Refused)
}

/// `target` is healthy in its mode within the timeout; a refused connection ends the wait.
pub(crate) fn healthy(target: &Target, patience: Patience) -> Result<()> {
    let backend = Awaited {
        base_url: target.url,
        timeout: patience.timeout,
        redactor: patience.redactor,
        events: patience.events,
        refused: Refused::Fail,
    };
    match wait_healthy(backend, target.mode, || Ok(())) {
        Ok(()) => Ok(()),
        Err(e) => match e.downcast_ref::<Unreachable>() {
            Some(u) => Err(target.unreachable(u.cause)),
            None => Err(e).with_context(|| {
                format!(
                    "{} {} is not a healthy backend in {} mode",
                    target.flag,
                    target.url,
                    target.mode.as_str()
                )
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::client::Client;

    fn dead_url() -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        url
    }

    #[test]
    fn a_refused_connection_and_an_unknown_host_are_told_apart_from_other_faults() {
        let url = dead_url();
        let e = Client::new(&url, Redactor::default())
            .unwrap()
            .get_root("/docs")
            .unwrap_err();
        assert_eq!(unreachable(&e), Some(Cause::Refused), "{e:#}");
        let e = Client::new("http://no-such-host.invalid:1", Redactor::default())
            .unwrap()
            .get_root("/docs")
            .unwrap_err();
        assert_eq!(unreachable(&e), Some(Cause::UnknownHost), "{e:#}");
        assert_eq!(
            unreachable(&anyhow::anyhow!("GET /docs answered 503")),
            None
        );
        assert_eq!(listening(&url), Some(Cause::Refused));
        assert_eq!(
            listening("http://no-such-host.invalid:1"),
            Some(Cause::UnknownHost)
        );
        let alive = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            listening(&format!("http://{}", alive.local_addr().unwrap())),
            None
        );
    }

    #[test]
    fn a_dead_target_is_a_one_line_error_naming_flag_url_and_fix_without_waiting() {
        let live = dead_url();
        let events = Events::silent();
        let target = Target {
            flag: "--mocked-base-url",
            url: &live,
            mode: Mode::Mocked,
        };
        // A long timeout: the answer must not wait for it.
        let patience = Patience {
            timeout: Duration::from_secs(600),
            events: &events,
            redactor: &Redactor::default(),
        };
        let e = external(&[target], patience).unwrap_err();
        let text = format!("{e:#}");
        assert_eq!(
            text,
            format!(
                "--mocked-base-url {live}: connection refused, nothing listens there; fix: \
                 start the mocked backend there, or give --mocked-base-url the URL it listens on"
            )
        );
    }

    #[test]
    fn two_dead_targets_are_both_named_in_their_order() {
        let (live, mocked) = (dead_url(), dead_url());
        let events = Events::silent();
        let target = |flag, url, mode| Target { flag, url, mode };
        let targets = [
            target("--base-url", &live, Mode::Live),
            target("--mocked-base-url", &mocked, Mode::Mocked),
        ];
        let patience = Patience {
            timeout: Duration::from_secs(600),
            events: &events,
            redactor: &Redactor::default(),
        };
        let text = format!("{:#}", external(&targets, patience).unwrap_err());
        let (first, second) = text.split_once("; also: ").expect(&text);
        assert!(
            first.starts_with(&format!("--base-url {live}: connection refused")),
            "{text}"
        );
        assert!(
            second.starts_with(&format!("--mocked-base-url {mocked}: connection")),
            "{text}"
        );
    }
}
