use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {}

pub fn run(command: BenchCommand, _out: &mut dyn Write) -> anyhow::Result<()> {
    match command {}
}
