use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub fn run(_database_url: &str, _args: DemoArgs, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
