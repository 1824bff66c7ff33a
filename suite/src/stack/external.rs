//! An already running backend (`--base-url`): no lifecycle. Its mocked-mode twin
//! (`--mocked-base-url`) serves the rollback smoke; without one, rollback is skipped.

use super::health::{wait_healthy, Awaited, HEALTH_TIMEOUT};
use super::Stack;
use crate::secrets::Redactor;
use anyhow::{Context, Result};
use codex_contract::Mode;

pub struct ExternalStack {
    base_url: String,
    mocked_base_url: Option<String>,
    mode: Mode,
    /// The secrets the health waits scan every answer for.
    redactor: Redactor,
}

impl ExternalStack {
    /// Checks that `base_url` is healthy in `mode` (the `/healthz` mode only when present).
    pub fn connect(
        base_url: &str,
        mocked_base_url: Option<&str>,
        mode: Mode,
        redactor: Redactor,
    ) -> Result<Self> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let backend = Awaited {
            base_url: &base_url,
            timeout: HEALTH_TIMEOUT,
            redactor: &redactor,
        };
        wait_healthy(backend, mode, || Ok(())).with_context(|| {
            format!(
                "--base-url {base_url} is not a healthy backend in {} mode",
                mode.as_str()
            )
        })?;
        Ok(ExternalStack {
            base_url,
            mocked_base_url: mocked_base_url.map(|u| u.trim_end_matches('/').to_owned()),
            mode,
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
        let mocked = self
            .mocked_base_url
            .clone()
            .context("no --mocked-base-url: there is no mocked twin to roll back to")?;
        let backend = Awaited {
            base_url: &mocked,
            timeout: HEALTH_TIMEOUT,
            redactor: &self.redactor,
        };
        wait_healthy(backend, Mode::Mocked, || Ok(()))
            .with_context(|| format!("--mocked-base-url {mocked} is not healthy in mocked mode"))?;
        self.base_url = mocked;
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
        self.mocked_base_url.is_none().then(|| {
            "--base-url given without --mocked-base-url: no mocked twin to roll back to".into()
        })
    }
}
