//! The mempool journal: what entered and left the mempool since the last block,
//! appended to `mempool.journal` beside the database with one plain `write` per
//! admitted batch.
//!
//! A batch's write reaches the operating system before its submissions are answered,
//! so a killed process loses nothing; it is not flushed to the disk (a machine that
//! loses power may lose what was admitted since the last block). A redb commit per
//! batch would flush the disk every time (redb's `Eventual` durability flushes too on
//! Linux), holding up every submission behind it by the disk's flush time. Each block's
//! write transaction folds the journal into the `mempool` table, then the journal is
//! emptied.
//!
//! Records, one after another: `1 || id (32) || LE32 length || encoding` for a
//! transaction that entered, `2 || id (32)` for one that left. A torn last record (a
//! write cut short) ends the journal when it is read.

use encoding::{Reader, Writer};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zkvm::TxId;

/// The journal's file inside a data directory.
pub const JOURNAL_FILE: &str = "mempool.journal";

const ENTERED: u8 = 1;
const LEFT: u8 = 2;

/// One change of the mempool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// A transaction entered (its ID and encoding).
    Entered(TxId, Vec<u8>),
    /// A transaction left.
    Left(TxId),
}

/// The journal's file and, in memory, the changes it holds.
#[derive(Debug)]
pub(super) struct Journal {
    path: PathBuf,
    /// Open for appending once something is written.
    file: Option<File>,
    /// The length of its complete records: a failed write is cut back to it.
    len: u64,
    changes: Vec<Change>,
}

impl Journal {
    /// Reads the journal in `dir` (empty if there is none), dropping a torn last
    /// record.
    pub(super) fn open(dir: &Path) -> std::io::Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let (changes, len) = parse(&bytes);
        if len != bytes.len() {
            tracing::warn!(path = %path.display(), dropped = bytes.len() - len, "the mempool journal ends in a torn record; it is dropped");
        }
        Ok(Journal {
            path,
            file: None,
            len: len as u64,
            changes,
        })
    }

    /// Removes a journal left in `dir` (a new store starts without one).
    pub(super) fn remove(dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(dir.join(JOURNAL_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The changes since the journal was last emptied, oldest first.
    pub(super) fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Appends `entered` transactions, then `left` ones, in one write. If it fails,
    /// the file is cut back to its complete records and nothing is recorded.
    pub(super) fn append(
        &mut self,
        entered: &[(TxId, Vec<u8>)],
        left: &[TxId],
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        let changes: Vec<Change> = entered
            .iter()
            .map(|(id, tx)| Change::Entered(*id, tx.clone()))
            .chain(left.iter().map(|id| Change::Left(*id)))
            .collect();
        for change in &changes {
            encode(change, &mut bytes);
        }
        let len = self.len;
        let written = self.file().and_then(|f| {
            // A failed write earlier may have left part of a record after `len`.
            f.set_len(len)?;
            f.write_all(&bytes)
        });
        if let Err(e) = written {
            // Reopened (and cut back) at the next write.
            self.file = None;
            return Err(e);
        }
        self.len += bytes.len() as u64;
        self.changes.extend(changes);
        Ok(())
    }

    /// Empties the journal once a block's write holds its changes. A file that
    /// cannot be emptied keeps them: they are only applied again on a restart, to
    /// the same effect.
    pub(super) fn clear(&mut self) {
        self.changes.clear();
        match self.file().and_then(|f| f.set_len(0)) {
            Ok(()) => self.len = 0,
            Err(e) => {
                self.file = None;
                tracing::warn!(path = %self.path.display(), error = %e, "could not empty the mempool journal");
            }
        }
    }

    fn file(&mut self) -> std::io::Result<&mut File> {
        let file = match self.file.take() {
            Some(file) => file,
            None => OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&self.path)?,
        };
        Ok(self.file.insert(file))
    }
}

fn encode(change: &Change, out: &mut Vec<u8>) {
    match change {
        Change::Entered(id, tx) => {
            out.push(ENTERED);
            out.extend_from_slice(&id.0);
            out.write_len_prefixed(tx);
        }
        Change::Left(id) => {
            out.push(LEFT);
            out.extend_from_slice(&id.0);
        }
    }
}

/// The complete records of `bytes` and their length.
fn parse(bytes: &[u8]) -> (Vec<Change>, usize) {
    let mut r = Reader::new(bytes);
    let mut changes = Vec::new();
    let mut complete = 0;
    while r.remaining() > 0 {
        let Some(change) = read_change(&mut r) else {
            break;
        };
        changes.push(change);
        complete = bytes.len() - r.remaining();
    }
    (changes, complete)
}

/// The next record, if it is complete and of a known kind.
fn read_change(r: &mut Reader<'_>) -> Option<Change> {
    let kind = r.read_u8().ok()?;
    let id = TxId(r.read_array().ok()?);
    match kind {
        ENTERED => Some(Change::Entered(id, r.read_len_prefixed().ok()?.to_vec())),
        LEFT => Some(Change::Left(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(i: u8) -> TxId {
        TxId([i; 32])
    }

    #[test]
    fn changes_are_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        journal
            .append(&[(id(1), vec![1, 1]), (id(2), vec![2])], &[])
            .unwrap();
        journal.append(&[(id(3), vec![3])], &[id(1)]).unwrap();
        let expected = vec![
            Change::Entered(id(1), vec![1, 1]),
            Change::Entered(id(2), vec![2]),
            Change::Entered(id(3), vec![3]),
            Change::Left(id(1)),
        ];
        assert_eq!(journal.changes(), expected);
        drop(journal);
        assert_eq!(Journal::open(dir.path()).unwrap().changes(), expected);
    }

    #[test]
    fn a_torn_last_record_is_dropped_and_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        journal.append(&[(id(1), vec![7; 100])], &[]).unwrap();
        drop(journal);
        let path = dir.path().join(JOURNAL_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let whole = bytes.len();
        let mut torn = Vec::new();
        encode(&Change::Entered(id(2), vec![8; 100]), &mut torn);
        bytes.extend_from_slice(&torn[..50]);
        std::fs::write(&path, &bytes).unwrap();

        let mut journal = Journal::open(dir.path()).unwrap();
        assert_eq!(journal.changes(), [Change::Entered(id(1), vec![7; 100])]);
        journal.append(&[], &[id(1)]).unwrap();
        drop(journal);
        assert_eq!(std::fs::read(&path).unwrap().len(), whole + 33);
        assert_eq!(
            Journal::open(dir.path()).unwrap().changes(),
            [Change::Entered(id(1), vec![7; 100]), Change::Left(id(1))]
        );
    }

    #[test]
    fn a_cleared_journal_is_empty_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        journal.append(&[(id(1), vec![1])], &[]).unwrap();
        journal.clear();
        assert!(journal.changes().is_empty());
        journal.append(&[], &[id(4)]).unwrap();
        drop(journal);
        assert_eq!(
            Journal::open(dir.path()).unwrap().changes(),
            [Change::Left(id(4))]
        );
    }
}
