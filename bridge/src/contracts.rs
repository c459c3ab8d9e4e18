//! Bindings of the committed contract artifacts (`bridge/contracts/artifacts/`,
//! compiled by `bridge/contracts/compile.js`): calls, events, errors and deployment
//! bytecode of `Bridge` and the test ERC-20 `TestToken`.
#![allow(missing_docs)]

use alloy::sol;

sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    Bridge,
    "contracts/artifacts/Bridge.json"
);

sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    TestToken,
    "contracts/artifacts/TestToken.json"
);

/// The folder of the contracts' sources, script and artifacts.
pub fn contracts_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts")
}
