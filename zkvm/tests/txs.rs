//! Every transaction of `zkvm_txs.json`: valid ones verify with the same ID, log and
//! fee; invalid ones are rejected.

mod common;

use zkvm::{Tx, Verifier, VmError};

#[test]
fn valid_transactions_verify_with_their_ids_logs_and_fees() {
    let gens = common::gens();
    let file = vectors::load("zkvm_txs.json");
    let mut checked = 0;
    for case in vectors::cases(&file).iter().filter(|c| c["valid"] == true) {
        let name = format!("{} ({})", case["name"], case["description"]);
        let bytes = vectors::bytes(&case["tx"]);
        let verified =
            Verifier::verify_bytes(&bytes, &gens).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.id.0, vectors::bytes32(&case["txid"]), "{name}");
        if case.get("log").is_some() {
            assert_eq!(
                verified.log.entries(),
                common::log(case).as_slice(),
                "{name}"
            );
            assert_eq!(
                verified.feerate.fee(),
                case["fee"].as_u64().unwrap(),
                "{name}"
            );
            assert!(verified.weight >= bytes.len() as u64, "{name}");
            assert_eq!(verified.feerate.weight(), verified.weight);
        }
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn invalid_transactions_are_rejected() {
    let gens = common::gens();
    let file = vectors::load("zkvm_txs.json");
    let mut checked = 0;
    for case in vectors::cases(&file).iter().filter(|c| c["valid"] == false) {
        let bytes = vectors::bytes(&case["tx"]);
        let result = Tx::from_bytes(&bytes).and_then(|tx| Verifier::verify_tx(&tx, &gens));
        assert!(
            result.is_err(),
            "{} ({}) was accepted; the reference said {}",
            case["name"],
            case["description"],
            case["error"]
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn valid_transactions_verify_as_one_batch() {
    let gens = common::gens();
    let file = vectors::load("zkvm_txs.json");
    let txs: Vec<Tx> = vectors::cases(&file)
        .iter()
        .filter(|c| c["valid"] == true)
        .map(|c| Tx::from_bytes(&vectors::bytes(&c["tx"])).expect("decodes"))
        .collect();
    let verified = Verifier::verify_txs(&txs, &gens).expect("batch verifies");
    assert_eq!(verified.len(), txs.len());
    // One bad transaction spoils the batch, and the error names it.
    let invalid = vectors::cases(&file)
        .iter()
        .find(|c| c["valid"] == false && c["description"] == "byte flipped in the signature s")
        .expect("a signature mutation");
    let bad = Tx::from_bytes(&vectors::bytes(&invalid["tx"])).expect("decodes");
    // Among many good ones, wherever it stands, bisection names it.
    let many: Vec<Tx> = txs.iter().cycle().take(40).cloned().collect();
    for at in [0, 1, 17, 39, 40] {
        let mut with_bad = many.clone();
        with_bad.insert(at, bad.clone());
        match Verifier::verify_txs(&with_bad, &gens) {
            Err(VmError::InTx { index, error }) => {
                assert_eq!(index, at);
                assert!(matches!(*error, VmError::PointCheck(_)), "{error:?}");
            }
            other => panic!("bad transaction at {at} not named: {other:?}"),
        }
    }
    // A transaction the VM refuses is named by the VM's error.
    let mut refused = bad.clone();
    refused.program = vec![0xff];
    let mut with_refused = many.clone();
    with_refused.insert(5, refused);
    with_refused.insert(9, bad);
    match Verifier::verify_txs(&with_refused, &gens) {
        Err(VmError::InTx { index: 5, error }) => {
            assert!(!matches!(*error, VmError::PointCheck(_)), "{error:?}")
        }
        other => panic!("refused transaction not named: {other:?}"),
    }
}
