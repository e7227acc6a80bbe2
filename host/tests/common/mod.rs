//! What the `carecheck` binary's tests share: the workspace root and a one-plugin pack.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host lives in the workspace")
        .to_path_buf()
}

/// A pack with the review-timeliness plugin only (one plugin compiles quickly).
pub fn pack(dir: &Path) -> PathBuf {
    let plugin = root().join("target/plugins/statutory-review-timeliness.wasm");
    assert!(
        plugin.exists(),
        "{} is missing: build the plugins first with `cargo xtask plugins`",
        plugin.display()
    );
    let calendar = root().join("policies/calendars/england-and-wales.toml");
    let path = dir.join("pack.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"cli-test\"\ncalendar = {:?}\n\n[[plugins]]\npath = {:?}\n",
            calendar.display().to_string(),
            plugin.display().to_string()
        ),
    )
    .unwrap();
    path
}

/// A fresh PostgreSQL database, or `None` (off CI only) when the server does not answer.
#[allow(
    dead_code,
    reason = "for the process tests on PostgreSQL; cli.rs has none"
)]
pub async fn postgres() -> Option<String> {
    use sqlx::{Connection, Executor};
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let mut conn = match sqlx::PgConnection::connect(admin).await {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL is required on CI: {e}"
            );
            eprintln!("PostgreSQL is not reachable: this file's PostgreSQL tests were NOT run");
            return None;
        }
    };
    let name = format!("carecheck_proc_{}", uuid::Uuid::new_v4().simple());
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    conn.close().await.unwrap();
    Some(format!("postgres://postgres@127.0.0.1:5432/{name}"))
}
