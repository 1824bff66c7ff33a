//! `cargo xtask down`: removes the developer's compose stack (local stacks stop with their
//! xtask, Ctrl-C on `up`), then what suite runs left, through the product's own `down`,
//! with the image tags this repository made for each run's compose project.

use super::EXIT_PASS;
use crate::cli::DownArgs;
use crate::images::ImageTags;
use crate::stacks::{self, StackKind};
use anyhow::Result;
use codex_live_suite::Events;
use codex_live_suite::EXIT_FAIL;

impl DownArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        if !self.dry_run {
            let (kind, why) = stacks::choose(self.stack);
            match kind {
                StackKind::Local => events.line(format!(
                    "down: local stack ({why}): nothing to stop; a local stack runs only while \
                     its xtask runs (`up` until Ctrl-C)"
                )),
                StackKind::Compose => stacks::dev::down(events)?,
            }
        }
        let left = codex_live_suite::DownArgs {
            dry_run: self.dry_run,
        }
        .run(events);
        if !self.dry_run {
            for project in &left.projects {
                ImageTags::for_run(project).remove();
            }
        }
        Ok(if left.problems.is_empty() {
            EXIT_PASS
        } else {
            EXIT_FAIL
        })
    }
}
