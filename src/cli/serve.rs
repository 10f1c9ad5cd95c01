#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

pub fn run(_database_url: &str, _args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
