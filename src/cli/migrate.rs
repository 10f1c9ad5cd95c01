use std::io::Write;

use anyhow::Context;

use crate::storage::Store;

/// `ruyi migrate`: creates or updates the database schema.
pub fn run(database_url: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let backend = runtime.block_on(async {
        let store = Store::connect(database_url)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("applying migrations")?;
        store.close().await;
        anyhow::Ok(store.backend())
    })?;
    writeln!(out, "migrations applied ({} database)", backend.name())?;
    Ok(())
}
