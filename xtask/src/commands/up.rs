//! `cargo xtask up`: a compose stack is left running (`down` stops it); the local stack
//! runs in the foreground until Ctrl-C (its children never outlive the xtask).

use super::EXIT_PASS;
use crate::cli::UpArgs;
use crate::stacks::{self, StackKind};
use anyhow::Result;
use codex_contract::Mode;
use codex_live_suite::Events;
use codex_live_suite::Secrets;
use codex_live_suite::StackOptions;
use codex_live_suite::SuiteConfig;
use std::sync::Arc;

impl UpArgs {
    pub fn run(self, secrets: &Secrets, events: Arc<Events>) -> Result<i32> {
        let mode = if self.mocked {
            Mode::Mocked
        } else {
            Mode::Live
        };
        let (kind, why) = stacks::choose(self.stack);
        let foreground = kind == StackKind::Local;
        let opts = StackOptions {
            mode,
            // Compose: left running for `down`; local: stops with this xtask.
            keep_up: !foreground,
            secrets: secrets.clone(),
            owner: stacks::dev::owner()?,
            events: Arc::clone(&events),
            config: Arc::new(SuiteConfig::defaults(&crate::project_root())),
            publish_address: self.publish_address,
            images: None,
            evidence: None,
            health_timeout: codex_live_suite::HEALTH_TIMEOUT,
        };
        opts.announce(&format!("{} ({why})", format!("{kind:?}").to_lowercase()));
        let mut stack = stacks::start(kind, &opts)?;
        events.line(format!(
            "up: {} stack healthy in {} mode at {} (API {}{}){}",
            stack.name(),
            mode.as_str(),
            stack.base_url(),
            stack.base_url(),
            codex_contract::API_V1,
            if foreground {
                "; Ctrl-C stops it"
            } else {
                "; `cargo xtask down` stops it"
            }
        ));
        if !foreground {
            stack.shutdown()?; // keep_up: leaves it running
            return Ok(EXIT_PASS);
        }
        loop {
            std::thread::park();
        }
    }
}
