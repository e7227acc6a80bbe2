//! `carecheck serve`: the API on its listening address until Ctrl-C or SIGTERM, finishing the
//! requests in flight before it stops. The listener itself (connection cap, timeouts, TLS) is
//! [`crate::http::server::serve_on`]. Beside it run the report scheduler
//! (`subscriptions::scheduler`), unless `scheduler.enabled` is false, and the poll that picks up
//! regulators' plugins enabled on any replica (`catalog::live`), and the worker that takes chunks
//! of shared runs (`runs::shared`). `carecheck worker` is that worker alone.

use anyhow::{Context, Result};

use crate::AppState;
use crate::http::server::serve_on;

pub async fn serve(state: AppState) -> Result<()> {
    let config = state.config.clone();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let scheme = if config.tls.cert_path.is_some() {
        "https"
    } else {
        "http"
    };
    warn_if_too_few_file_descriptors(config.server.max_connections);
    tracing::info!(
        address = %config.listen,
        scheme,
        max_connections = config.server.max_connections,
        policies = state.policies.base().plugins.len(),
        "serving"
    );
    // The report scheduler, on every replica (they share the work through the database).
    let scheduler = if config.scheduler.enabled {
        state.scheduler().spawn()
    } else {
        Vec::new()
    };
    // Every replica polls the plugin generation, so enablements reach it without a restart.
    let watcher = crate::catalog::live::spawn(
        state.store.clone(),
        state.policies.clone(),
        std::time::Duration::from_millis(config.plugins.poll_ms),
    );
    // Every replica takes chunks of shared runs.
    let worker = state.shared_runs.clone().spawn();
    serve_on(listener, state, shutdown_signal()).await?;
    worker.abort();
    watcher.abort();
    for task in scheduler {
        task.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// `carecheck worker`: takes chunks of shared runs (`runs::shared`) until Ctrl-C or SIGTERM,
/// serving nothing. Add workers to a deployment to share its runs' evaluation.
pub async fn worker(state: AppState) -> Result<()> {
    tracing::info!(
        owner = state.shared_runs.owner(),
        "taking chunks of shared runs"
    );
    let worker = state.shared_runs.clone().spawn();
    shutdown_signal().await;
    worker.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Connections past the process's open-file limit would fail to be accepted: says so at start.
fn warn_if_too_few_file_descriptors(max_connections: usize) {
    // Database connections, plugin files and logs need some descriptors of their own.
    const SPARE: usize = 64;
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse::<usize>().ok())
        });
    if let Some(limit) = soft_limit.filter(|limit| max_connections + SPARE > *limit) {
        tracing::warn!(
            max_connections,
            open_file_limit = limit,
            "server.max_connections is too close to the open-file limit: raise the limit (ulimit -n, LimitNOFILE=) or lower server.max_connections"
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
