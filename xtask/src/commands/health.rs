//! `cargo xtask health`: GET /docs and /healthz of a running backend.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::HealthArgs;
use crate::client::Client;
use crate::events::Events;
use anyhow::Result;
use std::time::Duration;

impl HealthArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        let client = Client::new(&self.base_url, Duration::from_secs(10))?;
        let docs = client.get_root("/docs")?;
        let health = client.get_root("/healthz")?;
        events.line(format!("GET {}/docs: {}", client.root(), docs.status));
        events.line(format!(
            "GET {}/healthz: {} {}",
            client.root(),
            health.status,
            health.body.trim()
        ));
        Ok(if docs.ok() { EXIT_PASS } else { EXIT_FAIL })
    }
}
