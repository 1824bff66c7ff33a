//! `cargo xtask health`: GET /docs and /healthz of a running backend.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::HealthArgs;
use crate::client::Client;
use crate::events::Events;
use crate::health_probe::{self, Finding};
use crate::secrets::Secrets;
use anyhow::Result;
use std::time::Duration;

impl HealthArgs {
    pub fn run(self, secrets: &Secrets, events: &Events) -> Result<i32> {
        let client = Client::new(&self.base_url, Duration::from_secs(10), secrets.redactor())?;
        let r = health_probe::read(&client)?;
        if let Some(leak) = client.take_leaks().first() {
            events.line(format!("secret leak: {leak}"));
            return Ok(EXIT_FAIL);
        }
        events.line(format!("GET {}/docs: {}", client.root(), r.docs.status));
        events.line(format!(
            "GET {}/healthz: {} {}",
            client.root(),
            r.healthz.status,
            r.healthz.body.trim()
        ));
        let healthy = !matches!(r.finding(), Finding::DocsDown(_));
        Ok(if healthy { EXIT_PASS } else { EXIT_FAIL })
    }
}
