//! An already running backend (`--base-url`): no lifecycle. Its mocked-mode twin
//! (`--mocked-base-url`) serves the rollback smoke; without one, rollback is skipped. Both
//! are checked before any scenario (`crate::target::preflight`).

use super::{Stack, StackOptions};
use crate::model::events::Events;
use crate::model::secrets::Redactor;
use crate::target::preflight::{self, Patience, Target};
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct ExternalStack {
    base_url: String,
    /// The mocked twin: the flag (or config key) that named it, and its URL.
    mocked: Option<(String, String)>,
    mode: Mode,
    health_timeout: Duration,
    events: Arc<Events>,
    /// The secrets the health waits scan every answer for.
    redactor: Redactor,
}

impl ExternalStack {
    /// Checks that `base` answers healthy in `opts.mode` and, when given, that `mocked`
    /// answers healthy in mocked mode: a refused connection fails at once (see `preflight`).
    pub(crate) fn connect(
        base: &Target,
        mocked: Option<&Target>,
        opts: &StackOptions,
    ) -> Result<Self> {
        let targets: Vec<Target> = std::iter::once(*base).chain(mocked.copied()).collect();
        let redactor = opts.secrets.redactor();
        let patience = Patience {
            timeout: opts.health_timeout,
            events: &opts.events,
            redactor: &redactor,
        };
        preflight::external(&targets, patience)?;
        Ok(ExternalStack {
            base_url: base.url.trim_end_matches('/').to_owned(),
            mocked: mocked.map(|m| (m.flag.to_owned(), m.url.trim_end_matches('/').to_owned())),
            mode: opts.mode,
            health_timeout: opts.health_timeout,
            events: Arc::clone(&opts.events),
            redactor,
        })
    }
}

impl Stack for ExternalStack {
    fn name(&self) -> &str {
        "external"
    }

    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn rollback_to_mocked(&mut self) -> Result<()> {
        let (flag, url) = self
            .mocked
            .clone()
            .context("no --mocked-base-url: there is no mocked twin to roll back to")?;
        let target = Target {
            flag: &flag,
            url: &url,
            mode: Mode::Mocked,
        };
        let patience = Patience {
            timeout: self.health_timeout,
            events: &self.events,
            redactor: &self.redactor,
        };
        preflight::healthy(&target, patience)?;
        self.base_url = url;
        self.mode = Mode::Mocked;
        Ok(())
    }

    fn take_logs(&mut self) -> Result<Option<String>> {
        Ok(None)
    }

    fn shutdown(&mut self) -> Result<()> {
        Ok(())
    }

    fn rollback_unavailable(&self) -> Option<String> {
        self.mocked.is_none().then(|| {
            "--base-url given without --mocked-base-url: no mocked twin to roll back to".into()
        })
    }
}
