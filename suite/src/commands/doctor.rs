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
        let mut checks = vec![match &self.base_url {
            Some(_) => doctor::config_not_read(),
            None => doctor::config(&config),
        }];
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
        if self.check_release {
            let url = &self.releases_url;
            let own = env!("CARGO_PKG_VERSION");
            checks.push(doctor::release(own, url, latest_release(url)));
        }
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

/// One GET of the releases endpoint: its body (at most 1 MiB), or why there is none.
fn latest_release(url: &str) -> Result<String, String> {
    use std::io::Read;
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("codex-live-suite/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let answer = client
        .get(url)
        .header("Accept", "application/vnd.github+json")
        .send()
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("HTTP {}", answer.status().as_u16()));
    }
    let mut body = String::new();
    answer
        .take(1 << 20)
        .read_to_string(&mut body)
        .map_err(|e| e.to_string())?;
    Ok(body)
}
