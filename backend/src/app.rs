//! Wiring: config → workspaces, database (with restart recovery), runner, queue, HTTP
//! server; then the shutdown sequence.

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{Db, INTERRUPTED_BY_RESTART};
use crate::jobs::Scheduler;
use crate::workspace::Workspaces;
use anyhow::Context;
use std::sync::Arc;

pub async fn run(cfg: Config) -> anyhow::Result<()> {
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
    let listener = tokio::net::TcpListener::bind(cfg.bind_addr)
        .await
        .with_context(|| format!("binding BIND_ADDR={} (is the port in use?)", cfg.bind_addr))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    tracing::info!(
        addr = %addr,
        mode = cfg.mode().as_str(),
        runner = scheduler.runner_name(),
        api_prefix = %cfg.api_prefix,
        workspace_root = %ws.root().display(),
        database = %cfg.database_path.display(),
        max_concurrent_jobs = cfg.max_concurrent_jobs,
        worker_timeout_s = cfg.worker_timeout.as_secs(),
        "listening on {addr}"
    );
    let grace = cfg.shutdown_grace;
    let state = AppState {
        cfg: Arc::new(cfg),
        db,
        ws,
        scheduler: scheduler.clone(),
    };
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(crate::shutdown::signal_received())
        .await
        .context("serving HTTP")?;
    scheduler.shutdown(grace).await;
    tracing::info!("stopped");
    Ok(())
}
