use std::io::Write;

pub fn run(_database_url: &str, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
