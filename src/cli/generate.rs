use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

pub fn run(_args: GenerateArgs, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
