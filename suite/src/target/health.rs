//! The one health probe: `GET /docs` answers 200 (the plan's readiness signal) and, when the
//! backend has `/healthz` (the original does not), the mode it reports. The stacks' wait
//! (`health/wait.rs`), the rollback's check (`ladder/mocked.rs`) and the `health` command
//! all read a backend through [`read`] and [`Reading::finding`], and word a wrong mode with
//! [`wrong_mode`].

pub(crate) mod wait;

use crate::target::client::{Client, Reply};
use anyhow::Result;
use codex_contract::{Health, Mode};

/// The two answers a health probe reads.
pub(crate) struct Reading {
    pub docs: Reply,
    pub healthz: Reply,
}

/// What the two answers say.
#[derive(Debug, PartialEq)]
pub(crate) enum Finding {
    /// `/docs` did not answer 200: not (yet) healthy.
    DocsDown(u16),
    /// `/docs` answers 200 and there is no `/healthz`: the mode is not observable.
    NoHealthz,
    /// `/docs` answers 200 and `/healthz` reports this mode.
    Mode(Mode),
    /// `/docs` answers 200 but `/healthz` is not `{status, mode}`.
    BadHealthz(String),
}

/// `GET /docs`, then `GET /healthz`, on the client's root.
pub(crate) fn read(client: &Client) -> Result<Reading> {
    Ok(Reading {
        docs: client.get_root("/docs")?,
        healthz: client.get_root("/healthz")?,
    })
}

impl Reading {
    pub(crate) fn finding(&self) -> Finding {
        if !self.docs.ok() {
            return Finding::DocsDown(self.docs.status);
        }
        if self.healthz.status == 404 {
            return Finding::NoHealthz;
        }
        match self.healthz.json::<Health>() {
            Ok(h) => Finding::Mode(h.mode),
            Err(e) => Finding::BadHealthz(format!("{e:#}")),
        }
    }
}

/// `/healthz reports mode live, expected mocked`.
pub(crate) fn wrong_mode(reported: Mode, want: Mode) -> String {
    format!(
        "/healthz reports mode {}, expected {}",
        reported.as_str(),
        want.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(docs: u16, healthz: u16, body: &str) -> Reading {
        let reply = |status, body: &str| Reply {
            status,
            body: body.to_owned(),
            location: None,
        };
        Reading {
            docs: reply(docs, "<html>"),
            healthz: reply(healthz, body),
        }
    }

    #[test]
    fn docs_decides_readiness_and_healthz_only_the_mode() {
        assert_eq!(reading(503, 200, "").finding(), Finding::DocsDown(503));
        assert_eq!(reading(200, 404, "").finding(), Finding::NoHealthz);
        assert_eq!(
            reading(200, 200, r#"{"status":"ok","mode":"mocked"}"#).finding(),
            Finding::Mode(Mode::Mocked)
        );
        assert!(matches!(
            reading(200, 200, "not json").finding(),
            Finding::BadHealthz(_)
        ));
        assert_eq!(
            wrong_mode(Mode::Live, Mode::Mocked),
            "/healthz reports mode live, expected mocked"
        );
    }
}
