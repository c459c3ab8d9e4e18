//! The `zkvm-node` binary: parses the command line and calls the library.

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use zkvm_node::cli::{Cli, Command};
use zkvm_node::txtool::TxCommand;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo's and the wallet's own output is what matters; node logs only warn.
    let default_log = match cli.command {
        Command::Demo(_) | Command::Wallet { .. } | Command::Bridge { .. } => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_log)),
        )
        .with_writer(std::io::stderr)
        // Colour codes only where a person reads them, never in a redirected log.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match cli.command {
        Command::Init(args) => match zkvm_node::init::init(&args) {
            Ok(report) => {
                let info = &report.info;
                println!(
                    "created a devnet in {}\n  genesis block {}\n  producer key {} (secret in producer.key, mode 0600, not encrypted)\n  {} funding outputs of {} units to key {} (secret in funding.key, mode 0600, not encrypted)\n  funded wallet {:?}, address {}\n    (root key and openings in {}, sealed with your passphrase: Argon2id key, ChaCha20-Poly1305)",
                    args.data_dir.display(),
                    info.genesis_block,
                    info.producer_key,
                    info.funding_outputs,
                    info.funding_qty,
                    info.funding_key,
                    report.wallet_name,
                    report.wallet_address,
                    report.wallets_file.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Wallet { command } => print_async(zkvm_node::wallets::run_command(&command)),
        Command::Demo(args) => {
            let result = zkvm_node::demo::run(&args, |addr| {
                println!("API: http://{addr}/v1/status\nexplorer: http://{addr}/");
            });
            match result {
                Ok(summary) => {
                    println!("{}", summary.table());
                    if summary.agree() {
                        ExitCode::SUCCESS
                    } else {
                        eprintln!("error: the nodes did not reach the same tip, UTXO root and app hash; the table above shows where each ended");
                        ExitCode::FAILURE
                    }
                }
                Err(e) => fail(&e),
            }
        }
        Command::Run(args) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => return fail(&zkvm_node::NodeError::io("tokio runtime", e)),
            };
            let result = runtime.block_on(zkvm_node::server::run(args, |addr| {
                // One write, so a reader that stops after the first line is never raced.
                let lines = format!("listening on http://{addr}\nexplorer at http://{addr}/\n");
                std::io::Write::write_all(&mut std::io::stdout(), lines.as_bytes()).ok();
            }));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::Bridge { command } => print_async(zkvm_node::bridge_cli::run(&command)),
        Command::Abci(args) => print_async(zkvm_node::abci::command::run(args)),
        Command::Tx { command } => match command {
            TxCommand::Decode { hex } => match zkvm_node::txtool::decode(&hex) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            },
            TxCommand::Trace { source } => match zkvm_node::txtool::trace(&source) {
                Ok((text, valid)) => {
                    print!("{text}");
                    if valid {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
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

/// Runs `work` on a new tokio runtime and prints the text it returns.
fn print_async(
    work: impl std::future::Future<Output = Result<String, zkvm_node::NodeError>>,
) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(&zkvm_node::NodeError::io("tokio runtime", e)),
    };
    match runtime.block_on(work) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
