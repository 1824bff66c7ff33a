//! `health`: one probe of a running backend, `/docs` and `/healthz`, each answer on a line.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::HealthArgs;
use crate::model::events::Events;
use crate::model::secrets::Secrets;
use crate::target::client::Client;
use crate::target::health::{read, Finding};
use anyhow::Result;

impl HealthArgs {
    pub fn run(self, secrets: &Secrets, events: &Events) -> Result<i32> {
        let client = Client::new(&self.base_url, secrets.redactor())?;
        let r = read(&client)?;
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
