//! Every transaction of `zkvm_txs.json`: valid ones verify with the same ID, log and
//! fee; invalid ones are rejected.

mod common;

use zkvm::{Tx, Verifier};

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
    let mut with_bad = txs.clone();
    with_bad.push(Tx::from_bytes(&vectors::bytes(&invalid["tx"])).expect("decodes"));
    assert!(Verifier::verify_txs(&with_bad, &gens).is_err());
}
