//! `cargo xtask images`: the static binaries and both images (`codex-backend:latest`,
//! `codex-worker:latest`), as the compose stack builds them. For a compose stack of one's
//! own that runs our images (a `live-suite.toml` whose `pre_build` calls this).

use super::EXIT_PASS;
use anyhow::Result;
use codex_live_suite::Events;
use std::time::Instant;

pub fn run(events: &Events) -> Result<i32> {
    codex_live_suite::docker::probe_engine().map_err(|why| anyhow::anyhow!("{why}"))?;
    let t = Instant::now();
    let tags = crate::images::ImageTags::latest();
    crate::images::build_images(&crate::project_root(), &tags)?;
    events.line(format!(
        "images built in {:.1}s: {}",
        t.elapsed().as_secs_f64(),
        crate::images::image_sizes_line(&tags)
    ));
    Ok(EXIT_PASS)
}
