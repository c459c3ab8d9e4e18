//! The `zkvm-node` binary: parses the command line and calls the library.

use clap::Parser;
use std::process::ExitCode;
use zkvm_node::cli::{self, Cli, Command, TxCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Init(args) => match cli::init(&args) {
            Ok(info) => {
                println!(
                    "created a devnet in {}\n  genesis block {}\n  producer key {} (secret in producer.key, mode 0600, not encrypted)\n  {} funding outputs of {} units to key {} (secret in funding.key, mode 0600, not encrypted)",
                    args.data_dir.display(),
                    info.genesis_block,
                    info.producer_key,
                    info.funding_outputs,
                    info.funding_qty,
                    info.funding_key
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Run(args) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => return fail(&zkvm_node::NodeError::io("tokio runtime", e)),
            };
            let result = runtime.block_on(cli::run(args, |addr| {
                // One write, so a reader that stops after the first line is never raced.
                let lines = format!("listening on http://{addr}\nexplorer at http://{addr}/\n");
                std::io::Write::write_all(&mut std::io::stdout(), lines.as_bytes()).ok();
            }));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::Tx { command } => match command {
            TxCommand::Decode { hex } => match zkvm_node::txtool::decode(&hex) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            },
            TxCommand::Verify { hex } => match zkvm_node::txtool::verify(&hex) {
                Ok(verdict) => {
                    println!("{verdict}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("invalid: {e}");
                    ExitCode::FAILURE
                }
            },
        },
    }
}

fn fail(e: &zkvm_node::NodeError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
