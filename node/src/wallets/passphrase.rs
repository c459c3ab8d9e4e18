//! Where a wallet's passphrase comes from, first found first: `--passphrase-file`
//! (its first line), `--passphrase-fd N` (the first line read from that open file
//! descriptor, so that a program can hand it over a pipe without a file or the
//! environment), the environment variable [`PASSPHRASE_ENV`], and last a prompt
//! without echo when standard input is a terminal. It is never printed or logged.

use crate::error::NodeError;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable a passphrase can come from.
pub const PASSPHRASE_ENV: &str = "ZKVM_WALLET_PASSPHRASE";

/// The passphrase options of a wallet command.
#[derive(Debug, Args, Clone, Default)]
pub struct PassphraseArgs {
    /// A file whose first line is the wallet's passphrase.
    #[arg(long, conflicts_with = "passphrase_fd")]
    pub passphrase_file: Option<PathBuf>,
    /// An open file descriptor to read the passphrase from (its first line), such as
    /// 0 for standard input. Without this or --passphrase-file, the environment
    /// variable ZKVM_WALLET_PASSPHRASE, else a prompt when in a terminal.
    #[arg(long)]
    pub passphrase_fd: Option<u32>,
}

/// Whether the passphrase is for a wallet being created (a prompt asks twice).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Opening an existing wallet.
    Open,
    /// Sealing a new wallet.
    Create,
}

impl PassphraseArgs {
    /// The passphrase, from the first source given.
    pub fn read(&self, purpose: Purpose) -> Result<Zeroizing<Vec<u8>>, NodeError> {
        let text = if let Some(path) = &self.passphrase_file {
            Zeroizing::new(std::fs::read_to_string(path).map_err(|e| NodeError::io(path, e))?)
        } else if let Some(fd) = self.passphrase_fd {
            read_fd(fd)?
        } else if let Ok(text) = std::env::var(PASSPHRASE_ENV) {
            Zeroizing::new(text)
        } else if std::io::stdin().is_terminal() {
            prompt_in_terminal(purpose)?
        } else {
            return Err(NodeError::NoPassphrase);
        };
        first_line(&text)
    }
}

/// The passphrase from `file` if given, else the environment or a prompt (the
/// commands that make a funded wallet: `init`, `abci genesis`).
pub fn passphrase(file: Option<&Path>) -> Result<Zeroizing<Vec<u8>>, NodeError> {
    PassphraseArgs {
        passphrase_file: file.map(Path::to_path_buf),
        passphrase_fd: None,
    }
    .read(Purpose::Create)
}

fn first_line(text: &str) -> Result<Zeroizing<Vec<u8>>, NodeError> {
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(NodeError::NoPassphrase);
    }
    Ok(Zeroizing::new(line.as_bytes().to_vec()))
}

/// The first line readable from file descriptor `fd` (through `/dev/fd`, so no
/// descriptor is taken over).
fn read_fd(fd: u32) -> Result<Zeroizing<String>, NodeError> {
    let path = PathBuf::from(format!("/dev/fd/{fd}"));
    let file = std::fs::File::open(&path).map_err(|e| NodeError::Invalid {
        what: "--passphrase-fd",
        reason: format!("file descriptor {fd} is not open for reading ({e}); open it in the calling shell, as in `3<file`"),
    })?;
    let mut line = Zeroizing::new(String::new());
    std::io::BufReader::new(file)
        .read_line(&mut line)
        .map_err(|e| NodeError::io(path, e))?;
    Ok(line)
}

fn prompt_in_terminal(purpose: Purpose) -> Result<Zeroizing<String>, NodeError> {
    let first = prompt("wallet passphrase: ")?;
    if purpose == Purpose::Create && *prompt("the same passphrase again: ")? != *first {
        return Err(NodeError::Invalid {
            what: "passphrase",
            reason: "the two passphrases typed differ; run the command again".into(),
        });
    }
    Ok(first)
}

/// Asks on standard error and reads a line from the terminal with echo off.
fn prompt(question: &str) -> Result<Zeroizing<String>, NodeError> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    let stdin = std::io::stdin();
    let terminal = |e: rustix::io::Errno| NodeError::io("the terminal", e.into());
    let saved = tcgetattr(&stdin).map_err(terminal)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    quiet.local_modes.insert(LocalModes::ECHONL);
    // Echo goes off before the question is asked: what is typed as soon as it shows
    // is never echoed.
    tcsetattr(&stdin, OptionalActions::Drain, &quiet).map_err(terminal)?;
    eprint!("{question}");
    std::io::stderr().flush().ok();
    let mut line = Zeroizing::new(String::new());
    let read = stdin.lock().read_line(&mut line);
    tcsetattr(&stdin, OptionalActions::Drain, &saved).map_err(terminal)?;
    read.map_err(|e| NodeError::io("the terminal", e))?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gives_its_first_line_and_an_empty_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pass");
        std::fs::write(&file, "s3cret words\nignored\n").unwrap();
        let args = PassphraseArgs {
            passphrase_file: Some(file.clone()),
            passphrase_fd: None,
        };
        assert_eq!(
            args.read(Purpose::Open).unwrap().as_slice(),
            b"s3cret words"
        );
        std::fs::write(&file, "\n").unwrap();
        assert!(matches!(
            args.read(Purpose::Open),
            Err(NodeError::NoPassphrase)
        ));
        let closed = PassphraseArgs {
            passphrase_file: None,
            passphrase_fd: Some(999),
        };
        let refused = closed.read(Purpose::Open).unwrap_err().to_string();
        assert!(
            refused.contains("file descriptor 999 is not open"),
            "{refused}"
        );
    }
}
