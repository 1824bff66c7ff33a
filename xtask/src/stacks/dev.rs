//! The developer's compose stack (`cargo xtask up|down|logs --stack compose`): the fixed
//! project `codex-dev` on `CODEX_PORT` (default 8000).

use crate::images::ImageTags;
use anyhow::{Context, Result};
use codex_live_suite::docker::{self, ComposeCli, ComposeProject};
use codex_live_suite::Events;
use codex_live_suite::StackOwner;
use codex_live_suite::SuiteConfig;
use std::sync::Arc;

/// The developer stack's fixed compose project name (also its `CODEX_STACK_ID`).
pub const DEV_PROJECT: &str = "codex-dev";

/// The developer's port: `CODEX_PORT`, default 8000.
pub fn port() -> Result<u16> {
    match std::env::var("CODEX_PORT") {
        Ok(p) if !p.trim().is_empty() => p.trim().parse().with_context(|| {
            format!("CODEX_PORT={p} is not a port number: set it to e.g. 8000 or unset it")
        }),
        _ => Ok(8000),
    }
}

/// The developer's stack: a fixed compose project on a fixed port.
pub fn owner() -> Result<StackOwner> {
    Ok(StackOwner::Developer {
        project: DEV_PROJECT.to_owned(),
        port: port()?,
    })
}

/// The developer's stack as `cargo xtask down|logs` find it (no build, no health gate).
fn project() -> Result<ComposeProject> {
    docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
    Ok(ComposeProject {
        cli: ComposeCli::detect()?,
        config: Arc::new(SuiteConfig::defaults(&crate::project_root())),
        name: DEV_PROJECT.to_owned(),
        port: port()?,
        publish: docker::LOOPBACK,
        image_env: ImageTags::latest().compose_env(),
        caller_images: None,
        torn_down: Arc::default(),
    })
}

/// `cargo xtask down --stack compose`: removes the developer's stack (with its volumes).
pub fn down(events: &Events) -> Result<()> {
    let p = project()?;
    p.teardown()?;
    events.line(format!("down: compose project {} removed", p.name));
    Ok(())
}

/// `cargo xtask logs`: the developer's backend output so far (raw: the caller redacts it).
pub fn logs() -> Result<String> {
    project()?.run(&["logs", "--no-color", "backend"])
}
