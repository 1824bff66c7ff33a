//! Wiring: config → workspaces, database (with restart recovery), runner, queue, HTTP
//! server; then the shutdown sequence.

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{Db, INTERRUPTED_BY_RESTART};
use crate::jobs::Scheduler;
use crate::workspace::Workspaces;
use anyhow::Context;
use std::sync::Arc;

/// Serves `cfg` until SIGTERM/SIGINT, then drains the queue within the grace period.
pub async fn run(cfg: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(cfg.bind_addr)
        .await
        .with_context(|| format!("binding BIND_ADDR={} (is the port in use?)", cfg.bind_addr))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let grace = cfg.shutdown_grace;
    let state = state(cfg).await?;
    let cfg = &state.cfg;
    tracing::info!(
        addr = %addr,
        mode = cfg.mode().as_str(),
        runner = state.scheduler.runner_name(),
        api_prefix = %cfg.api_prefix,
        workspace_root = %state.ws.root().display(),
        database = %cfg.database_path.display(),
        max_concurrent_jobs = cfg.max_concurrent_jobs,
        worker_timeout_s = cfg.worker_timeout.as_secs(),
        "listening on {addr}"
    );
    let scheduler = state.scheduler.clone();
    axum::serve(crate::listener::Listener(listener), api::router(state))
        .with_graceful_shutdown(crate::shutdown::signal_received())
        .await
        .context("serving HTTP")?;
    scheduler.shutdown(grace).await;
    tracing::info!("stopped");
    Ok(())
}

/// Workspaces, the database (with restart recovery), the runner and the queue for `cfg`:
/// everything `api::router` needs.
pub async fn state(cfg: Config) -> anyhow::Result<AppState> {
    let ws = Workspaces::new(&cfg.workspace_root)?;
    let db = Db::open(&cfg.database_path)?;
    crate::orphans::remove_leftovers(&db, &cfg)
        .await
        .context("removing what an earlier backend left running")?;
    let recovered = db
        .fail_unfinished(INTERRUPTED_BY_RESTART)
        .await
        .context("marking jobs a previous process left unfinished")?;
    if recovered > 0 {
        tracing::warn!(
            jobs = recovered,
            "marked jobs left unfinished by a previous process as error (interrupted by restart)"
        );
    }
    let runner = crate::runner::from_config(&cfg, ws.root(), db.clone());
    let scheduler = Scheduler::new(db.clone(), ws.clone(), runner, cfg.max_concurrent_jobs);
    Ok(AppState {
        cfg: Arc::new(cfg),
        db,
        ws,
        scheduler,
    })
}
