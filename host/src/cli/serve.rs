//! `carecheck serve`: the API on its listening address until Ctrl-C or SIGTERM, finishing the
//! requests in flight before it stops.

use anyhow::{Context, Result};

use crate::{AppState, app};

pub async fn serve(state: AppState) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .with_context(|| format!("listening on {}", state.config.listen))?;
    tracing::info!(address = %state.config.listen, policies = state.policies.plugins.len(), "serving");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
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
