//! `doctor`: the checks of `crate::doctor`, one line each, then whether a run can start
//! (exit 0) or not (exit 2).

use super::{EXIT_PASS, EXIT_SETUP};
use crate::cli::DoctorArgs;
use crate::doctor::{self, Check};
use crate::model::events::Events;
use crate::model::secrets::Secrets;
use crate::stack::{Docker, Launcher, Request};
use crate::target::preflight::Target;
use anyhow::Result;
use codex_contract::Mode;

impl DoctorArgs {
    pub fn run(self, secrets: &Secrets, launcher: &dyn Launcher, events: &Events) -> Result<i32> {
        let config = launcher.config(&Request {
            base_url: self.base_url.as_deref(),
            config: self.config.as_deref(),
        });
        let mut checks = vec![doctor::config(&config)];
        let need = match (&self.base_url, &config) {
            (None, Ok(c)) => launcher.docker(c),
            _ => Docker::Unused,
        };
        checks.extend(doctor::docker(
            &need,
            crate::stack::docker::probe_engine,
            || {
                crate::stack::docker::ComposeCli::detect()
                    .map(|cli| cli.description)
                    .map_err(|e| format!("{e:#}"))
            },
        ));
        checks.push(doctor::chromium());
        checks.push(doctor::secrets(secrets));
        checks.extend(self.urls(&config, events, &secrets.redactor()));
        for check in &checks {
            events.line(check.line());
        }
        events.line(doctor::verdict(&checks));
        Ok(if doctor::can_start(&checks) {
            EXIT_PASS
        } else {
            EXIT_SETUP
        })
    }

    /// The URLs given on the command line, or in the config file.
    fn urls(
        &self,
        config: &Result<crate::stack::suite_config::SuiteConfig>,
        events: &Events,
        redactor: &crate::model::secrets::Redactor,
    ) -> Vec<Check> {
        let from_file = config.as_ref().ok().and_then(|c| c.external.as_ref());
        let base = self
            .base_url
            .as_deref()
            .map(|u| ("--base-url", u))
            .or_else(|| from_file.map(|e| ("base_url", e.base_url.as_str())));
        let mocked = self
            .mocked_base_url
            .as_deref()
            .map(|u| ("--mocked-base-url", u))
            .or_else(|| {
                from_file
                    .and_then(|e| e.mocked_base_url.as_deref())
                    .map(|u| ("mocked_base_url", u))
            });
        [(base, Mode::Live), (mocked, Mode::Mocked)]
            .into_iter()
            .filter_map(|(named, mode)| {
                let (flag, url) = named?;
                Some(doctor::url(&Target { flag, url, mode }, events, redactor))
            })
            .collect()
    }
}
