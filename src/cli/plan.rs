use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {}

pub fn run(_database_url: &str, _args: PlanArgs, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
