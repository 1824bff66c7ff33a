//! `cargo xtask down`: removes the developer's compose stack (local stacks stop with their
//! xtask, Ctrl-C on `up`), then what suite runs left, through the product's own `down`,
//! with the image tags this repository made for each run's compose project.

use super::EXIT_PASS;
use crate::cli::DownArgs;
use crate::images::{self, ImageTags};
use crate::stacks::{self, StackKind};
use anyhow::Result;
use codex_live_suite::docker::project_pid;
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
        unjournaled_tags(self.dry_run, &left.projects, events);
        Ok(if left.problems.is_empty() {
            EXIT_PASS
        } else {
            EXIT_FAIL
        })
    }
}

/// Our image tags of runs that no journal named (killed before their tags were journaled,
/// or by an older version): each names its run's project, whose pid runs nothing any more.
fn unjournaled_tags(dry_run: bool, named: &[String], events: &Events) {
    let done = if dry_run { "would remove" } else { "removed" };
    let mut tags = 0;
    for tag in images::run_tags() {
        let project = tag.split_once(':').map_or("", |(_, p)| p);
        let Some(pid) = project_pid(project) else {
            continue;
        };
        if named.iter().any(|p| p == project)
            || std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            continue;
        }
        events.line(format!(
            "down: {done} image tag {tag} (left by the run with pid {pid})"
        ));
        if !dry_run {
            images::remove_tag(&tag);
        }
        tags += 1;
    }
    if tags > 0 {
        events.line(format!(
            "down: {done} {tags} image tag{} of runs no journal named",
            if tags == 1 { "" } else { "s" }
        ));
    }
}
