//! SIGTERM/SIGINT handling. The signal stops the HTTP server from accepting (axum's
//! graceful shutdown lets in-flight requests finish); then running jobs get
//! `SHUTDOWN_GRACE_SECONDS` to finish and everything left is marked `error`
//! (see `Scheduler::shutdown`).

use tokio::signal::unix::{signal, SignalKind};

/// Resolves on the first SIGTERM or SIGINT. As PID 1 in a container the default handlers
/// do nothing, so installing these is what makes `docker stop` work.
pub async fn signal_received() {
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::info!(signal = name, "shutting down: no new requests");
        }
        (Err(e), _) | (_, Err(e)) => {
            // Without handlers the process can only be killed; keep serving.
            tracing::error!(error = %e, "cannot install signal handlers");
            std::future::pending::<()>().await;
        }
    }
}
