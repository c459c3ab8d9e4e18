//! Block transactions applied to the vector chain's state. The header is made to
//! follow the tip (height, previous ID, transaction root; the UTXO root the state
//! itself reports), so the fuzzer reaches execution, the forest and the proofs.
//! What must hold: application is deterministic; an accepted block leaves a forest
//! whose root is the header's and that verifies the outputs' new proofs; and the
//! state it started from is unchanged.
#![no_main]

use blockchain::{Block, BlockchainError, ZkVm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(block) = Block::from_bytes(data) else {
        return;
    };
    let chain = zkvm_fuzz::vector_chain();
    let gens = zkvm::network_generators();
    let before = chain.state.forest().clone();
    let mut header = chain.next.clone();
    header.ext = block.header.ext.clone();
    header.txroot = zkvm_fuzz::txroot_of(&block.txs);
    let first = chain.state.apply_contents(&header, &block.txs, gens, &ZkVm);
    if let Err(BlockchainError::UtxoRootMismatch { computed, .. }) = &first {
        header.utxoroot = *computed;
    }
    let result = chain.state.apply_contents(&header, &block.txs, gens, &ZkVm);
    let again = chain.state.apply_contents(&header, &block.txs, gens, &ZkVm);
    assert_eq!(
        chain.state.forest(),
        &before,
        "applying never changes the state"
    );
    match (&result, &again) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.state.forest(), b.state.forest());
            assert_eq!(a.state.forest().root(), header.utxoroot);
            assert_eq!(a.state.tip(), &header);
            assert_eq!(a.txs.len(), block.txs.len());
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("application is not deterministic: {result:?} then {again:?}"),
    }
});
