//! Items for the tests.

use merlin::Transcript;
use utreexo::MerkleItem;

/// A test item: a number committed under its own field name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item(pub u64);

impl MerkleItem for Item {
    fn commit(&self, t: &mut Transcript) {
        t.append_u64(b"test.item", self.0);
    }
}
