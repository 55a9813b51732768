//! Opening the database and applying migrations.

use super::Store;
use crate::settings::StoreSettings;
use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Executor, migrate::Migrator};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    /// Connects to `settings.url` (creating a SQLite file and its directory if needed)
    /// and applies pending migrations.
    pub async fn connect(settings: &StoreSettings) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = prepare_url(&settings.url)?;
        let options = AnyConnectOptions::from_str(&url).context("store.url is not a valid database URL")?;
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|connection, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the single writer; FULL makes a
                    // committed 202 survive a power cut.
                    connection.execute("PRAGMA journal_mode = WAL").await?;
                    connection.execute("PRAGMA synchronous = FULL").await?;
                    connection.execute("PRAGMA busy_timeout = 5000").await?;
                    // SQLite's default page cache is 2 MB per connection: once the random-keyed
                    // indexes (audit hashes, pseudonyms) outgrow it, every insert reads pages
                    // back from the OS and a large re-check batch slows down by half.
                    connection.execute("PRAGMA cache_size = -32768").await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect_with(options).await.context("Failed to connect to the store")?;
        let store = Store {
            pool,
            backend,
            audit_lock: Default::default(),
            ledger_group: Default::default(),
            recheck_lock: Default::default(),
            recheck_group: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("Failed to apply migrations")?;
        Ok(())
    }
}

/// Recognises the backend and, for SQLite, creates the file's directory and asks for
/// the file to be created.
fn prepare_url(url: &str) -> anyhow::Result<(Backend, String)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    let Some(rest) = url.strip_prefix("sqlite://") else {
        anyhow::bail!("store.url must start with sqlite:// or postgres://");
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        anyhow::bail!(
            "store.url: a SQLite store needs a file path (an in-memory database would lose accepted work)"
        );
    }
    if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    }
    let url = if rest.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
    Ok((Backend::Sqlite, url))
}
