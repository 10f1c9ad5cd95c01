use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = ruyi::cli::Cli::parse();
    // The server logs its requests; the one-shot commands print tables and
    // progress bars, so their log stays quiet unless asked (`RUYI_LOG=info`).
    // HiGHS reports a node or time limit as a warning; Ruyi sets those
    // limits on purpose, so only its errors are shown by default.
    let default_level = match cli.command {
        ruyi::cli::Command::Serve(_) => "info,highs=error",
        _ => "warn,highs=error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUYI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    ruyi::cli::run(cli)
}
