//! `screening-gateway`: the DICOM gateway on its own, for the machine next to the x-ray
//! machines (the same as `screening gateway`, without the web service linked in).

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "screening-gateway",
    version,
    about = "The breast screening DICOM gateway"
)]
struct Cli {
    #[command(flatten)]
    config: gateway::Config,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    gateway::run(Cli::parse().config).await
}
